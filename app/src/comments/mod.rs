//! Reader comments ("মন্তব্য করুন"), pre-moderated: the one service behind
//! REST (`/v1/articles/{id}/comments`, `/v1/admin/comments…`) and GraphQL
//! (`Article.comments`, `postComment`, the moderation mutations).
//!
//! Posting runs, in order: the article must be public (else the same 404 as
//! an unknown id) and open (else 403); every field is checked and all
//! problems are reported together (422); the flood guard may refuse (409
//! duplicate, 429 with `Retry-After`); then the comment is stored as
//! `pending`, the article's visibility and state re-checked in the same
//! transaction. Nothing is stored on any error.

mod guard;
mod render;
mod settings;
mod token;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::comment::parse_reason;
use domain::{
    ApiKey, ArticleId, Comment, CommentStatus, CommentText, CommentThread, CommenterName, Cursor,
    Limit, NewComment, ValidationError,
};
use persistence::{ArticleRef, CommentStats, Moderation, RepoError, WriteContext};
use serde::Deserialize;

pub use guard::{FloodGuard, Refusal, client_id};
pub use render::comment_html;
pub use token::FormTokens;

use crate::content::ContentService;
use crate::error::AppError;
use crate::events::Change;
pub use settings::{CommentSettings, Secret};

/// Who is posting, as flood control knows them: an IPv4 address or an IPv6
/// /64 (hashed with a per-process salt before it is kept anywhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client(pub String);

/// A comment as a reader sends it. Unknown fields are refused (400).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommentInput {
    /// Display name, 1–60 characters.
    pub name: Option<String>,
    /// Plain text, 1–2,000 characters; line breaks allowed.
    pub text: Option<String>,
    /// The id of an approved comment of the same article (string or number).
    pub reply_to: Option<serde_json::Value>,
    /// The honeypot: a form field hidden from people. Must be empty.
    pub website: Option<String>,
    /// From the comment list (`formToken`): proves the form was loaded a
    /// few seconds before.
    pub form_token: Option<String>,
}

/// One page of an article's approved threads.
#[derive(Debug, Clone)]
pub struct CommentPage {
    pub article_id: i64,
    pub threads: Vec<CommentThread>,
    pub next_cursor: Option<String>,
    pub stats: CommentStats,
    /// For the comment form; `None` when comments are closed.
    pub form_token: Option<String>,
}

/// One page of the moderation queue.
#[derive(Debug, Clone)]
pub struct ModerationPage {
    pub items: Vec<Comment>,
    pub articles: HashMap<i64, ArticleRef>,
    /// The `after` of the next page.
    pub next: Option<String>,
}

#[derive(Clone)]
pub struct CommentService {
    svc: ContentService,
    guard: Arc<FloodGuard>,
    tokens: Arc<FormTokens>,
    settings: Arc<CommentSettings>,
}

impl std::fmt::Debug for CommentService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommentService").finish_non_exhaustive()
    }
}

fn no_article(raw: &str) -> AppError {
    AppError::not_found(format!("no article {raw:?}"))
}

fn no_comment(raw: &str) -> AppError {
    AppError::not_found(format!("no comment {raw:?}"))
}

/// A comment id from a URL or argument; anything else names no comment.
pub fn comment_id(raw: &str) -> Result<i64, AppError> {
    ArticleId::parse(raw)
        .map(ArticleId::get)
        .map_err(|_| no_comment(raw))
}

/// The keyset of an article's thread list; cursors from another article's
/// list are refused.
fn fingerprint(article_id: i64) -> u32 {
    domain::cursor::fingerprint(&format!("comments:{article_id}"))
}

/// The cursor that continues after `c` in its article's thread list.
pub fn thread_cursor(c: &Comment) -> String {
    Cursor {
        published_at: c.created_at,
        id: c.id,
        query: fingerprint(c.article_id),
    }
    .encode()
}

