//! REST: JSON under `/v1`, one module per resource, wire shapes in `views`.

mod articles;
mod edition;
mod health;
mod sections;
pub mod views;

use actix_web::{HttpResponse, Route, web};

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
    get(cfg, "/healthz", web::get().to(health::healthz));
    get(cfg, "/readyz", web::get().to(health::readyz));
    get(cfg, "/v1/articles", web::get().to(articles::list));
    get(
        cfg,
        "/v1/articles/{id}/more-from-section",
        web::get().to(articles::more_from_section),
    );
    get(
        cfg,
        "/v1/articles/{id_or_slug}",
        web::get().to(articles::item),
    );
    get(cfg, "/v1/sections", web::get().to(sections::tree));
    get(cfg, "/v1/sections/{slug}", web::get().to(sections::item));
    get(
        cfg,
        "/v1/sections/{slug}/articles",
        web::get().to(sections::articles),
    );
    get(
        cfg,
        "/v1/tags/{slug}/articles",
        web::get().to(sections::tag_articles),
    );
    get(
        cfg,
        "/v1/authors/{slug}/articles",
        web::get().to(sections::author_articles),
    );
    get(cfg, "/v1/edition", web::get().to(edition::edition));
}

/// A read-only resource: GET (and HEAD, answered by actix without a body);
/// any other method gets a 405 problem with `Allow`.
fn get(cfg: &mut web::ServiceConfig, path: &str, route: Route) {
    cfg.service(
        web::resource(path)
            .route(route)
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
