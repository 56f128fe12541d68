//! The Tauri commands: each takes its input, calls one method of the sync client and maps
//! the error to `{code, message}`. No SQL, HTTP or keyring here.

use std::path::{Path, PathBuf};

use desk_core::admin::{
    AgentAccount, AgentUpdate, ArticleInput, AuditCheck, AuditPage, AuditQuery, Invitation,
    MacroInput, NewAgentRequest, NewAgentResponse,
};
use desk_core::ops::MacroAction;
use desk_core::search::{SearchHit, SearchQuery};
use desk_core::view::{
    BulkOutcome, CustomerHistory, InboxView, SessionState, SlaCounts, SyncProgress, TicketDetail,
    TicketEdit, TicketPage, TicketQuery, TicketSummary, ViewCounts,
};
use desk_core::wire::{PresenceEntry, PresenceState};
use desk_core::{Agent, ApiError, KbArticle, Macro, Mutation, OutboxEntry};
use desk_sync::api::AuditFormat;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

use crate::AppState;

type CmdResult<T> = Result<T, ApiError>;

/// The event the UI refreshes on.
pub const SESSION_CHANGED: &str = "session-changed";
/// The event the first-sync progress bar follows (a `SyncProgress`).
pub const SYNC_PROGRESS: &str = "sync-progress";

pub(crate) fn emit_state<R: Runtime>(app: &AppHandle<R>, state: &AppState) {
    match state.client.state() {
        Ok(s) => {
            if let Err(e) = app.emit(SESSION_CHANGED, s) {
                tracing::warn!(error = %e, "could not notify the window");
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not read session state"),
    }
}

/// Where the current or last sync got to: the UI asks once when it loads, then follows
/// [`SYNC_PROGRESS`] events.
#[tauri::command]
pub fn sync_progress(state: State<'_, AppState>) -> Option<SyncProgress> {
    state.client.progress()
}

#[tauri::command]
pub fn session_state(state: State<'_, AppState>) -> CmdResult<SessionState> {
    Ok(state.client.state()?)
}

#[tauri::command]
pub async fn sign_in<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    server_url: String,
    email: String,
    password: String,
) -> CmdResult<SessionState> {
    state.client.sign_in(&server_url, &email, &password).await?;
    // The background loop pulls at once; the UI shows the first sync arriving.
    state.wake.now();
    emit_state(&app, &state);
    Ok(state.client.state()?)
}

/// An invited agent chooses their password with the code an admin handed over, and is
/// signed in as by [`sign_in`].
#[tauri::command]
pub async fn accept_invitation<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    server_url: String,
    email: String,
    code: String,
    password: String,
) -> CmdResult<SessionState> {
    state
        .client
        .accept_invitation(&server_url, &email, &code, &password)
        .await?;
    state.wake.now();
    emit_state(&app, &state);
    Ok(state.client.state()?)
}

#[tauri::command]
pub async fn sign_out<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<SessionState> {
    state.client.sign_out(false).await?;
    emit_state(&app, &state);
    Ok(state.client.state()?)
}

/// Syncs now. Being offline is not an error here: the returned state says so.
#[tauri::command]
pub async fn sync_now<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<SessionState> {
    match state.client.sync().await {
        Ok(_) => {}
        Err(e) if e.is_offline() => {}
        Err(e) => return Err(e.into()),
    }
    emit_state(&app, &state);
    Ok(state.client.state()?)
}

#[tauri::command]
pub fn list_tickets(
    state: State<'_, AppState>,
    view: InboxView,
    limit: u32,
) -> CmdResult<Vec<TicketSummary>> {
    Ok(state.client.list_tickets(view, limit)?)
}

#[tauri::command]
pub fn view_counts(state: State<'_, AppState>) -> CmdResult<ViewCounts> {
    Ok(state.client.view_counts()?)
}

