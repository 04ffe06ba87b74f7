//! GraphQL object types. Each wraps a domain value; related objects come
//! through the per-request loaders.

use app::AppError;
use std::sync::Arc;

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ID, Interface, Object, Result};
use chrono::{DateTime, Utc};
use domain::bangla::{self};
use domain::block::{body_html, body_text, reading_minutes};
use domain::{Article, ArticleSummary, Author, Section, Tag};

use super::context::{global_id, load_error, loaders, service};
use super::loaders::{AllSections, AuthorKey, FullArticleKey, TagKey};
use super::values::{BlockGql, CorrectionGql, ImageGql, StatusGql};
use app::content::{ArticleList, ListParams, Refs};

/// A related story (আরও পড়ুন) and where it comes from.
#[derive(async_graphql::SimpleObject)]
#[graphql(name = "RelatedStory")]
pub struct RelatedStoryGql {
    pub article: ArticleGql,
    /// Hand-picked by an editor (the article's story package): picks come
    /// first, in the editor's order.
    pub editors_pick: bool,
}

/// A news article. List queries fetch only what a card needs; asking for the
/// body loads it (batched across the whole response).
pub struct ArticleGql {
    pub summary: ArticleSummary,
    pub full: Option<Arc<Article>>,
    /// The sections, authors and tags of the list this article came in,
    /// read with the list (no loader round trip per article).
    pub refs: Option<Arc<Refs>>,
}

impl ArticleGql {
    pub fn from_summary(summary: ArticleSummary) -> Self {
        Self {
            summary,
            full: None,
            refs: None,
        }
    }

