//! The webhooks' outbox, fan-out, leases and attempts, on SQLite and on
//! PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use domain::webhook::EventType;
use domain::{ArticleStatus, Block, Headline, Slug};
use persistence::testing::{Engine, TestDb};
use persistence::{
    ArticleUpsert, Attempt, AttemptNext, ContentRepo, DeliveryStatus, NewWebhook, SectionUpsert,
    WriteContext,
};

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                if let Some(db) = super::TestDb::new(super::Engine::Sqlite).await.unwrap() {
                    super::$name(&super::Repo::repo(&db)).await;
                    db.cleanup().await;
                }
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(db) = super::TestDb::new(super::Engine::Postgres).await.unwrap() {
                    super::$name(&super::Repo::repo(&db)).await;
                    db.cleanup().await;
                }
            }
        }
    )*};
}

on_both!(
    a_write_and_its_events_commit_together,
    fan_out_makes_one_delivery_per_webhook_and_event,
    one_claimant_holds_a_webhook_at_a_time,
    failed_attempts_retry_then_give_up_and_turn_the_webhook_off,
    old_finished_deliveries_are_pruned,
    events_nobody_dispatched_go_once_long_due,
    a_backfilled_story_is_recorded_but_not_told,
    other_versions_hear_when_their_translations_change,
    the_stream_pages_by_instant_and_id_and_counts_what_it_read,
);

trait Repo {
    fn repo(&self) -> ContentRepo;
}

impl Repo for TestDb {
    fn repo(&self) -> ContentRepo {
        ContentRepo::new(self.db.clone())
    }
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-05T06:00:00Z")
        .unwrap()
        .to_utc()
}

fn ctx(now: DateTime<Utc>) -> WriteContext {
    WriteContext::system(now)
}

fn upsert(ext: &str, status: ArticleStatus, publish_at: Option<DateTime<Utc>>) -> ArticleUpsert {
    ArticleUpsert {
        external_id: Some(ext.into()),
        slug: Slug::parse(ext).unwrap(),
        headline: Headline::parse("খবর").unwrap(),
        kicker: None,
        summary: None,
        body: vec![Block::Paragraph {
            text: "লেখা।".into(),
        }],
        section: SectionUpsert {
            slug: Slug::parse("national").unwrap(),
            name: "জাতীয়".into(),
            name_en: None,
            language: "bn".into(),
            parent: None,
            position: 0,
            description: None,
        },
        secondary_sections: vec![],
        section_ancestors: vec![],
        authors: vec![],
        tags: vec![],
        desk: None,
        source: None,
        source_url: None,
        dateline: None,
        image: None,
        status,
        published_at: Some(publish_at.unwrap_or(t0())),
        publish_at,
        embargo_until: None,
        updated_at: None,
        canonical_url: None,
        word_count: 1,
        slug_explicit: true,
        published_at_is_fallback: false,
        kind: Default::default(),
        access: Default::default(),
        live_state: None,
        language: None,
        translation_of: None,
        corrections: None,
        backfill_before: None,
    }
}

async fn webhook(repo: &ContentRepo, events: &[EventType], at: DateTime<Utc>) -> i64 {
    repo.create_webhook(
        NewWebhook {
            url: "http://127.0.0.1:9/hook",
            events,
            secret: "whsec_c2VjcmV0",
            active: true,
            description: None,
            format: "public",
        },
        ctx(at),
    )
    .await
    .unwrap()
    .id
}

