//! API keys: creation, revocation, partner quotas and the lookup by hash.

use domain::{ApiKey, Scope};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;

use super::{WriteContext, audit};
use crate::entities::api_key;
use crate::error::RepoError;
use crate::repo::{ContentRepo, micros};

impl ContentRepo {
    pub async fn create_key(
        &self,
        name: &str,
        scope: Scope,
        key_hash: &str,
        prefix: &str,
        ctx: WriteContext,
    ) -> Result<ApiKey, RepoError> {
        let txn = self.db.begin_write().await?;
        let row = api_key::ActiveModel {
            name: Set(name.to_owned()),
            scope: Set(scope.as_str().to_owned()),
            key_hash: Set(key_hash.to_owned()),
            prefix: Set(prefix.to_owned()),
            created_at: Set(micros(ctx.now)),
            revoked_at: Set(None),
            quota_per_minute: Set(None),
            quota_per_day: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit(
            &txn,
            ctx,
            "key.create",
            "key",
            row.id,
            json!({"name": name, "scope": scope.as_str()}),
        )
        .await?;
        txn.commit().await?;
        to_key(row)
    }

    pub async fn keys(&self) -> Result<Vec<ApiKey>, RepoError> {
        api_key::Entity::find()
            .order_by_asc(api_key::Column::Id)
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(to_key)
            .collect()
    }

    /// Revokes a key; `false` when there is no such key.
    pub async fn revoke_key(&self, id: i64, ctx: WriteContext) -> Result<bool, RepoError> {
        let txn = self.db.begin_write().await?;
        let Some(row) = api_key::Entity::find_by_id(id).one(&txn).await? else {
            return Ok(false);
        };
        if row.revoked_at.is_none() {
            let mut model: api_key::ActiveModel = row.into();
            model.revoked_at = Set(Some(micros(ctx.now)));
            model.update(&txn).await?;
            audit(&txn, ctx, "key.revoke", "key", id, json!({})).await?;
        }
        txn.commit().await?;
        Ok(true)
    }

    /// Sets a key's partner quotas (`None`: the server's defaults); `false`
    /// when there is no such key.
    pub async fn set_key_quotas(
        &self,
        id: i64,
        per_minute: Option<u32>,
        per_day: Option<u32>,
        ctx: WriteContext,
    ) -> Result<bool, RepoError> {
        let txn = self.db.begin_write().await?;
        let Some(row) = api_key::Entity::find_by_id(id).one(&txn).await? else {
            return Ok(false);
        };
        let clamp = |q: Option<u32>| q.map(|q| i32::try_from(q).unwrap_or(i32::MAX));
        let mut model: api_key::ActiveModel = row.into();
        model.quota_per_minute = Set(clamp(per_minute));
        model.quota_per_day = Set(clamp(per_day));
        model.update(&txn).await?;
        audit(
            &txn,
            ctx,
            "key.quota",
            "key",
            id,
            json!({"perMinute": per_minute, "perDay": per_day}),
        )
        .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// The key with this hash, with its stored hash for a constant-time
    /// comparison by the caller.
    pub async fn key_by_hash(&self, key_hash: &str) -> Result<Option<(ApiKey, String)>, RepoError> {
        let Some(row) = api_key::Entity::find()
            .filter(api_key::Column::KeyHash.eq(key_hash))
            .one(&self.db.conn)
            .await?
        else {
            return Ok(None);
        };
        let stored = row.key_hash.clone();
        Ok(Some((to_key(row)?, stored)))
    }
}

fn to_key(m: api_key::Model) -> Result<ApiKey, RepoError> {
    let scope: Scope =
        m.scope
            .parse()
            .map_err(|e: domain::ValidationError| RepoError::Corrupt {
                table: "api_keys",
                id: m.id,
                reason: e.to_string(),
            })?;
    Ok(ApiKey {
        id: m.id,
        name: m.name,
        scope,
        prefix: m.prefix,
        created_at: m.created_at,
        revoked_at: m.revoked_at,
        quota_per_minute: m.quota_per_minute.and_then(|q| u32::try_from(q).ok()),
        quota_per_day: m.quota_per_day.and_then(|q| u32::try_from(q).ok()),
    })
}
