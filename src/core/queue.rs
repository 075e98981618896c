//! The outgoing queue and the batching policy: which encoded events go out
//! together, and when.
//!
//! Events stay in the queue until the collector has accepted them; the batch
//! in flight is always a prefix of the queue, so a failed batch simply stays
//! where it was, in order, and nothing is ever sent twice by the queue itself.

use crate::prelude::*;

use super::config::BatchPolicy;
use super::consent::Category;

/// One encoded event waiting to be sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Queue-wide sequence number, increasing with every push.
    pub seq: u64,
    /// The event as encoded for the wire.
    pub body: String,
    /// When it was queued (epoch ms).
    pub queued_at: f64,
    /// Its last request ended without an answer while the browser may
    /// still deliver it (a keepalive request cut off by a navigation).
    /// Such events wait for their normal retry instead of riding an unload
    /// beacon, which would likely deliver them twice.
    pub uncertain: bool,
    /// What the event is for (a withdrawal purges by category).
    pub category: Category,
    /// The same event without marketing data (campaign, ad click ids), when
    /// `body` carries some: it replaces `body` if marketing is withdrawn
    /// before the event is sent.
    pub plain: Option<String>,
}

/// A batch handed to the transport.
#[derive(Clone, Debug, PartialEq)]
pub struct Taken {
    /// Identifies the batch when its outcome is reported.
    pub id: u64,
    /// How many entries (from the front of the queue) it holds.
    pub count: usize,
}

/// The queue.
#[derive(Debug, Default)]
pub struct Queue {
    /// Oldest first. A plain `Vec` (not a `VecDeque`): removing a sent
    /// batch from the front moves a few dozen small structs, and the deque's
    /// code would cost more wasm than that ever costs time.
    entries: Vec<Entry>,
    /// Sum of the encoded lengths of all entries.
    bytes: usize,
    /// The batch in flight: its id and how many front entries it holds.
    in_flight: Option<Taken>,
    next_seq: u64,
    next_batch: u64,
    /// No retry before this time (epoch ms) after a failure.
    retry_at: f64,
}

impl Queue {
    /// An empty queue.
    pub fn new() -> Queue {
        Queue::default()
    }

