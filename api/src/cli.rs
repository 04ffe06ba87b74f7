//! The `barta` command line.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{ArgAction, Args, Parser, Subcommand};
use domain::bangla::CalendarRule;
use indicatif::{ProgressBar, ProgressStyle};
use persistence::ContentRepo;

use crate::config::{
    DEFAULT_ARTICLE_URL, DEFAULT_BIND, DEFAULT_DATABASE_URL, DEFAULT_FEED_CACHE_CONTROL,
    DEFAULT_PARTNER_PER_DAY, DEFAULT_PARTNER_PER_MINUTE, DEFAULT_PUBLICATION, FeedSettings,
    Settings,
};
use crate::startup::{Application, open_database};
use app::import::PublishedFallback;
use app::import_metrics::import_with_metrics;

#[derive(Debug, Parser)]
#[command(
    name = "barta",
    version,
    about = "A headless news content API for Bengali newsrooms"
)]
struct Cli {
    /// Log as JSON lines (also BARTA_LOG_FORMAT=json).
    #[arg(long, global = true)]
    json_logs: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Args, Clone)]
struct DatabaseArg {
    /// Database URL: sqlite://FILE?mode=rwc or postgres://…
    #[arg(long = "database", env = "BARTA_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    url: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default command).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Print the GraphQL schema (SDL); `schema.graphql` is this output.
    Schema,
    /// Print the OpenAPI document of the REST API; `openapi.json` is this output.
    Openapi,
    /// Rebuild the search index from the database.
    Reindex {
        #[command(flatten)]
        db: DatabaseArg,
        /// Index directory (default: beside an SQLite file, else ./barta-index).
        #[arg(long, env = "BARTA_INDEX_DIR")]
        index_dir: Option<PathBuf>,
    },
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Probe a running server's /healthz (for container health checks).
    Healthcheck {
        /// The address the server listens on.
        #[arg(long, env = "BARTA_BIND", default_value = DEFAULT_BIND)]
        bind: String,
        /// Probe /readyz instead: the database answers (a proxy should
        /// send traffic only then).
        #[arg(long)]
        ready: bool,
    },
    /// Import articles from a JSON Lines file (idempotent by external id).
    Import {
        /// The .jsonl file; one article per line.
        file: PathBuf,
        #[command(flatten)]
        db: DatabaseArg,
        /// Publish lines without `published_at` at this time (RFC 3339, or
        /// `now`) instead of importing them as drafts.
        #[arg(long)]
        published_at_fallback: Option<String>,
        /// Keep a Prometheus text file of the import's progress here (for
        /// node_exporter's textfile collector; rewritten every second).
        #[arg(long, env = "BARTA_IMPORT_METRICS_FILE")]
        metrics_file: Option<PathBuf>,
    },
    /// Write every article but deleted ones, public or not, as JSON Lines
    /// in the import format (to stdout, or --output).
    Export {
        #[command(flatten)]
        db: DatabaseArg,
        /// Only articles changed at or after this instant (RFC 3339).
        #[arg(long)]
        since: Option<String>,
        /// Write here instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum KeysAction {
    /// Create a key and print it once (only its hash is stored).
    Create {
        #[arg(long)]
        name: String,
        /// editor, partner or admin
        #[arg(long)]
        scope: String,
        /// Partner quota: requests per minute (default: the server's).
        #[arg(long)]
        per_minute: Option<u32>,
        /// Partner quota: requests per day (default: the server's).
        #[arg(long)]
        per_day: Option<u32>,
    },
    /// List keys (never the secrets).
    List,
    /// Revoke a key by id.
    Revoke { id: i64 },
}

/// Parses a boolean flag or setting (`1`, `true`, `yes`, `on` and their
/// opposites, in any case).
fn boolish(s: &str) -> Result<bool, String> {
    domain::text::boolish(s)
        .ok_or_else(|| format!("{s:?} is not a boolean: use 1/0, true/false, yes/no or on/off"))
}

#[derive(Debug, Args, Clone)]
struct ServeArgs {
    #[command(flatten)]
    db: DatabaseArg,
    /// Address to listen on.
    #[arg(long, env = "BARTA_BIND", default_value = DEFAULT_BIND)]
    bind: String,
    /// Fill an empty database with demo content.
    #[arg(long)]
    demo: bool,
    /// Search index directory (default: beside an SQLite file, else
    /// ./barta-index; in memory for an in-memory database).
    #[arg(long, env = "BARTA_INDEX_DIR")]
    index_dir: Option<PathBuf>,
    /// Uploaded pictures and their renditions (default: beside an SQLite
    /// file, else ./barta-images; in memory for an in-memory database).
    #[arg(long, env = "BARTA_IMAGE_DIR")]
    image_dir: Option<PathBuf>,
    /// An S3-compatible bucket for pictures instead of the directory:
    /// s3://bucket[/prefix] (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    /// AWS_REGION, AWS_ENDPOINT, AWS_ALLOW_HTTP as the AWS tools read them).
    #[arg(long, env = "BARTA_IMAGE_STORE")]
    image_store: Option<String>,
    /// Rendition URLs start with this (a CDN in front of /images); default:
    /// http://{bind address}.
    #[arg(long, env = "BARTA_IMAGE_BASE_URL")]
    image_base_url: Option<String>,
    /// Most pixels an uploaded picture may have (stops decompression bombs).
    #[arg(long, env = "BARTA_IMAGE_MAX_PIXELS", default_value_t = 50_000_000)]
    image_max_pixels: u64,
    /// Bangla calendar rule for display strings: 2019 (official) or 1987.
    #[arg(long, env = "BARTA_BANGLA_CALENDAR", default_value = "2019")]
    calendar: String,
    /// The in-process response cache: on or off (ETags and Cache-Control
    /// are sent either way).
    #[arg(long, env = "BARTA_CACHE", default_value = "on", action = ArgAction::Set, value_parser = boolish)]
    cache: bool,
    /// max-age of public responses, seconds (lists, articles).
    #[arg(long, env = "BARTA_CACHE_MAX_AGE", default_value_t = 60)]
    cache_max_age: u32,
    /// A CDN purge API: surrogate keys are POSTed there after every write.
    #[arg(long, env = "BARTA_PURGE_URL")]
    purge_url: Option<String>,
    /// Open live-page event streams per client address.
    #[arg(long, env = "BARTA_STREAMS_PER_CLIENT", default_value_t = 16)]
    streams_per_client: usize,
    /// Open live-page event streams per instance.
    #[arg(long, env = "BARTA_STREAMS_TOTAL", default_value_t = 10_000)]
    streams_total: usize,
    /// Send webhooks from this instance (off: others over the same
    /// database send them).
    #[arg(long, env = "BARTA_WEBHOOKS", default_value = "on", action = ArgAction::Set, value_parser = boolish)]
    webhooks: bool,
    /// Let webhooks point at private, loopback and link-local addresses
    /// (closed networks, tests); refused by default.
    #[arg(long, env = "BARTA_WEBHOOK_ALLOW_PRIVATE", action = ArgAction::SetTrue, value_parser = boolish)]
    webhook_allow_private: bool,
    /// How often each instance looks for webhook work written elsewhere
    /// and for retries, milliseconds.
    #[arg(long, env = "BARTA_WEBHOOK_INTERVAL_MS", default_value_t = 1000)]
    webhook_interval_ms: u64,
    /// One webhook attempt's time limit, milliseconds.
    #[arg(long, env = "BARTA_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000)]
    webhook_timeout_ms: u64,
    /// How often each instance reads the change log (search index, cache,
    /// scheduled transitions), milliseconds: the staleness bound.
    #[arg(long, env = "BARTA_SYNC_INTERVAL_MS", default_value_t = 1000)]
    sync_interval_ms: u64,
    /// Behind a proxy or CDN: take the reader's address from
    /// `Forwarded`/`X-Forwarded-For` for comment flood control.
    #[arg(long, env = "BARTA_TRUST_PROXY", action = ArgAction::SetTrue, value_parser = boolish)]
    trust_proxy: bool,
    /// Refuse comments posted without a form token.
    #[arg(long, env = "BARTA_COMMENTS_REQUIRE_TOKEN", action = ArgAction::SetTrue, value_parser = boolish)]
    comments_require_token: bool,
    /// Requests in flight (all workers) before new ones get 503 + Retry-After.
    #[arg(long, env = "BARTA_MAX_IN_FLIGHT", default_value_t = crate::config::DEFAULT_MAX_IN_FLIGHT)]
    max_in_flight: usize,
    /// Requests let at the database at once (default: twice its read
    /// connections, 32 on PostgreSQL, 16 on an SQLite file).
    #[arg(long, env = "BARTA_DB_SLOTS")]
    db_slots: Option<usize>,
    /// How long a request waits for a database slot before 503 +
    /// Retry-After, milliseconds.
    #[arg(long, env = "BARTA_QUEUE_TIMEOUT_MS", default_value_t = 500)]
    queue_timeout_ms: u64,
    /// Browser origins (`https://desk.example.com`, comma-separated) that
    /// may call the editorial API; public reads are open to every origin.
    #[arg(long, env = "BARTA_ADMIN_ORIGINS", value_delimiter = ',')]
    admin_origins: Vec<String>,
    /// Read replicas (PostgreSQL URLs, comma-separated) for public lists,
    /// items, search re-checks and GraphQL loaders; writes, the change log
    /// and admin reads stay on the primary.
    #[arg(
        long = "read-database",
        env = "BARTA_READ_DATABASE_URL",
        value_delimiter = ','
    )]
    read_database_urls: Vec<String>,
    /// A replica further behind the primary than this leaves the rotation
    /// until it catches up, milliseconds.
    #[arg(long, env = "BARTA_REPLICA_MAX_LAG_MS", default_value_t = 5000)]
    replica_max_lag_ms: u64,
    /// Redis for counters shared by all instances (partner quotas, comment
    /// flood control, view beacons) and instant change notices.
    #[arg(long = "redis", env = "BARTA_REDIS_URL")]
    redis_url: Option<String>,
    /// Prefix of Barta's Redis keys and channel.
    #[arg(long, env = "BARTA_REDIS_PREFIX", default_value = "barta")]
    redis_prefix: String,
    /// Search index snapshots: an instance without a usable index starts
    /// from the newest one here and catches up from the change log.
    #[arg(long, env = "BARTA_INDEX_SNAPSHOT_DIR")]
    index_snapshot_dir: Option<PathBuf>,
    /// Write a snapshot of the index to BARTA_INDEX_SNAPSHOT_DIR this often,
    /// seconds (0: never; set it on one instance).
    #[arg(long, env = "BARTA_INDEX_SNAPSHOT_INTERVAL_S", default_value_t = 0)]
    index_snapshot_interval_s: u64,
    #[command(flatten)]
    feeds: FeedArgs,
}

