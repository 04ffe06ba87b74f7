//! HTTP caching for every public GET: strong ETags and 304s, Cache-Control
//! per route class, surrogate keys for CDN purges, and an in-process
//! response cache invalidated by writes.
//!
//! Rules:
//! - Only anonymous GET/HEAD requests to public routes are cached; anything
//!   under `/v1/admin`, or sent with `Authorization`, is `private, no-store`.
//! - Handlers name what a response contains (`article-12 section-sports
//!   list-latest …`) with [`keys`]; those names go out as `Surrogate-Key`
//!   and `Cache-Tag` and drive invalidation: a write to article 12 drops
//!   every cached list and every response naming `article-12`.
//! - Writes in this instance invalidate at once; writes in other instances
//!   and scheduled transitions arrive through the change-log poller (the
//!   bound is its interval, 1 s by default). No entry outlives the next
//!   scheduled transition (go-live, embargo end, breaking flag end).
//! - Every purge is logged with its keys and, when `BARTA_PURGE_URL` is set,
//!   POSTed there (`{"surrogateKeys": […]}`) in the background with retries.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;

use app::content::ContentService;
use app::events::{Change, ContentEvents};

use crate::http::keys;

/// What a response holds, for invalidation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One entity (an article page): dropped when that entity changes.
    Item,
    /// A list or anything computed from many articles: dropped on any
    /// article write.
    List,
}

/// Surrogate keys a handler attaches to its response.
#[derive(Debug, Clone)]
pub struct Keys {
    pub kind: Kind,
    pub keys: Vec<String>,
}

/// Attaches surrogate keys to a response.
pub fn keys(mut res: HttpResponse, kind: Kind, keys: Vec<String>) -> HttpResponse {
    res.extensions_mut().insert(Keys { kind, keys });
    res
}

/// Cache lifetimes per route class (seconds).
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub max_age: u32,
    pub lists_max_age: u32,
    pub fast_max_age: u32,
    pub stale_while_revalidate: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_age: 60,
            lists_max_age: 60,
            fast_max_age: 30,
            stale_while_revalidate: 300,
        }
    }
}

struct Entry {
    body: Bytes,
    content_type: Option<HeaderValue>,
    etag: HeaderValue,
    cache_control: HeaderValue,
    surrogate: Option<HeaderValue>,
    cache_tag: Option<HeaderValue>,
    vary: Option<HeaderValue>,
    kind: Kind,
    keys: Vec<String>,
    /// Microseconds since the epoch (the service clock).
    valid_until: i64,
}

/// The in-process response cache and the purge hook.
pub struct ResponseCache {
    entries: moka::sync::Cache<String, Arc<Entry>>,
    enabled: bool,
    policy: Policy,
    next_transition: AtomicI64,
    purge: Option<tokio::sync::mpsc::UnboundedSender<Vec<String>>>,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache")
            .field("enabled", &self.enabled)
            .finish()
    }
}

