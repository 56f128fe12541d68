//! Agents, devices and tokens in SQLite. Tokens arrive here already hashed.

use desk_core::wire::Change;
use desk_core::{Agent, Role};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use super::Ctx;
use super::audit::append as audit;
use super::records::FeedWriter;
use crate::audit::{self as rules, Actor};
use crate::error::{Error, Result};
use crate::storage::{
    AgentPatch, AgentRecord, Credential, LoginInfo, NewAgent, NewDevice, RotateOutcome, Rotation,
    Session, email_key,
};

/// `last_used_at` is refreshed at most this often per device.
pub(super) const LAST_USED_GRANULARITY_MS: i64 = 60_000;

/// The agent's public columns, always first in a select so [`agent_from_row`] reads
/// `0..AGENT_WIDTH`.
pub(super) const AGENT_COLUMNS: &str =
    "a.id, a.name, a.email, a.role, a.languages, a.groups, a.skills, a.capacity";
pub(super) const AGENT_WIDTH: usize = 8;

fn json_column<T: serde::de::DeserializeOwned>(row: &Row<'_>, index: usize) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, e.into())
    })
}

/// A list column's text.
pub(super) fn json_text<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(format!("encode agent: {e}")))
}

pub(super) fn agent_from_row(row: &Row<'_>) -> rusqlite::Result<Agent> {
    let role: String = row.get(3)?;
    Ok(Agent {
        id: row.get(0)?,
        name: row.get(1)?,
        email: row.get(2)?,
        role: role.parse::<Role>().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, e.into())
        })?,
        languages: json_column(row, 4)?,
        groups: json_column(row, 5)?,
        skills: json_column(row, 6)?,
        capacity: row.get(7)?,
    })
}

fn is_unique_violation(err: &rusqlite::Error) -> bool {
    matches!(
        err,
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

pub(super) fn create_agent(conn: &mut Connection, new: NewAgent, now: i64) -> Result<Agent> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("begin")?;
    let mut feed = FeedWriter::begin(&tx)?;
    let password_hash = match &new.credential {
        Credential::Password(hash) => hash.as_str(),
        // No PHC string is empty: nothing verifies against it until the invitation is
        // accepted.
        Credential::Invitation(_) => "",
    };
    let inserted = tx.execute(
        "INSERT INTO agents (id, email, email_key, name, role, languages, groups, password_hash,
                             disabled, created_at, updated_at, skills, capacity)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?9, ?7, 0, ?8, ?8, ?10, ?11)",
        params![
            new.id,
            new.email.trim(),
            email_key(&new.email),
            new.name,
            new.role.as_str(),
            json_text(&new.languages)?,
            password_hash,
            now,
            json_text(&new.groups)?,
            json_text(&new.skills)?,
            new.capacity
        ],
    );
    match inserted {
        Err(e) if is_unique_violation(&e) => {
            return Err(Error::Conflict(format!(
                "an agent with email {:?} already exists",
                new.email.trim()
            )));
        }
        other => other.ctx("insert agent")?,
    };
    let agent = Agent {
        id: new.id,
        name: new.name,
        email: new.email.trim().to_owned(),
        role: new.role,
        languages: new.languages,
        groups: new.groups,
        skills: new.skills,
        capacity: new.capacity,
    };
    // Clients need agents' names and roles (assignees, authors), so they ride the feed.
    feed.push(&Change::Agent(agent.clone()))?;
    let mut entries = vec![rules::agent_added(
        &new.by,
        &agent,
        matches!(new.credential, Credential::Invitation(_)),
    )];
    if let Credential::Invitation(invitation) = &new.credential {
        super::invitations::insert(&tx, &agent.id, invitation, now)?;
        entries.push(rules::invitation_issued(
            &new.by,
            &agent.id,
            invitation.expires_at,
            false,
        ));
    }
    audit(&tx, now, entries)?;
    tx.commit().ctx("commit agent")?;
    Ok(agent)
}

pub(super) fn agent_by_id(conn: &Connection, id: &str) -> Result<Option<Agent>> {
    conn.prepare_cached(&format!(
        "SELECT {AGENT_COLUMNS} FROM agents a WHERE a.id = ?1"
    ))
    .and_then(|mut s| s.query_row([id], agent_from_row).optional())
    .ctx("find agent by id")
}

/// The agent with this email, or `NotFound` naming it.
fn existing_agent(conn: &Connection, email: &str) -> Result<Agent> {
    agent_by_email(conn, email)?
        .ok_or_else(|| Error::NotFound(format!("no agent with email {email:?}")))
}

fn agent_by_email(conn: &Connection, email: &str) -> Result<Option<Agent>> {
    conn.query_row(
        &format!("SELECT {AGENT_COLUMNS} FROM agents a WHERE a.email_key = ?1"),
        [email_key(email)],
        agent_from_row,
    )
    .optional()
    .ctx("find agent by email")
}

