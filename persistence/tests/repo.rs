//! Repository behaviour, every test on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use domain::{
    ArticleFilter, ArticleStatus, Block, Cursor, Headline, Limit, PageRequest, Slug,
    section_subtree,
};
use persistence::testing::{Engine, TestDb};
use persistence::{
    ArticleUpsert, AuthorUpsert, ContentRepo, Links, ListRead, RepoError, SectionUpsert,
    SummaryColumns, TagUpsert, UpsertOutcome,
};
use tracing::Instrument;
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context as LayerContext, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// Runs `$name(repo, db)` once on SQLite and once on PostgreSQL.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::run(super::Engine::Sqlite, |db| Box::pin(super::$name(db))).await;
            }
            #[tokio::test]
            async fn postgres() {
                super::run(super::Engine::Postgres, |db| Box::pin(super::$name(db))).await;
            }
        }
    )*};
}

type TestFuture<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

async fn run(engine: Engine, test: impl for<'a> FnOnce(&'a TestDb) -> TestFuture<'a>) {
    keep_a_second_dispatcher();
    let Some(db) = TestDb::new(engine).await.expect("test database") else {
        return;
    };
    test(&db).await;
    db.cleanup().await;
}

/// Keeps a second dispatcher registered for the whole run. With only one
/// registered (the span test's thread-scoped subscriber), tracing computes a
/// new callsite's interest from the registering thread's own default, so a
/// test thread without a subscriber that reaches a sea-orm callsite first
/// caches it as never-interesting and the span test misses those spans. With
/// two, interest is combined over all registered dispatchers.
fn keep_a_second_dispatcher() {
    static KEEP: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    KEEP.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-11-14T06:00:00Z")
        .unwrap()
        .to_utc()
}

fn section(slug: &str, name: &str, parent: Option<&str>) -> SectionUpsert {
    SectionUpsert {
        slug: Slug::parse(slug).unwrap(),
        name: name.into(),
        name_en: None,
        language: "bn".into(),
        parent: parent.map(|p| Slug::parse(p).unwrap()),
        position: 0,
        description: None,
    }
}

fn article(
    ext: &str,
    headline: &str,
    section_slug: &str,
    published: DateTime<Utc>,
) -> ArticleUpsert {
    ArticleUpsert {
        external_id: Some(ext.into()),
        slug: Slug::parse(ext).unwrap(),
        headline: Headline::parse(headline).unwrap(),
        kicker: None,
        summary: Some(format!("{headline} — সারসংক্ষেপ")),
        body: vec![Block::Paragraph {
            text: format!("{headline}। বিস্তারিত খবর।"),
        }],
        section: section(section_slug, section_slug, None),
        secondary_sections: vec![],
        section_ancestors: vec![],
        authors: vec![],
        tags: vec![],
        desk: Some("অনলাইন ডেস্ক".into()),
        source: None,
        source_url: None,
        dateline: None,
        image: None,
        status: ArticleStatus::Published,
        published_at: Some(published),
        publish_at: None,
        embargo_until: None,
        updated_at: None,
        canonical_url: None,
        word_count: 4,
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

/// `barta import` links versions by `translationOf` as the editorial API
/// does, and like it refuses a second version in one language.
async fn an_import_keeps_one_version_of_a_story_per_language(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    let version = |ext: &str, language: &str| ArticleUpsert {
        language: Some(language.into()),
        translation_of: Some("flood-bn".into()),
        ..article(ext, "বন্যার খবর", "national", now())
    };
    repo.upsert_article(&article("flood-bn", "বন্যার খবর", "national", now()), now())
        .await
        .unwrap();
    let en = repo
        .upsert_article(&version("flood-en", "en"), now())
        .await
        .unwrap();
    // The same line again is the same version, not a second one.
    repo.upsert_article(&version("flood-en", "en"), now())
        .await
        .unwrap();
    for (ext, language) in [("flood-en-us", "en-US"), ("flood-bn-2", "bn")] {
        let err = repo
            .upsert_article(&version(ext, language), now())
            .await
            .unwrap_err();
        match err {
            RepoError::Invalid(e) => assert_eq!(e.field, "translationOf", "{e:?}"),
            other => panic!("{ext}: {other:?}"),
        }
        assert!(
            repo.article_id_by_external_id(ext).await.unwrap().is_none(),
            "{ext}: nothing written"
        );
    }
    assert!(matches!(en, UpsertOutcome::Created(_)), "{en:?}");
    // Nor may a version (or the story's first article) move to a language
    // another version has.
    for (ext, language) in [("flood-en", "bn"), ("flood-bn", "en")] {
        let moved = ArticleUpsert {
            language: Some(language.into()),
            ..article(ext, "বন্যার খবর", "national", now())
        };
        match repo.upsert_article(&moved, now()).await.unwrap_err() {
            RepoError::Invalid(e) => assert_eq!(e.field, "language", "{e:?}"),
            other => panic!("{ext}: {other:?}"),
        }
    }
}

async fn seed_sections(repo: &ContentRepo) {
    repo.ensure_section(&section("sports", "খেলা", None))
        .await
        .unwrap();
    repo.ensure_section(&section("cricket", "ক্রিকেট", Some("sports")))
        .await
        .unwrap();
    repo.ensure_section(&section("national", "জাতীয়", None))
        .await
        .unwrap();
}

/// Publishes `{prefix}{i}` ("খবর {i}") in the national section at `t`.
async fn publish_national(repo: &ContentRepo, prefix: &str, i: i64, t: DateTime<Utc>) {
    repo.upsert_article(
        &article(&format!("{prefix}{i}"), &format!("খবর {i}"), "national", t),
        now(),
    )
    .await
    .unwrap();
}

fn page(limit: i64, after: Option<Cursor>) -> PageRequest {
    PageRequest {
        limit: Limit::new(limit).unwrap(),
        after,
        ..Default::default()
    }
}

async fn all_ids(
    repo: &ContentRepo,
    filter: &ArticleFilter,
    limit: i64,
    at: DateTime<Utc>,
) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let p = repo
            .latest_public(filter, page(limit, after), at)
            .await
            .unwrap();
        ids.extend(p.items.iter().map(|a| a.id));
        match p.next_cursor {
            Some(c) => after = Some(c),
            None => return ids,
        }
    }
}

