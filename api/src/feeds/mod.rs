//! Syndication: RSS 2.0, Atom 1.0 and JSON Feed 1.1 (site-wide, per section,
//! per tag), sitemaps with the Google News sitemap, IPTC ninjs 3.1 and the
//! partners' change feed. One module per format; all of them read through
//! [`ContentService`], so the visibility rule and the list filters are the
//! ones REST and GraphQL use.
//!
//! Feeds and sitemaps are public and cacheable (strong `ETag`, 304s,
//! `Last-Modified`, `Cache-Control`); ninjs and the change feed need a
//! `partner` key and count against its quota ([`quota`]).

mod atom;
pub(crate) mod changes;
pub(crate) mod document;
mod jsonfeed;
pub mod model;
pub mod ninjs;
pub mod quota;
mod rss;
pub(crate) mod sitemap;
pub(crate) mod urls;

use app::AppError;
use std::sync::Arc;

use actix_web::{FromRequest, Handler, HttpRequest, HttpResponse, Responder, web};

use crate::config::FeedSettings;
use crate::http::error::ApiError;
use app::content::ContentService;

pub use urls::Urls;

/// What the feed handlers share: the settings, the public URLs and the
/// partner quotas. One per server (all workers share the quota buckets).
#[derive(Clone, Debug)]
pub struct FeedState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    settings: FeedSettings,
    urls: Urls,
    quotas: quota::Quotas,
}

impl FeedState {
    pub fn new(settings: FeedSettings) -> Self {
        let urls = Urls::new(&settings);
        let quotas = quota::Quotas::new(settings.partner_per_minute, settings.partner_per_day);
        Self {
            inner: Arc::new(Inner {
                settings,
                urls,
                quotas,
            }),
        }
    }

    pub fn settings(&self) -> &FeedSettings {
        &self.inner.settings
    }

    pub fn urls(&self) -> &Urls {
        &self.inner.urls
    }

    pub fn quotas(&self) -> &quota::Quotas {
        &self.inner.quotas
    }

    /// Registers every feed, sitemap, ninjs and change-feed route.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(web::Data::new(self.clone()));
        get(cfg, "/feeds/rss.xml", site_rss);
        get(cfg, "/feeds/atom.xml", site_atom);
        get(cfg, "/feeds/feed.json", site_json);
        get(cfg, "/feeds/sections/{slug}/rss.xml", section_rss);
        get(cfg, "/feeds/sections/{slug}/atom.xml", section_atom);
        get(cfg, "/feeds/sections/{slug}/feed.json", section_json);
        get(cfg, "/feeds/tags/{slug}/rss.xml", tag_rss);
        get(cfg, "/feeds/tags/{slug}/atom.xml", tag_atom);
        get(cfg, "/feeds/tags/{slug}/feed.json", tag_json);
        get(cfg, "/feeds/series/{slug}/rss.xml", series_rss);
        get(cfg, "/feeds/series/{slug}/atom.xml", series_atom);
        get(cfg, "/feeds/series/{slug}/feed.json", series_json);
        get(cfg, "/sitemap.xml", sitemap::index);
        get(cfg, "/sitemaps/sections.xml", sitemap::sections);
        get(cfg, "/sitemaps/news.xml", sitemap::news);
        get(cfg, "/sitemaps/articles-{n}.xml", sitemap::articles);
        get(cfg, "/v1/ninjs/articles", ninjs::list);
        get(cfg, "/v1/ninjs/articles/{id}", ninjs::item);
        get(cfg, "/v1/changes", changes::changes);
    }
}

/// One feed handler and its OpenAPI operation. The site-wide feeds take
/// no slug and cannot 404; section and tag feeds take the slug.
macro_rules! feed_handler {
    ($(#[$doc:meta])* $name:ident, $path:tt, $scope:ident, $format:ident, $ct:tt, $body:ident) => {
        $(#[$doc])*
        #[utoipa::path(
            get,
            path = $path,
            tag = "feeds",
            params(document::FeedQuery),
            responses(
                (status = 200, description = "The feed", content_type = $ct, body = $body,
                    headers(("ETag" = String), ("Last-Modified" = String), ("Cache-Control" = String))),
                (status = 304, response = crate::openapi::responses::NotModified),
                (status = 400, response = crate::openapi::responses::BadRequest),
            )
        )]
        pub async fn $name(
            st: web::Data<FeedState>,
            svc: web::Data<ContentService>,
            req: HttpRequest,
            q: web::Query<document::FeedQuery>,
        ) -> Result<HttpResponse, ApiError> {
            document::handle(st, svc, req, q, document::Scope::$scope, document::Format::$format).await
        }
    };
    ($(#[$doc:meta])* $name:ident, $path:tt, $slug:tt, $scope:ident, $format:ident, $ct:tt, $body:ident) => {
        $(#[$doc])*
        #[utoipa::path(
            get,
            path = $path,
            tag = "feeds",
            params(("slug" = String, Path, description = $slug), document::FeedQuery),
            responses(
                (status = 200, description = "The feed", content_type = $ct, body = $body,
                    headers(("ETag" = String), ("Last-Modified" = String), ("Cache-Control" = String))),
                (status = 304, response = crate::openapi::responses::NotModified),
                (status = 400, response = crate::openapi::responses::BadRequest),
                (status = 404, response = crate::openapi::responses::NotFound),
            )
        )]
        pub async fn $name(
            st: web::Data<FeedState>,
            svc: web::Data<ContentService>,
            req: HttpRequest,
            q: web::Query<document::FeedQuery>,
        ) -> Result<HttpResponse, ApiError> {
            document::handle(st, svc, req, q, document::Scope::$scope, document::Format::$format).await
        }
    };
}

