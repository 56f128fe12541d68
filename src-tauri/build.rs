//! Build script of the desktop app: Tauri's code generation and its access-control lists.

use std::path::Path;

/// Every app command; each gets an `allow-…` permission, and the capability file grants
/// exactly these, so the webview can call nothing else.
const COMMANDS: &[&str] = &[
    "session_state",
    "sync_progress",
    "sign_in",
    "accept_invitation",
    "sign_out",
    "sync_now",
    "list_tickets",
    "view_counts",
    "customer_history",
    "get_ticket",
    "announce_presence",
    "ticket_presence",
    "set_ui_language",
    "reply",
    "reply_with_files",
    "reply_and_edit",
    "attachment_bytes",
    "save_attachment",
    "edit_ticket",
    "bulk_edit",
    "retry_delivery",
    "outbox",
    "release_held",
    "edit_held",
    "retry_rejected",
    "discard_held",
    "search",
    "suggest_knowledge",
    "agents",
    "macros",
    "query_tickets",
    "sla_counts",
    "incidents",
    "open_link",
    "admin_agents",
    "admin_add_agent",
    "admin_update_agent",
    "admin_reissue_invitation",
    "audit_log",
    "audit_verify",
    "audit_export",
    "admin_put_macro",
    "admin_delete_macro",
    "admin_put_article",
    "admin_delete_article",
    "kb_articles",
    "groups",
    "admin_put_group",
    "admin_delete_group",
    "render_markdown",
];

fn main() {
    // Tauri embeds ui/dist at compile time and refuses to compile without it. A fresh clone
    // has not built the UI yet (`cargo xtask demo|test` do that first); give `cargo check`
    // and clippy a placeholder page that says what to run instead of a compile error.
    let dist = Path::new("ui/dist");
    if !dist.join("index.html").exists() {
        std::fs::create_dir_all(dist).expect("create ui/dist");
        std::fs::write(
            dist.join("index.html"),
            "<!doctype html><meta charset=utf-8><title>Desk</title>\
             <p>The console UI is not built. Run <code>cargo xtask demo</code>.</p>",
        )
        .expect("write placeholder ui/dist/index.html");
    }
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=ui/dist");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build step");
}