async fn related_lists_are_kept_replaced_and_forgotten(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    let a = repo
        .upsert_article(&article("kept-a", "বন্যার খবর", "national", now()), now())
        .await
        .unwrap()
        .id();
    let b = repo
        .upsert_article(&article("kept-b", "খেলার খবর", "national", now()), now())
        .await
        .unwrap()
        .id();
    assert_eq!(repo.kept_related(a).await.unwrap(), None);
    let t0 = now() - Duration::minutes(5);
    repo.keep_related(a, t0, "[1]").await.unwrap();
    repo.keep_related(b, t0, "[2]").await.unwrap();
    // A second list replaces the first, with its own time.
    repo.keep_related(a, now(), "[3]").await.unwrap();
    let (at, items) = repo.kept_related(a).await.unwrap().unwrap();
    assert_eq!(items, "[3]");
    assert!((at - now()).num_seconds().abs() < 5, "{at}");
    // An article that is gone keeps nothing, and says so quietly.
    repo.keep_related(i64::MAX - 7, now(), "[4]").await.unwrap();
    assert_eq!(repo.kept_related(i64::MAX - 7).await.unwrap(), None);
    assert_eq!(repo.forget_related(&[a, i64::MAX - 7]).await.unwrap(), 1);
    assert_eq!(repo.kept_related(a).await.unwrap(), None);
    assert_eq!(repo.kept_related(b).await.unwrap().unwrap().1, "[2]");
    repo.keep_related(a, now(), "[5]").await.unwrap();
    assert_eq!(repo.forget_all_related().await.unwrap(), 2);
    assert_eq!(repo.kept_related(b).await.unwrap(), None);
}

on_both!(
    related_lists_are_kept_replaced_and_forgotten,
    an_import_keeps_one_version_of_a_story_per_language,
    latest_is_newest_first_and_pages_cover_everything_once,
    pagination_is_stable_when_newer_articles_arrive,
    section_filter_includes_sub_sections_and_secondary_sections,
    tag_author_and_date_filters_narrow_the_list,
    unpublished_articles_are_never_returned,
    scheduled_article_is_invisible_until_its_time,
    a_page_costs_the_same_number_of_queries_whatever_its_size,
    upsert_by_external_id_is_idempotent,
    slug_clash_gets_a_numeric_suffix,
    bengali_text_round_trips_byte_exact,
    excluded_article_is_left_out_of_more_from_section,
    corrupt_row_is_an_error_not_a_panic,
    sections_come_back_as_a_tree,
    the_sql_visibility_rule_agrees_with_the_domain_rule,
    every_article_write_is_in_the_change_log_with_its_future_transitions,
    collection_writes_are_in_the_change_log_but_not_among_article_changes,
    every_statement_runs_in_a_database_span_inside_the_callers_span,
    a_read_abandoned_mid_statement_leaves_its_connection_right,
);

/// Every span opened on this thread: its name, its ancestors' names (sea-orm
/// has trace-level spans of its own in between) and its fields (those given
/// at creation and those recorded later).
#[derive(Clone, Default)]
struct SpanLog(Arc<Mutex<Vec<CapturedSpan>>>);

