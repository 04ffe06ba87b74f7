//! Discovery: search, related stories ("আরও পড়ুন"), most read, collections
//! and the front page. Every list is re-checked against the database's
//! visibility rule before it is served.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, DurationRound, Utc};
use domain::bangla::Edition;
use domain::{
    ApiKey, Article, ArticleFilter, ArticleId, ArticleKey, ArticleSummary, Limit, PageRequest,
    Section, Slug, ValidationError, section_subtree,
};
use persistence::{Collection, CollectionKind, WriteContext};
use sha2::{Digest, Sha256};

use crate::content::ContentService;
use crate::error::AppError;
use crate::events::Change;
use crate::fields;
use crate::search::{Hit, SearchIndex, SearchRequest, SortBy};

/// Candidates the similarity query fetches for related stories, before
/// re-ranking and the visibility check.
const RELATED_CANDIDATES: usize = 30;
/// Summaries read beyond those a related list needs, in case some stopped
/// being public since the search index last synced.
const RELATED_SPARE: usize = 2;
/// Word overlap (Jaccard, over the openings) above which a candidate is a
/// copy of the source rather than another report: only near-identical
/// copies are dropped, since several outlets' reports of one event share
/// much of their wording.
const NEAR_DUPLICATE: f32 = 0.9;
/// How long a kept related list is served before it is computed again,
/// whatever the sync forgot: a story that resembles a change without being
/// among its nearest candidates (the measure is not symmetric) reaches
/// the list by then.
const KEPT_FOR: Duration = Duration::hours(6);
/// Changed articles one sync follows one by one to forget the related
/// lists they alter; beyond, every list is forgotten.
const FORGET_ONE_BY_ONE: usize = 100;

/// The re-ranking's version: a kept list computed by another is computed
/// again (so is one computed over another index version).
pub const RANKING_VERSION: u32 = 1;

/// A kept related list as stored.
#[derive(serde::Serialize, serde::Deserialize)]
struct KeptList {
    ranking: u32,
    index: u32,
    items: Vec<Kept>,
}

/// A kept related story: its id and scores (`RelatedReason` without the
/// pick flag, which is read when served), as a JSON array.
#[derive(serde::Serialize, serde::Deserialize)]
struct Kept(i64, f32, f32, f32, f32, f32);

impl From<&(i64, RelatedReason)> for Kept {
    fn from((id, r): &(i64, RelatedReason)) -> Self {
        Self(
            *id,
            r.content,
            r.shared_tags,
            r.same_section,
            r.recency,
            r.score,
        )
    }
}

impl Kept {
    fn into_pair(self) -> (i64, RelatedReason) {
        let Kept(id, content, shared_tags, same_section, recency, score) = self;
        (
            id,
            RelatedReason {
                picked: false,
                content,
                shared_tags,
                same_section,
                recency,
                score,
            },
        )
    }
}

/// The public ones of `ids` (an editor's picks) from `found`, in order, as
/// picks; at most `limit`.
fn picks_in_order(
    ids: &[i64],
    found: &mut HashMap<i64, ArticleSummary>,
    limit: usize,
) -> Vec<(ArticleSummary, RelatedReason)> {
    ids.iter()
        .filter_map(|id| found.remove(id))
        .map(|a| {
            (
                a,
                RelatedReason {
                    picked: true,
                    ..Default::default()
                },
            )
        })
        .take(limit)
        .collect()
}

/// The longest query accepted (characters).
pub const MAX_QUERY_CHARS: usize = 200;
/// Deepest result reachable by paging.
pub const MAX_OFFSET: usize = 1000;

/// Most articles in one collection.
pub const MAX_COLLECTION: usize = 100;

/// A collection as an editor sends it.
#[derive(Debug, Clone, Default)]
pub struct CollectionInput {
    /// 1 to 100 plain characters.
    pub name: String,
    /// At most 1000 plain characters.
    pub description: Option<String>,
    /// Article ids in order, as sent; at most 100, no repeats.
    pub articles: Vec<String>,
}

/// Search parameters as a client sent them; parsed by [`DiscoveryService::search`].
#[derive(Debug, Clone, Default)]
pub struct SearchParams {
    /// Words (all required), `"phrase"`, `+required`, `-excluded`,
    /// `prefix*` (two letters at least); at most
    /// 200 characters, with at least one searchable word.
    pub q: Option<String>,
    /// Section slug (sub-sections included).
    pub section: Option<String>,
    /// Tag slug.
    pub tag: Option<String>,
    /// Author slugs (`a,b` any, `a+b` all).
    pub author: Option<String>,
    /// Negations: none of these sections, tags, authors.
    pub not_section: Option<String>,
    pub not_tag: Option<String>,
    pub not_author: Option<String>,
    /// RFC 3339, or a `YYYY-MM-DD` day in Asia/Dhaka (inclusive).
    pub from: Option<String>,
    /// RFC 3339, or a `YYYY-MM-DD` day (exclusive instant; a day is included whole).
    pub to: Option<String>,
    pub sort: Option<String>,
    pub limit: Option<String>,
    /// Opaque; from `page.nextCursor` of the same search.
    pub cursor: Option<String>,
    /// `1`/`true`: count every match by section, tag and month too.
    pub facets: Option<String>,
    /// Kinds, comma-separated (any of them).
    pub kind: Option<String>,
    /// Access levels, comma-separated (any of them).
    pub access: Option<String>,
    /// Languages, comma-separated (any of them): `bn`, `en`.
    pub lang: Option<String>,
}

pub struct SearchResult {
    pub total: usize,
    pub hits: Vec<(ArticleSummary, Hit)>,
    pub next_cursor: Option<String>,
    pub facets: Option<SearchFacets>,
}

/// One value of a facet and how many matches have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetValue {
    /// What to filter by: a section's or tag's slug, or a month `YYYY-MM`.
    pub key: String,
    /// Its Bengali name (`ডিসেম্বর ২০২৬` for a month).
    pub name: String,
    pub count: usize,
}

/// Counts of every match (not only the page's) by section (an article in
/// two sections counts in both), tag and month of publication in Dhaka:
/// sections and tags most frequent first (at most [`FACET_VALUES`] each),
/// months newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchFacets {
    pub sections: Vec<FacetValue>,
    pub tags: Vec<FacetValue>,
    pub months: Vec<FacetValue>,
}

/// Values of a section or tag facet at most.
pub const FACET_VALUES: usize = 20;
/// Months of the month facet at most.
pub const FACET_MONTHS: usize = 24;

/// Most frequent first, then by name; at most `n`.
fn top(mut values: Vec<FacetValue>, n: usize) -> Vec<FacetValue> {
    values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    values.truncate(n);
    values
}

