//! Field errors as the GraphQL spec handles them (§6.4.4, "Handling
//! Execution Errors"): the field that failed is `null` in `data`, and when
//! its type is non-null the `null` moves up to the nearest nullable parent
//! (up to `data` itself).
//!
//! async-graphql 7 leaves a failed field out of its parent object instead
//! (and turns an object whose every field failed into `null`), so typed
//! clients generated from the schema find a required key missing. Each
//! field error's path is walked here against the document and the schema's
//! types, and the response completed.

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{Name, PathSegment, Response, Value};

/// Completes `response` for the field errors it carries.
pub fn propagate(
    registry: &Registry,
    doc: &ExecutableDocument,
    operation: Option<&str>,
    response: &mut Response,
) {
    let Some((root, selection)) = root_of(registry, doc, operation) else {
        return;
    };
    let paths: Vec<Vec<PathSegment>> = response
        .errors
        .iter()
        .filter(|e| !e.path.is_empty())
        .map(|e| e.path.clone())
        .collect();
    if paths.is_empty() {
        return;
    }
    if matches!(response.data, Value::Null) {
        response.data = Value::Object(Default::default());
    }
    for path in paths {
        let Some(non_null) = nullability(registry, doc, &root, selection, &path) else {
            continue;
        };
        // The deepest position on the path that may be null takes it.
        match non_null.iter().rposition(|n| !n) {
            Some(at) => set_null(&mut response.data, &path[..=at]),
            None => {
                response.data = Value::Null;
                return;
            }
        }
    }
}

fn root_of<'a>(
    registry: &Registry,
    doc: &'a ExecutableDocument,
    operation: Option<&str>,
) -> Option<(String, &'a SelectionSet)> {
    let op = match operation {
        Some(name) => doc
            .operations
            .iter()
            .find(|(n, _)| n.map(Name::as_str) == Some(name)),
        None => doc.operations.iter().next(),
    }?
    .1;
    let root = match op.node.ty {
        OperationType::Query => registry.query_type.clone(),
        OperationType::Mutation => registry.mutation_type.clone()?,
        OperationType::Subscription => registry.subscription_type.clone()?,
    };
    Some((root, &op.node.selection_set.node))
}

/// For each segment of `path`, whether that position is non-null.
fn nullability(
    registry: &Registry,
    doc: &ExecutableDocument,
    root: &str,
    selection: &SelectionSet,
    path: &[PathSegment],
) -> Option<Vec<bool>> {
    let mut out = Vec::with_capacity(path.len());
    let mut sets = vec![(root.to_owned(), selection)];
    // The list wrappers still to be matched by index segments, outermost
    // first: whether each list's items are non-null.
    let mut items: Vec<bool> = Vec::new();
    for segment in path {
        match segment {
            PathSegment::Index(_) => {
                if items.is_empty() {
                    return None;
                }
                out.push(items.remove(0));
            }
            PathSegment::Field(key) => {
                let mut found: Option<(String, String)> = None;
                let mut next = Vec::new();
                for (ty, set) in &sets {
                    collect(doc, ty, set, key, &mut found, &mut next);
                }
                let (owner, name) = found?;
                let ty = registry.types.get(&owner)?.field_by_name(&name)?.ty.clone();
                let (non_null, lists, named) = wrappers(&ty);
                out.push(non_null);
                items = lists;
                sets = next.into_iter().map(|s| (named.clone(), s)).collect();
            }
        }
    }
    Some(out)
}

/// Finds the field answered under `key` in a selection set (through
/// fragments): the type that defines it, its name, and the selection sets
/// under every occurrence.
fn collect<'a>(
    doc: &'a ExecutableDocument,
    ty: &str,
    set: &'a SelectionSet,
    key: &str,
    found: &mut Option<(String, String)>,
    next: &mut Vec<&'a SelectionSet>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) if f.node.response_key().node.as_str() == key => {
                found.get_or_insert_with(|| (ty.to_owned(), f.node.name.node.to_string()));
                next.push(&f.node.selection_set.node);
            }
            Selection::Field(_) => {}
            Selection::InlineFragment(i) => {
                let ty = i
                    .node
                    .type_condition
                    .as_ref()
                    .map_or(ty, |c| c.node.on.node.as_str());
                collect(doc, ty, &i.node.selection_set.node, key, found, next);
            }
            Selection::FragmentSpread(s) => {
                if let Some(fragment) = doc.fragments.get(&s.node.fragment_name.node) {
                    let ty = fragment.node.type_condition.node.on.node.as_str();
                    collect(doc, ty, &fragment.node.selection_set.node, key, found, next);
                }
            }
        }
    }
}

/// `[Article!]!` → (non-null, [items non-null], `Article`).
fn wrappers(ty: &str) -> (bool, Vec<bool>, String) {
    let mut rest = ty.trim();
    let non_null = rest.ends_with('!');
    rest = rest.trim_end_matches('!');
    let mut lists = Vec::new();
    while let Some(inner) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        lists.push(inner.ends_with('!'));
        rest = inner.trim_end_matches('!');
    }
    (non_null, lists, rest.to_owned())
}

/// Sets the value at `path` to null, adding the key when the field was
/// left out; a parent that is null already stays so.
fn set_null(data: &mut Value, path: &[PathSegment]) {
    let Some((last, parents)) = path.split_last() else {
        *data = Value::Null;
        return;
    };
    let mut at = data;
    for segment in parents {
        at = match (segment, at) {
            (PathSegment::Field(key), Value::Object(map)) => match map.get_mut(key.as_str()) {
                Some(v) => v,
                None => return,
            },
            (PathSegment::Index(i), Value::List(list)) => match list.get_mut(*i) {
                Some(v) => v,
                None => return,
            },
            _ => return,
        };
    }
    match (last, at) {
        (PathSegment::Field(key), Value::Object(map)) => {
            map.insert(Name::new(key), Value::Null);
        }
        (PathSegment::Index(i), Value::List(list)) => {
            if let Some(v) = list.get_mut(*i) {
                *v = Value::Null;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::wrappers;

    #[test]
    fn type_wrappers_are_read_outside_in() {
        assert_eq!(wrappers("String"), (false, vec![], "String".into()));
        assert_eq!(wrappers("Article!"), (true, vec![], "Article".into()));
        assert_eq!(
            wrappers("[Article!]!"),
            (true, vec![true], "Article".into())
        );
        assert_eq!(
            wrappers("[[Tag]!]"),
            (false, vec![true, false], "Tag".into())
        );
    }
}
