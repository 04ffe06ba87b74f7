//! Reader comments, pre-moderated: posting, approved threads and counts,
//! moderation with scoped keys, closing, safe HTML, flood control, bot
//! traps, validation, and the no-leak matrix extended to comments.

use api::config::Settings;
use chrono::Duration;
use domain::Scope;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both;

/// Runs each test on SQLite and PostgreSQL with settings changed by the
/// function `$configure` of this module.
macro_rules! on_both_with {
    ($configure:ident; $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = $crate::helpers::spawn_app_custom(
                    persistence::testing::Engine::Sqlite, true, super::$configure,
                ).await {
                    super::$name(&app).await;
                    app.cleanup().await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::helpers::spawn_app_custom(
                    persistence::testing::Engine::Postgres, true, super::$configure,
                ).await {
                    super::$name(&app).await;
                    app.cleanup().await;
                }
            }
        }
    )*};
}

// Most tests play several readers: the server takes the client address
// from X-Forwarded-For, as behind a proxy.
on_both_with!(
    proxied;
    pending_comments_are_invisible_until_approved,
    threads_are_one_level_deep_oldest_first_and_paginated,
    xss_payloads_never_reach_a_page_as_markup,
    the_same_text_twice_from_a_client_is_a_duplicate,
    closed_comments_refuse_new_ones_with_403,
    moderation_needs_an_editor_key,
    moderation_decisions_are_audited_and_deletes_take_replies,
    comments_never_reveal_hidden_articles,
    invalid_comments_name_every_field_and_store_nothing,
    a_form_token_enforces_a_minimum_time_before_posting,
    graphql_posts_lists_counts_and_moderates_comments,
);
on_both_with!(
    one_article_takes_three;
    an_article_takes_a_limited_number_of_comments_from_all_clients,
);
on_both_with!(proxied_token_required; a_required_form_token_must_be_sent,);
on_both!(a_client_gets_five_comments_per_ten_minutes_then_429,);

fn proxied(s: &mut Settings) {
    s.comments.trust_proxy = true;
}

fn one_article_takes_three(s: &mut Settings) {
    s.comments.trust_proxy = true;
    s.comments.per_article = 3;
}

