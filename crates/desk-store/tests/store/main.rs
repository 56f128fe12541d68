//! desk-store against real SQLite files.

mod catalog;
mod deliveries;
mod encryption;
mod files;
mod local;
mod search;
mod upgrade;
mod views;

use desk_core::view::{InboxView, ViewCounts};
use desk_core::wire::Change;
use desk_core::*;
use desk_store::{Store, ViewQuery};

/// The names of a cache's indexes and triggers, sorted: what a bulk load defers.
fn index_and_trigger_names(conn: &rusqlite::Connection) -> Vec<String> {
    conn.prepare("SELECT name FROM sqlite_schema WHERE type IN ('index', 'trigger') ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// [`index_and_trigger_names`] of a freshly migrated cache.
fn fresh_index_and_trigger_names() -> Vec<String> {
    let mut fresh = rusqlite::Connection::open_in_memory().unwrap();
    desk_store::migrations::migrate(&mut fresh).unwrap();
    index_and_trigger_names(&fresh)
}

fn customer(id: &str, name: &str) -> Customer {
    Customer {
        id: id.into(),
        platform_user_id: format!("u-{id}"),
        name: name.into(),
        emails: vec![format!("{id}@example.com")],
        phones: vec![],
        handles: vec![],
        preferred_language: "zh-CN".into(),
        tier: CustomerTier::Vip,
        kyc_level: 2,
        risk_flags: vec![],
        tags: vec![],
        notes: String::new(),
        created_at: 1,
        updated_at: 1,
    }
}

fn wallet_tx(id: &str, customer_id: &str, status: TxStatus, at: i64) -> WalletTransaction {
    WalletTransaction {
        id: id.into(),
        customer_id: customer_id.into(),
        asset: "USDT".into(),
        chain: "TRON".into(),
        amount: "1250.00".into(),
        direction: TxDirection::Withdrawal,
        tx_hash: Some("ab".repeat(32)),
        status,
        confirmations: 0,
        required_confirmations: 19,
        created_at: at,
        updated_at: at,
    }
}

fn ticket(
    id: &str,
    n: i64,
    customer_id: &str,
    status: TicketStatus,
    assignee: Option<&str>,
    at: i64,
) -> Ticket {
    Ticket {
        id: id.into(),
        number: Some(n),
        subject: format!("ticket {n}"),
        customer_id: customer_id.into(),
        channel: Channel::Chat,
        status,
        priority: Priority::Normal,
        category: Category::TransactionConfirmation,
        tags: vec![],
        assignee_id: assignee.map(Into::into),
        group: None,
        language: "zh-CN".into(),
        first_response_due_at: None,
        resolution_due_at: None,
        linked_transaction_ids: vec![],
        incident_id: None,
        merged_into: None,
        csat: None,
        created_at: at,
        updated_at: at,
        last_message_at: at,
        deleted_at: None,
        secret_exposed_at: None,
    }
}

fn message(id: &str, ticket_id: &str, text: &str, kind: MessageKind, at: i64) -> Message {
    Message {
        id: id.into(),
        ticket_id: ticket_id.into(),
        kind,
        author: Author {
            kind: AuthorKind::Customer,
            id: None,
            name: "客户".into(),
        },
        body_text: text.into(),
        body_html: None,
        attachments: vec![],
        created_at: at,
        quoted: None,
    }
}

fn agent(id: &str) -> Agent {
    Agent {
        id: id.into(),
        name: format!("Agent {id}"),
        email: format!("{id}@desk.test"),
        role: Role::Agent,
        languages: vec![],
        groups: Vec::new(),
        skills: vec![],
        capacity: None,
    }
}

/// A small desk: tickets across statuses and assignees, one waiting on a customer's confirmation.
fn sample() -> Vec<Change> {
    let mut t_wait = ticket("t1", 1, "c1", TicketStatus::Open, None, 100);
    t_wait.linked_transaction_ids = vec!["w1".into()];
    let mut t_confirmed = ticket("t2", 2, "c1", TicketStatus::Open, Some("me"), 200);
    t_confirmed.linked_transaction_ids = vec!["w2".into()];
    vec![
        Change::Agent(agent("me")),
        Change::Customer(customer("c1", "王小明")),
        Change::WalletTransaction(wallet_tx(
            "w1",
            "c1",
            TxStatus::AwaitingCustomerConfirmation,
            10,
        )),
        Change::WalletTransaction(wallet_tx("w2", "c1", TxStatus::Confirmed, 20)),
        Change::Ticket(t_wait),
        Change::Ticket(t_confirmed),
        Change::Ticket(ticket("t3", 3, "c1", TicketStatus::Solved, Some("me"), 300)),
        Change::Ticket(ticket(
            "t4",
            4,
            "c1",
            TicketStatus::PendingCustomer,
            Some("other"),
            400,
        )),
        Change::Message(message(
            "m1",
            "t1",
            "我的转账一直显示等待确认",
            MessageKind::PublicReply,
            101,
        )),
        Change::Message(message(
            "m2",
            "t1",
            "系统：工单已创建",
            MessageKind::SystemEvent,
            102,
        )),
    ]
}

fn ids(rows: &[desk_core::view::TicketSummary]) -> Vec<&str> {
    rows.iter().map(|r| r.id.as_str()).collect()
}

#[test]
fn views_answer_what_an_agent_expects() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("c.sqlite3")).unwrap();
    store.apply_pull_page(&sample(), "1.9").unwrap();
    let list = |view| {
        store
            .list_tickets(&ViewQuery {
                view,
                me: Some("me"),
                limit: 50,
            })
            .unwrap()
    };

    assert_eq!(
        ids(&list(InboxView::Open)),
        ["t4", "t2", "t1"],
        "open = not solved/closed, newest first"
    );
    assert_eq!(
        ids(&list(InboxView::Mine)),
        ["t2"],
        "mine = open and assigned to me"
    );
    assert_eq!(
        ids(&list(InboxView::Unassigned)),
        ["t1"],
        "unassigned = open with no assignee"
    );
    assert_eq!(
        ids(&list(InboxView::AwaitingConfirmation)),
        ["t1"],
        "only the ticket whose linked transaction waits on the customer"
    );
    assert_eq!(ids(&list(InboxView::All)), ["t4", "t3", "t2", "t1"]);
    assert_eq!(
        store.view_counts(Some("me")).unwrap(),
        ViewCounts {
            open: 3,
            mine: 1,
            unassigned: 1,
            awaiting_confirmation: 1,
            all: 4
        },
        "counts must agree with the lists"
    );

    let t1 = &list(InboxView::Unassigned)[0];
    assert_eq!(t1.customer_name, "王小明");
    assert_eq!(
        t1.preview, "我的转账一直显示等待确认",
        "the preview skips system events"
    );
    let t2 = &list(InboxView::Mine)[0];
    assert_eq!(t2.assignee_name.as_deref(), Some("Agent me"));
}

