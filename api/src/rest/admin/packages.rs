//! `/v1/admin/articles/{id}/picks`: an article's story package, the
//! hand-picked "read more" (আরও পড়ুন) that related stories show first
//! (editor).

use actix_web::{HttpRequest, HttpResponse, web};
use app::content::ContentService;
use app::editorial::EditorialService;
use domain::Scope;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{article_id, json_body, key, private};
use crate::http::error::ApiError;
use crate::rest::views::DataView;

/// The editors' picks of an article, as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PicksInput {
    /// Article ids in order: at most 10, no repeats, not the article itself.
    #[schema(max_items = 10)]
    pub articles: Vec<String>,
}

/// An article's story package: its hand-picked "read more" (আরও পড়ুন), any
/// status (editor).
#[utoipa::path(
    get,
    operation_id = "article_picks",
    path = "/v1/admin/articles/{id}/picks",
    tag = "admin",
    params(("id" = i64, Path, description = "Article id", minimum = 1)),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The picks, in order", body = DataView<Vec<crate::rest::views::ArticleSummaryView>>),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn picks(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    ed: web::Data<EditorialService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    key(&svc, &req, Scope::Editor).await?;
    let picks = ed.picks(article_id(&path)?).await?;
    picks_response(&svc, &picks).await
}

/// Replaces an article's picks; readers get the public ones first among
/// its related stories, in this order (editor).
#[utoipa::path(
    put,
    operation_id = "set_article_picks",
    path = "/v1/admin/articles/{id}/picks",
    tag = "admin",
    params(("id" = i64, Path, description = "Article id", minimum = 1)),
    request_body = PicksInput,
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The picks, in order", body = DataView<Vec<crate::rest::views::ArticleSummaryView>>),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 415, response = crate::openapi::responses::UnsupportedMediaType),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    )
)]
pub async fn set_picks(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    ed: web::Data<EditorialService>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = key(&svc, &req, Scope::Editor).await?;
    let input: PicksInput = json_body(&req, &body)?;
    let picks = ed
        .set_picks(&key, article_id(&path)?, &input.articles)
        .await?;
    picks_response(&svc, &picks).await
}

async fn picks_response(
    svc: &ContentService,
    picks: &[domain::ArticleSummary],
) -> Result<HttpResponse, ApiError> {
    let refs = svc.refs_of(picks).await?;
    Ok(private(
        HttpResponse::Ok().json(DataView {
            data: picks
                .iter()
                .map(|a| crate::rest::views::admin_summary(a, &refs))
                .collect::<Vec<_>>(),
        }),
    ))
}
