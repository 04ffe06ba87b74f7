//! Discovery results over GraphQL: search hits, most read, collections and
//! the front.

use async_graphql::{Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::types::{ArticleGql, SectionGql};
use super::values::EditionGql;

/// One search result.
pub struct SearchHitGql {
    pub article: ArticleGql,
    pub headline_html: String,
    pub snippet_html: String,
    pub score: f32,
}

#[Object(name = "SearchHit")]
impl SearchHitGql {
    async fn article(&self) -> &ArticleGql {
        &self.article
    }
    /// The headline with matched words in `<mark>` (HTML-escaped otherwise).
    async fn headline_html(&self) -> &str {
        &self.headline_html
    }
    /// The best passage, matched words in `<mark>`.
    async fn snippet_html(&self) -> &str {
        &self.snippet_html
    }
    async fn score(&self) -> f32 {
        self.score
    }
}

/// A page of search results.
#[derive(SimpleObject)]
#[graphql(name = "SearchResults")]
pub struct SearchResultsGql {
    pub total_count: i32,
    pub hits: Vec<SearchHitGql>,
    /// Pass as `after` for the next page; null on the last one.
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
    /// Every match counted by section, tag and month (Dhaka); computed
    /// only when selected.
    pub facets: Option<SearchFacetsGql>,
}

/// Counts of every match of a search.
#[derive(SimpleObject)]
#[graphql(name = "SearchFacets")]
pub struct SearchFacetsGql {
    /// Most frequent first; `key` is the slug for `section:`.
    pub sections: Vec<FacetValueGql>,
    /// Most frequent first; `key` is the slug for `tag:`.
    pub tags: Vec<FacetValueGql>,
    /// Newest first; `key` is `YYYY-MM`.
    pub months: Vec<FacetValueGql>,
}

/// One value of a facet.
#[derive(SimpleObject)]
#[graphql(name = "FacetValue")]
pub struct FacetValueGql {
    pub key: String,
    pub name: String,
    pub count: i32,
}

impl From<app::discovery::SearchFacets> for SearchFacetsGql {
    fn from(f: app::discovery::SearchFacets) -> Self {
        let values = |v: Vec<app::discovery::FacetValue>| {
            v.into_iter()
                .map(|v| FacetValueGql {
                    key: v.key,
                    name: v.name,
                    count: i32::try_from(v.count).unwrap_or(i32::MAX),
                })
                .collect()
        };
        Self {
            sections: values(f.sections),
            tags: values(f.tags),
            months: values(f.months),
        }
    }
}

/// An article with its view count in a window.
#[derive(SimpleObject)]
#[graphql(name = "MostReadItem")]
pub struct MostReadGql {
    pub article: ArticleGql,
    pub views: i64,
}

/// A curated list.
#[derive(SimpleObject)]
#[graphql(name = "Collection")]
pub struct CollectionGql {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub articles: Vec<ArticleGql>,
}

#[derive(SimpleObject)]
#[graphql(name = "FrontSection")]
pub struct FrontSectionGql {
    pub section: SectionGql,
    pub articles: Vec<ArticleGql>,
}

/// The home screen in one call; no article appears twice.
#[derive(SimpleObject)]
#[graphql(name = "Front")]
pub struct FrontGql {
    pub edition: EditionGql,
    pub breaking: Vec<ArticleGql>,
    pub lead: Vec<ArticleGql>,
    pub sections: Vec<FrontSectionGql>,
}
