//! Read replicas for the public read paths (`BARTA_READ_DATABASE_URL`).
//!
//! A replica serves a public read only while it is known to hold every
//! write this instance knows of: each write made here, and each change the
//! change-log poll finds, calls [`Replicas::note_write`]; the watcher then
//! reads the primary's WAL position (`pg_current_wal_lsn()`), and a
//! replica is eligible again once its replay position
//! (`pg_last_wal_replay_lsn()`) has reached it. Until then reads go to the
//! primary. So a reader never sees a page older than the primary's as of
//! the last write this instance knew of: a replica's lag never adds to the
//! staleness bound, it only moves reads back to the primary for as long as
//! it lasts. A replica further behind than `max_lag` (how long the probes
//! have seen it short of the primary's position or with WAL not replayed),
//! or one that does not answer, is out of rotation until it catches up.
//! Editors' reads (`article_by_id`, the answer to their writes) never use
//! a replica.
//!
//! A server that is not in recovery (a pooler in front of the primary, or
//! a replica promoted in a failover) is taken as current.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::sqlx::postgres::PgRow;
use sea_orm::sqlx::{self, Row as _};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::error::RepoError;
use crate::read_pool::ReadPool;

/// How often the watcher looks at the replicas and, after a write, at the
/// primary's position.
const WATCH_EVERY: Duration = Duration::from_millis(100);
/// How long one probe of a replica may take before it counts as down.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// One replica's state as the watcher last saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaStatus {
    /// The URL without its password.
    pub name: String,
    /// Answering and within the lag bound.
    pub up: bool,
    /// Seconds behind the primary (0 when it has replayed everything).
    pub lag_seconds: f64,
    /// Public reads it served.
    pub reads: u64,
}

struct Replica {
    name: String,
    pool: ReadPool,
    /// Answered the last probe (and no read has failed on it since).
    answering: AtomicBool,
    /// Replay position (`u64::MAX`: not in recovery, taken as current).
    replayed: AtomicU64,
    /// Lag in microseconds as of the last probe (`u64::MAX`: unknown).
    lag_us: AtomicU64,
    /// Since when the probes have seen it behind the primary.
    behind_since: Mutex<Option<Instant>>,
    reads: AtomicU64,
}

pub(crate) struct Replicas {
    list: Vec<Replica>,
    next: AtomicUsize,
    max_lag: Duration,
    /// Bumped by every write; `pinned` catches up once the primary's
    /// position after it is known.
    writes: AtomicU64,
    pinned: AtomicU64,
    /// The primary's WAL position after the newest pinned write.
    required: AtomicU64,
    primary_reads: AtomicU64,
    wake: tokio::sync::Notify,
    closed: AtomicBool,
}

/// `16/B374D848` as a number.
fn parse_lsn(text: &str) -> Option<u64> {
    let (hi, lo) = text.split_once('/')?;
    Some((u64::from_str_radix(hi, 16).ok()? << 32) | u64::from_str_radix(lo, 16).ok()?)
}

