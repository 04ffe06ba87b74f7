//! Revisions and the audit log: written inside the editorial transactions,
//! read by the editors.

use domain::{ArticleState, AuditEntry, Revision};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::{WriteContext, to_json};
use crate::entities::{audit_entry, revision};
use crate::error::RepoError;
use crate::repo::{ContentRepo, micros};

pub(crate) async fn audit(
    txn: &DatabaseTransaction,
    ctx: WriteContext,
    action: &str,
    target_type: &str,
    target_id: impl ToString,
    details: serde_json::Value,
) -> Result<(), RepoError> {
    audit_entry::ActiveModel {
        actor_key_id: Set(ctx.actor),
        action: Set(action.to_owned()),
        target_type: Set(target_type.to_owned()),
        target_id: Set(target_id.to_string()),
        details: Set(details),
        at: Set(micros(ctx.now)),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

pub(crate) async fn store_revision(
    txn: &DatabaseTransaction,
    ctx: WriteContext,
    article_id: i64,
    number: i32,
    old: &ArticleState,
    changed: &[String],
    action: &str,
) -> Result<(), RepoError> {
    revision::ActiveModel {
        article_id: Set(article_id),
        number: Set(number),
        snapshot: Set(to_json(old)?),
        changed: Set(to_json(&changed)?),
        action: Set(action.to_owned()),
        actor_key_id: Set(ctx.actor),
        created_at: Set(micros(ctx.now)),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

impl ContentRepo {
    pub async fn revisions(&self, article_id: i64) -> Result<Vec<Revision>, RepoError> {
        let rows = revision::Entity::find()
            .filter(revision::Column::ArticleId.eq(article_id))
            .order_by_desc(revision::Column::Number)
            .all(&self.db.conn)
            .await?;
        rows.into_iter().map(to_revision).collect()
    }

    pub async fn revision(
        &self,
        article_id: i64,
        number: i32,
    ) -> Result<Option<Revision>, RepoError> {
        revision::Entity::find()
            .filter(revision::Column::ArticleId.eq(article_id))
            .filter(revision::Column::Number.eq(number))
            .one(&self.db.conn)
            .await?
            .map(to_revision)
            .transpose()
    }

    /// The audit log, newest first.
    pub async fn audit_log(
        &self,
        limit: u64,
        before_id: Option<i64>,
    ) -> Result<Vec<AuditEntry>, RepoError> {
        let mut q = audit_entry::Entity::find();
        if let Some(b) = before_id {
            q = q.filter(audit_entry::Column::Id.lt(b));
        }
        Ok(q.order_by_desc(audit_entry::Column::Id)
            .limit(limit)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(|m| AuditEntry {
                id: m.id,
                actor_key_id: m.actor_key_id,
                action: m.action,
                target_type: m.target_type,
                target_id: m.target_id,
                details: m.details,
                at: m.at,
            })
            .collect())
    }
}

fn to_revision(m: revision::Model) -> Result<Revision, RepoError> {
    let changed: Vec<String> =
        serde_json::from_value(m.changed).map_err(|e| RepoError::Corrupt {
            table: "revisions",
            id: m.id,
            reason: e.to_string(),
        })?;
    Ok(Revision {
        article_id: m.article_id,
        number: m.number,
        snapshot: m.snapshot,
        changed,
        action: m.action,
        actor_key_id: m.actor_key_id,
        created_at: m.created_at,
    })
}
