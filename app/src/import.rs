//! `barta import FILE.jsonl`: one article per line, idempotent by external id.
//!
//! The line format (documented in the README) accepts our own camelCase
//! fields and the corpus format (`id, headline, body, section, published_at,
//! source_url, tags`). The demo seeder goes through the same conversion.

use std::io::BufRead;

use chrono::{DateTime, Utc};
use domain::block::paragraphs_from_text;
use domain::text::{clean_text, word_count};
use domain::{ArticleStatus, Block, Headline, Image, Section, Slug, ValidationError};
use persistence::{
    ArticleUpsert, AuthorUpsert, ContentRepo, SectionUpsert, TagUpsert, UpsertOutcome,
};
use serde::Deserialize;

use crate::fields;

/// A body given as plain text (paragraphs split on blank lines) or as blocks.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum BodyInput {
    Text(String),
    Blocks(Vec<Block>),
}

/// A byline or tag given by name, or as `{slug, name}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum NamedRef {
    Name(String),
    Object {
        #[serde(default)]
        slug: Option<String>,
        #[serde(default)]
        name: Option<String>,
        /// The English display name, when `name` is not English.
        #[serde(default, rename = "nameEn", alias = "name_en")]
        name_en: Option<String>,
        /// The language of `name` (BCP 47; `bn` when absent).
        #[serde(default)]
        language: Option<String>,
        /// A byline's biography, used when the author is created (tags
        /// have none).
        #[serde(default)]
        bio: Option<String>,
    },
}

/// A section given by slug or name, or whole: `barta export` writes it
/// so, its parent nested the same way, and an empty database gets the same
/// tree, names and order. A section that exists is used as it is.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SectionRef {
    Name(String),
    Object(Box<SectionObject>),
}

/// A whole section (see [`SectionRef`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SectionObject {
    pub slug: String,
    pub name: String,
    #[serde(default, alias = "name_en")]
    pub name_en: Option<String>,
    /// The language of `name` (BCP 47; `bn` when absent).
    #[serde(default)]
    pub language: Option<String>,
    /// By slug (it must exist) or whole.
    #[serde(default)]
    pub parent: Option<SectionRef>,
    /// Its place among its siblings (100 when absent).
    #[serde(default)]
    pub position: Option<i32>,
    #[serde(default)]
    pub description: Option<String>,
}

/// A byline or tag resolved from a [`NamedRef`].
struct Resolved {
    slug: Slug,
    name: String,
    name_en: Option<String>,
    language: String,
    bio: Option<String>,
}

/// One line of an import file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportLine {
    #[serde(alias = "id", alias = "external_id")]
    pub external_id: String,
    #[serde(default)]
    pub slug: Option<String>,
    pub headline: String,
    #[serde(default)]
    pub kicker: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    pub body: BodyInput,
    /// Section slug or name (created from the name when missing), or the
    /// whole section.
    #[serde(default)]
    pub section: Option<SectionRef>,
    #[serde(default)]
    pub secondary_sections: Vec<SectionRef>,
    #[serde(default)]
    pub authors: Vec<NamedRef>,
    #[serde(default)]
    pub tags: Vec<NamedRef>,
    #[serde(default)]
    pub desk: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default, alias = "source_url")]
    pub source_url: Option<String>,
    #[serde(default, alias = "dateline_place", alias = "datelinePlace")]
    pub dateline: Option<String>,
    #[serde(default)]
    pub image: Option<Image>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, alias = "published_at")]
    pub published_at: Option<String>,
    #[serde(default, alias = "updated_at")]
    pub updated_at: Option<String>,
    #[serde(default, alias = "publish_at")]
    pub publish_at: Option<String>,
    #[serde(default, alias = "embargo_until")]
    pub embargo_until: Option<String>,
    #[serde(default, alias = "canonical_url")]
    pub canonical_url: Option<String>,
    /// `standard` when absent (see `ArticleKind`).
    #[serde(default)]
    pub kind: Option<String>,
    /// `free` when absent.
    #[serde(default)]
    pub access: Option<String>,
    /// A live page's state (`live`, `ended`).
    #[serde(default, alias = "live_state")]
    pub live_state: Option<String>,
    /// BCP 47 language tag (`bn`, `en`, `en-GB`); `bn` when absent on a new
    /// article, kept on an update.
    #[serde(default)]
    pub language: Option<String>,
    /// The external id of another version of the story, imported before
    /// this line: links this one as its translation.
    #[serde(default, alias = "translation_of")]
    pub translation_of: Option<String>,
    /// The article's correction notes, whole, oldest first; absent: an
    /// update keeps the ones it has.
    #[serde(default)]
    pub corrections: Option<Vec<CorrectionLine>>,
}

