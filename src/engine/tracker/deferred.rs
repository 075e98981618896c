//! A deferred request (`fetchLater()`, Chromium 135+) for what storage does
//! not hold yet.
//!
//! Storage writes are coalesced over [`COALESCE_MS`]: a tab killed in that
//! window (a renderer crash, an out-of-memory kill) lost the events tracked
//! in it, since neither a beacon nor the stored copy carried them. Where the
//! edge says the browser has `fetchLater`, the engine arms one deferred
//! request with those events: the browser sends it if the page dies first,
//! and the engine aborts it once storage holds them, before the page's own
//! beacons go, when consent changes, when a keepalive batch goes (that
//! request outlives a crashed page) and after a delivered batch (then arms
//! it again for what is still not stored). One is armed at a time; it
//! is armed from a timer crossing only (arming costs the page ~0.16 ms,
//! which a `track()` call must not pay), at most every [`GAP_MS`], and it
//! carries at most [`MAX_BYTES`] (the browser's quota is 64 KiB an origin).
//!
//! [`COALESCE_MS`]: crate::engine::pipeline::store::COALESCE_MS

use super::Tracker;
use crate::engine::pipeline::event::Event;

/// Least time between two armings (the last events of a burst wait this
/// long at most for theirs).
pub const GAP_MS: f64 = 50.0;
/// Most bytes a deferred request carries (under `fetchLater`'s quota of
/// 64 KiB an origin, with room for a site's own).
pub const MAX_BYTES: usize = 32 * 1024;

/// The deferred request's state.
#[derive(Debug, Default)]
pub struct Deferred {
    /// The edge has `fetchLater`.
    pub able: bool,
    /// A request is armed.
    armed: bool,
    /// The first event (sequence number) that neither it nor storage
    /// holds: this one and newer ones are not covered yet.
    covered: u64,
    /// The first event storage did not hold at its last write.
    stored: u64,
    /// Not armed again before this time.
    not_before: f64,
    /// This crossing is a timer's (arming is allowed).
    pub woke: bool,
}

impl Tracker {
    /// Once per pump, after storage: arms the deferred request when events
    /// that neither storage nor the armed request holds are waiting.
    /// Returns when to wake to arm it, if not now.
    pub(super) fn defer(&mut self) -> Option<f64> {
        let woke = core::mem::take(&mut self.deferred.woke);
        if !self.deferred.able || self.store.leaving || self.offline {
            return None;
        }
        let covered = self.deferred.covered;
        let waiting = self.queue.waiting();
        let last = waiting.last().map(Event::seq).filter(|s| *s >= covered)?;
        let at = self.deferred.not_before.max(self.now);
        if !woke || self.now < at {
            return Some(at);
        }
        // Everything storage does not hold, in one request; what does not
        // fit waits for storage (armed again, the same first events would
        // fit again and nothing more).
        let stored = self.deferred.stored;
        let from = waiting.iter().position(|e| e.seq() >= stored).unwrap_or(waiting.len());
        let (body, n) = self.encode_waiting(from, usize::MAX, MAX_BYTES);
        self.deferred.not_before = self.now + GAP_MS;
        self.deferred.covered = last + 1;
        if n == 0 || body.len() <= self.envelope + 2 {
            // The gate refused them all (or one alone is over the limit):
            // nothing to arm; they count as covered until storage has them.
            return None;
        }
        self.deferred.armed = true;
        self.o.begin(b'Q').field(&self.url).field(&body).end();
        None
    }

    /// Storage holds every event queued so far: the armed request goes.
    pub(super) fn defer_stored(&mut self) {
        self.deferred.stored = self.queue.peek_seq();
        self.defer_abort();
    }

    /// The armed request goes (its events are sent or stored otherwise, or
    /// what it carries may no longer be sent as it is); what storage does
    /// not hold is armed again at the next timer.
    pub(super) fn defer_abort(&mut self) {
        if self.deferred.armed {
            self.deferred.armed = false;
            self.o.begin(b'q').end();
        }
        self.deferred.covered = self.deferred.stored;
    }
}
