//! Push for live pages: one poll of the live event log per instance feeds
//! every open stream (no query per connection), and the Server-Sent Events
//! stream of one live article.
//!
//! - A stream subscribes to the hub first, then sends what the reader
//!   missed after its `Last-Event-ID` from the database, then the hub's
//!   events with a higher id: no gap, no duplicate.
//! - Events of an article that is not public when they are polled are
//!   never sent; a stream is opened only for a public live article.
//! - `retry:` first, a comment line as heartbeat every 15 s, the stream ends
//!   after an hour (the reader reconnects with its last id); caps on open
//!   streams per client address and in total answer 503 + `Retry-After`.
//! - Streams hold no request slot: the in-flight and database admission
//!   limits are released when the response head is sent.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web::Bytes;
use app::AppError;
use app::live::LiveService;
use domain::Author;
use domain::live::{LiveEvent, LiveEventKind, LivePost};
use serde_json::json;
use tokio::sync::{Notify, broadcast, watch};

use crate::rest::views::PostView;

/// Stream limits.
#[derive(Debug, Clone, Copy)]
pub struct StreamLimits {
    pub total: usize,
    pub per_client: usize,
    pub heartbeat: Duration,
    pub lifetime: Duration,
}

impl Default for StreamLimits {
    fn default() -> Self {
        Self {
            total: 10_000,
            per_client: 16,
            heartbeat: Duration::from_secs(15),
            lifetime: Duration::from_secs(3_600),
        }
    }
}

/// One event as the hub hands it to every stream: already rendered.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub id: i64,
    pub article_id: i64,
    /// The live page ended: the stream's last event.
    pub ended: bool,
    pub frame: Bytes,
}

/// The instance's fan-out point.
pub struct LiveHub {
    svc: LiveService,
    tx: broadcast::Sender<Arc<Rendered>>,
    wake: Arc<Notify>,
    open: AtomicUsize,
    per_client: Mutex<HashMap<String, usize>>,
    pub limits: StreamLimits,
    stop: watch::Sender<bool>,
}

impl std::fmt::Debug for LiveHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveHub")
            .field("open", &self.open.load(Ordering::Relaxed))
            .finish()
    }
}

/// An SSE frame: `id`, `event` and one `data` line of JSON.
pub fn frame(id: i64, event: &str, data: &serde_json::Value) -> Bytes {
    Bytes::from(format!("id: {id}\nevent: {event}\ndata: {data}\n\n"))
}

/// Renders one event, or `None` when there is nothing to send (the post
/// is gone since).
pub fn render(e: &LiveEvent, posts: &[LivePost], authors: &[Author]) -> Option<Bytes> {
    let data = match e.kind {
        LiveEventKind::Post | LiveEventKind::Update => {
            let post = posts.iter().find(|p| Some(p.id) == e.post_id)?;
            serde_json::to_value(PostView::new(post, authors)).ok()?
        }
        LiveEventKind::Delete => json!({
            "id": e.post_id.map(|i| i.to_string()),
            "articleId": e.article_id.to_string(),
        }),
        LiveEventKind::Ended => json!({ "articleId": e.article_id.to_string() }),
    };
    Some(frame(e.id, e.kind.as_str(), &data))
}

/// Renders a batch of events with one read of their posts and authors.
pub async fn render_all(
    svc: &LiveService,
    events: &[LiveEvent],
) -> Result<Vec<Rendered>, AppError> {
    let ids: Vec<i64> = events.iter().filter_map(|e| e.post_id).collect();
    let posts = svc.posts_by_ids(&ids).await?;
    let mut author_ids: Vec<i64> = posts.iter().filter_map(|p| p.author_id).collect();
    author_ids.sort_unstable();
    author_ids.dedup();
    let authors = svc.authors_by_ids(&author_ids).await?;
    Ok(events
        .iter()
        .filter_map(|e| {
            render(e, &posts, &authors).map(|frame| Rendered {
                id: e.id,
                article_id: e.article_id,
                ended: e.kind == LiveEventKind::Ended,
                frame,
            })
        })
        .collect())
}

