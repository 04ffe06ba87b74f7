//! The partners' change feed: `GET /v1/changes?since=CURSOR&limit=`.
//!
//! It walks the change log in (effective time, id) order, so an article
//! that goes live at its scheduled instant appears at that instant, and
//! reports, for public content only:
//! - `upsert`: the article is public now; the entry carries its current
//!   ninjs document (one entry per article per page, at its last change);
//! - `tombstone` (id, time, reason): the change took a previously public
//!   article off the public surfaces (unpublished, deleted, embargoed).
//!
//! Changes to articles that were never public (drafts, schedules not yet
//! due) are skipped but still advance the cursor. Entries are served only
//! once they are [`crate::config::FeedSettings::change_settle`] old, so a
//! write whose transaction commits late cannot land behind a cursor a
//! partner already holds. The log is never pruned: any cursor ever handed
//! out stays valid.

use app::AppError;
use std::collections::{HashMap, HashSet};

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use domain::{Limit, ValidationError};
use persistence::Change;
use serde::{Deserialize, Serialize};

use super::FeedState;
use super::ninjs::Ninjs;
use super::quota::partner;
use crate::http::conditional as http;
use crate::http::error::ApiError;
use app::content::ContentService;

pub const DEFAULT_LIMIT: u64 = 100;
pub const MAX_LIMIT: u64 = 1000;

/// A position in the change log: after the row (effective time, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeCursor {
    pub at: DateTime<Utc>,
    pub id: i64,
}

impl ChangeCursor {
    const VERSION: &'static str = "c1";

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{}.{}.{}",
            Self::VERSION,
            self.at.timestamp_micros(),
            self.id
        ))
    }

    pub fn decode(s: &str) -> Result<Self, ValidationError> {
        let bad = || ValidationError::new("since", "is not a cursor from this change feed");
        if s.is_empty() || s.len() > 64 {
            return Err(bad());
        }
        let raw = URL_SAFE_NO_PAD.decode(s.trim()).map_err(|_| bad())?;
        let raw = String::from_utf8(raw).map_err(|_| bad())?;
        let mut parts = raw.split('.');
        let (Some(v), Some(ts), Some(id), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        if v != Self::VERSION {
            return Err(bad());
        }
        let micros: i64 = ts.parse().map_err(|_| bad())?;
        let at = DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(bad)?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        let year = chrono::Datelike::year(&at);
        if id < 0 || !(1000..=9999).contains(&year) {
            return Err(bad());
        }
        Ok(Self { at, id })
    }
}

/// Whether a change counts as visible: as recorded, or for rows older than
/// the record, guessed from the action.
fn visible(c: &Change) -> bool {
    c.visible.unwrap_or(!matches!(
        c.action.as_str(),
        "article.unpublish" | "article.delete"
    ))
}

/// A row dated in the future when it was written (a go-live, an embargo's
/// end) stands only if no later write came before its time: such a write
/// re-recorded whatever is still due.
fn superseded(row: &Change, history: &[Change]) -> bool {
    row.effective_at > row.recorded_at
        && history.iter().any(|g| {
            g.id > row.id && g.recorded_at > row.recorded_at && g.recorded_at <= row.effective_at
        })
}

/// True when `row` took the article down: it was public for some time
/// just before `row`'s instant, and is not from then on. An article public
/// for no time at all (created and removed in the same instant) was never
/// visible to anyone and leaves no tombstone. `history` holds the
/// article's rows in (effective time, id) order.
pub fn is_takedown(row: &Change, history: &[Change]) -> bool {
    if visible(row) || superseded(row, history) {
        return false;
    }
    history
        .iter()
        .rev()
        .find(|c| c.effective_at < row.effective_at && !superseded(c, history))
        .is_some_and(visible)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Opaque; resume after this entry (`cursor` of an entry or `page.nextCursor`).
    since: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000, default = 100)]
    limit: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Change)]
