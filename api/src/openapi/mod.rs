//! The OpenAPI 3.1 document of the HTTP API, generated from the handlers'
//! `#[utoipa::path]` attributes and the wire types' `ToSchema` derives.
//! Served at `GET /openapi.json`; `barta openapi` prints it, and
//! `openapi.json` at the repository root is that output (a test fails on
//! drift). GraphQL is not in it: `/graphql` describes itself
//! (`schema.graphql`).
//!
//! What the attributes do not say is added here, once, by [`Common`]: every
//! operation can answer 414 and 431 (limits middleware) and, except the
//! probes, 503 (overload or database down); operations with a key answer
//! 401/403; operations with a body answer 413 and 415.

use app::AppError;
use std::sync::OnceLock;

use actix_web::HttpResponse;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Ref;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::server::Server;
use utoipa::{Modify, OpenApi};

use crate::http::cache::{self, Kind};
use crate::http::error::ApiError;
use responses::*;

pub mod responses;
pub mod routes;
pub mod schema;

pub use routes::registered_routes;

/// The document as a value.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    one_body_required(&mut doc);
    // The edits utoipa's types have no words for, on the JSON, in one pass.
    if let Ok(mut v) = serde_json::to_value(&doc) {
        full_and_sparse_shapes(&mut v);
        unwrap_single_one_of(&mut v);
        if let Ok(edited) = serde_json::from_value(v) {
            doc = edited;
        }
    }
    drop_unused_schemas(&mut doc);
    doc
}

/// utoipa wraps a schema in a one-member `oneOf` to give it a sibling
/// (`default`); linters flag it and some generators make a union of one.
/// The member's keywords go up a level instead (OpenAPI 3.1 allows a
/// `$ref` with siblings).
fn unwrap_single_one_of(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            if let Some(Value::Array(members)) = map.get("oneOf")
                && members.len() == 1
                && let Some(Value::Object(member)) = members.first().cloned()
            {
                map.remove("oneOf");
                for (k, val) in member {
                    map.entry(k).or_insert(val);
                }
            }
            for child in map.values_mut() {
                unwrap_single_one_of(child);
            }
        }
        Value::Array(items) => {
            for item in items {
                unwrap_single_one_of(item);
            }
        }
        _ => {}
    }
}

