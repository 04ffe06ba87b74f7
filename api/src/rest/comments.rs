//! Comments: `/v1/articles/{id}/comments` for readers (anonymous) and
//! `/v1/admin/comments…` for moderators (editor scope, key checked before
//! the body is read).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use app::AppError;
use domain::Scope;
use serde::{Deserialize, Serialize};

use super::admin::{is_empty_body, json_body};
use super::views::{
    CommentListView, CommentSettingsView, CommentView, DataView, ListView, ModerationCommentView,
    PageInfoView,
};
use crate::http::auth;
use crate::http::error::ApiError;
use app::comments::{CommentInput, CommentService};
use app::content::ContentService;

fn no_store(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    res
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Threads per page.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50, default = 20)]
    limit: Option<String>,
    /// Opaque; from `page.nextCursor`.
    cursor: Option<String>,
}

/// `GET /v1/articles/{id}/comments`: approved threads, oldest first. The
/// answer carries a fresh form token, so it is not stored by caches.
#[utoipa::path(
    get,
    operation_id = "comments",
    path = "/v1/articles/{id}/comments",
    tag = "comments",
    params(("id" = String, Path, description = "Article id"), ListParams),
    responses(
        (status = 200, description = "Threads with up to a few replies each", body = CommentListView),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn list(
    comments: web::Data<CommentService>,
    path: web::Path<String>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let page = comments
        .list(&path, params.limit.as_deref(), params.cursor.as_deref())
        .await?;
    Ok(no_store(StatusCode::OK).json(CommentListView {
        data: page.threads.iter().map(CommentView::thread).collect(),
        page: PageInfoView {
            has_more: page.next_cursor.is_some(),
            next_cursor: page.next_cursor,
            total: None,
        },
        comment_count: page.stats.count,
        comments_open: page.stats.open,
        form_token: page.form_token,
    }))
}

/// Post a comment: 202, the comment waits for a moderator.
#[utoipa::path(
    post,
    operation_id = "post_comment",
    path = "/v1/articles/{id}/comments",
    tag = "comments",
    params(("id" = String, Path, description = "Article id")),
    request_body = crate::openapi::schema::CommentInput,
    responses(
        (status = 202, description = "Accepted for moderation", body = DataView<CommentView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 403, response = crate::openapi::responses::Forbidden),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 409, response = crate::openapi::responses::Conflict),
        (status = 422, response = crate::openapi::responses::Unprocessable),
        (status = 429, response = crate::openapi::responses::TooManyRequests),
    )
)]
pub async fn post(
    req: HttpRequest,
    comments: web::Data<CommentService>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let input: CommentInput = json_body(&req, &body)?;
    let client = crate::http::client::commenter(&comments, &req);
    let comment = comments.post(&path, &input, &client).await?;
    Ok(no_store(StatusCode::ACCEPTED).json(DataView {
        data: CommentView::new(&comment),
    }))
}

async fn editor(svc: &ContentService, req: &HttpRequest) -> Result<domain::ApiKey, ApiError> {
    Ok(auth::require(svc, req, Scope::Editor).await?)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// Default `pending`.
    #[param(value_type = Option<crate::openapi::schema::CommentStatus>)]
    status: Option<String>,
    /// Only this article's comments (article id).
    article: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50, default = 20)]
    limit: Option<String>,
    /// Opaque; from `page.nextCursor`.
    after: Option<String>,
}

/// The moderation queue (editor).
#[utoipa::path(
    get,
    path = "/v1/admin/comments",
    tag = "moderation",
    params(QueueParams),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "Comments with their articles", body = ListView<ModerationCommentView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
    )
)]
pub async fn queue(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    comments: web::Data<CommentService>,
    params: web::Query<QueueParams>,
) -> Result<HttpResponse, ApiError> {
    editor(&svc, &req).await?;
    let page = comments
        .queue(
            params.status.as_deref(),
            params.article.as_deref(),
            params.limit.as_deref(),
            params.after.as_deref(),
        )
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(ListView {
            data: page
                .items
                .iter()
                .map(|c| ModerationCommentView::new(c, page.articles.get(&c.article_id)))
                .collect(),
            page: PageInfoView {
                has_more: page.next.is_some(),
                next_cursor: page.next,
                total: None,
            },
        }))
}

