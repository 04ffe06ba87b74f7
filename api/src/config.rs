//! Settings, from flags and `BARTA_*` environment variables.

use app::comments::CommentSettings;
use domain::bangla::CalendarRule;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://barta.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";
pub const DEFAULT_ARTICLE_URL: &str = "{base}/{section}/{id}";
pub const DEFAULT_PUBLICATION: &str = "Barta";
pub const DEFAULT_FEED_CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=300";
pub const DEFAULT_PARTNER_PER_MINUTE: u32 = 60;
pub const DEFAULT_PARTNER_PER_DAY: u32 = 10_000;

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    /// `host:port`; port 0 picks a free port (tests).
    pub bind: String,
    /// Fill an empty database with the demo content at start.
    pub demo: bool,
    /// Bangla calendar rule for display strings (the 2019 rule by default).
    pub calendar_rule: CalendarRule,
    /// HTTP worker threads; `None` = one per core.
    pub workers: Option<usize>,
    /// Counts the statements the server runs (tests prove there is no N+1).
    pub query_counter: Option<persistence::QueryCounter>,
    /// Where the search index lives; `None` keeps it in memory (rebuilt at
    /// every start).
    pub index_dir: Option<std::path::PathBuf>,
    /// How often the search index and view counters catch up with the
    /// database (the staleness bound across instances).
    pub sync_interval: std::time::Duration,
    /// The in-process response cache (ETags and headers are always sent).
    pub cache_enabled: bool,
    pub cache_policy: crate::http::cache::Policy,
    /// A CDN purge API to POST surrogate keys to after every write.
    pub purge_url: Option<String>,
    /// Feeds, sitemaps and partner syndication.
    pub feeds: FeedSettings,
    /// Reader comments: flood control and bot traps.
    pub comments: CommentSettings,
    /// Requests in flight across all workers before new ones get 503
    /// (`BARTA_MAX_IN_FLIGHT`).
    pub max_in_flight: usize,
    /// How long a client may take to send a request head (408 after).
    pub head_timeout: std::time::Duration,
    /// How long a client may take to send a request body (408 after).
    pub body_timeout: std::time::Duration,
    /// Requests let at the database at once; `None`: twice its read
    /// connections (`BARTA_DB_SLOTS`).
    pub db_slots: Option<usize>,
    /// How long a request waits for a database slot before 503
    /// (`BARTA_QUEUE_TIMEOUT_MS`).
    pub queue_timeout: std::time::Duration,
    /// Browser origins allowed to call `/v1/admin` (`BARTA_ADMIN_ORIGINS`).
    pub admin_origins: Vec<String>,
    /// Where uploaded pictures and their renditions are kept
    /// (`BARTA_IMAGE_DIR`); `None` keeps them in memory (tests of other
    /// things, an in-memory database).
    pub image_dir: Option<std::path::PathBuf>,
    /// An S3-compatible bucket for pictures instead of the directory
    /// (`BARTA_IMAGE_STORE=s3://bucket[/prefix]`; credentials, region and
    /// endpoint from the usual `AWS_*` variables): what several instances
    /// share.
    pub image_store: Option<String>,
    /// Upload limits and the rendition cache.
    pub images: app::images::ImageSettings,
    /// Rendition URLs start with this (`BARTA_IMAGE_BASE_URL`, a CDN in
    /// front of `/images`); `None`: `http://{bind address}`.
    pub image_base_url: Option<String>,
    /// Caps, heartbeat and lifetime of live-page event streams.
    pub live_streams: crate::live::StreamLimits,
    /// Whether this instance sends webhooks (`BARTA_WEBHOOKS`; another
    /// instance over the same database sends them when it is off).
    pub webhooks_enabled: bool,
    /// Webhooks may point at private, loopback and link-local addresses
    /// (`BARTA_WEBHOOK_ALLOW_PRIVATE`; closed networks and tests).
    pub webhook_allow_private: bool,
    /// How often the webhook dispatcher looks for work written by other
    /// instances and for retries (`BARTA_WEBHOOK_INTERVAL_MS`); writes on
    /// this instance and scheduled instants wake it at once.
    pub webhook_interval: std::time::Duration,
    /// One webhook attempt's time limit (`BARTA_WEBHOOK_TIMEOUT_MS`).
    pub webhook_timeout: std::time::Duration,
    /// Read replicas for the public read paths (`BARTA_READ_DATABASE_URL`,
    /// PostgreSQL only).
    pub read_database_urls: Vec<String>,
    /// A replica further behind leaves the rotation
    /// (`BARTA_REPLICA_MAX_LAG_MS`).
    pub replica_max_lag: std::time::Duration,
    /// Shared counters and change notices (`BARTA_REDIS_URL`); `None`:
    /// everything per instance.
    pub redis_url: Option<String>,
    /// Prefix of every Redis key and channel (`BARTA_REDIS_PREFIX`).
    pub redis_prefix: String,
    /// Where index snapshots are kept (`BARTA_INDEX_SNAPSHOT_DIR`): an
    /// instance without a usable index starts from the newest one.
    pub index_snapshot_dir: Option<std::path::PathBuf>,
    /// How often this instance writes a snapshot there
    /// (`BARTA_INDEX_SNAPSHOT_INTERVAL_S`; `None`: never).
    pub index_snapshot_interval: Option<std::time::Duration>,
}

