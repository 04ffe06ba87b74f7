//! Surrogate keys: the one place their names are spelled. Handlers name
//! what a response holds with these; the response cache and the CDN purge
//! hook turn a service's [`Change`] into the same names.

use std::fmt::Display;

use app::events::{Change, Taxon};

pub const LATEST: &str = "list-latest";
pub const FRONT: &str = "list-front";
pub const SEARCH: &str = "list-search";
pub const MOST_READ: &str = "list-most-read";
pub const SECTIONS: &str = "list-sections";
pub const COLLECTIONS: &str = "list-collections";
/// Every sitemap (the index, the news sitemap, the archive files).
pub const SITEMAPS: &str = "list-sitemaps";
pub const EDITION: &str = "edition";
pub const GRAPHQL: &str = "graphql";
pub const ROOT: &str = "root";

pub fn article(id: impl Display) -> String {
    format!("article-{id}")
}

pub fn section(slug: impl Display) -> String {
    format!("section-{slug}")
}

pub fn tag(slug: impl Display) -> String {
    format!("tag-{slug}")
}

pub fn author(slug: impl Display) -> String {
    format!("author-{slug}")
}

pub fn collection(slug: impl Display) -> String {
    format!("collection-{slug}")
}

/// The list a response belongs to when its handler named no keys (the
/// first path segment: `/feeds/…` is `list-feeds`).
pub fn list(name: &str) -> String {
    format!("list-{name}")
}

/// The `Surrogate-Key` (space-separated) and `Cache-Tag` (comma-separated)
/// values that name `keys` to a CDN; `None` when there are none.
pub fn header_values(
    keys: &[String],
) -> (
    Option<actix_web::http::header::HeaderValue>,
    Option<actix_web::http::header::HeaderValue>,
) {
    use actix_web::http::header::HeaderValue;
    if keys.is_empty() {
        return (None, None);
    }
    (
        HeaderValue::from_str(&keys.join(" ")).ok(),
        HeaderValue::from_str(&keys.join(",")).ok(),
    )
}

/// The keys a change made here purges at the CDN (a change learnt from
/// another instance purges nothing: that instance did).
pub fn purged_by(change: &Change) -> Vec<String> {
    match change {
        Change::Article {
            id,
            sections,
            tags,
            authors,
            versions,
        } => [article(id)]
            .into_iter()
            .chain(versions.iter().map(article))
            .chain([LATEST, FRONT, SEARCH, MOST_READ, SITEMAPS].map(str::to_owned))
            .chain(sections.iter().map(section))
            .chain(tags.iter().map(tag))
            .chain(authors.iter().map(author))
            .collect(),
        Change::Taxonomy(Taxon::Section(slug)) => vec![section(slug)],
        Change::Taxonomy(Taxon::Author(slug)) => vec![author(slug)],
        Change::Taxonomy(Taxon::Tag(slug)) => vec![tag(slug)],
        Change::Collection { slug } => {
            vec![collection(slug), COLLECTIONS.to_owned(), FRONT.to_owned()]
        }
        Change::Comments { article_id } => vec![article(article_id)],
        Change::ArticlesElsewhere { .. }
        | Change::CollectionsElsewhere
        | Change::NextTransition(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_article_write_purges_the_article_and_every_list_it_is_on() {
        let keys = purged_by(&Change::Article {
            id: 12,
            sections: vec!["sports".into()],
            tags: vec!["cricket".into()],
            authors: vec!["rahim".into()],
            versions: vec![13],
        });
        assert_eq!(
            keys,
            [
                "article-12",
                "article-13",
                "list-latest",
                "list-front",
                "list-search",
                "list-most-read",
                "list-sitemaps",
                "section-sports",
                "tag-cricket",
                "author-rahim",
            ]
        );
    }

    #[test]
    fn changes_learnt_from_other_instances_purge_nothing() {
        assert!(purged_by(&Change::ArticlesElsewhere { ids: vec![1] }).is_empty());
        assert!(purged_by(&Change::CollectionsElsewhere).is_empty());
    }
}
