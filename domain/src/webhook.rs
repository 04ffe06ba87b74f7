//! Webhooks: the events a subscriber can hear of, which events an article
//! write raises, the retry schedule, and which addresses a webhook may
//! never reach. Pure rules; the outbox, the signing and the delivery live
//! in `persistence`, `app` and `api`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use chrono::{DateTime, Duration, Utc};

use crate::article::{ArticleState, is_public};

/// What a webhook can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// An article became public through a write (publish, create as
    /// published, republish).
    ArticlePublished,
    /// A public article was changed and is still public.
    ArticleUpdated,
    /// A public article stopped being public (unpublished, scheduled away,
    /// embargoed again).
    ArticleUnpublished,
    /// A public article was deleted.
    ArticleDeleted,
    /// A scheduled (or future-dated) article's time came, with no write.
    ArticleGolive,
    /// An embargoed article's embargo ended, with no write.
    ArticleEmbargoLifted,
    /// A public article got a correction.
    ArticleCorrected,
    /// A public article was flagged as breaking news (by a write, or when
    /// an article flagged while scheduled goes live).
    ArticleBreaking,
    /// A collection was saved or deleted.
    CollectionUpdated,
    /// A reader's comment on a public article was approved.
    CommentApproved,
    /// The surrogate keys a write made stale (for a CDN).
    CachePurge,
    /// A test message sent on request (`…/ping`); not subscribable.
    Ping,
}

impl EventType {
    /// Every event a webhook can subscribe to, in documentation order.
    pub const SUBSCRIBABLE: [EventType; 11] = [
        EventType::ArticlePublished,
        EventType::ArticleUpdated,
        EventType::ArticleUnpublished,
        EventType::ArticleDeleted,
        EventType::ArticleGolive,
        EventType::ArticleEmbargoLifted,
        EventType::ArticleCorrected,
        EventType::ArticleBreaking,
        EventType::CollectionUpdated,
        EventType::CommentApproved,
        EventType::CachePurge,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ArticlePublished => "article.published",
            EventType::ArticleUpdated => "article.updated",
            EventType::ArticleUnpublished => "article.unpublished",
            EventType::ArticleDeleted => "article.deleted",
            EventType::ArticleGolive => "article.golive",
            EventType::ArticleEmbargoLifted => "article.embargo_lifted",
            EventType::ArticleCorrected => "article.corrected",
            EventType::ArticleBreaking => "article.breaking",
            EventType::CollectionUpdated => "collection.updated",
            EventType::CommentApproved => "comment.approved",
            EventType::CachePurge => "cache.purge",
            EventType::Ping => "webhook.ping",
        }
    }

    pub fn parse(s: &str) -> Option<EventType> {
        Self::SUBSCRIBABLE
            .into_iter()
            .chain([EventType::Ping])
            .find(|e| e.as_str() == s)
    }

    /// Whether the event carries the article as it is at delivery time (and
    /// is dropped when the article is not public then).
    pub fn carries_article(self) -> bool {
        matches!(
            self,
            EventType::ArticlePublished
                | EventType::ArticleUpdated
                | EventType::ArticleGolive
                | EventType::ArticleEmbargoLifted
                | EventType::ArticleCorrected
                | EventType::ArticleBreaking
        )
    }

    /// Whether the event is announced by the clock rather than by a write.
    pub fn is_timed(self) -> bool {
        matches!(
            self,
            EventType::ArticleGolive | EventType::ArticleEmbargoLifted
        )
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event an article write raises: its type and the instant it takes
/// effect (the write's own instant, or a future one for the clock's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RaisedEvent {
    pub kind: EventType,
    pub at: DateTime<Utc>,
}

fn public_at(s: &ArticleState, t: DateTime<Utc>) -> bool {
    is_public(s.status, s.published_at, s.publish_at, s.embargo_until, t)
}

/// Whether the article carries the breaking flag at `t`.
pub fn breaking_at(s: &ArticleState, t: DateTime<Utc>) -> bool {
    s.breaking_until.is_some_and(|until| until > t)
}

