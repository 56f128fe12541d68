//! The HTTP wire format between desk-sync and desk-server (DESIGN.md §4).
//!
//! Every response that carries sync data names its `schema_version`, so a client can tell
//! a server it does not understand from a bug. The server accepts every version a client
//! might still have queued work for.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::delivery::Delivery;
use crate::domain::{
    Agent, Channel, Customer, CustomerTier, Message, Ticket, TxDirection, TxStatus,
    WalletTransaction,
};
use crate::groups::Group;
use crate::mutation::{Mutation, MutationResult};
use crate::ops::{Incident, KbArticle, Macro, SlaPolicy};
use crate::sensitive::Sensitive;

/// The wire schema this build speaks.
pub const SCHEMA_VERSION: u32 = 1;

/// Base path of the versioned API.
pub const API_PREFIX: &str = "/api/v1";

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct LoginRequest {
    pub email: String,
    #[ts(type = "string")]
    pub password: Sensitive<String>,
    /// Shown to the agent and admins when listing or revoking devices.
    pub device_name: String,
}

/// Accepting an invitation (`POST /auth/invitation`): the agent chooses a password, and
/// is signed in as by a [`LoginRequest`] (the answer is a [`TokenResponse`]).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AcceptInvitationRequest {
    pub email: String,
    /// As the administrator handed it over; case, spaces and hyphens do not matter.
    #[ts(type = "string")]
    pub code: Sensitive<String>,
    #[ts(type = "string")]
    pub password: Sensitive<String>,
    pub device_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct RefreshRequest {
    #[ts(type = "string")]
    pub refresh_token: Sensitive<String>,
}

/// Answer to a login or a refresh. The refresh token is rotated on every use; the
/// previous one stops working (and using it again revokes the device).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: Sensitive<String>,
    /// Seconds the access token stays valid.
    pub access_expires_in: u64,
    pub refresh_token: Sensitive<String>,
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
    /// A team tickets are routed to and agents work in; every console receives it.
    Group(Group),
    /// A public message's way to its customer: queued, sending, sent or failed.
    Delivery(Delivery),
    /// The ticket left the agent's scope (moved to a group the agent is not in): the
    /// console forgets it and its conversation. Only scoped agents receive these.
    LeftScope(LeftScope),
}

/// See [`Change::LeftScope`]. One per ticket and group it left, so an older departure is
/// never overwritten by a newer one that a console, still behind, would not receive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LeftScope {
    /// `{ticket_id}/{group it left}`; `{ticket_id}/` when it left no group.
    pub id: String,
    pub ticket_id: String,
}

impl LeftScope {
    pub fn new(ticket_id: &str, old_group: Option<&str>) -> Self {
        Self {
            id: format!("{ticket_id}/{}", old_group.unwrap_or("")),
            ticket_id: ticket_id.to_owned(),
        }
    }
}

impl Change {
    /// Every kind [`Change::kind`] answers, as the `kind` tag on the wire: what a server
    /// passing stored records through without decoding them checks a feed row against.
    pub const KINDS: [&'static str; 12] = [
        "ticket",
        "message",
        "customer",
        "wallet_transaction",
        "agent",
        "macro",
        "kb_article",
        "incident",
        "sla_policy",
        "group",
        "delivery",
        "left_scope",
    ];

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
            Change::Group(_) => "group",
            Change::Delivery(_) => "delivery",
            Change::LeftScope(_) => "left_scope",
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
            Change::Group(r) => &r.id,
            Change::Delivery(r) => &r.id,
            Change::LeftScope(r) => &r.id,
        }
    }
}

