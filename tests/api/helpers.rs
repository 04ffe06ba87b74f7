//! `spawn_app()` and the fixture every surface test reads.

use std::sync::{Arc, Mutex};

use api::config::Settings;
use api::startup::Application;
use app::clock::Clock;
use chrono::{DateTime, Duration, Utc};
use domain::{ArticleStatus, Block, Headline, Image, Slug};
use persistence::testing::{Engine, TestDb};
use persistence::{
    ArticleUpsert, AuthorUpsert, ContentRepo, QueryCounter, SectionUpsert, TagUpsert,
};
use serde_json::Value;

/// Runs each test once on SQLite and once on PostgreSQL, each leg with a
/// fresh database:
///
/// - `on_both!(a, b)`: `a(&app)` against a server over the fixture;
/// - `on_both!(configure = f; a, b)`: the same, with the server's settings
///   changed by `f(&mut Settings)`, a function of the calling module;
/// - `on_both!(db; a, b)`: `a(&db)` on a bare [`TestDb`] (no server, no
///   fixture).
#[macro_export]
macro_rules! on_both {
    (@app $name:ident, |$engine:ident| $spawn:expr) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $engine = persistence::testing::Engine::Sqlite;
                if let Some(app) = $spawn.await {
                    super::$name(&app).await;
                    app.cleanup().await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let $engine = persistence::testing::Engine::Postgres;
                if let Some(app) = $spawn.await {
                    super::$name(&app).await;
                    app.cleanup().await;
                }
            }
        }
    };
    (db; $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                if let Some(db) = persistence::testing::TestDb::new(persistence::testing::Engine::Sqlite).await.unwrap() {
                    super::$name(&db).await;
                    db.cleanup().await;
                }
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(db) = persistence::testing::TestDb::new(persistence::testing::Engine::Postgres).await.unwrap() {
                    super::$name(&db).await;
                    db.cleanup().await;
                }
            }
        }
    )*};
    (configure = $configure:ident; $($name:ident),* $(,)?) => {$(
        $crate::on_both!(@app $name, |engine| $crate::helpers::spawn_app_custom(engine, true, super::$configure));
    )*};
    ($($name:ident),* $(,)?) => {$(
        $crate::on_both!(@app $name, |engine| $crate::helpers::spawn_app(engine));
    )*};
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Option<TestDb>,
    pub repo: ContentRepo,
    pub ids: Fixture,
    /// Statements the server ran.
    pub queries: QueryCounter,
    /// Moves the server's clock; starts at the real time.
    pub clock_offset: Arc<Mutex<Duration>>,
    /// The server's search and discovery service (to sync the index now).
    pub discovery: app::discovery::DiscoveryService,
    stop: api::startup::StopHandle,
}

/// Ids of the fixture's articles.
#[derive(Debug, Clone, Default)]
pub struct Fixture {
    /// Public articles, newest first.
    pub public: Vec<i64>,
    pub draft: i64,
    pub scheduled: i64,
    pub embargoed: i64,
    pub unpublished: i64,
    pub future_dated: i64,
    /// Deleted by an editor (soft: unpublished, kept).
    pub deleted: i64,
    /// When the scheduled article goes live and the embargo lifts.
    pub go_live: DateTime<Utc>,
}

impl Fixture {
    pub fn hidden(&self) -> Vec<(&'static str, i64)> {
        vec![
            ("draft", self.draft),
            ("scheduled", self.scheduled),
            ("embargoed", self.embargoed),
            ("unpublished", self.unpublished),
            ("future-dated", self.future_dated),
            ("deleted", self.deleted),
        ]
    }
}

pub async fn spawn_app(engine: Engine) -> Option<TestApp> {
    spawn_app_with(engine, true).await
}

/// Starts the server on `127.0.0.1:0` over a fresh database; `None` only
/// when the PostgreSQL leg is explicitly skipped.
pub async fn spawn_app_with(engine: Engine, fixture: bool) -> Option<TestApp> {
    spawn_app_custom(engine, fixture, |_| {}).await
}

/// Like [`spawn_app_with`], with a chance to change the settings.
pub async fn spawn_app_custom(
    engine: Engine,
    fixture: bool,
    configure: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    if std::env::var("TEST_LOG").is_ok() {
        api::http::telemetry::init(false);
    }
    let db = match engine {
        Engine::Sqlite => TestDb::sqlite_file().await.expect("sqlite test database"),
        Engine::Postgres => TestDb::postgres().await.expect("postgres test database")?,
    };
    spawn_on(db, fixture, configure).await
}

