//! API keys: generation, hashing, and checking a bearer token's key and scope.
//!
//! A key is `barta_` followed by 256 random bits (base64url). Only its
//! SHA-256 is stored; the lookup is by hash and the stored hash is compared
//! again in constant time. Keys are never logged: only their id and scope.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::{ApiKey, Scope};
use persistence::ContentRepo;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::AppError;

pub const KEY_PREFIX: &str = "barta_";

/// A new secret key: (the key to hand out once, its hash, a display prefix).
pub fn generate_key() -> anyhow::Result<(String, String, String)> {
    let (key, hash) = generate_secret(KEY_PREFIX)?;
    let prefix: String = key.chars().take(KEY_PREFIX.len() + 6).collect();
    Ok((key, hash, prefix))
}

/// `prefix` and 256 random bits (base64url), with the SHA-256 that is all
/// the database keeps of it.
pub fn generate_secret(prefix: &str) -> anyhow::Result<(String, String)> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let token = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(secret));
    let hash = hash_key(&token);
    Ok((token, hash))
}

pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Who is calling: anonymous, or a valid key.
#[derive(Debug, Clone)]
pub enum Caller {
    Anonymous,
    Key(ApiKey),
    /// A token was sent but is unknown, revoked or malformed.
    Invalid,
}

impl Caller {
    /// The key, if it has at least `scope`; 401 without a valid key, 403
    /// with one whose scope is too small.
    pub fn require(&self, scope: Scope) -> Result<&ApiKey, AppError> {
        match self {
            Caller::Key(key) if key.scope.allows(scope) => Ok(key),
            Caller::Key(key) => {
                tracing::warn!(key_id = key.id, key_scope = %key.scope, required = %scope, "forbidden");
                Err(AppError::Forbidden(scope))
            }
            Caller::Anonymous | Caller::Invalid => {
                tracing::warn!(required = %scope, "unauthenticated write attempt");
                Err(AppError::Unauthorized)
            }
        }
    }
}

/// Who sent this `Authorization` header value (`None`: no header; a value
/// that is not `Bearer barta_…` or names no live key is [`Caller::Invalid`]).
pub async fn caller(repo: &ContentRepo, authorization: Option<&[u8]>) -> Result<Caller, AppError> {
    let Some(value) = authorization else {
        return Ok(Caller::Anonymous);
    };
    let Some(token) = std::str::from_utf8(value)
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
    else {
        return Ok(Caller::Invalid);
    };
    if !token.starts_with(KEY_PREFIX) || token.len() > 128 {
        return Ok(Caller::Invalid);
    }
    let hash = hash_key(token);
    match repo.key_by_hash(&hash).await? {
        Some((key, stored)) if bool::from(stored.as_bytes().ct_eq(hash.as_bytes())) => {
            if key.revoked_at.is_some() {
                tracing::warn!(key_id = key.id, "revoked key used");
                Ok(Caller::Invalid)
            } else {
                Ok(Caller::Key(key))
            }
        }
        _ => Ok(Caller::Invalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_random_and_stored_only_as_hashes() {
        let (a, hash_a, prefix) = generate_key().unwrap();
        let (b, _, _) = generate_key().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(KEY_PREFIX));
        assert_eq!(a.len(), KEY_PREFIX.len() + 43, "256 bits in base64url");
        assert_eq!(hash_a, hash_key(&a));
        assert_eq!(hash_a.len(), 64);
        assert!(!hash_a.contains(&a[KEY_PREFIX.len()..]));
        assert!(a.starts_with(&prefix));
    }
}
