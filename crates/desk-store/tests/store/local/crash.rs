//! Crash safety: a child process works the cache (pulled pages, local actions, answers)
//! and is killed with SIGKILL at random moments; after each kill the cache must open,
//! pass SQLite's integrity check, and hold only whole transactions: every queued action
//! with its effect, sequence numbers without duplicates, and a cursor whose page is
//! entirely there and the next one not at all.
//!
//! The child is this same test binary, re-run with [`CHILD_ENV`] set, selecting the
//! ignored test [`crash_child`], which works until it is killed.

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use desk_core::apply::replay;
use desk_core::wire::Change;
use desk_core::*;
use desk_store::Store;

use super::me;
use crate::{message, ticket};

const CHILD_ENV: &str = "DESK_STORE_CRASH_CHILD";
/// Tickets every page updates and local actions edit.
const HOT: usize = 6;
/// New tickets (each with a message) per page: enough that a page takes a while to write.
const PAGE: usize = 300;

/// xorshift64*: reproducible randomness without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn hot(i: usize) -> String {
    format!("h{i}")
}

/// Page `k`: PAGE new tickets `p{k}-{j}` with a message each, and every hot ticket's
/// server version stamped with `k`.
fn page(k: u64) -> Vec<Change> {
    let mut changes = Vec::with_capacity(2 * PAGE + HOT);
    for i in 0..HOT {
        let mut t = ticket(&hot(i), i as i64 + 1, "c1", TicketStatus::Open, None, 10);
        t.subject = format!("page {k}");
        t.updated_at = k as i64;
        changes.push(Change::Ticket(t));
    }
    for j in 0..PAGE {
        let id = format!("p{k}-{j}");
        changes.push(Change::Ticket(ticket(
            &id,
            0,
            "c1",
            TicketStatus::Open,
            None,
            k as i64,
        )));
        changes.push(Change::Message(message(
            &format!("{id}-m"),
            &id,
            "我的转账还没有到账，请帮忙查一下",
            MessageKind::PublicReply,
            k as i64,
        )));
    }
    changes
}

fn random_op(rng: &mut Rng) -> MutationOp {
    let ticket_id = hot(rng.below(HOT as u64) as usize);
    let tags = vec![format!("tag{}", rng.below(5))];
    match rng.below(6) {
        0 => MutationOp::SetPriority {
            ticket_id,
            priority: Priority::ALL[rng.below(4) as usize],
        },
        1 => MutationOp::AddTags { ticket_id, tags },
        2 => MutationOp::RemoveTags { ticket_id, tags },
        3 => MutationOp::Assign {
            ticket_id,
            assignee_id: Some(format!("a{}", rng.below(3))),
        },
        4 => MutationOp::Note {
            ticket_id,
            message_id: format!("note-{}", rng.next()),
            body_text: "已核实身份".into(),
        },
        _ => MutationOp::Reply {
            ticket_id,
            message_id: format!("reply-{}", rng.next()),
            body_text: "请在钱包里点击确认".into(),
            last_seen_message_id: None,
            attachments: vec![],
        },
    }
}

