//! The site-wide event stream's reads of the events outbox: the rows of
//! some kinds that fell due in a window, in (due time, id) order, which is
//! the readers' cursor order.

use chrono::{DateTime, Utc};
use domain::webhook::EventType;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

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
        let mut q = webhook_event::Entity::find()
            .filter(webhook_event::Column::DueAt.lte(micros(until)))
            .filter(webhook_event::Column::EventType.is_in(kinds.iter().map(|k| k.as_str())));
        if let Some((t, id)) = after {
            let t = micros(t);
            q = q.filter(
                Condition::any()
                    .add(webhook_event::Column::DueAt.gt(t))
                    .add(
                        Condition::all()
                            .add(webhook_event::Column::DueAt.eq(t))
                            .add(webhook_event::Column::Id.gt(id)),
                    ),
            );
        }
        q.order_by_asc(webhook_event::Column::DueAt)
            .order_by_asc(webhook_event::Column::Id)
            .limit(limit)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(to_event)
            .collect()
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