#[derive(Debug, Clone)]
struct CapturedSpan {
    name: &'static str,
    ancestors: Vec<&'static str>,
    fields: BTreeMap<String, String>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl tracing::field::Visit for Fields<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

/// Where a span's entry is in the log.
struct Slot(usize);

impl<S> Layer<S> for SpanLog
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let span = ctx.span(id).unwrap();
        let mut log = self.0.lock().unwrap();
        log.push(CapturedSpan {
            name: attrs.metadata().name(),
            ancestors: span.scope().skip(1).map(|a| a.name()).collect(),
            fields,
        });
        span.extensions_mut().insert(Slot(log.len() - 1));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: LayerContext<'_, S>) {
        let span = ctx.span(id).unwrap();
        let Some(Slot(i)) = span.extensions().get::<Slot>().map(|s| Slot(s.0)) else {
            return;
        };
        values.record(&mut Fields(&mut self.0.lock().unwrap()[i].fields));
    }
}

async fn every_statement_runs_in_a_database_span_inside_the_callers_span(db: &TestDb) {
    let log = SpanLog::default();
    let _subscriber =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(log.clone()));
    let repo = ContentRepo::new(db.db.clone());
    let request = tracing::info_span!("request", request_id = "r-1");
    async {
        seed_sections(&repo).await;
        repo.upsert_article(&article("span", "খবর", "national", now()), now())
            .await
            .unwrap();
        repo.latest_public(&ArticleFilter::default(), page(5, None), now())
            .await
            .unwrap();
    }
    .instrument(request)
    .await;
    let spans = log.0.lock().unwrap().clone();
    let db_spans: Vec<&CapturedSpan> = spans
        .iter()
        .filter(|s| s.name.starts_with("sea_orm."))
        .collect();
    let system = if db.db.is_sqlite() {
        "sqlite"
    } else {
        "postgresql"
    };
    for s in &db_spans {
        assert!(s.ancestors.contains(&"request"), "{s:?}");
        assert_eq!(s.fields["db.system"], system, "{s:?}");
    }
    // The read: a SELECT with its statement.
    let select = db_spans
        .iter()
        .find(|s| {
            s.fields["db.operation"] == "SELECT"
                && s.fields
                    .get("db.statement")
                    .is_some_and(|q| q.contains("\"articles\""))
        })
        .unwrap_or_else(|| panic!("no SELECT from articles in {db_spans:#?}"));
    assert_eq!(select.fields["otel.status_code"], "OK", "{select:?}");
    // The write: a transaction, each of its statements in a span too.
    for name in ["sea_orm.begin", "sea_orm.commit"] {
        assert!(db_spans.iter().any(|s| s.name == name), "no {name}");
    }
    assert!(
        db_spans
            .iter()
            .any(|s| s.fields["db.operation"] == "INSERT"),
        "no INSERT in {db_spans:#?}"
    );
}