/// Why a related story was chosen (behind `?debug=1`).
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedReason {
    /// An editor's pick (the article's story package), shown first in
    /// the editor's order; the scores are then zero.
    pub picked: bool,
    pub content: f32,
    pub shared_tags: f32,
    pub same_section: f32,
    pub recency: f32,
    pub score: f32,
}

/// A time window for "most read".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Hour,
    SixHours,
    Day,
    Week,
}

impl Window {
    pub fn parse(s: Option<&str>) -> Result<Self, ValidationError> {
        match s.unwrap_or("24h") {
            "1h" => Ok(Self::Hour),
            "6h" => Ok(Self::SixHours),
            "24h" => Ok(Self::Day),
            "7d" => Ok(Self::Week),
            _ => Err(ValidationError::new("window", "must be 1h, 6h, 24h or 7d")),
        }
    }

    pub fn duration(self) -> Duration {
        match self {
            Self::Hour => Duration::hours(1),
            Self::SixHours => Duration::hours(6),
            Self::Day => Duration::hours(24),
            Self::Week => Duration::days(7),
        }
    }
}

pub struct FrontSection {
    pub section: Section,
    pub articles: Vec<ArticleSummary>,
}

pub struct Front {
    pub edition: Edition,
    pub breaking: Vec<ArticleSummary>,
    pub lead: Vec<ArticleSummary>,
    pub sections: Vec<FrontSection>,
}

/// Counts article views: one per client per article per five minutes, at
/// most 60 beacons a minute per client, buffered in memory and added to
/// the hourly counters in batches. Clients are known only by a salted hash
/// of their address; no address is stored.
pub struct ViewCounter {
    salt: [u8; 16],
    seen: moka::sync::Cache<[u8; 32], ()>,
    rate: moka::sync::Cache<[u8; 32], Arc<std::sync::atomic::AtomicU32>>,
    pending: std::sync::Mutex<HashMap<(i64, DateTime<Utc>), u64>>,
}

pub const VIEWS_PER_CLIENT_PER_MINUTE: u32 = 60;

impl ViewCounter {
    pub fn new() -> Self {
        let mut salt = [0u8; 16];
        let _ = getrandom::fill(&mut salt);
        Self {
            salt,
            seen: moka::sync::Cache::builder()
                .max_capacity(1_000_000)
                .time_to_live(StdDuration::from_secs(300))
                .build(),
            rate: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(StdDuration::from_secs(60))
                .build(),
            pending: std::sync::Mutex::new(HashMap::new()),
        }
    }

    fn hash(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.salt);
        for p in parts {
            h.update(p);
            h.update([0]);
        }
        h.finalize().into()
    }

    /// Records a view; returns whether it counted.
    pub fn record(&self, article_id: i64, client: &str, now: DateTime<Utc>) -> bool {
        let client_key = self.hash(&[client.as_bytes()]);
        let counter = self.rate.get_with(client_key, || {
            Arc::new(std::sync::atomic::AtomicU32::new(0))
        });
        if counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= VIEWS_PER_CLIENT_PER_MINUTE
        {
            return false;
        }
        let key = self.hash(&[client.as_bytes(), &article_id.to_le_bytes()]);
        if self.seen.contains_key(&key) {
            return false;
        }
        self.seen.insert(key, ());
        self.add(article_id, now);
        true
    }

    /// Buffers one counted view.
    fn add(&self, article_id: i64, now: DateTime<Utc>) {
        let hour = now.duration_trunc(Duration::hours(1)).unwrap_or(now);
        if let Ok(mut p) = self.pending.lock() {
            *p.entry((article_id, hour)).or_default() += 1;
        }
    }

    fn take(&self) -> HashMap<(i64, DateTime<Utc>), u64> {
        self.pending
            .lock()
            .map(|mut p| std::mem::take(&mut *p))
            .unwrap_or_default()
    }
}

impl Default for ViewCounter {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Clone)]
pub struct DiscoveryService {
    svc: ContentService,
    index: Arc<SearchIndex>,
    views: Arc<ViewCounter>,
}

fn search_fingerprint(q: &str, filter: &ArticleFilter, sort: SortBy) -> u32 {
    // One tag is printed where it stood before filters took several (and
    // left out of the filter's own print), so cursors handed out then
    // stay valid; several tags are in the filter's print.
    let tag = filter.tags.single();
    let mut rest = filter.clone();
    if tag.is_some() {
        rest.tags = domain::IdSet::default();
    }
    domain::cursor::fingerprint(&format!("{q}|{}|{tag:?}|{sort:?}", rest.fingerprint()))
}

/// Word counts of an opening and of it with its headline counted twice,
/// by search key (each text tokenised once).
/// Word counts of a text by search key.
type WordCounts = HashMap<Arc<str>, f32, foldhash::fast::RandomState>;

/// Search keys by word, for [`word_counts`]: the related stories of one
/// article key the openings of 30 candidates (a few thousand words, NFC
/// twice per word), most of them words seen before. A key depends on its
/// word alone, so one map serves every request; it is emptied when it
/// reaches [`WORD_KEYS_MAX`] words (a few tens of MB).
type WordKeys = HashMap<Arc<str>, Arc<str>, foldhash::fast::RandomState>;
static WORD_KEYS: std::sync::LazyLock<std::sync::RwLock<WordKeys>> =
    std::sync::LazyLock::new(Default::default);
const WORD_KEYS_MAX: usize = 200_000;

/// Counts of the words of `text` (keyed as the search index keys them:
/// [`domain::text::search_tokens`], English words stemmed and English stop
/// words left out) added to `counts`, each occurrence weighing `weight`.
/// The map is read under one lock per text; new words are keyed outside
/// it.
fn count_words(counts: &mut WordCounts, text: &str, weight: f32) {
    let mut add = |key: Arc<str>| {
        if !key.is_empty() {
            *counts.entry(key).or_default() += weight;
        }
    };
    let mut missing = Vec::new();
    if let Ok(keys) = WORD_KEYS.read() {
        for (start, end) in domain::text::search_words(text) {
            let word = &text[start..end];
            match keys.get(word) {
                Some(key) => add(key.clone()),
                None => missing.push(word),
            }
        }
    } else {
        missing.extend(domain::text::search_words(text).map(|(s, e)| &text[s..e]));
    }
    if missing.is_empty() {
        return;
    }
    let mut analyzer = crate::search::analyzer::text_analyzer();
    let keyed: Vec<(&str, Arc<str>)> = missing
        .into_iter()
        .map(|word| {
            let mut tokens = analyzer.token_stream(word);
            let key = if tokens.advance() {
                tokens.token().text.as_str()
            } else {
                ""
            };
            (word, Arc::from(key))
        })
        .collect();
    if let Ok(mut keys) = WORD_KEYS.write() {
        if keys.len() + keyed.len() > WORD_KEYS_MAX {
            keys.clear();
        }
        for (word, key) in &keyed {
            keys.insert(Arc::from(*word), key.clone());
        }
    }
    for (_, key) in keyed {
        add(key);
    }
}

