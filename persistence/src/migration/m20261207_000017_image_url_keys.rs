//! Pictures get a secret URL key: their public URLs become
//! `/images/{id}-{key}/…`, so walking the sequential ids no longer shows the
//! pictures of drafts and embargoed stories. Pictures already uploaded keep
//! no key (and their `/images/{id}/…` URLs, which stored articles and
//! readers' caches hold).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Images {
    Table,
    UrlKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Images::Table)
                    .add_column(string_len_null(Images::UrlKey, 32))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Images::Table)
                    .drop_column(Images::UrlKey)
                    .to_owned(),
            )
            .await
    }
}
