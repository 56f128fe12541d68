//! Push (DESIGN.md §4): the rules that turn a device's batch of mutations into results,
//! independent of storage and HTTP.
//!
//! [`push`] checks the request, answers what needs no database (a mutation made by
//! another agent), orders the rest per client by `seq` and hands them to
//! [`Storage::push`]. A backend applies the batch in one transaction that holds the feed's
//! version row, and for each mutation asks [`settle`] (replay? out of order? malformed?),
//! then looks up what [`lookups`] names and asks [`decide`], then writes what the
//! [`Decision`] says, result included. The backends only fetch and write; every choice is
//! made here, once, so SQLite and PostgreSQL answer alike.
//! Must not depend on a storage backend or on axum.

use desk_core::apply::{self, MAX_TAG_CHARS, Refusal};
use desk_core::delivery::{self, Delivery, Route};
use desk_core::wire::{Acknowledgement, Change, PushRequest, PushResponse, SCHEMA_VERSION};
use desk_core::{
    AuthorKind, ErrorCode, Message, MessageKind, Mutation, MutationOp, MutationResult, Ticket,
    TicketStatus,
};

use crate::auth::Caller;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::storage::{PushBatch, Storage};

/// Longest id accepted (mutation, client, ticket, message, agent ids): UUIDs are 36.
pub const MAX_ID_BYTES: usize = 128;
/// Longest subject of a ticket an agent opens, in characters.
pub const MAX_SUBJECT_CHARS: usize = 500;
/// Most entries in one list of a mutation (tags, linked transactions).
pub const MAX_LIST_LEN: usize = 100;
/// Longest short text field of a new ticket (language, group, ...), in characters.
const MAX_SHORT_TEXT_CHARS: usize = 128;

/// What a backend keeps for a mutation it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMutation {
    pub client_id: String,
    pub seq: u64,
    pub agent_id: String,
    pub result: MutationResult,
}

/// What to do with one mutation.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub result: MutationResult,
    /// Store `result` under the mutation's id and advance its client's sequence. False
    /// only for a replay, whose first answer is already stored.
    pub record: bool,
    /// Records to write, in order, in the same transaction as the result.
    pub writes: Vec<Change>,
}

impl Decision {
    fn recorded(result: MutationResult) -> Self {
        Self {
            result,
            record: true,
            writes: vec![],
        }
    }

    fn rejected(code: ErrorCode, reason: impl Into<String>) -> Self {
        Self::recorded(MutationResult::Rejected {
            code,
            reason: reason.into(),
        })
    }
}

/// What a backend must look up, inside its transaction, before [`decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lookups<'m> {
    pub ticket_id: &'m str,
    /// The ticket's messages in feed order: a reply's held check needs them.
    pub conversation: bool,
    /// Whether a message with this id exists already.
    pub message_id: Option<&'m str>,
    /// Whether an agent with this id exists.
    pub assignee_id: Option<&'m str>,
    /// Whether a customer with this id exists.
    pub customer_id: Option<&'m str>,
    /// A reply's way to the customer: the ticket's route and its customer's addresses.
    pub route: bool,
    /// The delivery of this message (a retry).
    pub delivery_id: Option<&'m str>,
    /// The files a reply carries, by address: whether and as what the server holds each.
    pub files: &'m [desk_core::Attachment],
}

pub fn lookups(m: &Mutation) -> Lookups<'_> {
    let (assignee_id, customer_id) = match &m.op {
        MutationOp::Assign { assignee_id, .. } => (assignee_id.as_deref(), None),
        MutationOp::CreateTicket { ticket } => (None, Some(ticket.customer_id.as_str())),
        _ => (None, None),
    };
    Lookups {
        ticket_id: m.op.ticket_id(),
        conversation: matches!(m.op, MutationOp::Reply { .. }),
        message_id: m.op.message_id(),
        assignee_id,
        customer_id,
        route: matches!(m.op, MutationOp::Reply { .. }),
        delivery_id: match &m.op {
            MutationOp::RetryDelivery { message_id, .. } => Some(message_id),
            _ => None,
        },
        files: match &m.op {
            MutationOp::Reply { attachments, .. } => attachments,
            _ => &[],
        },
    }
}

