//! Read side: public article lists and items, sections, tags and authors.

use chrono::{DateTime, Utc};
use domain::{
    Article, ArticleFilter, ArticleStatus, ArticleSummary, Author, Block, Correction, Cursor,
    IdSet, Image, PageRequest, Section, Tag,
};
use sea_orm::sea_query::{Alias, Expr, Query, UnionType};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, FromQueryResult, IdenStatic, Order, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Statement,
};

use crate::db::Database;
use crate::entities::{article, article_section, author, section, tag};
use crate::error::RepoError;

/// One page of a keyset-paginated list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<Cursor>,
    /// A page read backward (`PageRequest::backward`): whether newer items
    /// come before it. Always `false` for a page read forward.
    pub has_previous: bool,
    /// Fingerprint of the query, for the cursors of individual items.
    pub query: u32,
}

impl<T> Page<T> {
    pub fn has_more(&self) -> bool {
        self.next_cursor.is_some()
    }
}

/// Whether a read loads the author, tag and secondary-section ids of its
/// articles (aggregated in the same statement, [`link_ids`]) or leaves them
/// empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    Load,
    Skip,
}

/// Which text columns of a list's summaries a read fetches. A column left
/// out comes back empty (`""`, `None`): a reader that asked for four fields
/// (`fields=` on REST) spares the database, the wire and the decoder the
/// rest (an image's JSON, kicker, desk and slug of every article).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryColumns {
    pub slug: bool,
    pub headline: bool,
    pub kicker: bool,
    pub summary: bool,
    pub desk: bool,
    pub image: bool,
}

impl SummaryColumns {
    pub const ALL: Self = Self {
        slug: true,
        headline: true,
        kicker: true,
        summary: true,
        desk: true,
        image: true,
    };
}

/// What a list read fetches besides the articles' ids and dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListRead {
    pub links: Links,
    pub columns: SummaryColumns,
}

impl From<Links> for ListRead {
    fn from(links: Links) -> Self {
        Self {
            links,
            columns: SummaryColumns::ALL,
        }
    }
}

/// Reads (and, in `write.rs`, writes) of the content model.
#[derive(Debug, Clone)]
pub struct ContentRepo {
    pub(crate) db: Database,
}

/// Stored times are truncated to microseconds: PostgreSQL keeps no more, and
/// SQLite then stores the same text a cursor reproduces.
pub(crate) fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// The predicate of the partial list indexes (migration 000007).
pub(crate) const LIVE_STATUSES: &str = "\"articles\".\"status\" IN ('published', 'scheduled')";

/// Public articles matching `filter` (its sections aside: lists read
/// them as two branches, counts as one `OR`).
fn filter_condition(filter: &ArticleFilter, now: DateTime<Utc>) -> Condition {
    let mut cond = public_condition(now);
    cond = with_links(cond, &filter.tags, "article_tags", "tag_id");
    cond = with_links(cond, &filter.authors, "article_authors", "author_id");
    if !filter.not_section_ids.is_empty() {
        let ids = &filter.not_section_ids;
        cond = cond
            .add(article::Column::SectionId.is_not_in(ids.clone()))
            .add(not_linked("article_sections", "section_id", ids));
    }
    if let Some(from) = filter.from {
        cond = cond.add(article::Column::PublishedAt.gte(micros(from)));
    }
    if let Some(to) = filter.to {
        cond = cond.add(article::Column::PublishedAt.lt(micros(to)));
    }
    if let Some(id) = filter.exclude_id {
        cond = cond.add(article::Column::Id.ne(id));
    }
    cond = kind_and_access(cond, filter);
    cond
}

/// `"{alias}"."{key}" IN (1,2,3)` with the ids as literals, not bound
/// parameters: the plans are generic (`plan_cache_mode`), and a generic
/// plan guesses every tag has the average number of articles, when a
/// newsroom's tags are skewed (one tag on 38 % of the articles, most on a
/// few dozen). With the ids written out the planner reads their counts
/// from the statistics and walks the newest articles for a common tag,
/// the tag's links for a rare one. Ids are integers: nothing to escape.
fn ids_literal(alias: Option<&str>, key: &str, ids: &[i64]) -> Expr {
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let column = match alias {
        Some(a) => format!("\"{a}\".\"{key}\""),
        None => format!("\"{key}\""),
    };
    Expr::cust(format!("{column} IN ({})", list.join(",")))
}

/// The ids of the articles linked (in `table`, by `key`) to any of `ids`.
fn linked_to(table: &str, key: &str, ids: &[i64]) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(Alias::new("article_id"))
        .from(Alias::new(table))
        .and_where(ids_literal(None, key, ids))
        .take()
}