/// A customer's cached tickets, newest first (at most `limit`), with their profile and
/// wallet transactions: the customer panel's earlier tickets. Offline too.
#[tauri::command]
pub fn customer_history(
    state: State<'_, AppState>,
    customer_id: String,
    limit: u32,
) -> CmdResult<CustomerHistory> {
    Ok(state.client.customer_history(&customer_id, limit)?)
}

#[tauri::command]
pub async fn get_ticket(state: State<'_, AppState>, id: String) -> CmdResult<TicketDetail> {
    // Fetches an evicted conversation when online; offline the detail says it is elsewhere.
    Ok(state.client.open_ticket(&id).await?)
}

/// This agent is on a ticket (`presence`: viewing or replying) or left it (`None`);
/// answers the other agents on it. Best-effort: offline it answers nobody.
#[tauri::command]
pub async fn announce_presence(
    state: State<'_, AppState>,
    ticket_id: String,
    presence: Option<PresenceState>,
) -> CmdResult<Vec<PresenceEntry>> {
    Ok(state.client.announce_presence(&ticket_id, presence).await?)
}

/// The other agents on a ticket now; offline, nobody.
#[tauri::command]
pub async fn ticket_presence(
    state: State<'_, AppState>,
    ticket_id: String,
) -> CmdResult<Vec<PresenceEntry>> {
    Ok(state.client.presence(&ticket_id).await?)
}

/// The UI's language (`en`, `zh-CN`), for the OS notifications the shell shows.
#[tauri::command]
pub fn set_ui_language(state: State<'_, AppState>, language: String) {
    crate::notifications::set_language(&state, language);
}

/// After an agent action: the sync loop sends it now (or when the server is back), and
/// the window's chrome (outbox counts) updates at once.
fn acted<R: Runtime>(app: &AppHandle<R>, state: &AppState) {
    // The agent's own claim or assignment is known before the sync confirming it, so it
    // is never announced to them as a new assignment.
    crate::notifications::observe_quietly(state);
    state.wake.now();
    emit_state(app, state);
}

/// A public reply, or with `internal` a note. Works offline: queued and shown at once.
#[tauri::command]
pub fn reply<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    ticket_id: String,
    body: String,
    internal: bool,
) -> CmdResult<Mutation> {
    let m = state.client.reply(&ticket_id, &body, internal)?;
    acted(&app, &state);
    Ok(m)
}

/// A public reply carrying files. The webview sends the bytes as they are (Tauri's raw
/// binary IPC, no base64): see [`reply_frame`] for the body's layout. Works offline: the
/// reply and its files are queued together, and the files go up before the reply.
#[tauri::command]
pub fn reply_with_files<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> CmdResult<Mutation> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(bad_request("a reply with files is sent as raw bytes"));
    };
    let (head, files) = reply_frame(bytes)?;
    let m = state
        .client
        .reply_with_files(&head.ticket_id, &head.body, files)?;
    acted(&app, &state);
    Ok(m)
}

/// A reply (or with `internal`, a note), its files, and the actions of the macros the
/// agent inserted into it (status, priority, category, tags; desk-core's
/// `TicketEdit::from_macro_actions`), queued together in one cache transaction: all of
/// it or, at the first refusal (a closed ticket, a guarded reply), nothing. The body is
/// [`reply_frame`]'s layout with a [`ReplyAndEditHead`], files or none. Works offline.
#[tauri::command]
pub fn reply_and_edit<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> CmdResult<Vec<Mutation>> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(bad_request(
            "a reply with its macro's actions is sent as raw bytes",
        ));
    };
    let (head, files) = reply_and_edit_frame(bytes)?;
    let edit = TicketEdit::from_macro_actions(&head.actions);
    let made = state.client.reply_and_edit(
        &head.reply.ticket_id,
        &head.reply.body,
        head.internal,
        files,
        &edit,
    )?;
    acted(&app, &state);
    Ok(made)
}

/// What precedes a reply's files in [`reply_with_files`]'s body.
#[derive(Debug, serde::Deserialize)]
pub struct ReplyHead {
    pub ticket_id: String,
    pub body: String,
    pub files: Vec<FileHead>,
}

