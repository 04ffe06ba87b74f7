//! Editorial writes: articles through their lifecycle, sections, authors,
//! tags, API keys, revisions and the audit log.
//!
//! Every write is one transaction holding the change, its revision and its
//! audit entry: all of them are stored, or none.

use chrono::{DateTime, Utc};
use domain::{
    ApiKey, Article, ArticleState, ArticleStatus, ArticleSummary, AuditEntry, Author, Revision,
    Scope, Section, Tag,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::entities::{
    api_key, article, article_author, article_section, article_tag, audit_entry, author, change,
    revision, section, tag,
};
use crate::error::RepoError;
use crate::repo::{ContentRepo, micros, to_author, to_section, to_summary, to_tag};

/// Who did a write, and when.
#[derive(Debug, Clone, Copy)]
pub struct WriteContext {
    /// The API key that made the change; `None` for the CLI (import, demo).
    pub actor: Option<i64>,
    pub now: DateTime<Utc>,
}

impl WriteContext {
    /// A write by the system itself (importer, demo seeder).
    pub fn system(now: DateTime<Utc>) -> Self {
        Self { actor: None, now }
    }
}

impl From<DateTime<Utc>> for WriteContext {
    fn from(now: DateTime<Utc>) -> Self {
        Self::system(now)
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<serde_json::Value, RepoError> {
    serde_json::to_value(v).map_err(|e| RepoError::Corrupt {
        table: "articles",
        id: 0,
        reason: e.to_string(),
    })
}

pub(crate) async fn audit(
    txn: &DatabaseTransaction,
    ctx: WriteContext,
    action: &str,
    target_type: &str,
    target_id: impl ToString,
    details: serde_json::Value,
) -> Result<(), RepoError> {
    audit_entry::ActiveModel {
        actor_key_id: Set(ctx.actor),
        action: Set(action.to_owned()),
        target_type: Set(target_type.to_owned()),
        target_id: Set(target_id.to_string()),
        details: Set(details),
        at: Set(micros(ctx.now)),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Records an article write in the change log, plus a row at each future
/// instant at which the article will change visibility by itself.
pub(crate) async fn record_change(
    txn: &DatabaseTransaction,
    ctx: WriteContext,
    article_id: i64,
    action: &str,
    state: &ArticleState,
) -> Result<(), RepoError> {
    let now = micros(ctx.now);
    let mut at = vec![(action.to_owned(), now)];
    // A future `published_at` (without a schedule) also makes an article
    // public by itself; one row per distinct instant.
    for (what, t) in [
        ("golive", state.publish_at),
        ("golive", state.published_at),
        ("breaking-end", state.breaking_until),
        ("embargo-end", state.embargo_until),
    ] {
        if let Some(t) = t.map(micros)
            && t > now
            && !at.iter().any(|(_, seen)| *seen == t)
        {
            at.push((what.to_owned(), t));
        }
    }
    for (action, effective_at) in at {
        let visible = domain::is_public(
            state.status,
            state.published_at.map(micros),
            state.publish_at.map(micros),
            state.embargo_until.map(micros),
            effective_at,
        );
        change::ActiveModel {
            article_id: Set(article_id),
            action: Set(action),
            effective_at: Set(effective_at),
            recorded_at: Set(now),
            visible: Set(Some(visible)),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// One row of the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub id: i64,
    pub article_id: i64,
    pub action: String,
    pub effective_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    /// Whether the article was public once the change took effect, as the
    /// write saw it (`None` for rows older than this column).
    pub visible: Option<bool>,
}

impl From<change::Model> for Change {
    fn from(m: change::Model) -> Self {
        Self {
            id: m.id,
            article_id: m.article_id,
            action: m.action,
            effective_at: m.effective_at,
            recorded_at: m.recorded_at,
            visible: m.visible,
        }
    }
}

pub(crate) async fn store_revision(
    txn: &DatabaseTransaction,
    ctx: WriteContext,
    article_id: i64,
    number: i32,
    old: &ArticleState,
    changed: &[String],
    action: &str,
) -> Result<(), RepoError> {
    revision::ActiveModel {
        article_id: Set(article_id),
        number: Set(number),
        snapshot: Set(to_json(old)?),
        changed: Set(to_json(&changed)?),
        action: Set(action.to_owned()),
        actor_key_id: Set(ctx.actor),
        created_at: Set(micros(ctx.now)),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

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
    pub async fn create_article(
        &self,
        state: &ArticleState,
        ctx: WriteContext,
    ) -> Result<Article, RepoError> {
        let txn = self.db.begin_write().await?;
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
        record_change(&txn, ctx, row.id, "article.create", state).await?;
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
        record_change(&txn, ctx, id, action, &new).await?;
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

    /// Change-log rows after `after_id`, in commit order.
    pub async fn changes_after(&self, after_id: i64, limit: u64) -> Result<Vec<Change>, RepoError> {
        Ok(change::Entity::find()
            .filter(change::Column::Id.gt(after_id))
            .order_by_asc(change::Column::Id)
            .limit(limit)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(Change::from)
            .collect())
    }

    /// Change-log rows that take effect in `(from, to]` (scheduled go-live,
    /// embargo end), oldest first.
    pub async fn changes_effective_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Change>, RepoError> {
        Ok(change::Entity::find()
            .filter(change::Column::EffectiveAt.gt(micros(from)))
            .filter(change::Column::EffectiveAt.lte(micros(to)))
            .order_by_asc(change::Column::EffectiveAt)
            .order_by_asc(change::Column::Id)
            .limit(limit)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(Change::from)
            .collect())
    }

    /// Change-log rows in (effective time, id) order after the given key,
    /// up to `until` (the partners' change feed).
    pub async fn changes_by_effective_time(
        &self,
        after: Option<(DateTime<Utc>, i64)>,
        until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Change>, RepoError> {
        use sea_orm::Condition;
        let mut q = change::Entity::find().filter(change::Column::EffectiveAt.lte(micros(until)));
        if let Some((t, id)) = after {
            let t = micros(t);
            q = q.filter(
                Condition::any().add(change::Column::EffectiveAt.gt(t)).add(
                    Condition::all()
                        .add(change::Column::EffectiveAt.eq(t))
                        .add(change::Column::Id.gt(id)),
                ),
            );
        }
        Ok(q.order_by_asc(change::Column::EffectiveAt)
            .order_by_asc(change::Column::Id)
            .limit(limit)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(Change::from)
            .collect())
    }

    /// The next instant after `now` at which an article changes by itself
    /// (scheduled go-live, embargo end, breaking flag end).
    pub async fn next_transition(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, RepoError> {
        Ok(change::Entity::find()
            .filter(change::Column::EffectiveAt.gt(micros(now)))
            .order_by_asc(change::Column::EffectiveAt)
            .one(&self.db.conn)
            .await?
            .map(|c| c.effective_at))
    }

    /// The newest change-log id (0 when empty).
    pub async fn last_change_id(&self) -> Result<i64, RepoError> {
        Ok(change::Entity::find()
            .order_by_desc(change::Column::Id)
            .one(&self.db.conn)
            .await?
            .map(|c| c.id)
            .unwrap_or(0))
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

    pub async fn revisions(&self, article_id: i64) -> Result<Vec<Revision>, RepoError> {
        let rows = revision::Entity::find()
            .filter(revision::Column::ArticleId.eq(article_id))
            .order_by_desc(revision::Column::Number)
            .all(&self.db.conn)
            .await?;
        rows.into_iter().map(to_revision).collect()
    }

    pub async fn revision(
        &self,
        article_id: i64,
        number: i32,
    ) -> Result<Option<Revision>, RepoError> {
        revision::Entity::find()
            .filter(revision::Column::ArticleId.eq(article_id))
            .filter(revision::Column::Number.eq(number))
            .one(&self.db.conn)
            .await?
            .map(to_revision)
            .transpose()
    }

    /// The audit log, newest first.
    pub async fn audit_log(
        &self,
        limit: u64,
        before_id: Option<i64>,
    ) -> Result<Vec<AuditEntry>, RepoError> {
        let mut q = audit_entry::Entity::find();
        if let Some(b) = before_id {
            q = q.filter(audit_entry::Column::Id.lt(b));
        }
        Ok(q.order_by_desc(audit_entry::Column::Id)
            .limit(limit)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(|m| AuditEntry {
                id: m.id,
                actor_key_id: m.actor_key_id,
                action: m.action,
                target_type: m.target_type,
                target_id: m.target_id,
                details: m.details,
                at: m.at,
            })
            .collect())
    }

    // ---- sections, authors, tags ----

    pub async fn create_section(
        &self,
        s: &Section,
        ctx: WriteContext,
    ) -> Result<Section, RepoError> {
        let txn = self.db.begin_write().await?;
        if section::Entity::find()
            .filter(section::Column::Slug.eq(s.slug.as_str()))
            .count(&txn)
            .await?
            > 0
        {
            return Err(RepoError::Conflict { field: "slug" });
        }
        let row = section::ActiveModel {
            slug: Set(s.slug.clone()),
            name: Set(s.name.clone()),
            name_en: Set(s.name_en.clone()),
            parent_id: Set(s.parent_id),
            position: Set(s.position),
            description: Set(s.description.clone()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit(
            &txn,
            ctx,
            "section.create",
            "section",
            row.id,
            json!({"slug": s.slug}),
        )
        .await?;
        txn.commit().await?;
        Ok(to_section(row))
    }

    pub async fn update_section(
        &self,
        s: &Section,
        ctx: WriteContext,
    ) -> Result<Section, RepoError> {
        let txn = self.db.begin_write().await?;
        let Some(row) = section::Entity::find_by_id(s.id).one(&txn).await? else {
            return Err(RepoError::NotFound);
        };
        if section::Entity::find()
            .filter(section::Column::Slug.eq(s.slug.as_str()))
            .filter(section::Column::Id.ne(s.id))
            .count(&txn)
            .await?
            > 0
        {
            return Err(RepoError::Conflict { field: "slug" });
        }
        let mut model: section::ActiveModel = row.into();
        model.slug = Set(s.slug.clone());
        model.name = Set(s.name.clone());
        model.name_en = Set(s.name_en.clone());
        model.parent_id = Set(s.parent_id);
        model.position = Set(s.position);
        model.description = Set(s.description.clone());
        let row = model.update(&txn).await?;
        audit(
            &txn,
            ctx,
            "section.update",
            "section",
            row.id,
            json!({"slug": s.slug}),
        )
        .await?;
        txn.commit().await?;
        Ok(to_section(row))
    }

    /// Deletes a section no article (primary or secondary) and no
    /// sub-section refers to.
    pub async fn delete_section(&self, id: i64, ctx: WriteContext) -> Result<(), RepoError> {
        let txn = self.db.begin_write().await?;
        if section::Entity::find_by_id(id).one(&txn).await?.is_none() {
            return Err(RepoError::NotFound);
        }
        let uses = article::Entity::find()
            .filter(article::Column::SectionId.eq(id))
            .count(&txn)
            .await?
            + article_section::Entity::find()
                .filter(article_section::Column::SectionId.eq(id))
                .count(&txn)
                .await?
            + section::Entity::find()
                .filter(section::Column::ParentId.eq(id))
                .count(&txn)
                .await?;
        if uses > 0 {
            return Err(RepoError::InUse {
                what: "section",
                count: uses,
            });
        }
        section::Entity::delete_by_id(id).exec(&txn).await?;
        audit(&txn, ctx, "section.delete", "section", id, json!({})).await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn save_author(&self, a: &Author, ctx: WriteContext) -> Result<Author, RepoError> {
        let txn = self.db.begin_write().await?;
        let mut dup = author::Entity::find().filter(author::Column::Slug.eq(a.slug.as_str()));
        if a.id > 0 {
            dup = dup.filter(author::Column::Id.ne(a.id));
        }
        if dup.count(&txn).await? > 0 {
            return Err(RepoError::Conflict { field: "slug" });
        }
        let (row, action) = if a.id > 0 {
            let Some(row) = author::Entity::find_by_id(a.id).one(&txn).await? else {
                return Err(RepoError::NotFound);
            };
            let mut model: author::ActiveModel = row.into();
            model.slug = Set(a.slug.clone());
            model.name = Set(a.name.clone());
            model.bio = Set(a.bio.clone());
            model.avatar_url = Set(a.avatar_url.clone());
            (model.update(&txn).await?, "author.update")
        } else {
            let row = author::ActiveModel {
                slug: Set(a.slug.clone()),
                name: Set(a.name.clone()),
                bio: Set(a.bio.clone()),
                avatar_url: Set(a.avatar_url.clone()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            (row, "author.create")
        };
        audit(&txn, ctx, action, "author", row.id, json!({"slug": a.slug})).await?;
        txn.commit().await?;
        Ok(to_author(row))
    }

    pub async fn delete_author(&self, id: i64, ctx: WriteContext) -> Result<(), RepoError> {
        let txn = self.db.begin_write().await?;
        if author::Entity::find_by_id(id).one(&txn).await?.is_none() {
            return Err(RepoError::NotFound);
        }
        let uses = article_author::Entity::find()
            .filter(article_author::Column::AuthorId.eq(id))
            .count(&txn)
            .await?;
        if uses > 0 {
            return Err(RepoError::InUse {
                what: "author",
                count: uses,
            });
        }
        author::Entity::delete_by_id(id).exec(&txn).await?;
        audit(&txn, ctx, "author.delete", "author", id, json!({})).await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn save_tag(&self, t: &Tag, ctx: WriteContext) -> Result<Tag, RepoError> {
        let txn = self.db.begin_write().await?;
        let mut dup = tag::Entity::find().filter(tag::Column::Slug.eq(t.slug.as_str()));
        if t.id > 0 {
            dup = dup.filter(tag::Column::Id.ne(t.id));
        }
        if dup.count(&txn).await? > 0 {
            return Err(RepoError::Conflict { field: "slug" });
        }
        let (row, action) = if t.id > 0 {
            let Some(row) = tag::Entity::find_by_id(t.id).one(&txn).await? else {
                return Err(RepoError::NotFound);
            };
            let mut model: tag::ActiveModel = row.into();
            model.slug = Set(t.slug.clone());
            model.name = Set(t.name.clone());
            (model.update(&txn).await?, "tag.update")
        } else {
            let row = tag::ActiveModel {
                slug: Set(t.slug.clone()),
                name: Set(t.name.clone()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            (row, "tag.create")
        };
        audit(&txn, ctx, action, "tag", row.id, json!({"slug": t.slug})).await?;
        txn.commit().await?;
        Ok(to_tag(row))
    }

    pub async fn delete_tag(&self, id: i64, ctx: WriteContext) -> Result<(), RepoError> {
        let txn = self.db.begin_write().await?;
        if tag::Entity::find_by_id(id).one(&txn).await?.is_none() {
            return Err(RepoError::NotFound);
        }
        let uses = article_tag::Entity::find()
            .filter(article_tag::Column::TagId.eq(id))
            .count(&txn)
            .await?;
        if uses > 0 {
            return Err(RepoError::InUse {
                what: "tag",
                count: uses,
            });
        }
        tag::Entity::delete_by_id(id).exec(&txn).await?;
        audit(&txn, ctx, "tag.delete", "tag", id, json!({})).await?;
        txn.commit().await?;
        Ok(())
    }

    // ---- API keys ----

    pub async fn create_key(
        &self,
        name: &str,
        scope: Scope,
        key_hash: &str,
        prefix: &str,
        ctx: WriteContext,
    ) -> Result<ApiKey, RepoError> {
        let txn = self.db.begin_write().await?;
        let row = api_key::ActiveModel {
            name: Set(name.to_owned()),
            scope: Set(scope.as_str().to_owned()),
            key_hash: Set(key_hash.to_owned()),
            prefix: Set(prefix.to_owned()),
            created_at: Set(micros(ctx.now)),
            revoked_at: Set(None),
            quota_per_minute: Set(None),
            quota_per_day: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit(
            &txn,
            ctx,
            "key.create",
            "key",
            row.id,
            json!({"name": name, "scope": scope.as_str()}),
        )
        .await?;
        txn.commit().await?;
        to_key(row)
    }

    pub async fn keys(&self) -> Result<Vec<ApiKey>, RepoError> {
        api_key::Entity::find()
            .order_by_asc(api_key::Column::Id)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(to_key)
            .collect()
    }

    /// Revokes a key; `false` when there is no such key.
    pub async fn revoke_key(&self, id: i64, ctx: WriteContext) -> Result<bool, RepoError> {
        let txn = self.db.begin_write().await?;
        let Some(row) = api_key::Entity::find_by_id(id).one(&txn).await? else {
            return Ok(false);
        };
        if row.revoked_at.is_none() {
            let mut model: api_key::ActiveModel = row.into();
            model.revoked_at = Set(Some(micros(ctx.now)));
            model.update(&txn).await?;
            audit(&txn, ctx, "key.revoke", "key", id, json!({})).await?;
        }
        txn.commit().await?;
        Ok(true)
    }

    /// Sets a key's partner quotas (`None`: the server's defaults); `false`
    /// when there is no such key.
    pub async fn set_key_quotas(
        &self,
        id: i64,
        per_minute: Option<u32>,
        per_day: Option<u32>,
        ctx: WriteContext,
    ) -> Result<bool, RepoError> {
        let txn = self.db.begin_write().await?;
        let Some(row) = api_key::Entity::find_by_id(id).one(&txn).await? else {
            return Ok(false);
        };
        let clamp = |q: Option<u32>| q.map(|q| i32::try_from(q).unwrap_or(i32::MAX));
        let mut model: api_key::ActiveModel = row.into();
        model.quota_per_minute = Set(clamp(per_minute));
        model.quota_per_day = Set(clamp(per_day));
        model.update(&txn).await?;
        audit(
            &txn,
            ctx,
            "key.quota",
            "key",
            id,
            json!({"perMinute": per_minute, "perDay": per_day}),
        )
        .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// The key with this hash, with its stored hash for a constant-time
    /// comparison by the caller.
    pub async fn key_by_hash(&self, key_hash: &str) -> Result<Option<(ApiKey, String)>, RepoError> {
        let Some(row) = api_key::Entity::find()
            .filter(api_key::Column::KeyHash.eq(key_hash))
            .one(&self.db.conn)
            .await?
        else {
            return Ok(None);
        };
        let stored = row.key_hash.clone();
        Ok(Some((to_key(row)?, stored)))
    }

    /// Runs `sql` (tests use it to count rows behind the API's back).
    pub async fn count_rows(&self, table: &str) -> Result<u64, RepoError> {
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        let row = self
            .db
            .conn
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.conn.get_database_backend(),
                sql,
            ))
            .await?;
        Ok(row
            .and_then(|r| r.try_get::<i64>("", "n").ok())
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(0))
    }
}

fn to_key(m: api_key::Model) -> Result<ApiKey, RepoError> {
    let scope: Scope =
        m.scope
            .parse()
            .map_err(|e: domain::ValidationError| RepoError::Corrupt {
                table: "api_keys",
                id: m.id,
                reason: e.to_string(),
            })?;
    Ok(ApiKey {
        id: m.id,
        name: m.name,
        scope,
        prefix: m.prefix,
        created_at: m.created_at,
        revoked_at: m.revoked_at,
        quota_per_minute: m.quota_per_minute.and_then(|q| u32::try_from(q).ok()),
        quota_per_day: m.quota_per_day.and_then(|q| u32::try_from(q).ok()),
    })
}

fn to_revision(m: revision::Model) -> Result<Revision, RepoError> {
    let changed: Vec<String> =
        serde_json::from_value(m.changed).map_err(|e| RepoError::Corrupt {
            table: "revisions",
            id: m.id,
            reason: e.to_string(),
        })?;
    Ok(Revision {
        article_id: m.article_id,
        number: m.number,
        snapshot: m.snapshot,
        changed,
        action: m.action,
        actor_key_id: m.actor_key_id,
        created_at: m.created_at,
    })
}
