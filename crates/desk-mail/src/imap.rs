//! Fetching a mailbox over IMAP, by UID, so the server can keep "everything up to UID N of
//! UIDVALIDITY V is in" and never take a mail twice or miss one.
//!
//! One logged-in session is kept across calls. IDLE (RFC 2177) takes the session by value
//! in async-imap, so it lives in an `Option` that [`ImapSource::wait_for_new`] takes out and
//! puts back; any failure drops it, and the next call logs in again. A reconnect that finds
//! another UIDVALIDITY (the folder was recreated, UIDs renumbered) is reported as
//! [`Error::UidValidityChanged`] rather than papered over: the caller's stored UID no
//! longer means anything.
//!
//! Mail bodies are fetched with `BODY.PEEK[]` (nothing is marked read behind the caller's
//! back) and cut after `max_bytes + 1` bytes, so one huge mail costs bounded memory and
//! still fails [`crate::parse()`] as too large.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_imap::Session;
use async_imap::extensions::idle::IdleResponse;
use futures_util::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use crate::error::{Error, Result};
use crate::parse::Limits;
use crate::url::MailboxUrl;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// A batch of large mails over a slow link.
const FETCH_TIMEOUT: Duration = Duration::from_secs(300);

/// The selected folder's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Folder {
    /// UIDs are meaningful only together with this value.
    pub uid_validity: u32,
    /// The UID the next mail will get, when the server says.
    pub uid_next: Option<u32>,
    /// Mails in the folder.
    pub exists: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub uid: u32,
    /// The mail's full size as the server reports it (`RFC822.SIZE`).
    pub size: u64,
    /// The mail, or its first `max_bytes + 1` bytes when it is larger than that.
    pub raw: Vec<u8>,
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug> Io for T {}
type Stream = Box<dyn Io>;

pub struct ImapSource {
    url: MailboxUrl,
    session: Option<Session<Stream>>,
    folder: Folder,
    idle: bool,
    /// The highest UID the caller has seen: the `after_uid` of its last fetch, or the last
    /// UID that fetch returned. New mail is mail above it.
    highest_seen: u32,
    max_bytes: usize,
}

impl fmt::Debug for ImapSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapSource")
            .field("url", &self.url)
            .field("connected", &self.session.is_some())
            .field("folder", &self.folder)
            .finish()
    }
}

impl ImapSource {
    /// Connects, logs in and selects the URL's folder.
    pub async fn connect(url: &MailboxUrl) -> Result<ImapSource> {
        if !url.scheme().is_imap() {
            return Err(Error::InvalidUrl {
                url: url.to_string(),
                reason: "an imap or imaps url is needed to fetch".to_owned(),
            });
        }
        let (session, idle, folder) = open(url).await?;
        Ok(ImapSource {
            url: url.clone(),
            session: Some(session),
            folder,
            idle,
            highest_seen: folder.uid_next.map_or(0, |n| n.saturating_sub(1)),
            max_bytes: Limits::default().max_bytes,
        })
    }

    /// Mails larger than `max_bytes` are fetched only that far (plus one byte).
    pub fn with_max_bytes(mut self, max_bytes: usize) -> ImapSource {
        self.max_bytes = max_bytes;
        self
    }

    /// The folder as last selected.
    pub fn folder(&self) -> Folder {
        self.folder
    }

    /// Whether the server offers IDLE, so [`ImapSource::wait_for_new`] returns as mail
    /// arrives rather than after its timeout.
    pub fn supports_idle(&self) -> bool {
        self.idle
    }

    /// Selects the folder again and returns its current state.
    pub async fn select(&mut self) -> Result<Folder> {
        let host = self.url.host().to_owned();
        let folder_name = self.url.folder().to_owned();
        let session = self.session().await?;
        let result = select(session, &host, &folder_name).await;
        self.keep(result)
            .and_then(|folder| self.check_validity(folder))
    }

    /// Up to `max` mails with a UID above `after_uid`, in ascending UID order.
    pub async fn fetch_after(&mut self, after_uid: u32, max: usize) -> Result<Vec<Fetched>> {
        self.highest_seen = after_uid;
        if max == 0 {
            return Ok(Vec::new());
        }
        let host = self.url.host().to_owned();
        let limit = self.max_bytes.saturating_add(1);
        let session = self.session().await?;
        let result = fetch_after(session, &host, after_uid, max, limit).await;
        let fetched = self.keep(result)?;
        if let Some(last) = fetched.last() {
            self.highest_seen = last.uid;
        }
        Ok(fetched)
    }

