//! The newsroom's everyday needs (issue 23): preview links, content types,
//! access levels.

use chrono::{Duration, Utc};
use domain::{ArticleStatus, Block, Scope};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, admin, article, percent_encode, publish_article, write_article};
use crate::on_both;

on_both!(
    a_preview_link_opens_an_unpublished_article_without_a_key,
    a_dead_preview_link_is_the_same_404_as_an_unknown_one,
    preview_links_in_graphql,
    kinds_and_access_travel_to_every_output_and_filter_every_list,
    kind_and_access_are_kept_by_edits_and_imports,
    directories_list_what_has_public_articles_most_used_first,
    taxonomy_and_collections_are_written_over_graphql,
    an_export_imported_into_an_empty_database_reproduces_every_article,
    totals_are_counted_only_when_asked_and_capped,
    several_values_and_negations_filter_lists_feeds_and_search,
    an_editors_picks_come_first_among_related_stories,
    a_series_has_its_own_list_and_feeds,
);
on_both!(configure = paid_summary_only; feeds_can_keep_paid_articles_to_their_summary);

fn paid_summary_only(s: &mut api::config::Settings) {
    s.feeds.paid_summary_only = true;
}

/// Creates a preview link to article `id`; the answer's `data`.
async fn link(app: &TestApp, key: &str, id: i64, body: Value) -> Value {
    admin(
        app,
        key,
        Method::POST,
        &format!("/v1/admin/articles/{id}/preview-links"),
        body,
    )
    .await
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

async fn a_preview_link_opens_an_unpublished_article_without_a_key(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    // A published story and a draft about the same match: the draft's
    // preview shows the story as related, as if the draft were out.
    let mut story = article(
        "pv-story",
        "চট্টগ্রাম টেস্টে ব্যাটিং বিপর্যয়",
        "cricket",
        Utc::now() - Duration::hours(1),
    );
    story.body = vec![Block::Paragraph {
        text: "চট্টগ্রামে ওয়েস্ট ইন্ডিজের বিপক্ষে টেস্ট সিরিজের প্রথম ম্যাচে বাংলাদেশের ব্যাটিং বিপর্যয়। মিরাজ ও লিটনের জুটিতে লড়াই।".into(),
    }];
    let story = app
        .repo
        .upsert_article(&story, Utc::now())
        .await
        .unwrap()
        .id();
    let mut draft = article(
        "pv-draft",
        "চট্টগ্রাম টেস্টে মিরাজ-লিটনের লড়াই",
        "cricket",
        Utc::now(),
    );
    draft.body = vec![Block::Paragraph {
        text: "ওয়েস্ট ইন্ডিজের বিপক্ষে চট্টগ্রাম টেস্টে মিরাজ ও লিটনের জুটি দলকে টেনে তুলল। ব্যাটিং বিপর্যয়ের পরও আশা।".into(),
    }];
    draft.status = ArticleStatus::Draft;
    draft.published_at = None;
    let draft = app
        .repo
        .upsert_article(&draft, Utc::now())
        .await
        .unwrap()
        .id();
    app.sync_index().await;

    let created = link(app, &key, draft, json!({"expiresIn": 3600})).await;
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("bpv_") && token.len() >= 40, "{token}");
    assert_eq!(created["articleId"], draft.to_string());
    assert_eq!(created["active"], true);
    assert!(
        created["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/v1/preview/{token}")),
        "{created}"
    );
    let expires = chrono::DateTime::parse_from_rfc3339(created["expiresAt"].as_str().unwrap())
        .unwrap()
        .to_utc();
    let life = expires - Utc::now();
    assert!(
        life > Duration::minutes(59) && life <= Duration::hours(1),
        "{life}"
    );

    // Only the hash is stored.
    let rows = |value: &str| format!("preview_links WHERE token_hash = '{value}'");
    let by_hash = rows(&app::auth::hash_key(&token));
    assert_eq!(app.repo.count_rows(&by_hash).await.unwrap(), 1);
    assert_eq!(app.repo.count_rows(&rows(&token)).await.unwrap(), 0);

    for _ in 0..2 {
        // Twice: the second answer must not come from a cache either.
        let res = app.get(&format!("/v1/preview/{token}")).await;
        assert_eq!(res.status(), 200);
        let h = res.headers();
        assert_eq!(h["cache-control"], "private, no-store");
        assert_eq!(h["x-robots-tag"], "noindex");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert!(h.get("etag").is_none());
        let page: Value = res.json().await.unwrap();
        assert_eq!(page["data"]["id"], draft.to_string());
        assert_eq!(page["data"]["headline"], "চট্টগ্রাম টেস্টে মিরাজ-লিটনের লড়াই");
        assert!(page["data"]["bodyHtml"].as_str().unwrap().contains("মিরাজ"));
        assert_eq!(page["preview"]["status"], "draft");
        let related = ids(&page["related"]);
        assert_eq!(related.first(), Some(&story), "{page}");
        let more = ids(&page["moreFromSection"]);
        assert!(more.contains(&story) && !more.contains(&draft), "{more:?}");
        for (what, hidden) in app.ids.hidden() {
            assert!(
                !related.contains(&hidden) && !more.contains(&hidden),
                "{what}"
            );
        }
    }
    // The link opens the preview only: the draft stays off every public surface.
    app.get_json(&format!("/v1/articles/{draft}"), 404).await;
    let latest = app.get_json("/v1/articles?limit=50", 200).await;
    assert!(!ids(&latest["data"]).contains(&draft));
    let feed = app.get("/feeds/rss.xml").await;
    assert_eq!(feed.status(), 200);
    let feed = feed.text().await.unwrap();
    assert!(feed.contains("ব্যাটিং বিপর্যয়") && !feed.contains("মিরাজ-লিটনের"));

    // An edit shows at once (nothing is cached).
    admin(
        app,
        &key,
        Method::PATCH,
        &format!("/v1/admin/articles/{draft}"),
        json!({"headline": "চট্টগ্রাম টেস্টে মিরাজের সেঞ্চুরি"}),
    )
    .await;
    let page = app.get_json(&format!("/v1/preview/{token}"), 200).await;
    assert_eq!(page["data"]["headline"], "চট্টগ্রাম টেস্টে মিরাজের সেঞ্চুরি");
    assert_eq!(page["preview"]["version"], 2);

    // Editors list the links, never their tokens.
    let res = app
        .with_key(
            Method::GET,
            &format!("/v1/admin/articles/{draft}/preview-links"),
            &key,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let listed: Value = res.json().await.unwrap();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert!(listed["data"][0].get("token").is_none(), "{listed}");
    assert_eq!(listed["data"][0]["active"], true);
}

