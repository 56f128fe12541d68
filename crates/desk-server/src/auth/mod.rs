//! Authentication and accounts: login, refresh-token rotation, logout, access-token
//! checks, roles, and creating agents.
//!
//! Transport-neutral: takes and returns wire types and [`crate::Error`], never HTTP types,
//! so the CLI and tests call the same functions the routes do. Never logs a password or a
//! token; only hashes of tokens reach storage.

pub mod invitation;
pub mod secrets;
pub mod throttle;

use desk_core::admin::Invitation;
use desk_core::wire::{LoginRequest, RefreshRequest, TokenResponse};
use desk_core::{Agent, Category, Role};

use crate::audit::Actor;
use crate::config::{PasswordCost, millis};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::storage::{
    Credential, NewAgent, NewDevice, RotateOutcome, Rotation, Storage, email_key,
};

/// Longest device name kept; longer ones are cut.
const MAX_DEVICE_NAME_CHARS: usize = 100;
/// Tokens are ours and short; anything longer is not one of them.
const MAX_TOKEN_CHARS: usize = 128;

/// Who made a request, as established from its access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub agent: Agent,
    pub device_id: String,
}

impl Caller {
    pub fn role(&self) -> Role {
        self.agent.role
    }

    /// Refuses unless the caller's role is at least `min` (agent < supervisor < admin).
    pub fn require_role(&self, min: Role) -> Result<()> {
        require_role(&self.agent, min)
    }
}

/// Refuses unless `agent`'s role is at least `min` (agent < supervisor < admin).
pub fn require_role(agent: &Agent, min: Role) -> Result<()> {
    if agent.role >= min {
        Ok(())
    } else {
        Err(Error::Forbidden {
            need: min,
            have: agent.role,
        })
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("password task failed: {e}")))
}

/// `POST /auth/login`.
pub async fn login(state: &AppState, request: LoginRequest) -> Result<TokenResponse> {
    if request.password.expose().len() > secrets::MAX_PASSWORD_BYTES || request.email.len() > 320 {
        return Err(Error::BadRequest("email or password is too long".into()));
    }
    // No stored email holds one (see `validate_email`), and PostgreSQL refuses NUL in a
    // lookup: answer the bad input as such, the same on every backend.
    if request.email.chars().any(char::is_control) {
        return Err(Error::BadRequest(
            "email contains a control character".into(),
        ));
    }
    let now = state.now_ms();
    let key = email_key(&request.email);
    state
        .throttle()
        .check(&key, now)
        .map_err(|retry_after_secs| Error::RateLimited { retry_after_secs })?;

    let info = state.storage().login_info(&request.email).await?;
    // An invited agent has no password until they accept: the same work and the same
    // answer as an unknown email.
    let stored_hash = match info.as_ref().and_then(|i| i.password_hash.clone()) {
        Some(hash) => hash,
        None => dummy_hash(state)?,
    };
    let password = request.password.into_inner();
    let matches = blocking(move || secrets::verify_password(&password, &stored_hash)).await?;
    let info = match info {
        Some(info) if matches && info.password_hash.is_some() => info,
        // Same error, same work, whether the email is unknown or the password wrong.
        _ => {
            state.throttle().record_failure(&key, now);
            return Err(Error::InvalidCredentials);
        }
    };
    state.throttle().clear(&key);
    if info.disabled {
        return Err(Error::AccountDisabled);
    }

    let device_id = uuid::Uuid::now_v7().to_string();
    let device_name = device_name(&request.device_name);
    let (access, refresh) = (secrets::new_access_token(), secrets::new_refresh_token());
    state
        .storage()
        .create_device(NewDevice {
            id: device_id.clone(),
            agent_id: info.agent.id.clone(),
            name: device_name,
            refresh_hash: secrets::token_hash(&refresh),
            refresh_expires_at: now.saturating_add(millis(state.config().refresh_ttl)),
            access_hash: secrets::token_hash(&access),
            access_expires_at: now.saturating_add(millis(state.config().access_ttl)),
            now,
        })
        .await?;
    tracing::info!(agent_id = %info.agent.id, %device_id, "agent signed in");
    Ok(token_response(
        state, access, refresh, device_id, info.agent,
    ))
}

