//! GraphQL over HTTP: the same content as REST, batched, bounded.

use serde_json::{Value, json};

use crate::helpers::{TestApp, percent_encode};
use crate::on_both;

on_both!(
    articles_connection_pages_like_the_rest_list,
    article_page_query_loads_body_bylines_and_section,
    node_resolves_every_global_id,
    errors_carry_extension_codes,
    lookups_of_what_is_not_there_answer_null_without_an_error,
    list_arguments_naming_unknown_things_are_bad_user_input,
    hostile_queries_are_rejected_before_execution,
    a_home_screen_query_fits_the_limits,
    get_serves_queries_and_graphiql,
    related_objects_are_batched_not_queried_per_article,
    list_bylines_are_there_however_they_are_selected,
    field_errors_null_the_field_and_propagate_to_the_nearest_nullable_parent,
    request_errors_have_no_data_and_argument_errors_name_graphql_arguments,
    connections_page_backward_with_last_and_before,
    response_keys_follow_the_query_order,
    list_nodes_carry_what_rest_carries_whichever_fields_are_selected,
    a_cached_document_runs_with_each_requests_variables_and_checks,
);

fn db_ids(conn: &Value) -> Vec<i64> {
    conn["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["databaseId"].as_str().unwrap().parse().unwrap())
        .collect()
}

async fn articles_connection_pages_like_the_rest_list(app: &TestApp) {
    let q = "query($after: String) { articles(first: 2, after: $after) {
        edges { cursor node { databaseId headline } }
        pageInfo { hasNextPage hasPreviousPage endCursor } } }";
    let mut after = Value::Null;
    let mut seen = Vec::new();
    loop {
        let body = app.graphql(q, json!({ "after": after })).await;
        assert!(body["errors"].is_null(), "{body}");
        let conn = &body["data"]["articles"];
        seen.extend(db_ids(conn));
        if conn["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, app.ids.public);
    let rest = app.list_ids("/v1/articles").await;
    assert_eq!(seen, rest);
    // Each edge's cursor continues right after that edge.
    let body = app.graphql(q, json!({ "after": Value::Null })).await;
    let first_cursor = body["data"]["articles"]["edges"][0]["cursor"].clone();
    let body = app.graphql(q, json!({ "after": first_cursor })).await;
    assert_eq!(db_ids(&body["data"]["articles"])[0], app.ids.public[1]);
    let sports = app
        .graphql(
            "{ articles(section: \"sports\", first: 10) { edges { node { databaseId } } } }",
            json!({}),
        )
        .await;
    let [_, p2, p3, _, p5] = app.ids.public[..] else {
        panic!()
    };
    assert_eq!(db_ids(&sports["data"]["articles"]), vec![p2, p3, p5]);
}

/// `last`/`before` page backward through the same keyset as
/// `first`/`after`, on the plain list and on a section's (its two merged
/// branches read the other way round); pages keep the list's order.
async fn connections_page_backward_with_last_and_before(app: &TestApp) {
    let q = "query($before: String) { articles(last: 2, before: $before) {
        edges { cursor node { databaseId } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
    // From the oldest end back to the newest, two at a time.
    let mut before = Value::Null;
    let mut pages: Vec<Vec<i64>> = Vec::new();
    loop {
        let body = app.graphql(q, json!({ "before": before })).await;
        assert!(body["errors"].is_null(), "{body}");
        let conn = &body["data"]["articles"];
        pages.push(db_ids(conn));
        assert_eq!(conn["pageInfo"]["hasNextPage"], !before.is_null(), "{body}");
        if conn["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = conn["pageInfo"]["startCursor"].clone();
    }
    let [p1, p2, p3, p4, p5] = app.ids.public[..] else {
        panic!("five public articles in the fixture")
    };
    assert_eq!(pages, vec![vec![p4, p5], vec![p2, p3], vec![p1]]);
    // A window between two cursors, from either end.
    let cursors = app
        .graphql("{ articles(first: 5) { edges { cursor } } }", json!({}))
        .await;
    let cursor = |i: usize| cursors["data"]["articles"]["edges"][i]["cursor"].clone();
    let window = "query($after: String, $before: String, $first: Int, $last: Int) {
        articles(first: $first, last: $last, after: $after, before: $before) {
            edges { node { databaseId } } pageInfo { hasNextPage hasPreviousPage } } }";
    let vars = |first: Value, last: Value| json!({ "after": cursor(0), "before": cursor(4), "first": first, "last": last });
    let body = app.graphql(window, vars(json!(2), Value::Null)).await;
    assert_eq!(db_ids(&body["data"]["articles"]), vec![p2, p3], "{body}");
    assert_eq!(body["data"]["articles"]["pageInfo"]["hasNextPage"], true);
    let body = app.graphql(window, vars(Value::Null, json!(2))).await;
    assert_eq!(db_ids(&body["data"]["articles"]), vec![p3, p4], "{body}");
    assert_eq!(
        body["data"]["articles"]["pageInfo"],
        json!({"hasNextPage": true, "hasPreviousPage": true})
    );
    // A section's list, backward.
    let body = app
        .graphql(
            "{ section(slug: \"sports\") { articles(last: 2) { edges { node { databaseId } }
                pageInfo { hasPreviousPage } } } }",
            json!({}),
        )
        .await;
    let sports = &body["data"]["section"]["articles"];
    assert_eq!(db_ids(sports), vec![p3, p5], "{body}");
    assert_eq!(sports["pageInfo"]["hasPreviousPage"], true);
    // One direction per page; a bad `before` or `last` names itself.
    for (args, field) in [
        ("first: 2, last: 2", "last"),
        ("last: 0", "last"),
        ("last: 2, before: \"nonsense\"", "before"),
    ] {
        let body = app
            .graphql(
                &format!("{{ articles({args}) {{ nodes {{ id }} }} }}"),
                json!({}),
            )
            .await;
        let error = &body["errors"][0];
        assert_eq!(
            error["extensions"]["code"], "BAD_USER_INPUT",
            "{args}: {body}"
        );
        assert_eq!(
            error["extensions"]["fields"],
            json!([field]),
            "{args}: {body}"
        );
    }
}

