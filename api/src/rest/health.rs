//! Probes: `/healthz` (the process is up), `/readyz` (the database answers).

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::error::ApiError;
use crate::service::ContentService;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(json!({"status": "ok"}))
}

pub async fn readyz(svc: web::Data<ContentService>) -> Result<HttpResponse, ApiError> {
    let db = svc.repo().database();
    match tokio::time::timeout(Duration::from_secs(2), db.ping()).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok()
            .insert_header(("cache-control", "no-store"))
            .json(json!({"status": "ready", "database": db.backend_name()}))),
        Ok(Err(e)) => Err(ApiError::Unavailable(e)),
        Err(_) => Err(ApiError::Unavailable(persistence::RepoError::Timeout)),
    }
}
