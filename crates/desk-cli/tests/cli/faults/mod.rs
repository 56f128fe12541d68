//! Fault drills with real processes (DESIGN.md §13): the `desk` client killed with SIGKILL
//! during a bootstrap and during a push, the server killed mid-push, PostgreSQL restarted
//! mid-sync, and a proxy that refuses, stalls and cuts responses. After each fault heals,
//! one more sync succeeds and: the cache passes SQLite's integrity check and equals a fresh
//! profile's copy of the server's data; every queued mutation was answered exactly once
//! (one audit row each on the server) and applied; each queued message is on the server
//! once; the outbox is empty.
//!
//! Trials per drill default to a number that keeps the suite quick; `DESK_FAULT_TRIALS`
//! raises them for a soak run, `DESK_FAULT_SEED` varies the kill moments.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::Duration;

use desk_core::view::InboxView;
use desk_core::{MutationOp, Priority};
use rusqlite::{Connection, OpenFlags};
use testsupport::KeyringSession;

use super::{EMAIL, PASSWORD, desk, desk_command, login, ok_json};

mod kill;
mod network;

/// xorshift64*: reproducible kill moments without a dependency.
struct Rng(u64);

impl Rng {
    fn new(salt: u64) -> Self {
        let seed: u64 = std::env::var("DESK_FAULT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0x5eed);
        Self((seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `lo..hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo).max(1)
    }
}

/// How many trials a drill runs: `default`, or `DESK_FAULT_TRIALS`.
fn trials(default: usize) -> usize {
    std::env::var("DESK_FAULT_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// A `desk` child process with its output piped, to be killed or waited for.
fn spawn_desk(keyring: &KeyringSession, home: &Path, args: &[&str]) -> Child {
    desk_command(keyring, home, args)
        .stdin(Stdio::null())
        .spawn()
        .expect("spawn desk")
}

/// SIGKILL (no chance to finish a transaction or flush anything), then the output.
/// `None` when the child had already exited by itself: its output instead.
fn kill9(mut child: Child) -> Result<(), Output> {
    let finished = child.try_wait().expect("poll desk").is_some();
    if !finished {
        child.kill().expect("SIGKILL desk");
    }
    let out = child.wait_with_output().expect("reap desk");
    if finished { Err(out) } else { Ok(()) }
}

/// Waits for a child, failing the test if it takes longer than `within`: a client that
/// hangs on a dead network is a bug, however patient its user is. Its output is read
/// meanwhile (a sync's report can outgrow a pipe's buffer).
fn wait_within(child: Child, within: Duration, what: &str) -> Output {
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(within) {
        Ok(out) => return out.expect("reap desk"),
        Err(_) => {
            // Not yet reaped (the reader waits for it), so the pid is still our child's.
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            rx.recv().unwrap().expect("reap desk")
        }
    };
    panic!(
        "{what}: desk still running after {within:?} (hung): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The `{code}` of a failed `--json` run, or `None` when it succeeded.
pub(crate) fn failure_code(out: &Output) -> Option<String> {
    if out.status.success() {
        return None;
    }
    // The last line: with DESK_LOG set, log lines come before it.
    let last = out.stderr.trim_ascii().split(|&b| b == b'\n').next_back();
    let err: serde_json::Value =
        serde_json::from_slice(last.unwrap_or_default()).unwrap_or_else(|_| {
            panic!(
                "a failed --json run prints {{code, message}} (exit {:?}): {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            )
        });
    Some(
        err["code"]
            .as_str()
            .expect("errors carry a code")
            .to_owned(),
    )
}

/// A sync that must succeed (the fault has healed); returns its report.
fn sync_ok(keyring: &KeyringSession, home: &Path) -> serde_json::Value {
    ok_json(&desk(keyring, home, &["--json", "sync"], ""))
}

/// The profile's cache key, read from the test's Secret Service as any program could.
pub(crate) fn cache_key(keyring: &KeyringSession, home: &Path) -> desk_sync::CacheKey {
    let account = desk_sync::Profile::at(home).cache_key_account();
    let hex = keyring
        .lookup(&[("service", "desk"), ("username", &account)])
        .expect("the cache key is in the keyring");
    desk_sync::CacheKey::from_hex(&hex).expect("the keyring holds a cache key")
}

/// Opens a profile's cache file as SQLCipher itself sees it (no Desk code in between),
/// with the key from the keyring, in the format new caches are written in (HMAC-SHA-256
/// page checks, 4 KiB pages).
pub(crate) fn raw_cache(keyring: &KeyringSession, home: &Path) -> Connection {
    let conn =
        Connection::open(desk_sync::Profile::at(home).cache_path()).expect("open the cache file");
    let key = cache_key(keyring, home);
    conn.pragma_update(None, "key", format!("x'{}'", key.to_hex()))
        .expect("key the cache");
    conn.pragma_update(None, "cipher_page_size", 4096)
        .expect("set the page size");
    conn.pragma_update(None, "cipher_hmac_algorithm", "HMAC_SHA256")
        .expect("set the page check");
    conn
}

/// SQLite's own check of the file: pages, indexes, constraints.
fn assert_intact(keyring: &KeyringSession, home: &Path, when: &str) {
    let conn = raw_cache(keyring, home);
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("run the integrity check");
    assert_eq!(verdict, "ok", "{when}: the cache file must be intact");
}

/// Everything in a cache that comes from the server, table by table, as sorted rows;
/// plus the names of its indexes and triggers (a bootstrap killed in its bulk load must
/// still end with every one of them). Left out: the profile's own bookkeeping (meta:
/// cursor, account, device), the outbox and confirmed copies (local work), and the
/// search index (built in the background, at its own pace).
fn snapshot(keyring: &KeyringSession, home: &Path) -> BTreeMap<String, Vec<String>> {
    let conn = raw_cache(keyring, home);
    let mut out = BTreeMap::new();
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search%'
             AND name NOT IN ('meta', 'outbox', 'tickets_confirmed')",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for table in tables {
        // Counters may keep a zero row where a rebuild leaves none: the same count.
        let filter = if matches!(table.as_str(), "ticket_counts" | "sla_hours") {
            " WHERE n <> 0"
        } else {
            ""
        };
        // When a conversation was evicted is the clock's, not the server's data: which ones.
        let columns = if table == "evicted_conversations" {
            "ticket_id"
        } else {
            "*"
        };
        let mut stmt = conn
            .prepare(&format!("SELECT {columns} FROM \"{table}\"{filter}"))
            .unwrap();
        let columns = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                let cells: Vec<String> = (0..columns)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect();
                Ok(cells.join("|"))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.sort();
        out.insert(table, rows);
    }
    let mut schema: Vec<String> = conn
        .prepare(
            "SELECT type || ' ' || name FROM sqlite_master
             WHERE type IN ('index', 'trigger') AND name NOT LIKE 'sqlite_%'",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    schema.sort();
    out.insert("(schema)".into(), schema);
    out
}

/// A new profile signed in to `url` and synced from zero: the server's data as a client
/// that met no fault sees it.
fn fresh_copy(keyring: &KeyringSession, root: &Path, url: &str) -> PathBuf {
    let home = root.join(format!(
        "fresh-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    ok_json(&login(keyring, &home, url, EMAIL, PASSWORD));
    sync_ok(keyring, &home);
    home
}

/// The faulted cache holds exactly what a fresh copy of the server's data holds.
fn assert_same_as(keyring: &KeyringSession, home: &Path, fresh: &Path) {
    assert_intact(keyring, home, "after healing");
    let (mine, theirs) = (snapshot(keyring, home), snapshot(keyring, fresh));
    assert_eq!(
        mine.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>(),
        "the faulted cache has the same tables as a fresh one"
    );
    for (table, rows) in &theirs {
        let got = &mine[table];
        if got != rows {
            let missing: Vec<_> = rows.iter().filter(|r| !got.contains(r)).take(3).collect();
            let extra: Vec<_> = got.iter().filter(|r| !rows.contains(r)).take(3).collect();
            panic!(
                "{table}: the faulted cache ({} rows) must equal the server's data as a fresh \
                 profile pulls it ({} rows); missing e.g. {missing:?}; extra e.g. {extra:?}",
                got.len(),
                rows.len()
            );
        }
    }
    assert!(
        theirs["tickets"].len() > 1,
        "the comparison covers the seeded tickets"
    );
}

/// Work queued offline: its mutation ids and the unique texts of its replies and notes.
#[derive(Default)]
struct Queued {
    ids: BTreeSet<String>,
    texts: BTreeSet<String>,
    /// Tag each queued AddTags adds, with its ticket.
    tags: Vec<(String, String)>,
}

/// Queues `n` actions on open tickets through the engine the CLI verbs use (no network
/// involved: an action is applied to the cache and queued in one transaction), without
/// paying a process start per action: replies, notes, tag additions and priority changes,
/// each reply and note with a text and each tag unique to it.
fn queue_work(keyring: &KeyringSession, home: &Path, n: usize, label: &str, queued: &mut Queued) {
    let client = desk_sync::Client::open_with_cache_key(
        desk_sync::Profile::at(home),
        "fault drill",
        cache_key(keyring, home),
    )
    .expect("open");
    let tickets = client.list_tickets(InboxView::Open, 40).unwrap();
    assert!(
        tickets.len() >= 5,
        "the seed has open tickets to work on ({})",
        tickets.len()
    );
    for i in 0..n {
        let ticket_id = tickets[i % tickets.len()].id.clone();
        let text = format!("{label}-{i} 已核实，请在钱包里确认 / verified, please confirm");
        let mutation = match i % 4 {
            0 => client.reply(&ticket_id, &text, false),
            1 => client.reply(&ticket_id, &text, true),
            2 => {
                let tag = format!("{label}-{i}").to_lowercase();
                queued.tags.push((ticket_id.clone(), tag.clone()));
                client.act(MutationOp::AddTags {
                    ticket_id,
                    tags: vec![tag],
                })
            }
            _ => client.act(MutationOp::SetPriority {
                ticket_id,
                priority: Priority::ALL[i % Priority::ALL.len()],
            }),
        }
        .expect("queue an action offline");
        if i % 4 < 2 {
            queued.texts.insert(text);
        }
        queued.ids.insert(mutation.id);
    }
}

/// How many times each queued text appears among the messages of a cache.
fn text_counts(keyring: &KeyringSession, home: &Path, queued: &Queued) -> BTreeMap<String, u64> {
    let conn = raw_cache(keyring, home);
    let mut counts: BTreeMap<String, u64> = queued.texts.iter().map(|t| (t.clone(), 0)).collect();
    let mut stmt = conn
        .prepare(
            "SELECT iif(body = '', body_text, json_extract(body, '$.body_text')) FROM messages",
        )
        .unwrap();
    let texts = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
    for text in texts {
        if let Some(n) = counts.get_mut(&text.unwrap()) {
            *n += 1;
        }
    }
    counts
}

/// Nothing lost, nothing doubled: each queued reply and note is on the server once (in a
/// fresh copy of its data), each tag added is there, the server answered each queued
/// mutation once and applied it (`audit` lists the server's `push.*` audit rows as
/// `(mutation id, action)`), and the profile's outbox is empty.
fn assert_exactly_once(
    keyring: &KeyringSession,
    fresh: &Path,
    home: &Path,
    queued: &Queued,
    audit: &[(String, String)],
) {
    for (text, n) in text_counts(keyring, fresh, queued) {
        assert_eq!(
            n, 1,
            "a queued message reaches the server exactly once: {text}"
        );
    }
    let conn = raw_cache(keyring, fresh);
    for (ticket_id, tag) in &queued.tags {
        let present: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM ticket_bodies b, json_each(b.body, '$.tags') j
                 WHERE b.id = ?1 AND j.value = ?2)",
                [ticket_id, tag],
                |r| r.get(0),
            )
            .unwrap();
        assert!(
            present,
            "a queued tag addition is applied: {tag} on {ticket_id}"
        );
    }
    let mut answers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, action) in audit {
        answers.entry(id).or_default().push(action);
    }
    for id in &queued.ids {
        assert_eq!(
            answers.get(id.as_str()).map(Vec::as_slice),
            Some(&["push.applied"][..]),
            "the server decided queued mutation {id} exactly once, and applied it"
        );
    }
    let outbox = ok_json(&desk(keyring, home, &["--json", "outbox"], ""));
    assert_eq!(
        outbox.as_array().map(Vec::len),
        Some(0),
        "every queued mutation was answered and left the outbox: {outbox}"
    );
}

/// The faults have healed: one more sync succeeds and drains the outbox; then nothing
/// was lost or doubled (`audit` reads the server's `push.*` audit rows) and the cache
/// equals a fresh copy of the server's data.
fn assert_healed(
    keyring: &KeyringSession,
    root: &Path,
    url: &str,
    home: &Path,
    queued: &Queued,
    audit: impl Fn() -> Vec<(String, String)>,
) {
    let report = sync_ok(keyring, home);
    assert_eq!(report["pending"], 0, "the outbox drained: {report}");
    settle_deliveries(keyring, home);
    let fresh = fresh_copy(keyring, root, url);
    assert_exactly_once(keyring, &fresh, home, queued, &audit());
    assert_same_as(keyring, home, &fresh);
}

/// Deliveries move on the server by themselves: its queue's worker, woken by each write,
/// settles the replies' deliveries a moment after they are pushed (here each fails at
/// once, no mailbox or bridge being configured; one a killed server was sending stays so
/// until its claim lapses, minutes later). Syncs until a sync a moment after the last
/// pulls nothing new, so a fresh copy taken next pulls the same states.
fn settle_deliveries(keyring: &KeyringSession, home: &Path) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let report = sync_ok(keyring, home);
        if report["changes"] == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server's data settles within seconds once nothing is pushed: {report}"
        );
    }
}

/// The `push.*` audit rows of a SQLite-backed server: one per decided mutation.
pub(crate) fn sqlite_audit(data_dir: &Path) -> Vec<(String, String)> {
    let conn = Connection::open_with_flags(
        data_dir.join("desk.sqlite3"),
        OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open the server's database");
    let mut stmt = conn
        .prepare(
            "SELECT json_extract(details, '$.mutation_id'), action FROM audit_log
             WHERE action LIKE 'push.%'",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}
