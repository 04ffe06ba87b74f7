//! Sections (admin), authors and tags (editor).

use actix_web::http::StatusCode;
use actix_web::http::header::{self};
use actix_web::{HttpRequest, HttpResponse, web};
use app::AppError;
use app::content::ContentService;
use app::editorial::{EditorialService, TaxonomyInput};
use domain::Scope;

use super::{json_body, key};
use crate::http::error::ApiError;
use crate::rest::views::{AuthorView, DataView, SectionRefView, TagView};

fn taxonomy_input(req: &HttpRequest, body: &[u8]) -> Result<TaxonomyInput, ApiError> {
    json_body(req, body)
}

/// `POST /v1/admin/{kind}` and `PATCH/DELETE /v1/admin/{kind}/{slug}` for
/// sections (admin), authors and tags (editor).
pub async fn taxonomy(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    ed: web::Data<EditorialService>,
    kind: &str,
    slug: Option<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let scope = if kind == "sections" {
        Scope::Admin
    } else {
        Scope::Editor
    };
    let key = key(&svc, &req, scope).await?;
    let method = req.method().clone();
    if method == actix_web::http::Method::DELETE {
        let slug = slug.unwrap_or_default();
        match kind {
            "sections" => ed.delete_section(&key, &slug).await?,
            "authors" => ed.delete_author(&key, &slug).await?,
            _ => ed.delete_tag(&key, &slug).await?,
        }
        return Ok(HttpResponse::NoContent().finish());
    }
    let input = taxonomy_input(&req, &body)?;
    let status = if slug.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let data = match kind {
        "sections" => serde_json::to_value(SectionRefView::new(
            &ed.save_section(&key, slug.as_deref(), &input).await?,
        )),
        "authors" => serde_json::to_value(AuthorView::new(
            &ed.save_author(&key, slug.as_deref(), &input).await?,
        )),
        _ => serde_json::to_value(TagView::new(
            &ed.save_tag(&key, slug.as_deref(), &input).await?,
        )),
    }
    .map_err(|e| AppError::Internal(Box::new(e)))?;
    Ok(HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(DataView { data }))
}

/// Create, change and delete handlers for one taxonomy (`kind` is the
/// table: sections, authors or tags), with their OpenAPI operations.
macro_rules! taxonomy_handlers {
    (
        $kind:tt, $base:tt, $item:tt, $slug_doc:tt, $view:ty, $create_input:ty, $patch_input:ty,
        $(#[$create_doc:meta])* $create:ident,
        $(#[$update_doc:meta])* $update:ident,
        $(#[$delete_doc:meta])* $delete:ident
    ) => {
        $(#[$create_doc])*
        #[utoipa::path(
            post,
            path = $base,
            tag = "admin",
            request_body = $create_input,
            security(("apiKey" = [])),
            responses(
                (status = 201, description = "Created", body = DataView<$view>),
                (status = 400, response = crate::openapi::responses::BadRequest),
                (status = 409, response = crate::openapi::responses::Conflict),
                (status = 422, response = crate::openapi::responses::Unprocessable),
            )
        )]
        pub async fn $create(
            req: HttpRequest,
            svc: web::Data<ContentService>,
            ed: web::Data<EditorialService>,
            body: web::Bytes,
        ) -> Result<HttpResponse, ApiError> {
            taxonomy(req, svc, ed, $kind, None, body).await
        }

        $(#[$update_doc])*
        #[utoipa::path(
            patch,
            path = $item,
            tag = "admin",
            params(("slug" = String, Path, description = $slug_doc)),
            request_body = $patch_input,
            security(("apiKey" = [])),
            responses(
                (status = 200, description = "Saved", body = DataView<$view>),
                (status = 400, response = crate::openapi::responses::BadRequest),
                (status = 404, response = crate::openapi::responses::NotFound),
                (status = 409, response = crate::openapi::responses::Conflict),
                (status = 422, response = crate::openapi::responses::Unprocessable),
            )
        )]
        pub async fn $update(
            req: HttpRequest,
            svc: web::Data<ContentService>,
            ed: web::Data<EditorialService>,
            path: web::Path<String>,
            body: web::Bytes,
        ) -> Result<HttpResponse, ApiError> {
            taxonomy(req, svc, ed, $kind, Some(path.into_inner()), body).await
        }

        $(#[$delete_doc])*
        #[utoipa::path(
            delete,
            path = $item,
            tag = "admin",
            params(("slug" = String, Path, description = $slug_doc)),
            security(("apiKey" = [])),
            responses(
                (status = 204, description = "Deleted"),
                (status = 404, response = crate::openapi::responses::NotFound),
                (status = 409, response = crate::openapi::responses::Conflict),
            )
        )]
        pub async fn $delete(
            req: HttpRequest,
            svc: web::Data<ContentService>,
            ed: web::Data<EditorialService>,
            path: web::Path<String>,
        ) -> Result<HttpResponse, ApiError> {
            taxonomy(req, svc, ed, $kind, Some(path.into_inner()), web::Bytes::new()).await
        }
    };
}

taxonomy_handlers!(
    "sections",
    "/v1/admin/sections",
    "/v1/admin/sections/{slug}",
    "The section's slug",
    SectionRefView,
    crate::openapi::schema::SectionCreate,
    crate::openapi::schema::SectionPatch,
    /// Create a section (admin); the slug defaults to one made from the name.
    create_section,
    /// Change a section (admin): absent fields stay, `null` clears.
    update_section,
    /// Delete a section (admin); refused (409) while anything uses it.
    delete_section
);

taxonomy_handlers!(
    "authors",
    "/v1/admin/authors",
    "/v1/admin/authors/{slug}",
    "The author's slug",
    AuthorView,
    crate::openapi::schema::AuthorCreate,
    crate::openapi::schema::AuthorPatch,
    /// Create an author (editor); the slug defaults to one made from the name.
    create_author,
    /// Change an author (editor): absent fields stay, `null` clears.
    update_author,
    /// Delete an author (editor); refused (409) while anything uses it.
    delete_author
);

taxonomy_handlers!(
    "tags",
    "/v1/admin/tags",
    "/v1/admin/tags/{slug}",
    "The tag's slug",
    TagView,
    crate::openapi::schema::TagCreate,
    crate::openapi::schema::TagPatch,
    /// Create a tag (editor); the slug defaults to one made from the name.
    create_tag,
    /// Change a tag (editor): absent fields stay, `null` clears.
    update_tag,
    /// Delete a tag (editor); refused (409) while anything uses it.
    delete_tag
);
