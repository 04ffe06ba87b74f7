//! The webhook dispatcher: one task per instance that turns due events into
//! deliveries, takes the lease of one webhook at a time and sends its
//! deliveries in order, signed the Standard Webhooks way.
//!
//! - **When**: at once after a write on this instance (the events port
//!   wakes it), at the instant a scheduled article goes live (it sleeps
//!   until the next due event), and every `interval` for what other
//!   instances wrote and for retries.
//! - **Exactly one sender per webhook** across instances (the lease), so a
//!   webhook's deliveries go out one at a time and in order: a delivery
//!   that is retried holds back the ones after it.
//! - **Safety**: no redirects; every connection goes through a resolver that
//!   refuses private, loopback, link-local and reserved addresses (checked
//!   on each new connection, so a name rebound after the webhook was saved
//!   is caught), IP-literal URLs are checked before sending; only a short
//!   excerpt of a response is kept.
//! - **Payload**: `{id, type, time, data}`, built at delivery time: an
//!   article is sent as the public API shows it (or as ninjs) only if it
//!   is public then; otherwise the delivery is skipped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::AppError;
use app::events::{Change, ContentEvents};
use app::webhooks::{WebhookService, refuse_addresses, sign};
use chrono::{DateTime, Utc};
use domain::webhook::{EventType, MAX_ATTEMPTS, event_stands, retry_after};
use persistence::{Attempt, AttemptNext, Delivery, Webhook};
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};

use crate::feeds::urls::Urls;
use crate::http::metrics;
use crate::rest::views::{ArticleView, CommentView};

/// How many webhooks one instance serves at once.
const PARALLEL: usize = 16;
/// Deliveries sent under one lease before it is given back.
const BATCH: u64 = 50;
/// How much of a response is kept.
const EXCERPT: usize = 256;
/// Finished deliveries and their events are kept this long.
const KEEP_DAYS: i64 = 30;

/// The dispatcher's settings.
#[derive(Debug, Clone)]
pub struct DispatchSettings {
    /// How often to look for work written elsewhere and for retries.
    pub interval: Duration,
    /// Per attempt: connect, send, and the answer's head.
    pub timeout: Duration,
}

/// A resolver that refuses private and other forbidden addresses, so the
/// address reqwest connects to is the one that was checked.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let ips: Vec<_> = addrs.iter().map(|a| a.ip()).collect();
            if let Some(why) = refuse_addresses(&ips) {
                return Err(format!("{host} {why}").into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Builds the HTTP client of the webhooks.
fn client(allow_private: bool, timeout: Duration) -> reqwest::Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent(concat!("Barta-Webhooks/", env!("CARGO_PKG_VERSION")))
        .pool_idle_timeout(Duration::from_secs(30));
    if !allow_private {
        b = b.dns_resolver(PublicOnly);
    }
    b.build()
}

/// The running dispatcher: wake it after a write, stop it before the
/// server stops.
#[derive(Clone)]
pub struct Dispatcher {
    stop: Arc<watch::Sender<bool>>,
    done: watch::Receiver<bool>,
}

impl Dispatcher {
    /// Starts the task; `wake` is the one the events port ([`Announcer`])
    /// rings.
    pub fn spawn(
        svc: WebhookService,
        urls: Urls,
        settings: DispatchSettings,
        wake: Arc<Notify>,
    ) -> anyhow::Result<Self> {
        let client = client(svc.allows_private(), settings.timeout)?;
        let owner = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        let (stop, mut stopped) = watch::channel(false);
        let (done_tx, done) = watch::channel(false);
        let worker = Worker {
            svc,
            client,
            urls: Arc::new(urls),
            owner: Arc::from(owner.as_str()),
        };
        let woken = wake.clone();
        tokio::spawn(async move {
            loop {
                let next = match worker.round(&stopped).await {
                    Ok(next) => next,
                    Err(e) => {
                        e.log();
                        None
                    }
                };
                // Sleep until the next due event, a wake-up, the interval,
                // or a stop.
                let mut wait = settings.interval;
                if let Some(next) = next {
                    let until = (next - worker.svc.now()).to_std().unwrap_or(Duration::ZERO);
                    wait = wait.min(until + Duration::from_millis(1));
                }
                tokio::select! {
                    biased;
                    _ = stopped.wait_for(|s| *s) => break,
                    () = woken.notified() => {}
                    () = tokio::time::sleep(wait) => {}
                }
            }
            let _ = done_tx.send(true);
        });
        Ok(Self {
            stop: Arc::new(stop),
            done,
        })
    }

    /// Stops the task: the attempt in flight finishes, its outcome is
    /// recorded and the leases are given back.
    pub async fn stop(&self) {
        let _ = self.stop.send(true);
        let mut done = self.done.clone();
        let _ = done.wait_for(|d| *d).await;
    }
}

/// Deletes old events and finished deliveries every hour (the first time
/// ten minutes after start, out of a starting server's way), on every
/// instance: with webhooks off everywhere nobody dispatches the outbox,
/// and it must not grow for ever.
pub fn spawn_pruner(svc: WebhookService, mut stopped: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let hour = Duration::from_secs(3_600);
        let first = tokio::time::Instant::now() + Duration::from_secs(600);
        let mut ticker = tokio::time::interval_at(first, hour);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                _ = stopped.wait_for(|stop| *stop) => break,
                _ = ticker.tick() => {}
            }
            if let Err(e) = svc.prune(chrono::Duration::days(KEEP_DAYS)).await {
                e.log();
            }
        }
    });
}

