//! The root query type.

use app::AppError;
use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};
use domain::SectionNode;

use super::comments::{CommentQueue, CommentStatusGql};
use super::context::{article_id, parse_global_id, service};
use super::results::{
    CollectionGql, FrontGql, FrontSectionGql, MostReadGql, SearchHitGql, SearchResultsGql,
};
use super::types::{
    ArticleConnection, ArticleGql, AuthorGql, Node, SectionGql, TagGql, connection, list_read,
    paging,
};
use super::values::{
    AccessGql, ArticleKindGql, EditionGql, SlugFilter, access_filter, kinds_filter, slug_filter,
};
use app::content::{ContentService, ListParams};
use app::discovery::{DiscoveryService, SearchParams};

/// Item lookups (`article`, `section`, `tag`, `author`, `collection`,
/// `previewArticle`, `node`) answer `null` without an error when there is
/// no such thing or it is not public: an absent item is an expected answer,
/// not a failure (Relay's `node`, Shopify, WPGraphQL). Other errors pass.
fn or_null<T>(r: Result<T, AppError>) -> Result<Option<T>, AppError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A list argument naming a section, tag or author that does not exist is
/// the caller's input error: `BAD_USER_INPUT` naming each such argument
/// (the list exists; the value given for its filter does not). The service
/// answers "not found" without saying which reference it was, so on that
/// error path alone each given reference is looked up again.
async fn unknown_references(
    svc: &ContentService,
    e: AppError,
    section: Option<&str>,
    tag: Option<&str>,
    author: Option<&str>,
) -> async_graphql::Error {
    if !matches!(e, AppError::NotFound(_)) {
        return e.into();
    }
    let mut errors = Vec::new();
    let mut unknown = |field: &str, r: Result<(), AppError>| {
        if let Err(AppError::NotFound(message)) = r {
            errors.push(domain::ValidationError::new(field, message));
        }
    };
    if let Some(slug) = section {
        unknown("section", svc.section(slug).await.map(drop));
    }
    if let Some(slug) = tag {
        unknown("tag", svc.tag(slug).await.map(drop));
    }
    if let Some(slug) = author {
        unknown("author", svc.author(slug).await.map(drop));
    }
    if errors.is_empty() {
        return e.into();
    }
    AppError::Invalid(errors).into()
}

pub struct Query;