/// What precedes the files in [`reply_and_edit`]'s body: a [`ReplyHead`], whether it is
/// a note, and the macro actions in the order the macros were inserted.
#[derive(Debug, serde::Deserialize)]
pub struct ReplyAndEditHead {
    #[serde(flatten)]
    pub reply: ReplyHead,
    #[serde(default)]
    pub internal: bool,
    #[serde(default)]
    pub actions: Vec<MacroAction>,
}

#[derive(Debug, serde::Deserialize)]
pub struct FileHead {
    pub name: String,
    pub size: u64,
}

/// Files as desk-sync takes them: each one's name and bytes.
pub type NamedFiles = Vec<(String, Vec<u8>)>;

/// Splits a reply-with-files body: a 4-byte big-endian length, that many bytes of
/// [`ReplyHead`] JSON, then each file's bytes in order, exactly as many as its `size`.
pub fn reply_frame(bytes: &[u8]) -> CmdResult<(ReplyHead, NamedFiles)> {
    split_frame(bytes, "the reply's files", |head: &ReplyHead| &head.files)
}

/// [`reply_frame`] for [`reply_and_edit`]: the same layout, its head a [`ReplyAndEditHead`].
pub fn reply_and_edit_frame(bytes: &[u8]) -> CmdResult<(ReplyAndEditHead, NamedFiles)> {
    split_frame(
        bytes,
        "the reply and its macro's actions",
        |head: &ReplyAndEditHead| &head.reply.files,
    )
}

fn split_frame<H: serde::de::DeserializeOwned>(
    bytes: &[u8],
    what: &str,
    files_of: impl Fn(&H) -> &[FileHead],
) -> CmdResult<(H, NamedFiles)> {
    let malformed = || bad_request(&format!("{what} arrived malformed"));
    let len = bytes.get(..4).ok_or_else(malformed)?;
    let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
    let head = bytes.get(4..4 + len).ok_or_else(malformed)?;
    let head: H = serde_json::from_slice(head).map_err(|_| malformed())?;
    let mut rest = &bytes[4 + len..];
    let mut files = Vec::with_capacity(files_of(&head).len());
    for f in files_of(&head) {
        let size = usize::try_from(f.size).map_err(|_| malformed())?;
        if size > rest.len() {
            return Err(malformed());
        }
        let (file, after) = rest.split_at(size);
        files.push((f.name.clone(), file.to_vec()));
        rest = after;
    }
    if !rest.is_empty() {
        return Err(malformed());
    }
    Ok((head, files))
}

fn bad_request(message: &str) -> ApiError {
    ApiError::new(desk_core::ErrorCode::BadRequest, message)
}

/// A message's file, as raw bytes (an `ArrayBuffer` in the webview): from the cache, else
/// fetched for the conversation of `ticket_id` and cached. Offline and not cached: `offline`.
#[tauri::command]
pub async fn attachment_bytes(
    state: State<'_, AppState>,
    ticket_id: String,
    sha256: String,
) -> CmdResult<tauri::ipc::Response> {
    let bytes = state.client.attachment(&sha256, Some(&ticket_id)).await?;
    Ok(tauri::ipc::Response::new(bytes))
}

/// Where [`save_attachment`] and [`audit_export`] write, when not the user's Downloads
/// folder: tests manage one so they never write into the real one.
pub struct DownloadsDir(pub std::path::PathBuf);

/// The folder files are saved into: the test's [`DownloadsDir`], else the user's Downloads.
fn downloads_dir<R: Runtime>(app: &AppHandle<R>) -> CmdResult<PathBuf> {
    match app.try_state::<DownloadsDir>() {
        Some(dir) => Ok(dir.0.clone()),
        None => app.path().download_dir().map_err(|e| {
            ApiError::new(
                desk_core::ErrorCode::Storage,
                format!("the Downloads folder is unknown: {e}"),
            )
        }),
    }
}

