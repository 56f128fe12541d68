//! The storage seam: one trait every backend implements, and the plain types it speaks.
//!
//! Backends: SQLite ([`sqlite::SqliteStorage`], embedded, single node) and PostgreSQL
//! ([`postgres::PgStorage`], production, many instances). Nothing backend-specific may
//! appear in this module: no SQL, no connection types, no driver errors. Backends never
//! read a clock; callers pass `now` in.
//!
//! Contract every backend keeps (the conformance suite in tests/api checks both):
//! - Every writing call commits atomically and, when it changes a record the feed carries,
//!   gives the change a feed position whose order is the commit order (DESIGN.md §4).
//! - The feed keeps only the latest change per record.
//! - Emails compare case-insensitively, by [`email_key`].
//! - Tokens are only ever stored as the hashes the caller passes in.
//! - A pushed mutation's result is stored in the transaction that applies it, with a feed
//!   position; the pushing device's pulls carry it (see [`merge_page`]).
//! - Plain text columns never hold NUL: a record with one is refused as bad input
//!   ([`refuse_nul`]), never a driver failure.
//! - [`Storage::feed_moved`] fires after every commit that moved the feed.
//! - Every agent and admin action appends its audit rows ([`crate::audit`]) in the
//!   transaction that does it, last, so the chain's lock is held only to the commit.

pub mod postgres;
pub mod sqlite;

use async_trait::async_trait;
use desk_core::wire::{Acknowledgement, Change};
use desk_core::{Agent, Category, Mutation, MutationResult, Role};
use serde_json::value::RawValue;

use crate::audit::{Actor, AuditFilter, AuditHead, AuditRow};
use crate::error::{Error, Result};
use crate::feed::{FeedPosition, Scope};
use crate::ingest::{IngestItem, IngestOutcome};

/// The key under which an email is unique and looked up.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// An agent as an administrator sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AgentRecord {
    #[serde(flatten)]
    pub agent: Agent,
    pub disabled: bool,
    pub created_at: i64,
    /// Added with an invitation and no password chosen yet.
    pub invitation_pending: bool,
    /// When the agent's current invitation expires; `None` when there is none.
    pub invited_until: Option<i64>,
}

/// What an administrator changes of an agent; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentPatch {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub languages: Option<Vec<String>>,
    pub groups: Option<Vec<String>>,
    pub skills: Option<Vec<Category>>,
    /// `Some(None)` removes the limit.
    pub capacity: Option<Option<u32>>,
}

impl AgentPatch {
    /// `agent` with the patch applied.
    pub fn applied_to(&self, agent: &Agent) -> Agent {
        let mut next = agent.clone();
        if let Some(name) = &self.name {
            next.name = name.clone();
        }
        if let Some(role) = self.role {
            next.role = role;
        }
        if let Some(languages) = &self.languages {
            next.languages = languages.clone();
        }
        if let Some(groups) = &self.groups {
            next.groups = groups.clone();
        }
        if let Some(skills) = &self.skills {
            next.skills = skills.clone();
        }
        if let Some(capacity) = self.capacity {
            next.capacity = capacity;
        }
        next
    }
}

#[derive(Debug, Clone)]
pub struct NewAgent {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub languages: Vec<String>,
    pub groups: Vec<String>,
    pub skills: Vec<Category>,
    pub capacity: Option<u32>,
    /// How the agent signs in the first time.
    pub credential: Credential,
    /// Who adds the agent, for the audit log.
    pub by: Actor,
}

/// A new agent's first way in.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A password the administrator chose: its PHC string (argon2id).
    Password(String),
    /// An invitation: the agent has no password until they accept it.
    Invitation(NewInvitation),
}

/// An invitation as stored: its code only as [`crate::auth::secrets::token_hash`].
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub code_hash: String,
    pub expires_at: i64,
}

/// What a login needs to decide.
#[derive(Debug, Clone)]
pub struct LoginInfo {
    pub agent: Agent,
    /// PHC string; `None` while the agent's invitation is pending (no password yet).
    pub password_hash: Option<String>,
    pub disabled: bool,
}

