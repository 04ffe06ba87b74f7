//! IPTC ninjs 3.1 (<https://iptc.org/standards/ninjs/>): one article, or a
//! list with the filters and cursors of `/v1/articles`. Partner keys only.

use actix_web::{HttpRequest, HttpResponse, web};
use app::AppError;
use domain::block::{body_html, body_text};
use domain::{Article, Image};
use serde::Serialize;

use super::model::{image_type, rfc3339};
use super::quota::partner;
use super::{FeedState, Urls};
use crate::http::conditional as http;
use crate::http::error::ApiError;
use crate::http::wire::PageInfoView;
use app::content::{ContentService, ListParams, Refs, Translation};

use crate::http::params::ListQuery;

pub const SCHEMA: &str = "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#";

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Ninjs {
    pub uri: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub representation_type: &'static str,
    pub version: String,
    pub first_created: String,
    pub version_created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embargoed_until: Option<String>,
    pub pub_status: &'static str,
    pub language: String,
    pub slugline: String,
    pub headlines: Vec<Text>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub descriptions: Vec<Text>,
    pub bodies: Vec<Body>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<Concept>,
    pub subjects: Vec<Concept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub located: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub info_sources: Vec<InfoSource>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub renditions: Vec<Rendition>,
    pub alt_ids: Vec<AltId>,
    /// The article's kind (unless standard: `literal` is `opinion`,
    /// `sponsored`, …) and access level (unless free: `access:metered`,
    /// `access:subscriber`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub genres: Vec<Genre>,
    /// The versions of this story in other languages (`rel`:
    /// `translation`), each with its language, headline and URL.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub associations: Vec<Association>,
    pub standard: Standard,
}

/// A linked news object: here the same story in another language.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NinjsAssociation)]
pub struct Association {
    /// `translation-en`, `translation-bn`, ...
    pub name: String,
    pub rel: &'static str,
    pub uri: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub representation_type: &'static str,
    pub language: String,
    pub headlines: Vec<Text>,
    pub alt_ids: Vec<AltId>,
}

impl Association {
    fn translation(t: &Translation, refs: &Refs, urls: &Urls) -> Self {
        let s = &t.summary;
        let section = refs
            .sections
            .get(&s.section_id)
            .map_or("", |x| x.slug.as_str());
        Self {
            name: format!("translation-{}", t.language),
            rel: "translation",
            uri: urls.article_id(s.id),
            kind: "text",
            representation_type: "partial",
            language: t.language.clone(),
            headlines: vec![Text {
                role: "main",
                content_type: "text/plain",
                value: s.headline.clone(),
            }],
            alt_ids: vec![
                AltId {
                    role: "url",
                    value: urls.article(s.id, &s.slug, section),
                },
                AltId {
                    role: "barta-id",
                    value: s.id.to_string(),
                },
            ],
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = NinjsGenre)]
pub struct Genre {
    pub name: String,
    pub literal: String,
}

fn genres(kind: domain::ArticleKind, access: domain::Access, language: &str) -> Vec<Genre> {
    let mut out = Vec::new();
    if let Some(label) = kind.label_in(language) {
        out.push(Genre {
            name: label.to_owned(),
            literal: kind.as_str().to_owned(),
        });
    }
    let access_name = match access {
        domain::Access::Free => None,
        domain::Access::Metered => Some("মিটারড"),
        domain::Access::Subscriber => Some("গ্রাহকদের জন্য"),
    };
    if let Some(name) = access_name {
        out.push(Genre {
            name: name.to_owned(),
            literal: format!("access:{}", access.as_str()),
        });
    }
    out
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NinjsText)]
pub struct Text {
    pub role: &'static str,
    pub content_type: &'static str,
    pub value: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NinjsBody)]
pub struct Body {
    pub role: &'static str,
    pub content_type: &'static str,
    pub char_count: u64,
    pub word_count: u64,
    pub value: String,
}

/// A person or subject: `rel` says how it relates to the article.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NinjsConcept)]
pub struct Concept {
    pub name: String,
    pub rel: &'static str,
    pub literal: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NinjsInfoSource)]
pub struct InfoSource {
    pub name: String,
    pub role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NinjsRendition)]
pub struct Rendition {
    pub name: String,
    pub href: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = NinjsAltId)]
