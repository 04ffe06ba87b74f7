//! Reader comments: posting (pending), the approved threads of an article,
//! counts, the moderation queue and its decisions, and the per-article
//! "comments open" flag.
//!
//! Public reads only ever see approved comments whose parent (if any) is
//! approved too, on public articles; the caller checks the article with
//! [`ContentRepo::comment_target`] first. Every moderation decision is one
//! transaction with its audit entry.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::{Comment, CommentStatus, CommentThread, NewComment, ValidationError};
use sea_orm::sea_query::{Alias, Expr, Query, UnionType};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::editorial::{WriteContext, audit};
use crate::entities::{article, article_comment_settings, comment};
use crate::error::RepoError;
use crate::repo::{ContentRepo, micros, public_condition};

/// What a moderator decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moderation {
    Approve,
    Reject { reason: String },
}

/// The comment figures an article page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentStats {
    /// Approved comments (replies included) that are visible.
    pub count: u64,
    /// Whether readers may post.
    pub open: bool,
}

impl Default for CommentStats {
    fn default() -> Self {
        Self {
            count: 0,
            open: true,
        }
    }
}

/// One page of an article's approved threads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadPage {
    pub threads: Vec<CommentThread>,
    pub has_more: bool,
}

/// An article as a moderator needs to recognise it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleRef {
    pub id: i64,
    pub slug: String,
    pub headline: String,
}

fn to_comment(m: comment::Model) -> Result<Comment, RepoError> {
    let status: CommentStatus =
        m.status
            .parse()
            .map_err(|e: ValidationError| RepoError::Corrupt {
                table: "comments",
                id: m.id,
                reason: e.to_string(),
            })?;
    Ok(Comment {
        id: m.id,
        article_id: m.article_id,
        parent_id: m.parent_id,
        name: m.name,
        text: m.text,
        status,
        created_at: m.created_at,
        moderated_at: m.moderated_at,
        moderated_by: m.moderated_by,
        reason: m.reason,
    })
}

const APPROVED: &str = "approved";

/// Approved, and either top-level or under an approved comment: what the
/// public sees and what `commentCount` counts.
fn visible() -> Condition {
    Condition::all()
        .add(comment::Column::Status.eq(APPROVED))
        .add(
            Condition::any()
                .add(comment::Column::ParentId.is_null())
                .add(
                    comment::Column::ParentId.in_subquery(
                        Query::select()
                            .column(comment::Column::Id)
                            .from(comment::Entity)
                            .and_where(comment::Column::Status.eq(APPROVED))
                            .to_owned(),
                    ),
                ),
        )
}

/// `Some(root)` when `reply_to` is an approved comment of `article_id`; a
/// reply to a reply is attached to the top-level comment (threads are one
/// level deep), which must be approved too.
async fn reply_root<C: ConnectionTrait>(
    conn: &C,
    article_id: i64,
    reply_to: i64,
) -> Result<Option<i64>, RepoError> {
    let Some(target) = comment::Entity::find_by_id(reply_to).one(conn).await? else {
        return Ok(None);
    };
    if target.article_id != article_id || target.status != APPROVED {
        return Ok(None);
    }
    let Some(root) = target.parent_id else {
        return Ok(Some(target.id));
    };
    let approved_root = comment::Entity::find_by_id(root)
        .filter(comment::Column::Status.eq(APPROVED))
        .one(conn)
        .await?;
    Ok(approved_root.map(|r| r.id))
}

async fn is_open<C: ConnectionTrait>(conn: &C, article_id: i64) -> Result<bool, RepoError> {
    Ok(article_comment_settings::Entity::find_by_id(article_id)
        .one(conn)
        .await?
        .is_none_or(|s| s.comments_open))
}