pub(super) fn set_agent_password(
    conn: &mut Connection,
    email: &str,
    password_hash: &str,
    now: i64,
    by: &Actor,
) -> Result<Agent> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("begin")?;
    let agent = existing_agent(&tx, email)?;
    tx.execute(
        "UPDATE agents SET password_hash = ?1, updated_at = ?2 WHERE id = ?3",
        params![password_hash, now, agent.id],
    )
    .ctx("update password")?;
    // A password set by an admin ends a pending invitation: it is no longer the way in.
    tx.execute("DELETE FROM invitations WHERE agent_id = ?1", [&agent.id])
        .ctx("drop the invitation")?;
    audit(&tx, now, vec![rules::agent_password_set(by, &agent.id)])?;
    tx.commit().ctx("commit password")?;
    Ok(agent)
}

/// Replaces the agent's groups; the new agent record rides the feed (consoles show it),
/// and the agent's consoles re-bootstrap at their next pull (their cursor names the old
/// scope, see `feed::scope_for`).
pub(super) fn update_agent(
    conn: &mut Connection,
    email: &str,
    patch: &AgentPatch,
    now: i64,
    by: &Actor,
) -> Result<Agent> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("begin")?;
    let before = existing_agent(&tx, email)?;
    let after = patch.applied_to(&before);
    if after == before {
        // Nothing changes: no feed change, no audit entry.
        return Ok(before);
    }
    if before.role == Role::Admin && after.role != Role::Admin {
        let others: i64 = tx
            .query_row(
                "SELECT count(*) FROM agents WHERE role = 'admin' AND disabled = 0 AND id != ?1",
                [&before.id],
                |r| r.get(0),
            )
            .ctx("count admins")?;
        if others == 0 {
            return Err(Error::Conflict(
                "the desk's last enabled admin cannot be given another role".into(),
            ));
        }
    }
    let mut feed = FeedWriter::begin(&tx)?;
    tx.execute(
        "UPDATE agents SET name = ?1, role = ?2, languages = ?3, groups = ?4, updated_at = ?5,
                           skills = ?7, capacity = ?8
         WHERE id = ?6",
        params![
            after.name,
            after.role.as_str(),
            json_text(&after.languages)?,
            json_text(&after.groups)?,
            now,
            after.id,
            json_text(&after.skills)?,
            after.capacity
        ],
    )
    .ctx("update agent")?;
    feed.push(&Change::Agent(after.clone()))?;
    audit(&tx, now, rules::agent_updated(by, &before, &after))?;
    tx.commit().ctx("commit agent")?;
    Ok(after)
}

pub(super) fn set_agent_disabled(
    conn: &mut Connection,
    email: &str,
    disabled: bool,
    now: i64,
    by: &Actor,
) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("begin")?;
    let agent = existing_agent(&tx, email)?;
    tx.execute(
        "UPDATE agents SET disabled = ?1, updated_at = ?2 WHERE id = ?3",
        params![disabled, now, agent.id],
    )
    .ctx("update disabled")?;
    let mut revoked = 0;
    if disabled {
        let devices: Vec<String> = {
            let mut stmt = tx
                .prepare("SELECT id FROM devices WHERE agent_id = ?1 AND revoked = 0")
                .ctx("prepare devices")?;
            stmt.query_map([&agent.id], |row| row.get(0))
                .ctx("list devices")?
                .collect::<rusqlite::Result<_>>()
                .ctx("read devices")?
        };
        revoked = devices.len();
        for device in devices {
            revoke_in(&tx, &device, now)?;
        }
    }
    let entry = rules::agent_disabled(by, &agent.id, disabled, revoked);
    audit(&tx, now, vec![entry])?;
    tx.commit().ctx("commit disabled")
}

pub(super) fn list_agents(conn: &Connection) -> Result<Vec<AgentRecord>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {AGENT_COLUMNS}, a.disabled, a.created_at, a.password_hash = '', i.expires_at
             FROM agents a LEFT JOIN invitations i ON i.agent_id = a.id
             ORDER BY a.email_key"
        ))
        .ctx("prepare list agents")?;
    stmt.query_map([], |row| {
        Ok(AgentRecord {
            agent: agent_from_row(row)?,
            disabled: row.get(AGENT_WIDTH)?,
            created_at: row.get(AGENT_WIDTH + 1)?,
            invitation_pending: row.get(AGENT_WIDTH + 2)?,
            invited_until: row.get(AGENT_WIDTH + 3)?,
        })
    })
    .ctx("list agents")?
    .collect::<rusqlite::Result<_>>()
    .ctx("read agents")
}

