//! The HTTP calls to desk-server. Every call has a time limit: a console must fall back to
//! its cache quickly when the network hangs, not sit on a dead socket.

use std::sync::OnceLock;
use std::time::Duration;

use desk_core::admin::{
    AgentAccount, AgentUpdate, AuditCheck, AuditPage, AuditQuery, Invitation, NewAgentRequest,
    NewAgentResponse,
};
use desk_core::wire::{
    API_PREFIX, AcceptInvitationRequest, LoginRequest, PresenceRequest, PullResponse, PushRequest,
    PushResponse, RefreshRequest, TicketConversation, TicketPresence, TokenResponse,
};
use desk_core::{Agent, ApiError, Attachment, ErrorCode};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;

use crate::credentials::Secret;
use crate::{Error, Result};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// A file's upload or download: up to 25 MiB, which a slow uplink takes minutes over.
const FILE_TIMEOUT: Duration = Duration::from_secs(600);

/// The server sends a keep-alive every 15 s on the event stream: silence this long means
/// the connection is dead (a laptop that slept, a proxy that dropped it).
const STREAM_READ_TIMEOUT: Duration = Duration::from_secs(45);

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    /// For the event stream: no total time limit, a read time limit instead.
    stream: reqwest::Client,
    base: String,
}

/// Checks and normalizes a server URL typed by an agent.
pub fn normalize_server_url(url: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::BadInput(format!("server address {url:?} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(Error::BadInput(format!(
            "server address {url:?} must start with http:// or https://"
        )));
    }
    Ok(url.to_owned())
}