/// Which Bangla calendar rule to use.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum CalendarRuleGql {
    /// The official Bangladesh rule of 2019 (the default).
    Revised2019,
    /// The older rule of 1987, still printed by some papers.
    Traditional1987,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum SearchSort {
    Relevance,
    Newest,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum MostReadWindow {
    #[graphql(name = "HOUR")]
    Hour,
    #[graphql(name = "SIX_HOURS")]
    SixHours,
    #[graphql(name = "DAY")]
    Day,
    #[graphql(name = "WEEK")]
    Week,
}

#[Object(name = "Query")]
impl Query {
    /// Latest public articles, newest first, filtered by section (sub-sections
    /// included), tag, author and publication time. `from`/`to` take an RFC
    /// 3339 date-time or a `YYYY-MM-DD` day in Asia/Dhaka (`to` inclusive).
    /// A `section`, `tag` or `author` that does not exist is `BAD_USER_INPUT`
    /// naming it.
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
        section: Option<String>,
        tag: Option<String>,
        author: Option<String>,
        from: Option<String>,
        to: Option<String>,
        #[graphql(desc = "Only these kinds (any of them).")] kind: Option<Vec<ArticleKindGql>>,
        #[graphql(desc = "Only these access levels (any of them).")] access: Option<Vec<AccessGql>>,
        #[graphql(desc = "Several sections (any of them) and sections to leave out.")]
        sections: Option<SlugFilter>,
        #[graphql(desc = "Several tags (any or all of them) and tags to leave out.")] tags: Option<
            SlugFilter,
        >,
        #[graphql(desc = "Several authors (any or all of them) and authors to leave out.")]
        authors: Option<SlugFilter>,
        #[graphql(desc = "Only articles in these languages (`bn`, `en`; `en` takes `en-GB`).")]
        lang: Option<Vec<String>>,
    ) -> Result<ArticleConnection> {
        let (section, not_section) = slug_filter("sections", section, sections)?;
        let (tag, not_tag) = slug_filter("tags", tag, tags)?;
        let (author, not_author) = slug_filter("authors", author, authors)?;
        let params = ListParams {
            section,
            tag,
            author,
            not_section,
            not_tag,
            not_author,
            from,
            to,
            kind: kinds_filter(kind),
            access: access_filter(access),
            lang: lang.map(|l| l.join(",")),
            ..paging(first, after, last, before)?
        };
        let svc = service(ctx)?;
        match svc.list_with_refs_and(&params, list_read(ctx)).await {
            Ok(list) => connection(list, params),
            Err(e) => Err(unknown_references(
                svc,
                e,
                params.section.as_deref(),
                params.tag.as_deref(),
                params.author.as_deref(),
            )
            .await),
        }
    }

    /// One public article by id (global or database id) or slug; `null`
    /// when there is none (or it is not public).
    #[graphql(complexity = "20 + child_complexity")]
    async fn article(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> Result<Option<ArticleGql>> {
        let svc = service(ctx)?;
        let key = match (id, slug) {
            (Some(id), None) => article_id(&id)?.to_string(),
            (None, Some(slug)) => {
                if slug.is_empty() || slug.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(AppError::invalid("slug", "is not a slug").into());
                }
                slug
            }
            _ => {
                return Err(AppError::invalid("id", "give exactly one of id and slug").into());
            }
        };
        Ok(or_null(svc.article(&key).await)?.map(ArticleGql::from_article))
    }

    /// এই বিভাগের আরও: newest articles of the article's section, it excluded
    /// (`BAD_USER_INPUT` when `articleId` names no public article).
    #[graphql(complexity = "first.unwrap_or(5).clamp(0, 50) as usize * child_complexity + 20")]
    async fn more_from_section(
        &self,
        ctx: &Context<'_>,
        article_id: ID,
        #[graphql(default = 5)] first: Option<i32>,
    ) -> Result<Vec<ArticleGql>> {
        let id = super::context::article_id(&article_id)?;
        let limit = first.map(|f| f.to_string());
        let page = service(ctx)?
            .more_from_section(&id.to_string(), limit.as_deref())
            .await
            .map_err(|e| match e {
                AppError::NotFound(message) => AppError::invalid("articleId", message),
                e => e,
            })?;
        Ok(page
            .items
            .into_iter()
            .map(ArticleGql::from_summary)
            .collect())
    }

    /// The top-level sections; `children` walks the tree.
    async fn sections(&self, ctx: &Context<'_>) -> Result<Vec<SectionGql>> {
        let all = service(ctx)?.sections().await?;
        Ok(SectionNode::forest(&all)
            .into_iter()
            .map(|n| SectionGql(n.section))
            .collect())
    }

    /// A section by slug; `null` when there is none.
    #[graphql(complexity = "10 + child_complexity")]
    async fn section(&self, ctx: &Context<'_>, slug: String) -> Result<Option<SectionGql>> {
        Ok(or_null(service(ctx)?.section(&slug).await)?.map(SectionGql))
    }

    /// A tag by slug; `null` when there is none.
    #[graphql(complexity = "10 + child_complexity")]
    async fn tag(&self, ctx: &Context<'_>, slug: String) -> Result<Option<TagGql>> {
        Ok(or_null(service(ctx)?.tag(&slug).await)?.map(TagGql))
    }

    /// Authors with public articles, most prolific first; `q` finds
    /// names or slugs that start with it.
    #[graphql(complexity = "first.clamp(0, 50) as usize * child_complexity + 10")]
    async fn authors(
        &self,
        ctx: &Context<'_>,
        q: Option<String>,
        #[graphql(default = 20)] first: i32,
        after: Option<String>,
        #[graphql(
            desc = "An edition's directory: only those with articles in these languages, ranked by them."
        )]
        lang: Option<Vec<String>>,
    ) -> Result<AuthorPageGql> {
        let dir = service(ctx)?
            .author_directory(&directory_params(q, first, after, lang))
            .await?;
        Ok(AuthorPageGql {
            has_more: dir.next_cursor.is_some(),
            next_cursor: dir.next_cursor,
            nodes: dir.items.into_iter().map(|(a, _)| AuthorGql(a)).collect(),
        })
    }

    /// Tags with public articles, most used first; `q` finds names or
    /// slugs that start with it (a tag picker).
    #[graphql(complexity = "first.clamp(0, 50) as usize * child_complexity + 10")]
    async fn tags(
        &self,
        ctx: &Context<'_>,
        q: Option<String>,
        #[graphql(default = 20)] first: i32,
        after: Option<String>,
        #[graphql(
            desc = "An edition's directory: only those with articles in these languages, ranked by them."
        )]
        lang: Option<Vec<String>>,
    ) -> Result<TagPageGql> {
        let dir = service(ctx)?
            .tag_directory(&directory_params(q, first, after, lang))
            .await?;
        Ok(TagPageGql {
            has_more: dir.next_cursor.is_some(),
            next_cursor: dir.next_cursor,
            nodes: dir.items.into_iter().map(|(t, _)| TagGql(t)).collect(),
        })
    }

    /// An author by slug; `null` when there is none.
    #[graphql(complexity = "10 + child_complexity")]
    async fn author(&self, ctx: &Context<'_>, slug: String) -> Result<Option<AuthorGql>> {
        Ok(or_null(service(ctx)?.author(&slug).await)?.map(AuthorGql))
    }

    /// The edition line for a place (default ঢাকা) at an instant (default now).
    async fn edition(
        &self,
        ctx: &Context<'_>,
        at: Option<DateTime<Utc>>,
        place: Option<String>,
        calendar: Option<CalendarRuleGql>,
    ) -> Result<EditionGql> {
        let at = at.map(|t| t.to_rfc3339());
        let calendar = calendar.map(|c| match c {
            CalendarRuleGql::Revised2019 => "2019",
            CalendarRuleGql::Traditional1987 => "1987",
        });
        Ok(service(ctx)?
            .edition(at.as_deref(), place.as_deref(), calendar)?
            .into())
    }

    /// Full-text search, Bengali-aware: both forms of য় ড় ঢ়, Bengali and
    /// ASCII digits, `।` without spaces. `"phrase"`, `+required`,
    /// `-excluded`, `prefix*`; all other words are required too.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 50) as usize * child_complexity + 50")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        q: String,
        section: Option<String>,
        tag: Option<String>,
        from: Option<String>,
        to: Option<String>,
        sort: Option<SearchSort>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Only these kinds (any of them).")] kind: Option<Vec<ArticleKindGql>>,
        #[graphql(desc = "Only these access levels (any of them).")] access: Option<Vec<AccessGql>>,
        #[graphql(desc = "Several sections (any of them) and sections to leave out.")]
        sections: Option<SlugFilter>,
        #[graphql(desc = "Several tags (any or all of them) and tags to leave out.")] tags: Option<
            SlugFilter,
        >,
        #[graphql(desc = "Several authors (any or all of them) and authors to leave out.")]
        authors: Option<SlugFilter>,
        #[graphql(desc = "Only articles in these languages (`bn`, `en`).")] lang: Option<
            Vec<String>,
        >,
    ) -> Result<SearchResultsGql> {
        let (section, not_section) = slug_filter("sections", section, sections)?;
        let (tag, not_tag) = slug_filter("tags", tag, tags)?;
        let (author, not_author) = slug_filter("authors", None, authors)?;
        let discovery = ctx.data::<DiscoveryService>()?;
        let params = SearchParams {
            q: Some(q),
            section,
            tag,
            author,
            not_section,
            not_tag,
            not_author,
            from,
            to,
            sort: sort.map(|s| match s {
                SearchSort::Relevance => "relevance".to_owned(),
                SearchSort::Newest => "newest".to_owned(),
            }),
            limit: first.map(|f| f.to_string()),
            cursor: after,
            kind: kinds_filter(kind),
            access: access_filter(access),
            lang: lang.map(|l| l.join(",")),
            facets: ctx
                .look_ahead()
                .field("facets")
                .exists()
                .then(|| "true".to_owned()),
        };
        let r = match discovery.search(&params).await {
            Ok(r) => r,
            Err(e) => {
                let (section, tag) = (params.section.as_deref(), params.tag.as_deref());
                return Err(unknown_references(service(ctx)?, e, section, tag, None).await);
            }
        };
        Ok(SearchResultsGql {
            total_count: i32::try_from(r.total).unwrap_or(i32::MAX),
            has_next_page: r.next_cursor.is_some(),
            end_cursor: r.next_cursor,
            hits: r
                .hits
                .into_iter()
                .map(|(a, h)| SearchHitGql {
                    article: ArticleGql::from_summary(a),
                    headline_html: h.headline_html,
                    snippet_html: h.snippet_html,
                    score: h.score,
                })
                .collect(),
            facets: r.facets.map(Into::into),
        })
    }

    /// Most read in a window, site-wide or in a section (sub-sections
    /// included); hourly counters.
    #[graphql(complexity = "first.unwrap_or(10).clamp(0, 50) as usize * child_complexity + 30")]
    async fn most_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "MostReadWindow::Day")] window: MostReadWindow,
        section: Option<String>,
        #[graphql(default = 10)] first: Option<i32>,
    ) -> Result<Vec<MostReadGql>> {
        let discovery = ctx.data::<DiscoveryService>()?;
        let w = match window {
            MostReadWindow::Hour => "1h",
            MostReadWindow::SixHours => "6h",
            MostReadWindow::Day => "24h",
            MostReadWindow::Week => "7d",
        };
        let limit = first.map(|f| f.to_string());
        let top = match discovery
            .most_read(Some(w), section.as_deref(), limit.as_deref())
            .await
        {
            Ok(top) => top,
            Err(e) => {
                let svc = service(ctx)?;
                return Err(unknown_references(svc, e, section.as_deref(), None, None).await);
            }
        };
        Ok(top
            .into_iter()
            .map(|(a, views)| MostReadGql {
                article: ArticleGql::from_summary(a),
                views,
            })
            .collect())
    }

    /// A curated list (lead stories, editors' picks…); `null` when there is
    /// none.
    #[graphql(complexity = "20 * child_complexity + 20")]
    async fn collection(&self, ctx: &Context<'_>, slug: String) -> Result<Option<CollectionGql>> {
        let discovery = ctx.data::<DiscoveryService>()?;
        let Some((c, items)) = or_null(discovery.collection(&slug).await)? else {
            return Ok(None);
        };
        Ok(Some(CollectionGql {
            slug: c.slug,
            name: c.name,
            description: c.description,
            updated_at: c.updated_at,
            articles: items.into_iter().map(ArticleGql::from_summary).collect(),
        }))
    }

    /// A series (articles on one running story): its public articles in
    /// editorial order; `null` when there is none. Its feeds are
    /// `/feeds/series/{slug}/…`.
    #[graphql(complexity = "20 * child_complexity + 20")]
    async fn series(&self, ctx: &Context<'_>, slug: String) -> Result<Option<CollectionGql>> {
        let discovery = ctx.data::<DiscoveryService>()?;
        let Some((c, items)) = or_null(discovery.series(&slug).await)? else {
            return Ok(None);
        };
        Ok(Some(CollectionGql {
            slug: c.slug,
            name: c.name,
            description: c.description,
            updated_at: c.updated_at,
            articles: items.into_iter().map(ArticleGql::from_summary).collect(),
        }))
    }

    /// The home screen: edition line, breaking, lead stories and the newest
    /// of each top-level section, de-duplicated.
    #[graphql(
        complexity = "per_section.unwrap_or(5).clamp(0, 20) as usize * 12 * child_complexity + 50"
    )]
    async fn front(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 5)] per_section: Option<i32>,
        #[graphql(desc = "One edition's front: only articles in this language (`bn`, `en`).")]
        lang: Option<String>,
    ) -> Result<FrontGql> {
        let discovery = ctx.data::<DiscoveryService>()?;
        let n = per_section.map(|n| n.to_string());
        let f = discovery.front(n.as_deref(), lang.as_deref()).await?;
        let cards =
            |v: Vec<domain::ArticleSummary>| v.into_iter().map(ArticleGql::from_summary).collect();
        Ok(FrontGql {
            edition: f.edition.into(),
            breaking: cards(f.breaking),
            lead: cards(f.lead),
            sections: f
                .sections
                .into_iter()
                .map(|s| FrontSectionGql {
                    section: SectionGql(s.section),
                    articles: cards(s.articles),
                })
                .collect(),
        })
    }

    /// Every webhook, oldest first (needs an `admin` key).
    async fn webhooks(&self, ctx: &Context<'_>) -> Result<Vec<super::webhooks::WebhookGql>> {
        super::webhooks::list(ctx).await
    }

    /// One webhook (needs an `admin` key); `null` when there is none.
    async fn webhook(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<super::webhooks::WebhookGql>> {
        super::webhooks::one(ctx, &id).await
    }

    /// The comment moderation queue, oldest first (needs an `editor` key).
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 50) as usize * child_complexity + 10")]
    async fn comment_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "CommentStatusGql::Pending")] status: CommentStatusGql,
        article_id: Option<ID>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> Result<CommentQueue> {
        super::comments::queue(ctx, status, article_id, first, after).await
    }

    /// Any article as it stands, drafts and scheduled ones included: by
    /// `token` (a preview link's, no key needed; `related` and
    /// `moreFromSection` as if it were published now) or by `id` (needs
    /// an `editor` key). Exactly one of the two. `null` when there is no
    /// such article, or the link expired or was revoked. The answer is
    /// `Cache-Control: private, no-store`, `X-Robots-Tag: noindex`.
    #[graphql(complexity = "20 + child_complexity")]
    async fn preview_article(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        token: Option<String>,
    ) -> Result<Option<ArticleGql>> {
        match (id, token) {
            (Some(id), None) => super::mutation::preview(ctx, &id).await,
            (None, Some(token)) => super::mutation::preview_by_token(ctx, &token).await,
            _ => Err(AppError::invalid("token", "give exactly one of id and token").into()),
        }
    }

    /// Any object by its global id; `null` when there is none (or it is not public).
    #[graphql(complexity = "20 + child_complexity")]
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let Some((kind, n)) = parse_global_id(&id) else {
            return Err(AppError::invalid("id", "is not a global id").into());
        };
        let svc = service(ctx)?;
        Ok(match kind.as_str() {
            "Article" => or_null(svc.article(&n.to_string()).await)?
                .map(|a| Node::Article(Box::new(ArticleGql::from_article(a)))),
            "Section" => svc
                .sections()
                .await?
                .into_iter()
                .find(|s| s.id == n)
                .map(|s| Node::Section(SectionGql(s))),
            "Author" => svc
                .authors_by_ids(&[n])
                .await?
                .remove(&n)
                .map(|a| Node::Author(AuthorGql(a))),
            "Tag" => svc
                .tags_by_ids(&[n])
                .await?
                .remove(&n)
                .map(|t| Node::Tag(TagGql(t))),
            _ => None,
        })
    }
}

fn directory_params(
    q: Option<String>,
    first: i32,
    after: Option<String>,
    lang: Option<Vec<String>>,
) -> app::directory::DirectoryParams {
    app::directory::DirectoryParams {
        q,
        limit: Some(first.to_string()),
        cursor: after,
        lang: lang.map(|l| l.join(",")),
    }
}

/// A page of the author directory.
#[derive(async_graphql::SimpleObject)]
#[graphql(name = "AuthorPage")]
pub struct AuthorPageGql {
    nodes: Vec<AuthorGql>,
    /// For `after`; `null` on the last page.
    next_cursor: Option<String>,
    has_more: bool,
}

/// A page of the tag directory.
#[derive(async_graphql::SimpleObject)]
#[graphql(name = "TagPage")]
pub struct TagPageGql {
    nodes: Vec<TagGql>,
    /// For `after`; `null` on the last page.
    next_cursor: Option<String>,
    has_more: bool,
}
