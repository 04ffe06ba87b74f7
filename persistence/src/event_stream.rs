//! The site-wide event stream's reads of the events outbox: the rows of
//! some kinds that fell due in a window, in (due time, id) order, which is
//! the readers' cursor order.

use chrono::{DateTime, Utc};
use domain::webhook::EventType;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::entities::webhook_event;
use crate::error::RepoError;
use crate::repo::{ContentRepo, micros};
use crate::webhooks::{WebhookEvent, to_event};

impl ContentRepo {
    /// Events of `kinds` due after the key `after` (due time, id) and at
    /// or before `until`, oldest first. `after: None` reads from the
    /// oldest kept.
    pub async fn events_due(
        &self,
        kinds: &[EventType],
        after: Option<(DateTime<Utc>, i64)>,
        until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<WebhookEvent>, RepoError> {
        let due = || {
            webhook_event::Entity::find()
                .filter(webhook_event::Column::DueAt.lte(micros(until)))
                .filter(webhook_event::Column::EventType.is_in(kinds.iter().map(|k| k.as_str())))
        };
        // After a key, two index ranges: the rest of its instant, then the
        // later instants. As one `due_at > t OR (due_at = t AND id > i)`
        // both engines walk the index from its oldest row (every page of a
        // poll re-read the whole outbox), and a bulk import, whose events
        // share one instant, made each page walk all of them again.
        let mut rows = Vec::new();
        let later = match after {
            None => due(),
            Some((t, id)) => {
                let t = micros(t);
                rows = due()
                    .filter(webhook_event::Column::DueAt.eq(t))
                    .filter(webhook_event::Column::Id.gt(id))
                    .order_by_asc(webhook_event::Column::Id)
                    .limit(limit)
                    .all(&self.db.conn)
                    .await?;
                due().filter(webhook_event::Column::DueAt.gt(t))
            }
        };
        let room = limit.saturating_sub(rows.len() as u64);
        if room > 0 {
            rows.extend(
                later
                    .order_by_asc(webhook_event::Column::DueAt)
                    .order_by_asc(webhook_event::Column::Id)
                    .limit(room)
                    .all(&self.db.conn)
                    .await?,
            );
        }
        rows.into_iter().map(to_event).collect()
    }

    /// How many events of `kinds` are due from `from` on, up to and with
    /// the key `upto`: what a reader that read that stretch has seen, if
    /// nothing committed late.
    pub async fn count_events_due(
        &self,
        kinds: &[EventType],
        from: DateTime<Utc>,
        upto: (DateTime<Utc>, i64),
    ) -> Result<u64, RepoError> {
        let (t, id) = (micros(upto.0), upto.1);
        Ok(webhook_event::Entity::find()
            .filter(webhook_event::Column::DueAt.gte(micros(from)))
            .filter(webhook_event::Column::DueAt.lte(t))
            .filter(webhook_event::Column::EventType.is_in(kinds.iter().map(|k| k.as_str())))
            .filter(
                Condition::any()
                    .add(webhook_event::Column::DueAt.lt(t))
                    .add(webhook_event::Column::Id.lte(id)),
            )
            .count(&self.db.conn)
            .await?)
    }

    /// The key of the newest event of `kinds` due by `until`.
    pub async fn last_event_due(
        &self,
        kinds: &[EventType],
        until: DateTime<Utc>,
    ) -> Result<Option<(DateTime<Utc>, i64)>, RepoError> {
        Ok(webhook_event::Entity::find()
            .filter(webhook_event::Column::DueAt.lte(micros(until)))
            .filter(webhook_event::Column::EventType.is_in(kinds.iter().map(|k| k.as_str())))
            .order_by_desc(webhook_event::Column::DueAt)
            .order_by_desc(webhook_event::Column::Id)
            .one(&self.db.conn)
            .await?
            .map(|m| (m.due_at, m.id)))
    }

    /// The first instant after `now` at which an event of `kinds` falls
    /// due (a scheduled go-live).
    pub async fn next_event_due(
        &self,
        kinds: &[EventType],
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, RepoError> {
        Ok(webhook_event::Entity::find()
            .filter(webhook_event::Column::DueAt.gt(micros(now)))
            .filter(webhook_event::Column::EventType.is_in(kinds.iter().map(|k| k.as_str())))
            .order_by_asc(webhook_event::Column::DueAt)
            .one(&self.db.conn)
            .await?
            .map(|m| m.due_at))
    }
}
