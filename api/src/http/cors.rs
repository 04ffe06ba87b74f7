//! Cross-origin rules, two of them, each on its own resources (a resource
//! wraps its own `Cors`, so one route's preflight is answered by its own
//! rule):
//!
//! - public reads, GraphQL, comments and view beacons are shareable by any
//!   origin as `Access-Control-Allow-Origin: *`: no credentials are
//!   involved (keys are bearer tokens, never cookies), and `*` lets a CDN
//!   keep one copy instead of one per `Origin`;
//! - `/v1/admin/*` answers only the origins listed in
//!   `BARTA_ADMIN_ORIGINS` (an editors' desk in a browser), with the write
//!   methods and the headers the editorial API reads; without the setting
//!   no browser origin may call it (server-to-server calls need no CORS).
//!
//! A refused preflight is a 400 problem like any other error. Answers the
//! response cache gives (which never reach a resource) get the public
//! rule's headers from [`cached_answers`].

use actix_cors::Cors;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// Headers browsers may read from our responses (the header's value; the
/// builders take its names).
const EXPOSED: &str = "x-request-id, etag, location, retry-after, link";

/// Any origin, `*`; the methods of the public surfaces.
pub fn public() -> Cors {
    Cors::default()
        .allow_any_origin()
        .send_wildcard()
        .allowed_methods(["GET", "HEAD", "POST", "OPTIONS"])
        .allow_any_header()
        .expose_headers(EXPOSED.split(", "))
        .max_age(86_400)
}

/// The configured origins only; every method and header the editorial
/// API takes.
pub fn admin(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
        ])
        .expose_headers(EXPOSED.split(", "))
        .max_age(3_600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// Outside the response cache: a public answer to a cross-origin request
/// that did not pass through its resource's `Cors` (a cache hit, or a miss
/// the cache rebuilt) gets what [`public`] would have sent.
pub async fn cached_answers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let cross_origin =
        req.headers().contains_key(header::ORIGIN) && !req.path().starts_with("/v1/admin");
    let mut res = next.call(req).await?.map_into_boxed_body();
    if cross_origin
        && !res
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    {
        let headers = res.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED),
        );
    }
    Ok(res)
}

/// Checks one `BARTA_ADMIN_ORIGINS` entry: `scheme://host[:port]`, nothing
/// after it (a browser's `Origin` has no path).
pub fn valid_origin(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', ' ', '*'])
        && origin.parse::<actix_web::http::Uri>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::valid_origin;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        assert!(valid_origin("https://desk.example.com"));
        assert!(valid_origin("http://127.0.0.1:3000"));
        assert!(!valid_origin("desk.example.com"));
        assert!(!valid_origin("https://desk.example.com/"));
        assert!(!valid_origin("https://*.example.com"));
        assert!(!valid_origin("ftp://desk.example.com"));
    }
}