impl Api {
    pub fn new(base: &str) -> Result<Self> {
        let (http, stream) = clients()?;
        Ok(Self {
            http,
            stream,
            base: normalize_server_url(base)?,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn request(&self, method: Method, path: &str) -> (String, RequestBuilder) {
        let url = format!("{}{}{}", self.base, API_PREFIX, path);
        (url.clone(), self.http.request(method, url))
    }

    async fn send<T: DeserializeOwned>(&self, url: String, req: RequestBuilder) -> Result<T> {
        let resp = req.send().await.map_err(offline(&url))?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(offline(&url))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| Error::Protocol {
                url,
                detail: format!("bad json: {e}"),
            });
        }
        Err(refused(url, status, &bytes, "request"))
    }

    /// A request whose success carries no body; a failure is the server's `{code,
    /// message}`, or a protocol error naming `what`.
    async fn send_no_body(&self, url: String, req: RequestBuilder, what: &str) -> Result<()> {
        let resp = req.send().await.map_err(offline(&url))?;
        if resp.status().is_success() {
            return Ok(());
        }
        Err(failure(url, resp, what).await)
    }

    pub async fn login(&self, body: &LoginRequest) -> Result<TokenResponse> {
        let (url, req) = self.request(Method::POST, "/auth/login");
        self.send(url, req.json(body)).await
    }

    /// Accepts an invitation: the password is set and this device signed in, as by a login.
    pub async fn accept_invitation(&self, body: &AcceptInvitationRequest) -> Result<TokenResponse> {
        let (url, req) = self.request(Method::POST, "/auth/invitation");
        self.send(url, req.json(body)).await
    }

    pub async fn refresh(&self, refresh_token: &Secret) -> Result<TokenResponse> {
        let (url, req) = self.request(Method::POST, "/auth/refresh");
        let body = RefreshRequest {
            refresh_token: refresh_token.expose().to_owned().into(),
        };
        self.send(url, req.json(&body)).await
    }

    pub async fn logout(&self, access: &Secret) -> Result<()> {
        let (url, req) = self.request(Method::POST, "/auth/logout");
        let resp = req
            .bearer_auth(access.expose())
            .send()
            .await
            .map_err(offline(&url))?;
        match resp.status() {
            s if s.is_success() => Ok(()),
            // Already signed out on the server: the goal is reached.
            StatusCode::UNAUTHORIZED => Ok(()),
            s => Err(Error::Protocol {
                url,
                detail: format!("logout answered http {s}"),
            }),
        }
    }

    pub async fn me(&self, access: &Secret) -> Result<Agent> {
        let (url, req) = self.request(Method::GET, "/me");
        self.send(url, req.bearer_auth(access.expose())).await
    }

    pub async fn pull(
        &self,
        access: &Secret,
        cursor: Option<&str>,
        limit: u32,
        count: bool,
        closed_before: Option<i64>,
    ) -> Result<PullResponse> {
        let (url, req) = self.request(Method::GET, "/sync/pull");
        let mut query: Vec<(&str, String)> = vec![("limit", limit.to_string())];
        if count {
            query.push(("count", "true".into()));
        }
        if let Some(t) = closed_before {
            query.push(("closed_before", t.to_string()));
        }
        if let Some(c) = cursor {
            query.push(("cursor", c.to_owned()));
        }
        self.send(url, req.bearer_auth(access.expose()).query(&query))
            .await
    }

    /// A ticket's whole conversation (for one whose messages the cache evicted).
    pub async fn ticket_messages(
        &self,
        access: &Secret,
        ticket_id: &str,
    ) -> Result<TicketConversation> {
        let path = format!("/tickets/{}/messages", id_segment("ticket", ticket_id)?);
        let (url, req) = self.request(Method::GET, &path);
        self.send(url, req.bearer_auth(access.expose())).await
    }

    /// Announces that this device is on a ticket; answers who is on it now.
    pub async fn announce_presence(
        &self,
        access: &Secret,
        body: &PresenceRequest,
    ) -> Result<TicketPresence> {
        let (url, req) = self.request(Method::PUT, "/presence");
        self.send(url, req.bearer_auth(access.expose()).json(body))
            .await
    }

    /// This device left the ticket it announced.
    pub async fn leave_presence(&self, access: &Secret) -> Result<()> {
        let (url, req) = self.request(Method::DELETE, "/presence");
        self.send_no_body(url, req.bearer_auth(access.expose()), "leaving presence")
            .await
    }

    /// Who is on a ticket now.
    pub async fn ticket_presence(
        &self,
        access: &Secret,
        ticket_id: &str,
    ) -> Result<TicketPresence> {
        let path = format!("/tickets/{}/presence", id_segment("ticket", ticket_id)?);
        let (url, req) = self.request(Method::GET, &path);
        self.send(url, req.bearer_auth(access.expose())).await
    }

    /// Opens the server's event stream (Server-Sent Events: `event: poke` lines, no
    /// payload). The caller reads it chunk by chunk until it ends.
    pub async fn events(&self, access: &Secret) -> Result<reqwest::Response> {
        let url = format!("{}{}/events", self.base, API_PREFIX);
        let resp = self
            .stream
            .get(&url)
            .bearer_auth(access.expose())
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .send()
            .await
            .map_err(offline(&url))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        Err(failure(url, resp, "event stream").await)
    }

    /// Uploads a file a reply carries; the server answers it as it describes it.
    pub async fn upload_attachment(
        &self,
        access: &Secret,
        name: &str,
        bytes: Vec<u8>,
    ) -> Result<Attachment> {
        let (url, req) = self.request(Method::POST, "/attachments");
        let req = req
            .bearer_auth(access.expose())
            .query(&[("name", name)])
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .timeout(FILE_TIMEOUT)
            .body(bytes);
        self.send(url, req).await
    }

    /// A file's bytes, by its address; at most `max_bytes` of them (a server sending more
    /// is not sending the file).
    pub async fn attachment(
        &self,
        access: &Secret,
        sha256: &str,
        max_bytes: u64,
    ) -> Result<Vec<u8>> {
        if !desk_core::attachment::is_address(sha256) {
            return Err(Error::BadInput(format!(
                "{sha256:?} is not a file address (64 hex digits)"
            )));
        }
        let (url, req) = self.request(Method::GET, &format!("/attachments/{sha256}"));
        let mut resp = req
            .bearer_auth(access.expose())
            .timeout(FILE_TIMEOUT)
            .send()
            .await
            .map_err(offline(&url))?;
        if !resp.status().is_success() {
            return Err(failure(url, resp, "file download").await);
        }
        let too_big = |url: String| Error::Protocol {
            url,
            detail: format!("the file is larger than the {max_bytes} bytes a file may have"),
        };
        if resp.content_length().is_some_and(|n| n > max_bytes) {
            return Err(too_big(url));
        }
        let mut bytes = Vec::with_capacity(resp.content_length().unwrap_or(0) as usize);
        while let Some(chunk) = resp.chunk().await.map_err(offline(&url))? {
            if (bytes.len() + chunk.len()) as u64 > max_bytes {
                return Err(too_big(url));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// Pushes a batch of one agent's queued mutations; the server answers each.
    pub async fn push(&self, access: &Secret, body: &PushRequest) -> Result<PushResponse> {
        let (url, req) = self.request(Method::POST, "/push");
        self.send(url, req.bearer_auth(access.expose()).json(body))
            .await
    }

    /// Every agent's account, disabled ones too (admins only).
    pub async fn agents(&self, access: &Secret) -> Result<Vec<AgentAccount>> {
        let (url, req) = self.request(Method::GET, "/agents");
        self.send(url, req.bearer_auth(access.expose())).await
    }

    /// Adds an agent with a first password, or with an invitation (admins only).
    pub async fn create_agent(
        &self,
        access: &Secret,
        body: &NewAgentRequest,
    ) -> Result<NewAgentResponse> {
        let (url, req) = self.request(Method::POST, "/agents");
        self.send(url, req.bearer_auth(access.expose()).json(body))
            .await
    }

    /// A new invitation for an agent who has not accepted theirs; the previous code stops
    /// working (admins only).
    pub async fn reissue_invitation(&self, access: &Secret, agent_id: &str) -> Result<Invitation> {
        let path = format!("/agents/{}/invitation", id_segment("agent", agent_id)?);
        let (url, req) = self.request(Method::POST, &path);
        self.send(url, req.bearer_auth(access.expose())).await
    }

    /// Changes an agent by id; the answer is the account as it is now (admins only).
    pub async fn update_agent(
        &self,
        access: &Secret,
        agent_id: &str,
        body: &AgentUpdate,
    ) -> Result<AgentAccount> {
        let path = format!("/agents/{}", id_segment("agent", agent_id)?);
        let (url, req) = self.request(Method::PATCH, &path);
        self.send(url, req.bearer_auth(access.expose()).json(body))
            .await
    }

    /// Creates or replaces a macro (supervisors); the answer is the macro as stored.
    pub async fn put_macro(
        &self,
        access: &Secret,
        id: &str,
        body: &desk_core::admin::MacroInput,
    ) -> Result<desk_core::ops::Macro> {
        let (url, req) = self.request(Method::PUT, &record_path("macros", id)?);
        self.send(url, req.bearer_auth(access.expose()).json(body))
            .await
    }

    /// Creates or replaces a knowledge-base article (supervisors).
    pub async fn put_article(
        &self,
        access: &Secret,
        id: &str,
        body: &desk_core::admin::ArticleInput,
    ) -> Result<desk_core::ops::KbArticle> {
        let (url, req) = self.request(Method::PUT, &record_path("kb", id)?);
        self.send(url, req.bearer_auth(access.expose()).json(body))
            .await
    }

    /// Creates or replaces a group (admins); the answer is the group as stored.
    pub async fn put_group(
        &self,
        access: &Secret,
        id: &str,
        body: &desk_core::groups::GroupInput,
    ) -> Result<desk_core::Group> {
        let (url, req) = self.request(Method::PUT, &record_path("groups", id)?);
        self.send(url, req.bearer_auth(access.expose()).json(body))
            .await
    }

    /// Deletes a macro (`collection` `macros`), an article (`kb`) (supervisors) or a group
    /// (`groups`, admins).
    pub async fn delete_record(&self, access: &Secret, collection: &str, id: &str) -> Result<()> {
        let (url, req) = self.request(Method::DELETE, &record_path(collection, id)?);
        self.send_no_body(url, req.bearer_auth(access.expose()), "delete")
            .await
    }

    /// A page of the audit log, newest first (supervisors and admins).
    pub async fn audit(&self, access: &Secret, query: &AuditQuery) -> Result<AuditPage> {
        let (url, req) = self.request(Method::GET, "/audit");
        self.send(
            url,
            req.bearer_auth(access.expose()).query(&audit_params(query)),
        )
        .await
    }

    /// Walks the audit log's whole hash chain (supervisors and admins).
    pub async fn audit_verify(&self, access: &Secret) -> Result<AuditCheck> {
        let (url, req) = self.request(Method::GET, "/audit/verify");
        self.send(url, req.bearer_auth(access.expose())).await
    }

    /// The rows `query` selects as one file, as the server wrote it (supervisors and
    /// admins). Given a file's time limit: the server writes up to 100,000 rows before
    /// the first byte.
    pub async fn audit_export(
        &self,
        access: &Secret,
        format: AuditFormat,
        query: &AuditQuery,
    ) -> Result<Vec<u8>> {
        let (url, req) = self.request(Method::GET, "/audit/export");
        let mut params = vec![("format", format.as_str().to_owned())];
        params.extend(audit_params(query));
        let resp = req
            .bearer_auth(access.expose())
            .query(&params)
            .timeout(FILE_TIMEOUT)
            .send()
            .await
            .map_err(offline(&url))?;
        if !resp.status().is_success() {
            return Err(failure(url, resp, "audit export").await);
        }
        let bytes = resp.bytes().await.map_err(offline(&url))?;
        Ok(bytes.to_vec())
    }
}

/// The file format of an audit export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditFormat {
    /// For a spreadsheet; the server defuses formulas.
    Csv,
    /// One JSON object (an `AuditRecord`) per line, for tools.
    Jsonl,
}

impl AuditFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditFormat::Csv => "csv",
            AuditFormat::Jsonl => "jsonl",
        }
    }
}

