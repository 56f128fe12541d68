//! Inbound mail, from raw RFC 5322 bytes to what a ticket needs: who wrote, the threading
//! ids, the subject, the new text apart from the quoted history, the HTML as sent, the
//! attachments, and whether it is an automatic reply or a bounce (which must never make a
//! ticket or an answer).
//!
//! MIME structure and charsets are mail-parser's (GB2312-labelled text decodes as GB18030,
//! a superset Outlook writes under that label; an unknown charset falls back to UTF-8 with
//! replacement characters). On top of it: the [`Limits`] (checked before the parser
//! allocates for parts, and again on its result), `format=flowed`, text from HTML-only
//! mail ([`body`]), quoted-history folding ([`quote`]) and the auto-reply and bounce
//! rules ([`kind`]).

mod body;
mod kind;
mod quote;

use std::borrow::Cow;

use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders, PartType};

use crate::error::{Error, Result};

/// Bounds on what one mail may make the parser hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The raw mail, as fetched.
    pub max_bytes: usize,
    /// MIME parts, counting multipart containers and nested messages' parts.
    pub max_parts: usize,
    /// Levels of nesting: a plain mail is 1, `multipart/alternative` in
    /// `multipart/mixed` 3, and a forwarded message adds its own levels.
    pub max_depth: usize,
    /// One decoded attachment.
    pub max_attachment_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 25 * 1024 * 1024,
            max_parts: 200,
            max_depth: 10,
            max_attachment_bytes: 25 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// The display name, decoded; `None` when absent or blank.
    pub name: Option<String>,
    /// The address as written (not case-folded).
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAttachment {
    /// Decoded, without any directory part, never empty (`attachment-N.ext` when the mail
    /// names none).
    pub file_name: String,
    /// The type the mail declares (`image/png`), lowercase; not sniffed.
    pub declared_type: String,
    /// `Content-ID` without its `<>`, which an HTML body refers to as `cid:…`.
    pub content_id: Option<String>,
    /// Shown within the body (an inline image) rather than offered as a file.
    pub inline: bool,
    /// Exactly the bytes that were sent, transfer encoding undone.
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailKind {
    Normal,
    /// A vacation notice, an autoresponder or a read receipt: `reason` names the header or
    /// subject that gave it away.
    AutoReply {
        reason: String,
    },
    /// A delivery failure (or delay) report about a mail sent earlier.
    Bounce {
        /// The Message-ID of the mail that bounced, without `<>`, when the report names it.
        original_message_id: Option<String>,
        /// The address that could not be reached.
        recipient: Option<String>,
        /// The status and the receiving server's words, for people.
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMail {
    /// Without `<>`.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub from: Address,
    pub to: Vec<Address>,
    /// RFC 2047 decoded, trimmed; empty when absent.
    pub subject: String,
    /// Milliseconds since the Unix epoch, from the `Date` header.
    pub date: Option<i64>,
    /// What the sender wrote this time: the quoted history removed. The whole text when
    /// nothing but history would remain (a bare forward).
    pub text: String,
    /// The history folded out of `text`, kept for people who want to expand it.
    pub quoted: Option<String>,
    /// The HTML body as sent, unsanitized, less the quoted history when that was folded
    /// out of `text` and the HTML marks where it starts. `None` when the history was folded
    /// but the HTML holds it unmarked: then the new `text` is what a reader is shown, not
    /// the whole conversation again.
    pub html: Option<String>,
    pub attachments: Vec<ParsedAttachment>,
    pub kind: MailKind,
}

impl ParsedMail {
    /// The ticket number of a `[#1234]` tag in the subject (the last one, when a subject
    /// carries several after forwarding).
    pub fn subject_ticket_number(&self) -> Option<i64> {
        ticket_number(&self.subject)
    }
}

pub(crate) fn ticket_number(subject: &str) -> Option<i64> {
    let mut found = None;
    let mut rest = subject;
    while let Some(at) = rest.find("[#") {
        let after = &rest[at + 2..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0
            && digits <= 18
            && after[digits..].starts_with(']')
            && let Ok(n) = after[..digits].parse::<i64>()
        {
            found = Some(n);
        }
        rest = after;
    }
    found
}

/// Parses one raw mail within `limits`. Refuses (never panics on) empty input, input that is
/// not mail, mail without a From address, and mail beyond the limits.
pub fn parse(raw: &[u8], limits: &Limits) -> Result<ParsedMail> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Empty);
    }
    if raw.len() > limits.max_bytes {
        return Err(Error::TooLarge {
            size: raw.len(),
            limit: limits.max_bytes,
        });
    }
    prescan_parts(raw, limits.max_parts)?;
    // mail-parser promises not to panic in release builds, but asserts its invariants in
    // debug builds, which corrupt mail can break; and a future release may slip. A refused
    // mail is better than a dead ingestion task. (Fuzzing aborts on panic, so it still
    // sees one.)
    std::panic::catch_unwind(|| parse_checked(raw, limits)).unwrap_or_else(|_| {
        tracing::error!(bytes = raw.len(), "mail parser panicked");
        Err(Error::ParserFailed)
    })
}

fn parse_checked(raw: &[u8], limits: &Limits) -> Result<ParsedMail> {
    let message = MessageParser::new().parse(raw).ok_or(Error::NotMail)?;
    if message.parts.is_empty() {
        return Err(Error::NotMail);
    }
    check_structure(&message, limits)?;

    let from = message
        .from()
        .and_then(|a| a.iter().find_map(address))
        .or_else(|| lenient_from(&message))
        .ok_or(Error::NoFrom)?;
    let to: Vec<Address> = message
        .to()
        .map(|a| a.iter().filter_map(address).collect())
        .unwrap_or_default();
    // One line of text: breaks and tabs are spaces, other control characters (which no
    // client shows, and which a reply's subject would not carry back) are dropped, so a
    // `[#N]` tag reads the same here as in the answer to this mail.
    let subject = message
        .subject()
        .map(|s| {
            s.chars()
                .filter_map(|c| match c {
                    '\r' | '\n' | '\t' => Some(' '),
                    c if c.is_control() => None,
                    c => Some(c),
                })
                .collect::<String>()
                .trim()
                .to_owned()
        })
        .unwrap_or_default();
    let date = message
        .date()
        .filter(|d| d.is_valid())
        .and_then(|d| d.to_timestamp().checked_mul(1000));

    let body = body::extract(&message);
    let mut folded = quote::fold(&body.text);
    if let Some(history) = &body.html_history {
        if folded.text.is_empty() {
            // The HTML held nothing but history: that is what was sent.
            folded = quote::fold(history);
        } else {
            folded.quoted = Some(match folded.quoted.take() {
                Some(q) => format!("{q}\n\n{history}"),
                None => history.trim().to_owned(),
            });
        }
    }
    let attachments = attachments(&message, limits)?;
    let full_text = match &body.html_history {
        Some(history) => format!("{}\n\n{history}", body.text),
        None => body.text,
    };
    let kind = kind::classify(&message, &from, &to, &subject, &full_text);
    let html = body
        .html
        .and_then(|html| fold_html(html, folded.quoted.is_some()));

    Ok(ParsedMail {
        message_id: message.message_id().and_then(clean_id),
        in_reply_to: ids(message.in_reply_to()),
        references: bounded_references(ids(message.references())),
        from,
        to,
        subject,
        date,
        text: folded.text,
        quoted: folded.quoted,
        html,
        attachments,
        kind,
    })
}

/// The HTML a reader is shown, given whether history was folded out of the text.
fn fold_html(html: String, folded: bool) -> Option<String> {
    if !folded {
        // Nothing folded: the HTML as sent (a marker the text did not confirm may be a
        // quote the customer answered inline).
        return Some(html);
    }
    match body::split_html_history(&html) {
        (new, Some(_)) if !body::html_to_text(new).trim().is_empty() => Some(new.to_owned()),
        // History in the HTML without a marker, or nothing before it: the folded text.
        _ => None,
    }
}

fn address(addr: &mail_parser::Addr<'_>) -> Option<Address> {
    let email = addr.address()?.trim();
    if email.is_empty() || !email.contains('@') || email.contains(char::is_whitespace) {
        return None;
    }
    let name = addr
        .name()
        .map(|n| n.trim().trim_matches('"').trim())
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    Some(Address {
        name,
        email: email.to_owned(),
    })
}

/// The first address-like word of a From header too broken to parse (an unclosed quote,
/// a missing `>`), so a customer with a careless client still gets a ticket.
fn lenient_from(message: &Message<'_>) -> Option<Address> {
    let raw = message.header_raw("From")?;
    let email = raw
        .split(|c: char| {
            c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | ',' | ';' | '(' | ')')
        })
        .find(|w| kind::looks_like_address(w))?;
    Some(Address {
        name: None,
        email: email.to_owned(),
    })
}

