//! What an ingested event or message does to the stored records, given what a backend
//! looked up inside its transaction. Pure: the backends fetch and write, the choices are
//! made here once, so SQLite and PostgreSQL answer alike.

use desk_core::delivery::{self, Route};
use desk_core::redact::{self, SecretKind, customer_warning};
use desk_core::sanitize;
use desk_core::wire::{
    Change, InboundMessage, InboundMessageResponse, IngestEventResult, PlatformCustomer,
    PlatformEvent, PlatformTransaction,
};
use desk_core::{
    Author, AuthorKind, Category, Channel, Customer, CustomerTier, Message, MessageKind, Priority,
    Ticket, TicketStatus, WalletTransaction,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::{Actor, AuditEntry};
use crate::error::{Error, Result};

/// One unit of ingestion, with the ids a new record would get (made by the caller, so
/// this module never invents one).
#[derive(Debug, Clone, PartialEq)]
pub enum IngestItem {
    Event {
        event: PlatformEvent,
        /// For a customer seen for the first time.
        fresh_customer_id: String,
    },
    Message {
        message: InboundMessage,
        fresh_customer_id: String,
        fresh_ticket_id: String,
    },
    /// A mail fetched from a mailbox (see [`super::mail`]).
    Mail {
        mail: super::mail::InboundMail,
        fresh_customer_id: String,
        fresh_ticket_id: String,
    },
    /// A bounce of a mail the desk sent.
    Bounce {
        bounce: super::mail::Bounce,
        mailbox: String,
    },
}

/// What a backend must look up before [`decide`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookups<'i> {
    /// The customer with this platform user id.
    pub platform_user_id: Option<&'i str>,
    /// The stored transaction with this id.
    pub transaction_id: Option<&'i str>,
    /// The conversation, and its current ticket.
    pub conversation: Option<(Channel, &'i str)>,
    /// The ticket of an already-stored message with this id.
    pub message_id: Option<String>,
    /// The customer this email address belongs to.
    pub email: Option<&'i str>,
    /// The tickets these Message-IDs lead to: a message the desk sent (the id's local
    /// part), or a mail it received.
    pub thread_ids: &'i [String],
    /// The ticket with this number.
    pub ticket_number: Option<i64>,
    /// The delivery with this id.
    pub delivery_id: Option<String>,
}

impl IngestItem {
    pub fn lookups(&self) -> Lookups<'_> {
        let none = Lookups {
            platform_user_id: None,
            transaction_id: None,
            conversation: None,
            message_id: None,
            email: None,
            thread_ids: &[],
            ticket_number: None,
            delivery_id: None,
        };
        match self {
            IngestItem::Event { event, .. } => match event {
                PlatformEvent::CustomerUpserted { customer } => Lookups {
                    platform_user_id: Some(&customer.platform_user_id),
                    ..none
                },
                PlatformEvent::TransactionCreated { transaction } => Lookups {
                    platform_user_id: Some(&transaction.platform_user_id),
                    transaction_id: Some(&transaction.id),
                    ..none
                },
                PlatformEvent::TransactionConfirmationChanged { transaction_id, .. } => Lookups {
                    transaction_id: Some(transaction_id),
                    ..none
                },
            },
            IngestItem::Message { message, .. } => Lookups {
                platform_user_id: Some(&message.customer.platform_user_id),
                conversation: Some((message.channel, &message.conversation_id)),
                message_id: Some(message_id(message)),
                ..none
            },
            IngestItem::Mail { mail, .. } => Lookups {
                email: Some(&mail.from),
                thread_ids: &mail.thread_ids,
                ticket_number: mail.subject_number,
                message_id: Some(super::mail::message_id(&mail.header_id)),
                ..none
            },
            IngestItem::Bounce { bounce, .. } => Lookups {
                delivery_id: bounce.delivery_id(),
                ..none
            },
        }
    }
}

/// The message id an inbound message is stored under: the same for every delivery of it,
/// fixed-length whatever the bridge's ids look like.
pub fn message_id(m: &InboundMessage) -> String {
    let mut hasher = Sha256::new();
    for part in [m.channel.as_str(), &m.conversation_id, &m.external_id] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    format!("in-{}", &hex::encode(hasher.finalize())[..32])
}

/// A conversation's owner and current ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub customer_id: String,
    pub ticket_id: String,
}

