//! Live pages: an article's kind (`standard`, `live`) and live state, the
//! posts of a live article, and each live page's event log (its ids are
//! the readers' stream cursors, so a reconnecting reader gets exactly what
//! it missed).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Articles {
    Table,
    Id,
    Kind,
    LiveState,
}

#[derive(DeriveIden, Clone, Copy)]
enum LivePosts {
    Table,
    Id,
    ArticleId,
    Headline,
    Body,
    AuthorId,
    Pinned,
    KeyEvent,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum LiveEvents {
    Table,
    Id,
    ArticleId,
    PostId,
    Kind,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Articles::Table)
                    .add_column(string(Articles::Kind).default("standard"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Articles::Table)
                    .add_column(string_null(Articles::LiveState))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LivePosts::Table)
                    .col(big_pk_auto(LivePosts::Id))
                    .col(big_integer(LivePosts::ArticleId))
                    .col(text_null(LivePosts::Headline))
                    .col(text(LivePosts::Body))
                    .col(big_integer_null(LivePosts::AuthorId))
                    .col(boolean(LivePosts::Pinned))
                    .col(boolean(LivePosts::KeyEvent))
                    .col(timestamp_with_time_zone(LivePosts::CreatedAt))
                    .col(timestamp_with_time_zone(LivePosts::UpdatedAt))
                    .col(timestamp_with_time_zone_null(LivePosts::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_live_posts_article")
                            .from(LivePosts::Table, LivePosts::ArticleId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A page of posts, newest first.
        manager
            .create_index(
                Index::create()
                    .name("ix_live_posts_article_created")
                    .table(LivePosts::Table)
                    .col(LivePosts::ArticleId)
                    .col(LivePosts::CreatedAt)
                    .col(LivePosts::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LiveEvents::Table)
                    .col(big_pk_auto(LiveEvents::Id))
                    .col(big_integer(LiveEvents::ArticleId))
                    .col(big_integer_null(LiveEvents::PostId))
                    .col(string(LiveEvents::Kind))
                    .col(timestamp_with_time_zone(LiveEvents::At))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_live_events_article")
                            .from(LiveEvents::Table, LiveEvents::ArticleId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_live_events_article")
                    .table(LiveEvents::Table)
                    .col(LiveEvents::ArticleId)
                    .col(LiveEvents::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [LiveEvents::Table.into_iden(), LivePosts::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for column in [Articles::LiveState, Articles::Kind] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Articles::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