fn proxied_token_required(s: &mut Settings) {
    s.comments.trust_proxy = true;
    s.comments.require_form_token = true;
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

async fn pending_comments_are_invisible_until_approved(app: &TestApp) {
    let editor = app.key(Scope::Editor).await;
    let article = app.ids.public[0];
    let before = comment_count(app, article).await;
    assert_eq!(before, 0);
    let c = post_ok(app, article, "203.0.113.1", "রহিম", "চমৎকার প্রতিবেদন।").await;
    assert_eq!(c["name"], "রহিম");
    assert_eq!(c["text"], "চমৎকার প্রতিবেদন।");
    assert_eq!(c["html"], "চমৎকার প্রতিবেদন।");
    assert_eq!(c["articleId"], article.to_string());
    assert!(c["createdAtBn"].as_str().unwrap().contains('২'));

    // Pending: not listed, not counted, anywhere.
    let l = list(app, article).await;
    assert_eq!(l["data"], json!([]));
    assert_eq!(l["commentCount"], 0);
    assert_eq!(l["commentsOpen"], true);
    assert!(l["formToken"].is_string());
    assert_eq!(comment_count(app, article).await, 0);
    let gql = app
        .graphql(
            "query($id: ID!) { article(id: $id) { commentCount comments { edges { node { name } } } } }",
            json!({"id": article.to_string()}),
        )
        .await;
    assert_eq!(gql["data"]["article"]["commentCount"], 0, "{gql}");
    assert_eq!(gql["data"]["article"]["comments"]["edges"], json!([]));

    // Approved: listed and counted.
    let approved = approve(app, &editor, &id(&c)).await;
    assert_eq!(approved["status"], "approved");
    let l = list(app, article).await;
    assert_eq!(names(&l), vec!["রহিম"]);
    assert_eq!(l["data"][0]["status"], "approved");
    assert_eq!(l["commentCount"], 1);
    assert_eq!(comment_count(app, article).await, 1);
    let a = app.get_json(&format!("/v1/articles/{article}"), 200).await;
    assert_eq!(a["data"]["commentsOpen"], true);

    // Rejected: never shown; the count is only of approved comments.
    let spam = post_ok(app, article, "203.0.113.2", "spam", "সস্তায় কিনুন").await;
    let res = reject(app, &editor, &id(&spam), "বিজ্ঞাপন").await;
    assert_eq!(res.status().as_u16(), 200);
    let l = list(app, article).await;
    assert_eq!(names(&l), vec!["রহিম"]);
    assert_eq!(comment_count(app, article).await, 1);
    // Other articles are untouched.
    assert_eq!(comment_count(app, app.ids.public[1]).await, 0);
}

async fn threads_are_one_level_deep_oldest_first_and_paginated(app: &TestApp) {
    let editor = app.key(Scope::Editor).await;
    let article = app.ids.public[0];
    let other = app.ids.public[1];
    let mut top = Vec::new();
    for (i, name) in ["প্রথম", "দ্বিতীয়", "তৃতীয়"].iter().enumerate()
    {
        let c = post_ok(app, article, &format!("198.51.100.{i}"), name, "মত").await;
        approve(app, &editor, &id(&c)).await;
        top.push(id(&c));
        app.advance_clock(Duration::seconds(1));
    }
    // A reply to a reply hangs under the top-level comment.
    let r1 = post_reply(
        app,
        article,
        "198.51.100.10",
        "উত্তর১",
        "একমত",
        Some(&top[0]),
    )
    .await;
    assert_eq!(r1["parentId"], top[0]);
    approve(app, &editor, &id(&r1)).await;
    let r2 = post_reply(
        app,
        article,
        "198.51.100.11",
        "উত্তর২",
        "আমিও",
        Some(&id(&r1)),
    )
    .await;
    assert_eq!(r2["parentId"], top[0], "threads are one level deep");
    approve(app, &editor, &id(&r2)).await;

    // Reply targets must be approved comments of the same article.
    let pending = post_ok(app, article, "198.51.100.12", "অপেক্ষমাণ", "অপেক্ষা").await;
    let elsewhere = post_ok(app, other, "198.51.100.13", "অন্য", "অন্য খবরে").await;
    approve(app, &editor, &id(&elsewhere)).await;
    for target in [id(&pending), id(&elsewhere), "999999".into()] {
        let res = post_as(
            app,
            &article.to_string(),
            "198.51.100.14",
            json!({"name": "ক", "text": format!("উত্তর {target}"), "replyTo": target}),
        )
        .await;
        let p = problem(res, 422).await;
        assert_eq!(fields(&p), vec!["replyTo"], "{target}");
    }

    let l = list(app, article).await;
    assert_eq!(names(&l), vec!["প্রথম", "দ্বিতীয়", "তৃতীয়"], "oldest first");
    let replies: Vec<&str> = l["data"][0]["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(replies, vec!["উত্তর১", "উত্তর২"]);
    assert_eq!(l["data"][0]["replyCount"], 2);
    assert_eq!(l["data"][1]["replies"], json!([]));
    assert_eq!(l["commentCount"], 5, "replies count too");
    assert_eq!(comment_count(app, article).await, 5);

    // Pages of threads, with a cursor bound to this article's list.
    let p1 = app
        .get_json(&format!("/v1/articles/{article}/comments?limit=2"), 200)
        .await;
    assert_eq!(names(&p1), vec!["প্রথম", "দ্বিতীয়"]);
    assert_eq!(p1["page"]["hasMore"], true);
    let cursor = p1["page"]["nextCursor"].as_str().unwrap().to_owned();
    let p2 = app
        .get_json(
            &format!("/v1/articles/{article}/comments?limit=2&cursor={cursor}"),
            200,
        )
        .await;
    assert_eq!(names(&p2), vec!["তৃতীয়"]);
    assert_eq!(p2["page"]["hasMore"], false);
    assert!(p2["page"]["nextCursor"].is_null());
    let res = app
        .get(&format!("/v1/articles/{other}/comments?cursor={cursor}"))
        .await;
    assert_eq!(fields(&problem(res, 400).await), vec!["cursor"]);
    for bad in ["limit=0", "limit=51", "limit=x", "cursor=zzz"] {
        let res = app
            .get(&format!("/v1/articles/{article}/comments?{bad}"))
            .await;
        problem(res, 400).await;
    }

    // Rejecting a top-level comment hides its replies too.
    assert_eq!(
        reject(app, &editor, &top[0], "অপ্রাসঙ্গিক").await.status(),
        200
    );
    let l = list(app, article).await;
    assert_eq!(names(&l), vec!["দ্বিতীয়", "তৃতীয়"]);
    assert_eq!(l["commentCount"], 2);
    assert_eq!(comment_count(app, article).await, 2);
}

/// Every `<` in comment HTML opens `<br>`, `</a>` or exactly
/// `<a href="http(s)://…" rel="nofollow ugc">`.
fn assert_no_markup_but_links_and_breaks(html: &str, payload: &str) {
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        let tail = &rest[i..];
        let ok = if tail.starts_with("<br>") || tail.starts_with("</a>") {
            true
        } else if let Some(end) = tail.find('>') {
            let tag = &tail[..=end];
            let href = tag
                .strip_prefix("<a href=\"")
                .and_then(|t| t.strip_suffix("\" rel=\"nofollow ugc\">"));
            href.is_some_and(|h| {
                (h.starts_with("http://") || h.starts_with("https://")) && !h.contains('"')
            })
        } else {
            false
        };
        assert!(ok, "markup from {payload:?}: {html}");
        rest = &tail[1..];
    }
    // Tags, handlers and script URLs may only survive as visible text.
    let lower = html.to_lowercase();
    for bad in ["<script", "<img", "<svg", "<iframe", "<a href=\"javascript"] {
        assert!(!lower.contains(bad), "{bad} from {payload:?}: {html}");
    }
}

const XSS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "javascript:alert(document.cookie)",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<body onload=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "https://example.com/\"onmouseover=\"alert(1)",
    "https://example.com/<script>alert(1)</script>",
    "http://x.example/?q=\"><svg/onload=alert(1)>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<details open ontoggle=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "\u{FF1C}script\u{FF1E}alert(1)\u{FF1C}/script\u{FF1E}",
    "জাভাস্ক্রিপ্ট <script>alert('হ্যাক')</script> দিয়ে আক্রমণ",
    "ভালো লেখা <img src=x onerror=alert('১')> ধন্যবাদ",
    "লিংক: javascript:alert('বাংলা') আর https://example.com/খবর?id=১&x=<b>",
    "<a href=\"https://example.com\" onclick=\"alert(1)\">খবর দেখুন</a>",
    "মন্তব্য\n<script>\nalert('নতুন লাইন')\n</script>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>ক্লিক</text></a></svg>",
];