/// An invitation presented with the password its agent chose and the device to sign in,
/// to accept in one transaction ([`Storage::accept_invitation`]).
#[derive(Debug, Clone)]
pub struct Acceptance {
    pub email: String,
    pub code_hash: String,
    /// PHC string of the chosen password.
    pub password_hash: String,
    /// The device's id, name and first token pair; its agent is the invitation's.
    pub device_id: String,
    pub device_name: String,
    pub refresh_hash: String,
    pub refresh_expires_at: i64,
    pub access_hash: String,
    pub access_expires_at: i64,
    pub now: i64,
}

impl Acceptance {
    /// The device to create for `agent_id`, once the invitation was found to be theirs.
    pub fn device(&self, agent_id: &str) -> NewDevice {
        NewDevice {
            id: self.device_id.clone(),
            agent_id: agent_id.to_owned(),
            name: self.device_name.clone(),
            refresh_hash: self.refresh_hash.clone(),
            refresh_expires_at: self.refresh_expires_at,
            access_hash: self.access_hash.clone(),
            access_expires_at: self.access_expires_at,
            now: self.now,
        }
    }
}

/// How presenting an invitation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcceptOutcome {
    /// The password is set, the invitation used up, the device signed in.
    Accepted(Agent),
    /// No pending invitation of this email has this code, or it expired: nothing changed.
    Invalid,
    /// The invitation is the agent's, but the agent is disabled: nothing changed.
    Disabled,
}

/// A device (a signed-in console) with its first token pair, as hashes.
#[derive(Debug, Clone)]
pub struct NewDevice {
    pub id: String,
    pub agent_id: String,
    pub name: String,
    pub refresh_hash: String,
    pub refresh_expires_at: i64,
    pub access_hash: String,
    pub access_expires_at: i64,
    pub now: i64,
}

/// Swap the presented refresh token for a new pair, atomically.
#[derive(Debug, Clone)]
pub struct Rotation {
    pub presented_refresh_hash: String,
    pub new_refresh_hash: String,
    pub refresh_expires_at: i64,
    pub new_access_hash: String,
    pub access_expires_at: i64,
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotateOutcome {
    /// The pair was swapped; the presented token is retired.
    Rotated { agent: Agent, device_id: String },
    /// The token was already rotated once and the pair it was exchanged for has been
    /// used: treated as stolen, the device is now revoked.
    Reused { device_id: String },
    /// The token was the current or a retired one of a device revoked since (signed out
    /// by an admin disabling its agent, or after a reuse): its client must wipe its cache.
    Revoked { device_id: String },
    /// The device's agent is disabled; nothing was changed.
    Disabled,
    /// Unknown, expired, or belonging to a revoked device.
    Invalid,
}

/// Who an access token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub agent: Agent,
    pub device_id: String,
    pub agent_disabled: bool,
}

/// What a write committed.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteReceipt {
    /// Position of the last change the write produced; `None` when it produced none.
    pub last_position: Option<FeedPosition>,
    /// The records as stored, e.g. tickets with their server-assigned numbers.
    pub records: Vec<Change>,
}

/// A change as the feed stores it: its kind and its record's JSON text as written. A pull
/// hands the text to consoles as it is instead of decoding every record and encoding it
/// again: at a bootstrap of a million records that round trip alone was seconds of the
/// server's CPU. Serializes exactly as [`Change`] does, `{"kind": …, "record": …}`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoredChange {
    kind: &'static str,
    record: Box<RawValue>,
}

impl StoredChange {
    /// A feed row, checked as far as passing it on needs: a kind this build knows
    /// ([`Change::KINDS`]; any other was written by a newer server and is refused rather
    /// than handed to consoles that could not read it) and a body that is a JSON object
    /// (not decoded as its record).
    pub fn new(kind: &str, body: String) -> Result<Self> {
        let known = Change::KINDS
            .iter()
            .copied()
            .find(|k| *k == kind)
            .ok_or_else(|| {
                Error::Internal(format!(
                    "unknown change kind {kind:?} in feed (was it written by a newer server?)"
                ))
            })?;
        let record = RawValue::from_string(body).map_err(|e| {
            Error::Internal(format!("stored change of kind {known:?} is not JSON: {e}"))
        })?;
        // RawValue trims the whitespace around the value, so an object starts with `{`.
        if !record.get().starts_with('{') {
            return Err(Error::Internal(format!(
                "stored change of kind {known:?} is not a JSON object"
            )));
        }
        Ok(Self {
            kind: known,
            record,
        })
    }

