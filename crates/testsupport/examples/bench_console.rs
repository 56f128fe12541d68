//! `cargo xtask bench console`: the real console (release `desk-app` serving the built UI)
//! in a real window under Xvfb, driven over WebDriver, on an encrypted cache of 100k
//! tickets, its key in a real Secret Service on a private D-Bus session.
//!
//! The cache is built per run: a release `desk-server` seeded with the demo dataset, the
//! `desk` CLI signing in and pulling into the profile the app then opens. Latencies are
//! measured inside the page (`performance` marks and clocks), so WebDriver's round trips do
//! not count; start to interactive is the only one that spans processes, and it compares
//! the wall clock before the new-session request with the page's `timeOrigin` plus the
//! UI's `desk:list-interactive` mark. See BENCHMARKS.md ("console") for the definitions.
//!
//! JSON lines on stdout, progress on stderr.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;
use testsupport::{
    KeyringSession, ServerProcess, TauriDriver, WebDriver, Xvfb, bin_path, seed_data_dir,
};

const EMAIL: &str = "bench.agent@desk.test";
const PASSWORD: &str = "bench console 基准 2026";
/// The inbox views in the sidebar, cycled through by the view-switch measurement.
const VIEWS: [&str; 5] = ["open", "mine", "unassigned", "awaiting_confirmation", "all"];

struct Options {
    tickets: u32,
    runs: usize,
    switches: usize,
    opens: usize,
}

fn options() -> Options {
    let mut o = Options {
        tickets: 100_000,
        runs: 5,
        switches: 20,
        opens: 20,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().and_then(|v| v.parse::<usize>().ok());
        match (flag.as_str(), value) {
            ("--tickets", Some(n)) => o.tickets = n as u32,
            // 0: the in-session measurements in the very first start, while the app still
            // indexes the fresh cache for search.
            ("--runs", Some(n)) => o.runs = n,
            ("--switches", Some(n)) if n > 0 => o.switches = n,
            ("--opens", Some(n)) if n > 0 => o.opens = n,
            _ => {
                eprintln!(
                    "usage: bench_console [--tickets N] [--runs N] [--switches N] [--opens N]"
                );
                std::process::exit(2)
            }
        }
    }
    o
}

fn main() {
    let o = options();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let home = root.join("console");

    let t = Instant::now();
    let data = root.join("server");
    seed_data_dir(&data, o.tickets, EMAIL, PASSWORD);
    // Quiet: its request log would bury the bench's progress.
    let listen = [
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data.to_str().unwrap(),
    ];
    let server = ServerProcess::start_with(&listen, &[("DESK_LOG_LEVEL", "warn")], None, false);
    eprintln!(
        "bench_console: server seeded with {} tickets in {:.1}s",
        o.tickets,
        t.elapsed().as_secs_f64()
    );
    let keyring = KeyringSession::start(root);
    let t = Instant::now();
    desk(
        &keyring,
        &home,
        &[
            "login",
            "--server",
            &server.url,
            "--email",
            EMAIL,
            "--password-stdin",
        ],
        PASSWORD,
    );
    desk(&keyring, &home, &["sync"], "");
    eprintln!(
        "bench_console: cache built (login + bootstrap) in {:.1}s",
        t.elapsed().as_secs_f64()
    );

    // The machine is shared: say how busy it was, beside the figures.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    eprintln!(
        "bench_console: load average before the starts: {}",
        load.trim()
    );
    let x = Xvfb::start();
    let app = bin_path("desk-app");
    let log = root.join("app.log");
    let driver = TauriDriver::start(&x, &keyring, &[("DESK_HOME", home.as_os_str())], &log);

    // One warm-up start (the binary, WebKit and the cache file into the page cache), then
    // the measured ones.
    let mut starts = Vec::new();
    for run in 0..=o.runs {
        let (wd, start) = launch(&driver, &app);
        eprintln!(
            "bench_console: start {run}{}: {:.0} ms to interactive (process to page origin {:.0}, \
             origin to DOMContentLoaded {:.0}, to first rows {:.0}; {} rows listed)",
            if run == 0 { " (warm-up)" } else { "" },
            start.total,
            start.to_origin,
            start.to_dom_loaded,
            start.to_rows,
            start.rows,
        );
        if run > 0 {
            starts.push(start.total);
        }
        if run < o.runs {
            quit(wd, &app);
            continue;
        }
        // The last session stays open for the in-session measurements.
        let switches = view_switches(&wd, o.switches);
        let opens = ticket_opens(&wd, o.opens);
        profile_list(&wd);
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        eprintln!("bench_console: load average after: {}", load.trim());
        let memory = memory_of(&app);
        report(&starts, &switches, &opens, &memory);
        quit(wd, &app);
    }
    drop(driver);
    drop(x);
    drop(keyring);
    drop(server);
}

