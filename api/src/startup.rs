//! Builds the application from settings and binds its own listener, so tests
//! can start the real server on port 0.

use std::net::TcpListener;
use std::sync::Arc;

use actix_service::{IntoServiceFactory, ServiceFactoryExt, map_config};
use actix_web::dev::{AppConfig, Server, Service, fn_service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{Compress, ErrorHandlers, from_fn};
use actix_web::{App, HttpMessage, web};
use anyhow::Context;
use persistence::{ContentRepo, Database};
use tracing_actix_web::{RequestId, TracingLogger};

use crate::config::Settings;
use crate::graphql;
use crate::http::cache::ResponseCache;
use crate::http::error::plain_errors_to_problems;
use crate::rest;
use app::clock::Clock;
use app::comments::CommentService;
use app::content::ContentService;
use app::discovery::{DiscoveryService, ViewCounter};
use app::editorial::EditorialService;
use app::search::SearchIndex;
use app::webhooks::WebhookService;

pub struct Application {
    port: u16,
    server: Server,
    service: ContentService,
    discovery: DiscoveryService,
    stop: StopHandle,
    index_origin: IndexOrigin,
}

/// Stops the application in the one safe order. With PostgreSQL, a pooled
/// connection is bound to the runtime of the thread that opened it, and
/// each actix worker has a runtime of its own: once the workers are gone,
/// their connections fail with "the Tokio context is being shut down". So
/// the change-log poller is stopped (and awaited: a round in progress
/// finishes, no new one starts) and the buffered view counts are written
/// *before* the server stops its workers.
#[derive(Clone)]
pub struct StopHandle {
    server: actix_web::dev::ServerHandle,
    discovery: DiscoveryService,
    poller_stop: Arc<tokio::sync::watch::Sender<bool>>,
    poller_done: tokio::sync::watch::Receiver<bool>,
    webhooks: Option<crate::webhooks::Dispatcher>,
    live: Arc<crate::live::LiveHub>,
}

impl StopHandle {
    /// The live hub (one per instance) that feeds every open stream.
    pub fn live(&self) -> &Arc<crate::live::LiveHub> {
        &self.live
    }

    /// Stops the poller, writes buffered view counts, then stops the
    /// server: `graceful` lets requests in flight finish (up to 10 s).
    pub async fn stop(&self, graceful: bool) {
        // An error means the poller is gone already.
        let _ = self.poller_stop.send(true);
        let mut done = self.poller_done.clone();
        let _ = done.wait_for(|done| *done).await;
        // The attempt in flight finishes and its leases are given back.
        if let Some(webhooks) = &self.webhooks {
            webhooks.stop().await;
        }
        // Open streams end, so the server's drain does not wait on them.
        self.live.stop().await;
        if let Err(e) = self.discovery.flush_views().await {
            e.log();
        }
        self.server.stop(graceful).await;
    }
}

/// How an instance's search index came to be at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexOrigin {
    /// The index in its directory was complete (it catches up from the
    /// change log).
    Opened,
    /// Copied from a snapshot, then caught up from the change log.
    Snapshot(app::search::snapshot::SnapshotInfo),
    /// Built from the database (this many articles).
    Rebuilt(usize),
}

