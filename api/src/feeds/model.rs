//! The feed document types the formats render: one [`Feed`] model for
//! RSS, Atom and JSON Feed, and the time, media-type and XML-error helpers
//! every format (sitemaps and ninjs too) shares. A leaf: it imports no
//! format and no handler.

use app::AppError;
use chrono::{DateTime, Utc};
use domain::Image;

/// A feed, whatever its format.
#[derive(Debug, Clone)]
pub struct Feed {
    /// Stable `tag:` id.
    pub id: String,
    pub title: String,
    pub description: String,
    /// The site or section page the feed belongs to.
    pub home_url: String,
    /// This document's own URL (canonical query).
    pub self_url: String,
    /// The next page (JSON Feed `next_url`).
    pub next_url: Option<String>,
    pub language: String,
    pub publication: String,
    pub publication_url: String,
    /// The newest change to anything in the feed.
    pub updated: DateTime<Utc>,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone)]
pub struct Item {
    /// Stable `tag:` id.
    pub id: String,
    pub url: String,
    pub title: String,
    pub summary: String,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// Bylines: the authors in order, else the desk.
    pub authors: Vec<String>,
    /// (slug, name, page URL)
    pub section: Option<(String, String, String)>,
    /// (slug, name)
    pub tags: Vec<(String, String)>,
    pub image: Option<Image>,
    /// Full text (`?full=1`): escaped HTML and plain text of the body.
    pub html: Option<String>,
    pub text: Option<String>,
    pub language: String,
    /// What kind of piece; a `sponsored` one is labelled in every format.
    pub kind: domain::ArticleKind,
    pub access: domain::Access,
}

/// The `domain` (RSS) and `scheme` (Atom) of the kind and access categories.
pub const KIND_SCHEME: &str = "urn:barta:kind";
pub const ACCESS_SCHEME: &str = "urn:barta:access";

/// RFC 3339 in UTC with `Z` (Atom, JSON Feed, sitemaps).
pub fn rfc3339(t: DateTime<Utc>) -> String {
    crate::http::wire::rfc3339(t)
}

/// RFC 822 (RSS 2.0): `Thu, 14 Nov 2024 05:31:00 +0000`.
pub fn rfc822(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// The media type of an image URL, guessed from its extension.
pub fn image_type(url: &str) -> Option<&'static str> {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_ascii_lowercase();
    let ext = path.rsplit_once('.').map(|(_, e)| e)?;
    match ext {
        "jpg" | "jpeg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        "webp" => Some("image/webp"),
        "gif" => Some("image/gif"),
        "avif" => Some("image/avif"),
        "svg" => Some("image/svg+xml"),
        _ => None,
    }
}

/// Turns an XML writer's I/O error (into a `Vec`, so never in practice)
/// into an internal error.
pub fn xml_error(e: std::io::Error) -> AppError {
    AppError::Internal(Box::new(e))
}
