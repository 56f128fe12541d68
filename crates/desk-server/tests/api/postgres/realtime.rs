//! What only PostgreSQL does for push and realtime: one instance's commit pokes another
//! instance's event streams (LISTEN/NOTIFY), NUL refused by the database is bad input,
//! and a push is one transaction.

use std::io::{BufRead, BufReader};
use std::sync::Arc;
use std::time::{Duration, Instant};

use desk_core::wire::{PushResponse, TokenResponse};
use desk_core::{ErrorCode, MutationResult};
use desk_server::{PgStorage, Storage};
use serde_json::json;
use testsupport::{ServerProcess, server_cmd};

use super::{fresh_url, raw};
use crate::conformance::push::a_failed_push_leaves_nothing_behind;

#[tokio::test]
async fn a_push_whose_answer_cannot_be_stored_changes_nothing() {
    let url = fresh_url();
    let storage = PgStorage::connect(&url).await.unwrap();
    let sql = |statement: &'static str| {
        let url = url.clone();
        async move { raw(&url).await.batch_execute(statement).await.unwrap() }
    };
    a_failed_push_leaves_nothing_behind(
        Arc::new(storage),
        sql(
            "CREATE FUNCTION desk_test_fail() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN RAISE EXCEPTION 'injected failure'; END $$;
             CREATE TRIGGER desk_test_fail BEFORE INSERT ON mutations
                 FOR EACH ROW EXECUTE FUNCTION desk_test_fail();",
        ),
        sql("DROP TRIGGER desk_test_fail ON mutations;"),
    )
    .await;
}

#[tokio::test]
async fn nul_that_reaches_the_database_is_bad_input() {
    let storage = PgStorage::connect(&fresh_url()).await.unwrap();
    // Below every check the API makes: the driver's own refusal must still not be a 500.
    let err = storage.login_info("lin\0@desk.test").await.unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::BadRequest,
        "PostgreSQL's refusal of NUL in text is answered as bad input: {err}"
    );
}

const EMAIL: &str = "lin.wei@desk.test";
const PASSWORD: &str = "a long enough password";

fn login(client: &reqwest::blocking::Client, base: &str) -> TokenResponse {
    client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "email": EMAIL, "password": PASSWORD, "device_name": "test" }))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .expect("sign in")
}

#[test]
fn a_push_to_one_instance_pokes_the_event_streams_of_another() {
    let url = fresh_url();
    server_cmd(
        &[
            "agent",
            "add",
            "--database-url",
            &url,
            "--email",
            EMAIL,
            "--name",
            "Lin Wei",
            "--role",
            "agent",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    server_cmd(&["seed-demo", "--database-url", &url, "--tickets", "3"], "");
    let (a, b) = (
        ServerProcess::start_on_database(&url),
        ServerProcess::start_on_database(&url),
    );
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let on_a = login(&client, &a.url);
    let on_b = login(&client, &b.url);

    // The event stream on B, read line by line on a thread.
    let stream_client = reqwest::blocking::Client::builder().build().unwrap();
    let response = stream_client
        .get(format!("{}/api/v1/events", b.url))
        .bearer_auth(on_b.access_token.expose())
        .send()
        .expect("open the event stream");
    assert_eq!(
        response.status(),
        200,
        "the stream opens for a signed-in agent"
    );
    let (events, pokes) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(response).lines() {
            let Ok(line) = line else { return };
            if line == "event: poke" && events.send(Instant::now()).is_err() {
                return;
            }
        }
    });
    pokes
        .recv_timeout(Duration::from_secs(10))
        .expect("a new stream pokes at once");
    // Let B's listener connect (it pokes once when it does), then expect quiet.
    while pokes.recv_timeout(Duration::from_secs(1)).is_ok() {}

    let feed: serde_json::Value = client
        .get(format!("{}/api/v1/sync/pull?limit=5000", a.url))
        .bearer_auth(on_a.access_token.expose())
        .send()
        .and_then(|r| r.json())
        .unwrap();
    let ticket_id = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "ticket")
        .expect("the seed has tickets")["record"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pushed_at = Instant::now();
    let answer: PushResponse = client
        .post(format!("{}/api/v1/push", a.url))
        .bearer_auth(on_a.access_token.expose())
        .json(&json!({
            "schema_version": 1,
            "mutations": [{
                "id": uuid::Uuid::now_v7().to_string(),
                "client_id": "console-a",
                "seq": 1,
                "agent_id": on_a.agent.id,
                "created_at": 0,
                "op": { "type": "note", "ticket_id": ticket_id,
                        "message_id": uuid::Uuid::now_v7().to_string(),
                        "body_text": "已联系链上团队" }
            }]
        }))
        .send()
        .and_then(|r| r.json())
        .expect("push to A");
    assert_eq!(
        answer.results[0].result,
        MutationResult::Applied,
        "the note is applied on A"
    );
    let poked_at = pokes
        .recv_timeout(Duration::from_secs(5))
        .expect("B's event stream is poked by A's commit, through PostgreSQL LISTEN/NOTIFY");
    eprintln!(
        "cross-instance poke after {} ms",
        poked_at.duration_since(pushed_at).as_millis()
    );

    // Shutting down does not wait for the open stream.
    let stopping = Instant::now();
    b.stop();
    assert!(
        stopping.elapsed() < Duration::from_secs(5),
        "a graceful shutdown ends event streams instead of waiting for them"
    );
    a.stop();
}

/// Waits for a poke on `moved` for at most `within`.
async fn poked(moved: &mut tokio::sync::watch::Receiver<()>, within: Duration) -> bool {
    tokio::time::timeout(within, moved.changed())
        .await
        .is_ok_and(|changed| changed.is_ok())
}

#[tokio::test]
async fn the_listener_reconnects_after_postgres_restarts() {
    // Its own cluster: restarting the shared one would break the tests running beside us.
    let mut cluster = testsupport::Postgres::start();
    let url = cluster.fresh_database();
    let listening = PgStorage::connect(&url).await.unwrap();
    let writer = PgStorage::connect(&url).await.unwrap();
    let mut moved = listening.feed_moved();
    // Once listening, it pokes (covering commits it could not hear); then all is quiet.
    assert!(
        poked(&mut moved, Duration::from_secs(10)).await,
        "the listener starts"
    );
    while poked(&mut moved, Duration::from_millis(300)).await {}
    writer
        .write_records(vec![desk_core::wire::Change::Ticket(
            crate::conformance::ticket("t1", None),
        )])
        .await
        .unwrap();
    assert!(
        poked(&mut moved, Duration::from_secs(5)).await,
        "another storage's commit is heard"
    );

    cluster.restart();
    // The reconnected listener pokes once it listens again; let that pass.
    assert!(
        poked(&mut moved, Duration::from_secs(20)).await,
        "the listener comes back after the restart and pokes: commits meanwhile were unheard"
    );
    while poked(&mut moved, Duration::from_millis(300)).await {}
    writer
        .write_records(vec![desk_core::wire::Change::Ticket(
            crate::conformance::ticket("t2", None),
        )])
        .await
        .unwrap();
    assert!(
        poked(&mut moved, Duration::from_secs(5)).await,
        "commits after the restart are heard again"
    );
}