/// Opens the search index; when it is missing or stale, starts from the
/// newest snapshot in `snapshots` if there is one (the first sync then
/// catches up from the change log), else rebuilds it from the database.
pub async fn open_index(
    repo: &ContentRepo,
    dir: Option<&std::path::Path>,
    snapshots: Option<&std::path::Path>,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<(Arc<SearchIndex>, IndexOrigin)> {
    let started = std::time::Instant::now();
    let mut origin = IndexOrigin::Opened;
    let (mut index, mut rebuild) =
        SearchIndex::open(dir).context("cannot open the search index")?;
    if rebuild && let (Some(dir), Some(snapshots)) = (dir, snapshots) {
        // The writer's lock file goes with the index.
        drop(index);
        let (d, s) = (dir.to_owned(), snapshots.to_owned());
        let restored = tokio::task::spawn_blocking(move || app::search::snapshot::restore(&s, &d))
            .await
            .context("snapshot restore task")?;
        match restored {
            Ok(Some(info)) => {
                tracing::info!(
                    last_change = info.last_change,
                    documents = info.documents,
                    ms = started.elapsed().as_millis() as u64,
                    "search index copied from a snapshot"
                );
                origin = IndexOrigin::Snapshot(info);
            }
            Ok(None) => tracing::info!("no index snapshot yet: building the index"),
            Err(e) => {
                tracing::warn!(error = %e, "cannot use the index snapshot: building the index")
            }
        }
        (index, rebuild) = SearchIndex::open(Some(dir)).context("cannot open the search index")?;
    }
    if rebuild {
        let n = index
            .rebuild(repo, now)
            .await
            .context("cannot build the search index")?;
        tracing::info!(
            articles = n,
            ms = started.elapsed().as_millis() as u64,
            "search index built"
        );
        origin = IndexOrigin::Rebuilt(n);
    }
    Ok((Arc::new(index), origin))
}

/// Writes an index snapshot every `every` (when the index has absorbed
/// something new since the last one) until told to stop.
fn spawn_snapshots(
    index: Arc<SearchIndex>,
    into: std::path::PathBuf,
    every: std::time::Duration,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut written: Option<i64> = None;
        loop {
            tokio::select! {
                biased;
                _ = stopped.wait_for(|stop| *stop) => break,
                _ = ticker.tick() => {}
            }
            let last = index.last_change();
            if written == Some(last) {
                continue;
            }
            let started = std::time::Instant::now();
            match index.snapshot(&into).await {
                Ok(Some(path)) => {
                    written = Some(last);
                    tracing::info!(path = %path.display(), last_change = last,
                        ms = started.elapsed().as_millis() as u64, "index snapshot written");
                }
                Ok(None) => break,
                Err(e) => tracing::warn!(error = %e, "cannot write an index snapshot"),
            }
        }
    });
}

/// Connects to the database and applies pending migrations.
pub async fn open_database(url: &str) -> anyhow::Result<Database> {
    open_database_with(url, None).await
}

async fn open_database_with(
    url: &str,
    counter: Option<persistence::QueryCounter>,
) -> anyhow::Result<Database> {
    let db = Database::connect_with(url, counter)
        .await
        .with_context(|| format!("cannot open the database at {}", redact(url)))?;
    db.migrate().await.context("cannot migrate the database")?;
    Ok(db)
}

