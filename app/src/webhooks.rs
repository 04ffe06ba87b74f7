//! Webhooks: the admin service (create, change, rotate, ping, redeliver),
//! the safety rules on where a webhook may point, the Standard Webhooks
//! signature, and the queue operations the dispatcher in `api` runs.
//!
//! The events themselves are written by the repository in the same
//! transaction as the change that raises them (see `persistence`), so this
//! service never has to be told about a write.

use std::net::IpAddr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use domain::text::clean_text;
use domain::webhook::{EventType, forbidden_address};
use domain::{ApiKey, Comment, ValidationError};
use hmac::{Hmac, KeyInit, Mac};
use persistence::{
    Attempt, Delivery, NewWebhook, QueueStats, Webhook, WebhookChange, WriteContext,
};

use crate::content::ContentService;
use crate::error::AppError;

/// The prefix of a signing secret (Standard Webhooks).
pub const SECRET_PREFIX: &str = "whsec_";
/// Longest webhook URL.
pub const URL_MAX: usize = 2_000;
/// Longest description.
pub const DESCRIPTION_MAX: usize = 500;
/// The payload formats of an article.
pub const FORMATS: [&str; 2] = ["public", "ninjs"];

/// What an admin sends to create or change a webhook; absent fields stay
/// as they are (on create: `active` true, `format` `public`).
#[derive(Debug, Clone, Default)]
pub struct WebhookInput {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub active: Option<bool>,
    /// `Some(None)` clears it.
    pub description: Option<Option<String>>,
    pub format: Option<String>,
}

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::Internal(format!("no randomness: {e}").into()))?;
    Ok(format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes)))
}

/// The Standard Webhooks signature of one message: `v1,` and the base64
/// HMAC-SHA256, keyed by the secret's decoded bytes, of
/// `{id}.{timestamp}.{body}`.
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &[u8]) -> Result<String, AppError> {
    let key = STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret))
        .map_err(|e| AppError::Internal(format!("webhook secret is not base64: {e}").into()))?;
    let mut mac = Hmac::<sha2_11::Sha256>::new_from_slice(&key)
        .map_err(|e| AppError::Internal(format!("webhook secret: {e}").into()))?;
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// Whether `url` may be a webhook's address as written: an absolute
/// http(s) URL with a host, no user name or password, no fragment.
fn parse_url(errors: &mut Vec<ValidationError>, raw: &str) -> Option<url::Url> {
    let raw = raw.trim();
    let bad = |errors: &mut Vec<ValidationError>, why: &str| {
        errors.push(ValidationError::new("url", why));
        None
    };
    if raw.is_empty() {
        return bad(errors, "is required");
    }
    if raw.chars().count() > URL_MAX {
        return bad(errors, "must be at most 2000 characters");
    }
    let Ok(url) = url::Url::parse(raw) else {
        return bad(errors, "must be an absolute http(s) URL");
    };
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return bad(errors, "must be an absolute http(s) URL");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return bad(
            errors,
            "must not carry a user name or password (the signature authenticates us)",
        );
    }
    if url.fragment().is_some() {
        return bad(errors, "must not have a fragment");
    }
    Some(url)
}

/// The addresses a URL's host stands for (the host itself when it is an
/// IP address).
pub async fn resolve(url: &url::Url) -> Result<Vec<IpAddr>, String> {
    let port = url.port_or_known_default().unwrap_or(443);
    match url.host() {
        Some(url::Host::Ipv4(ip)) => Ok(vec![IpAddr::V4(ip)]),
        Some(url::Host::Ipv6(ip)) => Ok(vec![IpAddr::V6(ip)]),
        Some(url::Host::Domain(name)) => tokio::net::lookup_host((name, port))
            .await
            .map(|addrs| addrs.map(|a| a.ip()).collect())
            .map_err(|e| format!("cannot resolve {name}: {e}")),
        None => Err("no host".into()),
    }
}

