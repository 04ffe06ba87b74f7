//! Story packages: an editor's ordered "read more" picks for an article.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;

use crate::editorial::{WriteContext, audit};
use crate::entities::{article, article_pick};
use crate::error::RepoError;
use crate::repo::{ContentRepo, micros};

impl ContentRepo {
    /// The ids of `article_id`'s picks, in order (whatever their status).
    pub async fn picks(&self, article_id: i64) -> Result<Vec<i64>, RepoError> {
        Ok(article_pick::Entity::find()
            .select_only()
            .column(article_pick::Column::PickedId)
            .filter(article_pick::Column::ArticleId.eq(article_id))
            .order_by_asc(article_pick::Column::Position)
            .into_tuple()
            .all(&self.db.conn)
            .await?)
    }

    /// `article_id`'s picks as summaries, in order, whatever their status
    /// (the editors' view; readers see the public ones only).
    pub async fn pick_summaries(
        &self,
        article_id: i64,
    ) -> Result<Vec<domain::ArticleSummary>, RepoError> {
        let ids = self.picks(article_id).await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // The editors' view, answering their writes: on the primary.
        let db = self.db.primary_only();
        let select = crate::repo::summary_select(&db, crate::repo::Links::Load)
            .filter(article::Column::Id.is_in(ids.clone()));
        let rows: Vec<crate::repo::SummaryRow> = db.read_all(db.statement(&select)).await?;
        let mut by_id = std::collections::HashMap::new();
        for row in rows {
            let s = row.into_summary()?;
            by_id.insert(s.id, s);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// Which of `ids` name articles that exist and are not deleted.
    pub async fn existing_articles(&self, ids: &[i64]) -> Result<Vec<i64>, RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .filter(article::Column::Id.is_in(ids.to_vec()))
            .filter(article::Column::DeletedAt.is_null())
            .into_tuple()
            .all(&self.db.conn)
            .await?)
    }

    /// Replaces `article_id`'s picks with `picked`, in order, in one
    /// transaction with its audit entry and a change-log row (so every
    /// instance drops its cached related lists). `false` when there is no
    /// such article.
    pub async fn set_picks(
        &self,
        article_id: i64,
        picked: &[i64],
        ctx: WriteContext,
    ) -> Result<bool, RepoError> {
        let txn = self.db.begin_write().await?;
        let Some(row) = article::Entity::find_by_id(article_id)
            .filter(article::Column::DeletedAt.is_null())
            .one(&txn)
            .await?
        else {
            return Ok(false);
        };
        article_pick::Entity::delete_many()
            .filter(article_pick::Column::ArticleId.eq(article_id))
            .exec(&txn)
            .await?;
        for (position, id) in picked.iter().enumerate() {
            article_pick::ActiveModel {
                article_id: Set(article_id),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                picked_id: Set(*id),
            }
            .insert(&txn)
            .await?;
        }
        audit(
            &txn,
            ctx,
            "article.picks",
            "article",
            article_id,
            json!({"picks": picked}),
        )
        .await?;
        let now = micros(ctx.now);
        let visible = domain::is_public(
            row.status.parse().unwrap_or(domain::ArticleStatus::Draft),
            row.published_at,
            row.publish_at,
            row.embargo_until,
            now,
        );
        crate::changes::insert_row(
            &txn,
            article_id,
            "article.picks".to_owned(),
            now,
            now,
            Some(visible),
        )
        .await?;
        txn.commit().await?;
        Ok(true)
    }
}
