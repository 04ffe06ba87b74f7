//! The one error type of the API and how each surface shows it.
//!
//! Policy:
//! - The caller's fault (bad parameter, unknown id) is answered precisely:
//!   REST with RFC 9457 `application/problem+json` naming every bad field,
//!   GraphQL with `extensions.code` (`BAD_USER_INPUT`, `NOT_FOUND`).
//! - Our fault (database down, corrupt row, bug) is logged once, here at the
//!   boundary, with its whole cause chain; the client gets an opaque message
//!   and a stable code. Database error text never reaches a client.
//! - Codes are stable snake_case strings (REST `code`) and SCREAMING_CASE
//!   (GraphQL); clients may switch on them.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use app::AppError;
use domain::ValidationError;
use persistence::RepoError;
use serde::Serialize;

/// What a REST handler or a surface's middleware fails with: a service's
/// [`AppError`], or a fault only HTTP has.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    App(#[from] AppError),
    /// The methods the resource does allow, for the `Allow` header.
    #[error("method not allowed")]
    MethodNotAllowed(&'static str),
    /// A body sent as something other than JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
}

impl From<RepoError> for ApiError {
    fn from(e: RepoError) -> Self {
        Self::App(e.into())
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        Self::App(e.into())
    }
}

/// What every surface does with a service error at its boundary, once:
/// our faults are logged with their cause; overload is counted as shed
/// (`barta_overloaded_total{reason="pool_wait"}`), not logged.
pub fn report(e: &AppError) {
    e.log();
    if matches!(e, AppError::Overloaded) {
        crate::http::metrics::overloaded(crate::http::metrics::Shed::PoolWait);
    }
}

/// A 503 that no service error is behind (overload, an open breaker):
/// problem+json, or on `/graphql` a GraphQL error with `gql_code`; never
/// cached; `Retry-After` in seconds.
pub fn unavailable(
    path: &str,
    code: &str,
    gql_code: &str,
    detail: String,
    retry_after: u64,
) -> HttpResponse {
    let mut res = if path == "/graphql" {
        HttpResponse::ServiceUnavailable()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({
                "errors": [{"message": detail, "extensions": {"code": gql_code}}]
            }))
    } else {
        let status = StatusCode::SERVICE_UNAVAILABLE;
        problem_builder(status).json(Problem {
            kind: problem_type(code),
            title: "Service unavailable".into(),
            status: status.as_u16(),
            detail,
            code: code.into(),
            errors: Vec::new(),
            field: None,
        })
    };
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    res
}

/// Marks a response as "the database could not be reached", for the
/// circuit breaker (`breaker.rs`), which opens on it.
#[derive(Debug, Clone, Copy)]
pub struct DatabaseUnreachable;

/// The HTTP status of a service error.
pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Invalid(_) => StatusCode::BAD_REQUEST,
        AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Unauthorized => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) | AppError::CommentsClosed => StatusCode::FORBIDDEN,
        AppError::Conflict(..) => StatusCode::CONFLICT,
        AppError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
        AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Unavailable(_) | AppError::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn title_of(e: &AppError) -> &'static str {
    match e {
        AppError::Invalid(_) => "Invalid request",
        AppError::Unprocessable(_) => "Validation failed",
        AppError::Unauthorized => "Unauthorized",
        AppError::Forbidden(_) | AppError::CommentsClosed => "Forbidden",
        AppError::Conflict(..) => "Conflict",
        AppError::PreconditionFailed { .. } => "Precondition failed",
        AppError::PayloadTooLarge => "Payload too large",
        AppError::UnsupportedMediaType(_) => "Unsupported media type",
        AppError::TooManyRequests { .. } => "Too many requests",
        AppError::NotFound(_) => "Not found",
        AppError::Unavailable(_) | AppError::Overloaded => "Service unavailable",
        AppError::Internal(_) => "Internal server error",
    }
}