pub use persistence::redact;

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Clock::system()).await
    }

    pub async fn build_with_clock(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        // reqwest (the purge hook) uses rustls with the ring provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let db = open_database_with(&settings.database_url, settings.query_counter.clone())
            .await?
            .with_replicas(&settings.read_database_urls, settings.replica_max_lag)
            .context("cannot open the read replicas")?;
        let repo = ContentRepo::new(db);
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("cannot bind {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let image_base = settings.image_base_url.clone().unwrap_or_else(|| {
            let host = settings
                .bind
                .rsplit_once(':')
                .map_or("127.0.0.1", |(h, _)| h);
            let host = if host.is_empty() || host == "0.0.0.0" || host == "[::]" {
                "localhost"
            } else {
                host
            };
            format!("http://{host}:{port}")
        });
        let store = match (&settings.image_store, &settings.image_dir) {
            (Some(url), _) => s3_store(url)?,
            (None, Some(dir)) => app::images::ImageService::local_store(dir)
                .map_err(|e| anyhow::anyhow!("image directory {}: {e:?}", dir.display()))?,
            (None, None) => Arc::new(object_store::memory::InMemory::new()),
        };
        let images = app::images::ImageService::new(
            repo.clone(),
            clock.clone(),
            &image_base,
            store,
            settings.images,
        );
        if settings.demo {
            let seeded = app::demo::seed(&repo, clock.now(), Some(&images)).await?;
            tracing::info!(?seeded, "demo content");
        }
        if repo.database().is_sqlite() {
            repo.database()
                .refresh_statistics()
                .await
                .context("cannot analyze the database")?;
        }
        let (index, index_origin) = open_index(
            &repo.on_primary(),
            settings.index_dir.as_deref(),
            settings.index_snapshot_dir.as_deref(),
            clock.now(),
        )
        .await?;
        let cache = Arc::new(ResponseCache::new(
            settings.cache_enabled,
            settings.cache_policy,
            settings.purge_url.clone(),
        ));
        // Writes on this instance purge the cache, then wake the webhook
        // dispatcher (and queue their `cache.purge` keys).
        let wake = Arc::new(tokio::sync::Notify::new());
        let live_wake = Arc::new(tokio::sync::Notify::new());
        let (announcer, purges) = crate::webhooks::Announcer::new(
            cache.clone() as Arc<dyn app::events::ContentEvents>,
            wake.clone(),
            live_wake.clone(),
        );
        let shared = match &settings.redis_url {
            Some(url) => {
                let shared = app::shared::Shared::redis(url, &settings.redis_prefix)
                    .context("BARTA_REDIS_URL")?;
                if shared.ping().await == Some(false) {
                    tracing::warn!(
                        "Redis does not answer: quotas, flood control and view counts are per instance until it does"
                    );
                }
                shared
            }
            None => app::shared::Shared::none(),
        };
        let service = ContentService::new(repo, clock, settings.calendar_rule)
            .with_image_base(&image_base)
            .with_events(Arc::new(announcer) as Arc<dyn app::events::ContentEvents>)
            .with_shared(shared.clone());
        let discovery = DiscoveryService::new(service.clone(), index, Arc::new(ViewCounter::new()));
        discovery
            .sync()
            .await
            .map_err(|e| anyhow::anyhow!("search index sync: {e}"))?;
        // Change notices from the other instances (Redis pub/sub) wake the
        // change-log poll at once; the interval stays the safety net.
        let poke = Arc::new(tokio::sync::Notify::new());
        let (poller_stop, poller_done) =
            spawn_background(discovery.clone(), settings.sync_interval, poke.clone());
        shared.start_notices(poke, poller_stop.subscribe());
        if let (Some(into), Some(every)) = (
            settings.index_snapshot_dir.clone(),
            settings.index_snapshot_interval,
        ) {
            spawn_snapshots(
                discovery.index().clone(),
                into,
                every,
                poller_stop.subscribe(),
            );
        }
        let feed_settings = settings.feeds.clone().validated()?;
        // Webhook payloads must show what the event announced, which a
        // replica may not have replayed yet.
        let webhooks = WebhookService::new(service.on_primary(), settings.webhook_allow_private);
        crate::webhooks::spawn_pruner(webhooks.clone(), poller_stop.subscribe());
        let dispatcher = if settings.webhooks_enabled {
            purges.start(webhooks.clone(), wake.clone());
            Some(crate::webhooks::Dispatcher::spawn(
                webhooks.clone(),
                crate::feeds::urls::Urls::new(&feed_settings),
                crate::webhooks::DispatchSettings {
                    interval: settings.webhook_interval,
                    timeout: settings.webhook_timeout,
                },
                wake,
            )?)
        } else {
            None
        };
        let live = app::live::LiveService::new(service.clone());
        let hub = crate::live::LiveHub::start(
            live.clone(),
            settings.sync_interval,
            live_wake,
            settings.live_streams,
        )
        .await
        .map_err(|e| anyhow::anyhow!("live hub: {e}"))?;
        let feeds = crate::feeds::FeedState::new(feed_settings);
        let comments = CommentService::new(service.clone(), settings.comments.clone());
        let server = run(
            listener,
            Services {
                service: service.clone(),
                discovery: discovery.clone(),
                cache,
                feeds,
                comments,
                webhooks,
                live,
                hub: hub.clone(),
                images,
            },
            &settings,
        )?;
        let stop = StopHandle {
            server: server.handle(),
            discovery: discovery.clone(),
            poller_stop: Arc::new(poller_stop),
            poller_done,
            webhooks: dispatcher,
            live: hub,
        };
        Ok(Self {
            index_origin,
            port,
            server,
            service,
            discovery,
            stop,
        })
    }

    /// How the search index came to be at start.
    pub fn index_origin(&self) -> &IndexOrigin {
        &self.index_origin
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn service(&self) -> &ContentService {
        &self.service
    }

    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub fn discovery(&self) -> &DiscoveryService {
        &self.discovery
    }

    /// Stops the application in the right order (see [`StopHandle`]).
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Serves until SIGTERM or SIGINT (then stops gracefully through the
    /// [`StopHandle`]) or until a handle stops it, then writes the view
    /// counts that came in while requests drained. Those are the only
    /// database work after the workers are gone, so a failure there is a
    /// warning, not an error.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let stop = self.stop;
        let mut server = std::pin::pin!(self.server);
        let result = tokio::select! {
            result = &mut server => result,
            () = shutdown_signal() => {
                tracing::info!("stopping: change-log poller, view counts, then the server");
                // The server future must be polled to carry out the stop.
                tokio::join!(stop.stop(true), server).1
            }
        };
        if let Err(e) = stop.discovery.flush_views().await {
            tracing::warn!("view counts of the last requests were not written: {e}");
        }
        result
    }
}

