//! Administration (DESIGN.md §3, §6): agents' accounts and groups for admins, the audit
//! log, macros and KB articles for supervisors. Online only and never queued: an account
//! change or an audit reading is the server's answer now, not something to replay after
//! an outage, so offline is the `offline` error. Who may call what is the server's
//! decision (`forbidden` otherwise); nothing here is cached (a written group, macro or
//! article reaches the cache through the feed, like a colleague's).

use std::future::Future;

use desk_core::admin::{
    AgentAccount, AgentUpdate, AuditCheck, AuditPage, AuditQuery, Invitation, NewAgentRequest,
    NewAgentResponse,
};

use crate::api::{Api, AuditFormat, is_unauthorized};
use crate::credentials::Secret;
use crate::{Client, Result};

impl Client {
    /// Every agent's account, disabled ones too (admins).
    pub async fn agent_accounts(&self) -> Result<Vec<AgentAccount>> {
        self.admin_call(|api, access| async move { api.agents(&access).await })
            .await
    }

    /// Adds an agent with a first password to hand over, or without one: then the answer
    /// carries the invitation to hand over instead, its code shown this once (admins).
    pub async fn add_agent(&self, new: &NewAgentRequest) -> Result<NewAgentResponse> {
        self.admin_call(|api, access| async move { api.create_agent(&access, new).await })
            .await
    }

    /// A new invitation for the agent `agent_id`, who has not accepted theirs (lost, or
    /// expired); the code they had stops working (admins).
    pub async fn reissue_invitation(&self, agent_id: &str) -> Result<Invitation> {
        self.admin_call(
            |api, access| async move { api.reissue_invitation(&access, agent_id).await },
        )
        .await
    }

    /// Changes the agent `agent_id`; fields left `None` stay as they are (admins).
    pub async fn update_agent(&self, agent_id: &str, update: &AgentUpdate) -> Result<AgentAccount> {
        self.admin_call(
            |api, access| async move { api.update_agent(&access, agent_id, update).await },
        )
        .await
    }

    /// A page of the audit log, newest first; the page's `next_before` asks for the next
    /// one (supervisors and admins).
    pub async fn audit_log(&self, query: &AuditQuery) -> Result<AuditPage> {
        self.admin_call(|api, access| async move { api.audit(&access, query).await })
            .await
    }

    /// Whether the audit log's hash chain is intact, and where it breaks if not
    /// (supervisors and admins).
    pub async fn verify_audit(&self) -> Result<AuditCheck> {
        self.admin_call(|api, access| async move { api.audit_verify(&access).await })
            .await
    }

    /// The rows `query` selects as one file, in `format` (supervisors and admins).
    pub async fn export_audit(&self, format: AuditFormat, query: &AuditQuery) -> Result<Vec<u8>> {
        self.admin_call(|api, access| async move { api.audit_export(&access, format, query).await })
            .await
    }

    /// Creates or replaces the macro `id` (supervisors); every console has it at its
    /// next pull.
    pub async fn put_macro(
        &self,
        id: &str,
        input: &desk_core::admin::MacroInput,
    ) -> Result<desk_core::ops::Macro> {
        self.admin_call(|api, access| async move { api.put_macro(&access, id, input).await })
            .await
    }

    /// Creates or replaces the knowledge-base article `id` (supervisors).
    pub async fn put_article(
        &self,
        id: &str,
        input: &desk_core::admin::ArticleInput,
    ) -> Result<desk_core::ops::KbArticle> {
        self.admin_call(|api, access| async move { api.put_article(&access, id, input).await })
            .await
    }

    /// Deletes the macro `id` (supervisors).
    pub async fn delete_macro(&self, id: &str) -> Result<()> {
        self.admin_call(|api, access| async move { api.delete_record(&access, "macros", id).await })
            .await
    }

    /// Deletes the knowledge-base article `id` (supervisors).
    pub async fn delete_article(&self, id: &str) -> Result<()> {
        self.admin_call(|api, access| async move { api.delete_record(&access, "kb", id).await })
            .await
    }

    /// Creates or replaces the group `id`, its names and description (admins); every
    /// console has it at its next pull.
    pub async fn put_group(
        &self,
        id: &str,
        input: &desk_core::groups::GroupInput,
    ) -> Result<desk_core::Group> {
        self.admin_call(|api, access| async move { api.put_group(&access, id, input).await })
            .await
    }

    /// Deletes the group `id` (admins); `conflict` while enabled agents work in it or open
    /// tickets are in it, the server's message saying how many.
    pub async fn delete_group(&self, id: &str) -> Result<()> {
        self.admin_call(|api, access| async move { api.delete_record(&access, "groups", id).await })
            .await
    }

    /// `call` with the signed-in account's API and an access token; once more with a
    /// fresh token when the server refused the one it had (revoked, or expired between
    /// our check and the server's).
    async fn admin_call<T, F, Fut>(&self, call: F) -> Result<T>
    where
        F: Fn(Api, Secret) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut retried_auth = false;
        loop {
            let (api, access) = self.api_and_access().await?;
            match call(api, access).await {
                Err(e) if is_unauthorized(&e) && !retried_auth => {
                    retried_auth = true;
                    self.forget_access();
                }
                answer => return answer,
            }
        }
    }
}