/// A database URL without its password, for logs, errors and metrics.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Replicas {
    pub(crate) fn new(urls: &[String], max_lag: Duration) -> Result<Arc<Self>, RepoError> {
        let list = urls
            .iter()
            .map(|url| {
                Ok(Replica {
                    name: redact(url),
                    pool: ReadPool::new(url)?,
                    // Out of rotation until the first probe.
                    answering: AtomicBool::new(false),
                    replayed: AtomicU64::new(0),
                    lag_us: AtomicU64::new(u64::MAX),
                    behind_since: Mutex::new(None),
                    reads: AtomicU64::new(0),
                })
            })
            .collect::<Result<Vec<_>, RepoError>>()?;
        Ok(Arc::new(Self {
            list,
            next: AtomicUsize::new(0),
            max_lag,
            // One write is pending from the start: the first probe pins
            // the primary's position before any replica serves.
            writes: AtomicU64::new(1),
            pinned: AtomicU64::new(0),
            required: AtomicU64::new(u64::MAX),
            primary_reads: AtomicU64::new(0),
            wake: tokio::sync::Notify::new(),
            closed: AtomicBool::new(false),
        }))
    }

    pub(crate) fn note_write(&self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.wake.notify_one();
    }

    fn eligible(&self, r: &Replica) -> bool {
        r.answering.load(Ordering::Acquire)
            && r.replayed.load(Ordering::Acquire) >= self.required.load(Ordering::Acquire)
            && r.lag_us.load(Ordering::Relaxed) <= self.max_lag.as_micros() as u64
    }

    /// A replica to read from, round robin among the eligible ones; `None`
    /// while a write is not yet pinned or none has caught up.
    pub(crate) fn pick(self: &Arc<Self>) -> Option<(Arc<Self>, usize)> {
        if self.pinned.load(Ordering::Acquire) < self.writes.load(Ordering::Acquire) {
            return None;
        }
        let n = self.list.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..n)
            .map(|k| (start + k) % n)
            .find(|&i| self.eligible(&self.list[i]))
            .map(|i| (self.clone(), i))
    }

    pub(crate) fn pool(&self, i: usize) -> &ReadPool {
        &self.list[i].pool
    }

    /// Counts a read served by replica `i`, or by the primary.
    pub(crate) fn served(&self, replica: Option<usize>) {
        match replica {
            Some(i) => self.list[i].reads.fetch_add(1, Ordering::Relaxed),
            None => self.primary_reads.fetch_add(1, Ordering::Relaxed),
        };
    }

    /// A read failed on replica `i`: out of rotation until the next probe
    /// finds it answering.
    pub(crate) fn failed(&self, i: usize, e: &RepoError) {
        if self.list[i].answering.swap(false, Ordering::AcqRel) {
            tracing::warn!(replica = %self.list[i].name, error = %e,
                "read replica failed a read; reading from the primary");
        }
    }

    pub(crate) fn status(&self) -> Vec<ReplicaStatus> {
        self.list
            .iter()
            .map(|r| {
                let lag = r.lag_us.load(Ordering::Relaxed);
                ReplicaStatus {
                    name: r.name.clone(),
                    up: r.answering.load(Ordering::Relaxed)
                        && lag <= self.max_lag.as_micros() as u64,
                    lag_seconds: if lag == u64::MAX {
                        f64::INFINITY
                    } else {
                        lag as f64 / 1e6
                    },
                    reads: r.reads.load(Ordering::Relaxed),
                }
            })
            .collect()
    }

    pub(crate) fn read_counts(&self) -> (u64, u64) {
        let replicas = self
            .list
            .iter()
            .map(|r| r.reads.load(Ordering::Relaxed))
            .sum();
        (self.primary_reads.load(Ordering::Relaxed), replicas)
    }

    pub(crate) async fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.wake.notify_one();
        for r in &self.list {
            r.pool.close().await;
        }
    }

    /// Pins the primary's position after the writes noted so far.
    async fn pin(&self, primary: &DatabaseConnection) -> Result<(), RepoError> {
        let writes = self.writes.load(Ordering::SeqCst);
        if self.pinned.load(Ordering::SeqCst) >= writes {
            return Ok(());
        }
        let row = primary
            .query_one_raw(Statement::from_string(
                primary.get_database_backend(),
                "SELECT pg_current_wal_lsn()::text AS lsn",
            ))
            .await?;
        let lsn = row
            .and_then(|r| r.try_get::<String>("", "lsn").ok())
            .and_then(|t| parse_lsn(&t))
            .unwrap_or(u64::MAX);
        // Never lowered: a stale pin would let a replica serve too early.
        let old = self.required.load(Ordering::SeqCst);
        let new = if old == u64::MAX { lsn } else { old.max(lsn) };
        self.required.store(new, Ordering::SeqCst);
        self.pinned.fetch_max(writes, Ordering::SeqCst);
        Ok(())
    }

    async fn probe(&self, r: &Replica) {
        let result = tokio::time::timeout(PROBE_TIMEOUT, async {
            let mut c = r.pool.get().await?;
            c.clean = false;
            let row: PgRow = sqlx::query(
                "SELECT pg_is_in_recovery() AS recovering, \
                 pg_last_wal_replay_lsn()::text AS replayed, \
                 pg_last_wal_receive_lsn()::text AS received",
            )
            .fetch_one(&mut c.conn)
            .await
            .map_err(|e| RepoError::from(sea_orm::DbErr::Custom(e.to_string())))?;
            c.clean = true;
            Ok::<_, RepoError>(row)
        })
        .await;
        let row = match result {
            Ok(Ok(row)) => row,
            Ok(Err(e)) => {
                r.lag_us.store(u64::MAX, Ordering::Relaxed);
                if r.answering.swap(false, Ordering::AcqRel) {
                    tracing::warn!(replica = %r.name, error = %e, "read replica is down");
                }
                return;
            }
            Err(_) => {
                r.lag_us.store(u64::MAX, Ordering::Relaxed);
                if r.answering.swap(false, Ordering::AcqRel) {
                    tracing::warn!(replica = %r.name, "read replica does not answer");
                }
                return;
            }
        };
        let recovering: bool = row.try_get("recovering").unwrap_or(false);
        let lsn = |column: &str| {
            row.try_get::<Option<String>, &str>(column)
                .ok()
                .flatten()
                .and_then(|t| parse_lsn(&t))
                .unwrap_or(0)
        };
        let (replayed, lag_us) = if recovering {
            let replayed = lsn("replayed");
            let received = lsn("received");
            let required = self.required.load(Ordering::Acquire);
            // Behind: WAL received but not replayed, or short of the
            // primary's position after the last write. The lag is how long
            // it has been behind (the age of its last replayed transaction
            // would count the primary's idle time as lag).
            let behind = replayed < received || (required != u64::MAX && replayed < required);
            let mut since = r
                .behind_since
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let lag = if behind {
                let start = *since.get_or_insert_with(Instant::now);
                start.elapsed().as_micros() as u64
            } else {
                *since = None;
                0
            };
            (replayed, lag)
        } else {
            (u64::MAX, 0)
        };
        r.replayed.store(replayed, Ordering::Release);
        r.lag_us.store(lag_us, Ordering::Relaxed);
        let within = lag_us <= self.max_lag.as_micros() as u64;
        let was = r.answering.swap(true, Ordering::AcqRel);
        if !was {
            tracing::info!(replica = %r.name, lag_ms = lag_us / 1000, within_bound = within,
                "read replica answers");
        }
    }
}