/// The answers to [`Lookups`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub customer: Option<Customer>,
    pub transaction: Option<WalletTransaction>,
    pub conversation: Option<Conversation>,
    /// The conversation's current ticket.
    pub ticket: Option<Ticket>,
    /// The ticket a message with the same id was already delivered to.
    pub delivered_to: Option<Ticket>,
    /// The tickets [`Lookups::thread_ids`] lead to, in their order, each once.
    pub threaded: Vec<Ticket>,
    /// The ticket [`Lookups::ticket_number`] names.
    pub numbered: Option<Ticket>,
    /// The delivery [`Lookups::delivery_id`] names.
    pub delivery: Option<desk_core::Delivery>,
}

/// What the answer to one item says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestOutcome {
    Event(IngestEventResult),
    Message(InboundMessageResponse),
    /// Recorded nowhere but the audit log (an auto-reply answering nothing, a bounce).
    Dropped {
        reason: String,
    },
}

/// What to write for one item, in the ingesting transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Records, in order, each with a feed change.
    pub writes: Vec<Change>,
    /// `(channel, conversation id)` now leads to this customer and ticket.
    pub thread: Option<(Channel, String, Conversation)>,
    /// Replies on the ticket (its id) now go this way: where the customer last wrote from.
    pub route: Option<(String, Route)>,
    /// A mail's Message-ID now leads to this ticket (its id), for the answers to it.
    pub mail_thread: Option<(String, String)>,
    /// Files the messages carry, stored before them.
    pub blobs: Vec<crate::storage::NewBlob>,
    pub audit: AuditEntry,
    /// The answer; a new ticket's number is filled in from the stored records by
    /// [`Decision::outcome`].
    outcome: IngestOutcome,
}

impl Decision {
    /// A decision that writes nothing (yet) and answers `outcome`.
    pub(super) fn answer_only(audit: AuditEntry, outcome: IngestOutcome) -> Self {
        Self {
            writes: vec![],
            thread: None,
            route: None,
            mail_thread: None,
            blobs: vec![],
            audit,
            outcome,
        }
    }

    /// The answer, with the ticket's number as `stored` (the records as written) has it.
    pub fn outcome(&self, stored: &[Change]) -> IngestOutcome {
        let mut outcome = self.outcome.clone();
        if let IngestOutcome::Message(answer) = &mut outcome
            && let Some(number) = stored.iter().find_map(|c| match c {
                Change::Ticket(t) if t.id == answer.ticket_id => t.number,
                _ => None,
            })
        {
            answer.ticket_number = number;
        }
        outcome
    }
}

/// Decides item `index` of a request signed by `actor` with `nonce`, at server time `now`.
pub fn decide(
    index: usize,
    item: &IngestItem,
    facts: Facts,
    now: i64,
    actor: &Actor,
    nonce: &str,
) -> Result<Decision> {
    match item {
        IngestItem::Event {
            event,
            fresh_customer_id,
        } => event_decision(index, event, facts, fresh_customer_id, now, actor, nonce),
        IngestItem::Message {
            message,
            fresh_customer_id,
            fresh_ticket_id,
        } => message_decision(
            message,
            facts,
            fresh_customer_id,
            fresh_ticket_id,
            now,
            actor,
            nonce,
        ),
        IngestItem::Mail {
            mail,
            fresh_customer_id,
            fresh_ticket_id,
        } => super::mail::decide(
            mail,
            facts.customer,
            facts.threaded,
            facts.numbered,
            facts.delivered_to,
            fresh_customer_id,
            fresh_ticket_id,
            now,
            actor,
            nonce,
        ),
        IngestItem::Bounce { bounce, mailbox } => Ok(super::mail::decide_bounce(
            bounce,
            mailbox,
            facts.delivery,
            now,
            actor,
            nonce,
        )),
    }
}

