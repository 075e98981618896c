//! Sending: which batch goes next, what the collector's answer means,
//! `flush()` bookkeeping, and the hand-off to beacons as the page goes away.

use crate::prelude::*;

use super::{OutgoingBatch, Tracker, KEEPALIVE_MAX_BYTES};
use crate::core::config::BatchPolicy;
use crate::core::consent::{Category, Choice};
use crate::core::encode::kizuna;
use crate::core::flush::FlushSummary;
use crate::core::json::write_int;
use crate::core::platform::Level;
use crate::core::retry::{backoff_ms, classify, Outcome};

impl Tracker {
    /// Starts a flush of everything queued now; see [`Tracker::take_finished_flushes`].
    pub fn begin_flush(&mut self) -> u64 {
        self.flushes.begin(self.queue.next_seq())
    }

    /// The next batch to send now, if the policy (or a flush) says so.
    pub fn next_batch(&mut self) -> Option<OutgoingBatch> {
        let now = self.platform.clock.now_ms();
        let force = self.flushes.wants_send(&self.queue);
        if !self.queue.is_due(&self.config.batch, self.envelope, now, force) {
            return None;
        }
        let (taken, bodies) = self.queue.take(&self.config.batch, self.envelope)?;
        let mut body = String::with_capacity(bodies.iter().map(|b| b.len() + 1).sum::<usize>() + self.envelope);
        kizuna::write_batch(&mut body, bodies.into_iter(), now, self.config.write_key.as_deref());
        // With one request in flight at a time, a keepalive batch survives
        // the unload on its own; only a bigger one has to be re-sent then.
        let keepalive = body.len() <= KEEPALIVE_MAX_BYTES;
        self.in_flight_keepalive = keepalive;
        Some(OutgoingBatch { id: taken.id, url: self.url.clone(), body, count: taken.count, keepalive })
    }

    /// The collector answered batch `id` with `status` (0: no answer);
    /// `retry_after_ms` is its `Retry-After`, if any.
    pub fn complete(&mut self, id: u64, status: u16, retry_after_ms: Option<f64>) -> Outcome {
        let seqs = self.queue.in_flight_seqs(id);
        if seqs.is_empty() {
            // Handed off to an unload beacon meanwhile: nothing to do.
            return classify(status);
        }
        let outcome = classify(status);
        let n = seqs.len();
        match outcome {
            Outcome::Delivered => {
                self.failures = 0;
                self.queue.remove_batch(id);
            }
            Outcome::Retry => {
                self.failures += 1;
                let delay = backoff_ms(self.failures, self.platform.random.unit(), retry_after_ms);
                // A keepalive request that got no answer may still be on its
                // way (navigations cut the page off from it, not the browser).
                let uncertain = status == 0 && self.in_flight_keepalive;
                self.queue.return_batch(id, self.platform.clock.now_ms() + delay, uncertain);
                // Consent may have been withdrawn while it was on the wire:
                // nothing of a denied category goes out again.
                for c in Category::CHOOSABLE {
                    if self.consent.get(c) == Choice::Denied {
                        self.queue.purge(|e| e.category == c);
                    }
                }
                let mut msg = String::from("sending ");
                write_int(&mut msg, n as i64);
                msg.push_str(" events failed (");
                msg.push_str(&status_text(status));
                msg.push_str("); they stay queued and will be retried in ");
                write_int(&mut msg, libm::ceil(delay / 1000.0) as i64);
                msg.push_str(" s");
                self.log(Level::Warn, &msg);
            }
            Outcome::Rejected => {
                self.failures = 0;
                self.queue.remove_batch(id);
                let mut msg = String::from("the collector refused ");
                write_int(&mut msg, n as i64);
                msg.push_str(" events (");
                msg.push_str(&status_text(status));
                msg.push_str("); they were dropped, as resending them would fail the same way");
                self.log(Level::Error, &msg);
            }
        }
        if self.config.debug && outcome == Outcome::Delivered {
            let mut msg = String::from("batch of ");
            write_int(&mut msg, n as i64);
            msg.push_str(" events delivered (");
            msg.push_str(&status_text(status));
            msg.push(')');
            self.log(Level::Debug, &msg);
        }
        self.flushes.on_batch(&seqs, outcome);
        outcome
    }

    /// Flushes that have finished, with their summaries.
    pub fn take_finished_flushes(&mut self) -> Vec<(u64, FlushSummary)> {
        if self.flushes.is_empty() {
            return Vec::new();
        }
        self.flushes.take_finished(&self.queue)
    }

    /// When [`Tracker::next_batch`] should next be asked if nothing happens
    /// meanwhile (epoch ms).
    pub fn wake_at(&self) -> Option<f64> {
        self.queue.wake_at(&self.config.batch)
    }

    /// The page is hidden (`leaving: false`) or going away (`leaving:
    /// true`): hands every waiting event to `send(url, body)` (a beacon) in
    /// chunks under the batch byte limit. When leaving, a batch in flight
    /// without keepalive (too big for it) would be cancelled by the unload,
    /// so it is re-sent too; a keepalive one completes on its own and is not
    /// sent twice. Chunks `send` refuses stay queued. Returns the events
    /// handed off.
    pub fn unload(&mut self, leaving: bool, send: &mut dyn FnMut(&str, &str) -> bool) -> usize {
        // The page may not come back: what the profile learned is kept now.
        self.persist_profile();
        let with_in_flight = leaving && self.queue.in_flight().is_some() && !self.in_flight_keepalive;
        // Beacons share the keepalive quota whatever the batch limit says.
        let policy = BatchPolicy { max_bytes: self.config.batch.max_bytes.min(KEEPALIVE_MAX_BYTES), ..self.config.batch.clone() };
        let chunks = self.queue.drain_chunks(&policy, self.envelope, with_in_flight);
        let now = self.platform.clock.now_ms();
        let mut handed = 0;
        let mut refused = Vec::new();
        for chunk in chunks {
            // Once the browser refuses (quota), later chunks would be refused
            // too; keep them, in order.
            if refused.is_empty() {
                let mut body = String::new();
                kizuna::write_batch(&mut body, chunk.iter().map(|e| e.body.as_str()), now, self.config.write_key.as_deref());
                if send(&self.url, &body) {
                    handed += chunk.len();
                    let seqs: Vec<u64> = chunk.iter().map(|e| e.seq).collect();
                    self.flushes.on_handed_off(&seqs);
                    continue;
                }
            }
            refused.extend(chunk);
        }
        if !refused.is_empty() {
            let mut msg = String::from("the browser refused to send ");
            write_int(&mut msg, refused.len() as i64);
            msg.push_str(" events as the page was hidden; they stay queued");
            self.log(Level::Warn, &msg);
            self.queue.restore(refused);
        }
        if self.config.debug && handed > 0 {
            let mut msg = String::from("page hidden: ");
            write_int(&mut msg, handed as i64);
            msg.push_str(" events handed to sendBeacon");
            self.log(Level::Debug, &msg);
        }
        handed
    }
}

fn status_text(status: u16) -> String {
    if status == 0 {
        return "no response".to_string();
    }
    let mut s = String::from("HTTP ");
    write_int(&mut s, i64::from(status));
    s
}
