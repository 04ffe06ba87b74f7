//! The site-wide stream (`GET /v1/stream`): new public articles and
//! breaking flags over Server-Sent Events, on SQLite and PostgreSQL.

use chrono::{Duration, SubsecRound, Utc};
use domain::Scope;
use serde_json::{Value, json};

use crate::helpers::{TestApp, admin, publish_article, write_article};
use crate::on_both;
use crate::sse::Sse;

on_both!(
    new_articles_and_breaking_news_are_pushed,
    a_section_stream_hears_its_sections_only,
    a_reader_resumes_without_gaps_or_duplicates,
    nothing_unpublished_is_pushed_and_a_schedule_is_told_at_its_instant,
    bad_stream_parameters_are_refused,
    events_told_already_are_read_without_their_articles,
    a_late_commit_is_still_told,
    another_instances_write_is_told_once_the_change_log_is_read,
);

/// A draft in `section`; returns its id.
async fn draft(app: &TestApp, key: &str, headline: &str, section: &str) -> String {
    let body = json!({"headline": headline, "section": section, "bodyText": "খবরের বিস্তারিত।"});
    write_article(app, key, body, false).await
}

async fn publish(app: &TestApp, key: &str, id: &str) {
    publish_article(app, key, id).await;
}

async fn published(app: &TestApp, key: &str, headline: &str, section: &str) -> String {
    let id = draft(app, key, headline, section).await;
    publish(app, key, &id).await;
    id
}

async fn new_articles_and_breaking_news_are_pushed(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let mut sse = Sse::connect(app, "/v1/stream", None).await;
    let id = published(app, &key, "সংসদে বাজেট পাস", "national").await;
    let e = sse.next().await;
    assert_eq!(e.event.as_deref(), Some("published"), "{e:?}");
    assert_eq!(e.data["id"], id.as_str());
    assert_eq!(e.data["headline"], "সংসদে বাজেট পাস");
    assert_eq!(e.data["section"]["slug"], "national");
    // An edit is not news; a breaking flag is.
    admin(
        app,
        &key,
        reqwest::Method::PATCH,
        &format!("/v1/admin/articles/{id}"),
        json!({"kicker": "সংসদ"}),
    )
    .await;
    let until = (Utc::now() + Duration::hours(1)).to_rfc3339();
    admin(
        app,
        &key,
        reqwest::Method::PATCH,
        &format!("/v1/admin/articles/{id}"),
        json!({"breakingUntil": until}),
    )
    .await;
    let b = sse.next().await;
    assert_eq!(b.event.as_deref(), Some("breaking"), "{b:?}");
    assert_eq!(b.data["id"], id.as_str());
    assert_eq!(b.data["kicker"], "সংসদ", "the article as it is now");
    assert!(b.id.as_deref() > e.id.as_deref(), "ids grow: {e:?} {b:?}");
}

async fn a_section_stream_hears_its_sections_only(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let mut sports = Sse::connect(app, "/v1/stream?section=sports", None).await;
    let mut breaking = Sse::connect(app, "/v1/stream?events=breaking", None).await;
    published(app, &key, "ঢাকায় যানজট", "national").await;
    // A sub-section counts for its parent.
    let cricket = published(app, &key, "সিরিজ জিতল বাংলাদেশ", "cricket").await;
    let e = sports.next().await;
    assert_eq!(e.data["id"], cricket.as_str(), "{e:?}");
    assert_eq!(e.data["section"]["slug"], "cricket");
    // Only breaking events on the other stream: the first it hears is one.
    let flagged = draft(app, &key, "ঘূর্ণিঝড় সতর্কতা", "national").await;
    admin(
        app,
        &key,
        reqwest::Method::PATCH,
        &format!("/v1/admin/articles/{flagged}"),
        json!({"breakingUntil": (Utc::now() + Duration::hours(2)).to_rfc3339()}),
    )
    .await;
    publish(app, &key, &flagged).await;
    let b = breaking.next().await;
    assert_eq!(b.event.as_deref(), Some("breaking"), "{b:?}");
    assert_eq!(b.data["id"], flagged.as_str());
}

