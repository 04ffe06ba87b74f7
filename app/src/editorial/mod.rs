//! The editorial service: every write of REST `/v1/admin` and of GraphQL
//! mutations goes through here. It validates input against the domain rules
//! (collecting every invalid field), resolves slugs, and hands the change to
//! the repository, which applies it in one transaction with its revision and
//! audit entry.

mod input;
mod packages;
mod preview;
mod taxonomy;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::{
    ApiKey, Article, ArticleState, ArticleStatus, ArticleSummary, AuditEntry, Correction, Revision,
    ValidationError,
};
use persistence::{UpsertOutcome, WriteContext};

pub use self::input::ArticleInput;
use self::input::{Resolved, TranslationTarget, invalid};
pub use self::packages::MAX_PICKS;
pub use self::preview::{NewPreviewLink, PREVIEW_PREFIX};
pub use self::taxonomy::TaxonomyInput;
use crate::content::ContentService;
use crate::error::AppError;
use crate::events::{Change, Taxon};
use crate::fields;
pub use crate::fields::parse_rfc3339;
use crate::import::{ImportLine, PublishedFallback};

/// The editorial write service.
#[derive(Clone, Debug)]
pub struct EditorialService {
    svc: ContentService,
}

pub(crate) fn ctx(key: &ApiKey, now: DateTime<Utc>) -> WriteContext {
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

/// The lead picture and the body's pictures.
fn images_of<'a>(
    lead: &'a Option<domain::Image>,
    body: &'a [domain::Block],
) -> impl Iterator<Item = &'a domain::Image> {
    lead.iter().chain(body.iter().filter_map(|b| match b {
        domain::Block::Image { image } => Some(&**image),
        _ => None,
    }))
}

