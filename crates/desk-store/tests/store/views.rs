//! Every view, filter and sort against a plain reference model over generated desks: the
//! indexed SQL must list exactly what a straightforward filter-and-sort over the same
//! records lists, page after page.

use desk_core::view::*;
use desk_core::wire::Change;
use desk_core::*;
use desk_store::Store;

use super::{agent, customer, ticket, wallet_tx};

/// A small deterministic generator (xorshift*), so every failure names a reproducible seed.
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
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const NOW: i64 = 1_800_000_000_000;
const TAGS: &[&str] = &["vip", "usdt", "提币", "refund"];

struct Desk {
    tickets: Vec<Ticket>,
    tx_status: std::collections::HashMap<String, TxStatus>,
}

/// The desk a sequence of pulled changes leaves: the last version of each record wins.
fn desk_of(changes: &[Change]) -> Desk {
    let mut tickets: Vec<Ticket> = Vec::new();
    let mut at = std::collections::HashMap::new();
    let mut tx_status = std::collections::HashMap::new();
    for c in changes {
        match c {
            Change::Ticket(t) => match at.get(&t.id) {
                Some(&i) => tickets[i] = t.clone(),
                None => {
                    at.insert(t.id.clone(), tickets.len());
                    tickets.push(t.clone());
                }
            },
            Change::WalletTransaction(w) => {
                tx_status.insert(w.id.clone(), w.status);
            }
            _ => {}
        }
    }
    Desk { tickets, tx_status }
}

fn random_due(rng: &mut Rng) -> Option<i64> {
    (rng.below(3) != 0).then(|| NOW + (rng.below(240) as i64 - 120) * 60_000)
}

/// Random edits of what the views depend on, as a later pull brings them: status,
/// assignee, due times, tags and links of tickets, and the status of transactions.
fn edits(rng: &mut Rng, desk: &Desk, n: usize) -> Vec<Change> {
    let mut out = Vec::new();
    let txs: Vec<&String> = {
        let mut v: Vec<_> = desk.tx_status.keys().collect();
        v.sort();
        v
    };
    for _ in 0..n {
        if !txs.is_empty() && rng.below(3) == 0 {
            let id = *rng.pick(&txs);
            let s = *rng.pick(TxStatus::ALL);
            out.push(Change::WalletTransaction(wallet_tx(id, "c0", s, NOW)));
            continue;
        }
        let mut t = rng.pick(&desk.tickets).clone();
        match rng.below(5) {
            0 => t.status = *rng.pick(TicketStatus::ALL),
            1 => t.assignee_id = rng.pick(&[None, Some("me"), Some("other")]).map(Into::into),
            2 => {
                t.first_response_due_at = random_due(rng);
                t.resolution_due_at = random_due(rng);
            }
            3 => t.tags = vec![rng.pick(TAGS).to_string()],
            _ => {
                t.linked_transaction_ids = if txs.is_empty() || rng.below(3) == 0 {
                    Vec::new()
                } else {
                    vec![rng.pick(&txs).to_string()]
                }
            }
        }
        out.push(Change::Ticket(t));
    }
    out
}

fn generate(seed: u64, n: usize) -> (Desk, Vec<Change>) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut changes = vec![
        Change::Agent(agent("me")),
        Change::Agent(agent("other")),
        Change::Customer(customer("c0", "甲")),
        Change::Customer(customer("c1", "Bob")),
        Change::Customer(customer("c2", "丙")),
    ];
    let mut tx_status = std::collections::HashMap::new();
    let mut tickets = Vec::new();
    for i in 0..n {
        let cust = format!("c{}", rng.below(3));
        let status = *rng.pick(TicketStatus::ALL);
        let assignee = *rng.pick(&[None, Some("me"), Some("other")]);
        // Few distinct times, so ties on the sort key exercise the id tie-break.
        let at = NOW - (rng.below(40) as i64) * 60_000;
        let mut t = ticket(&format!("t{i:03}"), i as i64, &cust, status, assignee, at);
        t.created_at = at - (rng.below(10) as i64) * 1000;
        t.priority = *rng.pick(Priority::ALL);
        t.category = *rng.pick(Category::ALL);
        t.tags = TAGS
            .iter()
            .filter(|_| rng.below(3) == 0)
            .map(|s| s.to_string())
            .collect();
        t.incident_id = (rng.below(4) == 0).then(|| "inc1".to_owned());
        t.first_response_due_at = random_due(&mut rng);
        t.resolution_due_at = random_due(&mut rng);
        if rng.below(2) == 0 {
            let tx = format!("w{i}");
            let s = *rng.pick(TxStatus::ALL);
            tx_status.insert(tx.clone(), s);
            changes.push(Change::WalletTransaction(wallet_tx(&tx, &cust, s, at)));
            t.linked_transaction_ids.push(tx);
        }
        changes.push(Change::Ticket(t.clone()));
        tickets.push(t);
    }
    (Desk { tickets, tx_status }, changes)
}