async fn a_write_and_its_events_commit_together(repo: &ContentRepo) {
    let before = t0() - Duration::hours(1);
    let hook = webhook(repo, &EventType::SUBSCRIBABLE, before).await;
    // A published article (published), a scheduled one (a go-live at its
    // instant, nothing now), a draft (nothing).
    repo.ensure_section(&upsert("a", ArticleStatus::Published, None).section)
        .await
        .unwrap();
    repo.upsert_article(&upsert("a", ArticleStatus::Published, None), t0())
        .await
        .unwrap();
    let at = t0() + Duration::hours(2);
    repo.upsert_article(&upsert("b", ArticleStatus::Scheduled, Some(at)), t0())
        .await
        .unwrap();
    repo.upsert_article(&upsert("c", ArticleStatus::Draft, None), t0())
        .await
        .unwrap();
    assert_eq!(repo.next_webhook_event_due().await.unwrap(), Some(t0()));
    assert_eq!(repo.fan_out_webhook_events(t0(), 100).await.unwrap(), 1);
    assert_eq!(repo.next_webhook_event_due().await.unwrap(), Some(at));
    let d = repo.pending_deliveries(hook, 10).await.unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].event.kind, EventType::ArticlePublished);
    // The same schedule written again raises its go-live once.
    repo.upsert_article(&upsert("b", ArticleStatus::Scheduled, Some(at)), t0())
        .await
        .unwrap();
    assert_eq!(repo.fan_out_webhook_events(at, 100).await.unwrap(), 1);
    let d = repo.pending_deliveries(hook, 10).await.unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!(d[1].event.kind, EventType::ArticleGolive);
    assert_eq!(d[1].event.due_at, at);
}

async fn fan_out_makes_one_delivery_per_webhook_and_event(repo: &ContentRepo) {
    let early = t0() - Duration::hours(1);
    let both = webhook(repo, &[EventType::ArticlePublished], early).await;
    let other = webhook(repo, &[EventType::ArticleUpdated], early).await;
    let late = webhook(
        repo,
        &[EventType::ArticlePublished],
        t0() + Duration::minutes(1),
    )
    .await;
    repo.ensure_section(&upsert("a", ArticleStatus::Published, None).section)
        .await
        .unwrap();
    repo.upsert_article(&upsert("a", ArticleStatus::Published, None), t0())
        .await
        .unwrap();
    // Two instances fanning out at once: one delivery each.
    let (x, y) = tokio::join!(
        repo.fan_out_webhook_events(t0(), 100),
        repo.fan_out_webhook_events(t0(), 100)
    );
    assert_eq!(x.unwrap() + y.unwrap(), 1, "the event is dispatched once");
    assert_eq!(repo.pending_deliveries(both, 10).await.unwrap().len(), 1);
    assert!(
        repo.pending_deliveries(other, 10).await.unwrap().is_empty(),
        "not subscribed"
    );
    assert!(
        repo.pending_deliveries(late, 10).await.unwrap().is_empty(),
        "made after the event"
    );
    assert_eq!(repo.fan_out_webhook_events(t0(), 100).await.unwrap(), 0);
}

async fn one_claimant_holds_a_webhook_at_a_time(repo: &ContentRepo) {
    let hook = webhook(repo, &[EventType::ArticlePublished], t0()).await;
    assert!(
        repo.claim_webhook("a", t0()).await.unwrap().is_none(),
        "nothing due"
    );
    repo.enqueue_ping(hook, t0()).await.unwrap();
    let (a, b) = tokio::join!(repo.claim_webhook("a", t0()), repo.claim_webhook("b", t0()));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        usize::from(a.is_some()) + usize::from(b.is_some()),
        1,
        "one of two claimants wins"
    );
    let winner = if a.is_some() { "a" } else { "b" };
    assert!(repo.claim_webhook("c", t0()).await.unwrap().is_none());
    // A lease that ran out is taken over (the holder died).
    let later = t0() + Duration::minutes(2);
    assert!(repo.claim_webhook("c", later).await.unwrap().is_some());
    // Released by its holder, free at once; a stale holder releases nothing.
    repo.release_webhook(hook, winner).await.unwrap();
    assert!(repo.claim_webhook("d", later).await.unwrap().is_none());
    repo.release_webhook(hook, "c").await.unwrap();
    assert!(repo.claim_webhook("d", later).await.unwrap().is_some());
}

