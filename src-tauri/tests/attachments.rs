//! Files through the IPC (DESIGN.md §11): a reply's files arrive as raw bytes, are queued
//! with it offline, open again from the cache, and save into the Downloads folder without
//! overwriting anything.

use serde_json::json;
use tauri::Manager;
use tauri::ipc::{CallbackFn, InvokeBody, InvokeResponseBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response};
use tauri::webview::InvokeRequest;

use super::{invoke, signed_in_app, window};
use crate::commands::DownloadsDir;

/// A command's answer as it crosses the IPC, raw bytes or JSON.
fn call(
    webview: &tauri::WebviewWindow<MockRuntime>,
    cmd: &str,
    body: InvokeBody,
) -> Result<InvokeResponseBody, serde_json::Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body,
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
}

/// A command called with a raw body, as `invoke(cmd, Uint8Array)` sends it.
fn invoke_raw(
    webview: &tauri::WebviewWindow<MockRuntime>,
    cmd: &str,
    body: Vec<u8>,
) -> Result<InvokeResponseBody, serde_json::Value> {
    call(webview, cmd, InvokeBody::Raw(body))
}

/// The body the console's `api.replyWithFiles` sends: the head's length, the head, the
/// files' bytes.
fn frame(ticket: &str, text: &str, files: &[(&str, &[u8])]) -> Vec<u8> {
    let head = json!({
        "ticket_id": ticket,
        "body": text,
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

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR pending withdrawal";
const GUIDE: &[u8] = "确认步骤：打开钱包，点击待确认交易，核对地址后确认。".as_bytes();

fn raw(body: InvokeResponseBody) -> Vec<u8> {
    match body {
        InvokeResponseBody::Raw(bytes) => bytes,
        InvokeResponseBody::Json(json) => panic!("a file comes back as raw bytes, not {json}"),
    }
}

#[test]
fn a_reply_with_files_is_queued_offline_and_its_files_open_and_save() {
    let dir = tempfile::tempdir().unwrap();
    let app = signed_in_app(&dir.path().join("profile"));
    let downloads = dir.path().join("Downloads");
    assert!(
        app.manage(DownloadsDir(downloads.clone())),
        "saves go to the test's folder, never the real Downloads"
    );
    let webview = window(&app);

    let reply = invoke_raw(
        &webview,
        "reply_with_files",
        frame(
            "t1",
            "请按附件里的步骤确认",
            &[("提币截图.png", PNG), ("../确认步骤.txt", GUIDE)],
        ),
    )
    .unwrap()
    .deserialize::<serde_json::Value>()
    .unwrap();
    let files = reply["op"]["attachments"].as_array().unwrap().clone();
    assert_eq!(
        files
            .iter()
            .map(|f| (
                f["file_name"].as_str().unwrap(),
                f["content_type"].as_str().unwrap()
            ))
            .collect::<Vec<_>>(),
        [
            ("提币截图.png", "image/png"),
            ("确认步骤.txt", "text/plain")
        ],
        "described in Rust: types sniffed from the bytes, names without a path: {reply}"
    );
    let detail = invoke(&webview, "get_ticket", json!({ "id": "t1" })).unwrap();
    let unsent = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == reply["op"]["message_id"])
        .unwrap_or_else(|| panic!("the unsent reply is shown: {detail}"));
    assert_eq!(
        unsent["attachments"],
        json!(files),
        "the unsent reply lists its files"
    );
    let outbox = invoke(&webview, "outbox", json!({})).unwrap();
    assert_eq!(
        outbox[0]["state"], "pending",
        "waits for the server: {outbox}"
    );

    // The server (port 9) is unreachable: the queued files open from the cache.
    let png_sha = files[0]["sha256"].as_str().unwrap();
    let bytes = raw(call(
        &webview,
        "attachment_bytes",
        InvokeBody::Json(json!({ "ticketId": "t1", "sha256": png_sha })),
    )
    .unwrap());
    assert_eq!(bytes, PNG, "the bytes come back as they went in");

    let save = |sha: &str, name: &str| {
        invoke(
            &webview,
            "save_attachment",
            json!({ "ticketId": "t1", "sha256": sha, "fileName": name }),
        )
    };
    let first = save(png_sha, "提币截图.png").unwrap();
    let second = save(png_sha, "提币截图.png").unwrap();
    assert_eq!(
        first,
        json!(downloads.join("提币截图.png").display().to_string()),
        "saved into the Downloads folder under its name"
    );
    assert_eq!(
        second,
        json!(downloads.join("提币截图 (1).png").display().to_string()),
        "a second save takes a new name instead of overwriting the first"
    );
    assert_eq!(std::fs::read(downloads.join("提币截图.png")).unwrap(), PNG);

    // Refused before any I/O (a file not cached would need the server, and with it a
    // sign-in from the keyring, which these tests never touch: the CLI's tests cover that).
    let err = save("../../etc/passwd", "passwd").unwrap_err();
    assert_eq!(
        err["code"], "bad_request",
        "an address is a hash, never a path: {err}"
    );
    assert_eq!(
        std::fs::read_dir(&downloads).unwrap().count(),
        2,
        "nothing else was written into Downloads"
    );
}

#[test]
fn malformed_and_over_limit_replies_queue_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let app = signed_in_app(dir.path());
    let webview = window(&app);

    let mut cut = frame("t1", "见附件", &[("a.txt", GUIDE)]);
    cut.pop();
    let err = invoke_raw(&webview, "reply_with_files", cut).unwrap_err();
    assert_eq!(
        err["code"], "bad_request",
        "a file shorter than its size: {err}"
    );
    let err = invoke_raw(&webview, "reply_with_files", vec![0, 0, 0]).unwrap_err();
    assert_eq!(err["code"], "bad_request", "no head: {err}");
    let err = invoke(
        &webview,
        "reply_with_files",
        json!({ "ticketId": "t1", "body": "x" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "bad_request", "files come as raw bytes: {err}");

    let big = vec![7u8; 25 * 1024 * 1024 + 1];
    let err = invoke_raw(
        &webview,
        "reply_with_files",
        frame("t1", "录屏见附件", &[("录屏.mp4", big.as_slice())]),
    )
    .unwrap_err();
    assert_eq!(
        err["code"], "payload_too_large",
        "the console tells a file over 25 MiB apart: {err}"
    );
    let outbox = invoke(&webview, "outbox", json!({})).unwrap();
    assert_eq!(outbox, json!([]), "nothing refused was queued");
}