/// An article sends every field unless the request names some with
/// `fields=`. The document says both: `ArticleSummaryView` and
/// `ArticleView` require every field (what a client that never narrows
/// gets; nullable ones are sent as `null`), `ArticleSummarySparse` and
/// `ArticleSparse` require only `id`; the operations that take `fields`
/// answer `anyOf` the two (`ArticleListView`, `ArticlePageView`), every
/// other operation the full shape.
fn full_and_sparse_shapes(v: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let schema_ref = |name: &str| json!({ "$ref": format!("#/components/schemas/{name}") });
    let Some(schemas) = v
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    // The `*Local` display strings come only with `?locale=`.
    let require_all = |object: &mut Value| {
        let keys: Vec<Value> = object["properties"]
            .as_object()
            .map(|p| {
                p.keys()
                    .filter(|k| !k.ends_with("Local"))
                    .cloned()
                    .map(Value::from)
                    .collect()
            })
            .unwrap_or_default();
        object["required"] = Value::Array(keys);
    };
    let (Some(mut summary), Some(mut page), Some(mut list), Some(mut data)) = (
        schemas.get("ArticleSummaryView").cloned(),
        schemas.get("ArticleView").cloned(),
        schemas.get("ListView_ArticleSummaryView").cloned(),
        schemas.get("DataView_ArticleView").cloned(),
    ) else {
        return;
    };
    let mut sparse_summary = summary.clone();
    require_all(&mut summary);
    sparse_summary["required"] = json!(["id"]);
    sparse_summary["description"] =
        json!("An article in a list answered with `fields=`: `id` and the named fields.");
    // ArticleView is the summary's fields (allOf) and the page's own.
    let mut sparse_page = page.clone();
    if let Some(own) = page.pointer_mut("/allOf/1") {
        require_all(own);
    }
    sparse_page["allOf"][0] = schema_ref("ArticleSummarySparse");
    if let Some(own) = sparse_page
        .pointer_mut("/allOf/1")
        .and_then(Value::as_object_mut)
    {
        own.remove("required");
    }
    sparse_page["description"] =
        json!("An article page answered with `fields=`: `id` and the named fields.");
    // The generic wrappers inline their item: refer to the full shapes.
    list["properties"]["data"]["items"] = schema_ref("ArticleSummaryView");
    data["properties"]["data"] = schema_ref("ArticleView");
    let mut either_list = list.clone();
    either_list["properties"]["data"]["items"] =
        json!({ "anyOf": [schema_ref("ArticleSummaryView"), schema_ref("ArticleSummarySparse")] });
    let mut either_page = data.clone();
    either_page["properties"]["data"] =
        json!({ "anyOf": [schema_ref("ArticleView"), schema_ref("ArticleSparse")] });
    for (name, schema) in [
        ("ArticleSummaryView", summary),
        ("ArticleSummarySparse", sparse_summary),
        ("ArticleView", page),
        ("ArticleSparse", sparse_page),
        ("ListView_ArticleSummaryView", list),
        ("DataView_ArticleView", data),
        ("ArticleListView", either_list),
        ("ArticlePageView", either_page),
    ] {
        schemas.insert(name.to_owned(), schema);
    }
    // Operations that take `fields` answer either shape.
    if let Some(paths) = v.get_mut("paths").and_then(Value::as_object_mut) {
        for op in paths.values_mut().filter_map(|item| item.get_mut("get")) {
            let narrows = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == "fields"));
            if !narrows {
                continue;
            }
            if let Some(schema) = op.pointer_mut("/responses/200/content/application~1json/schema")
            {
                if *schema == schema_ref("ListView_ArticleSummaryView") {
                    *schema = schema_ref("ArticleListView");
                } else if *schema == schema_ref("DataView_ArticleView") {
                    *schema = schema_ref("ArticlePageView");
                }
            }
        }
    }
}

/// A new article needs exactly one of `body` and `bodyText`, as the
/// service checks: the create schema is its fields and a `oneOf` of the two
/// `required` lists (both given matches both, which `oneOf` refuses).
fn one_body_required(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, OneOfBuilder, Schema};
    let Some(schemas) = doc.components.as_mut().map(|c| &mut c.schemas) else {
        return;
    };
    let Some(RefOr::T(Schema::Object(fields))) = schemas.get("ArticleCreate").cloned() else {
        return;
    };
    // Each branch names its property's schema too: a branch with no
    // properties becomes `Record<string, never>` in openapi-typescript,
    // which no object satisfies.
    let needs = |field: &str| {
        let mut branch = ObjectBuilder::new().required(field);
        if let Some(schema) = fields.properties.get(field) {
            branch = branch.property(field, schema.clone());
        }
        branch.build()
    };
    let body = OneOfBuilder::new()
        .item(needs("body"))
        .item(needs("bodyText"));
    let description = fields.description.clone();
    let schema = AllOfBuilder::new()
        .description(description)
        .item(fields)
        .item(body);
    schemas.insert("ArticleCreate".to_owned(), RefOr::T(schema.into()));
}

/// Removes the component schemas nothing refers to. utoipa registers the
/// `T` of every `DataView<T>` body although the body inlines it; unused
/// components only make generated clients bigger (and linters warn).
fn drop_unused_schemas(doc: &mut utoipa::openapi::OpenApi) {
    loop {
        let Ok(text) = serde_json::to_string(&*doc) else {
            return;
        };
        let Some(components) = doc.components.as_mut() else {
            return;
        };
        let unused: Vec<String> = components
            .schemas
            .keys()
            .filter(|name| !text.contains(&format!("\"#/components/schemas/{name}\"")))
            .cloned()
            .collect();
        if unused.is_empty() {
            return;
        }
        for name in unused {
            components.schemas.remove(&name);
        }
    }
}