/// A correction note of an import line.
#[derive(Debug, Clone, Deserialize)]
pub struct CorrectionLine {
    /// `correction`, `clarification` or `update`.
    pub kind: String,
    pub text: String,
    /// RFC 3339.
    pub at: String,
}

/// How far back an imported article's publication may lie and still be
/// told (webhooks, the site stream, subscriptions) when the import
/// creates it; older ones are backfill.
pub const BACKFILL: chrono::Duration = chrono::Duration::hours(24);

/// The section of last resort for lines that name none.
pub const FALLBACK_SECTION: (&str, &str) = ("others", "অন্যান্য");

fn named(field: &str, r: &NamedRef) -> Result<Resolved, ValidationError> {
    let (slug, name, name_en, language, bio) = match r {
        NamedRef::Name(n) => (None, Some(n.clone()), None, None, None),
        NamedRef::Object {
            slug,
            name,
            name_en,
            language,
            bio,
        } => (
            slug.clone(),
            name.clone(),
            name_en.clone(),
            language.clone(),
            bio.as_deref(),
        ),
    };
    let mut bad = Vec::new();
    let bio = fields::text(&mut bad, &format!("{field}.bio"), bio, 2_000);
    if let Some(e) = bad.pop() {
        return Err(e);
    }
    let name_en = name_en
        .map(|n| clean_text(n.trim(), false))
        .transpose()
        .map_err(|e| ValidationError::new(field, format!("nameEn: {e}")))?
        .filter(|n| !n.is_empty());
    if name_en.as_ref().is_some_and(|n| n.chars().count() > 100) {
        return Err(ValidationError::new(
            field,
            "nameEn: must be at most 100 characters",
        ));
    }
    let language = match language {
        None => "bn".to_owned(),
        Some(l) => domain::text::language_tag(&l).ok_or_else(|| {
            ValidationError::new(
                field,
                format!(
                    "language: {l:?} is not one of {:?}",
                    domain::text::LANGUAGES
                ),
            )
        })?,
    };
    let name = name
        .map(|n| clean_text(n.trim(), false))
        .transpose()
        .map_err(|e| ValidationError::new(field, e.to_string()))?
        .filter(|n| !n.is_empty());
    let slug = match (&slug, &name) {
        (Some(s), _) => Slug::parse(s).map_err(|e| ValidationError::new(field, e.message))?,
        (None, Some(n)) => {
            Slug::from_name(n).map_err(|e| ValidationError::new(field, e.message))?
        }
        (None, None) => return Err(ValidationError::new(field, "needs a name or a slug")),
    };
    let name = name.unwrap_or_else(|| slug.to_string());
    Ok(Resolved {
        slug,
        name,
        name_en,
        language,
        bio,
    })
}

/// A slug from a headline (see [`fields::slug_from_headline`]), else from
/// the external id.
fn slug_from_headline(headline: &str, external_id: &str) -> Result<Slug, ValidationError> {
    match fields::slug_from_headline(headline) {
        Some(s) => Ok(s),
        None => Slug::from_name(external_id),
    }
}

/// How to treat a line without `published_at`.
#[derive(Debug, Clone, Copy, Default)]
pub enum PublishedFallback {
    /// Import it as a draft (the default).
    #[default]
    Draft,
    /// Publish it at this time.
    At(DateTime<Utc>),
}

