//! Search, related stories, most read, collections and the front.

use chrono::{Duration, Utc};
use domain::{ArticleStatus, Block, Headline, Scope, Slug};
use persistence::{ContentRepo, TagUpsert};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{SecondInstance, TestApp, article, percent_encode};
use crate::on_both;

on_both!(
    search_understands_bengali_spelling_digits_and_danda,
    search_reads_legacy_spellings_as_the_modern_form,
    a_star_after_a_word_searches_by_prefix,
    banglish_queries_find_the_bengali_words_they_sound_like,
    search_supports_phrases_required_and_excluded_words_and_filters,
    search_pages_with_a_cursor_and_counts_hits,
    search_facets_count_every_public_match_by_section_tag_and_month,
    bad_or_hostile_queries_get_a_400_never_a_500,
    search_and_related_never_show_unpublished_articles,
    related_stories_are_about_the_same_thing_without_self_or_duplicates,
    related_stories_fill_up_when_the_best_stopped_being_public,
    a_related_list_is_kept_until_a_change_can_alter_it,
    most_read_counts_each_reader_once_per_window,
    collections_and_the_front_page_are_curated_and_deduplicated,
    a_collection_write_reaches_every_cached_page_and_instance,
    discovery_is_available_over_graphql,
    the_index_absorbs_each_change_once,
);

async fn add(
    repo: &ContentRepo,
    ext: &str,
    headline: &str,
    section: &str,
    body: &str,
    hours_ago: i64,
) -> i64 {
    let mut a = article(
        ext,
        headline,
        section,
        Utc::now() - Duration::hours(hours_ago),
    );
    a.body = vec![Block::Paragraph {
        text: domain::text::nfc(body),
    }];
    a.headline = Headline::parse(headline).unwrap();
    a.summary = None;
    repo.upsert_article(&a, Utc::now()).await.unwrap().id()
}

fn ids(body: &Value) -> Vec<i64> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

fn q(s: &str) -> String {
    percent_encode(s)
}

async fn search(app: &TestApp, params: &str) -> Value {
    app.get_json(&format!("/v1/search?{params}"), 200).await
}

/// Text converted from old encodings (a broken bar for the ব-ফলা, khanda
/// ta as ত + hasanta + ZWJ, a visarga typed as a colon) is found by the
/// modern spelling, and the other way round.
async fn search_reads_legacy_spellings_as_the_modern_form(app: &TestApp) {
    let legacy = add(
        &app.repo,
        "s-legacy",
        "আলহাজ¦ রহিম উদ্দিনের জানাজা",
        "national",
        "সময়ঃ বিকেল ৪টা। হঠা\u{09A4}\u{09CD}\u{200D} বৃষ্টিতে মানুষের ভিড় কমেনি।",
        1,
    )
    .await;
    let modern = add(
        &app.repo,
        "s-modern",
        "বিশ্বকাপ উৎসব শুরু",
        "national",
        "উৎসবের প্রথম দিনে মাঠে দর্শক।",
        2,
    )
    .await;
    app.sync_index().await;
    for (query, expected) in [
        ("আলহাজ্ব", legacy),
        ("হঠাৎ বৃষ্টিতে", legacy),
        ("সময় বিকেল", legacy),
        ("বিশ¦কাপ", modern),
        ("উ\u{09A4}\u{09CD}\u{200D}সব", modern),
    ] {
        let r = search(app, &format!("q={}", q(query))).await;
        assert_eq!(ids(&r).first(), Some(&expected), "{query}: {r}");
    }
}

/// Romanised (Banglish) queries find the Bengali words they sound like:
/// `dhaka bonna` finds ঢাকায় বন্যা though Avro would spell it ধাকা বন্না;
/// a phrase in quotes and an excluded word keep their meaning.
async fn banglish_queries_find_the_bengali_words_they_sound_like(app: &TestApp) {
    let flood = add(
        &app.repo,
        "s-flood",
        "ঢাকা শহরে বন্যা, পানিবন্দি মানুষ",
        "national",
        "টানা বৃষ্টিতে ঢাকা শহরের নিচু এলাকায় বন্যা দেখা দিয়েছে।",
        1,
    )
    .await;
    let port = add(
        &app.repo,
        "s-port",
        "চট্টগ্রাম বন্দরে নতুন জেটি",
        "national",
        "চট্টগ্রাম বন্দরে আজ নতুন জেটির উদ্বোধন হয়েছে।",
        2,
    )
    .await;
    app.sync_index().await;
    for (query, expected) in [
        ("dhaka bonna", vec![flood]),
        ("Dhaka", vec![flood]),
        ("chattogram bondore", vec![port]),
        ("bajet", vec![app.ids.public[0], app.ids.public[1]]),
        ("bonna -dhaka", vec![]),
        ("\"dhaka bonna\"", vec![]),
    ] {
        let r = search(app, &format!("q={}", q(query))).await;
        let mut found = ids(&r);
        found.sort_unstable();
        let mut expected = expected;
        expected.sort_unstable();
        assert_eq!(found, expected, "{query}: {r}");
    }
}

