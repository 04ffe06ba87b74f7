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
use domain::ValidationError;
use persistence::RepoError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid input")]
    Invalid(Vec<ValidationError>),
    /// A well-formed body whose fields break the rules (422).
    #[error("invalid fields")]
    Unprocessable(Vec<ValidationError>),
    #[error("authentication required")]
    Unauthorized,
    #[error("the key's scope does not allow this")]
    Forbidden(domain::Scope),
    /// Editors closed the comments of this article.
    #[error("comments are closed")]
    CommentsClosed,
    /// Someone else holds the value (slug, external id) or the thing is in use.
    #[error("{1}")]
    Conflict(String, String),
    /// `If-Match` / `expectedVersion` named a version that is no longer current.
    #[error("stale version")]
    PreconditionFailed { expected: i32, current: i32 },
    #[error("request body too large")]
    PayloadTooLarge,
    /// A rate limit is reached; retry after this many seconds.
    #[error("quota exceeded")]
    TooManyRequests { retry_after: u64 },
    #[error("{0}")]
    NotFound(String),
    /// The methods the resource does allow, for the `Allow` header.
    #[error("method not allowed")]
    MethodNotAllowed(&'static str),
    #[error("the database is unavailable")]
    Unavailable(#[source] RepoError),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![ValidationError::new(field, message)])
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid_input",
            Self::Unprocessable(_) => "validation_failed",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::CommentsClosed => "comments_closed",
            Self::Conflict(..) => "conflict",
            Self::PreconditionFailed { .. } => "precondition_failed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed(_) => "method_not_allowed",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    pub fn graphql_code(&self) -> &'static str {
        match self {
            Self::Invalid(_) | Self::Unprocessable(_) => "BAD_USER_INPUT",
            Self::Unauthorized => "UNAUTHENTICATED",
            Self::Forbidden(_) | Self::CommentsClosed => "FORBIDDEN",
            Self::Conflict(..) | Self::PreconditionFailed { .. } => "CONFLICT",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::TooManyRequests { .. } => "RATE_LIMITED",
            Self::NotFound(_) => "NOT_FOUND",
            Self::MethodNotAllowed(_) => "METHOD_NOT_ALLOWED",
            Self::Unavailable(_) => "SERVICE_UNAVAILABLE",
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "Invalid request",
            Self::Unprocessable(_) => "Validation failed",
            Self::Unauthorized => "Unauthorized",
            Self::Forbidden(_) | Self::CommentsClosed => "Forbidden",
            Self::Conflict(..) => "Conflict",
            Self::PreconditionFailed { .. } => "Precondition failed",
            Self::PayloadTooLarge => "Payload too large",
            Self::TooManyRequests { .. } => "Too many requests",
            Self::NotFound(_) => "Not found",
            Self::MethodNotAllowed(_) => "Method not allowed",
            Self::Unavailable(_) => "Service unavailable",
            Self::Internal(_) => "Internal server error",
        }
    }

    /// What the client is told; never the text of an internal cause.
    pub fn detail(&self) -> String {
        match self {
            Self::Invalid(errors) | Self::Unprocessable(errors) => errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
            Self::NotFound(what) => what.clone(),
            Self::Unauthorized => "send a valid API key as `Authorization: Bearer <key>`".into(),
            Self::Forbidden(required) => format!("this needs a key with the {required} scope"),
            Self::CommentsClosed => "comments on this article are closed".into(),
            Self::Conflict(_, detail) => detail.clone(),
            Self::PreconditionFailed { expected, current } => format!(
                "version {expected} is stale: the article is at version {current}; reload and retry"
            ),
            Self::PayloadTooLarge => "the request body exceeds the 2 MiB limit".into(),
            Self::TooManyRequests { retry_after } => {
                format!("too many requests; retry in {retry_after} s")
            }
            Self::MethodNotAllowed(_) => "this method is not allowed on this resource".into(),
            Self::Unavailable(_) => "the service cannot reach its database; retry shortly".into(),
            Self::Internal(_) => "an unexpected error occurred; it has been logged".into(),
        }
    }

    /// Logs unexpected errors with their cause chain (once, at the boundary).
    pub fn log(&self) {
        if matches!(self, Self::Unavailable(_) | Self::Internal(_)) {
            let mut chain = String::new();
            let mut source = std::error::Error::source(self);
            while let Some(s) = source {
                chain.push_str(": ");
                chain.push_str(&s.to_string());
                source = s.source();
            }
            tracing::error!(code = self.code(), "{self}{chain}");
        }
    }
}

