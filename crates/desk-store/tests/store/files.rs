//! File bytes in the cache (DESIGN.md §11): a reply's files are queued with it in one
//! transaction and kept until the server holds them, fetched files open offline, and
//! files leave with their conversations but never while queued work names them. On real
//! SQLCipher files.

use std::sync::atomic::{AtomicU64, Ordering};

use desk_core::attachment::describe;
use desk_core::wire::{Change, LeftScope};
use desk_core::*;
use desk_store::{CacheKey, Error, Store};

use crate::{agent, message, ticket};

fn new_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("f-{:06}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// What the customer's screenshot and the agent's guide hold: text no page of an
/// encrypted cache may show.
const GUIDE: &[u8] =
    "确认步骤：打开钱包，点击待确认交易，核对地址后确认。GUIDE-MARKER-7f3a".as_bytes();
const SCREENSHOT: &[u8] = b"\x89PNG\r\n\x1a\n screenshot of the pending withdrawal";

/// An encrypted cache holding t1 (open) and t2 (closed long ago), each with a customer
/// message, t2's carrying the screenshot.
fn seeded(dir: &std::path::Path) -> (Store, CacheKey) {
    let key = CacheKey::generate();
    let mut store = Store::open_encrypted(dir.join("cache.sqlite3"), &key).unwrap();
    let mut with_file = message("m2", "t2", "截图在附件", MessageKind::PublicReply, 50);
    with_file.attachments = vec![describe("提币截图.png", SCREENSHOT)];
    store
        .apply_pull_page(
            &[
                Change::Agent(agent("me")),
                Change::Customer(crate::customer("c1", "王小明")),
                Change::Ticket(ticket("t1", 1, "c1", TicketStatus::Open, None, 100)),
                Change::Ticket(ticket("t2", 2, "c1", TicketStatus::Closed, None, 50)),
                Change::Message(message(
                    "m1",
                    "t1",
                    "转账一直等待确认",
                    MessageKind::PublicReply,
                    100,
                )),
                Change::Message(with_file),
            ],
            "c1",
        )
        .unwrap();
    (store, key)
}

fn reply_op(ticket_id: &str, files: &[Attachment]) -> MutationOp {
    MutationOp::Reply {
        ticket_id: ticket_id.into(),
        message_id: new_id(),
        body_text: "请按附件里的步骤确认".into(),
        last_seen_message_id: None,
        attachments: files.to_vec(),
    }
}

fn reply_with(
    store: &mut Store,
    ticket_id: &str,
    files: &[(&str, &[u8])],
) -> Result<Mutation, Error> {
    let described: Vec<Attachment> = files.iter().map(|(n, b)| describe(n, b)).collect();
    let bytes: Vec<&[u8]> = files.iter().map(|(_, b)| *b).collect();
    store.apply_local_with_files(
        &agent("me"),
        reply_op(ticket_id, &described),
        &bytes,
        1_000,
        new_id,
    )
}

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

#[test]
fn a_reply_and_its_files_are_queued_together_and_survive_a_restart_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, key) = seeded(dir.path());
    let m = reply_with(&mut store, "t1", &[("确认步骤.txt", GUIDE)]).unwrap();
    let sha = address(GUIDE);

    let disk = bytes_on_disk(&dir.path().join("cache.sqlite3"));
    assert!(
        !disk
            .windows(b"GUIDE-MARKER-7f3a".len())
            .any(|w| w == b"GUIDE-MARKER-7f3a"),
        "an attached file is as encrypted on disk as the rest of the cache"
    );
    drop(store);

    let store = Store::open_encrypted(dir.path().join("cache.sqlite3"), &key).unwrap();
    assert_eq!(
        store.file(&sha).unwrap().as_deref(),
        Some(GUIDE),
        "a queued reply's file survives a restart, byte for byte"
    );
    assert_eq!(
        store.file_pending_upload(&sha).unwrap(),
        Some(true),
        "the server does not hold it yet"
    );
    let to_upload = store.files_to_upload("me").unwrap();
    assert_eq!(
        to_upload.len(),
        1,
        "the one file waits for upload: {to_upload:?}"
    );
    assert_eq!(to_upload[0].mutation_id, m.id, "named with its reply");
    assert_eq!(to_upload[0].attachment.file_name, "确认步骤.txt");
    assert!(
        store.files_to_upload("someone-else").unwrap().is_empty(),
        "another agent's sync does not upload this agent's files"
    );
    let shown = store.ticket_detail("t1").unwrap();
    let unsent = shown
        .messages
        .iter()
        .find(|v| v.message.id == m.op.message_id().unwrap())
        .expect("the unsent reply is in the conversation");
    assert_eq!(
        unsent.message.attachments,
        vec![describe("确认步骤.txt", GUIDE)],
        "the unsent reply shows the file it carries"
    );
}

