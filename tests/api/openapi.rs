//! The OpenAPI document: the checked-in `openapi.json` is what the server
//! serves, and every route the server registers is in it.

use std::collections::BTreeSet;

use crate::helpers::spawn_app;
use persistence::testing::Engine;

const REGENERATE: &str = "run `cargo run -q -p api -- openapi > openapi.json` \
     (or UPDATE_OPENAPI=1 cargo test -p integration-tests openapi) and commit it";

/// Routes that are deliberately not in the document.
const UNDOCUMENTED: [&str; 1] = [
    // GraphQL describes itself (`schema.graphql`, introspection).
    "/graphql",
];

#[tokio::test]
async fn openapi_json_is_what_the_server_serves() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let res = app.get("/openapi.json").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert!(
        res.headers().contains_key("etag"),
        "cacheable like other public GETs"
    );
    let served = res.text().await.unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        std::fs::write(&path, &served).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == served,
        "openapi.json is out of date: {REGENERATE}"
    );
    assert_eq!(
        served,
        api::openapi::to_json().unwrap(),
        "CLI and server agree"
    );
    app.cleanup().await;
}

/// `{id_or_slug}` → `{}`: parameter names may differ, positions may not.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn every_registered_route_is_documented_and_nothing_else() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    // A worker that answered has built its App, so its routes are logged.
    assert_eq!(app.get("/healthz").await.status(), 200);
    let registered: BTreeSet<(String, String)> = api::openapi::registered_routes()
        .into_iter()
        .filter(|(p, _)| !UNDOCUMENTED.contains(&p.as_str()))
        .map(|(p, m)| (shape(&p), m))
        .collect();
    let doc = serde_json::to_value(api::openapi::document()).unwrap();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|m| ["get", "put", "post", "delete", "patch"].contains(&m.as_str()))
                .map(move |m| (shape(p), m.clone()))
        })
        .collect();
    assert!(registered.len() > 60, "the route log is filled at startup");
    let missing: Vec<_> = registered.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "routes without #[utoipa::path] (add one and list it in api/src/openapi.rs): {missing:?}"
    );
    assert!(stale.is_empty(), "documented but not served: {stale:?}");
    app.cleanup().await;
}

#[test]
fn operation_ids_are_unique_and_errors_are_problems() {
    let doc = serde_json::to_value(api::openapi::document()).unwrap();
    let mut ids = BTreeSet::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            assert!(ids.insert(id.to_owned()), "operationId {id} twice");
            for (status, response) in op["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    let reference = response["$ref"].as_str().unwrap_or_default();
                    assert!(
                        reference.starts_with("#/components/responses/"),
                        "{method} {id} {status}: use a shared problem response"
                    );
                }
            }
        }
    }
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "/");
}

/// Each taxonomy has its own create and change schemas: creating needs a
/// name, and no schema advertises a field its kind does not have.
#[test]
fn taxonomy_schemas_are_per_kind_with_what_create_requires() {
    let doc = serde_json::to_value(api::openapi::document()).unwrap();
    let schemas = &doc["components"]["schemas"];
    assert!(schemas.get("TaxonomyInput").is_none());
    for (name, fields) in [
        ("TagCreate", vec!["language", "name", "nameEn", "slug"]),
        (
            "AuthorCreate",
            vec![
                "avatarImageId",
                "avatarUrl",
                "bio",
                "language",
                "name",
                "nameEn",
                "slug",
            ],
        ),
        (
            "SectionCreate",
            vec![
                "description",
                "language",
                "name",
                "nameEn",
                "parent",
                "position",
                "slug",
            ],
        ),
    ] {
        let schema = &schemas[name];
        let mut keys: Vec<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort();
        assert_eq!(keys, fields, "{name}");
        assert_eq!(schema["required"], serde_json::json!(["name"]), "{name}");
        let patch = &schemas[name.replace("Create", "Patch")];
        assert!(
            patch.get("required").is_none(),
            "{name}: a change requires nothing"
        );
    }
    let create = &doc["paths"]["/v1/admin/tags"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"]["$ref"];
    assert_eq!(create, "#/components/schemas/TagCreate");
}

/// Every component schema is referred to (generated clients carry no dead
/// types), and the licence names its SPDX identifier.
#[test]
fn no_component_goes_unused() {
    let doc = serde_json::to_value(api::openapi::document()).unwrap();
    let text = doc.to_string();
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        assert!(
            text.contains(&format!("\"#/components/schemas/{name}\"")),
            "{name} is never used"
        );
    }
    assert_eq!(doc["info"]["license"]["identifier"], "MIT OR Apache-2.0");
}

