//! Indexes for two filters that walked every public article.
//!
//! - The home screen asks for the public articles whose breaking flag has
//!   not expired (`breaking_until > now`), newest first. Without an index
//!   on the flag both engines walked the public list index from the newest
//!   article and tested every row: 427 ms per uncached `/v1/front` at 109k
//!   articles on SQLite. Few articles carry the flag, so the index holds
//!   only those (partial: `breaking_until IS NOT NULL`, which
//!   `breaking_until > ?` implies for both planners).
//! - `?kind=opinion` (an opinion page, মতামত) tested every public article
//!   for its kind: 447 ms per uncached request. The list index of migration
//!   000007 led by the kind, under the same predicate, gives one kind's
//!   page its first entries.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const CREATE: [&str; 2] = [
    "CREATE INDEX ix_articles_breaking ON articles (breaking_until) \
     WHERE breaking_until IS NOT NULL",
    "CREATE INDEX ix_articles_live_kind ON articles (kind, published_at DESC, id DESC) \
     WHERE status IN ('published', 'scheduled')",
];

const DROP: [&str; 2] = [
    "DROP INDEX ix_articles_live_kind",
    "DROP INDEX ix_articles_breaking",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for sql in CREATE {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for sql in DROP {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
