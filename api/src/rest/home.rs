//! `GET /`: where a newcomer starts. A small page for browsers, the same
//! links as JSON for `Accept: application/json`; no database, no assets
//! from the network.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

/// The entry points: path and what is there.
const LINKS: [(&str, &str, &str); 9] = [
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
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
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