    /// The record's kind, as the `kind` tag on the wire.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The record's JSON text, as stored.
    pub fn record(&self) -> &str {
        self.record.get()
    }

    /// The change decoded, as a console reads it: for tests and tools that look inside
    /// records; the pull itself never decodes them.
    pub fn decode(&self) -> Result<Change> {
        let json = serde_json::to_string(self)
            .map_err(|e| Error::Internal(format!("encode stored change: {e}")))?;
        serde_json::from_str(&json).map_err(|e| {
            Error::Internal(format!(
                "decode stored change of kind {:?}: {e} (was it written by a newer server?)",
                self.kind
            ))
        })
    }

    /// A message row's ids, read from its body without decoding the message; `None` for
    /// every other kind.
    fn message_ids(&self) -> Result<Option<MessageIds>> {
        if self.kind != "message" {
            return Ok(None);
        }
        serde_json::from_str(self.record.get())
            .map(Some)
            .map_err(|e| Error::Internal(format!("read a stored message's ids: {e}")))
    }
}

/// The same stored text of the same kind.
impl PartialEq for StoredChange {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.record.get() == other.record.get()
    }
}

/// What a trimming pull needs of a message: its id and its ticket's. Every other field of
/// the body is skipped over, not decoded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct MessageIds {
    pub id: String,
    pub ticket_id: String,
}

/// One page of the change feed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeedPage {
    /// In commit order, each with its position.
    pub changes: Vec<(FeedPosition, StoredChange)>,
    /// Results of the scope's device's mutations, in commit order, with their positions,
    /// interleaved with `changes` by position (both lie within the same range).
    pub acknowledged: Vec<(FeedPosition, Acknowledgement)>,
    /// Message changes a trimming pull left out (see [`Storage::pull_trimming`]), each
    /// with its position and its ticket's id, interleaved with `changes` alike.
    pub trimmed: Vec<(FeedPosition, String)>,
    /// More changes or results follow the last one returned.
    pub has_more: bool,
    /// Feed versions up to this one may have lost mutation results to retention (0 when
    /// nothing was pruned yet), read in the page's snapshot.
    pub floor: i64,
}

impl FeedPage {
    /// The position of the last entry of the page, change or result.
    pub fn last_position(&self) -> Option<FeedPosition> {
        let change = self.changes.last().map(|(p, _)| *p);
        let ack = self.acknowledged.last().map(|(p, _)| *p);
        let trimmed = self.trimmed.last().map(|(p, _)| *p);
        change.max(ack).max(trimmed)
    }

    /// The page's changes decoded, with their positions (see [`StoredChange::decode`]).
    pub fn decoded_changes(&self) -> Result<Vec<(FeedPosition, Change)>> {
        self.changes
            .iter()
            .map(|(position, change)| Ok((*position, change.decode()?)))
            .collect()
    }
}

/// A row of the change feed as a pull reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Pulled {
    Change(StoredChange),
    /// A message change left out of a trimming pull: its ticket's id.
    Trimmed(String),
}

/// A trimming pull's rows' message ids, one entry per row (`None`: not a message), each
/// body read once for both [`message_tickets`] and [`trim_rows`].
pub fn message_ids(rows: &[(FeedPosition, StoredChange)]) -> Result<Vec<Option<MessageIds>>> {
    rows.iter()
        .map(|(_, change)| change.message_ids())
        .collect()
}

/// The tickets a trimming pull's rows carry messages of, each once: what the backend asks
/// [`trim_rows`]'s answer for, in the page's snapshot.
pub fn message_tickets(ids: &[Option<MessageIds>]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ids.iter()
        .flatten()
        .filter(|m| seen.insert(m.ticket_id.as_str()))
        .map(|m| m.ticket_id.clone())
        .collect()
}

/// A trimming pull's rows (with their [`message_ids`]): the messages of the tickets in
/// `latest` (solved or closed and idle since before the cutoff, each with its latest
/// message's id) become [`Pulled::Trimmed`], all but that latest one. One lookup per
/// ticket of the page, never one per message.
pub fn trim_rows(
    rows: Vec<(FeedPosition, StoredChange)>,
    ids: Vec<Option<MessageIds>>,
    latest: &std::collections::HashMap<String, String>,
) -> Vec<(FeedPosition, Pulled)> {
    debug_assert_eq!(rows.len(), ids.len(), "one entry of ids per row");
    rows.into_iter()
        .zip(ids)
        .map(|((position, change), ids)| match ids {
            Some(m) if latest.get(&m.ticket_id).is_some_and(|keep| *keep != m.id) => {
                (position, Pulled::Trimmed(m.ticket_id))
            }
            _ => (position, Pulled::Change(change)),
        })
        .collect()
}