/// `replyTo` as sent: a comment id as a string or a number.
fn parse_reply_to(v: &serde_json::Value) -> Result<Option<i64>, ValidationError> {
    let bad = || ValidationError::new("replyTo", "must be a comment id");
    match v {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(s) => ArticleId::parse(s)
            .map(|id| Some(id.get()))
            .map_err(|_| bad()),
        serde_json::Value::Number(n) => n.as_i64().filter(|n| *n > 0).map(Some).ok_or_else(bad),
        _ => Err(bad()),
    }
}

impl CommentService {
    pub fn new(svc: ContentService, settings: CommentSettings) -> Self {
        Self {
            guard: Arc::new(FloodGuard::new(&settings).with_shared(svc.shared().clone())),
            tokens: Arc::new(FormTokens::new(
                settings.secret.as_ref().map(|s| s.0.as_str()),
            )),
            settings: Arc::new(settings),
            svc,
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.svc.now()
    }

    /// Flood-control identity of a client address (an IPv4 address or an
    /// IPv6 /64, salted and hashed); the surface finds the address.
    pub fn client(&self, address: Option<&str>) -> Client {
        Client(client_id(address.unwrap_or("unknown")))
    }

    /// Whether the client address may be taken from proxy headers.
    pub fn trusts_proxy(&self) -> bool {
        self.settings.trust_proxy
    }

    /// A public article's id and whether its comments are open; an unknown
    /// or hidden article is the same 404.
    async fn target(&self, raw_id: &str) -> Result<(i64, bool), AppError> {
        let id = ArticleId::parse(raw_id)
            .map_err(|_| no_article(raw_id))?
            .get();
        match self.svc.repo().comment_target(id, self.now()).await? {
            Some(open) => Ok((id, open)),
            None => Err(no_article(raw_id)),
        }
    }

    /// Posts a comment; it waits for a moderator (`pending`).
    pub async fn post(
        &self,
        raw_article_id: &str,
        input: &CommentInput,
        client: &Client,
    ) -> Result<Comment, AppError> {
        let (article_id, open) = self.target(raw_article_id).await?;
        if !open {
            return Err(AppError::CommentsClosed);
        }
        let now = self.now();
        let mut errors = Vec::new();
        let mut required = |field: &str, v: &Option<String>| {
            if v.is_none() {
                errors.push(ValidationError::new(field, "is required"));
            }
        };
        required("name", &input.name);
        required("text", &input.text);
        let name = input
            .name
            .as_deref()
            .map(CommenterName::parse)
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let text = input
            .text
            .as_deref()
            .map(CommentText::parse)
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        if input.website.as_deref().is_some_and(|w| !w.is_empty()) {
            errors.push(ValidationError::new("website", "must be empty"));
        }
        match &input.form_token {
            Some(t) => {
                if let Err(e) = self.tokens.check(
                    t,
                    article_id,
                    now,
                    self.settings.min_form_age,
                    self.settings.max_form_age,
                ) {
                    errors.push(e);
                }
            }
            None if self.settings.require_form_token => errors.push(ValidationError::new(
                "formToken",
                "is required: take it from the comment list",
            )),
            None => {}
        }
        let reply_to = match input.reply_to.as_ref().map(parse_reply_to).transpose() {
            Ok(r) => r.flatten(),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        if let Some(r) = reply_to
            && self.svc.repo().reply_root(article_id, r).await?.is_none()
        {
            errors.push(ValidationError::new(
                "replyTo",
                "must be an approved comment of this article",
            ));
        }
        let (Some(name), Some(text), true) = (name, text, errors.is_empty()) else {
            return Err(AppError::Unprocessable(errors));
        };
        let admission = self
            .guard
            .admit_shared(&client.0, article_id, text.as_str(), now)
            .await
            .map_err(|r| match r {
                Refusal::Duplicate => {
                    AppError::Conflict("text".into(), "you have already posted this comment".into())
                }
                Refusal::TooMany { retry_after } => AppError::TooManyRequests { retry_after },
            })?;
        let new = NewComment {
            article_id,
            parent_id: reply_to,
            name,
            text,
        };
        match self.svc.repo().insert_comment(&new, now).await {
            Ok(c) => {
                tracing::info!(comment_id = c.id, article_id, "comment posted");
                Ok(c)
            }
            Err(e) => {
                self.guard.release_shared(&admission).await;
                Err(match e {
                    RepoError::NotFound => no_article(raw_article_id),
                    RepoError::Conflict { .. } => AppError::CommentsClosed,
                    RepoError::Invalid(v) => AppError::Unprocessable(vec![v]),
                    e => e.into(),
                })
            }
        }
    }

    /// Approved threads of a public article, oldest first.
    pub async fn list(
        &self,
        raw_article_id: &str,
        limit: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<CommentPage, AppError> {
        let (article_id, open) = self.target(raw_article_id).await?;
        let mut errors = Vec::new();
        let limit = Limit::parse(limit).map_err(|e| errors.push(e)).ok();
        let after = domain::cursor::given(cursor)
            .map(|c| Cursor::decode(c, fingerprint(article_id)))
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let (Some(limit), true) = (limit, errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        let repo = self.svc.repo();
        let page = repo
            .approved_threads(
                article_id,
                after.map(|c| (c.published_at, c.id)),
                limit.get(),
            )
            .await?;
        let next_cursor = if page.has_more {
            page.threads.last().map(|t| thread_cursor(&t.comment))
        } else {
            None
        };
        let stats = self.stats(article_id).await?;
        Ok(CommentPage {
            article_id,
            threads: page.threads,
            next_cursor,
            stats,
            form_token: open.then(|| self.tokens.issue(article_id, self.now())),
        })
    }

    /// A form token for an article (GraphQL `Article.commentFormToken`).
    pub fn form_token(&self, article_id: i64) -> String {
        self.tokens.issue(article_id, self.now())
    }

    /// The comment count and open flag of one article.
    pub async fn stats(&self, article_id: i64) -> Result<CommentStats, AppError> {
        Ok(self
            .svc
            .repo()
            .comment_stats(&[article_id])
            .await?
            .remove(&article_id)
            .unwrap_or_default())
    }

    // ---- moderation (editor scope; the caller checked the key) ----

    /// The queue: comments of a status (default pending), optionally of one
    /// article, oldest first.
    pub async fn queue(
        &self,
        status: Option<&str>,
        article: Option<&str>,
        limit: Option<&str>,
        after: Option<&str>,
    ) -> Result<ModerationPage, AppError> {
        let mut errors = Vec::new();
        let status = status
            .map(str::parse::<CommentStatus>)
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten()
            .unwrap_or(CommentStatus::Pending);
        let article = article
            .map(ArticleId::parse)
            .transpose()
            .map_err(|_| errors.push(ValidationError::new("article", "must be an article id")))
            .ok()
            .flatten();
        let limit = Limit::parse(limit).map_err(|e| errors.push(e)).ok();
        let after = domain::cursor::given(after)
            .map(ArticleId::parse)
            .transpose()
            .map_err(|_| errors.push(ValidationError::new("after", "must be a comment id")))
            .ok()
            .flatten();
        let (Some(limit), true) = (limit, errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        let repo = self.svc.repo();
        let limit = limit.get();
        let mut items = repo
            .comments_for_moderation(
                status,
                article.map(ArticleId::get),
                after.map(ArticleId::get),
                limit + 1,
            )
            .await?;
        let has_more = items.len() as u64 > limit;
        items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let mut ids: Vec<i64> = items.iter().map(|c| c.article_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let articles = repo.article_refs(&ids).await?;
        let next = if has_more {
            items.last().map(|c| c.id.to_string())
        } else {
            None
        };
        Ok(ModerationPage {
            items,
            articles,
            next,
        })
    }

    /// Any comment, whatever its status.
    pub async fn get(&self, raw_id: &str) -> Result<Comment, AppError> {
        self.svc
            .repo()
            .comment_by_id(comment_id(raw_id)?)
            .await?
            .ok_or_else(|| no_comment(raw_id))
    }

    fn ctx(&self, key: &ApiKey) -> WriteContext {
        WriteContext {
            actor: Some(key.id),
            now: self.now(),
        }
    }

    /// Shows the comment. A reply needs its parent approved first.
    pub async fn approve(&self, key: &ApiKey, raw_id: &str) -> Result<Comment, AppError> {
        let comment = self.get(raw_id).await?;
        if let Some(parent) = comment.parent_id {
            let parent = self.svc.repo().comment_by_id(parent).await?;
            if parent.is_none_or(|p| p.status != CommentStatus::Approved) {
                return Err(AppError::Conflict(
                    "parentId".into(),
                    "the comment this one replies to is not approved; approve it first".into(),
                ));
            }
        }
        self.moderate(key, raw_id, comment.id, &Moderation::Approve)
            .await
    }

    /// Hides the comment, with a reason for the record (it can be approved
    /// later).
    pub async fn reject(
        &self,
        key: &ApiKey,
        raw_id: &str,
        reason: Option<&str>,
    ) -> Result<Comment, AppError> {
        let id = comment_id(raw_id)?;
        let reason = match reason {
            None => Err(ValidationError::new("reason", "is required")),
            Some(r) => parse_reason(r),
        }
        .map_err(|e| AppError::Unprocessable(vec![e]))?;
        self.moderate(key, raw_id, id, &Moderation::Reject { reason })
            .await
    }

    async fn moderate(
        &self,
        key: &ApiKey,
        raw_id: &str,
        id: i64,
        decision: &Moderation,
    ) -> Result<Comment, AppError> {
        let comment = match self
            .svc
            .repo()
            .moderate_comment(id, decision, self.ctx(key))
            .await
        {
            Err(RepoError::NotFound) => return Err(no_comment(raw_id)),
            other => other?,
        };
        self.article_changed(comment.article_id);
        Ok(comment)
    }

    /// The article's public page shows its comment count: drop cached copies.
    fn article_changed(&self, article_id: i64) {
        self.svc.announce(Change::Comments { article_id });
    }

    /// Deletes the comment and its replies; returns how many went.
    pub async fn delete(&self, key: &ApiKey, raw_id: &str) -> Result<u64, AppError> {
        let id = comment_id(raw_id)?;
        let article = self
            .svc
            .repo()
            .comment_by_id(id)
            .await?
            .map(|c| c.article_id);
        let gone = match self.svc.repo().delete_comment(id, self.ctx(key)).await {
            Err(RepoError::NotFound) => return Err(no_comment(raw_id)),
            other => other?,
        };
        if let Some(a) = article {
            self.article_changed(a);
        }
        Ok(gone)
    }

    /// Opens or closes an article's comments (any article, any status).
    pub async fn set_open(
        &self,
        key: &ApiKey,
        raw_article_id: &str,
        open: bool,
    ) -> Result<(i64, CommentStats), AppError> {
        let id = ArticleId::parse(raw_article_id)
            .map_err(|_| no_article(raw_article_id))?
            .get();
        match self
            .svc
            .repo()
            .set_comments_open(id, open, self.ctx(key))
            .await
        {
            Err(RepoError::NotFound) => return Err(no_article(raw_article_id)),
            other => other?,
        }
        self.article_changed(id);
        Ok((id, self.stats(id).await?))
    }

    /// Slugs and headlines of articles (any status), for moderators.
    pub async fn article_refs(&self, ids: &[i64]) -> Result<HashMap<i64, ArticleRef>, AppError> {
        Ok(self.svc.repo().article_refs(ids).await?)
    }
}
