//! Partner access: a `partner`-scope key (or higher) and its quotas, as two
//! token buckets per key (per minute and per day), refilled continuously.
//!
//! Buckets live in this process (a few bytes per key): with several
//! instances behind a load balancer each enforces the quota on its own
//! share of the traffic. Every partner response carries `RateLimit-Limit`,
//! `RateLimit-Remaining` and `RateLimit-Reset` (IETF httpapi draft) for the
//! bucket closest to running out, and `RateLimit-Policy` for both; a key
//! with an empty bucket gets 429 with `Retry-After`.

use app::AppError;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use chrono::{DateTime, Utc};
use domain::{ApiKey, Scope};

use crate::http::error::ApiError;
use app::content::ContentService;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    capacity: f64,
    tokens: f64,
    /// Tokens per second.
    rate: f64,
    at: DateTime<Utc>,
}

impl Bucket {
    fn new(capacity: u32, window_secs: f64, now: DateTime<Utc>) -> Self {
        let capacity = f64::from(capacity.max(1));
        Self {
            capacity,
            tokens: capacity,
            rate: capacity / window_secs,
            at: now,
        }
    }

    fn refill(&mut self, now: DateTime<Utc>) {
        let elapsed = (now - self.at)
            .num_microseconds()
            .unwrap_or(i64::MAX)
            .max(0) as f64
            / 1e6;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        if now > self.at {
            self.at = now;
        }
    }

    /// Seconds until `tokens` would be available.
    fn wait_for(&self, tokens: f64) -> u64 {
        let missing = (tokens - self.tokens).max(0.0);
        (missing / self.rate).ceil() as u64
    }
}

#[derive(Debug, Clone, Copy)]
struct Buckets {
    minute: Bucket,
    day: Bucket,
    quotas: (u32, u32),
}

/// The outcome of one request against a key's quotas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the reported bucket is full again.
    pub reset: u64,
    /// Seconds until a request would be allowed (0 when allowed).
    pub retry_after: u64,
    pub policy: String,
}

#[derive(Debug)]
pub struct Quotas {
    per_minute: u32,
    per_day: u32,
    buckets: Mutex<HashMap<i64, Buckets>>,
}

