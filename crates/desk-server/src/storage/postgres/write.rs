//! Writing records (customers, transactions, tickets, messages, macros, KB articles,
//! incidents, SLA policies) on PostgreSQL: look up, plan in memory, then send every
//! statement in one pipeline.
//!
//! Every writer holds the feed's version row from its bump to its commit (see
//! `records.rs`), so the time it holds it bounds the write throughput of the whole feed.
//! Hence: statements are prepared before the bump; the bump and one lookup (existing ticket
//! numbers, stored message ids, the highest number) go out together; the plan is made in
//! memory; then all record statements go out at once (tokio-postgres sends requests that
//! are polled together without waiting for each answer) and the server runs them in order.
//! Three round trips hold the lock, however many records the batch has.

use std::collections::{HashMap, HashSet};

use deadpool_postgres::Transaction;
use desk_core::wire::Change;
use futures_util::future::try_join_all;
use tokio_postgres::Statement;
use tokio_postgres::types::ToSql;

use super::Ctx;
use super::records::{BUMP_VERSION, FeedWriter, encode, encode_record};
use crate::error::{Error, Result};
use crate::storage::{WriteReceipt, refuse_nul};

/// Runs right after the bump, so its snapshot (READ COMMITTED: one per statement) already
/// holds every earlier writer's records: the numbers and ids it returns are final for us.
const LOOKUP: &str = "SELECT 'ticket'::text, id, number, record->>'group' FROM tickets
         WHERE id = ANY($1::text[])
     UNION ALL SELECT 'message', id, NULL::bigint, NULL::text FROM messages
         WHERE id = ANY($2::text[])
     UNION ALL SELECT 'max', NULL::text, coalesce(max(number), 0), NULL::text FROM tickets";

// Each upsert writes the record and its change row in one statement. The change row
// replaces the record's older change, so the feed keeps only the latest.
const UPSERT_CUSTOMER: &str = "WITH upsert AS (
         INSERT INTO customers (id, platform_user_id, updated_at, record)
         VALUES ($1, $2, $3, $4::text::json)
         ON CONFLICT (id) DO UPDATE
             SET platform_user_id = excluded.platform_user_id,
                 updated_at = excluded.updated_at, record = excluded.record)
     INSERT INTO changes (version, ord, kind, record_id, body)
     VALUES ($5, $6, 'customer', $1, $4::text::json)
     ON CONFLICT (kind, record_id) DO UPDATE
         SET version = excluded.version, ord = excluded.ord, body = excluded.body";

const UPSERT_WALLET_TRANSACTION: &str = "WITH upsert AS (
         INSERT INTO wallet_transactions (id, customer_id, status, tx_hash, updated_at, record)
         VALUES ($1, $2, $3, $4, $5, $6::text::json)
         ON CONFLICT (id) DO UPDATE
             SET customer_id = excluded.customer_id, status = excluded.status,
                 tx_hash = excluded.tx_hash, updated_at = excluded.updated_at,
                 record = excluded.record)
     INSERT INTO changes (version, ord, kind, record_id, body)
     VALUES ($7, $8, 'wallet_transaction', $1, $6::text::json)
     ON CONFLICT (kind, record_id) DO UPDATE
         SET version = excluded.version, ord = excluded.ord, body = excluded.body";

/// The number is written on insert only: an existing ticket keeps the one it has.
const UPSERT_TICKET: &str = "WITH upsert AS (
         INSERT INTO tickets (id, number, customer_id, status, priority, category,
                              assignee_id, created_at, updated_at, record)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text::json)
         ON CONFLICT (id) DO UPDATE
             SET customer_id = excluded.customer_id, status = excluded.status,
                 priority = excluded.priority, category = excluded.category,
                 assignee_id = excluded.assignee_id, updated_at = excluded.updated_at,
                 record = excluded.record)
     INSERT INTO changes (version, ord, kind, record_id, body, scope_group)
     VALUES ($11, $12, 'ticket', $1, $10::text::json, $13)
     ON CONFLICT (kind, record_id) DO UPDATE
         SET version = excluded.version, ord = excluded.ord, body = excluded.body,
             scope_group = excluded.scope_group";

