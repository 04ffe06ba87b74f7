//! The query service: every surface (REST, GraphQL, feeds) calls these
//! functions, so each rule is written once. It parses raw parameters into
//! domain values (collecting every invalid one), asks the repository and
//! hands back domain types.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Dhaka;
use domain::bangla::{self, CalendarRule, Edition};
use domain::{
    Article, ArticleFilter, ArticleId, ArticleKey, ArticleSummary, Author, Cursor, IdSet, Limit,
    PageRequest, Section, Tag, ValidationError, section_subtree,
};
use persistence::{ContentRepo, Links, Page};

use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::AppError;
use crate::events::{Change, ContentEvents, NoEvents};

/// Raw list parameters as a client sent them (REST query string or GraphQL
/// arguments), parsed here so every surface reports the same errors.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    /// Section slug: includes its sub-sections and articles filed there as a
    /// secondary section.
    pub section: Option<String>,
    /// Tag slug.
    pub tag: Option<String>,
    /// Author slug.
    pub author: Option<String>,
    /// From this instant (inclusive): RFC 3339, or a `YYYY-MM-DD` day in
    /// Asia/Dhaka.
    pub from: Option<String>,
    /// Until this instant (exclusive; a `YYYY-MM-DD` day is included whole).
    pub to: Option<String>,
    /// Page size.
    pub limit: Option<String>,
    /// Opaque; from `page.nextCursor` of the same list.
    pub cursor: Option<String>,
    /// Opaque, an item's cursor: the page ends just before it (newer
    /// items; GraphQL's `before`).
    pub before: Option<String>,
    /// `limit` counts back from `before` (or from the oldest end): GraphQL's
    /// `last`. Its errors name `last` and `before`.
    pub backward: bool,
    /// Sections, tags, authors the articles must not be filed under
    /// (comma-separated slugs; REST's `-section`, `-tag`, `-author`).
    pub not_section: Option<String>,
    pub not_tag: Option<String>,
    pub not_author: Option<String>,
    /// Kinds, comma-separated (any of them): `opinion,analysis`.
    pub kind: Option<String>,
    /// Access levels, comma-separated (any of them): `free,metered`.
    pub access: Option<String>,
    /// Languages, comma-separated (any of them): `en`, `bn,en`.
    pub lang: Option<String>,
}

/// `lang=en,bn`: primary language subtags of supported languages, each
/// once.
pub fn parse_languages(raw: Option<&str>) -> Result<Vec<String>, ValidationError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(Vec::new());
    };
    let mut out: Vec<String> = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some(tag) = domain::text::language_tag(part) else {
            return Err(ValidationError::new(
                "lang",
                format!(
                    "{part:?} is not a language here: use {}",
                    domain::text::LANGUAGES.join(" or ")
                ),
            ));
        };
        let primary = domain::text::primary_language(&tag).to_owned();
        if !out.contains(&primary) {
            out.push(primary);
        }
    }
    Ok(out)
}

/// A version of a story in another language.
#[derive(Debug, Clone, PartialEq)]
pub struct Translation {
    pub summary: ArticleSummary,
    /// Its BCP 47 language tag.
    pub language: String,
}

/// The most slugs one filter takes.
pub const MAX_FILTER_VALUES: usize = 10;

/// A slug filter as given: `a,b` (any of them), `a+b` (all of them; a `+`
/// arrives decoded as a space) and the negated `-x=c,d` (none of them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlugSet {
    pub any: Vec<String>,
    pub all: Vec<String>,
    pub none: Vec<String>,
}

impl SlugSet {
    /// Parses `field`'s value and its negation; `allow_all` says whether
    /// `+` (all of) makes sense (not for sections: an article has one).
    pub fn parse(
        field: &str,
        value: Option<&str>,
        negated: Option<&str>,
        allow_all: bool,
    ) -> Result<Self, ValidationError> {
        let slugs =
            |field: &str, raw: &str, sep: &[char]| -> Result<Vec<String>, ValidationError> {
                let mut out: Vec<String> = Vec::new();
                for part in raw.split(sep) {
                    let part = part.trim();
                    if part.is_empty() || part.chars().count() > domain::Slug::MAX_CHARS {
                        return Err(ValidationError::new(
                            field,
                            "must be slugs of 1 to 200 characters, joined by , (any) or + (all)",
                        ));
                    }
                    let part = domain::text::nfc(part);
                    if !out.contains(&part) {
                        out.push(part);
                    }
                }
                if out.len() > MAX_FILTER_VALUES {
                    return Err(ValidationError::new(field, "takes at most 10 slugs"));
                }
                Ok(out)
            };
        let mut set = Self::default();
        if let Some(raw) = value {
            let all = raw.contains(['+', ' ']);
            if all && raw.contains(',') {
                return Err(ValidationError::new(
                    field,
                    "joins slugs by , (any of them) or by + (all of them), not both",
                ));
            }
            if all && !allow_all {
                return Err(ValidationError::new(
                    field,
                    "an article is in one section: join sections by , (any of them)",
                ));
            }
            if all {
                set.all = slugs(field, raw, &['+', ' '])?;
            } else {
                set.any = slugs(field, raw, &[','])?;
            }
        }
        if let Some(raw) = negated {
            let not = format!("-{field}");
            if raw.contains(['+', ' ']) {
                return Err(ValidationError::new(
                    &not,
                    "joins slugs by , (none of them)",
                ));
            }
            set.none = slugs(&not, raw, &[','])?;
        }
        Ok(set)
    }
}

