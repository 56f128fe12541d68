//! Roles and administration on each backend (DESIGN.md §3, §6): ticket actions that need
//! more than an agent, agents managed over the API and seen by every console, the audit
//! log read by agent, ticket, action and time, checked and exported.

use std::sync::Arc;

use axum::http::StatusCode;
use desk_core::wire::Change;
use desk_core::{ErrorCode, MutationOp, MutationResult, Role};
use desk_server::Storage;
use serde_json::{Value, json};

use super::push::Console;
use super::ticket;
use crate::support::{ClockExt, TestApp, code};

fn assign(ticket_id: &str, to: Option<&str>) -> MutationOp {
    MutationOp::Assign {
        ticket_id: ticket_id.into(),
        assignee_id: to.map(Into::into),
    }
}

fn forbidden(reason: &str) -> MutationResult {
    MutationResult::Rejected {
        code: ErrorCode::Forbidden,
        reason: reason.into(),
    }
}

pub async fn ticket_actions_need_their_role_on_the_ticket_as_the_server_finds_it(
    storage: Arc<dyn Storage>,
) {
    let app = TestApp::with_storage(storage);
    app.add_agent("lin@desk.test", Role::Agent).await;
    app.add_agent("omar@desk.test", Role::Agent).await;
    app.add_agent("chen@desk.test", Role::Supervisor).await;
    app.storage
        .write_records(vec![
            Change::Ticket(ticket("t1", None)),
            Change::Ticket(ticket("t2", None)),
        ])
        .await
        .unwrap();
    let mut lin = Console::sign_in(&app, "lin@desk.test").await;
    let mut omar = Console::sign_in(&app, "omar@desk.test").await;
    let mut chen = Console::sign_in(&app, "chen@desk.test").await;

    // An unassigned ticket is anyone's to take or hand out.
    let omar_id = omar.agent_id.clone();
    assert_eq!(
        omar.push(&app, vec![assign("t1", Some(&omar_id))]).await,
        vec![MutationResult::Applied]
    );
    // Lin queued "assign t1 to me" while it was still unassigned (offline, say): on the
    // server it is Omar's now, so it is a supervisor's call. The queue goes on after it.
    let lin_id = lin.agent_id.clone();
    let answers = lin
        .push(
            &app,
            vec![
                assign("t1", Some(&lin_id)),
                assign("t1", None),
                MutationOp::DeleteTicket {
                    ticket_id: "t2".into(),
                },
                assign("t2", Some(&lin_id)),
            ],
        )
        .await;
    assert_eq!(
        answers,
        vec![
            forbidden("handing on a ticket assigned to someone else needs the supervisor role"),
            forbidden("handing on a ticket assigned to someone else needs the supervisor role"),
            forbidden("deleting a ticket needs the supervisor role"),
            MutationResult::Applied,
        ],
        "refused for good with the reason, and the next action applied"
    );
    // Her own ticket she may give away; Omar cannot take it back.
    assert_eq!(
        lin.push(&app, vec![assign("t2", Some(&omar_id))]).await,
        vec![MutationResult::Applied]
    );
    assert_eq!(
        omar.push(&app, vec![assign("t2", None)]).await,
        vec![MutationResult::Applied],
        "it is Omar's own now"
    );
    // A supervisor reassigns and deletes.
    assert_eq!(
        chen.push(
            &app,
            vec![
                assign("t1", Some(&lin_id)),
                MutationOp::DeleteTicket {
                    ticket_id: "t2".into()
                }
            ]
        )
        .await,
        vec![MutationResult::Applied, MutationResult::Applied]
    );
    let rows = app
        .storage
        .audit_search(
            desk_server::audit::AuditFilter {
                action: Some("push.rejected".into()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 3, "each refusal is audited");
    assert!(rows[0].details.contains("forbidden"), "{}", rows[0].details);
}

pub async fn admins_manage_agents_and_every_console_sees_it(storage: Arc<dyn Storage>) {
    let app = TestApp::with_storage(storage);
    app.add_agent("root@desk.test", Role::Admin).await;
    app.add_agent("lin@desk.test", Role::Agent).await;
    let admin = app.login("root@desk.test").await.access_token;
    let lin = app.login("lin@desk.test").await.access_token;
    let (_, cursor) = app.pull_all(&lin, "", 500).await;

    let (status, body) = app
        .post(
            "/api/v1/agents",
            Some(&admin),
            json!({ "email": "Wang.Min@desk.test", "name": " 王敏 ", "role": "agent",
                    "languages": ["zh-CN", "en"], "groups": ["cn-support"],
                    "password": "first password 1" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (
            &body["name"],
            &body["role"],
            &body["groups"],
            &body["disabled"]
        ),
        (
            &json!("王敏"),
            &json!("agent"),
            &json!(["cn-support"]),
            &json!(false)
        )
    );
    let wang_id = body["id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .login_raw("wang.min@desk.test", "first password 1")
        .await;
    assert_eq!(status, StatusCode::OK, "the new agent signs in");

    // Bad input is named and changes nothing.
    for (bad, why) in [
        (json!({ "role": "owner" }), "unknown role"),
        (json!({ "rol": "admin" }), "unknown field"),
        (json!({}), "nothing to change"),
        (json!({ "name": " " }), "empty name"),
        (json!({ "languages": ["中文"] }), "not a language tag"),
        (json!({ "groups": [""] }), "empty group"),
        (json!({ "password": "short" }), "short password"),
    ] {
        let (status, body) = app
            .patch(&format!("/api/v1/agents/{wang_id}"), Some(&admin), bad)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {body}");
    }
    let (status, body) = app
        .patch(
            "/api/v1/agents/nobody",
            Some(&admin),
            json!({ "name": "x" }),
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));

    // Promoted, moved and renamed in one change: every console sees it at its next pull.
    let (status, body) = app
        .patch(
            &format!("/api/v1/agents/{wang_id}"),
            Some(&admin),
            json!({ "role": "supervisor", "groups": ["security"], "name": "王敏 (Security)" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["role"], &body["groups"]),
        (&json!("supervisor"), &json!(["security"]))
    );
    let (changes, _) = app.pull_all(&lin, &cursor, 500).await;
    let seen: Vec<&desk_core::Agent> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Agent(a) if a.id == wang_id => Some(a),
            _ => None,
        })
        .collect();
    assert_eq!(
        seen.last().map(|a| (a.role, a.name.as_str())),
        Some((Role::Supervisor, "王敏 (Security)")),
        "Lin's console pulled the agent as changed"
    );

    // A new password, then disabled: signed out everywhere at once.
    let wang = app
        .login_raw("wang.min@desk.test", "first password 1")
        .await
        .1;
    let wang_token = wang["access_token"].as_str().unwrap().to_owned();
    let (status, _) = app
        .patch(
            &format!("/api/v1/agents/{wang_id}"),
            Some(&admin),
            json!({ "password": "second password 2" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.login_raw("wang.min@desk.test", "first password 1")
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = app
        .patch(
            &format!("/api/v1/agents/{wang_id}"),
            Some(&admin),
            json!({ "disabled": true }),
        )
        .await;
    assert_eq!((status, &body["disabled"]), (StatusCode::OK, &json!(true)));
    let (status, _) = app.get("/api/v1/me", Some(&wang_token)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "disabling revoked the devices"
    );

    // The desk never loses its last admin.
    let root_id = app.login("root@desk.test").await.agent.id;
    for (change, why) in [
        (json!({ "role": "supervisor" }), "demote"),
        (json!({ "disabled": true }), "disable"),
    ] {
        let (status, body) = app
            .patch(&format!("/api/v1/agents/{root_id}"), Some(&admin), change)
            .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::CONFLICT, "conflict"),
            "{why} the last admin: {body}"
        );
    }
    let (status, list) = app.get("/api/v1/agents", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    let roles: Vec<(String, String, bool)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["email"].as_str().unwrap().to_owned(),
                a["role"].as_str().unwrap().to_owned(),
                a["disabled"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(roles.contains(&("root@desk.test".into(), "admin".into(), false)));
    assert!(roles.contains(&("Wang.Min@desk.test".into(), "supervisor".into(), true)));

    // Every change is in the log, by whom.
    let (status, page) = app
        .get(
            &format!("/api/v1/audit?subject=agent:{wang_id}&limit=50"),
            Some(&admin),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let actions: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "agent.disable",
            "agent.password_set",
            "agent.profile",
            "agent.role",
            "agent.groups",
            "agent.add"
        ],
        "newest first"
    );
    let by = format!("agent:{root_id}");
    assert!(
        page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"] == json!(by)),
        "{page}"
    );
}

pub async fn the_audit_log_reads_by_agent_ticket_action_and_time_and_exports(
    storage: Arc<dyn Storage>,
) {
    let app = TestApp::with_storage(storage);
    app.add_agent("chen@desk.test", Role::Supervisor).await;
    app.add_agent("lin@desk.test", Role::Agent).await;
    app.storage
        .write_records(vec![
            Change::Ticket(ticket("t1", None)),
            Change::Ticket(ticket("t2", None)),
        ])
        .await
        .unwrap();
    let chen = app.login("chen@desk.test").await.access_token;
    let mut lin = Console::sign_in(&app, "lin@desk.test").await;
    let lin_id = lin.agent_id.clone();
    let started = app.clock.now();
    for n in 0..5 {
        let t = if n % 2 == 0 { "t1" } else { "t2" };
        app.clock.advance(std::time::Duration::from_secs(60));
        lin.push(
            &app,
            vec![MutationOp::AddTags {
                ticket_id: t.into(),
                tags: vec![format!("tag{n}")],
            }],
        )
        .await;
    }
    let get = |query: String| {
        let app = &app;
        let chen = chen.clone();
        async move {
            let (status, body) = app
                .get(&format!("/api/v1/audit?{query}"), Some(&chen))
                .await;
            assert_eq!(status, StatusCode::OK, "{query}: {body}");
            body
        }
    };
    let seqs = |page: &Value| -> Vec<i64> {
        page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect()
    };
    let by_lin = get(format!("actor=agent:{lin_id}&action=push.")).await;
    assert_eq!(seqs(&by_lin).len(), 5, "Lin's five actions: {by_lin}");
    assert!(
        seqs(&by_lin).windows(2).all(|w| w[0] > w[1]),
        "newest first"
    );
    let on_t1 = get("subject=ticket:t1".into()).await;
    assert_eq!(seqs(&on_t1).len(), 3, "three were on t1");
    let exact = get("action=push.applied&subject=ticket:t2".into()).await;
    assert_eq!(seqs(&exact).len(), 2);
    // Time: the third minute onwards, before the fifth.
    let window = get(format!(
        "actor=agent:{lin_id}&since={}&until={}",
        started + 3 * 60_000,
        started + 5 * 60_000
    ))
    .await;
    assert_eq!(seqs(&window).len(), 2, "{window}");
    // Pages of two, to the end.
    let mut all = Vec::new();
    let mut before = String::new();
    loop {
        let page = get(format!("actor=agent:{lin_id}&action=push.&limit=2{before}")).await;
        all.extend(seqs(&page));
        match page["next_before"].as_i64() {
            Some(next) => before = format!("&before={next}"),
            None => break,
        }
    }
    assert_eq!(all, seqs(&by_lin), "paging sees each row once, in order");
    for bad in [
        "limit=0",
        "limit=1001",
        "since=5&until=5",
        "colour=red",
        "since=soon",
    ] {
        let (status, body) = app.get(&format!("/api/v1/audit?{bad}"), Some(&chen)).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "bad_request"),
            "{bad}: {body}"
        );
    }

    let (status, check) = app.get("/api/v1/audit/verify", Some(&chen)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(check["intact"], json!(true), "{check}");
    assert!(check["rows"].as_i64().unwrap() >= 5);

    // Exports: a spreadsheet's CSV and JSON lines, the same rows.
    let export = |format: &str| {
        let request = axum::http::Request::get(format!(
            "/api/v1/audit/export?format={format}&actor=agent:{lin_id}&action=push."
        ))
        .header("authorization", format!("Bearer {chen}"))
        .body(axum::body::Body::empty())
        .unwrap();
        let router = app.router.clone();
        async move {
            let response = tower::ServiceExt::oneshot(router, request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let kind = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            let bytes = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            (kind, String::from_utf8(bytes.to_vec()).unwrap())
        }
    };
    let (kind, csv) = export("csv").await;
    assert!(kind.starts_with("text/csv"), "{kind}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "seq,at,actor,action,subject,details,hash");
    assert_eq!(lines.len(), 6, "{csv}");
    let (kind, jsonl) = export("jsonl").await;
    assert_eq!(kind, "application/x-ndjson");
    let rows: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        rows.iter()
            .map(|r| r["seq"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        seqs(&by_lin)
    );
    let (status, body) = app
        .get("/api/v1/audit/export?format=xlsx", Some(&chen))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
}
