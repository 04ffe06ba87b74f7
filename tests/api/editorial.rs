//! The editorial write API: keys and scopes, the lifecycle, optimistic
//! concurrency, revisions, validation, taxonomy, audit, GraphQL mutations.

use chrono::{Duration, Utc};
use domain::Scope;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both;

on_both!(
    every_admin_route_enforces_its_scope,
    an_article_goes_from_draft_to_published_to_corrected_to_unpublished,
    a_stale_version_is_refused_and_nothing_is_written,
    two_editors_updating_one_article_cannot_lose_an_update,
    upsert_by_external_id_is_idempotent,
    external_ids_that_look_like_sub_resources_upsert,
    taxonomy_bodies_refuse_fields_their_kind_does_not_have,
    upsert_by_external_id_applies_the_editors_length_caps,
    rest_takes_body_text_as_graphql_does,
    every_update_keeps_the_previous_version_as_a_revision,
    invalid_articles_are_refused_whole_with_every_bad_field,
    scheduled_and_embargoed_articles_wait_for_their_time,
    deleting_is_soft_and_final_for_the_public,
    sections_authors_and_tags_are_managed_with_clear_conflicts,
    writes_are_audited_for_admins,
    graphql_mutations_run_the_same_lifecycle_with_scoped_keys,
);

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

async fn create(app: &TestApp, key: &str, body: Value) -> Value {
    let res = send(
        app,
        Method::POST,
        "/v1/admin/articles",
        Some(key),
        Some(body),
    )
    .await;
    assert_eq!(res.status().as_u16(), 201);
    res.json::<Value>().await.unwrap()["data"].clone()
}

fn draft(slug: &str) -> Value {
    json!({
        "headline": "সংসদে নতুন আইন পাস",
        "slug": slug,
        "summary": "আইনটি আগামী মাস থেকে কার্যকর হবে।",
        "section": "national",
        "body": [{"type": "paragraph", "text": "সংসদে আজ নতুন আইন পাস হয়েছে।"}],
        "authors": ["rahim"],
        "tags": ["budget"]
    })
}

async fn every_admin_route_enforces_its_scope(app: &TestApp) {
    let partner = app.key(Scope::Partner).await;
    let editor = app.key(Scope::Editor).await;
    let admin = app.key(Scope::Admin).await;
    let revoked = app.key(Scope::Admin).await;
    let revoked_id = app.repo.keys().await.unwrap().last().unwrap().id;
    app.repo
        .revoke_key(revoked_id, persistence::WriteContext::system(Utc::now()))
        .await
        .unwrap();
    let id = app.ids.public[0];
    // (method, path, body, minimum scope); bodies are valid so only the scope decides.
    let routes: Vec<(Method, String, Option<Value>, Scope)> = vec![
        (
            Method::GET,
            "/v1/admin/articles".into(),
            None,
            Scope::Editor,
        ),
        (
            Method::POST,
            "/v1/admin/articles".into(),
            Some(draft("scope-test-SCOPE")),
            Scope::Editor,
        ),
        (
            Method::GET,
            format!("/v1/admin/articles/{id}"),
            None,
            Scope::Editor,
        ),
        (
            Method::PATCH,
            format!("/v1/admin/articles/{id}"),
            Some(json!({"kicker": "নতুন"})),
            Scope::Editor,
        ),
        (
            Method::GET,
            format!("/v1/admin/articles/{id}/revisions"),
            None,
            Scope::Editor,
        ),
        (
            Method::POST,
            format!("/v1/admin/articles/{id}/publish"),
            None,
            Scope::Editor,
        ),
        (
            Method::PUT,
            "/v1/admin/articles/by-external-id/scope-ext".into(),
            Some(json!({"headline": "খবর", "body": "লেখা", "section": "national"})),
            Scope::Editor,
        ),
        (
            Method::POST,
            "/v1/admin/tags".into(),
            Some(json!({"name": "নতুন ট্যাগ", "slug": "tag-SCOPE"})),
            Scope::Editor,
        ),
        (
            Method::POST,
            "/v1/admin/authors".into(),
            Some(json!({"name": "নতুন লেখক", "slug": "author-SCOPE"})),
            Scope::Editor,
        ),
        (
            Method::POST,
            "/v1/admin/sections".into(),
            Some(json!({"name": "মতামত", "slug": "opinion"})),
            Scope::Admin,
        ),
        (Method::GET, "/v1/admin/audit".into(), None, Scope::Admin),
        (Method::GET, "/v1/admin/keys".into(), None, Scope::Admin),
    ];
    for (method, path, body, needed) in &routes {
        for (who, key) in [
            ("anonymous", None),
            ("unknown", Some("barta_not-a-real-key")),
            ("revoked", Some(revoked.as_str())),
            ("garbage", Some("Basic abc")),
        ] {
            let res = send(app, method.clone(), path, key, body.clone()).await;
            assert_eq!(res.status().as_u16(), 401, "{who} {method} {path}");
            assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"barta\"");
            assert_eq!(res.headers()["content-type"], "application/problem+json");
        }
        for (scope, key) in [
            (Scope::Partner, &partner),
            (Scope::Editor, &editor),
            (Scope::Admin, &admin),
        ] {
            // Each scope creates things under its own slugs.
            let body = body.as_ref().map(|b| {
                serde_json::from_str::<Value>(&b.to_string().replace("SCOPE", scope.as_str()))
                    .unwrap()
            });
            let res = send(app, method.clone(), path, Some(key), body).await;
            let status = res.status().as_u16();
            if scope.allows(*needed) {
                assert!(
                    (200..300).contains(&status),
                    "{scope} {method} {path} gave {status}"
                );
            } else {
                assert_eq!(status, 403, "{scope} {method} {path}");
                let body: Value = res.json().await.unwrap();
                assert_eq!(body["code"], "forbidden");
            }
        }
    }
}