/// The events an article write raises. `old` is the state before the write
/// (`None` for a new article), `new` after it, `action` the write's name
/// (`article.correct`, `article.delete`, …). Nothing is raised about an
/// article that is not public before or after (a draft's edits are never
/// announced); a future instant at which `new` becomes public by itself
/// raises a timed event (go-live, or embargo lifted when the embargo is
/// what ends). A public article that turns breaking raises
/// `article.breaking` (now, or at its go-live when it is flagged while
/// scheduled and still flagged then).
pub fn article_events(
    old: Option<&ArticleState>,
    new: &ArticleState,
    action: &str,
    now: DateTime<Utc>,
) -> Vec<RaisedEvent> {
    let was = old.is_some_and(|o| public_at(o, now));
    let is = public_at(new, now);
    let mut out = Vec::new();
    let kind = match (was, is) {
        (true, _) if action == "article.delete" || new.deleted_at.is_some() => {
            Some(EventType::ArticleDeleted)
        }
        (false, true) => Some(EventType::ArticlePublished),
        (true, false) => Some(EventType::ArticleUnpublished),
        (true, true) if action == "article.correct" => Some(EventType::ArticleCorrected),
        (true, true) => Some(EventType::ArticleUpdated),
        (false, false) => None,
    };
    if let Some(kind) = kind {
        out.push(RaisedEvent { kind, at: now });
    }
    let was_breaking = old.is_some_and(|o| public_at(o, now) && breaking_at(o, now));
    if is && breaking_at(new, now) && !was_breaking && new.deleted_at.is_none() {
        out.push(RaisedEvent {
            kind: EventType::ArticleBreaking,
            at: now,
        });
    }
    if let Some(at) = next_go_live(new, now) {
        let kind = if new.embargo_until == Some(at) {
            EventType::ArticleEmbargoLifted
        } else {
            EventType::ArticleGolive
        };
        out.push(RaisedEvent { kind, at });
        if breaking_at(new, at) {
            out.push(RaisedEvent {
                kind: EventType::ArticleBreaking,
                at,
            });
        }
    }
    out
}

/// The future instant at which the article becomes public by itself, if
/// its state makes it so (scheduled, future-dated or embargoed, and not
/// public now).
pub fn next_go_live(s: &ArticleState, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if public_at(s, now) {
        return None;
    }
    [s.publish_at, s.published_at, s.embargo_until]
        .into_iter()
        .flatten()
        .filter(|t| *t > now)
        .filter(|t| public_at(s, *t) && !public_at(s, *t - Duration::microseconds(1)))
        .min()
}

/// Whether a timed event due at `at` still stands: the article's state now
/// makes it public exactly at `at` (a later write that moved the schedule
/// or unpublished the article voids it).
pub fn timed_event_stands(s: &ArticleState, at: DateTime<Utc>) -> bool {
    public_at(s, at) && !public_at(s, at - Duration::microseconds(1))
}

/// Whether an event still stands when it is sent: a timed one (raised for
/// a future instant) only if the article still becomes public exactly
/// then, `article.breaking` only if the article is still flagged then.
pub fn event_stands(kind: EventType, s: &ArticleState, at: DateTime<Utc>, timed: bool) -> bool {
    (!timed || timed_event_stands(s, at))
        && (kind != EventType::ArticleBreaking || breaking_at(s, at))
}

/// How long to wait before attempt `n + 1` after `n` failed attempts, and
/// `None` once the webhook has had all its chances (about two days). A
/// random `jitter` in `[0, 1)` spreads each wait by up to a fifth, so
/// receivers that come back are not hit by every sender at once.
pub fn retry_after(failed_attempts: u32, jitter: f64) -> Option<Duration> {
    const WAITS_S: [i64; 9] = [5, 30, 120, 600, 1_800, 3_600, 10_800, 43_200, 86_400];
    let base = *WAITS_S.get(failed_attempts.checked_sub(1)? as usize)?;
    let spread_ms = (base as f64 * 200.0 * jitter.clamp(0.0, 1.0)) as i64;
    Some(Duration::seconds(base) + Duration::milliseconds(spread_ms))
}

/// The most attempts a delivery gets (the first and every retry).
pub const MAX_ATTEMPTS: u32 = 10;