/// A message id without `<>` and whitespace; `None` when nothing usable is left.
pub(crate) fn clean_id(id: &str) -> Option<String> {
    let id = id.trim();
    let id = match id.split_once('<') {
        Some((_, rest)) => rest.split_once('>').map_or(rest, |(inside, _)| inside),
        None => id.trim_end_matches('>'),
    }
    .trim();
    let valid = !id.is_empty()
        && id.len() <= 998
        && !id.contains(|c: char| c.is_whitespace() || c == '<' || c == '>');
    valid.then(|| id.to_owned())
}

fn ids(value: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    match value {
        mail_parser::HeaderValue::Text(id) => clean_id(id).into_iter().collect(),
        mail_parser::HeaderValue::TextList(list) => {
            list.iter().filter_map(|id| clean_id(id)).collect()
        }
        _ => Vec::new(),
    }
}

/// At most 100 references: the thread's root (the first) and the newest 99. A hostile
/// mail could list thousands, and the server looks each one up.
fn bounded_references(mut refs: Vec<String>) -> Vec<String> {
    const MAX: usize = 100;
    if refs.len() > MAX {
        refs.drain(1..refs.len() - (MAX - 1));
    }
    refs
}

/// A bound on the number of parts before mail-parser builds them: every part but the
/// root follows a delimiter line (`--boundary`) of a declared boundary. Counting such
/// lines costs one pass, while building millions of parts from 25 MiB of delimiters would
/// cost gigabytes. [`check_structure`] counts exactly afterwards.
fn prescan_parts(raw: &[u8], max_parts: usize) -> Result<()> {
    let too_many = Err(Error::TooManyParts { limit: max_parts });
    let mut boundaries: Vec<&[u8]> = Vec::new();
    let needle = b"boundary=";
    let mut i = 0;
    while let Some(pos) = find_ascii_ci(&raw[i..], needle) {
        let start = i + pos + needle.len();
        let value = &raw[start..];
        let value = value.strip_prefix(b"\"").unwrap_or(value);
        let len = value
            .iter()
            .position(|&b| matches!(b, b'"' | b';' | b'\r' | b'\n' | b' ' | b'\t'))
            .unwrap_or(value.len());
        if len > 0 && !boundaries.contains(&&value[..len]) {
            boundaries.push(&value[..len]);
            if boundaries.len() > max_parts {
                return too_many;
            }
        }
        i = start;
    }
    if boundaries.is_empty() {
        return Ok(());
    }
    let mut delimiters = 0usize;
    for line in raw.split(|&b| b == b'\n') {
        if let Some(rest) = line.strip_prefix(b"--")
            && boundaries.iter().any(|b| rest.starts_with(b))
        {
            delimiters += 1;
            // Each multipart also has a closing delimiter, hence the slack.
            if delimiters > max_parts + boundaries.len() {
                return too_many;
            }
        }
    }
    Ok(())
}

