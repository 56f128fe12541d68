//! Mail intake (DESIGN.md §11): each configured mailbox's new mail, fetched over IMAP by
//! UID and stored through ingestion (redaction, the sanitizer, threading, the audit log).
//!
//! One instance at a time fetches a mailbox: it holds the mailbox's lease in storage and
//! renews it while it works. The mailbox's place (UIDVALIDITY and the last UID stored) is
//! kept in storage too, so a restart neither fetches again nor skips. Each mail is stored
//! in its own ingestion transaction under the nonce `mail:<address>:<uidvalidity>:<uid>`,
//! which moves the place past it too: a server killed at any moment fetches again only
//! mail not stored, and a mail read again anyway (a rebuilt folder) is answered as
//! already stored, so nothing is lost and nothing is stored twice. A mail that cannot be read is logged with its reason and
//! passed over, so one broken mail never blocks a mailbox. Must not depend on axum.

use std::time::Duration;

use desk_mail::{ImapSource, Limits, MailKind, ParsedMail};

use crate::audit::Actor;
use crate::config::Mailbox;
use crate::error::{Error, Result};
use crate::ingest::mail::{Bounce, InboundMail, MAX_THREAD_IDS, MailFile, header_id_of};
use crate::ingest::validate::{MAX_HTML_CHARS, MAX_TEXT_CHARS};
use crate::ingest::{IngestItem, IngestOutcome, REPLAYED};
use crate::state::AppState;
use crate::storage::{IngestBatch, MailboxPlace};

/// The largest mail read: a 25 MB attachment, as the big mail services allow, base64
/// encoded. A larger one is refused (and logged), never half-read.
const MAX_MAIL_BYTES: usize = 40 * 1024 * 1024;

/// What a fetched mail may hold.
fn limits() -> Limits {
    Limits {
        max_bytes: MAX_MAIL_BYTES,
        ..Limits::default()
    }
}

/// Mails fetched per round.
const BATCH: usize = 50;
/// Longest wait for new mail (IDLE, or a poll's sleep) before the lease is renewed and
/// the folder looked at again; a third of the lease when that is shorter.
const WAIT: Duration = Duration::from_secs(25);
/// Longest subject kept, in characters.
const MAX_SUBJECT_CHARS: usize = 500;
/// How long a used mail nonce is remembered: far past any crash-and-restart window.
const NONCE_DAYS: i64 = 30;

/// Runs intake for every mailbox of the configuration until the state closes.
pub async fn run(state: AppState) {
    let holder = uuid::Uuid::new_v4().to_string();
    let tasks: Vec<_> = state
        .config()
        .mailboxes
        .iter()
        .cloned()
        .map(|mailbox| tokio::spawn(run_mailbox(state.clone(), mailbox, holder.clone())))
        .collect();
    state.closed().await;
    for task in tasks {
        task.abort();
    }
}

/// One mailbox, for ever: take the lease, fetch while holding it, wait; after a failure,
/// back off and connect again.
async fn run_mailbox(state: AppState, mailbox: Mailbox, holder: String) {
    let mut backoff = Duration::from_secs(1);
    loop {
        match serve_mailbox(&state, &mailbox, &holder).await {
            Ok(()) => backoff = Duration::from_secs(1),
            Err(e) => {
                tracing::warn!(mailbox = %mailbox.address, error = %e, "mail intake failed; retrying");
                backoff = (backoff * 2).min(Duration::from_secs(60));
            }
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = state.closed() => return,
        }
    }
}

async fn lease(state: &AppState, mailbox: &Mailbox, holder: &str) -> Result<bool> {
    let now = state.now_ms();
    let lease = crate::config::millis(state.config().mailbox_lease);
    state
        .storage()
        .lease_mailbox(&mailbox.address, holder, now, now + lease)
        .await
}

/// While this instance holds the lease: connect, then fetch and wait in turns. Returns
/// when another instance holds the mailbox (the caller tries again later).
async fn serve_mailbox(state: &AppState, mailbox: &Mailbox, holder: &str) -> Result<()> {
    if !lease(state, mailbox, holder).await? {
        return Ok(());
    }
    let mut source = connect(mailbox).await?;
    tracing::info!(mailbox = %mailbox.address, idle = source.supports_idle(), "mail intake connected");
    loop {
        let fetched = fetch_round(state, mailbox, &mut source).await?;
        if !lease(state, mailbox, holder).await? {
            return Ok(());
        }
        if fetched < BATCH {
            let wait = source.wait_for_new(WAIT.min(state.config().mailbox_lease / 3));
            tokio::select! {
                waited = wait => { waited.map_err(|e| Error::Internal(format!("wait for mail: {e}")))?; }
                () = state.closed() => return Ok(()),
            }
            if !lease(state, mailbox, holder).await? {
                return Ok(());
            }
        }
    }
}

/// A session on the mailbox's folder, reading mails as large as intake takes.
pub async fn connect(mailbox: &Mailbox) -> Result<ImapSource> {
    Ok(ImapSource::connect(&mailbox.imap)
        .await
        .map_err(|e| Error::Internal(format!("connect to {}: {e}", mailbox.imap)))?
        .with_max_bytes(MAX_MAIL_BYTES))
}

