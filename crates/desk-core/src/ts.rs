//! TypeScript declarations of the types the console's UI receives, generated from these
//! Rust types so the UI cannot drift from the backend.
//!
//! `ui/src/lib/bindings.ts` is generated from [`declarations`]; a test in this crate fails
//! when the checked-in file is stale (`DESK_UPDATE_BINDINGS=1 cargo test -p desk-core`
//! rewrites it).

use ts_rs::{Config, TS};

use crate::delivery::{Delivery, DeliveryState};
use crate::domain::*;
use crate::error::{ApiError, ErrorCode};
use crate::mutation::*;
use crate::ops::*;
use crate::search::*;
use crate::view::*;
use crate::wire::{Change, LeftScope, PresenceEntry, PresenceState, PullResponse, TicketPresence};

/// Declarations of every exported type, in a stable order.
pub fn declarations() -> String {
    let mut out = String::from(
        "// Generated from crates/desk-core by `DESK_UPDATE_BINDINGS=1 cargo test`. Do not edit.\n\n",
    );
    let cfg = Config::new();
    let decls = [
        ErrorCode::decl(&cfg),
        ApiError::decl(&cfg),
        Role::decl(&cfg),
        crate::access::Capability::decl(&cfg),
        crate::access::Capabilities::decl(&cfg),
        crate::admin::AgentAccount::decl(&cfg),
        crate::admin::NewAgentRequest::decl(&cfg),
        crate::admin::Invitation::decl(&cfg),
        crate::admin::NewAgentResponse::decl(&cfg),
        crate::admin::AgentUpdate::decl(&cfg),
        crate::admin::AuditQuery::decl(&cfg),
        crate::admin::AuditRecord::decl(&cfg),
        crate::admin::AuditPage::decl(&cfg),
        crate::admin::AuditCheck::decl(&cfg),
        Channel::decl(&cfg),
        TicketStatus::decl(&cfg),
        Priority::decl(&cfg),
        Category::decl(&cfg),
        MessageKind::decl(&cfg),
        AuthorKind::decl(&cfg),
        TxDirection::decl(&cfg),
        TxStatus::decl(&cfg),
        CustomerTier::decl(&cfg),
        Agent::decl(&cfg),
        Customer::decl(&cfg),
        WalletTransaction::decl(&cfg),
        Ticket::decl(&cfg),
        Author::decl(&cfg),
        Attachment::decl(&cfg),
        Message::decl(&cfg),
        DeliveryState::decl(&cfg),
        Delivery::decl(&cfg),
        MessageView::decl(&cfg),
        MacroAction::decl(&cfg),
        Macro::decl(&cfg),
        KbTranslation::decl(&cfg),
        KbStatus::decl(&cfg),
        KbArticle::decl(&cfg),
        crate::admin::MacroInput::decl(&cfg),
        crate::admin::ArticleInput::decl(&cfg),
        IncidentStatus::decl(&cfg),
        IncidentUpdate::decl(&cfg),
        Incident::decl(&cfg),
        SlaTarget::decl(&cfg),
        BusinessWindow::decl(&cfg),
        BusinessHours::decl(&cfg),
        SlaPolicy::decl(&cfg),
        crate::groups::Group::decl(&cfg),
        crate::groups::GroupInput::decl(&cfg),
        VerificationMethod::decl(&cfg),
        VerificationOutcome::decl(&cfg),
        Verification::decl(&cfg),
        ApprovalKind::decl(&cfg),
        ApprovalState::decl(&cfg),
        Approval::decl(&cfg),
        CompensationKind::decl(&cfg),
        Compensation::decl(&cfg),
        LeftScope::decl(&cfg),
        Change::decl(&cfg),
        PullResponse::decl(&cfg),
        MutationOp::decl(&cfg),
        Mutation::decl(&cfg),
        MutationResult::decl(&cfg),
        OutboxState::decl(&cfg),
        OutboxEntry::decl(&cfg),
        InboxView::decl(&cfg),
        TicketSummary::decl(&cfg),
        TicketDetail::decl(&cfg),
        ViewCounts::decl(&cfg),
        Connectivity::decl(&cfg),
        OutboxCounts::decl(&cfg),
        SessionState::decl(&cfg),
        CacheReset::decl(&cfg),
        SyncPhase::decl(&cfg),
        SyncProgress::decl(&cfg),
        SlaState::decl(&cfg),
        TicketSort::decl(&cfg),
        TicketFilter::decl(&cfg),
        TicketQuery::decl(&cfg),
        TicketPage::decl(&cfg),
        HistoryEntry::decl(&cfg),
        CustomerHistory::decl(&cfg),
        SlaCounts::decl(&cfg),
        SearchFilters::decl(&cfg),
        SearchQuery::decl(&cfg),
        MatchedIn::decl(&cfg),
        SearchHit::decl(&cfg),
        KnowledgeSuggestions::decl(&cfg),
        ArticleSuggestion::decl(&cfg),
        MacroSuggestion::decl(&cfg),
        IncidentView::decl(&cfg),
        TicketEdit::decl(&cfg),
        BulkFailure::decl(&cfg),
        BulkOutcome::decl(&cfg),
        PresenceState::decl(&cfg),
        PresenceEntry::decl(&cfg),
        TicketPresence::decl(&cfg),
    ];
    for decl in &decls {
        out.push_str("export ");
        out.push_str(decl);
        out.push_str("\n\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    #[test]
    fn ui_bindings_are_generated_from_these_types() {
        // The run-time value (cargo test sets it) names this clone even when the binary was
        // built by another clone sharing the target directory.
        let dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        let path = dir.join("../../ui/src/lib/bindings.ts");
        let fresh = super::declarations();
        if std::env::var_os("DESK_UPDATE_BINDINGS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &fresh).unwrap();
            return;
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == fresh,
            "ui/src/lib/bindings.ts is stale: the UI would drift from the Rust types; \
             run `DESK_UPDATE_BINDINGS=1 cargo test -p desk-core` and commit it"
        );
    }
}
