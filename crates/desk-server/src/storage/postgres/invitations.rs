//! Invitations in PostgreSQL: see the SQLite twin. The agent's row is locked before its
//! invitation is replaced or used, so two acceptances of one code (or an acceptance and a
//! reissue) queue up, and the second finds the invitation gone.

use deadpool_postgres::Transaction;
use desk_core::Agent;

use super::Ctx;
use super::accounts::{AGENT_COLUMNS, AGENT_WIDTH, agent_from_row, insert_device};
use super::audit::append as audit;
use crate::audit::{self as rules, Actor};
use crate::error::{Error, Result};
use crate::storage::{AcceptOutcome, Acceptance, NewInvitation, email_key};

/// Stores the agent's invitation, replacing the one it had; whether there was one.
pub(super) async fn insert(
    tx: &Transaction<'_>,
    agent_id: &str,
    invitation: &NewInvitation,
    now: i64,
) -> Result<bool> {
    let replaced = tx
        .execute("DELETE FROM invitations WHERE agent_id = $1", &[&agent_id])
        .await
        .ctx("drop the previous invitation")?;
    tx.execute(
        "INSERT INTO invitations (agent_id, code_hash, expires_at, created_at)
         VALUES ($1, $2, $3, $4)",
        &[
            &agent_id,
            &invitation.code_hash,
            &invitation.expires_at,
            &now,
        ],
    )
    .await
    .ctx("insert invitation")?;
    Ok(replaced > 0)
}

pub(super) async fn issue(
    tx: &Transaction<'_>,
    agent_id: &str,
    invitation: &NewInvitation,
    now: i64,
    by: &Actor,
) -> Result<Agent> {
    let row = tx
        .query_opt(
            &format!(
                "SELECT {AGENT_COLUMNS}, a.password_hash <> '' FROM agents a WHERE a.id = $1
                 FOR NO KEY UPDATE"
            ),
            &[&agent_id],
        )
        .await
        .ctx("find agent by id")?
        .ok_or_else(|| Error::NotFound(format!("no agent {agent_id:?}")))?;
    let agent = agent_from_row(&row)?;
    if row.get::<_, bool>(AGENT_WIDTH) {
        return Err(Error::Conflict(format!(
            "{} has chosen a password already: set a new one instead of inviting them",
            agent.email
        )));
    }
    let replaced = insert(tx, agent_id, invitation, now).await?;
    let entry = rules::invitation_issued(by, agent_id, invitation.expires_at, replaced);
    audit(tx, now, vec![entry]).await?;
    Ok(agent)
}

pub(super) async fn accept(tx: &Transaction<'_>, a: &Acceptance) -> Result<AcceptOutcome> {
    // The code and the email must name the same agent, whose password is still unset. The
    // agent's row is locked: a concurrent acceptance waits here, then no longer matches.
    let found = tx
        .query_opt(
            &format!(
                "SELECT {AGENT_COLUMNS}, a.disabled FROM invitations i
                 JOIN agents a ON a.id = i.agent_id
                 WHERE i.code_hash = $1 AND a.email_key = $2 AND i.expires_at > $3
                   AND a.password_hash = ''
                 FOR NO KEY UPDATE OF a"
            ),
            &[&a.code_hash, &email_key(&a.email), &a.now],
        )
        .await
        .ctx("find the invitation")?;
    let Some(row) = found else {
        return Ok(AcceptOutcome::Invalid);
    };
    if row.get::<_, bool>(AGENT_WIDTH) {
        return Ok(AcceptOutcome::Disabled);
    }
    let agent = agent_from_row(&row)?;
    tx.execute(
        "UPDATE agents SET password_hash = $1, updated_at = $2 WHERE id = $3",
        &[&a.password_hash, &a.now, &agent.id],
    )
    .await
    .ctx("set the chosen password")?;
    tx.execute("DELETE FROM invitations WHERE agent_id = $1", &[&agent.id])
        .await
        .ctx("use up the invitation")?;
    let device = a.device(&agent.id);
    insert_device(tx, &device).await?;
    let entries = vec![
        rules::invitation_accepted(&agent.id),
        rules::login(&agent.id, &device.id, &device.name),
    ];
    audit(tx, a.now, entries).await?;
    Ok(AcceptOutcome::Accepted(agent))
}
