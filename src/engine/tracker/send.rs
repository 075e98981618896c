//! Sending: which batch goes next (stage 5), what the collector's answer
//! means (stage 6), `flush()` bookkeeping, and the hand-off to beacons as
//! the page goes away.

use crate::prelude::*;

use super::Tracker;
use crate::engine::config::BatchPolicy;
use crate::engine::consent::{Category, Choice};
use crate::engine::io::{Action, Level};
use crate::engine::pipeline::batch::{self, Encoding};
use crate::engine::pipeline::event::Event;
use crate::engine::pipeline::transport::{backoff_ms, classify, parse_retry_after, status_text, Outcome, KEEPALIVE_MAX_BYTES};
use crate::engine::text::num::write_u64;

impl Tracker {
    /// After every input: sends what is due, settles finished flushes,
    /// hands segments over, and says when to wake.
    pub(super) fn pump(&mut self) {
        loop {
            let force = self.flushes.wants_send(|s| self.queue.has_before(s, false));
            self.queue.refill(force);
            if !batch::is_due(&self.queue, &self.cfg.batch, self.now, force) {
                break;
            }
            let policy = self.cfg.batch.clone();
            let mut body = core::mem::take(&mut self.body);
            let mut enc = Encoding { pages: &mut self.pages, env: &self.env, consent: &self.consent, write_key: self.cfg.write_key.as_deref(), now: self.now };
            let n = batch::encode(&mut body, self.queue.waiting(), policy.max_events, policy.max_bytes, &mut enc);
            let keepalive = body.len() <= KEEPALIVE_MAX_BYTES;
            let f = self.queue.send(n, keepalive);
            if body.len() <= self.envelope + 2 {
                // The gate refused every one of them: nothing to send.
                self.body = body;
                let gone = self.queue.remove_batch(f.id);
                self.release_pages(&gone);
                continue;
            }
            self.debug(|| {
                let mut m = String::from("sending a batch of ");
                write_u64(&mut m, n as u64);
                m.push_str(" events");
                m
            });
            // The body goes out; the buffer keeps its size for the next one.
            let mut next = String::with_capacity(body.capacity());
            core::mem::swap(&mut next, &mut body);
            self.body = body;
            self.act(Action::Post { id: f.id, url: self.url.clone(), body: next, keepalive });
            break;
        }
        if !self.flushes.is_empty() {
            let (queue, pending) = (&self.queue, self.queue.len());
            let done = self.flushes.finished(|s| queue.has_before(s, true), queue.in_flight().is_some(), pending);
            for (token, summary) in done {
                self.act(Action::Flushed(token, summary));
            }
        }
        for h in self.queue.handoffs() {
            self.act(Action::Handoff(h));
        }
        let wake = batch::wake_at(&self.queue, &self.cfg.batch).map(|t| t.max(self.now));
        if wake != self.wake {
            self.wake = wake;
            self.act(Action::Wake(wake));
        }
        self.signals.persist_if(self.consent.may_store(Category::Personalization), self.now, false);
        for a in self.signals.take_actions() {
            self.act(a);
        }
        self.follow_listeners();
    }