/// A reader who hangs up drops the request's future while its statement's
/// rows are still on the wire. The connection goes back to its pool (on
/// PostgreSQL the read connections, which skip sqlx's release ping): the
/// next reads on it must get their own rows, not the abandoned ones.
async fn a_read_abandoned_mid_statement_leaves_its_connection_right(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    for i in 0..5 {
        publish_national(&repo, "ab", i, now() - Duration::minutes(i)).await;
    }
    let all = ArticleFilter::default();
    // Sequential reads: one read connection, reused by every read below.
    let expected = repo
        .latest_public(&all, page(5, None), now())
        .await
        .unwrap();
    let ids: Vec<i64> = expected.items.iter().map(|a| a.id).collect();
    // Polled once, a read has sent its statement and waits for the rows;
    // then it is dropped. (It can finish in that one poll when the test's
    // thread is preempted between sending and reading, as on a loaded
    // machine, where CI once saw 20 in a row finish: try until one is
    // abandoned.)
    let mut abandoned = 0;
    let mut finished = Vec::new();
    for _ in 0..1000 {
        let done = tokio::select! {
            biased;
            r = repo.public_article_by_id(ids[0], now()) => Some(r),
            () = std::future::ready(()) => None,
        };
        match done {
            None => {
                abandoned += 1;
                break;
            }
            Some(r) => finished.push(r.map(|a| a.map(|a| a.summary.id))),
        }
    }
    assert_eq!(
        abandoned,
        1,
        "no read was left mid-statement; {} finished in one poll",
        finished.len()
    );
    assert!(
        finished
            .iter()
            .all(|r| matches!(r, Ok(Some(id)) if *id == ids[0])),
        "a read that finished got its own row"
    );
    let again = repo
        .latest_public(&all, page(5, None), now())
        .await
        .unwrap();
    assert_eq!(again.items.iter().map(|a| a.id).collect::<Vec<_>>(), ids);
    let one = repo
        .public_article_by_id(ids[3], now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(one.summary.id, ids[3]);
    assert_eq!(one.summary.headline, expected.items[3].headline);
}

/// A collection save or delete leaves a change-log row (other instances'
/// pollers see it), marked as a collection's; the partners' change feed and
/// the feeds' last-change time deal in articles and skip it.
async fn collection_writes_are_in_the_change_log_but_not_among_article_changes(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    publish_national(&repo, "cw", 1, now() - Duration::hours(2)).await;
    let article_changes = repo
        .changes_by_effective_time(None, now() + Duration::hours(1), 100)
        .await
        .unwrap();
    let last_article_change = repo
        .last_change_at(now() + Duration::hours(1))
        .await
        .unwrap();
    let start = repo.last_change_id().await.unwrap();
    let ids = [article_changes[0].article_id];
    let later = now() + Duration::minutes(5);
    repo.save_collection(
        "lead",
        persistence::CollectionKind::List,
        "প্রধান",
        None,
        &ids,
        later.into(),
    )
    .await
    .unwrap();
    repo.delete_collection(
        "lead",
        persistence::CollectionKind::List,
        (later + Duration::minutes(1)).into(),
    )
    .await
    .unwrap();
    let rows = repo.changes_after(start, 100).await.unwrap();
    let actions: Vec<(&str, bool)> = rows
        .iter()
        .map(|c| (c.action.as_str(), c.is_collection()))
        .collect();
    assert_eq!(
        actions,
        vec![("collection.save", true), ("collection.delete", true)]
    );
    assert_eq!(
        repo.changes_by_effective_time(None, now() + Duration::hours(1), 100)
            .await
            .unwrap(),
        article_changes
    );
    assert_eq!(
        repo.last_change_at(now() + Duration::hours(1))
            .await
            .unwrap(),
        last_article_change
    );
}

async fn every_article_write_is_in_the_change_log_with_its_future_transitions(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    let start = repo.last_change_id().await.unwrap();
    let go_live = now() + Duration::hours(3);
    let mut a = article("cl", "খবর", "national", go_live);
    a.status = ArticleStatus::Scheduled;
    a.publish_at = Some(go_live);
    let id = repo.upsert_article(&a, now()).await.unwrap().id();
    // An unchanged upsert records nothing; a real update does.
    repo.upsert_article(&a, now()).await.unwrap();
    let mut edited = a.clone();
    edited.headline = Headline::parse("নতুন শিরোনাম").unwrap();
    repo.upsert_article(&edited, now() + Duration::minutes(1))
        .await
        .unwrap();
    let rows = repo.changes_after(start, 100).await.unwrap();
    let actions: Vec<(&str, i64)> = rows
        .iter()
        .map(|c| (c.action.as_str(), c.article_id))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("article.create", id),
            ("golive", id),
            ("article.upsert", id),
            ("golive", id)
        ]
    );
    assert!(rows.windows(2).all(|w| w[0].id < w[1].id));
    let due = repo
        .changes_effective_between(now() + Duration::hours(2), now() + Duration::hours(4), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 2);
    assert!(
        due.iter()
            .all(|c| c.action == "golive" && c.effective_at == go_live)
    );
    assert!(
        repo.changes_effective_between(now(), now() + Duration::hours(1), 10)
            .await
            .unwrap()
            .iter()
            .all(|c| c.action != "golive")
    );
    let feed = repo
        .changes_by_effective_time(None, now() + Duration::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!(feed.len(), 2, "future rows wait for their time");
}

/// Every combination of status and past/future/absent times, stored and
/// read back: the repository returns exactly what `domain::is_public` admits.
async fn the_sql_visibility_rule_agrees_with_the_domain_rule(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    let times = [
        None,
        Some(now() - Duration::hours(1)),
        Some(now() + Duration::hours(1)),
    ];
    let mut cases = Vec::new();
    let mut n = 0;
    for status in [
        ArticleStatus::Draft,
        ArticleStatus::Scheduled,
        ArticleStatus::Published,
        ArticleStatus::Unpublished,
    ] {
        for published_at in times {
            for publish_at in times {
                for embargo_until in times {
                    n += 1;
                    let mut a = article(&format!("v{n}"), "খবর", "national", now());
                    a.status = status;
                    a.published_at = published_at;
                    a.publish_at = publish_at;
                    a.embargo_until = embargo_until;
                    let id = repo.upsert_article(&a, now()).await.unwrap().id();
                    let expected =
                        domain::is_public(status, published_at, publish_at, embargo_until, now());
                    cases.push((
                        id,
                        expected,
                        format!("{status:?} {published_at:?} {publish_at:?} {embargo_until:?}"),
                    ));
                }
            }
        }
    }
    let listed = all_ids(&repo, &ArticleFilter::default(), 50, now()).await;
    for (id, expected, case) in &cases {
        let found = repo
            .public_article_by_id(*id, now())
            .await
            .unwrap()
            .is_some();
        assert_eq!(found, *expected, "by id: {case}");
        assert_eq!(listed.contains(id), *expected, "in the list: {case}");
    }
    assert!(cases.iter().any(|c| c.1) && cases.iter().any(|c| !c.1));
}

