//! Schemas of types that live in `domain` (which knows nothing of OpenAPI):
//! the same shapes, kept here. The snapshot test and schemathesis' response
//! checks catch a drift.
#![allow(dead_code)]
//!
//! The request bodies the services read (`ArticleInput`, `SectionCreate`…`TagPatch`,
//! `ImportLine`, `CommentInput`) are serde types of `app`, which knows
//! nothing of OpenAPI either: their documented twins are here too, with the
//! same names (the `openapi.json` snapshot and schemathesis, which sends
//! bodies built from these schemas, catch a drift).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A picture with what a page needs to show and credit it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// Absolute http(s) URL (of an uploaded picture: its largest JPEG;
    /// in input it may be left out when `imageId` is given).
    pub url: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// An uploaded picture (`POST /v1/admin/images`); the fields below are
    /// filled in from it (what a client sends for them is ignored).
    pub image_id: Option<String>,
    pub focal_point: Option<FocalPointView>,
    /// ThumbHash, base64.
    pub placeholder: Option<String>,
    /// `#rrggbb`.
    pub dominant_color: Option<String>,
    /// Marked decorative (needs no alt text).
    pub decorative: Option<bool>,
    /// Every width rendition, WebP then JPEG.
    pub renditions: Option<Vec<RenditionView>>,
    pub srcset: Option<String>,
    pub sizes: Option<String>,
}

/// One block of an article body.
#[derive(Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Block {
    Paragraph {
        text: String,
    },
    Heading {
        text: String,
        /// 2 to 4 (default 2).
        #[serde(default)]
        #[schema(minimum = 2, maximum = 4)]
        level: u8,
    },
    Quote {
        text: String,
        cite: Option<String>,
    },
    Image {
        image: Box<Image>,
    },
    List {
        #[serde(default)]
        ordered: bool,
        items: Vec<String>,
    },
    Embed {
        provider: String,
        url: String,
        title: Option<String>,
    },
}

/// A body as plain text (paragraphs split on blank lines) or as blocks.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum BodyInput {
    Text(String),
    Blocks(Vec<Block>),
}

/// A byline or tag given by name, or as `{slug, name}` (with its English
/// name and the language of `name`, used when it is created).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum NamedRef {
    Name(String),
    Object {
        slug: Option<String>,
        name: Option<String>,
        #[serde(rename = "nameEn")]
        name_en: Option<String>,
        /// BCP 47; `bn` when absent.
        language: Option<String>,
        /// A byline's biography, used when the author is created.
        bio: Option<String>,
    },
}

/// A section by slug or name (made from the name when missing), or whole
/// (as `barta export` writes it): made with these names, order and parent
/// when missing, used as it is when it exists.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum SectionRef {
    Name(String),
    Object(Box<SectionObject>),
}

/// A whole section (see `SectionRef`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SectionObject {
    #[schema(min_length = 1)]
    pub slug: String,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub name_en: Option<String>,
    /// BCP 47; `bn` when absent.
    pub language: Option<String>,
    /// By slug (it must exist) or whole.
    #[schema(no_recursion)]
    pub parent: Option<SectionRef>,
    /// Among its siblings; 100 when absent.
    pub position: Option<i32>,
    pub description: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    Draft,
    Scheduled,
    Published,
    Unpublished,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CommentStatus {
    Pending,
    Approved,
    Rejected,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Partner,
    Editor,
    Admin,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CorrectionKind {
    Correction,
    Clarification,
    Update,
}

// --- request bodies the services read, and the related-story reasons ------

/// A new article: `headline`, `section` and one of `body` or `bodyText`
/// are required. Unknown fields are refused (400).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArticleCreate {
    pub headline: String,
    /// Default: made from the headline (unique).
    pub slug: Option<String>,
    pub kicker: Option<String>,
    pub summary: Option<String>,
    /// Structured blocks; give `body` or `bodyText`, not both.
    #[schema(value_type = BodyInput, required = false)]
    pub body: Option<app::import::BodyInput>,
    /// Plain text, paragraphs separated by blank lines (the name GraphQL
    /// uses); give `body` or `bodyText`, not both.
    #[schema(value_type = String, required = false)]
    pub body_text: Option<String>,
    /// Section slug.
    pub section: String,
    pub secondary_sections: Option<Vec<String>>,
    /// Author slugs, in byline order.
    pub authors: Option<Vec<String>>,
    /// Tag slugs.
    pub tags: Option<Vec<String>>,
    pub desk: Option<String>,
    pub source: Option<String>,
    pub source_url: Option<String>,
    pub dateline: Option<String>,
    #[schema(value_type = Option<Image>)]
    pub image: Option<domain::Image>,
    pub canonical_url: Option<String>,
    pub external_id: Option<String>,
    /// `standard` (default), `live` (a live page takes posts), `opinion`,
    /// `analysis`, `explainer`, `gallery`, `video`, `obituary` or
    /// `sponsored` (labelled as paid content everywhere).
    #[schema(value_type = Option<ArticleKind>)]
    pub kind: Option<String>,
    /// A live page's state; `live` by default for one.
    #[schema(value_type = Option<LiveState>)]
    pub live_state: Option<String>,
    /// `free` (default), `metered` or `subscriber`.
    #[schema(value_type = Option<Access>)]
    pub access: Option<String>,
    /// Flag as breaking news until this RFC 3339 instant.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub breaking_until: Option<String>,
    /// BCP 47 tag of its language: `bn` (default), `en`, or either with a
    /// region (`en-GB`).
    #[schema(example = "en")]
    pub language: Option<String>,
    /// The id of an article whose story this one translates: joins that
    /// story's versions (one per language).
    pub translation_of: Option<String>,
}

