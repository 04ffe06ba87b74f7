//! `barta serve --demo`: fills an empty database with demo content written
//! for this project (`app/demo/demo.json`: original text, no newspaper's).
//! Times are relative to now, so the demo always looks fresh; one scheduled
//! and one draft article stay invisible.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use domain::Slug;
use image::{Rgb, RgbImage};
use persistence::{AuthorUpsert, ContentRepo, SectionUpsert, TagUpsert};
use serde::Deserialize;

use crate::images::{ImageFields, ImageService, Upload};
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
    name_en: Option<String>,
    bio: Option<String>,
    avatar_url: Option<String>,
}

/// A tag with its English name (articles name tags by slug and name).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoTag {
    slug: String,
    name: String,
    name_en: Option<String>,
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
    tags: Vec<DemoTag>,
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
pub async fn seed(
    repo: &ContentRepo,
    now: DateTime<Utc>,
    pictures: Option<&ImageService>,
) -> anyhow::Result<Seeded> {
    if repo.article_count_all().await? > 0 {
        return Ok(Seeded::Skipped);
    }
    let pictures = match pictures {
        Some(p) => demo_pictures(p).await?,
        None => HashMap::new(),
    };
    let demo: Demo = serde_json::from_str(DEMO_JSON)?;
    for s in &demo.sections {
        repo.ensure_section(&SectionUpsert {
            slug: Slug::parse(&s.slug)?,
            name: s.name.clone(),
            name_en: s.name_en.clone(),
            language: "bn".to_owned(),
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
            name_en: a.name_en.clone(),
            language: "bn".to_owned(),
            bio: a.bio.clone(),
            avatar_url: a.avatar_url.clone(),
        })
        .await?;
    }
    for t in &demo.tags {
        repo.ensure_tag(&TagUpsert {
            slug: Slug::parse(&t.slug)?,
            name: t.name.clone(),
            name_en: t.name_en.clone(),
            language: "bn".to_owned(),
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
                    name_en: None,
                    language: None,
                    bio: None,
                },
                other => other,
            })
            .collect();
        line.published_at = a.published_hours_ago.map(|h| hours(now, -h));
        line.updated_at = a.updated_hours_ago.map(|h| hours(now, -h));
        line.publish_at = a.publish_at_hours_from_now.map(|h| hours(now, h));
        let mut upsert = line
            .to_upsert(&sections, PublishedFallback::Draft)
            .map_err(|errors| anyhow::anyhow!("demo article {}: {errors:?}", line.external_id))?;
        if let Some(image) = pictures.get(line.external_id.as_str()) {
            upsert.image = Some(image.clone());
        }
        repo.upsert_article(&upsert, now).await?;
        count += 1;
    }
    Ok(Seeded::Articles(count))
}

/// A picture the demo draws itself (nothing downloaded): which article it
/// leads, how to draw it, and how it is described.
struct DemoPicture {
    article: &'static str,
    draw: fn(u32, u32, u32, u32) -> [u8; 3],
    focal: (f64, f64),
    alt: &'static str,
    caption: &'static str,
}

fn mix(a: [u8; 3], b: [u8; 3], t: f64) -> [u8; 3] {
    let t = t.clamp(0.0, 1.0);
    let m = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    [m(a[0], b[0]), m(a[1], b[1]), m(a[2], b[2])]
}

/// A river at dusk with a boat on the left.
fn river(x: u32, y: u32, w: u32, h: u32) -> [u8; 3] {
    let (fx, fy) = (f64::from(x) / f64::from(w), f64::from(y) / f64::from(h));
    let (sx, sy) = (fx - 0.72, (fy - 0.5) * 0.625);
    if (sx * sx + sy * sy).sqrt() < 0.05 {
        return [255, 196, 90];
    }
    let boat = fy > 0.66 && fy < 0.72 && (fx - 0.33).abs() < 0.09 - (fy - 0.66) * 0.8;
    let mast = (fx - 0.33).abs() < 0.003 && fy > 0.5 && fy <= 0.66;
    if boat || mast {
        return [34, 24, 30];
    }
    if fy < 0.6 {
        mix([29, 43, 83], [255, 154, 60], fy / 0.6)
    } else {
        let ripple = if (y / 6).is_multiple_of(3) { 0.12 } else { 0.0 };
        mix([168, 90, 50], [18, 32, 60], (fy - 0.6) / 0.4 + ripple)
    }
}