impl ContentRepo {
    /// Whether readers can see and comment on an article now: `None` when it
    /// does not exist or is not public, else whether its comments are open.
    pub async fn comment_target(
        &self,
        article_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<bool>, RepoError> {
        let found: Option<i64> = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .filter(article::Column::Id.eq(article_id))
            .filter(public_condition(now))
            .into_tuple()
            .one(&self.db.conn)
            .await?;
        match found {
            None => Ok(None),
            Some(_) => Ok(Some(is_open(&self.db.conn, article_id).await?)),
        }
    }

    /// The top-level comment a reply to `reply_to` hangs under, if
    /// `reply_to` is an approved comment of the article.
    pub async fn reply_root(
        &self,
        article_id: i64,
        reply_to: i64,
    ) -> Result<Option<i64>, RepoError> {
        reply_root(&self.db.conn, article_id, reply_to).await
    }

    /// Stores a pending comment. Everything the caller checked is checked
    /// again inside the transaction: the article must still be public
    /// (`NotFound`), its comments open (`Conflict` on `commentsOpen`) and
    /// the parent approved (`Invalid` on `replyTo`); nothing is stored
    /// otherwise.
    pub async fn insert_comment(
        &self,
        new: &NewComment,
        now: DateTime<Utc>,
    ) -> Result<Comment, RepoError> {
        let txn = self.db.begin_write().await?;
        let public: Option<i64> = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .filter(article::Column::Id.eq(new.article_id))
            .filter(public_condition(now))
            .into_tuple()
            .one(&txn)
            .await?;
        if public.is_none() {
            return Err(RepoError::NotFound);
        }
        if !is_open(&txn, new.article_id).await? {
            return Err(RepoError::Conflict {
                field: "commentsOpen",
            });
        }
        let parent_id = match new.parent_id {
            None => None,
            Some(p) => match reply_root(&txn, new.article_id, p).await? {
                Some(root) => Some(root),
                None => {
                    return Err(RepoError::Invalid(ValidationError::new(
                        "replyTo",
                        "must be an approved comment of this article",
                    )));
                }
            },
        };
        let row = comment::ActiveModel {
            article_id: Set(new.article_id),
            parent_id: Set(parent_id),
            name: Set(new.name.as_str().to_owned()),
            text: Set(new.text.as_str().to_owned()),
            status: Set(CommentStatus::Pending.as_str().to_owned()),
            created_at: Set(micros(now)),
            moderated_at: Set(None),
            moderated_by: Set(None),
            reason: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        to_comment(row)
    }

    /// Approved top-level comments of an article after `(created_at, id)`,
    /// oldest first, each with its approved replies (oldest first, at most
    /// [`domain::comment::MAX_REPLIES_SHOWN`]). Two queries per page.
    pub async fn approved_threads(
        &self,
        article_id: i64,
        after: Option<(DateTime<Utc>, i64)>,
        limit: u64,
    ) -> Result<ThreadPage, RepoError> {
        let mut q = comment::Entity::find()
            .filter(comment::Column::ArticleId.eq(article_id))
            .filter(comment::Column::Status.eq(APPROVED))
            .filter(comment::Column::ParentId.is_null());
        if let Some((t, id)) = after {
            let t = micros(t);
            q = q.filter(
                Condition::any().add(comment::Column::CreatedAt.gt(t)).add(
                    Condition::all()
                        .add(comment::Column::CreatedAt.eq(t))
                        .add(comment::Column::Id.gt(id)),
                ),
            );
        }
        let rows = q
            .order_by_asc(comment::Column::CreatedAt)
            .order_by_asc(comment::Column::Id)
            .limit(limit + 1)
            .all(&self.db.conn)
            .await?;
        let has_more = rows.len() as u64 > limit;
        let top: Vec<Comment> = rows
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(to_comment)
            .collect::<Result<_, _>>()?;
        let ids: Vec<i64> = top.iter().map(|c| c.id).collect();
        let mut replies: HashMap<i64, Vec<Comment>> = HashMap::new();
        if !ids.is_empty() {
            for row in comment::Entity::find()
                .filter(comment::Column::ParentId.is_in(ids))
                .filter(comment::Column::Status.eq(APPROVED))
                .order_by_asc(comment::Column::CreatedAt)
                .order_by_asc(comment::Column::Id)
                .all(&self.db.conn)
                .await?
            {
                let c = to_comment(row)?;
                if let Some(p) = c.parent_id {
                    replies.entry(p).or_default().push(c);
                }
            }
        }
        let threads = top
            .into_iter()
            .map(|comment| {
                let mut list = replies.remove(&comment.id).unwrap_or_default();
                let reply_count = list.len() as u64;
                list.truncate(
                    usize::try_from(domain::comment::MAX_REPLIES_SHOWN).unwrap_or(usize::MAX),
                );
                CommentThread {
                    comment,
                    replies: list,
                    reply_count,
                }
            })
            .collect();
        Ok(ThreadPage { threads, has_more })
    }

    /// Visible comment counts and the open flag of several articles, in one
    /// statement. The caller only asks about public articles.
    pub async fn comment_stats(
        &self,
        article_ids: &[i64],
    ) -> Result<HashMap<i64, CommentStats>, RepoError> {
        let mut out: HashMap<i64, CommentStats> = article_ids
            .iter()
            .map(|id| (*id, CommentStats::default()))
            .collect();
        if article_ids.is_empty() {
            return Ok(out);
        }
        // The visible count per article, then a row per article whose
        // comments are closed (`n` = -1).
        #[derive(FromQueryResult)]
        struct Row {
            article_id: i64,
            n: i64,
        }
        let mut both = Query::select()
            .column(comment::Column::ArticleId)
            .expr_as(comment::Column::Id.count(), Alias::new("n"))
            .from(comment::Entity)
            .cond_where(comment::Column::ArticleId.is_in(article_ids.to_vec()))
            .cond_where(visible())
            .group_by_col(comment::Column::ArticleId)
            .take();
        let closed = Query::select()
            .column(article_comment_settings::Column::ArticleId)
            .expr_as(Expr::val(-1i64), Alias::new("n"))
            .from(article_comment_settings::Entity)
            .cond_where(article_comment_settings::Column::ArticleId.is_in(article_ids.to_vec()))
            .cond_where(article_comment_settings::Column::CommentsOpen.eq(false))
            .take();
        both.union(UnionType::All, closed);
        let statement = self.db.conn.get_database_backend().build(&both);
        for row in Row::find_by_statement(statement).all(&self.db.conn).await? {
            if let Some(s) = out.get_mut(&row.article_id) {
                if row.n < 0 {
                    s.open = false;
                } else {
                    s.count = u64::try_from(row.n).unwrap_or(0);
                }
            }
        }
        Ok(out)
    }

    /// Any comment by id, whatever its status (moderators).
    pub async fn comment_by_id(&self, id: i64) -> Result<Option<Comment>, RepoError> {
        comment::Entity::find_by_id(id)
            .one(&self.db.conn)
            .await?
            .map(to_comment)
            .transpose()
    }

    /// A comment by id if the public may see it (approved, under an
    /// approved parent); the article's own visibility is the caller's.
    pub async fn visible_comment_by_id(&self, id: i64) -> Result<Option<Comment>, RepoError> {
        comment::Entity::find_by_id(id)
            .filter(visible())
            .one(&self.db.conn)
            .await?
            .map(to_comment)
            .transpose()
    }

    /// The moderation queue: comments of one status (optionally of one
    /// article), oldest first, after the comment id `after`.
    pub async fn comments_for_moderation(
        &self,
        status: CommentStatus,
        article_id: Option<i64>,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<Comment>, RepoError> {
        let mut q = comment::Entity::find().filter(comment::Column::Status.eq(status.as_str()));
        if let Some(a) = article_id {
            q = q.filter(comment::Column::ArticleId.eq(a));
        }
        if let Some(after) = after {
            q = q.filter(comment::Column::Id.gt(after));
        }
        q.order_by_asc(comment::Column::Id)
            .limit(limit)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(to_comment)
            .collect()
    }

    /// Slug and headline of articles, whatever their status (for the
    /// moderation queue).
    pub async fn article_refs(&self, ids: &[i64]) -> Result<HashMap<i64, ArticleRef>, RepoError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(i64, String, String)> = article::Entity::find()
            .select_only()
            .columns([
                article::Column::Id,
                article::Column::Slug,
                article::Column::Headline,
            ])
            .filter(article::Column::Id.is_in(ids.to_vec()))
            .into_tuple()
            .all(&self.db.conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, slug, headline)| (id, ArticleRef { id, slug, headline }))
            .collect())
    }

