//! Reads for feeds, sitemaps and the partners' change feed. Every query
//! filters with [`public_condition`], the SQL twin of `domain::is_public`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, Order, QueryFilter, QueryOrder, QuerySelect,
};

use crate::changes::Change;
use crate::entities::{article, change};
use crate::error::RepoError;
use crate::repo::{ContentRepo, micros, public_condition};

/// One public article as a sitemap lists it.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct SitemapEntry {
    pub id: i64,
    pub slug: String,
    pub section_id: i64,
    pub language: String,
    pub headline: String,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// The story it is a version of (`None`: it is the first, or alone).
    pub translation_group: Option<i64>,
}

impl SitemapEntry {
    /// The story it belongs to: its group, or itself.
    pub fn story(&self) -> i64 {
        self.translation_group.unwrap_or(self.id)
    }
}

/// The public versions of the stories of some sitemap entries
/// ([`ContentRepo::public_story_versions`]).
pub type StoryVersions = std::collections::HashMap<i64, Vec<SitemapEntry>>;

impl SitemapEntry {
    /// When the article last changed as readers see it (a scheduled
    /// article's go-live is later than its last edit).
    pub fn last_modified(&self) -> DateTime<Utc> {
        self.published_at
            .map_or(self.updated_at, |p| p.max(self.updated_at))
    }
}

/// One article sitemap: the public articles whose ids fall in
/// `(n - 1) * size + 1 ..= n * size`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapBucket {
    /// 1-based.
    pub n: i64,
    pub count: i64,
    pub last_modified: Option<DateTime<Utc>>,
}

#[derive(Debug, FromQueryResult)]
struct BucketRow {
    bucket: i64,
    n: i64,
    updated: Option<DateTime<Utc>>,
    published: Option<DateTime<Utc>>,
}

#[derive(Debug, FromQueryResult)]
struct MaxRow {
    at: Option<DateTime<Utc>>,
}

fn entry_columns() -> [article::Column; 8] {
    use article::Column as C;
    [
        C::Id,
        C::Slug,
        C::SectionId,
        C::Language,
        C::Headline,
        C::PublishedAt,
        C::UpdatedAt,
        C::TranslationGroup,
    ]
}

impl ContentRepo {
    /// The non-empty article sitemaps: public articles grouped by id range
    /// (`size` ids each, so a sitemap never holds more than `size` URLs and
    /// an article never moves to another sitemap). One query.
    pub async fn sitemap_buckets(
        &self,
        size: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<SitemapBucket>, RepoError> {
        let size = size.max(1);
        let bucket = format!("(id - 1) / {size}");
        let rows: Vec<BucketRow> = article::Entity::find()
            .select_only()
            .column_as(Expr::cust(bucket.clone()), "bucket")
            .column_as(article::Column::Id.count(), "n")
            .column_as(article::Column::UpdatedAt.max(), "updated")
            .column_as(article::Column::PublishedAt.max(), "published")
            .filter(public_condition(now))
            .group_by(Expr::cust(bucket.clone()))
            .order_by(Expr::cust(bucket), Order::Asc)
            .into_model::<BucketRow>()
            .all(&self.db.conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| SitemapBucket {
                n: r.bucket + 1,
                count: r.n,
                last_modified: match (r.updated, r.published) {
                    (Some(u), Some(p)) => Some(u.max(p)),
                    (u, p) => u.or(p),
                },
            })
            .collect())
    }