/// Adds an [`IdSet`] of one link table to `cond`: linked to any of `any`,
/// to each of `all`, to none of `none`. Each is an index lookup on the
/// link table's (key, article) index.
fn with_links(mut cond: Condition, set: &IdSet, table: &str, key: &str) -> Condition {
    if !set.any.is_empty() {
        cond = cond.add(article::Column::Id.in_subquery(linked_to(table, key, &set.any)));
    }
    for id in &set.all {
        cond = cond.add(article::Column::Id.in_subquery(linked_to(table, key, &[*id])));
    }
    if !set.none.is_empty() {
        cond = cond.add(not_linked(table, key, &set.none));
    }
    cond
}

/// No row of `table` links the outer article to any of `ids`: a correlated
/// `NOT EXISTS`, one probe of the link table's primary key per article the
/// list walks. (`NOT IN (…)` made PostgreSQL hash every link of the ids
/// first: 385,000 entries, 200 ms, for a common tag on 1M articles.)
fn not_linked(table: &str, key: &str, ids: &[i64]) -> Condition {
    use sea_orm::sea_query::ExprTrait;
    let n = || Alias::new("n");
    let exists = Query::select()
        .expr(Expr::val(1))
        .from_as(Alias::new(table), n())
        .and_where(
            Expr::col((n(), Alias::new("article_id")))
                .equals((article::Entity, article::Column::Id)),
        )
        .and_where(ids_literal(Some("n"), key, ids))
        .take();
    Condition::all().add(Expr::exists(exists).not())
}

/// Adds a filter's kinds and access levels (any of each) to `cond`.
pub(crate) fn kind_and_access(mut cond: Condition, filter: &ArticleFilter) -> Condition {
    if !filter.kinds.is_empty() {
        cond = cond
            .add(article::Column::Kind.is_in(filter.kinds.iter().map(|k| k.as_str().to_owned())));
    }
    if !filter.access.is_empty() {
        cond = cond.add(
            article::Column::Access.is_in(filter.access.iter().map(|a| a.as_str().to_owned())),
        );
    }
    if !filter.languages.is_empty() {
        cond = cond.add(languages_condition(&filter.languages));
    }
    cond
}

/// Articles in any of `languages` (primary subtags: `en` takes `en-GB`
/// too). Languages are checked tags (letters): nothing to escape.
pub(crate) fn languages_condition(languages: &[String]) -> Condition {
    let mut any = Condition::any();
    for l in languages {
        any = any
            .add(article::Column::Language.eq(l.clone()))
            .add(article::Column::Language.like(format!("{l}-%")));
    }
    any
}

/// The SQL form of [`domain::is_public`]; keep the two in step.
pub(crate) fn public_condition(now: DateTime<Utc>) -> Condition {
    let now = micros(now);
    // `status IN (published, scheduled)` is the predicate of the partial
    // list indexes (migration 000007), spelled the same way so the planners
    // use them; the second clause narrows scheduled articles to those with a
    // go-live time.
    Condition::all()
        // A literal, not bound parameters: PostgreSQL can only match a
        // partial index predicate against constants, and a generic prepared
        // plan would otherwise fall back to sorting.
        .add(Expr::cust(LIVE_STATUSES))
        .add(
            Condition::any()
                .add(article::Column::Status.eq(ArticleStatus::Published.as_str()))
                .add(article::Column::PublishAt.is_not_null()),
        )
        .add(article::Column::PublishedAt.is_not_null())
        .add(article::Column::PublishedAt.lte(now))
        .add(
            Condition::any()
                .add(article::Column::PublishAt.is_null())
                .add(article::Column::PublishAt.lte(now)),
        )
        .add(
            Condition::any()
                .add(article::Column::EmbargoUntil.is_null())
                .add(article::Column::EmbargoUntil.lte(now)),
        )
}

fn corrupt(id: i64, reason: impl ToString) -> RepoError {
    RepoError::Corrupt {
        table: "articles",
        id,
        reason: reason.to_string(),
    }
}

pub(crate) fn to_summary(m: &article::Model) -> Result<ArticleSummary, RepoError> {
    let status: ArticleStatus = m.status.parse().map_err(|e| corrupt(m.id, e))?;
    let image: Option<Image> = match &m.image {
        None => None,
        Some(v) if v.is_null() => None,
        Some(v) => Some(serde_json::from_value(v.clone()).map_err(|e| corrupt(m.id, e))?),
    };
    Ok(ArticleSummary {
        id: m.id,
        slug: m.slug.clone(),
        headline: m.headline.clone(),
        kicker: m.kicker.clone(),
        summary: m.summary.clone(),
        section_id: m.section_id,
        desk: m.desk.clone(),
        image,
        status,
        published_at: m.published_at,
        updated_at: m.updated_at,
        word_count: u32::try_from(m.word_count).unwrap_or(0),
        breaking_until: m.breaking_until,
        kind: m.kind.parse().map_err(|e| corrupt(m.id, e))?,
        live_state: m
            .live_state
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e| corrupt(m.id, e))?,
        access: m.access.parse().map_err(|e| corrupt(m.id, e))?,
        language: m.language.clone(),
        author_ids: Vec::new(),
        tag_ids: Vec::new(),
    })
}

