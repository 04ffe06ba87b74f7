//! The three feed formats share one model: [`Feed`] is built once from the
//! service's list (the same filters, visibility and order as
//! `/v1/articles`) and rendered by `rss`, `atom` or `jsonfeed`.

use app::AppError;
use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::block::{body_html, body_text};
use domain::{Article, ArticleSummary, Limit, ValidationError};
use serde::Deserialize;

use super::model::{Feed, Item};
use super::{FeedState, parse_flag};
use crate::http::conditional as http;
use crate::http::error::ApiError;
use crate::http::keys;
use app::content::{ContentService, ListParams, Refs};

/// The query parameters a feed keeps in its self and next links.
const FEED_PARAMS: [&str; 12] = [
    "section", "tag", "author", "-section", "-tag", "-author", "kind", "access", "lang", "limit",
    "full", "cursor",
];

/// Newest 50 by default, at most 100.
pub const DEFAULT_ITEMS: u64 = 50;
pub const MAX_ITEMS: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Site,
    Section,
    Tag,
    Series,
}

/// The discovery service, which knows the series.
fn series_source(
    req: &HttpRequest,
) -> Result<web::Data<app::discovery::DiscoveryService>, ApiError> {
    req.app_data::<web::Data<app::discovery::DiscoveryService>>()
        .cloned()
        .ok_or_else(|| AppError::Internal("no discovery service".into()).into())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rss,
    Atom,
    JsonFeed,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Items per document.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 50)]
    limit: Option<String>,
    /// `1`/`true`: the full text of each article; `0`/`false` (default): summaries.
    #[param(value_type = Option<crate::feeds::Flag>)]
    full: Option<String>,
    /// Opaque; from the JSON Feed's `next_url`.
    cursor: Option<String>,
    /// Section slugs (any of them), as on `/v1/articles`; not on a
    /// section's own feed.
    section: Option<String>,
    /// Tag slugs: `a,b` (any) or `a+b` (all); not on a tag's own feed.
    tag: Option<String>,
    /// Author slugs: `a,b` (any) or `a+b` (all).
    author: Option<String>,
    /// None of these sections, tags, authors (comma-separated slugs).
    #[serde(rename = "-section")]
    #[param(rename = "-section")]
    not_section: Option<String>,
    #[serde(rename = "-tag")]
    #[param(rename = "-tag")]
    not_tag: Option<String>,
    #[serde(rename = "-author")]
    #[param(rename = "-author")]
    not_author: Option<String>,
    /// Only these kinds, comma-separated (any of them), as on `/v1/articles`.
    kind: Option<String>,
    /// Only these access levels, comma-separated (any of them).
    access: Option<String>,
    /// Only articles in this language (`bn`, `en`): the feed's language.
    lang: Option<String>,
}

