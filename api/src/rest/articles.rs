//! `/v1/articles…`

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::fields::{ArticleFieldsParam, FieldSet, FieldsParam};
use super::views::{ArticleSummaryView, ArticleView, DataView, ListView, PageInfoView};
use crate::http::cache::{self, Kind};
use crate::http::error::ApiError;
use crate::http::keys;
use crate::http::params::ListQuery;
use crate::http::wire::TotalView;
use app::content::{ArticleList, ContentService, ListParams};

/// A list page, tagged with its list keys and every article on it, with
/// only the fields in `fields` and the count of matches when one was asked
/// for.
pub fn sparse_list_response(
    list: ArticleList,
    mut list_keys: Vec<String>,
    fields: &FieldSet,
    total: Option<(u64, bool)>,
) -> HttpResponse {
    list_keys.extend(list.page.items.iter().map(|a| keys::article(a.id)));
    let views: Vec<_> = list
        .page
        .items
        .iter()
        .map(|a| ArticleSummaryView::sparse(a, &list.refs, fields))
        .collect();
    let res = HttpResponse::Ok().json(ListView {
        data: views.iter().map(|v| fields.apply(v)).collect(),
        page: PageInfoView {
            has_more: list.page.has_more(),
            next_cursor: list.page.next_cursor.map(|c| c.encode()),
            total: total.map(|(value, exact)| TotalView {
                value,
                relation: if exact { "eq" } else { "gte" },
            }),
        },
    });
    cache::keys(res, Kind::List, list_keys)
}

/// A list request with its sparse fieldset: the page (with links only when
/// the fields need them), as [`sparse_list_response`].
pub async fn sparse_list(
    svc: &ContentService,
    params: &ListParams,
    keys: Vec<String>,
    fields: &FieldsParam,
) -> Result<HttpResponse, ApiError> {
    let total = if fields.wants_total()? {
        Some(svc.total(params).await?)
    } else {
        None
    };
    let fields =
        FieldSet::parse(fields.fields.as_deref(), false)?.with_locale(fields.locale.as_deref())?;
    let list = svc.list_with_refs_and(params, fields.list_read()).await?;
    Ok(sparse_list_response(list, keys, &fields, total))
}

/// The list keys of a filtered `/v1/articles` request.
pub fn filter_keys(p: &ListParams) -> Vec<String> {
    let mut keys = vec![keys::LATEST.to_owned()];
    let slugs = |v: &Option<String>| -> Vec<String> {
        v.as_deref()
            .unwrap_or_default()
            .split([',', '+', ' '])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    keys.extend(slugs(&p.section).iter().map(keys::section));
    keys.extend(slugs(&p.tag).iter().map(keys::tag));
    keys.extend(slugs(&p.author).iter().map(keys::author));
    keys
}

/// Latest public articles, newest first.
#[utoipa::path(
    get,
    operation_id = "articles",
    path = "/v1/articles",
    tag = "articles",
    params(ListQuery, FieldsParam),
    responses(
        (status = 200, description = "A page of articles", body = ListView<ArticleSummaryView>),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn list(
    svc: web::Data<ContentService>,
    params: web::Query<ListQuery>,
    fields: web::Query<FieldsParam>,
) -> Result<HttpResponse, ApiError> {
    let params = ListParams::from(params.into_inner());
    sparse_list(&svc, &params, filter_keys(&params), &fields).await
}

/// One public article, by id or slug, with its body.
#[utoipa::path(
    get,
    operation_id = "article",
    path = "/v1/articles/{id_or_slug}",
    tag = "articles",
    params(("id_or_slug" = String, Path, description = "Article id or slug"), ArticleFieldsParam),
    responses(
        (status = 200, description = "The article", body = DataView<ArticleView>),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn item(
    svc: web::Data<ContentService>,
    path: web::Path<String>,
    fields: web::Query<ArticleFieldsParam>,
) -> Result<HttpResponse, ApiError> {
    let fields =
        FieldSet::parse(fields.fields.as_deref(), true)?.with_locale(fields.locale.as_deref())?;
    let item = svc
        .article_with_refs(&path, fields.links(), fields.needs_comments())
        .await?;
    let a = &item.article;
    let mut keys = vec![keys::article(a.summary.id)];
    if let Some(s) = item.refs.sections.get(&a.summary.section_id) {
        keys.push(keys::section(&s.slug));
    }
    let view = ArticleView::sparse(a, &item.refs, item.comments, &fields);
    let res = HttpResponse::Ok().json(DataView {
        data: fields.apply(&view),
    });
    Ok(cache::keys(res, Kind::Item, keys))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitParam {
    /// How many.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50, default = 20)]
    limit: Option<String>,
    /// Adds `publishedAtLocal` and `updatedAtLocal` in this locale (`en`
    /// or `bn`).
    #[param(example = "en")]
    locale: Option<String>,
}

/// More from the same section (sub-sections included), this article excluded.
#[utoipa::path(
    get,
    path = "/v1/articles/{id}/more-from-section",
    tag = "articles",
    params(("id" = String, Path, description = "Article id or slug"), LimitParam),
    responses(
        (status = 200, description = "Newest first", body = ListView<ArticleSummaryView>),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn more_from_section(
    svc: web::Data<ContentService>,
    path: web::Path<String>,
    params: web::Query<LimitParam>,
) -> Result<HttpResponse, ApiError> {
    let fields = FieldSet::all().with_locale(params.locale.as_deref())?;
    let list = svc
        .more_from_section_with_refs(&path, params.limit.as_deref())
        .await?;
    Ok(sparse_list_response(
        list,
        vec![keys::article(path.as_str())],
        &fields,
        None,
    ))
}

/// A version of the story in another language.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TranslationView {
    pub id: String,
    /// BCP 47 language tag (`en`, `bn`, `en-GB`).
    pub language: String,
    pub slug: String,
    pub headline: String,
    /// Its page on the public site (`BARTA_ARTICLE_URL`).
    pub url: String,
}

/// The public versions of an article's story in other languages, by
/// language (the article itself left out).
#[utoipa::path(
    get,
    operation_id = "article_translations",
    path = "/v1/articles/{id}/translations",
    tag = "articles",
    params(("id" = String, Path, description = "Article id or slug")),
    responses(
        (status = 200, description = "Its translations", body = DataView<Vec<TranslationView>>),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn translations(
    svc: web::Data<ContentService>,
    feeds: web::Data<crate::feeds::FeedState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (article, list, story) = svc.translations_of(&path).await?;
    let sections = svc.section_map().await.map_err(app::AppError::from)?;
    // Every version of the story, public or not: one published later must
    // drop this answer.
    let mut cache_keys = vec![keys::article(article.summary.id)];
    cache_keys.extend(story.iter().map(keys::article));
    let data: Vec<TranslationView> = list
        .into_iter()
        .map(|t| {
            let section = sections
                .get(&t.summary.section_id)
                .map_or("", |s| s.slug.as_str());
            TranslationView {
                id: t.summary.id.to_string(),
                url: feeds.urls().article(t.summary.id, &t.summary.slug, section),
                language: t.language,
                slug: t.summary.slug,
                headline: t.summary.headline,
            }
        })
        .collect();
    let res = HttpResponse::Ok().json(DataView { data });
    Ok(cache::keys(res, Kind::Item, cache_keys))
}