/// An audit query as query-string pairs: only the fields given, since the server refuses
/// an empty number. Destructured, so a filter added to `AuditQuery` cannot be left out
/// here unnoticed.
fn audit_params(query: &AuditQuery) -> Vec<(&'static str, String)> {
    let AuditQuery {
        actor,
        subject,
        action,
        since,
        until,
        before,
        limit,
    } = query;
    let mut params = Vec::new();
    for (name, text) in [("actor", actor), ("subject", subject), ("action", action)] {
        if let Some(text) = text {
            params.push((name, text.clone()));
        }
    }
    for (name, number) in [("since", since), ("until", until), ("before", before)] {
        if let Some(number) = number {
            params.push((name, number.to_string()));
        }
    }
    if let Some(limit) = limit {
        params.push(("limit", limit.to_string()));
    }
    params
}

/// The error of a failed response whose success carries no JSON: see [`refused`].
async fn failure(url: String, resp: reqwest::Response, what: &str) -> Error {
    let status = resp.status();
    let bytes = resp.bytes().await.unwrap_or_default();
    refused(url, status, &bytes, what)
}

/// The error of a failed response (`what`, for the message): the server's `{code,
/// message}` when its body is one. Without one, another server answered (a proxy, a load
/// balancer, a captive portal). A gateway's 502, 503 or 504 says the server behind it is
/// down or restarting, which is `unavailable` as surely as the server's own answer: of the
/// moment, so queued work waits for the next sync instead of being refused for it
/// ([`Error::refuses_pushed_actions`]). A bare 429 is a proxy's rate limit, alike. Any
/// other bare answer is a protocol error: say so rather than guess.
fn refused(url: String, status: StatusCode, body: &[u8], what: &str) -> Error {
    if let Ok(api) = serde_json::from_slice::<ApiError>(body) {
        return Error::Server(api);
    }
    let code = match status {
        StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => {
            ErrorCode::Unavailable
        }
        StatusCode::TOO_MANY_REQUESTS => ErrorCode::RateLimited,
        _ => {
            return Error::Protocol {
                url,
                detail: format!("{what}: http {status} without an error body"),
            };
        }
    };
    Error::Server(ApiError::new(
        code,
        format!(
            "{what}: http {status} from {url} without a Desk answer, as a proxy gives when the \
             server behind it is away; try again shortly"
        ),
    ))
}

