//! `desk admin` against a real server (DESIGN.md §3, §6): an admin adds and changes agents
//! from the command line, a password only ever on standard input; a plain agent is
//! refused; a supervisor reads, verifies and exports the audit log, and a chain someone
//! tampered with is told apart from a check that could not run.

use std::path::Path;

use serde_json::{Value, json};
use testsupport::{KeyringSession, ServerProcess};

use super::{EMAIL, PASSWORD, add_agent, desk, err_code, login, ok_json};

const ADMIN: &str = "ada@desk.test";
const ADMIN_PASSWORD: &str = "ada's long password";

/// A seeded server (Amy, a plain agent) with an admin, Ada, signed in on her profile.
fn with_admin(tmp: &Path) -> (ServerProcess, KeyringSession, String) {
    let server = ServerProcess::seeded(&tmp.join("server"), 3, EMAIL, PASSWORD);
    add_agent(&server, ADMIN, "admin", ADMIN_PASSWORD);
    let keyring = KeyringSession::start(tmp);
    let ada = ok_json(&login(
        &keyring,
        &tmp.join("ada"),
        &server.url,
        ADMIN,
        ADMIN_PASSWORD,
    ));
    (server, keyring, ada["id"].as_str().unwrap().to_owned())
}

fn account<'a>(accounts: &'a Value, email: &str) -> &'a Value {
    accounts
        .as_array()
        .expect("the accounts are a list")
        .iter()
        .find(|a| a["email"] == email)
        .unwrap_or_else(|| panic!("{email} is listed: {accounts}"))
}

#[test]
fn an_admin_adds_an_agent_who_signs_in_and_is_then_changed_and_a_plain_agent_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, keyring, _) = with_admin(tmp.path());
    let ada = tmp.path().join("ada");
    let chen = "chen@desk.test";
    let chen_password = "chen's first password 密码";

    let added = ok_json(&desk(
        &keyring,
        &ada,
        &[
            "--json",
            "admin",
            "agent",
            "add",
            chen,
            "--name",
            "Chen 陈",
            "--role",
            "agent",
            "--language",
            "zh-CN",
            "--language",
            "en",
            "--group",
            "vip-desk",
            "--password-stdin",
        ],
        &format!("{chen_password}\n"),
    ));
    assert_eq!(
        (
            &added["email"],
            &added["role"],
            &added["languages"],
            &added["groups"],
            &added["disabled"]
        ),
        (
            &json!(chen),
            &json!("agent"),
            &json!(["zh-CN", "en"]),
            &json!(["vip-desk"]),
            &json!(false)
        ),
        "the new account is as the flags said: {added}"
    );
    let chen_id = added["id"].as_str().unwrap().to_owned();
    let signed_in = ok_json(&login(
        &keyring,
        &tmp.path().join("chen"),
        &server.url,
        chen,
        chen_password,
    ));
    assert_eq!(
        signed_in["id"], chen_id,
        "the agent signs in with the password the admin piped in, its line break dropped"
    );

    let changed = ok_json(&desk(
        &keyring,
        &ada,
        &[
            "--json",
            "admin",
            "agent",
            "set",
            chen,
            "--role",
            "supervisor",
            "--groups",
            "vip-desk, cn-support",
        ],
        "",
    ));
    assert_eq!(
        changed["id"], chen_id,
        "an email names the agent it belongs to"
    );
    let accounts = ok_json(&desk(&keyring, &ada, &["--json", "admin", "agents"], ""));
    let listed = account(&accounts, chen);
    assert_eq!(
        (&listed["role"], &listed["groups"], &listed["languages"]),
        (
            &json!("supervisor"),
            &json!(["cn-support", "vip-desk"]),
            &json!(["zh-CN", "en"])
        ),
        "the list shows the new role and groups, and what was not given is unchanged: {listed}"
    );
    assert_eq!(
        account(&accounts, EMAIL)["role"],
        "agent",
        "every account is listed"
    );

    let disabled = ok_json(&desk(
        &keyring,
        &ada,
        &["--json", "admin", "agent", "set", &chen_id, "--disable"],
        "",
    ));
    assert_eq!(disabled["disabled"], true, "an id names the agent too");
    let out = login(
        &keyring,
        &tmp.path().join("chen-again"),
        &server.url,
        chen,
        chen_password,
    );
    assert_eq!(
        err_code(&out),
        "account_disabled",
        "a disabled agent cannot sign in any more"
    );
    let nothing = desk(
        &keyring,
        &ada,
        &["--json", "admin", "agent", "set", chen],
        "",
    );
    assert_eq!(
        err_code(&nothing),
        "bad_request",
        "a change that changes nothing is refused before anything is sent"
    );

    let amy = tmp.path().join("amy");
    ok_json(&login(&keyring, &amy, &server.url, EMAIL, PASSWORD));
    let refused = desk(&keyring, &amy, &["--json", "admin", "agents"], "");
    assert_eq!(
        err_code(&refused),
        "forbidden",
        "a plain agent may not list the accounts, and exits 1 saying why"
    );
    let refused = desk(
        &keyring,
        &amy,
        &["--json", "admin", "agent", "set", chen, "--role", "admin"],
        "",
    );
    assert_eq!(
        err_code(&refused),
        "forbidden",
        "nor promote anyone, themself included"
    );

    server.stop();
    assert_eq!(
        err_code(&desk(&keyring, &ada, &["--json", "admin", "agents"], "")),
        "offline",
        "administration is online only: offline says so"
    );
}

