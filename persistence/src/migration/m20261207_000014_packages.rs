//! Story packages and series: an article's hand-picked "read more" list
//! (ordered, shown before the computed related stories), and a collection
//! kind, so a series is a named, ordered list with its own feed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ArticlePicks {
    Table,
    ArticleId,
    Position,
    PickedId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Articles {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Collections {
    Table,
    Kind,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ArticlePicks::Table)
                    .col(big_integer(ArticlePicks::ArticleId))
                    .col(integer(ArticlePicks::Position))
                    .col(big_integer(ArticlePicks::PickedId))
                    .primary_key(
                        Index::create()
                            .col(ArticlePicks::ArticleId)
                            .col(ArticlePicks::Position),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_article_picks_article")
                            .from(ArticlePicks::Table, ArticlePicks::ArticleId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_article_picks_picked")
                            .from(ArticlePicks::Table, ArticlePicks::PickedId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_article_picks_picked")
                    .table(ArticlePicks::Table)
                    .col(ArticlePicks::PickedId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Collections::Table)
                    .add_column(string(Collections::Kind).default("list"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Collections::Table)
                    .drop_column(Collections::Kind)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ArticlePicks::Table).to_owned())
            .await
    }
}
