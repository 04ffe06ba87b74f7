//! Preview links: an article shared, published or not, by a token whose
//! SHA-256 is all that is stored.

use chrono::{DateTime, Utc};
use domain::{Article, PreviewLink};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;

use crate::editorial::{WriteContext, audit};
use crate::entities::{article, preview_link};
use crate::error::RepoError;
use crate::repo::{ContentRepo, micros};

fn to_link(m: preview_link::Model) -> PreviewLink {
    PreviewLink {
        id: m.id,
        article_id: m.article_id,
        created_at: m.created_at,
        expires_at: m.expires_at,
        revoked_at: m.revoked_at,
    }
}

impl ContentRepo {
    /// Stores a link to `article_id` by its token's hash; `None` when there
    /// is no such article (or it was deleted).
    pub async fn create_preview_link(
        &self,
        article_id: i64,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        ctx: WriteContext,
    ) -> Result<Option<PreviewLink>, RepoError> {
        let txn = self.db.begin_write().await?;
        let exists = article::Entity::find_by_id(article_id)
            .filter(article::Column::DeletedAt.is_null())
            .one(&txn)
            .await?
            .is_some();
        if !exists {
            return Ok(None);
        }
        let row = preview_link::ActiveModel {
            article_id: Set(article_id),
            token_hash: Set(token_hash.to_owned()),
            created_at: Set(micros(ctx.now)),
            expires_at: Set(micros(expires_at)),
            revoked_at: Set(None),
            created_by: Set(ctx.actor),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit(
            &txn,
            ctx,
            "preview.create",
            "article",
            article_id,
            json!({"link": row.id, "expiresAt": row.expires_at.to_rfc3339()}),
        )
        .await?;
        txn.commit().await?;
        Ok(Some(to_link(row)))
    }

    /// An article's links, newest first, revoked and expired ones included.
    pub async fn preview_links(&self, article_id: i64) -> Result<Vec<PreviewLink>, RepoError> {
        Ok(preview_link::Entity::find()
            .filter(preview_link::Column::ArticleId.eq(article_id))
            .order_by_desc(preview_link::Column::Id)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(to_link)
            .collect())
    }

    /// Revokes one of an article's links; `None` when the article has no
    /// such link (revoking twice keeps the first time).
    pub async fn revoke_preview_link(
        &self,
        article_id: i64,
        link_id: i64,
        ctx: WriteContext,
    ) -> Result<Option<PreviewLink>, RepoError> {
        let txn = self.db.begin_write().await?;
        let Some(row) = preview_link::Entity::find_by_id(link_id)
            .filter(preview_link::Column::ArticleId.eq(article_id))
            .one(&txn)
            .await?
        else {
            return Ok(None);
        };
        let row = if row.revoked_at.is_none() {
            let mut model: preview_link::ActiveModel = row.into();
            model.revoked_at = Set(Some(micros(ctx.now)));
            let row = model.update(&txn).await?;
            audit(
                &txn,
                ctx,
                "preview.revoke",
                "article",
                article_id,
                json!({"link": link_id}),
            )
            .await?;
            row
        } else {
            row
        };
        txn.commit().await?;
        Ok(Some(to_link(row)))
    }

    /// The article a live link opens at `now`, as it stands (any status but
    /// deleted); `None` for an unknown, expired or revoked token alike.
    pub async fn article_by_preview_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(PreviewLink, Article)>, RepoError> {
        let Some(row) = preview_link::Entity::find()
            .filter(preview_link::Column::TokenHash.eq(token_hash))
            .one(&self.db.conn)
            .await?
        else {
            return Ok(None);
        };
        let link = to_link(row);
        if !link.is_live(now) {
            return Ok(None);
        }
        Ok(self
            .article_by_id(link.article_id)
            .await?
            .filter(|a| a.deleted_at.is_none())
            .map(|a| (link, a)))
    }
}
