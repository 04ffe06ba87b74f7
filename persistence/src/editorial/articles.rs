//! Articles: creation, the read-modify-write update in one transaction, and
//! the editors' list (every status).

use domain::{Article, ArticleState, ArticleStatus, ArticleSummary};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use super::{WriteContext, audit, store_revision, to_json};
use crate::changes::record_change;
use crate::entities::{article, article_author, article_section, article_tag};
use crate::error::RepoError;
use crate::repo::{ContentRepo, micros, to_summary};
use crate::slugs::free_slug;

/// Fails with a conflict naming the field when another article holds the
/// slug or external id.
async fn check_unique(
    txn: &DatabaseTransaction,
    state: &ArticleState,
    own_id: Option<i64>,
) -> Result<(), RepoError> {
    let mut q = article::Entity::find().filter(article::Column::Slug.eq(state.slug.as_str()));
    if let Some(id) = own_id {
        q = q.filter(article::Column::Id.ne(id));
    }
    if q.count(txn).await? > 0 {
        return Err(RepoError::Conflict { field: "slug" });
    }
    if let Some(ext) = &state.external_id {
        let mut q = article::Entity::find().filter(article::Column::ExternalId.eq(ext.as_str()));
        if let Some(id) = own_id {
            q = q.filter(article::Column::Id.ne(id));
        }
        if q.count(txn).await? > 0 {
            return Err(RepoError::Conflict {
                field: "externalId",
            });
        }
    }
    Ok(())
}

fn apply(model: &mut article::ActiveModel, s: &ArticleState) -> Result<(), RepoError> {
    model.slug = Set(s.slug.clone());
    model.external_id = Set(s.external_id.clone());
    model.headline = Set(s.headline.clone());
    model.kicker = Set(s.kicker.clone());
    model.summary = Set(s.summary.clone());
    model.body = Set(to_json(&s.body)?);
    model.section_id = Set(s.section_id);
    model.desk = Set(s.desk.clone());
    model.source = Set(s.source.clone());
    model.source_url = Set(s.source_url.clone());
    model.dateline = Set(s.dateline.clone());
    model.image = Set(s.image.as_ref().map(to_json).transpose()?);
    model.language = Set(s.language.clone());
    model.translation_group = Set(s.translation_group);
    model.status = Set(s.status.as_str().to_owned());
    model.publish_at = Set(s.publish_at.map(micros));
    model.embargo_until = Set(s.embargo_until.map(micros));
    model.first_published_at = Set(s.first_published_at.map(micros));
    model.published_at = Set(s.published_at.map(micros));
    model.canonical_url = Set(s.canonical_url.clone());
    model.corrections = Set(to_json(&s.corrections)?);
    model.unpublish_reason = Set(s.unpublish_reason.clone());
    model.deleted_at = Set(s.deleted_at.map(micros));
    model.word_count = Set(i32::try_from(s.word_count).unwrap_or(i32::MAX));
    model.breaking_until = Set(s.breaking_until.map(micros));
    model.kind = Set(s.kind.as_str().to_owned());
    model.live_state = Set(s.live_state.map(|l| l.as_str().to_owned()));
    model.access = Set(s.access.as_str().to_owned());
    Ok(())
}

pub(crate) async fn replace_links(
    txn: &DatabaseTransaction,
    id: i64,
    authors: &[i64],
    tags: &[i64],
    sections: &[i64],
) -> Result<(), RepoError> {
    article_author::Entity::delete_many()
        .filter(article_author::Column::ArticleId.eq(id))
        .exec(txn)
        .await?;
    article_tag::Entity::delete_many()
        .filter(article_tag::Column::ArticleId.eq(id))
        .exec(txn)
        .await?;
    article_section::Entity::delete_many()
        .filter(article_section::Column::ArticleId.eq(id))
        .exec(txn)
        .await?;
    let pos = |i: usize| i32::try_from(i).unwrap_or(i32::MAX);
    if !authors.is_empty() {
        article_author::Entity::insert_many(authors.iter().enumerate().map(|(i, a)| {
            article_author::ActiveModel {
                article_id: Set(id),
                author_id: Set(*a),
                position: Set(pos(i)),
            }
        }))
        .exec(txn)
        .await?;
    }
    if !tags.is_empty() {
        article_tag::Entity::insert_many(tags.iter().enumerate().map(|(i, t)| {
            article_tag::ActiveModel {
                article_id: Set(id),
                tag_id: Set(*t),
                position: Set(pos(i)),
            }
        }))
        .exec(txn)
        .await?;
    }
    if !sections.is_empty() {
        article_section::Entity::insert_many(sections.iter().enumerate().map(|(i, s)| {
            article_section::ActiveModel {
                article_id: Set(id),
                section_id: Set(*s),
                position: Set(pos(i)),
            }
        }))
        .exec(txn)
        .await?;
    }
    Ok(())
}

