//! GraphQL for reader comments: the `Comment` type, `Article.comments`,
//! `postComment` and the moderation operations. Every resolver calls the
//! same `CommentService` as REST (and shares its flood guard).

use app::AppError;
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::bangla;
use domain::{Comment, CommentStatus, CommentThread};

use super::context::{article_id, comment_db_id, comments, global_id, key, load_error};
use super::loaders::{CommentStatsKey, Loaders};
use app::comments::{Client, CommentInput, CommentService, comment_html, thread_cursor};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "CommentStatus")]
pub enum CommentStatusGql {
    /// Waiting for a moderator.
    Pending,
    Approved,
    Rejected,
}

impl From<CommentStatus> for CommentStatusGql {
    fn from(s: CommentStatus) -> Self {
        match s {
            CommentStatus::Pending => Self::Pending,
            CommentStatus::Approved => Self::Approved,
            CommentStatus::Rejected => Self::Rejected,
        }
    }
}

impl CommentStatusGql {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }
}

/// A comment with the replies it is shown with.
pub struct CommentGql {
    pub comment: Comment,
    pub replies: Vec<Comment>,
    pub reply_count: u64,
}

impl CommentGql {
    pub fn single(comment: Comment) -> Self {
        Self {
            comment,
            replies: Vec::new(),
            reply_count: 0,
        }
    }

    pub fn thread(t: CommentThread) -> Self {
        Self {
            comment: t.comment,
            replies: t.replies,
            reply_count: t.reply_count,
        }
    }
}

/// A reader's comment. `text` is plain text; `html` is the same text safe
/// to insert as HTML (escaped, `<br>` for line breaks, URLs as
/// `rel="nofollow ugc"` links, nothing else).
#[Object(name = "Comment")]
impl CommentGql {
    async fn id(&self) -> ID {
        global_id("Comment", self.comment.id)
    }
    async fn database_id(&self) -> String {
        self.comment.id.to_string()
    }
    /// The article's global id.
    async fn article_id(&self) -> ID {
        global_id("Article", self.comment.article_id)
    }
    /// The comment this one answers (threads are one level deep).
    async fn parent_id(&self) -> Option<ID> {
        self.comment.parent_id.map(|p| global_id("Comment", p))
    }
    /// The display name the reader gave.
    async fn name(&self) -> &str {
        &self.comment.name
    }
    async fn text(&self) -> &str {
        &self.comment.text
    }
    async fn html(&self) -> String {
        comment_html(&self.comment.text)
    }
    async fn status(&self) -> CommentStatusGql {
        self.comment.status.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.comment.created_at
    }
    /// `১২ নভেম্বর ২০২৪, ১১:৩১ এএম` (Asia/Dhaka).
    async fn created_at_bn(&self) -> String {
        bangla::format_datetime_bn(self.comment.created_at)
    }
    /// Approved replies, oldest first (at most 100; see `replyCount`).
    async fn replies(&self) -> Vec<CommentGql> {
        self.replies
            .iter()
            .cloned()
            .map(CommentGql::single)
            .collect()
    }
    async fn reply_count(&self) -> i32 {
        i32::try_from(self.reply_count).unwrap_or(i32::MAX)
    }
    /// Why a moderator rejected it (moderators only ever see rejected ones).
    async fn moderation_reason(&self) -> Option<&str> {
        self.comment.reason.as_deref()
    }
}

pub type CommentConnection = Connection<String, CommentGql, EmptyFields, EmptyFields>;

/// `Article.comments(first, after)`.
pub async fn article_comments(
    ctx: &Context<'_>,
    article_id: i64,
    first: Option<i32>,
    after: Option<String>,
) -> Result<CommentConnection> {
    let limit = first.map(|f| f.to_string());
    let page = comments(ctx)?
        .list(&article_id.to_string(), limit.as_deref(), after.as_deref())
        .await?;
    let mut conn = CommentConnection::new(after.is_some(), page.next_cursor.is_some());
    for t in page.threads {
        conn.edges
            .push(Edge::new(thread_cursor(&t.comment), CommentGql::thread(t)));
    }
    Ok(conn)
}

/// `Article.commentCount` and `Article.commentsOpen`, batched per response.
pub async fn stats(ctx: &Context<'_>, article_id: i64) -> Result<persistence::CommentStats> {
    Ok(ctx
        .data::<Loaders>()?
        .load_one(CommentStatsKey(article_id))
        .await
        .map_err(load_error)?
        .unwrap_or_default())
}

