//! A reply pushed to an idle server, timed until its delivery is `sent`: the release
//! `desk-server serve` with a mailbox (its own intake and delivery worker), one agent who
//! pushes replies one at a time over HTTP and watches the feed for the delivery.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use desk_core::wire::{PushRequest, SCHEMA_VERSION};
use desk_core::{Mutation, MutationOp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::bench::{self, now_ms};
use crate::outbound::reply_text;

/// How often the agent looks at the feed while it waits.
const POLL: Duration = Duration::from_millis(10);
/// A delivery not settled by then counts as missed.
const GIVE_UP: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
pub struct Latency {
    /// Push answered → the feed shows the delivery `sent`, as an agent's console would.
    pub seen_us: Vec<u32>,
    /// Push answered → the delivery's own `sent_at` (the server's clock, same machine).
    pub sent_at_us: Vec<u32>,
    /// The push's own round trip.
    pub push_us: Vec<u32>,
    pub missed: usize,
    pub failed: usize,
}

/// `n` replies (after one warm-up), one at a time, each to the next of `tickets` (id and
/// newest message, which the agent has seen), with 100–300 ms of quiet between one
/// reply's `sent` and the next push.
pub async fn one_at_a_time(
    base: &str,
    agent_email: &str,
    mut tickets: Vec<(String, String)>,
    n: usize,
) -> anyhow::Result<Latency> {
    let http = reqwest::Client::new();
    let tokens = bench::login(&http, base, agent_email, "bench channels console").await?;
    let token = tokens.access_token.into_inner();
    let agent_id = tokens.agent.id;
    let client_id = uuid::Uuid::new_v4().to_string();
    // Start at the feed's head, as a console that bootstrapped earlier.
    let mut cursor = String::new();
    loop {
        let page = pull(&http, base, &token, &cursor, 5_000).await?;
        cursor = page["next_cursor"].as_str().unwrap_or_default().to_owned();
        if page["has_more"] != true {
            break;
        }
    }
    let mut rng = StdRng::seed_from_u64(11);
    let mut latency = Latency::default();
    for i in 0..=n {
        let message_id = uuid::Uuid::now_v7().to_string();
        let slot = i % tickets.len();
        let ticket_id = tickets[slot].0.clone();
        let last_seen = std::mem::replace(&mut tickets[slot].1, message_id.clone());
        let mutation = Mutation {
            id: uuid::Uuid::now_v7().to_string(),
            client_id: client_id.clone(),
            seq: i as u64 + 1,
            agent_id: agent_id.clone(),
            created_at: now_ms(),
            op: MutationOp::Reply {
                ticket_id,
                message_id: message_id.clone(),
                body_text: reply_text(i),
                last_seen_message_id: Some(last_seen),
                attachments: vec![],
            },
        };
        let pushed = Instant::now();
        let answer: serde_json::Value = http
            .post(format!("{base}/api/v1/push"))
            .bearer_auth(&token)
            .json(&PushRequest {
                schema_version: SCHEMA_VERSION,
                mutations: vec![mutation],
            })
            .send()
            .await?
            .error_for_status()
            .context("push a reply")?
            .json()
            .await?;
        let answered = Instant::now();
        let answered_ms = now_ms();
        let outcome = &answer["results"][0]["result"]["outcome"];
        if outcome != "applied" {
            bail!("reply {i} was not applied: {answer}");
        }
        let mut settled = None;
        while settled.is_none() && answered.elapsed() < GIVE_UP {
            let page = pull(&http, base, &token, &cursor, 500).await?;
            cursor = page["next_cursor"].as_str().unwrap_or_default().to_owned();
            settled = page["changes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| c["kind"] == "delivery" && c["record"]["id"] == message_id.as_str())
                .map(|c| &c["record"])
                .find(|d| d["state"] == "sent" || d["state"] == "failed")
                .cloned();
            if settled.is_none() && page["has_more"] != true {
                tokio::time::sleep(POLL).await;
            }
        }
        let seen = answered.elapsed();
        if i == 0 {
            // The warm-up: connections to the relay and the database are opened here.
            eprintln!(
                "  warm-up reply sent in {:.0} ms",
                seen.as_secs_f64() * 1000.0
            );
        } else {
            match &settled {
                None => latency.missed += 1,
                Some(d) if d["state"] == "failed" => {
                    latency.failed += 1;
                    eprintln!("  reply {i} failed: {}", d["error"]);
                }
                Some(d) => {
                    latency.seen_us.push(seen.as_micros() as u32);
                    latency.push_us.push((answered - pushed).as_micros() as u32);
                    if let Some(sent_at) = d["sent_at"].as_i64() {
                        let us = (sent_at - answered_ms).max(0) * 1000;
                        latency.sent_at_us.push(us as u32);
                    }
                }
            }
            if i % 50 == 0 {
                eprintln!("  {i} replies");
            }
        }
        tokio::time::sleep(Duration::from_millis(rng.gen_range(100..300))).await;
    }
    Ok(latency)
}

async fn pull(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    cursor: &str,
    limit: u32,
) -> anyhow::Result<serde_json::Value> {
    Ok(http
        .get(format!("{base}/api/v1/sync/pull"))
        .query(&[("cursor", cursor), ("limit", &limit.to_string())])
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()
        .context("pull")?
        .json()
        .await?)
}
