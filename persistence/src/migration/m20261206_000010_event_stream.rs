//! The site-wide event stream reads the events outbox in (due time, id)
//! order, from a reader's cursor up to now: an index in that order.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_events_due")
                    .table(Alias::new("webhook_events"))
                    .col(Alias::new("due_at"))
                    .col(Alias::new("id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_webhook_events_due")
                    .table(Alias::new("webhook_events"))
                    .to_owned(),
            )
            .await
    }
}
