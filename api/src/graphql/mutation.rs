//! Mutations: the editorial writes, through the same service as REST
//! `/v1/admin`. Every mutation needs an `editor` key
//! (`Authorization: Bearer …`); errors carry `UNAUTHENTICATED`, `FORBIDDEN`,
//! `CONFLICT` (stale `expectedVersion`, taken slug) or `BAD_USER_INPUT`.

use app::AppError;
use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use domain::{ApiKey, Scope};
use serde_json::{Map, Value, json};

use super::comments::{self, CommentGql, PostCommentInput};
use super::context::{article_id, key};
use super::types::ArticleGql;
use app::editorial::{ArticleInput, EditorialService};

pub struct Mutation;

fn editor<'a>(ctx: &Context<'a>) -> Result<(ApiKey, &'a EditorialService)> {
    Ok((key(ctx, Scope::Editor)?, ctx.data::<EditorialService>()?))
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum BlockType {
    Paragraph,
    Heading,
    Quote,
    Image,
    List,
    Embed,
}

#[derive(InputObject, Clone)]
pub struct ImageInput {
    pub url: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// One body block; which fields apply depends on `type`.
#[derive(InputObject, Clone)]
pub struct BlockInput {
    #[graphql(name = "type")]
    pub kind: BlockType,
    pub text: Option<String>,
    pub level: Option<u8>,
    pub cite: Option<String>,
    pub ordered: Option<bool>,
    pub items: Option<Vec<String>>,
    pub image: Option<ImageInput>,
    pub provider: Option<String>,
    pub url: Option<String>,
    pub title: Option<String>,
}

fn image_json(i: &ImageInput) -> Value {
    json!({"url": i.url, "alt": i.alt, "caption": i.caption, "credit": i.credit, "width": i.width, "height": i.height})
}

impl BlockInput {
    fn to_json(&self) -> Value {
        let kind = match self.kind {
            BlockType::Paragraph => "paragraph",
            BlockType::Heading => "heading",
            BlockType::Quote => "quote",
            BlockType::Image => "image",
            BlockType::List => "list",
            BlockType::Embed => "embed",
        };
        let mut o = Map::new();
        o.insert("type".into(), json!(kind));
        let mut put = |k: &str, v: Value| {
            if !v.is_null() {
                o.insert(k.into(), v);
            }
        };
        put("text", json!(self.text));
        put("level", json!(self.level));
        put("cite", json!(self.cite));
        put("ordered", json!(self.ordered));
        put("items", json!(self.items));
        put(
            "image",
            self.image.as_ref().map(image_json).unwrap_or(Value::Null),
        );
        put("provider", json!(self.provider));
        put("url", json!(self.url));
        put("title", json!(self.title));
        Value::Object(o)
    }
}

/// Article fields. On create `headline`, `section` and one of `body` or
/// `bodyText` are required; on update omitted fields stay as they are and
/// `null` clears a field.
#[derive(InputObject, Clone, Default)]
pub struct ArticleInputGql {
    pub headline: Option<String>,
    pub slug: Option<String>,
    pub kicker: MaybeUndefined<String>,
    pub summary: MaybeUndefined<String>,
    pub body: Option<Vec<BlockInput>>,
    /// Plain text body: paragraphs separated by blank lines.
    pub body_text: Option<String>,
    /// Section slug.
    pub section: Option<String>,
    pub secondary_sections: Option<Vec<String>>,
    /// Author slugs, in byline order.
    pub authors: Option<Vec<String>>,
    /// Tag slugs.
    pub tags: Option<Vec<String>>,
    pub desk: MaybeUndefined<String>,
    pub source: MaybeUndefined<String>,
    pub source_url: MaybeUndefined<String>,
    pub dateline: MaybeUndefined<String>,
    pub image: MaybeUndefined<ImageInput>,
    pub canonical_url: MaybeUndefined<String>,
    pub external_id: MaybeUndefined<String>,
}

impl ArticleInputGql {
    fn into_input(self) -> Result<ArticleInput> {
        let mut o = Map::new();
        let mut maybe = |k: &str, v: MaybeUndefined<Value>| match v {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => {
                o.insert(k.into(), Value::Null);
            }
            MaybeUndefined::Value(v) => {
                o.insert(k.into(), v);
            }
        };
        let s = |v: MaybeUndefined<String>| v.map_value(Value::String);
        maybe("kicker", s(self.kicker));
        maybe("summary", s(self.summary));
        maybe("desk", s(self.desk));
        maybe("source", s(self.source));
        maybe("sourceUrl", s(self.source_url));
        maybe("dateline", s(self.dateline));
        maybe("canonicalUrl", s(self.canonical_url));
        maybe("externalId", s(self.external_id));
        maybe("image", self.image.map_value(|i| image_json(&i)));
        if let Some(h) = self.headline {
            o.insert("headline".into(), json!(h));
        }
        if let Some(v) = self.slug {
            o.insert("slug".into(), json!(v));
        }
        match (self.body, self.body_text) {
            (Some(_), Some(_)) => {
                return Err(AppError::invalid("body", "give body or bodyText, not both").into());
            }
            (Some(blocks), None) => {
                o.insert(
                    "body".into(),
                    Value::Array(blocks.iter().map(BlockInput::to_json).collect()),
                );
            }
            (None, Some(text)) => {
                o.insert("body".into(), json!(text));
            }
            (None, None) => {}
        }
        for (k, v) in [
            ("secondarySections", self.secondary_sections),
            ("authors", self.authors),
            ("tags", self.tags),
        ] {
            if let Some(v) = v {
                o.insert(k.into(), json!(v));
            }
        }
        if let Some(v) = self.section {
            o.insert("section".into(), json!(v));
        }
        serde_json::from_value(Value::Object(o))
            .map_err(|e| AppError::invalid("input", e.to_string()).into())
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum CorrectionKindGql {
    Correction,
    Clarification,
    Update,
}

#[Object(name = "Mutation")]
impl Mutation {
    /// Creates a draft.
    async fn create_article(
        &self,
        ctx: &Context<'_>,
        input: ArticleInputGql,
    ) -> Result<ArticleGql> {
        let (key, ed) = editor(ctx)?;
        let input = input.into_input()?;
        Ok(ArticleGql::from_article(ed.create(&key, &input).await?))
    }

    /// Changes fields of an article; with `expectedVersion`, only if it is
    /// still at that version (else `CONFLICT`, and nothing is written).
    async fn update_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ArticleInputGql,
        expected_version: Option<i32>,
    ) -> Result<ArticleGql> {
        let (key, ed) = editor(ctx)?;
        let input = input.into_input()?;
        Ok(ArticleGql::from_article(
            ed.update(&key, article_id(&id)?, expected_version, &input)
                .await?,
        ))
    }

    /// Publishes now.
    async fn publish_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
    ) -> Result<ArticleGql> {
        let (key, ed) = editor(ctx)?;
        Ok(ArticleGql::from_article(
            ed.publish(&key, article_id(&id)?, expected_version).await?,
        ))
    }

    /// Goes live at `publishAt` by itself.
    async fn schedule_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        publish_at: DateTime<Utc>,
        expected_version: Option<i32>,
    ) -> Result<ArticleGql> {
        let (key, ed) = editor(ctx)?;
        let at = publish_at.to_rfc3339();
        Ok(ArticleGql::from_article(
            ed.schedule(&key, article_id(&id)?, expected_version, &at)
                .await?,
        ))
    }

    /// Takes it off every public surface.
    async fn unpublish_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
        expected_version: Option<i32>,
    ) -> Result<ArticleGql> {
        let (key, ed) = editor(ctx)?;
        Ok(ArticleGql::from_article(
            ed.unpublish(&key, article_id(&id)?, expected_version, &reason)
                .await?,
        ))
    }

    /// Holds it back until `embargoUntil`; `null` lifts the embargo.
    async fn embargo_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        embargo_until: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<ArticleGql> {
        let (key, ed) = editor(ctx)?;
        let until = embargo_until.map(|t| t.to_rfc3339());
        Ok(ArticleGql::from_article(
            ed.embargo(&key, article_id(&id)?, expected_version, until.as_deref())
                .await?,
        ))
    }

    /// Adds a correction note (shown on the article; bumps `updatedAt`).
    async fn add_correction(
        &self,
        ctx: &Context<'_>,
        id: ID,
        kind: CorrectionKindGql,
        text: String,
        at: Option<DateTime<Utc>>,
        expected_version: Option<i32>,
    ) -> Result<ArticleGql> {
        let (key, ed) = editor(ctx)?;
        let kind = match kind {
            CorrectionKindGql::Correction => "correction",
            CorrectionKindGql::Clarification => "clarification",
            CorrectionKindGql::Update => "update",
        };
        let at = at.map(|t| t.to_rfc3339());
        Ok(ArticleGql::from_article(
            ed.correct(
                &key,
                article_id(&id)?,
                expected_version,
                kind,
                &text,
                at.as_deref(),
            )
            .await?,
        ))
    }

    /// Soft delete: unpublished and marked deleted; revisions are kept.
    async fn delete_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
    ) -> Result<ArticleGql> {
        let (key, ed) = editor(ctx)?;
        Ok(ArticleGql::from_article(
            ed.delete(&key, article_id(&id)?, expected_version).await?,
        ))
    }

    /// Posts a reader's comment (no key needed). It is `PENDING` until a
    /// moderator approves it. Errors: `NOT_FOUND` (no such public article),
    /// `FORBIDDEN` (comments closed), `BAD_USER_INPUT` (every bad field in
    /// `extensions.fields`), `CONFLICT` (duplicate), `RATE_LIMITED` (with
    /// `extensions.retryAfter` in seconds).
    async fn post_comment(&self, ctx: &Context<'_>, input: PostCommentInput) -> Result<CommentGql> {
        comments::post_comment(ctx, input).await
    }

    /// Shows a comment (editor key).
    async fn approve_comment(&self, ctx: &Context<'_>, id: ID) -> Result<CommentGql> {
        comments::approve(ctx, &id).await
    }

    /// Hides a comment, with a reason for the record (editor key); it can
    /// still be approved later.
    async fn reject_comment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> Result<CommentGql> {
        comments::reject(ctx, &id, &reason).await
    }

    /// Deletes a comment and its replies; returns how many went (editor key).
    async fn delete_comment(&self, ctx: &Context<'_>, id: ID) -> Result<i32> {
        comments::delete(ctx, &id).await
    }

    /// Opens or closes an article's comments; returns whether they are open
    /// (editor key).
    async fn set_comments_open(
        &self,
        ctx: &Context<'_>,
        article_id: ID,
        open: bool,
    ) -> Result<bool> {
        comments::set_open(ctx, &article_id, open).await
    }
}

/// The editors' preview: any article whatever its status; `None` when
/// there is no such article.
pub async fn preview(ctx: &Context<'_>, id: &ID) -> Result<Option<ArticleGql>> {
    let (_, ed) = editor(ctx)?;
    match ed.preview(article_id(id)?).await {
        Ok(a) => Ok(Some(ArticleGql::from_article(a))),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