/// The answers to [`Lookups`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub ticket: Option<Ticket>,
    /// The ticket's messages in server order (empty unless asked for).
    pub conversation: Vec<Message>,
    pub message_id_taken: bool,
    /// The agent an `Assign` names, when there is one.
    pub assignee: Option<desk_core::Agent>,
    pub customer_known: bool,
    /// Where the ticket's customer last wrote from (asked for with `route`).
    pub route: Option<Route>,
    /// The ticket's customer's email addresses (asked for with `route`).
    pub customer_emails: Vec<String>,
    /// The delivery a retry names.
    pub delivery: Option<Delivery>,
    /// Per file of [`Lookups::files`], in order: its type and size as stored, or `None`
    /// when the server does not hold it.
    pub files: Vec<Option<(String, u64)>>,
}

/// The answer that needs no lookup beyond the mutation's own history: a replay gets its
/// stored first answer; a mutation behind its client's sequence, or malformed, is
/// rejected. `None`: look up [`lookups`] and [`decide`].
pub fn settle(
    m: &Mutation,
    stored: Option<StoredMutation>,
    last_seq: Option<u64>,
) -> Option<Decision> {
    if let Some(stored) = stored {
        if stored.client_id != m.client_id || stored.seq != m.seq || stored.agent_id != m.agent_id {
            // A client made the same id twice; never hand one mutation's answer to another.
            return Some(Decision {
                result: MutationResult::Rejected {
                    code: ErrorCode::Conflict,
                    reason: format!("mutation id {} was already used", m.id),
                },
                record: false,
                writes: vec![],
            });
        }
        return Some(Decision {
            result: stored.result,
            record: false,
            writes: vec![],
        });
    }
    if let Some(last) = last_seq.filter(|last| m.seq <= *last) {
        // Either sent out of order, or answered so long ago that retention dropped the
        // answer: applying it now could apply it twice, or out of order.
        return Some(Decision::rejected(
            ErrorCode::Conflict,
            format!(
                "mutation {} of client {} came after mutation {last}; it was sent out of \
                 order or answered before the server's retention window",
                m.seq, m.client_id
            ),
        ));
    }
    validate(m)
        .err()
        .map(|r| Decision::rejected(r.code, r.reason))
}