/// Builds a page from the first `limit + 1` feed rows and the first `limit + 1` results
/// after the cursor (each list in position order): the first `limit` entries of both by
/// position (a trimmed row counts as one: it is read all the same). Whatever is left over
/// lies after the page, so `has_more` is exactly "an entry was left over". Shared by the
/// backends so they page alike.
pub fn merge_page(
    rows: Vec<(FeedPosition, Pulled)>,
    acknowledged: Vec<(FeedPosition, Acknowledgement)>,
    limit: u32,
    floor: i64,
) -> FeedPage {
    let limit = limit as usize;
    let total = rows.len() + acknowledged.len();
    let mut page = FeedPage {
        floor,
        ..FeedPage::default()
    };
    let (mut rows, mut acks) = (
        rows.into_iter().peekable(),
        acknowledged.into_iter().peekable(),
    );
    let mut taken = 0;
    while taken < limit {
        let take_row = match (rows.peek(), acks.peek()) {
            (Some((c, _)), Some((a, _))) => c < a,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        if take_row {
            match rows.next() {
                Some((position, Pulled::Change(change))) => page.changes.push((position, change)),
                Some((position, Pulled::Trimmed(ticket))) => page.trimmed.push((position, ticket)),
                None => break,
            }
        } else {
            page.acknowledged.extend(acks.next());
        }
        taken += 1;
    }
    page.has_more = taken < total;
    page
}

/// A batch of one device's mutations, made by its signed-in agent, in the order to apply
/// them (see [`crate::push`]).
#[derive(Debug, Clone)]
pub struct PushBatch {
    /// The signed-in agent: every mutation's `agent_id` is this agent's.
    pub author: Agent,
    pub device_id: String,
    pub now: i64,
    pub mutations: Vec<Mutation>,
}

/// What a push committed.
#[derive(Debug, Clone, PartialEq)]
pub struct PushReceipt {
    /// One per mutation of the batch, in batch order.
    pub results: Vec<MutationResult>,
}

/// One signed ingestion request, to store in one transaction (see [`crate::ingest`]).
#[derive(Debug, Clone)]
pub struct IngestBatch {
    pub nonce: String,
    /// Until when the nonce must be remembered.
    pub nonce_expires_at: i64,
    pub now: i64,
    /// The signing secret, for the audit log.
    pub actor: Actor,
    pub items: Vec<IngestItem>,
    /// A fetched mail's place in its mailbox, moved in the same transaction
    /// ([`Storage::advance_mailbox_cursor`]'s rule): one commit per mail, not two.
    pub mailbox_place: Option<MailboxPlace>,
}

/// A mailbox's place in its folder (see [`Storage::mailbox_cursor`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxPlace {
    pub address: String,
    pub uid_validity: u32,
    pub uid: u32,
}

/// What an ingestion committed: one outcome per item, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestReceipt {
    pub outcomes: Vec<IngestOutcome>,
}

/// A delivery a worker took from the queue (now `sending`, `attempts` counting this
/// attempt), with what sending it needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedDelivery {
    pub delivery: desk_core::Delivery,
    pub message: desk_core::Message,
    pub ticket: desk_core::Ticket,
    pub customer: Option<desk_core::Customer>,
    /// For email, the ids the answer names (`desk_core::delivery::Route::thread` of the
    /// ticket's route as it is when the delivery is claimed).
    pub thread: Vec<String>,
    /// The bytes of the message's files, in its order: loaded by the worker before it
    /// sends (storage leaves them empty).
    pub files: Vec<Vec<u8>>,
}

/// A file to store (DESIGN.md §11 attachments).
#[derive(Clone, PartialEq, Eq)]
pub struct NewBlob {
    /// `desk_core::attachment::address` of `data`.
    pub sha256: String,
    /// Sniffed from `data` (`desk_core::attachment::sniff`).
    pub content_type: String,
    pub data: Vec<u8>,
    pub now: i64,
    /// The agent who uploaded it, who may fetch it before a message carries it.
    pub uploaded_by: Option<String>,
}