async fn a_reader_resumes_without_gaps_or_duplicates(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let mut sse = Sse::connect(app, "/v1/stream", None).await;
    let first = published(app, &key, "প্রথম খবর", "national").await;
    let seen = sse.next().await;
    assert_eq!(seen.data["id"], first.as_str());
    drop(sse);
    let mut missed = Vec::new();
    for n in 1..=3 {
        missed.push(published(app, &key, &format!("পরের খবর {n}"), "sports").await);
    }
    let mut sse = Sse::connect(app, "/v1/stream", seen.id.as_deref()).await;
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(sse.next().await);
    }
    let ids: Vec<&str> = got.iter().map(|f| f.data["id"].as_str().unwrap()).collect();
    assert_eq!(ids, missed, "what was missed, in order, once");
    // Then live again, nothing repeated.
    let live = published(app, &key, "নতুন খবর", "national").await;
    let next = sse.next().await;
    assert_eq!(next.data["id"], live.as_str(), "{next:?}");
    // `?lastEventId=` does the same for clients that cannot set headers.
    let last = got[1].id.clone().unwrap();
    let mut q = Sse::connect(app, &format!("/v1/stream?lastEventId={last}"), None).await;
    assert_eq!(q.next().await.data["id"], missed[2].as_str());
    assert_eq!(q.next().await.data["id"], live.as_str());
}

async fn nothing_unpublished_is_pushed_and_a_schedule_is_told_at_its_instant(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let mut sse = Sse::connect(app, "/v1/stream", None).await;
    // A draft, flagged breaking: nothing.
    let hidden = draft(app, &key, "খসড়া: প্রকাশ হবে না", "national").await;
    admin(
        app,
        &key,
        reqwest::Method::PATCH,
        &format!("/v1/admin/articles/{hidden}"),
        json!({"breakingUntil": (Utc::now() + Duration::hours(1)).to_rfc3339()}),
    )
    .await;
    // Scheduled two seconds ahead, moved half a second later before then:
    // told once, at the new instant.
    let scheduled = draft(app, &key, "নির্ধারিত সময়ে প্রকাশ", "national").await;
    let at = (Utc::now() + Duration::seconds(2)).trunc_subsecs(3);
    for t in [at, at + Duration::milliseconds(500)] {
        admin(
            app,
            &key,
            reqwest::Method::POST,
            &format!("/v1/admin/articles/{scheduled}/schedule"),
            json!({"publishAt": t.to_rfc3339()}),
        )
        .await;
    }
    let e = sse.next().await;
    assert_eq!(e.event.as_deref(), Some("published"), "{e:?}");
    assert_eq!(e.data["id"], scheduled.as_str(), "the draft was not told");
    assert!(
        Utc::now() >= at + Duration::milliseconds(500),
        "not before its instant"
    );
    // Published then taken down before a reader resumes: not told.
    let gone = published(app, &key, "ভুল খবর", "national").await;
    admin(
        app,
        &key,
        reqwest::Method::POST,
        &format!("/v1/admin/articles/{gone}/unpublish"),
        json!({"reason": "ভুল তথ্য"}),
    )
    .await;
    let after = published(app, &key, "সঠিক খবর", "national").await;
    let mut resumed = Sse::connect(app, "/v1/stream", e.id.as_deref()).await;
    let next = resumed.next().await;
    assert_eq!(next.data["id"], after.as_str(), "{next:?}");
    // The open stream may have told `gone` while it was public; it never
    // tells the draft.
    loop {
        let live = sse.next().await;
        assert_ne!(live.data["id"], hidden.as_str());
        if live.data["id"] == after.as_str() {
            break;
        }
    }
}

