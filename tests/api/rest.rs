//! REST: `/v1/…` over HTTP.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both;

on_both!(
    an_empty_cursor_is_the_first_page_on_every_paged_route,
    latest_articles_are_public_newest_first_with_their_references,
    list_pages_follow_opaque_cursors_to_the_end,
    article_is_served_by_id_and_by_slug_with_its_body,
    more_from_section_excludes_the_article_and_stays_in_the_section,
    sections_form_a_tree_and_list_their_articles_with_sub_sections,
    tag_and_author_pages_list_their_articles,
    date_range_filters_by_dhaka_day,
    edition_line_matches_the_printed_paper,
    health_and_readiness_probes_answer,
    responses_carry_request_id_cors_and_compression,
    sparse_fields_send_only_what_is_asked,
);
on_both!(the_home_page_links_every_entry_point_for_browsers_and_clients);
on_both!(configure = desk_origin; admin_routes_answer_only_their_origins_and_public_reads_any);

fn desk_origin(s: &mut api::config::Settings) {
    s.admin_origins = vec!["https://desk.example".to_owned()];
}

async fn preflight(app: &TestApp, path: &str, origin: &str, method: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, app.url(path))
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header(
            "access-control-request-headers",
            "authorization, content-type, if-match",
        )
        .send()
        .await
        .unwrap()
}

/// Public reads: `*` for any origin. The editorial API: preflights for its
/// write methods pass for the configured desk and fail, as problems, for
/// any other origin.
async fn admin_routes_answer_only_their_origins_and_public_reads_any(app: &TestApp) {
    let id = app.ids.public[0];
    let path = format!("/v1/admin/articles/{id}");
    for method in ["PATCH", "DELETE", "PUT"] {
        let target = if method == "PUT" {
            format!("{path}/comments")
        } else {
            path.clone()
        };
        let res = preflight(app, &target, "https://desk.example", method).await;
        assert_eq!(res.status().as_u16(), 200, "{method} {target}");
        let h = res.headers();
        assert_eq!(h["access-control-allow-origin"], "https://desk.example");
        let methods = h["access-control-allow-methods"].to_str().unwrap();
        assert!(methods.contains(method), "{methods}");
        let headers = h["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_lowercase();
        assert!(
            headers.contains("authorization") && headers.contains("if-match"),
            "{headers}"
        );
    }
    let res = preflight(app, &path, "https://elsewhere.example", "PATCH").await;
    assert_eq!(res.status().as_u16(), 400);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    assert!(res.headers().get("access-control-allow-origin").is_none());
    // An actual admin request from the desk names the desk, never `*`.
    let key = app.key(domain::Scope::Editor).await;
    let res = app
        .with_key(reqwest::Method::GET, &path, &key)
        .header("origin", "https://desk.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://desk.example"
    );
    // Public: any origin, `*`; a feed too.
    for public in ["/v1/articles", "/feeds/rss.xml"] {
        let res = app
            .client
            .get(app.url(public))
            .header("origin", "https://desk.example")
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.headers()["access-control-allow-origin"],
            "*",
            "{public}"
        );
    }
}

fn ids(body: &Value) -> Vec<i64> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

