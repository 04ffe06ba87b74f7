//! Mutations of sections (admin key), authors, tags and collections
//! (editor key): the same service calls as REST `/v1/admin/sections`,
//! `/authors`, `/tags` and `PUT /v1/collections/{slug}`.

use app::discovery::{CollectionInput, DiscoveryService};
use app::editorial::{EditorialService, TaxonomyInput};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Result};
use domain::Scope;

use super::context::key;
use super::results::CollectionGql;
use super::types::{ArticleGql, AuthorGql, SectionGql, TagGql};

fn double<T>(v: MaybeUndefined<T>) -> Option<Option<T>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

/// A section's fields: on create `name` is required (the slug is made
/// from it when absent); on update absent fields stay, `null` clears.
#[derive(InputObject, Default)]
pub struct SectionInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    /// The English display name (Sports); `null` removes it.
    pub name_en: MaybeUndefined<String>,
    /// The language `name` is written in (BCP 47: `bn`, `en`; `bn` for a
    /// new one).
    pub language: Option<String>,
    /// The parent section's slug.
    pub parent: MaybeUndefined<String>,
    pub position: Option<i32>,
    pub description: MaybeUndefined<String>,
}

impl From<SectionInput> for TaxonomyInput {
    fn from(i: SectionInput) -> Self {
        Self {
            slug: i.slug,
            name: i.name,
            name_en: double(i.name_en),
            language: i.language,
            parent: double(i.parent),
            position: i.position,
            description: double(i.description),
            ..Default::default()
        }
    }
}

/// An author's fields (as `SectionInput`).
#[derive(InputObject, Default)]
pub struct AuthorInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    /// The English display name; `null` removes it.
    pub name_en: MaybeUndefined<String>,
    /// The language `name` is written in (BCP 47).
    pub language: Option<String>,
    pub bio: MaybeUndefined<String>,
    pub avatar_url: MaybeUndefined<String>,
    /// An uploaded picture as the avatar; `null` removes it.
    pub avatar_image_id: MaybeUndefined<ID>,
}

impl From<AuthorInput> for TaxonomyInput {
    fn from(i: AuthorInput) -> Self {
        Self {
            slug: i.slug,
            name: i.name,
            name_en: double(i.name_en),
            language: i.language,
            bio: double(i.bio),
            avatar_url: double(i.avatar_url),
            avatar_image_id: double(i.avatar_image_id.map_value(|id| id.0)),
            ..Default::default()
        }
    }
}

/// A tag's fields (as `SectionInput`).
#[derive(InputObject, Default)]
pub struct TagInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    /// The English display name; `null` removes it.
    pub name_en: MaybeUndefined<String>,
    /// The language `name` is written in (BCP 47).
    pub language: Option<String>,
}

impl From<TagInput> for TaxonomyInput {
    fn from(i: TagInput) -> Self {
        Self {
            slug: i.slug,
            name: i.name,
            name_en: double(i.name_en),
            language: i.language,
            ..Default::default()
        }
    }
}

/// A curated list as an editor saves it (replacing the stored one).
#[derive(InputObject)]
#[graphql(name = "CollectionInput")]
pub struct CollectionInputGql {
    pub name: String,
    pub description: Option<String>,
    /// Article ids (database ids), in order; at most 100.
    pub articles: Vec<ID>,
}

fn editorial<'a>(
    ctx: &Context<'a>,
    scope: Scope,
) -> Result<(domain::ApiKey, &'a EditorialService)> {
    Ok((key(ctx, scope)?, ctx.data::<EditorialService>()?))
}

pub async fn save_section(
    ctx: &Context<'_>,
    slug: Option<&str>,
    input: SectionInput,
) -> Result<SectionGql> {
    let (key, ed) = editorial(ctx, Scope::Admin)?;
    Ok(SectionGql(
        ed.save_section(&key, slug, &input.into()).await?,
    ))
}

pub async fn save_author(
    ctx: &Context<'_>,
    slug: Option<&str>,
    input: AuthorInput,
) -> Result<AuthorGql> {
    let (key, ed) = editorial(ctx, Scope::Editor)?;
    Ok(AuthorGql(ed.save_author(&key, slug, &input.into()).await?))
}

pub async fn save_tag(ctx: &Context<'_>, slug: Option<&str>, input: TagInput) -> Result<TagGql> {
    let (key, ed) = editorial(ctx, Scope::Editor)?;
    Ok(TagGql(ed.save_tag(&key, slug, &input.into()).await?))
}

/// Deletes a section (admin), author or tag (editor); `kind` as in REST.
pub async fn delete(ctx: &Context<'_>, kind: &str, slug: &str) -> Result<bool> {
    let scope = if kind == "section" {
        Scope::Admin
    } else {
        Scope::Editor
    };
    let (key, ed) = editorial(ctx, scope)?;
    match kind {
        "section" => ed.delete_section(&key, slug).await?,
        "author" => ed.delete_author(&key, slug).await?,
        _ => ed.delete_tag(&key, slug).await?,
    }
    Ok(true)
}

/// Saves a collection, or a series when `series`.
pub async fn save_collection(
    ctx: &Context<'_>,
    slug: &str,
    input: CollectionInputGql,
    series: bool,
) -> Result<CollectionGql> {
    let key = key(ctx, Scope::Editor)?;
    let discovery = ctx.data::<DiscoveryService>()?;
    let input = CollectionInput {
        name: input.name,
        description: input.description,
        articles: input.articles.into_iter().map(|id| id.0).collect(),
    };
    let (c, items) = if series {
        discovery.save_series(&key, slug, &input).await?
    } else {
        discovery.save_collection(&key, slug, &input).await?
    };
    Ok(CollectionGql {
        slug: c.slug,
        name: c.name,
        description: c.description,
        updated_at: c.updated_at,
        articles: items.into_iter().map(ArticleGql::from_summary).collect(),
    })
}

/// Deletes a collection, or a series when `series`.
pub async fn delete_collection(ctx: &Context<'_>, slug: &str, series: bool) -> Result<bool> {
    let key = key(ctx, Scope::Editor)?;
    let discovery = ctx.data::<DiscoveryService>()?;
    if series {
        discovery.delete_series(&key, slug).await?;
    } else {
        discovery.delete_collection(&key, slug).await?;
    }
    Ok(true)
}
