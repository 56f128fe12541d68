//! Login, throttling, refresh rotation, logout, token expiry, disabled agents, roles.

use std::time::Duration;

use crate::support::Tokens as TokenResponse;
use axum::http::StatusCode;
use desk_core::Role;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn login_returns_tokens_and_the_agent() {
    let app = TestApp::new();
    let agent = app.add_agent("lin.wei@desk.test", Role::Supervisor).await;
    let tokens = app.login("LIN.WEI@desk.test").await;
    assert_eq!(
        tokens.agent, agent,
        "login answers with the signed-in agent, email case-insensitive"
    );
    assert_eq!(
        tokens.access_expires_in,
        15 * 60,
        "access tokens live 15 minutes by default"
    );
    assert_ne!(
        tokens.access_token, tokens.refresh_token,
        "access and refresh tokens are different secrets"
    );

    let (status, me) = app.get("/api/v1/me", Some(&tokens.access_token)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the fresh access token must be accepted: {me}"
    );
    assert_eq!(
        me["email"], "lin.wei@desk.test",
        "/me answers the token's agent"
    );
    assert_eq!(me["role"], "supervisor", "/me carries the role");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_look_the_same() {
    let app = TestApp::new();
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    let (s1, wrong_password) = app.login_raw("lin.wei@desk.test", "not the password").await;
    let (s2, unknown_email) = app.login_raw("nobody@desk.test", PASSWORD).await;
    assert_eq!(s1, StatusCode::UNAUTHORIZED, "a wrong password is refused");
    assert_eq!(s2, StatusCode::UNAUTHORIZED, "an unknown email is refused");
    assert_eq!(
        code(&wrong_password),
        "invalid_credentials",
        "wrong password → invalid_credentials"
    );
    assert_eq!(
        wrong_password, unknown_email,
        "the two cases must be indistinguishable so emails cannot be probed"
    );
}

#[tokio::test]
async fn repeated_failures_are_throttled_per_email() {
    let app = TestApp::new();
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    app.add_agent("other@desk.test", Role::Agent).await;
    for attempt in 0..10 {
        let (status, _) = app.login_raw("lin.wei@desk.test", "guess").await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt} is under the limit"
        );
    }
    let (status, body) = app.login_raw("lin.wei@desk.test", PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the 11th try within 5 minutes is refused: {body}"
    );
    assert_eq!(
        code(&body),
        "rate_limited",
        "even the right password waits out the lockout"
    );

    let (status, _) = app.login_raw("other@desk.test", PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "throttling one email must not lock out another"
    );

    app.clock.advance(Duration::from_secs(5 * 60 + 1));
    let (status, _) = app.login_raw("lin.wei@desk.test", PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "after the window the agent may sign in again"
    );
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_device() {
    let app = TestApp::new();
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    let first = app.login("lin.wei@desk.test").await;

    let (status, body) = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({ "refresh_token": first.refresh_token }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a current refresh token is exchanged: {body}"
    );
    let second: TokenResponse = serde_json::from_value(body).unwrap();
    assert_ne!(
        second.refresh_token, first.refresh_token,
        "the refresh token rotates on use"
    );
    assert_eq!(
        second.device_id, first.device_id,
        "rotation stays on the same device"
    );
    let (status, _) = app.get("/api/v1/me", Some(&second.access_token)).await;
    assert_eq!(status, StatusCode::OK, "the new access token works");

    // The old refresh token again: someone copied it. The whole device goes.
    let (status, body) = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({ "refresh_token": first.refresh_token }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a rotated refresh token is refused"
    );
    assert_eq!(
        code(&body),
        "session_expired",
        "reuse answers session_expired"
    );

    let (status, body) = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({ "refresh_token": second.refresh_token }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "reuse revokes the device's current refresh token too"
    );
    assert_eq!(
        code(&body),
        "device_revoked",
        "a revoked device's refresh says so, so its client deletes its cache"
    );
    let (status, body) = app.get("/api/v1/me", Some(&second.access_token)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "reuse revokes the device's access tokens too"
    );
    assert_eq!(
        code(&body),
        "unauthorized",
        "a revoked access token answers unauthorized"
    );
}

