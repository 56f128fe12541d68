//! Full-text search against real SQLite files: Chinese and English queries, filters,
//! ranking, snippets, hostile input, and the background index following every change.

use desk_core::search::{
    HIGHLIGHT_END, HIGHLIGHT_START, MatchedIn, SearchFilters, SearchHit, SearchQuery,
};
use desk_core::wire::Change;
use desk_core::*;
use desk_store::Store;

const HASH: &str = "0x9f3c2a71be04d5e6c7a8b9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c";

// The shared builders of tests/store/main.rs, with the fields these cases search on.

fn customer(id: &str, name: &str, email: &str, handle: &str) -> Customer {
    let mut c = super::customer(id, name);
    c.emails = vec![email.into()];
    c.handles = vec![handle.into()];
    c.tier = CustomerTier::Standard;
    c.kyc_level = 1;
    c
}

fn wallet_tx(id: &str, customer_id: &str, hash: &str) -> WalletTransaction {
    let mut t = super::wallet_tx(id, customer_id, TxStatus::AwaitingCustomerConfirmation, 5);
    t.tx_hash = Some(hash.into());
    t
}

fn ticket(id: &str, customer_id: &str, subject: &str, status: TicketStatus, at: i64) -> Ticket {
    let mut t = super::ticket(id, 0, customer_id, status, None, at);
    t.number = None;
    t.subject = subject.into();
    t.category = Category::Other;
    t
}

fn message(id: &str, ticket_id: &str, text: &str, at: i64) -> Message {
    super::message(id, ticket_id, text, MessageKind::PublicReply, at)
}

/// A small desk in both languages, about the situations of DESIGN.md §1.
fn desk() -> Vec<Change> {
    let mut t1 = ticket("t1", "c1", "提币一直等待确认", TicketStatus::Open, 1_000);
    t1.priority = Priority::High;
    t1.linked_transaction_ids = vec!["w1".into()];
    let t2 = ticket("t2", "c1", "账户被锁", TicketStatus::Solved, 2_000);
    let mut t3 = ticket("t3", "c2", "Withdrawal pending", TicketStatus::Open, 3_000);
    t3.priority = Priority::Urgent;
    let mut t4 = ticket("t4", "c2", "Refund request", TicketStatus::Open, 4_000);
    t4.priority = Priority::Low;
    let mut t5 = ticket("t5", "c2", "Question", TicketStatus::Solved, 5_000);
    t5.priority = Priority::Urgent;
    vec![
        Change::Customer(customer(
            "c1",
            "王小明",
            "wang.xm@example.com",
            "telegram:@wangxm",
        )),
        Change::Customer(customer(
            "c2",
            "Alice Smith",
            "alice@example.org",
            "wechat:alice_s",
        )),
        Change::WalletTransaction(wallet_tx("w1", "c1", HASH)),
        Change::Ticket(t1),
        Change::Ticket(t2),
        Change::Ticket(t3),
        Change::Ticket(t4),
        Change::Ticket(t5),
        Change::Message(message(
            "m1",
            "t1",
            "我的USDT提币一直显示等待确认，已经两个小时了",
            1_000,
        )),
        Change::Message(message("m2", "t2", "我的账户被锁了，无法登录", 2_000)),
        Change::Message(message(
            "m3",
            "t3",
            "My funds not arrived after the withdrawal yesterday",
            3_000,
        )),
        Change::Message(message("m4", "t4", "退款什么时候到账？交易未确认", 4_000)),
        Change::Message(message(
            "m5",
            "t5",
            "The funds arrived but not in full",
            5_000,
        )),
    ]
}

fn open_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("c.sqlite3")).unwrap();
    (dir, store)
}

fn index_all(store: &mut Store) {
    while store.index_pending(3).unwrap() > 0 {}
    assert_eq!(
        store.index_backlog().unwrap(),
        0,
        "indexing drains the queue"
    );
}

fn indexed_desk() -> (tempfile::TempDir, Store) {
    let (dir, mut store) = open_store();
    store.apply_pull_page(&desk(), "1").unwrap();
    index_all(&mut store);
    (dir, store)
}

fn query(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.into(),
        filters: SearchFilters::default(),
        limit: 50,
    }
}

fn search(store: &Store, text: &str) -> Vec<SearchHit> {
    store.search(&query(text)).unwrap()
}

fn ids(hits: &[SearchHit]) -> Vec<&str> {
    hits.iter().map(|h| h.ticket.id.as_str()).collect()
}

fn sorted_ids(store: &Store, text: &str) -> Vec<String> {
    let mut v: Vec<String> = search(store, text)
        .into_iter()
        .map(|h| h.ticket.id)
        .collect();
    v.sort();
    v
}

