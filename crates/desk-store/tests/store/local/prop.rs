//! Property: whatever the interleaving of local actions, other agents' edits, pushes (with
//! applied, conflicting, rejected and held answers), pulls, releases and discards, the
//! cache shows the confirmed server state with the agent's unsettled work replayed on top,
//! and once everything is settled and pulled it equals the server's state.

use std::collections::{BTreeMap, BTreeSet};

use desk_core::apply::{apply_mutation, local_message, replay};
use desk_core::wire::Change;
use desk_core::*;
use desk_store::Store;
use proptest::collection::vec;
use proptest::prelude::*;

use super::{me, new_id};
use crate::{agent, ticket};

const TICKETS: usize = 4;

fn tid(i: usize) -> String {
    format!("t{i}")
}

#[derive(Debug, Clone)]
enum Step {
    /// The agent acts on a ticket.
    Local {
        ticket: usize,
        kind: u8,
        arg: u8,
    },
    /// Another agent's edit lands on the server.
    Other {
        ticket: usize,
        kind: u8,
        arg: u8,
    },
    /// The uploader pushes up to `n` mutations; the server answers each, refusing
    /// everything (e.g. the agent lost a permission) when `refuse` is set.
    Push {
        n: u32,
        hold_replies: bool,
        refuse: bool,
    },
    Pull,
    /// The agent releases (when held) or discards a held or rejected entry.
    Settle {
        index: usize,
        release: bool,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        5 => (0..TICKETS, 0..8u8, any::<u8>())
            .prop_map(|(ticket, kind, arg)| Step::Local { ticket, kind, arg }),
        2 => (0..TICKETS, 0..7u8, any::<u8>())
            .prop_map(|(ticket, kind, arg)| Step::Other { ticket, kind, arg }),
        3 => (1..4u32, any::<bool>(), prop::bool::weighted(0.25))
            .prop_map(|(n, hold_replies, refuse)| Step::Push { n, hold_replies, refuse }),
        2 => Just(Step::Pull),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(index, release)| Step::Settle { index, release }),
    ]
}

/// An action of `kind` with a small argument; kinds 0..=6 are edits, 7 a reply.
fn op(ticket_id: String, kind: u8, arg: u8, message_id: String) -> MutationOp {
    let tag = |arg: u8| vec![["vip", "tron", "refund", "peak"][arg as usize % 4].to_string()];
    match kind {
        0 => MutationOp::SetStatus {
            ticket_id,
            status: TicketStatus::ALL[arg as usize % TicketStatus::ALL.len()],
        },
        1 => MutationOp::SetPriority {
            ticket_id,
            priority: Priority::ALL[arg as usize % Priority::ALL.len()],
        },
        2 => MutationOp::AddTags {
            ticket_id,
            tags: tag(arg),
        },
        3 => MutationOp::RemoveTags {
            ticket_id,
            tags: tag(arg),
        },
        4 => MutationOp::Claim { ticket_id },
        5 => MutationOp::Assign {
            ticket_id,
            assignee_id: (!arg.is_multiple_of(3))
                .then(|| ["me", "other"][arg as usize % 2].to_string()),
        },
        6 => MutationOp::Note {
            ticket_id,
            message_id,
            body_text: format!("note {arg}"),
        },
        _ => MutationOp::Reply {
            ticket_id,
            message_id,
            body_text: format!("reply {arg}"),
            last_seen_message_id: None,
            attachments: vec![],
        },
    }
}

/// The server: the truth, what changed since the last pull.
struct Server {
    tickets: BTreeMap<String, Ticket>,
    undelivered: Vec<Message>,
    dirty: BTreeSet<String>,
    cursor: u64,
}

/// What the test knows the cache must hold.
struct Model {
    /// The server's version as last pulled.
    confirmed: BTreeMap<String, Ticket>,
    /// Applied mutations whose effect stays shown until the next rebase of their ticket.
    shown_applied: BTreeMap<String, Vec<Mutation>>,
}

struct World {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    store: Store,
    server: Server,
    model: Model,
    now: i64,
}