/// The events port as the API implements it: the response cache first,
/// then the webhooks (wake the dispatcher; record the `cache.purge` keys
/// of a write here, off the request path) and the live hub (an article
/// write, here or one another instance made, may add a post, end a live
/// page or be a site event: poll now).
pub struct Announcer {
    cache: Arc<dyn ContentEvents>,
    wake: Arc<Notify>,
    /// The live hub's (an article write may end a live page).
    live: Arc<Notify>,
    purges: tokio::sync::mpsc::UnboundedSender<Vec<String>>,
}

impl Announcer {
    /// The announcer and the task that records purge events once the
    /// service exists (`start_purges`).
    pub fn new(
        cache: Arc<dyn ContentEvents>,
        wake: Arc<Notify>,
        live: Arc<Notify>,
    ) -> (Self, PurgeQueue) {
        let (purges, rx) = tokio::sync::mpsc::unbounded_channel();
        (
            Self {
                cache,
                wake,
                live,
                purges,
            },
            PurgeQueue(rx),
        )
    }
}

/// The purge keys waiting to become `cache.purge` events.
pub struct PurgeQueue(tokio::sync::mpsc::UnboundedReceiver<Vec<String>>);

impl PurgeQueue {
    /// Records each write's keys as a `cache.purge` event (if a webhook
    /// listens) and wakes the dispatcher.
    pub fn start(mut self, svc: WebhookService, wake: Arc<Notify>) {
        tokio::spawn(async move {
            while let Some(keys) = self.0.recv().await {
                match svc.record_purge(&keys).await {
                    Ok(true) => wake.notify_one(),
                    Ok(false) => {}
                    Err(e) => e.log(),
                }
            }
        });
    }
}

impl ContentEvents for Announcer {
    fn changed(&self, change: Change) {
        let local_write = matches!(
            change,
            Change::Article { .. }
                | Change::Collection { .. }
                | Change::Comments { .. }
                | Change::Taxonomy(_)
        );
        if local_write {
            let keys = crate::http::keys::purged_by(&change);
            if !keys.is_empty() {
                let _ = self.purges.send(keys);
            }
            self.wake.notify_one();
        }
        // Another instance's article writes (learnt from the change log,
        // at once with Redis notices) are polled now too, not at the hub's
        // next interval.
        if matches!(
            change,
            Change::Article { .. } | Change::ArticlesElsewhere { .. }
        ) {
            self.live.notify_one();
        }
        self.cache.changed(change);
    }
}

#[derive(Clone)]
struct Worker {
    svc: WebhookService,
    client: reqwest::Client,
    urls: Arc<Urls>,
    owner: Arc<str>,
}

impl Worker {
    /// One round: fan out, then serve every webhook with work due. Returns
    /// when the next event falls due.
    async fn round(
        &self,
        stopped: &watch::Receiver<bool>,
    ) -> Result<Option<DateTime<Utc>>, AppError> {
        loop {
            let n = self.svc.fan_out().await?;
            if n > 0 {
                tracing::debug!(events = n, "webhook events fanned out");
            }
            if n < 500 {
                break;
            }
        }
        loop {
            if *stopped.borrow() {
                break;
            }
            let mut claimed = Vec::new();
            while claimed.len() < PARALLEL {
                match self.svc.claim(&self.owner).await? {
                    Some(h) => claimed.push(h),
                    None => break,
                }
            }
            if claimed.is_empty() {
                break;
            }
            tracing::debug!(webhooks = claimed.len(), "webhooks claimed");
            let runs = claimed.into_iter().map(|h| {
                let w = self.clone();
                let stopped = stopped.clone();
                async move {
                    let result = w.serve(&h, &stopped).await;
                    if let Err(e) = w.svc.release(h.id, &w.owner).await {
                        e.log();
                    }
                    result
                }
            });
            for r in futures_util::future::join_all(runs).await {
                if let Err(e) = r {
                    e.log();
                }
            }
        }
        let stats = self.svc.stats().await?;
        let age = stats
            .oldest_pending
            .map(|t| (self.svc.now() - t).num_seconds())
            .unwrap_or(0);
        metrics::webhook_queue(stats.pending, age);
        self.svc.next_due().await
    }

