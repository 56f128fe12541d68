//! Push over HTTP on each backend (DESIGN.md §4): exactly once, in order per client, the
//! conflict rules, answers in the pull, bad input.

use std::sync::Arc;

use crate::support::Tokens as TokenResponse;
use axum::http::StatusCode;
use desk_core::wire::Change;
use desk_core::{
    Customer, CustomerTier, ErrorCode, Message, MessageKind, Mutation, MutationOp, MutationResult,
    Role, Ticket, TicketStatus,
};
use desk_server::Storage;
use serde_json::json;

use super::{everything, message, ticket};
use crate::support::{T0, TestApp, code};

/// One console: its client id, next seq and signed-in agent.
pub struct Console {
    pub client_id: String,
    pub seq: u64,
    pub agent_id: String,
    pub token: String,
}

impl Console {
    pub async fn sign_in(app: &TestApp, email: &str) -> Self {
        let TokenResponse {
            access_token,
            agent,
            ..
        } = app.login(email).await;
        Self {
            client_id: uuid::Uuid::now_v7().to_string(),
            seq: 0,
            agent_id: agent.id,
            token: access_token,
        }
    }

    /// Makes one mutation per action and pushes them together.
    pub async fn push(&mut self, app: &TestApp, ops: Vec<MutationOp>) -> Vec<MutationResult> {
        let batch: Vec<Mutation> = ops.into_iter().map(|op| self.make(op)).collect();
        app.push(&self.token, &batch).await
    }

    /// The next mutation of this console.
    pub fn make(&mut self, op: MutationOp) -> Mutation {
        self.seq += 1;
        Mutation {
            id: uuid::Uuid::now_v7().to_string(),
            client_id: self.client_id.clone(),
            seq: self.seq,
            agent_id: self.agent_id.clone(),
            created_at: T0 + self.seq as i64,
            op,
        }
    }
}

pub fn set_status(ticket_id: &str, status: TicketStatus) -> MutationOp {
    MutationOp::SetStatus {
        ticket_id: ticket_id.into(),
        status,
    }
}

pub fn reply(ticket_id: &str, text: &str, last_seen: Option<&str>) -> MutationOp {
    MutationOp::Reply {
        ticket_id: ticket_id.into(),
        message_id: uuid::Uuid::now_v7().to_string(),
        body_text: text.into(),
        last_seen_message_id: last_seen.map(str::to_owned),
        attachments: vec![],
    }
}

pub fn note(ticket_id: &str, text: &str) -> MutationOp {
    MutationOp::Note {
        ticket_id: ticket_id.into(),
        message_id: uuid::Uuid::now_v7().to_string(),
        body_text: text.into(),
    }
}

fn tags(add: bool, ticket_id: &str, list: &[&str]) -> MutationOp {
    let tags = list.iter().map(|t| t.to_string()).collect();
    let ticket_id = ticket_id.into();
    if add {
        MutationOp::AddTags { ticket_id, tags }
    } else {
        MutationOp::RemoveTags { ticket_id, tags }
    }
}

