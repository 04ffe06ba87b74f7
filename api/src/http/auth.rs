//! The caller of a request: the `Authorization` header handed to the
//! service's key check (`app::auth`), which knows nothing of HTTP.

use actix_web::HttpRequest;
use actix_web::http::header;
use app::AppError;
use app::auth::Caller;
use app::content::ContentService;
use domain::{ApiKey, Scope};

/// Resolves the `Authorization` header of a request.
pub async fn caller(svc: &ContentService, req: &HttpRequest) -> Result<Caller, AppError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    svc.caller(value).await
}

/// Shorthand for handlers: the caller's key if it has `scope`.
pub async fn require(
    svc: &ContentService,
    req: &HttpRequest,
    scope: Scope,
) -> Result<ApiKey, AppError> {
    caller(svc, req).await?.require(scope).cloned()
}
