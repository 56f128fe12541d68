//! One demo ticket: its conversation, linked transaction, assignment, SLA and timeline.

use desk_core::wire::Change;
use desk_core::{
    Agent, Attachment, Author, AuthorKind, Category, Channel, Customer, CustomerTier, Message,
    MessageKind, SlaTarget, Ticket, TicketStatus,
};

use super::people::{self, EN, ZH};
use super::rng::Rng;
use super::template::{Step, Template, Vars};
use super::{Inputs, LABEL_TICKET, templates_en, templates_zh};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

pub(super) struct Built {
    pub created_at: i64,
    pub customer_index: usize,
    pub ticket_id: String,
    /// Transaction, ticket, messages, in that order; empty when only planning.
    pub changes: Vec<Change>,
}

/// The earlier ticket of a customer that a duplicate is merged into.
pub(super) type MergeTarget<'a> = &'a dyn Fn(usize) -> Option<String>;

/// Builds ticket `index`. With `merge_target` `None` it only plans: it stops once the
/// creation time is known. Nothing before that point may depend on other tickets.
pub(super) fn build(inputs: &Inputs, index: u32, merge_target: Option<MergeTarget<'_>>) -> Built {
    let now = inputs.options.now_ms;
    let mut rng = Rng::derive(inputs.options.seed, LABEL_TICKET, u64::from(index));
    let customer_index = rng.range(0, inputs.customers.len() as u64) as usize;
    let customer = &inputs.customers[customer_index];
    let zh = customer.preferred_language == ZH;
    let template = *rng.pick(if zh {
        templates_zh::TEMPLATES
    } else {
        templates_en::TEMPLATES
    });

    // Customers write again on another channel; such a ticket is closed as a duplicate.
    let duplicate = rng.chance(4);
    let status = if duplicate {
        TicketStatus::Closed
    } else {
        *rng.weighted(&[
            (TicketStatus::New, 20),
            (TicketStatus::Open, 24),
            (TicketStatus::PendingCustomer, 20),
            (TicketStatus::OnHold, 8),
            (TicketStatus::Solved, 18),
            (TicketStatus::Closed, 10),
        ])
    };
    let steps = conversation_for(&template, status);
    let channel = *rng.weighted(if zh {
        &[
            (Channel::Wechat, 30),
            (Channel::Chat, 28),
            (Channel::Telegram, 14),
            (Channel::Email, 14),
            (Channel::WebForm, 14),
        ]
    } else {
        &[
            (Channel::Email, 32),
            (Channel::Chat, 28),
            (Channel::Telegram, 20),
            (Channel::WebForm, 15),
            (Channel::Wechat, 5),
        ]
    });

    // Assignment: new tickets wait in the queue; most others belong to someone.
    let language = if zh { ZH } else { EN };
    let agents = &inputs.agents;
    let assignee = if status == TicketStatus::New || agents.is_empty() || !rng.chance(72) {
        None
    } else {
        let speakers: Vec<&Agent> = agents
            .iter()
            .filter(|a| a.languages.iter().any(|l| l == language))
            .collect();
        Some(
            if speakers.is_empty() {
                rng.pick(agents)
            } else {
                *rng.pick(&speakers)
            }
            .clone(),
        )
    };
    let responder = assignee
        .clone()
        .or_else(|| (!agents.is_empty() && rng.chance(60)).then(|| rng.pick(agents).clone()));
    let agent_author = match &responder {
        Some(agent) => Author {
            kind: AuthorKind::Agent,
            id: Some(agent.id.clone()),
            name: agent.name.clone(),
        },
        None => {
            let names: &[&str] = if zh {
                &["客服小林", "客服阿杰", "客服小雨"]
            } else {
                &["Mia (Support)", "Daniel (Support)", "Priya (Support)"]
            };
            Author {
                kind: AuthorKind::Agent,
                id: None,
                name: (*rng.pick(names)).to_owned(),
            }
        }
    };

    let tx_ctx = people::tx_context(&mut rng, template.tx.as_ref());
    // How long before the first message the transaction happened; texts quote it in hours.
    let tx_age = rng.range_i64(20 * MINUTE, 48 * HOUR);
    let vars = variables(&mut rng, customer, &agent_author.name, &tx_ctx, tx_age);

    // Lay out the conversation, then place it so that it ends before now.
    let mut offsets = Vec::with_capacity(steps.len());
    let mut t = 0i64;
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            t += match step {
                Step::C(_) | Step::F(_) => rng.range_i64(3 * MINUTE, 20 * HOUR),
                Step::A(_) => rng.range_i64(2 * MINUTE, 6 * HOUR),
                Step::N(_) => rng.range_i64(MINUTE, 40 * MINUTE),
                Step::S(_) => rng.range_i64(1_000, 90_000),
            };
        }
        offsets.push(t);
    }
    let closing = matches!(status, TicketStatus::Solved | TicketStatus::Closed);
    let closing_at = t + rng.range_i64(10 * MINUTE, 12 * HOUR);
    let end = if closing { closing_at } else { t };
    let age = end
        + match status {
            TicketStatus::New => rng.range_i64(MINUTE, 10 * HOUR),
            TicketStatus::Open | TicketStatus::PendingCustomer | TicketStatus::OnHold => {
                rng.range_i64(10 * MINUTE, 4 * DAY)
            }
            TicketStatus::Solved | TicketStatus::Closed => rng.range_i64(HOUR, 40 * DAY),
        };
    let created_at = now - age;
    let ticket_id = rng.uuid_v7(created_at);
    let Some(merge_target) = merge_target else {
        return Built {
            created_at,
            customer_index,
            ticket_id,
            changes: Vec::new(),
        };
    };
    let merged_into = if duplicate {
        merge_target(customer_index)
    } else {
        None
    };

    let customer_author = Author {
        kind: AuthorKind::Customer,
        id: Some(customer.id.clone()),
        name: customer.name.clone(),
    };
    let system = Author {
        kind: AuthorKind::System,
        id: None,
        name: "Desk".to_owned(),
    };
    let mut messages = Vec::with_capacity(steps.len() + 1);
    let mut push = |rng: &mut Rng, kind, author: &Author, text: String, at: i64, file: bool| {
        let attachments = if file {
            vec![Attachment {
                sha256: rng.hex(64),
                file_name: format!("screenshot_{}.png", rng.range(1000, 9999)),
                content_type: "image/png".to_owned(),
                size: rng.range(80_000, 2_400_000),
            }]
        } else {
            Vec::new()
        };
        // Customers write email in HTML; the console shows it as formatted text.
        let body_html = (channel == Channel::Email && author.kind == AuthorKind::Customer)
            .then(|| email_html(&text))
            .flatten();
        messages.push(Message {
            id: rng.uuid_v7(at),
            ticket_id: ticket_id.clone(),
            kind,
            author: author.clone(),
            body_text: text,
            body_html,
            attachments,
            created_at: at,
            quoted: None,
        });
    };
    for (step, offset) in steps.iter().zip(&offsets) {
        let at = created_at + offset;
        let text = vars.render(step.text());
        let (kind, author, file) = match step {
            Step::C(_) => (MessageKind::PublicReply, &customer_author, false),
            Step::F(_) => (MessageKind::PublicReply, &customer_author, true),
            Step::A(_) => (MessageKind::PublicReply, &agent_author, false),
            Step::N(_) => (MessageKind::InternalNote, &agent_author, false),
            Step::S(_) => (MessageKind::SystemEvent, &system, false),
        };
        push(&mut rng, kind, author, text, at, file);
    }
    let auto_ack = status == TicketStatus::New
        && matches!(channel, Channel::Email | Channel::WebForm)
        && steps.len() < 6;
    if auto_ack {
        let text = if zh {
            "已自动回复客户:我们已收到您的问题,预计 2 小时内回复。"
        } else {
            "Auto-acknowledgement sent: we received your request and expect to reply within 2 hours."
        };
        push(
            &mut rng,
            MessageKind::SystemEvent,
            &system,
            text.to_owned(),
            created_at + 2_000,
            false,
        );
    }
    if closing {
        let text = match (merged_into.is_some(), status == TicketStatus::Closed, zh) {
            (true, _, true) => "重复工单,已合并到该客户较早的工单。",
            (true, _, false) => "Duplicate: merged into this customer's earlier ticket.",
            (false, false, true) => "工单已标记为已解决。",
            (false, false, false) => "Ticket marked as solved.",
            (false, true, true) => "工单已关闭。",
            (false, true, false) => "Ticket closed.",
        };
        let at = created_at + closing_at;
        push(
            &mut rng,
            MessageKind::SystemEvent,
            &system,
            text.to_owned(),
            at,
            false,
        );
    }
    let last_message_at = messages
        .iter()
        .map(|m| m.created_at)
        .max()
        .unwrap_or(created_at);

    let linked = template.tx.map(|spec| {
        let at = created_at - tx_age;
        let updated_at = if closing {
            created_at + closing_at
        } else {
            at + rng.range_i64(10_000, 30 * MINUTE)
        };
        people::transaction(
            &mut rng,
            &customer.id,
            &spec,
            &tx_ctx,
            at,
            updated_at,
            closing,
        )
    });

    let vip = customer.tier != CustomerTier::Standard;
    let (first_response, resolution) = SlaTarget::default_ms(template.priority, customer.tier);
    // An agent's public reply meets the first-response target, as `desk_core::apply` does.
    let answered = messages
        .iter()
        .any(|m| m.kind == MessageKind::PublicReply && m.author.kind == AuthorKind::Agent);
    let mut tags: Vec<String> = template.tags.iter().map(|t| (*t).to_owned()).collect();
    if customer.tier == CustomerTier::Vip {
        tags.push("vip".to_owned());
    }
    let repeat = rng.chance(6);
    if merged_into.is_some() {
        tags.push("duplicate".to_owned());
    } else if repeat {
        tags.push("repeat-contact".to_owned());
    }
    tags.dedup();
    let csat = (closing && merged_into.is_none() && rng.chance(60)).then(|| {
        if template.category == Category::Complaint {
            *rng.weighted(&[(1u8, 20), (2, 20), (3, 25), (4, 20), (5, 15)])
        } else {
            *rng.weighted(&[(1u8, 5), (2, 6), (3, 12), (4, 27), (5, 50)])
        }
    });
    let group = match template.category {
        Category::Security => "security",
        Category::LargeTransaction => "vip-desk",
        Category::Dispute => "disputes",
        _ if vip => "vip-desk",
        _ if zh => "cn-support",
        _ => "global-support",
    };

    let ticket = Ticket {
        id: ticket_id.clone(),
        number: None,
        subject: vars.render(template.subject),
        customer_id: customer.id.clone(),
        channel,
        status,
        priority: template.priority,
        category: template.category,
        tags,
        assignee_id: assignee.map(|a| a.id),
        group: Some(group.to_owned()),
        language: language.to_owned(),
        first_response_due_at: (!answered).then_some(created_at + first_response),
        resolution_due_at: Some(created_at + resolution),
        linked_transaction_ids: linked.iter().map(|t| t.id.clone()).collect(),
        incident_id: None,
        merged_into,
        csat,
        created_at,
        updated_at: last_message_at,
        last_message_at,
        deleted_at: None,
        secret_exposed_at: None,
    };
    let mut changes = Vec::with_capacity(messages.len() + 2);
    changes.extend(linked.map(Change::WalletTransaction));
    changes.push(Change::Ticket(ticket));
    changes.extend(messages.into_iter().map(Change::Message));
    Built {
        created_at,
        customer_index,
        ticket_id,
        changes,
    }
}