async fn latest_articles_are_public_newest_first_with_their_references(app: &TestApp) {
    let body = app.get_json("/v1/articles", 200).await;
    assert_eq!(ids(&body), app.ids.public);
    assert_eq!(body["page"]["hasMore"], false);
    assert!(body["page"]["nextCursor"].is_null());
    let p2 = &body["data"][1];
    assert_eq!(p2["headline"], "ক্রিকেটে বড় জয়");
    assert_eq!(p2["slug"], "p2");
    assert_eq!(p2["section"]["slug"], "cricket");
    assert_eq!(p2["section"]["name"], "ক্রিকেট");
    let authors: Vec<&str> = p2["authors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        authors,
        vec!["করিমা খাতুন", "রহিম উদ্দিন"],
        "bylines keep their order"
    );
    let tags: Vec<&str> = p2["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(tags, vec!["series", "budget"]);
    let published = p2["publishedAt"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(published).is_ok(),
        "{published}"
    );
    assert!(published.ends_with('Z'));
    let bn = p2["publishedAtBn"].as_str().unwrap();
    assert!(
        bn.chars().any(|c| ('০'..='৯').contains(&c)),
        "Bengali digits in {bn}"
    );
    assert!(bn.ends_with("এএম") || bn.ends_with("পিএম"), "{bn}");
    assert_eq!(p2["status"], "published");
    assert_eq!(p2["wordCount"], 12);
    assert_eq!(p2["readingMinutes"], 1);
    assert!(p2.get("body").is_none(), "lists carry no body");
    assert_eq!(body["data"][0]["image"]["credit"], "ছবি: বার্তা");
    assert_eq!(body["data"][0]["image"]["width"], 1200);
}

async fn list_pages_follow_opaque_cursors_to_the_end(app: &TestApp) {
    let first = app.get_json("/v1/articles?limit=2", 200).await;
    assert_eq!(ids(&first), app.ids.public[..2]);
    assert_eq!(first["page"]["hasMore"], true);
    let cursor = first["page"]["nextCursor"].as_str().unwrap().to_owned();
    let second = app
        .get_json(&format!("/v1/articles?limit=2&cursor={cursor}"), 200)
        .await;
    assert_eq!(ids(&second), app.ids.public[2..4]);
    assert_eq!(app.list_ids("/v1/articles?limit=2").await, app.ids.public);
    // The same cursor on another list is refused, naming the parameter.
    let res = app
        .get(&format!(
            "/v1/articles?limit=2&section=sports&cursor={cursor}"
        ))
        .await;
    assert_eq!(res.status().as_u16(), 400);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "cursor");
}

async fn article_is_served_by_id_and_by_slug_with_its_body(app: &TestApp) {
    let id = app.ids.public[1];
    let by_id = app.get_json(&format!("/v1/articles/{id}"), 200).await;
    let by_slug = app.get_json("/v1/articles/p2", 200).await;
    assert_eq!(by_id, by_slug);
    let a = &by_id["data"];
    assert_eq!(a["id"], id.to_string());
    assert_eq!(a["body"][0]["type"], "paragraph");
    assert_eq!(
        a["body"][1],
        serde_json::json!({"type": "heading", "text": "বিস্তারিত", "level": 2})
    );
    let html = a["bodyHtml"].as_str().unwrap();
    assert!(html.contains("<h2>বিস্তারিত</h2>"), "{html}");
    assert!(
        html.contains("&lt;b&gt;চিহ্ন&lt;/b&gt; &amp;"),
        "text is escaped: {html}"
    );
    assert!(!html.contains("<b>"));
    assert!(
        a["bodyText"]
            .as_str()
            .unwrap()
            .starts_with("ক্রিকেটে বড় জয়। প্রথম অনুচ্ছেদ।\n\nবিস্তারিত")
    );
    assert_eq!(a["source"], "বাসস");
    assert_eq!(a["dateline"], "ঢাকা");
    assert_eq!(a["language"], "bn");
    assert_eq!(a["secondarySections"][0]["slug"], "national");
    assert_eq!(a["updatedAt"], a["publishedAt"]);
    assert!(a["updatedAtBn"].as_str().unwrap().contains(", "));
    assert_eq!(a["corrections"], serde_json::json!([]));
    // Percent-encoded Bengali slugs work too (none in the fixture: 404).
    app.get_json("/v1/articles/%E0%A6%96%E0%A6%AC%E0%A6%B0", 404)
        .await;
}