#[test]
fn chinese_queries_of_one_two_and_more_chars_find_their_tickets() {
    let (_dir, store) = indexed_desk();
    assert_eq!(
        sorted_ids(&store, "确认"),
        ["t1", "t4"],
        "a 2-char query uses the gram index and finds every ticket containing it"
    );
    assert_eq!(
        sorted_ids(&store, "锁"),
        ["t2"],
        "a 1-char query finds the locked account"
    );
    assert_eq!(
        sorted_ids(&store, "退款"),
        ["t4"],
        "退款 is in one message only"
    );
    assert_eq!(
        sorted_ids(&store, "等待确认"),
        ["t1"],
        "4 chars go to the trigram index and must appear verbatim"
    );
    assert_eq!(
        sorted_ids(&store, "交易未确认"),
        ["t4"],
        "5 chars: only the ticket with that exact phrase"
    );
    assert_eq!(
        sorted_ids(&store, "认退"),
        Vec::<String>::new(),
        "a bigram that never touches in any text must not match (no cross-word pairs)"
    );
    assert_eq!(
        sorted_ids(&store, "USDT 确认"),
        ["t1"],
        "English and Chinese terms in one box combine with AND"
    );
}

#[test]
fn english_words_prefixes_and_phrases() {
    let (_dir, store) = indexed_desk();
    assert_eq!(
        sorted_ids(&store, "withdrawal"),
        ["t3"],
        "a word finds subject and body"
    );
    assert_eq!(
        sorted_ids(&store, "WITHDR*"),
        ["t3"],
        "a prefix, case-insensitively"
    );
    assert_eq!(
        sorted_ids(&store, "\"funds not arrived\""),
        ["t3"],
        "a phrase needs its words in order: t5 has them scattered"
    );
    assert_eq!(
        sorted_ids(&store, "funds arrived"),
        ["t3", "t5"],
        "bare words match in any order"
    );
    assert!(
        search(&store, "to an").is_empty(),
        "1–2 letter English words are skipped, and a query of nothing else finds nothing"
    );
    assert!(
        search(&store, "").is_empty(),
        "an empty query finds nothing"
    );
}

#[test]
fn tx_hash_email_name_and_handle_find_the_customers_tickets() {
    let (_dir, store) = indexed_desk();
    let hits = search(&store, HASH);
    assert_eq!(
        ids(&hits),
        ["t1", "t2"],
        "the ticket linked to the transaction first, then its customer's other ticket"
    );
    assert_eq!(
        hits[0].matched_in,
        MatchedIn::Transaction,
        "a hash hit says it matched a transaction"
    );
    assert!(
        search(&store, &HASH[10..40])
            .iter()
            .any(|h| h.ticket.id == "t1"),
        "part of a hash finds it too"
    );
    assert_eq!(
        sorted_ids(&store, "alice@example.org"),
        ["t3", "t4", "t5"],
        "an email finds every ticket of its customer"
    );
    assert!(
        search(&store, "alice@example.org")
            .iter()
            .all(|h| h.matched_in == MatchedIn::Customer),
        "and says it matched the customer"
    );
    assert_eq!(sorted_ids(&store, "王小明"), ["t1", "t2"], "a Chinese name");
    assert_eq!(
        sorted_ids(&store, "telegram:@wangxm"),
        ["t1", "t2"],
        "a messenger handle"
    );
}

#[test]
fn filters_combine_with_search() {
    let (_dir, store) = indexed_desk();
    let mut q = query("funds");
    assert_eq!(
        ids(&store.search(&q).unwrap()).len(),
        2,
        "funds is in t3 and t5"
    );
    q.filters = SearchFilters {
        open_only: true,
        priorities: vec![Priority::Urgent],
        ..Default::default()
    };
    assert_eq!(
        ids(&store.search(&q).unwrap()),
        ["t3"],
        "t5 is urgent but solved: open-only and priority must both hold"
    );
    q.filters = SearchFilters {
        statuses: vec![TicketStatus::Solved],
        customer_id: Some("c2".into()),
        ..Default::default()
    };
    assert_eq!(
        ids(&store.search(&q).unwrap()),
        ["t5"],
        "status and customer filters"
    );
    let mut q = query("王小明");
    q.filters.open_only = true;
    assert_eq!(
        ids(&store.search(&q).unwrap()),
        ["t1"],
        "a customer match expands only to tickets passing the filters"
    );
}