fn find_ascii_ci(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Counts every part (nested messages' too) and the deepest nesting, without recursion.
fn check_structure(message: &Message<'_>, limits: &Limits) -> Result<()> {
    let mut parts = 0usize;
    let mut stack: Vec<(&Message<'_>, u32, usize)> = vec![(message, 0, 1)];
    while let Some((msg, id, level)) = stack.pop() {
        if level > limits.max_depth {
            return Err(Error::TooDeep {
                depth: level,
                limit: limits.max_depth,
            });
        }
        let Some(part) = msg.parts.get(id as usize) else {
            continue;
        };
        parts += 1;
        if parts > limits.max_parts {
            return Err(Error::TooManyParts {
                limit: limits.max_parts,
            });
        }
        match &part.body {
            PartType::Multipart(children) => {
                for &child in children {
                    // A malformed mail can make a part list itself; skip that loop.
                    if child != id {
                        stack.push((msg, child, level + 1));
                    }
                }
            }
            PartType::Message(nested) if !nested.parts.is_empty() => {
                stack.push((nested, 0, level + 1));
            }
            _ => {}
        }
    }
    Ok(())
}

fn attachments(message: &Message<'_>, limits: &Limits) -> Result<Vec<ParsedAttachment>> {
    let mut out = Vec::new();
    for (n, &id) in message.attachments.iter().enumerate() {
        let Some(part) = message.parts.get(id as usize) else {
            continue;
        };
        let declared_type = declared_type(part);
        let file_name = part
            .attachment_name()
            .and_then(safe_file_name)
            .unwrap_or_else(|| default_file_name(n + 1, &declared_type));
        let data = attachment_bytes(message, part);
        if data.len() > limits.max_attachment_bytes {
            return Err(Error::AttachmentTooLarge {
                file_name,
                size: data.len(),
                limit: limits.max_attachment_bytes,
            });
        }
        let content_id = part.content_id().and_then(clean_id);
        let inline = match part.content_disposition() {
            Some(d) if d.is_attachment() => false,
            Some(d) if d.is_inline() => true,
            _ => content_id.is_some(),
        };
        out.push(ParsedAttachment {
            file_name,
            declared_type,
            content_id,
            inline,
            data: data.into_owned(),
        });
    }
    Ok(out)
}

fn declared_type(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        },
        None if part.is_message() => "message/rfc822".to_owned(),
        None if part.is_text() => "text/plain".to_owned(),
        None => "application/octet-stream".to_owned(),
    }
}

/// The attachment's bytes as sent. mail-parser hands text parts over decoded to UTF-8; a
/// customer's GBK log file must reach the agent unchanged, so text is decoded again from
/// the raw part with only its transfer encoding undone.
fn attachment_bytes<'a>(message: &'a Message<'_>, part: &'a MessagePart<'_>) -> Cow<'a, [u8]> {
    if part.is_text() && !part.is_encoding_problem {
        let raw = message
            .raw_message
            .get(part.offset_body as usize..part.offset_end as usize);
        if let Some(raw) = raw {
            let decoded = match part.encoding {
                mail_parser::Encoding::Base64 => mail_parser::decoders::base64::base64_decode(raw),
                mail_parser::Encoding::QuotedPrintable => {
                    mail_parser::decoders::quoted_printable::quoted_printable_decode(raw)
                }
                mail_parser::Encoding::None => Some(raw.to_vec()),
            };
            if let Some(decoded) = decoded {
                return Cow::Owned(decoded);
            }
        }
    }
    Cow::Borrowed(part.contents())
}

/// The last path component, without control characters, at most 200 bytes; `None` when
/// nothing is left.
fn safe_file_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let mut clean: String = base
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .to_owned();
    if clean.len() > 200 {
        // Keep the extension, which is how people and programs recognise the file.
        let ext: String = match clean.rfind('.') {
            Some(dot) if clean.len() - dot <= 16 => clean[dot..].to_owned(),
            _ => String::new(),
        };
        let mut cut = 200 - ext.len();
        while !clean.is_char_boundary(cut) {
            cut -= 1;
        }
        clean.truncate(cut);
        clean.push_str(&ext);
    }
    (!clean.is_empty()).then_some(clean)
}

