//! Agents added with skills, a capacity and an invitation instead of a password, on each
//! backend (DESIGN.md §3): the invited agent cannot sign in until they accept, accepting
//! signs them in once, a refused code never tells whether the email exists, and a lost or
//! expired invitation is replaced by a new one whose predecessor stops working.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use desk_core::wire::Change;
use desk_core::{Category, Role};
use desk_server::Storage;
use serde_json::{Value, json};

use crate::support::{ClockExt, T0, TestApp, code};

const WEEK_MS: i64 = 7 * 24 * 3600 * 1000;

/// An app with an admin signed in: the app and the admin's access token.
async fn with_admin(storage: Arc<dyn Storage>) -> (TestApp, String) {
    let app = TestApp::with_storage(storage);
    app.add_agent("root@desk.test", Role::Admin).await;
    let admin = app.login("root@desk.test").await.access_token;
    (app, admin)
}

/// Adds `email` without a password: the answer's body.
async fn invite(app: &TestApp, admin: &str, email: &str) -> Value {
    let (status, body) = app
        .post(
            "/api/v1/agents",
            Some(admin),
            json!({ "email": email, "name": "Invited", "role": "agent" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn accept(app: &TestApp, email: &str, code: &str, password: &str) -> (StatusCode, Value) {
    app.post(
        "/api/v1/auth/invitation",
        None,
        json!({ "email": email, "code": code, "password": password, "device_name": "laptop" }),
    )
    .await
}

fn invitation_code(body: &Value) -> String {
    body["invitation"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("an invitation code in {body}"))
        .to_owned()
}

async fn account(app: &TestApp, admin: &str, id: &str) -> Value {
    let (status, list) = app.get("/api/v1/agents", Some(admin)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("{id} is listed: {list}"))
        .clone()
}

pub async fn an_invited_agent_with_skills_chooses_a_password_and_is_signed_in_once(
    storage: Arc<dyn Storage>,
) {
    let (app, admin) = with_admin(storage).await;
    app.add_agent("lin@desk.test", Role::Agent).await;
    let lin = app.login("lin@desk.test").await.access_token;
    let (_, cursor) = app.pull_all(&lin, "", 500).await;

    let (status, added) = app
        .post(
            "/api/v1/agents",
            Some(&admin),
            json!({ "email": "Wang.Min@desk.test", "name": "王敏", "role": "agent",
                    "skills": ["security", "transaction_confirmation", "security"],
                    "capacity": 25 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let id = added["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (&added["skills"], &added["capacity"]),
        (&json!(["transaction_confirmation", "security"]), &json!(25)),
        "skills deduplicated in the categories' order, the capacity as given"
    );
    assert_eq!(
        (&added["invitation_pending"], &added["invited_until"]),
        (&json!(true), &json!(T0 + WEEK_MS)),
        "no password yet, an invitation for a week: {added}"
    );
    assert_eq!(added["invitation"]["expires_at"], json!(T0 + WEEK_MS));
    let handed_over = invitation_code(&added);

    // Every console learns the agent's skills and capacity from the feed.
    let (changes, _) = app.pull_all(&lin, &cursor, 500).await;
    let pulled = changes.iter().find_map(|c| match c {
        Change::Agent(a) if a.id == id => Some(a.clone()),
        _ => None,
    });
    let pulled = pulled.expect("Lin's console pulled the new agent");
    assert_eq!(
        (pulled.skills.as_slice(), pulled.capacity),
        (
            &[Category::TransactionConfirmation, Category::Security][..],
            Some(25)
        )
    );

    // No password works before the invitation is accepted, and the refusal is a login's.
    let (status, body) = app.login_raw("wang.min@desk.test", "").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "invalid_credentials"),
        "an invited agent has no password to sign in with: {body}"
    );

    // A wrong code, the right code with another email, an unknown email: one answer.
    let refusals = [
        accept(
            &app,
            "wang.min@desk.test",
            "0000-0000-0000-0000-0000",
            "chosen password 1",
        )
        .await,
        accept(&app, "root@desk.test", &handed_over, "chosen password 1").await,
        accept(&app, "nobody@desk.test", &handed_over, "chosen password 1").await,
        accept(
            &app,
            "wang.min@desk.test",
            "not a code at all",
            "chosen password 1",
        )
        .await,
    ];
    for (status, body) in &refusals {
        assert_eq!(
            (*status, code(body)),
            (StatusCode::UNAUTHORIZED, "invalid_invitation"),
            "{body}"
        );
        assert_eq!(
            body, &refusals[0].1,
            "a refusal never tells whether the email has an account"
        );
    }
    let (status, body) = accept(&app, "wang.min@desk.test", &handed_over, "short").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "bad_request"),
        "the password rules are the desk's: {body}"
    );

    // Typed back loosely (lower case, spaces for hyphens, another case of the email).
    let typed = handed_over.to_lowercase().replace('-', " ");
    let (status, tokens) = accept(&app, "WANG.MIN@desk.test", &typed, "chosen password 1").await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(
        tokens["agent"]["id"],
        json!(id),
        "signed in as the invited agent"
    );
    let access = tokens["access_token"].as_str().unwrap();
    let (status, me) = app.get("/api/v1/me", Some(access)).await;
    assert_eq!(
        (status, &me["email"]),
        (StatusCode::OK, &json!("Wang.Min@desk.test"))
    );

    // Single use: the same code again is refused; the chosen password now signs in.
    let (status, body) = accept(
        &app,
        "wang.min@desk.test",
        &handed_over,
        "another password 2",
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "invalid_invitation"),
        "a used code is worth nothing: {body}"
    );
    let (status, _) = app
        .login_raw("wang.min@desk.test", "chosen password 1")
        .await;
    assert_eq!(status, StatusCode::OK, "the chosen password signs in");
    let listed = account(&app, &admin, &id).await;
    assert_eq!(
        (&listed["invitation_pending"], &listed["invited_until"]),
        (&json!(false), &Value::Null),
        "accepted: {listed}"
    );
    let (status, body) = app
        .post(
            &format!("/api/v1/agents/{id}/invitation"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "conflict"),
        "an agent with a password gets a new password, not an invitation: {body}"
    );

    // Skills and capacity change like any field; `null` lifts the limit.
    let (status, body) = app
        .patch(
            &format!("/api/v1/agents/{id}"),
            Some(&admin),
            json!({ "skills": ["dispute"], "capacity": null }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["skills"], &body["capacity"]),
        (&json!(["dispute"]), &Value::Null)
    );
    for (bad, why) in [
        (json!({ "capacity": 0 }), "zero"),
        (json!({ "capacity": 501 }), "over 500"),
        (json!({ "skills": ["cooking"] }), "not a category"),
    ] {
        let (status, body) = app
            .patch(&format!("/api/v1/agents/{id}"), Some(&admin), bad)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {body}");
    }

    // Audited: added, invited, accepted by the agent, then the routing changes.
    let (status, page) = app
        .get(
            &format!("/api/v1/audit?subject=agent:{id}&limit=50"),
            Some(&admin),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let rows: Vec<(&str, &str)> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    let root = format!("agent:{}", app.login("root@desk.test").await.agent.id);
    let wang = format!("agent:{id}");
    assert_eq!(
        rows,
        [
            ("agent.capacity", root.as_str()),
            ("agent.skills", root.as_str()),
            ("agent.invitation_accepted", wang.as_str()),
            ("agent.invite", root.as_str()),
            ("agent.add", root.as_str()),
        ],
        "newest first: {page}"
    );
    let add = &page["entries"][4]["details"];
    assert_eq!(
        (&add["first_sign_in"], &add["capacity"]),
        (&json!("invitation"), &json!(25)),
        "{add}"
    );
    let (_, log) = app
        .get("/api/v1/audit?action=auth.login&limit=50", Some(&admin))
        .await;
    assert!(
        log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor"] == json!(wang)),
        "accepting signed a device in, audited as a sign-in: {log}"
    );
}

pub async fn a_lost_or_expired_invitation_is_replaced_and_the_old_code_stops_working(
    storage: Arc<dyn Storage>,
) {
    let (app, admin) = with_admin(storage).await;

    // Lost: a new code replaces it at once.
    let added = invite(&app, &admin, "omar@desk.test").await;
    let id = added["id"].as_str().unwrap().to_owned();
    let lost = invitation_code(&added);
    let path = format!("/api/v1/agents/{id}/invitation");
    let (status, fresh) = app.post(&path, Some(&admin), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{fresh}");
    let fresh_code = fresh["code"].as_str().unwrap().to_owned();
    assert_ne!(fresh_code, lost, "a new code");
    let (status, body) = accept(&app, "omar@desk.test", &lost, "omar's password").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "invalid_invitation"),
        "the replaced code stopped working: {body}"
    );

    // Expired: refused after a week, still pending, and a new one works.
    app.clock.advance(Duration::from_millis(WEEK_MS as u64 + 1));
    // The admin's access token of a week ago is long expired.
    let admin = app.login("root@desk.test").await.access_token;
    let (status, body) = accept(&app, "omar@desk.test", &fresh_code, "omar's password").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "invalid_invitation"),
        "an expired code: {body}"
    );
    let listed = account(&app, &admin, &id).await;
    assert_eq!(listed["invitation_pending"], json!(true), "{listed}");
    assert!(
        listed["invited_until"].as_i64().unwrap() < app.clock.now(),
        "the console can tell the invitation expired: {listed}"
    );
    let (status, renewed) = app.post(&path, Some(&admin), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{renewed}");
    assert_eq!(renewed["expires_at"], json!(app.clock.now() + WEEK_MS));
    let (status, body) = accept(
        &app,
        "omar@desk.test",
        renewed["code"].as_str().unwrap(),
        "omar's password",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the renewed code works: {body}");

    let (status, body) = app
        .post("/api/v1/agents/nobody/invitation", Some(&admin), json!({}))
        .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));

    // A password an admin sets ends the invitation.
    let added = invite(&app, &admin, "sam@desk.test").await;
    let sam = added["id"].as_str().unwrap().to_owned();
    let (status, body) = app
        .patch(
            &format!("/api/v1/agents/{sam}"),
            Some(&admin),
            json!({ "password": "set by the admin" }),
        )
        .await;
    assert_eq!(
        (status, &body["invitation_pending"], &body["invited_until"]),
        (StatusCode::OK, &json!(false), &Value::Null),
        "{body}"
    );
    let (status, body) = accept(
        &app,
        "sam@desk.test",
        &invitation_code(&added),
        "sam's own password",
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "invalid_invitation"),
        "{body}"
    );
    assert_eq!(
        app.login_raw("sam@desk.test", "set by the admin").await.0,
        StatusCode::OK
    );

    // A disabled agent's invitation is not used up by being refused.
    let added = invite(&app, &admin, "kim@desk.test").await;
    let kim = added["id"].as_str().unwrap().to_owned();
    let kim_code = invitation_code(&added);
    let disable = |disabled: bool| {
        let (app, admin, kim) = (&app, &admin, &kim);
        async move {
            let (status, body) = app
                .patch(
                    &format!("/api/v1/agents/{kim}"),
                    Some(admin),
                    json!({ "disabled": disabled }),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    };
    disable(true).await;
    let (status, body) = accept(&app, "kim@desk.test", &kim_code, "kim's password").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "account_disabled"),
        "{body}"
    );
    disable(false).await;
    let (status, body) = accept(&app, "kim@desk.test", &kim_code, "kim's password").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "enabled again, the code works: {body}"
    );

    // Guessing is throttled like signing in.
    invite(&app, &admin, "eve@desk.test").await;
    let mut last = StatusCode::OK;
    for _ in 0..11 {
        last = accept(
            &app,
            "eve@desk.test",
            "0000-0000-0000-0000-0000",
            "a password 1",
        )
        .await
        .0;
    }
    assert_eq!(
        last,
        StatusCode::TOO_MANY_REQUESTS,
        "too many wrong codes for one email are rate limited"
    );
}