/// Saves a message's file into the user's Downloads folder under a name that overwrites
/// nothing (`name (1).ext`…); answers the path, for the console to show.
#[tauri::command]
pub async fn save_attachment<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    ticket_id: String,
    sha256: String,
    file_name: String,
) -> CmdResult<String> {
    let dir = downloads_dir(&app)?;
    let path = state
        .client
        .save_attachment(&sha256, &file_name, Some(&ticket_id), &dir)
        .await?;
    Ok(path.display().to_string())
}

/// Status, priority, category, claim, assignee and tags of one ticket.
#[tauri::command]
pub fn edit_ticket<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    ticket_id: String,
    edit: TicketEdit,
) -> CmdResult<Vec<Mutation>> {
    let made = state.client.edit(&ticket_id, &edit);
    // Fields before a refused one were applied: the chrome must show them either way.
    acted(&app, &state);
    Ok(made?)
}

/// The same edit on many tickets; refusals come back per ticket.
#[tauri::command]
pub fn bulk_edit<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    ticket_ids: Vec<String>,
    edit: TicketEdit,
) -> CmdResult<BulkOutcome> {
    let outcome = state.client.edit_many(&ticket_ids, &edit)?;
    acted(&app, &state);
    Ok(outcome)
}

/// Sends a public reply whose delivery failed again; for email, to `recipient` when the
/// agent corrected the address.
#[tauri::command]
pub fn retry_delivery<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    ticket_id: String,
    message_id: String,
    recipient: Option<String>,
) -> CmdResult<Mutation> {
    let m = state
        .client
        .retry_delivery(&ticket_id, &message_id, recipient)?;
    acted(&app, &state);
    Ok(m)
}

#[tauri::command]
pub fn outbox(state: State<'_, AppState>) -> CmdResult<Vec<OutboxEntry>> {
    Ok(state.client.outbox()?)
}

/// The agent confirms a held reply as written.
#[tauri::command]
pub fn release_held<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    mutation_id: String,
) -> CmdResult<Mutation> {
    let m = state.client.release_held(&mutation_id)?;
    acted(&app, &state);
    Ok(m)
}

/// The agent rewrites a held reply and sends it.
#[tauri::command]
pub fn edit_held<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    mutation_id: String,
    body: String,
) -> CmdResult<Mutation> {
    let m = state.client.release_held_edited(&mutation_id, &body)?;
    acted(&app, &state);
    Ok(m)
}

/// The agent sends a rejected action again, as a new one.
#[tauri::command]
pub fn retry_rejected<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    mutation_id: String,
) -> CmdResult<Mutation> {
    let m = state.client.retry_rejected(&mutation_id)?;
    acted(&app, &state);
    Ok(m)
}

/// The agent gives up a held or rejected entry.
#[tauri::command]
pub fn discard_held<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    mutation_id: String,
) -> CmdResult<()> {
    state.client.discard(&mutation_id)?;
    emit_state(&app, &state);
    Ok(())
}

#[tauri::command]
pub fn search(state: State<'_, AppState>, query: SearchQuery) -> CmdResult<Vec<SearchHit>> {
    Ok(state.client.search(&query)?)
}

/// KB articles and macros for the open ticket, from the cache (offline too). `language`
/// is the console's, for a ticket whose own language is not known.
#[tauri::command]
pub fn suggest_knowledge(
    state: State<'_, AppState>,
    ticket_id: String,
    language: String,
) -> CmdResult<desk_core::search::KnowledgeSuggestions> {
    Ok(state.client.suggest_knowledge(&ticket_id, &language)?)
}

#[tauri::command]
pub fn agents(state: State<'_, AppState>) -> CmdResult<Vec<Agent>> {
    Ok(state.client.agents()?)
}

#[tauri::command]
pub fn macros(state: State<'_, AppState>, language: Option<String>) -> CmdResult<Vec<Macro>> {
    Ok(state.client.macros(language.as_deref())?)
}

/// A filtered view page (SLA at risk / breached).
#[tauri::command]
pub fn query_tickets(state: State<'_, AppState>, query: TicketQuery) -> CmdResult<TicketPage> {
    Ok(state.client.query_tickets(&query)?)
}

