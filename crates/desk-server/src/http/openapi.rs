//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`.
//!
//! Written by hand rather than derived: the wire types live in `desk-core`, which must not
//! depend on an OpenAPI crate (the desktop client shares them), and the orphan rule keeps
//! this crate from deriving schemas for them. What keeps it honest instead: enum values are
//! taken from the Rust enums here, and the tests check that every router path is documented
//! and exists, and validate real responses (a seeded demo pull, logins, errors) against
//! these schemas with `additionalProperties: false`, so a field added to a wire type fails
//! them until it is documented.

use std::sync::OnceLock;

use desk_core::domain::{
    AuthorKind, Category, Channel, CustomerTier, MessageKind, Priority, Role, TicketStatus,
    TxDirection, TxStatus,
};
use desk_core::ops::IncidentStatus;
use desk_core::wire::{API_PREFIX, SCHEMA_VERSION};
use serde_json::{Map, Value, json};

/// Every error code this server answers with. `unavailable` comes from `/readyz` only.
pub const ERROR_CODES: &[&str] = &[
    "bad_request",
    "invalid_credentials",
    "invalid_invitation",
    "unauthorized",
    "session_expired",
    "device_revoked",
    "forbidden",
    "account_disabled",
    "not_found",
    "conflict",
    "rate_limited",
    "blocked",
    "payload_too_large",
    "rebootstrap_required",
    "internal",
    "unavailable",
];

/// The document, built once.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

fn build() -> Value {
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "Desk server API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "The API Desk consoles sync with (wire schema version {SCHEMA_VERSION}). Every \
                 error is JSON `{{code, message}}`: branch on `code`, never on `message`. \
                 Prometheus metrics are not part of this API: they are served on the \
                 separate `metrics_listen` address."
            ),
            "license": { "name": "Apache-2.0", "identifier": "Apache-2.0" }
        },
        "paths": paths(),
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An access token from login or refresh (short-lived)."
                },
                "ingestSignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Desk-Signature",
                    "description": "`v1=<hex HMAC-SHA256 of \"timestamp.nonce.body\">` with one of the \
                        server's ingestion secrets, beside `X-Desk-Timestamp` (seconds since the epoch, \
                        within the server's window) and `X-Desk-Nonce` (fresh per request)."
                }
            },
            "responses": responses(),
            "schemas": schemas(),
        }
    })
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn json_body(schema: &str) -> Value {
    json!({ "content": { "application/json": { "schema": schema_ref(schema) } } })
}

fn error_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

/// Who an operation lets in, stated in the document as `x-desk-role`: the tests drive
/// the authorization matrix from it (every route × role × token state).
#[derive(Debug, Clone, Copy)]
enum Access {
    /// No access token (a token sent anyway changes nothing).
    Public,
    /// An HMAC signature (ingestion), never an access token.
    Signed,
    /// An access token of this role or a higher one.
    Role(Role),
}

const PUBLIC: Access = Access::Public;
const SIGNED: Access = Access::Signed;
const AGENT: Access = Access::Role(Role::Agent);
const SUPERVISOR: Access = Access::Role(Role::Supervisor);
const ADMIN: Access = Access::Role(Role::Admin);

impl Access {
    fn name(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Signed => "signed",
            Access::Role(role) => role.as_str(),
        }
    }
}

/// One operation. `errors` are `(status, description)` pairs answered with `Error`.
fn operation(
    id: &str,
    summary: &str,
    access: Access,
    ok: (&str, Value),
    errors: &[(&str, &str)],
) -> Value {
    let authed = matches!(access, Access::Role(_));
    let mut responses = Map::new();
    responses.insert(ok.0.to_owned(), ok.1);
    let mut errors: Vec<(&str, &str)> = errors.to_vec();
    if authed {
        errors.push((
            "401",
            "no, a malformed, an expired or a revoked access token",
        ));
        errors.push((
            "403",
            "the agent account is disabled, or its role is too low",
        ));
    }
    for (status, description) in errors {
        let mut response = responses_error(description);
        if status == "429" {
            response["headers"] = json!({
                "Retry-After": { "schema": { "type": "integer", "minimum": 0 },
                                 "description": "seconds to wait" }
            });
        }
        responses.insert(status.to_owned(), response);
    }
    // Wrong methods (405) and server failures (500) can happen anywhere.
    responses.insert("default".into(), error_ref("Error"));
    let mut op = json!({
        "operationId": id,
        "summary": summary,
        "responses": responses,
        "x-desk-role": access.name(),
    });
    if authed {
        op["security"] = json!([{ "bearer": [] }]);
    }
    op
}

fn responses_error(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": schema_ref("Error") } }
    })
}

