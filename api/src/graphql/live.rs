//! GraphQL for live pages: `Article.posts` through the same `LiveService`
//! as REST (the article must be public; posts of a page that is not are
//! never served).

use app::AppError;
use app::live::LiveService;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::Author;
use domain::live::LivePost;

use super::values::BlockGql;

/// One post of a live page.
pub struct LivePostGql {
    post: LivePost,
    author: Option<Author>,
}

impl LivePostGql {
    pub fn new(post: LivePost, author: Option<Author>) -> Self {
        Self { post, author }
    }
}

#[Object(name = "LivePost")]
impl LivePostGql {
    async fn id(&self) -> ID {
        ID(self.post.id.to_string())
    }
    async fn headline(&self) -> Option<&str> {
        self.post.headline.as_deref()
    }
    async fn body(&self) -> Vec<BlockGql> {
        self.post.body.iter().map(Into::into).collect()
    }
    async fn body_html(&self) -> String {
        domain::block::body_html(&self.post.body)
    }
    /// The author's name and slug.
    async fn author_name(&self) -> Option<&str> {
        self.author.as_ref().map(|a| a.name.as_str())
    }
    async fn author_slug(&self) -> Option<&str> {
        self.author.as_ref().map(|a| a.slug.as_str())
    }
    async fn pinned(&self) -> bool {
        self.post.pinned
    }
    async fn key_event(&self) -> bool {
        self.post.key_event
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.post.created_at
    }
    async fn created_at_bn(&self) -> String {
        domain::bangla::format_datetime_bn(self.post.created_at)
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.post.updated_at
    }
}

/// A page of posts, newest first.
#[derive(SimpleObject)]
pub struct LivePostPage {
    nodes: Vec<LivePostGql>,
    /// Pinned posts (newest page only).
    pinned: Vec<LivePostGql>,
    /// `after:` for the older posts.
    next_cursor: Option<String>,
    /// Resume the event stream (`/v1/articles/{id}/posts/stream`) from here
    /// (newest page only).
    last_event_id: Option<String>,
}

pub async fn posts(
    ctx: &Context<'_>,
    article_id: i64,
    first: i32,
    after: Option<String>,
    key_events: bool,
) -> Result<LivePostPage> {
    let svc = ctx.data::<LiveService>()?;
    let limit = first.to_string();
    let page = match svc
        .posts(
            &article_id.to_string(),
            after.as_deref(),
            None,
            Some(if key_events { "1" } else { "0" }),
            Some(&limit),
        )
        .await
    {
        Ok(p) => p,
        // Not public (a preview of a draft): nothing of it.
        Err(AppError::NotFound(_)) => {
            return Ok(LivePostPage {
                nodes: Vec::new(),
                pinned: Vec::new(),
                next_cursor: None,
                last_event_id: None,
            });
        }
        Err(e) => return Err(e.into()),
    };
    let with_author = |post: &LivePost| LivePostGql {
        author: post
            .author_id
            .and_then(|id| page.authors.iter().find(|a| a.id == id).cloned()),
        post: post.clone(),
    };
    let last_event_id = if page.newest {
        Some(svc.last_event_id(Some(article_id)).await?.to_string())
    } else {
        None
    };
    Ok(LivePostPage {
        nodes: page.posts.iter().map(with_author).collect(),
        pinned: page.pinned.iter().map(with_author).collect(),
        next_cursor: page.next.clone(),
        last_event_id,
    })
}

/// A new post, or a change to one (absent fields stay; `null` clears
/// `headline` and `author`).
#[derive(async_graphql::InputObject)]
pub struct LivePostInput {
    headline: async_graphql::MaybeUndefined<String>,
    /// Plain text, paragraphs separated by blank lines (required on create).
    body_text: Option<String>,
    /// An author's slug.
    author: async_graphql::MaybeUndefined<String>,
    pinned: Option<bool>,
    key_event: Option<bool>,
}

fn double<T>(v: async_graphql::MaybeUndefined<T>) -> Option<Option<T>> {
    match v {
        async_graphql::MaybeUndefined::Undefined => None,
        async_graphql::MaybeUndefined::Null => Some(None),
        async_graphql::MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

impl LivePostInput {
    fn into_fields(self) -> app::live::PostFields {
        app::live::PostFields {
            headline: double(self.headline),
            body: self.body_text.map(app::import::BodyInput::Text),
            author: double(self.author),
            pinned: self.pinned,
            key_event: self.key_event,
        }
    }
}

fn editor<'a>(ctx: &Context<'a>) -> Result<(domain::ApiKey, &'a LiveService)> {
    Ok((
        super::context::key(ctx, domain::Scope::Editor)?,
        ctx.data::<LiveService>()?,
    ))
}

async fn with_author(svc: &LiveService, post: LivePost) -> Result<LivePostGql> {
    let author = match post.author_id {
        Some(id) => svc.authors_by_ids(&[id]).await?.pop(),
        None => None,
    };
    Ok(LivePostGql { post, author })
}

fn post_id(id: &ID) -> Result<i64> {
    Ok(app::fields::record_id(id, "post")?)
}

pub async fn create(ctx: &Context<'_>, article: &ID, input: LivePostInput) -> Result<LivePostGql> {
    let (key, svc) = editor(ctx)?;
    let id = super::context::article_id(article)?;
    let post = svc.create_post(&key, id, input.into_fields()).await?;
    with_author(svc, post).await
}

pub async fn update(
    ctx: &Context<'_>,
    article: &ID,
    post: &ID,
    input: LivePostInput,
) -> Result<LivePostGql> {
    let (key, svc) = editor(ctx)?;
    let id = super::context::article_id(article)?;
    let post = svc
        .update_post(&key, id, post_id(post)?, input.into_fields())
        .await?;
    with_author(svc, post).await
}

pub async fn delete(ctx: &Context<'_>, article: &ID, post: &ID) -> Result<ID> {
    let (key, svc) = editor(ctx)?;
    let id = super::context::article_id(article)?;
    svc.delete_post(&key, id, post_id(post)?).await?;
    Ok(post.clone())
}