pub(super) fn login_info(conn: &Connection, email: &str) -> Result<Option<LoginInfo>> {
    conn.query_row(
        &format!(
            "SELECT {AGENT_COLUMNS}, a.password_hash, a.disabled FROM agents a WHERE a.email_key = ?1"
        ),
        [email_key(email)],
        |row| {
            let hash: String = row.get(AGENT_WIDTH)?;
            Ok(LoginInfo {
                agent: agent_from_row(row)?,
                password_hash: Some(hash).filter(|h| !h.is_empty()),
                disabled: row.get(AGENT_WIDTH + 1)?,
            })
        },
    )
    .optional()
    .ctx("read login info")
}

pub(super) fn create_device(conn: &mut Connection, new: NewDevice) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("begin")?;
    insert_device(&tx, &new)?;
    let entry = rules::login(&new.agent_id, &new.id, &new.name);
    audit(&tx, new.now, vec![entry])?;
    tx.commit().ctx("commit device")
}

/// A signed-in device with its first token pair; the caller audits the sign-in.
pub(super) fn insert_device(tx: &Connection, new: &NewDevice) -> Result<()> {
    tx.execute(
        "INSERT INTO devices (id, agent_id, name, refresh_token_hash, refresh_expires_at,
                              revoked, created_at, last_used_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?6)",
        params![
            new.id,
            new.agent_id,
            new.name,
            new.refresh_hash,
            new.refresh_expires_at,
            new.now
        ],
    )
    .ctx("insert device")?;
    insert_access(
        tx,
        &new.access_hash,
        &new.id,
        new.access_expires_at,
        new.now,
    )
}

fn insert_access(
    conn: &Connection,
    hash: &str,
    device: &str,
    expires: i64,
    now: i64,
) -> Result<()> {
    // Expired tokens of this device are dead weight: drop them while we are here.
    conn.execute(
        "DELETE FROM access_tokens WHERE device_id = ?1 AND expires_at <= ?2",
        params![device, now],
    )
    .ctx("drop expired access tokens")?;
    conn.execute(
        "INSERT INTO access_tokens (hash, device_id, expires_at, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![hash, device, expires, now],
    )
    .ctx("insert access token")?;
    Ok(())
}

/// A client that never got the answer to its last rotation (the connection was cut, or
/// the process was killed before it stored the new pair) still holds the token that
/// rotation retired, and presents it again. That is a retry, not a theft, as long as the
/// pair it lost is untouched: the token was retired by the device's newest rotation and
/// no access token issued since has been used. Then the device's current token (the lost
/// one) is what to rotate, retired as of the presented token's rotation: presented later
/// it is a reuse, and a retry whose answer is lost too can be retried again.
/// Returns that token and time, or `None` when this is no such retry.
fn lost_answer_retry(tx: &Connection, presented: &str) -> Result<Option<(String, i64)>> {
    tx.query_row(
        "SELECT d.refresh_token_hash, r.retired_at
         FROM retired_refresh_tokens r JOIN devices d ON d.id = r.device_id
         WHERE r.hash = ?1 AND d.revoked = 0 AND d.refresh_token_hash IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM retired_refresh_tokens n
                           WHERE n.device_id = r.device_id AND n.retired_at > r.retired_at)
           AND NOT EXISTS (SELECT 1 FROM access_tokens t
                           WHERE t.device_id = r.device_id AND t.used <> 0
                             AND t.created_at >= r.retired_at)",
        [presented],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .optional()
    .ctx("find a retried rotation")
}

