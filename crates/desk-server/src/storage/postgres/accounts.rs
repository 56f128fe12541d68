//! Agents, devices and tokens in PostgreSQL. Tokens arrive here already hashed.
//!
//! Writers run READ COMMITTED and lock the rows they decide on (`FOR UPDATE`), which gives
//! the same answers as SQLite's single writer: two rotations of one refresh token queue on
//! the device row, and the second finds the token retired, i.e. reused.

use deadpool_postgres::{Client, Transaction};
use desk_core::wire::Change;
use desk_core::{Agent, Role};
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

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

/// Skills as the column keeps them: category names.
fn skill_names(skills: &[desk_core::Category]) -> Vec<&'static str> {
    skills.iter().map(|c| c.as_str()).collect()
}

/// A capacity as the column keeps it (at most 500, so it fits).
fn capacity_column(capacity: Option<u32>) -> Result<Option<i32>> {
    capacity
        .map(|c| {
            i32::try_from(c).map_err(|_| Error::BadRequest(format!("capacity {c} is too large")))
        })
        .transpose()
}

pub(super) fn agent_from_row(row: &Row) -> Result<Agent> {
    let role: String = row.get(3);
    let skills: Vec<String> = row.get(6);
    let capacity: Option<i32> = row.get(7);
    Ok(Agent {
        id: row.get(0),
        name: row.get(1),
        email: row.get(2),
        role: role
            .parse::<Role>()
            .map_err(|e| Error::Internal(format!("stored role {role:?}: {e}")))?,
        languages: row.get(4),
        groups: row.get(5),
        skills: skills
            .iter()
            .map(|s| {
                s.parse()
                    .map_err(|e| Error::Internal(format!("stored skill {s:?}: {e}")))
            })
            .collect::<Result<_>>()?,
        capacity: capacity
            .map(|c| u32::try_from(c).map_err(|_| Error::Internal(format!("stored capacity {c}"))))
            .transpose()?,
    })
}

fn is_unique_violation(err: &tokio_postgres::Error) -> bool {
    err.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

pub(super) async fn create_agent(tx: &Transaction<'_>, new: NewAgent, now: i64) -> Result<Agent> {
    let mut feed = FeedWriter::begin(tx).await?;
    let email = new.email.trim().to_owned();
    let password_hash = match &new.credential {
        Credential::Password(hash) => hash.as_str(),
        // See the SQLite twin: nothing verifies against '' until the invitation is accepted.
        Credential::Invitation(_) => "",
    };
    let inserted = tx
        .execute(
            "INSERT INTO agents (id, email, email_key, name, role, languages, groups,
                                 password_hash, disabled, created_at, updated_at, skills,
                                 capacity)
             VALUES ($1, $2, $3, $4, $5, $6, $9, $7, false, $8, $8, $10, $11)",
            &[
                &new.id,
                &email,
                &email_key(&new.email),
                &new.name,
                &new.role.as_str(),
                &new.languages,
                &password_hash,
                &now,
                &new.groups,
                &skill_names(&new.skills),
                &capacity_column(new.capacity)?,
            ],
        )
        .await;
    match inserted {
        Err(e) if is_unique_violation(&e) => {
            return Err(Error::Conflict(format!(
                "an agent with email {email:?} already exists"
            )));
        }
        other => other.ctx("insert agent")?,
    };
    let agent = Agent {
        id: new.id,
        name: new.name,
        email,
        role: new.role,
        languages: new.languages,
        groups: new.groups,
        skills: new.skills,
        capacity: new.capacity,
    };
    // Clients need agents' names and roles (assignees, authors), so they ride the feed.
    let change = Change::Agent(agent.clone());
    let body = super::records::encode_record(&change)?;
    feed.push_raw(tx, change.kind(), change.id(), &body).await?;
    let mut entries = vec![rules::agent_added(
        &new.by,
        &agent,
        matches!(new.credential, Credential::Invitation(_)),
    )];
    if let Credential::Invitation(invitation) = &new.credential {
        super::invitations::insert(tx, &agent.id, invitation, now).await?;
        entries.push(rules::invitation_issued(
            &new.by,
            &agent.id,
            invitation.expires_at,
            false,
        ));
    }
    audit(tx, now, entries).await?;
    Ok(agent)
}

