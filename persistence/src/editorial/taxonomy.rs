//! Sections, authors and tags: the editors' writes, each audited, a slug
//! unique per table, and no delete of one still in use.
//!
//! The three tables share their steps ([`Taxonomy`]): the slug check, the
//! insert or update with its audit entry, and the delete refused while rows
//! refer to the target. Only the columns and what counts as a use differ.

use domain::{Author, Section, Tag};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, PaginatorTrait, PrimaryKeyTrait, QueryFilter,
};
use serde_json::json;

use super::{WriteContext, audit};
use crate::entities::{
    article, article_author, article_section, article_tag, author, section, tag,
};
use crate::error::RepoError;
use crate::repo::{ContentRepo, to_author, to_section, to_tag};

impl ContentRepo {
    pub async fn create_section(
        &self,
        s: &Section,
        ctx: WriteContext,
    ) -> Result<Section, RepoError> {
        let txn = self.db.begin_write().await?;
        check_slug::<section::Entity>(&txn, &s.slug, None).await?;
        let row = insert::<section::Entity>(&txn, ctx, &s.slug, |m| fill_section(m, s)).await?;
        txn.commit().await?;
        Ok(to_section(row))
    }

    /// Unlike [`Self::save_author`], a missing section is reported before a
    /// slug conflict.
    pub async fn update_section(
        &self,
        s: &Section,
        ctx: WriteContext,
    ) -> Result<Section, RepoError> {
        let txn = self.db.begin_write().await?;
        let row = find::<section::Entity>(&txn, s.id).await?;
        check_slug::<section::Entity>(&txn, &s.slug, Some(s.id)).await?;
        let row =
            update::<section::Entity>(&txn, ctx, row, &s.slug, |m| fill_section(m, s)).await?;
        txn.commit().await?;
        Ok(to_section(row))
    }

    /// Deletes a section no article (primary or secondary) and no
    /// sub-section refers to.
    pub async fn delete_section(&self, id: i64, ctx: WriteContext) -> Result<(), RepoError> {
        self.delete_unused::<section::Entity>(id, ctx).await
    }

    pub async fn save_author(&self, a: &Author, ctx: WriteContext) -> Result<Author, RepoError> {
        let txn = self.db.begin_write().await?;
        let row = save::<author::Entity>(&txn, ctx, a.id, &a.slug, |m| {
            m.slug = Set(a.slug.clone());
            m.name = Set(a.name.clone());
            m.name_en = Set(a.name_en.clone());
            m.language = Set(a.language.clone());
            m.bio = Set(a.bio.clone());
            m.avatar_url = Set(a.avatar_url.clone());
            m.avatar = Set(a
                .avatar
                .as_ref()
                .and_then(|i| serde_json::to_string(i).ok()));
        })
        .await?;
        txn.commit().await?;
        Ok(to_author(row))
    }

    pub async fn delete_author(&self, id: i64, ctx: WriteContext) -> Result<(), RepoError> {
        self.delete_unused::<author::Entity>(id, ctx).await
    }

    pub async fn save_tag(&self, t: &Tag, ctx: WriteContext) -> Result<Tag, RepoError> {
        let txn = self.db.begin_write().await?;
        let row = save::<tag::Entity>(&txn, ctx, t.id, &t.slug, |m| {
            m.slug = Set(t.slug.clone());
            m.name = Set(t.name.clone());
            m.name_en = Set(t.name_en.clone());
            m.language = Set(t.language.clone());
        })
        .await?;
        txn.commit().await?;
        Ok(to_tag(row))
    }

    pub async fn delete_tag(&self, id: i64, ctx: WriteContext) -> Result<(), RepoError> {
        self.delete_unused::<tag::Entity>(id, ctx).await
    }