#[test]
fn a_subject_match_outranks_a_newer_body_match() {
    let (_dir, mut store) = open_store();
    store
        .apply_pull_page(
            &[
                Change::Customer(customer("c", "Bob", "bob@example.com", "")),
                Change::Ticket(ticket(
                    "old",
                    "c",
                    "Refund not received",
                    TicketStatus::Open,
                    100,
                )),
                Change::Ticket(ticket("new", "c", "Hello", TicketStatus::Open, 900)),
                Change::Message(message("m", "new", "also asking about a refund", 900)),
                Change::Ticket(ticket("newer", "c", "Hi", TicketStatus::Open, 950)),
                Change::Message(message("n", "newer", "refund please", 950)),
            ],
            "1",
        )
        .unwrap();
    index_all(&mut store);
    let hits = search(&store, "refund");
    assert_eq!(
        ids(&hits),
        ["old", "newer", "new"],
        "the subject match leads although older; body matches follow newest first"
    );
    assert_eq!(
        hits[0].matched_in,
        MatchedIn::Subject,
        "the leader matched in its subject"
    );
    assert_eq!(
        hits[1].matched_in,
        MatchedIn::Message,
        "the others in a message"
    );

    assert_eq!(
        ids(&search(&store, "refund please")),
        ["newer"],
        "all words must match in one document: the subject lacks 'please'"
    );
}

#[test]
fn snippets_wrap_matches_in_private_use_markers() {
    let (_dir, store) = indexed_desk();
    let hits = search(&store, "等待确认");
    let t1 = hits.iter().find(|h| h.ticket.id == "t1").unwrap();
    let marked = format!("{HIGHLIGHT_START}等待确认{HIGHLIGHT_END}");
    assert!(
        t1.snippet.contains(&marked),
        "the hit is wrapped in U+E000/U+E001 so the UI can render it as text: {:?}",
        t1.snippet
    );
    assert_eq!(
        t1.matched_in,
        MatchedIn::Subject,
        "the subject says it first"
    );
    let hits = search(&store, "withdr*");
    assert!(
        hits[0]
            .snippet
            .contains(&format!("{HIGHLIGHT_START}Withdr{HIGHLIGHT_END}")),
        "case of the original text is kept inside the highlight: {:?}",
        hits[0].snippet
    );
}

#[test]
fn the_index_follows_edits_and_deletes() {
    let (_dir, mut store) = indexed_desk();
    // A message re-delivered with a new text, and a subject renamed.
    store
        .apply_pull_page(
            &[
                Change::Message(message("m2", "t2", "密码已经重置", 2_000)),
                Change::Ticket(ticket(
                    "t3",
                    "c2",
                    "Deposit missing",
                    TicketStatus::Open,
                    3_000,
                )),
            ],
            "2",
        )
        .unwrap();
    assert_eq!(
        sorted_ids(&store, "无法登录"),
        Vec::<String>::new(),
        "even before re-indexing, the old text no longer finds the ticket (hits are checked \
         against the live record)"
    );
    assert!(store.index_backlog().unwrap() >= 2, "both changes queued");
    index_all(&mut store);
    assert_eq!(sorted_ids(&store, "密码"), ["t2"], "the new text is found");
    assert_eq!(
        sorted_ids(&store, "锁"),
        ["t2"],
        "the subject 账户被锁 still is"
    );
    assert_eq!(
        sorted_ids(&store, "Deposit"),
        ["t3"],
        "the renamed subject is found"
    );
    assert_eq!(
        sorted_ids(&store, "pending"),
        Vec::<String>::new(),
        "the old subject is gone"
    );

    store.clear().unwrap();
    for q in [
        "确认",
        "funds",
        HASH,
        "alice@example.org",
        "Deposit",
        "王小明",
    ] {
        assert!(
            search(&store, q).is_empty(),
            "a cleared cache must leave no stale hit for {q:?}, before indexing"
        );
    }
    index_all(&mut store);
    assert!(
        search(&store, "确认").is_empty(),
        "nor after the queued deletions are indexed"
    );

    // The same account's data coming back is searchable again.
    store.apply_pull_page(&desk(), "1").unwrap();
    index_all(&mut store);
    assert_eq!(
        sorted_ids(&store, "确认"),
        ["t1", "t4"],
        "re-bootstrap re-indexes"
    );
}

