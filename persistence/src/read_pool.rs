//! The raw-connection pool of the public read paths on PostgreSQL (the
//! primary's and each read replica's).

use std::sync::Arc;
use std::time::Duration;

use deadpool::managed::{self, Metrics, Object, PoolError, RecycleResult, TimeoutType};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection};
use sea_orm::sqlx::{self, ConnectOptions as _, Connection as _};
use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};

use crate::error::RepoError;

/// Connections for the public read paths on PostgreSQL, beside sea-orm's
/// pool.
///
/// sqlx's pool tests every connection it takes back with a `Sync` round trip
/// (`PoolConnection::return_to_pool` pings unconditionally, sqlx 0.9), so
/// each statement cost two round trips: two wake-ups, two TLS records and
/// four system calls on each side for a list that is one index range scan.
/// These connections go back to their pool as they are when their statement
/// ran to its end; one left mid-statement (the reader hung up, the future
/// was dropped) or after an error is drained and tested with that same ping
/// before its next use, and dropped when the ping fails.
#[derive(Clone)]
pub(crate) struct ReadPool(managed::Pool<ReadManager>);

/// How many read connections one process opens at most (sea-orm's pool has
/// 32 more): the database has as many cores as the server, and a read is
/// one statement, so more connections would only queue there instead.
pub(crate) const READ_CONNECTIONS: usize = 16;

pub(crate) struct ReadManager {
    options: PgConnectOptions,
}

pub(crate) struct ReadConn {
    pub(crate) conn: PgConnection,
    /// False from a statement's start until it has been read to its end.
    pub(crate) clean: bool,
}

impl managed::Manager for ReadManager {
    type Type = ReadConn;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<ReadConn, sqlx::Error> {
        Ok(ReadConn {
            conn: self.options.connect().await?,
            clean: true,
        })
    }

    async fn recycle(&self, c: &mut ReadConn, _: &Metrics) -> RecycleResult<sqlx::Error> {
        if !c.clean {
            // Reads what the interrupted statement left on the wire, up to
            // its ReadyForQuery, then one more round trip.
            c.conn.ping().await?;
            c.clean = true;
        }
        Ok(())
    }
}

/// Settings of every PostgreSQL session. Generic plans: see
/// `Database::connect`. No JIT: a generic plan's cost is an upper bound
/// over the whole index (a list of 20 on a million articles is estimated
/// at ~800,000), past `jit_above_cost`, so PostgreSQL compiled every list
/// query with LLVM: 260 ms of JIT for a 0.3 ms index walk
/// (`bench/results/explain-filters-*.md`). Nothing here runs long enough
/// to gain from it.
pub(crate) const SESSION_SETTINGS: [(&str, &str); 2] =
    [("plan_cache_mode", "force_generic_plan"), ("jit", "off")];

impl ReadPool {
    /// The pool's size and availability (for `Debug`).
    pub(crate) fn status(&self) -> managed::Status {
        self.0.status()
    }

    pub(crate) fn new(url: &str) -> Result<Self, RepoError> {
        let options = url
            .parse::<PgConnectOptions>()
            .map_err(|e| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e))))?
            .options(SESSION_SETTINGS)
            .disable_statement_logging();
        let pool = managed::Pool::builder(ReadManager { options })
            .max_size(READ_CONNECTIONS)
            .runtime(deadpool::Runtime::Tokio1)
            .wait_timeout(Some(POOL_TIMEOUT))
            .create_timeout(Some(POOL_TIMEOUT))
            .recycle_timeout(Some(POOL_TIMEOUT))
            .build()
            .map_err(|e| DbErr::Custom(format!("read pool: {e}")))?;
        Ok(Self(pool))
    }

    /// A connection; waiting past the deadline for one of the
    /// [`READ_CONNECTIONS`] to come back is [`RepoError::Busy`] (a down
    /// database fails the connect instead).
    pub(crate) async fn get(&self) -> Result<Object<ReadManager>, RepoError> {
        self.0.get().await.map_err(|e| match e {
            PoolError::Timeout(TimeoutType::Wait) => RepoError::Busy,
            PoolError::Backend(e) => DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e))).into(),
            PoolError::Timeout(TimeoutType::Create) => DbErr::Conn(RuntimeErr::Internal(
                "no connection to the database in time".to_owned(),
            ))
            .into(),
            PoolError::Timeout(_) => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout).into(),
            PoolError::Closed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed).into(),
            e => DbErr::Custom(format!("read pool: {e}")).into(),
        })
    }

    /// Closes the idle connections (a `Terminate` each) and the pool.
    pub(crate) async fn close(&self) {
        let idle = self.0.retain(|_, _| false).removed;
        self.0.close();
        for c in idle {
            let _ = c.conn.close().await;
        }
    }
}

/// How long a statement waits for a connection, and a new connection for
/// the database.
pub(crate) const POOL_TIMEOUT: Duration = Duration::from_secs(5);
