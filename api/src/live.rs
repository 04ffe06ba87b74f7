//! Push: one poll per instance of the live pages' event log and of the
//! site's events (new public articles, breaking flags) feeds every open
//! stream, SSE or GraphQL subscription (no query per connection).
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

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web::Bytes;
use app::AppError;
use app::live::LiveService;
use app::stream::{EventKey, SiteEvent, StreamService};
use domain::Author;
use domain::live::{LiveEvent, LiveEventKind, LivePost};
use serde_json::json;
use tokio::sync::{Notify, broadcast, watch};

use crate::rest::views::{ArticleSummaryView, PostView};

/// How far back each poll of the site's events looks again, so an event
/// whose transaction committed late (after a newer one was read) is still
/// told. Writes are short: a second is ample.
const OVERLAP: chrono::Duration = chrono::Duration::seconds(2);

/// The first key of the window a poll looks back over from `high`.
fn window_start(high: EventKey) -> EventKey {
    EventKey {
        at: high.at - OVERLAP,
        id: 0,
    }
}

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
    pub kind: LiveEventKind,
    /// The live page ended: the stream's last event.
    pub ended: bool,
    /// The post of a `post` or `update` event, with its author.
    pub post: Option<(LivePost, Option<Author>)>,
    /// The post id of a `delete`.
    pub post_id: Option<i64>,
    pub frame: Bytes,
}

/// One site event as the hub hands it to every stream.
#[derive(Debug, Clone)]
pub struct Told {
    pub event: SiteEvent,
    /// Older than an event told before it (a late commit): streams that
    /// are past its key still pass it on.
    pub late: bool,
    /// The SSE frame (`id`, `event`, the article as the lists show it).
    pub frame: Bytes,
}

/// The instance's fan-out point.
pub struct LiveHub {
    svc: LiveService,
    stream: StreamService,
    tx: broadcast::Sender<Arc<Rendered>>,
    site_tx: broadcast::Sender<Arc<Told>>,
    /// The newest site event key read: where a stream without
    /// `Last-Event-ID` starts.
    site_high: Mutex<Option<EventKey>>,
    wake: Arc<Notify>,
    open: AtomicUsize,
    per_client: Mutex<HashMap<String, usize>>,
    pub limits: StreamLimits,
    stop: watch::Sender<bool>,
    /// Closed when the poll task has ended.
    done: watch::Receiver<()>,
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
pub fn render(e: &LiveEvent, posts: &[LivePost], authors: &[Author]) -> Option<Rendered> {
    let mut post = None;
    let data = match e.kind {
        LiveEventKind::Post | LiveEventKind::Update => {
            let p = posts.iter().find(|p| Some(p.id) == e.post_id)?;
            let author = p
                .author_id
                .and_then(|id| authors.iter().find(|a| a.id == id).cloned());
            post = Some((p.clone(), author));
            serde_json::to_value(PostView::new(p, authors)).ok()?
        }
        LiveEventKind::Delete => json!({
            "id": e.post_id.map(|i| i.to_string()),
            "articleId": e.article_id.to_string(),
        }),
        LiveEventKind::Ended => json!({ "articleId": e.article_id.to_string() }),
    };
    Some(Rendered {
        id: e.id,
        article_id: e.article_id,
        kind: e.kind,
        ended: e.kind == LiveEventKind::Ended,
        post,
        post_id: e.post_id,
        frame: frame(e.id, e.kind.as_str(), &data),
    })
}

/// Renders site events with one read of their sections, authors and tags.
pub async fn render_site(
    stream: &StreamService,
    events: Vec<SiteEvent>,
    high: Option<EventKey>,
) -> Result<Vec<Told>, AppError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let refs = stream
        .content()
        .refs_of(events.iter().map(|e| &e.article.summary))
        .await?;
    Ok(events
        .into_iter()
        .filter_map(|event| {
            let data = serde_json::to_value(ArticleSummaryView::new(&event.article.summary, &refs))
                .ok()?;
            let frame = Bytes::from(format!(
                "id: {}\nevent: {}\ndata: {data}\n\n",
                event.key,
                event.kind.as_str()
            ));
            Some(Told {
                late: high.is_some_and(|h| event.key < h),
                event,
                frame,
            })
        })
        .collect())
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
        .filter_map(|e| render(e, &posts, &authors))
        .collect())
}

