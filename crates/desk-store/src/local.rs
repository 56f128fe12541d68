//! The agent's own work: the optimistic layer over confirmed server state, and the outbox
//! (DESIGN.md §4 Offline, §5).
//!
//! Every action is applied to what the console shows *and* appended to the outbox in one
//! SQLite transaction, so after any crash either both happened or neither did.
//!
//! **Two layers, kept apart only where they differ.** The record tables (`tickets`,
//! `messages`, …) are the *effective* state the views and search read: confirmed server
//! state with pending work applied. The confirmed version of a ticket is kept separately,
//! in `tickets_confirmed`, only while the agent has local work on it (a "shadow"). Most
//! tickets never have local work, so a pulled page writes them once, straight where views
//! read them, with no second copy and no per-row replay; a 100k-ticket bootstrap pays one
//! existence check per ticket only when some shadow exists at all.
//!
//! Invariants:
//! - a ticket without a shadow row has effective == confirmed;
//! - a ticket with pending or held outbox entries has a shadow row (body NULL when the
//!   server has not sent the ticket: created here, or the cache was cleared);
//! - effective == `desk_core::apply::replay(shadow, pending and held entries by seq)`,
//!   except right after an `Applied` answer: its effect stays on screen (no flicker back to
//!   the old value) until the next pull touching the ticket brings the server's version,
//!   which replaces it. Replaying an edit onto a state that already holds it changes
//!   nothing, so the order of "answer" and "pull" does not matter.
//! - `seq` comes from `meta`, never from `max(seq)`: an emptied outbox must not hand out a
//!   number the server has already seen from this client.
//!
//! Unsent replies and notes live in `messages` with `pending = 1`, so the conversation
//! shows them; the server's copy (same id) replaces them.

mod evict;
mod outbox;
mod rebase;

use desk_core::apply::{apply_mutation, local_message};
use desk_core::{Agent, Message, Mutation, MutationOp, MutationResult, OutboxState, Ticket};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::records::{MESSAGE_COLUMNS, MessageRow, RECORD_TABLES, put_message, put_ticket};
use crate::{Error, Result, Store};

pub(crate) use evict::MIGRATION as EVICT_MIGRATION;
pub(crate) use outbox::replayed_for;
pub(crate) use rebase::Rebase;

/// The meta key holding this cache's client id, made on the first local action.
pub const CLIENT_ID_KEY: &str = "outbox.client_id";
/// The meta key holding the last mutation sequence number handed out.
pub const LAST_SEQ_KEY: &str = "outbox.last_seq";

/// Schema step 2.
pub(crate) const MIGRATION: &str = r#"
    -- Replies and notes written here and not yet confirmed by the server.
    ALTER TABLE messages ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
    -- Few messages are ever pending: a partial index finds them without growing with history.
    CREATE INDEX messages_pending ON messages(ticket_id) WHERE pending = 1;

    -- The server's version of each ticket the agent has local work on (see local.rs).
    -- body NULL: the server has not sent this ticket (yet).
    CREATE TABLE tickets_confirmed (
        id   TEXT PRIMARY KEY,
        body TEXT
    ) STRICT;

    -- Agent actions not yet settled with the server, in the order they were made.
    CREATE TABLE outbox (
        seq         INTEGER PRIMARY KEY,
        mutation_id TEXT NOT NULL UNIQUE,
        ticket_id   TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('pending', 'held', 'rejected')),
        body        TEXT NOT NULL,   -- desk_core::Mutation, JSON
        result      TEXT,            -- desk_core::MutationResult, JSON, once answered
        created_at  INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX outbox_by_ticket ON outbox(ticket_id, seq);
    CREATE INDEX outbox_by_state ON outbox(state, seq);

    CREATE TABLE macros (
        id         TEXT PRIMARY KEY,
        title      TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        body       TEXT NOT NULL
    ) STRICT;

    CREATE TABLE kb_articles (
        id         TEXT PRIMARY KEY,
        updated_at INTEGER NOT NULL,
        body       TEXT NOT NULL
    ) STRICT;

    CREATE TABLE incidents (
        id         TEXT PRIMARY KEY,
        status     TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        body       TEXT NOT NULL
    ) STRICT;
    CREATE INDEX incidents_by_status ON incidents(status, started_at DESC);

    CREATE TABLE sla_policies (
        id   TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        body TEXT NOT NULL
    ) STRICT;

    CREATE TABLE verifications (
        id          TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL,
        at          INTEGER NOT NULL,
        body        TEXT NOT NULL
    ) STRICT;
    CREATE INDEX verifications_by_customer ON verifications(customer_id, at DESC);

    CREATE TABLE approvals (
        id           TEXT PRIMARY KEY,
        state        TEXT NOT NULL,
        subject_id   TEXT NOT NULL,
        requested_at INTEGER NOT NULL,
        body         TEXT NOT NULL
    ) STRICT;
    CREATE INDEX approvals_by_state ON approvals(state, requested_at);
    CREATE INDEX approvals_by_subject ON approvals(subject_id);

    CREATE TABLE compensations (
        id          TEXT PRIMARY KEY,
        ticket_id   TEXT,
        customer_id TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        body        TEXT NOT NULL
    ) STRICT;
    CREATE INDEX compensations_by_ticket ON compensations(ticket_id);
    CREATE INDEX compensations_by_customer ON compensations(customer_id, created_at DESC);
