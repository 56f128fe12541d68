//! `desk-server serve`'s settings from three layers: a TOML file (`--config`), then
//! environment variables, then command-line flags, each overriding the one before.
//!
//! Every key has the same name in the file, an environment variable `DESK_<KEY>` and, for
//! the common ones, a flag `--<key-with-dashes>`. A bad value is refused naming the key,
//! the value and where it came from; an unknown key in the file is refused too (a typo
//! would otherwise be silently ignored). The environment is passed in, never read here,
//! so the layering is table-testable. Must not depend on HTTP or a storage backend.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{Config, IngestSecret, StorageConfig};

/// How logs are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub listen: SocketAddr,
    pub storage: StorageConfig,
    /// HTTPS from these files; `None`: plain HTTP (behind a TLS-terminating proxy).
    pub tls: Option<crate::tls::TlsFiles>,
    /// Where `/metrics` is served; `None`: not at all.
    pub metrics_listen: Option<SocketAddr>,
    pub log_format: LogFormat,
    /// A `tracing` filter, e.g. `info` or `desk_server=debug,info`.
    pub log_level: String,
    pub config: Config,
    /// Both a database URL and a data directory were set (the URL wins): worth a warning
    /// once logging is up.
    pub both_storages_set: bool,
}

/// One key: its name in the file (and, upper-cased, after `DESK_` in the environment).
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub name: &'static str,
    pub default: &'static str,
    pub help: &'static str,
}

/// Every key `serve` reads, in the order the README documents them.
pub const KEYS: &[Key] = &[
    Key {
        name: "listen",
        default: "127.0.0.1:8080",
        help: "address of the API; port 0 picks a free port",
    },
    Key {
        name: "data_dir",
        default: "",
        help: "directory of desk.sqlite3 (embedded SQLite, one instance); created if missing",
    },
    Key {
        name: "database_url",
        default: "",
        help: "postgres://user:password@host:port/db; wins over data_dir. Prefer the environment: a command line is readable by every user",
    },
    Key {
        name: "tls_cert",
        default: "",
        help: "PEM certificate chain (the server's first): serve HTTPS; needs tls_key",
    },
    Key {
        name: "tls_key",
        default: "",
        help: "PEM private key of tls_cert (PKCS#8, PKCS#1 or SEC1); keep it readable by the server's user only",
    },
    Key {
        name: "metrics_listen",
        default: "off",
        help: "address of the Prometheus /metrics endpoint, kept off the public port; `off` disables it",
    },
    Key {
        name: "log_format",
        default: "text",
        help: "`text` or `json` (one object per line)",
    },
    Key {
        name: "log_level",
        default: "info",
        help: "a tracing filter such as `info` or `desk_server=debug,info`; RUST_LOG is read when DESK_LOG_LEVEL is unset",
    },
    Key {
        name: "feed_retention_days",
        default: "30",
        help: "days mutation answers are kept; an older cursor must re-bootstrap (1..=3650)",
    },
    Key {
        name: "access_token_ttl_secs",
        default: "900",
        help: "lifetime of an access token (60..=86400)",
    },
    Key {
        name: "refresh_token_ttl_days",
        default: "30",
        help: "lifetime of a refresh token, restarted by each rotation (1..=365)",
    },
    Key {
        name: "login_max_failures",
        default: "10",
        help: "failed logins per email within login_window_secs before `rate_limited` (1..=1000)",
    },
    Key {
        name: "login_window_secs",
        default: "300",
        help: "the login throttling window (1..=86400)",
    },
    Key {
        name: "body_limit_bytes",
        default: "1048576",
        help: "largest request body accepted (1024..=67108864)",
    },
    Key {
        name: "pull_default_limit",
        default: "500",
        help: "page size of a pull that names none (1..=pull_max_limit)",
    },
    Key {
        name: "pull_max_limit",
        default: "5000",
        help: "largest page a pull may ask for (1..=100000)",
    },
    Key {
        name: "push_max_batch",
        default: "200",
        help: "most mutations in one push (1..=10000)",
    },
    Key {
        name: "prune_interval_secs",
        default: "600",
        help: "how often expired mutation answers are pruned (10..=86400)",
    },
    Key {
        name: "events_keep_alive_secs",
        default: "15",
        help: "keep-alive comment interval on event streams (1..=300)",
    },
    Key {
        name: "events_min_interval_ms",
        default: "100",
        help: "least time between two pokes on one event stream; changes meanwhile make one poke (0..=5000)",
    },
    Key {
        name: "events_pokes_per_second",
        default: "4000",
        help: "most pokes a second over all event streams, by spacing each stream's pokes further apart as more connect; 0: no bound (0..=1000000)",
    },
    Key {
        name: "ingest_secrets",
        default: "",
        help: "`id=secret,id2=secret2` signing ingestion requests, each at least 32 bytes; unset: ingestion is refused",
    },
    Key {
        name: "ingest_window_secs",
        default: "300",
        help: "how far an ingestion request's timestamp may be from the server clock (10..=3600)",
    },
    Key {
        name: "ingest_per_sender_per_minute",
        default: "6000",
        help: "ingestion requests per minute from one sender (ingest secret id); 0: unlimited (0..=1000000)",
    },
    Key {
        name: "ingest_per_conversation_per_minute",
        default: "30",
        help: "inbound messages per minute in one conversation; 0: unlimited (0..=100000)",
    },
    Key {
        name: "delivery_lease_secs",
        default: "300",
        help: "how long a server sending a reply holds it; a server killed mid-send leaves it to be sent again after this (5..=3600)",
    },
    Key {
        name: "delivery_retry_hours",
        default: "24",
        help: "how long transient delivery failures are retried before the reply fails (1..=168)",
    },
    Key {
        name: "mailbox_lease_secs",
        default: "90",
        help: "how long the instance fetching a mailbox holds it; another takes over after this when it dies (10..=3600)",
    },
    Key {
        name: "ingest_per_customer_per_minute",
        default: "60",
        help: "inbound messages per minute from one customer, across conversations; 0: unlimited (0..=100000)",
    },
];

