//! File bytes (DESIGN.md §11, attachments both ways): what a message's attachments hold,
//! kept in the encrypted cache by SHA-256 so they open offline.
//!
//! Two kinds of file live here: those fetched from the server (a customer's screenshot the
//! agent opened) and those attached to a reply written here, flagged `pending_upload`
//! until the server holds them. A reply's files are written in the transaction that
//! queues it ([`Store::apply_local_with_files`]), so after any crash either both are in
//! the cache or neither is, and the sync uploads them before it pushes the reply.
//!
//! Each file is tied to the conversations it was fetched for or attached in
//! (`file_refs`); a file goes when no conversation it belongs to is cached whole any more
//! (evicted, left scope, deleted, the cache cleared) *and* no outbox entry names it: a
//! queued reply's files stay until the server has answered it.

use desk_core::{Attachment, Mutation, MutationOp};
use rusqlite::{Connection, OptionalExtension, params};

use crate::{Error, Result, Store};

/// Schema step 13.
pub(crate) const MIGRATION: &str = r#"
    CREATE TABLE files (
        sha256         TEXT PRIMARY KEY,
        size           INTEGER NOT NULL,
        -- Attached here; the server does not hold it yet.
        pending_upload INTEGER NOT NULL DEFAULT 0,
        stored_at      INTEGER NOT NULL,
        data           BLOB NOT NULL
    ) STRICT;

    -- Which conversations each file belongs to: it leaves the cache with the last of them.
    CREATE TABLE file_refs (
        sha256    TEXT NOT NULL,
        ticket_id TEXT NOT NULL,
        PRIMARY KEY (sha256, ticket_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX file_refs_by_ticket ON file_refs(ticket_id);
"#;

/// Whether an outbox entry names the file `?1`: such a file is never dropped.
const NAMED_BY_OUTBOX: &str =
    "EXISTS (SELECT 1 FROM outbox o, json_each(o.body, '$.op.attachments') a
                 WHERE json_extract(a.value, '$.sha256') = ?1)";

/// A file a queued reply carries that the server does not hold yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileToUpload {
    /// The first queued mutation (in push order) that carries it.
    pub mutation_id: String,
    pub attachment: Attachment,
}

impl Store {
    /// [`Store::apply_local`] for a reply carrying files, with their bytes: the bytes and
    /// the outbox entry are written in one transaction. Each of the reply's attachments
    /// must come with its bytes (matched by SHA-256 and size) or already be in the cache;
    /// bytes no attachment names are refused. Nothing is written when anything is refused.
    pub fn apply_local_with_files(
        &mut self,
        actor: &desk_core::Agent,
        op: MutationOp,
        files: &[&[u8]],
        now_ms: i64,
        new_id: impl FnMut() -> String,
    ) -> Result<Mutation> {
        crate::local::apply(&mut self.conn, actor, op, files, now_ms, new_id)
    }