async fn failed_attempts_retry_then_give_up_and_turn_the_webhook_off(repo: &ContentRepo) {
    let hook = webhook(repo, &[EventType::ArticlePublished], t0()).await;
    repo.enqueue_ping(hook, t0()).await.unwrap();
    let d = repo.pending_deliveries(hook, 10).await.unwrap().remove(0);
    let retry_at = t0() + Duration::seconds(5);
    repo.record_attempt(
        &d,
        Attempt {
            at: t0(),
            response_status: Some(500),
            latency_ms: 12,
            error: Some("answered 500".into()),
            response_excerpt: Some("oops".into()),
            next: AttemptNext::RetryAt(retry_at),
        },
    )
    .await
    .unwrap();
    let d = repo.pending_deliveries(hook, 10).await.unwrap().remove(0);
    assert_eq!(d.attempts, 1);
    assert_eq!(d.next_attempt_at, Some(retry_at));
    assert_eq!(d.response_status, Some(500));
    assert!(
        repo.claim_webhook("a", t0()).await.unwrap().is_none(),
        "not due before its retry"
    );
    assert!(repo.claim_webhook("a", retry_at).await.unwrap().is_some());
    repo.record_attempt(
        &d,
        Attempt {
            at: retry_at,
            response_status: None,
            latency_ms: 5,
            error: Some("could not connect".into()),
            response_excerpt: None,
            next: AttemptNext::GiveUp,
        },
    )
    .await
    .unwrap();
    let got = repo.webhook_delivery(d.id).await.unwrap().unwrap();
    assert_eq!(got.status, DeliveryStatus::Failed);
    assert_eq!(got.attempts, 2);
    assert_eq!(got.next_attempt_at, None);
    let h = repo.webhook(hook).await.unwrap().unwrap();
    assert!(!h.active);
    assert!(
        h.disabled_reason
            .as_deref()
            .unwrap()
            .contains("could not connect")
    );
    let stats = repo.webhook_queue_stats().await.unwrap();
    assert_eq!(stats.pending, 0);
    // Redelivery puts it back in the queue with its history.
    let again = repo.redeliver(d.id, retry_at).await.unwrap();
    assert_eq!(again.status, DeliveryStatus::Pending);
    assert_eq!(again.attempts, 2);
}

async fn old_finished_deliveries_are_pruned(repo: &ContentRepo) {
    let hook = webhook(repo, &[EventType::ArticlePublished], t0()).await;
    repo.enqueue_ping(hook, t0()).await.unwrap();
    repo.enqueue_ping(hook, t0()).await.unwrap();
    let d = repo.pending_deliveries(hook, 10).await.unwrap();
    repo.record_attempt(
        &d[0],
        Attempt {
            at: t0(),
            response_status: Some(204),
            latency_ms: 3,
            error: None,
            response_excerpt: None,
            next: AttemptNext::Delivered,
        },
    )
    .await
    .unwrap();
    let stats = repo.webhook_queue_stats().await.unwrap();
    assert_eq!(stats.pending, 1);
    assert_eq!(stats.oldest_pending, Some(t0()));
    let gone = repo
        .prune_webhook_events(t0() + Duration::days(31))
        .await
        .unwrap();
    assert_eq!(gone, 1, "the finished one goes, the pending one stays");
    let left = repo.webhook_deliveries(hook, 10, None).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, d[1].id);
}

/// With webhooks off on every instance nobody dispatches the outbox: its
/// events still go once they were due longer ago than the keep period, but
/// a go-live scheduled beyond it stays.
async fn events_nobody_dispatched_go_once_long_due(repo: &ContentRepo) {
    let kinds = [EventType::ArticlePublished, EventType::ArticleGolive];
    let now = upsert("now", ArticleStatus::Published, None);
    repo.ensure_section(&now.section).await.unwrap();
    repo.upsert_article(&now, t0()).await.unwrap();
    let later = upsert(
        "later",
        ArticleStatus::Published,
        Some(t0() + Duration::days(40)),
    );
    repo.upsert_article(&later, t0()).await.unwrap();
    let far = t0() + Duration::days(50);
    let before = repo.events_due(&kinds, None, far, 100).await.unwrap();
    assert_eq!(before.len(), 2, "{before:?}");
    assert_eq!(
        repo.prune_webhook_events(t0() - Duration::days(1))
            .await
            .unwrap(),
        0,
        "nothing is that old yet"
    );
    let gone = repo
        .prune_webhook_events(t0() + Duration::days(31))
        .await
        .unwrap();
    assert_eq!(gone, 1);
    let left = repo.events_due(&kinds, None, far, 100).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].due_at, t0() + Duration::days(40));
}

