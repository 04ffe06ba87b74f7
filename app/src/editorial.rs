//! The editorial service: every write of REST `/v1/admin` and of GraphQL
//! mutations goes through here. It validates input against the domain rules
//! (collecting every invalid field), resolves slugs, and hands the change to
//! the repository, which applies it in one transaction with its revision and
//! audit entry.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::block::{body_text, is_http_url, paragraphs_from_text};
use domain::text::{clean_text, word_count};
use domain::{
    ApiKey, Article, ArticleState, ArticleStatus, ArticleSummary, AuditEntry, Author, Block,
    Correction, CorrectionKind, Headline, Image, Revision, Section, Slug, Tag, ValidationError,
};
use persistence::{UpsertOutcome, WriteContext};
use serde::{Deserialize, Deserializer};

use crate::content::ContentService;
use crate::error::AppError;
use crate::events::{Change, Taxon};
use crate::import::{BodyInput, ImportLine, PublishedFallback};

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
fn double<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
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
}

/// Slugs of the input resolved to ids (looked up before the transaction).
struct Resolved {
    sections: HashMap<String, i64>,
    authors: HashMap<String, i64>,
    tags: HashMap<String, i64>,
}

fn text_field(
    errors: &mut Vec<ValidationError>,
    field: &str,
    value: &Option<String>,
    max: usize,
) -> Option<String> {
    let v = value.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
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

fn url_field(
    errors: &mut Vec<ValidationError>,
    field: &str,
    value: &Option<String>,
) -> Option<String> {
    let v = value.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
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

/// Parses an RFC 3339 time sent by an editor.
pub fn parse_rfc3339(field: &str, s: &str) -> Result<DateTime<Utc>, ValidationError> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.to_utc())
        .map_err(|_| ValidationError::new(field, "must be an RFC 3339 date-time"))
}

fn invalid(errors: Vec<ValidationError>) -> Result<(), AppError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Unprocessable(errors))
    }
}

impl ArticleInput {
    fn slugs(&self) -> (Vec<String>, Vec<String>, Vec<String>) {
        let mut sections: Vec<String> = self.section.iter().cloned().collect();
        sections.extend(self.secondary_sections.iter().flatten().cloned());
        let authors = self.authors.clone().unwrap_or_default();
        let tags = self.tags.clone().unwrap_or_default();
        (sections, authors, tags)
    }