impl ResponseCache {
    /// `enabled: false` keeps ETags and headers but stores nothing.
    pub fn new(enabled: bool, policy: Policy, purge_url: Option<String>) -> Self {
        let purge = purge_url.map(spawn_purger);
        Self {
            entries: moka::sync::Cache::builder()
                .max_capacity(256 * 1024 * 1024)
                .weigher(|k: &String, v: &Arc<Entry>| {
                    u32::try_from(k.len() + v.body.len() + 256).unwrap_or(u32::MAX)
                })
                .time_to_live(Duration::from_secs(u64::from(
                    policy.max_age.max(policy.lists_max_age),
                )))
                .support_invalidation_closures()
                .build(),
            enabled,
            policy,
            next_transition: AtomicI64::new(i64::MAX),
            purge,
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The next instant at which some article changes visibility by itself.
    pub fn set_next_transition(&self, at: Option<chrono::DateTime<chrono::Utc>>) {
        self.next_transition.store(
            at.map(|t| t.timestamp_micros()).unwrap_or(i64::MAX),
            Ordering::SeqCst,
        );
    }

    /// Drops every cached list and every response naming one of these
    /// articles, and sends the keys to the purge hook.
    pub fn articles_changed(&self, ids: &[i64], purge_keys: Vec<String>) {
        if ids.is_empty() && purge_keys.is_empty() {
            return;
        }
        let names: HashSet<String> = ids.iter().map(keys::article).collect();
        if self
            .entries
            .invalidate_entries_if(move |_, e| {
                e.kind == Kind::List || e.keys.iter().any(|k| names.contains(k))
            })
            .is_err()
        {
            self.entries.invalidate_all();
        }
        self.purge(purge_keys);
    }

    /// Invalidation for writes another instance made (learnt from the change
    /// log): local only, that instance has sent the purge.
    pub fn articles_changed_elsewhere(&self, ids: &[i64]) {
        self.articles_changed(ids, Vec::new());
    }

    /// Drops every cached list (a collection changed) and sends the keys to
    /// the purge hook.
    pub fn lists_changed(&self, purge_keys: Vec<String>) {
        if self
            .entries
            .invalidate_entries_if(|_, e| e.kind == Kind::List)
            .is_err()
        {
            self.entries.invalidate_all();
        }
        self.purge(purge_keys);
    }

    /// Drops everything (a section, tag or author changed).
    pub fn everything_changed(&self, purge_keys: Vec<String>) {
        self.entries.invalidate_all();
        self.purge(purge_keys);
    }

    fn purge(&self, keys: Vec<String>) {
        if keys.is_empty() {
            return;
        }
        tracing::info!(keys = %keys.join(" "), "purge");
        if let Some(tx) = &self.purge {
            let _ = tx.send(keys);
        }
    }

    fn max_age(&self, path: &str) -> u32 {
        if path.starts_with("/v1/search")
            || path.starts_with("/v1/most-read")
            || path.starts_with("/v1/front")
        {
            self.policy.fast_max_age
        } else if path.starts_with("/v1/articles/")
            && !path.ends_with("/more-from-section")
            && !path.ends_with("/related")
        {
            self.policy.max_age
        } else {
            self.policy.lists_max_age
        }
    }
}

/// The response cache hears of every change the services make or learn of.
impl ContentEvents for ResponseCache {
    fn changed(&self, change: Change) {
        let purge = keys::purged_by(&change);
        match change {
            Change::Article { id, versions, .. } => {
                let mut ids = versions;
                ids.push(id);
                self.articles_changed(&ids, purge)
            }
            Change::Comments { article_id } => self.articles_changed(&[article_id], purge),
            Change::ArticlesElsewhere { ids } => self.articles_changed_elsewhere(&ids),
            Change::Taxonomy(_) => self.everything_changed(purge),
            Change::Collection { .. } | Change::CollectionsElsewhere => self.lists_changed(purge),
            Change::NextTransition(at) => self.set_next_transition(at),
        }
    }
}

/// Sends purge requests to a CDN API in the background: three tries with
/// backoff, never blocking a write.
fn spawn_purger(url: String) -> tokio::sync::mpsc::UnboundedSender<Vec<String>> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Vec<String>>();
    tokio::spawn(async move {
        let client = match reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("purge hook disabled: {e}");
                return;
            }
        };
        while let Some(keys) = rx.recv().await {
            let body = serde_json::json!({ "surrogateKeys": keys });
            for attempt in 0..3u32 {
                match client.post(&url).json(&body).send().await {
                    Ok(r) if r.status().is_success() => break,
                    Ok(r) => {
                        tracing::warn!(status = r.status().as_u16(), attempt, "purge hook refused")
                    }
                    Err(e) => tracing::warn!(attempt, "purge hook failed: {e}"),
                }
                tokio::time::sleep(Duration::from_millis(500 * 2u64.pow(attempt))).await;
            }
        }
    });
    tx
}

/// The surrogate key of a response whose handler named none.
fn default_key(path: &str) -> String {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    match first {
        "graphql" => keys::GRAPHQL.to_owned(),
        "" => keys::ROOT.to_owned(),
        other => keys::list(other.trim_end_matches(".xml")),
    }
}

fn public_path(path: &str) -> bool {
    !(path.starts_with("/v1/admin")
        || path.starts_with("/v1/preview/")
        || path == "/healthz"
        || path == "/readyz"
        || path == "/metrics"
        || path.ends_with("/views"))
}

