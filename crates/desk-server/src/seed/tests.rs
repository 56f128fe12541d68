use std::collections::{HashMap, HashSet};

use desk_core::{AuthorKind, MessageKind, TicketStatus, TxStatus};

use super::template::{NEEDS_BROADCAST, PLACEHOLDERS, Step, Template};
use super::ticket::conversation_for;
use super::*;

fn all_templates() -> impl Iterator<Item = &'static Template> {
    templates_zh::TEMPLATES
        .iter()
        .chain(templates_en::TEMPLATES)
}

fn placeholders(text: &str) -> Vec<&str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(key, _)| key))
        .collect()
}

#[test]
fn there_are_at_least_25_distinct_templates_per_language() {
    assert!(
        templates_zh::TEMPLATES.len() >= 25,
        "the demo needs variety in Chinese"
    );
    assert!(
        templates_en::TEMPLATES.len() >= 25,
        "the demo needs variety in English"
    );
    let keys: HashSet<_> = all_templates().map(|t| t.key).collect();
    assert_eq!(
        keys.len(),
        all_templates().count(),
        "template keys must be unique"
    );
}

#[test]
fn templates_are_well_formed() {
    for template in all_templates() {
        assert!(
            (1..=5).contains(&template.steps.len()),
            "{}: 1–5 steps leave room for a closing event within 6 messages",
            template.key
        );
        assert!(
            template.steps[0].is_customer(),
            "{}: the customer opens a ticket",
            template.key
        );
        let broadcast = template.tx.is_some_and(|tx| {
            !matches!(
                tx.status,
                TxStatus::AwaitingCustomerConfirmation | TxStatus::Frozen
            )
        });
        let texts = template
            .steps
            .iter()
            .map(|s| s.text())
            .chain([template.subject]);
        for text in texts {
            for key in placeholders(text) {
                assert!(
                    PLACEHOLDERS.contains(&key),
                    "{}: unknown placeholder {{{key}}}",
                    template.key
                );
                assert!(
                    broadcast || !NEEDS_BROADCAST.contains(&key),
                    "{}: {{{key}}} needs a broadcast transaction, the template has none",
                    template.key
                );
            }
        }
    }
}

fn generate(options: SeedOptions, agents: Vec<Agent>) -> Vec<Change> {
    let mut generator = Generator::new(options, agents);
    let mut all: Vec<Change> = generator.customer_batches().into_iter().flatten().collect();
    while let Some(batch) = generator.next_ticket_batch(37) {
        all.extend(batch);
    }
    all
}

fn agent(id: &str, languages: &[&str]) -> Agent {
    Agent {
        id: id.into(),
        name: format!("Agent {id}"),
        email: format!("{id}@example.com"),
        role: desk_core::Role::Agent,
        languages: languages.iter().map(|l| (*l).to_owned()).collect(),
        groups: Vec::new(),
        skills: vec![],
        capacity: None,
    }
}

#[test]
fn same_options_give_identical_data() {
    let options = SeedOptions {
        tickets: 300,
        ..SeedOptions::default()
    };
    let agents = vec![agent("a1", &["zh-CN"]), agent("a2", &["en"])];
    assert_eq!(
        generate(options, agents.clone()),
        generate(options, agents),
        "reruns of seed-demo must produce the same dataset"
    );
    let other = SeedOptions { seed: 1, ..options };
    assert_ne!(
        generate(options, vec![]),
        generate(other, vec![]),
        "the seed matters"
    );
}

#[test]
fn every_generated_ticket_is_in_a_demo_group() {
    let data = generate(
        SeedOptions {
            tickets: 400,
            ..SeedOptions::default()
        },
        vec![],
    );
    let known: HashSet<&str> = groups::demo_group_ids().collect();
    let mut used = HashSet::new();
    for change in &data {
        if let Change::Ticket(t) = change {
            let group = t
                .group
                .as_deref()
                .expect("every generated ticket has a group");
            assert!(known.contains(group), "{group} is one of the seeded groups");
            used.insert(group.to_owned());
        }
    }
    assert_eq!(used.len(), known.len(), "each seeded group gets tickets");
}

