//! Reader comments: what a comment is, its moderation status, and the rules
//! a reader's name and text must follow.
//!
//! Comment text is plain text. It is stored as given (trimmed, NFC) and is
//! never interpreted as markup; turning it into safe HTML is the API's job.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::ValidationError;
use crate::text::{clean_text, is_invisible};

/// Where a comment is in pre-moderation. Only `Approved` is ever public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentStatus {
    /// Posted, waiting for a moderator.
    Pending,
    /// Shown under the article.
    Approved,
    /// Turned down by a moderator (kept, with the reason, never shown).
    Rejected,
}

impl CommentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }
}

impl fmt::Display for CommentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CommentStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(Self::Pending),
            "approved" => Ok(Self::Approved),
            "rejected" => Ok(Self::Rejected),
            _ => Err(ValidationError::new(
                "status",
                "must be pending, approved or rejected",
            )),
        }
    }
}

/// A reader's comment on an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: i64,
    pub article_id: i64,
    /// The top-level comment this one answers (threads are one level deep).
    pub parent_id: Option<i64>,
    /// The display name the reader gave.
    pub name: String,
    /// Plain text, NFC, line breaks as `\n`.
    pub text: String,
    pub status: CommentStatus,
    pub created_at: DateTime<Utc>,
    /// When a moderator last approved or rejected it.
    pub moderated_at: Option<DateTime<Utc>>,
    /// The key that made that decision.
    pub moderated_by: Option<i64>,
    /// Why it was rejected.
    pub reason: Option<String>,
}

/// A top-level comment with its approved replies, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentThread {
    pub comment: Comment,
    /// At most [`MAX_REPLIES_SHOWN`] replies.
    pub replies: Vec<Comment>,
    /// All approved replies, including those not in `replies`.
    pub reply_count: u64,
}

/// Replies served under one comment; `reply_count` tells if there are more.
pub const MAX_REPLIES_SHOWN: u64 = 100;

/// Checks and normalises one field: [`clean_text`]'s rule, trimmed, NFC, at least one visible character, `1..=max`
/// characters (Unicode scalar values, counted after NFC).
fn plain_field(
    field: &str,
    raw: &str,
    multiline: bool,
    max: usize,
) -> Result<String, ValidationError> {
    let err = |m: String| ValidationError::new(field, m);
    // Bidi controls and byte-order marks are refused by the text rule
    // every field shares.
    let cleaned = clean_text(raw.trim(), multiline).map_err(|e| err(e.to_string()))?;
    let cleaned = cleaned.trim().to_owned();
    if !cleaned
        .chars()
        .any(|c| !c.is_whitespace() && !is_invisible(c))
    {
        return Err(err(format!("must be 1 to {max} characters")));
    }
    if cleaned.chars().count() > max {
        return Err(err(format!("must be 1 to {max} characters")));
    }
    Ok(cleaned)
}

/// A reader's display name: one line, 1 to 60 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommenterName(String);

impl CommenterName {
    pub const MAX_CHARS: usize = 60;

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        plain_field("name", s, false, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The text of a comment: plain text, line breaks allowed, 1 to 2,000
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentText(String);

impl CommentText {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        plain_field("text", s, true, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A moderator's reason for rejecting: one line, 1 to 500 characters.
pub fn parse_reason(s: &str) -> Result<String, ValidationError> {
    plain_field("reason", s, false, 500)
}

/// A new comment, every field checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComment {
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub name: CommenterName,
    pub text: CommentText,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips_and_rejects_others() {
        for s in [
            CommentStatus::Pending,
            CommentStatus::Approved,
            CommentStatus::Rejected,
        ] {
            assert_eq!(s.as_str().parse::<CommentStatus>().unwrap(), s);
        }
        assert_eq!("spam".parse::<CommentStatus>().unwrap_err().field, "status");
    }

    #[test]
    fn names_are_one_line_of_one_to_sixty_characters() {
        assert_eq!(CommenterName::parse("  রহিম ").unwrap().as_str(), "রহিম");
        assert!(CommenterName::parse(&"ক".repeat(60)).is_ok());
        assert!(CommenterName::parse(&"ক".repeat(61)).is_err());
        for bad in ["", "   ", "a\nb", "a\tb", "\u{200B}\u{200C}", "x\u{0000}"] {
            let e = CommenterName::parse(bad).unwrap_err();
            assert_eq!(e.field, "name", "{bad:?}");
        }
    }

    #[test]
    fn text_allows_line_breaks_and_counts_characters_after_nfc() {
        let t = CommentText::parse("প্রথম লাইন\r\nদ্বিতীয়").unwrap();
        assert_eq!(t.as_str(), "প্রথম লাইন\nদ্বিতীয়");
        // A decomposed o-kar (ে + া) composes to one character: 3,000
        // characters as sent are 2,000 once in NFC.
        let decomposed = "\u{0995}\u{09C7}\u{09BE}".repeat(1000);
        assert_eq!(decomposed.chars().count(), 3000);
        assert!(CommentText::parse(&decomposed).is_ok());
        assert!(CommentText::parse(&"ক".repeat(2001)).is_err());
        assert!(CommentText::parse("\n\n  \n").is_err());
        assert!(CommentText::parse("a\u{0007}b").is_err());
    }

    #[test]
    fn bidi_overrides_are_refused_but_marks_are_kept() {
        assert!(CommenterName::parse("abc\u{202E}gpj.exe").is_err());
        assert!(CommentText::parse("\u{2066}x\u{2069}").is_err());
        assert!(CommentText::parse("a\u{200F}b").is_ok());
    }

    #[test]
    fn reason_is_required_and_bounded() {
        assert_eq!(parse_reason(" স্প্যাম ").unwrap(), "স্প্যাম");
        assert_eq!(parse_reason("").unwrap_err().field, "reason");
        assert!(parse_reason(&"x".repeat(501)).is_err());
    }
}
