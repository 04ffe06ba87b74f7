//! Uploaded pictures' rows. The bytes live in the image store (`app`); a
//! row is written only after its original is stored, so a row always has
//! its file.

use domain::image::{FocalPoint, ImageAsset, SourceFormat};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::editorial::WriteContext;
use crate::editorial::history::audit;
use crate::entities::image;
use crate::error::RepoError;
use crate::repo::{ContentRepo, micros};

/// A stored original to record.
#[derive(Debug, Clone)]
pub struct NewImage {
    /// The secret half of its public URL (`domain::image::URL_KEY_LEN` hex
    /// digits, random).
    pub url_key: String,
    pub width: u32,
    pub height: u32,
    pub format: SourceFormat,
    pub bytes: u64,
    pub sha256: String,
    pub placeholder: String,
    pub dominant_color: String,
}

/// A change to a picture's text and focal point; `None` leaves a field.
#[derive(Debug, Clone, Default)]
pub struct ImageChange {
    pub alt: Option<Option<String>>,
    pub caption: Option<Option<String>>,
    pub credit: Option<Option<String>>,
    pub decorative: Option<bool>,
    pub focal_point: Option<FocalPoint>,
}

fn format_name(f: SourceFormat) -> &'static str {
    match f {
        SourceFormat::Jpeg => "jpeg",
        SourceFormat::Png => "png",
        SourceFormat::WebP => "webp",
    }
}

fn to_asset(m: image::Model) -> Result<ImageAsset, RepoError> {
    let corrupt = |reason: &str| RepoError::Corrupt {
        table: "images",
        id: m.id,
        reason: reason.to_owned(),
    };
    let format = match m.format.as_str() {
        "jpeg" => SourceFormat::Jpeg,
        "png" => SourceFormat::Png,
        "webp" => SourceFormat::WebP,
        _ => return Err(corrupt("unknown format")),
    };
    let focal_point = FocalPoint::new(m.focal_x, m.focal_y).map_err(|_| corrupt("focal point"))?;
    Ok(ImageAsset {
        id: m.id,
        url_key: m.url_key,
        width: u32::try_from(m.width).map_err(|_| corrupt("width"))?,
        height: u32::try_from(m.height).map_err(|_| corrupt("height"))?,
        format,
        bytes: u64::try_from(m.bytes).map_err(|_| corrupt("bytes"))?,
        focal_point,
        alt: m.alt,
        caption: m.caption,
        credit: m.credit,
        decorative: m.decorative,
        placeholder: m.placeholder,
        dominant_color: m.dominant_color,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

impl ContentRepo {
    /// Records a stored original.
    pub async fn create_image(
        &self,
        new: NewImage,
        ctx: WriteContext,
    ) -> Result<ImageAsset, RepoError> {
        let txn = self.db.begin_write().await?;
        let now = micros(ctx.now);
        let centre = FocalPoint::default();
        let row = image::ActiveModel {
            url_key: Set(Some(new.url_key)),
            width: Set(i32::try_from(new.width).unwrap_or(i32::MAX)),
            height: Set(i32::try_from(new.height).unwrap_or(i32::MAX)),
            format: Set(format_name(new.format).to_owned()),
            bytes: Set(i64::try_from(new.bytes).unwrap_or(i64::MAX)),
            sha256: Set(new.sha256),
            focal_x: Set(centre.x),
            focal_y: Set(centre.y),
            alt: Set(None),
            caption: Set(None),
            credit: Set(None),
            decorative: Set(false),
            placeholder: Set(new.placeholder),
            dominant_color: Set(new.dominant_color),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit(
            &txn,
            ctx,
            "image.upload",
            "image",
            row.id,
            serde_json::json!({}),
        )
        .await?;
        txn.commit().await?;
        to_asset(row)
    }

    pub async fn image(&self, id: i64) -> Result<Option<ImageAsset>, RepoError> {
        image::Entity::find_by_id(id)
            .one(&self.db.conn)
            .await?
            .map(to_asset)
            .transpose()
    }

    /// The picture whose stored original has these bytes (an upload of the
    /// same file again gets the same picture).
    pub async fn image_by_sha256(&self, sha256: &str) -> Result<Option<ImageAsset>, RepoError> {
        image::Entity::find()
            .filter(image::Column::Sha256.eq(sha256))
            .one(&self.db.conn)
            .await?
            .map(to_asset)
            .transpose()
    }

    /// The SHA-256 its stored original is filed under.
    pub async fn image_sha256(&self, id: i64) -> Result<Option<String>, RepoError> {
        Ok(image::Entity::find_by_id(id)
            .one(&self.db.conn)
            .await?
            .map(|m| m.sha256))
    }

    pub async fn images_by_ids(&self, ids: &[i64]) -> Result<Vec<ImageAsset>, RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        image::Entity::find()
            .filter(image::Column::Id.is_in(ids.to_vec()))
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(to_asset)
            .collect()
    }

    /// Changes a picture's text and focal point.
    pub async fn update_image(
        &self,
        id: i64,
        change: ImageChange,
        ctx: WriteContext,
    ) -> Result<ImageAsset, RepoError> {
        let txn = self.db.begin_write().await?;
        let row = image::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(RepoError::NotFound)?;
        let mut active: image::ActiveModel = row.into();
        if let Some(v) = change.alt {
            active.alt = Set(v);
        }
        if let Some(v) = change.caption {
            active.caption = Set(v);
        }
        if let Some(v) = change.credit {
            active.credit = Set(v);
        }
        if let Some(v) = change.decorative {
            active.decorative = Set(v);
        }
        if let Some(f) = change.focal_point {
            active.focal_x = Set(f.x);
            active.focal_y = Set(f.y);
        }
        active.updated_at = Set(micros(ctx.now));
        let row = active.update(&txn).await?;
        audit(
            &txn,
            ctx,
            "image.update",
            "image",
            id,
            serde_json::json!({}),
        )
        .await?;
        txn.commit().await?;
        to_asset(row)
    }
}