#[test]
fn generated_tickets_are_plausible() {
    let options = SeedOptions {
        tickets: 800,
        ..SeedOptions::default()
    };
    let data = generate(options, vec![agent("a1", &["zh-CN", "en"])]);
    let mut messages_per_ticket: HashMap<&str, usize> = HashMap::new();
    let mut tickets = Vec::new();
    let mut transactions = HashSet::new();
    let mut answered = HashSet::new();
    for change in &data {
        match change {
            Change::Message(m) => {
                *messages_per_ticket.entry(&m.ticket_id).or_default() += 1;
                if m.kind == MessageKind::PublicReply && m.author.kind == AuthorKind::Agent {
                    answered.insert(m.ticket_id.as_str());
                }
                assert!(
                    m.created_at < options.now_ms,
                    "messages lie in the past: {m:?}"
                );
                assert!(
                    !m.body_text.contains('{'),
                    "every placeholder is filled: {}",
                    m.body_text
                );
            }
            Change::Ticket(t) => tickets.push(t),
            Change::WalletTransaction(t) => {
                transactions.insert(t.id.as_str());
                if let Some(hash) = &t.tx_hash {
                    let hex = hash.trim_start_matches("0x");
                    assert!(
                        hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
                        "tx hashes are 64 hex: {hash}"
                    );
                }
            }
            _ => {}
        }
    }
    assert_eq!(tickets.len(), 800, "every requested ticket is generated");
    for ticket in &tickets {
        let count = messages_per_ticket
            .get(ticket.id.as_str())
            .copied()
            .unwrap_or(0);
        assert!(
            (1..=6).contains(&count),
            "ticket {} has {count} messages, want 1–6",
            ticket.subject
        );
        assert!(
            ticket.created_at <= ticket.last_message_at,
            "a ticket starts before its last message"
        );
        assert!(
            ticket
                .resolution_due_at
                .is_some_and(|d| d > ticket.created_at),
            "SLA due after creation"
        );
        assert_eq!(
            ticket.first_response_due_at.is_none(),
            answered.contains(ticket.id.as_str()),
            "a first response is due until an agent answers: {}",
            ticket.subject
        );
        for id in &ticket.linked_transaction_ids {
            assert!(
                transactions.contains(id.as_str()),
                "linked transaction {id} is part of the dataset"
            );
        }
        if ticket.status == TicketStatus::New {
            assert!(
                ticket.assignee_id.is_none(),
                "new tickets wait unassigned in the queue"
            );
        }
    }
    let languages: HashSet<_> = tickets.iter().map(|t| t.language.as_str()).collect();
    assert!(
        languages.contains("zh-CN") && languages.contains("en"),
        "both languages appear"
    );
    let statuses: HashSet<_> = tickets.iter().map(|t| t.status).collect();
    assert!(statuses.len() >= 5, "statuses vary: {statuses:?}");
    assert!(
        tickets.iter().any(|t| t.assignee_id.is_some()),
        "some tickets are assigned"
    );
    assert!(
        tickets.iter().filter(|t| t.assignee_id.is_none()).count() > 100,
        "many are unassigned"
    );
}

#[test]
fn redacted_secrets_stay_redacted() {
    let data = generate(
        SeedOptions {
            tickets: 1500,
            ..SeedOptions::default()
        },
        vec![],
    );
    let mut saw_redaction = false;
    for change in &data {
        if let Change::Message(m) = change {
            saw_redaction |= m.body_text.contains("[已隐藏助记词]")
                || m.body_text.contains("[seed phrase redacted]");
            assert!(
                !m.body_text.contains("xprv"),
                "no key material may be seeded"
            );
        }
    }
    assert!(
        saw_redaction,
        "the pasted-seed-phrase situation appears, already redacted"
    );
}

#[test]
fn conversation_cut_matches_status() {
    let template = &templates_zh::TEMPLATES[0];
    let new = conversation_for(template, TicketStatus::New);
    assert!(
        new.iter()
            .all(|s| s.is_customer() || matches!(s, Step::S(_))),
        "nobody answered a new ticket"
    );
    let pending = conversation_for(template, TicketStatus::PendingCustomer);
    assert!(
        matches!(pending.last(), Some(Step::A(_))),
        "pending_customer ends with our reply"
    );
    let open = conversation_for(template, TicketStatus::Open);
    assert!(
        open.last().is_some_and(|s| s.is_customer()),
        "open ends with the customer waiting on us"
    );
}
