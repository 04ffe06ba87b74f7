//! `/v1/sections…`, `/v1/tags/{slug}/articles`, `/v1/authors/{slug}/articles`.

use actix_web::{HttpResponse, web};
use domain::SectionNode;

use super::articles::list_response;
use super::views::{DataView, SectionView};
use crate::cache::{self, Kind};
use crate::error::ApiError;
use crate::service::{ContentService, ListParams};

pub async fn tree(svc: web::Data<ContentService>) -> Result<HttpResponse, ApiError> {
    let sections = svc.sections().await?;
    let forest = SectionNode::forest(&sections);
    let data: Vec<SectionView> = forest.iter().map(|n| SectionView::tree(n, None)).collect();
    let res = HttpResponse::Ok().json(DataView { data });
    Ok(cache::keys(
        res,
        Kind::Item,
        vec!["list-sections".to_owned()],
    ))
}

pub async fn item(
    svc: web::Data<ContentService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let section = svc.section(&path).await?;
    let sections = svc.sections().await?;
    let forest = SectionNode::forest(&sections);
    let node = find(&forest, section.id)
        .ok_or_else(|| ApiError::not_found(format!("no section with slug {:?}", path.as_str())))?;
    let parent = section
        .parent_id
        .and_then(|p| sections.iter().find(|s| s.id == p));
    let res = HttpResponse::Ok().json(DataView {
        data: SectionView::tree(node, parent),
    });
    Ok(cache::keys(
        res,
        Kind::Item,
        vec![
            format!("section-{}", section.slug),
            "list-sections".to_owned(),
        ],
    ))
}

fn find(forest: &[SectionNode], id: i64) -> Option<&SectionNode> {
    forest.iter().find_map(|n| {
        if n.section.id == id {
            Some(n)
        } else {
            find(&n.children, id)
        }
    })
}

pub async fn articles(
    svc: web::Data<ContentService>,
    path: web::Path<String>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let section = svc.section(&path).await?;
    let keys = vec![format!("section-{}", section.slug)];
    let params = ListParams {
        section: Some(section.slug),
        ..params.into_inner()
    };
    Ok(list_response(svc.list_with_refs(&params).await?, keys))
}

pub async fn tag_articles(
    svc: web::Data<ContentService>,
    path: web::Path<String>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let keys = vec![format!("tag-{}", path.as_str())];
    let params = ListParams {
        tag: Some(path.into_inner()),
        ..params.into_inner()
    };
    Ok(list_response(svc.list_with_refs(&params).await?, keys))
}

pub async fn author_articles(
    svc: web::Data<ContentService>,
    path: web::Path<String>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let keys = vec![format!("author-{}", path.as_str())];
    let params = ListParams {
        author: Some(path.into_inner()),
        ..params.into_inner()
    };
    Ok(list_response(svc.list_with_refs(&params).await?, keys))
}
