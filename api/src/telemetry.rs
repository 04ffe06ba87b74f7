//! Logging: `tracing` to stderr, filtered by `RUST_LOG`, JSON lines when
//! `BARTA_LOG_FORMAT=json`.
//!
//! Every database statement runs in a span of its own (sea-orm's
//! `tracing-spans`: `sea_orm.query_all`, `sea_orm.execute`, `sea_orm.begin`…
//! with `db.system`, `db.operation`, `db.statement`), inside the request's
//! span (`request_id`). The default filter leaves them off (`sea_orm=warn`:
//! a disabled span costs a cached check per statement). To see where a
//! request's time goes, `RUST_LOG=info,sea_orm=info BARTA_LOG_SPANS=1`: each
//! span the filter lets through then logs a `close` line with `time.busy`
//! (each statement, and each request as a whole), with the request id.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// The filter when `RUST_LOG` is not set.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn";

pub fn init(json: bool) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let spans = match std::env::var("BARTA_LOG_SPANS").is_ok_and(|v| v == "1") {
        true => FmtSpan::CLOSE,
        false => FmtSpan::NONE,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(spans)
        .with_writer(std::io::stderr);
    // A second init (tests spawning several apps) is not an error.
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init()
    } else {
        builder.try_init()
    };
}
