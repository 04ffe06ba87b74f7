//! The content model: articles, sections, authors, tags, and the visibility rule.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::block::{Block, Image};
use crate::error::ValidationError;

/// Where an article is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    Draft,
    Scheduled,
    Published,
    Unpublished,
}

impl ArticleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Published => "published",
            Self::Unpublished => "unpublished",
        }
    }
}

impl fmt::Display for ArticleStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ArticleStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "draft" => Ok(Self::Draft),
            "scheduled" => Ok(Self::Scheduled),
            "published" => Ok(Self::Published),
            "unpublished" => Ok(Self::Unpublished),
            _ => Err(ValidationError::new(
                "status",
                "must be one of draft, scheduled, published, unpublished",
            )),
        }
    }
}

/// The visibility rule, in one place: an article is public iff its status is
/// published, it has a publication time, and neither that time, its scheduled
/// go-live (`publish_at`) nor its embargo lies in the future.
///
/// A scheduled article (its `published_at` set to its `publish_at`) becomes
/// public at that instant: going live must not wait for a background job to
/// flip its status. Every query filters with the same rule
/// (`persistence` mirrors it in SQL and tests hold the two together).
pub fn is_public(
    status: ArticleStatus,
    published_at: Option<DateTime<Utc>>,
    publish_at: Option<DateTime<Utc>>,
    embargo_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    let live = match status {
        ArticleStatus::Published => true,
        ArticleStatus::Scheduled => publish_at.is_some(),
        ArticleStatus::Draft | ArticleStatus::Unpublished => false,
    };
    live && published_at.is_some_and(|t| t <= now)
        && publish_at.is_none_or(|t| t <= now)
        && embargo_until.is_none_or(|t| t <= now)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Section {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub name_en: Option<String>,
    /// The language `name` is written in (BCP 47; `bn` unless set).
    #[serde(default = "bengali")]
    pub language: String,
    pub parent_id: Option<i64>,
    pub position: i32,
    pub description: Option<String>,
}

/// A section with its children, for the section tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionNode {
    pub section: Section,
    pub children: Vec<SectionNode>,
}

impl SectionNode {
    /// Builds the forest from a flat list, ordered by position then name.
    /// Sections whose parent is missing are treated as roots; cycles cannot
    /// make it loop (each section is placed once).
    pub fn forest(sections: &[Section]) -> Vec<SectionNode> {
        let ids: HashSet<i64> = sections.iter().map(|s| s.id).collect();
        let mut children: HashMap<Option<i64>, Vec<&Section>> = HashMap::new();
        for s in sections {
            let parent = s.parent_id.filter(|p| ids.contains(p) && *p != s.id);
            children.entry(parent).or_default().push(s);
        }
        for list in children.values_mut() {
            list.sort_by(|a, b| a.position.cmp(&b.position).then(a.name.cmp(&b.name)));
        }
        let mut placed = HashSet::new();
        fn build(
            parent: Option<i64>,
            children: &HashMap<Option<i64>, Vec<&Section>>,
            placed: &mut HashSet<i64>,
        ) -> Vec<SectionNode> {
            let mut out = Vec::new();
            for s in children.get(&parent).map(Vec::as_slice).unwrap_or_default() {
                if placed.insert(s.id) {
                    out.push(SectionNode {
                        section: (*s).clone(),
                        children: build(Some(s.id), children, placed),
                    });
                }
            }
            out
        }
        build(None, &children, &mut placed)
    }
}

/// The ids of `root` and every section below it.
pub fn section_subtree(sections: &[Section], root: i64) -> Vec<i64> {
    let mut out = vec![root];
    let mut seen: HashSet<i64> = HashSet::from([root]);
    let mut i = 0;
    while let Some(&current) = out.get(i) {
        for s in sections {
            if s.parent_id == Some(current) && seen.insert(s.id) {
                out.push(s.id);
            }
        }
        i += 1;
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Author {
    pub id: i64,
    pub slug: String,
    pub name: String,
    /// The English display name, when `name` is not English.
    #[serde(default)]
    pub name_en: Option<String>,
    /// The language `name` is written in (BCP 47; `bn` unless set).
    #[serde(default = "bengali")]
    pub language: String,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    /// The avatar as an uploaded picture, with its renditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<Box<crate::block::Image>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    pub id: i64,
    pub slug: String,
    pub name: String,
    /// The English display name, when `name` is not English.
    #[serde(default)]
    pub name_en: Option<String>,
    /// The language `name` is written in (BCP 47; `bn` unless set).
    #[serde(default = "bengali")]
    pub language: String,
}

fn bengali() -> String {
    "bn".to_owned()
}

/// The name of a section, tag or author to show to readers of `language`
/// (a BCP 47 tag): the English name for English when `name` is in another
/// language and an English one is set, else `name`.
pub fn display_name<'a>(
    name: &'a str,
    name_language: &str,
    name_en: Option<&'a str>,
    language: &str,
) -> &'a str {
    let want = crate::text::primary_language(language);
    if want == "en" && crate::text::primary_language(name_language) != "en" {
        name_en.unwrap_or(name)
    } else {
        name
    }
}

