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
        }
    }
}
