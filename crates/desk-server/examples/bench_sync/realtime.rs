//! A change made on one client, timed until another client that follows the server's pokes
//! (the console's loop: `listen_for_pokes` + `run_sync_loop`) has it in its cache.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::bail;
use desk_core::{MutationOp, MutationResult, TicketStatus};
use desk_sync::{Client, Wake, run_sync_loop};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::{toggleable, toggled};

/// A change not seen by then counts as missed for the figures (and is reported).
const VISIBLE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the follower should see on a ticket.
#[derive(Debug, Clone)]
enum Expect {
    Tag(String),
    Status(TicketStatus),
}

struct Probe {
    ticket_id: String,
    expect: Expect,
    started: Instant,
    seen: tokio::sync::oneshot::Sender<Duration>,
}

impl Probe {
    fn holds(&self, client: &Client) -> bool {
        let Ok(detail) = client.ticket(&self.ticket_id) else {
            return false;
        };
        match &self.expect {
            Expect::Tag(tag) => detail.ticket.tags.contains(tag),
            Expect::Status(status) => detail.ticket.status == *status,
        }
    }
}

#[derive(Debug)]
pub struct Visible {
    pub samples_us: Vec<u32>,
    pub push_us: Vec<u32>,
    pub missed: usize,
}

/// The follower runs the console's loop; the lead makes `changes` changes one at a time
/// (tags and status in turn, 20–100 ms apart) and each is timed until the follower's cache
/// shows it, checked after every sync of the follower's loop.
pub async fn change_visible(
    lead: &Client,
    follower: Arc<Client>,
    changes: usize,
) -> anyhow::Result<Visible> {
    let probe: Arc<Mutex<Option<Probe>>> = Arc::default();
    let wake = Arc::new(Wake::default());
    let listener = tokio::spawn({
        let (client, wake) = (follower.clone(), wake.clone());
        async move { client.listen_for_pokes(&wake).await }
    });
    let sync_loop = tokio::spawn(run_sync_loop(follower.clone(), wake, {
        let (client, probe) = (follower.clone(), probe.clone());
        move |_| {
            let mut slot = probe.lock().unwrap();
            if slot.as_ref().is_some_and(|p| p.holds(&client)) {
                let p = slot.take().unwrap();
                let _ = p.seen.send(p.started.elapsed());
            }
        }
    }));
    // Let the stream connect and the loop's first sync pass.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let mut tickets = toggleable(lead, changes)?;
    let mut rng = StdRng::seed_from_u64(7);
    let mut visible = Visible {
        samples_us: Vec::new(),
        push_us: Vec::new(),
        missed: 0,
    };
    for i in 0..changes {
        let slot = i % tickets.len();
        let (ticket_id, status) = tickets[slot].clone();
        let (op, expect) = if i % 2 == 0 {
            let tag = format!("bench-{i}");
            let op = MutationOp::AddTags {
                ticket_id: ticket_id.clone(),
                tags: vec![tag.clone()],
            };
            (op, Expect::Tag(tag))
        } else {
            let to = toggled(status);
            tickets[slot].1 = to;
            let op = MutationOp::SetStatus {
                ticket_id: ticket_id.clone(),
                status: to,
            };
            (op, Expect::Status(to))
        };
        let (seen, rx) = tokio::sync::oneshot::channel();
        let started = Instant::now();
        *probe.lock().unwrap() = Some(Probe {
            ticket_id,
            expect,
            started,
            seen,
        });
        lead.act(op)?;
        let report = lead.sync().await?;
        visible.push_us.push(started.elapsed().as_micros() as u32);
        if let Some(answer) = report.answers.first()
            && answer.result != MutationResult::Applied
        {
            bail!("change {i} was not applied: {:?}", answer.result);
        }
        match tokio::time::timeout(VISIBLE_TIMEOUT, rx).await {
            Ok(Ok(took)) => visible.samples_us.push(took.as_micros() as u32),
            _ => {
                visible.missed += 1;
                probe.lock().unwrap().take();
            }
        }
        if (i + 1) % 50 == 0 {
            eprintln!("  {} changes", i + 1);
        }
        tokio::time::sleep(Duration::from_millis(rng.gen_range(20..100))).await;
    }
    listener.abort();
    sync_loop.abort();
    Ok(visible)
}
