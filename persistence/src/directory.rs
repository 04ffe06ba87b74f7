//! Directories of the people and topics readers can browse: authors and
//! tags that have public articles, most used first, with their counts.
//! Only public articles count, so a tag or byline used only on drafts,
//! scheduled or embargoed stories is not listed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::{Author, Tag};
use sea_orm::FromQueryResult;
use sea_orm::sea_query::{
    Alias, Condition, Expr, ExprTrait, Func, LikeExpr, Order, Query, SelectStatement,
};

use crate::entities::article;
use crate::error::RepoError;
use crate::repo::{ContentRepo, languages_condition, public_condition, storable};

/// One page of a directory: each entry with its number of public articles.
#[derive(Debug, Clone)]
pub struct DirectoryPage<T> {
    pub items: Vec<(T, i64)>,
    pub has_more: bool,
}

#[derive(Debug, FromQueryResult)]
struct Ranked {
    id: i64,
    n: i64,
}

/// The tables of one directory: the link table, its key column and the
/// table it points into.
#[derive(Clone, Copy)]
struct Links {
    link: &'static str,
    key: &'static str,
    table: &'static str,
}

const TAGS: Links = Links {
    link: "article_tags",
    key: "tag_id",
    table: "tags",
};
const AUTHORS: Links = Links {
    link: "article_authors",
    key: "author_id",
    table: "authors",
};

/// `LIKE` pattern of a prefix, its wildcards escaped.
fn prefix_pattern(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Ids of `l.table` rows with public articles and their counts, most
/// articles first (then by id), names or slugs starting with `prefix`.
/// English names match the prefix too; with `languages`, only articles in
/// them count.
fn ranked(
    l: Links,
    prefix: Option<&str>,
    languages: &[String],
    now: DateTime<Utc>,
    only: Option<&[i64]>,
) -> SelectStatement {
    let link = || Alias::new(l.link);
    let key = || Expr::col((link(), Alias::new(l.key)));
    let mut q = Query::select();
    q.expr_as(key(), Alias::new("id"))
        .expr_as(
            Expr::col((link(), Alias::new("article_id"))).count(),
            Alias::new("n"),
        )
        .from(link())
        .inner_join(
            article::Entity,
            Expr::col((article::Entity, article::Column::Id))
                .equals((link(), Alias::new("article_id"))),
        )
        .cond_where(if languages.is_empty() {
            public_condition(now)
        } else {
            Condition::all()
                .add(public_condition(now))
                .add(languages_condition(languages))
        });
    if let Some(ids) = only {
        q.and_where(key().is_in(ids.iter().copied()));
    }
    if let Some(prefix) = prefix {
        // Case-insensitive on both engines (SQLite's LIKE ignores ASCII
        // case, PostgreSQL's does not): English names have capitals.
        let lowered = prefix.to_lowercase();
        let like = || LikeExpr::new(prefix_pattern(&lowered)).escape('\\');
        let lower = |column: &str| Expr::expr(Func::lower(Expr::col(Alias::new(column))));
        q.and_where(
            key().in_subquery(
                Query::select()
                    .column(Alias::new("id"))
                    .from(Alias::new(l.table))
                    .cond_where(
                        Condition::any()
                            .add(lower("name").like(like()))
                            .add(lower("name_en").like(like()))
                            .add(lower("slug").like(like())),
                    )
                    .take(),
            ),
        );
    }
    q.group_by_col((link(), Alias::new(l.key)))
        .order_by(Alias::new("n"), Order::Desc)
        .order_by((link(), Alias::new(l.key)), Order::Asc);
    q
}

impl ContentRepo {
    async fn ranked_ids(
        &self,
        l: Links,
        prefix: Option<&str>,
        languages: &[String],
        limit: u64,
        offset: u64,
        now: DateTime<Utc>,
    ) -> Result<(Vec<Ranked>, bool), RepoError> {
        if prefix.is_some_and(|p| !storable(p)) {
            return Ok((Vec::new(), false));
        }
        let mut q = ranked(l, prefix, languages, now, None);
        q.limit(limit + 1).offset(offset);
        let backend = self.db.conn.get_database_backend();
        let mut rows: Vec<Ranked> = self.db.read_all(backend.build(&q)).await?;
        let has_more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        Ok((rows, has_more))
    }

    async fn public_counts(
        &self,
        l: Links,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<HashMap<i64, i64>, RepoError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let q = ranked(l, None, &[], now, Some(ids));
        let backend = self.db.conn.get_database_backend();
        let rows: Vec<Ranked> = self.db.read_all(backend.build(&q)).await?;
        Ok(rows.into_iter().map(|r| (r.id, r.n)).collect())
    }

    /// Tags with public articles (in `languages`, when given), most used
    /// first; `prefix` narrows to names, English names or slugs that start
    /// with it (a tag picker).
    pub async fn tag_directory(
        &self,
        prefix: Option<&str>,
        languages: &[String],
        limit: u64,
        offset: u64,
        now: DateTime<Utc>,
    ) -> Result<DirectoryPage<Tag>, RepoError> {
        let (rows, has_more) = self
            .ranked_ids(TAGS, prefix, languages, limit, offset, now)
            .await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut by_id: HashMap<i64, Tag> = self
            .tags_by_ids(&ids)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        Ok(DirectoryPage {
            items: rows
                .into_iter()
                .filter_map(|r| by_id.remove(&r.id).map(|t| (t, r.n)))
                .collect(),
            has_more,
        })
    }

    /// Authors with public articles, most prolific first; `prefix` as for
    /// tags.
    pub async fn author_directory(
        &self,
        prefix: Option<&str>,
        languages: &[String],
        limit: u64,
        offset: u64,
        now: DateTime<Utc>,
    ) -> Result<DirectoryPage<Author>, RepoError> {
        let (rows, has_more) = self
            .ranked_ids(AUTHORS, prefix, languages, limit, offset, now)
            .await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut by_id: HashMap<i64, Author> = self
            .authors_by_ids(&ids)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        Ok(DirectoryPage {
            items: rows
                .into_iter()
                .filter_map(|r| by_id.remove(&r.id).map(|a| (a, r.n)))
                .collect(),
            has_more,
        })
    }

    /// How many public articles carry each of tags `ids` (one statement;
    /// a tag on none is absent).
    pub async fn public_tag_counts(
        &self,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<HashMap<i64, i64>, RepoError> {
        self.public_counts(TAGS, ids, now).await
    }

    /// How many public articles each of authors `ids` wrote.
    pub async fn public_author_counts(
        &self,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<HashMap<i64, i64>, RepoError> {
        self.public_counts(AUTHORS, ids, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_pattern;

    #[test]
    fn a_prefix_matches_itself_only() {
        assert_eq!(prefix_pattern("বাজে"), "বাজে%");
        assert_eq!(prefix_pattern("50%_off\\"), "50\\%\\_off\\\\%");
    }
}
