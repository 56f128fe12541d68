//! Handing composed mail to an SMTP relay.
//!
//! One pooled connection set per relay (lettre's async transport), reused across sends;
//! `smtps` is TLS from the first byte, `smtp` upgrades with STARTTLS when offered (see
//! [`crate::url`]). Certificates are checked against the OS trust store, or Mozilla's roots
//! where that store is empty.
//!
//! A failure says whether trying again later can help ([`SendError::transient`]): a 4xx
//! reply, a refused or cut connection, a timeout can; a 5xx reply (unknown recipient,
//! rejected content) cannot. The delivery queue retries the first kind with backoff and
//! marks the second failed at once.

use std::fmt;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::error::{Error, Result};
use crate::url::{MailboxUrl, Scheme};

/// How long one SMTP command may wait for the relay's answer.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// Connections kept open to one relay.
const POOL_SIZE: u32 = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// Whether sending the same bytes again later may succeed.
    pub transient: bool,
    /// What went wrong, with the relay's reply when it gave one.
    pub reason: String,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.transient {
            "temporary"
        } else {
            "permanent"
        };
        write!(f, "{kind} send failure: {}", self.reason)
    }
}

impl std::error::Error for SendError {}

#[derive(Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    relay: String,
}

impl fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSender")
            .field("relay", &self.relay)
            .finish()
    }
}

impl SmtpSender {
    /// A sender for the relay `url` names; it connects on the first send.
    pub fn new(url: &MailboxUrl) -> Result<SmtpSender> {
        let invalid = |reason: &str| Error::InvalidUrl {
            url: url.to_string(),
            reason: reason.to_owned(),
        };
        if url.scheme().is_imap() {
            return Err(invalid("an smtp or smtps url is needed to send"));
        }
        let host = url.host().to_owned();
        let tls = TlsParameters::builder(host.clone())
            .certificate_store(certificate_store())
            .build()
            .map_err(|e| invalid(&format!("tls: {e}")))?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(url.port())
            .timeout(Some(COMMAND_TIMEOUT))
            .pool_config(PoolConfig::new().max_size(POOL_SIZE))
            .tls(match url.scheme() {
                Scheme::Smtps => Tls::Wrapper(tls),
                _ => Tls::Opportunistic(tls),
            });
        if let Some(user) = url.user() {
            let password = url
                .password()
                .ok_or_else(|| invalid("a user is given but no password"))?;
            builder = builder.credentials(Credentials::new(user.to_owned(), password.to_owned()));
        }
        Ok(SmtpSender {
            transport: builder.build(),
            relay: url.to_string(),
        })
    }

    /// Sends `raw` (from [`crate::compose::build`]) as it is, from `envelope_from` (the
    /// bounce address) to each of `to`.
    pub async fn send(
        &self,
        envelope_from: &str,
        to: &[String],
        raw: &[u8],
    ) -> std::result::Result<(), SendError> {
        let permanent = |reason: String| SendError {
            transient: false,
            reason,
        };
        let from = if envelope_from.is_empty() {
            None
        } else {
            Some(
                envelope_from
                    .parse()
                    .map_err(|e| permanent(format!("envelope sender {envelope_from:?}: {e}")))?,
            )
        };
        let to = to
            .iter()
            .map(|r| {
                r.parse()
                    .map_err(|e| permanent(format!("recipient {r:?}: {e}")))
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let envelope = Envelope::new(from, to).map_err(|e| permanent(format!("envelope: {e}")))?;
        match self.transport.send_raw(&envelope, raw).await {
            Ok(_) => Ok(()),
            Err(e) => {
                let error = SendError {
                    // Only a 5xx reply is final; a 4xx, a dropped connection, a timeout or a
                    // TLS failure (a certificate being renewed) are worth another try.
                    transient: !e.is_permanent(),
                    reason: e.to_string(),
                };
                tracing::warn!(relay = %self.relay, transient = error.transient, reason = %error.reason, "smtp send failed");
                Err(error)
            }
        }
    }

    /// Connects and greets the relay (and logs in, if the URL has a user): a settings
    /// check that sends nothing.
    pub async fn test_connection(&self) -> std::result::Result<(), SendError> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(SendError {
                transient: true,
                reason: format!("{} did not answer NOOP", self.relay),
            }),
            Err(e) => Err(SendError {
                transient: !e.is_permanent(),
                reason: e.to_string(),
            }),
        }
    }
}

/// The OS trust store when it holds certificates (where a company installs its private
/// CA), else the Mozilla roots built in.
fn certificate_store() -> CertificateStore {
    if rustls_native_certs::load_native_certs().certs.is_empty() {
        CertificateStore::WebpkiRoots
    } else {
        CertificateStore::Default
    }
}