impl From<RepoError> for ApiError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => Self::NotFound("not found".into()),
            RepoError::Invalid(v) => Self::Unprocessable(vec![v]),
            RepoError::Conflict { field } => {
                Self::Conflict(field.to_owned(), format!("{field} is already taken"))
            }
            RepoError::InUse { what, count } => Self::Conflict(
                what.to_owned(),
                format!("the {what} is still used by {count} article(s) or section(s)"),
            ),
            RepoError::VersionMismatch { expected, current } => {
                Self::PreconditionFailed { expected, current }
            }
            e if e.is_unavailable() => Self::Unavailable(e),
            e => Self::Internal(Box::new(e)),
        }
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        Self::Invalid(vec![e])
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
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::CommentsClosed => StatusCode::FORBIDDEN,
            Self::Conflict(..) => StatusCode::CONFLICT,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log();
        let status = self.status_code();
        let problem = Problem {
            kind: format!(
                "https://barta.dev/problems/{}",
                self.code().replace('_', "-")
            ),
            title: self.title().into(),
            status: status.as_u16(),
            detail: self.detail(),
            code: self.code().into(),
            errors: match self {
                Self::Invalid(errors) | Self::Unprocessable(errors) => errors
                    .iter()
                    .map(|e| FieldError {
                        field: e.field.clone(),
                        message: e.message.clone(),
                    })
                    .collect(),
                _ => Vec::new(),
            },
            field: match self {
                Self::Conflict(field, _) => Some(field.clone()),
                _ => None,
            },
        };
        let mut res = HttpResponse::build(status);
        res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        match self {
            Self::MethodNotAllowed(allow) => {
                res.insert_header((header::ALLOW, HeaderValue::from_static(allow)));
            }
            Self::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            Self::TooManyRequests { retry_after } => {
                res.insert_header((header::RETRY_AFTER, HeaderValue::from(*retry_after)));
            }
            Self::Unauthorized => {
                res.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"barta\""),
                ));
            }
            _ => {}
        }
        let mut res = res.json(problem);
        if matches!(self, Self::Unavailable(_)) {
            res.extensions_mut()
                .insert(crate::breaker::DatabaseUnreachable);
        }
        res
    }
}

impl ApiError {
    /// Fills a GraphQL error raised from an `ApiError` (async-graphql keeps
    /// it as the error's source): the client-facing message, a stable
    /// `extensions.code` and, for invalid input, the offending fields.
    pub fn decorate(&self, e: &mut async_graphql::ServerError) {
        self.log();
        e.message = self.detail();
        let ext = e.extensions.get_or_insert_with(Default::default);
        ext.set("code", self.graphql_code());
        if let Self::Invalid(errors) | Self::Unprocessable(errors) = self {
            let fields = errors
                .iter()
                .map(|f| async_graphql::Value::from(f.field.clone()))
                .collect();
            ext.set("fields", async_graphql::Value::List(fields));
        }
        if let Self::TooManyRequests { retry_after } = self {
            ext.set("retryAfter", *retry_after);
        }
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
    let problem = Problem {
        kind: format!("https://barta.dev/problems/{}", code.replace('_', "-")),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: detail.to_owned(),
        code: code.to_owned(),
        errors: Vec::new(),
        field: None,
    };
    let response = HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .json(problem);
    Ok(ErrorHandlerResponse::Response(
        actix_web::dev::ServiceResponse::new(req, response).map_into_right_body(),
    ))
}
