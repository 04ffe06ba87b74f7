//! Articles: create, change, lifecycle actions, the desk, revisions and
//! the upsert by external id.

use actix_web::http::StatusCode;
use actix_web::http::header::{self};
use actix_web::{HttpRequest, HttpResponse, web};
use app::AppError;
use app::content::ContentService;
use app::editorial::{ArticleInput, EditorialService};
use app::import::ImportLine;
use domain::{ArticleStatus, Scope, ValidationError};
use serde::Deserialize;
use serde_json::json;

use super::{article_id, article_response, if_match, is_empty_body, json_body, key};
use crate::http::error::ApiError;
use crate::rest::views::{
    AdminArticleView, ArticleSummaryView, DataView, ListView, PageInfoView, RevisionView,
    admin_summary,
};

/// Create an article (editor): `headline`, `body` and `section` are required.
#[utoipa::path(
    post,
    path = "/v1/admin/articles",
    tag = "admin",
    request_body = crate::openapi::schema::ArticleCreate,
    security(("apiKey" = [])),
    responses(
        (status = 201, description = "Created (a draft unless a status says otherwise)", body = DataView<AdminArticleView>,
            headers(("Location" = String, description = "The new article"), ("ETag" = String, description = "`\"v{version}\"`, for `If-Match`"))),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 409, response = crate::openapi::responses::Conflict),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    )
)]
pub async fn create_article(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    ed: web::Data<EditorialService>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = key(&svc, &req, Scope::Editor).await?;
    let input: ArticleInput = json_body(&req, &body)?;
    let article = ed.create(&key, &input).await?;
    article_response(&svc, article, StatusCode::CREATED).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeskParams {
    /// Only articles in this status.
    #[param(value_type = Option<crate::openapi::schema::ArticleStatus>)]
    status: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50, default = 20)]
    limit: Option<String>,
    /// Article id from `page.nextCursor`: the page after it.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 999_999_999_999_999_999i64)]
    before: Option<String>,
}

/// The desk: every article, any status, newest first (editor).
#[utoipa::path(
    get,
    path = "/v1/admin/articles",
    tag = "admin",
    params(DeskParams),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "A page of the desk", body = ListView<ArticleSummaryView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
    )
)]
pub async fn desk(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    ed: web::Data<EditorialService>,
    params: web::Query<DeskParams>,
) -> Result<HttpResponse, ApiError> {
    key(&svc, &req, Scope::Editor).await?;
    let mut errors = Vec::new();
    let status = params
        .status
        .as_deref()
        .map(str::parse::<ArticleStatus>)
        .transpose()
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let limit = domain::Limit::parse(params.limit.as_deref())
        .map_err(|e| errors.push(e))
        .ok();
    let before = domain::cursor::given(params.before.as_deref())
        .map(domain::ArticleId::parse)
        .transpose()
        .map_err(|_| errors.push(ValidationError::new("before", "must be an article id")))
        .ok()
        .flatten();
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors).into());
    }
    let limit = limit.unwrap_or_default().get();
    let items = ed.desk(status, limit + 1, before.map(|b| b.get())).await?;
    let has_more = items.len() as u64 > limit;
    let items: Vec<_> = items.into_iter().take(limit as usize).collect();
    let next = if has_more {
        items.last().map(|a| a.id.to_string())
    } else {
        None
    };
    let refs = svc.refs_of(&items).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(ListView {
            data: items.iter().map(|a| admin_summary(a, &refs)).collect(),
            page: PageInfoView {
                next_cursor: next,
                has_more,
                total: None,
            },
        }))
}

/// One article as editors see it, any status (editor).
#[utoipa::path(
    get,
    path = "/v1/admin/articles/{id}",
    tag = "admin",
    params(("id" = i64, Path, description = "Article id", minimum = 1)),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The article", body = DataView<AdminArticleView>,
            headers(("ETag" = String, description = "`\"v{version}\"`, for `If-Match`"))),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn preview(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    ed: web::Data<EditorialService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    key(&svc, &req, Scope::Editor).await?;
    let article = ed.preview(article_id(&path)?).await?;
    article_response(&svc, article, StatusCode::OK).await
}

