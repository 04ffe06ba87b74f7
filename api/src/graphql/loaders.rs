//! DataLoaders: the sections, authors, tags and bodies of a whole response
//! are fetched in a constant number of queries, however many articles it
//! holds. Created per request, so their caches never outlive it.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use domain::{Article, Author, Section, Tag};

use app::AppError;
use app::content::ContentService;

pub type LoadError = Arc<AppError>;

/// Key for "all sections": the tree is small and loaded whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AllSections;

pub struct ContentLoader(pub ContentService);

impl Loader<AllSections> for ContentLoader {
    type Value = Arc<Vec<Section>>;
    type Error = LoadError;

    async fn load(
        &self,
        _: &[AllSections],
    ) -> Result<HashMap<AllSections, Self::Value>, Self::Error> {
        let sections = self.0.cached_sections().await.map_err(AppError::from)?;
        Ok(HashMap::from([(AllSections, Arc::new(sections))]))
    }
}

/// Author by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthorKey(pub i64);

impl Loader<AuthorKey> for ContentLoader {
    type Value = Author;
    type Error = LoadError;

    async fn load(&self, keys: &[AuthorKey]) -> Result<HashMap<AuthorKey, Author>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let authors = self.0.authors_by_ids(&ids).await?;
        Ok(authors
            .into_iter()
            .map(|(id, a)| (AuthorKey(id), a))
            .collect())
    }
}

/// Tag by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TagKey(pub i64);

impl Loader<TagKey> for ContentLoader {
    type Value = Tag;
    type Error = LoadError;

    async fn load(&self, keys: &[TagKey]) -> Result<HashMap<TagKey, Tag>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let tags = self.0.tags_by_ids(&ids).await?;
        Ok(tags.into_iter().map(|(id, t)| (TagKey(id), t)).collect())
    }
}

/// A whole public article (body and all) by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FullArticleKey(pub i64);

impl Loader<FullArticleKey> for ContentLoader {
    type Value = Arc<Article>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[FullArticleKey],
    ) -> Result<HashMap<FullArticleKey, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let articles = self.0.articles_by_ids(&ids).await?;
        Ok(articles
            .into_iter()
            .map(|a| (FullArticleKey(a.summary.id), Arc::new(a)))
            .collect())
    }
}

/// Comment count and open flag of a public article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommentStatsKey(pub i64);

impl Loader<CommentStatsKey> for ContentLoader {
    type Value = persistence::CommentStats;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CommentStatsKey],
    ) -> Result<HashMap<CommentStatsKey, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let stats = self.0.comment_stats(&ids).await?;
        Ok(stats
            .into_iter()
            .map(|(id, s)| (CommentStatsKey(id), s))
            .collect())
    }
}

pub type Loaders = DataLoader<ContentLoader, HashMapCache>;

/// The public versions of an article's story in other languages (three
/// statements for every article of the response).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TranslationsKey(pub i64);

impl Loader<TranslationsKey> for ContentLoader {
    type Value = Arc<Vec<app::content::Translation>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[TranslationsKey],
    ) -> Result<HashMap<TranslationsKey, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let found = self.0.translations_by_ids(&ids).await?;
        Ok(found
            .into_iter()
            .map(|(id, t)| (TranslationsKey(id), Arc::new(t)))
            .collect())
    }
}

/// How many public articles an author wrote (one statement for every
/// author of the response).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthorCountKey(pub i64);

impl Loader<AuthorCountKey> for ContentLoader {
    type Value = i64;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AuthorCountKey],
    ) -> Result<HashMap<AuthorCountKey, i64>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let counts = self.0.author_article_counts(&ids).await?;
        Ok(keys
            .iter()
            .map(|k| (*k, counts.get(&k.0).copied().unwrap_or(0)))
            .collect())
    }
}

/// How many public articles carry a tag (batched as authors').
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TagCountKey(pub i64);

impl Loader<TagCountKey> for ContentLoader {
    type Value = i64;
    type Error = LoadError;

    async fn load(&self, keys: &[TagCountKey]) -> Result<HashMap<TagCountKey, i64>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let counts = self.0.tag_article_counts(&ids).await?;
        Ok(keys
            .iter()
            .map(|k| (*k, counts.get(&k.0).copied().unwrap_or(0)))
            .collect())
    }
}

pub fn loaders(svc: ContentService) -> Loaders {
    DataLoader::with_cache(ContentLoader(svc), tokio::spawn, HashMapCache::default())
}