/// Applies the shared rules of [`desk_core::apply`] to the server's state.
///
/// `author` is the signed-in agent: its name goes on the messages it writes, its groups
/// bound the tickets it may touch. `now` bounds the mutation's time, so a client clock
/// running ahead cannot date work in the future.
pub fn decide(m: &Mutation, author: &desk_core::Agent, now: i64, facts: Facts) -> Decision {
    let mut m = m.clone();
    m.created_at = m.created_at.clamp(0, now.max(0));
    let current = facts.ticket.as_ref();
    // Scope by group (DESIGN.md §4): what an agent does not receive, it cannot change. A
    // console holds such a ticket only from before its agent left the group.
    if let Some(t) = current
        && !author.sees_group(t.group.as_deref())
    {
        return Decision::rejected(
            ErrorCode::Forbidden,
            format!(
                "{} belongs to group {}, which you are not in",
                ticket_name(t),
                t.group.as_deref().unwrap_or_default()
            ),
        );
    }
    if let MutationOp::CreateTicket { ticket: new } = &m.op
        && current.is_none()
        && !author.sees_group(new.group.as_deref())
    {
        return Decision::rejected(
            ErrorCode::Forbidden,
            format!(
                "you are not in group {}",
                new.group.as_deref().unwrap_or_default()
            ),
        );
    }
    // The role the action needs on the ticket as it stands here (desk_core::access): a
    // console may have queued it when the ticket was still unassigned.
    if let Err(refusal) = desk_core::access::check(author, &m.op, current) {
        return Decision::rejected(refusal.code, refusal.reason);
    }
    let ticket = match apply::apply_mutation(current, &m) {
        Ok(ticket) => ticket,
        Err(refusal) => return refused(&m, current, refusal),
    };
    if m.op.message_id().is_some() && facts.message_id_taken {
        return Decision::rejected(
            ErrorCode::Conflict,
            format!(
                "message id {} is already used",
                m.op.message_id().unwrap_or("")
            ),
        );
    }
    if let MutationOp::Reply {
        last_seen_message_id,
        ..
    } = &m.op
        && let Some(newer) = written_since(
            &facts.conversation,
            last_seen_message_id.as_deref(),
            &m.agent_id,
        )
    {
        return Decision::recorded(MutationResult::Held {
            reason: format!(
                "{} wrote to {} after this reply was written",
                newer.author.name,
                ticket_name(&ticket)
            ),
        });
    }
    if let MutationOp::Assign {
        assignee_id: Some(assignee_id),
        ..
    } = &m.op
    {
        let Some(assignee) = &facts.assignee else {
            return Decision::rejected(ErrorCode::NotFound, format!("no agent {assignee_id}"));
        };
        // An assignee must receive the ticket: one outside its group would not.
        if !assignee.sees_group(ticket.group.as_deref()) {
            return Decision::rejected(
                ErrorCode::Conflict,
                format!(
                    "{} is not in group {} of {}",
                    assignee.name,
                    ticket.group.as_deref().unwrap_or_default(),
                    ticket_name(&ticket)
                ),
            );
        }
    }
    if let MutationOp::CreateTicket { ticket: new } = &m.op
        && !facts.customer_known
    {
        return Decision::rejected(
            ErrorCode::NotFound,
            format!("no customer {}", new.customer_id),
        );
    }
    let mut writes = Vec::with_capacity(3);
    if let MutationOp::RetryDelivery {
        message_id,
        recipient,
        ..
    } = &m.op
    {
        let Some(current) = facts.delivery.filter(|d| d.ticket_id == ticket.id) else {
            return Decision::rejected(
                ErrorCode::NotFound,
                format!("{} has no reply {message_id} to send", ticket_name(&ticket)),
            );
        };
        match delivery::retry(&current, recipient.as_deref(), now) {
            Ok(queued) => writes.push(Change::Delivery(queued)),
            Err(refusal) => return Decision::rejected(refusal.code, refusal.reason),
        }
    }
    // A reply's files must be on the server, and are described as the server holds them
    // (a client's word for a file's type or size is not taken).
    let mut message = apply::local_message(&m, &author.name);
    if let Some(message) = &mut message {
        for (i, file) in message.attachments.iter_mut().enumerate() {
            let Some(Some((content_type, size))) = facts.files.get(i) else {
                return Decision::rejected(
                    ErrorCode::NotFound,
                    format!(
                        "the file {} ({}) was not uploaded; send the reply again once it is",
                        file.file_name, file.sha256
                    ),
                );
            };
            file.content_type = content_type.clone();
            file.size = *size;
            file.file_name = desk_core::attachment::clean_name(&file.file_name);
        }
    }
    // The reply's delivery goes with it, in the same transaction: it is sent once stored.
    let outgoing = message.map(|message| {
        let delivery = delivery::queue(
            &message,
            &ticket,
            facts.route.as_ref(),
            &facts.customer_emails,
            now,
        );
        (message, delivery)
    });
    if current != Some(&ticket) {
        writes.push(Change::Ticket(ticket));
    }
    if let Some((message, delivery)) = outgoing {
        writes.push(Change::Message(message));
        writes.extend(delivery.map(Change::Delivery));
    }
    Decision {
        result: MutationResult::Applied,
        record: true,
        writes,
    }
}

/// A refusal of the rules as a result: a claim that lost to another agent's is a
/// conflict (resolved: the other agent keeps it), everything else a rejection.
fn refused(m: &Mutation, current: Option<&Ticket>, refusal: Refusal) -> Decision {
    let lost_claim = matches!(m.op, MutationOp::Claim { .. })
        && current.is_some_and(|t| {
            t.status != TicketStatus::Closed
                && t.assignee_id.as_ref().is_some_and(|a| *a != m.agent_id)
        });
    if lost_claim {
        return Decision::recorded(MutationResult::Conflict {
            resolution: refusal.reason,
        });
    }
    Decision::rejected(refusal.code, refusal.reason)
}

