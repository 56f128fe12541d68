//! The administration screens in the real window, in both languages: a supervisor writes a
//! macro and a draft article in Chinese and reads the audit log in English, while an
//! agent's console, open all along on its own display and profile, is offered the macro
//! after its next sync and sends a reply with it, status change and all; an admin invites
//! an agent in the window, and the agent accepts the invitation in a fresh console.

use std::path::Path;

use testsupport::{
    KeyringSession, ServerProcess, TauriDriver, WebDriver, Xvfb, artifacts_dir, bin_path,
    seed_data_dir, server_cmd,
};

use super::{EMAIL, ENTER, LONG, PASSWORD, has_cjk, opened_ticket};

const SUPERVISOR: &str = "zhou.min@desk.test";
const ADMIN: &str = "root@desk.test";
const MACRO_ID: &str = "e2e-withdrawal-checking";
const MACRO_TITLE: &str = "提币核查中";
const MACRO_ZH: &str = "您好，您的提币正在核查中（工单 {{ticket.number}}），请耐心等待。";
const MACRO_EN: &str = "Hello, we are checking your withdrawal (ticket {{ticket.number}}).";
const ARTICLE_ID: &str = "e2e-withdrawal-times";

/// One console: the app on its own display, with its own profile and webview data (its
/// local storage, so the language one console chose is not another's), sharing the test's
/// Secret Service.
struct Console {
    /// Named in a screenshot taken when the test fails with this console open.
    name: String,
    // Dropped in this order: the session, its driver, then the display.
    session: Option<WebDriver>,
    _driver: TauriDriver,
    x: Xvfb,
}

impl Console {
    fn open(keyring: &KeyringSession, dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let (home, data, cache) = (
            dir.join("home"),
            dir.join("xdg-data"),
            dir.join("xdg-cache"),
        );
        let env = [
            ("DESK_HOME", home.as_os_str()),
            ("XDG_DATA_HOME", data.as_os_str()),
            ("XDG_CACHE_HOME", cache.as_os_str()),
            ("DESK_LOG", std::ffi::OsStr::new("debug")),
        ];
        let x = Xvfb::start();
        let driver = TauriDriver::start(&x, keyring, &env, &dir.join("app.log"));
        let wd = WebDriver::launch(&driver.url, &bin_path("desk-app"));
        Self {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            session: Some(wd),
            _driver: driver,
            x,
        }
    }

    fn wd(&self) -> &WebDriver {
        self.session.as_ref().expect("the console is open")
    }

    /// Signs in with a password and waits for the console to show who is signed in.
    fn sign_in(&self, server: &str, email: &str, password: &str) {
        let wd = self.wd();
        let url = wd.wait("[data-testid=server-url]", LONG);
        wd.clear(&url);
        wd.type_text(&url, server);
        wd.type_text(&wd.wait("[data-testid=email]", LONG), email);
        wd.type_text(&wd.wait("[data-testid=password]", LONG), password);
        wd.click(&wd.wait("[data-testid=sign-in]", LONG));
        wd.wait("[data-testid=connectivity]", LONG);
    }

    /// Switches the UI to `locale` with the language button, if it is not in it already.
    fn use_language(&self, locale: &str) {
        let wd = self.wd();
        let lang = |wd: &WebDriver| {
            wd.execute(
                "return document.documentElement.lang",
                serde_json::json!([]),
            )
            .as_str()
            .unwrap_or_default()
            .to_owned()
        };
        if lang(wd) != locale {
            wd.click(&wd.wait("[data-testid=lang-toggle]", LONG));
        }
        wd.until(&format!("the UI switches to {locale}"), LONG, |wd| {
            lang(wd) == locale
        });
    }

    /// Opens an administration screen from the sidebar.
    fn open_view(&self, view: &str) -> String {
        let wd = self.wd();
        wd.click(&wd.wait(&format!("[data-testid=view-{view}]"), LONG));
        let screen = view.replace('_', "-");
        wd.wait(&format!("[data-testid={screen}]"), LONG)
    }