impl Section {
    /// [`display_name`] of this section.
    pub fn name_in(&self, language: &str) -> &str {
        display_name(
            &self.name,
            &self.language,
            self.name_en.as_deref(),
            language,
        )
    }
}

impl Author {
    /// [`display_name`] of this author.
    pub fn name_in(&self, language: &str) -> &str {
        display_name(
            &self.name,
            &self.language,
            self.name_en.as_deref(),
            language,
        )
    }
}

impl Tag {
    /// [`display_name`] of this tag.
    pub fn name_in(&self, language: &str) -> &str {
        display_name(
            &self.name,
            &self.language,
            self.name_en.as_deref(),
            language,
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CorrectionKind {
    Correction,
    Clarification,
    Update,
}

/// A published correction note shown with an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Correction {
    pub kind: CorrectionKind,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// The list view of an article: what a list, a card or a feed item needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleSummary {
    pub id: i64,
    pub slug: String,
    pub headline: String,
    pub kicker: Option<String>,
    pub summary: Option<String>,
    pub section_id: i64,
    pub desk: Option<String>,
    pub image: Option<Image>,
    pub status: ArticleStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub word_count: u32,
    /// Flagged as breaking news until this instant.
    pub breaking_until: Option<DateTime<Utc>>,
    pub kind: ArticleKind,
    /// Set for a live page.
    pub live_state: Option<LiveState>,
    pub access: Access,
    /// BCP 47 tag of its language: `bn`, `en`, `en-GB`, ...
    pub language: String,
    /// Filled by the repository with one batched query per page.
    pub author_ids: Vec<i64>,
    pub tag_ids: Vec<i64>,
}

/// A whole article.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub summary: ArticleSummary,
    pub body: Vec<Block>,
    pub source: Option<String>,
    pub source_url: Option<String>,
    pub dateline: Option<String>,
    pub secondary_section_ids: Vec<i64>,
    pub publish_at: Option<DateTime<Utc>>,
    pub embargo_until: Option<DateTime<Utc>>,
    pub first_published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub version: i32,
    pub canonical_url: Option<String>,
    pub external_id: Option<String>,
    pub corrections: Vec<Correction>,
    /// Why it was taken down (when unpublished).
    pub unpublish_reason: Option<String>,
    /// Set when an editor deleted it (soft: kept with its revisions).
    pub deleted_at: Option<DateTime<Utc>>,
    /// The versions of this story in other languages share this group (the
    /// id of the group's first article); `None`: no translation linked.
    pub translation_group: Option<i64>,
}

impl Article {
    /// The story this article is a version of: its translation group, or
    /// its own id when nothing is linked to it (an anchor keeps `None`).
    pub fn story(&self) -> i64 {
        self.translation_group.unwrap_or(self.summary.id)
    }

    /// The editable state of the article (what a revision records).
    pub fn state(&self) -> ArticleState {
        let s = &self.summary;
        ArticleState {
            slug: s.slug.clone(),
            external_id: self.external_id.clone(),
            headline: s.headline.clone(),
            kicker: s.kicker.clone(),
            summary: s.summary.clone(),
            body: self.body.clone(),
            section_id: s.section_id,
            secondary_section_ids: self.secondary_section_ids.clone(),
            author_ids: s.author_ids.clone(),
            tag_ids: s.tag_ids.clone(),
            desk: s.desk.clone(),
            source: self.source.clone(),
            source_url: self.source_url.clone(),
            dateline: self.dateline.clone(),
            image: s.image.clone(),
            language: s.language.clone(),
            status: s.status,
            publish_at: self.publish_at,
            embargo_until: self.embargo_until,
            first_published_at: self.first_published_at,
            published_at: s.published_at,
            canonical_url: self.canonical_url.clone(),
            corrections: self.corrections.clone(),
            unpublish_reason: self.unpublish_reason.clone(),
            deleted_at: self.deleted_at,
            word_count: s.word_count,
            breaking_until: s.breaking_until,
            kind: s.kind,
            live_state: s.live_state,
            access: s.access,
            translation_group: self.translation_group,
        }
    }
}

/// What kind of piece an article is. `live` is a live page whose posts
/// arrive over time (a live blog); `sponsored` is paid content, labelled
/// as such on every surface; the others are labels for the reader (and
/// filters for the frontend). Every kind but `live` has a plain body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleKind {
    #[default]
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

impl ArticleKind {
    pub const ALL: [ArticleKind; 9] = [
        Self::Standard,
        Self::Live,
        Self::Opinion,
        Self::Analysis,
        Self::Explainer,
        Self::Gallery,
        Self::Video,
        Self::Obituary,
        Self::Sponsored,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Live => "live",
            Self::Opinion => "opinion",
            Self::Analysis => "analysis",
            Self::Explainer => "explainer",
            Self::Gallery => "gallery",
            Self::Video => "video",
            Self::Obituary => "obituary",
            Self::Sponsored => "sponsored",
        }
    }

