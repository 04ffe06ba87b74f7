//! What every resolver needs from the request context and of ids: Relay
//! global ids, the services and loaders, and how service errors are named
//! for GraphQL. A leaf of the GraphQL surface: the object types, queries,
//! mutations and comment resolvers import it, it imports none of them.

use app::AppError;
use app::auth::Caller;
use app::comments::CommentService;
use app::content::ContentService;
use async_graphql::{Context, ID, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use domain::{ApiKey, Scope};

use super::loaders::{LoadError, Loaders};

/// Relay global ids: base64 of `Type:databaseId`.
pub fn global_id(kind: &str, id: i64) -> ID {
    ID(STANDARD.encode(format!("{kind}:{id}")))
}

/// Splits a global id into its type and database id.
pub fn parse_global_id(id: &str) -> Option<(String, i64)> {
    let raw = STANDARD.decode(id).ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (kind, n) = raw.split_once(':')?;
    let n = domain::ArticleId::parse(n).ok()?;
    Some((kind.to_owned(), n.get()))
}

/// A service error shared by a DataLoader batch, kept whole for the log.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SharedError(#[source] pub LoadError);

pub fn load_error(e: LoadError) -> async_graphql::Error {
    let api = match *e {
        AppError::Unavailable(_) => AppError::Unavailable(persistence::RepoError::Timeout),
        AppError::Overloaded => AppError::Overloaded,
        _ => AppError::Internal(Box::new(SharedError(e))),
    };
    api.into()
}

pub fn loaders<'a>(ctx: &Context<'a>) -> Result<&'a Loaders> {
    ctx.data::<Loaders>()
}

pub fn service<'a>(ctx: &Context<'a>) -> Result<&'a ContentService> {
    ctx.data::<ContentService>()
}

/// A REST parameter's name as GraphQL spells the argument (`limit` is
/// `first`, `cursor` is `after`); other names are the same on both.
pub fn graphql_field(rest: &str) -> &str {
    match rest {
        "limit" => "first",
        "cursor" => "after",
        other => other,
    }
}

/// An article id: global id or database id.
pub fn article_id(id: &ID) -> Result<i64> {
    if let Some((kind, n)) = parse_global_id(id) {
        if kind == "Article" {
            return Ok(n);
        }
    } else if let Ok(n) = domain::ArticleId::parse(id) {
        return Ok(n.get());
    }
    Err(AppError::invalid("id", "is not an article id").into())
}

pub fn comments<'a>(ctx: &Context<'a>) -> Result<&'a CommentService> {
    ctx.data::<CommentService>()
}

/// A comment id: global id or database id.
pub fn comment_db_id(id: &ID) -> Result<String> {
    match parse_global_id(id) {
        Some((kind, n)) if kind == "Comment" => Ok(n.to_string()),
        Some(_) => Err(AppError::invalid("id", "is not a comment id").into()),
        None => Ok(id.to_string()),
    }
}

/// The caller's key if it has `scope` (UNAUTHENTICATED / FORBIDDEN).
pub fn key(ctx: &Context<'_>, scope: Scope) -> Result<ApiKey> {
    let caller = ctx.data::<Caller>().unwrap_or(&Caller::Anonymous);
    Ok(caller.require(scope)?.clone())
}
