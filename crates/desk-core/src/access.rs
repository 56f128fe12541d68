//! Who may do what (DESIGN.md §3): agent < supervisor < admin, decided here once and read
//! by everyone who asks. The server enforces it on every route and every mutation; the
//! console and the CLI ask it first so an agent is not offered what the server would
//! refuse; ARCHITECTURE.md writes the same table out for people.
//!
//! Two kinds of question. A [`Capability`] is a whole area of work (the audit log, the
//! macros, the agents): its least role is fixed. A ticket action ([`MutationOp`]) may need
//! more than its kind says, depending on the ticket as the server finds it: handing on a
//! ticket assigned to someone else is a supervisor's call, whoever asks for it. That is
//! why a mutation queued offline can come back `forbidden`: another agent took the ticket
//! meanwhile.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::apply::Refusal;
use crate::domain::{Agent, Role, Ticket, UnknownVariant};
use crate::error::ErrorCode;
use crate::mutation::MutationOp;

string_enum!(
    /// An area of work with its least role ([`Capability::least_role`]).
    Capability {
        /// Delete a ticket (spam, a test): it leaves every view.
        DeleteTickets = "delete_tickets",
        /// Take, hand on or unassign a ticket assigned to someone else, or move it to
        /// another group (which unassigns it).
        ReassignOthers = "reassign_others",
        /// Merge a customer's duplicate tickets.
        MergeTickets = "merge_tickets",
        /// Declare, update and resolve incidents.
        ManageIncidents = "manage_incidents",
        /// Approve what needs a second person (four eyes).
        Approve = "approve",
        /// Propose and approve compensation.
        ManageCompensation = "manage_compensation",
        /// Write macros (canned answers and their actions).
        ManageMacros = "manage_macros",
        /// Write and publish knowledge-base articles.
        ManageKnowledge = "manage_knowledge",
        /// Read the audit log and check its chain.
        ViewAudit = "view_audit",
        /// Create agents, set their roles, groups, skills and capacity, disable them.
        ManageAgents = "manage_agents",
        /// Create and rename groups.
        ManageGroups = "manage_groups",
        /// Mailboxes, bridges, SLA policies and the server's settings.
        ManageSettings = "manage_settings",
    }
);

impl Capability {
    /// The least role that has it. Higher roles have everything lower ones have.
    pub fn least_role(self) -> Role {
        match self {
            Self::DeleteTickets
            | Self::ReassignOthers
            | Self::MergeTickets
            | Self::ManageIncidents
            | Self::Approve
            | Self::ManageCompensation
            | Self::ManageMacros
            | Self::ManageKnowledge
            | Self::ViewAudit => Role::Supervisor,
            Self::ManageAgents | Self::ManageGroups | Self::ManageSettings => Role::Admin,
        }
    }

    /// What an agent of `role` may do, in [`Capability::ALL`]'s order.
    pub fn of(role: Role) -> Vec<Capability> {
        Self::ALL
            .iter()
            .copied()
            .filter(|c| role >= c.least_role())
            .collect()
    }

    /// What it lets a person do, for refusals.
    fn describe(self) -> &'static str {
        match self {
            Self::DeleteTickets => "deleting a ticket",
            Self::ReassignOthers => "handing on a ticket assigned to someone else",
            Self::MergeTickets => "merging tickets",
            Self::ManageIncidents => "managing incidents",
            Self::Approve => "approving",
            Self::ManageCompensation => "managing compensation",
            Self::ManageMacros => "editing macros",
            Self::ManageKnowledge => "editing knowledge-base articles",
            Self::ViewAudit => "reading the audit log",
            Self::ManageAgents => "managing agents",
            Self::ManageGroups => "managing groups",
            Self::ManageSettings => "changing settings",
        }
    }

    /// `forbidden`, naming what was asked and the role it needs.
    pub fn refusal(self) -> Refusal {
        Refusal::new(
            ErrorCode::Forbidden,
            format!(
                "{} needs the {} role",
                self.describe(),
                self.least_role().as_str()
            ),
        )
    }
}

/// Whether `agent` has `capability`.
pub fn has(agent: &Agent, capability: Capability) -> bool {
    agent.role >= capability.least_role()
}

/// The capability a ticket action needs beyond a plain agent's, given the ticket as it
/// stands (`None`: it does not exist, and the rules will say so). `agent_id` is who acts.
pub fn needed_for(op: &MutationOp, ticket: Option<&Ticket>, agent_id: &str) -> Option<Capability> {
    // Someone else's: assigned, and not to the one acting.
    let others = ticket
        .and_then(|t| t.assignee_id.as_deref())
        .is_some_and(|a| a != agent_id);
    match op {
        MutationOp::DeleteTicket { .. } => Some(Capability::DeleteTickets),
        // Giving away one's own ticket, or assigning an unassigned one (to oneself or a
        // colleague), is everyday work; taking or moving a colleague's is not.
        MutationOp::Assign { assignee_id, .. } => {
            let changes =
                ticket.is_some_and(|t| t.assignee_id.as_deref() != assignee_id.as_deref());
            (others && changes).then_some(Capability::ReassignOthers)
        }
        // A move to another group unassigns the ticket.
        MutationOp::SetGroup { group, .. } => {
            let moves =
                ticket.is_some_and(|t| t.group.as_deref() != group.as_deref().map(str::trim));
            (others && moves).then_some(Capability::ReassignOthers)
        }
        MutationOp::Reply { .. }
        | MutationOp::Note { .. }
        | MutationOp::SetStatus { .. }
        | MutationOp::SetPriority { .. }
        | MutationOp::SetCategory { .. }
        | MutationOp::Claim { .. }
        | MutationOp::AddTags { .. }
        | MutationOp::RemoveTags { .. }
        | MutationOp::CreateTicket { .. }
        | MutationOp::RetryDelivery { .. } => None,
    }
}