/// Response keys come in the order the query asks for them, fields loaded
/// through a DataLoader included (async-graphql keys them in completion
/// order), through aliases and fragments.
async fn response_keys_follow_the_query_order(app: &TestApp) {
    let query = "{ section(slug: \"sports\") { id children { slug } articles(first: 1) { nodes { ...F slug } } parent { slug } name } } \
                 fragment F on Article { authors { name } section { slug } headline byId: id }";
    let text = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = |key: &str, from: usize| {
        text[from..]
            .find(&format!("\"{key}\":"))
            .map(|i| i + from)
            .unwrap_or_else(|| panic!("{key} in {text}"))
    };
    // Each key is looked for after the one before it: a key that came
    // earlier is not found (one article, so no later copy).
    let mut from = 0;
    for key in ["id", "children", "articles", "parent", "name"] {
        from = at(key, from);
    }
    let mut from = at("nodes", 0);
    for key in ["authors", "section", "headline", "byId", "slug"] {
        from = at(key, from);
    }
}

async fn article_page_query_loads_body_bylines_and_section(app: &TestApp) {
    let body = app
        .graphql(
            r#"{ article(slug: "p2") {
                id databaseId headline kicker summary desk source dateline language
                publishedAt publishedAtBn updatedAtBn wordCount readingMinutes status
                section { slug name parent { slug name } }
                secondarySections { slug }
                authors { slug name }
                tags { slug name }
                body {
                    __typename
                    ... on ParagraphBlock { text }
                    ... on HeadingBlock { text level }
                }
                bodyHtml
                moreFromSection(first: 5) { databaseId }
            } }"#,
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let a = &body["data"]["article"];
    assert_eq!(a["headline"], "ক্রিকেটে বড় জয়");
    assert_eq!(a["status"], "PUBLISHED");
    assert_eq!(a["section"]["slug"], "cricket");
    assert_eq!(a["section"]["parent"]["name"], "খেলা");
    assert_eq!(a["secondarySections"][0]["slug"], "national");
    assert_eq!(a["authors"].as_array().unwrap().len(), 2);
    assert_eq!(a["authors"][0]["name"], "করিমা খাতুন");
    assert_eq!(a["body"][0]["__typename"], "ParagraphBlock");
    assert_eq!(
        a["body"][1],
        json!({"__typename": "HeadingBlock", "text": "বিস্তারিত", "level": 2})
    );
    assert_eq!(
        a["moreFromSection"][0]["databaseId"],
        app.ids.public[4].to_string()
    );
    // The same article over REST carries the same values.
    let rest = app.get_json("/v1/articles/p2", 200).await;
    assert_eq!(a["bodyHtml"], rest["data"]["bodyHtml"]);
    assert_eq!(a["publishedAtBn"], rest["data"]["publishedAtBn"]);
    assert_eq!(a["databaseId"], rest["data"]["id"]);
}