"#;

impl Store {
    /// Applies an agent action to the local state and queues it for the server, in one
    /// transaction. The rules decide first (`desk_core::apply`); a refused action writes
    /// nothing and comes back as [`Error::Refused`].
    ///
    /// `actor` is the signed-in agent (claims are theirs, replies carry their name).
    /// `new_id` makes the mutation's UUIDv7, and once per cache the client id.
    pub fn apply_local(
        &mut self,
        actor: &Agent,
        op: MutationOp,
        now_ms: i64,
        new_id: impl FnMut() -> String,
    ) -> Result<Mutation> {
        apply(&mut self.conn, actor, op, &[], now_ms, new_id)
    }

    /// Several actions queued together, in order, in one transaction: all of them or, at
    /// the first refusal, none (a reply with the status and tags its macro sets). `files`
    /// go with the first action that carries attachments, as [`Store::apply_local_with_files`].
    pub fn apply_local_all(
        &mut self,
        actor: &Agent,
        ops: Vec<MutationOp>,
        files: &[&[u8]],
        now_ms: i64,
        mut new_id: impl FnMut() -> String,
    ) -> Result<Vec<Mutation>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut files = Some(files);
        let mut queued = Vec::with_capacity(ops.len());
        for op in ops {
            let carries =
                matches!(&op, MutationOp::Reply { attachments, .. } if !attachments.is_empty());
            let these = if carries {
                files.take().unwrap_or(&[])
            } else {
                &[]
            };
            queued.push(queue(&tx, actor, op, these, now_ms, &mut new_id)?);
        }
        tx.commit()?;
        Ok(queued)
    }

    /// Records the server's answer to a pushed mutation, from the push response.
    ///
    /// Applied: leaves the outbox; its effect stays shown until the pull brings the
    /// server's version. Conflict: leaves the outbox and the ticket shows the confirmed
    /// state until the server's resolution arrives. Rejected: stays (with the reason) for
    /// the agent to see, its effect undone. Held: stays, still shown, until the agent
    /// releases or discards it. An answer for a mutation no longer queued (a repeated
    /// response) changes nothing.
    ///
    /// Returns whether the answer was news: false for a repeat, or for an answer that does
    /// not change the entry's state (a held reply answered "held" again).
    pub fn acknowledge(&mut self, mutation_id: &str, result: &MutationResult) -> Result<bool> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let news = acknowledge_in(&tx, mutation_id, result, false)?;
        tx.commit()?;
        Ok(news)
    }

    /// The agent gives up a held or rejected mutation: it leaves the outbox and its effect
    /// (an unsent reply in the conversation) disappears.
    pub fn discard(&mut self, mutation_id: &str) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let entry = outbox::get(&tx, mutation_id)?
            .ok_or_else(|| Error::MutationNotFound(mutation_id.to_owned()))?;
        if entry.state == OutboxState::Pending {
            // It may be on the wire right now; the server's answer decides it.
            return Err(Error::OutboxState {
                id: mutation_id.to_owned(),
                state: entry.state.as_str(),
                action: "discarded",
            });
        }
        outbox::remove(&tx, mutation_id)?;
        drop_local_message(&tx, &entry.mutation)?;
        crate::files::forget_discarded(&tx, &entry.mutation)?;
        rebase::rebase_ticket(&tx, entry.mutation.op.ticket_id())?;
        tx.commit()?;
        Ok(())
    }

    /// The agent confirms a held reply after reading what arrived meanwhile: it is queued
    /// again as a new mutation (new id, next seq), having now seen the latest message.
    ///
    /// A new id because the server keeps its first answer per id (a resend of the same id
    /// would be held again), and a new seq because the server applies a client's
    /// mutations in order and may have applied later ones already.
    pub fn release_held(
        &mut self,
        mutation_id: &str,
        new_id: impl FnOnce() -> String,
    ) -> Result<Mutation> {
        self.release_held_as(mutation_id, None, new_id)
    }

    /// [`Store::release_held`] with the reply's text rewritten by the agent (the customer
    /// wrote meanwhile, so the queued answer no longer fits). The new text passes the same
    /// rules as a new reply (not empty, the outgoing guard); a refused edit writes nothing
    /// and the reply stays held. The conversation shows the new text at once.
    pub fn release_held_edited(
        &mut self,
        mutation_id: &str,
        body_text: &str,
        new_id: impl FnOnce() -> String,
    ) -> Result<Mutation> {
        self.release_held_as(mutation_id, Some(body_text), new_id)
    }

    fn release_held_as(
        &mut self,
        mutation_id: &str,
        edited: Option<&str>,
        new_id: impl FnOnce() -> String,
    ) -> Result<Mutation> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut m: Mutation = entry_in(&tx, mutation_id, OutboxState::Held, "released")?.mutation;
        if let Some(text) = edited {
            edit_reply(&tx, &mut m, text)?;
        }
        if let MutationOp::Reply {
            ticket_id,
            last_seen_message_id,
            ..
        } = &mut m.op
        {
            *last_seen_message_id = latest_confirmed_message(&tx, ticket_id)?;
        }
        m.id = new_id();
        m.seq = outbox::next_seq(&tx)?;
        outbox::remove(&tx, mutation_id)?;
        outbox::append(&tx, &m, OutboxState::Pending)?;
        // Its seq moved behind later work on the ticket; replay in the new order.
        rebase::rebase_ticket(&tx, m.op.ticket_id())?;
        tx.commit()?;
        Ok(m)
    }

    /// The agent sends a rejected action again (the server failed on it, or what refused
    /// it has changed): it is queued as a new mutation, as if made now, with the same
    /// action, and its effect is shown again. The rejected entry leaves the outbox.
    ///
    /// A new id and the next seq, as [`Store::release_held`] gives (the server keeps its
    /// first answer per id, and may have applied later mutations of this client). The
    /// rules decide again, on the ticket as it is now, as for any new action: a retry they
    /// refuse writes nothing, and the entry stays rejected with its reason. A reply keeps
    /// its message id, so a reply the server wrote after all (its answer lost) is refused
    /// here as a duplicate rather than sent twice, and keeps the message it had seen: if
    /// the customer wrote since, the server holds it for the agent to read first.
    pub fn retry_rejected(
        &mut self,
        actor: &Agent,
        mutation_id: &str,
        now_ms: i64,
        mut new_id: impl FnMut() -> String,
    ) -> Result<Mutation> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Pending work is on its way; a held reply is released, not retried.
        let entry = entry_in(&tx, mutation_id, OutboxState::Rejected, "retried")?;
        if entry.mutation.agent_id != actor.id {
            // The server takes an agent's own mutations only (work left by an account
            // switch waits for its agent).
            return Err(Error::OutboxState {
                id: mutation_id.to_owned(),
                state: "another agent's",
                action: "retried",
            });
        }
        outbox::remove(&tx, mutation_id)?;
        let m = queue(&tx, actor, entry.mutation.op, &[], now_ms, &mut new_id)?;
        tx.commit()?;
        Ok(m)
    }

    /// The ticket as the console shows it: confirmed state plus the agent's pending work.
    pub fn effective_ticket(&self, id: &str) -> Result<Option<Ticket>> {
        effective(&self.conn, id)
    }

    /// The server's version of a ticket as last pulled; `None` when the server has not
    /// sent it (or it is not cached).
    pub fn confirmed_ticket(&self, id: &str) -> Result<Option<Ticket>> {
        match rebase::shadow(&self.conn, id)? {
            Some(confirmed) => Ok(confirmed),
            None => effective(&self.conn, id),
        }
    }

    /// The newest message of a ticket that came from the server: what a reply written now
    /// has seen (`MutationOp::Reply::last_seen_message_id`).
    pub fn latest_confirmed_message(&self, ticket_id: &str) -> Result<Option<String>> {
        latest_confirmed_message(&self.conn, ticket_id)
    }

    /// This cache's client id; `None` until the first local action.
    pub fn client_id(&self) -> Result<Option<String>> {
        self.meta(CLIENT_ID_KEY)
    }
}