/// SIGTERM or SIGINT (actix's own signal handling is off: it would stop the
/// workers before the poller).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Keeps the search index and the view counters in step with the database:
/// every `interval`, until told to stop. Returns the stop switch and a flag
/// that turns true when the task has ended.
fn spawn_background(
    discovery: DiscoveryService,
    interval: std::time::Duration,
    poke: Arc<tokio::sync::Notify>,
) -> (
    tokio::sync::watch::Sender<bool>,
    tokio::sync::watch::Receiver<bool>,
) {
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let (done_tx, done) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut n: u64 = 0;
        loop {
            tokio::select! {
                // A stop wins over a due tick.
                biased;
                _ = stopped.wait_for(|stop| *stop) => break,
                _ = ticker.tick() => {}
                () = poke.notified() => ticker.reset(),
            }
            if let Err(e) = discovery.sync().await {
                e.log();
            }
            n += 1;
            if n.is_multiple_of(5)
                && let Err(e) = discovery.flush_views().await
            {
                e.log();
            }
        }
        let _ = done_tx.send(true);
    });
    (stop, done)
}

/// What the HTTP workers share.
struct Services {
    service: ContentService,
    discovery: DiscoveryService,
    cache: Arc<ResponseCache>,
    feeds: crate::feeds::FeedState,
    comments: CommentService,
    webhooks: WebhookService,
    live: app::live::LiveService,
    hub: Arc<crate::live::LiveHub>,
    images: app::images::ImageService,
}

fn run(listener: TcpListener, services: Services, settings: &Settings) -> anyhow::Result<Server> {
    let Services {
        service,
        discovery,
        cache,
        feeds,
        comments,
        webhooks,
        live,
        hub,
        images,
    } = services;
    let (workers, max_in_flight) = (settings.workers, settings.max_in_flight);
    let cache = web::Data::from(cache);
    let schema = graphql::GraphqlExecutor::new(graphql::build_schema(Some((
        service.clone(),
        discovery.clone(),
    ))));
    let discovery = web::Data::new(discovery);
    let editorial = web::Data::new(EditorialService::new(service.clone()));
    let comments = web::Data::new(comments);
    let webhooks = web::Data::new(webhooks);
    let live = web::Data::new(live);
    let hub = web::Data::new(hub);
    let images = web::Data::new(images);
    let service = web::Data::new(service);
    let schema = web::Data::new(schema);
    let in_flight = web::Data::new(crate::http::limits::InFlight::new(
        max_in_flight,
        settings.body_timeout,
    ));
    let breaker = web::Data::new(crate::http::breaker::Breaker::new());
    let admin_origins = Arc::new(settings.admin_origins.clone());
    let slots = settings.db_slots.unwrap_or_else(|| {
        service.read_connections() * crate::http::admission::SLOTS_PER_CONNECTION
    });
    let admission = web::Data::new(crate::http::admission::Admission::new(
        slots,
        settings.queue_timeout,
    ));
    let admission_load = web::Data::new(crate::http::metrics::AdmissionLoad(Box::new({
        let gate = admission.clone();
        move || gate.load()
    })));
    let head_timeout = settings.head_timeout;
    let local = listener.local_addr()?;
    // Stopping (`StopHandle`, on SIGTERM/SIGINT): stop accepting, let
    // requests in flight finish for up to 10 s, then stop the workers.
    let mut builder = actix_server::Server::build()
        .shutdown_timeout(10)
        .disable_signals();
    if let Some(n) = workers {
        builder = builder.workers(n);
    }
    let shutdown = builder.graceful_shutdown_signal();
    // What `HttpServer::listen` builds, with our socket type under the
    // dispatcher: its own refusals get problem bodies
    // (`http::connection`).
    let server = builder.listen("barta-http", listener, move || {
        let app = {
            App::new()
                .app_data(service.clone())
                .app_data(schema.clone())
                .app_data(editorial.clone())
                .app_data(discovery.clone())
                .app_data(cache.clone())
                .app_data(comments.clone())
                .app_data(webhooks.clone())
                .app_data(live.clone())
                .app_data(hub.clone())
                .app_data(images.clone())
                // First: a static path the router matches without running
                // the REST patterns' regexes before it.
                .service(
                    web::resource("/graphql")
                        .app_data(web::PayloadConfig::new(graphql::MAX_BODY_BYTES))
                        .route(
                            web::get()
                                .guard(actix_web::guard::Header("upgrade", "websocket"))
                                .to(graphql::websocket),
                        )
                        .route(web::get().to(graphql::get))
                        .route(web::head().to(graphql::get))
                        .route(web::post().to(graphql::post))
                        .default_service(web::to(graphql_method_not_allowed))
                        .wrap(crate::http::cors::public()),
                )
                .configure(|cfg| rest::configure(cfg, &admin_origins))
                .configure(|cfg| feeds.configure(cfg))
                .app_data(in_flight.clone())
                .app_data(breaker.clone())
                .app_data(admission.clone())
                .app_data(admission_load.clone())
                .configure(|cfg| {
                    rest::get(cfg, "/metrics", crate::http::metrics::handler);
                    rest::get(cfg, "/openapi.json", crate::openapi::handler);
                })
                .default_service(web::to(rest::not_found))
                // Inside the breaker: an open breaker refuses without a slot.
                .wrap(from_fn(crate::http::admission::middleware))
                // Inside the cache: cached answers are served while the
                // database is away.
                .wrap(from_fn(crate::http::breaker::middleware))
                .wrap(from_fn(crate::http::cache::middleware))
                .wrap(from_fn(crate::http::cors::cached_answers))
                .wrap(ErrorHandlers::new().default_handler(plain_errors_to_problems))
                .wrap(Compress::default())
                .wrap(from_fn(crate::http::conditional::per_encoding))
                .wrap_fn(|req, srv| {
                    let id = req.extensions().get::<RequestId>().copied();
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        if let Some(id) = id
                            && let Ok(value) = HeaderValue::from_str(&id.to_string())
                        {
                            res.headers_mut()
                                .insert(HeaderName::from_static("x-request-id"), value);
                        }
                        Ok(res)
                    }
                })
                .wrap(from_fn(crate::http::limits::middleware))
                .wrap(from_fn(crate::http::metrics::middleware))
                .wrap(TracingLogger::<crate::http::telemetry::LeanRootSpan>::new())
        };
        let shutdown = shutdown.clone();
        let http = actix_http::HttpService::build()
            // Idle keep-alive connections close when a stop begins, not at
            // the end of the shutdown timeout (doc-hidden in actix-http; it
            // is how `HttpServer` wires the same signal).
            .graceful_shutdown_signal(move || {
                let signal = shutdown.clone();
                async move { signal.notified().await }
            })
            // Slow clients: the request head must arrive within
            // `head_timeout` (5 s), a closing client gets 2 s; idle
            // keep-alive connections close after 30 s.
            .client_request_timeout(head_timeout)
            .client_disconnect_timeout(std::time::Duration::from_secs(2))
            .keep_alive(std::time::Duration::from_secs(30))
            .local_addr(local)
            .finish(map_config(
                app.into_factory()
                    .map_err(|err: actix_web::Error| err.error_response()),
                move |_| AppConfig::__priv_test_new(false, local.to_string(), local),
            ));
        fn_service(move |io: actix_web::rt::net::TcpStream| async move {
            let _ = io.set_nodelay(true);
            let peer = io.peer_addr().ok();
            let io = crate::http::connection::Connection::new(io, head_timeout);
            Ok::<_, actix_http::error::DispatchError>((io, actix_http::Protocol::Http1, peer))
        })
        .and_then(http)
    })?;
    Ok(server.run())
}