/// The default index directory for a database URL: beside an SQLite file,
/// `barta-index` in the working directory for PostgreSQL, memory for an
/// in-memory database.
pub fn default_index_dir(database_url: &str) -> Option<std::path::PathBuf> {
    if database_url.starts_with("sqlite::memory:") || database_url.contains("mode=memory") {
        return None;
    }
    if let Some(rest) = database_url.strip_prefix("sqlite:") {
        let path = rest.trim_start_matches("//");
        let path = path.split('?').next().unwrap_or(path);
        return Some(std::path::PathBuf::from(format!("{path}.index")));
    }
    Some(std::path::PathBuf::from("barta-index"))
}

/// The default picture directory: beside an SQLite file, `barta-images`
/// in the working directory for PostgreSQL, memory for an in-memory
/// database.
pub fn default_image_dir(database_url: &str) -> Option<std::path::PathBuf> {
    default_index_dir(database_url).map(|p| {
        let s = p.to_string_lossy();
        match s.strip_suffix(".index") {
            Some(db) => std::path::PathBuf::from(format!("{db}.images")),
            None => std::path::PathBuf::from("barta-images"),
        }
    })
}

/// Feeds, sitemaps, ninjs and the change feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSettings {
    /// The public site's base URL (no trailing slash): absolute links in
    /// feeds and sitemaps start with it.
    pub public_url: String,
    /// Article URLs: `{base}`, `{section}` (slug), `{id}` and `{slug}` are
    /// replaced; `{id}` or `{slug}` must appear.
    pub article_url: String,
    /// The publication's name (feed titles, `news:publication`).
    pub publication: String,
    /// `Cache-Control` of every feed and sitemap.
    pub cache_control: String,
    /// Partner quotas for keys without their own.
    pub partner_per_minute: u32,
    pub partner_per_day: u32,
    /// URLs per article sitemap (50,000, the protocol's limit; tests use less).
    pub sitemap_size: u32,
    /// The change feed serves entries only once they are this old, so a
    /// transaction that commits late cannot slip behind a partner's cursor.
    pub change_settle: chrono::Duration,
    /// Feeds carry only the summary of articles that are not free, even
    /// with `full=1` (`BARTA_FEED_PAID_SUMMARY_ONLY`).
    pub paid_summary_only: bool,
}

