//! Reader comments, pre-moderated: posting, approved threads and counts,
//! moderation with scoped keys, closing, safe HTML, flood control, bot
//! traps, validation, and the no-leak matrix extended to comments.
//!
//! By topic: [`posting`] (threads, counts, validation, hidden articles),
//! [`markup`] (safe HTML), [`guard`] (flood control, duplicates, bot
//! traps), [`moderation`] (keys, decisions, closing) and [`graphql`]; the
//! helpers every topic uses are here.

use api::config::Settings;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;

mod graphql;
mod guard;
mod markup;
mod moderation;
mod posting;

// Most tests play several readers: the server takes the client address
// from X-Forwarded-For, as behind a proxy.
fn proxied(s: &mut Settings) {
    s.comments.trust_proxy = true;
}

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

/// A reader at `client` (an address) posts `body` on article `article`.
async fn post_as(app: &TestApp, article: &str, client: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/v1/articles/{article}/comments")))
        .header("x-forwarded-for", client)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Posts a comment and returns it (asserting 202 and `pending`).
async fn post_ok(app: &TestApp, article: i64, client: &str, name: &str, text: &str) -> Value {
    post_reply(app, article, client, name, text, None).await
}

async fn post_reply(
    app: &TestApp,
    article: i64,
    client: &str,
    name: &str,
    text: &str,
    reply_to: Option<&str>,
) -> Value {
    let mut body = json!({"name": name, "text": text});
    if let Some(r) = reply_to {
        body["replyTo"] = json!(r);
    }
    let res = post_as(app, &article.to_string(), client, body).await;
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["data"]["status"], "pending");
    body["data"].clone()
}

fn id(comment: &Value) -> String {
    comment["id"].as_str().unwrap().to_owned()
}

async fn approve(app: &TestApp, key: &str, comment: &str) -> Value {
    let res = send(
        app,
        Method::POST,
        &format!("/v1/admin/comments/{comment}/approve"),
        Some(key),
        None,
    )
    .await;
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body["data"].clone()
}

async fn reject(app: &TestApp, key: &str, comment: &str, reason: &str) -> reqwest::Response {
    send(
        app,
        Method::POST,
        &format!("/v1/admin/comments/{comment}/reject"),
        Some(key),
        Some(json!({"reason": reason})),
    )
    .await
}

/// The approved threads of an article (one page).
async fn list(app: &TestApp, article: i64) -> Value {
    app.get_json(&format!("/v1/articles/{article}/comments"), 200)
        .await
}

fn names(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn comment_count(app: &TestApp, article: i64) -> u64 {
    app.get_json(&format!("/v1/articles/{article}"), 200).await["data"]["commentCount"]
        .as_u64()
        .unwrap()
}

/// Asserts a problem+json answer and returns it.
async fn problem(res: reqwest::Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(got, status, "{body}");
    assert_eq!(ct, "application/problem+json");
    assert_eq!(body["status"], status);
    body
}

fn fields(problem: &Value) -> Vec<String> {
    let mut f: Vec<String> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    f.sort();
    f
}