fn is_open(t: &Ticket) -> bool {
    !matches!(t.status, TicketStatus::Solved | TicketStatus::Closed)
}

fn sla_due(t: &Ticket) -> Option<i64> {
    // The clock stops while the ticket waits on the customer or is on hold.
    if !matches!(t.status, TicketStatus::New | TicketStatus::Open) {
        return None;
    }
    match (t.first_response_due_at, t.resolution_due_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The reference: filter and sort the records in memory.
fn reference(desk: &Desk, q: &TicketQuery, me: &str) -> Vec<String> {
    let f = &q.filter;
    let mut rows: Vec<&Ticket> = desk
        .tickets
        .iter()
        .filter(|t| match q.view {
            InboxView::Open => is_open(t),
            InboxView::Mine => is_open(t) && t.assignee_id.as_deref() == Some(me),
            InboxView::Unassigned => is_open(t) && t.assignee_id.is_none(),
            InboxView::AwaitingConfirmation => {
                is_open(t)
                    && t.linked_transaction_ids.iter().any(|id| {
                        desk.tx_status.get(id) == Some(&TxStatus::AwaitingCustomerConfirmation)
                    })
            }
            InboxView::All => true,
        })
        .filter(|t| f.statuses.is_empty() || f.statuses.contains(&t.status))
        .filter(|t| f.priorities.is_empty() || f.priorities.contains(&t.priority))
        .filter(|t| f.categories.is_empty() || f.categories.contains(&t.category))
        .filter(|t| f.tag.as_ref().is_none_or(|tag| t.tags.contains(tag)))
        .filter(|t| f.customer_id.as_ref().is_none_or(|c| &t.customer_id == c))
        .filter(|t| f.incident_id.is_none() || t.incident_id == f.incident_id)
        .filter(|t| f.assignee_id.is_none() || t.assignee_id == f.assignee_id)
        .filter(|t| match f.sla {
            None => true,
            Some(SlaState::Breached) => is_open(t) && sla_due(t).is_some_and(|d| d < NOW),
            Some(SlaState::AtRisk) => {
                is_open(t)
                    && sla_due(t).is_some_and(|d| (NOW..NOW + SLA_AT_RISK_WINDOW_MS).contains(&d))
            }
        })
        .filter(|t| q.sort != TicketSort::SlaDue || sla_due(t).is_some())
        .collect();
    match q.sort {
        TicketSort::LastActivity => {
            rows.sort_by(|a, b| (b.last_message_at, &b.id).cmp(&(a.last_message_at, &a.id)))
        }
        TicketSort::Created => {
            rows.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)))
        }
        TicketSort::SlaDue => rows.sort_by(|a, b| (sla_due(a), &a.id).cmp(&(sla_due(b), &b.id))),
    }
    rows.into_iter().map(|t| t.id.clone()).collect()
}

/// Walks every page of a query through the store.
fn walk(store: &Store, mut q: TicketQuery, me: &str) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..1000 {
        let page = store.query_tickets(&q, Some(me), NOW).unwrap();
        assert!(
            page.rows.len() <= q.limit as usize,
            "a page never exceeds its limit"
        );
        out.extend(page.rows.into_iter().map(|r| r.id));
        match page.next {
            Some(next) => q.after = Some(next),
            None => return out,
        }
    }
    panic!("paging did not end");
}