async fn a_dead_preview_link_is_the_same_404_as_an_unknown_one(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let draft = app.ids.draft;
    let short = link(app, &key, draft, json!({"expiresIn": 60})).await;
    let revoked = link(app, &key, draft, Value::Null).await;
    let kept = link(app, &key, draft, Value::Null).await;
    let day = chrono::DateTime::parse_from_rfc3339(kept["expiresAt"].as_str().unwrap())
        .unwrap()
        .to_utc()
        - Utc::now();
    assert!(
        day > Duration::hours(23) && day <= Duration::hours(24),
        "default life {day}"
    );

    let path = format!(
        "/v1/admin/articles/{draft}/preview-links/{}",
        revoked["id"].as_str().unwrap()
    );
    for _ in 0..2 {
        let res = app
            .with_key(Method::DELETE, &path, &key)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204, "revoking twice is fine");
    }
    app.advance_clock(Duration::seconds(61));

    let unknown = app
        .get_json(
            "/v1/preview/bpv_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            404,
        )
        .await;
    for dead in [&short, &revoked] {
        let token = dead["token"].as_str().unwrap();
        let res = app.get(&format!("/v1/preview/{token}")).await;
        assert_eq!(res.status(), 404);
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{dead}"
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body, unknown,
            "a dead link says no more than an unknown one"
        );
    }
    app.get_json("/v1/preview/not-a-token", 404).await;
    // The live link still opens.
    let token = kept["token"].as_str().unwrap();
    app.get_json(&format!("/v1/preview/{token}"), 200).await;

    let res = app
        .with_key(
            Method::GET,
            &format!("/v1/admin/articles/{draft}/preview-links"),
            &key,
        )
        .send()
        .await
        .unwrap();
    let listed: Value = res.json().await.unwrap();
    let active: Vec<bool> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["active"].as_bool().unwrap())
        .collect();
    assert_eq!(active, [true, false, false], "newest first: {listed}");
    assert!(listed["data"][1]["revokedAt"].is_string());

    // Refusals.
    let post = |path: String, body: Value, key: Option<&str>| {
        let mut req = app.client.post(app.url(&path)).json(&body);
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        req.send()
    };
    let links = format!("/v1/admin/articles/{draft}/preview-links");
    let res = post(links.clone(), json!({}), None).await.unwrap();
    assert_eq!(res.status(), 401);
    let res = post(links.clone(), json!({"expiresIn": 604_801}), Some(&key))
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "expiresIn", "{problem}");
    let res = post(links.clone(), json!({"expires": 60}), Some(&key))
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "unknown fields are refused");
    let deleted = format!("/v1/admin/articles/{}/preview-links", app.ids.deleted);
    let res = post(deleted, json!({}), Some(&key)).await.unwrap();
    assert_eq!(res.status(), 404, "no links to a deleted article");
    let res = app
        .with_key(
            Method::DELETE,
            &format!(
                "/v1/admin/articles/{}/preview-links/{}",
                app.ids.public[0],
                kept["id"].as_str().unwrap()
            ),
            &key,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        404,
        "a link is revoked through its own article"
    );
    // Nothing half-written by the refusals: three links, three creations
    // and one revocation in the audit log.
    assert_eq!(app.repo.count_rows("preview_links").await.unwrap(), 3);
    let audited = |action: &str| format!("audit_log WHERE action = '{action}'");
    assert_eq!(
        app.repo
            .count_rows(&audited("preview.create"))
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        app.repo
            .count_rows(&audited("preview.revoke"))
            .await
            .unwrap(),
        1
    );
}

