//! Mail intake's rules (DESIGN.md §11): what a fetched mail becomes, given what a backend
//! looked up. Pure, as the rest of ingestion: the backends fetch and write.
//!
//! Threading, in order: a mail whose `In-Reply-To`/`References` name a Message-ID the
//! desk sent (its local part is a message's id) or received joins that ticket; else a
//! `[#NUMBER]` subject tag; else it opens a ticket. Either way only a mail **from the
//! ticket's customer** joins it: a stranger who was copied on a thread, or who types
//! someone else's ticket number into a subject, opens a ticket of their own (help desks
//! that thread on headers alone merge strangers' mail into customers' tickets).
//! Auto-replies are recorded on the ticket they thread onto but never reopen it and are
//! never answered; one that threads nowhere is dropped. Bounces never make tickets: they
//! fail the delivery they bounce.

use desk_core::attachment;
use desk_core::delivery::{self, Route};
use desk_core::wire::{Change, InboundCustomer, InboundMessage, InboundMessageResponse};
use desk_core::{
    Attachment, Author, AuthorKind, Channel, Customer, Delivery, Message, MessageKind, Ticket,
    TicketStatus,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::decide::{Content, Decision, IngestOutcome, flag_exposed, new_customer, new_ticket};
use crate::audit::{Actor, AuditEntry};
use crate::error::Result;
use crate::storage::NewBlob;

/// Most Message-IDs of a mail's `In-Reply-To`/`References` looked up: the newest.
pub const MAX_THREAD_IDS: usize = 20;

/// A fetched mail, as intake hands it to storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMail {
    /// Email, or the web form (whose submissions are answered by email too).
    pub channel: Channel,
    /// The mailbox it arrived in (for the web form, the one its answers leave from).
    pub mailbox: String,
    /// Where the mailbox's new tickets go.
    pub group: Option<String>,
    /// Its Message-ID, or `sha256:<hex>` of its bytes when it has none.
    pub header_id: String,
    /// `In-Reply-To`, then `References` newest first, deduplicated, at most
    /// [`MAX_THREAD_IDS`].
    pub thread_ids: Vec<String>,
    pub subject_number: Option<i64>,
    /// The sender's address, lower-cased.
    pub from: String,
    pub from_name: Option<String>,
    pub subject: String,
    /// The new text, quoted history removed.
    pub text: String,
    /// The quoted history folded out of `text`, as sent.
    pub quoted: Option<String>,
    /// The mail's HTML as sent; kept only as the sanitizer's output.
    pub html: Option<String>,
    /// Why it is an auto-reply, when it is one.
    pub auto_reply: Option<String>,
    /// Its files, attachments and inline images alike.
    pub files: Vec<MailFile>,
}

/// A file a mail carries, as sent.
#[derive(Clone, PartialEq, Eq)]
pub struct MailFile {
    pub name: String,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for MailFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailFile")
            .field("name", &self.name)
            .field("size", &self.data.len())
            .finish()
    }
}

/// The files kept of a mail's, within the limits of one message, and a line naming the
/// ones left out (so the agent knows to ask for them another way).
fn keep_files(files: &[MailFile], now: i64) -> (Vec<Attachment>, Vec<NewBlob>, Option<String>) {
    let (mut kept, mut blobs, mut left_out) = (Vec::new(), Vec::new(), Vec::new());
    let mut total = 0u64;
    for file in files {
        let described = attachment::describe(&file.name, &file.data);
        let fits = described.size <= attachment::MAX_FILE_BYTES
            && total + described.size <= attachment::MAX_MESSAGE_BYTES
            && kept.len() < attachment::MAX_FILES_PER_MESSAGE;
        if !fits {
            left_out.push(described.file_name);
            continue;
        }
        total += described.size;
        if !blobs.iter().any(|b: &NewBlob| b.sha256 == described.sha256) {
            blobs.push(NewBlob {
                sha256: described.sha256.clone(),
                content_type: described.content_type.clone(),
                data: file.data.clone(),
                now,
                uploaded_by: None,
            });
        }
        kept.push(described);
    }
    let note = (!left_out.is_empty()).then(|| {
        format!(
            "[{} attachment(s) over the size limits were not kept: {}]",
            left_out.len(),
            left_out.join(", ")
        )
    });
    (kept, blobs, note)
}

/// The ids an answer to `mail` names: its own Message-ID (when it had one), then those
/// it named itself, at most [`MAX_THREAD_IDS`].
fn answer_thread(mail: &InboundMail) -> Vec<String> {
    let own = (!mail.header_id.starts_with("sha256:")).then_some(&mail.header_id);
    let mut thread: Vec<String> = Vec::new();
    for id in own.into_iter().chain(&mail.thread_ids) {
        if !thread.contains(id) && thread.len() < MAX_THREAD_IDS {
            thread.push(id.clone());
        }
    }
    thread
}

/// A delivery status notification for a mail the desk sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounce {
    /// The bounced mail's Message-ID, when the report names it.
    pub original_message_id: Option<String>,
    pub reason: String,
}