impl ImportLine {
    /// Validates the line and resolves its section against `sections` (by
    /// slug, then by name, else a new section made from the name). Every
    /// invalid field is reported at once.
    pub fn to_upsert(
        &self,
        sections: &[Section],
        fallback: PublishedFallback,
    ) -> Result<ArticleUpsert, Vec<ValidationError>> {
        let mut errors = Vec::new();
        let external_id = fields::external_id(&mut errors, Some(&self.external_id));
        if external_id.is_none() && self.external_id.trim().is_empty() {
            errors.push(ValidationError::new("externalId", "is required"));
        }
        let external_id = external_id.unwrap_or_default();
        let headline = Headline::parse(&self.headline)
            .map_err(|e| errors.push(e))
            .ok();
        let blocks = match &self.body {
            BodyInput::Text(t) => paragraphs_from_text(t),
            BodyInput::Blocks(b) => b.clone(),
        };
        let body: Vec<Block> = blocks
            .into_iter()
            .enumerate()
            .filter_map(|(i, b)| b.validate(i).map_err(|e| errors.push(e)).ok())
            .collect();
        // Imports come from other systems: pictures by URL.
        for (i, b) in body.iter().enumerate() {
            if let Block::Image { image } = b
                && image.image_id.is_some()
            {
                errors.push(domain::ValidationError::new(
                    format!("body[{i}].image.imageId"),
                    "imports take pictures by url",
                ));
            }
        }
        let kicker = fields::text(
            &mut errors,
            "kicker",
            self.kicker.as_deref(),
            fields::KICKER,
        );
        let summary = fields::text(
            &mut errors,
            "summary",
            self.summary.as_deref(),
            fields::SUMMARY,
        );
        let desk = fields::text(&mut errors, "desk", self.desk.as_deref(), fields::DESK);
        let source = fields::text(
            &mut errors,
            "source",
            self.source.as_deref(),
            fields::SOURCE,
        );
        let dateline = fields::text(
            &mut errors,
            "dateline",
            self.dateline.as_deref(),
            fields::DATELINE,
        );
        let source_url = fields::url(&mut errors, "sourceUrl", self.source_url.as_deref());
        let canonical_url = fields::url(&mut errors, "canonicalUrl", self.canonical_url.as_deref());
        let image = self
            .image
            .clone()
            .and_then(|i| i.validate("image").map_err(|e| errors.push(e)).ok());
        if image.as_ref().is_some_and(|i| i.image_id.is_some()) {
            errors.push(domain::ValidationError::new(
                "image.imageId",
                "imports take pictures by url",
            ));
        }
        let published_at = fields::time(&mut errors, "publishedAt", self.published_at.as_deref());
        let updated_at = fields::time(&mut errors, "updatedAt", self.updated_at.as_deref());
        let publish_at = fields::time(&mut errors, "publishAt", self.publish_at.as_deref());
        let embargo_until =
            fields::time(&mut errors, "embargoUntil", self.embargo_until.as_deref());
        let status = match self.status.as_deref() {
            Some(s) => s.parse::<ArticleStatus>().map_err(|e| errors.push(e)).ok(),
            None if published_at.is_some() || publish_at.is_some() => {
                Some(if publish_at.is_some() {
                    ArticleStatus::Scheduled
                } else {
                    ArticleStatus::Published
                })
            }
            None => Some(match fallback {
                PublishedFallback::Draft => ArticleStatus::Draft,
                PublishedFallback::At(_) => ArticleStatus::Published,
            }),
        };
        let published_at = match (status, published_at, publish_at, fallback) {
            (Some(ArticleStatus::Scheduled), _, Some(at), _) => Some(at),
            (Some(ArticleStatus::Scheduled), _, None, _) => {
                errors.push(ValidationError::new(
                    "publishAt",
                    "is required for a scheduled article",
                ));
                None
            }
            (Some(ArticleStatus::Published), None, _, PublishedFallback::At(t)) => Some(t),
            (Some(ArticleStatus::Published), None, _, PublishedFallback::Draft) => {
                errors.push(ValidationError::new(
                    "publishedAt",
                    "is required for a published article",
                ));
                None
            }
            (_, p, _, _) => p,
        };

        // Absent: the stored value stays (a new article is standard, free).
        let kind = self
            .kind
            .as_deref()
            .and_then(|k| k.parse().map_err(|e| errors.push(e)).ok());
        let access = self
            .access
            .as_deref()
            .and_then(|a| a.parse().map_err(|e| errors.push(e)).ok());
        let live_state = self
            .live_state
            .as_deref()
            .and_then(|l| l.parse().map_err(|e| errors.push(e)).ok());
        let language = self.language.as_deref().and_then(|l| {
            let tag = domain::text::language_tag(l);
            if tag.is_none() {
                errors.push(ValidationError::new(
                    "language",
                    format!("{l:?} is not a BCP 47 tag of bn or en"),
                ));
            }
            tag
        });
        let translation_of = self
            .translation_of
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        let corrections = self.corrections.as_ref().map(|list| {
            list.iter()
                .enumerate()
                .filter_map(|(i, c)| {
                    let prefix = format!("corrections[{i}].");
                    let parts = fields::correction_parts(&mut errors, &prefix, &c.kind, &c.text);
                    let at = fields::parse_rfc3339(&format!("{prefix}at"), &c.at)
                        .map_err(|e| errors.push(e))
                        .ok();
                    let ((kind, text), at) = (parts?, at?);
                    Some(domain::Correction { kind, text, at })
                })
                .collect::<Vec<_>>()
        });
        let mut section_ancestors = Vec::new();
        let section = resolve_section(
            self.section.as_ref(),
            sections,
            "section",
            &mut errors,
            &mut section_ancestors,
        );
        let secondary_sections = self
            .secondary_sections
            .iter()
            .filter_map(|s| {
                resolve_section(
                    Some(s),
                    sections,
                    "secondarySections",
                    &mut errors,
                    &mut section_ancestors,
                )
            })
            .collect();
        let authors = self
            .authors
            .iter()
            .filter_map(|a| named("authors", a).map_err(|e| errors.push(e)).ok())
            .map(|r| AuthorUpsert {
                slug: r.slug,
                name: r.name,
                name_en: r.name_en,
                language: r.language,
                bio: r.bio,
                avatar_url: None,
            })
            .collect();
        let tags = self
            .tags
            .iter()
            .filter_map(|t| named("tags", t).map_err(|e| errors.push(e)).ok())
            .map(|r| TagUpsert {
                slug: r.slug,
                name: r.name,
                name_en: r.name_en,
                language: r.language,
            })
            .collect();
        let slug = match &self.slug {
            Some(s) => Slug::parse(s).map_err(|e| errors.push(e)).ok(),
            None => headline.as_ref().and_then(|h| {
                slug_from_headline(h.as_str(), &external_id)
                    .map_err(|e| errors.push(e))
                    .ok()
            }),
        };
        match (errors.is_empty(), headline, slug, section, status) {
            (true, Some(headline), Some(slug), Some(section), Some(status)) => {
                let words = word_count(&domain::block::body_text(&body));
                Ok(ArticleUpsert {
                    external_id: Some(external_id),
                    slug,
                    headline,
                    kicker,
                    summary,
                    body,
                    section,
                    secondary_sections,
                    section_ancestors,
                    authors,
                    tags,
                    desk,
                    source,
                    source_url,
                    dateline,
                    image,
                    status,
                    published_at,
                    publish_at,
                    embargo_until,
                    updated_at,
                    canonical_url,
                    word_count: u32::try_from(words).unwrap_or(u32::MAX),
                    slug_explicit: self.slug.is_some(),
                    published_at_is_fallback: self.published_at.is_none()
                        && matches!(fallback, PublishedFallback::At(_)),
                    kind,
                    access,
                    live_state,
                    language,
                    translation_of,
                    corrections,
                    backfill_before: None,
                })
            }
            _ => Err(errors),
        }
    }
}

