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

/// A shareable link to an article as it stands, published or not: the
/// token is handed out once and only its hash is stored (like API keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewLink {
    pub id: i64,
    pub article_id: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl PreviewLink {
    /// The longest a preview link lives.
    pub const MAX_LIFETIME_SECS: i64 = 7 * 24 * 3600;
    /// A link's life when the editor gives none.
    pub const DEFAULT_LIFETIME_SECS: i64 = 24 * 3600;

    /// Whether the link opens the article at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }

    /// A link's lifetime in seconds from the editor's `expiresIn`: 60 s to
    /// seven days, a day when absent.
    pub fn lifetime(expires_in: Option<i64>) -> Result<i64, ValidationError> {
        match expires_in {
            None => Ok(Self::DEFAULT_LIFETIME_SECS),
            Some(s) if (60..=Self::MAX_LIFETIME_SECS).contains(&s) => Ok(s),
            Some(_) => Err(ValidationError::new(
                "expiresIn",
                "must be between 60 and 604800 seconds (seven days)",
            )),
        }
    }
}

#[cfg(test)]
mod preview_tests {
    use super::*;

    #[test]
    fn a_link_lives_from_a_minute_to_seven_days() {
        assert_eq!(PreviewLink::lifetime(None).unwrap(), 86_400);
        assert_eq!(PreviewLink::lifetime(Some(60)).unwrap(), 60);
        assert_eq!(PreviewLink::lifetime(Some(604_800)).unwrap(), 604_800);
        assert_eq!(
            PreviewLink::lifetime(Some(59)).unwrap_err().field,
            "expiresIn"
        );
        assert!(PreviewLink::lifetime(Some(604_801)).is_err());
        assert!(PreviewLink::lifetime(Some(-5)).is_err());
    }

    #[test]
    fn a_revoked_or_expired_link_is_dead() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let link = PreviewLink {
            id: 1,
            article_id: 2,
            created_at: t("2026-12-01T00:00:00Z"),
            expires_at: t("2026-12-02T00:00:00Z"),
            revoked_at: None,
        };
        assert!(link.is_live(t("2026-12-01T23:59:59Z")));
        assert!(!link.is_live(t("2026-12-02T00:00:00Z")));
        let revoked = PreviewLink {
            revoked_at: Some(t("2026-12-01T01:00:00Z")),
            ..link
        };
        assert!(!revoked.is_live(t("2026-12-01T02:00:00Z")));
    }
}