/// Watches the replicas until the database is closed: every
/// [`WATCH_EVERY`], and at once after a write, pins the primary's position
/// and probes each replica.
pub(crate) fn watch(replicas: Arc<Replicas>, primary: DatabaseConnection) {
    let weak = Arc::downgrade(&replicas);
    drop(replicas);
    tokio::spawn(async move {
        loop {
            let Some(r) = weak.upgrade() else { break };
            if r.closed.load(Ordering::SeqCst) {
                break;
            }
            if let Err(e) = r.pin(&primary).await {
                tracing::debug!(error = %e, "cannot read the primary's WAL position");
            }
            for replica in &r.list {
                r.probe(replica).await;
            }
            let _ = tokio::time::timeout(WATCH_EVERY, r.wake.notified()).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsn_text_is_a_number() {
        assert_eq!(parse_lsn("0/1D744C8"), Some(0x1D7_44C8));
        assert_eq!(parse_lsn("16/B374D848"), Some((0x16 << 32) | 0xB374_D848));
        assert_eq!(parse_lsn("x"), None);
    }

    /// A replica serves only once the write this instance knows of is
    /// pinned and replayed there, and while it is within the lag bound.
    #[test]
    fn a_replica_serves_only_what_it_has_replayed() {
        let r = Replicas::new(
            &["postgres://u@127.0.0.1:1/db".to_owned()],
            Duration::from_secs(5),
        )
        .unwrap();
        let replica = &r.list[0];
        replica.answering.store(true, Ordering::SeqCst);
        replica.lag_us.store(0, Ordering::SeqCst);
        replica.replayed.store(150, Ordering::SeqCst);
        assert!(r.pick().is_none(), "nothing pinned yet");
        // The watcher pinned the primary at 200: not replayed yet.
        r.required.store(200, Ordering::SeqCst);
        r.pinned
            .store(r.writes.load(Ordering::SeqCst), Ordering::SeqCst);
        assert!(r.pick().is_none());
        replica.replayed.store(200, Ordering::SeqCst);
        assert_eq!(r.pick().map(|(_, i)| i), Some(0));
        // A new write: back to the primary until it is pinned again.
        r.note_write();
        assert!(r.pick().is_none());
        r.pinned
            .store(r.writes.load(Ordering::SeqCst), Ordering::SeqCst);
        assert!(r.pick().is_some());
        // Too far behind, or failed: out of rotation.
        replica.lag_us.store(6_000_000, Ordering::SeqCst);
        assert!(r.pick().is_none());
        replica.lag_us.store(0, Ordering::SeqCst);
        r.failed(0, &RepoError::Busy);
        assert!(r.pick().is_none());
        assert!(!r.status()[0].up);
    }

    #[test]
    fn urls_lose_their_password() {
        assert_eq!(
            redact("postgres://u:secret@h:5433/db"),
            "postgres://u:***@h:5433/db"
        );
    }
}