/// The section a line names, by slug or name or whole; the parents a
/// whole one names that do not exist go to `ancestors`, root first.
fn resolve_section(
    value: Option<&SectionRef>,
    sections: &[Section],
    field: &str,
    errors: &mut Vec<ValidationError>,
    ancestors: &mut Vec<SectionUpsert>,
) -> Option<SectionUpsert> {
    match value {
        None => section_by_name(None, sections, field, errors),
        Some(SectionRef::Name(n)) => section_by_name(Some(n), sections, field, errors),
        Some(SectionRef::Object(o)) => whole_section(o, sections, field, errors, ancestors),
    }
}

/// A section given whole: the existing one with its slug, else this one,
/// under its parent (made first when it is given whole and is missing).
fn whole_section(
    o: &SectionObject,
    sections: &[Section],
    field: &str,
    errors: &mut Vec<ValidationError>,
    ancestors: &mut Vec<SectionUpsert>,
) -> Option<SectionUpsert> {
    if sections.iter().any(|s| s.slug == o.slug) {
        return section_by_name(Some(&o.slug), sections, field, errors);
    }
    let before = errors.len();
    let slug = Slug::parse(&o.slug)
        .map_err(|e| errors.push(ValidationError::new(format!("{field}.slug"), e.message)))
        .ok();
    let mut text = |name: &str, v: Option<&str>, max: usize| {
        fields::text(errors, &format!("{field}.{name}"), v, max)
    };
    let name = text("name", Some(&o.name), 100).ok_or(());
    let name_en = text("nameEn", o.name_en.as_deref(), 100);
    let description = text("description", o.description.as_deref(), 1_000);
    // An empty name is no error of `text`'s.
    if name.is_err() && !errors.iter().any(|e| e.field == format!("{field}.name")) {
        errors.push(ValidationError::new(format!("{field}.name"), "is required"));
    }
    let name = name.ok();
    let language = match o.language.as_deref() {
        None => Some("bn".to_owned()),
        Some(l) => domain::text::language_tag(l).or_else(|| {
            errors.push(ValidationError::new(
                format!("{field}.language"),
                format!("{l:?} is not one of {:?}", domain::text::LANGUAGES),
            ));
            None
        }),
    };
    let parent = match &o.parent {
        None => None,
        Some(p) => {
            let field = format!("{field}.parent");
            let up = match p {
                SectionRef::Name(n) => match sections.iter().find(|s| s.slug == *n || s.name == *n)
                {
                    Some(s) => Slug::parse(&s.slug).ok().map(|slug| (slug, None)),
                    None => {
                        errors.push(ValidationError::new(
                            field.as_str(),
                            format!("no section {n:?} (give it whole to have it made)"),
                        ));
                        None
                    }
                },
                SectionRef::Object(po) => whole_section(po, sections, &field, errors, ancestors)
                    .map(|up| (up.slug.clone(), Some(up))),
            };
            up.map(|(slug, made)| {
                if let Some(made) = made
                    && !sections.iter().any(|s| s.slug == made.slug.as_str())
                    && !ancestors.iter().any(|a| a.slug == made.slug)
                {
                    ancestors.push(made);
                }
                slug
            })
        }
    };
    if errors.len() > before {
        return None;
    }
    Some(SectionUpsert {
        slug: slug?,
        name: name?,
        name_en,
        language: language?,
        parent,
        position: o.position.unwrap_or(100),
        description,
    })
}

