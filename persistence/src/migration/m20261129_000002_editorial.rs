//! Editorial writes: API keys, revisions, the audit log, and the article
//! columns for unpublishing and soft deletion.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ApiKeys {
    Table,
    Id,
    Name,
    Scope,
    KeyHash,
    Prefix,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Revisions {
    Table,
    Id,
    ArticleId,
    Number,
    Snapshot,
    Changed,
    Action,
    ActorKeyId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditLog {
    Table,
    Id,
    ActorKeyId,
    Action,
    TargetType,
    TargetId,
    Details,
    At,
}

#[derive(DeriveIden, Clone, Copy)]
enum Articles {
    Table,
    Id,
    UnpublishReason,
    DeletedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(big_pk_auto(ApiKeys::Id))
                    .col(string(ApiKeys::Name))
                    .col(string(ApiKeys::Scope))
                    .col(string_uniq(ApiKeys::KeyHash))
                    .col(string(ApiKeys::Prefix))
                    .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Revisions::Table)
                    .col(big_pk_auto(Revisions::Id))
                    .col(big_integer(Revisions::ArticleId))
                    .col(integer(Revisions::Number))
                    .col(json(Revisions::Snapshot))
                    .col(json(Revisions::Changed))
                    .col(string(Revisions::Action))
                    .col(big_integer_null(Revisions::ActorKeyId))
                    .col(timestamp_with_time_zone(Revisions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_revisions_article")
                            .from(Revisions::Table, Revisions::ArticleId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_revisions_article_number")
                    .table(Revisions::Table)
                    .col(Revisions::ArticleId)
                    .col(Revisions::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(big_integer_null(AuditLog::ActorKeyId))
                    .col(string(AuditLog::Action))
                    .col(string(AuditLog::TargetType))
                    .col(string(AuditLog::TargetId))
                    .col(json(AuditLog::Details))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Articles::Table)
                    .add_column(text_null(Articles::UnpublishReason))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Articles::Table)
                    .add_column(timestamp_with_time_zone_null(Articles::DeletedAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            Revisions::Table.into_iden(),
            ApiKeys::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for col in [Articles::DeletedAt, Articles::UnpublishReason] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Articles::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
