//! GraphQL subscriptions over a WebSocket (`graphql-transport-ws`), with a
//! client in the test process speaking the protocol by hand, on SQLite and
//! PostgreSQL.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use domain::Scope;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::{TestApp, admin, write_article};
use crate::on_both;

on_both!(
    live_posts_arrive_and_resume_after_a_cursor,
    published_and_breaking_articles_arrive_and_hidden_ones_never,
    subscription_errors_are_typed_and_limits_apply,
    fragmented_messages_are_bounded_like_a_post_body,
);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A `graphql-transport-ws` client: acknowledged, ready to subscribe.
struct Ws {
    socket: Socket,
}

impl Ws {
    async fn connect(app: &TestApp) -> Self {
        let url = app.url("/graphql").replacen("http", "ws", 1);
        let mut req = url.into_client_request().unwrap();
        req.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (socket, res) = tokio_tungstenite::connect_async(req).await.unwrap();
        assert_eq!(
            res.headers()["sec-websocket-protocol"],
            "graphql-transport-ws"
        );
        let mut ws = Self { socket };
        ws.send(json!({"type": "connection_init"})).await;
        assert_eq!(ws.next().await["type"], "connection_ack");
        ws
    }

    async fn send(&mut self, v: Value) {
        self.socket
            .send(Message::text(v.to_string()))
            .await
            .unwrap();
    }

    /// `text` as one message in fragments of at most 60,000 bytes (a frame
    /// is at most 64 KiB).
    async fn send_fragments(&mut self, text: &str) {
        use tokio_tungstenite::tungstenite::protocol::frame::Frame;
        use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
        let parts: Vec<&[u8]> = text.as_bytes().chunks(60_000).collect();
        for (i, part) in parts.iter().enumerate() {
            let opcode = OpCode::Data(if i == 0 { Data::Text } else { Data::Continue });
            let frame = Frame::message(part.to_vec(), opcode, i + 1 == parts.len());
            self.socket.send(Message::Frame(frame)).await.unwrap();
        }
    }

    async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({"id": id, "type": "subscribe", "payload": {"query": query, "variables": variables}}))
            .await;
    }

    /// The next protocol message (pings answered, skipped).
    async fn next(&mut self) -> Value {
        loop {
            let msg = tokio::time::timeout(StdDuration::from_secs(20), self.socket.next())
                .await
                .expect("a message within 20 s")
                .expect("the socket is open")
                .unwrap();
            if let Message::Text(t) = msg {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] == "ping" {
                    self.send(json!({"type": "pong"})).await;
                    continue;
                }
                return v;
            }
        }
    }
}

async fn article(app: &TestApp, key: &str, body: Value, publish: bool) -> String {
    write_article(app, key, body, publish).await
}