pub(super) async fn agent_by_id(tx: &Transaction<'_>, id: &str) -> Result<Option<Agent>> {
    let statement = tx
        .prepare_cached(&format!(
            "SELECT {AGENT_COLUMNS} FROM agents a WHERE a.id = $1"
        ))
        .await
        .ctx("prepare find agent")?;
    tx.query_opt(&statement, &[&id])
        .await
        .ctx("find agent by id")?
        .map(|row| agent_from_row(&row))
        .transpose()
}

/// The agent with this email, its row locked until the transaction ends (NO KEY: devices
/// may still reference it meanwhile).
async fn lock_agent_by_email(tx: &Transaction<'_>, email: &str) -> Result<Agent> {
    let row = tx
        .query_opt(
            &format!(
                "SELECT {AGENT_COLUMNS} FROM agents a WHERE a.email_key = $1 FOR NO KEY UPDATE"
            ),
            &[&email_key(email)],
        )
        .await
        .ctx("find agent by email")?
        .ok_or_else(|| Error::NotFound(format!("no agent with email {email:?}")))?;
    agent_from_row(&row)
}

pub(super) async fn set_agent_password(
    tx: &Transaction<'_>,
    email: &str,
    password_hash: &str,
    now: i64,
    by: &Actor,
) -> Result<Agent> {
    let agent = lock_agent_by_email(tx, email).await?;
    tx.execute(
        "UPDATE agents SET password_hash = $1, updated_at = $2 WHERE id = $3",
        &[&password_hash, &now, &agent.id],
    )
    .await
    .ctx("update password")?;
    // A password set by an admin ends a pending invitation: it is no longer the way in.
    tx.execute("DELETE FROM invitations WHERE agent_id = $1", &[&agent.id])
        .await
        .ctx("drop the invitation")?;
    audit(tx, now, vec![rules::agent_password_set(by, &agent.id)]).await?;
    Ok(agent)
}

/// See the SQLite twin: the agent record rides the feed; its consoles re-bootstrap.
pub(super) async fn update_agent(
    tx: &Transaction<'_>,
    email: &str,
    patch: &AgentPatch,
    now: i64,
    by: &Actor,
) -> Result<Agent> {
    // The feed's version row first, as every writer takes its locks.
    let mut feed = FeedWriter::begin(tx).await?;
    let before = lock_agent_by_email(tx, email).await?;
    let after = patch.applied_to(&before);
    if after == before {
        return Ok(before);
    }
    if before.role == Role::Admin && after.role != Role::Admin {
        // The other admins' rows locked too, so two admins demoting each other at once
        // cannot both succeed.
        let others = tx
            .query(
                "SELECT id FROM agents WHERE role = 'admin' AND NOT disabled AND id != $1
                 FOR NO KEY UPDATE",
                &[&before.id],
            )
            .await
            .ctx("count admins")?;
        if others.is_empty() {
            return Err(Error::Conflict(
                "the desk's last enabled admin cannot be given another role".into(),
            ));
        }
    }
    tx.execute(
        "UPDATE agents SET name = $1, role = $2, languages = $3, groups = $4, updated_at = $5,
                           skills = $7, capacity = $8
         WHERE id = $6",
        &[
            &after.name,
            &after.role.as_str(),
            &after.languages,
            &after.groups,
            &now,
            &after.id,
            &skill_names(&after.skills),
            &capacity_column(after.capacity)?,
        ],
    )
    .await
    .ctx("update agent")?;
    let change = Change::Agent(after.clone());
    let body = super::records::encode_record(&change)?;
    feed.push_raw(tx, change.kind(), change.id(), &body).await?;
    audit(tx, now, rules::agent_updated(by, &before, &after)).await?;
    Ok(after)
}

