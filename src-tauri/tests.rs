//! The commands through Tauri's IPC with no window system: `mock_builder` runs the real
//! command handlers and serialization.

use std::sync::Arc;

use desk_core::view::SessionState;
use desk_sync::{Client, Profile};
use serde_json::json;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;

mod admin;
mod attachments;
mod history;
mod macros;

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
        "accept_invitation",
        serde_json::json!({ "serverUrl": "ftp://nowhere", "email": "a@b.c",
                            "code": "7KQ2-M9XD", "password": "a long password" }),
    )
    .unwrap_err();
    assert_eq!(
        err["code"], "bad_request",
        "accepting an invitation checks the server address before any I/O too: {err}"
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

/// A profile whose cache belongs to a signed-in agent and holds one open ticket `t1` with
/// a customer message, written through desk-store as a pull would: the agent's actions
/// need no server (they are queued), and no keyring is touched (no background sync runs).
fn signed_in_app(home: &std::path::Path) -> tauri::App<tauri::test::MockRuntime> {
    signed_in_app_with(home, json!([]))
}

/// [`signed_in_app`] with `extra` changes pulled after the others.
fn signed_in_app_with(
    home: &std::path::Path,
    extra: serde_json::Value,
) -> tauri::App<tauri::test::MockRuntime> {
    let profile = Profile::at(home);
    std::fs::create_dir_all(&profile.dir).unwrap();
    let me = serde_json::json!({
        "id": "a-me", "name": "Chen Jing", "email": "chen@desk.test",
        "role": "agent", "languages": ["zh-CN", "en"]
    });
    let other = serde_json::json!({
        "id": "a-zoe", "name": "Zoe", "email": "zoe@desk.test",
        "role": "agent", "languages": ["en"]
    });
    let ticket = |id: &str, n: i64, status: &str| {
        // JSON, not a struct literal: fields added to Ticket later keep their defaults.
        serde_json::json!({
            "id": id, "number": n, "subject": format!("提币等待确认 {n}"), "customer_id": "c1",
            "channel": "chat", "status": status, "priority": "normal",
            "category": "transaction_confirmation", "tags": ["tron"], "assignee_id": null,
            "group": null, "language": "zh-CN", "first_response_due_at": null,
            "resolution_due_at": null, "linked_transaction_ids": [], "incident_id": null,
            "merged_into": null, "csat": null, "created_at": 100, "updated_at": 100,
            "last_message_at": 100
        })
    };
    let linked = |mut t: serde_json::Value| {
        t["incident_id"] = json!("inc1");
        t
    };
    let mut changes: Vec<desk_core::wire::Change> = serde_json::from_value(serde_json::json!([
        { "kind": "agent", "record": me },
        { "kind": "agent", "record": other },
        { "kind": "incident", "record": {
            "id": "inc1", "title": "TRON 提币延迟", "status": "investigating",
            "affected": ["TRON withdrawals"], "updates": [], "started_at": 50, "resolved_at": null
        } },
        { "kind": "ticket", "record": linked(ticket("t1", 1, "open")) },
        { "kind": "ticket", "record": ticket("t2", 2, "solved") },
        { "kind": "message", "record": {
            "id": "m1", "ticket_id": "t1", "kind": "public_reply",
            "author": { "kind": "customer", "id": "c1", "name": "王磊" },
            "body_text": "转账一直显示等待确认", "body_html": null, "attachments": [],
            "created_at": 100
        } },
        { "kind": "macro", "record": {
            "id": "mac1", "title": "请在钱包确认", "bodies": { "zh-CN": "{{customer.name}}您好", "en": "Hi {{customer.name}}" },
            "variables": ["customer.name"], "actions": [], "categories": [], "updated_at": 1
        } }
    ]))
    .expect("change shapes as the server sends them");
    changes.extend(
        serde_json::from_value::<Vec<desk_core::wire::Change>>(extra)
            .expect("extra changes shaped as the server sends them"),
    );
    let mut store = desk_store::Store::open(profile.cache_path()).unwrap();
    store.apply_pull_page(&changes, "c1").unwrap();
    let account = desk_sync::Account {
        server_url: "http://127.0.0.1:9".into(),
        agent: serde_json::from_value(me).unwrap(),
        device_id: "d1".into(),
    };
    // The key desk-sync keeps the account under (client.rs ACCOUNT_KEY).
    store
        .set_meta("account", Some(&serde_json::to_string(&account).unwrap()))
        .unwrap();
    drop(store);
    // A key of its own, never the keyring: tests must not touch the developer's keyring.
    let client = Arc::new(
        Client::open_with_cache_key(profile, "test", desk_sync::CacheKey::generate()).unwrap(),
    );
    // What the background loop does after a sync: the search index catches up.
    while client.index_pending(10_000).unwrap() > 0 {}
    crate::with_commands(mock_builder(), client)
        .build(mock_context(noop_assets()))
        .unwrap()
}

fn window(
    app: &tauri::App<tauri::test::MockRuntime>,
) -> tauri::WebviewWindow<tauri::test::MockRuntime> {
    tauri::WebviewWindowBuilder::new(app, "main", Default::default())
        .build()
        .unwrap()
}

#[test]
fn replies_and_edits_are_queued_and_counted_in_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let app = signed_in_app(dir.path());
    let webview = window(&app);

    let reply = invoke(
        &webview,
        "reply",
        json!({ "ticketId": "t1", "body": "请在钱包里点击确认", "internal": false }),
    )
    .unwrap();
    assert_eq!(reply["op"]["type"], "reply", "a public reply: {reply}");
    assert_eq!(
        reply["op"]["last_seen_message_id"], "m1",
        "the reply has seen the customer's message"
    );
    let note = invoke(
        &webview,
        "reply",
        json!({ "ticketId": "t1", "body": "已核实链上记录", "internal": true }),
    )
    .unwrap();
    assert_eq!(note["op"]["type"], "note");

    let made = invoke(
        &webview,
        "edit_ticket",
        json!({ "ticketId": "t1", "edit": {
            "status": "pending_customer", "priority": "high", "claim": true,
            "add_tags": ["vip"], "remove_tags": ["tron"]
        } }),
    )
    .unwrap();
    assert_eq!(
        made.as_array().map(Vec::len),
        Some(5),
        "one action per field: {made}"
    );
    let detail = invoke(&webview, "get_ticket", json!({ "id": "t1" })).unwrap();
    assert_eq!(
        detail["ticket"]["status"], "pending_customer",
        "shown at once"
    );
    assert_eq!(detail["ticket"]["assignee_id"], "a-me", "claimed by me");
    assert_eq!(detail["ticket"]["tags"], json!(["vip"]));
    let bodies: Vec<&str> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body_text"].as_str().unwrap())
        .collect();
    assert!(
        bodies.contains(&"请在钱包里点击确认") && bodies.contains(&"已核实链上记录"),
        "unsent reply and note are in the conversation: {bodies:?}"
    );

    let state: SessionState =
        serde_json::from_value(invoke(&webview, "session_state", json!({})).unwrap()).unwrap();
    assert_eq!(
        state.outbox.pending, 7,
        "the top bar counts every queued action: {:?}",
        state.outbox
    );
    let outbox = invoke(&webview, "outbox", json!({})).unwrap();
    assert_eq!(outbox.as_array().map(Vec::len), Some(7));
    assert!(
        outbox
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["state"] == "pending"),
        "nothing is sent without a server: {outbox}"
    );

    let err = invoke(
        &webview,
        "reply",
        json!({ "ticketId": "t1", "body": "您好，麻烦把助记词发给我们核实一下", "internal": false }),
    )
    .unwrap_err();
    assert_eq!(
        err["code"], "blocked",
        "the outgoing guard refuses a reply asking for a seed phrase: {err}"
    );
    let err = invoke(
        &webview,
        "discard_held",
        json!({ "mutationId": reply["id"] }),
    )
    .unwrap_err();
    assert_eq!(
        err["code"], "conflict",
        "a pending reply may be on the wire; it cannot be discarded: {err}"
    );
    let err = invoke(&webview, "release_held", json!({ "mutationId": "nope" })).unwrap_err();
    assert_eq!(err["code"], "conflict", "{err}");
    let err = invoke(
        &webview,
        "retry_rejected",
        json!({ "mutationId": reply["id"] }),
    )
    .unwrap_err();
    assert_eq!(
        err["code"], "conflict",
        "only a rejected action is sent again; a pending one is on its way: {err}"
    );
    let err = invoke(
        &webview,
        "edit_held",
        json!({ "mutationId": reply["id"], "body": "改一下" }),
    )
    .unwrap_err();
    assert_eq!(
        err["code"], "conflict",
        "only held replies are edited: {err}"
    );
}

