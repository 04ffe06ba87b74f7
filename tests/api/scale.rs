//! Beyond one machine: counters shared through Redis, change notices by
//! pub/sub, index snapshots, read replicas.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use api::config::Settings;
use api::startup::IndexOrigin;
use chrono::Utc;
use domain::Scope;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{SecondInstance, TestApp, write_article};
use crate::on_both;

on_both!(
    configure = with_redis;
    a_partner_gets_one_allowance_from_two_instances,
    a_comment_through_one_instance_is_a_duplicate_on_another,
    a_reader_counts_once_across_instances,
    a_write_reaches_another_instance_through_pubsub,
);
on_both!(
    configure = with_dead_redis;
    without_redis_limits_hold_per_instance_and_nothing_fails,
);
on_both!(
    configure = with_index_dir;
    a_new_instance_starts_from_a_snapshot_and_catches_up,
);

fn redis_url() -> String {
    std::env::var("BARTA_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// One run of the test binary: keys of an earlier run (a day's quota
/// bucket lives a day) never meet this one's.
fn run_nonce() -> &'static str {
    static NONCE: OnceLock<String> = OnceLock::new();
    NONCE.get_or_init(|| format!("{:x}", Utc::now().timestamp_micros()))
}

/// Both instances of a test share the prefix (it comes from their
/// database), tests and legs do not.
fn with_redis(s: &mut Settings) {
    use sha2::Digest as _;
    let db = hex::encode(&sha2::Sha256::digest(s.database_url.as_bytes())[..6]);
    s.redis_url = Some(redis_url());
    s.redis_prefix = format!("barta-test-{}-{db}", run_nonce());
    s.comments.trust_proxy = true;
}

/// Nothing listens on port 1.
fn with_dead_redis(s: &mut Settings) {
    s.redis_url = Some("redis://127.0.0.1:1".to_owned());
    s.comments.trust_proxy = true;
}

fn temp_dir(name: &str, s: &Settings) -> std::path::PathBuf {
    use sha2::Digest as _;
    let db = hex::encode(&sha2::Sha256::digest(s.database_url.as_bytes())[..6]);
    std::env::temp_dir().join(format!("barta-test-{}-{db}-{name}", run_nonce()))
}

fn with_index_dir(s: &mut Settings) {
    s.index_dir = Some(temp_dir("index-a", s));
}

async fn partner(url: &str, client: &reqwest::Client, key: &str) -> reqwest::Response {
    client
        .get(format!("{url}/v1/ninjs/articles?limit=1"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()[name].to_str().unwrap().to_owned()
}

/// A new partner key allowed `per_minute` requests a minute.
async fn partner_key(app: &TestApp, per_minute: u32) -> String {
    let key = app.key(Scope::Partner).await;
    let id = app.repo.keys().await.unwrap().last().unwrap().id;
    app.repo
        .set_key_quotas(
            id,
            Some(per_minute),
            None,
            persistence::WriteContext::system(Utc::now()),
        )
        .await
        .unwrap();
    key
}

async fn a_partner_gets_one_allowance_from_two_instances(app: &TestApp) {
    let b = SecondInstance::start_with(app, with_redis).await;
    let key = partner_key(app, 3).await;
    // Three a minute in all, wherever the requests land.
    for (url, remaining) in [(&app.address, "2"), (&b.address, "1"), (&app.address, "0")] {
        let res = partner(url, &app.client, &key).await;
        assert_eq!(res.status().as_u16(), 200, "{url}");
        assert_eq!(header(&res, "ratelimit-limit"), "3");
        assert_eq!(header(&res, "ratelimit-remaining"), remaining, "{url}");
    }
    let res = partner(&b.address, &app.client, &key).await;
    assert_eq!(res.status().as_u16(), 429, "the second instance knows");
    let retry: u64 = header(&res, "retry-after").parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    // Another key has its own allowance.
    let other = app.key(Scope::Partner).await;
    let res = partner(&b.address, &app.client, &other).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(header(&res, "ratelimit-remaining"), "59");
    b.stop().await;
}

async fn comment(url: &str, app: &TestApp, article: i64, client: &str, text: &str) -> u16 {
    app.client
        .post(format!("{url}/v1/articles/{article}/comments"))
        .header("x-forwarded-for", client)
        .json(&json!({"name": "পাঠক", "text": text}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn a_comment_through_one_instance_is_a_duplicate_on_another(app: &TestApp) {
    let b = SecondInstance::start_with(app, with_redis).await;
    let article = app.ids.public[0];
    let text = "দুই সার্ভারে একই মন্তব্য";
    assert_eq!(
        comment(&app.address, app, article, "10.7.0.1", text).await,
        202
    );
    assert_eq!(
        comment(&b.address, app, article, "10.7.0.1", text).await,
        409,
        "the duplicate is known to the other instance"
    );
    // Spacing and punctuation do not make it new; another reader may.
    assert_eq!(
        comment(&b.address, app, article, "10.7.0.1", "দুই  সার্ভারে একই মন্তব্য!").await,
        409
    );
    assert_eq!(
        comment(&b.address, app, article, "10.7.0.2", text).await,
        202
    );
    // The per-client window is shared too: five in ten minutes in all.
    for i in 0..4 {
        let url = if i % 2 == 0 { &b.address } else { &app.address };
        let status = comment(url, app, article, "10.7.0.3", &format!("মন্তব্য {i}")).await;
        assert_eq!(status, 202, "{i}");
    }
    assert_eq!(
        comment(&app.address, app, article, "10.7.0.3", "পঞ্চম").await,
        202
    );
    assert_eq!(
        comment(&b.address, app, article, "10.7.0.3", "ষষ্ঠ").await,
        429
    );
    b.stop().await;
}

async fn beacon(url: &str, app: &TestApp, article: i64, client: &str) {
    let res = app
        .client
        .post(format!("{url}/v1/articles/{article}/views"))
        .header("x-forwarded-for", client)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 202);
}

async fn a_reader_counts_once_across_instances(app: &TestApp) {
    let b = SecondInstance::start_with(app, with_redis).await;
    let [p1, p2, ..] = app.ids.public[..] else {
        panic!("fixture")
    };
    // One reader through both instances counts once; two readers twice.
    beacon(&app.address, app, p1, "10.6.0.1").await;
    beacon(&b.address, app, p1, "10.6.0.1").await;
    beacon(&b.address, app, p2, "10.6.0.1").await;
    beacon(&b.address, app, p2, "10.6.0.2").await;
    app.discovery.flush_views().await.unwrap();
    b.discovery.flush_views().await.unwrap();
    let top = app.get_json("/v1/most-read?window=1h", 200).await;
    let views: Vec<(i64, i64)> = top["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().parse().unwrap(),
                a["views"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(views, vec![(p2, 2), (p1, 1)]);
    b.stop().await;
}

/// Subscribers of the change channel (Redis `PUBSUB NUMSUB`).
async fn subscribers(prefix: &str) -> i64 {
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let (_, n): (String, i64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(format!("{prefix}:changes"))
        .query_async::<Vec<(String, i64)>>(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    n
}

async fn a_write_reaches_another_instance_through_pubsub(app: &TestApp) {
    // Both instances poll the change log once an hour: only a notice can
    // bring the write to the second one within the test.
    let b = SecondInstance::start_with(app, with_redis).await;
    let mut s = Settings::new(app.db.as_ref().unwrap().url.clone(), "x");
    with_redis(&mut s);
    let deadline = Instant::now() + Duration::from_secs(10);
    while subscribers(&s.redis_prefix).await < 2 {
        assert!(Instant::now() < deadline, "both instances subscribe");
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let key = app.key(Scope::Editor).await;
    let id = write_article(
        app,
        &key,
        json!({"headline": "পাবসাবে খবর পৌঁছাল", "section": "national", "bodyText": "দ্বিতীয় সার্ভার জানল।"}),
        true,
    )
    .await;
    let started = Instant::now();
    let found = loop {
        let res: Value = app
            .client
            .get(format!("{}/v1/search?q=পাবসাবে", b.address))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: Vec<&str> = res["data"]
            .as_array()
            .map(|a| a.iter().filter_map(|h| h["id"].as_str()).collect())
            .unwrap_or_default();
        if ids.contains(&id.as_str()) {
            break true;
        }
        if started.elapsed() > Duration::from_secs(10) {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        found,
        "the second instance learnt of the write without polling"
    );
    b.stop().await;
}

async fn metrics(url: &str, client: &reqwest::Client) -> String {
    client
        .get(format!("{url}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn without_redis_limits_hold_per_instance_and_nothing_fails(app: &TestApp) {
    let key = partner_key(app, 2).await;
    for remaining in ["1", "0"] {
        let res = partner(&app.address, &app.client, &key).await;
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(header(&res, "ratelimit-remaining"), remaining);
    }
    assert_eq!(
        partner(&app.address, &app.client, &key)
            .await
            .status()
            .as_u16(),
        429
    );
    // Comments and beacons go on, with this instance's limits.
    let article = app.ids.public[0];
    assert_eq!(
        comment(&app.address, app, article, "10.5.0.1", "রেডিস নেই").await,
        202
    );
    assert_eq!(
        comment(&app.address, app, article, "10.5.0.1", "রেডিস নেই").await,
        409
    );
    beacon(&app.address, app, article, "10.5.0.1").await;
    beacon(&app.address, app, article, "10.5.0.1").await;
    app.discovery.flush_views().await.unwrap();
    let top = app.get_json("/v1/most-read?window=1h", 200).await;
    assert_eq!(top["data"][0]["views"], 1);
    // This server's own view (the metrics registry is the process's, and
    // other tests' servers share the process).
    let shared = app.discovery.content().shared();
    assert_eq!(shared.is_up(), Some(false));
    assert!(shared.errors() >= 1);
    let m = metrics(&app.address, &app.client).await;
    assert!(m.contains("barta_redis_errors_total"), "{m}");
}

async fn a_new_instance_starts_from_a_snapshot_and_catches_up(app: &TestApp) {
    let url = app.db.as_ref().unwrap().url.clone();
    let probe = Settings::new(url, "x");
    let snapshots = temp_dir("snapshots", &probe);
    let b_index = temp_dir("index-b", &probe);
    let taken = app
        .discovery
        .index()
        .snapshot(&snapshots)
        .await
        .unwrap()
        .expect("an index on disk");
    let docs = app.discovery.index().num_docs();
    assert!(docs > 0);
    let covered = app.discovery.index().last_change();
    // Written after the snapshot: the new instance must catch up to it.
    let key = app.key(Scope::Editor).await;
    let id = write_article(
        app,
        &key,
        json!({"headline": "স্ন্যাপশটের পরের খবর", "section": "national", "bodyText": "পরে লেখা।"}),
        true,
    )
    .await;
    let b = SecondInstance::start_with(app, |s| {
        s.index_dir = Some(b_index.clone());
        s.index_snapshot_dir = Some(snapshots.clone());
    })
    .await;
    match &b.index_origin {
        IndexOrigin::Snapshot(info) => {
            assert_eq!(info.last_change, covered);
            assert_eq!(info.documents, docs);
        }
        other => panic!("started from {other:?}, not from {}", taken.display()),
    }
    assert_eq!(b.discovery.index().num_docs(), docs + 1, "caught up");
    let res: Value = app
        .client
        .get(format!("{}/v1/search?q=স্ন্যাপশটের", b.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(res["data"][0]["id"], id.as_str());
    b.stop().await;
    // Without a snapshot, an empty index directory is built from the
    // database.
    let c_index = temp_dir("index-c", &probe);
    let c = SecondInstance::start_with(app, |s| s.index_dir = Some(c_index.clone())).await;
    assert_eq!(c.index_origin, IndexOrigin::Rebuilt(docs as usize + 1));
    c.stop().await;
    for d in [snapshots, b_index, c_index, temp_dir("index-a", &probe)] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// Public reads (on the primary, on replicas) and the replicas' state of
/// a server.
fn reads(app: &TestApp) -> (u64, u64, Vec<persistence::ReplicaStatus>) {
    let (status, counts) = app.discovery.content().replica_status();
    let (primary, replica) = counts.expect("replicas configured");
    (primary, replica, status)
}

/// A server whose "replica" is `replica` (empty: its own database), after
/// public reads until one ran on the replica or the replica is known to
/// be down.
async fn reads_with_replica(replica: String) -> Option<TestApp> {
    let app =
        crate::helpers::spawn_app_custom(persistence::testing::Engine::Postgres, true, move |s| {
            s.read_database_urls = vec![if replica.is_empty() {
                s.database_url.clone()
            } else {
                replica
            }];
        })
        .await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut n = 0;
    loop {
        // A new query each time: the response cache answers repeats.
        n += 1;
        let body = app
            .get_json(&format!("/v1/articles?limit={}", 50 - (n % 40)), 200)
            .await;
        assert!(!body["data"].as_array().unwrap().is_empty());
        let (primary, replica, status) = reads(&app);
        let probed_down = status[0].lag_seconds.is_infinite() && n > 5;
        if replica > 0 || (primary > 5 && probed_down) || Instant::now() > deadline {
            return Some(app);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_reads_go_to_a_current_replica() {
    // The primary itself, named as a replica: not in recovery, so current.
    let Some(app) = reads_with_replica(String::new()).await else {
        return;
    };
    let (_, replica, status) = reads(&app);
    assert!(replica > 0, "{status:?}");
    assert!(status[0].up, "{status:?}");
    assert!(status[0].name.starts_with("postgres://"), "{status:?}");
    // The metrics name it.
    let m = metrics(&app.address, &app.client).await;
    assert!(
        m.contains("barta_db_replica_up{replica=\"postgres://"),
        "{m}"
    );
    // Admin reads stay on the primary and still see everything.
    let key = app.key(Scope::Editor).await;
    let res = app
        .with_key(
            Method::GET,
            &format!("/v1/admin/articles/{}", app.ids.draft),
            &key,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_survive_a_replica_that_is_down() {
    let Some(app) = reads_with_replica("postgres://postgres@127.0.0.1:1/none".to_owned()).await
    else {
        return;
    };
    let (primary, replica, status) = reads(&app);
    assert_eq!(replica, 0, "{status:?}");
    assert!(primary > 5, "{primary}");
    assert!(!status[0].up, "{status:?}");
    app.cleanup().await;
}

/// The "replica" is another, empty database (not in recovery, so taken as
/// current): public reads show its emptiness, while an editor's writes
/// are answered from the primary, as they must be whatever a replica
/// holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editors_are_answered_from_the_primary_whatever_a_replica_holds() {
    let Some(other) = persistence::testing::TestDb::new(persistence::testing::Engine::Postgres)
        .await
        .unwrap()
    else {
        return;
    };
    let replica = other.url.clone();
    let Some(app) =
        crate::helpers::spawn_app_custom(persistence::testing::Engine::Postgres, true, move |s| {
            s.read_database_urls = vec![replica]
        })
        .await
    else {
        return;
    };
    let key = app.key(Scope::Editor).await;
    // Wait until the replica is in rotation: public lists come from it.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut n = 0;
    while reads(&app).1 == 0 {
        assert!(Instant::now() < deadline, "the replica never served");
        n += 1;
        app.get_json(&format!("/v1/articles?limit={}", 1 + n % 40), 200)
            .await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let id = write_article(
        &app,
        &key,
        json!({"headline": "প্রাইমারি থেকে উত্তর", "section": "national", "bodyText": "লেখা।"}),
        true,
    )
    .await;
    let res = app
        .with_key(Method::GET, &format!("/v1/admin/articles/{id}"), &key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["status"], "published", "{body}");
    app.cleanup().await;
    other.cleanup().await;
}

#[tokio::test]
async fn replicas_need_postgresql() {
    let db = persistence::Database::connect("sqlite::memory:")
        .await
        .unwrap();
    let err = db
        .with_replicas(&["postgres://h/db".to_owned()], Duration::from_secs(5))
        .unwrap_err();
    assert!(format!("{err:?}").contains("PostgreSQL"), "{err:?}");
}
