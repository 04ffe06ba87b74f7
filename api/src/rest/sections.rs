//! `/v1/sections…`, `/v1/tags/{slug}/articles`, `/v1/authors/{slug}/articles`.

use actix_web::{HttpResponse, web};
use app::AppError;
use domain::SectionNode;

use super::articles::sparse_list;
use super::fields::FieldsParam;
use super::views::{ArticleSummaryView, DataView, ListView, SectionView};
use crate::http::cache::{self, Kind};
use crate::http::error::ApiError;
use crate::http::keys;
use app::content::ContentService;

use crate::http::params::{AuthorListParams, SectionListParams, TagListParams};

/// The section tree.
#[utoipa::path(
    get,
    operation_id = "sections",
    path = "/v1/sections",
    tag = "articles",
    responses(
        (status = 200, description = "Top-level sections with their children", body = DataView<Vec<SectionView>>),
        (status = 304, response = crate::openapi::responses::NotModified),
    )
)]
pub async fn tree(svc: web::Data<ContentService>) -> Result<HttpResponse, ApiError> {
    let sections = svc.sections().await?;
    let forest = SectionNode::forest(&sections);
    let data: Vec<SectionView> = forest.iter().map(|n| SectionView::tree(n, None)).collect();
    let res = HttpResponse::Ok().json(DataView { data });
    Ok(cache::keys(
        res,
        Kind::Item,
        vec![keys::SECTIONS.to_owned()],
    ))
}

/// One section with its parent and children.
#[utoipa::path(
    get,
    operation_id = "section",
    path = "/v1/sections/{slug}",
    tag = "articles",
    params(("slug" = String, Path, description = "Section slug")),
    responses(
        (status = 200, description = "The section", body = DataView<SectionView>),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn item(
    svc: web::Data<ContentService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let section = svc.section(&path).await?;
    let sections = svc.sections().await?;
    let forest = SectionNode::forest(&sections);
    let node = find(&forest, section.id)
        .ok_or_else(|| AppError::not_found(format!("no section with slug {:?}", path.as_str())))?;
    let parent = section
        .parent_id
        .and_then(|p| sections.iter().find(|s| s.id == p));
    let res = HttpResponse::Ok().json(DataView {
        data: SectionView::tree(node, parent),
    });
    Ok(cache::keys(
        res,
        Kind::Item,
        vec![keys::section(&section.slug), keys::SECTIONS.to_owned()],
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

/// Latest public articles of a section.
#[utoipa::path(
    get,
    operation_id = "section_articles",
    path = "/v1/sections/{slug}/articles",
    tag = "articles",
    params(("slug" = String, Path, description = "Section slug"), SectionListParams, FieldsParam),
    responses(
        (status = 200, description = "A page of articles", body = ListView<ArticleSummaryView>),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn articles(
    svc: web::Data<ContentService>,
    path: web::Path<String>,
    params: web::Query<SectionListParams>,
    fields: web::Query<FieldsParam>,
) -> Result<HttpResponse, ApiError> {
    let section = svc.section(&path).await?;
    let keys = vec![keys::section(&section.slug)];
    let params = params.into_inner().with_section(section.slug);
    sparse_list(&svc, &params, keys, &fields).await
}

/// Latest public articles of a tag.
#[utoipa::path(
    get,
    path = "/v1/tags/{slug}/articles",
    tag = "articles",
    params(("slug" = String, Path, description = "Tag slug"), TagListParams, FieldsParam),
    responses(
        (status = 200, description = "A page of articles", body = ListView<ArticleSummaryView>),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn tag_articles(
    svc: web::Data<ContentService>,
    path: web::Path<String>,
    params: web::Query<TagListParams>,
    fields: web::Query<FieldsParam>,
) -> Result<HttpResponse, ApiError> {
    // The path names one tag (`a,b` there is no tag, not a filter).
    let tag = svc.tag(&path).await?;
    let keys = vec![keys::tag(&tag.slug)];
    let params = params.into_inner().with_tag(tag.slug);
    sparse_list(&svc, &params, keys, &fields).await
}

/// Latest public articles of a author.
#[utoipa::path(
    get,
    path = "/v1/authors/{slug}/articles",
    tag = "articles",
    params(("slug" = String, Path, description = "Author slug"), AuthorListParams, FieldsParam),
    responses(
        (status = 200, description = "A page of articles", body = ListView<ArticleSummaryView>),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn author_articles(
    svc: web::Data<ContentService>,
    path: web::Path<String>,
    params: web::Query<AuthorListParams>,
    fields: web::Query<FieldsParam>,
) -> Result<HttpResponse, ApiError> {
    // The path names one author (`a,b` there is no author, not a filter).
    let author = svc.author(&path).await?;
    let keys = vec![keys::author(&author.slug)];
    let params = params.into_inner().with_author(author.slug);
    sparse_list(&svc, &params, keys, &fields).await
}