/// Only planned for messages the lookup did not find; `DO NOTHING` is a second guard.
const INSERT_MESSAGE: &str = "WITH inserted AS (
         INSERT INTO messages (id, ticket_id, kind, created_at, record)
         VALUES ($1, $2, $3, $4, $5::text::json)
         ON CONFLICT (id) DO NOTHING
         RETURNING id)
     -- Its ticket is written first, by an earlier statement or transaction.
     INSERT INTO changes (version, ord, kind, record_id, body, scope_group)
     SELECT $6, $7, 'message', id, $5::text::json,
            (SELECT record->>'group' FROM tickets WHERE id = $2) FROM inserted
     ON CONFLICT (kind, record_id) DO UPDATE
         SET version = excluded.version, ord = excluded.ord, body = excluded.body";

/// A customer's addresses, for finding them by the address a mail comes from: dropped,
/// then written again, by the two statements after each customer's upsert.
const DROP_CUSTOMER_EMAILS: &str = "DELETE FROM customer_emails WHERE customer_id = $1";
const ADD_CUSTOMER_EMAILS: &str = "INSERT INTO customer_emails (email_key, customer_id)
     SELECT DISTINCT e, $2 FROM unnest($1::text[]) e ON CONFLICT DO NOTHING";

/// The files a new message carries, for who may fetch them.
const ADD_MESSAGE_FILES: &str = "INSERT INTO message_files (sha256, message_id, ticket_id)
     SELECT DISTINCT f, $2, $3 FROM unnest($1::text[]) f ON CONFLICT DO NOTHING";

/// Its ticket is written first, by an earlier statement or transaction.
const UPSERT_DELIVERY: &str = "WITH upsert AS (
         INSERT INTO deliveries (id, ticket_id, state, due_at, record)
         VALUES ($1, $2, $3, $4, $5::text::json)
         ON CONFLICT (id) DO UPDATE
             SET state = excluded.state, due_at = excluded.due_at, record = excluded.record)
     INSERT INTO changes (version, ord, kind, record_id, body, scope_group)
     VALUES ($6, $7, 'delivery', $1, $5::text::json,
             (SELECT record->>'group' FROM tickets WHERE id = $2))
     ON CONFLICT (kind, record_id) DO UPDATE
         SET version = excluded.version, ord = excluded.ord, body = excluded.body,
             scope_group = excluded.scope_group";

const UPSERT_RECORD: &str = "WITH upsert AS (
         INSERT INTO records (kind, id, record) VALUES ($1, $2, $3::text::json)
         ON CONFLICT (kind, id) DO UPDATE SET record = excluded.record)
     INSERT INTO changes (version, ord, kind, record_id, body)
     VALUES ($4, $5, $1, $2, $3::text::json)
     ON CONFLICT (kind, record_id) DO UPDATE
         SET version = excluded.version, ord = excluded.ord, body = excluded.body";

/// The change that takes a moved ticket from consoles of its old group ($5) that do not
/// see its new one ($6).
const UPSERT_LEFT_SCOPE: &str = "INSERT INTO changes
         (version, ord, kind, record_id, body, scope_group, scope_unless)
     VALUES ($1, $2, 'left_scope', $3, $4::text::json, $5, $6)
     ON CONFLICT (kind, record_id) DO UPDATE
         SET version = excluded.version, ord = excluded.ord, body = excluded.body,
             scope_group = excluded.scope_group, scope_unless = excluded.scope_unless";

/// A moved ticket's messages, in feed order, to re-send under its new group.
const CONVERSATION_CHANGES: &str = "SELECT c.record_id FROM messages m
     JOIN changes c ON c.kind = 'message' AND c.record_id = m.id
     WHERE m.ticket_id = $1 ORDER BY c.version, c.ord";

/// A moved ticket's deliveries, after its messages, to re-send under its new group.
const DELIVERY_CHANGES: &str = "SELECT c.record_id FROM deliveries d
     JOIN changes c ON c.kind = 'delivery' AND c.record_id = d.id
     WHERE d.ticket_id = $1 ORDER BY c.version, c.ord";

const RESTAMP_MESSAGE: &str = "UPDATE changes SET version = $1, ord = $2, scope_group = $3
     WHERE kind = 'message' AND record_id = $4";

const RESTAMP_DELIVERY: &str = "UPDATE changes SET version = $1, ord = $2, scope_group = $3
     WHERE kind = 'delivery' AND record_id = $4";

struct Statements {
    bump: Statement,
    left_scope: Statement,
    lookup: Statement,
    customer: Statement,
    wallet_transaction: Statement,
    ticket: Statement,
    message: Statement,
    delivery: Statement,
    record: Statement,
    drop_emails: Statement,
    add_emails: Statement,
    add_files: Statement,
}

