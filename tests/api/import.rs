//! `barta import`: idempotent, line by line, and the demo seed.

use app::import::{ImportReport, PublishedFallback, import_lines};
use app::import_metrics::import_with_metrics;
use chrono::Utc;
use persistence::ContentRepo;
use persistence::testing::{Engine, TestDb};
use serde_json::json;

use crate::helpers::spawn_app_with;
use crate::on_both;

on_both!(
    db;
    import_is_idempotent_and_skips_bad_lines_with_their_numbers,
    import_keeps_a_prometheus_metrics_file_of_its_progress,
);

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
        |_, _, _| {},
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
        |_, _, _| {},
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
        |_, _, _| {},
    )
    .await
    .unwrap();
    assert_eq!((third.created, third.updated, third.unchanged), (0, 1, 2));
    assert_eq!(repo.article_count_all().await.unwrap(), 3);
    // Stories published in 2024 are an archive: recorded for the change
    // feed, told to no webhook or stream (only the edit above was). One
    // published an hour ago is news.
    assert_eq!(
        repo.count_rows("webhook_events").await.unwrap(),
        1,
        "the edit is told"
    );
    let fresh = json!({"id": "imp-5", "headline": "এইমাত্র পাওয়া খবর", "body": "লেখা",
        "section": "জাতীয় সংবাদ",
        "publishedAt": (Utc::now() - chrono::Duration::hours(1)).to_rfc3339()})
    .to_string();
    let news = import_lines(
        &repo,
        fresh.as_bytes(),
        PublishedFallback::Draft,
        Utc::now(),
        |_, _, _| {},
    )
    .await
    .unwrap();
    assert_eq!(news.created, 1);
    assert_eq!(repo.count_rows("webhook_events").await.unwrap(), 2);
}

#[tokio::test]
async fn demo_content_seeds_an_empty_database_once_and_hides_its_unreleased_articles() {
    let Some(app) = spawn_app_with(Engine::Sqlite, false).await else {
        return;
    };
    let seeded = app::demo::seed(&app.repo, Utc::now(), None).await.unwrap();
    assert!(
        matches!(seeded, app::demo::Seeded::Articles(n) if n >= 62),
        "{seeded:?}"
    );
    assert_eq!(
        app::demo::seed(&app.repo, Utc::now(), None).await.unwrap(),
        app::demo::Seeded::Skipped
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
    // A few stories have an English version, linked both ways.
    let en = app
        .get_json(
            "/v1/articles/metro-rail-to-run-until-10-30-pm/translations",
            200,
        )
        .await;
    assert_eq!(en["data"][0]["language"], "en", "{en}");
    assert_eq!(
        en["data"][0]["slug"],
        "metro-rail-hours-extended-to-10-30-pm"
    );
    let english = app.list_ids("/v1/articles?lang=en").await;
    assert_eq!(english.len(), 4);
    app.cleanup().await;
}

/// Checks `text` against the Prometheus text exposition format (0.0.4) as
/// node_exporter's textfile collector reads it, and returns its samples
/// (`name{labels}` → value).
fn parse_exposition(text: &str) -> std::collections::BTreeMap<String, f64> {
    let name = regex::Regex::new(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$").unwrap();
    let sample = regex::Regex::new(
        r#"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)$"#,
    )
    .unwrap();
    assert!(
        text.ends_with('\n'),
        "the last line must end with a newline"
    );
    let mut typed = std::collections::HashMap::new();
    let mut samples = std::collections::BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (n, kind) = rest.split_once(' ').unwrap();
            assert!(name.is_match(n), "{line}");
            assert!(
                ["counter", "gauge", "untyped", "summary", "histogram"].contains(&kind),
                "{line}"
            );
            assert!(
                typed.insert(n.to_owned(), kind.to_owned()).is_none(),
                "TYPE twice: {line}"
            );
        } else if let Some(rest) = line.strip_prefix("# HELP ") {
            let (n, _) = rest.split_once(' ').unwrap();
            assert!(name.is_match(n), "{line}");
        } else {
            let c = sample
                .captures(line)
                .unwrap_or_else(|| panic!("not a sample: {line:?}"));
            let n = &c[1];
            assert!(typed.contains_key(n), "{n} has no TYPE before it");
            if typed[n] == "counter" {
                assert!(n.ends_with("_total"), "counter {n} without _total");
            }
            let value: f64 = c[3].parse().unwrap_or_else(|_| panic!("bad value: {line}"));
            let key = format!("{n}{}", c.get(2).map_or("", |m| m.as_str()));
            assert!(samples.insert(key, value).is_none(), "sample twice: {line}");
        }
    }
    samples
}