/// `GET /feeds/…/{rss.xml,atom.xml,feed.json}`.
pub async fn handle(
    st: web::Data<FeedState>,
    svc: web::Data<ContentService>,
    req: HttpRequest,
    q: web::Query<FeedQuery>,
    scope: Scope,
    format: Format,
) -> Result<HttpResponse, ApiError> {
    let mut errors: Vec<ValidationError> = Vec::new();
    let limit = Limit::parse_in(q.limit.as_deref(), DEFAULT_ITEMS, MAX_ITEMS)
        .map_err(|e| errors.push(e))
        .ok();
    let full = match parse_flag("full", q.full.as_deref()) {
        Ok(f) => f,
        Err(AppError::Invalid(mut e)) => {
            errors.append(&mut e);
            false
        }
        Err(e) => return Err(e.into()),
    };
    let (Some(limit), true) = (limit, errors.is_empty()) else {
        return Err(AppError::Invalid(errors).into());
    };
    let urls = st.urls();
    let publication = st.settings().publication.clone();
    let slug = req.match_info().get("slug").unwrap_or_default().to_owned();
    let series_filter = [
        ("section", &q.section),
        ("tag", &q.tag),
        ("author", &q.author),
        ("-section", &q.not_section),
        ("-tag", &q.not_tag),
        ("-author", &q.not_author),
        ("kind", &q.kind),
        ("access", &q.access),
        ("lang", &q.lang),
        ("cursor", &q.cursor),
    ]
    .into_iter()
    .find(|(_, v)| v.is_some())
    .map(|(name, _)| name);
    let collides = match scope {
        Scope::Section if q.section.is_some() => Some("section"),
        Scope::Tag if q.tag.is_some() => Some("tag"),
        Scope::Series => series_filter,
        _ => None,
    };
    if let Some(field) = collides {
        let why = if scope == Scope::Series {
            "does not apply to a series: its feed is the series, newest first"
        } else {
            "is the feed's own: give it in the path only"
        };
        return Err(AppError::invalid(field, why).into());
    }
    let mut params = ListParams {
        cursor: q.cursor.clone(),
        section: q.section.clone(),
        tag: q.tag.clone(),
        author: q.author.clone(),
        not_section: q.not_section.clone(),
        not_tag: q.not_tag.clone(),
        not_author: q.not_author.clone(),
        kind: q.kind.clone(),
        access: q.access.clone(),
        lang: q.lang.clone(),
        ..ListParams::default()
    };
    // One language per feed (a feed's `<language>` is one tag).
    let language = match app::content::parse_languages(q.lang.as_deref()) {
        Ok(l) if l.len() > 1 => {
            return Err(AppError::invalid("lang", "a feed is in one language: give one").into());
        }
        Ok(l) => l.into_iter().next(),
        Err(e) => return Err(AppError::Invalid(vec![e]).into()),
    };
    let mut surrogate: Vec<String> = Vec::new();
    let mut series_items: Option<Vec<ArticleSummary>> = None;
    let (id, title, description, home_url) = match scope {
        Scope::Site => (
            urls.feed_id("site"),
            publication.clone(),
            format!("{publication}: সর্বশেষ খবর"),
            format!("{}/", urls.base()),
        ),
        Scope::Section => {
            let section = svc.section(&slug).await?;
            params.section = Some(section.slug.clone());
            surrogate.push(keys::section(&section.slug));
            (
                urls.feed_id(&format!("section/{}", section.slug)),
                format!("{} — {publication}", section.name),
                section
                    .description
                    .clone()
                    .unwrap_or_else(|| format!("{}: সর্বশেষ খবর", section.name)),
                urls.section(&section.slug),
            )
        }
        Scope::Series => {
            // Read once: the series names the feed and gives its items.
            let (c, items) = series_source(&req)?
                .series_newest(&slug, limit.get() as usize)
                .await?;
            series_items = Some(items);
            surrogate.push(keys::collection(&c.slug));
            (
                urls.feed_id(&format!("series/{}", c.slug)),
                format!("{} — {publication}", c.name),
                c.description
                    .clone()
                    .unwrap_or_else(|| format!("{}: ধারাবাহিক", c.name)),
                format!("{}/", urls.base()),
            )
        }
        Scope::Tag => {
            let tag = svc.tag(&slug).await?;
            params.tag = Some(tag.slug.clone());
            surrogate.push(keys::tag(&tag.slug));
            (
                urls.feed_id(&format!("tag/{}", tag.slug)),
                format!("{} — {publication}", tag.name),
                format!("{}: সর্বশেষ খবর", tag.name),
                format!("{}/", urls.base()),
            )
        }
    };
    let list = match series_items {
        // A series is an editor's list (at most 100): its newest, no pages
        // after the first; the list filters do not apply to it.
        Some(items) => {
            let refs = svc.refs_of(&items).await?;
            app::content::ArticleList {
                page: persistence::Page {
                    items,
                    next_cursor: None,
                    has_previous: false,
                    query: 0,
                },
                refs,
            }
        }
        None => svc.list_with_refs_limited(&params, limit).await?,
    };
    let bodies: HashMap<i64, Article> = if full {
        let ids: Vec<i64> = list.page.items.iter().map(|a| a.id).collect();
        svc.articles_by_ids(&ids)
            .await?
            .into_iter()
            .map(|a| (a.summary.id, a))
            .collect()
    } else {
        HashMap::new()
    };
    let items: Vec<Item> = list
        .page
        .items
        .iter()
        .map(|a| item(&st, a, &list.refs, bodies.get(&a.id)))
        .collect();
    // Removals change a feed too: the newest change in effect counts.
    let last_change = svc.last_change_at().await?;
    let updated = items
        .iter()
        .map(|i| i.updated)
        .chain(last_change)
        .max()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    // Self and next links keep the order the client gave the parameters in
    // (so a self link equals the URL fetched), with canonical values.
    let mut order: Vec<&str> = Vec::new();
    for key in req
        .query_string()
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .chain(FEED_PARAMS)
    {
        if FEED_PARAMS.contains(&key) && !order.contains(&key) {
            order.push(key);
        }
    }
    // Filters go on into the self and next links as given (the list has
    // checked them; a cursor is bound to them).
    let given = |key: &str| -> Option<&str> {
        match key {
            "section" => q.section.as_deref(),
            "tag" => q.tag.as_deref(),
            "author" => q.author.as_deref(),
            "-section" => q.not_section.as_deref(),
            "-tag" => q.not_tag.as_deref(),
            "-author" => q.not_author.as_deref(),
            _ => None,
        }
    };
    // Canonical filter values: as parsed, in the order given.
    let kinds: Vec<&str> = filter_values(q.kind.as_deref());
    let access: Vec<&str> = filter_values(q.access.as_deref());
    let lang = language.clone();
    let query = |cursor: Option<&str>| {
        let parts: Vec<String> = order
            .iter()
            .filter_map(|key| match *key {
                "limit" => q.limit.as_ref().map(|_| format!("limit={}", limit.get())),
                "full" => full.then(|| "full=1".to_owned()),
                "kind" => (!kinds.is_empty()).then(|| format!("kind={}", kinds.join(","))),
                "section" | "tag" | "author" | "-section" | "-tag" | "-author" => {
                    given(key).map(|v| format!("{key}={}", super::urls::encode_segment(v)))
                }
                "access" => (!access.is_empty()).then(|| format!("access={}", access.join(","))),
                "lang" => lang.as_ref().map(|l| format!("lang={l}")),
                _ => cursor.map(|c| format!("cursor={}", super::urls::encode_segment(c))),
            })
            .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    };
    let path = req.path();
    let feed = Feed {
        id,
        title,
        description,
        home_url,
        self_url: urls.absolute(&format!("{path}{}", query(q.cursor.as_deref()))),
        next_url: list
            .page
            .next_cursor
            .map(|c| urls.absolute(&format!("{path}{}", query(Some(&c.encode()))))),
        language: language.clone().unwrap_or_else(|| "bn".to_owned()),
        publication,
        publication_url: format!("{}/", urls.base()),
        updated,
        items,
    };
    let (content_type, body) = match format {
        Format::Rss => (http::RSS, super::rss::render(&feed)?),
        Format::Atom => (http::ATOM, super::atom::render(&feed)?),
        Format::JsonFeed => (http::JSON_FEED, super::jsonfeed::render(&feed)?),
    };
    if matches!(scope, Scope::Site) {
        surrogate.push(keys::LATEST.to_owned());
    }
    surrogate.extend(list.page.items.iter().map(|a| keys::article(a.id)));
    let res = http::respond(
        &req,
        content_type,
        &st.settings().cache_control,
        Some(updated),
        body,
    );
    Ok(http::surrogate_keys(res, &surrogate))
}

