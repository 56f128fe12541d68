//! The content filters from outside: `desk redact` and `desk sanitize` over standard input
//! (no profile, no server), and a reply asking for a secret refused before it is queued.

use std::process::{Command, Output, Stdio};

use testsupport::{KeyringSession, ServerProcess};

use crate::{EMAIL, PASSWORD, desk, err_code, login, ok_json, with_stdin};

const SEED: &str =
    "abandon ability able about above absent absorb abstract absurd abuse access accident";

/// `desk ARGS` with `stdin`, in a home nobody signed into; it must succeed.
fn filter(args: &[&str], stdin: &str) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_desk"));
    cmd.arg("--home")
        .arg(home.path())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = with_stdin(cmd, stdin);
    assert!(
        out.status.success(),
        "desk {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn redact_prints_the_text_with_secrets_replaced() {
    let text = format!(
        "我的助记词：{SEED}\n交易哈希 0x9f2c4e1b7a3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8\n"
    );
    let out = filter(&["redact"], &text);
    assert_eq!(
        stdout(&out),
        "我的助记词：[REDACTED:seed]\n交易哈希 0x9f2c4e1b7a3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8\n",
        "the phrase is replaced, the hash and the line breaks stay"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("seed_phrase ×1"),
        "stderr says what was taken out"
    );
    let json = ok_json(&filter(&["--json", "redact"], &text));
    assert_eq!(json["findings"][0]["kind"], "seed_phrase");
    assert_eq!(json["findings"][0]["words"], 12);
    assert!(
        !json.to_string().contains("abandon"),
        "no finding holds the secret: {json}"
    );

    let prose = "Please confirm the withdrawal of 1250.50 USDT to TXyz…; my account is locked.\n";
    let out = filter(&["redact"], prose);
    assert_eq!(stdout(&out), prose, "ordinary prose passes unchanged");
    assert!(out.stderr.is_empty(), "and nothing is reported");
}

#[test]
fn sanitize_prints_what_ingestion_keeps_of_html() {
    let out = filter(
        &["sanitize"],
        "<p onclick=\"steal()\">请<b>确认</b><script>alert(1)</script><a href=\"javascript:x()\">link</a></p>",
    );
    let kept = stdout(&out);
    assert!(kept.contains("<b>确认</b>"), "formatting stays: {kept}");
    for gone in ["onclick", "script", "javascript"] {
        assert!(!kept.contains(gone), "{gone} is removed: {kept}");
    }
    let out = filter(
        &["sanitize"],
        &format!("<p>{}<i>{}</i></p>", &SEED[..40], &SEED[40..]),
    );
    assert!(out.stdout.is_empty(), "HTML holding a secret is not kept");
    assert!(String::from_utf8_lossy(&out.stderr).contains("dropped"));
    let json = ok_json(&filter(&["--json", "sanitize"], &format!("<p>{SEED}</p>")));
    assert_eq!(
        (json["html"].clone(), json["dropped"].clone()),
        (serde_json::Value::Null, true.into())
    );
    assert_eq!(
        json["text"], "[REDACTED:seed]",
        "only the redacted text would be stored"
    );
}

#[test]
fn a_reply_asking_for_a_secret_is_refused_and_not_queued() {
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::seeded(&tmp.path().join("server"), 30, EMAIL, PASSWORD);
    let keyring = KeyringSession::start(tmp.path());
    let home = tmp.path().join("amy");
    ok_json(&login(&keyring, &home, &server.url, EMAIL, PASSWORD));
    ok_json(&desk(&keyring, &home, &["--json", "sync"], ""));
    let tickets = ok_json(&desk(
        &keyring,
        &home,
        &["--json", "tickets", "--view", "open"],
        "",
    ));
    let id = tickets[0]["id"].as_str().unwrap().to_owned();
    for ask in [
        "Thanks. Please send us your seed phrase.",
        "请提供您的助记词，我们帮您恢复。",
    ] {
        let out = desk(
            &keyring,
            &home,
            &["--json", "reply", &id, "--body-file", "-"],
            ask,
        );
        assert_eq!(err_code(&out), "blocked", "{ask:?} is blocked");
    }
    let outbox = ok_json(&desk(&keyring, &home, &["--json", "outbox"], ""));
    assert_eq!(
        outbox.as_array().map(Vec::len),
        Some(0),
        "nothing was queued: {outbox}"
    );
    let out = desk(
        &keyring,
        &home,
        &["--json", "reply", &id, "--body-file", "-"],
        "We will never ask for your private key. Your withdrawal is confirmed.",
    );
    assert!(
        out.status.success(),
        "a warning about secrets is not a request for one"
    );
}
