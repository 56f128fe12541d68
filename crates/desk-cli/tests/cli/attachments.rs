//! Attachments both ways (DESIGN.md §11) through the CLI against a real server: a reply
//! written offline with files is queued with their bytes, the files are uploaded before
//! the reply is pushed once the server is back, and another agent's console then
//! downloads them byte for byte, and opens them offline afterwards.

use std::path::Path;

use serde_json::Value;
use testsupport::KeyringSession;

use super::{TwoAgents, desk, err_code, ok_json, two_agents};

fn act(keyring: &KeyringSession, home: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    ok_json(&desk(keyring, home, &all, ""))
}

/// The message `id` of `ticket` as `desk --json show` prints it.
fn shown(keyring: &KeyringSession, home: &Path, ticket: &str, id: &str) -> Value {
    let detail = act(keyring, home, &["show", ticket]);
    detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("message {id} is in the conversation: {detail}"))
        .clone()
}

/// A PNG's signature and some bytes no text decoder would take.
fn screenshot() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..=255u8).cycle().take(70_000));
    png
}

const GUIDE: &str = "确认步骤：\n1. 打开钱包\n2. 点击待确认的提币\n3. 核对地址 TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE 后确认\n";

#[test]
fn a_reply_with_files_written_offline_reaches_the_server_and_comes_back_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let TwoAgents {
        server,
        keyring,
        amy,
        bo,
        ..
    } = two_agents(tmp.path(), 8, "agent");
    act(&keyring, &amy, &["sync"]);
    act(&keyring, &bo, &["sync"]);
    let open = act(&keyring, &amy, &["tickets", "--view", "unassigned"]);
    let ticket = open[0]["id"]
        .as_str()
        .expect("the seed has an unassigned open ticket")
        .to_owned();

    let files = tmp.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let (png, txt) = (files.join("提币截图.png"), files.join("确认步骤.txt"));
    std::fs::write(&png, screenshot()).unwrap();
    std::fs::write(&txt, GUIDE).unwrap();
    let body = files.join("body.txt");
    std::fs::write(&body, "您好，确认步骤和截图见附件。").unwrap();
    let reply_args = |extra: &[&str]| {
        let mut args = vec!["--json", "reply", &ticket, "--body-file"];
        args.push(body.to_str().unwrap());
        args.extend_from_slice(extra);
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run = |home: &Path, args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        desk(&keyring, home, &args, "")
    };

    // Over the limit: refused before anything is queued, with a code to branch on.
    let big = files.join("录屏.mp4");
    std::fs::write(&big, vec![0u8; 25 * 1024 * 1024 + 1]).unwrap();
    assert_eq!(
        err_code(&run(&amy, reply_args(&["--attach", big.to_str().unwrap()]))),
        "payload_too_large",
        "a file over 25 MiB is refused at once"
    );
    assert_eq!(
        act(&keyring, &amy, &["outbox"]),
        Value::Array(vec![]),
        "the refused reply queued nothing"
    );

    // The server goes down; Amy answers with two files anyway.
    let stopped = server.go_down();
    let queued = ok_json(&run(
        &amy,
        reply_args(&[
            "--attach",
            png.to_str().unwrap(),
            "--attach",
            txt.to_str().unwrap(),
        ]),
    ));
    assert_eq!(queued["sent"], false, "offline: queued, not an error");
    assert_eq!(queued["mutations"][0]["state"], "pending", "{queued}");
    let outbox = act(&keyring, &amy, &["outbox"]);
    let reply = &outbox[0]["mutation"]["op"];
    let message_id = reply["message_id"].as_str().unwrap().to_owned();
    let attached = reply["attachments"].as_array().unwrap().clone();
    assert_eq!(
        attached
            .iter()
            .map(|a| (
                a["file_name"].as_str().unwrap(),
                a["content_type"].as_str().unwrap()
            ))
            .collect::<Vec<_>>(),
        [
            ("提币截图.png", "image/png"),
            ("确认步骤.txt", "text/plain")
        ],
        "each file named as on disk, its type sniffed from its bytes: {reply}"
    );
    let unsent = shown(&keyring, &amy, &ticket, &message_id);
    assert_eq!(
        unsent["attachments"],
        Value::Array(attached.clone()),
        "the unsent reply shows its files"
    );
    let text = desk(&keyring, &amy, &["show", &ticket], "");
    let text = String::from_utf8_lossy(&text.stdout);
    let png_sha = attached[0]["sha256"].as_str().unwrap().to_owned();
    let txt_sha = attached[1]["sha256"].as_str().unwrap().to_owned();
    assert!(
        text.lines()
            .any(|l| l.starts_with("  [file] 提币截图.png  image/png")
                && l.ends_with(png_sha.as_str())),
        "`desk show` lists each file with its type, size and address:\n{text}"
    );
    // Queued files are in the cache: they open offline.
    let back = tmp.path().join("back.png");
    act(
        &keyring,
        &amy,
        &["attachment", &png_sha, "--out", back.to_str().unwrap()],
    );
    assert_eq!(
        std::fs::read(&back).unwrap(),
        screenshot(),
        "a queued file opens offline from the cache"
    );
    // A file nobody cached cannot open offline, and says so.
    let unknown = "0".repeat(64);
    assert_eq!(
        err_code(&desk(
            &keyring,
            &amy,
            &["--json", "attachment", &unknown, "--out", "-"],
            ""
        )),
        "offline",
        "not cached and no server: offline, not a missing file"
    );

    // The server is back: the files go up first, then the reply.
    let server = stopped.restart();
    let report = act(&keyring, &amy, &["sync"]);
    assert_eq!(report["pending"], 0, "everything was sent: {report}");
    let answers = report["answers"].as_array().unwrap();
    assert!(
        !answers.is_empty() && answers.iter().all(|a| a["result"]["outcome"] == "applied"),
        "the server took the reply, so it held both files: {report}"
    );
    assert_eq!(act(&keyring, &amy, &["outbox"]), Value::Array(vec![]));

    // Bo's console receives the reply carrying the files, and downloads them intact.
    act(&keyring, &bo, &["sync"]);
    let received = shown(&keyring, &bo, &ticket, &message_id);
    assert_eq!(
        received["attachments"],
        Value::Array(attached.clone()),
        "the server's copy of the reply carries the same files"
    );
    for (sha, original, name) in [
        (&png_sha, screenshot(), "bo.png"),
        (&txt_sha, GUIDE.as_bytes().to_vec(), "bo.txt"),
    ] {
        let out = tmp.path().join(name);
        let wrote = act(
            &keyring,
            &bo,
            &["attachment", sha, "--out", out.to_str().unwrap()],
        );
        assert_eq!(wrote["size"], original.len(), "{wrote}");
        assert_eq!(
            std::fs::read(&out).unwrap(),
            original,
            "{name}: downloaded byte for byte as uploaded"
        );
    }
    let stdout = desk(
        &keyring,
        &bo,
        &["attachment", &txt_sha, "--out", "-", "--ticket", &ticket],
        "",
    );
    assert!(stdout.status.success());
    assert_eq!(
        stdout.stdout,
        GUIDE.as_bytes(),
        "`--out -` writes the bare bytes to standard output"
    );

    assert_eq!(
        err_code(&desk(
            &keyring,
            &bo,
            &["--json", "attachment", &unknown, "--out", "-"],
            ""
        )),
        "not_found",
        "a well-formed address the server does not hold"
    );
    assert_eq!(
        err_code(&desk(
            &keyring,
            &bo,
            &["--json", "attachment", "../../etc/passwd", "--out", "-"],
            ""
        )),
        "bad_request",
        "an address is a hash, never a path"
    );

    // Downloaded once, Bo's files open offline too.
    let stopped = server.go_down();
    let offline = tmp.path().join("offline.png");
    act(
        &keyring,
        &bo,
        &["attachment", &png_sha, "--out", offline.to_str().unwrap()],
    );
    assert_eq!(
        std::fs::read(&offline).unwrap(),
        screenshot(),
        "a downloaded file stays in the cache for offline use"
    );
    drop(stopped);
}

