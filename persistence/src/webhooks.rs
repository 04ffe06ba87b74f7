//! Webhooks: subscriptions, the outbox of events and the deliveries.
//!
//! Events are written in the same transaction as the change that raises
//! them (`record_*`), so a change that commits is announced even if the
//! process dies right after; a scheduled go-live or embargo end is an event
//! dated at its future instant. A dispatcher on every instance fans due
//! events out into one delivery row per subscribed webhook (a unique
//! index makes that exactly once, whoever does it), then takes a lease on
//! one webhook at a time and sends its deliveries in order: one sender per
//! webhook across all instances, at least once per delivery (a sender that
//! dies mid-way leaves the lease to expire and the delivery to be sent
//! again, with the same message id).

use chrono::{DateTime, Duration, Utc};
use domain::ArticleState;
use domain::webhook::{EventType, article_events};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::editorial::WriteContext;
use crate::editorial::history::audit;
use crate::entities::{webhook, webhook_delivery, webhook_event};
use crate::error::RepoError;
use crate::repo::{ContentRepo, micros};

/// A webhook as stored (the secret included: deliveries are signed with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub events: Vec<EventType>,
    pub secret: String,
    pub active: bool,
    pub description: Option<String>,
    pub format: String,
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A webhook to create.
#[derive(Debug, Clone)]
pub struct NewWebhook<'a> {
    pub url: &'a str,
    pub events: &'a [EventType],
    pub secret: &'a str,
    pub active: bool,
    pub description: Option<String>,
    pub format: &'a str,
}

/// What an admin sets on a webhook; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct WebhookChange {
    pub url: Option<String>,
    pub events: Option<Vec<EventType>>,
    pub active: Option<bool>,
    pub description: Option<Option<String>>,
    pub format: Option<String>,
}

/// One event of the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    pub id: i64,
    pub kind: EventType,
    pub article_id: Option<i64>,
    pub subject: Option<String>,
    pub data: serde_json::Value,
    pub due_at: DateTime<Utc>,
    /// Raised for a later instant than its write's (a go-live, or a
    /// breaking flag that takes effect then).
    pub timed: bool,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Succeeded,
    /// Every attempt failed; the webhook was turned off.
    Failed,
    /// Nothing public was left to announce at delivery time.
    Skipped,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Skipped => "skipped",
        }
    }

    fn parse(s: &str) -> Result<Self, RepoError> {
        Ok(match s {
            "pending" => DeliveryStatus::Pending,
            "succeeded" => DeliveryStatus::Succeeded,
            "failed" => DeliveryStatus::Failed,
            "skipped" => DeliveryStatus::Skipped,
            other => {
                return Err(RepoError::Corrupt {
                    table: "webhook_deliveries",
                    id: 0,
                    reason: format!("status {other:?}"),
                });
            }
        })
    }
}

/// One delivery of one event to one webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    pub event: WebhookEvent,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub response_status: Option<i32>,
    pub latency_ms: Option<i32>,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub response_status: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
    /// What follows: done, another try at this instant, or given up.
    pub next: AttemptNext,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptNext {
    Delivered,
    RetryAt(DateTime<Utc>),
    GiveUp,
    /// Nothing to send (the article is no longer public).
    Skip,
}

/// The queue's state for the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStats {
    pub pending: u64,
    pub oldest_pending: Option<DateTime<Utc>>,
}