async fn an_article_goes_from_draft_to_published_to_corrected_to_unpublished(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let created = create(app, &key, draft("new-law")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["status"], "draft");
    assert_eq!(created["version"], 1);
    assert_eq!(created["isPublic"], false);
    assert_eq!(created["authors"][0]["slug"], "rahim");
    app.get_json(&format!("/v1/articles/{id}"), 404).await;
    app.get_json("/v1/articles/new-law", 404).await;

    let res = send(
        app,
        Method::POST,
        &format!("/v1/admin/articles/{id}/publish"),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["etag"], "\"v2\"");
    let published: Value = res.json().await.unwrap();
    assert_eq!(published["data"]["isPublic"], true);
    let public = app.get_json("/v1/articles/new-law", 200).await;
    assert_eq!(public["data"]["headline"], "সংসদে নতুন আইন পাস");
    assert_eq!(app.list_ids("/v1/articles").await[0].to_string(), id);
    let first_published = public["data"]["publishedAt"].clone();

    let res = send(
        app,
        Method::POST,
        &format!("/v1/admin/articles/{id}/corrections"),
        Some(&key),
        Some(json!({"kind": "correction", "text": "আগের সংস্করণে তারিখ ভুল ছিল।"})),
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let corrected = app.get_json(&format!("/v1/articles/{id}"), 200).await["data"].clone();
    assert_eq!(corrected["corrections"][0]["kind"], "correction");
    assert_eq!(
        corrected["corrections"][0]["text"],
        "আগের সংস্করণে তারিখ ভুল ছিল।"
    );
    assert_eq!(
        corrected["publishedAt"], first_published,
        "a correction does not republish"
    );
    assert!(corrected["updatedAt"].as_str().unwrap() >= first_published.as_str().unwrap());

    let res = send(
        app,
        Method::POST,
        &format!("/v1/admin/articles/{id}/unpublish"),
        Some(&key),
        Some(json!({"reason": "আইনি কারণে"})),
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["status"], "unpublished");
    assert_eq!(body["data"]["unpublishReason"], "আইনি কারণে");
    app.get_json(&format!("/v1/articles/{id}"), 404).await;
    assert!(
        !app.list_ids("/v1/articles")
            .await
            .iter()
            .any(|a| a.to_string() == id)
    );
    // Editors still see it.
    let preview = send(
        app,
        Method::GET,
        &format!("/v1/admin/articles/{id}"),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(preview.status().as_u16(), 200);
    let missing_reason = send(
        app,
        Method::POST,
        &format!("/v1/admin/articles/{id}/unpublish"),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(missing_reason.status().as_u16(), 422);
}

async fn a_stale_version_is_refused_and_nothing_is_written(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let id = create(app, &key, draft("versioned")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/admin/articles/{id}");
    let ok = app
        .with_key(Method::PATCH, &path, &key)
        .header("if-match", "\"v1\"")
        .json(&json!({"headline": "প্রথম সম্পাদনা"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(ok.headers()["etag"], "\"v2\"");
    let revisions_before = app.repo.count_rows("revisions").await.unwrap();
    let audit_before = app.repo.count_rows("audit_log").await.unwrap();
    let stale = app
        .with_key(Method::PATCH, &path, &key)
        .header("if-match", "\"v1\"")
        .json(&json!({"headline": "হারিয়ে যাওয়া সম্পাদনা"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status().as_u16(), 412);
    let problem: Value = stale.json().await.unwrap();
    assert_eq!(problem["code"], "precondition_failed");
    let now = send(app, Method::GET, &path, Some(&key), None)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(now["data"]["headline"], "প্রথম সম্পাদনা");
    assert_eq!(now["data"]["version"], 2);
    assert_eq!(
        app.repo.count_rows("revisions").await.unwrap(),
        revisions_before
    );
    assert_eq!(
        app.repo.count_rows("audit_log").await.unwrap(),
        audit_before
    );
    let gql = app
        .graphql_as(
            &key,
            "mutation($id: ID!) { publishArticle(id: $id, expectedVersion: 1) { version } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(gql["errors"][0]["extensions"]["code"], "CONFLICT", "{gql}");
    let bad = app
        .with_key(Method::PATCH, &path, &key)
        .header("if-match", "yesterday")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
}

async fn two_editors_updating_one_article_cannot_lose_an_update(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let id = create(app, &key, draft("contested")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/admin/articles/{id}");
    let edit = |headline: &'static str| {
        app.with_key(Method::PATCH, &path, &key)
            .header("if-match", "\"v1\"")
            .json(&json!({"headline": headline}))
            .send()
    };
    let (a, b) = tokio::join!(edit("সম্পাদক ক-এর শিরোনাম"), edit("সম্পাদক খ-এর শিরোনাম"));
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 412], "exactly one editor wins");
    let winner = if a.status().as_u16() == 200 { a } else { b };
    let winner: Value = winner.json().await.unwrap();
    let stored = send(app, Method::GET, &path, Some(&key), None)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(stored["data"]["headline"], winner["data"]["headline"]);
    assert_eq!(stored["data"]["version"], 2);
    let revisions = send(
        app,
        Method::GET,
        &format!("{path}/revisions"),
        Some(&key),
        None,
    )
    .await
    .json::<Value>()
    .await
    .unwrap();
    assert_eq!(revisions["data"].as_array().unwrap().len(), 1);
}

/// External ids that read like the sub-resources of an article id.
async fn external_ids_that_look_like_sub_resources_upsert(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    for external in ["comments", "revisions"] {
        let path = format!("/v1/admin/articles/by-external-id/{external}");
        let body = json!({"headline": format!("বাইরের খবর {external}"), "body": "লেখা", "section": "national"});
        let res = send(app, Method::PUT, &path, Some(&key), Some(body)).await;
        assert_eq!(res.status().as_u16(), 201, "PUT {path}");
        let created: Value = res.json().await.unwrap();
        assert_eq!(created["data"]["externalId"], external);
    }
}

async fn upsert_by_external_id_is_idempotent(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let path = "/v1/admin/articles/by-external-id/wire-2024-001";
    let body = json!({
        "headline": "বন্যায় নতুন এলাকা প্লাবিত",
        "body": "নদীর পানি বাড়ছে।\n\nআশ্রয়কেন্দ্র খোলা হয়েছে।",
        "section": "national",
        "publishedAt": "2024-11-12T05:31:00Z",
        "tags": ["বন্যা"]
    });
    let first = send(app, Method::PUT, path, Some(&key), Some(body.clone())).await;
    assert_eq!(first.status().as_u16(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send(app, Method::PUT, path, Some(&key), Some(body.clone())).await;
    assert_eq!(again.status().as_u16(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["data"]["id"], again["data"]["id"]);
    assert_eq!(
        again["data"]["version"], 1,
        "unchanged input writes nothing"
    );
    assert_eq!(again["data"]["externalId"], "wire-2024-001");
    let mut changed = body.clone();
    changed["headline"] = json!("বন্যায় আরও নতুন এলাকা প্লাবিত");
    let third: Value = send(app, Method::PUT, path, Some(&key), Some(changed))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(third["data"]["version"], 2);
    assert_eq!(
        third["data"]["slug"], first["data"]["slug"],
        "the URL survives a headline edit"
    );
    let id = third["data"]["id"].as_str().unwrap();
    let revisions: Value = send(
        app,
        Method::GET,
        &format!("/v1/admin/articles/{id}/revisions"),
        Some(&key),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(revisions["data"][0]["changed"], json!(["headline"]));
    let mismatch = send(
        app,
        Method::PUT,
        path,
        Some(&key),
        Some(json!({"externalId": "other", "headline": "x", "body": "y"})),
    )
    .await;
    assert_eq!(mismatch.status().as_u16(), 422);
}

/// The wire upsert and the editors' form share one set of field rules: a
/// kicker, summary, desk, source or dateline over its cap is refused on
/// either path, with every long field named and nothing written.
async fn upsert_by_external_id_applies_the_editors_length_caps(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let before = app.repo.article_count_all().await.unwrap();
    let caps = [
        ("kicker", 120),
        ("summary", 1000),
        ("desk", 120),
        ("source", 200),
        ("dateline", 100),
    ];
    let mut long = json!({
        "headline": "লম্বা ঘরের খবর",
        "body": "একটি অনুচ্ছেদ।",
        "section": "national",
    });
    for (field, cap) in caps {
        long[field] = json!("ক".repeat(cap + 1));
    }
    let path = "/v1/admin/articles/by-external-id/wire-long-fields";
    let res = send(app, Method::PUT, path, Some(&key), Some(long.clone())).await;
    assert_eq!(res.status().as_u16(), 422);
    let problem: Value = res.json().await.unwrap();
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    let mut expected: Vec<&str> = caps.iter().map(|(f, _)| *f).collect();
    expected.sort_unstable();
    assert_eq!(fields, expected, "{problem}");
    assert_eq!(app.repo.article_count_all().await.unwrap(), before);
    // At the cap, the same input is accepted.
    let mut fits = long;
    for (field, cap) in caps {
        fits[field] = json!("ক".repeat(cap));
    }
    let res = send(app, Method::PUT, path, Some(&key), Some(fits)).await;
    assert_eq!(res.status().as_u16(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(
        created["data"]["dateline"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        100
    );
}

/// REST takes the body as `bodyText` too, the name GraphQL uses; both at
/// once is refused.
async fn rest_takes_body_text_as_graphql_does(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let created = create(
        app,
        &key,
        json!({"headline": "বডি টেক্সট", "section": "national", "bodyText": "এক।\n\nদুই।"}),
    )
    .await;
    assert_eq!(created["body"].as_array().unwrap().len(), 2, "{created}");
    let both = send(
        app,
        Method::POST,
        "/v1/admin/articles",
        Some(&key),
        Some(json!({"headline": "দুটোই", "section": "national", "body": "এক।", "bodyText": "দুই।"})),
    )
    .await;
    assert_eq!(both.status().as_u16(), 422);
    let problem: Value = both.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "bodyText", "{problem}");
}

async fn every_update_keeps_the_previous_version_as_a_revision(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let key_id = app.repo.keys().await.unwrap().last().unwrap().id;
    let id = create(app, &key, draft("revised")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/admin/articles/{id}");
    send(
        app,
        Method::PATCH,
        &path,
        Some(&key),
        Some(json!({"headline": "দ্বিতীয় শিরোনাম"})),
    )
    .await;
    send(
        app,
        Method::PATCH,
        &path,
        Some(&key),
        Some(json!({"summary": null, "kicker": "বিশেষ"})),
    )
    .await;
    let list: Value = send(
        app,
        Method::GET,
        &format!("{path}/revisions"),
        Some(&key),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let list = list["data"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["number"], 2);
    assert_eq!(list[0]["changed"], json!(["kicker", "summary"]));
    assert_eq!(
        list[1]["changed"],
        json!(
            ["headline", "wordCount"]
                .iter()
                .filter(|f| **f == "headline")
                .collect::<Vec<_>>()
        )
    );
    assert_eq!(list[1]["actorKeyId"], key_id.to_string());
    assert!(list[0].get("snapshot").is_none());
    let one: Value = send(
        app,
        Method::GET,
        &format!("{path}/revisions/1"),
        Some(&key),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(one["data"]["snapshot"]["headline"], "সংসদে নতুন আইন পাস");
    let two: Value = send(
        app,
        Method::GET,
        &format!("{path}/revisions/2"),
        Some(&key),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(two["data"]["snapshot"]["headline"], "দ্বিতীয় শিরোনাম");
    assert_eq!(
        two["data"]["snapshot"]["summary"],
        "আইনটি আগামী মাস থেকে কার্যকর হবে।"
    );
    let current: Value = send(app, Method::GET, &path, Some(&key), None)
        .await
        .json()
        .await
        .unwrap();
    assert!(current["data"]["summary"].is_null());
    assert_eq!(
        send(
            app,
            Method::GET,
            &format!("{path}/revisions/9"),
            Some(&key),
            None
        )
        .await
        .status()
        .as_u16(),
        404
    );
    // A PATCH that changes nothing makes no revision.
    send(
        app,
        Method::PATCH,
        &path,
        Some(&key),
        Some(json!({"kicker": "বিশেষ"})),
    )
    .await;
    let list: Value = send(
        app,
        Method::GET,
        &format!("{path}/revisions"),
        Some(&key),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
}

async fn invalid_articles_are_refused_whole_with_every_bad_field(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let before = app.repo.article_count_all().await.unwrap();
    let audit_before = app.repo.count_rows("audit_log").await.unwrap();
    let bad = json!({
        "headline": "ক".repeat(301),
        "slug": "Not A Slug",
        "section": "no-such-section",
        "body": [{"type": "paragraph", "text": "ঠিক আছে"}, {"type": "image", "image": {"url": "javascript:alert(1)"}}],
        "image": {"url": "/relative.jpg"},
        "kicker": "ঘণ্টা\u{0007}বাজে",
        "sourceUrl": "ftp://example.com",
        "authors": ["nobody"],
        "tags": ["budget", "no-tag"]
    });
    let res = send(
        app,
        Method::POST,
        "/v1/admin/articles",
        Some(&key),
        Some(bad),
    )
    .await;
    assert_eq!(res.status().as_u16(), 422);
    let problem: Value = res.json().await.unwrap();
    let mut fields: Vec<String> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    fields.sort();
    let mut expected = vec![
        "headline",
        "slug",
        "section",
        "body[1].image.url",
        "image.url",
        "kicker",
        "sourceUrl",
        "authors[0]",
        "tags[1]",
    ];
    expected.sort();
    assert_eq!(fields, expected);
    let missing = send(
        app,
        Method::POST,
        "/v1/admin/articles",
        Some(&key),
        Some(json!({"kicker": "শুধু"})),
    )
    .await;
    let problem: Value = missing.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["headline", "body", "section"]);
    let res = send(
        app,
        Method::POST,
        "/v1/admin/articles",
        Some(&key),
        Some(json!({"headline": "x", "unknownField": 1})),
    )
    .await;
    assert_eq!(res.status().as_u16(), 400);
    let res = app
        .with_key(Method::POST, "/v1/admin/articles", &key)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let huge =
        json!({"headline": "বড়", "section": "national", "body": "ক".repeat(3 * 1024 * 1024)});
    let res = send(
        app,
        Method::POST,
        "/v1/admin/articles",
        Some(&key),
        Some(huge),
    )
    .await;
    assert_eq!(res.status().as_u16(), 413);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    // A slug clash names the field.
    let clash = send(
        app,
        Method::POST,
        "/v1/admin/articles",
        Some(&key),
        Some(draft("p1")),
    )
    .await;
    assert_eq!(clash.status().as_u16(), 409);
    assert_eq!(clash.json::<Value>().await.unwrap()["field"], "slug");
    assert_eq!(
        app.repo.article_count_all().await.unwrap(),
        before,
        "nothing half-written"
    );
    assert_eq!(
        app.repo.count_rows("audit_log").await.unwrap(),
        audit_before
    );
    // Decomposed input is stored as NFC.
    let decomposed = "বিজয\u{09BC} দিবস";
    let created = create(
        app,
        &key,
        json!({"headline": decomposed, "slug": "bijoy", "section": "national", "body": decomposed}),
    )
    .await;
    assert_eq!(created["headline"], domain::text::nfc(decomposed));
}

async fn scheduled_and_embargoed_articles_wait_for_their_time(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let id = create(app, &key, draft("tomorrow")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let at = (Utc::now() + Duration::hours(6)).to_rfc3339();
    let past = send(
        app,
        Method::POST,
        &format!("/v1/admin/articles/{id}/schedule"),
        Some(&key),
        Some(json!({"publishAt": "2001-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!(past.status().as_u16(), 422);
    let res = send(
        app,
        Method::POST,
        &format!("/v1/admin/articles/{id}/schedule"),
        Some(&key),
        Some(json!({"publishAt": at})),
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["data"]["status"],
        "scheduled"
    );
    app.get_json(&format!("/v1/articles/{id}"), 404).await;
    app.advance_clock(Duration::hours(6) + Duration::seconds(1));
    app.get_json(&format!("/v1/articles/{id}"), 200).await;

    let other = create(app, &key, draft("embargoed-report")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let until = (Utc::now() + Duration::hours(12)).to_rfc3339();
    send(
        app,
        Method::POST,
        &format!("/v1/admin/articles/{other}/embargo"),
        Some(&key),
        Some(json!({"embargoUntil": until})),
    )
    .await;
    send(
        app,
        Method::POST,
        &format!("/v1/admin/articles/{other}/publish"),
        Some(&key),
        None,
    )
    .await;
    app.get_json(&format!("/v1/articles/{other}"), 404).await;
    let lifted = send(
        app,
        Method::POST,
        &format!("/v1/admin/articles/{other}/embargo"),
        Some(&key),
        Some(json!({"embargoUntil": null})),
    )
    .await;
    assert_eq!(lifted.status().as_u16(), 200);
    app.get_json(&format!("/v1/articles/{other}"), 200).await;
}

async fn deleting_is_soft_and_final_for_the_public(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let id = app.ids.public[3];
    let path = format!("/v1/admin/articles/{id}");
    let res = send(app, Method::DELETE, &path, Some(&key), None).await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    assert!(body["data"]["deletedAt"].is_string());
    app.get_json(&format!("/v1/articles/{id}"), 404).await;
    let preview: Value = send(app, Method::GET, &path, Some(&key), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview["data"]["status"], "unpublished");
    let revisions: Value = send(
        app,
        Method::GET,
        &format!("{path}/revisions"),
        Some(&key),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(revisions["data"][0]["action"], "article.delete");
    let republish = send(
        app,
        Method::POST,
        &format!("{path}/publish"),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(republish.status().as_u16(), 409);
    app.get_json(&format!("/v1/articles/{id}"), 404).await;
}

async fn sections_authors_and_tags_are_managed_with_clear_conflicts(app: &TestApp) {
    let editor = app.key(Scope::Editor).await;
    let admin = app.key(Scope::Admin).await;
    let res = send(app, Method::POST, "/v1/admin/sections", Some(&admin), Some(json!({"name": "প্রযুক্তি", "slug": "technology", "nameEn": "Technology", "parent": "national"}))).await;
    assert_eq!(res.status().as_u16(), 201);
    let tree = app.get_json("/v1/sections/national", 200).await;
    assert_eq!(tree["data"]["children"][0]["slug"], "technology");
    let dup = send(
        app,
        Method::POST,
        "/v1/admin/sections",
        Some(&admin),
        Some(json!({"name": "আবার", "slug": "technology"})),
    )
    .await;
    assert_eq!(dup.status().as_u16(), 409);
    let cycle = send(
        app,
        Method::PATCH,
        "/v1/admin/sections/national",
        Some(&admin),
        Some(json!({"parent": "technology"})),
    )
    .await;
    assert_eq!(cycle.status().as_u16(), 422);
    let in_use = send(
        app,
        Method::DELETE,
        "/v1/admin/sections/national",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(in_use.status().as_u16(), 409);
    assert_eq!(in_use.json::<Value>().await.unwrap()["code"], "conflict");
    assert_eq!(
        send(
            app,
            Method::DELETE,
            "/v1/admin/sections/technology",
            Some(&admin),
            None
        )
        .await
        .status()
        .as_u16(),
        204
    );
    app.get_json("/v1/sections/technology", 404).await;

    let tag = send(
        app,
        Method::POST,
        "/v1/admin/tags",
        Some(&editor),
        Some(json!({"name": "নির্বাচন"})),
    )
    .await;
    assert_eq!(tag.status().as_u16(), 201);
    assert_eq!(tag.json::<Value>().await.unwrap()["data"]["slug"], "নির্বাচন");
    let renamed = send(
        app,
        Method::PATCH,
        "/v1/admin/tags/budget",
        Some(&editor),
        Some(json!({"name": "বাজেট ২০২৫"})),
    )
    .await;
    assert_eq!(renamed.status().as_u16(), 200);
    assert_eq!(
        app.get_json("/v1/articles/p1", 200).await["data"]["tags"][0]["name"],
        "বাজেট ২০২৫"
    );
    assert_eq!(
        send(
            app,
            Method::DELETE,
            "/v1/admin/tags/budget",
            Some(&editor),
            None
        )
        .await
        .status()
        .as_u16(),
        409
    );
    assert_eq!(send(app, Method::DELETE, "/v1/admin/tags/%E0%A6%A8%E0%A6%BF%E0%A6%B0%E0%A7%8D%E0%A6%AC%E0%A6%BE%E0%A6%9A%E0%A6%A8", Some(&editor), None).await.status().as_u16(), 204);
    let author = send(app, Method::POST, "/v1/admin/authors", Some(&editor), Some(json!({"name": "সালমা আক্তার", "slug": "salma", "avatarUrl": "https://images.example/salma.jpg"}))).await;
    assert_eq!(author.status().as_u16(), 201);
    assert_eq!(
        send(
            app,
            Method::DELETE,
            "/v1/admin/authors/rahim",
            Some(&editor),
            None
        )
        .await
        .status()
        .as_u16(),
        409
    );
    assert_eq!(
        send(
            app,
            Method::DELETE,
            "/v1/admin/authors/salma",
            Some(&editor),
            None
        )
        .await
        .status()
        .as_u16(),
        204
    );
    assert_eq!(
        send(
            app,
            Method::DELETE,
            "/v1/admin/authors/salma",
            Some(&editor),
            None
        )
        .await
        .status()
        .as_u16(),
        404
    );
}

async fn writes_are_audited_for_admins(app: &TestApp) {
    let editor = app.key(Scope::Editor).await;
    let admin = app.key(Scope::Admin).await;
    let editor_id = app.repo.keys().await.unwrap()[0].id;
    let id = create(app, &editor, draft("audited")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    send(
        app,
        Method::POST,
        &format!("/v1/admin/articles/{id}/publish"),
        Some(&editor),
        None,
    )
    .await;
    let audit: Value = send(
        app,
        Method::GET,
        "/v1/admin/audit?limit=5",
        Some(&admin),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let entries = audit["data"].as_array().unwrap();
    assert_eq!(entries[0]["action"], "article.publish");
    assert_eq!(entries[0]["targetId"], id);
    assert_eq!(entries[0]["actorKeyId"], editor_id.to_string());
    assert_eq!(entries[1]["action"], "article.create");
    let text = audit.to_string();
    assert!(
        !text.contains(&editor) && !text.contains(&admin),
        "keys never appear in the audit log"
    );
    let keys: Value = send(app, Method::GET, "/v1/admin/keys", Some(&admin), None)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !keys.to_string().contains(&editor[10..]),
        "key secrets are not listed"
    );
}

async fn graphql_mutations_run_the_same_lifecycle_with_scoped_keys(app: &TestApp) {
    let editor = app.key(Scope::Editor).await;
    let partner = app.key(Scope::Partner).await;
    let create = r#"mutation($input: CreateArticleInput!) { createArticle(input: $input) { id databaseId status version headline } }"#;
    let input = json!({"headline": "জিকিউএল খবর", "slug": "gql-news", "section": "sports", "bodyText": "এক।\n\nদুই।", "tags": ["series"]});
    let anon = app.graphql(create, json!({"input": input})).await;
    assert_eq!(anon["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let forbidden = app
        .graphql_as(&partner, create, json!({"input": input}))
        .await;
    assert_eq!(forbidden["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let created = app
        .graphql_as(&editor, create, json!({"input": input}))
        .await;
    assert!(created["errors"].is_null(), "{created}");
    // The create input's type requires a headline and a section: a
    // generated client cannot leave them out, and the server refuses the
    // document before running it.
    let headless = app
        .graphql_as(
            &editor,
            create,
            json!({"input": {"section": "sports", "bodyText": "এক।"}}),
        )
        .await;
    assert!(headless["data"].is_null(), "{headless}");
    assert!(
        headless["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("headline"),
        "{headless}"
    );
    let gid = created["data"]["createArticle"]["id"].clone();
    assert_eq!(created["data"]["createArticle"]["status"], "DRAFT");
    let hidden = app
        .graphql(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": gid}),
        )
        .await;
    assert!(hidden["data"]["node"].is_null());
    let preview = app
        .graphql_as(
            &editor,
            "query($id: ID!) { previewArticle(id: $id) { headline status related { id } moreFromSection { id } } }",
            json!({"id": gid}),
        )
        .await;
    // A draft's neighbours are the public ones it would have if it were
    // published now (never itself), not an error that would null the
    // whole preview.
    assert!(preview["errors"].is_null(), "{preview}");
    assert_eq!(preview["data"]["previewArticle"]["status"], "DRAFT");
    assert!(preview["data"]["previewArticle"]["related"].is_array());
    let more = preview["data"]["previewArticle"]["moreFromSection"]
        .as_array()
        .unwrap();
    assert!(!more.is_empty(), "{preview}");
    assert!(more.iter().all(|a| a["id"] != json!(gid)), "{preview}");
    let anon_preview = app
        .graphql(
            "query($id: ID!) { previewArticle(id: $id) { headline } }",
            json!({"id": gid}),
        )
        .await;
    assert_eq!(
        anon_preview["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    let published = app
        .graphql_as(
            &editor,
            "mutation($id: ID!) { publishArticle(id: $id, expectedVersion: 1) { version status } }",
            json!({"id": gid}),
        )
        .await;
    assert_eq!(
        published["data"]["publishArticle"],
        json!({"version": 2, "status": "PUBLISHED"}),
        "{published}"
    );
    let public = app
        .graphql(
            "query($id: ID!) { node(id: $id) { ... on Article { headline } } }",
            json!({"id": gid}),
        )
        .await;
    assert_eq!(public["data"]["node"]["headline"], "জিকিউএল খবর");
    let updated = app
        .graphql_as(
            &editor,
            "mutation($id: ID!) { updateArticle(id: $id, input: {kicker: \"বিশেষ\", summary: null}, expectedVersion: 2) { kicker version } }",
            json!({"id": gid}),
        )
        .await;
    assert_eq!(
        updated["data"]["updateArticle"],
        json!({"kicker": "বিশেষ", "version": 3}),
        "{updated}"
    );
    let invalid = app
        .graphql_as(
            &editor,
            "mutation($id: ID!) { updateArticle(id: $id, input: {headline: \"\"}) { version } }",
            json!({"id": gid}),
        )
        .await;
    assert_eq!(invalid["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        invalid["errors"][0]["extensions"]["fields"],
        json!(["headline"])
    );
    // Blocks convert to the service's input directly: a block without the
    // field its type needs is named, with the others' problems.
    let blocks = app
        .graphql_as(
            &editor,
            "mutation($id: ID!) { updateArticle(id: $id, input: {body: [{type: PARAGRAPH, text: \"ঠিক\"}, {type: EMBED, url: \"https://example.com/v\"}, {type: LIST}]}) { version } }",
            json!({"id": gid}),
        )
        .await;
    assert_eq!(blocks["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        blocks["errors"][0]["extensions"]["fields"],
        json!(["body[1].provider", "body[2].items"]),
        "{blocks}"
    );
    let corrected = app
        .graphql_as(&editor, "mutation($id: ID!) { addCorrection(id: $id, kind: CLARIFICATION, text: \"স্পষ্টীকরণ\") { corrections { kind text } } }", json!({"id": gid}))
        .await;
    assert_eq!(
        corrected["data"]["addCorrection"]["corrections"][0]["kind"],
        "clarification"
    );
    let unpublished = app
        .graphql_as(
            &editor,
            "mutation($id: ID!) { unpublishArticle(id: $id, reason: \"ভুল তথ্য\") { status } }",
            json!({"id": gid}),
        )
        .await;
    assert_eq!(
        unpublished["data"]["unpublishArticle"]["status"],
        "UNPUBLISHED"
    );
    let gone = app
        .graphql(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": gid}),
        )
        .await;
    assert!(gone["data"]["node"].is_null());
    // Mutations are refused over GET.
    let url = reqwest::Url::parse_with_params(
        &app.url("/graphql"),
        &[(
            "query",
            format!("mutation {{ publishArticle(id: {gid}) {{ version }} }}"),
        )],
    )
    .unwrap();
    let res = app
        .client
        .get(url)
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 405);
}

/// A tag has no biography and a section no avatar: a field the kind does
/// not have is a 400 naming it, never silently dropped.
async fn taxonomy_bodies_refuse_fields_their_kind_does_not_have(app: &TestApp) {
    let editor = app.key(Scope::Editor).await;
    let admin = app.key(Scope::Admin).await;
    for (path, key, body, field) in [
        (
            "/v1/admin/tags",
            &editor,
            json!({"name": "জলাবদ্ধতা", "bio": "x"}),
            "bio",
        ),
        (
            "/v1/admin/authors",
            &editor,
            json!({"name": "লেখক", "parent": "national"}),
            "parent",
        ),
        (
            "/v1/admin/sections",
            &admin,
            json!({"name": "নতুন বিভাগ", "avatarUrl": "https://a.example/x.png"}),
            "avatarUrl",
        ),
    ] {
        let res = send(app, Method::POST, path, Some(key), Some(body)).await;
        assert_eq!(res.status().as_u16(), 400, "POST {path}");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let res = send(
        app,
        Method::POST,
        "/v1/admin/authors",
        Some(&editor),
        Some(json!({"name": "নতুন লেখক", "bio": "সাংবাদিক"})),
    )
    .await;
    assert_eq!(res.status().as_u16(), 201);
}