pub(super) async fn set_agent_disabled(
    tx: &Transaction<'_>,
    email: &str,
    disabled: bool,
    now: i64,
    by: &Actor,
) -> Result<()> {
    let agent = lock_agent_by_email(tx, email).await?;
    tx.execute(
        "UPDATE agents SET disabled = $1, updated_at = $2 WHERE id = $3",
        &[&disabled, &now, &agent.id],
    )
    .await
    .ctx("update disabled")?;
    let mut revoked = 0;
    if disabled {
        let devices = tx
            .query(
                "SELECT id FROM devices WHERE agent_id = $1 AND NOT revoked FOR UPDATE",
                &[&agent.id],
            )
            .await
            .ctx("list devices")?;
        revoked = devices.len();
        for row in devices {
            let device: String = row.get(0);
            revoke_in(tx, &device, now).await?;
        }
    }
    let entry = rules::agent_disabled(by, &agent.id, disabled, revoked);
    audit(tx, now, vec![entry]).await
}

pub(super) async fn list_agents(client: &Client) -> Result<Vec<AgentRecord>> {
    // COLLATE "C": byte order, as on SQLite, whatever the database's locale is.
    let rows = client
        .query(
            &format!(
                "SELECT {AGENT_COLUMNS}, a.disabled, a.created_at, a.password_hash = '',
                        i.expires_at
                 FROM agents a LEFT JOIN invitations i ON i.agent_id = a.id
                 ORDER BY a.email_key COLLATE \"C\""
            ),
            &[],
        )
        .await
        .ctx("list agents")?;
    rows.iter()
        .map(|row| {
            Ok(AgentRecord {
                agent: agent_from_row(row)?,
                disabled: row.get(AGENT_WIDTH),
                created_at: row.get(AGENT_WIDTH + 1),
                invitation_pending: row.get(AGENT_WIDTH + 2),
                invited_until: row.get(AGENT_WIDTH + 3),
            })
        })
        .collect()
}

pub(super) async fn login_info(client: &Client, email: &str) -> Result<Option<LoginInfo>> {
    let statement = client
        .prepare_cached(&format!(
            "SELECT {AGENT_COLUMNS}, a.password_hash, a.disabled FROM agents a
             WHERE a.email_key = $1"
        ))
        .await
        .ctx("prepare login info")?;
    let Some(row) = client
        .query_opt(&statement, &[&email_key(email)])
        .await
        .ctx("read login info")?
    else {
        return Ok(None);
    };
    let hash: String = row.get(AGENT_WIDTH);
    Ok(Some(LoginInfo {
        agent: agent_from_row(&row)?,
        password_hash: Some(hash).filter(|h| !h.is_empty()),
        disabled: row.get(AGENT_WIDTH + 1),
    }))
}

pub(super) async fn create_device(tx: &Transaction<'_>, new: NewDevice) -> Result<()> {
    insert_device(tx, &new).await?;
    let entry = rules::login(&new.agent_id, &new.id, &new.name);
    audit(tx, new.now, vec![entry]).await
}

/// A signed-in device with its first token pair; the caller audits the sign-in.
pub(super) async fn insert_device(tx: &Transaction<'_>, new: &NewDevice) -> Result<()> {
    tx.execute(
        "INSERT INTO devices (id, agent_id, name, refresh_token_hash, refresh_expires_at,
                              revoked, created_at, last_used_at)
         VALUES ($1, $2, $3, $4, $5, false, $6, $6)",
        &[
            &new.id,
            &new.agent_id,
            &new.name,
            &new.refresh_hash,
            &new.refresh_expires_at,
            &new.now,
        ],
    )
    .await
    .ctx("insert device")?;
    insert_access(
        tx,
        &new.access_hash,
        &new.id,
        new.access_expires_at,
        new.now,
    )
    .await
}

