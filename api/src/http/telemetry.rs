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

use std::io::IsTerminal;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// The filter when `RUST_LOG` is not set.
///
/// actix's HTTP/1 dispatcher logs an ERROR for every connection whose
/// request it cannot parse (a raw non-ASCII request target, a target over
/// the `http` crate's 65,534 bytes, a malformed request line): a client's
/// fault, answered 400 there, which must not read as a server fault nor let
/// any client fill the log. Its other lines are about connections too.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn,actix_http::h1::dispatcher=off";

pub fn init(json: bool) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let spans = match std::env::var("BARTA_LOG_SPANS")
        .is_ok_and(|v| domain::text::boolish(&v) == Some(true))
    {
        true => FmtSpan::CLOSE,
        false => FmtSpan::NONE,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(spans)
        // Colour codes only for a terminal: in a log file they are noise
        // (and cost a little on every formatted span).
        .with_ansi(std::io::stderr().is_terminal())
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

/// The request span: request id, method, path and status, nothing else. tracing-actix-web's default span carries fifteen OpenTelemetry
/// fields (client address, host, user agent, target, flavor…), and the fmt
/// layer formats every field of every span when it opens, whether or not
/// anything is logged in it: about 7 % of a cached read's CPU in a `perf`
/// profile. The access details it carried are in the metrics and, for a
/// single request, found by its id (`x-request-id`). (The route template is
/// left out too: finding it walks the router's patterns a second time,
/// another 1.3 % of an uncached list.)
pub struct LeanRootSpan;

impl RootSpanBuilder for LeanRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let id = request.extensions().get::<RequestId>().copied();
        tracing::info_span!(
            "request",
            request_id = id.map(tracing::field::display),
            method = %request.method(),
            path = request.path(),
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        // Recording formats the field at once: only when the span is on.
        if span.is_disabled() {
            return;
        }
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("status", status.as_u16());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::DEFAULT_FILTER;
    use tracing_subscriber::EnvFilter;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn unparsable_requests_are_not_logged_as_errors_and_our_errors_are() {
        let out = Captured::default();
        let writer = out.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new(DEFAULT_FILTER))
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::error!(
                target: "actix_http::h1::dispatcher",
                "stream error: request parse error: URI error: invalid uri character"
            );
            tracing::error!(target: "api::http", "a fault of ours");
            tracing::debug!(target: "sqlx::query", "a statement");
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(!text.contains("invalid uri character"), "{text}");
        assert!(text.contains("a fault of ours"), "{text}");
        assert!(!text.contains("a statement"), "{text}");
    }
}
