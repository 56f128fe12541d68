//! `cargo xtask bench help`: the public help center's search at 5,000 articles (DESIGN.md
//! §12 budget: ≤ 50 ms p95 server-side).
//!
//! A fresh SQLite store gets `--articles` published articles (default 5,000), each in
//! Chinese and English, 1–4 KB of Markdown built from a support desk's vocabulary, written
//! as `PUT /kb/{id}` writes them. Then, through the whole router in process (routing,
//! the snapshot, the search, the page), `--queries` requests (default 2,000) of
//! `GET /help?lang=…&q=…`: one- and two-character Chinese queries, Chinese phrases, English
//! words and two-word queries, some matching nothing. Timed per request; the snapshot's
//! rebuild (every 5 s per instance, `desk_server::help::FRESH_MS`) is reported apart, and
//! the first request, which builds it, is left out of the percentiles.
//!
//! The peer beside it: the same queries as a plain `str::contains` over the articles'
//! lower-cased text with nothing else (the physical floor of a substring scan).

// Shared with the other benches; this one uses its `emit` and `percentile` only.
#[allow(dead_code)]
#[path = "bench/mod.rs"]
mod bench;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use desk_core::ops::{KbArticle, KbStatus, KbTranslation};
use desk_core::wire::Change;
use desk_server::{AppState, Config, SqliteStorage, Storage};

