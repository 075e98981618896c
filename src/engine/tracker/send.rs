//! Sending: which batch goes next (stage 5), what the collector's answer
//! means (stage 6), `flush()` bookkeeping, and the hand-off to beacons as
//! the page goes away.

use crate::prelude::*;

use super::Tracker;
use crate::engine::consent::{Category, Choice};
use crate::engine::pipeline::batch::{self, Encoding};
use crate::engine::pipeline::event::Event;
use crate::engine::pipeline::queue::Handoff;
use crate::engine::pipeline::transport::{
    backoff_ms, classify, parse_retry_after, status_text, Outcome, BEACON_MAX_BYTES, CROSSED, KEEPALIVE_MAX_BYTES, OPAQUE,
};
use crate::engine::text::url::origin;

impl Tracker {
    /// Once per crossing: sends what is due, settles finished flushes,
    /// hands segments over, says when to wake.
    pub(super) fn pump(&mut self) {
        self.auto_beat();
        loop {
            let force = self.flushes.wants_send(|s| self.queue.has_before(s, false));
            self.queue.refill(force);
            if !batch::is_due(&self.queue, &self.cfg.batch, self.now, force) {
                break;
            }
            let (max_events, max_bytes) = if self.split > 0 {
                (self.split.min(self.cfg.batch.max_events), self.cfg.batch.max_bytes)
            } else {
                batch::limits(&self.cfg.batch, self.ramp)
            };
            let (body, n) = self.encode_waiting(0, max_events, max_bytes);
            let keepalive = body.len() <= KEEPALIVE_MAX_BYTES;
            self.cut = n < self.queue.waiting().len() || self.queue.has_segments();
            let f = self.queue.send(n, keepalive);
            if body.len() <= self.envelope + 2 {
                // The gate refused every one of them: nothing to send.
                let gone = self.queue.remove_batch(f.id);
                self.release_pages(&gone);
                continue;
            }
            if self.cfg.debug {
                self.o.msg("d").put("sending a batch of ").put_num(n as u64).put(" events").end();
            }
            self.o.begin(b'P').num(f64::from(f.id)).num(if keepalive { 1.0 } else { 0.0 }).field(&self.url).field(&body).end();
            if keepalive {
                // A keepalive request outlives a crashed page: the armed
                // one would carry its events a second time (armed again,
                // it holds only what still waits).
                self.defer_abort();
            }
            break;
        }
        if !self.flushes.is_empty() {
            let (queue, pending) = (&self.queue, self.queue.len());
            for (token, s) in self.flushes.finished(|s| queue.has_before(s, true), queue.in_flight().is_some(), pending, self.held.len()) {
                self.o
                    .begin(b'F')
                    .num(f64::from(token))
                    .num(s.sent as f64)
                    .num(s.failed as f64)
                    .num(s.pending as f64)
                    .num(s.held as f64)
                    .end();
            }
        }
        self.hand_off();
        self.persist(false);
        let arm = self.defer();
        let wake = [batch::wake_at(&self.queue, &self.cfg.batch), self.store.wake_at(), self.auto.beat_at, arm]
            .into_iter()
            .flatten()
            .reduce(f64::min)
            // Whole milliseconds, rounded up: woken at the written time, the
            // engine must find what it waited for due, not a fraction early.
            .map(|t| -crate::engine::text::num::floor(-t.max(self.now)));
        if wake != self.wake {
            self.wake = wake;
            self.o.wake(wake);
        }
        self.signals.persist_if(self.consent.may_store(Category::Personalization), self.now, false);
        self.signals.flush(&mut self.o);
        self.follow_listeners();
    }

