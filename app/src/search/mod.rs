//! The embedded search index (tantivy, BM25): derived state, rebuilt from the
//! database and kept fresh from its change log.
//!
//! - Only public articles are indexed; every write and every scheduled
//!   transition (go-live, embargo end) reaches the index through the change
//!   log, polled by each instance (`sync`). Results are re-checked against
//!   the database when they are loaded, so a lagging index can never show an
//!   unpublished article.
//! - The index lives in a directory (or in memory for tests) with a version
//!   file; a missing or older index is rebuilt at start (`barta reindex`
//!   rebuilds on demand).

pub mod analyzer;
pub mod facets;
pub mod snapshot;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use domain::block::body_text;
use domain::{Access, Article, ArticleKind, IdSet};
use persistence::ContentRepo;
use tantivy::collector::{Count, TopDocs};
use tantivy::indexer::{LogMergePolicy, NoMergePolicy};
use tantivy::query::{
    BooleanQuery, BoostQuery, MoreLikeThisQuery, Occur, PhrasePrefixQuery, Query, QueryParser,
    RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, OwnedValue, STORED, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term,
};

/// Bump when the schema or the analyzer changes: an older index is rebuilt.
pub const INDEX_VERSION: u32 = 6;
const VERSION_FILE: &str = "barta-index-version";
/// Change-log rows re-read behind the cursor on every sync: a transaction
/// that took an earlier id but committed later is still picked up.
const OVERLAP: i64 = 200;
const WRITER_MEMORY: usize = 50_000_000;
/// How much of a body snippets are cut from (characters).
const SNIPPET_SOURCE_CHARS: usize = 1500;
/// How much of a body more-like-this reads (characters).
pub const SIMILAR_BODY_CHARS: usize = 1200;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index: {0}")]
    Query(#[from] tantivy::query::QueryParserError),
    #[error("search index directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("search index: {0}")]
    Repo(#[from] persistence::RepoError),
    #[error("search index lock poisoned")]
    Poisoned,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    headline: Field,
    summary: Field,
    body: Field,
    tags: Field,
    section: Field,
    authors: Field,
    /// Headline, summary, body and tags as sound keys (Banglish queries).
    sound: Field,
    section_ids: Field,
    tag_ids: Field,
    author_ids: Field,
    published: Field,
    /// The article's kind and access level, by position in
    /// `ArticleKind::ALL` / `Access::ALL` (filters).
    kind: Field,
    access: Field,
    /// The primary language, by position in `domain::text::LANGUAGES`.
    language: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |stored: bool| {
        let opts = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyzer::NAME)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored { opts.set_stored() } else { opts }
    };
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        headline: b.add_text_field("headline", text(true)),
        summary: b.add_text_field("summary", text(true)),
        body: b.add_text_field("body", text(true)),
        tags: b.add_text_field("tags", text(false)),
        section: b.add_text_field("section", text(false)),
        authors: b.add_text_field("authors", text(false)),
        // Frequencies only: sound keys are matched word by word, never as
        // phrases.
        sound: b.add_text_field(
            "sound",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(analyzer::SOUND)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
        // FAST: facet counts read them from the column store.
        section_ids: b.add_u64_field("section_ids", INDEXED | STORED | FAST),
        tag_ids: b.add_u64_field("tag_ids", INDEXED | STORED | FAST),
        author_ids: b.add_u64_field("author_ids", INDEXED),
        published: b.add_i64_field("published", INDEXED | STORED | FAST),
        kind: b.add_u64_field("kind", INDEXED),
        access: b.add_u64_field("access", INDEXED),
        language: b.add_u64_field("language", INDEXED),
    };
    (b.build(), fields)
}

/// How to order search results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    #[default]
    Relevance,
    Newest,
}

/// A parsed search request.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    pub section_ids: Option<Vec<i64>>,
    /// Filed (primary or secondary) in none of these.
    pub not_section_ids: Vec<i64>,
    pub tags: IdSet,
    pub authors: IdSet,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Any of these kinds; empty: every kind.
    pub kinds: Vec<ArticleKind>,
    /// Any of these access levels; empty: every level.
    pub access: Vec<Access>,
    /// Any of these languages (primary subtags); empty: every language.
    pub languages: Vec<String>,
    pub sort: SortBy,
    pub offset: usize,
    pub limit: usize,
    /// Count the matches by section (with its sub-sections, by this
    /// lineage), tag and month as well.
    pub facets: Option<std::sync::Arc<facets::Lineage>>,
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub id: i64,
    pub score: f32,
    /// The headline with matched words in `<mark>`, HTML-escaped otherwise.
    pub headline_html: String,
    /// The best passage of the summary or body, marked the same way.
    pub snippet_html: String,
}

#[derive(Debug, Clone)]
pub struct Hits {
    pub total: usize,
    pub hits: Vec<Hit>,
    /// When asked for: every match counted, not only this page's.
    pub facets: Option<facets::FacetCounts>,
}

/// Related-story candidates from the index, with their raw similarity.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: i64,
    pub similarity: f32,
    pub section_ids: Vec<i64>,
    pub tag_ids: Vec<i64>,
    pub published: Option<DateTime<Utc>>,
    pub headline: String,
    pub body: String,
}