async fn xss_payloads_never_reach_a_page_as_markup(app: &TestApp) {
    let editor = app.key(Scope::Editor).await;
    let article = app.ids.public[2];
    for (i, payload) in XSS.iter().enumerate() {
        let name = format!("<b>পাঠক {i}</b>");
        let c = post_ok(app, article, &format!("192.0.2.{i}"), &name, payload).await;
        assert_eq!(c["text"], *payload, "stored as given");
        assert_eq!(c["name"], name, "names are text too");
        assert_no_markup_but_links_and_breaks(c["html"].as_str().unwrap(), payload);
        approve(app, &editor, &id(&c)).await;
    }
    let l = app
        .get_json(&format!("/v1/articles/{article}/comments?limit=50"), 200)
        .await;
    let data = l["data"].as_array().unwrap();
    assert_eq!(data.len(), XSS.len());
    let gql = app
        .graphql(
            "query($id: ID!) { article(id: $id) { comments(first: 50) { edges { node { text html } } } } }",
            json!({"id": article.to_string()}),
        )
        .await;
    let edges = gql["data"]["article"]["comments"]["edges"]
        .as_array()
        .unwrap();
    for ((c, payload), edge) in data.iter().zip(XSS).zip(edges) {
        assert_eq!(c["text"], *payload);
        let html = c["html"].as_str().unwrap();
        assert_no_markup_but_links_and_breaks(html, payload);
        assert_eq!(edge["node"]["html"], html, "GraphQL renders the same");
    }
    // Links survive, as nofollow ugc, and line breaks are <br>.
    let linked = data[25]["html"].as_str().unwrap();
    assert!(
        linked.contains("<a href=\"https://example.com/খবর?id=১&amp;x=\" rel=\"nofollow ugc\">"),
        "{linked}"
    );
    assert!(linked.contains("&lt;b&gt;"));
    assert!(
        data[27]["html"]
            .as_str()
            .unwrap()
            .starts_with("মন্তব্য<br>&lt;script&gt;<br>")
    );
}