/// An archive story created as backfill (public before the cut-off) gets
/// its change-log row (change feed, caches, index) but no event; a recent
/// one, a scheduled one and any later edit are told as usual.
async fn a_backfilled_story_is_recorded_but_not_told(repo: &ContentRepo) {
    let kinds = [
        EventType::ArticlePublished,
        EventType::ArticleUpdated,
        EventType::ArticleGolive,
    ];
    let now = t0() + Duration::days(400);
    let cut = now - Duration::hours(24);
    let archive = ArticleUpsert {
        backfill_before: Some(cut),
        ..upsert("archive", ArticleStatus::Published, None)
    };
    repo.ensure_section(&archive.section).await.unwrap();
    let before = repo.last_change_id().await.unwrap();
    let id = repo.upsert_article(&archive, now).await.unwrap().id();
    let recorded = repo.changes_after(before, 10).await.unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].article_id, id);
    let far = now + Duration::days(30);
    assert_eq!(
        repo.events_due(&kinds, None, far, 10).await.unwrap().len(),
        0
    );
    // Recent and scheduled stories are news.
    let recent = ArticleUpsert {
        published_at: Some(now - Duration::hours(1)),
        backfill_before: Some(cut),
        ..upsert("recent", ArticleStatus::Published, None)
    };
    let recent_id = repo.upsert_article(&recent, now).await.unwrap().id();
    let scheduled = ArticleUpsert {
        backfill_before: Some(cut),
        ..upsert(
            "later",
            ArticleStatus::Published,
            Some(now + Duration::days(1)),
        )
    };
    let later_id = repo.upsert_article(&scheduled, now).await.unwrap().id();
    // An edit of the archive story is told.
    let edited = ArticleUpsert {
        headline: domain::Headline::parse("সংশোধিত খবর").unwrap(),
        ..archive
    };
    repo.upsert_article(&edited, now).await.unwrap();
    let told: Vec<i64> = repo
        .events_due(&kinds, None, far, 10)
        .await
        .unwrap()
        .iter()
        .filter_map(|e| e.article_id)
        .collect();
    assert!(told.contains(&recent_id), "{told:?}");
    assert!(told.contains(&later_id), "{told:?}");
    assert!(told.contains(&id), "the edit: {told:?}");
}