/// Where the site poll stands: the newest key read, and the keys read in
/// the overlap window (told already).
struct SiteCursor {
    high: Option<EventKey>,
    recent: BTreeSet<EventKey>,
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
        let (site_tx, _) = broadcast::channel(1024);
        let (stop, mut stopped) = watch::channel(false);
        let (done_tx, done) = watch::channel(());
        let mut last = svc.last_event_id(None).await?;
        let stream = StreamService::new(svc.content().clone());
        let high = stream.latest().await?;
        let mut site = SiteCursor {
            high,
            recent: BTreeSet::new(),
        };
        // What is already due was told before this instance started: the
        // overlap window's rows count as told.
        if let Some(h) = high {
            let from = window_start(h);
            // Only their keys: nothing is told from them.
            let told = stream
                .events_skipping(Some(from), h.at, 10_000, |_| true)
                .await?;
            site.recent.extend(told.read);
        }
        let hub = Arc::new(Self {
            svc,
            stream,
            tx,
            site_tx,
            site_high: Mutex::new(site.high),
            wake,
            open: AtomicUsize::new(0),
            per_client: Mutex::new(HashMap::new()),
            limits,
            stop,
            done,
        });
        let weak = Arc::downgrade(&hub);
        tokio::spawn(async move {
            let _done = done_tx;
            loop {
                if *stopped.borrow() {
                    break;
                }
                let Some(hub) = weak.upgrade() else { break };
                match hub.poll(last).await {
                    Ok(n) => last = n,
                    Err(e) => e.log(),
                }
                if let Err(e) = hub.poll_site(&mut site).await {
                    e.log();
                }
                // A scheduled go-live is told at its instant, not at the
                // next poll.
                let nap = match hub.stream.next_due_in().await {
                    Ok(Some(due)) => due.min(interval) + Duration::from_millis(1),
                    Ok(None) => interval,
                    Err(e) => {
                        e.log();
                        interval
                    }
                };
                let wake = hub.wake.clone();
                drop(hub);
                tokio::select! {
                    biased;
                    _ = stopped.wait_for(|s| *s) => break,
                    () = wake.notified() => {}
                    () = tokio::time::sleep(nap) => {}
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

    /// Reads the site events due since the last poll (looking [`OVERLAP`]
    /// back for late commits) and hands the new ones to every stream.
    async fn poll_site(&self, cur: &mut SiteCursor) -> Result<(), AppError> {
        let now = self.stream.now();
        let mut from = None;
        if let Some(h) = cur.high {
            // A late commit lands in the overlap window, below the position:
            // the window is read again only when it holds more rows than
            // this hub read there (a bulk import's events share one instant,
            // and reading its hundred thousand keys every second kept an
            // idle server busy).
            let start = window_start(h);
            let read = cur.recent.range(start..=h).count() as u64;
            let unread = self.stream.count_due(start.at, h).await? != read;
            from = Some(if unread { start } else { h });
        }
        loop {
            // A re-read window's rows told already, and every row while
            // nobody listens, are read without loading their articles.
            let listening = self.site_tx.receiver_count() > 0;
            let mut batch = self
                .stream
                .events_skipping(from, now, 500, |k| !listening || cur.recent.contains(k))
                .await?;
            if !listening && self.site_tx.receiver_count() > 0 {
                // A reader subscribed during the read (its stream starts at
                // the last poll's position): read again with the articles.
                batch = self
                    .stream
                    .events_skipping(from, now, 500, |k| cur.recent.contains(k))
                    .await?;
            }
            let Some(last) = batch.read.last().copied() else {
                break;
            };
            // The rows told already were skipped: what is left is new.
            let high = cur.high;
            if self.site_tx.receiver_count() > 0 {
                for told in render_site(&self.stream, batch.events, high).await? {
                    let _ = self.site_tx.send(Arc::new(told));
                }
            }
            cur.recent.extend(batch.read.iter().copied());
            cur.high = cur.high.max(Some(last));
            from = Some(last);
            if !batch.full {
                break;
            }
        }
        if let Some(h) = cur.high {
            cur.recent = cur.recent.split_off(&window_start(h));
            if let Ok(mut high) = self.site_high.lock() {
                *high = Some(h);
            }
        }
        Ok(())
    }

    /// The site stream's service.
    pub fn stream(&self) -> &StreamService {
        &self.stream
    }

    /// Subscribes to the site events; returns the key a new stream starts
    /// after.
    pub fn subscribe_site(&self) -> (broadcast::Receiver<Arc<Told>>, Option<EventKey>) {
        let rx = self.site_tx.subscribe();
        let high = self.site_high.lock().ok().and_then(|h| *h);
        (rx, high)
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

    /// Subscribers of the hub's broadcasts (live pages and site events).
    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count() + self.site_tx.receiver_count()
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

    /// Stops the poll, waits until its last statement is done, and ends
    /// every open stream.
    pub async fn stop(&self) {
        let _ = self.stop.send(true);
        let mut done = self.done.clone();
        // An error: the task has ended (its sender is gone).
        while done.changed().await.is_ok() {}
    }

    /// Turns true when the instance stops (streams end then).
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }
}
