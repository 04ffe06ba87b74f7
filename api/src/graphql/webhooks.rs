//! GraphQL for webhooks (admin key): the `Webhook` and `WebhookDelivery`
//! types, `webhooks`/`webhook` and the mutations, through the same
//! `WebhookService` as REST `/v1/admin/webhooks`.

use app::AppError;
use app::webhooks::{WebhookInput, WebhookService};
use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use domain::Scope;
use domain::webhook::EventType;
use persistence::{Delivery, DeliveryStatus, Webhook};

use super::context::key;

/// What a webhook can subscribe to.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum WebhookEvent {
    ArticlePublished,
    ArticleUpdated,
    ArticleUnpublished,
    ArticleDeleted,
    /// A scheduled or future-dated article's time came (no write).
    ArticleGolive,
    /// An embargo ended (no write).
    ArticleEmbargoLifted,
    ArticleCorrected,
    /// A public article was flagged as breaking news.
    ArticleBreaking,
    CollectionUpdated,
    CommentApproved,
    /// The surrogate keys a write made stale.
    CachePurge,
    /// A test message (`pingWebhook`); not subscribable.
    WebhookPing,
}

impl WebhookEvent {
    fn of(e: EventType) -> Self {
        match e {
            EventType::ArticlePublished => Self::ArticlePublished,
            EventType::ArticleUpdated => Self::ArticleUpdated,
            EventType::ArticleUnpublished => Self::ArticleUnpublished,
            EventType::ArticleDeleted => Self::ArticleDeleted,
            EventType::ArticleGolive => Self::ArticleGolive,
            EventType::ArticleEmbargoLifted => Self::ArticleEmbargoLifted,
            EventType::ArticleCorrected => Self::ArticleCorrected,
            EventType::ArticleBreaking => Self::ArticleBreaking,
            EventType::CollectionUpdated => Self::CollectionUpdated,
            EventType::CommentApproved => Self::CommentApproved,
            EventType::CachePurge => Self::CachePurge,
            EventType::Ping => Self::WebhookPing,
        }
    }

    /// The wire name (`article.published`), which the service checks.
    fn wire(self) -> &'static str {
        match self {
            Self::ArticlePublished => EventType::ArticlePublished.as_str(),
            Self::ArticleUpdated => EventType::ArticleUpdated.as_str(),
            Self::ArticleUnpublished => EventType::ArticleUnpublished.as_str(),
            Self::ArticleDeleted => EventType::ArticleDeleted.as_str(),
            Self::ArticleGolive => EventType::ArticleGolive.as_str(),
            Self::ArticleEmbargoLifted => EventType::ArticleEmbargoLifted.as_str(),
            Self::ArticleCorrected => EventType::ArticleCorrected.as_str(),
            Self::ArticleBreaking => EventType::ArticleBreaking.as_str(),
            Self::CollectionUpdated => EventType::CollectionUpdated.as_str(),
            Self::CommentApproved => EventType::CommentApproved.as_str(),
            Self::CachePurge => EventType::CachePurge.as_str(),
            Self::WebhookPing => EventType::Ping.as_str(),
        }
    }
}

/// How an article is sent.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum WebhookFormat {
    /// As `GET /v1/articles/{id}` shows it.
    Public,
    /// IPTC ninjs 3.1.
    Ninjs,
}

impl WebhookFormat {
    fn wire(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Ninjs => "ninjs",
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "WebhookDeliveryStatus")]
pub enum DeliveryStatusGql {
    Pending,
    Succeeded,
    /// Every retry failed; the webhook was turned off.
    Failed,
    /// Nothing public was left to announce at delivery time.
    Skipped,
}

/// A webhook. `secret` is only given by `createWebhook` and
/// `rotateWebhookSecret`.
pub struct WebhookGql {
    hook: Webhook,
    with_secret: bool,
}

#[Object(name = "Webhook")]
impl WebhookGql {
    async fn id(&self) -> ID {
        ID(self.hook.id.to_string())
    }
    async fn url(&self) -> &str {
        &self.hook.url
    }
    async fn events(&self) -> Vec<WebhookEvent> {
        self.hook
            .events
            .iter()
            .map(|e| WebhookEvent::of(*e))
            .collect()
    }
    async fn active(&self) -> bool {
        self.hook.active
    }
    async fn description(&self) -> Option<&str> {
        self.hook.description.as_deref()
    }
    async fn format(&self) -> WebhookFormat {
        if self.hook.format == "ninjs" {
            WebhookFormat::Ninjs
        } else {
            WebhookFormat::Public
        }
    }
    /// Why the server turned the webhook off, if it did.
    async fn disabled_reason(&self) -> Option<&str> {
        self.hook.disabled_reason.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.hook.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.hook.updated_at
    }
    /// The signing secret (`whsec_…`): only in the answer of
    /// `createWebhook` and `rotateWebhookSecret`.
    async fn secret(&self) -> Option<&str> {
        self.with_secret.then_some(self.hook.secret.as_str())
    }
    /// The newest deliveries first.
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 50))] first: i32,
        #[graphql(desc = "A delivery id: the ones before it")] before: Option<ID>,
    ) -> Result<Vec<DeliveryGql>> {
        let before = before
            .map(|b| {
                b.parse::<i64>()
                    .map_err(|_| AppError::invalid("before", "must be a delivery id"))
            })
            .transpose()?;
        let svc = ctx.data::<WebhookService>()?;
        Ok(svc
            .deliveries(self.hook.id, u64::try_from(first).unwrap_or(20), before)
            .await?
            .into_iter()
            .map(DeliveryGql)
            .collect())
    }
}

/// One delivery of one event to one webhook.
pub struct DeliveryGql(Delivery);

