//! Macros and knowledge-base articles written by supervisors over the API (DESIGN.md §3,
//! §11), on each backend: checked like replies, audited, fed to every console, deleted
//! through the feed too.

use std::sync::Arc;

use axum::http::StatusCode;
use desk_core::Role;
use desk_core::wire::Change;
use desk_server::Storage;
use desk_server::audit::AuditFilter;
use serde_json::json;

use crate::support::{TestApp, code};

pub async fn supervisors_write_macros_and_articles_that_reach_every_console(
    storage: Arc<dyn Storage>,
) {
    let app = TestApp::with_storage(storage);
    app.add_agent("chen@desk.test", Role::Supervisor).await;
    app.add_agent("lin@desk.test", Role::Agent).await;
    let chen = app.login("chen@desk.test").await.access_token;
    let lin = app.login("lin@desk.test").await.access_token;
    let (_, cursor) = app.pull_all(&lin, "", 500).await;

    let guide = json!({
        "title": "等待确认指引",
        "bodies": {
            "zh-CN": "{{customer.name}}您好，请在 App 中点击确认。",
            "en": "Hi {{customer.name}}, please tap Confirm in the app."
        },
        "actions": [{ "type": "set_status", "status": "pending_customer" },
                    { "type": "add_tags", "tags": ["guide"] }],
        "categories": ["transaction_confirmation"]
    });
    let (status, body) = app
        .put("/api/v1/macros/confirm-guide", Some(&chen), guide.clone())
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["variables"], json!(["customer.name"]), "{body}");

    // An agent may not; bad macros are named.
    let (status, body) = app
        .put("/api/v1/macros/mine", Some(&lin), guide.clone())
        .await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    for (id, bad, why) in [
        (
            "m-2",
            json!({ "title": "x", "bodies": { "zh-CN": "请把助记词发给我们核实" } }),
            "seed phrase",
        ),
        (
            "m-2",
            json!({ "title": "x", "bodies": { "en": "Your {{customer.pin}}" } }),
            "cannot fill",
        ),
        (
            "m-2",
            json!({ "title": " ", "bodies": { "en": "Hi" } }),
            "title",
        ),
        ("m-2", json!({ "title": "x", "bodies": {} }), "at least one"),
        (
            "m-2",
            json!({ "title": "x", "bodies": { "en": "Hi" }, "colour": 1 }),
            "unknown field",
        ),
        (
            "a%20b",
            json!({ "title": "x", "bodies": { "en": "Hi" } }),
            "not an id",
        ),
    ] {
        let (status, body) = app
            .put(&format!("/api/v1/macros/{id}"), Some(&chen), bad)
            .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "bad_request"),
            "{why}: {body}"
        );
        assert!(
            body["message"].as_str().unwrap().contains(why),
            "{why}: {body}"
        );
    }

    let article = json!({
        "translations": {
            "zh-CN": { "title": "如何确认提币", "body": "打开 App → **资产** → 提币记录。" },
            "en": { "title": "Confirming a withdrawal", "body": "Open the app → **Assets**." }
        },
        "tags": ["withdrawal"],
        "categories": ["transaction_confirmation"],
        "status": "draft"
    });
    let (status, body) = app
        .put("/api/v1/kb/kb-confirm", Some(&chen), article.clone())
        .await;
    assert_eq!(
        (status, &body["status"]),
        (StatusCode::OK, &json!("draft")),
        "{body}"
    );
    let mut published = article;
    published["status"] = json!("published");
    let (status, _) = app
        .put("/api/v1/kb/kb-confirm", Some(&chen), published)
        .await;
    assert_eq!(status, StatusCode::OK);

    // Lin's console pulls both as written.
    let (changes, cursor) = app.pull_all(&lin, &cursor, 500).await;
    let m = changes
        .iter()
        .find_map(|c| match c {
            Change::Macro(m) if m.id == "confirm-guide" => Some(m),
            _ => None,
        })
        .expect("the macro reached the agent's console");
    assert_eq!(m.actions.len(), 2);
    let a = changes
        .iter()
        .rev()
        .find_map(|c| match c {
            Change::KbArticle(a) if a.id == "kb-confirm" => Some(a),
            _ => None,
        })
        .expect("the article too");
    assert_eq!(a.status, desk_core::ops::KbStatus::Published);

    // Deleted: the consoles learn it from the feed; deleting again finds nothing.
    let (status, _) = app
        .delete("/api/v1/macros/confirm-guide", Some(&chen))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app
        .delete("/api/v1/macros/confirm-guide", Some(&chen))
        .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let (status, _) = app.delete("/api/v1/kb/kb-confirm", Some(&chen)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (changes, _) = app.pull_all(&lin, &cursor, 500).await;
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, Change::Macro(m) if m.deleted_at.is_some())),
        "the deletion is a change like any other: {changes:?}"
    );
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, Change::KbArticle(a) if a.deleted_at.is_some()))
    );
    // Writing it again brings it back.
    let (status, body) = app
        .put("/api/v1/macros/confirm-guide", Some(&chen), guide)
        .await;
    assert_eq!(
        (status, &body["deleted_at"]),
        (StatusCode::OK, &serde_json::Value::Null)
    );

    let rows = app
        .storage
        .audit_search(
            AuditFilter {
                subject: Some("macro:confirm-guide".into()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["macro.put", "macro.delete", "macro.put"]);
    assert!(
        rows[2].details.contains("\"created\":true"),
        "{}",
        rows[2].details
    );
    assert!(
        rows[0].details.contains("\"created\":true"),
        "re-created after the delete"
    );
}