async fn live_post(app: &TestApp, key: &str, page: &str, text: &str) -> String {
    admin(
        app,
        key,
        reqwest::Method::POST,
        &format!("/v1/admin/articles/{page}/posts"),
        json!({"bodyText": text}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

const LIVE_POSTS: &str = "subscription($a: ID!, $after: String) { livePosts(articleId: $a, after: $after) { cursor kind postId post { id bodyHtml } } }";

async fn live_posts_arrive_and_resume_after_a_cursor(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let page = article(
        app,
        &key,
        json!({"headline": "ভোট গণনা: সরাসরি", "section": "national", "bodyText": "শুরু", "kind": "live"}),
        true,
    )
    .await;
    let mut ws = Ws::connect(app).await;
    ws.subscribe("1", LIVE_POSTS, json!({"a": page})).await;
    app.await_subscribers(1).await;
    let p1 = live_post(app, &key, &page, "প্রথম কেন্দ্রের ফল").await;
    let m = ws.next().await;
    assert_eq!(m["type"], "next", "{m}");
    assert_eq!(m["id"], "1");
    let e1 = &m["payload"]["data"]["livePosts"];
    assert_eq!(e1["kind"], "POST");
    assert_eq!(e1["post"]["id"], p1.as_str());
    assert_eq!(e1["post"]["bodyHtml"], "<p>প্রথম কেন্দ্রের ফল</p>");
    let cursor = e1["cursor"].as_str().unwrap().to_owned();
    // Missed on another connection: resumed after the cursor, in order.
    let p2 = live_post(app, &key, &page, "দ্বিতীয় কেন্দ্র").await;
    assert_eq!(
        ws.next().await["payload"]["data"]["livePosts"]["post"]["id"],
        p2.as_str()
    );
    let mut again = Ws::connect(app).await;
    again
        .subscribe("r", LIVE_POSTS, json!({"a": page, "after": cursor}))
        .await;
    app.await_subscribers(2).await;
    let r = again.next().await;
    assert_eq!(
        r["payload"]["data"]["livePosts"]["post"]["id"],
        p2.as_str(),
        "{r}"
    );
    // Posts written while the page is not public never reach a subscriber.
    admin(
        app,
        &key,
        reqwest::Method::POST,
        &format!("/v1/admin/articles/{page}/unpublish"),
        json!({"reason": "যাচাই চলছে"}),
    )
    .await;
    let secret = live_post(app, &key, &page, "গোপন খসড়া").await;
    // Once a later post of another page is out, the hidden one was polled
    // (the log is read in order) while its page was hidden.
    let other = article(
        app,
        &key,
        json!({"headline": "অন্য সরাসরি", "section": "national", "bodyText": "শুরু", "kind": "live"}),
        true,
    )
    .await;
    ws.subscribe("w", LIVE_POSTS, json!({"a": other})).await;
    app.await_subscribers(3).await;
    let marker = live_post(app, &key, &other, "অন্য পাতা").await;
    let m = ws.next().await;
    assert_eq!(m["id"], "w", "{m}");
    assert_eq!(
        m["payload"]["data"]["livePosts"]["post"]["id"],
        marker.as_str()
    );
    admin(
        app,
        &key,
        reqwest::Method::POST,
        &format!("/v1/admin/articles/{page}/publish"),
        json!({}),
    )
    .await;
    let p3 = live_post(app, &key, &page, "তৃতীয় কেন্দ্র").await;
    let m = ws.next().await;
    assert_eq!(
        m["payload"]["data"]["livePosts"]["post"]["id"],
        p3.as_str(),
        "the post written while hidden was not sent: {m}"
    );
    assert_ne!(
        m["payload"]["data"]["livePosts"]["post"]["id"],
        secret.as_str()
    );
    // The end of the page completes the subscription.
    admin(
        app,
        &key,
        reqwest::Method::PATCH,
        &format!("/v1/admin/articles/{page}"),
        json!({"liveState": "ended"}),
    )
    .await;
    assert_eq!(
        ws.next().await["payload"]["data"]["livePosts"]["kind"],
        "ENDED"
    );
    let done = ws.next().await;
    assert_eq!(done["type"], "complete", "{done}");
    assert_eq!(done["id"], "1");
}

async fn published_and_breaking_articles_arrive_and_hidden_ones_never(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let mut ws = Ws::connect(app).await;
    ws.subscribe(
        "p",
        "subscription { articlePublished(sections: [\"sports\"]) { databaseId headline section { slug } } }",
        json!({}),
    )
    .await;
    ws.subscribe(
        "b",
        "subscription { breaking { databaseId breakingUntil } }",
        json!({}),
    )
    .await;
    app.await_subscribers(2).await;
    // A draft flagged breaking and an article of another section: nothing.
    article(
        app,
        &key,
        json!({"headline": "খসড়া", "section": "national", "bodyText": "লেখা",
               "breakingUntil": (Utc::now() + Duration::hours(1)).to_rfc3339()}),
        false,
    )
    .await;
    article(
        app,
        &key,
        json!({"headline": "জাতীয় খবর", "section": "national", "bodyText": "লেখা"}),
        true,
    )
    .await;
    let cricket = article(
        app,
        &key,
        json!({"headline": "টেস্টে জয়", "section": "cricket", "bodyText": "লেখা",
               "breakingUntil": (Utc::now() + Duration::hours(1)).to_rfc3339()}),
        true,
    )
    .await;
    let mut got = Vec::new();
    for _ in 0..2 {
        got.push(ws.next().await);
    }
    got.sort_by_key(|m| m["id"].as_str().unwrap().to_owned());
    assert_eq!(got[0]["id"], "b", "{got:?}");
    assert_eq!(
        got[0]["payload"]["data"]["breaking"]["databaseId"],
        cricket.as_str()
    );
    assert_eq!(got[1]["id"], "p");
    let published = &got[1]["payload"]["data"]["articlePublished"];
    assert_eq!(published["databaseId"], cricket.as_str(), "{published}");
    assert_eq!(published["section"]["slug"], "cricket");
}

/// The `extensions.code` of a refused subscription (`error`, or `next`
/// with errors and no data).
fn code(m: &Value) -> &Value {
    let errors = if m["type"] == "error" {
        &m["payload"]
    } else {
        assert!(m["payload"]["data"].is_null(), "{m}");
        &m["payload"]["errors"]
    };
    &errors[0]["extensions"]["code"]
}

async fn subscription_errors_are_typed_and_limits_apply(app: &TestApp) {
    let mut ws = Ws::connect(app).await;
    ws.subscribe("x", LIVE_POSTS, json!({"a": "999999"})).await;
    let m = ws.next().await;
    assert_eq!(code(&m), "NOT_FOUND", "{m}");
    assert_eq!(ws.next().await["type"], "complete");
    // A draft live page does not exist for a reader, over WebSocket too.
    let key = app.key(Scope::Editor).await;
    let draft = article(
        app,
        &key,
        json!({"headline": "খসড়া সরাসরি", "section": "national", "bodyText": "শুরু", "kind": "live"}),
        false,
    )
    .await;
    ws.subscribe("h", LIVE_POSTS, json!({"a": draft})).await;
    let m = ws.next().await;
    assert_eq!(code(&m), "NOT_FOUND", "{m}");
    assert_eq!(ws.next().await["type"], "complete");
    // At most 16 subscriptions at once on one connection: of 17, one is
    // refused (which one depends on the order the server sets them up).
    const BREAKING: &str = "subscription { breaking { databaseId } }";
    for i in 0..17 {
        ws.subscribe(&format!("s{i}"), BREAKING, json!({})).await;
    }
    let m = ws.next().await;
    assert_eq!(code(&m), "RATE_LIMITED", "{m}");
    let refused = m["id"].as_str().unwrap().to_owned();
    let done = ws.next().await;
    assert_eq!((&done["type"], &done["id"]), (&json!("complete"), &m["id"]));
    // Completing one frees its place for another.
    let freed = if refused == "s0" { "s1" } else { "s0" };
    ws.send(json!({"id": freed, "type": "complete"})).await;
    app.await_subscribers(15).await;
    ws.subscribe("again", BREAKING, json!({})).await;
    app.await_subscribers(16).await;
    article(
        app,
        &key,
        json!({"headline": "জরুরি", "section": "national", "bodyText": "লেখা",
               "breakingUntil": (Utc::now() + Duration::hours(1)).to_rfc3339()}),
        true,
    )
    .await;
    let mut ids = Vec::new();
    while ids.len() < 16 {
        let m = ws.next().await;
        if m["type"] == "complete" && m["id"] == freed {
            continue;
        }
        assert_eq!(m["type"], "next", "{m}");
        ids.push(m["id"].as_str().unwrap().to_owned());
    }
    assert!(ids.iter().any(|i| i == "again"), "{ids:?}");
    assert!(!ids.iter().any(|i| i == freed || *i == refused), "{ids:?}");
    // The query limits hold over WebSocket too.
    let deep = format!(
        "subscription {{ articlePublished {{ {}databaseId{} }} }}",
        "section { articles(first: 1) { nodes { ".repeat(6),
        " } } }".repeat(6)
    );
    ws.subscribe("d", &deep, json!({})).await;
    let m = ws.next().await;
    assert_eq!(code(&m), "QUERY_TOO_DEEP", "{m}");
    // Without a subprotocol the upgrade is refused with a problem.
    let res = app
        .client
        .get(app.url("/graphql"))
        .header("upgrade", "websocket")
        .header("connection", "upgrade")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

/// A message may come in fragments up to the size of a POST body
/// (256 KiB); past it the server ends the connection rather than gather
/// fragments for ever.
async fn fragmented_messages_are_bounded_like_a_post_body(app: &TestApp) {
    let ping = |pad: usize| format!("{{\"type\":\"ping\"{}}}", " ".repeat(pad));
    let mut ws = Ws::connect(app).await;
    ws.send_fragments(&ping(150_000)).await;
    assert_eq!(ws.next().await["type"], "pong");
    ws.send_fragments(&ping(300_000)).await;
    loop {
        let msg = tokio::time::timeout(StdDuration::from_secs(20), ws.socket.next())
            .await
            .expect("the connection ends within 20 s");
        match msg {
            None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
            Some(Ok(Message::Text(t))) => assert!(!t.contains("pong"), "answered: {t}"),
            Some(Ok(_)) => {}
        }
    }
}
