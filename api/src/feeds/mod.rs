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
mod changes;
mod document;
mod http;
mod jsonfeed;
pub mod ninjs;
pub mod quota;
mod rss;
mod sitemap;
mod urls;

use std::sync::Arc;

use actix_web::{FromRequest, Handler, HttpRequest, HttpResponse, Responder, web};

use crate::config::FeedSettings;
use crate::error::ApiError;
use crate::service::ContentService;

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
        for (prefix, scope) in [
            ("/feeds", document::Scope::Site),
            ("/feeds/sections/{slug}", document::Scope::Section),
            ("/feeds/tags/{slug}", document::Scope::Tag),
        ] {
            for (file, format) in [
                ("rss.xml", document::Format::Rss),
                ("atom.xml", document::Format::Atom),
                ("feed.json", document::Format::JsonFeed),
            ] {
                get(
                    cfg,
                    &format!("{prefix}/{file}"),
                    move |st: web::Data<FeedState>,
                          svc: web::Data<ContentService>,
                          req: HttpRequest,
                          q: web::Query<document::FeedQuery>| {
                        document::handle(st, svc, req, q, scope, format)
                    },
                );
            }
        }
        get(cfg, "/sitemap.xml", sitemap::index);
        get(cfg, "/sitemaps/sections.xml", sitemap::sections);
        get(cfg, "/sitemaps/news.xml", sitemap::news);
        get(cfg, "/sitemaps/articles-{n}.xml", sitemap::articles);
        get(cfg, "/v1/ninjs/articles", ninjs::list);
        get(cfg, "/v1/ninjs/articles/{id}", ninjs::item);
        get(cfg, "/v1/changes", changes::changes);
    }
}

/// A read-only resource: GET and HEAD; any other method gets a 405 problem
/// with `Allow` (as on the REST routes).
fn get<F, Args>(cfg: &mut web::ServiceConfig, path: &str, handler: F)
where
    F: Handler<Args> + Clone,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    cfg.service(
        web::resource(path)
            .route(web::get().to(handler.clone()))
            .route(web::head().to(handler))
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(ApiError::MethodNotAllowed("GET, HEAD"))
            })),
    );
}

/// `?full=1`: `1`/`true` or `0`/`false`.
fn parse_flag(field: &str, value: Option<&str>) -> Result<bool, ApiError> {
    match value.map(str::trim) {
        None | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(_) => Err(ApiError::invalid(field, "must be 1 or 0")),
    }
}
