use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub url: String,
    /// Subscribed event names, comma-separated.
    pub events: String,
    pub secret: String,
    pub active: bool,
    pub description: Option<String>,
    /// `public` (the article as the REST API shows it) or `ninjs`.
    pub format: String,
    /// Why the server turned the webhook off (retries exhausted).
    pub disabled_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The instance delivering to this webhook now, and until when.
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
