//! The tracking engine: a state machine that performs no I/O.
//!
//! Shaped like quinn-proto's `Connection`: [`Tracker::start`] builds it from
//! the config and what storage held; [`Tracker::handle`] takes one
//! [`Input`]; [`Tracker::output`] gives what it asks the edge to do since
//! the last call, as the edge's records (sends due, flushes settled, the
//! wake-up time, segments to keep or return, storage writes, console
//! lines); getters ([`Tracker::status`]) tell the edge what its synchronous
//! API returns. Sequencing (timers, answers, unload, withdrawal while a
//! batch is in flight) is tested on the host with a fake clock.
//!
//! - `start`: what the engine starts from, and starting it
//! - `status`: what the edge's synchronous API reads
//! - `calls`: `track`, `page`, `identify`, `group`, `alias`, `reset`,
//!   `forget` → events
//! - `consent`: the consent API and signals, and what a change sets off
//! - `send`: batches out, answers in, flushes, the unload hand-off
//! - `persist`: the queue's copy in storage, and taking over others'
//! - `signals`: what the profile learns, for the personalization module

mod auto;
mod calls;
mod consent;
mod deferred;
mod persist;
mod send;
mod signals;
mod start;
mod status;

use crate::prelude::*;

pub use self::start::{Start, Stored};
pub use self::status::Status;

use super::config::Config;
use super::consent::record::STORAGE_KEY as CONSENT_KEY;
use super::consent::state::{ConsentState, Signal};
use super::consent::{Category, Choice};
use super::flush::Flushes;
use super::identity::Identity;
use super::io::{Input, Out};
use super::page::{Env, Page, Pages};
use super::pipeline::event::Event;
use super::pipeline::queue::Queue;
use super::pipeline::store::Store;
use super::session::Session;
use super::text::json;
use super::text::rng::Rng;

/// The engine.
pub struct Tracker {
    cfg: Config,
    url: String,
    envelope: usize,
    rng: Rng,
    now: f64,
    env: Env,
    pages: Pages,
    identity: Identity,
    consent: ConsentState,
    /// Events waiting for a choice on their category, with their queue time.
    held: Vec<Event>,
    held_dropped: usize,
    queue: Queue,
    flushes: Flushes,
    /// Consecutive failed attempts, for the backoff.
    failures: u32,
    /// The events of the last unload's beacons, until the edge says which
    /// went, and how many each beacon holds.
    unloaded: Vec<Event>,
    /// The deferred request for what storage does not hold yet.
    deferred: deferred::Deferred,
    unloading: Vec<usize>,
    /// An unload waits for a segment to come back first (leaving or not).
    unload_waits: Option<bool>,
    signals: signals::Signals,
    /// The visit, on every event's context.
    session: Session,
    /// What autotrack follows of the current page view.
    auto: auto::AutoState,
    /// What the edge is asked to do, written as its records.
    o: Out,
    /// Something happened since the last [`Tracker::output`].
    dirty: bool,
    wake: Option<f64>,
    listening: bool,
    store: Store,
    /// The browser says it is offline: nothing rides a beacon that would
    /// be lost; the stored copy carries it to the next page.
    offline: bool,
    /// After a 413, batches of at most this many events (0: no limit).
    split: usize,
    /// Full batches delivered in a row with more waiting, while the page
    /// lives: the next request may be that many times doubled.
    ramp: u32,
    /// The batch in flight left events waiting behind it.
    cut: bool,
    /// The collector's missing CORS headers were said.
    told_cors: bool,
    /// That events wait for a consent choice was said.
    told_waiting: bool,
    sent: u64,
    expired: u64,
    rejected: u64,
    /// Stored events found damaged and dropped.
    damaged: u64,
}

