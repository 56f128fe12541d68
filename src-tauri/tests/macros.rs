//! A macro's actions through the IPC: the reply (or note), its files and the status,
//! priority, category and tags the inserted macros set arrive in one raw frame and are
//! queued together, offline, all of it or nothing.

use serde_json::json;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response};
use tauri::webview::InvokeRequest;

use super::{invoke, signed_in_app, window};

/// `reply_and_edit` called as the console's `api.replyAndEdit` calls it: a raw body.
fn reply_and_edit(
    webview: &tauri::WebviewWindow<MockRuntime>,
    body: Vec<u8>,
) -> Result<serde_json::Value, serde_json::Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: "reply_and_edit".into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Raw(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<serde_json::Value>().unwrap())
}

/// The body the console sends (ui/src/lib/frame.ts): the head's length, the head (the
/// reply, `internal` and the macros' actions), the files' bytes.
fn frame(
    ticket: &str,
    text: &str,
    internal: bool,
    actions: serde_json::Value,
    files: &[(&str, &[u8])],
) -> Vec<u8> {
    let head = json!({
        "ticket_id": ticket,
        "body": text,
        "internal": internal,
        "actions": actions,
        "files": files.iter().map(|(n, b)| json!({ "name": n, "size": b.len() })).collect::<Vec<_>>(),
    });
    let head = serde_json::to_vec(&head).unwrap();
    let mut out = (head.len() as u32).to_be_bytes().to_vec();
    out.extend(head);
    for (_, bytes) in files {
        out.extend_from_slice(bytes);
    }
    out
}

const GUIDE: &[u8] = "确认步骤：打开钱包，点击待确认交易，核对地址后确认。".as_bytes();

fn ticket(webview: &tauri::WebviewWindow<MockRuntime>) -> serde_json::Value {
    invoke(webview, "get_ticket", json!({ "id": "t1" })).unwrap()
}

#[test]
fn a_reply_and_its_macros_actions_are_queued_together_offline() {
    let dir = tempfile::tempdir().unwrap();
    let app = signed_in_app(dir.path());
    let webview = window(&app);

    let made = reply_and_edit(
        &webview,
        frame(
            "t1",
            "请按附件里的步骤在钱包里确认",
            false,
            json!([
                { "type": "set_status", "status": "pending_customer" },
                { "type": "set_priority", "priority": "high" },
                { "type": "add_tags", "tags": ["guide"] },
                { "type": "remove_tags", "tags": ["tron"] }
            ]),
            &[("确认步骤.txt", GUIDE)],
        ),
    )
    .unwrap();
    let ops: Vec<&str> = made
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["op"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        ops,
        [
            "reply",
            "set_priority",
            "add_tags",
            "remove_tags",
            "set_status"
        ],
        "the reply first, then the edit in desk-core's order, the status last: {made}"
    );
    assert_eq!(
        made[0]["op"]["attachments"][0]["file_name"], "确认步骤.txt",
        "the files go with the reply: {made}"
    );

    let detail = ticket(&webview);
    let t = &detail["ticket"];
    assert_eq!(
        (&t["status"], &t["priority"], &t["tags"]),
        (
            &json!("pending_customer"),
            &json!("high"),
            &json!(["guide"])
        ),
        "the macro's edit shows at once, with no server: {t}"
    );
    assert!(
        detail["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["body_text"] == "请按附件里的步骤在钱包里确认"),
        "the unsent reply is in the conversation: {detail}"
    );
    let outbox = invoke(&webview, "outbox", json!({})).unwrap();
    assert_eq!(
        outbox.as_array().map(Vec::len),
        Some(5),
        "every action waits in the outbox for the server: {outbox}"
    );

    // A note with a macro's actions, no files: the same command, the head alone.
    let made = reply_and_edit(
        &webview,
        frame(
            "t1",
            "已发送确认指引",
            true,
            json!([{ "type": "set_category", "category": "usage_help" }]),
            &[],
        ),
    )
    .unwrap();
    assert_eq!(made[0]["op"]["type"], "note", "{made}");
    assert_eq!(made[1]["op"]["type"], "set_category", "{made}");
    assert_eq!(ticket(&webview)["ticket"]["category"], "usage_help");
}

#[test]
fn a_refused_action_queues_neither_the_reply_nor_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let app = signed_in_app(dir.path());
    let webview = window(&app);
    let before = ticket(&webview);

    // Valid reply and tag, but an open ticket never becomes new again.
    let err = reply_and_edit(
        &webview,
        frame(
            "t1",
            "您好，请稍候",
            false,
            json!([
                { "type": "add_tags", "tags": ["guide"] },
                { "type": "set_status", "status": "new" }
            ]),
            &[],
        ),
    )
    .unwrap_err();
    assert_eq!(
        err["code"], "conflict",
        "the rules' refusal crosses as its code: {err}"
    );
    assert_eq!(
        ticket(&webview),
        before,
        "all or nothing: neither the reply nor the tag was applied"
    );
    assert_eq!(
        invoke(&webview, "outbox", json!({})).unwrap(),
        json!([]),
        "nothing was queued"
    );

    let err = reply_and_edit(
        &webview,
        frame("t1", "见附件", true, json!([]), &[("a.txt", GUIDE)]),
    )
    .unwrap_err();
    assert_eq!(
        err["code"], "bad_request",
        "files go with a public reply, never a note: {err}"
    );
    let err = reply_and_edit(
        &webview,
        frame(
            "t1",
            "x",
            false,
            json!([{ "type": "set_status", "status": "sideways" }]),
            &[],
        ),
    )
    .unwrap_err();
    assert_eq!(err["code"], "bad_request", "an unknown status: {err}");
    let err = invoke(
        &webview,
        "reply_and_edit",
        json!({ "ticketId": "t1", "body": "x", "internal": false, "actions": [] }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "bad_request", "the frame is raw bytes: {err}");
    assert_eq!(
        invoke(&webview, "outbox", json!({})).unwrap(),
        json!([]),
        "nothing refused was queued"
    );
}
