//! Preview links: an editor shares an article as it stands, published or
//! not, by a link that needs no key. The token (`bpv_` and 256 random
//! bits) is handed out once; the database keeps its SHA-256, as for API
//! keys. A link lives at most seven days and can be revoked; a dead link
//! is the same 404 as an unknown one.

use chrono::Duration;
use domain::{ApiKey, Article, PreviewLink};

use super::{EditorialService, ctx};
use crate::auth::{generate_secret, hash_key};
use crate::content::ContentService;
use crate::error::AppError;

/// What a preview token starts with.
pub const PREVIEW_PREFIX: &str = "bpv_";

/// A link as created: the token is shown this once.
#[derive(Debug, Clone)]
pub struct NewPreviewLink {
    pub link: PreviewLink,
    pub token: String,
}

impl EditorialService {
    /// A new link to article `id`, living `expires_in` seconds (a day when
    /// absent, seven days at most).
    pub async fn create_preview_link(
        &self,
        key: &ApiKey,
        id: i64,
        expires_in: Option<i64>,
    ) -> Result<NewPreviewLink, AppError> {
        let lifetime = PreviewLink::lifetime(expires_in).map_err(|e| AppError::Invalid(vec![e]))?;
        let (token, hash) =
            generate_secret(PREVIEW_PREFIX).map_err(|e| AppError::Internal(e.into()))?;
        let now = self.now();
        let link = self
            .svc
            .repo()
            .create_preview_link(id, &hash, now + Duration::seconds(lifetime), ctx(key, now))
            .await?
            .ok_or_else(|| AppError::not_found(format!("no article {id}")))?;
        Ok(NewPreviewLink { link, token })
    }

    /// Article `id`'s links, newest first, dead ones included.
    pub async fn preview_links(&self, id: i64) -> Result<Vec<PreviewLink>, AppError> {
        self.preview(id).await?;
        Ok(self.svc.repo().preview_links(id).await?)
    }

    /// Revokes link `link_id` of article `id`; revoking twice is not an error.
    pub async fn revoke_preview_link(
        &self,
        key: &ApiKey,
        id: i64,
        link_id: i64,
    ) -> Result<PreviewLink, AppError> {
        self.svc
            .repo()
            .revoke_preview_link(id, link_id, ctx(key, self.now()))
            .await?
            .ok_or_else(|| {
                AppError::not_found(format!("article {id} has no preview link {link_id}"))
            })
    }
}

impl ContentService {
    /// The article a preview token opens now; an unknown, expired or
    /// revoked token, or one of a deleted article, is the same not-found.
    pub async fn article_by_preview_token(&self, token: &str) -> Result<Article, AppError> {
        let unknown = || AppError::not_found("no such preview link");
        // Anything not shaped like a token is unknown without a lookup.
        if !token.starts_with(PREVIEW_PREFIX) || token.len() > 100 {
            return Err(unknown());
        }
        self.repo()
            .article_by_preview_token(&hash_key(token), self.now())
            .await?
            .map(|(_, article)| article)
            .ok_or_else(unknown)
    }
}
