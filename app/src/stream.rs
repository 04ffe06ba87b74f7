//! The site-wide event stream: new public articles and breaking flags, as
//! readers' apps hear of them without polling.
//!
//! The events come from the events outbox that the article writes fill in
//! their own transaction (the one webhooks are sent from): a publication,
//! a scheduled or embargoed article's time coming, a breaking flag. An
//! event is told only if its article is public when it is read, and a timed
//! one only if it still stands (a moved schedule voids it). Each event's
//! key, `(due time, outbox id)`, is its place in the stream: a reader that
//! comes back with the last key it saw gets what it missed.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::webhook::{EventType, event_stands};
use domain::{Article, ValidationError, section_subtree};
use persistence::WebhookEvent;

use crate::content::ContentService;
use crate::error::AppError;

/// What a reader hears of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SiteEventKind {
    /// An article became public (published, or its scheduled or embargoed
    /// time came).
    Published,
    /// A public article was flagged as breaking news.
    Breaking,
}

impl SiteEventKind {
    pub const ALL: [SiteEventKind; 2] = [SiteEventKind::Published, SiteEventKind::Breaking];

    pub fn as_str(self) -> &'static str {
        match self {
            SiteEventKind::Published => "published",
            SiteEventKind::Breaking => "breaking",
        }
    }

    fn of(kind: EventType) -> Option<Self> {
        match kind {
            EventType::ArticlePublished
            | EventType::ArticleGolive
            | EventType::ArticleEmbargoLifted => Some(SiteEventKind::Published),
            EventType::ArticleBreaking => Some(SiteEventKind::Breaking),
            _ => None,
        }
    }
}

/// The outbox kinds the stream reads.
const KINDS: [EventType; 4] = [
    EventType::ArticlePublished,
    EventType::ArticleGolive,
    EventType::ArticleEmbargoLifted,
    EventType::ArticleBreaking,
];

/// An event's place in the stream: `(due time, outbox id)`, written
/// `{microseconds}-{id}` (the SSE `id:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventKey {
    pub at: DateTime<Utc>,
    pub id: i64,
}

impl EventKey {
    /// Parses a key a reader sent back; `field` names it in the error.
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let bad = || {
            AppError::Invalid(vec![ValidationError::new(
                field,
                "must be an event id of this stream",
            )])
        };
        let (t, id) = raw.trim().split_once('-').ok_or_else(bad)?;
        let t: i64 = t.parse().map_err(|_| bad())?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        if id < 0 {
            return Err(bad());
        }
        let at = DateTime::from_timestamp_micros(t).ok_or_else(bad)?;
        Ok(Self { at, id })
    }
}

impl std::fmt::Display for EventKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.at.timestamp_micros(), self.id)
    }
}

/// One event of the site stream, with its article as it is now.
#[derive(Debug, Clone)]
pub struct SiteEvent {
    pub key: EventKey,
    pub kind: SiteEventKind,
    pub article: Arc<Article>,
}

impl SiteEvent {
    /// Whether the article is in one of `sections` (its own section or a
    /// secondary one); `None` matches everything.
    pub fn in_sections(&self, sections: Option<&HashSet<i64>>) -> bool {
        let Some(set) = sections else { return true };
        let a = &self.article;
        set.contains(&a.summary.section_id)
            || a.secondary_section_ids.iter().any(|s| set.contains(s))
    }
}

/// What one read of the outbox gave.
#[derive(Debug, Clone, Default)]
pub struct EventBatch {
    /// The events to tell, in key order.
    pub events: Vec<SiteEvent>,
    /// The key of every row read (told or not), in order.
    pub read: Vec<EventKey>,
    /// Whether the read stopped at its limit (more may follow).
    pub full: bool,
}

/// The stream service.
#[derive(Clone, Debug)]
pub struct StreamService {
    svc: ContentService,
}

impl StreamService {
    pub fn new(svc: ContentService) -> Self {
        Self { svc }
    }

    pub fn content(&self) -> &ContentService {
        &self.svc
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.svc.now()
    }

    /// The newest event key due now (where a stream without a cursor
    /// starts).
    pub async fn latest(&self) -> Result<Option<EventKey>, AppError> {
        Ok(self
            .svc
            .repo()
            .last_event_due(&KINDS, self.now())
            .await?
            .map(|(at, id)| EventKey { at, id }))
    }