impl Default for FeedSettings {
    fn default() -> Self {
        Self {
            public_url: DEFAULT_PUBLIC_URL.to_owned(),
            article_url: DEFAULT_ARTICLE_URL.to_owned(),
            publication: DEFAULT_PUBLICATION.to_owned(),
            cache_control: DEFAULT_FEED_CACHE_CONTROL.to_owned(),
            partner_per_minute: DEFAULT_PARTNER_PER_MINUTE,
            partner_per_day: DEFAULT_PARTNER_PER_DAY,
            sitemap_size: 50_000,
            change_settle: chrono::Duration::seconds(5),
            paid_summary_only: false,
        }
    }
}

impl FeedSettings {
    /// Checks and normalises the settings (trailing slash of the base URL).
    pub fn validated(mut self) -> anyhow::Result<Self> {
        self.public_url = self.public_url.trim().trim_end_matches('/').to_owned();
        if !domain::block::is_http_url(&self.public_url) {
            anyhow::bail!(
                "BARTA_PUBLIC_URL must be an absolute http(s) URL, got {:?}",
                self.public_url
            );
        }
        if !(self.article_url.contains("{id}") || self.article_url.contains("{slug}")) {
            anyhow::bail!("BARTA_ARTICLE_URL must contain {{id}} or {{slug}}");
        }
        if self.publication.trim().is_empty() {
            anyhow::bail!("BARTA_PUBLICATION_NAME must not be empty");
        }
        if self.partner_per_minute == 0 || self.partner_per_day == 0 {
            anyhow::bail!("partner quotas must be at least 1");
        }
        if self.cache_control.trim().is_empty()
            || actix_web::http::header::HeaderValue::from_str(&self.cache_control).is_err()
        {
            anyhow::bail!("BARTA_FEED_CACHE_CONTROL must be a header value");
        }
        Ok(self)
    }
}

/// Enough for a CDN's concurrent misses on two cores; beyond it latency
/// only grows, so answering 503 at once is kinder to clients and the proxy.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 1024;

impl Settings {
    pub fn new(database_url: impl Into<String>, bind: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            bind: bind.into(),
            demo: false,
            calendar_rule: CalendarRule::default(),
            workers: None,
            query_counter: None,
            index_dir: None,
            image_dir: None,
            image_store: None,
            images: app::images::ImageSettings::default(),
            image_base_url: None,
            sync_interval: std::time::Duration::from_secs(1),
            cache_enabled: true,
            cache_policy: crate::http::cache::Policy::default(),
            purge_url: None,
            feeds: FeedSettings::default(),
            comments: CommentSettings::default(),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            head_timeout: std::time::Duration::from_secs(5),
            body_timeout: crate::http::limits::DEFAULT_BODY_TIMEOUT,
            db_slots: None,
            queue_timeout: crate::http::admission::DEFAULT_QUEUE_TIMEOUT,
            admin_origins: Vec::new(),
            live_streams: crate::live::StreamLimits::default(),
            webhooks_enabled: true,
            webhook_allow_private: false,
            webhook_interval: std::time::Duration::from_secs(1),
            webhook_timeout: std::time::Duration::from_secs(10),
            read_database_urls: Vec::new(),
            replica_max_lag: std::time::Duration::from_secs(5),
            redis_url: None,
            redis_prefix: "barta".to_owned(),
            index_snapshot_dir: None,
            index_snapshot_interval: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::default_index_dir;
    use std::path::PathBuf;

    #[test]
    fn the_index_lives_beside_an_sqlite_file() {
        assert_eq!(
            default_index_dir("sqlite://barta.db?mode=rwc"),
            Some(PathBuf::from("barta.db.index"))
        );
        assert_eq!(
            default_index_dir("sqlite:///data/barta.db"),
            Some(PathBuf::from("/data/barta.db.index"))
        );
        assert_eq!(default_index_dir("sqlite::memory:"), None);
        assert_eq!(
            default_index_dir("postgres://h/db"),
            Some(PathBuf::from("barta-index"))
        );
    }
}
