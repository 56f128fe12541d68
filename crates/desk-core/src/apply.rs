//! What an agent action does to a ticket: pure rules, shared by the client's optimistic
//! layer (applied at once, replayed on top of every pull) and the server (applied for
//! real), so both compute the same state from the same inputs.
//!
//! A rule either returns the new ticket or a [`Refusal`] saying why not; it never half
//! applies. Replaying a mutation onto a state that already contains it changes nothing
//! (set fields, set unions, claims by the same agent), which is what keeps a rebase after
//! an acknowledged but not yet pulled mutation harmless.

use crate::domain::{Author, AuthorKind, Message, MessageKind, Ticket, TicketStatus};
use crate::error::ErrorCode;
use crate::mutation::{Mutation, MutationOp};

/// Longest reply or note accepted, in bytes: a chat message, not a file upload.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 64;
/// Longest group name, in characters (as for an agent's groups).
pub const MAX_GROUP_CHARS: usize = 64;

/// Why an action cannot apply, with the code the UI branches on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Refusal {
    pub code: ErrorCode,
    pub reason: String,
}

impl Refusal {
    pub(crate) fn new(code: ErrorCode, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }
}

impl TicketStatus {
    /// Whether an agent may move a ticket from `self` to `to`.
    ///
    /// `new` is only ever a starting state; `closed` is final (a customer writing again
    /// gets a follow-up ticket); a ticket is solved before it is closed, so closing always
    /// follows a resolution. Setting the current status again is a harmless no-op.
    pub fn can_become(self, to: TicketStatus) -> bool {
        use TicketStatus::*;
        if self == to {
            return true;
        }
        match (self, to) {
            (Closed, _) | (_, New) => false,
            (_, Closed) => self == Solved,
            _ => true,
        }
    }

    /// Whether the SLA clock runs: while the ticket is the desk's to answer (`new`,
    /// `open`). Waiting on the customer, on hold, solved or closed, it is neither at risk
    /// nor breached; the due times stand for when it comes back.
    pub fn sla_running(self) -> bool {
        matches!(self, TicketStatus::New | TicketStatus::Open)
    }
}

fn ticket_name(t: &Ticket) -> String {
    match t.number {
        Some(n) => format!("ticket #{n}"),
        None => format!("ticket {}", t.id),
    }
}

/// Trims tags and refuses empty or overlong ones; duplicates within the list collapse.
pub(crate) fn clean_tags(tags: &[String]) -> Result<Vec<String>, Refusal> {
    if tags.is_empty() {
        return Err(Refusal::new(ErrorCode::BadRequest, "no tags given"));
    }
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = tag.trim();
        if tag.is_empty() {
            return Err(Refusal::new(ErrorCode::BadRequest, "a tag cannot be empty"));
        }
        if tag.contains('\0') {
            return Err(nul_refusal("a tag"));
        }
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                format!("tag {tag:?} is longer than {MAX_TAG_CHARS} characters"),
            ));
        }
        if !out.iter().any(|t| t == tag) {
            out.push(tag.to_owned());
        }
    }
    Ok(out)
}

/// NUL has no business in text a person wrote, and PostgreSQL cannot store it in a text
/// column: refused up front, on the client and the server alike.
fn nul_refusal(what: &str) -> Refusal {
    Refusal::new(
        ErrorCode::BadRequest,
        format!("{what} contains a NUL character"),
    )
}