/// Whether a webhook may never be sent to this address: loopback, private,
/// carrier-grade NAT, link-local (the cloud metadata service lives there),
/// unique-local, multicast, unspecified, broadcast, documentation and
/// benchmarking ranges, and IPv4 hidden in IPv6 (mapped, compatible,
/// 6to4, NAT64) when the IPv4 address is one of those.
pub fn forbidden_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let s = ip.segments();
    // ::a.b.c.d (deprecated IPv4-compatible), 64:ff9b::/96 (NAT64) and
    // 2002::/16 (6to4) reach an IPv4 address.
    if s[..6] == [0; 6] && !ip.is_loopback() && !ip.is_unspecified() {
        return forbidden_v4(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return forbidden_v4(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ));
    }
    if s[0] == 0x2002 {
        return forbidden_v4(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || s[0] == 0x0100 && s[1..4] == [0, 0, 0] // discard-only 100::/64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::ArticleStatus;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn state(status: ArticleStatus) -> ArticleState {
        ArticleState {
            slug: "a".into(),
            external_id: None,
            headline: "শিরোনাম".into(),
            kicker: None,
            summary: None,
            body: Vec::new(),
            section_id: 1,
            secondary_section_ids: Vec::new(),
            author_ids: Vec::new(),
            tag_ids: Vec::new(),
            desk: None,
            source: None,
            source_url: None,
            dateline: None,
            image: None,
            language: "bn".into(),
            status,
            publish_at: None,
            embargo_until: None,
            first_published_at: None,
            published_at: Some(t("2026-12-01T00:00:00Z")),
            canonical_url: None,
            corrections: Vec::new(),
            unpublish_reason: None,
            deleted_at: None,
            word_count: 0,
            breaking_until: None,
            kind: Default::default(),
            live_state: None,
            access: Default::default(),
            translation_group: None,
        }
    }

    fn kinds(v: &[RaisedEvent]) -> Vec<EventType> {
        v.iter().map(|e| e.kind).collect()
    }

    #[test]
    fn linking_a_translation_is_a_change_both_ways_round() {
        let alone = state(ArticleStatus::Published);
        let linked = ArticleState {
            translation_group: Some(7),
            ..alone.clone()
        };
        assert_eq!(alone.changed_fields(&linked), ["translationGroup"]);
        assert_eq!(linked.changed_fields(&alone), ["translationGroup"]);
        assert!(linked.changed_fields(&linked.clone()).is_empty());
    }

    #[test]
    fn a_write_raises_what_a_reader_can_see_change() {
        let now = t("2026-12-05T10:00:00Z");
        let draft = state(ArticleStatus::Draft);
        let public = state(ArticleStatus::Published);
        let unpublished = state(ArticleStatus::Unpublished);
        assert_eq!(
            kinds(&article_events(None, &public, "article.create", now)),
            [EventType::ArticlePublished]
        );
        assert!(article_events(None, &draft, "article.create", now).is_empty());
        assert!(article_events(Some(&draft), &draft, "article.update", now).is_empty());
        assert_eq!(
            kinds(&article_events(
                Some(&draft),
                &public,
                "article.publish",
                now
            )),
            [EventType::ArticlePublished]
        );
        assert_eq!(
            kinds(&article_events(
                Some(&public),
                &public,
                "article.update",
                now
            )),
            [EventType::ArticleUpdated]
        );
        assert_eq!(
            kinds(&article_events(
                Some(&public),
                &public,
                "article.correct",
                now
            )),
            [EventType::ArticleCorrected]
        );
        assert_eq!(
            kinds(&article_events(
                Some(&public),
                &unpublished,
                "article.unpublish",
                now
            )),
            [EventType::ArticleUnpublished]
        );
        let mut deleted = unpublished.clone();
        deleted.deleted_at = Some(now);
        assert_eq!(
            kinds(&article_events(
                Some(&public),
                &deleted,
                "article.delete",
                now
            )),
            [EventType::ArticleDeleted]
        );
        assert!(article_events(Some(&draft), &deleted, "article.delete", now).is_empty());
    }

    #[test]
    fn a_schedule_or_an_embargo_raises_a_timed_event_at_its_instant() {
        let now = t("2026-12-05T10:00:00Z");
        let at = t("2026-12-05T12:00:00Z");
        let mut scheduled = state(ArticleStatus::Scheduled);
        scheduled.publish_at = Some(at);
        scheduled.published_at = Some(at);
        let raised = article_events(None, &scheduled, "article.schedule", now);
        assert_eq!(
            raised,
            [RaisedEvent {
                kind: EventType::ArticleGolive,
                at
            }]
        );
        assert!(timed_event_stands(&scheduled, at));
        let mut moved = scheduled.clone();
        moved.publish_at = Some(at + Duration::hours(1));
        moved.published_at = moved.publish_at;
        assert!(!timed_event_stands(&moved, at), "a moved schedule voids it");

        let mut embargoed = state(ArticleStatus::Published);
        embargoed.embargo_until = Some(at);
        let raised = article_events(None, &embargoed, "article.embargo", now);
        assert_eq!(kinds(&raised), [EventType::ArticleEmbargoLifted]);
        assert_eq!(raised[0].at, at);
    }

    #[test]
    fn breaking_is_raised_when_a_public_article_turns_breaking() {
        let now = t("2026-12-05T10:00:00Z");
        let at = t("2026-12-05T12:00:00Z");
        let mut public = state(ArticleStatus::Published);
        let mut flagged = public.clone();
        flagged.breaking_until = Some(now + Duration::hours(2));
        assert_eq!(
            kinds(&article_events(None, &flagged, "article.create", now)),
            [EventType::ArticlePublished, EventType::ArticleBreaking]
        );
        assert_eq!(
            kinds(&article_events(
                Some(&public),
                &flagged,
                "article.update",
                now
            )),
            [EventType::ArticleUpdated, EventType::ArticleBreaking]
        );
        // Still flagged: no second alert; a lapsed flag set again: one.
        assert_eq!(
            kinds(&article_events(
                Some(&flagged),
                &flagged,
                "article.update",
                now
            )),
            [EventType::ArticleUpdated]
        );
        public.breaking_until = Some(now - Duration::minutes(1));
        assert_eq!(
            kinds(&article_events(
                Some(&public),
                &flagged,
                "article.update",
                now
            )),
            [EventType::ArticleUpdated, EventType::ArticleBreaking]
        );
        // A draft flagged breaking is not announced.
        let mut draft = state(ArticleStatus::Draft);
        draft.breaking_until = flagged.breaking_until;
        assert!(article_events(None, &draft, "article.create", now).is_empty());
        // Flagged while scheduled: announced at go-live if still flagged.
        let mut scheduled = state(ArticleStatus::Scheduled);
        scheduled.publish_at = Some(at);
        scheduled.published_at = Some(at);
        scheduled.breaking_until = Some(at + Duration::hours(1));
        let raised = article_events(None, &scheduled, "article.schedule", now);
        assert_eq!(
            raised,
            [
                RaisedEvent {
                    kind: EventType::ArticleGolive,
                    at
                },
                RaisedEvent {
                    kind: EventType::ArticleBreaking,
                    at
                }
            ]
        );
        assert!(event_stands(
            EventType::ArticleBreaking,
            &scheduled,
            at,
            true
        ));
        let mut unflagged = scheduled.clone();
        unflagged.breaking_until = None;
        assert!(!event_stands(
            EventType::ArticleBreaking,
            &unflagged,
            at,
            true
        ));
        assert!(event_stands(EventType::ArticleGolive, &unflagged, at, true));
        scheduled.breaking_until = Some(at - Duration::minutes(1));
        assert_eq!(
            kinds(&article_events(None, &scheduled, "article.schedule", now)),
            [EventType::ArticleGolive],
            "a flag that lapses before go-live raises nothing"
        );
    }

    #[test]
    fn retries_back_off_from_seconds_to_a_day_then_stop() {
        assert_eq!(retry_after(0, 0.0), None);
        assert_eq!(retry_after(1, 0.0), Some(Duration::seconds(5)));
        assert_eq!(retry_after(9, 0.0), Some(Duration::days(1)));
        assert_eq!(retry_after(MAX_ATTEMPTS, 0.0), None);
        let spread = retry_after(2, 0.99).unwrap();
        assert!(spread > Duration::seconds(30) && spread <= Duration::seconds(36));
    }

    #[test]
    fn private_and_metadata_addresses_are_forbidden() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
        ] {
            assert!(forbidden_address(bad.parse().unwrap()), "{bad}");
        }
        for good in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(!forbidden_address(good.parse().unwrap()), "{good}");
        }
    }
}
