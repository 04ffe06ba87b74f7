//! Comments over GraphQL: posting, threads and counts, and moderation.

use domain::Scope;
use serde_json::json;

use super::{id, post_ok, proxied};
use crate::helpers::TestApp;
use crate::on_both;

on_both!(configure = proxied; graphql_posts_lists_counts_and_moderates_comments);

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
