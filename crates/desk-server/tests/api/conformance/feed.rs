//! Records and the change feed: what sync (DESIGN.md §4) relies on.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use desk_core::wire::Change;
use desk_core::{Agent, Role, TicketStatus};
use desk_server::Storage;
use desk_server::feed::{FeedPosition, Scope};
use desk_server::seed::{self, SeedOptions};

use super::{everything, feed_from_zero, message, ticket};

fn number_of(change: &Change) -> Option<i64> {
    match change {
        Change::Ticket(t) => t.number,
        _ => None,
    }
}

pub async fn ticket_numbers_are_the_servers(storage: Arc<dyn Storage>) {
    let receipt = storage
        .write_records(vec![
            Change::Ticket(ticket("t1", Some(999))),
            Change::Ticket(ticket("t2", None)),
        ])
        .await
        .unwrap();
    let numbers: Vec<_> = receipt.records.iter().map(number_of).collect();
    assert_eq!(
        numbers,
        [Some(1), Some(2)],
        "numbers come from the server, in write order"
    );

    let receipt = storage
        .write_records(vec![Change::Ticket(ticket("t1", None))])
        .await
        .unwrap();
    assert_eq!(
        number_of(&receipt.records[0]),
        Some(1),
        "an existing ticket keeps its number"
    );
    let receipt = storage
        .write_records(vec![Change::Ticket(ticket("t3", None))])
        .await
        .unwrap();
    assert_eq!(
        number_of(&receipt.records[0]),
        Some(3),
        "numbers keep increasing across writes"
    );
    let fed: Vec<_> = everything(storage.as_ref())
        .await
        .iter()
        .map(number_of)
        .collect();
    assert_eq!(
        fed,
        [Some(2), Some(1), Some(3)],
        "the feed carries the stored numbers, t1 at its latest place"
    );
}

pub async fn messages_are_append_only(storage: Arc<dyn Storage>) {
    storage
        .write_records(vec![Change::Message(message("m1", "原文"))])
        .await
        .unwrap();
    let receipt = storage
        .write_records(vec![Change::Message(message("m1", "改过的"))])
        .await
        .unwrap();
    assert_eq!(
        receipt.last_position, None,
        "rewriting a stored message produces no change"
    );
    let receipt = storage
        .write_records(vec![
            Change::Message(message("m1", "again")),
            Change::Message(message("m2", "second")),
        ])
        .await
        .unwrap();
    let feed = feed_from_zero(storage.as_ref()).await;
    assert_eq!(
        feed.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>(),
        vec![
            Change::Message(message("m1", "原文")),
            Change::Message(message("m2", "second"))
        ],
        "the first version of a message stays"
    );
    assert_eq!(
        receipt.last_position,
        Some(feed[1].0),
        "a skipped message takes no feed position: the receipt points at m2"
    );
    assert_eq!(
        feed[1].0.ord, 0,
        "m2 is the first change of its transaction, since m1 produced none"
    );
}

pub async fn agents_are_not_written_as_records(storage: Arc<dyn Storage>) {
    let agent = Agent {
        id: "a".into(),
        name: "A".into(),
        email: "a@x.test".into(),
        role: Role::Admin,
        languages: vec![],
        groups: Vec::new(),
        skills: vec![],
        capacity: None,
    };
    let result = storage.write_records(vec![Change::Agent(agent)]).await;
    assert!(
        result.is_err(),
        "agents carry credentials and go through the agent operations"
    );
    assert!(
        everything(storage.as_ref()).await.is_empty(),
        "a refused write leaves nothing behind"
    );
}