fn random_filter(rng: &mut Rng) -> TicketFilter {
    let mut f = TicketFilter::default();
    if rng.below(3) == 0 {
        f.statuses = TicketStatus::ALL
            .iter()
            .copied()
            .filter(|_| rng.below(2) == 0)
            .collect();
    }
    if rng.below(3) == 0 {
        f.priorities = vec![*rng.pick(Priority::ALL)];
    }
    if rng.below(4) == 0 {
        f.categories = vec![*rng.pick(Category::ALL), *rng.pick(Category::ALL)];
    }
    if rng.below(3) == 0 {
        f.tag = Some(rng.pick(TAGS).to_string());
    }
    if rng.below(4) == 0 {
        f.customer_id = Some(format!("c{}", rng.below(3)));
    }
    if rng.below(5) == 0 {
        f.incident_id = Some("inc1".into());
    }
    if rng.below(5) == 0 {
        f.assignee_id = Some("other".into());
    }
    if rng.below(3) == 0 {
        f.sla = Some(*rng.pick(&[SlaState::AtRisk, SlaState::Breached]));
    }
    f
}

const VIEWS: &[InboxView] = &[
    InboxView::Open,
    InboxView::Mine,
    InboxView::Unassigned,
    InboxView::AwaitingConfirmation,
    InboxView::All,
];

/// Random queries, walked page by page, and every count, against the reference.
fn check(store: &Store, desk: &Desk, rng: &mut Rng, what: &str) {
    for round in 0..25 {
        let q = TicketQuery {
            view: *rng.pick(VIEWS),
            filter: random_filter(rng),
            sort: *rng.pick(&[
                TicketSort::LastActivity,
                TicketSort::SlaDue,
                TicketSort::Created,
            ]),
            after: None,
            limit: 1 + rng.below(17) as u32,
        };
        let expected = reference(desk, &q, "me");
        let got = walk(store, q.clone(), "me");
        assert_eq!(got, expected, "{what}, round {round}: {q:?}");
    }
    let count = |view| {
        reference(
            desk,
            &TicketQuery {
                view,
                filter: Default::default(),
                sort: Default::default(),
                after: None,
                limit: 1,
            },
            "me",
        )
        .len() as u32
    };
    assert_eq!(
        store.view_counts(Some("me")).unwrap(),
        ViewCounts {
            open: count(InboxView::Open),
            mine: count(InboxView::Mine),
            unassigned: count(InboxView::Unassigned),
            awaiting_confirmation: count(InboxView::AwaitingConfirmation),
            all: count(InboxView::All),
        },
        "{what}: counts agree with the lists"
    );
    // At several clocks, hour boundaries included: breached counts add whole hours of
    // buckets to a range over the current one.
    let hour = 3_600_000;
    for now in [
        NOW,
        NOW - NOW % hour,
        NOW + 17 * 60_000 + 3,
        NOW - 2 * hour + 1,
        NOW + 3 * hour,
    ] {
        let open_due = || {
            desk.tickets
                .iter()
                .filter(|t| is_open(t))
                .filter_map(sla_due)
        };
        let expected = SlaCounts {
            at_risk: open_due()
                .filter(|d| (now..now + SLA_AT_RISK_WINDOW_MS).contains(d))
                .count() as u32,
            breached: open_due().filter(|d| *d < now).count() as u32,
        };
        assert_eq!(
            store.sla_counts(now).unwrap(),
            expected,
            "{what}: sla counts at {now}"
        );
    }
}

