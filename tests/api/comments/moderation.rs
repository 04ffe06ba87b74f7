//! Moderation: which keys may moderate, the queue, decisions and their
//! audit entries, deletes with replies, and closing an article's comments.

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
    closed_comments_refuse_new_ones_with_403,
    moderation_needs_an_editor_key,
    moderation_decisions_are_audited_and_deletes_take_replies,
);

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
