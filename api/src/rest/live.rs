//! Live pages over REST: the editors' posts, the public list and the
//! Server-Sent Events stream of one live article.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use app::AppError;
use app::content::ContentService;
use app::live::LiveService;
use domain::Scope;
use serde::Deserialize;
use tokio::sync::mpsc;

use super::admin::{json_body, private};
use super::sse;
use crate::http::auth;
use crate::http::cache::{self, Kind};
use crate::http::error::ApiError;
use crate::http::keys;
use crate::live::{LiveHub, Rendered, render_all};
use crate::openapi::schema::{PostCreate, PostPatch};
use crate::rest::views::{DataView, PostView, PostsPageView, PostsView};

use app::fields::record_id as id;

async fn post_response(
    live: &LiveService,
    post: &domain::live::LivePost,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, ApiError> {
    let authors = live
        .authors_by_ids(&post.author_id.into_iter().collect::<Vec<_>>())
        .await?;
    Ok(private(HttpResponse::build(status).json(DataView {
        data: PostView::new(post, &authors),
    })))
}

/// Adds a post to a live article (editor).
#[utoipa::path(
    post,
    path = "/v1/admin/articles/{id}/posts",
    tag = "live",
    params(("id" = u64, Path, description = "Article id")),
    request_body = PostCreate,
    security(("apiKey" = [])),
    responses(
        (status = 201, description = "The post", body = DataView<PostView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 415, response = crate::openapi::responses::UnsupportedMediaType),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    )
)]
pub async fn create_post(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    live: web::Data<LiveService>,
    hub: web::Data<Arc<LiveHub>>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = auth::require(&svc, &req, Scope::Editor).await?;
    let input: PostCreate = json_body(&req, &body)?;
    let post = live
        .create_post(&key, id(&path, "article")?, input.into_fields()?)
        .await?;
    hub.wake();
    post_response(&live, &post, actix_web::http::StatusCode::CREATED).await
}

/// Changes a post: text, author, pin, key event (editor).
#[utoipa::path(
    patch,
    path = "/v1/admin/articles/{id}/posts/{post}",
    tag = "live",
    params(("id" = u64, Path, description = "Article id"), ("post" = u64, Path, description = "Post id")),
    request_body = PostPatch,
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The post", body = DataView<PostView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 415, response = crate::openapi::responses::UnsupportedMediaType),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    )
)]
pub async fn update_post(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    live: web::Data<LiveService>,
    hub: web::Data<Arc<LiveHub>>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = auth::require(&svc, &req, Scope::Editor).await?;
    let (article, post) = path.into_inner();
    let input: PostPatch = json_body(&req, &body)?;
    let post = live
        .update_post(
            &key,
            id(&article, "article")?,
            id(&post, "post")?,
            input.into_fields()?,
        )
        .await?;
    hub.wake();
    post_response(&live, &post, actix_web::http::StatusCode::OK).await
}