#[tokio::test]
async fn unknown_refresh_token_is_session_expired() {
    let app = TestApp::new();
    for token in ["desk_rt_0000", "", &"x".repeat(10_000)] {
        let (status, body) = app
            .post(
                "/api/v1/auth/refresh",
                None,
                json!({ "refresh_token": token }),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "an unknown refresh token is refused"
        );
        assert_eq!(
            code(&body),
            "session_expired",
            "unknown refresh tokens answer session_expired"
        );
    }
}

#[tokio::test]
async fn logout_revokes_only_the_calling_device() {
    let app = TestApp::new();
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    let laptop = app.login("lin.wei@desk.test").await;
    let desktop = app.login("lin.wei@desk.test").await;
    assert_ne!(
        laptop.device_id, desktop.device_id,
        "each login is its own device"
    );

    let (status, _) = app
        .post("/api/v1/auth/logout", Some(&laptop.access_token), json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "logout succeeds");
    let (status, _) = app.get("/api/v1/me", Some(&laptop.access_token)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the logged-out device's access token is dead"
    );
    let (status, _) = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({ "refresh_token": laptop.refresh_token }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the logged-out device's refresh token is dead"
    );
    let (status, _) = app.get("/api/v1/me", Some(&desktop.access_token)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the agent's other device stays signed in"
    );

    let (status, body) = app.post("/api/v1/auth/logout", None, json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "logout needs a token");
    assert_eq!(
        code(&body),
        "unauthorized",
        "missing token answers unauthorized"
    );
}

#[tokio::test]
async fn access_tokens_expire_and_refresh_brings_a_new_one() {
    let app = TestApp::new();
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    let tokens = app.login("lin.wei@desk.test").await;
    app.clock.advance(Duration::from_secs(15 * 60 + 1));
    let (status, body) = app.get("/api/v1/me", Some(&tokens.access_token)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "an access token is dead after 15 minutes"
    );
    assert_eq!(
        code(&body),
        "unauthorized",
        "expiry answers unauthorized, the cue to refresh"
    );
    let (status, _) = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({ "refresh_token": tokens.refresh_token }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the refresh token outlives the access token"
    );
}

#[tokio::test]
async fn disabled_agents_cannot_sign_in_and_lose_their_sessions() {
    let app = TestApp::new();
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    let tokens = app.login("lin.wei@desk.test").await;
    storage(&app)
        .set_agent_disabled(
            "lin.wei@desk.test",
            true,
            app.clock.now(),
            &desk_server::audit::Actor::System,
        )
        .await
        .unwrap();

    let (status, body) = app.login_raw("lin.wei@desk.test", PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a disabled agent cannot sign in"
    );
    assert_eq!(
        code(&body),
        "account_disabled",
        "the console can tell the agent why"
    );
    let (status, _) = app.get("/api/v1/me", Some(&tokens.access_token)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "disabling signs out existing devices"
    );

    let (status, body) = app.login_raw("lin.wei@desk.test", "wrong password").await;
    assert_eq!(
        code(&body),
        "invalid_credentials",
        "a wrong password never reveals the account state"
    );
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "wrong password stays 401 for disabled accounts"
    );
}

#[tokio::test]
async fn malformed_authorization_headers_are_unauthorized() {
    let app = TestApp::new();
    for header in [
        "",
        "Bearer",
        "Bearer ",
        "Basic abc",
        "bearer desk_at_nothing",
    ] {
        let request = axum::http::Request::builder()
            .uri("/api/v1/me")
            .header("authorization", header)
            .body(axum::body::Body::empty())
            .unwrap();
        let (status, body) = app.send(request).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{header:?} is not a valid token"
        );
        assert_eq!(
            code(&body),
            "unauthorized",
            "{header:?} answers unauthorized"
        );
    }
}

#[tokio::test]
async fn duplicate_emails_are_refused_case_insensitively() {
    let app = TestApp::new();
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    let err = desk_server::auth::add_agent(
        storage(&app),
        desk_server::PasswordCost::InsecureFastForTests,
        app.clock.now(),
        desk_server::auth::AddAgent {
            email: "Lin.Wei@Desk.Test".into(),
            name: "Copy".into(),
            role: Role::Admin,
            languages: vec![],
            groups: Vec::new(),
            skills: vec![],
            capacity: None,
            password: Some(PASSWORD.into()),
            by: desk_server::audit::Actor::System,
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, desk_server::Error::Conflict(_)),
        "emails are unique ignoring case: {err:?}"
    );
}
