//! Load for the overload drill: a closed loop to find what the server
//! sustains, then an open loop at a multiple of it.
//!
//! Open loop means requests start on a fixed schedule whatever the server
//! does (as readers arrive), and each latency is measured from the request's
//! scheduled start, so a stalled server cannot hide its queue (no
//! coordinated omission). Answers are classed as `ok` (2xx), `overloaded`
//! (503 whose body says so), `unavailable` (503 "database unavailable"),
//! `other` (any other status) and `failed` (no answer within the timeout,
//! or a broken connection). One JSON object is printed per run.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

#[derive(Parser, Debug)]
struct Args {
    /// host:port of the server.
    #[arg(long)]
    addr: String,
    /// A file of request paths, one a line; each request picks one at random.
    #[arg(long)]
    paths: String,
    /// Requests a second (open loop); 0: closed loop over `--connections`.
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
    /// Connections of the closed loop.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Seconds of load.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Requests outstanding at most (open loop); later ones wait, and the
    /// wait counts in their latency.
    #[arg(long, default_value_t = 4096)]
    max_outstanding: usize,
    /// Seconds a request may take before it counts as failed.
    #[arg(long, default_value_t = 15.0)]
    timeout: f64,
    #[arg(long, default_value_t = 18)]
    seed: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Ok,
    Overloaded,
    Unavailable,
    Other,
    Failed,
}

const CLASSES: [(Class, &str); 5] = [
    (Class::Ok, "ok"),
    (Class::Overloaded, "overloaded"),
    (Class::Unavailable, "unavailable"),
    (Class::Other, "other"),
    (Class::Failed, "failed"),
];

type Sender = SendRequest<Empty<Bytes>>;

/// Idle keep-alive connections.
#[derive(Clone)]
struct Pool {
    addr: String,
    idle: Arc<Mutex<Vec<Sender>>>,
}

impl Pool {
    async fn get(&self) -> Result<Sender, String> {
        loop {
            let next = self.idle.lock().map_err(|e| e.to_string())?.pop();
            match next {
                Some(mut s) => {
                    if s.ready().await.is_ok() {
                        return Ok(s);
                    }
                }
                None => break,
            }
        }
        let stream = TcpStream::connect(&self.addr)
            .await
            .map_err(|e| e.to_string())?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        Ok(sender)
    }

    fn put(&self, s: Sender) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(s);
        }
    }
}

async fn one(pool: &Pool, path: &str) -> Class {
    let Ok(mut sender) = pool.get().await else {
        return Class::Failed;
    };
    let Ok(req) = hyper::Request::get(path)
        .header("host", pool.addr.as_str())
        .body(Empty::<Bytes>::new())
    else {
        return Class::Failed;
    };
    let Ok(res) = sender.send_request(req).await else {
        return Class::Failed;
    };
    let status = res.status().as_u16();
    let Ok(body) = res.into_body().collect().await else {
        return Class::Failed;
    };
    let body = body.to_bytes();
    pool.put(sender);
    match status {
        200..=299 => Class::Ok,
        503 if contains(&body, b"overloaded") || contains(&body, b"OVERLOADED") => {
            Class::Overloaded
        }
        503 => Class::Unavailable,
        _ => Class::Other,
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let paths: Vec<String> = std::fs::read_to_string(&args.paths)
        .map_err(|e| format!("{}: {e}", args.paths))?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if paths.is_empty() {
        return Err("no paths".into());
    }
    let paths = Arc::new(paths);
    let pool = Pool {
        addr: args.addr.clone(),
        idle: Arc::new(Mutex::new(Vec::new())),
    };
    let results: Arc<Mutex<Vec<(Class, f64)>>> = Arc::new(Mutex::new(Vec::new()));
    let timeout = Duration::from_secs_f64(args.timeout);
    let duration = Duration::from_secs_f64(args.duration);
    let start = Instant::now();
    let mut tasks = Vec::new();
    if args.rate > 0.0 {
        let gate = Arc::new(Semaphore::new(args.max_outstanding));
        let mut rng = fastrand::Rng::with_seed(args.seed);
        let every = Duration::from_secs_f64(1.0 / args.rate);
        let mut at = start;
        while at < start + duration {
            tokio::time::sleep_until(at.into()).await;
            let (pool, results, gate) = (pool.clone(), results.clone(), gate.clone());
            let path = paths[rng.usize(..paths.len())].clone();
            let scheduled = at;
            tasks.push(tokio::spawn(async move {
                let class = tokio::time::timeout(timeout, async {
                    let _permit = gate.acquire_owned().await;
                    one(&pool, &path).await
                })
                .await
                .unwrap_or(Class::Failed);
                let ms = scheduled.elapsed().as_secs_f64() * 1000.0;
                if let Ok(mut r) = results.lock() {
                    r.push((class, ms));
                }
            }));
            at += every;
        }
    } else {
        for c in 0..args.connections {
            let (pool, results, paths) = (pool.clone(), results.clone(), paths.clone());
            let mut rng = fastrand::Rng::with_seed(args.seed + c as u64);
            tasks.push(tokio::spawn(async move {
                while start.elapsed() < duration {
                    let path = &paths[rng.usize(..paths.len())];
                    let sent = Instant::now();
                    let class = tokio::time::timeout(timeout, one(&pool, path))
                        .await
                        .unwrap_or(Class::Failed);
                    let ms = sent.elapsed().as_secs_f64() * 1000.0;
                    if let Ok(mut r) = results.lock() {
                        r.push((class, ms));
                    }
                }
            }));
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let results = results.lock().map_err(|e| e.to_string())?;
    let mut out = serde_json::Map::new();
    out.insert("mode".into(), (if args.rate > 0.0 { "open" } else { "closed" }).into());
    out.insert("rate".into(), args.rate.into());
    out.insert("connections".into(), args.connections.into());
    out.insert("seconds".into(), elapsed.into());
    out.insert("requests".into(), results.len().into());
    for (class, name) in CLASSES {
        let mut ms: Vec<f64> = results
            .iter()
            .filter(|(c, _)| *c == class)
            .map(|(_, ms)| *ms)
            .collect();
        ms.sort_by(f64::total_cmp);
        out.insert(
            name.into(),
            serde_json::json!({
                "count": ms.len(),
                "per_second": ms.len() as f64 / elapsed,
                "p50_ms": percentile(&ms, 50.0),
                "p90_ms": percentile(&ms, 90.0),
                "p99_ms": percentile(&ms, 99.0),
                "max_ms": ms.last().copied().unwrap_or(0.0),
            }),
        );
    }
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}