const ZH: &[&str] = &[
    "提币",
    "充值",
    "确认",
    "手续费",
    "到账",
    "钱包",
    "地址",
    "网络",
    "交易哈希",
    "冻结",
    "解冻",
    "身份验证",
    "助记词",
    "安全",
    "账户",
    "登录",
    "密码",
    "双重验证",
    "USDT",
    "比特币",
    "以太坊",
    "波场",
    "区块确认",
    "最低金额",
    "限额",
    "审核",
    "客服",
    "工单",
    "退款",
    "补偿",
];
const EN: &[&str] = &[
    "withdrawal",
    "deposit",
    "confirm",
    "fee",
    "arrived",
    "wallet",
    "address",
    "network",
    "hash",
    "frozen",
    "unfreeze",
    "verification",
    "recovery",
    "security",
    "account",
    "login",
    "password",
    "two-factor",
    "usdt",
    "bitcoin",
    "ethereum",
    "tron",
    "confirmations",
    "minimum",
    "limit",
    "review",
    "support",
    "ticket",
    "refund",
    "compensation",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn text(rng: &mut Rng, words: &[&str], bytes: usize, sep: &str) -> String {
    let mut out = String::new();
    let mut n = 0;
    while out.len() < bytes {
        if n % 12 == 0 && n > 0 {
            out.push_str("\n\n");
        }
        let w = words[rng.below(words.len())];
        if n % 7 == 3 {
            out.push_str(&format!("**{w}**"));
        } else {
            out.push_str(w);
        }
        out.push_str(sep);
        n += 1;
    }
    out
}

fn article(rng: &mut Rng, i: usize) -> KbArticle {
    let size = 1024 + rng.below(3 * 1024);
    let translations = BTreeMap::from([
        (
            "zh-CN".to_owned(),
            KbTranslation {
                title: format!(
                    "{}与{}说明 {i}",
                    ZH[rng.below(ZH.len())],
                    ZH[rng.below(ZH.len())]
                ),
                body: text(rng, ZH, size, "，"),
            },
        ),
        (
            "en".to_owned(),
            KbTranslation {
                title: format!(
                    "About {} and {} {i}",
                    EN[rng.below(EN.len())],
                    EN[rng.below(EN.len())]
                ),
                body: text(rng, EN, size, " "),
            },
        ),
    ]);
    KbArticle {
        id: format!("kb-{i:05}"),
        translations,
        tags: vec![],
        categories: vec![],
        updated_at: i as i64,
        status: KbStatus::Published,
        deleted_at: None,
    }
}

use bench::{emit, percentile};

/// Microseconds, as `bench::percentile` takes them.
fn micros(d: std::time::Duration) -> u32 {
    d.as_micros().min(u128::from(u32::MAX)) as u32
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    let mut articles = 5_000;
    let mut queries = 2_000;
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        match (pair[0].as_str(), pair.get(1).map(|v| v.parse::<usize>())) {
            ("--articles", Some(Ok(n))) => articles = n,
            ("--queries", Some(Ok(n))) => queries = n,
            _ => anyhow::bail!("usage: bench_help [--articles 5000] [--queries 2000]"),
        }
    }
    let runtime = tokio::runtime::Runtime::new()?;
    let dir = tempfile::tempdir()?;
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open_in_dir(dir.path())?);
    let mut rng = Rng(2026);
    let written = Instant::now();
    runtime.block_on(async {
        for chunk in (0..articles).collect::<Vec<_>>().chunks(500) {
            let batch = chunk
                .iter()
                .map(|&i| Change::KbArticle(article(&mut rng, i)))
                .collect();
            storage.write_records(batch).await?;
        }
        anyhow::Ok(())
    })?;
    eprintln!(
        "bench help: {articles} articles (zh-CN and en) written in {:.1}s",
        written.elapsed().as_secs_f64()
    );

    // The snapshot alone: read and rendered, as each instance does every 5 s.
    let built = Instant::now();
    let records = runtime.block_on(storage.stored_records("kb_article"))?;
    let index = desk_server::help::HelpIndex::build(&records);
    let build_ms = built.elapsed().as_secs_f64() * 1000.0;
    eprintln!(
        "bench help: snapshot of {} translations in {build_ms:.0} ms",
        index.len()
    );

    let state = AppState::new(storage.clone(), Config::for_tests());
    let app = desk_server::app(state);
    let mut asked: Vec<(String, &str)> = Vec::with_capacity(queries);
    for n in 0..queries {
        let q = match n % 5 {
            0 => ZH[rng.below(ZH.len())].chars().take(1).collect::<String>(),
            1 => ZH[rng.below(ZH.len())].to_owned(),
            2 => format!("{} {}", ZH[rng.below(ZH.len())], ZH[rng.below(ZH.len())]),
            3 => EN[rng.below(EN.len())].to_owned(),
            _ => format!("{} nothingmatches", EN[rng.below(EN.len())]),
        };
        asked.push((q, if n % 5 < 3 { "zh-CN" } else { "en" }));
    }
    let mut times = Vec::with_capacity(queries);
    let mut results = 0usize;
    runtime.block_on(async {
        for (n, (q, lang)) in asked.iter().enumerate() {
            let request =
                Request::get(format!("/help?lang={lang}&q={}", encode(q))).body(Body::empty())?;
            let started = Instant::now();
            let response = tower::ServiceExt::oneshot(app.clone(), request).await?;
            let bytes = http_body_util::BodyExt::collect(response.into_body())
                .await?
                .to_bytes();
            let took = micros(started.elapsed());
            let page = String::from_utf8_lossy(&bytes);
            if let Some(at) = page.find("data-results=\"") {
                let n: String = page[at + 14..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                results += n.parse::<usize>().unwrap_or(0);
            }
            // The first request builds the snapshot (reported above).
            if n > 0 {
                times.push(took);
            }
        }
        anyhow::Ok(())
    })?;
    let (p50, p95, max) = (
        percentile(&mut times, 0.5),
        percentile(&mut times, 0.95),
        percentile(&mut times, 1.0),
    );
    eprintln!(
        "bench help: {} searches, p50 {p50:.2} / p95 {p95:.2} / max {max:.2} ms, {:.1} results on average",
        times.len(),
        results as f64 / asked.len() as f64
    );

    // The peer: the same queries as a bare substring scan over the lower-cased texts.
    let folded: Vec<(String, String)> = records
        .iter()
        .filter_map(|r| serde_json::from_str::<KbArticle>(r).ok())
        .flat_map(|a| {
            a.translations
                .into_values()
                .map(|t| (t.title.to_lowercase(), t.body.to_lowercase()))
        })
        .collect();
    let mut scans = Vec::with_capacity(queries);
    let mut matched = 0usize;
    for (q, _) in &asked {
        let terms: Vec<String> = q
            .to_lowercase()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let started = Instant::now();
        matched += folded
            .iter()
            .filter(|(t, b)| {
                terms
                    .iter()
                    .all(|x| t.contains(x.as_str()) || b.contains(x.as_str()))
            })
            .count();
        scans.push(micros(started.elapsed()));
    }
    let scan_p95 = percentile(&mut scans, 0.95);
    eprintln!("bench help: bare scan p95 {scan_p95:.2} ms ({matched} matches over all queries)");

    // The web form's suggestions: what a customer has typed after a few words, then a
    // sentence (subject and message, Chinese or English), through the router as the
    // form's script asks.
    let mut typed: Vec<(String, String, &str)> = Vec::with_capacity(queries);
    for n in 0..queries {
        let zh = n % 2 == 0;
        let (words, sep, lang) = if zh {
            (ZH, "", "zh-CN")
        } else {
            (EN, " ", "en")
        };
        let pick = |rng: &mut Rng, k: usize| -> String {
            (0..k)
                .map(|_| words[rng.below(words.len())])
                .collect::<Vec<_>>()
                .join(sep)
        };
        let subject = pick(&mut rng, 2);
        let message = if zh {
            format!("你好，{}，请尽快处理，谢谢", pick(&mut rng, 4 + n % 8))
        } else {
            format!("Hello, my {} please help", pick(&mut rng, 4 + n % 8))
        };
        typed.push((subject, message, lang));
    }
    let mut suggest_times = Vec::with_capacity(queries);
    let mut suggested = 0usize;
    runtime.block_on(async {
        for (subject, message, lang) in &typed {
            let request = Request::get(format!(
                "/form/suggestions?lang={lang}&subject={}&message={}",
                encode(subject),
                encode(message)
            ))
            .body(Body::empty())?;
            let started = Instant::now();
            let response = tower::ServiceExt::oneshot(app.clone(), request).await?;
            let bytes = http_body_util::BodyExt::collect(response.into_body())
                .await?
                .to_bytes();
            suggest_times.push(micros(started.elapsed()));
            let body: serde_json::Value = serde_json::from_slice(&bytes)?;
            suggested += body["articles"].as_array().map_or(0, Vec::len);
        }
        anyhow::Ok(())
    })?;
    let suggest_p95 = percentile(&mut suggest_times, 0.95);
    eprintln!(
        "bench help: {} form suggestions, p50 {:.2} / p95 {suggest_p95:.2} ms, {:.1} articles on average",
        typed.len(),
        percentile(&mut suggest_times, 0.5),
        suggested as f64 / typed.len() as f64
    );

    emit("help_search_p95_ms", p95, "ms", Some(50.0), "lower");
    emit(
        "help_form_suggest_p95_ms",
        suggest_p95,
        "ms",
        Some(50.0),
        "lower",
    );
    emit("help_search_p50_ms", p50, "ms", None, "lower");
    emit("help_snapshot_build_ms", build_ms, "ms", None, "lower");
    emit("help_bare_scan_p95_ms", scan_p95, "ms", None, "lower");
    emit(
        "help_search_p95_over_bare_scan",
        p95 / scan_p95.max(0.001),
        "ratio",
        None,
        "lower",
    );
    Ok(())
}