#[test]
fn a_bulk_edit_changes_what_it_can_and_names_what_it_could_not() {
    let dir = tempfile::tempdir().unwrap();
    let app = signed_in_app(dir.path());
    let webview = window(&app);
    let outcome = invoke(
        &webview,
        "bulk_edit",
        json!({ "ticketIds": ["t1", "t2", "t-missing"], "edit": { "status": "closed", "add_tags": ["incident-7"] } }),
    )
    .unwrap();
    assert_eq!(outcome["edited"], 1, "the solved ticket closed: {outcome}");
    let failed = outcome["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 2, "{outcome}");
    assert_eq!(failed[0]["ticket_id"], "t1");
    assert_eq!(
        failed[0]["error"]["code"], "conflict",
        "an open ticket is solved before it is closed: {outcome}"
    );
    assert_eq!(failed[1]["ticket_id"], "t-missing");
    assert_eq!(failed[1]["error"]["code"], "not_found");

    let err = invoke(
        &webview,
        "edit_ticket",
        json!({ "ticketId": "t1", "edit": {} }),
    )
    .unwrap_err();
    assert_eq!(
        err["code"], "bad_request",
        "an empty edit is refused: {err}"
    );
}

#[test]
fn agents_macros_search_and_sla_views_answer_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let app = signed_in_app(dir.path());
    let webview = window(&app);
    let agents = invoke(&webview, "agents", json!({})).unwrap();
    let names: Vec<&str> = agents
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Chen Jing", "Zoe"], "by name");
    let macros = invoke(&webview, "macros", json!({ "language": "zh-CN" })).unwrap();
    assert_eq!(macros[0]["id"], "mac1", "{macros}");
    let none = invoke(&webview, "macros", json!({ "language": "ja" })).unwrap();
    assert_eq!(none, json!([]), "no body in that language");

    let hits = invoke(
        &webview,
        "search",
        json!({ "query": { "text": "确认", "limit": 10 } }),
    )
    .unwrap();
    let t1 = hits
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["ticket"]["id"] == "t1")
        .unwrap_or_else(|| panic!("a two-character Chinese query finds t1: {hits}"));
    assert!(
        t1["snippet"]
            .as_str()
            .unwrap()
            .contains("\u{E000}确认\u{E001}"),
        "the snippet marks the match with the private-use markers the UI splits on: {t1}"
    );
    let page = invoke(
        &webview,
        "query_tickets",
        json!({ "query": { "view": "open", "filter": { "sla": "breached" }, "limit": 50 } }),
    )
    .unwrap();
    assert_eq!(
        page["rows"],
        json!([]),
        "no ticket has an SLA due time: {page}"
    );
    let counts = invoke(&webview, "sla_counts", json!({})).unwrap();
    assert_eq!(counts, json!({ "at_risk": 0, "breached": 0 }));

    let incidents = invoke(&webview, "incidents", json!({})).unwrap();
    assert_eq!(incidents[0]["incident"]["id"], "inc1", "{incidents}");
    assert_eq!(incidents[0]["open_tickets"], 1, "t1 is linked and open");
    let page = invoke(
        &webview,
        "query_tickets",
        json!({ "query": { "view": "open", "filter": { "incident_id": "inc1" }, "limit": 50 } }),
    )
    .unwrap();
    assert_eq!(
        page["rows"][0]["id"], "t1",
        "the incident's view lists its tickets: {page}"
    );
}