pub fn customer(id: &str) -> Customer {
    Customer {
        id: id.into(),
        platform_user_id: format!("u-{id}"),
        name: "王芳".into(),
        emails: vec![],
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

/// An app with two agents (lin.wei@ and amy@), customer c1, ticket t1 (new) with one
/// customer message m1.
pub async fn app_with_ticket(storage: Arc<dyn Storage>) -> TestApp {
    app_with_ticket_and_config(storage, desk_server::Config::for_tests()).await
}

pub async fn app_with_ticket_and_config(
    storage: Arc<dyn Storage>,
    config: desk_server::Config,
) -> TestApp {
    let app = TestApp::with_storage_and_config(storage, config);
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    app.add_agent("amy@desk.test", Role::Agent).await;
    app.storage
        .write_records(vec![
            Change::Customer(customer("c1")),
            Change::Ticket(ticket("t1", None)),
            Change::Message(message("m1", "我的 USDT 还没到账")),
        ])
        .await
        .expect("write fixtures");
    app
}

fn stored_ticket(feed: &[Change], id: &str) -> Ticket {
    feed.iter()
        .find_map(|c| match c {
            Change::Ticket(t) if t.id == id => Some(t.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("ticket {id} is in the feed"))
}

fn messages_of(feed: &[Change], ticket_id: &str) -> Vec<Message> {
    feed.iter()
        .filter_map(|c| match c {
            Change::Message(m) if m.ticket_id == ticket_id => Some(m.clone()),
            _ => None,
        })
        .collect()
}

fn is_rejected(result: &MutationResult, expected: ErrorCode) -> bool {
    matches!(result, MutationResult::Rejected { code, .. } if *code == expected)
}

pub async fn a_push_applies_once_and_a_replay_changes_nothing(storage: Arc<dyn Storage>) {
    let app = app_with_ticket(storage).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let batch = vec![
        lin.make(set_status("t1", TicketStatus::Open)),
        lin.make(reply("t1", "您好，我们正在核实这笔提币。", Some("m1"))),
        lin.make(tags(true, "t1", &["tron", "vip"])),
    ];
    let results = app.push(&lin.token, &batch).await;
    assert_eq!(
        results,
        vec![MutationResult::Applied; 3],
        "valid actions on a ticket are applied"
    );
    let feed = everything(app.storage.as_ref()).await;
    let t1 = stored_ticket(&feed, "t1");
    assert_eq!(t1.status, TicketStatus::Open, "the status change is stored");
    assert_eq!(t1.tags, ["tron", "vip"], "the tags are stored");
    assert_eq!(t1.number, Some(1), "the ticket keeps its server number");
    assert_eq!(
        t1.updated_at, T0,
        "the console's clock runs ahead of the server's: its times are bounded by the server's now"
    );
    let conversation = messages_of(&feed, "t1");
    assert_eq!(
        conversation.len(),
        2,
        "the reply joins the conversation in the feed"
    );
    let sent = &conversation[1];
    assert_eq!(
        (
            sent.kind,
            sent.author.id.as_deref(),
            sent.author.name.as_str()
        ),
        (
            MessageKind::PublicReply,
            Some(lin.agent_id.as_str()),
            "Agent lin.wei@desk.test"
        ),
        "the reply is the signed-in agent's, under its name"
    );

    let again = app.push(&lin.token, &batch).await;
    assert_eq!(
        again, results,
        "a replay is answered with the stored first answers"
    );
    assert_eq!(
        everything(app.storage.as_ref()).await,
        feed,
        "a replay changes nothing: no second reply, no new change"
    );
}

pub async fn mutations_apply_in_seq_order_per_client(storage: Arc<dyn Storage>) {
    let app = app_with_ticket(storage).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let solve = lin.make(set_status("t1", TicketStatus::Solved));
    let close = lin.make(set_status("t1", TicketStatus::Closed));
    // Closing needs a solved ticket: only seq order makes both apply.
    let results = app.push(&lin.token, &[close.clone(), solve.clone()]).await;
    assert_eq!(
        results,
        vec![MutationResult::Applied; 2],
        "the server applies a client's mutations by seq, whatever the request order"
    );
    let feed = everything(app.storage.as_ref()).await;
    assert_eq!(stored_ticket(&feed, "t1").status, TicketStatus::Closed);
    let claim = lin
        .push(
            &app,
            vec![MutationOp::Claim {
                ticket_id: "t1".into(),
            }],
        )
        .await;
    assert!(
        is_rejected(&claim[0], ErrorCode::Conflict),
        "a closed ticket cannot be claimed: a rejection, not a lost claim: {claim:?}"
    );
    let feed = everything(app.storage.as_ref()).await;

    let mut late = solve.clone();
    late.id = uuid::Uuid::now_v7().to_string();
    let results = app.push(&lin.token, std::slice::from_ref(&late)).await;
    assert!(
        is_rejected(&results[0], ErrorCode::Conflict),
        "a new mutation behind its client's last seq is refused, never applied out of order: {results:?}"
    );
    assert_eq!(
        app.push(&lin.token, &[late]).await,
        results,
        "the refusal is stored like any answer"
    );
    assert_eq!(
        everything(app.storage.as_ref()).await,
        feed,
        "the late mutation changed nothing"
    );
}

pub async fn claims_are_compare_and_set_and_assign_is_last_writer_wins(storage: Arc<dyn Storage>) {
    let app = app_with_ticket(storage).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let mut amy = Console::sign_in(&app, "amy@desk.test").await;
    let claim = MutationOp::Claim {
        ticket_id: "t1".into(),
    };
    assert_eq!(
        lin.push(&app, vec![claim.clone()]).await,
        [MutationResult::Applied],
        "the first claim wins"
    );
    let lost = amy.push(&app, vec![claim]).await;
    assert!(
        matches!(&lost[0], MutationResult::Conflict { resolution } if resolution.contains(&lin.agent_id)),
        "the second claim is a conflict that says who has the ticket: {lost:?}"
    );
    let feed = everything(app.storage.as_ref()).await;
    assert_eq!(
        stored_ticket(&feed, "t1").assignee_id.as_deref(),
        Some(lin.agent_id.as_str()),
        "the lost claim did not take the ticket"
    );

    // Handing on Lin's ticket is a supervisor's call (access.rs; conformance::admin).
    app.add_agent("chen@desk.test", Role::Supervisor).await;
    let mut chen = Console::sign_in(&app, "chen@desk.test").await;
    let assign = chen.make(MutationOp::Assign {
        ticket_id: "t1".into(),
        assignee_id: Some(amy.agent_id.clone()),
    });
    assert_eq!(
        app.push(&chen.token, &[assign]).await,
        [MutationResult::Applied],
        "an explicit assignment is last-writer-wins"
    );
    let nobody = chen.make(MutationOp::Assign {
        ticket_id: "t1".into(),
        assignee_id: Some("no-such-agent".into()),
    });
    let results = app.push(&chen.token, &[nobody]).await;
    assert!(
        is_rejected(&results[0], ErrorCode::NotFound),
        "a ticket is never assigned to an unknown agent: {results:?}"
    );
    let feed = everything(app.storage.as_ref()).await;
    assert_eq!(
        stored_ticket(&feed, "t1").assignee_id.as_deref(),
        Some(amy.agent_id.as_str()),
        "the last valid assignment stands"
    );
}

pub async fn rejections_do_not_block_later_mutations(storage: Arc<dyn Storage>) {
    let app = app_with_ticket(storage).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let batch = vec![
        lin.make(set_status("no-such-ticket", TicketStatus::Open)),
        lin.make(set_status("t1", TicketStatus::Closed)),
        lin.make(tags(true, "t1", &["  "])),
        lin.make(tags(true, "t1", &["tron"])),
    ];
    let results = app.push(&lin.token, &batch).await;
    assert!(
        is_rejected(&results[0], ErrorCode::NotFound),
        "an unknown ticket: {results:?}"
    );
    assert!(
        is_rejected(&results[1], ErrorCode::Conflict),
        "new cannot become closed: {results:?}"
    );
    assert!(
        is_rejected(&results[2], ErrorCode::BadRequest),
        "an empty tag: {results:?}"
    );
    assert_eq!(
        results[3],
        MutationResult::Applied,
        "a mutation after refused ones still applies"
    );
    let feed = everything(app.storage.as_ref()).await;
    let t1 = stored_ticket(&feed, "t1");
    assert_eq!(
        (t1.status, t1.tags),
        (TicketStatus::New, vec!["tron".to_owned()]),
        "only the valid mutation took effect"
    );
}

pub async fn tags_merge_as_sets(storage: Arc<dyn Storage>) {
    let app = app_with_ticket(storage).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let mut amy = Console::sign_in(&app, "amy@desk.test").await;
    // Both consoles worked from the same state; their edits touch different tags.
    let lin_adds = lin.make(tags(true, "t1", &["tron", "vip"]));
    let amy_adds = amy.make(tags(true, "t1", &["urgent", "vip"]));
    let amy_removes = amy.make(tags(false, "t1", &["tron"]));
    app.push(&lin.token, &[lin_adds]).await;
    app.push(&amy.token, &[amy_adds, amy_removes]).await;
    let feed = everything(app.storage.as_ref()).await;
    let mut merged = stored_ticket(&feed, "t1").tags;
    merged.sort();
    assert_eq!(
        merged,
        ["urgent", "vip"],
        "adds and removes merge as a set: no duplicate vip, tron removed, nothing lost"
    );
}

pub async fn a_delete_wins_over_concurrent_edits(storage: Arc<dyn Storage>) {
    let app = app_with_ticket(storage).await;
    // Deleting is a supervisor's (access.rs).
    app.add_agent("chen@desk.test", Role::Supervisor).await;
    let mut chen = Console::sign_in(&app, "chen@desk.test").await;
    let mut amy = Console::sign_in(&app, "amy@desk.test").await;
    // Both worked offline from the same state: Chen deletes the spam, Amy tags it.
    let delete = chen.make(MutationOp::DeleteTicket {
        ticket_id: "t1".into(),
    });
    let amy_tags = amy.make(tags(true, "t1", &["vip"]));
    assert_eq!(
        app.push(&chen.token, &[delete]).await,
        [MutationResult::Applied]
    );
    let results = app.push(&amy.token, &[amy_tags]).await;
    assert!(
        is_rejected(&results[0], ErrorCode::Conflict),
        "the edit that arrives after the delete loses, and its agent is told: {results:?}"
    );
    let feed = everything(app.storage.as_ref()).await;
    let stored = stored_ticket(&feed, "t1");
    assert!(
        stored.deleted_at.is_some() && stored.tags.iter().all(|t| t != "vip"),
        "the server keeps the ticket, soft-deleted, without the losing edit: {stored:?}"
    );
}

pub async fn a_reply_is_held_when_someone_else_wrote_meanwhile(storage: Arc<dyn Storage>) {
    let app = app_with_ticket(storage).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    // Offline, the agent wrote a note and then a reply, having seen m1 only.
    let own = lin
        .push(
            &app,
            vec![
                note("t1", "客户说是 TRON 链"),
                reply("t1", "请稍等，我们在查。", Some("m1")),
            ],
        )
        .await;
    assert_eq!(
        own,
        vec![MutationResult::Applied; 2],
        "the agent's own note does not hold its reply"
    );

    // The customer writes again; a reply queued before that is held.
    let mut wrote_again = message("m9", "不用了，已经到账了");
    wrote_again.created_at = 5;
    app.storage
        .write_records(vec![Change::Message(wrote_again)])
        .await
        .unwrap();
    let before = everything(app.storage.as_ref()).await;
    let stale = lin.make(reply("t1", "我们已为您加急处理。", Some("m1")));
    let held = app.push(&lin.token, std::slice::from_ref(&stale)).await;
    assert!(
        matches!(&held[0], MutationResult::Held { reason } if reason.contains("王芳")),
        "a reply written before the customer's new message is held, naming who wrote: {held:?}"
    );
    assert_eq!(
        everything(app.storage.as_ref()).await,
        before,
        "a held reply is not sent"
    );
    assert_eq!(
        app.push(&lin.token, &[stale]).await,
        held,
        "a replay of a held reply is held again: the agent confirms with a new mutation"
    );
    let confirmed = lin.make(reply("t1", "好的，祝您愉快。", Some("m9")));
    assert_eq!(
        app.push(&lin.token, &[confirmed]).await,
        [MutationResult::Applied],
        "a reply that has seen the newest message is sent"
    );
}

pub async fn only_the_signed_in_agents_mutations_are_applied(storage: Arc<dyn Storage>) {
    let app = app_with_ticket(storage).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let amy = Console::sign_in(&app, "amy@desk.test").await;
    let lins = lin.make(set_status("t1", TicketStatus::Open));
    let refused = app.push(&amy.token, std::slice::from_ref(&lins)).await;
    assert!(
        is_rejected(&refused[0], ErrorCode::Forbidden),
        "queued work never changes hands on re-login: {refused:?}"
    );
    let feed = everything(app.storage.as_ref()).await;
    assert_eq!(stored_ticket(&feed, "t1").status, TicketStatus::New);
    assert_eq!(
        app.push(&lin.token, &[lins]).await,
        [MutationResult::Applied],
        "the refusal was not stored: its own agent can still push it"
    );
}

pub async fn an_agent_opens_a_ticket_and_the_server_numbers_it(storage: Arc<dyn Storage>) {
    let app = app_with_ticket(storage).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let mut call = ticket("t-phone", Some(77));
    call.status = TicketStatus::Open;
    let create = lin.make(MutationOp::CreateTicket {
        ticket: Box::new(call.clone()),
    });
    let mut orphan = ticket("t-orphan", None);
    orphan.customer_id = "no-such-customer".into();
    let create_orphan = lin.make(MutationOp::CreateTicket {
        ticket: Box::new(orphan),
    });
    let results = app.push(&lin.token, &[create, create_orphan]).await;
    assert_eq!(
        results[0],
        MutationResult::Applied,
        "a phone ticket is opened"
    );
    assert!(
        is_rejected(&results[1], ErrorCode::NotFound),
        "a ticket for an unknown customer is refused: {results:?}"
    );
    let feed = everything(app.storage.as_ref()).await;
    assert_eq!(
        stored_ticket(&feed, "t-phone").number,
        Some(2),
        "the number is the server's, not the client's guess"
    );
    assert!(
        !feed.iter().any(|c| c.id() == "t-orphan"),
        "the refused ticket was not written"
    );
}

pub async fn the_pull_carries_the_devices_answers(storage: Arc<dyn Storage>) {
    let app = app_with_ticket(storage).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let other_device = app.login("lin.wei@desk.test").await.access_token;
    let (_, cursor) = app.pull_all(&lin.token, "", 1000).await;

    let applied = lin.make(set_status("t1", TicketStatus::Open));
    let refused = lin.make(set_status("t1", TicketStatus::New));
    let answers = app
        .push(&lin.token, &[applied.clone(), refused.clone()])
        .await;

    let page = app.pull(&lin.token, &cursor, 1000).await;
    let acknowledged: Vec<_> = page
        .acknowledged
        .iter()
        .map(|a| (a.mutation_id.clone(), a.result.clone()))
        .collect();
    assert_eq!(
        acknowledged,
        vec![
            (applied.id.clone(), answers[0].clone()),
            (refused.id.clone(), answers[1].clone())
        ],
        "a client that lost the push answer learns every result from its next pull"
    );
    let next = app.pull(&lin.token, &page.next_cursor, 1000).await;
    assert!(
        next.acknowledged.is_empty() && next.changes.is_empty(),
        "answers are delivered once, like changes"
    );

    let elsewhere = app.pull(&other_device, &cursor, 1000).await;
    assert!(
        elsewhere.acknowledged.is_empty(),
        "another device does not receive this device's answers"
    );
    assert_eq!(
        elsewhere.changes, page.changes,
        "every device receives the changes"
    );

    // A push that changes nothing still moves the device's feed: its answer is an entry.
    let only_refused = lin.make(set_status("no-such-ticket", TicketStatus::Open));
    app.push(&lin.token, std::slice::from_ref(&only_refused))
        .await;
    let page = app.pull(&lin.token, &next.next_cursor, 1000).await;
    assert_eq!(
        page.acknowledged
            .iter()
            .map(|a| a.mutation_id.as_str())
            .collect::<Vec<_>>(),
        [only_refused.id.as_str()],
        "a rejected-only push is acknowledged through the pull too"
    );
    assert_ne!(
        page.next_cursor, next.next_cursor,
        "the cursor moves past the answer, so it is not delivered again"
    );

    // Small pages interleave answers and changes in commit order without losing any.
    let mut cursor = String::new();
    let mut acks = 0;
    loop {
        let page = app.pull(&lin.token, &cursor, 1).await;
        assert!(
            page.changes.len() + page.acknowledged.len() <= 1,
            "the limit counts changes and answers together"
        );
        acks += page.acknowledged.len();
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(acks, 3, "paging one entry at a time delivers every answer");
}

pub async fn bad_push_input_is_a_4xx_never_a_5xx(storage: Arc<dyn Storage>) {
    let app = app_with_ticket(storage).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let valid = lin.make(set_status("t1", TicketStatus::Open));
    let as_json = |m: &Mutation| serde_json::to_value(m).unwrap();

    let mut empty_id = as_json(&valid);
    empty_id["id"] = json!("");
    let mut zero_seq = as_json(&valid);
    zero_seq["seq"] = json!(0);
    let mut nul_client = as_json(&valid);
    nul_client["client_id"] = json!("c\u{0}1");
    let mut unknown_op = as_json(&valid);
    unknown_op["op"]["type"] = json!("delete_everything");
    let too_many: Vec<_> = (0..201)
        .map(|_| as_json(&lin.make(note("t1", "x"))))
        .collect();
    let cases = [
        (
            json!({ "schema_version": 1, "mutations": [empty_id] }),
            "an empty mutation id",
        ),
        (
            json!({ "schema_version": 1, "mutations": [zero_seq] }),
            "seq 0",
        ),
        (
            json!({ "schema_version": 1, "mutations": [nul_client] }),
            "NUL in a client id",
        ),
        (
            json!({ "schema_version": 1, "mutations": [unknown_op] }),
            "an unknown action",
        ),
        (
            json!({ "schema_version": 99, "mutations": [] }),
            "an unknown schema",
        ),
        (
            json!({ "schema_version": 1, "mutations": too_many }),
            "too many mutations",
        ),
        (json!({ "mutations": "nope" }), "a malformed body"),
    ];
    for (body, what) in cases {
        let (status, answer) = app.post("/api/v1/push", Some(&lin.token), body).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::BAD_REQUEST, "bad_request"),
            "{what} is bad input: {answer}"
        );
    }
    let huge = json!({ "schema_version": 1, "mutations": [], "pad": "x".repeat(1024 * 1024) });
    let (status, answer) = app.post("/api/v1/push", Some(&lin.token), huge).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        "an oversized body is refused before parsing"
    );
    let (status, _) = app.post("/api/v1/push", None, json!({})).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "push needs a signed-in agent"
    );

    // Content problems are answered per mutation, so one bad action never blocks a queue.
    let mut long_ticket = ticket("t-long", None);
    long_ticket.subject = "长".repeat(501);
    let batch = vec![
        lin.make(reply("t1", "您好\u{0}", Some("m1"))),
        lin.make(set_status("t\u{0}1", TicketStatus::Open)),
        lin.make(note("t1", &"长".repeat(30_000))),
        lin.make(MutationOp::CreateTicket {
            ticket: Box::new(long_ticket),
        }),
        lin.make(tags(true, "t1", &["x"; 101])),
        valid,
    ];
    let before = everything(app.storage.as_ref()).await;
    let results = app.push(&lin.token, &batch).await;
    for (result, what) in results.iter().zip([
        "NUL in a reply",
        "NUL in a ticket id",
        "a note over 64 KiB",
        "a subject over 500 characters",
        "101 tags",
    ]) {
        assert!(
            matches!(result, MutationResult::Rejected { code, .. }
                if matches!(code, ErrorCode::BadRequest | ErrorCode::PayloadTooLarge)),
            "{what} is refused as bad input: {result:?}"
        );
    }
    assert_eq!(
        results[5],
        MutationResult::Applied,
        "the valid mutation behind them applies"
    );
    let after = everything(app.storage.as_ref()).await;
    assert_eq!(
        after.len(),
        before.len(),
        "the refused mutations wrote nothing; the valid one replaced the ticket's change"
    );
}

pub async fn nul_in_plain_text_is_bad_input_not_an_internal_error(storage: Arc<dyn Storage>) {
    let app = TestApp::with_storage(storage);
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    let (status, body) = app.login_raw("lin.wei\u{0}@desk.test", "whatever").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "bad_request"),
        "a NUL in a login email is bad input (PostgreSQL used to fail with a 500): {body}"
    );
    let (status, body) = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({ "email": "lin.wei@desk.test", "password": crate::support::PASSWORD,
                    "device_name": "laptop\u{0}" }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a NUL in a device name is dropped, not stored and not an error: {body}"
    );

    let mut bad = ticket("t1", None);
    bad.customer_id = "c\u{0}1".into();
    let err = app
        .storage
        .write_records(vec![
            Change::Ticket(ticket("t0", None)),
            Change::Ticket(bad),
        ])
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::BadRequest,
        "a NUL in a column is refused as bad input on every backend: {err}"
    );
    assert!(
        everything(app.storage.as_ref())
            .await
            .iter()
            .all(|c| c.kind() == "agent"),
        "the refused batch wrote nothing"
    );
    let hostile = message("m1", "客户发来的 \u{0} 字符");
    app.storage
        .write_records(vec![Change::Message(hostile.clone())])
        .await
        .expect("NUL inside message text is kept, escaped in the JSON body");
    assert!(
        everything(app.storage.as_ref())
            .await
            .contains(&Change::Message(hostile)),
        "the hostile text reads back exactly"
    );
}