async fn node_resolves_every_global_id(app: &TestApp) {
    let body = app
        .graphql(
            r#"{ article(slug: "p1") { id section { id } authors { id } tags { id } } }"#,
            json!({}),
        )
        .await;
    let a = &body["data"]["article"];
    for (id, typename) in [
        (&a["id"], "Article"),
        (&a["section"]["id"], "Section"),
        (&a["authors"][0]["id"], "Author"),
        (&a["tags"][0]["id"], "Tag"),
    ] {
        let node = app
            .graphql(
                "query($id: ID!) { node(id: $id) { __typename id } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(node["data"]["node"]["__typename"], typename, "{node}");
        assert_eq!(&node["data"]["node"]["id"], id);
    }
    let unknown = app
        .graphql(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": api::graphql::global_id("Article", 999_999)}),
        )
        .await;
    assert!(unknown["data"]["node"].is_null());
    assert!(unknown["errors"].is_null());
    let bad = app
        .graphql("{ node(id: \"not base64!\") { id } }", json!({}))
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

/// Relay's `node`, Shopify and WPGraphQL answer a lookup of something that
/// is not there with `null` and no error; so do all our item lookups.
async fn lookups_of_what_is_not_there_answer_null_without_an_error(app: &TestApp) {
    let missing = app
        .graphql(
            r#"{
                byId: article(id: "999999") { id }
                byGlobalId: article(id: "QXJ0aWNsZTo5OTk5OTk=") { id }
                bySlug: article(slug: "missing") { id }
                section(slug: "missing") { id }
                tag(slug: "missing") { id }
                author(slug: "missing") { id }
                collection(slug: "missing") { slug }
                node(id: "U2VjdGlvbjo5OTk5OTk=") { id }
                present: article(slug: "p2") { databaseId }
                sports: section(slug: "sports") { slug }
            }"#,
            json!({}),
        )
        .await;
    assert!(missing["errors"].is_null(), "{missing}");
    let data = &missing["data"];
    for field in [
        "byId",
        "byGlobalId",
        "bySlug",
        "section",
        "tag",
        "author",
        "collection",
        "node",
    ] {
        assert!(data[field].is_null(), "{field}: {missing}");
    }
    // The same query finds what is there.
    assert_eq!(
        data["present"]["databaseId"],
        app.ids.public[1].to_string(),
        "{missing}"
    );
    assert_eq!(data["sports"]["slug"], "sports");
    // The editors' preview too: null for an id that names no article.
    let editor = app.key(domain::Scope::Editor).await;
    let preview = app
        .graphql_as(
            &editor,
            "query($a: ID!, $b: ID!) { none: previewArticle(id: $a) { id } draft: previewArticle(id: $b) { databaseId } }",
            json!({"a": "999999", "b": app.ids.draft.to_string()}),
        )
        .await;
    assert!(preview["errors"].is_null(), "{preview}");
    assert!(preview["data"]["none"].is_null(), "{preview}");
    assert_eq!(
        preview["data"]["draft"]["databaseId"],
        app.ids.draft.to_string()
    );
    // A malformed id is still the caller's error, not an absent item.
    let bad = app
        .graphql(r#"{ article(id: "x1") { id } }"#, json!({}))
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

/// A list exists even when its filter names a section, tag or author that
/// does not: that argument is the caller's input error, named in
/// `extensions.fields`.
async fn list_arguments_naming_unknown_things_are_bad_user_input(app: &TestApp) {
    let cases = [
        (
            r#"{ articles(section: "nope", tag: "budget", author: "nobody") { edges { cursor } } }"#,
            json!(["section", "author"]),
        ),
        (
            r#"{ articles(tag: "nope") { edges { cursor } } }"#,
            json!(["tag"]),
        ),
        (
            r#"{ search(q: "বাজেট", section: "nope") { totalCount } }"#,
            json!(["section"]),
        ),
        (
            r#"{ search(q: "বাজেট", tag: "nope") { totalCount } }"#,
            json!(["tag"]),
        ),
        (
            r#"{ mostRead(section: "nope") { views } }"#,
            json!(["section"]),
        ),
        (
            r#"{ moreFromSection(articleId: "999999") { id } }"#,
            json!(["articleId"]),
        ),
    ];
    for (query, fields) in cases {
        let body = app.graphql(query, json!({})).await;
        let error = &body["errors"][0];
        assert_eq!(
            error["extensions"]["code"], "BAD_USER_INPUT",
            "{query}: {body}"
        );
        assert_eq!(error["extensions"]["fields"], fields, "{query}: {body}");
    }
    let body = app
        .graphql(
            r#"{ articles(section: "nope") { edges { cursor } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["message"], "section: no section with slug \"nope\"",
        "{body}"
    );
    // Known values still list.
    let body = app
        .graphql(
            r#"{ articles(section: "sports", tag: "budget") { edges { cursor } } mostRead(section: "sports") { views } }"#,
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

async fn errors_carry_extension_codes(app: &TestApp) {
    let cases = [
        (
            r#"{ articles(section: "missing") { edges { cursor } } }"#,
            "BAD_USER_INPUT",
        ),
        (
            r#"{ articles(first: 100) { edges { cursor } } }"#,
            "BAD_USER_INPUT",
        ),
        (
            r#"{ articles(after: "garbage") { edges { cursor } } }"#,
            "BAD_USER_INPUT",
        ),
        (
            r#"{ articles(from: "soon") { edges { cursor } } }"#,
            "BAD_USER_INPUT",
        ),
        (r#"{ article { id } }"#, "BAD_USER_INPUT"),
        (r#"{ edition(place: "\u0007") { line } }"#, "BAD_USER_INPUT"),
        (r#"{ nope }"#, "GRAPHQL_VALIDATION_FAILED"),
        (
            r#"{ articles(first: "x") { edges { cursor } } }"#,
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ];
    for (query, code) in cases {
        let body = app.graphql(query, json!({})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], code,
            "{query}: {body}"
        );
    }
    let body = app
        .graphql(
            r#"{ articles(first: 0, to: "nope") { edges { cursor } } }"#,
            json!({}),
        )
        .await;
    let fields = &body["errors"][0]["extensions"]["fields"];
    assert_eq!(fields, &json!(["first", "to"]), "{body}");
    // A malformed HTTP body is a 400 in GraphQL's error shape.
    let res = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
}

async fn hostile_queries_are_rejected_before_execution(app: &TestApp) {
    let before = app.queries.get();
    let deep = format!(
        "{{ articles {{ edges {{ node {{ section {{ {}slug{} }} }} }} }} }}",
        "parent { ".repeat(20),
        " }".repeat(20)
    );
    let body = app.graphql(&deep, json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "QUERY_TOO_DEEP",
        "{body}"
    );
    let aliases: String = (0..40)
        .map(|i| format!("a{i}: articles(first: 100) {{ edges {{ node {{ headline }} }} }} "))
        .collect();
    let body = app.graphql(&format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
        "{body}"
    );
    assert!(body["data"].is_null());
    assert_eq!(app.queries.get(), before, "nothing reached the database");
}

async fn a_home_screen_query_fits_the_limits(app: &TestApp) {
    let card = "edges { cursor node { id headline kicker summary publishedAt publishedAtBn image { url alt width height } section { slug name } authors { name } tags { name } } } pageInfo { hasNextPage endCursor }";
    let query = format!(
        r#"{{ edition {{ line }}
            sections {{ slug name children {{ slug name }} }}
            latest: articles(first: 20) {{ {card} }}
            national: articles(section: "national", first: 10) {{ {card} }}
            sports: articles(section: "sports", first: 10) {{ {card} }}
            world: articles(section: "international", first: 10) {{ {card} }} }}"#
    );
    let body = app.graphql(&query, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["latest"]["edges"].as_array().unwrap().len(), 5);
}

async fn get_serves_queries_and_graphiql(app: &TestApp) {
    let res = app
        .get("/graphql?query=%7Barticles(first%3A1)%7Bedges%7Bnode%7Bheadline%7D%7D%7D%7D")
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["data"]["articles"]["edges"][0]["node"]["headline"],
        "বাজেট ঘোষণা আজ"
    );
    let res = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = res.text().await.unwrap();
    assert!(html.to_lowercase().contains("graphiql"));
}

async fn related_objects_are_batched_not_queried_per_article(app: &TestApp) {
    let query = |n: usize| {
        format!(
            "{{ articles(first: {n}) {{ edges {{ node {{ headline section {{ name }} authors {{ name }} tags {{ name }} bodyText }} }} }} }}"
        )
    };
    let count = |n: usize| {
        let q = query(n);
        async move {
            app.statements(|| async {
                let body = app.graphql(&q, json!({})).await;
                assert!(body["errors"].is_null(), "{body}");
                assert_eq!(
                    body["data"]["articles"]["edges"].as_array().unwrap().len(),
                    n
                );
            })
            .await
        }
    };
    // The second request may find sections, authors and tags in the
    // taxonomy cache: it can only need fewer statements, never more.
    let one = count(1).await;
    let five = count(5).await;
    assert!(
        five <= one,
        "queries do not grow with the number of articles ({one} for 1, {five} for 5)"
    );
}

/// A list loads its author and tag links only when the query selects them
/// (look-ahead); selecting them through a fragment, an inline fragment or
/// `nodes` must still find them.
async fn list_bylines_are_there_however_they_are_selected(app: &TestApp) {
    let p2 = app.ids.public[1].to_string();
    for q in [
        "{ articles(first: 5) { edges { node { databaseId authors { name } tags { slug } } } } }",
        "{ articles(first: 5) { edges { node { databaseId ...Byline } } } } fragment Byline on Article { authors { name } tags { slug } }",
        "{ articles(first: 5) { edges { node { databaseId ... on Article { authors { name } tags { slug } } } } } }",
        "{ articles(first: 5) { nodes { databaseId authors { name } tags { slug } } } }",
        "{ sections { articles(first: 5) { edges { node { databaseId authors { name } tags { slug } } } } } }",
    ] {
        let body = app.graphql(q, json!({})).await;
        assert!(body["errors"].is_null(), "{q}: {body}");
        let node = find_node(&body, &p2).unwrap_or_else(|| panic!("{q}: {body}"));
        let names: Vec<&str> = node["authors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["করিমা খাতুন", "রহিম উদ্দিন"], "{q}");
        assert_eq!(
            node["tags"],
            json!([{"slug": "series"}, {"slug": "budget"}]),
            "{q}"
        );
    }
    // Without them, the list is the same articles.
    let bare = app
        .graphql(
            "{ articles(first: 5) { edges { node { databaseId headline } } } }",
            json!({}),
        )
        .await;
    assert!(bare["errors"].is_null(), "{bare}");
    assert_eq!(db_ids(&bare["data"]["articles"])[1].to_string(), p2);
}

fn find_node<'a>(v: &'a Value, id: &str) -> Option<&'a Value> {
    match v {
        Value::Object(o) if o.get("databaseId").and_then(Value::as_str) == Some(id) => Some(v),
        Value::Object(o) => o.values().find_map(|c| find_node(c, id)),
        Value::Array(a) => a.iter().find_map(|c| find_node(c, id)),
        _ => None,
    }
}

/// GraphQL §6.4.4: a failed field is `null`; a failed non-null field makes
/// its nearest nullable parent `null` (up to `data`). Nothing is left out.
async fn field_errors_null_the_field_and_propagate_to_the_nearest_nullable_parent(app: &TestApp) {
    // `articles` is non-null: the section (nullable) becomes null.
    let body = app
        .graphql(
            r#"{ section(slug: "sports") { slug articles(first: 100) { nodes { id } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(body["data"], json!({"section": null}), "{body}");
    assert_eq!(
        body["errors"][0]["path"],
        json!(["section", "articles"]),
        "{body}"
    );
    // A non-null root field: `data` itself is null.
    let body = app
        .graphql(
            "{ edition { line } articles(first: 0) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert!(body.as_object().unwrap().contains_key("data"), "{body}");
    assert_eq!(body["data"], Value::Null, "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["articles"]), "{body}");
    // A nullable root field: it is null and its siblings stay.
    let body = app
        .graphql(r#"{ edition { line } n: node(id: "x") { id } }"#, json!({}))
        .await;
    assert_eq!(body["data"]["n"], Value::Null, "{body}");
    assert!(
        body["data"]["n"].is_null() && body["data"].get("n").is_some(),
        "{body}"
    );
    assert!(body["data"]["edition"]["line"].is_string(), "{body}");
    // Inside a list of non-null items through a fragment and an alias:
    // the failed item's list is non-null, so the nullable parent goes.
    let id = app.ids.public[0];
    let body = app
        .graphql(
            &format!(
                r#"{{ a: article(id: "{id}") {{ ...F }} }}
                fragment F on Article {{ headline more: related(first: 500) {{ id }} }}"#
            ),
            json!({}),
        )
        .await;
    assert_eq!(body["data"], json!({"a": null}), "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["a", "more"]), "{body}");
}

/// A request error has no `data` entry under either media type (GraphQL
/// over HTTP §7.1.2); a syntax error says where; an argument error names
/// the GraphQL argument, not the REST parameter behind it.
async fn request_errors_have_no_data_and_argument_errors_name_graphql_arguments(app: &TestApp) {
    let res = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(json!({"query": "{ x"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    assert!(body.get("data").is_none(), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );
    assert_eq!(
        body["errors"][0]["locations"],
        json!([{"line": 1, "column": 4}]),
        "{body}"
    );
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("Syntax error: expected"), "{message}");
    assert!(!message.contains('|'), "{message}");
    let body = app.graphql("{ nope }", json!({})).await;
    assert!(body.get("data").is_none(), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );

    let id = app.ids.public[0];
    let body = app
        .graphql(
            &format!(r#"{{ article(id: "{id}") {{ related(first: 500) {{ id }} }} }}"#),
            json!({}),
        )
        .await;
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["fields"], json!(["first"]), "{body}");
    let message = error["message"].as_str().unwrap();
    assert!(message.starts_with("first:"), "{message}");
    assert!(!message.contains("limit"), "{message}");
}

/// A list reads only the columns its nodes select (look-ahead); whatever
/// the selection, each field it does select is the one REST sends.
async fn list_nodes_carry_what_rest_carries_whichever_fields_are_selected(app: &TestApp) {
    let rest = app.get_json("/v1/articles?limit=5", 200).await;
    let rest = rest["data"].as_array().unwrap();
    for fields in [
        "databaseId headline",
        "databaseId kicker summary",
        "databaseId slug desk image { url }",
        "databaseId section { slug } authors { slug } tags { slug }",
        "databaseId headline kicker summary slug desk image { url } section { slug } authors { slug } tags { slug }",
    ] {
        let q = format!("{{ articles(first: 5) {{ nodes {{ {fields} }} }} }}");
        let body = app.graphql(&q, json!({})).await;
        assert!(body["errors"].is_null(), "{q}: {body}");
        let nodes = body["data"]["articles"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), rest.len(), "{q}");
        for (node, r) in nodes.iter().zip(rest) {
            assert_eq!(node["databaseId"], r["id"], "{q}");
            for (key, value) in node.as_object().unwrap() {
                let expected = match key.as_str() {
                    "databaseId" => continue,
                    "section" => json!({"slug": r["section"]["slug"]}),
                    "authors" | "tags" => Value::Array(
                        r[key.as_str()]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|x| json!({"slug": x["slug"]}))
                            .collect(),
                    ),
                    "image" if r["image"].is_null() => Value::Null,
                    "image" => json!({"url": r["image"]["url"]}),
                    other => r[other].clone(),
                };
                assert_eq!(value, &expected, "{q}: {key}");
            }
        }
    }
}

/// Parsed documents are cached by their text: a second request with the
/// same text still runs with its own variables and operation, and a
/// mutation cached from a POST is still refused over GET.
async fn a_cached_document_runs_with_each_requests_variables_and_checks(app: &TestApp) {
    let q = "query Few($n: Int) { articles(first: $n) { nodes { databaseId } } }
             query One { articles(first: 1) { nodes { databaseId } } }";
    for n in [1, 3, 2] {
        let res = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({"query": q, "operationName": "Few", "variables": {"n": n}}))
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body["data"]["articles"]["nodes"].as_array().map(Vec::len),
            Some(n),
            "{body}"
        );
    }
    let res = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({"query": q, "variables": {"n": 3}}))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert!(body["data"].is_null(), "two operations and no name: {body}");

    let draft = app.ids.draft;
    let mutation =
        format!("mutation {{ publishArticle(id: \"{draft}\", expectedVersion: 1) {{ version }} }}");
    let first = app.graphql(&mutation, json!({})).await;
    assert_eq!(
        first["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{first}"
    );
    let res = app
        .client
        .get(app.url(&format!("/graphql?query={}", percent_encode(&mutation))))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 405);
    app.get_json(&format!("/v1/articles/{draft}"), 404).await;
}