fn word_counts(headline: &str, opening: &str) -> (WordCounts, WordCounts) {
    let mut body = WordCounts::default();
    count_words(&mut body, opening, 1.0);
    let mut with_headline = body.clone();
    count_words(&mut with_headline, headline, 2.0);
    (body, with_headline)
}

/// Jaccard overlap of two word sets.
fn jaccard(a: &WordCounts, b: &WordCounts) -> f32 {
    let shared = a.keys().filter(|w| b.contains_key(*w)).count();
    let union = (a.len() + b.len() - shared).max(1);
    shared as f32 / union as f32
}

/// Cosine of two texts' `(1 + ln tf) · idf` vectors.
fn tfidf_cosine<S: std::hash::BuildHasher>(
    a: &WordCounts,
    b: &WordCounts,
    idf: &HashMap<&str, f32, S>,
) -> f32 {
    let weight = |word: &str, tf: f32| (1.0 + tf.ln()) * idf.get(word).copied().unwrap_or(1.0);
    let norm = |m: &WordCounts| {
        m.iter()
            .map(|(w, tf)| weight(w, *tf).powi(2))
            .sum::<f32>()
            .sqrt()
    };
    let dot: f32 = a
        .iter()
        .filter_map(|(w, tf)| b.get(w).map(|tb| weight(w, *tf) * weight(w, *tb)))
        .sum();
    dot / (norm(a) * norm(b)).max(f32::EPSILON)
}

fn ids_in_order(items: Vec<ArticleSummary>, order: &[i64]) -> Vec<ArticleSummary> {
    let mut by_id: HashMap<i64, ArticleSummary> = items.into_iter().map(|a| (a.id, a)).collect();
    order.iter().filter_map(|id| by_id.remove(id)).collect()
}

impl DiscoveryService {
    pub fn new(svc: ContentService, index: Arc<SearchIndex>, views: Arc<ViewCounter>) -> Self {
        Self { svc, index, views }
    }

    pub fn index(&self) -> &Arc<SearchIndex> {
        &self.index
    }

    pub fn content(&self) -> &ContentService {
        &self.svc
    }

    /// Brings the search index up to date with the database now.
    pub async fn sync(&self) -> Result<usize, AppError> {
        let now = self.svc.now();
        // The rows the change log names are read on the primary: a replica
        // may not have replayed them yet.
        let synced = self
            .index
            .sync(&self.svc.repo().on_primary(), now)
            .await
            .map_err(|e| AppError::Internal(Box::new(e)))?;
        let touched = synced.articles.len();
        if !synced.articles.is_empty() {
            // The other public versions of a written article's story are
            // among them: the write recorded a change for each
            // (`article.translations`). Announced first: the public reads
            // that recompute a forgotten list then go to the primary.
            self.svc.announce(Change::ArticlesElsewhere {
                ids: synced.articles.clone(),
            });
            // A list left kept wrongly is served until it is old: the
            // sync itself goes on.
            if let Err(e) = self.refresh_related(&synced.articles).await {
                e.log();
            }
        }
        if synced.collections {
            self.svc.announce(Change::CollectionsElsewhere);
        }
        self.svc.announce(Change::NextTransition(
            self.svc.repo().next_transition(now).await?,
        ));
        Ok(touched)
    }

