//! A customer's earlier tickets through the IPC: read from the cache, newest first, only
//! that customer's.

use serde_json::json;

use super::{invoke, signed_in_app, signed_in_app_with, window};

fn ticket(
    id: &str,
    number: i64,
    customer: &str,
    status: &str,
    created_at: i64,
) -> serde_json::Value {
    json!({ "kind": "ticket", "record": {
        "id": id, "number": number, "subject": format!("工单 {number}"), "customer_id": customer,
        "channel": "email", "status": status, "priority": "normal", "category": "other",
        "tags": [], "assignee_id": null, "group": null, "language": "zh-CN",
        "first_response_due_at": null, "resolution_due_at": null,
        "linked_transaction_ids": [], "incident_id": null, "merged_into": null,
        "csat": null, "created_at": created_at, "updated_at": created_at,
        "last_message_at": created_at
    } })
}

#[test]
fn a_customers_tickets_come_newest_first_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let app = signed_in_app_with(
        dir.path(),
        json!([
            { "kind": "customer", "record": {
                "id": "c1", "platform_user_id": "U1001", "name": "王磊",
                "emails": ["wang.lei@example.cn"], "phones": [], "handles": [],
                "preferred_language": "zh-CN", "tier": "vip", "kyc_level": 2,
                "risk_flags": [], "tags": [], "notes": "", "created_at": 1, "updated_at": 1
            } },
            ticket("t3", 3, "c1", "closed", 300),
            ticket("t9", 9, "c2", "open", 400)
        ]),
    );
    let webview = window(&app);

    let history = invoke(
        &webview,
        "customer_history",
        json!({ "customerId": "c1", "limit": 20 }),
    )
    .unwrap();
    let ids: Vec<&str> = history["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ticket"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["t3", "t2", "t1"],
        "the customer's tickets, newest first, no one else's: {history}"
    );
    assert_eq!(history["tickets"][0]["ticket"]["status"], "closed");
    assert_eq!(history["customer"]["name"], "王磊");
    assert_eq!(history["open_tickets"], 1, "only t1 is open: {history}");

    let two = invoke(
        &webview,
        "customer_history",
        json!({ "customerId": "c1", "limit": 2 }),
    )
    .unwrap();
    assert_eq!(
        two["tickets"].as_array().map(Vec::len),
        Some(2),
        "at most the limit: {two}"
    );
}

#[test]
fn an_unknown_customer_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let app = signed_in_app(dir.path());
    let webview = window(&app);
    let err = invoke(
        &webview,
        "customer_history",
        json!({ "customerId": "nobody", "limit": 20 }),
    )
    .unwrap_err();
    assert_eq!(
        err["code"], "not_found",
        "the panel tells a missing customer from a failure: {err}"
    );
}
