//! `cargo xtask bench store`: the cache at support-desk scale (DESIGN.md §12).
//!
//! Generates a synthetic desk (default 1M tickets, 3M zh/en messages), applies it through
//! the same `apply_pull_page` the sync client uses, then measures the console's reads.
//! Prints one JSON line per metric on stdout: {"metric","value","unit","target","better"};
//! progress goes to stderr. Run in release mode; timings on a shared machine are noisy, so
//! latencies are p95 over many runs.

use std::time::{Duration, Instant};

use desk_core::view::*;
use desk_core::wire::Change;
use desk_core::*;
use desk_store::Store;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const ZH: &[&str] = &[
    "我的提币一直显示等待确认，已经两个小时了，请帮我查一下",
    "充值未到账，交易哈希已经发给你们了，为什么还没有到账",
    "账户被锁了，无法登录，提示风控限制，我没有做任何违规操作",
    "找不到确认按钮，提币页面一直显示待确认，请问怎么操作",
    "交易失败但是余额被扣了，请尽快退款",
    "客服一直不回复，已经发了三次消息了，到底有没有人处理",
    "换了新手机，谷歌验证器丢了，怎么重置二次验证",
    "大额转账之前需要审核吗，我明天要转五十万USDT",
    "有人冒充客服让我提供助记词，这是你们的人吗",
    "手续费为什么这么高，能不能退还一部分",
];
const EN: &[&str] = &[
    "My withdrawal has been awaiting confirmation for two hours, please check",
    "Deposit not arrived yet, I already sent you the transaction hash",
    "My account is locked and I cannot log in, I did nothing wrong",
    "I cannot find the confirm button, the withdrawal page still says pending",
    "The transaction failed but the funds were deducted from my balance",
    "Support does not reply, this is my third message, is anyone there",
    "I lost my phone and my authenticator, how do I reset two factor",
    "Do large transfers need a review? I want to move 500k USDT tomorrow",
    "Someone claiming to be support asked for my seed phrase, is that you",
    "Why are the fees so high, can you refund part of them",
];

fn emit(metric: &str, value: f64, unit: &str, target: f64, better: &str) {
    println!(
        "{}",
        serde_json::json!({ "metric": metric, "value": (value * 1000.0).round() / 1000.0, "unit": unit, "target": target, "better": better })
    );
}

/// A figure reported to watch, with no budget of its own.
fn emit_watched(metric: &str, value: f64, unit: &str, better: &str) {
    println!(
        "{}",
        serde_json::json!({ "metric": metric, "value": (value * 1000.0).round() / 1000.0, "unit": unit, "target": null, "better": better })
    );
}

