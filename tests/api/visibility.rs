//! The no-leak matrix: drafts, scheduled, embargoed, unpublished and
//! future-dated articles are invisible on every public surface until their
//! time.

use chrono::Duration;
use serde_json::json;

use crate::helpers::TestApp;
use crate::on_both;

on_both!(
    hidden_articles_are_invisible_on_every_public_surface,
    scheduled_article_goes_live_at_its_time_without_a_restart,
);

async fn hidden_articles_are_invisible_on_every_public_surface(app: &TestApp) {
    let public = app.ids.public.clone();
    for list in [
        "/v1/articles",
        "/v1/sections/national/articles",
        "/v1/sections/sports/articles",
        "/v1/tags/budget/articles",
        "/v1/authors/rahim/articles",
    ] {
        let ids = app.list_ids(list).await;
        assert!(
            ids.iter().all(|id| public.contains(id)),
            "{list} leaked: {ids:?}"
        );
    }
    for (what, id) in app.ids.hidden() {
        let stored = app.repo.article_by_id(id).await.unwrap().expect("stored");
        let slug = stored.summary.slug;
        app.get_json(&format!("/v1/articles/{id}"), 404).await;
        app.get_json(&format!("/v1/articles/{slug}"), 404).await;
        app.get_json(&format!("/v1/articles/{id}/more-from-section"), 404)
            .await;
        let gql = app
            .graphql(
                "query($id: ID!, $slug: String!) {
                    byId: article(id: $id) { id }
                    bySlug: article(slug: $slug) { id }
                }",
                json!({
                    "id": id.to_string(),
                    "slug": slug,
                    "node": api::graphql::global_id("Article", id).to_string(),
                }),
            )
            .await;
        // Exactly what an unknown id gets: null, and no error.
        assert!(gql["errors"].is_null(), "{what}: {gql}");
        assert!(gql["data"]["byId"].is_null(), "{what}: {gql}");
        assert!(gql["data"]["bySlug"].is_null(), "{what}: {gql}");
        let plain = app
            .graphql(
                "query($node: ID!) { node(id: $node) { id } articles(first: 50) { edges { node { databaseId } } } }",
                json!({"node": api::graphql::global_id("Article", id).to_string()}),
            )
            .await;
        assert!(plain["data"]["node"].is_null(), "{what} via node: {plain}");
        let listed: Vec<String> = plain["data"]["articles"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["databaseId"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            !listed.contains(&id.to_string()),
            "{what} listed over GraphQL"
        );
    }
    // Counts in the section tree's lists agree: only public articles.
    assert_eq!(app.list_ids("/v1/articles").await, public);
}

async fn scheduled_article_goes_live_at_its_time_without_a_restart(app: &TestApp) {
    let id = app.ids.scheduled;
    app.get_json(&format!("/v1/articles/{id}"), 404).await;
    let until = app.ids.go_live - chrono::Utc::now();
    app.advance_clock(until - Duration::seconds(5));
    app.get_json(&format!("/v1/articles/{id}"), 404).await;
    app.advance_clock(Duration::seconds(10));
    let body = app.get_json(&format!("/v1/articles/{id}"), 200).await;
    assert_eq!(body["data"]["headline"], "নির্ধারিত গোপন");
    let ids = app.list_ids("/v1/articles").await;
    assert_eq!(ids.first(), Some(&id), "newest once live");
    // … and on every other surface: section, tag and author lists, GraphQL.
    assert!(
        app.list_ids("/v1/sections/national/articles")
            .await
            .contains(&id)
    );
    assert!(app.list_ids("/v1/tags/budget/articles").await.contains(&id));
    assert!(
        app.list_ids("/v1/authors/rahim/articles")
            .await
            .contains(&app.ids.embargoed)
    );
    assert!(
        app.list_ids("/v1/sections/sports/articles")
            .await
            .contains(&app.ids.embargoed)
    );
    let gql = app
        .graphql(
            "query($node: ID!) { article(id: $node) { headline } node(id: $node) { id } articles(first: 50) { edges { node { databaseId } } } }",
            json!({"node": api::graphql::global_id("Article", id).to_string()}),
        )
        .await;
    assert_eq!(gql["data"]["article"]["headline"], "নির্ধারিত গোপন", "{gql}");
    assert!(!gql["data"]["node"].is_null());
    assert_eq!(
        gql["data"]["articles"]["edges"][0]["node"]["databaseId"],
        id.to_string()
    );
    app.get_json(&format!("/v1/articles/{}", app.ids.deleted), 404)
        .await;
    assert!(
        ids.contains(&app.ids.embargoed),
        "the embargo lifted at the same time"
    );
    assert!(ids.contains(&app.ids.future_dated));
    assert!(!ids.contains(&app.ids.draft));
    assert!(!ids.contains(&app.ids.unpublished));
}