/// What the cache holds of one file: (bytes, waiting for upload), read as SQLCipher sees it.
fn cached_file(keyring: &KeyringSession, home: &Path, sha256: &str) -> Option<(usize, bool)> {
    let conn = super::faults::raw_cache(keyring, home);
    conn.query_row(
        "SELECT length(data), pending_upload FROM files WHERE sha256 = ?1",
        [sha256],
        |r| Ok((r.get::<_, i64>(0)? as usize, r.get(1)?)),
    )
    .ok()
}

#[test]
fn a_file_the_server_refuses_rejects_its_reply_here_and_the_work_after_it_still_goes() {
    let tmp = tempfile::tempdir().unwrap();
    let TwoAgents {
        server,
        keyring,
        amy,
        ..
    } = two_agents(tmp.path(), 8, "agent");
    act(&keyring, &amy, &["sync"]);
    let open = act(&keyring, &amy, &["tickets", "--view", "unassigned"]);
    let ticket = open[0]["id"].as_str().unwrap().to_owned();
    let guide = tmp.path().join("guide.txt");
    std::fs::write(&guide, GUIDE).unwrap();
    let body = tmp.path().join("body.txt");
    std::fs::write(&body, "步骤见附件。").unwrap();

    // Queued offline, then a note after it.
    let stopped = server.go_down();
    let queued = act(
        &keyring,
        &amy,
        &[
            "reply",
            &ticket,
            "--body-file",
            body.to_str().unwrap(),
            "--attach",
            guide.to_str().unwrap(),
        ],
    );
    let reply_id = queued["mutations"][0]["mutation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let outbox = act(&keyring, &amy, &["outbox"]);
    let sha = outbox[0]["mutation"]["op"]["attachments"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        cached_file(&keyring, &amy, &sha),
        Some((GUIDE.len(), true)),
        "the file waits in the cache, flagged for upload"
    );
    act(
        &keyring,
        &amy,
        &[
            "reply",
            &ticket,
            "--internal",
            "--body-file",
            body.to_str().unwrap(),
        ],
    );
    // The one fault no honest console causes: its cached copy is no longer a file the
    // server takes (emptied on disk), so the upload is refused for good.
    super::faults::raw_cache(&keyring, &amy)
        .execute("UPDATE files SET data = x'' WHERE sha256 = ?1", [&sha])
        .unwrap();

    let server = stopped.restart();
    let report = act(&keyring, &amy, &["sync"]);
    let answer = report["answers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["mutation_id"] == reply_id)
        .unwrap_or_else(|| panic!("the reply was answered: {report}"))
        .clone();
    assert_eq!(
        (&answer["result"]["outcome"], &answer["result"]["code"]),
        (
            &serde_json::json!("rejected"),
            &serde_json::json!("bad_request")
        ),
        "the server's refusal of the file rejects the reply, with its code: {answer}"
    );
    assert!(
        answer["result"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("guide.txt") && r.contains("empty")),
        "the reason names the file and says why: {answer}"
    );
    assert_eq!(
        report["pending"], 0,
        "the note behind the rejected reply went anyway: {report}"
    );
    let outbox = act(&keyring, &amy, &["outbox"]);
    assert_eq!(
        outbox.as_array().unwrap().len(),
        1,
        "only the rejected reply stays, for the agent to read: {outbox}"
    );
    assert_eq!(outbox[0]["state"], "rejected");

    act(&keyring, &amy, &["outbox", "--discard", &reply_id]);
    assert_eq!(
        cached_file(&keyring, &amy, &sha),
        None,
        "a discarded reply takes the file only it needed out of the cache"
    );
    drop(server);
}
