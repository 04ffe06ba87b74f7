//! Who may write, and what writes leave behind: API key scopes, revisions
//! and audit entries.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// What an API key may do. Ordered: each scope includes the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read-only partner access (feeds and syndication).
    Partner,
    /// Articles, authors, tags, corrections, moderation.
    Editor,
    /// Everything, including keys and sections.
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Partner => "partner",
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }

    /// True when a key of this scope may do what `required` allows.
    pub fn allows(self, required: Scope) -> bool {
        self >= required
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "partner" => Ok(Self::Partner),
            "editor" => Ok(Self::Editor),
            "admin" => Ok(Self::Admin),
            _ => Err(ValidationError::new(
                "scope",
                "must be partner, editor or admin",
            )),
        }
    }
}

/// An API key as stored: never the secret, only its hash and a short
/// prefix to recognise it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub scope: Scope,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Partner quotas: requests per minute and per day (`None`: the
    /// server's defaults).
    pub quota_per_minute: Option<u32>,
    pub quota_per_day: Option<u32>,
}

/// A stored previous version of an article.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub article_id: i64,
    /// The version the article had before the change.
    pub number: i32,
    /// The article as it was (an `ArticleState` as JSON).
    pub snapshot: serde_json::Value,
    /// Fields the change touched.
    pub changed: Vec<String>,
    pub action: String,
    pub actor_key_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// One write, for the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub actor_key_id: Option<i64>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub details: serde_json::Value,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_ordered_partner_editor_admin() {
        assert!(Scope::Admin.allows(Scope::Editor));
        assert!(Scope::Admin.allows(Scope::Partner));
        assert!(Scope::Editor.allows(Scope::Editor));
        assert!(!Scope::Editor.allows(Scope::Admin));
        assert!(!Scope::Partner.allows(Scope::Editor));
        assert_eq!("editor".parse::<Scope>().unwrap(), Scope::Editor);
        assert!("root".parse::<Scope>().is_err());
    }
}