feed_handler!(
    /// The whole site: RSS 2.0, newest first.
    site_rss,
    "/feeds/rss.xml",
    Site,
    Rss,
    "application/rss+xml; charset=utf-8",
    String
);

feed_handler!(
    /// The whole site: Atom 1.0, newest first.
    site_atom,
    "/feeds/atom.xml",
    Site,
    Atom,
    "application/atom+xml; charset=utf-8",
    String
);

feed_handler!(
    /// The whole site: JSON Feed 1.1, newest first.
    site_json,
    "/feeds/feed.json",
    Site,
    JsonFeed,
    "application/feed+json; charset=utf-8",
    Object
);

feed_handler!(
    /// A section (sub-sections included): RSS 2.0, newest first.
    section_rss,
    "/feeds/sections/{slug}/rss.xml",
    "Section slug",
    Section,
    Rss,
    "application/rss+xml; charset=utf-8",
    String
);

feed_handler!(
    /// A section (sub-sections included): Atom 1.0, newest first.
    section_atom,
    "/feeds/sections/{slug}/atom.xml",
    "Section slug",
    Section,
    Atom,
    "application/atom+xml; charset=utf-8",
    String
);

feed_handler!(
    /// A section (sub-sections included): JSON Feed 1.1, newest first.
    section_json,
    "/feeds/sections/{slug}/feed.json",
    "Section slug",
    Section,
    JsonFeed,
    "application/feed+json; charset=utf-8",
    Object
);

feed_handler!(
    /// A tag: RSS 2.0, newest first.
    tag_rss,
    "/feeds/tags/{slug}/rss.xml",
    "Tag slug",
    Tag,
    Rss,
    "application/rss+xml; charset=utf-8",
    String
);

feed_handler!(
    /// A tag: Atom 1.0, newest first.
    tag_atom,
    "/feeds/tags/{slug}/atom.xml",
    "Tag slug",
    Tag,
    Atom,
    "application/atom+xml; charset=utf-8",
    String
);

feed_handler!(
    /// A tag: JSON Feed 1.1, newest first.
    tag_json,
    "/feeds/tags/{slug}/feed.json",
    "Tag slug",
    Tag,
    JsonFeed,
    "application/feed+json; charset=utf-8",
    Object
);

/// A read-only resource: GET and HEAD; any other method gets a 405 problem
/// with `Allow` (as on the REST routes).
fn get<F, Args>(cfg: &mut web::ServiceConfig, path: &str, handler: F)
where
    F: Handler<Args> + Clone,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    crate::openapi::routes::get(cfg, path, handler);
}

/// A query flag as [`parse_flag`] reads it.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub enum Flag {
    #[serde(rename = "1")]
    One,
    #[serde(rename = "0")]
    Zero,
    #[serde(rename = "true")]
    True,
    #[serde(rename = "false")]
    False,
}

/// `?full=1`: `1`/`true` or `0`/`false`.
fn parse_flag(field: &str, value: Option<&str>) -> Result<bool, AppError> {
    match value.map(str::trim) {
        None | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(_) => Err(AppError::invalid(field, "must be 1 or 0")),
    }
}

feed_handler!(
    /// One series: RSS 2.0, newest first (its editorial order is at `/v1/series/{slug}`).
    series_rss,
    "/feeds/series/{slug}/rss.xml",
    "Series slug",
    Series,
    Rss,
    "application/rss+xml; charset=utf-8",
    String
);

feed_handler!(
    /// One series: Atom 1.0, newest first.
    series_atom,
    "/feeds/series/{slug}/atom.xml",
    "Series slug",
    Series,
    Atom,
    "application/atom+xml; charset=utf-8",
    String
);

feed_handler!(
    /// One series: JSON Feed 1.1, newest first.
    series_json,
    "/feeds/series/{slug}/feed.json",
    "Series slug",
    Series,
    JsonFeed,
    "application/feed+json; charset=utf-8",
    Object
);