pub async fn a_refused_write_leaves_nothing_behind(storage: Arc<dyn Storage>) {
    let agent = Agent {
        id: "a".into(),
        name: "A".into(),
        email: "a@x.test".into(),
        role: Role::Admin,
        languages: vec![],
        groups: Vec::new(),
        skills: vec![],
        capacity: None,
    };
    let refused = storage
        .write_records(vec![
            Change::Ticket(ticket("t1", None)),
            Change::Message(message("m1", "hello")),
            Change::Agent(agent),
        ])
        .await;
    assert!(
        refused.is_err(),
        "a batch with an invalid record is refused whole"
    );
    assert!(
        everything(storage.as_ref()).await.is_empty(),
        "records written before the invalid one are rolled back with it"
    );
    let receipt = storage
        .write_records(vec![Change::Ticket(ticket("t2", None))])
        .await
        .unwrap();
    assert_eq!(
        number_of(&receipt.records[0]),
        Some(1),
        "a rolled-back ticket does not use up its number"
    );
    let receipt = storage.write_records(vec![]).await.unwrap();
    assert_eq!(
        receipt.last_position, None,
        "an empty write commits no change"
    );
}

pub async fn macros_kb_incidents_and_sla_policies_are_stored_and_fed(storage: Arc<dyn Storage>) {
    let mut guide = desk_core::Macro {
        id: "mac1".into(),
        title: "确认指引".into(),
        bodies: BTreeMap::from([("zh-CN".into(), "请在钱包里点击确认".into())]),
        variables: vec![],
        actions: vec![],
        categories: vec![desk_core::Category::TransactionConfirmation],
        updated_at: 1,
        deleted_at: None,
    };
    let article = desk_core::KbArticle {
        id: "kb1".into(),
        translations: BTreeMap::from([(
            "en".into(),
            desk_core::KbTranslation {
                title: "Why is my transfer unconfirmed?".into(),
                body: "Tap Confirm.".into(),
            },
        )]),
        tags: vec![],
        categories: vec![],
        updated_at: 1,
        status: desk_core::ops::KbStatus::Published,
        deleted_at: None,
    };
    let incident = desk_core::Incident {
        id: "inc1".into(),
        title: "TRON withdrawals delayed".into(),
        status: desk_core::IncidentStatus::Investigating,
        affected: vec!["TRON".into()],
        updates: vec![],
        started_at: 1,
        resolved_at: None,
    };
    let policy = desk_core::SlaPolicy {
        id: "sla1".into(),
        name: "default".into(),
        targets: vec![],
        business_hours: desk_core::BusinessHours {
            time_zone: "Asia/Shanghai".into(),
            windows: vec![],
            holidays: vec![],
        },
        updated_at: 1,
    };
    storage
        .write_records(vec![
            Change::Macro(guide.clone()),
            Change::KbArticle(article.clone()),
            Change::Incident(incident.clone()),
            Change::SlaPolicy(policy.clone()),
        ])
        .await
        .unwrap();
    guide.title = "确认指引 v2".into();
    storage
        .write_records(vec![Change::Macro(guide.clone())])
        .await
        .unwrap();
    assert_eq!(
        everything(storage.as_ref()).await,
        vec![
            Change::KbArticle(article),
            Change::Incident(incident),
            Change::SlaPolicy(policy),
            Change::Macro(guide),
        ],
        "each kind is fed back whole, an edited macro once, at its latest position"
    );
}