fn event_decision(
    index: usize,
    event: &PlatformEvent,
    facts: Facts,
    fresh_customer_id: &str,
    now: i64,
    actor: &Actor,
    nonce: &str,
) -> Result<Decision> {
    let (change, applied, action) = match event {
        PlatformEvent::CustomerUpserted { customer } => (
            Change::Customer(upsert_customer(
                customer,
                facts.customer,
                fresh_customer_id,
                now,
            )),
            true,
            "ingest.customer_upserted",
        ),
        PlatformEvent::TransactionCreated { transaction } => {
            let customer = facts.customer.ok_or_else(|| {
                Error::NotFound(format!(
                    "event {index}: no customer with platform user id {:?}; send customer_upserted first",
                    transaction.platform_user_id
                ))
            })?;
            let stale = facts
                .transaction
                .as_ref()
                .is_some_and(|stored| stored.updated_at > transaction.occurred_at);
            let record = match facts.transaction {
                Some(stored) if stale => stored,
                _ => new_transaction(transaction, &customer.id),
            };
            (
                Change::WalletTransaction(record),
                !stale,
                "ingest.transaction_created",
            )
        }
        PlatformEvent::TransactionConfirmationChanged {
            transaction_id,
            status,
            confirmations,
            required_confirmations,
            occurred_at,
        } => {
            let mut record = facts.transaction.ok_or_else(|| {
                Error::NotFound(format!("event {index}: no transaction {transaction_id:?}"))
            })?;
            // Platform time orders the platform's own events: a late, older change
            // must not undo a newer one.
            let applied = record.updated_at <= *occurred_at;
            if applied {
                record.status = *status;
                record.confirmations = *confirmations;
                if let Some(required) = required_confirmations {
                    record.required_confirmations = *required;
                }
                record.updated_at = *occurred_at;
            }
            (
                Change::WalletTransaction(record),
                applied,
                "ingest.transaction_confirmation_changed",
            )
        }
    };
    let result = IngestEventResult {
        kind: change.kind().to_owned(),
        id: change.id().to_owned(),
        applied,
    };
    let audit = AuditEntry::new(
        actor,
        action,
        format!("{}:{}", result.kind, result.id),
        json!({ "nonce": nonce, "applied": applied }),
    );
    Ok(Decision {
        writes: if applied { vec![change] } else { vec![] },
        thread: None,
        route: None,
        mail_thread: None,
        blobs: vec![],
        audit,
        outcome: IngestOutcome::Event(result),
    })
}

/// The platform owns the profile; agents own tags and notes, which are kept.
fn upsert_customer(
    c: &PlatformCustomer,
    stored: Option<Customer>,
    fresh_id: &str,
    now: i64,
) -> Customer {
    let (id, tags, notes, created_at) = match stored {
        Some(s) => (s.id, s.tags, s.notes, s.created_at),
        None => (fresh_id.to_owned(), vec![], String::new(), now),
    };
    Customer {
        id,
        platform_user_id: c.platform_user_id.clone(),
        name: c.name.clone(),
        emails: c.emails.clone(),
        phones: c.phones.clone(),
        handles: c.handles.clone(),
        preferred_language: c.preferred_language.clone(),
        tier: c.tier,
        kyc_level: c.kyc_level,
        risk_flags: c.risk_flags.clone(),
        tags,
        notes,
        created_at,
        updated_at: now,
    }
}

fn new_transaction(t: &PlatformTransaction, customer_id: &str) -> WalletTransaction {
    WalletTransaction {
        id: t.id.clone(),
        customer_id: customer_id.to_owned(),
        asset: t.asset.clone(),
        chain: t.chain.clone(),
        amount: t.amount.clone(),
        direction: t.direction,
        tx_hash: t.tx_hash.clone(),
        status: t.status,
        confirmations: t.confirmations,
        required_confirmations: t.required_confirmations,
        created_at: t.created_at,
        updated_at: t.occurred_at,
    }
}

/// Longest subject made from a message's first line, in characters.
const SUBJECT_CHARS: usize = 80;