    /// The collector answered batch `id` with `status` (0: no answer).
    pub(super) fn answered(&mut self, id: u32, status: u16, retry_after: &str) {
        let Some(events) = self.queue.batch(id) else { return };
        let seqs: Vec<u64> = events.iter().map(Event::seq).collect();
        let n = seqs.len() as u64;
        if status == 413 && n > 1 {
            // Too large for this collector: the same events go in halves,
            // at once, until a size passes.
            self.split = (seqs.len() / 2).max(1);
            // Nor may a request grow past its batch size again.
            self.cfg.batch.max_request_bytes = self.cfg.batch.max_bytes;
            self.queue.return_batch(id, 0.0);
            self.o
                .msg("w")
                .put("the collector refused a batch of ")
                .put_num(n)
                .put(" events as too large (HTTP 413); sending at most ")
                .put_num(self.split as u64)
                .put(" at a time")
                .end();
            return;
        }
        if status == OPAQUE
            && !self.told_cors
            && !self.url.is_empty()
            && origin(&self.url) != self.pages.get(self.pages.current).map_or("", |p| origin(&p.url))
        {
            self.told_cors = true;
            let origin = self.pages.get(self.pages.current).map(|p| origin(&p.url).to_string()).unwrap_or_default();
            self.o
                .msg("w")
                .put("the collector at ")
                .put(&self.url)
                .put(" answers without an Access-Control-Allow-Origin header for this page's origin (")
                .put(&origin)
                .put("): the browser hides its answers, so Kizuna counts what it takes as delivered and cannot retry a failure. Send Access-Control-Allow-Origin (this origin, or *) and Access-Control-Expose-Headers: Retry-After on every answer, errors included")
                .end();
        }
        // No answer will come: as leaving assumed, a keepalive request went
        // on without the page (taken, answer unknown); any other was
        // cancelled.
        let status = match (status, self.queue.in_flight()) {
            (CROSSED, Some(f)) if f.id == id && f.keepalive => OPAQUE,
            (CROSSED, _) => 0,
            _ => status,
        };
        let outcome = classify(status);
        match outcome {
            Outcome::Delivered => {
                self.failures = 0;
                self.sent += n;
                // A batch cut by its limits, a backlog behind it: the next
                // may be larger.
                self.ramp = if self.cut && !self.store.leaving { self.ramp + 1 } else { 0 };
                if self.split > 0 {
                    self.split *= 2;
                    if self.split >= self.cfg.batch.max_events {
                        self.split = 0;
                    }
                }
                let gone = self.queue.remove_batch(id);
                self.release_pages(&gone);
                // The armed request may carry what was just delivered.
                self.defer_abort();
                if self.cfg.debug {
                    self.o.msg("d").put("batch of ").put_num(n).put(" events delivered (").put(&status_text(status)).put(")").end();
                }
            }
            Outcome::Retry => {
                self.failures += 1;
                self.ramp = 0;
                let delay = backoff_ms(self.failures, self.rng.unit(), parse_retry_after(retry_after));
                self.queue.return_batch(id, self.now + delay);
                // Consent may have been withdrawn while it was on the wire:
                // nothing of a denied category goes out again.
                for c in Category::CHOOSABLE {
                    if self.consent.get(c) == Choice::Denied {
                        self.purge(c);
                    }
                }
                let secs = (delay as u64).div_ceil(1000);
                self.o
                    .msg("w")
                    .put("sending ")
                    .put_num(n)
                    .put(" events failed (")
                    .put(&status_text(status))
                    .put("); they stay queued and will be retried in ")
                    .put_num(secs)
                    .put(" s")
                    .end();
            }
            Outcome::Rejected => {
                self.failures = 0;
                self.rejected += n;
                let gone = self.queue.remove_batch(id);
                self.release_pages(&gone);
                self.o
                    .msg("e")
                    .put("the collector refused ")
                    .put_num(n)
                    .put(" events (")
                    .put(&status_text(status))
                    .put("); they were dropped, as resending them would fail the same way")
                    .end();
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
        if self.store.leaving && !leaving {
            // Hidden after pagehide (a closing tab fires them in that
            // order): the stored queue is another tab's to take by now,
            // so nothing more is sent or written from here.
            return;
        }
        self.signals.persist_if(self.consent.may_store(Category::Personalization), self.now, true);
        // The beacons carry what the armed request does: it goes first.
        self.defer_abort();
        self.beaconed(0);
        // Hidden, the page may be gone any moment: keepalive sizes again.
        self.ramp = 0;
        self.store.leaving |= leaving;
        // Everything is written first, what the beacons will carry too: the
        // edge carries out storage before it hands over the beacons, and a
        // closing tab's script can stop between the two (Firefox ends it
        // mid-task), so what the beacons carry leaves the stored copy only
        // once the edge says they went (`beaconed`). Offline, or the last
        // attempt failed, a beacon may well be lost too: everything stays
        // written, so the next page sends what the beacons did not carry
        // (what they did arrives twice, under the same messageIds, which
        // collectors deduplicate).
        self.store.keep_all = self.offline || self.failures > 0;
        self.persist(true);
        if self.offline && self.persisting() {
            // A beacon cannot leave an offline device (and one an emulation
            // lets through would arrive again from the stored copy).
            return;
        }
        // What the browser's beacon quota could carry should be in memory:
        // segments come back first (the edge returns them at once).
        if self.queue.waiting_bytes() < BEACON_MAX_BYTES && self.queue.has_segments() {
            self.queue.refill(true);
            if self.queue.awaiting() {
                self.unload_waits = Some(leaving);
                return;
            }
        }
        let with_in_flight = leaving && self.queue.in_flight().is_some_and(|f| !f.keepalive);
        let taken = self.queue.take_for_unload(with_in_flight);
        let max_bytes = self.cfg.batch.max_bytes.min(BEACON_MAX_BYTES);
        let mut enc = Encoding {
            pages: &mut self.pages,
            env: &self.env,
            consent: &self.consent,
            write_key: self.cfg.write_key.as_deref(),
            now: self.now,
            snowplow: self.cfg.snowplow,
        };
        let mut i = 0;
        let mut body = String::new();
        while i < taken.len() {
            let n = batch::encode(&mut body, taken.get(i..).unwrap_or(&[]), usize::MAX, max_bytes, &mut enc).max(1);
            self.o.begin(b'B').field(&self.url).field(&body).end();
            self.unloading.push(n);
            i += n;
        }
        if self.store.keep_all {
            // In doubt, the beacons carry a copy: the queue (and its stored
            // copy) keeps every event.
            self.unloading.clear();
            self.queue.restore(taken);
            return;
        }
        self.unloaded = taken;
    }

    /// The browser took the first `n` beacons of the last unload; the rest
    /// stay queued, in order, and the stored copy is written without what
    /// went.
    pub(super) fn beaconed(&mut self, n: usize) {
        let counts = core::mem::take(&mut self.unloading);
        let mut events = core::mem::take(&mut self.unloaded);
        let sent: usize = counts.iter().take(n).sum();
        let refused = events.split_off(sent.min(events.len()));
        let seqs: Vec<u64> = events.iter().map(Event::seq).collect();
        self.sent += seqs.len() as u64;
        self.flushes.on_batch(&seqs, Outcome::Delivered);
        self.release_pages(&events);
        if !refused.is_empty() {
            self.o
                .msg("w")
                .put("the browser refused to send ")
                .put_num(refused.len() as u64)
                .put(" events as the page was hidden; they stay queued")
                .end();
            self.queue.restore(refused);
        } else if n > 0 && self.cfg.debug {
            self.o.log("d", "page hidden: events handed to sendBeacon");
        }
        // An unload's beacons answered (none are left when everything was
        // kept: see `unload`).
        if !counts.is_empty() {
            self.persist(true);
        }
    }

    /// A batch body of the waiting events from `from` on, within the
    /// limits; how many it holds (the rest stays for another).
    pub(super) fn encode_waiting(&mut self, from: usize, max_events: usize, max_bytes: usize) -> (String, usize) {
        let Tracker { queue, pages, env, consent, cfg, now, .. } = self;
        let mut body = String::with_capacity(max_bytes.min(64 * 1024));
        let mut enc = Encoding { pages, env, consent, write_key: cfg.write_key.as_deref(), now: *now, snowplow: cfg.snowplow };
        let n = batch::encode(&mut body, queue.waiting().get(from..).unwrap_or(&[]), max_events, max_bytes, &mut enc);
        (body, n)
    }

    /// Tells the edge which segments to keep, give back or forget.
    pub(super) fn hand_off(&mut self) {
        for h in self.queue.handoffs() {
            match h {
                Handoff::Keep(id, text) => self.o.begin(b'k').num(f64::from(id)).field(&text).end(),
                Handoff::Return(id) => self.o.begin(b'r').num(f64::from(id)).end(),
                Handoff::Forget(id) => self.o.begin(b'f').num(f64::from(id)).end(),
            }
        }
    }
}