/// A change to an article: every field is optional; absent = unchanged,
/// `null` = cleared. Unknown fields are refused (400).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArticlePatch {
    pub headline: Option<String>,
    pub slug: Option<String>,
    #[serde(default)]
    pub kicker: Option<Option<String>>,
    #[serde(default)]
    pub summary: Option<Option<String>>,
    #[schema(value_type = Option<BodyInput>)]
    pub body: Option<app::import::BodyInput>,
    /// Plain text body, paragraphs separated by blank lines (the name GraphQL
    /// uses); give `body` or `bodyText`.
    pub body_text: Option<String>,
    /// Section slug.
    pub section: Option<String>,
    pub secondary_sections: Option<Vec<String>>,
    /// Author slugs, in byline order.
    pub authors: Option<Vec<String>>,
    /// Tag slugs.
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub desk: Option<Option<String>>,
    #[serde(default)]
    pub source: Option<Option<String>>,
    #[serde(default)]
    pub source_url: Option<Option<String>>,
    #[serde(default)]
    pub dateline: Option<Option<String>>,
    #[serde(default)]
    #[schema(value_type = Option<Image>)]
    pub image: Option<Option<domain::Image>>,
    #[serde(default)]
    pub canonical_url: Option<Option<String>>,
    #[serde(default)]
    pub external_id: Option<Option<String>>,
    /// The article's kind (see `ArticleCreate.kind`).
    #[schema(value_type = Option<ArticleKind>)]
    pub kind: Option<String>,
    /// `live` or `ended` (live pages only).
    #[schema(value_type = Option<LiveState>)]
    pub live_state: Option<String>,
    /// `free`, `metered` or `subscriber`.
    #[schema(value_type = Option<Access>)]
    pub access: Option<String>,
    /// Flag as breaking news until this RFC 3339 instant (`null` clears).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub breaking_until: Option<Option<String>>,
    /// BCP 47 tag of its language (see `ArticleCreate.language`).
    pub language: Option<String>,
    /// Links it as a translation of this article (its id); `null` unlinks.
    #[serde(default)]
    pub translation_of: Option<Option<String>>,
}

/// A new section (admin). Unknown fields are refused (400).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SectionCreate {
    /// Default (absent or `null`): made from the name.
    #[schema(min_length = 1, max_length = 200)]
    pub slug: Option<String>,
    /// 1–100 characters, no control characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// The English display name (Sports).
    #[schema(max_length = 100)]
    pub name_en: Option<String>,
    /// BCP 47 tag of the language `name` is written in: `bn` (default),
    /// `en`, or either with a region.
    #[schema(example = "bn")]
    pub language: Option<String>,
    /// The parent section's slug.
    pub parent: Option<String>,
    pub position: Option<i32>,
    pub description: Option<String>,
}