/// The child: works the cache until killed.
#[test]
#[ignore = "the crash test's child process; runs only when the parent sets DESK_STORE_CRASH_CHILD"]
fn crash_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let seed: u64 = std::env::var("DESK_STORE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut rng = Rng(seed | 1);
    // Ids must not repeat those of earlier (killed) children still in the outbox: the
    // seed tells children apart, the shared counter the ids of one child.
    let ids = move || format!("{seed:016x}-{}", super::new_id());
    let mut store = Store::open(&path).expect("child opens the cache");
    // A supervisor: its random assignments take colleagues' tickets too, which an agent's
    // console refuses (desk_core::access) before anything is written.
    let me = desk_core::Agent {
        role: desk_core::Role::Supervisor,
        ..me()
    };
    let mut k: u64 = store
        .cursor()
        .unwrap()
        .map_or(0, |c| c.parse().expect("the child's cursors are numbers"));
    let mut now = 1_000 + k as i64 * 100;
    loop {
        k += 1;
        // Pulls of several pages: a bootstrap's bulk load then spans pages (and local
        // actions), and kills land inside it too.
        let more = rng.below(8) != 0;
        store.apply_page(&page(k), &k.to_string(), more).unwrap();
        for _ in 0..1 + rng.below(4) {
            now += 1;
            store
                .apply_local(&me, random_op(&mut rng), now, ids)
                .expect("hot tickets stay open, so every action applies");
        }
        // Answer some of the oldest. Never `Applied` (nor `Conflict` for a reply, which
        // the server posts anyway): their effect stays shown until a pull brings the
        // server's version, which this fake server never sends, so the checks could not
        // tell it from a lost write.
        for m in store.next_batch("me", 1 + rng.below(3) as u32).unwrap() {
            let adds_message = m.op.message_id().is_some();
            let result = match rng.below(3) {
                0 => MutationResult::Rejected {
                    code: ErrorCode::Conflict,
                    reason: "no".into(),
                },
                _ if adds_message => MutationResult::Held {
                    reason: "the customer wrote again".into(),
                },
                _ => MutationResult::Conflict {
                    resolution: "kept the server's".into(),
                },
            };
            store.acknowledge(&m.id, &result).unwrap();
        }
        for e in store.outbox().unwrap() {
            match e.state {
                OutboxState::Held if rng.below(2) == 0 => {
                    store.release_held(&e.mutation.id, ids).unwrap();
                }
                OutboxState::Rejected | OutboxState::Held => {
                    store.discard(&e.mutation.id).unwrap();
                }
                OutboxState::Pending => {}
            }
        }
    }
}