struct Entry {
    /// Resume after this entry.
    cursor: String,
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    time: String,
    /// The write or transition recorded (`article.create`,
    /// `article.update`, `article.publish` …, `golive`, `embargo-end`);
    /// `article.translations`: another version of its story changed, so
    /// its `associations` did.
    action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    article: Option<Ninjs>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ChangePage)]
struct Page {
    data: Vec<Entry>,
    page: PageInfo,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ChangePageInfo)]
struct PageInfo {
    /// Where to resume: after the last change examined (also when it was
    /// skipped). Absent only when the log is empty and no `since` was sent.
    next_cursor: Option<String>,
    /// True when the page is full: ask again at once.
    has_more: bool,
}

/// The partners' change feed: publications, updates and takedowns in the
/// order they took effect (partner).
#[utoipa::path(
    get,
    path = "/v1/changes",
    tag = "partners",
    params(ChangesQuery),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "A page of changes", body = Page,
            headers(("ETag" = String), ("RateLimit-Limit" = u64), ("RateLimit-Remaining" = u64), ("RateLimit-Reset" = u64), ("RateLimit-Policy" = String))),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 429, response = crate::openapi::responses::TooManyRequests),
    )
)]
pub async fn changes(
    st: web::Data<FeedState>,
    svc: web::Data<ContentService>,
    req: HttpRequest,
    q: web::Query<ChangesQuery>,
) -> HttpResponse {
    partner(st.quotas(), &svc, &req, |_| async {
        let mut errors = Vec::new();
        let limit = Limit::parse_in(q.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)
            .map_err(|e| errors.push(e))
            .ok();
        let since = domain::cursor::given(q.since.as_deref())
            .map(ChangeCursor::decode)
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let Some(limit) = limit.filter(|_| errors.is_empty()) else {
            return Err(AppError::Invalid(errors).into());
        };
        let page = page(&st, &svc, since, limit.get()).await?;
        let body = serde_json::to_vec(&page).map_err(|e| AppError::Internal(Box::new(e)))?;
        Ok::<_, ApiError>(http::respond(&req, http::JSON, http::PRIVATE, None, body))
    })
    .await
}

