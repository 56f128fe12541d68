//! Invitations: an agent added without a password gets a single-use code (shown once, to
//! the admin who added them, and kept only as a hash) with which they choose their own
//! and sign in (`POST /auth/invitation`). Until then the account has no password, so a
//! sign-in with one fails as for an unknown email.
//!
//! A wrong, expired or used code, or one that is not the email's, is one answer,
//! `invalid_invitation`: it never tells whether the email has an account. Failures count
//! against the email in the login throttle, so a code is guessed no faster than a
//! password (and at 100 random bits it is not guessed at all).

use std::time::Duration;

use desk_core::admin::Invitation;
use desk_core::wire::{AcceptInvitationRequest, TokenResponse};

use super::{blocking, device_name, secrets, token_response, validate_password};
use crate::audit::Actor;
use crate::config::millis;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::storage::{AcceptOutcome, Acceptance, NewInvitation, Storage, email_key};

/// How long an invitation works after it was issued.
pub const INVITATION_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// A fresh invitation issued at `now`: as stored, and as shown once.
pub(super) fn fresh(now: i64) -> (NewInvitation, Invitation) {
    let code = secrets::new_invitation_code();
    let expires_at = now.saturating_add(millis(INVITATION_TTL));
    let stored = NewInvitation {
        code_hash: secrets::invitation_hash(&code).expect("a fresh code reads back as one"),
        expires_at,
    };
    (stored, Invitation { code, expires_at })
}

/// `POST /agents/{id}/invitation`: a new invitation for an agent who has not accepted one
/// yet (lost, or expired); the one they had stops working.
pub async fn reissue(
    storage: &dyn Storage,
    now: i64,
    agent_id: &str,
    by: &Actor,
) -> Result<Invitation> {
    let (stored, invitation) = fresh(now);
    storage.issue_invitation(agent_id, stored, now, by).await?;
    Ok(invitation)
}

/// `POST /auth/invitation`: sets the password the agent chose and signs the device in,
/// answering as a sign-in does.
pub async fn accept(state: &AppState, request: AcceptInvitationRequest) -> Result<TokenResponse> {
    let password = request.password.into_inner();
    if request.email.len() > 320 || request.code.expose().chars().count() > secrets::MAX_CODE_CHARS
    {
        return Err(Error::BadRequest("email or code is too long".into()));
    }
    if request.email.chars().any(char::is_control) {
        return Err(Error::BadRequest(
            "email contains a control character".into(),
        ));
    }
    // The same rules as a password an admin sets; saying so reveals nothing.
    validate_password(&password)?;
    let now = state.now_ms();
    let key = email_key(&request.email);
    state
        .throttle()
        .check(&key, now)
        .map_err(|retry_after_secs| Error::RateLimited { retry_after_secs })?;
    let Some(code_hash) = secrets::invitation_hash(request.code.expose()) else {
        state.throttle().record_failure(&key, now);
        return Err(Error::InvalidInvitation);
    };
    let cost = state.config().password_cost;
    let password_hash = blocking(move || secrets::hash_password(&password, cost)).await??;
    let (access, refresh) = (secrets::new_access_token(), secrets::new_refresh_token());
    let device_id = uuid::Uuid::now_v7().to_string();
    let outcome = state
        .storage()
        .accept_invitation(Acceptance {
            email: request.email,
            code_hash,
            password_hash,
            device_id: device_id.clone(),
            device_name: device_name(&request.device_name),
            refresh_hash: secrets::token_hash(&refresh),
            refresh_expires_at: now.saturating_add(millis(state.config().refresh_ttl)),
            access_hash: secrets::token_hash(&access),
            access_expires_at: now.saturating_add(millis(state.config().access_ttl)),
            now,
        })
        .await?;
    match outcome {
        AcceptOutcome::Accepted(agent) => {
            state.throttle().clear(&key);
            tracing::info!(agent_id = %agent.id, %device_id, "agent accepted an invitation");
            Ok(token_response(state, access, refresh, device_id, agent))
        }
        AcceptOutcome::Invalid => {
            state.throttle().record_failure(&key, now);
            Err(Error::InvalidInvitation)
        }
        AcceptOutcome::Disabled => Err(Error::AccountDisabled),
    }
}