/// The part of a template's conversation a ticket in `status` has reached.
pub(super) fn conversation_for(template: &Template, status: TicketStatus) -> Vec<Step> {
    let steps = template.steps;
    let after_last = |pred: fn(&Step) -> bool| steps.iter().rposition(pred).map(|i| i + 1);
    let end = match status {
        TicketStatus::New => {
            // Nobody answered yet; a system event right after the customer may stay.
            let mut end = steps
                .iter()
                .position(|s| !s.is_customer())
                .unwrap_or(steps.len());
            while end < steps.len() && matches!(steps[end], Step::S(_)) {
                end += 1;
            }
            Some(end)
        }
        TicketStatus::PendingCustomer => after_last(|s| matches!(s, Step::A(_))),
        TicketStatus::OnHold => after_last(|s| matches!(s, Step::N(_)))
            .or_else(|| after_last(|s| matches!(s, Step::A(_)))),
        TicketStatus::Open => {
            // Waiting on us: the customer spoke last, after an agent's reply.
            let first_reply = steps.iter().position(|s| matches!(s, Step::A(_)));
            first_reply
                .and_then(|r| {
                    steps
                        .iter()
                        .skip(r)
                        .rposition(|s| s.is_customer())
                        .map(|i| r + i + 1)
                })
                .or_else(|| after_last(|s| matches!(s, Step::A(_))))
        }
        TicketStatus::Solved | TicketStatus::Closed => Some(steps.len()),
    }
    .unwrap_or(steps.len())
    .max(1);
    steps[..end].to_vec()
}