/// `POST /auth/refresh`: a new pair for the presented refresh token, which stops working.
pub async fn refresh(state: &AppState, request: RefreshRequest) -> Result<TokenResponse> {
    let presented = request.refresh_token.expose();
    if presented.is_empty() || presented.len() > MAX_TOKEN_CHARS {
        return Err(Error::SessionExpired(
            "refresh token is unknown, expired or revoked",
        ));
    }
    let now = state.now_ms();
    let (access, refresh) = (secrets::new_access_token(), secrets::new_refresh_token());
    let outcome = state
        .storage()
        .rotate_refresh(Rotation {
            presented_refresh_hash: secrets::token_hash(presented),
            new_refresh_hash: secrets::token_hash(&refresh),
            refresh_expires_at: now.saturating_add(millis(state.config().refresh_ttl)),
            new_access_hash: secrets::token_hash(&access),
            access_expires_at: now.saturating_add(millis(state.config().access_ttl)),
            now,
        })
        .await?;
    match outcome {
        RotateOutcome::Rotated { agent, device_id } => {
            Ok(token_response(state, access, refresh, device_id, agent))
        }
        RotateOutcome::Reused { device_id } => {
            tracing::warn!(%device_id, "rotated refresh token presented again; device revoked");
            Err(Error::SessionExpired(
                "refresh token was already used; the device is signed out",
            ))
        }
        RotateOutcome::Revoked { device_id } => {
            tracing::info!(%device_id, "refresh presented by a revoked device");
            Err(Error::DeviceRevoked)
        }
        RotateOutcome::Disabled => Err(Error::AccountDisabled),
        RotateOutcome::Invalid => Err(Error::SessionExpired(
            "refresh token is unknown, expired or revoked",
        )),
    }
}

/// `POST /auth/logout`: the caller's device stops working, all its tokens with it.
pub async fn logout(state: &AppState, caller: &Caller) -> Result<()> {
    state
        .storage()
        .revoke_device(
            &caller.device_id,
            state.now_ms(),
            &Actor::Agent(caller.agent.id.clone()),
        )
        .await?;
    tracing::info!(agent_id = %caller.agent.id, device_id = %caller.device_id, "agent signed out");
    Ok(())
}

/// The caller behind an access token.
pub async fn authenticate(state: &AppState, access_token: &str) -> Result<Caller> {
    const REFUSED: &str = "access token is missing, expired or revoked";
    if access_token.is_empty() || access_token.len() > MAX_TOKEN_CHARS {
        return Err(Error::Unauthorized(REFUSED));
    }
    let session = state
        .storage()
        .session_for_access(&secrets::token_hash(access_token), state.now_ms())
        .await?
        .ok_or(Error::Unauthorized(REFUSED))?;
    if session.agent_disabled {
        return Err(Error::AccountDisabled);
    }
    Ok(Caller {
        agent: session.agent,
        device_id: session.device_id,
    })
}

fn token_response(
    state: &AppState,
    access_token: String,
    refresh_token: String,
    device_id: String,
    agent: Agent,
) -> TokenResponse {
    TokenResponse {
        access_token: access_token.into(),
        access_expires_in: state.config().access_ttl.as_secs(),
        refresh_token: refresh_token.into(),
        device_id,
        agent,
    }
}

/// The name as shown in device lists: control characters (NUL included, which PostgreSQL
/// cannot store) dropped, trimmed, bounded.
fn device_name(requested: &str) -> String {
    let printable: String = requested.chars().filter(|c| !c.is_control()).collect();
    let trimmed: String = printable
        .trim()
        .chars()
        .take(MAX_DEVICE_NAME_CHARS)
        .collect();
    if trimmed.is_empty() {
        "unnamed device".to_owned()
    } else {
        trimmed
    }
}

fn dummy_hash(state: &AppState) -> Result<String> {
    if let Some(hash) = state.dummy_password_hash().get() {
        return Ok(hash.clone());
    }
    let hash = secrets::hash_password("no such agent", state.config().password_cost)?;
    Ok(state.dummy_password_hash().get_or_init(|| hash).clone())
}

/// A new agent, as an administrator describes it.
#[derive(Debug, Clone)]
pub struct AddAgent {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub languages: Vec<String>,
    /// Teams the agent works in; see [`Agent::groups`].
    pub groups: Vec<String>,
    /// See [`Agent::skills`].
    pub skills: Vec<Category>,
    /// See [`Agent::capacity`].
    pub capacity: Option<u32>,
    /// A first password; `None`: an invitation instead.
    pub password: Option<String>,
    /// Who adds the agent, for the audit log.
    pub by: Actor,
}

/// An agent as added, and their invitation when they were given no password: its code is
/// shown this once.
#[derive(Debug, Clone)]
pub struct AddedAgent {
    pub agent: Agent,
    pub invitation: Option<Invitation>,
}

