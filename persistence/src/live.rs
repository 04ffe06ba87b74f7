//! Live pages: posts of a live article and its event log.
//!
//! A post write is one transaction: the post, an entry in the live page's
//! event log (whose id is the readers' stream cursor), a change-log row so
//! other instances drop their cached copies and partners see the article
//! change, and the article's `updated_at` (a live page's latest update is
//! its newest post). A post is not an edit of the article: no version, no
//! revision.

use chrono::{DateTime, Utc};
use domain::ArticleState;
use domain::live::{LiveEvent, LiveEventKind, LivePost};
use domain::{ArticleKind, Block};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::editorial::WriteContext;
use crate::editorial::history::audit;
use crate::entities::{article, live_event, live_post};
use crate::error::RepoError;
use crate::live_log::insert_event;
use crate::repo::{ContentRepo, micros};

/// A post to write.
#[derive(Debug, Clone)]
pub struct PostInput {
    pub headline: Option<String>,
    pub body: Vec<Block>,
    pub author_id: Option<i64>,
    pub pinned: bool,
    pub key_event: bool,
}

/// A change to a post; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PostChange {
    pub headline: Option<Option<String>>,
    pub body: Option<Vec<Block>>,
    pub author_id: Option<Option<i64>>,
    pub pinned: Option<bool>,
    pub key_event: Option<bool>,
}

/// Which page of posts, newest first.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostPage {
    pub limit: u64,
    /// Older than this post (created_at, id): the next page.
    pub after: Option<(DateTime<Utc>, i64)>,
    /// Newer than this post: the previous page (returned newest first).
    pub before: Option<(DateTime<Utc>, i64)>,
    pub key_events_only: bool,
}

fn corrupt(id: i64, reason: impl ToString) -> RepoError {
    RepoError::Corrupt {
        table: "live_posts",
        id,
        reason: reason.to_string(),
    }
}

