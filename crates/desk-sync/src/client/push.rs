//! Sending the agent's queued work (DESIGN.md §4 Offline, §5): batches in `seq` order, each
//! answer recorded in the cache, and what a failed push means for the work it carried.
//!
//! **A refusal is final, not a retry.** A push that fails for the moment (offline, the
//! server busy or its database away, a sign-in to renew) leaves everything queued for the
//! next sync. Any other failure is the server refusing what it was sent, and the action
//! it refused becomes `rejected` with the failure's `{code, message}`, shown like any
//! rejection the server answers (see [`Error::refuses_pushed_actions`]): a server bug
//! answering one action with `internal` must not keep it, and everything queued behind it,
//! "pending" for ever. To find which action of a batch it was, the batch is sent again one
//! mutation at a time: only the one the server fails on is rejected, the others go. The
//! agent sends a rejected action again by hand ([`Client::retry_rejected`]) or discards it.

use desk_core::view::SyncPhase;
use desk_core::wire::{Acknowledgement, PushRequest, PushResponse, SCHEMA_VERSION};
use desk_core::{ApiError, Mutation, MutationResult};

use super::{Account, Bump, SyncReport, attachments, lock, new_id, now_ms};
use crate::api::{Api, is_unauthorized};
use crate::{Client, Error, Result};

/// Most mutations per push request (the server takes up to 200).
const PUSH_BATCH: u32 = 100;

impl Client {
    /// Sends the signed-in agent's queued mutations, oldest first, and records each
    /// answer. Stops at the first failure of the moment (the next sync resumes: the server
    /// answers a resent mutation with its first answer, so nothing applies twice); a
    /// refusal rejects the action refused and carries on with the rest.
    pub(super) async fn push_pending(
        &self,
        api: &Api,
        account: &Account,
        report: &mut SyncReport,
    ) -> Result<()> {
        let to_send = self.pending_count(account)?;
        let mut sent = 0;
        loop {
            let mut batch = lock(&self.store).next_batch(&account.agent.id, PUSH_BATCH)?;
            if batch.is_empty() {
                return Ok(());
            }
            // Before the files: a big one takes a while to upload.
            self.progress
                .report(SyncPhase::Sending, false, sent, Some(to_send));
            // A reply goes only once its files are on the server.
            let stopped = match self
                .upload_files_for(api, &account.agent.id, &batch)
                .await?
            {
                attachments::FilesReady::All => None,
                attachments::FilesReady::First(ready, why) => {
                    batch.truncate(ready);
                    Some(why)
                }
                attachments::FilesReady::Rejected(answer) => {
                    report.answers.push(answer);
                    continue;
                }
            };
            if batch.is_empty() {
                return Err(stopped.expect("a batch is cut short only with a reason"));
            }
            let answered = self.push_batch(api, &batch, report).await?;
            sent += answered as u64;
            if let Some(why) = stopped {
                // What could go went; the rest waits for its files.
                return Err(why);
            }
            if answered < batch.len() {
                // The server left some unanswered: resending now would loop. The next
                // sync tries again.
                return Ok(());
            }
        }
    }

    /// Pushes one batch and records what became of it; returns how many of its
    /// mutations (from the first) are settled: answered, or rejected here. A failure of
    /// the moment is returned, and the work stays queued. When the server refuses the
    /// request as a whole, the batch is sent again one mutation at a time, so that only
    /// the mutation it fails on is rejected (a request of one that is refused rejects that
    /// one). Resending is harmless: the server answers a mutation it already decided with
    /// its first answer.
    async fn push_batch(
        &self,
        api: &Api,
        batch: &[Mutation],
        report: &mut SyncReport,
    ) -> Result<usize> {
        let refusal = match self.push_once(api, batch).await {
            Ok(response) => return self.record(response, report),
            Err(e) if !e.refuses_pushed_actions() => return Err(e),
            Err(e) => e,
        };
        if let [only] = batch {
            self.reject(only, &refusal, report)?;
            return Ok(1);
        }
        tracing::info!(
            mutations = batch.len(),
            code = %refusal.code(),
            error = %refusal,
            "the server refused a push as a whole; sending its mutations one at a time"
        );
        for (done, m) in batch.iter().enumerate() {
            match self.push_once(api, std::slice::from_ref(m)).await {
                Ok(response) => {
                    if self.record(response, report)? == 0 {
                        return Ok(done);
                    }
                }
                Err(e) if e.refuses_pushed_actions() => self.reject(m, &e, report)?,
                Err(e) => return Err(e),
            }
        }
        Ok(batch.len())
    }

    /// One push request, with a fresh access token once if the server refused the one
    /// it was sent with (expired or revoked between our check and its own).
    async fn push_once(&self, api: &Api, mutations: &[Mutation]) -> Result<PushResponse> {
        let request = PushRequest {
            schema_version: SCHEMA_VERSION,
            mutations: mutations.to_vec(),
        };
        let mut retried_auth = false;
        loop {
            let access = self.access_token(api).await?;
            match api.push(&access, &request).await {
                Err(e) if is_unauthorized(&e) && !retried_auth => {
                    retried_auth = true;
                    self.forget_access();
                }
                answered => return answered,
            }
        }
    }

    /// Records the server's answers in the cache; returns how many it gave.
    fn record(&self, response: PushResponse, report: &mut SyncReport) -> Result<usize> {
        let answered = response.results.len();
        let mut store = lock(&self.store);
        for ack in response.results {
            if store.acknowledge(&ack.mutation_id, &ack.result)? {
                report.answers.push(ack);
            }
        }
        Ok(answered)
    }

    /// The server refused `m` with `why`: it is rejected with that `{code, message}`, as
    /// if the server had answered so, and undone in the cache.
    fn reject(&self, m: &Mutation, why: &Error, report: &mut SyncReport) -> Result<()> {
        // Info, not a warning: the agent reads it in the outbox, and the CLI's stderr
        // (warnings and up) stays the `{code, message}` it promises.
        tracing::info!(mutation = %m.id, code = %why.code(), error = %why, "push refused; the action is rejected");
        let refused = ApiError::from(why);
        let result = MutationResult::Rejected {
            code: refused.code,
            reason: refused.message,
        };
        if lock(&self.store).acknowledge(&m.id, &result)? {
            report.answers.push(Acknowledgement {
                mutation_id: m.id.clone(),
                result,
            });
        }
        Ok(())
    }

    /// The agent sends a rejected action again: it is queued as a new mutation (new id,
    /// next seq) with the same action, shown again at once, and the next sync sends it.
    /// The rules decide again first, on the ticket as it is now: an action they refuse
    /// now is refused with their reason, and the entry stays rejected.
    pub fn retry_rejected(&self, mutation_id: &str) -> Result<Mutation> {
        let account = self.account()?.ok_or(Error::NotSignedIn)?;
        let _bump = Bump(&self.revision);
        Ok(lock(&self.store).retry_rejected(&account.agent, mutation_id, now_ms(), new_id)?)
    }
}