    /// Writes buffered view counts (only for public articles).
    pub async fn flush_views(&self) -> Result<(), AppError> {
        let pending = self.views.take();
        if pending.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = pending
            .keys()
            .map(|(id, _)| *id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let public: HashSet<i64> = self
            .svc
            .repo()
            .public_summaries_by_ids(&ids, self.svc.now())
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect();
        let counts: Vec<(i64, DateTime<Utc>, u64)> = pending
            .into_iter()
            .filter(|((id, _), _)| public.contains(id))
            .map(|((id, hour), n)| (id, hour, n))
            .collect();
        Ok(self.svc.repo().add_views(&counts).await?)
    }

    pub async fn search(&self, p: &SearchParams) -> Result<SearchResult, AppError> {
        let mut errors = Vec::new();
        let q = p.q.as_deref().map(str::trim).unwrap_or("");
        if q.is_empty() {
            errors.push(ValidationError::new("q", "is required: what to search for"));
        } else if q.chars().count() > MAX_QUERY_CHARS {
            errors.push(ValidationError::new(
                "q",
                format!("must be at most {MAX_QUERY_CHARS} characters"),
            ));
        } else if domain::text::search_key(q).is_empty() {
            errors.push(ValidationError::new("q", "has no searchable words"));
        }
        let sort = match p.sort.as_deref() {
            None | Some("relevance") => SortBy::Relevance,
            Some("newest") => SortBy::Newest,
            Some(_) => {
                errors.push(ValidationError::new("sort", "must be relevance or newest"));
                SortBy::Relevance
            }
        };
        let limit = Limit::parse(p.limit.as_deref())
            .map_err(|e| errors.push(e))
            .ok();
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let sections = self.svc.sections().await?;
        // The filters are the lists' own, parsed by the same rules.
        let (filter, _) = self
            .svc
            .parse_list(
                &crate::content::ListParams {
                    section: p.section.clone(),
                    not_section: p.not_section.clone(),
                    tag: p.tag.clone(),
                    not_tag: p.not_tag.clone(),
                    author: p.author.clone(),
                    not_author: p.not_author.clone(),
                    from: p.from.clone(),
                    to: p.to.clone(),
                    kind: p.kind.clone(),
                    access: p.access.clone(),
                    lang: p.lang.clone(),
                    ..Default::default()
                },
                &sections,
            )
            .await?;
        let (from, to) = (filter.from, filter.to);
        let fp = search_fingerprint(q, &filter, sort);
        let offset = match domain::cursor::given(p.cursor.as_deref()) {
            None => 0,
            Some(c) => decode_search_cursor(c, fp)?,
        };
        let limit = limit.unwrap_or_default().get() as usize;
        let want_facets = match p.facets.as_deref() {
            None => false,
            Some(v) => domain::text::boolish(v).ok_or_else(|| {
                AppError::invalid("facets", "must be true or false (1/0, yes/no, on/off)")
            })?,
        };
        let req = SearchRequest {
            query: q.to_owned(),
            section_ids: filter.section_ids.clone(),
            not_section_ids: filter.not_section_ids.clone(),
            tags: filter.tags.clone(),
            authors: filter.authors.clone(),
            from,
            to,
            kinds: filter.kinds.clone(),
            access: filter.access.clone(),
            languages: filter.languages.clone(),
            sort,
            offset,
            limit,
            facets: want_facets.then(|| {
                std::sync::Arc::new(crate::search::facets::lineage(
                    sections.iter().map(|s| (s.id, s.parent_id)),
                ))
            }),
        };
        let hits = self
            .index
            .search(&req)
            .map_err(|e| AppError::Internal(Box::new(e)))?;
        let ids: Vec<i64> = hits.hits.iter().map(|h| h.id).collect();
        let mut by_id = self.public_summaries(&ids).await?;
        let facets = match &hits.facets {
            Some(counts) => Some(self.facet_names(counts, &sections).await?),
            None => None,
        };
        let next = offset + limit;
        let next_cursor =
            (next < hits.total && next <= MAX_OFFSET).then(|| encode_search_cursor(next, fp));
        Ok(SearchResult {
            total: hits.total,
            hits: hits
                .hits
                .into_iter()
                .filter_map(|h| by_id.remove(&h.id).map(|a| (a, h)))
                .collect(),
            next_cursor,
            facets,
        })
    }

    /// Names the raw counts: sections and tags by slug and name (ids the
    /// database no longer knows are left out), months in Bengali.
    async fn facet_names(
        &self,
        counts: &crate::search::facets::FacetCounts,
        sections: &[domain::Section],
    ) -> Result<SearchFacets, AppError> {
        let section_values = counts
            .sections
            .iter()
            .filter_map(|(id, n)| {
                let s = sections.iter().find(|s| s.id == *id)?;
                Some(FacetValue {
                    key: s.slug.clone(),
                    name: s.name.clone(),
                    count: *n,
                })
            })
            .collect();
        let tag_ids: Vec<i64> = counts.tags.keys().copied().collect();
        let tags = self.svc.repo().tags_by_ids(&tag_ids).await?;
        let tag_values = tags
            .into_iter()
            .filter_map(|t| {
                Some(FacetValue {
                    count: *counts.tags.get(&t.id)?,
                    key: t.slug,
                    name: t.name,
                })
            })
            .collect();
        let mut months: Vec<_> = counts.months.iter().collect();
        months.sort_by(|a, b| b.0.cmp(a.0));
        let month_values = months
            .into_iter()
            .take(FACET_MONTHS)
            .filter_map(|((year, month), n)| {
                let name =
                    domain::bangla::MONTHS_BN.get(usize::try_from(*month).ok()?.checked_sub(1)?)?;
                Some(FacetValue {
                    key: format!("{year:04}-{month:02}"),
                    name: format!(
                        "{name} {}",
                        domain::bangla::bengali_number(i64::from(*year))
                    ),
                    count: *n,
                })
            })
            .collect();
        Ok(SearchFacets {
            sections: top(section_values, FACET_VALUES),
            tags: top(tag_values, FACET_VALUES),
            months: month_values,
        })
    }

    /// Related stories: content similarity from the index, re-ranked with
    /// shared tags, same section and recency; the article itself,
    /// near-duplicates and unpublished articles excluded. A public
    /// article's scored list is kept ([`KEPT_FOR`]) and read back until
    /// the index sync forgets it.
    pub async fn related(
        &self,
        id: &str,
        limit: Option<&str>,
    ) -> Result<Vec<(ArticleSummary, RelatedReason)>, AppError> {
        let limit = Limit::parse(limit)?;
        // By number, a kept list spares reading the whole article: its
        // visibility is checked with the first summaries.
        let mut looked = false;
        if let ArticleKey::Id(aid) = ArticleKey::parse(id) {
            looked = true;
            if let Some(list) = self.kept_related(aid.get(), false, limit).await? {
                return Ok(list);
            }
        }
        let source = self.svc.article(id).await?;
        self.related_of(&source, limit, looked).await
    }

    /// [`Self::related`] of an article in hand, public or not (a preview:
    /// its neighbours as if it were published now).
    pub async fn related_to(
        &self,
        source: &Article,
        limit: Limit,
    ) -> Result<Vec<(ArticleSummary, RelatedReason)>, AppError> {
        self.related_of(source, limit, false).await
    }

    /// [`Self::related_to`]; `looked`: the kept list was looked for already.
    async fn related_of(
        &self,
        source: &Article,
        limit: Limit,
        looked: bool,
    ) -> Result<Vec<(ArticleSummary, RelatedReason)>, AppError> {
        // The index's position before the list is computed: a sync that
        // lands meanwhile may forget the list before it is kept.
        let seen = self.index.commits();
        let now = self.svc.now();
        let s = &source.summary;
        let public = domain::article::is_public(
            s.status,
            s.published_at,
            source.publish_at,
            source.embargo_until,
            now,
        );
        if public
            && !looked
            && let Some(list) = self.kept_related(s.id, true, limit).await?
        {
            return Ok(list);
        }
        let limit = limit.get() as usize;
        // The editors' picks come first, in their order (public ones only).
        let pick_ids = self.svc.repo().picks(s.id).await?;
        let mut picked: Vec<(ArticleSummary, RelatedReason)> = Vec::new();
        if !pick_ids.is_empty() {
            let mut found = self.public_summaries(&pick_ids).await?;
            picked = picks_in_order(&pick_ids, &mut found, limit);
        }
        // A list of picks alone is not kept: the computed list is what
        // the next request would lack.
        if picked.len() >= limit {
            return Ok(picked);
        }
        let scored = self.score_related(source)?;
        if public {
            self.keep_related(s.id, now, &scored, seen).await;
        }
        let scored = scored.into_iter().filter(|(id, _)| !pick_ids.contains(id));
        Ok(self
            .fill_related(picked, scored, limit, None)
            .await?
            .unwrap_or_default())
    }

    /// Keeps `scored` as `id`'s list. A failure only costs the next
    /// request the computation; it is logged. When the index moved on
    /// while the list was computed, the sync may have forgotten the list
    /// before this write: it is forgotten again.
    async fn keep_related(
        &self,
        id: i64,
        now: DateTime<Utc>,
        scored: &[(i64, RelatedReason)],
        seen: u64,
    ) {
        let kept = KeptList {
            ranking: RANKING_VERSION,
            index: crate::search::INDEX_VERSION,
            items: scored.iter().map(Kept::from).collect(),
        };
        let repo = self.svc.repo();
        let done = match serde_json::to_string(&kept) {
            Ok(items) => repo
                .keep_related(id, now, &items)
                .await
                .map_err(AppError::from),
            Err(e) => Err(AppError::Internal(Box::new(e))),
        };
        let done = match done {
            Ok(()) if self.index.commits() != seen => repo
                .forget_related(&[id])
                .await
                .map(drop)
                .map_err(AppError::from),
            other => other,
        };
        if let Err(e) = done {
            e.log();
        }
    }

    /// The kept list of `id`, if there is one younger than [`KEPT_FOR`],
    /// served as [`Self::related_to`] would (picks first, public
    /// summaries only). Unless `known_public`, `None` also when `id` is
    /// not public (the caller's own read then says not found).
    async fn kept_related(
        &self,
        id: i64,
        known_public: bool,
        limit: Limit,
    ) -> Result<Option<Vec<(ArticleSummary, RelatedReason)>>, AppError> {
        let now = self.svc.now();
        // The kept list only saves work: a failed read computes it.
        let (at, items) = match self.svc.repo().kept_related(id).await {
            Ok(Some(row)) => row,
            Ok(None) => return Ok(None),
            Err(e) => {
                AppError::from(e).log();
                return Ok(None);
            }
        };
        if now - at > KEPT_FOR || at > now {
            return Ok(None);
        }
        let kept = match serde_json::from_str::<KeptList>(&items) {
            Ok(k) if k.ranking == RANKING_VERSION && k.index == crate::search::INDEX_VERSION => {
                k.items
            }
            // Computed another way (an older release): computed again.
            Ok(_) => return Ok(None),
            Err(e) => {
                tracing::warn!(article = id, error = %e, "unreadable kept related list; recomputing");
                return Ok(None);
            }
        };
        let limit = limit.get() as usize;
        let pick_ids = self.svc.repo().picks(id).await?;
        // The source's visibility is read with the picks, or (without
        // picks, the usual case) with the first related summaries.
        let mut check = (!known_public).then_some(id);
        let mut picked = Vec::new();
        if !pick_ids.is_empty() {
            let mut ask = pick_ids.clone();
            ask.extend(check.take());
            let mut found = self.public_summaries(&ask).await?;
            if !known_public && found.remove(&id).is_none() {
                return Ok(None);
            }
            picked = picks_in_order(&pick_ids, &mut found, limit);
        }
        let scored = kept
            .into_iter()
            .map(Kept::into_pair)
            .filter(|(c, _)| *c != id && !pick_ids.contains(c));
        self.fill_related(picked, scored, limit, check).await
    }

    /// The public ones of `ids`, by id.
    async fn public_summaries(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, ArticleSummary>, AppError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(self
            .svc
            .repo()
            .public_summaries_by_ids(ids, self.svc.now())
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect())
    }

    /// The similarity candidates of `source`, re-ranked, best first: the
    /// article itself and near-duplicates left out, picks not (they are
    /// left out when served, as picks change without the list).
    fn score_related(&self, source: &Article) -> Result<Vec<(i64, RelatedReason)>, AppError> {
        let candidates = self
            .index
            .similar(source, RELATED_CANDIDATES)
            .map_err(|e| AppError::Internal(Box::new(e)))?;
        Ok(self.rank_related(source, candidates))
    }

    /// [`Self::score_related`] of the similarity query's candidates.
    fn rank_related(
        &self,
        source: &Article,
        candidates: Vec<crate::search::Candidate>,
    ) -> Vec<(i64, RelatedReason)> {
        let max_sim = candidates
            .iter()
            .map(|c| c.similarity)
            .fold(0.0f32, f32::max)
            .max(f32::EPSILON);
        let s = &source.summary;
        // The same opening the candidates' bodies are cut to, so the
        // near-duplicate test compares like with like.
        let source_body: String = domain::block::body_text(&source.body)
            .chars()
            .take(crate::search::SIMILAR_BODY_CHARS)
            .collect();
        let published = s.published_at.unwrap_or_else(|| self.svc.now());
        // A TF-IDF cosine between the openings (headline counted twice), as
        // a second opinion on the similarity query's score: it weighs every
        // shared word, not only the query's few terms.
        let (source_words, source_counts) = word_counts(&s.headline, &source_body);
        let candidate_counts: Vec<(WordCounts, WordCounts)> = candidates
            .iter()
            .map(|c| word_counts(&c.headline, &c.body))
            .collect();
        let vocabulary: HashSet<&str, foldhash::fast::RandomState> = source_counts
            .keys()
            .chain(candidate_counts.iter().flat_map(|(_, m)| m.keys()))
            .map(AsRef::as_ref)
            .collect();
        let idf = self.index.body_idf(vocabulary);
        let cosines: Vec<f32> = candidate_counts
            .iter()
            .map(|(_, c)| tfidf_cosine(&source_counts, c, &idf))
            .collect();
        let max_cos = cosines
            .iter()
            .copied()
            .fold(0.0f32, f32::max)
            .max(f32::EPSILON);
        let mut scored: Vec<(i64, RelatedReason)> = Vec::new();
        for ((c, cosine), (words, _)) in candidates.into_iter().zip(cosines).zip(&candidate_counts)
        {
            if c.id == s.id {
                continue;
            }
            let jaccard = jaccard(words, &source_words);
            if jaccard >= NEAR_DUPLICATE {
                continue;
            }
            let content = 0.5 * c.similarity / max_sim + 0.5 * cosine / max_cos;
            let shared = c.tag_ids.iter().filter(|t| s.tag_ids.contains(t)).count() as f32
                / s.tag_ids.len().max(1) as f32;
            let same_section = if c.section_ids.contains(&s.section_id) {
                1.0
            } else {
                0.0
            };
            let days = c
                .published
                .map(|t| (t - published).num_minutes().abs() as f32 / 1440.0)
                .unwrap_or(365.0);
            let recency = 0.5f32.powf(days / 14.0);
            let score = 0.7 * content + 0.1 * shared.min(1.0) + 0.1 * same_section + 0.1 * recency;
            scored.push((
                c.id,
                RelatedReason {
                    picked: false,
                    content,
                    shared_tags: shared,
                    same_section,
                    recency,
                    score,
                },
            ));
        }
        scored.sort_by(|a, b| b.1.score.total_cmp(&a.1.score));
        scored
    }

    /// `picked` followed by the best of `scored` that are public, up to
    /// `limit`. Summaries of the best only are read, with a few spare: the
    /// index holds public articles, so one is missing only when it stopped
    /// being public since the index last synced (or the list was kept);
    /// then the next ones are read. `source`: an article whose visibility
    /// is read with the first summaries; `None` when it is not public.
    async fn fill_related(
        &self,
        mut picked: Vec<(ArticleSummary, RelatedReason)>,
        scored: impl Iterator<Item = (i64, RelatedReason)>,
        limit: usize,
        mut source: Option<i64>,
    ) -> Result<Option<Vec<(ArticleSummary, RelatedReason)>>, AppError> {
        let room = limit.saturating_sub(picked.len());
        let mut scored = scored;
        let mut found = 0;
        while found < room || source.is_some() {
            let want = room.saturating_sub(found);
            let chunk: Vec<(i64, RelatedReason)> =
                scored.by_ref().take(want + RELATED_SPARE).collect();
            if chunk.is_empty() && source.is_none() {
                break;
            }
            let mut ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
            ids.extend(source);
            let mut by_id = self.public_summaries(&ids).await?;
            if let Some(s) = source.take()
                && by_id.remove(&s).is_none()
            {
                return Ok(None);
            }
            if chunk.is_empty() {
                break;
            }
            let before = picked.len();
            picked.extend(
                chunk
                    .into_iter()
                    .filter_map(|(id, r)| by_id.remove(&id).map(|a| (a, r)))
                    .take(want),
            );
            found += picked.len() - before;
        }
        Ok(Some(picked))
    }

    /// Brings the kept related lists up to a sync's changes: forgets those
    /// the changes may alter (each changed article's own, and those of the
    /// public articles it resembles, whose lists may now lack it or rank
    /// an older version of it), then keeps a fresh list for each changed
    /// article that is public, so that the first readers of a new story
    /// read its list too. A change of more than [`FORGET_ONE_BY_ONE`]
    /// articles (an import) forgets every list and computes none.
    async fn refresh_related(&self, changed: &[i64]) -> Result<(), AppError> {
        let repo = self.svc.repo().on_primary();
        if changed.len() > FORGET_ONE_BY_ONE {
            repo.forget_all_related().await?;
            return Ok(());
        }
        let now = self.svc.now();
        let articles = repo.public_articles_by_ids(changed, now).await?;
        let seen = self.index.commits();
        // The similarity queries and the re-ranking are CPU work: off the
        // request workers. An article whose query fails keeps no list;
        // the others' lists are still forgotten and kept.
        let this = self.clone();
        let results = tokio::task::spawn_blocking(move || {
            articles
                .iter()
                .map(|a| {
                    let found = this.index.similar(a, RELATED_CANDIDATES)?;
                    let near: Vec<i64> = found.iter().map(|c| c.id).collect();
                    Ok((a.summary.id, near, this.rank_related(a, found)))
                })
                .collect::<Vec<Result<_, crate::search::SearchError>>>()
        })
        .await;
        let mut lists = Vec::new();
        let mut ids: HashSet<i64> = changed.iter().copied().collect();
        match results {
            Ok(results) => {
                for r in results {
                    match r {
                        // Near-duplicates too: their lists hold no
                        // duplicate of theirs, which the change may make.
                        Ok((id, near, scored)) => {
                            ids.extend(near);
                            lists.push((id, scored));
                        }
                        Err(e) => AppError::Internal(Box::new(e)).log(),
                    }
                }
            }
            Err(e) => AppError::Internal(Box::new(e)).log(),
        }
        let ids: Vec<i64> = ids.into_iter().collect();
        repo.forget_related(&ids).await?;
        for (id, scored) in &lists {
            self.keep_related(*id, now, scored, seen).await;
        }
        Ok(())
    }

    /// The view beacon: counts when the id is a number; never says whether
    /// the article exists (unpublished ones are dropped at flush time).
    /// With Redis, the per-client rate and the once-per-five-minutes rule
    /// hold across instances; without it (or while it is down), per
    /// instance.
    pub async fn record_view(&self, id: &str, client: &str) {
        let Ok(id) = domain::ArticleId::parse(id) else {
            return;
        };
        let now = self.svc.now();
        match self
            .svc
            .shared()
            .view(client, id.get(), VIEWS_PER_CLIENT_PER_MINUTE)
            .await
        {
            Some(true) => self.views.add(id.get(), now),
            Some(false) => {}
            None => {
                self.views.record(id.get(), client, now);
            }
        }
    }

    pub async fn most_read(
        &self,
        window: Option<&str>,
        section: Option<&str>,
        limit: Option<&str>,
    ) -> Result<Vec<(ArticleSummary, i64)>, AppError> {
        let mut errors = Vec::new();
        let window = Window::parse(window).map_err(|e| errors.push(e)).ok();
        let limit = Limit::parse(limit).map_err(|e| errors.push(e)).ok();
        let (Some(window), Some(limit), true) = (window, limit, errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        let now = self.svc.now();
        let since = (now - window.duration())
            .duration_trunc(Duration::hours(1))
            .unwrap_or(now);
        let sections = self.svc.sections().await?;
        let allowed: Option<Vec<i64>> = match section {
            None => None,
            Some(slug) => {
                let slug = domain::text::nfc(slug);
                let s = sections
                    .iter()
                    .find(|s| s.slug == slug)
                    .ok_or_else(|| AppError::not_found(format!("no section with slug {slug:?}")))?;
                Some(section_subtree(&sections, s.id))
            }
        };
        let top = self.svc.repo().most_viewed(since, 500).await?;
        let ids: Vec<i64> = top.iter().map(|(id, _)| *id).collect();
        let views: HashMap<i64, i64> = top.into_iter().collect();
        let public = ids_in_order(
            self.svc.repo().public_summaries_by_ids(&ids, now).await?,
            &ids,
        );
        Ok(public
            .into_iter()
            .filter(|a| {
                allowed
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&a.section_id))
            })
            .take(limit.get() as usize)
            .map(|a| {
                let n = views.get(&a.id).copied().unwrap_or(0);
                (a, n)
            })
            .collect())
    }