async fn latest_is_newest_first_and_pages_cover_everything_once(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    // 7 articles, three of them sharing one instant (ties broken by id).
    for i in 0..7 {
        let t = now() - Duration::hours(if (2..5).contains(&i) { 3 } else { i + 1 });
        publish_national(&repo, "a", i, t).await;
    }
    let filter = ArticleFilter::default();
    let first = repo
        .latest_public(&filter, page(3, None), now())
        .await
        .unwrap();
    assert_eq!(first.items.len(), 3);
    assert!(first.has_more());
    let ids = all_ids(&repo, &filter, 3, now()).await;
    assert_eq!(ids.len(), 7);
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 7, "no article twice: {ids:?}");
    let everything = repo
        .latest_public(&filter, page(50, None), now())
        .await
        .unwrap();
    assert_eq!(
        everything.items.iter().map(|a| a.id).collect::<Vec<_>>(),
        ids
    );
    for w in everything.items.windows(2) {
        let key = |a: &domain::ArticleSummary| (a.published_at, a.id);
        assert!(key(&w[0]) > key(&w[1]), "not in keyset order");
    }
    assert!(!everything.has_more());
}

async fn pagination_is_stable_when_newer_articles_arrive(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    for i in 0..6 {
        let t = now() - Duration::hours(i + 1);
        repo.upsert_article(&article(&format!("b{i}"), "খবর", "national", t), now())
            .await
            .unwrap();
    }
    let filter = ArticleFilter::default();
    let first = repo
        .latest_public(&filter, page(3, None), now())
        .await
        .unwrap();
    // Two newer stories are published between the client's page requests.
    for i in 0..2 {
        let t = now() - Duration::minutes(10 + i);
        repo.upsert_article(&article(&format!("new{i}"), "ব্রেকিং", "national", t), now())
            .await
            .unwrap();
    }
    let second = repo
        .latest_public(&filter, page(3, first.next_cursor), now())
        .await
        .unwrap();
    let seen: Vec<i64> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|a| a.id)
        .collect();
    let expected: Vec<i64> = {
        let all = repo
            .latest_public(&filter, page(50, None), now())
            .await
            .unwrap();
        all.items.iter().skip(2).map(|a| a.id).collect()
    };
    assert_eq!(
        seen, expected,
        "the second page continues exactly where the first ended"
    );
}

