//! The outbox table: the agent's actions not yet settled with the server, in `seq` order,
//! and the client id and sequence numbers they carry.

use desk_core::view::OutboxCounts;
use desk_core::{Mutation, MutationResult, OutboxEntry, OutboxState};
use rusqlite::{Connection, OptionalExtension, params};

use super::{CLIENT_ID_KEY, LAST_SEQ_KEY};
use crate::records::{json, parse};
use crate::{Error, Result, Store};

impl Store {
    /// Every queued mutation, pending, held and rejected, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT mutation_id, state, body, result FROM outbox ORDER BY seq")?;
        let rows = stmt.query_map([], row)?;
        rows.map(|r| entry(r?)).collect()
    }

    /// How many mutations wait to be pushed (held and rejected ones wait on the agent).
    pub fn pending_count(&self) -> Result<u64> {
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM outbox WHERE state = 'pending'")?
            .query_row([], |r| r.get(0))?)
    }

    /// How many of `agent_id`'s mutations are pending, held and rejected: the top bar's
    /// "3 pending". Another agent's work (left by an account switch) is not theirs to see.
    pub fn outbox_counts(&self, agent_id: &str) -> Result<OutboxCounts> {
        let mut counts = OutboxCounts::default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT state, count(*) FROM outbox
             WHERE json_extract(body, '$.agent_id') = ?1 GROUP BY state",
        )?;
        let rows = stmt.query_map([agent_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
        })?;
        for row in rows {
            let (state, n) = row?;
            match state.as_str() {
                "pending" => counts.pending = n,
                "held" => counts.held = n,
                "rejected" => counts.rejected = n,
                // The table's CHECK allows no other state.
                _ => {}
            }
        }
        Ok(counts)
    }

    /// The next mutations of `agent_id` to push, oldest first: the server applies a
    /// client's mutations in `seq` order. Another agent's queued work (left by an account
    /// switch) waits for that agent: the server only takes an agent's own mutations.
    pub fn next_batch(&self, agent_id: &str, limit: u32) -> Result<Vec<Mutation>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT mutation_id, state, body, result FROM outbox
             WHERE state = 'pending' AND json_extract(body, '$.agent_id') = ?1
             ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![agent_id, limit], row)?;
        rows.map(|r| entry(r?).map(|e| e.mutation)).collect()
    }
}

type Row = (String, String, String, Option<String>);

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn entry((id, state, body, result): Row) -> Result<OutboxEntry> {
    let state = state.parse::<OutboxState>().map_err(|e| Error::Corrupt {
        what: format!("outbox state of {id}"),
        source: serde::de::Error::custom(e),
    })?;
    Ok(OutboxEntry {
        mutation: parse("mutation", &id, &body)?,
        state,
        result: result
            .map(|r| parse("mutation result", &id, &r))
            .transpose()?,
    })
}

pub(super) fn get(conn: &Connection, mutation_id: &str) -> Result<Option<OutboxEntry>> {
    let found = conn
        .prepare_cached(
            "SELECT mutation_id, state, body, result FROM outbox WHERE mutation_id = ?1",
        )?
        .query_row([mutation_id], row)
        .optional()?;
    found.map(entry).transpose()
}

/// The replayed (pending and held) mutations on one ticket, in `seq` order.
pub(crate) fn replayed_for(conn: &Connection, ticket_id: &str) -> Result<Vec<Mutation>> {
    let mut stmt = conn.prepare_cached(
        "SELECT mutation_id, body FROM outbox
         WHERE ticket_id = ?1 AND state IN ('pending', 'held') ORDER BY seq",
    )?;
    let rows = stmt.query_map([ticket_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    rows.map(|r| {
        let (id, body) = r?;
        parse("mutation", &id, &body)
    })
    .collect()
}

pub(super) fn append(conn: &Connection, m: &Mutation, state: OutboxState) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO outbox(seq, mutation_id, ticket_id, state, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        m.seq as i64,
        m.id,
        m.op.ticket_id(),
        state.as_str(),
        json(m),
        m.created_at
    ])?;
    Ok(())
}

pub(super) fn set_state(
    conn: &Connection,
    mutation_id: &str,
    state: OutboxState,
    result: Option<&MutationResult>,
) -> Result<()> {
    conn.prepare_cached("UPDATE outbox SET state = ?2, result = ?3 WHERE mutation_id = ?1")?
        .execute(params![mutation_id, state.as_str(), result.map(json)])?;
    Ok(())
}

pub(super) fn remove(conn: &Connection, mutation_id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM outbox WHERE mutation_id = ?1")?
        .execute([mutation_id])?;
    Ok(())
}

/// The cache's client id, made from `new_id` the first time (in the caller's transaction,
/// so a rolled-back first action leaves none behind).
pub(super) fn client_id_or_create(
    conn: &Connection,
    new_id: &mut impl FnMut() -> String,
) -> Result<String> {
    let existing: Option<String> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([CLIENT_ID_KEY], |r| r.get(0))
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let id = new_id();
    conn.prepare_cached("INSERT INTO meta(key, value) VALUES (?1, ?2)")?
        .execute([CLIENT_ID_KEY, &id])?;
    Ok(id)
}

/// Hands out the next sequence number. Kept in meta, not derived from the outbox, so a
/// number is never reused after the entries holding it were settled.
pub(super) fn next_seq(conn: &Connection) -> Result<u64> {
    let seq: i64 = conn
        .prepare_cached(
            "INSERT INTO meta(key, value) VALUES (?1, '1')
             ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)
             RETURNING CAST(value AS INTEGER)",
        )?
        .query_row([LAST_SEQ_KEY], |r| r.get(0))?;
    Ok(seq as u64)
}
