//! REST: JSON under `/v1`, one module per resource, wire shapes in `views`.

mod articles;
mod edition;
mod health;
mod sections;
pub mod views;

use actix_web::{FromRequest, Handler, HttpResponse, Responder, web};

use crate::error::ApiError;

/// Registers every REST route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::QueryConfig::default()
            .error_handler(|err, _| ApiError::invalid("query", err.to_string()).into()),
    )
    .app_data(
        web::PathConfig::default()
            .error_handler(|err, _| ApiError::invalid("path", err.to_string()).into()),
    );
    get(cfg, "/healthz", health::healthz);
    get(cfg, "/readyz", health::readyz);
    get(cfg, "/v1/articles", articles::list);
    get(
        cfg,
        "/v1/articles/{id}/more-from-section",
        articles::more_from_section,
    );
    get(cfg, "/v1/articles/{id_or_slug}", articles::item);
    get(cfg, "/v1/sections", sections::tree);
    get(cfg, "/v1/sections/{slug}", sections::item);
    get(cfg, "/v1/sections/{slug}/articles", sections::articles);
    get(cfg, "/v1/tags/{slug}/articles", sections::tag_articles);
    get(
        cfg,
        "/v1/authors/{slug}/articles",
        sections::author_articles,
    );
    get(cfg, "/v1/edition", edition::edition);
}

/// A read-only resource: GET and HEAD (actix sends HEAD answers without a
/// body); any other method gets a 405 problem with `Allow`.
fn get<F, Args>(cfg: &mut web::ServiceConfig, path: &str, handler: F)
where
    F: Handler<Args> + Clone,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    cfg.service(
        web::resource(path)
            .route(web::get().to(handler.clone()))
            .route(web::head().to(handler))
            .default_service(web::to(method_not_allowed)),
    );
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed)
}

/// Unknown routes: a 404 problem.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("no such resource"))
}