pub(crate) fn to_article(m: article::Model, summary: ArticleSummary) -> Result<Article, RepoError> {
    let id = m.id;
    let body: Vec<Block> = serde_json::from_value(m.body).map_err(|e| corrupt(id, e))?;
    let corrections: Vec<Correction> =
        serde_json::from_value(m.corrections).map_err(|e| corrupt(id, e))?;
    Ok(Article {
        summary,
        body,
        source: m.source,
        source_url: m.source_url,
        dateline: m.dateline,
        secondary_section_ids: Vec::new(),
        publish_at: m.publish_at,
        embargo_until: m.embargo_until,
        first_published_at: m.first_published_at,
        created_at: m.created_at,
        version: m.version,
        canonical_url: m.canonical_url,
        external_id: m.external_id,
        corrections,
        unpublish_reason: m.unpublish_reason,
        deleted_at: m.deleted_at,
        translation_group: m.translation_group,
    })
}

pub(crate) fn to_section(m: section::Model) -> Section {
    Section {
        id: m.id,
        slug: m.slug,
        name: m.name,
        name_en: m.name_en,
        language: m.language,
        parent_id: m.parent_id,
        position: m.position,
        description: m.description,
    }
}

pub(crate) fn to_author(m: author::Model) -> Author {
    Author {
        id: m.id,
        slug: m.slug,
        name: m.name,
        name_en: m.name_en,
        language: m.language,
        bio: m.bio,
        avatar_url: m.avatar_url,
        // A row written by an older build or by hand may hold no picture.
        avatar: m.avatar.and_then(|j| serde_json::from_str(&j).ok()),
    }
}

pub(crate) fn to_tag(m: tag::Model) -> Tag {
    Tag {
        id: m.id,
        slug: m.slug,
        name: m.name,
        name_en: m.name_en,
        language: m.language,
    }
}

/// The columns a list needs (the body stays in the database): the fixed
/// ones and the text ones a sparse read may leave out.
fn summary_columns() -> impl Iterator<Item = article::Column> {
    SUMMARY_FIXED_COLUMNS
        .into_iter()
        .chain(SUMMARY_TEXT_COLUMNS.map(|(column, _)| column))
}

const SUMMARY_FIXED_COLUMNS: [article::Column; 13] = {
    use article::Column as C;
    [
        C::Id,
        C::SectionId,
        C::Status,
        C::PublishedAt,
        C::UpdatedAt,
        C::WordCount,
        C::PublishAt,
        C::EmbargoUntil,
        C::BreakingUntil,
        C::Kind,
        C::LiveState,
        C::Access,
        C::Language,
    ]
};

/// The text columns of a summary, each with the literal read in its place
/// when a sparse read leaves it out.
const SUMMARY_TEXT_COLUMNS: [(article::Column, &str); 6] = {
    use article::Column as C;
    [
        (C::Slug, "''"),
        (C::Headline, "''"),
        (C::Kicker, "NULL"),
        (C::Summary, "NULL"),
        (C::Desk, "NULL"),
        (C::Image, "NULL"),
    ]
};

/// [`summary_columns`], with the text columns `columns` leaves out read as
/// empty literals (same names, so [`SummaryRow`] decodes either).
fn with_summary_columns(
    select: sea_orm::Select<article::Entity>,
    columns: SummaryColumns,
) -> sea_orm::Select<article::Entity> {
    let mut select = select.columns(SUMMARY_FIXED_COLUMNS);
    let wanted = [
        columns.slug,
        columns.headline,
        columns.kicker,
        columns.summary,
        columns.desk,
        columns.image,
    ];
    for (wanted, (column, empty)) in wanted.into_iter().zip(SUMMARY_TEXT_COLUMNS) {
        select = if wanted {
            select.column(column)
        } else {
            select.expr_as(Expr::cust(empty), column.as_str())
        };
    }
    select
}

/// Every summary column and, with [`Links::Load`], the link ids: a select
/// to filter and order, read into [`SummaryRow`]s.
pub(crate) fn summary_select(db: &Database, links: Links) -> sea_orm::Select<article::Entity> {
    let select = article::Entity::find()
        .select_only()
        .columns(summary_columns());
    with_link_columns(select, db, links)
}

/// A text column of a list's rows. On PostgreSQL its bytes are checked as
/// UTF-8 by simdutf8 instead of `core::str::from_utf8`: Bengali text is three
/// bytes a character, off the standard library's ASCII fast path, and the
/// check was 6 % of an uncached list's CPU. Elsewhere it is sqlx's `String`.
#[derive(Debug)]
struct Text(String);