async fn more_from_section_excludes_the_article_and_stays_in_the_section(app: &TestApp) {
    let [_, p2, p3, _, p5] = app.ids.public[..] else {
        panic!()
    };
    // p3 is in sports; cricket is below sports, so p2 and p5 belong too.
    let body = app
        .get_json(&format!("/v1/articles/{p3}/more-from-section"), 200)
        .await;
    assert_eq!(ids(&body), vec![p2, p5]);
    assert_eq!(body["page"]["hasMore"], false);
    let body = app
        .get_json(&format!("/v1/articles/{p2}/more-from-section?limit=5"), 200)
        .await;
    assert_eq!(ids(&body), vec![p5]);
    app.get_json(
        &format!("/v1/articles/{}/more-from-section", app.ids.draft),
        404,
    )
    .await;
    app.get_json(&format!("/v1/articles/{p2}/more-from-section?limit=0"), 400)
        .await;
}

async fn sections_form_a_tree_and_list_their_articles_with_sub_sections(app: &TestApp) {
    let tree = app.get_json("/v1/sections", 200).await;
    let roots: Vec<&str> = tree["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        roots,
        vec!["national", "sports", "international"],
        "ordered by position"
    );
    assert_eq!(tree["data"][1]["children"][0]["slug"], "cricket");
    assert_eq!(tree["data"][1]["children"][0]["name"], "ক্রিকেট");
    let cricket = app.get_json("/v1/sections/cricket", 200).await;
    assert_eq!(cricket["data"]["parent"]["slug"], "sports");
    assert_eq!(cricket["data"]["description"], "ক্রিকেট বিভাগের খবর");
    let [p1, p2, p3, _, p5] = app.ids.public[..] else {
        panic!()
    };
    assert_eq!(
        app.list_ids("/v1/sections/sports/articles").await,
        vec![p2, p3, p5]
    );
    assert_eq!(
        app.list_ids("/v1/articles?section=sports&limit=1").await,
        vec![p2, p3, p5]
    );
    // p2 has national as a secondary section; p4 is filed under a
    // sub-section of national.
    assert_eq!(
        app.list_ids("/v1/sections/national/articles").await,
        vec![p1, p2, app.ids.public[3]]
    );
    let missing = app.get_json("/v1/sections/no-such-section", 404).await;
    assert_eq!(missing["code"], "not_found");
    app.get_json("/v1/sections/no-such-section/articles", 404)
        .await;
    app.get_json("/v1/articles?section=no-such-section", 404)
        .await;
}

async fn tag_and_author_pages_list_their_articles(app: &TestApp) {
    let [p1, p2, _, _, p5] = app.ids.public[..] else {
        panic!()
    };
    assert_eq!(app.list_ids("/v1/tags/budget/articles").await, vec![p1, p2]);
    assert_eq!(app.list_ids("/v1/tags/series/articles").await, vec![p2, p5]);
    assert_eq!(
        app.list_ids("/v1/authors/rahim/articles").await,
        vec![p1, p2]
    );
    assert_eq!(
        app.list_ids("/v1/articles?tag=series&section=cricket&author=karima")
            .await,
        vec![p2]
    );
    app.get_json("/v1/tags/unknown/articles", 404).await;
    app.get_json("/v1/authors/unknown/articles", 404).await;
}

