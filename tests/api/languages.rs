//! Bengali and English editions: an article's language, linked
//! translations, and `lang=` on lists, search and feeds.

use domain::Scope;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, admin, publish_article, write_article};
use crate::on_both;

on_both!(
    an_article_takes_a_language_tag_of_a_supported_language,
    translations_link_the_versions_of_a_story_and_stay_unpublished_until_their_time,
    lang_filters_lists_search_and_feeds,
    related_stories_stay_in_the_articles_language,
    english_is_searched_with_stems_and_a_mixed_query_finds_both_scripts,
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
    // GraphQL reads them.
    let q = app
        .graphql(
            "query($id: ID!) { article(id: $id) { translations { language headline databaseId url } } }",
            json!({"id": bn}),
        )
        .await;
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