async fn preview_links_in_graphql(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let scheduled = app.ids.scheduled;
    let created = app
        .graphql_as(
            &key,
            "mutation($id: ID!) { createPreviewLink(articleId: $id, expiresIn: 600) { id token url active expiresAt } }",
            json!({"id": scheduled.to_string()}),
        )
        .await;
    let l = &created["data"]["createPreviewLink"];
    let token = l["token"].as_str().unwrap().to_owned();
    assert!(
        l["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/v1/preview/{token}")),
        "{created}"
    );
    assert_eq!(l["active"], true);

    let query = "query($t: String) { previewArticle(token: $t) { databaseId headline moreFromSection { databaseId } related { databaseId } } }";
    let res = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({"query": query, "variables": {"t": token}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    assert_eq!(res.headers()["x-robots-tag"], "noindex");
    let body: Value = res.json().await.unwrap();
    let a = &body["data"]["previewArticle"];
    assert_eq!(a["databaseId"], scheduled.to_string(), "{body}");
    let more: Vec<&str> = a["moreFromSection"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["databaseId"].as_str().unwrap())
        .collect();
    assert!(
        more.contains(&app.ids.public[0].to_string().as_str()),
        "{body}"
    );
    // Over GET too: never stored by the response cache.
    let url = format!(
        "/graphql?query={}&variables={}",
        crate::helpers::percent_encode(query),
        crate::helpers::percent_encode(&json!({"t": token}).to_string())
    );
    let res = app.get(&url).await;
    assert_eq!(res.headers()["cache-control"], "private, no-store");

    let revoked = app
        .graphql_as(
            &key,
            "mutation($a: ID!, $id: ID!) { revokePreviewLink(articleId: $a, id: $id) { active revokedAt token } }",
            json!({"a": scheduled.to_string(), "id": l["id"]}),
        )
        .await;
    let r = &revoked["data"]["revokePreviewLink"];
    assert_eq!(r["active"], false, "{revoked}");
    assert!(r["token"].is_null());
    let body = app.graphql(query, json!({"t": token})).await;
    assert!(body["data"]["previewArticle"].is_null(), "{body}");
    assert!(body.get("errors").is_none());

    let both = app
        .graphql(
            "{ previewArticle(id: \"1\", token: \"bpv_x\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(
        both["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{both}"
    );
    let anonymous = app
        .graphql(
            "mutation { createPreviewLink(articleId: \"1\") { token } }",
            json!({}),
        )
        .await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}

/// Three published pieces of other kinds: (opinion metered, sponsored
/// free, analysis subscriber) ids.
async fn three_kinds(app: &TestApp, key: &str) -> (i64, i64, i64) {
    let mut ids = Vec::new();
    for (headline, kind, access) in [
        ("বাজেট নিয়ে আমার মত", "opinion", "metered"),
        ("নতুন ফোনে বড় ছাড়", "sponsored", "free"),
        ("মূল্যস্ফীতির পেছনের কারণ", "analysis", "subscriber"),
    ] {
        let body = json!({
            "headline": headline,
            "section": "national",
            "bodyText": format!("{headline}। বিস্তারিত লেখা এখানে।"),
            "kind": kind,
            "access": access,
        });
        let id = write_article(app, key, body, true).await;
        ids.push(id.parse::<i64>().unwrap());
    }
    (ids[0], ids[1], ids[2])
}

async fn kinds_and_access_travel_to_every_output_and_filter_every_list(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let (opinion, sponsored, analysis) = three_kinds(app, &key).await;

    // Every article says its kind, label and access.
    let a = app
        .get_json(&format!("/v1/articles/{sponsored}"), 200)
        .await["data"]
        .clone();
    assert_eq!(a["kind"], "sponsored");
    assert_eq!(a["kindLabel"], "বিজ্ঞাপন");
    assert_eq!(a["sponsored"], true);
    assert_eq!(a["access"], "free");
    let a = app.get_json(&format!("/v1/articles/{analysis}"), 200).await["data"].clone();
    assert_eq!(
        (a["kind"].as_str(), a["access"].as_str()),
        (Some("analysis"), Some("subscriber"))
    );
    assert_eq!(a["sponsored"], false);
    let std = app
        .get_json(&format!("/v1/articles/{}", app.ids.public[0]), 200)
        .await["data"]
        .clone();
    assert_eq!(
        (std["kind"].as_str(), std["access"].as_str()),
        (Some("standard"), Some("free"))
    );
    assert!(std["kindLabel"].is_null());

    // Lists filter by any of several kinds, and by access.
    let got = ids(&app
        .get_json("/v1/articles?kind=opinion,analysis", 200)
        .await["data"]);
    assert_eq!(got, [analysis, opinion]);
    let got = ids(&app
        .get_json("/v1/articles?access=metered,subscriber", 200)
        .await["data"]);
    assert_eq!(got, [analysis, opinion]);
    let got = ids(&app
        .get_json("/v1/articles?kind=standard&limit=50", 200)
        .await["data"]);
    assert_eq!(got, app.ids.public);
    let got = ids(&app
        .get_json("/v1/sections/national/articles?kind=sponsored", 200)
        .await["data"]);
    assert_eq!(got, [sponsored]);
    let got = ids(&app
        .get_json("/v1/articles?kind=opinion&access=free", 200)
        .await["data"]);
    assert!(got.is_empty());
    let bad = app.get_json("/v1/articles?kind=opinion,blog", 400).await;
    assert_eq!(bad["errors"][0]["field"], "kind", "{bad}");
    let bad = app.get_json("/v1/articles?access=paid", 400).await;
    assert_eq!(bad["errors"][0]["field"], "access", "{bad}");
    // A cursor stays bound to its filter.
    let page = app
        .get_json("/v1/articles?kind=opinion,analysis&limit=1", 200)
        .await;
    let cursor = page["page"]["nextCursor"].as_str().unwrap().to_owned();
    let next = app
        .get_json(
            &format!("/v1/articles?kind=analysis,opinion&limit=1&cursor={cursor}"),
            200,
        )
        .await;
    assert_eq!(
        ids(&next["data"]),
        [opinion],
        "the same filter in another order"
    );
    app.get_json(
        &format!("/v1/articles?kind=opinion&limit=1&cursor={cursor}"),
        400,
    )
    .await;
    app.get_json(&format!("/v1/articles?limit=1&cursor={cursor}"), 400)
        .await;

    // Search.
    app.sync_index().await;
    let found = app
        .get_json(
            &format!("/v1/search?q={}&kind=sponsored", percent_encode("ছাড়")),
            200,
        )
        .await;
    assert_eq!(ids(&found["data"]), [sponsored], "{found}");
    let unfiltered = app
        .get_json(&format!("/v1/search?q={}", percent_encode("কারণ")), 200)
        .await;
    assert_eq!(ids(&unfiltered["data"]), [analysis], "{unfiltered}");
    let found = app
        .get_json(
            &format!("/v1/search?q={}&access=free", percent_encode("কারণ")),
            200,
        )
        .await;
    assert!(found["data"].as_array().unwrap().is_empty(), "{found}");

    // Feeds label paid content and filter like the lists.
    let rss = app.get("/feeds/rss.xml").await.text().await.unwrap();
    assert!(
        rss.contains("<title>বিজ্ঞাপন: নতুন ফোনে বড় ছাড়</title>"),
        "{rss}"
    );
    assert!(rss.contains(r#"<category domain="urn:barta:kind">sponsored</category>"#));
    assert!(rss.contains(r#"<category domain="urn:barta:access">subscriber</category>"#));
    let atom = app.get("/feeds/atom.xml").await.text().await.unwrap();
    assert!(
        atom.contains(r#"<category term="sponsored" scheme="urn:barta:kind" label="বিজ্ঞাপন"/>"#),
        "{atom}"
    );
    let feed: Value = app
        .get("/feeds/feed.json?kind=opinion,analysis&limit=1")
        .await
        .json()
        .await
        .unwrap();
    let items = feed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["_barta"]["kind"], "analysis");
    assert_eq!(items[0]["_barta"]["access"], "subscriber");
    let next = feed["next_url"].as_str().unwrap();
    assert!(
        next.contains("kind=opinion,analysis&limit=1&cursor="),
        "{next}"
    );
    let path = &next[next.find("/feeds/").unwrap()..];
    let second: Value = app.get(path).await.json().await.unwrap();
    assert_eq!(second["items"][0]["_barta"]["kind"], "opinion", "{second}");
    assert!(second.get("next_url").is_none(), "{second}");

    // ninjs: the kind and access as genres.
    let partner = app.key(Scope::Partner).await;
    let doc: Value = app
        .with_key(
            Method::GET,
            &format!("/v1/ninjs/articles/{sponsored}"),
            &partner,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["genres"],
        json!([{"name": "বিজ্ঞাপন", "literal": "sponsored"}]),
        "{doc}"
    );
    let doc: Value = app
        .with_key(
            Method::GET,
            &format!("/v1/ninjs/articles/{analysis}"),
            &partner,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["genres"][1]["literal"], "access:subscriber", "{doc}");

    // GraphQL.
    let body = app
        .graphql(
            "{ articles(kind: [SPONSORED, OPINION]) { edges { node { databaseId kind kindLabel sponsored access } } } }",
            json!({}),
        )
        .await;
    let nodes: Vec<Value> = body["data"]["articles"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    assert_eq!(nodes.len(), 2, "{body}");
    assert_eq!(nodes[0]["databaseId"], sponsored.to_string());
    assert_eq!(nodes[0]["kind"], "SPONSORED");
    assert_eq!(nodes[0]["sponsored"], true);
    assert_eq!(nodes[1]["access"], "METERED");
    assert_eq!(nodes[1]["kindLabel"], "মতামত");
    let body = app
        .graphql(
            "{ articles(access: [SUBSCRIBER]) { edges { node { databaseId } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["articles"]["edges"][0]["node"]["databaseId"],
        analysis.to_string()
    );
}

async fn kind_and_access_are_kept_by_edits_and_imports(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let id = write_article(
        app,
        &key,
        json!({"headline": "সরাসরি: নির্বাচনের ফল", "section": "national", "bodyText": "ফল আসছে।", "kind": "live"}),
        false,
    )
    .await;
    let path = format!("/v1/admin/articles/{id}");
    let a = admin(
        app,
        &key,
        Method::PATCH,
        &path,
        json!({"access": "subscriber"}),
    )
    .await;
    assert_eq!(
        (a["kind"].as_str(), a["liveState"].as_str()),
        (Some("live"), Some("live"))
    );
    assert_eq!(a["access"], "subscriber");
    // Another kind: a live page's state goes with it.
    let a = admin(
        app,
        &key,
        Method::PATCH,
        &path,
        json!({"kind": "explainer"}),
    )
    .await;
    assert_eq!(a["kind"], "explainer");
    assert!(a["liveState"].is_null());
    assert_eq!(a["access"], "subscriber", "kept when not named");
    let res = app
        .with_key(Method::PATCH, &path, &key)
        .json(&json!({"kind": "blog", "access": "paid"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"kind") && fields.contains(&"access"),
        "{problem}"
    );
    publish_article(app, &key, &id).await;
    let got = ids(&app.get_json("/v1/articles?kind=explainer", 200).await["data"]);
    assert_eq!(got, [id.parse::<i64>().unwrap()]);
    // The revision history keeps the older access level.
    let revisions = app
        .with_key(Method::GET, &format!("{path}/revisions"), &key)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert!(revisions.to_string().contains("access"), "{revisions}");

    // The import line (and the upsert by external id) takes both.
    let line = json!({
        "externalId": "ext-obit-1",
        "headline": "প্রবীণ শিল্পীর প্রয়াণ",
        "body": "শিল্পী আজ ভোরে প্রয়াত হয়েছেন।",
        "section": "national",
        "publishedAt": "2026-12-01T04:00:00Z",
        "kind": "obituary",
        "access": "metered",
    });
    let a = admin(
        app,
        &key,
        Method::PUT,
        "/v1/admin/articles/by-external-id/ext-obit-1",
        line.clone(),
    )
    .await;
    assert_eq!(
        (a["kind"].as_str(), a["access"].as_str()),
        (Some("obituary"), Some("metered"))
    );
    let mut bad = line.clone();
    bad["kind"] = json!("memorial");
    let res = app
        .with_key(
            Method::PUT,
            "/v1/admin/articles/by-external-id/ext-obit-1",
            &key,
        )
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let a = app
        .get_json(&format!("/v1/articles/{}", a["id"].as_str().unwrap()), 200)
        .await;
    assert_eq!(
        a["data"]["kind"], "obituary",
        "a refused line changes nothing"
    );
    // A line that does not name them keeps the stored kind and access (an
    // older integration must not turn a piece into a standard, free one).
    let mut plain = line.clone();
    plain.as_object_mut().unwrap().remove("kind");
    plain.as_object_mut().unwrap().remove("access");
    plain["headline"] = json!("প্রবীণ শিল্পীর প্রয়াণে শোক");
    let a = admin(
        app,
        &key,
        Method::PUT,
        "/v1/admin/articles/by-external-id/ext-obit-1",
        plain,
    )
    .await;
    assert_eq!(a["headline"], "প্রবীণ শিল্পীর প্রয়াণে শোক");
    assert_eq!(
        (a["kind"].as_str(), a["access"].as_str()),
        (Some("obituary"), Some("metered"))
    );
}

async fn feeds_can_keep_paid_articles_to_their_summary(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let (opinion, sponsored, analysis) = three_kinds(app, &key).await;
    let feed: Value = app
        .get("/feeds/feed.json?full=1")
        .await
        .json()
        .await
        .unwrap();
    let item = |id: i64| {
        feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"].as_str().unwrap().ends_with(&format!("/{id}")))
            .cloned()
            .unwrap_or_else(|| panic!("{id} in {feed}"))
    };
    assert!(
        item(sponsored)["content_html"].is_string(),
        "free: the full text"
    );
    for paid in [opinion, analysis] {
        let i = item(paid);
        assert!(i.get("content_html").is_none(), "{i}");
        assert_eq!(i["content_text"], i["summary"]);
    }
    // The API itself still serves the whole article.
    let a = app.get_json(&format!("/v1/articles/{analysis}"), 200).await;
    assert!(a["data"]["bodyText"].as_str().unwrap().contains("বিস্তারিত"));
}

/// A directory page as (slug, articleCount) pairs.
fn counted(page: &Value) -> Vec<(&str, i64)> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["slug"].as_str().unwrap(),
                e["articleCount"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn directories_list_what_has_public_articles_most_used_first(app: &TestApp) {
    // The fixture: tag budget on p1 and p2 (public) and on hidden ones,
    // series on p2 and p5; rahim on p1, p2 (and the embargoed one),
    // karima on p2.
    let tags = app.get_json("/v1/tags", 200).await;
    assert_eq!(counted(&tags), [("budget", 2), ("series", 2)], "{tags}");
    assert_eq!(tags["data"][0]["articlesUrl"], "/v1/tags/budget/articles");
    assert_eq!(tags["page"]["hasMore"], false);

    // A tag used only on a draft is not listed (nor counted).
    let key = app.key(Scope::Editor).await;
    admin(
        app,
        &key,
        Method::POST,
        "/v1/admin/tags",
        json!({"slug": "secret-deal", "name": "গোপন চুক্তি"}),
    )
    .await;
    admin(
        app,
        &key,
        Method::PATCH,
        &format!("/v1/admin/articles/{}", app.ids.draft),
        json!({"tags": ["secret-deal"]}),
    )
    .await;
    let tags = app.get_json("/v1/tags?limit=50", 200).await;
    assert!(!tags.to_string().contains("secret-deal"), "{tags}");
    let t = app.get_json("/v1/tags/secret-deal", 200).await;
    assert_eq!(t["data"]["articleCount"], 0);

    // Prefix search (Bengali names and ASCII slugs), and paging.
    let found = app
        .get_json(&format!("/v1/tags?q={}", percent_encode("বাজ")), 200)
        .await;
    assert_eq!(found["data"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["data"][0]["name"], "বাজেট");
    let found = app.get_json("/v1/tags?q=ser", 200).await;
    assert_eq!(found["data"][0]["slug"], "series");
    let found = app.get_json("/v1/tags?q=%25", 200).await;
    assert!(
        found["data"].as_array().unwrap().is_empty(),
        "a wildcard is a plain character"
    );
    let first = app.get_json("/v1/tags?limit=1", 200).await;
    assert_eq!(first["data"][0]["slug"], "budget");
    let cursor = first["page"]["nextCursor"].as_str().unwrap();
    let second = app
        .get_json(&format!("/v1/tags?limit=1&cursor={cursor}"), 200)
        .await;
    assert_eq!(second["data"][0]["slug"], "series");
    assert!(second["page"]["nextCursor"].is_null());
    let bad = app
        .get_json(&format!("/v1/tags?limit=1&q=b&cursor={cursor}"), 400)
        .await;
    assert_eq!(bad["errors"][0]["field"], "cursor", "bound to its q: {bad}");
    let bad = app.get_json("/v1/authors?limit=0", 400).await;
    assert_eq!(bad["errors"][0]["field"], "limit");

    // Authors: most prolific first, embargoed bylines not counted.
    let authors = app.get_json("/v1/authors", 200).await;
    assert_eq!(
        counted(&authors),
        [("rahim", 2), ("karima", 1)],
        "{authors}"
    );
    admin(
        app,
        &key,
        Method::PATCH,
        "/v1/admin/authors/karima",
        json!({"bio": "ক্রীড়া প্রতিবেদক"}),
    )
    .await;
    let karima = app.get_json("/v1/authors/karima", 200).await;
    assert_eq!(karima["data"]["name"], "করিমা খাতুন");
    assert_eq!(
        karima["data"]["bio"], "ক্রীড়া প্রতিবেদক",
        "a taxonomy write reaches cached pages"
    );
    assert_eq!(karima["data"]["articleCount"], 1);
    app.get_json("/v1/authors/nobody", 404).await;
    // A path names one tag or author: no filter syntax there.
    app.get_json("/v1/tags/budget,series/articles", 404).await;
    app.get_json("/v1/authors/rahim+karima/articles", 404).await;
    app.get_json("/v1/tags/nothing", 404).await;

    // GraphQL.
    let body = app
        .graphql(
            "{ tags(q: \"bud\") { nodes { slug articleCount } hasMore } authors(first: 1) { nodes { slug articleCount } nextCursor } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["tags"]["nodes"],
        json!([{"slug": "budget", "articleCount": 2}]),
        "{body}"
    );
    assert_eq!(body["data"]["authors"]["nodes"][0]["slug"], "rahim");
    // Counts are batched: two authors cost what one does.
    let mut statements = Vec::new();
    for first in [1, 2] {
        statements.push(
            app.statements(|| async move {
                let body = app
                    .graphql(
                        "query($n: Int!) { authors(first: $n) { nodes { articleCount } } }",
                        json!({"n": first}),
                    )
                    .await;
                assert_eq!(
                    body["data"]["authors"]["nodes"].as_array().unwrap().len(),
                    first as usize
                );
            })
            .await,
        );
    }
    assert_eq!(statements[0], statements[1], "{statements:?}");
    assert!(body["data"]["authors"]["nextCursor"].is_string());
}

async fn taxonomy_and_collections_are_written_over_graphql(app: &TestApp) {
    let editor = app.key(Scope::Editor).await;
    let admin_key = app.key(Scope::Admin).await;
    let made = app
        .graphql_as(
            &editor,
            "mutation { createTag(input: {name: \"বন্যা\", slug: \"flood\"}) { slug name } createAuthor(input: {name: \"সুমাইয়া হক\", slug: \"sumaiya\", bio: \"জেলা প্রতিনিধি\"}) { slug bio } }",
            json!({}),
        )
        .await;
    assert_eq!(made["data"]["createTag"]["slug"], "flood", "{made}");
    assert_eq!(made["data"]["createAuthor"]["bio"], "জেলা প্রতিনিধি");
    // Sections need an admin key.
    let refused = app
        .graphql_as(
            &editor,
            "mutation { createSection(input: {name: \"পরিবেশ\", slug: \"environment\"}) { slug } }",
            json!({}),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
    let made = app
        .graphql_as(
            &admin_key,
            "mutation { createSection(input: {name: \"পরিবেশ\", slug: \"environment\", parent: \"national\"}) { slug parent { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        made["data"]["createSection"]["parent"]["slug"], "national",
        "{made}"
    );
    let section = app.get_json("/v1/sections/environment", 200).await;
    assert_eq!(section["data"]["name"], "পরিবেশ");

    let changed = app
        .graphql_as(
            &editor,
            "mutation { updateAuthor(slug: \"sumaiya\", input: {bio: null}) { bio name } updateTag(slug: \"flood\", input: {name: \"বন্যা পরিস্থিতি\"}) { name } }",
            json!({}),
        )
        .await;
    assert!(
        changed["data"]["updateAuthor"]["bio"].is_null(),
        "{changed}"
    );
    assert_eq!(changed["data"]["updateAuthor"]["name"], "সুমাইয়া হক");
    assert_eq!(changed["data"]["updateTag"]["name"], "বন্যা পরিস্থিতি");

    let bad = app
        .graphql_as(
            &editor,
            "mutation { createTag(input: {slug: \"x\"}) { slug } }",
            json!({}),
        )
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{bad}"
    );

    let p = &app.ids.public;
    let saved = app
        .graphql_as(
            &editor,
            "mutation($a: [ID!]!) { saveCollection(slug: \"picks\", input: {name: \"সম্পাদকের পছন্দ\", articles: $a}) { slug name articles { databaseId } } }",
            json!({"a": [p[2].to_string(), p[0].to_string()]}),
        )
        .await;
    let got: Vec<&str> = saved["data"]["saveCollection"]["articles"]
        .as_array()
        .unwrap_or_else(|| panic!("{saved}"))
        .iter()
        .map(|a| a["databaseId"].as_str().unwrap())
        .collect();
    assert_eq!(got, [p[2].to_string(), p[0].to_string()]);
    let c = app.get_json("/v1/collections/picks", 200).await;
    assert_eq!(c["data"]["name"], "সম্পাদকের পছন্দ");

    let deleted = app
        .graphql_as(
            &editor,
            "mutation { deleteCollection(slug: \"picks\") deleteTag(slug: \"flood\") deleteAuthor(slug: \"sumaiya\") }",
            json!({}),
        )
        .await;
    assert_eq!(
        deleted["data"],
        json!({"deleteCollection": true, "deleteTag": true, "deleteAuthor": true}),
        "{deleted}"
    );
    app.get_json("/v1/collections/picks", 404).await;
    app.get_json("/v1/tags/flood", 404).await;
    let anonymous = app
        .graphql(
            "mutation { deleteSection(slug: \"environment\") }",
            json!({}),
        )
        .await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    let gone = app
        .graphql_as(
            &admin_key,
            "mutation { deleteSection(slug: \"environment\") }",
            json!({}),
        )
        .await;
    assert_eq!(gone["data"]["deleteSection"], true, "{gone}");
}

async fn an_export_imported_into_an_empty_database_reproduces_every_article(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    three_kinds(app, &key).await;
    // A correction-free article with every optional field the import takes.
    admin(
        app,
        &key,
        Method::PUT,
        "/v1/admin/articles/by-external-id/full-1",
        json!({
            "headline": "সব ঘর ভরা খবর",
            "kicker": "বিশেষ",
            "summary": "সংক্ষেপ",
            "body": [{"type": "paragraph", "text": "প্রথম।"}, {"type": "quote", "text": "উক্তি", "cite": "কেউ"}],
            "section": "cricket",
            "secondarySections": ["national"],
            "authors": [{"slug": "rahim", "name": "রহিম উদ্দিন"}],
            "tags": ["বাজেট"],
            "desk": "ক্রীড়া ডেস্ক",
            "source": "বাসস",
            "sourceUrl": "https://example.com/a",
            "dateline": "চট্টগ্রাম",
            "image": {"url": "https://images.example/x.jpg", "alt": "মাঠ"},
            "publishedAt": "2026-11-30T10:00:00Z",
            "canonicalUrl": "https://example.com/canonical",
            "kind": "analysis",
            "access": "metered",
        }),
    )
    .await;
    // A live page that has ended keeps its state through the round trip.
    let live = write_article(
        app,
        &key,
        json!({"headline": "নির্বাচনের দিন সরাসরি", "section": "national", "bodyText": "ভোট চলছে।", "kind": "live"}),
        true,
    )
    .await;
    admin(
        app,
        &key,
        Method::PATCH,
        &format!("/v1/admin/articles/{live}"),
        json!({"liveState": "ended"}),
    )
    .await;
    // Two versions of a story, the older linked to the newer one (so the
    // story's anchor has the higher id), and an English byline.
    let older = write_article(
        app,
        &key,
        json!({"headline": "নদীভাঙনে ঘর হারাল শতাধিক পরিবার", "section": "national", "bodyText": "ভাঙন চলছে।"}),
        true,
    )
    .await;
    let newer = write_article(
        app,
        &key,
        json!({"headline": "River erosion leaves families homeless", "section": "national",
               "bodyText": "Erosion goes on.", "language": "en", "authors": ["rahim"]}),
        true,
    )
    .await;
    let linked = admin(
        app,
        &key,
        Method::PATCH,
        &format!("/v1/admin/articles/{older}"),
        json!({"translationOf": newer}),
    )
    .await;
    assert_eq!(linked["translationGroup"], json!(newer), "{linked}");
    admin(
        app,
        &key,
        Method::POST,
        &format!("/v1/admin/articles/{older}/corrections"),
        json!({"kind": "clarification", "text": "নদীর নাম সংশোধন করা হয়েছে।"}),
    )
    .await;
    admin(
        app,
        &key,
        Method::PATCH,
        "/v1/admin/authors/rahim",
        json!({"nameEn": "Rahim Uddin", "bio": "নদী ও পরিবেশ নিয়ে লেখেন।"}),
    )
    .await;
    let mut first = Vec::new();
    let report = app::export::export_lines(&app.repo, None, &mut first, |_| {})
        .await
        .unwrap();
    let lines: Vec<Value> = first
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    // Five public, five hidden (the deleted one stays behind), three kinds,
    // one full, one live page, two versions of a story.
    assert_eq!(report.articles, 17);
    assert_eq!(lines.len(), 17);
    // The story's older version comes first and the newer one points to
    // it, whatever way round they were linked.
    let at = |needle: &str| {
        lines
            .iter()
            .position(|l| l["headline"].as_str().unwrap().contains(needle))
            .unwrap()
    };
    let (bn_line, en_line) = (at("নদীভাঙনে"), at("River erosion"));
    assert!(bn_line < en_line);
    assert!(lines[bn_line].get("translationOf").is_none());
    assert!(
        lines[en_line]["translationOf"].is_string(),
        "{} {}",
        lines[bn_line],
        lines[en_line]
    );
    assert_eq!(lines[en_line]["authors"][0]["nameEn"], "Rahim Uddin");
    assert_eq!(lines[bn_line]["corrections"][0]["kind"], "clarification");
    assert_eq!(lines[en_line].get("corrections"), None);
    assert!(lines.iter().any(|l| l["liveState"] == "ended"));
    let statuses: std::collections::BTreeSet<&str> = lines
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        ["draft", "published", "scheduled", "unpublished"]
    );
    assert!(
        !String::from_utf8_lossy(&first).contains("মুছে ফেলা গোপন"),
        "deleted articles are not exported"
    );
    assert!(lines.iter().any(|l| l["embargoUntil"].is_string()));

    // Into an empty database of the same engine.
    let engine = match app.db.as_ref().map(|d| d.url.starts_with("postgres")) {
        Some(true) => persistence::testing::Engine::Postgres,
        _ => persistence::testing::Engine::Sqlite,
    };
    let Some(target) = persistence::testing::TestDb::new(engine).await.unwrap() else {
        return;
    };
    let repo = persistence::ContentRepo::new(target.db.clone());
    let imported = app::import::import_lines(
        &repo,
        first.as_slice(),
        app::import::PublishedFallback::Draft,
        Utc::now(),
        |_, _, _| {},
    )
    .await
    .unwrap();
    assert!(imported.failed.is_empty(), "{:?}", imported.failed);
    assert_eq!(imported.created, 17);
    // Sections arrive whole (names, order, parents) and bylines with
    // their bios, not as bare slugs.
    let tree = |list: Vec<domain::Section>| {
        let slug_of: std::collections::HashMap<i64, String> =
            list.iter().map(|s| (s.id, s.slug.clone())).collect();
        list.into_iter()
            .map(|s| {
                let parent = s.parent_id.map(|p| slug_of[&p].clone());
                (
                    s.slug,
                    (
                        s.name,
                        s.name_en,
                        s.language,
                        parent,
                        s.position,
                        s.description,
                    ),
                )
            })
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let source = tree(app.repo.sections().await.unwrap());
    let copied = tree(repo.sections().await.unwrap());
    assert!(copied.len() >= 3, "{copied:?}");
    for (slug, got) in &copied {
        assert_eq!(Some(got), source.get(slug), "section {slug}");
    }
    assert!(
        copied.values().any(|s| s.3.is_some()),
        "a section with a parent travelled: {copied:?}"
    );
    let rahim = repo.author_by_slug("rahim").await.unwrap().unwrap();
    assert_eq!(rahim.bio.as_deref(), Some("নদী ও পরিবেশ নিয়ে লেখেন।"));
    // The copy exports to the very same lines: every field survived.
    let mut second = Vec::new();
    app::export::export_lines(&repo, None, &mut second, |_| {})
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8(second).unwrap(),
        String::from_utf8(first.clone()).unwrap()
    );
    // Importing the file again changes nothing.
    let again = app::import::import_lines(
        &repo,
        first.as_slice(),
        app::import::PublishedFallback::Draft,
        Utc::now(),
        |_, _, _| {},
    )
    .await
    .unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 17));
    // `since` keeps to what changed from then on.
    let mut none = Vec::new();
    let later = app::export::export_lines(
        &app.repo,
        Some(Utc::now() + Duration::days(3)),
        &mut none,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(later.articles, 0);
    let mut recent = Vec::new();
    let since_now = app::export::export_lines(
        &app.repo,
        Some(Utc::now() - Duration::minutes(5)),
        &mut recent,
        |_| {},
    )
    .await
    .unwrap();
    assert!(
        since_now.articles >= 5 && since_now.articles < 17,
        "this test's writes and the future-dated ones: {}",
        since_now.articles
    );
    target.cleanup().await;
}

async fn totals_are_counted_only_when_asked_and_capped(app: &TestApp) {
    let plain = app.get_json("/v1/articles", 200).await;
    assert!(plain["page"].get("total").is_none(), "{plain}");
    let counted = app
        .get_json("/v1/articles?include=total&limit=2", 200)
        .await;
    assert_eq!(
        counted["page"]["total"],
        json!({"value": 5, "relation": "eq"})
    );
    assert_eq!(counted["data"].as_array().unwrap().len(), 2);
    // The count ignores the page: the same on the next one.
    let cursor = counted["page"]["nextCursor"].as_str().unwrap();
    let next = app
        .get_json(
            &format!("/v1/articles?include=total&limit=2&cursor={cursor}"),
            200,
        )
        .await;
    assert_eq!(next["page"]["total"]["value"], 5);
    // Sections count their sub-sections and secondary filings once each.
    let national = app
        .get_json("/v1/sections/national/articles?include=total", 200)
        .await;
    assert_eq!(
        national["page"]["total"]["value"].as_u64().unwrap() as usize,
        national["data"].as_array().unwrap().len()
    );
    assert_eq!(national["page"]["total"]["value"], 3, "{national}");
    let series = app
        .get_json("/v1/sections/sports/articles?include=total&tag=series", 200)
        .await;
    assert_eq!(series["page"]["total"]["value"], 2, "{series}");
    let bad = app.get_json("/v1/articles?include=everything", 400).await;
    assert_eq!(bad["errors"][0]["field"], "include");

    // Past the cap the count stops and says "at least".
    let filter = domain::ArticleFilter::default();
    assert_eq!(
        app.repo.count_public(&filter, Utc::now(), 3).await.unwrap(),
        (3, false)
    );
    assert_eq!(
        app.repo.count_public(&filter, Utc::now(), 5).await.unwrap(),
        (5, true)
    );

    let body = app
        .graphql(
            "{ articles(section: \"sports\", first: 1) { totalCount totalCountIsExact edges { node { databaseId } } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["articles"]["totalCount"], 3, "{body}");
    assert_eq!(body["data"]["articles"]["totalCountIsExact"], true);
}

async fn several_values_and_negations_filter_lists_feeds_and_search(app: &TestApp) {
    let [p1, p2, p3, p4, p5] = app.ids.public[..] else {
        panic!("five public articles")
    };
    let list = |query: &'static str| async move {
        ids(&app.get_json(&format!("/v1/articles?{query}"), 200).await["data"])
    };
    // Tags: any, all (`+`, as sent raw or encoded), none.
    assert_eq!(list("tag=budget,series").await, [p1, p2, p5]);
    assert_eq!(list("tag=budget+series").await, [p2]);
    assert_eq!(list("tag=budget%2Bseries").await, [p2]);
    assert_eq!(list("-tag=budget").await, [p3, p4, p5]);
    assert_eq!(list("tag=series&-tag=budget").await, [p5]);
    // Sections: several (sub-sections and secondary filings included), none.
    assert_eq!(list("section=national,international").await, [p1, p2, p4]);
    assert_eq!(list("-section=sports").await, [p1, p4]);
    assert_eq!(list("section=national&-section=cricket").await, [p1, p4]);
    // Authors.
    assert_eq!(list("author=rahim+karima").await, [p2]);
    assert_eq!(list("author=rahim,karima").await, [p1, p2]);
    assert_eq!(list("-author=rahim").await, [p3, p4, p5]);
    // The scoped lists take the other dimensions the same way.
    let got = ids(&app
        .get_json("/v1/sections/sports/articles?-tag=series", 200)
        .await["data"]);
    assert_eq!(got, [p3]);
    let counted = app
        .get_json("/v1/articles?tag=budget,series&include=total", 200)
        .await;
    assert_eq!(counted["page"]["total"]["value"], 3);

    // Refusals name the parameter; unknown slugs are 404 as for one.
    for (query, field) in [
        ("section=sports+cricket", "section"),
        ("tag=budget,series+x", "tag"),
        ("tag=a,b,c,d,e,f,g,h,i,j,k", "tag"),
        ("-tag=budget+series", "-tag"),
        ("author=,rahim", "author"),
    ] {
        let bad = app.get_json(&format!("/v1/articles?{query}"), 400).await;
        assert_eq!(bad["errors"][0]["field"], field, "{query}: {bad}");
    }
    app.get_json("/v1/articles?-tag=nothing-like-it", 404).await;

    // A cursor is bound to its filter, not to the order of its values.
    let page = app
        .get_json("/v1/articles?tag=budget,series&limit=1", 200)
        .await;
    let cursor = page["page"]["nextCursor"].as_str().unwrap().to_owned();
    let next = app
        .get_json(
            &format!("/v1/articles?tag=series,budget&limit=1&cursor={cursor}"),
            200,
        )
        .await;
    assert_eq!(ids(&next["data"]), [p2]);
    app.get_json(
        &format!("/v1/articles?tag=budget+series&limit=1&cursor={cursor}"),
        400,
    )
    .await;
    app.get_json(
        &format!("/v1/articles?tag=budget,series&-tag=x&limit=1&cursor={cursor}"),
        404,
    )
    .await;

    // Feeds take the same filters and keep them in their links.
    let feed: Value = app
        .get("/feeds/feed.json?-tag=budget&limit=1")
        .await
        .json()
        .await
        .unwrap();
    let id_of = |item: &Value| -> i64 {
        item["id"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(id_of(&feed["items"][0]), p3, "{feed}");
    let next = feed["next_url"].as_str().unwrap();
    assert!(next.contains("-tag=budget&limit=1&cursor="), "{next}");
    let second: Value = app
        .get(&next[next.find("/feeds/").unwrap()..])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(id_of(&second["items"][0]), p4, "{second}");
    let res = app
        .get("/feeds/sections/sports/feed.json?section=national")
        .await;
    assert_eq!(res.status(), 400, "a section feed's section is its path's");
    let rss = app
        .get("/feeds/sections/sports/rss.xml?-tag=series")
        .await
        .text()
        .await
        .unwrap();
    assert!(rss.contains("খেলার মাঠে নতুন মৌসুম") && !rss.contains("সিরিজের দ্বিতীয় ম্যাচ"));

    // Search.
    app.sync_index().await;
    let search = |query: String| async move {
        let mut got = ids(&app
            .get_json(
                &format!("/v1/search?q={}&{query}", percent_encode("অনুচ্ছেদ")),
                200,
            )
            .await["data"]);
        got.sort_unstable();
        got
    };
    let mut want = vec![p3, p4, p5];
    want.sort_unstable();
    assert_eq!(search("-tag=budget".into()).await, want);
    assert_eq!(search("author=rahim%2Bkarima".into()).await, [p2]);
    let mut want = vec![p1, p4];
    want.sort_unstable();
    assert_eq!(search("-section=sports".into()).await, want);

    // GraphQL: typed filters.
    let gql = |query: &'static str| async move {
        let body = app.graphql(query, json!({})).await;
        body["data"]["articles"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|e| {
                e["node"]["databaseId"]
                    .as_str()
                    .unwrap()
                    .parse::<i64>()
                    .unwrap()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        gql("{ articles(tags: {allOf: [\"budget\", \"series\"]}) { edges { node { databaseId } } } }").await,
        [p2]
    );
    assert_eq!(
        gql("{ articles(sections: {noneOf: [\"sports\"]}, authors: {anyOf: [\"rahim\"]}) { edges { node { databaseId } } } }").await,
        [p1]
    );
    let both = app
        .graphql(
            "{ articles(tag: \"budget\", tags: {anyOf: [\"series\"]}) { edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        both["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{both}"
    );
}

async fn an_editors_picks_come_first_among_related_stories(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let [p1, _, _, p4, p5] = app.ids.public[..] else {
        panic!("five public articles")
    };
    app.sync_index().await;
    let path = format!("/v1/admin/articles/{p1}/picks");
    // Picks of any status may be stored; readers see the public ones.
    let picked = admin(
        app,
        &key,
        Method::PUT,
        &path,
        json!({"articles": [p4.to_string(), app.ids.draft.to_string(), p5.to_string()]}),
    )
    .await;
    assert_eq!(ids(&picked), [p4, app.ids.draft, p5]);
    let related = app
        .get_json(&format!("/v1/articles/{p1}/related?limit=5"), 200)
        .await;
    let got = ids(&related["data"]);
    assert_eq!(&got[..2], &[p4, p5], "picks first, in order: {related}");
    assert!(!got.contains(&app.ids.draft) && !got.contains(&p1));
    assert_eq!(related["data"][0]["editorsPick"], true);
    assert_eq!(related["data"][1]["editorsPick"], true);
    if got.len() > 2 {
        assert_eq!(related["data"][2]["editorsPick"], false);
    }
    assert_eq!(
        got.iter().filter(|id| **id == p4).count(),
        1,
        "no story twice"
    );
    let one = app
        .get_json(&format!("/v1/articles/{p1}/related?limit=1"), 200)
        .await;
    assert_eq!(ids(&one["data"]), [p4]);
    // GraphQL's related is the same list.
    let body = app
        .graphql(
            "query($id: ID!) { article(id: $id) { related(first: 2) { databaseId } } }",
            json!({"id": p1.to_string()}),
        )
        .await;
    let gql: Vec<&str> = body["data"]["article"]["related"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|a| a["databaseId"].as_str().unwrap())
        .collect();
    assert_eq!(gql, [p4.to_string(), p5.to_string()]);
    // relatedStories is that list with each story's provenance, the same
    // as REST's.
    let body = app
        .graphql(
            "query($id: ID!) { article(id: $id) { relatedStories(first: 5) { editorsPick article { databaseId } } } }",
            json!({"id": p1.to_string()}),
        )
        .await;
    let stories: Vec<(i64, bool)> = body["data"]["article"]["relatedStories"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|s| {
            (
                s["article"]["databaseId"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap(),
                s["editorsPick"].as_bool().unwrap(),
            )
        })
        .collect();
    let rest: Vec<(i64, bool)> = related["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().parse().unwrap(),
                a["editorsPick"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(stories, rest, "{body}");
    assert_eq!(&stories[..2], &[(p4, true), (p5, true)]);

    // Refusals, every one at once; nothing changes.
    let res = app
        .with_key(Method::PUT, &path, &key)
        .json(&json!({"articles": [p1.to_string(), "x", p4.to_string(), p4.to_string(), "999999"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["articles[0]", "articles[1]", "articles[3]", "articles[4]"],
        "{problem}"
    );
    let res = app.with_key(Method::GET, &path, &key).send().await.unwrap();
    let kept: Value = res.json().await.unwrap();
    assert_eq!(ids(&kept["data"]), [p4, app.ids.draft, p5]);
    // Emptied over GraphQL: related is computed again.
    let body = app
        .graphql_as(
            &key,
            "mutation($a: ID!) { setArticlePicks(articleId: $a, articles: []) { databaseId } }",
            json!({"a": p1.to_string()}),
        )
        .await;
    assert_eq!(body["data"]["setArticlePicks"], json!([]), "{body}");
    let related = app
        .get_json(&format!("/v1/articles/{p1}/related?limit=5"), 200)
        .await;
    assert!(
        related["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["editorsPick"] == false)
    );
    let anonymous = app
        .client
        .put(app.url(&path))
        .json(&json!({"articles": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

async fn a_series_has_its_own_list_and_feeds(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let [_, p2, p3, _, p5] = app.ids.public[..] else {
        panic!("five public articles")
    };
    // Editorial order (part one first), a hidden one among them.
    let saved = admin(
        app,
        &key,
        Method::PUT,
        "/v1/admin/series/test-series",
        json!({
            "name": "টেস্ট সিরিজ",
            "description": "ওয়েস্ট ইন্ডিজের বিপক্ষে সিরিজের সব খবর",
            "articles": [p5.to_string(), app.ids.draft.to_string(), p2.to_string(), p3.to_string()],
        }),
    )
    .await;
    assert_eq!(ids(&saved["articles"]), [p5, p2, p3]);
    let series = app.get_json("/v1/series/test-series", 200).await;
    assert_eq!(series["data"]["name"], "টেস্ট সিরিজ");
    assert_eq!(ids(&series["data"]["articles"]), [p5, p2, p3]);
    let all = app.get_json("/v1/series", 200).await;
    assert_eq!(all["data"][0]["slug"], "test-series");
    // Not a collection: the two keep to their own routes.
    app.get_json("/v1/collections/test-series", 404).await;
    let collections = app.get_json("/v1/collections", 200).await;
    assert!(!collections.to_string().contains("test-series"));
    let res = app
        .with_key(Method::PUT, "/v1/admin/collections/test-series", &key)
        .json(&json!({"name": "x", "articles": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409, "a slug is a series or a collection");

    // A series with no public article yet is not shown (its name may
    // speak of unpublished work).
    admin(
        app,
        &key,
        Method::PUT,
        "/v1/admin/series/coming-soon",
        json!({"name": "আসছে", "articles": [app.ids.draft.to_string(), app.ids.scheduled.to_string()]}),
    )
    .await;
    app.get_json("/v1/series/coming-soon", 404).await;
    assert!(
        !app.get_json("/v1/series", 200)
            .await
            .to_string()
            .contains("coming-soon")
    );
    assert_eq!(
        app.get("/feeds/series/coming-soon/feed.json")
            .await
            .status(),
        404
    );

    // Its feeds: newest first, the series' title, no filters.
    let feed: Value = app
        .get("/feeds/series/test-series/feed.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        feed["title"].as_str().unwrap().split(" — ").next(),
        Some("টেস্ট সিরিজ")
    );
    let order: Vec<i64> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["id"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(order, [p2, p3, p5], "newest first: {feed}");
    let rss = app.get("/feeds/series/test-series/rss.xml").await;
    assert_eq!(rss.status(), 200);
    let rss = rss.text().await.unwrap();
    assert!(rss.contains("ক্রিকেটে বড় জয়") && !rss.contains("বাজেট ঘোষণা আজ"));
    let res = app
        .get("/feeds/series/test-series/atom.xml?tag=budget")
        .await;
    assert_eq!(res.status(), 400, "a series' feed takes no list filters");
    assert_eq!(app.get("/feeds/series/nothing/rss.xml").await.status(), 404);

    // GraphQL.
    let body = app
        .graphql(
            "{ series(slug: \"test-series\") { name articles { databaseId } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["series"]["articles"][0]["databaseId"],
        p5.to_string(),
        "{body}"
    );
    let body = app
        .graphql_as(
            &key,
            "mutation { saveSeries(slug: \"budget-week\", input: {name: \"বাজেট সপ্তাহ\", articles: []}) { slug } deleteSeries(slug: \"test-series\") }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["saveSeries"]["slug"], "budget-week", "{body}");
    assert_eq!(body["data"]["deleteSeries"], true);
    app.get_json("/v1/series/test-series", 404).await;
    assert_eq!(
        app.get("/feeds/series/test-series/rss.xml").await.status(),
        404
    );
}
