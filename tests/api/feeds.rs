//! Feeds, sitemaps, ninjs and the change feed, read the way partners read
//! them: every feed through a real parser (feed-rs), ninjs against IPTC's
//! schema, and the no-leak matrix extended to every syndication surface.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use domain::Scope;
use domain::block::body_html;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both;

on_both!(
    feeds_and_sitemaps_name_their_content_for_cdn_purges,
    feeds_parse_and_match_the_database,
    section_and_tag_feeds_are_the_rest_lists,
    feeds_and_sitemaps_answer_conditional_requests,
    sitemaps_list_every_public_article_once,
    ninjs_is_valid_against_the_iptc_schema,
    partner_routes_need_a_key_and_keep_to_its_quota,
    change_feed_resumes_and_reports_takedowns,
    hidden_articles_appear_in_no_syndication_until_their_time,
    bad_feed_parameters_are_problems,
);

/// The public base URL of the test server's settings (the default).
const BASE: &str = api::config::DEFAULT_PUBLIC_URL;

const FEEDS: [(&str, &str); 3] = [
    ("rss.xml", "application/rss+xml; charset=utf-8"),
    ("atom.xml", "application/atom+xml; charset=utf-8"),
    ("feed.json", "application/feed+json; charset=utf-8"),
];

/// A public URL from a document, as a path on the test server.
fn local(url: &str) -> String {
    url.strip_prefix(BASE)
        .unwrap_or_else(|| panic!("{url} is not under {BASE}"))
        .to_owned()
}

fn article_id(tag_uri: &str) -> i64 {
    tag_uri
        .rsplit_once("article/")
        .and_then(|(_, id)| id.parse().ok())
        .unwrap_or_else(|| panic!("not an article tag URI: {tag_uri}"))
}

async fn fetch(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("request")
}

async fn body(app: &TestApp, path: &str) -> (HeaderMap, String) {
    let res = fetch(app, path, &[]).await;
    assert_eq!(res.status().as_u16(), 200, "GET {path}");
    let headers = res.headers().clone();
    (headers, res.text().await.unwrap())
}

async fn parse_feed(app: &TestApp, path: &str) -> feed_rs::model::Feed {
    let (_, text) = body(app, path).await;
    feed_rs::parser::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{path}: {e}\n{text}"))
}

/// The article ids of a feed, in order.
async fn feed_ids(app: &TestApp, path: &str) -> Vec<i64> {
    parse_feed(app, path)
        .await
        .entries
        .iter()
        .map(|e| article_id(&e.id))
        .collect()
}