/// Every operation states its security: `[]` for public ones (so linters
/// and generators need not guess), the key scheme for the rest, and only
/// those may answer 401.
#[test]
fn every_operation_states_its_security() {
    let doc = serde_json::to_value(api::openapi::document()).unwrap();
    let (mut public, mut keyed) = (0, 0);
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let security = op["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} states no security"));
            let answers_401 = op["responses"].get("401").is_some();
            if security.is_empty() {
                public += 1;
                assert!(!answers_401, "{method} {path}: public but 401");
                assert!(
                    !path.starts_with("/v1/admin"),
                    "{method} {path}: admin but public"
                );
            } else {
                keyed += 1;
                assert!(answers_401, "{method} {path}: keyed without 401");
            }
        }
    }
    assert!(public > 20 && keyed > 20, "{public} public, {keyed} keyed");
}

// --- regressions found by schemathesis against the document ---------------

/// An optional action body may be JSON `null` (the document allows it).
#[tokio::test]
async fn a_null_action_body_means_no_body() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let key = app.key(domain::Scope::Editor).await;
    let res = app
        .client
        .post(app.url(&format!("/v1/admin/articles/{}/publish", app.ids.draft)))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body("null")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    app.cleanup().await;
}

/// Path-scoped lists take the other filters, not their own dimension again:
/// `?section=` on a section's list is not a parameter (and not an error).
#[tokio::test]
async fn a_scoped_list_ignores_its_own_dimension_in_the_query() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let scoped = app.get("/v1/sections/national/articles?section=").await;
    assert!(scoped.status() == 200 || scoped.status() == 404);
    assert_eq!(app.get("/v1/articles?section=").await.status(), 400);
    app.cleanup().await;
}