/// Totals are counted this far; past it a list says "at least".
pub const TOTAL_CAP: u64 = 10_000;

/// A comma-separated list of values of `T` (any of them), deduplicated;
/// every bad value is an error naming `field`.
pub fn parse_any<T>(field: &str, raw: Option<&str>) -> Result<Vec<T>, ValidationError>
where
    T: std::str::FromStr<Err = ValidationError> + PartialEq,
{
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let mut out: Vec<T> = Vec::new();
    for part in raw.split(',') {
        let v: T = part.trim().parse().map_err(|mut e: ValidationError| {
            e.field = field.to_owned();
            e
        })?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

/// What a read of articles fetches for the fields a client selects (REST's
/// `fields=` and a GraphQL selection use the same names): the author, tag
/// and secondary-section links only for `authors`, `tags` or
/// `secondarySections`, each text column only when its field is asked for.
pub fn read_for(asks: impl Fn(&str) -> bool) -> persistence::ListRead {
    let links = if asks("authors") || asks("tags") || asks("secondarySections") {
        Links::Load
    } else {
        Links::Skip
    };
    persistence::ListRead {
        links,
        columns: persistence::SummaryColumns {
            slug: asks("slug"),
            headline: asks("headline"),
            kicker: asks("kicker"),
            summary: asks("summary"),
            desk: asks("desk"),
            image: asks("image"),
        },
    }
}

/// Sections, authors and tags referenced by a set of articles.
#[derive(Debug, Clone, Default)]
pub struct Refs {
    /// Every section, shared with the taxonomy cache (not copied per page).
    pub sections: std::sync::Arc<HashMap<i64, Section>>,
    pub authors: HashMap<i64, Author>,
    pub tags: HashMap<i64, Tag>,
}

impl Refs {
    pub fn authors_of<'a>(&'a self, a: &'a ArticleSummary) -> impl Iterator<Item = &'a Author> {
        a.author_ids.iter().filter_map(|id| self.authors.get(id))
    }

    pub fn tags_of<'a>(&'a self, a: &'a ArticleSummary) -> impl Iterator<Item = &'a Tag> {
        a.tag_ids.iter().filter_map(|id| self.tags.get(id))
    }
}

pub struct ArticleList {
    pub page: Page<ArticleSummary>,
    pub refs: Refs,
}

pub struct ArticleItem {
    pub article: Article,
    pub refs: Refs,
    pub comments: persistence::CommentStats,
}

#[derive(Clone)]
pub struct ContentService {
    repo: ContentRepo,
    clock: Clock,
    rule: CalendarRule,
    events: std::sync::Arc<dyn ContentEvents>,
    taxonomy: std::sync::Arc<TaxonomyCache>,
    /// Rendition URLs of uploaded pictures start with this.
    image_base: std::sync::Arc<str>,
    /// Counters shared with the other instances, and change notices.
    shared: crate::shared::Shared,
}

/// How long sections, authors and tags are reused without asking the
/// database: the same bound as the change-log poll. This instance's own
/// taxonomy writes clear it at once.
pub const TAXONOMY_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// Sections, authors and tags by id: small, read by every response, rarely
/// written. Without it a list of 20 cost six queries, three of them for
/// these (PostgreSQL spent ~1.3 ms of CPU per "latest 20").
pub struct TaxonomyCache {
    sections: std::sync::Mutex<Option<(std::time::Instant, SectionSet)>>,
    authors: moka::sync::Cache<i64, Author>,
    tags: moka::sync::Cache<i64, Tag>,
}

/// The sections in tree order and by id, both shared.
#[derive(Clone)]
struct SectionSet {
    list: std::sync::Arc<Vec<Section>>,
    by_id: std::sync::Arc<HashMap<i64, Section>>,
}

impl std::fmt::Debug for ContentService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContentService").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for TaxonomyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TaxonomyCache")
    }
}