    /// The reader-facing label in Bengali (মতামত, বিশ্লেষণ, …); `None` for
    /// a standard story.
    pub fn label_bn(self) -> Option<&'static str> {
        match self {
            Self::Standard => None,
            Self::Live => Some("সরাসরি"),
            Self::Opinion => Some("মতামত"),
            Self::Analysis => Some("বিশ্লেষণ"),
            Self::Explainer => Some("ব্যাখ্যা"),
            Self::Gallery => Some("ছবি"),
            Self::Video => Some("ভিডিও"),
            Self::Obituary => Some("শোক"),
            Self::Sponsored => Some("বিজ্ঞাপন"),
        }
    }

    /// The label for readers of `language` (BCP 47): English for `en`,
    /// else [`ArticleKind::label_bn`].
    pub fn label_in(self, language: &str) -> Option<&'static str> {
        if crate::text::primary_language(language) != "en" {
            return self.label_bn();
        }
        match self {
            Self::Standard => None,
            Self::Live => Some("Live"),
            Self::Opinion => Some("Opinion"),
            Self::Analysis => Some("Analysis"),
            Self::Explainer => Some("Explainer"),
            Self::Gallery => Some("Photos"),
            Self::Video => Some("Video"),
            Self::Obituary => Some("Obituary"),
            Self::Sponsored => Some("Sponsored"),
        }
    }

    /// Paid content: every output says so.
    pub fn is_sponsored(self) -> bool {
        self == Self::Sponsored
    }
}

impl FromStr for ArticleKind {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                ValidationError::new(
                    "kind",
                    "must be one of standard, live, opinion, analysis, explainer, gallery, video, obituary, sponsored",
                )
            })
    }
}

/// Who may read an article on the newsroom's site. The API serves the
/// whole article either way: enforcing a paywall is the frontend's job;
/// feeds can be set to carry only the summary of articles that are not free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    #[default]
    Free,
    /// Counts against a reader's free articles.
    Metered,
    /// Subscribers only.
    Subscriber,
}

impl Access {
    pub const ALL: [Access; 3] = [Self::Free, Self::Metered, Self::Subscriber];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Metered => "metered",
            Self::Subscriber => "subscriber",
        }
    }
}

impl FromStr for Access {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| ValidationError::new("access", "must be free, metered or subscriber"))
    }
}

/// Whether a live page is still being updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LiveState {
    Live,
    Ended,
}

impl LiveState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Ended => "ended",
        }
    }
}

impl FromStr for LiveState {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "live" => Ok(Self::Live),
            "ended" => Ok(Self::Ended),
            _ => Err(ValidationError::new("liveState", "must be live or ended")),
        }
    }
}

/// Everything an editor can change about an article: the unit of writes and
/// of revisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArticleState {
    pub slug: String,
    pub external_id: Option<String>,
    pub headline: String,
    pub kicker: Option<String>,
    pub summary: Option<String>,
    pub body: Vec<Block>,
    pub section_id: i64,
    pub secondary_section_ids: Vec<i64>,
    pub author_ids: Vec<i64>,
    pub tag_ids: Vec<i64>,
    pub desk: Option<String>,
    pub source: Option<String>,
    pub source_url: Option<String>,
    pub dateline: Option<String>,
    pub image: Option<Image>,
    pub language: String,
    pub status: ArticleStatus,
    pub publish_at: Option<DateTime<Utc>>,
    pub embargo_until: Option<DateTime<Utc>>,
    pub first_published_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub canonical_url: Option<String>,
    pub corrections: Vec<Correction>,
    pub unpublish_reason: Option<String>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub word_count: u32,
    pub breaking_until: Option<DateTime<Utc>>,
    /// Revisions older than live pages have none: standard.
    #[serde(default)]
    pub kind: ArticleKind,
    /// Set for a live page (`live` or `ended`), `None` otherwise.
    #[serde(default)]
    pub live_state: Option<LiveState>,
    /// Revisions older than access levels have none: free.
    #[serde(default)]
    pub access: Access,
    /// Linked translations share it (see [`Article::translation_group`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translation_group: Option<i64>,
}