#[tauri::command]
pub fn sla_counts(state: State<'_, AppState>) -> CmdResult<SlaCounts> {
    Ok(state.client.sla_counts()?)
}

#[tauri::command]
pub fn incidents(state: State<'_, AppState>) -> CmdResult<Vec<desk_core::view::IncidentView>> {
    Ok(state.client.active_incidents()?)
}

/// Opens a link from customer content in the OS's browser or mail program, after the
/// agent confirmed its target in the console. The target is checked again here (the UI
/// is not trusted with it): web and mail links only, no hidden hosts. Never opened
/// inside the app: the window cannot navigate away from the console (see
/// `navigation_guard` in lib.rs).
#[tauri::command]
pub fn open_link(url: String) -> CmdResult<()> {
    let target = desk_core::links::external_target(&url)?;
    // Only the host is logged: a link's path and query can carry a customer's data.
    let host = target.split('/').nth(2).unwrap_or("");
    tracing::info!(%host, "opening a customer link outside the app");
    open::that_detached(&target).map_err(|e| {
        ApiError::new(
            desk_core::ErrorCode::Internal,
            format!("the system could not open the link: {e}"),
        )
    })
}

// ---- administration (DESIGN.md §3, §6): online only, never queued; the server decides
// who may (`forbidden` otherwise), the console offers each screen by capability.

/// Every agent's account, disabled ones too (admins).
#[tauri::command]
pub async fn admin_agents(state: State<'_, AppState>) -> CmdResult<Vec<AgentAccount>> {
    Ok(state.client.agent_accounts().await?)
}

/// Adds an agent with a first password to hand over, or with an invitation whose code is
/// in the answer only (admins). The cache learns of the new agent at the next sync, which
/// is asked for now.
#[tauri::command]
pub async fn admin_add_agent(
    state: State<'_, AppState>,
    agent: NewAgentRequest,
) -> CmdResult<NewAgentResponse> {
    let added = state.client.add_agent(&agent).await?;
    state.wake.now();
    Ok(added)
}

/// Changes an agent; fields left out stay as they are (admins). Demoting or disabling the
/// last admin, and disabling oneself, come back `conflict` with the server's reason.
#[tauri::command]
pub async fn admin_update_agent(
    state: State<'_, AppState>,
    agent_id: String,
    update: AgentUpdate,
) -> CmdResult<AgentAccount> {
    let changed = state.client.update_agent(&agent_id, &update).await?;
    state.wake.now();
    Ok(changed)
}

/// A new invitation for an agent who has not accepted theirs; the code they had stops
/// working (admins).
#[tauri::command]
pub async fn admin_reissue_invitation(
    state: State<'_, AppState>,
    agent_id: String,
) -> CmdResult<Invitation> {
    Ok(state.client.reissue_invitation(&agent_id).await?)
}

/// A page of the audit log, newest first (supervisors).
#[tauri::command]
pub async fn audit_log(state: State<'_, AppState>, query: AuditQuery) -> CmdResult<AuditPage> {
    Ok(state.client.audit_log(&query).await?)
}

/// Whether the audit log's hash chain is intact, and where it breaks (supervisors).
#[tauri::command]
pub async fn audit_verify(state: State<'_, AppState>) -> CmdResult<AuditCheck> {
    Ok(state.client.verify_audit().await?)
}

/// The file format the console asks an audit export in.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

impl ExportFormat {
    fn wire(self) -> AuditFormat {
        match self {
            ExportFormat::Csv => AuditFormat::Csv,
            ExportFormat::Jsonl => AuditFormat::Jsonl,
        }
    }

    fn file_name(self) -> &'static str {
        match self {
            ExportFormat::Csv => "desk-audit-log.csv",
            ExportFormat::Jsonl => "desk-audit-log.jsonl",
        }
    }
}

