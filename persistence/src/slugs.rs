//! Article slugs: finding one no other article holds.

use domain::Slug;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use crate::entities::article;
use crate::error::RepoError;

/// A slug not held by any other article: the wanted one, or it with `-2`,
/// `-3`, then with a suffix from the external id (so a headline repeated
/// daily never runs out of slugs).
pub(crate) async fn free_slug(
    txn: &DatabaseTransaction,
    wanted: &Slug,
    own_id: Option<i64>,
    external_id: Option<&str>,
) -> Result<String, RepoError> {
    let tag = format!(
        "{:08x}",
        domain::cursor::fingerprint(external_id.unwrap_or(wanted.as_str()))
    );
    let mut candidates = vec![
        wanted.as_str().to_owned(),
        format!("{wanted}-2"),
        format!("{wanted}-3"),
    ];
    candidates.push(format!("{wanted}-{tag}"));
    candidates.extend((2..=20).map(|n| format!("{wanted}-{tag}-{n}")));
    for candidate in candidates {
        let holder = article::Entity::find()
            .filter(article::Column::Slug.eq(candidate.as_str()))
            .one(txn)
            .await?;
        match holder {
            None => return Ok(candidate),
            Some(h) if Some(h.id) == own_id => return Ok(candidate),
            Some(_) => continue,
        }
    }
    Err(RepoError::Conflict { field: "slug" })
}
