//! Webhooks end to end: a receiver in the test process, the real server
//! (and a second one, and a restarted one) over SQLite and PostgreSQL.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use api::config::Settings;
use chrono::{DateTime, Duration, Utc};
use domain::Scope;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::helpers::{TestApp, spawn_on};
use crate::on_both;

on_both!(
    configure = allow_private;
    writes_are_delivered_signed_once_each,
    a_scheduled_article_is_announced_at_its_instant_without_a_write,
    an_unpublish_carries_only_the_id_and_the_reason,
    a_failing_receiver_gets_retries_then_one_delivery,
    a_receiver_that_never_answers_turns_the_webhook_off,
    webhooks_are_managed_by_admins_with_checked_input,
    ping_and_redeliver_reuse_the_signing_path,
    collections_and_comments_are_announced,
    graphql_manages_webhooks_through_the_same_service,
    a_new_version_of_a_story_is_news_for_the_others,
);

on_both!(a_server_that_forbids_private_addresses_refuses_them);
on_both!(
    configure = private_forbidden;
    private_addresses_are_refused_again_when_sending,
);

fn private_forbidden(s: &mut Settings) {
    s.webhooks_enabled = true;
    s.webhook_interval = StdDuration::from_millis(50);
}

fn allow_private(s: &mut Settings) {
    s.webhooks_enabled = true;
    s.webhook_allow_private = true;
    s.webhook_interval = StdDuration::from_millis(50);
    s.webhook_timeout = StdDuration::from_secs(5);
}

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    raw_body: Vec<u8>,
    body: Value,
    at: DateTime<Utc>,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// A webhook receiver on 127.0.0.1: answers each request with the next
/// scripted status (200 once the script is used up) and reports it.
struct Receiver {
    url: String,
    rx: mpsc::UnboundedReceiver<Received>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start(script: &[u16]) -> Self {
        Self::on(TcpListener::bind("127.0.0.1:0").await.unwrap(), script)
    }

    fn on(listener: TcpListener, script: &[u16]) -> Self {
        let port = listener.local_addr().unwrap().port();
        let script = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<_>>()));
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let tx = tx.clone();
                let script = script.clone();
                tokio::spawn(async move {
                    let mut got = Vec::new();
                    let mut buf = [0u8; 8192];
                    let (head, body) = loop {
                        let Ok(n) = sock.read(&mut buf).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        got.extend_from_slice(&buf[..n]);
                        if let Some(idx) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&got[..idx]).into_owned();
                            let len = head
                                .lines()
                                .find_map(|l| {
                                    l.to_ascii_lowercase()
                                        .strip_prefix("content-length:")
                                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                                })
                                .unwrap_or(0);
                            if got.len() >= idx + 4 + len {
                                break (head, got[idx + 4..idx + 4 + len].to_vec());
                            }
                        }
                    };
                    let status = script.lock().unwrap().pop_front().unwrap_or(200);
                    let answer = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
                    );
                    let _ = sock.write_all(answer.as_bytes()).await;
                    let headers = head
                        .lines()
                        .skip(1)
                        .filter_map(|l| l.split_once(':'))
                        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                        .collect();
                    let _ = tx.send(Received {
                        headers,
                        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                        raw_body: body,
                        at: Utc::now(),
                    });
                });
            }
        });
        Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            rx,
            task,
        }
    }

    /// The next request, within 20 s.
    async fn next(&mut self) -> Received {
        tokio::time::timeout(StdDuration::from_secs(20), self.rx.recv())
            .await
            .expect("a webhook request within 20 s")
            .expect("receiver running")
    }

    /// The next request of one event type (others are dropped).
    async fn next_of(&mut self, kind: &str) -> Received {
        loop {
            let r = self.next().await;
            if r.body["type"] == kind {
                return r;
            }
        }
    }

    /// Whatever arrived so far, without waiting.
    fn drain(&mut self) -> Vec<Received> {
        let mut out = Vec::new();
        while let Ok(r) = self.rx.try_recv() {
            out.push(r);
        }
        out
    }

    fn stop(self) {
        self.task.abort();
    }
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

/// Creates a webhook; returns (id, secret).
async fn hook(app: &TestApp, admin: &str, url: &str, events: &[&str]) -> (String, String) {
    let body = json_of(
        send(
            app,
            Method::POST,
            "/v1/admin/webhooks",
            admin,
            Some(json!({"url": url, "events": events, "description": "পরীক্ষা"})),
        )
        .await,
        201,
    )
    .await;
    let secret = body["data"]["secret"].as_str().unwrap().to_owned();
    (body["data"]["id"].as_str().unwrap().to_owned(), secret)
}