/// Why these addresses may not be called, if they may not: any one of
/// them private, loopback, link-local or the like (a name that resolves
/// to a public and a private address would let a rebinding pick either).
pub fn refuse_addresses(addrs: &[IpAddr]) -> Option<String> {
    if addrs.is_empty() {
        return Some("the host has no address".into());
    }
    addrs
        .iter()
        .find(|ip| forbidden_address(**ip))
        .map(|ip| format!("resolves to {ip}, a private, loopback, link-local or reserved address"))
}

fn parse_events(errors: &mut Vec<ValidationError>, raw: &[String]) -> Vec<EventType> {
    let mut out = Vec::new();
    if raw.is_empty() {
        errors.push(ValidationError::new(
            "events",
            "must name at least one event",
        ));
    }
    for (i, name) in raw.iter().enumerate() {
        match EventType::parse(name.trim()).filter(|e| *e != EventType::Ping) {
            Some(e) if !out.contains(&e) => out.push(e),
            Some(_) => {}
            None => errors.push(ValidationError::new(
                format!("events[{i}]"),
                format!(
                    "unknown event {name:?}; one of {}",
                    EventType::SUBSCRIBABLE.map(|e| e.as_str()).join(", ")
                ),
            )),
        }
    }
    out.sort();
    out
}

/// The webhook service.
#[derive(Clone, Debug)]
pub struct WebhookService {
    svc: ContentService,
    allow_private: bool,
}

fn ctx(key: &ApiKey, now: DateTime<Utc>) -> WriteContext {
    WriteContext {
        actor: Some(key.id),
        now,
    }
}

fn missing(id: i64) -> AppError {
    AppError::not_found(format!("no webhook {id}"))
}

impl WebhookService {
    /// `allow_private` lets webhooks point at private and loopback
    /// addresses (`BARTA_WEBHOOK_ALLOW_PRIVATE`; tests and closed networks).
    pub fn new(svc: ContentService, allow_private: bool) -> Self {
        Self { svc, allow_private }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.svc.now()
    }

    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    pub fn content(&self) -> &ContentService {
        &self.svc
    }

