//! Sitemaps (<https://www.sitemaps.org/protocol.html>): an index, article
//! sitemaps by id range (≤ 50,000 URLs each, so an article never moves
//! between sitemaps), the sections, and the Google News sitemap (public
//! articles of the last 48 hours, ≤ 1,000).

use actix_web::{HttpRequest, HttpResponse, web};
use app::AppError;
use chrono::{DateTime, Duration, Utc};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::FeedState;
use super::model::{rfc3339, xml_error};
use crate::http::conditional as http;
use crate::http::error::ApiError;
use crate::http::keys;
use app::content::ContentService;

const NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NS_NEWS: &str = "http://www.google.com/schemas/sitemap-news/0.9";
const NS_XHTML: &str = "http://www.w3.org/1999/xhtml";
pub const NEWS_WINDOW_HOURS: i64 = 48;
pub const NEWS_MAX: u64 = 1000;

type Xml = Writer<Vec<u8>>;

fn document(
    root: &str,
    news: bool,
    body: impl FnOnce(&mut Xml) -> std::io::Result<()>,
) -> Result<Vec<u8>, ApiError> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    (|| {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        let mut el = w.create_element(root).with_attribute(("xmlns", NS));
        if news {
            el = el.with_attribute(("xmlns:news", NS_NEWS));
        }
        if root == "urlset" {
            el = el.with_attribute(("xmlns:xhtml", NS_XHTML));
        }
        el.write_inner_content(body)?;
        Ok(())
    })()
    .map_err(xml_error)?;
    Ok(w.into_inner())
}

/// `<xhtml:link rel="alternate" hreflang=… href=…/>` for every version of
/// the entry's story (itself included, as Google asks), when it has more
/// than one.
fn alternates(
    w: &mut Xml,
    e: &persistence::SitemapEntry,
    versions: &persistence::StoryVersions,
    url: &dyn Fn(&persistence::SitemapEntry) -> String,
) -> std::io::Result<()> {
    if let Some(all) = versions.get(&e.story()) {
        for v in all {
            w.create_element("xhtml:link")
                .with_attribute(("rel", "alternate"))
                .with_attribute(("hreflang", v.language.as_str()))
                .with_attribute(("href", url(v).as_str()))
                .write_empty()?;
        }
    }
    Ok(())
}

fn text(w: &mut Xml, name: &str, value: &str) -> std::io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

fn respond(
    st: &FeedState,
    req: &HttpRequest,
    last_modified: Option<DateTime<Utc>>,
    body: Vec<u8>,
) -> HttpResponse {
    let res = http::respond(
        req,
        http::XML,
        &st.settings().cache_control,
        last_modified,
        body,
    );
    http::surrogate_keys(res, &[keys::SITEMAPS.to_owned()])
}

