//! Groups written by admins over the API (DESIGN.md §3), on each backend: checked, audited,
//! fed to every console whatever its scope, deleted through the feed too, and never while
//! enabled agents work in them or open tickets are in them.

use std::sync::Arc;

use axum::http::StatusCode;
use desk_core::wire::Change;
use desk_core::{Role, TicketStatus};
use desk_server::Storage;
use desk_server::audit::{Actor, AuditFilter};
use serde_json::json;

use super::ticket;
use crate::support::{TestApp, code};

pub async fn admins_write_groups_that_reach_every_console_and_keep_those_in_use(
    storage: Arc<dyn Storage>,
) {
    let app = TestApp::with_storage(storage);
    app.add_agent("ada@desk.test", Role::Admin).await;
    app.add_agent("chen@desk.test", Role::Supervisor).await;
    // Lin works in cn-support only: scoped, yet every group reaches her console.
    app.add_agent_in_groups("lin@desk.test", Role::Agent, &["cn-support"])
        .await;
    let ada = app.login("ada@desk.test").await.access_token;
    let chen = app.login("chen@desk.test").await.access_token;
    let lin = app.login("lin@desk.test").await.access_token;
    let (_, cursor) = app.pull_all(&lin, "", 500).await;

    let cn = json!({
        "names": { "zh-CN": " 中文一线 ", "en": "Chinese tier 1" },
        "description": "大陆用户的一线支持"
    });
    let (status, body) = app
        .put("/api/v1/groups/cn-support", Some(&chen), cn.clone())
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "forbidden"),
        "groups are an admin's: {body}"
    );
    let (status, body) = app
        .put("/api/v1/groups/cn-support", Some(&ada), cn.clone())
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["names"]["zh-CN"], "中文一线", "stored trimmed: {body}");
    let (status, body) = app
        .put(
            "/api/v1/groups/vip-desk",
            Some(&ada),
            json!({ "names": { "zh-CN": "VIP 专席", "en": "VIP desk" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.get("description").is_none(),
        "no description, none sent: {body}"
    );

    for (id, bad, why) in [
        (
            "CN-Support",
            json!({ "names": { "en": "Tier 1" } }),
            "not a group id",
        ),
        ("tier-1", json!({ "names": {} }), "at least one language"),
        ("tier-1", json!({ "names": { "en": "a\u{7}b" } }), "en name"),
        (
            "tier-1",
            json!({ "names": { "en": "Tier 1" }, "colour": "red" }),
            "unknown field",
        ),
    ] {
        let (status, body) = app
            .put(&format!("/api/v1/groups/{id}"), Some(&ada), bad)
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

    // Lin's console pulls both, the one she is not in too.
    let (changes, cursor) = app.pull_all(&lin, &cursor, 500).await;
    let mut fed: Vec<&str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Group(g) => Some(g.id.as_str()),
            _ => None,
        })
        .collect();
    fed.sort();
    assert_eq!(
        fed,
        ["cn-support", "vip-desk"],
        "every group reaches every console: {changes:?}"
    );

    // An open ticket in a group keeps it; a solved or deleted one does not.
    let mut open = ticket("t-vip", None);
    open.group = Some("vip-desk".into());
    let mut deleted = ticket("t-gone", None);
    deleted.group = Some("vip-desk".into());
    deleted.deleted_at = Some(2);
    app.storage
        .write_records(vec![Change::Ticket(open.clone()), Change::Ticket(deleted)])
        .await
        .unwrap();
    assert_eq!(
        app.storage
            .count_open_tickets_in_group("vip-desk")
            .await
            .unwrap(),
        1,
        "the deleted ticket does not count"
    );
    let (status, body) = app.delete("/api/v1/groups/vip-desk", Some(&ada)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "conflict"),
        "{body}"
    );
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("0 enabled agent(s) and 1 open ticket(s)"),
        "the refusal says how many: {message}"
    );
    open.status = TicketStatus::Solved;
    app.storage
        .write_records(vec![Change::Ticket(open)])
        .await
        .unwrap();
    let (status, body) = app.delete("/api/v1/groups/vip-desk", Some(&ada)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = app.delete("/api/v1/groups/vip-desk", Some(&ada)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, "not_found"),
        "deleted already: {body}"
    );

    // An enabled agent working in a group keeps it; a disabled one does not.
    let (status, body) = app.delete("/api/v1/groups/cn-support", Some(&ada)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "conflict"),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("1 enabled agent(s) and 0 open ticket(s)"),
        "{body}"
    );

    // The deletion reaches the consoles as a change like any other.
    let (changes, _) = app.pull_all(&lin, &cursor, 500).await;
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, Change::Group(g) if g.id == "vip-desk" && g.deleted_at.is_some())),
        "{changes:?}"
    );
    app.storage
        .set_agent_disabled("lin@desk.test", true, 3, &Actor::Operator("test".into()))
        .await
        .unwrap();
    let (status, body) = app.delete("/api/v1/groups/cn-support", Some(&ada)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // Writing it again brings it back.
    let (status, body) = app
        .put(
            "/api/v1/groups/vip-desk",
            Some(&ada),
            json!({ "names": { "en": "VIP desk" } }),
        )
        .await;
    assert_eq!(
        (status, &body["deleted_at"]),
        (StatusCode::OK, &serde_json::Value::Null),
        "{body}"
    );

    let rows = app
        .storage
        .audit_search(
            AuditFilter {
                subject: Some("group:vip-desk".into()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        ["group.put", "group.delete", "group.put"],
        "every write is audited"
    );
    assert!(
        rows[0].details.contains("\"created\":true"),
        "re-created after the delete: {}",
        rows[0].details
    );
}
