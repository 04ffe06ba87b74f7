//! Opaque keyset cursors for lists ordered by (`published_at`, `id`) descending.
//!
//! A cursor carries the sort key of the last item a client saw and a
//! fingerprint of the query it came from, so a cursor from one list cannot be
//! replayed against another. Encoded as unpadded base64url; every decoded
//! field is validated.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

use crate::error::ValidationError;
use crate::ids::Limit;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub published_at: DateTime<Utc>,
    pub id: i64,
    /// Fingerprint of the query (filters) the cursor belongs to.
    pub query: u32,
}

const VERSION: &str = "1";

impl Cursor {
    pub fn encode(&self) -> String {
        let raw = format!(
            "{VERSION}.{}.{}.{:08x}",
            self.published_at.timestamp_micros(),
            self.id,
            self.query
        );
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// Decodes a cursor and checks it belongs to the query with fingerprint `query`.
    pub fn decode(s: &str, query: u32) -> Result<Self, ValidationError> {
        let bad = || ValidationError::new("cursor", "is not a valid cursor for this list");
        if s.is_empty() || s.len() > 128 {
            return Err(bad());
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(s.trim_end_matches('='))
            .map_err(|_| bad())?;
        let raw = String::from_utf8(bytes).map_err(|_| bad())?;
        let mut parts = raw.split('.');
        let (Some(v), Some(ts), Some(id), Some(q), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad());
        };
        if v != VERSION {
            return Err(bad());
        }
        let micros: i64 = ts.parse().map_err(|_| bad())?;
        let published_at = DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(bad)?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        let fingerprint = u32::from_str_radix(q, 16).map_err(|_| bad())?;
        // Stored times lie well inside years 1000–9999; anything outside is
        // forged and would only make a database reject the query.
        let year = chrono::Datelike::year(&published_at);
        if id <= 0 || q.len() != 8 || fingerprint != query || !(1000..=9999).contains(&year) {
            return Err(bad());
        }
        Ok(Self {
            published_at,
            id,
            query: fingerprint,
        })
    }
}

/// A paging parameter (`cursor`, `after`, `before`, `since`) as sent: an
/// empty value, as forms and URL builders send, is the first page, like an
/// absent one.
pub fn given(raw: Option<&str>) -> Option<&str> {
    raw.filter(|v| !v.trim().is_empty())
}

/// FNV-1a over the canonical form of a query: a stable, dependency-free
/// fingerprint (not a security boundary, only a guard against mixing lists).
pub fn fingerprint(canonical: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in canonical.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// What page of a list to return: `limit` items after `after` (older), or,
/// `backward`, the `limit` items just before `before` (newer; from the
/// oldest end when there is no `before`). Both bounds may be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageRequest {
    pub limit: Limit,
    pub after: Option<Cursor>,
    pub before: Option<Cursor>,
    pub backward: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample() -> Cursor {
        Cursor {
            published_at: Utc.with_ymd_and_hms(2024, 11, 12, 5, 31, 0).unwrap(),
            id: 42,
            query: fingerprint("section=khela"),
        }
    }

    #[test]
    fn cursor_round_trips() {
        let c = sample();
        assert_eq!(Cursor::decode(&c.encode(), c.query).unwrap(), c);
    }

    #[test]
    fn cursor_from_another_query_is_rejected() {
        let c = sample();
        let e = Cursor::decode(&c.encode(), fingerprint("section=other")).unwrap_err();
        assert_eq!(e.field, "cursor");
    }

    #[test]
    fn garbage_cursors_are_rejected_not_panicking() {
        let q = fingerprint("");
        for bad in [
            "",
            "!!!",
            "abc",
            "MS4xLjI",
            &"A".repeat(500),
            "MS4tMS4yLjAwMDAwMDAw",
        ] {
            assert!(Cursor::decode(bad, q).is_err(), "{bad}");
        }
        // A well-formed shape with a negative id.
        let raw = URL_SAFE_NO_PAD.encode(format!("1.0.-5.{q:08x}"));
        assert!(Cursor::decode(&raw, q).is_err());
        // An out-of-range timestamp.
        let raw = URL_SAFE_NO_PAD.encode(format!("1.{}.5.{q:08x}", i64::MAX));
        assert!(Cursor::decode(&raw, q).is_err());
        // A valid fingerprint with a forged, absurd time (year −5000).
        let raw = URL_SAFE_NO_PAD.encode(format!("1.{}.5.{q:08x}", -220_000_000_000_000_000i64));
        assert!(Cursor::decode(&raw, q).is_err());
    }
}