/// The document as served and checked in: pretty JSON, one final newline.
pub fn to_json() -> Result<String, serde_json::Error> {
    document().to_pretty_json().map(|mut s| {
        s.push('\n');
        s
    })
}

static DOCUMENT: OnceLock<Option<String>> = OnceLock::new();

/// The OpenAPI document of this API.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    operation_id = "openapi",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document (this one)", content_type = "application/json", body = Object),
        (status = 304, response = NotModified),
    )
)]
pub async fn handler() -> Result<HttpResponse, ApiError> {
    let Some(body) = DOCUMENT.get_or_init(|| to_json().ok()) else {
        return Err(AppError::Internal("the OpenAPI document cannot be serialised".into()).into());
    };
    let res = HttpResponse::Ok()
        .content_type("application/json")
        .body(body.clone());
    Ok(cache::keys(res, Kind::Item, vec!["openapi".to_owned()]))
}

/// Adds what every operation shares (see the module comment), the security
/// scheme and a relative server.
struct Common;

const PROBES: [&str; 2] = ["/healthz", "/metrics"];

impl Modify for Common {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        doc.servers = Some(vec![Server::new("/")]);
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "apiKey",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("barta_…")
                    .description(Some(
                        "An API key (`barta keys create`) as `Authorization: Bearer <key>`. \
                         Scopes: `partner` (ninjs, change feed) < `editor` (articles, authors, \
                         tags, collections, comments) < `admin` (sections, keys, audit log).",
                    ))
                    .build(),
            ),
        );
        let add = |responses: &mut utoipa::openapi::Responses, status: &str, name: &str| {
            responses
                .responses
                .entry(status.to_owned())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
        };
        for (path, item) in doc.paths.paths.iter_mut() {
            let operations = [
                item.get.as_mut(),
                item.put.as_mut(),
                item.post.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ];
            for op in operations.into_iter().flatten() {
                // Public operations say so (`security: []`), so a linter
                // (redocly's `security-defined`) and a client generator
                // need not guess.
                op.security.get_or_insert_with(Vec::new);
                let r = &mut op.responses;
                add(r, "414", "UriTooLong");
                add(r, "431", "HeadersTooLarge");
                if !PROBES.contains(&path.as_str()) {
                    add(r, "503", "Unavailable");
                }
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    add(r, "401", "Unauthorized");
                    add(r, "403", "Forbidden");
                }
                if op.request_body.is_some() {
                    add(r, "413", "PayloadTooLarge");
                    add(r, "415", "UnsupportedMediaType");
                }
            }
        }
    }
}

