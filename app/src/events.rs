//! The events port: how the services announce what they changed.
//!
//! A service says *what* changed in domain terms (an article with the
//! sections, tags and authors whose lists it is on; a section; a
//! collection); whoever keeps derived copies decides what that means for
//! them. The HTTP response cache and the CDN purge hook implement it in
//! `api` (the surrogate-key names are spelled there, once), and the
//! webhook dispatcher is woken through it (webhook events themselves are
//! written by the repository in the write's transaction, not here).

use chrono::{DateTime, Utc};

/// A kind of taxonomy entry, named by its slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taxon {
    Section(String),
    Author(String),
    Tag(String),
}

/// One change a service made or learnt of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// An article was written through this instance: it, and every list it
    /// is on (its sections', tags' and authors' lists by slug, and the
    /// site-wide ones).
    Article {
        id: i64,
        sections: Vec<String>,
        tags: Vec<String>,
        authors: Vec<String>,
        /// The other versions of its story (their translations lists and
        /// translation groups name it).
        versions: Vec<i64>,
    },
    /// Articles that changed elsewhere (another instance, or a scheduled
    /// transition that fell due), learnt from the change log. The instance
    /// that made the write has announced it already; only local copies go.
    ArticlesElsewhere { ids: Vec<i64> },
    /// A section, author or tag was created, changed or deleted here: every
    /// page may show its name.
    Taxonomy(Taxon),
    /// A collection was saved or deleted here.
    Collection { slug: String },
    /// Collections changed elsewhere (learnt from the change log).
    CollectionsElsewhere,
    /// An article's comments changed (count, threads).
    Comments { article_id: i64 },
    /// The next instant at which some article becomes public, stops being
    /// breaking, or its embargo ends by itself (`None`: nothing is due).
    NextTransition(Option<DateTime<Utc>>),
}

/// Whoever keeps derived copies of the content. Called after the write has
/// committed; must not block (queue slow work).
pub trait ContentEvents: Send + Sync {
    fn changed(&self, change: Change);
}

/// Announces to nobody (the CLI, tests of a service alone).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoEvents;

impl ContentEvents for NoEvents {
    fn changed(&self, _: Change) {}
}
