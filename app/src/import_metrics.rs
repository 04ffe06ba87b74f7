//! `barta import --metrics-file PATH`: the import's progress as a
//! Prometheus text file, for node_exporter's textfile collector (the
//! importer is a process of its own; the server's `/metrics` cannot see it).
//!
//! The file is rewritten at most once a second while lines are read, and
//! once more at the end (`barta_import_done 1`, or `barta_import_aborted 1`
//! when a fatal error stopped the run). Each write goes to a temporary file
//! beside it (`PATH.PID.tmp`, which the collector's `*.prom` glob skips) and
//! is renamed over `PATH`, so a scrape never reads half a file.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use std::io::BufRead;

use persistence::ContentRepo;

use crate::import::{ImportReport, PublishedFallback, import_lines};

/// How often the file is rewritten while lines are read.
pub const WRITE_INTERVAL: Duration = Duration::from_secs(1);

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    Running,
    /// Every line was read.
    Done,
    /// A fatal error (database unreachable, unreadable file) ended the run.
    Aborted,
}

/// The counts one write shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Lines read so far, blank ones included.
    pub lines: u64,
    /// Bytes read so far, and the size of the input.
    pub bytes: u64,
    pub input_bytes: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Lines skipped as invalid.
    pub errors: u64,
}

impl Counts {
    pub fn of(lines: usize, bytes: u64, input_bytes: u64, report: &ImportReport) -> Self {
        Self {
            lines: lines as u64,
            bytes,
            input_bytes,
            created: report.created,
            updated: report.updated,
            unchanged: report.unchanged,
            errors: report.failed.len() as u64,
        }
    }
}

/// The metrics file of one run.
#[derive(Debug)]
pub struct MetricsFile {
    path: PathBuf,
    started: DateTime<Utc>,
    last_write: Instant,
    /// The first failed write is logged; later ones would repeat it.
    warned: bool,
}

impl MetricsFile {
    /// Writes the first snapshot at once, so a path that cannot be written
    /// fails the command before anything is imported.
    pub fn create(path: &Path, input_bytes: u64) -> io::Result<Self> {
        let file = Self {
            path: path.to_owned(),
            started: Utc::now(),
            last_write: Instant::now(),
            warned: false,
        };
        let counts = Counts {
            input_bytes,
            ..Counts::default()
        };
        file.write(&counts, RunState::Running)?;
        Ok(file)
    }

    /// Rewrites the file when [`WRITE_INTERVAL`] has passed since the last
    /// write. A failed write is logged once and does not stop the import.
    pub fn update(&mut self, counts: &Counts, state: RunState) {
        if self.last_write.elapsed() >= WRITE_INTERVAL {
            self.write_or_warn(counts, state);
        }
    }

    /// The last write, whatever the interval.
    pub fn finish(&mut self, counts: &Counts, state: RunState) -> io::Result<()> {
        self.write(counts, state)?;
        self.last_write = Instant::now();
        Ok(())
    }

    fn write_or_warn(&mut self, counts: &Counts, state: RunState) {
        match self.write(counts, state) {
            Ok(()) => self.last_write = Instant::now(),
            Err(e) if !self.warned => {
                self.warned = true;
                tracing::warn!(path = %self.path.display(), "cannot write the metrics file: {e}");
            }
            Err(_) => {}
        }
    }

    fn write(&self, counts: &Counts, state: RunState) -> io::Result<()> {
        let text = render(counts, state, self.started, Utc::now());
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(format!(".{}.tmp", std::process::id()));
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &self.path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }
}

fn seconds(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 1000.0
}

