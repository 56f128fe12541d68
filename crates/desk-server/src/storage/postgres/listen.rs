//! Pokes across server instances: one dedicated connection per storage runs
//! `LISTEN desk_feed` and turns every notification into a poke of a local
//! [`watch`] channel (the `feed_moved` trigger notifies on every writing commit, see
//! `schema.rs`). Started on the first subscription; reconnects with backoff when the
//! connection drops, and pokes once after reconnecting, since notifications sent while it
//! was away are lost. Stops when the last clone of the storage is dropped.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio_postgres::{AsyncMessage, NoTls};

/// The channel the trigger notifies.
pub(super) const CHANNEL: &str = "desk_feed";

/// How often an idle listening connection is checked: a silently dead connection (a cut
/// network) would otherwise wait for a notification for ever.
const PING_EVERY: Duration = Duration::from_secs(30);
const PING_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The local end: subscribers and, once started, the listening task.
pub(super) struct FeedSignal {
    sender: watch::Sender<()>,
    task: OnceLock<AbortOnDrop>,
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl FeedSignal {
    pub(super) fn new() -> Arc<Self> {
        Arc::new(Self {
            sender: watch::Sender::new(()),
            task: OnceLock::new(),
        })
    }

    /// A receiver of pokes; the first call (from inside a tokio runtime) starts listening.
    pub(super) fn subscribe(
        &self,
        config: &tokio_postgres::Config,
        target: &str,
    ) -> watch::Receiver<()> {
        let receiver = self.sender.subscribe();
        self.task.get_or_init(|| {
            let (config, target, sender) = (config.clone(), target.to_owned(), self.sender.clone());
            AbortOnDrop(tokio::spawn(listen(config, target, sender)))
        });
        receiver
    }
}

async fn listen(config: tokio_postgres::Config, target: String, sender: watch::Sender<()>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match session(&config, &sender).await {
            // The session listened before it ended: start the backoff afresh.
            Ok(()) => backoff = Duration::from_millis(100),
            Err(e) => tracing::warn!(error = %e, database = %target, "feed listener failed"),
        }
        tracing::info!(database = %target, retry_in_ms = backoff.as_millis() as u64, "feed listener reconnecting");
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One connection's life: LISTEN, then poke on every notification until it ends.
async fn session(
    config: &tokio_postgres::Config,
    sender: &watch::Sender<()>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (notified, mut notifications) = mpsc::unbounded_channel();
    // The connection object carries the notifications; it must be polled for the
    // client's queries to complete too, so it runs beside them.
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(_)) => {
                    if notified.send(()).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "feed listener connection lost");
                    return;
                }
            }
        }
    });
    let result = async {
        client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
        // Whatever committed while no one listened is only found by pulling.
        sender.send_replace(());
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.tick().await;
        loop {
            tokio::select! {
                notification = notifications.recv() => match notification {
                    Some(()) => {
                        sender.send_replace(());
                    }
                    // The connection ended (its driver logged why).
                    None => return Ok(()),
                },
                _ = ping.tick() => {
                    match tokio::time::timeout(PING_TIMEOUT, client.batch_execute("SELECT 1")).await {
                        Ok(answer) => answer?,
                        Err(_) => {
                            tracing::warn!("feed listener connection stopped answering");
                            return Ok(());
                        }
                    }
                }
            }
        }
    }
    .await;
    driver.abort();
    result
}