/// A new comment. `website` is the honeypot (leave it out); `formToken`
/// comes from `Article.commentFormToken`.
#[derive(InputObject)]
pub struct PostCommentInput {
    pub article_id: ID,
    pub name: String,
    pub text: String,
    /// An approved comment of the same article.
    pub reply_to: Option<ID>,
    pub website: Option<String>,
    pub form_token: Option<String>,
}

/// `postComment`: anonymous; the comment waits for a moderator.
pub async fn post_comment(ctx: &Context<'_>, input: PostCommentInput) -> Result<CommentGql> {
    let svc = comments(ctx)?;
    let article = article_id(&input.article_id)
        .map_err(|_| AppError::not_found(format!("no article {:?}", input.article_id.as_str())))?;
    let reply_to = input
        .reply_to
        .as_ref()
        .map(|r| {
            comment_db_id(r).map_err(|_| {
                AppError::Unprocessable(vec![domain::ValidationError::new(
                    "replyTo",
                    "must be a comment id",
                )])
            })
        })
        .transpose()?;
    let body = CommentInput {
        name: Some(input.name),
        text: Some(input.text),
        reply_to: reply_to.map(serde_json::Value::String),
        website: input.website,
        form_token: input.form_token,
    };
    let unknown = Client("unknown".into());
    let client = ctx.data::<Client>().unwrap_or(&unknown);
    Ok(CommentGql::single(
        svc.post(&article.to_string(), &body, client).await?,
    ))
}

fn editor<'a>(ctx: &Context<'a>) -> Result<(domain::ApiKey, &'a CommentService)> {
    Ok((key(ctx, domain::Scope::Editor)?, comments(ctx)?))
}

pub async fn approve(ctx: &Context<'_>, id: &ID) -> Result<CommentGql> {
    let (key, svc) = editor(ctx)?;
    Ok(CommentGql::single(
        svc.approve(&key, &comment_db_id(id)?).await?,
    ))
}

pub async fn reject(ctx: &Context<'_>, id: &ID, reason: &str) -> Result<CommentGql> {
    let (key, svc) = editor(ctx)?;
    Ok(CommentGql::single(
        svc.reject(&key, &comment_db_id(id)?, Some(reason)).await?,
    ))
}

pub async fn delete(ctx: &Context<'_>, id: &ID) -> Result<i32> {
    let (key, svc) = editor(ctx)?;
    let n = svc.delete(&key, &comment_db_id(id)?).await?;
    Ok(i32::try_from(n).unwrap_or(i32::MAX))
}

pub async fn set_open(ctx: &Context<'_>, article: &ID, open: bool) -> Result<bool> {
    let (key, svc) = editor(ctx)?;
    let id = article_id(article)?;
    Ok(svc.set_open(&key, &id.to_string(), open).await?.1.open)
}

/// One comment in the moderation queue, with the article it is on.
#[derive(SimpleObject)]
pub struct CommentQueueItem {
    pub comment: CommentGql,
    pub article_slug: String,
    pub article_headline: String,
}

/// A page of the moderation queue, oldest first.
#[derive(SimpleObject)]
pub struct CommentQueue {
    pub items: Vec<CommentQueueItem>,
    /// Pass as `after` for the next page.
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
}

pub async fn queue(
    ctx: &Context<'_>,
    status: CommentStatusGql,
    article: Option<ID>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<CommentQueue> {
    let (_, svc) = editor(ctx)?;
    let article = article.as_ref().map(article_id).transpose()?;
    let article = article.map(|a| a.to_string());
    let limit = first.map(|f| f.to_string());
    let page = svc
        .queue(
            Some(status.as_str()),
            article.as_deref(),
            limit.as_deref(),
            after.as_deref(),
        )
        .await?;
    Ok(CommentQueue {
        has_next_page: page.next.is_some(),
        end_cursor: page.next,
        items: page
            .items
            .into_iter()
            .map(|c| {
                let a = page.articles.get(&c.article_id);
                CommentQueueItem {
                    article_slug: a.map(|a| a.slug.clone()).unwrap_or_default(),
                    article_headline: a.map(|a| a.headline.clone()).unwrap_or_default(),
                    comment: CommentGql::single(c),
                }
            })
            .collect(),
    })
}
