//! Write side used by the importer and the demo seeder: idempotent upserts.
//!
//! Each article is written in one transaction with its links, so a crash
//! leaves either the whole article or none of it.

use chrono::{DateTime, Utc};
use domain::{Access, ArticleKind, ArticleStatus, Block, Headline, Image, Slug};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
};
use serde_json::json;

use crate::changes::{record_change, record_change_with};
use crate::editorial::{
    WriteContext, audit, link_ids, locked_state, replace_links, store_revision,
};
use crate::entities::{article, author, section, tag};
use crate::error::RepoError;
use crate::repo::{ContentRepo, micros};
use crate::slugs::free_slug;

/// A section to find by slug, created with these fields when missing.
#[derive(Debug, Clone)]
pub struct SectionUpsert {
    pub slug: Slug,
    pub name: String,
    pub name_en: Option<String>,
    /// The language of `name` (BCP 47).
    pub language: String,
    pub parent: Option<Slug>,
    pub position: i32,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AuthorUpsert {
    pub slug: Slug,
    pub name: String,
    /// The English display name, when `name` is not English.
    pub name_en: Option<String>,
    /// The language of `name` (BCP 47).
    pub language: String,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TagUpsert {
    pub slug: Slug,
    pub name: String,
    /// The English display name, when `name` is not English.
    pub name_en: Option<String>,
    /// The language of `name` (BCP 47).
    pub language: String,
}

/// A whole article as an importer delivers it (already validated).
#[derive(Debug, Clone)]
pub struct ArticleUpsert {
    pub external_id: Option<String>,
    pub slug: Slug,
    pub headline: Headline,
    pub kicker: Option<String>,
    pub summary: Option<String>,
    pub body: Vec<Block>,
    pub section: SectionUpsert,
    pub secondary_sections: Vec<SectionUpsert>,
    /// Sections to make before those (missing parents of theirs, root
    /// first), in the same transaction.
    pub section_ancestors: Vec<SectionUpsert>,
    pub authors: Vec<AuthorUpsert>,
    pub tags: Vec<TagUpsert>,
    pub desk: Option<String>,
    pub source: Option<String>,
    pub source_url: Option<String>,
    pub dateline: Option<String>,
    pub image: Option<Image>,
    pub status: ArticleStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub publish_at: Option<DateTime<Utc>>,
    pub embargo_until: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub canonical_url: Option<String>,
    pub word_count: u32,
    /// The slug was given by the source (not made from the headline): an
    /// update then moves the article to it; otherwise the stored slug stays,
    /// so an edited headline does not break the article's URL.
    pub slug_explicit: bool,
    /// `published_at` came from `--published-at-fallback`, not the source:
    /// an update keeps the stored time, so re-runs change nothing.
    pub published_at_is_fallback: bool,
    /// `None`: keep the stored value (standard, free, on a new article),
    /// so a source that does not know them cannot reset them.
    pub kind: Option<ArticleKind>,
    pub access: Option<Access>,
    /// A live page's state; `None`: keep it (`live` for a new live page).
    pub live_state: Option<domain::LiveState>,
    /// A checked BCP 47 language tag; `None`: keep it (`bn` for a new
    /// article).
    pub language: Option<String>,
    /// The external id of another version of the story (imported before):
    /// links this one as its translation; `None`: keep the link.
    pub translation_of: Option<String>,
    /// The article's correction notes, whole; `None`: keep them (none for
    /// a new article).
    pub corrections: Option<Vec<domain::Correction>>,
    /// Backfill: an article this write creates that went public before
    /// this instant enters the change log (change feed, caches, index) but
    /// raises no webhook or stream event: an archive's stories are not
    /// news. `None`: every write is told.
    pub backfill_before: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertOutcome {
    Created(i64),
    Updated(i64),
    Unchanged(i64),
}

impl UpsertOutcome {
    pub fn id(self) -> i64 {
        match self {
            Self::Created(id) | Self::Updated(id) | Self::Unchanged(id) => id,
        }
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<serde_json::Value, RepoError> {
    serde_json::to_value(v).map_err(|e| RepoError::Corrupt {
        table: "articles",
        id: 0,
        reason: e.to_string(),
    })
}

impl ContentRepo {
    /// Finds a section by slug or creates it (its parent first).
    pub async fn ensure_section(&self, s: &SectionUpsert) -> Result<i64, RepoError> {
        let txn = self.db.begin_write().await?;
        let id = ensure_section(&txn, s).await?;
        txn.commit().await?;
        Ok(id)
    }

    pub async fn ensure_author(&self, a: &AuthorUpsert) -> Result<i64, RepoError> {
        let txn = self.db.begin_write().await?;
        let id = ensure_author(&txn, a).await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Finds a tag by slug or creates it.
    pub async fn ensure_tag(&self, t: &TagUpsert) -> Result<i64, RepoError> {
        let txn = self.db.begin_write().await?;
        let id = ensure_tag(&txn, t).await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Creates the article, or updates the one with the same external id, in
    /// one transaction. Re-running the same input changes nothing.
    pub async fn upsert_article(
        &self,
        input: &ArticleUpsert,
        ctx: impl Into<WriteContext>,
    ) -> Result<UpsertOutcome, RepoError> {
        let ctx: WriteContext = ctx.into();
        let ctx = WriteContext {
            now: micros(ctx.now),
            ..ctx
        };
        let txn = self.db.begin_write().await?;
        let outcome = upsert_article(self, &txn, input, ctx).await?;
        txn.commit().await?;
        Ok(outcome)
    }
}

/// A story keeps one version per language: refuses `language` for the
/// article `own` (`None`: a new one) in story `group` when another version
/// of it has that language (`field` names what the write changed).
pub(crate) async fn check_story_language(
    txn: &DatabaseTransaction,
    group: i64,
    own: Option<i64>,
    language: &str,
    field: &str,
) -> Result<(), RepoError> {
    let mine = domain::text::primary_language(language);
    let members = article::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(article::Column::TranslationGroup.eq(group))
                .add(article::Column::Id.eq(group)),
        )
        .filter(article::Column::DeletedAt.is_null())
        .all(txn)
        .await?;
    let taken = members.iter().any(|m| {
        own.is_none_or(|own| own != m.id) && domain::text::primary_language(&m.language) == mine
    });
    if taken {
        return Err(RepoError::Invalid(domain::ValidationError::new(
            field,
            format!("that story already has a version in {mine}"),
        )));
    }
    Ok(())
}

async fn ensure_section(txn: &DatabaseTransaction, s: &SectionUpsert) -> Result<i64, RepoError> {
    if let Some(found) = section::Entity::find()
        .filter(section::Column::Slug.eq(s.slug.as_str()))
        .one(txn)
        .await?
    {
        return Ok(found.id);
    }
    let parent_id = match &s.parent {
        None => None,
        Some(p) => Some(
            section::Entity::find()
                .filter(section::Column::Slug.eq(p.as_str()))
                .one(txn)
                .await?
                .map(|m| m.id)
                .ok_or_else(|| {
                    RepoError::Invalid(domain::ValidationError::new(
                        "section.parent",
                        format!("unknown section {p}"),
                    ))
                })?,
        ),
    };
    let model = section::ActiveModel {
        slug: Set(s.slug.as_str().to_owned()),
        name: Set(s.name.clone()),
        name_en: Set(s.name_en.clone()),
        language: Set(s.language.clone()),
        parent_id: Set(parent_id),
        position: Set(s.position),
        description: Set(s.description.clone()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(model.id)
}

async fn ensure_author(txn: &DatabaseTransaction, a: &AuthorUpsert) -> Result<i64, RepoError> {
    if let Some(found) = author::Entity::find()
        .filter(author::Column::Slug.eq(a.slug.as_str()))
        .one(txn)
        .await?
    {
        return Ok(found.id);
    }
    let model = author::ActiveModel {
        slug: Set(a.slug.as_str().to_owned()),
        name: Set(a.name.clone()),
        name_en: Set(a.name_en.clone()),
        language: Set(a.language.clone()),
        bio: Set(a.bio.clone()),
        avatar_url: Set(a.avatar_url.clone()),
        avatar: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(model.id)
}

async fn ensure_tag(txn: &DatabaseTransaction, t: &TagUpsert) -> Result<i64, RepoError> {
    if let Some(found) = tag::Entity::find()
        .filter(tag::Column::Slug.eq(t.slug.as_str()))
        .one(txn)
        .await?
    {
        return Ok(found.id);
    }
    let model = tag::ActiveModel {
        slug: Set(t.slug.as_str().to_owned()),
        name: Set(t.name.clone()),
        name_en: Set(t.name_en.clone()),
        language: Set(t.language.clone()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(model.id)
}

async fn upsert_article(
    repo: &ContentRepo,
    txn: &DatabaseTransaction,
    input: &ArticleUpsert,
    ctx: WriteContext,
) -> Result<UpsertOutcome, RepoError> {
    let now = ctx.now;
    for s in &input.section_ancestors {
        ensure_section(txn, s).await?;
    }
    let section_id = ensure_section(txn, &input.section).await?;
    let mut secondary = Vec::new();
    for s in &input.secondary_sections {
        let id = ensure_section(txn, s).await?;
        if id != section_id && !secondary.contains(&id) {
            secondary.push(id);
        }
    }
    let mut author_ids = Vec::new();
    for a in &input.authors {
        let id = ensure_author(txn, a).await?;
        if !author_ids.contains(&id) {
            author_ids.push(id);
        }
    }
    let mut tag_ids = Vec::new();
    for t in &input.tags {
        let id = ensure_tag(txn, t).await?;
        if !tag_ids.contains(&id) {
            tag_ids.push(id);
        }
    }

    let existing = match &input.external_id {
        Some(ext) => {
            article::Entity::find()
                .filter(article::Column::ExternalId.eq(ext.as_str()))
                .one(txn)
                .await?
        }
        None => {
            article::Entity::find()
                .filter(article::Column::Slug.eq(input.slug.as_str()))
                .one(txn)
                .await?
        }
    };
    // The story this version joins: the group of the article it names.
    let group = match &input.translation_of {
        None => None,
        Some(ext) => {
            let Some(other) = article::Entity::find()
                .filter(article::Column::ExternalId.eq(ext.as_str()))
                .filter(article::Column::DeletedAt.is_null())
                .one(txn)
                .await?
            else {
                return Err(RepoError::Invalid(domain::ValidationError::new(
                    "translationOf",
                    format!("no article with external id {ext:?} (import it first)"),
                )));
            };
            Some(other.translation_group.unwrap_or(other.id))
        }
    };
    // A story has one version per language: checked when the line links a
    // story, or moves a version of one (or an anchor others point at) to
    // another language.
    let mine = input
        .language
        .as_deref()
        .or(existing.as_ref().map(|e| e.language.as_str()))
        .unwrap_or("bn");
    let moved = existing.as_ref().filter(|e| {
        domain::text::primary_language(&e.language) != domain::text::primary_language(mine)
    });
    let story = group.or_else(|| moved.map(|e| e.translation_group.unwrap_or(e.id)));
    if let Some(g) = story {
        let field = if group.is_some() {
            "translationOf"
        } else {
            "language"
        };
        check_story_language(txn, g, existing.as_ref().map(|e| e.id), mine, field).await?;
    }
    let slug = match &existing {
        Some(old) if !input.slug_explicit => old.slug.clone(),
        _ => {
            free_slug(
                txn,
                &input.slug,
                existing.as_ref().map(|e| e.id),
                input.external_id.as_deref(),
            )
            .await?
        }
    };
    let published_at = match &existing {
        Some(old) if input.published_at_is_fallback && old.published_at.is_some() => {
            old.published_at
        }
        _ => input.published_at.map(micros),
    };
    let publish_at = input.publish_at.map(micros);
    let embargo_until = input.embargo_until.map(micros);
    let body = to_json(&input.body)?;
    let image = input.image.as_ref().map(to_json).transpose()?;
    let corrections = input.corrections.as_ref().map(to_json).transpose()?;

    let outcome = match existing {
        Some(old) => {
            let unchanged = old.slug == slug
                && old.headline == input.headline.as_str()
                && old.kicker == input.kicker
                && old.summary == input.summary
                && old.body == body
                && old.section_id == section_id
                && old.desk == input.desk
                && old.source == input.source
                && old.source_url == input.source_url
                && old.dateline == input.dateline
                && old.image == image
                && old.status == input.status.as_str()
                && old.published_at == published_at
                && old.publish_at == publish_at
                && old.embargo_until == embargo_until
                && old.canonical_url == input.canonical_url
                && input.kind.is_none_or(|k| old.kind == k.as_str())
                && input.access.is_none_or(|a| old.access == a.as_str())
                && input
                    .live_state
                    .is_none_or(|l| old.live_state.as_deref() == Some(l.as_str()))
                && input.language.as_ref().is_none_or(|l| old.language == *l)
                && group.is_none_or(|g| old.translation_group == Some(g) || old.id == g)
                && corrections.as_ref().is_none_or(|c| *c == old.corrections);
            let id = old.id;
            if unchanged {
                let links_same = link_ids(txn, id).await?
                    == (author_ids.clone(), tag_ids.clone(), secondary.clone());
                if links_same {
                    return Ok(UpsertOutcome::Unchanged(id));
                }
            }
            let (_, old_state) = locked_state(repo, txn, id).await?;
            let old_version = old.version;
            let version = old.version + 1;
            let first_published_at = old
                .first_published_at
                .or(published_at.filter(|_| input.status == ArticleStatus::Published));
            let old_live_state = old.live_state.clone();
            let old_kind = old.kind.clone();
            let mut model: article::ActiveModel = old.into();
            model.slug = Set(slug);
            model.headline = Set(input.headline.as_str().to_owned());
            model.kicker = Set(input.kicker.clone());
            model.summary = Set(input.summary.clone());
            model.body = Set(body);
            model.section_id = Set(section_id);
            model.desk = Set(input.desk.clone());
            model.source = Set(input.source.clone());
            model.source_url = Set(input.source_url.clone());
            model.dateline = Set(input.dateline.clone());
            model.image = Set(image);
            model.status = Set(input.status.as_str().to_owned());
            model.publish_at = Set(publish_at);
            model.embargo_until = Set(embargo_until);
            model.first_published_at = Set(first_published_at);
            model.published_at = Set(published_at);
            model.updated_at = Set(input.updated_at.map(micros).unwrap_or(now));
            model.version = Set(version);
            model.word_count = Set(i32::try_from(input.word_count).unwrap_or(i32::MAX));
            model.canonical_url = Set(input.canonical_url.clone());
            // A live page keeps its state (live or ended) unless the input
            // names one; other kinds have none.
            let kind = input.kind.map_or(old_kind, |k| k.as_str().to_owned());
            model.live_state = Set(if kind == ArticleKind::Live.as_str() {
                input
                    .live_state
                    .map(|l| l.as_str().to_owned())
                    .or(old_live_state)
                    .or_else(|| Some(domain::LiveState::Live.as_str().to_owned()))
            } else {
                None
            });
            model.kind = Set(kind);
            if let Some(a) = input.access {
                model.access = Set(a.as_str().to_owned());
            }
            if let Some(l) = &input.language {
                model.language = Set(l.clone());
            }
            if let Some(c) = corrections {
                model.corrections = Set(c);
            }
            // The story's anchor stays unlinked (it is the group).
            if let Some(g) = group.filter(|g| *g != id) {
                model.translation_group = Set(Some(g));
            }
            model.update(txn).await?;
            replace_links(txn, id, &author_ids, &tag_ids, &secondary).await?;
            let (_, new_state) = locked_state(repo, txn, id).await?;
            let changed = old_state.changed_fields(&new_state);
            store_revision(
                txn,
                ctx,
                id,
                old_version,
                &old_state,
                &changed,
                "article.upsert",
            )
            .await?;
            record_change(txn, ctx, id, "article.upsert", Some(&old_state), &new_state).await?;
            audit(
                txn,
                ctx,
                "article.upsert",
                "article",
                id,
                json!({"changed": changed, "version": version}),
            )
            .await?;
            return Ok(UpsertOutcome::Updated(id));
        }
        None => {
            let model = article::ActiveModel {
                slug: Set(slug),
                external_id: Set(input.external_id.clone()),
                headline: Set(input.headline.as_str().to_owned()),
                kicker: Set(input.kicker.clone()),
                summary: Set(input.summary.clone()),
                body: Set(body),
                section_id: Set(section_id),
                desk: Set(input.desk.clone()),
                source: Set(input.source.clone()),
                source_url: Set(input.source_url.clone()),
                dateline: Set(input.dateline.clone()),
                image: Set(image),
                language: Set(input.language.clone().unwrap_or_else(|| "bn".to_owned())),
                translation_group: Set(group),
                status: Set(input.status.as_str().to_owned()),
                publish_at: Set(publish_at),
                embargo_until: Set(embargo_until),
                first_published_at: Set(
                    published_at.filter(|_| input.status == ArticleStatus::Published)
                ),
                published_at: Set(published_at),
                updated_at: Set(input.updated_at.map(micros).or(published_at).unwrap_or(now)),
                created_at: Set(now),
                version: Set(1),
                word_count: Set(i32::try_from(input.word_count).unwrap_or(i32::MAX)),
                canonical_url: Set(input.canonical_url.clone()),
                corrections: Set(
                    corrections.unwrap_or_else(|| serde_json::Value::Array(Vec::new()))
                ),
                kind: Set(input.kind.unwrap_or_default().as_str().to_owned()),
                live_state: Set((input.kind == Some(ArticleKind::Live)).then(|| {
                    input
                        .live_state
                        .unwrap_or(domain::LiveState::Live)
                        .as_str()
                        .to_owned()
                })),
                access: Set(input.access.unwrap_or_default().as_str().to_owned()),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            audit(
                txn,
                ctx,
                "article.create",
                "article",
                model.id,
                json!({"externalId": input.external_id}),
            )
            .await?;
            UpsertOutcome::Created(model.id)
        }
    };
    if let UpsertOutcome::Created(id) = outcome {
        let (_, state) = locked_state(repo, txn, id).await?;
        let backfill = input.backfill_before.is_some_and(|before| {
            input.status == ArticleStatus::Published
                && published_at.is_some_and(|p| p < micros(before))
                && publish_at.is_none()
                && embargo_until.is_none_or(|e| e < micros(before))
        });
        record_change_with(txn, ctx, id, "article.create", None, &state, !backfill).await?;
    }
    let id = outcome.id();
    replace_links(txn, id, &author_ids, &tag_ids, &secondary).await?;
    Ok(outcome)
}