/// The outbox entry `mutation_id`, which must be in `state` for `action` (`released`,
/// `retried`): else `MutationNotFound` or `OutboxState` saying where it stands.
fn entry_in(
    tx: &Connection,
    mutation_id: &str,
    state: OutboxState,
    action: &'static str,
) -> Result<desk_core::OutboxEntry> {
    let entry = outbox::get(tx, mutation_id)?
        .ok_or_else(|| Error::MutationNotFound(mutation_id.to_owned()))?;
    if entry.state != state {
        return Err(Error::OutboxState {
            id: mutation_id.to_owned(),
            state: entry.state.as_str(),
            action,
        });
    }
    Ok(entry)
}

/// Applies an action and queues it, with the files a reply carries, in one transaction
/// (see [`Store::apply_local`] and [`Store::apply_local_with_files`]).
pub(crate) fn apply(
    conn: &mut Connection,
    actor: &Agent,
    op: MutationOp,
    files: &[&[u8]],
    now_ms: i64,
    mut new_id: impl FnMut() -> String,
) -> Result<Mutation> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let m = queue(&tx, actor, op, files, now_ms, &mut new_id)?;
    tx.commit()?;
    Ok(m)
}

/// Makes `op` this client's next mutation, applies it to the ticket shown and appends it
/// to the outbox, in the caller's transaction. The rules decide first; on a refusal
/// nothing is written (the caller's transaction is dropped with it).
fn queue(
    tx: &Connection,
    actor: &Agent,
    op: MutationOp,
    files: &[&[u8]],
    now_ms: i64,
    new_id: &mut impl FnMut() -> String,
) -> Result<Mutation> {
    let client_id = outbox::client_id_or_create(tx, new_id)?;
    let seq = outbox::next_seq(tx)?;
    let m = Mutation {
        id: new_id(),
        client_id,
        seq,
        agent_id: actor.id.clone(),
        created_at: now_ms,
        op,
    };
    let ticket_id = m.op.ticket_id();
    let current = effective(tx, ticket_id)?;

    // Plan: everything that can refuse, before anything is written. The role first, on
    // the ticket as this console knows it; the server asks again on its own copy.
    desk_core::access::check(actor, &m.op, current.as_ref())?;
    let next = apply_mutation(current.as_ref(), &m)?;
    if let MutationOp::RetryDelivery {
        message_id,
        recipient,
        ..
    } = &m.op
    {
        crate::deliveries::check_retry(tx, ticket_id, message_id, recipient.as_deref(), now_ms)?;
    }
    let message = local_message(&m, &actor.name);
    if let Some(msg) = &message
        && message_exists(tx, &msg.id)?
    {
        return Err(Error::Refused(desk_core::apply::Refusal {
            code: desk_core::ErrorCode::Conflict,
            reason: format!("message {} already exists", msg.id),
        }));
    }

    let attachments = match &m.op {
        MutationOp::Reply { attachments, .. } => attachments.as_slice(),
        _ if files.is_empty() => &[],
        _ => {
            return Err(Error::BadFile(
                "only a public reply carries files".to_owned(),
            ));
        }
    };

    // Apply.
    if !attachments.is_empty() || !files.is_empty() {
        crate::files::put_for_reply(tx, ticket_id, attachments, files, now_ms)?;
    }
    rebase::keep_confirmed(tx, ticket_id, current.as_ref())?;
    put_ticket(tx, &next)?;
    if let Some(msg) = &message {
        put_message(tx, msg, true)?;
    }
    outbox::append(tx, &m, OutboxState::Pending)?;
    Ok(m)
}