/// Feeds, sitemaps and partner syndication.
#[derive(Debug, Args, Clone)]
struct FeedArgs {
    /// The public site's base URL, for absolute links in feeds and sitemaps
    /// (default: this server's own address, from --bind).
    #[arg(long, env = "BARTA_PUBLIC_URL")]
    public_url: Option<String>,
    /// Article URL template: {base}, {section}, {id}, {slug}.
    #[arg(long, env = "BARTA_ARTICLE_URL", default_value = DEFAULT_ARTICLE_URL)]
    article_url: String,
    /// The publication's name (feed titles, Google News sitemap).
    #[arg(long, env = "BARTA_PUBLICATION_NAME", default_value = DEFAULT_PUBLICATION)]
    publication_name: String,
    /// Cache-Control of feeds and sitemaps.
    #[arg(long, env = "BARTA_FEED_CACHE_CONTROL", default_value = DEFAULT_FEED_CACHE_CONTROL)]
    feed_cache_control: String,
    /// Default partner quota per minute (keys may have their own).
    #[arg(long, env = "BARTA_PARTNER_PER_MINUTE", default_value_t = DEFAULT_PARTNER_PER_MINUTE)]
    partner_per_minute: u32,
    /// Default partner quota per day (keys may have their own).
    #[arg(long, env = "BARTA_PARTNER_PER_DAY", default_value_t = DEFAULT_PARTNER_PER_DAY)]
    partner_per_day: u32,
    /// Feeds carry only the summary of metered and subscriber articles,
    /// even with full=1.
    #[arg(long, env = "BARTA_FEED_PAID_SUMMARY_ONLY", default_value = "off", action = ArgAction::Set, value_parser = boolish)]
    feed_paid_summary_only: bool,
}