#[test]
fn refused_replies_and_mismatched_bytes_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _key) = seeded(dir.path());
    let guide = describe("guide.txt", GUIDE);

    // Bytes that are not the file the attachment names.
    let err = store
        .apply_local_with_files(
            &agent("me"),
            reply_op("t1", std::slice::from_ref(&guide)),
            &[b"other bytes".as_slice()],
            1_000,
            new_id,
        )
        .unwrap_err();
    assert!(matches!(err, Error::BadFile(_)), "{err}");

    // An attachment with no bytes and none cached.
    let err = store
        .apply_local_with_files(
            &agent("me"),
            reply_op("t1", std::slice::from_ref(&guide)),
            &[],
            1_000,
            new_id,
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::BadFile(_)),
        "a reply cannot promise a file it cannot upload: {err}"
    );

    // Files on a note.
    let err = store
        .apply_local_with_files(
            &agent("me"),
            MutationOp::Note {
                ticket_id: "t1".into(),
                message_id: new_id(),
                body_text: "内部备注".into(),
            },
            &[GUIDE],
            1_000,
            new_id,
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::BadFile(_)),
        "notes carry no files: {err}"
    );

    // A reply the rules refuse (it asks for the recovery phrase): its file is not kept.
    let err = store
        .apply_local_with_files(
            &agent("me"),
            MutationOp::Reply {
                ticket_id: "t1".into(),
                message_id: new_id(),
                body_text: "请把助记词发给我们核实".into(),
                last_seen_message_id: None,
                attachments: vec![guide.clone()],
            },
            &[GUIDE],
            1_000,
            new_id,
        )
        .unwrap_err();
    assert!(matches!(err, Error::Refused(_)), "{err}");

    assert!(
        store.outbox().unwrap().is_empty(),
        "no refused reply was queued"
    );
    assert_eq!(
        store.file(&guide.sha256).unwrap(),
        None,
        "no refused reply left its file behind"
    );
    assert_eq!(store.file_counts().unwrap(), (0, 0));
}

#[test]
fn uploaded_files_stay_with_the_sent_reply_until_its_conversation_goes() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _key) = seeded(dir.path());
    let m = reply_with(&mut store, "t1", &[("guide.txt", GUIDE)]).unwrap();
    let sha = address(GUIDE);

    store.mark_uploaded(&sha).unwrap();
    assert!(
        store.files_to_upload("me").unwrap().is_empty(),
        "an uploaded file is not uploaded again"
    );
    assert!(store.acknowledge(&m.id, &MutationResult::Applied).unwrap());
    assert_eq!(
        store.file(&sha).unwrap().as_deref(),
        Some(GUIDE),
        "the sent reply's file still opens offline"
    );

    // The ticket leaves the agent's scope: its conversation and its files go.
    store
        .apply_pull_page(&[Change::LeftScope(LeftScope::new("t1", None))], "c2")
        .unwrap();
    assert_eq!(
        store.file(&sha).unwrap(),
        None,
        "a conversation out of scope takes its files with it"
    );
}

