//! What an editor sends for an article, and how it is checked and applied
//! to the article's state.

use std::collections::HashMap;

use domain::block::{body_text, paragraphs_from_text};
use domain::text::word_count;
use domain::{ArticleState, Block, Headline, Image, Slug, ValidationError};
use serde::{Deserialize, Deserializer};

use crate::error::AppError;
use crate::fields;
use crate::import::BodyInput;

/// An integer as JSON Schema counts integers: `3` and `3.0` alike (a
/// fraction or a number out of range is refused).
pub(super) fn whole<'de, D>(d: D) -> Result<Option<i32>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::Error;
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    let whole = n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
            .map(|f| f as i64)
    });
    whole
        .and_then(|w| i32::try_from(w).ok())
        .map(Some)
        .ok_or_else(|| {
            D::Error::custom(format!(
                "invalid value: {n}, expected a whole number (32-bit)"
            ))
        })
}

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
pub(super) fn double<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Fields of an article an editor sends. On create, `headline`, `body` and
/// `section` are required; on update every field is optional (absent =
/// unchanged, `null` = cleared).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArticleInput {
    pub headline: Option<String>,
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "double")]
    pub kicker: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    pub summary: Option<Option<String>>,
    pub body: Option<BodyInput>,
    /// Plain text body, paragraphs separated by blank lines: a text `body`
    /// under the name GraphQL uses (give one or the other).
    pub body_text: Option<String>,
    /// Section slug.
    pub section: Option<String>,
    pub secondary_sections: Option<Vec<String>>,
    /// Author slugs, in byline order.
    pub authors: Option<Vec<String>>,
    /// Tag slugs.
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double")]
    pub desk: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    pub source: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    pub source_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    pub dateline: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    pub image: Option<Option<Image>>,
    #[serde(default, deserialize_with = "double")]
    pub canonical_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    pub external_id: Option<Option<String>>,
    /// Flag as breaking news until this RFC 3339 instant (`null` clears).
    #[serde(default, deserialize_with = "double")]
    pub breaking_until: Option<Option<String>>,
    /// `standard` or `live` (a live page with posts).
    pub kind: Option<String>,
    /// A live page's state: `live` (the default for one) or `ended`.
    pub live_state: Option<String>,
    /// `free` (the default), `metered` or `subscriber`.
    pub access: Option<String>,
    /// BCP 47 tag of the language it is written in: `bn` (the default),
    /// `en`, or either with a region (`en-GB`).
    pub language: Option<String>,
    /// Links it as a translation of another article (its id), joining that
    /// story's versions; `null` unlinks it.
    #[serde(default, deserialize_with = "double")]
    pub translation_of: Option<Option<String>>,
}

/// Slugs of the input resolved to ids (looked up before the transaction).
pub(super) struct Resolved {
    pub(super) sections: HashMap<String, i64>,
    pub(super) authors: HashMap<String, i64>,
    pub(super) tags: HashMap<String, i64>,
    /// Uploaded pictures the input names, by id, and the base of their URLs.
    pub(super) images: crate::images::Assets,
    /// `translationOf` looked up: the group and its versions (id,
    /// language), `None` to unlink, or why it cannot be.
    pub(super) translation: Option<Result<Option<TranslationTarget>, ValidationError>>,
    /// The article being changed (`None` while creating).
    pub(super) self_id: Option<i64>,
    pub(super) image_base: String,
}

/// The story an article is linked to as a translation.
pub(super) struct TranslationTarget {
    pub(super) group: i64,
    pub(super) members: Vec<(i64, String)>,
}

/// Fills in an uploaded picture the input names, or says it is unknown.
fn attach(
    image: &mut domain::Image,
    field: &str,
    refs: &Resolved,
    errors: &mut Vec<ValidationError>,
) {
    crate::images::attach_named(image, field, &refs.images, &refs.image_base, errors);
}

pub(super) fn invalid(errors: Vec<ValidationError>) -> Result<(), AppError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Unprocessable(errors))
    }
}