    /// Approves or rejects a comment, with an audit entry. Deciding what
    /// was already decided (same status, same reason) changes nothing and
    /// is not audited again.
    pub async fn moderate_comment(
        &self,
        id: i64,
        decision: &Moderation,
        ctx: WriteContext,
    ) -> Result<Comment, RepoError> {
        let txn = self.db.begin_write().await?;
        let mut q = comment::Entity::find_by_id(id);
        if self.db.is_postgres() {
            q = q.lock_exclusive();
        }
        let Some(row) = q.one(&txn).await? else {
            return Err(RepoError::NotFound);
        };
        let (status, reason, action) = match decision {
            Moderation::Approve => (CommentStatus::Approved, None, "comment.approve"),
            Moderation::Reject { reason } => (
                CommentStatus::Rejected,
                Some(reason.clone()),
                "comment.reject",
            ),
        };
        if row.status == status.as_str() && row.reason == reason {
            drop(txn);
            return to_comment(row);
        }
        let from = row.status.clone();
        let article_id = row.article_id;
        let mut model: comment::ActiveModel = row.into();
        model.status = Set(status.as_str().to_owned());
        model.reason = Set(reason.clone());
        model.moderated_at = Set(Some(micros(ctx.now)));
        model.moderated_by = Set(ctx.actor);
        let row = model.update(&txn).await?;
        let mut details = json!({"article": article_id, "from": from});
        if let Some(r) = &reason {
            details["reason"] = json!(r);
        }
        audit(&txn, ctx, action, "comment", id, details).await?;
        if status == CommentStatus::Approved {
            crate::webhooks::record_comment_event(&txn, ctx, article_id, id).await?;
        }
        txn.commit().await?;
        to_comment(row)
    }