    /// Applies the input to `state`, checking every field; all problems are
    /// returned together.
    fn apply(
        &self,
        state: &mut ArticleState,
        refs: &Resolved,
        creating: bool,
    ) -> Result<(), AppError> {
        let mut errors = Vec::new();
        if creating {
            for (name, missing) in [
                ("headline", self.headline.is_none()),
                ("body", self.body.is_none()),
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
                        && let Ok(s) = Slug::from_name(h.as_str())
                    {
                        let cut: String = s.as_str().chars().take(80).collect();
                        state.slug = cut.trim_end_matches('-').to_owned();
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
        if let Some(body) = &self.body {
            let blocks = match body {
                BodyInput::Text(t) => paragraphs_from_text(t),
                BodyInput::Blocks(b) => b.clone(),
            };
            if blocks.is_empty() {
                errors.push(ValidationError::new("body", "must not be empty"));
            }
            let valid: Vec<Block> = blocks
                .into_iter()
                .enumerate()
                .filter_map(|(i, b)| b.validate(i).map_err(|e| errors.push(e)).ok())
                .collect();
            state.word_count = u32::try_from(word_count(&body_text(&valid))).unwrap_or(u32::MAX);
            state.body = valid;
        }
        for (field, input, target, max) in [
            ("kicker", &self.kicker, &mut state.kicker, 120),
            ("summary", &self.summary, &mut state.summary, 1000),
            ("desk", &self.desk, &mut state.desk, 120),
            ("source", &self.source, &mut state.source, 200),
            ("dateline", &self.dateline, &mut state.dateline, 100),
        ] {
            if let Some(v) = input {
                *target = text_field(&mut errors, field, v, max);
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
                *target = url_field(&mut errors, field, v);
            }
        }
        if let Some(image) = &self.image {
            state.image = image
                .clone()
                .and_then(|i| i.validate("image").map_err(|e| errors.push(e)).ok());
        }
        if let Some(ext) = &self.external_id {
            state.external_id = match ext.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(e) if e.chars().count() <= 200 && clean_text(e, false).is_ok() => {
                    Some(e.to_owned())
                }
                Some(_) => {
                    errors.push(ValidationError::new(
                        "externalId",
                        "must be 1 to 200 plain characters",
                    ));
                    None
                }
            };
        }
        if let Some(b) = &self.breaking_until {
            state.breaking_until = match b {
                None => None,
                Some(t) => parse_rfc3339("breakingUntil", t)
                    .map_err(|e| errors.push(e))
                    .ok(),
            };
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

/// The editorial write service.
#[derive(Clone, Debug)]
pub struct EditorialService {
    svc: ContentService,
}

fn ctx(key: &ApiKey, now: DateTime<Utc>) -> WriteContext {
    WriteContext {
        actor: Some(key.id),
        now,
    }
}

fn not_deleted(current: &Article) -> Result<(), AppError> {
    if current.deleted_at.is_some() {
        Err(AppError::Conflict(
            "deletedAt".into(),
            "the article was deleted; it can be read but not changed".into(),
        ))
    } else {
        Ok(())
    }
}

impl EditorialService {
    pub fn new(svc: ContentService) -> Self {
        Self { svc }
    }

    fn now(&self) -> DateTime<Utc> {
        self.svc.now()
    }

    /// After an article write: announces it with the slugs of every list
    /// it is on.
    async fn changed(&self, a: &Article) {
        let mut sections = Vec::new();
        if let Ok(all) = self.svc.section_map().await {
            for id in std::iter::once(&a.summary.section_id).chain(&a.secondary_section_ids) {
                if let Some(s) = all.get(id) {
                    sections.push(s.slug.clone());
                }
            }
        }
        let repo = self.svc.repo();
        let tags = match repo.tags_by_ids(&a.summary.tag_ids).await {
            Ok(tags) => tags.into_iter().map(|t| t.slug).collect(),
            Err(_) => Vec::new(),
        };
        let authors = match repo.authors_by_ids(&a.summary.author_ids).await {
            Ok(authors) => authors.into_iter().map(|x| x.slug).collect(),
            Err(_) => Vec::new(),
        };
        self.svc.announce(Change::Article {
            id: a.summary.id,
            sections,
            tags,
            authors,
        });
    }

    fn taxonomy_changed(&self, taxon: Taxon) {
        self.svc.taxonomy_changed();
        self.svc.announce(Change::Taxonomy(taxon));
    }

    async fn resolve(&self, input: &ArticleInput) -> Result<Resolved, AppError> {
        let repo = self.svc.repo();
        let (sections, authors, tags) = input.slugs();
        let all = if sections.is_empty() {
            Vec::new()
        } else {
            repo.sections().await?
        };
        Ok(Resolved {
            sections: all.into_iter().map(|s| (s.slug, s.id)).collect(),
            authors: repo
                .authors_by_slugs(&authors)
                .await?
                .into_iter()
                .map(|a| (a.slug, a.id))
                .collect(),
            tags: repo
                .tags_by_slugs(&tags)
                .await?
                .into_iter()
                .map(|t| (t.slug, t.id))
                .collect(),
        })
    }

    /// Creates a draft.
    pub async fn create(&self, key: &ApiKey, input: &ArticleInput) -> Result<Article, AppError> {
        let refs = self.resolve(input).await?;
        let mut state = ArticleState {
            slug: String::new(),
            external_id: None,
            headline: String::new(),
            kicker: None,
            summary: None,
            body: Vec::new(),
            section_id: 0,
            secondary_section_ids: Vec::new(),
            author_ids: Vec::new(),
            tag_ids: Vec::new(),
            desk: None,
            source: None,
            source_url: None,
            dateline: None,
            image: None,
            language: "bn".into(),
            status: ArticleStatus::Draft,
            publish_at: None,
            embargo_until: None,
            first_published_at: None,
            published_at: None,
            canonical_url: None,
            corrections: Vec::new(),
            unpublish_reason: None,
            deleted_at: None,
            word_count: 0,
            breaking_until: None,
        };
        input.apply(&mut state, &refs, true)?;
        let article = self
            .svc
            .repo()
            .create_article(&state, ctx(key, self.now()))
            .await?;
        self.changed(&article).await;
        Ok(article)
    }

    /// Applies `input` to the article if `expected_version` (when given) is
    /// still current.
    pub async fn update(
        &self,
        key: &ApiKey,
        id: i64,
        expected_version: Option<i32>,
        input: &ArticleInput,
    ) -> Result<Article, AppError> {
        let refs = self.resolve(input).await?;
        let article = self
            .svc
            .repo()
            .update_article(
                id,
                expected_version,
                "article.update",
                ctx(key, self.now()),
                |state, current| {
                    not_deleted(current)?;
                    input.apply(state, &refs, false)
                },
            )
            .await?;
        self.changed(&article).await;
        Ok(article)
    }

    async fn lifecycle(
        &self,
        key: &ApiKey,
        id: i64,
        expected_version: Option<i32>,
        action: &str,
        change: impl FnOnce(&mut ArticleState, &Article, DateTime<Utc>) -> Result<(), AppError>,
    ) -> Result<Article, AppError> {
        let now = self.now();
        let article = self
            .svc
            .repo()
            .update_article(
                id,
                expected_version,
                action,
                ctx(key, now),
                |state, current| {
                    not_deleted(current)?;
                    change(state, current, now)
                },
            )
            .await?;
        self.changed(&article).await;
        Ok(article)
    }

    /// Publishes now. An article already published keeps its time; one
    /// coming back from unpublished or a schedule is published now.
    pub async fn publish(
        &self,
        key: &ApiKey,
        id: i64,
        expected: Option<i32>,
    ) -> Result<Article, AppError> {
        self.lifecycle(key, id, expected, "article.publish", |s, _, now| {
            if s.status != ArticleStatus::Published || s.published_at.is_none() {
                s.published_at = Some(now);
            }
            s.status = ArticleStatus::Published;
            s.publish_at = None;
            s.first_published_at = s.first_published_at.or(Some(now));
            s.unpublish_reason = None;
            Ok(())
        })
        .await
    }

    /// Schedules the article to go live at `publish_at` (in the future).
    pub async fn schedule(
        &self,
        key: &ApiKey,
        id: i64,
        expected: Option<i32>,
        publish_at: &str,
    ) -> Result<Article, AppError> {
        let at =
            parse_rfc3339("publishAt", publish_at).map_err(|e| AppError::Unprocessable(vec![e]))?;
        self.lifecycle(key, id, expected, "article.schedule", |s, _, now| {
            if at <= now {
                return Err(AppError::Unprocessable(vec![ValidationError::new(
                    "publishAt",
                    "must be in the future (use publish to publish now)",
                )]));
            }
            s.status = ArticleStatus::Scheduled;
            s.publish_at = Some(at);
            s.published_at = Some(at);
            s.unpublish_reason = None;
            Ok(())
        })
        .await
    }

    /// Takes the article off every public surface, with a reason.
    pub async fn unpublish(
        &self,
        key: &ApiKey,
        id: i64,
        expected: Option<i32>,
        reason: &str,
    ) -> Result<Article, AppError> {
        let mut errors = Vec::new();
        let reason = text_field(&mut errors, "reason", &Some(reason.to_owned()), 500);
        if reason.is_none() && errors.is_empty() {
            errors.push(ValidationError::new("reason", "is required"));
        }
        invalid(errors)?;
        self.lifecycle(key, id, expected, "article.unpublish", |s, _, _| {
            s.status = ArticleStatus::Unpublished;
            s.unpublish_reason = reason;
            Ok(())
        })
        .await
    }

    /// Holds the article back until `until` (`None` lifts the embargo).
    pub async fn embargo(
        &self,
        key: &ApiKey,
        id: i64,
        expected: Option<i32>,
        until: Option<&str>,
    ) -> Result<Article, AppError> {
        let until = until
            .map(|u| parse_rfc3339("embargoUntil", u))
            .transpose()
            .map_err(|e| AppError::Unprocessable(vec![e]))?;
        self.lifecycle(key, id, expected, "article.embargo", |s, _, now| {
            if until.is_some_and(|u| u <= now) {
                return Err(AppError::Unprocessable(vec![ValidationError::new(
                    "embargoUntil",
                    "must be in the future (send null to lift the embargo)",
                )]));
            }
            s.embargo_until = until;
            Ok(())
        })
        .await
    }

    /// Appends a correction note; the article's `updatedAt` moves to now.
    pub async fn correct(
        &self,
        key: &ApiKey,
        id: i64,
        expected: Option<i32>,
        kind: &str,
        text: &str,
        at: Option<&str>,
    ) -> Result<Article, AppError> {
        let mut errors = Vec::new();
        let kind = match kind {
            "correction" => Some(CorrectionKind::Correction),
            "clarification" => Some(CorrectionKind::Clarification),
            "update" => Some(CorrectionKind::Update),
            _ => {
                errors.push(ValidationError::new(
                    "kind",
                    "must be correction, clarification or update",
                ));
                None
            }
        };
        let text = match clean_text(text.trim(), true) {
            Ok(t) if !t.is_empty() && t.chars().count() <= 2000 => Some(t),
            Ok(_) => {
                errors.push(ValidationError::new("text", "must be 1 to 2000 characters"));
                None
            }
            Err(e) => {
                errors.push(ValidationError::new("text", e.to_string()));
                None
            }
        };
        let at = at
            .map(|a| parse_rfc3339("at", a))
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        invalid(errors)?;
        let (Some(kind), Some(text)) = (kind, text) else {
            return Err(AppError::Unprocessable(Vec::new()));
        };
        self.lifecycle(key, id, expected, "article.correct", |s, _, now| {
            s.corrections.push(Correction {
                kind,
                text,
                at: at.unwrap_or(now),
            });
            Ok(())
        })
        .await
    }

    /// Soft delete: the article is unpublished and marked deleted; it and
    /// its revisions stay readable by editors.
    pub async fn delete(
        &self,
        key: &ApiKey,
        id: i64,
        expected: Option<i32>,
    ) -> Result<Article, AppError> {
        self.lifecycle(key, id, expected, "article.delete", |s, _, now| {
            s.status = ArticleStatus::Unpublished;
            s.deleted_at = Some(now);
            s.unpublish_reason = s.unpublish_reason.take().or(Some("deleted".into()));
            Ok(())
        })
        .await
    }

    /// Idempotent upsert by external id, through the importer's conversion.
    /// Returns the article and whether it was created.
    pub async fn upsert_by_external_id(
        &self,
        key: &ApiKey,
        external_id: &str,
        mut line: ImportLine,
    ) -> Result<(Article, bool), AppError> {
        if !line.external_id.is_empty() && line.external_id != external_id {
            return Err(AppError::Unprocessable(vec![ValidationError::new(
                "externalId",
                "differs from the one in the URL",
            )]));
        }
        line.external_id = external_id.to_owned();
        let repo = self.svc.repo();
        let sections = repo.sections().await?;
        let upsert = line
            .to_upsert(&sections, PublishedFallback::Draft)
            .map_err(AppError::Unprocessable)?;
        let outcome = repo.upsert_article(&upsert, ctx(key, self.now())).await?;
        let article = repo
            .article_by_id(outcome.id())
            .await?
            .ok_or_else(|| AppError::not_found("article"))?;
        if !matches!(outcome, UpsertOutcome::Unchanged(_)) {
            self.changed(&article).await;
        }
        Ok((article, matches!(outcome, UpsertOutcome::Created(_))))
    }

    /// Any article, whatever its status (the editors' preview).
    pub async fn preview(&self, id: i64) -> Result<Article, AppError> {
        self.svc
            .repo()
            .article_by_id(id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("no article {id}")))
    }

    pub async fn desk(
        &self,
        status: Option<ArticleStatus>,
        limit: u64,
        before: Option<i64>,
    ) -> Result<Vec<ArticleSummary>, AppError> {
        Ok(self
            .svc
            .repo()
            .articles_for_editors(status, limit, before)
            .await?)
    }

    pub async fn revisions(&self, id: i64) -> Result<Vec<Revision>, AppError> {
        self.preview(id).await?;
        Ok(self.svc.repo().revisions(id).await?)
    }

    pub async fn revision(&self, id: i64, number: i32) -> Result<Revision, AppError> {
        self.svc
            .repo()
            .revision(id, number)
            .await?
            .ok_or_else(|| AppError::not_found(format!("article {id} has no revision {number}")))
    }

    pub async fn audit(
        &self,
        limit: u64,
        before: Option<i64>,
    ) -> Result<Vec<AuditEntry>, AppError> {
        Ok(self.svc.repo().audit_log(limit, before).await?)
    }

    // ---- sections (admin), authors and tags (editor) ----

    pub async fn save_section(
        &self,
        key: &ApiKey,
        existing: Option<&str>,
        input: &TaxonomyInput,
    ) -> Result<Section, AppError> {
        let repo = self.svc.repo();
        let all = repo.sections().await?;
        let current = match existing {
            Some(slug) => Some(
                all.iter()
                    .find(|s| s.slug == slug)
                    .cloned()
                    .ok_or_else(|| AppError::not_found(format!("no section {slug:?}")))?,
            ),
            None => None,
        };
        let mut errors = Vec::new();
        let (slug, name) = input.slug_and_name(
            current.as_ref().map(|s| (s.slug.as_str(), s.name.as_str())),
            &mut errors,
        );
        let parent_id = match &input.parent {
            None => current.as_ref().and_then(|s| s.parent_id),
            Some(None) => None,
            Some(Some(p)) => match all.iter().find(|s| s.slug == *p) {
                Some(parent) => {
                    let own = current.as_ref().map(|c| c.id);
                    if own
                        .is_some_and(|own| domain::section_subtree(&all, own).contains(&parent.id))
                    {
                        errors.push(ValidationError::new("parent", "would make a cycle"));
                    }
                    Some(parent.id)
                }
                None => {
                    errors.push(ValidationError::new("parent", format!("no section {p:?}")));
                    None
                }
            },
        };
        let name_en = match &input.name_en {
            None => current.as_ref().and_then(|s| s.name_en.clone()),
            Some(v) => text_field(&mut errors, "nameEn", v, 100),
        };
        let description = match &input.description {
            None => current.as_ref().and_then(|s| s.description.clone()),
            Some(v) => text_field(&mut errors, "description", v, 1000),
        };
        invalid(errors)?;
        let section = Section {
            id: current.as_ref().map(|s| s.id).unwrap_or(0),
            slug,
            name,
            name_en,
            parent_id,
            position: input
                .position
                .or(current.as_ref().map(|s| s.position))
                .unwrap_or(0),
            description,
        };
        let ctx = ctx(key, self.now());
        let saved = match current {
            Some(_) => repo.update_section(&section, ctx).await?,
            None => repo.create_section(&section, ctx).await?,
        };
        self.taxonomy_changed(Taxon::Section(saved.slug.clone()));
        Ok(saved)
    }

    pub async fn delete_section(&self, key: &ApiKey, slug: &str) -> Result<(), AppError> {
        let section = self.svc.section(slug).await?;
        self.svc
            .repo()
            .delete_section(section.id, ctx(key, self.now()))
            .await?;
        self.taxonomy_changed(Taxon::Section(section.slug));
        Ok(())
    }

    pub async fn save_author(
        &self,
        key: &ApiKey,
        existing: Option<&str>,
        input: &TaxonomyInput,
    ) -> Result<Author, AppError> {
        let current = match existing {
            Some(slug) => Some(self.svc.author(slug).await?),
            None => None,
        };
        let mut errors = Vec::new();
        let (slug, name) = input.slug_and_name(
            current.as_ref().map(|a| (a.slug.as_str(), a.name.as_str())),
            &mut errors,
        );
        let bio = match &input.bio {
            None => current.as_ref().and_then(|a| a.bio.clone()),
            Some(v) => text_field(&mut errors, "bio", v, 2000),
        };
        let avatar_url = match &input.avatar_url {
            None => current.as_ref().and_then(|a| a.avatar_url.clone()),
            Some(v) => url_field(&mut errors, "avatarUrl", v),
        };
        invalid(errors)?;
        let author = Author {
            id: current.map(|a| a.id).unwrap_or(0),
            slug,
            name,
            bio,
            avatar_url,
        };
        let saved = self
            .svc
            .repo()
            .save_author(&author, ctx(key, self.now()))
            .await?;
        self.taxonomy_changed(Taxon::Author(saved.slug.clone()));
        Ok(saved)
    }

    pub async fn delete_author(&self, key: &ApiKey, slug: &str) -> Result<(), AppError> {
        let author = self.svc.author(slug).await?;
        self.svc
            .repo()
            .delete_author(author.id, ctx(key, self.now()))
            .await?;
        self.taxonomy_changed(Taxon::Author(author.slug));
        Ok(())
    }

    pub async fn save_tag(
        &self,
        key: &ApiKey,
        existing: Option<&str>,
        input: &TaxonomyInput,
    ) -> Result<Tag, AppError> {
        let current = match existing {
            Some(slug) => Some(self.svc.tag(slug).await?),
            None => None,
        };
        let mut errors = Vec::new();
        let (slug, name) = input.slug_and_name(
            current.as_ref().map(|t| (t.slug.as_str(), t.name.as_str())),
            &mut errors,
        );
        invalid(errors)?;
        let tag = Tag {
            id: current.map(|t| t.id).unwrap_or(0),
            slug,
            name,
        };
        let saved = self.svc.repo().save_tag(&tag, ctx(key, self.now())).await?;
        self.taxonomy_changed(Taxon::Tag(saved.slug.clone()));
        Ok(saved)
    }

    pub async fn delete_tag(&self, key: &ApiKey, slug: &str) -> Result<(), AppError> {
        let tag = self.svc.tag(slug).await?;
        self.svc
            .repo()
            .delete_tag(tag.id, ctx(key, self.now()))
            .await?;
        self.taxonomy_changed(Taxon::Tag(tag.slug));
        Ok(())
    }
}

/// A section, author or tag as an editor sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaxonomyInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double")]
    pub name_en: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    pub parent: Option<Option<String>>,
    pub position: Option<i32>,
    #[serde(default, deserialize_with = "double")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    pub bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    pub avatar_url: Option<Option<String>>,
}

impl TaxonomyInput {
    /// The slug and name to store: given ones validated, else the current
    /// ones; on create the name is required and the slug defaults to one
    /// made from it.
    fn slug_and_name(
        &self,
        current: Option<(&str, &str)>,
        errors: &mut Vec<ValidationError>,
    ) -> (String, String) {
        let name = match (&self.name, current) {
            (Some(n), _) => match clean_text(n.trim(), false) {
                Ok(n) if !n.is_empty() && n.chars().count() <= 100 => n,
                _ => {
                    errors.push(ValidationError::new(
                        "name",
                        "must be 1 to 100 plain characters",
                    ));
                    String::new()
                }
            },
            (None, Some((_, n))) => n.to_owned(),
            (None, None) => {
                errors.push(ValidationError::new("name", "is required"));
                String::new()
            }
        };
        let slug = match (&self.slug, current) {
            (Some(s), _) => Slug::parse(s)
                .map(Slug::into_inner)
                .map_err(|e| errors.push(e))
                .unwrap_or_default(),
            (None, Some((s, _))) => s.to_owned(),
            (None, None) if !name.is_empty() => Slug::from_name(&name)
                .map(Slug::into_inner)
                .map_err(|e| errors.push(e))
                .unwrap_or_default(),
            (None, None) => String::new(),
        };
        (slug, name)
    }
}