/// A section named by slug or name (the fallback section for none), made
/// from the name when there is no such section.
fn section_by_name(
    value: Option<&str>,
    sections: &[Section],
    field: &str,
    errors: &mut Vec<ValidationError>,
) -> Option<SectionUpsert> {
    {
        let value = domain::text::nfc(value.map(str::trim).unwrap_or(""));
        if value.is_empty() {
            return match Slug::parse(FALLBACK_SECTION.0) {
                Ok(slug) => Some(SectionUpsert {
                    slug,
                    name: FALLBACK_SECTION.1.to_owned(),
                    name_en: Some("Others".to_owned()),
                    language: "bn".to_owned(),
                    parent: None,
                    position: 1000,
                    description: None,
                }),
                Err(e) => {
                    errors.push(e);
                    None
                }
            };
        }
        if let Some(s) = sections.iter().find(|s| s.slug == value || s.name == value) {
            return match Slug::parse(&s.slug) {
                Ok(slug) => Some(SectionUpsert {
                    slug,
                    name: s.name.clone(),
                    name_en: s.name_en.clone(),
                    language: s.language.clone(),
                    parent: None,
                    position: s.position,
                    description: s.description.clone(),
                }),
                Err(e) => {
                    errors.push(ValidationError::new(field, e.message));
                    None
                }
            };
        }
        let name = match clean_text(&value, false) {
            Ok(n) if n.chars().count() <= 100 => n,
            _ => {
                errors.push(ValidationError::new(
                    field,
                    "must be a section slug or a name of at most 100 characters",
                ));
                return None;
            }
        };
        match Slug::from_name(&name) {
            Ok(slug) => Some(SectionUpsert {
                slug,
                name,
                name_en: None,
                language: "bn".to_owned(),
                parent: None,
                position: 100,
                description: None,
            }),
            Err(e) => {
                errors.push(ValidationError::new(field, e.message));
                None
            }
        }
    }
}

/// What an import run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// (line number, message) for every skipped line.
    pub failed: Vec<(usize, String)>,
}

impl ImportReport {
    pub fn total(&self) -> u64 {
        self.created + self.updated + self.unchanged + self.failed.len() as u64
    }
}