/// The base URL of a server listening on `bind`, for links when no public
/// URL is set: an unspecified address (`0.0.0.0`, `[::]`) is reached on the
/// loopback.
fn own_url(bind: &str) -> String {
    match bind.parse::<std::net::SocketAddr>() {
        Ok(addr) if addr.ip().is_unspecified() => format!("http://127.0.0.1:{}", addr.port()),
        Ok(addr) => format!("http://{addr}"),
        Err(_) => format!("http://{bind}"),
    }
}

impl FeedArgs {
    fn settings(self, bind: &str) -> anyhow::Result<FeedSettings> {
        let public_url = match self.public_url {
            Some(url) => url,
            None => {
                let url = own_url(bind);
                tracing::warn!(
                    "BARTA_PUBLIC_URL is not set: feeds and sitemaps link to {url}; set it to the public site in production"
                );
                url
            }
        };
        FeedSettings {
            public_url,
            article_url: self.article_url,
            publication: self.publication_name,
            cache_control: self.feed_cache_control,
            partner_per_minute: self.partner_per_minute,
            partner_per_day: self.partner_per_day,
            paid_summary_only: self.feed_paid_summary_only,
            ..FeedSettings::default()
        }
        .validated()
    }
}

pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let json = cli.json_logs
        || std::env::var("BARTA_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // No command means `serve` with its defaults (and BARTA_* variables).
    let command = match cli.command {
        Some(c) => c,
        None => match Cli::try_parse_from(["barta", "serve"])?.command {
            Some(c) => c,
            None => anyhow::bail!("no command"),
        },
    };
    match command {
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Openapi => {
            print!("{}", crate::openapi::to_json()?);
            Ok(())
        }
        Command::Healthcheck { bind, ready } => healthcheck(&bind, ready),
        Command::Reindex { db, index_dir } => {
            crate::http::telemetry::init(json);
            runtime.block_on(async {
                let repo = ContentRepo::new(open_database(&db.url).await?);
                let dir = index_dir.or_else(|| crate::config::default_index_dir(&db.url));
                let Some(dir) = dir else {
                    anyhow::bail!("an in-memory database has no index to rebuild");
                };
                if dir.exists() {
                    std::fs::remove_dir_all(&dir)?;
                }
                let started = std::time::Instant::now();
                let (index, _) = app::search::SearchIndex::open(Some(&dir))?;
                let n = index.rebuild(&repo, Utc::now()).await?;
                // Kept related lists were computed over the old index.
                repo.forget_all_related().await?;
                println!(
                    "indexed {n} public articles in {:.1} s into {}",
                    started.elapsed().as_secs_f64(),
                    dir.display()
                );
                Ok(())
            })
        }
        Command::Keys { action, db } => {
            crate::http::telemetry::init(json);
            runtime.block_on(keys(action, db.url))
        }
        Command::Serve(args) => {
            crate::http::telemetry::init(json);
            runtime.block_on(serve(*args))
        }
        Command::Migrate { db } => {
            crate::http::telemetry::init(json);
            runtime.block_on(async {
                open_database(&db.url).await?;
                eprintln!("migrations applied");
                Ok(())
            })
        }
        Command::Import {
            file,
            db,
            published_at_fallback,
            metrics_file,
        } => {
            crate::http::telemetry::init(json);
            runtime.block_on(import(file, db.url, published_at_fallback, metrics_file))
        }
        Command::Export { db, since, output } => {
            crate::http::telemetry::init(json);
            runtime.block_on(export(db.url, since, output))
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let calendar: CalendarRule = args
        .calendar
        .parse()
        .map_err(|_| anyhow::anyhow!("--calendar must be 2019 or 1987"))?;
    let mut settings = Settings::new(args.db.url, args.bind.clone());
    settings.index_dir = args
        .index_dir
        .or_else(|| crate::config::default_index_dir(&settings.database_url));
    settings.image_dir = args
        .image_dir
        .or_else(|| crate::config::default_image_dir(&settings.database_url));
    settings.image_base_url = args.image_base_url;
    settings.image_store = args.image_store;
    if !(1_000_000..=200_000_000).contains(&args.image_max_pixels) {
        anyhow::bail!("BARTA_IMAGE_MAX_PIXELS / --image-max-pixels must be 1000000 to 200000000");
    }
    settings.images.max_pixels = args.image_max_pixels;
    settings.demo = args.demo;
    settings.calendar_rule = calendar;
    settings.cache_enabled = args.cache;
    if !(1..=86_400).contains(&args.cache_max_age) {
        anyhow::bail!("BARTA_CACHE_MAX_AGE / --cache-max-age must be 1 to 86400 seconds");
    }
    settings.cache_policy.max_age = args.cache_max_age;
    settings.cache_policy.lists_max_age = args.cache_max_age;
    settings.cache_policy.fast_max_age = args.cache_max_age.min(30);
    if let Some(url) = &args.purge_url
        && !domain::block::is_http_url(url)
    {
        anyhow::bail!("BARTA_PURGE_URL / --purge-url must be an absolute http(s) URL");
    }
    settings.purge_url = args.purge_url;
    if !(50..=60_000).contains(&args.sync_interval_ms) {
        anyhow::bail!("BARTA_SYNC_INTERVAL_MS / --sync-interval-ms must be 50 to 60000");
    }
    settings.sync_interval = std::time::Duration::from_millis(args.sync_interval_ms);
    if !(50..=60_000).contains(&args.webhook_interval_ms) {
        anyhow::bail!("BARTA_WEBHOOK_INTERVAL_MS / --webhook-interval-ms must be 50 to 60000");
    }
    if !(100..=60_000).contains(&args.webhook_timeout_ms) {
        anyhow::bail!("BARTA_WEBHOOK_TIMEOUT_MS / --webhook-timeout-ms must be 100 to 60000");
    }
    if !(1..=100_000).contains(&args.streams_per_client)
        || !(1..=1_000_000).contains(&args.streams_total)
    {
        anyhow::bail!(
            "BARTA_STREAMS_PER_CLIENT must be 1 to 100000 and BARTA_STREAMS_TOTAL 1 to 1000000"
        );
    }
    settings.live_streams.per_client = args.streams_per_client;
    settings.live_streams.total = args.streams_total;
    settings.webhooks_enabled = args.webhooks;
    settings.webhook_allow_private = args.webhook_allow_private;
    settings.webhook_interval = std::time::Duration::from_millis(args.webhook_interval_ms);
    settings.webhook_timeout = std::time::Duration::from_millis(args.webhook_timeout_ms);
    if !(1..=100_000).contains(&args.max_in_flight) {
        anyhow::bail!("BARTA_MAX_IN_FLIGHT / --max-in-flight must be 1 to 100000");
    }
    settings.max_in_flight = args.max_in_flight;
    if args.db_slots.is_some_and(|n| !(1..=10_000).contains(&n)) {
        anyhow::bail!("BARTA_DB_SLOTS / --db-slots must be 1 to 10000");
    }
    settings.db_slots = args.db_slots;
    if !(1..=60_000).contains(&args.queue_timeout_ms) {
        anyhow::bail!("BARTA_QUEUE_TIMEOUT_MS / --queue-timeout-ms must be 1 to 60000");
    }
    settings.queue_timeout = std::time::Duration::from_millis(args.queue_timeout_ms);
    settings.admin_origins = args
        .admin_origins
        .iter()
        .map(|o| o.trim().trim_end_matches('/').to_owned())
        .filter(|o| !o.is_empty())
        .collect();
    if let Some(bad) = settings
        .admin_origins
        .iter()
        .find(|o| !crate::http::cors::valid_origin(o))
    {
        anyhow::bail!(
            "BARTA_ADMIN_ORIGINS / --admin-origins: {bad:?} is not an origin (scheme://host[:port])"
        );
    }
    settings.read_database_urls = args
        .read_database_urls
        .iter()
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty())
        .collect();
    if !settings.read_database_urls.is_empty() && !settings.database_url.starts_with("postgres") {
        anyhow::bail!("BARTA_READ_DATABASE_URL needs a PostgreSQL BARTA_DATABASE_URL");
    }
    if !(100..=3_600_000).contains(&args.replica_max_lag_ms) {
        anyhow::bail!("BARTA_REPLICA_MAX_LAG_MS / --replica-max-lag-ms must be 100 to 3600000");
    }
    settings.replica_max_lag = std::time::Duration::from_millis(args.replica_max_lag_ms);
    settings.redis_url = args.redis_url.filter(|u| !u.trim().is_empty());
    if settings
        .redis_url
        .as_deref()
        .is_some_and(|u| !(u.starts_with("redis://") || u.starts_with("rediss://")))
    {
        anyhow::bail!("BARTA_REDIS_URL / --redis must be a redis:// or rediss:// URL");
    }
    if args.redis_prefix.is_empty()
        || !args
            .redis_prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        anyhow::bail!("BARTA_REDIS_PREFIX must be letters, digits, '-', '_' or '.'");
    }
    settings.redis_prefix = args.redis_prefix;
    settings.index_snapshot_dir = args.index_snapshot_dir;
    if args.index_snapshot_interval_s > 0 {
        if settings.index_snapshot_dir.is_none() {
            anyhow::bail!("BARTA_INDEX_SNAPSHOT_INTERVAL_S needs BARTA_INDEX_SNAPSHOT_DIR");
        }
        if settings.index_dir.is_none() {
            anyhow::bail!("index snapshots need an index directory (BARTA_INDEX_DIR)");
        }
        if !(10..=604_800).contains(&args.index_snapshot_interval_s) {
            anyhow::bail!("BARTA_INDEX_SNAPSHOT_INTERVAL_S must be 0 or 10 to 604800");
        }
        settings.index_snapshot_interval = Some(std::time::Duration::from_secs(
            args.index_snapshot_interval_s,
        ));
    }
    settings.feeds = args.feeds.settings(&args.bind)?;
    settings.comments.trust_proxy = args.trust_proxy;
    settings.comments.require_form_token = args.comments_require_token;
    // The form-token key is a secret: from the environment only, never a flag.
    settings.comments.secret = std::env::var("BARTA_COMMENT_SECRET")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(app::comments::Secret);
    let app = Application::build(settings.clone()).await?;
    tracing::info!(
        database = %crate::startup::redact(&settings.database_url),
        "Barta listening on http://{}:{} (GraphiQL at /graphql)",
        settings.bind.rsplit_once(':').map(|(h, _)| h).unwrap_or("127.0.0.1"),
        app.port()
    );
    app.run_until_stopped().await?;
    Ok(())
}