/// Arrays of tables the file may hold beside [`KEYS`]: one entry per bridge
/// (`[[bridge]]`); they have no environment variable or flag, but their secrets may come
/// from the environment.
pub const TABLE_KEYS: &[&str] = &["bridge", "mailbox"];

/// `[[mailbox]]` tables: `address`, `imap_url` and `smtp_url` (`imap://user:pass@host:port/INBOX`,
/// `imaps://…`, `smtp://…`, `smtps://…`), optional `name` (shown beside the address),
/// `group` (where its new tickets go) and `password_env` (an environment variable holding
/// the password, for URLs that leave it out). The first mailbox is the default sender.
fn mailboxes(
    table: &toml::Table,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<crate::config::Mailbox>, SettingsError> {
    let Some(value) = table.get("mailbox") else {
        return Ok(vec![]);
    };
    let bad = |n: usize, why: String| {
        SettingsError(format!(
            "invalid [[mailbox]] number {n} in config file {}: {why}",
            path.display()
        ))
    };
    let entries = value
        .as_array()
        .ok_or_else(|| bad(1, "expected [[mailbox]] tables".into()))?;
    let mut mailboxes: Vec<crate::config::Mailbox> = Vec::with_capacity(entries.len());
    const KNOWN: [&str; 6] = [
        "address",
        "name",
        "imap_url",
        "smtp_url",
        "group",
        "password_env",
    ];
    for (i, entry) in entries.iter().enumerate() {
        let n = i + 1;
        let entry = entry
            .as_table()
            .ok_or_else(|| bad(n, "expected a table".into()))?;
        if let Some(k) = entry.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(bad(
                n,
                format!("unknown key {k:?}; known: {}", KNOWN.join(", ")),
            ));
        }
        let text = |k: &str| entry.get(k).and_then(toml::Value::as_str);
        let address = text("address").ok_or_else(|| bad(n, "address is missing".into()))?;
        desk_core::delivery::check_email_address(address).map_err(|e| bad(n, e))?;
        if mailboxes
            .iter()
            .any(|m| m.address.eq_ignore_ascii_case(address))
        {
            return Err(bad(n, format!("{address} is configured twice")));
        }
        let password = match text("password_env") {
            Some(var) => Some(
                env(var)
                    .ok_or_else(|| bad(n, format!("password_env names {var}, which is not set")))?,
            ),
            None => None,
        };
        let url = |key: &str, imap: bool| -> Result<desk_mail::MailboxUrl, SettingsError> {
            let raw = text(key).ok_or_else(|| bad(n, format!("{key} is missing")))?;
            let mut url =
                desk_mail::MailboxUrl::parse(raw).map_err(|e| bad(n, format!("{key}: {e}")))?;
            if url.scheme().is_imap() != imap {
                return Err(bad(
                    n,
                    format!(
                        "{key} must be an {} url",
                        if imap {
                            "imap:// or imaps://"
                        } else {
                            "smtp:// or smtps://"
                        }
                    ),
                ));
            }
            if let (Some(p), true, None) = (&password, url.user().is_some(), url.password()) {
                url = url.with_password(p.clone());
            }
            Ok(url)
        };
        mailboxes.push(crate::config::Mailbox {
            address: address.to_owned(),
            name: text("name").map(str::to_owned),
            imap: url("imap_url", true)?,
            smtp: url("smtp_url", false)?,
            group: text("group").map(str::to_owned),
        });
    }
    Ok(mailboxes)
}

