//! State shared by every instance through Redis (`BARTA_REDIS_URL`):
//! partner quotas, comment flood control, view-beacon de-duplication, and
//! change notices by pub/sub.
//!
//! Each counter is one Lua script (atomic on the server), keyed under the
//! configured prefix, with an expiry so nothing outlives its window. Every
//! call has a short deadline; a call that fails or times out answers
//! `None`, the caller falls back to its per-instance state (as without
//! Redis), a warning is logged at most once a minute, and Redis is left
//! alone for [`PAUSE`] before it is tried again. A Redis outage therefore
//! loosens the limits to per instance; it never fails a reader's request.
//!
//! Clients are known to Redis only by a SHA-256 of a salt and the client;
//! the salt is made once and kept in Redis (`{prefix}:salt`), so all
//! instances hash alike, and no address is ever written anywhere.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use redis::aio::ConnectionManager;
use sha2::{Digest, Sha256};

/// How long one Redis call may take.
const DEADLINE: Duration = Duration::from_millis(250);
/// How long Redis is left alone after a failure.
const PAUSE: Duration = Duration::from_secs(2);

/// Partner quotas: a generic cell rate algorithm (a token bucket kept as
/// its "theoretical arrival time") per window; a request passes only if
/// both windows let it, and then counts in both.
/// KEYS: minute, day. ARGV: now µs, per minute, per day.
/// Returns: allowed (0/1), µs of debt in the minute and in the day window.
const QUOTA: &str = r"
local now = tonumber(ARGV[1])
local function load(key, limit, window)
  local t = window / limit
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then tat = now end
  return t, tat
end
local wm, wd = 60000000, 86400000000
local tm, am = load(KEYS[1], tonumber(ARGV[2]), wm)
local td, ad = load(KEYS[2], tonumber(ARGV[3]), wd)
local allowed = (am + tm - now <= wm) and (ad + td - now <= wd)
if allowed then
  am = am + tm
  ad = ad + td
  redis.call('SET', KEYS[1], string.format('%.0f', am), 'PX', math.ceil((am - now) / 1000) + 1000)
  redis.call('SET', KEYS[2], string.format('%.0f', ad), 'PX', math.ceil((ad - now) / 1000) + 1000)
end
return {allowed and 1 or 0, math.floor(am - now), math.floor(ad - now)}
";

/// Comment flood control: a duplicate text from the client within its
/// window, then sliding windows per client and per article (sorted sets
/// of admission times).
/// KEYS: client window, article window, text. ARGV: now µs, per client,
/// client window µs, per article, article window µs, duplicate window µs,
/// member. Returns {0, 0} admitted, {1, seconds} too many, {2, 0} duplicate.
const FLOOD: &str = r"
local now = tonumber(ARGV[1])
local seen = redis.call('GET', KEYS[3])
if seen and now - tonumber(seen) < tonumber(ARGV[6]) then return {2, 0} end
local function wait(key, limit, window)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.0f', now - window))
  if redis.call('ZCARD', key) >= limit then
    local oldest = tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2])
    return math.max(1, math.ceil((oldest + window - now) / 1000000))
  end
  return 0
end
local cw, aw = tonumber(ARGV[3]), tonumber(ARGV[5])
local w = wait(KEYS[1], tonumber(ARGV[2]), cw)
if w > 0 then return {1, w} end
w = wait(KEYS[2], tonumber(ARGV[4]), aw)
if w > 0 then return {1, w} end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[7])
redis.call('PEXPIRE', KEYS[1], math.ceil(cw / 1000) + 1000)
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[7])
redis.call('PEXPIRE', KEYS[2], math.ceil(aw / 1000) + 1000)
redis.call('SET', KEYS[3], ARGV[1], 'PX', math.ceil(tonumber(ARGV[6]) / 1000) + 1000)
return {0, 0}
";

/// Undoes a flood admission. KEYS: client window, article window, text.
/// ARGV: member, admission time µs.
const RELEASE: &str = r"
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
return 1
";

/// A view beacon: at most `limit` per client per minute, and one per
/// client and article per five minutes. KEYS: client rate, client+article.
/// ARGV: limit. Returns 1 when the view counts.
const VIEW: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], 60000) end
if n > tonumber(ARGV[1]) then return 0 end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', 300000) then return 1 end
return 0
";

