//! The PostgreSQL schema and its versioned migrations, tracked in `schema_migrations`.
//!
//! Migrations only ever append: a released migration is never edited. All pending ones run
//! in one transaction (PostgreSQL's DDL is transactional, so a crash leaves the database at
//! a version, never between two) under a transaction-scoped advisory lock, so that several
//! server instances starting together queue up instead of racing to create the same
//! tables: the first applies, the others wait, then find nothing left to do.
//! Must not depend on anything above the storage layer.

use deadpool_postgres::Client;

use super::Ctx;
use crate::error::{Error, Result};

/// Any fixed number works; this one spells "desk" in ASCII so it is recognisable in
/// `pg_locks` next to other applications' advisory locks.
const MIGRATION_LOCK_KEY: i64 = 0x6465_736b;

/// Migration `n` (1-based) is `MIGRATIONS[n - 1]`.
const MIGRATIONS: &[&str] = &[
    // 1: agents, devices and tokens, records, the change feed. The same shape as the
    // SQLite schema, so the two backends answer alike; times are ms since the epoch.
    r#"
    CREATE TABLE agents (
        id            TEXT PRIMARY KEY,
        email         TEXT NOT NULL,
        email_key     TEXT NOT NULL UNIQUE,   -- lower-cased email: unique case-insensitively
        name          TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
        languages     TEXT[] NOT NULL,        -- BCP 47 tags
        password_hash TEXT NOT NULL,          -- argon2id PHC string
        disabled      BOOLEAN NOT NULL DEFAULT false,
        created_at    BIGINT NOT NULL,
        updated_at    BIGINT NOT NULL
    );

    -- A device is one signed-in console. Tokens are stored only as SHA-256 hashes.
    CREATE TABLE devices (
        id                 TEXT PRIMARY KEY,
        agent_id           TEXT NOT NULL REFERENCES agents(id),
        name               TEXT NOT NULL,
        refresh_token_hash TEXT UNIQUE,       -- the current one; NULL once revoked
        refresh_expires_at BIGINT NOT NULL,
        revoked            BOOLEAN NOT NULL DEFAULT false,
        created_at         BIGINT NOT NULL,
        last_used_at       BIGINT NOT NULL,
        revoked_at         BIGINT
    );
    CREATE INDEX devices_agent ON devices(agent_id);

    -- Refresh tokens already rotated away: presenting one again means it was stolen.
    CREATE TABLE retired_refresh_tokens (
        hash       TEXT PRIMARY KEY,
        device_id  TEXT NOT NULL REFERENCES devices(id),
        retired_at BIGINT NOT NULL
    );

    CREATE TABLE access_tokens (
        hash       TEXT PRIMARY KEY,
        device_id  TEXT NOT NULL REFERENCES devices(id),
        expires_at BIGINT NOT NULL,
        created_at BIGINT NOT NULL
    );
    CREATE INDEX access_tokens_device ON access_tokens(device_id);

    -- Records: the columns queries filter on, plus the whole record. `json` (not `jsonb`)
    -- keeps the text as written: jsonb refuses \u0000, which hostile customer text may hold.
    CREATE TABLE customers (
        id               TEXT PRIMARY KEY,
        platform_user_id TEXT NOT NULL,
        updated_at       BIGINT NOT NULL,
        record           JSON NOT NULL
    );
    CREATE INDEX customers_platform_user ON customers(platform_user_id);

    CREATE TABLE wallet_transactions (
        id          TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL,
        status      TEXT NOT NULL,
        tx_hash     TEXT,
        updated_at  BIGINT NOT NULL,
        record      JSON NOT NULL
    );
    CREATE INDEX wallet_transactions_customer ON wallet_transactions(customer_id);
    CREATE INDEX wallet_transactions_hash ON wallet_transactions(tx_hash);

    CREATE TABLE tickets (
        id          TEXT PRIMARY KEY,
        number      BIGINT NOT NULL UNIQUE,   -- human number, assigned under the feed lock
        customer_id TEXT NOT NULL,
        status      TEXT NOT NULL,
        priority    TEXT NOT NULL,
        category    TEXT NOT NULL,
        assignee_id TEXT,
        created_at  BIGINT NOT NULL,
        updated_at  BIGINT NOT NULL,
        record      JSON NOT NULL
    );
    CREATE INDEX tickets_customer ON tickets(customer_id);
    CREATE INDEX tickets_status ON tickets(status, updated_at);

    CREATE TABLE messages (
        id         TEXT PRIMARY KEY,
        ticket_id  TEXT NOT NULL,
        kind       TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        record     JSON NOT NULL
    );
    CREATE INDEX messages_ticket ON messages(ticket_id, created_at);

    -- Records nothing on the server queries by field yet (macros, KB articles, incidents,
    -- SLA policies), by kind; a record that gains queries moves to its own table.
    CREATE TABLE records (
        kind   TEXT NOT NULL,
        id     TEXT NOT NULL,
        record JSON NOT NULL,
        PRIMARY KEY (kind, id)
    );

    -- The change feed (DESIGN.md §4). Every writing transaction bumps the single version
    -- row first and holds its row lock until it commits, so version order is commit order
    -- (see records.rs). Each change row is stamped with that version and its index within
    -- the transaction. Never a sequence: sequence values are handed out before commit.
    CREATE TABLE feed_version (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        version BIGINT NOT NULL
    );
    INSERT INTO feed_version (id, version) VALUES (1, 0);

    CREATE TABLE changes (
        version   BIGINT NOT NULL,
        ord       BIGINT NOT NULL,
        kind      TEXT NOT NULL,
        record_id TEXT NOT NULL,
        body      JSON NOT NULL,              -- the whole record
        PRIMARY KEY (version, ord)
    );
    -- Only the latest change of a record is kept.
    CREATE UNIQUE INDEX changes_record ON changes(kind, record_id);
    "#,
    // 2: pushed mutations with their answers, clients' sequence marks, the retention
    // floor, and the notification every instance listens for.
    r#"
    -- Each answer is stored in the transaction that applied the mutation, at a feed
    -- position of that transaction, so the pushing device's pulls carry it.
    CREATE TABLE mutations (
        id        TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        seq       BIGINT NOT NULL,
        agent_id  TEXT NOT NULL,
        device_id TEXT NOT NULL,
        version   BIGINT NOT NULL,
        ord       BIGINT NOT NULL,
        stored_at BIGINT NOT NULL,
        result    TEXT NOT NULL           -- desk_core::MutationResult, JSON
    );
    CREATE INDEX mutations_device ON mutations(device_id, version, ord);
    CREATE INDEX mutations_stored_at ON mutations(stored_at);

    -- The highest seq answered per client and agent. Never pruned: a replay whose answer
    -- retention dropped is still recognised, and never applied twice.
    CREATE TABLE client_sequences (
        client_id TEXT NOT NULL,
        agent_id  TEXT NOT NULL,
        last_seq  BIGINT NOT NULL,
        PRIMARY KEY (client_id, agent_id)
    );

    -- Feed versions up to this one may have lost mutation answers to retention.
    CREATE TABLE feed_floor (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        version BIGINT NOT NULL
    );
    INSERT INTO feed_floor (id, version) VALUES (1, 0);

    -- Every writer bumps the version row, so this fires once per writing transaction,
    -- whoever wrote. NOTIFY is transactional: delivered on commit, never on rollback, and
    -- repeats within one transaction collapse. The payload stays empty: listeners only
    -- learn that the feed moved, and pull.
    CREATE FUNCTION desk_feed_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('desk_feed', '');
        RETURN NULL;
    END
    $$;
    CREATE TRIGGER feed_moved AFTER UPDATE ON feed_version
        FOR EACH STATEMENT EXECUTE FUNCTION desk_feed_moved();
    "#,
    // 3: the hash-chained audit log (see crate::audit) and its head.
    r#"
    CREATE TABLE audit_log (
        seq       BIGINT PRIMARY KEY,
        at        BIGINT NOT NULL,
        actor     TEXT NOT NULL,
        action    TEXT NOT NULL,
        subject   TEXT NOT NULL,
        details   TEXT NOT NULL,          -- canonical JSON as text: hashed byte for byte
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL
    );
    -- The last row's seq and hash. Every append locks this row (FOR UPDATE) and updates it
    -- in its transaction: appenders queue on it, so the chain stays linear across
    -- instances, and a deleted newest row is noticed. Appends come last in a transaction,
    -- after the feed's version row, so the two locks are always taken in that order.
    CREATE TABLE audit_head (
        id   INTEGER PRIMARY KEY CHECK (id = 1),
        seq  BIGINT NOT NULL,
        hash TEXT NOT NULL
    );
    INSERT INTO audit_head (id, seq, hash)
        VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
    "#,
    // 4: ingestion: replay protection and conversation threading.
    r#"
    -- Nonces of signed ingestion requests, until their timestamp would be refused anyway.
    CREATE TABLE ingest_nonces (
        nonce      TEXT PRIMARY KEY,
        expires_at BIGINT NOT NULL
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
    // 5: whether an access token was ever presented, so that a refresh whose answer was
    // lost can be retried until the pair it lost is used (accounts::rotate_refresh).
    // Tokens from before this step count as used: no retry is honoured on their account.
    r#"
    ALTER TABLE access_tokens ADD COLUMN used BOOLEAN NOT NULL DEFAULT false;
    UPDATE access_tokens SET used = true;
    CREATE INDEX retired_refresh_tokens_device ON retired_refresh_tokens(device_id, retired_at);
    "#,
    // 6: scope by group (DESIGN.md §4): the teams an agent works in, and on each ticket
    // and message change the group of its ticket, so a pull filters without decoding;
    // a ticket that moves to another group leaves a `left_scope` row for the old one.
    r#"
    ALTER TABLE agents ADD COLUMN groups TEXT[] NOT NULL DEFAULT '{}';
    ALTER TABLE changes ADD COLUMN scope_group TEXT;  -- NULL: every agent receives it
    -- left_scope rows only: the group the ticket moved to, whose agents keep it.
    ALTER TABLE changes ADD COLUMN scope_unless TEXT;
    UPDATE changes SET scope_group = body->>'group' WHERE kind = 'ticket';
    UPDATE changes c SET scope_group = t.record->>'group'
    FROM tickets t WHERE c.kind = 'message' AND t.id = c.body->>'ticket_id';
    "#,
    // 7: outbound delivery (DESIGN.md §11): one delivery per public message the desk
    // sends, the queue's due time beside it, and how each ticket's customer is reached.
    r#"
    CREATE TABLE deliveries (
        id         TEXT PRIMARY KEY,      -- the message's id
        ticket_id  TEXT NOT NULL,
        state      TEXT NOT NULL,
        due_at     BIGINT,                -- desk_core::Delivery::due_at; NULL once settled
        record     JSON NOT NULL
    );
    CREATE INDEX deliveries_due ON deliveries(due_at) WHERE due_at IS NOT NULL;
    CREATE INDEX deliveries_ticket ON deliveries(ticket_id);

    -- The channel and address a ticket's customer last wrote from: where replies go.
    CREATE TABLE reply_routes (
        ticket_id TEXT PRIMARY KEY,
        route     JSON NOT NULL           -- desk_core::delivery::Route
    );

    -- Mail intake: the Message-IDs of mails received, for the answers to them (the desk's
    -- own Message-IDs name their message), and each mailbox's place in its folder.
    CREATE TABLE mail_threads (
        header_id TEXT PRIMARY KEY,
        ticket_id TEXT NOT NULL
    );
    CREATE TABLE mailbox_cursors (
        address      TEXT PRIMARY KEY,
        uid_validity BIGINT NOT NULL,
        last_uid     BIGINT NOT NULL,
        lease_holder TEXT,
        lease_until  BIGINT
    );

    -- Customers by email address (lower-cased), kept by the record writes (write.rs): a
    -- mail from a wallet customer's address reaches their profile and transactions. Not
    -- a trigger: PostgreSQL's JSON operators refuse a whole record that holds an escaped
    -- NUL anywhere, which customer text may.
    CREATE TABLE customer_emails (
        email_key   TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        PRIMARY KEY (email_key, customer_id)
    );
    CREATE INDEX customer_emails_customer ON customer_emails(customer_id);
    DO $$
    DECLARE c RECORD;
    BEGIN
        FOR c IN SELECT id, record FROM customers LOOP
            BEGIN
                INSERT INTO customer_emails
                    SELECT DISTINCT lower(trim(e)), c.id
                    FROM json_array_elements_text(c.record->'emails') e
                    ON CONFLICT DO NOTHING;
            EXCEPTION WHEN untranslatable_character THEN
                -- A record holding NUL: its addresses are indexed at its next write.
                NULL;
            END;
        END LOOP;
    END
    $$;

    -- Attachments: each file's bytes once, under its SHA-256 (desk_core::attachment).
    CREATE TABLE blobs (
        sha256       TEXT PRIMARY KEY,
        size         BIGINT NOT NULL,
        content_type TEXT NOT NULL,       -- sniffed from the bytes, never the sender's word
        data         BYTEA NOT NULL,
        created_at   BIGINT NOT NULL
    );
    -- Which messages carry a file (kept by the record writes, write.rs): who may fetch it
    -- is who sees one of their tickets.
    CREATE TABLE message_files (
        sha256     TEXT NOT NULL,
        message_id TEXT NOT NULL,
        ticket_id  TEXT NOT NULL,
        PRIMARY KEY (sha256, message_id)
    );
    -- Files an agent uploaded, which that agent may fetch before a message carries them.
    CREATE TABLE blob_uploads (
        sha256     TEXT NOT NULL,
        agent_id   TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (sha256, agent_id)
    );
    "#,
    // 8: the audit log read the way its viewer asks (DESIGN.md §6): one agent's actions, or
    // one ticket's, newest first, without walking the whole log.
    r#"
    CREATE INDEX audit_by_actor ON audit_log(actor, seq);
    CREATE INDEX audit_by_subject ON audit_log(subject, seq);
    "#,
    // 9: skills, capacity and invitations, as the SQLite schema's step 10: an agent added
    // without a password has `password_hash` '' until they accept their invitation.
    r#"
    ALTER TABLE agents ADD COLUMN skills TEXT[] NOT NULL DEFAULT '{}';  -- category names
    ALTER TABLE agents ADD COLUMN capacity INTEGER;                     -- NULL: no limit
    CREATE TABLE invitations (
        agent_id   TEXT PRIMARY KEY REFERENCES agents(id),
        code_hash  TEXT NOT NULL UNIQUE,
        expires_at BIGINT NOT NULL,
        created_at BIGINT NOT NULL
    );
    "#,
];

/// The schema version this build writes.
pub const LATEST: i32 = MIGRATIONS.len() as i32;

/// Brings the database up to [`LATEST`]. Refuses a database written by a newer build.
pub(super) async fn migrate(client: &mut Client) -> Result<i32> {
    let tx = client.transaction().await.ctx("begin migrations")?;
    // Held until this transaction ends; taken before anything else, so even the creation
    // of `schema_migrations` by two fresh instances is serialized.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK_KEY])
        .await
        .ctx("take the migration lock")?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )
    .await
    .ctx("create schema_migrations")?;
    let current: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .await
        .ctx("read schema version")?
        .get(0);
    if current > LATEST {
        return Err(Error::Internal(format!(
            "database schema version {current} is newer than this server understands ({LATEST})"
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = index as i32 + 1;
        tx.batch_execute(sql)
            .await
            .ctx(&format!("apply migration {version}"))?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[&version],
        )
        .await
        .ctx("record schema version")?;
        tracing::info!(version, "applied database migration");
    }
    tx.commit().await.ctx("commit migrations")?;
    Ok(LATEST)
}
