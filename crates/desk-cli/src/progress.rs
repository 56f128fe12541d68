//! `desk sync`'s progress on standard error, so standard output stays the report: a line
//! rewritten in place on a terminal; otherwise a line per phase and per tenth of the way,
//! as JSON with `--json` (scripts and tests follow a bootstrap that way).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use desk_core::view::{SyncPhase, SyncProgress};

pub struct Printer {
    json: bool,
    terminal: bool,
    /// The last (phase, tenth) printed, to print each only once off a terminal.
    last: Mutex<Option<(SyncPhase, u64)>>,
}

impl Printer {
    pub fn new(json: bool) -> Self {
        Self {
            json,
            terminal: !json && std::io::stderr().is_terminal(),
            last: Mutex::new(None),
        }
    }

    pub fn show(&self, p: SyncProgress) {
        let tenth = p.fraction().map(|f| (f * 10.0) as u64).unwrap_or(0);
        if !self.terminal {
            let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
            if *last == Some((p.phase, tenth)) {
                return;
            }
            *last = Some((p.phase, tenth));
        }
        let mut err = std::io::stderr().lock();
        // Progress is a courtesy: a closed stderr must not fail the sync.
        let _ = if self.json {
            writeln!(
                err,
                "{}",
                serde_json::json!({ "progress": p }) // {"progress": {phase, bootstrap, done, total}}
            )
        } else if self.terminal {
            let end = if p.phase == SyncPhase::Done { "\n" } else { "" };
            write!(err, "\r\x1b[2K{}{end}", line(&p))
        } else {
            writeln!(err, "{}", line(&p))
        };
    }
}

/// `receiving 12,000 / 110,000 changes (10%)`.
pub fn line(p: &SyncProgress) -> String {
    let (verb, unit) = match p.phase {
        SyncPhase::Sending => ("sending", "actions"),
        SyncPhase::Receiving => ("receiving", "changes"),
        SyncPhase::Preparing => ("preparing the cache after", "changes"),
        SyncPhase::Indexing => ("indexing for search", "records"),
        SyncPhase::Done => ("done:", "items"),
    };
    let of = match p.total {
        Some(t) => format!(" / {}", grouped(t)),
        None => String::new(),
    };
    let percent = match p.fraction() {
        Some(f) => format!(" ({}%)", (f * 100.0).floor() as u64),
        None => String::new(),
    };
    format!("{verb} {}{of} {unit}{percent}", grouped(p.done))
}

fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_says_the_phase_and_how_far() {
        let p = SyncProgress {
            phase: SyncPhase::Receiving,
            bootstrap: true,
            done: 12_000,
            total: Some(110_000),
        };
        assert_eq!(
            line(&p),
            "receiving 12,000 / 110,000 changes (10%)",
            "counts grouped by thousands, percent rounded down so 100% means done"
        );
    }
}
