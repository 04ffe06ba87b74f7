//! Comments: `/v1/articles/{id}/comments` for readers (anonymous) and
//! `/v1/admin/comments…` for moderators (editor scope, key checked before
//! the body is read).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use domain::Scope;
use serde::{Deserialize, Serialize};

use super::admin::json_body;
use super::views::{
    CommentListView, CommentSettingsView, CommentView, DataView, ListView, ModerationCommentView,
    PageInfoView,
};
use crate::auth;
use crate::comments::{CommentInput, CommentService};
use crate::error::ApiError;
use crate::service::ContentService;

fn no_store(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    res
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    limit: Option<String>,
    cursor: Option<String>,
}

/// `GET /v1/articles/{id}/comments`: approved threads, oldest first. The
/// answer carries a fresh form token, so it is not stored by caches.
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
        },
        comment_count: page.stats.count,
        comments_open: page.stats.open,
        form_token: page.form_token,
    }))
}

/// `POST /v1/articles/{id}/comments`: 202, the comment waits for a moderator.
pub async fn post(
    req: HttpRequest,
    comments: web::Data<CommentService>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let input: CommentInput = json_body(&body)?;
    let client = comments.client_of(&req);
    let comment = comments.post(&path, &input, &client).await?;
    Ok(no_store(StatusCode::ACCEPTED).json(DataView {
        data: CommentView::new(&comment),
    }))
}

async fn editor(svc: &ContentService, req: &HttpRequest) -> Result<domain::ApiKey, ApiError> {
    auth::require(svc.repo(), req, Scope::Editor).await
}

#[derive(Debug, Deserialize)]
pub struct QueueParams {
    status: Option<String>,
    article: Option<String>,
    limit: Option<String>,
    after: Option<String>,
}

/// `GET /v1/admin/comments?status=pending&article=&limit=&after=`
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

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DeletedView {
    id: String,
    /// The comment and its replies.
    deleted: u64,
}

/// `GET` and `DELETE /v1/admin/comments/{id}`.
pub async fn item(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    comments: web::Data<CommentService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = editor(&svc, &req).await?;
    if req.method() == actix_web::http::Method::DELETE {
        let deleted = comments.delete(&key, &path).await?;
        return Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .json(DataView {
                data: DeletedView {
                    id: path.into_inner(),
                    deleted,
                },
            }));
    }
    let comment = comments.get(&path).await?;
    moderation_response(&comments, &comment).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    reason: Option<String>,
}

/// `POST /v1/admin/comments/{id}/approve` and `…/reject` (`{"reason": …}`).
pub async fn decide(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    comments: web::Data<CommentService>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = editor(&svc, &req).await?;
    let (id, action) = path.into_inner();
    let comment = match action.as_str() {
        "approve" => comments.approve(&key, &id).await?,
        "reject" => {
            let b: RejectBody = if body.iter().all(u8::is_ascii_whitespace) {
                RejectBody::default()
            } else {
                json_body(&body)?
            };
            comments.reject(&key, &id, b.reason.as_deref()).await?
        }
        _ => return Err(ApiError::not_found("no such action")),
    };
    moderation_response(&comments, &comment).await
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenBody {
    comments_open: Option<bool>,
}

/// `PUT /v1/admin/articles/{id}/comments` with `{"commentsOpen": false}`.
pub async fn set_open(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    comments: web::Data<CommentService>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = editor(&svc, &req).await?;
    let b: OpenBody = json_body(&body)?;
    let Some(open) = b.comments_open else {
        return Err(ApiError::Unprocessable(vec![domain::ValidationError::new(
            "commentsOpen",
            "is required",
        )]));
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