/// Deletes a post (editor).
#[utoipa::path(
    delete,
    path = "/v1/admin/articles/{id}/posts/{post}",
    tag = "live",
    params(("id" = u64, Path, description = "Article id"), ("post" = u64, Path, description = "Post id")),
    security(("apiKey" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn delete_post(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    live: web::Data<LiveService>,
    hub: web::Data<Arc<LiveHub>>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let key = auth::require(&svc, &req, Scope::Editor).await?;
    let (article, post) = path.into_inner();
    live.delete_post(&key, id(&article, "article")?, id(&post, "post")?)
        .await?;
    hub.wake();
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct PostsParams {
    /// `page.nextCursor`: the older posts.
    after: Option<String>,
    /// `page.previousCursor`: the newer posts.
    before: Option<String>,
    /// `1`: key events only.
    #[param(value_type = Option<String>, pattern = "^[01]$")]
    key_events: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50, default = 20)]
    limit: Option<String>,
}

/// The posts of a live article, newest first, with the pinned ones on the
/// newest page. The newest page is cached for 5 s, older pages for an hour.
#[utoipa::path(
    get,
    path = "/v1/articles/{id}/posts",
    tag = "live",
    params(("id" = String, Path, description = "Article id or slug"), PostsParams),
    responses(
        (status = 200, description = "A page of posts", body = PostsView),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn posts(
    live: web::Data<LiveService>,
    path: web::Path<String>,
    params: web::Query<PostsParams>,
) -> Result<HttpResponse, ApiError> {
    let page = live
        .posts(
            &path,
            params.after.as_deref(),
            params.before.as_deref(),
            params.key_events.as_deref(),
            params.limit.as_deref(),
        )
        .await?;
    let article_id = page.article.summary.id;
    let last_event_id = if page.newest {
        Some(live.last_event_id(Some(article_id)).await?.to_string())
    } else {
        None
    };
    let view = PostsView {
        data: page
            .posts
            .iter()
            .map(|p| PostView::new(p, &page.authors))
            .collect(),
        pinned: page
            .pinned
            .iter()
            .map(|p| PostView::new(p, &page.authors))
            .collect(),
        page: PostsPageView {
            has_more: page.next.is_some(),
            next_cursor: page.next,
            previous_cursor: page.previous,
            last_event_id,
        },
    };
    let cache_control = if page.newest {
        "public, max-age=5, stale-while-revalidate=5"
    } else {
        "public, max-age=3600, stale-while-revalidate=300"
    };
    let res = HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, cache_control))
        .json(view);
    Ok(cache::keys(
        res,
        Kind::Item,
        vec![keys::article(article_id), format!("live-{article_id}")],
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct StreamParams {
    /// Where to resume, for clients that cannot set `Last-Event-ID`.
    #[param(value_type = Option<i64>)]
    last_event_id: Option<String>,
}

/// Server-Sent Events of one live article: `post`, `update`, `delete` and
/// `ended`, each with the event log's id. Reconnect with `Last-Event-ID`
/// (or `?lastEventId=`) to get what was missed first; a `: heartbeat`
/// comment every 15 s; `retry: 3000`; the stream ends after an hour or
/// after `ended`.
#[utoipa::path(
    get,
    path = "/v1/articles/{id}/posts/stream",
    tag = "live",
    params(
        ("id" = String, Path, description = "Article id or slug"),
        ("Last-Event-ID" = Option<i64>, Header, description = "The last event id received"),
        StreamParams,
    ),
    responses(
        (status = 200, description = "An event stream", content_type = "text/event-stream", body = String),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn stream(
    req: HttpRequest,
    live: web::Data<LiveService>,
    hub: web::Data<Arc<LiveHub>>,
    path: web::Path<String>,
    params: web::Query<StreamParams>,
) -> Result<HttpResponse, ApiError> {
    let resume = match sse::resume_id(&req, params.last_event_id.as_deref()) {
        None => None,
        Some(s) => Some(s.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            AppError::invalid("Last-Event-ID", "must be an event id of this stream")
        })?),
    };
    let article = live.content().article(&path).await?;
    if article.summary.kind != domain::ArticleKind::Live {
        return Err(AppError::not_found(format!("article {:?} is not a live page", &*path)).into());
    }
    let article_id = article.summary.id;
    let slot = match sse::admit(&hub, &req) {
        Ok(slot) => slot,
        Err(refused) => return Ok(*refused),
    };
    // Subscribe before reading the position, so nothing falls between.
    let sub = hub.subscribe();
    let last = match resume {
        Some(from) => from,
        None => live.last_event_id(Some(article_id)).await?,
    };
    let feed = PageFeed {
        live: live.get_ref().clone(),
        article_id,
        last,
    };
    Ok(sse::open(
        hub.get_ref().clone(),
        slot,
        feed,
        sub,
        resume.is_some(),
    ))
}

/// The events of one live page.
struct PageFeed {
    live: LiveService,
    article_id: i64,
    /// The last event id sent (or skipped as before the stream).
    last: i64,
}

impl sse::Feed for PageFeed {
    type Item = Rendered;

    fn on(&mut self, ev: &Rendered) -> sse::Step {
        if ev.article_id != self.article_id || ev.id <= self.last {
            return sse::Step::Skip;
        }
        self.last = ev.id;
        if ev.ended {
            sse::Step::Last(ev.frame.clone())
        } else {
            sse::Step::Send(ev.frame.clone())
        }
    }

    async fn catch_up(&mut self, tx: &mpsc::Sender<Bytes>) -> Result<bool, AppError> {
        loop {
            let (events, _) = self
                .live
                .events_after(self.article_id, self.last, 500)
                .await?;
            let full = events.len() == 500;
            for r in render_all(&self.live, &events).await? {
                // A page that ended while the reader was away: its last event.
                if tx.send(r.frame).await.is_err() || r.ended {
                    return Ok(false);
                }
            }
            if let Some(last) = events.last() {
                self.last = last.id;
            }
            if !full {
                return Ok(true);
            }
        }
    }
}
