//! `/v1/authors`, `/v1/tags`: directories of the people and topics with
//! public articles (most used first, prefix search for pickers) and each
//! one's profile.

use actix_web::{HttpResponse, web};
use app::content::ContentService;
use app::directory::{Directory, DirectoryParams};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::views::{AuthorView, DataView, ListView, PageInfoView, TagView};
use crate::http::cache::{self, Kind};
use crate::http::error::ApiError;
use crate::http::keys;

/// The query of a directory.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// Names or slugs that start with this (a picker's search box).
    #[param(max_length = 100, example = "বাজে")]
    q: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50, default = 20)]
    limit: Option<String>,
    /// Opaque; from `page.nextCursor` of the same directory and `q`.
    cursor: Option<String>,
    /// An edition's directory: only articles in these languages count
    /// (`bn`, `en`; comma-separated).
    #[param(example = "en")]
    lang: Option<String>,
}

impl From<DirectoryQuery> for DirectoryParams {
    fn from(q: DirectoryQuery) -> Self {
        Self {
            q: q.q,
            limit: q.limit,
            cursor: q.cursor,
            lang: q.lang,
        }
    }
}

/// An author's profile.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthorProfileView {
    #[serde(flatten)]
    pub author: AuthorView,
    /// Public articles with this byline.
    pub article_count: i64,
    /// Their articles, newest first.
    pub articles_url: String,
}

/// A tag with its use.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagProfileView {
    #[serde(flatten)]
    pub tag: TagView,
    /// Public articles with this tag.
    pub article_count: i64,
    /// Its articles, newest first.
    pub articles_url: String,
}

fn author_view(a: &domain::Author, n: i64) -> AuthorProfileView {
    AuthorProfileView {
        author: AuthorView::new(a),
        article_count: n,
        articles_url: format!("/v1/authors/{}/articles", a.slug),
    }
}

fn tag_view(t: &domain::Tag, n: i64) -> TagProfileView {
    TagProfileView {
        tag: TagView::new(t),
        article_count: n,
        articles_url: format!("/v1/tags/{}/articles", t.slug),
    }
}

fn page<T, V: Serialize>(dir: Directory<T>, view: impl Fn(&T, i64) -> V) -> ListView<V> {
    ListView {
        data: dir.items.iter().map(|(t, n)| view(t, *n)).collect(),
        page: PageInfoView {
            has_more: dir.next_cursor.is_some(),
            next_cursor: dir.next_cursor,
            total: None,
        },
    }
}

/// Authors with public articles, most prolific first.
#[utoipa::path(
    get,
    path = "/v1/authors",
    tag = "sections",
    params(DirectoryQuery),
    responses(
        (status = 200, description = "A page of authors", body = ListView<AuthorProfileView>),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 400, response = crate::openapi::responses::BadRequest),
    )
)]
pub async fn authors(
    svc: web::Data<ContentService>,
    q: web::Query<DirectoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let dir = svc.author_directory(&q.into_inner().into()).await?;
    let res = HttpResponse::Ok().json(page(dir, author_view));
    Ok(cache::keys(res, Kind::List, vec![keys::list("authors")]))
}

/// One author: name, bio, avatar and their count of public articles.
#[utoipa::path(
    get,
    path = "/v1/authors/{slug}",
    tag = "sections",
    params(("slug" = String, Path, description = "Author slug")),
    responses(
        (status = 200, description = "The author", body = DataView<AuthorProfileView>),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn author(
    svc: web::Data<ContentService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (a, n) = svc.author_profile(&path).await?;
    let keys = vec![keys::author(&a.slug)];
    let res = HttpResponse::Ok().json(DataView {
        data: author_view(&a, n),
    });
    Ok(cache::keys(res, Kind::List, keys))
}

/// Tags with public articles, most used first; `q` finds those whose name
/// or slug starts with it (a tag picker).
#[utoipa::path(
    get,
    path = "/v1/tags",
    tag = "sections",
    params(DirectoryQuery),
    responses(
        (status = 200, description = "A page of tags", body = ListView<TagProfileView>),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 400, response = crate::openapi::responses::BadRequest),
    )
)]
pub async fn tags(
    svc: web::Data<ContentService>,
    q: web::Query<DirectoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let dir = svc.tag_directory(&q.into_inner().into()).await?;
    let res = HttpResponse::Ok().json(page(dir, tag_view));
    Ok(cache::keys(res, Kind::List, vec![keys::list("tags")]))
}

/// One tag with its count of public articles.
#[utoipa::path(
    get,
    path = "/v1/tags/{slug}",
    tag = "sections",
    params(("slug" = String, Path, description = "Tag slug")),
    responses(
        (status = 200, description = "The tag", body = DataView<TagProfileView>),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn tag(
    svc: web::Data<ContentService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (t, n) = svc.tag_profile(&path).await?;
    let keys = vec![keys::tag(&t.slug)];
    let res = HttpResponse::Ok().json(DataView {
        data: tag_view(&t, n),
    });
    Ok(cache::keys(res, Kind::List, keys))
}