/// A change to a section: absent fields stay, `null` clears.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SectionPatch {
    /// Absent or `null`: the slug stays.
    #[schema(min_length = 1, max_length = 200)]
    pub slug: Option<String>,
    #[schema(min_length = 1, max_length = 100, nullable = false)]
    pub name: Option<String>,
    /// The English display name; `null` removes it.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub name_en: Option<Option<String>>,
    /// BCP 47 tag of the language `name` is written in.
    #[schema(example = "bn")]
    pub language: Option<String>,
    #[serde(default)]
    pub parent: Option<Option<String>>,
    pub position: Option<i32>,
    #[serde(default)]
    pub description: Option<Option<String>>,
}

/// A new author. Unknown fields are refused (400).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthorCreate {
    /// Default (absent or `null`): made from the name.
    #[schema(min_length = 1, max_length = 200)]
    pub slug: Option<String>,
    /// 1–100 characters, no control characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// The English display name, when `name` is not English.
    #[schema(max_length = 100)]
    pub name_en: Option<String>,
    /// BCP 47 tag of the language `name` is written in: `bn` (default),
    /// `en`, or either with a region.
    #[schema(example = "bn")]
    pub language: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    /// An uploaded picture (`POST /v1/admin/images`) as the avatar; its
    /// renditions come back in `avatar`.
    pub avatar_image_id: Option<String>,
}

/// A change to an author: absent fields stay, `null` clears.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthorPatch {
    /// Absent or `null`: the slug stays.
    #[schema(min_length = 1, max_length = 200)]
    pub slug: Option<String>,
    #[schema(min_length = 1, max_length = 100, nullable = false)]
    pub name: Option<String>,
    /// The English display name; `null` removes it.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub name_en: Option<Option<String>>,
    /// BCP 47 tag of the language `name` is written in.
    #[schema(example = "bn")]
    pub language: Option<String>,
    #[serde(default)]
    pub bio: Option<Option<String>>,
    #[serde(default)]
    pub avatar_url: Option<Option<String>>,
    /// `null` removes the avatar.
    #[serde(default)]
    pub avatar_image_id: Option<Option<String>>,
}

/// A new tag. Unknown fields are refused (400).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TagCreate {
    /// Default (absent or `null`): made from the name.
    #[schema(min_length = 1, max_length = 200)]
    pub slug: Option<String>,
    /// 1–100 characters, no control characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// The English display name, when `name` is not English.
    #[schema(max_length = 100)]
    pub name_en: Option<String>,
    /// BCP 47 tag of the language `name` is written in: `bn` (default),
    /// `en`, or either with a region.
    #[schema(example = "bn")]
    pub language: Option<String>,
}

/// A change to a tag: absent fields stay, `null` clears.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TagPatch {
    /// Absent or `null`: the slug stays.
    #[schema(min_length = 1, max_length = 200)]
    pub slug: Option<String>,
    #[schema(min_length = 1, max_length = 100, nullable = false)]
    pub name: Option<String>,
    /// The English display name; `null` removes it.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub name_en: Option<Option<String>>,
    /// BCP 47 tag of the language `name` is written in.
    #[schema(example = "bn")]
    pub language: Option<String>,
}

/// One line of an import file.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportLine {
    #[serde(alias = "id", alias = "external_id")]
    #[schema(min_length = 1)]
    pub external_id: String,
    #[serde(default)]
    pub slug: Option<String>,
    #[schema(min_length = 1)]
    pub headline: String,
    #[serde(default)]
    pub kicker: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[schema(value_type = BodyInput)]
    pub body: app::import::BodyInput,
    /// Section slug or name (created from the name when missing), or the
    /// whole section.
    #[serde(default)]
    #[schema(value_type = Option<SectionRef>)]
    pub section: Option<app::import::SectionRef>,
    #[serde(default)]
    #[schema(value_type = Vec<SectionRef>)]
    pub secondary_sections: Vec<app::import::SectionRef>,
    #[serde(default)]
    #[schema(value_type = Vec<NamedRef>)]
    pub authors: Vec<app::import::NamedRef>,
    #[serde(default)]
    #[schema(value_type = Vec<NamedRef>)]
    pub tags: Vec<app::import::NamedRef>,
    #[serde(default)]
    pub desk: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default, alias = "source_url")]
    pub source_url: Option<String>,
    #[serde(default, alias = "dateline_place", alias = "datelinePlace")]
    pub dateline: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Image>)]
    pub image: Option<domain::Image>,
    #[serde(default)]
    #[schema(value_type = Option<ArticleStatus>)]
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
    /// `standard` for a new article when absent; an update keeps the
    /// stored kind (and access) when the line does not name them.
    #[serde(default)]
    #[schema(value_type = Option<ArticleKind>)]
    pub kind: Option<String>,
    /// `free` when absent.
    #[serde(default)]
    #[schema(value_type = Option<Access>)]
    pub access: Option<String>,
    /// A live page's state; kept when absent.
    #[serde(default, alias = "live_state")]
    #[schema(value_type = Option<LiveState>)]
    pub live_state: Option<String>,
    /// BCP 47 language tag (`bn`, `en`, `en-GB`); `bn` for a new article
    /// when absent, kept on an update.
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

