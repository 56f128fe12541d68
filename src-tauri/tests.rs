//! The commands through Tauri's IPC with no window system: `mock_builder` runs the real
//! command handlers and serialization.

use std::sync::Arc;

use desk_core::view::SessionState;
use desk_sync::{Client, Profile};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;

fn app(home: &std::path::Path) -> tauri::App<tauri::test::MockRuntime> {
    // A key of its own: these tests never touch the developer's keyring.
    let client = Arc::new(
        Client::open_with_cache_key(Profile::at(home), "test", desk_sync::CacheKey::generate())
            .unwrap(),
    );
    crate::run_app(mock_builder(), client)
        .build(mock_context(noop_assets()))
        .unwrap()
}

fn invoke(
    webview: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<serde_json::Value>().unwrap())
}

#[test]
fn a_fresh_profile_is_signed_out_with_an_empty_cache() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    let state: SessionState =
        serde_json::from_value(invoke(&webview, "session_state", serde_json::json!({})).unwrap())
            .unwrap();
    assert!(!state.signed_in, "nobody signed in on a fresh profile");
    assert_eq!(state.cached_tickets, 0);
    let counts = invoke(&webview, "view_counts", serde_json::json!({})).unwrap();
    assert_eq!(counts["all"], 0);
    let progress = invoke(&webview, "sync_progress", serde_json::json!({})).unwrap();
    assert!(
        progress.is_null(),
        "no sync has run, so there is no progress to show: {progress}"
    );
}

#[test]
fn errors_cross_ipc_as_code_and_message() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();

    let err = invoke(
        &webview,
        "get_ticket",
        serde_json::json!({ "id": "no-such-ticket" }),
    )
    .unwrap_err();
    assert_eq!(
        err["code"], "not_found",
        "the UI branches on the code: {err}"
    );
    assert!(
        err["message"].as_str().unwrap().contains("no-such-ticket"),
        "the message names the input: {err}"
    );

    let err = invoke(
        &webview,
        "sign_in",
        serde_json::json!({ "serverUrl": "ftp://nowhere", "email": "a@b.c", "password": "x" }),
    )
    .unwrap_err();
    assert_eq!(
        err["code"], "bad_request",
        "a non-http server address is refused before any I/O: {err}"
    );

    let err = invoke(
        &webview,
        "list_tickets",
        serde_json::json!({ "view": "sideways", "limit": 5 }),
    )
    .unwrap_err();
    assert!(
        err.is_string() || err.is_object(),
        "an unknown view is rejected, not a crash: {err}"
    );
}