    /// Public articles with ids in `first..=last`, by id.
    pub async fn sitemap_entries(
        &self,
        first: i64,
        last: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<SitemapEntry>, RepoError> {
        Ok(article::Entity::find()
            .select_only()
            .columns(entry_columns())
            .filter(public_condition(now))
            .filter(article::Column::Id.between(first, last))
            .order_by_asc(article::Column::Id)
            .into_model::<SitemapEntry>()
            .all(&self.db.conn)
            .await?)
    }

    /// The public versions of the stories of `entries`, by story, for the
    /// stories with more than one (hreflang alternates). `anchors` is the
    /// id range the entries came from (their stories' first versions are
    /// found by it, not by listing every id).
    pub async fn public_story_versions(
        &self,
        entries: &[SitemapEntry],
        anchors: Option<(i64, i64)>,
        now: DateTime<Utc>,
    ) -> Result<StoryVersions, RepoError> {
        let mut groups: Vec<i64> = entries.iter().filter_map(|e| e.translation_group).collect();
        groups.sort_unstable();
        groups.dedup();
        let mut any = sea_orm::Condition::any();
        match anchors {
            Some((first, last)) => {
                any = any.add(article::Column::TranslationGroup.between(first, last));
            }
            None => {
                let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
                if !ids.is_empty() {
                    any = any.add(article::Column::TranslationGroup.is_in(ids));
                }
            }
        }
        if !groups.is_empty() {
            any = any
                .add(article::Column::TranslationGroup.is_in(groups.clone()))
                .add(article::Column::Id.is_in(groups));
        }
        let members: Vec<SitemapEntry> = article::Entity::find()
            .select_only()
            .columns(entry_columns())
            .filter(public_condition(now))
            .filter(any)
            .order_by_asc(article::Column::Id)
            .into_model::<SitemapEntry>()
            .all(&self.db.conn)
            .await?;
        let mut by_story = StoryVersions::new();
        for m in members {
            by_story.entry(m.story()).or_default().push(m);
        }
        // A story's anchor is no member of its group by the column: add the
        // anchors among the entries (they are public), then keep stories
        // with more than one version.
        for e in entries {
            if e.translation_group.is_none()
                && let Some(v) = by_story.get_mut(&e.id)
                && !v.iter().any(|m| m.id == e.id)
            {
                v.push(e.clone());
            }
        }
        by_story.retain(|_, v| v.len() > 1);
        Ok(by_story)
    }

    /// Public articles published since `since`, newest first, at most
    /// `limit` (the Google News sitemap).
    pub async fn recent_public_entries(
        &self,
        since: DateTime<Utc>,
        languages: &[String],
        limit: u64,
        now: DateTime<Utc>,
    ) -> Result<Vec<SitemapEntry>, RepoError> {
        let mut select = article::Entity::find()
            .select_only()
            .columns(entry_columns())
            .filter(public_condition(now));
        if !languages.is_empty() {
            select = select.filter(crate::repo::languages_condition(languages));
        }
        Ok(select
            .filter(article::Column::PublishedAt.gte(micros(since)))
            .order_by(article::Column::PublishedAt, Order::Desc)
            .order_by(article::Column::Id, Order::Desc)
            .limit(limit)
            .into_model::<SitemapEntry>()
            .all(&self.db.conn)
            .await?)
    }

    /// When the content last changed as of `now`: the latest change-log
    /// entry in effect (scheduled go-lives count once their time has come).
    pub async fn last_change_at(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, RepoError> {
        let row = change::Entity::find()
            .select_only()
            .column_as(change::Column::EffectiveAt.max(), "at")
            .filter(change::Column::EffectiveAt.lte(micros(now)))
            .filter(change::Column::ArticleId.ne(crate::changes::COLLECTION_ROW))
            .into_model::<MaxRow>()
            .one(&self.db.conn)
            .await?;
        Ok(row.and_then(|r| r.at))
    }

    /// The change-log rows of `article_ids` in effect by `until`, in
    /// (effective time, id) order: their visibility histories.
    pub async fn change_histories(
        &self,
        article_ids: &[i64],
        until: DateTime<Utc>,
    ) -> Result<Vec<Change>, RepoError> {
        if article_ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(change::Entity::find()
            .filter(change::Column::ArticleId.is_in(article_ids.to_vec()))
            .filter(change::Column::EffectiveAt.lte(micros(until)))
            .order_by_asc(change::Column::ArticleId)
            .order_by_asc(change::Column::EffectiveAt)
            .order_by_asc(change::Column::Id)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(Change::from)
            .collect())
    }

    /// Why articles are off the public surfaces, for tombstones: the
    /// editor's unpublish reason, else `deleted`, `unpublished`,
    /// `embargoed`, `scheduled` or `withdrawn`.
    pub async fn takedown_reasons(
        &self,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<HashMap<i64, String>, RepoError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = article::Entity::find()
            .filter(article::Column::Id.is_in(ids.to_vec()))
            .all(&self.db.conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|m| {
                let reason = match (&m.unpublish_reason, m.deleted_at) {
                    (Some(r), _) => r.clone(),
                    (None, Some(_)) => "deleted".to_owned(),
                    _ if m.status == "unpublished" => "unpublished".to_owned(),
                    _ if m.embargo_until.is_some_and(|e| e > now) => "embargoed".to_owned(),
                    _ if m.status == "scheduled" => "scheduled".to_owned(),
                    _ => "withdrawn".to_owned(),
                };
                (m.id, reason)
            })
            .collect())
    }
}
