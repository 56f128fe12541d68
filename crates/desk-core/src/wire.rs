//! The HTTP wire format between desk-sync and desk-server (DESIGN.md §4).
//!
//! Every response that carries sync data names its `schema_version`, so a client can tell
//! a server it does not understand from a bug. The server accepts every version a client
//! might still have queued work for.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::domain::{Agent, Customer, Message, Ticket, WalletTransaction};
use crate::mutation::{Mutation, MutationResult};
use crate::ops::{Incident, KbArticle, Macro, SlaPolicy};

/// The wire schema this build speaks.
pub const SCHEMA_VERSION: u32 = 1;

/// Base path of the versioned API.
pub const API_PREFIX: &str = "/api/v1";

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// Shown to the agent and admins when listing or revoking devices.
    pub device_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Answer to a login or a refresh. The refresh token is rotated on every use; the
/// previous one stops working (and using it again revokes the device).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    /// Seconds the access token stays valid.
    pub access_expires_in: u64,
    pub refresh_token: String,
    pub device_id: String,
    pub agent: Agent,
}

/// One committed change. The feed keeps the latest state of each record, so a change is the
/// whole record, not a diff: applying the same change twice is harmless.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "record", rename_all = "snake_case")]
pub enum Change {
    Ticket(Ticket),
    Message(Message),
    Customer(Customer),
    WalletTransaction(WalletTransaction),
    Agent(Agent),
    Macro(Macro),
    KbArticle(KbArticle),
    Incident(Incident),
    SlaPolicy(SlaPolicy),
}

impl Change {
    /// The record's kind, as the `kind` tag on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::Ticket(_) => "ticket",
            Change::Message(_) => "message",
            Change::Customer(_) => "customer",
            Change::WalletTransaction(_) => "wallet_transaction",
            Change::Agent(_) => "agent",
            Change::Macro(_) => "macro",
            Change::KbArticle(_) => "kb_article",
            Change::Incident(_) => "incident",
            Change::SlaPolicy(_) => "sla_policy",
        }
    }

    /// The record's id.
    pub fn id(&self) -> &str {
        match self {
            Change::Ticket(r) => &r.id,
            Change::Message(r) => &r.id,
            Change::Customer(r) => &r.id,
            Change::WalletTransaction(r) => &r.id,
            Change::Agent(r) => &r.id,
            Change::Macro(r) => &r.id,
            Change::KbArticle(r) => &r.id,
            Change::Incident(r) => &r.id,
            Change::SlaPolicy(r) => &r.id,
        }
    }
}

/// `GET /api/v1/sync/pull?cursor=C&limit=N`. An empty or absent cursor means "from zero"
/// (bootstrap). The cursor is opaque to clients: they store it and send it back.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PullQuery {
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct PullResponse {
    pub schema_version: u32,
    /// Changes in commit order, after the request's cursor.
    pub changes: Vec<Change>,
    /// Where the next pull starts. Equal to the request's cursor when nothing changed.
    pub next_cursor: String,
    /// More changes were committed before this page was read: pull again now.
    pub has_more: bool,
    /// Answers to mutations this device pushed, committed inside this page's range, so a
    /// client that lost a push answer learns it from the next pull. Absent from servers
    /// that predate push.
    #[serde(default)]
    #[ts(inline)]
    pub acknowledged: Vec<Acknowledgement>,
}

/// The server's answer to one pushed mutation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Acknowledgement {
    pub mutation_id: String,
    pub result: MutationResult,
}

/// `POST /api/v1/push`: a batch of one device's queued mutations. The server applies each
/// exactly once, in `seq` order per client; a replayed mutation gets its first answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushRequest {
    /// The wire schema the client queued the mutations in.
    pub schema_version: u32,
    pub mutations: Vec<Mutation>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushResponse {
    pub schema_version: u32,
    /// One answer per mutation of the request, in request order.
    pub results: Vec<Acknowledgement>,
}

/// `GET /healthz`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
    pub schema_version: u32,
}