pub struct AltId {
    pub role: &'static str,
    pub value: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = NinjsStandard)]
pub struct Standard {
    pub name: &'static str,
    pub version: &'static str,
    pub schema: &'static str,
}

impl Ninjs {
    /// The ninjs document of a public article, with its public
    /// `translations`. Section, tag and author names are the ones for
    /// readers of the article's language.
    pub fn new(a: &Article, refs: &Refs, urls: &Urls, translations: &[Translation]) -> Self {
        let s = &a.summary;
        let lang = s.language.as_str();
        let section = refs.sections.get(&s.section_id);
        let url = urls.article(s.id, &s.slug, section.map_or("", |x| x.slug.as_str()));
        let authors: Vec<&domain::Author> = refs.authors_of(s).collect();
        let by = if authors.is_empty() {
            s.desk.clone()
        } else {
            Some(
                authors
                    .iter()
                    .map(|x| x.name_in(lang))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        };
        let mut headlines = vec![Text {
            role: "main",
            content_type: "text/plain",
            value: s.headline.clone(),
        }];
        if let Some(k) = &s.kicker {
            headlines.push(Text {
                role: "kicker",
                content_type: "text/plain",
                value: k.clone(),
            });
        }
        let html = body_html(&a.body);
        let text = body_text(&a.body);
        let count = |t: &str| t.chars().count() as u64;
        let words = u64::from(s.word_count);
        let mut subjects: Vec<Concept> = section
            .map(|sec| Concept {
                name: sec.name_in(lang).to_owned(),
                rel: "section",
                literal: sec.slug.clone(),
                uri: Some(urls.section(&sec.slug)),
            })
            .into_iter()
            .collect();
        subjects.extend(
            a.secondary_section_ids
                .iter()
                .filter_map(|id| refs.sections.get(id))
                .map(|sec| Concept {
                    name: sec.name_in(lang).to_owned(),
                    rel: "secondary-section",
                    literal: sec.slug.clone(),
                    uri: Some(urls.section(&sec.slug)),
                }),
        );
        subjects.extend(refs.tags_of(s).map(|t| Concept {
            name: t.name_in(lang).to_owned(),
            rel: "tag",
            literal: t.slug.clone(),
            uri: None,
        }));
        let published = s.published_at.unwrap_or(s.updated_at);
        Self {
            uri: urls.article_id(s.id),
            kind: "text",
            representation_type: "full",
            version: a.version.to_string(),
            first_created: rfc3339(a.first_published_at.unwrap_or(published)),
            version_created: rfc3339(s.updated_at.max(published)),
            embargoed_until: a.embargo_until.map(rfc3339),
            pub_status: "usable",
            language: s.language.clone(),
            slugline: s.slug.clone(),
            headlines,
            descriptions: s
                .summary
                .iter()
                .map(|v| Text {
                    role: "summary",
                    content_type: "text/plain",
                    value: v.clone(),
                })
                .collect(),
            bodies: vec![
                Body {
                    role: "main",
                    content_type: "text/html",
                    char_count: count(&text),
                    word_count: words,
                    value: html,
                },
                Body {
                    role: "main",
                    content_type: "text/plain",
                    char_count: count(&text),
                    word_count: words,
                    value: text,
                },
            ],
            by,
            people: authors
                .iter()
                .map(|x| Concept {
                    name: x.name_in(lang).to_owned(),
                    rel: "author",
                    literal: x.slug.clone(),
                    uri: None,
                })
                .collect(),
            subjects,
            located: a.dateline.clone(),
            info_sources: a
                .source
                .iter()
                .map(|name| InfoSource {
                    name: name.clone(),
                    role: "source",
                    uri: a.source_url.clone(),
                })
                .collect(),
            renditions: s.image.iter().flat_map(renditions).collect(),
            alt_ids: vec![
                AltId {
                    role: "url",
                    value: url,
                },
                AltId {
                    role: "barta-id",
                    value: s.id.to_string(),
                },
            ],
            genres: genres(s.kind, s.access, lang),
            associations: translations
                .iter()
                .map(|t| Association::translation(t, refs, urls))
                .collect(),
            standard: Standard {
                name: "ninjs",
                version: "3.1",
                schema: SCHEMA,
            },
        }
    }
}

/// The lead picture: as given, or every rendition of an uploaded one
/// (`lead-image` is the largest JPEG; the others are named by size).
fn renditions(img: &Image) -> Vec<Rendition> {
    let title = img.alt.clone().or_else(|| img.caption.clone());
    let mut out = vec![Rendition {
        name: "lead-image".into(),
        href: img.url.clone(),
        content_type: image_type(&img.url),
        title: title.clone(),
        width: img.width,
        height: img.height,
    }];
    for r in &img.renditions {
        let ext = if r.mime == "image/webp" {
            "webp"
        } else {
            "jpg"
        };
        out.push(Rendition {
            name: format!("lead-image-{}w-{ext}", r.width),
            href: r.url.clone(),
            content_type: image_type(&r.url),
            title: title.clone(),
            width: Some(r.width),
            height: Some(r.height),
        });
    }
    out
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = NinjsList)]
struct ListView {
    data: Vec<Ninjs>,
    page: PageInfoView,
}

