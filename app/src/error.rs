//! The one error of the service floor.
//!
//! Two kinds of variant: the caller's faults (bad input, unknown id, no
//! permission, a stale version, too many requests), which the surfaces show
//! precisely, and our faults (database unreachable, a bug), which they log
//! once with the cause chain and show opaquely. Each has a stable snake_case
//! [`AppError::code`]; how a surface spells it (an HTTP status, a GraphQL
//! `extensions.code`) is the surface's business, so nothing here names HTTP.

use domain::ValidationError;
use persistence::RepoError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid input")]
    Invalid(Vec<ValidationError>),
    /// A well-formed body whose fields break the rules.
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
    /// An upload of a type that is not accepted, or not the type it says.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A rate limit is reached; retry after this many seconds.
    #[error("quota exceeded")]
    TooManyRequests { retry_after: u64 },
    #[error("{0}")]
    NotFound(String),
    #[error("the database is unavailable")]
    Unavailable(#[source] RepoError),
    /// More work than the database's connections can take: the request
    /// waited its turn past the deadline. Load, not a fault: not logged.
    #[error("overloaded")]
    Overloaded,
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![ValidationError::new(field, message)])
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    /// Stable snake_case code clients may switch on.
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
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::NotFound(_) => "not_found",
            Self::Unavailable(_) => "unavailable",
            Self::Overloaded => "overloaded",
            Self::Internal(_) => "internal",
        }
    }

    /// Our fault rather than the caller's: logged, shown opaquely.
    pub fn is_ours(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::Internal(_))
    }

    /// The invalid fields of a 400/422-kind error.
    pub fn fields(&self) -> &[ValidationError] {
        match self {
            Self::Invalid(errors) | Self::Unprocessable(errors) => errors,
            _ => &[],
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
            Self::NotFound(what) | Self::UnsupportedMediaType(what) => what.clone(),
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
            Self::Unavailable(_) => "the service cannot reach its database; retry shortly".into(),
            Self::Overloaded => "too many requests in flight; retry shortly".into(),
            Self::Internal(_) => "an unexpected error occurred; it has been logged".into(),
        }
    }

    /// Logs our faults with their cause chain (once, at the boundary).
    pub fn log(&self) {
        if self.is_ours() {
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

impl From<RepoError> for AppError {
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
            RepoError::Busy => Self::Overloaded,
            e if e.is_unavailable() => Self::Unavailable(e),
            e => Self::Internal(Box::new(e)),
        }
    }
}

impl From<ValidationError> for AppError {
    fn from(e: ValidationError) -> Self {
        Self::Invalid(vec![e])
    }
}
