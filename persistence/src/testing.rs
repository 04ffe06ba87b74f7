//! Test support: a fresh, migrated database per test, on SQLite or PostgreSQL.
//!
//! PostgreSQL tests use `TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); each test creates its own
//! database `barta_t_<pid>_<n>` and drops it at the end. Databases left by a
//! crashed run (whose process is gone) are swept on the next start. Setting
//! `BARTA_TEST_SKIP_POSTGRES=1` skips the PostgreSQL leg (and says so); CI
//! never sets it, and an unreachable server fails the tests loudly.

use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{ConnectionTrait, Statement};

use crate::db::{Database, QueryCounter};
use crate::error::RepoError;

pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
const PREFIX: &str = "barta_t_";

static COUNTER: AtomicU64 = AtomicU64::new(0);
static SWEPT: std::sync::Once = std::sync::Once::new();

/// Which engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A write lock held by a test ([`TestDb::hold_write_lock`]).
pub struct WriteLock(sea_orm::DatabaseTransaction);

impl WriteLock {
    pub async fn release(self) -> Result<(), RepoError> {
        self.0.rollback().await?;
        Ok(())
    }
}

/// A fresh database for one test.
pub struct TestDb {
    pub db: Database,
    /// The URL of this test's database (give it to a server under test).
    pub url: String,
    pub counter: QueryCounter,
    admin_url: Option<String>,
    name: Option<String>,
}

pub fn postgres_skipped() -> bool {
    std::env::var("BARTA_TEST_SKIP_POSTGRES").is_ok_and(|v| domain::text::boolish(&v) == Some(true))
}

pub fn base_postgres_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned())
}

/// `postgres://u@h:5432/test?x=y` with the database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[authority_start..]
        .find('/')
        .map(|i| authority_start + i)
        .unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl TestDb {
    /// A migrated database on `engine`; `None` only when the PostgreSQL leg
    /// is explicitly skipped.
    pub async fn new(engine: Engine) -> Result<Option<Self>, RepoError> {
        match engine {
            Engine::Sqlite => Self::sqlite().await.map(Some),
            Engine::Postgres => Self::postgres().await,
        }
    }

    pub async fn sqlite() -> Result<Self, RepoError> {
        let counter = QueryCounter::default();
        let url = "sqlite::memory:".to_owned();
        let db = Database::connect_with(&url, Some(counter.clone())).await?;
        db.migrate().await?;
        Ok(Self {
            db,
            url,
            counter,
            admin_url: None,
            name: None,
        })
    }

    /// A file-backed SQLite database (for servers that need several
    /// connections); the file lives in the system temp directory.
    pub async fn sqlite_file() -> Result<Self, RepoError> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("{PREFIX}{}_{}_{n}.db", std::process::id(), nanos()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let counter = QueryCounter::default();
        let db = Database::connect_with(&url, Some(counter.clone())).await?;
        db.migrate().await?;
        Ok(Self {
            db,
            url,
            counter,
            admin_url: None,
            name: Some(path.display().to_string()),
        })
    }

    pub async fn postgres() -> Result<Option<Self>, RepoError> {
        if postgres_skipped() {
            eprintln!("BARTA_TEST_SKIP_POSTGRES=1: skipping the PostgreSQL leg of this test");
            return Ok(None);
        }
        let admin_url = base_postgres_url();
        let admin = Database::connect(&admin_url).await?;
        sweep_once(&admin).await;
        let name = format!(
            "{PREFIX}{}_{}_{}",
            std::process::id(),
            nanos(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await?;
        admin.close().await?;
        let url = with_database(&admin_url, &name);
        let counter = QueryCounter::default();
        let db = Database::connect_with(&url, Some(counter.clone())).await?;
        db.migrate().await?;
        Ok(Some(Self {
            db,
            url,
            counter,
            admin_url: Some(admin_url),
            name: Some(name),
        }))
    }

    /// Holds the database's write lock from this test's own connection
    /// until [`WriteLock::release`]: writers of the server under test wait
    /// (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: `articles` locked in
    /// `EXCLUSIVE` mode), readers do not.
    pub async fn hold_write_lock(&self) -> Result<WriteLock, RepoError> {
        let tx = self.db.begin_write().await?;
        if self.db.is_postgres() {
            tx.execute_unprepared("LOCK TABLE articles IN EXCLUSIVE MODE")
                .await?;
        }
        Ok(WriteLock(tx))
    }

    /// Drops the test's database (PostgreSQL) or file (SQLite).
    pub async fn cleanup(self) {
        let _ = self.db.close().await;
        match (self.admin_url, self.name) {
            (Some(admin_url), Some(name)) => {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                    let _ = admin.close().await;
                }
            }
            (None, Some(path)) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
            _ => {}
        }
    }
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() % 1_000_000_000_000)
        .unwrap_or(0)
}

/// Drops test databases whose creating process is gone.
async fn sweep_once(admin: &Database) {
    if SWEPT.is_completed() {
        return;
    }
    SWEPT.call_once(|| {});
    let rows = admin
        .conn
        .query_all_raw(Statement::from_string(
            admin.conn.get_database_backend(),
            format!("SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'"),
        ))
        .await
        .unwrap_or_default();
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else {
            continue;
        };
        let pid = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = admin
                .conn
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_is_replaced_in_urls() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "y"),
            "postgres://u:p@h/y?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "z"),
            "postgres://h:5432/z"
        );
    }
}
