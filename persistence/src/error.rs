use sea_orm::DbErr;

/// What a repository call can fail with.
///
/// `Database` and `Corrupt` are unexpected (logged with their cause, shown to
/// clients as an opaque 500/503); the others are the caller's business.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("not found")]
    NotFound,
    #[error("{field} is already taken")]
    Conflict { field: &'static str },
    #[error("invalid input: {0}")]
    Invalid(#[from] domain::ValidationError),
    #[error("the {what} is still in use by {count} article(s) or section(s)")]
    InUse { what: &'static str, count: u64 },
    #[error("version {expected} is stale: the current version is {current}")]
    VersionMismatch { expected: i32, current: i32 },
    #[error("the database did not answer in time")]
    Timeout,
    #[error("corrupt row in {table} (id {id}): {reason}")]
    Corrupt {
        table: &'static str,
        id: i64,
        reason: String,
    },
}

impl RepoError {
    /// True when the database could not be reached (as opposed to a query
    /// that failed): the API answers 503 for these.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            RepoError::Timeout | RepoError::Database(DbErr::Conn(_) | DbErr::ConnectionAcquire(_))
        )
    }
}
