//! A circuit breaker in front of the database.
//!
//! When PostgreSQL goes away, every request would otherwise wait for the
//! pool's acquire timeout (5 s) before its 503. After the first request that
//! finds the database unreachable, the breaker opens: for `OPEN_FOR`,
//! requests that need the database are answered 503 at once (cached
//! responses are still served: the cache middleware runs first). Then one
//! request is let through as a trial; its success closes the breaker, its
//! failure opens it again. The probes and `/metrics` never pass through it,
//! and `/readyz` answers "not ready" at once while it is open.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::http::error::{DatabaseUnreachable, unavailable};

/// How long the breaker stays open before a trial request.
pub const OPEN_FOR: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct Breaker {
    start: Instant,
    /// Milliseconds since `start` until which the breaker is open; 0 when
    /// closed.
    open_until: AtomicU64,
    /// A trial request is under way (half-open).
    trial: AtomicBool,
}

/// What the breaker says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Closed: go ahead.
    Yes,
    /// Half-open: go ahead as the one trial request.
    Trial,
    /// Open: answer 503 without touching the database.
    No,
}

impl Default for Breaker {
    fn default() -> Self {
        Self::new()
    }
}

impl Breaker {
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            open_until: AtomicU64::new(0),
            trial: AtomicBool::new(false),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    pub fn is_open(&self) -> bool {
        let until = self.open_until.load(Ordering::Acquire);
        until != 0 && self.now_ms() < until
    }

    pub fn admit(&self) -> Admit {
        let until = self.open_until.load(Ordering::Acquire);
        if until == 0 {
            return Admit::Yes;
        }
        if self.now_ms() < until {
            return Admit::No;
        }
        match self
            .trial
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Admit::Trial,
            Err(_) => Admit::No,
        }
    }

    /// The database could not be reached: open (again).
    pub fn failed(&self) {
        let until = self.now_ms() + u64::try_from(OPEN_FOR.as_millis()).unwrap_or(1000);
        self.open_until.store(until, Ordering::Release);
        self.trial.store(false, Ordering::Release);
    }

    /// A request reached the database: close.
    pub fn succeeded(&self) {
        if self.open_until.load(Ordering::Acquire) != 0 {
            self.open_until.store(0, Ordering::Release);
            self.trial.store(false, Ordering::Release);
        }
    }

    /// A trial request ended without a verdict (e.g. it never touched the
    /// database): let the next one try.
    fn release_trial(&self) {
        self.trial.store(false, Ordering::Release);
    }
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(breaker) = req.app_data::<web::Data<Breaker>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let exempt = matches!(req.path(), "/healthz" | "/metrics" | "/openapi.json")
        || crate::http::assets::needs_no_database(req.path());
    let readiness = req.path() == "/readyz";
    let admit = if exempt { Admit::Yes } else { breaker.admit() };
    if admit == Admit::No {
        return Ok(refuse(req));
    }
    let res = next.call(req).await?;
    if !exempt {
        if res
            .response()
            .extensions()
            .get::<DatabaseUnreachable>()
            .is_some()
        {
            breaker.failed();
        } else if res.status().is_success()
            || res.status().is_redirection()
            || res.status() == actix_web::http::StatusCode::NOT_FOUND
            || readiness
        {
            breaker.succeeded();
        } else if admit == Admit::Trial {
            breaker.release_trial();
        }
    }
    Ok(res.map_into_boxed_body())
}

/// The fast 503: problem+json on REST and feeds, a GraphQL error on
/// `/graphql`; `Retry-After` is the time until the next trial.
/// Not logged: the request that opened the breaker logged the outage.
fn refuse(req: ServiceRequest) -> ServiceResponse<BoxBody> {
    let res = unavailable(
        req.path(),
        "unavailable",
        "SERVICE_UNAVAILABLE",
        "the service cannot reach its database; retry shortly".into(),
        OPEN_FOR.as_secs().max(1),
    );
    req.into_response(res).map_into_boxed_body()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_on_failure_admits_one_trial_and_closes_on_success() {
        let b = Breaker::new();
        assert_eq!(b.admit(), Admit::Yes);
        b.failed();
        assert!(b.is_open());
        assert_eq!(b.admit(), Admit::No);
        // Time passes: pretend the open period is over.
        b.open_until.store(1, Ordering::Release);
        assert_eq!(b.admit(), Admit::Trial);
        assert_eq!(b.admit(), Admit::No, "only one trial at a time");
        b.failed();
        assert_eq!(b.admit(), Admit::No);
        b.open_until.store(1, Ordering::Release);
        assert_eq!(b.admit(), Admit::Trial);
        b.succeeded();
        assert_eq!(b.admit(), Admit::Yes);
        assert!(!b.is_open());
    }
}
