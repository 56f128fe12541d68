//! Where a sync has got to, for the console's progress bar and `desk sync`: the client
//! reports each step here, and whoever shows progress installs a sink.

use std::sync::{Arc, Mutex};

use desk_core::view::{SyncPhase, SyncProgress};

type Sink = Arc<dyn Fn(SyncProgress) + Send + Sync>;

/// The latest progress, and the sink told of every step.
#[derive(Default)]
pub(crate) struct Progress {
    last: Mutex<Option<SyncProgress>>,
    sink: Mutex<Option<Sink>>,
}

impl Progress {
    pub(crate) fn set_sink(&self, sink: Sink) {
        *self.sink.lock().unwrap_or_else(|p| p.into_inner()) = Some(sink);
    }

    pub(crate) fn last(&self) -> Option<SyncProgress> {
        *self.last.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn report(&self, phase: SyncPhase, bootstrap: bool, done: u64, total: Option<u64>) {
        // A total the server counted before colleagues added more can fall behind `done`.
        let total = total.map(|t| t.max(done));
        let now = SyncProgress {
            phase,
            bootstrap,
            done,
            total,
        };
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(now);
        // Cloned out so a slow sink never holds the lock.
        let sink = self.sink.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(sink) = sink {
            sink(now);
        }
    }
}

/// Progress through the changes of one pull: the first page's `remaining` gives the total.
pub(crate) struct Receiving {
    pub bootstrap: bool,
    pub done: u64,
    pub total: Option<u64>,
}

impl Receiving {
    /// Nothing received yet; the first page's count will give the total.
    pub(crate) fn new(bootstrap: bool) -> Self {
        Self {
            bootstrap,
            done: 0,
            total: None,
        }
    }

    /// Counts a page in; `remaining` is what the server said is left after it.
    pub(crate) fn page(&mut self, changes: usize, remaining: Option<u64>) {
        self.done += changes as u64;
        if let Some(left) = remaining {
            self.total = Some(self.done + left);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_comes_from_the_first_page_and_never_trails_done() {
        let mut r = Receiving::new(true);
        r.page(1000, Some(4000));
        assert_eq!(
            r.total,
            Some(5000),
            "done plus what the server says is left"
        );
        r.page(1000, None);
        assert_eq!(
            r.total,
            Some(5000),
            "pages that do not count keep the total"
        );
        let progress = Progress::default();
        progress.report(SyncPhase::Receiving, true, 6000, Some(5000));
        assert_eq!(
            progress.last().unwrap().total,
            Some(6000),
            "colleagues' new changes can outrun the first count; the bar never passes 100%"
        );
    }

    #[test]
    fn the_sink_hears_every_step() {
        let progress = Progress::default();
        let heard = Arc::new(Mutex::new(Vec::new()));
        let h = heard.clone();
        progress.set_sink(Arc::new(move |p| h.lock().unwrap().push(p.phase)));
        progress.report(SyncPhase::Receiving, true, 1, Some(2));
        progress.report(SyncPhase::Done, true, 2, Some(2));
        assert_eq!(
            *heard.lock().unwrap(),
            vec![SyncPhase::Receiving, SyncPhase::Done],
            "the console's bar follows each step"
        );
    }
}