/// True when `If-None-Match` names this ETag (or `*`).
pub(crate) fn matches(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    inm.split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

fn respond(entry: &Entry, req_headers: &HeaderMap) -> HttpResponse {
    let not_modified = matches(req_headers, &entry.etag);
    let mut res = HttpResponse::build(if not_modified {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    });
    res.insert_header((header::ETAG, entry.etag.clone()))
        .insert_header((header::CACHE_CONTROL, entry.cache_control.clone()));
    if let Some(v) = &entry.surrogate {
        res.insert_header((HeaderName::from_static("surrogate-key"), v.clone()));
    }
    if let Some(v) = &entry.cache_tag {
        res.insert_header((HeaderName::from_static("cache-tag"), v.clone()));
    }
    if let Some(v) = &entry.vary {
        res.insert_header((header::VARY, v.clone()));
    }
    if not_modified {
        return res.finish();
    }
    if let Some(ct) = &entry.content_type {
        res.insert_header((header::CONTENT_TYPE, ct.clone()));
    }
    // A HEAD answer keeps the body: the HTTP/1 encoder writes its length
    // as GET's `Content-Length` and sends no bytes of it.
    res.body(entry.body.clone())
}

/// The caching middleware (`middleware::from_fn`).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let path = req.path().to_owned();
    let method = req.method().clone();
    let anonymous = !req.headers().contains_key(header::AUTHORIZATION);
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    // `/` answers HTML or JSON by `Accept`; it, the API reference and the
    // assets need no database: not worth a copy.
    let cacheable = (method == Method::GET || method == Method::HEAD)
        && !crate::http::assets::needs_no_database(&path)
        && public_path(&path)
        && anonymous
        && !wants_html;
    let (cache, svc) = match (
        req.app_data::<actix_web::web::Data<ResponseCache>>()
            .cloned(),
        req.app_data::<actix_web::web::Data<ContentService>>()
            .cloned(),
    ) {
        (Some(c), Some(s)) => (c, s),
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    if !cacheable {
        let mut res = next.call(req).await?.map_into_boxed_body();
        if !public_path(&path) || !anonymous {
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
        }
        return Ok(res);
    }
    let key = format!("{path}?{}", req.query_string());
    let now = svc.now().timestamp_micros();
    if cache.enabled
        && let Some(entry) = cache.entries.get(&key)
        && now < entry.valid_until
    {
        crate::http::metrics::cache_hit();
        let res = respond(&entry, req.headers());
        return Ok(req.into_response(res));
    }
    if cache.enabled {
        crate::http::metrics::cache_miss();
    }
    let res = next.call(req).await?;
    let uncacheable = res
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store") || v.contains("private"));
    if res.status() != StatusCode::OK || res.headers().contains_key(header::ETAG) || uncacheable {
        return Ok(res.map_into_boxed_body());
    }
    let (request, response) = res.into_parts();
    let keys = response.extensions().get::<Keys>().cloned();
    let (head, body) = response.into_parts();
    let body = match actix_web::body::to_bytes(body).await {
        Ok(b) => b,
        Err(_) => {
            return Ok(ServiceResponse::new(
                request,
                HttpResponse::InternalServerError().finish(),
            ));
        }
    };
    let etag = HeaderValue::from_str(&crate::http::conditional::etag(&body))
        .unwrap_or(HeaderValue::from_static("\"0\""));
    let max_age = cache.max_age(&path);
    let cache_control = head
        .headers()
        .get(header::CACHE_CONTROL)
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&format!(
                "public, max-age={max_age}, stale-while-revalidate={}",
                cache.policy.stale_while_revalidate
            ))
            .unwrap_or(HeaderValue::from_static("public, max-age=60"))
        });
    let (kind, key_list) = match keys {
        Some(k) => (k.kind, k.keys),
        // Responses that name nothing (GraphQL GET, feeds) are treated as
        // lists: any article write drops them.
        None => (Kind::List, vec![default_key(&path)]),
    };
    let vary = (path == "/graphql").then(|| HeaderValue::from_static("Accept"));
    let (surrogate, cache_tag) = keys::header_values(&key_list);
    let entry = Entry {
        content_type: head.headers().get(header::CONTENT_TYPE).cloned(),
        surrogate,
        cache_tag,
        body,
        etag,
        cache_control,
        vary,
        kind,
        keys: key_list,
        valid_until: (now + i64::from(max_age) * 1_000_000)
            .min(cache.next_transition.load(Ordering::SeqCst)),
    };
    let out = respond(&entry, request.headers());
    if cache.enabled {
        cache.entries.insert(key, Arc::new(entry));
    }
    Ok(ServiceResponse::new(request, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_accepts_lists_weak_forms_and_star() {
        let etag = HeaderValue::from_static("\"abc\"");
        let mut h = HeaderMap::new();
        assert!(!matches(&h, &etag));
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"abc\""),
        );
        assert!(matches(&h, &etag));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(matches(&h, &etag));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"abd\""));
        assert!(!matches(&h, &etag));
    }

    #[test]
    fn admin_health_and_beacons_are_never_public() {
        assert!(!public_path("/v1/admin/articles"));
        assert!(!public_path("/readyz"));
        assert!(!public_path("/v1/articles/3/views"));
        assert!(public_path("/v1/articles/3"));
        assert!(public_path("/feeds/rss.xml"));
    }
}