fn default_file_name(n: usize, declared_type: &str) -> String {
    let ext = match declared_type {
        "image/png" => "png",
        "image/jpeg" | "image/jpg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        "text/html" => "html",
        "text/csv" => "csv",
        "message/rfc822" => "eml",
        "text/rfc822-headers" => "txt",
        "message/delivery-status" => "txt",
        "application/zip" => "zip",
        _ => "bin",
    };
    format!("attachment-{n}.{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_last_ticket_tag() {
        assert_eq!(ticket_number("Re: [#1234] wallet"), Some(1234));
        assert_eq!(
            ticket_number("Fwd: [#1] Re: [#22] x"),
            Some(22),
            "the newest tag wins"
        );
        assert_eq!(ticket_number("[#] [#12a] [#99999999999999999999]"), None);
        assert_eq!(ticket_number("no tag"), None);
    }

    #[test]
    fn file_names_lose_paths_and_controls() {
        assert_eq!(
            safe_file_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            safe_file_name("C:\\Users\\a\\b.pdf").as_deref(),
            Some("b.pdf")
        );
        assert_eq!(
            safe_file_name("a\u{0}\u{7}b.txt").as_deref(),
            Some("ab.txt")
        );
        assert_eq!(safe_file_name(".. /"), None);
        let long = format!("{}.pdf", "长".repeat(100));
        let cut = safe_file_name(&long).unwrap();
        assert!(cut.len() <= 200 && cut.ends_with(".pdf"), "{cut}");
    }

    #[test]
    fn references_keep_the_root_and_the_newest() {
        let refs: Vec<String> = (0..150).map(|n| n.to_string()).collect();
        let kept = bounded_references(refs);
        assert_eq!(kept.len(), 100);
        assert_eq!((kept[0].as_str(), kept[1].as_str()), ("0", "51"));
        assert_eq!(kept[99], "149");
    }
}
