//! What the feeds, sitemaps and operational endpoints read beyond articles:
//! the change log, sitemap buckets, the database's health. Thin on purpose:
//! the surfaces still go through the service floor, never to the
//! repository.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::ApiKey;
use persistence::{Change, CommentStats, SitemapBucket, SitemapEntry};

use crate::content::ContentService;
use crate::error::AppError;

impl ContentService {
    /// When the newest change in effect by now took effect (articles only):
    /// the `Last-Modified` of feeds and sitemaps.
    pub async fn last_change_at(&self) -> Result<Option<DateTime<Utc>>, AppError> {
        Ok(self.repo().last_change_at(self.now()).await?)
    }

    /// The newest change-log id (0 when empty).
    pub async fn last_change_id(&self) -> Result<i64, AppError> {
        Ok(self.repo().last_change_id().await?)
    }

    /// Article change-log rows in (effective time, id) order after `after`,
    /// up to `until`.
    pub async fn changes_by_effective_time(
        &self,
        after: Option<(DateTime<Utc>, i64)>,
        until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Change>, AppError> {
        Ok(self
            .repo()
            .changes_by_effective_time(after, until, limit)
            .await?)
    }

    /// The visibility histories of `article_ids` up to `until`.
    pub async fn change_histories(
        &self,
        article_ids: &[i64],
        until: DateTime<Utc>,
    ) -> Result<Vec<Change>, AppError> {
        Ok(self.repo().change_histories(article_ids, until).await?)
    }

    /// Why each of `article_ids` was taken down (the reason given on
    /// unpublishing), as of `at`.
    pub async fn takedown_reasons(
        &self,
        article_ids: &[i64],
        at: DateTime<Utc>,
    ) -> Result<HashMap<i64, String>, AppError> {
        Ok(self.repo().takedown_reasons(article_ids, at).await?)
    }

    /// The public articles in sitemap files of `size` entries.
    pub async fn sitemap_buckets(&self, size: u32) -> Result<Vec<SitemapBucket>, AppError> {
        Ok(self.repo().sitemap_buckets(size, self.now()).await?)
    }

    /// The public articles with ids in `first..=last`.
    pub async fn sitemap_entries(
        &self,
        first: i64,
        last: i64,
    ) -> Result<Vec<SitemapEntry>, AppError> {
        Ok(self.repo().sitemap_entries(first, last, self.now()).await?)
    }

    /// The public versions of the stories of `entries` that have more than
    /// one (`anchors`: the id range the entries came from, if any).
    pub async fn story_versions(
        &self,
        entries: &[SitemapEntry],
        anchors: Option<(i64, i64)>,
    ) -> Result<persistence::StoryVersions, AppError> {
        Ok(self
            .repo()
            .public_story_versions(entries, anchors, self.now())
            .await?)
    }

    /// Public articles published since `since` (in one of `lang`'s
    /// languages, when given: `en`, `bn,en`), newest first.
    pub async fn recent_public_entries(
        &self,
        since: DateTime<Utc>,
        lang: Option<&str>,
        limit: u64,
    ) -> Result<Vec<SitemapEntry>, AppError> {
        let languages =
            crate::content::parse_languages(lang).map_err(|e| AppError::Invalid(vec![e]))?;
        Ok(self
            .repo()
            .recent_public_entries(since, &languages, limit, self.now())
            .await?)
    }

    /// Comment count and open flag of each article.
    pub async fn comment_stats(
        &self,
        article_ids: &[i64],
    ) -> Result<HashMap<i64, CommentStats>, AppError> {
        Ok(self.repo().comment_stats(article_ids).await?)
    }

    /// Every API key (admin; the secrets are not stored).
    pub async fn api_keys(&self) -> Result<Vec<ApiKey>, AppError> {
        Ok(self.repo().keys().await?)
    }

    /// Whether the database answers; a failure is [`AppError::Unavailable`].
    pub async fn ping(&self) -> Result<(), AppError> {
        self.repo()
            .database()
            .ping()
            .await
            .map_err(AppError::Unavailable)
    }

    /// `sqlite` or `postgresql`.
    pub fn backend_name(&self) -> &'static str {
        self.repo().database().backend_name()
    }

    /// The connection pool's size and idle connections.
    pub fn pool_stats(&self) -> (u32, usize) {
        self.repo().database().pool_stats()
    }

    /// The read replicas as last seen, and public reads served by the
    /// primary and by replicas (`None` without replicas).
    pub fn replica_status(&self) -> (Vec<persistence::ReplicaStatus>, Option<(u64, u64)>) {
        let db = self.repo().database();
        (db.replica_status(), db.read_counts())
    }

    /// How many reads the database runs at once (its read connections).
    pub fn read_connections(&self) -> usize {
        self.repo().database().read_connections()
    }
}
