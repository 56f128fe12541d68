//! A refusal is final, not a retry: a push the server fails on with anything but a failure
//! of the moment rejects the action it failed on (the rest of the batch still goes), and
//! the agent sends it again by hand with `desk outbox --retry`; a server that is away for
//! the moment (`unavailable`, a gateway's bare 502, `rate_limited`) leaves the work queued.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use desk_core::MutationOp;
use desk_core::view::InboxView;
use serde_json::{Value, json};
use testsupport::{KeyringSession, ServerProcess};

use super::faults::{cache_key, failure_code, sqlite_audit};
use super::{EMAIL, PASSWORD, desk, login, ok_json};

fn run(keyring: &KeyringSession, home: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    ok_json(&desk(keyring, home, &all, ""))
}

/// The profile's engine, as the CLI verbs use it: to queue actions without the sync a
/// verb runs after them (the test decides when they are pushed, all in one batch).
fn with_client<T>(
    keyring: &KeyringSession,
    home: &Path,
    f: impl FnOnce(&desk_sync::Client) -> T,
) -> T {
    let client = desk_sync::Client::open_with_cache_key(
        desk_sync::Profile::at(home),
        "refusal drill",
        cache_key(keyring, home),
    )
    .expect("open the profile");
    f(&client)
}

fn texts(detail: &Value) -> Vec<String> {
    detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body_text"].as_str().unwrap().to_owned())
        .collect()
}

fn open_tickets(keyring: &KeyringSession, home: &Path, n: usize) -> Vec<String> {
    let tickets = with_client(keyring, home, |c| {
        c.list_tickets(InboxView::Open, 20).unwrap()
    });
    assert!(
        tickets.len() >= n,
        "the seed has {n} open tickets to work on"
    );
    tickets.into_iter().take(n).map(|t| t.id).collect()
}

