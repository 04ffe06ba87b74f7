//! Probes: `/healthz` (the process is up), `/readyz` (the database answers).

use app::AppError;
use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::http::error::ApiError;
use app::content::ContentService;

/// The process is up.
///
/// Never waits for the database and is exempt from the overload limit.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "Alive", body = Health, example = json!({"status": "ok"})))
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(json!({"status": "ok"}))
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Health {
    /// `ok` (healthz) or `ready` (readyz).
    status: String,
    /// The database backend (readyz): `sqlite` or `postgres`.
    database: Option<String>,
}

/// The database answers (within 2 s).
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Health, example = json!({"status": "ready", "database": "sqlite"})),
        (status = 503, response = crate::openapi::responses::Unavailable),
    )
)]
pub async fn readyz(svc: web::Data<ContentService>) -> Result<HttpResponse, ApiError> {
    match tokio::time::timeout(Duration::from_secs(2), svc.ping()).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok()
            .insert_header(("cache-control", "no-store"))
            .json(json!({"status": "ready", "database": svc.backend_name()}))),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => Err(AppError::Unavailable(persistence::RepoError::Timeout).into()),
    }
}