    /// How long until the next event falls due (a scheduled go-live), if
    /// one is waiting.
    pub async fn next_due_in(&self) -> Result<Option<std::time::Duration>, AppError> {
        let now = self.now();
        Ok(self
            .svc
            .repo()
            .next_event_due(&KINDS, now)
            .await?
            .and_then(|t| (t - now).to_std().ok()))
    }

    /// How many events are due from `from` on, up to and with `upto`.
    pub async fn count_due(&self, from: DateTime<Utc>, upto: EventKey) -> Result<u64, AppError> {
        Ok(self
            .svc
            .repo()
            .count_events_due(&KINDS, from, (upto.at, upto.id))
            .await?)
    }

    /// The events after `after` due by `until`, at most `limit` rows read.
    pub async fn events(
        &self,
        after: Option<EventKey>,
        until: DateTime<Utc>,
        limit: u64,
    ) -> Result<EventBatch, AppError> {
        self.events_skipping(after, until, limit, |_| false).await
    }

    /// [`Self::events`], where the rows `skip` picks are only read (their
    /// keys are in `read`), their articles not loaded: the rows a poller
    /// re-reads to catch late commits were told already, and an article is
    /// the expensive part of an event.
    pub async fn events_skipping(
        &self,
        after: Option<EventKey>,
        until: DateTime<Utc>,
        limit: u64,
        skip: impl Fn(&EventKey) -> bool,
    ) -> Result<EventBatch, AppError> {
        let rows = self
            .svc
            .repo()
            .events_due(&KINDS, after.map(|k| (k.at, k.id)), until, limit)
            .await?;
        let full = rows.len() as u64 == limit;
        let key = |r: &WebhookEvent| EventKey {
            at: r.due_at,
            id: r.id,
        };
        let rows: Vec<(WebhookEvent, bool)> = rows
            .into_iter()
            .map(|r| {
                let skipped = skip(&key(&r));
                (r, skipped)
            })
            .collect();
        let mut ids: Vec<i64> = rows
            .iter()
            .filter(|(_, skipped)| !skipped)
            .filter_map(|(r, _)| r.article_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let articles: HashMap<i64, Arc<Article>> = self
            .svc
            .articles_by_ids(&ids)
            .await?
            .into_iter()
            .map(|a| (a.summary.id, Arc::new(a)))
            .collect();
        let mut batch = EventBatch {
            full,
            ..Default::default()
        };
        for (r, skipped) in rows {
            let key = key(&r);
            batch.read.push(key);
            if skipped {
                continue;
            }
            let (Some(kind), Some(article)) = (
                SiteEventKind::of(r.kind),
                r.article_id.and_then(|id| articles.get(&id)),
            ) else {
                continue;
            };
            if !event_stands(r.kind, &article.state(), r.due_at, r.timed) {
                continue;
            }
            batch.events.push(SiteEvent {
                key,
                kind,
                article: article.clone(),
            });
        }
        Ok(batch)
    }

    /// The sections a reader filters on (comma-separated slugs, each with
    /// its sub-sections); `None` for every section. An unknown slug is a
    /// 404, as on the lists.
    pub async fn sections(&self, raw: Option<&str>) -> Result<Option<HashSet<i64>>, AppError> {
        let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let sections = self.svc.sections().await?;
        let mut set = HashSet::new();
        for slug in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if slug.chars().count() > domain::Slug::MAX_CHARS {
                return Err(AppError::invalid(
                    "section",
                    "must be slugs of 1 to 200 characters",
                ));
            }
            let slug = domain::text::nfc(slug);
            let section = sections
                .iter()
                .find(|s| s.slug == slug)
                .ok_or_else(|| AppError::not_found(format!("no section with slug {slug:?}")))?;
            set.extend(section_subtree(&sections, section.id));
        }
        Ok(Some(set))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_refuse_garbage() {
        let key = EventKey {
            at: DateTime::from_timestamp_micros(1_796_536_047_308_841).unwrap(),
            id: 42,
        };
        assert_eq!(key.to_string(), "1796536047308841-42");
        assert_eq!(
            EventKey::parse("Last-Event-ID", &key.to_string()).unwrap(),
            key
        );
        for bad in ["", "12", "x-1", "1-x", "1--1", "99999999999999999999-1"] {
            assert!(EventKey::parse("Last-Event-ID", bad).is_err(), "{bad}");
        }
        // Order is time first, then id.
        let later = EventKey {
            at: key.at + chrono::Duration::microseconds(1),
            id: 1,
        };
        assert!(later > key);
    }
}
