//! `barta serve --demo`: fills an empty database with demo content written
//! for this project (`app/demo/demo.json`: original text, no newspaper's).
//! Times are relative to now, so the demo always looks fresh; one scheduled
//! and one draft article stay invisible.

use chrono::{DateTime, Duration, Utc};
use domain::Slug;
use persistence::{AuthorUpsert, ContentRepo, SectionUpsert};
use serde::Deserialize;

use crate::import::{ImportLine, NamedRef, PublishedFallback};

const DEMO_JSON: &str = include_str!("../demo/demo.json");

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoSection {
    slug: String,
    name: String,
    name_en: Option<String>,
    parent: Option<String>,
    position: i32,
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoAuthor {
    slug: String,
    name: String,
    bio: Option<String>,
    avatar_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoArticle {
    #[serde(flatten)]
    line: ImportLine,
    published_hours_ago: Option<f64>,
    updated_hours_ago: Option<f64>,
    publish_at_hours_from_now: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct Demo {
    sections: Vec<DemoSection>,
    authors: Vec<DemoAuthor>,
    articles: Vec<DemoArticle>,
}

/// What the seeder did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seeded {
    /// The database already held articles; nothing was written.
    Skipped,
    Articles(usize),
}

fn hours(now: DateTime<Utc>, h: f64) -> String {
    let secs = (h * 3600.0).round() as i64;
    (now + Duration::seconds(secs)).to_rfc3339()
}

/// Seeds the demo content when the database holds no article.
pub async fn seed(repo: &ContentRepo, now: DateTime<Utc>) -> anyhow::Result<Seeded> {
    if repo.article_count_all().await? > 0 {
        return Ok(Seeded::Skipped);
    }
    let demo: Demo = serde_json::from_str(DEMO_JSON)?;
    for s in &demo.sections {
        repo.ensure_section(&SectionUpsert {
            slug: Slug::parse(&s.slug)?,
            name: s.name.clone(),
            name_en: s.name_en.clone(),
            parent: s.parent.as_deref().map(Slug::parse).transpose()?,
            position: s.position,
            description: s.description.clone(),
        })
        .await?;
    }
    for a in &demo.authors {
        repo.ensure_author(&AuthorUpsert {
            slug: Slug::parse(&a.slug)?,
            name: a.name.clone(),
            bio: a.bio.clone(),
            avatar_url: a.avatar_url.clone(),
        })
        .await?;
    }
    let sections = repo.sections().await?;
    let mut count = 0;
    for a in demo.articles {
        let mut line = a.line;
        line.authors = line
            .authors
            .into_iter()
            .map(|r| match r {
                NamedRef::Name(slug) => NamedRef::Object {
                    slug: Some(slug),
                    name: None,
                },
                other => other,
            })
            .collect();
        line.published_at = a.published_hours_ago.map(|h| hours(now, -h));
        line.updated_at = a.updated_hours_ago.map(|h| hours(now, -h));
        line.publish_at = a.publish_at_hours_from_now.map(|h| hours(now, h));
        let upsert = line
            .to_upsert(&sections, PublishedFallback::Draft)
            .map_err(|errors| anyhow::anyhow!("demo article {}: {errors:?}", line.external_id))?;
        repo.upsert_article(&upsert, now).await?;
        count += 1;
    }
    Ok(Seeded::Articles(count))
}
