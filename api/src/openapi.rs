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
//! 401/403; operations with a body answer 413.

use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock};

use actix_web::HttpResponse;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Ref, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::server::Server;
use utoipa::openapi::{Content, RefOr};
use utoipa::{Modify, OpenApi};

use crate::cache::{self, Kind};
use crate::error::{ApiError, PROBLEM_JSON};

/// The document as a value.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
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
        return Err(ApiError::Internal(
            "the OpenAPI document cannot be serialised".into(),
        ));
    };
    let res = HttpResponse::Ok()
        .content_type("application/json")
        .body(body.clone());
    Ok(cache::keys(res, Kind::Item, vec!["openapi".to_owned()]))
}

// --- the route log ---------------------------------------------------------

static ROUTES: Mutex<BTreeSet<(String, String)>> = Mutex::new(BTreeSet::new());

/// Notes a route as it is registered (`path` in actix syntax, methods as in
/// an `Allow` header), so a test can hold the document against what the
/// server really serves.
pub fn log_route(path: &str, allow: &str) {
    if let Ok(mut routes) = ROUTES.lock() {
        for method in allow.split(',').map(str::trim).filter(|m| *m != "HEAD") {
            routes.insert((path.to_owned(), method.to_ascii_lowercase()));
        }
    }
}

/// Every (path, method) registered so far in this process (HEAD aside: it
/// answers wherever GET does).
pub fn registered_routes() -> BTreeSet<(String, String)> {
    ROUTES.lock().map(|r| r.clone()).unwrap_or_default()
}

// --- shared responses ------------------------------------------------------

fn string_header(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some(description))
        .build()
}

fn integer_header(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        )
        .description(Some(description))
        .build()
}

fn problem(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        PROBLEM_JSON,
        Content::new(Some(Ref::from_schema_name("Problem"))),
    )
}

macro_rules! responses {
    ($($name:ident => $build:expr;)*) => {$(
        pub struct $name;
        impl<'r> utoipa::ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (stringify!($name), RefOr::T($build))
            }
        }
    )*};
}

responses! {
    NotModified => ResponseBuilder::new()
        .description("Not modified: the `If-None-Match` (or `If-Modified-Since`) validator still matches; no body")
        .header("ETag", string_header("The current strong entity tag"))
        .header("Cache-Control", string_header("The same caching rules as the 200"))
        .build();
    BadRequest => problem("Invalid parameters: every bad one is listed in `errors`").build();
    Unauthorized => problem("No valid API key: send `Authorization: Bearer barta_…`")
        .header("WWW-Authenticate", string_header("`Bearer realm=\"barta\"`"))
        .build();
    Forbidden => problem("The key's scope does not allow this").build();
    NotFound => problem("No such resource").build();
    Conflict => problem("Someone else holds the value (`field` names it), or the thing is still in use").build();
    PreconditionFailed => problem("`If-Match` (or `expectedVersion`) names a version that is no longer current").build();
    PayloadTooLarge => problem("The request body exceeds 2 MiB").build();
    UriTooLong => problem("The request target exceeds 8 KiB").build();
    Unprocessable => problem("A well-formed body whose fields break the rules: every bad one is listed in `errors`").build();
    TooManyRequests => problem("A rate limit is reached")
        .header("Retry-After", integer_header("Seconds to wait"))
        .build();
    HeadersTooLarge => problem("The request headers exceed 32 KiB").build();
    Unavailable => problem("Overloaded (too many requests in flight) or the database is unreachable; retry")
        .header("Retry-After", integer_header("Seconds to wait"))
        .build();
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
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(
        crate::rest::health::healthz,
        crate::rest::health::readyz,
        crate::metrics::handler,
        handler,
        crate::rest::articles::list,
        crate::rest::articles::item,
        crate::rest::articles::more_from_section,
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
        crate::rest::comments::list,
        crate::rest::comments::post,
        crate::rest::comments::queue,
        crate::rest::comments::get_comment,
        crate::rest::comments::delete_comment,
        crate::rest::comments::decide,
        crate::rest::comments::set_open,
        crate::rest::admin::desk,
        crate::rest::admin::create_article,
        crate::rest::admin::upsert_by_external_id,
        crate::rest::admin::preview,
        crate::rest::admin::update,
        crate::rest::admin::delete,
        crate::rest::admin::revisions,
        crate::rest::admin::revision,
        crate::rest::admin::action,
        crate::rest::admin::create_section,
        crate::rest::admin::update_section,
        crate::rest::admin::delete_section,
        crate::rest::admin::create_author,
        crate::rest::admin::update_author,
        crate::rest::admin::delete_author,
        crate::rest::admin::create_tag,
        crate::rest::admin::update_tag,
        crate::rest::admin::delete_tag,
        crate::rest::admin::audit,
        crate::rest::admin::keys,
        crate::feeds::site_rss,
        crate::feeds::site_atom,
        crate::feeds::site_json,
        crate::feeds::section_rss,
        crate::feeds::section_atom,
        crate::feeds::section_json,
        crate::feeds::tag_rss,
        crate::feeds::tag_atom,
        crate::feeds::tag_json,
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
            crate::error::Problem,
            crate::error::FieldError,
            crate::feeds::Flag,
            crate::rest::edition::CalendarRule,
            crate::rest::discovery::MostReadWindow,
            crate::discovery::SearchSort,
            crate::rest::admin::ArticleAction,
            crate::rest::comments::CommentAction,
            schema::CommentStatus,
            schema::ArticleStatus,
            schema::CorrectionKind,
        ),
        responses(
            NotModified, BadRequest, Unauthorized, Forbidden, NotFound, Conflict,
            PreconditionFailed, PayloadTooLarge, UriTooLong, Unprocessable, TooManyRequests,
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
        (name = "operations", description = "Probes, metrics and this document"),
    ),
)]
struct ApiDoc;

