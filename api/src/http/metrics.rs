//! Prometheus metrics at `/metrics` (text exposition format): requests and
//! their latency by route and status, requests refused for overload, the
//! response cache's hits and misses, the database pool, and the search
//! index's lag behind the change log.

use std::sync::LazyLock;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use app::discovery::DiscoveryService;

type Labels = Vec<(&'static str, String)>;

struct Metrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    latency: Family<Labels, Histogram>,
    overloaded: Family<Labels, Counter>,
    admitted: Gauge,
    queued: Gauge,
    cache_hits: Counter,
    cache_misses: Counter,
    pool_size: Gauge,
    pool_idle: Gauge,
    index_lag: Gauge,
    index_docs: Gauge,
    webhook_deliveries: Family<Labels, Counter>,
    webhook_latency: Histogram,
    webhook_queue: Gauge,
    webhook_oldest: Gauge,
    renditions_built: Gauge,
    replica_up: Family<Labels, Gauge>,
    replica_lag: Family<Labels, Gauge<f64, std::sync::atomic::AtomicU64>>,
    db_reads: Family<Labels, Counter>,
    redis_up: Gauge,
    redis_errors: Counter,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("barta");
    let requests = Family::<Labels, Counter>::default();
    registry.register("http_requests", "HTTP requests answered", requests.clone());
    let latency = Family::<Labels, Histogram>::new_with_constructor(|| {
        // 0.25 ms … 4 s
        Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
    });
    registry.register(
        "http_request_duration_seconds",
        "Time to the response head, by route",
        latency.clone(),
    );
    let overloaded = Family::<Labels, Counter>::default();
    registry.register(
        "overloaded",
        "Requests shed with 503 for overload, by reason: in_flight (the \
         global limit), queue (no database slot within the queue deadline), \
         pool_wait (no connection within the pool's deadline)",
        overloaded.clone(),
    );
    let admitted = Gauge::default();
    registry.register(
        "db_admission_in_use",
        "Requests holding one of the database admission slots",
        admitted.clone(),
    );
    let queued = Gauge::default();
    registry.register(
        "db_admission_waiting",
        "Requests waiting for a database admission slot",
        queued.clone(),
    );
    let cache_hits = Counter::default();
    registry.register(
        "cache_hits",
        "Responses served from the in-process cache",
        cache_hits.clone(),
    );
    let cache_misses = Counter::default();
    registry.register(
        "cache_misses",
        "Cacheable requests the in-process cache could not answer",
        cache_misses.clone(),
    );
    let pool_size = Gauge::default();
    registry.register(
        "db_pool_connections",
        "Open database connections",
        pool_size.clone(),
    );
    let pool_idle = Gauge::default();
    registry.register(
        "db_pool_idle",
        "Idle database connections",
        pool_idle.clone(),
    );
    let index_lag = Gauge::default();
    registry.register(
        "search_index_lag",
        "Change-log entries the search index has not absorbed yet",
        index_lag.clone(),
    );
    let index_docs = Gauge::default();
    registry.register(
        "search_index_documents",
        "Articles in the search index",
        index_docs.clone(),
    );
    let webhook_deliveries = Family::<Labels, Counter>::default();
    registry.register(
        "webhook_attempts",
        "Webhook delivery attempts by outcome: delivered, retry (failed, \
         tried again later), gave_up (failed for the last time; the webhook \
         is turned off), skipped (nothing public left to announce)",
        webhook_deliveries.clone(),
    );
    let webhook_latency = Histogram::new(exponential_buckets(0.001, 2.0, 15));
    registry.register(
        "webhook_attempt_duration_seconds",
        "Time from sending a webhook to the receiver's answer",
        webhook_latency.clone(),
    );
    let webhook_queue = Gauge::default();
    registry.register(
        "webhook_queue_depth",
        "Deliveries to active webhooks not yet made",
        webhook_queue.clone(),
    );
    let webhook_oldest = Gauge::default();
    registry.register(
        "webhook_oldest_pending_seconds",
        "Age of the oldest delivery not yet made (0 when none)",
        webhook_oldest.clone(),
    );
    let renditions_built = Gauge::default();
    registry.register(
        "image_renditions_built",
        "Picture renditions made from an original since start (each once, \
         however many clients asked at the same time)",
        renditions_built.clone(),
    );
    let replica_up = Family::<Labels, Gauge>::default();
    registry.register(
        "db_replica_up",
        "1 while a read replica answers and is within BARTA_REPLICA_MAX_LAG_MS",
        replica_up.clone(),
    );
    let replica_lag = Family::<Labels, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
    registry.register(
        "db_replica_lag_seconds",
        "How far a read replica is behind the primary (0 when it has replayed everything)",
        replica_lag.clone(),
    );
    let db_reads = Family::<Labels, Counter>::default();
    registry.register(
        "db_reads",
        "Public reads by where they ran (primary or replica); only with replicas",
        db_reads.clone(),
    );
    let redis_up = Gauge::default();
    registry.register(
        "redis_up",
        "1 while Redis answers (shared quotas, flood control, view counts); \
         always 0 without BARTA_REDIS_URL",
        redis_up.clone(),
    );
    let redis_errors = Counter::default();
    registry.register(
        "redis_errors",
        "Redis calls that failed or timed out (each fell back to per-instance state)",
        redis_errors.clone(),
    );
    Metrics {
        redis_up,
        redis_errors,
        replica_up,
        replica_lag,
        db_reads,
        renditions_built,
        webhook_deliveries,
        webhook_latency,
        webhook_queue,
        webhook_oldest,
        registry,
        requests,
        latency,
        overloaded,
        admitted,
        queued,
        cache_hits,
        cache_misses,
        pool_size,
        pool_idle,
        index_lag,
        index_docs,
    }
});