/// A place in the stream caps, released when dropped.
pub struct Slot {
    hub: Arc<LiveHub>,
    client: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.hub.open.fetch_sub(1, Ordering::SeqCst);
        if let Ok(mut map) = self.hub.per_client.lock()
            && let Some(n) = map.get_mut(&self.client)
        {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.client);
            }
        }
    }
}

impl LiveHub {
    /// Starts the hub's poll: every `interval`, and at once when `wake`
    /// rings (a post written here).
    pub async fn start(
        svc: LiveService,
        interval: Duration,
        wake: Arc<Notify>,
        limits: StreamLimits,
    ) -> Result<Arc<Self>, AppError> {
        let (tx, _) = broadcast::channel(4096);
        let (stop, mut stopped) = watch::channel(false);
        let mut last = svc.last_event_id(None).await?;
        let hub = Arc::new(Self {
            svc,
            tx,
            wake,
            open: AtomicUsize::new(0),
            per_client: Mutex::new(HashMap::new()),
            limits,
            stop,
        });
        let weak = Arc::downgrade(&hub);
        tokio::spawn(async move {
            loop {
                let Some(hub) = weak.upgrade() else { break };
                match hub.poll(last).await {
                    Ok(n) => last = n,
                    Err(e) => e.log(),
                }
                let wake = hub.wake.clone();
                drop(hub);
                tokio::select! {
                    biased;
                    _ = stopped.wait_for(|s| *s) => break,
                    () = wake.notified() => {}
                    () = tokio::time::sleep(interval) => {}
                }
            }
        });
        Ok(hub)
    }

    /// Reads new events once and hands them to every stream; returns the
    /// new last id.
    async fn poll(&self, mut last: i64) -> Result<i64, AppError> {
        loop {
            let events = self.svc.poll(last, 500).await?;
            let Some(newest) = events.last().map(|e| e.id) else {
                return Ok(last);
            };
            let full = events.len() == 500;
            last = newest;
            tracing::debug!(
                events = events.len(),
                last,
                streams = self.tx.receiver_count(),
                "live events polled"
            );
            if self.tx.receiver_count() > 0 {
                // Only events of articles public now.
                let mut public: HashMap<i64, bool> = HashMap::new();
                for e in &events {
                    if let std::collections::hash_map::Entry::Vacant(v) = public.entry(e.article_id)
                    {
                        let visible =
                            match self.svc.content().article(&e.article_id.to_string()).await {
                                Ok(_) => true,
                                Err(AppError::NotFound(_)) => false,
                                Err(e) => return Err(e),
                            };
                        v.insert(visible);
                    }
                }
                let shown: Vec<LiveEvent> = events
                    .into_iter()
                    .filter(|e| public.get(&e.article_id).copied().unwrap_or(false))
                    .collect();
                for r in render_all(&self.svc, &shown).await? {
                    let _ = self.tx.send(Arc::new(r));
                }
            }
            if !full {
                return Ok(last);
            }
        }
    }

    /// Rings the hub (a post was written on this instance).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Rendered>> {
        self.tx.subscribe()
    }

    pub fn service(&self) -> &LiveService {
        &self.svc
    }

    /// Open streams.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// A place for one more stream of `client`, unless a cap is reached.
    pub fn admit(self: &Arc<Self>, client: &str) -> Option<Slot> {
        let mut map = self.per_client.lock().ok()?;
        let n = map.entry(client.to_owned()).or_insert(0);
        if *n >= self.limits.per_client {
            return None;
        }
        if self.open.fetch_add(1, Ordering::SeqCst) >= self.limits.total {
            self.open.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        *n += 1;
        Some(Slot {
            hub: self.clone(),
            client: client.to_owned(),
        })
    }

    /// Stops the poll and ends every open stream.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Turns true when the instance stops (streams end then).
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }
}
