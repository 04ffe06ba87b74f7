//! `GET /`: where a newcomer starts. A small page for browsers, the same
//! links as JSON for `Accept: application/json`; no database, no assets
//! from the network.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

/// The entry points: path and what is there.
const LINKS: [(&str, &str, &str); 10] = [
    (
        "graphql",
        "/graphql",
        "GraphQL endpoint; GraphiQL in a browser",
    ),
    (
        "openapi",
        "/openapi.json",
        "OpenAPI 3.1 document of the REST API",
    ),
    (
        "reference",
        "/docs",
        "API reference of the REST API (Redoc, served by this server)",
    ),
    (
        "front",
        "/v1/front",
        "The front page: editors' collections and the latest",
    ),
    (
        "articles",
        "/v1/articles",
        "Latest public articles (keyset pages)",
    ),
    (
        "search",
        "/v1/search?q=%E0%A6%A2%E0%A6%BE%E0%A6%95%E0%A6%BE",
        "Bengali search",
    ),
    (
        "rss",
        "/feeds/rss.xml",
        "RSS 2.0 (also /feeds/atom.xml, /feeds/feed.json)",
    ),
    (
        "sitemap",
        "/sitemap.xml",
        "Sitemap index (Google News: /sitemaps/news.xml)",
    ),
    (
        "changes",
        "/v1/changes",
        "Change feed for partners (key with the partner scope)",
    ),
    (
        "health",
        "/healthz",
        "Liveness (/readyz: the database answers)",
    ),
];

/// The API's entry points.
///
/// HTML for browsers; JSON (`{"name", "links": {name: {href, title}}}`)
/// when the client accepts `application/json` before `text/html`.
#[utoipa::path(
    get,
    path = "/",
    tag = "operations",
    responses(
        (status = 200, description = "The entry points", content_type = "application/json", body = Object,
            example = json!({"name": "Barta", "links": {"graphql": {"href": "/graphql", "title": "GraphQL endpoint; GraphiQL in a browser"}}})),
        (status = 200, description = "The same as a page", content_type = "text/html", body = String)
    )
)]
pub async fn home(req: HttpRequest) -> HttpResponse {
    let mut res = if wants_json(&req) {
        let links: serde_json::Map<String, serde_json::Value> = LINKS
            .iter()
            .map(|(name, href, title)| ((*name).to_owned(), json!({"href": href, "title": title})))
            .collect();
        HttpResponse::Ok().json(json!({
            "name": "Barta",
            "description": "A headless news content API for Bengali-language newsrooms",
            "links": links,
        }))
    } else {
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(PAGE.as_str())
    };
    let headers = res.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    res
}

/// The REST API reference: Redoc over `/openapi.json`, from the assets the
/// binary carries.
#[utoipa::path(
    get,
    path = "/docs",
    tag = "operations",
    responses((status = 200, description = "The API reference page", content_type = "text/html", body = String))
)]
pub async fn docs() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(DOCS.as_str())
}

static DOCS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Barta REST API reference</title>
<style>body{{margin:0}}</style>
</head>
<body>
<div id="redoc">Loading the API reference…</div>
<script src="{}"></script>
<script>
Redoc.init("/openapi.json", {{ disableGoogleFont: true, expandResponses: "200" }}, document.getElementById("redoc"));
</script>
</body>
</html>
"#,
        crate::http::assets::REDOC_JS
    )
});

/// `GET /assets/{name}`: a file GraphiQL or the API reference loads.
#[utoipa::path(
    get,
    path = "/assets/{name}",
    tag = "operations",
    params(("name" = String, Path, description = "A file name with its version, e.g. `graphiql-4.1.2.min.js`")),
    responses(
        (status = 200, description = "The file (JavaScript, CSS or a licence), cacheable for a year", content_type = "text/javascript", body = String),
        (status = 404, response = crate::openapi::responses::NotFound)
    )
)]
pub async fn asset(
    req: HttpRequest,
    name: actix_web::web::Path<String>,
) -> Result<HttpResponse, crate::http::error::ApiError> {
    crate::http::assets::answer(&req, &name)
        .ok_or_else(|| app::AppError::not_found(format!("no asset {:?}", name.as_str())).into())
}

/// `application/json` ranked before `text/html` (or alone).
fn wants_json(req: &HttpRequest) -> bool {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match (accept.find("application/json"), accept.find("text/html")) {
        (Some(_), None) => true,
        (Some(j), Some(h)) => j < h,
        _ => false,
    }
}

/// The page, made once.
static PAGE: std::sync::LazyLock<String> = std::sync::LazyLock::new(page);

fn page() -> String {
    let items: String = LINKS
        .iter()
        .map(|(_, href, title)| {
            format!(
                "<li><a href=\"{href}\"><code>{}</code></a> — {title}</li>\n",
                href.split('?').next().unwrap_or(href)
            )
        })
        .collect();
    format!(
        r#"<!doctype html>
<html lang="bn">
<head><meta charset="utf-8">
<link rel="icon" href="data:,"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>বার্তা · Barta API</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}}code{{background:#f3f3f3;padding:0 .2em}}</style>
</head>
<body>
<h1>বার্তা <small>Barta</small></h1>
<p>A headless news content API for Bengali-language newsrooms: GraphQL, JSON, feeds.</p>
<ul>
{items}</ul>
<p>Editorial writes need an API key: <code>Authorization: Bearer barta_…</code>
(<code>barta keys create --name NAME --scope editor</code>).</p>
</body>
</html>
"#
    )
}

#[cfg(test)]
mod tests {
    use crate::rest::home::wants_json;
    use actix_web::test::TestRequest;

    #[test]
    fn json_only_when_ranked_before_html() {
        let req = |accept: &str| {
            TestRequest::default()
                .insert_header(("accept", accept))
                .to_http_request()
        };
        assert!(wants_json(&req("application/json")));
        assert!(wants_json(&req("application/json, text/html;q=0.5")));
        assert!(!wants_json(&req(
            "text/html,application/xhtml+xml,application/json;q=0.9"
        )));
        assert!(!wants_json(&req("*/*")));
    }
}
