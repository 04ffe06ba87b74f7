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
    /// Every connection of the pool stayed busy past the wait deadline: the
    /// database answers, the process has more work than connections
    /// (overload, not an outage).
    #[error("every database connection is busy")]
    Busy,
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
        match self {
            RepoError::Timeout
            | RepoError::Database(DbErr::Conn(_) | DbErr::ConnectionAcquire(_)) => true,
            // A pooled connection that the database dropped (restart,
            // outage): the statement fails on the wire.
            RepoError::Database(DbErr::Query(e) | DbErr::Exec(e)) => is_connection_lost(e),
            _ => false,
        }
    }
}

fn is_connection_lost(e: &sea_orm::RuntimeErr) -> bool {
    match e {
        sea_orm::RuntimeErr::SqlxError(e) => {
            matches!(
                e.as_ref(),
                sea_orm::sqlx::Error::Io(_)
                    | sea_orm::sqlx::Error::Protocol(_)
                    | sea_orm::sqlx::Error::Tls(_)
                    | sea_orm::sqlx::Error::PoolTimedOut
                    | sea_orm::sqlx::Error::PoolClosed
                    | sea_orm::sqlx::Error::WorkerCrashed
            ) || is_server_going_away(e.as_ref())
        }
        _ => false,
    }
}

/// The server refuses or ends the session on its side: SQLSTATE class 08
/// (connection exception), 57P01–57P03 (shut down by the administrator, a
/// crash, or still starting) and 53300 (too many connections). A statement
/// in flight when PostgreSQL is stopped fails with 57P01.
fn is_server_going_away(e: &sea_orm::sqlx::Error) -> bool {
    let sea_orm::sqlx::Error::Database(db) = e else {
        return false;
    };
    db.code()
        .is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c == "53300")
}