/// Fetches and stores the mail after the stored place; returns how many it fetched.
pub async fn fetch_round(
    state: &AppState,
    mailbox: &Mailbox,
    source: &mut ImapSource,
) -> Result<usize> {
    let folder = source
        .select()
        .await
        .map_err(|e| Error::Internal(format!("select {}: {e}", mailbox.imap)))?;
    let after = match state.storage().mailbox_cursor(&mailbox.address).await? {
        Some((validity, last)) if validity == folder.uid_validity => last,
        Some((validity, _)) => {
            // The folder was rebuilt: its UIDs start over. Every mail is read again; the
            // ones already stored are recognised by their Message-ID and change nothing.
            tracing::warn!(mailbox = %mailbox.address, old = validity, new = folder.uid_validity, "UIDVALIDITY changed; reading the folder again");
            0
        }
        None => 0,
    };
    let fetched = source
        .fetch_after(after, BATCH)
        .await
        .map_err(|e| Error::Internal(format!("fetch from {}: {e}", mailbox.imap)))?;
    for mail in &fetched {
        let moved = store(state, mailbox, folder.uid_validity, mail.uid, &mail.raw).await?;
        if !moved {
            state
                .storage()
                .advance_mailbox_cursor(&mailbox.address, folder.uid_validity, mail.uid)
                .await?;
        }
    }
    Ok(fetched.len())
}

/// Stores one fetched mail (or passes over one that cannot be read, saying why). Whether
/// the mailbox's place moved past it with it (else the caller moves it).
async fn store(
    state: &AppState,
    mailbox: &Mailbox,
    uid_validity: u32,
    uid: u32,
    raw: &[u8],
) -> Result<bool> {
    let item = match desk_mail::parse(raw, &limits()) {
        Ok(parsed) => item(parsed, raw, mailbox),
        Err(e) => {
            tracing::warn!(mailbox = %mailbox.address, uid, reason = %e, "mail refused");
            state.metrics().mail_refused();
            return Ok(false);
        }
    };
    let now = state.now_ms();
    let batch = IngestBatch {
        nonce: format!("mail:{}:{uid_validity}:{uid}", mailbox.address),
        nonce_expires_at: now + NONCE_DAYS * 24 * 3_600_000,
        now,
        actor: Actor::Ingest(format!("mailbox:{}", mailbox.address)),
        items: vec![item],
        mailbox_place: Some(MailboxPlace {
            address: mailbox.address.clone(),
            uid_validity,
            uid,
        }),
    };
    match state.storage().ingest(batch).await {
        Ok(receipt) => {
            for outcome in receipt.outcomes {
                match outcome {
                    IngestOutcome::Message(answer) => {
                        tracing::info!(mailbox = %mailbox.address, uid, ticket = answer.ticket_number, created = answer.created_ticket, duplicate = answer.duplicate, "mail stored");
                    }
                    IngestOutcome::Dropped { reason } => {
                        tracing::info!(mailbox = %mailbox.address, uid, %reason, "mail recorded without a ticket");
                    }
                    IngestOutcome::Event(_) => {}
                }
            }
            Ok(true)
        }
        // Stored before (a folder read again after its UIDVALIDITY changed): nothing to do
        // again but move past it.
        Err(Error::Unauthorized(why)) if why == REPLAYED => Ok(false),
        // Refused as bad input (a field no ticket can hold): said, and passed over.
        Err(Error::BadRequest(reason)) | Err(Error::Conflict(reason)) => {
            tracing::warn!(mailbox = %mailbox.address, uid, %reason, "mail refused");
            state.metrics().mail_refused();
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => text[..at].to_owned(),
        None => text.to_owned(),
    }
}

/// What a parsed mail is for ingestion.
pub fn item(parsed: ParsedMail, raw: &[u8], mailbox: &Mailbox) -> IngestItem {
    if let MailKind::Bounce {
        original_message_id,
        reason,
        ..
    } = &parsed.kind
    {
        return IngestItem::Bounce {
            bounce: Bounce {
                original_message_id: original_message_id.clone(),
                reason: truncate(reason, 1_000),
            },
            mailbox: mailbox.address.clone(),
        };
    }
    let mut thread_ids: Vec<String> = Vec::new();
    for id in parsed
        .in_reply_to
        .iter()
        .chain(parsed.references.iter().rev())
    {
        if !thread_ids.contains(id) && thread_ids.len() < MAX_THREAD_IDS {
            thread_ids.push(id.clone());
        }
    }
    let subject_number = parsed.subject_ticket_number();
    // Too much HTML to keep whole is not kept: cut markup is not markup.
    let html = parsed.html.filter(|h| h.chars().count() <= MAX_HTML_CHARS);
    IngestItem::Mail {
        mail: InboundMail {
            channel: desk_core::Channel::Email,
            mailbox: mailbox.address.clone(),
            group: mailbox.group.clone(),
            header_id: header_id_of(parsed.message_id.as_deref(), raw),
            thread_ids,
            subject_number,
            from: crate::storage::email_key(&parsed.from.email),
            from_name: parsed.from.name,
            subject: truncate(&parsed.subject, MAX_SUBJECT_CHARS),
            text: truncate(&parsed.text, MAX_TEXT_CHARS),
            quoted: parsed
                .quoted
                .as_deref()
                .map(|q| truncate(q, MAX_TEXT_CHARS)),
            html,
            auto_reply: match parsed.kind {
                MailKind::AutoReply { reason } => Some(reason),
                _ => None,
            },
            files: parsed
                .attachments
                .into_iter()
                .map(|a| MailFile {
                    name: a.file_name,
                    data: a.data,
                })
                .collect(),
        },
        fresh_customer_id: uuid::Uuid::now_v7().to_string(),
        fresh_ticket_id: uuid::Uuid::now_v7().to_string(),
    }
}
