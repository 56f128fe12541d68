//! Where an intake round's time goes: the steps of `desk_server::intake::fetch_round`
//! (and its `store`), taken one by one with a timer each, on a fresh store of the same
//! backend. The product's code is called for every step; only the loop around them is
//! written again here, so the sum comes out close to the measured rate.

use std::time::{Duration, Instant};

use anyhow::Context;
use desk_mail::{ImapSource, Limits};
use desk_server::audit::Actor;
use desk_server::config::Mailbox;
use desk_server::storage::{IngestBatch, MailboxPlace};
use desk_server::{AppState, Error, intake};

#[derive(Debug, Default)]
pub struct Split {
    pub mails: usize,
    /// SELECT, the stored place, UID SEARCH and FETCH (the IMAP side with one read).
    pub fetch: Duration,
    /// MIME parse and the ingestion item.
    pub parse: Duration,
    /// `Storage::ingest`: one transaction per mail (lookups, records, threads, audit row,
    /// the mailbox's place, commit).
    pub ingest: Duration,
    /// `Storage::advance_mailbox_cursor`, for the mails whose place did not move with an
    /// ingestion (refused or stored before): a transaction of a single row.
    pub cursor: Duration,
    /// The ingest transactions again, by how many Message-IDs the mail names to thread by
    /// (In-Reply-To and References): none, 1–3, 4 or more. Each is looked up on its own.
    pub ingest_by_ids: [(usize, Duration); 3],
}

impl Split {
    pub fn line(&self) -> String {
        let per = |d: Duration| d.as_secs_f64() * 1000.0 / self.mails.max(1) as f64;
        let total = self.fetch + self.parse + self.ingest + self.cursor;
        format!(
            "per mail {:.2} ms: fetch {:.2}, parse {:.2}, ingest transaction {:.2}, \
             place of a refused mail {:.2} ({} mails)",
            per(total),
            per(self.fetch),
            per(self.parse),
            per(self.ingest),
            per(self.cursor),
            self.mails
        )
    }

    pub fn by_ids_line(&self) -> String {
        let [none, few, many] = self.ingest_by_ids.map(|(n, d)| {
            format!(
                "{:.2} ms ({n} mails)",
                d.as_secs_f64() * 1000.0 / n.max(1) as f64
            )
        });
        format!(
            "ingest transaction by Message-IDs to thread by: none {none}, 1–3 {few}, \
             4 or more {many}"
        )
    }
}

const BATCH: usize = 50;
const NONCE_DAYS: i64 = 30;

pub async fn split(state: &AppState, mailbox: &Mailbox, limit: usize) -> anyhow::Result<Split> {
    let storage = state.storage();
    let mut source = ImapSource::connect(&mailbox.imap)
        .await
        .context("connect to Dovecot")?
        .with_max_bytes(Limits::default().max_bytes);
    let mut split = Split::default();
    while split.mails < limit {
        let started = Instant::now();
        let folder = source.select().await?;
        let after = storage
            .mailbox_cursor(&mailbox.address)
            .await?
            .map_or(0, |(_, last)| last);
        let fetched = source
            .fetch_after(after, BATCH.min(limit - split.mails))
            .await?;
        split.fetch += started.elapsed();
        if fetched.is_empty() {
            break;
        }
        for mail in &fetched {
            let started = Instant::now();
            let parsed = desk_mail::parse(&mail.raw, &Limits::default()).ok();
            let ids = parsed.as_ref().map_or(0, |p| {
                let mut ids: Vec<&String> =
                    p.in_reply_to.iter().chain(p.references.iter()).collect();
                ids.sort_unstable();
                ids.dedup();
                ids.len()
            });
            let item = parsed.map(|parsed| intake::item(parsed, &mail.raw, mailbox));
            split.parse += started.elapsed();

            let started = Instant::now();
            let mut moved = false;
            if let Some(item) = item {
                let now = state.now_ms();
                let batch = IngestBatch {
                    nonce: format!(
                        "mail:{}:{}:{}",
                        mailbox.address, folder.uid_validity, mail.uid
                    ),
                    nonce_expires_at: now + NONCE_DAYS * 24 * 3_600_000,
                    now,
                    actor: Actor::Ingest(format!("mailbox:{}", mailbox.address)),
                    items: vec![item],
                    // The place moves in the ingestion's transaction, as intake does it.
                    mailbox_place: Some(MailboxPlace {
                        address: mailbox.address.clone(),
                        uid_validity: folder.uid_validity,
                        uid: mail.uid,
                    }),
                };
                match storage.ingest(batch).await {
                    Ok(_) => moved = true,
                    Err(Error::BadRequest(_) | Error::Conflict(_) | Error::Unauthorized(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            let took = started.elapsed();
            split.ingest += took;
            let bucket = &mut split.ingest_by_ids[match ids {
                0 => 0,
                1..=3 => 1,
                _ => 2,
            }];
            bucket.0 += 1;
            bucket.1 += took;

            let started = Instant::now();
            if !moved {
                storage
                    .advance_mailbox_cursor(&mailbox.address, folder.uid_validity, mail.uid)
                    .await?;
            }
            split.cursor += started.elapsed();
            split.mails += 1;
        }
    }
    Ok(split)
}
