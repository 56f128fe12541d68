//! A deterministic simulation of Desk's sync (DESIGN.md §4, §13; sync issue 5's first
//! proof): several consoles, each a real `desk_store::Store` file, and the real server
//! logic (`desk_server::push::push` and `desk_server::feed::pull`, the functions the HTTP
//! routes call, over a real `SqliteStorage` file), driven in one process without HTTP.
//!
//! A seed decides everything: the world (agents, tickets, consoles), every agent action,
//! and every fault (lost, dropped, duplicated and delayed pushes, dropped pull pages,
//! crashes between a page and its answers, partitions, console and server restarts).
//! There is no clock (times advance by seeded steps) and no concurrency (the server's async
//! calls run on a current-thread runtime, one at a time), so a seed replays exactly.
//!
//! After healing (every console online, queues drained, held replies released or
//! discarded by their agents, everything pulled), [`oracle::Oracle::check_healed`] checks:
//! every mutation the server answered applied took effect exactly once and in the order it
//! was answered; no reply or note an agent queued is lost; every cache equals the server.
//!
//! Depends on the crates it tests (desk-core, desk-store, desk-server) and nothing of
//! desk-sync's HTTP, keyring or profile code; it must not be a dependency of any of them.

mod many;
mod oracle;
mod rng;
mod world;

use std::fmt;
use std::path::Path;

use desk_core::wire::{Change, PushResponse};
use desk_core::{
    Agent, Author, AuthorKind, Category, Channel, Customer, CustomerTier, Message, MessageKind,
    Mutation, MutationOp, OutboxState, Priority, Role, Ticket, TicketStatus,
};
use desk_server::Storage;
use desk_server::audit::Actor;
use desk_server::storage::{Credential, NewAgent};

pub use many::{SeedsRun, run_seeds};
pub use oracle::Counts;
use oracle::Oracle;
use rng::Rng;
use world::{Client, Server};

/// A made-up epoch for the run's clock: times only ever come from here plus seeded steps.
const T0: i64 = 1_700_000_000_000;
/// Heal rounds before a run counts as not converging.
const HEAL_ROUNDS: usize = 12;

/// What one seed exercised.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub steps: u64,
    pub counts: Counts,
}