/// Maps a transport failure (refused, reset, timed out) to "the server is unreachable".
/// Names a PEM bundle of CAs trusted besides the built-in and the system's ones.
pub const CA_FILE_ENV: &str = "DESK_CA_FILE";

/// The process's two HTTP clients (calls with a total time limit; the event stream with a
/// read limit), built once: they share connection pools, and loading the system's trust
/// store is not free. They trust Mozilla's roots, the OS trust store (where an
/// organisation installs its private CA: Keychain, the Windows store, `/etc/ssl/certs`,
/// or `SSL_CERT_FILE`) and the PEM bundle named by `DESK_CA_FILE`.
fn clients() -> Result<(reqwest::Client, reqwest::Client)> {
    static CLIENTS: OnceLock<Result<(reqwest::Client, reqwest::Client), String>> = OnceLock::new();
    CLIENTS
        .get_or_init(|| {
            let extra = match std::env::var_os(CA_FILE_ENV) {
                Some(path) => {
                    let path = std::path::PathBuf::from(path);
                    let pem = std::fs::read(&path).map_err(|e| {
                        format!("{CA_FILE_ENV}={}: cannot read it: {e}", path.display())
                    })?;
                    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                        format!("{CA_FILE_ENV}={}: not a PEM bundle: {e}", path.display())
                    })?;
                    if certs.is_empty() {
                        return Err(format!(
                            "{CA_FILE_ENV}={}: holds no certificate",
                            path.display()
                        ));
                    }
                    certs
                }
                None => Vec::new(),
            };
            let build = |limit: fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder| {
                let mut builder = reqwest::Client::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .user_agent(concat!("desk/", env!("CARGO_PKG_VERSION")));
                for cert in &extra {
                    builder = builder.add_root_certificate(cert.clone());
                }
                limit(builder)
                    .build()
                    .map_err(|e| format!("http client: {e}"))
            };
            Ok((
                build(|b| b.timeout(REQUEST_TIMEOUT))?,
                build(|b| b.read_timeout(STREAM_READ_TIMEOUT))?,
            ))
        })
        .clone()
        .map_err(Error::BadInput)
}