struct SyncState {
    last_change: i64,
    last_time: DateTime<Utc>,
    /// Change-log ids within the overlap window that are already indexed
    /// (`None` until the first sync after opening: then everything up to
    /// `last_change` counts as indexed).
    seen: Option<BTreeSet<i64>>,
}

/// What a sync found in the change log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synced {
    /// Articles written or due since the last sync (re-indexed).
    pub articles: Vec<i64>,
    /// Whether a collection was saved or deleted since the last sync.
    pub collections: bool,
}

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    state: Mutex<SyncState>,
    /// Serialises syncs (the poller and explicit calls).
    sync_lock: tokio::sync::Mutex<()>,
    /// Body IDF by word, for related stories' re-ranking: a term-dictionary
    /// lookup per word and segment costs more than the rest of a related
    /// request, and a word's IDF barely moves between commits.
    idf: moka::sync::Cache<String, f32, foldhash::fast::RandomState>,
    /// The directory it lives in (`None`: in memory).
    dir: Option<PathBuf>,
    /// Commits so far (a sync of scheduled go-lives alone commits without
    /// moving `last_change`).
    commits: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SearchIndex")
    }
}

fn doc_of(
    f: &Fields,
    a: &Article,
    section_names: &[String],
    tags: &[String],
    authors: &[String],
) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    let s = &a.summary;
    doc.add_u64(f.id, s.id.unsigned_abs());
    doc.add_text(f.headline, &s.headline);
    doc.add_text(f.sound, &s.headline);
    if let Some(sum) = &s.summary {
        doc.add_text(f.summary, sum);
        doc.add_text(f.sound, sum);
    }
    let body = body_text(&a.body);
    doc.add_text(f.sound, &body);
    doc.add_text(f.body, body);
    for t in tags {
        doc.add_text(f.tags, t);
        doc.add_text(f.sound, t);
    }
    for n in section_names {
        doc.add_text(f.section, n);
    }
    for n in authors {
        doc.add_text(f.authors, n);
    }
    let mut sections = vec![s.section_id];
    sections.extend(&a.secondary_section_ids);
    for id in sections {
        doc.add_u64(f.section_ids, id.unsigned_abs());
    }
    for id in &s.tag_ids {
        doc.add_u64(f.tag_ids, id.unsigned_abs());
    }
    for id in &s.author_ids {
        doc.add_u64(f.author_ids, id.unsigned_abs());
    }
    if let Some(t) = s.published_at {
        doc.add_i64(f.published, t.timestamp_micros());
    }
    doc.add_u64(f.kind, kind_code(s.kind));
    doc.add_u64(f.access, access_code(s.access));
    doc.add_u64(f.language, language_code(&a.summary.language));
    doc
}

/// A language tag's position in `domain::text::LANGUAGES` (Bengali for an
/// unknown one, as stored articles default to it).
fn language_code(tag: &str) -> u64 {
    let primary = domain::text::primary_language(tag);
    domain::text::LANGUAGES
        .iter()
        .position(|l| *l == primary)
        .unwrap_or(0) as u64
}

fn kind_code(k: ArticleKind) -> u64 {
    ArticleKind::ALL.iter().position(|x| *x == k).unwrap_or(0) as u64
}

fn access_code(a: Access) -> u64 {
    Access::ALL.iter().position(|x| *x == a).unwrap_or(0) as u64
}

/// `text` as HTML with the byte ranges in `marks` wrapped in `<mark>`.
fn mark(text: &str, marks: &[std::ops::Range<usize>]) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut pos = 0;
    for r in marks {
        if r.start < pos
            || r.end > text.len()
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end)
        {
            continue;
        }
        out.push_str(&html_escape::encode_text(&text[pos..r.start]));
        out.push_str("<mark>");
        out.push_str(&html_escape::encode_text(&text[r.start..r.end]));
        out.push_str("</mark>");
        pos = r.end;
    }
    out.push_str(&html_escape::encode_text(&text[pos..]));
    out
}

