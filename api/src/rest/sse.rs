//! What every Server-Sent Events stream shares: the caps, `Last-Event-ID`,
//! the response head, and the loop that passes the hub's events on with
//! heartbeats, a lifetime, and a catch-up when the reader fell behind.
//!
//! A stream subscribes to the hub first, then sends what the reader missed
//! (from the database), then the hub's newer events: no gap, no duplicate.

use std::future::Future;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use app::AppError;
use tokio::sync::{broadcast, mpsc};

use crate::live::{LiveHub, Slot};

/// What a stream does with one of the hub's events.
pub enum Step {
    Skip,
    Send(Bytes),
    /// Send it and end the stream (a live page ended).
    Last(Bytes),
}

/// One kind of stream: which of the hub's events it passes on, and how it
/// reads what a reader missed.
pub trait Feed: Send + 'static {
    type Item: Send + Sync + 'static;

    fn on(&mut self, item: &Self::Item) -> Step;

    /// Sends the events after the stream's position from the database;
    /// `false` when the stream is over (the reader left, or it ended).
    fn catch_up(
        &mut self,
        tx: &mpsc::Sender<Bytes>,
    ) -> impl Future<Output = Result<bool, AppError>> + Send;
}

/// The id a reconnecting reader sent: the `Last-Event-ID` header, or the
/// `lastEventId` query parameter for clients that cannot set headers.
pub fn resume_id(req: &HttpRequest, query: Option<&str>) -> Option<String> {
    req.headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or(query)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A place for one more stream of this client, or the 503 that says to
/// come back.
pub fn admit(hub: &Arc<LiveHub>, req: &HttpRequest) -> Result<Slot, Box<HttpResponse>> {
    let client = crate::http::client::address(req, false).unwrap_or_default();
    hub.admit(&client).ok_or_else(|| {
        crate::http::metrics::overloaded(crate::http::metrics::Shed::InFlight);
        Box::new(crate::http::error::unavailable(
            req.path(),
            "too_many_streams",
            "OVERLOADED",
            "too many open streams; retry shortly".into(),
            5,
        ))
    })
}

/// Starts the stream: `sub` must have been taken before the feed's
/// position was read. With `resume`, the catch-up runs first.
pub fn open<F: Feed>(
    hub: Arc<LiveHub>,
    slot: Slot,
    mut feed: F,
    sub: broadcast::Receiver<Arc<F::Item>>,
    resume: bool,
) -> HttpResponse {
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    tokio::spawn(async move {
        let _slot = slot;
        if let Err(e) = pump(&hub, &mut feed, sub, &tx, resume).await {
            e.log();
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, actix_web::Error>(b), rx))
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // Compression would hold events back; proxies must not buffer.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body)
}

async fn pump<F: Feed>(
    hub: &LiveHub,
    feed: &mut F,
    mut sub: broadcast::Receiver<Arc<F::Item>>,
    tx: &mpsc::Sender<Bytes>,
    resume: bool,
) -> Result<(), AppError> {
    if tx
        .send(Bytes::from_static(b"retry: 3000\n\n"))
        .await
        .is_err()
    {
        return Ok(());
    }
    if resume && !feed.catch_up(tx).await? {
        return Ok(());
    }
    let limits = hub.limits;
    let deadline = tokio::time::Instant::now() + limits.lifetime;
    let mut stopping = hub.stopping();
    let mut beat = tokio::time::interval_at(
        tokio::time::Instant::now() + limits.heartbeat,
        limits.heartbeat,
    );
    loop {
        let frame = tokio::select! {
            r = sub.recv() => match r {
                Ok(item) => match feed.on(&item) {
                    Step::Skip => continue,
                    Step::Send(frame) => frame,
                    Step::Last(frame) => {
                        let _ = tx.send(frame).await;
                        return Ok(());
                    }
                },
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Too slow for the hub: read what was missed instead.
                    if !feed.catch_up(tx).await? {
                        return Ok(());
                    }
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
            _ = beat.tick() => Bytes::from_static(b": heartbeat\n\n"),
            () = tokio::time::sleep_until(deadline) => return Ok(()),
            () = async {
                let _ = stopping.wait_for(|s| *s).await;
            } => return Ok(()),
            () = tx.closed() => return Ok(()),
        };
        if tx.send(frame).await.is_err() {
            return Ok(());
        }
    }
}