#[test]
fn detail_shows_conversation_in_order_and_linked_transactions_first() {
    let mut store = Store::open_in_memory().unwrap();
    store.apply_pull_page(&sample(), "1.9").unwrap();
    let d = store.ticket_detail("t2").unwrap();
    assert_eq!(d.customer.as_ref().unwrap().name, "王小明");
    assert_eq!(d.assignee.as_ref().unwrap().id, "me");
    let tx_ids: Vec<_> = d.transactions.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        tx_ids,
        ["w2", "w1"],
        "the linked transaction leads even though it is older"
    );

    let d = store.ticket_detail("t1").unwrap();
    let msgs: Vec<_> = d.messages.iter().map(|m| m.message.id.as_str()).collect();
    assert_eq!(msgs, ["m1", "m2"], "conversation oldest first");

    let err = store.ticket_detail("nope").unwrap_err();
    assert!(
        matches!(err, desk_store::Error::TicketNotFound(_)),
        "a missing ticket is a clear error: {err}"
    );
}

#[test]
fn customer_html_is_sanitized_again_before_it_is_shown() {
    // As a server without today's rules, or a broken-into one, would send it.
    let mut hostile = message("m9", "t2", "见附件", MessageKind::PublicReply, 300);
    hostile.body_html = Some(
        r#"<p onclick="x()">见<b>附件</b><script>alert(1)</script><img src="https://t/p.gif"></p>"#
            .into(),
    );
    let mut secret = message("m10", "t2", "[已隐藏]", MessageKind::PublicReply, 301);
    secret.body_html = Some(
        "<p>abandon ability able about above absent absorb abstract absurd abuse access accident</p>"
            .into(),
    );
    let mut store = Store::open_in_memory().unwrap();
    let mut page = sample();
    page.extend([Change::Message(hostile), Change::Message(secret)]);
    store.apply_pull_page(&page, "1.9").unwrap();
    let d = store.ticket_detail("t2").unwrap();
    let html = |id: &str| {
        d.messages
            .iter()
            .find(|m| m.message.id == id)
            .unwrap()
            .message
            .body_html
            .clone()
    };
    assert_eq!(
        html("m9").as_deref(),
        Some("<p>见<b>附件</b></p>"),
        "only the allowlist is shown"
    );
    assert_eq!(
        html("m10"),
        None,
        "HTML holding a recovery phrase is not shown"
    );
}

