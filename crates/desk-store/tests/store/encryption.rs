//! The encrypted cache (DESIGN.md §7) on real files: what a customer wrote is nowhere in
//! the file or its WAL, only the key opens it, a wrong key is told apart and damages
//! nothing, and a cache written before encryption is encrypted in place with its queued
//! work intact.

use desk_core::{MutationOp, Role};
use desk_store::{CacheFile, CacheKey, Store, inspect_cache_file};

use crate::sample;

/// Every file of a cache (database, WAL, shared memory, rollback journal), concatenated.
fn bytes_on_disk(path: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        if let Ok(b) = std::fs::read(&p) {
            all.extend(b);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// What a customer wrote, as `sample()` holds it: a name and a message.
const CUSTOMER_TEXT: [&str; 2] = ["王小明", "我的转账一直显示等待确认"];

fn me() -> desk_core::Agent {
    desk_core::Agent {
        id: "me".into(),
        name: "Me".into(),
        email: "me@desk.test".into(),
        role: Role::Agent,
        languages: vec![],
        groups: Vec::new(),
    }
}

fn queue_a_note(store: &mut Store) -> String {
    let mut n = 0;
    store
        .apply_local(
            &me(),
            MutationOp::Note {
                ticket_id: "t1".into(),
                message_id: "note-1".into(),
                body_text: "客户已核实身份".into(),
            },
            1_000,
            || {
                n += 1;
                format!("id-{n}")
            },
        )
        .unwrap()
        .id
}

#[test]
fn nothing_a_customer_wrote_is_readable_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite3");
    let key = CacheKey::generate();
    let mut store = Store::open_encrypted(&path, &key).unwrap();
    store.apply_pull_page(&sample(), "1.9").unwrap();
    // Still open: the WAL holds the latest pages, and it must be encrypted too.
    let disk = bytes_on_disk(&path);
    assert!(disk.len() > 4096, "the cache was written");
    for text in CUSTOMER_TEXT {
        assert!(
            !contains(&disk, text),
            "{text} is readable in the cache files"
        );
    }
    assert!(
        !contains(&disk, "SQLite format 3"),
        "not a plain SQLite file"
    );
    assert!(
        !contains(&disk, &key.to_hex()),
        "the key is not in the file"
    );
    drop(store);

    assert_eq!(inspect_cache_file(&path).unwrap(), CacheFile::Encrypted);
    let store = Store::open_encrypted(&path, &key).unwrap();
    assert_eq!(store.ticket_count().unwrap(), 4, "the key opens it again");
    drop(store);
    let plain = rusqlite::Connection::open(&path).unwrap();
    let read = plain.query_row("SELECT count(*) FROM tickets", [], |r| r.get::<_, i64>(0));
    assert!(read.is_err(), "without the key SQLite cannot read it");
}

#[test]
fn a_wrong_key_is_told_apart_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite3");
    let key = CacheKey::generate();
    {
        let mut store = Store::open_encrypted(&path, &key).unwrap();
        store.apply_pull_page(&sample(), "1.9").unwrap();
    }
    let before = bytes_on_disk(&path);
    let err = Store::open_encrypted(&path, &CacheKey::generate())
        .err()
        .expect("another key must not open it");
    assert!(matches!(err, desk_store::Error::WrongKey(_)), "{err}");
    assert_eq!(bytes_on_disk(&path), before, "the file is untouched");
    let err = Store::open(&path).err().expect("no key must not open it");
    assert!(
        matches!(err, desk_store::Error::Sqlite(_)),
        "an unkeyed open fails: {err}"
    );
    assert_eq!(
        Store::open_encrypted(&path, &key)
            .unwrap()
            .ticket_count()
            .unwrap(),
        4
    );
}

#[test]
fn a_plaintext_cache_is_encrypted_in_place_keeping_queued_work() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite3");
    let queued = {
        let mut store = Store::open(&path).unwrap();
        store.apply_pull_page(&sample(), "1.9").unwrap();
        queue_a_note(&mut store)
    };
    assert_eq!(inspect_cache_file(&path).unwrap(), CacheFile::Plaintext);
    let key = CacheKey::generate();
    {
        let store = Store::open_encrypted(&path, &key).unwrap();
        assert_eq!(store.ticket_count().unwrap(), 4, "every record is kept");
        assert_eq!(store.cursor().unwrap().as_deref(), Some("1.9"));
        let outbox = store.outbox().unwrap();
        assert_eq!(
            outbox
                .iter()
                .map(|e| e.mutation.id.as_str())
                .collect::<Vec<_>>(),
            [queued.as_str()],
            "the queued note survives"
        );
    }
    assert_eq!(inspect_cache_file(&path).unwrap(), CacheFile::Encrypted);
    let disk = bytes_on_disk(&path);
    for text in CUSTOMER_TEXT.iter().chain(&["客户已核实身份"]) {
        assert!(
            !contains(&disk, text),
            "{text} is still readable after encryption"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("encrypting"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary copy is left: {leftovers:?}"
    );
    // Reopened, the schema is current: nothing migrates twice.
    let store = Store::open_encrypted(&path, &key).unwrap();
    assert_eq!(store.outbox().unwrap().len(), 1);
}

#[test]
fn a_cache_key_never_prints_and_round_trips_as_hex() {
    let key = CacheKey::generate();
    let hex = key.to_hex();
    assert_eq!(hex.len(), 64);
    assert!(
        !format!("{key:?}").contains(&hex[..8]),
        "Debug hides the key"
    );
    assert_eq!(CacheKey::from_hex(&hex), Some(key.clone()));
    assert_ne!(CacheKey::generate(), key, "keys are random");
    for bad in ["", "zz", &hex[..62], &format!("{hex}00"), &"é".repeat(32)] {
        assert_eq!(CacheKey::from_hex(bad), None, "{bad:?} is not a key");
    }
}
