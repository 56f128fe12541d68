//! What the simulation knows independently of the parts it tests: every answer the server
//! gave (it sees even the responses it then "loses"), every reply and note an agent
//! queued or gave up, and a model of each ticket built by applying the answered-applied
//! mutations, in the order the server answered them, with the shared rules.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use desk_core::apply::apply_mutation;
use desk_core::{AuthorKind, Mutation, MutationResult, Ticket};

use crate::world::{Client, ServerView};

#[derive(Default)]
pub struct Oracle {
    /// The server's first answer per mutation id: every later answer must equal it.
    answers: HashMap<String, MutationResult>,
    /// Tickets as the applied mutations, in server order, make them.
    model: BTreeMap<String, Ticket>,
    /// Per message id: how many mutations carrying it the server applied.
    applied_messages: HashMap<String, u32>,
    /// Every reply and note an agent queued, by message id.
    queued_messages: BTreeSet<String>,
    /// Messages the agent gave up (discarded a held or rejected reply or note).
    discarded_messages: BTreeSet<String>,
    /// Customer messages written on the server.
    customer_messages: BTreeSet<String>,
    pub counts: Counts,
}

/// What a run exercised, so a suite can say it tested something.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub applied: u64,
    pub conflict: u64,
    pub rejected: u64,
    pub held: u64,
    /// Answers the server gave again (a replay or a pull acknowledgement).
    pub repeated: u64,
    /// Tickets found absent, after healing, from a console whose agent is not in their
    /// group: how much scope by group the seeds exercised.
    pub out_of_scope: u64,
    /// Tickets the server moved to another group.
    pub moved: u64,
}

impl Counts {
    pub fn add(&mut self, other: &Counts) {
        self.applied += other.applied;
        self.conflict += other.conflict;
        self.rejected += other.rejected;
        self.held += other.held;
        self.repeated += other.repeated;
        self.out_of_scope += other.out_of_scope;
        self.moved += other.moved;
    }
}

impl Oracle {
    pub fn start(&mut self, view: &ServerView) {
        self.model = view.tickets.clone();
    }

    pub fn queued(&mut self, m: &Mutation) {
        if let Some(id) = m.op.message_id() {
            self.queued_messages.insert(id.to_owned());
        }
    }

    pub fn discarded(&mut self, m: &Mutation) {
        if let Some(id) = m.op.message_id() {
            self.discarded_messages.insert(id.to_owned());
        }
    }

    pub fn customer_wrote(&mut self, message_id: &str) {
        self.customer_messages.insert(message_id.to_owned());
    }

    /// The server answered `m` (in a push response, delivered or not).
    pub fn answered(&mut self, m: &Mutation, result: &MutationResult) -> Result<(), String> {
        if let Some(first) = self.answers.get(&m.id) {
            self.counts.repeated += 1;
            if first != result {
                return Err(format!(
                    "mutation {} was answered {first:?} and later {result:?}: a replay must get \
                     the first answer",
                    m.id
                ));
            }
            return Ok(());
        }
        self.answers.insert(m.id.clone(), result.clone());
        match result {
            MutationResult::Applied => {
                self.counts.applied += 1;
                let current = self.model.get(m.op.ticket_id());
                if let desk_core::MutationOp::SetGroup { group, .. } = &m.op
                    && current.is_some_and(|t| t.group != *group)
                {
                    self.counts.moved += 1;
                }
                let next = apply_mutation(current, m).map_err(|e| {
                    format!(
                        "the server applied {} ({:?}) but the rules refuse it on the model \
                         ticket: {e}",
                        m.id, m.op
                    )
                })?;
                self.model.insert(next.id.clone(), next);
                if let Some(id) = m.op.message_id() {
                    *self.applied_messages.entry(id.to_owned()).or_default() += 1;
                }
            }
            MutationResult::Conflict { .. } => self.counts.conflict += 1,
            MutationResult::Rejected { .. } => self.counts.rejected += 1,
            MutationResult::Held { .. } => self.counts.held += 1,
        }
        Ok(())
    }

    /// A pull acknowledged `mutation_id`: the server must have answered it so before.
    pub fn acknowledged(
        &mut self,
        mutation_id: &str,
        result: &MutationResult,
    ) -> Result<(), String> {
        self.counts.repeated += 1;
        match self.answers.get(mutation_id) {
            Some(first) if first == result => Ok(()),
            Some(first) => Err(format!(
                "a pull acknowledged {mutation_id} as {result:?}, but its push was answered {first:?}"
            )),
            None => Err(format!(
                "a pull acknowledged {mutation_id}, which no push ever reached"
            )),
        }
    }

