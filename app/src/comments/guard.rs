//! Flood control for comments, in memory, like the view counter: clients
//! are known only by a salted SHA-256 of their address (IPv6 by its /64),
//! with a salt made at start and never stored, so no address and no
//! linkable hash is ever written anywhere.
//!
//! Three rules, checked together under the client's lock:
//! - a duplicate: the same text (compared by its search key, so case,
//!   spacing and punctuation do not matter) from the same client within the
//!   duplicate window, on any article;
//! - at most `per_client` comments per client per window;
//! - at most `per_article` comments per article per window, all clients
//!   together (a distributed flood on one story).
//!
//! Windows slide and are measured with the service clock. Entries expire
//! from memory on their own (moka), and the caches are bounded.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::comments::CommentSettings;

type Window = Arc<Mutex<VecDeque<DateTime<Utc>>>>;

/// Why a comment was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Too many comments; try again in this many seconds.
    TooMany { retry_after: u64 },
    /// This client already posted this text.
    Duplicate,
}

/// A comment let through: undone with [`FloodGuard::release`] if it is
/// not stored after all.
#[derive(Debug, Clone)]
pub struct Admission {
    /// Held in Redis instead (shared by every instance).
    shared: Option<crate::shared::SharedAdmission>,
    client: [u8; 32],
    article_id: i64,
    text: [u8; 32],
    at: DateTime<Utc>,
}

pub struct FloodGuard {
    salt: [u8; 16],
    clients: moka::sync::Cache<[u8; 32], Window>,
    articles: moka::sync::Cache<i64, Window>,
    texts: moka::sync::Cache<[u8; 32], DateTime<Utc>>,
    per_client: usize,
    client_window: Duration,
    per_article: usize,
    article_window: Duration,
    duplicate_window: Duration,
    shared: crate::shared::Shared,
}

fn std_duration(d: Duration) -> StdDuration {
    d.to_std().unwrap_or(StdDuration::from_secs(60))
}

/// A bounded cache of sliding windows that forgets idle keys.
fn window<K>(d: Duration, cap: u64) -> moka::sync::Cache<K, Window>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
{
    moka::sync::Cache::builder()
        .max_capacity(cap)
        .time_to_idle(std_duration(d))
        .build()
}

/// The part of an address that names a client: an IPv4 address, an IPv6
/// /64 (one subscriber's prefix), or the text as given.
pub fn client_id(addr: &str) -> String {
    let addr = addr.trim();
    let ip = addr
        .parse::<IpAddr>()
        .ok()
        .or_else(|| addr.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            addr.trim_start_matches('[')
                .split(']')
                .next()
                .and_then(|a| a.parse().ok())
        });
    match ip.map(|ip| ip.to_canonical()) {
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(ip) => ip.to_string(),
        None => addr.chars().take(100).collect(),
    }
}

impl FloodGuard {
    pub fn new(settings: &CommentSettings) -> Self {
        let mut salt = [0u8; 16];
        if getrandom::fill(&mut salt).is_err() {
            // Still unlinkable outside this process: the time is not stored.
            let t = Utc::now().timestamp_nanos_opt().unwrap_or_default();
            salt[..8].copy_from_slice(&t.to_le_bytes());
        }
        Self {
            salt,
            clients: window(settings.client_window, 200_000),
            articles: window(settings.article_window, 100_000),
            texts: moka::sync::Cache::builder()
                .max_capacity(1_000_000)
                .time_to_live(std_duration(settings.duplicate_window))
                .build(),
            per_client: settings.per_client as usize,
            client_window: settings.client_window,
            per_article: settings.per_article as usize,
            article_window: settings.article_window,
            duplicate_window: settings.duplicate_window,
            shared: crate::shared::Shared::none(),
        }
    }

    /// Keeps the windows in Redis, shared by every instance; these
    /// in-memory ones serve while Redis is unavailable.
    pub fn with_shared(mut self, shared: crate::shared::Shared) -> Self {
        self.shared = shared;
        self
    }

    /// Lets a comment through or says why not: in Redis when it answers,
    /// else in this instance's memory.
    pub async fn admit_shared(
        &self,
        client: &str,
        article_id: i64,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<Admission, Refusal> {
        let key = domain::text::search_key(text);
        let key = if key.is_empty() { text } else { key.as_str() };
        let verdict = self
            .shared
            .flood(
                client,
                article_id,
                key,
                now,
                (self.per_client as u32, self.client_window),
                (self.per_article as u32, self.article_window),
                self.duplicate_window,
            )
            .await;
        match verdict {
            None => self.admit(client, article_id, text, now),
            Some(crate::shared::FloodVerdict::Duplicate) => Err(Refusal::Duplicate),
            Some(crate::shared::FloodVerdict::TooMany { retry_after }) => {
                Err(Refusal::TooMany { retry_after })
            }
            Some(crate::shared::FloodVerdict::Admitted(a)) => Ok(Admission {
                shared: Some(a),
                client: [0; 32],
                article_id,
                text: [0; 32],
                at: now,
            }),
        }
    }

    /// Forgets an admitted comment that was not stored, where it was
    /// counted.
    pub async fn release_shared(&self, a: &Admission) {
        match &a.shared {
            Some(s) => self.shared.release(s).await,
            None => self.release(a),
        }
    }

    fn hash(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.salt);
        for p in parts {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p);
        }
        h.finalize().into()
    }

    /// Lets a comment through or says why not; a comment let through counts
    /// at once (so two racing posts cannot both pass).
    pub fn admit(
        &self,
        client: &str,
        article_id: i64,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<Admission, Refusal> {
        let client_key = self.hash(&[b"client", client.as_bytes()]);
        let key = domain::text::search_key(text);
        let key = if key.is_empty() { text } else { key.as_str() };
        let text_key = self.hash(&[b"text", client.as_bytes(), key.as_bytes()]);
        let client_window = self.clients.get_with(client_key, Window::default);
        let mut mine = client_window
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if self
            .texts
            .get(&text_key)
            .is_some_and(|at| now - at < self.duplicate_window)
        {
            return Err(Refusal::Duplicate);
        }
        retry_after(&mut mine, self.per_client, self.client_window, now)?;
        let article_window = self.articles.get_with(article_id, Window::default);
        let mut theirs = article_window
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        retry_after(&mut theirs, self.per_article, self.article_window, now)?;
        mine.push_back(now);
        theirs.push_back(now);
        self.texts.insert(text_key, now);
        Ok(Admission {
            shared: None,
            client: client_key,
            article_id,
            text: text_key,
            at: now,
        })
    }

    /// Forgets an admitted comment that was not stored.
    pub fn release(&self, a: &Admission) {
        let forget = |w: Option<Window>| {
            if let Some(w) = w {
                let mut w = w.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if let Some(pos) = w.iter().rposition(|t| *t == a.at) {
                    w.remove(pos);
                }
            }
        };
        forget(self.clients.get(&a.client));
        forget(self.articles.get(&a.article_id));
        if self.texts.get(&a.text) == Some(a.at) {
            self.texts.invalidate(&a.text);
        }
    }
}

