//! The newsroom's everyday needs: shareable preview links (only the
//! token's hash is stored; revoked links stay, for the audit trail) and an
//! article's access level (`free`, `metered`, `subscriber`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum PreviewLinks {
    Table,
    Id,
    ArticleId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    CreatedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum Articles {
    Table,
    Id,
    Access,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PreviewLinks::Table)
                    .col(big_pk_auto(PreviewLinks::Id))
                    .col(big_integer(PreviewLinks::ArticleId))
                    .col(string_uniq(PreviewLinks::TokenHash))
                    .col(timestamp_with_time_zone(PreviewLinks::CreatedAt))
                    .col(timestamp_with_time_zone(PreviewLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PreviewLinks::RevokedAt))
                    .col(big_integer_null(PreviewLinks::CreatedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_preview_links_article")
                            .from(PreviewLinks::Table, PreviewLinks::ArticleId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_preview_links_article")
                    .table(PreviewLinks::Table)
                    .col(PreviewLinks::ArticleId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Articles::Table)
                    .add_column(string(Articles::Access).default("free"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Articles::Table)
                    .drop_column(Articles::Access)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PreviewLinks::Table).to_owned())
            .await
    }
}