    /// A PNG of this console's whole display, kept for a person to look at.
    fn screenshot(&self, name: &str) {
        assert!(
            self.x.screenshot(&artifacts_dir().join(name)),
            "screenshot of the real window {name}"
        );
    }

    /// Ends the session, which closes the app; the display and driver go with `self`.
    fn close(mut self) {
        if let Some(wd) = self.session.take() {
            wd.quit();
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        // What the window showed when an assertion failed, for the person reading why.
        if std::thread::panicking() {
            self.x
                .screenshot(&artifacts_dir().join(format!("e2e-admin-failed-{}.png", self.name)));
        }
    }
}

/// Picks `value` in the `<select>` `select` as a person does, by clicking its option.
fn choose(wd: &WebDriver, select: &str, value: &str) {
    wd.click(&wd.wait(&format!("{select} option[value=\"{value}\"]"), LONG));
}

/// Types `text` into a text area, its line breaks as the Enter key.
fn type_lines(wd: &WebDriver, el: &str, text: &str) {
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            wd.type_text(el, ENTER);
        }
        if !line.is_empty() {
            wd.type_text(el, line);
        }
    }
}

/// Replaces an input's value with `text`.
fn replace(wd: &WebDriver, el: &str, text: &str) {
    wd.clear(el);
    wd.type_text(el, text);
}

