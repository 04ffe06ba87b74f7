//! Protection against overload and oversized requests, before any handler
//! runs: a global limit on requests in flight (503 + `Retry-After` instead
//! of a collapse), limits on the URL (414) and the header block (431), and
//! no NUL character in the request target (400).
//! A request body is read whole here, within a deadline (408 after) and a
//! size cap (413), before the request takes an in-flight slot: a client
//! that sends its body a byte a second holds a connection, never a slot.
//! Routes keep their own, smaller limits (`PayloadConfig`); slow request
//! heads are bounded by the server's timeouts (`startup.rs`).

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

/// The largest body any route takes (the admin routes' 2 MiB).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// Room for a multipart envelope around an uploaded picture.
const UPLOAD_ENVELOPE: usize = 64 * 1024;
/// How long a picture upload may take to arrive.
const UPLOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
/// How long a client may take to send a request body.
pub const DEFAULT_BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Requests in flight across all workers, and how long a body may take.
#[derive(Clone)]
pub struct InFlight(Arc<Semaphore>, std::time::Duration);

impl InFlight {
    pub fn new(max: usize, body_timeout: std::time::Duration) -> Self {
        Self(Arc::new(Semaphore::new(max)), body_timeout)
    }
}

enum BodyError {
    TooLarge,
    Broken,
}

/// The largest body `req` may send and the time it has to send it: the
/// API's bodies are small; picture uploads have their own limit (and room
/// for a multipart envelope) and take longer to arrive.
fn body_limit(req: &ServiceRequest, deadline: std::time::Duration) -> (usize, std::time::Duration) {
    match req.app_data::<web::Data<app::images::ImageService>>() {
        Some(images)
            if req.path() == "/v1/admin/images"
                && req.method() == actix_web::http::Method::POST =>
        {
            (
                images.settings().max_bytes + UPLOAD_ENVELOPE,
                deadline.max(UPLOAD_TIMEOUT),
            )
        }
        _ => (MAX_BODY_BYTES, deadline),
    }
}

/// Reads the whole body of `req` (if it has one) within the deadline and
/// puts it back as a buffered payload; `Err` is the answer to send instead.
async fn buffer_body(
    req: &mut ServiceRequest,
    deadline: std::time::Duration,
) -> Result<(), HttpResponse> {
    let (max, deadline) = body_limit(req, deadline);
    use actix_web::HttpMessage;
    use futures_util::StreamExt;
    let headers = req.headers();
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    let chunked = headers.contains_key(header::TRANSFER_ENCODING);
    if length.unwrap_or(0) == 0 && !chunked {
        return Ok(());
    }
    let too_large = || {
        problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Payload too large",
            format!("the request body exceeds {max} bytes"),
        )
    };
    if length.is_some_and(|n| n > max) {
        return Err(too_large());
    }
    let mut payload = req.take_payload();
    let read = async {
        let mut body = web::BytesMut::with_capacity(length.unwrap_or(0));
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| BodyError::Broken)?;
            if body.len() + chunk.len() > max {
                return Err(BodyError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    match tokio::time::timeout(deadline, read).await {
        Ok(Ok(body)) => {
            req.set_payload(actix_web::dev::Payload::from(body));
            Ok(())
        }
        Ok(Err(BodyError::TooLarge)) => Err(too_large()),
        Ok(Err(BodyError::Broken)) => Err(problem(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "Bad request",
            "the request body could not be read".into(),
        )),
        Err(_) => {
            let mut res = problem(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "Request timeout",
                format!(
                    "the request body did not arrive within {} s",
                    deadline.as_secs_f32()
                ),
            );
            res.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            Err(res)
        }
    }
}

/// A problem+json answer of the HTTP floor (no service error behind it).
pub(crate) fn problem(status: StatusCode, code: &str, title: &str, detail: String) -> HttpResponse {
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
    mut req: ServiceRequest,
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
    // The body first, outside the in-flight limit.
    if let Some(limit) = req.app_data::<web::Data<InFlight>>().cloned()
        && let Err(res) = buffer_body(&mut req, limit.1).await
    {
        return Ok(req.into_response(res));
    }
    // Probes always answer: an orchestrator must see an overloaded
    // instance as alive.
    let probe = matches!(req.path(), "/healthz" | "/readyz" | "/metrics");
    let permit = match req.app_data::<web::Data<InFlight>>() {
        Some(limit) if !probe => match limit.0.clone().try_acquire_owned() {
            Ok(p) => Some(p),
            Err(_) => {
                crate::http::metrics::overloaded(crate::http::metrics::Shed::InFlight);
                let res = crate::http::error::unavailable(
                    req.path(),
                    "overloaded",
                    "OVERLOADED",
                    "too many requests in flight; retry shortly".into(),
                    1,
                );
                return Ok(req.into_response(res));
            }
        },
        _ => None,
    };
    let res = next.call(req).await?;
    drop(permit);
    Ok(res.map_into_boxed_body())
}