async fn section_filter_includes_sub_sections_and_secondary_sections(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    let t = now() - Duration::hours(1);
    let sports = repo
        .upsert_article(&article("s1", "খেলা", "sports", t), now())
        .await
        .unwrap()
        .id();
    let cricket = repo
        .upsert_article(&article("c1", "ক্রিকেট", "cricket", t), now())
        .await
        .unwrap()
        .id();
    let mut both = article("n1", "জাতীয় দল", "national", t);
    both.secondary_sections = vec![section("cricket", "ক্রিকেট", Some("sports"))];
    let national = repo.upsert_article(&both, now()).await.unwrap().id();
    // Filed in cricket with sports as a secondary section: in the sports
    // list by both rules, and there once.
    let mut twice = article("c2", "টেস্ট দল", "cricket", t - Duration::minutes(1));
    twice.secondary_sections = vec![section("sports", "খেলা", None)];
    let twice = repo.upsert_article(&twice, now()).await.unwrap().id();
    let sections = repo.sections().await.unwrap();
    let id_of = |slug: &str| sections.iter().find(|s| s.slug == slug).unwrap().id;

    let sports_filter = ArticleFilter {
        section_ids: Some(section_subtree(&sections, id_of("sports"))),
        ..Default::default()
    };
    let mut expected = vec![sports, cricket, national, twice];
    expected.sort();
    for page_size in [10, 1, 2] {
        let mut ids = all_ids(&repo, &sports_filter, page_size, now()).await;
        ids.sort();
        assert_eq!(ids, expected, "pages of {page_size}");
    }

    let cricket_filter = ArticleFilter {
        section_ids: Some(section_subtree(&sections, id_of("cricket"))),
        ..Default::default()
    };
    let mut ids = all_ids(&repo, &cricket_filter, 10, now()).await;
    ids.sort();
    let mut expected = vec![cricket, national, twice];
    expected.sort();
    assert_eq!(ids, expected);
    let full = repo
        .public_article_by_id(national, now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(full.secondary_section_ids, vec![id_of("cricket")]);
}

async fn tag_author_and_date_filters_narrow_the_list(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    let mut a = article("t1", "বাজেট", "national", now() - Duration::days(3));
    a.tags = vec![TagUpsert {
        slug: Slug::parse("budget").unwrap(),
        name: "বাজেট".into(),
        name_en: None,
        language: "bn".into(),
    }];
    a.authors = vec![AuthorUpsert {
        slug: Slug::parse("rahim").unwrap(),
        name: "রহিম".into(),
        name_en: None,
        language: "bn".into(),
        bio: None,
        avatar_url: None,
    }];
    let tagged = repo.upsert_article(&a, now()).await.unwrap().id();
    let other = repo
        .upsert_article(
            &article("t2", "অন্য খবর", "national", now() - Duration::hours(2)),
            now(),
        )
        .await
        .unwrap()
        .id();
    let tag = repo.tag_by_slug("budget").await.unwrap().unwrap();
    let author = repo.author_by_slug("rahim").await.unwrap().unwrap();
    let by_tag = ArticleFilter {
        tags: domain::IdSet::one(tag.id),
        ..Default::default()
    };
    assert_eq!(all_ids(&repo, &by_tag, 10, now()).await, vec![tagged]);
    let by_author = ArticleFilter {
        authors: domain::IdSet::one(author.id),
        ..Default::default()
    };
    assert_eq!(all_ids(&repo, &by_author, 10, now()).await, vec![tagged]);
    let recent = ArticleFilter {
        from: Some(now() - Duration::days(1)),
        ..Default::default()
    };
    assert_eq!(all_ids(&repo, &recent, 10, now()).await, vec![other]);
    let older = ArticleFilter {
        to: Some(now() - Duration::days(1)),
        ..Default::default()
    };
    assert_eq!(all_ids(&repo, &older, 10, now()).await, vec![tagged]);
    let page = repo
        .latest_public(&by_tag, page(5, None), now())
        .await
        .unwrap();
    assert_eq!(page.items[0].tag_ids, vec![tag.id]);
    assert_eq!(page.items[0].author_ids, vec![author.id]);
}

async fn unpublished_articles_are_never_returned(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    let past = now() - Duration::hours(1);
    let future = now() + Duration::hours(1);
    let public = repo
        .upsert_article(&article("ok", "প্রকাশিত", "national", past), now())
        .await
        .unwrap()
        .id();
    let mut hidden = Vec::new();
    let mut draft = article("draft", "খসড়া", "national", past);
    draft.status = ArticleStatus::Draft;
    let mut unpublished = article("gone", "প্রত্যাহার", "national", past);
    unpublished.status = ArticleStatus::Unpublished;
    let mut scheduled = article("later", "পরে", "national", future);
    scheduled.status = ArticleStatus::Scheduled;
    scheduled.publish_at = Some(future);
    let mut embargoed = article("embargo", "নিষেধাজ্ঞা", "national", past);
    embargoed.embargo_until = Some(future);
    let future_dated = article("future", "ভবিষ্যৎ", "national", future);
    for a in [draft, unpublished, scheduled, embargoed, future_dated] {
        let slug = a.slug.to_string();
        hidden.push((repo.upsert_article(&a, now()).await.unwrap().id(), slug));
    }
    let ids = all_ids(&repo, &ArticleFilter::default(), 50, now()).await;
    assert_eq!(ids, vec![public]);
    for (id, slug) in &hidden {
        assert!(
            repo.public_article_by_id(*id, now())
                .await
                .unwrap()
                .is_none(),
            "{slug} by id"
        );
        assert!(
            repo.public_article_by_slug(slug, now())
                .await
                .unwrap()
                .is_none(),
            "{slug} by slug"
        );
        assert!(
            repo.article_by_id(*id).await.unwrap().is_some(),
            "{slug} is stored"
        );
    }
    let all: Vec<i64> = hidden.iter().map(|(id, _)| *id).chain([public]).collect();
    let found = repo.public_summaries_by_ids(&all, now()).await.unwrap();
    assert_eq!(found.iter().map(|a| a.id).collect::<Vec<_>>(), vec![public]);
    let full = repo.public_articles_by_ids(&all, now()).await.unwrap();
    assert_eq!(
        full.iter().map(|a| a.summary.id).collect::<Vec<_>>(),
        vec![public]
    );
}

async fn scheduled_article_is_invisible_until_its_time(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    let go_live = now() + Duration::minutes(30);
    let mut a = article("sched", "নির্ধারিত", "national", go_live);
    a.status = ArticleStatus::Scheduled;
    a.publish_at = Some(go_live);
    let id = repo.upsert_article(&a, now()).await.unwrap().id();
    let before = go_live - Duration::seconds(1);
    assert!(
        repo.public_article_by_id(id, before)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        all_ids(&repo, &ArticleFilter::default(), 10, before)
            .await
            .is_empty()
    );
    assert!(
        repo.public_article_by_id(id, go_live)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        all_ids(&repo, &ArticleFilter::default(), 10, go_live).await,
        vec![id]
    );

    let lift = now() + Duration::hours(2);
    let mut e = article("emb", "নিষেধাজ্ঞা", "national", now() - Duration::hours(1));
    e.embargo_until = Some(lift);
    let eid = repo.upsert_article(&e, now()).await.unwrap().id();
    assert!(
        repo.public_article_by_id(eid, lift - Duration::seconds(1))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        repo.public_article_by_id(eid, lift)
            .await
            .unwrap()
            .is_some()
    );
}

async fn a_page_costs_the_same_number_of_queries_whatever_its_size(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    for i in 0..30 {
        let mut a = article(
            &format!("q{i}"),
            "খবর",
            "national",
            now() - Duration::minutes(i + 1),
        );
        a.tags = vec![
            TagUpsert {
                slug: Slug::parse(&format!("tag-{i}")).unwrap(),
                name: format!("ট্যাগ {i}"),
                name_en: None,
                language: "bn".into(),
            },
            TagUpsert {
                slug: Slug::parse("common").unwrap(),
                name: "সাধারণ".into(),
                name_en: None,
                language: "bn".into(),
            },
        ];
        a.authors = vec![AuthorUpsert {
            slug: Slug::parse(&format!("author-{i}")).unwrap(),
            name: format!("লেখক {i}"),
            name_en: None,
            language: "bn".into(),
            bio: None,
            avatar_url: None,
        }];
        repo.upsert_article(&a, now()).await.unwrap();
    }
    let count = |limit: i64| {
        let repo = repo.clone();
        async move {
            let before = db.counter.get();
            let p = repo
                .latest_public(&ArticleFilter::default(), page(limit, None), now())
                .await
                .unwrap();
            assert_eq!(p.items.len() as i64, limit);
            assert!(
                p.items
                    .iter()
                    .all(|a| a.tag_ids.len() == 2 && a.author_ids.len() == 1)
            );
            db.counter.get() - before
        }
    };
    let small = count(2).await;
    let large = count(30).await;
    assert_eq!(small, large, "queries must not grow with the page size");
    assert_eq!(
        large, 1,
        "the page with its authors and tags in one statement"
    );

    // A reader that sends no authors or tags (sparse fields) skips the
    // link subqueries: the same articles, with no link ids.
    let before = db.counter.get();
    let bare = repo
        .latest_public_with(
            &ArticleFilter::default(),
            page(30, None),
            now(),
            Links::Skip,
        )
        .await
        .unwrap();
    assert_eq!(db.counter.get() - before, 1, "one statement without links");
    let full = repo
        .latest_public(&ArticleFilter::default(), page(30, None), now())
        .await
        .unwrap();
    let ids = |p: &persistence::Page<domain::ArticleSummary>| {
        p.items.iter().map(|a| a.id).collect::<Vec<_>>()
    };
    assert_eq!(ids(&bare), ids(&full));
    assert!(
        bare.items
            .iter()
            .all(|a| a.tag_ids.is_empty() && a.author_ids.is_empty())
    );
    assert_eq!(bare.next_cursor, full.next_cursor);

    // A reader that asked for headlines only: the other text columns come
    // back empty, on the global list and a section's (the merged branches).
    let national = repo
        .sections()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.slug == "national")
        .unwrap();
    let lean_read = ListRead {
        links: Links::Skip,
        columns: SummaryColumns {
            headline: true,
            slug: false,
            kicker: false,
            summary: false,
            desk: false,
            image: false,
        },
    };
    for filter in [
        ArticleFilter::default(),
        ArticleFilter {
            section_ids: Some(vec![national.id]),
            section_roots: vec![national.id],
            ..Default::default()
        },
    ] {
        let full = repo
            .latest_public(&filter, page(30, None), now())
            .await
            .unwrap();
        let before = db.counter.get();
        let lean = repo
            .latest_public_with(&filter, page(30, None), now(), lean_read)
            .await
            .unwrap();
        assert_eq!(db.counter.get() - before, 1);
        assert_eq!(ids(&lean), ids(&full));
        assert_eq!(lean.next_cursor, full.next_cursor);
        for (l, f) in lean.items.iter().zip(&full.items) {
            assert_eq!(l.headline, f.headline);
            assert_eq!(
                (l.published_at, l.section_id, l.status),
                (f.published_at, f.section_id, f.status)
            );
            assert!(!f.slug.is_empty() && f.summary.is_some() && f.desk.is_some());
            assert_eq!(l.slug, "");
            assert_eq!(
                (&l.summary, &l.desk, &l.kicker, &l.image),
                (&None, &None, &None, &None)
            );
        }
    }
    let id = full.items[0].id;
    let before = db.counter.get();
    let one = repo
        .public_article_by_id_with(id, now(), Links::Skip)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(db.counter.get() - before, 1, "one statement without links");
    assert!(one.summary.tag_ids.is_empty());
    let before = db.counter.get();
    let whole = repo.public_article_by_id(id, now()).await.unwrap().unwrap();
    assert_eq!(
        db.counter.get() - before,
        1,
        "with its links in one statement"
    );
    assert_eq!(whole.summary.tag_ids.len(), 2);
    assert_eq!(whole.summary.author_ids.len(), 1);
    assert_eq!(one.body, whole.body);
}

