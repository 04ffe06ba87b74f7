//! Connecting, configuring and migrating the database.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection, DbBackend};
use sea_orm_migration::MigratorTrait;

use crate::error::RepoError;
use crate::migration::Migrator;

/// Counts the statements a connection runs (tests use it to prove there is
/// no N+1 query pattern).
#[derive(Debug, Clone, Default)]
pub struct QueryCounter(Arc<AtomicU64>);

impl QueryCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A pool of connections to SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub struct Database {
    pub(crate) conn: DatabaseConnection,
}

impl Database {
    /// Connects to `url` (`sqlite://file.db?mode=rwc`, `sqlite::memory:`,
    /// `postgres://…`). An SQLite file is created when missing and switched
    /// to WAL so readers never wait for the writer.
    pub async fn connect(url: &str) -> Result<Self, RepoError> {
        Self::connect_with(url, None).await
    }

    pub async fn connect_with(url: &str, counter: Option<QueryCounter>) -> Result<Self, RepoError> {
        let mut opts = ConnectOptions::new(url.to_owned());
        // No ping before every statement (sea-orm acquires a connection per
        // statement, so the ping doubled the round trips); a connection
        // broken by an outage fails its statement and is dropped.
        opts.sqlx_logging(false)
            .test_before_acquire(false)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(5));
        let memory = url.starts_with("sqlite::memory:") || url.contains("mode=memory");
        if url.starts_with("sqlite:") {
            if memory {
                // Every connection to :memory: is a different database: keep
                // exactly one, and never let it expire.
                opts.max_connections(1).min_connections(1);
            } else {
                set_wal_once(url).await?;
                opts.max_connections(8).min_connections(1);
                // Per connection: WAL so readers never wait for the writer,
                // and a page cache of 8 MB (the default 2 MB re-reads hot
                // pages through read(2); 8 connections × 8 MB bounds it).
                opts.map_sqlx_sqlite_opts(|o| {
                    use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
                    o.journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                        .busy_timeout(Duration::from_secs(5))
                        .pragma("cache_size", "-8192")
                });
            }
            opts.idle_timeout(None::<Duration>)
                .max_lifetime(None::<Duration>);
        } else {
            opts.max_connections(32).min_connections(1);
            // Generic plans for prepared statements. PostgreSQL otherwise
            // re-plans the visibility query on every execution (its custom
            // plan looks cheaper than the generic one), and planning it
            // costs 1.7 ms of CPU against 0.03 ms to run it: with custom
            // plans, planning was most of the database's work for a list.
            opts.map_sqlx_postgres_opts(|o| o.options([("plan_cache_mode", "force_generic_plan")]));
        }
        let mut conn = sea_orm::Database::connect(opts).await?;
        if let Some(counter) = counter {
            conn.set_metric_callback(move |_| {
                counter.0.fetch_add(1, Ordering::SeqCst);
            });
        }
        Ok(Self { conn })
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), RepoError> {
        Migrator::up(&self.conn, None).await?;
        Ok(())
    }

    /// Refreshes the query planner's statistics. SQLite has none until
    /// `ANALYZE` runs, and without them it answers `id IN (…)` with a scan of
    /// the status index (26 ms at 100k articles instead of 20 key lookups)
    /// and sorts public lists instead of walking the partial index. A full
    /// `ANALYZE` of 100k articles takes about 0.1 s. PostgreSQL's autovacuum
    /// keeps its own statistics; after a bulk import an explicit `ANALYZE`
    /// spares the first readers the stale plans.
    pub async fn refresh_statistics(&self) -> Result<(), RepoError> {
        self.conn.execute_unprepared("ANALYZE").await?;
        Ok(())
    }

    /// True when no migration is pending.
    pub async fn is_migrated(&self) -> Result<bool, RepoError> {
        Ok(Migrator::get_pending_migrations(&self.conn)
            .await?
            .is_empty())
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so two writers queue instead of failing when one
    /// upgrades a read lock; on PostgreSQL rows are locked explicitly.
    pub(crate) async fn begin_write(&self) -> Result<sea_orm::DatabaseTransaction, RepoError> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        Ok(self.conn.begin_with_options(options).await?)
    }

    /// Open and idle connections of the pool.
    pub fn pool_stats(&self) -> (u32, usize) {
        match self.conn.get_database_backend() {
            DbBackend::Postgres => {
                let p = self.conn.get_postgres_connection_pool();
                (p.size(), p.num_idle())
            }
            DbBackend::Sqlite => {
                let p = self.conn.get_sqlite_connection_pool();
                (p.size(), p.num_idle())
            }
            _ => (0, 0),
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.conn.get_database_backend() == DbBackend::Sqlite
    }

    pub(crate) fn is_postgres(&self) -> bool {
        self.conn.get_database_backend() == DbBackend::Postgres
    }

    /// Round trip to the database (readiness probe).
    pub async fn ping(&self) -> Result<(), RepoError> {
        self.conn.ping().await?;
        Ok(())
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match self.conn.get_database_backend() {
            DbBackend::Postgres => "postgres",
            DbBackend::Sqlite => "sqlite",
            _ => "other",
        }
    }

    /// Runs a statement that returns no rows; for tests and setup only.
    pub async fn execute_unprepared(&self, sql: &str) -> Result<(), RepoError> {
        self.conn.execute_unprepared(sql).await?;
        Ok(())
    }

    pub async fn close(self) -> Result<(), RepoError> {
        self.conn.close().await?;
        Ok(())
    }
}

/// Switches an SQLite file to WAL on one connection before the pool opens
/// its own. The mode is stored in the file, so each pooled connection's
/// `journal_mode = WAL` is then a no-op; on a new file, two pooled
/// connections switching it at once could meet `SQLITE_BUSY` ("database is
/// locked"), which the busy handler does not retry.
async fn set_wal_once(url: &str) -> Result<(), RepoError> {
    use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
    use sea_orm::sqlx::{ConnectOptions as _, Connection as _};
    use std::str::FromStr as _;
    let to_repo = |e: sea_orm::sqlx::Error| {
        RepoError::Database(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(
            std::sync::Arc::new(e),
        )))
    };
    let conn = SqliteConnectOptions::from_str(url)
        .map_err(to_repo)?
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(5))
        .connect()
        .await
        .map_err(to_repo)?;
    conn.close().await.map_err(to_repo)
}