/// Tools introspect with graphql-js's standard query, 15 levels deep (its
/// `TypeRef` fragment nests `ofType` seven times): it must be answered,
/// while deeper walks stay refused.
#[tokio::test]
async fn the_standard_introspection_query_depth_is_allowed() {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let walk = |n: usize| {
        format!(
            "{{ __schema {{ types {{ fields {{ type {{ {}name{} }} }} }} }} }}",
            "ofType { ".repeat(n),
            " }".repeat(n)
        )
    };
    let body = app.graphql(&walk(10), serde_json::json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    assert!(body["data"]["__schema"]["types"].is_array());
    let body = app.graphql(&walk(11), serde_json::json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "QUERY_TOO_DEEP",
        "{body}"
    );
    app.cleanup().await;
}

// --- the slug rule, written twice ------------------------------------------

/// Strings that the checked-in slug pattern refuses although
/// `domain::Slug::parse` accepts them: none. The pattern is a literal in the
/// `#[param(pattern = …)]` annotations (utoipa needs a literal), so it can
/// drift from the rule; this list would say exactly how far. It once held
/// four ("2024-budget", "12-34", and ZWNJ/ZWJ inside Bengali words, which
/// Bengali spelling needs). The pattern, with no look-around so JSON Schema,
/// Python and the `regex` crate read it alike, with
/// C = `a-z0-9\u0980-\u09F1\u09F4-\u09FF\u200C\u200D` and N = C without `0-9`:
/// `^(?:[C]*[N][C]*(?:-[C]+)*|[C]+(?:-[C]+)+)$` (a letter somewhere, or a
/// hyphen between digit runs: not all digits, which would read as an id).
const PATTERN_REFUSES_VALID_SLUGS: [&str; 0] = [];

fn slug_samples() -> Vec<String> {
    let mut samples: Vec<String> = [
        "sports",
        "cricket-world-cup",
        "a",
        "z9",
        "9z",
        "budget2024",
        "2024-budget",
        "12-34",
        "2024",
        "0",
        "00-",
        "খেলা",
        "জাতী\u{09DF}-সংবাদ",         // য় as one code point (NFC splits it)
        "জাতী\u{09AF}\u{09BC}-সংবাদ", // য + nukta
        "বাজেট-২০২৪",
        "২০২৪",
        "১",
        "ক\u{200C}খ",
        "র\u{200D}্যাব",
        "\u{09F2}",
        "ক৳",
        "ৎ",
        "-sports",
        "sports-",
        "-",
        "--",
        "a--b",
        "a---b",
        "Sports",
        "SPORTS",
        "",
        " ",
        "a b",
        "a_b",
        "a.b",
        "a/b",
        "a\n",
        "é",
        "e\u{0301}",
        "ß",
        "ａ",
        "क",
        "٣",
        "😀",
        "খেলা-",
        "-খেলা",
        "খেলা--ক্রিকেট",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for n in [199, 200, 201] {
        samples.push("a".repeat(n));
        samples.push("খ".repeat(n));
        samples.push("১".repeat(n));
        samples.push(format!("{}-b", "a".repeat(n - 2)));
    }
    samples
}

/// Every slug-valued parameter's pattern (with its length bounds) accepts a
/// string exactly when `Slug::parse` does, apart from the divergences
/// listed above.
#[test]
fn slug_parameter_patterns_agree_with_slug_parse() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut schemas = BTreeSet::new();
    // Filters take several slugs (`a,b`, `a+b`): each part is a slug.
    let mut lists = BTreeSet::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                let schema = &p["schema"];
                if ["slug", "section", "tag", "author"].contains(&name)
                    && let Some(pattern) = schema["pattern"].as_str()
                {
                    let min = schema["minLength"].as_u64().unwrap_or(0) as usize;
                    let max = schema["maxLength"].as_u64().unwrap_or(u64::MAX) as usize;
                    if name == "slug" {
                        schemas.insert((pattern.to_owned(), min, max));
                    } else {
                        lists.insert(pattern.to_owned());
                    }
                }
            }
        }
    }
    assert!(!schemas.is_empty(), "no slug parameter has a pattern");
    assert!(!lists.is_empty(), "no filter parameter has a pattern");
    for pattern in &lists {
        let re = regex::Regex::new(pattern).unwrap();
        let samples = slug_samples();
        let valid: Vec<&String> = samples
            .iter()
            .filter(|s| domain::Slug::parse(s).is_ok())
            .filter(|s| !PATTERN_REFUSES_VALID_SLUGS.contains(&s.as_str()))
            .collect();
        for s in &valid {
            assert!(re.is_match(s), "{pattern} refuses the slug {s:?}");
        }
        for pair in valid.windows(2) {
            for sep in [",", "+", " "] {
                let joined = format!("{}{sep}{}", pair[0], pair[1]);
                if re.is_match(&joined) {
                    assert!(
                        joined
                            .split([',', '+', ' '])
                            .all(|p| domain::Slug::parse(p).is_ok()),
                        "{pattern} accepts {joined:?}"
                    );
                }
            }
        }
        // A part's length is the server's to check (a regex cannot bound
        // each part): past it, the pattern may accept what the server refuses.
        let slug_or_too_long =
            |p: &str| domain::Slug::parse(p).is_ok() || p.chars().count() > domain::Slug::MAX_CHARS;
        for s in &samples {
            if re.is_match(s) {
                assert!(
                    s.split([',', '+', ' ']).all(slug_or_too_long),
                    "{pattern} accepts {s:?}, which is not slugs"
                );
            }
        }
    }
    for (pattern, min, max) in schemas {
        assert_eq!(max, domain::Slug::MAX_CHARS, "maxLength of {pattern}");
        let re = regex::Regex::new(&pattern).unwrap();
        let mut refused = Vec::new();
        for s in slug_samples() {
            let chars = s.chars().count();
            let nfc_chars = domain::text::nfc(&s).chars().count();
            // The length rule counts after NFC; maxLength counts as given.
            // Compare within the limit, where the two counts agree on it.
            if (chars > max) != (nfc_chars > max) {
                continue;
            }
            let schema = re.is_match(&s) && (min..=max).contains(&chars);
            let parse = domain::Slug::parse(&s).is_ok();
            if schema && !parse {
                panic!("{pattern} accepts {s:?}, which Slug::parse refuses");
            }
            if parse && !schema {
                refused.push(s);
            }
        }
        assert_eq!(
            refused, PATTERN_REFUSES_VALID_SLUGS,
            "{pattern} refuses other valid slugs than PATTERN_REFUSES_VALID_SLUGS says \
             (if the annotations were fixed, empty that list)"
        );
    }
}

/// Holds the documented schema and the server to one verdict on `body`:
/// valid for the schema exactly when the server answers within `ok`.
async fn judge(
    schema: &jsonschema::Validator,
    request: reqwest::RequestBuilder,
    body: &serde_json::Value,
    valid: bool,
    ok: std::ops::RangeInclusive<u16>,
) -> reqwest::Response {
    assert_eq!(schema.is_valid(body), valid, "schema: {body}");
    let res = request.json(body).send().await.unwrap();
    let status = res.status().as_u16();
    assert_eq!(
        ok.contains(&status),
        valid,
        "server answered {status} to {body}"
    );
    res
}

