//! Uploaded pictures: one row per stored original (its bytes live in the
//! image store, renditions are made from it on demand).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Images {
    Table,
    Id,
    Width,
    Height,
    Format,
    Bytes,
    Sha256,
    FocalX,
    FocalY,
    Alt,
    Caption,
    Credit,
    Decorative,
    Placeholder,
    DominantColor,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Images::Table)
                    .col(big_pk_auto(Images::Id))
                    .col(integer(Images::Width))
                    .col(integer(Images::Height))
                    .col(string(Images::Format))
                    .col(big_integer(Images::Bytes))
                    .col(string(Images::Sha256))
                    .col(double(Images::FocalX))
                    .col(double(Images::FocalY))
                    .col(text_null(Images::Alt))
                    .col(text_null(Images::Caption))
                    .col(text_null(Images::Credit))
                    .col(boolean(Images::Decorative))
                    .col(string(Images::Placeholder))
                    .col(string(Images::DominantColor))
                    .col(timestamp_with_time_zone(Images::CreatedAt))
                    .col(timestamp_with_time_zone(Images::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_images_sha256")
                    .table(Images::Table)
                    .col(Images::Sha256)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Images::Table).to_owned())
            .await
    }
}
