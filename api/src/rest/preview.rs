//! `GET /v1/preview/{token}`: an article shared by a preview link, in the
//! public article's shape, whatever its status; no key needed. Never
//! cached, never indexed, never sent on as a referrer. An expired or
//! revoked token is the same 404 as an unknown one.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use app::content::ContentService;
use app::discovery::DiscoveryService;
use domain::{ArticleSummary, Limit};
use serde::Serialize;
use utoipa::ToSchema;

use super::fields::FieldSet;
use super::views::{ArticleSummaryView, ArticleView};
use crate::http::error::ApiError;
use app::AppError;

/// How many related and more-from-section stories a preview carries.
const NEIGHBOURS: i64 = 5;

/// A previewed article with the lists its page would show if it were
/// published now.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreviewView {
    pub data: ArticleView,
    /// আরও পড়ুন: related public stories, as if this one were published now.
    pub related: Vec<ArticleSummaryView>,
    /// এই বিভাগের আরও: the newest public stories of its section.
    pub more_from_section: Vec<ArticleSummaryView>,
    pub preview: PreviewInfo,
}

/// What the preview is of.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreviewInfo {
    /// The article's status now (`draft`, `scheduled`, `published`, …).
    #[schema(value_type = crate::openapi::schema::ArticleStatus)]
    pub status: &'static str,
    /// Its version (revision number) now.
    pub version: i32,
}

/// The article a preview link opens (no key: the token is the secret).
#[utoipa::path(
    get,
    operation_id = "preview_by_token",
    path = "/v1/preview/{token}",
    tag = "articles",
    params(("token" = String, Path, description = "The link's token (`bpv_…`)")),
    responses(
        (status = 200, description = "The article as it stands",
            body = PreviewView,
            headers(
                ("Cache-Control" = String, description = "`private, no-store`"),
                ("X-Robots-Tag" = String, description = "`noindex`"),
                ("Referrer-Policy" = String, description = "`no-referrer`"),
            )),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn preview(
    svc: web::Data<ContentService>,
    discovery: web::Data<DiscoveryService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let article = svc.article_by_preview_token(&path).await?;
    let limit = Limit::new(NEIGHBOURS).map_err(|e| AppError::Invalid(vec![e]))?;
    let related: Vec<ArticleSummary> = discovery
        .related_to(&article, limit)
        .await?
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    let more = svc.more_from_section_of(&article, limit).await?.items;
    let refs = svc
        .refs_of(
            std::iter::once(&article.summary)
                .chain(&related)
                .chain(&more),
        )
        .await?;
    let fields = FieldSet::parse(None, true)?;
    let view = PreviewView {
        data: ArticleView::sparse(&article, &refs, Default::default(), &fields),
        related: related
            .iter()
            .map(|a| ArticleSummaryView::new(a, &refs))
            .collect(),
        more_from_section: more
            .iter()
            .map(|a| ArticleSummaryView::new(a, &refs))
            .collect(),
        preview: PreviewInfo {
            status: article.summary.status.as_str(),
            version: article.version,
        },
    };
    let mut res = HttpResponse::Ok().json(view);
    private_page(&mut res);
    Ok(res)
}

/// The headers of every preview answer, REST or GraphQL.
pub fn private_page(res: &mut HttpResponse) {
    let headers = res.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(
        header::HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}