/// Refuses `op` with `forbidden` when `agent`'s role is below what it needs on `ticket`.
pub fn check(agent: &Agent, op: &MutationOp, ticket: Option<&Ticket>) -> Result<(), Refusal> {
    match needed_for(op, ticket, &agent.id) {
        Some(c) if !has(agent, c) => Err(c.refusal()),
        _ => Ok(()),
    }
}

/// What a signed-in agent may do, as the console reads it to hide what the server would
/// refuse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Capabilities {
    pub role: Role,
    pub capabilities: Vec<Capability>,
}

impl Capabilities {
    pub fn of(role: Role) -> Self {
        Self {
            role,
            capabilities: Capability::of(role),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Category, Channel, Priority, TicketStatus};

    fn agent(id: &str, role: Role) -> Agent {
        Agent {
            id: id.into(),
            name: id.into(),
            email: format!("{id}@desk.test"),
            role,
            languages: vec![],
            groups: vec![],
            skills: vec![],
            capacity: None,
        }
    }

    fn ticket(assignee: Option<&str>, group: Option<&str>) -> Ticket {
        Ticket {
            id: "t1".into(),
            number: Some(1),
            subject: "s".into(),
            status: TicketStatus::Open,
            priority: Priority::Normal,
            category: Category::Other,
            channel: Channel::Email,
            customer_id: "c1".into(),
            assignee_id: assignee.map(Into::into),
            group: group.map(Into::into),
            tags: vec![],
            language: "en".into(),
            first_response_due_at: None,
            resolution_due_at: None,
            linked_transaction_ids: vec![],
            incident_id: None,
            merged_into: None,
            deleted_at: None,
            secret_exposed_at: None,
            csat: None,
            created_at: 0,
            updated_at: 0,
            last_message_at: 0,
        }
    }

    fn assign(to: Option<&str>) -> MutationOp {
        MutationOp::Assign {
            ticket_id: "t1".into(),
            assignee_id: to.map(Into::into),
        }
    }

    fn group(to: Option<&str>) -> MutationOp {
        MutationOp::SetGroup {
            ticket_id: "t1".into(),
            group: to.map(Into::into),
        }
    }

    /// The table, row by row: (action, ticket's assignee and group, who acts) → the
    /// capability needed beyond an agent's.
    #[test]
    fn ticket_actions_need_what_the_table_says() {
        let delete = MutationOp::DeleteTicket {
            ticket_id: "t1".into(),
        };
        let claim = MutationOp::Claim {
            ticket_id: "t1".into(),
        };
        type Row<'a> = (
            &'a MutationOp,
            Option<&'a str>,
            Option<&'a str>,
            Option<Capability>,
        );
        let cases: &[Row] = &[
            (&delete, None, None, Some(Capability::DeleteTickets)),
            (&delete, Some("me"), None, Some(Capability::DeleteTickets)),
            // Assigning an unassigned ticket, to oneself or anyone: an agent's.
            (&assign(Some("me")), None, None, None),
            (&assign(Some("bob")), None, None, None),
            // One's own: give it away or let it go.
            (&assign(Some("bob")), Some("me"), None, None),
            (&assign(None), Some("me"), None, None),
            // Someone else's: take it, pass it on, or unassign it.
            (
                &assign(Some("me")),
                Some("bob"),
                None,
                Some(Capability::ReassignOthers),
            ),
            (
                &assign(Some("ann")),
                Some("bob"),
                None,
                Some(Capability::ReassignOthers),
            ),
            (
                &assign(None),
                Some("bob"),
                None,
                Some(Capability::ReassignOthers),
            ),
            // Assigning it to whom it already is changes nothing.
            (&assign(Some("bob")), Some("bob"), None, None),
            // A group move unassigns: someone else's only by a supervisor.
            (
                &group(Some("security")),
                Some("bob"),
                Some("cn"),
                Some(Capability::ReassignOthers),
            ),
            (&group(Some("security")), Some("me"), Some("cn"), None),
            (&group(Some("security")), None, Some("cn"), None),
            (&group(Some("cn")), Some("bob"), Some("cn"), None),
            (&group(Some(" cn ")), Some("bob"), Some("cn"), None),
            (&claim, Some("bob"), None, None),
        ];
        for (op, assignee, in_group, want) in cases {
            let t = ticket(*assignee, *in_group);
            assert_eq!(
                needed_for(op, Some(&t), "me"),
                *want,
                "{op:?} on a ticket of {assignee:?} in {in_group:?}"
            );
        }
        assert_eq!(needed_for(&assign(Some("me")), None, "me"), None);
    }

    #[test]
    fn a_role_has_what_its_rank_allows_and_refusals_say_which_role() {
        let t = ticket(Some("bob"), None);
        let take = assign(Some("me"));
        let err = check(&agent("me", Role::Agent), &take, Some(&t)).unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);
        assert_eq!(
            err.reason,
            "handing on a ticket assigned to someone else needs the supervisor role"
        );
        assert!(check(&agent("me", Role::Supervisor), &take, Some(&t)).is_ok());
        assert!(check(&agent("me", Role::Admin), &take, Some(&t)).is_ok());

        assert!(Capability::of(Role::Agent).is_empty());
        let sup = Capability::of(Role::Supervisor);
        assert!(sup.contains(&Capability::ViewAudit) && !sup.contains(&Capability::ManageAgents));
        assert_eq!(Capability::of(Role::Admin), Capability::ALL.to_vec());
        for c in Capability::ALL {
            assert_eq!(c.as_str().parse::<Capability>().unwrap(), *c);
        }
    }
}
