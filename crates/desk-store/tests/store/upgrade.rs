//! Caches written by every earlier schema version open in this build with nothing lost:
//! an agent who updates Desk mid-outage still has their cached desk.

use desk_core::search::SearchQuery;
use desk_core::view::{InboxView, TicketFilter, TicketQuery, TicketSort};
use desk_store::Store;
use desk_store::migrations::{LATEST, migrate_to};

use super::{customer, message, ticket, wallet_tx};
use desk_core::view::{SlaCounts, ViewCounts};
use desk_core::{MessageKind, TicketStatus, TxStatus};

/// The message the version-1 rows hold, stored as its whole JSON.
fn v1_message() -> desk_core::Message {
    message(
        "m-old",
        "t-old",
        "请问确认按钮在哪里",
        MessageKind::PublicReply,
        1_700_000_000_000,
    )
}

/// Rows as the version-1 schema stores them.
fn insert_v1_rows(conn: &rusqlite::Connection) {
    let mut t = ticket(
        "t-old",
        7,
        "c1",
        TicketStatus::Open,
        None,
        1_700_000_000_000,
    );
    t.subject = "提币一直显示等待确认".into();
    t.first_response_due_at = Some(1_700_000_600_000);
    t.tags = vec!["vip".into()];
    t.linked_transaction_ids = vec!["w-old".into()];
    let c = customer("c1", "王小明");
    let m = v1_message();
    conn.execute(
        "INSERT INTO customers(id, name, tier, body) VALUES (?1, ?2, 'vip', ?3)",
        rusqlite::params![c.id, c.name, serde_json::to_string(&c).unwrap()],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO tickets(id, number, subject, customer_id, status, is_open, priority, category,
             assignee_id, language, last_message_at, first_response_due_at, body)
         VALUES (?1, 7, ?2, 'c1', 'open', 1, 'normal', 'transaction_confirmation', NULL, 'zh-CN',
             ?3, ?4, ?5)",
        rusqlite::params![
            t.id,
            t.subject,
            t.last_message_at,
            t.first_response_due_at,
            serde_json::to_string(&t).unwrap()
        ],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO messages(id, ticket_id, kind, created_at, body) VALUES (?1, ?2, 'public_reply', ?3, ?4)",
        rusqlite::params![m.id, m.ticket_id, m.created_at, serde_json::to_string(&m).unwrap()],
    )
    .unwrap();
    let w = wallet_tx(
        "w-old",
        "c1",
        TxStatus::AwaitingCustomerConfirmation,
        1_700_000_000_000,
    );
    conn.execute(
        "INSERT INTO wallet_transactions(id, customer_id, status, created_at, body)
         VALUES (?1, 'c1', 'awaiting_customer_confirmation', ?2, ?3)",
        rusqlite::params![w.id, w.created_at, serde_json::to_string(&w).unwrap()],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO ticket_transactions(ticket_id, transaction_id) VALUES ('t-old', 'w-old')",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('sync.cursor', '41.3')",
        [],
    )
    .unwrap();
}

#[test]
fn a_cache_from_every_earlier_version_upgrades_with_nothing_lost() {
    for version in 1..LATEST {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite3");
        {
            // Rows cached at version 1, then upgraded by the release that stood at
            // `version`: from step 5 on, some columns are the writer's, not the schema's,
            // so v1-shaped rows inserted straight into a later schema would be no cache
            // any release ever wrote.
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            migrate_to(&mut conn, 1).unwrap();
            insert_v1_rows(&conn);
            migrate_to(&mut conn, version).unwrap();
            let at: u32 = conn
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .unwrap();
            assert_eq!(
                at, version,
                "the test cache must stand at version {version}"
            );
        }

        let mut store =
            Store::open(&path).unwrap_or_else(|e| panic!("version {version} must open: {e}"));
        assert_eq!(
            store.cursor().unwrap().as_deref(),
            Some("41.3"),
            "v{version}: the cursor survives"
        );
        assert_eq!(
            store.ticket_count().unwrap(),
            1,
            "v{version}: the cached ticket survives"
        );
        let detail = store.ticket_detail("t-old").unwrap();
        assert_eq!(
            detail.messages,
            [desk_core::view::MessageView {
                message: v1_message(),
                delivery: None
            }],
            "v{version}: its conversation survives, message whole"
        );
        assert_eq!(detail.customer.unwrap().name, "王小明");

        // Columns and tables added by later steps work on the old rows.
        let by_sla = TicketQuery {
            view: InboxView::Open,
            filter: TicketFilter {
                tag: Some("vip".into()),
                ..Default::default()
            },
            sort: TicketSort::SlaDue,
            after: None,
            limit: 10,
        };
        let rows = store.query_tickets(&by_sla, None, 0).unwrap().rows;
        assert_eq!(
            rows.len(),
            1,
            "v{version}: SLA order and tag filter see the old ticket"
        );

        // Counts kept since step 5 start from the rows already cached.
        assert_eq!(
            store.view_counts(Some("a1")).unwrap(),
            ViewCounts {
                open: 1,
                mine: 0,
                unassigned: 1,
                awaiting_confirmation: 1,
                all: 1
            },
            "v{version}: view counts include the old ticket"
        );
        assert_eq!(
            store.sla_counts(1_700_000_600_001).unwrap(),
            SlaCounts {
                at_risk: 0,
                breached: 1
            },
            "v{version}: so do SLA counts"
        );
        let awaiting = TicketQuery {
            view: InboxView::AwaitingConfirmation,
            ..by_sla.clone()
        };
        assert_eq!(
            store.query_tickets(&awaiting, None, 0).unwrap().rows.len(),
            1,
            "v{version}: the old ticket awaits its customer"
        );

        // Rows written before search existed are indexed once the cache catches up.
        while store.index_pending(1000).unwrap() > 0 {}
        let found = |text: &str| {
            store
                .search(&SearchQuery {
                    text: text.into(),
                    filters: Default::default(),
                    limit: 10,
                })
                .unwrap()
                .len()
        };
        assert_eq!(
            found("确认"),
            1,
            "v{version}: rows cached before the upgrade are searchable after it"
        );
        assert_eq!(found("王小明"), 1, "v{version}: so is their customer");
    }
}

#[test]
fn a_bulk_load_the_previous_release_cut_short_is_finished_and_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite3");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        migrate_to(&mut conn, 1).unwrap();
        insert_v1_rows(&conn);
        migrate_to(&mut conn, LATEST - 1).unwrap();
        // Killed mid-bootstrap: its records not yet queued for search, the load's mark
        // still set. `Store::open` finishes the load before it migrates.
        conn.execute_batch(
            "DELETE FROM search_pending;
             INSERT INTO meta(key, value) VALUES ('sync.bulk_load', '1');",
        )
        .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    assert!(!store.bulk_load_in_progress().unwrap());
    assert!(
        store.index_backlog().unwrap() >= 3,
        "its records wait for search"
    );
    while store.index_pending(1000).unwrap() > 0 {}
    let found = store
        .search(&SearchQuery {
            text: "确认".into(),
            filters: Default::default(),
            limit: 10,
        })
        .unwrap();
    assert_eq!(found.len(), 1, "the old build's records are searchable");
}
