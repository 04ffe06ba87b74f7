//! `/v1/articles…`

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::views::{ArticleSummaryView, ArticleView, DataView, ListView, PageInfoView};
use crate::cache::{self, Kind};
use crate::error::ApiError;
use crate::service::{ArticleList, ContentService, ListParams};

/// A list page, tagged with its list keys and every article on it.
pub fn list_response(list: ArticleList, mut list_keys: Vec<String>) -> HttpResponse {
    list_keys.extend(list.page.items.iter().map(|a| format!("article-{}", a.id)));
    let data = list
        .page
        .items
        .iter()
        .map(|a| ArticleSummaryView::new(a, &list.refs))
        .collect();
    let res = HttpResponse::Ok().json(ListView {
        data,
        page: PageInfoView {
            has_more: list.page.has_more(),
            next_cursor: list.page.next_cursor.map(|c| c.encode()),
        },
    });
    cache::keys(res, Kind::List, list_keys)
}

/// The list keys of a filtered `/v1/articles` request.
pub fn filter_keys(p: &ListParams) -> Vec<String> {
    let mut keys = vec!["list-latest".to_owned()];
    if let Some(s) = &p.section {
        keys.push(format!("section-{s}"));
    }
    if let Some(t) = &p.tag {
        keys.push(format!("tag-{t}"));
    }
    if let Some(a) = &p.author {
        keys.push(format!("author-{a}"));
    }
    keys
}

pub async fn list(
    svc: web::Data<ContentService>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    Ok(list_response(
        svc.list_with_refs(&params).await?,
        filter_keys(&params),
    ))
}

pub async fn item(
    svc: web::Data<ContentService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let item = svc.article_with_refs(&path).await?;
    let a = &item.article;
    let mut keys = vec![format!("article-{}", a.summary.id)];
    if let Some(s) = item.refs.sections.get(&a.summary.section_id) {
        keys.push(format!("section-{}", s.slug));
    }
    let res = HttpResponse::Ok().json(DataView {
        data: ArticleView::new(a, &item.refs, item.comments),
    });
    Ok(cache::keys(res, Kind::Item, keys))
}

#[derive(Debug, Deserialize)]
pub struct LimitParam {
    limit: Option<String>,
}

pub async fn more_from_section(
    svc: web::Data<ContentService>,
    path: web::Path<String>,
    params: web::Query<LimitParam>,
) -> Result<HttpResponse, ApiError> {
    let list = svc
        .more_from_section_with_refs(&path, params.limit.as_deref())
        .await?;
    Ok(list_response(
        list,
        vec![format!("article-{}", path.as_str())],
    ))
}
