//! Accepting an invitation (DESIGN.md §3): an agent an admin added without a password
//! chooses one with the code they were handed, and is signed in at once; the server
//! answers as a sign-in does, so what follows is [`Client::sign_in`]'s keeping of the
//! session: the refresh token to the keyring, the access token in memory, the cache
//! cleared first when it was another account's.

use std::time::{Duration, Instant};

use desk_core::wire::{AcceptInvitationRequest, TokenResponse};

use super::{ACCOUNT_KEY, Access, Account, lock, read_account};
use crate::api::{Api, normalize_server_url};
use crate::credentials::{self, Secret};
use crate::{Client, Error, Result};

impl Client {
    /// Sets the password `password` with the invitation `code` of `email` on the server at
    /// `server_url`, and signs in. A wrong, expired or used code is the server's
    /// `invalid_invitation`, which never says whether the email has an account.
    pub async fn accept_invitation(
        &self,
        server_url: &str,
        email: &str,
        code: &str,
        password: &str,
    ) -> Result<Account> {
        let (email, code) = (email.trim(), code.trim());
        if email.is_empty() || code.is_empty() || password.is_empty() {
            return Err(Error::BadInput(
                "email, invitation code and password are required".into(),
            ));
        }
        let server_url = normalize_server_url(server_url)?;
        let api = Api::new(&server_url)?;
        let request = AcceptInvitationRequest {
            email: email.to_owned(),
            code: code.into(),
            password: password.into(),
            device_name: self.device_name.clone(),
        };
        let tokens = match api.accept_invitation(&request).await {
            Ok(t) => t,
            Err(e) => {
                self.note_result(&Err::<(), _>(&e));
                return Err(e);
            }
        };
        self.keep_session(&api, server_url, tokens).await
    }

    /// What a sign-in (a password's or an invitation's) keeps of the server's token answer.
    pub(super) async fn keep_session(
        &self,
        api: &Api,
        server_url: String,
        tokens: TokenResponse,
    ) -> Result<Account> {
        let refresh = Secret::new(tokens.refresh_token.into_inner());
        let access = Secret::new(tokens.access_token.into_inner());
        if let Err(e) = credentials::store_refresh_token(&self.profile, &refresh) {
            // Without the keyring the session cannot survive a restart; do not leave a
            // live device behind on the server. The password is chosen all the same: the
            // agent signs in with it once the keyring works.
            let _ = api.logout(&access).await;
            return Err(e);
        }
        let account = Account {
            server_url,
            agent: tokens.agent,
            device_id: tokens.device_id,
        };
        {
            let mut store = lock(&self.store);
            let same_owner = read_account(&store)?.is_some_and(|old| {
                old.server_url == account.server_url && old.agent.id == account.agent.id
            });
            if !same_owner {
                store.clear()?;
            }
            store.set_meta(
                ACCOUNT_KEY,
                Some(&serde_json::to_string(&account).expect("account serializes")),
            )?;
        }
        *lock(&self.access) = Some(Access {
            token: access,
            expires: Instant::now() + Duration::from_secs(tokens.access_expires_in),
        });
        *lock(&self.cache_reset) = None;
        self.note_result(&Ok::<(), &Error>(()));
        Ok(account)
    }
}
