use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "images")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The secret half of the public URL (hex); `None` for pictures from
    /// before keys.
    pub url_key: Option<String>,
    pub width: i32,
    pub height: i32,
    /// `jpeg`, `png`, `webp`.
    pub format: String,
    pub bytes: i64,
    /// Of the stored original, hex.
    pub sha256: String,
    pub focal_x: f64,
    pub focal_y: f64,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub decorative: bool,
    pub placeholder: String,
    pub dominant_color: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