    /// The collector answered batch `id` with `status` (0: no answer).
    pub(super) fn answered(&mut self, id: u32, status: u16, retry_after: &str) {
        let Some(events) = self.queue.batch(id) else { return };
        let seqs: Vec<u64> = events.iter().map(Event::seq).collect();
        let n = seqs.len();
        let outcome = classify(status);
        match outcome {
            Outcome::Delivered => {
                self.failures = 0;
                let gone = self.queue.remove_batch(id);
                self.release_pages(&gone);
                self.debug(|| {
                    let mut m = String::from("batch of ");
                    write_u64(&mut m, n as u64);
                    m.push_str(" events delivered (");
                    m.push_str(&status_text(status));
                    m.push(')');
                    m
                });
            }
            Outcome::Retry => {
                self.failures += 1;
                let delay = backoff_ms(self.failures, self.rng.unit(), parse_retry_after(retry_after));
                // A keepalive request that got no answer may still be on its
                // way (navigations cut the page off from it, not the browser).
                let uncertain = status == 0 && self.queue.in_flight().is_some_and(|f| f.keepalive);
                self.queue.return_batch(id, self.now + delay, uncertain);
                // Consent may have been withdrawn while it was on the wire:
                // nothing of a denied category goes out again.
                for c in Category::CHOOSABLE {
                    if self.consent.get(c) == Choice::Denied {
                        self.purge(c);
                    }
                }
                let mut msg = String::from("sending ");
                write_u64(&mut msg, n as u64);
                msg.push_str(" events failed (");
                msg.push_str(&status_text(status));
                msg.push_str("); they stay queued and will be retried in ");
                write_u64(&mut msg, (delay / 1000.0) as u64 + u64::from(delay % 1000.0 > 0.0));
                msg.push_str(" s");
                self.log(Level::Warn, msg);
            }
            Outcome::Rejected => {
                self.failures = 0;
                let gone = self.queue.remove_batch(id);
                self.release_pages(&gone);
                let mut msg = String::from("the collector refused ");
                write_u64(&mut msg, n as u64);
                msg.push_str(" events (");
                msg.push_str(&status_text(status));
                msg.push_str("); they were dropped, as resending them would fail the same way");
                self.log(Level::Error, msg);
            }
        }
        self.flushes.on_batch(&seqs, outcome);
    }

    /// The page is hidden (`leaving: false`) or going away (`true`): every
    /// waiting event in memory goes to beacons, in bodies under the
    /// keepalive quota. When leaving, a batch in flight without keepalive
    /// (too big for it) would be cancelled, so it goes too; a keepalive one
    /// completes on its own and is not sent twice.
    pub(super) fn unload(&mut self, leaving: bool) {
        self.signals.persist_if(self.consent.may_store(Category::Personalization), self.now, true);
        self.beaconed(0);
        // What the browser's beacon quota could carry should be in memory:
        // segments come back first (the edge returns them at once).
        if self.queue.waiting_bytes() < KEEPALIVE_MAX_BYTES && self.queue.has_segments() {
            self.queue.refill(true);
            if self.queue.awaiting() {
                self.unload_waits = Some(leaving);
                return;
            }
        }
        let with_in_flight = leaving && self.queue.in_flight().is_some_and(|f| !f.keepalive);
        let taken = self.queue.take_for_unload(with_in_flight);
        if taken.is_empty() {
            return;
        }
        let events: Vec<Event> = taken.iter().map(|(e, _)| e.clone()).collect();
        let policy = BatchPolicy { max_bytes: self.cfg.batch.max_bytes.min(KEEPALIVE_MAX_BYTES), ..self.cfg.batch.clone() };
        let mut enc = Encoding { pages: &mut self.pages, env: &self.env, consent: &self.consent, write_key: self.cfg.write_key.as_deref(), now: self.now };
        let chunks = batch::chunks(&events, policy.max_bytes, &mut enc);
        let mut rest = taken.into_iter();
        for (body, n) in chunks {
            self.unloading.push(rest.by_ref().take(n).collect());
            self.act(Action::Beacon { url: self.url.clone(), body });
        }
    }

    /// The browser took the first `n` beacons of the last unload; the rest
    /// stay queued, in order.
    pub(super) fn beaconed(&mut self, n: usize) {
        let chunks = core::mem::take(&mut self.unloading);
        let mut refused = Vec::new();
        for (i, chunk) in chunks.into_iter().enumerate() {
            if i < n {
                let seqs: Vec<u64> = chunk.iter().map(|(e, _)| e.seq()).collect();
                self.flushes.on_batch(&seqs, Outcome::Delivered);
                let events: Vec<Event> = chunk.into_iter().map(|(e, _)| e).collect();
                self.release_pages(&events);
            } else {
                refused.extend(chunk);
            }
        }
        if !refused.is_empty() {
            let mut msg = String::from("the browser refused to send ");
            write_u64(&mut msg, refused.len() as u64);
            msg.push_str(" events as the page was hidden; they stay queued");
            self.log(Level::Warn, msg);
            self.queue.restore(refused);
        } else if n > 0 {
            self.debug(|| String::from("page hidden: events handed to sendBeacon"));
        }
    }
}