#[test]
fn a_supervisor_reads_verifies_and_exports_the_audit_log_and_a_tampered_chain_exits_3() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, keyring, ada_id) = with_admin(tmp.path());
    let ada = tmp.path().join("ada");
    let sam = tmp.path().join("sam");
    let sam_password = "sam supervises 督导";
    let added = ok_json(&desk(
        &keyring,
        &ada,
        &[
            "--json",
            "admin",
            "agent",
            "add",
            "sam@desk.test",
            "--name",
            "Sam",
            "--role",
            "supervisor",
            "--password-stdin",
        ],
        &format!("{sam_password}\n"),
    ));
    let sam_id = added["id"].as_str().unwrap().to_owned();
    ok_json(&login(
        &keyring,
        &sam,
        &server.url,
        "sam@desk.test",
        sam_password,
    ));
    // The agents an email is looked up among: a supervisor may not list the accounts.
    ok_json(&desk(&keyring, &sam, &["--json", "sync"], ""));

    let audit = |args: &[&str]| {
        let mut all = vec!["--json", "admin", "audit"];
        all.extend_from_slice(args);
        ok_json(&desk(&keyring, &sam, &all, ""))
    };
    let page = audit(&["--agent", ADMIN]);
    let entries = page["entries"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .all(|e| e["actor"] == format!("agent:{ada_id}")),
        "--agent EMAIL reads what that agent did: {page}"
    );
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["agent.add", "auth.login"],
        "Ada signed in, then added Sam; newest first: {page}"
    );
    assert_eq!(entries[0]["subject"], format!("agent:{sam_id}"));
    assert_eq!(
        entries[0]["details"],
        json!({ "email": "sam@desk.test", "role": "supervisor", "skills": [],
                "capacity": null, "first_sign_in": "password" }),
        "the row says what was done, and no password"
    );
    let logins = audit(&["--agent", "sam@desk.test", "--action", "auth."]);
    assert_eq!(
        logins["entries"][0]["actor"],
        format!("agent:{sam_id}"),
        "an action family and another agent: {logins}"
    );

    // Pages: the newest two, then the rest from `next_before`, is the whole log.
    let whole = audit(&["--all"]);
    let total = whole["entries"].as_array().unwrap().len();
    assert!(total >= 4, "logins and the add at least: {whole}");
    assert_eq!(whole["next_before"], Value::Null, "--all reads to the end");
    let first = audit(&["--limit", "2"]);
    let before = first["next_before"].as_i64().expect("more rows to read");
    let rest = audit(&["--before", &before.to_string(), "--limit", "1000"]);
    let seqs: Vec<i64> = first["entries"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["entries"].as_array().unwrap())
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs.len(), total, "two pages hold every row once");
    assert!(
        seqs.windows(2).all(|w| w[0] > w[1]),
        "newest first, without overlap: {seqs:?}"
    );
    assert_eq!(
        audit(&["--since", "2000-01-01T00:00:00+08:00", "--all"])["entries"]
            .as_array()
            .unwrap()
            .len(),
        total,
        "every row is since 2000"
    );
    assert_eq!(
        audit(&["--until", "2000-01-01"])["entries"],
        json!([]),
        "and none before"
    );
    let by_number = desk(
        &keyring,
        &sam,
        &["--json", "admin", "audit", "--ticket", "#12"],
        "",
    );
    assert_eq!(
        err_code(&by_number),
        "bad_request",
        "a ticket's number is not taken for its id"
    );

    let check = ok_json(&desk(
        &keyring,
        &sam,
        &["--json", "admin", "audit", "verify"],
        "",
    ));
    assert_eq!(
        (&check["intact"], &check["broken_at"]),
        (&json!(true), &Value::Null),
        "{check}"
    );
    assert!(
        check["rows"].as_i64().unwrap() >= total as i64,
        "the whole chain is walked: {check}"
    );

    let csv = tmp.path().join("audit.csv");
    let written = ok_json(&desk(
        &keyring,
        &sam,
        &[
            "--json",
            "admin",
            "audit",
            "export",
            "--format",
            "csv",
            "--out",
            csv.to_str().unwrap(),
        ],
        "",
    ));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(
        written["size"].as_u64(),
        Some(text.len() as u64),
        "{written}"
    );
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("seq,at,actor,action,subject,details,hash"),
        "a CSV with its header"
    );
    assert_eq!(lines.count(), total, "a line per row");
    assert!(
        text.contains("agent.add") && !text.contains(sam_password),
        "the adding is in the file, the password never"
    );
    let out = desk(
        &keyring,
        &sam,
        &[
            "admin", "audit", "export", "--format", "jsonl", "--agent", ADMIN,
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object a line"))
        .collect();
    assert_eq!(
        rows.iter().map(|r| &r["seq"]).collect::<Vec<_>>(),
        entries.iter().map(|e| &e["seq"]).collect::<Vec<_>>(),
        "without --out the file goes to standard output, filtered as the listing was"
    );

    rusqlite::Connection::open(server.data_dir.join("desk.sqlite3"))
        .unwrap()
        .execute_batch("UPDATE audit_log SET actor = 'operator:nobody' WHERE seq = 2")
        .unwrap();
    let out = desk(&keyring, &sam, &["--json", "admin", "audit", "verify"], "");
    assert_eq!(
        out.status.code(),
        Some(3),
        "a broken chain exits 3, apart from a check that failed (1): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let check: Value = serde_json::from_slice(&out.stdout).expect("the check is on stdout");
    assert_eq!(
        (&check["intact"], &check["broken_at"]),
        (&json!(false), &json!(2)),
        "the first row that does not check out is named: {check}"
    );
}

#[test]
fn a_supervisor_writes_and_deletes_macros_and_articles_from_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, keyring, _) = with_admin(tmp.path());
    let ada = tmp.path().join("ada");
    let guide = json!({
        "title": "等待确认指引",
        "bodies": { "zh-CN": "{{customer.name}}您好，请在 App 中点击确认。", "en": "Hi {{customer.name}}, tap Confirm." },
        "actions": [{ "type": "set_status", "status": "pending_customer" }]
    })
    .to_string();
    let put = ok_json(&desk(
        &keyring,
        &ada,
        &[
            "--json",
            "admin",
            "macro",
            "put",
            "confirm-guide",
            "--file",
            "-",
        ],
        &guide,
    ));
    assert_eq!(put["variables"], json!(["customer.name"]), "{put}");

    // What a reply may not say, a macro may not either; a file that is not JSON is named.
    let asks = json!({ "title": "x", "bodies": { "zh-CN": "请把助记词发给我们核实" } }).to_string();
    let refused = desk(
        &keyring,
        &ada,
        &["--json", "admin", "macro", "put", "bad", "--file", "-"],
        &asks,
    );
    assert_eq!(err_code(&refused), "bad_request");
    let file = tmp.path().join("article.json");
    std::fs::write(&file, "{ not json").unwrap();
    let broken = desk(
        &keyring,
        &ada,
        &[
            "--json",
            "admin",
            "kb",
            "put",
            "kb-1",
            "--file",
            file.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(err_code(&broken), "bad_request");

    std::fs::write(
        &file,
        json!({ "translations": { "en": { "title": "Confirming", "body": "Tap **Confirm**." } },
                "status": "draft" })
        .to_string(),
    )
    .unwrap();
    let article = ok_json(&desk(
        &keyring,
        &ada,
        &[
            "--json",
            "admin",
            "kb",
            "put",
            "kb-1",
            "--file",
            file.to_str().unwrap(),
        ],
        "",
    ));
    assert_eq!(article["status"], "draft");

    // A plain agent may not write one.
    let amy = tmp.path().join("amy");
    ok_json(&login(&keyring, &amy, &server.url, EMAIL, PASSWORD));
    let forbidden = desk(
        &keyring,
        &amy,
        &["--json", "admin", "macro", "put", "mine", "--file", "-"],
        &guide,
    );
    assert_eq!(err_code(&forbidden), "forbidden");

    let gone = ok_json(&desk(
        &keyring,
        &ada,
        &["--json", "admin", "macro", "delete", "confirm-guide"],
        "",
    ));
    assert_eq!(gone["deleted"], "confirm-guide");
    let again = desk(
        &keyring,
        &ada,
        &["--json", "admin", "macro", "delete", "confirm-guide"],
        "",
    );
    assert_eq!(err_code(&again), "not_found");
    ok_json(&desk(
        &keyring,
        &ada,
        &["--json", "admin", "kb", "delete", "kb-1"],
        "",
    ));
}

#[test]
fn an_admin_invites_an_agent_with_skills_who_accepts_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, keyring, _) = with_admin(tmp.path());
    let ada = tmp.path().join("ada");
    let mei = "mei@desk.test";

    // No --password-stdin: an invitation, its code in the answer.
    let added = ok_json(&desk(
        &keyring,
        &ada,
        &[
            "--json",
            "admin",
            "agent",
            "add",
            mei,
            "--name",
            "Mei 美",
            "--role",
            "agent",
            "--skill",
            "security",
            "--skill",
            "dispute",
            "--capacity",
            "30",
        ],
        "",
    ));
    assert_eq!(
        (
            &added["skills"],
            &added["capacity"],
            &added["invitation_pending"]
        ),
        (&json!(["security", "dispute"]), &json!(30), &json!(true)),
        "{added}"
    );
    let first = added["invitation"]["code"].as_str().unwrap().to_owned();
    let mei_id = added["id"].as_str().unwrap().to_owned();

    // Lost: `invite` hands out a new one, printed for people without --json.
    let out = desk(&keyring, &ada, &["admin", "agent", "invite", mei], "");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let code = text
        .lines()
        .find_map(|l| l.strip_prefix("invitation code: "))
        .unwrap_or_else(|| panic!("the code is printed: {text}"))
        .to_owned();
    assert_ne!(code, first, "a new code");
    assert!(
        text.contains("securely"),
        "it says how to hand it over: {text}"
    );

    let accept = |home: &str, code: &str, password: &str| {
        desk(
            &keyring,
            &tmp.path().join(home),
            &[
                "--json",
                "accept-invitation",
                "--server",
                &server.url,
                "--email",
                mei,
                "--code",
                code,
                "--password-stdin",
            ],
            &format!("{password}\n"),
        )
    };
    assert_eq!(
        err_code(&accept("mei-old", &first, "mei's chosen password")),
        "invalid_invitation",
        "the replaced code stopped working"
    );
    let signed_in = ok_json(&accept("mei", &code, "mei's chosen password"));
    assert_eq!(signed_in["id"], mei_id, "accepting signs the agent in");
    let status = ok_json(&desk(
        &keyring,
        &tmp.path().join("mei"),
        &["--json", "sync"],
        "",
    ));
    assert!(status.is_object(), "the new session syncs: {status}");
    assert_eq!(
        err_code(&accept("mei-again", &code, "another password")),
        "invalid_invitation",
        "a code works once"
    );
    ok_json(&login(
        &keyring,
        &tmp.path().join("mei-login"),
        &server.url,
        mei,
        "mei's chosen password",
    ));

    // Skills and capacity change like the other fields; the list shows them.
    ok_json(&desk(
        &keyring,
        &ada,
        &[
            "--json",
            "admin",
            "agent",
            "set",
            mei,
            "--no-skills",
            "--capacity",
            "none",
        ],
        "",
    ));
    let accounts = ok_json(&desk(&keyring, &ada, &["--json", "admin", "agents"], ""));
    let listed = account(&accounts, mei);
    assert_eq!(
        (
            &listed["skills"],
            &listed["capacity"],
            &listed["invitation_pending"]
        ),
        (&json!([]), &Value::Null, &json!(false)),
        "{listed}"
    );
    assert_eq!(
        err_code(&desk(
            &keyring,
            &ada,
            &["--json", "admin", "agent", "invite", mei],
            ""
        )),
        "conflict",
        "an agent with a password is not invited again"
    );
    let out = desk(
        &keyring,
        &ada,
        &["--json", "admin", "agent", "set", mei, "--skill", "cooking"],
        "",
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown category is a usage error, naming the categories: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("transaction_confirmation"));
}