type Links = (Vec<i64>, Vec<i64>, Vec<i64>);

/// An article's author, tag and secondary-section ids, in order.
pub(crate) async fn link_ids(txn: &DatabaseTransaction, id: i64) -> Result<Links, RepoError> {
    let authors = article_author::Entity::find()
        .filter(article_author::Column::ArticleId.eq(id))
        .order_by_asc(article_author::Column::Position)
        .all(txn)
        .await?
        .into_iter()
        .map(|l| l.author_id)
        .collect();
    let tags = article_tag::Entity::find()
        .filter(article_tag::Column::ArticleId.eq(id))
        .order_by_asc(article_tag::Column::Position)
        .all(txn)
        .await?
        .into_iter()
        .map(|l| l.tag_id)
        .collect();
    let sections = article_section::Entity::find()
        .filter(article_section::Column::ArticleId.eq(id))
        .order_by_asc(article_section::Column::Position)
        .all(txn)
        .await?
        .into_iter()
        .map(|l| l.section_id)
        .collect();
    Ok((authors, tags, sections))
}

/// Reads an article's state inside a write transaction, locking its row on
/// PostgreSQL (SQLite's `BEGIN IMMEDIATE` already serialises writers).
pub(crate) async fn locked_state(
    repo: &ContentRepo,
    txn: &DatabaseTransaction,
    id: i64,
) -> Result<(article::Model, ArticleState), RepoError> {
    let mut q = article::Entity::find_by_id(id);
    if repo.db.is_postgres() {
        q = q.lock_exclusive();
    }
    let row = q.one(txn).await?.ok_or(RepoError::NotFound)?;
    let (author_ids, tag_ids, secondary) = link_ids(txn, id).await?;
    let mut summary = to_summary(&row)?;
    summary.author_ids = author_ids;
    summary.tag_ids = tag_ids;
    let mut article = crate::repo::to_article(row.clone(), summary)?;
    article.secondary_section_ids = secondary;
    Ok((row, article.state()))
}

impl ContentRepo {
    /// Creates an article (version 1) with its links and an audit entry.
    /// Creates an article. A `derived_slug` (made from the headline, not
    /// chosen by the editor) that another article holds gets a suffix, as
    /// the importer's do; a chosen one is a conflict.
    pub async fn create_article(
        &self,
        state: &ArticleState,
        derived_slug: bool,
        ctx: WriteContext,
    ) -> Result<Article, RepoError> {
        let txn = self.db.begin_write().await?;
        let mut state = std::borrow::Cow::Borrowed(state);
        if derived_slug && let Ok(wanted) = domain::Slug::parse(&state.slug) {
            let free = free_slug(&txn, &wanted, None, state.external_id.as_deref()).await?;
            state.to_mut().slug = free;
        }
        let state = state.as_ref();
        check_unique(&txn, state, None).await?;
        let mut model = article::ActiveModel {
            updated_at: Set(micros(ctx.now)),
            created_at: Set(micros(ctx.now)),
            version: Set(1),
            ..Default::default()
        };
        apply(&mut model, state)?;
        let row = model.insert(&txn).await?;
        replace_links(
            &txn,
            row.id,
            &state.author_ids,
            &state.tag_ids,
            &state.secondary_section_ids,
        )
        .await?;
        audit(
            &txn,
            ctx,
            "article.create",
            "article",
            row.id,
            json!({"slug": state.slug}),
        )
        .await?;
        record_change(&txn, ctx, row.id, "article.create", None, state).await?;
        txn.commit().await?;
        self.article_by_id(row.id).await?.ok_or(RepoError::NotFound)
    }

