//! Outbound mail as RFC 5322 bytes, ready for [`crate::smtp`].
//!
//! The caller fixes the Message-ID (the delivery queue stores it, so a resend after a crash
//! carries the same one and the customer's client shows one mail) and the `Date` (the
//! server's clock, not this crate's). Agent replies carry no `Auto-Submitted`: they are a
//! person's answer, and some servers suppress auto-submitted mail. Automatic messages
//! (acknowledgements, warnings) set [`Outgoing::auto_submitted`], which marks them
//! `Auto-Submitted: auto-replied` (RFC 3834) and asks Exchange not to answer them, so two
//! robots cannot talk to each other forever.

use std::time::{Duration, SystemTime};

use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::error::{Error, Result};
use crate::parse::Address;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingAttachment {
    pub file_name: String,
    /// A MIME type (`application/pdf`).
    pub content_type: String,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub from: Address,
    pub to: Address,
    pub subject: String,
    /// Without `<>`: `uuid@desk.example`; must be [`writable_id`].
    pub message_id: String,
    /// Without `<>`; left out when not [`writable_id`].
    pub in_reply_to: Option<String>,
    /// Without `<>`, oldest first; those not [`writable_id`] are left out.
    pub references: Vec<String>,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<OutgoingAttachment>,
    /// Written by the desk itself rather than by an agent (see the module comment).
    pub auto_submitted: bool,
    /// Milliseconds since the Unix epoch, for the `Date` header.
    pub date: i64,
}

/// The mail's bytes: headers, then `text/plain` alone or in `multipart/alternative` with
/// the HTML, in `multipart/mixed` with the attachments when there are any.
pub fn build(mail: &Outgoing) -> Result<Vec<u8>> {
    let message_id = checked_id("message_id", &mail.message_id)?;
    let mut builder = Message::builder()
        .from(mailbox("from", &mail.from)?)
        .to(mailbox("to", &mail.to)?)
        .subject(plain_subject(&mail.subject))
        .message_id(Some(format!("<{message_id}>")))
        .date(date(mail.date)?);
    // The customer's ids came from their mail: one that cannot be written back (spaces,
    // quotes) costs that link of the thread, never the reply.
    if let Some(parent) = mail.in_reply_to.as_deref().filter(|id| writable_id(id)) {
        builder = builder.in_reply_to(format!("<{parent}>"));
    }
    let refs: Vec<String> = mail
        .references
        .iter()
        .filter(|id| writable_id(id))
        .map(|id| format!("<{id}>"))
        .collect();
    if !refs.is_empty() {
        builder = builder.references(refs.join(" "));
    }
    if mail.auto_submitted {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-replied".to_owned(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Auto-Response-Suppress"),
                "All".to_owned(),
            ));
    }

    let text = SinglePart::plain(mail.text.clone());
    let body = match &mail.html {
        Some(html) => MultiPart::alternative()
            .singlepart(text)
            .singlepart(SinglePart::html(html.clone())),
        None if mail.attachments.is_empty() => {
            return finish(builder.singlepart(text));
        }
        None => MultiPart::mixed().singlepart(text),
    };
    let body = if mail.attachments.is_empty() {
        body
    } else {
        let mut mixed = if mail.html.is_some() {
            MultiPart::mixed().multipart(body)
        } else {
            body
        };
        for a in &mail.attachments {
            let content_type =
                ContentType::parse(&a.content_type).map_err(|e| Error::InvalidOutgoing {
                    field: "attachment content_type",
                    value: a.content_type.clone(),
                    reason: e.to_string(),
                })?;
            let name = one_line(&a.file_name);
            if name.trim().is_empty() {
                return Err(Error::InvalidOutgoing {
                    field: "attachment file_name",
                    value: a.file_name.clone(),
                    reason: "is empty".to_owned(),
                });
            }
            // Base64 always: lettre would send ASCII data as 7bit, and a text file's bare
            // line feeds would then reach the relay as one endless line (refused, or worse,
            // changed in transit).
            let body = lettre::message::Body::new_with_encoding(
                a.data.clone(),
                lettre::message::header::ContentTransferEncoding::Base64,
            )
            .map_err(|_| Error::InvalidOutgoing {
                field: "attachment data",
                value: name.clone(),
                reason: "cannot be encoded".to_owned(),
            })?;
            mixed = mixed.singlepart(Attachment::new(name).body(body, content_type));
        }
        mixed
    };
    finish(builder.multipart(body))
}

fn finish(message: std::result::Result<Message, lettre::error::Error>) -> Result<Vec<u8>> {
    message
        .map(|m| m.formatted())
        .map_err(|e| Error::InvalidOutgoing {
            field: "message",
            value: String::new(),
            reason: e.to_string(),
        })
}

fn mailbox(field: &'static str, address: &Address) -> Result<Mailbox> {
    let email = address
        .email
        .parse()
        .map_err(|e: lettre::address::AddressError| Error::InvalidOutgoing {
            field,
            value: address.email.clone(),
            reason: e.to_string(),
        })?;
    let name = address
        .name
        .as_deref()
        .map(one_line)
        .filter(|n| !n.trim().is_empty());
    Ok(Mailbox::new(name, email))
}

/// A subject as text, never as encoded words: one the customer's mail held undecoded
/// (`[=?gb18030?B?…?=`, not separated as RFC 2047 asks) would otherwise be decoded by the
/// reader of our reply into something else, another ticket's `[#N]` among others.
fn plain_subject(subject: &str) -> String {
    one_line(subject).replace("=?", "= ?")
}