impl TaxonomyCache {
    fn new() -> Self {
        Self {
            sections: std::sync::Mutex::new(None),
            authors: moka::sync::Cache::builder()
                .max_capacity(50_000)
                .time_to_live(TAXONOMY_TTL)
                .build(),
            tags: moka::sync::Cache::builder()
                .max_capacity(200_000)
                .time_to_live(TAXONOMY_TTL)
                .build(),
        }
    }

    fn clear(&self) {
        if let Ok(mut s) = self.sections.lock() {
            *s = None;
        }
        self.authors.invalidate_all();
        self.tags.invalidate_all();
    }
}

impl ContentService {
    pub fn new(repo: ContentRepo, clock: Clock, rule: CalendarRule) -> Self {
        Self {
            repo,
            clock,
            rule,
            events: std::sync::Arc::new(NoEvents),
            taxonomy: std::sync::Arc::new(TaxonomyCache::new()),
            image_base: std::sync::Arc::from("http://localhost:8080"),
            shared: crate::shared::Shared::none(),
        }
    }

    /// Where rendition URLs of uploaded pictures start (no trailing slash).
    pub fn with_image_base(mut self, base: &str) -> Self {
        self.image_base = std::sync::Arc::from(base.trim_end_matches('/'));
        self
    }

    pub fn image_base(&self) -> &str {
        &self.image_base
    }

    /// A section, author or tag was written here: read them afresh.
    pub fn taxonomy_changed(&self) {
        self.taxonomy.clear();
    }

    /// Authors by id, through the taxonomy cache.
    pub async fn authors_by_ids(&self, ids: &[i64]) -> Result<HashMap<i64, Author>, AppError> {
        let mut out: HashMap<i64, Author> = HashMap::with_capacity(ids.len());
        let mut missing = Vec::new();
        for id in ids {
            match self.taxonomy.authors.get(id) {
                Some(a) => {
                    out.insert(*id, a);
                }
                None => missing.push(*id),
            }
        }
        for a in self.repo.authors_by_ids(&missing).await? {
            self.taxonomy.authors.insert(a.id, a.clone());
            out.insert(a.id, a);
        }
        Ok(out)
    }

    /// Tags by id, through the taxonomy cache.
    pub async fn tags_by_ids(&self, ids: &[i64]) -> Result<HashMap<i64, Tag>, AppError> {
        let mut out: HashMap<i64, Tag> = HashMap::with_capacity(ids.len());
        let mut missing = Vec::new();
        for id in ids {
            match self.taxonomy.tags.get(id) {
                Some(t) => {
                    out.insert(*id, t);
                }
                None => missing.push(*id),
            }
        }
        for t in self.repo.tags_by_ids(&missing).await? {
            self.taxonomy.tags.insert(t.id, t.clone());
            out.insert(t.id, t);
        }
        Ok(out)
    }

    /// Attaches whoever must hear of changes (the response cache, the CDN).
    pub fn with_events(mut self, events: std::sync::Arc<dyn ContentEvents>) -> Self {
        self.events = events;
        self
    }

    /// Shares counters with the other instances and tells them of writes.
    pub fn with_shared(mut self, shared: crate::shared::Shared) -> Self {
        self.shared = shared;
        self
    }

    /// This service with every read on the primary database (webhook
    /// payloads, which must show what the event announced).
    pub fn on_primary(&self) -> Self {
        Self {
            repo: self.repo.on_primary(),
            ..self.clone()
        }
    }

    pub fn shared(&self) -> &crate::shared::Shared {
        &self.shared
    }

    /// Announces a change to the subscribers.
    pub fn announce(&self, change: Change) {
        // Public reads stay on the primary until a replica has replayed
        // this write (before the caches drop what it touched).
        if !matches!(change, Change::NextTransition(_)) {
            self.repo.database().note_write();
        }
        // Tells the other instances at once (they re-read the change log);
        // what they learn from the log is not told again.
        if matches!(
            change,
            Change::Article { .. }
                | Change::Collection { .. }
                | Change::Comments { .. }
                | Change::Taxonomy(_)
        ) {
            self.shared.changed();
        }
        self.events.changed(change);
    }

