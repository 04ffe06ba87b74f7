//! Live pages: posts, the public list, and the Server-Sent Events stream
//! (an SSE client in the test process), on SQLite and PostgreSQL.

use std::time::Duration as StdDuration;

use domain::Scope;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both;
use crate::sse::Sse;

on_both!(
    a_live_page_takes_posts_and_readers_page_through_them,
    a_stream_delivers_posts_and_resumes_without_gaps,
    nothing_of_a_hidden_live_page_is_streamed,
    graphql_writes_posts_through_the_same_service,
);
on_both!(configure = small_caps; streams_are_capped_per_client);

/// Three streams per client; a heartbeat every 100 ms, so a reader that
/// went away is noticed at the next one.
fn small_caps(s: &mut api::config::Settings) {
    s.live_streams.per_client = 3;
    s.live_streams.heartbeat = StdDuration::from_millis(100);
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

async fn json_of(res: reqwest::Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    body
}

/// A published live article; returns its id.
async fn live_article(app: &TestApp, key: &str, slug: &str) -> String {
    let made = json_of(
        send(
            app,
            Method::POST,
            "/v1/admin/articles",
            key,
            Some(json!({
                "headline": "নির্বাচনের ফল: সরাসরি",
                "slug": slug,
                "section": "national",
                "bodyText": "ভোট গণনা চলছে।",
                "kind": "live"
            })),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(made["data"]["kind"], "live");
    assert_eq!(made["data"]["liveState"], "live");
    let id = made["data"]["id"].as_str().unwrap().to_owned();
    json_of(
        send(
            app,
            Method::POST,
            &format!("/v1/admin/articles/{id}/publish"),
            key,
            Some(json!({})),
        )
        .await,
        200,
    )
    .await;
    id
}

async fn post(app: &TestApp, key: &str, article: &str, body: Value) -> Value {
    json_of(
        send(
            app,
            Method::POST,
            &format!("/v1/admin/articles/{article}/posts"),
            key,
            Some(body),
        )
        .await,
        201,
    )
    .await["data"]
        .clone()
}

async fn a_live_page_takes_posts_and_readers_page_through_them(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let id = live_article(app, &key, "live-results").await;
    let mut ids = Vec::new();
    for n in 1..=5 {
        let p = post(
            app,
            &key,
            &id,
            json!({
                "headline": format!("আপডেট {n}"),
                "bodyText": format!("কেন্দ্র {n}: গণনা শেষ।"),
                "author": "rahim",
                "pinned": n == 1,
                "keyEvent": n == 3
            }),
        )
        .await;
        assert_eq!(p["author"]["slug"], "rahim");
        assert!(p["bodyHtml"].as_str().unwrap().contains("<p>"));
        ids.push(p["id"].as_str().unwrap().to_owned());
    }
    let first = app.get(&format!("/v1/articles/{id}/posts?limit=2")).await;
    assert_eq!(first.status().as_u16(), 200);
    assert!(
        first.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=5"),
        "the newest page changes often"
    );
    let first: Value = first.json().await.unwrap();
    let got = |v: &Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        got(&first),
        [ids[4].clone(), ids[3].clone()],
        "newest first"
    );
    assert_eq!(first["pinned"][0]["id"], ids[0].as_str());
    assert!(first["page"]["previousCursor"].is_null());
    assert!(first["page"]["lastEventId"].is_string());
    let next = first["page"]["nextCursor"].as_str().unwrap();
    let second = app
        .get(&format!("/v1/articles/{id}/posts?limit=2&after={next}"))
        .await;
    assert!(
        second.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=3600")
    );
    let second: Value = second.json().await.unwrap();
    assert_eq!(got(&second), [ids[2].clone(), ids[1].clone()]);
    assert_eq!(
        second["pinned"],
        json!([]),
        "pinned posts on the newest page"
    );
    let back = second["page"]["previousCursor"].as_str().unwrap();
    let again = app
        .get_json(
            &format!("/v1/articles/{id}/posts?limit=2&before={back}"),
            200,
        )
        .await;
    assert_eq!(got(&again), got(&first), "keyset both ways");
    let keys = app
        .get_json(&format!("/v1/articles/{id}/posts?keyEvents=1"), 200)
        .await;
    assert_eq!(got(&keys), [ids[2].clone()]);

    // Edits and deletions show at once (the cached page is dropped).
    json_of(
        send(
            app,
            Method::PATCH,
            &format!("/v1/admin/articles/{id}/posts/{}", ids[4]),
            &key,
            Some(json!({"headline": null, "keyEvent": true})),
        )
        .await,
        200,
    )
    .await;
    let res = send(
        app,
        Method::DELETE,
        &format!("/v1/admin/articles/{id}/posts/{}", ids[3]),
        &key,
        None,
    )
    .await;
    assert_eq!(res.status().as_u16(), 204);
    let now = app
        .get_json(&format!("/v1/articles/{id}/posts?limit=2"), 200)
        .await;
    assert_eq!(got(&now), [ids[4].clone(), ids[2].clone()]);
    assert!(now["data"][0]["headline"].is_null());
    assert_eq!(now["data"][0]["keyEvent"], true);

    // The article says what it is, in REST and GraphQL.
    let article = app.get_json(&format!("/v1/articles/{id}"), 200).await;
    assert_eq!(article["data"]["kind"], "live");
    let gql = app
        .graphql(
            "query($id: ID!) { article(id: $id) { kind liveState } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        gql["data"]["article"],
        json!({"kind": "LIVE", "liveState": "LIVE"}),
        "{gql}"
    );
    let gql = app
        .graphql(
            "query($id: ID!) { article(id: $id) { posts(first: 1) { nodes { id keyEvent authorSlug } pinned { id } nextCursor lastEventId } } }",
            json!({"id": id}),
        )
        .await;
    let page = &gql["data"]["article"]["posts"];
    assert_eq!(page["nodes"][0]["id"], ids[4].as_str(), "{gql}");
    assert_eq!(page["nodes"][0]["keyEvent"], true);
    assert_eq!(page["nodes"][0]["authorSlug"], "rahim");
    assert_eq!(page["pinned"][0]["id"], ids[0].as_str());
    let next = page["nextCursor"].as_str().unwrap();
    let older = app
        .graphql(
            "query($id: ID!, $after: String) { article(id: $id) { posts(first: 1, after: $after) { nodes { id } lastEventId } } }",
            json!({"id": id, "after": next}),
        )
        .await;
    assert_eq!(
        older["data"]["article"]["posts"]["nodes"][0]["id"],
        ids[2].as_str(),
        "{older}"
    );
    assert!(older["data"]["article"]["posts"]["lastEventId"].is_null());

    // Bad input and wrong targets.
    let standard = app.ids.public[0];
    let res = send(
        app,
        Method::POST,
        &format!("/v1/admin/articles/{standard}/posts"),
        &key,
        Some(json!({"bodyText": "লেখা"})),
    )
    .await;
    assert_eq!(
        res.status().as_u16(),
        422,
        "a standard article takes no posts"
    );
    let bad = json_of(
        send(
            app,
            Method::POST,
            &format!("/v1/admin/articles/{id}/posts"),
            &key,
            Some(json!({"headline": "x".repeat(201), "author": "nobody"})),
        )
        .await,
        422,
    )
    .await;
    let fields: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["headline", "body", "author"], "{bad}");
    let res = send(
        app,
        Method::POST,
        &format!("/v1/admin/articles/{id}/posts"),
        &key,
        Some(json!({"bodyText": "লেখা", "sticky": true})),
    )
    .await;
    assert_eq!(res.status().as_u16(), 400, "unknown fields are refused");
    let res = app
        .get(&format!("/v1/articles/{id}/posts?after=nonsense"))
        .await;
    assert_eq!(res.status().as_u16(), 400);
    let res = app.get("/v1/articles/999999/posts").await;
    assert_eq!(res.status().as_u16(), 404);
    let anonymous = app
        .client
        .post(app.url(&format!("/v1/admin/articles/{id}/posts")))
        .json(&json!({"bodyText": "লেখা"}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
}

async fn a_stream_delivers_posts_and_resumes_without_gaps(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let id = live_article(app, &key, "live-budget").await;
    let mut sse = Sse::open(app, &id, None).await;
    let p1 = post(app, &key, &id, json!({"bodyText": "বাজেট পেশ শুরু।"})).await;
    let e1 = sse.next().await;
    assert_eq!(e1.event.as_deref(), Some("post"));
    assert_eq!(e1.data["id"], p1["id"]);
    assert_eq!(e1.data["body"][0]["text"], "বাজেট পেশ শুরু।");
    let e1_id = e1.n();
    drop(sse);

    // Missed while away: a post, an update of p1, a deletion of p1.
    let p2 = post(app, &key, &id, json!({"bodyText": "করমুক্ত আয়সীমা বাড়ল।"})).await;
    let p1_id = p1["id"].as_str().unwrap();
    json_of(
        send(
            app,
            Method::PATCH,
            &format!("/v1/admin/articles/{id}/posts/{p1_id}"),
            &key,
            Some(json!({"pinned": true})),
        )
        .await,
        200,
    )
    .await;
    let p3 = post(app, &key, &id, json!({"bodyText": "শেয়ারবাজারে প্রতিক্রিয়া।"})).await;
    let mut sse = Sse::open(app, &id, Some(e1_id)).await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(sse.next().await);
    }
    let kinds: Vec<&str> = seen.iter().map(|f| f.event.as_deref().unwrap()).collect();
    assert_eq!(kinds, ["post", "update", "post"], "{seen:?}");
    assert_eq!(seen[0].data["id"], p2["id"]);
    assert_eq!(seen[1].data["pinned"], true);
    assert_eq!(seen[2].data["id"], p3["id"]);
    let ids: Vec<i64> = seen.iter().map(|f| f.n()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]) && ids[0] > e1_id,
        "in order, after the cursor: {ids:?}"
    );
    // Then live again: a deletion and the end of the page.
    let res = send(
        app,
        Method::DELETE,
        &format!("/v1/admin/articles/{id}/posts/{p1_id}"),
        &key,
        None,
    )
    .await;
    assert_eq!(res.status().as_u16(), 204);
    let del = sse.next().await;
    assert_eq!(del.event.as_deref(), Some("delete"));
    assert_eq!(del.data["id"], p1_id);
    assert!(del.n() > ids[2], "no duplicate of the catch-up");
    json_of(
        send(
            app,
            Method::PATCH,
            &format!("/v1/admin/articles/{id}"),
            &key,
            Some(json!({"liveState": "ended"})),
        )
        .await,
        200,
    )
    .await;
    let end = sse.next().await;
    assert_eq!(end.event.as_deref(), Some("ended"));
    assert!(sse.ended().await, "the stream closes after `ended`");
    let article = app.get_json(&format!("/v1/articles/{id}"), 200).await;
    assert_eq!(article["data"]["liveState"], "ended");
}