/// Schemas of types that live in `domain` (which knows nothing of OpenAPI):
/// the same shapes, kept here. The snapshot test and schemathesis' response
/// checks catch a drift.
#[allow(dead_code)]
pub mod schema {
    use serde::Serialize;
    use utoipa::ToSchema;

    /// A picture with what a page needs to show and credit it.
    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Image {
        /// Absolute http(s) URL.
        pub url: String,
        pub alt: Option<String>,
        pub caption: Option<String>,
        pub credit: Option<String>,
        pub width: Option<u32>,
        pub height: Option<u32>,
    }

    /// One block of an article body.
    #[derive(Serialize, ToSchema)]
    #[serde(tag = "type", rename_all = "camelCase")]
    pub enum Block {
        Paragraph {
            text: String,
        },
        Heading {
            text: String,
            /// 2 to 4 (default 2).
            #[serde(default)]
            #[schema(minimum = 2, maximum = 4)]
            level: u8,
        },
        Quote {
            text: String,
            cite: Option<String>,
        },
        Image {
            image: Image,
        },
        List {
            #[serde(default)]
            ordered: bool,
            items: Vec<String>,
        },
        Embed {
            provider: String,
            url: String,
            title: Option<String>,
        },
    }

    /// A body as plain text (paragraphs split on blank lines) or as blocks.
    #[derive(Serialize, ToSchema)]
    #[serde(untagged)]
    pub enum BodyInput {
        Text(String),
        Blocks(Vec<Block>),
    }

    /// A byline or tag given by name, or as `{slug, name}`.
    #[derive(Serialize, ToSchema)]
    #[serde(untagged)]
    pub enum NamedRef {
        Name(String),
        Object {
            slug: Option<String>,
            name: Option<String>,
        },
    }

    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum ArticleStatus {
        Draft,
        Scheduled,
        Published,
        Unpublished,
    }

    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum CommentStatus {
        Pending,
        Approved,
        Rejected,
    }

    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum Scope {
        Partner,
        Editor,
        Admin,
    }

    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum CorrectionKind {
        Correction,
        Clarification,
        Update,
    }
}
