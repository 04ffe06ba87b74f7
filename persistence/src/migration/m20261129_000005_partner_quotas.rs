//! Partner syndication: per-key quotas on `api_keys`, and on `changes`
//! whether the article was public once the change took effect (so the
//! partners' change feed can tell a takedown from a draft's edit).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ApiKeys {
    Table,
    QuotaPerMinute,
    QuotaPerDay,
}

#[derive(DeriveIden, Clone, Copy)]
enum Changes {
    Table,
    Visible,
    ArticleId,
    EffectiveAt,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for col in [ApiKeys::QuotaPerMinute, ApiKeys::QuotaPerDay] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ApiKeys::Table)
                        .add_column(integer_null(col))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Changes::Table)
                    .add_column(boolean_null(Changes::Visible))
                    .to_owned(),
            )
            .await?;
        // The change feed reads an article's history in effective order.
        manager
            .create_index(
                Index::create()
                    .name("ix_changes_article_effective")
                    .table(Changes::Table)
                    .col(Changes::ArticleId)
                    .col(Changes::EffectiveAt)
                    .col(Changes::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_changes_article_effective")
                    .table(Changes::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Changes::Table)
                    .drop_column(Changes::Visible)
                    .to_owned(),
            )
            .await?;
        for col in [ApiKeys::QuotaPerDay, ApiKeys::QuotaPerMinute] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ApiKeys::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
