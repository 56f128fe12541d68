//! A quick local timing of search at scale; not a benchmark (that is `cargo xtask bench`)
//! and not run by default:
//!
//! `DESK_SEARCH_MESSAGES=300000 cargo test -p desk-store --release --test store -- --ignored --nocapture search_timing`
//!
//! Shared machines make single runs noisy; compare best-of runs.

use std::time::{Duration, Instant};

use super::*;

/// A deterministic generator (no dependency, same corpus every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }
}

const ZH: &[&str] = &[
    "我的转账一直显示等待确认",
    "提币已经两个小时还没到账",
    "交易未确认怎么办",
    "账户被锁了无法登录",
    "请问退款什么时候到",
    "客服一直不回复",
    "充值成功但余额没有变化",
    "手续费扣了但是交易失败",
    "我忘记了谷歌验证码",
    "请帮我冻结这笔交易",
    "网络拥堵请耐心等待",
    "已经为您加急处理",
    "请提供交易哈希和截图",
    "您好，请点击确认按钮完成交易",
];
const EN: &[&str] = &[
    "my withdrawal is still pending",
    "funds not arrived after two hours",
    "the transaction failed but funds were deducted",
    "my account is locked and I cannot log in",
    "please help me reset two-factor authentication",
    "when will the refund be processed",
    "support does not reply to my emails",
    "deposit confirmed on chain but balance unchanged",
    "please confirm the transaction in the app",
    "we have escalated your ticket to the payments team",
    "network congestion is delaying confirmations",
];

fn corpus(messages: usize) -> Vec<Vec<Change>> {
    let mut rng = Lcg(42);
    let tickets = messages / 3;
    let customers = (tickets / 4).max(1);
    let mut pages = Vec::new();
    let mut page = Vec::new();
    let statuses = TicketStatus::ALL;
    let priorities = Priority::ALL;
    for c in 0..customers {
        let mut cu = customer(
            &format!("c{c:07}"),
            &format!("Customer {c}"),
            &format!("user{c}@example.com"),
            &format!("telegram:@user{c}"),
        );
        cu.created_at = c as i64;
        page.push(Change::Customer(cu));
        let hash = format!(
            "0x{:016x}{:016x}{:016x}{:016x}",
            rng.next(),
            rng.next(),
            rng.next(),
            c
        );
        page.push(Change::WalletTransaction(wallet_tx(
            &format!("w{c:07}"),
            &format!("c{c:07}"),
            &hash,
        )));
    }
    for t in 0..tickets {
        let at = 1_700_000_000_000 + (t as i64) * 60_000;
        let zh = rng.next().is_multiple_of(2);
        let subject = if zh { rng.pick(ZH) } else { rng.pick(EN) };
        let mut tk = ticket(
            &format!("t{t:08}"),
            &format!("c{:07}", t % customers),
            subject,
            statuses[(rng.next() as usize) % statuses.len()],
            at + 3 * 60_000,
        );
        tk.priority = priorities[(rng.next() as usize) % priorities.len()];
        page.push(Change::Ticket(tk));
        for m in 0..3 {
            let lang = if zh { ZH } else { EN };
            let text = format!(
                "{} {} #{}",
                rng.pick(lang),
                rng.pick(lang),
                rng.next() % 100_000
            );
            page.push(Change::Message(message(
                &format!("m{t:08}{m}"),
                &format!("t{t:08}"),
                &text,
                at + m * 60_000,
            )));
        }
        if page.len() >= 10_000 {
            pages.push(std::mem::take(&mut page));
        }
    }
    pages.push(page);
    pages
}

fn p95(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[(v.len() * 95 / 100).min(v.len() - 1)])
}

