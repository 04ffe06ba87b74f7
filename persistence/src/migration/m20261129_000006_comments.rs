//! Reader comments (pre-moderated) and the per-article "comments open" flag.
//!
//! The flag lives in its own table rather than as an article column: closing
//! comments is a moderation decision, not an edit of the article, so it must
//! not bump the article's version, make a revision or enter the change log
//! that partners mirror. An article without a row has comments open.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Comments {
    Table,
    Id,
    ArticleId,
    ParentId,
    Name,
    Text,
    Status,
    CreatedAt,
    ModeratedAt,
    ModeratedBy,
    Reason,
}

#[derive(DeriveIden, Clone, Copy)]
enum ArticleCommentSettings {
    Table,
    ArticleId,
    CommentsOpen,
    UpdatedAt,
    UpdatedBy,
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
                    .table(Comments::Table)
                    .col(big_pk_auto(Comments::Id))
                    .col(big_integer(Comments::ArticleId))
                    .col(big_integer_null(Comments::ParentId))
                    .col(string(Comments::Name))
                    .col(text(Comments::Text))
                    .col(string(Comments::Status))
                    .col(timestamp_with_time_zone(Comments::CreatedAt))
                    .col(timestamp_with_time_zone_null(Comments::ModeratedAt))
                    .col(big_integer_null(Comments::ModeratedBy))
                    .col(text_null(Comments::Reason))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comments_article")
                            .from(Comments::Table, Comments::ArticleId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comments_parent")
                            .from(Comments::Table, Comments::ParentId)
                            .to(Comments::Table, Comments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The public thread list: approved comments of one article, oldest first.
        manager
            .create_index(
                Index::create()
                    .name("ix_comments_article_status_created")
                    .table(Comments::Table)
                    .col(Comments::ArticleId)
                    .col(Comments::Status)
                    .col(Comments::CreatedAt)
                    .col(Comments::Id)
                    .to_owned(),
            )
            .await?;
        // The moderation queue: one status, oldest first.
        manager
            .create_index(
                Index::create()
                    .name("ix_comments_status_id")
                    .table(Comments::Table)
                    .col(Comments::Status)
                    .col(Comments::Id)
                    .to_owned(),
            )
            .await?;
        // Replies of a page of threads.
        manager
            .create_index(
                Index::create()
                    .name("ix_comments_parent")
                    .table(Comments::Table)
                    .col(Comments::ParentId)
                    .col(Comments::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ArticleCommentSettings::Table)
                    .col(
                        big_integer(ArticleCommentSettings::ArticleId)
                            .primary_key()
                            .to_owned(),
                    )
                    .col(boolean(ArticleCommentSettings::CommentsOpen))
                    .col(timestamp_with_time_zone(ArticleCommentSettings::UpdatedAt))
                    .col(big_integer_null(ArticleCommentSettings::UpdatedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_article_comment_settings_article")
                            .from(
                                ArticleCommentSettings::Table,
                                ArticleCommentSettings::ArticleId,
                            )
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ArticleCommentSettings::Table.into_iden(),
            Comments::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