fn article(slug: &str) -> Value {
    json!({
        "headline": "ঢাকায় বৃষ্টি, জলাবদ্ধতা",
        "slug": slug,
        "section": "national",
        "bodyText": "সকাল থেকে টানা বৃষ্টি।"
    })
}

async fn create(app: &TestApp, key: &str, body: Value) -> String {
    let res = json_of(
        send(app, Method::POST, "/v1/admin/articles", key, Some(body)).await,
        201,
    )
    .await;
    res["data"]["id"].as_str().unwrap().to_owned()
}

async fn action(app: &TestApp, key: &str, id: &str, what: &str, body: Value) -> Value {
    json_of(
        send(
            app,
            Method::POST,
            &format!("/v1/admin/articles/{id}/{what}"),
            key,
            Some(body),
        )
        .await,
        200,
    )
    .await
}

/// Verifies a request with the Standard Webhooks reference library (its
/// own HMAC-SHA256, not ours).
fn verify(secret: &str, r: &Received) {
    let wh = standardwebhooks::Webhook::new(secret).unwrap();
    let mut headers = http::HeaderMap::new();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        headers.insert(name, r.header(name).parse().unwrap());
    }
    wh.verify(&r.raw_body, &headers)
        .unwrap_or_else(|e| panic!("signature does not verify: {e:?}"));
}

async fn deliveries(app: &TestApp, admin: &str, hook_id: &str) -> Vec<Value> {
    let body = json_of(
        send(
            app,
            Method::GET,
            &format!("/v1/admin/webhooks/{hook_id}/deliveries?limit=50"),
            admin,
            None,
        )
        .await,
        200,
    )
    .await;
    body["data"].as_array().unwrap().clone()
}

