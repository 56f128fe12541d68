//! Which OS notifications the console shows after a sync (DESIGN.md §8): a ticket newly
//! assigned to the agent by someone else (a colleague, routing), and a ticket of theirs
//! entering SLA at-risk. Pure: the shell gathers what the cache says, this decides, the
//! shell shows.
//!
//! Dedupe is by memory of the last look: a ticket is announced once per assignment (it
//! leaves the agent's tickets and comes back: a new one) and once per at-risk episode.
//! The first look (the bootstrap, a fresh start) only remembers, so signing in does not
//! flood the screen with every ticket the agent already had. The agent's own claims and
//! assignments are looked at [`quietly`](Notifier::observe_quietly) right after they are
//! made, so they are known before the sync that confirms them.
//!
//! The text names the ticket by number only, never its subject or the customer's words:
//! a notification shows on a lock screen, and customer text is hostile and private.

use std::collections::HashSet;

/// One of the agent's open tickets, as the cache sees it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MineTicket {
    pub id: String,
    /// The server's number; `None` for a ticket not numbered yet.
    pub number: Option<i64>,
    pub at_risk: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    Assigned,
    AtRisk,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub kind: NotificationKind,
    pub ticket_id: String,
    pub number: Option<i64>,
}

impl Notification {
    /// Title and body in the UI's language (`zh…` is Chinese, anything else English).
    pub fn text(&self, language: &str) -> (String, String) {
        let zh = language.starts_with("zh");
        let number = match (self.number, zh) {
            (Some(n), _) => format!("#{n}"),
            (None, true) => "（未编号）".to_owned(),
            (None, false) => "(unnumbered)".to_owned(),
        };
        match (self.kind, zh) {
            (NotificationKind::Assigned, false) => (
                "New ticket assigned".to_owned(),
                format!("Ticket {number} assigned to you"),
            ),
            (NotificationKind::Assigned, true) => {
                ("新工单分配".to_owned(), format!("工单 {number} 已分配给你"))
            }
            (NotificationKind::AtRisk, false) => (
                "SLA at risk".to_owned(),
                format!("Ticket {number} is about to breach its SLA"),
            ),
            (NotificationKind::AtRisk, true) => (
                "SLA 即将超时".to_owned(),
                format!("工单 {number} 即将超出 SLA 时限"),
            ),
        }
    }
}

/// What the last look saw. Start with `Notifier::default()` per signed-in agent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notifier {
    primed: bool,
    mine: HashSet<String>,
    at_risk: HashSet<String>,
}

impl Notifier {
    /// Looks at the agent's open tickets after a sync; answers what to notify.
    pub fn observe(&mut self, now: &[MineTicket]) -> Vec<Notification> {
        let mut out = Vec::new();
        if self.primed {
            for t in now {
                if !self.mine.contains(&t.id) {
                    out.push(notification(NotificationKind::Assigned, t));
                }
            }
            for t in now.iter().filter(|t| t.at_risk) {
                if !self.at_risk.contains(&t.id) {
                    out.push(notification(NotificationKind::AtRisk, t));
                }
            }
        }
        self.remember(now);
        out
    }

    /// Looks without notifying: after the agent's own action (a claim, an assignment to
    /// themself), and while a bootstrap is still filling the cache.
    pub fn observe_quietly(&mut self, now: &[MineTicket]) {
        self.remember(now);
    }

    fn remember(&mut self, now: &[MineTicket]) {
        self.primed = true;
        self.mine = now.iter().map(|t| t.id.clone()).collect();
        self.at_risk = now
            .iter()
            .filter(|t| t.at_risk)
            .map(|t| t.id.clone())
            .collect();
    }
}

