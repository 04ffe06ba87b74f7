//! Sections, tags and authors in two editions: `language` says which
//! language `name` is written in (`bn` unless set), and tags and authors
//! get the English display name that sections already had (`name_en`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Sections {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum Tags {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum Authors {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Language,
    NameEn,
}

/// Every table that gets `language`, and whether it also gets `name_en`.
fn tables() -> [(TableRef, bool); 3] {
    [
        (Sections::Table.into_table_ref(), false),
        (Tags::Table.into_table_ref(), true),
        (Authors::Table.into_table_ref(), true),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for (table, name_en) in tables() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table.clone())
                        .add_column(string(Col::Language).default("bn"))
                        .to_owned(),
                )
                .await?;
            if name_en {
                manager
                    .alter_table(
                        Table::alter()
                            .table(table)
                            .add_column(string_null(Col::NameEn))
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, name_en) in tables() {
            if name_en {
                manager
                    .alter_table(
                        Table::alter()
                            .table(table.clone())
                            .drop_column(Col::NameEn)
                            .to_owned(),
                    )
                    .await?;
            }
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Col::Language)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
