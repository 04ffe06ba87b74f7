//! `/v1/articles…`

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::views::{ArticleSummaryView, ArticleView, DataView, ListView, PageInfoView};
use crate::error::ApiError;
use crate::service::{ArticleList, ContentService, ListParams};

pub fn list_response(list: ArticleList) -> HttpResponse {
    let data = list
        .page
        .items
        .iter()
        .map(|a| ArticleSummaryView::new(a, &list.refs))
        .collect();
    HttpResponse::Ok().json(ListView {
        data,
        page: PageInfoView {
            has_more: list.page.has_more(),
            next_cursor: list.page.next_cursor.map(|c| c.encode()),
        },
    })
}

pub async fn list(
    svc: web::Data<ContentService>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    Ok(list_response(svc.list_with_refs(&params).await?))
}

pub async fn item(
    svc: web::Data<ContentService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let item = svc.article_with_refs(&path).await?;
    Ok(HttpResponse::Ok().json(DataView {
        data: ArticleView::new(&item.article, &item.refs, item.comments),
    }))
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
    Ok(list_response(list))
}