    /// Deletes row `id` of `E` when nothing refers to it, with an audit
    /// entry `<kind>.delete`.
    async fn delete_unused<E: Taxonomy>(
        &self,
        id: i64,
        ctx: WriteContext,
    ) -> Result<(), RepoError> {
        let txn = self.db.begin_write().await?;
        find::<E>(&txn, id).await?;
        let uses = E::uses(&txn, id).await?;
        if uses > 0 {
            return Err(RepoError::InUse {
                what: E::KIND,
                count: uses,
            });
        }
        E::delete_by_id(id).exec(&txn).await?;
        audit(
            &txn,
            ctx,
            &format!("{}.delete", E::KIND),
            E::KIND,
            id,
            json!({}),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

/// A table of slugged names (sections, authors, tags), as the shared steps
/// see it.
trait Taxonomy:
    EntityTrait<
        PrimaryKey: PrimaryKeyTrait<ValueType = i64>,
        Model: IntoActiveModel<Self::ActiveModel> + Send + Sync,
        ActiveModel: Send,
    >
{
    /// The audit target type, and the prefix of its audit actions.
    const KIND: &'static str;
    const ID: Self::Column;
    const SLUG: Self::Column;

    fn id(row: &Self::Model) -> i64;

    /// How many rows refer to row `id` (a delete needs none).
    async fn uses(txn: &DatabaseTransaction, id: i64) -> Result<u64, RepoError>;
}

impl Taxonomy for section::Entity {
    const KIND: &'static str = "section";
    const ID: section::Column = section::Column::Id;
    const SLUG: section::Column = section::Column::Slug;

    fn id(row: &section::Model) -> i64 {
        row.id
    }

    /// Articles with it as their primary or a secondary section, and its
    /// sub-sections.
    async fn uses(txn: &DatabaseTransaction, id: i64) -> Result<u64, RepoError> {
        Ok(article::Entity::find()
            .filter(article::Column::SectionId.eq(id))
            .count(txn)
            .await?
            + article_section::Entity::find()
                .filter(article_section::Column::SectionId.eq(id))
                .count(txn)
                .await?
            + section::Entity::find()
                .filter(section::Column::ParentId.eq(id))
                .count(txn)
                .await?)
    }
}

impl Taxonomy for author::Entity {
    const KIND: &'static str = "author";
    const ID: author::Column = author::Column::Id;
    const SLUG: author::Column = author::Column::Slug;

    fn id(row: &author::Model) -> i64 {
        row.id
    }

    async fn uses(txn: &DatabaseTransaction, id: i64) -> Result<u64, RepoError> {
        Ok(article_author::Entity::find()
            .filter(article_author::Column::AuthorId.eq(id))
            .count(txn)
            .await?)
    }
}

impl Taxonomy for tag::Entity {
    const KIND: &'static str = "tag";
    const ID: tag::Column = tag::Column::Id;
    const SLUG: tag::Column = tag::Column::Slug;

    fn id(row: &tag::Model) -> i64 {
        row.id
    }

    async fn uses(txn: &DatabaseTransaction, id: i64) -> Result<u64, RepoError> {
        Ok(article_tag::Entity::find()
            .filter(article_tag::Column::TagId.eq(id))
            .count(txn)
            .await?)
    }
}

fn fill_section(m: &mut section::ActiveModel, s: &Section) {
    m.slug = Set(s.slug.clone());
    m.name = Set(s.name.clone());
    m.name_en = Set(s.name_en.clone());
    m.language = Set(s.language.clone());
    m.parent_id = Set(s.parent_id);
    m.position = Set(s.position);
    m.description = Set(s.description.clone());
}

/// Fails with a slug conflict when a row of `E` other than `own_id` holds
/// `slug`.
async fn check_slug<E: Taxonomy>(
    txn: &DatabaseTransaction,
    slug: &str,
    own_id: Option<i64>,
) -> Result<(), RepoError> {
    let mut dup = E::find().filter(E::SLUG.eq(slug));
    if let Some(id) = own_id {
        dup = dup.filter(E::ID.ne(id));
    }
    if dup.count(txn).await? > 0 {
        return Err(RepoError::Conflict { field: "slug" });
    }
    Ok(())
}

/// Row `id` of `E`, or not found.
async fn find<E: Taxonomy>(txn: &DatabaseTransaction, id: i64) -> Result<E::Model, RepoError> {
    E::find_by_id(id).one(txn).await?.ok_or(RepoError::NotFound)
}

/// Updates row `id` (when positive) or creates one, `fill` setting the
/// columns either way, after the slug check.
async fn save<E: Taxonomy>(
    txn: &DatabaseTransaction,
    ctx: WriteContext,
    id: i64,
    slug: &str,
    fill: impl FnOnce(&mut E::ActiveModel),
) -> Result<E::Model, RepoError> {
    let own_id = (id > 0).then_some(id);
    check_slug::<E>(txn, slug, own_id).await?;
    match own_id {
        Some(id) => {
            let row = find::<E>(txn, id).await?;
            update::<E>(txn, ctx, row, slug, fill).await
        }
        None => insert::<E>(txn, ctx, slug, fill).await,
    }
}

/// Inserts a row of `E` with the columns `fill` sets, with an audit entry
/// `<kind>.create`.
async fn insert<E: Taxonomy>(
    txn: &DatabaseTransaction,
    ctx: WriteContext,
    slug: &str,
    fill: impl FnOnce(&mut E::ActiveModel),
) -> Result<E::Model, RepoError> {
    let mut model = E::ActiveModel::default();
    fill(&mut model);
    let row = model.insert(txn).await?;
    let action = format!("{}.create", E::KIND);
    audit(
        txn,
        ctx,
        &action,
        E::KIND,
        E::id(&row),
        json!({"slug": slug}),
    )
    .await?;
    Ok(row)
}

/// Writes the columns `fill` sets to `row`, with an audit entry
/// `<kind>.update`.
async fn update<E: Taxonomy>(
    txn: &DatabaseTransaction,
    ctx: WriteContext,
    row: E::Model,
    slug: &str,
    fill: impl FnOnce(&mut E::ActiveModel),
) -> Result<E::Model, RepoError> {
    let mut model = row.into_active_model();
    fill(&mut model);
    let row = model.update(txn).await?;
    let action = format!("{}.update", E::KIND);
    audit(
        txn,
        ctx,
        &action,
        E::KIND,
        E::id(&row),
        json!({"slug": slug}),
    )
    .await?;
    Ok(row)
}