impl sea_orm::TryGetable for Text {
    fn try_get_by<I: sea_orm::ColIdx>(
        res: &sea_orm::QueryResult,
        index: I,
    ) -> Result<Self, sea_orm::TryGetError> {
        use sea_orm::sqlx::{Row as _, TypeInfo as _, ValueRef as _};
        use sea_orm::{DbErr, TryGetError};
        let Some(row) = res.try_as_pg_row() else {
            return String::try_get_by(res, index).map(Text);
        };
        let type_err = |e: String| TryGetError::DbErr(DbErr::Type(format!("{index:?}: {e}")));
        let value = row
            .try_get_raw(index.as_sqlx_postgres_index())
            .map_err(|e| type_err(e.to_string()))?;
        if value.is_null() {
            return Err(TryGetError::Null(format!("{index:?}")));
        }
        let ty = value.type_info();
        if !ty.is_null()
            && !<String as sea_orm::sqlx::Type<sea_orm::sqlx::Postgres>>::compatible(&ty)
        {
            return Err(type_err(format!("{} is not text", ty.name())));
        }
        let bytes = value.as_bytes().map_err(|e| type_err(e.to_string()))?;
        let text = simdutf8::basic::from_utf8(bytes).map_err(|e| type_err(e.to_string()))?;
        Ok(Text(text.to_owned()))
    }
}

#[derive(Debug, sea_orm::FromQueryResult)]
pub(crate) struct SummaryRow {
    id: i64,
    slug: Text,
    headline: Text,
    kicker: Option<Text>,
    summary: Option<Text>,
    section_id: i64,
    desk: Option<Text>,
    image: Option<serde_json::Value>,
    status: String,
    published_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    word_count: i32,
    breaking_until: Option<DateTime<Utc>>,
    kind: String,
    live_state: Option<String>,
    access: String,
    language: String,
    /// Comma-separated, in byline order ([`link_ids`]); NULL when the
    /// links were not asked for or there are none.
    author_ids: Option<String>,
    tag_ids: Option<String>,
}

impl SummaryRow {
    pub(crate) fn into_summary(self) -> Result<ArticleSummary, RepoError> {
        let author_ids = parse_ids(self.id, self.author_ids.as_deref())?;
        let tag_ids = parse_ids(self.id, self.tag_ids.as_deref())?;
        let status: ArticleStatus = self.status.parse().map_err(|e| corrupt(self.id, e))?;
        let image: Option<Image> = match self.image {
            None => None,
            Some(v) if v.is_null() => None,
            Some(v) => Some(serde_json::from_value(v).map_err(|e| corrupt(self.id, e))?),
        };
        Ok(ArticleSummary {
            id: self.id,
            slug: self.slug.0,
            headline: self.headline.0,
            kicker: self.kicker.map(|t| t.0),
            summary: self.summary.map(|t| t.0),
            section_id: self.section_id,
            desk: self.desk.map(|t| t.0),
            image,
            status,
            published_at: self.published_at,
            updated_at: self.updated_at,
            word_count: u32::try_from(self.word_count).unwrap_or(0),
            breaking_until: self.breaking_until,
            kind: self.kind.parse().map_err(|e| corrupt(self.id, e))?,
            live_state: self
                .live_state
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|e| corrupt(self.id, e))?,
            access: self.access.parse().map_err(|e| corrupt(self.id, e))?,
            language: self.language,
            author_ids,
            tag_ids,
        })
    }
}

/// The ids of one link table for the article of the outer query, in link
/// order, as one comma-separated text column: a list page and its bylines
/// and tags in one statement instead of two. Both engines aggregate in
/// order (SQLite since 3.44).
fn link_ids(db: &Database, table: &str, other: &str) -> sea_orm::sea_query::SimpleExpr {
    let agg = if db.is_postgres() {
        format!("string_agg(l.\"{other}\"::text, ',' ORDER BY l.\"position\", l.\"{other}\")")
    } else {
        format!("group_concat(l.\"{other}\", ',' ORDER BY l.\"position\", l.\"{other}\")")
    };
    Expr::cust(format!(
        "(SELECT {agg} FROM \"{table}\" l WHERE l.\"article_id\" = \"articles\".\"id\")"
    ))
}

/// Adds the aggregated author and tag ids (or NULLs) to a summary select.
fn with_link_columns(
    select: sea_orm::Select<article::Entity>,
    db: &Database,
    links: Links,
) -> sea_orm::Select<article::Entity> {
    match links {
        Links::Load => select
            .expr_as(link_ids(db, "article_authors", "author_id"), "author_ids")
            .expr_as(link_ids(db, "article_tags", "tag_id"), "tag_ids"),
        Links::Skip => select
            .expr_as(Expr::cust("NULL"), "author_ids")
            .expr_as(Expr::cust("NULL"), "tag_ids"),
    }
}

fn parse_ids(id: i64, list: Option<&str>) -> Result<Vec<i64>, RepoError> {
    match list {
        None | Some("") => Ok(Vec::new()),
        Some(list) => list
            .split(',')
            .map(|v| v.parse::<i64>().map_err(|e| corrupt(id, e)))
            .collect(),
    }
}

/// A whole article row with its links aggregated ([`link_ids`]).
pub(crate) struct LinkedArticleRow {
    model: article::Model,
    author_ids: Option<String>,
    tag_ids: Option<String>,
    section_ids: Option<String>,
}