impl std::fmt::Debug for NewBlob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewBlob")
            .field("sha256", &self.sha256)
            .field("content_type", &self.content_type)
            .field("size", &self.data.len())
            .finish_non_exhaustive()
    }
}

/// A stored file.
#[derive(Clone, PartialEq, Eq)]
pub struct Blob {
    pub content_type: String,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Blob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blob")
            .field("content_type", &self.content_type)
            .field("size", &self.data.len())
            .finish()
    }
}

/// How one attempt of a claimed delivery ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    /// The delivery's (its message's) id.
    pub id: String,
    /// The attempt this is the outcome of: a later claim's attempt is left alone.
    pub attempt: u32,
    pub outcome: desk_core::delivery::AttemptOutcome,
    /// 0.0–1.0, spreading the retry of deliveries that failed together.
    pub jitter: f64,
}

/// A mutation's answer as stored, JSON text: the same on every backend.
pub(crate) fn encode_result(result: &MutationResult) -> Result<String> {
    serde_json::to_string(result)
        .map_err(|e| Error::Internal(format!("encode mutation result: {e}")))
}

pub(crate) fn decode_result(text: &str) -> Result<MutationResult> {
    serde_json::from_str(text)
        .map_err(|e| Error::Internal(format!("decode stored mutation result: {e}")))
}

/// Refuses a record whose plain text columns (ids and the fields stored beside the JSON
/// body) hold NUL: PostgreSQL's text type cannot store it, and a record SQLite would keep
/// but PostgreSQL not is a record the two backends disagree on. The JSON bodies keep NUL
/// escaped, so message text with one is untouched.
pub fn refuse_nul(change: &Change) -> Result<()> {
    let mut columns: Vec<Option<&str>> = vec![Some(change.id())];
    match change {
        Change::Customer(c) => columns.push(Some(&c.platform_user_id)),
        Change::WalletTransaction(t) => {
            columns.extend([Some(t.customer_id.as_str()), t.tx_hash.as_deref()]);
        }
        Change::Ticket(t) => columns.extend([
            Some(t.customer_id.as_str()),
            t.assignee_id.as_deref(),
            // In the feed's scope column.
            t.group.as_deref(),
        ]),
        Change::Message(m) => columns.push(Some(&m.ticket_id)),
        Change::Delivery(d) => columns.push(Some(&d.ticket_id)),
        Change::Agent(_)
        | Change::Macro(_)
        | Change::KbArticle(_)
        | Change::Incident(_)
        | Change::SlaPolicy(_)
        | Change::Group(_)
        | Change::LeftScope(_) => {}
    }
    if columns
        .into_iter()
        .flatten()
        .any(|text| text.contains('\0'))
    {
        return Err(Error::BadRequest(format!(
            "{} {:?} holds a NUL character in a field that cannot store one",
            change.kind(),
            change.id()
        )));
    }
    Ok(())
}