fn offline(url: &str) -> impl FnOnce(reqwest::Error) -> Error + '_ {
    move |source| match untrusted_certificate(&source) {
        Some(detail) => Error::Untrusted {
            url: url.to_owned(),
            detail,
        },
        None => Error::Offline {
            url: url.to_owned(),
            source,
        },
    }
}

/// What rustls said, when a request failed because the server's certificate was refused.
/// reqwest hides the TLS error inside its connect error's chain, as an `io::Error` whose
/// text is rustls's: "invalid peer certificate: …".
fn untrusted_certificate(error: &reqwest::Error) -> Option<String> {
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = source {
        let text = e.to_string();
        if let Some(at) = text.find("invalid peer certificate") {
            return Some(text[at..].to_owned());
        }
        source = e.source();
    }
    None
}

/// Whether a server error means the access token needs refreshing.
pub fn is_unauthorized(e: &Error) -> bool {
    matches!(e, Error::Server(api) if api.code == ErrorCode::Unauthorized)
}

/// `text` as one URL path segment: ids come from the server, but a `/` or `?` in one must
/// never address another route.
/// `/{collection}/{id}` for a macro, an article or a group, refusing ids that would
/// address another route (the server checks a group's stricter id itself).
fn record_path(collection: &str, id: &str) -> Result<String> {
    desk_core::admin::check_record_id(id).map_err(Error::BadInput)?;
    Ok(format!("/{collection}/{}", id_segment("record", id)?))
}

