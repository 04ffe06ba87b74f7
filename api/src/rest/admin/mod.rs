//! `/v1/admin/…`: the editorial write API. Every route needs a key: editor
//! scope for articles, authors and tags, admin for sections, keys and the
//! audit log. The caller is authenticated before the body is read, so an
//! anonymous request gets 401 whatever it sends.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use app::AppError;
use domain::{ApiKey, Article, Scope};
use serde::de::DeserializeOwned;

use super::views::{AdminArticleView, DataView};
use crate::http::auth;
use crate::http::error::ApiError;
use app::content::ContentService;

pub mod articles;
pub mod audit;
pub mod packages;
pub mod preview;
pub mod taxonomy;
pub mod webhooks;

/// The largest request body accepted (413 above it).
pub const MAX_BODY: usize = 2 * 1024 * 1024;

async fn key(svc: &ContentService, req: &HttpRequest, scope: Scope) -> Result<ApiKey, ApiError> {
    Ok(auth::require(svc, req, scope).await?)
}

/// The request's JSON body: 415 when it is sent as anything but JSON, 400
/// when it is missing or does not fit `T`.
/// Marks an answer for one editor only: never stored by a cache.
pub(crate) fn private(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    res
}

pub(super) fn json_body<T: DeserializeOwned>(
    req: &HttpRequest,
    body: &[u8],
) -> Result<T, ApiError> {
    if body.is_empty() {
        return Err(AppError::invalid("body", "a JSON body is required").into());
    }
    if !crate::http::error::sends_json(req) {
        return Err(ApiError::UnsupportedMediaType);
    }
    serde_json::from_slice(body).map_err(|e| {
        AppError::invalid("body", format!("not valid JSON for this request: {e}")).into()
    })
}

/// The version an `If-Match` header names (`"v3"`, `W/"v3"`); `None` when
/// absent or `*`.
fn if_match(req: &HttpRequest) -> Result<Option<i32>, AppError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let bad = || AppError::invalid("If-Match", "must be an ETag of this article, e.g. \"v3\"");
    let v = value.to_str().map_err(|_| bad())?.trim();
    if v == "*" {
        return Ok(None);
    }
    let v = v.strip_prefix("W/").unwrap_or(v);
    v.strip_prefix("\"v")
        .and_then(|v| v.strip_suffix('"'))
        .and_then(|n| n.parse::<i32>().ok())
        .map(Some)
        .ok_or_else(bad)
}

fn article_id(raw: &str) -> Result<i64, AppError> {
    domain::ArticleId::parse(raw)
        .map(|id| id.get())
        .map_err(|_| AppError::not_found(format!("no article {raw:?}")))
}

pub fn etag(a: &Article) -> String {
    format!("\"v{}\"", a.version)
}

async fn article_response(
    svc: &ContentService,
    article: Article,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, ApiError> {
    let refs = svc.refs_of(std::slice::from_ref(&article.summary)).await?;
    let mut res = HttpResponse::build(status);
    res.insert_header((
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    ));
    if let Ok(v) = HeaderValue::from_str(&etag(&article)) {
        res.insert_header((header::ETAG, v));
    }
    if status == actix_web::http::StatusCode::CREATED
        && let Ok(v) = HeaderValue::from_str(&format!("/v1/admin/articles/{}", article.summary.id))
    {
        res.insert_header((header::LOCATION, v));
    }
    let comments = svc
        .comment_stats(&[article.summary.id])
        .await?
        .remove(&article.summary.id)
        .unwrap_or_default();
    Ok(res.json(DataView {
        data: AdminArticleView::new(&article, &refs, comments, svc.now()),
    }))
}

/// True for a body that says nothing: empty, blank or JSON `null`.
pub(super) fn is_empty_body(body: &[u8]) -> bool {
    let trimmed = body.trim_ascii();
    trimmed.is_empty() || trimmed == b"null"
}