    /// The related stories of `related` and `relatedStories`, best first.
    async fn related_list(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> Result<Vec<(ArticleSummary, app::discovery::RelatedReason)>> {
        let discovery = ctx.data::<app::discovery::DiscoveryService>()?;
        let limit = first.map(|f| f.to_string());
        Ok(match &self.full {
            // An article in hand may not be public (`previewArticle`): its
            // neighbours as if it were published now.
            Some(full) => {
                let limit = domain::Limit::parse(limit.as_deref())
                    .map_err(|e| AppError::Invalid(vec![e]))?;
                discovery.related_to(full, limit).await?
            }
            None => match discovery
                .related(&self.summary.id.to_string(), limit.as_deref())
                .await
            {
                // Unpublished since it was listed: no neighbours.
                Err(AppError::NotFound(_)) => Vec::new(),
                other => other?,
            },
        })
    }

    pub fn from_article(a: Article) -> Self {
        Self {
            summary: a.summary.clone(),
            full: Some(Arc::new(a)),
            refs: None,
        }
    }

    async fn full(&self, ctx: &Context<'_>) -> Result<Arc<Article>> {
        if let Some(full) = &self.full {
            return Ok(full.clone());
        }
        loaders(ctx)?
            .load_one(FullArticleKey(self.summary.id))
            .await
            .map_err(load_error)?
            .ok_or_else(|| AppError::not_found("the article is no longer public").into())
    }
}

/// A version of a story in another language.
#[derive(async_graphql::SimpleObject)]
#[graphql(name = "Translation")]
pub struct TranslationGql {
    /// The article's global id (fetch it with `node` or `article`).
    pub id: ID,
    pub database_id: String,
    /// BCP 47 language tag.
    pub language: String,
    pub slug: String,
    pub headline: String,
    /// Its page on the public site (`BARTA_ARTICLE_URL`).
    pub url: String,
}

#[Object(name = "Article")]
impl ArticleGql {
    /// Global id (for `node`).
    async fn id(&self) -> ID {
        global_id("Article", self.summary.id)
    }
    /// The id used in REST URLs.
    async fn database_id(&self) -> String {
        self.summary.id.to_string()
    }
    async fn slug(&self) -> &str {
        &self.summary.slug
    }
    async fn headline(&self) -> &str {
        &self.summary.headline
    }
    /// Shoulder line above the headline.
    async fn kicker(&self) -> Option<&str> {
        self.summary.kicker.as_deref()
    }
    /// Standfirst.
    async fn summary(&self) -> Option<&str> {
        self.summary.summary.as_deref()
    }
    async fn desk(&self) -> Option<&str> {
        self.summary.desk.as_deref()
    }
    async fn status(&self) -> StatusGql {
        self.summary.status.into()
    }
    async fn image(&self) -> Option<ImageGql> {
        self.summary.image.as_ref().map(Into::into)
    }
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.summary.published_at
    }
    /// `১২ নভেম্বর ২০২৪, ১১:৩১ এএম` (Asia/Dhaka).
    async fn published_at_bn(&self) -> Option<String> {
        self.summary.published_at.map(bangla::format_datetime_bn)
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.summary.updated_at
    }
    async fn updated_at_bn(&self) -> String {
        bangla::format_datetime_bn(self.summary.updated_at)
    }
    /// `publishedAt` in `locale` (Asia/Dhaka): `12 November 2024, 11:31 AM`
    /// in English.
    async fn published_at_local(
        &self,
        #[graphql(default)] locale: super::values::LocaleGql,
    ) -> Option<String> {
        let l = bangla::Locale::from(locale);
        self.summary.published_at.map(|t| l.datetime(t))
    }
    /// `updatedAt` in `locale`.
    async fn updated_at_local(
        &self,
        #[graphql(default)] locale: super::values::LocaleGql,
    ) -> String {
        bangla::Locale::from(locale).datetime(self.summary.updated_at)
    }
    async fn word_count(&self) -> u32 {
        self.summary.word_count
    }
    async fn reading_minutes(&self) -> u32 {
        reading_minutes(self.summary.word_count as usize)
    }
    /// The primary section.
    async fn section(&self, ctx: &Context<'_>) -> Result<Option<SectionGql>> {
        let id = self.summary.section_id;
        let section = match &self.refs {
            Some(refs) => refs.sections.get(&id).cloned(),
            None => service(ctx)?
                .section_map()
                .await
                .map_err(AppError::from)?
                .get(&id)
                .cloned(),
        };
        Ok(section.map(SectionGql))
    }
    /// Bylines, in order.
    async fn authors(&self, ctx: &Context<'_>) -> Result<Vec<AuthorGql>> {
        if let Some(refs) = &self.refs {
            return Ok(refs
                .authors_of(&self.summary)
                .cloned()
                .map(AuthorGql)
                .collect());
        }
        let keys: Vec<AuthorKey> = self
            .summary
            .author_ids
            .iter()
            .map(|id| AuthorKey(*id))
            .collect();
        let found = loaders(ctx)?.load_many(keys).await.map_err(load_error)?;
        Ok(self
            .summary
            .author_ids
            .iter()
            .filter_map(|id| found.get(&AuthorKey(*id)).cloned().map(AuthorGql))
            .collect())
    }
    async fn tags(&self, ctx: &Context<'_>) -> Result<Vec<TagGql>> {
        if let Some(refs) = &self.refs {
            return Ok(refs.tags_of(&self.summary).cloned().map(TagGql).collect());
        }
        let keys: Vec<TagKey> = self.summary.tag_ids.iter().map(|id| TagKey(*id)).collect();
        let found = loaders(ctx)?.load_many(keys).await.map_err(load_error)?;
        Ok(self
            .summary
            .tag_ids
            .iter()
            .filter_map(|id| found.get(&TagKey(*id)).cloned().map(TagGql))
            .collect())
    }
    /// The body as typed blocks.
    async fn body(&self, ctx: &Context<'_>) -> Result<Vec<BlockGql>> {
        Ok(self.full(ctx).await?.body.iter().map(Into::into).collect())
    }
    async fn body_html(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(body_html(&self.full(ctx).await?.body))
    }
    async fn body_text(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(body_text(&self.full(ctx).await?.body))
    }
    /// For optimistic concurrency (`expectedVersion`).
    async fn version(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(self.full(ctx).await?.version)
    }
    /// Scheduled go-live.
    async fn publish_at(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        Ok(self.full(ctx).await?.publish_at)
    }
    async fn embargo_until(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        Ok(self.full(ctx).await?.embargo_until)
    }
    /// Attribution (তথ্যসূত্র).
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self.full(ctx).await?.source.clone())
    }
    async fn source_url(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self.full(ctx).await?.source_url.clone())
    }
    async fn dateline(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self.full(ctx).await?.dateline.clone())
    }
    /// BCP 47 language tag: `bn`, `en`, `en-GB`, ...
    async fn language(&self) -> &str {
        &self.summary.language
    }
    /// The public versions of this story in other languages, by language.
    async fn translations(&self, ctx: &Context<'_>) -> Result<Vec<TranslationGql>> {
        let list = loaders(ctx)?
            .load_one(super::loaders::TranslationsKey(self.summary.id))
            .await
            .map_err(load_error)?
            .unwrap_or_default();
        if list.is_empty() {
            return Ok(Vec::new());
        }
        let sections = service(ctx)?.section_map().await.map_err(AppError::from)?;
        let urls = ctx.data_opt::<crate::feeds::urls::Urls>();
        Ok(list
            .iter()
            .map(|t| {
                let section = sections
                    .get(&t.summary.section_id)
                    .map_or("", |s| s.slug.as_str());
                TranslationGql {
                    id: global_id("Article", t.summary.id),
                    database_id: t.summary.id.to_string(),
                    url: urls
                        .map(|u| u.article(t.summary.id, &t.summary.slug, section))
                        .unwrap_or_default(),
                    language: t.language.clone(),
                    slug: t.summary.slug.clone(),
                    headline: t.summary.headline.clone(),
                }
            })
            .collect())
    }
    async fn first_published_at(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        Ok(self.full(ctx).await?.first_published_at)
    }
    async fn canonical_url(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self.full(ctx).await?.canonical_url.clone())
    }
    /// The database id shared by every version of this story in other
    /// languages (`translationOf`): its first article's, or while that one
    /// is not public, its lowest public version's; an article without
    /// translations has its own.
    async fn translation_group(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(self.full(ctx).await?.story().to_string())
    }
    async fn secondary_sections(&self, ctx: &Context<'_>) -> Result<Vec<SectionGql>> {
        let full = self.full(ctx).await?;
        let all = all_sections(ctx).await?;
        Ok(full
            .secondary_section_ids
            .iter()
            .filter_map(|id| all.iter().find(|s| s.id == *id).cloned().map(SectionGql))
            .collect())
    }
    async fn corrections(&self, ctx: &Context<'_>) -> Result<Vec<CorrectionGql>> {
        Ok(self
            .full(ctx)
            .await?
            .corrections
            .iter()
            .map(|c| CorrectionGql {
                kind: serde_json::to_value(c.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                text: c.text.clone(),
                at: c.at,
                at_bn: bangla::format_datetime_bn(c.at),
            })
            .collect())
    }
    /// আরও পড়ুন: stories about the same thing (content similarity, shared
    /// tags, section, recency); never this article or a near-duplicate.
    /// An editor's picks come first (`relatedStories` says which they are).
    #[graphql(complexity = "first.unwrap_or(5).clamp(0, 50) as usize * child_complexity + 30")]
    async fn related(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 5)] first: Option<i32>,
    ) -> Result<Vec<ArticleGql>> {
        Ok(self
            .related_list(ctx, first)
            .await?
            .into_iter()
            .map(|(a, _)| ArticleGql::from_summary(a))
            .collect())
    }
    /// `related` with each story's provenance: an editor's pick (the
    /// article's story package, in the editor's order, first) or computed.
    #[graphql(complexity = "first.unwrap_or(5).clamp(0, 50) as usize * child_complexity + 30")]
    async fn related_stories(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 5)] first: Option<i32>,
    ) -> Result<Vec<RelatedStoryGql>> {
        Ok(self
            .related_list(ctx, first)
            .await?
            .into_iter()
            .map(|(a, r)| RelatedStoryGql {
                article: ArticleGql::from_summary(a),
                editors_pick: r.picked,
            })
            .collect())
    }
    /// Approved reader comments, replies included (মন্তব্য).
    async fn comment_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let stats = super::comments::stats(ctx, self.summary.id).await?;
        Ok(i32::try_from(stats.count).unwrap_or(i32::MAX))
    }
    /// Whether readers may post comments (`postComment`).
    async fn comments_open(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(super::comments::stats(ctx, self.summary.id).await?.open)
    }
    /// Send back as `formToken` with `postComment` (proves the form was
    /// loaded a few seconds earlier); null when comments are closed.
    async fn comment_form_token(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let open = super::comments::stats(ctx, self.summary.id).await?.open;
        let svc = super::context::comments(ctx)?;
        Ok(open.then(|| svc.form_token(self.summary.id)))
    }
    /// Approved comments, oldest first, each with its approved replies.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 50) as usize * child_complexity + 5")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> Result<super::comments::CommentConnection> {
        super::comments::article_comments(ctx, self.summary.id, first, after).await
    }
    /// Flagged as breaking news until then.
    async fn breaking_until(&self) -> Option<DateTime<Utc>> {
        self.summary.breaking_until
    }

    /// What kind of piece: `STANDARD`, `LIVE` (a live page, see
    /// `posts`), `OPINION`, `ANALYSIS`, …, `SPONSORED`.
    async fn kind(&self) -> super::values::ArticleKindGql {
        self.summary.kind.into()
    }

    /// The kind's label for readers (মতামত, বিশ্লেষণ, বিজ্ঞাপন, …); `null`
    /// for a standard story.
    async fn kind_label(&self) -> Option<&'static str> {
        self.summary.kind.label_in(&self.summary.language)
    }

    /// Paid content (kind `SPONSORED`): show it as such.
    async fn sponsored(&self) -> bool {
        self.summary.kind.is_sponsored()
    }

    /// Who may read it on the site; the API serves the whole article
    /// either way (enforcement is the frontend's).
    async fn access(&self) -> super::values::AccessGql {
        self.summary.access.into()
    }

    /// A live page's state; `null` for a standard article.
    async fn live_state(&self) -> Option<super::values::LiveStateGql> {
        self.summary.live_state.map(Into::into)
    }

    /// A live page's posts, newest first (empty for a standard article).
    #[graphql(complexity = "first as usize * child_complexity + 5")]
    async fn posts(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 50))] first: i32,
        after: Option<String>,
        #[graphql(default = false)] key_events: bool,
    ) -> Result<super::live::LivePostPage> {
        super::live::posts(ctx, self.summary.id, first, after, key_events).await
    }
    /// এই বিভাগের আরও: newest articles of the same section, this one excluded.
    #[graphql(complexity = "first.unwrap_or(5).clamp(0, 50) as usize * child_complexity + 20")]
    async fn more_from_section(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 5)] first: Option<i32>,
    ) -> Result<Vec<ArticleGql>> {
        let limit = first.map(|f| f.to_string());
        let svc = service(ctx)?;
        let page = match &self.full {
            // As `related`: a previewed article may not be public.
            Some(full) => {
                let limit = domain::Limit::parse(limit.as_deref())
                    .map_err(|e| AppError::Invalid(vec![e]))?;
                svc.more_from_section_of(full, limit).await?
            }
            None => match svc
                .more_from_section(&self.summary.id.to_string(), limit.as_deref())
                .await
            {
                Err(AppError::NotFound(_)) => return Ok(Vec::new()),
                other => other?,
            },
        };
        Ok(page
            .items
            .into_iter()
            .map(ArticleGql::from_summary)
            .collect())
    }
}