    /// Waits up to `timeout` for mail above the last fetched UID: with IDLE where the server
    /// offers it, else by sleeping and asking once more. `true` means "fetch now" (it may
    /// be a false alarm: any change to the folder ends an IDLE), `false` that the time ran
    /// out. Keep `timeout` under 29 minutes, after which servers drop an idle client.
    pub async fn wait_for_new(&mut self, timeout: Duration) -> Result<bool> {
        if self.has_new().await? {
            return Ok(true);
        }
        if !self.idle {
            tokio::time::sleep(timeout).await;
            return self.has_new().await;
        }
        let host = self.url.host().to_owned();
        let Some(session) = self.session.take() else {
            return self.has_new().await;
        };
        let mut handle = session.idle();
        timed(&host, "IDLE", COMMAND_TIMEOUT, handle.init()).await?;
        let new_data = {
            let (wait, stop) = handle.wait_with_timeout(timeout);
            // async-imap restarts its timeout at every response, and servers send a
            // keepalive every few minutes: the deadline is kept here instead.
            let response = tokio::time::timeout(timeout, wait).await;
            drop(stop);
            match response {
                Ok(Ok(response)) => matches!(response, IdleResponse::NewData(_)),
                Ok(Err(e)) => return Err(imap_error(&host, "IDLE", e)),
                Err(_) => false,
            }
        };
        let session = timed(&host, "DONE", COMMAND_TIMEOUT, handle.done()).await?;
        self.session = Some(session);
        Ok(new_data)
    }

    /// Sets `\Seen` on one mail (a courtesy to people who also read the mailbox).
    pub async fn mark_seen(&mut self, uid: u32) -> Result<()> {
        let host = self.url.host().to_owned();
        let session = self.session().await?;
        let result = timed(&host, "UID STORE", COMMAND_TIMEOUT, async {
            let updates = session
                .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)")
                .await?;
            updates.try_collect::<Vec<_>>().await
        })
        .await;
        self.keep(result).map(|_| ())
    }

    /// Logs out politely; dropping the source closes the connection too.
    pub async fn logout(mut self) {
        if let Some(mut session) = self.session.take() {
            let _ = tokio::time::timeout(COMMAND_TIMEOUT, session.logout()).await;
        }
    }

    async fn has_new(&mut self) -> Result<bool> {
        let after = self.highest_seen;
        let host = self.url.host().to_owned();
        let session = self.session().await?;
        let result = search_after(session, &host, after).await;
        self.keep(result).map(|uids| !uids.is_empty())
    }

    /// The session, logging in again if an earlier failure dropped it.
    async fn session(&mut self) -> Result<&mut Session<Stream>> {
        if self.session.is_none() {
            tracing::info!(url = %self.url, "imap reconnecting");
            let (session, idle, folder) = open(&self.url).await?;
            self.session = Some(session);
            self.idle = idle;
            self.check_validity(folder)?;
        }
        Ok(self.session.as_mut().expect("session was just opened"))
    }

    fn check_validity(&mut self, folder: Folder) -> Result<Folder> {
        let old = self.folder.uid_validity;
        self.folder = folder;
        if folder.uid_validity != old {
            return Err(Error::UidValidityChanged {
                host: self.url.host().to_owned(),
                folder: self.url.folder().to_owned(),
                old,
                new: folder.uid_validity,
            });
        }
        Ok(folder)
    }

    /// Passes `result` on; a failure drops the session, whose state is then unknown.
    fn keep<T>(&mut self, result: Result<T>) -> Result<T> {
        if result.is_err() {
            self.session = None;
        }
        result
    }
}

async fn open(url: &MailboxUrl) -> Result<(Session<Stream>, bool, Folder)> {
    let host = url.host();
    let (Some(user), Some(password)) = (url.user(), url.password()) else {
        return Err(Error::InvalidUrl {
            url: url.to_string(),
            reason: "imap needs a user and a password".to_owned(),
        });
    };
    let connect_error = |source| Error::Connect {
        host: host.to_owned(),
        port: url.port(),
        source,
    };
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((host, url.port())))
        .await
        .map_err(|_| connect_error(std::io::ErrorKind::TimedOut.into()))?
        .map_err(connect_error)?;
    tcp.set_nodelay(true).ok();
    let stream: Stream = if url.scheme().is_tls() {
        Box::new(tls(host, tcp).await?)
    } else {
        Box::new(tcp)
    };
    let mut client = async_imap::Client::new(stream);
    let greeting = tokio::time::timeout(COMMAND_TIMEOUT, client.read_response())
        .await
        .map_err(|_| Error::Timeout {
            host: host.to_owned(),
            command: "greeting",
            seconds: COMMAND_TIMEOUT.as_secs(),
        })?
        .map_err(connect_error)?;
    if greeting.is_none() {
        return Err(connect_error(std::io::ErrorKind::UnexpectedEof.into()));
    }
    let mut session = tokio::time::timeout(COMMAND_TIMEOUT, client.login(user, password))
        .await
        .map_err(|_| Error::Timeout {
            host: host.to_owned(),
            command: "LOGIN",
            seconds: COMMAND_TIMEOUT.as_secs(),
        })?
        .map_err(|(e, _)| Error::Login {
            host: host.to_owned(),
            user: user.to_owned(),
            reason: e.to_string(),
        })?;
    let capabilities = timed(host, "CAPABILITY", COMMAND_TIMEOUT, session.capabilities()).await?;
    let idle = capabilities.has_str("IDLE");
    let folder = select(&mut session, host, url.folder()).await?;
    Ok((session, idle, folder))
}