impl World {
    fn new() -> Self {
        // A real SQLite file, on a RAM disk where there is one: hundreds of cases times
        // dozens of durable commits would spend seconds in fsync on a disk.
        let shm = std::path::Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            tempfile::tempdir_in(shm).unwrap()
        } else {
            tempfile::tempdir().unwrap()
        };
        let path = dir.path().join("cache.sqlite3");
        let mut store = Store::open(&path).unwrap();
        let tickets: BTreeMap<_, _> = (0..TICKETS)
            .map(|i| {
                (
                    tid(i),
                    ticket(&tid(i), i as i64 + 1, "c1", TicketStatus::Open, None, 10),
                )
            })
            .collect();
        let mut page: Vec<Change> = vec![Change::Agent(me()), Change::Agent(agent("other"))];
        page.extend(tickets.values().cloned().map(Change::Ticket));
        store.apply_pull_page(&page, "0").unwrap();
        Self {
            _dir: dir,
            path,
            store,
            server: Server {
                tickets: tickets.clone(),
                undelivered: vec![],
                dirty: BTreeSet::new(),
                cursor: 0,
            },
            model: Model {
                confirmed: tickets,
                shown_applied: BTreeMap::new(),
            },
            now: 100,
        }
    }

    fn rebased(&mut self, ticket_id: &str) {
        self.model.shown_applied.remove(ticket_id);
    }

    fn run(&mut self, s: &Step) {
        self.now += 1;
        match *s {
            Step::Local { ticket, kind, arg } => {
                let op = op(tid(ticket), kind, arg, new_id());
                match self.store.apply_local(&me(), op, self.now, new_id) {
                    Ok(_) | Err(desk_store::Error::Refused(_)) => {}
                    Err(e) => panic!("a local action fails only by refusal: {e}"),
                }
            }
            Step::Other { ticket, kind, arg } => {
                let m = Mutation {
                    id: new_id(),
                    client_id: "other-client".into(),
                    seq: 0,
                    agent_id: "other".into(),
                    created_at: self.now,
                    op: op(tid(ticket), kind, arg, new_id()),
                };
                // Another agent's refused edit simply does not happen.
                let _ = self.server_apply(&m);
            }
            Step::Push {
                n,
                hold_replies,
                refuse,
            } => {
                for m in self.store.next_batch("me", n).unwrap() {
                    let ticket_id = m.op.ticket_id().to_owned();
                    let result = if refuse {
                        MutationResult::Rejected {
                            code: ErrorCode::Forbidden,
                            reason: "not allowed".into(),
                        }
                    } else if hold_replies && matches!(m.op, MutationOp::Reply { .. }) {
                        MutationResult::Held {
                            reason: "the customer wrote again".into(),
                        }
                    } else {
                        match self.server_apply(&m) {
                            Ok(()) => MutationResult::Applied,
                            Err(r) if matches!(m.op, MutationOp::Claim { .. }) => {
                                MutationResult::Conflict {
                                    resolution: r.reason,
                                }
                            }
                            Err(r) => MutationResult::Rejected {
                                code: r.code,
                                reason: r.reason,
                            },
                        }
                    };
                    self.store.acknowledge(&m.id, &result).unwrap();
                    match result {
                        MutationResult::Applied => self
                            .model
                            .shown_applied
                            .entry(ticket_id)
                            .or_default()
                            .push(m),
                        MutationResult::Held { .. } => {}
                        _ => self.rebased(&ticket_id),
                    }
                }
            }
            Step::Pull => self.pull(),
            Step::Settle { index, release } => {
                let waiting: Vec<OutboxEntry> = self
                    .store
                    .outbox()
                    .unwrap()
                    .into_iter()
                    .filter(|e| e.state != OutboxState::Pending)
                    .collect();
                if waiting.is_empty() {
                    return;
                }
                let e = &waiting[index % waiting.len()];
                if release && e.state == OutboxState::Held {
                    self.store.release_held(&e.mutation.id, new_id).unwrap();
                } else {
                    self.store.discard(&e.mutation.id).unwrap();
                }
                self.rebased(e.mutation.op.ticket_id());
            }
        }
    }

    /// The server applies a mutation with the same rules; every applied one is a change.
    fn server_apply(&mut self, m: &Mutation) -> Result<(), desk_core::apply::Refusal> {
        let id = m.op.ticket_id().to_owned();
        let t = apply_mutation(self.server.tickets.get(&id), m)?;
        self.server.tickets.insert(id.clone(), t);
        self.server.dirty.insert(id);
        if let Some(msg) = local_message(m, &agent(&m.agent_id).name) {
            self.server.undelivered.push(msg);
        }
        Ok(())
    }

    fn pull(&mut self) {
        let mut changes: Vec<Change> = std::mem::take(&mut self.server.dirty)
            .into_iter()
            .map(|id| Change::Ticket(self.server.tickets[&id].clone()))
            .collect();
        changes.extend(self.server.undelivered.drain(..).map(Change::Message));
        self.server.cursor += 1;
        self.store
            .apply_pull_page(&changes, &self.server.cursor.to_string())
            .unwrap();
        for c in changes {
            if let Change::Ticket(t) = c {
                self.rebased(&t.id);
                self.model.confirmed.insert(t.id.clone(), t);
            }
        }
    }

    /// Effective state == confirmed + unsettled work, ticket by ticket.
    fn check(&self, after: &Step) {
        let outbox = self.store.outbox().unwrap();
        for i in 0..TICKETS {
            let id = tid(i);
            let confirmed = &self.model.confirmed[&id];
            assert_eq!(
                self.store.confirmed_ticket(&id).unwrap().as_ref(),
                Some(confirmed),
                "after {after:?}: the confirmed layer holds the last pulled version of {id}"
            );
            let mut work: Vec<&Mutation> = outbox
                .iter()
                .filter(|e| e.state.is_replayed() && e.mutation.op.ticket_id() == id)
                .map(|e| &e.mutation)
                .chain(self.model.shown_applied.get(&id).into_iter().flatten())
                .collect();
            work.sort_by_key(|m| m.seq);
            assert_eq!(
                self.store.effective_ticket(&id).unwrap(),
                replay(Some(confirmed.clone()), work),
                "after {after:?}: {id} shows confirmed state plus unsettled work in seq order"
            );
        }
        let shown: BTreeSet<String> = (0..TICKETS)
            .flat_map(|i| self.store.ticket_detail(&tid(i)).unwrap().messages)
            .map(|m| m.message.id)
            .collect();
        for e in &outbox {
            if let Some(mid) = e.mutation.op.message_id() {
                assert_eq!(
                    shown.contains(mid),
                    e.state.is_replayed(),
                    "after {after:?}: an unsettled reply shows, a rejected one does not"
                );
            }
        }
    }

    /// Answer and pull everything: the cache must equal the server.
    fn settle(&mut self) {
        for _ in 0..50 {
            for e in self.store.outbox().unwrap() {
                if e.state != OutboxState::Pending {
                    self.store.discard(&e.mutation.id).unwrap();
                    self.rebased(e.mutation.op.ticket_id());
                }
            }
            if self.store.outbox().unwrap().is_empty() {
                break;
            }
            self.run(&Step::Push {
                n: 100,
                hold_replies: false,
                refuse: false,
            });
        }
        assert!(
            self.store.outbox().unwrap().is_empty(),
            "everything settles"
        );
        self.pull();
        for (id, server) in &self.server.tickets {
            assert_eq!(
                self.store.effective_ticket(id).unwrap().as_ref(),
                Some(server),
                "settled and pulled, the cache shows the server's {id}"
            );
        }
        let raw = rusqlite::Connection::open(&self.path).unwrap();
        let count = |sql: &str| -> i64 { raw.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(
            count("SELECT count(*) FROM messages WHERE pending = 1"),
            0,
            "no unsent message is left once the server's copies arrived"
        );
        assert_eq!(
            count("SELECT count(*) FROM tickets_confirmed"),
            0,
            "no confirmed copy is kept once no work is left"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn effective_state_is_confirmed_state_plus_pending_work(steps in vec(step(), 1..40)) {
        let mut world = World::new();
        for s in &steps {
            world.run(s);
            world.check(s);
        }
        world.settle();
    }
}