#[test]
fn applying_a_page_twice_changes_nothing_and_updates_replace_records() {
    let mut store = Store::open_in_memory().unwrap();
    store.apply_pull_page(&sample(), "1.9").unwrap();
    store.apply_pull_page(&sample(), "1.9").unwrap();
    assert_eq!(
        store.ticket_count().unwrap(),
        4,
        "a repeated page must not duplicate tickets"
    );
    assert_eq!(
        store.ticket_detail("t1").unwrap().messages.len(),
        2,
        "nor messages"
    );

    // The customer confirms: the ticket leaves the awaiting-confirmation view.
    store
        .apply_pull_page(
            &[Change::WalletTransaction(wallet_tx(
                "w1",
                "c1",
                TxStatus::Confirmed,
                10,
            ))],
            "2.0",
        )
        .unwrap();
    assert_eq!(store.view_counts(None).unwrap().awaiting_confirmation, 0);
    assert_eq!(
        store.cursor().unwrap().as_deref(),
        Some("2.0"),
        "the cursor moves with the page"
    );
}

#[test]
fn cache_survives_reopen_and_clear_forgets_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite3");
    {
        let mut store = Store::open(&path).unwrap();
        store.apply_pull_page(&sample(), "1.9").unwrap();
        store
            .set_meta("account.email", Some("a@desk.test"))
            .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    assert_eq!(
        store.ticket_count().unwrap(),
        4,
        "cached tickets must survive a restart"
    );
    assert_eq!(store.cursor().unwrap().as_deref(), Some("1.9"));
    store.clear().unwrap();
    assert_eq!(store.ticket_count().unwrap(), 0);
    assert_eq!(
        store.cursor().unwrap(),
        None,
        "a cleared cache bootstraps from zero"
    );
    assert_eq!(store.meta("account.email").unwrap(), None);
}

#[test]
fn a_cache_from_a_newer_build_is_refused_not_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite3");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let err = Store::open(&path)
        .err()
        .expect("a newer schema must not be opened");
    assert!(
        matches!(err, desk_store::Error::TooNew { found: 999, .. }),
        "{err}"
    );
}

#[test]
fn remove_cache_files_deletes_the_database_and_its_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite3");
    let mut store = Store::open(&path).unwrap();
    store.apply_pull_page(&sample(), "1.9").unwrap();
    drop(store);
    desk_store::remove_cache_files(&path).unwrap();
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(
        left.is_empty(),
        "wiping must leave no cache, WAL or shm file behind: {left:?}"
    );
}