/// `[[bridge]]` tables: `channel` (chat, telegram or wechat), `url`, and `secret` or
/// `secret_env` (the name of an environment variable holding it; at least 32 bytes).
fn bridges(
    table: &toml::Table,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<crate::config::Bridge>, SettingsError> {
    let Some(value) = table.get("bridge") else {
        return Ok(vec![]);
    };
    let bad = |n: usize, why: String| {
        SettingsError(format!(
            "invalid [[bridge]] number {n} in config file {}: {why}",
            path.display()
        ))
    };
    let entries = value
        .as_array()
        .ok_or_else(|| bad(1, "expected [[bridge]] tables".into()))?;
    let mut bridges: Vec<crate::config::Bridge> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let n = i + 1;
        let entry = entry
            .as_table()
            .ok_or_else(|| bad(n, "expected a table".into()))?;
        if let Some(k) = entry
            .keys()
            .find(|k| !["channel", "url", "secret", "secret_env"].contains(&k.as_str()))
        {
            return Err(bad(
                n,
                format!("unknown key {k:?}; known: channel, url, secret, secret_env"),
            ));
        }
        let text = |k: &str| entry.get(k).and_then(toml::Value::as_str);
        let channel: desk_core::Channel = text("channel")
            .ok_or_else(|| bad(n, "channel is missing".into()))?
            .parse()
            .map_err(|e| bad(n, format!("{e}")))?;
        if !matches!(
            channel,
            desk_core::Channel::Chat | desk_core::Channel::Telegram | desk_core::Channel::Wechat
        ) {
            return Err(bad(
                n,
                format!("{channel} is not a bridged channel (chat, telegram or wechat)"),
            ));
        }
        if bridges.iter().any(|b| b.channel == channel) {
            return Err(bad(n, format!("a second bridge for {channel}")));
        }
        let url = text("url").ok_or_else(|| bad(n, "url is missing".into()))?;
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(bad(n, "url must be http:// or https://".into()));
        }
        let secret = match (text("secret"), text("secret_env")) {
            (Some(s), None) => s.to_owned(),
            (None, Some(var)) => env(var)
                .ok_or_else(|| bad(n, format!("secret_env names {var}, which is not set")))?,
            _ => return Err(bad(n, "give one of secret and secret_env".into())),
        };
        if secret.len() < crate::config::MIN_INGEST_KEY_BYTES {
            return Err(bad(
                n,
                format!(
                    "the secret must be at least {} bytes",
                    crate::config::MIN_INGEST_KEY_BYTES
                ),
            ));
        }
        bridges.push(crate::config::Bridge {
            channel,
            url: url.to_owned(),
            secret: secret.into_bytes(),
        });
    }
    Ok(bridges)
}