/// A correction note of an imported article.
#[derive(Deserialize, ToSchema)]
pub struct CorrectionLine {
    /// `correction`, `clarification` or `update`.
    #[schema(pattern = "^(correction|clarification|update)$")]
    pub kind: String,
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
    #[schema(format = DateTime)]
    pub at: String,
}

/// A comment as a reader sends it. Unknown fields are refused (400).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommentInput {
    /// Display name, 1–60 characters.
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
    /// Plain text, 1–2,000 characters; line breaks allowed.
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
    /// The id of an approved comment of the same article (string or number).
    #[schema(value_type = Option<String>, pattern = "^[1-9][0-9]{0,17}$")]
    pub reply_to: Option<serde_json::Value>,
    /// The honeypot: a form field hidden from people. Must be empty.
    #[schema(max_length = 0)]
    pub website: Option<String>,
    /// From the comment list (`formToken`): proves the form was loaded a
    /// few seconds before.
    pub form_token: Option<String>,
}

/// Why a related story was chosen (behind `?debug=1`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RelatedReason {
    /// An editor's pick (scores zero).
    pub picked: bool,
    pub content: f32,
    pub shared_tags: f32,
    pub same_section: f32,
    pub recency: f32,
    pub score: f32,
}

/// An event a webhook can subscribe to.
#[derive(Serialize, ToSchema)]
pub enum WebhookEventType {
    #[serde(rename = "article.published")]
    ArticlePublished,
    #[serde(rename = "article.updated")]
    ArticleUpdated,
    #[serde(rename = "article.unpublished")]
    ArticleUnpublished,
    #[serde(rename = "article.deleted")]
    ArticleDeleted,
    #[serde(rename = "article.golive")]
    ArticleGolive,
    #[serde(rename = "article.embargo_lifted")]
    ArticleEmbargoLifted,
    #[serde(rename = "article.corrected")]
    ArticleCorrected,
    #[serde(rename = "article.breaking")]
    ArticleBreaking,
    #[serde(rename = "collection.updated")]
    CollectionUpdated,
    #[serde(rename = "comment.approved")]
    CommentApproved,
    #[serde(rename = "cache.purge")]
    CachePurge,
}

/// A delivered event: a subscribable one, or `webhook.ping`.
#[derive(Serialize, ToSchema)]
pub enum WebhookEventTypeOrPing {
    #[serde(rename = "article.published")]
    ArticlePublished,
    #[serde(rename = "article.updated")]
    ArticleUpdated,
    #[serde(rename = "article.unpublished")]
    ArticleUnpublished,
    #[serde(rename = "article.deleted")]
    ArticleDeleted,
    #[serde(rename = "article.golive")]
    ArticleGolive,
    #[serde(rename = "article.embargo_lifted")]
    ArticleEmbargoLifted,
    #[serde(rename = "article.corrected")]
    ArticleCorrected,
    #[serde(rename = "article.breaking")]
    ArticleBreaking,
    #[serde(rename = "collection.updated")]
    CollectionUpdated,
    #[serde(rename = "comment.approved")]
    CommentApproved,
    #[serde(rename = "cache.purge")]
    CachePurge,
    #[serde(rename = "webhook.ping")]
    Ping,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    Public,
    Ninjs,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Pending,
    Succeeded,
    Failed,
    Skipped,
}

