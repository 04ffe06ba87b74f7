//! `/v1/search`, related stories, the view beacon, most read, collections
//! and the front.

use actix_web::{HttpRequest, HttpResponse, web};
use domain::{ArticleSummary, Scope};
use serde::{Deserialize, Serialize};

use super::views::{
    ArticleSummaryView, DataView, EditionView, ListView, PageInfoView, SectionRefView,
};
use crate::http::cache::{self, Kind};
use crate::http::keys;
use app::discovery::{DiscoveryService, RelatedReason, SearchParams};

use crate::http::error::ApiError;
use crate::http::params::SearchQuery;
use app::content::ContentService;

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct SearchHitView {
    #[serde(flatten)]
    article: ArticleSummaryView,
    headline_html: String,
    snippet_html: String,
    score: f32,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct SearchPageView {
    next_cursor: Option<String>,
    has_more: bool,
    total: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
struct SearchView {
    data: Vec<SearchHitView>,
    page: SearchPageView,
    /// With `facets=true` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    facets: Option<FacetsView>,
}

/// Every match counted by section, tag and month of publication (Dhaka).
#[derive(Serialize, utoipa::ToSchema)]
struct FacetsView {
    /// Most frequent first; `key` is the slug for `section=`.
    sections: Vec<FacetValueView>,
    /// Most frequent first; `key` is the slug for `tag=`.
    tags: Vec<FacetValueView>,
    /// Newest first; `key` is `YYYY-MM`.
    months: Vec<FacetValueView>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct FacetValueView {
    key: String,
    name: String,
    count: usize,
}

impl From<&app::discovery::SearchFacets> for FacetsView {
    fn from(f: &app::discovery::SearchFacets) -> Self {
        let values = |v: &[app::discovery::FacetValue]| {
            v.iter()
                .map(|v| FacetValueView {
                    key: v.key.clone(),
                    name: v.name.clone(),
                    count: v.count,
                })
                .collect()
        };
        Self {
            sections: values(&f.sections),
            tags: values(&f.tags),
            months: values(&f.months),
        }
    }
}

/// Bengali full-text search (BM25; headline matches weigh most).
#[utoipa::path(
    get,
    path = "/v1/search",
    tag = "discovery",
    params(SearchQuery),
    responses(
        (status = 200, description = "Hits with `<mark>`ed headline and snippet", body = SearchView),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn search(
    svc: web::Data<ContentService>,
    discovery: web::Data<DiscoveryService>,
    params: web::Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let fields = super::fields::FieldSet::all().with_locale(params.locale.as_deref())?;
    let result = discovery
        .search(&SearchParams::from(params.into_inner()))
        .await?;
    let items: Vec<&ArticleSummary> = result.hits.iter().map(|(a, _)| a).collect();
    let refs = svc.refs_of(items.iter().copied()).await?;
    let keys = std::iter::once(keys::SEARCH.to_owned())
        .chain(result.hits.iter().map(|(a, _)| keys::article(a.id)))
        .collect();
    let res = HttpResponse::Ok().json(SearchView {
        data: result
            .hits
            .iter()
            .map(|(a, h)| SearchHitView {
                article: ArticleSummaryView::sparse(a, &refs, &fields),
                headline_html: h.headline_html.clone(),
                snippet_html: h.snippet_html.clone(),
                score: h.score,
            })
            .collect(),
        page: SearchPageView {
            has_more: result.next_cursor.is_some(),
            next_cursor: result.next_cursor,
            total: result.total,
        },
        facets: result.facets.as_ref().map(FacetsView::from),
    });
    Ok(cache::keys(res, Kind::List, keys))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RelatedParams {
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50, default = 20)]
    limit: Option<String>,
    /// `1` or `true` adds each result's score parts (`reason`).
    #[param(value_type = Option<String>)]
    debug: Option<String>,
    /// Adds `publishedAtLocal` and `updatedAtLocal` in this locale (`en`
    /// or `bn`).
    #[param(example = "en")]
    locale: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct RelatedView {
    #[serde(flatten)]
    article: ArticleSummaryView,
    /// Hand-picked by an editor (the story package): these come first.
    editors_pick: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::openapi::schema::RelatedReason>)]
    reason: Option<RelatedReason>,
}

/// Related stories (আরও পড়ুন).
#[utoipa::path(
    get,
    path = "/v1/articles/{id}/related",
    tag = "discovery",
    params(("id" = String, Path, description = "Article id or slug"), RelatedParams),
    responses(
        (status = 200, description = "Best first", body = DataView<Vec<RelatedView>>),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn related(
    svc: web::Data<ContentService>,
    discovery: web::Data<DiscoveryService>,
    path: web::Path<String>,
    params: web::Query<RelatedParams>,
) -> Result<HttpResponse, ApiError> {
    let debug = matches!(params.debug.as_deref(), Some("1" | "true"));
    let fields = super::fields::FieldSet::all().with_locale(params.locale.as_deref())?;
    let list = discovery.related(&path, params.limit.as_deref()).await?;
    let items: Vec<&ArticleSummary> = list.iter().map(|(a, _)| a).collect();
    let refs = svc.refs_of(items.iter().copied()).await?;
    let keys = std::iter::once(keys::article(path.as_str()))
        .chain(list.iter().map(|(a, _)| keys::article(a.id)))
        .collect();
    let res = HttpResponse::Ok().json(DataView {
        data: list
            .iter()
            .map(|(a, r)| RelatedView {
                article: ArticleSummaryView::sparse(a, &refs, &fields),
                editors_pick: r.picked,
                reason: debug.then(|| r.clone()),
            })
            .collect::<Vec<_>>(),
    });
    Ok(cache::keys(res, Kind::List, keys))
}

/// The view beacon: always 202 with no body, whatever the id.
///
/// One count per reader per article per 5 minutes.
#[utoipa::path(
    post,
    operation_id = "record_view",
    path = "/v1/articles/{id}/views",
    tag = "discovery",
    params(("id" = String, Path, description = "Article id")),
    responses((status = 202, description = "Noted (or ignored)"))
)]
pub async fn view(
    req: HttpRequest,
    discovery: web::Data<DiscoveryService>,
    path: web::Path<String>,
) -> HttpResponse {
    let client = crate::http::client::address(&req, true);
    discovery
        .record_view(&path, client.as_deref().unwrap_or("unknown"))
        .await;
    HttpResponse::Accepted()
        .insert_header(("cache-control", "no-store"))
        .finish()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MostReadParams {
    /// Time window, reaching back to the start of its first hour.
    #[param(value_type = Option<MostReadWindow>, inline, default = "24h")]
    window: Option<String>,
    /// Section slug (sub-sections included).
    #[param(
        min_length = 1,
        max_length = 200,
        pattern = "^(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)$"
    )]
    section: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50, default = 20)]
    limit: Option<String>,
}