#[test]
fn a_server_failing_on_one_action_rejects_it_the_rest_go_and_it_is_retried_by_hand() {
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::seeded(&tmp.path().join("server"), 10, EMAIL, PASSWORD);
    let keyring = KeyringSession::start(tmp.path());
    let home = tmp.path().join("amy");
    ok_json(&login(&keyring, &home, &server.url, EMAIL, PASSWORD));
    run(&keyring, &home, &["sync"]);

    let tickets = open_tickets(&keyring, &home, 3);
    let (a, b, c) = with_client(&keyring, &home, |client| {
        (
            client.reply(&tickets[0], "refusal-a 已为您处理 / handled", false),
            client.reply(&tickets[1], "refusal-b 请稍候 / one moment", false),
            client.act(MutationOp::AddTags {
                ticket_id: tickets[2].clone(),
                tags: vec!["refusal-c".into()],
            }),
        )
    });
    let (a, b, c) = (&a.unwrap(), &b.unwrap(), &c.unwrap());

    // A server bug that fails on one action: the server's own database refuses to record
    // it, so the real server answers its push with 500 `internal` (and rolls back the
    // whole batch carrying it).
    let db = rusqlite::Connection::open(server.data_dir.join("desk.sqlite3")).unwrap();
    db.busy_timeout(Duration::from_secs(10)).unwrap();
    db.execute_batch(&format!(
        "CREATE TRIGGER a_bug BEFORE INSERT ON mutations WHEN NEW.id = '{}'
         BEGIN SELECT RAISE(ABORT, 'a bug that fails on this one action'); END;",
        b.id
    ))
    .unwrap();

    let report = run(&keyring, &home, &["sync"]);
    assert_eq!(
        report["pending"], 0,
        "nothing is left pending, to be retried unseen on every sync: {report}"
    );
    let refused = json!({
        "outcome": "rejected",
        "code": "internal",
        "reason": "internal server error",
    });
    let answered: Vec<&Value> = report["answers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|ack| ack["mutation_id"] == b.id.as_str())
        .collect();
    assert_eq!(
        answered,
        [&json!({ "mutation_id": b.id, "result": refused })],
        "the sync reports the action the server failed on as rejected, with the server's \
         code and message: {report}"
    );
    let outbox = run(&keyring, &home, &["outbox"]);
    assert_eq!(
        outbox.as_array().map(|o| o
            .iter()
            .map(|e| (
                e["mutation"]["id"].clone(),
                e["state"].clone(),
                e["result"].clone()
            ))
            .collect::<Vec<_>>()),
        Some(vec![(json!(b.id), json!("rejected"), refused.clone())]),
        "only the action the server failed on stays, rejected with the reason shown: {outbox}"
    );
    let audit = sqlite_audit(&server.data_dir);
    for (m, what) in [(a, "the reply before it"), (c, "the tag edit after it")] {
        assert!(
            audit.contains(&(m.id.clone(), "push.applied".into())),
            "{what} went through, sent on its own once the batch was refused: {audit:?}"
        );
    }
    assert!(
        !audit.iter().any(|(id, _)| *id == b.id),
        "the server recorded nothing for the action it failed on: {audit:?}"
    );
    assert!(
        texts(&run(&keyring, &home, &["show", &tickets[0]]))
            .contains(&"refusal-a 已为您处理 / handled".to_owned()),
        "the reply queued before it reached the conversation"
    );
    assert!(
        !texts(&run(&keyring, &home, &["show", &tickets[1]]))
            .contains(&"refusal-b 请稍候 / one moment".to_owned()),
        "a rejected reply is undone in the conversation"
    );

    // The agent sends it again by hand: a new action, which the server takes.
    let retried = run(&keyring, &home, &["outbox", "--retry", &b.id]);
    let again = retried["mutations"][0]["mutation_id"].as_str().unwrap();
    assert_ne!(again, b.id, "a retry is a new mutation for the server");
    assert_eq!(
        (
            &retried["sent"],
            &retried["mutations"][0]["state"],
            &retried["mutations"][0]["result"]["outcome"]
        ),
        (&json!(true), &json!("settled"), &json!("applied")),
        "the retry is sent and applied at once: {retried}"
    );
    assert_eq!(
        run(&keyring, &home, &["outbox"]),
        json!([]),
        "the outbox is empty once the retry is applied"
    );
    assert!(
        sqlite_audit(&server.data_dir).contains(&(again.to_owned(), "push.applied".into())),
        "the server applied the retry"
    );
    let shown = texts(&run(&keyring, &home, &["show", &tickets[1]]));
    assert_eq!(
        shown
            .iter()
            .filter(|t| *t == "refusal-b 请稍候 / one moment")
            .count(),
        1,
        "the retried reply is in the conversation once: {shown:?}"
    );
    let gone = desk(&keyring, &home, &["--json", "outbox", "--retry", again], "");
    assert_eq!(
        failure_code(&gone).as_deref(),
        Some("conflict"),
        "only rejected work is retried; an applied action has left the outbox"
    );
}

#[test]
fn a_server_away_for_the_moment_keeps_the_work_queued() {
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::seeded(&tmp.path().join("server"), 10, EMAIL, PASSWORD);
    let gateway = Gateway::start(&server.url);
    let keyring = KeyringSession::start(tmp.path());
    let home = tmp.path().join("amy");
    ok_json(&login(&keyring, &home, &gateway.url, EMAIL, PASSWORD));
    run(&keyring, &home, &["sync"]);
    let ticket = &open_tickets(&keyring, &home, 1)[0];

    // (what the gateway answers a push with, the code the agent is told)
    let answers = [
        // The server's own answer while its database is away (the PostgreSQL restart
        // drill in faults/ makes the real one).
        (
            Answer::json(
                503,
                r#"{"code":"unavailable","message":"the database is unavailable; nothing was changed, try again shortly"}"#,
            ),
            "unavailable",
        ),
        // A gateway whose server is down: no Desk body at all.
        (Answer::bare(502), "unavailable"),
        (
            Answer::json(
                429,
                r#"{"code":"rate_limited","message":"too many requests"}"#,
            ),
            "rate_limited",
        ),
    ];
    for (i, (answer, code)) in answers.into_iter().enumerate() {
        let text = format!("queued-{i} 稍后发送 / sent later");
        let m = with_client(&keyring, &home, |c| c.reply(ticket, &text, false)).unwrap();
        let status = answer.status;
        gateway.answer_pushes(Some(answer));
        assert_eq!(
            failure_code(&desk(&keyring, &home, &["--json", "sync"], "")).as_deref(),
            Some(code),
            "http {status}: the sync fails as the server being away"
        );
        let outbox = run(&keyring, &home, &["outbox"]);
        assert_eq!(
            outbox.as_array().map(|o| o
                .iter()
                .map(|e| (e["mutation"]["id"].clone(), e["state"].clone()))
                .collect::<Vec<_>>()),
            Some(vec![(json!(m.id), json!("pending"))]),
            "http {status}: the reply stays queued for the next sync, not rejected: {outbox}"
        );
        gateway.answer_pushes(None);
        let report = run(&keyring, &home, &["sync"]);
        assert_eq!(
            report["pending"], 0,
            "http {status}: once the server is back the next sync sends it: {report}"
        );
        assert!(
            texts(&run(&keyring, &home, &["show", ticket])).contains(&text),
            "http {status}: the reply reached the conversation"
        );
    }
}

/// What the gateway answers a push with instead of relaying it.
#[derive(Clone)]
struct Answer {
    status: u16,
    body: Option<&'static str>,
}

impl Answer {
    fn json(status: u16, body: &'static str) -> Self {
        Self {
            status,
            body: Some(body),
        }
    }

    fn bare(status: u16) -> Self {
        Self { status, body: None }
    }

    fn bytes(&self) -> Vec<u8> {
        let (kind, body) = match self.body {
            Some(body) => ("application/json", body),
            None => ("text/html", ""),
        };
        format!(
            "HTTP/1.1 {} Gateway\r\ncontent-type: {kind}\r\ncontent-length: {}\r\n\
             connection: close\r\n\r\n{body}",
            self.status,
            body.len()
        )
        .into_bytes()
    }
}

/// A gateway in front of the server, as a load balancer or reverse proxy is: it relays
/// every request, one per connection, except pushes when told to answer them itself. A
/// fake, for the faults the real server cannot be made to show (a gateway's bare 502, a
/// proxy's rate limit) or only with a PostgreSQL outage (`unavailable`); the sign-in's
/// refresh and the pulls still meet the real server.
struct Gateway {
    url: String,
    push_answer: Arc<Mutex<Option<Answer>>>,
    stop: Arc<AtomicBool>,
}

impl Gateway {
    fn start(upstream: &str) -> Self {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let push_answer: Arc<Mutex<Option<Answer>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        {
            let (push_answer, stop) = (push_answer.clone(), stop.clone());
            std::thread::spawn(move || {
                for client in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(client) = client else { continue };
                    let (push_answer, upstream) = (push_answer.clone(), upstream.clone());
                    std::thread::spawn(move || {
                        let _ = serve(client, &upstream, &push_answer);
                    });
                }
            });
        }
        Self {
            url,
            push_answer,
            stop,
        }
    }

    fn answer_pushes(&self, answer: Option<Answer>) {
        *self.push_answer.lock().unwrap() = answer;
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

/// One request: read whole (so an answer never meets unread bytes and a reset), then
/// answered or relayed with `connection: close` both ways.
fn serve(
    mut client: TcpStream,
    upstream: &str,
    push_answer: &Mutex<Option<Answer>>,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut request = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = client.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        request.extend_from_slice(&chunk[..n]);
        if let Some(at) = find(&request, b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while request.len() < head_end + length {
        let n = client.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        request.extend_from_slice(&chunk[..n]);
    }
    let is_push = head.starts_with("POST /api/v1/push ");
    if let Some(answer) = push_answer.lock().unwrap().clone().filter(|_| is_push) {
        client.write_all(&answer.bytes())?;
        return client.shutdown(Shutdown::Both);
    }
    let mut lines = head.trim_end().split("\r\n");
    let mut relayed = format!("{}\r\n", lines.next().unwrap_or_default());
    for line in lines.filter(|l| {
        let name = l.split(':').next().unwrap_or_default().trim();
        !name.eq_ignore_ascii_case("connection") && !name.eq_ignore_ascii_case("keep-alive")
    }) {
        relayed.push_str(line);
        relayed.push_str("\r\n");
    }
    relayed.push_str("connection: close\r\n\r\n");
    let mut server = TcpStream::connect(upstream)?;
    server.write_all(relayed.as_bytes())?;
    server.write_all(&request[head_end..])?;
    let mut response = Vec::new();
    server.read_to_end(&mut response)?;
    if let Some(at) = find(&response, b"\r\n\r\n") {
        let said_close = String::from_utf8_lossy(&response[..at])
            .to_ascii_lowercase()
            .contains("\r\nconnection: close");
        if !said_close {
            response.splice(at..at, b"\r\nconnection: close".iter().copied());
        }
    }
    client.write_all(&response)?;
    client.shutdown(Shutdown::Both)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
