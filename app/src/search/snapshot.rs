//! Index snapshots (`BARTA_INDEX_SNAPSHOT_DIR`): a copy of a committed
//! index with the change-log cursor it covers (the commit's payload), so a
//! new instance starts from it and catches up from the change log instead
//! of rebuilding from the database.
//!
//! A snapshot is a directory `snap-{last change}-{unix ms}` holding the
//! index's files as the index directory holds them, the version file and
//! `snapshot.json`. It is written under a temporary name and renamed when
//! complete, so a reader never sees half of one; the newest
//! [`KEEP`] are kept.
//!
//! Taking one blocks the index's sync only while its files are hard-linked
//! into a staging directory beside the index (segment files never change
//! once written, and a link keeps a file a merge deletes); the copy to the
//! snapshot directory, which may be on another disk or a network share,
//! runs after.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{INDEX_VERSION, SearchError, SearchIndex, VERSION_FILE};

const MANIFEST: &str = "snapshot.json";
const META: &str = "meta.json";
const MANAGED: &str = ".managed.json";
/// Snapshots kept in the directory.
const KEEP: usize = 2;

/// What a snapshot holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotInfo {
    pub version: u32,
    /// The newest change-log id the snapshot has absorbed.
    pub last_change: i64,
    pub documents: u64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

fn io_err(what: &str) -> SearchError {
    SearchError::Io(std::io::Error::other(what.to_owned()))
}

impl SearchIndex {
    /// Writes a snapshot of the last commit into `into`. `None` when the
    /// index is in memory.
    pub async fn snapshot(&self, into: &Path) -> Result<Option<PathBuf>, SearchError> {
        let Some(dir) = self.dir.clone() else {
            return Ok(None);
        };
        let staging = staging_dir(&dir);
        let info = {
            let _guard = self.sync_lock.lock().await;
            let info = SnapshotInfo {
                version: INDEX_VERSION,
                last_change: self.last_change(),
                documents: self.num_docs(),
                created_at: chrono::Utc::now(),
            };
            let dir = dir.clone();
            let staging = staging.clone();
            tokio::task::spawn_blocking(move || stage(&dir, &staging))
                .await
                .map_err(|_| io_err("snapshot staging task failed"))??;
            info
        };
        let into = into.to_owned();
        tokio::task::spawn_blocking(move || publish(&staging, &into, &info))
            .await
            .map_err(|_| io_err("snapshot copy task failed"))?
            .map(Some)
    }
}

/// The staging directory beside an index directory.
fn staging_dir(dir: &Path) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(".snapshot-staging");
    dir.with_file_name(name)
}

/// Links (or copies) the index's metadata into `staging`, then the files
/// of the segments that metadata names: the pair is consistent even if a
/// merge rewrote `meta.json` meanwhile. A segment file deleted between the
/// two steps (a merge finished) makes it start over.
fn stage(dir: &Path, staging: &Path) -> Result<(), SearchError> {
    let mut last = None;
    for _ in 0..5 {
        match stage_once(dir, staging) {
            Ok(()) => return Ok(()),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io_err("cannot stage a snapshot")))
}

fn link(from: &Path, to: &Path) -> std::io::Result<()> {
    if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to)?;
    }
    Ok(())
}

fn stage_once(dir: &Path, staging: &Path) -> Result<(), SearchError> {
    if staging.exists() {
        std::fs::remove_dir_all(staging)?;
    }
    std::fs::create_dir_all(staging)?;
    link(&dir.join(META), &staging.join(META))?;
    link(&dir.join(VERSION_FILE), &staging.join(VERSION_FILE))?;
    #[derive(Deserialize)]
    struct Segment {
        segment_id: String,
    }
    #[derive(Deserialize)]
    struct Meta {
        segments: Vec<Segment>,
    }
    let meta: Meta = serde_json::from_slice(&std::fs::read(staging.join(META))?)
        .map_err(|e| io_err(&format!("index metadata: {e}")))?;
    let segments: Vec<String> = meta
        .segments
        .iter()
        .map(|s| s.segment_id.replace('-', ""))
        .collect();
    let mut managed = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if segments.iter().any(|s| name.starts_with(s.as_str())) {
            link(&entry.path(), &staging.join(&name))?;
            managed.push(name);
        }
    }
    // Every segment must have its files (a merge may have removed them).
    for s in &segments {
        if !managed.iter().any(|m| m.starts_with(s.as_str())) {
            return Err(io_err("a segment disappeared while staging"));
        }
    }
    // The files tantivy may delete once a merge replaces them.
    managed.sort();
    std::fs::write(
        staging.join(MANAGED),
        serde_json::to_vec(&managed).map_err(|e| io_err(&e.to_string()))?,
    )?;
    Ok(())
}

/// Copies `staging` into a new snapshot under `into`, then prunes old ones.
fn publish(staging: &Path, into: &Path, info: &SnapshotInfo) -> Result<PathBuf, SearchError> {
    std::fs::create_dir_all(into)?;
    let name = format!(
        "snap-{:020}-{}",
        info.last_change,
        info.created_at.timestamp_millis()
    );
    let tmp = into.join(format!(".tmp-{name}"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    std::fs::create_dir_all(&tmp)?;
    for entry in std::fs::read_dir(staging)? {
        let entry = entry?;
        std::fs::copy(entry.path(), tmp.join(entry.file_name()))?;
    }
    std::fs::write(
        tmp.join(MANIFEST),
        serde_json::to_vec_pretty(info).map_err(|e| io_err(&e.to_string()))?,
    )?;
    let done = into.join(&name);
    std::fs::rename(&tmp, &done)?;
    let _ = std::fs::remove_dir_all(staging);
    for (old, _) in snapshots(into).into_iter().skip(KEEP) {
        let _ = std::fs::remove_dir_all(old);
    }
    Ok(done)
}

/// Complete snapshots of this index version in `dir`, newest first.
fn snapshots(dir: &Path) -> Vec<(PathBuf, SnapshotInfo)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(PathBuf, SnapshotInfo)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("snap-"))
        .filter_map(|e| {
            let info: SnapshotInfo =
                serde_json::from_slice(&std::fs::read(e.path().join(MANIFEST)).ok()?).ok()?;
            (info.version == INDEX_VERSION).then(|| (e.path(), info))
        })
        .collect();
    found.sort_by_key(|(_, info)| std::cmp::Reverse((info.last_change, info.created_at)));
    found
}

/// Replaces the index directory `dir` with the newest usable snapshot in
/// `from`. `None` when there is none (the index is then rebuilt).
pub fn restore(from: &Path, dir: &Path) -> Result<Option<SnapshotInfo>, SearchError> {
    let Some((snapshot, info)) = snapshots(from).into_iter().next() else {
        return Ok(None);
    };
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    for entry in std::fs::read_dir(&snapshot)? {
        let entry = entry?;
        if entry.file_name() != MANIFEST {
            std::fs::copy(entry.path(), dir.join(entry.file_name()))?;
        }
    }
    Ok(Some(info))
}