/// Refreshes the uploaded pictures from `assets` (alt text set on the
/// picture since, the decorative mark, the focal point) and refuses an
/// article whose uploaded picture has no alt text and is not decorative.
fn described(
    s: &mut ArticleState,
    assets: &HashMap<String, domain::image::ImageAsset>,
    base: &str,
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    let mut check = |image: &mut domain::Image, field: String| {
        if let Some(a) = image.image_id.as_ref().and_then(|id| assets.get(id)) {
            image.attach(base, a);
        }
        if image.lacks_alt() {
            errors.push(ValidationError::new(
                format!("{field}.alt"),
                "an uploaded picture needs alt text before the article goes public (or mark the picture decorative)",
            ));
        }
    };
    if let Some(i) = s.image.as_mut() {
        check(i, "image".into());
    }
    for (n, b) in s.body.iter_mut().enumerate() {
        if let domain::Block::Image { image } = b {
            check(image, format!("body[{n}].image"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Unprocessable(errors))
    }
}

impl EditorialService {
    pub fn new(svc: ContentService) -> Self {
        Self { svc }
    }

    pub fn now(&self) -> DateTime<Utc> {
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
        // Just written: the primary has it, a replica may not yet.
        let repo = self.svc.repo().on_primary();
        let tags = match repo.tags_by_ids(&a.summary.tag_ids).await {
            Ok(tags) => tags.into_iter().map(|t| t.slug).collect(),
            Err(_) => Vec::new(),
        };
        let authors = match repo.authors_by_ids(&a.summary.author_ids).await {
            Ok(authors) => authors.into_iter().map(|x| x.slug).collect(),
            Err(_) => Vec::new(),
        };
        // The other versions of its story list it among their
        // translations (and may be named by it).
        let versions = self.svc.other_versions(a).await.unwrap_or_default();
        self.svc.announce(Change::Article {
            id: a.summary.id,
            sections,
            tags,
            authors,
            versions,
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
            images: repo
                .images_by_ids(&input.image_ids())
                .await?
                .into_iter()
                .map(|a| (a.id.to_string(), a))
                .collect(),
            image_base: self.svc.image_base().to_owned(),
            translation: match &input.translation_of {
                None => None,
                Some(None) => Some(Ok(None)),
                Some(Some(raw)) => Some(self.translation_target(raw).await?),
            },
            self_id: None,
        })
    }

    /// The story `raw` (an article id) belongs to, or why it cannot be
    /// linked to.
    async fn translation_target(
        &self,
        raw: &str,
    ) -> Result<Result<Option<TranslationTarget>, ValidationError>, AppError> {
        let unknown = || ValidationError::new("translationOf", format!("no article {raw:?}"));
        let Ok(id) = domain::ArticleId::parse(raw) else {
            return Ok(Err(unknown()));
        };
        let Some(target) = self.svc.repo().article_by_id(id.get()).await? else {
            return Ok(Err(unknown()));
        };
        if target.deleted_at.is_some() {
            return Ok(Err(unknown()));
        }
        let group = target.story();
        let members = self.svc.repo().translation_members(group).await?;
        Ok(Ok(Some(TranslationTarget { group, members })))
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
            kind: domain::ArticleKind::Standard,
            live_state: None,
            access: domain::Access::Free,
            translation_group: None,
        };
        input.apply(&mut state, &refs, true)?;
        let article = self
            .svc
            .repo()
            .create_article(&state, input.slug.is_none(), ctx(key, self.now()))
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
        let mut refs = self.resolve(input).await?;
        refs.self_id = Some(id);
        // A story's first article, which its other versions point at,
        // cannot join another story: they would be left behind.
        if let Some(Ok(Some(t))) = &refs.translation
            && t.group != id
            && self
                .svc
                .repo()
                .translation_members(id)
                .await?
                .iter()
                .any(|(member, _)| *member != id)
        {
            return Err(AppError::Unprocessable(vec![ValidationError::new(
                "translationOf",
                "other versions of this story are linked to it; link them to the other story instead",
            )]));
        }
        let mut old_group = None;
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
                    old_group = current.translation_group;
                    input.apply(state, &refs, false)?;
                    // A public article takes only described pictures.
                    if matches!(
                        current.summary.status,
                        ArticleStatus::Published | ArticleStatus::Scheduled
                    ) {
                        described(state, &refs.images, &refs.image_base)?;
                    }
                    Ok::<(), AppError>(())
                },
            )
            .await?;
        self.changed(&article).await;
        // The story it left lists its translations without it now.
        if let Some(g) = old_group.filter(|g| Some(*g) != article.translation_group) {
            self.svc
                .announce(Change::ArticlesElsewhere { ids: vec![g] });
        }
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
        // Going public (now, scheduled or embargoed) needs alt text on every
        // uploaded picture: read them as they are now.
        let goes_public = matches!(
            action,
            "article.publish" | "article.schedule" | "article.embargo"
        );
        let assets = if goes_public {
            self.assets_of(id).await?
        } else {
            HashMap::new()
        };
        let base = self.svc.image_base().to_owned();
        let change = move |s: &mut ArticleState, current: &Article, now| -> Result<(), AppError> {
            change(s, current, now)?;
            if goes_public {
                described(s, &assets, &base)?;
            }
            Ok(())
        };
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

    /// The uploaded pictures of an article (lead and body), by id.
    async fn assets_of(
        &self,
        id: i64,
    ) -> Result<HashMap<String, domain::image::ImageAsset>, AppError> {
        let Some(article) = self.svc.repo().article_by_id(id).await? else {
            return Ok(HashMap::new());
        };
        let ids: Vec<i64> = images_of(&article.summary.image, &article.body)
            .filter_map(|i| i.image_id.as_deref()?.parse().ok())
            .collect();
        Ok(self
            .svc
            .repo()
            .images_by_ids(&ids)
            .await?
            .into_iter()
            .map(|a| (a.id.to_string(), a))
            .collect())
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
        let reason = fields::text(&mut errors, "reason", Some(reason), 500);
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
        let parts = crate::fields::correction_parts(&mut errors, "", kind, text);
        let at = at
            .map(|a| parse_rfc3339("at", a))
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        invalid(errors)?;
        let Some((kind, text)) = parts else {
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
}