    /// After healing: the server applied each acknowledged mutation exactly once, lost no
    /// reply, and every cache equals the server.
    pub fn check_healed(&mut self, view: &ServerView, clients: &[Client]) -> Result<(), String> {
        for (id, server) in &view.tickets {
            let model = self.model.get(id);
            if model != Some(server) {
                return Err(format!(
                    "ticket {id} on the server is not what its applied mutations make it, in \
                     the order they were answered:\n  server {server:?}\n  model  {model:?}"
                ));
            }
        }
        if view.tickets.len() != self.model.len() {
            return Err("the server holds other tickets than the model".into());
        }

        for (id, message) in &view.messages {
            match message.author.kind {
                AuthorKind::Customer => {
                    if !self.customer_messages.contains(id) {
                        return Err(format!("customer message {id} was never written"));
                    }
                }
                _ => {
                    let applied = self.applied_messages.get(id).copied().unwrap_or(0);
                    if applied != 1 {
                        return Err(format!(
                            "message {id} is on the server but {applied} mutations carrying it \
                             were answered applied (must be exactly 1)"
                        ));
                    }
                }
            }
        }
        for (id, n) in &self.applied_messages {
            if *n != 1 || !view.messages.contains_key(id) {
                return Err(format!(
                    "message {id} was answered applied {n} time(s) but the server holds {} copy",
                    u8::from(view.messages.contains_key(id))
                ));
            }
        }
        for id in &self.customer_messages {
            if !view.messages.contains_key(id) {
                return Err(format!("customer message {id} is missing on the server"));
            }
        }
        for id in &self.queued_messages {
            let sent = view.messages.contains_key(id);
            let dropped = self.discarded_messages.contains(id);
            if sent == dropped {
                return Err(format!(
                    "reply or note {id}: on the server: {sent}, discarded by its agent: \
                     {dropped}; exactly one must hold (no reply lost, none sent after a discard)"
                ));
            }
        }

        for c in clients {
            self.counts.out_of_scope += check_cache(c, view)?;
        }
        Ok(())
    }
}

/// Checks one console's cache against the server's view of its scope; the number of
/// tickets outside its scope it rightly does not hold.
fn check_cache(c: &Client, view: &ServerView) -> Result<u64, String> {
    let mut out_of_scope = 0;
    let who = format!("client {}", c.index);
    let store = c.store();
    let err = |e: desk_store::Error| format!("{who}: {e}");
    let outbox = store.outbox().map_err(err)?;
    if let Some(e) = outbox.first() {
        return Err(format!(
            "{who}: outbox not empty after healing: {} {:?} {:?}",
            e.mutation.id, e.state, e.mutation.op
        ));
    }
    // The client's scope: its agent's groups (every ticket for an agent without any).
    let agent = c.agent();
    let cached = store.ticket_count().map_err(err)? as usize;
    let live = view
        .tickets
        .values()
        .filter(|t| t.deleted_at.is_none() && agent.sees_group(t.group.as_deref()))
        .count();
    if cached != live {
        return Err(format!(
            "{who} caches {cached} tickets, the server holds {live} in its scope that are not \
             deleted"
        ));
    }
    for (id, server) in &view.tickets {
        if !agent.sees_group(server.group.as_deref()) {
            // Another group's ticket never reaches this console, nor its conversation.
            if store.effective_ticket(id).map_err(err)?.is_some()
                || !store
                    .ticket_detail(id)
                    .map(|d| d.messages.is_empty())
                    .unwrap_or(true)
            {
                return Err(format!(
                    "{who}: ticket {id} of group {:?} is cached, outside groups {:?}",
                    server.group, agent.groups
                ));
            }
            out_of_scope += 1;
            continue;
        }
        if server.deleted_at.is_some() {
            // A delete wins: the ticket and its conversation leave every cache.
            if let Some(t) = store.effective_ticket(id).map_err(err)? {
                return Err(format!("{who}: deleted ticket {id} is still cached: {t:?}"));
            }
            continue;
        }
        let effective = store.effective_ticket(id).map_err(err)?;
        if effective.as_ref() != Some(server) {
            return Err(format!(
                "{who}: ticket {id} differs from the server's\n  cache  {effective:?}\n  server {server:?}"
            ));
        }
        let confirmed = store.confirmed_ticket(id).map_err(err)?;
        if confirmed.as_ref() != Some(server) {
            return Err(format!(
                "{who}: confirmed ticket {id} differs from the server's\n  cache  {confirmed:?}\n  server {server:?}"
            ));
        }
        // Messages only: their deliveries are the server's queue's, not the simulation's.
        let mut cached: Vec<desk_core::Message> = store
            .ticket_detail(id)
            .map_err(err)?
            .messages
            .into_iter()
            .map(|m| m.message)
            .collect();
        cached.sort_by(|a, b| a.id.cmp(&b.id));
        let expected: Vec<_> = view
            .messages
            .values()
            .filter(|m| m.ticket_id == *id)
            .cloned()
            .collect();
        if cached != expected {
            let ids =
                |ms: &[desk_core::Message]| ms.iter().map(|m| m.id.clone()).collect::<Vec<_>>();
            return Err(format!(
                "{who}: messages of ticket {id} differ from the server's\n  cache  {:?}\n  server {:?}",
                ids(&cached),
                ids(&expected)
            ));
        }
    }
    Ok(out_of_scope)
}