    /// Appends an encoded event (and its version without marketing data,
    /// if it carries any); returns its sequence number.
    pub fn push(&mut self, body: String, plain: Option<String>, now: f64, category: Category) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.bytes += body.len();
        self.entries.push(Entry { seq, body, queued_at: now, uncertain: false, category, plain });
        seq
    }

    /// Marketing was withdrawn: every waiting event (not the batch in
    /// flight) loses its marketing data. Returns how many changed.
    pub fn strip_marketing(&mut self) -> usize {
        let keep = self.in_flight.as_ref().map_or(0, |t| t.count);
        let mut changed = 0;
        for e in self.entries.iter_mut().skip(keep) {
            if let Some(plain) = e.plain.take() {
                e.body = plain;
                changed += 1;
            }
        }
        self.bytes = self.entries.iter().map(|e| e.body.len()).sum();
        changed
    }

    /// Number of queued events (in flight included).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Total encoded bytes queued.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The sequence number the next push will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The queued entries, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    /// Whether a batch is in flight.
    pub fn in_flight(&self) -> Option<&Taken> {
        self.in_flight.as_ref()
    }

    fn waiting(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().skip(self.in_flight.as_ref().map_or(0, |t| t.count))
    }

    /// Whether the policy says a batch should go now. `force` (an explicit
    /// flush) skips the timer and the retry delay; nothing skips the rule of
    /// one request in flight.
    pub fn is_due(&self, policy: &BatchPolicy, envelope: usize, now: f64, force: bool) -> bool {
        if self.in_flight.is_some() {
            return false;
        }
        let Some(oldest) = self.entries.first() else { return false };
        if force {
            return true;
        }
        if now < self.retry_at {
            return false;
        }
        self.entries.len() >= policy.max_events
            || envelope + self.bytes + self.entries.len() > policy.max_bytes
            || now >= oldest.queued_at + policy.flush_interval_ms
    }

    /// When the queue next needs attention if nothing else happens: the
    /// flush timer of the oldest event, or the end of a retry delay.
    pub fn wake_at(&self, policy: &BatchPolicy) -> Option<f64> {
        if self.in_flight.is_some() {
            return None;
        }
        let oldest = self.entries.first()?;
        Some((oldest.queued_at + policy.flush_interval_ms).max(self.retry_at))
    }

    /// Marks the next batch in flight: as many front entries as fit in
    /// `max_events` and `max_bytes` (always at least one).
    pub fn take(&mut self, policy: &BatchPolicy, envelope: usize) -> Option<(Taken, Vec<&str>)> {
        if self.in_flight.is_some() || self.entries.is_empty() {
            return None;
        }
        let count = fit(self.entries.iter(), policy.max_events, policy.max_bytes, envelope);
        let taken = Taken { id: self.next_batch, count };
        self.next_batch += 1;
        self.in_flight = Some(taken.clone());
        Some((taken, self.entries.iter().take(count).map(|e| e.body.as_str()).collect()))
    }

    /// The sequence numbers in the batch `id`, if it is the one in flight.
    pub fn in_flight_seqs(&self, id: u64) -> Vec<u64> {
        match &self.in_flight {
            Some(t) if t.id == id => self.entries.iter().take(t.count).map(|e| e.seq).collect(),
            _ => Vec::new(),
        }
    }

    /// The collector took the batch (or refused it for good): its events
    /// leave the queue. Returns how many left.
    pub fn remove_batch(&mut self, id: u64) -> usize {
        match self.in_flight.take() {
            Some(t) if t.id == id => {
                self.retry_at = 0.0;
                for e in self.entries.drain(..t.count) {
                    self.bytes -= e.body.len();
                }
                t.count
            }
            other => {
                self.in_flight = other;
                0
            }
        }
    }

    /// The batch failed in a way worth retrying: its events stay at the
    /// front, in order, and nothing goes out before `retry_at`. `uncertain`:
    /// the request may still be delivered (see [`Entry::uncertain`]).
    pub fn return_batch(&mut self, id: u64, retry_at: f64, uncertain: bool) -> usize {
        match self.in_flight.take() {
            Some(t) if t.id == id => {
                self.retry_at = retry_at;
                for e in self.entries.iter_mut().take(t.count) {
                    e.uncertain = uncertain;
                }
                t.count
            }
            other => {
                self.in_flight = other;
                0
            }
        }
    }

    /// Takes every waiting event that is not [`Entry::uncertain`] (and the
    /// batch in flight too when `with_in_flight`), cut into chunks whose bodies fit `max_bytes`, for a
    /// last send as the page goes away. Entries leave the queue; give back
    /// the chunks that could not be sent with [`Queue::restore`].
    pub fn drain_chunks(&mut self, policy: &BatchPolicy, envelope: usize, with_in_flight: bool) -> Vec<Vec<Entry>> {
        let in_flight = if with_in_flight { 0 } else { self.in_flight.as_ref().map_or(0, |t| t.count) };
        // Uncertain entries are the front of the waiting ones (a returned batch).
        let keep = in_flight + self.entries.iter().skip(in_flight).take_while(|e| e.uncertain).count();
        if with_in_flight {
            // The request in flight will be cancelled by the unload; its
            // events ride in the beacon instead, and its late answer (if the
            // page survives in the back/forward cache) must change nothing.
            self.in_flight = None;
        }
        let mut rest: Vec<Entry> = self.entries.drain(keep..).collect();
        self.bytes = self.entries.iter().map(|e| e.body.len()).sum();
        let mut chunks = Vec::new();
        while !rest.is_empty() {
            // Beacons have no retry, so the count limit does not apply; only
            // the byte size matters for the keepalive quota.
            let n = fit(rest.iter(), usize::MAX, policy.max_bytes, envelope);
            chunks.push(rest.drain(..n).collect());
        }
        chunks
    }

    /// Puts back, in order at the front of the waiting events, entries taken
    /// by [`Queue::drain_chunks`] that could not be sent.
    pub fn restore(&mut self, entries: Vec<Entry>) {
        let at = self.in_flight.as_ref().map_or(0, |t| t.count);
        self.bytes += entries.iter().map(|e| e.body.len()).sum::<usize>();
        self.entries.splice(at..at, entries);
    }

    /// Removes every entry for which `drop` says so (not the batch in
    /// flight); returns how many went.
    pub fn purge(&mut self, mut drop: impl FnMut(&Entry) -> bool) -> usize {
        let keep = self.in_flight.as_ref().map_or(0, |t| t.count);
        let before = self.entries.len();
        let mut i = 0;
        self.entries.retain(|e| {
            i += 1;
            i <= keep || !drop(e)
        });
        self.bytes = self.entries.iter().map(|e| e.body.len()).sum();
        before - self.entries.len()
    }

    /// Whether any waiting event has a sequence number up to `seq`.
    pub fn has_waiting_up_to(&self, seq: u64) -> bool {
        self.waiting().next().is_some_and(|e| e.seq <= seq)
    }

    /// Whether any queued event (in flight or waiting) has a sequence number up to `seq`.
    pub fn has_any_up_to(&self, seq: u64) -> bool {
        self.entries.first().is_some_and(|e| e.seq <= seq)
    }
}

