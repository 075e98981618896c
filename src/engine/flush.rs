//! Bookkeeping for `flush()` calls: which events each call waits for, and
//! the summary it resolves with.

use crate::prelude::*;

use super::pipeline::transport::Outcome;

/// What a `flush()` resolves with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Events the collector accepted while the flush ran.
    pub sent: usize,
    /// Events in requests that failed (retryable ones stay queued).
    pub failed: usize,
    /// Events still queued when the flush resolved.
    pub pending: usize,
    /// Events waiting for a consent choice (nothing goes before it).
    pub held: usize,
}

#[derive(Debug)]
struct Active {
    token: u32,
    /// The flush waits for every event queued before it began: those with
    /// a sequence number below this.
    until: u64,
    sent: usize,
    failed: usize,
    /// A request failed: stop pushing and report.
    stopped: bool,
}

/// The flushes in progress.
#[derive(Debug, Default)]
pub struct Flushes {
    active: Vec<Active>,
}

impl Flushes {
    /// Starts flush `token`, covering every event with a sequence number
    /// below `until`.
    pub fn begin(&mut self, token: u32, until: u64) {
        self.active.push(Active { token, until, sent: 0, failed: 0, stopped: false });
    }

    /// Whether a flush still wants the events before `seq`-s sent now.
    pub fn wants_send(&self, has_waiting_before: impl Fn(u64) -> bool) -> bool {
        self.active.iter().any(|f| !f.stopped && has_waiting_before(f.until))
    }

    /// Records the outcome of a batch holding the sequence numbers `seqs`.
    pub fn on_batch(&mut self, seqs: &[u64], outcome: Outcome) {
        for f in &mut self.active {
            let mine = seqs.iter().filter(|s| **s < f.until).count();
            if mine == 0 {
                continue;
            }
            match outcome {
                Outcome::Delivered => f.sent += mine,
                Outcome::Retry => {
                    f.failed += mine;
                    f.stopped = true;
                }
                Outcome::Rejected => f.failed += mine,
            }
        }
    }

    /// Removes and returns the flushes that are done: nothing they wait for
    /// is queued any more (`has_before`), or a request failed and none is in
    /// flight. `pending` is what is still queued, `held` what waits for a
    /// consent choice.
    pub fn finished(&mut self, has_before: impl Fn(u64) -> bool, in_flight: bool, pending: usize, held: usize) -> Vec<(u32, Summary)> {
        let mut done = Vec::new();
        self.active.retain(|f| {
            let finished = !has_before(f.until) || (f.stopped && !in_flight);
            if finished {
                done.push((f.token, Summary { sent: f.sent, failed: f.failed, pending, held }));
            }
            !finished
        });
        done
    }

    /// Whether no flush is waiting.
    pub fn is_empty(&self) -> bool {
        self.active.is_empty()
    }
}
