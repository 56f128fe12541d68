//! Deliveries (DESIGN.md §11) from the command line: `desk show` says where each public
//! reply went and how far it got, and `desk resend` retries a failed one. The server here
//! has no mailbox or bridge configured, so every delivery fails with that reason: what an
//! agent sees when a channel is down, and what a retry is for.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use testsupport::{KeyringSession, ServerProcess};

use super::{EMAIL, PASSWORD, desk, err_code, login, ok_json};

/// The message `id` of `ticket` as `desk --json show` prints it.
fn shown_message(keyring: &KeyringSession, home: &Path, ticket: &str, id: &str) -> Value {
    let detail = ok_json(&desk(keyring, home, &["--json", "show", ticket], ""));
    detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("message {id} is in the conversation: {detail}"))
        .clone()
}

/// Syncs until the reply's delivery is `state`; its delivery then.
fn wait_for_delivery(
    keyring: &KeyringSession,
    home: &Path,
    ticket: &str,
    id: &str,
    state: &str,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        ok_json(&desk(keyring, home, &["--json", "sync"], ""));
        let delivery = shown_message(keyring, home, ticket, id)["delivery"].clone();
        if delivery["state"] == state {
            return delivery;
        }
        assert!(
            Instant::now() < deadline,
            "the server's queue settles a delivery within seconds; still {delivery}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn show_says_where_each_reply_went_and_resend_retries_a_failed_one() {
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::seeded(&tmp.path().join("server"), 8, EMAIL, PASSWORD);
    let keyring = KeyringSession::start(tmp.path());
    let home = tmp.path().join("amy");
    ok_json(&login(&keyring, &home, &server.url, EMAIL, PASSWORD));
    ok_json(&desk(&keyring, &home, &["--json", "sync"], ""));

    // A ticket answered by email (email, web form, phone), with a customer's message.
    let tickets = ok_json(&desk(
        &keyring,
        &home,
        &["--json", "tickets", "--view", "all"],
        "",
    ));
    let (ticket, detail) = tickets
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .map(|id| {
            let d = ok_json(&desk(&keyring, &home, &["--json", "show", &id], ""));
            (id, d)
        })
        .find(|(_, d)| {
            matches!(
                d["ticket"]["channel"].as_str(),
                Some("email" | "web_form" | "phone")
            ) && d["messages"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["author"]["kind"] == "customer")
        })
        .expect("the seed has a ticket answered by email with a customer's message");
    let messages = detail["messages"].as_array().unwrap();
    for m in messages {
        assert!(
            m["id"].is_string() && m.get("delivery").is_some(),
            "each message is the message's own fields plus its delivery: {m}"
        );
        if m["author"]["kind"] == "customer" || m["kind"] != "public_reply" {
            assert_eq!(
                m["delivery"],
                Value::Null,
                "inbound messages and notes are never delivered: {m}"
            );
        }
    }
    let inbound = messages
        .iter()
        .find(|m| m["author"]["kind"] == "customer")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Resend refuses what cannot be retried, saying so with a code to branch on.
    let resend = |args: &[&str]| {
        let mut all = vec!["--json", "resend"];
        all.extend_from_slice(args);
        desk(&keyring, &home, &all, "")
    };
    assert_eq!(
        err_code(&resend(&["no-such-message"])),
        "not_found",
        "an unknown message, its ticket looked up in the cache"
    );
    assert_eq!(
        err_code(&resend(&["no-such-message", "--ticket", &ticket])),
        "not_found",
        "an unknown message on a known ticket"
    );
    assert_eq!(
        err_code(&resend(&[&inbound])),
        "bad_request",
        "a customer's message is not sent anywhere"
    );

    // A reply goes out and fails: no mailbox is configured.
    let sent = ok_json(&desk(
        &keyring,
        &home,
        &["--json", "reply", &ticket, "--body-file", "-"],
        "您好，已为您重新提交，请查收邮件。",
    ));
    let reply_mutation = sent["mutations"][0]["mutation_id"].as_str().unwrap();
    let outbox = ok_json(&desk(&keyring, &home, &["--json", "outbox"], ""));
    assert!(
        outbox.as_array().unwrap().is_empty(),
        "the reply was pushed and answered: {outbox}"
    );
    let detail = ok_json(&desk(&keyring, &home, &["--json", "show", &ticket], ""));
    let reply = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|m| m["author"]["kind"] == "agent" && m["kind"] == "public_reply")
        .unwrap_or_else(|| panic!("reply {reply_mutation} is in the conversation: {detail}"))
        .clone();
    let reply_id = reply["id"].as_str().unwrap().to_owned();
    let failed = wait_for_delivery(&keyring, &home, &ticket, &reply_id, "failed");
    assert_eq!(
        failed["channel"], "email",
        "a reply on an email, web form or phone ticket leaves by email: {failed}"
    );
    assert!(
        failed["error"].as_str().is_some_and(|e| !e.is_empty()),
        "a failed delivery says why: {failed}"
    );
    let text = desk(&keyring, &home, &["show", &ticket], "");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("→ email") && l.contains(": failed: ")),
        "the human output shows the failure under the reply:\n{text}"
    );

    // Retried to a corrected address: queued, then failed again for the same reason,
    // now to the new address.
    assert_eq!(
        err_code(&resend(&[&reply_id, "--to", "li at example"])),
        "bad_request",
        "a malformed address is refused before anything is queued"
    );
    let retried = ok_json(&resend(&[&reply_id, "--to", "li.new@example.cn"]));
    assert_eq!(
        retried["mutations"][0]["op"], "resend",
        "the outbox names the action: {retried}"
    );
    assert_eq!(
        retried["mutations"][0]["state"], "settled",
        "the server took the retry: {retried}"
    );
    let again = wait_for_delivery(&keyring, &home, &ticket, &reply_id, "failed");
    assert_eq!(
        again["recipient"], "li.new@example.cn",
        "the retry went to the corrected address: {again}"
    );
    assert!(
        again["attempts"].as_u64() > failed["attempts"].as_u64(),
        "the retry was another attempt: {failed} then {again}"
    );
    drop(server);
}
