//! HTTP caching: ETags and 304s, Cache-Control, surrogate keys, the
//! in-process cache and its invalidation, the purge hook, persisted queries.

use chrono::{Duration, Utc};
use domain::Scope;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{SecondInstance, TestApp, spawn_app_custom};
use crate::on_both;

on_both!(
    head_answers_carry_the_headers_of_get,
    compressed_representations_get_weak_etags_and_every_read_varies_by_encoding,
    public_reads_carry_etags_cache_control_and_surrogate_keys,
    a_write_changes_the_etag_and_nothing_stale_is_served,
    an_unpublished_article_disappears_from_cached_pages_at_once,
    a_scheduled_article_appears_in_cached_lists_at_its_time,
    private_responses_are_never_public,
    persisted_queries_work_over_get,
);

async fn get_with(app: &TestApp, path: &str, etag: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    if let Some(e) = etag {
        req = req.header("if-none-match", e);
    }
    req.send().await.unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

async fn public_reads_carry_etags_cache_control_and_surrogate_keys(app: &TestApp) {
    let p1 = app.ids.public[0];
    for path in [
        "/v1/articles",
        "/v1/articles/p1",
        "/v1/sections",
        "/v1/sections/sports/articles",
        "/v1/edition",
        "/v1/front",
    ] {
        let res = get_with(app, path, None).await;
        assert_eq!(res.status().as_u16(), 200, "{path}");
        let etag = header(&res, "etag");
        assert!(
            etag.starts_with('"') && etag.ends_with('"') && etag.len() > 10,
            "{path}: {etag}"
        );
        let cc = header(&res, "cache-control");
        assert!(
            cc.starts_with("public, max-age=") && cc.contains("stale-while-revalidate=300"),
            "{path}: {cc}"
        );
        let body = res.bytes().await.unwrap();
        let again = get_with(app, path, Some(&etag)).await;
        assert_eq!(again.status().as_u16(), 304, "{path}");
        assert_eq!(header(&again, "etag"), etag);
        assert_eq!(header(&again, "cache-control"), cc);
        assert!(again.bytes().await.unwrap().is_empty());
        let other = get_with(app, path, Some("\"something-else\"")).await;
        assert_eq!(other.status().as_u16(), 200);
        assert_eq!(
            other.bytes().await.unwrap(),
            body,
            "{path}: same content, cached or not"
        );
    }
    let list = get_with(app, "/v1/articles", None).await;
    let keys = header(&list, "surrogate-key");
    assert!(keys.split(' ').any(|k| k == "list-latest"), "{keys}");
    assert!(
        keys.split(' ').any(|k| k == format!("article-{p1}")),
        "{keys}"
    );
    assert_eq!(header(&list, "cache-tag"), keys.replace(' ', ","));
    let item = get_with(app, &format!("/v1/articles/{p1}"), None).await;
    assert_eq!(
        header(&item, "surrogate-key"),
        format!("article-{p1} section-national")
    );
    let section = get_with(app, "/v1/sections/sports/articles", None).await;
    assert!(header(&section, "surrogate-key").starts_with("section-sports "));
    // Errors are not cached or tagged.
    let missing = get_with(app, "/v1/articles/999999", None).await;
    assert_eq!(header(&missing, "cache-control"), "no-store");
    assert!(header(&missing, "etag").is_empty());
}

async fn a_write_changes_the_etag_and_nothing_stale_is_served(app: &TestApp) {
    let p1 = app.ids.public[0];
    let key = app.key(Scope::Editor).await;
    let list = get_with(app, "/v1/articles", None).await;
    let list_etag = header(&list, "etag");
    let item = get_with(app, &format!("/v1/articles/{p1}"), None).await;
    let item_etag = header(&item, "etag");
    // Another article's page stays cached (same ETag) through the write.
    let p4 = app.ids.public[3];
    let other_etag = header(
        &get_with(app, &format!("/v1/articles/{p4}"), None).await,
        "etag",
    );
    let res = app
        .with_key(Method::PATCH, &format!("/v1/admin/articles/{p1}"), &key)
        .json(&json!({"headline": "বাজেট ঘোষণা আজ বিকেলে"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let fresh = get_with(app, &format!("/v1/articles/{p1}"), Some(&item_etag)).await;
    assert_eq!(
        fresh.status().as_u16(),
        200,
        "the old ETag no longer matches"
    );
    assert_ne!(header(&fresh, "etag"), item_etag);
    assert_eq!(
        fresh.json::<Value>().await.unwrap()["data"]["headline"],
        "বাজেট ঘোষণা আজ বিকেলে"
    );
    let list = get_with(app, "/v1/articles", Some(&list_etag)).await;
    assert_eq!(list.status().as_u16(), 200);
    assert_eq!(
        list.json::<Value>().await.unwrap()["data"][0]["headline"],
        "বাজেট ঘোষণা আজ বিকেলে"
    );
    assert_eq!(
        get_with(app, &format!("/v1/articles/{p4}"), Some(&other_etag))
            .await
            .status()
            .as_u16(),
        304
    );
}

async fn an_unpublished_article_disappears_from_cached_pages_at_once(app: &TestApp) {
    let p1 = app.ids.public[0];
    let key = app.key(Scope::Editor).await;
    for path in [
        format!("/v1/articles/{p1}"),
        "/v1/articles".into(),
        "/v1/front".into(),
        "/v1/tags/budget/articles".into(),
    ] {
        assert_eq!(get_with(app, &path, None).await.status().as_u16(), 200);
    }
    let res = app
        .with_key(
            Method::POST,
            &format!("/v1/admin/articles/{p1}/unpublish"),
            &key,
        )
        .json(&json!({"reason": "আইনি কারণে"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        get_with(app, &format!("/v1/articles/{p1}"), None)
            .await
            .status()
            .as_u16(),
        404
    );
    assert!(!app.list_ids("/v1/articles").await.contains(&p1));
    assert!(!app.list_ids("/v1/tags/budget/articles").await.contains(&p1));
    let front = app.get_json("/v1/front", 200).await;
    let on_front: Vec<&str> = ["breaking", "lead"]
        .iter()
        .flat_map(|k| front["data"][*k].as_array().unwrap().iter())
        .chain(
            front["data"]["sections"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| s["articles"].as_array().unwrap().iter()),
        )
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(!on_front.contains(&p1.to_string().as_str()), "{on_front:?}");
}

async fn a_scheduled_article_appears_in_cached_lists_at_its_time(app: &TestApp) {
    // The fixture's future-dated article goes live a minute before the
    // scheduled one. Two minutes before that, the list is cached…
    let first_transition = app.ids.go_live - Duration::minutes(1);
    app.advance_clock(first_transition - Utc::now() - Duration::minutes(2));
    let list = get_with(app, "/v1/articles", None).await;
    let etag = header(&list, "etag");
    assert_eq!(
        get_with(app, "/v1/articles", Some(&etag))
            .await
            .status()
            .as_u16(),
        304,
        "cached"
    );
    app.advance_clock(Duration::seconds(119));
    assert_eq!(
        get_with(app, "/v1/articles", Some(&etag))
            .await
            .status()
            .as_u16(),
        304,
        "still valid"
    );
    // …and expires at the transition instant, without any write or poll.
    app.advance_clock(Duration::seconds(2));
    let after = get_with(app, "/v1/articles", Some(&etag)).await;
    assert_eq!(after.status().as_u16(), 200);
    let body: Value = after.json().await.unwrap();
    assert_eq!(body["data"][0]["id"], app.ids.future_dated.to_string());
    // The next transition (the scheduled go-live) is learnt from the change
    // log by the poller; after it, the same holds for the scheduled article.
    app.sync_index().await;
    let etag = header(&get_with(app, "/v1/articles", None).await, "etag");
    app.advance_clock(Duration::seconds(30));
    assert_eq!(
        get_with(app, "/v1/articles", Some(&etag))
            .await
            .status()
            .as_u16(),
        304
    );
    app.advance_clock(Duration::seconds(30));
    let after = get_with(app, "/v1/articles", Some(&etag)).await;
    assert_eq!(after.status().as_u16(), 200);
    let body: Value = after.json().await.unwrap();
    assert_eq!(body["data"][0]["id"], app.ids.scheduled.to_string());
}

async fn private_responses_are_never_public(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let admin = app
        .with_key(Method::GET, "/v1/admin/articles", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&admin, "cache-control"), "private, no-store");
    assert!(header(&admin, "surrogate-key").is_empty());
    let keyed = app
        .with_key(Method::GET, "/v1/articles", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&keyed, "cache-control"), "private, no-store");
    assert!(header(&app.get("/healthz").await, "cache-control").contains("no-store"));
}

async fn persisted_queries_work_over_get(app: &TestApp) {
    let query = "{ articles(first: 2) { edges { node { headline } } } }";
    let hash = hex_sha256(query);
    let ext = |h: &str| {
        format!(
            "%7B%22persistedQuery%22%3A%7B%22version%22%3A1%2C%22sha256Hash%22%3A%22{h}%22%7D%7D"
        )
    };
    let unknown: Value = app
        .get(&format!("/graphql?extensions={}", ext(&hash)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        unknown["errors"][0]["message"], "PersistedQueryNotFound",
        "{unknown}"
    );
    // The code Apollo's clients look for before they send the query.
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND",
        "{unknown}"
    );
    let registered = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({"query": query, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status().as_u16(), 200);
    let res = app
        .get(&format!("/graphql?extensions={}", ext(&hash)))
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let etag = header(&res, "etag");
    assert!(!etag.is_empty());
    assert!(header(&res, "cache-control").starts_with("public"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["data"]["articles"]["edges"][0]["node"]["headline"], "বাজেট ঘোষণা আজ",
        "{body}"
    );
    let again = get_with(
        app,
        &format!("/graphql?extensions={}", ext(&hash)),
        Some(&etag),
    )
    .await;
    assert_eq!(again.status().as_u16(), 304);
}

fn hex_sha256(s: &str) -> String {
    use std::fmt::Write;
    // A small SHA-256 via the api crate's dependency would be nicer; the test
    // keeps to the standard library and the key helper instead.
    let digest = app::auth::hash_key(s);
    let mut out = String::new();
    let _ = write!(out, "{digest}");
    out
}

#[tokio::test]
async fn writes_are_purged_through_the_hook_with_their_surrogate_keys() {
    // A stand-in CDN purge API on an ephemeral port.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/purge", listener.local_addr().unwrap());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = vec![0u8; 65536];
            let mut got = Vec::new();
            loop {
                let n = sock.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&got);
                if let Some(idx) = text.find("\r\n\r\n") {
                    let len = text
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if got.len() >= idx + 4 + len {
                        break;
                    }
                }
            }
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await;
            let _ = tx.send(String::from_utf8_lossy(&got).into_owned());
        }
    });
    let Some(app) = spawn_app_custom(persistence::testing::Engine::Sqlite, true, |s| {
        s.purge_url = Some(url)
    })
    .await
    else {
        return;
    };
    let key = app.key(Scope::Editor).await;
    let p2 = app.ids.public[1];
    let res = app
        .with_key(Method::PATCH, &format!("/v1/admin/articles/{p2}"), &key)
        .json(&json!({"kicker": "হালনাগাদ"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status().as_u16(),
        200,
        "the write does not wait for the hook"
    );
    let request = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(request.starts_with("POST /purge"), "{request}");
    let body = &request[request.find("\r\n\r\n").unwrap() + 4..];
    let json: Value = serde_json::from_str(body).unwrap();
    let keys: Vec<&str> = json["surrogateKeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    for expected in [
        format!("article-{p2}"),
        "list-latest".into(),
        "section-cricket".into(),
        "section-national".into(),
        "tag-series".into(),
        "tag-budget".into(),
        "author-karima".into(),
        "author-rahim".into(),
    ] {
        assert!(
            keys.contains(&expected.as_str()),
            "{expected} missing from {keys:?}"
        );
    }
    app.cleanup().await;
}

#[tokio::test]
async fn another_instance_learns_of_writes_from_the_database() {
    let Some(a) = spawn_app_custom(persistence::testing::Engine::Postgres, true, |_| {}).await
    else {
        return;
    };
    // A second instance over the same PostgreSQL database.
    let b = SecondInstance::start(&a).await;
    let b_url = b.address.clone();
    let p1 = a.ids.public[0];
    let first: Value = a
        .client
        .get(format!("{b_url}/v1/articles/{p1}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["data"]["headline"], "বাজেট ঘোষণা আজ");
    let key = a.key(Scope::Editor).await;
    a.with_key(Method::PATCH, &format!("/v1/admin/articles/{p1}"), &key)
        .json(&json!({"headline": "বাজেট পাস"}))
        .send()
        .await
        .unwrap();
    // B has the old page cached until it polls the change log…
    let stale: Value = a
        .client
        .get(format!("{b_url}/v1/articles/{p1}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stale["data"]["headline"], "বাজেট ঘোষণা আজ");
    b.discovery.sync().await.unwrap();
    // …and serves the new one right after (and finds it in search).
    let fresh: Value = a
        .client
        .get(format!("{b_url}/v1/articles/{p1}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fresh["data"]["headline"], "বাজেট পাস");
    let found: Value = a
        .client
        .get(format!("{b_url}/v1/search?q=%E0%A6%AA%E0%A6%BE%E0%A6%B8"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["data"][0]["id"], p1.to_string());
    b.stop().await;
    a.cleanup().await;
}

/// A shared cache keys stored responses by `Vary`: every public read says
/// it varies by `Accept-Encoding`, compressed or not, and a compressed
/// representation carries the weak form of the identity body's ETag (RFC
/// 9110 8.8.1: a strong tag names one representation). Either form
/// revalidates.
async fn compressed_representations_get_weak_etags_and_every_read_varies_by_encoding(
    app: &TestApp,
) {
    for path in ["/v1/articles?limit=20", "/feeds/rss.xml"] {
        let get = |encoding: Option<&'static str>, inm: Option<String>| {
            let mut req = app.client.get(app.url(path));
            if let Some(e) = encoding {
                req = req.header("accept-encoding", e);
            }
            if let Some(tag) = inm {
                req = req.header("if-none-match", tag);
            }
            req.send()
        };
        let plain = get(None, None).await.unwrap();
        assert_eq!(plain.status().as_u16(), 200, "{path}");
        assert!(header(&plain, "content-encoding").is_empty(), "{path}");
        let strong = header(&plain, "etag");
        assert!(strong.starts_with('"'), "{path}: {strong}");
        assert!(
            header(&plain, "vary")
                .to_ascii_lowercase()
                .contains("accept-encoding"),
            "{path}"
        );
        let gzip = get(Some("gzip"), None).await.unwrap();
        assert_eq!(header(&gzip, "content-encoding"), "gzip", "{path}");
        assert_eq!(header(&gzip, "etag"), format!("W/{strong}"), "{path}");
        assert!(
            header(&gzip, "vary")
                .to_ascii_lowercase()
                .contains("accept-encoding"),
            "{path}"
        );
        let again = get(Some("gzip"), Some(format!("W/{strong}")))
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 304, "{path}");
        assert_eq!(header(&again, "etag"), format!("W/{strong}"), "{path}");
        let again = get(None, Some(strong.clone())).await.unwrap();
        assert_eq!(again.status().as_u16(), 304, "{path}");
        assert_eq!(header(&again, "etag"), strong, "{path}");
    }
}

/// HEAD answers with GET's headers, `Content-Length` included (it was 0),
/// and no body; `/graphql` takes HEAD like GET.
async fn head_answers_carry_the_headers_of_get(app: &TestApp) {
    for path in [
        "/v1/articles?limit=20",
        "/feeds/rss.xml",
        "/graphql?query=%7Bsections%7Bslug%7D%7D",
    ] {
        for round in ["miss", "hit"] {
            let get = app.client.get(app.url(path)).send().await.unwrap();
            assert_eq!(get.status().as_u16(), 200, "{path}");
            let etag = header(&get, "etag");
            let body = get.bytes().await.unwrap();
            let head = app.client.head(app.url(path)).send().await.unwrap();
            assert_eq!(head.status().as_u16(), 200, "{path} ({round})");
            assert_eq!(
                header(&head, "content-length"),
                body.len().to_string(),
                "{path} ({round})"
            );
            assert_eq!(header(&head, "etag"), etag, "{path} ({round})");
            assert!(head.bytes().await.unwrap().is_empty(), "{path}");
        }
    }
}