fn paths() -> Value {
    let api = |path: &str| format!("{API_PREFIX}{path}");
    let ok = |description: &str, schema: &str| {
        let mut response = json_body(schema);
        response["description"] = json!(description);
        response
    };
    let mut paths = Map::new();
    paths.insert(
        "/healthz".into(),
        json!({ "get": operation("healthz", "Liveness: the process serves HTTP", PUBLIC,
            ("200", ok("alive", "Health")), &[]) }),
    );
    let mut readyz = operation(
        "readyz",
        "Readiness: the database answers and its schema is the one this build writes",
        PUBLIC,
        ("200", ok("ready to serve", "Ready")),
        &[],
    );
    readyz["responses"]["503"] = responses_error(
        "not ready (`unavailable`): the database is unreachable, its schema differs, or the \
         server is shutting down",
    );
    paths.insert("/readyz".into(), json!({ "get": readyz }));

    let mut upload = operation(
        "uploadAttachment",
        "Upload a file for a reply: stored once under its SHA-256, its type sniffed from its bytes",
        AGENT,
        ("200", ok("the file's address and what it is", "Attachment")),
        &[("400", "an empty file"), ("413", "a file over 25 MiB")],
    );
    upload["parameters"] = json!([{ "name": "name", "in": "query", "required": false,
        "description": "the file's name (paths and wallet secrets are taken out of it)",
        "schema": { "type": "string" } }]);
    upload["requestBody"] = json!({ "required": true, "content": {
        "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } });
    paths.insert(api("/attachments"), json!({ "post": upload }));
    let mut download = operation(
        "downloadAttachment",
        "A file a message of a ticket in the caller's scope carries, or that the caller uploaded; always as a download",
        AGENT,
        ("200", {
            let binary = json!({ "schema": { "type": "string", "format": "binary" } });
            let mut content = Map::new();
            // Raster images keep their type (the console previews them); everything
            // else is text or opaque bytes, never a page.
            for kind in [
                "image/png",
                "image/jpeg",
                "image/gif",
                "image/webp",
                "text/plain",
                "application/octet-stream",
            ] {
                content.insert(kind.to_owned(), binary.clone());
            }
            json!({ "description": "the file's bytes, as a download", "content": content })
        }),
        &[("404", "no such file, or none the caller may have")],
    );
    download["parameters"] = json!([{ "name": "sha256", "in": "path", "required": true,
        "schema": { "type": "string" } }]);
    paths.insert(api("/attachments/{sha256}"), json!({ "get": download }));

    // The public web form: pages, not JSON (its errors are pages too).
    let html = |description: &str| {
        json!({ "description": description,
                "content": { "text/html": { "schema": { "type": "string" } } } })
    };
    let lang = json!({ "name": "lang", "in": "query", "required": false,
                       "description": "`zh-CN` or `en`; else the browser's Accept-Language",
                       "schema": { "type": "string" } });
    paths.insert(
        "/form".into(),
        json!({
            "get": {
                "operationId": "webForm",
                "x-desk-role": "public",
                "summary": "The public web form a customer writes in with (no script, Chinese or English)",
                "parameters": [lang],
                "responses": { "200": html("the form"), "default": error_ref("Error") },
            },
            "post": {
                "operationId": "submitWebForm",
                "x-desk-role": "public",
                "summary": "Open a ticket from the web form; its page shows the ticket number",
                "requestBody": { "required": true, "content": {
                    "application/x-www-form-urlencoded": { "schema": {
                        "type": "object",
                        "properties": {
                            "name": { "type": "string" },
                            "email": { "type": "string" },
                            "subject": { "type": "string" },
                            "message": { "type": "string" },
                            "website": { "type": "string", "description": "left empty by people (a honeypot)" },
                            "lang": { "type": "string" },
                        },
                        "required": ["email", "message"],
                    } } } },
                "responses": {
                    "200": html("the ticket's number, and where the answer goes"),
                    "413": error_ref("Error"),
                    "422": html("the form again, saying which fields to correct"),
                    "429": html("too many submissions: try again after Retry-After seconds"),
                    "503": html("the desk cannot take it just now"),
                    "default": error_ref("Error"),
                },
            },
        }),
    );

    let help_page = |summary: &str, id: &str, not_found: bool| {
        let mut responses = json!({
            "200": html("the page"),
            "503": html("the articles cannot be read just now"),
            "default": error_ref("Error"),
        });
        if not_found {
            responses["404"] = html("no published article with this id");
        }
        json!({ "get": {
            "operationId": id,
            "summary": summary,
            "x-desk-role": "public",
            "parameters": [lang.clone(),
                { "name": "q", "in": "query", "required": false,
                  "description": "words to find, every one required (a one-character Chinese query works)",
                  "schema": { "type": "string" } }],
            "responses": responses,
        } })
    };
    paths.insert(
        "/help".into(),
        help_page(
            "The public help center: published articles, searched (no script, Chinese or English)",
            "helpCenter",
            false,
        ),
    );
    let mut one = help_page(
        "One published article, rendered from its Markdown through the allowlist",
        "helpArticle",
        true,
    );
    one["get"]["parameters"].as_array_mut().unwrap().push(
        json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }),
    );
    paths.insert("/help/{id}".into(), one);
    paths.insert(
        "/form/suggest.js".into(),
        json!({ "get": {
            "operationId": "webFormScript",
            "x-desk-role": "public",
            "summary": "The web form's one script: lists the help articles that may answer what is being typed",
            "responses": {
                "200": { "description": "the script",
                         "content": { "text/javascript": { "schema": { "type": "string" } } } },
                "default": error_ref("Error"),
            },
        } }),
    );
    let text_param = |name: &str, description: &str| {
        json!({ "name": name, "in": "query", "required": false, "description": description,
                "schema": { "type": "string" } })
    };
    paths.insert(
        "/form/suggestions".into(),
        json!({ "get": {
            "operationId": "webFormSuggestions",
            "x-desk-role": "public",
            "summary": "Published articles the words a customer is typing point to, best first (at most 5; none for words every article has)",
            "parameters": [lang.clone(),
                text_param("subject", "the subject typed so far (first 100 characters read)"),
                text_param("message", "the question typed so far (first 1,000 characters read)")],
            "responses": {
                "200": { "description": "the articles; empty while none match or the articles cannot be read",
                         "content": { "application/json": { "schema": {
                             "type": "object", "required": ["articles"],
                             "properties": { "articles": { "type": "array", "items": {
                                 "type": "object",
                                 "required": ["id", "language", "title", "summary", "url"],
                                 "properties": {
                                     "id": { "type": "string" },
                                     "language": { "type": "string" },
                                     "title": { "type": "string" },
                                     "summary": { "type": "string" },
                                     "url": { "type": "string", "description": "this server's path of the article's page" },
                                 } } } } } } } },
                "default": error_ref("Error"),
            },
        } }),
    );

    let mut login = operation(
        "login",
        "Sign in a device with email and password",
        PUBLIC,
        (
            "200",
            ok("a new device with its token pair", "TokenResponse"),
        ),
        &[
            ("400", "malformed body"),
            ("401", "`invalid_credentials`"),
            ("403", "`account_disabled`"),
            ("413", "body too large"),
            (
                "429",
                "`rate_limited`: too many failed logins for this email",
            ),
        ],
    );
    login["requestBody"] = json_body("LoginRequest");
    login["requestBody"]["required"] = json!(true);
    paths.insert(api("/auth/login"), json!({ "post": login }));

    let mut accept = operation(
        "acceptInvitation",
        "An invited agent chooses a password with the code an admin handed over, and is signed in as by a login (the code is used up)",
        PUBLIC,
        (
            "200",
            ok("a new device with its token pair", "TokenResponse"),
        ),
        &[
            ("400", "malformed body, or a password under 8 characters"),
            (
                "401",
                "`invalid_invitation`: the code is wrong, expired or used, or not this email's (which of these is never said)",
            ),
            ("403", "`account_disabled`"),
            ("413", "body too large"),
            (
                "429",
                "`rate_limited`: too many failed sign-ins or invitations for this email",
            ),
        ],
    );
    accept["requestBody"] = json_body("AcceptInvitationRequest");
    accept["requestBody"]["required"] = json!(true);
    paths.insert(api("/auth/invitation"), json!({ "post": accept }));

    let mut refresh = operation(
        "refresh",
        "Swap a refresh token for a new pair (the presented one is retired; reusing it revokes the device)",
        PUBLIC,
        ("200", ok("the new token pair", "TokenResponse")),
        &[
            ("400", "malformed body"),
            (
                "401",
                "`session_expired`: unknown, expired or reused token; `device_revoked`: the token of a device revoked since (its client deletes its cache)",
            ),
            ("403", "`account_disabled`"),
            ("413", "body too large"),
        ],
    );
    refresh["requestBody"] = json_body("RefreshRequest");
    refresh["requestBody"]["required"] = json!(true);
    paths.insert(api("/auth/refresh"), json!({ "post": refresh }));

    paths.insert(
        api("/auth/logout"),
        json!({ "post": operation("logout", "Sign out this device: its tokens stop working", AGENT,
            ("204", json!({ "description": "signed out" })), &[]) }),
    );
    paths.insert(
        api("/me"),
        json!({ "get": operation("me", "The signed-in agent", AGENT,
            ("200", ok("the agent", "Agent")), &[]) }),
    );

    let mut pull = operation(
        "pull",
        "Changes after a cursor, with this device's mutation answers, in one snapshot",
        AGENT,
        ("200", ok("one page of the change feed", "PullResponse")),
        &[
            ("400", "malformed cursor or limit"),
            (
                "410",
                "`rebootstrap_required`: the cursor is older than the server keeps",
            ),
        ],
    );
    pull["parameters"] = json!([
        { "name": "cursor", "in": "query", "required": false,
          "description": "Opaque; from the previous answer's `next_cursor`. Absent or empty: from zero (bootstrap).",
          "schema": { "type": "string" } },
        { "name": "limit", "in": "query", "required": false,
          "description": "Page size; the server's default when absent, capped at its maximum.",
          "schema": { "type": "integer", "minimum": 0, "maximum": u32::MAX } },
        { "name": "count", "in": "query", "required": false,
          "description": "`true`: also answer `remaining`, the changes after this page (a bootstrap's progress).",
          "schema": { "type": "boolean" } },
        { "name": "closed_before", "in": "query", "required": false,
          "description": "A bootstrap's scope, ms since the epoch: solved and closed tickets idle since before it come with their latest message only; the others are named in `trimmed`.",
          "schema": { "type": "integer", "format": "int64" } }
    ]);
    paths.insert(api("/sync/pull"), json!({ "get": pull }));

    let mut push = operation(
        "push",
        "Apply a batch of this device's queued mutations, each exactly once, in order",
        AGENT,
        (
            "200",
            ok("one answer per mutation, in request order", "PushResponse"),
        ),
        &[
            (
                "400",
                "malformed body, unknown schema version, or a batch too large",
            ),
            ("413", "body too large"),
        ],
    );
    push["requestBody"] = json_body("PushRequest");
    push["requestBody"]["required"] = json!(true);
    paths.insert(api("/push"), json!({ "post": push }));

    let mut conversation = operation(
        "ticket_messages",
        "A ticket's whole conversation, oldest first, for a console that evicted it from its cache",
        AGENT,
        ("200", ok("the conversation", "TicketConversation")),
        &[("404", "no such ticket")],
    );
    conversation["parameters"] = json!([
        { "name": "id", "in": "path", "required": true,
          "description": "The ticket's id.", "schema": { "type": "string" } }
    ]);
    paths.insert(
        api("/tickets/{id}/messages"),
        json!({ "get": conversation }),
    );

    let mut announce = operation(
        "announce_presence",
        "This device's agent is viewing or replying to a ticket, until the presence TTL passes without another announcement; answers who is on it",
        AGENT,
        (
            "200",
            ok(
                "everyone on the ticket now, the caller included",
                "TicketPresence",
            ),
        ),
        &[
            ("400", "malformed body or ticket id"),
            ("404", "no such ticket"),
            ("413", "body too large"),
        ],
    );
    announce["requestBody"] = json_body("PresenceRequest");
    announce["requestBody"]["required"] = json!(true);
    paths.insert(
        api("/presence"),
        json!({
            "put": announce,
            "delete": operation("leave_presence", "This device left the ticket it was on", AGENT,
                ("204", json!({ "description": "left" })), &[]),
        }),
    );
    let mut on_ticket = operation(
        "ticket_presence",
        "Who is viewing or replying to a ticket now (empty for an unknown one, or one outside the caller's groups)",
        AGENT,
        ("200", ok("the agents on the ticket", "TicketPresence")),
        &[],
    );
    on_ticket["parameters"] = json!([
        { "name": "id", "in": "path", "required": true,
          "description": "The ticket's id.", "schema": { "type": "string" } }
    ]);
    paths.insert(api("/tickets/{id}/presence"), json!({ "get": on_ticket }));

    paths.insert(
        api("/events"),
        json!({ "get": operation("events",
            "Server-sent events: a `poke` (no data) whenever the feed moved; pull then. Lasts at most one access-token lifetime.",
            AGENT,
            ("200", json!({
                "description": "an event stream; the first poke is sent at once",
                "content": { "text/event-stream": { "schema": { "type": "string" } } }
            })), &[]) }),
    );
    for (path, id, summary, request, answer) in [
        (
            "/ingest/events",
            "ingestEvents",
            "Platform events: customers, wallet transactions and their confirmation changes",
            "IngestEventsRequest",
            "IngestEventsResponse",
        ),
        (
            "/ingest/messages",
            "ingestMessage",
            "One inbound customer message from a channel bridge, opening or threading a ticket",
            "InboundMessage",
            "InboundMessageResponse",
        ),
    ] {
        let mut op = operation(
            id,
            summary,
            SIGNED,
            ("200", ok("stored (or recognised as a re-delivery)", answer)),
            &[
                ("400", "malformed or invalid body"),
                (
                    "401",
                    "missing or wrong signature, stale timestamp, replayed nonce, or ingestion not configured",
                ),
                ("413", "body too large"),
                (
                    "429",
                    "`rate_limited`: the sender, the conversation or the customer sent more than its \
                     allowance per minute; nothing was stored and the nonce was not used, so the \
                     same request may be sent again after `Retry-After`",
                ),
            ],
        );
        op["security"] = json!([{ "ingestSignature": [] }]);
        op["parameters"] = json!([
            { "name": "X-Desk-Timestamp", "in": "header", "required": true,
              "schema": { "type": "string" }, "description": "seconds since the Unix epoch" },
            { "name": "X-Desk-Nonce", "in": "header", "required": true,
              "schema": { "type": "string" }, "description": "fresh per request" }
        ]);
        op["requestBody"] = json_body(request);
        op["requestBody"]["required"] = json!(true);
        paths.insert(api(path), json!({ "post": op }));
    }
    admin_paths(&mut paths);
    paths.insert(
        api("/openapi.json"),
        json!({ "get": operation("openapi", "This document", PUBLIC,
            ("200", json!({
                "description": "the OpenAPI 3.1 document",
                "content": { "application/json": { "schema": { "type": "object" } } }
            })), &[]) }),
    );
    Value::Object(paths)
}

/// Administration: agents and groups (admin), macros, KB articles and the audit log
/// (supervisor).
fn admin_paths(paths: &mut Map<String, Value>) {
    let api = |path: &str| format!("{API_PREFIX}{path}");
    let ok = |description: &str, schema: Value| {
        json!({ "description": description,
                "content": { "application/json": { "schema": schema } } })
    };
    let id_param = json!([{ "name": "id", "in": "path", "required": true,
        "description": "The agent's id.", "schema": { "type": "string" } }]);

    for (path, what, schema, input, id) in [
        ("/macros/{id}", "macro", "Macro", "MacroInput", "putMacro"),
        (
            "/kb/{id}",
            "knowledge-base article",
            "KbArticle",
            "ArticleInput",
            "putArticle",
        ),
    ] {
        let id_param = json!([{ "name": "id", "in": "path", "required": true,
            "description": "Made by the writer: 1-64 letters, digits, '-', '_' or '.'.",
            "schema": { "type": "string" } }]);
        let mut write = operation(
            id,
            &format!("Create or replace a {what} (audited; every console has it at its next pull)"),
            SUPERVISOR,
            ("200", ok("as stored", schema_ref(schema))),
            &[(
                "400",
                "an invalid id or field, a body asking the customer for a secret, an unknown placeholder",
            )],
        );
        write["parameters"] = id_param.clone();
        write["requestBody"] = json_body(input);
        write["requestBody"]["required"] = json!(true);
        let mut delete = operation(
            &id.replace("put", "delete"),
            &format!("Delete a {what}: consoles drop it at their next pull (audited)"),
            SUPERVISOR,
            ("204", json!({ "description": "deleted" })),
            &[("404", "none with this id, or deleted already")],
        );
        delete["parameters"] = id_param;
        paths.insert(api(path), json!({ "put": write, "delete": delete }));
    }

    let group_id = json!([{ "name": "id", "in": "path", "required": true,
        "description": "The key tickets and agents carry: 1-64 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit.",
        "schema": { "type": "string" } }]);
    let mut write = operation(
        "putGroup",
        "Create or replace a group, its name per language and description (audited; every console has it at its next pull)",
        ADMIN,
        ("200", ok("as stored", schema_ref("Group"))),
        &[(
            "400",
            "an invalid id, no name, a name or language tag that is not one, an unknown field",
        )],
    );
    write["parameters"] = group_id.clone();
    write["requestBody"] = json_body("GroupInput");
    write["requestBody"]["required"] = json!(true);
    let mut delete = operation(
        "deleteGroup",
        "Delete a group: consoles drop it at their next pull (audited)",
        ADMIN,
        ("204", json!({ "description": "deleted" })),
        &[
            ("404", "none with this id, or deleted already"),
            (
                "409",
                "enabled agents work in it or open tickets are in it: the message says how many",
            ),
        ],
    );
    delete["parameters"] = group_id;
    paths.insert(
        api("/groups/{id}"),
        json!({ "put": write, "delete": delete }),
    );

    let list = operation(
        "listAgents",
        "Every agent's account, disabled ones too",
        ADMIN,
        (
            "200",
            ok(
                "the accounts, by email",
                json!({ "type": "array", "items": schema_ref("AgentAccount") }),
            ),
        ),
        &[],
    );
    let mut create = operation(
        "createAgent",
        "Add an agent with a first password, or without one and with an invitation whose code is in this answer only (audited; every console sees the agent at once)",
        ADMIN,
        (
            "201",
            ok(
                "the new account, and its invitation when no password was given",
                schema_ref("NewAgentResponse"),
            ),
        ),
        &[
            (
                "400",
                "a malformed body, an invalid email, name, language, group or capacity, or a password under 8 characters",
            ),
            ("409", "the email is taken (case-insensitively)"),
        ],
    );
    create["requestBody"] = json_body("NewAgentRequest");
    create["requestBody"]["required"] = json!(true);
    paths.insert(api("/agents"), json!({ "get": list, "post": create }));

    let mut update = operation(
        "updateAgent",
        "Change an agent's name, role, languages, groups, password, or disable them (signs them out everywhere); audited",
        ADMIN,
        (
            "200",
            ok("the account as it is now", schema_ref("AgentAccount")),
        ),
        &[
            (
                "400",
                "nothing to change, an unknown field, or an invalid value",
            ),
            ("404", "no such agent"),
            (
                "409",
                "it would leave the desk without an enabled admin, or disable the caller's own account",
            ),
        ],
    );
    update["parameters"] = id_param;
    update["requestBody"] = json_body("AgentUpdate");
    update["requestBody"]["required"] = json!(true);
    paths.insert(api("/agents/{id}"), json!({ "patch": update }));

    let mut invite = operation(
        "reissueInvitation",
        "A new invitation for an agent who has not accepted theirs (lost or expired): the previous code stops working; audited",
        ADMIN,
        (
            "201",
            ok(
                "the invitation; its code is in this answer only",
                schema_ref("Invitation"),
            ),
        ),
        &[
            ("404", "no such agent"),
            (
                "409",
                "the agent has chosen a password already (set a new one instead)",
            ),
        ],
    );
    invite["parameters"] = json!([{ "name": "id", "in": "path", "required": true,
        "description": "The agent's id.", "schema": { "type": "string" } }]);
    paths.insert(api("/agents/{id}/invitation"), json!({ "post": invite }));

    let filters = || {
        let text = |name: &str, description: &str| {
            json!({ "name": name, "in": "query", "required": false,
                    "description": description, "schema": { "type": "string" } })
        };
        let number = |name: &str, description: &str| {
            json!({ "name": name, "in": "query", "required": false,
                    "description": description, "schema": { "type": "integer" } })
        };
        vec![
            text(
                "actor",
                "who acted: `agent:<id>`, `operator:<name>`, `ingest:<key>`, `system`",
            ),
            text(
                "subject",
                "what it was about: `ticket:<id>`, `agent:<id>`, `mailbox:<address>`",
            ),
            text(
                "action",
                "an action (`push.applied`) or a family ending in a dot (`agent.`)",
            ),
            number("since", "at or after, milliseconds since the epoch"),
            number("until", "before, milliseconds since the epoch"),
            number(
                "before",
                "rows before this seq (the previous page's `next_before`)",
            ),
            number(
                "limit",
                "rows: 1-1000 per page (100 when absent); up to 100000 for an export",
            ),
        ]
    };
    let mut page = operation(
        "auditLog",
        "The audit log, newest first, filtered by agent, subject, action and time",
        SUPERVISOR,
        ("200", ok("a page of rows", schema_ref("AuditPage"))),
        &[("400", "an invalid filter or limit")],
    );
    page["parameters"] = json!(filters());
    paths.insert(api("/audit"), json!({ "get": page }));

    let verify = operation(
        "verifyAudit",
        "Walk the whole hash chain and say whether it is intact",
        SUPERVISOR,
        ("200", ok("the chain's state", schema_ref("AuditCheck"))),
        &[],
    );
    paths.insert(api("/audit/verify"), json!({ "get": verify }));

    let mut export = operation(
        "exportAudit",
        "The rows a filter selects as one file: CSV (formulas defused) or JSON lines",
        SUPERVISOR,
        (
            "200",
            json!({
                "description": "the file, as a download",
                "content": {
                    "text/csv": { "schema": { "type": "string" } },
                    "application/x-ndjson": { "schema": { "type": "string" } },
                }
            }),
        ),
        &[("400", "an unknown format, an invalid filter or limit")],
    );
    let mut params = filters();
    params.insert(0, json!({ "name": "format", "in": "query", "required": true,
        "description": "`csv` or `jsonl`", "schema": { "type": "string", "enum": ["csv", "jsonl"] } }));
    export["parameters"] = json!(params);
    paths.insert(api("/audit/export"), json!({ "get": export }));
}

fn responses() -> Value {
    json!({ "Error": {
        "description": "an error: method not allowed, or an internal failure",
        "content": { "application/json": { "schema": schema_ref("Error") } }
    } })
}

fn string_enum(values: impl IntoIterator<Item = &'static str>) -> Value {
    json!({ "type": "string", "enum": values.into_iter().collect::<Vec<_>>() })
}

/// A closed object: every listed property required, no others.
fn object(properties: Value) -> Value {
    let required: Vec<String> = properties
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn string() -> Value {
    json!({ "type": "string" })
}

fn nullable_string() -> Value {
    json!({ "type": ["string", "null"] })
}

fn strings() -> Value {
    json!({ "type": "array", "items": string() })
}

/// Milliseconds since the Unix epoch.
fn time() -> Value {
    json!({ "type": "integer", "format": "int64" })
}

fn nullable_time() -> Value {
    json!({ "type": ["integer", "null"], "format": "int64" })
}

/// Most open tickets an agent takes at once; `null` (where allowed): no limit.
fn capacity(nullable: bool) -> Value {
    let max = desk_core::admin::MAX_CAPACITY;
    if nullable {
        json!({ "type": ["integer", "null"], "minimum": 1, "maximum": max })
    } else {
        json!({ "type": "integer", "minimum": 1, "maximum": max })
    }
}

fn unsigned(max: u64) -> Value {
    json!({ "type": "integer", "minimum": 0, "maximum": max })
}

fn array_of(name: &str) -> Value {
    json!({ "type": "array", "items": schema_ref(name) })
}

fn string_map(values: Value) -> Value {
    json!({ "type": "object", "additionalProperties": values })
}

fn nullable(name: &str) -> Value {
    json!({ "oneOf": [schema_ref(name), { "type": "null" }] })
}

/// A serde internally tagged variant: `{tag: value, ...fields}`.
fn tagged(tag: &str, value: &str, fields: Value) -> Value {
    let mut properties = fields.as_object().cloned().unwrap_or_default();
    properties.insert(tag.into(), json!({ "const": value }));
    object(Value::Object(properties))
}

fn schemas() -> Value {
    let mut s = Map::new();
    let mut put = |name: &str, schema: Value| {
        s.insert(name.to_owned(), schema);
    };

    put(
        "Error",
        object(json!({
            "code": string_enum(ERROR_CODES.iter().copied()),
            "message": { "type": "string", "description": "for people; lowercase, no trailing period" },
        })),
    );
    put("Role", string_enum(Role::ALL.iter().map(|v| v.as_str())));
    put(
        "Channel",
        string_enum(Channel::ALL.iter().map(|v| v.as_str())),
    );
    put(
        "TicketStatus",
        string_enum(TicketStatus::ALL.iter().map(|v| v.as_str())),
    );
    put(
        "Priority",
        string_enum(Priority::ALL.iter().map(|v| v.as_str())),
    );
    put(
        "Category",
        string_enum(Category::ALL.iter().map(|v| v.as_str())),
    );
    put(
        "MessageKind",
        string_enum(MessageKind::ALL.iter().map(|v| v.as_str())),
    );
    put(
        "AuthorKind",
        string_enum(AuthorKind::ALL.iter().map(|v| v.as_str())),
    );
    put(
        "TxDirection",
        string_enum(TxDirection::ALL.iter().map(|v| v.as_str())),
    );
    put(
        "TxStatus",
        string_enum(TxStatus::ALL.iter().map(|v| v.as_str())),
    );
    put(
        "CustomerTier",
        string_enum(CustomerTier::ALL.iter().map(|v| v.as_str())),
    );
    put(
        "IncidentStatus",
        string_enum(IncidentStatus::ALL.iter().map(|v| v.as_str())),
    );

    put(
        "Health",
        object(json!({
            "status": { "const": "ok" },
            "version": string(),
            "schema_version": unsigned(u32::MAX.into()),
        })),
    );
    put(
        "Ready",
        object(json!({
            "status": { "const": "ready" },
            "storage": { "type": "string", "enum": ["sqlite", "postgres"] },
            "schema_version": unsigned(u32::MAX.into()),
        })),
    );
    // Requests: serde ignores unknown fields, so these stay open.
    put(
        "LoginRequest",
        json!({
            "type": "object",
            "required": ["email", "password", "device_name"],
            "properties": {
                "email": string(),
                "password": { "type": "string", "format": "password" },
                "device_name": string(),
            }
        }),
    );
    put(
        "AcceptInvitationRequest",
        json!({
            "type": "object",
            "required": ["email", "code", "password", "device_name"],
            "properties": {
                "email": string(),
                "code": { "type": "string", "format": "password",
                          "description": "as handed over; case, spaces and hyphens do not matter" },
                "password": { "type": "string", "format": "password", "minLength": 8 },
                "device_name": string(),
            }
        }),
    );
    put(
        "RefreshRequest",
        json!({
            "type": "object",
            "required": ["refresh_token"],
            "properties": { "refresh_token": string() }
        }),
    );
    put(
        "TokenResponse",
        object(json!({
            "access_token": string(),
            "access_expires_in": { "type": "integer", "minimum": 0, "description": "seconds" },
            "refresh_token": string(),
            "device_id": string(),
            "agent": schema_ref("Agent"),
        })),
    );
    put(
        "Agent",
        object(json!({
            "id": string(),
            "name": string(),
            "email": string(),
            "role": schema_ref("Role"),
            "languages": strings(),
            "groups": strings(),
            "skills": array_of("Category"),
            "capacity": capacity(true),
        })),
    );
    let account_fields = json!({
        "id": string(),
        "name": string(),
        "email": string(),
        "role": schema_ref("Role"),
        "languages": strings(),
        "groups": strings(),
        "skills": array_of("Category"),
        "capacity": capacity(true),
        "disabled": { "type": "boolean" },
        "created_at": time(),
        "invitation_pending": { "type": "boolean",
            "description": "added with an invitation not accepted yet: no password, no sign-in" },
        "invited_until": nullable_time(),
    });
    let mut account = object(account_fields.clone());
    account["description"] = json!("An agent's account as administrators see it.");
    put("AgentAccount", account);
    put(
        "Invitation",
        object(json!({
            "code": { "type": "string", "description": "single-use; shown only in this answer" },
            "expires_at": time(),
        })),
    );
    let mut created = account_fields;
    created["invitation"] = nullable("Invitation");
    put("NewAgentResponse", object(created));
    put(
        "NewAgentRequest",
        json!({
            "type": "object",
            "properties": {
                "email": string(),
                "name": string(),
                "role": schema_ref("Role"),
                "languages": strings(),
                "groups": strings(),
                "skills": array_of("Category"),
                "capacity": capacity(false),
                "password": { "type": "string", "minLength": 8,
                              "description": "a first password; left out, an invitation is made" },
            },
            "required": ["email", "name", "role"],
            "additionalProperties": false,
        }),
    );
    put(
        "AgentUpdate",
        json!({
            "type": "object",
            "properties": {
                "name": string(),
                "role": schema_ref("Role"),
                "languages": strings(),
                "groups": strings(),
                "skills": array_of("Category"),
                "capacity": capacity(true),
                "disabled": { "type": "boolean" },
                "password": { "type": "string", "minLength": 8 },
            },
            "additionalProperties": false,
        }),
    );
    put(
        "AuditRecord",
        object(json!({
            "seq": unsigned(i64::MAX as u64),
            "at": time(),
            "actor": string(),
            "action": string(),
            "subject": string(),
            "details": {},
            "hash": string(),
        })),
    );
    put(
        "AuditPage",
        object(json!({
            "entries": array_of("AuditRecord"),
            "next_before": { "type": ["integer", "null"] },
        })),
    );
    put(
        "AuditCheck",
        object(json!({
            "intact": { "type": "boolean" },
            "rows": unsigned(i64::MAX as u64),
            "broken_at": { "type": ["integer", "null"] },
            "reason": nullable_string(),
        })),
    );
    put(
        "Customer",
        object(json!({
            "id": string(),
            "platform_user_id": string(),
            "name": string(),
            "emails": strings(),
            "phones": strings(),
            "handles": strings(),
            "preferred_language": string(),
            "tier": schema_ref("CustomerTier"),
            "kyc_level": unsigned(u8::MAX.into()),
            "risk_flags": strings(),
            "tags": strings(),
            "notes": string(),
            "created_at": time(),
            "updated_at": time(),
        })),
    );
    put(
        "WalletTransaction",
        object(json!({
            "id": string(),
            "customer_id": string(),
            "asset": string(),
            "chain": string(),
            "amount": { "type": "string", "description": "decimal text, never a float" },
            "direction": schema_ref("TxDirection"),
            "tx_hash": nullable_string(),
            "status": schema_ref("TxStatus"),
            "confirmations": unsigned(u32::MAX.into()),
            "required_confirmations": unsigned(u32::MAX.into()),
            "created_at": time(),
            "updated_at": time(),
        })),
    );
    let mut ticket = object(json!({
            "id": string(),
            "number": nullable_time(),
            "subject": string(),
            "customer_id": string(),
            "channel": schema_ref("Channel"),
            "status": schema_ref("TicketStatus"),
            "priority": schema_ref("Priority"),
            "category": schema_ref("Category"),
            "tags": strings(),
            "assignee_id": nullable_string(),
            "group": nullable_string(),
            "language": string(),
            "first_response_due_at": nullable_time(),
            "resolution_due_at": nullable_time(),
            "linked_transaction_ids": strings(),
            "incident_id": nullable_string(),
            "merged_into": nullable_string(),
            "csat": { "type": ["integer", "null"], "minimum": 0, "maximum": 255 },
            "created_at": time(),
            "updated_at": time(),
            "last_message_at": time(),
    }));
    // Soft deletes came later: clients that predate them send tickets without it.
    ticket["properties"]["deleted_at"] = nullable_time();
    ticket["properties"]["secret_exposed_at"] = nullable_time();
    put("Ticket", ticket);
    put(
        "Author",
        object(json!({
            "kind": schema_ref("AuthorKind"),
            "id": nullable_string(),
            "name": string(),
        })),
    );
    put(
        "Attachment",
        object(json!({
            "sha256": string(),
            "file_name": string(),
            "content_type": string(),
            "size": { "type": "integer", "minimum": 0 },
        })),
    );
    let mut message = object(json!({
        "id": string(),
        "ticket_id": string(),
        "kind": schema_ref("MessageKind"),
        "author": schema_ref("Author"),
        "body_text": string(),
        "body_html": nullable_string(),
        "attachments": array_of("Attachment"),
        "created_at": time(),
    }));
    // Only on an email that quoted the conversation under its new text.
    message["properties"]["quoted"] = string();
    put("Message", message);
    put(
        "MacroAction",
        json!({ "oneOf": [
            tagged("type", "set_status", json!({ "status": schema_ref("TicketStatus") })),
            tagged("type", "set_priority", json!({ "priority": schema_ref("Priority") })),
            tagged("type", "set_category", json!({ "category": schema_ref("Category") })),
            tagged("type", "add_tags", json!({ "tags": strings() })),
            tagged("type", "remove_tags", json!({ "tags": strings() })),
        ] }),
    );
    let mut macro_record = object(json!({
        "id": string(),
        "title": string(),
        "bodies": string_map(string()),
        "variables": strings(),
        "actions": array_of("MacroAction"),
        "categories": array_of("Category"),
        "updated_at": time(),
    }));
    // Only on a deleted macro.
    macro_record["properties"]["deleted_at"] = time();
    put("Macro", macro_record);
    put(
        "MacroInput",
        json!({
            "type": "object",
            "properties": {
                "title": string(),
                "bodies": string_map(string()),
                "actions": array_of("MacroAction"),
                "categories": array_of("Category"),
            },
            "required": ["title", "bodies"],
            "additionalProperties": false,
        }),
    );
    put("KbStatus", string_enum(["draft", "published"]));
    put(
        "ArticleInput",
        json!({
            "type": "object",
            "properties": {
                "translations": string_map(schema_ref("KbTranslation")),
                "tags": strings(),
                "categories": array_of("Category"),
                "status": schema_ref("KbStatus"),
            },
            "required": ["translations", "status"],
            "additionalProperties": false,
        }),
    );
    put(
        "KbTranslation",
        object(json!({ "title": string(), "body": string() })),
    );
    let mut article = object(json!({
        "id": string(),
        "translations": string_map(schema_ref("KbTranslation")),
        "tags": strings(),
        "categories": array_of("Category"),
        "updated_at": time(),
        "status": schema_ref("KbStatus"),
    }));
    // Only on a deleted article.
    article["properties"]["deleted_at"] = time();
    put("KbArticle", article);
    put(
        "IncidentUpdate",
        object(json!({
            "at": time(),
            "status": schema_ref("IncidentStatus"),
            "bodies": string_map(string()),
            "estimated_resolution_at": nullable_time(),
        })),
    );
    put(
        "Incident",
        object(json!({
            "id": string(),
            "title": string(),
            "status": schema_ref("IncidentStatus"),
            "affected": strings(),
            "updates": array_of("IncidentUpdate"),
            "started_at": time(),
            "resolved_at": nullable_time(),
        })),
    );
    put(
        "SlaTarget",
        object(json!({
            "priority": nullable("Priority"),
            "tier": nullable("CustomerTier"),
            "category": nullable("Category"),
            "first_response_minutes": unsigned(u32::MAX.into()),
            "resolution_minutes": unsigned(u32::MAX.into()),
        })),
    );
    put(
        "BusinessWindow",
        object(json!({
            "weekday": unsigned(u8::MAX.into()),
            "start_minute": unsigned(u16::MAX.into()),
            "end_minute": unsigned(u16::MAX.into()),
        })),
    );
    put(
        "BusinessHours",
        object(json!({
            "time_zone": string(),
            "windows": array_of("BusinessWindow"),
            "holidays": strings(),
        })),
    );
    put(
        "SlaPolicy",
        object(json!({
            "id": string(),
            "name": string(),
            "targets": array_of("SlaTarget"),
            "business_hours": schema_ref("BusinessHours"),
            "updated_at": time(),
        })),
    );
    let mut group = object(json!({
        "id": string(),
        "names": string_map(string()),
        "updated_at": time(),
    }));
    // Only when it has one.
    group["properties"]["description"] = string();
    // Only on a deleted group.
    group["properties"]["deleted_at"] = time();
    put("Group", group);
    put(
        "GroupInput",
        json!({
            "type": "object",
            "properties": {
                "names": string_map(string()),
                "description": string(),
            },
            "required": ["names"],
            "additionalProperties": false,
        }),
    );
    put(
        "Delivery",
        object(json!({
            "id": { "type": "string", "description": "the message's id" },
            "ticket_id": string(),
            "channel": schema_ref("Channel"),
            "recipient": nullable_string(),
            "mailbox": nullable_string(),
            "state": string_enum(desk_core::DeliveryState::ALL.iter().map(|s| s.as_str())),
            "attempts": unsigned(u32::MAX.into()),
            "error": nullable_string(),
            "created_at": time(),
            "updated_at": time(),
            "sent_at": nullable_time(),
            "next_attempt_at": nullable_time(),
        })),
    );
    put(
        "LeftScope",
        object(json!({ "id": string(), "ticket_id": string() })),
    );
    let change = |kind: &str, record: &str| {
        object(json!({ "kind": { "const": kind }, "record": schema_ref(record) }))
    };
    put(
        "Change",
        json!({
            "description": "one committed change: the whole record, tagged by kind",
            "oneOf": [
                change("ticket", "Ticket"),
                change("message", "Message"),
                change("customer", "Customer"),
                change("wallet_transaction", "WalletTransaction"),
                change("agent", "Agent"),
                change("macro", "Macro"),
                change("kb_article", "KbArticle"),
                change("incident", "Incident"),
                change("sla_policy", "SlaPolicy"),
                change("group", "Group"),
                change("delivery", "Delivery"),
                change("left_scope", "LeftScope"),
            ]
        }),
    );
    put(
        "MutationResult",
        json!({ "oneOf": [
            tagged("outcome", "applied", json!({})),
            tagged("outcome", "conflict", json!({ "resolution": string() })),
            tagged("outcome", "rejected", json!({
                "code": string_enum(ERROR_CODES.iter().copied()),
                "reason": string(),
            })),
            tagged("outcome", "held", json!({ "reason": string() })),
        ] }),
    );
    put(
        "TicketConversation",
        object(json!({
            "ticket_id": string(),
            "messages": array_of("Message"),
            "deliveries": array_of("Delivery"),
        })),
    );
    put(
        "Acknowledgement",
        object(json!({ "mutation_id": string(), "result": schema_ref("MutationResult") })),
    );
    let mut pull_response = object(json!({
        "schema_version": unsigned(u32::MAX.into()),
        "changes": array_of("Change"),
        "next_cursor": string(),
        "has_more": { "type": "boolean" },
        "acknowledged": array_of("Acknowledgement"),
    }));
    // Only when the pull asked with `count=true`.
    pull_response["properties"]["remaining"] = unsigned(u64::MAX);
    // Only when the pull asked with `closed_before` and left messages out.
    pull_response["properties"]["trimmed"] = array_of("TrimmedConversation");
    put("PullResponse", pull_response);
    put(
        "TrimmedConversation",
        object(json!({ "ticket_id": string(), "messages": unsigned(u32::MAX.into()) })),
    );
    put(
        "MutationOp",
        json!({ "oneOf": [
            tagged("type", "reply", json!({
                "ticket_id": string(), "message_id": string(), "body_text": string(),
                "last_seen_message_id": nullable_string(),
            })),
            tagged("type", "note", json!({
                "ticket_id": string(), "message_id": string(), "body_text": string(),
            })),
            tagged("type", "set_status", json!({
                "ticket_id": string(), "status": schema_ref("TicketStatus"),
            })),
            tagged("type", "set_priority", json!({
                "ticket_id": string(), "priority": schema_ref("Priority"),
            })),
            tagged("type", "set_category", json!({
                "ticket_id": string(), "category": schema_ref("Category"),
            })),
            tagged("type", "claim", json!({ "ticket_id": string() })),
            tagged("type", "delete_ticket", json!({ "ticket_id": string() })),
            tagged("type", "assign", json!({
                "ticket_id": string(), "assignee_id": nullable_string(),
            })),
            tagged("type", "add_tags", json!({ "ticket_id": string(), "tags": strings() })),
            tagged("type", "remove_tags", json!({ "ticket_id": string(), "tags": strings() })),
            tagged("type", "create_ticket", json!({ "ticket": schema_ref("Ticket") })),
            tagged("type", "retry_delivery", json!({
                "ticket_id": string(), "message_id": string(),
                "recipient": nullable_string(),
            })),
        ] }),
    );
    put(
        "Mutation",
        object(json!({
            "id": { "type": "string", "description": "UUIDv7 made by the client; the idempotency key" },
            "client_id": string(),
            "seq": { "type": "integer", "minimum": 1, "maximum": i64::MAX, "description": "per client, strictly increasing" },
            "agent_id": string(),
            "created_at": time(),
            "op": schema_ref("MutationOp"),
        })),
    );
    put(
        "PushRequest",
        json!({
            "type": "object",
            "required": ["schema_version", "mutations"],
            "properties": {
                "schema_version": unsigned(u32::MAX.into()),
                "mutations": array_of("Mutation"),
            }
        }),
    );
    // Ingestion requests refuse unknown fields (serde `deny_unknown_fields`), so they are
    // closed; fields with a serde default are optional.
    let closed = |properties: Value, required: &[&str]| {
        json!({
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": false,
        })
    };
    put(
        "PlatformCustomer",
        closed(
            json!({
                "platform_user_id": string(),
                "name": string(),
                "emails": strings(),
                "phones": strings(),
                "handles": strings(),
                "preferred_language": string(),
                "tier": schema_ref("CustomerTier"),
                "kyc_level": unsigned(u8::MAX.into()),
                "risk_flags": strings(),
            }),
            &["platform_user_id", "name"],
        ),
    );
    put(
        "PlatformTransaction",
        closed(
            json!({
                "id": string(),
                "platform_user_id": string(),
                "asset": string(),
                "chain": string(),
                "amount": { "type": "string", "description": "decimal text, e.g. \"1250.50\"" },
                "direction": schema_ref("TxDirection"),
                "tx_hash": nullable_string(),
                "status": schema_ref("TxStatus"),
                "confirmations": unsigned(u32::MAX.into()),
                "required_confirmations": unsigned(u32::MAX.into()),
                "created_at": time(),
                "occurred_at": time(),
            }),
            &[
                "id",
                "platform_user_id",
                "asset",
                "chain",
                "amount",
                "direction",
                "status",
                "created_at",
                "occurred_at",
            ],
        ),
    );
    let event = |kind: &str, properties: Value, required: &[&str]| {
        let mut properties = properties.as_object().cloned().unwrap_or_default();
        properties.insert("type".into(), json!({ "const": kind }));
        let mut required: Vec<&str> = required.to_vec();
        required.push("type");
        closed(Value::Object(properties), &required)
    };
    put(
        "PlatformEvent",
        json!({ "oneOf": [
            event("customer_upserted", json!({ "customer": schema_ref("PlatformCustomer") }), &["customer"]),
            event("transaction_created", json!({ "transaction": schema_ref("PlatformTransaction") }), &["transaction"]),
            event(
                "transaction_confirmation_changed",
                json!({
                    "transaction_id": string(),
                    "status": schema_ref("TxStatus"),
                    "confirmations": unsigned(u32::MAX.into()),
                    "required_confirmations": { "type": ["integer", "null"], "minimum": 0, "maximum": u32::MAX },
                    "occurred_at": time(),
                }),
                &["transaction_id", "status", "confirmations", "occurred_at"],
            ),
        ] }),
    );
    put(
        "IngestEventsRequest",
        closed(json!({ "events": array_of("PlatformEvent") }), &["events"]),
    );
    put(
        "IngestEventResult",
        object(json!({
            "kind": { "type": "string", "enum": ["customer", "wallet_transaction"] },
            "id": string(),
            "applied": { "type": "boolean" },
        })),
    );
    put(
        "IngestEventsResponse",
        object(json!({ "results": array_of("IngestEventResult") })),
    );
    put(
        "InboundCustomer",
        closed(
            json!({
                "platform_user_id": string(),
                "name": string(),
                "handle": nullable_string(),
                "language": nullable_string(),
                "email": nullable_string(),
            }),
            &["platform_user_id", "name"],
        ),
    );
    put(
        "InboundMessage",
        closed(
            json!({
                "channel": schema_ref("Channel"),
                "conversation_id": string(),
                "external_id": string(),
                "customer": schema_ref("InboundCustomer"),
                "subject": nullable_string(),
                "text": string(),
                "html": nullable_string(),
            }),
            // `text` may be left out when `html` is given (an HTML-only email).
            &["channel", "conversation_id", "external_id", "customer"],
        ),
    );
    put(
        "InboundMessageResponse",
        object(json!({
            "ticket_id": string(),
            "ticket_number": { "type": "integer", "format": "int64" },
            "message_id": string(),
            "created_ticket": { "type": "boolean" },
            "duplicate": { "type": "boolean" },
        })),
    );
    put("PresenceState", string_enum(["viewing", "replying"]));
    put(
        "PresenceRequest",
        closed(
            json!({ "ticket_id": string(), "state": schema_ref("PresenceState") }),
            &["ticket_id", "state"],
        ),
    );
    put(
        "PresenceEntry",
        object(json!({
            "agent_id": string(),
            "agent_name": string(),
            "state": schema_ref("PresenceState"),
        })),
    );
    put(
        "TicketPresence",
        object(json!({ "ticket_id": string(), "agents": array_of("PresenceEntry") })),
    );
    put(
        "PushResponse",
        object(json!({
            "schema_version": unsigned(u32::MAX.into()),
            "results": array_of("Acknowledgement"),
        })),
    );
    Value::Object(s)
}
