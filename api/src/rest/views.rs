//! Wire shapes of the REST API (camelCase JSON), built from domain types.
//! Kept apart from the domain so the contract changes only on purpose.

use chrono::{DateTime, Utc};
use domain::bangla::{self, BanglaDate, Edition};
use domain::block::{body_html, body_text, reading_minutes};
use domain::{
    Article, ArticleSummary, Author, Block, Comment, CommentThread, Correction, Image, Section,
    SectionNode, Tag,
};
use persistence::{ArticleRef, CommentStats};
use serde::Serialize;
use utoipa::ToSchema;

use super::fields::FieldSet;
use app::comments::comment_html;
use app::content::Refs;

pub use crate::http::wire::{PageInfoView, rfc3339};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SectionRefView {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub name_en: Option<String>,
    /// The language `name` is written in (BCP 47).
    pub language: String,
}

impl SectionRefView {
    pub fn new(s: &Section) -> Self {
        Self {
            id: s.id.to_string(),
            slug: s.slug.clone(),
            name: s.name.clone(),
            name_en: s.name_en.clone(),
            language: s.language.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthorView {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// The English byline, when `name` is not English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// The language `name` is written in (BCP 47).
    pub language: String,
    pub bio: Option<String>,
    /// An outside URL, or the 320-wide JPEG of an uploaded avatar.
    pub avatar_url: Option<String>,
    /// An uploaded avatar with its renditions.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::openapi::schema::Image>)]
    pub avatar: Option<Image>,
}

impl AuthorView {
    pub fn new(a: &Author) -> Self {
        Self {
            id: a.id.to_string(),
            slug: a.slug.clone(),
            name: a.name.clone(),
            name_en: a.name_en.clone(),
            language: a.language.clone(),
            bio: a.bio.clone(),
            avatar_url: a.avatar_url.clone(),
            avatar: a.avatar.as_deref().cloned(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagView {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// The English name, when `name` is not English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// The language `name` is written in (BCP 47).
    pub language: String,
}

impl TagView {
    pub fn new(t: &Tag) -> Self {
        Self {
            id: t.id.to_string(),
            slug: t.slug.clone(),
            name: t.name.clone(),
            name_en: t.name_en.clone(),
            language: t.language.clone(),
        }
    }
}

/// An article in a list, every field (`ArticleSummarySparse` in the
/// OpenAPI document is the shape with `fields=`: `id` and the named ones).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticleSummaryView {
    pub id: String,
    pub slug: String,
    pub headline: String,
    pub kicker: Option<String>,
    pub summary: Option<String>,
    pub section: Option<SectionRefView>,
    pub authors: Vec<AuthorView>,
    pub desk: Option<String>,
    pub tags: Vec<TagView>,
    #[schema(value_type = Option<crate::openapi::schema::Image>)]
    pub image: Option<Image>,
    #[schema(value_type = crate::openapi::schema::ArticleStatus)]
    pub status: &'static str,
    #[schema(format = DateTime)]
    pub published_at: Option<String>,
    pub published_at_bn: Option<String>,
    #[schema(format = DateTime)]
    pub updated_at: String,
    pub updated_at_bn: String,
    /// `publishedAt` as a reader of `?locale=` reads it (Asia/Dhaka): `12
    /// November 2024, 11:31 AM`; only with `locale`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub published_at_local: Option<String>,
    /// `updatedAt` likewise; only with `locale`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub updated_at_local: Option<String>,
    pub word_count: u32,
    pub reading_minutes: u32,
    /// What kind of piece: `standard`, `live` (a live page, posts at
    /// `/v1/articles/{id}/posts`), `opinion`, `analysis`, `explainer`,
    /// `gallery`, `video`, `obituary` or `sponsored`.
    #[schema(value_type = crate::openapi::schema::ArticleKind)]
    pub kind: &'static str,
    /// A live page's state (`live`, `ended`); `null` for a standard article.
    #[schema(value_type = Option<crate::openapi::schema::LiveState>)]
    pub live_state: Option<&'static str>,
    /// The kind's label for readers, in the article's language
    /// (মতামত, বিশ্লেষণ, বিজ্ঞাপন, …; Opinion, Sponsored, … in English);
    /// `null` for a standard story.
    pub kind_label: Option<&'static str>,
    /// Paid content (kind `sponsored`): show it as such.
    pub sponsored: bool,
    /// Who may read it on the site (`free`, `metered`, `subscriber`); the
    /// API serves the whole article either way.
    #[schema(value_type = crate::openapi::schema::Access)]
    pub access: &'static str,
    /// BCP 47 tag of its language: `bn`, `en`, `en-GB`, ...
    pub language: String,
}

impl ArticleSummaryView {
    pub fn new(a: &ArticleSummary, refs: &Refs) -> Self {
        Self::sparse(a, refs, &FieldSet::all())
    }

    /// Only the fields in `f` are filled (the others are never sent).
    pub fn sparse(a: &ArticleSummary, refs: &Refs, f: &FieldSet) -> Self {
        Self {
            id: a.id.to_string(),
            slug: f.when("slug", || a.slug.clone()),
            headline: f.when("headline", || a.headline.clone()),
            kicker: f.when("kicker", || a.kicker.clone()),
            summary: f.when("summary", || a.summary.clone()),
            section: f.when("section", || {
                refs.sections.get(&a.section_id).map(SectionRefView::new)
            }),
            authors: f.when("authors", || {
                refs.authors_of(a).map(AuthorView::new).collect()
            }),
            desk: f.when("desk", || a.desk.clone()),
            tags: f.when("tags", || refs.tags_of(a).map(TagView::new).collect()),
            image: f.when("image", || a.image.clone()),
            status: a.status.as_str(),
            published_at: f.when("publishedAt", || a.published_at.map(rfc3339)),
            published_at_bn: f.when("publishedAtBn", || {
                a.published_at.map(bangla::format_datetime_bn)
            }),
            updated_at: f.when("updatedAt", || rfc3339(a.updated_at)),
            updated_at_bn: f.when("updatedAtBn", || bangla::format_datetime_bn(a.updated_at)),
            published_at_local: f
                .locale
                .and_then(|l| f.when("publishedAtLocal", || a.published_at.map(|t| l.datetime(t)))),
            updated_at_local: f
                .locale
                .and_then(|l| f.when("updatedAtLocal", || Some(l.datetime(a.updated_at)))),
            word_count: a.word_count,
            reading_minutes: reading_minutes(a.word_count as usize),
            kind: a.kind.as_str(),
            live_state: a.live_state.map(|l| l.as_str()),
            kind_label: a.kind.label_in(&a.language),
            sponsored: a.kind.is_sponsored(),
            access: a.access.as_str(),
            language: f.when("language", || a.language.clone()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CorrectionView {
    #[schema(value_type = crate::openapi::schema::CorrectionKind)]
    pub kind: domain::CorrectionKind,
    pub text: String,
    #[schema(format = DateTime)]
    pub at: String,
    pub at_bn: String,
}

/// An article page, every field (`ArticleSparse` in the OpenAPI document
/// is the shape with `fields=`: `id` and the named ones).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticleView {
    #[serde(flatten)]
    pub summary: ArticleSummaryView,
    #[schema(value_type = Vec<crate::openapi::schema::Block>)]
    pub body: Vec<Block>,
    pub body_html: String,
    pub body_text: String,
    pub source: Option<String>,
    pub source_url: Option<String>,
    pub dateline: Option<String>,
    pub secondary_sections: Vec<SectionRefView>,
    #[schema(format = DateTime)]
    pub first_published_at: Option<String>,
    pub canonical_url: Option<String>,
    /// The id shared by every version of this story in other languages
    /// (`translationOf`): its first article's, or while that one is not
    /// public, its lowest public version's; an article without
    /// translations has its own.
    pub translation_group: String,
    pub corrections: Vec<CorrectionView>,
    /// Approved comments (replies included).
    pub comment_count: u64,
    /// Whether readers may post comments.
    pub comments_open: bool,
}

impl ArticleView {
    pub fn new(a: &Article, refs: &Refs, comments: CommentStats) -> Self {
        Self::sparse(a, refs, comments, &FieldSet::all())
    }

    /// Only the fields in `f` are filled (the others are never sent).
    pub fn sparse(a: &Article, refs: &Refs, comments: CommentStats, f: &FieldSet) -> Self {
        Self {
            summary: ArticleSummaryView::sparse(&a.summary, refs, f),
            body: f.when("body", || a.body.clone()),
            body_html: f.when("bodyHtml", || body_html(&a.body)),
            body_text: f.when("bodyText", || body_text(&a.body)),
            source: f.when("source", || a.source.clone()),
            source_url: f.when("sourceUrl", || a.source_url.clone()),
            dateline: f.when("dateline", || a.dateline.clone()),
            secondary_sections: f.when("secondarySections", || {
                a.secondary_section_ids
                    .iter()
                    .filter_map(|id| refs.sections.get(id))
                    .map(SectionRefView::new)
                    .collect()
            }),
            first_published_at: f.when("firstPublishedAt", || a.first_published_at.map(rfc3339)),
            canonical_url: f.when("canonicalUrl", || a.canonical_url.clone()),
            translation_group: f.when("translationGroup", || a.story().to_string()),
            corrections: f.when("corrections", || {
                a.corrections.iter().map(correction).collect()
            }),
            comment_count: comments.count,
            comments_open: comments.open,
        }
    }
}

fn correction(c: &Correction) -> CorrectionView {
    CorrectionView {
        kind: c.kind,
        text: c.text.clone(),
        at: rfc3339(c.at),
        at_bn: bangla::format_datetime_bn(c.at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SectionView {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub name_en: Option<String>,
    /// The language `name` is written in (BCP 47).
    pub language: String,
    pub description: Option<String>,
    pub position: i32,
    pub parent: Option<SectionRefView>,
    #[schema(no_recursion)]
    pub children: Vec<SectionView>,
}

impl SectionView {
    pub fn tree(node: &SectionNode, parent: Option<&Section>) -> Self {
        Self {
            id: node.section.id.to_string(),
            slug: node.section.slug.clone(),
            name: node.section.name.clone(),
            name_en: node.section.name_en.clone(),
            language: node.section.language.clone(),
            description: node.section.description.clone(),
            position: node.section.position,
            parent: parent.map(SectionRefView::new),
            children: node
                .children
                .iter()
                .map(|c| Self::tree(c, Some(&node.section)))
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListView<T> {
    pub data: Vec<T>,
    pub page: PageInfoView,
}

impl<T> ListView<T> {
    /// A page of the admin logs (audit, deliveries), newest first, read
    /// with one row more than `limit`: that row only says there is more,
    /// and the cursor is the last shown row's id.
    pub fn by_id<R>(
        rows: Vec<R>,
        limit: u64,
        id: impl Fn(&R) -> i64,
        view: impl Fn(&R) -> T,
    ) -> Self {
        let has_more = rows.len() as u64 > limit;
        let rows = &rows[..rows.len().min(usize::try_from(limit).unwrap_or(usize::MAX))];
        Self {
            page: PageInfoView {
                next_cursor: if has_more {
                    rows.last().map(|r| id(r).to_string())
                } else {
                    None
                },
                has_more,
                total: None,
            },
            data: rows.iter().map(view).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DataView<T> {
    pub data: T,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BanglaDateView {
    pub day: u32,
    pub month: &'static str,
    pub month_number: u32,
    pub year: i32,
    pub text: String,
}

impl BanglaDateView {
    pub fn new(b: &BanglaDate) -> Self {
        Self {
            day: b.day,
            month: b.month_name(),
            month_number: b.month,
            year: b.year,
            text: b.text(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EditionView {
    pub line: String,
    /// The line in `?locale=` (`en`: `Dhaka, Thursday 14 November 2024 |
    /// 29 Kartik 1431`); only with `locale`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub line_local: Option<String>,
    pub place: String,
    #[schema(format = Date)]
    pub date: String,
    pub weekday: &'static str,
    pub gregorian: String,
    pub bangla: BanglaDateView,
}

impl EditionView {
    pub fn new(e: &Edition) -> Self {
        Self::localised(e, None)
    }

    pub fn localised(e: &Edition, locale: Option<bangla::Locale>) -> Self {
        Self {
            line: e.line.clone(),
            line_local: locale.map(|l| match l {
                bangla::Locale::Bn => e.line.clone(),
                bangla::Locale::En => e.line_en(&bangla::place_en(&e.place)),
            }),
            place: e.place.clone(),
            date: e.date.to_string(),
            weekday: e.weekday,
            gregorian: e.gregorian.clone(),
            bangla: BanglaDateView::new(&e.bangla),
        }
    }
}

/// An article as editors see it: every field of the public view plus the
/// editorial state.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminArticleView {
    #[serde(flatten)]
    pub article: ArticleView,
    pub version: i32,
    pub external_id: Option<String>,
    #[schema(format = DateTime)]
    pub publish_at: Option<String>,
    #[schema(format = DateTime)]
    pub embargo_until: Option<String>,
    pub unpublish_reason: Option<String>,
    #[schema(format = DateTime)]
    pub deleted_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Whether the public can see it right now.
    pub is_public: bool,
}

impl AdminArticleView {
    pub fn new(a: &Article, refs: &Refs, comments: CommentStats, now: DateTime<Utc>) -> Self {
        Self {
            article: ArticleView::new(a, refs, comments),
            version: a.version,
            external_id: a.external_id.clone(),
            publish_at: a.publish_at.map(rfc3339),
            embargo_until: a.embargo_until.map(rfc3339),
            unpublish_reason: a.unpublish_reason.clone(),
            deleted_at: a.deleted_at.map(rfc3339),
            created_at: rfc3339(a.created_at),
            is_public: domain::is_public(
                a.summary.status,
                a.summary.published_at,
                a.publish_at,
                a.embargo_until,
                now,
            ),
        }
    }
}

/// A desk list item (any status).
pub fn admin_summary(a: &ArticleSummary, refs: &Refs) -> ArticleSummaryView {
    ArticleSummaryView::new(a, refs)
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RevisionView {
    pub number: i32,
    pub action: String,
    pub changed: Vec<String>,
    pub actor_key_id: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The whole article as it was after this revision (single revision only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub snapshot: Option<serde_json::Value>,
}

impl RevisionView {
    pub fn new(r: &domain::Revision, with_snapshot: bool) -> Self {
        Self {
            number: r.number,
            action: r.action.clone(),
            changed: r.changed.clone(),
            actor_key_id: r.actor_key_id.map(|k| k.to_string()),
            created_at: rfc3339(r.created_at),
            snapshot: with_snapshot.then(|| r.snapshot.clone()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryView {
    pub id: String,
    pub actor_key_id: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    #[schema(format = DateTime)]
    pub at: String,
}

impl AuditEntryView {
    pub fn new(e: &domain::AuditEntry) -> Self {
        Self {
            id: e.id.to_string(),
            actor_key_id: e.actor_key_id.map(|k| k.to_string()),
            action: e.action.clone(),
            target_type: e.target_type.clone(),
            target_id: e.target_id.clone(),
            details: e.details.clone(),
            at: rfc3339(e.at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    pub id: String,
    pub name: String,
    #[schema(value_type = crate::openapi::schema::Scope)]
    pub scope: &'static str,
    pub prefix: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
}

impl KeyView {
    pub fn new(k: &domain::ApiKey) -> Self {
        Self {
            id: k.id.to_string(),
            name: k.name.clone(),
            scope: k.scope.as_str(),
            prefix: k.prefix.clone(),
            created_at: rfc3339(k.created_at),
            revoked_at: k.revoked_at.map(rfc3339),
        }
    }
}

/// A reader's comment. `text` is plain text (put it in a page as text);
/// `html` is the same text made safe to insert as HTML: escaped, line
/// breaks as `<br>`, URLs as `rel="nofollow ugc"` links, nothing else.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentView {
    pub id: String,
    pub article_id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub text: String,
    pub html: String,
    #[schema(value_type = crate::openapi::schema::CommentStatus)]
    pub status: &'static str,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub created_at_bn: String,
    /// Approved replies, oldest first (threads in a list only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub replies: Option<Vec<CommentView>>,
    /// All approved replies, when there are more than `replies` shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_count: Option<u64>,
}

impl CommentView {
    pub fn new(c: &Comment) -> Self {
        Self {
            id: c.id.to_string(),
            article_id: c.article_id.to_string(),
            parent_id: c.parent_id.map(|p| p.to_string()),
            name: c.name.clone(),
            text: c.text.clone(),
            html: comment_html(&c.text),
            status: c.status.as_str(),
            created_at: rfc3339(c.created_at),
            created_at_bn: bangla::format_datetime_bn(c.created_at),
            replies: None,
            reply_count: None,
        }
    }

    pub fn thread(t: &CommentThread) -> Self {
        Self {
            replies: Some(t.replies.iter().map(Self::new).collect()),
            reply_count: Some(t.reply_count),
            ..Self::new(&t.comment)
        }
    }
}

/// An article's approved comment threads, oldest first, with what the
/// comment box needs.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentListView {
    pub data: Vec<CommentView>,
    pub page: PageInfoView,
    pub comment_count: u64,
    pub comments_open: bool,
    /// Send back as `formToken` with a new comment; absent when closed.
    pub form_token: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticleRefView {
    pub id: String,
    pub slug: String,
    pub headline: String,
}

impl ArticleRefView {
    pub fn new(a: &ArticleRef) -> Self {
        Self {
            id: a.id.to_string(),
            slug: a.slug.clone(),
            headline: a.headline.clone(),
        }
    }
}

/// A comment as moderators see it: any status, with its article and the
/// last decision.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModerationCommentView {
    #[serde(flatten)]
    pub comment: CommentView,
    pub article: Option<ArticleRefView>,
    #[schema(format = DateTime)]
    pub moderated_at: Option<String>,
    pub moderated_by: Option<String>,
    pub reason: Option<String>,
}

impl ModerationCommentView {
    pub fn new(c: &Comment, article: Option<&ArticleRef>) -> Self {
        Self {
            comment: CommentView::new(c),
            article: article.map(ArticleRefView::new),
            moderated_at: c.moderated_at.map(rfc3339),
            moderated_by: c.moderated_by.map(|k| k.to_string()),
            reason: c.reason.clone(),
        }
    }
}

/// An article's comment settings after an editor changed them.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentSettingsView {
    pub article_id: String,
    pub comments_open: bool,
    pub comment_count: u64,
}

/// A webhook (admin). The signing secret is shown only when the webhook
/// is created and when the secret is rotated (`secret`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    #[schema(value_type = Vec<crate::openapi::schema::WebhookEventType>)]
    pub events: Vec<&'static str>,
    pub active: bool,
    pub description: Option<String>,
    /// How an article is sent: `public` (as `/v1/articles/{id}` shows it)
    /// or `ninjs` (IPTC ninjs 3.1).
    #[schema(value_type = crate::openapi::schema::WebhookFormat)]
    pub format: String,
    /// Why the server turned the webhook off (every retry of a delivery
    /// failed); cleared by turning it on.
    pub disabled_reason: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// The signing secret (`whsec_…`), in the answers of create and
    /// rotate only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookView {
    pub fn new(h: &persistence::Webhook, with_secret: bool) -> Self {
        Self {
            id: h.id.to_string(),
            url: h.url.clone(),
            events: h.events.iter().map(|e| e.as_str()).collect(),
            active: h.active,
            description: h.description.clone(),
            format: h.format.clone(),
            disabled_reason: h.disabled_reason.clone(),
            created_at: rfc3339(h.created_at),
            updated_at: rfc3339(h.updated_at),
            secret: with_secret.then(|| h.secret.clone()),
        }
    }
}

/// One delivery of one event to one webhook.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    pub id: String,
    pub webhook_id: String,
    /// The `webhook-id` header: the same on every attempt (deduplicate
    /// by it).
    pub message_id: String,
    /// The payload's `id`.
    pub event_id: String,
    #[schema(value_type = crate::openapi::schema::WebhookEventTypeOrPing)]
    pub event_type: &'static str,
    /// `pending`, `succeeded`, `failed` (every retry failed) or `skipped`
    /// (nothing public left to announce at delivery time).
    #[schema(value_type = crate::openapi::schema::DeliveryStatus)]
    pub status: &'static str,
    pub attempts: i32,
    /// The receiver's status code on the last attempt.
    pub response_status: Option<i32>,
    /// Milliseconds to the receiver's answer on the last attempt.
    pub latency_ms: Option<i32>,
    pub error: Option<String>,
    /// The start of the receiver's answer (at most 256 bytes).
    pub response_excerpt: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub last_attempt_at: Option<String>,
    /// When it is tried next (pending only).
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
    #[schema(format = DateTime)]
    pub delivered_at: Option<String>,
}

impl DeliveryView {
    pub fn new(d: &persistence::Delivery) -> Self {
        Self {
            id: d.id.to_string(),
            webhook_id: d.webhook_id.to_string(),
            message_id: format!("msg_{}", d.id),
            event_id: format!("evt_{}", d.event.id),
            event_type: d.event.kind.as_str(),
            status: d.status.as_str(),
            attempts: d.attempts,
            response_status: d.response_status,
            latency_ms: d.latency_ms,
            error: d.error.clone(),
            response_excerpt: d.response_excerpt.clone(),
            created_at: rfc3339(d.created_at),
            last_attempt_at: d.last_attempt_at.map(rfc3339),
            next_attempt_at: d.next_attempt_at.map(rfc3339),
            delivered_at: d.delivered_at.map(rfc3339),
        }
    }
}

/// One post of a live page.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PostView {
    pub id: String,
    pub article_id: String,
    pub headline: Option<String>,
    #[schema(value_type = Vec<crate::openapi::schema::Block>)]
    pub body: Vec<Block>,
    pub body_html: String,
    pub author: Option<AuthorView>,
    /// Shown above the newest posts.
    pub pinned: bool,
    /// A key event (`?keyEvents=1` lists only these).
    pub key_event: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub created_at_bn: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl PostView {
    pub fn new(p: &domain::live::LivePost, authors: &[Author]) -> Self {
        Self {
            id: p.id.to_string(),
            article_id: p.article_id.to_string(),
            headline: p.headline.clone(),
            body_html: body_html(&p.body),
            body: p.body.clone(),
            author: p
                .author_id
                .and_then(|id| authors.iter().find(|a| a.id == id))
                .map(AuthorView::new),
            pinned: p.pinned,
            key_event: p.key_event,
            created_at: rfc3339(p.created_at),
            created_at_bn: bangla::format_datetime_bn(p.created_at),
            updated_at: rfc3339(p.updated_at),
        }
    }
}

/// A page of a live article's posts.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PostsView {
    /// Newest first.
    pub data: Vec<PostView>,
    /// Pinned posts, on the newest page only.
    pub pinned: Vec<PostView>,
    pub page: PostsPageView,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PostsPageView {
    /// `after=` for the older posts; `null` at the oldest.
    pub next_cursor: Option<String>,
    /// `before=` for the newer posts; `null` on the newest page.
    pub previous_cursor: Option<String>,
    pub has_more: bool,
    /// Give this as `Last-Event-ID` to
    /// `/v1/articles/{id}/posts/stream` to get every change after this
    /// page was read (newest page only).
    pub last_event_id: Option<String>,
}
