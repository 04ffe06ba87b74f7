//! `barta export [--since T] > file.jsonl`: every article but deleted ones,
//! public or not, in its latest state, one per line in the import format,
//! so that `barta import` of the file into an empty database reproduces
//! them (ids aside: an article without an external id is exported as
//! `barta-{id}`). Sections travel whole (names, order, parents), bylines
//! with their bios, correction notes with their article; uploaded
//! pictures travel by URL (imports take pictures by URL); live posts,
//! comments and the revision history stay behind.

use std::collections::HashMap;
use std::io::Write;

use chrono::{DateTime, Utc};
use domain::{Article, Block, Image};
use persistence::ContentRepo;
use serde::Serialize;

/// Articles read per statement.
const BATCH: u64 = 500;

/// A byline or tag as `{slug, name}` (the import's `NamedRef`), with its
/// English name and the language of `name` when they are set.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Named<'a> {
    slug: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name_en: Option<&'a str>,
    #[serde(skip_serializing_if = "is_bengali")]
    language: &'a str,
    /// A byline's biography.
    #[serde(skip_serializing_if = "Option::is_none")]
    bio: Option<&'a str>,
}

/// A section whole (the import's `SectionRef` object), its parent nested
/// the same way, so an import into an empty database makes the same tree.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SectionOut<'a> {
    slug: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name_en: Option<&'a str>,
    #[serde(skip_serializing_if = "is_bengali")]
    language: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<Box<SectionOut<'a>>>,
    position: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
}

/// Section `id` whole, with its parents (at most 16 deep: a damaged tree
/// with a loop ends there).
fn section_out(
    id: i64,
    sections: &HashMap<i64, domain::Section>,
    depth: u8,
) -> Option<SectionOut<'_>> {
    let s = sections.get(&id)?;
    Some(SectionOut {
        slug: &s.slug,
        name: &s.name,
        name_en: s.name_en.as_deref(),
        language: &s.language,
        parent: s
            .parent_id
            .filter(|_| depth < 16)
            .and_then(|p| section_out(p, sections, depth + 1))
            .map(Box::new),
        position: s.position,
        description: s.description.as_deref(),
    })
}

fn is_bengali(language: &&str) -> bool {
    *language == "bn"
}

/// One line: the fields of `ImportLine`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExportLine<'a> {
    external_id: String,
    slug: &'a str,
    headline: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kicker: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    body: Vec<Block>,
    section: SectionOut<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    secondary_sections: Vec<SectionOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Named<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<Named<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    desk: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dateline: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<Image>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    published_at: Option<String>,
    updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    publish_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    embargo_until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    canonical_url: Option<&'a str>,
    kind: &'static str,
    access: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    live_state: Option<&'static str>,
    language: &'a str,
    /// The external id of the story's first version (exported before it).
    #[serde(skip_serializing_if = "Option::is_none")]
    translation_of: Option<String>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    corrections: &'a [domain::Correction],
}

/// What an export wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExportReport {
    pub articles: u64,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A picture as an import takes it: by URL, without what an upload fills in.
fn by_url(i: &Image) -> Image {
    Image {
        url: i.url.clone(),
        alt: i.alt.clone(),
        caption: i.caption.clone(),
        credit: i.credit.clone(),
        width: i.width,
        height: i.height,
        decorative: i.decorative,
        ..Default::default()
    }
}

fn body(blocks: &[Block]) -> Vec<Block> {
    blocks
        .iter()
        .map(|b| match b {
            Block::Image { image } => Block::Image {
                image: Box::new(by_url(image)),
            },
            other => other.clone(),
        })
        .collect()
}

