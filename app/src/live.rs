//! Live pages: the editors' posts and what readers may see of them.
//!
//! Posts follow their article's visibility: every public read starts from
//! the public article (a draft, scheduled, embargoed, unpublished or
//! deleted live page is the same 404 as an unknown one), so nothing of a
//! page that is not public is ever served.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use domain::live::{LiveEvent, LivePost};
use domain::text::clean_text;
use domain::{ApiKey, Article, Author, Block, ValidationError};
use persistence::{PostChange, PostInput, PostPage, WriteContext};

use crate::content::ContentService;
use crate::error::AppError;
use crate::events::Change;
use crate::import::BodyInput;

/// Longest post headline, in characters.
pub const HEADLINE_MAX: usize = 200;
/// Most posts a page may ask for.
pub const PAGE_MAX: u64 = 50;

/// A post as an editor sends it; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct PostFields {
    /// `Some(None)` clears it.
    pub headline: Option<Option<String>>,
    pub body: Option<BodyInput>,
    /// An author's slug; `Some(None)` clears it.
    pub author: Option<Option<String>>,
    pub pinned: Option<bool>,
    pub key_event: Option<bool>,
}

/// A page of posts and the cursors around it.
#[derive(Debug, Clone)]
pub struct PostsPage {
    pub article: Article,
    /// Pinned posts (first page only).
    pub pinned: Vec<LivePost>,
    pub posts: Vec<LivePost>,
    /// Older posts follow this cursor.
    pub next: Option<String>,
    /// Newer posts precede this cursor.
    pub previous: Option<String>,
    /// Whether this is the newest page (short cache lifetime).
    pub newest: bool,
    pub authors: Vec<Author>,
}

/// A post's cursor: its (created_at, id), opaque.
pub fn post_cursor(p: &LivePost) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}.{}", p.created_at.timestamp_micros(), p.id))
}

fn parse_cursor(field: &str, raw: &str) -> Result<(DateTime<Utc>, i64), AppError> {
    let bad = || AppError::invalid(field, "is not a cursor of this list");
    let text = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?;
    let text = String::from_utf8(text).map_err(|_| bad())?;
    let (t, id) = text.split_once('.').ok_or_else(bad)?;
    let t = t.parse::<i64>().map_err(|_| bad())?;
    let id = id.parse::<i64>().map_err(|_| bad())?;
    Ok((DateTime::from_timestamp_micros(t).ok_or_else(bad)?, id))
}

/// The live-page service.
#[derive(Clone, Debug)]
pub struct LiveService {
    svc: ContentService,
}

fn ctx(key: &ApiKey, now: DateTime<Utc>) -> WriteContext {
    WriteContext {
        actor: Some(key.id),
        now,
    }
}

fn post_not_found(e: persistence::RepoError, article: i64, post: Option<i64>) -> AppError {
    match e {
        persistence::RepoError::NotFound => match post {
            Some(p) => AppError::not_found(format!("no post {p} on article {article}")),
            None => AppError::not_found(format!("no article {article}")),
        },
        e => e.into(),
    }
}

impl LiveService {
    pub fn new(svc: ContentService) -> Self {
        Self { svc }
    }

    pub fn content(&self) -> &ContentService {
        &self.svc
    }