async fn upsert_by_external_id_is_idempotent(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    let a = article(
        "ext-1",
        "প্রথম শিরোনাম",
        "national",
        now() - Duration::hours(1),
    );
    let created = repo.upsert_article(&a, now()).await.unwrap();
    assert!(matches!(created, UpsertOutcome::Created(_)));
    let again = repo.upsert_article(&a, now()).await.unwrap();
    assert_eq!(again, UpsertOutcome::Unchanged(created.id()));
    let mut changed = a.clone();
    changed.headline = Headline::parse("সংশোধিত শিরোনাম").unwrap();
    let updated = repo
        .upsert_article(&changed, now() + Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(updated, UpsertOutcome::Updated(created.id()));
    let stored = repo.article_by_id(created.id()).await.unwrap().unwrap();
    assert_eq!(stored.summary.headline, "সংশোধিত শিরোনাম");
    assert_eq!(stored.version, 2);
    assert_eq!(stored.summary.updated_at, now() + Duration::minutes(5));
    assert_eq!(repo.article_count_all().await.unwrap(), 1);
}

async fn slug_clash_gets_a_numeric_suffix(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    let t = now() - Duration::hours(1);
    let mut a = article("x1", "একই", "national", t);
    a.slug = Slug::parse("same-slug").unwrap();
    let mut b = article("x2", "একই", "national", t);
    b.slug = Slug::parse("same-slug").unwrap();
    let first = repo.upsert_article(&a, now()).await.unwrap().id();
    let second = repo.upsert_article(&b, now()).await.unwrap().id();
    assert_ne!(first, second);
    assert_eq!(
        repo.public_article_by_slug("same-slug", now())
            .await
            .unwrap()
            .unwrap()
            .summary
            .id,
        first
    );
    assert_eq!(
        repo.public_article_by_slug("same-slug-2", now())
            .await
            .unwrap()
            .unwrap()
            .summary
            .id,
        second
    );
}

async fn bengali_text_round_trips_byte_exact(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    // ZWJ and ZWNJ are kept; য় in NFC form.
    let text = "র‍্যাব ও পুলিশ‌ের যৌথ অভিযান। বিজয় দিবস ২০২৪";
    let headline = domain::text::nfc(text);
    let mut a = article("bn", &headline, "national", now() - Duration::hours(1));
    a.body = vec![Block::Paragraph {
        text: headline.clone(),
    }];
    let id = repo.upsert_article(&a, now()).await.unwrap().id();
    let stored = repo.public_article_by_id(id, now()).await.unwrap().unwrap();
    assert_eq!(stored.summary.headline.as_bytes(), headline.as_bytes());
    assert_eq!(
        stored.body,
        vec![Block::Paragraph {
            text: headline.clone()
        }]
    );
    assert!(stored.summary.headline.contains('\u{200D}'));
}

async fn excluded_article_is_left_out_of_more_from_section(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let t = now() - Duration::hours(i + 1);
        ids.push(
            repo.upsert_article(&article(&format!("m{i}"), "খবর", "sports", t), now())
                .await
                .unwrap()
                .id(),
        );
    }
    repo.upsert_article(&article("other", "অন্য", "national", now()), now())
        .await
        .unwrap();
    let sections = repo.sections().await.unwrap();
    let sports = sections.iter().find(|s| s.slug == "sports").unwrap().id;
    let filter = ArticleFilter {
        section_ids: Some(section_subtree(&sections, sports)),
        exclude_id: Some(ids[1]),
        ..Default::default()
    };
    assert_eq!(
        all_ids(&repo, &filter, 10, now()).await,
        vec![ids[0], ids[2], ids[3]]
    );
}