/// Imports JSON lines from `reader`; each article in its own transaction.
/// `progress` is called after every line with the line number, the bytes
/// read and the counts so far.
pub async fn import_lines<R: BufRead>(
    repo: &ContentRepo,
    reader: R,
    fallback: PublishedFallback,
    now: DateTime<Utc>,
    mut progress: impl FnMut(usize, u64, &ImportReport),
) -> anyhow::Result<ImportReport> {
    let mut report = ImportReport::default();
    let mut sections = repo.sections().await?;
    let mut bytes = 0u64;
    for (i, line) in reader.lines().enumerate() {
        let n = i + 1;
        let line = match line {
            Ok(l) => l,
            // Invalid UTF-8 spoils one line; any other read error (a
            // directory, a vanished disk) ends the run instead of looping.
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                report.failed.push((n, format!("unreadable line: {e}")));
                progress(n, bytes, &report);
                continue;
            }
            Err(e) => return Err(anyhow::anyhow!("reading line {n}: {e}")),
        };
        bytes += line.len() as u64 + 1;
        if line.trim().is_empty() {
            progress(n, bytes, &report);
            continue;
        }
        match import_one(repo, &line, &sections, fallback, now).await {
            Ok((outcome, new_section)) => {
                match outcome {
                    UpsertOutcome::Created(_) => report.created += 1,
                    UpsertOutcome::Updated(_) => report.updated += 1,
                    UpsertOutcome::Unchanged(_) => report.unchanged += 1,
                }
                if new_section {
                    sections = repo.sections().await?;
                }
            }
            Err(LineError::Invalid(msg)) => report.failed.push((n, msg)),
            Err(LineError::Fatal(e)) => return Err(e),
        }
        progress(n, bytes, &report);
    }
    Ok(report)
}

enum LineError {
    Invalid(String),
    Fatal(anyhow::Error),
}

