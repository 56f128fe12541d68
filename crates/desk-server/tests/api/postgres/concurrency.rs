//! The proof DESIGN.md §4 asks for: with many concurrent writers on PostgreSQL, some of them
//! slow to commit, no reader following the feed ever skips or repeats a change.
//!
//! Slowness is injected inside the database, on the production code path: a test-only
//! trigger on `changes` sleeps for records whose id starts with `slow-`. It fires after the
//! writer bumped the feed version and before it commits, which is exactly the window in
//! which a sequence-based cursor loses rows (see [`a_sequence_cursor_loses_a_row_that_commits_late`]).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use desk_core::wire::Change;
use desk_server::feed::{FeedPosition, Scope};
use desk_server::{PgStorage, Storage};

use super::{fresh_url, raw};
use crate::conformance::{message, ticket};

const WRITERS: usize = 8;
const TRANSACTIONS_PER_WRITER: usize = 200;
const READERS: usize = 3;
const ROUNDS: usize = 3;

/// Installs the trigger that holds a writer's transaction open for `sleep_sql` seconds
/// (an SQL expression) whenever it appends a change for a `slow-` record.
async fn install_slow_trigger(url: &str, sleep_sql: &str) {
    raw(url)
        .await
        .batch_execute(&format!(
            "CREATE FUNCTION desk_test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 IF NEW.record_id LIKE 'slow-%' THEN PERFORM pg_sleep({sleep_sql}); END IF;
                 RETURN NEW;
             END $$;
             CREATE TRIGGER desk_test_slow_commit BEFORE INSERT ON changes
                 FOR EACH ROW EXECUTE FUNCTION desk_test_slow_commit();"
        ))
        .await
        .expect("install the slow-commit trigger");
}

/// What one writer transaction commits: a new ticket (every tenth one slow), a new message,
/// and an update of the writer's own "progress" ticket, so the feed also has to move a
/// record that already has a change (latest change per record).
fn transaction(writer: usize, i: usize) -> Vec<Change> {
    let prefix = if i % 10 == 3 { "slow-" } else { "" };
    let mut progress = ticket(&format!("progress-{writer}"), None);
    progress.updated_at = i as i64;
    vec![
        Change::Ticket(ticket(&format!("{prefix}t-{writer}-{i}"), None)),
        Change::Message(message(&format!("m-{writer}-{i}"), "确认了吗")),
        Change::Ticket(progress),
    ]
}

/// Follows the feed with small pages until `done` was set before a pull that came back
/// empty, asserting on the way that positions only ever increase.
async fn follow(
    storage: Arc<PgStorage>,
    done: Arc<AtomicBool>,
    limit: u32,
) -> Vec<(FeedPosition, Change)> {
    let mut cursor = FeedPosition::ZERO;
    let mut seen = Vec::new();
    loop {
        // Read the flag before pulling: a pull that starts after the writers finished and
        // finds nothing proves the reader has everything.
        let writers_done = done.load(Ordering::SeqCst);
        let page = storage
            .pull(cursor, limit, &Scope::All)
            .await
            .expect("pull");
        for (position, change) in page.decoded_changes().expect("decode") {
            assert!(
                position > cursor,
                "positions strictly increase from cursor to cursor: {position} after {cursor}"
            );
            cursor = position;
            seen.push((position, change));
        }
        if writers_done && !page.has_more {
            return seen;
        }
        if !page.has_more {
            // Caught up while writers still run: poll again soon, as a client would.
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_never_make_a_reader_skip_or_repeat_a_change() {
    for round in 0..ROUNDS {
        let started = Instant::now();
        let url = fresh_url();
        let storage = Arc::new(PgStorage::connect(&url).await.expect("connect"));
        // 2–12 ms with the version row locked: long enough to overlap many other writers.
        install_slow_trigger(&url, "0.002 + random() * 0.010").await;

        let done = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..READERS)
            .map(|r| tokio::spawn(follow(storage.clone(), done.clone(), 5 + 4 * r as u32)))
            .collect();
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let storage = storage.clone();
                tokio::spawn(async move {
                    let mut last_progress = 0;
                    for i in 0..TRANSACTIONS_PER_WRITER {
                        storage
                            .write_records(transaction(w, i))
                            .await
                            .expect("every writer transaction commits");
                        last_progress = i as i64;
                    }
                    last_progress
                })
            })
            .collect();
        let mut final_progress = HashMap::new();
        for (w, writer) in writers.into_iter().enumerate() {
            final_progress.insert(format!("progress-{w}"), writer.await.unwrap());
        }
        done.store(true, Ordering::SeqCst);

        let committed: HashSet<String> = (0..WRITERS)
            .flat_map(|w| (0..TRANSACTIONS_PER_WRITER).map(move |i| (w, i)))
            .flat_map(|(w, i)| {
                transaction(w, i)
                    .into_iter()
                    .take(2)
                    .map(|c| c.id().to_owned())
            })
            .collect();
        for (r, reader) in readers.into_iter().enumerate() {
            let seen = reader.await.unwrap();
            check_reader(round, r, &seen, &committed, &final_progress);
        }
        eprintln!(
            "round {round}: {} writer transactions, {READERS} readers, {:.1}s",
            WRITERS * TRANSACTIONS_PER_WRITER,
            started.elapsed().as_secs_f64()
        );
    }
}