fn to_post(m: live_post::Model) -> Result<LivePost, RepoError> {
    let body: Vec<Block> = serde_json::from_str(&m.body).map_err(|e| corrupt(m.id, e))?;
    Ok(LivePost {
        id: m.id,
        article_id: m.article_id,
        headline: m.headline,
        body,
        author_id: m.author_id,
        pinned: m.pinned,
        key_event: m.key_event,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn to_event(m: live_event::Model) -> Result<LiveEvent, RepoError> {
    let kind = LiveEventKind::parse(&m.kind).ok_or(RepoError::Corrupt {
        table: "live_events",
        id: m.id,
        reason: format!("kind {:?}", m.kind),
    })?;
    Ok(LiveEvent {
        id: m.id,
        article_id: m.article_id,
        post_id: m.post_id,
        kind,
        at: m.at,
    })
}

/// Locks the live article of a post write: it must exist, be a live page
/// and not be deleted.
async fn live_article(
    repo: &ContentRepo,
    txn: &DatabaseTransaction,
    id: i64,
) -> Result<(article::Model, ArticleState), RepoError> {
    let (row, state) = crate::editorial::articles::locked_state(repo, txn, id).await?;
    if state.deleted_at.is_some() {
        return Err(RepoError::NotFound);
    }
    if state.kind != ArticleKind::Live {
        return Err(RepoError::Invalid(domain::ValidationError::new(
            "kind",
            "posts belong to live articles (kind live)",
        )));
    }
    Ok((row, state))
}

/// After a post write: the article's latest update and a change-log row.
async fn touch_article(
    txn: &DatabaseTransaction,
    ctx: WriteContext,
    id: i64,
    state: &ArticleState,
    action: &str,
) -> Result<(), RepoError> {
    article::Entity::update_many()
        .col_expr(article::Column::UpdatedAt, Expr::value(micros(ctx.now)))
        .filter(article::Column::Id.eq(id))
        .exec(txn)
        .await?;
    // The live page changed: caches, partners and webhooks hear of it as
    // of any update of a public article.
    crate::changes::record_change(txn, ctx, id, action, Some(state), state).await
}

impl ContentRepo {
    /// Adds a post to a live article.
    pub async fn create_post(
        &self,
        article_id: i64,
        input: PostInput,
        ctx: WriteContext,
    ) -> Result<LivePost, RepoError> {
        let txn = self.db.begin_write().await?;
        let (_, state) = live_article(self, &txn, article_id).await?;
        let now = micros(ctx.now);
        let body = serde_json::to_string(&input.body).map_err(|e| corrupt(0, e))?;
        let row = live_post::ActiveModel {
            article_id: Set(article_id),
            headline: Set(input.headline),
            body: Set(body),
            author_id: Set(input.author_id),
            pinned: Set(input.pinned),
            key_event: Set(input.key_event),
            created_at: Set(now),
            updated_at: Set(now),
            deleted_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        insert_event(&txn, article_id, Some(row.id), LiveEventKind::Post, now).await?;
        touch_article(&txn, ctx, article_id, &state, "live.post").await?;
        audit(
            &txn,
            ctx,
            "live.post",
            "article",
            article_id,
            serde_json::json!({"post": row.id}),
        )
        .await?;
        txn.commit().await?;
        to_post(row)
    }

    /// Changes a post.
    pub async fn update_post(
        &self,
        article_id: i64,
        post_id: i64,
        change: PostChange,
        ctx: WriteContext,
    ) -> Result<LivePost, RepoError> {
        let txn = self.db.begin_write().await?;
        let (_, state) = live_article(self, &txn, article_id).await?;
        let row = live_post::Entity::find_by_id(post_id)
            .filter(live_post::Column::ArticleId.eq(article_id))
            .filter(live_post::Column::DeletedAt.is_null())
            .one(&txn)
            .await?
            .ok_or(RepoError::NotFound)?;
        let mut model: live_post::ActiveModel = row.into();
        if let Some(h) = change.headline {
            model.headline = Set(h);
        }
        if let Some(b) = change.body {
            model.body = Set(serde_json::to_string(&b).map_err(|e| corrupt(post_id, e))?);
        }
        if let Some(a) = change.author_id {
            model.author_id = Set(a);
        }
        if let Some(p) = change.pinned {
            model.pinned = Set(p);
        }
        if let Some(k) = change.key_event {
            model.key_event = Set(k);
        }
        let now = micros(ctx.now);
        model.updated_at = Set(now);
        let row = model.update(&txn).await?;
        insert_event(&txn, article_id, Some(post_id), LiveEventKind::Update, now).await?;
        touch_article(&txn, ctx, article_id, &state, "live.update").await?;
        audit(
            &txn,
            ctx,
            "live.update",
            "article",
            article_id,
            serde_json::json!({"post": post_id}),
        )
        .await?;
        txn.commit().await?;
        to_post(row)
    }

    /// Deletes a post (kept as deleted so streams can say so).
    pub async fn delete_post(
        &self,
        article_id: i64,
        post_id: i64,
        ctx: WriteContext,
    ) -> Result<(), RepoError> {
        let txn = self.db.begin_write().await?;
        let (_, state) = live_article(self, &txn, article_id).await?;
        let now = micros(ctx.now);
        let gone = live_post::Entity::update_many()
            .col_expr(live_post::Column::DeletedAt, Expr::value(now))
            .col_expr(live_post::Column::UpdatedAt, Expr::value(now))
            .filter(live_post::Column::Id.eq(post_id))
            .filter(live_post::Column::ArticleId.eq(article_id))
            .filter(live_post::Column::DeletedAt.is_null())
            .exec(&txn)
            .await?;
        if gone.rows_affected == 0 {
            return Err(RepoError::NotFound);
        }
        insert_event(&txn, article_id, Some(post_id), LiveEventKind::Delete, now).await?;
        touch_article(&txn, ctx, article_id, &state, "live.delete").await?;
        audit(
            &txn,
            ctx,
            "live.delete",
            "article",
            article_id,
            serde_json::json!({"post": post_id}),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// A page of an article's posts, newest first (deleted ones left out).
    /// Callers check the article's visibility.
    pub async fn posts(&self, article_id: i64, page: PostPage) -> Result<Vec<LivePost>, RepoError> {
        let mut q = live_post::Entity::find()
            .filter(live_post::Column::ArticleId.eq(article_id))
            .filter(live_post::Column::DeletedAt.is_null());
        if page.key_events_only {
            q = q.filter(live_post::Column::KeyEvent.eq(true));
        }
        let key = |(t, id): (DateTime<Utc>, i64), older: bool| {
            let t = micros(t);
            if older {
                Condition::any()
                    .add(live_post::Column::CreatedAt.lt(t))
                    .add(
                        Condition::all()
                            .add(live_post::Column::CreatedAt.eq(t))
                            .add(live_post::Column::Id.lt(id)),
                    )
            } else {
                Condition::any()
                    .add(live_post::Column::CreatedAt.gt(t))
                    .add(
                        Condition::all()
                            .add(live_post::Column::CreatedAt.eq(t))
                            .add(live_post::Column::Id.gt(id)),
                    )
            }
        };
        let backward = page.before.is_some() && page.after.is_none();
        if let Some(a) = page.after {
            q = q.filter(key(a, true));
        }
        if let Some(b) = page.before {
            q = q.filter(key(b, false));
        }
        let q = if backward {
            q.order_by_asc(live_post::Column::CreatedAt)
                .order_by_asc(live_post::Column::Id)
        } else {
            q.order_by_desc(live_post::Column::CreatedAt)
                .order_by_desc(live_post::Column::Id)
        };
        let mut rows = q
            .limit(page.limit)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(to_post)
            .collect::<Result<Vec<_>, _>>()?;
        if backward {
            rows.reverse();
        }
        Ok(rows)
    }

    /// The pinned posts of an article, newest first.
    pub async fn pinned_posts(&self, article_id: i64) -> Result<Vec<LivePost>, RepoError> {
        live_post::Entity::find()
            .filter(live_post::Column::ArticleId.eq(article_id))
            .filter(live_post::Column::DeletedAt.is_null())
            .filter(live_post::Column::Pinned.eq(true))
            .order_by_desc(live_post::Column::CreatedAt)
            .order_by_desc(live_post::Column::Id)
            .limit(20)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(to_post)
            .collect()
    }

    /// Posts by id (deleted ones left out).
    pub async fn posts_by_ids(&self, ids: &[i64]) -> Result<Vec<LivePost>, RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        live_post::Entity::find()
            .filter(live_post::Column::Id.is_in(ids.to_vec()))
            .filter(live_post::Column::DeletedAt.is_null())
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(to_post)
            .collect()
    }

    /// Live events after `after_id`, oldest first: of one article, or of
    /// all (`None`, the stream hub's poll).
    pub async fn live_events_after(
        &self,
        article_id: Option<i64>,
        after_id: i64,
        limit: u64,
    ) -> Result<Vec<LiveEvent>, RepoError> {
        let mut q = live_event::Entity::find().filter(live_event::Column::Id.gt(after_id));
        if let Some(a) = article_id {
            q = q.filter(live_event::Column::ArticleId.eq(a));
        }
        q.order_by_asc(live_event::Column::Id)
            .limit(limit)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(to_event)
            .collect()
    }

    /// The newest live event id, of one article or of all (0 when none).
    pub async fn last_live_event_id(&self, article_id: Option<i64>) -> Result<i64, RepoError> {
        let mut q = live_event::Entity::find();
        if let Some(a) = article_id {
            q = q.filter(live_event::Column::ArticleId.eq(a));
        }
        Ok(q.order_by_desc(live_event::Column::Id)
            .one(&self.db.conn)
            .await?
            .map(|e| e.id)
            .unwrap_or(0))
    }
}