impl Bounce {
    /// The desk message the bounced mail carried: our Message-IDs are `<message id>@<domain>`.
    pub fn delivery_id(&self) -> Option<String> {
        self.original_message_id
            .as_deref()
            .and_then(|id| id.split_once('@'))
            .map(|(local, _)| local.to_owned())
            .filter(|local| !local.is_empty())
    }
}

/// The id of a message made from a mail: the same however often the mail is fetched, and
/// whatever ticket it threads onto.
pub fn message_id(header_id: &str) -> String {
    let digest = Sha256::digest(header_id.as_bytes());
    format!("mail-{}", &hex::encode(digest)[..32])
}

/// A mail's key when it has no Message-ID: its bytes' hash.
pub fn header_id_of(message_id: Option<&str>, raw: &[u8]) -> String {
    match message_id.map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => id.to_owned(),
        None => format!("sha256:{}", hex::encode(Sha256::digest(raw))),
    }
}

/// The platform user id a customer known only by email gets, so their next mail finds
/// them even before any address index would.
pub fn email_user_id(address: &str) -> String {
    format!("email:{}", address.to_lowercase())
}

/// The message and ticket shapes the shared ingestion helpers read.
fn as_inbound(mail: &InboundMail) -> InboundMessage {
    InboundMessage {
        channel: mail.channel,
        conversation_id: mail.header_id.clone(),
        external_id: mail.header_id.clone(),
        customer: InboundCustomer {
            platform_user_id: email_user_id(&mail.from),
            name: mail
                .from_name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| mail.from.clone()),
            handle: None,
            language: None,
            email: Some(mail.from.clone()),
        },
        subject: Some(mail.subject.clone()).filter(|s| !s.trim().is_empty()),
        text: mail.text.clone(),
        html: mail.html.clone(),
    }
}

/// A language for a ticket no profile names one for: Chinese when the text has Han
/// characters, else English.
fn guess_language(text: &str) -> &'static str {
    if text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
        "zh-CN"
    } else {
        "en"
    }
}

/// What the mail does, given the customer its sender's address belongs to, the tickets
/// its thread ids lead to (in order) and the ticket its subject tag names.
#[allow(clippy::too_many_arguments)]
pub fn decide(
    mail: &InboundMail,
    customer: Option<Customer>,
    threaded: Vec<Ticket>,
    numbered: Option<Ticket>,
    already_stored: Option<Ticket>,
    fresh_customer_id: &str,
    fresh_ticket_id: &str,
    now: i64,
    actor: &Actor,
    nonce: &str,
) -> Result<Decision> {
    let message_id = message_id(&mail.header_id);
    let inbound = as_inbound(mail);
    let content = Content::of(&inbound);
    let audit = |ticket: Option<&str>, outcome: &str| {
        AuditEntry::new(
            actor,
            "ingest.mail",
            ticket.map_or_else(
                || format!("mailbox:{}", mail.mailbox),
                |t| format!("ticket:{t}"),
            ),
            json!({
                "nonce": nonce,
                "message_id": message_id,
                "mailbox": mail.mailbox,
                "outcome": outcome,
                "auto_reply": mail.auto_reply.is_some(),
                "redacted": content.exposed(),
            }),
        )
    };
    if let Some(ticket) = already_stored {
        return Ok(Decision::answer_only(
            audit(Some(&ticket.id), "duplicate"),
            IngestOutcome::Message(InboundMessageResponse {
                ticket_number: ticket.number.unwrap_or(0),
                ticket_id: ticket.id,
                message_id,
                created_ticket: false,
                duplicate: true,
            }),
        ));
    }
    // Only the ticket's own customer threads onto it, and never onto a ticket that is
    // done for good.
    let open = |t: &Ticket| {
        t.status != TicketStatus::Closed && t.merged_into.is_none() && t.deleted_at.is_none()
    };
    let owner = customer.as_ref().map(|c| c.id.as_str());
    let joined = threaded
        .into_iter()
        .chain(numbered)
        .find(|t| Some(t.customer_id.as_str()) == owner && open(t));
    if mail.auto_reply.is_some() && joined.is_none() {
        // An out-of-office answer to nothing the desk knows: no ticket, no loop.
        return Ok(Decision::answer_only(
            audit(None, "auto_reply_dropped"),
            IngestOutcome::Dropped {
                reason: "an auto-reply that answers no ticket".into(),
            },
        ));
    }

    let mut writes = Vec::with_capacity(4);
    let customer = match customer {
        Some(c) => c,
        None => {
            let c = new_customer(&inbound, fresh_customer_id, now);
            writes.push(Change::Customer(c.clone()));
            c
        }
    };
    let created = joined.is_none();
    let mut ticket = match joined {
        Some(mut t) => {
            // An auto-reply is recorded, but it is not the customer answering.
            if mail.auto_reply.is_none()
                && matches!(
                    t.status,
                    TicketStatus::PendingCustomer | TicketStatus::Solved
                )
            {
                t.status = TicketStatus::Open;
            }
            t.last_message_at = now;
            t.updated_at = now;
            t
        }
        None => {
            let mut t = new_ticket(&inbound, &content, &customer, fresh_ticket_id, now);
            if t.language == "und" {
                t.language = guess_language(&content.text).to_owned();
            }
            t.group = mail.group.clone();
            t
        }
    };
    if content.exposed() {
        flag_exposed(&mut ticket, now);
    }
    let (attachments, blobs, left_out) = keep_files(&mail.files, now);
    let message = Message {
        id: message_id.clone(),
        ticket_id: ticket.id.clone(),
        kind: MessageKind::PublicReply,
        author: Author {
            kind: AuthorKind::Customer,
            id: Some(customer.id.clone()),
            name: customer.name.clone(),
        },
        body_text: match left_out {
            Some(note) => format!("{}\n\n{note}", content.text),
            None => content.text.clone(),
        },
        body_html: content.html.clone(),
        attachments,
        created_at: now,
        // Redacted like the text, but a secret only in the history warns nobody: it is
        // the customer's own earlier mail quoted back, answered when it came.
        quoted: mail
            .quoted
            .as_deref()
            .map(|q| desk_core::redact::redact(q).text)
            .filter(|q| !q.trim().is_empty()),
    };
    // Replies go back to the address this mail came from, through the mailbox it came
    // to; an auto-reply changes neither.
    let route = mail.auto_reply.is_none().then(|| Route {
        channel: Channel::Email,
        recipient: mail.from.clone(),
        mailbox: Some(mail.mailbox.clone()).filter(|m| !m.is_empty()),
        thread: answer_thread(mail),
    });
    let warning = (content.exposed() && mail.auto_reply.is_none())
        .then(|| super::decide::warning_message(&message_id, &ticket));
    let warning_delivery = warning
        .as_ref()
        .and_then(|w| delivery::queue(w, &ticket, route.as_ref(), &customer.emails, now));
    let answer = InboundMessageResponse {
        ticket_id: ticket.id.clone(),
        ticket_number: ticket.number.unwrap_or(0),
        message_id: message_id.clone(),
        created_ticket: created,
        duplicate: false,
    };
    let audit = audit(
        Some(&ticket.id),
        if created {
            "created_ticket"
        } else {
            "joined_ticket"
        },
    );
    let ticket_id = ticket.id.clone();
    writes.push(Change::Ticket(ticket));
    writes.push(Change::Message(message));
    writes.extend(warning.map(Change::Message));
    writes.extend(warning_delivery.map(Change::Delivery));
    let mut decision = Decision::answer_only(audit, IngestOutcome::Message(answer));
    decision.writes = writes;
    decision.mail_thread = Some((mail.header_id.clone(), ticket_id.clone()));
    decision.blobs = blobs;
    decision.route = route.map(|r| (ticket_id, r));
    Ok(decision)
}

