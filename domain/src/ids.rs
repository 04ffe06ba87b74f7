//! Newtypes with parsing constructors: parse, don't validate.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// Stable numeric identifier of an article. Opaque to clients (sent as a string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ArticleId(i64);

impl ArticleId {
    pub fn new(id: i64) -> Result<Self, ValidationError> {
        if id > 0 {
            Ok(Self(id))
        } else {
            Err(ValidationError::new("id", "must be a positive integer"))
        }
    }

    /// Parses the decimal form used in URLs.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValidationError::new("id", "must be a positive integer"));
        }
        s.parse::<i64>()
            .map_err(|_| ValidationError::new("id", "must be a positive integer"))
            .and_then(Self::new)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for ArticleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// How a URL names an article: all digits is an id, anything else a slug
/// (a slug is never all digits, see [`Slug`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArticleKey {
    Id(ArticleId),
    /// The slug as given, in NFC (not checked: an invalid slug names no article).
    Slug(String),
    /// All digits but no valid id (zero, too long): names no article.
    Nothing,
}

impl ArticleKey {
    pub fn parse(id_or_slug: &str) -> Self {
        if !id_or_slug.is_empty() && id_or_slug.bytes().all(|b| b.is_ascii_digit()) {
            ArticleId::parse(id_or_slug).map_or(Self::Nothing, Self::Id)
        } else {
            Self::Slug(crate::text::nfc(id_or_slug))
        }
    }
}

/// A URL slug: lowercase ASCII letters, digits, Bengali letters and marks,
/// separated by single hyphens; at most 200 characters; not all digits (so a
/// slug never looks like an id).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Slug(String);