async fn bad_stream_parameters_are_refused(app: &TestApp) {
    for (path, last, status, field) in [
        ("/v1/stream?events=everything", None, 400, "events"),
        ("/v1/stream", Some("yesterday"), 400, "Last-Event-ID"),
        ("/v1/stream?section=no-such-section", None, 404, ""),
    ] {
        let mut req = app.client.get(app.url(path));
        if let Some(l) = last {
            req = req.header("last-event-id", l);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{path}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let body: Value = res.json().await.unwrap();
        if !field.is_empty() {
            assert_eq!(body["errors"][0]["field"], field, "{body}");
        }
    }
}

/// The hub re-reads a window of events at every poll: the rows it told
/// already are read (their keys advance the position) without loading
/// their articles.
async fn events_told_already_are_read_without_their_articles(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let first = published(app, &key, "প্রথম খবর", "national").await;
    let second = published(app, &key, "দ্বিতীয় খবর", "national").await;
    let stream = app::stream::StreamService::new(app.discovery.content().clone());
    let now = stream.now();
    let all = stream.events(None, now, 500).await.unwrap();
    let id_of = |b: &app::stream::EventBatch| -> Vec<String> {
        b.events
            .iter()
            .map(|e| e.article.summary.id.to_string())
            .collect()
    };
    let ids = id_of(&all);
    assert!(ids.contains(&first) && ids.contains(&second), "{ids:?}");
    let told = all
        .events
        .iter()
        .find(|e| e.article.summary.id.to_string() == first)
        .unwrap()
        .key;
    let rest = stream
        .events_skipping(None, now, 500, |k| *k == told)
        .await
        .unwrap();
    assert_eq!(rest.read, all.read, "every row is read");
    assert!(!id_of(&rest).contains(&first));
    assert!(id_of(&rest).contains(&second));
    let none = stream
        .events_skipping(None, now, 500, |_| true)
        .await
        .unwrap();
    assert_eq!(none.read, all.read);
    assert!(none.events.is_empty());
}

/// An event older than one told already (its transaction committed late)
/// is still told: the hub reads its overlap window again when the window
/// holds a row the hub has not read.
async fn a_late_commit_is_still_told(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let mut sse = Sse::connect(app, "/v1/stream", None).await;
    let first = published(app, &key, "আগের খবর", "national").await;
    let e = sse.next().await;
    assert_eq!(e.data["id"], first.as_str(), "{e:?}");
    // Stamped half a second before the event just told (its `publishedAt`
    // is in whole seconds, so at least that), committed after it.
    let told: chrono::DateTime<Utc> = e.data["publishedAt"].as_str().unwrap().parse().unwrap();
    let stamped = told - Duration::milliseconds(500);
    let late = crate::helpers::article("late-commit", "দেরিতে আসা খবর", "national", stamped);
    let late = app.repo.upsert_article(&late, stamped).await.unwrap().id();
    // The hub polls at this instance's next write (the test's poll
    // interval is an hour): both are told, the late one first.
    let next = published(app, &key, "পরের খবর", "national").await;
    let a = sse.next().await;
    let b = sse.next().await;
    assert_eq!(a.data["id"], late.to_string().as_str(), "{a:?}");
    assert_eq!(b.data["id"], next.as_str(), "{b:?}");
}

/// A write this instance did not make (another instance's, over the same
/// database) is told as soon as this instance reads it in the change log,
/// not at the hub's next poll.
async fn another_instances_write_is_told_once_the_change_log_is_read(app: &TestApp) {
    let mut sse = Sse::connect(app, "/v1/stream", None).await;
    let now = Utc::now();
    let a = crate::helpers::article("elsewhere", "অন্য সার্ভারের খবর", "national", now);
    let id = app.repo.upsert_article(&a, now).await.unwrap().id();
    // The test's poll interval is an hour: only the wake-up tells it.
    app.sync_index().await;
    let e = sse.next().await;
    assert_eq!(e.event.as_deref(), Some("published"), "{e:?}");
    assert_eq!(e.data["id"], id.to_string().as_str(), "{e:?}");
}