/// A version's ninjs associations change when another version of its story
/// comes into view or changes: `article.updated` for it then (not while
/// the other one is still unpublished).
async fn other_versions_hear_when_their_translations_change(repo: &ContentRepo) {
    let kinds = [EventType::ArticleUpdated];
    let bn = upsert("story-bn", ArticleStatus::Published, None);
    repo.ensure_section(&bn.section).await.unwrap();
    let bn_id = repo.upsert_article(&bn, t0()).await.unwrap().id();
    let live_at = t0() + Duration::hours(1);
    let en = ArticleUpsert {
        language: Some("en".into()),
        translation_of: Some("story-bn".into()),
        published_at: Some(live_at),
        ..upsert("story-en", ArticleStatus::Published, None)
    };
    repo.upsert_article(&en, t0()).await.unwrap();
    let updates = |events: Vec<persistence::WebhookEvent>| -> Vec<(i64, DateTime<Utc>)> {
        events
            .into_iter()
            .filter(|e| e.data["cause"] == "translations")
            .map(|e| (e.article_id.unwrap(), e.due_at))
            .collect()
    };
    let far = t0() + Duration::days(1);
    let told = updates(repo.events_due(&kinds, None, far, 100).await.unwrap());
    assert_eq!(told, [(bn_id, live_at)], "at the go-live, not before");
    assert!(!repo.events_due(&kinds, None, far, 100).await.unwrap()[0].timed);
    // Moved: the announcement moves with it (none is left at the old time).
    let moved_at = t0() + Duration::minutes(90);
    let moved = ArticleUpsert {
        published_at: Some(moved_at),
        ..en
    };
    repo.upsert_article(&moved, t0() + Duration::minutes(10))
        .await
        .unwrap();
    let told = updates(repo.events_due(&kinds, None, far, 100).await.unwrap());
    assert_eq!(told, [(bn_id, moved_at)]);
    // Once both are public, an edit of one is news for the other at once.
    let edited_at = t0() + Duration::hours(2);
    let edited = ArticleUpsert {
        headline: domain::Headline::parse("Port terminal opens").unwrap(),
        ..moved
    };
    repo.upsert_article(&edited, edited_at).await.unwrap();
    let told = updates(repo.events_due(&kinds, None, far, 100).await.unwrap());
    assert_eq!(told, [(bn_id, moved_at), (bn_id, edited_at)]);
}

/// The site stream reads the outbox by (due time, id): rows that share an
/// instant (a bulk import's all do) are each read once and in order with
/// any page size, and a stretch counts the rows a reader read there.
async fn the_stream_pages_by_instant_and_id_and_counts_what_it_read(repo: &ContentRepo) {
    let kinds = [EventType::ArticlePublished];
    let first = upsert("e0", ArticleStatus::Published, None);
    repo.ensure_section(&first.section).await.unwrap();
    let later = t0() + Duration::seconds(1);
    for (i, at) in [t0(), t0(), t0(), t0(), t0(), later, later]
        .into_iter()
        .enumerate()
    {
        repo.upsert_article(
            &upsert(&format!("e{i}"), ArticleStatus::Published, None),
            at,
        )
        .await
        .unwrap();
    }
    let until = t0() + Duration::hours(1);
    let all = repo.events_due(&kinds, None, until, 100).await.unwrap();
    let keys: Vec<(DateTime<Utc>, i64)> = all.iter().map(|e| (e.due_at, e.id)).collect();
    assert_eq!(keys.len(), 7);
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    assert_eq!(
        repo.events_due(&kinds, None, t0(), 100)
            .await
            .unwrap()
            .len(),
        5
    );
    for limit in 1..=3 {
        let mut read = Vec::new();
        let mut after = None;
        loop {
            let page = repo.events_due(&kinds, after, until, limit).await.unwrap();
            assert!(page.len() as u64 <= limit);
            let Some(last) = page.last() else { break };
            after = Some((last.due_at, last.id));
            read.extend(page.iter().map(|e| (e.due_at, e.id)));
        }
        assert_eq!(read, keys, "pages of {limit}");
    }
    // After a key in the middle of an instant: the rest of it, then later.
    let rest = repo
        .events_due(&kinds, Some(keys[2]), until, 100)
        .await
        .unwrap();
    let rest: Vec<_> = rest.iter().map(|e| (e.due_at, e.id)).collect();
    assert_eq!(rest, keys[3..]);
    assert_eq!(
        repo.count_events_due(&kinds, t0(), keys[6]).await.unwrap(),
        7
    );
    assert_eq!(
        repo.count_events_due(&kinds, t0(), keys[2]).await.unwrap(),
        3
    );
    assert_eq!(
        repo.count_events_due(&kinds, later, keys[6]).await.unwrap(),
        2
    );
    assert_eq!(
        repo.count_events_due(&kinds, later, keys[5]).await.unwrap(),
        1
    );
    assert_eq!(
        repo.count_events_due(&[EventType::ArticleGolive], t0(), keys[6])
            .await
            .unwrap(),
        0
    );
}
