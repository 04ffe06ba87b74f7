//! Admission to the database: load is shed before it queues on the pool.
//!
//! The in-flight limit (`limits.rs`) bounds how many requests the process
//! holds; it does not bound how long they wait for a database connection.
//! With 1,024 requests in flight and 16 connections, the requests beyond the
//! connections used to wait the pool's whole acquire deadline (5 s), and
//! were then answered 503 "database unavailable" and logged as a database
//! fault, although the database was healthy and only busy.
//!
//! Here a request that reaches the database floor (not answered by the
//! cache, not refused by the breaker, not a probe) first takes one of
//! `slots` admission slots: twice the database's read connections by
//! default, so a connection never idles while a request renders its answer.
//! Waiting is first come, first served, and bounded twice: in time by the
//! queue deadline (500 ms by default), and in length by
//! [`WAITING_PER_SLOT`] waiters a slot; a request that finds the queue full
//! is shed at once rather than after waiting the deadline for nothing. A
//! shed request is answered 503 `overloaded` with `Retry-After: 1`, counted
//! (`barta_overloaded_total{reason="queue"}`) and not logged as a fault, so
//! the requests that are admitted wait at most the deadline plus their own
//! work.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::http::error::unavailable;
use crate::http::metrics::{Shed, overloaded};

/// How long a request may wait for a database slot.
pub const DEFAULT_QUEUE_TIMEOUT: Duration = Duration::from_millis(500);

/// Admission slots per database read connection.
pub const SLOTS_PER_CONNECTION: usize = 2;

/// Requests that may wait for each slot. At a millisecond of database work
/// a request, 32 slots and 256 waiters are a wait of ~10 ms; a queue that
/// long with slow requests would outlast the deadline anyway.
pub const WAITING_PER_SLOT: usize = 8;

/// The database admission gate, shared by every worker.
#[derive(Debug)]
pub struct Admission {
    slots: Arc<Semaphore>,
    size: usize,
    deadline: Duration,
    waiting: AtomicUsize,
}

impl Admission {
    pub fn new(slots: usize, deadline: Duration) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(slots)),
            size: slots,
            deadline,
            waiting: AtomicUsize::new(0),
        }
    }

    /// A slot: at once, or after waiting in line within the deadline;
    /// `None` when the line is full or the deadline passes.
    pub async fn admit(&self) -> Option<OwnedSemaphorePermit> {
        match self.slots.clone().try_acquire_owned() {
            Ok(permit) => Some(permit),
            Err(_) if self.waiting.load(Ordering::Relaxed) >= self.size * WAITING_PER_SLOT => None,
            Err(_) => {
                let _waiting = Waiting::start(&self.waiting);
                tokio::time::timeout(self.deadline, self.slots.clone().acquire_owned())
                    .await
                    .ok()
                    .and_then(Result::ok)
            }
        }
    }

    /// Slots taken and requests waiting for one.
    pub fn load(&self) -> (usize, usize) {
        (
            self.size.saturating_sub(self.slots.available_permits()),
            self.waiting.load(Ordering::Relaxed),
        )
    }
}

/// Decrements the waiting count however the wait ends (the client may
/// hang up while it waits, dropping the future).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn start(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::Relaxed);
        Self(n)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Paths that never touch the database's request paths: the probes (an
/// orchestrator must see a busy instance as alive and ready), the metrics,
/// the OpenAPI document, the home page, the API reference and the assets.
fn exempt(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics" | "/openapi.json")
        || crate::http::assets::needs_no_database(path)
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let gate = match req.app_data::<web::Data<Admission>>() {
        Some(gate) if !exempt(req.path()) => gate.clone(),
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    let Some(permit) = gate.admit().await else {
        overloaded(Shed::Queue);
        tracing::debug!(
            deadline_ms = gate.deadline.as_millis() as u64,
            "no database slot in time; shed"
        );
        let detail = format!(
            "the service is at capacity: no database slot within {} ms; retry shortly",
            gate.deadline.as_millis()
        );
        let res = unavailable(req.path(), "overloaded", "OVERLOADED", detail, 1);
        return Ok(req.into_response(res));
    };
    let res = next.call(req).await;
    drop(permit);
    Ok(res?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With the line full, the next request is turned away at once, not
    /// after the (here very long) deadline.
    #[tokio::test]
    async fn a_full_line_sheds_at_once_and_a_free_slot_admits() {
        let gate = Arc::new(Admission::new(1, Duration::from_secs(600)));
        let held = gate.admit().await.expect("a free slot");
        let mut line = Vec::new();
        for _ in 0..WAITING_PER_SLOT {
            let gate = gate.clone();
            line.push(tokio::spawn(async move { gate.admit().await.is_some() }));
        }
        while gate.load().1 < WAITING_PER_SLOT {
            tokio::task::yield_now().await;
        }
        let refused = tokio::time::timeout(Duration::from_secs(5), gate.admit())
            .await
            .expect("no wait when the line is full");
        assert!(refused.is_none());
        drop(held);
        // The slot passes down the line, first come first served.
        for waiter in line {
            assert!(waiter.await.unwrap());
        }
        assert_eq!(gate.load(), (0, 0));
    }

    #[tokio::test]
    async fn waiting_is_counted_and_uncounted_when_the_wait_is_dropped() {
        let gate = Admission::new(1, Duration::from_secs(60));
        let held = gate.slots.clone().acquire_owned().await.unwrap();
        assert_eq!(gate.load(), (1, 0));
        {
            let _w = Waiting::start(&gate.waiting);
            assert_eq!(gate.load(), (1, 1));
        }
        assert_eq!(gate.load(), (1, 0));
        drop(held);
        assert_eq!(gate.load(), (0, 0));
    }
}