impl Tracker {
    /// Takes one input; what it asks for waits for [`Tracker::output`].
    pub fn handle(&mut self, input: Input) {
        match input {
            Input::Page { id, url, referrer, title, utm, topics, current } => {
                let topics = json::string(topics).unwrap_or_default();
                let referrer = self.cfg.privacy.referrer(referrer);
                let mut page = Page::new(id, url, &referrer, title, utm, &topics);
                page.view = self.rng.uuid();
                self.pages.put(page);
                if current {
                    self.pages.current = id;
                    self.pages.prune();
                }
            }
            Input::Call { call, time, page, sync } => self.record(&call, time, page, sync),
            Input::Reset => self.reset(),
            Input::Forget => self.forget(),
            Input::Consent(choices, source) => self.set_consent(choices, source),
            Input::Gpc => self.signal(Signal::Gpc),
            Input::Tcf(tc) => self.signal(Signal::Tcf(tc)),
            Input::Gpp(ids, gpp) => {
                let applicable: Vec<u32> =
                    crate::engine::text::fields(ids, b',').filter_map(crate::engine::text::num::parse_u64).map(|i| i as u32).collect();
                if let Some(g) = super::consent::gpp::read(gpp, &applicable) {
                    self.signal(Signal::Gpp(g));
                }
            }
            Input::Gcm(cmd) => self.signal(Signal::Gcm(cmd)),
            Input::Answer(id, status, retry_after) => self.answered(id, status, retry_after),
            Input::Timer => {
                self.wake = None;
                self.deferred.woke = true;
            }
            Input::DeferAble => self.deferred.able = true,
            Input::Hidden => {
                if !self.store.leaving {
                    self.auto_hidden(false);
                }
                self.unload(false);
            }
            Input::Leaving => {
                self.auto_hidden(true);
                self.unload(true);
            }
            Input::LeavingSoon => {
                // A grown request in flight as the page goes would be sent
                // again by the beacons; none starts from now on (the first
                // answer after a navigation began comes after this).
                self.cfg.batch.max_request_bytes = self.cfg.batch.max_bytes;
            }
            Input::Beaconed(n) => self.beaconed(n),
            Input::Flush(token) => {
                let until = self.queue.peek_seq();
                self.flushes.begin(token, until);
            }
            Input::Segment(id, text) => {
                // Its stored copy goes once the front holds its events.
                if self.queue.segments().iter().any(|s| s.id == id && s.stored) {
                    self.store.stale.push(super::pipeline::store::segment_key(&self.store.owner, id));
                }
                let gone = self.queue.returned(id, text);
                self.release_pages(&gone);
                if let Some(leaving) = self.unload_waits.take() {
                    self.unload(leaving);
                }
            }
            Input::Timezone(tz) => {
                if json::kind(tz) == json::Kind::String {
                    self.env.timezone = tz.into();
                    self.pages.reencode();
                }
            }
            Input::TopicClick(topics) => self.observe_click(topics),
            Input::Stored(key, text) if key == super::session::KEY => self.stored_session(text),
            Input::Stored(key, text) => self.adopt(key, text),
            Input::Online(on) => {
                let back = on && self.offline;
                self.offline = !on;
                if back {
                    // Back online: what waits goes now, not after the backoff.
                    self.queue.retry_at = 0.0;
                    self.failures = 0;
                }
            }
            Input::Resumed(ours) => self.resumed(ours),
            Input::ConsentRecord(text) => self.stored_consent(text),
            Input::Auto(r) => self.auto_input(r),
            Input::Consumer(on) => {
                if self.signals.set_consumer(on, &mut self.o) {
                    self.o.store(signals::STORAGE_KEY, None);
                }
            }
        }
        self.dirty = true;
    }

    /// Everything the engine asks of the edge since the last call, in
    /// order, as its records (the batch due, flushes settled, segments,
    /// the wake-up time…): one pass however many inputs came.
    pub fn output(&mut self) -> Vec<u8> {
        self.answers().take()
    }

    /// The answers written so far (after one pass, as [`Tracker::output`]),
    /// for the edge to end with the status.
    pub fn answers(&mut self) -> &mut Out {
        if self.dirty {
            self.dirty = false;
            self.pump();
        }
        &mut self.o
    }

    /// Sets the clock (the edge passes the time with every crossing).
    pub fn set_now(&mut self, now: f64) {
        if now.is_finite() {
            self.now = now;
        }
    }

    /// Writes the identity when analytics storage is allowed.
    fn save_identity(&mut self) {
        if self.consent.may_store(Category::Analytics) {
            for (key, value) in self.identity.stored() {
                self.o.store(key, value.as_deref());
            }
        }
    }

    fn release_pages(&mut self, events: &[Event]) {
        for e in events {
            self.pages.release(e.page());
        }
    }

    /// The unload listeners follow whether anything may still be sent.
    fn follow_listeners(&mut self) {
        let needed = !self.queue.is_empty() || Category::CHOOSABLE.iter().any(|c| self.consent.get(*c) != Choice::Denied);
        if needed != self.listening {
            self.listening = needed;
            self.o.flag(b'A', needed);
        }
    }
}

/// The consent record's storage key (tests and the edge read it too).
pub const CONSENT_STORAGE_KEY: &str = CONSENT_KEY;