    /// Checks an input; on create every required field must be there.
    async fn check(&self, input: &WebhookInput, creating: bool) -> Result<WebhookChange, AppError> {
        let mut errors = Vec::new();
        let mut change = WebhookChange::default();
        match (&input.url, creating) {
            (Some(raw), _) => {
                if let Some(url) = parse_url(&mut errors, raw) {
                    if !self.allow_private {
                        match resolve(&url).await {
                            Ok(addrs) => {
                                if let Some(why) = refuse_addresses(&addrs) {
                                    errors.push(ValidationError::new("url", why));
                                }
                            }
                            Err(why) => errors.push(ValidationError::new("url", why)),
                        }
                    }
                    change.url = Some(url.to_string());
                }
            }
            (None, true) => errors.push(ValidationError::new("url", "is required")),
            (None, false) => {}
        }
        match (&input.events, creating) {
            (Some(raw), _) => change.events = Some(parse_events(&mut errors, raw)),
            (None, true) => errors.push(ValidationError::new("events", "is required")),
            (None, false) => {}
        }
        change.active = input.active;
        if let Some(d) = &input.description {
            change.description = Some(match d.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(text) => match clean_text(text, false) {
                    Ok(t) if t.chars().count() <= DESCRIPTION_MAX => Some(t),
                    Ok(_) => {
                        errors.push(ValidationError::new(
                            "description",
                            "must be at most 500 characters",
                        ));
                        None
                    }
                    Err(e) => {
                        errors.push(ValidationError::new("description", e.to_string()));
                        None
                    }
                },
            });
        }
        if let Some(f) = &input.format {
            if FORMATS.contains(&f.as_str()) {
                change.format = Some(f.clone());
            } else {
                errors.push(ValidationError::new(
                    "format",
                    "must be \"public\" or \"ninjs\"",
                ));
            }
        }
        if errors.is_empty() {
            Ok(change)
        } else {
            Err(AppError::Unprocessable(errors))
        }
    }

    /// Creates a webhook with a new secret (the answer is the only time
    /// the secret is shown).
    pub async fn create(&self, key: &ApiKey, input: WebhookInput) -> Result<Webhook, AppError> {
        let change = self.check(&input, true).await?;
        let secret = new_secret()?;
        let (Some(url), Some(events)) = (change.url, change.events) else {
            return Err(AppError::invalid("url", "is required"));
        };
        Ok(self
            .svc
            .repo()
            .create_webhook(
                NewWebhook {
                    url: &url,
                    events: &events,
                    secret: &secret,
                    active: change.active.unwrap_or(true),
                    description: change.description.flatten(),
                    format: change.format.as_deref().unwrap_or("public"),
                },
                ctx(key, self.now()),
            )
            .await?)
    }

    pub async fn list(&self) -> Result<Vec<Webhook>, AppError> {
        Ok(self.svc.repo().webhooks().await?)
    }

    pub async fn get(&self, id: i64) -> Result<Webhook, AppError> {
        self.svc
            .repo()
            .webhook(id)
            .await?
            .ok_or_else(|| missing(id))
    }

    pub async fn update(
        &self,
        key: &ApiKey,
        id: i64,
        input: WebhookInput,
    ) -> Result<Webhook, AppError> {
        let change = self.check(&input, false).await?;
        self.svc
            .repo()
            .update_webhook(id, change, ctx(key, self.now()))
            .await
            .map_err(|e| map_missing(e, id))
    }

    pub async fn delete(&self, key: &ApiKey, id: i64) -> Result<(), AppError> {
        self.svc
            .repo()
            .delete_webhook(id, ctx(key, self.now()))
            .await
            .map_err(|e| map_missing(e, id))
    }

    /// A new secret; the old one stops signing at once.
    pub async fn rotate_secret(&self, key: &ApiKey, id: i64) -> Result<Webhook, AppError> {
        let secret = new_secret()?;
        self.svc
            .repo()
            .set_webhook_secret(id, &secret, ctx(key, self.now()))
            .await
            .map_err(|e| map_missing(e, id))
    }

    /// Queues a `webhook.ping` to the webhook (active or not).
    pub async fn ping(&self, id: i64) -> Result<Delivery, AppError> {
        let repo = self.svc.repo();
        let delivery = repo
            .enqueue_ping(id, self.now())
            .await
            .map_err(|e| map_missing(e, id))?;
        repo.webhook_delivery(delivery)
            .await?
            .ok_or_else(|| AppError::not_found(format!("no delivery {delivery}")))
    }

    /// A page of a webhook's deliveries, newest first.
    pub async fn deliveries(
        &self,
        id: i64,
        limit: u64,
        before: Option<i64>,
    ) -> Result<Vec<Delivery>, AppError> {
        self.get(id).await?;
        Ok(self
            .svc
            .repo()
            .webhook_deliveries(id, limit, before)
            .await?)
    }

    /// Sends a delivery again (same message id).
    pub async fn redeliver(&self, delivery_id: i64) -> Result<Delivery, AppError> {
        self.svc
            .repo()
            .redeliver(delivery_id, self.now())
            .await
            .map_err(|e| match e {
                persistence::RepoError::NotFound => {
                    AppError::not_found(format!("no delivery {delivery_id}"))
                }
                e => e.into(),
            })
    }

    // The dispatcher's side.

    /// Records a `cache.purge` event (when someone listens for it).
    pub async fn record_purge(&self, keys: &[String]) -> Result<bool, AppError> {
        Ok(self.svc.repo().record_purge_event(keys, self.now()).await?)
    }

    /// A comment that is approved, under an approved parent, on a public
    /// article (what a `comment.approved` delivery may carry).
    pub async fn approved_comment(&self, id: i64) -> Result<Option<Comment>, AppError> {
        let Some(c) = self.svc.repo().visible_comment_by_id(id).await? else {
            return Ok(None);
        };
        match self.svc.article(&c.article_id.to_string()).await {
            Ok(_) => Ok(Some(c)),
            Err(AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Turns due events into deliveries (see the repository).
    pub async fn fan_out(&self) -> Result<usize, AppError> {
        Ok(self
            .svc
            .repo()
            .fan_out_webhook_events(self.now(), 500)
            .await?)
    }

    /// The next instant an event falls due (a scheduled go-live).
    pub async fn next_due(&self) -> Result<Option<DateTime<Utc>>, AppError> {
        Ok(self.svc.repo().next_webhook_event_due().await?)
    }

    /// The lease of one webhook with work due, for this instance.
    pub async fn claim(&self, owner: &str) -> Result<Option<Webhook>, AppError> {
        Ok(self.svc.repo().claim_webhook(owner, self.now()).await?)
    }

    pub async fn release(&self, id: i64, owner: &str) -> Result<(), AppError> {
        Ok(self.svc.repo().release_webhook(id, owner).await?)
    }

    /// A webhook's pending deliveries in order.
    pub async fn pending(&self, id: i64, limit: u64) -> Result<Vec<Delivery>, AppError> {
        Ok(self.svc.repo().pending_deliveries(id, limit).await?)
    }

    pub async fn record(&self, delivery: &Delivery, attempt: Attempt) -> Result<(), AppError> {
        Ok(self.svc.repo().record_attempt(delivery, attempt).await?)
    }

    pub async fn stats(&self) -> Result<QueueStats, AppError> {
        Ok(self.svc.repo().webhook_queue_stats().await?)
    }

    /// Deletes events and finished deliveries older than `keep`.
    pub async fn prune(&self, keep: chrono::Duration) -> Result<u64, AppError> {
        Ok(self
            .svc
            .repo()
            .prune_webhook_events(self.now() - keep)
            .await?)
    }
}

fn map_missing(e: persistence::RepoError, id: i64) -> AppError {
    match e {
        persistence::RepoError::NotFound => missing(id),
        e => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_the_standard_webhooks_reference_does() {
        // The example of the Standard Webhooks specification.
        let sig = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn urls_must_be_plain_http_addresses() {
        for bad in [
            "",
            "ftp://example.com/x",
            "/relative",
            "https://user:pw@example.com/",
            "https://example.com/#frag",
            "mailto:a@example.com",
        ] {
            let mut errors = Vec::new();
            assert!(parse_url(&mut errors, bad).is_none(), "{bad}");
            assert_eq!(errors.len(), 1);
        }
        let mut errors = Vec::new();
        assert!(parse_url(&mut errors, "https://hooks.example.com/barta?x=1").is_some());
    }

    #[test]
    fn private_resolutions_are_refused() {
        assert!(refuse_addresses(&["127.0.0.1".parse().unwrap()]).is_some());
        assert!(
            refuse_addresses(&[
                "93.184.216.34".parse().unwrap(),
                "10.0.0.1".parse().unwrap()
            ])
            .is_some(),
            "one private address is enough"
        );
        assert!(refuse_addresses(&["93.184.216.34".parse().unwrap()]).is_none());
        assert!(refuse_addresses(&[]).is_some());
    }

    #[test]
    fn events_are_checked_one_by_one() {
        let mut errors = Vec::new();
        let got = parse_events(
            &mut errors,
            &[
                "article.updated".into(),
                "article.published".into(),
                "article.updated".into(),
                "nope".into(),
                "webhook.ping".into(),
            ],
        );
        assert_eq!(
            got,
            [EventType::ArticlePublished, EventType::ArticleUpdated]
        );
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["events[3]", "events[4]"]);
    }

    #[test]
    fn secrets_are_fresh_and_well_formed() {
        let a = new_secret().unwrap();
        let b = new_secret().unwrap();
        assert_ne!(a, b);
        let raw = STANDARD
            .decode(a.strip_prefix(SECRET_PREFIX).unwrap())
            .unwrap();
        assert_eq!(raw.len(), 32);
    }
}