/// Reads the database admission gate's slots in use and waiters at
/// scrape time (registered by the server beside the gate).
pub struct AdmissionLoad(pub Box<dyn Fn() -> (usize, usize) + Send + Sync>);

/// Why a request was shed.
#[derive(Debug, Clone, Copy)]
pub enum Shed {
    /// The global in-flight limit (`limits.rs`).
    InFlight,
    /// No database slot within the queue deadline (`admission.rs`).
    Queue,
    /// Admitted, but no connection within the pool's wait deadline.
    PoolWait,
}

pub fn overloaded(reason: Shed) {
    let reason = match reason {
        Shed::InFlight => "in_flight",
        Shed::Queue => "queue",
        Shed::PoolWait => "pool_wait",
    };
    METRICS
        .overloaded
        .get_or_create(&vec![("reason", reason.to_owned())])
        .inc();
}

/// One webhook attempt and what it came to.
pub fn webhook_attempt(outcome: &'static str, seconds: Option<f64>) {
    METRICS
        .webhook_deliveries
        .get_or_create(&vec![("outcome", outcome.to_owned())])
        .inc();
    if let Some(s) = seconds {
        METRICS.webhook_latency.observe(s);
    }
}

/// The webhook queue as the dispatcher last saw it.
pub fn webhook_queue(pending: u64, oldest_age_seconds: i64) {
    METRICS
        .webhook_queue
        .set(i64::try_from(pending).unwrap_or(i64::MAX));
    METRICS.webhook_oldest.set(oldest_age_seconds.max(0));
}

pub fn cache_hit() {
    METRICS.cache_hits.inc();
}

pub fn cache_miss() {
    METRICS.cache_misses.inc();
}

/// Counts and times every request by its route pattern (`/v1/articles/{id}`,
/// never the raw path, so ids do not multiply the series).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let start = Instant::now();
    let method = req.method().to_string();
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16().to_string();
    METRICS
        .latency
        .get_or_create(&vec![("route", route.clone())])
        .observe(start.elapsed().as_secs_f64());
    METRICS
        .requests
        .get_or_create(&vec![
            ("route", route),
            ("method", method),
            ("status", status),
        ])
        .inc();
    Ok(res.map_into_boxed_body())
}

/// Prometheus metrics (text exposition format 0.0.4).
///
/// Exempt from the overload limit.
#[utoipa::path(
    get,
    operation_id = "metrics",
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "The metrics", content_type = "text/plain; version=0.0.4; charset=utf-8", body = String))
)]
pub async fn handler(
    discovery: web::Data<DiscoveryService>,
    admission: Option<web::Data<AdmissionLoad>>,
    images: Option<web::Data<app::images::ImageService>>,
) -> HttpResponse {
    // The gauges are process-wide and set from this server's state just
    // before they are encoded: two servers in one process (the tests, an
    // embedding) must not set them between each other's set and encode.
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = TURN.lock().await;
    if let Some(images) = images {
        METRICS
            .renditions_built
            .set(i64::try_from(images.renditions_built()).unwrap_or(i64::MAX));
    }
    if let Some(admission) = admission {
        let (in_use, waiting) = (admission.0)();
        METRICS
            .admitted
            .set(i64::try_from(in_use).unwrap_or(i64::MAX));
        METRICS
            .queued
            .set(i64::try_from(waiting).unwrap_or(i64::MAX));
    }
    let (size, idle) = discovery.content().pool_stats();
    METRICS.pool_size.set(i64::from(size));
    METRICS
        .pool_idle
        .set(i64::try_from(idle).unwrap_or(i64::MAX));
    let shared = discovery.content().shared();
    if let Some(up) = shared.is_up() {
        METRICS.redis_up.set(i64::from(up));
        METRICS
            .redis_errors
            .inc_by(shared.errors().saturating_sub(METRICS.redis_errors.get()));
    }
    let (replicas, reads) = discovery.content().replica_status();
    for r in &replicas {
        let labels = vec![("replica", r.name.clone())];
        METRICS
            .replica_up
            .get_or_create(&labels)
            .set(i64::from(r.up));
        let lag = if r.lag_seconds.is_finite() {
            r.lag_seconds
        } else {
            -1.0
        };
        METRICS.replica_lag.get_or_create(&labels).set(lag);
    }
    if let Some((primary, replica)) = reads {
        for (target, total) in [("primary", primary), ("replica", replica)] {
            let c = METRICS
                .db_reads
                .get_or_create(&vec![("target", target.to_owned())]);
            c.inc_by(total.saturating_sub(c.get()));
        }
    }
    let index = discovery.index();
    METRICS
        .index_docs
        .set(i64::try_from(index.num_docs()).unwrap_or(i64::MAX));
    if let Ok(Ok(last)) = tokio::time::timeout(
        std::time::Duration::from_secs(1),
        discovery.content().last_change_id(),
    )
    .await
    {
        METRICS.index_lag.set((last - index.last_change()).max(0));
    }
    let mut body = String::new();
    if encode(&mut body, &METRICS.registry).is_err() {
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body(body)
}