impl ArticleInput {
    /// Ids of the uploaded pictures the input names (lead and body).
    pub(super) fn image_ids(&self) -> Vec<i64> {
        let lead = self
            .image
            .iter()
            .flatten()
            .filter_map(|i| i.image_id.as_deref());
        let body = match &self.body {
            Some(BodyInput::Blocks(b)) => b.as_slice(),
            _ => &[],
        };
        let blocks = body.iter().filter_map(|b| match b {
            Block::Image { image } => image.image_id.as_deref(),
            _ => None,
        });
        lead.chain(blocks)
            .filter_map(|id| id.trim().parse().ok())
            .collect()
    }

    pub(super) fn slugs(&self) -> (Vec<String>, Vec<String>, Vec<String>) {
        let mut sections: Vec<String> = self.section.iter().cloned().collect();
        sections.extend(self.secondary_sections.iter().flatten().cloned());
        let authors = self.authors.clone().unwrap_or_default();
        let tags = self.tags.clone().unwrap_or_default();
        (sections, authors, tags)
    }

    /// Applies the input to `state`, checking every field; all problems are
    /// returned together.
    pub(super) fn apply(
        &self,
        state: &mut ArticleState,
        refs: &Resolved,
        creating: bool,
    ) -> Result<(), AppError> {
        let mut errors = Vec::new();
        if creating {
            for (name, missing) in [
                ("headline", self.headline.is_none()),
                ("body", self.body.is_none() && self.body_text.is_none()),
                ("section", self.section.is_none()),
            ] {
                if missing {
                    errors.push(ValidationError::new(name, "is required"));
                }
            }
        }
        if let Some(h) = &self.headline {
            match Headline::parse(h) {
                Ok(h) => {
                    if creating
                        && self.slug.is_none()
                        && let Some(s) = fields::slug_from_headline(h.as_str())
                    {
                        state.slug = s.into_inner();
                    }
                    state.headline = h.into_inner();
                }
                Err(e) => errors.push(e),
            }
        }
        if let Some(s) = &self.slug {
            match Slug::parse(s) {
                Ok(s) => state.slug = s.into_inner(),
                Err(e) => errors.push(e),
            }
        } else if creating && !state.headline.is_empty() && Slug::parse(&state.slug).is_err() {
            errors.push(ValidationError::new(
                "slug",
                "cannot be made from the headline; give one",
            ));
        }
        let body = match (&self.body, &self.body_text) {
            (Some(_), Some(_)) => {
                errors.push(ValidationError::new(
                    "bodyText",
                    "give body or bodyText, not both",
                ));
                None
            }
            (Some(BodyInput::Text(t)), None) | (None, Some(t)) => Some(paragraphs_from_text(t)),
            (Some(BodyInput::Blocks(b)), None) => Some(b.clone()),
            (None, None) => None,
        };
        if let Some(blocks) = body {
            if blocks.is_empty() {
                errors.push(ValidationError::new("body", "must not be empty"));
            }
            let mut valid: Vec<Block> = blocks
                .into_iter()
                .enumerate()
                .filter_map(|(i, b)| b.validate(i).map_err(|e| errors.push(e)).ok())
                .collect();
            for (i, b) in valid.iter_mut().enumerate() {
                if let Block::Image { image } = b {
                    attach(image, &format!("body[{i}].image"), refs, &mut errors);
                }
            }
            state.word_count = u32::try_from(word_count(&body_text(&valid))).unwrap_or(u32::MAX);
            state.body = valid;
        }
        for (field, input, target, max) in [
            ("kicker", &self.kicker, &mut state.kicker, fields::KICKER),
            (
                "summary",
                &self.summary,
                &mut state.summary,
                fields::SUMMARY,
            ),
            ("desk", &self.desk, &mut state.desk, fields::DESK),
            ("source", &self.source, &mut state.source, fields::SOURCE),
            (
                "dateline",
                &self.dateline,
                &mut state.dateline,
                fields::DATELINE,
            ),
        ] {
            if let Some(v) = input {
                *target = fields::text(&mut errors, field, v.as_deref(), max);
            }
        }
        for (field, input, target) in [
            ("sourceUrl", &self.source_url, &mut state.source_url),
            (
                "canonicalUrl",
                &self.canonical_url,
                &mut state.canonical_url,
            ),
        ] {
            if let Some(v) = input {
                *target = fields::url(&mut errors, field, v.as_deref());
            }
        }
        if let Some(image) = &self.image {
            state.image = image
                .clone()
                .and_then(|i| i.validate("image").map_err(|e| errors.push(e)).ok());
            if let Some(i) = state.image.as_mut() {
                attach(i, "image", refs, &mut errors);
            }
        }
        if let Some(ext) = &self.external_id {
            state.external_id = fields::external_id(&mut errors, ext.as_deref());
        }
        if let Some(b) = &self.breaking_until {
            state.breaking_until = match b {
                None => None,
                Some(t) => fields::parse_rfc3339("breakingUntil", t)
                    .map_err(|e| errors.push(e))
                    .ok(),
            };
        }
        if let Some(k) = &self.kind {
            match k.parse::<domain::ArticleKind>() {
                Ok(k) => state.kind = k,
                Err(e) => errors.push(e),
            }
        }
        if let Some(l) = &self.live_state {
            match l.parse::<domain::LiveState>() {
                Ok(l) => state.live_state = Some(l),
                Err(e) => errors.push(e),
            }
        }
        if let Some(a) = &self.access {
            match a.parse::<domain::Access>() {
                Ok(a) => state.access = a,
                Err(e) => errors.push(e),
            }
        }
        if let Some(l) = &self.language {
            match domain::text::language_tag(l) {
                Some(tag) => state.language = tag,
                None => errors.push(ValidationError::new(
                    "language",
                    format!(
                        "must be a BCP 47 tag of {} (e.g. en or en-GB)",
                        domain::text::LANGUAGES.join(" or ")
                    ),
                )),
            }
        }
        match &refs.translation {
            None => {}
            Some(Err(e)) => errors.push(e.clone()),
            Some(Ok(None)) => state.translation_group = None,
            Some(Ok(Some(t))) => {
                let mine = domain::text::primary_language(&state.language);
                let taken = t.members.iter().any(|(id, l)| {
                    Some(*id) != refs.self_id && domain::text::primary_language(l) == mine
                });
                if taken {
                    errors.push(ValidationError::new(
                        "translationOf",
                        format!("that story already has a version in {mine}"),
                    ));
                } else {
                    state.translation_group = Some(t.group);
                }
            }
        }
        match state.kind {
            domain::ArticleKind::Live if state.live_state.is_none() => {
                state.live_state = Some(domain::LiveState::Live);
            }
            _ if state.kind != domain::ArticleKind::Live && state.live_state.is_some() => {
                if self.live_state.is_some() {
                    errors.push(ValidationError::new(
                        "liveState",
                        "only a live article (kind live) has a live state",
                    ));
                }
                state.live_state = None;
            }
            _ => {}
        }
        if let Some(section) = &self.section {
            match refs.sections.get(section) {
                Some(id) => state.section_id = *id,
                None => errors.push(ValidationError::new(
                    "section",
                    format!("no section {section:?}"),
                )),
            }
        }
        let lookup = |errors: &mut Vec<ValidationError>,
                      field: &str,
                      list: &[String],
                      map: &HashMap<String, i64>| {
            let mut ids = Vec::new();
            for (i, slug) in list.iter().enumerate() {
                match map.get(slug) {
                    Some(id) if !ids.contains(id) => ids.push(*id),
                    Some(_) => {}
                    None => errors.push(ValidationError::new(
                        format!("{field}[{i}]"),
                        format!("no {} {slug:?}", field.trim_end_matches('s')),
                    )),
                }
            }
            ids
        };
        if let Some(list) = &self.secondary_sections {
            let ids = lookup(&mut errors, "secondarySections", list, &refs.sections);
            state.secondary_section_ids = ids
                .into_iter()
                .filter(|id| *id != state.section_id)
                .collect();
        }
        if let Some(list) = &self.authors {
            state.author_ids = lookup(&mut errors, "authors", list, &refs.authors);
        }
        if let Some(list) = &self.tags {
            state.tag_ids = lookup(&mut errors, "tags", list, &refs.tags);
        }
        invalid(errors)
    }
}
