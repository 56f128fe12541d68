//! Email deliveries: a public message composed as a mail (desk-mail) and handed to the
//! SMTP relay of the mailbox it is sent from.
//!
//! The Message-ID is made from the message's id and the mailbox's domain, so every
//! attempt of one delivery, on any instance, after any crash, carries the same one: a
//! mail client shows a resend as the same mail. The subject carries the ticket's
//! `[#NUMBER]`, which threads the customer's answer back to the ticket.

use std::collections::HashMap;

use async_trait::async_trait;
use desk_core::delivery::AttemptOutcome;
use desk_core::{AuthorKind, Delivery};
use desk_mail::{Address, Outgoing, SmtpSender};

use super::Transport;
use crate::config::Mailbox;
use crate::storage::ClaimedDelivery;

/// One sender per mailbox, by address; the first mailbox is the default.
pub struct MailTransport {
    mailboxes: Vec<(Mailbox, SmtpSender)>,
    by_address: HashMap<String, usize>,
}

impl MailTransport {
    /// `None` when no mailbox is configured. A mailbox whose SMTP URL cannot make a
    /// sender is an error naming it (settings already checked the URLs' shape).
    pub fn new(mailboxes: &[Mailbox]) -> Result<Option<Self>, String> {
        if mailboxes.is_empty() {
            return Ok(None);
        }
        let mut built = Vec::with_capacity(mailboxes.len());
        let mut by_address = HashMap::new();
        for (i, m) in mailboxes.iter().enumerate() {
            let sender =
                SmtpSender::new(&m.smtp).map_err(|e| format!("mailbox {}: {e}", m.address))?;
            by_address.insert(m.address.to_lowercase(), i);
            built.push((m.clone(), sender));
        }
        Ok(Some(Self {
            mailboxes: built,
            by_address,
        }))
    }

    fn mailbox_for(&self, delivery: &Delivery) -> &(Mailbox, SmtpSender) {
        delivery
            .mailbox
            .as_ref()
            .and_then(|a| self.by_address.get(&a.to_lowercase()))
            .map_or(&self.mailboxes[0], |&i| &self.mailboxes[i])
    }
}

/// The Message-ID of the mail a delivery sends, without `<>`: the same on every attempt.
pub fn message_id(message_id: &str, mailbox: &str) -> String {
    let domain = mailbox.rsplit_once('@').map_or(mailbox, |(_, d)| d);
    format!("{message_id}@{domain}")
}

/// The reply's subject: the ticket's, as an answer, tagged with its number once.
pub fn subject(ticket: &desk_core::Ticket) -> String {
    let base = ticket.subject.trim();
    let lower = base.to_lowercase();
    let answer = if lower.starts_with("re:") || base.starts_with("回复") {
        base.to_owned()
    } else {
        format!("Re: {base}")
    };
    match ticket.number {
        Some(n) => desk_mail::subject_with_tag(&answer, n),
        None => answer,
    }
}

/// The plain text as safe HTML: escaped, line breaks kept; nothing the agent typed is
/// ever markup in the customer's mail client.
pub fn text_as_html(text: &str) -> String {
    let mut html = String::with_capacity(text.len() + 64);
    html.push_str("<div style=\"white-space:pre-wrap\">");
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            '\n' => html.push_str("<br>"),
            '\r' => {}
            c => html.push(c),
        }
    }
    html.push_str("</div>");
    html
}

/// The mail a claimed delivery sends.
pub fn compose(c: &ClaimedDelivery, mailbox: &Mailbox, now: i64) -> Result<Outgoing, String> {
    let to = c
        .delivery
        .recipient
        .clone()
        .ok_or_else(|| "the delivery has no address".to_owned())?;
    Ok(Outgoing {
        from: Address {
            name: mailbox.name.clone(),
            email: mailbox.address.clone(),
        },
        to: Address {
            name: c.customer.as_ref().map(|c| c.name.clone()),
            email: to,
        },
        subject: subject(&c.ticket),
        message_id: message_id(&c.message.id, &mailbox.address),
        // The customer's last mail is the parent; its ancestors, oldest first, then it.
        in_reply_to: c.thread.first().cloned(),
        references: c.thread.iter().rev().cloned().collect(),
        text: c.message.body_text.clone(),
        html: Some(text_as_html(&c.message.body_text)),
        attachments: c
            .message
            .attachments
            .iter()
            .zip(&c.files)
            .map(|(meta, data)| desk_mail::OutgoingAttachment {
                file_name: meta.file_name.clone(),
                content_type: meta.content_type.clone(),
                data: data.clone(),
            })
            .collect(),
        // The desk's own messages (warnings, later acknowledgements and surveys) say so,
        // so that the customer's auto-responder does not answer them.
        auto_submitted: c.message.author.kind == AuthorKind::System,
        date: now,
    })
}

#[async_trait]
impl Transport for MailTransport {
    async fn send(&self, claimed: &ClaimedDelivery) -> AttemptOutcome {
        let (mailbox, sender) = self.mailbox_for(&claimed.delivery);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let raw = match compose(claimed, mailbox, now)
            .and_then(|mail| desk_mail::build(&mail).map_err(|e| format!("compose the mail: {e}")))
        {
            Ok(raw) => raw,
            Err(reason) => return AttemptOutcome::Permanent(reason),
        };
        let to = claimed.delivery.recipient.clone().unwrap_or_default();
        match sender.send(&mailbox.address, &[to], &raw).await {
            Ok(()) => AttemptOutcome::Sent,
            Err(e) if e.transient => AttemptOutcome::Transient(e.reason),
            Err(e) => AttemptOutcome::Permanent(e.reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resend_carries_the_same_message_id() {
        assert_eq!(
            message_id("0190-a", "support@wallet.example"),
            "0190-a@wallet.example"
        );
    }

    #[test]
    fn the_html_part_is_the_text_never_markup() {
        assert_eq!(
            text_as_html("<b>hi</b> & 'x'\n第二行"),
            "<div style=\"white-space:pre-wrap\">&lt;b&gt;hi&lt;/b&gt; &amp; &#39;x&#39;<br>第二行</div>"
        );
    }
}
