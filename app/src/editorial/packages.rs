//! Story packages: an editor's hand-picked "read more" (আরও পড়ুন) for an
//! article, shown in their order before the computed related stories.
//! Picks of any status may be stored; readers see only the public ones.

use domain::{ApiKey, ArticleSummary, ValidationError};

use super::{EditorialService, ctx};
use crate::error::AppError;

/// The most picks an article takes.
pub const MAX_PICKS: usize = 10;

impl EditorialService {
    /// Article `id`'s picks, in order, whatever their status.
    pub async fn picks(&self, id: i64) -> Result<Vec<ArticleSummary>, AppError> {
        self.preview(id).await?;
        Ok(self.svc.repo().pick_summaries(id).await?)
    }

    /// Replaces article `id`'s picks with `articles` (ids as sent, in
    /// order): at most ten, no repeats, not the article itself, each an
    /// article that exists. Every bad one is reported at once.
    pub async fn set_picks(
        &self,
        key: &ApiKey,
        id: i64,
        articles: &[String],
    ) -> Result<Vec<ArticleSummary>, AppError> {
        // Refused before anything is read: the checks below are per item.
        if articles.len() > MAX_PICKS {
            return Err(AppError::Unprocessable(vec![ValidationError::new(
                "articles",
                "takes at most 10 articles",
            )]));
        }
        let article = self.preview(id).await?;
        let mut errors = Vec::new();
        let mut ids: Vec<i64> = Vec::new();
        for (i, raw) in articles.iter().enumerate() {
            let field = format!("articles[{i}]");
            match domain::ArticleId::parse(raw.trim()) {
                Err(_) => errors.push(ValidationError::new(&field, "is not an article id")),
                Ok(a) if a.get() == id => {
                    errors.push(ValidationError::new(&field, "is the article itself"))
                }
                Ok(a) if ids.contains(&a.get()) => {
                    errors.push(ValidationError::new(&field, "is given twice"))
                }
                Ok(a) => ids.push(a.get()),
            }
        }
        let existing = self.svc.repo().existing_articles(&ids).await?;
        for (i, raw) in articles.iter().enumerate() {
            if let Ok(a) = domain::ArticleId::parse(raw.trim())
                && ids.contains(&a.get())
                && !existing.contains(&a.get())
            {
                errors.push(ValidationError::new(
                    format!("articles[{i}]"),
                    format!("no article {}", a.get()),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Unprocessable(errors));
        }
        if !self
            .svc
            .repo()
            .set_picks(id, &ids, ctx(key, self.now()))
            .await?
        {
            return Err(AppError::not_found(format!("no article {id}")));
        }
        self.changed(&article).await;
        self.picks(id).await
    }
}