fn notification(kind: NotificationKind, t: &MineTicket) -> Notification {
    Notification {
        kind,
        ticket_id: t.id.clone(),
        number: t.number,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use NotificationKind::{Assigned, AtRisk};

    fn t(id: &str, number: i64, at_risk: bool) -> MineTicket {
        MineTicket {
            id: id.into(),
            number: Some(number),
            at_risk,
        }
    }

    fn kinds(out: &[Notification]) -> Vec<(NotificationKind, &str)> {
        out.iter().map(|n| (n.kind, n.ticket_id.as_str())).collect()
    }

    #[test]
    fn the_first_look_only_remembers() {
        let mut n = Notifier::default();
        assert!(
            n.observe(&[t("a", 1, false), t("b", 2, true)]).is_empty(),
            "a bootstrap must not announce every ticket the agent already had"
        );
        assert!(
            n.observe(&[t("a", 1, false), t("b", 2, true)]).is_empty(),
            "nothing changed, nothing to say"
        );
    }

    #[test]
    fn a_new_assignment_is_announced_once() {
        let mut n = Notifier::default();
        n.observe(&[t("a", 1, false)]);
        let out = n.observe(&[t("a", 1, false), t("b", 2, false)]);
        assert_eq!(kinds(&out), [(Assigned, "b")], "b arrived by sync");
        assert!(
            n.observe(&[t("a", 1, false), t("b", 2, false)]).is_empty(),
            "once per assignment, not per sync"
        );
        n.observe(&[t("a", 1, false)]);
        let out = n.observe(&[t("a", 1, false), t("b", 2, false)]);
        assert_eq!(
            kinds(&out),
            [(Assigned, "b")],
            "reassigned away and back is a new assignment"
        );
    }

    #[test]
    fn the_agents_own_claim_is_not_announced() {
        let mut n = Notifier::default();
        n.observe(&[]);
        // The claim applies to the cache at once; the command looks quietly.
        n.observe_quietly(&[t("c", 3, false)]);
        assert!(
            n.observe(&[t("c", 3, false)]).is_empty(),
            "the sync confirming my own claim says nothing"
        );
    }

    #[test]
    fn at_risk_is_announced_once_per_episode() {
        let mut n = Notifier::default();
        n.observe(&[t("a", 1, false)]);
        let out = n.observe(&[t("a", 1, true)]);
        assert_eq!(kinds(&out), [(AtRisk, "a")]);
        assert!(
            n.observe(&[t("a", 1, true)]).is_empty(),
            "still at risk: already said"
        );
        n.observe(&[t("a", 1, false)]); // answered, a new due time
        let out = n.observe(&[t("a", 1, true)]);
        assert_eq!(kinds(&out), [(AtRisk, "a")], "a new episode is announced");
    }

    #[test]
    fn a_ticket_assigned_while_at_risk_gets_both() {
        let mut n = Notifier::default();
        n.observe(&[]);
        let out = n.observe(&[t("d", 4, true)]);
        assert_eq!(
            kinds(&out),
            [(Assigned, "d"), (AtRisk, "d")],
            "a colleague handed over a ticket that is about to breach"
        );
    }

    #[test]
    fn a_quiet_look_during_bootstrap_primes_without_announcing() {
        let mut n = Notifier::default();
        n.observe_quietly(&[t("a", 1, true)]);
        assert!(n.observe(&[t("a", 1, true)]).is_empty());
        let out = n.observe(&[t("a", 1, true), t("b", 2, false)]);
        assert_eq!(kinds(&out), [(Assigned, "b")]);
    }

    #[test]
    fn the_text_is_localized_and_names_only_the_number() {
        let assigned = Notification {
            kind: Assigned,
            ticket_id: "t-secret-id".into(),
            number: Some(1234),
        };
        assert_eq!(
            assigned.text("en"),
            (
                "New ticket assigned".to_owned(),
                "Ticket #1234 assigned to you".to_owned()
            )
        );
        assert_eq!(
            assigned.text("zh-CN"),
            ("新工单分配".to_owned(), "工单 #1234 已分配给你".to_owned())
        );
        let risk = Notification {
            kind: AtRisk,
            ticket_id: "x".into(),
            number: None,
        };
        let (title, body) = risk.text("en");
        assert_eq!(title, "SLA at risk");
        assert!(body.contains("(unnumbered)"), "{body}");
        for lang in ["en", "zh-CN"] {
            let (title, body) = assigned.text(lang);
            assert!(
                !title.contains("t-secret-id") && !body.contains("t-secret-id"),
                "only the human number is shown"
            );
        }
    }
}