async fn graphql_method_not_allowed() -> actix_web::HttpResponse {
    actix_web::HttpResponse::MethodNotAllowed()
        .insert_header(("allow", "GET, POST"))
        .insert_header(("content-type", crate::http::error::PROBLEM_JSON))
        .body(
            serde_json::json!({
                "type": "https://barta.dev/problems/method-not-allowed",
                "title": "Method not allowed",
                "status": 405,
                "detail": "GraphQL accepts GET (queries) and POST",
                "code": "method_not_allowed"
            })
            .to_string(),
        )
}

/// The picture store in an S3-compatible bucket: `s3://bucket[/prefix]`,
/// the rest from the `AWS_*` variables.
fn s3_store(url: &str) -> anyhow::Result<Arc<dyn object_store::ObjectStore>> {
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| anyhow::anyhow!("BARTA_IMAGE_STORE must be s3://bucket[/prefix]"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        anyhow::bail!("BARTA_IMAGE_STORE must name a bucket: s3://bucket[/prefix]");
    }
    let s3 = object_store::aws::AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .build()
        .map_err(|e| anyhow::anyhow!("BARTA_IMAGE_STORE {url}: {e}"))?;
    let prefix = prefix.trim_matches('/');
    Ok(if prefix.is_empty() {
        Arc::new(s3)
    } else {
        Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
    })
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_redacted_from_database_urls() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(
            redact("sqlite://barta.db?mode=rwc"),
            "sqlite://barta.db?mode=rwc"
        );
    }
}