async fn insert_access(
    tx: &Transaction<'_>,
    hash: &str,
    device: &str,
    expires: i64,
    now: i64,
) -> Result<()> {
    // Expired tokens of this device are dead weight: drop them while we are here.
    tx.execute(
        "DELETE FROM access_tokens WHERE device_id = $1 AND expires_at <= $2",
        &[&device, &now],
    )
    .await
    .ctx("drop expired access tokens")?;
    tx.execute(
        "INSERT INTO access_tokens (hash, device_id, expires_at, created_at)
         VALUES ($1, $2, $3, $4)",
        &[&hash, &device, &expires, &now],
    )
    .await
    .ctx("insert access token")?;
    Ok(())
}

/// A retry of a rotation whose answer was lost: see the SQLite backend's
/// `lost_answer_retry`, which this mirrors. Returns the device's current token, to rotate
/// instead, and the time the presented one was retired.
async fn lost_answer_retry(tx: &Transaction<'_>, presented: &str) -> Result<Option<(String, i64)>> {
    let row = tx
        .query_opt(
            "SELECT d.refresh_token_hash, r.retired_at
             FROM retired_refresh_tokens r JOIN devices d ON d.id = r.device_id
             WHERE r.hash = $1 AND NOT d.revoked AND d.refresh_token_hash IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM retired_refresh_tokens n
                               WHERE n.device_id = r.device_id AND n.retired_at > r.retired_at)
               AND NOT EXISTS (SELECT 1 FROM access_tokens t
                               WHERE t.device_id = r.device_id AND t.used
                                 AND t.created_at >= r.retired_at)",
            &[&presented],
        )
        .await
        .ctx("find a retried rotation")?;
    Ok(row.map(|row| (row.get(0), row.get(1))))
}

pub(super) async fn rotate_refresh(tx: &Transaction<'_>, r: Rotation) -> Result<RotateOutcome> {
    let (presented, retired_at) = lost_answer_retry(tx, &r.presented_refresh_hash)
        .await?
        .unwrap_or_else(|| (r.presented_refresh_hash.clone(), r.now));
    // FOR UPDATE OF d: a concurrent rotation of the same token waits here, then re-checks
    // the WHERE against the committed row, no longer matches, and is treated as reuse below.
    let current = tx
        .query_opt(
            &format!(
                "SELECT {AGENT_COLUMNS}, d.id, d.refresh_expires_at, d.revoked, a.disabled
                 FROM devices d JOIN agents a ON a.id = d.agent_id
                 WHERE d.refresh_token_hash = $1
                 FOR UPDATE OF d"
            ),
            &[&presented],
        )
        .await
        .ctx("find device by refresh token")?;

    let Some(row) = current else {
        let retired = tx
            .query_opt(
                "SELECT r.device_id, d.revoked
                 FROM retired_refresh_tokens r JOIN devices d ON d.id = r.device_id
                 WHERE r.hash = $1",
                &[&presented],
            )
            .await
            .ctx("find retired refresh token")?;
        return Ok(match retired {
            Some(row) if row.get::<_, bool>(1) => RotateOutcome::Revoked {
                device_id: row.get(0),
            },
            Some(row) => {
                let device_id: String = row.get(0);
                revoke_in(tx, &device_id, r.now).await?;
                audit(tx, r.now, vec![rules::refresh_reused(&device_id)]).await?;
                RotateOutcome::Reused { device_id }
            }
            None => RotateOutcome::Invalid,
        });
    };
    let agent = agent_from_row(&row)?;
    let device_id: String = row.get(AGENT_WIDTH);
    let expires_at: i64 = row.get(AGENT_WIDTH + 1);
    let revoked: bool = row.get(AGENT_WIDTH + 2);
    let disabled: bool = row.get(AGENT_WIDTH + 3);
    if revoked || expires_at <= r.now {
        return Ok(RotateOutcome::Invalid);
    }
    if disabled {
        return Ok(RotateOutcome::Disabled);
    }
    tx.execute(
        "INSERT INTO retired_refresh_tokens (hash, device_id, retired_at) VALUES ($1, $2, $3)",
        &[&presented, &device_id, &retired_at],
    )
    .await
    .ctx("retire refresh token")?;
    tx.execute(
        "UPDATE devices SET refresh_token_hash = $1, refresh_expires_at = $2, last_used_at = $3
         WHERE id = $4",
        &[
            &r.new_refresh_hash,
            &r.refresh_expires_at,
            &r.now,
            &device_id,
        ],
    )
    .await
    .ctx("rotate refresh token")?;
    insert_access(
        tx,
        &r.new_access_hash,
        &device_id,
        r.access_expires_at,
        r.now,
    )
    .await?;
    Ok(RotateOutcome::Rotated { agent, device_id })
}

