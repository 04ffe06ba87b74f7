//! An author's avatar may be an uploaded picture: kept as the picture with
//! its renditions (JSON), beside `avatar_url`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Authors {
    Table,
    Avatar,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Authors::Table)
                    .add_column(text_null(Authors::Avatar))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Authors::Table)
                    .drop_column(Authors::Avatar)
                    .to_owned(),
            )
            .await
    }
}
