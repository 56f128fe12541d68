//! The team's shared records the console offers as choices: agents to assign a ticket to,
//! groups to hand it to, macros (canned replies) for the composer, and the incidents the
//! sidebar lists. All come from pulled records.

use desk_core::view::IncidentView;
use desk_core::{Agent, Group, Incident, KbArticle, Macro};
use rusqlite::{Connection, params};

use crate::records::{json, parse};
use crate::{Result, Store};

/// Schema step 15: groups as records (`desk_core::Group`), every one the server has that
/// is not deleted.
pub(crate) const GROUPS_MIGRATION: &str = r#"
    CREATE TABLE groups (
        id   TEXT PRIMARY KEY,
        body TEXT NOT NULL
    ) STRICT;
"#;

/// A pulled group: stored, or dropped when an admin deleted it.
pub(crate) fn put_group(conn: &Connection, g: &Group) -> Result<()> {
    if g.deleted_at.is_some() {
        conn.prepare_cached("DELETE FROM groups WHERE id = ?1")?
            .execute([&g.id])?;
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO groups(id, body) VALUES (?1, ?2)
         ON CONFLICT(id) DO UPDATE SET body = excluded.body",
    )?
    .execute(params![g.id, json(g)])?;
    Ok(())
}

impl Store {
    /// Every cached agent, by name: the assignee picker.
    pub fn agents(&self) -> Result<Vec<Agent>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, body FROM agents ORDER BY name, id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|r| {
            let (id, body) = r?;
            parse("agent", &id, &body)
        })
        .collect()
    }

    /// The macros that have a body for `language` (a BCP 47 tag), by title. A body for the
    /// same base language counts (`zh` answers `zh-CN`, `en-US` answers `en`): a customer's
    /// regional variant must not leave the agent with no macros at all. `None`: every macro.
    pub fn macros(&self, language: Option<&str>) -> Result<Vec<Macro>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, body FROM macros ORDER BY title, id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body) = row?;
            let m: Macro = parse("macro", &id, &body)?;
            if language.is_none_or(|lang| body_for(&m, lang).is_some()) {
                out.push(m);
            }
        }
        Ok(out)
    }
}

impl Store {
    /// Every cached group, by id (the console orders them by name in its language).
    /// Deleted ones are not cached.
    pub fn groups(&self) -> Result<Vec<Group>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, body FROM groups ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|r| {
            let (id, body) = r?;
            parse("group", &id, &body)
        })
        .collect()
    }
}

impl Store {
    /// Every cached knowledge-base article, drafts too (the team's own), by id: the
    /// articles screen. Deleted ones are not cached.
    pub fn kb_articles(&self) -> Result<Vec<KbArticle>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, body FROM kb_articles ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|r| {
            let (id, body) = r?;
            parse("kb article", &id, &body)
        })
        .collect()
    }
}

impl Store {
    /// Incidents not yet resolved, newest first, each with how many open tickets are
    /// linked to it (an indexed count per incident: `tickets_by_incident`).
    pub fn active_incidents(&self) -> Result<Vec<IncidentView>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, body FROM incidents WHERE status <> 'resolved'
             ORDER BY started_at DESC, id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut count = self.conn.prepare_cached(
            "SELECT count(*) FROM tickets WHERE incident_id = ?1 AND is_open = 1",
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body) = row?;
            let incident: Incident = parse("incident", &id, &body)?;
            let open_tickets = count.query_row([&id], |r| r.get(0))?;
            out.push(IncidentView {
                incident,
                open_tickets,
            });
        }
        Ok(out)
    }
}

/// The body of `m` for `language`: the exact tag, else one of the same base language.
pub fn body_for<'m>(m: &'m Macro, language: &str) -> Option<&'m str> {
    if let Some(exact) = m
        .bodies
        .iter()
        .find(|(tag, _)| tag.eq_ignore_ascii_case(language))
    {
        return Some(exact.1);
    }
    let base = |tag: &str| {
        tag.split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    let wanted = base(language);
    m.bodies
        .iter()
        .find(|(tag, _)| base(tag) == wanted)
        .map(|(_, body)| body.as_str())
}