/// A seed whose run broke an invariant, with the steps that led there.
#[derive(Debug)]
pub struct Failure {
    pub seed: u64,
    pub message: String,
    pub trace: Vec<String>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "seed {} failed: {}", self.seed, self.message)?;
        writeln!(
            f,
            "rerun: DESK_SIM_SEED={} cargo test -p desk-sim --test sim",
            self.seed
        )?;
        writeln!(f, "trace:")?;
        for line in &self.trace {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

/// Runs one seed in a fresh temporary directory.
pub fn run_seed(seed: u64) -> Result<Summary, Failure> {
    run(seed, true)
}

/// [`run_seed`] in a world without groups, exactly as seeds ran before scope by group
/// (group draws use their own generator): for regression seeds found then.
pub fn run_seed_ungrouped(seed: u64) -> Result<Summary, Failure> {
    run(seed, false)
}

fn run(seed: u64, groups: bool) -> Result<Summary, Failure> {
    let fail = |message: String, trace: Vec<String>| Failure {
        seed,
        message,
        trace,
    };
    let dir = scratch_dir().map_err(|e| fail(format!("temp dir: {e}"), vec![]))?;
    let mut sim = Sim::new(seed, dir.path(), groups).map_err(|m| fail(m, vec![]))?;
    match sim.run() {
        Ok(()) => Ok(Summary {
            steps: sim.step,
            counts: sim.oracle.counts,
        }),
        Err(message) => Err(fail(message, std::mem::take(&mut sim.trace))),
    }
}

/// Where a run keeps its files: `DESK_SIM_DIR`, else a RAM disk when there is one, else the
/// system temp dir. Both the caches and the server commit with `synchronous=FULL`; on a
/// real disk every commit's fsync would dominate the run, and durability is not what the
/// simulation checks (the kill -9 tests do).
fn scratch_dir() -> std::io::Result<tempfile::TempDir> {
    if let Some(dir) = std::env::var_os("DESK_SIM_DIR") {
        return tempfile::tempdir_in(dir);
    }
    let shm = Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(dir) = tempfile::Builder::new().prefix("desk-sim").tempdir_in(shm)
    {
        return Ok(dir);
    }
    tempfile::tempdir()
}

struct Sim {
    rng: Rng,
    server: Server,
    clients: Vec<Client>,
    /// The highest seq each client handed out: a new mutation must go above it.
    last_seq: Vec<u64>,
    agents: Vec<Agent>,
    ticket_ids: Vec<String>,
    /// Whether this world has groups (agents and tickets may be in one).
    with_groups: bool,
    oracle: Oracle,
    now: i64,
    step: u64,
    steps: u64,
    customer_messages: u64,
    trace: Vec<String>,
}

/// Groups a ticket or an agent can be in.
const GROUPS: [&str; 2] = ["g1", "g2"];

fn agent(i: usize, groups: Vec<String>) -> Agent {
    let names = ["Ann", "Bo", "Cai"];
    Agent {
        id: format!("a{i}"),
        name: names[i].into(),
        email: format!("a{i}@desk.test"),
        role: Role::Agent,
        languages: vec!["zh-CN".into(), "en".into()],
        groups,
        skills: vec![],
        capacity: None,
    }
}

fn customer() -> Customer {
    Customer {
        id: "cu1".into(),
        platform_user_id: "p1".into(),
        name: "王小明".into(),
        emails: vec![],
        phones: vec![],
        handles: vec![],
        preferred_language: "zh-CN".into(),
        tier: CustomerTier::Standard,
        kyc_level: 1,
        risk_flags: vec![],
        tags: vec![],
        notes: String::new(),
        created_at: T0,
        updated_at: T0,
    }
}

fn ticket(id: &str, status: TicketStatus) -> Ticket {
    Ticket {
        id: id.into(),
        number: None,
        subject: format!("subject of {id}"),
        customer_id: "cu1".into(),
        channel: Channel::Chat,
        status,
        priority: Priority::Normal,
        category: Category::TransactionConfirmation,
        tags: vec![],
        assignee_id: None,
        group: None,
        language: "zh-CN".into(),
        first_response_due_at: None,
        resolution_due_at: None,
        linked_transaction_ids: vec![],
        incident_id: None,
        merged_into: None,
        csat: None,
        created_at: T0,
        updated_at: T0,
        last_message_at: T0,
        deleted_at: None,
        secret_exposed_at: None,
    }
}

fn customer_message(id: String, ticket_id: &str, at: i64) -> Message {
    Message {
        body_text: format!("customer writes {id}"),
        id,
        ticket_id: ticket_id.into(),
        kind: MessageKind::PublicReply,
        author: Author {
            kind: AuthorKind::Customer,
            id: Some("cu1".into()),
            name: "王小明".into(),
        },
        body_html: None,
        attachments: vec![],
        created_at: at,
        quoted: None,
    }
}

/// A short name for a mutation in the trace.
fn short(m: &Mutation) -> String {
    let op = match &m.op {
        MutationOp::Reply {
            message_id,
            last_seen_message_id,
            ..
        } => format!("reply {message_id} seen={last_seen_message_id:?}"),
        MutationOp::Note { message_id, .. } => format!("note {message_id}"),
        MutationOp::SetStatus { status, .. } => format!("status {status}"),
        MutationOp::SetPriority { priority, .. } => format!("priority {priority}"),
        MutationOp::SetCategory { category, .. } => format!("category {category}"),
        MutationOp::SetGroup { group, .. } => format!("group {group:?}"),
        MutationOp::Claim { .. } => "claim".into(),
        MutationOp::Assign { assignee_id, .. } => format!("assign {assignee_id:?}"),
        MutationOp::AddTags { tags, .. } => format!("+{}", tags.join(",+")),
        MutationOp::RemoveTags { tags, .. } => format!("-{}", tags.join(",-")),
        MutationOp::CreateTicket { .. } => "create".into(),
        MutationOp::DeleteTicket { .. } => "delete".into(),
        MutationOp::RetryDelivery { message_id, .. } => format!("resend {message_id}"),
    };
    format!("{}#{} {} {op}", m.id, m.seq, m.op.ticket_id())
}

/// The ids of a batch and the outcomes of its answers, for the trace.
fn ids(batch: &[Mutation]) -> Vec<String> {
    batch.iter().map(|m| m.id.clone()).collect()
}

fn outcomes(response: &PushResponse) -> Vec<&'static str> {
    response
        .results
        .iter()
        .map(|a| outcome(&a.result))
        .collect()
}

