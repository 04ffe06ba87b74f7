//! The change log: one row per article write, in commit order, plus rows
//! dated at the future instants when an article's visibility will change by
//! itself (scheduled go-live, embargo end). Search indexing, caches and the
//! partners' change feed all follow it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Changes {
    Table,
    Id,
    ArticleId,
    Action,
    EffectiveAt,
    RecordedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Changes::Table)
                    .col(big_pk_auto(Changes::Id))
                    .col(big_integer(Changes::ArticleId))
                    .col(string(Changes::Action))
                    .col(timestamp_with_time_zone(Changes::EffectiveAt))
                    .col(timestamp_with_time_zone(Changes::RecordedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_changes_effective")
                    .table(Changes::Table)
                    .col(Changes::EffectiveAt)
                    .col(Changes::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Changes::Table).to_owned())
            .await
    }
}
