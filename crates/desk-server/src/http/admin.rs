//! Administration over HTTP (DESIGN.md §3, §6): agents for admins, the audit log for
//! supervisors. The router's gates decide who gets here (`super::app`); the handlers
//! validate everything before they write anything, and every write is audited in its own
//! transaction by storage.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use desk_core::Role;
use desk_core::admin::{
    AgentAccount, AgentUpdate, AuditCheck, AuditPage, AuditQuery, AuditRecord, Invitation,
    NewAgentRequest, NewAgentResponse, check_agent_name, check_capacity, check_languages,
    check_skills,
};

use super::extract::{ApiJson, ApiQuery, AuthedAgent, needs};
use crate::audit::{Actor, AuditFilter, AuditRow};
use crate::auth::{self, AddAgent};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::storage::{AgentPatch, AgentRecord};

/// The agents for admins, the audit log for supervisors.
pub(super) fn routes(state: &AppState) -> Router<AppState> {
    let supervisor = |route| needs(state, Role::Supervisor, route);
    let admin = |route| needs(state, Role::Admin, route);
    Router::new()
        .route("/audit", supervisor(get(audit_page)))
        .route("/audit/verify", supervisor(get(audit_verify)))
        .route("/audit/export", supervisor(get(audit_export)))
        .route("/agents", admin(get(list_agents).post(create_agent)))
        .route("/agents/{id}", admin(axum::routing::patch(update_agent)))
        .route("/agents/{id}/invitation", admin(post(reissue_invitation)))
}

fn account(record: AgentRecord) -> AgentAccount {
    AgentAccount {
        agent: record.agent,
        disabled: record.disabled,
        created_at: record.created_at,
        invitation_pending: record.invitation_pending,
        invited_until: record.invited_until,
    }
}

async fn list_agents(State(state): State<AppState>) -> Result<Json<Vec<AgentAccount>>> {
    let agents = state.storage().list_agents().await?;
    Ok(Json(agents.into_iter().map(account).collect()))
}

async fn create_agent(
    State(state): State<AppState>,
    caller: AuthedAgent,
    ApiJson(new): ApiJson<NewAgentRequest>,
) -> Result<(StatusCode, Json<NewAgentResponse>)> {
    let languages = check_languages(&new.languages).map_err(Error::BadRequest)?;
    let added = auth::add_agent(
        state.storage(),
        state.config().password_cost,
        state.now_ms(),
        AddAgent {
            email: new.email,
            name: new.name,
            role: new.role,
            languages,
            groups: new.groups,
            skills: new.skills,
            capacity: new.capacity,
            password: new.password,
            by: Actor::Agent(caller.agent().id.clone()),
        },
    )
    .await?;
    let created = find(&state, &added.agent.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(NewAgentResponse {
            account: account(created),
            invitation: added.invitation,
        }),
    ))
}

/// A fresh invitation for an agent who has not accepted theirs (lost or expired); the
/// previous code stops working. Its code is in this answer only.
async fn reissue_invitation(
    State(state): State<AppState>,
    caller: AuthedAgent,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Invitation>)> {
    let by = Actor::Agent(caller.agent().id.clone());
    let invitation = auth::invitation::reissue(state.storage(), state.now_ms(), &id, &by).await?;
    Ok((StatusCode::CREATED, Json(invitation)))
}

async fn find(state: &AppState, id: &str) -> Result<AgentRecord> {
    state
        .storage()
        .list_agents()
        .await?
        .into_iter()
        .find(|a| a.agent.id == id)
        .ok_or_else(|| Error::NotFound(format!("no agent {id:?}")))
}

/// Enabled admins other than `except`.
fn other_admins(agents: &[AgentRecord], except: &str) -> usize {
    agents
        .iter()
        .filter(|a| a.agent.role == Role::Admin && !a.disabled && a.agent.id != except)
        .count()
}

async fn update_agent(
    State(state): State<AppState>,
    caller: AuthedAgent,
    Path(id): Path<String>,
    ApiJson(update): ApiJson<AgentUpdate>,
) -> Result<Json<AgentAccount>> {
    if update.is_empty() {
        return Err(Error::BadRequest("nothing to change".into()));
    }
    let agents = state.storage().list_agents().await?;
    let target = agents
        .iter()
        .find(|a| a.agent.id == id)
        .ok_or_else(|| Error::NotFound(format!("no agent {id:?}")))?;
    // Everything is checked before anything is written.
    let patch = AgentPatch {
        name: update
            .name
            .as_deref()
            .map(check_agent_name)
            .transpose()
            .map_err(Error::BadRequest)?,
        role: update.role,
        languages: update
            .languages
            .as_deref()
            .map(check_languages)
            .transpose()
            .map_err(Error::BadRequest)?,
        groups: update.groups.map(auth::validate_groups).transpose()?,
        skills: update.skills.as_deref().map(check_skills),
        capacity: update
            .capacity
            .map(check_capacity)
            .transpose()
            .map_err(Error::BadRequest)?,
    };
    let me = caller.agent();
    if update.disabled == Some(true) {
        if target.agent.id == me.id {
            return Err(Error::Conflict(
                "you cannot disable your own account: ask another admin".into(),
            ));
        }
        if target.agent.role == Role::Admin && other_admins(&agents, &target.agent.id) == 0 {
            return Err(Error::Conflict(
                "the desk's last enabled admin cannot be disabled".into(),
            ));
        }
    }
    if let Some(password) = &update.password {
        auth::check_password(password)?;
    }
    let by = Actor::Agent(me.id.clone());
    let now = state.now_ms();
    let email = target.agent.email.clone();
    // Storage refuses, in its transaction, to leave the desk without an admin.
    state
        .storage()
        .update_agent(&email, patch, now, &by)
        .await?;
    if let Some(password) = update.password {
        auth::set_password(
            state.storage(),
            state.config().password_cost,
            now,
            &email,
            password,
            &by,
        )
        .await?;
    }
    if let Some(disabled) = update.disabled
        && disabled != target.disabled
    {
        state
            .storage()
            .set_agent_disabled(&email, disabled, now, &by)
            .await?;
    }
    Ok(Json(account(find(&state, &id).await?)))
}