/// A new webhook (admin). Unknown fields are refused (400).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookCreate {
    /// Where to POST: an absolute http(s) URL that does not resolve to a
    /// private, loopback or link-local address.
    #[schema(min_length = 1, max_length = 2000, format = "uri")]
    pub url: String,
    #[schema(value_type = Vec<WebhookEventType>, min_items = 1)]
    pub events: Vec<String>,
    /// Default true.
    pub active: Option<bool>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// Default `public`.
    #[schema(value_type = Option<WebhookFormat>)]
    pub format: Option<String>,
}

/// A change to a webhook: absent = unchanged; `description: null` clears
/// it; `active: true` turns it back on after the server turned it off.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookPatch {
    #[schema(min_length = 1, max_length = 2000, format = "uri")]
    pub url: Option<String>,
    #[schema(value_type = Option<Vec<WebhookEventType>>, min_items = 1)]
    pub events: Option<Vec<String>>,
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(max_length = 500)]
    pub description: Option<Option<String>>,
    #[schema(value_type = Option<WebhookFormat>)]
    pub format: Option<String>,
}

impl From<WebhookCreate> for app::webhooks::WebhookInput {
    fn from(w: WebhookCreate) -> Self {
        Self {
            url: Some(w.url),
            events: Some(w.events),
            active: w.active,
            description: Some(w.description),
            format: w.format,
        }
    }
}

impl From<WebhookPatch> for app::webhooks::WebhookInput {
    fn from(w: WebhookPatch) -> Self {
        Self {
            url: w.url,
            events: w.events,
            active: w.active,
            description: w.description,
            format: w.format,
        }
    }
}

/// A field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ArticleKind {
    Standard,
    Live,
    Opinion,
    Analysis,
    Explainer,
    Gallery,
    Video,
    Obituary,
    Sponsored,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Free,
    Metered,
    Subscriber,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LiveState {
    Live,
    Ended,
}

/// A new post of a live article: `body` or `bodyText` is required.
/// Unknown fields are refused (400).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PostCreate {
    #[schema(max_length = 200)]
    pub headline: Option<String>,
    /// Structured blocks; give `body` or `bodyText`.
    #[schema(value_type = Option<BodyInput>)]
    pub body: Option<app::import::BodyInput>,
    /// Plain text, paragraphs separated by blank lines.
    pub body_text: Option<String>,
    /// An author's slug.
    pub author: Option<String>,
    pub pinned: Option<bool>,
    pub key_event: Option<bool>,
}

/// A change to a post: absent = unchanged, `null` clears `headline` or
/// `author`. Unknown fields are refused (400).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PostPatch {
    #[serde(default, deserialize_with = "present")]
    #[schema(max_length = 200)]
    pub headline: Option<Option<String>>,
    #[schema(value_type = Option<BodyInput>)]
    pub body: Option<app::import::BodyInput>,
    pub body_text: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub author: Option<Option<String>>,
    pub pinned: Option<bool>,
    pub key_event: Option<bool>,
}

fn post_body(
    body: Option<app::import::BodyInput>,
    text: Option<String>,
) -> Result<Option<app::import::BodyInput>, app::AppError> {
    match (body, text) {
        (Some(_), Some(_)) => Err(app::AppError::invalid(
            "body",
            "give body or bodyText, not both",
        )),
        (Some(b), None) => Ok(Some(b)),
        (None, Some(t)) => Ok(Some(app::import::BodyInput::Text(t))),
        (None, None) => Ok(None),
    }
}

impl PostCreate {
    pub fn into_fields(self) -> Result<app::live::PostFields, app::AppError> {
        Ok(app::live::PostFields {
            headline: Some(self.headline),
            body: post_body(self.body, self.body_text)?,
            author: self.author.map(Some),
            pinned: self.pinned,
            key_event: self.key_event,
        })
    }
}

impl PostPatch {
    pub fn into_fields(self) -> Result<app::live::PostFields, app::AppError> {
        Ok(app::live::PostFields {
            headline: self.headline,
            body: post_body(self.body, self.body_text)?,
            author: self.author,
            pinned: self.pinned,
            key_event: self.key_event,
        })
    }
}

/// A point in a picture, each coordinate 0–1 from the top left.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct FocalPointView {
    pub x: f64,
    pub y: f64,
}

/// One ready-made size of a picture.
#[derive(Debug, Serialize, ToSchema)]
pub struct RenditionView {
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub mime: String,
}