async fn corrupt_row_is_an_error_not_a_panic(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    let id = repo
        .upsert_article(
            &article("bad", "খবর", "national", now() - Duration::hours(1)),
            now(),
        )
        .await
        .unwrap()
        .id();
    db.db
        .execute_unprepared(&format!(
            "UPDATE articles SET body = '{{\"not\":\"blocks\"}}' WHERE id = {id}"
        ))
        .await
        .unwrap();
    let err = repo.public_article_by_id(id, now()).await.unwrap_err();
    assert!(
        matches!(
            err,
            RepoError::Corrupt {
                table: "articles",
                ..
            }
        ),
        "{err:?}"
    );
}

async fn sections_come_back_as_a_tree(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    seed_sections(&repo).await;
    let sections = repo.sections().await.unwrap();
    let forest = domain::SectionNode::forest(&sections);
    let sports = forest.iter().find(|n| n.section.slug == "sports").unwrap();
    assert_eq!(sports.children.len(), 1);
    assert_eq!(sports.children[0].section.slug, "cricket");
    assert_eq!(sports.children[0].section.name, "ক্রিকেট");
    let unknown_parent = repo
        .ensure_section(&section("orphan", "অনাথ", Some("missing")))
        .await;
    assert!(matches!(unknown_parent, Err(RepoError::Invalid(_))));
}
