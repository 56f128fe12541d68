//! Rebase: effective ticket = confirmed ticket + the agent's pending work, replayed in
//! `seq` order by the pure rules of `desk_core::apply`.

use std::collections::HashSet;

use desk_core::Ticket;
use desk_core::apply::replay;
use rusqlite::{Connection, OptionalExtension, params};

use super::outbox;
use crate::Result;
use crate::records::{delete_ticket, json, parse, put_ticket};

/// Rebases the tickets one pulled page touched, once each, after the page is written.
pub(crate) struct Rebase {
    /// Whether any ticket has a shadow. Checked once per page: when none does (the common
    /// case, and every bootstrap without queued work) tickets take the direct path with
    /// no per-row lookup.
    any_shadow: bool,
    touched: Vec<String>,
    seen: HashSet<String>,
}

impl Rebase {
    pub(crate) fn begin(conn: &Connection) -> Result<Self> {
        let any_shadow = conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM tickets_confirmed)")?
            .query_row([], |r| r.get(0))?;
        Ok(Self {
            any_shadow,
            touched: Vec::new(),
            seen: HashSet::new(),
        })
    }

    /// Whether the ticket's server version must go to the confirmed layer.
    pub(crate) fn has_local_work(&self, conn: &Connection, id: &str) -> Result<bool> {
        if !self.any_shadow {
            return Ok(false);
        }
        Ok(conn
            .prepare_cached("SELECT 1 FROM tickets_confirmed WHERE id = ?1")?
            .query_row([id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Records the server's version of a shadowed ticket; the effective one is rebuilt in
    /// [`Rebase::finish`].
    pub(crate) fn confirm(&mut self, conn: &Connection, t: &Ticket) -> Result<()> {
        conn.prepare_cached("UPDATE tickets_confirmed SET body = ?2 WHERE id = ?1")?
            .execute(params![t.id, json(t)])?;
        if self.seen.insert(t.id.clone()) {
            self.touched.push(t.id.clone());
        }
        Ok(())
    }

    /// The server took a shadowed ticket out of the agent's scope: its confirmed version is
    /// gone, and the effective one is what the queued work alone makes (nothing, unless the
    /// work created it) until the server answers that work.
    pub(crate) fn forget(&mut self, conn: &Connection, id: &str) -> Result<()> {
        conn.prepare_cached("UPDATE tickets_confirmed SET body = NULL WHERE id = ?1")?
            .execute([id])?;
        if self.seen.insert(id.to_owned()) {
            self.touched.push(id.to_owned());
        }
        Ok(())
    }

    pub(crate) fn finish(self, conn: &Connection) -> Result<()> {
        for id in &self.touched {
            rebase_ticket(conn, id)?;
        }
        Ok(())
    }
}

/// The shadow row of a ticket: `None` when there is none, `Some(None)` when there is one
/// but the server has not sent the ticket.
pub(super) fn shadow(conn: &Connection, id: &str) -> Result<Option<Option<Ticket>>> {
    let row: Option<Option<String>> = conn
        .prepare_cached("SELECT body FROM tickets_confirmed WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    row.map(|body| body.map(|b| parse("confirmed ticket", id, &b)).transpose())
        .transpose()
}

/// Before the first local edit of a ticket: keep its confirmed version, which is the
/// effective one while no shadow exists.
pub(super) fn keep_confirmed(conn: &Connection, id: &str, current: Option<&Ticket>) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO tickets_confirmed(id, body) VALUES (?1, ?2)")?
        .execute(params![id, current.map(json)])?;
    Ok(())
}

/// Rebuilds one ticket's effective state from its confirmed state and replayed work, and
/// drops the shadow once no work is left.
pub(super) fn rebase_ticket(conn: &Connection, id: &str) -> Result<()> {
    let confirmed = match shadow(conn, id)? {
        Some(confirmed) => confirmed,
        // No shadow: effective is confirmed (invariant), so there is nothing to undo.
        None => super::effective(conn, id)?,
    };
    let work = outbox::replayed_for(conn, id)?;
    match replay(confirmed.clone(), &work) {
        Some(t) => put_ticket(conn, &t)?,
        None => delete_ticket(conn, id)?,
    }
    if work.is_empty() {
        conn.prepare_cached("DELETE FROM tickets_confirmed WHERE id = ?1")?
            .execute([id])?;
    } else {
        keep_confirmed(conn, id, confirmed.as_ref())?;
    }
    Ok(())
}

/// After a clear: no ticket is confirmed any more, so every ticket with queued work gets
/// an empty shadow and shows only what its work creates (a ticket made here) until the
/// bootstrap brings the rest.
pub(super) fn rebase_all_from_nothing(conn: &Connection) -> Result<()> {
    let ids: Vec<String> = conn
        .prepare(
            "SELECT DISTINCT ticket_id FROM outbox WHERE state IN ('pending', 'held')
             ORDER BY ticket_id",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in &ids {
        keep_confirmed(conn, id, None)?;
        rebase_ticket(conn, id)?;
    }
    Ok(())
}
