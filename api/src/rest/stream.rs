//! `GET /v1/stream`: the site's Server-Sent Events: new public articles
//! and breaking flags, optionally of some sections only.

use std::collections::HashSet;
use std::sync::Arc;

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use app::AppError;
use app::stream::{EventKey, SiteEvent, SiteEventKind, StreamService};
use serde::Deserialize;
use tokio::sync::mpsc;

use super::sse;
use crate::http::error::ApiError;
use crate::live::{LiveHub, Told, render_site};

/// How far back a reconnecting reader is caught up at most.
const CATCH_UP_WINDOW: chrono::Duration = chrono::Duration::hours(24);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct SiteStreamParams {
    /// Section slugs, comma-separated; each with its sub-sections (an
    /// article counts in its own section and its secondary ones).
    section: Option<String>,
    /// `published`, `breaking`, or both comma-separated (default both).
    #[param(pattern = "^(published|breaking)(,(published|breaking))*$")]
    events: Option<String>,
    /// Where to resume, for clients that cannot set `Last-Event-ID`.
    last_event_id: Option<String>,
}

fn kinds(raw: Option<&str>) -> Result<HashSet<SiteEventKind>, AppError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(SiteEventKind::ALL.into_iter().collect());
    };
    raw.split(',')
        .map(|name| {
            SiteEventKind::ALL
                .into_iter()
                .find(|k| k.as_str() == name.trim())
                .ok_or_else(|| AppError::invalid("events", "must be published, breaking or both"))
        })
        .collect()
}

/// Server-Sent Events of the whole site: `published` (an article became
/// public: published now, or its scheduled or embargoed time came) and
/// `breaking` (a public article was flagged as breaking news), each with
/// the article as the lists show it. Reconnect with `Last-Event-ID` (or
/// `?lastEventId=`) to get what was missed (up to a day back) first; a
/// `: heartbeat` comment every 15 s; `retry: 3000`; the stream ends after
/// an hour.
#[utoipa::path(
    get,
    path = "/v1/stream",
    tag = "live",
    params(
        ("Last-Event-ID" = Option<String>, Header, description = "The last event id received"),
        SiteStreamParams,
    ),
    responses(
        (status = 200, description = "An event stream", content_type = "text/event-stream", body = String),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn site_stream(
    req: HttpRequest,
    hub: web::Data<Arc<LiveHub>>,
    params: web::Query<SiteStreamParams>,
) -> Result<HttpResponse, ApiError> {
    let resume = sse::resume_id(&req, params.last_event_id.as_deref())
        .map(|raw| EventKey::parse("Last-Event-ID", &raw))
        .transpose()?;
    let kinds = kinds(params.events.as_deref())?;
    let sections = hub.stream().sections(params.section.as_deref()).await?;
    let slot = match sse::admit(&hub, &req) {
        Ok(slot) => slot,
        Err(refused) => return Ok(*refused),
    };
    // Subscribe before reading the position, so nothing falls between.
    let (sub, high) = hub.subscribe_site();
    let stream = hub.stream().clone();
    let last = match resume {
        Some(key) => {
            let oldest = EventKey {
                at: stream.now() - CATCH_UP_WINDOW,
                id: 0,
            };
            Some(key.max(oldest))
        }
        None => high,
    };
    let feed = SiteFeed {
        stream,
        kinds,
        sections,
        last,
        caught_up: HashSet::new(),
    };
    Ok(sse::open(
        hub.get_ref().clone(),
        slot,
        feed,
        sub,
        resume.is_some(),
    ))
}

/// The site's events one reader asked for.
struct SiteFeed {
    stream: StreamService,
    kinds: HashSet<SiteEventKind>,
    sections: Option<HashSet<i64>>,
    /// The newest key passed (sent or filtered out).
    last: Option<EventKey>,
    /// Keys the last catch-up sent: a late event the hub tells after it
    /// is not sent twice.
    caught_up: HashSet<EventKey>,
}

impl SiteFeed {
    fn wants(&self, e: &SiteEvent) -> bool {
        self.kinds.contains(&e.kind) && e.in_sections(self.sections.as_ref())
    }
}

impl sse::Feed for SiteFeed {
    type Item = Told;

    fn on(&mut self, told: &Told) -> sse::Step {
        let key = told.event.key;
        let newer = self.last.is_none_or(|l| key > l);
        if !(newer || told.late) || self.caught_up.contains(&key) {
            return sse::Step::Skip;
        }
        self.last = self.last.max(Some(key));
        if self.wants(&told.event) {
            sse::Step::Send(told.frame.clone())
        } else {
            sse::Step::Skip
        }
    }

    async fn catch_up(&mut self, tx: &mpsc::Sender<Bytes>) -> Result<bool, AppError> {
        self.caught_up.clear();
        let now = self.stream.now();
        loop {
            let batch = self.stream.events(self.last, now, 500).await?;
            let Some(read) = batch.read.last().copied() else {
                return Ok(true);
            };
            // Only what this reader wants is rendered.
            let wanted: Vec<SiteEvent> =
                batch.events.into_iter().filter(|e| self.wants(e)).collect();
            for told in render_site(&self.stream, wanted, None).await? {
                if tx.send(told.frame.clone()).await.is_err() {
                    return Ok(false);
                }
                self.caught_up.insert(told.event.key);
            }
            self.last = Some(read);
            if !batch.full {
                return Ok(true);
            }
        }
    }
}
