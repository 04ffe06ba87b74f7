//! GraphiQL for a browser at `GET /graphql`, from the assets the binary
//! carries (no CDN), opened on an example query that says how to send a
//! key.

use std::sync::LazyLock;

use crate::http::assets::{GRAPHIQL_CSS, GRAPHIQL_JS, REACT_DOM_JS, REACT_JS};

/// The query GraphiQL opens with.
const EXAMPLE: &str = r#"# Barta GraphQL. Reads need no key.
# Run a query with the ▶ button or Ctrl + Enter.
#
# Editors' mutations need a key with the editor
# scope (barta keys create --name ME --scope editor);
# under "Headers" below, add
#   {"Authorization": "Bearer barta_…"}
#
# The latest stories with their section and the
# Bengali display time:
query Latest {
  articles(first: 5) {
    nodes {
      id
      headline
      publishedAt
      publishedAtBn
      section { slug name }
    }
    pageInfo { hasNextPage endCursor }
  }
}

# Bengali search (য় ড় ঢ় in either form;
# Bengali or ASCII digits):
query Search {
  search(q: "ঢাকা", first: 5) {
    totalCount
    hits { article { headline } }
  }
}
"#;

/// The page, made once.
pub static PAGE: LazyLock<String> = LazyLock::new(|| {
    // A JSON string is a JavaScript string; `</` is escaped so the query
    // cannot close the script element.
    let query = serde_json::to_string(EXAMPLE)
        .unwrap_or_else(|_| "\"\"".into())
        .replace("</", "<\\/");
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Barta GraphQL</title>
<link rel="stylesheet" href="{GRAPHIQL_CSS}">
<style>body{{margin:0;height:100vh;overflow:hidden}}#graphiql{{height:100vh}}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="{REACT_JS}"></script>
<script src="{REACT_DOM_JS}"></script>
<script src="{GRAPHIQL_JS}"></script>
<script>
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {{
    fetcher: GraphiQL.createFetcher({{ url: new URL("/graphql", window.location.origin).toString() }}),
    defaultQuery: {query},
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false,
  }})
);
</script>
</body>
</html>
"#
    )
});
