//! Administration through the IPC (DESIGN.md §3, §6): the commands ask the server as the
//! signed-in agent, so with nobody signed in they refuse before any I/O, and an audit
//! export saved into the Downloads folder never overwrites a file already there. The
//! knowledge editors read their articles from the cache, drafts too, and preview Markdown
//! through the help center's own renderer.

use serde_json::json;
use tauri::Manager;

use super::{app, invoke, signed_in_app_with, window};
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
        ("admin_reissue_invitation", json!({ "agentId": "a-zoe" })),
        (
            "audit_log",
            json!({ "query": { "actor": "agent:a-zoe", "action": "push.", "limit": 50 } }),
        ),
        ("audit_verify", json!({})),
        (
            "audit_export",
            json!({ "format": "jsonl", "query": { "subject": "ticket:t1" } }),
        ),
        (
            "admin_put_macro",
            json!({ "macroId": "confirm-in-wallet", "input": {
                "title": "请在钱包确认", "bodies": { "zh-CN": "{{customer.name}}您好", "en": "Hi" },
                "actions": [{ "type": "set_status", "status": "pending_customer" }],
                "categories": ["transaction_confirmation"]
            } }),
        ),
        (
            "admin_delete_macro",
            json!({ "macroId": "confirm-in-wallet" }),
        ),
        (
            "admin_put_article",
            json!({ "articleId": "confirm-withdrawal", "input": {
                "translations": { "zh-CN": { "title": "如何确认提币", "body": "# 步骤" } },
                "tags": ["tron"], "categories": [], "status": "draft"
            } }),
        ),
        (
            "admin_delete_article",
            json!({ "articleId": "confirm-withdrawal" }),
        ),
        (
            "admin_put_group",
            json!({ "groupId": "cn-support", "input": {
                "names": { "zh-CN": "中文一线", "en": "Chinese tier 1" }
            } }),
        ),
        ("admin_delete_group", json!({ "groupId": "cn-support" })),
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
        (
            "admin_put_macro",
            json!({ "macroId": "m1", "input": { "titel": "x", "bodies": { "en": "Hi" } } }),
            "titel",
        ),
        (
            "admin_put_article",
            json!({ "articleId": "a1", "input": {
                "translations": { "en": { "title": "T", "body": "B" } }, "status": "live"
            } }),
            "live",
        ),
        (
            "admin_put_group",
            json!({ "groupId": "cn-support", "input": { "name": "中文一线" } }),
            "name",
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

#[test]
fn groups_are_read_from_the_cache_without_the_deleted_ones() {
    let dir = tempfile::tempdir().unwrap();
    let group = |id: &str, zh: &str, deleted: bool| {
        let mut record = json!({ "id": id, "names": { "zh-CN": zh, "en": id }, "updated_at": 5 });
        if deleted {
            record["deleted_at"] = json!(9);
        }
        json!({ "kind": "group", "record": record })
    };
    let app = signed_in_app_with(
        dir.path(),
        json!([
            group("vip-desk", "VIP 专席", false),
            group("cn-support", "中文一线", false),
            group("old-team", "旧小组", false),
            group("old-team", "旧小组", true),
        ]),
    );
    let webview = window(&app);
    let groups = invoke(&webview, "groups", json!({})).unwrap();
    let listed: Vec<(&str, &str)> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["id"].as_str().unwrap(),
                g["names"]["zh-CN"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [("cn-support", "中文一线"), ("vip-desk", "VIP 专席")],
        "every cached group by id, never one an admin deleted: {groups}"
    );
}

#[test]
fn the_article_editor_lists_cached_drafts_and_previews_as_the_help_center_renders() {
    let dir = tempfile::tempdir().unwrap();
    let article = |id: &str, status: &str, title: &str| {
        json!({ "kind": "kb_article", "record": {
            "id": id, "translations": { "zh-CN": { "title": title, "body": "# 步骤\n\n打开 **App**" } },
            "tags": ["tron"], "categories": ["transaction_confirmation"], "updated_at": 5,
            "status": status
        } })
    };
    let mut gone = article("old-faq", "published", "旧的常见问题");
    gone["record"]["deleted_at"] = json!(9);
    let app = signed_in_app_with(
        dir.path(),
        json!([
            article("confirm-withdrawal", "draft", "如何确认提币"),
            article("old-faq", "published", "旧的常见问题"),
            article("reset-2fa", "published", "重置两步验证"),
            gone,
        ]),
    );
    let webview = window(&app);

    let articles = invoke(&webview, "kb_articles", json!({})).unwrap();
    let listed: Vec<(&str, &str)> = articles
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["id"].as_str().unwrap(), a["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [("confirm-withdrawal", "draft"), ("reset-2fa", "published")],
        "the editor lists drafts too, and never an article a supervisor deleted: {articles}"
    );

    for text in [
        "# 确认提币\n\n打开 [指南](https://help.wallet.example/confirm)",
        "<script>window.x=1</script>",
        "[click](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
    ] {
        let html = invoke(&webview, "render_markdown", json!({ "text": text })).unwrap();
        assert_eq!(
            html.as_str(),
            Some(desk_core::markdown::to_html(text).as_str()),
            "the preview is exactly the help center's rendering of {text:?}"
        );
        // Only real tags matter: escaped text may say anything.
        let html = html.as_str().unwrap().to_lowercase();
        for tag in html
            .split('<')
            .skip(1)
            .map(|t| t.split('>').next().unwrap_or(""))
        {
            assert!(
                !tag.starts_with("script")
                    && !tag.starts_with("img")
                    && !tag.contains("javascript:")
                    && !tag.contains("onerror"),
                "the preview of {text:?} has no live script, image or script link: {html}"
            );
        }
    }
}

/// The macro editor offers desk-core's placeholders as buttons (ui/src/features/knowledge):
/// one the server does not know would be refused on save, and one missing from the hint
/// would be a placeholder nobody finds.
#[test]
fn the_macro_editor_offers_exactly_the_placeholders_the_server_accepts() {
    let source = include_str!("../../ui/src/features/knowledge/knowledge.ts");
    let start = source
        .find("export const MACRO_VARIABLES")
        .expect("knowledge.ts lists MACRO_VARIABLES");
    let list = &source[start..];
    let list = &list[list.find('[').unwrap() + 1..list.find(']').unwrap()];
    let offered: Vec<&str> = list
        .split(',')
        .map(|v| v.trim().trim_matches('\''))
        .filter(|v| !v.is_empty())
        .collect();
    assert_eq!(
        offered,
        desk_core::admin::MACRO_VARIABLES,
        "the console's list is desk-core's, in its order"
    );
}
