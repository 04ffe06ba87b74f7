//! Settings, from flags and `BARTA_*` environment variables.

use domain::bangla::CalendarRule;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://barta.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

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
    pub cache_policy: crate::cache::Policy,
    /// A CDN purge API to POST surrogate keys to after every write.
    pub purge_url: Option<String>,
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
            sync_interval: std::time::Duration::from_secs(1),
            cache_enabled: true,
            cache_policy: crate::cache::Policy::default(),
            purge_url: None,
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