async fn import_keeps_a_prometheus_metrics_file_of_its_progress(db: &TestDb) {
    let repo = ContentRepo::new(db.db.clone());
    let dir = std::env::temp_dir().join(format!(
        "barta-import-metrics-{}-{}",
        std::process::id(),
        db.db.backend_name()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("barta_import.prom");
    let input = lines();
    let before = Utc::now().timestamp_millis() as f64 / 1000.0;
    let mut seen = 0;
    let report = run_import(&repo, &input, &path, |_, _, _| {
        // Written before the first line, so it is there while running.
        seen += 1;
        assert!(path.exists());
    })
    .await
    .unwrap();
    let after = Utc::now().timestamp_millis() as f64 / 1000.0;
    assert_eq!(seen, 6);
    let m = parse_exposition(&std::fs::read_to_string(&path).unwrap());
    assert_eq!(m["barta_import_lines_total"], 6.0);
    assert_eq!(m["barta_import_bytes_total"], (input.len() + 1) as f64);
    assert_eq!(m["barta_import_input_bytes"], input.len() as f64);
    assert_eq!(m[r#"barta_import_articles_total{outcome="created"}"#], 3.0);
    assert_eq!(m[r#"barta_import_articles_total{outcome="updated"}"#], 0.0);
    assert_eq!(
        m[r#"barta_import_articles_total{outcome="unchanged"}"#],
        0.0
    );
    assert_eq!(m["barta_import_errors_total"], report.failed.len() as f64);
    assert_eq!(m["barta_import_errors_total"], 2.0);
    assert_eq!(m["barta_import_done"], 1.0);
    assert_eq!(m["barta_import_aborted"], 0.0);
    let started = m["barta_import_started_timestamp_seconds"];
    let updated = m["barta_import_last_update_timestamp_seconds"];
    assert!(before - 0.001 <= started && started <= updated && updated <= after + 0.001);
    // Only the file itself is left: temporary files were renamed over it.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("barta_import.prom")]);

    // A second run counts what it found unchanged.
    run_import(&repo, &input, &path, |_, _, _| {})
        .await
        .unwrap();
    let m = parse_exposition(&std::fs::read_to_string(&path).unwrap());
    assert_eq!(
        m[r#"barta_import_articles_total{outcome="unchanged"}"#],
        3.0
    );
    assert_eq!(m[r#"barta_import_articles_total{outcome="created"}"#], 0.0);

    // A fatal error (the database goes away) ends the run as aborted.
    db.db.clone().close().await.unwrap();
    let err = run_import(&repo, &input, &path, |_, _, _| {}).await;
    assert!(err.is_err());
    let m = parse_exposition(&std::fs::read_to_string(&path).unwrap());
    assert_eq!(m["barta_import_done"], 0.0);
    assert_eq!(m["barta_import_aborted"], 1.0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `input` imported with drafts as the fallback and a metrics file at `path`.
async fn run_import(
    repo: &ContentRepo,
    input: &str,
    path: &std::path::Path,
    progress: impl FnMut(usize, u64, &ImportReport),
) -> anyhow::Result<ImportReport> {
    import_with_metrics(
        repo,
        input.as_bytes(),
        input.len() as u64,
        PublishedFallback::Draft,
        Utc::now(),
        Some(path),
        progress,
    )
    .await
}