/// Rewrites a held reply's text, checked by the rules a new reply meets, and the unsent
/// message the conversation shows with it.
fn edit_reply(conn: &Connection, m: &mut Mutation, text: &str) -> Result<()> {
    let MutationOp::Reply {
        ticket_id,
        message_id,
        body_text,
        ..
    } = &mut m.op
    else {
        // Only replies are ever held; anything else has no text to edit.
        return Err(Error::OutboxState {
            id: m.id.clone(),
            state: "not a reply",
            action: "edited",
        });
    };
    *body_text = text.to_owned();
    let (ticket_id, message_id) = (ticket_id.clone(), message_id.clone());
    // Plan only: the outcome on the ticket is what the reply already did.
    apply_mutation(effective(conn, &ticket_id)?.as_ref(), m)?;
    let shown = conn
        .prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1 AND pending = 1"
        ))?
        .query_row([&message_id], MessageRow::read)
        .optional()?;
    if let Some(row) = shown {
        let mut msg = row.into_message()?;
        msg.body_text = text.to_owned();
        put_message(conn, &msg, true)?;
    }
    Ok(())
}

/// The ticket the views read.
fn effective(conn: &Connection, id: &str) -> Result<Option<Ticket>> {
    crate::records::read_ticket(conn, id)
}