async fn export(url: String, since: Option<String>, output: Option<PathBuf>) -> anyhow::Result<()> {
    let since = since
        .map(|t| {
            DateTime::parse_from_rfc3339(&t)
                .map(|t| t.to_utc())
                .context("--since must be RFC 3339")
        })
        .transpose()?;
    let db = open_database(&url).await?;
    let repo = ContentRepo::new(db);
    let mut out: Box<dyn std::io::Write> = match &output {
        Some(path) => Box::new(std::io::BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let report = app::export::export_lines(&repo, since, &mut out, |n| {
        tracing::debug!(articles = n, "exported")
    })
    .await?;
    eprintln!("exported {} articles", report.articles);
    Ok(())
}

async fn import(
    file: PathBuf,
    url: String,
    fallback: Option<String>,
    metrics_file: Option<PathBuf>,
) -> anyhow::Result<()> {
    let fallback = match fallback.as_deref() {
        None => PublishedFallback::Draft,
        Some("now") => PublishedFallback::At(Utc::now()),
        Some(t) => PublishedFallback::At(
            DateTime::parse_from_rfc3339(t)
                .context("--published-at-fallback must be RFC 3339 or `now`")?
                .to_utc(),
        ),
    };
    let size = std::fs::metadata(&file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    let reader = BufReader::new(
        File::open(&file).with_context(|| format!("cannot open {}", file.display()))?,
    );
    let db = open_database(&url).await?;
    let repo = ContentRepo::new(db);
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} line {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let report = import_with_metrics(
        &repo,
        reader,
        size,
        fallback,
        Utc::now(),
        metrics_file.as_deref(),
        |line, bytes, _| {
            bar.set_position(bytes);
            bar.set_message(line.to_string());
        },
    )
    .await?;
    bar.finish_and_clear();
    repo.database().refresh_statistics().await?;
    for (line, message) in &report.failed {
        eprintln!("line {line}: skipped: {message}");
    }
    println!(
        "imported {} lines: {} created, {} updated, {} unchanged, {} skipped",
        report.total(),
        report.created,
        report.updated,
        report.unchanged,
        report.failed.len()
    );
    Ok(())
}

/// GET /healthz (or /readyz) over a plain socket: the runtime image has
/// no curl.
fn healthcheck(bind: &str, ready: bool) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    use std::time::Duration;
    let port = bind.rsplit_once(':').map(|(_, p)| p).unwrap_or("8080");
    let addr = format!("127.0.0.1:{port}");
    let addr: std::net::SocketAddr = addr.parse().context("bad --bind")?;
    let mut stream = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let path = if ready { "/readyz" } else { "/healthz" };
    stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").as_bytes())?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head)?;
    if head.starts_with(b"HTTP/1.1 200") || head.starts_with(b"HTTP/1.0 200") {
        Ok(())
    } else {
        anyhow::bail!("unhealthy: {}", String::from_utf8_lossy(&head))
    }
}

async fn keys(action: KeysAction, url: String) -> anyhow::Result<()> {
    let repo = ContentRepo::new(open_database(&url).await?);
    let ctx = persistence::WriteContext::system(Utc::now());
    match action {
        KeysAction::Create {
            name,
            scope,
            per_minute,
            per_day,
        } => {
            if per_minute == Some(0) || per_day == Some(0) {
                anyhow::bail!("--per-minute and --per-day must be at least 1");
            }
            let scope: domain::Scope = scope
                .parse()
                .map_err(|_| anyhow::anyhow!("--scope must be editor, partner or admin"))?;
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                anyhow::bail!("--name must be 1 to 100 characters");
            }
            let (secret, hash, prefix) = app::auth::generate_key()?;
            let key = repo.create_key(name, scope, &hash, &prefix, ctx).await?;
            if per_minute.is_some() || per_day.is_some() {
                repo.set_key_quotas(key.id, per_minute, per_day, ctx)
                    .await?;
            }
            eprintln!(
                "created key {} ({}, scope {}); store it now, it is not shown again:",
                key.id, key.name, key.scope
            );
            println!("{secret}");
        }
        KeysAction::List => {
            println!(
                "{:>4}  {:<8}  {:<14}  {:<13}  {:<20}  {:<20}  name",
                "id", "scope", "prefix", "quota/min/day", "created", "revoked"
            );
            let quota = |q: Option<u32>| q.map_or_else(|| "-".to_owned(), |q| q.to_string());
            for k in repo.keys().await? {
                println!(
                    "{:>4}  {:<8}  {:<14}  {:<13}  {:<20}  {:<20}  {}",
                    k.id,
                    k.scope,
                    k.prefix,
                    format!("{}/{}", quota(k.quota_per_minute), quota(k.quota_per_day)),
                    k.created_at.format("%Y-%m-%d %H:%M:%S"),
                    k.revoked_at
                        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or_else(|| "-".into()),
                    k.name
                );
            }
        }
        KeysAction::Revoke { id } => {
            if repo.revoke_key(id, ctx).await? {
                println!("key {id} revoked");
            } else {
                anyhow::bail!("no key {id}");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// `(environment variable, example value)` of every row of the README's
    /// configuration table that shows one (`BARTA_TRUST_PROXY=1`).
    fn readme_examples() -> Vec<(String, String)> {
        let readme = include_str!("../../README.md");
        let table = readme
            .split("## Configuration")
            .nth(1)
            .and_then(|t| t.split("\n## ").next())
            .unwrap();
        let mut out = Vec::new();
        for cell in table.split('`') {
            if let Some((name, value)) = cell.split_once('=')
                && name.starts_with("BARTA_")
                && !name.contains(' ')
            {
                out.push((name.to_owned(), value.to_owned()));
            }
        }
        out
    }

    /// Parses `value` as the server would read it from `env`: the same
    /// argument (its value parser) given the value on a command line.
    fn parse_env(env: &str, value: &str) -> Option<Result<bool, String>> {
        let cmd = Cli::command();
        let serve = cmd.find_subcommand("serve")?.clone();
        let arg = serve
            .get_arguments()
            .find(|a| a.get_env().is_some_and(|e| e == env))?
            .clone()
            .action(ArgAction::Set);
        let long = format!("--{}", arg.get_long()?);
        let id = arg.get_id().as_str().to_owned();
        Some(
            clap::Command::new("t")
                .arg(arg)
                .try_get_matches_from(["t", long.as_str(), value])
                .map_err(|e| e.to_string())
                .map(|m| m.get_one::<bool>(&id).copied().unwrap_or(false)),
        )
    }

    #[test]
    fn every_boolean_setting_in_the_readme_parses_as_written_and_in_the_usual_spellings() {
        let examples = readme_examples();
        let names: Vec<&str> = examples.iter().map(|(n, _)| n.as_str()).collect();
        for expected in [
            "BARTA_TRUST_PROXY",
            "BARTA_COMMENTS_REQUIRE_TOKEN",
            "BARTA_LOG_SPANS",
        ] {
            assert!(names.contains(&expected), "{expected} not in {names:?}");
        }
        for (env, value) in &examples {
            if env == "BARTA_LOG_FORMAT" || env == "BARTA_TEST_SKIP_POSTGRES" {
                continue;
            }
            assert_eq!(domain::text::boolish(value), Some(true), "{env}={value}");
            // Settings the server reads through its command line parser.
            if let Some(parsed) = parse_env(env, value) {
                assert_eq!(parsed, Ok(true), "{env}={value}");
                for (spelling, meaning) in [
                    ("true", true),
                    ("YES", true),
                    ("on", true),
                    ("0", false),
                    ("false", false),
                    ("off", false),
                ] {
                    assert_eq!(
                        parse_env(env, spelling),
                        Some(Ok(meaning)),
                        "{env}={spelling}"
                    );
                }
                assert!(parse_env(env, "maybe").is_some_and(|r| r.is_err()));
            }
        }
        assert_eq!(parse_env("BARTA_CACHE", "off"), Some(Ok(false)));
        assert_eq!(parse_env("BARTA_CACHE", "1"), Some(Ok(true)));
    }

    #[test]
    fn the_default_public_url_follows_the_bound_address() {
        let serve = |args: &[&str]| -> FeedSettings {
            let mut all = vec!["barta", "serve"];
            all.extend_from_slice(args);
            let Some(Command::Serve(s)) = Cli::try_parse_from(all).unwrap().command else {
                panic!("not serve");
            };
            s.feeds.settings(&s.bind).unwrap()
        };
        assert_eq!(
            serve(&["--bind", "127.0.0.1:18100"]).public_url,
            "http://127.0.0.1:18100"
        );
        assert_eq!(
            serve(&["--bind", "0.0.0.0:9000"]).public_url,
            "http://127.0.0.1:9000"
        );
        assert_eq!(
            serve(&[
                "--bind",
                "0.0.0.0:9000",
                "--public-url",
                "https://news.example/"
            ])
            .public_url,
            "https://news.example"
        );
    }

    #[test]
    fn boolean_flags_still_work_without_a_value() {
        let cli =
            Cli::try_parse_from(["barta", "serve", "--trust-proxy", "--cache", "off"]).unwrap();
        let Some(Command::Serve(args)) = cli.command else {
            panic!("not serve");
        };
        assert!(args.trust_proxy);
        assert!(!args.comments_require_token);
        assert!(!args.cache);
    }
}