#[test]
fn a_file_named_by_queued_work_outlives_scope_and_clear_but_not_a_wipe() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _key) = seeded(dir.path());
    reply_with(&mut store, "t1", &[("guide.txt", GUIDE)]).unwrap();
    let sha = address(GUIDE);

    store
        .apply_pull_page(&[Change::LeftScope(LeftScope::new("t1", None))], "c2")
        .unwrap();
    assert!(
        store.file(&sha).unwrap().is_some(),
        "the queued reply still needs its file after the ticket left scope"
    );
    store.clear().unwrap();
    assert!(
        store.file(&sha).unwrap().is_some(),
        "a re-bootstrap keeps queued work, so it keeps the work's files"
    );
    assert_eq!(
        store.files_to_upload("me").unwrap().len(),
        1,
        "and it still waits for upload"
    );
    store.clear_all_including_outbox().unwrap();
    assert_eq!(
        store.file_counts().unwrap(),
        (0, 0),
        "sign-out with wipe leaves no file behind"
    );
}

#[test]
fn fetched_files_are_checked_kept_and_evicted_with_their_conversation() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _key) = seeded(dir.path());
    let sha = address(SCREENSHOT);

    let err = store
        .keep_fetched_file(&sha, b"not the screenshot", Some("t2"), 2_000)
        .unwrap_err();
    assert!(
        matches!(err, Error::BadFile(_)),
        "a file is never cached under another's address: {err}"
    );
    assert_eq!(store.file(&sha).unwrap(), None);

    // Without a ticket, the conversations carrying it are found.
    store
        .keep_fetched_file(&sha, SCREENSHOT, None, 2_000)
        .unwrap();
    assert_eq!(store.file(&sha).unwrap().as_deref(), Some(SCREENSHOT));
    assert_eq!(
        store.file_pending_upload(&sha).unwrap(),
        Some(false),
        "a fetched file is the server's already"
    );

    // t2 (closed at 50) is evicted: its only message stays, its file goes.
    let evicted = store.evict_closed_older_than(1_000, 3_000).unwrap();
    assert_eq!(evicted, 1, "the old closed conversation is evicted");
    assert_eq!(
        store.file(&sha).unwrap(),
        None,
        "the file of an evicted conversation was found through its message and dropped"
    );
}

#[test]
fn a_discarded_reply_takes_the_files_only_it_brought() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _key) = seeded(dir.path());
    let screenshot = address(SCREENSHOT);
    // The agent opened the customer's screenshot on t2, then forwards it with a guide on t1.
    store
        .keep_fetched_file(&screenshot, SCREENSHOT, Some("t2"), 2_000)
        .unwrap();
    let m = reply_with(
        &mut store,
        "t1",
        &[("guide.txt", GUIDE), ("提币截图.png", SCREENSHOT)],
    )
    .unwrap();
    assert_eq!(
        store
            .files_to_upload("me")
            .unwrap()
            .iter()
            .map(|f| f.attachment.sha256.clone())
            .collect::<Vec<_>>(),
        [address(GUIDE)],
        "a file the server already holds is not uploaded again"
    );

    let refused = MutationResult::Rejected {
        code: ErrorCode::NotFound,
        reason: "the ticket was deleted".into(),
    };
    assert!(store.acknowledge(&m.id, &refused).unwrap());
    assert!(
        store.file(&address(GUIDE)).unwrap().is_some(),
        "a rejected reply stays for the agent to read, with its files"
    );
    store.discard(&m.id).unwrap();
    assert_eq!(
        store.file(&address(GUIDE)).unwrap(),
        None,
        "the guide was only ever this reply's"
    );
    assert_eq!(
        store.file(&screenshot).unwrap().as_deref(),
        Some(SCREENSHOT),
        "the screenshot is still the customer's message's on t2"
    );
}

fn address(bytes: &[u8]) -> String {
    desk_core::attachment::address(bytes)
}