/// The sitemap index: the section sitemap, the news sitemap and the article sitemaps by month.
#[utoipa::path(
    get,
    operation_id = "sitemap_index",
    path = "/sitemap.xml",
    tag = "feeds",
    responses(
        (status = 200, description = "A sitemap index", content_type = "application/xml; charset=utf-8", body = String,
            headers(("ETag" = String), ("Last-Modified" = String), ("Cache-Control" = String))),
        (status = 304, response = crate::openapi::responses::NotModified),
    )
)]
pub async fn index(
    st: web::Data<FeedState>,
    svc: web::Data<ContentService>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let buckets = svc.sitemap_buckets(st.settings().sitemap_size).await?;
    let last_change = svc.last_change_at().await?;
    let urls = st.urls();
    let body = document("sitemapindex", false, |w| {
        for path in ["/sitemaps/sections.xml", "/sitemaps/news.xml"] {
            w.create_element("sitemap")
                .write_inner_content(|w| text(w, "loc", &urls.absolute(path)))?;
        }
        for b in &buckets {
            w.create_element("sitemap").write_inner_content(|w| {
                text(
                    w,
                    "loc",
                    &urls.absolute(&format!("/sitemaps/articles-{}.xml", b.n)),
                )?;
                if let Some(lm) = b.last_modified {
                    text(w, "lastmod", &rfc3339(lm))?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })?;
    Ok(respond(&st, &req, last_change, body))
}

/// Article sitemap page `n`.
#[utoipa::path(
    get,
    operation_id = "sitemap_articles",
    path = "/sitemaps/articles-{n}.xml",
    tag = "feeds",
    params(("n" = u32, Path, description = "Page number, from 1", minimum = 1)),
    responses(
        (status = 200, description = "A urlset", content_type = "application/xml; charset=utf-8", body = String,
            headers(("ETag" = String), ("Last-Modified" = String), ("Cache-Control" = String))),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn articles(
    st: web::Data<FeedState>,
    svc: web::Data<ContentService>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let not_found = || AppError::not_found(format!("no sitemap articles-{path}.xml"));
    let n: i64 = match path.parse() {
        Ok(n) if n >= 1 && path.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => return Err(not_found().into()),
    };
    let size = i64::from(st.settings().sitemap_size.max(1));
    let (Some(first), Some(last)) = (
        (n - 1).checked_mul(size).and_then(|x| x.checked_add(1)),
        n.checked_mul(size),
    ) else {
        return Err(not_found().into());
    };
    let entries = svc.sitemap_entries(first, last).await?;
    if entries.is_empty() {
        return Err(not_found().into());
    }
    let sections = svc.sections().await?;
    let versions = svc.story_versions(&entries, Some((first, last))).await?;
    let urls = st.urls();
    let slug_of = |id: i64| {
        sections
            .iter()
            .find(|s| s.id == id)
            .map_or("", |s| s.slug.as_str())
    };
    let url = |e: &persistence::SitemapEntry| urls.article(e.id, &e.slug, slug_of(e.section_id));
    let body = document("urlset", false, |w| {
        for e in &entries {
            w.create_element("url").write_inner_content(|w| {
                text(w, "loc", &url(e))?;
                text(w, "lastmod", &rfc3339(e.last_modified()))?;
                alternates(w, e, &versions, &url)
            })?;
        }
        Ok(())
    })?;
    let last_modified = entries.iter().map(|e| e.last_modified()).max();
    let last_change = svc.last_change_at().await?;
    Ok(respond(&st, &req, last_modified.max(last_change), body))
}

/// The front and every section page.
#[utoipa::path(
    get,
    operation_id = "sitemap_sections",
    path = "/sitemaps/sections.xml",
    tag = "feeds",
    responses(
        (status = 200, description = "A urlset", content_type = "application/xml; charset=utf-8", body = String,
            headers(("ETag" = String), ("Last-Modified" = String), ("Cache-Control" = String))),
        (status = 304, response = crate::openapi::responses::NotModified),
    )
)]
pub async fn sections(
    st: web::Data<FeedState>,
    svc: web::Data<ContentService>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let sections = svc.sections().await?;
    let urls = st.urls();
    let body = document("urlset", false, |w| {
        w.create_element("url").write_inner_content(|w| {
            text(w, "loc", &format!("{}/", urls.base()))?;
            text(w, "changefreq", "always")
        })?;
        for s in &sections {
            w.create_element("url").write_inner_content(|w| {
                text(w, "loc", &urls.section(&s.slug))?;
                text(w, "changefreq", "hourly")
            })?;
        }
        Ok(())
    })?;
    let last_change = svc.last_change_at().await?;
    Ok(respond(&st, &req, last_change, body))
}

/// The query of the news sitemap.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NewsParams {
    /// One edition's news sitemap: only articles in these languages (`bn`,
    /// `en`; comma-separated).
    #[param(example = "en")]
    lang: Option<String>,
}

/// The Google News sitemap: articles of the last 48 hours.
#[utoipa::path(
    get,
    operation_id = "sitemap_news",
    path = "/sitemaps/news.xml",
    tag = "feeds",
    params(NewsParams),
    responses(
        (status = 200, description = "A Google News urlset", content_type = "application/xml; charset=utf-8", body = String,
            headers(("ETag" = String), ("Last-Modified" = String), ("Cache-Control" = String))),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 400, response = crate::openapi::responses::BadRequest),
    )
)]
pub async fn news(
    st: web::Data<FeedState>,
    svc: web::Data<ContentService>,
    req: HttpRequest,
    params: web::Query<NewsParams>,
) -> Result<HttpResponse, ApiError> {
    let now = svc.now();
    let since = now - Duration::hours(NEWS_WINDOW_HOURS);
    let entries = svc
        .recent_public_entries(since, params.lang.as_deref(), NEWS_MAX)
        .await?;
    let sections = svc.sections().await?;
    let versions = svc.story_versions(&entries, None).await?;
    let urls = st.urls();
    let publication = &st.settings().publication;
    let slug_of = |id: i64| {
        sections
            .iter()
            .find(|s| s.id == id)
            .map_or("", |s| s.slug.as_str())
    };
    let url = |e: &persistence::SitemapEntry| urls.article(e.id, &e.slug, slug_of(e.section_id));
    let body = document("urlset", true, |w| {
        for e in &entries {
            w.create_element("url").write_inner_content(|w| {
                text(w, "loc", &url(e))?;
                w.create_element("news:news").write_inner_content(|w| {
                    w.create_element("news:publication")
                        .write_inner_content(|w| {
                            text(w, "news:name", publication)?;
                            text(w, "news:language", &e.language)
                        })?;
                    let published = e.published_at.unwrap_or(e.updated_at);
                    text(w, "news:publication_date", &rfc3339(published))?;
                    text(w, "news:title", &e.headline)
                })?;
                alternates(w, e, &versions, &url)
            })?;
        }
        Ok(())
    })?;
    let last_change = svc.last_change_at().await?;
    Ok(respond(&st, &req, last_change, body))
}