/// The environment variable of a key.
pub fn env_var(key: &str) -> String {
    format!("DESK_{}", key.to_uppercase())
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SettingsError(String);

/// A value as one layer gave it.
enum Raw {
    Text(String),
    Toml(toml::Value),
}

struct Found {
    key: &'static str,
    raw: Raw,
    /// `--listen`, `DESK_LISTEN` or the file's path.
    origin: String,
}

impl Found {
    fn shown(&self) -> String {
        // The URL may hold a password (and a malformed one cannot be redacted reliably);
        // the ingestion secrets are secrets.
        if self.key == "database_url" || self.key == "ingest_secrets" {
            return "(hidden)".into();
        }
        match &self.raw {
            Raw::Text(t) => format!("{t:?}"),
            Raw::Toml(v) => v.to_string(),
        }
    }

    fn invalid(&self, why: &str) -> SettingsError {
        SettingsError(format!(
            "invalid {} = {} (from {}): {why}",
            self.key,
            self.shown(),
            self.origin
        ))
    }

    fn text(&self) -> Result<String, SettingsError> {
        match &self.raw {
            Raw::Text(t) => Ok(t.trim().to_owned()),
            Raw::Toml(toml::Value::String(s)) => Ok(s.trim().to_owned()),
            Raw::Toml(_) => Err(self.invalid("expected a string")),
        }
    }

    fn number(&self, min: u64, max: u64) -> Result<u64, SettingsError> {
        let range = || format!("expected a whole number from {min} to {max}");
        let n = match &self.raw {
            Raw::Text(t) => t
                .trim()
                .parse::<u64>()
                .map_err(|_| self.invalid(&range()))?,
            Raw::Toml(toml::Value::Integer(i)) => {
                u64::try_from(*i).map_err(|_| self.invalid(&range()))?
            }
            Raw::Toml(_) => return Err(self.invalid(&range())),
        };
        if !(min..=max).contains(&n) {
            return Err(self.invalid(&range()));
        }
        Ok(n)
    }

    fn address(&self) -> Result<SocketAddr, SettingsError> {
        self.text()?
            .parse()
            .map_err(|_| self.invalid("expected an address such as 127.0.0.1:8080"))
    }
}

/// The three layers, highest last.
pub struct Sources<'a> {
    /// The config file's path and text, if one was given.
    pub file: Option<(&'a Path, &'a str)>,
    /// Looks up an environment variable; empty values count as unset.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// `(key, value)` for each flag given on the command line.
    pub flags: &'a [(&'static str, String)],
}

