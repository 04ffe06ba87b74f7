//! Live pages: the posts of a live article and the events a reader's
//! stream carries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::block::Block;

/// One post of a live page.
#[derive(Debug, Clone, PartialEq)]
pub struct LivePost {
    pub id: i64,
    pub article_id: i64,
    pub headline: Option<String>,
    pub body: Vec<Block>,
    pub author_id: Option<i64>,
    /// Shown first, above the newest posts.
    pub pinned: bool,
    /// A key event (readers can list only these).
    pub key_event: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What happened on a live page, in the order of its event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LiveEventKind {
    /// A new post.
    Post,
    /// A post was changed (text, pin, key event).
    Update,
    /// A post was deleted.
    Delete,
    /// The live page ended.
    Ended,
}

impl LiveEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Post => "post",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Ended => "ended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Post, Self::Update, Self::Delete, Self::Ended]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One entry of a live page's event log; its id is the stream cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEvent {
    pub id: i64,
    pub article_id: i64,
    pub post_id: Option<i64>,
    pub kind: LiveEventKind,
    pub at: DateTime<Utc>,
}