#[test]
fn a_macro_written_in_chinese_on_one_console_is_used_on_another_after_its_next_sync() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("server");
    seed_data_dir(&data, 20, EMAIL, PASSWORD);
    server_cmd(
        &[
            "agent",
            "add",
            "--data-dir",
            data.to_str().unwrap(),
            "--email",
            SUPERVISOR,
            "--name",
            "Zhou Min 周敏",
            "--role",
            "supervisor",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    let server = ServerProcess::start(&data);
    let keyring = KeyringSession::start(tmp.path());

    // Console B: the agent, in English, on a ticket whose status the macro will change.
    let b = Console::open(&keyring, &tmp.path().join("agent"));
    b.use_language("en");
    b.sign_in(&server.url, EMAIL, PASSWORD);
    assert_eq!(
        b.wd().count("[data-testid=admin-views]"),
        0,
        "an agent is offered no administration screen"
    );
    let rows = b.wd().wait_all("[data-testid=ticket-row]", LONG);
    let mut ticket = None;
    for row in rows.iter().take(8) {
        b.wd().click(row);
        let id = b.wd().attr(row, "data-ticket-id").unwrap();
        b.wd()
            .until("the ticket opens", LONG, |wd| opened_ticket(wd) == id);
        let status = b
            .wd()
            .value(&b.wd().wait("[data-testid=edit-status]", LONG));
        if status != "pending_customer" && status != "solved" && status != "closed" {
            ticket = Some(id);
            break;
        }
    }
    let ticket = ticket.expect("one of the first seeded tickets is still being worked on");
    b.wd().wait("[data-testid=composer-body]", LONG);
    assert_eq!(
        b.wd().count(&format!(
            "[data-testid=macro-select] option[value=\"{MACRO_ID}\"]"
        )),
        0,
        "the macro does not exist yet"
    );

    // Console A: the supervisor, in Chinese, writes the macro through the form.
    let a = Console::open(&keyring, &tmp.path().join("supervisor"));
    a.use_language("zh-CN");
    a.sign_in(&server.url, SUPERVISOR, PASSWORD);
    for view in ["admin_macros", "admin_articles", "admin_audit"] {
        a.wd().wait(&format!("[data-testid=view-{view}]"), LONG);
    }
    assert_eq!(
        a.wd().count("[data-testid=view-admin_agents]"),
        0,
        "agents are an admin's, not a supervisor's"
    );
    let screen = a.open_view("admin_macros");
    let heading = a.wd().text(&a.wd().wait("#admin-macros-title", LONG));
    assert_eq!(heading, "快捷回复", "the screen reads in Chinese");
    assert!(
        has_cjk(&a.wd().text(&screen)),
        "the screen reads in Chinese"
    );
    a.wd().click(&a.wd().wait("[data-testid=macro-new]", LONG));
    let wd = &a.wd();
    wd.type_text(&wd.wait("[data-testid=macro-title]", LONG), MACRO_TITLE);
    replace(wd, &wd.wait("[data-testid=macro-id]", LONG), MACRO_ID);
    // A new macro starts with a Chinese and an English tab, Chinese shown.
    wd.type_text(
        &wd.wait("[data-testid=macro-body][data-language=zh-CN]", LONG),
        MACRO_ZH,
    );
    wd.click(&wd.wait("[data-testid=lang-tab][data-language=en]", LONG));
    wd.type_text(
        &wd.wait("[data-testid=macro-body][data-language=en]", LONG),
        MACRO_EN,
    );
    wd.click(&wd.wait("[data-testid=macro-action-add]", LONG));
    choose(wd, "[data-testid=macro-action-type]", "set_status");
    choose(wd, "[data-testid=macro-action-value]", "pending_customer");
    wd.click(&wd.wait("[data-testid=macro-form-submit]", LONG));
    let row = wd.wait(
        &format!("[data-testid=macro-row][data-macro-id=\"{MACRO_ID}\"]"),
        LONG,
    );
    assert_eq!(
        wd.count("[data-testid=macro-form-error]"),
        0,
        "the server took the macro"
    );
    assert_eq!(
        wd.text(&wd.wait(
            &format!("[data-macro-id=\"{MACRO_ID}\"] [data-testid=macro-row-title]"),
            LONG
        )),
        MACRO_TITLE,
        "the new macro is listed by its title: {}",
        wd.text(&row)
    );
    let languages = wd.text(&wd.wait(
        &format!("[data-macro-id=\"{MACRO_ID}\"] [data-testid=macro-row-languages]"),
        LONG,
    ));
    assert!(
        languages.contains("zh-CN") && languages.contains("en"),
        "both bodies were stored: {languages:?}"
    );
    let done = wd.text(&wd.wait("[data-testid=macro-done]", LONG));
    assert!(
        done.contains(MACRO_TITLE) && has_cjk(&done),
        "the console says in Chinese that the macro was created: {done:?}"
    );
    a.screenshot("e2e-admin-macros-zh-CN.png");

    // Console B, untouched: its next sync brings the macro to the composer's picker.
    let option = format!("[data-testid=macro-select] option[value=\"{MACRO_ID}\"]");
    b.wd()
        .until("the agent's console is offered the new macro", LONG, |wd| {
            wd.count(&option) == 1
        });
    assert_eq!(
        opened_ticket(b.wd()),
        ticket,
        "the agent is still on the same ticket"
    );
    choose(b.wd(), "[data-testid=macro-select]", MACRO_ID);
    let body = b.wd().wait("[data-testid=composer-body]", LONG);
    let filled = b.wd().value(&body);
    let (zh_lead, en_lead) = (
        "您好，您的提币正在核查中（工单 #",
        "Hello, we are checking your withdrawal (ticket #",
    );
    assert!(
        (filled.starts_with(zh_lead) || filled.starts_with(en_lead)) && !filled.contains("{{"),
        "the macro's body in the ticket's language, its ticket number filled in: {filled:?}"
    );
    let pending = b.wd().wait(
        "[data-testid=composer] [data-testid=macro-action][data-action=set_status]",
        LONG,
    );
    assert!(
        !b.wd().text(&pending).is_empty(),
        "the status the macro will set waits under the text"
    );
    b.screenshot("e2e-admin-macro-used-en.png");
    b.wd()
        .click(&b.wd().wait("[data-testid=composer-send]", LONG));
    b.wd().until(
        "the reply and its status change are delivered",
        LONG,
        |wd| {
            wd.value(&wd.wait("[data-testid=composer-body]", LONG))
                .is_empty()
                && wd.count("[data-testid=message][data-unsent]") == 0
                && wd.count("[data-testid=outbox-pill]") == 0
        },
    );
    assert_eq!(
        b.wd()
            .value(&b.wd().wait("[data-testid=edit-status]", LONG)),
        "pending_customer",
        "the macro's action changed the ticket's status"
    );
    assert!(
        b.wd()
            .wait_all("[data-testid=message-body]", LONG)
            .iter()
            .any(|m| b.wd().text(m).trim() == filled.trim()),
        "the macro's text was sent as the reply"
    );

    // Console A: a draft article in Markdown, its preview rendered beside it.
    a.open_view("admin_articles");
    let wd = &a.wd();
    wd.click(&wd.wait("[data-testid=article-new]", LONG));
    wd.type_text(
        &wd.wait("[data-testid=article-title][data-language=zh-CN]", LONG),
        "提币多久到账？",
    );
    type_lines(
        wd,
        &wd.wait("[data-testid=article-body][data-language=zh-CN]", LONG),
        "## 到账时间\n\n提币通常在 **30 分钟**内到账。\n\n- 打开资产页面\n- 查看提币记录",
    );
    let preview = "[data-testid=article-preview]";
    wd.wait(&format!("{preview} h2"), LONG);
    wd.wait(&format!("{preview} strong"), LONG);
    assert_eq!(
        wd.count(&format!("{preview} li")),
        2,
        "the Markdown list is rendered as one"
    );
    replace(wd, &wd.wait("[data-testid=article-id]", LONG), ARTICLE_ID);
    wd.type_text(
        &wd.wait("[data-testid=article-tags]", LONG),
        "提币, withdrawal",
    );
    assert!(
        wd.execute(
            "return arguments[0].checked",
            serde_json::json!([WebDriver::element(
                &wd.wait("[data-testid=article-status-draft]", LONG)
            )]),
        )
        .as_bool()
            == Some(true),
        "a new article starts as a draft"
    );
    a.screenshot("e2e-admin-article-form-zh-CN.png");
    wd.click(&wd.wait("[data-testid=article-form-submit]", LONG));
    let article = format!("[data-testid=article-row][data-article-id=\"{ARTICLE_ID}\"]");
    let row = wd.wait(&article, LONG);
    assert_eq!(
        wd.attr(&row, "data-status").as_deref(),
        Some("draft"),
        "the article was stored as a draft"
    );
    assert_eq!(
        wd.text(&wd.wait(&format!("{article} [data-testid=article-row-title]"), LONG)),
        "提币多久到账？",
        "the article is listed by its Chinese title"
    );
    a.screenshot("e2e-admin-articles-zh-CN.png");

    // Console A in English: the audit log holds both writes and the agent's push.
    a.use_language("en");
    a.open_view("admin_audit");
    let wd = &a.wd();
    wd.wait("[data-testid=audit-row]", LONG);
    for (action, subject) in [
        ("macro.put", format!("macro:{MACRO_ID}")),
        ("kb.put", format!("kb:{ARTICLE_ID}")),
        ("push.applied", format!("ticket:{ticket}")),
    ] {
        let css = format!(
            "[data-testid=audit-row][data-action=\"{action}\"] [data-testid=audit-subject][title=\"{subject}\"]"
        );
        assert!(
            wd.count(&css) > 0,
            "the audit log shows {action} on {subject}: {}",
            wd.text(&wd.wait("[data-testid=audit-table]", LONG))
        );
    }
    // Read by their titles, not their ids (the article's in the UI language, else its own).
    let subject_of = |action: &str| {
        wd.text(&wd.wait(
            &format!(
                "[data-testid=audit-row][data-action=\"{action}\"] [data-testid=audit-subject]"
            ),
            LONG,
        ))
    };
    assert_eq!(subject_of("macro.put"), MACRO_TITLE);
    assert_eq!(subject_of("kb.put"), "提币多久到账？");
    let heading = wd.text(&wd.wait("#admin-audit-title", LONG));
    assert_eq!(heading, "Audit log", "the screen reads in English again");
    a.screenshot("e2e-admin-audit-en.png");

    a.close();
    b.close();
    server.stop();
}

#[test]
fn an_admin_invites_an_agent_in_the_window_and_the_agent_accepts_in_a_fresh_console() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("server");
    seed_data_dir(&data, 20, EMAIL, PASSWORD);
    server_cmd(
        &[
            "agent",
            "add",
            "--data-dir",
            data.to_str().unwrap(),
            "--email",
            ADMIN,
            "--name",
            "Root Admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    let server = ServerProcess::start(&data);
    let keyring = KeyringSession::start(tmp.path());
    let (invited, name) = ("mei@desk.test", "Mei 美");

    let admin = Console::open(&keyring, &tmp.path().join("admin"));
    admin.use_language("en");
    admin.sign_in(&server.url, ADMIN, PASSWORD);
    admin.open_view("admin_agents");
    let wd = &admin.wd();
    wd.click(&wd.wait("[data-testid=agent-add]", LONG));
    wd.type_text(&wd.wait("[data-testid=agent-form-name]", LONG), name);
    wd.type_text(&wd.wait("[data-testid=agent-form-email]", LONG), invited);
    wd.type_text(
        &wd.wait("[data-testid=agent-form-languages]", LONG),
        "zh-CN, en",
    );
    let invite = wd.wait("[data-testid=agent-form-invite]", LONG);
    assert!(
        wd.execute(
            "return arguments[0].checked",
            serde_json::json!([WebDriver::element(&invite)])
        )
        .as_bool()
            == Some(true),
        "a new agent is invited by default, no password chosen for them"
    );
    assert_eq!(
        wd.count("[data-testid=agent-form-password]"),
        0,
        "an invited agent's password is theirs to choose"
    );
    wd.click(&wd.wait("[data-testid=agent-form-submit]", LONG));
    let code = wd
        .text(&wd.wait("[data-testid=invitation-code]", LONG))
        .trim()
        .to_owned();
    assert!(code.len() >= 8, "an invitation code to hand over: {code:?}");
    let issued = wd.wait("[data-testid=invitation-issued]", LONG);
    let id = wd
        .attr(&issued, "data-agent-id")
        .expect("the invited agent's id");
    let status = wd.wait(
        &format!("[data-testid=agent-row][data-agent-id=\"{id}\"] [data-testid=agent-status]"),
        LONG,
    );
    assert_eq!(
        wd.attr(&status, "data-status").as_deref(),
        Some("invited"),
        "the new agent is listed as invited until they accept"
    );
    admin.screenshot("e2e-admin-agents-en.png");
    admin.close();

    // The invited agent, in a console of their own, in Chinese.
    let agent = Console::open(&keyring, &tmp.path().join("invited"));
    agent.use_language("zh-CN");
    let wd = &agent.wd();
    wd.click(&wd.wait("[data-testid=invitation-toggle]", LONG));
    wd.wait("[data-testid=invitation-intro]", LONG);
    replace(wd, &wd.wait("[data-testid=server-url]", LONG), &server.url);
    wd.type_text(&wd.wait("[data-testid=email]", LONG), invited);
    wd.type_text(&wd.wait("[data-testid=invitation-code-input]", LONG), &code);
    let chosen = "梅的新密码 long enough";
    wd.type_text(&wd.wait("[data-testid=password]", LONG), chosen);
    wd.type_text(&wd.wait("[data-testid=password-repeat]", LONG), chosen);
    agent.screenshot("e2e-admin-invitation-zh-CN.png");
    wd.click(&wd.wait("[data-testid=sign-in][data-mode=invitation]", LONG));
    wd.wait("[data-testid=connectivity]", LONG);
    let shown = wd.text(&wd.wait("[data-testid=agent-name]", LONG));
    assert!(
        shown.contains(name),
        "the agent who accepted is signed in: {shown:?}"
    );
    agent.screenshot("e2e-admin-invitation-accepted-zh-CN.png");
    agent.close();

    // The password they chose is the account's now; the code is spent.
    let http = reqwest::blocking::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        http.post(format!("{}/api/v1/auth/{path}", server.url))
            .json(&body)
            .send()
            .unwrap()
            .status()
    };
    assert!(
        post(
            "login",
            serde_json::json!({ "email": invited, "password": chosen, "device_name": "e2e" })
        )
        .is_success(),
        "the agent signs in with the password they chose"
    );
    assert!(
        !post(
            "invitation",
            serde_json::json!({
                "email": invited, "code": code, "password": "another password", "device_name": "e2e"
            })
        )
        .is_success(),
        "an invitation code is used once"
    );
    server.stop();
}