#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Short name for logs, e.g. `sqlite`.
    fn backend(&self) -> &'static str;

    // ---- agents ----

    /// Conflict when the email is taken (case-insensitively). Writes an agent change.
    async fn create_agent(&self, new: NewAgent, now: i64) -> Result<Agent>;
    /// NotFound when no agent has this email. A pending invitation of the agent is dropped:
    /// the agent now has a password.
    async fn set_agent_password(
        &self,
        email: &str,
        password_hash: String,
        now: i64,
        by: &Actor,
    ) -> Result<Agent>;
    /// NotFound when no agent has this email. Writes an agent change; `groups` are
    /// already validated (`auth::validate_groups`).
    async fn set_agent_groups(
        &self,
        email: &str,
        groups: Vec<String>,
        now: i64,
        by: &Actor,
    ) -> Result<Agent> {
        let patch = AgentPatch {
            groups: Some(groups),
            ..AgentPatch::default()
        };
        self.update_agent(email, patch, now, by).await
    }
    /// Changes what `patch` names of the agent with this email (NotFound when none), in one
    /// transaction: one agent change in the feed and an audit entry per field changed.
    /// Conflict when it would leave the desk without an enabled admin. The patch is
    /// already validated (`admin::AgentPatch`'s checks).
    async fn update_agent(
        &self,
        email: &str,
        patch: AgentPatch,
        now: i64,
        by: &Actor,
    ) -> Result<Agent>;
    /// NotFound when no agent has this email. A disabled agent's devices are revoked.
    async fn set_agent_disabled(
        &self,
        email: &str,
        disabled: bool,
        now: i64,
        by: &Actor,
    ) -> Result<()>;
    /// Ordered by email key.
    async fn list_agents(&self) -> Result<Vec<AgentRecord>>;
    async fn login_info(&self, email: &str) -> Result<Option<LoginInfo>>;
    /// Gives the agent `agent_id` a new invitation, replacing (and so revoking) any other it
    /// had, audited. NotFound when there is no such agent; Conflict when the agent has
    /// chosen a password already (an invitation is only a way to a first one).
    async fn issue_invitation(
        &self,
        agent_id: &str,
        invitation: NewInvitation,
        now: i64,
        by: &Actor,
    ) -> Result<Agent>;
    /// In one transaction: finds the pending, unexpired invitation with this code of the
    /// agent with this email; sets the password, drops the invitation and creates the
    /// device, audited as the acceptance and a sign-in. Anything else changes nothing.
    async fn accept_invitation(&self, acceptance: Acceptance) -> Result<AcceptOutcome>;

    // ---- devices and tokens ----

    /// A sign-in: audited as the device's agent logging in.
    async fn create_device(&self, new: NewDevice) -> Result<()>;
    /// A reuse (which revokes the device) is audited; a plain rotation is not. The token
    /// the device's newest rotation retired, presented again before any access token
    /// issued since was used, is a retry of an answer lost on its way (a cut connection,
    /// a killed client), not a reuse: the device's current pair is rotated instead.
    async fn rotate_refresh(&self, rotation: Rotation) -> Result<RotateOutcome>;
    /// The session of an unexpired access token of a device that is not revoked.
    async fn session_for_access(&self, access_hash: &str, now: i64) -> Result<Option<Session>>;
    /// Revokes the device and drops all its tokens. Idempotent: only a device that was
    /// signed in is audited.
    async fn revoke_device(&self, device_id: &str, now: i64, by: &Actor) -> Result<()>;

    // ---- records and the change feed ----

    /// Upserts records (customers, transactions, tickets, messages, agents' public
    /// profiles) in one transaction, each producing a change in the given order. A ticket
    /// keeps the number it already has on the server, or gets the next one.
    async fn write_records(&self, records: Vec<Change>) -> Result<WriteReceipt>;
    /// The deliveries of a ticket's public replies, as they stand.
    async fn ticket_deliveries(&self, ticket_id: &str) -> Result<Vec<desk_core::Delivery>>;
    /// Every record of a generic kind as stored, JSON (the help center's articles).
    async fn stored_records(&self, kind: &str) -> Result<Vec<String>>;
    /// A record of the generic kinds (macros, KB articles, incidents, SLA policies,
    /// groups) as stored, JSON; `None` when there is none with that id.
    async fn stored_record(&self, kind: &str, id: &str) -> Result<Option<String>>;
    /// How many open tickets (neither solved nor closed, nor deleted) carry `group`: what
    /// refuses the deletion of a group still in use.
    async fn count_open_tickets_in_group(&self, group: &str) -> Result<u64>;
    /// [`Storage::write_records`] and the audit rows of the action that wrote them, in one
    /// transaction (an administrator's edit of a macro or an article).
    async fn write_audited(
        &self,
        records: Vec<Change>,
        audit: Vec<crate::audit::AuditEntry>,
        at: i64,
    ) -> Result<WriteReceipt>;
    /// Changes (and, for a device's scope, that device's mutation results) strictly after
    /// `after`, at most `limit` in all, read in one snapshot.
    async fn pull(&self, after: FeedPosition, limit: u32, scope: &Scope) -> Result<FeedPage> {
        self.pull_trimming(after, limit, scope, None).await
    }
    /// [`Storage::pull`], and with `closed_before` (ms) a bootstrap's pull that leaves out
    /// the older messages of solved and closed tickets idle since before it (status,
    /// `updated_at` and last message all before it): each keeps its latest message, as
    /// the console's own eviction would leave it. Each left-out row is reported in
    /// `FeedPage::trimmed` with its ticket, so the console knows the conversation is on
    /// the server whatever later happens to the ticket.
    async fn pull_trimming(
        &self,
        after: FeedPosition,
        limit: u32,
        scope: &Scope,
        closed_before: Option<i64>,
    ) -> Result<FeedPage>;
    /// How many changes lie strictly after `after` for the scope: a bootstrap's progress
    /// total. Read in its own snapshot, so it may count changes committed after a page
    /// read just before; callers treat it as an estimate.
    async fn count_changes_after(&self, after: FeedPosition, scope: &Scope) -> Result<u64>;
    /// A ticket's messages, oldest first; `None` when there is no such ticket.
    async fn ticket_messages(
        &self,
        ticket_id: &str,
        scope: &Scope,
    ) -> Result<Option<Vec<desk_core::Message>>>;

    // ---- push, retention, pokes ----

    /// Applies a batch in one transaction: per mutation, [`crate::push::settle`] or
    /// [`crate::push::decide`] decides, and the records and the result they produce are
    /// written together. A failure rolls the whole batch back, leaving nothing stored.
    async fn push(&self, batch: PushBatch) -> Result<PushReceipt>;
    /// Drops mutation results stored before `before` (ms) and raises the feed's floor to
    /// the highest version dropped. Returns how many were dropped. Clients' sequence
    /// marks are kept, so a mutation whose result is gone is still never applied twice.
    async fn prune(&self, before: i64) -> Result<u64>;
    /// Changes after every commit that moved the feed: on SQLite, this process's writes;
    /// on PostgreSQL, any instance's (LISTEN/NOTIFY, one connection per storage, started
    /// by the first call, which must therefore run inside a tokio runtime).
    fn feed_moved(&self) -> tokio::sync::watch::Receiver<()>;

    // ---- ingestion ----

    /// In one transaction: remembers the nonce (refusing a replay with
    /// [`crate::ingest::REPLAYED`]), then per item looks up [`IngestItem::lookups`], asks
    /// [`crate::ingest::decide`] and writes what it says, each record through the feed,
    /// and appends the audit rows. An item refused by the rules refuses the whole batch,
    /// leaving nothing stored (the nonce included).
    async fn ingest(&self, batch: IngestBatch) -> Result<IngestReceipt>;
    /// Forgets nonces that expired before `now`; returns how many.
    async fn prune_ingest_nonces(&self, now: i64) -> Result<u64>;

    // ---- outbound delivery (DESIGN.md §11) ----

    /// Takes up to `limit` deliveries that are due at `now` (queued and due, or sending
    /// with a lapsed claim: its worker died), oldest due first, and marks each `sending`
    /// under a claim of `lease_ms` ([`desk_core::delivery::claim`]), through the feed. On
    /// PostgreSQL several instances claim at once and never take the same delivery.
    async fn claim_deliveries(
        &self,
        now: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>>;
    /// Records how attempts ended ([`desk_core::delivery::settle`]), each through the
    /// feed, in one transaction; one answer per settlement: the delivery as stored, or
    /// `None` when the attempt no longer held it (or there is no such delivery).
    async fn settle_deliveries(
        &self,
        settlements: Vec<Settlement>,
        now: i64,
        give_up_after_ms: i64,
    ) -> Result<Vec<Option<desk_core::Delivery>>>;

    // ---- attachments (DESIGN.md §11) ----

    /// Stores a file's bytes under its address, once: storing the same file again changes
    /// nothing but who uploaded it.
    async fn put_blob(&self, blob: NewBlob) -> Result<()>;
    /// A file, when `agent` may have it: it uploaded it, or a message of a ticket in its
    /// scope carries it. `None` otherwise, or when there is no such file: an agent cannot
    /// tell a file it may not see from one that does not exist.
    async fn blob_for(&self, sha256: &str, agent: &Agent) -> Result<Option<Blob>>;
    /// A file, for the server's own use (sending a reply's files).
    async fn blob(&self, sha256: &str) -> Result<Option<Blob>>;

    // ---- mail intake (DESIGN.md §11) ----

    /// Takes the mailbox's lease for `holder` until `until` when it is free, lapsed by
    /// `now`, or already `holder`'s (a renewal): only the holder fetches the mailbox, so
    /// two instances never fetch one mail into two tickets. Whether `holder` holds it.
    async fn lease_mailbox(
        &self,
        address: &str,
        holder: &str,
        now: i64,
        until: i64,
    ) -> Result<bool>;
    /// The mailbox's place in its folder: `(UIDVALIDITY, the last UID stored)`, `None`
    /// before its first mail.
    async fn mailbox_cursor(&self, address: &str) -> Result<Option<(u32, u32)>>;
    /// Moves the mailbox's place to `last_uid`: forward only, unless the folder's
    /// UIDVALIDITY changed (its UIDs start over).
    async fn advance_mailbox_cursor(
        &self,
        address: &str,
        uid_validity: u32,
        last_uid: u32,
    ) -> Result<()>;

    // ---- the audit log ----

    /// The newest row's seq and hash, as the last append recorded them.
    async fn audit_head(&self) -> Result<AuditHead>;
    /// Rows with seq above `after`, in seq order, at most `limit`.
    async fn audit_rows(&self, after: i64, limit: u32) -> Result<Vec<AuditRow>>;
    /// The rows `filter` asks for, newest first, at most `limit`.
    async fn audit_search(&self, filter: AuditFilter, limit: u32) -> Result<Vec<AuditRow>>;

    // ---- operations ----

    /// Asks the database, with a real round trip, which schema version it holds, so
    /// `/readyz` reports an unreachable database or a schema this build does not write.
    async fn schema_version(&self) -> Result<u32>;
    /// The schema version this build writes (what [`Self::schema_version`] must answer).
    fn expected_schema_version(&self) -> u32;
    /// Connection figures for `/metrics`; never touches the database.
    fn pool_status(&self) -> PoolStatus;
}