    /// A cached file's bytes; `None` when the cache does not hold them.
    pub fn file(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT data FROM files WHERE sha256 = ?1")?
            .query_row([sha256], |r| r.get(0))
            .optional()?)
    }

    /// Whether the file is attached here and not yet held by the server.
    pub fn file_pending_upload(&self, sha256: &str) -> Result<Option<bool>> {
        Ok(self
            .conn
            .prepare_cached("SELECT pending_upload FROM files WHERE sha256 = ?1")?
            .query_row([sha256], |r| r.get(0))
            .optional()?)
    }

    /// Keeps a file fetched from the server, for the conversation of `ticket_id` (or, when
    /// not given, every cached conversation whose messages carry it: a scan of the
    /// messages, for callers that do not know). Refused ([`Error::BadFile`]) when the
    /// bytes are not the file `sha256` names: a cache never holds a file under another's
    /// address. A file the cache holds no conversation of is kept until the next time
    /// files are dropped.
    pub fn keep_fetched_file(
        &mut self,
        sha256: &str,
        bytes: &[u8],
        ticket_id: Option<&str>,
        now_ms: i64,
    ) -> Result<()> {
        check_bytes(sha256, bytes)?;
        let tx = self.conn.transaction()?;
        tx.prepare_cached(
            "INSERT INTO files(sha256, size, pending_upload, stored_at, data)
             VALUES (?1, ?2, 0, ?3, ?4)
             ON CONFLICT(sha256) DO UPDATE SET pending_upload = 0",
        )?
        .execute(params![sha256, bytes.len() as i64, now_ms, bytes])?;
        let tickets: Vec<String> = match ticket_id {
            Some(t) => vec![t.to_owned()],
            None => tx
                .prepare_cached(
                    "SELECT DISTINCT ticket_id FROM messages
                     WHERE attachments IS NOT NULL AND instr(attachments, ?1) > 0",
                )?
                .query_map([sha256], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?,
        };
        for t in &tickets {
            add_ref(&tx, sha256, t)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The files `agent_id`'s pending replies carry that the server does not hold yet, in
    /// the order the replies are pushed; each named once, with the first reply carrying it.
    pub fn files_to_upload(&self, agent_id: &str) -> Result<Vec<FileToUpload>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT o.mutation_id, a.value FROM outbox o, json_each(o.body, '$.op.attachments') a
             JOIN files f ON f.sha256 = json_extract(a.value, '$.sha256')
             WHERE o.state = 'pending' AND json_extract(o.body, '$.agent_id') = ?1
               AND f.pending_upload = 1
             ORDER BY o.seq, a.key",
        )?;
        let rows = stmt.query_map([agent_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out: Vec<FileToUpload> = Vec::new();
        for row in rows {
            let (mutation_id, json) = row?;
            let attachment: Attachment = crate::records::parse("attachment", &mutation_id, &json)?;
            if !out.iter().any(|f| f.attachment.sha256 == attachment.sha256) {
                out.push(FileToUpload {
                    mutation_id,
                    attachment,
                });
            }
        }
        Ok(out)
    }

    /// The server holds the file now: replies carrying it may be pushed.
    pub fn mark_uploaded(&mut self, sha256: &str) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE files SET pending_upload = 0 WHERE sha256 = ?1")?
            .execute([sha256])?;
        Ok(())
    }

    /// How many files the cache holds, and how many of them wait to be uploaded.
    pub fn file_counts(&self) -> Result<(u64, u64)> {
        Ok(self.conn.query_row(
            "SELECT count(*), coalesce(sum(pending_upload), 0) FROM files",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }
}

/// Refuses bytes that are not the file `sha256` names.
fn check_bytes(sha256: &str, bytes: &[u8]) -> Result<()> {
    let actual = desk_core::attachment::address(bytes);
    if actual != sha256 {
        return Err(Error::BadFile(format!(
            "the bytes given for file {sha256} are file {actual}"
        )));
    }
    Ok(())
}

fn add_ref(conn: &Connection, sha256: &str, ticket_id: &str) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO file_refs(sha256, ticket_id) VALUES (?1, ?2)")?
        .execute([sha256, ticket_id])?;
    Ok(())
}

/// Writes a reply's files inside the caller's transaction, the one that queues the reply:
/// new ones flagged for upload, each tied to the reply's conversation. `files` are bytes
/// for the reply's `attachments`; every attachment needs bytes or a cached file.
pub(crate) fn put_for_reply(
    conn: &Connection,
    ticket_id: &str,
    attachments: &[Attachment],
    files: &[&[u8]],
    now_ms: i64,
) -> Result<()> {
    // Hashed once each: a reply may carry 40 MiB.
    let addresses: Vec<String> = files
        .iter()
        .map(|b| desk_core::attachment::address(b))
        .collect();
    let mut given = vec![false; files.len()];
    for a in attachments {
        let bytes = (0..files.len())
            .find(|&i| !given[i] && files[i].len() as u64 == a.size && addresses[i] == a.sha256);
        match bytes {
            Some(i) => {
                given[i] = true;
                let bytes = files[i];
                // A file the cache already holds keeps its state: fetched from the server
                // (held there), or waiting for upload with another reply.
                conn.prepare_cached(
                    "INSERT INTO files(sha256, size, pending_upload, stored_at, data)
                     VALUES (?1, ?2, 1, ?3, ?4) ON CONFLICT(sha256) DO NOTHING",
                )?
                .execute(params![a.sha256, a.size as i64, now_ms, bytes])?;
            }
            None => {
                let held = conn
                    .prepare_cached("SELECT 1 FROM files WHERE sha256 = ?1")?
                    .query_row([&a.sha256], |_| Ok(()))
                    .optional()?
                    .is_some();
                if !held {
                    return Err(Error::BadFile(format!(
                        "no bytes for {} ({}): attach the file itself",
                        a.file_name, a.sha256
                    )));
                }
            }
        }
        add_ref(conn, &a.sha256, ticket_id)?;
    }
    if let Some(i) = given.iter().position(|g| !g) {
        // Either not the file an attachment names, or given twice for one attachment.
        return Err(Error::BadFile(format!(
            "file {} is not among the reply's attachments",
            addresses[i]
        )));
    }
    Ok(())
}

/// A conversation leaves the cache whole (evicted, out of scope, deleted): its files go
/// unless another cached conversation or a queued reply still needs them.
pub(crate) fn forget_ticket(conn: &Connection, ticket_id: &str) -> Result<()> {
    let shas: Vec<String> = conn
        .prepare_cached("SELECT sha256 FROM file_refs WHERE ticket_id = ?1")?
        .query_map([ticket_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if shas.is_empty() {
        return Ok(());
    }
    conn.prepare_cached("DELETE FROM file_refs WHERE ticket_id = ?1")?
        .execute([ticket_id])?;
    for sha in &shas {
        drop_if_unneeded(conn, sha)?;
    }
    Ok(())
}

/// Drops the files of a mutation that left the outbox without reaching the server (the
/// agent discarded it), unless something else needs them.
pub(crate) fn forget_discarded(conn: &Connection, m: &Mutation) -> Result<()> {
    if let MutationOp::Reply {
        ticket_id,
        attachments,
        ..
    } = &m.op
    {
        for a in attachments {
            // Only what this reply brought: a file the server holds (fetched, or uploaded
            // before the reply was refused) stays with its conversation.
            let pending = conn
                .prepare_cached("SELECT pending_upload FROM files WHERE sha256 = ?1")?
                .query_row([&a.sha256], |r| r.get::<_, bool>(0))
                .optional()?;
            if pending == Some(true) {
                conn.prepare_cached("DELETE FROM file_refs WHERE sha256 = ?1 AND ticket_id = ?2")?
                    .execute([&a.sha256, ticket_id])?;
                drop_if_unneeded(conn, &a.sha256)?;
            }
        }
    }
    Ok(())
}

fn drop_if_unneeded(conn: &Connection, sha256: &str) -> Result<()> {
    conn.prepare_cached(&format!(
        "DELETE FROM files WHERE sha256 = ?1
           AND NOT EXISTS (SELECT 1 FROM file_refs r WHERE r.sha256 = ?1)
           AND NOT {NAMED_BY_OUTBOX}"
    ))?
    .execute([sha256])?;
    Ok(())
}

/// `Store::clear`: the cached conversations go, and with them their files; those of
/// tickets with queued work stay (their conversations are shown again after the next
/// pull), and so does every file a queued reply names. With `wipe_outbox`, everything.
pub(crate) fn clear(conn: &Connection, wipe_outbox: bool) -> Result<()> {
    if wipe_outbox {
        conn.execute("DELETE FROM file_refs", [])?;
        conn.execute("DELETE FROM files", [])?;
        return Ok(());
    }
    conn.execute(
        "DELETE FROM file_refs WHERE ticket_id NOT IN (SELECT ticket_id FROM outbox)",
        [],
    )?;
    conn.execute(
        "DELETE FROM files
         WHERE NOT EXISTS (SELECT 1 FROM file_refs r WHERE r.sha256 = files.sha256)
           AND sha256 NOT IN (
               SELECT json_extract(a.value, '$.sha256')
               FROM outbox o, json_each(o.body, '$.op.attachments') a
               WHERE json_extract(a.value, '$.sha256') IS NOT NULL)",
        [],
    )?;
    Ok(())
}