/// RFC 9457 problem details, with our stable `code` and the invalid fields.
/// (`instance` is never sent: the request id in `x-request-id` names the
/// occurrence.)
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "type": "https://barta.dev/problems/invalid-input",
    "title": "Invalid request",
    "status": 400,
    "detail": "limit: must be an integer from 1 to 50",
    "code": "invalid_input",
    "errors": [{"field": "limit", "message": "must be an integer from 1 to 50"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem (`https://barta.dev/problems/{code}`).
    #[serde(rename = "type")]
    pub kind: String,
    /// The HTTP reason phrase of `status`, or a short summary.
    pub title: String,
    /// The HTTP status code, the same as the response's.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// What went wrong, for a person; never internal error text.
    pub detail: String,
    /// Stable snake_case code clients may switch on.
    pub code: String,
    /// Every invalid parameter or field (400 and 422 only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The field a conflict is about (`slug`, `externalId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// One invalid parameter or body field.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The parameter or field (`limit`, `body[3].text`, `If-Match`).
    pub field: String,
    pub message: String,
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::App(e) => status_of(e),
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let e = match self {
            Self::App(e) => e,
            Self::MethodNotAllowed(allow) => {
                return problem_builder(StatusCode::METHOD_NOT_ALLOWED)
                    .insert_header((header::ALLOW, HeaderValue::from_static(allow)))
                    .json(plain_problem(
                        StatusCode::METHOD_NOT_ALLOWED,
                        "method_not_allowed",
                        "Method not allowed",
                        "this method is not allowed on this resource",
                    ));
            }
            Self::UnsupportedMediaType => {
                return problem_builder(StatusCode::UNSUPPORTED_MEDIA_TYPE).json(plain_problem(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "Unsupported Media Type",
                    "send the body as application/json",
                ));
            }
        };
        report(e);
        let status = status_of(e);
        let problem = Problem {
            kind: problem_type(e.code()),
            title: title_of(e).into(),
            status: status.as_u16(),
            detail: e.detail(),
            code: e.code().into(),
            errors: e
                .fields()
                .iter()
                .map(|f| FieldError {
                    field: f.field.clone(),
                    message: f.message.clone(),
                })
                .collect(),
            field: match e {
                AppError::Conflict(field, _) => Some(field.clone()),
                _ => None,
            },
        };
        let mut res = problem_builder(status);
        match e {
            AppError::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            AppError::TooManyRequests { retry_after } => {
                res.insert_header((header::RETRY_AFTER, HeaderValue::from(*retry_after)));
            }
            AppError::Overloaded => {
                res.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
            }
            AppError::Unauthorized => {
                res.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"barta\""),
                ));
            }
            _ => {}
        }
        let mut res = res.json(problem);
        if matches!(e, AppError::Unavailable(_)) {
            res.extensions_mut().insert(DatabaseUnreachable);
        }
        res
    }
}

fn problem_type(code: &str) -> String {
    format!("https://barta.dev/problems/{}", code.replace('_', "-"))
}

/// A problem response's status and headers (the body is added by the caller).
pub fn problem_builder(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    res
}

/// A problem with no field errors.
pub fn plain_problem(status: StatusCode, code: &str, title: &str, detail: &str) -> Problem {
    Problem {
        kind: problem_type(code),
        title: title.to_owned(),
        status: status.as_u16(),
        detail: detail.to_owned(),
        code: code.to_owned(),
        errors: Vec::new(),
        field: None,
    }
}

/// Turns an error response that actix or an extractor produced as plain
/// text (413 from the body limit, 400 from a bad header, …) into a problem
/// document. JSON error bodies (ours, GraphQL's) pass through unchanged.
pub fn plain_errors_to_problems<B>(
    res: actix_web::dev::ServiceResponse<B>,
) -> actix_web::Result<actix_web::middleware::ErrorHandlerResponse<B>> {
    use actix_web::middleware::ErrorHandlerResponse;
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (req, _) = res.into_parts();
    let (code, detail) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "the request body exceeds the 2 MiB limit",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "send application/json"),
        StatusCode::NOT_FOUND => ("not_found", "no such resource"),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this method is not allowed on this resource",
        ),
        s if s.is_server_error() => (
            "internal",
            "an unexpected error occurred; it has been logged",
        ),
        _ => ("bad_request", "the request could not be read"),
    };
    let title = status.canonical_reason().unwrap_or("Error");
    let response = problem_builder(status).json(plain_problem(status, code, title, detail));
    Ok(ErrorHandlerResponse::Response(
        actix_web::dev::ServiceResponse::new(req, response).map_into_right_body(),
    ))
}

/// Whether the request says its body is JSON: `application/json` or a
/// `+json` type such as `application/merge-patch+json`, any parameters.
pub fn sends_json(req: &actix_web::HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .is_some_and(|m| {
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
}