/// Bytes this process has handed to `write`-family calls so far (`wchar` of
/// /proc/self/io; 0 where there is none). Unlike the apply's time, the same on a busy or
/// a quiet machine: it tells a change that writes less from a quieter run.
fn bytes_written() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|io| {
            io.lines()
                .find_map(|l| l.strip_prefix("wchar:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

fn p95(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[(samples.len() * 95 / 100).min(samples.len() - 1)].as_secs_f64() * 1000.0
}

fn time_p95(runs: usize, mut f: impl FnMut(usize)) -> f64 {
    // One warm-up pass: the first query after a bulk load pays for cold pages.
    f(0);
    p95((0..runs)
        .map(|i| {
            let t = Instant::now();
            f(i);
            t.elapsed()
        })
        .collect())
}

/// Flags that cut a run short, for looking at one part: `--apply-only`, `--no-search`,
/// `--no-incremental`, `--reuse` (with `DESK_BENCH_KEEP`); `--plaintext` runs without
/// the cache's encryption, for comparison.
fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

/// The value after the last `name` (a later one overrides what `cargo xtask bench` put first).
fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .rposition(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const NOW: i64 = 1_800_000_000_000;

/// The synthetic desk, in pull pages of `page` records.
fn generate(tickets: u64, messages: u64, page: usize, mut sink: impl FnMut(Vec<Change>)) -> u64 {
    let mut rng = Rng(0x5EED);
    let customers = (tickets / 3).max(1);
    let agents = 200u64;
    let mut rows = 0u64;
    let mut buf: Vec<Change> = Vec::with_capacity(page);
    let mut flush = |buf: &mut Vec<Change>, force: bool| {
        if force || buf.len() >= page {
            sink(std::mem::take(buf));
        }
    };
    for a in 0..agents {
        buf.push(Change::Agent(Agent {
            id: format!("a{a}"),
            name: format!("Agent {a}"),
            email: format!("a{a}@desk.test"),
            role: Role::Agent,
            languages: vec!["zh-CN".into(), "en".into()],
            groups: Vec::new(),
            skills: vec![],
            capacity: None,
        }));
    }
    for c in 0..customers {
        let zh = c % 2 == 0;
        buf.push(Change::Customer(Customer {
            id: format!("c{c}"),
            platform_user_id: format!("U{c:08}"),
            name: if zh {
                format!("客户{c}")
            } else {
                format!("Customer {c}")
            },
            emails: vec![format!("user{c}@example.com")],
            phones: vec![],
            handles: vec![format!("telegram:@user{c}")],
            preferred_language: if zh { "zh-CN" } else { "en" }.into(),
            tier: if c % 20 == 0 {
                CustomerTier::Vip
            } else {
                CustomerTier::Standard
            },
            kyc_level: 2,
            risk_flags: vec![],
            tags: vec![],
            notes: String::new(),
            created_at: NOW - 400 * 86_400_000,
            updated_at: NOW - 400 * 86_400_000,
        }));
        rows += 1;
        flush(&mut buf, false);
    }
    let per_ticket = messages as f64 / tickets as f64;
    let mut made_messages = 0u64;
    for t in 0..tickets {
        let c = rng.below(customers);
        let zh = c.is_multiple_of(2);
        let at = NOW - (rng.below(180 * 86_400) as i64) * 1000;
        let status = *rng.pick(&[
            TicketStatus::New,
            TicketStatus::Open,
            TicketStatus::PendingCustomer,
            TicketStatus::Solved,
            TicketStatus::Closed,
            TicketStatus::Closed,
            TicketStatus::Closed,
        ]);
        let mut linked = vec![];
        if t % 4 == 0 {
            let id = format!("w{t}");
            buf.push(Change::WalletTransaction(WalletTransaction {
                id: id.clone(),
                customer_id: format!("c{c}"),
                asset: "USDT".into(),
                chain: "TRON".into(),
                amount: format!("{}.00", rng.below(100_000)),
                direction: TxDirection::Withdrawal,
                tx_hash: Some(format!(
                    "{:016x}{:016x}{:016x}{:016x}",
                    rng.next(),
                    rng.next(),
                    rng.next(),
                    rng.next()
                )),
                status: if t % 12 == 0 {
                    TxStatus::AwaitingCustomerConfirmation
                } else {
                    TxStatus::Confirmed
                },
                confirmations: 0,
                required_confirmations: 19,
                created_at: at,
                updated_at: at,
            }));
            rows += 1;
            linked.push(id);
        }
        let text = if zh { ZH } else { EN };
        let subject: String = rng.pick(text).chars().take(24).collect();
        let id = format!("t{t:08}");
        buf.push(Change::Ticket(Ticket {
            id: id.clone(),
            number: Some(t as i64 + 1),
            subject,
            customer_id: format!("c{c}"),
            channel: *rng.pick(Channel::ALL),
            status,
            priority: *rng.pick(Priority::ALL),
            category: *rng.pick(Category::ALL),
            tags: if t % 5 == 0 {
                vec!["usdt".into()]
            } else {
                vec![]
            },
            assignee_id: (t % 3 != 0).then(|| format!("a{}", rng.below(agents))),
            group: None,
            language: if zh { "zh-CN" } else { "en" }.into(),
            first_response_due_at: Some(at + 3_600_000),
            resolution_due_at: Some(at + 86_400_000),
            linked_transaction_ids: linked,
            incident_id: None,
            merged_into: None,
            csat: None,
            created_at: at,
            updated_at: at,
            last_message_at: at,
            deleted_at: None,
            secret_exposed_at: None,
        }));
        rows += 1;
        let n = ((t + 1) as f64 * per_ticket) as u64 - made_messages;
        for m in 0..n {
            buf.push(Change::Message(Message {
                id: format!("m{t:08}-{m}"),
                ticket_id: id.clone(),
                kind: if m % 2 == 0 {
                    MessageKind::PublicReply
                } else {
                    MessageKind::InternalNote
                },
                author: Author {
                    kind: AuthorKind::Customer,
                    id: Some(format!("c{c}")),
                    name: String::new(),
                },
                body_text: format!("{} #{}", rng.pick(text), rng.below(1_000_000)),
                body_html: None,
                attachments: vec![],
                created_at: at + m as i64 * 60_000,
                quoted: None,
            }));
            rows += 1;
        }
        made_messages += n;
        flush(&mut buf, false);
    }
    flush(&mut buf, true);
    rows
}

fn main() {
    let tickets = arg("--tickets", 1_000_000);
    let messages = arg("--messages", tickets * 3);
    let dir = tempfile::tempdir().expect("temp dir");
    // DESK_BENCH_KEEP=DIR keeps the generated cache there, for EXPLAIN and inspection.
    let keep = std::env::var_os("DESK_BENCH_KEEP").map(std::path::PathBuf::from);
    let path = keep.as_deref().unwrap_or(dir.path()).join("bench.sqlite3");
    if !flag("--reuse") {
        let _ = std::fs::remove_file(&path);
    }
    // Encrypted as the console's cache is (SQLCipher), unless `--plaintext`, which shows
    // what the encryption costs. The key sits beside a kept cache so `--reuse` opens it
    // (a benchmark's throwaway data; the product keeps its key in the OS keyring).
    let key = (!flag("--plaintext")).then(|| {
        let key_file = path.with_extension("key");
        std::fs::read_to_string(&key_file)
            .ok()
            .and_then(|hex| desk_store::CacheKey::from_hex(&hex))
            .filter(|_| flag("--reuse"))
            .unwrap_or_else(|| {
                let key = desk_store::CacheKey::generate();
                if keep.is_some() {
                    std::fs::write(&key_file, key.to_hex()).expect("keep the bench key");
                }
                key
            })
    });
    eprintln!(
        "bench store: {} cache",
        if key.is_some() {
            "encrypted"
        } else {
            "plaintext"
        }
    );
    let mut store = match &key {
        Some(key) => Store::open_encrypted(&path, key),
        None => Store::open(&path),
    }
    .expect("open cache");

    // --reuse: the cache kept by an earlier run (DESK_BENCH_KEEP), to time reads and search
    // again without generating and applying it anew.
    let reuse = flag("--reuse") && keep.is_some() && path.exists();
    if !reuse {
        eprintln!("bench store: generating and applying {tickets} tickets, {messages} messages");
        let mut apply_time = Duration::ZERO;
        let mut pages = 0u64;
        let written_before = bytes_written();
        let rows = generate(tickets, messages, 10_000, |page| {
            let t = Instant::now();
            store
                .apply_page(&page, &format!("1.{pages}"), true)
                .expect("apply page");
            apply_time += t.elapsed();
            pages += 1;
            if pages.is_multiple_of(50) {
                eprintln!(
                    "  {pages} pages applied, {:.1} s so far",
                    apply_time.as_secs_f64()
                );
            }
        });
        // The bootstrap's indexes and derived state are built once, after its last page: part
        // of the apply's cost, so inside its time.
        let t = Instant::now();
        store.finish_bulk_load().expect("finish bulk load");
        let finish = t.elapsed();
        // And the secondary indexes the finish leaves to the background indexer: not on the
        // inbox's path, but part of loading the rows, so inside the apply's time too (and the
        // latencies below are measured with every index in place).
        let t = Instant::now();
        while store.build_next_deferred_index().expect("secondary index") {}
        let background = t.elapsed();
        apply_time += finish + background;
        eprintln!(
            "  bulk load finished in {:.1} s, secondary indexes {:.1} s (of {:.1} s in all)",
            finish.as_secs_f64(),
            background.as_secs_f64(),
            apply_time.as_secs_f64()
        );
        let apply_rate = rows as f64 / apply_time.as_secs_f64();
        emit(
            "store.apply_rows_per_s",
            apply_rate,
            "rows/s",
            100_000.0,
            "higher",
        );
        emit_watched(
            "store.apply_bytes_written_per_row",
            (bytes_written() - written_before) as f64 / rows as f64,
            "bytes",
            "lower",
        );

        // Then a day's sync onto the full cache: pages of 500 ticket updates (status, assignee,
        // activity) each with a new message; the derived state is kept by triggers here.
        let incremental_pages = if flag("--no-incremental") { 0 } else { 20 };
        let mut rng = Rng(0xF00D);
        let mut inc_rows = 0u64;
        let mut inc_time = Duration::ZERO;
        for p in 0..incremental_pages {
            let mut page = Vec::with_capacity(1000);
            for i in 0..500 {
                let id = format!("t{:08}", rng.below(tickets));
                let mut t = store
                    .effective_ticket(&id)
                    .unwrap()
                    .expect("generated ticket");
                t.status = *rng.pick(TicketStatus::ALL);
                t.assignee_id = Some(format!("a{}", rng.below(200)));
                t.last_message_at = NOW + p * 1000 + i;
                page.push(Change::Message(Message {
                    id: format!("inc-{p}-{i}"),
                    ticket_id: id.clone(),
                    kind: MessageKind::PublicReply,
                    author: Author {
                        kind: AuthorKind::Customer,
                        id: Some(t.customer_id.clone()),
                        name: String::new(),
                    },
                    body_text: rng.pick(ZH).to_string(),
                    body_html: None,
                    attachments: vec![],
                    created_at: t.last_message_at,
                    quoted: None,
                }));
                page.push(Change::Ticket(t));
            }
            inc_rows += page.len() as u64;
            let t = Instant::now();
            store
                .apply_pull_page(&page, &format!("2.{p}"))
                .expect("apply page");
            inc_time += t.elapsed();
        }
        if inc_rows > 0 {
            emit(
                "store.apply_incremental_rows_per_s",
                inc_rows as f64 / inc_time.as_secs_f64(),
                "rows/s",
                100_000.0,
                "higher",
            );
        }
        if flag("--apply-only") {
            return;
        }

        // The physical floor beside it: the same number of rows with the same JSON bodies into a
        // bare table, in one transaction, on the same disk.
        let raw_rate = {
            let conn = rusqlite::Connection::open(dir.path().join("raw.sqlite3")).unwrap();
            if let Some(key) = &key {
                // Encrypted too, with the same key and page check: the floor of an
                // encrypted cache.
                conn.pragma_update(None, "key", format!("x'{}'", key.to_hex()))
                    .unwrap();
                conn.pragma_update(None, "cipher_hmac_algorithm", "HMAC_SHA256")
                    .unwrap();
            }
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
            conn.pragma_update(None, "synchronous", "FULL").unwrap();
            conn.execute_batch("CREATE TABLE raw(id TEXT PRIMARY KEY, body TEXT NOT NULL)")
                .unwrap();
            let mut raw_time = Duration::ZERO;
            let mut n = 0u64;
            generate(tickets, messages, 10_000, |page| {
                let bodies: Vec<(String, String)> = page
                    .iter()
                    .map(|c| {
                        n += 1;
                        (format!("r{n}"), serde_json::to_string(c).unwrap())
                    })
                    .collect();
                let t = Instant::now();
                let tx = conn.unchecked_transaction().unwrap();
                {
                    let mut stmt = tx
                        .prepare_cached("INSERT INTO raw(id, body) VALUES (?1, ?2)")
                        .unwrap();
                    for (id, body) in &bodies {
                        stmt.execute([id, body]).unwrap();
                    }
                }
                tx.commit().unwrap();
                raw_time += t.elapsed();
            });
            n as f64 / raw_time.as_secs_f64()
        };
        emit(
            "store.apply_vs_raw_insert",
            apply_rate / raw_rate,
            "ratio",
            0.5,
            "higher",
        );
    }

    let me = Some("a7");
    for view in [
        InboxView::Open,
        InboxView::Mine,
        InboxView::Unassigned,
        InboxView::AwaitingConfirmation,
        InboxView::All,
    ] {
        let q = TicketQuery {
            view,
            filter: Default::default(),
            sort: TicketSort::LastActivity,
            after: None,
            limit: 50,
        };
        let ms = time_p95(200, |_| {
            store.query_tickets(&q, me, NOW).unwrap();
        });
        emit(
            &format!(
                "store.first_page_p95.{}",
                serde_json::to_value(view).unwrap().as_str().unwrap()
            ),
            ms,
            "ms",
            5.0,
            "lower",
        );
    }
    let sla_q = TicketQuery {
        view: InboxView::Open,
        filter: Default::default(),
        sort: TicketSort::SlaDue,
        after: None,
        limit: 50,
    };
    emit(
        "store.first_page_p95.sla_due",
        time_p95(200, |_| {
            store.query_tickets(&sla_q, me, NOW).unwrap();
        }),
        "ms",
        5.0,
        "lower",
    );
    emit(
        "store.view_counts_p95",
        time_p95(30, |_| {
            store.view_counts(me).unwrap();
        }),
        "ms",
        20.0,
        "lower",
    );
    emit(
        "store.sla_counts_p95",
        time_p95(30, |_| {
            store.sla_counts(NOW).unwrap();
        }),
        "ms",
        20.0,
        "lower",
    );
    let customers = (tickets / 3).max(1);
    emit(
        "store.customer_history_p95",
        time_p95(200, |i| {
            store
                .customer_history(&format!("c{}", (i as u64 * 7919) % customers), 200)
                .unwrap();
        }),
        "ms",
        10.0,
        "lower",
    );
    if flag("--no-search") {
        return;
    }
    // Search indexing runs in the background once the inbox is usable; measure its rate and
    // then the search itself over the fully indexed desk.
    eprintln!("bench store: indexing for search");
    let t = Instant::now();
    let mut indexed = 0u64;
    loop {
        let n = store.index_pending(20_000).expect("index batch");
        if n == 0 {
            break;
        }
        indexed += n as u64;
        if indexed % 500_000 < 20_000 {
            eprintln!("  {indexed} indexed");
        }
    }
    if indexed > 0 {
        emit(
            "store.index_docs_per_s",
            indexed as f64 / t.elapsed().as_secs_f64(),
            "docs/s",
            20_000.0,
            "higher",
        );
    }
    let search = |text: &str| desk_core::search::SearchQuery {
        text: text.to_owned(),
        filters: Default::default(),
        limit: 50,
    };
    for (lang, queries) in [
        (
            "zh",
            &[
                "确认",
                "锁",
                "退款",
                "等待确认",
                "充值未到账",
                "助记词",
                "提币 确认",
            ][..],
        ),
        (
            "en",
            &[
                "confirm",
                "withdrawal",
                "\"funds were deducted\"",
                "authent*",
                "seed phrase",
                "locked account",
            ][..],
        ),
    ] {
        let ms = time_p95(140, |i| {
            store
                .search(&search(queries[i % queries.len()]))
                .expect("search");
        });
        emit(&format!("store.search_p95.{lang}"), ms, "ms", 30.0, "lower");
    }

    let articles = arg("--articles", 5_000);
    if articles > 0 {
        knowledge(&mut store, articles);
    }

    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(dir.path().join("bench.sqlite3-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    emit(
        "store.bytes_per_1k_messages",
        size as f64 / (messages as f64 / 1000.0),
        "bytes",
        1_000_000.0,
        "lower",
    );
}

/// Wallet assets, as a knowledge base names them in English and Chinese.
const ASSETS: &[(&str, &str)] = &[
    ("BTC", "比特币"),
    ("ETH", "以太坊"),
    ("USDT", "泰达币"),
    ("TRX", "波场"),
    ("SOL", "索拉纳"),
    ("BNB", "币安币"),
    ("DOGE", "狗狗币"),
    ("XRP", "瑞波币"),
];

/// What articles are about: the words of each problem in English and Chinese, and its
/// category.
const PROBLEMS: &[(&str, &str, Category)] = &[
    (
        "withdrawal awaiting confirmation",
        "提币 等待确认",
        Category::TransactionConfirmation,
    ),
    (
        "deposit not arrived",
        "充值 未到账",
        Category::FundsNotArrived,
    ),
    (
        "wrong network address",
        "地址 选错网络",
        Category::FundsNotArrived,
    ),
    ("network fee too high", "手续费 太高", Category::Complaint),
    (
        "account locked by risk control",
        "账户 锁定 风控",
        Category::AccountLocked,
    ),
    (
        "reset authenticator two-factor",
        "重置 谷歌验证器",
        Category::Account,
    ),
    (
        "identity verification rejected",
        "身份认证 被拒绝",
        Category::Account,
    ),
    (
        "transaction failed balance deducted",
        "交易失败 余额扣除",
        Category::Technical,
    ),
    (
        "large transfer review",
        "大额 转账 审核",
        Category::LargeTransaction,
    ),
    (
        "phishing fake support seed phrase",
        "冒充客服 助记词",
        Category::Security,
    ),
    (
        "refund request dispute",
        "退款 申请 争议",
        Category::Dispute,
    ),
    (
        "memo tag missing",
        "备注 标签 遗漏",
        Category::FundsNotArrived,
    ),
];

/// The words around the topic in any article or message.
const FILLER_EN: &[&str] = &[
    "wallet",
    "open",
    "page",
    "steps",
    "check",
    "settings",
    "screen",
    "tap",
    "button",
    "app",
    "version",
    "update",
    "minutes",
    "hours",
    "status",
    "history",
    "details",
    "record",
    "contact",
    "team",
    "usually",
    "within",
    "make",
    "sure",
    "correct",
    "latest",
    "again",
    "first",
    "then",
    "after",
    "before",
    "your",
    "funds",
    "safe",
    "note",
    "important",
];
const FILLER_ZH: &[&str] = &[
    "钱包", "打开", "页面", "步骤", "检查", "设置", "屏幕", "点击", "按钮", "应用", "版本", "更新",
    "分钟", "小时", "状态", "记录", "详情", "联系", "通常", "之内", "确保", "正确", "最新", "再次",
    "首先", "然后", "之后", "之前", "资金", "安全", "注意", "重要",
];

fn filler(rng: &mut Rng, words: &[&str], n: u64, sep: &str) -> String {
    (0..n)
        .map(|_| *rng.pick(words))
        .collect::<Vec<_>>()
        .join(sep)
}

/// KB suggestions for the open ticket (DESIGN.md §11, issue budget 20 ms p95 at 5,000
/// articles), over this cache with `articles` articles of two translations each, on 96
/// topics (asset × problem). Also how often a top-five suggestion is on the ticket's own
/// topic: a synthetic check that the ranking finds what the words say, not a measure of
/// real relevance.
fn knowledge(store: &mut Store, articles: u64) {
    eprintln!("bench store: {articles} knowledge-base articles and 200 tickets about them");
    let mut rng = Rng(0xB00C);
    let topics = (ASSETS.len() * PROBLEMS.len()) as u64;
    let mut page = Vec::new();
    for a in 0..articles {
        let topic = a % topics;
        let (asset, problem) = (
            ASSETS[(topic % ASSETS.len() as u64) as usize],
            PROBLEMS[(topic / ASSETS.len() as u64) as usize],
        );
        let en = KbTranslation {
            title: format!("{}: {} ({a})", asset.0, problem.0),
            body: format!(
                "{} {} {}. {}",
                filler(&mut rng, FILLER_EN, 40, " "),
                asset.0,
                problem.0,
                filler(&mut rng, FILLER_EN, 80, " ")
            ),
        };
        let zh = KbTranslation {
            title: format!("{}{}（{a}）", asset.1, problem.1.replace(' ', "")),
            body: format!(
                "{}，{}{}。{}",
                filler(&mut rng, FILLER_ZH, 40, ""),
                asset.1,
                problem.1,
                filler(&mut rng, FILLER_ZH, 80, "")
            ),
        };
        page.push(Change::KbArticle(KbArticle {
            id: format!("kb-{a:05}"),
            translations: [("en".to_owned(), en), ("zh-CN".to_owned(), zh)].into(),
            tags: vec![],
            categories: vec![problem.2],
            updated_at: NOW - a as i64,
            status: KbStatus::Published,
            deleted_at: None,
        }));
    }
    // The tickets to open: each about one topic, in Chinese or English, the topic's words
    // among a customer's usual ones.
    let mut asked = Vec::new();
    for i in 0..200u64 {
        let topic = rng.below(topics);
        let (asset, problem) = (
            ASSETS[(topic % ASSETS.len() as u64) as usize],
            PROBLEMS[(topic / ASSETS.len() as u64) as usize],
        );
        let zh = i % 2 == 0;
        let id = format!("kb-ticket-{i}");
        let (subject, text, language) = if zh {
            (
                format!("{}{}", asset.1, problem.1.replace(' ', "")),
                format!(
                    "你好，{}，我的{}{}，{}",
                    filler(&mut rng, FILLER_ZH, 6, ""),
                    asset.1,
                    problem.1,
                    filler(&mut rng, FILLER_ZH, 10, "")
                ),
                "zh-CN",
            )
        } else {
            (
                format!("{} {}", asset.0, problem.0),
                format!(
                    "Hello, {} my {} {} {}",
                    filler(&mut rng, FILLER_EN, 6, " "),
                    asset.0,
                    problem.0,
                    filler(&mut rng, FILLER_EN, 10, " ")
                ),
                "en",
            )
        };
        let mut t = store
            .effective_ticket("t00000000")
            .unwrap()
            .expect("generated ticket");
        t.id = id.clone();
        t.number = None;
        t.subject = subject;
        t.language = language.to_owned();
        t.category = problem.2;
        t.last_message_at = NOW + i as i64;
        page.push(Change::Message(Message {
            id: format!("{id}-m"),
            ticket_id: id.clone(),
            kind: MessageKind::PublicReply,
            author: Author {
                kind: AuthorKind::Customer,
                id: Some(t.customer_id.clone()),
                name: String::new(),
            },
            body_text: text,
            body_html: None,
            attachments: vec![],
            created_at: t.last_message_at,
            quoted: None,
        }));
        page.push(Change::Ticket(t));
        asked.push((id, topic, if zh { problem.1 } else { problem.0 }));
    }
    store.apply_pull_page(&page, "3.0").expect("apply articles");
    while store.index_pending(20_000).expect("index batch") > 0 {}

    let on_topic = asked
        .iter()
        .filter(|(id, topic, _)| {
            let s = store.suggest_knowledge(id, "en").expect("suggest");
            s.articles.iter().any(|a| {
                let n: u64 = a.article_id[3..].parse().unwrap();
                n % topics == *topic
            })
        })
        .count();
    let ms = time_p95(asked.len(), |i| {
        store
            .suggest_knowledge(&asked[i % asked.len()].0, "en")
            .expect("suggest");
    });
    emit("store.kb_suggest_p95", ms, "ms", 20.0, "lower");
    // The peer: what a console without the index would do, given the topic's words for
    // free: read every article and look for them in each translation.
    let scan = time_p95(asked.len(), |i| {
        let words: Vec<&str> = asked[i % asked.len()].2.split(' ').collect();
        let hits = store
            .kb_articles()
            .expect("articles")
            .iter()
            .filter(|a| {
                a.translations
                    .values()
                    .any(|t| words.iter().all(|w| t.body.contains(w)))
            })
            .count();
        assert!(hits > 0, "the scan finds the topic's articles");
    });
    emit_watched("store.kb_scan_every_article_p95", scan, "ms", "lower");
    emit_watched("store.kb_suggest_vs_scan", ms / scan, "ratio", "lower");
    emit_watched(
        "store.kb_suggest_on_topic_at_5",
        on_topic as f64 / asked.len() as f64,
        "ratio",
        "higher",
    );
}