/// The Prometheus text exposition format (0.0.4), as the textfile collector
/// reads it.
pub fn render(c: &Counts, state: RunState, started: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let mut out = String::new();
    let mut family = |name: &str, kind: &str, help: &str, samples: &[(&str, String)]| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let one = |v: u64| [("", v.to_string())];
    family(
        "barta_import_lines_total",
        "counter",
        "Lines of the import file read, blank ones included.",
        &one(c.lines),
    );
    family(
        "barta_import_bytes_total",
        "counter",
        "Bytes of the import file read.",
        &one(c.bytes),
    );
    family(
        "barta_import_input_bytes",
        "gauge",
        "Size of the import file in bytes.",
        &one(c.input_bytes),
    );
    family(
        "barta_import_articles_total",
        "counter",
        "Articles of valid lines, by outcome: created, updated, or unchanged (already imported as is).",
        &[
            (r#"{outcome="created"}"#, c.created.to_string()),
            (r#"{outcome="updated"}"#, c.updated.to_string()),
            (r#"{outcome="unchanged"}"#, c.unchanged.to_string()),
        ],
    );
    family(
        "barta_import_errors_total",
        "counter",
        "Lines skipped as invalid (each is reported with its line number).",
        &one(c.errors),
    );
    family(
        "barta_import_started_timestamp_seconds",
        "gauge",
        "When this import started, in Unix time.",
        &[("", format!("{:.3}", seconds(started)))],
    );
    family(
        "barta_import_last_update_timestamp_seconds",
        "gauge",
        "When this file was written, in Unix time.",
        &[("", format!("{:.3}", seconds(now)))],
    );
    family(
        "barta_import_done",
        "gauge",
        "1 once every line has been read and the import has ended.",
        &one(u64::from(state == RunState::Done)),
    );
    family(
        "barta_import_aborted",
        "gauge",
        "1 when a fatal error (database unreachable, unreadable file) ended the import.",
        &one(u64::from(state == RunState::Aborted)),
    );
    out
}

/// [`import_lines`](crate::import::import_lines), keeping `metrics_file` (if any) up to date: written
/// before the first line, at most once a second while lines are read, and
/// at the end, when the run is done or aborted by a fatal error.
pub async fn import_with_metrics<R: BufRead>(
    repo: &ContentRepo,
    reader: R,
    input_bytes: u64,
    fallback: PublishedFallback,
    now: DateTime<Utc>,
    metrics_file: Option<&std::path::Path>,
    mut progress: impl FnMut(usize, u64, &ImportReport),
) -> anyhow::Result<ImportReport> {
    let mut metrics = metrics_file
        .map(|path| {
            MetricsFile::create(path, input_bytes)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
        })
        .transpose()?;
    // The counts after the last line, for the final write should a fatal
    // error end the run (the report is not returned then).
    let mut last = Counts::default();
    let result = import_lines(repo, reader, fallback, now, |line, bytes, report| {
        last = Counts::of(line, bytes, input_bytes, report);
        if let Some(m) = metrics.as_mut() {
            m.update(&last, RunState::Running);
        }
        progress(line, bytes, report);
    })
    .await;
    if let Some(m) = metrics.as_mut() {
        let state = match &result {
            Ok(report) => {
                last = Counts::of(last.lines as usize, last.bytes, input_bytes, report);
                RunState::Done
            }
            Err(_) => RunState::Aborted,
        };
        if let Err(e) = m.finish(&last, state) {
            tracing::warn!("cannot write the metrics file: {e}");
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_renders_every_count_in_the_text_format() {
        let report = ImportReport {
            created: 3,
            updated: 2,
            unchanged: 1,
            failed: vec![(4, "bad".into()), (9, "bad".into())],
        };
        let started = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let now = DateTime::from_timestamp_millis(1_700_000_001_500).unwrap();
        let text = render(
            &Counts::of(9, 900, 1000, &report),
            RunState::Done,
            started,
            now,
        );
        for line in [
            "# TYPE barta_import_lines_total counter",
            "barta_import_lines_total 9",
            "barta_import_bytes_total 900",
            "barta_import_input_bytes 1000",
            "barta_import_articles_total{outcome=\"created\"} 3",
            "barta_import_articles_total{outcome=\"updated\"} 2",
            "barta_import_articles_total{outcome=\"unchanged\"} 1",
            "barta_import_errors_total 2",
            "barta_import_started_timestamp_seconds 1700000000.000",
            "barta_import_last_update_timestamp_seconds 1700000001.500",
            "barta_import_done 1",
            "barta_import_aborted 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing:\n{text}");
        }
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn writes_replace_the_file_whole_and_leave_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("barta-metrics-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("import.prom");
        let mut file = MetricsFile::create(&path, 10).unwrap();
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .contains("barta_import_done 0")
        );
        let counts = Counts::of(1, 10, 10, &ImportReport::default());
        file.finish(&counts, RunState::Aborted).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("barta_import_aborted 1"), "{text}");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("import.prom")]);
        std::fs::remove_dir_all(&dir).unwrap();
        // A directory that does not exist fails at once.
        assert!(MetricsFile::create(&dir.join("missing/import.prom"), 1).is_err());
    }
}
