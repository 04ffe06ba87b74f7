//! `/v1/admin/webhooks`: subscriptions, their deliveries, ping and
//! redelivery (admin).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use app::AppError;
use app::content::ContentService;
use app::webhooks::WebhookService;
use domain::Scope;
use serde::Deserialize;

use super::private;
use super::{json_body, key};
use crate::http::error::ApiError;
use crate::openapi::schema::{WebhookCreate, WebhookPatch};
use crate::rest::views::{DataView, DeliveryView, ListView, WebhookView};

use app::fields::record_id as id;

/// Creates a webhook; the answer carries its signing secret, shown only
/// here and on rotation (admin).
#[utoipa::path(
    post,
    path = "/v1/admin/webhooks",
    tag = "webhooks",
    request_body = WebhookCreate,
    security(("apiKey" = [])),
    responses(
        (status = 201, description = "Created, with its secret", body = DataView<WebhookView>,
            headers(("Location" = String))),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 415, response = crate::openapi::responses::UnsupportedMediaType),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    )
)]
pub async fn create(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    hooks: web::Data<WebhookService>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = key(&svc, &req, Scope::Admin).await?;
    let input: WebhookCreate = json_body(&req, &body)?;
    let h = hooks.create(&key, input.into()).await?;
    let mut res = HttpResponse::Created();
    if let Ok(v) = HeaderValue::from_str(&format!("/v1/admin/webhooks/{}", h.id)) {
        res.insert_header((header::LOCATION, v));
    }
    Ok(private(res.json(DataView {
        data: WebhookView::new(&h, true),
    })))
}

/// Every webhook (never the secrets) (admin).
#[utoipa::path(
    get,
    path = "/v1/admin/webhooks",
    tag = "webhooks",
    security(("apiKey" = [])),
    responses((status = 200, description = "Every webhook", body = DataView<Vec<WebhookView>>))
)]
pub async fn list(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    hooks: web::Data<WebhookService>,
) -> Result<HttpResponse, ApiError> {
    key(&svc, &req, Scope::Admin).await?;
    let all = hooks.list().await?;
    Ok(private(
        HttpResponse::Ok().json(DataView {
            data: all
                .iter()
                .map(|h| WebhookView::new(h, false))
                .collect::<Vec<_>>(),
        }),
    ))
}

/// One webhook (admin).
#[utoipa::path(
    get,
    path = "/v1/admin/webhooks/{id}",
    tag = "webhooks",
    params(("id" = u64, Path, description = "Webhook id")),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The webhook", body = DataView<WebhookView>),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn get(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    hooks: web::Data<WebhookService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    key(&svc, &req, Scope::Admin).await?;
    let h = hooks.get(id(&path, "webhook")?).await?;
    Ok(private(HttpResponse::Ok().json(DataView {
        data: WebhookView::new(&h, false),
    })))
}

/// Changes a webhook (admin).
#[utoipa::path(
    patch,
    path = "/v1/admin/webhooks/{id}",
    tag = "webhooks",
    params(("id" = u64, Path, description = "Webhook id")),
    request_body = WebhookPatch,
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "Changed", body = DataView<WebhookView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 415, response = crate::openapi::responses::UnsupportedMediaType),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    )
)]
pub async fn update(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    hooks: web::Data<WebhookService>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = key(&svc, &req, Scope::Admin).await?;
    let input: WebhookPatch = json_body(&req, &body)?;
    let h = hooks
        .update(&key, id(&path, "webhook")?, input.into())
        .await?;
    Ok(private(HttpResponse::Ok().json(DataView {
        data: WebhookView::new(&h, false),
    })))
}

/// Deletes a webhook and its delivery log (admin).
#[utoipa::path(
    delete,
    path = "/v1/admin/webhooks/{id}",
    tag = "webhooks",
    params(("id" = u64, Path, description = "Webhook id")),
    security(("apiKey" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn delete(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    hooks: web::Data<WebhookService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = key(&svc, &req, Scope::Admin).await?;
    hooks.delete(&key, id(&path, "webhook")?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replaces the signing secret; the old one stops at once. The answer is
/// the only time the new secret is shown (admin).
#[utoipa::path(
    post,
    path = "/v1/admin/webhooks/{id}/rotate-secret",
    tag = "webhooks",
    params(("id" = u64, Path, description = "Webhook id")),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The webhook with its new secret", body = DataView<WebhookView>),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn rotate(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    hooks: web::Data<WebhookService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = key(&svc, &req, Scope::Admin).await?;
    let h = hooks.rotate_secret(&key, id(&path, "webhook")?).await?;
    Ok(private(HttpResponse::Ok().json(DataView {
        data: WebhookView::new(&h, true),
    })))
}

/// Queues a `webhook.ping` to the webhook, signed like any delivery; see
/// its outcome in the deliveries (admin).
#[utoipa::path(
    post,
    path = "/v1/admin/webhooks/{id}/ping",
    tag = "webhooks",
    params(("id" = u64, Path, description = "Webhook id")),
    security(("apiKey" = [])),
    responses(
        (status = 202, description = "Queued", body = DataView<DeliveryView>),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn ping(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    hooks: web::Data<WebhookService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    key(&svc, &req, Scope::Admin).await?;
    let d = hooks.ping(id(&path, "webhook")?).await?;
    Ok(private(HttpResponse::Accepted().json(DataView {
        data: DeliveryView::new(&d),
    })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50, default = 20)]
    limit: Option<String>,
    /// Delivery id from `page.nextCursor`: the page after it.
    #[param(value_type = Option<i64>)]
    before: Option<String>,
}

/// A webhook's deliveries, newest first (admin).
#[utoipa::path(
    get,
    path = "/v1/admin/webhooks/{id}/deliveries",
    tag = "webhooks",
    params(("id" = u64, Path, description = "Webhook id"), DeliveryParams),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "A page of deliveries", body = ListView<DeliveryView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn deliveries(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    hooks: web::Data<WebhookService>,
    path: web::Path<String>,
    params: web::Query<DeliveryParams>,
) -> Result<HttpResponse, ApiError> {
    key(&svc, &req, Scope::Admin).await?;
    let limit = domain::Limit::parse(params.limit.as_deref())?.get();
    let before = domain::cursor::given(params.before.as_deref())
        .map(|b| {
            b.parse::<i64>()
                .map_err(|_| AppError::invalid("before", "must be a delivery id"))
        })
        .transpose()?;
    let rows = hooks
        .deliveries(id(&path, "webhook")?, limit + 1, before)
        .await?;
    Ok(private(HttpResponse::Ok().json(ListView::by_id(
        rows,
        limit,
        |d| d.id,
        DeliveryView::new,
    ))))
}

/// Sends a delivery again, now, with the same `webhook-id` (admin).
#[utoipa::path(
    post,
    path = "/v1/admin/webhooks/deliveries/{id}/redeliver",
    tag = "webhooks",
    params(("id" = u64, Path, description = "Delivery id")),
    security(("apiKey" = [])),
    responses(
        (status = 202, description = "Queued", body = DataView<DeliveryView>),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn redeliver(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    hooks: web::Data<WebhookService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    key(&svc, &req, Scope::Admin).await?;
    let d = hooks.redeliver(id(&path, "delivery")?).await?;
    Ok(private(HttpResponse::Accepted().json(DataView {
        data: DeliveryView::new(&d),
    })))
}