/// The session, the device's `last_used_at`, and whether the token was used before.
pub(super) async fn session_for_access(
    client: &Client,
    hash: &str,
    now: i64,
) -> Result<Option<(Session, i64, bool)>> {
    let statement = client
        .prepare_cached(&format!(
            "SELECT {AGENT_COLUMNS}, d.id, a.disabled, d.last_used_at, t.used
             FROM access_tokens t
             JOIN devices d ON d.id = t.device_id
             JOIN agents a ON a.id = d.agent_id
             WHERE t.hash = $1 AND t.expires_at > $2 AND NOT d.revoked"
        ))
        .await
        .ctx("prepare find session")?;
    let Some(row) = client
        .query_opt(&statement, &[&hash, &now])
        .await
        .ctx("find session by access token")?
    else {
        return Ok(None);
    };
    let session = Session {
        agent: agent_from_row(&row)?,
        device_id: row.get(AGENT_WIDTH),
        agent_disabled: row.get(AGENT_WIDTH + 1),
    };
    Ok(Some((
        session,
        row.get(AGENT_WIDTH + 2),
        row.get(AGENT_WIDTH + 3),
    )))
}

/// Marks an access token used: the rotation that issued it can no longer be retried.
pub(super) async fn mark_access_used(client: &Client, hash: &str) -> Result<()> {
    client
        .execute(
            "UPDATE access_tokens SET used = true WHERE hash = $1",
            &[&hash],
        )
        .await
        .ctx("mark access token used")?;
    Ok(())
}

pub(super) async fn touch_device(client: &Client, device_id: &str, now: i64) -> Result<()> {
    client
        .execute(
            "UPDATE devices SET last_used_at = greatest(last_used_at, $1) WHERE id = $2",
            &[&now, &device_id],
        )
        .await
        .ctx("touch device")?;
    Ok(())
}

pub(super) async fn revoke_device(
    tx: &Transaction<'_>,
    device_id: &str,
    now: i64,
    by: &Actor,
) -> Result<()> {
    // Idempotent, and an unknown device is no action: only a revocation is recorded.
    if revoke_in(tx, device_id, now).await? {
        audit(tx, now, vec![rules::device_revoked(by, device_id)]).await?;
    }
    Ok(())
}

/// Whether the device was signed in until now.
async fn revoke_in(tx: &Transaction<'_>, device_id: &str, now: i64) -> Result<bool> {
    // Its current refresh token is retired, not forgotten: presented again it is known as
    // a revoked device's, and the client wipes its cache (DESIGN.md §7).
    tx.execute(
        "INSERT INTO retired_refresh_tokens (hash, device_id, retired_at)
         SELECT refresh_token_hash, id, $1 FROM devices
         WHERE id = $2 AND NOT revoked AND refresh_token_hash IS NOT NULL
         ON CONFLICT DO NOTHING",
        &[&now, &device_id],
    )
    .await
    .ctx("retire the revoked device's refresh token")?;
    let revoked = tx
        .execute(
            "UPDATE devices SET revoked = true, refresh_token_hash = NULL,
                                revoked_at = coalesce(revoked_at, $1)
             WHERE id = $2 AND NOT revoked",
            &[&now, &device_id],
        )
        .await
        .ctx("revoke device")?;
    tx.execute(
        "DELETE FROM access_tokens WHERE device_id = $1",
        &[&device_id],
    )
    .await
    .ctx("drop access tokens")?;
    Ok(revoked == 1)
}