async fn import_one(
    repo: &ContentRepo,
    line: &str,
    sections: &[Section],
    fallback: PublishedFallback,
    now: DateTime<Utc>,
) -> Result<(UpsertOutcome, bool), LineError> {
    let parsed: ImportLine = serde_json::from_str(line)
        .map_err(|e| LineError::Invalid(format!("not a valid article: {e}")))?;
    let mut upsert = parsed.to_upsert(sections, fallback).map_err(|errors| {
        LineError::Invalid(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    // An archive's stories enter without webhooks or stream events: only
    // what went public within the last day is news.
    upsert.backfill_before = Some(now - BACKFILL);
    let known = |s: &SectionUpsert| sections.iter().any(|k| k.slug == s.slug.as_str());
    let new_section =
        !known(&upsert.section) || upsert.secondary_sections.iter().any(|s| !known(s));
    match repo.upsert_article(&upsert, now).await {
        Ok(outcome) => Ok((outcome, new_section)),
        Err(persistence::RepoError::Invalid(e)) => Err(LineError::Invalid(e.to_string())),
        Err(persistence::RepoError::Conflict { field }) => {
            Err(LineError::Invalid(format!("{field} is already taken")))
        }
        Err(e) => Err(LineError::Fatal(e.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> ImportLine {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn corpus_lines_are_accepted() {
        let line = parse(
            r#"{"id":"x-1","headline":"শিরোনাম এখানে","body":"প্রথম অনুচ্ছেদ।\n\nদ্বিতীয় অনুচ্ছেদ।","section":"জাতীয় সংবাদ","published_at":"2024-11-12T05:31:00Z","source_url":"https://example.com/a/1","tags":["রাজনীতি"]}"#,
        );
        let up = line.to_upsert(&[], PublishedFallback::Draft).unwrap();
        assert_eq!(up.status, ArticleStatus::Published);
        assert_eq!(up.body.len(), 2);
        assert_eq!(up.section.slug.as_str(), "জাতীয়-সংবাদ");
        assert_eq!(up.section.name, "জাতীয় সংবাদ");
        assert_eq!(up.tags[0].name, "রাজনীতি");
        assert_eq!(up.slug.as_str(), "শিরোনাম-এখানে");
        assert_eq!(up.word_count, 4);
    }

    #[test]
    fn a_line_without_published_at_is_a_draft_unless_a_fallback_is_given() {
        let json =
            r#"{"id":"x-2","headline":"খসড়া","body":"লেখা","section":"খেলা","published_at":null}"#;
        let up = parse(json)
            .to_upsert(&[], PublishedFallback::Draft)
            .unwrap();
        assert_eq!(up.status, ArticleStatus::Draft);
        assert_eq!(up.published_at, None);
        let at = DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let up = parse(json)
            .to_upsert(&[], PublishedFallback::At(at))
            .unwrap();
        assert_eq!(up.status, ArticleStatus::Published);
        assert_eq!(up.published_at, Some(at));
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let line = parse(
            r#"{"id":"x-3","headline":"  ","body":"ঠিক","publishedAt":"yesterday","sourceUrl":"ftp://x","status":"live"}"#,
        );
        let errors = line.to_upsert(&[], PublishedFallback::Draft).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in ["headline", "publishedAt", "sourceUrl", "status"] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn a_section_is_found_by_name_before_one_is_created() {
        let sections = vec![Section {
            id: 7,
            slug: "sports".into(),
            name: "খেলা".into(),
            name_en: Some("Sports".into()),
            language: "bn".into(),
            parent_id: None,
            position: 1,
            description: None,
        }];
        let line = parse(
            r#"{"id":"x-4","headline":"জয়","body":"লেখা","section":"খেলা","publishedAt":"2024-11-12T05:31:00Z"}"#,
        );
        let up = line.to_upsert(&sections, PublishedFallback::Draft).unwrap();
        assert_eq!(up.section.slug.as_str(), "sports");
    }

    #[test]
    fn corrections_come_whole_and_every_bad_one_is_named() {
        let line = parse(
            r#"{"id":"x-7","headline":"জয়","body":"লেখা","corrections":[
                {"kind":"clarification","text":" নাম ঠিক করা হয়েছে। ","at":"2024-11-12T05:31:00+06:00"}]}"#,
        );
        let up = line.to_upsert(&[], PublishedFallback::Draft).unwrap();
        let notes = up.corrections.unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].kind, domain::CorrectionKind::Clarification);
        assert_eq!(notes[0].text, "নাম ঠিক করা হয়েছে।");
        assert_eq!(notes[0].at.to_rfc3339(), "2024-11-11T23:31:00+00:00");
        assert!(
            parse(r#"{"id":"x-8","headline":"জয়","body":"লেখা"}"#)
                .to_upsert(&[], PublishedFallback::Draft)
                .unwrap()
                .corrections
                .is_none(),
            "absent: kept"
        );
        let bad = parse(
            r#"{"id":"x-9","headline":"জয়","body":"লেখা","corrections":[
                {"kind":"correction","text":"ঠিক","at":"2024-11-12T05:31:00Z"},
                {"kind":"erratum","text":"","at":"yesterday"}]}"#,
        );
        let errors = bad.to_upsert(&[], PublishedFallback::Draft).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "corrections[1].kind",
                "corrections[1].text",
                "corrections[1].at"
            ],
            "{errors:?}"
        );
    }

    #[test]
    fn a_whole_section_brings_its_missing_parents_root_first() {
        let sections = vec![Section {
            id: 7,
            slug: "sports".into(),
            name: "খেলা".into(),
            name_en: None,
            language: "bn".into(),
            parent_id: None,
            position: 1,
            description: None,
        }];
        let line = parse(
            r#"{"id":"x-5","headline":"জয়","body":"লেখা","publishedAt":"2024-11-12T05:31:00Z",
                "section":{"slug":"test-cricket","name":"টেস্ট","position":3,
                  "parent":{"slug":"cricket","name":"ক্রিকেট","nameEn":"Cricket","parent":"sports"}},
                "secondarySections":[{"slug":"sports","name":"ignored: it exists"}]}"#,
        );
        let up = line.to_upsert(&sections, PublishedFallback::Draft).unwrap();
        assert_eq!(up.section.slug.as_str(), "test-cricket");
        assert_eq!(up.section.position, 3);
        assert_eq!(
            up.section.parent.as_ref().map(Slug::as_str),
            Some("cricket")
        );
        let made: Vec<_> = up
            .section_ancestors
            .iter()
            .map(|s| (s.slug.as_str(), s.parent.as_ref().map(Slug::as_str)))
            .collect();
        assert_eq!(made, [("cricket", Some("sports"))]);
        assert_eq!(up.section_ancestors[0].name_en.as_deref(), Some("Cricket"));
        assert_eq!(up.secondary_sections[0].name, "খেলা");
        // A parent by slug must exist; every bad field is named.
        let bad = parse(
            r#"{"id":"x-6","headline":"জয়","body":"লেখা",
                "section":{"slug":"a b","name":"","language":"xx","parent":"nowhere"}}"#,
        );
        let errors = bad
            .to_upsert(&sections, PublishedFallback::Draft)
            .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "section.slug",
                "section.name",
                "section.language",
                "section.parent"
            ],
            "{errors:?}"
        );
    }
}