/// Starts a server over an existing test database (a second instance).
pub async fn spawn_on(
    db: TestDb,
    fixture: bool,
    configure: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    let repo = ContentRepo::new(db.db.clone());
    let now = Utc::now();
    let ids = if fixture {
        seed(&repo, now).await
    } else {
        Fixture::default()
    };
    let offset = Arc::new(Mutex::new(Duration::zero()));
    let clock_offset = offset.clone();
    let clock = Clock::from_fn(move || Utc::now() + offset.lock().map(|o| *o).unwrap_or_default());
    let queries = QueryCounter::default();
    let mut settings = Settings::new(db.url.clone(), "127.0.0.1:0");
    settings.workers = Some(2);
    settings.query_counter = Some(queries.clone());
    // Tests sync the search index explicitly (`sync_index`), so statement
    // counts are not disturbed by the background poller.
    settings.sync_interval = std::time::Duration::from_secs(3600);
    // Nor by the webhook dispatcher (the webhook tests turn it on).
    settings.webhooks_enabled = false;
    // Tests run side by side on two cores: a request may wait for a
    // database slot longer than a production deadline would let it.
    settings.queue_timeout = std::time::Duration::from_secs(30);
    configure(&mut settings);
    let app = Application::build_with_clock(settings, clock)
        .await
        .expect("app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let stop = app.stop_handle();
    let discovery = app.discovery().clone();
    tokio::spawn(app.run_until_stopped());
    Some(TestApp {
        address,
        client: reqwest::Client::builder().build().unwrap(),
        db: Some(db),
        repo,
        ids,
        queries,
        clock_offset,
        discovery,
        stop,
    })
}

/// A second server over the same database, as another instance behind the
/// load balancer would be. Its change-log poller is slow; tests sync it by
/// hand (the poller would, within its interval).
pub struct SecondInstance {
    pub address: String,
    pub discovery: app::discovery::DiscoveryService,
    pub index_origin: api::startup::IndexOrigin,
    handle: actix_web::dev::ServerHandle,
}

impl SecondInstance {
    pub async fn start(a: &TestApp) -> Self {
        Self::start_with(a, |_| {}).await
    }

    /// Like [`SecondInstance::start`], with a chance to change the settings.
    pub async fn start_with(a: &TestApp, configure: impl FnOnce(&mut Settings)) -> Self {
        let url = a.db.as_ref().expect("a test database").url.clone();
        let mut settings = Settings::new(url, "127.0.0.1:0");
        settings.workers = Some(1);
        settings.sync_interval = std::time::Duration::from_secs(3600);
        settings.webhooks_enabled = false;
        configure(&mut settings);
        let b = Application::build(settings).await.expect("second instance");
        let address = format!("http://127.0.0.1:{}", b.port());
        let discovery = b.discovery().clone();
        let handle = b.server_handle();
        let index_origin = b.index_origin().clone();
        tokio::spawn(b.run_until_stopped());
        Self {
            address,
            discovery,
            index_origin,
            handle,
        }
    }

    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// GET and parse JSON, asserting the status.
    pub async fn get_json(&self, path: &str, status: u16) -> Value {
        let res = self.get(path).await;
        assert_eq!(res.status().as_u16(), status, "GET {path}");
        res.json().await.expect("json body")
    }

    /// A public list, all pages followed; returns the ids in order.
    pub async fn list_ids(&self, path: &str) -> Vec<i64> {
        let mut ids = Vec::new();
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut next: Option<String> = None;
        loop {
            let url = match &next {
                Some(c) => format!("{path}{sep}cursor={c}"),
                None => path.to_owned(),
            };
            let body = self.get_json(&url, 200).await;
            for a in body["data"].as_array().unwrap() {
                ids.push(a["id"].as_str().unwrap().parse().unwrap());
            }
            match body["page"]["nextCursor"].as_str() {
                Some(c) => next = Some(c.to_owned()),
                None => return ids,
            }
        }
    }

    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let res = self
            .client
            .post(self.url("/graphql"))
            .json(&serde_json::json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status().as_u16(), 200);
        res.json().await.expect("json")
    }

    /// A new API key of `scope`, as `barta keys create` makes it.
    pub async fn key(&self, scope: domain::Scope) -> String {
        let (secret, hash, prefix) = app::auth::generate_key().unwrap();
        self.repo
            .create_key(
                &format!("{scope} key"),
                scope,
                &hash,
                &prefix,
                persistence::WriteContext::system(Utc::now()),
            )
            .await
            .unwrap();
        secret
    }

    /// A request with a bearer key.
    pub fn with_key(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
    ) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path)).bearer_auth(key)
    }

    /// GraphQL with a bearer key (any status).
    pub async fn graphql_as(&self, key: &str, query: &str, variables: Value) -> Value {
        let res = self
            .client
            .post(self.url("/graphql"))
            .bearer_auth(key)
            .json(&serde_json::json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("request");
        res.json().await.expect("json")
    }

    /// The statements the server runs for `request`: the fewest of three
    /// runs. The counter sees every statement, and a background task (the
    /// live hub polls after each article write, and at scheduled instants)
    /// may run some meanwhile; they only ever add.
    pub async fn statements<F, Fut>(&self, request: F) -> u64
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let mut fewest = u64::MAX;
        for _ in 0..3 {
            let before = self.queries.get();
            request().await;
            fewest = fewest.min(self.queries.get() - before);
        }
        fewest
    }

    /// Brings the search index up to date (the background poller would,
    /// within a second); returns how many articles it re-indexed.
    pub async fn sync_index(&self) -> usize {
        self.discovery.sync().await.expect("index sync")
    }

    pub fn advance_clock(&self, by: Duration) {
        if let Ok(mut o) = self.clock_offset.lock() {
            *o += by;
        }
    }

    /// Stops the server the way SIGTERM does (poller, view counts, server).
    pub fn stop_handle(&self) -> &api::startup::StopHandle {
        &self.stop
    }

    /// Waits until the live hub has exactly `n` subscribers (a WebSocket
    /// subscription is set up after its `subscribe` message is read, with
    /// no answer to wait for).
    pub async fn await_subscribers(&self, n: usize) {
        let hub = self.stop.live();
        tokio::time::timeout(std::time::Duration::from_secs(20), async {
            while hub.subscribers() != n {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("subscribers within 20 s");
    }

    pub async fn cleanup(mut self) {
        self.stop.stop(false).await;
        if let Some(db) = self.db.take() {
            db.cleanup().await;
        }
    }
}

fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap()
}

fn section(s: &str, name: &str, parent: Option<&str>, position: i32) -> SectionUpsert {
    SectionUpsert {
        slug: slug(s),
        name: name.into(),
        name_en: Some(s.to_uppercase()),
        language: "bn".into(),
        parent: parent.map(slug),
        position,
        description: Some(format!("{name} বিভাগের খবর")),
    }
}

fn author(s: &str, name: &str) -> AuthorUpsert {
    AuthorUpsert {
        slug: slug(s),
        name: name.into(),
        name_en: None,
        language: "bn".into(),
        bio: Some(format!("{name}, নিজস্ব প্রতিবেদক")),
        avatar_url: None,
    }
}

fn tag(s: &str, name: &str) -> TagUpsert {
    TagUpsert {
        slug: slug(s),
        name: name.into(),
        name_en: None,
        language: "bn".into(),
    }
}

/// `s` percent-encoded for a query string: every byte but ASCII letters
/// and digits as `%XX`.
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub fn article(
    ext: &str,
    headline: &str,
    section_slug: &str,
    published: DateTime<Utc>,
) -> ArticleUpsert {
    ArticleUpsert {
        external_id: Some(ext.into()),
        slug: slug(ext),
        headline: Headline::parse(headline).unwrap(),
        kicker: Some("পরীক্ষা".into()),
        summary: Some(format!("{headline}: সংক্ষেপে")),
        body: vec![
            Block::Paragraph {
                text: format!("{headline}। প্রথম অনুচ্ছেদ।"),
            },
            Block::Heading {
                text: "বিস্তারিত".into(),
                level: 2,
            },
            Block::Paragraph {
                text: "দ্বিতীয় অনুচ্ছেদে <b>চিহ্ন</b> & আরও কথা।".into(),
            },
        ],
        section: section(section_slug, section_slug, None, 0),
        secondary_sections: vec![],
        section_ancestors: vec![],
        authors: vec![],
        tags: vec![],
        desk: Some("অনলাইন ডেস্ক".into()),
        source: Some("বাসস".into()),
        source_url: None,
        dateline: Some("ঢাকা".into()),
        image: None,
        status: ArticleStatus::Published,
        published_at: Some(published),
        publish_at: None,
        embargo_until: None,
        updated_at: None,
        canonical_url: None,
        word_count: 12,
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

/// Sections national, sports > cricket, international; five public
/// articles (newest first: p1 national, p2 cricket, p3 sports, p4
/// international, p5 cricket) and one of each hidden kind.
pub async fn seed(repo: &ContentRepo, now: DateTime<Utc>) -> Fixture {
    for s in [
        section("national", "জাতীয়", None, 1),
        section("sports", "খেলা", None, 2),
        section("cricket", "ক্রিকেট", Some("sports"), 1),
        section("international", "আন্তর্জাতিক", None, 3),
        section("জাতীয়-সংবাদ", "জাতীয় সংবাদ", Some("national"), 2),
    ] {
        repo.ensure_section(&s).await.unwrap();
    }
    let h = Duration::hours;
    let mut p1 = article("p1", "বাজেট ঘোষণা আজ", "national", now - h(1));
    p1.authors = vec![author("rahim", "রহিম উদ্দিন")];
    p1.tags = vec![tag("budget", "বাজেট")];
    p1.image = Some(Image {
        url: "https://images.example/p1.jpg".into(),
        alt: Some("সংসদ ভবন".into()),
        caption: Some("সংসদে বাজেট".into()),
        credit: Some("ছবি: বার্তা".into()),
        width: Some(1200),
        height: Some(675),
        ..Default::default()
    });
    let mut p2 = article("p2", "ক্রিকেটে বড় জয়", "cricket", now - h(2));
    p2.authors = vec![author("karima", "করিমা খাতুন"), author("rahim", "রহিম উদ্দিন")];
    p2.tags = vec![tag("series", "সিরিজ"), tag("budget", "বাজেট")];
    p2.secondary_sections = vec![section("national", "জাতীয়", None, 1)];
    let p3 = article("p3", "খেলার মাঠে নতুন মৌসুম", "sports", now - h(3));
    let mut p4 = article("p4", "বিশ্ব সংবাদ", "international", now - h(4));
    p4.secondary_sections = vec![section("জাতীয়-সংবাদ", "জাতীয় সংবাদ", Some("national"), 2)];
    let mut p5 = article("p5", "সিরিজের দ্বিতীয় ম্যাচ", "cricket", now - h(5));
    p5.tags = vec![tag("series", "সিরিজ")];
    let mut public = Vec::new();
    for a in [p1, p2, p3, p4, p5] {
        public.push(repo.upsert_article(&a, now).await.unwrap().id());
    }
    let go_live = now + Duration::days(1);
    let mut draft = article("hidden-draft", "খসড়া গোপন", "national", now - h(1));
    draft.status = ArticleStatus::Draft;
    draft.tags = vec![tag("budget", "বাজেট")];
    let mut scheduled = article("hidden-scheduled", "নির্ধারিত গোপন", "national", go_live);
    scheduled.status = ArticleStatus::Scheduled;
    scheduled.publish_at = Some(go_live);
    scheduled.tags = vec![tag("budget", "বাজেট")];
    let mut embargoed = article("hidden-embargoed", "নিষেধাজ্ঞা গোপন", "cricket", now - h(1));
    embargoed.embargo_until = Some(go_live);
    embargoed.authors = vec![author("rahim", "রহিম উদ্দিন")];
    let mut unpublished = article("hidden-unpublished", "প্রত্যাহার গোপন", "national", now - h(1));
    unpublished.status = ArticleStatus::Unpublished;
    let future_dated = article(
        "hidden-future",
        "ভবিষ্যৎ গোপন",
        "sports",
        go_live - Duration::minutes(1),
    );
    let deleted = article("hidden-deleted", "মুছে ফেলা গোপন", "national", now - h(1));
    let mut ids = Vec::new();
    for a in [
        draft,
        scheduled,
        embargoed,
        unpublished,
        future_dated,
        deleted,
    ] {
        ids.push(repo.upsert_article(&a, now).await.unwrap().id());
    }
    repo.update_article::<persistence::RepoError, _>(
        ids[5],
        None,
        "article.delete",
        now.into(),
        |s, _| {
            s.status = ArticleStatus::Unpublished;
            s.deleted_at = Some(now);
            Ok(())
        },
    )
    .await
    .unwrap();
    Fixture {
        public,
        draft: ids[0],
        scheduled: ids[1],
        embargoed: ids[2],
        unpublished: ids[3],
        future_dated: ids[4],
        deleted: ids[5],
        go_live,
    }
}

/// A validator for one component schema of an OpenAPI document (its
/// `$ref`s resolved within the document's components).
pub fn component_validator(doc: &Value, name: &str) -> jsonschema::Validator {
    let schema = serde_json::json!({
        "$ref": format!("#/components/schemas/{name}"),
        "components": doc["components"].clone(),
    });
    jsonschema::validator_for(&schema).unwrap()
}

/// An admin write with `key` that must succeed (200 or 201); its `data`.
pub async fn admin(
    app: &TestApp,
    key: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> Value {
    let (status, body) = send_as(app, key, method, path, body).await;
    assert!(status == 200 || status == 201, "{path}: {status} {body}");
    body["data"].clone()
}

/// A JSON request with `key`: its status and body (`null` when not JSON).
pub async fn send_as(
    app: &TestApp,
    key: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let res = app
        .client
        .request(method, app.url(path))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// An article written with `key` from `body`; published when `publish`.
/// Its id.
pub async fn write_article(app: &TestApp, key: &str, body: Value, publish: bool) -> String {
    let id = admin(app, key, reqwest::Method::POST, "/v1/admin/articles", body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    if publish {
        publish_article(app, key, &id).await;
    }
    id
}

/// Publishes an article now with `key`.
pub async fn publish_article(app: &TestApp, key: &str, id: &str) {
    admin(
        app,
        key,
        reqwest::Method::POST,
        &format!("/v1/admin/articles/{id}/publish"),
        serde_json::json!({}),
    )
    .await;
}
