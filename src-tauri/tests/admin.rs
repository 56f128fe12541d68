//! Administration through the IPC (DESIGN.md §3, §6): the commands ask the server as the
//! signed-in agent, so with nobody signed in they refuse before any I/O, and an audit
//! export saved into the Downloads folder never overwrites a file already there.

use serde_json::json;
use tauri::Manager;

use super::{app, invoke, window};
use crate::commands::{DownloadsDir, write_new};

#[test]
fn administration_asks_as_the_signed_in_agent_and_refuses_malformed_input() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir.path().join("profile"));
    let downloads = dir.path().join("Downloads");
    assert!(
        app.manage(DownloadsDir(downloads.clone())),
        "exports go to the test's folder, never the real Downloads"
    );
    let webview = window(&app);

    let new_agent = json!({
        "email": "zhao.min@desk.test", "name": "赵敏", "role": "agent",
        "languages": ["zh-CN"], "groups": ["中文一线"], "password": "first-pass-1"
    });
    for (cmd, body) in [
        ("admin_agents", json!({})),
        ("admin_add_agent", json!({ "agent": new_agent })),
        (
            "admin_update_agent",
            json!({ "agentId": "a-zoe", "update": { "role": "supervisor", "disabled": true } }),
        ),
        (
            "audit_log",
            json!({ "query": { "actor": "agent:a-zoe", "action": "push.", "limit": 50 } }),
        ),
        ("audit_verify", json!({})),
        (
            "audit_export",
            json!({ "format": "jsonl", "query": { "subject": "ticket:t1" } }),
        ),
    ] {
        let err = invoke(&webview, cmd, body).unwrap_err();
        assert_eq!(
            err["code"], "not_signed_in",
            "{cmd} is the server's answer for the signed-in agent, and nobody is: {err}"
        );
        assert!(
            err["message"].is_string(),
            "{cmd}'s refusal crosses as {{code, message}}: {err}"
        );
    }
    assert!(
        !downloads.exists(),
        "a refused export writes nothing into the Downloads folder"
    );

    // The shapes are desk-core's, strictly: a misspelt filter or field is refused rather
    // than dropped, which would widen a reading or change nothing without saying so.
    for (cmd, body, culprit) in [
        (
            "audit_log",
            json!({ "query": { "actr": "agent:a-zoe" } }),
            "actr",
        ),
        (
            "admin_update_agent",
            json!({ "agentId": "a-zoe", "update": { "rol": "admin" } }),
            "rol",
        ),
        (
            "audit_export",
            json!({ "format": "pdf", "query": {} }),
            "pdf",
        ),
    ] {
        let err = invoke(&webview, cmd, body).unwrap_err();
        assert!(
            err.to_string().contains(culprit),
            "{cmd} names what it refused ({culprit}): {err}"
        );
    }
}

#[test]
fn an_audit_export_never_overwrites_a_file_already_saved() {
    let dir = tempfile::tempdir().unwrap();
    let downloads = dir.path().join("Downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let kept = downloads.join("desk-audit-log.csv");
    std::fs::write(&kept, "last month's export").unwrap();

    let first = write_new(&downloads, "desk-audit-log.csv", b"seq,at\n1,100\n").unwrap();
    let second = write_new(&downloads, "desk-audit-log.csv", b"seq,at\n2,200\n").unwrap();
    let jsonl = write_new(&downloads, "desk-audit-log.jsonl", b"{}\n").unwrap();
    let name = |p: &std::path::Path| p.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(
        [name(&first), name(&second), name(&jsonl)],
        [
            "desk-audit-log (1).csv",
            "desk-audit-log (2).csv",
            "desk-audit-log.jsonl"
        ],
        "each export gets a name of its own"
    );
    assert_eq!(
        std::fs::read_to_string(&kept).unwrap(),
        "last month's export",
        "the earlier file is untouched"
    );
    assert_eq!(std::fs::read(&second).unwrap(), b"seq,at\n2,200\n");

    let missing = dir.path().join("no-downloads-yet");
    let made = write_new(&missing, "desk-audit-log.csv", b"x").unwrap();
    assert_eq!(
        made,
        missing.join("desk-audit-log.csv"),
        "a Downloads folder not made yet is made"
    );
}
