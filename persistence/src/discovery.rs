//! Discovery reads and writes: view counters (most read), collections,
//! breaking news, and batches of public articles for the search index.

use chrono::{DateTime, Utc};
use domain::{Article, ArticleSummary};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};
use serde_json::json;

use crate::changes::record_collection_change;
use crate::editorial::{WriteContext, audit};
use crate::entities::{article, collection, collection_item};
use crate::error::RepoError;
use crate::repo::{ContentRepo, micros, public_condition, storable};

/// What a collection is: a curated list (lead stories, editors' picks) or
/// a series (articles on one running story, with its own feed). Both share
/// one slug space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectionKind {
    List,
    Series,
}

impl CollectionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::List => "list",
            Self::Series => "series",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "series" {
            Self::Series
        } else {
            Self::List
        }
    }
}

/// A curated, ordered list of articles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    pub kind: CollectionKind,
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// Article ids in editorial order (any status: readers get the public ones).
    pub article_ids: Vec<i64>,
}

impl ContentRepo {
    /// Adds view counts: `(article id, hour bucket, count)`, summed into the
    /// hourly counters in one transaction.
    pub async fn add_views(&self, counts: &[(i64, DateTime<Utc>, u64)]) -> Result<(), RepoError> {
        if counts.is_empty() {
            return Ok(());
        }
        let backend = self.db.conn.get_database_backend();
        let txn = self.db.begin_write().await?;
        for (article_id, hour, n) in counts {
            let n = i64::try_from(*n).unwrap_or(i64::MAX);
            let sql = match backend {
                sea_orm::DbBackend::Postgres => {
                    "INSERT INTO article_views (article_id, hour, views) \
                     SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM articles WHERE id = $1) \
                     ON CONFLICT (article_id, hour) DO UPDATE SET views = article_views.views + EXCLUDED.views"
                }
                _ => {
                    "INSERT INTO article_views (article_id, hour, views) \
                     SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM articles WHERE id = ?1) \
                     ON CONFLICT (article_id, hour) DO UPDATE SET views = article_views.views + excluded.views"
                }
            };
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [(*article_id).into(), micros(*hour).into(), n.into()],
            ))
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Articles with the most views since `since`, most first:
    /// `(article id, views)`, public or not (the caller filters).
    pub async fn most_viewed(
        &self,
        since: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<(i64, i64)>, RepoError> {
        let backend = self.db.conn.get_database_backend();
        let sql = match backend {
            sea_orm::DbBackend::Postgres => {
                "SELECT article_id, CAST(SUM(views) AS BIGINT) AS total FROM article_views WHERE hour >= $1 \
                 GROUP BY article_id ORDER BY total DESC, article_id DESC LIMIT $2"
            }
            _ => {
                "SELECT article_id, SUM(views) AS total FROM article_views WHERE hour >= ?1 \
                 GROUP BY article_id ORDER BY total DESC, article_id DESC LIMIT ?2"
            }
        };
        let rows = self
            .db
            .conn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [
                    micros(since).into(),
                    i64::try_from(limit).unwrap_or(i64::MAX).into(),
                ],
            ))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.try_get("", "article_id")?;
            let total: i64 = row.try_get("", "total")?;
            out.push((id, total));
        }
        Ok(out)
    }

    /// Public articles flagged breaking (flag not expired), newest first.
    pub async fn breaking_public(
        &self,
        now: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<ArticleSummary>, RepoError> {
        let ids: Vec<i64> = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .filter(public_condition(now))
            .filter(article::Column::BreakingUntil.gt(micros(now)))
            .order_by_desc(article::Column::PublishedAt)
            .order_by_desc(article::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(&self.db.conn)
            .await?;
        let mut items = self.public_summaries_by_ids(&ids, now).await?;
        items.sort_by_key(|a| std::cmp::Reverse((a.published_at, a.id)));
        Ok(items)
    }

    /// Whole public articles with id greater than `after_id`, by id (the
    /// search index rebuild walks the archive with it).
    pub async fn public_articles_after(
        &self,
        after_id: i64,
        limit: u64,
        now: DateTime<Utc>,
    ) -> Result<Vec<Article>, RepoError> {
        let ids: Vec<i64> = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .filter(public_condition(now))
            .filter(article::Column::Id.gt(after_id))
            .order_by_asc(article::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(&self.db.conn)
            .await?;
        let mut articles = self.public_articles_by_ids(&ids, now).await?;
        articles.sort_by_key(|a| a.summary.id);
        Ok(articles)
    }

    /// Articles in any state but deleted, changed at or after `since`
    /// (all when `None`), by id after `after_id` (`barta export`).
    pub async fn articles_after(
        &self,
        after_id: i64,
        limit: u64,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<Article>, RepoError> {
        let mut select = article::Entity::find()
            .filter(article::Column::DeletedAt.is_null())
            .filter(article::Column::Id.gt(after_id));
        if let Some(since) = since {
            select = select.filter(article::Column::UpdatedAt.gte(crate::repo::micros(since)));
        }
        let select = select.order_by_asc(article::Column::Id).limit(limit);
        self.all_linked(select).await
    }

    pub async fn collection(&self, slug: &str) -> Result<Option<Collection>, RepoError> {
        if !storable(slug) {
            return Ok(None);
        }
        let Some(c) = collection::Entity::find()
            .filter(collection::Column::Slug.eq(slug))
            .one(&self.db.conn)
            .await?
        else {
            return Ok(None);
        };
        let article_ids = collection_item::Entity::find()
            .filter(collection_item::Column::CollectionId.eq(c.id))
            .order_by_asc(collection_item::Column::Position)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(|i| i.article_id)
            .collect();
        Ok(Some(Collection {
            kind: CollectionKind::parse(&c.kind),
            id: c.id,
            slug: c.slug,
            name: c.name,
            description: c.description,
            updated_at: c.updated_at,
            article_ids,
        }))
    }

    /// Every collection of `kind`, by slug.
    pub async fn collections(&self, kind: CollectionKind) -> Result<Vec<Collection>, RepoError> {
        let list = collection::Entity::find()
            .filter(collection::Column::Kind.eq(kind.as_str()))
            .order_by_asc(collection::Column::Slug)
            .all(&self.db.conn)
            .await?;
        let mut out = Vec::with_capacity(list.len());
        for c in list {
            if let Some(full) = self.collection(&c.slug).await? {
                out.push(full);
            }
        }
        Ok(out)
    }

    /// Creates or replaces a collection (name and ordered articles).
    pub async fn save_collection(
        &self,
        slug: &str,
        kind: CollectionKind,
        name: &str,
        description: Option<&str>,
        article_ids: &[i64],
        ctx: WriteContext,
    ) -> Result<Collection, RepoError> {
        let txn = self.db.begin_write().await?;
        let existing = collection::Entity::find()
            .filter(collection::Column::Slug.eq(slug))
            .one(&txn)
            .await?;
        let found = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .filter(article::Column::Id.is_in(article_ids.to_vec()))
            .into_tuple::<i64>()
            .all(&txn)
            .await?;
        if let Some((i, missing)) = article_ids
            .iter()
            .enumerate()
            .find(|(_, id)| !found.contains(id))
        {
            return Err(RepoError::Invalid(domain::ValidationError::new(
                format!("articles[{i}]"),
                format!("no article {missing}"),
            )));
        }
        let id = match existing {
            // A series and a list share the slug space.
            Some(c) if c.kind != kind.as_str() => {
                return Err(RepoError::Conflict { field: "slug" });
            }
            Some(c) => {
                let mut m: collection::ActiveModel = c.into();
                m.name = Set(name.to_owned());
                m.description = Set(description.map(str::to_owned));
                m.updated_at = Set(micros(ctx.now));
                m.update(&txn).await?.id
            }
            None => {
                collection::ActiveModel {
                    slug: Set(slug.to_owned()),
                    name: Set(name.to_owned()),
                    description: Set(description.map(str::to_owned)),
                    updated_at: Set(micros(ctx.now)),
                    kind: Set(kind.as_str().to_owned()),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
                .id
            }
        };
        collection_item::Entity::delete_many()
            .filter(collection_item::Column::CollectionId.eq(id))
            .exec(&txn)
            .await?;
        if !article_ids.is_empty() {
            collection_item::Entity::insert_many(article_ids.iter().enumerate().map(|(i, a)| {
                collection_item::ActiveModel {
                    collection_id: Set(id),
                    article_id: Set(*a),
                    position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
                }
            }))
            .exec(&txn)
            .await?;
        }
        audit(
            &txn,
            ctx,
            "collection.save",
            "collection",
            slug,
            json!({"articles": article_ids}),
        )
        .await?;
        record_collection_change(&txn, ctx, slug, "collection.save").await?;
        txn.commit().await?;
        self.collection(slug).await?.ok_or(RepoError::NotFound)
    }

    pub async fn delete_collection(
        &self,
        slug: &str,
        kind: CollectionKind,
        ctx: WriteContext,
    ) -> Result<(), RepoError> {
        if !storable(slug) {
            return Err(RepoError::NotFound);
        }
        let txn = self.db.begin_write().await?;
        let Some(c) = collection::Entity::find()
            .filter(collection::Column::Slug.eq(slug))
            .filter(collection::Column::Kind.eq(kind.as_str()))
            .one(&txn)
            .await?
        else {
            return Err(RepoError::NotFound);
        };
        collection::Entity::delete_by_id(c.id).exec(&txn).await?;
        audit(
            &txn,
            ctx,
            "collection.delete",
            "collection",
            slug,
            json!({}),
        )
        .await?;
        record_collection_change(&txn, ctx, slug, "collection.delete").await?;
        txn.commit().await?;
        Ok(())
    }
}
