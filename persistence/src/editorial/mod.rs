//! Editorial writes: articles through their lifecycle, sections, authors,
//! tags, API keys, revisions and the audit log.
//!
//! Every write is one transaction holding the change, its revision and its
//! audit entry: all of them are stored, or none.
//!
//! By topic: [`articles`] (create, the read-modify-write update, the
//! editors' list), [`history`] (revisions, the audit log), [`taxonomy`]
//! (sections, authors, tags) and [`keys`] (API keys); the change log the
//! article writes feed is [`crate::changes`].

pub(crate) mod articles;
pub(crate) mod history;
mod keys;
mod taxonomy;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use crate::error::RepoError;
use crate::repo::ContentRepo;

pub(crate) use articles::{link_ids, locked_state, replace_links};
pub(crate) use history::{audit, store_revision};

/// Who did a write, and when.
#[derive(Debug, Clone, Copy)]
pub struct WriteContext {
    /// The API key that made the change; `None` for the CLI (import, demo).
    pub actor: Option<i64>,
    pub now: DateTime<Utc>,
}

impl WriteContext {
    /// A write by the system itself (importer, demo seeder).
    pub fn system(now: DateTime<Utc>) -> Self {
        Self { actor: None, now }
    }
}

impl From<DateTime<Utc>> for WriteContext {
    fn from(now: DateTime<Utc>) -> Self {
        Self::system(now)
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<serde_json::Value, RepoError> {
    serde_json::to_value(v).map_err(|e| RepoError::Corrupt {
        table: "articles",
        id: 0,
        reason: e.to_string(),
    })
}

impl ContentRepo {
    /// Runs `sql` (tests use it to count rows behind the API's back).
    pub async fn count_rows(&self, table: &str) -> Result<u64, RepoError> {
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        let row = self
            .db
            .conn
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.conn.get_database_backend(),
                sql,
            ))
            .await?;
        Ok(row
            .and_then(|r| r.try_get::<i64>("", "n").ok())
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(0))
    }
}
