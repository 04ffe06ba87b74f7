//! Flood-control and bot-trap settings of reader comments.

/// Flood control and bot traps for reader comments. Windows are measured
/// with the service's clock.
#[derive(Debug, Clone)]
pub struct CommentSettings {
    /// Comments one client may post per `client_window` (default 5 per 10 min).
    pub per_client: u32,
    pub client_window: chrono::Duration,
    /// Comments one article may receive per `article_window`, all clients
    /// together (default 60 per 10 min).
    pub per_article: u32,
    pub article_window: chrono::Duration,
    /// The same text from the same client within this time is a duplicate.
    pub duplicate_window: chrono::Duration,
    /// A form token must be at least this old when the comment is posted…
    pub min_form_age: chrono::Duration,
    /// …and at most this old.
    pub max_form_age: chrono::Duration,
    /// Refuse comments without a form token (`BARTA_COMMENTS_REQUIRE_TOKEN`).
    pub require_form_token: bool,
    /// Take the client address from `Forwarded`/`X-Forwarded-For`
    /// (`BARTA_TRUST_PROXY`): only behind a proxy or CDN that sets them.
    /// Otherwise the TCP peer address is the client.
    pub trust_proxy: bool,
    /// Key for form tokens (`BARTA_COMMENT_SECRET`); several instances need
    /// the same one. Without it each process makes a random key.
    pub secret: Option<Secret>,
}

/// A secret setting: never shown by `Debug` (settings may be logged).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Default for CommentSettings {
    fn default() -> Self {
        Self {
            per_client: 5,
            client_window: chrono::Duration::minutes(10),
            per_article: 60,
            article_window: chrono::Duration::minutes(10),
            duplicate_window: chrono::Duration::hours(24),
            min_form_age: chrono::Duration::seconds(3),
            max_form_age: chrono::Duration::hours(24),
            require_form_token: false,
            trust_proxy: false,
            secret: None,
        }
    }
}