    /// Read-modify-write of one article in a single transaction: `mutate`
    /// sees the current state (row locked) and changes it; the previous
    /// state is stored as a revision, the write is audited and the version
    /// goes up by one. A stale `expected_version` changes nothing.
    pub async fn update_article<E, F>(
        &self,
        id: i64,
        expected_version: Option<i32>,
        action: &str,
        ctx: WriteContext,
        mutate: F,
    ) -> Result<Article, E>
    where
        E: From<RepoError>,
        F: FnOnce(&mut ArticleState, &Article) -> Result<(), E>,
    {
        let txn = self.db.begin_write().await?;
        let (row, old) = locked_state(self, &txn, id).await?;
        if let Some(expected) = expected_version
            && expected != row.version
        {
            return Err(RepoError::VersionMismatch {
                expected,
                current: row.version,
            }
            .into());
        }
        let current = {
            let mut a = crate::repo::to_article(row.clone(), to_summary(&row)?)?;
            a.summary.author_ids = old.author_ids.clone();
            a.summary.tag_ids = old.tag_ids.clone();
            a.secondary_section_ids = old.secondary_section_ids.clone();
            a
        };
        let mut new = old.clone();
        mutate(&mut new, &current)?;
        let changed = old.changed_fields(&new);
        if changed.is_empty() {
            drop(txn);
            return Ok(current);
        }
        check_unique(&txn, &new, Some(id)).await?;
        // A story keeps one version per language, whichever door the write
        // came through.
        let relinked = new.translation_group != old.translation_group;
        let relanguaged = domain::text::primary_language(&new.language)
            != domain::text::primary_language(&old.language);
        if relinked || relanguaged {
            let field = if relinked {
                "translationOf"
            } else {
                "language"
            };
            crate::write::check_story_language(
                &txn,
                new.translation_group.unwrap_or(id),
                Some(id),
                &new.language,
                field,
            )
            .await?;
        }
        let version = row.version;
        let mut model: article::ActiveModel = row.into();
        apply(&mut model, &new)?;
        model.version = Set(version + 1);
        model.updated_at = Set(micros(ctx.now));
        let result = article::Entity::update_many()
            .set(model)
            .filter(article::Column::Id.eq(id))
            .filter(article::Column::Version.eq(version))
            .exec(&txn)
            .await
            .map_err(RepoError::from)?;
        if result.rows_affected != 1 {
            return Err(RepoError::VersionMismatch {
                expected: version,
                current: version + 1,
            }
            .into());
        }
        replace_links(
            &txn,
            id,
            &new.author_ids,
            &new.tag_ids,
            &new.secondary_section_ids,
        )
        .await?;
        store_revision(&txn, ctx, id, version, &old, &changed, action).await?;
        record_change(&txn, ctx, id, action, Some(&old), &new).await?;
        audit(
            &txn,
            ctx,
            action,
            "article",
            id,
            json!({"changed": changed, "version": version + 1}),
        )
        .await?;
        txn.commit().await.map_err(RepoError::from)?;
        Ok(self.article_by_id(id).await?.ok_or(RepoError::NotFound)?)
    }

    /// Any article's id by external id (whatever its status).
    pub async fn article_id_by_external_id(&self, ext: &str) -> Result<Option<i64>, RepoError> {
        Ok(article::Entity::find()
            .filter(article::Column::ExternalId.eq(ext))
            .one(&self.db.conn)
            .await?
            .map(|m| m.id))
    }

    /// All articles whatever their status, newest id first (the editors'
    /// desk), optionally of one status.
    pub async fn articles_for_editors(
        &self,
        status: Option<ArticleStatus>,
        limit: u64,
        before_id: Option<i64>,
    ) -> Result<Vec<ArticleSummary>, RepoError> {
        let mut q = crate::repo::summary_select(&self.db, crate::repo::Links::Load);
        if let Some(s) = status {
            q = q.filter(article::Column::Status.eq(s.as_str()));
        }
        if let Some(b) = before_id {
            q = q.filter(article::Column::Id.lt(b));
        }
        let rows = q
            .order_by_desc(article::Column::Id)
            .limit(limit)
            .into_model::<crate::repo::SummaryRow>()
            .all(&self.db.conn)
            .await?;
        rows.into_iter()
            .map(crate::repo::SummaryRow::into_summary)
            .collect()
    }
}