async fn all_sections(ctx: &Context<'_>) -> Result<Arc<Vec<Section>>> {
    Ok(loaders(ctx)?
        .load_one(AllSections)
        .await
        .map_err(load_error)?
        .unwrap_or_default())
}

/// A section of the paper; sections form a tree.
pub struct SectionGql(pub Section);

#[Object(name = "Section")]
impl SectionGql {
    async fn id(&self) -> ID {
        global_id("Section", self.0.id)
    }
    async fn database_id(&self) -> String {
        self.0.id.to_string()
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The name (খেলা); with `locale`, the name to show in that locale's
    /// language (the English name for `EN` when one is set).
    async fn name(&self, locale: Option<super::values::LocaleGql>) -> &str {
        match locale {
            Some(l) => self.0.name_in(bangla::Locale::from(l).as_str()),
            None => &self.0.name,
        }
    }
    /// English name (Sports).
    async fn name_en(&self) -> Option<&str> {
        self.0.name_en.as_deref()
    }
    /// The language `name` is written in (BCP 47).
    async fn language(&self) -> &str {
        &self.0.language
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn position(&self) -> i32 {
        self.0.position
    }
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<SectionGql>> {
        let Some(parent) = self.0.parent_id else {
            return Ok(None);
        };
        let all = all_sections(ctx).await?;
        Ok(all.iter().find(|s| s.id == parent).cloned().map(SectionGql))
    }
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<SectionGql>> {
        let all = all_sections(ctx).await?;
        let mut children: Vec<Section> = all
            .iter()
            .filter(|s| s.parent_id == Some(self.0.id) && s.id != self.0.id)
            .cloned()
            .collect();
        children.sort_by(|a, b| a.position.cmp(&b.position).then(a.name.cmp(&b.name)));
        Ok(children.into_iter().map(SectionGql).collect())
    }
    /// Latest public articles of this section and its sub-sections.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "first.or(last).unwrap_or(20).clamp(0, 50) as usize * child_complexity + 2"
    )]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size forward (1–50; 20 when neither `first` nor `last` is given).")]
        first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Page size backward, ending just before `before` (or at the oldest).")]
        last: Option<i32>,
        before: Option<String>,
        #[graphql(desc = "Only these kinds (any of them).")] kind: Option<
            Vec<super::values::ArticleKindGql>,
        >,
        #[graphql(desc = "Only these access levels (any of them).")] access: Option<
            Vec<super::values::AccessGql>,
        >,
    ) -> Result<ArticleConnection> {
        let params = ListParams {
            section: Some(self.0.slug.clone()),
            kind: super::values::kinds_filter(kind),
            access: super::values::access_filter(access),
            ..paging(first, after, last, before)?
        };
        list(ctx, params).await
    }
}