/// `GET /api/v1/sync/pull?cursor=C&limit=N&count=true&closed_before=T`. An empty or absent
/// cursor means "from zero" (bootstrap). The cursor is opaque to clients: they store it and
/// send it back.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PullQuery {
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
    /// Also count the changes after the page (`remaining` in the answer), for progress.
    #[serde(default)]
    pub count: Option<bool>,
    /// A bootstrap's scope (DESIGN.md §4): solved and closed tickets idle since before this
    /// time (ms) come with their latest message only, the rest named in `trimmed`. Sent on
    /// every page of a bootstrap, never on a catch-up.
    #[serde(default)]
    pub closed_before: Option<i64>,
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
    /// Changes committed after this page, in the server's view when it read the page;
    /// present when the pull asked for it (`count=true`), so a bootstrap can show how far
    /// it has come. An estimate for progress, never for correctness: `has_more` decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number | null")]
    pub remaining: Option<u64>,
    /// Conversations this page left out messages of (a pull with `closed_before`): the
    /// console marks them as kept on the server and fetches one whole when it is opened.
    /// Absent from servers that never trim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(inline)]
    pub trimmed: Vec<TrimmedConversation>,
}

impl PullResponse {
    /// The message rows the page left out (`trimmed`), which progress counts as received.
    pub fn trimmed_messages(&self) -> u64 {
        self.trimmed.iter().map(|t| u64::from(t.messages)).sum()
    }
}

/// A ticket whose older messages a bootstrap's page left out, and how many rows of the
/// page they were (progress counts them as received).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TrimmedConversation {
    pub ticket_id: String,
    pub messages: u32,
}

/// `GET /api/v1/tickets/{id}/messages`: a ticket's whole conversation, oldest first, for a
/// console that evicted it from its cache and has the ticket open again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketConversation {
    pub ticket_id: String,
    pub messages: Vec<crate::Message>,
    /// The deliveries of its public replies, as they stand: a restored conversation shows
    /// where each reply went. Absent from servers before they were sent.
    #[serde(default)]
    pub deliveries: Vec<crate::Delivery>,
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

// ---- ingestion (platform and channel bridges → server, HMAC-signed; DESIGN.md §11) ----
//
// Not exported to TypeScript: the console never sends these. Unknown fields are refused,
// so a misspelt field fails loudly instead of being dropped.

