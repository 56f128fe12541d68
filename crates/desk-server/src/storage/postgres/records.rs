//! The change feed in PostgreSQL: appending changes, the stored shape of a change, pulling.
//! Writing records is `write.rs`.
//!
//! # Why the feed is commit-ordered (DESIGN.md §4)
//!
//! A sequence or `updated_at` would not do: their values are handed out before commit, so
//! a transaction holding position 5 can commit after one holding 6, and a reader that has
//! already moved its cursor past 6 never sees 5. Instead every writing transaction first
//! runs `UPDATE feed_version SET version = version + 1 RETURNING version` on a single row
//! ([`FeedWriter::begin`]) and stamps its change rows `(version, ord)`. The row lock it
//! takes is held until the transaction ends, so the next writer's `UPDATE` waits and then
//! reads the committed value: versions are handed out in lock order, one at a time.
//! PostgreSQL makes a committing transaction visible to new snapshots *before* it releases
//! its locks (`CommitTransaction` in xact.c: "Let others know about no transaction in
//! progress by me. Note that this must be done _before_ releasing locks we hold"). So by
//! the time writer `v + 1` holds the lock, writer `v` is visible to every new snapshot, and
//! any snapshot that sees version `v + 1` also sees every version below it: what a reader
//! can see is always a prefix of the feed, and a cursor never passes a change that commits
//! later. A rolled-back writer leaves a gap in the versions, which is harmless.
//!
//! Ticket numbers are assigned after the bump, from `max(number) + 1` read by a statement
//! that runs once the bump holds the lock (`write.rs`): under READ COMMITTED each
//! statement takes a fresh snapshot, which already includes the previous lock holder, so
//! numbers are unique, gap-free and increasing in commit order, as on SQLite.

use deadpool_postgres::{Client, Transaction};
use desk_core::wire::{Acknowledgement, Change};
use serde::Serialize;

use super::Ctx;
use crate::error::{Error, Result};
use crate::feed::{FeedPosition, Scope};
use crate::storage::{
    FeedPage, Pulled, StoredChange, decode_result, merge_page, message_ids, message_tickets,
    trim_rows,
};

/// The bump every writing transaction starts with. Its row lock is held until commit.
pub(super) const BUMP_VERSION: &str =
    "UPDATE feed_version SET version = version + 1 WHERE id = 1 RETURNING version";

/// Upserts a change row: a record's older change is replaced, so the feed keeps only the
/// latest change of each record. Parameters: version, ord, kind, record_id, body.
const UPSERT_CHANGE: &str = "INSERT INTO changes (version, ord, kind, record_id, body)
     VALUES ($1, $2, $3, $4, $5::text::json)
     ON CONFLICT (kind, record_id) DO UPDATE
         SET version = excluded.version, ord = excluded.ord, body = excluded.body";

/// Appends changes for one transaction. Create it before the transaction's other writes:
/// its row lock is what orders this transaction among all writers.
pub(super) struct FeedWriter {
    version: i64,
    next_ord: i64,
}

impl FeedWriter {
    pub(super) async fn begin(tx: &Transaction<'_>) -> Result<Self> {
        let statement = tx
            .prepare_cached(BUMP_VERSION)
            .await
            .ctx("prepare feed version bump")?;
        let version: i64 = tx
            .query_one(&statement, &[])
            .await
            .ctx("bump feed version")?
            .get(0);
        Ok(Self {
            version,
            next_ord: 0,
        })
    }

    /// A writer for a version the caller bumped itself (see `write.rs`).
    pub(super) fn at(version: i64) -> Self {
        Self {
            version,
            next_ord: 0,
        }
    }

    /// The next position of this transaction.
    pub(super) fn advance(&mut self) -> FeedPosition {
        let position = FeedPosition {
            version: self.version,
            ord: self.next_ord,
        };
        self.next_ord += 1;
        position
    }

    /// Records that `(kind, record_id)` now has `body`, replacing its older change.
    pub(super) async fn push_raw(
        &mut self,
        tx: &Transaction<'_>,
        kind: &str,
        record_id: &str,
        body: &str,
    ) -> Result<FeedPosition> {
        let position = self.advance();
        let statement = tx
            .prepare_cached(UPSERT_CHANGE)
            .await
            .ctx("prepare append change")?;
        tx.execute(
            &statement,
            &[&position.version, &position.ord, &kind, &record_id, &body],
        )
        .await
        .ctx("append change")?;
        Ok(position)
    }

    pub(super) fn last(&self) -> Option<FeedPosition> {
        (self.next_ord > 0).then(|| FeedPosition {
            version: self.version,
            ord: self.next_ord - 1,
        })
    }
}

pub(super) fn encode<T: Serialize>(record: &T) -> Result<String> {
    serde_json::to_string(record).map_err(|e| Error::Internal(format!("encode record: {e}")))
}

