//! The guard in front of posting: per-client and per-article limits,
//! duplicates, the form token and the honeypot.

use api::config::Settings;
use chrono::Duration;
use serde_json::json;

use super::{fields, list, post_as, post_ok, problem, proxied};
use crate::helpers::TestApp;
use crate::on_both;

on_both!(
    configure = proxied;
    the_same_text_twice_from_a_client_is_a_duplicate,
    a_form_token_enforces_a_minimum_time_before_posting,
);
on_both!(
    configure = one_article_takes_three;
    an_article_takes_a_limited_number_of_comments_from_all_clients,
);
on_both!(configure = proxied_token_required; a_required_form_token_must_be_sent,);
on_both!(a_client_gets_five_comments_per_ten_minutes_then_429,);

fn one_article_takes_three(s: &mut Settings) {
    s.comments.trust_proxy = true;
    s.comments.per_article = 3;
}

fn proxied_token_required(s: &mut Settings) {
    s.comments.trust_proxy = true;
    s.comments.require_form_token = true;
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
