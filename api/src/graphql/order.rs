//! Response keys in the order the query asks for them (spec §7.1: a
//! response map "should" follow the selection set's order, and people and
//! snapshot tests reading responses expect it).
//!
//! async-graphql resolves the fields of a selection concurrently and keys
//! its map in completion order, so a field loaded through a DataLoader
//! (`section`, `authors`, `articles`) lands after the plain ones. Each
//! object of `data` is re-keyed here in the order of its fields' first
//! appearance in the document (fragments and inline fragments expanded in
//! place), as the spec's CollectFields orders them.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Value};

/// How deep fragments may nest while fields are collected (validation has
/// already refused cycles; this only bounds the walk).
const MAX_FRAGMENT_DEPTH: usize = 32;

/// Re-keys every object of `data` in the query's order.
pub fn reorder(doc: &ExecutableDocument, operation: Option<&str>, data: &mut Value) {
    let op = match operation {
        Some(name) => doc
            .operations
            .iter()
            .find(|(n, _)| n.map(Name::as_str) == Some(name)),
        None => doc.operations.iter().next(),
    };
    if let Some((_, op)) = op {
        order(doc, &[&op.node.selection_set.node], data);
    }
}

fn order(doc: &ExecutableDocument, sets: &[&SelectionSet], value: &mut Value) {
    if !matches!(value, Value::List(_) | Value::Object(_)) {
        return;
    }
    // The fields are collected once for a value and all the items of its
    // lists (every node of a page shares one selection).
    let mut fields = Vec::new();
    collect(doc, sets, &mut fields, 0);
    order_by(doc, &fields, value);
}

type Fields<'a> = [(Name, Vec<&'a SelectionSet>)];

fn order_by(doc: &ExecutableDocument, fields: &Fields<'_>, value: &mut Value) {
    match value {
        Value::List(items) => {
            for item in items {
                order_by(doc, fields, item);
            }
        }
        Value::Object(map) => {
            // Usually the keys already follow the query (every field
            // resolved at once): then only the values are visited.
            if map.keys().eq(fields.iter().map(|(k, _)| k)) {
                for ((_, subs), v) in fields.iter().zip(map.values_mut()) {
                    order(doc, subs, v);
                }
                return;
            }
            let mut rest = std::mem::take(map);
            for (key, subs) in fields {
                if let Some(mut v) = rest.shift_remove(key) {
                    order(doc, subs, &mut v);
                    map.insert(key.clone(), v);
                }
            }
            // Nothing should be left; if something is, it keeps its place
            // after the known keys rather than being lost.
            map.extend(rest);
        }
        _ => {}
    }
}

/// The response keys of `sets` in first-appearance order, each with the
/// selection sets of its fields (merged, as the spec merges them).
fn collect<'a>(
    doc: &'a ExecutableDocument,
    sets: &[&'a SelectionSet],
    fields: &mut Vec<(Name, Vec<&'a SelectionSet>)>,
    depth: usize,
) {
    if depth > MAX_FRAGMENT_DEPTH {
        return;
    }
    for set in sets {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.clone();
                    let sub = &field.node.selection_set.node;
                    match fields.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, subs)) => subs.push(sub),
                        None => fields.push((key, vec![sub])),
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node) {
                        collect(doc, &[&fragment.node.selection_set.node], fields, depth + 1);
                    }
                }
                Selection::InlineFragment(inline) => {
                    collect(doc, &[&inline.node.selection_set.node], fields, depth + 1);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;
    use async_graphql::{Name, Value};

    fn object(keys: &[&str]) -> Value {
        Value::Object(keys.iter().map(|k| (Name::new(*k), Value::Null)).collect())
    }

    fn keys(v: &Value) -> Vec<String> {
        match v {
            Value::Object(m) => m.keys().map(|k| k.to_string()).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn keys_follow_the_query_through_aliases_fragments_and_lists() {
        let doc = parse_query(
            "query Q { a: articles { nodes { ...F slug } } x } \
             fragment F on Article { section { slug name } ... on Article { headline } id }",
        )
        .unwrap();
        let mut node = object(&["id", "slug", "headline", "section"]);
        if let Value::Object(m) = &mut node {
            m.insert(Name::new("section"), object(&["name", "slug"]));
        }
        let mut nodes = Value::Object(
            [(Name::new("nodes"), Value::List(vec![node.clone(), node]))]
                .into_iter()
                .collect(),
        );
        let mut data = Value::Object(Default::default());
        if let Value::Object(m) = &mut data {
            m.insert(Name::new("x"), Value::Null);
            m.insert(Name::new("a"), std::mem::take(&mut nodes));
        }
        super::reorder(&doc, Some("Q"), &mut data);
        assert_eq!(keys(&data), ["a", "x"]);
        let Value::Object(top) = &data else { panic!() };
        let Value::Object(a) = &top["a"] else {
            panic!()
        };
        let Value::List(list) = &a["nodes"] else {
            panic!()
        };
        for n in list {
            assert_eq!(keys(n), ["section", "headline", "id", "slug"]);
            let Value::Object(n) = n else { panic!() };
            assert_eq!(keys(&n["section"]), ["slug", "name"]);
        }
    }
}