fn item(st: &FeedState, a: &ArticleSummary, refs: &Refs, full: Option<&Article>) -> Item {
    let urls = st.urls();
    let section = refs.sections.get(&a.section_id);
    let section_slug = section.map_or("", |s| s.slug.as_str());
    let published = a.published_at.unwrap_or(a.updated_at);
    // Names as readers of the article's language see them.
    let lang = a.language.as_str();
    let mut authors: Vec<String> = refs
        .authors_of(a)
        .map(|x| x.name_in(lang).to_owned())
        .collect();
    if authors.is_empty()
        && let Some(desk) = &a.desk
    {
        authors.push(desk.clone());
    }
    // Paid content says so where every reader sees it: in the title.
    let title = match a.kind.label_in(lang) {
        Some(label) if a.kind.is_sponsored() => format!("{label}: {}", a.headline),
        _ => a.headline.clone(),
    };
    // Articles that are not free carry their summary only, when so set.
    let full =
        full.filter(|_| a.access == domain::Access::Free || !st.settings().paid_summary_only);
    Item {
        id: urls.article_id(a.id),
        url: urls.article(a.id, &a.slug, section_slug),
        title,
        summary: a.summary.clone().unwrap_or_else(|| a.headline.clone()),
        published,
        updated: published.max(a.updated_at),
        authors,
        section: section.map(|s| {
            (
                s.slug.clone(),
                s.name_in(lang).to_owned(),
                urls.section(&s.slug),
            )
        }),
        tags: refs
            .tags_of(a)
            .map(|t| (t.slug.clone(), t.name_in(lang).to_owned()))
            .collect(),
        image: a.image.as_ref().map(feed_image),
        html: full.map(|f| body_html(&f.body)),
        text: full.map(|f| body_text(&f.body)),
        language: a.language.clone(),
        kind: a.kind,
        access: a.access,
    }
}

/// The values of a comma-separated filter, trimmed and deduplicated (the
/// list itself has checked them).
fn filter_values(raw: Option<&str>) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for v in raw.unwrap_or_default().split(',').map(str::trim) {
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Feeds carry one picture: an uploaded one as its JPEG about 1200 wide
/// (readers' apps and aggregators scale from there), an outside one as given.
fn feed_image(i: &domain::Image) -> domain::Image {
    let mut out = i.clone();
    if let Some(r) = i.rendition_near(1200, "image/jpeg") {
        out.url = r.url.clone();
        out.width = Some(r.width);
        out.height = Some(r.height);
    }
    out
}