/// The "never error but applied" check, for a backend-specific way to make storing the
/// answer fail: `break_answers` makes the insert of a result fail, `mend` undoes it.
pub async fn a_failed_push_leaves_nothing_behind(
    storage: Arc<dyn Storage>,
    break_answers: impl std::future::Future<Output = ()>,
    mend: impl std::future::Future<Output = ()>,
) {
    storage
        .write_records(vec![Change::Ticket(ticket("t1", None))])
        .await
        .unwrap();
    let author = desk_core::Agent {
        id: "a1".into(),
        name: "林伟".into(),
        email: "lin@desk.test".into(),
        role: Role::Agent,
        languages: vec![],
        groups: Vec::new(),
        skills: vec![],
        capacity: None,
    };
    let mutation = Mutation {
        id: "m-1".into(),
        client_id: "c".into(),
        seq: 1,
        agent_id: "a1".into(),
        created_at: 5,
        op: set_status("t1", TicketStatus::Open),
    };
    let batch = desk_server::storage::PushBatch {
        author,
        device_id: "d1".into(),
        now: 10,
        mutations: vec![mutation],
    };
    let before = everything(storage.as_ref()).await;
    break_answers.await;
    let err = storage.push(batch.clone()).await.unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::Internal,
        "the injected failure surfaces as an error: {err}"
    );
    assert_eq!(
        everything(storage.as_ref()).await,
        before,
        "a push whose answer could not be stored changed nothing: never error but applied"
    );
    mend.await;
    let receipt = storage.push(batch).await.expect("push after mending");
    assert_eq!(
        receipt.results,
        [MutationResult::Applied],
        "the retried mutation applies: nothing of the failed attempt was kept"
    );
}

