use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "articles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    #[sea_orm(unique)]
    pub external_id: Option<String>,
    pub headline: String,
    pub kicker: Option<String>,
    pub summary: Option<String>,
    /// `Vec<domain::Block>` as JSON.
    pub body: Json,
    pub section_id: i64,
    pub desk: Option<String>,
    pub source: Option<String>,
    pub source_url: Option<String>,
    pub dateline: Option<String>,
    /// `Option<domain::Image>` as JSON.
    pub image: Option<Json>,
    pub language: String,
    pub status: String,
    pub publish_at: Option<DateTimeUtc>,
    pub embargo_until: Option<DateTimeUtc>,
    pub first_published_at: Option<DateTimeUtc>,
    pub published_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub version: i32,
    pub word_count: i32,
    pub canonical_url: Option<String>,
    /// `Vec<domain::Correction>` as JSON.
    pub corrections: Json,
    pub unpublish_reason: Option<String>,
    pub deleted_at: Option<DateTimeUtc>,
    pub breaking_until: Option<DateTimeUtc>,
    /// `domain::ArticleKind` as text.
    pub kind: String,
    /// `domain::LiveState` as text.
    pub live_state: Option<String>,
    /// `domain::Access` as text.
    pub access: String,
    /// The id of the first article of its translations (itself included).
    pub translation_group: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