/// Four ways to the same answers: during a bootstrap's bulk load (views read the
/// records), after it (derived state rebuilt in bulk) while the indexes left for the
/// background are still missing, after those are built, and after later pulls (derived
/// state kept by triggers).
#[test]
fn every_view_filter_and_sort_matches_the_reference_model_page_by_page() {
    for seed in 1..=40u64 {
        let (_, changes) = generate(seed, 120);
        let mut store = Store::open_in_memory().unwrap();
        let mut rng = Rng(seed);
        let (first, rest) = changes.split_at(changes.len() / 2);
        store.apply_page(first, "1.0", true).unwrap();
        assert!(store.bulk_load_in_progress().unwrap());
        check(
            &store,
            &desk_of(first),
            &mut rng,
            &format!("seed {seed}, mid-bootstrap"),
        );
        store.apply_page(rest, "1.1", false).unwrap();
        assert!(!store.bulk_load_in_progress().unwrap());
        let mut applied = changes.clone();
        check(
            &store,
            &desk_of(&applied),
            &mut rng,
            &format!("seed {seed}, bootstrapped"),
        );
        for pull in 0..4 {
            if pull == 2 {
                // The first pulls ran before the background indexes existed.
                while store.build_next_deferred_index().unwrap() {}
                check(
                    &store,
                    &desk_of(&applied),
                    &mut rng,
                    &format!("seed {seed}, background indexes built"),
                );
            }
            let page = edits(&mut rng, &desk_of(&applied), 25);
            store.apply_pull_page(&page, &format!("2.{pull}")).unwrap();
            applied.extend(page);
            check(
                &store,
                &desk_of(&applied),
                &mut rng,
                &format!("seed {seed}, pull {pull}"),
            );
        }
    }
}

/// The inbox's indexes come with the bootstrap's last page; the rest are built by the
/// background indexer, one per call and counted in its backlog, before any search work,
/// until the schema is a fresh cache's.
#[test]
fn a_bootstrap_leaves_secondary_indexes_to_the_background_indexer() {
    let (_, changes) = generate(3, 60);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let mut store = Store::open(&path).unwrap();
    let (first, rest) = changes.split_at(changes.len() / 2);
    store.apply_page(first, "1.0", true).unwrap();
    assert!(
        !store.build_next_deferred_index().unwrap(),
        "nothing is built while the bulk load runs"
    );
    store.apply_page(rest, "1.1", false).unwrap();
    let names = || crate::index_and_trigger_names(&rusqlite::Connection::open(&path).unwrap());
    let whole = crate::fresh_index_and_trigger_names();
    let after_bootstrap = names();
    let missing: Vec<&String> = whole
        .iter()
        .filter(|n| !after_bootstrap.contains(n))
        .collect();
    for inbox in [
        "tickets_open_recent",
        "tickets_assignee_recent",
        "messages_by_ticket",
    ] {
        assert!(
            after_bootstrap.iter().any(|n| n == inbox),
            "{inbox} comes with the bootstrap"
        );
    }
    assert!(
        missing.iter().any(|n| *n == "tickets_by_customer") && missing.len() >= 5,
        "secondary indexes wait for the background: {missing:?}"
    );
    let search_backlog = {
        let total = store.index_backlog().unwrap();
        assert!(total > missing.len() as u64);
        total - missing.len() as u64
    };
    for built in 1..=missing.len() {
        assert_eq!(store.index_pending(1000).unwrap(), 1, "one index per call");
        assert_eq!(
            names().len(),
            after_bootstrap.len() + built,
            "index {built} built"
        );
    }
    assert_eq!(names(), whole, "every index is back");
    assert_eq!(
        store.index_backlog().unwrap(),
        search_backlog,
        "then only search work is left"
    );
    assert!(
        store.index_pending(1000).unwrap() > 0,
        "search work follows"
    );
}

#[test]
fn tag_index_follows_ticket_updates() {
    let (mut desk, changes) = generate(7, 30);
    let mut store = Store::open_in_memory().unwrap();
    store.apply_pull_page(&changes, "1.0").unwrap();
    let t = &mut desk.tickets[0];
    t.tags = vec!["新标签".into()];
    store
        .apply_pull_page(&[Change::Ticket(t.clone())], "1.1")
        .unwrap();
    let q = |tag: &str| TicketQuery {
        view: InboxView::All,
        filter: TicketFilter {
            tag: Some(tag.into()),
            ..Default::default()
        },
        sort: TicketSort::LastActivity,
        after: None,
        limit: 100,
    };
    let ids: Vec<_> = store
        .query_tickets(&q("新标签"), None, NOW)
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(
        ids,
        vec![desk.tickets[0].id.clone()],
        "the new tag finds the ticket"
    );
    assert_eq!(
        walk(&store, q("vip"), "me"),
        reference(&desk, &q("vip"), "me"),
        "old tags were dropped"
    );
}

