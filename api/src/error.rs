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
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
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
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    pub fn graphql_code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::Unavailable(_) => "SERVICE_UNAVAILABLE",
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "Invalid request",
            Self::NotFound(_) => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::Unavailable(_) => "Service unavailable",
            Self::Internal(_) => "Internal server error",
        }
    }

    /// What the client is told; never the text of an internal cause.
    pub fn detail(&self) -> String {
        match self {
            Self::Invalid(errors) => errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
            Self::NotFound(what) => what.clone(),
            Self::MethodNotAllowed => "this method is not allowed on this resource".into(),
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
            RepoError::Invalid(v) => Self::Invalid(vec![v]),
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
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
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
                Self::Invalid(errors) => errors
                    .iter()
                    .map(|e| FieldError {
                        field: e.field.clone(),
                        message: e.message.clone(),
                    })
                    .collect(),
                _ => Vec::new(),
            },
        };
        let mut res = HttpResponse::build(status);
        res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        match self {
            Self::MethodNotAllowed => {
                res.insert_header((header::ALLOW, HeaderValue::from_static("GET, HEAD")));
            }
            Self::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            _ => {}
        }
        res.json(problem)
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
        if let Self::Invalid(errors) = self {
            let fields = errors
                .iter()
                .map(|f| async_graphql::Value::from(f.field.clone()))
                .collect();
            ext.set("fields", async_graphql::Value::List(fields));
        }
    }
}