impl LinkedArticleRow {
    fn into_article(self) -> Result<Article, RepoError> {
        let id = self.model.id;
        let mut summary = to_summary(&self.model)?;
        summary.author_ids = parse_ids(id, self.author_ids.as_deref())?;
        summary.tag_ids = parse_ids(id, self.tag_ids.as_deref())?;
        let mut article = to_article(self.model, summary)?;
        article.secondary_section_ids = parse_ids(id, self.section_ids.as_deref())?;
        Ok(article)
    }
}

impl FromQueryResult for LinkedArticleRow {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self {
            model: article::Model::from_query_result(res, pre)?,
            author_ids: res.try_get(pre, "author_ids")?,
            tag_ids: res.try_get(pre, "tag_ids")?,
            section_ids: res.try_get(pre, "section_ids")?,
        })
    }
}

/// Whether a string can be in a text column at all: PostgreSQL refuses a
/// NUL character in text (an error, not a miss), and nothing stored holds
/// one, so a lookup by such a string finds nothing without asking.
pub(crate) fn storable(s: &str) -> bool {
    !s.contains('\0')
}

impl ContentRepo {
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    /// This repository with every read on the primary database.
    pub fn on_primary(&self) -> Self {
        Self {
            db: self.db.primary_only(),
        }
    }

    /// Newest public articles matching `filter`, in (`published_at`, `id`)
    /// descending order, from the cursor on, with their author and tag ids:
    /// one statement.
    pub async fn latest_public(
        &self,
        filter: &ArticleFilter,
        page: PageRequest,
        now: DateTime<Utc>,
    ) -> Result<Page<ArticleSummary>, RepoError> {
        self.latest_public_with(filter, page, now, Links::Load)
            .await
    }

    /// [`Self::latest_public`]; with [`Links::Skip`] the author and tag ids
    /// stay empty (no link subqueries), and [`SummaryColumns`] leaves out the
    /// text columns the caller will not send.
    pub async fn latest_public_with(
        &self,
        filter: &ArticleFilter,
        page: PageRequest,
        now: DateTime<Utc>,
        read: impl Into<ListRead>,
    ) -> Result<Page<ArticleSummary>, RepoError> {
        let ListRead { links, columns } = read.into();
        let mut cond = filter_condition(filter, now);
        if let Some(after) = page.after {
            cond = cond.add(keyset(after, Order::Desc));
        }
        if let Some(before) = page.before {
            cond = cond.add(keyset(before, Order::Asc));
        }
        let limit = page.limit.get();
        // Read backward, the page is the `limit` items nearest `before`:
        // read oldest first, then turned round.
        let order = if page.backward {
            Order::Asc
        } else {
            Order::Desc
        };
        let branch = |cond: Condition| {
            let select = with_summary_columns(article::Entity::find().select_only(), columns);
            with_link_columns(select, &self.db, links)
                .filter(cond)
                .order_by(article::Column::PublishedAt, order.clone())
                .order_by(article::Column::Id, order.clone())
                .limit(limit + 1)
        };
        let rows: Vec<SummaryRow> = match &filter.section_ids {
            None => self.db.read_all(self.db.statement(&branch(cond))).await?,
            Some(ids) => {
                // Articles filed in the sections, and articles filed
                // elsewhere with one of them as a secondary section: two
                // ordered branches, each an index range scan of at most one
                // page, merged. (One `OR` over both made PostgreSQL walk the
                // whole latest index and filter.)
                let primary = branch(
                    cond.clone()
                        .add(article::Column::SectionId.is_in(ids.clone())),
                );
                let secondary = branch(
                    cond.add(
                        article::Column::Id.in_subquery(
                            Query::select()
                                .column(article_section::Column::ArticleId)
                                .from(article_section::Entity)
                                .and_where(article_section::Column::SectionId.is_in(ids.clone()))
                                .take(),
                        ),
                    ),
                );
                let wrap = |select: sea_orm::Select<article::Entity>, alias: &str| {
                    Query::select()
                        .column(sea_orm::sea_query::Asterisk)
                        .from_subquery(select.into_query(), Alias::new(alias))
                        .take()
                };
                let union = wrap(primary, "p")
                    .union(UnionType::All, wrap(secondary, "s"))
                    .take();
                let merged = Query::select()
                    .column(sea_orm::sea_query::Asterisk)
                    .from_subquery(union, Alias::new("u"))
                    .order_by(Alias::new("published_at"), order.clone())
                    .order_by(Alias::new("id"), order.clone())
                    .take();
                let statement = self.db.conn.get_database_backend().build(&merged);
                let mut rows: Vec<SummaryRow> = self.db.read_all(statement).await?;
                // An article in both branches is adjacent to itself.
                rows.dedup_by_key(|r| r.id);
                rows.truncate(usize::try_from(limit + 1).unwrap_or(usize::MAX));
                rows
            }
        };
        let has_more = rows.len() as u64 > limit;
        let mut items = rows
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(SummaryRow::into_summary)
            .collect::<Result<Vec<_>, _>>()?;
        if page.backward {
            items.reverse();
        }
        // Forward, more rows than the page means a next page; backward,
        // newer items before it. A backward page bounded by `after` has a
        // next page by construction.
        let has_next = if page.backward {
            page.after.is_some()
        } else {
            has_more
        };
        let next_cursor = if has_next {
            items.last().and_then(|last| {
                last.published_at.map(|published_at| Cursor {
                    published_at,
                    id: last.id,
                    query: filter.fingerprint(),
                })
            })
        } else {
            None
        };
        Ok(Page {
            items,
            next_cursor,
            has_previous: page.backward && has_more,
            query: filter.fingerprint(),
        })
    }

