//! Protection against overload and oversized requests, before any handler
//! runs: a global limit on requests in flight (503 + `Retry-After` instead
//! of a collapse), limits on the URL (414) and the header block (431), and
//! no NUL character in the request target (400).
//! Bodies are limited per route (`PayloadConfig`, 413); slow clients by the
//! server's timeouts (`startup.rs`).

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use tokio::sync::Semaphore;

use crate::http::error::{PROBLEM_JSON, Problem};

/// Longest request target (path and query), bytes.
pub const MAX_URL_BYTES: usize = 8 * 1024;
/// Largest header block (names and values), bytes.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Requests in flight across all workers.
#[derive(Clone)]
pub struct InFlight(Arc<Semaphore>);

impl InFlight {
    pub fn new(max: usize) -> Self {
        Self(Arc::new(Semaphore::new(max)))
    }
}

fn problem(status: StatusCode, code: &str, title: &str, detail: String) -> HttpResponse {
    let body = Problem {
        kind: format!("https://barta.dev/problems/{}", code.replace('_', "-")),
        title: title.into(),
        status: status.as_u16(),
        detail,
        code: code.into(),
        errors: Vec::new(),
        field: None,
    };
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .json(body)
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let url_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if url_len > MAX_URL_BYTES {
        let res = problem(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            "URI too long",
            format!("the request target is {url_len} bytes; the limit is {MAX_URL_BYTES}"),
        );
        return Ok(req.into_response(res));
    }
    // A NUL character can be no slug, name or word, and PostgreSQL refuses
    // it in text: the request is malformed, whatever the route.
    let target = req.uri().path_and_query().map_or("", |p| p.as_str());
    if target.contains("%00") || target.contains('\0') {
        let res = problem(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "Bad request",
            "the request target contains a NUL character (%00)".into(),
        );
        return Ok(req.into_response(res));
    }
    let header_len: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if header_len > MAX_HEADER_BYTES {
        let res = problem(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            "Request header fields too large",
            format!("the headers are {header_len} bytes; the limit is {MAX_HEADER_BYTES}"),
        );
        return Ok(req.into_response(res));
    }
    // Probes always answer: an orchestrator must see an overloaded
    // instance as alive.
    let probe = matches!(req.path(), "/healthz" | "/readyz" | "/metrics");
    let permit = match req.app_data::<web::Data<InFlight>>() {
        Some(limit) if !probe => match limit.0.clone().try_acquire_owned() {
            Ok(p) => Some(p),
            Err(_) => {
                crate::http::metrics::overloaded();
                let mut res = problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "overloaded",
                    "Service unavailable",
                    "too many requests in flight; retry shortly".into(),
                );
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                return Ok(req.into_response(res));
            }
        },
        _ => None,
    };
    let res = next.call(req).await?;
    drop(permit);
    Ok(res.map_into_boxed_body())
}