fn check_reader(
    round: usize,
    reader: usize,
    seen: &[(FeedPosition, Change)],
    committed: &HashSet<String>,
    final_progress: &HashMap<String, i64>,
) {
    let who = format!("round {round}, reader {reader}");
    let mut once: HashMap<&str, usize> = HashMap::new();
    let mut progress: HashMap<&str, i64> = HashMap::new();
    let mut numbers = Vec::new();
    for (_, change) in seen {
        match change {
            Change::Ticket(t) if t.id.starts_with("progress-") => {
                let previous = progress.insert(&t.id, t.updated_at);
                assert!(
                    previous.is_none_or(|p| p < t.updated_at),
                    "{who}: a record's changes arrive in the order they were committed"
                );
            }
            other => {
                *once.entry(other.id()).or_default() += 1;
                if let Change::Ticket(t) = other {
                    numbers.push(t.number.expect("the server numbers every ticket"));
                }
            }
        }
    }
    let duplicates: Vec<_> = once.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        duplicates.is_empty(),
        "{who}: no change may arrive twice: {duplicates:?}"
    );
    let seen_ids: HashSet<String> = once.keys().map(|id| (*id).to_owned()).collect();
    let missing: Vec<_> = committed.difference(&seen_ids).take(5).collect();
    assert!(
        missing.is_empty(),
        "{who}: every committed change must reach every reader; missing e.g. {missing:?}"
    );
    assert_eq!(
        seen_ids.len(),
        committed.len(),
        "{who}: the reader saw exactly what the writers committed, nothing else"
    );
    let finals: HashMap<String, i64> = progress
        .iter()
        .map(|(id, at)| ((*id).to_owned(), *at))
        .collect();
    assert_eq!(
        &finals, final_progress,
        "{who}: a record updated by every transaction ends at its last committed state"
    );
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "{who}: ticket numbers are assigned under the feed lock, so they increase in commit order"
    );
}

/// A slow writer that bumped the version first holds back a fast writer behind it, so the
/// fast one can never become visible first; while both are open, readers see neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_behind_a_slow_one_commits_after_it() {
    let url = fresh_url();
    let storage = Arc::new(PgStorage::connect(&url).await.unwrap());
    install_slow_trigger(&url, "1.5").await;
    let observer = raw(&url).await;
    let waits_for = |condition: &'static str| {
        let observer = &observer;
        async move {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let count: i64 = observer
                    .query_one(
                        &format!(
                            "SELECT count(*) FROM pg_stat_activity
                             WHERE datname = current_database() AND {condition}"
                        ),
                        &[],
                    )
                    .await
                    .unwrap()
                    .get(0);
                if count > 0 {
                    return;
                }
                assert!(Instant::now() < deadline, "never saw {condition}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    };

    let slow = tokio::spawn({
        let storage = storage.clone();
        async move {
            storage
                .write_records(vec![Change::Ticket(ticket("slow-first", None))])
                .await
                .unwrap()
        }
    });
    // The slow writer sleeps in the trigger, so it has bumped the version already.
    waits_for("wait_event = 'PgSleep'").await;
    let fast = tokio::spawn({
        let storage = storage.clone();
        async move {
            storage
                .write_records(vec![Change::Ticket(ticket("fast-second", None))])
                .await
                .unwrap()
        }
    });
    // The fast writer queues on the version row's lock.
    waits_for("wait_event_type = 'Lock'").await;
    let page = storage
        .pull(FeedPosition::ZERO, 10, &Scope::All)
        .await
        .unwrap();
    assert!(
        page.changes.is_empty(),
        "while the first writer is open, nothing after it is visible either"
    );

    let slow = slow.await.unwrap();
    let fast = fast.await.unwrap();
    assert!(
        fast.last_position > slow.last_position,
        "the writer that waited for the version row commits later and gets the later position"
    );
    let numbers: Vec<_> = [&slow, &fast]
        .iter()
        .map(|r| match &r.records[0] {
            Change::Ticket(t) => t.number,
            _ => None,
        })
        .collect();
    assert_eq!(
        numbers,
        [Some(1), Some(2)],
        "ticket numbers follow commit order, not the order writers started"
    );
}

/// Why the feed does not use a sequence (or `updated_at`) as its cursor: values are handed
/// out before commit. Writer A takes id 1 and stays open; writer B takes id 2 and commits;
/// a reader sees 2 and moves its cursor there; A commits, and row 1 is behind every
/// cursor for ever. Plain SQL, no Desk code: this is the failure the version row prevents.
#[tokio::test]
async fn a_sequence_cursor_loses_a_row_that_commits_late() {
    let url = fresh_url();
    let (a, b, reader) = (raw(&url).await, raw(&url).await, raw(&url).await);
    a.batch_execute("CREATE TABLE naive_feed (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)")
        .await
        .unwrap();
    a.batch_execute("BEGIN; INSERT INTO naive_feed (body) VALUES ('a')")
        .await
        .unwrap();
    b.batch_execute("INSERT INTO naive_feed (body) VALUES ('b')")
        .await
        .unwrap();
    let read_after = |cursor: i64| {
        let reader = &reader;
        async move {
            reader
                .query(
                    "SELECT id, body FROM naive_feed WHERE id > $1 ORDER BY id",
                    &[&cursor],
                )
                .await
                .unwrap()
                .iter()
                .map(|row| (row.get::<_, i64>(0), row.get::<_, String>(1)))
                .collect::<Vec<_>>()
        }
    };
    let first = read_after(0).await;
    assert_eq!(
        first,
        [(2, "b".to_owned())],
        "the reader sees B's row 2 while A's row 1 is uncommitted"
    );
    a.batch_execute("COMMIT").await.unwrap();
    let second = read_after(2).await;
    assert!(
        second.is_empty(),
        "A's row 1 committed behind the cursor: a sequence cursor never delivers it"
    );
    assert_eq!(
        read_after(0).await.len(),
        2,
        "the row exists; only the cursor skipped it"
    );
}
