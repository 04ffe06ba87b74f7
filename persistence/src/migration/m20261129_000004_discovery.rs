//! Discovery: view counters for "most read", curated collections, and the
//! breaking-news flag.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ArticleViews {
    Table,
    ArticleId,
    Hour,
    Views,
}

#[derive(DeriveIden, Clone, Copy)]
enum Collections {
    Table,
    Id,
    Slug,
    Name,
    Description,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CollectionItems {
    Table,
    CollectionId,
    ArticleId,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum Articles {
    Table,
    Id,
    BreakingUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ArticleViews::Table)
                    .col(big_integer(ArticleViews::ArticleId))
                    .col(timestamp_with_time_zone(ArticleViews::Hour))
                    .col(big_integer(ArticleViews::Views).default(0))
                    .primary_key(
                        Index::create()
                            .col(ArticleViews::ArticleId)
                            .col(ArticleViews::Hour),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_article_views_article")
                            .from(ArticleViews::Table, ArticleViews::ArticleId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_article_views_hour")
                    .table(ArticleViews::Table)
                    .col(ArticleViews::Hour)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Collections::Table)
                    .col(big_pk_auto(Collections::Id))
                    .col(string_uniq(Collections::Slug))
                    .col(string(Collections::Name))
                    .col(text_null(Collections::Description))
                    .col(timestamp_with_time_zone(Collections::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CollectionItems::Table)
                    .col(big_integer(CollectionItems::CollectionId))
                    .col(big_integer(CollectionItems::ArticleId))
                    .col(integer(CollectionItems::Position))
                    .primary_key(
                        Index::create()
                            .col(CollectionItems::CollectionId)
                            .col(CollectionItems::ArticleId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_collection_items_collection")
                            .from(CollectionItems::Table, CollectionItems::CollectionId)
                            .to(Collections::Table, Collections::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_collection_items_article")
                            .from(CollectionItems::Table, CollectionItems::ArticleId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Articles::Table)
                    .add_column(timestamp_with_time_zone_null(Articles::BreakingUntil))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CollectionItems::Table.into_iden(),
            Collections::Table.into_iden(),
            ArticleViews::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Articles::Table)
                    .drop_column(Articles::BreakingUntil)
                    .to_owned(),
            )
            .await
    }
}