    /// Deletes a comment and its replies for good, with an audit entry
    /// (ids and counts only: the deleted text is not kept anywhere).
    /// Returns how many comments went.
    pub async fn delete_comment(&self, id: i64, ctx: WriteContext) -> Result<u64, RepoError> {
        let txn = self.db.begin_write().await?;
        let Some(row) = comment::Entity::find_by_id(id).one(&txn).await? else {
            return Err(RepoError::NotFound);
        };
        let replies = comment::Entity::delete_many()
            .filter(comment::Column::ParentId.eq(id))
            .exec(&txn)
            .await?
            .rows_affected;
        comment::Entity::delete_by_id(id).exec(&txn).await?;
        audit(
            &txn,
            ctx,
            "comment.delete",
            "comment",
            id,
            json!({"article": row.article_id, "status": row.status, "replies": replies}),
        )
        .await?;
        txn.commit().await?;
        Ok(replies + 1)
    }

    /// Opens or closes an article's comments (any article, whatever its
    /// status), with an audit entry when it changes.
    pub async fn set_comments_open(
        &self,
        article_id: i64,
        open: bool,
        ctx: WriteContext,
    ) -> Result<(), RepoError> {
        let txn = self.db.begin_write().await?;
        if article::Entity::find_by_id(article_id)
            .one(&txn)
            .await?
            .is_none()
        {
            return Err(RepoError::NotFound);
        }
        let current = article_comment_settings::Entity::find_by_id(article_id)
            .one(&txn)
            .await?;
        let was_open = current.as_ref().is_none_or(|s| s.comments_open);
        if was_open == open {
            drop(txn);
            return Ok(());
        }
        match current {
            Some(row) => {
                let mut m: article_comment_settings::ActiveModel = row.into();
                m.comments_open = Set(open);
                m.updated_at = Set(micros(ctx.now));
                m.updated_by = Set(ctx.actor);
                m.update(&txn).await?;
            }
            None => {
                article_comment_settings::ActiveModel {
                    article_id: Set(article_id),
                    comments_open: Set(open),
                    updated_at: Set(micros(ctx.now)),
                    updated_by: Set(ctx.actor),
                }
                .insert(&txn)
                .await?;
            }
        }
        let action = if open {
            "article.comments.open"
        } else {
            "article.comments.close"
        };
        audit(&txn, ctx, action, "article", article_id, json!({})).await?;
        txn.commit().await?;
        Ok(())
    }
}