fn variables(
    rng: &mut Rng,
    customer: &Customer,
    agent: &str,
    tx: &people::TxContext,
    tx_age: i64,
) -> Vars {
    let mut vars = Vars::default();
    vars.set("name", customer.name.clone());
    vars.set("agent", agent);
    vars.set("asset", tx.asset);
    vars.set("chain", tx.chain);
    vars.set("amount", tx.amount.clone());
    vars.set(
        "short",
        format!("{}…{}", &tx.hash[..10], &tx.hash[tx.hash.len() - 6..]),
    );
    vars.set("hash", tx.hash.clone());
    vars.set("conf", tx.confirmations.to_string());
    vars.set("req", tx.required.to_string());
    vars.set("addr", tx.address.clone());
    vars.set("eta", rng.range(5, 90).to_string());
    vars.set("hours", (tx_age / HOUR).max(1).to_string());
    vars.set("uid", customer.platform_user_id.clone());
    let digits: String = customer
        .phones
        .first()
        .map(|p| p.chars().filter(char::is_ascii_digit).collect())
        .unwrap_or_default();
    let phone4 = if digits.len() >= 4 {
        digits[digits.len() - 4..].to_owned()
    } else {
        format!("{:04}", rng.range(0, 10_000))
    };
    vars.set("phone4", phone4);
    vars.set("kyc", customer.kyc_level.to_string());
    let fake = *rng.pick(&[
        "Support_Official",
        "Helpdesk_Team",
        "Wallet_Service",
        "CS_Admin",
    ]);
    vars.set("fake_handle", format!("{fake}{}", rng.range(10, 999)));
    vars
}

/// The HTML an email client would send for `text`: a paragraph per blank-line-separated
/// block, line breaks kept, through the same sanitizer ingestion uses.
fn email_html(text: &str) -> Option<String> {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let html: String = text
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", escape(p.trim()).replace('\n', "<br>")))
        .collect();
    desk_core::sanitize::customer_html(&html)
}