/// Change an article (editor): absent fields stay, `null` clears.
#[utoipa::path(
    patch,
    operation_id = "update_article",
    path = "/v1/admin/articles/{id}",
    tag = "admin",
    params(("id" = i64, Path, description = "Article id", minimum = 1), ("If-Match" = Option<String>, Header, nullable = false, description = "`\"v{version}\"` from the ETag: refuse the change if the article moved on", pattern = "^(\\*|(W/)?\"v[0-9]{1,9}\")$")),
    request_body = crate::openapi::schema::ArticlePatch,
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The article as saved", body = DataView<AdminArticleView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 409, response = crate::openapi::responses::Conflict),
        (status = 412, response = crate::openapi::responses::PreconditionFailed),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    )
)]
pub async fn update(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    ed: web::Data<EditorialService>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = key(&svc, &req, Scope::Editor).await?;
    let id = article_id(&path)?;
    let expected = if_match(&req)?;
    let input: ArticleInput = json_body(&req, &body)?;
    let article = ed.update(&key, id, expected, &input).await?;
    article_response(&svc, article, StatusCode::OK).await
}

/// Delete an article (editor): unpublished and kept, not erased.
#[utoipa::path(
    delete,
    operation_id = "delete_article",
    path = "/v1/admin/articles/{id}",
    tag = "admin",
    params(("id" = i64, Path, description = "Article id", minimum = 1), ("If-Match" = Option<String>, Header, nullable = false, description = "`\"v{version}\"` from the ETag: refuse the change if the article moved on", pattern = "^(\\*|(W/)?\"v[0-9]{1,9}\")$")),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The article after deletion", body = DataView<AdminArticleView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 409, response = crate::openapi::responses::Conflict),
        (status = 412, response = crate::openapi::responses::PreconditionFailed),
    )
)]
pub async fn delete(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    ed: web::Data<EditorialService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = key(&svc, &req, Scope::Editor).await?;
    let article = ed.delete(&key, article_id(&path)?, if_match(&req)?).await?;
    article_response(&svc, article, StatusCode::OK).await
}

/// Bodies of the lifecycle actions: `schedule` needs `publishAt`,
/// `unpublish` a `reason`, `corrections` a `kind` and `text`; `embargo`
/// takes `embargoUntil` (`null` lifts it); `publish` needs no body.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionBody {
    #[schema(format = DateTime, nullable = false)]
    publish_at: Option<String>,
    #[schema(min_length = 1, nullable = false)]
    reason: Option<String>,
    /// `null` lifts an embargo.
    #[serde(default)]
    #[schema(format = DateTime)]
    embargo_until: Option<String>,
    #[schema(value_type = Option<crate::openapi::schema::CorrectionKind>, nullable = false)]
    kind: Option<String>,
    #[schema(min_length = 1, nullable = false)]
    text: Option<String>,
    #[schema(format = DateTime, nullable = false)]
    at: Option<String>,
}

/// A lifecycle action.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ArticleAction {
    Publish,
    Schedule,
    Unpublish,
    Embargo,
    Corrections,
}

fn optional_body(req: &HttpRequest, body: &[u8]) -> Result<ActionBody, ApiError> {
    if is_empty_body(body) {
        Ok(ActionBody::default())
    } else {
        json_body(req, body)
    }
}

fn required<'a>(v: &'a Option<String>, field: &str) -> Result<&'a str, AppError> {
    v.as_deref()
        .ok_or_else(|| AppError::Unprocessable(vec![ValidationError::new(field, "is required")]))
}