pub(super) fn rotate_refresh(conn: &mut Connection, r: Rotation) -> Result<RotateOutcome> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("begin")?;
    let (presented, retired_at) = lost_answer_retry(&tx, &r.presented_refresh_hash)?
        .unwrap_or_else(|| (r.presented_refresh_hash.clone(), r.now));
    let current = tx
        .query_row(
            &format!(
                "SELECT {AGENT_COLUMNS}, d.id, d.refresh_expires_at, d.revoked, a.disabled
                 FROM devices d JOIN agents a ON a.id = d.agent_id
                 WHERE d.refresh_token_hash = ?1"
            ),
            [&presented],
            |row| {
                Ok((
                    agent_from_row(row)?,
                    row.get::<_, String>(AGENT_WIDTH)?,
                    row.get::<_, i64>(AGENT_WIDTH + 1)?,
                    row.get::<_, bool>(AGENT_WIDTH + 2)?,
                    row.get::<_, bool>(AGENT_WIDTH + 3)?,
                ))
            },
        )
        .optional()
        .ctx("find device by refresh token")?;

    let outcome = match current {
        Some((_, _, _, true, _)) => RotateOutcome::Invalid,
        Some((_, _, expires_at, _, _)) if expires_at <= r.now => RotateOutcome::Invalid,
        Some((_, _, _, _, true)) => RotateOutcome::Disabled,
        Some((agent, device_id, _, false, false)) => {
            tx.execute(
                "INSERT INTO retired_refresh_tokens (hash, device_id, retired_at) VALUES (?1, ?2, ?3)",
                params![presented, device_id, retired_at],
            )
            .ctx("retire refresh token")?;
            tx.execute(
                "UPDATE devices SET refresh_token_hash = ?1, refresh_expires_at = ?2,
                                    last_used_at = ?3
                 WHERE id = ?4",
                params![r.new_refresh_hash, r.refresh_expires_at, r.now, device_id],
            )
            .ctx("rotate refresh token")?;
            insert_access(
                &tx,
                &r.new_access_hash,
                &device_id,
                r.access_expires_at,
                r.now,
            )?;
            RotateOutcome::Rotated { agent, device_id }
        }
        None => {
            let retired: Option<(String, bool)> = tx
                .query_row(
                    "SELECT r.device_id, d.revoked
                     FROM retired_refresh_tokens r JOIN devices d ON d.id = r.device_id
                     WHERE r.hash = ?1",
                    [&presented],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
                .ctx("find retired refresh token")?;
            match retired {
                Some((device_id, true)) => RotateOutcome::Revoked { device_id },
                Some((device_id, false)) => {
                    revoke_in(&tx, &device_id, r.now)?;
                    audit(&tx, r.now, vec![rules::refresh_reused(&device_id)])?;
                    RotateOutcome::Reused { device_id }
                }
                None => RotateOutcome::Invalid,
            }
        }
    };
    tx.commit().ctx("commit rotation")?;
    Ok(outcome)
}

/// The session, the device's `last_used_at`, and whether the token was used before.
pub(super) fn session_for_access(
    conn: &Connection,
    hash: &str,
    now: i64,
) -> Result<Option<(Session, i64, bool)>> {
    conn.query_row(
        &format!(
            "SELECT {AGENT_COLUMNS}, d.id, a.disabled, d.last_used_at, t.used <> 0
             FROM access_tokens t
             JOIN devices d ON d.id = t.device_id
             JOIN agents a ON a.id = d.agent_id
             WHERE t.hash = ?1 AND t.expires_at > ?2 AND d.revoked = 0"
        ),
        params![hash, now],
        |row| {
            Ok((
                Session {
                    agent: agent_from_row(row)?,
                    device_id: row.get(AGENT_WIDTH)?,
                    agent_disabled: row.get(AGENT_WIDTH + 1)?,
                },
                row.get(AGENT_WIDTH + 2)?,
                row.get(AGENT_WIDTH + 3)?,
            ))
        },
    )
    .optional()
    .ctx("find session by access token")
}

/// Marks an access token used: the rotation that issued it can no longer be retried.
pub(super) fn mark_access_used(conn: &mut Connection, hash: &str) -> Result<()> {
    conn.execute("UPDATE access_tokens SET used = 1 WHERE hash = ?1", [hash])
        .ctx("mark access token used")?;
    Ok(())
}

pub(super) fn touch_device(conn: &mut Connection, device_id: &str, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE devices SET last_used_at = max(last_used_at, ?1) WHERE id = ?2",
        params![now, device_id],
    )
    .ctx("touch device")?;
    Ok(())
}

pub(super) fn revoke_device(
    conn: &mut Connection,
    device_id: &str,
    now: i64,
    by: &Actor,
) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("begin")?;
    // Idempotent, and an unknown device is no action: only a revocation is recorded.
    if revoke_in(&tx, device_id, now)? {
        audit(&tx, now, vec![rules::device_revoked(by, device_id)])?;
    }
    tx.commit().ctx("commit revoke")
}

/// Whether the device was signed in until now.
fn revoke_in(conn: &Connection, device_id: &str, now: i64) -> Result<bool> {
    // Its current refresh token is retired, not forgotten: presented again it is known as
    // a revoked device's, and the client wipes its cache (DESIGN.md §7).
    conn.execute(
        "INSERT OR IGNORE INTO retired_refresh_tokens (hash, device_id, retired_at)
         SELECT refresh_token_hash, id, ?1 FROM devices
         WHERE id = ?2 AND revoked = 0 AND refresh_token_hash IS NOT NULL",
        params![now, device_id],
    )
    .ctx("retire the revoked device's refresh token")?;
    let revoked = conn
        .execute(
            "UPDATE devices SET revoked = 1, refresh_token_hash = NULL,
                                revoked_at = coalesce(revoked_at, ?1)
             WHERE id = ?2 AND revoked = 0",
            params![now, device_id],
        )
        .ctx("revoke device")?;
    conn.execute(
        "DELETE FROM access_tokens WHERE device_id = ?1",
        [device_id],
    )
    .ctx("drop access tokens")?;
    Ok(revoked == 1)
}