    /// Who sent this `Authorization` header value.
    pub async fn caller(&self, authorization: Option<&[u8]>) -> Result<Caller, AppError> {
        crate::auth::caller(&self.repo, authorization).await
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(crate) fn repo(&self) -> &ContentRepo {
        &self.repo
    }

    pub fn calendar_rule(&self) -> CalendarRule {
        self.rule
    }

    /// Parses list parameters into a filter and a page request, resolving
    /// slugs. Every invalid parameter is reported at once; an unknown
    /// section, tag or author is a 404.
    pub async fn parse_list(
        &self,
        p: &ListParams,
        sections: &[Section],
    ) -> Result<(ArticleFilter, PageRequest), AppError> {
        let mut errors = Vec::new();
        let limit = Limit::parse(p.limit.as_deref())
            .map_err(|mut e| {
                if p.backward {
                    e.field = "last".into();
                }
                errors.push(e)
            })
            .ok();
        let (from, to) = parse_range(p.from.as_deref(), p.to.as_deref(), &mut errors);
        let kinds = parse_any("kind", p.kind.as_deref())
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        let access = parse_any("access", p.access.as_deref())
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        let languages = parse_languages(p.lang.as_deref())
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        let sections_asked = SlugSet::parse(
            "section",
            p.section.as_deref(),
            p.not_section.as_deref(),
            false,
        )
        .map_err(|e| errors.push(e))
        .ok();
        let tags_asked = SlugSet::parse("tag", p.tag.as_deref(), p.not_tag.as_deref(), true)
            .map_err(|e| errors.push(e))
            .ok();
        let authors_asked =
            SlugSet::parse("author", p.author.as_deref(), p.not_author.as_deref(), true)
                .map_err(|e| errors.push(e))
                .ok();
        let (Some(sections_asked), Some(tags_asked), Some(authors_asked), true) =
            (sections_asked, tags_asked, authors_asked, errors.is_empty())
        else {
            return Err(AppError::Invalid(errors));
        };
        let mut filter = ArticleFilter {
            from,
            to,
            kinds,
            access,
            languages,
            ..Default::default()
        };
        let section_id = |slug: &str| {
            let slug = domain::text::nfc(slug);
            sections
                .iter()
                .find(|s| s.slug == slug)
                .map(|s| s.id)
                .ok_or_else(|| AppError::not_found(format!("no section with slug {slug:?}")))
        };
        if !sections_asked.any.is_empty() {
            let mut ids = Vec::new();
            for slug in &sections_asked.any {
                let root = section_id(slug)?;
                filter.section_roots.push(root);
                for id in section_subtree(sections, root) {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
            filter.section_ids = Some(ids);
        }
        for slug in &sections_asked.none {
            let root = section_id(slug)?;
            filter.not_section_roots.push(root);
            for id in section_subtree(sections, root) {
                if !filter.not_section_ids.contains(&id) {
                    filter.not_section_ids.push(id);
                }
            }
        }
        filter.tags = IdSet {
            any: self.tag_ids(&tags_asked.any).await?,
            all: self.tag_ids(&tags_asked.all).await?,
            none: self.tag_ids(&tags_asked.none).await?,
        };
        filter.authors = IdSet {
            any: self.author_ids(&authors_asked.any).await?,
            all: self.author_ids(&authors_asked.all).await?,
            none: self.author_ids(&authors_asked.none).await?,
        };
        let after = domain::cursor::given(p.cursor.as_deref())
            .map(|c| Cursor::decode(c, filter.fingerprint()))
            .transpose()?;
        let before = domain::cursor::given(p.before.as_deref())
            .map(|c| {
                Cursor::decode(c, filter.fingerprint()).map_err(|mut e| {
                    e.field = "before".into();
                    e
                })
            })
            .transpose()?;
        Ok((
            filter,
            PageRequest {
                limit: limit.unwrap_or_default(),
                after,
                before,
                backward: p.backward,
            },
        ))
    }

    /// How many public articles a list's filter matches (its page and
    /// cursor aside), counted up to [`TOTAL_CAP`]: `(n, true)` is exact,
    /// `(TOTAL_CAP, false)` means at least that many.
    pub async fn total(&self, p: &ListParams) -> Result<(u64, bool), AppError> {
        let sections = self.shared_sections().await?;
        let p = ListParams {
            cursor: None,
            before: None,
            ..p.clone()
        };
        let (filter, _) = self.parse_list(&p, &sections).await?;
        Ok(self
            .repo
            .count_public(&filter, self.now(), TOTAL_CAP)
            .await?)
    }

    /// The ids of tags by slug; an unknown one is not found.
    async fn tag_ids(&self, slugs: &[String]) -> Result<Vec<i64>, AppError> {
        let mut ids = Vec::with_capacity(slugs.len());
        for slug in slugs {
            ids.push(self.tag(slug).await?.id);
        }
        Ok(ids)
    }

    /// The ids of authors by slug; an unknown one is not found.
    async fn author_ids(&self, slugs: &[String]) -> Result<Vec<i64>, AppError> {
        let mut ids = Vec::with_capacity(slugs.len());
        for slug in slugs {
            ids.push(self.author(slug).await?.id);
        }
        Ok(ids)
    }

    /// Latest public articles, filtered and paginated.
    pub async fn list(&self, p: &ListParams) -> Result<Page<ArticleSummary>, AppError> {
        self.list_and(p, Links::Load).await
    }

    /// [`Self::list`]; [`Links::Skip`] leaves the author and tag ids empty.
    pub async fn list_and(
        &self,
        p: &ListParams,
        links: Links,
    ) -> Result<Page<ArticleSummary>, AppError> {
        let sections = self.shared_sections().await?;
        let (filter, page) = self.parse_list(p, &sections).await?;
        Ok(self
            .repo
            .latest_public_with(&filter, page, self.now(), links)
            .await?)
    }

    /// Like [`Self::list`], with the referenced sections, authors and tags.
    pub async fn list_with_refs(&self, p: &ListParams) -> Result<ArticleList, AppError> {
        self.list_with_refs_and(p, Links::Load).await
    }

    /// [`Self::list_with_refs`] reading what `read` says: [`Links::Skip`]
    /// leaves out the authors and tags (and their subqueries), its columns
    /// the text a sparse list will not send.
    pub async fn list_with_refs_and(
        &self,
        p: &ListParams,
        read: impl Into<persistence::ListRead>,
    ) -> Result<ArticleList, AppError> {
        let sections = self.section_set().await?;
        let (filter, page) = self.parse_list(p, &sections.list).await?;
        let page = self
            .repo
            .latest_public_with(&filter, page, self.now(), read)
            .await?;
        let refs = self.refs(&page.items, sections.by_id).await?;
        Ok(ArticleList { page, refs })
    }

    /// Like [`Self::list_with_refs`], with a page size the caller has
    /// already bounded (feeds allow up to 100; `p.limit` is not read).
    pub async fn list_with_refs_limited(
        &self,
        p: &ListParams,
        limit: Limit,
    ) -> Result<ArticleList, AppError> {
        let sections = self.section_set().await?;
        let p = ListParams {
            limit: None,
            ..p.clone()
        };
        let (filter, mut page) = self.parse_list(&p, &sections.list).await?;
        page.limit = limit;
        let page = self.repo.latest_public(&filter, page, self.now()).await?;
        let refs = self.refs(&page.items, sections.by_id).await?;
        Ok(ArticleList { page, refs })
    }

    /// Whole public articles by id (bodies for full-text feeds and ninjs
    /// lists), in no particular order; hidden or unknown ids are left out.
    pub async fn articles_by_ids(&self, ids: &[i64]) -> Result<Vec<Article>, AppError> {
        let mut articles = self.repo.public_articles_by_ids(ids, self.now()).await?;
        self.public_groups(&mut articles).await?;
        Ok(articles)
    }

    /// The other versions (any state) of `article`'s story: what shows it
    /// in its translations.
    pub async fn other_versions(&self, article: &Article) -> Result<Vec<i64>, AppError> {
        Ok(self
            .repo
            .on_primary()
            .translation_members(article.story())
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| *id != article.summary.id)
            .collect())
    }

    /// Points the translation group of public articles at a public
    /// version: a story's first article (its group) may be a draft, an
    /// embargoed or a deleted one, and its id must not show. Such a story
    /// is named by its lowest public version instead. Two statements for
    /// any number of articles, none when no article is linked to another.
    async fn public_groups(&self, articles: &mut [Article]) -> Result<(), AppError> {
        let mut anchors: Vec<i64> = articles
            .iter()
            .filter_map(|a| a.translation_group.filter(|g| *g != a.summary.id))
            .collect();
        if anchors.is_empty() {
            return Ok(());
        }
        anchors.sort_unstable();
        anchors.dedup();
        let now = self.now();
        let members = self.repo.translation_members_of(&anchors).await?;
        let member_ids: Vec<i64> = members.iter().map(|(id, _, _)| *id).collect();
        let public: HashSet<i64> = self
            .repo
            .public_summaries_by_ids(&member_ids, now)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect();
        for a in articles.iter_mut() {
            let Some(group) = a.translation_group.filter(|g| *g != a.summary.id) else {
                continue;
            };
            if public.contains(&group) {
                continue;
            }
            let lowest = members
                .iter()
                .filter(|(id, _, g)| *g == group && public.contains(id))
                .map(|(id, _, _)| *id)
                .chain([a.summary.id])
                .min()
                .unwrap_or(a.summary.id);
            a.translation_group = (lowest != a.summary.id).then_some(lowest);
        }
        Ok(())
    }

    /// The sections, authors and tags the given articles refer to, in two
    /// queries (sections come from the caller, who has usually loaded them).
    pub async fn refs<'a>(
        &self,
        items: impl IntoIterator<Item = &'a ArticleSummary>,
        sections: std::sync::Arc<HashMap<i64, Section>>,
    ) -> Result<Refs, AppError> {
        let items: Vec<&ArticleSummary> = items.into_iter().collect();
        let mut author_ids: Vec<i64> = items
            .iter()
            .flat_map(|a| a.author_ids.iter().copied())
            .collect();
        author_ids.sort_unstable();
        author_ids.dedup();
        let mut tag_ids: Vec<i64> = items
            .iter()
            .flat_map(|a| a.tag_ids.iter().copied())
            .collect();
        tag_ids.sort_unstable();
        tag_ids.dedup();
        Ok(Refs {
            sections,
            authors: self.authors_by_ids(&author_ids).await?,
            tags: self.tags_by_ids(&tag_ids).await?,
        })
    }

    /// Like [`Self::refs`], loading the sections too.
    pub async fn refs_of<'a>(
        &self,
        items: impl IntoIterator<Item = &'a ArticleSummary>,
    ) -> Result<Refs, AppError> {
        self.refs(items, self.section_map().await?).await
    }