#[test]
fn a_hostile_link_is_refused_before_anything_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    for url in [
        "javascript:alert(document.domain)",
        "file:///etc/passwd",
        "tauri://localhost/",
        "https://wallet.example@evil.example/",
    ] {
        let err = invoke(&webview, "open_link", json!({ "url": url })).unwrap_err();
        assert_eq!(err["code"], "bad_request", "{url}: {err}");
    }
}

#[test]
fn the_window_may_navigate_only_within_the_console() {
    for (url, allowed) in [
        ("tauri://localhost/index.html", true),
        ("http://tauri.localhost/", true),
        ("https://tauri.localhost/", true),
        ("https://evil.example/", false),
        ("http://127.0.0.1:8080/", false),
        ("tauri://evil/", false),
        ("file:///etc/passwd", false),
        ("data:text/html,x", false),
        // The dev server only in a development build, which tests are not.
        ("http://localhost:1420/", tauri::is_dev()),
    ] {
        assert_eq!(crate::is_app_url(&url.parse().unwrap()), allowed, "{url}");
    }
}

#[test]
fn presence_is_best_effort_and_its_state_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let app = signed_in_app(dir.path());
    let webview = window(&app);
    // The account's server (port 9) is unreachable: presence answers nobody, no error.
    for (cmd, body) in [
        (
            "announce_presence",
            json!({ "ticketId": "t1", "presence": "replying" }),
        ),
        (
            "announce_presence",
            json!({ "ticketId": "t1", "presence": null }),
        ),
        ("ticket_presence", json!({ "ticketId": "t1" })),
    ] {
        assert_eq!(
            invoke(&webview, cmd, body.clone()),
            Ok(json!([])),
            "{cmd} {body} offline answers nobody rather than failing"
        );
    }
    let outbox = invoke(&webview, "outbox", json!({})).unwrap();
    assert_eq!(outbox, json!([]), "presence is never queued");
    assert!(
        invoke(
            &webview,
            "announce_presence",
            json!({ "ticketId": "t1", "presence": "typing" })
        )
        .is_err(),
        "only viewing and replying are states"
    );
}

