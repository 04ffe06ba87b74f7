//! Sections (admin), authors and tags (editor).

use domain::text::clean_text;
use domain::{ApiKey, Author, Section, Slug, Tag, ValidationError};
use serde::Deserialize;

use super::input::{double, invalid, whole};
use super::{EditorialService, ctx};
use crate::error::AppError;
use crate::events::Taxon;
use crate::fields;

impl EditorialService {
    pub async fn save_section(
        &self,
        key: &ApiKey,
        existing: Option<&str>,
        input: &TaxonomyInput,
    ) -> Result<Section, AppError> {
        input.refuse_others("section")?;
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
        let (name_en, language) = input.names(
            current
                .as_ref()
                .map(|s| (s.name_en.as_deref(), s.language.as_str())),
            &mut errors,
        );
        let description = match &input.description {
            None => current.as_ref().and_then(|s| s.description.clone()),
            Some(v) => fields::text(&mut errors, "description", v.as_deref(), 1000),
        };
        invalid(errors)?;
        let section = Section {
            id: current.as_ref().map(|s| s.id).unwrap_or(0),
            slug,
            name,
            name_en,
            language,
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
        input.refuse_others("author")?;
        let current = match existing {
            Some(slug) => Some(self.svc.author(slug).await?),
            None => None,
        };
        let mut errors = Vec::new();
        let (slug, name) = input.slug_and_name(
            current.as_ref().map(|a| (a.slug.as_str(), a.name.as_str())),
            &mut errors,
        );
        let (name_en, language) = input.names(
            current
                .as_ref()
                .map(|a| (a.name_en.as_deref(), a.language.as_str())),
            &mut errors,
        );
        let bio = match &input.bio {
            None => current.as_ref().and_then(|a| a.bio.clone()),
            Some(v) => fields::text(&mut errors, "bio", v.as_deref(), 2000),
        };
        let mut avatar_url = match &input.avatar_url {
            None => current.as_ref().and_then(|a| a.avatar_url.clone()),
            Some(v) => fields::url(&mut errors, "avatarUrl", v.as_deref()),
        };
        // An outside avatarUrl replaces an uploaded avatar.
        let mut avatar = match &input.avatar_url {
            Some(_) => None,
            None => current.as_ref().and_then(|a| a.avatar.clone()),
        };
        match &input.avatar_image_id {
            None => {}
            Some(None) => {
                avatar = None;
                avatar_url = None;
            }
            Some(Some(id)) => {
                if let Some(image) = self.avatar(id, &mut errors).await? {
                    // Avatars are small: the URL is the 320-wide JPEG.
                    avatar_url = image
                        .rendition_near(320, "image/jpeg")
                        .map(|r| r.url.clone());
                    avatar = Some(Box::new(image));
                }
            }
        }
        // An avatar without alt text of its own is described by the name.
        if let Some(image) = avatar.as_mut()
            && image.alt.is_none()
        {
            image.alt = Some(name.clone());
        }
        invalid(errors)?;
        let author = Author {
            id: current.map(|a| a.id).unwrap_or(0),
            slug,
            name,
            name_en,
            language,
            bio,
            avatar_url,
            avatar,
        };
        let saved = self
            .svc
            .repo()
            .save_author(&author, ctx(key, self.now()))
            .await?;
        self.taxonomy_changed(Taxon::Author(saved.slug.clone()));
        Ok(saved)
    }

    /// An uploaded picture as an avatar (alt text: the author's name when
    /// the picture has none), or an error naming `avatarImageId`.
    async fn avatar(
        &self,
        id: &str,
        errors: &mut Vec<ValidationError>,
    ) -> Result<Option<domain::Image>, AppError> {
        let found = match id.trim().parse::<i64>() {
            Ok(n) => self.svc.repo().image(n).await?,
            Err(_) => None,
        };
        let Some(asset) = found else {
            errors.push(ValidationError::new(
                "avatarImageId",
                format!("no uploaded picture {id}"),
            ));
            return Ok(None);
        };
        let mut image = domain::Image::default();
        image.attach(self.svc.image_base(), &asset);
        Ok(Some(image))
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
        input.refuse_others("tag")?;
        let current = match existing {
            Some(slug) => Some(self.svc.tag(slug).await?),
            None => None,
        };
        let mut errors = Vec::new();
        let (slug, name) = input.slug_and_name(
            current.as_ref().map(|t| (t.slug.as_str(), t.name.as_str())),
            &mut errors,
        );
        let (name_en, language) = input.names(
            current
                .as_ref()
                .map(|t| (t.name_en.as_deref(), t.language.as_str())),
            &mut errors,
        );
        invalid(errors)?;
        let tag = Tag {
            id: current.map(|t| t.id).unwrap_or(0),
            slug,
            name,
            name_en,
            language,
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
    /// The English display name (`null` removes it).
    #[serde(default, deserialize_with = "double")]
    pub name_en: Option<Option<String>>,
    /// The language `name` is written in (BCP 47: `bn`, `en`).
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default, deserialize_with = "double")]
    pub parent: Option<Option<String>>,
    #[serde(default, deserialize_with = "whole")]
    pub position: Option<i32>,
    #[serde(default, deserialize_with = "double")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    pub bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    pub avatar_url: Option<Option<String>>,
    /// An uploaded picture as the avatar; `null` removes the avatar.
    #[serde(default, deserialize_with = "double")]
    pub avatar_image_id: Option<Option<String>>,
}

impl TaxonomyInput {
    /// The fields given that `kind` (`section`, `author`, `tag`) does not
    /// have, each a 400 naming it: nothing sent is silently dropped.
    fn refuse_others(&self, kind: &str) -> Result<(), AppError> {
        let given = [
            ("parent", self.parent.is_some(), ["section"].as_slice()),
            ("position", self.position.is_some(), &["section"]),
            ("description", self.description.is_some(), &["section"]),
            ("bio", self.bio.is_some(), &["author"]),
            ("avatarUrl", self.avatar_url.is_some(), &["author"]),
            ("avatarImageId", self.avatar_image_id.is_some(), &["author"]),
        ];
        let errors: Vec<ValidationError> = given
            .iter()
            .filter(|(_, present, kinds)| *present && !kinds.contains(&kind))
            .map(|(field, _, _)| ValidationError::new(*field, format!("is not a field of {kind}s")))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(errors))
        }
    }

    /// The English name and the language of the name to store: given ones
    /// validated, else the current ones (`bn` for a new one).
    fn names(
        &self,
        current: Option<(Option<&str>, &str)>,
        errors: &mut Vec<ValidationError>,
    ) -> (Option<String>, String) {
        let name_en = match &self.name_en {
            None => current.and_then(|(n, _)| n.map(str::to_owned)),
            Some(v) => fields::text(errors, "nameEn", v.as_deref(), 100),
        };
        let language = match &self.language {
            None => current.map_or("bn", |(_, l)| l).to_owned(),
            Some(l) => domain::text::language_tag(l).unwrap_or_else(|| {
                errors.push(ValidationError::new(
                    "language",
                    format!("must be one of {:?}", domain::text::LANGUAGES),
                ));
                String::new()
            }),
        };
        (name_en, language)
    }

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