/// How many entries from the front fit in one body: at most `max_events`,
/// body bytes (envelope, events, commas) at most `max_bytes`, at least one.
fn fit<'a>(entries: impl Iterator<Item = &'a Entry>, max_events: usize, max_bytes: usize, envelope: usize) -> usize {
    let mut bytes = envelope;
    let mut n = 0;
    for e in entries {
        let add = e.body.len() + usize::from(n > 0);
        if n == max_events || (n > 0 && bytes + add > max_bytes) {
            break;
        }
        bytes += add;
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> BatchPolicy {
        BatchPolicy { max_events: 3, max_bytes: 100, flush_interval_ms: 1000.0, max_event_bytes: 50 }
    }

    fn ev(n: usize) -> String {
        "x".repeat(n)
    }

    #[test]
    fn due_by_count_bytes_or_time() {
        let p = policy();
        let mut q = Queue::new();
        assert!(!q.is_due(&p, 10, 0.0, false));
        q.push(ev(10), None, 0.0, Category::Analytics);
        assert!(!q.is_due(&p, 10, 999.0, false), "not before the interval");
        assert!(q.is_due(&p, 10, 1000.0, false), "interval elapsed");
        assert!(q.is_due(&p, 10, 1.0, true), "forced");
        assert_eq!(q.wake_at(&p), Some(1000.0));
        q.push(ev(10), None, 1.0, Category::Analytics);
        q.push(ev(10), None, 2.0, Category::Analytics);
        assert!(q.is_due(&p, 10, 3.0, false), "count reached");

        let mut q = Queue::new();
        q.push(ev(45), None, 0.0, Category::Analytics);
        assert!(!q.is_due(&p, 10, 1.0, false));
        q.push(ev(45), None, 0.0, Category::Analytics);
        assert!(q.is_due(&p, 10, 1.0, false), "a batch would pass max_bytes: 10 + 45 + 45 + 2 > 100");
    }

    #[test]
    fn take_respects_both_limits_and_keeps_one_in_flight() {
        let p = policy();
        let mut q = Queue::new();
        for _ in 0..5 {
            q.push(ev(20), None, 0.0, Category::Analytics);
        }
        let (t, bodies) = q.take(&p, 10).unwrap();
        assert_eq!(t.count, 3);
        assert_eq!(bodies.len(), 3);
        assert!(q.take(&p, 10).is_none(), "one request in flight");
        assert!(!q.is_due(&p, 10, 5000.0, true));
        assert_eq!(q.remove_batch(t.id), 3);
        assert_eq!(q.len(), 2);
        assert_eq!(q.bytes(), 40);

        let mut q = Queue::new();
        for _ in 0..3 {
            q.push(ev(40), None, 0.0, Category::Analytics);
        }
        let (t, _) = q.take(&p, 10).unwrap();
        assert_eq!(t.count, 2, "10 + 40 + 1 + 40 = 91 fits, a third would not");
    }

    #[test]
    fn a_failed_batch_stays_in_order_and_waits() {
        let p = policy();
        let mut q = Queue::new();
        let a = q.push(ev(5), None, 0.0, Category::Analytics);
        let (t, _) = q.take(&p, 10).unwrap();
        let b = q.push(ev(5), None, 1.0, Category::Analytics);
        assert_eq!(q.in_flight_seqs(t.id), vec![a]);
        assert_eq!(q.return_batch(t.id, 5000.0, false), 1);
        assert!(!q.is_due(&p, 10, 4999.0, false), "backing off");
        assert!(q.is_due(&p, 10, 4999.0, true), "an explicit flush does not wait");
        assert!(q.is_due(&p, 10, 5000.0, false));
        assert_eq!(q.wake_at(&p), Some(5000.0));
        let seqs: Vec<u64> = q.entries().map(|e| e.seq).collect();
        assert_eq!(seqs, vec![a, b]);
        assert_eq!(q.remove_batch(999), 0, "unknown batch changes nothing");
    }

    #[test]
    fn unload_drains_in_chunks_and_restores_what_failed() {
        let p = policy();
        let mut q = Queue::new();
        for _ in 0..5 {
            q.push(ev(40), None, 0.0, Category::Analytics);
        }
        let (t, _) = q.take(&p, 10).unwrap();
        let chunks = q.drain_chunks(&p, 10, false);
        assert_eq!(chunks.iter().map(|c| c.len()).collect::<Vec<_>>(), vec![2, 1], "in-flight pair stays");
        assert_eq!(q.len(), 2);
        q.restore(chunks.into_iter().nth(1).unwrap());
        assert_eq!(q.len(), 3);
        assert_eq!(q.bytes(), 120);
        let chunks = q.drain_chunks(&p, 10, true);
        assert_eq!(chunks.iter().map(|c| c.len()).sum::<usize>(), 3);
        assert!(q.is_empty() && q.in_flight().is_none());
        assert_eq!(q.remove_batch(t.id), 0, "the cancelled request's late answer changes nothing");
    }

    #[test]
    fn uncertain_events_wait_for_their_retry_instead_of_the_beacon() {
        let p = policy();
        let mut q = Queue::new();
        for _ in 0..3 {
            q.push(ev(5), None, 0.0, Category::Analytics);
        }
        let (t, _) = q.take(&BatchPolicy { max_events: 2, ..p.clone() }, 10).unwrap();
        q.return_batch(t.id, 1000.0, true);
        let chunks = q.drain_chunks(&p, 10, true);
        assert_eq!(chunks.iter().map(|c| c.len()).sum::<usize>(), 1, "only the never-sent event");
        assert_eq!(q.len(), 2);
        let (t, _) = q.take(&p, 10).unwrap();
        q.return_batch(t.id, 2000.0, false);
        assert_eq!(q.drain_chunks(&p, 10, true).iter().map(|c| c.len()).sum::<usize>(), 2, "a plain failure rides along");
    }

    #[test]
    fn purge_spares_the_batch_in_flight() {
        let p = policy();
        let mut q = Queue::new();
        for i in 0..4 {
            q.push(ev(i + 1), None, 0.0, Category::Analytics);
        }
        let _ = q.take(&BatchPolicy { max_events: 1, ..p }, 10).unwrap();
        assert_eq!(q.purge(|_| true), 3);
        assert_eq!(q.len(), 1);
        assert_eq!(q.bytes(), 1);
    }

    #[test]
    fn withdrawing_marketing_swaps_in_the_plain_bodies_of_waiting_events_only() {
        let p = policy();
        let mut q = Queue::new();
        q.push("with-campaign-1".into(), Some("plain-1".into()), 0.0, Category::Analytics);
        q.push("with-campaign-2".into(), Some("plain-2".into()), 0.0, Category::Analytics);
        q.push("no-marketing".into(), None, 0.0, Category::Analytics);
        let _ = q.take(&BatchPolicy { max_events: 1, ..p.clone() }, 10).unwrap();
        assert_eq!(q.strip_marketing(), 1, "the batch on the wire is left alone");
        let bodies: Vec<&str> = q.entries().map(|e| e.body.as_str()).collect();
        assert_eq!(bodies, ["with-campaign-1", "plain-2", "no-marketing"]);
        assert_eq!(q.bytes(), bodies.iter().map(|b| b.len()).sum::<usize>());
        assert_eq!(q.strip_marketing(), 0, "once");
    }
}