    /// A collection with its public articles in editorial order.
    pub async fn collection(
        &self,
        slug: &str,
    ) -> Result<(Collection, Vec<ArticleSummary>), AppError> {
        self.collection_of(CollectionKind::List, slug).await
    }

    /// A series with its public articles in editorial order. A series
    /// none of whose articles is public yet is not found: its name and
    /// description may speak of unpublished work.
    pub async fn series(&self, slug: &str) -> Result<(Collection, Vec<ArticleSummary>), AppError> {
        let (c, items) = self.collection_of(CollectionKind::Series, slug).await?;
        if items.is_empty() {
            return Err(AppError::not_found(format!("no series {slug:?}")));
        }
        Ok((c, items))
    }

    /// A series' public articles newest first, for its feeds.
    pub async fn series_newest(
        &self,
        slug: &str,
        limit: usize,
    ) -> Result<(Collection, Vec<ArticleSummary>), AppError> {
        let (c, mut items) = self.series(slug).await?;
        items.sort_by(|a, b| {
            b.published_at
                .cmp(&a.published_at)
                .then_with(|| b.id.cmp(&a.id))
        });
        items.truncate(limit);
        Ok((c, items))
    }

    async fn collection_of(
        &self,
        kind: CollectionKind,
        slug: &str,
    ) -> Result<(Collection, Vec<ArticleSummary>), AppError> {
        let slug = domain::text::nfc(slug);
        let what = match kind {
            CollectionKind::List => "collection",
            CollectionKind::Series => "series",
        };
        let c = self
            .svc
            .repo()
            .collection(&slug)
            .await?
            .filter(|c| c.kind == kind)
            .ok_or_else(|| AppError::not_found(format!("no {what} {slug:?}")))?;
        let items = ids_in_order(
            self.svc
                .repo()
                .public_summaries_by_ids(&c.article_ids, self.svc.now())
                .await?,
            &c.article_ids,
        );
        Ok((c, items))
    }