/// A bounce fails the delivery of the mail it bounced, with its reason; one the desk
/// cannot match to a delivery is dropped (and audited), never made a ticket.
pub fn decide_bounce(
    bounce: &Bounce,
    mailbox: &str,
    delivery: Option<Delivery>,
    now: i64,
    actor: &Actor,
    nonce: &str,
) -> Decision {
    let audit = |subject: String, matched: bool| {
        AuditEntry::new(
            actor,
            "ingest.bounce",
            subject,
            json!({
                "nonce": nonce,
                "mailbox": mailbox,
                "original_message_id": bounce.original_message_id,
                "matched": matched,
            }),
        )
    };
    match delivery {
        Some(d) => {
            let failed = delivery::bounced(&d, &bounce.reason, now);
            let mut decision = Decision::answer_only(
                audit(format!("ticket:{}", d.ticket_id), true),
                IngestOutcome::Dropped {
                    reason: format!("a bounce of message {}", d.id),
                },
            );
            decision.writes = vec![Change::Delivery(failed)];
            decision
        }
        None => Decision::answer_only(
            audit(format!("mailbox:{mailbox}"), false),
            IngestOutcome::Dropped {
                reason: "a bounce of no mail the desk sent".into(),
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mail_keeps_its_message_id_whatever_it_threads_onto() {
        assert_eq!(message_id("a@x"), message_id("a@x"));
        assert_ne!(message_id("a@x"), message_id("b@x"));
        assert_eq!(header_id_of(Some(" a@x "), b"raw"), "a@x");
        assert!(header_id_of(None, b"raw").starts_with("sha256:"));
    }

    #[test]
    fn a_bounce_names_the_desk_message_it_bounced() {
        let b = Bounce {
            original_message_id: Some("0190abc@wallet.example".into()),
            reason: "550".into(),
        };
        assert_eq!(b.delivery_id().as_deref(), Some("0190abc"));
        let none = Bounce {
            original_message_id: Some("no-at-sign".into()),
            reason: "550".into(),
        };
        assert_eq!(none.delivery_id(), None);
    }
}
