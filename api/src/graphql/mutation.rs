//! Mutations: the editorial writes, through the same service as REST
//! `/v1/admin`. Every mutation needs an `editor` key
//! (`Authorization: Bearer …`); errors carry `UNAUTHENTICATED`, `FORBIDDEN`,
//! `CONFLICT` (stale `expectedVersion`, taken slug) or `BAD_USER_INPUT`.

use app::AppError;
use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use domain::{ApiKey, Block, Image, Scope, ValidationError};

use super::comments::{self, CommentGql, PostCommentInput};
use super::context::{article_id, key};
use super::results::CollectionGql;
use super::taxonomy::{self, AuthorInput, CollectionInputGql, SectionInput, TagInput};
use super::types::{ArticleGql, AuthorGql, SectionGql, TagGql};
use super::values::{AccessGql, ArticleKindGql, LiveStateGql};
use super::webhooks::{self, WebhookMutation};
use app::editorial::{ArticleInput, EditorialService};
use app::import::BodyInput;

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

/// A picture: an outside `url`, or an uploaded picture's `imageId`
/// (`POST /v1/admin/images`), whose renditions are filled in.
#[derive(InputObject, Clone)]
pub struct ImageInput {
    pub url: Option<String>,
    pub image_id: Option<async_graphql::ID>,
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

impl From<ImageInput> for Image {
    fn from(i: ImageInput) -> Self {
        Image {
            url: i.url.unwrap_or_default(),
            alt: i.alt,
            caption: i.caption,
            credit: i.credit,
            width: i.width,
            height: i.height,
            image_id: i.image_id.map(|id| id.0),
            ..Default::default()
        }
    }
}

impl BlockInput {
    /// The block this input describes; a field its type needs and lacks is
    /// reported as `body[i].field`.
    fn into_block(self, i: usize, errors: &mut Vec<ValidationError>) -> Option<Block> {
        let mut need = |name: &str, v: Option<String>| {
            if v.is_none() {
                errors.push(ValidationError::new(
                    format!("body[{i}].{name}"),
                    "is required for this block type",
                ));
            }
            v
        };
        Some(match self.kind {
            BlockType::Paragraph => Block::Paragraph {
                text: need("text", self.text)?,
            },
            BlockType::Heading => Block::Heading {
                text: need("text", self.text)?,
                level: self.level.unwrap_or(2),
            },
            BlockType::Quote => Block::Quote {
                text: need("text", self.text)?,
                cite: self.cite,
            },
            BlockType::Image => match self.image {
                Some(image) => Block::Image {
                    image: Box::new(image.into()),
                },
                None => {
                    errors.push(ValidationError::new(
                        format!("body[{i}].image"),
                        "is required for this block type",
                    ));
                    return None;
                }
            },
            BlockType::List => match self.items {
                Some(items) => Block::List {
                    ordered: self.ordered.unwrap_or(false),
                    items,
                },
                None => {
                    errors.push(ValidationError::new(
                        format!("body[{i}].items"),
                        "is required for this block type",
                    ));
                    return None;
                }
            },
            BlockType::Embed => {
                let provider = need("provider", self.provider);
                let url = need("url", self.url);
                Block::Embed {
                    provider: provider?,
                    url: url?,
                    title: self.title,
                }
            }
        })
    }
}

/// A new article: `headline`, `section` and one of `body` or `bodyText`.
#[derive(InputObject, Clone)]
#[graphql(name = "CreateArticleInput")]
pub struct CreateArticleInputGql {
    pub headline: String,
    /// Default: made from the headline (unique).
    pub slug: Option<String>,
    pub kicker: Option<String>,
    pub summary: Option<String>,
    /// Give `body` or `bodyText`, not both.
    pub body: Option<Vec<BlockInput>>,
    /// Plain text body: paragraphs separated by blank lines.
    pub body_text: Option<String>,
    /// Section slug.
    pub section: String,
    pub secondary_sections: Option<Vec<String>>,
    /// Author slugs, in byline order.
    pub authors: Option<Vec<String>>,
    /// Tag slugs.
    pub tags: Option<Vec<String>>,
    pub desk: Option<String>,
    pub source: Option<String>,
    pub source_url: Option<String>,
    pub dateline: Option<String>,
    pub image: Option<ImageInput>,
    pub canonical_url: Option<String>,
    pub external_id: Option<String>,
    /// `STANDARD` by default; `LIVE` is a live page that takes posts.
    pub kind: Option<ArticleKindGql>,
    /// `FREE` by default.
    pub access: Option<AccessGql>,
    /// BCP 47 language tag: `bn` (the default), `en`, `en-GB`, ...
    pub language: Option<String>,
    /// Links it as a translation of this article (global or database id).
    pub translation_of: Option<ID>,
}

impl From<CreateArticleInputGql> for ArticleInputGql {
    fn from(c: CreateArticleInputGql) -> Self {
        let given = |v: Option<String>| v.map_or(MaybeUndefined::Undefined, MaybeUndefined::Value);
        Self {
            headline: Some(c.headline),
            slug: c.slug,
            kicker: given(c.kicker),
            summary: given(c.summary),
            body: c.body,
            body_text: c.body_text,
            section: Some(c.section),
            secondary_sections: c.secondary_sections,
            authors: c.authors,
            tags: c.tags,
            desk: given(c.desk),
            source: given(c.source),
            source_url: given(c.source_url),
            dateline: given(c.dateline),
            image: c
                .image
                .map_or(MaybeUndefined::Undefined, MaybeUndefined::Value),
            canonical_url: given(c.canonical_url),
            external_id: given(c.external_id),
            kind: c.kind,
            live_state: None,
            access: c.access,
            language: c.language,
            translation_of: c
                .translation_of
                .map_or(MaybeUndefined::Undefined, MaybeUndefined::Value),
        }
    }
}

/// A change to an article: omitted fields stay as they are, `null` clears
/// a field.
#[derive(InputObject, Clone, Default)]
#[graphql(name = "UpdateArticleInput")]
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
    pub kind: Option<ArticleKindGql>,
    /// A live page's state (`ENDED` ends it).
    pub live_state: Option<LiveStateGql>,
    pub access: Option<AccessGql>,
    /// BCP 47 language tag: `bn`, `en`, `en-GB`, ...
    pub language: Option<String>,
    /// Links it as a translation of this article (global or database id);
    /// `null` unlinks it.
    pub translation_of: MaybeUndefined<ID>,
}