impl Slug {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let invalid = |m: &str| Err(ValidationError::new("slug", m));
        let s = crate::text::nfc(s);
        if s.is_empty() {
            return invalid("must not be empty");
        }
        if s.chars().count() > Self::MAX_CHARS {
            return invalid("must be at most 200 characters");
        }
        if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return invalid("hyphens may only separate words");
        }
        if !s.chars().all(is_slug_char) {
            return invalid("may contain only lowercase letters, digits and hyphens");
        }
        if s.bytes().all(|b| b.is_ascii_digit()) {
            return invalid("must not be all digits");
        }
        Ok(Self(s))
    }

    /// Makes a slug from a free-text name ("জাতীয় সংবাদ" → "জাতীয়-সংবাদ").
    pub fn from_name(name: &str) -> Result<Self, ValidationError> {
        let mut out = String::new();
        for c in crate::text::nfc(name).chars().flat_map(char::to_lowercase) {
            if is_slug_char(c) && c != '-' {
                out.push(c);
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        while out.ends_with('-') {
            out.pop();
        }
        let truncated: String = out.chars().take(Self::MAX_CHARS).collect();
        let trimmed = truncated.trim_end_matches('-');
        if trimmed.bytes().all(|b| b.is_ascii_digit()) && !trimmed.is_empty() {
            return Self::parse(&format!("n-{trimmed}"));
        }
        Self::parse(trimmed)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

fn is_slug_char(c: char) -> bool {
    c.is_ascii_lowercase()
        || c.is_ascii_digit()
        || c == '-'
        // Bengali block: letters, vowel signs, hasanta, digits, khanda ta.
        || (('\u{0980}'..='\u{09FF}').contains(&c) && c != '\u{09F2}' && c != '\u{09F3}')
        || c == '\u{200C}'
        || c == '\u{200D}'
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An article headline: trimmed, non-empty, at most 300 characters, NFC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Headline(String);

impl Headline {
    pub const MAX_CHARS: usize = 300;

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let cleaned = crate::text::clean_text(s.trim(), false)
            .map_err(|e| ValidationError::new("headline", e.to_string()))?;
        if cleaned.is_empty() {
            return Err(ValidationError::new("headline", "must not be empty"));
        }
        if cleaned.chars().count() > Self::MAX_CHARS {
            return Err(ValidationError::new(
                "headline",
                "must be at most 300 characters",
            ));
        }
        Ok(Self(cleaned))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A page size: 1 to 50, default 20.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(u64);

impl Limit {
    pub const MAX: u64 = 50;
    pub const DEFAULT: u64 = 20;

    pub fn new(n: i64) -> Result<Self, ValidationError> {
        if (1..=Self::MAX as i64).contains(&n) {
            Ok(Self(n as u64))
        } else {
            Err(ValidationError::new(
                "limit",
                "must be an integer from 1 to 50",
            ))
        }
    }

    /// Parses a query-string value; `None` gives the default.
    pub fn parse(s: Option<&str>) -> Result<Self, ValidationError> {
        match s {
            None => Ok(Self::default()),
            Some(s) => s
                .trim()
                .parse::<i64>()
                .map_err(|_| ValidationError::new("limit", "must be an integer from 1 to 50"))
                .and_then(Self::new),
        }
    }

    pub fn get(self) -> u64 {
        self.0
    }

    /// Parses a query-string value bounded by `1..=max` (feeds allow more
    /// than lists); `None` gives `default`.
    pub fn parse_in(s: Option<&str>, default: u64, max: u64) -> Result<Self, ValidationError> {
        let bad = || ValidationError::new("limit", format!("must be an integer from 1 to {max}"));
        match s {
            None => Ok(Self(default.clamp(1, max))),
            Some(s) => match s.trim().parse::<u64>() {
                Ok(n) if (1..=max).contains(&n) => Ok(Self(n)),
                _ => Err(bad()),
            },
        }
    }
}

impl Default for Limit {
    fn default() -> Self {
        Self(Self::DEFAULT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_name_an_id_and_anything_else_a_slug() {
        assert_eq!(ArticleKey::parse("42"), ArticleKey::Id(ArticleId(42)));
        assert_eq!(ArticleKey::parse("0"), ArticleKey::Nothing);
        assert_eq!(
            ArticleKey::parse("9999999999999999999"),
            ArticleKey::Nothing
        );
        assert_eq!(ArticleKey::parse("42a"), ArticleKey::Slug("42a".into()));
        assert_eq!(ArticleKey::parse(""), ArticleKey::Slug(String::new()));
        // The slug is NFC: ক + ে + া composes to কো.
        assert_eq!(
            ArticleKey::parse("\u{0995}\u{09C7}\u{09BE}"),
            ArticleKey::Slug("\u{0995}\u{09CB}".into())
        );
    }

    #[test]
    fn article_id_accepts_positive_decimal_only() {
        assert_eq!(ArticleId::parse("42").unwrap().get(), 42);
        for bad in [
            "",
            "0",
            "-1",
            "1.5",
            "abc",
            "99999999999999999999",
            "+3",
            " 4",
        ] {
            assert!(ArticleId::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn slugs_accept_ascii_and_bengali_words() {
        assert_eq!(
            Slug::parse("bangladesh-wins").unwrap().as_str(),
            "bangladesh-wins"
        );
        assert!(Slug::parse("খেলা").is_ok());
        assert!(Slug::parse("জাতীয়-সংবাদ").is_ok());
        for bad in [
            "",
            "-a",
            "a-",
            "a--b",
            "Upper",
            "has space",
            "a/b",
            "123",
            "a_b",
            "a.b",
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(Slug::parse(&"a".repeat(201)).is_err());
    }

    #[test]
    fn slug_from_name_joins_words_with_hyphens() {
        assert_eq!(Slug::from_name("জাতীয় সংবাদ").unwrap().as_str(), "জাতীয়-সংবাদ");
        assert_eq!(
            Slug::from_name("  World Cup, 2026! ").unwrap().as_str(),
            "world-cup-2026"
        );
        assert_eq!(Slug::from_name("2024").unwrap().as_str(), "n-2024");
        assert!(Slug::from_name("!!!").is_err());
    }

    #[test]
    fn headline_is_trimmed_and_bounded() {
        assert_eq!(Headline::parse("  শিরোনাম ").unwrap().as_str(), "শিরোনাম");
        assert!(Headline::parse("   ").is_err());
        assert!(Headline::parse(&"ক".repeat(300)).is_ok());
        assert!(Headline::parse(&"ক".repeat(301)).is_err());
        assert!(Headline::parse("a\u{0007}b").is_err());
    }

    #[test]
    fn limit_is_one_to_fifty_with_default_twenty() {
        assert_eq!(Limit::parse(None).unwrap().get(), 20);
        assert_eq!(Limit::parse(Some("50")).unwrap().get(), 50);
        assert_eq!(Limit::parse(Some("1")).unwrap().get(), 1);
        for bad in ["0", "51", "-5", "x", ""] {
            let e = Limit::parse(Some(bad)).unwrap_err();
            assert_eq!(e.field, "limit");
        }
        assert_eq!(Limit::parse_in(None, 50, 100).unwrap().get(), 50);
        assert_eq!(Limit::parse_in(Some("100"), 50, 100).unwrap().get(), 100);
        for bad in ["0", "101", "-1", "x", ""] {
            assert!(Limit::parse_in(Some(bad), 50, 100).is_err(), "{bad}");
        }
    }
}