async fn moderation_response(
    comments: &CommentService,
    comment: &domain::Comment,
) -> Result<HttpResponse, ApiError> {
    let articles = comments.article_refs(&[comment.article_id]).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(DataView {
            data: ModerationCommentView::new(comment, articles.get(&comment.article_id)),
        }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct DeletedView {
    id: String,
    /// The comment and its replies.
    deleted: u64,
}

/// One comment, any status (editor).
#[utoipa::path(
    get,
    path = "/v1/admin/comments/{id}",
    tag = "moderation",
    params(("id" = String, Path, description = "Comment id")),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The comment", body = DataView<ModerationCommentView>),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn get_comment(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    comments: web::Data<CommentService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    editor(&svc, &req).await?;
    let comment = comments.get(&path).await?;
    moderation_response(&comments, &comment).await
}

/// Delete a comment and its replies (editor).
#[utoipa::path(
    delete,
    path = "/v1/admin/comments/{id}",
    tag = "moderation",
    params(("id" = String, Path, description = "Comment id")),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "How many were deleted", body = DataView<DeletedView>),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn delete_comment(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    comments: web::Data<CommentService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = editor(&svc, &req).await?;
    let deleted = comments.delete(&key, &path).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(DataView {
            data: DeletedView {
                id: path.into_inner(),
                deleted,
            },
        }))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// Required to reject; shown to no reader, kept for the record.
    #[schema(nullable = false)]
    reason: Option<String>,
}

/// Approve or reject a comment (editor); `reject` needs `{"reason": …}`.
#[utoipa::path(
    post,
    operation_id = "moderate_comment",
    path = "/v1/admin/comments/{id}/{action}",
    tag = "moderation",
    params(
        ("id" = String, Path, description = "Comment id"),
        ("action" = CommentAction, Path, description = "What to do"),
    ),
    request_body(content = Option<RejectBody>, description = "`reject` needs a reason; `approve` takes no body"),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The comment after the decision", body = DataView<ModerationCommentView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    )
)]
pub async fn decide(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    comments: web::Data<CommentService>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = editor(&svc, &req).await?;
    let (id, action) = path.into_inner();
    if !matches!(action.as_str(), "approve" | "reject") {
        return Err(AppError::not_found("no such action").into());
    }
    // Both actions share the documented body: a body that does not fit it
    // (an unknown field, a wrong type) is a 400 for `approve` too, which
    // has no use for a reason.
    let b: RejectBody = if is_empty_body(&body) {
        RejectBody::default()
    } else {
        json_body(&req, &body)?
    };
    let comment = match action.as_str() {
        "approve" => comments.approve(&key, &id).await?,
        _ => comments.reject(&key, &id, b.reason.as_deref()).await?,
    };
    moderation_response(&comments, &comment).await
}

/// A moderation decision.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum CommentAction {
    Approve,
    Reject,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenBody {
    #[schema(value_type = bool, required = true)]
    comments_open: Option<bool>,
}

/// Open or close an article's comments (editor): `{"commentsOpen": false}`.
#[utoipa::path(
    put,
    path = "/v1/admin/articles/{id}/comments",
    tag = "moderation",
    params(("id" = i64, Path, description = "Article id", minimum = 1)),
    request_body = OpenBody,
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The article's comment settings", body = DataView<CommentSettingsView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    )
)]
pub async fn set_open(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    comments: web::Data<CommentService>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = editor(&svc, &req).await?;
    let b: OpenBody = json_body(&req, &body)?;
    let Some(open) = b.comments_open else {
        return Err(AppError::Unprocessable(vec![domain::ValidationError::new(
            "commentsOpen",
            "is required",
        )])
        .into());
    };
    let (id, stats) = comments.set_open(&key, &path, open).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(DataView {
            data: CommentSettingsView {
                article_id: id.to_string(),
                comments_open: stats.open,
                comment_count: stats.count,
            },
        }))
}
