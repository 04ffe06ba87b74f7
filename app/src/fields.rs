//! Field rules shared by every write path: the editors' form (REST and
//! GraphQL), the wire upsert by external id and the bulk importer. A field
//! is checked the same way whichever door it comes through.

use chrono::{DateTime, Utc};
use domain::block::is_http_url;
use domain::text::clean_text;
use domain::{Slug, ValidationError};

/// Longest kicker, in characters.
pub const KICKER: usize = 120;
/// Longest summary.
pub const SUMMARY: usize = 1000;
/// Longest desk name.
pub const DESK: usize = 120;
/// Longest source (agency) name.
pub const SOURCE: usize = 200;
/// Longest dateline.
pub const DATELINE: usize = 100;
/// Longest external id.
pub const EXTERNAL_ID: usize = 200;

/// Optional plain text of at most `max` characters: trimmed, control
/// characters refused, empty taken as absent.
pub(crate) fn text(
    errors: &mut Vec<ValidationError>,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    let v = value.map(str::trim).filter(|s| !s.is_empty())?;
    match clean_text(v, false) {
        Ok(t) if t.chars().count() <= max => Some(t),
        Ok(_) => {
            errors.push(ValidationError::new(
                field,
                format!("must be at most {max} characters"),
            ));
            None
        }
        Err(e) => {
            errors.push(ValidationError::new(field, e.to_string()));
            None
        }
    }
}

/// An optional absolute http(s) URL; empty taken as absent.
pub(crate) fn url(
    errors: &mut Vec<ValidationError>,
    field: &str,
    value: Option<&str>,
) -> Option<String> {
    let v = value.map(str::trim).filter(|s| !s.is_empty())?;
    if is_http_url(v) {
        Some(v.to_owned())
    } else {
        errors.push(ValidationError::new(
            field,
            "must be an absolute http(s) URL",
        ));
        None
    }
}

/// An optional external id: 1 to 200 plain characters; empty taken as
/// absent.
pub(crate) fn external_id(
    errors: &mut Vec<ValidationError>,
    value: Option<&str>,
) -> Option<String> {
    match value.map(str::trim) {
        None | Some("") => None,
        Some(e) if e.chars().count() <= EXTERNAL_ID && clean_text(e, false).is_ok() => {
            Some(e.to_owned())
        }
        Some(_) => {
            errors.push(ValidationError::new(
                "externalId",
                "must be 1 to 200 plain characters",
            ));
            None
        }
    }
}

/// A record's id in a path or a GraphQL `ID` (webhooks, deliveries,
/// posts): a positive integer, else the same 404 as an unknown one.
pub fn record_id(raw: &str, what: &str) -> Result<i64, crate::error::AppError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| crate::error::AppError::not_found(format!("no {what} {raw:?}")))
}

/// Parses an RFC 3339 time sent by an editor.
pub fn parse_rfc3339(field: &str, s: &str) -> Result<DateTime<Utc>, ValidationError> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.to_utc())
        .map_err(|_| ValidationError::new(field, "must be an RFC 3339 date-time"))
}

/// Longest correction note.
pub const CORRECTION: usize = 2_000;

/// A correction note's kind and text, checked as every door checks them
/// (`prefix` names the note in errors: `""` or `corrections[2].`).
pub(crate) fn correction_parts(
    errors: &mut Vec<ValidationError>,
    prefix: &str,
    kind: &str,
    text: &str,
) -> Option<(domain::CorrectionKind, String)> {
    use domain::CorrectionKind as K;
    let kind = match kind {
        "correction" => Some(K::Correction),
        "clarification" => Some(K::Clarification),
        "update" => Some(K::Update),
        _ => {
            errors.push(ValidationError::new(
                format!("{prefix}kind"),
                "must be correction, clarification or update",
            ));
            None
        }
    };
    let text = match clean_text(text.trim(), true) {
        Ok(t) if !t.is_empty() && t.chars().count() <= CORRECTION => Some(t),
        Ok(_) => {
            errors.push(ValidationError::new(
                format!("{prefix}text"),
                format!("must be 1 to {CORRECTION} characters"),
            ));
            None
        }
        Err(e) => {
            errors.push(ValidationError::new(format!("{prefix}text"), e.to_string()));
            None
        }
    };
    Some((kind?, text?))
}

/// An optional RFC 3339 time; empty taken as absent.
pub(crate) fn time(
    errors: &mut Vec<ValidationError>,
    field: &str,
    value: Option<&str>,
) -> Option<DateTime<Utc>> {
    let v = value.map(str::trim).filter(|s| !s.is_empty())?;
    parse_rfc3339(field, v).map_err(|e| errors.push(e)).ok()
}

/// The slug made from a headline when none is given: at most 80
/// characters, cut at a word boundary. `None` when the headline has no
/// letters or digits to make one from.
pub(crate) fn slug_from_headline(headline: &str) -> Option<Slug> {
    let full = Slug::from_name(headline).ok()?;
    let mut cut: String = full.as_str().chars().take(80).collect();
    if full.as_str().chars().count() > 80
        && let Some(pos) = cut.rfind('-')
    {
        cut.truncate(pos);
    }
    Slug::parse(cut.trim_matches('-')).ok()
}

/// An opaque cursor for an offset-paged answer (search, directories):
/// base64url of `{tag}.{offset}.{fingerprint}`, so a cursor is refused by
/// any other kind of list and by the same list with other parameters.
pub fn encode_offset_cursor(tag: &str, offset: u64, fp: u32) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{tag}.{offset}.{fp:08x}"))
}

/// The offset of a cursor made by [`encode_offset_cursor`] with this tag
/// and fingerprint, at most `max`; `None` for anything else.
pub fn decode_offset_cursor(tag: &str, c: &str, fp: u32, max: u64) -> Option<u64> {
    use base64::Engine;
    if c.len() > 64 {
        return None;
    }
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let mut parts = raw.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(t), Some(offset), Some(f), None) if t == tag && f == format!("{fp:08x}") => {
            offset.parse::<u64>().ok().filter(|o| *o <= max)
        }
        _ => None,
    }
}
