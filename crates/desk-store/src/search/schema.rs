//! Search's schema (migration step 3).
//!
//! Triggers on the record tables only *enqueue* what changed; the FTS tables are written
//! by `Store::index_pending`, in the background, because FTS indexing (~26k messages/s)
//! would otherwise dominate the bulk apply of a bootstrap (DESIGN.md §5). The triggers
//! depend only on the columns step 1 made and step 2 keeps.

/// Schema step 3. Kinds in `search_docs.kind` / `search_pending.kind` are
/// [`super::text::DocKind`]: 1 subject, 2 message, 3 customer, 4 transaction, 5 KB.
pub(crate) const MIGRATION: &str = r#"
    -- What each full-text row stands for. `doc` is the rowid in both FTS tables. It is
    -- the record's creation time (ms) shifted left 20 bits plus a tie-breaker, so FTS5's
    -- cheap `ORDER BY rowid DESC LIMIT n` yields the newest matches first: ranking scores
    -- only that bounded set, never every match of a common term.
    CREATE TABLE search_docs (
        doc       INTEGER PRIMARY KEY,
        kind      INTEGER NOT NULL,
        source_id TEXT NOT NULL,
        in_text   INTEGER NOT NULL,
        in_grams  INTEGER NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX search_docs_by_source ON search_docs(kind, source_id);

    -- Records whose document must be (re)built or dropped. An append-only log with no
    -- secondary index, so the triggers cost one cheap insert in the bulk-apply path;
    -- a record queued twice is simply indexed twice (the indexer reads live rows).
    CREATE TABLE search_pending (
        seq       INTEGER PRIMARY KEY,
        kind      INTEGER NOT NULL,
        source_id TEXT NOT NULL
    ) STRICT;

    -- Substrings of 3+ chars, Chinese and English alike. Contentless: the text lives in
    -- the records, and snippets are cut from there, so it is not stored twice.
    CREATE VIRTUAL TABLE search_text USING fts5(
        text, content = '', contentless_delete = 1,
        tokenize = 'trigram case_sensitive 0'
    );

    -- 1–2 char CJK queries: each document's CJK unigrams and touching bigrams as tokens
    -- (see text::grams). detail=none keeps it to a compressed doc list per gram, the
    -- (gram, doc) posting table without a b-tree row per pair.
    CREATE VIRTUAL TABLE search_grams USING fts5(
        grams, content = '', contentless_delete = 1, detail = none,
        tokenize = 'unicode61 remove_diacritics 0'
    );

    CREATE TRIGGER search_tickets_insert AFTER INSERT ON tickets BEGIN
        INSERT INTO search_pending(kind, source_id) VALUES (1, NEW.id);
    END;
    -- Ticket upserts rewrite `subject` on every status change; only a real change counts.
    CREATE TRIGGER search_tickets_update AFTER UPDATE OF id, subject ON tickets
    WHEN NEW.subject IS NOT OLD.subject OR NEW.id IS NOT OLD.id BEGIN
        INSERT INTO search_pending(kind, source_id) VALUES (1, OLD.id);
        INSERT INTO search_pending(kind, source_id) SELECT 1, NEW.id WHERE NEW.id IS NOT OLD.id;
    END;
    CREATE TRIGGER search_tickets_delete AFTER DELETE ON tickets BEGIN
        INSERT INTO search_pending(kind, source_id) VALUES (1, OLD.id);
    END;

    CREATE TRIGGER search_messages_insert AFTER INSERT ON messages BEGIN
        INSERT INTO search_pending(kind, source_id) VALUES (2, NEW.id);
    END;
    CREATE TRIGGER search_messages_update AFTER UPDATE OF id, body ON messages
    WHEN NEW.body IS NOT OLD.body OR NEW.id IS NOT OLD.id BEGIN
        INSERT INTO search_pending(kind, source_id) VALUES (2, OLD.id);
        INSERT INTO search_pending(kind, source_id) SELECT 2, NEW.id WHERE NEW.id IS NOT OLD.id;
    END;
    CREATE TRIGGER search_messages_delete AFTER DELETE ON messages BEGIN
        INSERT INTO search_pending(kind, source_id) VALUES (2, OLD.id);
    END;

    CREATE TRIGGER search_customers_insert AFTER INSERT ON customers BEGIN
        INSERT INTO search_pending(kind, source_id) VALUES (3, NEW.id);
    END;
    CREATE TRIGGER search_customers_update AFTER UPDATE OF id, name, body ON customers
    WHEN NEW.body IS NOT OLD.body OR NEW.name IS NOT OLD.name OR NEW.id IS NOT OLD.id BEGIN
        INSERT INTO search_pending(kind, source_id) VALUES (3, OLD.id);
        INSERT INTO search_pending(kind, source_id) SELECT 3, NEW.id WHERE NEW.id IS NOT OLD.id;
    END;
    CREATE TRIGGER search_customers_delete AFTER DELETE ON customers BEGIN
        INSERT INTO search_pending(kind, source_id) VALUES (3, OLD.id);
    END;

    CREATE TRIGGER search_transactions_insert AFTER INSERT ON wallet_transactions BEGIN
        INSERT INTO search_pending(kind, source_id) VALUES (4, NEW.id);
    END;
    -- A transaction's body changes with every confirmation; only its hash is indexed.
    CREATE TRIGGER search_transactions_update AFTER UPDATE OF id, body ON wallet_transactions
    WHEN json_extract(NEW.body, '$.tx_hash') IS NOT json_extract(OLD.body, '$.tx_hash')
        OR NEW.id IS NOT OLD.id BEGIN
        INSERT INTO search_pending(kind, source_id) VALUES (4, OLD.id);
        INSERT INTO search_pending(kind, source_id) SELECT 4, NEW.id WHERE NEW.id IS NOT OLD.id;
    END;
    CREATE TRIGGER search_transactions_delete AFTER DELETE ON wallet_transactions BEGIN
        INSERT INTO search_pending(kind, source_id) VALUES (4, OLD.id);
    END;

    -- Records cached before this step existed are queued once, so an upgraded cache finds
    -- them too (the indexer skips what has no searchable text).
    INSERT INTO search_pending(kind, source_id) SELECT 1, id FROM tickets;
    INSERT INTO search_pending(kind, source_id) SELECT 2, id FROM messages;
    INSERT INTO search_pending(kind, source_id) SELECT 3, id FROM customers;
    INSERT INTO search_pending(kind, source_id) SELECT 4, id FROM wallet_transactions;
"#;

/// Part of schema step 11: a message's text moved to `body_text` (records.rs,
/// `MESSAGE_PARTS_MIGRATION`), so a change of either shape's text queues the message.
pub(crate) const MESSAGE_TRIGGERS: &str = r#"
    DROP TRIGGER search_messages_update;
    CREATE TRIGGER search_messages_update AFTER UPDATE OF id, body, body_text ON messages
    WHEN NEW.body IS NOT OLD.body OR NEW.body_text IS NOT OLD.body_text OR NEW.id IS NOT OLD.id
    BEGIN
        INSERT INTO search_pending(kind, source_id) VALUES (2, OLD.id);
        INSERT INTO search_pending(kind, source_id) SELECT 2, NEW.id WHERE NEW.id IS NOT OLD.id;
    END;
"#;

/// Schema step 9: what a bootstrap loaded, marked for indexing by rowid range instead of
/// one queue row per record. `search_pending` would otherwise take 4.6M rows at 1M tickets
/// (1.2–2.7 s and 5% of a bulk load's bytes), each written and then deleted again.
pub(crate) const BACKFILL_MIGRATION: &str = r#"
    -- Per document kind, the rows of its table still to index: every rowid up to `upto`.
    -- Taken from the top down once the queue is empty, and deleted when done.
    CREATE TABLE search_backfill (
        kind INTEGER PRIMARY KEY,
        upto INTEGER NOT NULL
    ) STRICT;
"#;

/// Part of schema step 5: KB articles, one document per translation (source ids as
/// [`super::text::DocKind::Kb`] says; `char(31)` is its separator).
pub(crate) const KB_MIGRATION: &str = r#"
    CREATE TRIGGER search_kb_insert AFTER INSERT ON kb_articles BEGIN
        INSERT INTO search_pending(kind, source_id)
            SELECT 5, NEW.id || char(31) || key FROM json_each(NEW.body, '$.translations');
    END;
    -- Old and new languages both: a translation removed must leave the index.
    CREATE TRIGGER search_kb_update AFTER UPDATE ON kb_articles BEGIN
        INSERT INTO search_pending(kind, source_id)
            SELECT 5, OLD.id || char(31) || key FROM json_each(OLD.body, '$.translations')
            UNION
            SELECT 5, NEW.id || char(31) || key FROM json_each(NEW.body, '$.translations');
    END;
    CREATE TRIGGER search_kb_delete AFTER DELETE ON kb_articles BEGIN
        INSERT INTO search_pending(kind, source_id)
            SELECT 5, OLD.id || char(31) || key FROM json_each(OLD.body, '$.translations');
    END;
    INSERT INTO search_pending(kind, source_id)
        SELECT 5, a.id || char(31) || j.key
        FROM kb_articles a, json_each(a.body, '$.translations') j;
"#;
