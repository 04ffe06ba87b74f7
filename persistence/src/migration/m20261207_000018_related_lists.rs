//! Related stories kept per article: the scored list the similarity search
//! and re-ranking produced, so a reader's request reads it instead of
//! computing it again. The search index's sync forgets the lists a change
//! can alter (the changed article's own, and those of the articles it
//! resembles); a list is also recomputed once it is old.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum RelatedLists {
    Table,
    ArticleId,
    ComputedAt,
    Items,
}

#[derive(DeriveIden, Clone, Copy)]
enum Articles {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RelatedLists::Table)
                    .col(big_integer(RelatedLists::ArticleId).primary_key())
                    .col(timestamp_with_time_zone(RelatedLists::ComputedAt))
                    .col(text(RelatedLists::Items))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_related_lists_article")
                            .from(RelatedLists::Table, RelatedLists::ArticleId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RelatedLists::Table).to_owned())
            .await
    }
}
