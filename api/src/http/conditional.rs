//! Conditional responses for pullers: a strong `ETag` over the body,
//! `Last-Modified`, `If-None-Match` / `If-Modified-Since` → 304 without a
//! body, and the same validators and cache headers on the 304 as on the 200.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};

pub const RSS: &str = "application/rss+xml; charset=utf-8";
pub const ATOM: &str = "application/atom+xml; charset=utf-8";
pub const JSON_FEED: &str = "application/feed+json; charset=utf-8";
pub const XML: &str = "application/xml; charset=utf-8";
pub const JSON: &str = "application/json; charset=utf-8";

/// Partner responses are per key: caches may keep them only privately, and
/// must revalidate (a 304 is cheap, and still counts against the quota).
pub const PRIVATE: &str = "private, no-cache";

/// A strong entity tag: the body's 128-bit XXH3 hash. Bodies are
/// deterministic (same content, same bytes), so equal tags mean equal bytes.
/// XXH3 is not a cryptographic hash (nobody gains by forging a tag of their
/// own response) and costs a tenth of SHA-256 on a 40 KB page.
pub fn etag(body: &[u8]) -> String {
    format!("\"{:032x}\"", xxhash_rust::xxh3::xxh3_128(body))
}

/// RFC 9110 HTTP-date.
pub fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// True when an `If-None-Match` list matches `etag` (weak comparison, as
/// RFC 9110 13.1.2 says for this header).
fn none_match(header: &str, etag: &str) -> bool {
    let ours = etag.trim_start_matches("W/");
    header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == ours)
}

/// The 200 or 304 for `body`.
pub fn respond(
    req: &HttpRequest,
    content_type: &'static str,
    cache_control: &str,
    last_modified: Option<DateTime<Utc>>,
    body: Vec<u8>,
) -> HttpResponse {
    let tag = etag(&body);
    // Whole seconds: what an HTTP-date can say.
    let last_modified =
        last_modified.and_then(|t| DateTime::<Utc>::from_timestamp(t.timestamp(), 0));
    let headers = req.headers();
    let not_modified = match headers.get(header::IF_NONE_MATCH) {
        Some(inm) => inm.to_str().is_ok_and(|v| none_match(v, &tag)),
        // If-Modified-Since counts only without If-None-Match (RFC 9110 13.1.3).
        None => match (headers.get(header::IF_MODIFIED_SINCE), last_modified) {
            (Some(ims), Some(lm)) => ims
                .to_str()
                .ok()
                .and_then(|v| DateTime::parse_from_rfc2822(v.trim()).ok())
                .is_some_and(|since| lm <= since.to_utc()),
            _ => false,
        },
    };
    let mut res = HttpResponse::build(if not_modified {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    });
    if let Ok(v) = HeaderValue::from_str(&tag) {
        res.insert_header((header::ETAG, v));
    }
    if let Ok(v) = HeaderValue::from_str(cache_control) {
        res.insert_header((header::CACHE_CONTROL, v));
    }
    if let Some(lm) = last_modified
        && let Ok(v) = HeaderValue::from_str(&http_date(lm))
    {
        res.insert_header((header::LAST_MODIFIED, v));
    }
    // Compression varies the bytes; say so on the 304 too.
    res.insert_header((header::VARY, HeaderValue::from_static("Accept-Encoding")));
    if not_modified {
        res.finish()
    } else {
        res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(content_type)))
            .body(body)
    }
}

/// Names what a feed or sitemap holds for the CDN (`Surrogate-Key`,
/// space-separated; `Cache-Tag`, comma-separated), as the response cache
/// does for JSON: a purge of `article-12` then reaches every cached feed
/// that lists it. These responses carry their own ETag, so the response
/// cache passes them through untouched.
pub fn surrogate_keys(mut res: HttpResponse, keys: &[String]) -> HttpResponse {
    let (surrogate, cache_tag) = crate::http::keys::header_values(keys);
    for (name, value) in [("surrogate-key", surrogate), ("cache-tag", cache_tag)] {
        if let Some(v) = value {
            res.headers_mut()
                .insert(header::HeaderName::from_static(name), v);
        }
    }
    res
}

/// Runs outside the compression middleware. Every GET/HEAD response says
/// it varies by `Accept-Encoding` (also when it was sent uncompressed: a
/// shared cache must not hand a stored brotli body to a client that did not
/// ask for it, nor an identity body to one that did), and a compressed
/// representation gets a weak ETag: the strong tag names the identity
/// bytes, and RFC 9110 8.8.1 allows it on one representation only. A 304
/// to a client that accepts compression carries the weak form too, as the
/// 200 would have. `If-None-Match` compares weakly, so either form
/// revalidates.
pub async fn per_encoding(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let get = matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    );
    let accepts_compression = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|e| {
                let mut parts = e.split(';');
                let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
                let refused = parts.any(|p| p.trim().replace(' ', "") == "q=0");
                !refused && matches!(name.as_str(), "gzip" | "br" | "zstd" | "deflate" | "*")
            })
        });
    let mut res = next.call(req).await?;
    if !get {
        return Ok(res);
    }
    let headers = res.headers_mut();
    let varies = headers
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("accept-encoding"));
    if !varies {
        headers.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    let compressed = headers
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes() != b"identity");
    let not_modified = res.status() == StatusCode::NOT_MODIFIED && accepts_compression;
    let headers = res.headers_mut();
    if (compressed || not_modified)
        && let Some(tag) = headers.get(header::ETAG).and_then(|v| v.to_str().ok())
        && !tag.starts_with("W/")
        && let Ok(weak) = HeaderValue::from_str(&format!("W/{tag}"))
    {
        headers.insert(header::ETAG, weak);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_and_weak_tags_match() {
        let tag = etag(b"x");
        assert!(tag.starts_with('"') && tag.ends_with('"') && tag.len() == 34);
        assert!(none_match(&tag, &tag));
        assert!(none_match(&format!("\"a\", W/{tag}"), &tag));
        assert!(none_match("*", &tag));
        assert!(!none_match("\"a\"", &tag));
    }

    #[test]
    fn http_dates_are_gmt() {
        let t = DateTime::parse_from_rfc3339("2024-11-14T05:31:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(http_date(t), "Thu, 14 Nov 2024 05:31:00 GMT");
        assert_eq!(
            DateTime::parse_from_rfc2822(&http_date(t))
                .unwrap()
                .to_utc(),
            t
        );
    }
}