    /// A public article by id (all digits) or slug.
    pub async fn article(&self, id_or_slug: &str) -> Result<Article, AppError> {
        let mut article = self.article_and(id_or_slug, Links::Load).await?;
        self.public_groups(std::slice::from_mut(&mut article))
            .await?;
        Ok(article)
    }

    async fn article_and(&self, id_or_slug: &str, links: Links) -> Result<Article, AppError> {
        let now = self.now();
        let found = match ArticleKey::parse(id_or_slug) {
            ArticleKey::Id(id) => {
                self.repo
                    .public_article_by_id_with(id.get(), now, links)
                    .await?
            }
            ArticleKey::Slug(slug) => {
                self.repo
                    .public_article_by_slug_with(&slug, now, links)
                    .await?
            }
            ArticleKey::Nothing => None,
        };
        found.ok_or_else(|| AppError::not_found(format!("no article {id_or_slug:?}")))
    }

    /// The public versions of an article's story in other languages
    /// (linked by `translationOf`), each with its language, by language;
    /// and the ids of every version of the story, public or not (what a
    /// cached answer depends on).
    async fn translations_and_group(
        &self,
        article: &Article,
    ) -> Result<(Vec<Translation>, Vec<i64>), AppError> {
        let group = article.story();
        let all = self.repo.translation_members(group).await?;
        let mut story: Vec<i64> = all.iter().map(|(id, _)| *id).collect();
        if !story.contains(&group) {
            story.push(group);
        }
        let members: Vec<(i64, String)> = all
            .into_iter()
            .filter(|(id, _)| *id != article.summary.id)
            .collect();
        if members.is_empty() {
            return Ok((Vec::new(), story));
        }
        let ids: Vec<i64> = members.iter().map(|(id, _)| *id).collect();
        let mut public: HashMap<i64, ArticleSummary> = self
            .repo
            .public_summaries_by_ids(&ids, self.now())
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let mut out: Vec<Translation> = members
            .into_iter()
            .filter_map(|(id, language)| {
                public
                    .remove(&id)
                    .map(|summary| Translation { summary, language })
            })
            .collect();
        out.sort_by(|a, b| a.language.cmp(&b.language));
        Ok((out, story))
    }