fn message_exists(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM messages WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Removes the unsent reply or note a mutation showed, if the server has not sent its copy.
fn drop_local_message(conn: &Connection, m: &Mutation) -> Result<()> {
    if let Some(id) = m.op.message_id() {
        conn.prepare_cached("DELETE FROM messages WHERE id = ?1 AND pending = 1")?
            .execute([id])?;
    }
    Ok(())
}

/// The message of a ticket that came from the server last, in the server's order.
///
/// The server decides a hold by what follows this message in *its* order (the feed), so
/// the newest by `created_at` is the wrong pick: a note written offline carries its early
/// time yet lands after messages the agent has seen, and a reply naming the newer-dated
/// message is then held again on every release. Pulled messages get rowids in pull
/// order, which is feed order; the only rows out of that order are this console's own
/// (inserted when written), and the server never counts an agent's own messages.
fn latest_confirmed_message(conn: &Connection, ticket_id: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM messages WHERE ticket_id = ?1 AND pending = 0
             ORDER BY rowid DESC LIMIT 1",
        )?
        .query_row([ticket_id], |r| r.get(0))
        .optional()?)
}

/// Records one answer inside the caller's transaction. `pulled`: the answer came in a
/// pull, after (in feed order) the ticket change its mutation made, so the confirmed
/// version the cache holds already includes the mutation's effect: replaying it on top
/// again would reorder it after later edits by others, so an applied mutation's ticket is
/// rebased at once (no flicker: confirmed already shows the effect). From a push response
/// the server's version has not arrived yet, and the effect stays shown until it does.
pub(crate) fn acknowledge_in(
    tx: &Connection,
    mutation_id: &str,
    result: &MutationResult,
    pulled: bool,
) -> Result<bool> {
    let Some(entry) = outbox::get(tx, mutation_id)? else {
        return Ok(false);
    };
    if entry.result.as_ref() == Some(result) {
        return Ok(false);
    }
    let ticket_id = entry.mutation.op.ticket_id();
    match result {
        MutationResult::Applied => {
            outbox::remove(tx, mutation_id)?;
            if pulled {
                rebase::rebase_ticket(tx, ticket_id)?;
            }
        }
        MutationResult::Conflict { .. } => {
            outbox::remove(tx, mutation_id)?;
            rebase::rebase_ticket(tx, ticket_id)?;
        }
        MutationResult::Rejected { .. } => {
            outbox::set_state(tx, mutation_id, OutboxState::Rejected, Some(result))?;
            drop_local_message(tx, &entry.mutation)?;
            rebase::rebase_ticket(tx, ticket_id)?;
        }
        MutationResult::Held { .. } => {
            outbox::set_state(tx, mutation_id, OutboxState::Held, Some(result))?;
        }
    }
    Ok(true)
}

/// Forgets cached server records, keeping the file. With `wipe_outbox` false (an account
/// switch, a damaged cache) the agent's queued work survives, still shown on top of
/// whatever the next bootstrap brings; with true (sign-out with wipe) nothing is left.
pub(crate) fn clear(conn: &mut Connection, wipe_outbox: bool) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let unsent: Vec<Message> = if wipe_outbox {
        Vec::new()
    } else {
        let mut stmt = tx.prepare(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE pending = 1"
        ))?;
        let rows = stmt.query_map([], MessageRow::read)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row?.into_message()?);
        }
        out
    };
    for table in RECORD_TABLES {
        tx.execute(&format!("DELETE FROM {table}"), [])?;
    }
    tx.execute("DELETE FROM messages", [])?;
    tx.execute("DELETE FROM tickets_confirmed", [])?;
    tx.execute("DELETE FROM evicted_conversations", [])?;
    crate::files::clear(&tx, wipe_outbox)?;
    // After the deletes: drops what their triggers queued along with the whole index.
    crate::search::clear(&tx)?;
    if wipe_outbox {
        tx.execute("DELETE FROM outbox", [])?;
        tx.execute("DELETE FROM meta", [])?;
    } else {
        tx.execute(
            "DELETE FROM meta WHERE key NOT IN (?1, ?2)",
            [CLIENT_ID_KEY, LAST_SEQ_KEY],
        )?;
        // Re-inserted, so search queues them again.
        for m in &unsent {
            put_message(&tx, m, true)?;
        }
        rebase::rebase_all_from_nothing(&tx)?;
    }
    tx.commit()?;
    Ok(())
}