// --- the document ----------------------------------------------------------

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Barta",
        description = "A headless news content API for Bengali-language newsrooms: public JSON \
            REST under `/v1`, RSS/Atom/JSON Feed, sitemaps, IPTC ninjs and a change feed for \
            partners, and the editorial write API under `/v1/admin`. GraphQL (`/graphql`) \
            describes itself and is not in this document.\n\n\
            Every GET also answers HEAD. A method a path does not list gets `405` with `Allow`. \
            Errors are RFC 9457 `application/problem+json` (`Problem`) with a stable `code`. \
            Anonymous public GETs carry a strong `ETag` (`304` on `If-None-Match`), \
            `Cache-Control` and `Surrogate-Key`; every response carries `x-request-id`.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0"),
    ),
    paths(
        crate::rest::home::home,
        crate::rest::home::docs,
        crate::rest::home::asset,
        crate::rest::health::healthz,
        crate::rest::health::readyz,
        crate::http::metrics::handler,
        handler,
        crate::rest::articles::list,
        crate::rest::articles::item,
        crate::rest::articles::more_from_section,
        crate::rest::articles::translations,
        crate::rest::sections::tree,
        crate::rest::sections::item,
        crate::rest::sections::articles,
        crate::rest::sections::tag_articles,
        crate::rest::sections::author_articles,
        crate::rest::edition::edition,
        crate::rest::discovery::search,
        crate::rest::discovery::related,
        crate::rest::discovery::view,
        crate::rest::discovery::most_read,
        crate::rest::discovery::collections,
        crate::rest::discovery::collection,
        crate::rest::discovery::front,
        crate::rest::discovery::save_collection,
        crate::rest::discovery::delete_collection,
        crate::rest::discovery::series,
        crate::rest::discovery::series_list,
        crate::rest::discovery::save_series,
        crate::rest::discovery::delete_series,
        crate::rest::comments::list,
        crate::rest::comments::post,
        crate::rest::comments::queue,
        crate::rest::comments::get_comment,
        crate::rest::comments::delete_comment,
        crate::rest::comments::decide,
        crate::rest::comments::set_open,
        crate::rest::admin::articles::desk,
        crate::rest::admin::articles::create_article,
        crate::rest::admin::articles::upsert_by_external_id,
        crate::rest::admin::articles::preview,
        crate::rest::admin::articles::update,
        crate::rest::admin::articles::delete,
        crate::rest::admin::articles::revisions,
        crate::rest::admin::articles::revision,
        crate::rest::admin::articles::action,
        crate::rest::admin::taxonomy::create_section,
        crate::rest::admin::taxonomy::update_section,
        crate::rest::admin::taxonomy::delete_section,
        crate::rest::admin::taxonomy::create_author,
        crate::rest::admin::taxonomy::update_author,
        crate::rest::admin::taxonomy::delete_author,
        crate::rest::admin::taxonomy::create_tag,
        crate::rest::admin::taxonomy::update_tag,
        crate::rest::admin::taxonomy::delete_tag,
        crate::rest::admin::preview::create,
        crate::rest::admin::preview::list,
        crate::rest::admin::preview::revoke,
        crate::rest::admin::packages::picks,
        crate::rest::admin::packages::set_picks,
        crate::rest::preview::preview,
        crate::rest::directory::authors,
        crate::rest::directory::author,
        crate::rest::directory::tags,
        crate::rest::directory::tag,
        crate::rest::admin::audit::audit,
        crate::rest::admin::audit::keys,
        crate::rest::live::posts,
        crate::rest::live::stream,
        crate::rest::stream::site_stream,
        crate::rest::live::create_post,
        crate::rest::images::upload_image,
        crate::rest::images::get_image,
        crate::rest::images::update_image,
        crate::rest::images::image_rendition,
        crate::rest::images::image_crop,
        crate::rest::live::update_post,
        crate::rest::live::delete_post,
        crate::rest::admin::webhooks::create,
        crate::rest::admin::webhooks::list,
        crate::rest::admin::webhooks::get,
        crate::rest::admin::webhooks::update,
        crate::rest::admin::webhooks::delete,
        crate::rest::admin::webhooks::rotate,
        crate::rest::admin::webhooks::ping,
        crate::rest::admin::webhooks::deliveries,
        crate::rest::admin::webhooks::redeliver,
        crate::feeds::site_rss,
        crate::feeds::site_atom,
        crate::feeds::site_json,
        crate::feeds::section_rss,
        crate::feeds::section_atom,
        crate::feeds::section_json,
        crate::feeds::tag_rss,
        crate::feeds::tag_atom,
        crate::feeds::tag_json,
        crate::feeds::series_rss,
        crate::feeds::series_atom,
        crate::feeds::series_json,
        crate::feeds::sitemap::index,
        crate::feeds::sitemap::sections,
        crate::feeds::sitemap::news,
        crate::feeds::sitemap::articles,
        crate::feeds::ninjs::list,
        crate::feeds::ninjs::item,
        crate::feeds::changes::changes,
    ),
    components(
        schemas(
            crate::http::error::Problem,
            crate::http::error::FieldError,
            crate::feeds::Flag,
            crate::rest::edition::CalendarRule,
            crate::rest::discovery::MostReadWindow,
            crate::http::params::SearchSort,
            crate::rest::admin::articles::ArticleAction,
            crate::rest::comments::CommentAction,
            schema::CommentStatus,
            schema::ArticleStatus,
            schema::CorrectionKind,
        ),
        responses(
            NotModified, BadRequest, Unauthorized, Forbidden, NotFound, Conflict,
            PreconditionFailed, PayloadTooLarge, UnsupportedMediaType, UriTooLong, Unprocessable, TooManyRequests,
            HeadersTooLarge, Unavailable,
        ),
    ),
    modifiers(&Common),
    tags(
        (name = "articles", description = "Public articles, sections, tags and authors"),
        (name = "discovery", description = "Search, related, most read, collections, the front"),
        (name = "comments", description = "Readers' comments"),
        (name = "feeds", description = "RSS 2.0, Atom 1.0, JSON Feed 1.1 and sitemaps"),
        (name = "partners", description = "IPTC ninjs 3.1 and the change feed (partner key, quotas)"),
        (name = "admin", description = "The editorial write API (editor or admin key)"),
        (name = "moderation", description = "Comment moderation (editor key)"),
        (name = "live", description = "Live pages: posts of a live article and their event stream"),
        (name = "images", description = "Uploaded pictures and their renditions (an allow-list of widths and crops, cached for a year)"),
        (name = "webhooks", description = "Signed outbound notifications of changes (admin key); see the README for the events, the payload and how to verify a signature"),
        (name = "operations", description = "Probes, metrics and this document"),
    ),
)]
struct ApiDoc;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::fields::{ARTICLE_ONLY_FIELDS, SUMMARY_FIELDS};

    fn sorted(names: Vec<&str>) -> Vec<String> {
        let mut v: Vec<String> = names.into_iter().map(str::to_owned).collect();
        v.sort();
        v
    }

    /// Every field an article page knows, sorted.
    fn article_fields() -> Vec<String> {
        sorted(
            SUMMARY_FIELDS
                .iter()
                .chain(ARTICLE_ONLY_FIELDS)
                .copied()
                .collect(),
        )
    }

    /// The names a client may ask for are the properties of the documented
    /// schemas: a field added to a view must be added here too.
    #[test]
    fn the_known_names_are_the_schema_properties() {
        let doc = serde_json::to_value(document()).unwrap_or_default();
        let props = |schema: &str| {
            let mut names: Vec<String> = doc["components"]["schemas"][schema]["properties"]
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            names.sort();
            names
        };
        assert_eq!(props("ArticleSummaryView"), sorted(SUMMARY_FIELDS.to_vec()));
        // ArticleView flattens the summary: allOf [$ref summary, own fields].
        let mut article_props: Vec<String> = doc["components"]["schemas"]["ArticleView"]["allOf"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|part| match part["$ref"].as_str() {
                Some(r) => props(r.trim_start_matches("#/components/schemas/")),
                None => part["properties"]
                    .as_object()
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default(),
            })
            .collect();
        article_props.sort();
        assert_eq!(article_props, article_fields());
    }

    /// The documented `fields` patterns name exactly the known fields.
    #[test]
    fn the_fields_patterns_name_the_known_fields() {
        let doc = serde_json::to_value(document()).unwrap_or_default();
        let pattern = |path: &str| {
            doc["paths"][path]["get"]["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["name"] == "fields")
                .and_then(|p| p["schema"]["pattern"].as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let alternatives = |pattern: &str| {
            let inner = pattern
                .strip_prefix("^(?:")
                .and_then(|p| p.split_once(')'))
                .map(|(names, _)| names.to_owned())
                .unwrap_or_default();
            let mut names: Vec<String> = inner.split('|').map(str::to_owned).collect();
            names.sort();
            names
        };
        for path in [
            "/v1/articles",
            "/v1/sections/{slug}/articles",
            "/v1/tags/{slug}/articles",
            "/v1/authors/{slug}/articles",
        ] {
            assert_eq!(
                alternatives(&pattern(path)),
                sorted(SUMMARY_FIELDS.to_vec()),
                "{path}"
            );
        }
        assert_eq!(
            alternatives(&pattern("/v1/articles/{id_or_slug}")),
            article_fields()
        );
    }
}