    /// Checks the fields; on create a body is required.
    async fn check(&self, f: &PostFields, creating: bool) -> Result<PostChange, AppError> {
        let mut errors = Vec::new();
        let mut change = PostChange::default();
        if let Some(h) = &f.headline {
            change.headline = Some(match h.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(text) => match clean_text(text, false) {
                    Ok(t) if t.chars().count() <= HEADLINE_MAX => Some(t),
                    Ok(_) => {
                        errors.push(ValidationError::new(
                            "headline",
                            format!("must be at most {HEADLINE_MAX} characters"),
                        ));
                        None
                    }
                    Err(e) => {
                        errors.push(ValidationError::new("headline", e.to_string()));
                        None
                    }
                },
            });
        }
        match &f.body {
            Some(body) => {
                let blocks = match body {
                    BodyInput::Text(t) => domain::block::paragraphs_from_text(t),
                    BodyInput::Blocks(b) => b.clone(),
                };
                let mut blocks: Vec<Block> = blocks
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, b)| b.validate(i).map_err(|e| errors.push(e)).ok())
                    .collect();
                crate::images::attach_blocks(&self.svc, &mut blocks, &mut errors).await?;
                if blocks.is_empty() && errors.is_empty() {
                    errors.push(ValidationError::new("body", "must not be empty"));
                }
                change.body = Some(blocks);
            }
            None if creating => errors.push(ValidationError::new("body", "is required")),
            None => {}
        }
        if let Some(a) = &f.author {
            change.author_id = Some(match a {
                None => None,
                Some(slug) => {
                    let found = self
                        .svc
                        .repo()
                        .authors_by_slugs(std::slice::from_ref(slug))
                        .await?;
                    match found.first() {
                        Some(author) => Some(author.id),
                        None => {
                            errors.push(ValidationError::new(
                                "author",
                                format!("no author {slug:?}"),
                            ));
                            None
                        }
                    }
                }
            });
        }
        change.pinned = f.pinned;
        change.key_event = f.key_event;
        if errors.is_empty() {
            Ok(change)
        } else {
            Err(AppError::Unprocessable(errors))
        }
    }

    fn announce(&self, article_id: i64) {
        self.svc.announce(Change::Article {
            id: article_id,
            sections: Vec::new(),
            tags: Vec::new(),
            authors: Vec::new(),
            versions: Vec::new(),
        });
    }

    /// Adds a post to a live article (editor key).
    pub async fn create_post(
        &self,
        key: &ApiKey,
        article_id: i64,
        fields: PostFields,
    ) -> Result<LivePost, AppError> {
        let c = self.check(&fields, true).await?;
        let post = self
            .svc
            .repo()
            .create_post(
                article_id,
                PostInput {
                    headline: c.headline.flatten(),
                    body: c.body.unwrap_or_default(),
                    author_id: c.author_id.flatten(),
                    pinned: c.pinned.unwrap_or(false),
                    key_event: c.key_event.unwrap_or(false),
                },
                ctx(key, self.svc.now()),
            )
            .await
            .map_err(|e| post_not_found(e, article_id, None))?;
        self.announce(article_id);
        Ok(post)
    }

    pub async fn update_post(
        &self,
        key: &ApiKey,
        article_id: i64,
        post_id: i64,
        fields: PostFields,
    ) -> Result<LivePost, AppError> {
        let c = self.check(&fields, false).await?;
        let post = self
            .svc
            .repo()
            .update_post(article_id, post_id, c, ctx(key, self.svc.now()))
            .await
            .map_err(|e| post_not_found(e, article_id, Some(post_id)))?;
        self.announce(article_id);
        Ok(post)
    }

    pub async fn delete_post(
        &self,
        key: &ApiKey,
        article_id: i64,
        post_id: i64,
    ) -> Result<(), AppError> {
        self.svc
            .repo()
            .delete_post(article_id, post_id, ctx(key, self.svc.now()))
            .await
            .map_err(|e| post_not_found(e, article_id, Some(post_id)))?;
        self.announce(article_id);
        Ok(())
    }

    /// A page of a public article's posts, newest first.
    pub async fn posts(
        &self,
        id_or_slug: &str,
        after: Option<&str>,
        before: Option<&str>,
        key_events: Option<&str>,
        limit: Option<&str>,
    ) -> Result<PostsPage, AppError> {
        let mut errors = Vec::new();
        let limit = match limit.map(str::trim).filter(|s| !s.is_empty()) {
            None => 20,
            Some(l) => match l.parse::<u64>() {
                Ok(n) if (1..=PAGE_MAX).contains(&n) => n,
                _ => {
                    errors.push(ValidationError::new("limit", "must be 1 to 50"));
                    20
                }
            },
        };
        let key_events_only = match key_events.map(str::trim) {
            None | Some("") | Some("0") | Some("false") => false,
            Some("1") | Some("true") => true,
            Some(_) => {
                errors.push(ValidationError::new("keyEvents", "must be 1 or 0"));
                false
            }
        };
        let after = after
            .filter(|s| !s.is_empty())
            .map(|a| parse_cursor("after", a))
            .transpose();
        let before = before
            .filter(|s| !s.is_empty())
            .map(|b| parse_cursor("before", b))
            .transpose();
        let (after, before) = match (after, before) {
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => {
                for e in [a.err(), b.err()].into_iter().flatten() {
                    if let AppError::Invalid(v) = e {
                        errors.extend(v);
                    }
                }
                (None, None)
            }
        };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let article = self.svc.article(id_or_slug).await?;
        let id = article.summary.id;
        let repo = self.svc.repo();
        let mut posts = repo
            .posts(
                id,
                PostPage {
                    limit: limit + 1,
                    after,
                    before,
                    key_events_only,
                },
            )
            .await?;
        let backward = before.is_some() && after.is_none();
        let more = posts.len() as u64 > limit;
        if more {
            if backward {
                posts.remove(0);
            } else {
                posts.pop();
            }
        }
        let (has_older, has_newer) = if backward {
            (true, more)
        } else {
            (more, after.is_some())
        };
        let newest = !has_newer;
        let pinned = if newest && !key_events_only {
            repo.pinned_posts(id).await?
        } else {
            Vec::new()
        };
        let mut author_ids: Vec<i64> = posts
            .iter()
            .chain(&pinned)
            .filter_map(|p| p.author_id)
            .collect();
        author_ids.sort_unstable();
        author_ids.dedup();
        let authors = repo.authors_by_ids(&author_ids).await?;
        Ok(PostsPage {
            next: has_older.then(|| posts.last().map(post_cursor)).flatten(),
            previous: has_newer.then(|| posts.first().map(post_cursor)).flatten(),
            newest,
            article,
            pinned,
            posts,
            authors,
        })
    }

    /// Live events of a public article after a cursor (a reconnecting
    /// reader's catch-up), with the posts they name.
    pub async fn events_after(
        &self,
        article_id: i64,
        after: i64,
        limit: u64,
    ) -> Result<(Vec<LiveEvent>, Vec<LivePost>), AppError> {
        let repo = self.svc.repo();
        let events = repo
            .live_events_after(Some(article_id), after, limit)
            .await?;
        let ids: Vec<i64> = events.iter().filter_map(|e| e.post_id).collect();
        let posts = repo.posts_by_ids(&ids).await?;
        Ok((events, posts))
    }

    /// Every article's live events after `after` (the stream hub's poll).
    pub async fn poll(&self, after: i64, limit: u64) -> Result<Vec<LiveEvent>, AppError> {
        Ok(self
            .svc
            .repo()
            .live_events_after(None, after, limit)
            .await?)
    }

    /// The newest live event, of one article or of all (0 when none).
    pub async fn last_event_id(&self, article_id: Option<i64>) -> Result<i64, AppError> {
        Ok(self.svc.repo().last_live_event_id(article_id).await?)
    }

    /// Posts by id.
    pub async fn posts_by_ids(&self, ids: &[i64]) -> Result<Vec<LivePost>, AppError> {
        Ok(self.svc.repo().posts_by_ids(ids).await?)
    }

    pub async fn authors_by_ids(&self, ids: &[i64]) -> Result<Vec<Author>, AppError> {
        Ok(self.svc.repo().authors_by_ids(ids).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let p = LivePost {
            id: 7,
            article_id: 1,
            headline: None,
            body: Vec::new(),
            author_id: None,
            pinned: false,
            key_event: false,
            created_at: DateTime::from_timestamp_micros(1_796_536_047_308_841).unwrap(),
            updated_at: DateTime::from_timestamp_micros(1_796_536_047_308_841).unwrap(),
        };
        assert_eq!(
            parse_cursor("after", &post_cursor(&p)).unwrap(),
            (p.created_at, 7)
        );
        for bad in ["", "x", "MTIz", "!!"] {
            assert!(parse_cursor("after", bad).is_err(), "{bad}");
        }
    }
}
