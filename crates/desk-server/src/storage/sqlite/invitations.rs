//! Invitations in SQLite: one per agent added without a password, its code only as a hash.
//! Accepting one sets the password and signs the device in, in one transaction.

use desk_core::Agent;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::Ctx;
use super::accounts::{AGENT_COLUMNS, AGENT_WIDTH, agent_by_id, agent_from_row, insert_device};
use super::audit::append as audit;
use crate::audit::{self as rules, Actor};
use crate::error::{Error, Result};
use crate::storage::{AcceptOutcome, Acceptance, NewInvitation, email_key};

/// Stores the agent's invitation, replacing the one it had; whether there was one.
pub(super) fn insert(
    tx: &Connection,
    agent_id: &str,
    invitation: &NewInvitation,
    now: i64,
) -> Result<bool> {
    let replaced = tx
        .execute("DELETE FROM invitations WHERE agent_id = ?1", [agent_id])
        .ctx("drop the previous invitation")?;
    tx.execute(
        "INSERT INTO invitations (agent_id, code_hash, expires_at, created_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![agent_id, invitation.code_hash, invitation.expires_at, now],
    )
    .ctx("insert invitation")?;
    Ok(replaced > 0)
}

pub(super) fn issue(
    conn: &mut Connection,
    agent_id: &str,
    invitation: &NewInvitation,
    now: i64,
    by: &Actor,
) -> Result<Agent> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("begin")?;
    let agent = agent_by_id(&tx, agent_id)?
        .ok_or_else(|| Error::NotFound(format!("no agent {agent_id:?}")))?;
    let has_password: bool = tx
        .query_row(
            "SELECT password_hash <> '' FROM agents WHERE id = ?1",
            [agent_id],
            |r| r.get(0),
        )
        .ctx("read whether the agent has a password")?;
    if has_password {
        return Err(Error::Conflict(format!(
            "{} has chosen a password already: set a new one instead of inviting them",
            agent.email
        )));
    }
    let replaced = insert(&tx, agent_id, invitation, now)?;
    let entry = rules::invitation_issued(by, agent_id, invitation.expires_at, replaced);
    audit(&tx, now, vec![entry])?;
    tx.commit().ctx("commit invitation")?;
    Ok(agent)
}

pub(super) fn accept(conn: &mut Connection, a: &Acceptance) -> Result<AcceptOutcome> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("begin")?;
    // The code and the email must name the same agent, whose password is still unset.
    let found = tx
        .query_row(
            &format!(
                "SELECT {AGENT_COLUMNS}, a.disabled FROM invitations i
                 JOIN agents a ON a.id = i.agent_id
                 WHERE i.code_hash = ?1 AND a.email_key = ?2 AND i.expires_at > ?3
                   AND a.password_hash = ''"
            ),
            params![a.code_hash, email_key(&a.email), a.now],
            |row| Ok((agent_from_row(row)?, row.get::<_, bool>(AGENT_WIDTH)?)),
        )
        .optional()
        .ctx("find the invitation")?;
    let agent = match found {
        None => return Ok(AcceptOutcome::Invalid),
        Some((_, true)) => return Ok(AcceptOutcome::Disabled),
        Some((agent, false)) => agent,
    };
    tx.execute(
        "UPDATE agents SET password_hash = ?1, updated_at = ?2 WHERE id = ?3",
        params![a.password_hash, a.now, agent.id],
    )
    .ctx("set the chosen password")?;
    tx.execute("DELETE FROM invitations WHERE agent_id = ?1", [&agent.id])
        .ctx("use up the invitation")?;
    let device = a.device(&agent.id);
    insert_device(&tx, &device)?;
    let entries = vec![
        rules::invitation_accepted(&agent.id),
        rules::login(&agent.id, &device.id, &device.name),
    ];
    audit(&tx, a.now, entries)?;
    tx.commit().ctx("commit acceptance")?;
    Ok(AcceptOutcome::Accepted(agent))
}
