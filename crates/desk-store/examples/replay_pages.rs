//! Applies saved pull pages to a fresh encrypted cache and prints the apply's time: the
//! sync bench's feed replayed without its server, for A/B runs of the store's write path
//! (BENCHMARKS.md, sync). Save the pages with `DESK_BENCH_SAVE_PAGES=DIR cargo xtask bench
//! sync --backend sqlite` (the peer writes each page it pulls as `page-NNNNN.json`).
//!
//! `replay_pages DIR CACHE_PATH`; `GROUP=N` applies N pages per transaction
//! (`Store::apply_pull_responses`; the client's group is `desk_sync::GROUP_PAGES`), `PLAIN=1` leaves the cache
//! unencrypted, `MONO_IDS=1` renumbers the messages in feed order (what the id index's
//! scatter costs), `ONLY=message` applies the messages alone and `ONLY=other` everything
//! but them (which part of the apply is whose). Pages are decoded before the clock starts. Prints the apply, its last
//! page (mostly the bulk load's finish) and then the indexes left to the background.

use std::path::Path;
use std::time::Instant;

use desk_core::wire::PullResponse;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(cache)) = (args.next(), args.next()) else {
        eprintln!(
            "usage: replay_pages DIR CACHE_PATH   (env GROUP=N, PLAIN=1, MONO_IDS=1, ONLY=message|other)"
        );
        std::process::exit(2);
    };
    let group: usize = match std::env::var("GROUP") {
        Ok(g) => g.parse::<usize>()?.max(1),
        Err(_) => 1,
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    let mut pages = Vec::with_capacity(files.len());
    for f in &files {
        pages.push(serde_json::from_slice::<PullResponse>(&std::fs::read(f)?)?);
    }
    // Messages renumbered in feed order arrive in key order (a feed whose ids follow it).
    if std::env::var_os("MONO_IDS").is_some() {
        let mut n = 0u64;
        for p in &mut pages {
            for c in &mut p.changes {
                if let desk_core::wire::Change::Message(m) = c {
                    n += 1;
                    m.id = format!("{n:036}");
                }
            }
        }
    }
    if let Ok(only) = std::env::var("ONLY") {
        let keep_messages = only == "message";
        for p in &mut pages {
            p.changes
                .retain(|c| matches!(c, desk_core::wire::Change::Message(_)) == keep_messages);
        }
    }
    let rows: usize = pages.iter().map(|p| p.changes.len()).sum();
    eprintln!("{} pages, {rows} rows decoded", pages.len());
    let cache = Path::new(&cache);
    desk_store::remove_cache_files(cache)?;
    let mut store = if std::env::var_os("PLAIN").is_some() {
        desk_store::Store::open(cache)?
    } else {
        desk_store::Store::open_encrypted(cache, &desk_store::CacheKey::generate())?
    };
    // The last page applied alone, as the client's last group is: its time is mostly the
    // bulk load's finish (index builds, derived state).
    let (last, rest) = pages.split_last().ok_or("no pages")?;
    let started = Instant::now();
    for chunk in rest.chunks(group) {
        store.apply_pull_responses(chunk)?;
    }
    let before_last = started.elapsed().as_secs_f64();
    store.apply_pull_responses(std::slice::from_ref(last))?;
    let seconds = started.elapsed().as_secs_f64();
    // Then what the background indexer builds first: the indexes the inbox did not wait for.
    let background = Instant::now();
    while store.build_next_deferred_index()? {}
    println!(
        "{{\"group\": {group}, \"apply_s\": {seconds:.2}, \"last_page_s\": {:.2}, \"rows_per_s\": {:.0}, \"background_indexes_s\": {:.2}}}",
        seconds - before_last,
        rows as f64 / seconds,
        background.elapsed().as_secs_f64()
    );
    Ok(())
}