/// A `what` id as one path segment. URL parsers resolve dot segments, even escaped: an
/// empty, `.` or `..` id is nobody's, and would address another route.
fn id_segment(what: &str, id: &str) -> Result<String> {
    if matches!(id, "" | "." | "..") {
        return Err(Error::BadInput(format!("invalid {what} id {id:?}")));
    }
    Ok(path_segment(id))
}

pub(crate) fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod refused_tests {
    use desk_core::ErrorCode;
    use reqwest::StatusCode;

    use crate::Error;

    fn code(status: StatusCode, body: &[u8]) -> Option<ErrorCode> {
        match super::refused("http://desk.test/api/v1/push".into(), status, body, "push") {
            Error::Server(api) => Some(api.code),
            _ => None,
        }
    }

    #[test]
    fn a_gateways_bare_answer_is_of_the_moment_and_a_desk_body_is_the_servers_word() {
        for status in [
            StatusCode::BAD_GATEWAY,
            StatusCode::SERVICE_UNAVAILABLE,
            StatusCode::GATEWAY_TIMEOUT,
        ] {
            assert_eq!(
                code(status, b"<html>bad gateway</html>"),
                Some(ErrorCode::Unavailable),
                "{status} without a Desk body: the server behind the proxy is away for now"
            );
        }
        assert_eq!(
            code(StatusCode::TOO_MANY_REQUESTS, b""),
            Some(ErrorCode::RateLimited),
            "a proxy's bare 429 is a rate limit"
        );
        assert_eq!(
            code(StatusCode::INTERNAL_SERVER_ERROR, b""),
            None,
            "any other bare answer is not the wire format: a protocol error"
        );
        assert_eq!(
            code(
                StatusCode::SERVICE_UNAVAILABLE,
                br#"{"code":"internal","message":"internal server error"}"#
            ),
            Some(ErrorCode::Internal),
            "a Desk body is the server's own word, whatever the status"
        );
    }
}

#[cfg(test)]
mod audit_params_tests {
    use desk_core::admin::AuditQuery;

    #[test]
    fn only_the_filters_given_reach_the_query_string() {
        assert!(
            super::audit_params(&AuditQuery::default()).is_empty(),
            "no filter, no pair: the server refuses an empty number"
        );
        let query = AuditQuery {
            actor: Some("agent:0193".into()),
            action: Some("agent.".into()),
            since: Some(1_700_000_000_000),
            limit: Some(50),
            ..Default::default()
        };
        assert_eq!(
            super::audit_params(&query),
            [
                ("actor", "agent:0193".to_owned()),
                ("action", "agent.".to_owned()),
                ("since", "1700000000000".to_owned()),
                ("limit", "50".to_owned()),
            ]
        );
    }
}

#[cfg(test)]
mod path_tests {
    #[test]
    fn a_path_segment_cannot_escape_its_route() {
        assert_eq!(super::path_segment("0193-ab_c.d~"), "0193-ab_c.d~");
        assert_eq!(
            super::path_segment("../me?x=1#y 工单"),
            "..%2Fme%3Fx%3D1%23y%20%E5%B7%A5%E5%8D%95",
            "separators and non-ASCII are escaped"
        );
    }
}