/// `POST /api/v1/ingest/events`: platform events, applied in order in one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestEventsRequest {
    pub events: Vec<PlatformEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum PlatformEvent {
    /// The platform's view of a customer; agents' tags and notes are kept.
    CustomerUpserted { customer: PlatformCustomer },
    /// A new transaction (or the same one again: then it replaces an older state).
    TransactionCreated { transaction: PlatformTransaction },
    /// A transaction's confirmation state moved.
    TransactionConfirmationChanged {
        transaction_id: String,
        status: TxStatus,
        confirmations: u32,
        #[serde(default)]
        required_confirmations: Option<u32>,
        /// Platform time of the change (ms): an older change never overwrites a newer one.
        occurred_at: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformCustomer {
    /// The platform's user id: how Desk finds the customer again.
    pub platform_user_id: String,
    pub name: String,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub handles: Vec<String>,
    #[serde(default)]
    pub preferred_language: String,
    #[serde(default = "standard_tier")]
    pub tier: CustomerTier,
    #[serde(default)]
    pub kyc_level: u8,
    #[serde(default)]
    pub risk_flags: Vec<String>,
}

fn standard_tier() -> CustomerTier {
    CustomerTier::Standard
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformTransaction {
    /// The platform's transaction id, kept as Desk's id.
    pub id: String,
    /// Whose transaction: the customer must be known (sent as `customer_upserted` first).
    pub platform_user_id: String,
    pub asset: String,
    pub chain: String,
    /// Decimal text, e.g. `"1250.50"`.
    pub amount: String,
    pub direction: TxDirection,
    #[serde(default)]
    pub tx_hash: Option<String>,
    pub status: TxStatus,
    #[serde(default)]
    pub confirmations: u32,
    #[serde(default)]
    pub required_confirmations: u32,
    /// Platform time the transaction was made (ms).
    pub created_at: i64,
    /// Platform time of this state (ms).
    pub occurred_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestEventsResponse {
    /// One per event, in request order.
    pub results: Vec<IngestEventResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestEventResult {
    /// `customer` or `wallet_transaction`.
    pub kind: String,
    /// Desk's id of the record.
    pub id: String,
    /// False when the event was older than the stored state and changed nothing.
    pub applied: bool,
}

/// `POST /api/v1/ingest/messages`: one customer message from a channel bridge.
///
/// Threading: `(channel, conversation_id)` names a conversation. Its first message opens
/// a ticket; later ones join that ticket while it is open (a solved one reopens); once it
/// is closed, the next message opens a new ticket. A message is stored once per
/// `(channel, conversation_id, external_id)`, so a bridge may safely deliver it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundMessage {
    pub channel: Channel,
    /// The bridge's id for the conversation (chat session, messenger chat, form thread).
    pub conversation_id: String,
    /// The bridge's id for this message.
    pub external_id: String,
    pub customer: InboundCustomer,
    /// Subject of the ticket a new conversation opens; the first line of the text if absent.
    #[serde(default)]
    pub subject: Option<String>,
    /// Plain text. Markup in it is kept as text, never rendered. May be empty when `html`
    /// is given; the text is then the HTML's plain text.
    #[serde(default)]
    pub text: String,
    /// The message as HTML (email): kept only as the sanitizer's output, and not at all
    /// when it holds a wallet secret.
    #[serde(default)]
    pub html: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundCustomer {
    pub platform_user_id: String,
    pub name: String,
    /// Messenger handle, e.g. `telegram:@alice`; added to the customer's handles.
    #[serde(default)]
    pub handle: Option<String>,
    /// BCP 47 language, when the bridge knows it.
    #[serde(default)]
    pub language: Option<String>,
    /// The customer's email address, when the channel has one (email, the web form):
    /// added to the customer's addresses, and where replies on such a channel go.
    #[serde(default)]
    pub email: Option<String>,
}

/// What the server POSTs to a chat or messenger bridge for each public message on one of
/// its conversations (DESIGN.md §11), signed as ingestion requests are (`X-Desk-Timestamp`,
/// `X-Desk-Nonce`, `X-Desk-Signature` with the bridge's secret) and carrying
/// `Idempotency-Key: <message_id>`: a retry after a lost answer is the same message, which
/// the bridge must post once. A 2xx answer is success, 4xx a final refusal (its body is
/// shown to the agent), anything else is retried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeMessage {
    pub message_id: String,
    pub channel: Channel,
    /// The bridge's own conversation id, as it sent it in with the customer's messages.
    pub conversation_id: String,
    pub ticket_id: String,
    pub ticket_number: Option<i64>,
    /// Who wrote it, as the customer may see it (an agent's name, or the desk's).
    pub author_name: String,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<crate::domain::Attachment>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundMessageResponse {
    pub ticket_id: String,
    pub ticket_number: i64,
    pub message_id: String,
    /// This message opened the ticket.
    pub created_ticket: bool,
    /// The message was stored before (a re-delivery); nothing changed.
    pub duplicate: bool,
}

/// What an agent is doing on a ticket, as other agents see it (DESIGN.md §8 presence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PresenceState {
    Viewing,
    Replying,
}

/// `PUT /api/v1/presence`: this device's agent is on `ticket_id`, doing `state`. It holds
/// until the server's presence TTL passes without another announcement, or the device
/// announces another ticket or leaves (`DELETE`): one ticket per device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceRequest {
    pub ticket_id: String,
    pub state: PresenceState,
}

/// One agent on a ticket. An agent on several devices counts once, with the strongest
/// state (replying over viewing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PresenceEntry {
    pub agent_id: String,
    pub agent_name: String,
    pub state: PresenceState,
}

/// Who is on a ticket right now, by agent id; the answer to `GET
/// /api/v1/tickets/{id}/presence` and to an announcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TicketPresence {
    pub ticket_id: String,
    pub agents: Vec<PresenceEntry>,
}