fn events_text(events: &[EventType]) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn to_webhook(m: webhook::Model) -> Result<Webhook, RepoError> {
    let events = m
        .events
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            EventType::parse(s).ok_or_else(|| RepoError::Corrupt {
                table: "webhooks",
                id: m.id,
                reason: format!("event {s:?}"),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Webhook {
        id: m.id,
        url: m.url,
        events,
        secret: m.secret,
        active: m.active,
        description: m.description,
        format: m.format,
        disabled_reason: m.disabled_reason,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(crate) fn to_event(m: webhook_event::Model) -> Result<WebhookEvent, RepoError> {
    let kind = EventType::parse(&m.event_type).ok_or_else(|| RepoError::Corrupt {
        table: "webhook_events",
        id: m.id,
        reason: format!("type {:?}", m.event_type),
    })?;
    let data = match m.data.as_deref() {
        Some(text) => serde_json::from_str(text).map_err(|e| RepoError::Corrupt {
            table: "webhook_events",
            id: m.id,
            reason: format!("data: {e}"),
        })?,
        None => serde_json::Value::Null,
    };
    Ok(WebhookEvent {
        id: m.id,
        kind,
        article_id: m.article_id,
        subject: m.subject,
        data,
        timed: m.due_at > m.created_at,
        due_at: m.due_at,
    })
}

fn to_delivery(d: webhook_delivery::Model, e: webhook_event::Model) -> Result<Delivery, RepoError> {
    let status = DeliveryStatus::parse(&d.status)?;
    Ok(Delivery {
        id: d.id,
        webhook_id: d.webhook_id,
        event: to_event(e)?,
        status,
        attempts: d.attempts,
        next_attempt_at: (status == DeliveryStatus::Pending).then_some(d.next_attempt_at),
        last_attempt_at: d.last_attempt_at,
        response_status: d.response_status,
        latency_ms: d.latency_ms,
        error: d.error,
        response_excerpt: d.response_excerpt,
        created_at: d.created_at,
        delivered_at: d.delivered_at,
    })
}

/// One outbox row to write.
struct NewEvent {
    kind: EventType,
    article_id: Option<i64>,
    subject: Option<String>,
    data: Option<serde_json::Value>,
    due_at: DateTime<Utc>,
    dedupe_key: Option<String>,
}

impl NewEvent {
    /// An event that happens now, about nothing in particular.
    fn now(kind: EventType, at: DateTime<Utc>) -> Self {
        Self {
            kind,
            article_id: None,
            subject: None,
            data: None,
            due_at: at,
            dedupe_key: None,
        }
    }
}

async fn insert_event(
    txn: &DatabaseTransaction,
    e: NewEvent,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let NewEvent {
        kind,
        article_id,
        subject,
        data,
        due_at,
        dedupe_key,
    } = e;
    let model = webhook_event::ActiveModel {
        event_type: Set(kind.as_str().to_owned()),
        article_id: Set(article_id),
        subject: Set(subject),
        data: Set(data.map(|d| d.to_string())),
        due_at: Set(micros(due_at)),
        created_at: Set(micros(now)),
        dedupe_key: Set(dedupe_key),
        dispatched: Set(false),
        ..Default::default()
    };
    webhook_event::Entity::insert(model)
        .on_conflict(
            OnConflict::column(webhook_event::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// Records `article.updated` for a version of a story whose translations
/// change at `at` because version `cause` was written (now) or comes into
/// view (later): its ninjs associations and translations list change with
/// them. One event per version and later instant.
pub(crate) async fn record_translation_event(
    txn: &DatabaseTransaction,
    article_id: i64,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    cause: i64,
) -> Result<(), RepoError> {
    let later = at > now;
    let dedupe = later.then(|| {
        format!(
            "{}:{article_id}:{}:translations",
            EventType::ArticleUpdated,
            micros(at).timestamp_micros()
        )
    });
    insert_event(
        txn,
        NewEvent {
            article_id: Some(article_id),
            // Which version's write queued a later one (its next write
            // takes it back: see `drop_translation_events`).
            subject: later.then(|| translation_subject(cause)),
            data: Some(json!({"cause": "translations"})),
            dedupe_key: dedupe,
            ..NewEvent::now(EventType::ArticleUpdated, at)
        },
        // Stamped with its own instant, so it is not a timed event (which
        // stands only if *this* article goes public then): it is told if
        // the article is public when it is due.
        std::cmp::max(at, now),
    )
    .await
}

fn translation_subject(cause: i64) -> String {
    format!("translations:{cause}")
}

/// Takes back the later `article.updated` (translations) events that
/// version `cause`'s earlier writes queued and that are not due yet; its
/// write queues again those that still stand.
pub(crate) async fn drop_translation_events(
    txn: &DatabaseTransaction,
    cause: i64,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    webhook_event::Entity::delete_many()
        .filter(webhook_event::Column::Subject.eq(translation_subject(cause)))
        .filter(webhook_event::Column::Dispatched.eq(false))
        .filter(webhook_event::Column::DueAt.gt(micros(now)))
        .exec(txn)
        .await?;
    Ok(())
}

/// Records the events an article write raises (in the write's transaction).
pub(crate) async fn record_article_events(
    txn: &DatabaseTransaction,
    ctx: WriteContext,
    article_id: i64,
    old: Option<&ArticleState>,
    new: &ArticleState,
    action: &str,
) -> Result<(), RepoError> {
    // The write's own instant as the editor's state saw it (a publication
    // time set to "now" carries its nanoseconds until it is stored).
    let now = ctx.now;
    for raised in article_events(old, new, action, now) {
        let data = match raised.kind {
            EventType::ArticleUnpublished => Some(json!({"reason": new.unpublish_reason})),
            _ => None,
        };
        // A timed event is raised by every write that leaves the schedule
        // in place: one row per article, kind and instant.
        let dedupe = (raised.at > now).then(|| {
            format!(
                "{}:{article_id}:{}",
                raised.kind,
                micros(raised.at).timestamp_micros()
            )
        });
        insert_event(
            txn,
            NewEvent {
                article_id: Some(article_id),
                data,
                due_at: raised.at,
                dedupe_key: dedupe,
                ..NewEvent::now(raised.kind, raised.at)
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// Records a collection write (`saved` or `deleted`).
pub(crate) async fn record_collection_event(
    txn: &DatabaseTransaction,
    ctx: WriteContext,
    slug: &str,
    action: &str,
) -> Result<(), RepoError> {
    insert_event(
        txn,
        NewEvent {
            subject: Some(slug.to_owned()),
            data: Some(json!({"slug": slug, "action": action})),
            ..NewEvent::now(EventType::CollectionUpdated, ctx.now)
        },
        ctx.now,
    )
    .await
}

/// Records a comment's approval.
pub(crate) async fn record_comment_event(
    txn: &DatabaseTransaction,
    ctx: WriteContext,
    article_id: i64,
    comment_id: i64,
) -> Result<(), RepoError> {
    insert_event(
        txn,
        NewEvent {
            article_id: Some(article_id),
            subject: Some(comment_id.to_string()),
            ..NewEvent::now(EventType::CommentApproved, ctx.now)
        },
        ctx.now,
    )
    .await
}

/// How long a dispatcher holds a webhook before another instance may take
/// it over (longer than a batch of attempts, see `api`'s dispatcher).
pub const LEASE: Duration = Duration::seconds(60);

impl ContentRepo {
    /// Creates a webhook, with an audit entry (never the secret).
    pub async fn create_webhook(
        &self,
        new: NewWebhook<'_>,
        ctx: WriteContext,
    ) -> Result<Webhook, RepoError> {
        let NewWebhook {
            url,
            events,
            secret,
            active,
            description,
            format,
        } = new;
        let txn = self.db.begin_write().await?;
        let now = micros(ctx.now);
        let row = webhook::ActiveModel {
            url: Set(url.to_owned()),
            events: Set(events_text(events)),
            secret: Set(secret.to_owned()),
            active: Set(active),
            description: Set(description),
            format: Set(format.to_owned()),
            disabled_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            lease_owner: Set(None),
            lease_until: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit(
            &txn,
            ctx,
            "webhook.create",
            "webhook",
            row.id,
            json!({"url": url, "events": events_text(events)}),
        )
        .await?;
        txn.commit().await?;
        to_webhook(row)
    }

    /// Records a `cache.purge` event with the surrogate keys a write made
    /// stale, if an active webhook listens for it (after the write's
    /// commit: the keys are the API's business). Returns whether it did.
    pub async fn record_purge_event(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        // One small read per write (no webhook, no event): the names are
        // comma-separated and none contains another.
        let listening = webhook::Entity::find()
            .filter(webhook::Column::Active.eq(true))
            .filter(webhook::Column::Events.contains(EventType::CachePurge.as_str()))
            .one(&self.db.conn)
            .await?
            .is_some();
        if !listening {
            return Ok(false);
        }
        let txn = self.db.begin_write().await?;
        insert_event(
            &txn,
            NewEvent {
                data: Some(json!({ "surrogateKeys": keys })),
                ..NewEvent::now(EventType::CachePurge, now)
            },
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Every webhook, oldest first.
    pub async fn webhooks(&self) -> Result<Vec<Webhook>, RepoError> {
        webhook::Entity::find()
            .order_by_asc(webhook::Column::Id)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(to_webhook)
            .collect()
    }

    pub async fn webhook(&self, id: i64) -> Result<Option<Webhook>, RepoError> {
        webhook::Entity::find_by_id(id)
            .one(&self.db.conn)
            .await?
            .map(to_webhook)
            .transpose()
    }

    /// Changes a webhook; turning it on again clears the reason it was
    /// turned off.
    pub async fn update_webhook(
        &self,
        id: i64,
        change: WebhookChange,
        ctx: WriteContext,
    ) -> Result<Webhook, RepoError> {
        let txn = self.db.begin_write().await?;
        let Some(row) = webhook::Entity::find_by_id(id).one(&txn).await? else {
            return Err(RepoError::NotFound);
        };
        let mut model: webhook::ActiveModel = row.into();
        let mut changed = Vec::new();
        if let Some(url) = change.url {
            model.url = Set(url);
            changed.push("url");
        }
        if let Some(events) = &change.events {
            model.events = Set(events_text(events));
            changed.push("events");
        }
        if let Some(active) = change.active {
            model.active = Set(active);
            if active {
                model.disabled_reason = Set(None);
            }
            changed.push("active");
        }
        if let Some(description) = change.description {
            model.description = Set(description);
            changed.push("description");
        }
        if let Some(format) = change.format {
            model.format = Set(format);
            changed.push("format");
        }
        model.updated_at = Set(micros(ctx.now));
        let row = model.update(&txn).await?;
        audit(
            &txn,
            ctx,
            "webhook.update",
            "webhook",
            id,
            json!({ "changed": changed }),
        )
        .await?;
        txn.commit().await?;
        to_webhook(row)
    }

    /// Replaces a webhook's signing secret.
    pub async fn set_webhook_secret(
        &self,
        id: i64,
        secret: &str,
        ctx: WriteContext,
    ) -> Result<Webhook, RepoError> {
        let txn = self.db.begin_write().await?;
        let Some(row) = webhook::Entity::find_by_id(id).one(&txn).await? else {
            return Err(RepoError::NotFound);
        };
        let mut model: webhook::ActiveModel = row.into();
        model.secret = Set(secret.to_owned());
        model.updated_at = Set(micros(ctx.now));
        let row = model.update(&txn).await?;
        audit(&txn, ctx, "webhook.rotate", "webhook", id, json!({})).await?;
        txn.commit().await?;
        to_webhook(row)
    }

    /// Deletes a webhook and its deliveries.
    pub async fn delete_webhook(&self, id: i64, ctx: WriteContext) -> Result<(), RepoError> {
        let txn = self.db.begin_write().await?;
        webhook_delivery::Entity::delete_many()
            .filter(webhook_delivery::Column::WebhookId.eq(id))
            .exec(&txn)
            .await?;
        let gone = webhook::Entity::delete_by_id(id).exec(&txn).await?;
        if gone.rows_affected == 0 {
            return Err(RepoError::NotFound);
        }
        audit(&txn, ctx, "webhook.delete", "webhook", id, json!({})).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Queues a test message to one webhook (sent like any delivery).
    pub async fn enqueue_ping(
        &self,
        webhook_id: i64,
        now: DateTime<Utc>,
    ) -> Result<i64, RepoError> {
        let txn = self.db.begin_write().await?;
        if webhook::Entity::find_by_id(webhook_id)
            .one(&txn)
            .await?
            .is_none()
        {
            return Err(RepoError::NotFound);
        }
        let now = micros(now);
        let event = webhook_event::ActiveModel {
            event_type: Set(EventType::Ping.as_str().to_owned()),
            article_id: Set(None),
            subject: Set(Some(webhook_id.to_string())),
            data: Set(None),
            due_at: Set(now),
            created_at: Set(now),
            dedupe_key: Set(None),
            dispatched: Set(true),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let delivery = new_delivery(webhook_id, event.id, now).insert(&txn).await?;
        txn.commit().await?;
        Ok(delivery.id)
    }

    /// A webhook's deliveries, newest first, before a delivery id.
    pub async fn webhook_deliveries(
        &self,
        webhook_id: i64,
        limit: u64,
        before: Option<i64>,
    ) -> Result<Vec<Delivery>, RepoError> {
        let mut q = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::WebhookId.eq(webhook_id));
        if let Some(b) = before {
            q = q.filter(webhook_delivery::Column::Id.lt(b));
        }
        let rows = q
            .order_by_desc(webhook_delivery::Column::Id)
            .limit(limit)
            .all(&self.db.conn)
            .await?;
        self.with_events(rows).await
    }

    /// One delivery.
    pub async fn webhook_delivery(&self, id: i64) -> Result<Option<Delivery>, RepoError> {
        let Some(row) = webhook_delivery::Entity::find_by_id(id)
            .one(&self.db.conn)
            .await?
        else {
            return Ok(None);
        };
        Ok(self.with_events(vec![row]).await?.pop())
    }

    async fn with_events(
        &self,
        rows: Vec<webhook_delivery::Model>,
    ) -> Result<Vec<Delivery>, RepoError> {
        let ids: Vec<i64> = rows.iter().map(|d| d.event_id).collect();
        let mut events: std::collections::HashMap<i64, webhook_event::Model> =
            webhook_event::Entity::find()
                .filter(webhook_event::Column::Id.is_in(ids))
                .all(&self.db.conn)
                .await?
                .into_iter()
                .map(|e| (e.id, e))
                .collect();
        rows.into_iter()
            .map(|d| {
                let e = events.remove(&d.event_id).ok_or(RepoError::Corrupt {
                    table: "webhook_deliveries",
                    id: d.id,
                    reason: "its event is missing".into(),
                })?;
                to_delivery(d, e)
            })
            .collect()
    }

    /// Sends a delivery again, now, with the same message id (whatever its
    /// status). The webhook's later deliveries wait behind it.
    pub async fn redeliver(&self, id: i64, now: DateTime<Utc>) -> Result<Delivery, RepoError> {
        let result = webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::Status,
                Expr::value(DeliveryStatus::Pending.as_str()),
            )
            .col_expr(
                webhook_delivery::Column::NextAttemptAt,
                Expr::value(micros(now)),
            )
            .filter(webhook_delivery::Column::Id.eq(id))
            .exec(&self.db.conn)
            .await?;
        if result.rows_affected == 0 {
            return Err(RepoError::NotFound);
        }
        self.webhook_delivery(id).await?.ok_or(RepoError::NotFound)
    }

    /// Fans due events out into deliveries, one per active webhook that
    /// subscribes to the event; returns how many events it dispatched. Safe
    /// to run on every instance at once: the unique (webhook, event) index
    /// keeps one delivery, and PostgreSQL instances skip the events another
    /// is fanning out.
    pub async fn fan_out_webhook_events(
        &self,
        now: DateTime<Utc>,
        limit: u64,
    ) -> Result<usize, RepoError> {
        // An idle round reads and leaves: no write transaction (on SQLite
        // that is the database's one write lock) when nothing is due.
        let due = webhook_event::Entity::find()
            .filter(webhook_event::Column::Dispatched.eq(false))
            .filter(webhook_event::Column::DueAt.lte(micros(now)))
            .one(&self.db.conn)
            .await?;
        if due.is_none() {
            return Ok(0);
        }
        let txn = self.db.begin_write().await?;
        let mut q = webhook_event::Entity::find()
            .filter(webhook_event::Column::Dispatched.eq(false))
            .filter(webhook_event::Column::DueAt.lte(micros(now)))
            .order_by_asc(webhook_event::Column::DueAt)
            .order_by_asc(webhook_event::Column::Id)
            .limit(limit);
        if self.db.is_postgres() {
            q = q.lock_with_behavior(
                sea_orm::sea_query::LockType::Update,
                sea_orm::sea_query::LockBehavior::SkipLocked,
            );
        }
        let events = q.all(&txn).await?;
        if events.is_empty() {
            return Ok(0);
        }
        let hooks: Vec<Webhook> = webhook::Entity::find()
            .filter(webhook::Column::Active.eq(true))
            .order_by_asc(webhook::Column::Id)
            .all(&txn)
            .await?
            .into_iter()
            .map(to_webhook)
            .collect::<Result<_, _>>()?;
        let now = micros(now);
        let mut deliveries = Vec::new();
        for e in &events {
            let Some(kind) = EventType::parse(&e.event_type) else {
                continue;
            };
            // A webhook hears what happens after it was made: a write
            // before it, no; a go-live it was made in time for, yes.
            for h in hooks
                .iter()
                .filter(|h| h.events.contains(&kind) && h.created_at <= e.due_at)
            {
                deliveries.push(new_delivery(h.id, e.id, now));
            }
        }
        for chunk in deliveries.chunks(500) {
            webhook_delivery::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::columns([
                        webhook_delivery::Column::WebhookId,
                        webhook_delivery::Column::EventId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }
        let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
        webhook_event::Entity::update_many()
            .col_expr(webhook_event::Column::Dispatched, Expr::value(true))
            .filter(webhook_event::Column::Id.is_in(ids))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(events.len())
    }

    /// The earliest instant at which an undispatched event falls due.
    pub async fn next_webhook_event_due(&self) -> Result<Option<DateTime<Utc>>, RepoError> {
        Ok(webhook_event::Entity::find()
            .filter(webhook_event::Column::Dispatched.eq(false))
            .order_by_asc(webhook_event::Column::DueAt)
            .one(&self.db.conn)
            .await?
            .map(|e| e.due_at))
    }

    /// Takes the lease of one active webhook with a delivery due, for
    /// `owner`, unless another instance holds it. On PostgreSQL candidates
    /// another instance is taking are skipped (`SKIP LOCKED`); the lease
    /// itself is a conditional update, so of two claimants only one wins on
    /// either database.
    pub async fn claim_webhook(
        &self,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Webhook>, RepoError> {
        let now = micros(now);
        let due = Query::select()
            .expr(Expr::val(1))
            .from(webhook_delivery::Entity)
            .and_where(
                Expr::col((
                    webhook_delivery::Entity,
                    webhook_delivery::Column::WebhookId,
                ))
                .equals((webhook::Entity, webhook::Column::Id)),
            )
            .and_where(
                Expr::col((webhook_delivery::Entity, webhook_delivery::Column::Status))
                    .eq(DeliveryStatus::Pending.as_str()),
            )
            .and_where(
                Expr::col((
                    webhook_delivery::Entity,
                    webhook_delivery::Column::NextAttemptAt,
                ))
                .lte(now),
            )
            .to_owned();
        let free = Condition::any()
            .add(webhook::Column::LeaseUntil.is_null())
            .add(webhook::Column::LeaseUntil.lt(now));
        let candidates = webhook::Entity::find()
            .filter(webhook::Column::Active.eq(true))
            .filter(free.clone())
            .filter(Expr::exists(due.clone()));
        // An idle round reads and leaves (see `fan_out_webhook_events`).
        if candidates.clone().one(&self.db.conn).await?.is_none() {
            return Ok(None);
        }
        let txn = self.db.begin_write().await?;
        let mut q = webhook::Entity::find()
            .filter(webhook::Column::Active.eq(true))
            .filter(free.clone())
            .filter(Expr::exists(due))
            .order_by_asc(webhook::Column::LeaseUntil)
            .order_by_asc(webhook::Column::Id)
            .limit(1);
        if self.db.is_postgres() {
            q = q.lock_with_behavior(
                sea_orm::sea_query::LockType::Update,
                sea_orm::sea_query::LockBehavior::SkipLocked,
            );
        }
        let Some(candidate) = q.one(&txn).await? else {
            return Ok(None);
        };
        let taken = webhook::Entity::update_many()
            .col_expr(webhook::Column::LeaseOwner, Expr::value(owner))
            .col_expr(webhook::Column::LeaseUntil, Expr::value(now + LEASE))
            .filter(webhook::Column::Id.eq(candidate.id))
            .filter(free)
            .exec(&txn)
            .await?;
        txn.commit().await?;
        if taken.rows_affected != 1 {
            return Ok(None);
        }
        to_webhook(candidate).map(Some)
    }

    /// Gives a webhook's lease back.
    pub async fn release_webhook(&self, id: i64, owner: &str) -> Result<(), RepoError> {
        webhook::Entity::update_many()
            .col_expr(webhook::Column::LeaseOwner, Expr::value(None::<String>))
            .col_expr(
                webhook::Column::LeaseUntil,
                Expr::value(None::<DateTime<Utc>>),
            )
            .filter(webhook::Column::Id.eq(id))
            .filter(webhook::Column::LeaseOwner.eq(owner))
            .exec(&self.db.conn)
            .await?;
        Ok(())
    }

    /// A webhook's pending deliveries in order (the head first), up to
    /// `limit`, whether due or not: the sender stops at the first one that
    /// is not due, so a retry holds back the later ones.
    pub async fn pending_deliveries(
        &self,
        webhook_id: i64,
        limit: u64,
    ) -> Result<Vec<Delivery>, RepoError> {
        let rows = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::WebhookId.eq(webhook_id))
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .order_by_asc(webhook_delivery::Column::Id)
            .limit(limit)
            .all(&self.db.conn)
            .await?;
        self.with_events(rows).await
    }

    /// Records an attempt's outcome. Giving up turns the webhook off with
    /// the reason, so an admin sees why it went quiet.
    pub async fn record_attempt(
        &self,
        delivery: &Delivery,
        attempt: Attempt,
    ) -> Result<(), RepoError> {
        let txn = self.db.begin_write().await?;
        let at = micros(attempt.at);
        let (status, next, delivered) = match attempt.next {
            AttemptNext::Delivered => (DeliveryStatus::Succeeded, at, Some(at)),
            AttemptNext::RetryAt(t) => (DeliveryStatus::Pending, micros(t), None),
            AttemptNext::GiveUp => (DeliveryStatus::Failed, at, None),
            AttemptNext::Skip => (DeliveryStatus::Skipped, at, None),
        };
        let tried = attempt.next != AttemptNext::Skip;
        let mut update = webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::Status,
                Expr::value(status.as_str()),
            )
            .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(next))
            .col_expr(
                webhook_delivery::Column::DeliveredAt,
                Expr::value(delivered),
            )
            .col_expr(
                webhook_delivery::Column::Error,
                Expr::value(attempt.error.clone()),
            );
        if tried {
            update = update
                .col_expr(
                    webhook_delivery::Column::Attempts,
                    Expr::col(webhook_delivery::Column::Attempts).add(1),
                )
                .col_expr(webhook_delivery::Column::LastAttemptAt, Expr::value(at))
                .col_expr(
                    webhook_delivery::Column::ResponseStatus,
                    Expr::value(attempt.response_status),
                )
                .col_expr(
                    webhook_delivery::Column::LatencyMs,
                    Expr::value(attempt.latency_ms),
                )
                .col_expr(
                    webhook_delivery::Column::ResponseExcerpt,
                    Expr::value(attempt.response_excerpt.clone()),
                );
        }
        update
            .filter(webhook_delivery::Column::Id.eq(delivery.id))
            .exec(&txn)
            .await?;
        if attempt.next == AttemptNext::GiveUp {
            webhook::Entity::update_many()
                .col_expr(webhook::Column::Active, Expr::value(false))
                .col_expr(
                    webhook::Column::DisabledReason,
                    Expr::value(format!(
                        "delivery {} failed {} times; last: {}",
                        delivery.id,
                        delivery.attempts + 1,
                        attempt.error.as_deref().unwrap_or("no answer")
                    )),
                )
                .col_expr(webhook::Column::UpdatedAt, Expr::value(at))
                .filter(webhook::Column::Id.eq(delivery.webhook_id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Pending deliveries to active webhooks and the oldest one's age.
    pub async fn webhook_queue_stats(&self) -> Result<QueueStats, RepoError> {
        let active = Query::select()
            .column(webhook::Column::Id)
            .from(webhook::Entity)
            .and_where(Expr::col(webhook::Column::Active).eq(true))
            .to_owned();
        let row: Option<(i64, Option<DateTime<Utc>>)> = webhook_delivery::Entity::find()
            .select_only()
            .column_as(webhook_delivery::Column::Id.count(), "pending")
            .column_as(webhook_delivery::Column::CreatedAt.min(), "oldest")
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .filter(webhook_delivery::Column::WebhookId.in_subquery(active))
            .into_tuple()
            .one(&self.db.conn)
            .await?;
        Ok(row
            .map(|(pending, oldest)| QueueStats {
                pending: u64::try_from(pending).unwrap_or(0),
                oldest_pending: oldest,
            })
            .unwrap_or_default())
    }

    /// Deletes dispatched events older than `before` with their finished
    /// deliveries (the delivery log is kept for that long). Events nobody
    /// dispatched that were due that long ago are retired first (marked
    /// dispatched, so no fan-out starts on them): with webhooks off on
    /// every instance nobody dispatches them, and the site stream reads a
    /// day back at most. A go-live scheduled further out stays until it is
    /// due.
    pub async fn prune_webhook_events(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        let cut = micros(before);
        let txn = self.db.begin_write().await?;
        // An UPDATE, not a DELETE: a fan-out committing meanwhile on another
        // instance has marked its events dispatched, and PostgreSQL checks
        // `dispatched = false` again on rows it waited for, so those (and
        // their new deliveries) are left alone.
        webhook_event::Entity::update_many()
            .col_expr(webhook_event::Column::Dispatched, Expr::value(true))
            .filter(webhook_event::Column::Dispatched.eq(false))
            .filter(webhook_event::Column::CreatedAt.lt(cut))
            .filter(webhook_event::Column::DueAt.lt(cut))
            .exec(&txn)
            .await?;
        let old = Query::select()
            .column(webhook_event::Column::Id)
            .from(webhook_event::Entity)
            .and_where(Expr::col(webhook_event::Column::Dispatched).eq(true))
            .and_where(Expr::col(webhook_event::Column::CreatedAt).lt(cut))
            .and_where(Expr::col(webhook_event::Column::DueAt).lt(cut))
            .to_owned();
        webhook_delivery::Entity::delete_many()
            .filter(webhook_delivery::Column::EventId.in_subquery(old))
            .filter(webhook_delivery::Column::Status.ne(DeliveryStatus::Pending.as_str()))
            .exec(&txn)
            .await?;
        let still_used = Query::select()
            .column(webhook_delivery::Column::EventId)
            .from(webhook_delivery::Entity)
            .to_owned();
        let gone = webhook_event::Entity::delete_many()
            .filter(webhook_event::Column::Dispatched.eq(true))
            .filter(webhook_event::Column::CreatedAt.lt(cut))
            .filter(webhook_event::Column::DueAt.lt(cut))
            .filter(webhook_event::Column::Id.not_in_subquery(still_used))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(gone.rows_affected)
    }
}

fn new_delivery(
    webhook_id: i64,
    event_id: i64,
    now: DateTime<Utc>,
) -> webhook_delivery::ActiveModel {
    webhook_delivery::ActiveModel {
        webhook_id: Set(webhook_id),
        event_id: Set(event_id),
        status: Set(DeliveryStatus::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_attempt_at: Set(None),
        response_status: Set(None),
        latency_ms: Set(None),
        error: Set(None),
        response_excerpt: Set(None),
        created_at: Set(now),
        delivered_at: Set(None),
        ..Default::default()
    }
}