pub async fn pull_pages_in_commit_order_and_keeps_the_latest_change_per_record(
    storage: Arc<dyn Storage>,
) {
    for i in 0..10 {
        storage
            .write_records(vec![
                Change::Ticket(ticket(&format!("t{i}"), None)),
                Change::Message(message(&format!("m{i}"), "你好")),
            ])
            .await
            .unwrap();
    }
    let mut updated = ticket("t3", None);
    updated.status = TicketStatus::Solved;
    let receipt = storage
        .write_records(vec![Change::Ticket(updated)])
        .await
        .unwrap();

    let all = feed_from_zero(storage.as_ref()).await;
    assert_eq!(all.len(), 20, "10 tickets and 10 messages, each once");
    assert!(
        all.windows(2).all(|w| w[0].0 < w[1].0),
        "positions strictly increase along the feed"
    );
    let (last_position, last) = all.last().unwrap();
    assert_eq!(
        Some(*last_position),
        receipt.last_position,
        "the receipt names the position the change got"
    );
    let Change::Ticket(last) = last else {
        panic!("the last change is the updated ticket: {last:?}")
    };
    assert_eq!(
        (last.id.as_str(), last.status, last.number),
        ("t3", TicketStatus::Solved, Some(4)),
        "an updated record moves to the end with its new state and old number"
    );

    // Pages of 3 from cursor to cursor: the same changes, in the same order, once.
    let mut cursor = FeedPosition::ZERO;
    let mut paged = Vec::new();
    loop {
        let page = storage.pull(cursor, 3, &Scope::All).await.unwrap();
        assert!(page.changes.len() <= 3, "a page never exceeds its limit");
        if let Some((position, _)) = page.changes.last() {
            cursor = *position;
        }
        let more = page.has_more;
        paged.extend(page.decoded_changes().unwrap());
        if !more {
            break;
        }
    }
    assert_eq!(
        paged, all,
        "paging must not change what arrives or its order"
    );
    let idle = storage.pull(cursor, 3, &Scope::All).await.unwrap();
    assert!(
        idle.changes.is_empty() && !idle.has_more,
        "nothing follows the last change"
    );
    let exact = storage.pull(all[16].0, 3, &Scope::All).await.unwrap();
    assert!(
        !exact.has_more && exact.changes.len() == 3,
        "a page that ends exactly at the last change says there is no more"
    );
}

pub async fn seeding_is_deterministic(storage: Arc<dyn Storage>) {
    let options = SeedOptions {
        tickets: 60,
        ..SeedOptions::default()
    };
    let first = seed::seed_demo(storage.as_ref(), options).await.unwrap();
    assert_eq!(
        first.tickets, 60,
        "the requested number of tickets is seeded"
    );
    let before = everything(storage.as_ref()).await;
    let tickets = before
        .iter()
        .filter(|c| matches!(c, Change::Ticket(_)))
        .count();
    assert_eq!(tickets, 60, "every seeded ticket is in the feed");
    let numbers: Vec<_> = before.iter().filter_map(number_of).collect();
    assert_eq!(
        numbers,
        (1..=60).collect::<Vec<i64>>(),
        "tickets are numbered 1..=60 in feed order: written oldest first, no gaps"
    );

    // The same options again write the same ids and texts: upserts, no new records.
    seed::seed_demo(storage.as_ref(), options).await.unwrap();
    let after = everything(storage.as_ref()).await;
    let key = |c: &Change| format!("{}:{}", c.kind(), serde_json::to_string(c).unwrap());
    let before_set: HashSet<_> = before.iter().map(key).collect();
    let after_set: HashSet<_> = after.iter().map(key).collect();
    assert_eq!(
        before.len(),
        after.len(),
        "reseeding creates no new records"
    );
    assert!(
        before_set == after_set,
        "reseeding with the same options writes identical records, numbers included"
    );
}