fn outcome(r: &desk_core::MutationResult) -> &'static str {
    match r {
        desk_core::MutationResult::Applied => "applied",
        desk_core::MutationResult::Conflict { .. } => "conflict",
        desk_core::MutationResult::Rejected { .. } => "rejected",
        desk_core::MutationResult::Held { .. } => "held",
    }
}

impl Sim {
    fn new(seed: u64, dir: &Path, with_groups: bool) -> Result<Self, String> {
        let mut rng = Rng::new(seed);
        // Groups come from their own generator, so a world without them is the world the
        // seed made before groups existed.
        let mut group_rng = Rng::new(seed ^ 0x6772_6f75_7073_0000);
        let server = Server::open(dir)?;
        let n_agents = rng.range(2, 3) as usize;
        let n_clients = rng.range(2, 4) as usize;
        let n_tickets = rng.range(1, 4) as usize;
        // Some agents work in one group and see only its tickets and ungrouped ones; the
        // others see every ticket.
        let agents: Vec<Agent> = (0..n_agents)
            .map(|i| {
                let groups = if with_groups && group_rng.chance(40) {
                    vec![group_rng.pick(&GROUPS).to_string()]
                } else {
                    vec![]
                };
                agent(i, groups)
            })
            .collect();
        for a in &agents {
            server
                .block(server.storage().create_agent(
                    NewAgent {
                        id: a.id.clone(),
                        email: a.email.clone(),
                        name: a.name.clone(),
                        role: a.role,
                        languages: a.languages.clone(),
                        groups: a.groups.clone(),
                        skills: a.skills.clone(),
                        capacity: a.capacity,
                        credential: Credential::Password("unused".into()),
                        by: Actor::System,
                    },
                    T0,
                ))
                .map_err(|e| format!("create agent: {e}"))?;
        }
        let ticket_ids: Vec<String> = (1..=n_tickets).map(|i| format!("t{i}")).collect();
        let ticket_groups: Vec<Option<String>> = ticket_ids
            .iter()
            .map(|_| match group_rng.below(3) {
                _ if !with_groups => None,
                0 => None,
                n => Some(GROUPS[n as usize - 1].to_owned()),
            })
            .collect();
        let mut records = vec![Change::Customer(customer())];
        for (id, group) in ticket_ids.iter().zip(&ticket_groups) {
            let status = *rng.pick(&[TicketStatus::New, TicketStatus::Open]);
            let mut t = ticket(id, status);
            t.group = group.clone();
            records.push(Change::Ticket(t));
            records.push(Change::Message(customer_message(
                format!("first-{id}"),
                id,
                T0,
            )));
        }
        server.write(records)?;
        let mut oracle = Oracle::default();
        for id in &ticket_ids {
            oracle.customer_wrote(&format!("first-{id}"));
        }
        oracle.start(&server.view()?);
        // Some consoles share an agent (one agent on two machines).
        let clients = (0..n_clients)
            .map(|i| Client::open(dir, i, agents[i % n_agents].clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let steps = rng.range(30, 100);
        let trace = vec![format!(
            "world: {n_agents} agents (groups {:?}), {n_clients} clients, {n_tickets} tickets \
             (groups {ticket_groups:?}), {steps} steps",
            agents.iter().map(|a| &a.groups).collect::<Vec<_>>()
        )];
        Ok(Self {
            rng,
            server,
            last_seq: vec![0; clients.len()],
            clients,
            agents,
            ticket_ids,
            with_groups,
            oracle,
            now: T0,
            step: 0,
            steps,
            customer_messages: 0,
            trace,
        })
    }

    fn log(&mut self, line: String) {
        self.trace.push(format!("{:>3} {line}", self.step));
    }

    fn run(&mut self) -> Result<(), String> {
        // Bootstrap, in small pages, with the faults of any pull (a lost page, a crash
        // mid-bootstrap); whatever it leaves undone, later pulls finish.
        for c in 0..self.clients.len() {
            self.pull(c, 100, true)?;
        }
        while self.step < self.steps {
            self.step += 1;
            self.now += self.rng.range(1, 5_000) as i64;
            let c = self.rng.below(self.clients.len() as u64) as usize;
            match self.rng.below(100) {
                0..=39 => self.act(c)?,
                40..=59 => self.push(c)?,
                60..=77 => {
                    let pages = self.rng.range(1, 4) as usize;
                    self.pull(c, pages, true)?
                }
                78..=83 => self.decide(c)?,
                84..=86 => {
                    let until = self.step + self.rng.range(5, 40);
                    self.clients[c].offline_until = until;
                    self.log(format!("c{c} offline until {until}"));
                }
                87..=89 => self.restart_client(c)?,
                90..=91 => {
                    self.log("server restart".into());
                    self.server.restart()?;
                }
                92..=95 => self.customer_writes()?,
                _ => self.deliver_delayed(c)?,
            }
        }
        self.heal()?;
        let view = self.server.view()?;
        self.oracle.check_healed(&view, &self.clients)
    }

    /// A random action of client `c`'s agent on a ticket it sees; `None` when it sees none.
    fn random_op(&mut self, c: usize) -> Result<Option<MutationOp>, String> {
        const TAGS: [&str; 4] = ["tron", "vip", "refund", "kyc"];
        // An agent acts on the tickets its console shows; one who sees every group, on any
        // ticket (also before its first pull), as seeds did before groups.
        let client = &self.clients[c];
        let visible: Vec<String> = if client.agent().sees_every_group() {
            self.ticket_ids.clone()
        } else {
            let mut shown = Vec::new();
            for id in &self.ticket_ids {
                if client
                    .store()
                    .effective_ticket(id)
                    .map_err(|e| format!("client {c} ticket {id}: {e}"))?
                    .is_some()
                {
                    shown.push(id.clone());
                }
            }
            shown
        };
        if visible.is_empty() {
            return Ok(None);
        }
        let ticket_id = self.rng.pick(&visible).clone();
        let tags = |rng: &mut Rng| -> Vec<String> {
            let n = rng.range(1, 2);
            (0..n).map(|_| rng.pick(&TAGS).to_string()).collect()
        };
        Ok(Some(match self.rng.below(11) {
            0..=2 => {
                let last_seen_message_id = self.clients[c]
                    .store()
                    .latest_confirmed_message(&ticket_id)
                    .map_err(|e| format!("latest confirmed message: {e}"))?;
                let message_id = self.clients[c].new_id();
                MutationOp::Reply {
                    ticket_id,
                    body_text: format!("reply {message_id}"),
                    message_id,
                    last_seen_message_id,
                    attachments: vec![],
                }
            }
            3 => {
                let message_id = self.clients[c].new_id();
                MutationOp::Note {
                    ticket_id,
                    body_text: format!("note {message_id}"),
                    message_id,
                }
            }
            4 => {
                use TicketStatus::*;
                // Closed is final: rare, or the run ends with every ticket closed.
                let status = if self.rng.chance(5) {
                    Closed
                } else {
                    *self.rng.pick(&[Open, PendingCustomer, OnHold, Solved, New])
                };
                MutationOp::SetStatus { ticket_id, status }
            }
            5 => MutationOp::SetPriority {
                ticket_id,
                priority: *self.rng.pick(Priority::ALL),
            },
            6 => MutationOp::SetCategory {
                ticket_id,
                category: *self.rng.pick(&Category::ALL[..4]),
            },
            7 => MutationOp::Claim { ticket_id },
            8 => {
                let assignee_id = match self.rng.below(20) {
                    0..=2 => None,
                    // An agent the server does not know: rejected there, shown here.
                    3 => Some("ghost".to_owned()),
                    _ => Some(self.rng.pick(&self.agents).id.clone()),
                };
                MutationOp::Assign {
                    ticket_id,
                    assignee_id,
                }
            }
            // Rare: a deleted ticket refuses every later edit.
            9 if self.rng.chance(12) => MutationOp::DeleteTicket { ticket_id },
            // Handed to another team (only in worlds with groups, so seeds without them
            // run as they did): it leaves some consoles and reaches others.
            9 if self.with_groups && self.rng.chance(25) => MutationOp::SetGroup {
                ticket_id,
                group: match self.rng.below(3) {
                    0 => None,
                    n => Some(GROUPS[n as usize - 1].to_owned()),
                },
            },
            9 => MutationOp::AddTags {
                ticket_id,
                tags: tags(&mut self.rng),
            },
            _ => MutationOp::RemoveTags {
                ticket_id,
                tags: tags(&mut self.rng),
            },
        }))
    }

    /// An agent acts, online or not.
    fn act(&mut self, c: usize) -> Result<(), String> {
        let Some(op) = self.random_op(c)? else {
            return Ok(());
        };
        let now = self.now;
        let client = &mut self.clients[c];
        let agent = client.agent().clone();
        let (store, ids) = client.store_and_ids();
        match store.apply_local(&agent, op.clone(), now, ids) {
            Ok(m) => {
                if m.seq <= self.last_seq[c] {
                    return Err(format!(
                        "client {c} handed out seq {} after {}",
                        m.seq, self.last_seq[c]
                    ));
                }
                self.last_seq[c] = m.seq;
                self.oracle.queued(&m);
                self.log(format!("c{c} act {}", short(&m)));
            }
            Err(desk_store::Error::Refused(r)) => {
                self.log(format!("c{c} refused {op:?}: {}", r.reason));
            }
            Err(e) => return Err(format!("client {c} apply_local: {e}")),
        }
        Ok(())
    }

    /// Hands one push to the server and tells the oracle every answer it gave.
    fn deliver(&mut self, c: usize, batch: Vec<Mutation>) -> Result<PushResponse, String> {
        let response = self
            .server
            .push(&self.clients[c].caller, self.now, batch.clone())?;
        if response.results.len() != batch.len() {
            return Err(format!(
                "push of {} mutations got {} answers",
                batch.len(),
                response.results.len()
            ));
        }
        for (m, ack) in batch.iter().zip(&response.results) {
            if ack.mutation_id != m.id {
                return Err(format!(
                    "answer for {} came in the place of {}",
                    ack.mutation_id, m.id
                ));
            }
            self.oracle.answered(m, &ack.result)?;
        }
        Ok(response)
    }

    fn record_answers(&mut self, c: usize, response: &PushResponse) -> Result<(), String> {
        let store = self.clients[c].store_mut();
        for ack in &response.results {
            store
                .acknowledge(&ack.mutation_id, &ack.result)
                .map_err(|e| format!("client {c} acknowledge {}: {e}", ack.mutation_id))?;
        }
        Ok(())
    }

    fn push(&mut self, c: usize) -> Result<(), String> {
        if !self.clients[c].online(self.step) {
            return Ok(());
        }
        let limit = self.rng.range(1, 6) as u32;
        let agent_id = self.clients[c].agent().id.clone();
        let batch = self.clients[c]
            .store()
            .next_batch(&agent_id, limit)
            .map_err(|e| format!("client {c} next_batch: {e}"))?;
        if batch.is_empty() {
            return Ok(());
        }
        let names = ids(&batch);
        let fault = self.rng.below(100);
        let (what, response) = match fault {
            0..=54 => ("", Some(self.deliver(c, batch)?)),
            55..=69 => {
                self.deliver(c, batch)?;
                (" response dropped", None)
            }
            70..=79 => {
                // The network delivered the request twice; the client hears the second.
                self.deliver(c, batch.clone())?;
                (" duplicated", Some(self.deliver(c, batch)?))
            }
            80..=89 => (" request lost", None),
            _ => {
                if self.clients[c].delayed.is_none() {
                    self.clients[c].delayed = Some(batch);
                    (" request delayed", None)
                } else {
                    (" request lost", None)
                }
            }
        };
        let answers = response
            .as_ref()
            .map(|r| outcomes(r).join(","))
            .unwrap_or_default();
        self.log(format!("c{c} push {names:?}{what} {answers}"));
        if let Some(response) = response {
            self.record_answers(c, &response)?;
        }
        Ok(())
    }

    /// A request stuck in the network arrives; its client stopped waiting long ago.
    fn deliver_delayed(&mut self, c: usize) -> Result<(), String> {
        if let Some(batch) = self.clients[c].delayed.take() {
            let names = ids(&batch);
            let response = self.deliver(c, batch)?;
            let answers = outcomes(&response);
            self.log(format!("c{c} delayed push {names:?} arrives {answers:?}"));
        }
        Ok(())
    }

    /// Up to `pages` pull pages; with `faults`, a page may be lost or the console may
    /// crash between writing a page and recording the answers it carried.
    fn pull(&mut self, c: usize, pages: usize, faults: bool) -> Result<(), String> {
        if !self.clients[c].online(self.step) {
            return Ok(());
        }
        for _ in 0..pages {
            // Small pages while faults fly (page edges between a change and its answer);
            // larger ones to catch up after healing, where only the end state matters.
            let limit = if faults {
                self.rng.range(1, 12)
            } else {
                self.rng.range(1, 200)
            } as u32;
            let cursor = self.clients[c]
                .store()
                .cursor()
                .map_err(|e| format!("client {c} cursor: {e}"))?;
            let page = self
                .server
                .pull(&self.clients[c].caller, cursor.as_deref(), limit)?;
            let fault = if faults { self.rng.below(100) } else { 99 };
            if fault < 6 {
                self.log(format!("c{c} pull page lost"));
                return Ok(());
            }
            for ack in &page.acknowledged {
                self.oracle.acknowledged(&ack.mutation_id, &ack.result)?;
            }
            // The page and the answers it carries go in one transaction, as the sync
            // client applies them.
            self.clients[c]
                .store_mut()
                .apply_pulled(
                    &page.changes,
                    &page.acknowledged,
                    &page.next_cursor,
                    page.has_more,
                )
                .map_err(|e| format!("client {c} apply_pulled: {e}"))?;
            let acks: Vec<String> = page
                .acknowledged
                .iter()
                .map(|a| format!("{}={}", a.mutation_id, outcome(&a.result)))
                .collect();
            if fault < 10 {
                self.log(format!(
                    "c{c} pull {} changes to {} {acks:?}, then crash",
                    page.changes.len(),
                    page.next_cursor
                ));
                return self.restart_client(c);
            }
            self.log(format!(
                "c{c} pull {} changes to {} {acks:?}",
                page.changes.len(),
                page.next_cursor
            ));
            if !page.has_more {
                break;
            }
        }
        Ok(())
    }

    /// The agent settles one held or rejected entry: confirms (releases) a held reply, or
    /// discards.
    fn decide(&mut self, c: usize) -> Result<(), String> {
        let waiting: Vec<_> = self.clients[c]
            .store()
            .outbox()
            .map_err(|e| format!("client {c} outbox: {e}"))?
            .into_iter()
            .filter(|e| e.state != OutboxState::Pending)
            .collect();
        if waiting.is_empty() {
            return Ok(());
        }
        let entry = self.rng.pick(&waiting).clone();
        let release = entry.state == OutboxState::Held && self.rng.chance(75);
        self.settle(c, &entry.mutation, release)
    }

    fn settle(&mut self, c: usize, m: &Mutation, release: bool) -> Result<(), String> {
        if release {
            let again = {
                let (store, mut ids) = self.clients[c].store_and_ids();
                store
                    .release_held(&m.id, &mut ids)
                    .map_err(|e| format!("client {c} release {}: {e}", m.id))?
            };
            if again.seq <= self.last_seq[c] {
                return Err(format!("client {c} released {} with an old seq", again.id));
            }
            self.last_seq[c] = again.seq;
            self.oracle.queued(&again);
            self.log(format!("c{c} release {} as {}", m.id, short(&again)));
        } else {
            self.clients[c]
                .store_mut()
                .discard(&m.id)
                .map_err(|e| format!("client {c} discard {}: {e}", m.id))?;
            self.oracle.discarded(m);
            self.log(format!("c{c} discard {}", short(m)));
        }
        Ok(())
    }

    /// Quits and reopens a console: everything it showed and queued must survive.
    fn restart_client(&mut self, c: usize) -> Result<(), String> {
        let snapshot = |client: &Client| -> Result<_, String> {
            let store = client.store();
            let outbox = store.outbox().map_err(|e| e.to_string())?;
            let tickets = self
                .ticket_ids
                .iter()
                .map(|id| store.effective_ticket(id))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?;
            Ok((outbox, tickets, store.cursor().map_err(|e| e.to_string())?))
        };
        let before = snapshot(&self.clients[c])?;
        self.clients[c].restart()?;
        let after = snapshot(&self.clients[c])?;
        self.log(format!("c{c} restart"));
        if before != after {
            return Err(format!(
                "client {c}: a restart changed the outbox, the tickets shown or the cursor"
            ));
        }
        Ok(())
    }

    fn customer_writes(&mut self) -> Result<(), String> {
        self.customer_messages += 1;
        let id = format!("cm{}", self.customer_messages);
        let ticket_id = self.rng.pick(&self.ticket_ids).clone();
        self.server.write(vec![Change::Message(customer_message(
            id.clone(),
            &ticket_id,
            self.now,
        ))])?;
        self.oracle.customer_wrote(&id);
        self.log(format!("customer writes {id} on {ticket_id}"));
        Ok(())
    }

    /// The network heals: stuck requests arrive, every console comes online, sends what
    /// it queued, pulls, and its agent settles each held or rejected entry, until nothing
    /// is left to send.
    fn heal(&mut self) -> Result<(), String> {
        self.step = self.steps + 1;
        self.log("heal".into());
        for c in 0..self.clients.len() {
            self.clients[c].offline_until = 0;
            self.deliver_delayed(c)?;
        }
        for _ in 0..HEAL_ROUNDS {
            self.now += 1_000;
            for c in 0..self.clients.len() {
                let agent_id = self.clients[c].agent().id.clone();
                loop {
                    let batch = self.clients[c]
                        .store()
                        .next_batch(&agent_id, 50)
                        .map_err(|e| format!("client {c} next_batch: {e}"))?;
                    if batch.is_empty() {
                        break;
                    }
                    let names = ids(&batch);
                    let response = self.deliver(c, batch)?;
                    let answers = outcomes(&response);
                    self.log(format!("c{c} push {names:?} {answers:?}"));
                    self.record_answers(c, &response)?;
                }
            }
            for c in 0..self.clients.len() {
                self.pull(c, usize::MAX, false)?;
            }
            let mut settled = false;
            for c in 0..self.clients.len() {
                let waiting: Vec<_> = self.clients[c]
                    .store()
                    .outbox()
                    .map_err(|e| format!("client {c} outbox: {e}"))?;
                for entry in waiting {
                    // Pending entries here belong to no one who can send them: a bug the
                    // final check reports.
                    if entry.state == OutboxState::Pending {
                        continue;
                    }
                    settled = true;
                    let release = entry.state == OutboxState::Held && self.rng.chance(80);
                    self.settle(c, &entry.mutation, release)?;
                }
            }
            if !settled {
                return Ok(());
            }
        }
        Err(format!(
            "sync did not settle after {HEAL_ROUNDS} heal rounds: held replies keep coming back"
        ))
    }
}