async fn page(
    st: &FeedState,
    svc: &ContentService,
    since: Option<ChangeCursor>,
    limit: u64,
) -> Result<Page, ApiError> {
    let now = svc.now();
    let until = now - st.settings().change_settle;
    let rows = svc
        .changes_by_effective_time(since.map(|c| (c.at, c.id)), until, limit)
        .await?;
    let has_more = rows.len() as u64 >= limit;
    let next_cursor = rows
        .last()
        .map(|r| ChangeCursor {
            at: r.effective_at,
            id: r.id,
        })
        .or(since)
        .map(|c| c.encode());
    let mut ids: Vec<i64> = rows.iter().map(|r| r.article_id).collect();
    ids.sort_unstable();
    ids.dedup();
    // Public now: their current state, once each.
    let articles = svc.articles_by_ids(&ids).await?;
    let summaries: Vec<domain::ArticleSummary> =
        articles.iter().map(|a| a.summary.clone()).collect();
    let refs = svc.refs(&summaries, svc.section_map().await?).await?;
    let translations = svc.translations_by_ids(&ids).await?;
    let mut public: HashMap<i64, Ninjs> = articles
        .iter()
        .map(|a| {
            let t = translations
                .get(&a.summary.id)
                .map_or(&[][..], Vec::as_slice);
            (a.summary.id, Ninjs::new(a, &refs, st.urls(), t))
        })
        .collect();
    // Not public now: were they ever? Their histories tell.
    let hidden: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| !public.contains_key(id))
        .collect();
    let mut histories: HashMap<i64, Vec<Change>> = HashMap::new();
    for c in svc.change_histories(&hidden, now).await? {
        histories.entry(c.article_id).or_default().push(c);
    }
    let takedowns: Vec<&Change> = rows
        .iter()
        .filter(|r| {
            histories
                .get(&r.article_id)
                .is_some_and(|h| is_takedown(r, h))
        })
        .collect();
    let mut reason_ids: Vec<i64> = takedowns.iter().map(|r| r.article_id).collect();
    reason_ids.dedup();
    let reasons = svc.takedown_reasons(&reason_ids, now).await?;
    let takedown_ids: HashSet<i64> = takedowns.iter().map(|r| r.id).collect();
    // Each public article once, at its last row in this page.
    let last_row: HashMap<i64, i64> = rows.iter().map(|r| (r.article_id, r.id)).collect();
    let mut data = Vec::new();
    for r in &rows {
        let cursor = ChangeCursor {
            at: r.effective_at,
            id: r.id,
        }
        .encode();
        let entry = |kind, reason, article| Entry {
            cursor: cursor.clone(),
            kind,
            id: r.article_id.to_string(),
            time: crate::http::wire::rfc3339(r.effective_at),
            action: r.action.clone(),
            reason,
            article,
        };
        if last_row.get(&r.article_id) == Some(&r.id)
            && let Some(doc) = public.remove(&r.article_id)
        {
            data.push(entry("upsert", None, Some(doc)));
        } else if takedown_ids.contains(&r.id) {
            let reason = reasons
                .get(&r.article_id)
                .cloned()
                .unwrap_or_else(|| "withdrawn".to_owned());
            data.push(entry("tombstone", Some(reason), None));
        }
    }
    Ok(Page {
        data,
        page: PageInfo {
            next_cursor,
            has_more,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    fn row(id: i64, action: &str, at: i64, recorded: i64, vis: bool) -> Change {
        Change {
            id,
            article_id: 1,
            action: action.into(),
            effective_at: t(at),
            recorded_at: t(recorded),
            visible: Some(vis),
        }
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_rejected() {
        let c = ChangeCursor { at: t(5), id: 42 };
        assert_eq!(ChangeCursor::decode(&c.encode()).unwrap(), c);
        for bad in [
            "",
            "!!",
            "abc",
            &"A".repeat(100),
            &URL_SAFE_NO_PAD.encode("c1.5"),
        ] {
            assert_eq!(
                ChangeCursor::decode(bad).unwrap_err().field,
                "since",
                "{bad}"
            );
        }
        let forged = URL_SAFE_NO_PAD.encode(format!("c1.{}.3", i64::MAX));
        assert!(ChangeCursor::decode(&forged).is_err());
        let negative = URL_SAFE_NO_PAD.encode(format!("c1.{}.-3", t(0).timestamp_micros()));
        assert!(ChangeCursor::decode(&negative).is_err());
    }

    #[test]
    fn a_takedown_follows_a_public_interval() {
        let h = vec![
            row(1, "article.create", 0, 0, true),
            row(2, "article.update", 10, 10, true),
            row(3, "article.unpublish", 20, 20, false),
            row(4, "article.update", 30, 30, false),
        ];
        let takedowns: Vec<i64> = h
            .iter()
            .filter(|r| is_takedown(r, &h))
            .map(|r| r.id)
            .collect();
        assert_eq!(takedowns, [3]);
    }

    #[test]
    fn drafts_and_instant_deletions_leave_no_tombstone() {
        let draft = vec![
            row(1, "article.create", 0, 0, false),
            row(2, "article.delete", 10, 10, false),
        ];
        assert!(!draft.iter().any(|r| is_takedown(r, &draft)));
        let instant = vec![
            row(1, "article.create", 0, 0, true),
            row(2, "article.delete", 0, 0, false),
        ];
        assert!(!instant.iter().any(|r| is_takedown(r, &instant)));
    }

    #[test]
    fn a_rescheduled_go_live_does_not_count() {
        // Scheduled for 100 at 0, moved to 200 at 50, taken down at 150.
        let h = vec![
            row(1, "article.schedule", 0, 0, false),
            row(3, "article.schedule", 50, 50, false),
            row(2, "golive", 100, 0, true),
            row(5, "article.unpublish", 150, 150, false),
        ];
        assert!(superseded(&h[2], &h));
        assert!(!h.iter().any(|r| is_takedown(r, &h)));
    }
}
