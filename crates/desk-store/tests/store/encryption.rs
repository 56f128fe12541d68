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
        skills: vec![],
        capacity: None,
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

/// A random key does not open the cache at `path`: `WrongKey`, and not a byte changed.
fn another_key_is_refused_untouched(path: &std::path::Path) {
    let before = bytes_on_disk(path);
    let err = Store::open_encrypted(path, &CacheKey::generate())
        .err()
        .expect("another key must not open it");
    assert!(matches!(err, desk_store::Error::WrongKey(_)), "{err}");
    assert_eq!(bytes_on_disk(path), before, "the file is untouched");
}

fn outbox_ids(store: &Store) -> Vec<String> {
    let outbox = store.outbox().unwrap();
    outbox.into_iter().map(|e| e.mutation.id).collect()
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
    another_key_is_refused_untouched(&path);
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
        assert_eq!(
            outbox_ids(&store),
            std::slice::from_ref(&queued),
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
    drop(store);
    assert_eq!(
        raw_ticket_count(&path, &key, "HMAC_SHA256").unwrap(),
        4,
        "encrypted in the current format"
    );
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

/// Opens `path` raw with `key`, checking pages with `hmac` (SQLCipher's pragma value), and
/// counts its tickets: what only a connection in the cache's own format can read.
fn raw_ticket_count(path: &std::path::Path, key: &CacheKey, hmac: &str) -> rusqlite::Result<i64> {
    let conn = rusqlite::Connection::open(path)?;
    // A failed page check is the answer sought, not news for stderr.
    let _ = conn.pragma_update(None, "cipher_log_level", "NONE");
    conn.pragma_update(None, "key", format!("x'{}'", key.to_hex()))?;
    conn.pragma_update(None, "cipher_page_size", 4096)?;
    conn.pragma_update(None, "cipher_hmac_algorithm", hmac)?;
    conn.query_row("SELECT count(*) FROM tickets", [], |r| r.get(0))
}

#[test]
fn a_new_cache_checks_its_pages_with_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite3");
    let key = CacheKey::generate();
    Store::open_encrypted(&path, &key)
        .unwrap()
        .apply_pull_page(&sample(), "1.9")
        .unwrap();
    assert_eq!(raw_ticket_count(&path, &key, "HMAC_SHA256").unwrap(), 4);
    assert!(
        raw_ticket_count(&path, &key, "HMAC_SHA512").is_err(),
        "SQLCipher's default format does not read it"
    );
}

/// A cache made before the SHA-256 page check (SQLCipher 4's defaults, SHA-512) opens with
/// its rows and its queued work, and still refuses another key untouched.
#[test]
fn a_cache_checked_with_sha512_still_opens_with_its_queued_work() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.sqlite3");
    let path = dir.path().join("c.sqlite3");
    let queued = {
        let mut store = Store::open(&plain).unwrap();
        store.apply_pull_page(&sample(), "1.9").unwrap();
        queue_a_note(&mut store)
    };
    let key = CacheKey::generate();
    {
        // What the encryption of a plaintext cache wrote before: SQLCipher's defaults.
        let conn = rusqlite::Connection::open(&plain).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        conn.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            [
                path.to_str().unwrap(),
                format!("x'{}'", key.to_hex()).as_str(),
            ],
        )
        .unwrap();
        conn.pragma_update(Some("encrypted"), "cipher_page_size", 4096)
            .unwrap();
        conn.pragma_update(Some("encrypted"), "cipher_hmac_algorithm", "HMAC_SHA512")
            .unwrap();
        conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))
            .unwrap();
        conn.pragma_update(Some("encrypted"), "user_version", version)
            .unwrap();
    }
    assert_eq!(raw_ticket_count(&path, &key, "HMAC_SHA512").unwrap(), 4);

    another_key_is_refused_untouched(&path);

    let mut store = Store::open_encrypted(&path, &key).unwrap();
    assert_eq!(store.ticket_count().unwrap(), 4, "every record is kept");
    assert_eq!(
        outbox_ids(&store),
        std::slice::from_ref(&queued),
        "the queued note survives"
    );
    // It keeps working in its own format: a write, then a reopen.
    store.apply_pull_page(&sample(), "2.0").unwrap();
    drop(store);
    assert_eq!(
        Store::open_encrypted(&path, &key)
            .unwrap()
            .cursor()
            .unwrap()
            .as_deref(),
        Some("2.0")
    );
    assert_eq!(raw_ticket_count(&path, &key, "HMAC_SHA512").unwrap(), 4);
}
