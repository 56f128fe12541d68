//! The public web form (DESIGN.md §11): a customer with no account writes in; the ticket
//! is answered by email. What a submission must hold, and how it is stored: through the
//! same ingestion as a mail (redaction, the sanitizer, the audit log), as a new ticket on
//! the `web_form` channel. Transport-neutral: the page itself is `http::form`'s.
//!
//! Abuse: a hidden field people never fill (`website`) takes bots out quietly, every
//! field is bounded, and submissions draw on the ingestion buckets: one for the form as a
//! whole (`ingest_per_sender_per_minute`) and one per address (`…_per_customer_…`).

use desk_core::Channel;
use desk_core::delivery::check_email_address;

use super::limit::Bucket;
use super::mail::{InboundMail, email_user_id};
use super::{IngestItem, IngestOutcome, REPLAYED};
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::storage::{IngestBatch, email_key};

/// Longest name and subject, in characters.
pub const MAX_LINE_CHARS: usize = 200;
/// Longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = super::validate::MAX_TEXT_CHARS;

/// A submission as the page posts it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct WebForm {
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
    /// The honeypot: hidden from people, filled in by bots.
    pub website: String,
    pub lang: String,
}

/// Which field is wrong, and why; the page shows it in the customer's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldError {
    EmailInvalid,
    MessageEmpty,
    TooLong(&'static str),
    ControlCharacters(&'static str),
}

/// How a submission ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// A ticket was opened; replies go to `email`.
    Ticket { number: i64, email: String },
    /// The honeypot was filled: nothing stored, and the page says thanks all the same.
    Ignored,
}

fn check_line(errors: &mut Vec<FieldError>, field: &'static str, text: &str, max: usize) {
    if text.chars().count() > max {
        errors.push(FieldError::TooLong(field));
    }
    if text.chars().any(char::is_control) {
        errors.push(FieldError::ControlCharacters(field));
    }
}

/// The fields' problems, none when it may be stored.
pub fn check(form: &WebForm) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if check_email_address(form.email.trim()).is_err() {
        errors.push(FieldError::EmailInvalid);
    }
    check_line(&mut errors, "name", form.name.trim(), MAX_LINE_CHARS);
    check_line(&mut errors, "subject", form.subject.trim(), MAX_LINE_CHARS);
    if form.message.trim().is_empty() {
        errors.push(FieldError::MessageEmpty);
    } else if form.message.chars().count() > MAX_MESSAGE_CHARS {
        errors.push(FieldError::TooLong("message"));
    } else if form
        .message
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        errors.push(FieldError::ControlCharacters("message"));
    }
    errors
}

/// Stores a checked submission as a new ticket. Rate limited before anything is stored.
pub async fn submit(state: &AppState, form: &WebForm) -> Result<Submitted> {
    if !form.website.trim().is_empty() {
        tracing::info!("web form honeypot filled; submission ignored");
        return Ok(Submitted::Ignored);
    }
    let address = email_key(&form.email);
    let now = state.now_ms();
    state
        .ingest_limiter()
        .take(
            &[
                (Bucket::Sender, "web_form"),
                (Bucket::Customer, &email_user_id(&address)),
            ],
            now,
        )
        .map_err(|retry_after_secs| Error::RateLimited { retry_after_secs })?;
    let id = uuid::Uuid::now_v7().to_string();
    let mailbox = state
        .config()
        .mailboxes
        .first()
        .map(|m| m.address.clone())
        .unwrap_or_default();
    let item = IngestItem::Mail {
        mail: InboundMail {
            channel: Channel::WebForm,
            mailbox,
            group: None,
            header_id: format!("form:{id}"),
            thread_ids: vec![],
            subject_number: None,
            from: address.clone(),
            from_name: Some(form.name.trim().to_owned()).filter(|n| !n.is_empty()),
            subject: form.subject.trim().to_owned(),
            text: form.message.replace("\r\n", "\n").trim().to_owned(),
            quoted: None,
            html: None,
            auto_reply: None,
            files: vec![],
        },
        fresh_customer_id: uuid::Uuid::now_v7().to_string(),
        fresh_ticket_id: id.clone(),
    };
    let receipt = state
        .storage()
        .ingest(IngestBatch {
            nonce: format!("form:{id}"),
            nonce_expires_at: now + 24 * 3_600_000,
            now,
            actor: Actor::Ingest("web_form".into()),
            items: vec![item],
            mailbox_place: None,
        })
        .await
        .map_err(|e| match e {
            // A fresh id per submission: a replay here is a bug, not the customer's.
            Error::Unauthorized(why) if why == REPLAYED => {
                Error::Internal("a web form submission's id was used twice".into())
            }
            other => other,
        })?;
    match receipt.outcomes.into_iter().next() {
        Some(IngestOutcome::Message(answer)) => Ok(Submitted::Ticket {
            number: answer.ticket_number,
            email: address,
        }),
        _ => Err(Error::Internal(
            "storage answered a web form submission with the wrong kind of outcome".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> WebForm {
        WebForm {
            name: "王芳".into(),
            email: "wang@example.cn".into(),
            subject: "充值未到账".into(),
            message: "我的 USDT 充值两小时还没到账。\r\n哈希 9f2c…".into(),
            ..WebForm::default()
        }
    }

    #[test]
    fn a_plain_submission_passes_and_each_bad_field_is_named() {
        assert!(
            check(&form()).is_empty(),
            "a real customer's form is accepted"
        );
        let mut bad = form();
        bad.email = "not-an-address".into();
        bad.message = "   ".into();
        bad.subject = "x".repeat(MAX_LINE_CHARS + 1);
        bad.name = "a\u{7}b".into();
        assert_eq!(
            check(&bad),
            vec![
                FieldError::EmailInvalid,
                FieldError::ControlCharacters("name"),
                FieldError::TooLong("subject"),
                FieldError::MessageEmpty,
            ],
            "every problem is reported at once, so the customer fixes them in one go"
        );
    }
}