    /// A public article by id; `None` when it does not exist or is not public.
    pub async fn public_article_by_id(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<Article>, RepoError> {
        self.public_article_by_id_with(id, now, Links::Load).await
    }

    /// [`Self::public_article_by_id`]; [`Links::Skip`] leaves the author,
    /// tag and secondary section ids empty (one statement).
    pub async fn public_article_by_id_with(
        &self,
        id: i64,
        now: DateTime<Utc>,
        links: Links,
    ) -> Result<Option<Article>, RepoError> {
        let select = article::Entity::find()
            .filter(article::Column::Id.eq(id))
            .filter(public_condition(now));
        let statement = self
            .db
            .statement_by_ids(&self.linked(select, links).limit(1));
        self.one_linked(statement).await
    }

    /// A public article by slug; `None` when it does not exist or is not public.
    pub async fn public_article_by_slug(
        &self,
        slug: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Article>, RepoError> {
        self.public_article_by_slug_with(slug, now, Links::Load)
            .await
    }

    /// [`Self::public_article_by_slug`], with or without the links.
    pub async fn public_article_by_slug_with(
        &self,
        slug: &str,
        now: DateTime<Utc>,
        links: Links,
    ) -> Result<Option<Article>, RepoError> {
        if !storable(slug) {
            return Ok(None);
        }
        let select = article::Entity::find()
            .filter(article::Column::Slug.eq(slug))
            .filter(public_condition(now));
        let statement = self.db.statement(&self.linked(select, links).limit(1));
        self.one_linked(statement).await
    }

    /// The article of a statement of [`Self::linked`]: whole and, with
    /// [`Links::Load`], its author, tag and secondary-section ids.
    async fn one_linked(&self, statement: Statement) -> Result<Option<Article>, RepoError> {
        let rows: Vec<LinkedArticleRow> = self.db.read_all(statement).await?;
        rows.into_iter()
            .next()
            .map(LinkedArticleRow::into_article)
            .transpose()
    }

    /// Every article `select` finds, whole, with its links, in its order.
    pub(crate) async fn all_linked(
        &self,
        select: sea_orm::Select<article::Entity>,
    ) -> Result<Vec<Article>, RepoError> {
        let rows: Vec<LinkedArticleRow> = self
            .db
            .read_all(self.db.statement(&self.linked(select, Links::Load)))
            .await?;
        rows.into_iter()
            .map(LinkedArticleRow::into_article)
            .collect()
    }

    /// How many public articles match `filter`, counting no further than
    /// `cap`: `(n, true)` is exact, `(cap, false)` means at least `cap`.
    pub async fn count_public(
        &self,
        filter: &ArticleFilter,
        now: DateTime<Utc>,
        cap: u64,
    ) -> Result<(u64, bool), RepoError> {
        let mut cond = filter_condition(filter, now);
        if let Some(ids) = &filter.section_ids {
            cond = cond.add(
                Condition::any()
                    .add(article::Column::SectionId.is_in(ids.clone()))
                    .add(
                        article::Column::Id.in_subquery(
                            Query::select()
                                .column(article_section::Column::ArticleId)
                                .from(article_section::Entity)
                                .and_where(article_section::Column::SectionId.is_in(ids.clone()))
                                .take(),
                        ),
                    ),
            );
        }
        // At most `cap + 1` rows are read: a count past the cap costs what
        // the cap does.
        let inner = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .filter(cond)
            .limit(cap + 1)
            .into_query();
        let q = Query::select()
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
            .from_subquery(inner, Alias::new("capped"))
            .take();
        let backend = self.db.conn.get_database_backend();
        #[derive(FromQueryResult)]
        struct Count {
            n: i64,
        }
        let rows: Vec<Count> = self.db.read_all(backend.build(&q)).await?;
        let n = rows.first().map_or(0, |r| u64::try_from(r.n).unwrap_or(0));
        Ok(if n > cap { (cap, false) } else { (n, true) })
    }

    /// Whole articles with their links aggregated ([`link_ids`]).
    fn linked(
        &self,
        select: sea_orm::Select<article::Entity>,
        links: Links,
    ) -> sea_orm::Select<article::Entity> {
        let select = match links {
            Links::Load => select.expr_as(
                link_ids(&self.db, "article_sections", "section_id"),
                "section_ids",
            ),
            Links::Skip => select.expr_as(Expr::cust("NULL"), "section_ids"),
        };
        with_link_columns(select, &self.db, links)
    }

    /// Any article by id, whatever its status: the editors' view (and the
    /// answer to their writes), so always read on the primary.
    pub async fn article_by_id(&self, id: i64) -> Result<Option<Article>, RepoError> {
        let primary = self.on_primary();
        let select = primary.linked(article::Entity::find_by_id(id), Links::Load);
        let statement = primary.db.statement(&select.limit(1));
        primary.one_linked(statement).await
    }

    /// Whole public articles by id, in no particular order, in one
    /// statement (the GraphQL body loader).
    pub async fn public_articles_by_ids(
        &self,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Vec<Article>, RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let select = article::Entity::find()
            .filter(article::Column::Id.is_in(ids.to_vec()))
            .filter(public_condition(now));
        let rows: Vec<LinkedArticleRow> = self
            .db
            .read_all(self.db.statement_by_ids(&self.linked(select, Links::Load)))
            .await?;
        rows.into_iter()
            .map(LinkedArticleRow::into_article)
            .collect()
    }

    /// Public articles by id, in no particular order (GraphQL `node`, loaders).
    pub async fn public_summaries_by_ids(
        &self,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Vec<ArticleSummary>, RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let select = summary_select(&self.db, Links::Load)
            .filter(article::Column::Id.is_in(ids.to_vec()))
            .filter(public_condition(now));
        let rows: Vec<SummaryRow> = self.db.read_all(self.db.statement_by_ids(&select)).await?;
        rows.into_iter().map(SummaryRow::into_summary).collect()
    }

    /// Every section (the tree is small: one query, built in memory).
    pub async fn sections(&self) -> Result<Vec<Section>, RepoError> {
        Ok(section::Entity::find()
            .order_by_asc(section::Column::Position)
            .order_by_asc(section::Column::Id)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(to_section)
            .collect())
    }

    pub async fn section_by_slug(&self, slug: &str) -> Result<Option<Section>, RepoError> {
        if !storable(slug) {
            return Ok(None);
        }
        Ok(section::Entity::find()
            .filter(section::Column::Slug.eq(slug))
            .one(&self.db.conn)
            .await?
            .map(to_section))
    }

    pub async fn tag_by_slug(&self, slug: &str) -> Result<Option<Tag>, RepoError> {
        if !storable(slug) {
            return Ok(None);
        }
        Ok(tag::Entity::find()
            .filter(tag::Column::Slug.eq(slug))
            .one(&self.db.conn)
            .await?
            .map(to_tag))
    }

    pub async fn author_by_slug(&self, slug: &str) -> Result<Option<Author>, RepoError> {
        if !storable(slug) {
            return Ok(None);
        }
        Ok(author::Entity::find()
            .filter(author::Column::Slug.eq(slug))
            .one(&self.db.conn)
            .await?
            .map(to_author))
    }

    /// Which of `ids` are in any of `languages` (all of them when none).
    pub async fn in_languages(
        &self,
        ids: &[i64],
        languages: &[String],
    ) -> Result<Vec<i64>, RepoError> {
        if languages.is_empty() || ids.is_empty() {
            return Ok(ids.to_vec());
        }
        Ok(article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .filter(article::Column::Id.is_in(ids.to_vec()))
            .filter(languages_condition(languages))
            .into_tuple()
            .all(&self.db.conn)
            .await?)
    }

    /// The versions of the story of translation group `group` (its first
    /// article included), as (id, language), whatever their status;
    /// deleted ones left out.
    pub async fn translation_members(&self, group: i64) -> Result<Vec<(i64, String)>, RepoError> {
        Ok(article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .column(article::Column::Language)
            .filter(
                Condition::any()
                    .add(article::Column::TranslationGroup.eq(group))
                    .add(article::Column::Id.eq(group)),
            )
            .filter(article::Column::DeletedAt.is_null())
            .order_by_asc(article::Column::Id)
            .into_tuple()
            .all(&self.db.conn)
            .await?)
    }

    /// The translation group of each of `ids` (its own id when it links
    /// none: a group's first article keeps NULL), deleted ones left out.
    pub async fn translation_groups(&self, ids: &[i64]) -> Result<Vec<(i64, i64)>, RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(i64, Option<i64>)> = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .column(article::Column::TranslationGroup)
            .filter(article::Column::Id.is_in(ids.to_vec()))
            .filter(article::Column::DeletedAt.is_null())
            .into_tuple()
            .all(&self.db.conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, group)| (id, group.unwrap_or(id)))
            .collect())
    }

    /// [`Self::translation_members`] of several groups in one statement,
    /// as (id, language, group).
    pub async fn translation_members_of(
        &self,
        groups: &[i64],
    ) -> Result<Vec<(i64, String, i64)>, RepoError> {
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(i64, String, Option<i64>)> = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .column(article::Column::Language)
            .column(article::Column::TranslationGroup)
            .filter(
                Condition::any()
                    .add(article::Column::TranslationGroup.is_in(groups.to_vec()))
                    .add(article::Column::Id.is_in(groups.to_vec())),
            )
            .filter(article::Column::DeletedAt.is_null())
            .order_by_asc(article::Column::Id)
            .into_tuple()
            .all(&self.db.conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, language, group)| (id, language, group.unwrap_or(id)))
            .collect())
    }

    pub async fn authors_by_ids(&self, ids: &[i64]) -> Result<Vec<Author>, RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // A public read (GraphQL's loaders): on a replica when one is
        // current.
        let select = author::Entity::find().filter(author::Column::Id.is_in(ids.to_vec()));
        Ok(self
            .db
            .read_all::<author::Model>(self.db.statement(&select))
            .await?
            .into_iter()
            .map(to_author)
            .collect())
    }

    pub async fn tags_by_ids(&self, ids: &[i64]) -> Result<Vec<Tag>, RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let select = tag::Entity::find().filter(tag::Column::Id.is_in(ids.to_vec()));
        Ok(self
            .db
            .read_all::<tag::Model>(self.db.statement(&select))
            .await?
            .into_iter()
            .map(to_tag)
            .collect())
    }

    pub async fn authors_by_slugs(&self, slugs: &[String]) -> Result<Vec<Author>, RepoError> {
        let slugs: Vec<String> = slugs.iter().filter(|s| storable(s)).cloned().collect();
        if slugs.is_empty() {
            return Ok(Vec::new());
        }
        Ok(author::Entity::find()
            .filter(author::Column::Slug.is_in(slugs.to_vec()))
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(to_author)
            .collect())
    }

    pub async fn tags_by_slugs(&self, slugs: &[String]) -> Result<Vec<Tag>, RepoError> {
        let slugs: Vec<String> = slugs.iter().filter(|s| storable(s)).cloned().collect();
        if slugs.is_empty() {
            return Ok(Vec::new());
        }
        Ok(tag::Entity::find()
            .filter(tag::Column::Slug.is_in(slugs.to_vec()))
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(to_tag)
            .collect())
    }

    pub async fn authors(&self) -> Result<Vec<Author>, RepoError> {
        Ok(author::Entity::find()
            .order_by_asc(author::Column::Name)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(to_author)
            .collect())
    }

    pub async fn tags(&self) -> Result<Vec<Tag>, RepoError> {
        Ok(tag::Entity::find()
            .order_by_asc(tag::Column::Slug)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(to_tag)
            .collect())
    }

    /// How many articles exist in any state (the demo seeder fills only an
    /// empty database).
    pub async fn article_count_all(&self) -> Result<u64, RepoError> {
        use sea_orm::PaginatorTrait;
        Ok(article::Entity::find().count(&self.db.conn).await?)
    }
}