pub async fn concurrent_claims_have_exactly_one_winner(storage: Arc<dyn Storage>) {
    let app = Arc::new(app_with_ticket(storage).await);
    let mut consoles = Vec::new();
    for email in ["lin.wei@desk.test", "amy@desk.test"] {
        for _ in 0..4 {
            consoles.push(Console::sign_in(&app, email).await);
        }
    }
    let pushes = consoles.into_iter().map(|mut console| {
        let app = app.clone();
        tokio::spawn(async move {
            let answer = console
                .push(
                    &app,
                    vec![MutationOp::Claim {
                        ticket_id: "t1".into(),
                    }],
                )
                .await;
            (console.agent_id, answer[0].clone())
        })
    });
    let answers: Vec<(String, MutationResult)> = futures_util::future::join_all(pushes)
        .await
        .into_iter()
        .map(|joined| joined.expect("push task"))
        .collect();
    let feed = everything(app.storage.as_ref()).await;
    let winner = stored_ticket(&feed, "t1")
        .assignee_id
        .expect("one claim won");
    for (agent, answer) in &answers {
        let expected_applied = *agent == winner;
        assert_eq!(
            *answer == MutationResult::Applied,
            expected_applied,
            "the winner's consoles are applied (a claim of one's own ticket is a no-op), \
             every other claim is a conflict: {answers:?}"
        );
        if !expected_applied {
            assert!(
                matches!(answer, MutationResult::Conflict { .. }),
                "a losing claim is answered as a conflict: {answer:?}"
            );
        }
    }
}