#[test]
fn an_admin_lists_writes_and_deletes_groups_and_one_in_use_is_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, keyring, _) = with_admin(tmp.path());
    let ada = tmp.path().join("ada");
    let list = |home: &Path| {
        ok_json(&desk(&keyring, home, &["--json", "sync"], ""));
        ok_json(&desk(
            &keyring,
            home,
            &["--json", "admin", "group", "list"],
            "",
        ))
    };

    // The demo's teams arrive with every console's sync, named in both languages.
    let seeded = list(&ada);
    let ids: Vec<&str> = seeded
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "cn-support",
            "disputes",
            "global-support",
            "security",
            "vip-desk"
        ],
        "{seeded}"
    );
    assert_eq!(seeded[0]["names"]["zh-CN"], "中文一线");
    assert_eq!(seeded[0]["names"]["en"], "Chinese tier 1");

    let tier2 =
        json!({ "names": { "zh-CN": "二线支持", "en": "Tier 2" }, "description": "疑难工单" })
            .to_string();
    let put = ok_json(&desk(
        &keyring,
        &ada,
        &["--json", "admin", "group", "put", "tier-2", "--file", "-"],
        &tier2,
    ));
    assert_eq!(put["names"]["en"], "Tier 2", "{put}");
    let refused = desk(
        &keyring,
        &ada,
        &["--json", "admin", "group", "put", "Tier-2", "--file", "-"],
        &tier2,
    );
    assert_eq!(err_code(&refused), "bad_request", "ids are lowercase");

    // A plain agent may not write one, but sees every group.
    let amy = tmp.path().join("amy");
    ok_json(&login(&keyring, &amy, &server.url, EMAIL, PASSWORD));
    let forbidden = desk(
        &keyring,
        &amy,
        &["--json", "admin", "group", "put", "mine", "--file", "-"],
        &tier2,
    );
    assert_eq!(err_code(&forbidden), "forbidden");
    assert_eq!(list(&amy).as_array().unwrap().len(), 6, "the new one too");

    // Amy works in it: it stays until she is moved.
    ok_json(&desk(
        &keyring,
        &ada,
        &[
            "--json", "admin", "agent", "set", EMAIL, "--groups", "tier-2",
        ],
        "",
    ));
    let kept = desk(
        &keyring,
        &ada,
        &["--json", "admin", "group", "delete", "tier-2"],
        "",
    );
    assert_eq!(err_code(&kept), "conflict");
    assert!(
        String::from_utf8_lossy(&kept.stderr).contains("1 enabled agent(s)"),
        "the refusal says why: {}",
        String::from_utf8_lossy(&kept.stderr)
    );
    ok_json(&desk(
        &keyring,
        &ada,
        &["--json", "admin", "agent", "set", EMAIL, "--groups", ""],
        "",
    ));
    let gone = ok_json(&desk(
        &keyring,
        &ada,
        &["--json", "admin", "group", "delete", "tier-2"],
        "",
    ));
    assert_eq!(gone["deleted"], "tier-2");
    assert_eq!(
        list(&ada).as_array().unwrap().len(),
        5,
        "the deletion reached the cache"
    );

    let human = desk(&keyring, &ada, &["admin", "group", "list"], "");
    assert!(human.status.success());
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("cn-support  en: Chinese tier 1 · zh-CN: 中文一线"),
        "{text}"
    );
}
