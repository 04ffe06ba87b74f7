//! The content model: sections, authors, tags, articles and their links.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Sections {
    Table,
    Id,
    Slug,
    Name,
    NameEn,
    ParentId,
    Position,
    Description,
}

#[derive(DeriveIden, Clone, Copy)]
enum Authors {
    Table,
    Id,
    Slug,
    Name,
    Bio,
    AvatarUrl,
}

#[derive(DeriveIden, Clone, Copy)]
enum Tags {
    Table,
    Id,
    Slug,
    Name,
}

#[derive(DeriveIden, Clone, Copy)]
enum Articles {
    Table,
    Id,
    Slug,
    ExternalId,
    Headline,
    Kicker,
    Summary,
    Body,
    SectionId,
    Desk,
    Source,
    SourceUrl,
    Dateline,
    Image,
    Language,
    Status,
    PublishAt,
    EmbargoUntil,
    FirstPublishedAt,
    PublishedAt,
    UpdatedAt,
    CreatedAt,
    Version,
    WordCount,
    CanonicalUrl,
    Corrections,
}

#[derive(DeriveIden, Clone, Copy)]
enum ArticleAuthors {
    Table,
    ArticleId,
    AuthorId,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum ArticleTags {
    Table,
    ArticleId,
    TagId,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum ArticleSections {
    Table,
    ArticleId,
    SectionId,
    Position,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sections::Table)
                    .col(big_pk_auto(Sections::Id))
                    .col(string_uniq(Sections::Slug))
                    .col(string(Sections::Name))
                    .col(string_null(Sections::NameEn))
                    .col(big_integer_null(Sections::ParentId))
                    .col(integer(Sections::Position).default(0))
                    .col(text_null(Sections::Description))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sections_parent")
                            .from(Sections::Table, Sections::ParentId)
                            .to(Sections::Table, Sections::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Authors::Table)
                    .col(big_pk_auto(Authors::Id))
                    .col(string_uniq(Authors::Slug))
                    .col(string(Authors::Name))
                    .col(text_null(Authors::Bio))
                    .col(string_null(Authors::AvatarUrl))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Tags::Table)
                    .col(big_pk_auto(Tags::Id))
                    .col(string_uniq(Tags::Slug))
                    .col(string(Tags::Name))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Articles::Table)
                    .col(big_pk_auto(Articles::Id))
                    .col(string_uniq(Articles::Slug))
                    .col(string_null(Articles::ExternalId).unique_key())
                    .col(text(Articles::Headline))
                    .col(text_null(Articles::Kicker))
                    .col(text_null(Articles::Summary))
                    .col(json(Articles::Body))
                    .col(big_integer(Articles::SectionId))
                    .col(string_null(Articles::Desk))
                    .col(string_null(Articles::Source))
                    .col(text_null(Articles::SourceUrl))
                    .col(string_null(Articles::Dateline))
                    .col(json_null(Articles::Image))
                    .col(string(Articles::Language).default("bn"))
                    .col(string(Articles::Status))
                    .col(timestamp_with_time_zone_null(Articles::PublishAt))
                    .col(timestamp_with_time_zone_null(Articles::EmbargoUntil))
                    .col(timestamp_with_time_zone_null(Articles::FirstPublishedAt))
                    .col(timestamp_with_time_zone_null(Articles::PublishedAt))
                    .col(timestamp_with_time_zone(Articles::UpdatedAt))
                    .col(timestamp_with_time_zone(Articles::CreatedAt))
                    .col(integer(Articles::Version).default(1))
                    .col(integer(Articles::WordCount).default(0))
                    .col(text_null(Articles::CanonicalUrl))
                    .col(json(Articles::Corrections))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_articles_section")
                            .from(Articles::Table, Articles::SectionId)
                            .to(Sections::Table, Sections::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // Latest public articles, site-wide and per section, in keyset order.
        manager
            .create_index(
                Index::create()
                    .name("ix_articles_status_published")
                    .table(Articles::Table)
                    .col(Articles::Status)
                    .col((Articles::PublishedAt, IndexOrder::Desc))
                    .col((Articles::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_articles_section_published")
                    .table(Articles::Table)
                    .col(Articles::SectionId)
                    .col((Articles::PublishedAt, IndexOrder::Desc))
                    .col((Articles::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;

        link_table(
            manager,
            ArticleAuthors::Table,
            ArticleAuthors::ArticleId,
            ArticleAuthors::AuthorId,
            ArticleAuthors::Position,
            Authors::Table,
            Authors::Id,
            "article_authors",
        )
        .await?;
        link_table(
            manager,
            ArticleTags::Table,
            ArticleTags::ArticleId,
            ArticleTags::TagId,
            ArticleTags::Position,
            Tags::Table,
            Tags::Id,
            "article_tags",
        )
        .await?;
        link_table(
            manager,
            ArticleSections::Table,
            ArticleSections::ArticleId,
            ArticleSections::SectionId,
            ArticleSections::Position,
            Sections::Table,
            Sections::Id,
            "article_sections",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ArticleSections::Table.into_iden(),
            ArticleTags::Table.into_iden(),
            ArticleAuthors::Table.into_iden(),
            Articles::Table.into_iden(),
            Tags::Table.into_iden(),
            Authors::Table.into_iden(),
            Sections::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// A many-to-many link from articles to `target`, ordered by `position`,
/// with an index for the reverse lookup (all articles of a tag, say).
#[allow(clippy::too_many_arguments)]
async fn link_table<T, A, B, P, TT, TI>(
    manager: &SchemaManager<'_>,
    table: T,
    article_col: A,
    other_col: B,
    position: P,
    target: TT,
    target_id: TI,
    name: &str,
) -> Result<(), DbErr>
where
    T: IntoIden + Copy + 'static,
    A: IntoIden + Copy + 'static,
    B: IntoIden + Copy + 'static,
    P: IntoIden + 'static,
    TT: IntoIden + 'static,
    TI: IntoIden + 'static,
{
    manager
        .create_table(
            Table::create()
                .table(table)
                .col(big_integer(article_col))
                .col(big_integer(other_col))
                .col(integer(position).default(0))
                .primary_key(Index::create().col(article_col).col(other_col))
                .foreign_key(
                    ForeignKey::create()
                        .name(format!("fk_{name}_article"))
                        .from(table, article_col)
                        .to(Articles::Table, Articles::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name(format!("fk_{name}_target"))
                        .from(table, other_col)
                        .to(target, target_id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name(format!("ix_{name}_reverse"))
                .table(table)
                .col(other_col)
                .col(article_col)
                .to_owned(),
        )
        .await
}