    /// The translations of many articles by id, in three
    /// statements whatever their number (GraphQL lists, ninjs pages): the
    /// public versions of each one's story in other languages, by
    /// language. Ids without translations are absent.
    pub async fn translations_by_ids(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<Translation>>, AppError> {
        let groups = self.repo.translation_groups(ids).await?;
        let mut wanted: Vec<i64> = groups.iter().map(|(_, g)| *g).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let members = self.repo.translation_members_of(&wanted).await?;
        let member_ids: Vec<i64> = members.iter().map(|(id, _, _)| *id).collect();
        let public: HashMap<i64, ArticleSummary> = self
            .repo
            .public_summaries_by_ids(&member_ids, self.now())
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let mut out: HashMap<i64, Vec<Translation>> = HashMap::new();
        for (id, group) in groups {
            let mut versions: Vec<Translation> = members
                .iter()
                .filter(|(member, _, g)| *g == group && *member != id)
                .filter_map(|(member, language, _)| {
                    public.get(member).map(|summary| Translation {
                        summary: summary.clone(),
                        language: language.clone(),
                    })
                })
                .collect();
            if !versions.is_empty() {
                versions.sort_by(|a, b| a.language.cmp(&b.language));
                out.insert(id, versions);
            }
        }
        Ok(out)
    }

    /// The translations of the public article `id_or_slug`, with the
    /// article and the ids of every version of its story.
    pub async fn translations_of(
        &self,
        id_or_slug: &str,
    ) -> Result<(Article, Vec<Translation>, Vec<i64>), AppError> {
        let article = self.article_and(id_or_slug, Links::Skip).await?;
        let (translations, story) = self.translations_and_group(&article).await?;
        Ok((article, translations, story))
    }

    /// An article page: the article, what it refers to and its comment
    /// count. `links` and `comments: false` skip the statements of parts
    /// the caller will not send.
    pub async fn article_with_refs(
        &self,
        id_or_slug: &str,
        links: Links,
        comments: bool,
    ) -> Result<ArticleItem, AppError> {
        let mut article = self.article_and(id_or_slug, links).await?;
        self.public_groups(std::slice::from_mut(&mut article))
            .await?;
        let refs = self
            .refs(
                std::slice::from_ref(&article.summary),
                self.section_map().await?,
            )
            .await?;
        let comments = if comments {
            self.repo
                .comment_stats(&[article.summary.id])
                .await?
                .remove(&article.summary.id)
                .unwrap_or_default()
        } else {
            persistence::CommentStats::default()
        };
        Ok(ArticleItem {
            article,
            refs,
            comments,
        })
    }

    /// Newest public articles from the same primary section (and its
    /// sub-sections) as `id`, that article excluded. Not paginated.
    pub async fn more_from_section(
        &self,
        id: &str,
        limit: Option<&str>,
    ) -> Result<Page<ArticleSummary>, AppError> {
        let limit = Limit::parse(limit)?;
        let id =
            ArticleId::parse(id).map_err(|_| AppError::not_found(format!("no article {id:?}")))?;
        let article = self.article(&id.to_string()).await?;
        self.more_from_section_of(&article, limit).await
    }

    /// [`Self::more_from_section`] of an article in hand, public or not.
    pub async fn more_from_section_of(
        &self,
        article: &Article,
        limit: Limit,
    ) -> Result<Page<ArticleSummary>, AppError> {
        let sections = self.shared_sections().await?;
        let filter = ArticleFilter {
            section_ids: Some(section_subtree(&sections, article.summary.section_id)),
            section_roots: vec![article.summary.section_id],
            exclude_id: Some(article.summary.id),
            ..Default::default()
        };
        let mut page = self
            .repo
            .latest_public(
                &filter,
                PageRequest {
                    limit,
                    ..Default::default()
                },
                self.now(),
            )
            .await?;
        page.next_cursor = None;
        Ok(page)
    }

    pub async fn more_from_section_with_refs(
        &self,
        id: &str,
        limit: Option<&str>,
    ) -> Result<ArticleList, AppError> {
        let page = self.more_from_section(id, limit).await?;
        let refs = self.refs(&page.items, self.section_map().await?).await?;
        Ok(ArticleList { page, refs })
    }

    /// Every section (from the taxonomy cache, at most [`TAXONOMY_TTL`] old).
    pub async fn sections(&self) -> Result<Vec<Section>, AppError> {
        Ok(self.cached_sections().await?)
    }

    /// [`Self::sections`] with the repository's error (for DataLoaders).
    pub async fn cached_sections(&self) -> Result<Vec<Section>, persistence::RepoError> {
        Ok(self.shared_sections().await?.as_ref().clone())
    }

    /// The taxonomy cache's sections, shared (no copy of the list).
    async fn shared_sections(
        &self,
    ) -> Result<std::sync::Arc<Vec<Section>>, persistence::RepoError> {
        Ok(self.section_set().await?.list)
    }

    /// The taxonomy cache's sections by id, shared (a page's [`Refs`]).
    pub async fn section_map(
        &self,
    ) -> Result<std::sync::Arc<HashMap<i64, Section>>, persistence::RepoError> {
        Ok(self.section_set().await?.by_id)
    }

    async fn section_set(&self) -> Result<SectionSet, persistence::RepoError> {
        if let Ok(cached) = self.taxonomy.sections.lock()
            && let Some((at, sections)) = cached.as_ref()
            && at.elapsed() < TAXONOMY_TTL
        {
            return Ok(sections.clone());
        }
        let list = self.repo.sections().await?;
        let sections = SectionSet {
            by_id: std::sync::Arc::new(list.iter().map(|s| (s.id, s.clone())).collect()),
            list: std::sync::Arc::new(list),
        };
        if let Ok(mut cached) = self.taxonomy.sections.lock() {
            *cached = Some((std::time::Instant::now(), sections.clone()));
        }
        Ok(sections)
    }

    /// A section by slug, from the taxonomy cache (as the lists' `section`
    /// parameter is resolved): no statement on a section page.
    pub async fn section(&self, slug: &str) -> Result<Section, AppError> {
        let slug = domain::text::nfc(slug);
        self.shared_sections()
            .await?
            .iter()
            .find(|s| s.slug == slug)
            .cloned()
            .ok_or_else(|| AppError::not_found(format!("no section with slug {slug:?}")))
    }

    pub async fn tag(&self, slug: &str) -> Result<Tag, AppError> {
        let slug = domain::text::nfc(slug);
        self.repo
            .tag_by_slug(&slug)
            .await?
            .ok_or_else(|| AppError::not_found(format!("no tag with slug {slug:?}")))
    }

    pub async fn author(&self, slug: &str) -> Result<Author, AppError> {
        let slug = domain::text::nfc(slug);
        self.repo
            .author_by_slug(&slug)
            .await?
            .ok_or_else(|| AppError::not_found(format!("no author with slug {slug:?}")))
    }

    /// The edition line for `place` at `at` (now by default).
    pub fn edition(
        &self,
        at: Option<&str>,
        place: Option<&str>,
        calendar: Option<&str>,
    ) -> Result<Edition, AppError> {
        let mut errors = Vec::new();
        let at = match at {
            None => Some(self.now()),
            Some(s) => DateTime::parse_from_rfc3339(s.trim())
                .map(|t| t.to_utc())
                .map_err(|_| {
                    errors.push(ValidationError::new("at", "must be an RFC 3339 date-time"))
                })
                .ok(),
        };
        let place = place.map(str::trim).unwrap_or("ঢাকা");
        if place.chars().count() > 60 || domain::text::clean_text(place, false).is_err() {
            errors.push(ValidationError::new(
                "place",
                "must be plain text of at most 60 characters",
            ));
        }
        let rule = match calendar {
            None => Some(self.rule),
            Some(c) => c
                .parse::<CalendarRule>()
                .map_err(|_| errors.push(ValidationError::new("calendar", "must be 2019 or 1987")))
                .ok(),
        };
        match (at, rule) {
            (Some(at), Some(rule)) if errors.is_empty() => {
                Ok(bangla::edition(at, &domain::text::nfc(place), rule))
            }
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

/// Parses a `from`/`to` pair, pushing every problem into `errors`.
pub fn parse_range(
    from: Option<&str>,
    to: Option<&str>,
    errors: &mut Vec<ValidationError>,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let mut parse = |s: Option<&str>, field: &str, end: bool| {
        s.map(|s| parse_time(s, field, end))
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten()
    };
    let from = parse(from, "from", false);
    let to = parse(to, "to", true);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        errors.push(ValidationError::new("to", "must not be before from"));
    }
    (from, to)
}

/// Parses `from`/`to`: an RFC 3339 date-time, or a `YYYY-MM-DD` day in
/// Asia/Dhaka (as `to`, the day is included: the bound is the next midnight).
pub fn parse_time(
    s: &str,
    field: &str,
    end_of_day: bool,
) -> Result<DateTime<Utc>, ValidationError> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.to_utc());
    }
    let bad = || ValidationError::new(field, "must be an RFC 3339 date-time or a YYYY-MM-DD date");
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad())?;
    let day = if end_of_day {
        day.succ_opt().ok_or_else(bad)?
    } else {
        day
    };
    Dhaka
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .earliest()
        .map(|t| t.to_utc())
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_dhaka_days_and_to_includes_its_day() {
        let from = parse_time("2024-11-14", "from", false).unwrap();
        assert_eq!(from.to_rfc3339(), "2024-11-13T18:00:00+00:00");
        let to = parse_time("2024-11-14", "to", true).unwrap();
        assert_eq!(to.to_rfc3339(), "2024-11-14T18:00:00+00:00");
        let exact = parse_time("2024-11-14T05:00:00+06:00", "from", false).unwrap();
        assert_eq!(exact.to_rfc3339(), "2024-11-13T23:00:00+00:00");
        assert_eq!(parse_time("yesterday", "to", true).unwrap_err().field, "to");
        assert!(parse_time("2024-02-30", "from", false).is_err());
    }
}