/// What a partner quota check found in Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaUse {
    pub allowed: bool,
    /// Microseconds until the minute and the day bucket are full again.
    pub minute_debt_us: u64,
    pub day_debt_us: u64,
}

/// A flood admission held in Redis.
#[derive(Debug, Clone)]
pub struct SharedAdmission {
    keys: [String; 3],
    member: String,
    at: String,
}

/// What the flood script answered.
#[derive(Debug, Clone)]
pub enum FloodVerdict {
    Admitted(SharedAdmission),
    TooMany { retry_after: u64 },
    Duplicate,
}

struct Inner {
    client: redis::Client,
    conn: ConnectionManager,
    prefix: String,
    /// This instance's name in change notices (its own are skipped).
    me: String,
    salt: tokio::sync::OnceCell<[u8; 32]>,
    paused_until: Mutex<Option<Instant>>,
    last_warning: Mutex<Option<Instant>>,
    up: AtomicBool,
    errors: AtomicU64,
    quota: redis::Script,
    flood: redis::Script,
    release: redis::Script,
    view: redis::Script,
    /// Changes made here, to publish.
    changed: tokio::sync::Notify,
}

/// The shared store, or nothing (every method then answers `None`).
#[derive(Clone, Default)]
pub struct Shared(Option<Arc<Inner>>);

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(i) => write!(f, "Shared(redis, prefix {})", i.prefix),
            None => f.write_str("Shared(none)"),
        }
    }
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

impl Shared {
    /// Nothing shared: per-instance state only.
    pub fn none() -> Self {
        Self(None)
    }