async fn a_client_gets_five_comments_per_ten_minutes_then_429(app: &TestApp) {
    // Without BARTA_TRUST_PROXY a forged X-Forwarded-For changes nothing:
    // every request here comes from 127.0.0.1.
    let article = app.ids.public[0].to_string();
    for i in 0..5 {
        let res = post_as(
            app,
            &article,
            &format!("10.9.8.{i}"),
            json!({"name": "পাঠক", "text": format!("মন্তব্য নম্বর {i}")}),
        )
        .await;
        assert_eq!(res.status().as_u16(), 202);
    }
    let res = post_as(
        app,
        &article,
        "10.9.8.99",
        json!({"name": "পাঠক", "text": "ষষ্ঠ মন্তব্য"}),
    )
    .await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&retry), "{retry}");
    let p = problem(res, 429).await;
    assert_eq!(p["code"], "too_many_requests");
    assert_eq!(app.repo.count_rows("comments").await.unwrap(), 5);
    // The limit holds on GraphQL too (one guard for both surfaces).
    let gql = app
        .graphql(
            "mutation($a: ID!) { postComment(input: {articleId: $a, name: \"ক\", text: \"গ্রাফকিউএল\"}) { id } }",
            json!({"a": article}),
        )
        .await;
    assert_eq!(
        gql["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{gql}"
    );
    assert!(
        gql["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .unwrap()
            >= 1
    );
    // The window slides: ten minutes later there is room again.
    app.advance_clock(Duration::minutes(10));
    let res = post_as(
        app,
        &article,
        "10.9.8.99",
        json!({"name": "পাঠক", "text": "ষষ্ঠ মন্তব্য"}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 202);
    assert_eq!(app.repo.count_rows("comments").await.unwrap(), 6);
}

async fn an_article_takes_a_limited_number_of_comments_from_all_clients(app: &TestApp) {
    let article = app.ids.public[0];
    for i in 0..3 {
        post_ok(
            app,
            article,
            &format!("203.0.113.{i}"),
            "পাঠক",
            &format!("মত {i}"),
        )
        .await;
    }
    let res = post_as(
        app,
        &article.to_string(),
        "203.0.113.50",
        json!({"name": "পাঠক", "text": "আরেকটি"}),
    )
    .await;
    assert!(res.headers().contains_key("retry-after"));
    problem(res, 429).await;
    // Another article is not affected.
    post_ok(app, app.ids.public[1], "203.0.113.50", "পাঠক", "আরেকটি").await;
}

async fn the_same_text_twice_from_a_client_is_a_duplicate(app: &TestApp) {
    let (a, b) = (app.ids.public[0], app.ids.public[1]);
    post_ok(app, a, "203.0.113.7", "করিম", "খুব ভালো লেখা!").await;
    for (article, text) in [
        (a, "খুব ভালো লেখা!"),
        (a, "  খুব   ভালো লেখা। "),
        (b, "খুব ভালো লেখা!"),
    ] {
        let res = post_as(
            app,
            &article.to_string(),
            "203.0.113.7",
            json!({"name": "করিম", "text": text}),
        )
        .await;
        let p = problem(res, 409).await;
        assert_eq!(p["code"], "conflict");
        assert_eq!(p["field"], "text");
    }
    // Someone else may say the same.
    post_ok(app, a, "203.0.113.8", "রহিম", "খুব ভালো লেখা!").await;
    assert_eq!(app.repo.count_rows("comments").await.unwrap(), 2);
}

async fn closed_comments_refuse_new_ones_with_403(app: &TestApp) {
    let editor = app.key(Scope::Editor).await;
    let article = app.ids.public[0];
    let c = post_ok(app, article, "203.0.113.1", "রহিম", "আগের মন্তব্য").await;
    approve(app, &editor, &id(&c)).await;
    let settings = format!("/v1/admin/articles/{article}/comments");
    let close = |open: bool| {
        send(
            app,
            Method::PUT,
            &settings,
            Some(&editor),
            Some(json!({"commentsOpen": open})),
        )
    };
    let res = close(false).await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["commentsOpen"], false);
    assert_eq!(body["data"]["commentCount"], 1);

    let res = post_as(
        app,
        &article.to_string(),
        "203.0.113.2",
        json!({"name": "করিম", "text": "বন্ধ?"}),
    )
    .await;
    let p = problem(res, 403).await;
    assert_eq!(p["code"], "comments_closed");
    let gql = app
        .graphql(
            "mutation($a: ID!) { postComment(input: {articleId: $a, name: \"ক\", text: \"খ\"}) { id } }",
            json!({"a": article.to_string()}),
        )
        .await;
    assert_eq!(gql["errors"][0]["extensions"]["code"], "FORBIDDEN", "{gql}");
    // Existing comments stay; the box says it is closed.
    let l = list(app, article).await;
    assert_eq!(names(&l), vec!["রহিম"]);
    assert_eq!(l["commentsOpen"], false);
    assert!(l["formToken"].is_null());
    let a = app.get_json(&format!("/v1/articles/{article}"), 200).await;
    assert_eq!(a["data"]["commentsOpen"], false);
    assert_eq!(a["data"]["commentCount"], 1);
    // Closing does not touch the article itself (no new version).
    assert_eq!(
        app.repo
            .article_by_id(article)
            .await
            .unwrap()
            .unwrap()
            .version,
        1
    );

    assert_eq!(close(true).await.status().as_u16(), 200);
    post_ok(app, article, "203.0.113.2", "করিম", "আবার খোলা").await;

    // Bad bodies and unknown articles.
    for (body, status) in [
        (json!({}), 422),
        (json!({"commentsOpen": "no"}), 400),
        (json!({"open": false}), 400),
    ] {
        let res = send(
            app,
            Method::PUT,
            &format!("/v1/admin/articles/{article}/comments"),
            Some(&editor),
            Some(body),
        )
        .await;
        problem(res, status).await;
    }
    let res = send(
        app,
        Method::PUT,
        "/v1/admin/articles/999999/comments",
        Some(&editor),
        Some(json!({"commentsOpen": false})),
    )
    .await;
    problem(res, 404).await;
    // Editors can close comments on a draft before it goes out.
    let res = send(
        app,
        Method::PUT,
        &format!("/v1/admin/articles/{}/comments", app.ids.draft),
        Some(&editor),
        Some(json!({"commentsOpen": false})),
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
}

async fn moderation_needs_an_editor_key(app: &TestApp) {
    let partner = app.key(Scope::Partner).await;
    let editor = app.key(Scope::Editor).await;
    let admin = app.key(Scope::Admin).await;
    let article = app.ids.public[0];
    let mut victims = Vec::new();
    for i in 0..2 {
        let v = post_ok(
            app,
            article,
            &format!("203.0.113.{i}"),
            "ক",
            &format!("মুছে ফেলার জন্য {i}"),
        )
        .await;
        victims.push(id(&v));
    }
    let c = id(&post_ok(app, article, "203.0.113.9", "খ", "সিদ্ধান্তের জন্য").await);
    // (method, path, body, path for the editor, path for the admin)
    let delete = |v: &str| format!("/v1/admin/comments/{v}");
    let routes = [
        (
            Method::GET,
            "/v1/admin/comments?status=pending".to_owned(),
            None,
        ),
        (Method::GET, format!("/v1/admin/comments/{c}"), None),
        (
            Method::POST,
            format!("/v1/admin/comments/{c}/approve"),
            None,
        ),
        (
            Method::POST,
            format!("/v1/admin/comments/{c}/reject"),
            Some(json!({"reason": "পরীক্ষা"})),
        ),
        (
            Method::PUT,
            format!("/v1/admin/articles/{article}/comments"),
            Some(json!({"commentsOpen": true})),
        ),
    ];
    let checks = routes
        .iter()
        .map(|(m, p, b)| (m.clone(), p.clone(), b.clone(), p.clone(), p.clone()))
        .chain(std::iter::once((
            Method::DELETE,
            delete(&victims[0]),
            None,
            delete(&victims[0]),
            delete(&victims[1]),
        )));
    for (method, path, body, editor_path, admin_path) in checks {
        for key in [None, Some("barta_not-a-real-key")] {
            let res = send(app, method.clone(), &path, key, body.clone()).await;
            assert_eq!(
                problem(res, 401).await["code"],
                "unauthorized",
                "{method} {path}"
            );
        }
        let res = send(app, method.clone(), &path, Some(&partner), body.clone()).await;
        assert_eq!(
            problem(res, 403).await["code"],
            "forbidden",
            "{method} {path}"
        );
        for (key, path) in [(&editor, &editor_path), (&admin, &admin_path)] {
            let res = send(app, method.clone(), path, Some(key), body.clone()).await;
            assert_eq!(res.status().as_u16(), 200, "{method} {path}");
        }
    }
    // Only the editor's and the admin's deletes took effect.
    assert_eq!(app.repo.count_rows("comments").await.unwrap(), 1);
    // GraphQL moderation: the same matrix.
    let q = "mutation($id: ID!) { approveComment(id: $id) { status } }";
    let vars = json!({"id": c});
    let anon = app.graphql(q, vars.clone()).await;
    assert_eq!(anon["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let p = app.graphql_as(&partner, q, vars.clone()).await;
    assert_eq!(p["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let e = app.graphql_as(&editor, q, vars).await;
    assert_eq!(e["data"]["approveComment"]["status"], "APPROVED", "{e}");
    let queue = "{ commentQueue { items { comment { name } } } }";
    let anon = app.graphql(queue, json!({})).await;
    assert_eq!(anon["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let p = app.graphql_as(&partner, queue, json!({})).await;
    assert_eq!(p["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

async fn moderation_decisions_are_audited_and_deletes_take_replies(app: &TestApp) {
    let editor = app.key(Scope::Editor).await;
    let admin = app.key(Scope::Admin).await;
    let (a, b) = (app.ids.public[0], app.ids.public[1]);
    let first = post_ok(app, a, "203.0.113.1", "প্রথম", "এক").await;
    let second = post_ok(app, b, "203.0.113.2", "দ্বিতীয়", "দুই").await;
    let third = post_ok(app, a, "203.0.113.3", "তৃতীয়", "তিন").await;

    // The queue: pending, oldest first, with the article; filters.
    let queue = |q: &str| {
        let q = q.to_owned();
        let editor = editor.clone();
        async move {
            let res = send(
                app,
                Method::GET,
                &format!("/v1/admin/comments{q}"),
                Some(&editor),
                None,
            )
            .await;
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap();
            assert_eq!(status, 200, "{body}");
            body
        }
    };
    let all = queue("").await;
    assert_eq!(names(&all), vec!["প্রথম", "দ্বিতীয়", "তৃতীয়"]);
    assert_eq!(all["data"][0]["article"]["id"], a.to_string());
    assert_eq!(all["data"][0]["article"]["headline"], "বাজেট ঘোষণা আজ");
    assert_eq!(
        names(&queue(&format!("?article={a}")).await),
        vec!["প্রথম", "তৃতীয়"]
    );
    let page = queue("?limit=2").await;
    assert_eq!(page["page"]["hasMore"], true);
    let after = page["page"]["nextCursor"].as_str().unwrap().to_owned();
    assert_eq!(
        names(&queue(&format!("?limit=2&after={after}")).await),
        vec!["তৃতীয়"]
    );
    let res = send(
        app,
        Method::GET,
        "/v1/admin/comments?status=spam&limit=0&article=x",
        Some(&editor),
        None,
    )
    .await;
    assert_eq!(
        fields(&problem(res, 400).await),
        vec!["article", "limit", "status"]
    );

    // A body that does not fit the documented one is refused for approve
    // as for reject (found by schemathesis: approve ignored its body).
    for action in ["approve", "reject"] {
        let res = send(
            app,
            Method::POST,
            &format!("/v1/admin/comments/{}/{action}", id(&first)),
            Some(&editor),
            Some(json!({"reason": null, "unknown": 42})),
        )
        .await;
        problem(res, 400).await;
    }
    assert_eq!(
        names(&queue("?status=approved").await),
        Vec::<String>::new()
    );
    // Approve (twice: the second changes nothing), reject with a reason.
    let audit_before = app.repo.count_rows("audit_log").await.unwrap();
    approve(app, &editor, &id(&first)).await;
    approve(app, &editor, &id(&first)).await;
    assert_eq!(
        app.repo.count_rows("audit_log").await.unwrap(),
        audit_before + 1
    );
    let res = send(
        app,
        Method::POST,
        &format!("/v1/admin/comments/{}/reject", id(&second)),
        Some(&editor),
        None,
    )
    .await;
    assert_eq!(fields(&problem(res, 422).await), vec!["reason"]);
    let res = reject(app, &editor, &id(&second), "ব্যক্তিগত আক্রমণ").await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["status"], "rejected");
    assert_eq!(body["data"]["reason"], "ব্যক্তিগত আক্রমণ");
    assert!(body["data"]["moderatedAt"].is_string());
    assert_eq!(names(&queue("?status=rejected").await), vec!["দ্বিতীয়"]);
    assert_eq!(names(&queue("?status=approved").await), vec!["প্রথম"]);
    // An editor may change their mind.
    approve(app, &editor, &id(&second)).await;
    assert_eq!(comment_count(app, b).await, 1);

    // A reply cannot be shown before its parent.
    approve(app, &editor, &id(&third)).await;
    let reply = post_reply(app, a, "203.0.113.4", "উত্তর", "জবাব", Some(&id(&third))).await;
    assert_eq!(
        reject(app, &editor, &id(&third), "ভুল তথ্য").await.status(),
        200
    );
    let res = send(
        app,
        Method::POST,
        &format!("/v1/admin/comments/{}/approve", id(&reply)),
        Some(&editor),
        None,
    )
    .await;
    assert_eq!(problem(res, 409).await["field"], "parentId");
    approve(app, &editor, &id(&third)).await;
    approve(app, &editor, &id(&reply)).await;
    assert_eq!(comment_count(app, a).await, 3);

    // Deleting takes the replies with it; the text is kept nowhere.
    let res = send(
        app,
        Method::DELETE,
        &format!("/v1/admin/comments/{}", id(&third)),
        Some(&editor),
        None,
    )
    .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["deleted"], 2);
    assert_eq!(comment_count(app, a).await, 1);
    for gone in [id(&third), id(&reply)] {
        let res = send(
            app,
            Method::GET,
            &format!("/v1/admin/comments/{gone}"),
            Some(&editor),
            None,
        )
        .await;
        problem(res, 404).await;
    }
    for path in [
        "/v1/admin/comments/999999/approve",
        "/v1/admin/comments/abc/approve",
        "/v1/admin/comments/1/frobnicate",
    ] {
        let res = send(app, Method::POST, path, Some(&editor), None).await;
        problem(res, 404).await;
    }
    let res = send(
        app,
        Method::DELETE,
        "/v1/admin/comments/999999",
        Some(&editor),
        None,
    )
    .await;
    problem(res, 404).await;

    let audit: Value = send(
        app,
        Method::GET,
        "/v1/admin/audit?limit=50",
        Some(&admin),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let actions: Vec<&str> = audit["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions[..7],
        [
            "comment.delete",
            "comment.approve",
            "comment.approve",
            "comment.reject",
            "comment.approve",
            "comment.approve",
            "comment.reject",
        ]
    );
    let deleted = &audit["data"][0];
    assert_eq!(deleted["targetType"], "comment");
    assert_eq!(deleted["targetId"], id(&third));
    assert_eq!(deleted["details"]["replies"], 1);
    assert!(
        !audit.to_string().contains("জবাব"),
        "no comment text in the audit log"
    );
    assert_eq!(audit["data"][3]["details"]["reason"], "ভুল তথ্য");
}

async fn comments_never_reveal_hidden_articles(app: &TestApp) {
    let editor = app.key(Scope::Editor).await;
    let body = json!({"name": "পাঠক", "text": "গোপন খবরে মন্তব্য"});
    let mut targets: Vec<(&str, String)> = app
        .ids
        .hidden()
        .into_iter()
        .map(|(what, id)| (what, id.to_string()))
        .collect();
    targets.push(("unknown", "999999".into()));
    targets.push(("not an id", "abc".into()));
    targets.push(("zero", "0".into()));
    let same = |p: &Value, raw: &str| {
        assert_eq!(p["code"], "not_found");
        assert_eq!(p["title"], "Not found");
        assert_eq!(p["detail"], format!("no article \"{raw}\""));
    };
    for (i, (what, raw)) in targets.iter().enumerate() {
        let res = app.get(&format!("/v1/articles/{raw}/comments")).await;
        same(&problem(res, 404).await, raw);
        let res = post_as(app, raw, &format!("192.0.2.{i}"), body.clone()).await;
        same(&problem(res, 404).await, raw);
        // Even an invalid comment gets the same 404, not a 422.
        let res = post_as(app, raw, &format!("192.0.2.{i}"), json!({"name": ""})).await;
        same(&problem(res, 404).await, raw);
        let gql = app
            .graphql(
                "mutation($a: ID!) { postComment(input: {articleId: $a, name: \"ক\", text: \"খ\"}) { id } }",
                json!({"a": raw}),
            )
            .await;
        assert_eq!(
            gql["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "{what}: {gql}"
        );
    }
    assert_eq!(app.repo.count_rows("comments").await.unwrap(), 0);

    // Comments of an article that goes away go with it.
    let article = app.ids.public[3];
    let c = post_ok(app, article, "192.0.2.100", "পাঠক", "প্রকাশিত খবরে").await;
    approve(app, &editor, &id(&c)).await;
    let res = send(
        app,
        Method::POST,
        &format!("/v1/admin/articles/{article}/unpublish"),
        Some(&editor),
        Some(json!({"reason": "আইনি কারণে"})),
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let res = app.get(&format!("/v1/articles/{article}/comments")).await;
    same(&problem(res, 404).await, &article.to_string());
    let res = post_as(app, &article.to_string(), "192.0.2.101", body.clone()).await;
    same(&problem(res, 404).await, &article.to_string());
    // Moderators still see them.
    let res = send(
        app,
        Method::GET,
        &format!("/v1/admin/comments?status=approved&article={article}"),
        Some(&editor),
        None,
    )
    .await;
    let queue: Value = res.json().await.unwrap();
    assert_eq!(names(&queue), vec!["পাঠক"]);

    // A scheduled article takes comments once it is live.
    let scheduled = app.ids.scheduled;
    app.advance_clock(app.ids.go_live - chrono::Utc::now() + Duration::seconds(5));
    post_ok(app, scheduled, "192.0.2.102", "পাঠক", "এখন প্রকাশিত").await;
}

async fn invalid_comments_name_every_field_and_store_nothing(app: &TestApp) {
    let article = app.ids.public[0].to_string();
    let post_raw = |body: Vec<u8>| {
        app.client
            .post(app.url(&format!("/v1/articles/{article}/comments")))
            .header("content-type", "application/json")
            .header("x-forwarded-for", "203.0.113.77")
            .body(body)
            .send()
    };
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["name", "text"]),
        (
            json!({"name": "", "text": "ক".repeat(2001), "replyTo": "abc", "website": "http://spam.example"}),
            vec!["name", "replyTo", "text", "website"],
        ),
        (
            json!({"name": "   ", "text": " \n\t "}),
            vec!["name", "text"],
        ),
        (json!({"name": "ক".repeat(61), "text": "ঠিক"}), vec!["name"]),
        (
            json!({"name": "a\nb", "text": "a\u{0000}b"}),
            vec!["name", "text"],
        ),
        (
            json!({"name": "a\u{0007}", "text": "a\u{009F}"}),
            vec!["name", "text"],
        ),
        (
            json!({"name": "x\u{202E}gpj.exe", "text": "ঠিক"}),
            vec!["name"],
        ),
        (json!({"name": "\u{200B}", "text": "ঠিক"}), vec!["name"]),
        (
            json!({"name": "ক", "text": "ঠিক", "replyTo": 0}),
            vec!["replyTo"],
        ),
        (
            json!({"name": "ক", "text": "ঠিক", "replyTo": -3}),
            vec!["replyTo"],
        ),
        (
            json!({"name": "ক", "text": "ঠিক", "replyTo": true}),
            vec!["replyTo"],
        ),
        (
            json!({"name": "ক", "text": "ঠিক", "formToken": "forged"}),
            vec!["formToken"],
        ),
    ];
    for (body, expected) in cases {
        let res = post_raw(body.to_string().into_bytes()).await.unwrap();
        let p = problem(res, 422).await;
        assert_eq!(p["code"], "validation_failed");
        assert_eq!(fields(&p), expected, "{body}");
    }
    for raw in [
        b"".to_vec(),
        b"not json".to_vec(),
        b"[]".to_vec(),
        b"{\"name\": \"\xff\xfe\", \"text\": \"x\"}".to_vec(),
        b"{\"name\": \"\\ud800\", \"text\": \"x\"}".to_vec(),
        r#"{"name": "ক", "text": "খ", "admin": true}"#.as_bytes().to_vec(),
        r#"{"name": 5, "text": "খ"}"#.as_bytes().to_vec(),
        r#"{"name": "ক", "text": ["খ"]}"#.as_bytes().to_vec(),
        r#"{"name": "ক", "text": "খ"} trailing"#.as_bytes().to_vec(),
    ] {
        let res = post_raw(raw.clone()).await.unwrap();
        let p = problem(res, 400).await;
        assert_eq!(
            p["errors"][0]["field"],
            "body",
            "{:?}",
            String::from_utf8_lossy(&raw)
        );
    }
    let huge = json!({"name": "ক", "text": "খ".repeat(1_000_000)});
    let res = post_raw(huge.to_string().into_bytes()).await.unwrap();
    assert_eq!(res.status().as_u16(), 413);
    assert_eq!(
        app.repo.count_rows("comments").await.unwrap(),
        0,
        "nothing stored"
    );
    // Text is stored trimmed and in NFC; line endings become \n.
    let res = post_raw(
        json!({"name": " ক\u{09C7}\u{09BE}লা ", "text": "এক\r\nদুই\r\n"})
            .to_string()
            .into_bytes(),
    )
    .await
    .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["name"], "কোলা");
    assert_eq!(body["data"]["text"], "এক\nদুই");
    assert_eq!(body["data"]["html"], "এক<br>দুই");
    // Wrong methods are 405 problems naming the allowed ones.
    let res = app
        .client
        .delete(app.url(&format!("/v1/articles/{article}/comments")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["allow"], "GET, HEAD, POST");
    problem(res, 405).await;
}

async fn a_form_token_enforces_a_minimum_time_before_posting(app: &TestApp) {
    let (a, b) = (app.ids.public[0], app.ids.public[1]);
    let token = list(app, a).await["formToken"].as_str().unwrap().to_owned();
    let with = |text: &str, token: &str| json!({"name": "ক", "text": text, "formToken": token});
    // A bot that posts the moment it has the page.
    let res = post_as(app, &a.to_string(), "203.0.113.1", with("দ্রুত", &token)).await;
    assert_eq!(fields(&problem(res, 422).await), vec!["formToken"]);
    app.advance_clock(Duration::seconds(5));
    // Not for another article.
    let res = post_as(app, &b.to_string(), "203.0.113.1", with("অন্য খবর", &token)).await;
    assert_eq!(fields(&problem(res, 422).await), vec!["formToken"]);
    let res = post_as(
        app,
        &a.to_string(),
        "203.0.113.1",
        with("ধীরে সুস্থে", &token),
    )
    .await;
    assert_eq!(res.status().as_u16(), 202);
    // A day later the token has expired.
    app.advance_clock(Duration::hours(25));
    let res = post_as(app, &a.to_string(), "203.0.113.1", with("অনেক পরে", &token)).await;
    assert_eq!(fields(&problem(res, 422).await), vec!["formToken"]);
    // The honeypot: people leave it empty.
    let res = post_as(
        app,
        &a.to_string(),
        "203.0.113.2",
        json!({"name": "bot", "text": "buy now", "website": "http://spam.example"}),
    )
    .await;
    assert_eq!(fields(&problem(res, 422).await), vec!["website"]);
    let res = post_as(
        app,
        &a.to_string(),
        "203.0.113.2",
        json!({"name": "মানুষ", "text": "আমি মানুষ", "website": ""}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 202);
}

async fn a_required_form_token_must_be_sent(app: &TestApp) {
    let a = app.ids.public[0];
    let res = post_as(
        app,
        &a.to_string(),
        "203.0.113.1",
        json!({"name": "ক", "text": "খ"}),
    )
    .await;
    assert_eq!(fields(&problem(res, 422).await), vec!["formToken"]);
    let gql = app
        .graphql(
            "query($id: ID!) { article(id: $id) { commentFormToken } }",
            json!({"id": a.to_string()}),
        )
        .await;
    let token = gql["data"]["article"]["commentFormToken"]
        .as_str()
        .unwrap()
        .to_owned();
    app.advance_clock(Duration::seconds(4));
    let res = post_as(
        app,
        &a.to_string(),
        "203.0.113.1",
        json!({"name": "ক", "text": "খ", "formToken": token}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 202);
}

async fn graphql_posts_lists_counts_and_moderates_comments(app: &TestApp) {
    let editor = app.key(Scope::Editor).await;
    let (a, b) = (app.ids.public[0], app.ids.public[1]);
    let post = "mutation($in: PostCommentInput!) { postComment(input: $in) { id databaseId status name text html parentId } }";
    let posted = app
        .graphql(
            post,
            json!({"in": {"articleId": a.to_string(), "name": "রহিম", "text": "প্রথম\nমন্তব্য"}}),
        )
        .await;
    let c = &posted["data"]["postComment"];
    assert_eq!(c["status"], "PENDING", "{posted}");
    assert_eq!(c["html"], "প্রথম<br>মন্তব্য");
    let first = c["id"].as_str().unwrap().to_owned();
    // Invalid input names every field.
    let bad = app
        .graphql(
            post,
            json!({"in": {"articleId": a.to_string(), "name": "", "text": ""}}),
        )
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        bad["errors"][0]["extensions"]["fields"],
        json!(["name", "text"])
    );

    let approve_q = "mutation($id: ID!) { approveComment(id: $id) { status } }";
    let r = app
        .graphql_as(&editor, approve_q, json!({"id": first}))
        .await;
    assert_eq!(r["data"]["approveComment"]["status"], "APPROVED", "{r}");
    // A reply by global id, and a second thread on the same article.
    let reply = app
        .graphql(post, json!({"in": {"articleId": api::graphql::global_id("Article", a).to_string(), "name": "করিম", "text": "উত্তর", "replyTo": first}}))
        .await;
    let reply_id = reply["data"]["postComment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(reply["data"]["postComment"]["parentId"], first);
    app.graphql_as(&editor, approve_q, json!({"id": reply_id}))
        .await;
    let second = post_ok(app, a, "203.0.113.5", "দ্বিতীয়", "আরও").await;
    app.graphql_as(&editor, approve_q, json!({"id": id(&second)}))
        .await;
    let on_b = post_ok(app, b, "203.0.113.6", "খ", "অন্য খবর").await;
    app.graphql_as(&editor, approve_q, json!({"id": id(&on_b)}))
        .await;

    let page = "query($id: ID!, $after: String) { article(id: $id) { commentCount commentsOpen commentFormToken
        comments(first: 1, after: $after) { edges { cursor node { name replyCount replies { name text } } } pageInfo { hasNextPage endCursor } } } }";
    let p1 = app.graphql(page, json!({"id": a.to_string()})).await;
    let art = &p1["data"]["article"];
    assert_eq!(art["commentCount"], 3, "{p1}");
    assert_eq!(art["commentsOpen"], true);
    assert!(art["commentFormToken"].is_string());
    assert_eq!(art["comments"]["edges"][0]["node"]["name"], "রহিম");
    assert_eq!(
        art["comments"]["edges"][0]["node"]["replies"][0]["name"],
        "করিম"
    );
    assert_eq!(art["comments"]["pageInfo"]["hasNextPage"], true);
    let after = art["comments"]["pageInfo"]["endCursor"].as_str().unwrap();
    let p2 = app
        .graphql(page, json!({"id": a.to_string(), "after": after}))
        .await;
    assert_eq!(
        p2["data"]["article"]["comments"]["edges"][0]["node"]["name"],
        "দ্বিতীয়"
    );
    assert_eq!(
        p2["data"]["article"]["comments"]["pageInfo"]["hasNextPage"],
        false
    );
    let bad = app
        .graphql(page, json!({"id": a.to_string(), "after": "zzz"}))
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["fields"],
        json!(["after"]),
        "{bad}"
    );

    // Counts on a whole list, batched.
    let list = app
        .graphql(
            "{ articles(first: 5) { edges { node { databaseId commentCount } } } }",
            json!({}),
        )
        .await;
    let counts: Vec<(String, u64)> = list["data"]["articles"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["databaseId"].as_str().unwrap().to_owned(),
                e["node"]["commentCount"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(counts[0], (a.to_string(), 3));
    assert_eq!(counts[1], (b.to_string(), 1));
    assert!(counts[2..].iter().all(|(_, n)| *n == 0));

    // The queue, reject, close, delete over GraphQL.
    let pending = post_ok(app, b, "203.0.113.7", "অপেক্ষা", "অপেক্ষমাণ").await;
    let queue = app
        .graphql_as(&editor, "{ commentQueue(status: PENDING) { items { comment { databaseId name } articleHeadline } hasNextPage } }", json!({}))
        .await;
    let items = queue["data"]["commentQueue"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{queue}");
    assert_eq!(items[0]["comment"]["databaseId"], id(&pending));
    assert_eq!(items[0]["articleHeadline"], "ক্রিকেটে বড় জয়");
    let r = app
        .graphql_as(&editor, "mutation($id: ID!) { rejectComment(id: $id, reason: \"অপ্রাসঙ্গিক\") { status moderationReason } }", json!({"id": id(&pending)}))
        .await;
    assert_eq!(
        r["data"]["rejectComment"]["moderationReason"], "অপ্রাসঙ্গিক",
        "{r}"
    );
    let r = app
        .graphql_as(
            &editor,
            "mutation($a: ID!) { setCommentsOpen(articleId: $a, open: false) }",
            json!({"a": b.to_string()}),
        )
        .await;
    assert_eq!(r["data"]["setCommentsOpen"], false, "{r}");
    let r = app
        .graphql_as(
            &editor,
            "mutation($id: ID!) { deleteComment(id: $id) }",
            json!({"id": first}),
        )
        .await;
    assert_eq!(r["data"]["deleteComment"], 2, "the reply went with it: {r}");
    let after = app.graphql(page, json!({"id": a.to_string()})).await;
    assert_eq!(after["data"]["article"]["commentCount"], 1);
    let b_page = app.graphql(page, json!({"id": b.to_string()})).await;
    assert_eq!(b_page["data"]["article"]["commentsOpen"], false);
    assert!(b_page["data"]["article"]["commentFormToken"].is_null());
}