impl Statements {
    /// From the connection's cache: no round trip once a connection has prepared them.
    async fn prepare(tx: &Transaction<'_>) -> Result<Self> {
        let prepare = |sql: &'static str| async move {
            tx.prepare_cached(sql)
                .await
                .ctx("prepare a record statement")
        };
        Ok(Self {
            bump: prepare(BUMP_VERSION).await?,
            left_scope: prepare(UPSERT_LEFT_SCOPE).await?,
            lookup: prepare(LOOKUP).await?,
            customer: prepare(UPSERT_CUSTOMER).await?,
            wallet_transaction: prepare(UPSERT_WALLET_TRANSACTION).await?,
            ticket: prepare(UPSERT_TICKET).await?,
            message: prepare(INSERT_MESSAGE).await?,
            delivery: prepare(UPSERT_DELIVERY).await?,
            drop_emails: prepare(DROP_CUSTOMER_EMAILS).await?,
            add_emails: prepare(ADD_CUSTOMER_EMAILS).await?,
            add_files: prepare(ADD_MESSAGE_FILES).await?,
            record: prepare(UPSERT_RECORD).await?,
        })
    }
}

type Param = Box<dyn ToSql + Sync + Send>;

/// One statement of the pipeline with the values it binds.
struct Step<'s> {
    statement: &'s Statement,
    params: Vec<Param>,
}

/// What the lookup found.
#[derive(Default)]
struct Existing {
    /// Stored tickets' numbers and groups.
    numbers: HashMap<String, (i64, Option<String>)>,
    messages: HashSet<String>,
    next_number: i64,
}

pub(super) async fn write_records(
    tx: &Transaction<'_>,
    records: Vec<Change>,
) -> Result<WriteReceipt> {
    check(&records)?;
    let statements = Statements::prepare(tx).await?;
    let (ticket_ids, message_ids) = (ids(&records, "ticket"), ids(&records, "message"));
    let lookup_params: [&(dyn ToSql + Sync); 2] = [&ticket_ids, &message_ids];
    // Sent together; the server runs the lookup once the bump holds the version row.
    let (bumped, found) = tokio::try_join!(
        tx.query_one(&statements.bump, &[]),
        tx.query(&statements.lookup, &lookup_params),
    )
    .ctx("bump the feed version and look up stored records")?;
    let mut feed = FeedWriter::at(bumped.get(0));
    let stored = finish(tx, &statements, &mut feed, &found, records).await?;
    Ok(WriteReceipt {
        last_position: feed.last(),
        records: stored,
    })
}

/// Writes `records` inside a transaction that already bumped the feed version into
/// `feed` (a push): its lookup runs after the bump, so it sees every earlier writer.
pub(super) async fn write_after_bump(
    tx: &Transaction<'_>,
    feed: &mut FeedWriter,
    records: Vec<Change>,
) -> Result<Vec<Change>> {
    check(&records)?;
    let statements = Statements::prepare(tx).await?;
    let (ticket_ids, message_ids) = (ids(&records, "ticket"), ids(&records, "message"));
    let found = tx
        .query(&statements.lookup, &[&ticket_ids, &message_ids])
        .await
        .ctx("look up stored records")?;
    finish(tx, &statements, feed, &found, records).await
}

fn check(records: &[Change]) -> Result<()> {
    if let Some(Change::LeftScope(left)) =
        records.iter().find(|c| matches!(c, Change::LeftScope(_)))
    {
        return Err(Error::Internal(format!(
            "{} is written by the ticket's move, not as a record",
            left.id
        )));
    }
    if let Some(Change::Agent(agent)) = records.iter().find(|c| matches!(c, Change::Agent(_))) {
        return Err(Error::Internal(format!(
            "agent {} must be written through the agent operations, not as a record",
            agent.id
        )));
    }
    records.iter().try_for_each(refuse_nul)
}

fn ids<'r>(records: &'r [Change], kind: &str) -> Vec<&'r str> {
    records
        .iter()
        .filter(|c| c.kind() == kind)
        .map(Change::id)
        .collect()
}