    /// Sends one webhook's due deliveries in order, under its lease.
    async fn serve(&self, h: &Webhook, stopped: &watch::Receiver<bool>) -> Result<(), AppError> {
        let started = Instant::now();
        for d in self.svc.pending(h.id, BATCH).await? {
            if *stopped.borrow()
                || started.elapsed() > LEASE / 2
                || d.next_attempt_at.is_some_and(|t| t > self.svc.now())
            {
                break;
            }
            let attempt = self.attempt(h, &d).await;
            let next = attempt.next;
            self.svc.record(&d, attempt).await?;
            if matches!(next, AttemptNext::RetryAt(_) | AttemptNext::GiveUp) {
                break;
            }
        }
        Ok(())
    }

    /// One attempt at one delivery.
    async fn attempt(&self, h: &Webhook, d: &Delivery) -> Attempt {
        let data = match self.payload(h, d).await {
            Ok(Some(data)) => data,
            Ok(None) => {
                metrics::webhook_attempt("skipped", None);
                return Attempt {
                    at: self.svc.now(),
                    response_status: None,
                    latency_ms: 0,
                    error: Some("not public at delivery time; nothing sent".into()),
                    response_excerpt: None,
                    next: AttemptNext::Skip,
                };
            }
            Err(e) => {
                e.log();
                return self.failed(
                    d,
                    None,
                    0,
                    format!("cannot build the payload: {}", e.code()),
                    None,
                );
            }
        };
        let body = json!({
            "id": format!("evt_{}", d.event.id),
            "type": d.event.kind.as_str(),
            "time": crate::http::wire::rfc3339(d.event.due_at),
            "data": data,
        })
        .to_string();
        let msg_id = format!("msg_{}", d.id);
        let timestamp = self.svc.now().timestamp();
        let signature = match sign(&h.secret, &msg_id, timestamp, body.as_bytes()) {
            Ok(s) => s,
            Err(e) => {
                e.log();
                return self.failed(d, None, 0, "cannot sign".into(), None);
            }
        };
        if let Err(why) = self.check_literal(&h.url) {
            return self.failed(d, None, 0, why, None);
        }
        let started = Instant::now();
        let sent = self
            .client
            .post(&h.url)
            .header("content-type", "application/json")
            .header("webhook-id", &msg_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        let mut response = match sent {
            Ok(r) => r,
            Err(e) => {
                let ms = elapsed_ms(started);
                return self.failed(d, None, ms, describe(&e), None);
            }
        };
        let status = response.status();
        let mut excerpt = Vec::new();
        while excerpt.len() < EXCERPT {
            match response.chunk().await {
                Ok(Some(chunk)) => excerpt.extend_from_slice(&chunk),
                _ => break,
            }
        }
        let ms = elapsed_ms(started);
        let excerpt = (!excerpt.is_empty())
            .then(|| String::from_utf8_lossy(&excerpt[..excerpt.len().min(EXCERPT)]).into_owned());
        if status.is_success() {
            metrics::webhook_attempt("delivered", Some(f64::from(ms) / 1000.0));
            Attempt {
                at: self.svc.now(),
                response_status: Some(i32::from(status.as_u16())),
                latency_ms: ms,
                error: None,
                response_excerpt: excerpt,
                next: AttemptNext::Delivered,
            }
        } else {
            self.failed(
                d,
                Some(i32::from(status.as_u16())),
                ms,
                format!("answered {status}"),
                excerpt,
            )
        }
    }

    /// A failed attempt: another try later, or the last one.
    fn failed(
        &self,
        d: &Delivery,
        response_status: Option<i32>,
        latency_ms: i32,
        error: String,
        response_excerpt: Option<String>,
    ) -> Attempt {
        let now = self.svc.now();
        let failed = u32::try_from(d.attempts).unwrap_or(0) + 1;
        let next = match retry_after(failed, jitter()) {
            Some(wait) if failed < MAX_ATTEMPTS => AttemptNext::RetryAt(now + wait),
            _ => AttemptNext::GiveUp,
        };
        let outcome = if next == AttemptNext::GiveUp {
            tracing::warn!(delivery = d.id, webhook = d.webhook_id, %error, "webhook gave up");
            "gave_up"
        } else {
            "retry"
        };
        metrics::webhook_attempt(outcome, Some(f64::from(latency_ms) / 1000.0));
        Attempt {
            at: now,
            response_status,
            latency_ms,
            error: Some(error),
            response_excerpt,
            next,
        }
    }

    /// An IP-literal URL does not go through the resolver: check it here.
    fn check_literal(&self, raw: &str) -> Result<(), String> {
        if self.svc.allows_private() {
            return Ok(());
        }
        let url = url_host(raw).ok_or_else(|| "not a valid URL".to_owned())?;
        match url {
            Some(ip) => match refuse_addresses(&[ip]) {
                Some(why) => Err(format!("refused: {why}")),
                None => Ok(()),
            },
            None => Ok(()),
        }
    }

    /// The `data` of a delivery, or `None` when there is nothing public to
    /// announce any more.
    async fn payload(&self, h: &Webhook, d: &Delivery) -> Result<Option<Value>, AppError> {
        let e = &d.event;
        let content = self.svc.content();
        if e.kind.carries_article() {
            let Some(id) = e.article_id else {
                return Ok(None);
            };
            let item = match content
                .article_with_refs(&id.to_string(), persistence::Links::Load, true)
                .await
            {
                Ok(item) => item,
                Err(AppError::NotFound(_)) => return Ok(None),
                Err(e) => return Err(e),
            };
            if !event_stands(e.kind, &item.article.state(), e.due_at, e.timed) {
                return Ok(None);
            }
            let article = if h.format == "ninjs" {
                let translations = content
                    .translations_by_ids(&[id])
                    .await?
                    .remove(&id)
                    .unwrap_or_default();
                serde_json::to_value(crate::feeds::ninjs::Ninjs::new(
                    &item.article,
                    &item.refs,
                    &self.urls,
                    &translations,
                ))
            } else {
                serde_json::to_value(ArticleView::new(&item.article, &item.refs, item.comments))
            }
            .map_err(|e| AppError::Internal(Box::new(e)))?;
            let mut data = json!({ "id": id.to_string(), "article": article });
            // Why an unchanged article is sent again (`translations`).
            if let Some(cause) = e.data.get("cause") {
                data["cause"] = cause.clone();
            }
            return Ok(Some(data));
        }
        Ok(Some(match e.kind {
            EventType::ArticleUnpublished => json!({
                "id": e.article_id.map(|i| i.to_string()),
                "reason": e.data.get("reason").cloned().unwrap_or(Value::Null),
            }),
            EventType::ArticleDeleted => json!({ "id": e.article_id.map(|i| i.to_string()) }),
            EventType::CollectionUpdated => e.data.clone(),
            EventType::CommentApproved => {
                let Some(comment_id) = e.subject.as_deref().and_then(|s| s.parse().ok()) else {
                    return Ok(None);
                };
                let Some(comment) = self.svc.approved_comment(comment_id).await? else {
                    return Ok(None);
                };
                json!({ "comment": CommentView::new(&comment) })
            }
            EventType::CachePurge => e.data.clone(),
            EventType::Ping => json!({ "webhookId": h.id.to_string(), "message": "ping" }),
            _ => return Ok(None),
        }))
    }
}

/// The lease a claim takes (`persistence`'s, one minute): a batch stops
/// at half of it.
const LEASE: Duration = Duration::from_secs(60);

/// `Some(Some(ip))` for an IP-literal host, `Some(None)` for a name,
/// `None` when the URL does not parse.
fn url_host(raw: &str) -> Option<Option<std::net::IpAddr>> {
    let url = reqwest::Url::parse(raw).ok()?;
    Some(match url.host()? {
        url::Host::Ipv4(ip) => Some(ip.into()),
        url::Host::Ipv6(ip) => Some(ip.into()),
        url::Host::Domain(_) => None,
    })
}

fn elapsed_ms(started: Instant) -> i32 {
    i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX)
}

/// What went wrong, without the URL (it may carry a token in its query).
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_redirect() {
        "redirected (not followed)"
    } else {
        "request failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    if cause.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {cause}")
    }
}

/// A number in `[0, 1)` to spread retries.
fn jitter() -> f64 {
    let mut b = [0u8; 4];
    if getrandom::fill(&mut b).is_err() {
        return 0.5;
    }
    f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0)
}
