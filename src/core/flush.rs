//! Bookkeeping for `flush()` calls: which events each call waits for, and
//! the summary it resolves with.

use crate::prelude::*;

use super::queue::Queue;
use super::retry::Outcome;

/// What a `flush()` resolves with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlushSummary {
    /// Events the collector accepted while the flush ran.
    pub sent: usize,
    /// Events in requests that failed (retryable ones stay queued).
    pub failed: usize,
    /// Events still queued when the flush resolved.
    pub pending: usize,
}

#[derive(Debug)]
struct Active {
    token: u64,
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
    next_token: u64,
}

impl Flushes {
    /// Starts a flush covering every event with a sequence number below
    /// `until`; returns its token.
    pub fn begin(&mut self, until: u64) -> u64 {
        let token = self.next_token;
        self.next_token += 1;
        self.active.push(Active { token, until, sent: 0, failed: 0, stopped: false });
        token
    }

    /// Whether a flush still needs a waiting event sent now.
    pub fn wants_send(&self, queue: &Queue) -> bool {
        self.active.iter().any(|f| !f.stopped && f.until > 0 && queue.has_waiting_up_to(f.until - 1))
    }

    /// Records the outcome of a batch holding the sequence numbers `seqs`.
    pub fn on_batch(&mut self, seqs: &[u64], outcome: Outcome) {
        for f in &mut self.active {
            if !seqs.iter().any(|s| *s < f.until) {
                continue;
            }
            match outcome {
                Outcome::Delivered => f.sent += seqs.len(),
                Outcome::Retry => {
                    f.failed += seqs.len();
                    f.stopped = true;
                }
                Outcome::Rejected => f.failed += seqs.len(),
            }
        }
    }

    /// Counts events handed to the browser on unload as sent for the flushes
    /// they belonged to.
    pub fn on_handed_off(&mut self, seqs: &[u64]) {
        self.on_batch(seqs, Outcome::Delivered);
    }

    /// Removes and returns the flushes that are done: nothing they wait for
    /// is queued any more, or a request failed.
    pub fn take_finished(&mut self, queue: &Queue) -> Vec<(u64, FlushSummary)> {
        let mut done = Vec::new();
        self.active.retain(|f| {
            let finished = f.until == 0 || !queue.has_any_up_to(f.until - 1) || (f.stopped && queue.in_flight().is_none());
            if finished {
                done.push((f.token, FlushSummary { sent: f.sent, failed: f.failed, pending: queue.len() }));
            }
            !finished
        });
        done
    }

    /// Whether any flush is waiting.
    pub fn is_empty(&self) -> bool {
        self.active.is_empty()
    }
}