fn message_decision(
    m: &InboundMessage,
    facts: Facts,
    fresh_customer_id: &str,
    fresh_ticket_id: &str,
    now: i64,
    actor: &Actor,
    nonce: &str,
) -> Result<Decision> {
    let message_id = message_id(m);
    let content = Content::of(m);
    let audit = |ticket_id: &str, created: bool, duplicate: bool| {
        let mut details = json!({
            "nonce": nonce,
            "message_id": message_id,
            "channel": m.channel,
            "conversation_id": m.conversation_id,
            "created_ticket": created,
            "duplicate": duplicate,
        });
        if content.exposed() {
            // What was taken out, never what it was.
            details["redacted"] = json!({
                "counts": content.counts.iter()
                    .map(|(kind, n)| (kind.as_str().to_owned(), json!(n)))
                    .collect::<serde_json::Map<_, _>>(),
                "html_dropped": content.html_dropped,
            });
        }
        AuditEntry::new(
            actor,
            "ingest.message",
            format!("ticket:{ticket_id}"),
            details,
        )
    };
    if let Some(ticket) = facts.delivered_to {
        return Ok(Decision {
            writes: vec![],
            thread: None,
            route: None,
            mail_thread: None,
            blobs: vec![],
            audit: audit(&ticket.id, false, true),
            outcome: IngestOutcome::Message(InboundMessageResponse {
                ticket_number: ticket.number.unwrap_or(0),
                ticket_id: ticket.id,
                message_id,
                created_ticket: false,
                duplicate: true,
            }),
        });
    }

    let mut writes = Vec::with_capacity(3);
    let email = m.customer.email.as_deref().map(str::trim);
    let customer = match facts.customer {
        Some(mut c) => {
            let new_handle = m
                .customer
                .handle
                .as_ref()
                .filter(|h| !c.handles.contains(h));
            let new_email = email.filter(|e| !c.emails.iter().any(|x| x.eq_ignore_ascii_case(e)));
            if let Some(handle) = new_handle {
                c.handles.push(handle.clone());
            }
            if let Some(email) = new_email {
                c.emails.push(email.to_owned());
            }
            if new_handle.is_some() || new_email.is_some() {
                c.updated_at = now;
                writes.push(Change::Customer(c.clone()));
            }
            c
        }
        None => {
            let c = new_customer(m, fresh_customer_id, now);
            writes.push(Change::Customer(c.clone()));
            c
        }
    };
    if let Some(conversation) = &facts.conversation
        && conversation.customer_id != customer.id
    {
        return Err(Error::Conflict(format!(
            "conversation {:?} on {} belongs to another customer",
            m.conversation_id, m.channel
        )));
    }

    // A solved ticket reopens when the customer writes again; a closed, merged or deleted
    // one is done for good, and the conversation moves on to a new ticket.
    let open = facts.ticket.filter(|t| {
        t.status != TicketStatus::Closed && t.merged_into.is_none() && t.deleted_at.is_none()
    });
    let created = open.is_none();
    let ticket = match open {
        Some(mut t) => {
            if matches!(
                t.status,
                TicketStatus::PendingCustomer | TicketStatus::Solved
            ) {
                t.status = TicketStatus::Open;
            }
            t.last_message_at = now;
            t.updated_at = now;
            t
        }
        None => new_ticket(m, &content, &customer, fresh_ticket_id, now),
    };
    let mut ticket = ticket;
    if content.exposed() {
        flag_exposed(&mut ticket, now);
    }
    let message = Message {
        id: message_id.clone(),
        ticket_id: ticket.id.clone(),
        kind: MessageKind::PublicReply,
        author: Author {
            kind: AuthorKind::Customer,
            id: Some(customer.id.clone()),
            name: customer.name.clone(),
        },
        // Markup in the text is kept as text, shown and never rendered; HTML is kept only
        // as the sanitizer's output.
        body_text: content.text.clone(),
        body_html: content.html.clone(),
        attachments: vec![],
        created_at: now,
        quoted: None,
    };
    // Replies go back where the customer wrote from: a chat to its conversation, email
    // and the web form to the address given.
    let route = match delivery::outbound_channel(m.channel) {
        Channel::Email => email.map(|e| Route {
            channel: Channel::Email,
            recipient: e.to_owned(),
            mailbox: None,
            thread: vec![],
        }),
        channel => Some(Route {
            channel,
            recipient: m.conversation_id.clone(),
            mailbox: None,
            thread: vec![],
        }),
    };
    let warning = content
        .exposed()
        .then(|| warning_message(&message_id, &ticket));
    let answer = InboundMessageResponse {
        ticket_id: ticket.id.clone(),
        ticket_number: ticket.number.unwrap_or(0),
        message_id: message_id.clone(),
        created_ticket: created,
        duplicate: false,
    };
    let thread = Conversation {
        customer_id: customer.id.clone(),
        ticket_id: ticket.id.clone(),
    };
    let audit = audit(&ticket.id, created, false);
    // The warning is sent like any reply, by the queue, in this transaction.
    let warning_delivery = warning
        .as_ref()
        .and_then(|w| delivery::queue(w, &ticket, route.as_ref(), &customer.emails, now));
    let ticket_id = ticket.id.clone();
    writes.push(Change::Ticket(ticket));
    writes.push(Change::Message(message));
    writes.extend(warning.map(Change::Message));
    writes.extend(warning_delivery.map(Change::Delivery));
    Ok(Decision {
        writes,
        thread: Some((m.channel, m.conversation_id.clone(), thread)),
        route: route.map(|r| (ticket_id, r)),
        mail_thread: None,
        blobs: vec![],
        audit,
        outcome: IngestOutcome::Message(answer),
    })
}

/// The customer a message's sender becomes when the desk has not met them before.
pub(super) fn new_customer(m: &InboundMessage, id: &str, now: i64) -> Customer {
    Customer {
        id: id.to_owned(),
        platform_user_id: m.customer.platform_user_id.clone(),
        name: m.customer.name.clone(),
        emails: m
            .customer
            .email
            .iter()
            .map(|e| e.trim().to_owned())
            .collect(),
        phones: vec![],
        handles: m.customer.handle.iter().cloned().collect(),
        preferred_language: m.customer.language.clone().unwrap_or_default(),
        tier: CustomerTier::Standard,
        kyc_level: 0,
        risk_flags: vec![],
        tags: vec![],
        notes: String::new(),
        created_at: now,
        updated_at: now,
    }
}

