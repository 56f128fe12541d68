//! Server settings and the clock the server reads time from.
//!
//! Everything that tests need to bend (token lifetimes, throttling windows, password
//! hashing cost, the current time) lives here, so no handler reads the environment or the
//! system clock directly. Must not depend on HTTP or on a storage backend.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// How expensive password hashes are to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PasswordCost {
    /// argon2id with the crate's recommended parameters. Use this everywhere but tests.
    #[default]
    Standard,
    /// The cheapest parameters argon2 accepts. **Tests only**: such hashes fall to brute
    /// force quickly. Verification follows the parameters stored in each hash, so a server
    /// configured `Standard` still accepts hashes made this way.
    InsecureFastForTests,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// How long an access token is accepted after it was issued.
    pub access_ttl: Duration,
    /// How long a refresh token is accepted after it was issued (each rotation restarts it).
    pub refresh_ttl: Duration,
    /// Failed logins allowed per email inside `login_window` before answering `rate_limited`.
    pub login_max_failures: u32,
    pub login_window: Duration,
    pub password_cost: PasswordCost,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Page size of a pull when the client gives none, and the most it may ask for.
    pub pull_default_limit: u32,
    pub pull_max_limit: u32,
    /// Most mutations in one push; a client with more sends several pushes.
    pub push_max_batch: usize,
    /// How long the answers to pushed mutations are kept. A client that has not pulled
    /// for longer is told to re-bootstrap (`rebootstrap_required`): what it missed may be
    /// gone. The change feed itself keeps one entry per record, so it needs no window.
    pub feed_retention: Duration,
    /// How often a serving instance prunes what `feed_retention` no longer keeps.
    pub prune_interval: Duration,
    /// How often an idle event stream sends a comment, so proxies keep it open and a dead
    /// peer is noticed.
    pub events_keep_alive: Duration,
    /// The least time between two pokes on one event stream: what the feed does meanwhile
    /// is one poke at its end. A console pulls once per poke, so this bounds its pulls
    /// while the feed is busy (100 pushes a second would otherwise be 100 pulls a second
    /// from every console), at the cost of up to this much delay for a change.
    pub events_min_interval: Duration,
    /// Pokes per second the instance sends at most over all its streams, by spacing each
    /// stream's pokes at least `streams / this` apart (0: no such bound). Every poke is a
    /// pull, so this caps the pulls that pokes cause however many consoles are connected;
    /// with many of them a change takes longer to show (1,000 streams at 4,000: 250 ms).
    pub events_pokes_per_second: u32,
    /// Secrets that sign ingestion requests (see `crate::ingest`); any of them is
    /// accepted, so a secret is rotated by adding the new one, moving senders over, then
    /// dropping the old one. Empty: ingestion is refused.
    pub ingest_secrets: Vec<IngestSecret>,
    /// How far an ingestion request's timestamp may be from the server's clock, either way.
    pub ingest_window: Duration,
    /// How long a console's "viewing"/"replying" announcement holds without a refresh;
    /// consoles re-announce well inside it (every 15 s), so a vanished one fades quickly.
    pub presence_ttl: Duration,
    /// Ingestion requests allowed per minute, per sender, conversation and customer (see
    /// `crate::ingest::limit`).
    pub ingest_limits: crate::ingest::limit::IngestLimits,
    /// The outbound delivery queue's timing (see `crate::delivery`).
    pub delivery: DeliveryConfig,
    /// Chat and messenger bridges public messages are posted to, one per channel.
    pub bridges: Vec<Bridge>,
    /// The support mailboxes: email replies are sent from them (the first is the default
    /// for tickets no mail came in on).
    pub mailboxes: Vec<Mailbox>,
    /// How long the instance fetching a mailbox holds it without renewing (`crate::intake`).
    pub mailbox_lease: Duration,
}

/// A support mailbox (`[[mailbox]]` in the settings file). Its URLs print without their
/// passwords.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    /// The address customers write to and replies come from.
    pub address: String,
    /// The name shown beside it, e.g. "Desk 客服".
    pub name: Option<String>,
    pub imap: desk_mail::MailboxUrl,
    pub smtp: desk_mail::MailboxUrl,
    /// The group new tickets from this mailbox go to.
    pub group: Option<String>,
}

/// How the delivery queue works through its deliveries.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryConfig {
    /// How long a worker holds a delivery it is sending; past it, another may send it
    /// again (a server killed mid-send). Longer than any one attempt may take.
    pub lease: Duration,
    /// How long transient failures are retried before the delivery fails for good.
    pub give_up_after: Duration,
    /// Deliveries claimed, and sent at once, per round.
    pub batch: u32,
    /// How often the queue is looked at without a change to the feed waking it.
    pub poll: Duration,
    /// Longest one attempt may take (an SMTP conversation, a bridge's answer).
    pub attempt_timeout: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(5 * 60),
            give_up_after: Duration::from_secs(24 * 3600),
            batch: 32,
            poll: Duration::from_secs(5),
            attempt_timeout: Duration::from_secs(60),
        }
    }
}

/// A chat or messenger bridge: public messages on its channel's conversations are POSTed
/// to `url`, signed with `secret` as ingestion requests are. Printed with `{:?}`, the
/// secret is masked.
#[derive(Clone, PartialEq, Eq)]
pub struct Bridge {
    pub channel: desk_core::Channel,
    pub url: String,
    pub secret: Vec<u8>,
}