/// The first message someone other than `agent_id` wrote after `last_seen` (all of the
/// conversation when `last_seen` is absent or unknown). System events do not count: they
/// are not someone answering. The agent's own earlier messages do not count either: its
/// queued note and reply go out together, the reply having "seen" only confirmed state.
fn written_since<'c>(
    conversation: &'c [Message],
    last_seen: Option<&str>,
    agent_id: &str,
) -> Option<&'c Message> {
    let start = last_seen
        .and_then(|id| conversation.iter().position(|msg| msg.id == id))
        .map_or(0, |i| i + 1);
    conversation[start..].iter().find(|msg| {
        msg.kind != MessageKind::SystemEvent
            && !(msg.author.kind == AuthorKind::Agent && msg.author.id.as_deref() == Some(agent_id))
    })
}

fn ticket_name(t: &Ticket) -> String {
    match t.number {
        Some(n) => format!("ticket #{n}"),
        None => format!("ticket {}", t.id),
    }
}

fn bad(reason: String) -> Refusal {
    Refusal {
        code: ErrorCode::BadRequest,
        reason,
    }
}

/// An id the server can store and index: non-empty, bounded, no control characters.
pub(crate) fn check_id(what: &str, id: &str) -> std::result::Result<(), String> {
    if id.trim().is_empty() {
        return Err(format!("{what} is empty"));
    }
    if id.len() > MAX_ID_BYTES {
        return Err(format!("{what} is longer than {MAX_ID_BYTES} bytes"));
    }
    if id.chars().any(char::is_control) {
        return Err(format!("{what} {id:?} contains a control character"));
    }
    Ok(())
}

fn check_short(what: &str, text: &str, max_chars: usize) -> std::result::Result<(), Refusal> {
    if text.chars().count() > max_chars {
        return Err(bad(format!("{what} is longer than {max_chars} characters")));
    }
    Ok(())
}

fn check_list(what: &str, list: &[String]) -> std::result::Result<(), Refusal> {
    if list.len() > MAX_LIST_LEN {
        return Err(bad(format!("more than {MAX_LIST_LEN} {what}")));
    }
    Ok(())
}

/// Bounds and shapes the shared rules leave to the server: ids, list lengths, text sizes,
/// and NUL anywhere (PostgreSQL cannot keep it in a text column; no agent types it).
fn validate(m: &Mutation) -> std::result::Result<(), Refusal> {
    check_id("ticket id", m.op.ticket_id()).map_err(bad)?;
    if let Some(id) = m.op.message_id() {
        check_id("message id", id).map_err(bad)?;
    }
    match &m.op {
        MutationOp::Reply {
            last_seen_message_id: Some(id),
            ..
        } => check_id("last seen message id", id).map_err(bad)?,
        MutationOp::Assign {
            assignee_id: Some(id),
            ..
        } => check_id("assignee id", id).map_err(bad)?,
        MutationOp::RetryDelivery {
            message_id,
            recipient,
            ..
        } => {
            check_id("message id", message_id).map_err(bad)?;
            if let Some(address) = recipient {
                check_short("the address", address, delivery::MAX_ADDRESS_CHARS)?;
            }
        }
        MutationOp::AddTags { tags, .. } | MutationOp::RemoveTags { tags, .. } => {
            check_list("tags", tags)?;
        }
        MutationOp::CreateTicket { ticket } => {
            check_id("customer id", &ticket.customer_id).map_err(bad)?;
            check_short("the subject", &ticket.subject, MAX_SUBJECT_CHARS)?;
            check_short("the language", &ticket.language, MAX_SHORT_TEXT_CHARS)?;
            for (what, id) in [
                ("assignee id", &ticket.assignee_id),
                ("group", &ticket.group),
                ("incident id", &ticket.incident_id),
            ] {
                if let Some(id) = id {
                    check_id(what, id).map_err(bad)?;
                }
            }
            check_list("tags", &ticket.tags)?;
            check_list("linked transactions", &ticket.linked_transaction_ids)?;
            for id in &ticket.linked_transaction_ids {
                check_id("linked transaction id", id).map_err(bad)?;
            }
            for tag in &ticket.tags {
                check_short("a tag", tag, MAX_TAG_CHARS)?;
            }
        }
        _ => {}
    }
    if mutation_holds_nul(m) {
        return Err(bad("the mutation contains a NUL character".into()));
    }
    Ok(())
}

