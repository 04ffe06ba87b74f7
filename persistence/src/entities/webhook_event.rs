use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub event_type: String,
    pub article_id: Option<i64>,
    /// A collection's slug, a comment's id.
    pub subject: Option<String>,
    /// Event details as JSON (an unpublish reason, surrogate keys).
    pub data: Option<String>,
    pub due_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    /// Set for timed events, so a re-planned schedule raises one.
    pub dedupe_key: Option<String>,
    pub dispatched: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
