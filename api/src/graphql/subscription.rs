//! GraphQL subscriptions (graphql-transport-ws and the older graphql-ws
//! over a WebSocket on `/graphql`): the same events as the SSE streams,
//! fed by the same hub broadcast (no query per subscriber), with the same
//! visibility rule, document limits and lifetime.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use app::AppError;
use app::stream::SiteEventKind;
use async_graphql::{Context, Enum, ID, Result, SimpleObject, Subscription};
use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast;

use super::live::LivePostGql;
use super::types::ArticleGql;
use crate::live::{LiveHub, Rendered, Told, render_all};

/// Most subscriptions one connection may hold at once.
pub const MAX_PER_CONNECTION: usize = 16;

/// What one connection holds: its place in the stream caps and its count
/// of open subscriptions.
pub struct Connection {
    pub hub: Arc<LiveHub>,
    pub _slot: crate::live::Slot,
    pub open: Arc<AtomicUsize>,
}

/// Releases a subscription's place in its connection when dropped.
struct Held(Arc<AtomicUsize>);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn connection<'a>(ctx: &Context<'a>) -> Result<(&'a Arc<LiveHub>, Held)> {
    let conn = ctx.data::<Connection>().map_err(|_| {
        AppError::invalid("subscription", "subscriptions are served over WebSocket")
    })?;
    if conn.open.fetch_add(1, Ordering::SeqCst) >= MAX_PER_CONNECTION {
        conn.open.fetch_sub(1, Ordering::SeqCst);
        return Err(AppError::TooManyRequests { retry_after: 5 }.into());
    }
    Ok((&conn.hub, Held(conn.open.clone())))
}

/// The broadcast as a stream; a subscriber too slow for the hub skips
/// what it lagged behind on.
fn items<T: Send + Sync + 'static>(
    rx: broadcast::Receiver<Arc<T>>,
) -> impl Stream<Item = Arc<T>> + Send {
    futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(item) => return Some((item, rx)),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
}

/// Ends a stream after the hub's lifetime or when the instance stops.
fn bounded<S: Stream + Send + 'static>(
    hub: &LiveHub,
    s: S,
) -> impl Stream<Item = S::Item> + Send + use<S> {
    let mut stopping = hub.stopping();
    let end = async move {
        let _ = stopping.wait_for(|s| *s).await;
    };
    let lifetime = tokio::time::sleep(hub.limits.lifetime);
    s.take_until(async move {
        tokio::select! {
            () = end => {}
            () = lifetime => {}
        }
    })
}

/// What happened on a live page.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum LivePostEventKind {
    Post,
    Update,
    Delete,
    Ended,
}

/// One event of a live page.
#[derive(SimpleObject)]
pub struct LivePostEvent {
    /// The event's cursor (`after:` resumes after it).
    cursor: String,
    kind: LivePostEventKind,
    /// The post as it is now (`POST`, `UPDATE`).
    post: Option<LivePostGql>,
    /// The post's id (`POST`, `UPDATE`, `DELETE`).
    post_id: Option<ID>,
}

impl From<&Rendered> for LivePostEvent {
    fn from(r: &Rendered) -> Self {
        use domain::live::LiveEventKind as K;
        Self {
            cursor: r.id.to_string(),
            kind: match r.kind {
                K::Post => LivePostEventKind::Post,
                K::Update => LivePostEventKind::Update,
                K::Delete => LivePostEventKind::Delete,
                K::Ended => LivePostEventKind::Ended,
            },
            post: r
                .post
                .as_ref()
                .map(|(p, a)| LivePostGql::new(p.clone(), a.clone())),
            post_id: r.post_id.map(|i| ID(i.to_string())),
        }
    }
}

pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Posts of a public live page as editors write, change and delete
    /// them, and its end (the last event). `after`: a cursor of an earlier
    /// event (or `Article.posts.lastEventId`) to get what was missed first.
    async fn live_posts(
        &self,
        ctx: &Context<'_>,
        article_id: ID,
        after: Option<String>,
    ) -> Result<impl Stream<Item = LivePostEvent> + use<>> {
        let (hub, held) = connection(ctx)?;
        let article = hub.service().content().article(article_id.as_str()).await?;
        if article.summary.kind != domain::ArticleKind::Live {
            return Err(AppError::not_found(format!(
                "article {:?} is not a live page",
                &*article_id
            ))
            .into());
        }
        let id = article.summary.id;
        // Subscribe before reading the position, so nothing falls between.
        let rx = hub.subscribe();
        let svc = hub.service().clone();
        let (mut last, backlog) = match after.as_deref().map(str::trim) {
            Some(raw) => {
                let from = raw.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                    AppError::invalid("after", "must be an event cursor of this page")
                })?;
                let (events, _) = svc.events_after(id, from, 500).await?;
                let last = events.last().map_or(from, |e| e.id);
                (last, render_all(&svc, &events).await?)
            }
            None => (svc.last_event_id(Some(id)).await?, Vec::new()),
        };
        let live = items(rx).filter_map(move |r| {
            let pass = r.article_id == id && r.id > last;
            if pass {
                last = r.id;
            }
            async move { pass.then_some(r) }
        });
        let all = futures_util::stream::iter(backlog.into_iter().map(Arc::new)).chain(live);
        // The page's end is its last event: the subscription completes
        // right after it.
        let events =
            futures_util::stream::unfold((all.boxed(), false), |(mut s, over)| async move {
                if over {
                    return None;
                }
                let r = s.next().await?;
                let over = r.ended;
                Some((r, (s, over)))
            })
            .map(move |r| {
                let _held = &held;
                LivePostEvent::from(r.as_ref())
            });
        Ok(bounded(hub, events))
    }

    /// Articles as they become public (published, or their scheduled or
    /// embargoed time came), of some sections (slugs, each with its
    /// sub-sections) or all.
    async fn article_published(
        &self,
        ctx: &Context<'_>,
        sections: Option<Vec<String>>,
    ) -> Result<impl Stream<Item = ArticleGql> + use<>> {
        site(ctx, SiteEventKind::Published, sections).await
    }

    /// Public articles as they are flagged breaking news.
    async fn breaking(
        &self,
        ctx: &Context<'_>,
        sections: Option<Vec<String>>,
    ) -> Result<impl Stream<Item = ArticleGql> + use<>> {
        site(ctx, SiteEventKind::Breaking, sections).await
    }
}

async fn site(
    ctx: &Context<'_>,
    kind: SiteEventKind,
    sections: Option<Vec<String>>,
) -> Result<impl Stream<Item = ArticleGql> + use<>> {
    let (hub, held) = connection(ctx)?;
    let filter: Option<HashSet<i64>> = hub
        .stream()
        .sections(sections.map(|s| s.join(",")).as_deref())
        .await?;
    let (rx, high) = hub.subscribe_site();
    let events = items::<Told>(rx).filter_map(move |told| {
        let pass = told.event.kind == kind
            && (told.late || high.is_none_or(|h| told.event.key > h))
            && told.event.in_sections(filter.as_ref());
        let _held = &held;
        async move { pass.then(|| ArticleGql::from_article((*told.event.article).clone())) }
    });
    Ok(bounded(hub, events))
}