async fn date_range_filters_by_dhaka_day(app: &TestApp) {
    let all = app.ids.public.clone();
    let today = domain::bangla::dhaka_date(chrono::Utc::now());
    let far_past = "2001-01-01";
    assert_eq!(
        app.list_ids(&format!("/v1/articles?to={far_past}")).await,
        Vec::<i64>::new()
    );
    let from = (chrono::Utc::now() - chrono::Duration::minutes(150)).to_rfc3339();
    let from = from.replace('+', "%2B");
    assert_eq!(
        app.list_ids(&format!("/v1/articles?from={from}")).await,
        all[..2]
    );
    let span = app
        .list_ids(&format!(
            "/v1/articles?from={}&to={}",
            today.pred_opt().unwrap(),
            today
        ))
        .await;
    assert_eq!(span, all, "a day range includes both days");
    // A window between fixture articles holds exactly the ones inside it
    // (p2 at -2 h, p3 at -3 h, p4 at -4 h).
    let at = |minutes: i64| {
        (chrono::Utc::now() - chrono::Duration::minutes(minutes))
            .to_rfc3339()
            .replace('+', "%2B")
    };
    let window = app
        .list_ids(&format!("/v1/articles?from={}&to={}", at(270), at(90)))
        .await;
    assert_eq!(window, all[1..4]);
    // An empty window (`to` = `from`, `to` exclusive) is an empty page.
    let edge = at(90);
    let empty = app
        .get_json(&format!("/v1/articles?from={edge}&to={edge}"), 200)
        .await;
    assert_eq!(empty["data"], json!([]), "{empty}");
    let problem = app
        .get_json(&format!("/v1/articles?from={today}&to={far_past}"), 400)
        .await;
    assert_eq!(problem["errors"][0]["field"], "to");
}

async fn edition_line_matches_the_printed_paper(app: &TestApp) {
    for at in ["2024-11-13T18:00:00Z", "2024-11-14T17:59:59Z"] {
        let body = app.get_json(&format!("/v1/edition?at={at}"), 200).await;
        assert_eq!(
            body["data"]["line"],
            "ঢাকা বৃহস্পতিবার, ১৪ নভেম্বর ২০২৪ | ২৯ কার্তিক ১৪৩১"
        );
        assert_eq!(body["data"]["bangla"]["day"], 29);
        assert_eq!(body["data"]["bangla"]["month"], "কার্তিক");
        assert_eq!(body["data"]["bangla"]["year"], 1431);
        assert_eq!(body["data"]["bangla"]["text"], "২৯ কার্তিক ১৪৩১");
        assert_eq!(body["data"]["weekday"], "বৃহস্পতিবার");
    }
    let old = app.get_json("/v1/edition?at=2024-11-14T05:00:00Z&calendar=1987&place=%E0%A6%9A%E0%A6%9F%E0%A7%8D%E0%A6%9F%E0%A6%97%E0%A7%8D%E0%A6%B0%E0%A6%BE%E0%A6%AE", 200).await;
    assert_eq!(
        old["data"]["line"],
        "চট্টগ্রাম বৃহস্পতিবার, ১৪ নভেম্বর ২০২৪ | ৩০ কার্তিক ১৪৩১"
    );
    let now = app.get_json("/v1/edition", 200).await;
    assert!(now["data"]["line"].as_str().unwrap().starts_with("ঢাকা "));
    let bad = app
        .get_json("/v1/edition?at=yesterday&calendar=1900", 400)
        .await;
    let fields: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["at", "calendar"]);
}

async fn health_and_readiness_probes_answer(app: &TestApp) {
    assert_eq!(app.get_json("/healthz", 200).await["status"], "ok");
    let ready = app.get_json("/readyz", 200).await;
    assert_eq!(ready["status"], "ready");
    assert!(["sqlite", "postgres"].contains(&ready["database"].as_str().unwrap()));
}