#[test]
fn the_agents_own_claim_is_never_announced_and_the_ui_language_is_kept() {
    use tauri::Manager;
    let dir = tempfile::tempdir().unwrap();
    let app = signed_in_app(dir.path());
    let webview = window(&app);
    let state = app.state::<crate::AppState>();
    // The first look after a sync: nothing is the agent's yet.
    assert!(
        state
            .notifier
            .lock()
            .unwrap()
            .observe(&state.client.mine_for_notifications().unwrap())
            .is_empty(),
        "the first look only remembers"
    );

    invoke(
        &webview,
        "edit_ticket",
        json!({ "ticketId": "t1", "edit": { "claim": true } }),
    )
    .unwrap();
    let mine = state.client.mine_for_notifications().unwrap();
    assert_eq!(
        mine.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        ["t1"],
        "the claim makes t1 the agent's at once"
    );
    assert!(
        state.notifier.lock().unwrap().observe(&mine).is_empty(),
        "the sync after the agent's own claim announces nothing"
    );

    invoke(&webview, "set_ui_language", json!({ "language": "zh-CN" })).unwrap();
    assert_eq!(
        *state.ui_language.lock().unwrap(),
        "zh-CN",
        "notifications speak the UI's language"
    );
    invoke(&webview, "set_ui_language", json!({ "language": "fr" })).unwrap();
    assert_eq!(
        *state.ui_language.lock().unwrap(),
        "en",
        "a language the UI does not speak falls back to English"
    );
}