impl std::fmt::Debug for Bridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bridge")
            .field("channel", &self.channel)
            .field("url", &self.url)
            .field("secret", &"***")
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            access_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            login_max_failures: 10,
            login_window: Duration::from_secs(5 * 60),
            password_cost: PasswordCost::Standard,
            body_limit: 1024 * 1024,
            pull_default_limit: 500,
            pull_max_limit: 5000,
            push_max_batch: 200,
            feed_retention: Duration::from_secs(30 * 24 * 3600),
            prune_interval: Duration::from_secs(10 * 60),
            events_keep_alive: Duration::from_secs(15),
            events_min_interval: Duration::from_millis(100),
            events_pokes_per_second: 4000,
            ingest_secrets: Vec::new(),
            ingest_window: Duration::from_secs(5 * 60),
            presence_ttl: Duration::from_secs(45),
            ingest_limits: crate::ingest::limit::IngestLimits::default(),
            delivery: DeliveryConfig::default(),
            bridges: Vec::new(),
            mailboxes: Vec::new(),
            mailbox_lease: Duration::from_secs(90),
        }
    }
}

impl Config {
    /// Defaults with cheap password hashing, for tests.
    pub fn for_tests() -> Self {
        Self {
            password_cost: PasswordCost::InsecureFastForTests,
            ..Self::default()
        }
    }
}

/// One secret that may sign ingestion requests. Printed with `{:?}`, the key is masked.
#[derive(Clone, PartialEq, Eq)]
pub struct IngestSecret {
    /// Names the secret in the audit log (`ingest:<id>`); not secret.
    pub id: String,
    pub key: Vec<u8>,
}

/// Shorter keys are refused: the HMAC is only as strong as its key.
pub const MIN_INGEST_KEY_BYTES: usize = 32;

impl IngestSecret {
    /// Parses `id=key,id2=key2` (as in `DESK_INGEST_SECRETS`).
    pub fn parse_list(text: &str) -> Result<Vec<Self>, String> {
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                let (id, key) = part
                    .split_once('=')
                    .ok_or_else(|| "expected id=secret pairs separated by commas".to_owned())?;
                let id = id.trim();
                let valid_id = !id.is_empty()
                    && id.len() <= 64
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if !valid_id {
                    return Err(format!(
                        "ingestion secret id {id:?} must be 1-64 letters, digits, - or _"
                    ));
                }
                if key.len() < MIN_INGEST_KEY_BYTES {
                    return Err(format!(
                        "ingestion secret {id:?} is shorter than {MIN_INGEST_KEY_BYTES} bytes"
                    ));
                }
                Ok(Self {
                    id: id.to_owned(),
                    key: key.as_bytes().to_vec(),
                })
            })
            .collect()
    }
}

impl std::fmt::Debug for IngestSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngestSecret")
            .field("id", &self.id)
            .field("key", &"***")
            .finish()
    }
}

/// Where the server keeps its data. Printed with `{:?}` the password is masked, so it is
/// safe to log.
#[derive(Clone, PartialEq, Eq)]
pub enum StorageConfig {
    /// The embedded default: `desk.sqlite3` in this directory, one server instance.
    Sqlite { data_dir: PathBuf },
    /// A PostgreSQL database (`postgres://user:password@host:port/database`), for
    /// production: any number of server instances share it.
    Postgres { url: String },
}

impl std::fmt::Debug for StorageConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite { data_dir } => f
                .debug_struct("Sqlite")
                .field("data_dir", data_dir)
                .finish(),
            Self::Postgres { url } => f
                .debug_struct("Postgres")
                .field("url", &redact_password(url))
                .finish(),
        }
    }
}

/// A database URL with the password of its `user:password@` part replaced by `***`.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // Key/value form (`host=… password=…`): mask every password value.
        return url
            .split(' ')
            .map(|part| match part.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => part.to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" ");
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Where the server reads the current time, in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> i64;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
    }
}

/// A clock that only moves when told to; clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn new(now_ms: i64) -> Self {
        Self(Arc::new(AtomicI64::new(now_ms)))
    }

    pub fn set(&self, now_ms: i64) {
        self.0.store(now_ms, Ordering::SeqCst);
    }

    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Milliseconds in a duration, saturating.
pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ingestion_secrets_parse_and_never_reach_a_log() {
        let key = "k".repeat(MIN_INGEST_KEY_BYTES);
        let secrets = IngestSecret::parse_list(&format!("old={key}, new={key}x")).unwrap();
        assert_eq!(
            secrets.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            ["old", "new"],
            "every listed secret is active, for rotation"
        );
        assert!(
            !format!("{secrets:?}").contains(&key),
            "the config is logged with {{:?}}"
        );
        for bad in ["nokey", "short=abc", &format!("bad id={key}")] {
            assert!(
                IngestSecret::parse_list(bad).is_err(),
                "{bad:?} is refused at startup"
            );
        }
    }

    #[test]
    fn database_passwords_never_reach_a_log() {
        for (url, expected) in [
            (
                "postgres://desk:s3cr%40t@db.internal:5432/desk?sslmode=disable",
                "postgres://desk:***@db.internal:5432/desk?sslmode=disable",
            ),
            (
                "postgresql://desk@127.0.0.1/desk",
                "postgresql://desk@127.0.0.1/desk",
            ),
            (
                "host=db user=desk password=s3cret dbname=desk",
                "host=db user=desk password=*** dbname=desk",
            ),
        ] {
            assert_eq!(
                redact_password(url),
                expected,
                "{url} must be logged without its password"
            );
        }
        let config = StorageConfig::Postgres {
            url: "postgres://desk:s3cret@db/desk".into(),
        };
        assert!(
            !format!("{config:?}").contains("s3cret"),
            "the storage config is logged with {{:?}}"
        );
    }
}
