//! Related stories kept per article (`related_lists`): the service's scored
//! list, stored as it hands it over, read back on a reader's request, and
//! forgotten when the search index learns of a change that may alter it.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::OnConflict};

use crate::entities::related_list;
use crate::error::RepoError;
use crate::repo::{ContentRepo, micros};

impl ContentRepo {
    /// `article_id`'s kept list and when it was computed.
    pub async fn kept_related(
        &self,
        article_id: i64,
    ) -> Result<Option<(DateTime<Utc>, String)>, RepoError> {
        let select = related_list::Entity::find_by_id(article_id);
        let rows: Vec<related_list::Model> = self.db.read_all(self.db.statement(&select)).await?;
        Ok(rows.into_iter().next().map(|r| (r.computed_at, r.items)))
    }

    /// Keeps `items` as `article_id`'s list, computed at `at` (replacing
    /// any). An article deleted meanwhile keeps nothing.
    pub async fn keep_related(
        &self,
        article_id: i64,
        at: DateTime<Utc>,
        items: &str,
    ) -> Result<(), RepoError> {
        let model = related_list::ActiveModel {
            article_id: sea_orm::ActiveValue::Set(article_id),
            computed_at: sea_orm::ActiveValue::Set(micros(at)),
            items: sea_orm::ActiveValue::Set(items.to_owned()),
        };
        let done = related_list::Entity::insert(model)
            .on_conflict(
                OnConflict::column(related_list::Column::ArticleId)
                    .update_columns([
                        related_list::Column::ComputedAt,
                        related_list::Column::Items,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&self.db.conn)
            .await;
        match done {
            Ok(_) => Ok(()),
            // The article went (its row cascades away): nothing to keep.
            Err(e) if is_foreign_key_violation(&e) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Forgets the kept lists of `ids`; how many there were.
    pub async fn forget_related(&self, ids: &[i64]) -> Result<u64, RepoError> {
        let mut n = 0;
        for chunk in ids.chunks(500) {
            n += related_list::Entity::delete_many()
                .filter(related_list::Column::ArticleId.is_in(chunk.to_vec()))
                .exec(&self.db.conn)
                .await?
                .rows_affected;
        }
        Ok(n)
    }

    /// Forgets every kept list (after a change too large to follow one
    /// article at a time: an import, `barta reindex`).
    pub async fn forget_all_related(&self) -> Result<u64, RepoError> {
        Ok(related_list::Entity::delete_many()
            .exec(&self.db.conn)
            .await?
            .rows_affected)
    }
}

fn is_foreign_key_violation(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_))
    )
}
