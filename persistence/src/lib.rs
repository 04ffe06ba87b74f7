//! Everything SQL: the sea-orm entities, the migrations and the repositories.
//!
//! Repositories take and return `domain` types; nothing of sea-orm leaks out
//! but the [`Database`] handle built at startup. A row that breaks a domain
//! invariant comes back as [`RepoError::Corrupt`], never as a panic.

mod changes;
mod comments;
mod db;
mod directory;
mod discovery;
mod editorial;
mod entities;
mod error;
mod event_stream;
mod feeds;
mod images;
mod live;
mod live_log;
pub mod migration;
mod packages;
mod preview;
mod read_pool;
mod related;
mod replicas;
mod repo;
mod slugs;
#[cfg(feature = "testing")]
pub mod testing;
mod webhooks;
mod write;

pub use changes::{COLLECTION_ROW, Change};
pub use comments::{ArticleRef, CommentStats, Moderation, ThreadPage};
pub use db::{Database, QueryCounter};
pub use directory::DirectoryPage;
pub use discovery::{Collection, CollectionKind};
pub use editorial::WriteContext;
pub use error::RepoError;
pub use feeds::{SitemapBucket, SitemapEntry, StoryVersions};
pub use images::{ImageChange, NewImage};
pub use live::{PostChange, PostInput, PostPage};
pub use replicas::{ReplicaStatus, redact};
pub use repo::{ContentRepo, Links, ListRead, Page, SummaryColumns};
pub use webhooks::{
    Attempt, AttemptNext, Delivery, DeliveryStatus, NewWebhook, QueueStats, Webhook, WebhookChange,
    WebhookEvent,
};
pub use write::{ArticleUpsert, AuthorUpsert, SectionUpsert, TagUpsert, UpsertOutcome};
