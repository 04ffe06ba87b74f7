//! `/v1/admin/articles/{id}/preview-links`: shareable links to an article
//! as it stands, published or not (editor). The token is in the answer of
//! the create only; the server keeps its hash.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use app::content::ContentService;
use app::editorial::EditorialService;
use domain::{PreviewLink, Scope};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{article_id, is_empty_body, json_body, key, private};
use crate::http::error::ApiError;
use crate::http::wire::rfc3339;
use crate::rest::views::DataView;
use app::fields::record_id;

/// A new link's settings; the body may be empty.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PreviewLinkCreate {
    /// Seconds the link lives: 60 to 604800 (seven days); a day when absent.
    #[schema(minimum = 60, maximum = 604800, default = 86400)]
    pub expires_in: Option<i64>,
}

/// A preview link. `token` and `url` are in the create's answer only.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreviewLinkView {
    pub id: String,
    pub article_id: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
    /// Not revoked and not expired.
    pub active: bool,
    /// `bpv_…`: open the article with `GET /v1/preview/{token}` or
    /// GraphQL `previewArticle(token:)`, no key needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// `GET /v1/preview/{token}` on this server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl PreviewLinkView {
    pub fn new(link: &PreviewLink, now: chrono::DateTime<chrono::Utc>) -> Self {
        Self {
            id: link.id.to_string(),
            article_id: link.article_id.to_string(),
            created_at: rfc3339(link.created_at),
            expires_at: rfc3339(link.expires_at),
            revoked_at: link.revoked_at.map(rfc3339),
            active: link.is_live(now),
            token: None,
            url: None,
        }
    }
}

/// The address of a token's preview on the server the request came to.
pub fn preview_url(req: &HttpRequest, token: &str) -> String {
    let info = req.connection_info();
    format!("{}://{}/v1/preview/{token}", info.scheme(), info.host())
}

/// Creates a preview link to an article, whatever its status (editor).
#[utoipa::path(
    post,
    operation_id = "create_preview_link",
    path = "/v1/admin/articles/{id}/preview-links",
    tag = "admin",
    params(("id" = i64, Path, description = "Article id", minimum = 1)),
    request_body(content = Option<PreviewLinkCreate>, description = "Optional"),
    security(("apiKey" = [])),
    responses(
        (status = 201, description = "Created; the token is shown only here", body = DataView<PreviewLinkView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 415, response = crate::openapi::responses::UnsupportedMediaType),
    )
)]
pub async fn create(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    ed: web::Data<EditorialService>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = key(&svc, &req, Scope::Editor).await?;
    let id = article_id(&path)?;
    let input: PreviewLinkCreate = if is_empty_body(&body) {
        PreviewLinkCreate::default()
    } else {
        json_body(&req, &body)?
    };
    let created = ed.create_preview_link(&key, id, input.expires_in).await?;
    let mut view = PreviewLinkView::new(&created.link, svc.now());
    view.url = Some(preview_url(&req, &created.token));
    view.token = Some(created.token);
    let mut res = HttpResponse::Created();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "/v1/admin/articles/{id}/preview-links/{}",
        created.link.id
    )) {
        res.insert_header((header::LOCATION, v));
    }
    Ok(private(res.json(DataView { data: view })))
}

/// An article's preview links, newest first, revoked and expired ones
/// included (never the tokens) (editor).
#[utoipa::path(
    get,
    operation_id = "preview_links",
    path = "/v1/admin/articles/{id}/preview-links",
    tag = "admin",
    params(("id" = i64, Path, description = "Article id", minimum = 1)),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The links", body = DataView<Vec<PreviewLinkView>>),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn list(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    ed: web::Data<EditorialService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    key(&svc, &req, Scope::Editor).await?;
    let links = ed.preview_links(article_id(&path)?).await?;
    let now = svc.now();
    Ok(private(
        HttpResponse::Ok().json(DataView {
            data: links
                .iter()
                .map(|l| PreviewLinkView::new(l, now))
                .collect::<Vec<_>>(),
        }),
    ))
}

/// Revokes a preview link: from now on its token is a 404 (editor).
#[utoipa::path(
    delete,
    operation_id = "revoke_preview_link",
    path = "/v1/admin/articles/{id}/preview-links/{link}",
    tag = "admin",
    params(
        ("id" = i64, Path, description = "Article id", minimum = 1),
        ("link" = i64, Path, description = "Link id", minimum = 1),
    ),
    security(("apiKey" = [])),
    responses(
        (status = 204, description = "Revoked (or already revoked)"),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn revoke(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    ed: web::Data<EditorialService>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let key = key(&svc, &req, Scope::Editor).await?;
    let (id, link) = path.into_inner();
    let id = article_id(&id)?;
    ed.revoke_preview_link(&key, id, record_id(&link, "preview link")?)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