    /// Every collection, by slug.
    pub async fn collections(&self) -> Result<Vec<Collection>, AppError> {
        Ok(self.svc.repo().collections(CollectionKind::List).await?)
    }

    /// Every series with at least one public article, by slug.
    pub async fn series_list(&self) -> Result<Vec<Collection>, AppError> {
        let all = self.svc.repo().collections(CollectionKind::Series).await?;
        let ids: Vec<i64> = all
            .iter()
            .flat_map(|c| c.article_ids.iter().copied())
            .collect();
        let public: HashSet<i64> = self
            .svc
            .repo()
            .public_summaries_by_ids(&ids, self.svc.now())
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect();
        Ok(all
            .into_iter()
            .filter(|c| c.article_ids.iter().any(|id| public.contains(id)))
            .collect())
    }

    /// Creates or replaces a series (editor), as [`Self::save_collection`].
    pub async fn save_series(
        &self,
        key: &ApiKey,
        slug: &str,
        input: &CollectionInput,
    ) -> Result<(Collection, Vec<ArticleSummary>), AppError> {
        self.save_of(CollectionKind::Series, key, slug, input).await
    }

    /// Deletes a series (editor).
    pub async fn delete_series(&self, key: &ApiKey, slug: &str) -> Result<(), AppError> {
        self.delete_of(CollectionKind::Series, key, slug).await
    }

