//! Many seeds at once, spread over the machine's cores: what the test suite and the soak
//! benchmark (`cargo xtask bench sync --soak`) both run.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::{Counts, run_seed};

/// What a run of many seeds did.
#[derive(Debug, Default)]
pub struct SeedsRun {
    /// Seeds run (skipped ones not counted).
    pub seeds: u64,
    pub steps: u64,
    pub counts: Counts,
    /// One message per failed seed, sorted, each naming its seed and how to rerun it.
    pub failures: Vec<String>,
    pub elapsed: Duration,
}

/// Runs seeds `first..first + count` on every core, except those `skip` names. A panic
/// inside the parts under test is a failure of that seed too.
pub fn run_seeds(first: u64, count: u64, skip: &(dyn Fn(u64) -> bool + Sync)) -> SeedsRun {
    let next = AtomicU64::new(first);
    let run = Mutex::new(SeedsRun::default());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let seed = next.fetch_add(1, Ordering::Relaxed);
                    if seed >= first + count {
                        return;
                    }
                    if skip(seed) {
                        continue;
                    }
                    let result = std::panic::catch_unwind(|| run_seed(seed));
                    let mut run = run.lock().unwrap_or_else(|p| p.into_inner());
                    run.seeds += 1;
                    match result {
                        Ok(Ok(summary)) => {
                            run.steps += summary.steps;
                            run.counts.add(&summary.counts);
                        }
                        Ok(Err(failure)) => run.failures.push(failure.to_string()),
                        Err(_) => run.failures.push(format!(
                            "seed {seed} panicked (rerun with DESK_SIM_SEED={seed})"
                        )),
                    }
                }
            });
        }
    });
    let mut run = run.into_inner().unwrap_or_else(|p| p.into_inner());
    run.failures.sort();
    run.elapsed = started.elapsed();
    run
}