impl ArticleState {
    /// The camelCase names of the fields that differ between two states.
    pub fn changed_fields(&self, other: &ArticleState) -> Vec<String> {
        let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
            (serde_json::to_value(self), serde_json::to_value(other))
        else {
            return Vec::new();
        };
        // Both ways round: a field left out when empty (a translation
        // group) is a change when only the new state has it.
        let mut changed: Vec<String> = a
            .iter()
            .filter(|(k, v)| b.get(*k) != Some(*v))
            .map(|(k, _)| k.clone())
            .chain(b.keys().filter(|k| !a.contains_key(*k)).cloned())
            .collect();
        changed.sort();
        changed
    }
}

/// Which of a set of links (tags, authors) an article must have: any of
/// `any` (when given), every one of `all`, none of `none`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IdSet {
    pub any: Vec<i64>,
    pub all: Vec<i64>,
    pub none: Vec<i64>,
}

impl IdSet {
    /// Exactly one id, to have.
    pub fn one(id: i64) -> Self {
        Self {
            any: vec![id],
            ..Default::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.any.is_empty() && self.all.is_empty() && self.none.is_empty()
    }

    /// The one id asked for, when that is the whole set.
    pub fn single(&self) -> Option<i64> {
        match (
            self.any.as_slice(),
            self.all.is_empty(),
            self.none.is_empty(),
        ) {
            ([id], true, true) => Some(*id),
            _ => None,
        }
    }

    /// A canonical spelling (ids sorted) for fingerprints.
    fn canonical(&self) -> String {
        let sorted = |v: &[i64]| {
            let mut v = v.to_vec();
            v.sort_unstable();
            v
        };
        format!(
            "{:?}/{:?}/{:?}",
            sorted(&self.any),
            sorted(&self.all),
            sorted(&self.none)
        )
    }
}

/// Filters for public article lists. Section ids are already expanded to the
/// whole subtree.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ArticleFilter {
    /// Articles filed (primary or secondary) in any of these sections.
    pub section_ids: Option<Vec<i64>>,
    /// The sections the client asked for (cursors are bound to them, not
    /// to their expanded subtrees, which change when sub-sections are
    /// added).
    pub section_roots: Vec<i64>,
    /// Articles filed (primary or secondary) in none of these sections
    /// (expanded), and the sections as asked.
    pub not_section_ids: Vec<i64>,
    pub not_section_roots: Vec<i64>,
    pub tags: IdSet,
    pub authors: IdSet,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub exclude_id: Option<i64>,
    /// Only these kinds (any of them); empty: every kind.
    pub kinds: Vec<ArticleKind>,
    /// Only these access levels; empty: every level.
    pub access: Vec<Access>,
    /// Only articles in these languages (primary subtags: `en` takes
    /// `en-GB` too); empty: every language.
    pub languages: Vec<String>,
}