/// Writes every article changed at or after `since` (all when `None`) to
/// `out`, one JSON line each, oldest id first.
pub async fn export_lines<W: Write>(
    repo: &ContentRepo,
    since: Option<DateTime<Utc>>,
    out: &mut W,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<ExportReport> {
    let sections: HashMap<i64, domain::Section> = repo
        .sections()
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut report = ExportReport::default();
    let mut after = 0i64;
    loop {
        let batch: Vec<Article> = repo.articles_after(after, BATCH, since).await?;
        let Some(last) = batch.last() else {
            break;
        };
        after = last.summary.id;
        let mut author_ids: Vec<i64> = batch
            .iter()
            .flat_map(|a| a.summary.author_ids.iter().copied())
            .collect();
        author_ids.sort_unstable();
        author_ids.dedup();
        let mut tag_ids: Vec<i64> = batch
            .iter()
            .flat_map(|a| a.summary.tag_ids.iter().copied())
            .collect();
        tag_ids.sort_unstable();
        tag_ids.dedup();
        let authors: HashMap<i64, domain::Author> = repo
            .authors_by_ids(&author_ids)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let tags: HashMap<i64, domain::Tag> = repo
            .tags_by_ids(&tag_ids)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        // Each story's first version that is exported (the lowest id not
        // deleted, so written before the others whatever the order in
        // which they were linked), by story.
        let mut groups: Vec<i64> = batch.iter().map(Article::story).collect();
        groups.sort_unstable();
        groups.dedup();
        let mut first: HashMap<i64, i64> = HashMap::new();
        for (id, _, group) in repo.translation_members_of(&groups).await? {
            let lowest = first.entry(group).or_insert(id);
            *lowest = (*lowest).min(id);
        }
        let mut anchors: HashMap<i64, String> = HashMap::new();
        for (&group, &id) in &first {
            if let Some(anchor) = repo.article_by_id(id).await? {
                let external = anchor.external_id.unwrap_or_else(|| format!("barta-{id}"));
                anchors.insert(group, external);
            }
        }
        let translation_of = |a: &Article| -> Option<String> {
            let group = a.story();
            match first.get(&group) {
                Some(&lowest) if lowest != a.summary.id => anchors.get(&group).cloned(),
                _ => None,
            }
        };
        for a in &batch {
            let s = &a.summary;
            let section = section_out(s.section_id, &sections, 0).ok_or_else(|| {
                anyhow::anyhow!("article {} has no section {}", s.id, s.section_id)
            })?;
            let line = ExportLine {
                external_id: a
                    .external_id
                    .clone()
                    .unwrap_or_else(|| format!("barta-{}", s.id)),
                slug: &s.slug,
                headline: &s.headline,
                kicker: s.kicker.as_deref(),
                summary: s.summary.as_deref(),
                body: body(&a.body),
                section,
                secondary_sections: a
                    .secondary_section_ids
                    .iter()
                    .filter_map(|id| section_out(*id, &sections, 0))
                    .collect(),
                authors: s
                    .author_ids
                    .iter()
                    .filter_map(|id| authors.get(id))
                    .map(|x| Named {
                        slug: &x.slug,
                        name: &x.name,
                        name_en: x.name_en.as_deref(),
                        language: &x.language,
                        bio: x.bio.as_deref(),
                    })
                    .collect(),
                tags: s
                    .tag_ids
                    .iter()
                    .filter_map(|id| tags.get(id))
                    .map(|x| Named {
                        slug: &x.slug,
                        name: &x.name,
                        name_en: x.name_en.as_deref(),
                        language: &x.language,
                        bio: None,
                    })
                    .collect(),
                desk: s.desk.as_deref(),
                source: a.source.as_deref(),
                source_url: a.source_url.as_deref(),
                dateline: a.dateline.as_deref(),
                image: s.image.as_ref().map(by_url),
                status: s.status.as_str(),
                published_at: s.published_at.map(time),
                updated_at: time(s.updated_at),
                publish_at: a.publish_at.map(time),
                embargo_until: a.embargo_until.map(time),
                canonical_url: a.canonical_url.as_deref(),
                kind: s.kind.as_str(),
                access: s.access.as_str(),
                live_state: s.live_state.map(|l| l.as_str()),
                language: &a.summary.language,
                translation_of: translation_of(a),
                corrections: &a.corrections,
            };
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
            report.articles += 1;
        }
        progress(report.articles);
    }
    out.flush()?;
    Ok(report)
}
