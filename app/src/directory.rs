//! Directories: authors and tags that have public articles, most used
//! first, with a prefix search for pickers, and one author's or tag's
//! profile with its count of public articles.

use std::collections::HashMap;

use domain::{Author, Limit, Tag, ValidationError};

use crate::content::ContentService;
use crate::error::AppError;

/// The deepest a directory pages (offset), as for search.
const MAX_OFFSET: u64 = 1000;
/// The longest prefix accepted.
const MAX_PREFIX: usize = 100;

/// A directory request as given (query-string values).
#[derive(Debug, Clone, Default)]
pub struct DirectoryParams {
    /// Names or slugs starting with this (NFC; blank: everything).
    pub q: Option<String>,
    pub limit: Option<String>,
    /// Opaque; from `page.nextCursor` of the same directory and `q`.
    pub cursor: Option<String>,
    /// `lang=en`: only articles in these languages count (an edition's
    /// directory).
    pub lang: Option<String>,
}

/// One page of a directory.
#[derive(Debug, Clone)]
pub struct Directory<T> {
    /// Each entry with its number of public articles.
    pub items: Vec<(T, i64)>,
    pub next_cursor: Option<String>,
}

struct Parsed {
    prefix: Option<String>,
    languages: Vec<String>,
    limit: u64,
    offset: u64,
    fingerprint: u32,
}

fn parse(which: &str, p: &DirectoryParams) -> Result<Parsed, AppError> {
    let mut errors = Vec::new();
    let prefix =
        p.q.as_deref()
            .map(|q| domain::text::nfc(q.trim()))
            .filter(|q| !q.is_empty());
    if prefix
        .as_ref()
        .is_some_and(|q| q.chars().count() > MAX_PREFIX)
    {
        errors.push(ValidationError::new("q", "must be at most 100 characters"));
    }
    let limit = Limit::parse(p.limit.as_deref())
        .map_err(|e| errors.push(e))
        .ok();
    let languages = crate::content::parse_languages(p.lang.as_deref())
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    // Appended only when set, so cursors without `lang` stay valid.
    let mut canonical = format!("{which}|{}", prefix.as_deref().unwrap_or(""));
    if !languages.is_empty() {
        canonical.push_str(&format!("|l={}", languages.join(",")));
    }
    let fingerprint = domain::cursor::fingerprint(&canonical);
    let offset = match domain::cursor::given(p.cursor.as_deref()) {
        None => Some(0),
        Some(c) => decode_cursor(c, fingerprint)
            .map_err(|e| errors.push(e))
            .ok(),
    };
    match (limit, offset, errors.is_empty()) {
        (Some(limit), Some(offset), true) => Ok(Parsed {
            prefix,
            languages,
            limit: limit.get(),
            offset,
            fingerprint,
        }),
        _ => Err(AppError::Invalid(errors)),
    }
}

fn encode_cursor(offset: u64, fp: u32) -> String {
    crate::fields::encode_offset_cursor("d1", offset, fp)
}

fn decode_cursor(c: &str, fp: u32) -> Result<u64, ValidationError> {
    crate::fields::decode_offset_cursor("d1", c, fp, MAX_OFFSET)
        .ok_or_else(|| ValidationError::new("cursor", "is not a cursor of this directory and q"))
}

fn next_cursor(p: &Parsed, has_more: bool) -> Option<String> {
    let next = p.offset + p.limit;
    (has_more && next <= MAX_OFFSET).then(|| encode_cursor(next, p.fingerprint))
}

impl ContentService {
    /// Tags with public articles, most used first.
    pub async fn tag_directory(&self, p: &DirectoryParams) -> Result<Directory<Tag>, AppError> {
        let parsed = parse("tags", p)?;
        let page = self
            .repo()
            .tag_directory(
                parsed.prefix.as_deref(),
                &parsed.languages,
                parsed.limit,
                parsed.offset,
                self.now(),
            )
            .await?;
        Ok(Directory {
            next_cursor: next_cursor(&parsed, page.has_more),
            items: page.items,
        })
    }

    /// Authors with public articles, most prolific first.
    pub async fn author_directory(
        &self,
        p: &DirectoryParams,
    ) -> Result<Directory<Author>, AppError> {
        let parsed = parse("authors", p)?;
        let page = self
            .repo()
            .author_directory(
                parsed.prefix.as_deref(),
                &parsed.languages,
                parsed.limit,
                parsed.offset,
                self.now(),
            )
            .await?;
        Ok(Directory {
            next_cursor: next_cursor(&parsed, page.has_more),
            items: page.items,
        })
    }

    /// How many public articles carry each of tags `ids` (one query).
    pub async fn tag_article_counts(&self, ids: &[i64]) -> Result<HashMap<i64, i64>, AppError> {
        Ok(self.repo().public_tag_counts(ids, self.now()).await?)
    }

    /// How many public articles each of authors `ids` wrote (one query).
    pub async fn author_article_counts(&self, ids: &[i64]) -> Result<HashMap<i64, i64>, AppError> {
        Ok(self.repo().public_author_counts(ids, self.now()).await?)
    }

    /// A tag by slug, with its number of public articles.
    pub async fn tag_profile(&self, slug: &str) -> Result<(Tag, i64), AppError> {
        let tag = self.tag(slug).await?;
        let n = self.tag_article_counts(&[tag.id]).await?;
        let n = n.get(&tag.id).copied().unwrap_or(0);
        Ok((tag, n))
    }

    /// An author by slug (bio, avatar), with their number of public articles.
    pub async fn author_profile(&self, slug: &str) -> Result<(Author, i64), AppError> {
        let author = self.author(slug).await?;
        let n = self.author_article_counts(&[author.id]).await?;
        let n = n.get(&author.id).copied().unwrap_or(0);
        Ok((author, n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_belongs_to_its_directory_and_prefix() {
        let p = parse("tags", &DirectoryParams::default()).unwrap();
        let c = encode_cursor(20, p.fingerprint);
        assert_eq!(decode_cursor(&c, p.fingerprint).unwrap(), 20);
        let other = parse(
            "tags",
            &DirectoryParams {
                q: Some("বা".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(decode_cursor(&c, other.fingerprint).is_err());
        let authors = parse("authors", &DirectoryParams::default()).unwrap();
        assert!(decode_cursor(&c, authors.fingerprint).is_err());
        let english = parse(
            "tags",
            &DirectoryParams {
                lang: Some("en".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(decode_cursor(&c, english.fingerprint).is_err());
        assert!(decode_cursor("garbage", p.fingerprint).is_err());
        assert!(decode_cursor(&encode_cursor(5000, p.fingerprint), p.fingerprint).is_err());
    }

    #[test]
    fn bad_parameters_are_all_reported() {
        let err = parse(
            "tags",
            &DirectoryParams {
                q: Some("ক".repeat(101)),
                limit: Some("0".into()),
                cursor: Some("nope".into()),
                lang: Some("fr".into()),
            },
        )
        .err()
        .unwrap();
        let AppError::Invalid(errors) = err else {
            panic!("{err:?}")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["q", "limit", "lang", "cursor"]);
    }
}
