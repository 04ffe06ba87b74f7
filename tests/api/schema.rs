//! The checked-in `schema.graphql` is what the code generates, and what
//! the running server's introspection serves.

use persistence::testing::Engine;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[test]
fn schema_graphql_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql");
    let generated = api::graphql::sdl();
    if std::env::var("UPDATE_SCHEMA").is_ok() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema.graphql is out of date: run `cargo run -p api -- schema > schema.graphql` \
         (or UPDATE_SCHEMA=1 cargo test -p integration-tests schema) and commit it"
    );
}

/// Types as introspection describes them, the scalars' `specifiedByURL`
/// included (four levels of wrapping, as `[[T!]!]!` needs).
const INTROSPECTION: &str = "
query {
  __schema {
    queryType { name } mutationType { name }
    types {
      kind name specifiedByURL
      fields(includeDeprecated: true) { name args { name defaultValue type { ...T } } type { ...T } }
      inputFields { name defaultValue type { ...T } }
      enumValues(includeDeprecated: true) { name }
      interfaces { name } possibleTypes { name }
    }
    directives { name locations args { name type { ...T } } }
  }
}
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_schema_is_the_checked_in_one() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let served = app.graphql(INTROSPECTION, json!({})).await;
    assert!(served.get("errors").is_none(), "{served}");
    let built = api::graphql::build_schema(None)
        .execute(INTROSPECTION)
        .await
        .data
        .into_json()
        .unwrap();
    assert_eq!(
        served["data"], built,
        "the server serves another schema than schema.graphql's"
    );
    let committed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql"),
    )
    .unwrap();
    let types = served["data"]["__schema"]["types"].as_array().unwrap();
    let mut specified = 0;
    for t in types {
        if let Value::String(url) = &t["specifiedByURL"] {
            let name = t["name"].as_str().unwrap();
            let line = format!("scalar {name} @specifiedBy(url: \"{url}\")");
            assert!(committed.contains(&line), "schema.graphql lacks `{line}`");
            specified += 1;
        }
    }
    assert!(specified > 0, "no scalar reports a specifiedByURL");
    app.cleanup().await;
}