impl Sources<'_> {
    /// Settings from the layers; the first bad or unknown key is the error.
    pub fn resolve(&self) -> Result<ServeSettings, SettingsError> {
        let table = match self.file {
            Some((path, text)) => {
                let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
                    SettingsError(format!(
                        "invalid config file {}: {}",
                        path.display(),
                        e.to_string().trim_end()
                    ))
                })?;
                if let Some(unknown) = table.keys().find(|k| {
                    !KEYS.iter().any(|key| key.name == *k) && !TABLE_KEYS.contains(&k.as_str())
                }) {
                    return Err(SettingsError(format!(
                        "unknown key {unknown:?} in config file {}; known keys: {}",
                        path.display(),
                        KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
                    )));
                }
                table
            }
            None => toml::Table::new(),
        };
        let find = |key: &'static str| -> Option<Found> {
            if let Some((_, value)) = self.flags.iter().rev().find(|(k, _)| *k == key) {
                return Some(Found {
                    key,
                    raw: Raw::Text(value.clone()),
                    origin: format!("--{}", key.replace('_', "-")),
                });
            }
            let mut env_names = vec![env_var(key)];
            if key == "log_level" {
                env_names.push("RUST_LOG".into());
            }
            for name in env_names {
                if let Some(value) = (self.env)(&name).filter(|v| !v.trim().is_empty()) {
                    return Some(Found {
                        key,
                        raw: Raw::Text(value),
                        origin: name,
                    });
                }
            }
            let (path, _) = self.file?;
            table.get(key).map(|value| Found {
                key,
                raw: Raw::Toml(value.clone()),
                origin: path.display().to_string(),
            })
        };
        let number = |key: &'static str, default: u64, min: u64, max: u64| {
            find(key).map_or(Ok(default), |f| f.number(min, max))
        };

        let listen = match find("listen") {
            Some(f) => f.address()?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let metrics_listen = match find("metrics_listen") {
            Some(f) if f.text()?.eq_ignore_ascii_case("off") => None,
            Some(f) => Some(f.address()?),
            None => None,
        };
        let log_format = match find("log_format") {
            Some(f) => match f.text()?.to_ascii_lowercase().as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                _ => return Err(f.invalid("expected `text` or `json`")),
            },
            None => LogFormat::Text,
        };
        let log_level = match find("log_level") {
            Some(f) => {
                let filter = f.text()?;
                tracing_subscriber::EnvFilter::try_new(&filter)
                    .map_err(|e| f.invalid(&format!("not a log filter: {e}")))?;
                filter
            }
            None => "info".into(),
        };
        let database_url = find("database_url").map(|f| f.text()).transpose()?;
        let data_dir = find("data_dir").map(|f| f.text()).transpose()?;
        let both_storages_set = database_url.is_some() && data_dir.is_some();
        let storage = match (database_url, data_dir) {
            (Some(url), _) => StorageConfig::Postgres { url },
            (None, Some(dir)) => StorageConfig::Sqlite {
                data_dir: PathBuf::from(dir),
            },
            (None, None) => {
                return Err(SettingsError(
                    "no storage configured: set data_dir (SQLite) or database_url (PostgreSQL) \
                     in the config file, as DESK_DATA_DIR / DESK_DATABASE_URL, or with \
                     --data-dir / --database-url"
                        .into(),
                ));
            }
        };

        let tls = match (find("tls_cert"), find("tls_key")) {
            (Some(cert), Some(key)) => Some(crate::tls::TlsFiles {
                cert: PathBuf::from(cert.text()?),
                key: PathBuf::from(key.text()?),
            }),
            (None, None) => None,
            (Some(f), None) => return Err(f.invalid("tls_key must be set too")),
            (None, Some(f)) => return Err(f.invalid("tls_cert must be set too")),
        };

        let days = |n: u64| Duration::from_secs(n * 24 * 3600);
        let pull_max_limit = number("pull_max_limit", 5000, 1, 100_000)?;
        let pull_default_limit = number("pull_default_limit", 500, 1, 100_000)?;
        if pull_default_limit > pull_max_limit {
            let found = find("pull_default_limit").or_else(|| find("pull_max_limit"));
            let why = format!(
                "pull_default_limit {pull_default_limit} exceeds pull_max_limit {pull_max_limit}"
            );
            return Err(match found {
                Some(f) => f.invalid(&why),
                None => SettingsError(why),
            });
        }
        let config = Config {
            access_ttl: Duration::from_secs(number("access_token_ttl_secs", 900, 60, 86_400)?),
            refresh_ttl: days(number("refresh_token_ttl_days", 30, 1, 365)?),
            login_max_failures: number("login_max_failures", 10, 1, 1000)? as u32,
            login_window: Duration::from_secs(number("login_window_secs", 300, 1, 86_400)?),
            body_limit: number("body_limit_bytes", 1024 * 1024, 1024, 64 * 1024 * 1024)? as usize,
            pull_default_limit: pull_default_limit as u32,
            pull_max_limit: pull_max_limit as u32,
            push_max_batch: number("push_max_batch", 200, 1, 10_000)? as usize,
            feed_retention: days(number("feed_retention_days", 30, 1, 3650)?),
            prune_interval: Duration::from_secs(number("prune_interval_secs", 600, 10, 86_400)?),
            events_keep_alive: Duration::from_secs(number("events_keep_alive_secs", 15, 1, 300)?),
            events_min_interval: Duration::from_millis(number(
                "events_min_interval_ms",
                100,
                0,
                5000,
            )?),
            events_pokes_per_second: number("events_pokes_per_second", 4000, 0, 1_000_000)? as u32,
            ingest_secrets: match find("ingest_secrets") {
                Some(f) => IngestSecret::parse_list(&f.text()?).map_err(|why| f.invalid(&why))?,
                None => Vec::new(),
            },
            ingest_window: Duration::from_secs(number("ingest_window_secs", 300, 10, 3600)?),
            ingest_limits: crate::ingest::limit::IngestLimits {
                per_sender: number("ingest_per_sender_per_minute", 6000, 0, 1_000_000)? as u32,
                per_conversation: number("ingest_per_conversation_per_minute", 30, 0, 100_000)?
                    as u32,
                per_customer: number("ingest_per_customer_per_minute", 60, 0, 100_000)? as u32,
            },
            delivery: crate::config::DeliveryConfig {
                lease: Duration::from_secs(number("delivery_lease_secs", 300, 5, 3600)?),
                give_up_after: Duration::from_secs(
                    3600 * number("delivery_retry_hours", 24, 1, 168)?,
                ),
                ..crate::config::DeliveryConfig::default()
            },
            mailbox_lease: Duration::from_secs(number("mailbox_lease_secs", 90, 10, 3600)?),
            bridges: match self.file {
                Some((path, _)) => bridges(&table, path, self.env)?,
                None => vec![],
            },
            mailboxes: match self.file {
                Some((path, _)) => mailboxes(&table, path, self.env)?,
                None => vec![],
            },
            ..Config::default()
        };
        Ok(ServeSettings {
            listen,
            storage,
            tls,
            metrics_listen,
            log_format,
            log_level,
            config,
            both_storages_set,
        })
    }
}