/// The record inside a change, as JSON (the kind is a column). Exhaustive on purpose: a
/// new kind of change must be looked at here and in `write.rs`.
pub(super) fn encode_record(change: &Change) -> Result<String> {
    match change {
        Change::Ticket(r) => encode(r),
        Change::Message(r) => encode(r),
        Change::Customer(r) => encode(r),
        Change::WalletTransaction(r) => encode(r),
        Change::Agent(r) => encode(r),
        Change::Macro(r) => encode(r),
        Change::KbArticle(r) => encode(r),
        Change::Incident(r) => encode(r),
        Change::SlaPolicy(r) => encode(r),
        Change::Group(r) => encode(r),
        Change::Delivery(r) => encode(r),
        Change::LeftScope(r) => encode(r),
    }
}

/// Which changes a scope sees, with its groups as the parameter `$g` (`NULL`: every
/// group). A `left_scope` row tells a grouped console that a ticket moved out of its
/// groups. A literal, so the statements it is spliced into are `&'static str` too.
macro_rules! in_scope {
    ($g:literal) => {
        concat!(
            "CASE WHEN kind = 'left_scope' THEN ",
            $g,
            "::text[] IS NOT NULL
                  AND (scope_group IS NULL OR scope_group = ANY(",
            $g,
            "))
                  AND NOT (scope_unless = ANY(",
            $g,
            "))
             ELSE ",
            $g,
            "::text[] IS NULL OR scope_group IS NULL
                  OR scope_group = ANY(",
            $g,
            ") END"
        )
    };
}
pub(super) use in_scope;

fn position(row: &tokio_postgres::Row) -> FeedPosition {
    FeedPosition {
        version: row.get(0),
        ord: row.get(1),
    }
}

/// The page's changes as read: each with its position, its record passed through. The
/// `json` column keeps the text as it was written (`body::text` hands it back), the same
/// JSON the server encoded: it goes out to consoles as it is.
fn stored_changes<'a>(
    rows: impl IntoIterator<Item = &'a tokio_postgres::Row>,
) -> Result<Vec<(FeedPosition, StoredChange)>> {
    rows.into_iter()
        .map(|row| Ok((position(row), StoredChange::new(row.get(2), row.get(3))?)))
        .collect()
}

fn acknowledgements<'a>(
    rows: impl IntoIterator<Item = &'a tokio_postgres::Row>,
) -> Result<Vec<(FeedPosition, Acknowledgement)>> {
    rows.into_iter()
        .map(|row| {
            let ack = Acknowledgement {
                mutation_id: row.get(2),
                result: decode_result(row.get(3))?,
            };
            Ok((position(row), ack))
        })
        .collect()
}

/// Reads one page that trims nothing in a single statement, which PostgreSQL runs in one
/// snapshot: the floor, the changes and the device's results together, with no
/// transaction around them. This is the pull every console makes after every poke, so it
/// is one round trip instead of five (begin, floor, changes, results, commit).
pub(super) async fn pull_at_once(
    client: &Client,
    after: FeedPosition,
    limit: u32,
    scope: &Scope,
) -> Result<FeedPage> {
    let fetch = i64::from(limit) + 1;
    // `part` tells the rows apart: 0 the floor, 1 a change, 2 a mutation's result; the
    // first columns are those the two-statement pull reads. A device id of NULL (the
    // `All` scope) matches no results.
    let statement = client
        .prepare_cached(concat!(
            "SELECT version, 0::bigint, NULL::text, NULL::text, 0 AS part
               FROM feed_floor WHERE id = 1
             UNION ALL
             (SELECT version, ord, kind, body::text, 1 FROM changes
               WHERE (version, ord) > ($1, $2) AND (",
            in_scope!("$4"),
            ")
               ORDER BY version, ord LIMIT $3)
             UNION ALL
             (SELECT version, ord, id, result, 2 FROM mutations
               WHERE device_id = $5 AND (version, ord) > ($1, $2)
               ORDER BY version, ord LIMIT $3)
             ORDER BY 5, 1, 2"
        ))
        .await
        .ctx("prepare pull")?;
    let rows = client
        .query(
            &statement,
            &[
                &after.version,
                &after.ord,
                &fetch,
                &scope.groups(),
                &scope.device_id(),
            ],
        )
        .await
        .ctx("pull changes")?;
    let part = |n: i32| rows.iter().skip(1).filter(move |r| r.get::<_, i32>(4) == n);
    let floor: i64 = match rows.first() {
        Some(row) if row.get::<_, i32>(4) == 0 => row.get(0),
        _ => return Err(Error::Internal("the feed floor row is missing".into())),
    };
    let changes = stored_changes(part(1))?
        .into_iter()
        .map(|(p, c)| (p, Pulled::Change(c)))
        .collect();
    Ok(merge_page(
        changes,
        acknowledgements(part(2))?,
        limit,
        floor,
    ))
}

/// Reads one page inside `tx`, which the caller opened REPEATABLE READ, READ ONLY: the page
/// is one snapshot, and (see the module comment) every snapshot is a prefix of the feed.
/// A trimming pull (a bootstrap's) needs the second statement that finds the conversations
/// to leave out, in the same snapshot.
pub(super) async fn pull(
    tx: &Transaction<'_>,
    after: FeedPosition,
    limit: u32,
    scope: &Scope,
    closed_before: Option<i64>,
) -> Result<FeedPage> {
    let fetch = i64::from(limit) + 1;
    let changes_statement = tx
        .prepare_cached(concat!(
            "SELECT version, ord, kind, body::text FROM changes
             WHERE (version, ord) > ($1, $2) AND (",
            in_scope!("$4"),
            ")
             ORDER BY version, ord
             LIMIT $3"
        ))
        .await
        .ctx("prepare pull")?;
    let floor: i64 = tx
        .query_one("SELECT version FROM feed_floor WHERE id = 1", &[])
        .await
        .ctx("read the feed floor")?
        .get(0);
    let rows = tx
        .query(
            &changes_statement,
            &[&after.version, &after.ord, &fetch, &scope.groups()],
        )
        .await
        .ctx("pull changes")?;
    let ack_rows = match scope.device_id() {
        None => vec![],
        Some(device_id) => {
            let statement = tx
                .prepare_cached(
                    "SELECT version, ord, id, result FROM mutations
                     WHERE device_id = $1 AND (version, ord) > ($2, $3)
                     ORDER BY version, ord
                     LIMIT $4",
                )
                .await
                .ctx("prepare pull of mutation results")?;
            tx.query(
                &statement,
                &[&device_id, &after.version, &after.ord, &fetch],
            )
            .await
            .ctx("pull mutation results")?
        }
    };
    let changes = stored_changes(&rows)?;
    let changes = match closed_before {
        None => changes
            .into_iter()
            .map(|(p, c)| (p, Pulled::Change(c)))
            .collect(),
        Some(cutoff) => {
            let ids = message_ids(&changes)?;
            let latest = trimmable(tx, &message_tickets(&ids), cutoff).await?;
            trim_rows(changes, ids, &latest)
        }
    };
    let acks = acknowledgements(&ack_rows)?;
    Ok(merge_page(changes, acks, limit, floor))
}

/// Of `tickets`, those solved or closed and idle since before `cutoff` (status, update and
/// last message), each with its latest message's id, ordered as the console's eviction
/// orders them (time, then id byte by byte: `COLLATE "C"`, as SQLite compares text).
async fn trimmable(
    tx: &Transaction<'_>,
    tickets: &[String],
    cutoff: i64,
) -> Result<std::collections::HashMap<String, String>> {
    if tickets.is_empty() {
        return Ok(Default::default());
    }
    let statement = tx
        .prepare_cached(
            r#"SELECT t.id, (SELECT m.id FROM messages m WHERE m.ticket_id = t.id
                            ORDER BY m.created_at DESC, m.id COLLATE "C" DESC LIMIT 1)
               FROM tickets t
               WHERE t.id = ANY($1) AND t.status IN ('solved', 'closed')
                 AND t.updated_at < $2 AND (t.record->>'last_message_at')::bigint < $2"#,
        )
        .await
        .ctx("prepare the search for old closed conversations")?;
    let rows = tx
        .query(&statement, &[&tickets, &cutoff])
        .await
        .ctx("find the page's old closed conversations")?;
    Ok(rows
        .iter()
        .filter_map(|row| Some((row.get(0), row.get::<_, Option<String>>(1)?)))
        .collect())
}

pub(super) async fn ticket_messages(
    tx: &Transaction<'_>,
    ticket_id: &str,
    scope: &Scope,
) -> Result<Option<Vec<desk_core::Message>>> {
    let group: Option<Option<String>> = tx
        .query_opt(
            "SELECT record->>'group' FROM tickets WHERE id = $1",
            &[&ticket_id],
        )
        .await
        .ctx("look up ticket")?
        .map(|row| row.get(0));
    // A ticket outside the caller's groups is as absent as one that never was.
    match group {
        Some(group) if scope.sees(group.as_deref()) => {}
        _ => return Ok(None),
    }
    let rows = tx
        .query(
            "SELECT record::text FROM messages WHERE ticket_id = $1 ORDER BY created_at, id",
            &[&ticket_id],
        )
        .await
        .ctx("read ticket messages")?;
    rows.iter()
        .map(|row| {
            serde_json::from_str(row.get(0))
                .map_err(|e| Error::Internal(format!("decode stored message: {e}")))
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_the_stored_shape() {
        for change in crate::feed::tests::every_kind() {
            let body = encode_record(&change).unwrap();
            assert_eq!(
                StoredChange::new(change.kind(), body)
                    .unwrap()
                    .decode()
                    .unwrap(),
                change,
                "the feed stores the record alone and must rebuild the same change"
            );
        }
    }
}