#[test]
fn kill_9_at_random_moments_leaves_a_consistent_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite3");
    let exe = std::env::current_exe().unwrap();
    let mut rng = Rng(0x5eed_0fc0_ffee);
    let started = Instant::now();
    let mut trials = 0;
    let mut progressed = HashSet::new();
    // Bounded by time, so a slow machine runs fewer trials rather than a slower test.
    while trials < 40 && started.elapsed() < Duration::from_secs(12) {
        trials += 1;
        // From an empty cache again now and then: a bootstrap's bulk load, killed.
        let fresh = trials % 6 == 1;
        if fresh {
            desk_store::remove_cache_files(&path).unwrap();
        }
        let mut child = Command::new(&exe)
            .args([
                "local::crash::crash_child",
                "--exact",
                "--ignored",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .env("DESK_STORE_CRASH_SEED", rng.next().to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The first trials die early (during open and the first page), later ones mid-run.
        let delay = if trials <= 3 {
            rng.below(30)
        } else if fresh {
            rng.below(300)
        } else {
            20 + rng.below(400)
        };
        std::thread::sleep(Duration::from_millis(delay));
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            panic!("the child must work until killed, but exited with {status}: {err}");
        }
        child.kill().unwrap(); // SIGKILL: no destructor, no rollback, no flush
        child.wait().unwrap();
        let cursor = check_cache(&path, trials);
        progressed.insert(cursor);
    }
    eprintln!(
        "{trials} kills in {:?}; cursors seen: {}",
        started.elapsed(),
        progressed.len()
    );
    assert!(
        progressed.len() >= 3,
        "the children must have made progress between kills: cursors {progressed:?}"
    );
}

/// After a bulk load (finished or not), the schema is whole and the counts agree with the
/// records.
fn check_derived_state(store: &Store, path: &Path, trial: u32) {
    let raw = rusqlite::Connection::open(path).unwrap();
    assert_eq!(
        crate::index_and_trigger_names(&raw),
        crate::fresh_index_and_trigger_names(),
        "trial {trial}: every index and trigger is back"
    );
    let count = |sql: &str| -> u32 { raw.query_row(sql, [], |r| r.get(0)).unwrap() };
    let counts = store.view_counts(Some("a1")).unwrap();
    assert_eq!(
        counts.all,
        count("SELECT count(*) FROM tickets"),
        "trial {trial}: all"
    );
    assert_eq!(
        counts.open,
        count("SELECT count(*) FROM tickets WHERE is_open = 1"),
        "trial {trial}: open"
    );
    assert_eq!(
        counts.mine,
        count("SELECT count(*) FROM tickets WHERE is_open = 1 AND assignee_id = 'a1'"),
        "trial {trial}: mine"
    );
}

/// Opens the cache a killed child left and checks it; returns its cursor.
fn check_cache(path: &Path, trial: u32) -> u64 {
    let mut store = Store::open(path)
        .unwrap_or_else(|e| panic!("trial {trial}: the cache must open after a kill: {e}"));
    // A bulk load the kill cut short ends as the sync client ends it, whole.
    if store.bulk_load_in_progress().unwrap() {
        eprintln!("trial {trial}: killed during a bulk load");
    }
    store.finish_bulk_load().unwrap();
    // And the indexes it leaves for after the inbox, as the background indexer builds them.
    while store.build_next_deferred_index().unwrap() {}
    check_derived_state(&store, path, trial);
    let raw = rusqlite::Connection::open(path).unwrap();
    let integrity: String = raw
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        integrity, "ok",
        "trial {trial}: SQLite finds the file sound"
    );
    let count = |sql: &str, arg: &str| -> i64 { raw.query_row(sql, [arg], |r| r.get(0)).unwrap() };

    // The cursor names a page that is entirely there, and the next one is not at all.
    let k: u64 = store.cursor().unwrap().map_or(0, |c| c.parse().unwrap());
    if k > 0 {
        let prefix = format!("p{k}-%");
        assert_eq!(
            count("SELECT count(*) FROM tickets WHERE id LIKE ?1", &prefix),
            PAGE as i64,
            "trial {trial}: page {k} is whole"
        );
        assert_eq!(
            count("SELECT count(*) FROM messages WHERE id LIKE ?1", &prefix),
            PAGE as i64,
            "trial {trial}: with its messages"
        );
        for i in 0..HOT {
            let confirmed = store.confirmed_ticket(&hot(i)).unwrap().unwrap();
            assert_eq!(
                confirmed.subject,
                format!("page {k}"),
                "trial {trial}: hot tickets are confirmed at page {k}"
            );
        }
    }
    assert_eq!(
        count(
            "SELECT count(*) FROM tickets WHERE id LIKE ?1",
            &format!("p{}-%", k + 1)
        ),
        0,
        "trial {trial}: nothing of the page after the cursor"
    );

    // Sequence numbers: unique, increasing with the row order, never above the counter.
    let outbox = store.outbox().unwrap();
    let seqs: Vec<u64> = outbox.iter().map(|e| e.mutation.seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "trial {trial}: seqs are unique and in order: {seqs:?}"
    );
    let last_seq: u64 = store
        .meta(desk_store::LAST_SEQ_KEY)
        .unwrap()
        .map_or(0, |s| s.parse().unwrap());
    assert!(
        seqs.last().is_none_or(|&s| s <= last_seq),
        "trial {trial}: the counter is never behind a queued seq"
    );
    let ids: HashSet<&str> = outbox.iter().map(|e| e.mutation.id.as_str()).collect();
    assert_eq!(
        ids.len(),
        outbox.len(),
        "trial {trial}: mutation ids are unique"
    );

    // Every queued action is complete: its effect is shown, exactly replayed.
    for i in 0..HOT {
        let id = hot(i);
        let work: Vec<&Mutation> = outbox
            .iter()
            .filter(|e| e.state.is_replayed() && e.mutation.op.ticket_id() == id)
            .map(|e| &e.mutation)
            .collect();
        assert_eq!(
            store.effective_ticket(&id).unwrap(),
            replay(store.confirmed_ticket(&id).unwrap(), work),
            "trial {trial}: {id} shows its confirmed state plus its queued work"
        );
    }
    for e in &outbox {
        if let Some(mid) = e.mutation.op.message_id() {
            assert_eq!(
                count(
                    "SELECT count(*) FROM messages WHERE id = ?1 AND pending = 1",
                    mid
                ),
                i64::from(e.state.is_replayed()),
                "trial {trial}: a queued reply is in the conversation, a rejected one is not"
            );
        }
    }
    let orphans = raw
        .query_row(
            "SELECT count(*) FROM messages WHERE pending = 1 AND id NOT IN
                 (SELECT json_extract(body, '$.op.message_id') FROM outbox
                  WHERE state != 'rejected' AND json_extract(body, '$.op.message_id') IS NOT NULL)",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap();
    assert_eq!(
        orphans, 0,
        "trial {trial}: no unsent message without its queued action"
    );
    k
}