/// A header value never carries a line break: one in a subject would start a new header.
fn one_line(s: &str) -> String {
    s.split(['\r', '\n']).collect::<Vec<_>>().join(" ")
}

/// Our own Message-ID must be writable (see [`writable_id`]).
fn checked_id<'a>(field: &'static str, id: &'a str) -> Result<&'a str> {
    if writable_id(id) {
        Ok(id)
    } else {
        Err(Error::InvalidOutgoing {
            field,
            value: id.to_owned(),
            reason: "a message id is letters, digits and !#$%&'*+-/=?^_`{|}~. around one @"
                .to_owned(),
        })
    }
}

/// Whether `id` can go between `<>` in a header as it is: RFC 5322's dot-atom characters
/// on both sides of one `@`, so no reader takes part of it for a comment or a quote.
pub fn writable_id(id: &str) -> bool {
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
    match id.split_once('@') {
        Some((left, right)) => {
            id.len() <= 250
                && !left.is_empty()
                && !right.is_empty()
                && left.chars().all(atext)
                && right.chars().all(atext)
        }
        None => false,
    }
}

fn date(ms: i64) -> Result<SystemTime> {
    u64::try_from(ms)
        .ok()
        .and_then(|ms| SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(ms)))
        .ok_or_else(|| Error::InvalidOutgoing {
            field: "date",
            value: ms.to_string(),
            reason: "is before 1970".to_owned(),
        })
}

/// `subject` carrying the tag `[#number]` exactly once, after any `Re:`/`Fwd:` prefixes;
/// another ticket's tag (from a merged ticket) gives way to it.
pub fn subject_with_tag(subject: &str, number: i64) -> String {
    let tag = format!("[#{number}]");
    // Drop every existing tag; ours goes back in one place.
    let mut untagged = String::with_capacity(subject.len());
    let mut rest = subject;
    while let Some(at) = rest.find("[#") {
        let after = &rest[at + 2..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with(']') {
            untagged.push_str(&rest[..at]);
            rest = &after[digits + 1..];
        } else {
            untagged.push_str(&rest[..at + 2]);
            rest = after;
        }
    }
    untagged.push_str(rest);
    let untagged = untagged.split_whitespace().collect::<Vec<_>>().join(" ");

    let mut prefix_end = 0;
    loop {
        let rest = &untagged[prefix_end..];
        let found = [
            "re:",
            "fw:",
            "fwd:",
            "aw:",
            "回复:",
            "回复：",
            "答复:",
            "答复：",
            "转发:",
            "转发：",
        ]
        .iter()
        .find(|p| {
            rest.get(..p.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(p))
        });
        match found {
            Some(p) => {
                prefix_end += p.len();
                prefix_end +=
                    untagged[prefix_end..].len() - untagged[prefix_end..].trim_start().len();
            }
            None => break,
        }
    }
    let (prefixes, title) = untagged.split_at(prefix_end);
    match (prefixes.trim_end(), title.trim()) {
        ("", "") => tag,
        ("", title) => format!("{tag} {title}"),
        (prefixes, "") => format!("{prefixes} {tag}"),
        (prefixes, title) if prefixes.ends_with('：') => format!("{prefixes}{tag} {title}"),
        (prefixes, title) => format!("{prefixes} {tag} {title}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_written_only_when_plain() {
        assert!(writable_id("0190a7d2-1042@desk.example"));
        assert!(writable_id("CAJz5XYZ=abc+1@mail.gmail.com"));
        for bad in [
            "", "no-at", "a@b@c", "a b@c", "a\"b@c", "(c)@x", "<a@b>", "a@",
        ] {
            assert!(
                !writable_id(bad),
                "{bad:?} must not be written into a header"
            );
        }
    }

    #[test]
    fn every_writable_id_reads_back_as_written() {
        let id = "a!#$%&'*+-/=?^_`{|}~.z@desk.example";
        let mail = Outgoing {
            from: Address {
                name: None,
                email: "support@desk.example".into(),
            },
            to: Address {
                name: None,
                email: "c@example.com".into(),
            },
            subject: "s".into(),
            message_id: id.into(),
            in_reply_to: Some(id.into()),
            references: vec![id.into(), "not writable".into()],
            text: "t".into(),
            html: None,
            attachments: Vec::new(),
            auto_submitted: false,
            date: 0,
        };
        let back = crate::parse(&build(&mail).unwrap(), &crate::Limits::default()).unwrap();
        assert_eq!(back.message_id.as_deref(), Some(id));
        assert_eq!(back.in_reply_to, [id]);
        assert_eq!(
            back.references,
            [id],
            "an unwritable reference is left out, not the reply"
        );
    }

    #[test]
    fn tags_once_after_the_prefixes() {
        assert_eq!(subject_with_tag("Lost funds", 12), "[#12] Lost funds");
        assert_eq!(
            subject_with_tag("Re: Lost funds", 12),
            "Re: [#12] Lost funds"
        );
        assert_eq!(
            subject_with_tag("RE: Fwd: [#12] Lost funds", 12),
            "RE: Fwd: [#12] Lost funds"
        );
        assert_eq!(
            subject_with_tag("Re: [#7] x [#7]", 12),
            "Re: [#12] x",
            "a merged ticket's tag gives way"
        );
        assert_eq!(subject_with_tag("回复：提现失败", 3), "回复：[#3] 提现失败");
        assert_eq!(subject_with_tag("", 5), "[#5]");
        assert_eq!(subject_with_tag("[#] odd", 5), "[#5] [#] odd");
    }
}