/// Validates and stores a new agent with a hashed password, or with an invitation valid
/// for [`invitation::INVITATION_TTL`]. `Conflict` when the email is taken
/// (case-insensitively).
pub async fn add_agent(
    storage: &dyn Storage,
    cost: PasswordCost,
    now: i64,
    new: AddAgent,
) -> Result<AddedAgent> {
    let email = new.email.trim().to_owned();
    validate_email(&email)?;
    let name = new.name.trim().to_owned();
    if name.is_empty() {
        return Err(Error::BadRequest("agent name must not be empty".into()));
    }
    if name.chars().any(char::is_control)
        || new
            .languages
            .iter()
            .any(|l| l.chars().any(char::is_control))
    {
        return Err(Error::BadRequest(
            "agent name and languages must not contain control characters".into(),
        ));
    }
    let groups = validate_groups(new.groups)?;
    let capacity = desk_core::admin::check_capacity(new.capacity).map_err(Error::BadRequest)?;
    let (credential, invitation) = match new.password {
        Some(password) => {
            validate_password(&password)?;
            let hash = blocking(move || secrets::hash_password(&password, cost)).await??;
            (Credential::Password(hash), None)
        }
        None => {
            let (stored, invitation) = invitation::fresh(now);
            (Credential::Invitation(stored), Some(invitation))
        }
    };
    let agent = storage
        .create_agent(
            NewAgent {
                id: uuid::Uuid::now_v7().to_string(),
                email,
                name,
                role: new.role,
                languages: new.languages,
                groups,
                skills: desk_core::admin::check_skills(&new.skills),
                capacity,
                credential,
                by: new.by,
            },
            now,
        )
        .await?;
    Ok(AddedAgent { agent, invitation })
}

/// Replaces an agent's password. `NotFound` when no agent has the email.
pub async fn set_password(
    storage: &dyn Storage,
    cost: PasswordCost,
    now: i64,
    email: &str,
    password: String,
    by: &Actor,
) -> Result<Agent> {
    validate_password(&password)?;
    let hash = blocking(move || secrets::hash_password(&password, cost)).await??;
    storage.set_agent_password(email, hash, now, by).await
}

/// Minimum length for passwords set through the admin commands.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// `BadRequest` for a password the desk would not accept, before anything is written.
pub fn check_password(password: &str) -> Result<()> {
    validate_password(password)
}

fn validate_password(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::BadRequest(format!(
            "password must be at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.len() > secrets::MAX_PASSWORD_BYTES {
        return Err(Error::BadRequest(format!(
            "password must be at most {} bytes",
            secrets::MAX_PASSWORD_BYTES
        )));
    }
    Ok(())
}

/// Most groups per agent; a name is as long as a ticket's group may be.
const MAX_GROUPS: usize = 50;
use desk_core::apply::MAX_GROUP_CHARS;

/// Trimmed, deduplicated and sorted; refuses empty names, control characters and
/// oversized lists.
pub fn validate_groups(groups: Vec<String>) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(groups.len());
    for group in groups {
        let group = group.trim().to_owned();
        if group.is_empty()
            || group.chars().count() > MAX_GROUP_CHARS
            || group.chars().any(char::is_control)
        {
            return Err(Error::BadRequest(format!(
                "group names are 1-{MAX_GROUP_CHARS} characters without control characters: {group:?}"
            )));
        }
        out.push(group);
    }
    out.sort();
    out.dedup();
    if out.len() > MAX_GROUPS {
        return Err(Error::BadRequest(format!(
            "an agent is in at most {MAX_GROUPS} groups"
        )));
    }
    Ok(out)
}

fn validate_email(email: &str) -> Result<()> {
    let valid = email.len() <= 320
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    if valid {
        Ok(())
    } else {
        Err(Error::BadRequest(format!("invalid email {email:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(role: Role) -> Agent {
        Agent {
            id: "a".into(),
            name: "A".into(),
            email: "a@x".into(),
            role,
            languages: vec![],
            groups: vec![],
            skills: vec![],
            capacity: None,
        }
    }

    #[test]
    fn roles_are_ordered_agent_supervisor_admin() {
        assert!(
            require_role(&agent(Role::Admin), Role::Supervisor).is_ok(),
            "admin outranks supervisor"
        );
        assert!(
            require_role(&agent(Role::Supervisor), Role::Supervisor).is_ok(),
            "a role meets itself"
        );
        let err = require_role(&agent(Role::Agent), Role::Supervisor).unwrap_err();
        assert!(
            matches!(err, Error::Forbidden { .. }),
            "an agent may not act as supervisor: {err:?}"
        );
    }

    #[test]
    fn emails_must_look_like_emails() {
        for bad in [
            "",
            "nobody",
            "@x.com",
            "a@",
            "a b@x.com",
            "a@b@c",
            "a\0@x.com",
        ] {
            assert!(validate_email(bad).is_err(), "{bad:?} is not an email");
        }
        assert!(
            validate_email("li.wei@example.cn").is_ok(),
            "a plain email is accepted"
        );
    }

    #[test]
    fn device_names_are_trimmed_and_bounded() {
        assert_eq!(
            device_name("  "),
            "unnamed device",
            "an empty name gets a placeholder"
        );
        assert_eq!(
            device_name(&"x".repeat(500)).chars().count(),
            MAX_DEVICE_NAME_CHARS,
            "long names are cut"
        );
    }
}
