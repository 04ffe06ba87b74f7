//! Posting and reading: pending until approved, one-level threads and
//! their pages, validation of every field, and nothing about articles a
//! reader may not see.

use chrono::Duration;
use domain::Scope;
use reqwest::Method;
use serde_json::{Value, json};

use super::{
    approve, comment_count, fields, id, list, names, post_as, post_ok, post_reply, problem,
    proxied, reject, send,
};
use crate::helpers::TestApp;
use crate::on_both;

on_both!(
    configure = proxied;
    pending_comments_are_invisible_until_approved,
    threads_are_one_level_deep_oldest_first_and_paginated,
    comments_never_reveal_hidden_articles,
    invalid_comments_name_every_field_and_store_nothing,
);

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