/// Whether any text anywhere in the mutation holds NUL.
fn mutation_holds_nul(m: &Mutation) -> bool {
    fn walk(value: &serde_json::Value) -> bool {
        match value {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(items) => items.iter().any(walk),
            serde_json::Value::Object(fields) => {
                fields.iter().any(|(k, v)| k.contains('\0') || walk(v))
            }
            _ => false,
        }
    }
    serde_json::to_value(m).is_ok_and(|v| walk(&v))
}

/// Refuses a request that cannot be answered mutation by mutation: a schema this server
/// does not know, too many mutations, or a mutation without a usable id (its answer
/// could not be stored, nor found again).
fn check_request(config: &Config, request: &PushRequest) -> Result<()> {
    if request.schema_version == 0 || request.schema_version > SCHEMA_VERSION {
        return Err(Error::BadRequest(format!(
            "unsupported schema version {} (this server speaks 1 to {SCHEMA_VERSION})",
            request.schema_version
        )));
    }
    if request.mutations.len() > config.push_max_batch {
        return Err(Error::BadRequest(format!(
            "{} mutations in one push; at most {} are accepted",
            request.mutations.len(),
            config.push_max_batch
        )));
    }
    for (index, m) in request.mutations.iter().enumerate() {
        let checked = check_id("mutation id", &m.id)
            .and_then(|()| check_id("client id", &m.client_id))
            .and_then(|()| {
                if m.seq == 0 || i64::try_from(m.seq).is_err() {
                    Err(format!("seq {} is out of range", m.seq))
                } else {
                    Ok(())
                }
            });
        if let Err(reason) = checked {
            return Err(Error::BadRequest(format!("mutation {index}: {reason}")));
        }
    }
    Ok(())
}

/// `POST /push`: applies `request` for `caller` and answers each mutation, in request
/// order.
pub async fn push(
    storage: &dyn Storage,
    config: &Config,
    caller: &Caller,
    now: i64,
    request: PushRequest,
) -> Result<PushResponse> {
    check_request(config, &request)?;
    let mut results: Vec<Option<MutationResult>> = vec![None; request.mutations.len()];
    let mut mine: Vec<(usize, Mutation)> = Vec::with_capacity(request.mutations.len());
    for (index, m) in request.mutations.iter().enumerate() {
        if m.agent_id == caller.agent.id {
            mine.push((index, m.clone()));
        } else {
            // Not stored: the mutation is not this caller's to answer for good. Its own
            // agent may still push it after signing in again.
            results[index] = Some(MutationResult::Rejected {
                code: ErrorCode::Forbidden,
                reason: format!(
                    "mutation {} was made by agent {}, not by the signed-in agent",
                    m.id, m.agent_id
                ),
            });
        }
    }
    // In `seq` order per client; the sort is stable, so equal keys keep request order.
    mine.sort_by(|(_, a), (_, b)| (&a.client_id, a.seq).cmp(&(&b.client_id, b.seq)));
    if !mine.is_empty() {
        let receipt = storage
            .push(PushBatch {
                author: caller.agent.clone(),
                device_id: caller.device_id.clone(),
                now,
                mutations: mine.iter().map(|(_, m)| m.clone()).collect(),
            })
            .await?;
        if receipt.results.len() != mine.len() {
            return Err(Error::Internal(format!(
                "storage answered {} of {} mutations",
                receipt.results.len(),
                mine.len()
            )));
        }
        for ((index, _), result) in mine.iter().zip(receipt.results) {
            results[*index] = Some(result);
        }
    }
    let results = request
        .mutations
        .iter()
        .zip(results)
        .map(|(m, result)| {
            Ok(Acknowledgement {
                mutation_id: m.id.clone(),
                result: result
                    .ok_or_else(|| Error::Internal(format!("mutation {} unanswered", m.id)))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(PushResponse {
        schema_version: SCHEMA_VERSION,
        results,
    })
}

#[cfg(test)]
#[path = "push_tests.rs"]
mod tests;
