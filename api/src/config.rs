//! Settings, from flags and `BARTA_*` environment variables.

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
    /// Feeds, sitemaps and partner syndication.
    pub feeds: FeedSettings,
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

impl Settings {
    pub fn new(database_url: impl Into<String>, bind: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            bind: bind.into(),
            demo: false,
            calendar_rule: CalendarRule::default(),
            workers: None,
            query_counter: None,
            feeds: FeedSettings::default(),
        }
    }
}