    /// Redis at `url`, keys under `prefix`. Connects lazily: a Redis that
    /// is down at start only means per-instance limits until it is up.
    pub fn redis(url: &str, prefix: &str) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(DEADLINE))
            .set_response_timeout(Some(DEADLINE))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        let mut me = [0u8; 8];
        let _ = getrandom::fill(&mut me);
        Ok(Self(Some(Arc::new(Inner {
            client,
            conn,
            prefix: prefix.to_owned(),
            me: me.iter().map(|b| format!("{b:02x}")).collect(),
            salt: tokio::sync::OnceCell::new(),
            paused_until: Mutex::new(None),
            last_warning: Mutex::new(None),
            up: AtomicBool::new(false),
            errors: AtomicU64::new(0),
            quota: redis::Script::new(QUOTA),
            flood: redis::Script::new(FLOOD),
            release: redis::Script::new(RELEASE),
            view: redis::Script::new(VIEW),
            changed: tokio::sync::Notify::new(),
        }))))
    }

    pub fn is_configured(&self) -> bool {
        self.0.is_some()
    }

    /// Whether the last call to Redis succeeded (`None` without Redis).
    pub fn is_up(&self) -> Option<bool> {
        self.0.as_ref().map(|i| i.up.load(Ordering::Relaxed))
    }

    /// Calls to Redis that failed or timed out since start.
    pub fn errors(&self) -> u64 {
        self.0
            .as_ref()
            .map_or(0, |i| i.errors.load(Ordering::Relaxed))
    }

    /// Checks that Redis answers (at start, to log how things stand).
    pub async fn ping(&self) -> Option<bool> {
        let inner = self.0.as_ref()?;
        let mut conn = inner.conn.clone();
        let ok = run(inner, async move {
            redis::cmd("PING").query_async::<String>(&mut conn).await
        })
        .await
        .is_some();
        Some(ok)
    }

    /// Takes one request from a partner key's quotas.
    pub async fn quota(
        &self,
        key_id: i64,
        per_minute: u32,
        per_day: u32,
        now: DateTime<Utc>,
    ) -> Option<QuotaUse> {
        let inner = self.0.as_ref()?;
        // The quotas are in the key: a changed quota starts afresh.
        let base = format!("{}:quota:{key_id}:{per_minute}:{per_day}", inner.prefix);
        let mut conn = inner.conn.clone();
        let (allowed, m, d): (i64, i64, i64) = run(inner, async move {
            inner
                .quota
                .key(format!("{base}:m"))
                .key(format!("{base}:d"))
                .arg(micros(now))
                .arg(per_minute.max(1))
                .arg(per_day.max(1))
                .invoke_async(&mut conn)
                .await
        })
        .await?;
        Some(QuotaUse {
            allowed: allowed == 1,
            minute_debt_us: m.max(0).unsigned_abs(),
            day_debt_us: d.max(0).unsigned_abs(),
        })
    }

    /// The salt all instances hash clients with.
    async fn salt(&self, inner: &Inner) -> Option<[u8; 32]> {
        inner
            .salt
            .get_or_try_init(|| async {
                let mut fresh = [0u8; 32];
                let _ = getrandom::fill(&mut fresh);
                let fresh: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
                let key = format!("{}:salt", inner.prefix);
                let mut conn = inner.conn.clone();
                let stored: String = run(inner, async move {
                    let _: Option<String> = redis::cmd("SET")
                        .arg(&key)
                        .arg(&fresh)
                        .arg("NX")
                        .query_async(&mut conn)
                        .await?;
                    redis::cmd("GET").arg(&key).query_async(&mut conn).await
                })
                .await
                .ok_or(())?;
                Ok::<_, ()>(Sha256::digest(stored.as_bytes()).into())
            })
            .await
            .ok()
            .copied()
    }

    async fn hash(&self, inner: &Inner, parts: &[&[u8]]) -> Option<String> {
        let salt = self.salt(inner).await?;
        let mut h = Sha256::new();
        h.update(salt);
        for p in parts {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p);
        }
        Some(
            h.finalize()
                .iter()
                .take(16)
                .map(|b| format!("{b:02x}"))
                .collect(),
        )
    }

    /// Comment flood control across instances (see `comments::guard`).
    #[allow(clippy::too_many_arguments)]
    pub async fn flood(
        &self,
        client: &str,
        article_id: i64,
        text_key: &str,
        now: DateTime<Utc>,
        per_client: (u32, chrono::Duration),
        per_article: (u32, chrono::Duration),
        duplicate_window: chrono::Duration,
    ) -> Option<FloodVerdict> {
        let inner = self.0.as_ref()?;
        let c = self.hash(inner, &[b"client", client.as_bytes()]).await?;
        let t = self
            .hash(inner, &[b"text", client.as_bytes(), text_key.as_bytes()])
            .await?;
        let p = &inner.prefix;
        let keys = [
            format!("{p}:flood:client:{c}"),
            format!("{p}:flood:article:{article_id}"),
            format!("{p}:flood:text:{t}"),
        ];
        let mut nonce = [0u8; 6];
        let _ = getrandom::fill(&mut nonce);
        let at = micros(now).to_string();
        let member = format!(
            "{at}:{}",
            nonce.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let us = |d: chrono::Duration| d.num_microseconds().unwrap_or(i64::MAX / 4).max(1);
        let mut conn = inner.conn.clone();
        let script_keys = keys.clone();
        let m = member.clone();
        let (code, wait): (i64, i64) = run(inner, async move {
            inner
                .flood
                .key(&script_keys[0])
                .key(&script_keys[1])
                .key(&script_keys[2])
                .arg(micros(now))
                .arg(per_client.0)
                .arg(us(per_client.1))
                .arg(per_article.0)
                .arg(us(per_article.1))
                .arg(us(duplicate_window))
                .arg(&m)
                .invoke_async(&mut conn)
                .await
        })
        .await?;
        Some(match code {
            0 => FloodVerdict::Admitted(SharedAdmission { keys, member, at }),
            2 => FloodVerdict::Duplicate,
            _ => FloodVerdict::TooMany {
                retry_after: wait.max(1).unsigned_abs(),
            },
        })
    }

    /// Forgets a shared flood admission whose comment was not stored.
    pub async fn release(&self, a: &SharedAdmission) {
        let Some(inner) = self.0.as_ref() else {
            return;
        };
        let mut conn = inner.conn.clone();
        let _: Option<i64> = run(inner, async move {
            inner
                .release
                .key(&a.keys[0])
                .key(&a.keys[1])
                .key(&a.keys[2])
                .arg(&a.member)
                .arg(&a.at)
                .invoke_async(&mut conn)
                .await
        })
        .await;
    }

    /// Whether a view beacon counts, across instances.
    pub async fn view(&self, client: &str, article_id: i64, limit: u32) -> Option<bool> {
        let inner = self.0.as_ref()?;
        let c = self.hash(inner, &[b"view", client.as_bytes()]).await?;
        let p = &inner.prefix;
        let mut conn = inner.conn.clone();
        let counted: i64 = run(inner, async move {
            inner
                .view
                .key(format!("{p}:views:rate:{c}"))
                .key(format!("{p}:views:seen:{c}:{article_id}"))
                .arg(limit)
                .invoke_async(&mut conn)
                .await
        })
        .await?;
        Some(counted == 1)
    }

    /// Says that this instance wrote something: the publisher tells the
    /// other instances (coalesced; never blocks).
    pub fn changed(&self) {
        if let Some(inner) = &self.0 {
            inner.changed.notify_one();
        }
    }

    /// Publishes this instance's writes and wakes `poke` after each of them
    /// and whenever another instance publishes one, until `stop` turns
    /// true. The subscription
    /// reconnects after a Redis outage; the change-log poll stays the
    /// safety net meanwhile.
    pub fn start_notices(
        &self,
        poke: Arc<tokio::sync::Notify>,
        stop: tokio::sync::watch::Receiver<bool>,
    ) {
        let Some(inner) = self.0.clone() else {
            return;
        };
        let channel = format!("{}:changes", inner.prefix);
        {
            let inner = inner.clone();
            let channel = channel.clone();
            let mut stop = stop.clone();
            // This instance's own search index and caches learn of its
            // write at once too, not at the next poll.
            let own = poke.clone();
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        biased;
                        _ = stop.wait_for(|s| *s) => break,
                        () = inner.changed.notified() => {}
                    }
                    own.notify_one();
                    let mut conn = inner.conn.clone();
                    let me = inner.me.clone();
                    let channel = channel.clone();
                    let _: Option<i64> = run(&inner, async move {
                        redis::cmd("PUBLISH")
                            .arg(&channel)
                            .arg(&me)
                            .query_async(&mut conn)
                            .await
                    })
                    .await;
                }
            });
        }
        let mut stop = stop;
        tokio::spawn(async move {
            loop {
                let subscribed = async {
                    let mut pubsub =
                        tokio::time::timeout(DEADLINE, inner.client.get_async_pubsub())
                            .await
                            .ok()?
                            .ok()?;
                    pubsub.subscribe(&channel).await.ok()?;
                    Some(pubsub)
                };
                let pubsub = tokio::select! {
                    biased;
                    _ = stop.wait_for(|s| *s) => break,
                    p = subscribed => p,
                };
                if let Some(pubsub) = pubsub {
                    tracing::info!(channel = %channel, "listening for change notices");
                    let mut messages = pubsub.into_on_message();
                    loop {
                        let msg = tokio::select! {
                            biased;
                            _ = stop.wait_for(|s| *s) => return,
                            m = messages.next() => m,
                        };
                        let Some(msg) = msg else { break };
                        if msg.get_payload_bytes() != inner.me.as_bytes() {
                            poke.notify_one();
                        }
                    }
                    // Missed notices are caught by the change-log poll.
                    poke.notify_one();
                }
                tokio::select! {
                    biased;
                    _ = stop.wait_for(|s| *s) => break,
                    () = tokio::time::sleep(PAUSE) => {}
                }
            }
        });
    }
}