    /// Creates or replaces a collection (editor): checks the input, writes
    /// it with its audit entry and change-log row in one transaction, and
    /// announces it (cached collection, collection list and front dropped,
    /// CDN purged; other instances learn it from the change log). Returns
    /// the collection as readers see it.
    pub async fn save_collection(
        &self,
        key: &ApiKey,
        slug: &str,
        input: &CollectionInput,
    ) -> Result<(Collection, Vec<ArticleSummary>), AppError> {
        self.save_of(CollectionKind::List, key, slug, input).await
    }

    async fn save_of(
        &self,
        kind: CollectionKind,
        key: &ApiKey,
        slug: &str,
        input: &CollectionInput,
    ) -> Result<(Collection, Vec<ArticleSummary>), AppError> {
        let mut errors = Vec::new();
        let slug = Slug::parse(slug).map_err(|e| errors.push(e)).ok();
        let name = domain::text::clean_text(input.name.trim(), false)
            .ok()
            .filter(|n| !n.is_empty() && n.chars().count() <= 100);
        if name.is_none() {
            errors.push(ValidationError::new(
                "name",
                "must be 1 to 100 plain characters",
            ));
        }
        let description = fields::text(
            &mut errors,
            "description",
            input.description.as_deref(),
            1000,
        );
        let mut ids = Vec::new();
        for (i, raw) in input.articles.iter().enumerate() {
            match ArticleId::parse(raw) {
                Ok(id) if !ids.contains(&id.get()) => ids.push(id.get()),
                Ok(_) => errors.push(ValidationError::new(
                    format!("articles[{i}]"),
                    "is listed twice",
                )),
                Err(_) => errors.push(ValidationError::new(
                    format!("articles[{i}]"),
                    "must be an article id",
                )),
            }
        }
        if ids.len() > MAX_COLLECTION {
            errors.push(ValidationError::new(
                "articles",
                format!("at most {MAX_COLLECTION} articles"),
            ));
        }
        let (Some(slug), Some(name), true) = (slug, name, errors.is_empty()) else {
            return Err(AppError::Unprocessable(errors));
        };
        let ctx = WriteContext {
            actor: Some(key.id),
            now: self.svc.now(),
        };
        self.svc
            .repo()
            .save_collection(
                slug.as_str(),
                kind,
                &name,
                description.as_deref(),
                &ids,
                ctx,
            )
            .await?;
        self.svc.announce(Change::Collection {
            slug: slug.to_string(),
        });
        self.collection_of(kind, slug.as_str()).await
    }

    /// Deletes a collection (editor), announced like a save.
    pub async fn delete_collection(&self, key: &ApiKey, slug: &str) -> Result<(), AppError> {
        self.delete_of(CollectionKind::List, key, slug).await
    }

    async fn delete_of(
        &self,
        kind: CollectionKind,
        key: &ApiKey,
        slug: &str,
    ) -> Result<(), AppError> {
        let slug = domain::text::nfc(slug);
        let ctx = WriteContext {
            actor: Some(key.id),
            now: self.svc.now(),
        };
        self.svc.repo().delete_collection(&slug, kind, ctx).await?;
        self.svc.announce(Change::Collection { slug });
        Ok(())
    }

