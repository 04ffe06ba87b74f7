//! The reader's search syntax: any query string is answered or refused as
//! invalid, never a panic.
#![no_main]

use std::sync::OnceLock;

use api::search::{SearchIndex, SearchRequest, SortBy};
use libfuzzer_sys::fuzz_target;

fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| match SearchIndex::open(None) {
        Ok((index, _)) => index,
        Err(e) => panic!("in-memory index: {e}"),
    })
}

fuzz_target!(|input: (&str, bool)| {
    let (query, newest) = input;
    let req = SearchRequest {
        query: query.to_owned(),
        sort: if newest { SortBy::Newest } else { SortBy::Relevance },
        limit: 10,
        ..SearchRequest::default()
    };
    let _ = index().search(&req);
});