/// A reporter or contributor.
pub struct AuthorGql(pub Author);

#[Object(name = "Author")]
impl AuthorGql {
    async fn id(&self) -> ID {
        global_id("Author", self.0.id)
    }
    async fn database_id(&self) -> String {
        self.0.id.to_string()
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The byline; with `locale`, the one to show in that locale's
    /// language (the English name for `EN` when one is set).
    async fn name(&self, locale: Option<super::values::LocaleGql>) -> &str {
        match locale {
            Some(l) => self.0.name_in(bangla::Locale::from(l).as_str()),
            None => &self.0.name,
        }
    }
    /// The English byline, when `name` is not English.
    async fn name_en(&self) -> Option<&str> {
        self.0.name_en.as_deref()
    }
    /// The language `name` is written in (BCP 47).
    async fn language(&self) -> &str {
        &self.0.language
    }
    async fn bio(&self) -> Option<&str> {
        self.0.bio.as_deref()
    }
    async fn avatar_url(&self) -> Option<&str> {
        self.0.avatar_url.as_deref()
    }
    /// An uploaded avatar with its renditions (`url(width:)`, `srcset`).
    async fn avatar(&self) -> Option<super::values::ImageGql> {
        self.0.avatar.as_deref().map(Into::into)
    }
    /// Public articles with this byline (counted for every author of the
    /// response in one statement).
    #[graphql(complexity = 2)]
    async fn article_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let n = loaders(ctx)?
            .load_one(super::loaders::AuthorCountKey(self.0.id))
            .await
            .map_err(load_error)?
            .unwrap_or(0);
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "first.or(last).unwrap_or(20).clamp(0, 50) as usize * child_complexity + 2"
    )]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size forward (1–50; 20 when neither `first` nor `last` is given).")]
        first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Page size backward, ending just before `before` (or at the oldest).")]
        last: Option<i32>,
        before: Option<String>,
        #[graphql(desc = "Only these kinds (any of them).")] kind: Option<
            Vec<super::values::ArticleKindGql>,
        >,
        #[graphql(desc = "Only these access levels (any of them).")] access: Option<
            Vec<super::values::AccessGql>,
        >,
    ) -> Result<ArticleConnection> {
        let params = ListParams {
            author: Some(self.0.slug.clone()),
            kind: super::values::kinds_filter(kind),
            access: super::values::access_filter(access),
            ..paging(first, after, last, before)?
        };
        list(ctx, params).await
    }
}

