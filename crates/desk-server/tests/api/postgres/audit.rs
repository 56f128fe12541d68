//! The audit log on PostgreSQL: raw-SQL tampering is caught, and concurrent writers on
//! several connections keep one linear chain.

use std::sync::Arc;

use desk_core::wire::Change;
use desk_core::{Agent, Mutation, Role, TicketStatus};
use desk_server::audit::{self, Actor};
use desk_server::storage::{Credential, NewAgent, NewDevice, PushBatch};
use desk_server::{PgStorage, Storage};

use super::{fresh_url, raw};
use crate::conformance::audit::{all_rows, tampering_is_detected};
use crate::conformance::push::set_status;
use crate::conformance::ticket;

#[tokio::test]
async fn a_tampered_audit_log_is_detected() {
    let url = fresh_url();
    let storage = PgStorage::connect(&url).await.unwrap();
    tampering_is_detected(Arc::new(storage), |sql| {
        let url = url.clone();
        async move { raw(&url).await.batch_execute(&sql).await.unwrap() }
    })
    .await;
}

const WRITERS: usize = 6;
const ROUNDS: usize = 15;

/// Sign-ins, sign-outs and pushes from many tasks at once, each its own transaction on
/// its own pooled connection: every append must chain onto the one committed before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_keep_one_linear_chain() {
    let storage = Arc::new(PgStorage::connect(&fresh_url()).await.unwrap());
    let agent = storage
        .create_agent(
            NewAgent {
                id: "ag1".into(),
                email: "lin@desk.test".into(),
                name: "林伟".into(),
                role: Role::Agent,
                languages: vec![],
                groups: Vec::new(),
                skills: vec![],
                capacity: None,
                credential: Credential::Password("hash".into()),
                by: Actor::System,
            },
            1,
        )
        .await
        .unwrap();
    storage
        .write_records(vec![Change::Ticket(ticket("t1", None))])
        .await
        .unwrap();
    let tasks: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (storage, agent) = (storage.clone(), agent.clone());
            tokio::spawn(async move {
                for i in 0..ROUNDS {
                    let device = format!("d-{w}-{i}");
                    storage.create_device(device_for(&device)).await.unwrap();
                    storage
                        .push(push_batch(&agent, &device, w, i))
                        .await
                        .unwrap();
                    storage
                        .revoke_device(&device, 10, &Actor::Agent(agent.id.clone()))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("every writer finishes");
    }
    let rows = all_rows(storage.as_ref()).await;
    let expected = 1 + WRITERS * ROUNDS * 3;
    assert_eq!(
        rows.len(),
        expected,
        "one row per action: agent added, then a sign-in, a push and a sign-out per round"
    );
    assert_eq!(
        audit::verify(storage.as_ref()).await.unwrap(),
        Ok(expected as i64),
        "concurrent appends form one linear chain: no fork, no gap"
    );
}

fn device_for(id: &str) -> NewDevice {
    NewDevice {
        id: id.into(),
        agent_id: "ag1".into(),
        name: "laptop".into(),
        refresh_hash: format!("r-{id}"),
        refresh_expires_at: 1_000_000,
        access_hash: format!("a-{id}"),
        access_expires_at: 1_000_000,
        now: 5,
    }
}

fn push_batch(agent: &Agent, device: &str, writer: usize, round: usize) -> PushBatch {
    let status = if round.is_multiple_of(2) {
        TicketStatus::Open
    } else {
        TicketStatus::PendingCustomer
    };
    PushBatch {
        author: agent.clone(),
        device_id: device.into(),
        now: 7,
        mutations: vec![Mutation {
            id: format!("m-{writer}-{round}"),
            client_id: format!("client-{writer}"),
            seq: round as u64 + 1,
            agent_id: agent.id.clone(),
            created_at: 6,
            op: set_status("t1", status),
        }],
    }
}