#[test]
#[ignore = "timing at scale; run by hand with --release"]
fn search_timing() {
    let messages: usize = std::env::var("DESK_SEARCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let pages = corpus(messages);
    let rows: usize = pages.iter().map(Vec::len).sum();
    // DESK_SEARCH_DB=path keeps the built cache there and reuses it on the next run.
    let kept = std::env::var_os("DESK_SEARCH_DB").map(std::path::PathBuf::from);
    let (_dir, store) = match &kept {
        Some(p) if p.exists() => {
            let store = Store::open(p).unwrap();
            (tempfile::tempdir().unwrap(), store)
        }
        Some(p) => {
            let mut store = Store::open(p).unwrap();
            build(&mut store, &pages, rows);
            (tempfile::tempdir().unwrap(), store)
        }
        None => {
            let (dir, mut store) = open_store();
            build(&mut store, &pages, rows);
            (dir, store)
        }
    };
    queries(&store, &pages);
}

fn build(store: &mut Store, pages: &[Vec<Change>], rows: usize) {
    // DESK_SEARCH_NO_TRIGGERS=1: the baseline for the triggers' cost in the bulk apply.
    let no_triggers = std::env::var_os("DESK_SEARCH_NO_TRIGGERS").is_some();
    if no_triggers {
        store.index_pending(0).unwrap();
        let conn = rusqlite::Connection::open(store.path()).unwrap();
        let names: Vec<String> = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search_%'",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for n in names {
            conn.execute_batch(&format!("DROP TRIGGER {n}")).unwrap();
        }
    }
    let t = Instant::now();
    for (i, p) in pages.iter().enumerate() {
        store.apply_pull_page(p, &i.to_string()).unwrap();
    }
    let apply = t.elapsed();
    println!(
        "apply ({} queueing triggers): {rows} rows in {apply:?} = {:.0} rows/s",
        if no_triggers { "without" } else { "with" },
        rows as f64 / apply.as_secs_f64()
    );

    let t = Instant::now();
    let backlog = store.index_backlog().unwrap();
    println!("index_backlog() = {backlog} in {:?}", t.elapsed());

    let t = Instant::now();
    let mut docs = 0;
    loop {
        let n = store.index_pending(5_000).unwrap();
        if n == 0 {
            break;
        }
        docs += n;
    }
    let index = t.elapsed();
    println!(
        "index_pending: {docs} docs in {index:?} = {:.0} docs/s",
        docs as f64 / index.as_secs_f64()
    );
    let size = std::fs::metadata(store.path()).unwrap().len();
    println!("file size {} MB", size / 1_000_000);
}

fn queries(store: &Store, pages: &[Vec<Change>]) {
    let mut cases: Vec<(String, SearchFilters)> = [
        "确认",
        "锁",
        "退款",
        "等待确认",
        "交易未确认",
        "确认 withdrawal",
        "withdrawal",
        "withdr*",
        "\"funds not arrived\"",
        "funds deducted",
        "user4242@example.com",
        "telegram:@user77",
        "谷歌验证码 #123",
        "absentword",
        "鲸鱼",
        "你好 hello",
    ]
    .iter()
    .map(|q| (q.to_string(), SearchFilters::default()))
    .collect();
    let hash = match &pages[0][1] {
        Change::WalletTransaction(w) => w.tx_hash.clone().unwrap(),
        _ => unreachable!(),
    };
    cases.push((hash, SearchFilters::default()));
    cases.push((
        "确认".into(),
        SearchFilters {
            open_only: true,
            priorities: vec![Priority::Urgent],
            ..Default::default()
        },
    ));
    cases.push((
        "funds".into(),
        SearchFilters {
            customer_id: Some("c0000007".into()),
            ..Default::default()
        },
    ));
    for (text, filters) in cases {
        let q = SearchQuery {
            text: text.clone(),
            filters: filters.clone(),
            limit: 50,
        };
        let mut times = Vec::new();
        let mut hits = 0;
        for _ in 0..20 {
            let t = Instant::now();
            hits = store.search(&q).unwrap().len();
            times.push(t.elapsed());
        }
        let (p50, p95) = p95(times);
        let filtered = if filters == SearchFilters::default() {
            ""
        } else {
            " (filtered)"
        };
        println!("{text:>40}{filtered}: {hits:>3} hits  p50 {p50:>10.2?}  p95 {p95:>10.2?}");
    }
}

/// The queueing triggers' own CPU cost per row, with I/O out of the picture (big cache,
/// no sync): raw message inserts with and without them.
#[test]
#[ignore = "timing; run by hand with --release"]
fn trigger_overhead_timing() {
    let temp_store = std::env::var("DESK_TEMP_STORE").unwrap_or_else(|_| "DEFAULT".into());
    for with_triggers in [false, true, false, true] {
        let (dir, store) = open_store();
        let path = store.path().to_owned();
        drop(store);
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000; PRAGMA temp_store = {temp_store};"
        ))
        .unwrap();
        if !with_triggers {
            let names: Vec<String> = conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search_%'")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            for n in names {
                conn.execute_batch(&format!("DROP TRIGGER {n}")).unwrap();
            }
        }
        let body = message("m", "t", "我的转账一直显示等待确认 funds not arrived", 1).body_text;
        let n = 200_000;
        let t = Instant::now();
        let tx = conn.transaction().unwrap();
        {
            let mut ins = tx
                .prepare("INSERT INTO messages(id, ticket_id, kind, created_at, body, author_kind, author_name, body_text) VALUES (?1, ?2, 'public_reply', ?3, '', 'customer', '', ?4)")
                .unwrap();
            for i in 0..n {
                ins.execute(rusqlite::params![
                    format!("0190a1b2-c3d4-7e5f-8a9b-{i:012}"),
                    format!("t{}", i / 3),
                    i,
                    body
                ])
                .unwrap();
            }
        }
        tx.commit().unwrap();
        let e = t.elapsed();
        println!(
            "triggers {with_triggers}: {n} message inserts in {e:?} = {:.0} rows/s",
            n as f64 / e.as_secs_f64()
        );
        drop(dir);
    }
}