/// Rows past a cursor in the list's order: older than it (`Desc`) or newer
/// (`Asc`). The first clause is implied by the second; it gives the index
/// scan a start key, so page 1,000 costs what page 1 does.
fn keyset(cursor: Cursor, past: Order) -> Condition {
    let ts = micros(cursor.published_at);
    let (bound, strictly, id) = match past {
        Order::Asc => (
            article::Column::PublishedAt.gte(ts),
            article::Column::PublishedAt.gt(ts),
            article::Column::Id.gt(cursor.id),
        ),
        _ => (
            article::Column::PublishedAt.lte(ts),
            article::Column::PublishedAt.lt(ts),
            article::Column::Id.lt(cursor.id),
        ),
    };
    Condition::all().add(bound).add(
        Condition::any().add(strictly).add(
            Condition::all()
                .add(article::Column::PublishedAt.eq(ts))
                .add(id),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::{LIVE_STATUSES, public_condition};
    use crate::entities::article;
    use domain::ArticleStatus;
    use sea_orm::{ColumnTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait};

    #[test]
    fn reads_by_id_name_the_rowid_alone_on_sqlite() {
        let now = chrono::Utc::now();
        for select in [
            article::Entity::find().filter(article::Column::Id.eq(7)),
            article::Entity::find().filter(article::Column::Id.is_in([7, 8])),
        ] {
            let sql = select
                .filter(public_condition(now))
                .build(DbBackend::Sqlite)
                .sql;
            let read = crate::db::by_rowid(&sql);
            assert!(
                read.contains(r#"FROM "articles" NOT INDEXED WHERE "articles"."id" "#),
                "{read}"
            );
            assert_eq!(read.matches("NOT INDEXED").count(), 1);
        }
    }

    #[test]
    fn the_index_predicate_names_the_visible_statuses() {
        for status in [ArticleStatus::Published, ArticleStatus::Scheduled] {
            assert!(LIVE_STATUSES.contains(&format!("'{}'", status.as_str())));
        }
    }
}