async fn nothing_of_a_hidden_live_page_is_streamed(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    // A draft live page: no posts list, no stream.
    let draft = json_of(
        send(
            app,
            Method::POST,
            "/v1/admin/articles",
            &key,
            Some(json!({"headline": "গোপন লাইভ", "section": "national", "bodyText": "লেখা", "kind": "live"})),
        )
        .await,
        201,
    )
    .await["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    post(app, &key, &draft, json!({"bodyText": "খসড়া পোস্ট"})).await;
    assert_eq!(
        app.get(&format!("/v1/articles/{draft}/posts"))
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        app.get(&format!("/v1/articles/{draft}/posts/stream"))
            .await
            .status()
            .as_u16(),
        404
    );
    // A stream open while the page is taken down hears nothing of it.
    let id = live_article(app, &key, "live-hidden").await;
    let mut sse = Sse::open(app, &id, None).await;
    json_of(
        send(
            app,
            Method::POST,
            &format!("/v1/admin/articles/{id}/unpublish"),
            &key,
            Some(json!({"reason": "ভুল তথ্য"})),
        )
        .await,
        200,
    )
    .await;
    let secret = post(app, &key, &id, json!({"bodyText": "প্রকাশের আগে দেখা যাবে না"})).await;
    // A post on another, public page written after it: once its event is
    // out, the hidden one has been polled (the log is read in order) while
    // its page was hidden.
    let other = live_article(app, &key, "live-other").await;
    let mut witness = Sse::open(app, &other, None).await;
    let marker = post(app, &key, &other, json!({"bodyText": "অন্য পাতা"})).await;
    assert_eq!(witness.next().await.data["id"], marker["id"]);
    json_of(
        send(
            app,
            Method::POST,
            &format!("/v1/admin/articles/{id}/publish"),
            &key,
            Some(json!({})),
        )
        .await,
        200,
    )
    .await;
    let public = post(app, &key, &id, json!({"bodyText": "আবার প্রকাশিত"})).await;
    let next = sse.next().await;
    assert_eq!(
        next.data["id"], public["id"],
        "the post written while hidden was not streamed: {next:?}"
    );
    assert_ne!(next.data["id"], secret["id"]);
}

async fn streams_are_capped_per_client(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let id = live_article(app, &key, "live-cap").await;
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(Sse::open(app, &id, None).await);
    }
    // Heartbeats keep an idle stream alive.
    assert_eq!(open[0].raw().await, ": heartbeat");
    let res = app.get(&format!("/v1/articles/{id}/posts/stream")).await;
    assert_eq!(res.status().as_u16(), 503);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    // A closed stream frees its place.
    drop(open.pop());
    let deadline = std::time::Instant::now() + StdDuration::from_secs(20);
    loop {
        let res = app.get(&format!("/v1/articles/{id}/posts/stream")).await;
        if res.status().as_u16() == 200 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the place was never freed"
        );
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

async fn graphql_writes_posts_through_the_same_service(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let id = live_article(app, &key, "live-graphql").await;
    let mut sse = Sse::open(app, &id, None).await;
    let create = "mutation($a: ID!, $text: String) { createLivePost(articleId: $a, input: {bodyText: $text, author: \"rahim\", keyEvent: true}) { id keyEvent authorSlug body { __typename } } }";
    let anonymous = app.graphql(create, json!({"a": id, "text": "লেখা"})).await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{anonymous}"
    );
    let empty = app
        .graphql_as(&key, create, json!({"a": id, "text": null}))
        .await;
    assert_eq!(
        empty["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{empty}"
    );
    let made = app
        .graphql_as(&key, create, json!({"a": id, "text": "ফল ঘোষণা শুরু।"}))
        .await;
    let post = &made["data"]["createLivePost"];
    assert_eq!(post["keyEvent"], true, "{made}");
    assert_eq!(post["authorSlug"], "rahim");
    let pid = post["id"].as_str().unwrap().to_owned();
    let streamed = sse.next().await;
    assert_eq!(streamed.event.as_deref(), Some("post"));
    assert_eq!(
        streamed.data["id"],
        pid.as_str(),
        "a GraphQL write reaches the stream"
    );
    let changed = app
        .graphql_as(
            &key,
            "mutation($a: ID!, $p: ID!) { updateLivePost(articleId: $a, id: $p, input: {pinned: true, author: null}) { pinned authorSlug } }",
            json!({"a": id, "p": pid}),
        )
        .await;
    assert_eq!(
        changed["data"]["updateLivePost"],
        json!({"pinned": true, "authorSlug": null}),
        "{changed}"
    );
    let list = app.get_json(&format!("/v1/articles/{id}/posts"), 200).await;
    assert_eq!(list["pinned"][0]["id"], pid.as_str());
    let delete = "mutation($a: ID!, $p: ID!) { deleteLivePost(articleId: $a, id: $p) }";
    let vars = json!({"a": id, "p": pid});
    let gone = app.graphql_as(&key, delete, vars.clone()).await;
    assert_eq!(gone["data"]["deleteLivePost"], pid.as_str(), "{gone}");
    let list = app.get_json(&format!("/v1/articles/{id}/posts"), 200).await;
    assert_eq!(list["data"], json!([]));
    let again = app.graphql_as(&key, delete, vars).await;
    assert_eq!(
        again["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "a deleted post is gone: {again}"
    );
}
