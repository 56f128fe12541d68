//! Bounds and shapes of ingested content, checked before anything is stored. Customer
//! content is hostile: text is kept as plain text (never rendered as HTML), control
//! characters other than tab and line breaks are refused (NUL among them, which PostgreSQL
//! cannot store), and everything is bounded.

use desk_core::wire::{InboundMessage, PlatformCustomer, PlatformEvent, PlatformTransaction};

use crate::error::{Error, Result};
use crate::push::check_id;

/// Most events in one request.
pub const MAX_EVENTS: usize = 500;
/// Longest message text, in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;
/// Longest message HTML, in characters: an email's markup runs to several times its text.
pub const MAX_HTML_CHARS: usize = 100_000;
/// Longest name, subject, handle or list entry, in characters.
const MAX_SHORT_CHARS: usize = 200;
/// Most entries in one list of a customer (emails, phones, handles, risk flags).
const MAX_LIST_LEN: usize = 20;

fn bad(at: &str, reason: impl std::fmt::Display) -> Error {
    Error::BadRequest(format!("{at}: {reason}"))
}

/// Text a person typed: line breaks and tabs are fine, other control characters are not.
fn check_text(at: &str, what: &str, text: &str, max_chars: usize) -> Result<()> {
    if text.chars().count() > max_chars {
        return Err(bad(
            at,
            format!("{what} is longer than {max_chars} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(bad(at, format!("{what} contains a control character")));
    }
    Ok(())
}

fn check_short(at: &str, what: &str, text: &str) -> Result<()> {
    check_text(at, what, text, MAX_SHORT_CHARS)?;
    if text.contains(['\n', '\r', '\t']) {
        return Err(bad(at, format!("{what} must be one line")));
    }
    Ok(())
}

fn check_list(at: &str, what: &str, list: &[String]) -> Result<()> {
    if list.len() > MAX_LIST_LEN {
        return Err(bad(at, format!("more than {MAX_LIST_LEN} {what}")));
    }
    list.iter()
        .try_for_each(|entry| check_short(at, what, entry))
}

fn id(at: &str, what: &str, value: &str) -> Result<()> {
    check_id(what, value).map_err(|reason| bad(at, reason))
}

/// A decimal amount as text: digits, optionally a point and more digits.
fn is_amount(text: &str) -> bool {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let digits = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
    };
    digits(whole, 30) && digits(fraction, 18)
}

/// An asset or chain symbol such as `USDT` or `TRON`.
fn is_symbol(text: &str) -> bool {
    (1..=16).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn check_time(at: &str, what: &str, ms: i64) -> Result<()> {
    // Between 1970 and the year 3000: anything else is a unit mix-up (seconds, µs).
    if !(0..=32_503_680_000_000).contains(&ms) {
        return Err(bad(
            at,
            format!("{what} {ms} is not a time in milliseconds"),
        ));
    }
    Ok(())
}

fn customer(at: &str, c: &PlatformCustomer) -> Result<()> {
    id(at, "platform user id", &c.platform_user_id)?;
    check_short(at, "the name", &c.name)?;
    check_short(at, "the preferred language", &c.preferred_language)?;
    check_list(at, "emails", &c.emails)?;
    check_list(at, "phones", &c.phones)?;
    check_list(at, "handles", &c.handles)?;
    check_list(at, "risk flags", &c.risk_flags)
}

fn transaction(at: &str, t: &PlatformTransaction) -> Result<()> {
    id(at, "transaction id", &t.id)?;
    id(at, "platform user id", &t.platform_user_id)?;
    if !is_symbol(&t.asset) || !is_symbol(&t.chain) {
        return Err(bad(
            at,
            "asset and chain must be symbols such as USDT and TRON",
        ));
    }
    if !is_amount(&t.amount) {
        return Err(bad(
            at,
            format!("amount {:?} is not a decimal number", t.amount),
        ));
    }
    if let Some(hash) = &t.tx_hash {
        id(at, "tx hash", hash)?;
    }
    check_time(at, "created_at", t.created_at)?;
    check_time(at, "occurred_at", t.occurred_at)
}

pub fn events(events: &[PlatformEvent]) -> Result<()> {
    if events.is_empty() || events.len() > MAX_EVENTS {
        return Err(Error::BadRequest(format!(
            "a request carries 1 to {MAX_EVENTS} events, not {}",
            events.len()
        )));
    }
    for (index, event) in events.iter().enumerate() {
        let at = format!("event {index}");
        match event {
            PlatformEvent::CustomerUpserted { customer: c } => customer(&at, c)?,
            PlatformEvent::TransactionCreated { transaction: t } => transaction(&at, t)?,
            PlatformEvent::TransactionConfirmationChanged {
                transaction_id,
                occurred_at,
                ..
            } => {
                id(&at, "transaction id", transaction_id)?;
                check_time(&at, "occurred_at", *occurred_at)?;
            }
        }
    }
    Ok(())
}

pub fn message(m: &InboundMessage) -> Result<()> {
    let at = "message";
    id(at, "conversation id", &m.conversation_id)?;
    id(at, "external id", &m.external_id)?;
    id(at, "platform user id", &m.customer.platform_user_id)?;
    check_short(at, "the customer's name", &m.customer.name)?;
    for (what, value) in [
        ("the handle", &m.customer.handle),
        ("the language", &m.customer.language),
        ("the subject", &m.subject),
    ] {
        if let Some(value) = value {
            check_short(at, what, value)?;
        }
    }
    if let Some(email) = &m.customer.email {
        desk_core::delivery::check_email_address(email.trim()).map_err(|e| bad(at, &e))?;
    }
    check_text(at, "the text", &m.text, MAX_TEXT_CHARS)?;
    match &m.html {
        Some(html) => {
            check_text(at, "the HTML", html, MAX_HTML_CHARS)?;
            if m.text.trim().is_empty() && desk_core::sanitize::plain_text(html).is_empty() {
                return Err(bad(at, "the message has no text (its HTML shows none)"));
            }
        }
        None if m.text.trim().is_empty() => return Err(bad(at, "the text is empty")),
        None => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_plain_decimals() {
        for good in ["0", "1250.50", "0.00000001"] {
            assert!(is_amount(good), "{good} is an amount");
        }
        for bad in ["", "-1", "1e5", "1.", ".5", "1,000", " 1", "NaN"] {
            assert!(!is_amount(bad), "{bad:?} is not an amount");
        }
    }
}