/// A most-read window.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub enum MostReadWindow {
    #[schema(rename = "1h")]
    Hour,
    #[schema(rename = "6h")]
    SixHours,
    #[schema(rename = "24h")]
    Day,
    #[schema(rename = "7d")]
    Week,
}

#[derive(Serialize, utoipa::ToSchema)]
struct MostReadView {
    #[serde(flatten)]
    article: ArticleSummaryView,
    views: i64,
}

/// Most read, from hourly counters.
#[utoipa::path(
    get,
    path = "/v1/most-read",
    tag = "discovery",
    params(MostReadParams),
    responses(
        (status = 200, description = "Most read first", body = DataView<Vec<MostReadView>>),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn most_read(
    svc: web::Data<ContentService>,
    discovery: web::Data<DiscoveryService>,
    params: web::Query<MostReadParams>,
) -> Result<HttpResponse, ApiError> {
    let list = discovery
        .most_read(
            params.window.as_deref(),
            params.section.as_deref(),
            params.limit.as_deref(),
        )
        .await?;
    let items: Vec<&ArticleSummary> = list.iter().map(|(a, _)| a).collect();
    let refs = svc.refs_of(items.iter().copied()).await?;
    let res = HttpResponse::Ok().json(DataView {
        data: list
            .iter()
            .map(|(a, n)| MostReadView {
                article: ArticleSummaryView::new(a, &refs),
                views: *n,
            })
            .collect::<Vec<_>>(),
    });
    Ok(cache::keys(
        res,
        Kind::List,
        vec![keys::MOST_READ.to_owned()],
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct CollectionView {
    slug: String,
    name: String,
    description: Option<String>,
    updated_at: String,
    articles: Vec<ArticleSummaryView>,
}

/// A curated list: its public articles in editorial order.
#[utoipa::path(
    get,
    path = "/v1/collections/{slug}",
    tag = "discovery",
    params(("slug" = String, Path, description = "Collection slug (not all digits)", min_length = 1, max_length = 200, pattern = "^(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)$")),
    responses(
        (status = 200, description = "The collection", body = DataView<CollectionView>),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn collection(
    svc: web::Data<ContentService>,
    discovery: web::Data<DiscoveryService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let found = discovery.collection(&path).await?;
    collection_page(&svc, found).await
}

/// A collection's or series' page, tagged with it and its articles.
async fn collection_page(
    svc: &ContentService,
    (c, items): (persistence::Collection, Vec<ArticleSummary>),
) -> Result<HttpResponse, ApiError> {
    let refs = svc.refs_of(&items).await?;
    let keys = std::iter::once(keys::collection(&c.slug))
        .chain(items.iter().map(|a| keys::article(a.id)))
        .collect();
    let res = HttpResponse::Ok().json(DataView {
        data: collection_view(c, &items, &refs),
    });
    Ok(cache::keys(res, Kind::List, keys))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct FrontParams {
    /// Articles per top-level section.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 20)]
    per_section: Option<String>,
    /// One edition's front: only articles in this language (`bn`, `en`);
    /// with `en` the edition line comes in English too (`lineLocal`).
    #[param(example = "en")]
    lang: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct FrontSectionView {
    section: SectionRefView,
    articles: Vec<ArticleSummaryView>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct FrontView {
    edition: EditionView,
    breaking: Vec<ArticleSummaryView>,
    lead: Vec<ArticleSummaryView>,
    sections: Vec<FrontSectionView>,
}

/// The home screen in one call: edition line, breaking, the `lead`
/// collection and the newest of each top-level section; no article twice.
#[utoipa::path(
    get,
    path = "/v1/front",
    tag = "discovery",
    params(FrontParams),
    responses(
        (status = 200, description = "The front", body = DataView<FrontView>),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 400, response = crate::openapi::responses::BadRequest),
    )
)]
pub async fn front(
    svc: web::Data<ContentService>,
    discovery: web::Data<DiscoveryService>,
    params: web::Query<FrontParams>,
) -> Result<HttpResponse, ApiError> {
    let f = discovery
        .front(params.per_section.as_deref(), params.lang.as_deref())
        .await?;
    let english = app::content::parse_languages(params.lang.as_deref()).is_ok_and(|l| l == ["en"]);
    let all: Vec<&ArticleSummary> = f
        .breaking
        .iter()
        .chain(&f.lead)
        .chain(f.sections.iter().flat_map(|s| &s.articles))
        .collect();
    let refs = svc.refs_of(all.iter().copied()).await?;
    let keys = std::iter::once(keys::FRONT.to_owned())
        .chain(all.iter().map(|a| keys::article(a.id)))
        .collect();
    let cards = |list: &[ArticleSummary]| {
        list.iter()
            .map(|a| ArticleSummaryView::new(a, &refs))
            .collect()
    };
    let res = HttpResponse::Ok().json(DataView {
        data: FrontView {
            edition: EditionView::localised(
                &f.edition,
                english.then_some(domain::bangla::Locale::En),
            ),
            breaking: cards(&f.breaking),
            lead: cards(&f.lead),
            sections: f
                .sections
                .iter()
                .map(|s| FrontSectionView {
                    section: SectionRefView::new(&s.section),
                    articles: cards(&s.articles),
                })
                .collect(),
        },
    });
    Ok(cache::keys(res, Kind::List, keys))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CollectionInput {
    /// 1 to 100 plain characters.
    name: String,
    description: Option<String>,
    /// Article ids in order (strings or numbers), at most 100, no repeats.
    #[schema(value_type = Vec<String>, max_items = 100)]
    articles: Vec<serde_json::Value>,
}

impl From<CollectionInput> for app::discovery::CollectionInput {
    fn from(c: CollectionInput) -> Self {
        Self {
            name: c.name,
            description: c.description,
            articles: c
                .articles
                .iter()
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Number(n) => n.to_string(),
                    _ => String::new(),
                })
                .collect(),
        }
    }
}

/// Create or replace a collection (editor).
#[utoipa::path(
    put,
    path = "/v1/admin/collections/{slug}",
    tag = "admin",
    params(("slug" = String, Path, description = "Collection slug (not all digits)", min_length = 1, max_length = 200, pattern = "^(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)$")),
    request_body = CollectionInput,
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The collection as saved", body = DataView<CollectionView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 409, response = crate::openapi::responses::Conflict),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    )
)]
pub async fn save_collection(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    discovery: web::Data<DiscoveryService>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    save(&req, &svc, &discovery, &path, &body, false).await
}

/// Saves a collection, or a series when `series` (editor).
async fn save(
    req: &HttpRequest,
    svc: &ContentService,
    discovery: &DiscoveryService,
    slug: &str,
    body: &[u8],
    series: bool,
) -> Result<HttpResponse, ApiError> {
    let key = crate::http::auth::require(svc, req, Scope::Editor).await?;
    let input: CollectionInput = super::admin::json_body(req, body)?;
    let input = input.into();
    let (c, items) = if series {
        discovery.save_series(&key, slug, &input).await?
    } else {
        discovery.save_collection(&key, slug, &input).await?
    };
    let refs = svc.refs_of(&items).await?;
    Ok(HttpResponse::Ok().json(DataView {
        data: collection_view(c, &items, &refs),
    }))
}

/// Delete a collection (editor).
#[utoipa::path(
    delete,
    path = "/v1/admin/collections/{slug}",
    tag = "admin",
    params(("slug" = String, Path, description = "Collection slug (not all digits)", min_length = 1, max_length = 200, pattern = "^(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)$")),
    security(("apiKey" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn delete_collection(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    discovery: web::Data<DiscoveryService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = crate::http::auth::require(&svc, &req, Scope::Editor).await?;
    discovery.delete_collection(&key, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, utoipa::ToSchema)]
struct CollectionSummaryView {
    slug: String,
    name: String,
    description: Option<String>,
}

/// The curated lists.
#[utoipa::path(
    get,
    path = "/v1/collections",
    tag = "discovery",
    responses(
        (status = 200, description = "Every collection (one page)", body = ListView<CollectionSummaryView>),
        (status = 304, response = crate::openapi::responses::NotModified),
    )
)]
pub async fn collections(discovery: web::Data<DiscoveryService>) -> Result<HttpResponse, ApiError> {
    let list = discovery.collections().await?;
    Ok(HttpResponse::Ok().json(ListView {
        data: list
            .into_iter()
            .map(|c| CollectionSummaryView {
                slug: c.slug,
                name: c.name,
                description: c.description,
            })
            .collect(),
        page: PageInfoView {
            next_cursor: None,
            has_more: false,
            total: None,
        },
    }))
}

fn collection_view(
    c: persistence::Collection,
    items: &[ArticleSummary],
    refs: &app::content::Refs,
) -> CollectionView {
    CollectionView {
        slug: c.slug,
        name: c.name,
        description: c.description,
        updated_at: super::views::rfc3339(c.updated_at),
        articles: items
            .iter()
            .map(|a| ArticleSummaryView::new(a, refs))
            .collect(),
    }
}

/// A series (articles on one running story): its public articles in
/// editorial order. Its feeds are `/feeds/series/{slug}/…`.
#[utoipa::path(
    get,
    path = "/v1/series/{slug}",
    tag = "discovery",
    params(("slug" = String, Path, description = "Series slug (not all digits)", min_length = 1, max_length = 200, pattern = "^(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)$")),
    responses(
        (status = 200, description = "The series", body = DataView<CollectionView>),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn series(
    svc: web::Data<ContentService>,
    discovery: web::Data<DiscoveryService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let found = discovery.series(&path).await?;
    collection_page(&svc, found).await
}

/// Every series.
#[utoipa::path(
    get,
    path = "/v1/series",
    tag = "discovery",
    responses(
        (status = 200, description = "Every series (one page)", body = ListView<CollectionSummaryView>),
        (status = 304, response = crate::openapi::responses::NotModified),
    )
)]
pub async fn series_list(discovery: web::Data<DiscoveryService>) -> Result<HttpResponse, ApiError> {
    let list = discovery.series_list().await?;
    let res = HttpResponse::Ok().json(ListView {
        data: list
            .into_iter()
            .map(|c| CollectionSummaryView {
                slug: c.slug,
                name: c.name,
                description: c.description,
            })
            .collect(),
        page: PageInfoView {
            next_cursor: None,
            has_more: false,
            total: None,
        },
    });
    Ok(cache::keys(res, Kind::List, vec![keys::list("series")]))
}

/// Create or replace a series (editor): name, description and its
/// articles in order (at most 100). A slug is a series or a collection,
/// not both (409).
#[utoipa::path(
    put,
    path = "/v1/admin/series/{slug}",
    tag = "admin",
    params(("slug" = String, Path, description = "Series slug (not all digits)", min_length = 1, max_length = 200, pattern = "^(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)$")),
    request_body = CollectionInput,
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The series as saved", body = DataView<CollectionView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 409, response = crate::openapi::responses::Conflict),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    )
)]
pub async fn save_series(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    discovery: web::Data<DiscoveryService>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    save(&req, &svc, &discovery, &path, &body, true).await
}

/// Delete a series (editor).
#[utoipa::path(
    delete,
    path = "/v1/admin/series/{slug}",
    tag = "admin",
    params(("slug" = String, Path, description = "Series slug (not all digits)", min_length = 1, max_length = 200, pattern = "^(?:[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*[a-z\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D][a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]*(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)*|[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+(?:-[a-z0-9\\u0980-\\u09F1\\u09F4-\\u09FF\\u200C\\u200D]+)+)$")),
    security(("apiKey" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn delete_series(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    discovery: web::Data<DiscoveryService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = crate::http::auth::require(&svc, &req, Scope::Editor).await?;
    discovery.delete_series(&key, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}
