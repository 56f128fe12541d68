//! What supervisors write for the team (DESIGN.md §3, §11): macros and knowledge-base
//! articles. A write is checked by desk-core's rules (`admin::macro_from`,
//! `admin::article_from`: the outgoing guard included), stored with its audit row in one
//! transaction, and reaches every console through the feed. A deletion is a record too
//! (`deleted_at`), so consoles that were offline learn of it at their next pull.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::put;
use axum::{Json, Router};
use desk_core::Role;
use desk_core::admin::{ArticleInput, MacroInput, article_from, macro_from};
use desk_core::ops::{KbArticle, Macro};
use desk_core::wire::Change;
use serde_json::json;

use super::extract::{ApiJson, AuthedAgent, needs};
use crate::audit::{Actor, AuditEntry};
use crate::error::{Error, Result};
use crate::state::AppState;

pub(super) fn routes(state: &AppState) -> Router<AppState> {
    let supervisor = |route| needs(state, Role::Supervisor, route);
    Router::new()
        .route(
            "/macros/{id}",
            supervisor(put(put_macro).delete(delete_macro)),
        )
        .route(
            "/kb/{id}",
            supervisor(put(put_article).delete(delete_article)),
        )
}

/// The stored record `kind`/`id`, unless there is none or it was deleted.
async fn current<T: serde::de::DeserializeOwned>(
    state: &AppState,
    kind: &str,
    id: &str,
    deleted: impl Fn(&T) -> bool,
) -> Result<Option<T>> {
    let Some(text) = state.storage().stored_record(kind, id).await? else {
        return Ok(None);
    };
    let record: T = serde_json::from_str(&text)
        .map_err(|e| Error::Internal(format!("stored {kind} {id} does not decode: {e}")))?;
    Ok((!deleted(&record)).then_some(record))
}

fn by(caller: &AuthedAgent) -> Actor {
    Actor::Agent(caller.agent().id.clone())
}

async fn put_macro(
    State(state): State<AppState>,
    caller: AuthedAgent,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MacroInput>,
) -> Result<Json<Macro>> {
    let now = state.now_ms();
    let m = macro_from(&id, input, now).map_err(Error::BadRequest)?;
    let existed = current::<Macro>(&state, "macro", &id, |m| m.deleted_at.is_some())
        .await?
        .is_some();
    let entry = AuditEntry::new(
        &by(&caller),
        "macro.put",
        format!("macro:{id}"),
        json!({
            "title": m.title,
            "languages": m.bodies.keys().collect::<Vec<_>>(),
            "actions": m.actions.len(),
            "created": !existed,
        }),
    );
    state
        .storage()
        .write_audited(vec![Change::Macro(m.clone())], vec![entry], now)
        .await?;
    Ok(Json(m))
}

async fn delete_macro(
    State(state): State<AppState>,
    caller: AuthedAgent,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let now = state.now_ms();
    let mut m = current::<Macro>(&state, "macro", &id, |m| m.deleted_at.is_some())
        .await?
        .ok_or_else(|| Error::NotFound(format!("no macro {id:?}")))?;
    m.deleted_at = Some(now);
    m.updated_at = now;
    let entry = AuditEntry::new(
        &by(&caller),
        "macro.delete",
        format!("macro:{id}"),
        json!({ "title": m.title }),
    );
    state
        .storage()
        .write_audited(vec![Change::Macro(m)], vec![entry], now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn put_article(
    State(state): State<AppState>,
    caller: AuthedAgent,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ArticleInput>,
) -> Result<Json<KbArticle>> {
    let now = state.now_ms();
    let a = article_from(&id, input, now).map_err(Error::BadRequest)?;
    let before =
        current::<KbArticle>(&state, "kb_article", &id, |a| a.deleted_at.is_some()).await?;
    let entry = AuditEntry::new(
        &by(&caller),
        "kb.put",
        format!("kb:{id}"),
        json!({
            "status": a.status,
            "was": before.as_ref().map(|b| b.status),
            "languages": a.translations.keys().collect::<Vec<_>>(),
        }),
    );
    state
        .storage()
        .write_audited(vec![Change::KbArticle(a.clone())], vec![entry], now)
        .await?;
    Ok(Json(a))
}

async fn delete_article(
    State(state): State<AppState>,
    caller: AuthedAgent,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let now = state.now_ms();
    let mut a = current::<KbArticle>(&state, "kb_article", &id, |a| a.deleted_at.is_some())
        .await?
        .ok_or_else(|| Error::NotFound(format!("no article {id:?}")))?;
    a.deleted_at = Some(now);
    a.updated_at = now;
    let entry = AuditEntry::new(&by(&caller), "kb.delete", format!("kb:{id}"), json!({}));
    state
        .storage()
        .write_audited(vec![Change::KbArticle(a)], vec![entry], now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