/// A bootstrap's pull with `closed_before` (DESIGN.md §4 Scope): solved and closed tickets
/// idle since before it come with their latest message only, every left-out row named with
/// its ticket, paged like any other row.
pub async fn a_bootstraps_pull_trims_old_closed_conversations(storage: Arc<dyn Storage>) {
    let cutoff = 2_000;
    let conversation = |ticket_id: &str, status, idle_at: i64, messages: &[(&str, i64)]| {
        let mut t = ticket(ticket_id, None);
        t.status = status;
        t.updated_at = idle_at;
        t.last_message_at = messages.iter().map(|m| m.1).max().unwrap_or(1);
        let mut records = vec![Change::Ticket(t)];
        for (id, at) in messages {
            let mut m = message(id, "提币一直没到账");
            m.ticket_id = ticket_id.into();
            m.created_at = *at;
            records.push(Change::Message(m));
        }
        records
    };
    let mut records = Vec::new();
    // Solved and idle: only m-old-3 comes.
    records.extend(conversation(
        "t-old",
        TicketStatus::Solved,
        1_000,
        &[("m-old-1", 100), ("m-old-2", 500), ("m-old-3", 1_000)],
    ));
    // Closed but touched after the cutoff, open, or waiting on the customer: all come.
    records.extend(conversation(
        "t-recent",
        TicketStatus::Closed,
        5_000,
        &[("m-recent-1", 100), ("m-recent-2", 1_500)],
    ));
    records.extend(conversation(
        "t-open",
        TicketStatus::Open,
        1_000,
        &[("m-open-1", 100), ("m-open-2", 900)],
    ));
    records.extend(conversation(
        "t-pending",
        TicketStatus::PendingCustomer,
        1_000,
        &[("m-pending-1", 100), ("m-pending-2", 900)],
    ));
    // Two messages at the same instant: the later id is the latest, as the console's
    // eviction orders them.
    records.extend(conversation(
        "t-tie",
        TicketStatus::Closed,
        1_000,
        &[("m-tie-a", 800), ("m-tie-b", 800)],
    ));
    storage.write_records(records).await.unwrap();

    let full = storage
        .pull_trimming(FeedPosition::ZERO, 100_000, &Scope::All, None)
        .await
        .unwrap();
    assert!(
        full.trimmed.is_empty(),
        "without closed_before nothing is trimmed"
    );
    let page = storage
        .pull_trimming(FeedPosition::ZERO, 100_000, &Scope::All, Some(cutoff))
        .await
        .unwrap();
    let changes = page.decoded_changes().unwrap();
    let messages: HashSet<&str> = changes
        .iter()
        .filter_map(|(_, c)| match c {
            Change::Message(m) => Some(m.id.as_str()),
            _ => None,
        })
        .collect();
    let expected: HashSet<&str> = [
        "m-old-3",
        "m-recent-1",
        "m-recent-2",
        "m-open-1",
        "m-open-2",
        "m-pending-1",
        "m-pending-2",
        "m-tie-b",
    ]
    .into();
    assert_eq!(
        messages, expected,
        "old closed conversations keep their latest message"
    );
    let trimmed: Vec<&str> = page.trimmed.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        trimmed,
        ["t-old", "t-old", "t-tie"],
        "each left-out row names its ticket"
    );
    assert_eq!(
        page.changes.len() + page.trimmed.len(),
        full.changes.len(),
        "every row is either sent or named"
    );
    let tickets = changes
        .iter()
        .filter(|(_, c)| matches!(c, Change::Ticket(_)))
        .count();
    assert_eq!(tickets, 5, "every ticket itself comes");

    // Paged one row at a time, trimmed rows count and the cursor passes them: the same rows
    // in the same order, each once, and no page is empty while more follow.
    let mut after = FeedPosition::ZERO;
    let mut walked = Vec::new();
    loop {
        let page = storage
            .pull_trimming(after, 1, &Scope::All, Some(cutoff))
            .await
            .unwrap();
        assert_eq!(page.changes.len() + page.trimmed.len(), 1, "one row a page");
        walked.extend(page.changes.iter().map(|(p, _)| *p));
        walked.extend(page.trimmed.iter().map(|(p, _)| *p));
        after = page.last_position().unwrap();
        if !page.has_more {
            break;
        }
    }
    let all: Vec<FeedPosition> = full.changes.iter().map(|(p, _)| *p).collect();
    assert_eq!(walked, all, "paging visits every row once, in order");

    // Reopened: the ticket is no longer closed and idle, so its whole conversation comes.
    let mut reopened = ticket("t-old", None);
    reopened.status = TicketStatus::Open;
    reopened.updated_at = 3_000;
    reopened.last_message_at = 1_000;
    storage
        .write_records(vec![Change::Ticket(reopened)])
        .await
        .unwrap();
    let page = storage
        .pull_trimming(FeedPosition::ZERO, 100_000, &Scope::All, Some(cutoff))
        .await
        .unwrap();
    let trimmed: Vec<&str> = page.trimmed.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        trimmed,
        ["t-tie"],
        "a reopened ticket's conversation is whole"
    );
}