/// Monsoon rain over a grey city.
fn rain(x: u32, y: u32, w: u32, h: u32) -> [u8; 3] {
    let (fx, fy) = (f64::from(x) / f64::from(w), f64::from(y) / f64::from(h));
    let roofs = 0.62 + 0.08 * ((fx * 14.0).floor() % 3.0) / 2.0;
    if fy > roofs {
        return mix([70, 78, 88], [40, 44, 52], (fy - roofs) * 3.0);
    }
    if (x + y / 3).is_multiple_of(23) {
        return [200, 210, 225];
    }
    mix([92, 104, 122], [150, 162, 178], fy)
}

/// A cricket ground from above: the pitch in the middle.
fn ground(x: u32, y: u32, w: u32, h: u32) -> [u8; 3] {
    let (fx, fy) = (
        f64::from(x) / f64::from(w) - 0.5,
        f64::from(y) / f64::from(h) - 0.5,
    );
    if fx.abs() < 0.025 && fy.abs() < 0.2 {
        if (fy.abs() - 0.16).abs() < 0.003 {
            return [250, 250, 250];
        }
        return [214, 190, 140];
    }
    let r = (fx * fx / 0.2 + fy * fy / 0.2).sqrt();
    let stripe = if ((fx + 0.5) * 20.0).floor() as i64 % 2 == 0 {
        0.0
    } else {
        0.08
    };
    if r < 1.0 {
        mix([52, 140, 62], [32, 100, 44], r * 0.5 + stripe)
    } else {
        [28, 70, 40]
    }
}

const PICTURES: [DemoPicture; 3] = [
    DemoPicture {
        article: "demo-035",
        draw: river,
        focal: (0.33, 0.66),
        alt: "সন্ধ্যার নদীতে একটি নৌকা, আকাশে অস্তগামী সূর্য",
        caption: "সন্ধ্যার নদী (প্রতীকী ছবি)",
    },
    DemoPicture {
        article: "demo-003",
        draw: rain,
        focal: (0.5, 0.4),
        alt: "শহরের ছাদের ওপর ঝুম বৃষ্টি",
        caption: "আষাঢ়ের বৃষ্টি (প্রতীকী ছবি)",
    },
    DemoPicture {
        article: "demo-046",
        draw: ground,
        focal: (0.5, 0.5),
        alt: "ওপর থেকে দেখা ক্রিকেট মাঠ, মাঝখানে পিচ",
        caption: "ক্রিকেট মাঠ (প্রতীকী ছবি)",
    },
];

/// Draws, stores and describes the demo's pictures; each article's lead
/// picture by its external id.
async fn demo_pictures(
    images: &ImageService,
) -> anyhow::Result<HashMap<&'static str, domain::Image>> {
    let mut out = HashMap::new();
    for p in &PICTURES {
        let (w, h) = (1600, 1000);
        let draw = p.draw;
        let img = RgbImage::from_fn(w, h, |x, y| Rgb(draw(x, y, w, h)));
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
        let asset = images
            .upload_system(
                Upload {
                    bytes: png.into(),
                    declared_mime: Some("image/png".into()),
                    file_name: None,
                },
                ImageFields {
                    alt: Some(Some(p.alt.into())),
                    caption: Some(Some(p.caption.into())),
                    credit: Some(Some("বার্তা ডেমো (আঁকা ছবি)".into())),
                    decorative: None,
                    focal_point: Some(p.focal),
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo picture: {e:?}"))?;
        let mut image = domain::Image::default();
        image.attach(images.base(), &asset);
        out.insert(p.article, image);
    }
    Ok(out)
}