async fn tls(host: &str, tcp: TcpStream) -> Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let tls_error = |reason: String| Error::Tls {
        host: host.to_owned(),
        reason,
    };
    let mut roots = RootCertStore::empty();
    // The OS store holds a company's private CA; Mozilla's roots cover a bare container.
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    // ring, as the rest of the tree (no aws-lc to build). rustls 0.23.48 deprecates it for
    // lacking post-quantum key exchange, with no other way to ask for ring.
    #[allow(deprecated)]
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_owned())
        .map_err(|e| tls_error(format!("{host:?} is not a server name: {e}")))?;
    tokio::time::timeout(
        CONNECT_TIMEOUT,
        TlsConnector::from(Arc::new(config)).connect(name, tcp),
    )
    .await
    .map_err(|_| tls_error("handshake timed out".to_owned()))?
    .map_err(|e| tls_error(e.to_string()))
}

async fn select(session: &mut Session<Stream>, host: &str, folder: &str) -> Result<Folder> {
    let mailbox = timed(host, "SELECT", COMMAND_TIMEOUT, session.select(folder)).await?;
    let uid_validity = mailbox.uid_validity.ok_or_else(|| Error::Imap {
        host: host.to_owned(),
        command: "SELECT",
        reason: format!("no UIDVALIDITY for folder {folder:?}"),
    })?;
    Ok(Folder {
        uid_validity,
        uid_next: mailbox.uid_next,
        exists: mailbox.exists,
    })
}

/// UIDs above `after`, ascending. `UID SEARCH UID n:*` also names the highest UID when
/// that is below `n` (`*` is the last mail), which is filtered out here.
async fn search_after(session: &mut Session<Stream>, host: &str, after: u32) -> Result<Vec<u32>> {
    let Some(from) = after.checked_add(1) else {
        return Ok(Vec::new());
    };
    let found = timed(
        host,
        "UID SEARCH",
        COMMAND_TIMEOUT,
        session.uid_search(format!("UID {from}:*")),
    )
    .await?;
    let mut uids: Vec<u32> = found.into_iter().filter(|&u| u > after).collect();
    uids.sort_unstable();
    Ok(uids)
}

async fn fetch_after(
    session: &mut Session<Stream>,
    host: &str,
    after: u32,
    max: usize,
    limit: usize,
) -> Result<Vec<Fetched>> {
    let mut uids = search_after(session, host, after).await?;
    uids.truncate(max);
    if uids.is_empty() {
        return Ok(Vec::new());
    }
    let query = format!("(UID RFC822.SIZE BODY.PEEK[]<0.{limit}>)");
    let fetches = timed(host, "UID FETCH", FETCH_TIMEOUT, async {
        let stream = session.uid_fetch(sequence_set(&uids), &query).await?;
        stream.try_collect::<Vec<_>>().await
    })
    .await?;
    let mut out: Vec<Fetched> = fetches
        .iter()
        .filter_map(|f| {
            let uid = f.uid?;
            // Unsolicited FETCH responses (flag changes) carry no body: skip them.
            let raw = f.body()?;
            (uid > after && uids.binary_search(&uid).is_ok()).then(|| Fetched {
                uid,
                size: f.size.map_or(raw.len() as u64, u64::from),
                raw: raw.to_vec(),
            })
        })
        .collect();
    out.sort_by_key(|f| f.uid);
    out.dedup_by_key(|f| f.uid);
    Ok(out)
}

/// `1:3,7,9:10` for ascending UIDs.
fn sequence_set(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end + 1 {
            i += 1;
            end = uids[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

async fn timed<T>(
    host: &str,
    command: &'static str,
    limit: Duration,
    fut: impl Future<Output = async_imap::error::Result<T>>,
) -> Result<T> {
    match tokio::time::timeout(limit, fut).await {
        Ok(result) => result.map_err(|e| imap_error(host, command, e)),
        Err(_) => Err(Error::Timeout {
            host: host.to_owned(),
            command,
            seconds: limit.as_secs(),
        }),
    }
}

fn imap_error(host: &str, command: &'static str, e: async_imap::error::Error) -> Error {
    Error::Imap {
        host: host.to_owned(),
        command,
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::sequence_set;

    #[test]
    fn sequence_sets_compress_runs() {
        assert_eq!(sequence_set(&[1, 2, 3, 7, 9, 10]), "1:3,7,9:10");
        assert_eq!(sequence_set(&[5]), "5");
    }
}