#[test]
fn indexing_is_incremental_idempotent_and_search_works_meanwhile() {
    let (_dir, mut store) = open_store();
    store.apply_pull_page(&desk(), "1").unwrap();
    // The bootstrap's secondary indexes come first; the counts below are search's.
    while store.build_next_deferred_index().unwrap() {}
    let queued = store.index_backlog().unwrap();
    assert_eq!(
        queued,
        2 + 1 + 5 + 5,
        "the bulk apply only queued: customers, transaction, subjects, messages"
    );
    assert!(
        search(&store, "确认").is_empty(),
        "nothing is searchable before indexing"
    );

    assert_eq!(
        store.index_pending(4).unwrap(),
        4,
        "a batch does at most max"
    );
    assert_eq!(
        store.index_backlog().unwrap(),
        queued - 4,
        "the backlog reports the rest"
    );
    // Newest queued first: the last messages of the page (m2..m5) are indexed already.
    assert_eq!(
        sorted_ids(&store, "退款"),
        ["t4"],
        "what is indexed is searchable while the rest waits"
    );

    index_all(&mut store);
    assert_eq!(store.index_pending(100).unwrap(), 0, "0 means caught up");
    let before: Vec<_> = search(&store, "确认");

    store.apply_pull_page(&desk(), "1").unwrap();
    assert_eq!(
        store.index_backlog().unwrap(),
        0,
        "re-applying identical records queues nothing (status-only upserts do not re-index)"
    );
    let mut t1 = ticket("t1", "c1", "提币一直等待确认", TicketStatus::OnHold, 1_000);
    t1.linked_transaction_ids = vec!["w1".into()];
    store.apply_pull_page(&[Change::Ticket(t1)], "2").unwrap();
    assert_eq!(
        store.index_backlog().unwrap(),
        0,
        "a status change leaves the subject and its index alone"
    );
    // Forcing a re-index of everything changes no answer.
    store
        .apply_pull_page(&[Change::Message(message("m1", "t1", "x", 1))], "3")
        .unwrap();
    store
        .apply_pull_page(
            &[Change::Message(message(
                "m1",
                "t1",
                "我的USDT提币一直显示等待确认，已经两个小时了",
                1_000,
            ))],
            "4",
        )
        .unwrap();
    index_all(&mut store);
    index_all(&mut store);
    assert_eq!(
        ids(&search(&store, "确认")),
        ids(&before),
        "indexing a record twice duplicates nothing"
    );
}

#[test]
fn a_bootstrap_marks_its_records_for_search_and_later_changes_go_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite3");
    let mut store = Store::open(&path).unwrap();
    // A bootstrap of two pages: a bulk load, its end marks every record for search.
    let page = desk();
    let (first, second) = page.split_at(6);
    store.apply_page(first, "1", true).unwrap();
    store.apply_page(second, "2", false).unwrap();
    while store.build_next_deferred_index().unwrap() {}
    let raw = rusqlite::Connection::open(&path).unwrap();
    let queued: i64 = raw
        .query_row("SELECT count(*) FROM search_pending", [], |r| r.get(0))
        .unwrap();
    assert_eq!(queued, 0, "a bootstrap queues no row per record");
    assert_eq!(
        store.index_backlog().unwrap(),
        13,
        "yet the backlog counts them all"
    );

    // After the bootstrap: a subject renamed (queued by its trigger, so taken before the
    // marks), a message deleted with its ticket before it was ever indexed.
    let renamed = ticket(
        "t3",
        "c2",
        "Withdrawal stuck 提币卡住",
        TicketStatus::Open,
        3_000,
    );
    let mut gone = ticket("t5", "c2", "Question", TicketStatus::Solved, 5_000);
    gone.deleted_at = Some(6_000);
    store.apply_pull_page(&[Change::Ticket(gone)], "3").unwrap();
    store
        .apply_pull_page(&[Change::Ticket(renamed)], "4")
        .unwrap();
    assert!(store.index_backlog().unwrap() >= 13);
    assert_eq!(
        store.index_pending(1).unwrap(),
        1,
        "a batch does at most max"
    );
    assert_eq!(
        sorted_ids(&store, "卡住"),
        ["t3"],
        "what changed after the bootstrap is searchable first"
    );
    index_all(&mut store);
    assert_eq!(store.index_pending(100).unwrap(), 0, "0 means caught up");
    let marks: i64 = raw
        .query_row("SELECT count(*) FROM search_backfill", [], |r| r.get(0))
        .unwrap();
    assert_eq!(marks, 0, "the marks are gone once every record is indexed");
    assert_eq!(sorted_ids(&store, "确认"), ["t1", "t4"]);
    assert_eq!(
        sorted_ids(&store, "Withdrawal"),
        ["t3"],
        "indexed once, renamed"
    );
    assert!(
        sorted_ids(&store, "arrived but").is_empty(),
        "a message deleted before it was indexed is never found"
    );
    assert_eq!(sorted_ids(&store, "王小明"), ["t1", "t2"], "customers last");
}

#[test]
fn the_index_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite3");
    {
        let mut store = Store::open(&path).unwrap();
        store.apply_pull_page(&desk(), "1").unwrap();
        while store.build_next_deferred_index().unwrap() {}
        store.index_pending(5).unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    assert_eq!(
        store.index_backlog().unwrap(),
        13 - 5,
        "the queue is durable: a restart resumes indexing where it stopped"
    );
    index_all(&mut store);
    assert_eq!(
        sorted_ids(&store, "确认"),
        ["t1", "t4"],
        "what was indexed before the restart and after it is all found"
    );
}

mod hostile;
mod kb;
mod props;
mod suggest;
mod timing;