/// Connection pool figures, as far as a backend knows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStatus {
    /// Most connections the pool opens (SQLite: idle readers kept, plus the writer).
    pub max_size: usize,
    /// Connections open now.
    pub size: usize,
    /// Open connections not in use.
    pub idle: usize,
    /// Callers waiting for a connection.
    pub waiting: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_body_that_is_not_a_json_object_is_an_internal_error() {
        for body in ["{\"id\": \"t1\"", "not json", "", "[1, 2]", "\"t1\""] {
            let err = StoredChange::new("ticket", body.into()).unwrap_err();
            assert!(
                matches!(&err, Error::Internal(text) if text.contains("\"ticket\"")),
                "{body:?} is refused, naming the kind, not passed to consoles: {err:?}"
            );
        }
        let spaced = StoredChange::new("ticket", " {\"id\": \"t1\"}\n".into()).unwrap();
        assert_eq!(
            spaced.record(),
            "{\"id\": \"t1\"}",
            "spaces around a body are not sent"
        );
    }

    #[test]
    fn an_unknown_kind_is_refused_with_the_newer_server_hint() {
        let err = StoredChange::new("no_such_kind", "{}".into()).unwrap_err();
        assert!(
            matches!(&err, Error::Internal(text)
                if text.contains("no_such_kind") && text.contains("newer server")),
            "an unknown kind never reaches a console: {err:?}"
        );
    }

    #[test]
    fn a_trimming_pull_reads_a_messages_ids_without_the_message() {
        let body =
            r#"{"id":"m1","ticket_id":"t1","body_text":"\"转账\" \u0000","extra":[1,{"x":null}]}"#;
        let rows = vec![
            (
                FeedPosition { version: 1, ord: 0 },
                StoredChange::new("message", body.into()).unwrap(),
            ),
            (
                FeedPosition { version: 1, ord: 1 },
                StoredChange::new("ticket", r#"{"id":"t1"}"#.into()).unwrap(),
            ),
        ];
        let ids = message_ids(&rows).unwrap();
        assert_eq!(
            ids,
            vec![
                Some(MessageIds {
                    id: "m1".into(),
                    ticket_id: "t1".into()
                }),
                None
            ],
            "only messages have ids to read, and only those two fields are read"
        );
        assert_eq!(message_tickets(&ids), vec!["t1".to_owned()]);
        let bad = vec![(
            FeedPosition { version: 2, ord: 0 },
            StoredChange::new("message", r#"{"id":"m2"}"#.into()).unwrap(),
        )];
        assert!(
            matches!(message_ids(&bad), Err(Error::Internal(_))),
            "a message without its ticket is an internal error"
        );
    }
}
