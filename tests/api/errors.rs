//! Bad input gets a precise RFC 9457 problem, never a 500.

use serde_json::Value;

use crate::helpers::TestApp;
use crate::on_both;

on_both!(
    invalid_parameters_are_all_named_in_one_problem,
    unknown_things_are_404_problems,
    wrong_method_is_405_with_allow,
    hostile_parameters_never_cause_a_server_error,
);

async fn problem(app: &TestApp, path: &str, status: u16) -> Value {
    let res = app.get(path).await;
    assert_eq!(res.status().as_u16(), status, "GET {path}");
    assert_eq!(
        res.headers()["content-type"],
        "application/problem+json",
        "GET {path}"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(body["type"].as_str().unwrap().starts_with("https://"));
    assert!(body["title"].is_string() && body["detail"].is_string());
    body
}

async fn invalid_parameters_are_all_named_in_one_problem(app: &TestApp) {
    let body = problem(
        app,
        "/v1/articles?limit=500&cursor=zzz&from=tomorrow&to=2024-13-01",
        400,
    )
    .await;
    assert_eq!(body["code"], "invalid_input");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec!["limit", "from", "to"],
        "all at once (the cursor is checked once they are valid)"
    );
    let body = problem(app, "/v1/articles?cursor=zzz", 400).await;
    assert_eq!(body["errors"][0]["field"], "cursor");
    for limit in ["0", "51", "-1", "abc", "1.5", ""] {
        let body = problem(app, &format!("/v1/articles?limit={limit}"), 400).await;
        assert_eq!(body["errors"][0]["field"], "limit", "limit={limit}");
    }
}

async fn unknown_things_are_404_problems(app: &TestApp) {
    for path in [
        "/v1/articles/999999",
        "/v1/articles/no-such-slug",
        "/v1/articles/0",
        "/v1/articles/99999999999999999999999",
        "/v1/sections/nothing",
        "/v1/nothing",
        "/nothing-here",
    ] {
        let body = problem(app, path, 404).await;
        assert_eq!(body["code"], "not_found");
    }
}

async fn wrong_method_is_405_with_allow(app: &TestApp) {
    for path in ["/v1/articles", "/v1/sections", "/v1/edition", "/healthz"] {
        let res = app.client.delete(app.url(path)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 405, "DELETE {path}");
        assert_eq!(res.headers()["allow"], "GET, HEAD");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    let res = app.client.put(app.url("/graphql")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 405);
    let head = app
        .client
        .head(app.url("/v1/articles"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status().as_u16(), 200);
}

async fn hostile_parameters_never_cause_a_server_error(app: &TestApp) {
    let long = "ক".repeat(5000);
    let hostile = [
        "/v1/articles?limit=99999999999999999999999999".to_owned(),
        "/v1/articles?cursor=%00%01%02".to_owned(),
        "/v1/articles?cursor=MS4tOTk5OTk5OTk5OTk5OTk5OTk5OS4xLjAwMDAwMDAw".to_owned(),
        format!("/v1/articles?section={long}"),
        format!("/v1/articles/{long}"),
        "/v1/articles?from=9999-12-31T23:59:59Z&to=9999-12-31T23:59:60Z".to_owned(),
        "/v1/articles?from=-262144-01-01".to_owned(),
        "/v1/articles?limit=1&limit=2".to_owned(),
        "/v1/articles?tag=%F0%9F%98%80".to_owned(),
        "/v1/articles/%FF%FE".to_owned(),
        "/v1/articles/1/more-from-section?limit=%00".to_owned(),
        "/v1/edition?at=9999-12-31T23:59:59%2B14:00".to_owned(),
        "/v1/edition?place=%07bell".to_owned(),
        "/v1/sections/%2e%2e%2f%2e%2e%2fetc".to_owned(),
        "/v1/articles?section=".to_owned(),
    ];
    for path in &hostile {
        let res = app.get(path).await;
        let status = res.status().as_u16();
        assert!(
            (400..500).contains(&status) || status == 200,
            "{path} gave {status}"
        );
        if status != 200 {
            assert_eq!(
                res.headers()["content-type"],
                "application/problem+json",
                "{path}"
            );
        }
    }
}