/// Rows per page when the query names none, and the most a page or an export holds.
const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 1000;
const MAX_EXPORT: u32 = 100_000;

fn filter(query: &AuditQuery) -> Result<AuditFilter> {
    if let (Some(since), Some(until)) = (query.since, query.until)
        && since >= until
    {
        return Err(Error::BadRequest("`since` must be before `until`".into()));
    }
    fn text(v: &Option<String>) -> Option<String> {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }
    Ok(AuditFilter {
        actor: text(&query.actor),
        subject: text(&query.subject),
        action: text(&query.action),
        since: query.since,
        until: query.until,
        before_seq: query.before,
    })
}

fn record(row: AuditRow) -> AuditRecord {
    AuditRecord {
        seq: row.seq,
        at: row.at,
        actor: row.actor,
        action: row.action,
        subject: row.subject,
        // Stored as canonical JSON by the server itself; a row that is not is shown as
        // the text it holds rather than hidden.
        details: serde_json::from_str(&row.details)
            .unwrap_or(serde_json::Value::String(row.details)),
        hash: row.hash,
    }
}

async fn audit_page(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Error::BadRequest(format!(
            "`limit` is 1-{MAX_PAGE} rows per page"
        )));
    }
    let rows = state.storage().audit_search(filter(&query)?, limit).await?;
    let next_before = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| r.seq))
        .flatten();
    Ok(Json(AuditPage {
        entries: rows.into_iter().map(record).collect(),
        next_before,
    }))
}

async fn audit_verify(State(state): State<AppState>) -> Result<Json<AuditCheck>> {
    let head = state.storage().audit_head().await?;
    Ok(Json(match crate::audit::verify(state.storage()).await? {
        Ok(rows) => AuditCheck {
            intact: true,
            rows,
            broken_at: None,
            reason: None,
        },
        Err(broken) => AuditCheck {
            intact: false,
            rows: head.seq,
            broken_at: Some(broken.seq),
            reason: Some(broken.reason),
        },
    }))
}

/// [`AuditQuery`] and the file's format. Spelled out rather than flattened: a flattened
/// query string hands numbers over as text, which `since` and `limit` would refuse.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    /// `csv` or `jsonl`.
    format: String,
    actor: Option<String>,
    subject: Option<String>,
    action: Option<String>,
    since: Option<i64>,
    until: Option<i64>,
    before: Option<i64>,
    limit: Option<u32>,
}

impl ExportQuery {
    fn query(&self) -> AuditQuery {
        AuditQuery {
            actor: self.actor.clone(),
            subject: self.subject.clone(),
            action: self.action.clone(),
            since: self.since,
            until: self.until,
            before: self.before,
            limit: self.limit,
        }
    }
}

/// The rows a query selects as one file: CSV for a spreadsheet, JSON lines for tools.
async fn audit_export(
    State(state): State<AppState>,
    ApiQuery(export): ApiQuery<ExportQuery>,
) -> Result<Response> {
    let csv = match export.format.as_str() {
        "csv" => true,
        "jsonl" => false,
        other => {
            return Err(Error::BadRequest(format!(
                "`format` is csv or jsonl, not {other:?}"
            )));
        }
    };
    let query = export.query();
    let limit = query.limit.unwrap_or(MAX_EXPORT);
    if !(1..=MAX_EXPORT).contains(&limit) {
        return Err(Error::BadRequest(format!(
            "`limit` is 1-{MAX_EXPORT} rows for an export"
        )));
    }
    let mut filter = filter(&query)?;
    let mut out = String::new();
    if csv {
        out.push_str("seq,at,actor,action,subject,details,hash\n");
    }
    let mut left = limit;
    while left > 0 {
        let rows = state
            .storage()
            .audit_search(filter.clone(), left.min(MAX_PAGE))
            .await?;
        let Some(last) = rows.last().map(|r| r.seq) else {
            break;
        };
        left -= rows.len() as u32;
        for row in rows {
            let r = record(row);
            if csv {
                let fields = [
                    r.seq.to_string(),
                    r.at.to_string(),
                    r.actor,
                    r.action,
                    r.subject,
                    r.details.to_string(),
                    r.hash,
                ];
                let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                out.push_str(&line.join(","));
            } else {
                out.push_str(
                    &serde_json::to_string(&r)
                        .map_err(|e| Error::Internal(format!("encode an audit row: {e}")))?,
                );
            }
            out.push('\n');
        }
        filter.before_seq = Some(last);
    }
    let (kind, ext) = if csv {
        ("text/csv; charset=utf-8", "csv")
    } else {
        ("application/x-ndjson", "jsonl")
    };
    let mut response = out.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"audit.{ext}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// A CSV field (RFC 4180), quoted when it must be; a leading `=`, `+`, `-` or `@` is
/// defused with a quote mark so a spreadsheet shows text a customer or an agent wrote
/// instead of running it as a formula.
fn csv_field(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("agent.add"), "agent.add");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
    }
}