async fn responses_carry_request_id_cors_and_compression(app: &TestApp) {
    let res = app
        .client
        .get(app.url("/v1/articles"))
        .header("origin", "https://reader.example")
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let h = res.headers();
    // Shareable by any origin without a copy per origin.
    assert_eq!(h["access-control-allow-origin"], "*");
    assert_eq!(h["content-encoding"], "gzip");
    assert!(
        h["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let id = h["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let other = app.get("/healthz").await;
    assert_ne!(other.headers()["x-request-id"].to_str().unwrap(), id);
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header("origin", "https://reader.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status().as_u16(), 200);
}

on_both!(bengali_slugs_match_in_either_unicode_form);

async fn bengali_slugs_match_in_either_unicode_form(app: &TestApp) {
    // জাতীয়-সংবাদ with য় as one code point (U+09DF) and as য + nukta.
    let precomposed =
        "\u{099C}\u{09BE}\u{09A4}\u{09C0}\u{09DF}-\u{09B8}\u{0982}\u{09AC}\u{09BE}\u{09A6}";
    let decomposed =
        "\u{099C}\u{09BE}\u{09A4}\u{09C0}\u{09AF}\u{09BC}-\u{09B8}\u{0982}\u{09AC}\u{09BE}\u{09A6}";
    assert_ne!(precomposed, decomposed);
    let p4 = app.ids.public[3];
    for slug in [precomposed, decomposed] {
        let encoded: String = slug.bytes().map(|b| format!("%{b:02X}")).collect();
        let section = app.get_json(&format!("/v1/sections/{encoded}"), 200).await;
        assert_eq!(section["data"]["name"], "জাতীয় সংবাদ");
        assert_eq!(section["data"]["parent"]["slug"], "national");
        assert_eq!(
            app.list_ids(&format!("/v1/sections/{encoded}/articles"))
                .await,
            vec![p4]
        );
        assert_eq!(
            app.list_ids(&format!("/v1/articles?section={encoded}"))
                .await,
            vec![p4]
        );
    }
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

async fn sparse_fields_send_only_what_is_asked(app: &TestApp) {
    let full = app.get_json("/v1/articles", 200).await;
    let sparse = app
        .get_json("/v1/articles?fields=headline,section,publishedAt", 200)
        .await;
    assert_eq!(ids(&sparse), ids(&full));
    assert_eq!(sparse["page"], full["page"]);
    for (s, f) in sparse["data"]
        .as_array()
        .unwrap()
        .iter()
        .zip(full["data"].as_array().unwrap())
    {
        assert_eq!(keys(s), ["headline", "id", "publishedAt", "section"]);
        for k in ["id", "headline", "section", "publishedAt"] {
            assert_eq!(s[k], f[k], "{k}");
        }
    }
    // Each text field asked alone is the full list's: the read leaves the
    // other columns out, on the global list and a section's.
    for list in ["/v1/articles", "/v1/sections/cricket/articles"] {
        let whole = app.get_json(list, 200).await;
        for k in ["slug", "headline", "kicker", "summary", "desk", "image"] {
            let one = app.get_json(&format!("{list}?fields={k}"), 200).await;
            assert_eq!(ids(&one), ids(&whole));
            for (s, f) in one["data"]
                .as_array()
                .unwrap()
                .iter()
                .zip(whole["data"].as_array().unwrap())
            {
                let mut expect = ["id", k];
                expect.sort();
                assert_eq!(keys(s), expect);
                assert_eq!(s[k], f[k], "{list} {k}");
            }
        }
    }
    // Authors and tags, when asked, are the same as in the full list.
    let with_links = app
        .get_json("/v1/sections/cricket/articles?fields=authors,tags", 200)
        .await;
    let p2 = &with_links["data"][0];
    assert_eq!(keys(p2), ["authors", "id", "tags"]);
    assert_eq!(p2["authors"], full["data"][1]["authors"]);
    assert_eq!(p2["tags"], full["data"][1]["tags"]);

    let id = app.ids.public[1];
    let whole = app.get_json(&format!("/v1/articles/{id}"), 200).await;
    let item = app
        .get_json(
            &format!("/v1/articles/{id}?fields=headline,bodyText,commentCount"),
            200,
        )
        .await;
    assert_eq!(
        keys(&item["data"]),
        ["bodyText", "commentCount", "headline", "id"]
    );
    for k in ["headline", "bodyText", "commentCount"] {
        assert_eq!(item["data"][k], whole["data"][k], "{k}");
    }
    let by_slug = app.get_json("/v1/articles/p2?fields=tags", 200).await;
    assert_eq!(by_slug["data"]["tags"], whole["data"]["tags"]);

    // Every answer matches what its operation documents (`anyOf` the full
    // and the sparse shape); the full shapes require every field, so a
    // client that never narrows gets required fields, and a sparse answer
    // is not mistaken for one.
    let doc: Value = app.get_json("/openapi.json", 200).await;
    let validator = |name: &str| crate::helpers::component_validator(&doc, name);
    let list = validator("ArticleListView");
    for body in [&sparse, &with_links, &full] {
        let errors: Vec<String> = list.iter_errors(body).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
    let page = validator("ArticlePageView");
    for body in [&item, &by_slug, &whole] {
        let errors: Vec<String> = page.iter_errors(body).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
    let full_list = validator("ListView_ArticleSummaryView");
    assert!(full_list.is_valid(&full), "a whole list is the full shape");
    assert!(!full_list.is_valid(&sparse), "a sparse list is not");
    let full_page = validator("ArticleView");
    assert!(full_page.is_valid(&whole["data"]));
    assert!(!full_page.is_valid(&item["data"]));
    let operation = &doc["paths"]["/v1/articles"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"]["$ref"];
    assert_eq!(operation, "#/components/schemas/ArticleListView");

    // Unknown names are a 400 naming the parameter; article-only fields are
    // not list fields.
    for bad in [
        "/v1/articles?fields=headline,nonsense",
        "/v1/articles?fields=",
        "/v1/articles?fields=bodyHtml",
        "/v1/tags/budget/articles?fields=x",
        "/v1/articles/p2?fields=headline,,",
    ] {
        let res = app.get(bad).await;
        assert_eq!(res.status().as_u16(), 400, "{bad}");
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            "application/problem+json",
            "{bad}"
        );
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "fields", "{bad}");
    }
}

/// `cursor=` (and `since=`, `before=`, `after=`) sent empty, as forms and
/// URL builders do, is the first page, not a 400, on every paged route.
async fn an_empty_cursor_is_the_first_page_on_every_paged_route(app: &TestApp) {
    let admin = app.key(domain::Scope::Admin).await;
    let p1 = app.ids.public[0];
    let routes = [
        ("/v1/articles", "cursor"),
        ("/v1/sections/national/articles", "cursor"),
        ("/v1/tags/budget/articles", "cursor"),
        ("/v1/authors/rahim/articles", "cursor"),
        (
            "/v1/search?q=%E0%A6%AC%E0%A6%BE%E0%A6%9C%E0%A7%87%E0%A6%9F",
            "cursor",
        ),
        (&format!("/v1/articles/{p1}/comments") as &str, "cursor"),
        ("/v1/ninjs/articles", "cursor"),
        ("/v1/changes", "since"),
        ("/v1/admin/articles", "before"),
        ("/v1/admin/audit", "before"),
        ("/v1/admin/comments", "after"),
        ("/feeds/rss.xml", "cursor"),
        ("/feeds/sections/national/feed.json", "cursor"),
    ];
    for (path, param) in routes {
        let sep = if path.contains('?') { '&' } else { '?' };
        let first = app
            .with_key(Method::GET, path, &admin)
            .send()
            .await
            .unwrap();
        let first_status = first.status().as_u16();
        let first_body = first.text().await.unwrap();
        let empty = app
            .with_key(Method::GET, &format!("{path}{sep}{param}="), &admin)
            .send()
            .await
            .unwrap();
        assert_eq!(first_status, 200, "{path}: {first_body}");
        assert_eq!(empty.status().as_u16(), 200, "{path}{sep}{param}=");
        let body = empty.text().await.unwrap();
        if path.starts_with("/v1/") && !path.starts_with("/v1/changes") {
            let a: serde_json::Value = serde_json::from_str(&first_body).unwrap();
            let b: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(a["data"], b["data"], "{path}");
        }
    }
}

/// `GET /`: a page for a browser, the same links as JSON for a client;
/// every link answers (the change feed asks for its key).
async fn the_home_page_links_every_entry_point_for_browsers_and_clients(app: &TestApp) {
    let res = app
        .client
        .get(app.url("/"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(res.headers()["vary"].to_str().unwrap().contains("Accept"));
    let html = res.text().await.unwrap();
    assert!(
        html.contains("href=\"/graphql\"") && html.contains("href=\"/openapi.json\""),
        "{html}"
    );

    let res = app
        .client
        .get(app.url("/"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    let links = body["links"].as_object().unwrap();
    assert!(links.len() >= 8, "{body}");
    for (name, link) in links {
        let href = link["href"].as_str().unwrap();
        assert!(
            html.contains(&format!("href=\"{href}\"")),
            "{name} is not on the page"
        );
        let status = app.get(href).await.status().as_u16();
        let expected = if name == "changes" { 401 } else { 200 };
        assert_eq!(status, expected, "{name}: {href}");
    }
    let head = app.client.head(app.url("/")).send().await.unwrap();
    assert_eq!(head.status().as_u16(), 200);
}

/// GraphiQL (`/graphql` in a browser) and the API reference (`/docs`) load
/// every script and style sheet from this server: nothing from a CDN, so
/// they work with no internet. Each asset answers with its type, for a
/// year, gzipped for clients that take gzip.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_pages_load_every_asset_from_this_server() {
    use std::io::Read;
    let app = crate::helpers::spawn_app(persistence::testing::Engine::Sqlite)
        .await
        .unwrap();
    let page = |path: &'static str| {
        let app = &app;
        async move {
            let res = app
                .client
                .get(app.url(path))
                .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 200, "{path}");
            res.text().await.unwrap()
        }
    };
    let graphiql = page("/graphql").await;
    assert!(graphiql.contains("GraphiQL.createFetcher"), "{graphiql}");
    assert!(graphiql.contains("Authorization"), "the key is explained");
    let docs = page("/docs").await;
    assert!(docs.contains("Redoc.init(\"/openapi.json\""), "{docs}");
    let mut assets = 0;
    for html in [&graphiql, &docs] {
        assert!(
            !html.contains("https://") && !html.contains("http://"),
            "{html}"
        );
        for attr in ["src=\"", "href=\""] {
            for part in html.split(attr).skip(1) {
                let url = part.split('"').next().unwrap();
                // Inline (the empty icon): nothing is fetched.
                if url.starts_with("data:") {
                    continue;
                }
                assert!(url.starts_with("/assets/"), "{url}");
                let plain = app.get(url).await;
                assert_eq!(plain.status().as_u16(), 200, "{url}");
                let kind = plain.headers()["content-type"].to_str().unwrap().to_owned();
                let expected = if url.ends_with(".css") {
                    "text/css"
                } else {
                    "text/javascript"
                };
                assert!(kind.starts_with(expected), "{url}: {kind}");
                assert!(
                    plain.headers()["cache-control"]
                        .to_str()
                        .unwrap()
                        .contains("immutable")
                );
                let plain = plain.bytes().await.unwrap();
                let gz = app
                    .client
                    .get(app.url(url))
                    .header("accept-encoding", "gzip")
                    .send()
                    .await
                    .unwrap();
                assert_eq!(gz.headers()["content-encoding"], "gzip", "{url}");
                let gz = gz.bytes().await.unwrap();
                assert!(gz.len() < plain.len(), "{url}");
                let mut back = Vec::new();
                flate2::read::GzDecoder::new(&gz[..])
                    .read_to_end(&mut back)
                    .unwrap();
                assert_eq!(back, plain, "{url}");
                assets += 1;
            }
        }
    }
    // React, ReactDOM, GraphiQL's script and style sheet; Redoc.
    assert_eq!(assets, 5);
    let res = app.get("/assets/licenses/graphiql.txt").await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.text().await.unwrap().contains("MIT"));
    let res = app.get("/assets/jquery.js").await;
    assert_eq!(res.status().as_u16(), 404);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    app.cleanup().await;
}
