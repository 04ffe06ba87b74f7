//! The change log: one row per article write, plus one per future instant
//! at which an article changes visibility by itself (scheduled go-live,
//! embargo end, breaking flag end), plus one per collection write. Partners'
//! change feeds (articles only), the scheduler and the other instances'
//! pollers read it.

use chrono::{DateTime, Utc};
use domain::ArticleState;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::editorial::WriteContext;
use crate::entities::{article, change};
use crate::error::RepoError;
use crate::repo::{ContentRepo, micros};

/// Records an article write in the change log, plus a row at each future
/// instant at which the article will change visibility by itself.
///
/// `old` is the state before the write (`None` for a new article): the
/// webhook events the write raises are recorded here too, so whatever
/// enters the change log enters the webhooks' outbox in the same
/// transaction.
pub(crate) async fn record_change(
    txn: &DatabaseTransaction,
    ctx: WriteContext,
    article_id: i64,
    action: &str,
    old: Option<&ArticleState>,
    state: &ArticleState,
) -> Result<(), RepoError> {
    record_change_with(txn, ctx, article_id, action, old, state, true).await
}

/// [`record_change`], raising the write's webhook and stream events only
/// when `announce` (a backfilled archive story is recorded, not told).
pub(crate) async fn record_change_with(
    txn: &DatabaseTransaction,
    ctx: WriteContext,
    article_id: i64,
    action: &str,
    old: Option<&ArticleState>,
    state: &ArticleState,
    announce: bool,
) -> Result<(), RepoError> {
    if announce {
        crate::webhooks::record_article_events(txn, ctx, article_id, old, state, action).await?;
    }
    crate::live_log::record_live_transition(txn, article_id, old, state, ctx.now).await?;
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
        let visible = public_at(state, effective_at);
        insert_row(txn, article_id, action, effective_at, now, Some(visible)).await?;
    }
    if names_in_story_change(old, state) {
        record_story_change(
            txn,
            ctx,
            article_id,
            [
                old.and_then(|o| o.translation_group),
                state.translation_group,
            ],
            state,
            // Webhooks hear of it when a reader could have seen the change:
            // the article is public, or was until this write.
            announce && (public_at(state, now) || old.is_some_and(|o| public_at(o, now))),
        )
        .await?;
    }
    Ok(())
}

/// Whether an article in `state` is public at `t`.
fn public_at(state: &ArticleState, t: DateTime<Utc>) -> bool {
    domain::is_public(
        state.status,
        state.published_at.map(micros),
        state.publish_at.map(micros),
        state.embargo_until.map(micros),
        t,
    )
}