/// Publish, schedule, unpublish, embargo or correct an article (editor).
#[utoipa::path(
    post,
    operation_id = "article_action",
    path = "/v1/admin/articles/{id}/{action}",
    tag = "admin",
    params(("id" = i64, Path, description = "Article id", minimum = 1), ("action" = ArticleAction, Path, description = "What to do"), ("If-Match" = Option<String>, Header, nullable = false, description = "`\"v{version}\"` from the ETag: refuse the change if the article moved on", pattern = "^(\\*|(W/)?\"v[0-9]{1,9}\")$")),
    request_body(content = Option<ActionBody>, description = "What the action needs; may be empty (or `null`) for `publish`"),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The article after the action", body = DataView<AdminArticleView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 409, response = crate::openapi::responses::Conflict),
        (status = 412, response = crate::openapi::responses::PreconditionFailed),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    )
)]
pub async fn action(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    ed: web::Data<EditorialService>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = key(&svc, &req, Scope::Editor).await?;
    let (raw_id, action) = path.into_inner();
    let id = article_id(&raw_id)?;
    let expected = if_match(&req)?;
    let b = optional_body(&req, &body)?;
    let article = match action.as_str() {
        "publish" => ed.publish(&key, id, expected).await?,
        "schedule" => {
            ed.schedule(&key, id, expected, required(&b.publish_at, "publishAt")?)
                .await?
        }
        "unpublish" => {
            ed.unpublish(&key, id, expected, required(&b.reason, "reason")?)
                .await?
        }
        "embargo" => {
            ed.embargo(&key, id, expected, b.embargo_until.as_deref())
                .await?
        }
        "corrections" => {
            ed.correct(
                &key,
                id,
                expected,
                required(&b.kind, "kind")?,
                required(&b.text, "text")?,
                b.at.as_deref(),
            )
            .await?
        }
        _ => return Err(AppError::not_found("no such action").into()),
    };
    article_response(&svc, article, StatusCode::OK).await
}

/// Create or replace an article by the id of the system it comes from
/// (editor); the body is an import line (`barta import` format).
#[utoipa::path(
    put,
    path = "/v1/admin/articles/by-external-id/{external_id}",
    tag = "admin",
    params(("external_id" = String, Path, description = "The source system's id")),
    request_body = crate::openapi::schema::ImportLine,
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "Replaced", body = DataView<AdminArticleView>),
        (status = 201, description = "Created", body = DataView<AdminArticleView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 409, response = crate::openapi::responses::Conflict),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    )
)]
pub async fn upsert_by_external_id(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    ed: web::Data<EditorialService>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = key(&svc, &req, Scope::Editor).await?;
    let mut value: serde_json::Value = json_body(&req, &body)?;
    if let Some(obj) = value.as_object_mut()
        && !obj.contains_key("externalId")
        && !obj.contains_key("id")
        && !obj.contains_key("external_id")
    {
        obj.insert("externalId".into(), json!(path.as_str()));
    }
    let line: ImportLine = serde_json::from_value(value)
        .map_err(|e| AppError::invalid("body", format!("not a valid article: {e}")))?;
    let (article, created) = ed.upsert_by_external_id(&key, &path, line).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    article_response(&svc, article, status).await
}

/// An article's revisions, newest first, without snapshots (editor).
#[utoipa::path(
    get,
    path = "/v1/admin/articles/{id}/revisions",
    tag = "admin",
    params(("id" = i64, Path, description = "Article id", minimum = 1)),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The revisions", body = DataView<Vec<RevisionView>>),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn revisions(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    ed: web::Data<EditorialService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    key(&svc, &req, Scope::Editor).await?;
    let list = ed.revisions(article_id(&path)?).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(DataView {
            data: list
                .iter()
                .map(|r| RevisionView::new(r, false))
                .collect::<Vec<_>>(),
        }))
}

/// One revision with its snapshot (editor).
#[utoipa::path(
    get,
    path = "/v1/admin/articles/{id}/revisions/{number}",
    tag = "admin",
    params(("id" = i64, Path, description = "Article id", minimum = 1), ("number" = i32, Path, description = "Revision number", minimum = 1)),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The revision", body = DataView<RevisionView>),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn revision(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    ed: web::Data<EditorialService>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    key(&svc, &req, Scope::Editor).await?;
    let (raw_id, raw_n) = path.into_inner();
    let id = article_id(&raw_id)?;
    let n: i32 = raw_n
        .parse()
        .map_err(|_| AppError::not_found(format!("article {id} has no revision {raw_n:?}")))?;
    let r = ed.revision(id, n).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(DataView {
            data: RevisionView::new(&r, true),
        }))
}
