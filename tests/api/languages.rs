//! Bengali and English editions: an article's language, linked
//! translations, and `lang=` on lists, search and feeds.

use domain::Scope;
use reqwest::Method;
use serde_json::{Value, json};

use crate::feeds::{assert_ninjs, drain, ninjs_validator, partner_get};
use crate::helpers::{TestApp, admin, publish_article, send_as as send, write_article};
use crate::on_both;

on_both!(
    an_article_takes_a_language_tag_of_a_supported_language,
    translations_link_the_versions_of_a_story_and_stay_unpublished_until_their_time,
    lang_filters_lists_search_and_feeds,
    related_stories_stay_in_the_articles_language,
    english_is_searched_with_stems_and_a_mixed_query_finds_both_scripts,
    display_strings_follow_the_locale_beside_the_bengali_ones,
    tags_authors_and_sections_have_a_language_and_english_names,
    an_editions_directory_counts_its_own_articles,
    ninjs_associates_translations_and_english_output_uses_english_names,
    a_version_going_live_on_schedule_resends_the_others_then,
);

async fn create(app: &TestApp, key: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url("/v1/admin/articles"))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn ids(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn an_article_takes_a_language_tag_of_a_supported_language(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let id = write_article(
        app,
        &key,
        json!({"headline": "Flood waters recede in Sylhet", "section": "national",
               "bodyText": "Water levels fell overnight.", "language": "en-gb"}),
        true,
    )
    .await;
    let a = app.get_json(&format!("/v1/articles/{id}"), 200).await;
    assert_eq!(a["data"]["language"], "en-GB", "stored in canonical case");
    // Unsupported or malformed tags are refused, naming the field; nothing
    // is written.
    let before = app.repo.article_count_all().await.unwrap();
    for bad in ["fr", "english", "en-GB-x", ""] {
        let res = create(
            app,
            &key,
            json!({"headline": "খবর", "section": "national", "bodyText": "লেখা।", "language": bad}),
        )
        .await;
        assert_eq!(res.status().as_u16(), 422, "{bad}");
        let problem: Value = res.json().await.unwrap();
        assert!(problem.to_string().contains("language"), "{problem}");
    }
    assert_eq!(app.repo.article_count_all().await.unwrap(), before);
    // GraphQL takes it too.
    let done = app
        .graphql_as(
            &key,
            r#"mutation { createArticle(input: {headline: "Dhaka traffic eases", section: "national", bodyText: "Roads were clear.", language: "en"}) { language } }"#,
            json!({}),
        )
        .await;
    assert_eq!(done["data"]["createArticle"]["language"], "en", "{done}");
}

async fn translations_link_the_versions_of_a_story_and_stay_unpublished_until_their_time(
    app: &TestApp,
) {
    let key = app.key(Scope::Editor).await;
    let bn = write_article(
        app,
        &key,
        json!({"headline": "সিলেটে বন্যার পানি নামছে", "section": "national", "bodyText": "রাতে পানি কমেছে।"}),
        true,
    )
    .await;
    let en = write_article(
        app,
        &key,
        json!({"headline": "Flood waters recede in Sylhet", "section": "national",
               "bodyText": "Water levels fell overnight.", "language": "en", "translationOf": bn}),
        false,
    )
    .await;
    // A draft translation does not show.
    let list = app
        .get_json(&format!("/v1/articles/{bn}/translations"), 200)
        .await;
    assert_eq!(list["data"], json!([]));
    publish_article(app, &key, &en).await;
    let list = app
        .get_json(&format!("/v1/articles/{bn}/translations"), 200)
        .await;
    assert_eq!(ids(&list), vec![en.clone()]);
    let t = &list["data"][0];
    assert_eq!(t["language"], "en");
    assert_eq!(t["headline"], "Flood waters recede in Sylhet");
    assert_eq!(t["url"], format!("http://127.0.0.1:8080/national/{en}"));
    // Both ways.
    let back = app
        .get_json(&format!("/v1/articles/{en}/translations"), 200)
        .await;
    assert_eq!(ids(&back), vec![bn.clone()]);
    assert_eq!(back["data"][0]["language"], "bn");
    // Both versions name the same story.
    for id in [&bn, &en] {
        let a = app
            .get_json(&format!("/v1/articles/{id}?fields=translationGroup"), 200)
            .await;
        assert_eq!(a["data"]["translationGroup"], bn.as_str(), "{a}");
    }
    let lone = app.ids.public[0].to_string();
    let a = app.get_json(&format!("/v1/articles/{lone}"), 200).await;
    assert_eq!(
        a["data"]["translationGroup"],
        lone.as_str(),
        "its own story"
    );
    // One version per language.
    let res = create(
        app,
        &key,
        json!({"headline": "Sylhet floods ease", "section": "national", "bodyText": "Text.",
               "language": "en-US", "translationOf": en}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 422);
    let problem: Value = res.json().await.unwrap();
    assert!(problem.to_string().contains("translationOf"), "{problem}");
    // An unknown target is named.
    let res = create(
        app,
        &key,
        json!({"headline": "x", "section": "national", "bodyText": "y", "translationOf": "999999"}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 422);
    // Sitemaps name each version's alternates, itself included.
    for path in ["/sitemaps/news.xml", "/sitemaps/articles-1.xml"] {
        let xml = app.get(path).await.text().await.unwrap();
        assert!(
            xml.contains("xmlns:xhtml=\"http://www.w3.org/1999/xhtml\""),
            "{xml}"
        );
        let en_link = format!(
            "<xhtml:link rel=\"alternate\" hreflang=\"en\" href=\"http://127.0.0.1:8080/national/{en}\"/>"
        );
        let bn_link = format!(
            "<xhtml:link rel=\"alternate\" hreflang=\"bn\" href=\"http://127.0.0.1:8080/national/{bn}\"/>"
        );
        // Two entries (bn and en), each with both links.
        assert_eq!(xml.matches(&en_link).count(), 2, "{path}: {xml}");
        assert_eq!(xml.matches(&bn_link).count(), 2, "{path}");
        assert_eq!(
            xml.matches("<xhtml:link").count(),
            4,
            "{path}: only linked stories"
        );
    }
    // GraphQL reads them.
    let q = app
        .graphql(
            "query($id: ID!) { article(id: $id) { translationGroup translations { language headline databaseId url } } }",
            json!({"id": bn}),
        )
        .await;
    assert_eq!(q["data"]["article"]["translationGroup"], bn.as_str(), "{q}");
    assert_eq!(
        q["data"]["article"]["translations"][0]["databaseId"],
        en.as_str(),
        "{q}"
    );
    assert_eq!(q["data"]["article"]["translations"][0]["language"], "en");
    // Unlinking takes it out of the story.
    admin(
        app,
        &key,
        Method::PATCH,
        &format!("/v1/admin/articles/{en}"),
        json!({"translationOf": null}),
    )
    .await;
    let list = app
        .get_json(&format!("/v1/articles/{bn}/translations"), 200)
        .await;
    assert_eq!(list["data"], json!([]));
    // A draft's translations are as unknown as the draft.
    app.get_json(&format!("/v1/articles/{}/translations", app.ids.draft), 404)
        .await;
    // A story whose first article is a draft is named by its first public
    // version: the draft's id does not show.
    let draft = write_article(
        app,
        &key,
        json!({"headline": "খসড়া: নদীর পানি বাড়ছে", "section": "national", "bodyText": "খসড়া।"}),
        false,
    )
    .await;
    let public_en = write_article(
        app,
        &key,
        json!({"headline": "River waters rise", "section": "national", "bodyText": "Rising.",
               "language": "en", "translationOf": draft}),
        true,
    )
    .await;
    let group = |body: &Value| body["translationGroup"].as_str().map(str::to_owned);
    let a = app
        .get_json(&format!("/v1/articles/{public_en}"), 200)
        .await;
    assert_eq!(group(&a["data"]), Some(public_en.clone()), "{a}");
    let q = app
        .graphql(
            "query($id: ID!) { article(id: $id) { translationGroup } }",
            json!({"id": public_en}),
        )
        .await;
    assert_eq!(group(&q["data"]["article"]), Some(public_en.clone()), "{q}");
    publish_article(app, &key, &draft).await;
    let a = app
        .get_json(&format!("/v1/articles/{public_en}"), 200)
        .await;
    assert_eq!(group(&a["data"]), Some(draft.clone()), "{a}");
    // That first article cannot join another story: its versions would be
    // left behind.
    let (status, problem) = send(
        app,
        &key,
        Method::PATCH,
        &format!("/v1/admin/articles/{draft}"),
        json!({"translationOf": en}),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert!(problem.to_string().contains("translationOf"), "{problem}");
    // Nor can a version take the language another version has.
    for (id, language) in [(&public_en, "bn"), (&draft, "en-GB")] {
        let (status, problem) = send(
            app,
            &key,
            Method::PATCH,
            &format!("/v1/admin/articles/{id}"),
            json!({"language": language}),
        )
        .await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "language", "{problem}");
    }
    let (status, problem) = send(
        app,
        &key,
        Method::PATCH,
        &format!("/v1/admin/articles/{public_en}"),
        json!({"language": "en-GB"}),
    )
    .await;
    assert_eq!(status, 200, "its own language, another region: {problem}");
}

async fn lang_filters_lists_search_and_feeds(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let en = write_article(
        app,
        &key,
        json!({"headline": "Monsoon rains flood Sylhet streets", "section": "national",
               "bodyText": "Heavy monsoon rains flooded the streets.", "language": "en"}),
        true,
    )
    .await;
    app.sync_index().await;
    assert_eq!(
        ids(&app.get_json("/v1/articles?lang=en", 200).await),
        vec![en.clone()]
    );
    assert_eq!(
        ids(&app.get_json("/v1/articles?lang=en-GB", 200).await),
        vec![en.clone()]
    );
    let bn = ids(&app.get_json("/v1/articles?lang=bn&limit=50", 200).await);
    assert!(!bn.is_empty() && !bn.contains(&en));
    let both = ids(&app.get_json("/v1/articles?lang=bn,en&limit=50", 200).await);
    assert!(both.contains(&en) && both.len() == bn.len() + 1);
    let problem = app.get_json("/v1/articles?lang=fr", 400).await;
    assert!(problem.to_string().contains("lang"), "{problem}");
    // Scoped lists and search too.
    assert_eq!(
        ids(&app
            .get_json("/v1/sections/national/articles?lang=en", 200)
            .await),
        vec![en.clone()]
    );
    let found = app.get_json("/v1/search?q=monsoon&lang=en", 200).await;
    assert_eq!(ids(&found), vec![en.clone()]);
    let none = app.get_json("/v1/search?q=monsoon&lang=bn", 200).await;
    assert_eq!(none["data"], json!([]));
    // A feed in one language says so, and keeps the filter in its links.
    let res = app.get("/feeds/rss.xml?lang=en").await;
    assert_eq!(res.status().as_u16(), 200);
    let xml = res.text().await.unwrap();
    assert!(xml.contains("<language>en</language>"), "{xml}");
    assert!(xml.contains("Monsoon rains flood Sylhet streets"));
    assert_eq!(xml.matches("<item>").count(), 1, "{xml}");
    assert!(xml.contains("rss.xml?lang=en"), "{xml}");
    let plain = app.get("/feeds/rss.xml").await.text().await.unwrap();
    assert!(plain.contains("<language>bn</language>"));
    assert_eq!(
        app.get("/feeds/rss.xml?lang=bn,en").await.status().as_u16(),
        400
    );
    // One edition's news sitemap.
    let news = app.get("/sitemaps/news.xml?lang=en").await;
    assert_eq!(news.status().as_u16(), 200);
    let news = news.text().await.unwrap();
    assert_eq!(news.matches("<url>").count(), 1, "{news}");
    assert!(news.contains("<news:language>en</news:language>"), "{news}");
    let all_news = app.get("/sitemaps/news.xml").await.text().await.unwrap();
    assert!(all_news.matches("<url>").count() > 1);
    assert_eq!(
        app.get("/sitemaps/news.xml?lang=fr")
            .await
            .status()
            .as_u16(),
        400
    );
    // The English edition's front: its articles only, its date line in
    // English.
    let front = app.get_json("/v1/front?lang=en", 200).await;
    let on_front: Vec<&str> = front["data"]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["articles"].as_array().unwrap())
        .chain(front["data"]["breaking"].as_array().unwrap())
        .chain(front["data"]["lead"].as_array().unwrap())
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(on_front, vec![en.as_str()], "{front}");
    assert!(
        front["data"]["edition"]["lineLocal"]
            .as_str()
            .unwrap()
            .starts_with("Dhaka, "),
        "{front}"
    );
    let bn_front = app.get_json("/v1/front?lang=bn", 200).await;
    assert!(!bn_front.to_string().contains(&format!("\"id\":\"{en}\"")));
    app.get_json("/v1/front?lang=fr", 400).await;
    // GraphQL.
    let q = app
        .graphql(
            r#"{ articles(lang: ["en"]) { nodes { databaseId } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        q["data"]["articles"]["nodes"][0]["databaseId"],
        en.as_str(),
        "{q}"
    );
}

async fn related_stories_stay_in_the_articles_language(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    // Nearly the same words, one marked English: without the language
    // rule it would be the first related story.
    let body = "কুশিয়ারা নদীর পানি বিপৎসীমার উপরে। সুনামগঞ্জ ও সিলেটের নিম্নাঞ্চল প্লাবিত।";
    let bn = write_article(
        app,
        &key,
        json!({"headline": "কুশিয়ারার পানি বিপৎসীমার উপরে", "section": "national", "bodyText": body}),
        true,
    )
    .await;
    let en = write_article(
        app,
        &key,
        json!({"headline": "কুশিয়ারা নদীর পানি বিপৎসীমার উপরে, প্লাবিত নিম্নাঞ্চল", "section": "national",
               "bodyText": "কুশিয়ারা নদীর পানি বিপৎসীমার উপরে। সুনামগঞ্জের নিম্নাঞ্চল প্লাবিত।",
               "language": "en"}),
        true,
    )
    .await;
    let bn2 = write_article(
        app,
        &key,
        json!({"headline": "কুশিয়ারা নদীর পানি বাড়ছে", "section": "national",
               "bodyText": "কুশিয়ারা নদীর পানি বিপৎসীমার উপরে উঠেছে। সিলেটে নিম্নাঞ্চল প্লাবিত।"}),
        true,
    )
    .await;
    app.sync_index().await;
    let related = ids(&app
        .get_json(&format!("/v1/articles/{bn}/related"), 200)
        .await);
    assert!(related.contains(&bn2), "{related:?}");
    assert!(
        !related.contains(&en),
        "an English article under a Bengali one"
    );
    let related = ids(&app
        .get_json(&format!("/v1/articles/{en}/related"), 200)
        .await);
    assert!(
        !related.contains(&bn) && !related.contains(&bn2),
        "{related:?}"
    );
}

async fn english_is_searched_with_stems_and_a_mixed_query_finds_both_scripts(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let en = write_article(
        app,
        &key,
        json!({"headline": "Floods hit the north-east", "section": "national",
               "bodyText": "Rivers were flooding villages near Sylhet.", "language": "en"}),
        true,
    )
    .await;
    let bn = write_article(
        app,
        &key,
        json!({"headline": "ঢাকা শহরে বন্যা", "section": "national", "bodyText": "ঢাকা শহরে বন্যা দেখা দিয়েছে।"}),
        true,
    )
    .await;
    app.sync_index().await;
    // Inflected forms meet (Snowball stems), stop words are no obstacle.
    for q in [
        "flood",
        "flooding",
        "the+floods",
        "river",
        "villages+of+sylhet",
    ] {
        let found = app.get_json(&format!("/v1/search?q={q}"), 200).await;
        assert_eq!(ids(&found), vec![en.clone()], "{q}");
    }
    // Highlights still mark the words as written.
    let found = app.get_json("/v1/search?q=flooding", 200).await;
    assert!(found.to_string().contains("<mark>Floods</mark>"), "{found}");
    // A Latin word and a Bengali one in one query: the Bengali article,
    // with `dhaka` as ঢাকা.
    let mixed = app.get_json("/v1/search?q=Dhaka+বন্যা", 200).await;
    assert_eq!(ids(&mixed), vec![bn.clone()]);
}

async fn display_strings_follow_the_locale_beside_the_bengali_ones(app: &TestApp) {
    let english = regex::Regex::new(
        r"^\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}, \d{1,2}:\d{2} (AM|PM)$",
    )
    .unwrap();
    let id = app.ids.public[0];
    // Asked without a locale first: the localised answer is another entry.
    let plain = app.get_json(&format!("/v1/articles/{id}"), 200).await;
    assert!(plain["data"].get("publishedAtLocal").is_none());
    let en = app
        .get_json(&format!("/v1/articles/{id}?locale=en"), 200)
        .await;
    let local = en["data"]["publishedAtLocal"].as_str().unwrap();
    assert!(english.is_match(local), "{local}");
    assert_eq!(en["data"]["publishedAtBn"], plain["data"]["publishedAtBn"]);
    assert!(en["data"]["updatedAtLocal"].is_string());
    let bn = app
        .get_json(&format!("/v1/articles/{id}?locale=bn"), 200)
        .await;
    assert_eq!(
        bn["data"]["publishedAtLocal"],
        plain["data"]["publishedAtBn"]
    );
    // Lists and the field selector.
    let list = app.get_json("/v1/articles?locale=en&limit=3", 200).await;
    for a in list["data"].as_array().unwrap() {
        assert!(
            english.is_match(a["publishedAtLocal"].as_str().unwrap()),
            "{a}"
        );
    }
    let sparse = app
        .get_json(
            "/v1/articles?locale=en&fields=publishedAtLocal&limit=1",
            200,
        )
        .await;
    let keys: Vec<&String> = sparse["data"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["id", "publishedAtLocal"]);
    // A word of a fixture headline, percent-encoded.
    let word: String = plain["data"]["headline"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .bytes()
        .map(|b| format!("%{b:02X}"))
        .collect();
    let hits = app
        .get_json(&format!("/v1/search?q={word}&locale=en"), 200)
        .await;
    assert!(!hits["data"].as_array().unwrap().is_empty(), "{hits}");
    for h in hits["data"].as_array().unwrap() {
        assert!(
            english.is_match(h["publishedAtLocal"].as_str().unwrap()),
            "{h}"
        );
    }
    // An article page's other lists too.
    for path in ["more-from-section", "related"] {
        let en = app
            .get_json(&format!("/v1/articles/{id}/{path}?locale=en"), 200)
            .await;
        let items = en["data"].as_array().unwrap();
        assert!(path == "related" || !items.is_empty(), "{path}: {en}");
        for a in items {
            assert!(
                english.is_match(a["publishedAtLocal"].as_str().unwrap()),
                "{path}: {a}"
            );
        }
        let plain = app
            .get_json(&format!("/v1/articles/{id}/{path}"), 200)
            .await;
        assert!(!plain.to_string().contains("publishedAtLocal"), "{path}");
        app.get_json(&format!("/v1/articles/{id}/{path}?locale=fr"), 400)
            .await;
    }
    let problem = app.get_json("/v1/articles?locale=fr", 400).await;
    assert!(problem.to_string().contains("locale"), "{problem}");
    // The edition line.
    let e = app
        .get_json("/v1/edition?at=2024-11-14T04:00:00Z&locale=en", 200)
        .await;
    assert_eq!(
        e["data"]["lineLocal"],
        "Dhaka, Thursday 14 November 2024 | 29 Kartik 1431"
    );
    assert_eq!(
        e["data"]["line"],
        "ঢাকা বৃহস্পতিবার, ১৪ নভেম্বর ২০২৪ | ২৯ কার্তিক ১৪৩১"
    );
    // GraphQL takes a locale where display strings appear.
    let q = app
        .graphql(
            r#"{ edition(at: "2024-11-14T04:00:00Z") { lineLocal(locale: EN) bn: lineLocal }
                 articles(first: 1) { nodes { publishedAtLocal(locale: EN) publishedAtBn } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        q["data"]["edition"]["lineLocal"], "Dhaka, Thursday 14 November 2024 | 29 Kartik 1431",
        "{q}"
    );
    assert_eq!(q["data"]["edition"]["bn"], e["data"]["line"]);
    let node = &q["data"]["articles"]["nodes"][0];
    assert!(
        english.is_match(node["publishedAtLocal"].as_str().unwrap()),
        "{q}"
    );
}

async fn tags_authors_and_sections_have_a_language_and_english_names(app: &TestApp) {
    let editor = app.key(Scope::Editor).await;
    let admin_key = app.key(Scope::Admin).await;
    let (status, tag) = send(
        app,
        &editor,
        Method::POST,
        "/v1/admin/tags",
        json!({"name": "জলাবদ্ধতা", "slug": "jolabaddhota", "nameEn": "Waterlogging"}),
    )
    .await;
    assert_eq!(status, 201, "{tag}");
    assert_eq!(tag["data"]["nameEn"], "Waterlogging");
    assert_eq!(tag["data"]["language"], "bn", "bn unless set");
    // An English-only tag.
    let (status, tag) = send(
        app,
        &editor,
        Method::POST,
        "/v1/admin/tags",
        json!({"name": "Climate", "slug": "climate", "language": "en"}),
    )
    .await;
    assert_eq!(status, 201, "{tag}");
    assert_eq!(tag["data"]["language"], "en");
    // An author's English byline; a section's language.
    let (status, author) = send(
        app,
        &editor,
        Method::PATCH,
        "/v1/admin/authors/rahim",
        json!({"nameEn": "Rahim Uddin"}),
    )
    .await;
    assert_eq!(status, 200, "{author}");
    assert_eq!(author["data"]["name"], "রহিম উদ্দিন", "the name stays");
    assert_eq!(author["data"]["nameEn"], "Rahim Uddin");
    let (status, section) = send(
        app,
        &admin_key,
        Method::POST,
        "/v1/admin/sections",
        json!({"name": "Editorial", "slug": "editorial-en", "language": "en"}),
    )
    .await;
    assert_eq!(status, 201, "{section}");
    assert_eq!(section["data"]["language"], "en");
    // A language that is not supported is refused, naming the field, and
    // nothing changes.
    for (path, method, body) in [
        (
            "/v1/admin/tags",
            Method::POST,
            json!({"name": "x", "language": "fr"}),
        ),
        (
            "/v1/admin/authors/rahim",
            Method::PATCH,
            json!({"language": "english"}),
        ),
    ] {
        let (status, problem) = send(app, &editor, method, path, body).await;
        assert_eq!(status, 422, "{path}: {problem}");
        assert!(problem.to_string().contains("language"), "{problem}");
    }
    let rahim = app.get_json("/v1/authors/rahim", 200).await;
    assert_eq!(rahim["data"]["language"], "bn");
    assert_eq!(rahim["data"]["nameEn"], "Rahim Uddin");
    // Article references carry them, and every list item its language.
    let en = write_article(
        app,
        &editor,
        json!({"headline": "Waterlogging in the capital", "section": "national",
               "bodyText": "Streets flooded after rain.", "language": "en",
               "tags": ["jolabaddhota"], "authors": ["rahim"], "kind": "opinion"}),
        true,
    )
    .await;
    let a = app.get_json(&format!("/v1/articles/{en}"), 200).await;
    assert_eq!(a["data"]["tags"][0]["nameEn"], "Waterlogging", "{a}");
    assert_eq!(a["data"]["authors"][0]["nameEn"], "Rahim Uddin");
    assert_eq!(a["data"]["section"]["language"], "bn");
    // A picker finds it by its English name in any case, on either engine.
    for q in ["water", "WATER", "Water"] {
        let found = app.get_json(&format!("/v1/tags?q={q}"), 200).await;
        assert_eq!(found["data"][0]["slug"], "jolabaddhota", "{q}: {found}");
    }
    assert_eq!(
        a["data"]["kindLabel"], "Opinion",
        "labels in the article's language"
    );
    let list = app.get_json("/v1/articles?limit=50", 200).await;
    let languages: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["language"].as_str().unwrap())
        .collect();
    assert!(
        languages.contains(&"en") && languages.contains(&"bn"),
        "{languages:?}"
    );
    let sparse = app
        .get_json("/v1/articles?fields=id,language&lang=en", 200)
        .await;
    assert_eq!(sparse["data"][0], json!({"id": en, "language": "en"}));
    // GraphQL: the name in a locale, falling back to the name.
    let q = app
        .graphql(
            "query($id: ID!) { article(id: $id) { language kindLabel section { name(locale: EN) language } authors { name nameEn en: name(locale: EN) } tags { name(locale: EN) bn: name(locale: BN) language } } }",
            json!({"id": en}),
        )
        .await;
    let a = &q["data"]["article"];
    assert_eq!(a["language"], "en", "{q}");
    assert_eq!(a["kindLabel"], "Opinion");
    assert_eq!(
        a["section"]["name"], "NATIONAL",
        "the section's English name"
    );
    assert_eq!(a["authors"][0]["name"], "রহিম উদ্দিন");
    assert_eq!(a["authors"][0]["en"], "Rahim Uddin");
    assert_eq!(a["tags"][0]["name"], "Waterlogging");
    assert_eq!(a["tags"][0]["bn"], "জলাবদ্ধতা");
    // Without an English name, the name is shown.
    let q = app
        .graphql(
            "{ tag(slug: \"budget\") { name(locale: EN) nameEn language } }",
            json!({}),
        )
        .await;
    assert_eq!(
        q["data"]["tag"],
        json!({"name": "বাজেট", "nameEn": null, "language": "bn"}),
        "{q}"
    );
    // GraphQL writes them too.
    let made = app
        .graphql_as(
            &editor,
            "mutation { updateTag(slug: \"budget\", input: {nameEn: \"Budget\"}) { name(locale: EN) } }",
            json!({}),
        )
        .await;
    assert_eq!(made["data"]["updateTag"]["name"], "Budget", "{made}");
}

async fn an_editions_directory_counts_its_own_articles(app: &TestApp) {
    let editor = app.key(Scope::Editor).await;
    admin(
        app,
        &editor,
        Method::PATCH,
        "/v1/admin/tags/series",
        json!({"nameEn": "Series"}),
    )
    .await;
    write_article(
        app,
        &editor,
        json!({"headline": "A series on river erosion", "section": "national",
               "bodyText": "Part one.", "language": "en", "tags": ["series"]}),
        true,
    )
    .await;
    let slugs = |v: &Value| -> Vec<(String, i64)> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["slug"].as_str().unwrap().to_owned(),
                    t["articleCount"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    // The English edition lists only tags of English articles, counted by
    // them.
    let en = app.get_json("/v1/tags?lang=en", 200).await;
    assert_eq!(slugs(&en), vec![("series".to_owned(), 1)], "{en}");
    let all = app.get_json("/v1/tags", 200).await;
    let series = slugs(&all)
        .into_iter()
        .find(|(s, _)| s == "series")
        .unwrap();
    assert!(series.1 > 1, "{all}");
    // A picker finds a tag by its English name.
    let found = app.get_json("/v1/tags?q=Seri", 200).await;
    assert_eq!(slugs(&found)[0].0, "series", "{found}");
    // A cursor is bound to its language.
    let page = app.get_json("/v1/tags?limit=1", 200).await;
    let cursor = page["page"]["nextCursor"].as_str().unwrap().to_owned();
    app.get_json(&format!("/v1/tags?limit=1&lang=en&cursor={cursor}"), 400)
        .await;
    app.get_json("/v1/authors?lang=fr", 400).await;
    // GraphQL lists the same tags (a tag's `articleCount` counts every
    // language).
    let q = app
        .graphql("{ tags(lang: [\"en\"]) { nodes { slug } } }", json!({}))
        .await;
    assert_eq!(
        q["data"]["tags"]["nodes"],
        json!([{"slug": "series"}]),
        "{q}"
    );
}

async fn ninjs_associates_translations_and_english_output_uses_english_names(app: &TestApp) {
    let editor = app.key(Scope::Editor).await;
    admin(
        app,
        &editor,
        Method::PATCH,
        "/v1/admin/tags/budget",
        json!({"nameEn": "Budget"}),
    )
    .await;
    let bn = write_article(
        app,
        &editor,
        json!({"headline": "বাজেটে শিক্ষায় বরাদ্দ বাড়ল", "section": "national",
               "bodyText": "শিক্ষায় বরাদ্দ বেড়েছে।", "tags": ["budget"]}),
        true,
    )
    .await;
    let en = write_article(
        app,
        &editor,
        json!({"headline": "Budget raises education spending", "section": "national",
               "bodyText": "Education gets more.", "language": "en", "tags": ["budget"],
               "translationOf": bn}),
        true,
    )
    .await;
    let validator = ninjs_validator();
    let partner = app.key(Scope::Partner).await;
    // The change feed sends the Bengali version again when the English one
    // joins its story, with the association (entries settle for a few
    // seconds before partners see them).
    app.advance_clock(chrono::Duration::minutes(1));
    let (_, changes) = partner_get(app, "/v1/changes?limit=100", &partner, 200).await;
    let last_of_bn = changes["data"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|c| c["id"] == bn.as_str())
        .unwrap();
    assert_eq!(
        last_of_bn["action"], "article.translations",
        "{last_of_bn:#}"
    );
    assert_eq!(
        last_of_bn["article"]["associations"][0]["uri"],
        format!("tag:127.0.0.1,2026:article/{en}"),
        "{last_of_bn:#}"
    );
    let (_, doc) = partner_get(app, &format!("/v1/ninjs/articles/{bn}"), &partner, 200).await;
    assert_ninjs(&validator, &doc);
    let assoc = &doc["associations"];
    assert_eq!(assoc.as_array().map(Vec::len), Some(1), "{doc:#}");
    assert_eq!(assoc[0]["name"], "translation-en");
    assert_eq!(assoc[0]["rel"], "translation");
    assert_eq!(assoc[0]["language"], "en");
    assert_eq!(assoc[0]["uri"], format!("tag:127.0.0.1,2026:article/{en}"));
    assert_eq!(
        assoc[0]["headlines"][0]["value"],
        "Budget raises education spending"
    );
    // The English document names its tag in English and points back.
    let (_, doc) = partner_get(app, &format!("/v1/ninjs/articles/{en}"), &partner, 200).await;
    assert_ninjs(&validator, &doc);
    assert_eq!(doc["associations"][0]["language"], "bn");
    let tag = doc["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["rel"] == "tag")
        .unwrap();
    assert_eq!(tag["name"], "Budget", "{doc:#}");
    // A page of ninjs carries each one's associations; an article without
    // translations carries none.
    let (_, page) = partner_get(app, "/v1/ninjs/articles?limit=50", &partner, 200).await;
    let docs = page["data"].as_array().unwrap();
    for d in docs {
        assert_ninjs(&validator, d);
        let linked = d["uri"] == format!("tag:127.0.0.1,2026:article/{bn}")
            || d["uri"] == format!("tag:127.0.0.1,2026:article/{en}");
        assert_eq!(d.get("associations").is_some(), linked, "{d:#}");
    }
    // The English feed names categories in English.
    let xml = app
        .get("/feeds/rss.xml?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.contains(">Budget</category>"), "{xml}");
    assert!(!xml.contains(">বাজেট</category>"), "{xml}");
    // GraphQL translations of a whole list cost about what one article's
    // do: per article they would cost at least two statements each (18
    // more for ten); a background poll or a loader batch split in two may
    // add a few.
    let mut statements = Vec::new();
    for n in [1, 10] {
        statements.push(
            app.statements(|| async move {
                let q = app
                    .graphql(
                        "query($n: Int!) { articles(first: $n) { nodes { translations { language } } } }",
                        json!({"n": n}),
                    )
                    .await;
                assert!(q.get("errors").is_none(), "{q}");
            })
            .await,
        );
    }
    assert!(statements[1] < statements[0] + 9, "{statements:?}");
}

/// A Bengali story (public, or a draft) and its English version, scheduled
/// `hours` after the real clock's now; their ids.
async fn story_with_english_scheduled(
    app: &TestApp,
    editor: &str,
    [headline_bn, headline_en]: [&str; 2],
    bn_public: bool,
    hours: i64,
) -> (String, String) {
    let bn = write_article(
        app,
        editor,
        json!({"headline": headline_bn, "section": "national", "bodyText": "খবর।"}),
        bn_public,
    )
    .await;
    let en = write_article(
        app,
        editor,
        json!({"headline": headline_en, "section": "national",
               "bodyText": "News.", "language": "en", "translationOf": bn}),
        false,
    )
    .await;
    let at = chrono::Utc::now() + chrono::Duration::hours(hours);
    admin(
        app,
        editor,
        Method::POST,
        &format!("/v1/admin/articles/{en}/schedule"),
        json!({"publishAt": at.to_rfc3339()}),
    )
    .await;
    (bn, en)
}

/// A version scheduled to go live changes its story's other versions at
/// that instant (their ninjs associations gain it): the change feed sends
/// them again then, not only when the schedule was written.
async fn a_version_going_live_on_schedule_resends_the_others_then(app: &TestApp) {
    let editor = app.key(Scope::Editor).await;
    let partner = app.key(Scope::Partner).await;
    let (bn, en) = story_with_english_scheduled(
        app,
        &editor,
        ["বন্দরে নতুন টার্মিনাল চালু", "New port terminal opens"],
        true,
        1,
    )
    .await;
    // Before the instant: the English version is nowhere, the Bengali one
    // names no translation.
    app.advance_clock(chrono::Duration::minutes(1));
    let (before, cursor) = drain(app, &partner, None, 100).await;
    assert!(before.iter().all(|e| e["id"] != en.as_str()), "{before:#?}");
    let cursor = cursor.unwrap();
    // After it: the English version goes live and the Bengali one is sent
    // again, naming it.
    app.advance_clock(chrono::Duration::hours(2));
    let (after, _) = drain(app, &partner, Some(&cursor), 100).await;
    let of = |id: &str| after.iter().find(|e| e["id"] == id).cloned();
    let en_entry = of(&en).unwrap_or_else(|| panic!("{after:#?}"));
    assert_eq!(en_entry["type"], "upsert");
    let bn_entry = of(&bn).unwrap_or_else(|| panic!("the Bengali version: {after:#?}"));
    assert_eq!(bn_entry["action"], "article.translations", "{bn_entry:#}");
    assert_eq!(
        bn_entry["article"]["associations"][0]["uri"],
        format!("tag:127.0.0.1,2026:article/{en}"),
        "{bn_entry:#}"
    );
    // The same when the Bengali version is published only after the
    // English one was scheduled: its own write then knows the instant (the
    // server's clock is two hours ahead by now).
    let (bn, _) = story_with_english_scheduled(
        app,
        &editor,
        ["নদীবন্দরে নতুন জেটি", "New river jetty"],
        false,
        3,
    )
    .await;
    publish_article(app, &editor, &bn).await;
    app.advance_clock(chrono::Duration::minutes(1));
    let (_, cursor) = drain(app, &partner, None, 100).await;
    app.advance_clock(chrono::Duration::hours(2));
    let (after, _) = drain(app, &partner, Some(&cursor.unwrap()), 100).await;
    let bn_entry = after
        .iter()
        .find(|e| e["id"] == bn.as_str())
        .unwrap_or_else(|| panic!("the Bengali version: {after:#?}"));
    assert_eq!(bn_entry["action"], "article.translations", "{bn_entry:#}");
}