pub struct TagGql(pub Tag);

#[Object(name = "Tag")]
impl TagGql {
    async fn id(&self) -> ID {
        global_id("Tag", self.0.id)
    }
    /// Public articles with this tag (counted as authors' are).
    #[graphql(complexity = 2)]
    async fn article_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let n = loaders(ctx)?
            .load_one(super::loaders::TagCountKey(self.0.id))
            .await
            .map_err(load_error)?
            .unwrap_or(0);
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
    async fn database_id(&self) -> String {
        self.0.id.to_string()
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The name; with `locale`, the one to show in that locale's language
    /// (the English name for `EN` when one is set).
    async fn name(&self, locale: Option<super::values::LocaleGql>) -> &str {
        match locale {
            Some(l) => self.0.name_in(bangla::Locale::from(l).as_str()),
            None => &self.0.name,
        }
    }
    /// The English name, when `name` is not English.
    async fn name_en(&self) -> Option<&str> {
        self.0.name_en.as_deref()
    }
    /// The language `name` is written in (BCP 47).
    async fn language(&self) -> &str {
        &self.0.language
    }
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "first.or(last).unwrap_or(20).clamp(0, 50) as usize * child_complexity + 2"
    )]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size forward (1–50; 20 when neither `first` nor `last` is given).")]
        first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Page size backward, ending just before `before` (or at the oldest).")]
        last: Option<i32>,
        before: Option<String>,
        #[graphql(desc = "Only these kinds (any of them).")] kind: Option<
            Vec<super::values::ArticleKindGql>,
        >,
        #[graphql(desc = "Only these access levels (any of them).")] access: Option<
            Vec<super::values::AccessGql>,
        >,
    ) -> Result<ArticleConnection> {
        let params = ListParams {
            tag: Some(self.0.slug.clone()),
            kind: super::values::kinds_filter(kind),
            access: super::values::access_filter(access),
            ..paging(first, after, last, before)?
        };
        list(ctx, params).await
    }
}