impl Quotas {
    /// Quotas for keys that have none of their own.
    pub fn new(per_minute: u32, per_day: u32) -> Self {
        Self {
            per_minute,
            per_day,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// [`Quotas::check`] in Redis, shared by every instance, so a partner
    /// gets the same allowance from one instance or many; `None` without
    /// Redis or while it is unavailable (then this instance's buckets
    /// decide).
    pub async fn check_shared(
        &self,
        shared: &app::shared::Shared,
        key: &ApiKey,
        now: DateTime<Utc>,
    ) -> Option<Decision> {
        let quotas = (
            key.quota_per_minute.unwrap_or(self.per_minute).max(1),
            key.quota_per_day.unwrap_or(self.per_day).max(1),
        );
        let used = shared.quota(key.id, quotas.0, quotas.1, now).await?;
        Some(decision_of(quotas, used))
    }

    /// Takes one token from both of `key`'s buckets, if both have one.
    pub fn check(&self, key: &ApiKey, now: DateTime<Utc>) -> Decision {
        let quotas = (
            key.quota_per_minute.unwrap_or(self.per_minute).max(1),
            key.quota_per_day.unwrap_or(self.per_day).max(1),
        );
        let mut map = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let b = map.entry(key.id).or_insert_with(|| Buckets {
            minute: Bucket::new(quotas.0, 60.0, now),
            day: Bucket::new(quotas.1, 86_400.0, now),
            quotas,
        });
        if b.quotas != quotas {
            // The key's quotas changed: start afresh with the new ones.
            *b = Buckets {
                minute: Bucket::new(quotas.0, 60.0, now),
                day: Bucket::new(quotas.1, 86_400.0, now),
                quotas,
            };
        }
        b.minute.refill(now);
        b.day.refill(now);
        let allowed = b.minute.tokens >= 1.0 && b.day.tokens >= 1.0;
        let retry_after = if allowed {
            0
        } else {
            b.minute.wait_for(1.0).max(b.day.wait_for(1.0)).max(1)
        };
        if allowed {
            b.minute.tokens -= 1.0;
            b.day.tokens -= 1.0;
        }
        // Report the bucket closer to running out.
        let (bucket, limit) = if b.day.tokens < b.minute.tokens {
            (b.day, quotas.1)
        } else {
            (b.minute, quotas.0)
        };
        Decision {
            allowed,
            limit,
            remaining: bucket.tokens.max(0.0).floor() as u32,
            reset: bucket.wait_for(bucket.capacity),
            retry_after,
            policy: format!("{};w=60, {};w=86400", quotas.0, quotas.1),
        }
    }
}

/// Runs a partner handler: authenticates the key (401/403 as on the
/// editorial API), applies its quotas (429) and puts the `RateLimit`
/// headers on whatever comes back, errors included.
pub async fn partner<F, Fut, E>(
    quotas: &Quotas,
    svc: &ContentService,
    req: &HttpRequest,
    handler: F,
) -> HttpResponse
where
    F: FnOnce(ApiKey) -> Fut,
    Fut: Future<Output = Result<HttpResponse, E>>,
    E: Into<ApiError>,
{
    let key = match crate::http::auth::require(svc, req, Scope::Partner).await {
        Ok(key) => key,
        Err(e) => return ApiError::from(e).error_response(),
    };
    let decision = match quotas.check_shared(svc.shared(), &key, svc.now()).await {
        Some(d) => d,
        None => quotas.check(&key, svc.now()),
    };
    let mut res = if decision.allowed {
        match handler(key).await {
            Ok(res) => res,
            Err(e) => e.into().error_response(),
        }
    } else {
        tracing::warn!(key_id = key.id, "partner quota exceeded");
        ApiError::from(AppError::TooManyRequests {
            retry_after: decision.retry_after,
        })
        .error_response()
    };
    let headers = res.headers_mut();
    for (name, value) in [
        ("ratelimit-limit", decision.limit.to_string()),
        ("ratelimit-remaining", decision.remaining.to_string()),
        ("ratelimit-reset", decision.reset.to_string()),
        ("ratelimit-policy", decision.policy.clone()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
    res
}

/// The decision for what Redis holds: a bucket's debt (µs until full)
/// over its emission interval is the tokens it lacks.
fn decision_of(quotas: (u32, u32), used: app::shared::QuotaUse) -> Decision {
    let bucket = |limit: u32, window: f64, debt_us: u64| {
        let capacity = f64::from(limit);
        let rate = capacity / window;
        Bucket {
            capacity,
            tokens: (capacity - debt_us as f64 / 1e6 * rate).max(0.0),
            rate,
            at: DateTime::<Utc>::UNIX_EPOCH,
        }
    };
    let minute = bucket(quotas.0, 60.0, used.minute_debt_us);
    let day = bucket(quotas.1, 86_400.0, used.day_debt_us);
    let retry_after = if used.allowed {
        0
    } else {
        minute.wait_for(1.0).max(day.wait_for(1.0)).max(1)
    };
    let (b, limit) = if day.tokens < minute.tokens {
        (day, quotas.1)
    } else {
        (minute, quotas.0)
    };
    Decision {
        allowed: used.allowed,
        limit,
        // Tokens are whole requests; a fraction left by float rounding
        // is not one.
        remaining: (b.tokens + 1e-6).floor().max(0.0) as u32,
        reset: b.wait_for(b.capacity),
        retry_after,
        policy: format!("{};w=60, {};w=86400", quotas.0, quotas.1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn key(per_minute: Option<u32>, per_day: Option<u32>) -> ApiKey {
        ApiKey {
            id: 1,
            name: "p".into(),
            scope: Scope::Partner,
            prefix: "barta_x".into(),
            created_at: Utc::now(),
            revoked_at: None,
            quota_per_minute: per_minute,
            quota_per_day: per_day,
        }
    }

    #[test]
    fn a_bucket_empties_then_refills_with_time() {
        let q = Quotas::new(60, 10_000);
        let k = key(Some(3), None);
        let t = Utc::now();
        let d: Vec<Decision> = (0..4).map(|_| q.check(&k, t)).collect();
        assert!(d[..3].iter().all(|d| d.allowed));
        assert_eq!(
            d.iter().map(|d| d.remaining).collect::<Vec<_>>(),
            [2, 1, 0, 0]
        );
        assert_eq!(d[0].limit, 3);
        assert!(!d[3].allowed);
        assert_eq!(d[3].retry_after, 20, "one token every 20 s");
        assert_eq!(d[3].reset, 60);
        assert_eq!(d[3].policy, "3;w=60, 10000;w=86400");
        assert!(q.check(&k, t + Duration::seconds(20)).allowed);
        assert!(!q.check(&k, t + Duration::seconds(21)).allowed);
    }

    #[test]
    fn the_daily_quota_binds_when_it_is_the_smaller() {
        let q = Quotas::new(60, 10_000);
        let k = key(Some(100), Some(2));
        let t = Utc::now();
        assert!(q.check(&k, t).allowed);
        let d = q.check(&k, t);
        assert!(d.allowed);
        assert_eq!((d.limit, d.remaining), (2, 0));
        let d = q.check(&k, t + Duration::seconds(60));
        assert!(!d.allowed);
        assert!(d.retry_after > 3600, "{d:?}");
    }
}
