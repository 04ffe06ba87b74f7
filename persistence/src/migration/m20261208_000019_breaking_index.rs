//! An index over the articles flagged breaking.
//!
//! The home screen asks for the public articles whose breaking flag has not
//! expired (`breaking_until > now`), newest first. Without an index on the
//! flag both engines walk the public list index from the newest article and
//! test every row: 427 ms per uncached `/v1/front` at 109k articles on
//! SQLite, growing with the archive. Few articles ever carry the flag, so
//! the index holds only those (partial: `breaking_until IS NOT NULL`, which
//! `breaking_until > ?` implies for both planners).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_articles_breaking ON articles (breaking_until) \
                 WHERE breaking_until IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ix_articles_breaking")
            .await?;
        Ok(())
    }
}