async fn feeds_parse_and_match_the_database(app: &TestApp) {
    for (file, media_type) in FEEDS {
        for full in [false, true] {
            let path = format!("/feeds/{file}{}", if full { "?full=1" } else { "" });
            let (headers, text) = body(app, &path).await;
            assert_eq!(headers["content-type"], media_type, "{path}");
            let feed = feed_rs::parser::parse(text.as_bytes()).unwrap();
            assert_eq!(feed.language.as_deref(), Some("bn"), "{path}");
            let ids: Vec<i64> = feed.entries.iter().map(|e| article_id(&e.id)).collect();
            assert_eq!(ids, app.ids.public, "{path}: newest first, public only");
            for entry in &feed.entries {
                let id = article_id(&entry.id);
                let stored = app.repo.article_by_id(id).await.unwrap().unwrap();
                let s = &stored.summary;
                // Bengali text byte for byte.
                assert_eq!(entry.title.as_ref().unwrap().content, s.headline, "{path}");
                let published = s.published_at.unwrap();
                assert_eq!(
                    entry.published.unwrap().timestamp(),
                    published.timestamp(),
                    "{path}: {id}"
                );
                let link = &entry.links[0].href;
                assert!(
                    link.starts_with(BASE) && link.ends_with(&format!("/{id}")),
                    "{link}"
                );
                if full {
                    let content = entry.content.as_ref().and_then(|c| c.body.clone());
                    assert_eq!(content.unwrap(), body_html(&stored.body), "{path}: {id}");
                } else {
                    assert!(entry.content.is_none() || file == "feed.json", "{path}");
                }
                let names: Vec<&str> = entry
                    .authors
                    .iter()
                    .filter_map(|p| p.name.as_deref())
                    .collect();
                if id == app.ids.public[1] {
                    assert_eq!(names, ["করিমা খাতুন", "রহিম উদ্দিন"], "{path}: byline order");
                }
                if id == app.ids.public[2] {
                    assert!(names.contains(&"অনলাইন ডেস্ক"), "{path}: the desk");
                }
            }
        }
    }
    // RSS specifics, on the raw XML.
    let (_, rss) = body(app, "/feeds/rss.xml?full=1").await;
    assert!(rss.contains(&format!(
        r#"<atom:link href="{BASE}/feeds/rss.xml?full=1" rel="self" type="application/rss+xml"/>"#
    )));
    assert!(rss.contains("<language>bn</language>"));
    assert!(rss.contains("<dc:creator>রহিম উদ্দিন</dc:creator>"));
    assert!(rss.contains(r#"<guid isPermaLink="false">tag:127.0.0.1,2026:article/"#));
    assert!(rss.contains("<content:encoded>&lt;p&gt;"), "escaped HTML");
    let p1 = app
        .repo
        .article_by_id(app.ids.public[0])
        .await
        .unwrap()
        .unwrap();
    let rfc822 = p1
        .summary
        .published_at
        .unwrap()
        .format("%a, %d %b %Y %H:%M:%S +0000")
        .to_string();
    assert!(
        rss.contains(&format!("<pubDate>{rfc822}</pubDate>")),
        "{rss}"
    );
    assert!(rss.contains(
        r#"<enclosure url="https://images.example/p1.jpg" length="0" type="image/jpeg"/>"#
    ));
    // Atom: RFC 3339 dates, tag: ids, a self link, xml:lang.
    let (_, atom) = body(app, "/feeds/atom.xml").await;
    assert!(atom.contains(r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="bn">"#));
    assert!(atom.contains("<id>tag:127.0.0.1,2026:feed/site</id>"));
    assert!(atom.contains(&format!(
        r#"rel="self" type="application/atom+xml" href="{BASE}/feeds/atom.xml""#
    )));
    // The picture travels in Atom too, as an enclosure link.
    assert!(
        atom.contains(
            r#"<link rel="enclosure" type="image/jpeg" href="https://images.example/p1.jpg"/>"#
        ),
        "{atom}"
    );
    // JSON Feed: the 1.1 fields, and next_url pages through everything.
    let doc = app.get_json("/feeds/feed.json?limit=2&full=1", 200).await;
    assert_eq!(doc["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(doc["language"], "bn");
    assert_eq!(doc["authors"][0]["name"], "Barta");
    assert_eq!(
        doc["feed_url"],
        format!("{BASE}/feeds/feed.json?limit=2&full=1")
    );
    let item = &doc["items"][0];
    assert_eq!(item["content_text"], domain::block::body_text(&p1.body));
    assert_eq!(item["summary"], p1.summary.summary.clone().unwrap());
    assert_eq!(item["tags"], json!(["জাতীয়", "বাজেট"]));
    let mut ids = Vec::new();
    let mut page = doc;
    loop {
        for item in page["items"].as_array().unwrap() {
            ids.push(article_id(item["id"].as_str().unwrap()));
        }
        match page["next_url"].as_str() {
            Some(next) => page = app.get_json(&local(next), 200).await,
            None => break,
        }
    }
    assert_eq!(
        ids, app.ids.public,
        "next_url pages are stable and complete"
    );
}

async fn section_and_tag_feeds_are_the_rest_lists(app: &TestApp) {
    for (feed, list) in [
        ("/feeds/sections/sports", "/v1/sections/sports/articles"),
        ("/feeds/sections/national", "/v1/sections/national/articles"),
        ("/feeds/sections/cricket", "/v1/sections/cricket/articles"),
        ("/feeds/tags/budget", "/v1/tags/budget/articles"),
        ("/feeds/tags/series", "/v1/tags/series/articles"),
    ] {
        let expected = app.list_ids(list).await;
        assert!(!expected.is_empty(), "{list}");
        for (file, _) in FEEDS {
            assert_eq!(
                feed_ids(app, &format!("{feed}/{file}")).await,
                expected,
                "{feed}/{file}"
            );
        }
    }
    // Sub-sections are included: sports holds its cricket articles.
    let sports = feed_ids(app, "/feeds/sections/sports/atom.xml").await;
    assert!(sports.contains(&app.ids.public[1]) && sports.contains(&app.ids.public[2]));
    // A Bengali slug, percent-encoded in the path.
    let bengali = "/feeds/sections/%E0%A6%9C%E0%A6%BE%E0%A6%A4%E0%A7%80%E0%A6%AF%E0%A6%BC-%E0%A6%B8%E0%A6%82%E0%A6%AC%E0%A6%BE%E0%A6%A6/rss.xml";
    let feed = parse_feed(app, bengali).await;
    assert_eq!(feed.title.unwrap().content, "জাতীয় সংবাদ — Barta");
    assert_eq!(
        feed.entries
            .iter()
            .map(|e| article_id(&e.id))
            .collect::<Vec<_>>(),
        [app.ids.public[3]]
    );
    for missing in [
        "/feeds/sections/nope/rss.xml",
        "/feeds/tags/nope/feed.json",
        "/sitemaps/articles-99.xml",
        "/sitemaps/articles-0.xml",
        "/sitemaps/articles-x.xml",
    ] {
        let res = fetch(app, missing, &[]).await;
        assert_eq!(res.status().as_u16(), 404, "{missing}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
}

async fn feeds_and_sitemaps_answer_conditional_requests(app: &TestApp) {
    for path in [
        "/feeds/rss.xml",
        "/feeds/atom.xml?full=1",
        "/feeds/feed.json",
        "/feeds/sections/sports/rss.xml",
        "/feeds/tags/budget/atom.xml",
        "/sitemap.xml",
        "/sitemaps/articles-1.xml",
        "/sitemaps/sections.xml",
        "/sitemaps/news.xml",
    ] {
        let res = fetch(app, path, &[]).await;
        assert_eq!(res.status().as_u16(), 200, "{path}");
        let h = res.headers().clone();
        let etag = h["etag"].to_str().unwrap().to_owned();
        assert!(
            etag.starts_with('"') && !etag.starts_with("W/"),
            "strong: {etag}"
        );
        assert_eq!(
            h["cache-control"], "public, max-age=60, stale-while-revalidate=300",
            "{path}"
        );
        let last_modified = h["last-modified"].to_str().unwrap().to_owned();
        assert!(DateTime::parse_from_rfc2822(&last_modified).is_ok());
        let again = fetch(app, path, &[]).await;
        assert_eq!(again.headers()["etag"], etag.as_str(), "{path}: stable");
        let not_modified = fetch(app, path, &[("if-none-match", &etag)]).await;
        assert_eq!(not_modified.status().as_u16(), 304, "{path}");
        assert_eq!(not_modified.headers()["etag"], etag.as_str());
        assert_eq!(not_modified.headers()["cache-control"], h["cache-control"]);
        assert!(
            not_modified.bytes().await.unwrap().is_empty(),
            "{path}: no body"
        );
        let listed = format!("\"nope\", {etag}");
        assert_eq!(
            fetch(app, path, &[("if-none-match", &listed)])
                .await
                .status(),
            304
        );
        let other = fetch(app, path, &[("if-none-match", "\"nope\"")]).await;
        assert_eq!(other.status().as_u16(), 200, "{path}");
        let since = fetch(app, path, &[("if-modified-since", &last_modified)]).await;
        assert_eq!(since.status().as_u16(), 304, "{path}: If-Modified-Since");
        let head = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(head.status().as_u16(), 200);
        assert_eq!(head.headers()["etag"], etag.as_str());
    }
    // A change makes a new ETag.
    let before = fetch(app, "/feeds/rss.xml", &[]).await.headers()["etag"].clone();
    let key = app.key(Scope::Editor).await;
    let res = app
        .with_key(
            Method::PATCH,
            &format!("/v1/admin/articles/{}", app.ids.public[0]),
            &key,
        )
        .json(&json!({"headline": "বাজেট ঘোষণা আজ সন্ধ্যায়"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let res = fetch(
        app,
        "/feeds/rss.xml",
        &[("if-none-match", before.to_str().unwrap())],
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.text().await.unwrap().contains("বাজেট ঘোষণা আজ সন্ধ্যায়"));
}

async fn sitemaps_list_every_public_article_once(app: &TestApp) {
    let (headers, index) = body(app, "/sitemap.xml").await;
    assert_eq!(headers["content-type"], "application/xml; charset=utf-8");
    let locs = xml_texts(&index, "loc");
    assert_eq!(
        locs,
        [
            format!("{BASE}/sitemaps/sections.xml"),
            format!("{BASE}/sitemaps/news.xml"),
            format!("{BASE}/sitemaps/articles-1.xml"),
        ]
    );
    let (_, articles) = body(app, "/sitemaps/articles-1.xml").await;
    let urls = xml_texts(&articles, "loc");
    let mut ids: Vec<i64> = urls
        .iter()
        .map(|u| u.rsplit('/').next().unwrap().parse().unwrap())
        .collect();
    let mut public = app.ids.public.clone();
    public.sort();
    ids.sort();
    assert_eq!(ids, public);
    assert!(urls.contains(&format!("{BASE}/cricket/{}", app.ids.public[1])));
    assert_eq!(xml_texts(&articles, "lastmod").len(), public.len());
    // Bigger sites split by id range: at most `size` ids per sitemap.
    let buckets = app.repo.sitemap_buckets(2, Utc::now()).await.unwrap();
    assert_eq!(buckets.iter().map(|b| b.count).sum::<i64>(), 5);
    assert!(
        buckets
            .iter()
            .all(|b| b.count <= 2 && b.last_modified.is_some())
    );
    for b in &buckets {
        let first = (b.n - 1) * 2 + 1;
        let entries = app
            .repo
            .sitemap_entries(first, b.n * 2, Utc::now())
            .await
            .unwrap();
        assert_eq!(entries.len() as i64, b.count);
    }
    // Sections: every section page.
    let (_, sections) = body(app, "/sitemaps/sections.xml").await;
    let locs = xml_texts(&sections, "loc");
    assert!(locs.contains(&format!("{BASE}/sports")));
    assert!(locs.contains(&format!(
        "{BASE}/%E0%A6%9C%E0%A6%BE%E0%A6%A4%E0%A7%80%E0%A6%AF%E0%A6%BC-%E0%A6%B8%E0%A6%82%E0%A6%AC%E0%A6%BE%E0%A6%A6"
    )));
    // Google News: the last 48 hours, newest first, with the publication.
    let (_, news) = body(app, "/sitemaps/news.xml").await;
    assert!(news.contains(r#"xmlns:news="http://www.google.com/schemas/sitemap-news/0.9""#));
    assert_eq!(xml_texts(&news, "news:name"), vec!["Barta"; 5]);
    assert_eq!(xml_texts(&news, "news:language"), vec!["bn"; 5]);
    let titles = xml_texts(&news, "news:title");
    assert_eq!(titles[0], "বাজেট ঘোষণা আজ");
    let dates = xml_texts(&news, "news:publication_date");
    let p1 = app
        .repo
        .article_by_id(app.ids.public[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        DateTime::parse_from_rfc3339(&dates[0]).unwrap().timestamp(),
        p1.summary.published_at.unwrap().timestamp()
    );
    // Two days later they have left the news sitemap, not the others.
    app.advance_clock(Duration::hours(54));
    let (_, news) = body(app, "/sitemaps/news.xml").await;
    let titles = xml_texts(&news, "news:title");
    assert!(!titles.contains(&"বাজেট ঘোষণা আজ".to_owned()), "{titles:?}");
    let (_, articles) = body(app, "/sitemaps/articles-1.xml").await;
    assert!(xml_texts(&articles, "loc").len() >= 5);
}

/// The text of every `<name>` element (namespace prefix included).
fn xml_texts(xml: &str, name: &str) -> Vec<String> {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut inside = false;
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) if e.name().as_ref() == name => inside = true,
            Event::Text(t) if inside => out.push(t.xml10_content().into_owned()),
            Event::GeneralRef(r) if inside => {
                let last: &mut String = out.last_mut().unwrap();
                last.push_str(&format!("&{};", r.xml10_content()));
            }
            Event::End(e) if e.name().as_ref() == name => inside = false,
            Event::Eof => return out,
            _ => {}
        }
    }
}

pub(crate) fn ninjs_validator() -> jsonschema::Validator {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/ninjs");
    let load = |f: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/{f}")).unwrap()).unwrap()
    };
    let schema = load("ninjs-schema_3.1.json");
    let registry = Box::leak(Box::new(
        jsonschema::Registry::new()
            .add(
                "https://geojson.org/schema/GeoJSON.json",
                load("GeoJSON-schema.json"),
            )
            .unwrap()
            .prepare()
            .unwrap(),
    ));
    jsonschema::options()
        .with_registry(registry)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

pub(crate) fn assert_ninjs(validator: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "ninjs invalid: {errors:#?}\n{doc:#}");
}

pub(crate) async fn partner_get(
    app: &TestApp,
    path: &str,
    key: &str,
    status: u16,
) -> (HeaderMap, Value) {
    let res = app.with_key(Method::GET, path, key).send().await.unwrap();
    assert_eq!(res.status().as_u16(), status, "GET {path}");
    let headers = res.headers().clone();
    (headers, res.json().await.unwrap())
}

async fn ninjs_is_valid_against_the_iptc_schema(app: &TestApp) {
    let validator = ninjs_validator();
    // The validator really checks: a relative uri and a bad type fail.
    assert!(!validator.is_valid(&json!({"uri": "article/1"})));
    assert!(!validator.is_valid(&json!({"uri": "tag:x,2026:a", "type": "article"})));
    let key = app.key(Scope::Partner).await;
    let p1 = app.ids.public[0];
    let (headers, doc) = partner_get(app, &format!("/v1/ninjs/articles/{p1}"), &key, 200).await;
    assert_eq!(headers["content-type"], "application/json; charset=utf-8");
    assert!(headers.contains_key("etag"));
    assert_ninjs(&validator, &doc);
    let stored = app.repo.article_by_id(p1).await.unwrap().unwrap();
    assert_eq!(doc["uri"], format!("tag:127.0.0.1,2026:article/{p1}"));
    assert_eq!(doc["type"], "text");
    assert_eq!(doc["pubStatus"], "usable");
    assert_eq!(doc["language"], "bn");
    assert_eq!(doc["version"], stored.version.to_string());
    assert_eq!(
        doc["standard"],
        json!({"name": "ninjs", "version": "3.1", "schema": "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#"})
    );
    assert_eq!(
        doc["headlines"][0],
        json!({"role": "main", "contentType": "text/plain", "value": "বাজেট ঘোষণা আজ"})
    );
    assert_eq!(doc["bodies"][0]["contentType"], "text/html");
    assert_eq!(doc["bodies"][0]["value"], body_html(&stored.body));
    assert_eq!(doc["bodies"][1]["contentType"], "text/plain");
    assert_eq!(doc["by"], "রহিম উদ্দিন");
    assert_eq!(doc["located"], "ঢাকা");
    let subjects = doc["subjects"].as_array().unwrap();
    assert!(subjects.contains(&json!({"name": "জাতীয়", "rel": "section", "literal": "national", "uri": format!("{BASE}/national")})));
    assert!(subjects.contains(&json!({"name": "বাজেট", "rel": "tag", "literal": "budget"})));
    assert_eq!(
        doc["renditions"][0]["href"],
        "https://images.example/p1.jpg"
    );
    assert_eq!(doc["renditions"][0]["width"], 1200);
    assert_eq!(
        doc["altIds"][0],
        json!({"role": "url", "value": format!("{BASE}/national/{p1}")})
    );
    // Lists: the /v1/articles filters and order, each item valid.
    for (ninjs, rest) in [
        ("/v1/ninjs/articles?limit=50", "/v1/articles?limit=50"),
        (
            "/v1/ninjs/articles?section=sports",
            "/v1/sections/sports/articles",
        ),
        ("/v1/ninjs/articles?tag=budget", "/v1/tags/budget/articles"),
        (
            "/v1/ninjs/articles?author=rahim",
            "/v1/authors/rahim/articles",
        ),
    ] {
        let (_, list) = partner_get(app, ninjs, &key, 200).await;
        let items = list["data"].as_array().unwrap();
        for item in items {
            assert_ninjs(&validator, item);
        }
        let ids: Vec<i64> = items
            .iter()
            .map(|d| article_id(d["uri"].as_str().unwrap()))
            .collect();
        assert_eq!(ids, app.list_ids(rest).await, "{ninjs}");
    }
    let (_, page) = partner_get(app, "/v1/ninjs/articles?limit=2", &key, 200).await;
    let cursor = page["page"]["nextCursor"].as_str().unwrap();
    let (_, next) = partner_get(
        app,
        &format!("/v1/ninjs/articles?limit=2&cursor={cursor}"),
        &key,
        200,
    )
    .await;
    assert_eq!(
        article_id(next["data"][0]["uri"].as_str().unwrap()),
        app.ids.public[2]
    );
    let (_, problem) = partner_get(app, "/v1/ninjs/articles?limit=500", &key, 400).await;
    assert_eq!(problem["errors"][0]["field"], "limit");
    partner_get(app, "/v1/ninjs/articles/999999", &key, 404).await;
}

async fn partner_routes_need_a_key_and_keep_to_its_quota(app: &TestApp) {
    for path in ["/v1/ninjs/articles", "/v1/ninjs/articles/1", "/v1/changes"] {
        let res = fetch(app, path, &[]).await;
        assert_eq!(res.status().as_u16(), 401, "{path}");
        assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"barta\"");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let res = fetch(app, path, &[("authorization", "Bearer barta_nope")]).await;
        assert_eq!(res.status().as_u16(), 401, "{path}");
    }
    // Feeds and sitemaps stay public and unmetered.
    let res = fetch(app, "/feeds/rss.xml", &[]).await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(!res.headers().contains_key("ratelimit-limit"));
    // Higher scopes may read too.
    let editor = app.key(Scope::Editor).await;
    partner_get(app, "/v1/changes", &editor, 200).await;
    // A key with its own quota: 3 a minute.
    let key = app.key(Scope::Partner).await;
    let id = app.repo.keys().await.unwrap().last().unwrap().id;
    assert!(
        app.repo
            .set_key_quotas(
                id,
                Some(3),
                None,
                persistence::WriteContext::system(Utc::now())
            )
            .await
            .unwrap()
    );
    let header = |h: &HeaderMap, name: &str| h[name].to_str().unwrap().to_owned();
    for remaining in ["2", "1", "0"] {
        let (h, _) = partner_get(app, "/v1/ninjs/articles?limit=1", &key, 200).await;
        assert_eq!(header(&h, "ratelimit-limit"), "3");
        assert_eq!(header(&h, "ratelimit-remaining"), remaining);
        assert!(header(&h, "ratelimit-reset").parse::<u64>().unwrap() <= 60);
        assert_eq!(header(&h, "ratelimit-policy"), "3;w=60, 10000;w=86400");
    }
    let (h, problem) = partner_get(app, "/v1/changes", &key, 429).await;
    assert_eq!(problem["code"], "too_many_requests");
    assert_eq!(problem["status"], 429);
    let retry: u64 = header(&h, "retry-after").parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    assert_eq!(header(&h, "ratelimit-remaining"), "0");
    // Errors count and carry the headers too; other keys are not affected.
    let other = app.key(Scope::Partner).await;
    let (h, _) = partner_get(app, "/v1/ninjs/articles/999999", &other, 404).await;
    assert_eq!(header(&h, "ratelimit-limit"), "60");
    assert_eq!(header(&h, "ratelimit-remaining"), "59");
    // The bucket refills with time.
    app.advance_clock(Duration::seconds(21));
    let (h, _) = partner_get(app, "/v1/changes", &key, 200).await;
    assert_eq!(header(&h, "ratelimit-remaining"), "0");
}

/// Every entry of the change feed from `since` on, following pages of
/// `limit`; returns the entries and the last cursor.
pub(crate) async fn drain(
    app: &TestApp,
    key: &str,
    since: Option<&str>,
    limit: u32,
) -> (Vec<Value>, Option<String>) {
    let mut entries = Vec::new();
    let mut cursor = since.map(str::to_owned);
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/changes?limit={limit}&since={c}"),
            None => format!("/v1/changes?limit={limit}"),
        };
        let (_, page) = partner_get(app, &path, key, 200).await;
        entries.extend(page["data"].as_array().unwrap().iter().cloned());
        cursor = page["page"]["nextCursor"].as_str().map(str::to_owned);
        if !page["page"]["hasMore"].as_bool().unwrap() {
            return (entries, cursor);
        }
    }
}

fn entry_id(entry: &Value) -> i64 {
    entry["id"].as_str().unwrap().parse().unwrap()
}

fn ids_of(entries: &[Value], kind: &str) -> BTreeSet<i64> {
    entries
        .iter()
        .filter(|e| e["type"] == kind)
        .map(|e| e["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

async fn change_feed_resumes_and_reports_takedowns(app: &TestApp) {
    let validator = ninjs_validator();
    let key = app.key(Scope::Partner).await;
    app.advance_clock(Duration::seconds(6));
    let (all, cursor) = drain(app, &key, None, 100).await;
    let public: BTreeSet<i64> = app.ids.public.iter().copied().collect();
    assert_eq!(ids_of(&all, "upsert"), public);
    assert_eq!(all.len(), public.len(), "one entry per article: {all:#?}");
    for e in &all {
        assert_ninjs(&validator, &e["article"]);
        assert!(DateTime::parse_from_rfc3339(e["time"].as_str().unwrap()).is_ok());
    }
    // Small pages give the same entries, in the same order.
    let (paged, paged_cursor) = drain(app, &key, None, 2).await;
    assert_eq!(
        paged.iter().map(|e| &e["id"]).collect::<Vec<_>>(),
        all.iter().map(|e| &e["id"]).collect::<Vec<_>>()
    );
    assert_eq!(paged_cursor, cursor);
    // Nothing new: the cursor comes back unchanged.
    let cursor = cursor.unwrap();
    let (_, page) = partner_get(app, &format!("/v1/changes?since={cursor}"), &key, 200).await;
    assert_eq!(page["data"], json!([]));
    assert_eq!(page["page"]["nextCursor"], cursor.as_str());
    assert_eq!(page["page"]["hasMore"], false);
    // An editor takes p1 down and corrects p2.
    let editor = app.key(Scope::Editor).await;
    let (p1, p2) = (app.ids.public[0], app.ids.public[1]);
    let res = app
        .with_key(
            Method::POST,
            &format!("/v1/admin/articles/{p1}/unpublish"),
            &editor,
        )
        .json(&json!({"reason": "আইনি কারণে"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let res = app
        .with_key(Method::PATCH, &format!("/v1/admin/articles/{p2}"), &editor)
        .json(&json!({"kicker": "সংশোধিত"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    // Entries settle for a few seconds before they are served.
    let (early, _) = drain(app, &key, Some(&cursor), 100).await;
    assert!(early.is_empty(), "{early:?}");
    app.advance_clock(Duration::seconds(6));
    let (news, next) = drain(app, &key, Some(&cursor), 100).await;
    assert_eq!(news.len(), 2, "{news:#?}");
    assert_eq!(news[0]["type"], "tombstone");
    assert_eq!(news[0]["id"], p1.to_string());
    assert_eq!(news[0]["action"], "article.unpublish");
    assert_eq!(news[0]["reason"], "আইনি কারণে");
    assert!(news[0].get("article").is_none());
    assert_eq!(news[1]["type"], "upsert");
    assert_eq!(news[1]["id"], p2.to_string());
    assert_eq!(news[1]["article"]["headlines"][1]["value"], "সংশোধিত");
    // A cursor from the past still works; the whole log now tells p1 is gone.
    let (replay, _) = drain(app, &key, None, 3).await;
    assert!(!ids_of(&replay, "upsert").contains(&p1));
    assert_eq!(ids_of(&replay, "tombstone"), BTreeSet::from([p1]));
    assert_eq!(replay.last().unwrap()["cursor"].as_str(), next.as_deref());
    // Bad input is a 400 problem naming the parameter.
    for (query, field) in [
        ("since=nope", "since"),
        ("since=YzIuMS4y", "since"),
        ("since=YzEuMS4yLjM", "since"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
    ] {
        let (_, problem) = partner_get(app, &format!("/v1/changes?{query}"), &key, 400).await;
        assert_eq!(problem["errors"][0]["field"], field, "{query}");
    }
    // An empty `since` is the start of the log, as an absent one.
    let (_, from_start) = partner_get(app, "/v1/changes?since=", &key, 200).await;
    let (_, absent) = partner_get(app, "/v1/changes", &key, 200).await;
    assert_eq!(from_start, absent);
}

async fn hidden_articles_appear_in_no_syndication_until_their_time(app: &TestApp) {
    let key = app.key(Scope::Partner).await;
    let key = &key;
    app.advance_clock(Duration::seconds(6));
    let check = |visible: Vec<i64>, hidden: Vec<(&'static str, i64)>| async move {
        let mut hidden_headlines = Vec::new();
        for (what, id) in &hidden {
            let a = app.repo.article_by_id(*id).await.unwrap().unwrap();
            hidden_headlines.push((*what, *id, a.summary.headline));
        }
        let mut documents = Vec::new();
        for scope in [
            "/feeds",
            "/feeds/sections/national",
            "/feeds/sections/sports",
            "/feeds/sections/cricket",
            "/feeds/tags/budget",
        ] {
            for (file, _) in FEEDS {
                let path = format!("{scope}/{file}?full=1&limit=100");
                let ids = feed_ids(app, &path).await;
                for (what, id) in &hidden {
                    assert!(!ids.contains(id), "{what} leaked in {path}");
                }
                documents.push((path.clone(), body(app, &path).await.1));
            }
        }
        let (_, index) = body(app, "/sitemap.xml").await;
        let mut sitemap_ids = Vec::new();
        for loc in xml_texts(&index, "loc") {
            let (_, sitemap) = body(app, &local(&loc)).await;
            if loc.contains("/articles-") {
                for url in xml_texts(&sitemap, "loc") {
                    sitemap_ids.push(url.rsplit('/').next().unwrap().parse::<i64>().unwrap());
                }
            }
            documents.push((loc, sitemap));
        }
        sitemap_ids.sort();
        let mut expected = visible.clone();
        expected.sort();
        assert_eq!(
            sitemap_ids, expected,
            "sitemaps list exactly the public articles"
        );
        let (_, ninjs) = partner_get(app, "/v1/ninjs/articles?limit=50", key, 200).await;
        documents.push(("ninjs".into(), ninjs.to_string()));
        let (changes, _) = drain(app, key, None, 100).await;
        documents.push(("changes".into(), Value::Array(changes.clone()).to_string()));
        assert_eq!(
            ids_of(&changes, "upsert"),
            visible.iter().copied().collect()
        );
        for (what, id, headline) in &hidden_headlines {
            for (path, text) in &documents {
                assert!(
                    !text.contains(headline.as_str()),
                    "{what} ({headline}) leaked in {path}"
                );
            }
            partner_get(app, &format!("/v1/ninjs/articles/{id}"), key, 404).await;
            assert!(
                !changes.iter().any(|e| entry_id(e) == *id),
                "{what} appears in the change feed"
            );
        }
    };
    check(app.ids.public.clone(), app.ids.hidden()).await;
    // Past go-live (and the settle window): scheduled, embargoed and
    // future-dated articles appear everywhere; the others never do.
    let until = app.ids.go_live - Utc::now();
    app.advance_clock(until + Duration::seconds(10));
    let mut visible = app.ids.public.clone();
    visible.extend([app.ids.scheduled, app.ids.embargoed, app.ids.future_dated]);
    let still_hidden = vec![
        ("draft", app.ids.draft),
        ("unpublished", app.ids.unpublished),
        ("deleted", app.ids.deleted),
    ];
    check(visible, still_hidden).await;
    let ids = feed_ids(app, "/feeds/rss.xml").await;
    assert_eq!(ids[0], app.ids.scheduled, "newest once live");
    let (changes, _) = drain(app, key, None, 100).await;
    let golive = changes
        .iter()
        .find(|e| entry_id(e) == app.ids.scheduled)
        .unwrap();
    assert_eq!(golive["action"], "golive");
    assert_eq!(
        DateTime::parse_from_rfc3339(golive["time"].as_str().unwrap())
            .unwrap()
            .timestamp(),
        app.ids.go_live.timestamp(),
        "at its scheduled time"
    );
}

async fn bad_feed_parameters_are_problems(app: &TestApp) {
    for (path, field) in [
        ("/feeds/rss.xml?limit=0", "limit"),
        ("/feeds/atom.xml?limit=101", "limit"),
        ("/feeds/feed.json?limit=abc", "limit"),
        ("/feeds/rss.xml?full=yes", "full"),
        ("/feeds/feed.json?cursor=nope", "cursor"),
        ("/feeds/rss.xml?limit=1&limit=2", "limit"),
    ] {
        let body = app.get_json(path, 400).await;
        assert_eq!(body["errors"][0]["field"], field, "{path}: {body}");
    }
    let doc = app.get_json("/feeds/feed.json?limit=100", 200).await;
    assert_eq!(doc["items"].as_array().unwrap().len(), 5);
    let res = app
        .client
        .post(app.url("/feeds/rss.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 405);
    assert_eq!(res.headers()["allow"], "GET, HEAD");
}

/// Feeds and sitemaps carry `Surrogate-Key` and `Cache-Tag` like the JSON
/// lists: the articles they list and the list itself, so a CDN purge of a
/// taken-down article reaches every cached feed that lists it.
async fn feeds_and_sitemaps_name_their_content_for_cdn_purges(app: &TestApp) {
    let p1 = app.ids.public[0];
    let header = |res: &reqwest::Response, name: &str| -> String {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    for (path, list_key) in [
        ("/feeds/rss.xml", "list-latest"),
        ("/feeds/atom.xml", "list-latest"),
        ("/feeds/feed.json", "list-latest"),
        ("/feeds/sections/national/rss.xml", "section-national"),
        ("/feeds/tags/budget/atom.xml", "tag-budget"),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status().as_u16(), 200, "{path}");
        let keys = header(&res, "surrogate-key");
        let words: Vec<&str> = keys.split(' ').collect();
        assert!(words.contains(&list_key), "{path}: {keys}");
        assert!(
            words.iter().any(|k| k.starts_with("article-")),
            "{path}: {keys}"
        );
        assert_eq!(header(&res, "cache-tag"), keys.replace(' ', ","), "{path}");
    }
    let site = app.get("/feeds/rss.xml").await;
    assert!(
        header(&site, "surrogate-key")
            .split(' ')
            .any(|k| k == format!("article-{p1}"))
    );
    for path in ["/sitemap.xml", "/sitemaps/news.xml"] {
        let res = app.get(path).await;
        assert_eq!(res.status().as_u16(), 200, "{path}");
        assert_eq!(header(&res, "surrogate-key"), "list-sitemaps", "{path}");
    }
}
