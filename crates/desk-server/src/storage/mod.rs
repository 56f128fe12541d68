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

pub mod postgres;
pub mod sqlite;

use async_trait::async_trait;
use desk_core::wire::Change;
use desk_core::{Agent, Role};

use crate::error::Result;
use crate::feed::{FeedPosition, Scope};

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
}

#[derive(Debug, Clone)]
pub struct NewAgent {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub languages: Vec<String>,
    /// PHC string (argon2id).
    pub password_hash: String,
}

/// What a login needs to decide.
#[derive(Debug, Clone)]
pub struct LoginInfo {
    pub agent: Agent,
    pub password_hash: String,
    pub disabled: bool,
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
    /// The token was already rotated once: treated as stolen, the device is now revoked.
    Reused { device_id: String },
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

/// One page of the change feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPage {
    /// In commit order, each with its position.
    pub changes: Vec<(FeedPosition, Change)>,
    /// More changes follow the last one returned.
    pub has_more: bool,
}

#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Short name for logs, e.g. `sqlite`.
    fn backend(&self) -> &'static str;

    // ---- agents ----

    /// Conflict when the email is taken (case-insensitively). Writes an agent change.
    async fn create_agent(&self, new: NewAgent, now: i64) -> Result<Agent>;
    /// NotFound when no agent has this email.
    async fn set_agent_password(
        &self,
        email: &str,
        password_hash: String,
        now: i64,
    ) -> Result<Agent>;
    /// NotFound when no agent has this email. A disabled agent's devices are revoked.
    async fn set_agent_disabled(&self, email: &str, disabled: bool, now: i64) -> Result<()>;
    /// Ordered by email key.
    async fn list_agents(&self) -> Result<Vec<AgentRecord>>;
    async fn login_info(&self, email: &str) -> Result<Option<LoginInfo>>;

    // ---- devices and tokens ----

    async fn create_device(&self, new: NewDevice) -> Result<()>;
    async fn rotate_refresh(&self, rotation: Rotation) -> Result<RotateOutcome>;
    /// The session of an unexpired access token of a device that is not revoked.
    async fn session_for_access(&self, access_hash: &str, now: i64) -> Result<Option<Session>>;
    /// Revokes the device and drops all its tokens. Idempotent.
    async fn revoke_device(&self, device_id: &str, now: i64) -> Result<()>;

    // ---- records and the change feed ----

    /// Upserts records (customers, transactions, tickets, messages, agents' public
    /// profiles) in one transaction, each producing a change in the given order. A ticket
    /// keeps the number it already has on the server, or gets the next one.
    async fn write_records(&self, records: Vec<Change>) -> Result<WriteReceipt>;
    /// Changes strictly after `after`, at most `limit`, read in one snapshot.
    async fn pull(&self, after: FeedPosition, limit: u32, scope: &Scope) -> Result<FeedPage>;
}