fn first_text(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

impl SearchIndex {
    /// Opens the index in `dir` (created when missing) or in memory. The
    /// second value says whether it must be rebuilt (new, or from an older
    /// version).
    pub fn open(dir: Option<&Path>) -> Result<(Self, bool), SearchError> {
        let (schema, fields) = schema();
        let (index, rebuild) = match dir {
            None => (Index::create_in_ram(schema), true),
            Some(dir) => {
                let version_file: PathBuf = dir.join(VERSION_FILE);
                let current = std::fs::read_to_string(&version_file)
                    .ok()
                    .and_then(|v| v.trim().parse::<u32>().ok());
                if current != Some(INDEX_VERSION) && dir.exists() {
                    std::fs::remove_dir_all(dir)?;
                }
                std::fs::create_dir_all(dir)?;
                let fresh = current != Some(INDEX_VERSION);
                let index = if fresh {
                    Index::create_in_dir(dir, schema)?
                } else {
                    match Index::open_in_dir(dir) {
                        Ok(i) if i.schema() == schema => i,
                        _ => {
                            std::fs::remove_dir_all(dir)?;
                            std::fs::create_dir_all(dir)?;
                            return Self::open(Some(dir)).map(|(i, _)| (i, true));
                        }
                    }
                };
                std::fs::write(&version_file, INDEX_VERSION.to_string())?;
                (index, fresh)
            }
        };
        index
            .tokenizers()
            .register(analyzer::NAME, analyzer::text_analyzer());
        index
            .tokenizers()
            .register(analyzer::SOUND, analyzer::SoundTokenizer);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer: IndexWriter = index.writer(WRITER_MEMORY)?;
        // No payload: never committed (or a build died half-way).
        let payload = index.load_metas()?.payload;
        let complete = payload.is_some();
        let (last_change, last_time) = match payload {
            Some(p) => parse_payload(&p),
            None => (0, DateTime::<Utc>::UNIX_EPOCH),
        };
        Ok((
            Self {
                index,
                reader,
                writer: Mutex::new(writer),
                fields,
                state: Mutex::new(SyncState {
                    last_change,
                    last_time,
                    seen: None,
                }),
                sync_lock: tokio::sync::Mutex::new(()),
                idf: moka::sync::Cache::builder()
                    .max_capacity(500_000)
                    .time_to_live(std::time::Duration::from_secs(600))
                    .build_with_hasher(foldhash::fast::RandomState::default()),
                dir: dir.map(Path::to_owned),
                commits: std::sync::atomic::AtomicU64::new(0),
            },
            // An empty change log (data loaded around the API, e.g. by
            // COPY) is still a complete index: `last_change` 0 is valid.
            rebuild || !complete,
        ))
    }

    /// Rebuilds the whole index from the database. Returns the number of
    /// articles indexed.
    pub async fn rebuild(
        &self,
        repo: &ContentRepo,
        now: DateTime<Utc>,
    ) -> Result<usize, SearchError> {
        let _guard = self.sync_lock.lock().await;
        let last_change = repo.last_change_id().await?;
        let sections = repo.sections().await?;
        {
            let w = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
            // Merged once at the end instead (below).
            w.set_merge_policy(Box::new(NoMergePolicy));
            w.delete_all_documents()?;
        }
        let built = async {
            let mut after = 0;
            let mut count = 0;
            loop {
                let batch = repo.public_articles_after(after, 500, now).await?;
                let Some(last) = batch.last() else { break };
                after = last.summary.id;
                count += batch.len();
                self.add_articles(repo, &batch, &sections).await?;
            }
            self.commit(last_change, now)?;
            Ok::<usize, SearchError>(count)
        }
        .await;
        // A rebuilt archive is read far more than it is written: in one
        // segment every term lookup (a search's, more-like-this's choice of
        // terms and their scorers) is one dictionary lookup instead of one
        // per segment (16 after a rebuild of 100k articles). Later writes
        // add small segments that the merge policy folds in.
        let merging = {
            let mut w = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
            w.set_merge_policy(Box::new(LogMergePolicy::default()));
            let segments = self.index.searchable_segment_ids()?;
            (built.is_ok() && segments.len() > 1).then(|| w.merge(&segments))
        };
        let count = built?;
        if let Some(merging) = merging {
            // Only slower searches if it fails: the segments stay as they are.
            match merging.await {
                Ok(_) => self.reader.reload()?,
                Err(e) => tracing::warn!("search index: merging the rebuilt segments failed: {e}"),
            }
        }
        if let Ok(mut st) = self.state.lock() {
            st.seen = None;
        }
        Ok(count)
    }

    async fn add_articles(
        &self,
        repo: &ContentRepo,
        articles: &[Article],
        sections: &[domain::Section],
    ) -> Result<(), SearchError> {
        let mut author_ids: Vec<i64> = articles
            .iter()
            .flat_map(|a| a.summary.author_ids.iter().copied())
            .collect();
        author_ids.sort_unstable();
        author_ids.dedup();
        let mut tag_ids: Vec<i64> = articles
            .iter()
            .flat_map(|a| a.summary.tag_ids.iter().copied())
            .collect();
        tag_ids.sort_unstable();
        tag_ids.dedup();
        // Names by id, built once per batch rather than per article.
        let author_names: HashMap<i64, String> = repo
            .authors_by_ids(&author_ids)
            .await?
            .into_iter()
            .map(|x| (x.id, x.name))
            .collect();
        let tag_names: HashMap<i64, String> = repo
            .tags_by_ids(&tag_ids)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect();
        let section_names: HashMap<i64, String> =
            sections.iter().map(|x| (x.id, x.name.clone())).collect();
        let names =
            |ids: &mut dyn Iterator<Item = &i64>, by_id: &HashMap<i64, String>| -> Vec<String> {
                ids.filter_map(|id| by_id.get(id).cloned()).collect()
            };
        let w = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        for a in articles {
            let s = &a.summary;
            let section_names = names(
                &mut std::iter::once(&s.section_id).chain(&a.secondary_section_ids),
                &section_names,
            );
            let tag_names = names(&mut s.tag_ids.iter(), &tag_names);
            let author_names = names(&mut s.author_ids.iter(), &author_names);
            w.delete_term(Term::from_field_u64(self.fields.id, s.id.unsigned_abs()));
            w.add_document(doc_of(
                &self.fields,
                a,
                &section_names,
                &tag_names,
                &author_names,
            ))?;
        }
        Ok(())
    }

    fn commit(&self, last_change: i64, now: DateTime<Utc>) -> Result<(), SearchError> {
        {
            let mut w = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
            let mut prepared = w.prepare_commit()?;
            prepared.set_payload(&format!("{last_change} {}", now.timestamp_micros()));
            prepared.commit()?;
        }
        self.reader.reload()?;
        if let Ok(mut st) = self.state.lock() {
            st.last_change = last_change;
            st.last_time = now;
        }
        self.commits
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Brings the index up to date with the change log: re-indexes (or
    /// removes) every article written since the last sync and every article
    /// whose scheduled transition has come; notes collection writes.
    pub async fn sync(
        &self,
        repo: &ContentRepo,
        now: DateTime<Utc>,
    ) -> Result<Synced, SearchError> {
        let _guard = self.sync_lock.lock().await;
        let (last_change, last_time, seen) = {
            let st = self.state.lock().map_err(|_| SearchError::Poisoned)?;
            (st.last_change, st.last_time, st.seen.clone())
        };
        let mut ids: HashSet<i64> = HashSet::new();
        let mut collections = false;
        let mut newest = last_change;
        let mut window: BTreeSet<i64> = BTreeSet::new();
        let mut cursor = (last_change - OVERLAP).max(0);
        loop {
            let rows = repo.changes_after(cursor, 1000).await?;
            let Some(last) = rows.last() else { break };
            cursor = last.id;
            newest = newest.max(last.id);
            for r in &rows {
                // Rows above the old cursor are new; in the overlap only
                // the ones not indexed yet (a late commit) are.
                let indexed = match &seen {
                    Some(seen) => seen.contains(&r.id),
                    None => r.id <= last_change,
                };
                if !indexed {
                    if r.is_collection() {
                        collections = true;
                    } else {
                        ids.insert(r.article_id);
                    }
                }
                window.insert(r.id);
            }
            if rows.len() < 1000 {
                break;
            }
        }
        let window = window.split_off(&(newest - OVERLAP));
        // Rows above the old cursor are new; the overlap only re-checks.
        for due in repo
            .changes_effective_between(last_time, now, 10_000)
            .await?
        {
            if !due.is_collection() {
                ids.insert(due.article_id);
            }
        }
        if ids.is_empty() {
            if let Ok(mut st) = self.state.lock() {
                st.last_time = now;
                st.seen = Some(window);
            }
            return Ok(Synced {
                articles: Vec::new(),
                collections,
            });
        }
        let ids: Vec<i64> = ids.into_iter().collect();
        let public = repo.public_articles_by_ids(&ids, now).await?;
        {
            let w = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
            for id in &ids {
                w.delete_term(Term::from_field_u64(self.fields.id, id.unsigned_abs()));
            }
        }
        let sections = repo.sections().await?;
        self.add_articles(repo, &public, &sections).await?;
        self.commit(newest, now)?;
        if let Ok(mut st) = self.state.lock() {
            st.seen = Some(window);
        }
        Ok(Synced {
            articles: ids,
            collections,
        })
    }

    /// The newest change-log id the index has absorbed.
    pub fn last_change(&self) -> i64 {
        self.state.lock().map(|s| s.last_change).unwrap_or(0)
    }

    /// How many times the index changed since it was opened: what a
    /// search saw is stale when this has moved.
    pub fn commits(&self) -> u64 {
        self.commits.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Inverse document frequency of each word in article bodies,
    /// `ln((N + 1) / (df + 1)) + 1` (words are search keys, as indexed);
    /// remembered for ten minutes.
    pub fn body_idf<'a>(
        &self,
        words: impl IntoIterator<Item = &'a str>,
    ) -> HashMap<&'a str, f32, foldhash::fast::RandomState> {
        let searcher = self.reader.searcher();
        let n = searcher.num_docs() as f32;
        words
            .into_iter()
            .map(|w| {
                let idf = self.idf.get(w).unwrap_or_else(|| {
                    let df = searcher
                        .doc_freq(&Term::from_field_text(self.fields.body, w))
                        .unwrap_or(0) as f32;
                    let idf = ((n + 1.0) / (df + 1.0)).ln() + 1.0;
                    self.idf.insert(w.to_owned(), idf);
                    idf
                });
                (w, idf)
            })
            .collect()
    }

    fn filters(&self, req: &SearchRequest) -> Vec<(Occur, Box<dyn Query>)> {
        let (from, to, kinds, access) = (req.from, req.to, &req.kinds, &req.access);
        let f = &self.fields;
        let mut out: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let any_of = |field: Field, ids: &[i64]| -> Box<dyn Query> {
            Box::new(TermSetQuery::new(
                ids.iter()
                    .map(|id| Term::from_field_u64(field, id.unsigned_abs())),
            ))
        };
        if let Some(ids) = &req.section_ids {
            out.push((Occur::Must, any_of(f.section_ids, ids)));
        }
        if !req.not_section_ids.is_empty() {
            out.push((Occur::MustNot, any_of(f.section_ids, &req.not_section_ids)));
        }
        for (field, set) in [(f.tag_ids, &req.tags), (f.author_ids, &req.authors)] {
            if !set.any.is_empty() {
                out.push((Occur::Must, any_of(field, &set.any)));
            }
            for id in &set.all {
                out.push((
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_field_u64(field, id.unsigned_abs()),
                        IndexRecordOption::Basic,
                    )),
                ));
            }
            if !set.none.is_empty() {
                out.push((Occur::MustNot, any_of(field, &set.none)));
            }
        }
        if from.is_some() || to.is_some() {
            let lower = from
                .map(|t| Bound::Included(Term::from_field_i64(f.published, t.timestamp_micros())))
                .unwrap_or(Bound::Unbounded);
            let upper = to
                .map(|t| Bound::Excluded(Term::from_field_i64(f.published, t.timestamp_micros())))
                .unwrap_or(Bound::Unbounded);
            out.push((Occur::Must, Box::new(RangeQuery::new(lower, upper))));
        }
        if !kinds.is_empty() {
            let terms = kinds
                .iter()
                .map(|k| Term::from_field_u64(f.kind, kind_code(*k)));
            out.push((Occur::Must, Box::new(TermSetQuery::new(terms))));
        }
        if !access.is_empty() {
            let terms = access
                .iter()
                .map(|a| Term::from_field_u64(f.access, access_code(*a)));
            out.push((Occur::Must, Box::new(TermSetQuery::new(terms))));
        }
        if !req.languages.is_empty() {
            let terms = req
                .languages
                .iter()
                .map(|l| Term::from_field_u64(f.language, language_code(l)));
            out.push((Occur::Must, Box::new(TermSetQuery::new(terms))));
        }
        out
    }

    /// Runs a reader's query (`"phrase"`, `+required`, `-excluded`, plain
    /// words all required) with filters; headline matches weigh most.
    pub fn search(&self, req: &SearchRequest) -> Result<Hits, SearchError> {
        let f = &self.fields;
        let mut parser = QueryParser::for_index(
            &self.index,
            vec![f.headline, f.summary, f.body, f.tags, f.section, f.authors],
        );
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.headline, 3.0);
        parser.set_field_boost(f.tags, 2.0);
        parser.set_field_boost(f.summary, 1.5);
        let clean = clean_query(&req.query);
        let (plain, romanised) = take_romanised(&clean.text);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if !plain.trim().is_empty() {
            let (text_query, _errors) = parser.parse_query_lenient(&plain);
            clauses.push((Occur::Must, text_query));
        }
        // A word in Latin letters matches as typed, as Avro spells it in
        // Bengali (which also marks it in snippets), or by sound.
        let mut analyzer = self.index.tokenizers().get(analyzer::NAME);
        for word in romanised {
            // An English stop word (`the`, `of`) is no word to require:
            // English text is indexed without them.
            if let Some(a) = analyzer.as_mut()
                && !a.token_stream(&word.typed).advance()
            {
                continue;
            }
            let (as_typed, _) = parser.parse_query_lenient(&word.typed);
            let (as_spelled, _) = parser.parse_query_lenient(&word.bengali);
            let mut either: Vec<(Occur, Box<dyn Query>)> =
                vec![(Occur::Should, as_typed), (Occur::Should, as_spelled)];
            for (key, weight) in &word.sounds {
                let term = TermQuery::new(
                    Term::from_field_text(f.sound, key),
                    IndexRecordOption::WithFreqs,
                );
                either.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(term), *weight)),
                ));
            }
            let either = BooleanQuery::new(either);
            let occur = if word.excluded {
                Occur::MustNot
            } else {
                Occur::Must
            };
            clauses.push((occur, Box::new(either)));
        }
        // A prefix word: any word of any searched field that starts so (at
        // most 50 words expanded per field), weighted like the fields.
        for (key, excluded) in &clean.prefixes {
            let per_field: Vec<(Occur, Box<dyn Query>)> = [
                (f.headline, 3.0),
                (f.summary, 1.5),
                (f.body, 1.0),
                (f.tags, 2.0),
                (f.section, 1.0),
                (f.authors, 1.0),
            ]
            .into_iter()
            .map(|(field, boost)| {
                let prefix = PhrasePrefixQuery::new(vec![Term::from_field_text(field, key)]);
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(prefix), boost)) as Box<dyn Query>,
                )
            })
            .collect();
            let occur = if *excluded {
                Occur::MustNot
            } else {
                Occur::Must
            };
            clauses.push((occur, Box::new(BooleanQuery::new(per_field))));
        }
        clauses.extend(self.filters(req));
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let limit = req.limit.max(1);
        let (docs, total): (Vec<(f32, DocAddress)>, usize) = match req.sort {
            SortBy::Relevance => searcher.search(
                &query,
                &(
                    TopDocs::with_limit(limit)
                        .and_offset(req.offset)
                        .order_by_score(),
                    Count,
                ),
            )?,
            SortBy::Newest => {
                let (docs, total) = searcher.search(
                    &query,
                    &(
                        TopDocs::with_limit(limit)
                            .and_offset(req.offset)
                            .order_by_fast_field::<i64>("published", Order::Desc),
                        Count,
                    ),
                )?;
                (docs.into_iter().map(|(_, d)| (0.0, d)).collect(), total)
            }
        };
        let mut snippets = SnippetGenerator::create(&searcher, &query, f.body)?;
        snippets.set_max_num_chars(200);
        let mut summary_snippets = SnippetGenerator::create(&searcher, &query, f.summary)?;
        summary_snippets.set_max_num_chars(200);
        let mut headline_snippets = SnippetGenerator::create(&searcher, &query, f.headline)?;
        headline_snippets.set_max_num_chars(400);
        let mut hits = Vec::with_capacity(docs.len());
        for (score, addr) in docs {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let Some(id) = doc.get_first(f.id).and_then(|v| v.as_u64()) else {
                continue;
            };
            let headline = first_text(&doc, f.headline);
            let h = headline_snippets.snippet(&headline);
            let headline_html = if h.highlighted().is_empty() {
                html_escape::encode_text(&headline).into_owned()
            } else {
                mark(&headline, h.highlighted())
            };
            // Passages come from the opening of the body: tokenising whole
            // long bodies for every hit would dominate the query time.
            let body: String = first_text(&doc, f.body)
                .chars()
                .take(SNIPPET_SOURCE_CHARS)
                .collect();
            let mut snip = snippets.snippet(&body);
            if snip.highlighted().is_empty() {
                let summary = first_text(&doc, f.summary);
                let s = summary_snippets.snippet(&summary);
                if !s.highlighted().is_empty() || snip.fragment().is_empty() {
                    snip = s;
                }
            }
            let snippet_html = if snip.fragment().is_empty() {
                html_escape::encode_text(&body.chars().take(200).collect::<String>()).into_owned()
            } else {
                mark(snip.fragment(), snip.highlighted())
            };
            hits.push(Hit {
                id: i64::try_from(id).unwrap_or(0),
                score,
                headline_html,
                snippet_html,
            });
        }
        let facets = match &req.facets {
            Some(lineage) => Some(searcher.search(&query, &facets::Facets(lineage.clone()))?),
            None => None,
        };
        Ok(Hits {
            total,
            hits,
            facets,
        })
    }

    /// Articles whose text resembles `source` (more-like-this over the
    /// distinctive terms of its headline, summary and body), best first.
    pub fn similar(&self, source: &Article, limit: usize) -> Result<Vec<Candidate>, SearchError> {
        let f = &self.fields;
        let s = &source.summary;
        // The opening of the story carries its distinctive terms; the whole
        // body would only make the query slower.
        let body: String = body_text(&source.body)
            .chars()
            .take(SIMILAR_BODY_CHARS)
            .collect();
        let mut fields = vec![
            (f.headline, vec![OwnedValue::Str(s.headline.clone())]),
            (f.body, vec![OwnedValue::Str(body)]),
        ];
        if let Some(sum) = &s.summary {
            fields.push((f.summary, vec![OwnedValue::Str(sum.clone())]));
        }
        // Words in more than one article in twenty (Bengali function words,
        // the paper's own boilerplate) say nothing about the story and have
        // the longest posting lists: leave them out.
        let searcher = self.reader.searcher();
        let common = (searcher.num_docs() / 20).max(50);
        let mlt = MoreLikeThisQuery::builder()
            .with_min_doc_frequency(1)
            .with_max_doc_frequency(common)
            .with_min_term_frequency(1)
            .with_max_query_terms(40)
            .with_min_word_length(2)
            .with_document_fields(fields);
        let headline_boost = BoostQuery::new(Box::new(mlt), 1.0);
        let query = BooleanQuery::new(vec![
            (Occur::Should, Box::new(headline_boost) as Box<dyn Query>),
            // Related stories stay in the article's language (its versions
            // in other languages are its translations, not related).
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_u64(f.language, language_code(&source.summary.language)),
                    IndexRecordOption::Basic,
                )),
            ),
            (
                Occur::MustNot,
                Box::new(TermQuery::new(
                    Term::from_field_u64(f.id, s.id.unsigned_abs()),
                    IndexRecordOption::Basic,
                )),
            ),
        ]);
        let docs = searcher.search(&query, &TopDocs::with_limit(limit.max(1)).order_by_score())?;
        let mut out = Vec::with_capacity(docs.len());
        for (score, addr) in docs {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let Some(id) = doc.get_first(f.id).and_then(|v| v.as_u64()) else {
                continue;
            };
            let ids = |field: Field| -> Vec<i64> {
                doc.get_all(field)
                    .filter_map(|v| v.as_u64())
                    .filter_map(|v| i64::try_from(v).ok())
                    .collect()
            };
            out.push(Candidate {
                id: i64::try_from(id).unwrap_or(0),
                similarity: score,
                section_ids: ids(f.section_ids),
                tag_ids: ids(f.tag_ids),
                published: doc
                    .get_first(f.published)
                    .and_then(|v| v.as_i64())
                    .and_then(DateTime::<Utc>::from_timestamp_micros),
                headline: first_text(&doc, f.headline),
                body: first_text(&doc, f.body)
                    .chars()
                    .take(SIMILAR_BODY_CHARS)
                    .collect(),
            });
        }
        Ok(out)
    }
}