/// Runs the `desk` CLI on the profile, in the private keyring session, to completion.
fn desk(keyring: &KeyringSession, home: &Path, args: &[&str], stdin: &str) {
    let mut cmd = Command::new(bin_path("desk"));
    keyring.apply(&mut cmd).arg("--home").arg(home).args(args);
    let out = testsupport::spawn_with_stdin(&mut cmd, stdin)
        .wait_with_output()
        .unwrap();
    assert!(
        out.status.success(),
        "desk {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

struct Start {
    total: f64,
    to_origin: f64,
    to_dom_loaded: f64,
    to_rows: f64,
    rows: u64,
}

/// Waits (in the page, so no polling round trips are counted) for the list's first
/// interactive frame, and returns the page's clocks for it.
const AWAIT_INTERACTIVE: &str = r#"
const done = arguments[arguments.length - 1];
const poll = () => {
  const mark = performance.getEntriesByName('desk:list-interactive')[0];
  if (!mark) return setTimeout(poll, 5);
  const nav = performance.getEntriesByType('navigation')[0];
  const list = document.querySelector('[data-testid=ticket-list]');
  done({
    origin: performance.timeOrigin,
    mark: mark.startTime,
    domLoaded: nav ? nav.domContentLoadedEventEnd : 0,
    rows: Number(list?.getAttribute('data-count') ?? 0),
  });
};
poll();
"#;

/// Launches the app through a new WebDriver session and times start to interactive.
fn launch(driver: &TauriDriver, app: &Path) -> (WebDriver, Start) {
    let before = epoch_ms();
    let wd = WebDriver::launch(&driver.url, app);
    let v = wd.execute_async(AWAIT_INTERACTIVE, json!([]));
    let origin = v["origin"]
        .as_f64()
        .expect("the page reports its time origin");
    let mark = v["mark"]
        .as_f64()
        .expect("the UI marks its first interactive list");
    let dom = v["domLoaded"].as_f64().unwrap_or(0.0);
    let start = Start {
        total: origin + mark - before,
        to_origin: origin - before,
        to_dom_loaded: dom,
        to_rows: mark - dom,
        rows: v["rows"].as_u64().unwrap_or(0),
    };
    (wd, start)
}

/// Ends the session and waits until the app process has gone, so the next start is a
/// start and not a second window.
fn quit(wd: WebDriver, app: &Path) {
    wd.quit();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !app_pids(app).is_empty() {
        assert!(Instant::now() < deadline, "the app did not exit after quit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Shared by the in-page measurements: `settled(check)` resolves once `check()` holds,
/// watching DOM mutations, then waits for the next frame to be painted and the event loop
/// to come back (what the agent sees, and can act on).
const SETTLED: &str = r#"
const settled = (check) => new Promise((resolve) => {
  const finish = () => requestAnimationFrame(() => setTimeout(resolve));
  if (check()) return finish();
  const mo = new MutationObserver(() => {
    if (check()) { mo.disconnect(); finish(); }
  });
  mo.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
});
"#;

/// Clicks a view in the sidebar; done when that view is current and its list is loaded
/// and drawn (rows, or the empty state).
const SWITCH_VIEW: &str = r#"
const [view, done] = arguments;
const button = document.querySelector(`[data-testid=view-${view}]`);
const t0 = performance.now();
button.click();
settled(() => {
  const list = document.querySelector('[data-testid=ticket-list]');
  return button.getAttribute('aria-current') === 'page'
    && list?.getAttribute('data-status') === 'ready'
    && !!list.querySelector('[data-testid=ticket-row], [data-testid=list-empty]');
}).then(() => done({
  ms: performance.now() - t0,
  rows: Number(document.querySelector('[data-testid=ticket-list]').getAttribute('data-count')),
  // The top bar's "indexing for search" while the background indexer works the cache.
  indexing: document.querySelector('[data-testid=indexing]')?.textContent?.trim() ?? null,
}));
"#;

/// Each switch's time, and whether the search indexer was at work when it ended.
fn view_switches(wd: &WebDriver, n: usize) -> Vec<(f64, bool)> {
    let script = format!("{SETTLED}{SWITCH_VIEW}");
    // Starting from the inbox ("open"); one warm-up pass over the views first.
    let mut out = Vec::new();
    for i in 1..=(n + VIEWS.len()) {
        let view = VIEWS[i % VIEWS.len()];
        let v = wd.execute_async(&script, json!([view]));
        let ms = v["ms"].as_f64().expect("the view switch reports its time");
        let indexing = v["indexing"].as_str();
        if i > VIEWS.len() {
            out.push((ms, indexing.is_some()));
        }
        eprintln!(
            "bench_console: switch to {view}: {ms:.1} ms ({} rows){}",
            v["rows"],
            indexing.map(|t| format!(", while {t}")).unwrap_or_default()
        );
    }
    out
}

/// Clicks the `index`-th drawn row; done when that ticket's detail is loaded and drawn
/// with its conversation and the customer panel.
const OPEN_TICKET: &str = r#"
const [index, done] = arguments;
const rows = document.querySelectorAll('[data-testid=ticket-row]');
const row = rows[index % rows.length];
const id = row.getAttribute('data-ticket-id');
const t0 = performance.now();
row.click();
settled(() => {
  const d = document.querySelector(`[data-testid=ticket-detail][data-ticket-id="${id}"]`);
  return d?.getAttribute('data-status') === 'ready'
    && !!d.querySelector('[data-testid=message-body], [data-testid=conversation-on-server]')
    && !!document.querySelector('[data-testid=customer-panel]');
}).then(() => done({ ms: performance.now() - t0, id }));
"#;

/// Opens tickets one after another, each a different one: down the drawn rows of the
/// inbox, then of the next views.
fn ticket_opens(wd: &WebDriver, n: usize) -> Vec<f64> {
    let switch = format!("{SETTLED}{SWITCH_VIEW}");
    let open = format!("{SETTLED}{OPEN_TICKET}");
    let per_view = 10;
    let mut out = Vec::new();
    // One warm-up open, not counted.
    for i in 0..=n {
        if i > 0 && (i - 1) % per_view == 0 {
            let view = VIEWS[((i - 1) / per_view) % VIEWS.len()];
            wd.execute_async(&switch, json!([view]));
        }
        let v = wd.execute_async(&open, json!([i % per_view]));
        let ms = v["ms"].as_f64().expect("the ticket open reports its time");
        if i > 0 {
            out.push(ms);
        }
        eprintln!("bench_console: open {}: {ms:.1} ms", v["id"]);
    }
    out
}

/// The inbox query alone through the app's command (IPC, the store, JSON both ways), at
/// the sizes the list asks for, to tell that cost from the UI's.
const INVOKE_LIST: &str = r#"
const [limit, done] = arguments;
const t0 = performance.now();
window.__TAURI_INTERNALS__.invoke('list_tickets', { view: 'open', limit })
  .then((rows) => done({ ms: performance.now() - t0, rows: rows.length, bytes: JSON.stringify(rows).length }));
"#;

fn profile_list(wd: &WebDriver) {
    for limit in [50, 1_000, 10_000] {
        let mut times = Vec::new();
        let mut last = json!(null);
        for _ in 0..5 {
            last = wd.execute_async(INVOKE_LIST, json!([limit]));
            times.push(last["ms"].as_f64().unwrap_or(f64::NAN));
        }
        eprintln!(
            "bench_console: list_tickets(open, {limit}) through IPC: median {:.0} ms ({} rows, {} KB of JSON)",
            percentile(&times, 50.0),
            last["rows"],
            last["bytes"].as_f64().unwrap_or(0.0) / 1000.0,
        );
    }
}

/// The app's processes: those running the app binary.
fn app_pids(app: &Path) -> Vec<u32> {
    let app = std::fs::canonicalize(app).unwrap_or_else(|_| app.to_path_buf());
    procs()
        .into_iter()
        .filter(|&(pid, _)| {
            std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == app)
        })
        .map(|(pid, _)| pid)
        .collect()
}

/// Every process as (pid, parent pid).
fn procs() -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The command name is in parentheses and may hold spaces; the ppid follows the state.
        let after = &stat[stat.rfind(')').map_or(0, |i| i + 1)..];
        if let Some(ppid) = after.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            out.push((pid, ppid));
        }
    }
    out
}

/// A `kB` field of a /proc file, in MiB.
fn kb_field(path: PathBuf, field: &str) -> f64 {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

struct Memory {
    app_rss: f64,
    app_pss: f64,
    tree_rss: f64,
    tree_pss: f64,
    tree: Vec<String>,
}

/// The app process and its descendants (WebKit's web and network processes).
fn memory_of(app: &Path) -> Memory {
    let pid = *app_pids(app).first().expect("the app is running");
    let all = procs();
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(all.iter().filter(|p| p.1 == parent).map(|p| p.0));
        i += 1;
    }
    let rss = |p: u32| kb_field(format!("/proc/{p}/status").into(), "VmRSS:");
    let pss = |p: u32| kb_field(format!("/proc/{p}/smaps_rollup").into(), "Pss:");
    let names = tree
        .iter()
        .map(|&p| {
            let comm = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
            format!("{} {:.0} MiB", comm.trim(), rss(p))
        })
        .collect();
    Memory {
        app_rss: rss(pid),
        app_pss: pss(pid),
        tree_rss: tree.iter().map(|&p| rss(p)).sum(),
        tree_pss: tree.iter().map(|&p| pss(p)).sum(),
        tree: names,
    }
}

/// The nearest-rank percentile of `xs` (0 < p ≤ 100).
fn percentile(xs: &[f64], p: f64) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

fn metric(name: &str, value: f64, unit: &str, target: Option<f64>, better: &str) {
    let value = (value * 10.0).round() / 10.0;
    println!(
        "{}",
        json!({ "metric": name, "value": value, "unit": unit, "target": target, "better": better })
    );
}

fn report(starts: &[f64], switches: &[(f64, bool)], opens: &[f64], m: &Memory) {
    eprintln!("bench_console: process tree: {}", m.tree.join(", "));
    let indexing: Vec<f64> = switches.iter().filter(|s| s.1).map(|s| s.0).collect();
    let switches: Vec<f64> = switches.iter().map(|s| s.0).collect();
    if !indexing.is_empty() {
        // Issue 24: the budget holds while a fresh cache is still being indexed too.
        metric(
            "console_view_switch_while_indexing_p95_ms",
            percentile(&indexing, 95.0),
            "ms",
            Some(100.0),
            "lower",
        );
        metric(
            "console_view_switches_while_indexing",
            indexing.len() as f64,
            "switches",
            None,
            "higher",
        );
    }
    let switches = switches.as_slice();
    // DESIGN.md §12: start to an interactive inbox ≤ 1.5 s at 100k cached tickets. With
    // `--runs 0` the one start is the warm-up, measured in session only.
    if !starts.is_empty() {
        metric(
            "console_start_to_interactive_ms",
            percentile(starts, 50.0),
            "ms",
            Some(1500.0),
            "lower",
        );
        metric(
            "console_start_to_interactive_max_ms",
            percentile(starts, 100.0),
            "ms",
            Some(1500.0),
            "lower",
        );
    }
    // Not budgeted in DESIGN.md; 100 ms is the classic limit for a response that feels
    // instant (see BENCHMARKS.md).
    metric(
        "console_view_switch_p95_ms",
        percentile(switches, 95.0),
        "ms",
        Some(100.0),
        "lower",
    );
    metric(
        "console_ticket_open_p95_ms",
        percentile(opens, 95.0),
        "ms",
        Some(100.0),
        "lower",
    );
    // No budget: reported to watch, not judged.
    metric("console_app_rss_mib", m.app_rss, "MiB", None, "lower");
    metric("console_app_pss_mib", m.app_pss, "MiB", None, "lower");
    metric("console_tree_rss_mib", m.tree_rss, "MiB", None, "lower");
    metric("console_tree_pss_mib", m.tree_pss, "MiB", None, "lower");
}