impl ArticleFilter {
    /// A stable fingerprint of the filter, bound into its cursors.
    pub fn fingerprint(&self) -> u32 {
        let mut roots = self.section_roots.clone();
        roots.sort_unstable();
        // One section, one tag, one author: spelled as before multi-value
        // filters, so the cursors handed out then stay valid.
        let canonical = format!(
            "s={:?};t={:?};a={:?};f={:?};to={:?};x={:?}",
            Some(roots)
                .filter(|r| !r.is_empty())
                .or_else(|| self.section_ids.clone()),
            self.tags.single(),
            self.authors.single(),
            self.from.map(|t| t.timestamp_micros()),
            self.to.map(|t| t.timestamp_micros()),
            self.exclude_id
        );
        // Appended only when set, so cursors of filters without them stay valid.
        let mut canonical = canonical;
        if self.tags.single().is_none() && !self.tags.is_empty() {
            canonical.push_str(&format!(";ts={}", self.tags.canonical()));
        }
        if self.authors.single().is_none() && !self.authors.is_empty() {
            canonical.push_str(&format!(";as={}", self.authors.canonical()));
        }
        if !self.not_section_roots.is_empty() {
            let mut not = self.not_section_roots.clone();
            not.sort_unstable();
            canonical.push_str(&format!(";ns={not:?}"));
        }
        if !self.kinds.is_empty() {
            let mut kinds: Vec<&str> = self.kinds.iter().map(|k| k.as_str()).collect();
            kinds.sort_unstable();
            canonical.push_str(&format!(";k={kinds:?}"));
        }
        if !self.access.is_empty() {
            let mut access: Vec<&str> = self.access.iter().map(|a| a.as_str()).collect();
            access.sort_unstable();
            canonical.push_str(&format!(";ac={access:?}"));
        }
        if !self.languages.is_empty() {
            let mut languages = self.languages.clone();
            languages.sort_unstable();
            canonical.push_str(&format!(";l={languages:?}"));
        }
        crate::cursor::fingerprint(&canonical)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-11-14T06:00:00Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn only_published_articles_in_the_past_are_public() {
        let past = Some(now() - Duration::hours(1));
        let future = Some(now() + Duration::hours(1));
        use ArticleStatus::*;
        assert!(is_public(Published, past, None, None, now()));
        assert!(is_public(Published, Some(now()), None, None, now()));
        assert!(!is_public(Published, None, None, None, now()));
        assert!(!is_public(Published, future, None, None, now()));
        assert!(!is_public(Published, past, future, None, now()));
        assert!(!is_public(Published, past, None, future, now()));
        assert!(is_public(Published, past, past, past, now()));
        assert!(!is_public(Draft, past, None, None, now()));
        assert!(!is_public(Unpublished, past, None, None, now()));
        assert!(!is_public(Scheduled, future, future, None, now()));
        assert!(!is_public(Scheduled, past, None, None, now()));
        assert!(is_public(Scheduled, past, past, None, now()));
        assert!(!is_public(Scheduled, past, past, future, now()));
    }

    fn section(id: i64, parent: Option<i64>, position: i32) -> Section {
        Section {
            id,
            slug: format!("s{id}"),
            name: format!("S{id}"),
            name_en: None,
            language: "bn".into(),
            parent_id: parent,
            position,
            description: None,
        }
    }

    #[test]
    fn subtree_includes_all_descendants_and_survives_cycles() {
        let s = vec![
            section(1, None, 1),
            section(2, Some(1), 1),
            section(3, Some(2), 1),
            section(4, None, 2),
            section(5, Some(6), 1),
            section(6, Some(5), 1),
        ];
        let mut sub = section_subtree(&s, 1);
        sub.sort();
        assert_eq!(sub, vec![1, 2, 3]);
        assert_eq!(section_subtree(&s, 4), vec![4]);
        let mut cyc = section_subtree(&s, 5);
        cyc.sort();
        assert_eq!(cyc, vec![5, 6]);
    }

    #[test]
    fn forest_orders_children_by_position() {
        let s = vec![
            section(1, None, 2),
            section(2, None, 1),
            section(3, Some(1), 1),
        ];
        let forest = SectionNode::forest(&s);
        assert_eq!(
            forest.iter().map(|n| n.section.id).collect::<Vec<_>>(),
            vec![2, 1]
        );
        assert_eq!(forest[1].children[0].section.id, 3);
    }

    #[test]
    fn filters_with_different_values_have_different_fingerprints() {
        let a = ArticleFilter {
            tags: IdSet::one(1),
            ..Default::default()
        };
        let b = ArticleFilter {
            tags: IdSet::one(2),
            ..Default::default()
        };
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint(), a.clone().fingerprint());
        // Any of two, all of two and none of two are three filters; the
        // order they were given in is not.
        let set = |any: Vec<i64>, all: Vec<i64>, none: Vec<i64>| ArticleFilter {
            tags: IdSet { any, all, none },
            ..Default::default()
        };
        let any = set(vec![1, 2], vec![], vec![]).fingerprint();
        assert_eq!(any, set(vec![2, 1], vec![], vec![]).fingerprint());
        assert_ne!(any, set(vec![], vec![1, 2], vec![]).fingerprint());
        assert_ne!(any, set(vec![1], vec![], vec![2]).fingerprint());
        assert_ne!(a.fingerprint(), set(vec![1], vec![], vec![3]).fingerprint());
        let not = ArticleFilter {
            not_section_roots: vec![4],
            ..Default::default()
        };
        assert_ne!(not.fingerprint(), ArticleFilter::default().fingerprint());
    }

    #[test]
    fn status_parses_its_own_names_only() {
        for s in ["draft", "scheduled", "published", "unpublished"] {
            assert_eq!(s.parse::<ArticleStatus>().unwrap().as_str(), s);
        }
        assert!("Published".parse::<ArticleStatus>().is_err());
    }
}