/// Runs one Redis call under the deadline and the pause after a failure;
/// `None` when it failed (logged, counted).
async fn run<T>(
    inner: &Inner,
    call: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Option<T> {
    let paused = inner
        .paused_until
        .lock()
        .map(|p| p.is_some_and(|until| Instant::now() < until))
        .unwrap_or(false);
    if paused {
        return None;
    }
    let error = match tokio::time::timeout(DEADLINE, call).await {
        Ok(Ok(v)) => {
            if !inner.up.swap(true, Ordering::Relaxed) {
                tracing::info!("Redis answers: quotas, flood control and view counts are shared");
            }
            return Some(v);
        }
        Ok(Err(e)) => e.to_string(),
        Err(_) => "no answer in time".to_owned(),
    };
    inner.up.store(false, Ordering::Relaxed);
    inner.errors.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut p) = inner.paused_until.lock() {
        *p = Some(Instant::now() + PAUSE);
    }
    let warn = inner.last_warning.lock().is_ok_and(|mut last| {
        let due = last.is_none_or(|t| t.elapsed() >= Duration::from_secs(60));
        if due {
            *last = Some(Instant::now());
        }
        due
    });
    if warn {
        tracing::warn!(error = %error,
            "Redis is unavailable: quotas, flood control and view counts are per instance until it is back");
    }
    None
}