/// Anything with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Article(Box<ArticleGql>),
    Section(SectionGql),
    Author(AuthorGql),
    Tag(TagGql),
}

pub type ArticleConnection = Connection<String, ArticleGql, ListTotals, EmptyFields>;

/// A list's count of matches, made only when `totalCount` or
/// `totalCountIsExact` is asked for (a page alone costs no count).
pub struct ListTotals {
    params: ListParams,
    count: tokio::sync::OnceCell<(u64, bool)>,
}

impl ListTotals {
    async fn count(&self, ctx: &Context<'_>) -> Result<(u64, bool)> {
        let svc = service(ctx)?;
        Ok(*self
            .count
            .get_or_try_init(|| svc.total(&self.params))
            .await?)
    }
}

#[Object]
impl ListTotals {
    /// How many articles match the list's filters (paging aside), counted
    /// up to 10,000: past that it is 10000 and `totalCountIsExact` false.
    #[graphql(complexity = 20)]
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(i32::try_from(self.count(ctx).await?.0).unwrap_or(i32::MAX))
    }
    /// Whether `totalCount` is exact (false: at least that many).
    #[graphql(complexity = 20)]
    async fn total_count_is_exact(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.count(ctx).await?.1)
    }
}

/// What a list reads for the nodes a query selects, by the rule REST's
/// `fields=` follows ([`app::content::read_for`]).
pub fn list_read(ctx: &Context<'_>) -> persistence::ListRead {
    let ahead = ctx.look_ahead();
    let nodes = [ahead.field("edges").field("node"), ahead.field("nodes")];
    app::content::read_for(|name| nodes.iter().any(|node| node.field(name).exists()))
}

/// Runs a list query for GraphQL, reading what [`list_read`] says.
pub async fn list(ctx: &Context<'_>, params: ListParams) -> Result<ArticleConnection> {
    let list = service(ctx)?
        .list_with_refs_and(&params, list_read(ctx))
        .await?;
    connection(list, params)
}

/// Relay's paging arguments as list parameters: `first`/`after` page
/// forward (older), `last`/`before` backward (newer); both bounds may be
/// given. `first` with `last` is refused: a page has one direction.
pub fn paging(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<ListParams> {
    if first.is_some() && last.is_some() {
        return Err(AppError::invalid(
            "last",
            "cannot be given with `first`: page forward with first/after or backward with last/before",
        )
        .into());
    }
    Ok(ListParams {
        limit: first.or(last).map(|n| n.to_string()),
        cursor: after,
        before,
        backward: last.is_some(),
        ..Default::default()
    })
}

/// A Relay connection over one page of a keyset list; each edge carries the
/// cursor that continues after it.
pub fn connection(list: ArticleList, params: ListParams) -> Result<ArticleConnection> {
    let ArticleList { page, refs } = list;
    let refs = Arc::new(refs);
    let given = |c: &Option<String>| domain::cursor::given(c.as_deref()).is_some();
    // Forward, a page after a cursor has items before it; backward, a page
    // before a cursor has items after it (that cursor's item at least).
    let (has_previous, has_next) = if params.backward {
        (page.has_previous, given(&params.before) || page.has_more())
    } else {
        (given(&params.cursor), page.has_more())
    };
    let query = page.query;
    let mut conn = ArticleConnection::with_additional_fields(
        has_previous,
        has_next,
        ListTotals {
            params,
            count: tokio::sync::OnceCell::new(),
        },
    );
    for a in page.items {
        let cursor = match a.published_at {
            Some(published_at) => domain::Cursor {
                published_at,
                id: a.id,
                query,
            }
            .encode(),
            None => String::new(),
        };
        conn.edges.push(Edge::new(
            cursor,
            ArticleGql {
                summary: a,
                full: None,
                refs: Some(refs.clone()),
            },
        ));
    }
    Ok(conn)
}
