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

/// Status, Content-Security-Policy and the page.
async fn page(app: &TestApp, uri: &str) -> (StatusCode, String, String) {
    let request = axum::http::Request::get(uri)
        .body(axum::body::Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .unwrap();
    let status = response.status();
    let csp = response
        .headers()
        .get("content-security-policy")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    (status, csp, String::from_utf8(bytes.to_vec()).unwrap())
}

pub async fn the_help_center_shows_published_articles_and_finds_short_chinese_queries(
    storage: Arc<dyn Storage>,
) {
    let app = TestApp::with_storage(storage);
    app.add_agent("chen@desk.test", Role::Supervisor).await;
    let chen = app.login("chen@desk.test").await.access_token;
    let put = |id: &str, body: serde_json::Value| {
        let (app, chen, id) = (&app, chen.clone(), id.to_owned());
        async move {
            let (status, answer) = app
                .put(&format!("/api/v1/kb/{id}"), Some(&chen), body)
                .await;
            assert_eq!(status, StatusCode::OK, "{answer}");
        }
    };
    put(
        "confirm",
        json!({ "status": "published", "translations": {
            "zh-CN": { "title": "如何确认提币", "body": "打开 App，在**提币记录**中点击确认。\n\n<script>alert('x')</script>\n\n[官方指南](https://help.wallet.example/confirm) [坏链接](javascript:alert(1))" },
            "en": { "title": "Confirming a withdrawal", "body": "Open the app and tap **Confirm**." } } }),
    )
    .await;
    put(
        "fees",
        json!({ "status": "published", "translations": {
            "zh-CN": { "title": "手续费说明", "body": "提币手续费按网络收取。" } } }),
    )
    .await;
    put(
        "secret-draft",
        json!({ "status": "draft", "translations": {
            "zh-CN": { "title": "草稿：提币新规", "body": "尚未发布" } } }),
    )
    .await;

    let (status, csp, html) = page(&app, "/help?lang=zh-CN&q=%E6%8F%90%E5%B8%81").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        csp.contains("default-src 'none'"),
        "no script, nothing from elsewhere: {csp}"
    );
    assert!(
        html.contains("如何确认提币") && html.contains("手续费说明"),
        "{html}"
    );
    assert!(
        html.contains("data-results=\"2\""),
        "提币 (two characters) finds both: {html}"
    );
    assert!(!html.contains("草稿"), "a draft is never public");
    let (_, _, html) = page(&app, "/help?lang=zh-CN&q=%E8%B4%B9").await;
    assert!(
        html.contains("data-results=\"1\"") && html.contains("手续费说明"),
        "费 alone: {html}"
    );
    let (_, _, html) = page(&app, "/help?lang=en&q=confirm").await;
    assert!(
        html.contains("Confirming a withdrawal") && html.contains("lang=\"en\""),
        "{html}"
    );
    assert!(html.contains("/form?lang=en"), "the form is one link away");

    let (status, _, html) = page(&app, "/help/confirm?lang=zh-CN").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<strong>提币记录</strong>"),
        "Markdown rendered: {html}"
    );
    assert!(
        html.contains("&lt;script&gt;") && !html.contains("<script>"),
        "raw HTML inert: {html}"
    );
    assert!(
        !html.contains("javascript:"),
        "no script link survives: {html}"
    );
    assert!(
        html.contains("rel=\"noopener noreferrer nofollow\""),
        "{html}"
    );
    let (status, _, _) = page(&app, "/help/secret-draft").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a draft has no page");

    // Deleted: gone from the help center once its snapshot is refreshed. A stale snapshot
    // is still answered while the next one is read in the background.
    let (status, _) = app.delete("/api/v1/kb/fees", Some(&chen)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = page(&app, "/help/fees?lang=zh-CN").await;
    assert_eq!(status, StatusCode::OK, "within the snapshot's few seconds");
    app.clock.advance(std::time::Duration::from_millis(
        desk_server::help::FRESH_MS as u64 + 1,
    ));
    let mut gone = false;
    for _ in 0..100 {
        if page(&app, "/help/fees?lang=zh-CN").await.0 == StatusCode::NOT_FOUND {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(gone, "the next snapshot no longer has it");
}

pub async fn the_web_form_suggests_articles_from_what_the_customer_types(
    storage: Arc<dyn Storage>,
) {
    let app = TestApp::with_storage(storage);
    app.add_agent("chen@desk.test", Role::Supervisor).await;
    let chen = app.login("chen@desk.test").await.access_token;
    for (id, status, zh, en) in [
        (
            "arrival",
            "published",
            ("充值未到账", "打开钱包，用交易哈希在区块浏览器中查询。"),
            (
                "Deposit not arrived",
                "Open the wallet and look the hash up in an explorer.",
            ),
        ),
        (
            "lock",
            "published",
            ("账户被锁定", "打开钱包，完成身份验证。"),
            (
                "Account locked",
                "Open the wallet and verify your identity.",
            ),
        ),
        (
            "hostile",
            "published",
            ("<img src=x onerror=alert(1)>手续费", "打开钱包。"),
            ("<img src=x onerror=alert(1)> fees", "Open the wallet."),
        ),
        (
            "draft",
            "draft",
            ("充值未到账（草稿）", "充值 未到账 区块浏览器"),
            ("Deposit not arrived (draft)", "deposit arrived explorer"),
        ),
    ] {
        let (code, answer) = app
            .put(
                &format!("/api/v1/kb/{id}"),
                Some(&chen),
                json!({ "status": status, "translations": {
                    "zh-CN": { "title": zh.0, "body": zh.1 },
                    "en": { "title": en.0, "body": en.1 } } }),
            )
            .await;
        assert_eq!(code, StatusCode::OK, "{answer}");
    }
    let suggest = |query: &str| {
        let app = &app;
        let uri = format!("/form/suggestions?{query}");
        async move {
            let (status, body) = app.get(&uri, None).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body["articles"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| (a["id"].as_str().unwrap().to_owned(), a.clone()))
                .collect::<Vec<_>>()
        }
    };
    let zh = suggest(&format!(
        "lang=zh-CN&subject={}&message={}",
        super::form::urlencode("充值一直没到账"),
        super::form::urlencode("你好，昨天充值的USDT还没有到账，区块浏览器显示成功")
    ))
    .await;
    assert_eq!(zh.first().map(|h| h.0.as_str()), Some("arrival"), "{zh:?}");
    assert_eq!(zh[0].1["title"], "充值未到账");
    assert_eq!(zh[0].1["url"], "/help/arrival?lang=zh-CN");
    assert!(
        !zh.iter().any(|h| h.0 == "draft"),
        "a draft is never public: {zh:?}"
    );

    let en = suggest("lang=en&message=my%20account%20is%20locked").await;
    assert_eq!(en.first().map(|h| h.0.as_str()), Some("lock"), "{en:?}");
    assert_eq!(en[0].1["language"], "en");

    // Hostile titles travel as JSON strings; the form's script shows them as text.
    let fees = suggest("lang=en&subject=fees").await;
    assert_eq!(
        fees.first().map(|h| h.0.as_str()),
        Some("hostile"),
        "{fees:?}"
    );
    assert_eq!(fees[0].1["title"], "<img src=x onerror=alert(1)> fees");

    assert!(
        suggest("lang=en&subject=hello&message=thanks")
            .await
            .is_empty()
    );
    assert!(
        suggest("lang=en&message=open%20the%20wallet")
            .await
            .is_empty(),
        "words every article has suggest nothing"
    );
    assert!(suggest("").await.is_empty(), "nothing typed, nothing asked");

    // The form loads the script from here and allows nothing else.
    let (status, csp, html) = page(&app, "/form?lang=zh-CN").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<script src=\"/form/suggest.js\" defer></script>"),
        "{html}"
    );
    assert!(html.contains("id=\"suggestions\"") && html.contains("data-lang=\"zh-CN\""));
    assert!(
        csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"))
        .unwrap();
    assert_eq!(script_src, "script-src 'self'", "no inline script: {csp}");
    let response = tower::ServiceExt::oneshot(
        app.router.clone(),
        axum::http::Request::get("/form/suggest.js")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    // The help center's own pages stay without any script.
    let (_, csp, _) = page(&app, "/help?lang=en").await;
    assert!(!csp.contains("script-src"), "{csp}");
}