/// Drops entries older than the window; refuses when `limit` remain, with
/// the seconds until the oldest leaves the window.
fn retry_after(
    w: &mut VecDeque<DateTime<Utc>>,
    limit: usize,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    while w.front().is_some_and(|t| now - *t >= window) {
        w.pop_front();
    }
    if w.len() < limit {
        return Ok(());
    }
    let oldest = w.front().copied().unwrap_or(now);
    let wait = (oldest + window - now).num_milliseconds().max(0);
    let secs = u64::try_from(wait).unwrap_or(0).div_ceil(1000).max(1);
    Err(Refusal::TooMany { retry_after: secs })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(per_client: u32, per_article: u32) -> FloodGuard {
        FloodGuard::new(&CommentSettings {
            per_client,
            per_article,
            ..CommentSettings::default()
        })
    }

    #[test]
    fn a_client_gets_five_per_ten_minutes_then_a_retry_time() {
        let g = guard(5, 100);
        let t0 = Utc::now();
        for i in 0..5 {
            let at = t0 + Duration::minutes(i);
            g.admit("10.0.0.1", 1, &format!("মন্তব্য {i}"), at).unwrap();
        }
        let at = t0 + Duration::minutes(5);
        assert_eq!(
            g.admit("10.0.0.1", 1, "আরেকটি", at).unwrap_err(),
            Refusal::TooMany { retry_after: 300 }
        );
        // Another client is not affected.
        g.admit("10.0.0.2", 1, "আরেকটি", at).unwrap();
        // Once the first leaves the window, one more fits.
        g.admit("10.0.0.1", 1, "আরেকটি", t0 + Duration::minutes(10))
            .unwrap();
    }

    #[test]
    fn the_same_text_twice_is_a_duplicate_whatever_the_spacing_or_article() {
        let g = guard(50, 50);
        let t = Utc::now();
        g.admit("c", 1, "ভালো লেখা!", t).unwrap();
        for text in ["ভালো লেখা!", "  ভালো   লেখা ", "ভালো লেখা।"]
        {
            assert_eq!(
                g.admit("c", 2, text, t).unwrap_err(),
                Refusal::Duplicate,
                "{text}"
            );
        }
        // Invisible characters anywhere do not make it new.
        for invisible in [
            '\u{200B}',
            '\u{2063}',
            '\u{034F}',
            '\u{FE0F}',
            '\u{180E}',
            '\u{E0020}',
        ] {
            let text = format!("ভা{invisible}লো লে{invisible}খা!");
            assert_eq!(
                g.admit("c", 3, &text, t).unwrap_err(),
                Refusal::Duplicate,
                "U+{:04X}",
                u32::from(invisible)
            );
        }
        g.admit("other", 1, "ভালো লেখা!", t).unwrap();
        g.admit("c", 1, "ভালো লেখা!", t + Duration::hours(25))
            .unwrap();
    }

    #[test]
    fn an_article_takes_a_limited_number_from_all_clients() {
        let g = guard(10, 3);
        let t = Utc::now();
        for c in ["a", "b", "c"] {
            g.admit(c, 7, c, t).unwrap();
        }
        assert!(matches!(
            g.admit("d", 7, "d", t),
            Err(Refusal::TooMany { .. })
        ));
        g.admit("d", 8, "d", t).unwrap();
    }

    #[test]
    fn a_released_admission_does_not_count() {
        let g = guard(1, 10);
        let t = Utc::now();
        let a = g.admit("c", 1, "x", t).unwrap();
        g.release(&a);
        g.admit("c", 1, "x", t).unwrap();
    }

    #[test]
    fn clients_are_addresses_and_ipv6_subscribers_by_their_prefix() {
        assert_eq!(client_id("203.0.113.9"), "203.0.113.9");
        assert_eq!(client_id("203.0.113.9:5555"), "203.0.113.9");
        assert_eq!(
            client_id("2001:db8:1:2:aaaa::1"),
            client_id("[2001:db8:1:2:ffff::9]:443")
        );
        assert_ne!(client_id("2001:db8:1:2::1"), client_id("2001:db8:1:3::1"));
        assert_eq!(client_id("::ffff:192.0.2.1"), "192.0.2.1");
    }
}