/// The request schemas are as strict as the server: each body below is
/// judged the same way by the documented schema and by the server (valid
/// ones are taken, the others refused), for a new article, a change to
/// one and a reader's comment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_schemas_accept_and_refuse_what_the_server_does() {
    use reqwest::Method;
    use serde_json::{Value, json};
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let doc = serde_json::to_value(api::openapi::document()).unwrap();
    let validator = |name: &str| crate::helpers::component_validator(&doc, name);
    let key = app.key(domain::Scope::Editor).await;
    let create = validator("ArticleCreate");
    let base = json!({"headline": "নতুন খবর", "section": "sports"});
    let with = |extra: Value| {
        let mut body = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let mut article_id = String::new();
    for (body, valid) in [
        (with(json!({"bodyText": "প্রথম অনুচ্ছেদ।"})), true),
        (
            with(json!({"body": "দ্বিতীয় খবরের অনুচ্ছেদ।", "slug": "second"})),
            true,
        ),
        (base.clone(), false),
        (with(json!({"body": "একটি", "bodyText": "দুটি"})), false),
        (
            with(json!({"bodyText": "x", "bodyHtml": "<p>x</p>"})),
            false,
        ),
        (json!({"headline": "বিভাগ নেই", "bodyText": "x"}), false),
    ] {
        let res = judge(
            &create,
            app.with_key(Method::POST, "/v1/admin/articles", &key),
            &body,
            valid,
            201..=201,
        )
        .await;
        if valid && article_id.is_empty() {
            let created: Value = res.json().await.unwrap();
            article_id = created["data"]["id"].as_str().unwrap().to_owned();
        }
    }
    // A change requires nothing and refuses what an article does not have.
    let patch = validator("ArticlePatch");
    for (body, valid) in [
        (json!({"kicker": null}), true),
        (json!({}), true),
        (json!({"wordCount": 3}), false),
    ] {
        judge(
            &patch,
            app.with_key(
                Method::PATCH,
                &format!("/v1/admin/articles/{article_id}"),
                &key,
            ),
            &body,
            valid,
            200..=200,
        )
        .await;
    }
    // Taxonomy: a name of 1 to 100 characters; a position is an integer,
    // `3.0` included, as JSON Schema counts integers.
    let section = validator("SectionCreate");
    let admin = app.key(domain::Scope::Admin).await;
    for (body, valid) in [
        (json!({"name": "আবহাওয়া", "position": 3.0}), true),
        (json!({"name": "শিক্ষা", "position": 4}), true),
        (json!({"name": ""}), false),
        (json!({"name": "ক".repeat(101)}), false),
        (json!({"name": "কৃষি", "slug": ""}), false),
        (json!({"name": "বাণিজ্য", "position": 2.5}), false),
    ] {
        judge(
            &section,
            app.with_key(Method::POST, "/v1/admin/sections", &admin),
            &body,
            valid,
            201..=201,
        )
        .await;
    }
    // Opening comments needs the flag.
    let open = validator("OpenBody");
    for (body, valid) in [
        (json!({"commentsOpen": false}), true),
        (json!({"commentsOpen": null}), false),
        (json!({}), false),
    ] {
        judge(
            &open,
            app.with_key(
                Method::PUT,
                &format!("/v1/admin/articles/{article_id}/comments"),
                &key,
            ),
            &body,
            valid,
            200..=200,
        )
        .await;
    }
    // A comment needs a name and a text.
    let comment = validator("CommentInput");
    let public = app.ids.public[0];
    for (body, valid) in [
        (json!({"name": "পাঠক", "text": "ভালো লেখা"}), true),
        (json!({"text": "নাম নেই"}), false),
        (json!({"name": "পাঠক"}), false),
        (json!({"name": "পাঠক", "text": "x", "email": "a@b"}), false),
    ] {
        judge(
            &comment,
            app.client
                .post(app.url(&format!("/v1/articles/{public}/comments"))),
            &body,
            valid,
            200..=299,
        )
        .await;
    }
    app.cleanup().await;
}

/// No schema is a `oneOf` of one member (utoipa's wrapper for a sibling
/// keyword; redocly flags it and generators make a one-member union).
#[test]
fn no_schema_is_a_one_member_one_of() {
    fn walk(v: &serde_json::Value, at: &str) {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(members) = map.get("oneOf").and_then(|m| m.as_array()) {
                    assert!(members.len() > 1, "one-member oneOf at {at}");
                }
                for (k, child) in map {
                    walk(child, &format!("{at}/{k}"));
                }
            }
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{at}/{i}"));
                }
            }
            _ => {}
        }
    }
    walk(&serde_json::to_value(api::openapi::document()).unwrap(), "");
}