#[test]
fn a_reply_shows_its_delivery_and_a_failed_one_is_retried_to_a_corrected_address() {
    let dir = tempfile::tempdir().unwrap();
    let app = signed_in_app_with(
        dir.path(),
        json!([
            { "kind": "message", "record": {
                "id": "r1", "ticket_id": "t1", "kind": "public_reply",
                "author": { "kind": "agent", "id": "a-me", "name": "Chen Jing" },
                "body_text": "请在钱包里点击确认", "body_html": null, "attachments": [],
                "created_at": 200
            } },
            { "kind": "delivery", "record": {
                "id": "r1", "ticket_id": "t1", "channel": "email",
                "recipient": "wang@example.cn", "mailbox": null, "state": "failed",
                "attempts": 1, "error": "550 5.1.1 user unknown", "created_at": 200,
                "updated_at": 210, "sent_at": null, "next_attempt_at": null
            } }
        ]),
    );
    let webview = window(&app);
    let delivery_of = |id: &str| {
        let detail = invoke(&webview, "get_ticket", json!({ "id": "t1" })).unwrap();
        detail["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id)
            .unwrap_or_else(|| panic!("{id} is in the conversation: {detail}"))["delivery"]
            .clone()
    };
    assert_eq!(
        delivery_of("m1"),
        serde_json::Value::Null,
        "the customer's message has no delivery"
    );
    let failed = delivery_of("r1");
    assert_eq!(
        (&failed["state"], &failed["error"]),
        (&json!("failed"), &json!("550 5.1.1 user unknown")),
        "the reply shows its failure and why: {failed}"
    );

    let retry = |message: &str, recipient: serde_json::Value| {
        invoke(
            &webview,
            "retry_delivery",
            json!({ "ticketId": "t1", "messageId": message, "recipient": recipient }),
        )
    };
    let err = retry("nope", serde_json::Value::Null).unwrap_err();
    assert_eq!(err["code"], "not_found", "an unknown message: {err}");
    let err = retry("r1", json!("wang at example")).unwrap_err();
    assert_eq!(err["code"], "bad_request", "not an address: {err}");
    let m = retry("r1", json!("wang.lei@example.cn")).unwrap();
    assert_eq!(m["op"]["type"], "retry_delivery", "queued as a retry: {m}");
    let queued = delivery_of("r1");
    assert_eq!(
        (&queued["state"], &queued["recipient"]),
        (&json!("queued"), &json!("wang.lei@example.cn")),
        "shown queued to the new address before the server answers: {queued}"
    );
    let err = retry("r1", serde_json::Value::Null).unwrap_err();
    assert_eq!(
        err["code"], "conflict",
        "a second click does not queue a second retry: {err}"
    );
    let state: SessionState =
        serde_json::from_value(invoke(&webview, "session_state", json!({})).unwrap()).unwrap();
    assert_eq!(state.outbox.pending, 1, "the retry waits in the outbox");
}

/// The invariant that keeps the webview to the app's own commands: every command the
/// shell registers has its permission generated (build.rs) and granted (the capability
/// file), and nothing else is granted. A command missing from either list fails at run
/// time in the real window only, which no other headless test would see.
#[test]
fn every_command_is_registered_generated_and_granted_and_nothing_else() {
    fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
        let from = text
            .find(start)
            .unwrap_or_else(|| panic!("{start:?} not found"))
            + start.len();
        let len = text[from..]
            .find(end)
            .unwrap_or_else(|| panic!("{end:?} not found"));
        &text[from..from + len]
    }
    let registered: std::collections::BTreeSet<String> =
        between(include_str!("lib.rs"), "generate_handler![", "]")
            .split(',')
            .map(|c| c.trim().trim_start_matches("commands::").to_owned())
            .filter(|c| !c.is_empty())
            .collect();
    let generated: std::collections::BTreeSet<String> = between(
        include_str!("build.rs"),
        "const COMMANDS: &[&str] = &[",
        "];",
    )
    .split(',')
    .map(|c| c.trim().trim_matches('"').to_owned())
    .filter(|c| !c.is_empty())
    .collect();
    let capability: serde_json::Value =
        serde_json::from_str(include_str!("capabilities/default.json")).unwrap();
    let granted: std::collections::BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    assert!(
        registered.contains("audit_export") && registered.len() > 30,
        "the handler list was read: {registered:?}"
    );
    assert_eq!(
        registered, generated,
        "build.rs generates a permission per command"
    );
    assert_eq!(
        registered, granted,
        "the window is granted exactly the app's commands"
    );
}