/// `MaybeUndefined` as the service's double option: absent = unchanged,
/// `null` = cleared.
fn double<T>(v: MaybeUndefined<T>) -> Option<Option<T>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

impl ArticleInputGql {
    fn into_input(self) -> Result<ArticleInput, AppError> {
        let mut errors = Vec::new();
        let body = match (self.body, self.body_text) {
            (Some(_), Some(_)) => {
                return Err(AppError::invalid("body", "give body or bodyText, not both"));
            }
            (Some(blocks), None) => Some(BodyInput::Blocks(
                blocks
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, b)| b.into_block(i, &mut errors))
                    .collect(),
            )),
            (None, Some(text)) => Some(BodyInput::Text(text)),
            (None, None) => None,
        };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        Ok(ArticleInput {
            headline: self.headline,
            slug: self.slug,
            kicker: double(self.kicker),
            summary: double(self.summary),
            body,
            body_text: None,
            section: self.section,
            secondary_sections: self.secondary_sections,
            authors: self.authors,
            tags: self.tags,
            desk: double(self.desk),
            source: double(self.source),
            source_url: double(self.source_url),
            dateline: double(self.dateline),
            image: double(self.image.map_value(Image::from)),
            canonical_url: double(self.canonical_url),
            external_id: double(self.external_id),
            breaking_until: None,
            kind: self
                .kind
                .map(|k| domain::ArticleKind::from(k).as_str().to_owned()),
            access: self
                .access
                .map(|a| domain::Access::from(a).as_str().to_owned()),
            language: self.language,
            translation_of: double(self.translation_of.map_value(|id| {
                match super::context::parse_global_id(&id) {
                    Some((kind, n)) if kind == "Article" => n.to_string(),
                    _ => id.to_string(),
                }
            })),
            live_state: self.live_state.map(|l| {
                match l {
                    LiveStateGql::Live => "live",
                    LiveStateGql::Ended => "ended",
                }
                .to_owned()
            }),
        })
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
        input: CreateArticleInputGql,
    ) -> Result<ArticleGql> {
        let (key, ed) = editor(ctx)?;
        let input = ArticleInputGql::from(input).into_input()?;
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

    /// Adds a post to a live article (editor key). Errors: `BAD_USER_INPUT`
    /// (no body, a standard article, an unknown author), `NOT_FOUND`.
    async fn create_live_post(
        &self,
        ctx: &Context<'_>,
        article_id: ID,
        input: super::live::LivePostInput,
    ) -> Result<super::live::LivePostGql> {
        super::live::create(ctx, &article_id, input).await
    }

    /// Changes a post of a live article: text, author, pin, key event
    /// (editor key).
    async fn update_live_post(
        &self,
        ctx: &Context<'_>,
        article_id: ID,
        id: ID,
        input: super::live::LivePostInput,
    ) -> Result<super::live::LivePostGql> {
        super::live::update(ctx, &article_id, &id, input).await
    }

    /// Deletes a post of a live article; returns its id (editor key).
    async fn delete_live_post(&self, ctx: &Context<'_>, article_id: ID, id: ID) -> Result<ID> {
        super::live::delete(ctx, &article_id, &id).await
    }

    /// Creates a webhook (admin key); the answer is the only time its
    /// `secret` is shown. Errors: `BAD_USER_INPUT` (a URL that is not
    /// http(s) or resolves to a private address; no events).
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        input: webhooks::CreateWebhookInput,
    ) -> Result<webhooks::WebhookGql> {
        WebhookMutation.create_webhook(ctx, input).await
    }

    /// Changes a webhook (admin key); `active: true` turns it back on after
    /// the server turned it off.
    async fn update_webhook(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: webhooks::UpdateWebhookInput,
    ) -> Result<webhooks::WebhookGql> {
        WebhookMutation.update_webhook(ctx, id, input).await
    }

    /// Deletes a webhook and its delivery log (admin key); returns its id.
    async fn delete_webhook(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        WebhookMutation.delete_webhook(ctx, id).await
    }

    /// Gives a webhook a new signing secret, shown in this answer only;
    /// the old one stops at once (admin key).
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<webhooks::WebhookGql> {
        WebhookMutation.rotate_webhook_secret(ctx, id).await
    }

    /// Queues a signed `webhook.ping` to a webhook (admin key).
    async fn ping_webhook(&self, ctx: &Context<'_>, id: ID) -> Result<webhooks::DeliveryGql> {
        WebhookMutation.ping_webhook(ctx, id).await
    }

    /// Sends a delivery again, now, with the same `webhook-id` (admin key).
    async fn redeliver_webhook_delivery(
        &self,
        ctx: &Context<'_>,
        delivery_id: ID,
    ) -> Result<webhooks::DeliveryGql> {
        WebhookMutation
            .redeliver_webhook_delivery(ctx, delivery_id)
            .await
    }

    /// A new section (admin key); `name` is required.
    async fn create_section(&self, ctx: &Context<'_>, input: SectionInput) -> Result<SectionGql> {
        taxonomy::save_section(ctx, None, input).await
    }
    /// Changes a section (admin key): absent fields stay, `null` clears.
    async fn update_section(
        &self,
        ctx: &Context<'_>,
        slug: String,
        input: SectionInput,
    ) -> Result<SectionGql> {
        taxonomy::save_section(ctx, Some(&slug), input).await
    }
    /// Deletes a section with no articles and no sub-sections (admin key).
    async fn delete_section(&self, ctx: &Context<'_>, slug: String) -> Result<bool> {
        taxonomy::delete(ctx, "section", &slug).await
    }
    /// A new author (editor key); `name` is required.
    async fn create_author(&self, ctx: &Context<'_>, input: AuthorInput) -> Result<AuthorGql> {
        taxonomy::save_author(ctx, None, input).await
    }
    /// Changes an author (editor key).
    async fn update_author(
        &self,
        ctx: &Context<'_>,
        slug: String,
        input: AuthorInput,
    ) -> Result<AuthorGql> {
        taxonomy::save_author(ctx, Some(&slug), input).await
    }
    /// Deletes an author, removing their byline from articles (editor key).
    async fn delete_author(&self, ctx: &Context<'_>, slug: String) -> Result<bool> {
        taxonomy::delete(ctx, "author", &slug).await
    }
    /// A new tag (editor key); `name` is required.
    async fn create_tag(&self, ctx: &Context<'_>, input: TagInput) -> Result<TagGql> {
        taxonomy::save_tag(ctx, None, input).await
    }
    /// Changes a tag (editor key).
    async fn update_tag(&self, ctx: &Context<'_>, slug: String, input: TagInput) -> Result<TagGql> {
        taxonomy::save_tag(ctx, Some(&slug), input).await
    }
    /// Deletes a tag, removing it from articles (editor key).
    async fn delete_tag(&self, ctx: &Context<'_>, slug: String) -> Result<bool> {
        taxonomy::delete(ctx, "tag", &slug).await
    }
    /// Creates or replaces a curated list (editor key).
    async fn save_collection(
        &self,
        ctx: &Context<'_>,
        slug: String,
        input: CollectionInputGql,
    ) -> Result<CollectionGql> {
        taxonomy::save_collection(ctx, &slug, input, false).await
    }
    /// Deletes a curated list (editor key).
    async fn delete_collection(&self, ctx: &Context<'_>, slug: String) -> Result<bool> {
        taxonomy::delete_collection(ctx, &slug, false).await
    }
    /// Creates or replaces a series (editor key): a named, ordered list
    /// of articles on one running story, with its own feeds. A slug is a
    /// series or a collection, not both (`CONFLICT`).
    async fn save_series(
        &self,
        ctx: &Context<'_>,
        slug: String,
        input: CollectionInputGql,
    ) -> Result<CollectionGql> {
        taxonomy::save_collection(ctx, &slug, input, true).await
    }
    /// Deletes a series (editor key).
    async fn delete_series(&self, ctx: &Context<'_>, slug: String) -> Result<bool> {
        taxonomy::delete_collection(ctx, &slug, true).await
    }

    /// Replaces an article's story package: up to ten hand-picked
    /// articles (database ids) that `related` shows first, in this order
    /// (public ones only). Returns the picks, any status (editor key).
    async fn set_article_picks(
        &self,
        ctx: &Context<'_>,
        article_id: ID,
        articles: Vec<ID>,
    ) -> Result<Vec<ArticleGql>> {
        let (key, ed) = editor(ctx)?;
        let ids: Vec<String> = articles.into_iter().map(|id| id.0).collect();
        let picks = ed
            .set_picks(
                &key,
                crate::graphql::context::article_id(&article_id)?,
                &ids,
            )
            .await?;
        Ok(picks.into_iter().map(ArticleGql::from_summary).collect())
    }

    /// A link that opens the article as it stands, published or not, with
    /// no key, for `expiresIn` seconds (60 to 604800; a day when absent).
    /// The token is in this answer only (editor key).
    async fn create_preview_link(
        &self,
        ctx: &Context<'_>,
        article_id: ID,
        expires_in: Option<i64>,
    ) -> Result<PreviewLinkGql> {
        preview_links::create(ctx, article_id, expires_in).await
    }

    /// Revokes a preview link: from now on its token opens nothing;
    /// revoking twice is not an error (editor key).
    async fn revoke_preview_link(
        &self,
        ctx: &Context<'_>,
        article_id: ID,
        id: ID,
    ) -> Result<PreviewLinkGql> {
        preview_links::revoke(ctx, article_id, id).await
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

/// A preview link's article (no key: the token is the secret); `None` for
/// an unknown, expired or revoked token. Marks the answer private,
/// unindexed and without referrer, as `GET /v1/preview/{token}`.
pub async fn preview_by_token(ctx: &Context<'_>, token: &str) -> Result<Option<ArticleGql>> {
    ctx.insert_http_header("cache-control", "private, no-store");
    ctx.insert_http_header("x-robots-tag", "noindex");
    ctx.insert_http_header("referrer-policy", "no-referrer");
    let svc = ctx.data::<app::content::ContentService>()?;
    match svc.article_by_preview_token(token).await {
        Ok(a) => Ok(Some(ArticleGql::from_article(a))),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A preview link (`createPreviewLink`, `revokePreviewLink`).
pub struct PreviewLinkGql {
    link: domain::PreviewLink,
    token: Option<String>,
    url: Option<String>,
    now: DateTime<Utc>,
}

#[Object(name = "PreviewLink")]
impl PreviewLinkGql {
    async fn id(&self) -> ID {
        ID(self.link.id.to_string())
    }
    async fn article_id(&self) -> ID {
        ID(self.link.article_id.to_string())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.link.created_at
    }
    async fn expires_at(&self) -> DateTime<Utc> {
        self.link.expires_at
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.link.revoked_at
    }
    /// Not revoked and not expired.
    async fn active(&self) -> bool {
        self.link.is_live(self.now)
    }
    /// `bpv_…`, for `previewArticle(token:)`: in `createPreviewLink`'s
    /// answer only (the server keeps its hash).
    async fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }
    /// `GET /v1/preview/{token}` on this server; with `token` only.
    async fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }
}

mod preview_links {
    use super::*;

    pub async fn create(
        ctx: &Context<'_>,
        article_id: ID,
        expires_in: Option<i64>,
    ) -> Result<PreviewLinkGql> {
        let (key, ed) = editor(ctx)?;
        let created = ed
            .create_preview_link(
                &key,
                crate::graphql::context::article_id(&article_id)?,
                expires_in,
            )
            .await?;
        let origin = ctx
            .data_opt::<crate::graphql::RequestOrigin>()
            .map(|o| o.0.as_str())
            .unwrap_or_default();
        Ok(PreviewLinkGql {
            url: Some(format!("{origin}/v1/preview/{}", created.token)),
            token: Some(created.token),
            link: created.link,
            now: ed.now(),
        })
    }

    pub async fn revoke(ctx: &Context<'_>, article_id: ID, id: ID) -> Result<PreviewLinkGql> {
        let (key, ed) = editor(ctx)?;
        let link = ed
            .revoke_preview_link(
                &key,
                crate::graphql::context::article_id(&article_id)?,
                app::fields::record_id(&id, "preview link")?,
            )
            .await?;
        Ok(PreviewLinkGql {
            link,
            token: None,
            url: None,
            now: ed.now(),
        })
    }
}