    /// The home screen in one call: breaking, the lead collection, and the
    /// newest of each top-level section, no article twice.
    pub async fn front(
        &self,
        per_section: Option<&str>,
        lang: Option<&str>,
    ) -> Result<Front, AppError> {
        let languages =
            crate::content::parse_languages(lang).map_err(|e| AppError::Invalid(vec![e]))?;
        let per_section = match per_section {
            None => 5,
            Some(s) => s
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=20).contains(n))
                .ok_or_else(|| {
                    AppError::invalid("perSection", "must be an integer from 1 to 20")
                })?,
        };
        let now = self.svc.now();
        let repo = self.svc.repo();
        let mut seen: HashSet<i64> = HashSet::new();
        // An edition's front: its language only (`lang=`).
        let in_language = |list: Vec<ArticleSummary>| async {
            if languages.is_empty() {
                return Ok::<_, AppError>(list);
            }
            let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
            let keep: HashSet<i64> = repo
                .in_languages(&ids, &languages)
                .await?
                .into_iter()
                .collect();
            Ok(list.into_iter().filter(|a| keep.contains(&a.id)).collect())
        };
        let breaking: Vec<ArticleSummary> = in_language(
            repo.breaking_public(now, if languages.is_empty() { 5 } else { 50 })
                .await?,
        )
        .await?
        .into_iter()
        .take(5)
        .collect();
        seen.extend(breaking.iter().map(|a| a.id));
        let lead: Vec<ArticleSummary> = match repo.collection("lead").await? {
            Some(c) => ids_in_order(
                in_language(repo.public_summaries_by_ids(&c.article_ids, now).await?).await?,
                &c.article_ids,
            )
            .into_iter()
            .filter(|a| !seen.contains(&a.id))
            .take(10)
            .collect(),
            None => Vec::new(),
        };
        seen.extend(lead.iter().map(|a| a.id));
        let sections = self.svc.sections().await?;
        let mut roots: Vec<&Section> = sections.iter().filter(|s| s.parent_id.is_none()).collect();
        roots.sort_by(|a, b| a.position.cmp(&b.position).then(a.name.cmp(&b.name)));
        let mut out = Vec::new();
        for root in roots {
            let filter = ArticleFilter {
                section_ids: Some(section_subtree(&sections, root.id)),
                section_roots: vec![root.id],
                languages: languages.clone(),
                ..Default::default()
            };
            let want = (per_section + seen.len()).min(50) as i64;
            let page = repo
                .latest_public(
                    &filter,
                    PageRequest {
                        limit: Limit::new(want)?,
                        ..Default::default()
                    },
                    now,
                )
                .await?;
            let articles: Vec<ArticleSummary> = page
                .items
                .into_iter()
                .filter(|a| !seen.contains(&a.id))
                .take(per_section)
                .collect();
            if articles.is_empty() {
                continue;
            }
            seen.extend(articles.iter().map(|a| a.id));
            out.push(FrontSection {
                section: root.clone(),
                articles,
            });
        }
        let edition = self.svc.edition(None, None, None)?;
        Ok(Front {
            edition,
            breaking,
            lead,
            sections: out,
        })
    }
}

fn encode_search_cursor(offset: usize, fp: u32) -> String {
    fields::encode_offset_cursor("s1", offset as u64, fp)
}

fn decode_search_cursor(c: &str, fp: u32) -> Result<usize, AppError> {
    fields::decode_offset_cursor("s1", c, fp, MAX_OFFSET as u64)
        .map(|o| o as usize)
        .ok_or_else(|| AppError::invalid("cursor", "is not a valid cursor for this search"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_tag_search_cursor_keeps_its_old_fingerprint() {
        let tagged = ArticleFilter {
            tags: domain::IdSet::one(7),
            ..Default::default()
        };
        // How the fingerprint was spelled before filters took several tags.
        let old = domain::cursor::fingerprint(&format!(
            "বাজেট|{}|Some(7)|Relevance",
            ArticleFilter::default().fingerprint()
        ));
        assert_eq!(search_fingerprint("বাজেট", &tagged, SortBy::Relevance), old);
        let two = ArticleFilter {
            tags: domain::IdSet {
                any: vec![7, 8],
                ..Default::default()
            },
            ..Default::default()
        };
        assert_ne!(search_fingerprint("বাজেট", &two, SortBy::Relevance), old);
    }

    #[test]
    fn the_tfidf_cosine_weighs_rare_shared_words_higher() {
        let (_, a) = word_counts("", "খুলনায় বন্যা ১২৭ জন");
        let (_, same) = word_counts("", "খুলনায় বন্যা ১২৭ জন");
        let (_, other) = word_counts("", "বাণিজ্য মেলা শুরু");
        let (_, rare) = word_counts("", "১২৭ খুলনায়");
        let (_, common) = word_counts("", "জন বন্যা");
        let idf: HashMap<&str, f32> =
            HashMap::from([("জন", 1.0), ("বন্যা", 1.0), ("127", 3.0), ("খুলনায়", 3.0)]);
        assert!((tfidf_cosine(&a, &same, &idf) - 1.0).abs() < 1e-5);
        assert_eq!(tfidf_cosine(&a, &other, &idf), 0.0);
        // Two shared words each, of equal counts: the rare pair counts more.
        assert!(tfidf_cosine(&a, &rare, &idf) > tfidf_cosine(&a, &common, &idf));
    }

    #[test]
    fn word_counts_key_words_as_the_index_does_from_the_cache_too() {
        let text = "খুলনায় বন্যা, বন্যায় ১২৭ জন। সময়ঃ সকাল ১০টা; আলহাজ¦ Dhaka DHAKA \
                    the floods flooded";
        let mut expected: HashMap<String, f32> = HashMap::new();
        let mut analyzer = crate::search::analyzer::text_analyzer();
        let mut tokens = analyzer.token_stream(text);
        while tokens.advance() {
            *expected.entry(tokens.token().text.clone()).or_default() += 1.0;
        }
        assert_eq!(expected["dhaka"], 2.0);
        // English words are stemmed and stop words left out, as the index
        // does: an English story's words meet their other forms.
        assert_eq!(expected["flood"], 2.0, "{expected:?}");
        assert!(!expected.contains_key("the"));
        assert_eq!(expected["বন্যা"], 1.0);
        // The first call fills the cache, the second reads it.
        for _ in 0..2 {
            let (body, _) = word_counts("", text);
            let got: HashMap<String, f32> = body.iter().map(|(k, v)| (k.to_string(), *v)).collect();
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn the_headline_counts_twice() {
        let (body, with_headline) = word_counts("বন্যা", "বন্যা খুলনায়");
        assert_eq!(body["বন্যা"], 1.0);
        assert_eq!(with_headline["বন্যা"], 3.0);
        assert_eq!(with_headline["খুলনায়"], 1.0);
    }

    #[test]
    fn jaccard_is_the_share_of_words_in_common() {
        let (a, _) = word_counts("", "এক দুই তিন চার");
        let (b, _) = word_counts("", "এক দুই তিন পাঁচ");
        assert!((jaccard(&a, &b) - 3.0 / 5.0).abs() < 1e-6);
        assert!((jaccard(&a, &a) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn search_cursors_round_trip_and_are_bound_to_their_query() {
        let c = encode_search_cursor(40, 7);
        assert_eq!(decode_search_cursor(&c, 7).unwrap(), 40);
        assert!(decode_search_cursor(&c, 8).is_err());
        assert!(decode_search_cursor(&encode_search_cursor(5000, 7), 7).is_err());
        assert!(decode_search_cursor("%%%", 7).is_err());
    }

    #[test]
    fn a_client_counts_once_per_article_and_is_rate_capped() {
        let v = ViewCounter::new();
        let now = Utc::now();
        assert!(v.record(1, "1.2.3.4", now));
        assert!(!v.record(1, "1.2.3.4", now));
        assert!(v.record(1, "5.6.7.8", now));
        assert!(v.record(2, "1.2.3.4", now));
        for i in 3..100 {
            v.record(i, "9.9.9.9", now);
        }
        let pending = v.take();
        let total: u64 = pending.values().sum();
        assert_eq!(total, 3 + u64::from(VIEWS_PER_CLIENT_PER_MINUTE));
    }
}
