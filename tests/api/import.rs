//! `barta import`: idempotent, line by line, and the demo seed.

use api::import::{PublishedFallback, import_lines};
use chrono::Utc;
use persistence::ContentRepo;
use persistence::testing::{Engine, TestDb};
use serde_json::json;

use crate::helpers::spawn_app_with;

macro_rules! on_both_db {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                if let Some(db) = persistence::testing::TestDb::new(persistence::testing::Engine::Sqlite).await.unwrap() {
                    super::$name(&db).await;
                    db.cleanup().await;
                }
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(db) = persistence::testing::TestDb::new(persistence::testing::Engine::Postgres).await.unwrap() {
                    super::$name(&db).await;
                    db.cleanup().await;
                }
            }
        }
    )*};
}

on_both_db!(import_is_idempotent_and_skips_bad_lines_with_their_numbers);

fn lines() -> String {
    [
        json!({"id": "imp-1", "headline": "আমদানি করা প্রথম খবর", "body": "অনুচ্ছেদ এক।\n\nঅনুচ্ছেদ দুই।",
               "section": "জাতীয় সংবাদ", "published_at": "2024-11-12T05:31:00Z",
               "source_url": "https://example.com/1", "tags": ["রাজনীতি", "নির্বাচন"]})
        .to_string(),
        "{not json".to_owned(),
        json!({"id": "imp-2", "headline": "খসড়া খবর", "body": "লেখা", "section": "জাতীয় সংবাদ", "published_at": null}).to_string(),
        String::new(),
        json!({"id": "imp-3", "headline": "", "body": "লেখা", "published_at": "2024-11-12T05:31:00Z"}).to_string(),
        json!({"id": "imp-4", "headline": "খেলার খবর", "body": [{"type": "paragraph", "text": "ম্যাচ"}],
               "section": "খেলা", "published_at": "2024-11-12T18:00:00+06:00", "authors": ["করিম"]})
        .to_string(),
    ]
    .join("\n")
}

async fn import_is_idempotent_and_skips_bad_lines_with_their_numbers(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    let input = lines();
    let report = import_lines(
        &repo,
        input.as_bytes(),
        PublishedFallback::Draft,
        Utc::now(),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(report.created, 3);
    let failed: Vec<usize> = report.failed.iter().map(|(n, _)| *n).collect();
    assert_eq!(failed, vec![2, 5], "{:?}", report.failed);
    assert!(report.failed[1].1.contains("headline"));
    let again = import_lines(
        &repo,
        input.as_bytes(),
        PublishedFallback::Draft,
        Utc::now(),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3));
    assert_eq!(repo.article_count_all().await.unwrap(), 3);
    let sections = repo.sections().await.unwrap();
    assert!(
        sections
            .iter()
            .any(|s| s.name == "জাতীয় সংবাদ" && s.slug == "জাতীয়-সংবাদ")
    );
    assert_eq!(sections.iter().filter(|s| s.name == "জাতীয় সংবাদ").count(), 1);
    // The draft is stored but not public; the others are.
    let now = Utc::now();
    let page = repo
        .latest_public(
            &domain::ArticleFilter::default(),
            domain::PageRequest::default(),
            now,
        )
        .await
        .unwrap();
    let headlines: Vec<&str> = page.items.iter().map(|a| a.headline.as_str()).collect();
    assert_eq!(headlines, vec!["খেলার খবর", "আমদানি করা প্রথম খবর"]);
    let tag = repo
        .tag_by_slug("নির্বাচন")
        .await
        .unwrap()
        .expect("tag created from its name");
    assert_eq!(tag.name, "নির্বাচন");
    // An edited line updates the same article.
    let edited = input.replace("আমদানি করা প্রথম খবর", "আমদানি করা প্রথম খবর (হালনাগাদ)");
    let third = import_lines(
        &repo,
        edited.as_bytes(),
        PublishedFallback::Draft,
        Utc::now(),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!((third.created, third.updated, third.unchanged), (0, 1, 2));
    assert_eq!(repo.article_count_all().await.unwrap(), 3);
}

#[tokio::test]
async fn demo_content_seeds_an_empty_database_once_and_hides_its_unreleased_articles() {
    let Some(app) = spawn_app_with(Engine::Sqlite, false).await else {
        return;
    };
    let seeded = api::demo::seed(&app.repo, Utc::now()).await.unwrap();
    assert!(
        matches!(seeded, api::demo::Seeded::Articles(n) if n >= 62),
        "{seeded:?}"
    );
    assert_eq!(
        api::demo::seed(&app.repo, Utc::now()).await.unwrap(),
        api::demo::Seeded::Skipped
    );
    let tree = app.get_json("/v1/sections", 200).await;
    let names: Vec<&str> = tree["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for name in [
        "জাতীয়",
        "রাজনীতি",
        "অর্থনীতি",
        "আন্তর্জাতিক",
        "সারাদেশ",
        "খেলা",
        "বিনোদন",
        "ধর্ম",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    let public = app.list_ids("/v1/articles?limit=50").await;
    assert!(public.len() >= 60, "{} public demo articles", public.len());
    assert_eq!(
        app.repo.article_count_all().await.unwrap() as usize,
        public.len() + 2
    );
    // The scheduled and the draft demo articles are stored but not served.
    for slug in [
        "eid-holidays-begin-today-five-day-closure",
        "metro-rail-new-line-construction-timeline-draft",
    ] {
        app.get_json(&format!("/v1/articles/{slug}"), 404).await;
    }
    let first = app
        .get_json(&format!("/v1/articles/{}", public[0]), 200)
        .await;
    assert!(!first["data"]["body"].as_array().unwrap().is_empty());
    app.cleanup().await;
}