/// The rows `query` selects, saved into the Downloads folder as `desk-audit-log.csv` (or
/// `.jsonl`) under a name that overwrites nothing; answers the path (supervisors).
#[tauri::command]
pub async fn audit_export<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    format: ExportFormat,
    query: AuditQuery,
) -> CmdResult<String> {
    let dir = downloads_dir(&app)?;
    let bytes = state.client.export_audit(format.wire(), &query).await?;
    let path = write_new(&dir, format.file_name(), &bytes)?;
    Ok(path.display().to_string())
}

/// Writes `bytes` into `dir` as `name`, or the first `stem (n).ext` not taken, never
/// over a file already there (desk-sync's rule for saved attachments).
pub(crate) fn write_new(dir: &Path, name: &str, bytes: &[u8]) -> CmdResult<PathBuf> {
    Ok(desk_sync::save_into(dir, name, bytes)?)
}

// ---- macros and knowledge-base articles (supervisors; DESIGN.md §3, §11): written online
// only, checked by the server with desk-core's `admin` rules; every console, this one
// included, gets the change through the feed, so a write wakes the sync at once.

/// Creates or replaces the macro `macro_id`; answers it as the server stored it.
#[tauri::command]
pub async fn admin_put_macro(
    state: State<'_, AppState>,
    macro_id: String,
    input: MacroInput,
) -> CmdResult<Macro> {
    let stored = state.client.put_macro(&macro_id, &input).await?;
    state.wake.now();
    Ok(stored)
}

/// Deletes the macro `macro_id` from every console.
#[tauri::command]
pub async fn admin_delete_macro(state: State<'_, AppState>, macro_id: String) -> CmdResult<()> {
    state.client.delete_macro(&macro_id).await?;
    state.wake.now();
    Ok(())
}

/// Creates or replaces the article `article_id` (a draft stays off the help center);
/// answers it as the server stored it.
#[tauri::command]
pub async fn admin_put_article(
    state: State<'_, AppState>,
    article_id: String,
    input: ArticleInput,
) -> CmdResult<KbArticle> {
    let stored = state.client.put_article(&article_id, &input).await?;
    state.wake.now();
    Ok(stored)
}

/// Deletes the article `article_id`: off the help center and every console.
#[tauri::command]
pub async fn admin_delete_article(state: State<'_, AppState>, article_id: String) -> CmdResult<()> {
    state.client.delete_article(&article_id).await?;
    state.wake.now();
    Ok(())
}

// ---- groups (admins; DESIGN.md §3): read from the cache by every console (a ticket's
// group is shown by name, and handed on to one of them); written online only, checked by
// the server with desk-core's `groups` rules, reaching every console through the feed.

/// Every cached group, by id. Offline too.
#[tauri::command]
pub fn groups(state: State<'_, AppState>) -> CmdResult<Vec<desk_core::Group>> {
    Ok(state.client.groups()?)
}

/// Creates or replaces the group `group_id`; answers it as the server stored it.
#[tauri::command]
pub async fn admin_put_group(
    state: State<'_, AppState>,
    group_id: String,
    input: desk_core::groups::GroupInput,
) -> CmdResult<desk_core::Group> {
    let stored = state.client.put_group(&group_id, &input).await?;
    state.wake.now();
    Ok(stored)
}

/// Deletes the group `group_id` from every console; `conflict` while enabled agents work
/// in it or open tickets are in it.
#[tauri::command]
pub async fn admin_delete_group(state: State<'_, AppState>, group_id: String) -> CmdResult<()> {
    state.client.delete_group(&group_id).await?;
    state.wake.now();
    Ok(())
}

/// Every cached article, drafts too, by id. Offline too.
#[tauri::command]
pub fn kb_articles(state: State<'_, AppState>) -> CmdResult<Vec<KbArticle>> {
    Ok(state.client.kb_articles()?)
}

/// An article's Markdown as the help center renders it (desk-core's renderer and HTML
/// allowlist), so the editor's preview is what customers will see, and as safe.
#[tauri::command]
pub fn render_markdown(text: String) -> String {
    desk_core::markdown::to_html(&text)
}
