//! Document limits computed on the parsed document, before validation:
//! each in one pass over the text, never by expanding fragments.

use std::collections::HashMap;

use async_graphql::Name;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// Most fields a document may select once every fragment spread is
/// expanded (an app's biggest screen selects a few hundred; graphql-js'
/// introspection query about two hundred).
pub const MAX_EXPANDED_FIELDS: usize = 5_000;

/// Why a document is refused before validation.
#[derive(Debug, PartialEq, Eq)]
pub enum Expansion {
    /// It selects more than [`MAX_EXPANDED_FIELDS`] fields, expanded.
    TooLarge,
    /// A fragment spreads itself, directly or through others.
    Cycle(String),
}

/// How many fields the operations of `doc` select with every fragment
/// spread expanded, computed without expanding: each fragment's expanded
/// size is computed once and remembered, so a chain of fragments that each
/// spread the previous one twice costs as many steps as it has spreads, not
/// 2^n. Stops as soon as the count passes the limit.
pub fn expanded_fields(doc: &ExecutableDocument) -> Result<usize, Expansion> {
    let mut counter = Counter {
        doc,
        sizes: HashMap::new(),
        open: Vec::new(),
    };
    let mut total = 0usize;
    for (_, op) in doc.operations.iter() {
        total = total.saturating_add(counter.set(&op.node.selection_set.node)?);
        if total > MAX_EXPANDED_FIELDS {
            return Err(Expansion::TooLarge);
        }
    }
    Ok(total)
}

struct Counter<'a> {
    doc: &'a ExecutableDocument,
    /// Expanded size of each fragment counted so far.
    sizes: HashMap<&'a Name, usize>,
    /// Fragments being counted (a spread of one of them is a cycle).
    open: Vec<&'a Name>,
}

impl<'a> Counter<'a> {
    fn set(&mut self, set: &'a SelectionSet) -> Result<usize, Expansion> {
        let mut n = 0usize;
        for selection in &set.items {
            let size = match &selection.node {
                Selection::Field(f) => 1usize.saturating_add(self.set(&f.node.selection_set.node)?),
                Selection::InlineFragment(i) => self.set(&i.node.selection_set.node)?,
                Selection::FragmentSpread(s) => self.fragment(&s.node.fragment_name.node)?,
            };
            n = n.saturating_add(size);
            if n > MAX_EXPANDED_FIELDS {
                return Err(Expansion::TooLarge);
            }
        }
        Ok(n)
    }

    fn fragment(&mut self, name: &'a Name) -> Result<usize, Expansion> {
        if let Some(n) = self.sizes.get(name) {
            return Ok(*n);
        }
        if self.open.contains(&name) {
            return Err(Expansion::Cycle(name.to_string()));
        }
        // An unknown fragment selects nothing here; validation names it.
        let Some(fragment) = self.doc.fragments.get(name) else {
            return Ok(0);
        };
        self.open.push(name);
        let n = self.set(&fragment.node.selection_set.node);
        self.open.pop();
        let n = n?;
        self.sizes.insert(name, n);
        Ok(n)
    }
}

/// Aliased fields in the operations and fragments of a document.
pub fn count_aliases(doc: &ExecutableDocument) -> usize {
    let mut stack: Vec<&SelectionSet> = doc
        .operations
        .iter()
        .map(|(_, op)| &op.node.selection_set.node)
        .chain(doc.fragments.values().map(|f| &f.node.selection_set.node))
        .collect();
    let mut n = 0;
    while let Some(set) = stack.pop() {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(f) => {
                    n += usize::from(f.node.alias.is_some());
                    stack.push(&f.node.selection_set.node);
                }
                Selection::InlineFragment(i) => stack.push(&i.node.selection_set.node),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(q: &str) -> Result<usize, Expansion> {
        expanded_fields(&async_graphql::parser::parse_query(q).unwrap())
    }

    fn bomb(levels: usize) -> String {
        let mut q = format!("{{ sections {{ ...F{levels} }} }} fragment F0 on Section {{ slug }}");
        for i in 1..=levels {
            q.push_str(&format!(
                " fragment F{i} on Section {{ ...F{} ...F{} }}",
                i - 1,
                i - 1
            ));
        }
        q
    }

    #[test]
    fn fields_are_counted_through_fragments_and_inline_fragments() {
        assert_eq!(count("{ sections { slug name } }"), Ok(3));
        assert_eq!(
            count(
                "{ sections { ...S ... on Section { id } } } fragment S on Section { slug name }"
            ),
            Ok(4)
        );
        // Each spread counts its fragment's fields again.
        assert_eq!(count(&bomb(3)), Ok(1 + 8));
        assert_eq!(count(&bomb(12)), Ok(1 + 4096));
    }

    #[test]
    fn an_exponential_document_is_refused_without_expanding_it() {
        assert_eq!(count(&bomb(13)), Err(Expansion::TooLarge));
        assert_eq!(count(&bomb(60)), Err(Expansion::TooLarge));
    }

    #[test]
    fn a_fragment_cycle_is_named() {
        assert_eq!(
            count(
                "{ sections { ...A } } fragment A on Section { slug ...B } fragment B on Section { ...A }"
            ),
            Err(Expansion::Cycle("A".into()))
        );
        // An unknown fragment is left to validation.
        assert_eq!(count("{ sections { ...Nope } }"), Ok(1));
    }
}