fn check_body(body: &str, what: &str) -> Result<(), Refusal> {
    if body.contains('\0') {
        return Err(nul_refusal(&format!("the {what}")));
    }
    if body.trim().is_empty() {
        return Err(Refusal::new(
            ErrorCode::BadRequest,
            format!("the {what} is empty"),
        ));
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(Refusal::new(
            ErrorCode::PayloadTooLarge,
            format!("the {what} is longer than {MAX_BODY_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// Applies one mutation to a ticket (`None` when the ticket does not exist here).
///
/// Times come from the mutation, never from a clock, so a replay is deterministic.
pub fn apply_mutation(ticket: Option<&Ticket>, m: &Mutation) -> Result<Ticket, Refusal> {
    let at = m.created_at;
    if let MutationOp::CreateTicket { ticket: new } = &m.op {
        if let Some(existing) = ticket {
            return Err(Refusal::new(
                ErrorCode::Conflict,
                format!("{} already exists", ticket_name(existing)),
            ));
        }
        return create_ticket(new, at);
    }
    let Some(current) = ticket else {
        return Err(Refusal::new(
            ErrorCode::NotFound,
            format!("no ticket {}", m.op.ticket_id()),
        ));
    };
    // A delete wins over every concurrent edit; deleting again changes nothing.
    if current.deleted_at.is_some() {
        return match m.op {
            MutationOp::DeleteTicket { .. } => Ok(current.clone()),
            _ => Err(Refusal::new(
                ErrorCode::Conflict,
                format!("{} was deleted", ticket_name(current)),
            )),
        };
    }
    // Closed is final; an internal note may still document what happened afterwards, and
    // a closed ticket may still be deleted.
    if current.status == TicketStatus::Closed
        && !matches!(
            m.op,
            MutationOp::Note { .. } | MutationOp::DeleteTicket { .. }
        )
    {
        return Err(Refusal::new(
            ErrorCode::Conflict,
            format!("{} is closed", ticket_name(current)),
        ));
    }
    let mut t = current.clone();
    match &m.op {
        MutationOp::Reply {
            body_text,
            attachments,
            ..
        } => {
            check_body(body_text, "reply")?;
            crate::attachment::check(attachments)
                .map_err(|reason| Refusal::new(ErrorCode::BadRequest, reason))?;
            // The outgoing guard, here so the console, the CLI and the server all refuse:
            // a modified client cannot push what an honest one would not queue. Notes are
            // internal and exempt.
            if let Some(asks) = crate::guard::asks_for_secret(body_text) {
                let err = asks.to_error("reply");
                return Err(Refusal::new(err.code, err.message));
            }
            t.last_message_at = t.last_message_at.max(at);
            // The first response is given: its target is met and no longer due.
            t.first_response_due_at = None;
        }
        MutationOp::Note { body_text, .. } => {
            check_body(body_text, "note")?;
            t.last_message_at = t.last_message_at.max(at);
        }
        MutationOp::SetStatus { status, .. } => {
            if !t.status.can_become(*status) {
                return Err(Refusal::new(
                    ErrorCode::Conflict,
                    format!(
                        "{} cannot go from {} to {}",
                        ticket_name(&t),
                        t.status,
                        status
                    ),
                ));
            }
            t.status = *status;
        }
        MutationOp::SetPriority { priority, .. } => t.priority = *priority,
        MutationOp::SetCategory { category, .. } => t.category = *category,
        MutationOp::SetGroup { group, .. } => {
            let group = group.as_deref().map(str::trim);
            if let Some(g) = group
                && (g.is_empty()
                    || g.chars().count() > MAX_GROUP_CHARS
                    || g.chars().any(char::is_control))
            {
                return Err(Refusal::new(
                    ErrorCode::BadRequest,
                    format!(
                        "a group name is 1-{MAX_GROUP_CHARS} characters without control characters"
                    ),
                ));
            }
            if t.group.as_deref() != group {
                t.group = group.map(str::to_owned);
                // The new team picks it up; its old assignee may not even see it now.
                t.assignee_id = None;
            }
        }
        MutationOp::Claim { .. } => match &t.assignee_id {
            None => t.assignee_id = Some(m.agent_id.clone()),
            Some(a) if *a == m.agent_id => {}
            Some(other) => {
                return Err(Refusal::new(
                    ErrorCode::Conflict,
                    format!("{} is already claimed by {other}", ticket_name(&t)),
                ));
            }
        },
        MutationOp::Assign { assignee_id, .. } => {
            if assignee_id.as_deref().is_some_and(|a| a.trim().is_empty()) {
                return Err(Refusal::new(ErrorCode::BadRequest, "assignee id is empty"));
            }
            t.assignee_id = assignee_id.clone();
        }
        MutationOp::AddTags { tags, .. } => {
            for tag in clean_tags(tags)? {
                if !t.tags.contains(&tag) {
                    t.tags.push(tag);
                }
            }
        }
        MutationOp::RemoveTags { tags, .. } => {
            let gone = clean_tags(tags)?;
            t.tags.retain(|tag| !gone.contains(tag));
        }
        MutationOp::DeleteTicket { .. } => t.deleted_at = Some(at),
        // The delivery is the server's to change (`crate::delivery::retry`); the ticket
        // stays as it is.
        MutationOp::RetryDelivery { .. } => {}
        MutationOp::CreateTicket { .. } => unreachable!("handled above"),
    }
    if t != *current {
        t.updated_at = t.updated_at.max(at);
    }
    Ok(t)
}

fn create_ticket(new: &Ticket, at: i64) -> Result<Ticket, Refusal> {
    let bad = |reason: &str| Err(Refusal::new(ErrorCode::BadRequest, reason));
    if new.id.trim().is_empty() {
        return bad("a new ticket needs an id");
    }
    if new.subject.trim().is_empty() {
        return bad("a new ticket needs a subject");
    }
    if new.customer_id.trim().is_empty() {
        return bad("a new ticket needs a customer");
    }
    if !matches!(new.status, TicketStatus::New | TicketStatus::Open) {
        return Err(Refusal::new(
            ErrorCode::BadRequest,
            format!("a new ticket cannot start {}", new.status),
        ));
    }
    let mut t = new.clone();
    t.tags = if t.tags.is_empty() {
        vec![]
    } else {
        clean_tags(&t.tags)?
    };
    // The server numbers tickets and owns merges and ratings; the creation time is the
    // action's.
    t.number = None;
    t.merged_into = None;
    t.csat = None;
    t.deleted_at = None;
    t.created_at = at;
    t.updated_at = at;
    t.last_message_at = at;
    Ok(t)
}

/// Confirmed state plus pending work: each mutation in order, skipping those that no
/// longer apply (the server will answer them; until then the agent sees the server's
/// state for that part).
pub fn replay<'m>(
    confirmed: Option<Ticket>,
    pending: impl IntoIterator<Item = &'m Mutation>,
) -> Option<Ticket> {
    let mut state = confirmed;
    for m in pending {
        // A refused step leaves the state as it was; e.g. a create whose ticket the
        // server already sent back is refused, and the server's version stands.
        if let Ok(t) = apply_mutation(state.as_ref(), m) {
            state = Some(t);
        }
    }
    state
}

/// The message a reply or note adds to the conversation, as this client shows it until
/// the server's copy arrives.
pub fn local_message(m: &Mutation, author_name: &str) -> Option<Message> {
    let (ticket_id, message_id, body_text, kind, attachments) = match &m.op {
        MutationOp::Reply {
            ticket_id,
            message_id,
            body_text,
            attachments,
            ..
        } => (
            ticket_id,
            message_id,
            body_text,
            MessageKind::PublicReply,
            attachments.clone(),
        ),
        MutationOp::Note {
            ticket_id,
            message_id,
            body_text,
        } => (
            ticket_id,
            message_id,
            body_text,
            MessageKind::InternalNote,
            vec![],
        ),
        _ => return None,
    };
    Some(Message {
        id: message_id.clone(),
        ticket_id: ticket_id.clone(),
        kind,
        author: Author {
            kind: AuthorKind::Agent,
            id: Some(m.agent_id.clone()),
            name: author_name.to_owned(),
        },
        body_text: body_text.clone(),
        body_html: None,
        attachments,
        created_at: m.created_at,
        quoted: None,
    })
}

#[cfg(test)]
#[path = "apply_tests.rs"]
mod tests;
