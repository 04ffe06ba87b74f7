//! Connecting, configuring and migrating the database.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::sqlx;
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, FromQueryResult,
    QueryResult, RuntimeErr, Statement,
};
use sea_orm_migration::MigratorTrait;
use sea_query_sqlx::SqlxValues;
use tracing::Instrument as _;

use crate::error::RepoError;
use crate::migration::Migrator;
use crate::read_pool::{POOL_TIMEOUT, READ_CONNECTIONS, ReadPool, SESSION_SETTINGS};

/// Counts the statements a connection runs (tests use it to prove there is
/// no N+1 query pattern).
#[derive(Debug, Clone, Default)]
pub struct QueryCounter(Arc<AtomicU64>);

impl QueryCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    fn bump(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A pool of connections to SQLite or PostgreSQL.
#[derive(Clone)]
pub struct Database {
    pub(crate) conn: DatabaseConnection,
    /// PostgreSQL only: the connections of the public read paths
    /// ([`Database::read_all`]).
    reads: Option<ReadPool>,
    /// PostgreSQL only: read replicas for the public read paths
    /// (`BARTA_READ_DATABASE_URL`), `None` without any.
    replicas: Option<Arc<crate::replicas::Replicas>>,
    counter: Option<QueryCounter>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("conn", &self.conn)
            .field("reads", &self.reads.as_ref().map(ReadPool::status))
            .finish()
    }
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
            .connect_timeout(POOL_TIMEOUT)
            .acquire_timeout(POOL_TIMEOUT);
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
            opts.map_sqlx_postgres_opts(|o| o.options(SESSION_SETTINGS));
        }
        let mut conn = sea_orm::Database::connect(opts).await?;
        if let Some(counter) = counter.clone() {
            conn.set_metric_callback(move |_| counter.bump());
        }
        let reads = match conn.get_database_backend() {
            DbBackend::Postgres => Some(ReadPool::new(url)?),
            _ => None,
        };
        Ok(Self {
            conn,
            reads,
            replicas: None,
            counter,
        })
    }

    /// Sends the public read paths to these read replicas (PostgreSQL
    /// only) while they keep up; see [`crate::replicas`]. Starts the task
    /// that watches their lag.
    pub fn with_replicas(mut self, urls: &[String], max_lag: Duration) -> Result<Self, RepoError> {
        if urls.is_empty() {
            return Ok(self);
        }
        if !self.is_postgres() {
            return Err(DbErr::Custom(
                "read replicas need PostgreSQL as the primary database".to_owned(),
            )
            .into());
        }
        let replicas = crate::replicas::Replicas::new(urls, max_lag)?;
        crate::replicas::watch(replicas.clone(), self.conn.clone());
        self.replicas = Some(replicas);
        Ok(self)
    }

    /// This database without its replicas: every read on the primary (the
    /// search index's sync reads what the change log just named).
    pub fn primary_only(&self) -> Self {
        Self {
            replicas: None,
            ..self.clone()
        }
    }

    /// Says that something was written (here, or learnt from the change
    /// log): public reads stay on the primary until a replica has replayed
    /// the primary's position as of now.
    pub fn note_write(&self) {
        if let Some(r) = &self.replicas {
            r.note_write();
        }
    }

    /// The replicas' state, for metrics and readiness.
    pub fn replica_status(&self) -> Vec<crate::replicas::ReplicaStatus> {
        self.replicas
            .as_ref()
            .map(|r| r.status())
            .unwrap_or_default()
    }

    /// Public reads served by the primary and by replicas (`None` without
    /// replicas).
    pub fn read_counts(&self) -> Option<(u64, u64)> {
        self.replicas.as_ref().map(|r| r.read_counts())
    }

    /// `query` in this database's dialect.
    pub(crate) fn statement(&self, query: &impl sea_orm::QueryTrait) -> Statement {
        query.build(self.conn.get_database_backend())
    }

    /// [`Self::statement`] of a read of articles by id (`"articles"."id"`
    /// first in its `WHERE`). On SQLite the table is read `NOT INDEXED`: by
    /// rowid only, which is the plan anyway, but then the planner weighs no
    /// index and probes no bound value against the STAT4 samples, and a
    /// statement that probed one is parsed and planned again at every
    /// execution (its parameters are bound anew each time).
    pub(crate) fn statement_by_ids(&self, query: &impl sea_orm::QueryTrait) -> Statement {
        let mut statement = self.statement(query);
        if self.is_sqlite() {
            statement.sql = by_rowid(&statement.sql);
        }
        statement
    }

    /// Runs a read-only statement of a public read path and decodes its
    /// rows: on PostgreSQL on the read connections ([`ReadPool`]), on SQLite
    /// through sea-orm's pool (whose release test is a function call there,
    /// not a round trip).
    pub(crate) async fn read_all<T: FromQueryResult>(
        &self,
        statement: Statement,
    ) -> Result<Vec<T>, RepoError> {
        let Some(primary) = &self.reads else {
            return Ok(T::find_by_statement(statement).all(&self.conn).await?);
        };
        if let Some(counter) = &self.counter {
            counter.bump();
        }
        let replica = self.replicas.as_ref().and_then(|r| r.pick());
        let rows = match replica {
            Some((replicas, i)) => {
                match self.fetch(replicas.pool(i), statement.clone()).await {
                    Ok(rows) => {
                        replicas.served(Some(i));
                        Ok(rows)
                    }
                    // A replica that fails a read is out of rotation until
                    // the watcher sees it answer again; the read is retried
                    // on the primary, so a replica going away costs no
                    // reader a failure.
                    Err(e) if !matches!(e, RepoError::Busy) => {
                        replicas.failed(i, &e);
                        replicas.served(None);
                        self.fetch(primary, statement).await
                    }
                    Err(e) => Err(e),
                }
            }
            None => {
                if let Some(r) = &self.replicas {
                    r.served(None);
                }
                self.fetch(primary, statement).await
            }
        }?;
        rows.into_iter()
            .map(|row| T::from_query_result(&QueryResult::from(row), "").map_err(RepoError::from))
            .collect()
    }

    /// Runs `statement` on a connection of `pool`, in sea-orm's span.
    async fn fetch(
        &self,
        pool: &ReadPool,
        statement: Statement,
    ) -> Result<Vec<sqlx::postgres::PgRow>, RepoError> {
        let reads = pool;
        // The span sea-orm gives each of its statements (`tracing-spans`).
        let span = tracing::info_span!(
            target: "sea_orm",
            "sea_orm.query_all",
            otel.kind = "client",
            db.system = "postgresql",
            db.operation = "SELECT",
            db.statement = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
        );
        if !span.is_disabled() {
            span.record("db.statement", statement.sql.as_str());
        }
        let rows = async {
            let mut c = reads.get().await?;
            c.clean = false;
            let values = statement.values.unwrap_or(sea_orm::Values(Vec::new()));
            let rows = sqlx::query_with(sqlx::AssertSqlSafe(statement.sql), SqlxValues(values))
                .fetch_all(&mut c.conn)
                .await
                .map_err(|e| DbErr::Query(RuntimeErr::SqlxError(Arc::new(e))))?;
            c.clean = true;
            Ok::<_, RepoError>(rows)
        }
        .instrument(span.clone())
        .await;
        match &rows {
            Ok(_) => span.record("otel.status_code", "OK"),
            Err(e) => span
                .record("otel.status_code", "ERROR")
                .record("exception.message", tracing::field::display(e)),
        };
        rows
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

    /// How many statements of the public read paths can run at once: the
    /// read connections on PostgreSQL, the pool's on SQLite. The server
    /// admits requests to the database by this number (`admission.rs`).
    pub fn read_connections(&self) -> usize {
        match self.conn.get_database_backend() {
            DbBackend::Sqlite => {
                let max = self
                    .conn
                    .get_sqlite_connection_pool()
                    .options()
                    .get_max_connections();
                usize::try_from(max).unwrap_or(1).max(1)
            }
            _ => READ_CONNECTIONS,
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
        if let Some(reads) = &self.reads {
            reads.close().await;
        }
        if let Some(r) = &self.replicas {
            r.close().await;
        }
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

/// SQLite: `sql`'s read of articles by id (the first `FROM "articles"
/// WHERE "articles"."id"`) by rowid only (`NOT INDEXED`).
pub(crate) fn by_rowid(sql: &str) -> String {
    sql.replacen(
        r#"FROM "articles" WHERE "articles"."id" "#,
        r#"FROM "articles" NOT INDEXED WHERE "articles"."id" "#,
        1,
    )
}