/// `কারা*` finds every word that starts so (কারাগার, কারাবন্দি); the
/// plain word matches whole words only.
async fn a_star_after_a_word_searches_by_prefix(app: &TestApp) {
    let jail = add(
        &app.repo,
        "s-jail",
        "কারাগারে নতুন ভবন",
        "national",
        "কেন্দ্রীয় কারাগারে বন্দিদের জন্য নতুন ভবন।",
        1,
    )
    .await;
    let prisoner = add(
        &app.repo,
        "s-prisoner",
        "কারাবন্দিদের মুক্তি",
        "national",
        "দীর্ঘদিনের কারাবন্দিরা মুক্তি পেয়েছেন।",
        2,
    )
    .await;
    app.sync_index().await;
    let r = search(app, &format!("q={}", q("কারা*"))).await;
    let mut found = ids(&r);
    found.sort_unstable();
    let mut expected = vec![jail, prisoner];
    expected.sort_unstable();
    assert_eq!(found, expected, "{r}");
    let r = search(app, &format!("q={}", q("কারা"))).await;
    assert!(ids(&r).is_empty(), "{r}");
    let r = search(app, &format!("q={}", q("কারা* -মুক্তি"))).await;
    assert_eq!(ids(&r), vec![jail], "{r}");
}

async fn search_understands_bengali_spelling_digits_and_danda(app: &TestApp) {
    // য় written as one code point (U+09DF) in the headline, decomposed in the query.
    let victory = add(
        &app.repo,
        "s-bijoy",
        "বিজ\u{09DF} দিবসে সাভারে শ্রদ্ধা",
        "national",
        "১৬ ডিসেম্বর সকালে স্মৃতিসৌধে মানুষের ঢল।",
        1,
    )
    .await;
    let body_only = add(
        &app.repo,
        "s-body",
        "সাভারে যানজট",
        "national",
        "বিজয় দিবসের ছুটিতে মহাসড়কে চাপ।",
        2,
    )
    .await;
    let danda = add(
        &app.repo,
        "s-danda",
        "শিক্ষকদের কর্মবিরতি",
        "national",
        "আন্দোলন চলেছে।উত্তর দিকের জেলাগুলোতেও ক্লাস বন্ধ।",
        3,
    )
    .await;
    app.sync_index().await;
    let decomposed = "বিজ\u{09AF}\u{09BC}";
    let r = search(app, &format!("q={}", q(decomposed))).await;
    let found = ids(&r);
    assert_eq!(
        found.first(),
        Some(&victory),
        "a headline match ranks above a body-only match: {r}"
    );
    assert!(found.contains(&body_only));
    let mark = r["data"][0]["headlineHtml"].as_str().unwrap();
    assert!(mark.contains("<mark>"), "{mark}");
    assert_eq!(
        ids(&search(app, &format!("q={}", q("বিজ\u{09DF}"))).await),
        found,
        "both nukta forms match"
    );
    assert_eq!(
        ids(&search(app, &format!("q={}", q("16 ডিসেম্বর"))).await),
        vec![victory],
        "ASCII digits find Bengali digits"
    );
    assert_eq!(
        ids(&search(app, &format!("q={}", q("১৬"))).await),
        vec![victory]
    );
    assert_eq!(
        ids(&search(app, &format!("q={}", q("উত্তর"))).await),
        vec![danda],
        "। splits words without spaces"
    );
    let snippet = search(app, &format!("q={}", q("চলেছে"))).await["data"][0]["snippetHtml"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(snippet.contains("<mark>চলেছে</mark>"), "{snippet}");
    // Zero-width characters in the query are ignored.
    assert_eq!(
        ids(&search(app, &format!("q={}", q("উত্ত\u{200C}র"))).await),
        vec![danda]
    );
}

async fn search_supports_phrases_required_and_excluded_words_and_filters(app: &TestApp) {
    let a = add(
        &app.repo,
        "ph-a",
        "বন্যা পরিস্থিতির অবনতি সিলেটে",
        "national",
        "সুরমা নদীর পানি বাড়ছে।",
        1,
    )
    .await;
    let b = add(
        &app.repo,
        "ph-b",
        "সিলেটে পরিস্থিতির উন্নতি, বন্যা কমছে",
        "cricket",
        "বৃষ্টি থেমেছে।",
        2,
    )
    .await;
    app.sync_index().await;
    let phrase = ids(&search(app, &format!("q={}", q("\"বন্যা পরিস্থিতির\""))).await);
    assert_eq!(phrase, vec![a]);
    let both = ids(&search(app, &format!("q={}", q("বন্যা সিলেটে"))).await);
    assert_eq!(both.len(), 2);
    assert_eq!(
        ids(&search(app, &format!("q={}", q("বন্যা -অবনতি"))).await),
        vec![b]
    );
    assert_eq!(
        ids(&search(app, &format!("q={}", q("+উন্নতি বন্যা"))).await),
        vec![b]
    );
    assert_eq!(
        ids(&search(app, &format!("q={}&section=sports", q("বন্যা"))).await),
        vec![b],
        "sub-sections included"
    );
    assert_eq!(
        ids(&search(app, &format!("q={}&section=national", q("বন্যা"))).await),
        vec![a]
    );
    let newest = ids(&search(app, &format!("q={}&sort=newest", q("সিলেটে"))).await);
    assert_eq!(newest, vec![a, b]);
    let from = (Utc::now() - Duration::minutes(90))
        .to_rfc3339()
        .replace('+', "%2B");
    assert_eq!(
        ids(&search(app, &format!("q={}&from={from}", q("সিলেটে"))).await),
        vec![a]
    );
    app.get_json(&format!("/v1/search?q={}&section=nowhere", q("বন্যা")), 404)
        .await;
}

async fn search_pages_with_a_cursor_and_counts_hits(app: &TestApp) {
    for i in 0..7 {
        add(
            &app.repo,
            &format!("pg-{i}"),
            &format!("নির্বাচনী প্রচারণা {i}"),
            "national",
            "ভোটের খবর।",
            i + 1,
        )
        .await;
    }
    app.sync_index().await;
    let first = search(app, &format!("q={}&limit=3&sort=newest", q("প্রচারণা"))).await;
    assert_eq!(first["page"]["total"], 7);
    assert_eq!(first["page"]["hasMore"], true);
    let mut seen = ids(&first);
    let mut cursor = first["page"]["nextCursor"].as_str().unwrap().to_owned();
    loop {
        let page = search(
            app,
            &format!("q={}&limit=3&sort=newest&cursor={cursor}", q("প্রচারণা")),
        )
        .await;
        seen.extend(ids(&page));
        match page["page"]["nextCursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 7);
    let res = app
        .get(&format!("/v1/search?q={}&cursor={cursor}", q("অন্য")))
        .await;
    assert_eq!(res.status().as_u16(), 400, "a cursor belongs to its query");
}

async fn bad_or_hostile_queries_get_a_400_never_a_500(app: &TestApp) {
    for (params, field) in [
        ("q=".to_owned(), "q"),
        ("".to_owned(), "q"),
        (format!("q={}", "ক".repeat(201)), "q"),
        (format!("q={}", q("।,—!?")), "q"),
        (format!("q={}&sort=popular", q("খবর")), "sort"),
        (format!("q={}&limit=0", q("খবর")), "limit"),
    ] {
        let res = app.get(&format!("/v1/search?{params}")).await;
        assert_eq!(res.status().as_u16(), 400, "{params}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], field, "{params}");
    }
    let hostile = [
        "\"",
        "\"\"",
        "+",
        "-",
        "+-+-",
        "headline:ঢাকা",
        "id:1",
        "published:[0 TO 99]",
        "*",
        "a*",
        "ঢাকা~2",
        "ঢাকা^100",
        "(((",
        ")))",
        "[",
        "{",
        "\\",
        "AND",
        "OR NOT",
        "\"ঢাকা",
        "ঢাকা\"বন্যা\"",
        "১২৩",
        "\u{0000}",
        "\u{200D}",
        "𝔘𝔫𝔦",
        "'; DROP TABLE articles; --",
        "<script>alert(1)</script>",
        "%s%s%n",
        "ঢাকা -",
        "- ঢাকা",
        "\"\" ঢাকা",
        "IN [a b]",
        "title:\"x\"~3",
    ];
    for h in hostile {
        let res = app.get(&format!("/v1/search?q={}", q(h))).await;
        let status = res.status().as_u16();
        assert!(status == 200 || status == 400, "{h:?} gave {status}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("json")
        );
    }
    let body = search(app, &format!("q={}", q("<script>alert(1)</script>"))).await;
    assert!(!body.to_string().contains("<script>"));
}

async fn search_and_related_never_show_unpublished_articles(app: &TestApp) {
    app.sync_index().await;
    // Every hidden fixture headline carries the word গোপন.
    let r = search(app, &format!("q={}", q("গোপন"))).await;
    assert_eq!(r["page"]["total"], 0, "{r}");
    for (what, id) in app.ids.hidden() {
        app.get_json(&format!("/v1/articles/{id}/related"), 404)
            .await;
        let related = app
            .get_json(
                &format!("/v1/articles/{}/related?limit=50", app.ids.public[0]),
                200,
            )
            .await;
        assert!(!ids(&related).contains(&id), "{what} in related");
    }
    // Once its time has come the scheduled article is found (after the next sync).
    app.advance_clock(app.ids.go_live - Utc::now() + Duration::seconds(1));
    app.sync_index().await;
    let found = ids(&search(app, &format!("q={}", q("নির্ধারিত"))).await);
    assert_eq!(found, vec![app.ids.scheduled]);
    // Unpublishing removes it from the results.
    let key = app.key(Scope::Editor).await;
    let res = app
        .with_key(
            Method::POST,
            &format!("/v1/admin/articles/{}/unpublish", app.ids.scheduled),
            &key,
        )
        .json(&json!({"reason": "ভুল"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    // Even before the index catches up the result is filtered…
    assert!(ids(&search(app, &format!("q={}", q("নির্ধারিত"))).await).is_empty());
    app.sync_index().await;
    // …and after it, the index has dropped it.
    assert_eq!(
        search(app, &format!("q={}", q("নির্ধারিত"))).await["page"]["total"],
        0
    );
}

async fn related_stories_are_about_the_same_thing_without_self_or_duplicates(app: &TestApp) {
    let series = |ext: &str, headline: &str, body: &str, section: &str, hours: i64| {
        let repo = app.repo.clone();
        let (ext, headline, body, section) = (
            ext.to_owned(),
            headline.to_owned(),
            body.to_owned(),
            section.to_owned(),
        );
        async move {
            let mut a = article(
                &ext,
                &headline,
                &section,
                Utc::now() - Duration::hours(hours),
            );
            a.body = vec![Block::Paragraph { text: body }];
            a.tags = vec![TagUpsert {
                slug: Slug::parse("series").unwrap(),
                name: "সিরিজ".into(),
                name_en: None,
                language: "bn".into(),
            }];
            repo.upsert_article(&a, Utc::now()).await.unwrap().id()
        }
    };
    let text = "চট্টগ্রামে ওয়েস্ট ইন্ডিজের বিপক্ষে টেস্ট সিরিজের প্রথম ম্যাচে বাংলাদেশের ব্যাটিং বিপর্যয়। মিরাজ ও লিটনের জুটিতে লড়াই।";
    let source = series("rel-src", "চট্টগ্রাম টেস্টে ব্যাটিং বিপর্যয়", text, "cricket", 1).await;
    let dup = series("rel-dup", "চট্টগ্রাম টেস্টে ব্যাটিং বিপর্যয়", text, "cricket", 2).await;
    let same_story = series(
        "rel-2",
        "চট্টগ্রাম টেস্টে মিরাজ-লিটনের লড়াই",
        "ওয়েস্ট ইন্ডিজের বিপক্ষে চট্টগ্রাম টেস্টে মিরাজ ও লিটনের জুটি দলকে টেনে তুলল। ব্যাটিং বিপর্যয়ের পরও আশা।",
        "cricket",
        3,
    )
    .await;
    let later = series(
        "rel-3",
        "সিরিজ নির্ধারণী টেস্ট ঢাকায়",
        "চট্টগ্রামের পর ঢাকা টেস্টে ওয়েস্ট ইন্ডিজের বিপক্ষে সিরিজ জয়ের লক্ষ্য বাংলাদেশের।",
        "cricket",
        4,
    )
    .await;
    let unrelated = add(
        &app.repo,
        "rel-x",
        "চালের দাম কমেছে",
        "national",
        "পাইকারি বাজারে চালের দাম কেজিতে দুই টাকা কমেছে।",
        1,
    )
    .await;
    let mut hidden = article(
        "rel-hidden",
        "চট্টগ্রাম টেস্টের খসড়া",
        "cricket",
        Utc::now() - Duration::hours(1),
    );
    hidden.body = vec![Block::Paragraph { text: text.into() }];
    hidden.status = ArticleStatus::Draft;
    let hidden = app
        .repo
        .upsert_article(&hidden, Utc::now())
        .await
        .unwrap()
        .id();
    app.sync_index().await;
    let related = app
        .get_json(
            &format!("/v1/articles/{source}/related?limit=10&debug=1"),
            200,
        )
        .await;
    let got = ids(&related);
    assert!(!got.contains(&source), "not itself");
    assert!(!got.contains(&dup), "not a near-duplicate");
    assert!(!got.contains(&hidden), "not unpublished");
    assert_eq!(&got[..2], &[same_story, later], "{related}");
    if let Some(pos) = got.iter().position(|id| *id == unrelated) {
        assert!(pos >= 2);
    }
    let reason = &related["data"][0]["reason"];
    assert!(reason["content"].as_f64().unwrap() > 0.0);
    assert_eq!(reason["sharedTags"], 1.0);
    assert_eq!(reason["sameSection"], 1.0);
    let plain = app
        .get_json(&format!("/v1/articles/{source}/related"), 200)
        .await;
    assert!(
        plain["data"][0].get("reason").is_none(),
        "reasons only behind the debug flag"
    );
}

/// A public article's related list is computed once and kept: read back
/// (re-checked for visibility, picks first) until the index sync learns of
/// a change that can alter it, or it is six hours old.
async fn a_related_list_is_kept_until_a_change_can_alter_it(app: &TestApp) {
    let opening = "পদ্মা সেতুতে রেকর্ড টোল আদায় হয়েছে। ঈদের ছুটিতে যানবাহনের চাপ বেড়েছে মাওয়া প্রান্তে।";
    let source = add(
        &app.repo,
        "toll-src",
        "পদ্মা সেতুতে রেকর্ড টোল",
        "national",
        opening,
        1,
    )
    .await;
    let close = add(
        &app.repo,
        "toll-close",
        "মাওয়া প্রান্তে যানবাহনের চাপ",
        "national",
        "ঈদের ছুটিতে পদ্মা সেতুর মাওয়া প্রান্তে যানবাহনের চাপ, টোল আদায় রেকর্ড ছুঁয়েছে।",
        2,
    )
    .await;
    app.sync_index().await;
    // Each read asks a different limit: the response cache keys by the
    // query, and this is about what is behind it.
    let related = |limit: u32| {
        let path = format!("/v1/articles/{source}/related?limit={limit}");
        async move { ids(&app.get_json(&path, 200).await) }
    };
    assert_eq!(related(1).await, vec![close]);
    let kept = app.repo.kept_related(source).await.unwrap();
    assert!(
        kept.as_ref()
            .is_some_and(|(_, items)| items.contains(&close.to_string())),
        "{kept:?}"
    );
    // What is kept is what is served: a list written here, with a story
    // that is no longer public ahead of a public one.
    let [p0, p1, ..] = app.ids.public[..] else {
        panic!("fixture")
    };
    let kept = |items: String| {
        format!(
            r#"{{"ranking":{},"index":{},"items":{items}}}"#,
            app::discovery::RANKING_VERSION,
            app::search::INDEX_VERSION
        )
    };
    let planted = kept(format!(
        "[[{},0.9,0,0,0,0.9],[{p0},0.5,0,0,0,0.5],[{p1},0.4,0,0,0,0.4]]",
        app.ids.draft
    ));
    app.repo
        .keep_related(source, Utc::now(), &planted)
        .await
        .unwrap();
    assert_eq!(related(2).await, vec![p0, p1]);
    // Served by reading rows: the kept list, the picks, and the source's
    // visibility with the listed stories' summaries in one statement.
    let n = std::sync::atomic::AtomicU32::new(10);
    let statements = app
        .statements(|| async {
            let limit = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            related(limit).await;
        })
        .await;
    assert_eq!(statements, 3, "statements per kept read");
    // GraphQL reads the same list.
    let gql = app
        .graphql(
            "query($id: ID!) { article(id: $id) { related(first: 2) { databaseId } } }",
            json!({ "id": source.to_string() }),
        )
        .await;
    assert_eq!(
        gql["data"]["article"]["related"],
        json!([{ "databaseId": p0.to_string() }, { "databaseId": p1.to_string() }]),
        "{gql}"
    );
    // A list kept for an article that is not public never shows: its id
    // is a 404 as without one.
    app.repo
        .keep_related(
            app.ids.draft,
            Utc::now(),
            &kept(format!("[[{p0},0.5,0,0,0,0.5]]")),
        )
        .await
        .unwrap();
    app.get_json(&format!("/v1/articles/{}/related", app.ids.draft), 404)
        .await;
    // A list computed by another ranking is computed again.
    app.repo
        .keep_related(
            source,
            Utc::now(),
            &planted.replace(r#""ranking":"#, r#""ranking":9"#),
        )
        .await
        .unwrap();
    assert_eq!(related(5).await[0], close);
    // Six hours on, the list is computed again.
    app.repo
        .keep_related(source, Utc::now() - Duration::hours(7), &planted)
        .await
        .unwrap();
    assert_eq!(related(3).await[0], close);
    // A new story that resembles the source: the sync forgets the kept
    // list, and the next request finds it.
    app.repo
        .keep_related(source, Utc::now(), &planted)
        .await
        .unwrap();
    let newer = add(
        &app.repo,
        "toll-newer",
        "পদ্মা সেতুতে রেকর্ড টোল আদায়",
        "national",
        "পদ্মা সেতুতে ঈদের ছুটিতে রেকর্ড টোল আদায়। মাওয়া প্রান্তে যানবাহনের দীর্ঘ সারি, চাপ বেড়েছে।",
        0,
    )
    .await;
    app.sync_index().await;
    assert_eq!(app.repo.kept_related(source).await.unwrap(), None);
    // The new story's own list is kept by the sync, before anyone asks.
    let fresh = app.repo.kept_related(newer).await.unwrap();
    assert!(
        fresh.is_some_and(|(_, items)| items.contains(&format!("[{source},"))),
        "the sync keeps the new story's list"
    );
    let got = related(4).await;
    assert!(got.contains(&newer) && got.contains(&close), "{got:?}");
    // Editing the source replaces its own list as well.
    app.repo
        .keep_related(source, Utc::now(), &planted)
        .await
        .unwrap();
    let edited = format!("{opening} টোল প্লাজায় নতুন বুথ খোলা হয়েছে।");
    add(
        &app.repo,
        "toll-src",
        "পদ্মা সেতুতে রেকর্ড টোল",
        "national",
        &edited,
        1,
    )
    .await;
    app.sync_index().await;
    let (_, items) = app.repo.kept_related(source).await.unwrap().unwrap();
    assert_ne!(items, planted);
    assert!(items.contains(&format!("[{newer},")), "{items}");
}

/// Related stories read the summaries of the best candidates only; when
/// those have stopped being public since the index last synced, the list
/// still fills up from the next ones.
async fn related_stories_fill_up_when_the_best_stopped_being_public(app: &TestApp) {
    let opening = "সুন্দরবনে ক্যামেরা ফাঁদ দিয়ে বাঘ গণনা শুরু হয়েছে। বন বিভাগ জানায় গণনা চলবে তিন মাস।";
    let source = add(
        &app.repo,
        "tiger-src",
        "সুন্দরবনে বাঘ গণনা শুরু",
        "national",
        opening,
        1,
    )
    .await;
    let extra = [
        "খুলনা অঞ্চলে প্রথম দল",
        "সাতক্ষীরা রেঞ্জে দ্বিতীয় দল",
        "বাগেরহাটে তৃতীয় দল",
        "শরণখোলায় চতুর্থ দল",
    ];
    let mut close = Vec::new();
    for (i, words) in extra.iter().enumerate() {
        let ext = format!("tiger-{i}");
        let body = format!("{opening} {words} কাজ করছে।");
        close.push((
            ext.clone(),
            add(&app.repo, &ext, "সুন্দরবনে বাঘ গণনা চলছে", "national", &body, 2).await,
        ));
    }
    add(
        &app.repo,
        "tiger-far",
        "বন বিভাগের নতুন নিয়োগ",
        "national",
        "বন বিভাগ নতুন কর্মী নিয়োগ দিয়েছে। সুন্দরবনে টহল বাড়বে।",
        3,
    )
    .await;
    app.sync_index().await;
    let before = ids(&app
        .get_json(&format!("/v1/articles/{source}/related?limit=4"), 200)
        .await);
    let close_ids: Vec<i64> = close.iter().map(|(_, id)| *id).collect();
    let mut sorted = before.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, close_ids, "the four close ones rank first");
    // All four leave the public site; the index has not synced yet.
    for (ext, _) in &close {
        let mut a = article(
            ext,
            "সুন্দরবনে বাঘ গণনা চলছে",
            "national",
            Utc::now() - Duration::hours(2),
        );
        a.status = ArticleStatus::Draft;
        app.repo.upsert_article(&a, Utc::now()).await.unwrap();
    }
    let after = ids(&app
        .get_json(&format!("/v1/articles/{source}/related?limit=1"), 200)
        .await);
    assert_eq!(after.len(), 1, "filled from the next candidates: {after:?}");
    assert!(!close_ids.contains(&after[0]));
}

async fn most_read_counts_each_reader_once_per_window(app: &TestApp) {
    let [p1, p2, p3, _, _] = app.ids.public[..] else {
        panic!()
    };
    let beacon = |id: i64, client: &'static str| {
        app.client
            .post(app.url(&format!("/v1/articles/{id}/views")))
            .header("x-forwarded-for", client)
            .send()
    };
    for (id, client) in [
        (p2, "10.0.0.1"),
        (p2, "10.0.0.1"),
        (p2, "10.0.0.1"),
        (p2, "10.0.0.2"),
        (p2, "10.0.0.3"),
        (p1, "10.0.0.1"),
        (p1, "10.0.0.2"),
        (p3, "10.0.0.9"),
    ] {
        let res = beacon(id, client).await.unwrap();
        assert_eq!(res.status().as_u16(), 202);
        assert_eq!(res.content_length(), Some(0));
    }
    // Unknown and unpublished ids are accepted the same way and never counted.
    for id in [
        app.ids.draft.to_string(),
        "999999".into(),
        "not-an-id".into(),
    ] {
        let res = app
            .client
            .post(app.url(&format!("/v1/articles/{id}/views")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 202);
    }
    app.discovery.flush_views().await.unwrap();
    let top = app.get_json("/v1/most-read?window=1h", 200).await;
    assert_eq!(ids(&top), vec![p2, p1, p3]);
    assert_eq!(top["data"][0]["views"], 3, "one count per reader");
    assert_eq!(top["data"][1]["views"], 2);
    let sports = app
        .get_json("/v1/most-read?window=7d&section=sports", 200)
        .await;
    assert_eq!(ids(&sports), vec![p2, p3]);
    assert_eq!(
        ids(&app.get_json("/v1/most-read?limit=1", 200).await),
        vec![p2]
    );
    app.get_json("/v1/most-read?window=2d", 400).await;
    // A week later the hour has left the 24-hour window.
    app.advance_clock(Duration::days(2));
    assert!(ids(&app.get_json("/v1/most-read?window=24h", 200).await).is_empty());
    assert_eq!(
        ids(&app.get_json("/v1/most-read?window=7d", 200).await),
        vec![p2, p1, p3]
    );
}

async fn collections_and_the_front_page_are_curated_and_deduplicated(app: &TestApp) {
    let [p1, p2, p3, p4, p5] = app.ids.public[..] else {
        panic!()
    };
    let editor = app.key(Scope::Editor).await;
    let put = |slug: &str, body: Value| {
        app.with_key(
            Method::PUT,
            &format!("/v1/admin/collections/{slug}"),
            &editor,
        )
        .json(&body)
        .send()
    };
    let res = put(
        "lead",
        json!({"name": "প্রধান খবর", "articles": [p3.to_string(), app.ids.draft, p1]}),
    )
    .await
    .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let lead = app.get_json("/v1/collections/lead", 200).await;
    assert_eq!(lead["data"]["name"], "প্রধান খবর");
    let lead_ids: Vec<i64> = lead["data"]["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(lead_ids, vec![p3, p1], "order kept, the draft hidden");
    let bad = put("lead", json!({"name": "", "articles": [999999, "x"]}))
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 422);
    let anon = app
        .client
        .put(app.url("/v1/admin/collections/lead"))
        .json(&json!({"name": "x", "articles": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status().as_u16(), 401);
    let missing = app
        .with_key(Method::PUT, "/v1/admin/collections/picks", &editor)
        .json(&json!({"name": "বাছাই", "articles": [999999]}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 422);

    // p2 is breaking news for the next hour.
    let until = (Utc::now() + Duration::hours(1)).to_rfc3339();
    let res = app
        .with_key(Method::PATCH, &format!("/v1/admin/articles/{p2}"), &editor)
        .json(&json!({"breakingUntil": until}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let front = app.get_json("/v1/front?perSection=3", 200).await["data"].clone();
    assert!(
        front["edition"]["line"]
            .as_str()
            .unwrap()
            .starts_with("ঢাকা ")
    );
    let list = |v: &Value| -> Vec<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().parse().unwrap())
            .collect()
    };
    assert_eq!(list(&front["breaking"]), vec![p2]);
    assert_eq!(list(&front["lead"]), vec![p3, p1]);
    let mut everything: Vec<i64> = list(&front["breaking"]);
    everything.extend(list(&front["lead"]));
    for s in front["sections"].as_array().unwrap() {
        assert!(s["articles"].as_array().unwrap().len() <= 3);
        everything.extend(list(&s["articles"]));
    }
    let mut unique = everything.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        everything.len(),
        "no article twice: {everything:?}"
    );
    for hidden in app.ids.hidden() {
        assert!(!everything.contains(&hidden.1));
    }
    assert!(everything.contains(&p4) && everything.contains(&p5));
    // The flag expires by itself.
    app.advance_clock(Duration::hours(2));
    let later = app.get_json("/v1/front", 200).await;
    assert!(later["data"]["breaking"].as_array().unwrap().is_empty());
    app.get_json("/v1/front?perSection=99", 400).await;
    app.get_json("/v1/collections/nothing", 404).await;
    assert_eq!(
        app.with_key(Method::DELETE, "/v1/admin/collections/lead", &editor)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        204
    );
    app.get_json("/v1/collections/lead", 404).await;
}

/// An editor reorders the lead: the collection, the list of collections and
/// the front show the new order at once on this instance, and on another
/// instance over the same database once it has read the change log (its
/// poller's interval); a delete likewise. Partners' change feed carries
/// articles only.
async fn a_collection_write_reaches_every_cached_page_and_instance(app: &TestApp) {
    let [p1, p2, p3, ..] = app.ids.public[..] else {
        panic!()
    };
    let editor = app.key(Scope::Editor).await;
    let partner = app.key(Scope::Partner).await;
    let put = |articles: Vec<i64>| {
        app.with_key(Method::PUT, "/v1/admin/collections/lead", &editor)
            .json(&json!({"name": "প্রধান খবর", "articles": articles}))
            .send()
    };
    assert_eq!(put(vec![p1, p2]).await.unwrap().status().as_u16(), 200);
    let b = SecondInstance::start(app).await;
    let get = |base: String, path: &'static str| async move {
        let res = reqwest::get(format!("{base}{path}")).await.unwrap();
        let status = res.status().as_u16();
        (status, res.json::<Value>().await.unwrap_or(Value::Null))
    };
    let ids = |v: &Value| -> Vec<i64> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x["id"].as_str().unwrap().parse().unwrap())
                    .collect()
            })
            .unwrap_or_default()
    };
    let slugs = |v: &Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    // Both instances serve (and cache) the first order.
    for base in [app.address.clone(), b.address.clone()] {
        let (_, lead) = get(base.clone(), "/v1/collections/lead").await;
        assert_eq!(ids(&lead["data"]["articles"]), vec![p1, p2]);
        let (_, front) = get(base.clone(), "/v1/front").await;
        assert_eq!(ids(&front["data"]["lead"]), vec![p1, p2]);
        let (_, all) = get(base, "/v1/collections").await;
        assert_eq!(slugs(&all), vec!["lead"]);
    }
    assert_eq!(put(vec![p3, p1]).await.unwrap().status().as_u16(), 200);
    // This instance: at once.
    let (_, lead) = get(app.address.clone(), "/v1/collections/lead").await;
    assert_eq!(ids(&lead["data"]["articles"]), vec![p3, p1]);
    let (_, front) = get(app.address.clone(), "/v1/front").await;
    assert_eq!(ids(&front["data"]["lead"]), vec![p3, p1]);
    // The other instance: once it has read the change log.
    b.discovery.sync().await.unwrap();
    let (_, lead) = get(b.address.clone(), "/v1/collections/lead").await;
    assert_eq!(ids(&lead["data"]["articles"]), vec![p3, p1]);
    let (_, front) = get(b.address.clone(), "/v1/front").await;
    assert_eq!(ids(&front["data"]["lead"]), vec![p3, p1]);
    // A delete, likewise.
    let res = app
        .with_key(Method::DELETE, "/v1/admin/collections/lead", &editor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(
        get(app.address.clone(), "/v1/collections/lead").await.0,
        404
    );
    let (_, all) = get(app.address.clone(), "/v1/collections").await;
    assert!(slugs(&all).is_empty());
    let (_, front) = get(app.address.clone(), "/v1/front").await;
    assert!(ids(&front["data"]["lead"]).is_empty());
    b.discovery.sync().await.unwrap();
    assert_eq!(get(b.address.clone(), "/v1/collections/lead").await.0, 404);
    let (_, all) = get(b.address.clone(), "/v1/collections").await;
    assert!(slugs(&all).is_empty());
    b.stop().await;
    // The change feed lists articles, never a collection's entry (entries
    // settle for a few seconds before partners see them).
    app.advance_clock(Duration::minutes(1));
    let changes: Value = app
        .with_key(Method::GET, "/v1/changes?limit=100", &partner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = changes["data"].as_array().unwrap();
    assert!(!entries.is_empty());
    for c in entries {
        let id: i64 = c["id"].as_str().unwrap().parse().unwrap();
        assert!(id > 0, "{c}");
    }
}

async fn discovery_is_available_over_graphql(app: &TestApp) {
    let victory = add(
        &app.repo,
        "g-bijoy",
        "বিজয় মেলা শুরু",
        "national",
        "বিজয় দিবস উপলক্ষে মেলা।",
        1,
    )
    .await;
    app.sync_index().await;
    let body = app
        .graphql(
            "query($q: String!) { search(q: $q, first: 5) { totalCount hasNextPage hits { headlineHtml snippetHtml article { databaseId headline related(first: 3) { databaseId } } } } front(perSection: 2) { edition { line } sections { section { slug } articles { databaseId } } } mostRead(window: DAY) { views article { databaseId } } }",
            json!({"q": "বিজয়"}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["search"]["totalCount"], 1);
    assert_eq!(
        body["data"]["search"]["hits"][0]["article"]["databaseId"],
        victory.to_string()
    );
    assert!(
        body["data"]["search"]["hits"][0]["headlineHtml"]
            .as_str()
            .unwrap()
            .contains("<mark>বিজয়</mark>")
    );
    assert!(
        !body["data"]["front"]["sections"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let bad = app
        .graphql("{ search(q: \"\") { totalCount } }", json!({}))
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(bad["errors"][0]["extensions"]["fields"], json!(["q"]));
}

/// The poller runs every second on every instance: with nothing new it must
/// not re-index (the overlap it re-reads for late commits included).
async fn the_index_absorbs_each_change_once(app: &TestApp) {
    app.sync_index().await;
    assert_eq!(app.sync_index().await, 0, "an idle sync touches nothing");
    add(
        &app.repo,
        "once-1",
        "নদীভাঙন নিয়ে নতুন খবর",
        "national",
        "নদীভাঙন",
        1,
    )
    .await;
    add(
        &app.repo,
        "once-2",
        "বন্যা নিয়ে নতুন খবর",
        "national",
        "বন্যা",
        1,
    )
    .await;
    assert_eq!(app.sync_index().await, 2, "both new articles are indexed");
    assert_eq!(app.sync_index().await, 0, "and not again");
}

/// `facets=true` counts every match, not only the page's, and only public
/// articles: a future-dated match is in no count.
async fn search_facets_count_every_public_match_by_section_tag_and_month(app: &TestApp) {
    let flood = TagUpsert {
        slug: Slug::parse("waterlogging").unwrap(),
        name: "জলাবদ্ধতা".into(),
        name_en: None,
        language: "bn".into(),
    };
    // One of the two sports matches is filed under cricket, a sub-section.
    for (i, section) in ["national", "national", "national", "sports", "cricket"]
        .into_iter()
        .enumerate()
    {
        let mut a = article(
            &format!("facet-{i}"),
            &format!("শহরে জলাবদ্ধতা {i}"),
            section,
            Utc::now() - Duration::hours(i as i64 + 1),
        );
        if i < 2 {
            a.tags = vec![flood.clone()];
        }
        app.repo.upsert_article(&a, Utc::now()).await.unwrap();
    }
    let mut later = article(
        "facet-later",
        "শহরে জলাবদ্ধতা পরে",
        "sports",
        Utc::now() + Duration::hours(5),
    );
    later.tags = vec![flood.clone()];
    app.repo.upsert_article(&later, Utc::now()).await.unwrap();
    app.sync_index().await;

    let plain = search(app, &format!("q={}&limit=2", q("জলাবদ্ধতা"))).await;
    assert!(
        plain.get("facets").is_none(),
        "facets only when asked: {plain}"
    );
    let body = search(app, &format!("q={}&limit=2&facets=true", q("জলাবদ্ধতা"))).await;
    assert_eq!(body["page"]["total"], 5, "{body}");
    assert_eq!(body["data"].as_array().unwrap().len(), 2);
    let facets = &body["facets"];
    let count = |list: &Value, key: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|v| v["key"] == key)
            .map(|v| v["count"].as_u64().unwrap())
    };
    assert_eq!(count(&facets["sections"], "national"), Some(3), "{facets}");
    // Sports counts its sub-section's match, as its filter includes it.
    assert_eq!(count(&facets["sections"], "sports"), Some(2), "{facets}");
    assert_eq!(count(&facets["sections"], "cricket"), Some(1), "{facets}");
    let sports = search(app, &format!("q={}&section=sports", q("জলাবদ্ধতা"))).await;
    assert_eq!(sports["page"]["total"], 2, "{sports}");
    assert_eq!(
        facets["sections"][0]["key"], "national",
        "most frequent first"
    );
    assert_eq!(count(&facets["tags"], "waterlogging"), Some(2), "{facets}");
    let months = facets["months"].as_array().unwrap();
    let in_months: u64 = months.iter().map(|m| m["count"].as_u64().unwrap()).sum();
    assert_eq!(in_months, 5, "{facets}");
    for m in months {
        let key = m["key"].as_str().unwrap();
        assert!(key.len() == 7 && key.as_bytes()[4] == b'-', "{key}");
        assert!(m["name"].as_str().unwrap().contains('২'), "{m}");
    }
    app.get_json(&format!("/v1/search?q={}&facets=maybe", q("জলাবদ্ধতা")), 400)
        .await;

    let gql = app
        .graphql(
            r#"{ search(q: "জলাবদ্ধতা", first: 1) { totalCount facets { sections { key count } tags { key name count } } } }"#,
            json!({}),
        )
        .await;
    assert!(gql.get("errors").is_none(), "{gql}");
    let f = &gql["data"]["search"]["facets"];
    assert_eq!(count(&f["sections"], "national"), Some(3), "{gql}");
    assert_eq!(f["tags"][0]["name"], "জলাবদ্ধতা", "{gql}");
}
