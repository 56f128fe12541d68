//! Who is viewing or replying to a ticket (DESIGN.md §8 presence): ephemeral, best-effort,
//! kept in this instance's memory and never in storage, the audit log or the change feed.
//!
//! Each device holds at most one entry, which lapses `presence_ttl` after its last
//! announcement; consoles re-announce while the ticket stays open, so a crashed or
//! disconnected console disappears on its own. Consoles poll a ticket's presence while it
//! is open rather than being poked: presence changes far more often than the feed, and a
//! poke per keystroke-focus would wake every console for a ticket most of them do not have
//! open.
//!
//! Several instances behind a load balancer each see only the announcements they served.
//! Sharing them would ride the existing `LISTEN desk_feed` connection with a second
//! channel (`NOTIFY desk_presence, '<device> <ticket> <state> <expiry>'`) applied to every
//! instance's map; not built yet, so multi-instance deployments show presence per instance.
//! Must not depend on HTTP.

use std::collections::HashMap;
use std::sync::Mutex;

use desk_core::Agent;
use desk_core::wire::{PresenceEntry, PresenceState};

/// Longest ticket id accepted, so an announcement cannot park a large string in memory.
pub const MAX_TICKET_ID_LEN: usize = 128;

#[derive(Debug, Clone)]
struct Entry {
    agent_id: String,
    agent_name: String,
    ticket_id: String,
    state: PresenceState,
    expires_at: i64,
}

/// Presence by device id. Bounded by the number of signed-in devices: one entry each.
#[derive(Debug, Default)]
pub struct Presence {
    by_device: Mutex<HashMap<String, Entry>>,
}

impl Presence {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock cannot leave a half-written entry behind.
        self.by_device
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether `device_id` is already announced on `ticket_id` (and not lapsed): a
    /// refresh, which needs no check that the ticket exists.
    pub fn is_on(&self, device_id: &str, ticket_id: &str, now: i64) -> bool {
        self.lock()
            .get(device_id)
            .is_some_and(|e| e.ticket_id == ticket_id && e.expires_at > now)
    }

    /// `agent` on `device_id` is on `ticket_id` until `now + ttl_ms`, replacing whatever
    /// that device announced before. Lapsed entries of other devices are dropped too.
    pub fn announce(
        &self,
        device_id: &str,
        agent: &Agent,
        ticket_id: &str,
        state: PresenceState,
        now: i64,
        ttl_ms: i64,
    ) {
        let mut map = self.lock();
        map.retain(|_, e| e.expires_at > now);
        map.insert(
            device_id.to_owned(),
            Entry {
                agent_id: agent.id.clone(),
                agent_name: agent.name.clone(),
                ticket_id: ticket_id.to_owned(),
                state,
                expires_at: now.saturating_add(ttl_ms),
            },
        );
    }

    /// `device_id` left whatever ticket it was on (closed it, signed out).
    pub fn leave(&self, device_id: &str) {
        self.lock().remove(device_id);
    }

    /// The agents on `ticket_id` at `now`, one entry per agent (replying wins over
    /// viewing across their devices), ordered by name then id so the answer is stable.
    pub fn on_ticket(&self, ticket_id: &str, now: i64) -> Vec<PresenceEntry> {
        let map = self.lock();
        let mut by_agent: HashMap<&str, PresenceEntry> = HashMap::new();
        for e in map
            .values()
            .filter(|e| e.ticket_id == ticket_id && e.expires_at > now)
        {
            let entry = by_agent
                .entry(e.agent_id.as_str())
                .or_insert_with(|| PresenceEntry {
                    agent_id: e.agent_id.clone(),
                    agent_name: e.agent_name.clone(),
                    state: e.state,
                });
            if e.state == PresenceState::Replying {
                entry.state = PresenceState::Replying;
            }
        }
        let mut agents: Vec<PresenceEntry> = by_agent.into_values().collect();
        agents.sort_by(|a, b| (&a.agent_name, &a.agent_id).cmp(&(&b.agent_name, &b.agent_id)));
        agents
    }
}
