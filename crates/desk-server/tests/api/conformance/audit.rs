//! The hash-chained audit log on each backend: what a realistic run records, and that
//! altering or deleting a row through raw SQL is caught by `audit::verify`.

use std::future::Future;
use std::sync::Arc;

use crate::support::Tokens as TokenResponse;
use axum::http::StatusCode;
use desk_core::{MutationOp, MutationResult, Role, TicketStatus};
use desk_server::Storage;
use desk_server::audit::{self, Actor, AuditRow};
use serde_json::json;

use super::push::{Console, app_with_ticket, set_status};
use crate::support::{ClockExt, TestApp, code};

pub async fn all_rows(storage: &dyn Storage) -> Vec<AuditRow> {
    storage
        .audit_rows(0, 100_000)
        .await
        .expect("read audit rows")
}

/// Agents added, sign-ins, pushes (applied, rejected, replayed), a reused refresh token,
/// a sign-out, an agent disabled and enabled: one row each, in order, chain intact.
pub async fn a_realistic_run_leaves_an_intact_chain(storage: Arc<dyn Storage>) {
    let app = app_with_ticket(storage).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let ops = vec![
        set_status("t1", TicketStatus::Open),
        MutationOp::Claim {
            ticket_id: "t1".into(),
        },
        set_status("no-such-ticket", TicketStatus::Open),
    ];
    let batch: Vec<_> = ops.into_iter().map(|op| lin.make(op)).collect();
    let results = app.push(&lin.token, &batch).await;
    assert_eq!(
        app.push(&lin.token, &batch).await,
        results,
        "a replay is answered with the first answers"
    );

    let second = app.login("lin.wei@desk.test").await;
    let (status, rotated) = app.refresh(&second.refresh_token).await;
    assert_eq!(status, StatusCode::OK, "a plain rotation succeeds");
    // The new pair is in use, so the old token again is a reuse, not a retry.
    let rotated: TokenResponse = serde_json::from_value(rotated).unwrap();
    let (status, _) = app.get("/api/v1/me", Some(&rotated.access_token)).await;
    assert_eq!(status, StatusCode::OK, "the rotated pair works");
    let (status, body) = app.refresh(&second.refresh_token).await;
    assert_eq!(code(&body), "session_expired", "reuse is refused: {status}");
    let third = app.login("amy@desk.test").await;
    let (status, _) = app
        .post("/api/v1/auth/logout", Some(&third.access_token), json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "logout succeeds");
    let root = Actor::Operator("root".into());
    for disabled in [true, false] {
        app.storage
            .set_agent_disabled("amy@desk.test", disabled, app.clock.now(), &root)
            .await
            .expect("disable and enable amy");
    }

    let rows = all_rows(app.storage.as_ref()).await;
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    let pushed: Vec<&str> = results
        .iter()
        .map(|r| match r {
            MutationResult::Applied => "push.applied",
            MutationResult::Rejected { .. } => "push.rejected",
            other => panic!("no conflict or hold expected here: {other:?}"),
        })
        .collect();
    let mut expected = vec!["agent.add", "agent.add", "auth.login"];
    expected.extend(&pushed);
    expected.extend([
        "auth.login",
        "auth.refresh_reuse_revoked",
        "auth.login",
        "auth.logout",
        "agent.disable",
        "agent.enable",
    ]);
    assert_eq!(
        actions, expected,
        "every action is recorded once, in order; replays and plain refreshes are not actions"
    );
    assert_eq!(
        pushed,
        ["push.applied", "push.applied", "push.rejected"],
        "the run covers applied and rejected mutations"
    );
    let claim = &rows[4];
    assert_eq!(
        (claim.actor.as_str(), claim.subject.as_str()),
        (format!("agent:{}", lin.agent_id).as_str(), "ticket:t1"),
        "a push row names the agent and the ticket"
    );
    assert!(
        claim.details.contains(&batch[1].id) && claim.details.contains("\"claim\""),
        "and the mutation: {}",
        claim.details
    );
    assert_eq!(
        rows[10].actor, "operator:root",
        "admin actions name the operator"
    );
    assert_eq!(
        audit::verify(app.storage.as_ref()).await.unwrap(),
        Ok(rows.len() as i64),
        "the chain of a realistic run verifies end to end"
    );
}

/// `sql` runs a statement on the backend's database, below the storage API.
pub async fn tampering_is_detected<F, Fut>(storage: Arc<dyn Storage>, sql: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = ()>,
{
    let app = TestApp::with_storage(storage);
    for email in ["a@desk.test", "b@desk.test", "c@desk.test"] {
        app.add_agent(email, Role::Agent).await;
        app.login(email).await;
    }
    let storage = app.storage.as_ref();
    let rows = all_rows(storage).await;
    assert_eq!(rows.len(), 6, "three agents added, three sign-ins");
    assert_eq!(
        audit::verify(storage).await.unwrap(),
        Ok(6),
        "untouched, the chain verifies"
    );

    let quote = |text: &str| format!("'{}'", text.replace('\'', "''"));
    let set_details = |seq: i64, details: &str| {
        format!(
            "UPDATE audit_log SET details = {} WHERE seq = {seq}",
            quote(details)
        )
    };
    sql(set_details(2, r#"{"device_name":"attacker"}"#)).await;
    let broken = audit::verify(storage).await.unwrap().unwrap_err();
    assert_eq!(broken.seq, 2, "an altered row is named: {broken}");
    sql(set_details(2, &rows[1].details)).await;
    assert_eq!(
        audit::verify(storage).await.unwrap(),
        Ok(6),
        "put back byte for byte, it verifies again (so the change was what was caught)"
    );

    sql("UPDATE audit_log SET actor = 'agent:someone-else' WHERE seq = 4".into()).await;
    let broken = audit::verify(storage).await.unwrap().unwrap_err();
    assert_eq!(broken.seq, 4, "a changed actor is caught: {broken}");
    sql(format!(
        "UPDATE audit_log SET actor = {} WHERE seq = 4",
        quote(&rows[3].actor)
    ))
    .await;

    sql("DELETE FROM audit_log WHERE seq = 6".into()).await;
    let broken = audit::verify(storage).await.unwrap().unwrap_err();
    assert_eq!(
        broken.seq, 6,
        "deleting the newest row is caught by the head: {broken}"
    );
    sql("DELETE FROM audit_log WHERE seq = 3".into()).await;
    let broken = audit::verify(storage).await.unwrap().unwrap_err();
    assert_eq!(
        broken.seq, 3,
        "a deleted row in the middle is the first break: {broken}"
    );
}