/// Reads the config file at `path` for [`Sources::file`].
pub fn read_file(path: &Path) -> Result<String, SettingsError> {
    std::fs::read_to_string(path)
        .map_err(|e| SettingsError(format!("cannot read config file {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn resolve(
        file: Option<&str>,
        env: &[(&str, &str)],
        flags: &[(&'static str, &str)],
    ) -> Result<ServeSettings, SettingsError> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let lookup = move |k: &str| env.get(k).cloned();
        let flags: Vec<(&'static str, String)> =
            flags.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        Sources {
            file: file.map(|text| (Path::new("desk-server.toml"), text)),
            env: &lookup,
            flags: &flags,
        }
        .resolve()
    }

    #[test]
    fn flags_override_environment_which_overrides_the_file() {
        let file = "listen = \"127.0.0.1:1001\"\ndata_dir = \"/from/file\"\n\
                    feed_retention_days = 7\nlog_format = \"json\"\naccess_token_ttl_secs = 120\n";
        let s = resolve(Some(file), &[], &[]).unwrap();
        assert_eq!(s.listen.port(), 1001, "the file sets listen");
        assert_eq!(s.config.feed_retention, Duration::from_secs(7 * 86_400));
        assert_eq!(
            s.log_format,
            LogFormat::Json,
            "the file sets the log format"
        );
        assert_eq!(s.config.access_ttl, Duration::from_secs(120));

        let env = [
            ("DESK_LISTEN", "127.0.0.1:1002"),
            ("DESK_FEED_RETENTION_DAYS", "8"),
        ];
        let s = resolve(Some(file), &env, &[]).unwrap();
        assert_eq!(s.listen.port(), 1002, "the environment overrides the file");
        assert_eq!(s.config.feed_retention, Duration::from_secs(8 * 86_400));
        assert_eq!(
            s.config.access_ttl,
            Duration::from_secs(120),
            "unset in env: file value kept"
        );

        let s = resolve(Some(file), &env, &[("listen", "127.0.0.1:1003")]).unwrap();
        assert_eq!(s.listen.port(), 1003, "a flag overrides the environment");
        assert_eq!(s.config.feed_retention, Duration::from_secs(8 * 86_400));
        assert_eq!(
            s.storage,
            StorageConfig::Sqlite {
                data_dir: "/from/file".into()
            }
        );
    }

    #[test]
    fn defaults_apply_when_no_layer_sets_a_key() {
        let s = resolve(None, &[("DESK_DATA_DIR", "/d")], &[]).unwrap();
        let d = Config::default();
        assert_eq!(s.listen, SocketAddr::from(([127, 0, 0, 1], 8080)));
        assert_eq!(s.metrics_listen, None, "metrics are off unless asked for");
        assert_eq!(s.log_format, LogFormat::Text);
        assert_eq!(s.config.access_ttl, d.access_ttl);
        assert_eq!(s.config.body_limit, d.body_limit);
        assert_eq!(s.config.pull_max_limit, d.pull_max_limit);
        assert_eq!(s.config.feed_retention, d.feed_retention);
        for key in KEYS {
            assert!(!key.help.is_empty(), "{} is documented", key.name);
        }
    }

    #[test]
    fn a_database_url_wins_over_a_data_dir_from_any_layer() {
        let s = resolve(
            Some("data_dir = \"/d\""),
            &[("DESK_DATABASE_URL", "postgres://u:p@h/db")],
            &[],
        )
        .unwrap();
        assert!(matches!(s.storage, StorageConfig::Postgres { .. }));
        assert!(
            s.both_storages_set,
            "the conflict is reported for a warning"
        );
    }

    /// File text, environment, flags, and what the error must mention.
    type Case<'a> = (
        Option<&'a str>,
        &'a [(&'a str, &'a str)],
        &'a [(&'static str, &'a str)],
        &'a [&'a str],
    );

    #[test]
    fn bad_values_are_refused_naming_key_value_and_origin() {
        let cases: &[Case] = &[
            (
                Some("data_dir = \"/d\"\nfeed_retention_days = \"a month\""),
                &[],
                &[],
                &[
                    "feed_retention_days",
                    "\"a month\"",
                    "desk-server.toml",
                    "1 to 3650",
                ],
            ),
            (
                Some("data_dir = \"/d\""),
                &[("DESK_LISTEN", "localhost")],
                &[],
                &["listen", "\"localhost\"", "DESK_LISTEN"],
            ),
            (
                Some("data_dir = \"/d\""),
                &[],
                &[("log_format", "yaml")],
                &["log_format", "\"yaml\"", "--log-format", "`json`"],
            ),
            (
                Some("data_dir = \"/d\"\nbody_limit_bytes = 10"),
                &[],
                &[],
                &["body_limit_bytes", "10", "1024"],
            ),
            (
                Some("data_dir = \"/d\"\nlisten = 8080"),
                &[],
                &[],
                &["listen", "8080", "expected a string"],
            ),
            (
                Some("data_dir = \"/d\"\npull_default_limit = 9000"),
                &[],
                &[],
                &["pull_default_limit", "exceeds pull_max_limit 5000"],
            ),
            (
                Some("data_dir = \"/d\"\nfeed_retention = 30"),
                &[],
                &[],
                &["unknown key \"feed_retention\"", "feed_retention_days"],
            ),
            (
                Some("data_dir = "),
                &[],
                &[],
                &["invalid config file", "line 1"],
            ),
            (None, &[], &[], &["no storage configured", "DESK_DATA_DIR"]),
        ];
        for (file, env, flags, expected) in cases {
            let err = resolve(*file, env, flags)
                .expect_err("a bad setting must be refused")
                .to_string();
            for part in *expected {
                assert!(err.contains(part), "{err:?} should mention {part:?}");
            }
        }
    }

    #[test]
    fn a_bad_database_url_is_refused_without_its_password() {
        // A URL is only checked when connecting, but a non-string in the file is refused here.
        let err = resolve(
            Some("database_url = [\"postgres://u:hunter2@h/db\"]"),
            &[],
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("database_url"), "{err}");
        assert!(
            !err.contains("hunter2"),
            "a password never reaches an error: {err}"
        );
    }

    #[test]
    fn the_readme_documents_every_key() {
        let readme = include_str!("../../../README.md");
        for key in KEYS {
            assert!(
                readme.contains(&format!("| `{}` | `{}` |", key.name, key.default))
                    || readme.contains(&format!("| `{}` | — |", key.name)),
                "README's server section must list `{}` with its default `{}`",
                key.name,
                key.default
            );
        }
    }

    #[test]
    fn ingestion_secrets_come_from_any_layer_and_never_reach_an_error() {
        let key = "k".repeat(32);
        let s = resolve(
            Some(&format!(
                "data_dir = \"/d\"\ningest_secrets = \"old={key}\""
            )),
            &[],
            &[],
        )
        .unwrap();
        assert_eq!(s.config.ingest_secrets.len(), 1, "the file's secrets apply");
        let err = resolve(
            Some("data_dir = \"/d\""),
            &[("DESK_INGEST_SECRETS", "a=tooshort-hunter2")],
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("ingest_secrets") && err.contains("DESK_INGEST_SECRETS"),
            "{err}"
        );
        assert!(
            !err.contains("hunter2"),
            "a secret never reaches an error: {err}"
        );
    }

    #[test]
    fn metrics_can_be_switched_off_over_the_file() {
        let file = "data_dir = \"/d\"\nmetrics_listen = \"127.0.0.1:9464\"";
        let s = resolve(Some(file), &[], &[]).unwrap();
        assert_eq!(
            s.metrics_listen,
            Some(SocketAddr::from(([127, 0, 0, 1], 9464)))
        );
        let s = resolve(Some(file), &[("DESK_METRICS_LISTEN", "off")], &[]).unwrap();
        assert_eq!(
            s.metrics_listen, None,
            "`off` in the environment wins over the file"
        );
    }

    #[test]
    fn bridges_come_from_the_file_with_their_secrets_from_the_environment() {
        let file = r#"
            data_dir = "/d"
            [[bridge]]
            channel = "telegram"
            url = "https://bridge.example/out"
            secret_env = "TG_SECRET"
            [[bridge]]
            channel = "wechat"
            url = "http://127.0.0.1:9000/out"
            secret = "0123456789abcdef0123456789abcdef"
        "#;
        let secret = "s3cret-s3cret-s3cret-s3cret-s3cret";
        let s = resolve(Some(file), &[("TG_SECRET", secret)], &[]).unwrap();
        let bridges = &s.config.bridges;
        assert_eq!(bridges.len(), 2, "one bridge per table");
        assert_eq!(
            (bridges[0].channel, bridges[0].secret.as_slice()),
            (desk_core::Channel::Telegram, secret.as_bytes()),
            "the secret is read from the variable named"
        );
        assert!(
            !format!("{s:?}").contains(secret),
            "a bridge secret never prints"
        );
        for (bad, why) in [
            (
                "channel = \"email\"\nurl = \"http://x\"\nsecret = \"0123456789abcdef0123456789abcdef\"",
                "not a bridged channel",
            ),
            (
                "channel = \"chat\"\nurl = \"ftp://x\"\nsecret = \"0123456789abcdef0123456789abcdef\"",
                "http",
            ),
            (
                "channel = \"chat\"\nurl = \"http://x\"\nsecret = \"short\"",
                "at least 32 bytes",
            ),
            (
                "channel = \"chat\"\nurl = \"http://x\"\nsecret_env = \"UNSET\"",
                "not set",
            ),
            (
                "channel = \"chat\"\nurl = \"http://x\"\nsecret = \"0123456789abcdef0123456789abcdef\"\ntoken = 1",
                "unknown key",
            ),
        ] {
            let file = format!("data_dir = \"/d\"\n[[bridge]]\n{bad}");
            let err = resolve(Some(&file), &[], &[]).unwrap_err().to_string();
            assert!(
                err.contains(why) && err.contains("[[bridge]] number 1"),
                "{bad}: {err}"
            );
        }
    }
}