#[Object(name = "WebhookDelivery")]
impl DeliveryGql {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The `webhook-id` header, the same on every attempt.
    async fn message_id(&self) -> String {
        format!("msg_{}", self.0.id)
    }
    async fn event_id(&self) -> String {
        format!("evt_{}", self.0.event.id)
    }
    async fn event(&self) -> WebhookEvent {
        WebhookEvent::of(self.0.event.kind)
    }
    async fn status(&self) -> DeliveryStatusGql {
        match self.0.status {
            DeliveryStatus::Pending => DeliveryStatusGql::Pending,
            DeliveryStatus::Succeeded => DeliveryStatusGql::Succeeded,
            DeliveryStatus::Failed => DeliveryStatusGql::Failed,
            DeliveryStatus::Skipped => DeliveryStatusGql::Skipped,
        }
    }
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    async fn response_status(&self) -> Option<i32> {
        self.0.response_status
    }
    async fn latency_ms(&self) -> Option<i32> {
        self.0.latency_ms
    }
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn last_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_attempt_at
    }
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.next_attempt_at
    }
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
}

/// A new webhook.
#[derive(InputObject)]
pub struct CreateWebhookInput {
    url: String,
    events: Vec<WebhookEvent>,
    #[graphql(default = true)]
    active: bool,
    description: Option<String>,
    #[graphql(default_with = "WebhookFormat::Public")]
    format: WebhookFormat,
}

/// A change to a webhook: absent fields stay; `description: null` clears
/// it; `active: true` turns it back on after the server turned it off.
#[derive(InputObject)]
pub struct UpdateWebhookInput {
    url: Option<String>,
    events: Option<Vec<WebhookEvent>>,
    active: Option<bool>,
    description: MaybeUndefined<String>,
    format: Option<WebhookFormat>,
}

fn events(v: Vec<WebhookEvent>) -> Vec<String> {
    v.into_iter().map(|e| e.wire().to_owned()).collect()
}

fn admin<'a>(ctx: &Context<'a>) -> Result<(domain::ApiKey, &'a WebhookService)> {
    Ok((key(ctx, Scope::Admin)?, ctx.data::<WebhookService>()?))
}

fn webhook_id(id: &ID) -> Result<i64> {
    Ok(app::fields::record_id(id, "webhook")?)
}

pub async fn list(ctx: &Context<'_>) -> Result<Vec<WebhookGql>> {
    let (_, svc) = admin(ctx)?;
    Ok(svc
        .list()
        .await?
        .into_iter()
        .map(|hook| WebhookGql {
            hook,
            with_secret: false,
        })
        .collect())
}

pub async fn one(ctx: &Context<'_>, id: &ID) -> Result<Option<WebhookGql>> {
    let (_, svc) = admin(ctx)?;
    let Ok(id) = webhook_id(id) else {
        return Ok(None);
    };
    match svc.get(id).await {
        Ok(hook) => Ok(Some(WebhookGql {
            hook,
            with_secret: false,
        })),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The mutations' bodies (`Mutation` carries their documentation).
#[derive(Default)]
pub struct WebhookMutation;

impl WebhookMutation {
    /// Creates a webhook (admin key); the answer is the only time its
    /// `secret` is shown. Errors: `BAD_USER_INPUT` (a URL that is not
    /// http(s) or resolves to a private address, no events).
    pub async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookInput,
    ) -> Result<WebhookGql> {
        let (key, svc) = admin(ctx)?;
        let hook = svc
            .create(
                &key,
                WebhookInput {
                    url: Some(input.url),
                    events: Some(events(input.events)),
                    active: Some(input.active),
                    description: Some(input.description),
                    format: Some(input.format.wire().to_owned()),
                },
            )
            .await?;
        Ok(WebhookGql {
            hook,
            with_secret: true,
        })
    }

    /// Changes a webhook (admin key).
    pub async fn update_webhook(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateWebhookInput,
    ) -> Result<WebhookGql> {
        let (key, svc) = admin(ctx)?;
        let description = match input.description {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(v) => Some(Some(v)),
        };
        let hook = svc
            .update(
                &key,
                webhook_id(&id)?,
                WebhookInput {
                    url: input.url,
                    events: input.events.map(events),
                    active: input.active,
                    description,
                    format: input.format.map(|f| f.wire().to_owned()),
                },
            )
            .await?;
        Ok(WebhookGql {
            hook,
            with_secret: false,
        })
    }

    /// Deletes a webhook and its delivery log (admin key); returns its id.
    pub async fn delete_webhook(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let (key, svc) = admin(ctx)?;
        svc.delete(&key, webhook_id(&id)?).await?;
        Ok(id)
    }

    /// A new signing secret, shown in this answer only (admin key).
    pub async fn rotate_webhook_secret(&self, ctx: &Context<'_>, id: ID) -> Result<WebhookGql> {
        let (key, svc) = admin(ctx)?;
        let hook = svc.rotate_secret(&key, webhook_id(&id)?).await?;
        Ok(WebhookGql {
            hook,
            with_secret: true,
        })
    }

    /// Queues a signed `webhook.ping` (admin key).
    pub async fn ping_webhook(&self, ctx: &Context<'_>, id: ID) -> Result<DeliveryGql> {
        let (_, svc) = admin(ctx)?;
        Ok(DeliveryGql(svc.ping(webhook_id(&id)?).await?))
    }

    /// Sends a delivery again with the same `webhook-id` (admin key).
    pub async fn redeliver_webhook_delivery(
        &self,
        ctx: &Context<'_>,
        delivery_id: ID,
    ) -> Result<DeliveryGql> {
        let (_, svc) = admin(ctx)?;
        let id = app::fields::record_id(&delivery_id, "delivery")?;
        Ok(DeliveryGql(svc.redeliver(id).await?))
    }
}