#[test]
fn a_foreign_or_damaged_page_cursor_is_a_clear_error() {
    let (_, changes) = generate(3, 10);
    let mut store = Store::open_in_memory().unwrap();
    store.apply_pull_page(&changes, "1.0").unwrap();
    for after in [
        "",
        "garbage",
        "s.1.t001",
        "a.notanumber.t001",
        "a.1.",
        "a.1",
    ] {
        let q = TicketQuery {
            view: InboxView::All,
            filter: Default::default(),
            sort: TicketSort::LastActivity,
            after: Some(after.into()),
            limit: 5,
        };
        let err = store.query_tickets(&q, None, NOW).unwrap_err();
        assert!(
            matches!(err, desk_store::Error::BadCursor(_)),
            "{after:?} must be refused clearly, got {err}"
        );
    }
}

#[test]
fn customer_history_has_every_ticket_outcome_csat_and_transactions() {
    let mut store = Store::open_in_memory().unwrap();
    let mut solved = ticket("h1", 1, "c1", TicketStatus::Solved, Some("me"), 100);
    solved.csat = Some(5);
    let mut closed = ticket("h2", 2, "c1", TicketStatus::Closed, None, 200);
    closed.csat = Some(2);
    let open = ticket("h3", 3, "c1", TicketStatus::Open, None, 300);
    let other = ticket("x1", 4, "c2", TicketStatus::Open, None, 400);
    store
        .apply_pull_page(
            &[
                Change::Agent(agent("me")),
                Change::Customer(customer("c1", "王小明")),
                Change::Customer(customer("c2", "Other")),
                Change::WalletTransaction(wallet_tx(
                    "w1",
                    "c1",
                    TxStatus::AwaitingCustomerConfirmation,
                    50,
                )),
                Change::WalletTransaction(wallet_tx("w2", "c1", TxStatus::Confirmed, 60)),
                Change::Ticket(solved),
                Change::Ticket(closed),
                Change::Ticket(open),
                Change::Ticket(other),
            ],
            "1.0",
        )
        .unwrap();
    let h = store.customer_history("c1", 50).unwrap();
    assert_eq!(h.customer.name, "王小明");
    let ids: Vec<_> = h.tickets.iter().map(|e| e.ticket.id.as_str()).collect();
    assert_eq!(
        ids,
        ["h3", "h2", "h1"],
        "every earlier ticket of this customer, newest first, no one else's"
    );
    assert_eq!(h.tickets[2].csat, Some(5), "each outcome keeps its CSAT");
    assert_eq!(h.open_tickets, 1);
    assert_eq!(h.average_csat, Some(3.5));
    assert_eq!(h.transactions.len(), 2);
    assert_eq!(
        h.awaiting_confirmation, 1,
        "the stuck transaction is counted for the agent"
    );
    assert!(matches!(
        store.customer_history("nobody", 5),
        Err(desk_store::Error::CustomerNotFound(_))
    ));
}

/// Messages of one ticket at the same millisecond read in id order, in the conversation and
/// for the inbox's preview (the latest: highest time, then highest id), though the
/// conversation index holds no id.
#[test]
fn messages_at_the_same_time_are_ordered_by_id() {
    let mut store = Store::open_in_memory().unwrap();
    let mut page = vec![
        Change::Customer(customer("c1", "王芳")),
        Change::Ticket(ticket("t1", 1, "c1", TicketStatus::Open, None, 5)),
    ];
    for (id, at) in [("m-c", 5), ("m-a", 5), ("m-d", 4), ("m-b", 5)] {
        page.push(Change::Message(super::message(
            id,
            "t1",
            &format!("text {id}"),
            MessageKind::PublicReply,
            at,
        )));
    }
    store.apply_pull_page(&page, "1.0").unwrap();
    let ids: Vec<String> = store
        .ticket_detail("t1")
        .unwrap()
        .messages
        .into_iter()
        .map(|m| m.message.id)
        .collect();
    assert_eq!(ids, ["m-d", "m-a", "m-b", "m-c"], "time, then id");
    let inbox = store
        .list_tickets(&desk_store::ViewQuery {
            view: InboxView::All,
            me: None,
            limit: 10,
        })
        .unwrap();
    assert_eq!(inbox[0].preview, "text m-c", "the latest by time, then id");
}
