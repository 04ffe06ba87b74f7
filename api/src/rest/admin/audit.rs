//! The audit log and the API keys (admin).

use actix_web::http::header::{self};
use actix_web::{HttpRequest, HttpResponse, web};
use app::AppError;
use app::content::ContentService;
use app::editorial::EditorialService;
use domain::Scope;
use serde::Deserialize;

use super::key;
use crate::http::error::ApiError;
use crate::rest::views::{AuditEntryView, DataView, KeyView, ListView};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50, default = 20)]
    limit: Option<String>,
    /// Entry id from `page.nextCursor`: the page after it.
    #[param(value_type = Option<i64>)]
    before: Option<String>,
}

/// The audit log, newest first (admin).
#[utoipa::path(
    get,
    path = "/v1/admin/audit",
    tag = "admin",
    params(AuditParams),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "A page of the log", body = ListView<AuditEntryView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
    )
)]
pub async fn audit(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    ed: web::Data<EditorialService>,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, ApiError> {
    key(&svc, &req, Scope::Admin).await?;
    let limit = domain::Limit::parse(params.limit.as_deref())?.get();
    let before = domain::cursor::given(params.before.as_deref())
        .map(|b| {
            b.parse::<i64>()
                .map_err(|_| AppError::invalid("before", "must be an audit entry id"))
        })
        .transpose()?;
    let entries = ed.audit(limit + 1, before).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(ListView::by_id(
            entries,
            limit,
            |e| e.id,
            AuditEntryView::new,
        )))
}

/// The API keys (never the secrets) (admin).
#[utoipa::path(
    get,
    path = "/v1/admin/keys",
    tag = "admin",
    security(("apiKey" = [])),
    responses((status = 200, description = "Every key", body = DataView<Vec<KeyView>>))
)]
pub async fn keys(
    req: HttpRequest,
    svc: web::Data<ContentService>,
) -> Result<HttpResponse, ApiError> {
    key(&svc, &req, Scope::Admin).await?;
    let keys = svc.api_keys().await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(DataView {
            data: keys.iter().map(KeyView::new).collect::<Vec<_>>(),
        }))
}