/// The automatic warning to a customer who sent a wallet secret in message `message_id`,
/// in the ticket's language, dated with the ticket's last message.
pub(super) fn warning_message(message_id: &str, ticket: &Ticket) -> Message {
    Message {
        id: format!("{message_id}-warning"),
        ticket_id: ticket.id.clone(),
        kind: MessageKind::PublicReply,
        author: Author {
            kind: AuthorKind::System,
            id: None,
            name: "Desk".to_owned(),
        },
        body_text: customer_warning(&ticket.language).to_owned(),
        body_html: None,
        attachments: vec![],
        created_at: ticket.last_message_at,
        quoted: None,
    }
}

/// The tag a ticket gets when its customer sent a wallet secret, so the view by tag finds
/// every such ticket.
pub const SECRET_EXPOSED_TAG: &str = "secret-exposed";

/// What ingestion keeps of a message: text and subject with every wallet secret redacted
/// (DESIGN.md §7), HTML as the sanitizer's output or, when it held a secret anywhere, not
/// at all. Nothing here holds the secret itself.
pub(super) struct Content {
    pub(super) text: String,
    pub(super) html: Option<String>,
    subject: Option<String>,
    counts: Vec<(SecretKind, usize)>,
    /// The HTML held a secret, so only the redacted text was kept.
    html_dropped: bool,
}

impl Content {
    pub(super) fn of(m: &InboundMessage) -> Self {
        // An HTML-only message (email) is read as the HTML's plain text.
        let text = match &m.html {
            Some(html) if m.text.trim().is_empty() => sanitize::plain_text(html),
            _ => m.text.clone(),
        };
        let text = redact::redact(&text);
        let subject = m.subject.as_deref().map(redact::redact);
        let html = m.html.as_deref().map(sanitize::customer_html);
        let html_dropped = matches!(html, Some(None));
        let mut counts = text.counts();
        for (kind, n) in subject.iter().flat_map(|s| s.counts()) {
            match counts.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, total)) => *total += n,
                None => counts.push((kind, n)),
            }
        }
        counts.sort();
        Content {
            text: text.text,
            html: html.flatten(),
            subject: subject.map(|s| s.text),
            counts,
            html_dropped,
        }
    }

    pub(super) fn exposed(&self) -> bool {
        !self.counts.is_empty() || self.html_dropped
    }
}

/// Flags a ticket whose customer sent a secret: the first time is kept, the tag makes it
/// findable, and it is answered at high priority at least (the customer's funds are at
/// risk until they move them).
pub(super) fn flag_exposed(ticket: &mut Ticket, now: i64) {
    ticket.secret_exposed_at.get_or_insert(now);
    if !ticket.tags.iter().any(|t| t == SECRET_EXPOSED_TAG) {
        ticket.tags.push(SECRET_EXPOSED_TAG.to_owned());
    }
    ticket.priority = ticket.priority.max(Priority::High);
}

pub(super) fn new_ticket(
    m: &InboundMessage,
    content: &Content,
    customer: &Customer,
    id: &str,
    now: i64,
) -> Ticket {
    let subject = content
        .subject
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| {
            let first = content.text.trim().lines().next().unwrap_or("").trim();
            first.chars().take(SUBJECT_CHARS).collect()
        });
    let language = m
        .customer
        .language
        .clone()
        .or_else(|| Some(customer.preferred_language.clone()).filter(|l| !l.is_empty()))
        .unwrap_or_else(|| "und".to_owned());
    let priority = match customer.tier {
        CustomerTier::Standard => Priority::Normal,
        CustomerTier::Vip | CustomerTier::Institutional => Priority::High,
    };
    // The desk's default targets start ticking when the customer writes.
    let (first_response, resolution) = desk_core::SlaTarget::default_ms(priority, customer.tier);
    Ticket {
        id: id.to_owned(),
        number: None,
        subject,
        customer_id: customer.id.clone(),
        channel: m.channel,
        status: TicketStatus::New,
        priority,
        category: Category::Other,
        tags: vec![],
        assignee_id: None,
        group: None,
        language,
        first_response_due_at: Some(now + first_response),
        resolution_due_at: Some(now + resolution),
        linked_transaction_ids: vec![],
        incident_id: None,
        merged_into: None,
        csat: None,
        created_at: now,
        updated_at: now,
        last_message_at: now,
        deleted_at: None,
        secret_exposed_at: None,
    }
}