/// A query word typed in Latin letters (Banglish: `dhaka`, `bonna`).
#[derive(Debug, PartialEq)]
pub struct Romanised {
    pub typed: String,
    /// The Avro phonetic spelling (`ঢাকা`).
    pub bengali: String,
    /// Its sound keys (`domain::sound`) with their weights: a Latin `a`
    /// after a consonant is আ-কার or the unwritten vowel (`chattogram` is
    /// চট্টগ্রাম), so each such `a` may also be left out, at a lower weight.
    pub sounds: Vec<(String, f32)>,
    /// `-dhaka`.
    pub excluded: bool,
}

/// The Avro phonetic spelling and sound keys of a word of Latin letters
/// (two or more, nothing else); `None` for any other word.
pub fn romanised(word: &str) -> Option<(String, Vec<(String, f32)>)> {
    static AVRO: std::sync::LazyLock<okkhor::parser::Parser> =
        std::sync::LazyLock::new(okkhor::parser::Parser::new_phonetic);
    if word.len() < 2 || !word.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    // Avro reads case (`T` is ত, `t` ট); the sound key does not tell
    // them apart, and readers capitalise names, not sounds.
    let bengali = AVRO.convert(&word.to_ascii_lowercase());
    let key = domain::text::search_key(&bengali).replace(' ', "");
    let sound = domain::sound::sound_key(&key)?;
    Some((bengali, sound_variants(&sound)))
}

