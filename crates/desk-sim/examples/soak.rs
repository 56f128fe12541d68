//! `cargo xtask bench sync --soak`: the sync simulation over many more seeds than the test
//! suite's 1,000 (`--seeds N` or `DESK_SIM_SEEDS`, 20,000 by default, from `DESK_SIM_FIRST`),
//! in rounds of 1,000 with progress on stderr. Prints seeds/s and failures as JSON lines
//! (`{"metric","value","unit","target","better"}`); each failure's seed and rerun line go
//! to stderr. Exits non-zero when any seed failed.

use desk_sim::run_seeds;

const ROUND: u64 = 1_000;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn metric(name: &str, value: f64, unit: &str, target: Option<f64>, better: &str) {
    let target = target.map_or("null".to_owned(), |t| t.to_string());
    println!(
        r#"{{"metric": "{name}", "value": {:.3}, "unit": "{unit}", "target": {target}, "better": "{better}"}}"#,
        value
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seeds = match args.as_slice() {
        [] => env_u64("DESK_SIM_SEEDS").unwrap_or(20_000),
        [flag, n] if flag == "--seeds" => n.parse().unwrap_or_else(|_| {
            eprintln!("--seeds expects a number, got {n:?}");
            std::process::exit(2)
        }),
        _ => {
            eprintln!("usage: soak [--seeds 20000]   (or DESK_SIM_SEEDS, DESK_SIM_FIRST)");
            std::process::exit(2)
        }
    };
    let first = env_u64("DESK_SIM_FIRST").unwrap_or(0);
    let (mut run, mut steps, mut elapsed) = (0u64, 0u64, 0f64);
    let mut failures = Vec::new();
    let mut start = first;
    while start < first + seeds {
        let count = ROUND.min(first + seeds - start);
        let round = run_seeds(start, count, &|_| false);
        run += round.seeds;
        steps += round.steps;
        elapsed += round.elapsed.as_secs_f64();
        for f in &round.failures {
            eprintln!("{f}");
        }
        failures.extend(round.failures);
        eprintln!(
            "desk-sim soak: {run} of {seeds} seeds, {} failed, {:.1} seeds/s",
            failures.len(),
            run as f64 / elapsed
        );
        start += count;
    }
    metric("sim_soak_seeds", run as f64, "seeds", None, "higher");
    metric(
        "sim_soak_seeds_per_s",
        run as f64 / elapsed,
        "1/s",
        None,
        "higher",
    );
    metric(
        "sim_soak_steps_per_s",
        steps as f64 / elapsed,
        "1/s",
        None,
        "higher",
    );
    metric(
        "sim_soak_failures",
        failures.len() as f64,
        "seeds",
        Some(0.0),
        "lower",
    );
    if !failures.is_empty() {
        std::process::exit(1);
    }
}