/// One public article as IPTC ninjs 3.1 (partner).
#[utoipa::path(
    get,
    operation_id = "ninjs_article",
    path = "/v1/ninjs/articles/{id}",
    tag = "partners",
    params(("id" = String, Path, description = "Article id or slug")),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The ninjs document", body = Ninjs,
            headers(("ETag" = String), ("RateLimit-Limit" = u64), ("RateLimit-Remaining" = u64), ("RateLimit-Reset" = u64), ("RateLimit-Policy" = String))),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 429, response = crate::openapi::responses::TooManyRequests),
    )
)]
pub async fn item(
    st: web::Data<FeedState>,
    svc: web::Data<ContentService>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    partner(st.quotas(), &svc, &req, |_| async {
        let item = svc
            .article_with_refs(&path, persistence::Links::Load, true)
            .await?;
        let translations = svc
            .translations_by_ids(&[item.article.summary.id])
            .await?
            .remove(&item.article.summary.id)
            .unwrap_or_default();
        let doc = Ninjs::new(&item.article, &item.refs, st.urls(), &translations);
        let body = serde_json::to_vec(&doc).map_err(|e| AppError::Internal(Box::new(e)))?;
        Ok::<_, ApiError>(http::respond(&req, http::JSON, http::PRIVATE, None, body))
    })
    .await
}

/// Latest public articles as IPTC ninjs 3.1, with the filters and cursors
/// of `/v1/articles` (partner).
#[utoipa::path(
    get,
    operation_id = "ninjs_articles",
    path = "/v1/ninjs/articles",
    tag = "partners",
    params(ListQuery),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "A page of ninjs documents", body = ListView,
            headers(("ETag" = String), ("RateLimit-Limit" = u64), ("RateLimit-Remaining" = u64), ("RateLimit-Reset" = u64), ("RateLimit-Policy" = String))),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 429, response = crate::openapi::responses::TooManyRequests),
    )
)]
pub async fn list(
    st: web::Data<FeedState>,
    svc: web::Data<ContentService>,
    req: HttpRequest,
    params: web::Query<ListQuery>,
) -> HttpResponse {
    partner(st.quotas(), &svc, &req, |_| async {
        let list = svc
            .list_with_refs(&ListParams::from(params.into_inner()))
            .await?;
        let ids: Vec<i64> = list.page.items.iter().map(|a| a.id).collect();
        let mut articles = svc.articles_by_ids(&ids).await?;
        // The list's order (newest first), not the database's.
        articles.sort_by_key(|a| ids.iter().position(|id| *id == a.summary.id));
        let translations = svc.translations_by_ids(&ids).await?;
        let data = articles
            .iter()
            .map(|a| {
                let t = translations
                    .get(&a.summary.id)
                    .map_or(&[][..], Vec::as_slice);
                Ninjs::new(a, &list.refs, st.urls(), t)
            })
            .collect();
        let view = ListView {
            data,
            page: PageInfoView {
                has_more: list.page.has_more(),
                next_cursor: list.page.next_cursor.map(|c| c.encode()),
                total: None,
            },
        };
        let body = serde_json::to_vec(&view).map_err(|e| AppError::Internal(Box::new(e)))?;
        Ok::<_, ApiError>(http::respond(&req, http::JSON, http::PRIVATE, None, body))
    })
    .await
}
