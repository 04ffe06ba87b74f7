//! REST: JSON under `/v1`, one module per resource, wire shapes in `views`.

pub(crate) mod admin;
pub(crate) mod articles;
pub(crate) mod comments;
pub(crate) mod directory;
pub mod discovery;
pub(crate) mod edition;
pub mod fields;
pub(crate) mod health;
pub(crate) mod home;
pub mod images;
pub(crate) mod live;
pub(crate) mod preview;
pub(crate) mod sections;
pub(crate) mod sse;
pub(crate) mod stream;
pub mod views;

use actix_web::{HttpResponse, web};
use app::AppError;

use crate::http::error::ApiError;

/// Registers every REST route.
pub fn configure(cfg: &mut web::ServiceConfig, admin_origins: &[String]) {
    cfg.app_data(web::QueryConfig::default().error_handler(|err, _| {
        let message = err.to_string();
        // serde names the parameter between backticks ("duplicate field `limit`").
        let field = message
            .split('`')
            .nth(1)
            .filter(|f| f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or("query")
            .to_owned();
        ApiError::from(AppError::invalid(
            &field,
            "is given more than once or is malformed",
        ))
        .into()
    }))
    .app_data(
        web::PathConfig::default().error_handler(|err, _| {
            ApiError::from(AppError::invalid("path", err.to_string())).into()
        }),
    )
    .app_data(web::PayloadConfig::new(admin::MAX_BODY));
    get(cfg, "/", home::home);
    get(cfg, "/docs", home::docs);
    get(cfg, "/assets/{name:.+}", home::asset);
    get(
        cfg,
        "/images/{picture}/{rendition}",
        images::image_rendition,
    );
    get(
        cfg,
        "/images/{picture}/{version}/{rendition}",
        images::image_crop,
    );
    get(cfg, "/healthz", health::healthz);
    get(cfg, "/readyz", health::readyz);
    // The router tries patterns in this order, one regex per dynamic
    // pattern: the hottest reads (an article, a section's list) come first
    // (no two patterns here match the same path, so order is free).
    get(cfg, "/v1/articles", articles::list);
    get(cfg, "/v1/articles/{id_or_slug}", articles::item);
    get(cfg, "/v1/sections/{slug}/articles", sections::articles);
    get(
        cfg,
        "/v1/articles/{id}/more-from-section",
        articles::more_from_section,
    );
    get(cfg, "/v1/sections", sections::tree);
    get(cfg, "/v1/sections/{slug}", sections::item);
    get(cfg, "/v1/tags/{slug}/articles", sections::tag_articles);
    get(
        cfg,
        "/v1/authors/{slug}/articles",
        sections::author_articles,
    );
    get(cfg, "/v1/edition", edition::edition);
    get(cfg, "/v1/search", discovery::search);
    get(cfg, "/v1/articles/{id}/related", discovery::related);
    get(
        cfg,
        "/v1/articles/{id}/translations",
        articles::translations,
    );
    get(cfg, "/v1/articles/{id}/posts", live::posts);
    get(cfg, "/v1/articles/{id}/posts/stream", live::stream);
    get(cfg, "/v1/stream", stream::site_stream);
    get(cfg, "/v1/most-read", discovery::most_read);
    get(cfg, "/v1/collections", discovery::collections);
    get(cfg, "/v1/collections/{slug}", discovery::collection);
    get(cfg, "/v1/series", discovery::series_list);
    get(cfg, "/v1/series/{slug}", discovery::series);
    get(cfg, "/v1/front", discovery::front);
    get(cfg, "/v1/preview/{token}", preview::preview);
    get(cfg, "/v1/authors", directory::authors);
    get(cfg, "/v1/authors/{slug}", directory::author);
    get(cfg, "/v1/tags", directory::tags);
    get(cfg, "/v1/tags/{slug}", directory::tag);
    resource(
        cfg,
        admin_origins,
        "/v1/articles/{id}/comments",
        "GET, HEAD, POST",
        |r| {
            r.route(web::get().to(comments::list))
                .route(web::head().to(comments::list))
                .route(web::post().to(comments::post))
        },
    );
    resource(cfg, admin_origins, "/v1/admin/comments", "GET", |r| {
        r.route(web::get().to(comments::queue))
    });
    resource(
        cfg,
        admin_origins,
        "/v1/admin/comments/{id}",
        "GET, DELETE",
        |r| {
            r.route(web::get().to(comments::get_comment))
                .route(web::delete().to(comments::delete_comment))
        },
    );
    resource(
        cfg,
        admin_origins,
        "/v1/admin/comments/{id}/{action}",
        "POST",
        |r| r.route(web::post().to(comments::decide)),
    );
    resource(
        cfg,
        admin_origins,
        r"/v1/admin/articles/{id:\d+}/comments",
        "PUT",
        |r| r.route(web::put().to(comments::set_open)),
    );
    resource(cfg, admin_origins, "/v1/articles/{id}/views", "POST", |r| {
        r.route(web::post().to(discovery::view))
    });
    resource(
        cfg,
        admin_origins,
        "/v1/admin/series/{slug}",
        "PUT, DELETE",
        |r| {
            r.route(web::put().to(discovery::save_series))
                .route(web::delete().to(discovery::delete_series))
        },
    );
    resource(
        cfg,
        admin_origins,
        "/v1/admin/collections/{slug}",
        "PUT, DELETE",
        |r| {
            r.route(web::put().to(discovery::save_collection))
                .route(web::delete().to(discovery::delete_collection))
        },
    );

    // Admin article ids are digits (`{id:\d+}`), so an external id such as
    // `comments` or `revisions` is never read as `/{id}/comments`.
    resource(cfg, admin_origins, "/v1/admin/articles", "GET, POST", |r| {
        r.route(web::get().to(admin::articles::desk))
            .route(web::post().to(admin::articles::create_article))
    });
    resource(
        cfg,
        admin_origins,
        "/v1/admin/articles/by-external-id/{external_id}",
        "PUT",
        |r| r.route(web::put().to(admin::articles::upsert_by_external_id)),
    );
    resource(
        cfg,
        admin_origins,
        r"/v1/admin/articles/{id:\d+}",
        "GET, PATCH, DELETE",
        |r| {
            r.route(web::get().to(admin::articles::preview))
                .route(web::patch().to(admin::articles::update))
                .route(web::delete().to(admin::articles::delete))
        },
    );
    resource(
        cfg,
        admin_origins,
        r"/v1/admin/articles/{id:\d+}/revisions",
        "GET",
        |r| r.route(web::get().to(admin::articles::revisions)),
    );
    resource(
        cfg,
        admin_origins,
        r"/v1/admin/articles/{id:\d+}/revisions/{number}",
        "GET",
        |r| r.route(web::get().to(admin::articles::revision)),
    );
    // Before `{action}`: `posts` is a sub-resource, not an action.
    resource(
        cfg,
        admin_origins,
        r"/v1/admin/articles/{id:\d+}/posts",
        "POST",
        |r| r.route(web::post().to(live::create_post)),
    );
    resource(
        cfg,
        admin_origins,
        r"/v1/admin/articles/{id:\d+}/posts/{post:\d+}",
        "PATCH, DELETE",
        |r| {
            r.route(web::patch().to(live::update_post))
                .route(web::delete().to(live::delete_post))
        },
    );
    // Before `{action}`, which would take `preview-links` for an action.
    resource(
        cfg,
        admin_origins,
        "/v1/admin/articles/{id}/picks",
        "GET, PUT",
        |r| {
            r.route(web::get().to(admin::packages::picks))
                .route(web::put().to(admin::packages::set_picks))
        },
    );
    resource(
        cfg,
        admin_origins,
        "/v1/admin/articles/{id}/preview-links",
        "GET, POST",
        |r| {
            r.route(web::get().to(admin::preview::list))
                .route(web::post().to(admin::preview::create))
        },
    );
    resource(
        cfg,
        admin_origins,
        "/v1/admin/articles/{id}/preview-links/{link}",
        "DELETE",
        |r| r.route(web::delete().to(admin::preview::revoke)),
    );
    resource(
        cfg,
        admin_origins,
        r"/v1/admin/articles/{id:\d+}/{action}",
        "POST",
        |r| r.route(web::post().to(admin::articles::action)),
    );
    resource(cfg, admin_origins, "/v1/admin/images", "POST", |r| {
        r.route(web::post().to(images::upload_image))
    });
    resource(
        cfg,
        admin_origins,
        r"/v1/admin/images/{id:\d+}",
        "GET, PATCH",
        |r| {
            r.route(web::get().to(images::get_image))
                .route(web::patch().to(images::update_image))
        },
    );
    resource(cfg, admin_origins, "/v1/admin/sections", "POST", |r| {
        r.route(web::post().to(admin::taxonomy::create_section))
    });
    resource(
        cfg,
        admin_origins,
        "/v1/admin/sections/{slug}",
        "PATCH, DELETE",
        |r| {
            r.route(web::patch().to(admin::taxonomy::update_section))
                .route(web::delete().to(admin::taxonomy::delete_section))
        },
    );
    resource(cfg, admin_origins, "/v1/admin/authors", "POST", |r| {
        r.route(web::post().to(admin::taxonomy::create_author))
    });
    resource(
        cfg,
        admin_origins,
        "/v1/admin/authors/{slug}",
        "PATCH, DELETE",
        |r| {
            r.route(web::patch().to(admin::taxonomy::update_author))
                .route(web::delete().to(admin::taxonomy::delete_author))
        },
    );
    resource(cfg, admin_origins, "/v1/admin/tags", "POST", |r| {
        r.route(web::post().to(admin::taxonomy::create_tag))
    });
    resource(
        cfg,
        admin_origins,
        "/v1/admin/tags/{slug}",
        "PATCH, DELETE",
        |r| {
            r.route(web::patch().to(admin::taxonomy::update_tag))
                .route(web::delete().to(admin::taxonomy::delete_tag))
        },
    );
    resource(cfg, admin_origins, "/v1/admin/audit", "GET", |r| {
        r.route(web::get().to(admin::audit::audit))
    });
    resource(cfg, admin_origins, "/v1/admin/keys", "GET", |r| {
        r.route(web::get().to(admin::audit::keys))
    });
    resource(cfg, admin_origins, "/v1/admin/webhooks", "GET, POST", |r| {
        r.route(web::get().to(admin::webhooks::list))
            .route(web::post().to(admin::webhooks::create))
    });
    resource(
        cfg,
        admin_origins,
        r"/v1/admin/webhooks/{id:\d+}",
        "GET, PATCH, DELETE",
        |r| {
            r.route(web::get().to(admin::webhooks::get))
                .route(web::patch().to(admin::webhooks::update))
                .route(web::delete().to(admin::webhooks::delete))
        },
    );
    resource(
        cfg,
        admin_origins,
        r"/v1/admin/webhooks/{id:\d+}/rotate-secret",
        "POST",
        |r| r.route(web::post().to(admin::webhooks::rotate)),
    );
    resource(
        cfg,
        admin_origins,
        r"/v1/admin/webhooks/{id:\d+}/ping",
        "POST",
        |r| r.route(web::post().to(admin::webhooks::ping)),
    );
    resource(
        cfg,
        admin_origins,
        r"/v1/admin/webhooks/{id:\d+}/deliveries",
        "GET",
        |r| r.route(web::get().to(admin::webhooks::deliveries)),
    );
    resource(
        cfg,
        admin_origins,
        r"/v1/admin/webhooks/deliveries/{id:\d+}/redeliver",
        "POST",
        |r| r.route(web::post().to(admin::webhooks::redeliver)),
    );
}

pub(crate) use crate::openapi::routes::get;

/// A write resource: the given routes, and a 405 problem naming `allow`
/// for any other method.
fn resource(
    cfg: &mut web::ServiceConfig,
    admin_origins: &[String],
    path: &str,
    allow: &'static str,
    routes: impl FnOnce(actix_web::Resource) -> actix_web::Resource,
) {
    crate::openapi::routes::log_route(path, allow);
    let cors = if path.starts_with("/v1/admin") {
        crate::http::cors::admin(admin_origins)
    } else {
        crate::http::cors::public()
    };
    cfg.service(
        routes(web::resource(path))
            .default_service(web::to(move || async move {
                Err::<HttpResponse, _>(ApiError::MethodNotAllowed(allow))
            }))
            .wrap(cors),
    );
}

/// Unknown routes: a 404 problem.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(AppError::not_found("no such resource").into())
}