/// Weight of a sound key per `a` it leaves out.
const DROPPED_A: f32 = 0.6;

/// `key` and the keys without some of its `a`s after the first letter (at
/// most the first three: eight keys), heaviest first.
fn sound_variants(key: &str) -> Vec<(String, f32)> {
    let positions: Vec<usize> = key
        .char_indices()
        .skip(1)
        .filter(|&(_, c)| c == 'a')
        .map(|(i, _)| i)
        .take(3)
        .collect();
    let mut out: Vec<(String, f32)> = (0u32..1 << positions.len())
        .map(|drop| {
            let variant: String = key
                .char_indices()
                .filter(|(i, _)| {
                    positions
                        .iter()
                        .position(|p| p == i)
                        .is_none_or(|bit| drop & (1 << bit) == 0)
                })
                .map(|(_, c)| c)
                .collect();
            let weight = DROPPED_A.powi(i32::try_from(drop.count_ones()).unwrap_or(3));
            (variant, weight)
        })
        .filter(|(variant, _)| !variant.is_empty())
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// Takes the Banglish words out of a cleaned query: the rest for the query
/// grammar, and the words. A word inside quotes stays in its phrase.
pub fn take_romanised(text: &str) -> (String, Vec<Romanised>) {
    let mut plain = String::with_capacity(text.len());
    let mut words = Vec::new();
    let mut quoted = false;
    for word in text.split(' ') {
        let opens = word.matches('"').count() % 2 == 1;
        let (excluded, bare) = match word.strip_prefix(['+', '-']) {
            Some(rest) => (word.starts_with('-'), rest),
            None => (false, word),
        };
        match romanised(bare).filter(|_| !quoted && !opens) {
            Some((bengali, sounds)) => words.push(Romanised {
                typed: bare.to_owned(),
                bengali,
                sounds,
                excluded,
            }),
            None => {
                if !plain.is_empty() {
                    plain.push(' ');
                }
                plain.push_str(word);
            }
        }
        if opens {
            quoted = !quoted;
        }
    }
    (plain, words)
}

/// Marks the `*` of a prefix word (`কারা*`) while the query is cleaned.
const PREFIX_MARK: char = '\u{E000}';

/// Keeps the reader's syntax (quotes, `+`, `-`, a `*` ending a word for a
/// prefix) and turns everything else the query grammar would interpret
/// (field names, ranges, boosts, regex…) into plain separators.
pub fn sanitize(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    let mut chars = q.chars().peekable();
    let mut prev = ' ';
    while let Some(c) = chars.next() {
        match c {
            '"' | '+' | '-' => out.push(c),
            c if c.is_whitespace() => out.push(' '),
            // A `*` right after a word and before a space or the end makes
            // the word a prefix; anywhere else it separates.
            '*' if (prev.is_alphanumeric() || domain::text::is_word_mark(prev))
                && chars.peek().is_none_or(|n| n.is_whitespace()) =>
            {
                out.push(PREFIX_MARK)
            }
            ':' | '^' | '~' | '*' | '(' | ')' | '[' | ']' | '{' | '}' | '\\' | '/' | '!' | '\''
            | '`' | '<' | '>' | '=' | PREFIX_MARK => out.push(' '),
            c => out.push(c),
        }
        prev = c;
    }
    // Unbalanced quotes would make the rest one long phrase.
    if out.matches('"').count() % 2 == 1 {
        out = out.replace('"', " ");
    }
    // `+`/`-` only mean required/excluded at the start of a word.
    let mut cleaned = String::with_capacity(out.len());
    let mut prev = ' ';
    for c in out.chars() {
        if (c == '+' || c == '-') && !(prev == ' ' || prev == '"') {
            cleaned.push(' ');
        } else {
            cleaned.push(c);
        }
        prev = c;
    }
    cleaned
}

/// A reader's query split for the index: the text for the query grammar
/// and the prefix words (`কারা*`), which the grammar cannot express alone.
#[derive(Debug, PartialEq)]
pub struct CleanQuery {
    pub text: String,
    /// Each prefix's search key, and whether it is excluded (`-কারা*`).
    pub prefixes: Vec<(String, bool)>,
}

/// [`sanitize`]s `q` and takes out the prefix words. A marked word inside
/// a quoted phrase, or of fewer than two characters (which would expand to
/// too many words), stays a plain word.
pub fn clean_query(q: &str) -> CleanQuery {
    let cleaned = sanitize(q);
    let mut text = String::with_capacity(cleaned.len());
    let mut prefixes = Vec::new();
    let mut quoted = false;
    for word in cleaned.split(' ') {
        let opens = word.matches('"').count() % 2 == 1;
        let stem = word.strip_suffix(PREFIX_MARK).filter(|_| !quoted && !opens);
        let prefix = stem.and_then(|stem| {
            let (excluded, stem) = match stem.strip_prefix(['+', '-']) {
                Some(rest) => (stem.starts_with('-'), rest),
                None => (false, stem),
            };
            let key = domain::text::search_key(stem);
            (key.chars().count() >= 2 && !key.contains(' ')).then_some((key, excluded))
        });
        match prefix {
            Some(p) => prefixes.push(p),
            None => {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(&word.replace(PREFIX_MARK, ""));
            }
        }
        if opens {
            quoted = !quoted;
        }
    }
    CleanQuery { text, prefixes }
}

fn parse_payload(p: &str) -> (i64, DateTime<Utc>) {
    let mut parts = p.split_whitespace();
    let last = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let time = parts
        .next()
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(DateTime::<Utc>::from_timestamp_micros)
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    (last, time)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sound(word: &str) -> String {
        domain::sound::sound_key(&domain::text::search_key(word)).unwrap()
    }

    #[test]
    fn banglish_words_meet_their_bengali_spellings() {
        // Avro spells `dhaka` ধাকা (`Dh` would be ঢ); the sound is the same.
        let keys = |word: &str| -> Vec<String> {
            romanised(word)
                .unwrap()
                .1
                .into_iter()
                .map(|(k, _)| k)
                .collect()
        };
        let (spelled, sounds) = romanised("dhaka").unwrap();
        assert_eq!(spelled, "ধাকা");
        assert_eq!(sounds[0], ("daka".to_owned(), 1.0));
        assert_eq!(sound("ঢাকা"), "daka");
        // Avro spells `bonna` বন্না; the paper writes বন্যা.
        assert_eq!(keys("bonna")[0], sound("বন্যা"));
        assert_eq!(keys("Hasina")[0], sound("হাসিনা"));
        assert_eq!(keys("bangladesh")[0], sound("বাংলাদেশ"));
        // The first `a` of `chattogram` is the unwritten vowel.
        assert!(keys("chattogram").contains(&sound("চট্টগ্রাম")));
        assert!(!keys("chattogram")[0].is_empty());
        for not_banglish in ["a", "2024", "ঢাকা", "covid19", "e-mail"] {
            assert_eq!(romanised(not_banglish), None, "{not_banglish}");
        }
    }

    #[test]
    fn banglish_words_leave_the_query_but_not_a_phrase() {
        let (plain, words) = take_romanised("dhaka \"bonna khobor\" ঢাকা -hasina 2024");
        assert_eq!(plain, "\"bonna khobor\" ঢাকা 2024");
        let typed: Vec<(&str, bool)> = words
            .iter()
            .map(|w| (w.typed.as_str(), w.excluded))
            .collect();
        assert_eq!(typed, vec![("dhaka", false), ("hasina", true)]);
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)]
    fn marks_are_escaped_around_and_inside() {
        assert_eq!(
            mark("a <b> ঢাকা & c", &[6..18]),
            "a &lt;b&gt; <mark>ঢাকা</mark> &amp; c"
        );
        assert_eq!(mark("x", &[5..9]), "x");
    }

    #[test]
    fn query_syntax_is_limited_to_quotes_plus_and_minus() {
        assert_eq!(sanitize("headline:ঢাকা"), "headline ঢাকা");
        assert_eq!(
            sanitize("\"বন্যা পরিস্থিতি\" -ঢাকা +সিলেট"),
            "\"বন্যা পরিস্থিতি\" -ঢাকা +সিলেট"
        );
        assert_eq!(sanitize("\"unbalanced"), " unbalanced");
        assert_eq!(sanitize("co-op a+b"), "co op a b");
        let words = |q: &str| {
            clean_query(q)
                .text
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(words("[1 TO 5]^3~2*"), "1 TO 5 3 2");
        assert_eq!(words("a*b (x)*"), "a b x");
    }

    #[test]
    fn a_star_ending_a_word_makes_it_a_prefix() {
        let q = |s: &str| clean_query(s);
        assert_eq!(
            q("ঢাকা কারা* -বন্দি*"),
            CleanQuery {
                text: "ঢাকা".into(),
                prefixes: vec![("কারা".into(), false), ("বন্দি".into(), true)]
            }
        );
        // Too short to expand, or inside a phrase: a plain word.
        assert_eq!(q("ক*").text, "ক");
        assert!(q("ক*").prefixes.is_empty());
        assert_eq!(q("\"কারা* ফটক\"").text, "\"কারা ফটক\"");
        assert!(q("\"কারা* ফটক\"").prefixes.is_empty());
        assert_eq!(q("* কারা").text.trim(), "কারা");
    }
}