/// The future instants (after `now`) at which an article may come into
/// view by itself: a go-live, a future publication time, an embargo's end.
fn future_instants(
    published_at: Option<DateTime<Utc>>,
    publish_at: Option<DateTime<Utc>>,
    embargo_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> impl Iterator<Item = DateTime<Utc>> {
    [publish_at, published_at, embargo_until]
        .into_iter()
        .flatten()
        .map(micros)
        .filter(move |t| *t > now)
}

/// Whether a write changes what the other versions of its story show of
/// it (their ninjs `associations` and translations lists: whether it is
/// there, its headline, slug and language) or which story it is in.
fn names_in_story_change(old: Option<&ArticleState>, new: &ArticleState) -> bool {
    let Some(old) = old else {
        return new.translation_group.is_some();
    };
    old.translation_group != new.translation_group
        || old.headline != new.headline
        || old.slug != new.slug
        || old.language != new.language
        || old.status != new.status
        || old.published_at != new.published_at
        || old.publish_at != new.publish_at
        || old.embargo_until != new.embargo_until
        || old.deleted_at != new.deleted_at
}

/// The action of the rows [`record_story_change`] writes.
pub const TRANSLATIONS_CHANGED: &str = "article.translations";

/// After a write to article `article_id` (now in `state`): a row for each
/// other public version of the stories it was and is in (`groups`: its
/// translation groups before and after, `None` when unlinked), whose
/// translations (ninjs `associations`, the group that names them) changed
/// with it. The versions' lists also change by themselves when one of
/// them comes into view later (a go-live, an embargo's end): then each
/// other version public at that instant gets a row at it, for this
/// article's own instants and for the others' (a version scheduled
/// before this one was published or linked).
/// The change feed sends them again, webhooks hear `article.updated`
/// (`data.cause: translations`; at the write only when the article is or
/// was public), the search index and the other instances' caches take
/// them up. Versions that are not public get no row: their turn comes
/// when they are published.
async fn record_story_change(
    txn: &DatabaseTransaction,
    ctx: WriteContext,
    article_id: i64,
    groups: [Option<i64>; 2],
    state: &ArticleState,
    announce_now: bool,
) -> Result<(), RepoError> {
    let mut stories: Vec<i64> = groups.into_iter().flatten().collect();
    // An article that others point at is its story's group.
    stories.push(article_id);
    stories.sort_unstable();
    stories.dedup();
    let now = micros(ctx.now);
    let members = article::Entity::find()
        .filter(
            Condition::any()
                .add(article::Column::TranslationGroup.is_in(stories.clone()))
                .add(article::Column::Id.is_in(stories)),
        )
        .filter(article::Column::Id.ne(article_id))
        .filter(article::Column::DeletedAt.is_null())
        .all(txn)
        .await?;
    // An article in no story (most are): nothing to tell, and nothing it
    // could have queued for other versions.
    if members.is_empty() {
        return Ok(());
    }
    let public = |m: &article::Model, t: DateTime<Utc>| {
        m.status
            .parse::<domain::ArticleStatus>()
            .is_ok_and(|status| {
                domain::is_public(status, m.published_at, m.publish_at, m.embargo_until, t)
            })
    };
    // The story it is in now: later instants count only there (a version
    // that left a story is no news for it when it goes live).
    let story = state.translation_group.unwrap_or(article_id);
    let in_story = |m: &article::Model| m.id == story || m.translation_group == Some(story);
    // Whether `m` (`None`: this article) comes into view exactly at `t`:
    // its own go-live tells it then.
    let arrives = |m: Option<&article::Model>, t: DateTime<Utc>| match m {
        Some(m) => public(m, t) && !public(m, t - chrono::Duration::microseconds(1)),
        None => public_at(state, t) && !public_at(state, t - chrono::Duration::microseconds(1)),
    };
    // (version, instant, the version whose arrival makes it news).
    let mut rows: Vec<(i64, DateTime<Utc>, i64)> = Vec::new();
    // Now: every version public now (in the story it was or is in).
    rows.extend(
        members
            .iter()
            .filter(|m| public(m, now))
            .map(|m| (m.id, now, article_id)),
    );
    // When this article comes into view: every version of its story
    // public then.
    let mine = future_instants(
        state.published_at,
        state.publish_at,
        state.embargo_until,
        now,
    )
    .filter(|t| public_at(state, *t));
    for t in mine {
        rows.extend(
            members
                .iter()
                .filter(|m| in_story(m) && public(m, t))
                .map(|m| (m.id, t, article_id)),
        );
    }
    // When another version of its story comes into view: this one, if
    // public then.
    for m in members.iter().filter(|m| in_story(m)) {
        for t in future_instants(m.published_at, m.publish_at, m.embargo_until, now) {
            if public(m, t) && public_at(state, t) {
                rows.push((article_id, t, m.id));
            }
        }
    }
    rows.sort_unstable();
    rows.dedup_by_key(|(id, at, _)| (*id, *at));
    // Announcements this article's earlier writes queued for later
    // instants may no longer stand (moved, unscheduled, unlinked): they
    // go, and the ones that stand are queued again.
    crate::webhooks::drop_translation_events(txn, article_id, now).await?;
    for (id, at, cause) in rows {
        // A version that itself arrives then is told by its own go-live.
        let own = members.iter().find(|m| m.id == id);
        let arriving = if id == article_id {
            arrives(None, at)
        } else {
            own.is_some_and(|m| arrives(Some(m), at))
        };
        if (at > now || announce_now) && !arriving {
            crate::webhooks::record_translation_event(txn, id, at, now, cause).await?;
        }
        insert_row(
            txn,
            id,
            TRANSLATIONS_CHANGED.to_owned(),
            at,
            now,
            Some(true),
        )
        .await?;
    }
    Ok(())
}

/// One row of the change log.
pub(crate) async fn insert_row(
    txn: &DatabaseTransaction,
    article_id: i64,
    action: String,
    effective_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
    visible: Option<bool>,
) -> Result<(), RepoError> {
    change::ActiveModel {
        article_id: Set(article_id),
        action: Set(action),
        effective_at: Set(effective_at),
        recorded_at: Set(recorded_at),
        visible: Set(visible),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// The `article_id` of a collection's change-log row: no article has it
/// (ids start at 1), and the readers that deal in articles skip it.
pub const COLLECTION_ROW: i64 = 0;

/// Records a collection write (`collection.save`, `collection.delete`), so
/// other instances drop their cached collections and front.
pub(crate) async fn record_collection_change(
    txn: &DatabaseTransaction,
    ctx: WriteContext,
    slug: &str,
    action: &str,
) -> Result<(), RepoError> {
    let what = if action.ends_with("delete") {
        "deleted"
    } else {
        "saved"
    };
    crate::webhooks::record_collection_event(txn, ctx, slug, what).await?;
    let now = micros(ctx.now);
    insert_row(txn, COLLECTION_ROW, action.to_owned(), now, now, None).await
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

impl Change {
    /// Whether the row is about a collection rather than an article.
    pub fn is_collection(&self) -> bool {
        self.article_id == COLLECTION_ROW
    }
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

impl ContentRepo {
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

    /// Article change-log rows in (effective time, id) order after the
    /// given key, up to `until` (the partners' change feed).
    pub async fn changes_by_effective_time(
        &self,
        after: Option<(DateTime<Utc>, i64)>,
        until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Change>, RepoError> {
        use sea_orm::Condition;
        let mut q = change::Entity::find()
            .filter(change::Column::EffectiveAt.lte(micros(until)))
            .filter(change::Column::ArticleId.ne(COLLECTION_ROW));
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
}