/// Plans the writes from the lookup's rows and sends them all in one pipeline.
async fn finish(
    tx: &Transaction<'_>,
    statements: &Statements,
    feed: &mut FeedWriter,
    found: &[tokio_postgres::Row],
    records: Vec<Change>,
) -> Result<Vec<Change>> {
    let mut existing = Existing::default();
    for row in found {
        match row.get::<_, &str>(0) {
            "ticket" => {
                existing
                    .numbers
                    .insert(row.get(1), (row.get(2), row.get(3)));
            }
            "message" => {
                existing.messages.insert(row.get(1));
            }
            _ => existing.next_number = row.get::<_, i64>(2) + 1,
        }
    }
    let (steps, stored, moved) = plan(statements, feed, &mut existing, records)?;
    let params: Vec<Vec<&(dyn ToSql + Sync)>> = steps
        .iter()
        .map(|step| {
            step.params
                .iter()
                .map(|p| p.as_ref() as &(dyn ToSql + Sync))
                .collect()
        })
        .collect();
    try_join_all(
        steps
            .iter()
            .zip(&params)
            .map(|(step, params)| tx.execute(step.statement, params)),
    )
    .await
    .ctx("write records")?;
    for (ticket_id, group) in moved {
        restamp_conversation(tx, feed, &ticket_id, group).await?;
    }
    Ok(stored)
}

/// A ticket that moved: its messages' changes move to the end of the feed, under its new
/// group, so the consoles it now reaches receive its whole conversation (in order). After
/// the pipeline, so messages written in the same batch are included.
async fn restamp_conversation(
    tx: &Transaction<'_>,
    feed: &mut FeedWriter,
    ticket_id: &str,
    group: Option<String>,
) -> Result<()> {
    restamp(
        tx,
        feed,
        ticket_id,
        &group,
        CONVERSATION_CHANGES,
        RESTAMP_MESSAGE,
    )
    .await?;
    restamp(
        tx,
        feed,
        ticket_id,
        &group,
        DELIVERY_CHANGES,
        RESTAMP_DELIVERY,
    )
    .await
}

/// Moves the changes `select` finds for a moved ticket to the end of the feed with
/// `update`, in their order.
async fn restamp(
    tx: &Transaction<'_>,
    feed: &mut FeedWriter,
    ticket_id: &str,
    group: &Option<String>,
    select: &str,
    update: &str,
) -> Result<()> {
    let rows = tx
        .query(select, &[&ticket_id])
        .await
        .ctx("read the moved ticket's conversation")?;
    let statement = tx.prepare_cached(update).await.ctx("prepare restamp")?;
    let moves: Vec<(i64, i64, String)> = rows
        .iter()
        .map(|row| {
            let p = feed.advance();
            (p.version, p.ord, row.get::<_, String>(0))
        })
        .collect();
    let params: Vec<[&(dyn ToSql + Sync); 4]> = moves
        .iter()
        .map(|(version, ord, id)| -> [&(dyn ToSql + Sync); 4] { [version, ord, group, id] })
        .collect();
    try_join_all(params.iter().map(|p| tx.execute(&statement, p)))
        .await
        .ctx("re-send the moved ticket's conversation")?;
    Ok(())
}

/// Tickets that moved to another group, with the group they moved to.
type Moved = Vec<(String, Option<String>)>;

