//! The SQLite schema and its versioned migrations, tracked in `PRAGMA user_version`.
//!
//! Migrations only ever append: a released migration is never edited. Each runs in its own
//! transaction together with the version bump, so a crash leaves the file at a version,
//! never between two. Must not depend on anything above the storage layer.

use rusqlite::Connection;

use crate::error::{Error, Result};

use super::Ctx;

/// Migration `n` (1-based) is `MIGRATIONS[n - 1]`.
const MIGRATIONS: &[&str] = &[
    // 1: agents, devices and tokens, records, the change feed.
    r#"
    CREATE TABLE agents (
        id            TEXT PRIMARY KEY,
        email         TEXT NOT NULL,
        email_key     TEXT NOT NULL UNIQUE,   -- lower-cased email: unique case-insensitively
        name          TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
        languages     TEXT NOT NULL,          -- JSON array of BCP 47 tags
        password_hash TEXT NOT NULL,          -- argon2id PHC string
        disabled      INTEGER NOT NULL DEFAULT 0,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
    );

    -- A device is one signed-in console. Tokens are stored only as SHA-256 hashes.
    CREATE TABLE devices (
        id                 TEXT PRIMARY KEY,
        agent_id           TEXT NOT NULL REFERENCES agents(id),
        name               TEXT NOT NULL,
        refresh_token_hash TEXT UNIQUE,       -- the current one; NULL once revoked
        refresh_expires_at INTEGER NOT NULL,
        revoked            INTEGER NOT NULL DEFAULT 0,
        created_at         INTEGER NOT NULL,
        last_used_at       INTEGER NOT NULL,
        revoked_at         INTEGER
    );
    CREATE INDEX devices_agent ON devices(agent_id);

    -- Refresh tokens already rotated away: presenting one again means it was stolen.
    CREATE TABLE retired_refresh_tokens (
        hash       TEXT PRIMARY KEY,
        device_id  TEXT NOT NULL REFERENCES devices(id),
        retired_at INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE access_tokens (
        hash       TEXT PRIMARY KEY,
        device_id  TEXT NOT NULL REFERENCES devices(id),
        expires_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX access_tokens_device ON access_tokens(device_id);

    -- Records: the columns queries filter on, plus the whole record as JSON.
    CREATE TABLE customers (
        id               TEXT PRIMARY KEY,
        platform_user_id TEXT NOT NULL,
        updated_at       INTEGER NOT NULL,
        record           TEXT NOT NULL
    );
    CREATE INDEX customers_platform_user ON customers(platform_user_id);

    CREATE TABLE wallet_transactions (
        id          TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL,
        status      TEXT NOT NULL,
        tx_hash     TEXT,
        updated_at  INTEGER NOT NULL,
        record      TEXT NOT NULL
    );
    CREATE INDEX wallet_transactions_customer ON wallet_transactions(customer_id);
    CREATE INDEX wallet_transactions_hash ON wallet_transactions(tx_hash);

    CREATE TABLE tickets (
        id          TEXT PRIMARY KEY,
        number      INTEGER NOT NULL UNIQUE,  -- human number, assigned here, increasing
        customer_id TEXT NOT NULL,
        status      TEXT NOT NULL,
        priority    TEXT NOT NULL,
        category    TEXT NOT NULL,
        assignee_id TEXT,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        record      TEXT NOT NULL
    );
    CREATE INDEX tickets_customer ON tickets(customer_id);
    CREATE INDEX tickets_status ON tickets(status, updated_at);

    CREATE TABLE messages (
        id         TEXT PRIMARY KEY,
        ticket_id  TEXT NOT NULL,
        kind       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        record     TEXT NOT NULL
    );
    CREATE INDEX messages_ticket ON messages(ticket_id, created_at);

    -- The change feed (DESIGN.md §4). Every writing transaction bumps the single version
    -- row first; its row lock makes version order equal commit order. Each change row is
    -- stamped with that version and its index within the transaction.
    CREATE TABLE feed_version (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL
    );
    INSERT INTO feed_version (id, version) VALUES (1, 0);

    CREATE TABLE changes (
        version   INTEGER NOT NULL,
        ord       INTEGER NOT NULL,
        kind      TEXT NOT NULL,
        record_id TEXT NOT NULL,
        body      TEXT NOT NULL,              -- the whole record, JSON
        PRIMARY KEY (version, ord)
    );
    -- Only the latest change of a record is kept.
    CREATE UNIQUE INDEX changes_record ON changes(kind, record_id);
    "#,
    // 2: macros, KB articles, incidents and SLA policies, by kind: the server only stores
    // and feeds them so far; a record that gains queries moves to its own table.
    r#"
    CREATE TABLE records (
        kind   TEXT NOT NULL,
        id     TEXT NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (kind, id)
    ) WITHOUT ROWID;
    "#,
    // 3: pushed mutations with their answers, clients' sequence marks, the retention floor.
    r#"
    -- Each answer is stored in the transaction that applied the mutation, at a feed
    -- position of that transaction, so the pushing device's pulls carry it.
    CREATE TABLE mutations (
        id        TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        seq       INTEGER NOT NULL,
        agent_id  TEXT NOT NULL,
        device_id TEXT NOT NULL,
        version   INTEGER NOT NULL,
        ord       INTEGER NOT NULL,
        stored_at INTEGER NOT NULL,
        result    TEXT NOT NULL           -- desk_core::MutationResult, JSON
    );
    CREATE INDEX mutations_device ON mutations(device_id, version, ord);
    CREATE INDEX mutations_stored_at ON mutations(stored_at);

    -- The highest seq answered per client and agent. Never pruned: a replay whose answer
    -- retention dropped is still recognised, and never applied twice.
    CREATE TABLE client_sequences (
        client_id TEXT NOT NULL,
        agent_id  TEXT NOT NULL,
        last_seq  INTEGER NOT NULL,
        PRIMARY KEY (client_id, agent_id)
    ) WITHOUT ROWID;

    -- Feed versions up to this one may have lost mutation answers to retention.
    CREATE TABLE feed_floor (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL
    );
    INSERT INTO feed_floor (id, version) VALUES (1, 0);
    "#,
    // 4: the hash-chained audit log (see crate::audit) and its head.
    r#"
    CREATE TABLE audit_log (
        seq       INTEGER PRIMARY KEY,
        at        INTEGER NOT NULL,
        actor     TEXT NOT NULL,
        action    TEXT NOT NULL,
        subject   TEXT NOT NULL,
        details   TEXT NOT NULL,          -- canonical JSON, hashed as stored
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL
    );
    -- The last row's seq and hash: appends update it in their transaction, so a deleted
    -- newest row is noticed.
    CREATE TABLE audit_head (
        id   INTEGER PRIMARY KEY CHECK (id = 1),
        seq  INTEGER NOT NULL,
        hash TEXT NOT NULL
    );
    INSERT INTO audit_head (id, seq, hash)
        VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
    "#,
    // 5: ingestion: replay protection and conversation threading.
    r#"
    -- Nonces of signed ingestion requests, until their timestamp would be refused anyway.
    CREATE TABLE ingest_nonces (
        nonce      TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX ingest_nonces_expiry ON ingest_nonces(expires_at);

    -- Threading of inbound messages: a channel's conversation leads to its customer and
    -- its current ticket (see desk_core::wire::InboundMessage).
    CREATE TABLE ingest_conversations (
        channel         TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        customer_id     TEXT NOT NULL,
        ticket_id       TEXT NOT NULL,
        PRIMARY KEY (channel, conversation_id)
    );
    "#,
    // 6: whether an access token was ever presented, so that a refresh whose answer was
    // lost can be retried until the pair it lost is used (accounts::rotate_refresh).
    // Tokens from before this step count as used: no retry is honoured on their account.
    r#"
    ALTER TABLE access_tokens ADD COLUMN used INTEGER NOT NULL DEFAULT 0;
    UPDATE access_tokens SET used = 1;
    CREATE INDEX retired_refresh_tokens_device ON retired_refresh_tokens(device_id, retired_at);
    "#,
    // 7: scope by group (DESIGN.md §4): the teams an agent works in, and on each ticket
    // and message change the group of its ticket, so a pull filters without decoding;
    // a ticket that moves to another group leaves a `left_scope` row for the old one.
    r#"
    ALTER TABLE agents ADD COLUMN groups TEXT NOT NULL DEFAULT '[]';  -- JSON array
    ALTER TABLE changes ADD COLUMN scope_group TEXT;  -- NULL: every agent receives it
    -- left_scope rows only: the group the ticket moved to, whose agents keep it.
    ALTER TABLE changes ADD COLUMN scope_unless TEXT;
    UPDATE changes SET scope_group = json_extract(body, '$.group') WHERE kind = 'ticket';
    UPDATE changes SET scope_group = (
        SELECT json_extract(t.record, '$.group') FROM tickets t
        WHERE t.id = json_extract(changes.body, '$.ticket_id'))
    WHERE kind = 'message';
    "#,
    // 8: outbound delivery (DESIGN.md §11): one delivery per public message the desk
    // sends, the queue's due time beside it, and how each ticket's customer is reached.
    r#"
    CREATE TABLE deliveries (
        id         TEXT PRIMARY KEY,      -- the message's id
        ticket_id  TEXT NOT NULL,
        state      TEXT NOT NULL,
        due_at     INTEGER,               -- desk_core::Delivery::due_at; NULL once settled
        record     TEXT NOT NULL
    );
    CREATE INDEX deliveries_due ON deliveries(due_at) WHERE due_at IS NOT NULL;
    CREATE INDEX deliveries_ticket ON deliveries(ticket_id);

    -- The channel and address a ticket's customer last wrote from: where replies go.
    CREATE TABLE reply_routes (
        ticket_id TEXT PRIMARY KEY,
        route     TEXT NOT NULL           -- desk_core::delivery::Route, JSON
    );

    -- Mail intake: the Message-IDs of mails received, for the answers to them (the desk's
    -- own Message-IDs name their message), and each mailbox's place in its folder.
    CREATE TABLE mail_threads (
        header_id TEXT PRIMARY KEY,
        ticket_id TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE mailbox_cursors (
        address      TEXT PRIMARY KEY,
        uid_validity INTEGER NOT NULL,
        last_uid     INTEGER NOT NULL,
        lease_holder TEXT,
        lease_until  INTEGER
    );

    -- Customers by email address (lower-cased), kept by triggers whoever writes them: a
    -- mail from a wallet customer's address reaches their profile and transactions.
    CREATE TABLE customer_emails (
        email_key   TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        PRIMARY KEY (email_key, customer_id)
    ) WITHOUT ROWID;
    CREATE INDEX customer_emails_customer ON customer_emails(customer_id);
    INSERT OR IGNORE INTO customer_emails
        SELECT lower(trim(e.value)), c.id FROM customers c, json_each(c.record, '$.emails') e;
    CREATE TRIGGER customer_emails_insert AFTER INSERT ON customers BEGIN
        INSERT OR IGNORE INTO customer_emails
            SELECT lower(trim(value)), NEW.id FROM json_each(NEW.record, '$.emails');
    END;
    CREATE TRIGGER customer_emails_update AFTER UPDATE OF record ON customers BEGIN
        DELETE FROM customer_emails WHERE customer_id = NEW.id;
        INSERT OR IGNORE INTO customer_emails
            SELECT lower(trim(value)), NEW.id FROM json_each(NEW.record, '$.emails');
    END;

    -- Attachments: each file's bytes once, under its SHA-256 (desk_core::attachment).
    CREATE TABLE blobs (
        sha256       TEXT PRIMARY KEY,
        size         INTEGER NOT NULL,
        content_type TEXT NOT NULL,       -- sniffed from the bytes, never the sender's word
        data         BLOB NOT NULL,
        created_at   INTEGER NOT NULL
    );
    -- Which messages carry a file (kept by a trigger): who may fetch it is who sees one of
    -- their tickets.
    CREATE TABLE message_files (
        sha256     TEXT NOT NULL,
        message_id TEXT NOT NULL,
        ticket_id  TEXT NOT NULL,
        PRIMARY KEY (sha256, message_id)
    ) WITHOUT ROWID;
    CREATE TRIGGER message_files_insert AFTER INSERT ON messages BEGIN
        INSERT OR IGNORE INTO message_files
            SELECT json_extract(value, '$.sha256'), NEW.id, NEW.ticket_id
            FROM json_each(NEW.record, '$.attachments');
    END;
    -- Files an agent uploaded, which that agent may fetch before a message carries them.
    CREATE TABLE blob_uploads (
        sha256     TEXT NOT NULL,
        agent_id   TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (sha256, agent_id)
    ) WITHOUT ROWID;
    "#,
    // 9: the audit log read the way its viewer asks (DESIGN.md §6): one agent's actions, or
    // one ticket's, newest first, without walking the whole log.
    r#"
    CREATE INDEX audit_by_actor ON audit_log(actor, seq);
    CREATE INDEX audit_by_subject ON audit_log(subject, seq);
    "#,
    // 10: what routing reads of an agent (the categories they handle, how many open
    // tickets they take at once), and invitations: an agent added without a password has
    // `password_hash` '' (no PHC string is empty, so nothing verifies against it) until
    // they accept theirs. One invitation per agent; its code only as a SHA-256 hash.
    r#"
    ALTER TABLE agents ADD COLUMN skills TEXT NOT NULL DEFAULT '[]';  -- JSON array of categories
    ALTER TABLE agents ADD COLUMN capacity INTEGER;                   -- NULL: no limit
    CREATE TABLE invitations (
        agent_id   TEXT PRIMARY KEY REFERENCES agents(id),
        code_hash  TEXT NOT NULL UNIQUE,
        expires_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL
    );
    "#,
];

/// The schema version this build writes.
pub const LATEST: u32 = MIGRATIONS.len() as u32;

/// Brings the database up to [`LATEST`]. Refuses a file written by a newer build.
pub fn migrate(conn: &mut Connection) -> Result<u32> {
    let current: u32 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .ctx("read schema version")?;
    if current > LATEST {
        return Err(Error::Internal(format!(
            "database schema version {current} is newer than this server understands ({LATEST})"
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = index as u32 + 1;
        let tx = conn.transaction().ctx("begin migration")?;
        tx.execute_batch(sql)
            .ctx(&format!("apply migration {version}"))?;
        tx.pragma_update(None, "user_version", version)
            .ctx("record schema version")?;
        tx.commit().ctx(&format!("commit migration {version}"))?;
        tracing::info!(version, "applied database migration");
    }
    Ok(LATEST)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feed rows written before scope by group get their ticket's group, so a console of
    /// a grouped agent bootstraps the right tickets from an upgraded server.
    #[test]
    fn the_scope_migration_stamps_existing_feed_rows_with_their_tickets_group() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..6] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 6).unwrap();
        conn.execute_batch(
            r#"
            INSERT INTO agents (id, email, email_key, name, role, languages, password_hash,
                                created_at, updated_at)
            VALUES ('a1', 'a@x', 'a@x', 'A', 'agent', '[]', 'x', 1, 1);
            INSERT INTO tickets (id, number, customer_id, status, priority, category,
                                 created_at, updated_at, record)
            VALUES ('t1', 1, 'c1', 'new', 'high', 'other', 1, 1, '{"id":"t1","group":"zh-l1"}'),
                   ('t2', 2, 'c1', 'new', 'high', 'other', 1, 1, '{"id":"t2","group":null}');
            INSERT INTO changes (version, ord, kind, record_id, body) VALUES
                (1, 0, 'ticket', 't1', '{"id":"t1","group":"zh-l1"}'),
                (1, 1, 'message', 'm1', '{"id":"m1","ticket_id":"t1"}'),
                (1, 2, 'ticket', 't2', '{"id":"t2","group":null}'),
                (1, 3, 'message', 'm2', '{"id":"m2","ticket_id":"t2"}'),
                (1, 4, 'customer', 'c1', '{"id":"c1","group":"not-a-ticket"}');
            "#,
        )
        .unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), LATEST);
        let stamped: Vec<(String, Option<String>)> = conn
            .prepare("SELECT record_id, scope_group FROM changes ORDER BY ord")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let zh = Some("zh-l1".to_owned());
        assert_eq!(
            stamped,
            [
                ("t1".into(), zh.clone()),
                ("m1".into(), zh),
                ("t2".into(), None),
                ("m2".into(), None),
                ("c1".into(), None),
            ]
        );
        let groups: String = conn
            .query_row("SELECT groups FROM agents WHERE id = 'a1'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(groups, "[]", "agents from before have no groups");
    }
}