/// Waits (polling the admin API) until the deliveries satisfy `done`.
async fn deliveries_until(
    app: &TestApp,
    admin: &str,
    hook_id: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = std::time::Instant::now() + StdDuration::from_secs(30);
    loop {
        let d = deliveries(app, admin, hook_id).await;
        if done(&d) {
            return d;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "deliveries never got there: {d:#?}"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

async fn writes_are_delivered_signed_once_each(app: &TestApp) {
    let admin = app.key(Scope::Admin).await;
    let mut rx = Receiver::start(&[]).await;
    let (hook_id, secret) = hook(
        app,
        &admin,
        &rx.url,
        &["article.published", "article.updated", "article.corrected"],
    )
    .await;
    // A draft and its edits are never announced.
    let id = create(app, &admin, article("webhook-draft")).await;
    json_of(
        send(
            app,
            Method::PATCH,
            &format!("/v1/admin/articles/{id}"),
            &admin,
            Some(json!({"kicker": "খসড়া"})),
        )
        .await,
        200,
    )
    .await;
    action(app, &admin, &id, "publish", json!({})).await;
    let published = rx.next().await;
    assert_eq!(
        published.body["type"], "article.published",
        "{:?}",
        published.body
    );
    verify(&secret, &published);
    assert_eq!(published.header("content-type"), "application/json");
    assert!(published.header("webhook-id").starts_with("msg_"));
    let data = &published.body["data"];
    assert_eq!(data["id"], id.as_str());
    assert_eq!(data["article"]["headline"], "ঢাকায় বৃষ্টি, জলাবদ্ধতা");
    assert_eq!(data["article"]["kicker"], "খসড়া");
    assert!(published.body["id"].as_str().unwrap().starts_with("evt_"));
    assert!(
        DateTime::parse_from_rfc3339(published.body["time"].as_str().unwrap()).is_ok(),
        "time is RFC 3339"
    );

    json_of(
        send(
            app,
            Method::PATCH,
            &format!("/v1/admin/articles/{id}"),
            &admin,
            Some(json!({"headline": "ঢাকায় ভারী বৃষ্টি"})),
        )
        .await,
        200,
    )
    .await;
    let updated = rx.next().await;
    assert_eq!(updated.body["type"], "article.updated");
    assert_eq!(updated.body["data"]["article"]["headline"], "ঢাকায় ভারী বৃষ্টি");
    assert_ne!(
        updated.header("webhook-id"),
        published.header("webhook-id"),
        "each change is its own message"
    );
    verify(&secret, &updated);

    let d = deliveries_until(app, &admin, &hook_id, |d| {
        d.len() == 2 && d.iter().all(|x| x["status"] == "succeeded")
    })
    .await;
    for x in &d {
        assert_eq!(x["attempts"], 1);
        assert_eq!(x["responseStatus"], 200);
        assert_eq!(x["responseExcerpt"], "ok");
        assert!(x["latencyMs"].as_i64().unwrap() >= 0);
        assert!(x["nextAttemptAt"].is_null());
    }
    assert_eq!(d[0]["eventType"], "article.updated", "newest first");
    assert!(rx.drain().is_empty(), "nothing else was sent");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("barta_webhook_attempts_total{outcome=\"delivered\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("barta_webhook_queue_depth "));
    assert!(metrics.contains("barta_webhook_oldest_pending_seconds "));

    // On request, the article comes as IPTC ninjs.
    json_of(
        send(
            app,
            Method::PATCH,
            &format!("/v1/admin/webhooks/{hook_id}"),
            &admin,
            Some(json!({"format": "ninjs"})),
        )
        .await,
        200,
    )
    .await;
    action(
        app,
        &admin,
        &id,
        "corrections",
        json!({"kind": "correction", "text": "সংশোধনী: সময় ঠিক করা হয়েছে।"}),
    )
    .await;
    let corrected = rx.next().await;
    assert_eq!(corrected.body["type"], "article.corrected");
    let ninjs = &corrected.body["data"]["article"];
    assert!(ninjs["uri"].is_string(), "{ninjs}");
    assert_eq!(ninjs["headlines"][0]["value"], "ঢাকায় ভারী বৃষ্টি", "{ninjs}");
    verify(&secret, &corrected);
    rx.stop();
}

async fn a_scheduled_article_is_announced_at_its_instant_without_a_write(app: &TestApp) {
    let admin = app.key(Scope::Admin).await;
    let mut rx = Receiver::start(&[]).await;
    hook(
        app,
        &admin,
        &rx.url,
        &["article.golive", "article.published"],
    )
    .await;
    let id = create(app, &admin, article("webhook-scheduled")).await;
    let at = (Utc::now() + Duration::seconds(2)).trunc_subsecs_ms();
    action(
        app,
        &admin,
        &id,
        "schedule",
        json!({"publishAt": at.to_rfc3339()}),
    )
    .await;
    // A schedule moved before it fell due announces the new instant only.
    let moved = at + Duration::milliseconds(500);
    action(
        app,
        &admin,
        &id,
        "schedule",
        json!({"publishAt": moved.to_rfc3339()}),
    )
    .await;
    let golive = rx.next().await;
    assert_eq!(golive.body["type"], "article.golive", "{:?}", golive.body);
    assert_eq!(golive.body["data"]["id"], id.as_str());
    assert!(
        golive.at >= moved,
        "not before its time: arrived {} for {moved}",
        golive.at
    );
    assert!(
        golive.at < moved + Duration::seconds(5),
        "at its time: arrived {} for {moved}",
        golive.at
    );
    assert_eq!(
        DateTime::parse_from_rfc3339(golive.body["time"].as_str().unwrap()).unwrap(),
        chrono::SubsecRound::trunc_subsecs(moved, 0),
        "the event's time is the go-live instant (to the second, as everywhere)"
    );
    assert_eq!(
        golive.body["data"]["article"]["id"],
        id.as_str(),
        "the article as the public API shows it"
    );
    // The first instant was voided by the move: its delivery is skipped,
    // nothing is sent for it.
    let d = deliveries_until(app, &admin, &hook_id_of(app, &admin).await, |d| {
        d.len() == 2 && d.iter().all(|x| x["status"] != "pending")
    })
    .await;
    let mut statuses: Vec<&str> = d.iter().map(|x| x["status"].as_str().unwrap()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, ["skipped", "succeeded"], "{d:#?}");
    assert!(rx.drain().is_empty(), "one go-live sent in all");
    rx.stop();
}

async fn hook_id_of(app: &TestApp, admin: &str) -> String {
    let all = json_of(
        send(app, Method::GET, "/v1/admin/webhooks", admin, None).await,
        200,
    )
    .await;
    all["data"][0]["id"].as_str().unwrap().to_owned()
}

trait TruncMs {
    fn trunc_subsecs_ms(self) -> Self;
}

impl TruncMs for DateTime<Utc> {
    fn trunc_subsecs_ms(self) -> Self {
        use chrono::SubsecRound;
        self.trunc_subsecs(3)
    }
}

async fn an_unpublish_carries_only_the_id_and_the_reason(app: &TestApp) {
    let admin = app.key(Scope::Admin).await;
    let mut rx = Receiver::start(&[]).await;
    hook(
        app,
        &admin,
        &rx.url,
        &["article.unpublished", "article.deleted"],
    )
    .await;
    let id = create(app, &admin, article("webhook-unpublish")).await;
    action(app, &admin, &id, "publish", json!({})).await;
    action(
        app,
        &admin,
        &id,
        "unpublish",
        json!({"reason": "আইনি কারণে"}),
    )
    .await;
    let r = rx.next().await;
    assert_eq!(r.body["type"], "article.unpublished");
    assert_eq!(
        r.body["data"],
        json!({"id": id, "reason": "আইনি কারণে"}),
        "no content of an article that is not public"
    );
    // Deleting an article that is not public any more announces nothing.
    json_of(
        send(
            app,
            Method::DELETE,
            &format!("/v1/admin/articles/{id}"),
            &admin,
            None,
        )
        .await,
        200,
    )
    .await;
    let other = create(app, &admin, article("webhook-delete")).await;
    action(app, &admin, &other, "publish", json!({})).await;
    let res = send(
        app,
        Method::DELETE,
        &format!("/v1/admin/articles/{other}"),
        &admin,
        None,
    )
    .await;
    assert!(res.status().is_success());
    let r = rx.next().await;
    assert_eq!(r.body["type"], "article.deleted");
    assert_eq!(r.body["data"], json!({"id": other}));
    rx.stop();
}

async fn a_failing_receiver_gets_retries_then_one_delivery(app: &TestApp) {
    let admin = app.key(Scope::Admin).await;
    // A redirect is not followed: it is a failed attempt like a 500.
    let mut rx = Receiver::start(&[500, 302]).await;
    let (hook_id, secret) = hook(app, &admin, &rx.url, &["article.published"]).await;
    let id = create(app, &admin, article("webhook-retry")).await;
    action(app, &admin, &id, "publish", json!({})).await;
    let first = rx.next().await;
    // The retry waits 5–6 s, then 30–36 s: move the server's clock on.
    let d = deliveries_until(app, &admin, &hook_id, |d| {
        d.first().is_some_and(|x| x["attempts"] == 1)
    })
    .await;
    assert_eq!(d[0]["status"], "pending");
    assert_eq!(d[0]["responseStatus"], 500);
    assert!(d[0]["nextAttemptAt"].is_string());
    app.advance_clock(Duration::seconds(7));
    let second = rx.next().await;
    let d = deliveries_until(app, &admin, &hook_id, |d| {
        d.first().is_some_and(|x| x["attempts"] == 2)
    })
    .await;
    assert_eq!(d[0]["responseStatus"], 302);
    app.advance_clock(Duration::seconds(37));
    let third = rx.next().await;
    for r in [&first, &second, &third] {
        assert_eq!(r.body["type"], "article.published");
        assert_eq!(
            r.header("webhook-id"),
            first.header("webhook-id"),
            "one logical delivery: the same message id on every attempt"
        );
        verify(&secret, r);
    }
    let d = deliveries_until(app, &admin, &hook_id, |d| {
        d.first().is_some_and(|x| x["status"] == "succeeded")
    })
    .await;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["attempts"], 3);
    assert_eq!(d[0]["responseStatus"], 200);
    assert!(d[0]["error"].is_null());
    rx.stop();
}

async fn a_receiver_that_never_answers_turns_the_webhook_off(app: &TestApp) {
    let admin = app.key(Scope::Admin).await;
    let mut rx = Receiver::start(&[500; 20]).await;
    let (hook_id, _) = hook(app, &admin, &rx.url, &["article.published"]).await;
    let id = create(app, &admin, article("webhook-gives-up")).await;
    action(app, &admin, &id, "publish", json!({})).await;
    for n in 1..=domain::webhook::MAX_ATTEMPTS {
        rx.next().await;
        if n < domain::webhook::MAX_ATTEMPTS {
            deliveries_until(app, &admin, &hook_id, |d| {
                d.first().is_some_and(|x| x["attempts"] == n)
            })
            .await;
            app.advance_clock(Duration::days(2));
        }
    }
    let d = deliveries_until(app, &admin, &hook_id, |d| {
        d.first().is_some_and(|x| x["status"] == "failed")
    })
    .await;
    assert_eq!(d[0]["attempts"], domain::webhook::MAX_ATTEMPTS);
    let h = json_of(
        send(
            app,
            Method::GET,
            &format!("/v1/admin/webhooks/{hook_id}"),
            &admin,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(h["data"]["active"], false, "{h}");
    assert!(
        h["data"]["disabledReason"]
            .as_str()
            .unwrap()
            .contains("500"),
        "{h}"
    );
    // Turning it on again clears the flag.
    let h = json_of(
        send(
            app,
            Method::PATCH,
            &format!("/v1/admin/webhooks/{hook_id}"),
            &admin,
            Some(json!({"active": true})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(h["data"]["active"], true);
    assert!(h["data"]["disabledReason"].is_null());
    rx.stop();
}

async fn webhooks_are_managed_by_admins_with_checked_input(app: &TestApp) {
    let admin = app.key(Scope::Admin).await;
    let editor = app.key(Scope::Editor).await;
    let res = send(app, Method::GET, "/v1/admin/webhooks", &editor, None).await;
    assert_eq!(res.status().as_u16(), 403);
    let res = app
        .client
        .post(app.url("/v1/admin/webhooks"))
        .json(&json!({"url": "http://127.0.0.1:9/x", "events": ["article.published"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);

    // Every bad field at once, with its name.
    let bad = json_of(
        send(
            app,
            Method::POST,
            "/v1/admin/webhooks",
            &admin,
            Some(json!({"url": "ftp://example.com/x", "events": ["article.published", "article.nope"], "format": "xml"})),
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
    assert_eq!(fields, ["url", "events[1]", "format"], "{bad}");
    let res = send(
        app,
        Method::POST,
        "/v1/admin/webhooks",
        &admin,
        Some(json!({"url": "http://127.0.0.1:9/x", "events": ["article.published"], "secret": "mine"})),
    )
    .await;
    assert_eq!(res.status().as_u16(), 400, "unknown fields are refused");
    json_of(
        send(
            app,
            Method::POST,
            "/v1/admin/webhooks",
            &admin,
            Some(json!({"url": "http://127.0.0.1:9/x", "events": []})),
        )
        .await,
        422,
    )
    .await;
    assert!(
        app.repo.webhooks().await.unwrap().is_empty(),
        "nothing half-written"
    );

    let (id, secret) = hook(app, &admin, "http://127.0.0.1:9/x", &["cache.purge"]).await;
    assert!(secret.starts_with("whsec_"));
    let one = json_of(
        send(
            app,
            Method::GET,
            &format!("/v1/admin/webhooks/{id}"),
            &admin,
            None,
        )
        .await,
        200,
    )
    .await;
    assert!(one["data"].get("secret").is_none(), "shown once: {one}");
    assert_eq!(one["data"]["events"], json!(["cache.purge"]));
    assert_eq!(one["data"]["format"], "public");
    assert_eq!(one["data"]["description"], "পরীক্ষা");
    let list = json_of(
        send(app, Method::GET, "/v1/admin/webhooks", &admin, None).await,
        200,
    )
    .await;
    assert!(list["data"][0].get("secret").is_none());

    let changed = json_of(
        send(
            app,
            Method::PATCH,
            &format!("/v1/admin/webhooks/{id}"),
            &admin,
            Some(json!({"events": ["article.updated", "article.published"], "description": null, "format": "ninjs", "active": false})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        changed["data"]["events"],
        json!(["article.published", "article.updated"])
    );
    assert!(changed["data"]["description"].is_null());
    assert_eq!(changed["data"]["format"], "ninjs");
    assert_eq!(changed["data"]["active"], false);

    let rotated = json_of(
        send(
            app,
            Method::POST,
            &format!("/v1/admin/webhooks/{id}/rotate-secret"),
            &admin,
            None,
        )
        .await,
        200,
    )
    .await;
    let new_secret = rotated["data"]["secret"].as_str().unwrap();
    assert!(new_secret.starts_with("whsec_"));
    assert_ne!(new_secret, secret);

    // The audit log names the webhook writes, never a secret.
    let audit = json_of(
        send(app, Method::GET, "/v1/admin/audit?limit=10", &admin, None).await,
        200,
    )
    .await;
    let text = audit.to_string();
    assert!(text.contains("webhook.create") && text.contains("webhook.rotate"));
    assert!(!text.contains(&secret) && !text.contains(new_secret));

    let res = send(
        app,
        Method::DELETE,
        &format!("/v1/admin/webhooks/{id}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(res.status().as_u16(), 204);
    for (method, path) in [
        (Method::GET, format!("/v1/admin/webhooks/{id}")),
        (Method::DELETE, format!("/v1/admin/webhooks/{id}")),
        (Method::POST, format!("/v1/admin/webhooks/{id}/ping")),
        (Method::GET, format!("/v1/admin/webhooks/{id}/deliveries")),
        (
            Method::POST,
            "/v1/admin/webhooks/deliveries/999999/redeliver".to_owned(),
        ),
    ] {
        let res = send(app, method, &path, &admin, None).await;
        assert_eq!(res.status().as_u16(), 404, "{path}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
    }
}

async fn ping_and_redeliver_reuse_the_signing_path(app: &TestApp) {
    let admin = app.key(Scope::Admin).await;
    let mut rx = Receiver::start(&[]).await;
    let (id, secret) = hook(app, &admin, &rx.url, &["article.published"]).await;
    let queued = json_of(
        send(
            app,
            Method::POST,
            &format!("/v1/admin/webhooks/{id}/ping"),
            &admin,
            None,
        )
        .await,
        202,
    )
    .await;
    assert_eq!(queued["data"]["status"], "pending");
    assert_eq!(queued["data"]["eventType"], "webhook.ping");
    let ping = rx.next().await;
    assert_eq!(ping.body["type"], "webhook.ping");
    assert_eq!(ping.body["data"]["webhookId"], id.as_str());
    verify(&secret, &ping);
    let delivery = queued["data"]["id"].as_str().unwrap().to_owned();
    deliveries_until(app, &admin, &id, |d| {
        d.first().is_some_and(|x| x["status"] == "succeeded")
    })
    .await;
    let again = json_of(
        send(
            app,
            Method::POST,
            &format!("/v1/admin/webhooks/deliveries/{delivery}/redeliver"),
            &admin,
            None,
        )
        .await,
        202,
    )
    .await;
    assert_eq!(again["data"]["status"], "pending");
    let repeat = rx.next().await;
    assert_eq!(repeat.header("webhook-id"), ping.header("webhook-id"));
    verify(&secret, &repeat);
    let d = deliveries_until(app, &admin, &id, |d| {
        d.first()
            .is_some_and(|x| x["attempts"] == 2 && x["status"] == "succeeded")
    })
    .await;
    assert_eq!(d.len(), 1);
    rx.stop();
}

async fn collections_and_comments_are_announced(app: &TestApp) {
    let admin = app.key(Scope::Admin).await;
    let mut rx = Receiver::start(&[]).await;
    hook(
        app,
        &admin,
        &rx.url,
        &["collection.updated", "comment.approved", "cache.purge"],
    )
    .await;
    let p1 = app.ids.public[0];
    json_of(
        send(
            app,
            Method::PUT,
            "/v1/admin/collections/webhook-lead",
            &admin,
            Some(json!({"name": "প্রধান", "articles": [p1.to_string()]})),
        )
        .await,
        200,
    )
    .await;
    let r = rx.next_of("collection.updated").await;
    assert_eq!(
        r.body["data"],
        json!({"slug": "webhook-lead", "action": "saved"})
    );
    let purge = rx.next_of("cache.purge").await;
    let keys = purge.body["data"]["surrogateKeys"].as_array().unwrap();
    assert!(
        keys.iter().any(|k| k == "collection-webhook-lead"),
        "{keys:?}"
    );

    let posted = app
        .client
        .post(app.url(&format!("/v1/articles/{p1}/comments")))
        .json(&json!({"name": "পাঠক", "text": "ভালো প্রতিবেদন"}))
        .send()
        .await
        .unwrap();
    let posted = json_of(posted, 202).await;
    let comment = posted["data"]["id"].as_str().unwrap().to_owned();
    json_of(
        send(
            app,
            Method::POST,
            &format!("/v1/admin/comments/{comment}/approve"),
            &admin,
            Some(json!({})),
        )
        .await,
        200,
    )
    .await;
    let r = rx.next_of("comment.approved").await;
    assert_eq!(r.body["data"]["comment"]["id"], comment.as_str());
    assert_eq!(r.body["data"]["comment"]["text"], "ভালো প্রতিবেদন");
    rx.stop();
}

/// Linking a public English version to a Bengali story changes the
/// Bengali article's associations: its subscribers hear `article.updated`
/// for it, saying why.
async fn a_new_version_of_a_story_is_news_for_the_others(app: &TestApp) {
    let admin = app.key(Scope::Admin).await;
    let mut rx = Receiver::start(&[]).await;
    hook(app, &admin, &rx.url, &["article.updated"]).await;
    let bn = create(
        app,
        &admin,
        json!({"headline": "বন্দরে নতুন টার্মিনাল", "section": "national", "bodyText": "চালু হয়েছে।"}),
    )
    .await;
    action(app, &admin, &bn, "publish", json!({})).await;
    let en = create(
        app,
        &admin,
        json!({"headline": "New port terminal", "section": "national", "bodyText": "Opened.",
               "language": "en", "translationOf": bn}),
    )
    .await;
    action(app, &admin, &en, "publish", json!({})).await;
    let r = rx.next_of("article.updated").await;
    assert_eq!(r.body["data"]["id"], bn.as_str(), "{:#}", r.body);
    assert_eq!(r.body["data"]["cause"], "translations", "{:#}", r.body);
    rx.stop();
}

async fn graphql_manages_webhooks_through_the_same_service(app: &TestApp) {
    let admin = app.key(Scope::Admin).await;
    let editor = app.key(Scope::Editor).await;
    let mut rx = Receiver::start(&[]).await;
    let create = "mutation($url: String!) { createWebhook(input: {url: $url, events: [ARTICLE_PUBLISHED, ARTICLE_GOLIVE], description: \"অ্যাপ\"}) { id url events active format secret description } }";
    let denied = app
        .graphql_as(&editor, create, json!({"url": rx.url}))
        .await;
    assert_eq!(
        denied["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{denied}"
    );
    let bad = app
        .graphql_as(&admin, create, json!({"url": "gopher://x"}))
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{bad}"
    );
    let made = app.graphql_as(&admin, create, json!({"url": rx.url})).await;
    let hook = &made["data"]["createWebhook"];
    assert_eq!(
        hook["events"],
        json!(["ARTICLE_PUBLISHED", "ARTICLE_GOLIVE"]),
        "{made}"
    );
    assert_eq!(hook["active"], true);
    assert_eq!(hook["format"], "PUBLIC");
    let secret = hook["secret"].as_str().unwrap().to_owned();
    let id = hook["id"].as_str().unwrap().to_owned();

    let listed = app
        .graphql_as(
            &admin,
            "{ webhooks { id secret } webhook(id: \"999\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["data"]["webhooks"],
        json!([{"id": id, "secret": null}]),
        "{listed}"
    );
    assert!(listed["data"]["webhook"].is_null());

    let changed = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { updateWebhook(id: $id, input: {description: null, format: NINJS}) { description format } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        changed["data"]["updateWebhook"],
        json!({"description": null, "format": "NINJS"}),
        "{changed}"
    );

    let ping = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { pingWebhook(id: $id) { event status messageId } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        ping["data"]["pingWebhook"]["event"], "WEBHOOK_PING",
        "{ping}"
    );
    let r = rx.next().await;
    verify(&secret, &r);
    assert_eq!(
        r.header("webhook-id"),
        ping["data"]["pingWebhook"]["messageId"].as_str().unwrap()
    );
    deliveries_until(app, &admin, &id, |d| {
        d.first().is_some_and(|x| x["status"] == "succeeded")
    })
    .await;
    let log = app
        .graphql_as(
            &admin,
            "query($id: ID!) { webhook(id: $id) { deliveries(first: 5) { status attempts responseStatus } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        log["data"]["webhook"]["deliveries"],
        json!([{"status": "SUCCEEDED", "attempts": 1, "responseStatus": 200}]),
        "{log}"
    );

    let rotated = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }",
            json!({"id": id}),
        )
        .await;
    assert_ne!(
        rotated["data"]["rotateWebhookSecret"]["secret"],
        secret.as_str()
    );
    let gone = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { deleteWebhook(id: $id) }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(gone["data"]["deleteWebhook"], id.as_str());
    let again = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { deleteWebhook(id: $id) }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        again["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{again}"
    );
    rx.stop();
}

/// A webhook whose address became private after it was saved (a rebound
/// name, an old row): the sender refuses to connect.
async fn private_addresses_are_refused_again_when_sending(app: &TestApp) {
    let admin = app.key(Scope::Admin).await;
    let mut rx = Receiver::start(&[]).await;
    let port = rx
        .url
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches("/hook")
        .to_owned();
    for url in [rx.url.clone(), format!("http://localhost:{port}/hook")] {
        // Saved past the service's check, straight into the database.
        let hook = app
            .repo
            .create_webhook(
                persistence::NewWebhook {
                    url: &url,
                    events: &[domain::webhook::EventType::ArticlePublished],
                    secret: "whsec_c2VjcmV0",
                    active: true,
                    description: None,
                    format: "public",
                },
                persistence::WriteContext::system(Utc::now()),
            )
            .await
            .unwrap()
            .id
            .to_string();
        json_of(
            send(
                app,
                Method::POST,
                &format!("/v1/admin/webhooks/{hook}/ping"),
                &admin,
                None,
            )
            .await,
            202,
        )
        .await;
        let d = deliveries_until(app, &admin, &hook, |d| {
            d.first().is_some_and(|x| x["attempts"] == 1)
        })
        .await;
        let error = d[0]["error"].as_str().unwrap();
        assert!(
            error.contains("private") && d[0]["responseStatus"].is_null(),
            "{url}: {d:#?}"
        );
        assert_eq!(d[0]["status"], "pending", "retried later, like any failure");
    }
    assert!(rx.drain().is_empty(), "nothing reached the receiver");
    rx.stop();
}

async fn a_server_that_forbids_private_addresses_refuses_them(app: &TestApp) {
    let admin = app.key(Scope::Admin).await;
    for url in [
        "http://127.0.0.1:9/x",
        "http://localhost:9/x",
        "http://[::1]/x",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.8/hook",
    ] {
        let body = json_of(
            send(
                app,
                Method::POST,
                "/v1/admin/webhooks",
                &admin,
                Some(json!({"url": url, "events": ["article.published"]})),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "url", "{url}: {body}");
    }
    assert!(app.repo.webhooks().await.unwrap().is_empty());
}

mod restart {
    use persistence::testing::Engine;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::a_receiver_down_across_a_restart_gets_the_delivery_after(Engine::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::a_receiver_down_across_a_restart_gets_the_delivery_after(Engine::Postgres).await;
    }
}

async fn a_receiver_down_across_a_restart_gets_the_delivery_after(
    engine: persistence::testing::Engine,
) {
    let Some(mut a) = crate::helpers::spawn_app_custom(engine, true, allow_private).await else {
        return;
    };
    // A port nobody listens on: the receiver is down.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/hook");
    let admin = a.key(Scope::Admin).await;
    let (hook_id, secret) = hook(&a, &admin, &url, &["article.published"]).await;
    let id = create(&a, &admin, article("webhook-restart")).await;
    action(&a, &admin, &id, "publish", json!({})).await;
    let d = deliveries_until(&a, &admin, &hook_id, |d| {
        d.first().is_some_and(|x| x["attempts"] == 1)
    })
    .await;
    assert_eq!(d[0]["status"], "pending");
    assert!(
        d[0]["error"].as_str().unwrap().contains("connect"),
        "{d:#?}"
    );
    // Stop the server as SIGTERM does; the receiver comes up; another
    // server starts over the same database.
    a.stop_handle().stop(true).await;
    let db = a.db.take().unwrap();
    let mut rx = Receiver::on(TcpListener::bind(("127.0.0.1", port)).await.unwrap(), &[]);
    let b = spawn_on(db, false, allow_private).await.unwrap();
    b.advance_clock(Duration::seconds(7));
    let r = rx.next().await;
    assert_eq!(r.body["type"], "article.published");
    assert_eq!(r.body["data"]["id"], id.as_str());
    verify(&secret, &r);
    let d = deliveries_until(&b, &admin, &hook_id, |d| {
        d.first().is_some_and(|x| x["status"] == "succeeded")
    })
    .await;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["attempts"], 2);
    rx.stop();
    b.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_over_one_postgres_deliver_each_change_once() {
    let Some(a) = crate::helpers::spawn_app_custom(
        persistence::testing::Engine::Postgres,
        true,
        allow_private,
    )
    .await
    else {
        return;
    };
    let b = crate::helpers::SecondInstance::start_with(&a, allow_private).await;
    let admin = a.key(Scope::Admin).await;
    let mut rx = Receiver::start(&[]).await;
    let mut hooks = Vec::new();
    for _ in 0..4 {
        hooks.push(hook(&a, &admin, &rx.url, &["article.published"]).await.0);
    }
    let articles = 8;
    for n in 0..articles {
        // Writes alternate between the instances; both dispatch.
        let base = if n % 2 == 0 {
            a.address.clone()
        } else {
            b.address.clone()
        };
        let res = a
            .client
            .post(format!("{base}/v1/admin/articles"))
            .bearer_auth(&admin)
            .json(&article(&format!("webhook-two-{n}")))
            .send()
            .await
            .unwrap();
        let id = json_of(res, 201).await["data"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let res = a
            .client
            .post(format!("{base}/v1/admin/articles/{id}/publish"))
            .bearer_auth(&admin)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
    }
    for h in &hooks {
        let d = deliveries_until(&a, &admin, h, |d| {
            d.len() == articles && d.iter().all(|x| x["status"] == "succeeded")
        })
        .await;
        assert!(
            d.iter().all(|x| x["attempts"] == 1),
            "each delivery sent once: {d:#?}"
        );
    }
    let got = rx.drain();
    let mut ids: Vec<&str> = got.iter().map(|r| r.header("webhook-id")).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(
        got.len(),
        hooks.len() * articles,
        "one request per change and webhook"
    );
    assert_eq!(ids.len(), got.len(), "no message twice");
    rx.stop();
    b.stop().await;
    a.cleanup().await;
}