/// The statements for `records` in order, the records as stored (tickets numbered), and
/// the tickets that moved. Positions are taken in order; a message already stored takes
/// none, as on SQLite.
fn plan<'s>(
    statements: &'s Statements,
    feed: &mut FeedWriter,
    existing: &mut Existing,
    records: Vec<Change>,
) -> Result<(Vec<Step<'s>>, Vec<Change>, Moved)> {
    let mut steps = Vec::with_capacity(records.len());
    let mut stored = Vec::with_capacity(records.len());
    let mut moved = Moved::new();
    for record in records {
        match record {
            Change::Customer(c) => {
                let p = feed.advance();
                steps.push(Step {
                    statement: &statements.customer,
                    params: vec![
                        Box::new(c.id.clone()),
                        Box::new(c.platform_user_id.clone()),
                        Box::new(c.updated_at),
                        Box::new(encode(&c)?),
                        Box::new(p.version),
                        Box::new(p.ord),
                    ],
                });
                let emails: Vec<String> = c
                    .emails
                    .iter()
                    .map(|e| crate::storage::email_key(e))
                    .collect();
                steps.push(Step {
                    statement: &statements.drop_emails,
                    params: vec![Box::new(c.id.clone())],
                });
                steps.push(Step {
                    statement: &statements.add_emails,
                    params: vec![Box::new(emails), Box::new(c.id.clone())],
                });
                stored.push(Change::Customer(c));
            }
            Change::WalletTransaction(t) => {
                let p = feed.advance();
                steps.push(Step {
                    statement: &statements.wallet_transaction,
                    params: vec![
                        Box::new(t.id.clone()),
                        Box::new(t.customer_id.clone()),
                        Box::new(t.status.as_str()),
                        Box::new(t.tx_hash.clone()),
                        Box::new(t.updated_at),
                        Box::new(encode(&t)?),
                        Box::new(p.version),
                        Box::new(p.ord),
                    ],
                });
                stored.push(Change::WalletTransaction(t));
            }
            Change::Ticket(mut t) => {
                // The number is the server's: a client's guess is ignored.
                let number = match existing.numbers.get_mut(&t.id) {
                    Some((number, group)) => {
                        if *group != t.group {
                            if let Some(new) = &t.group {
                                // To no group, everyone sees it and nobody loses it.
                                let left = desk_core::wire::LeftScope::new(&t.id, group.as_deref());
                                let p = feed.advance();
                                steps.push(Step {
                                    statement: &statements.left_scope,
                                    params: vec![
                                        Box::new(p.version),
                                        Box::new(p.ord),
                                        Box::new(left.id.clone()),
                                        Box::new(encode(&left)?),
                                        Box::new(group.clone()),
                                        Box::new(new.clone()),
                                    ],
                                });
                            }
                            moved.push((t.id.clone(), t.group.clone()));
                            // A later write of the same ticket in this batch compares with this.
                            *group = t.group.clone();
                        }
                        *number
                    }
                    None => {
                        let number = existing.next_number;
                        existing.next_number += 1;
                        existing
                            .numbers
                            .insert(t.id.clone(), (number, t.group.clone()));
                        number
                    }
                };
                t.number = Some(number);
                let p = feed.advance();
                steps.push(Step {
                    statement: &statements.ticket,
                    params: vec![
                        Box::new(t.id.clone()),
                        Box::new(number),
                        Box::new(t.customer_id.clone()),
                        Box::new(t.status.as_str()),
                        Box::new(t.priority.as_str()),
                        Box::new(t.category.as_str()),
                        Box::new(t.assignee_id.clone()),
                        Box::new(t.created_at),
                        Box::new(t.updated_at),
                        Box::new(encode(&t)?),
                        Box::new(p.version),
                        Box::new(p.ord),
                        Box::new(t.group.clone()),
                    ],
                });
                stored.push(Change::Ticket(t));
            }
            Change::Message(m) => {
                // Messages are append-only: one already stored is never replaced and
                // produces no change.
                if existing.messages.insert(m.id.clone()) {
                    let p = feed.advance();
                    steps.push(Step {
                        statement: &statements.message,
                        params: vec![
                            Box::new(m.id.clone()),
                            Box::new(m.ticket_id.clone()),
                            Box::new(m.kind.as_str()),
                            Box::new(m.created_at),
                            Box::new(encode(&m)?),
                            Box::new(p.version),
                            Box::new(p.ord),
                        ],
                    });
                    if !m.attachments.is_empty() {
                        let files: Vec<String> =
                            m.attachments.iter().map(|a| a.sha256.clone()).collect();
                        steps.push(Step {
                            statement: &statements.add_files,
                            params: vec![
                                Box::new(files),
                                Box::new(m.id.clone()),
                                Box::new(m.ticket_id.clone()),
                            ],
                        });
                    }
                }
                stored.push(Change::Message(m));
            }
            Change::Delivery(d) => {
                let p = feed.advance();
                steps.push(Step {
                    statement: &statements.delivery,
                    params: vec![
                        Box::new(d.id.clone()),
                        Box::new(d.ticket_id.clone()),
                        Box::new(d.state.as_str()),
                        Box::new(d.due_at()),
                        Box::new(encode(&d)?),
                        Box::new(p.version),
                        Box::new(p.ord),
                    ],
                });
                stored.push(Change::Delivery(d));
            }
            // Records nothing on the server queries by field yet: one generic table.
            change @ (Change::Macro(_)
            | Change::KbArticle(_)
            | Change::Incident(_)
            | Change::SlaPolicy(_)
            | Change::Group(_)) => {
                let p = feed.advance();
                steps.push(Step {
                    statement: &statements.record,
                    params: vec![
                        Box::new(change.kind()),
                        Box::new(change.id().to_owned()),
                        Box::new(encode_record(&change)?),
                        Box::new(p.version),
                        Box::new(p.ord),
                    ],
                });
                stored.push(change);
            }
            Change::Agent(agent) => {
                return Err(Error::Internal(format!(
                    "agent {} must be written through the agent operations",
                    agent.id
                )));
            }
            // Refused by `check` before anything is planned.
            Change::LeftScope(left) => {
                return Err(Error::Internal(format!(
                    "{} is written by the ticket's move, not as a record",
                    left.id
                )));
            }
        }
    }
    Ok((steps, stored, moved))
}
