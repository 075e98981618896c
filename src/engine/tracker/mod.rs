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
//! - `calls`: `track`, `page`, `identify`, `group`, `alias`, `reset`,
//!   `forget` → events
//! - `consent`: the consent API and signals, and what a change sets off
//! - `send`: batches out, answers in, flushes, the unload hand-off
//! - `persist`: the queue's copy in storage, and taking over others'
//! - `signals`: what the profile learns, for the personalization module

mod auto;
mod calls;
mod consent;
mod persist;
mod send;
mod signals;

use crate::prelude::*;

use super::config::{parse_config, Config};
use super::consent::record::{Record, STORAGE_KEY as CONSENT_KEY};
use super::consent::state::{ConsentState, Signal};
use super::consent::{Category, Choice};
use super::encode::segment::envelope_size;
use super::flush::Flushes;
use super::identity::Identity;
use super::io::{Input, Out};
use super::page::{Env, Page, Pages};
use super::pipeline::event::Event;
use super::pipeline::gate;
use super::pipeline::queue::Queue;
use super::pipeline::store::Store;
use super::session::Session;
use super::text::json;
use super::text::rng::Rng;
use super::text::url::resolve_endpoint;

/// What storage held when the page started (values as stored).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stored<'a> {
    /// `kizuna:anonymousId`
    pub anonymous_id: Option<&'a str>,
    /// `kizuna:userId`
    pub user_id: Option<&'a str>,
    /// `kizuna:traits`
    pub traits: Option<&'a str>,
    /// `kizuna:consent`, or the `kz_consent` cookie (decoded) without it.
    pub consent: Option<&'a str>,
    /// `kizuna:signals`
    pub signals: Option<&'a str>,
    /// `kizuna:groupId`
    pub group_id: Option<&'a str>,
    /// `kizuna:groupTraits`
    pub group_traits: Option<&'a str>,
}

/// Everything the engine starts from.
#[derive(Clone, Debug, PartialEq)]
pub struct Start<'a> {
    /// The config, described by the edge.
    pub config: &'a str,
    /// The device.
    pub env: Env,
    /// The first page.
    pub page: Page,
    /// Storage.
    pub stored: Stored<'a>,
    /// 32 hex digits of randomness.
    pub seed: &'a str,
    /// Now, epoch ms.
    pub now: f64,
}

/// What the edge's synchronous API reads.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    /// The anonymous id.
    pub anonymous_id: String,
    /// The user id.
    pub user_id: Option<String>,
    /// Events queued (in flight included).
    pub queued: usize,
    /// Events waiting for a consent choice, and dropped from a full buffer.
    pub held: (usize, usize),
    /// `consent.get()`, as JSON.
    pub consent: String,
    /// The categories a call is accepted for now, a bit per code.
    pub accepting: u8,
    /// Properties up to this many bytes surely fit an event on the current
    /// page (the edge's fast path may skip asking).
    pub fits: usize,
    /// Log every event (`debug: true`).
    pub debug: bool,
    /// Topic clicks are worth reporting (personalization is granted).
    pub topics: bool,
    /// The profile may be written to storage.
    pub store_profile: bool,
    /// This engine's owner id for stored queues.
    pub owner: String,
    /// Events the collector took (requests and beacons), dropped from a
    /// full queue, too old to send, refused by the collector for good, and
    /// found damaged in storage.
    pub counts: [u64; 5],
    /// The autotrack listeners the edge installs ([`crate::engine::config::AutoPolicy::listeners`]).
    pub listeners: u32,
}

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
    /// Validates the config and starts: reads the stored consent record and
    /// identity, writes nothing the stored choice does not allow. `Err` is
    /// the message `init` rejects with.
    pub fn start(s: Start) -> Result<Tracker, String> {
        let (cfg, warnings) = parse_config(s.config).map_err(|e| e.message())?;
        let mut rng = Rng::from_hex(s.seed);
        // A user id stored before `privacy.userId` was set is hashed or
        // dropped now (one stored already hashed is 64 hex digits).
        let hashed = |u: &str| u.len() == 64 && u.bytes().all(|b| b.is_ascii_hexdigit());
        let stored_user = s.stored.user_id.and_then(|u| {
            if cfg.privacy.user_id == 1 && hashed(u) {
                Some(u.to_string())
            } else {
                cfg.privacy.user_id(u.to_string())
            }
        });
        let mut identity = Identity::load(s.stored.anonymous_id, stored_user.as_deref(), s.stored.traits, &mut rng);
        identity.load_group(s.stored.group_id, s.stored.group_traits);
        let user_agent = cfg.privacy.user_agent(&s.env.user_agent);
        let mut url = resolve_endpoint(&cfg.endpoint, &s.page.url);
        if cfg.snowplow {
            if url.ends_with('/') {
                url.pop();
            }
            url.push_str(super::encode::snowplow::PATH);
        }
        let envelope = envelope_size(cfg.write_key.as_deref());
        let cfg_batch_bytes = cfg.batch.max_bytes;
        let queue = Queue::new(cfg_batch_bytes, &cfg.queue);
        let owner = {
            let mut id = rng.uuid();
            id.retain(|c| c != '-');
            id.truncate(12);
            id
        };
        let mut pages = Pages::default();
        pages.current = s.page.id;
        let mut first = s.page;
        first.referrer = cfg.privacy.referrer(&first.referrer);
        first.view = rng.uuid();
        pages.put(first);
        let mut t = Tracker {
            consent: ConsentState::new(cfg.consent.clone()),
            cfg,
            url,
            envelope,
            rng,
            now: s.now,
            env: Env { user_agent, ..s.env },
            pages,
            identity,
            held: Vec::new(),
            held_dropped: 0,
            queue,
            flushes: Flushes::default(),
            failures: 0,
            unloaded: Vec::new(),
            unloading: Vec::new(),
            unload_waits: None,
            signals: signals::Signals::load(s.stored.signals),
            session: Session::default(),
            auto: auto::AutoState::default(),
            o: Out::default(),
            dirty: true,
            wake: None,
            listening: false,
            store: Store::new(owner),
            offline: false,
            split: 0,
            told_cors: false,
            told_waiting: false,
            sent: 0,
            expired: 0,
            rejected: 0,
            damaged: 0,
        };
        for w in warnings {
            t.o.log("w", &w);
        }
        if let Some(text) = s.stored.consent {
            match Record::parse(text) {
                Ok(r) => {
                    t.consent.apply(Signal::Stored(r), s.now);
                }
                Err(why) => {
                    t.o.begin("Lw").field("the stored consent record was ignored because ").put(why).put("; it counts as no choice").end()
                }
            }
        }
        t.save_identity();
        t.follow_listeners();
        Ok(t)
    }

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
            Input::Consent(choices, options) => self.set_consent(choices, options),
            Input::Gpc => self.signal(Signal::Gpc),
            Input::Tcf(tc) => {
                if let Some(tc) = super::consent::tcf::read(tc) {
                    self.signal(Signal::Tcf(tc));
                }
            }
            Input::Gpp(body) => {
                // Section ids that apply (comma-separated), U+001F, the string.
                let (ids, gpp) = crate::engine::text::cut(body, 0x1f);
                let applicable: Vec<u32> =
                    crate::engine::text::fields(ids, b',').filter_map(crate::engine::text::num::parse_u64).map(|i| i as u32).collect();
                if let Some(g) = super::consent::gpp::read(gpp, &applicable) {
                    self.signal(Signal::Gpp(g));
                }
            }
            Input::Gcm(entry) => {
                if let Some(cmd) = super::consent::gcm::read(entry) {
                    self.signal(Signal::Gcm(cmd));
                }
            }
            Input::Answer(id, status, retry_after) => self.answered(id, status, retry_after),
            Input::Timer => self.wake = None,
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
            Input::Auto(kind, body) => self.auto_input(kind, body),
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
    pub fn output(&mut self) -> String {
        if self.dirty {
            self.dirty = false;
            self.pump();
        }
        core::mem::take(&mut self.o.text)
    }

    /// Sets the clock (the edge passes the time with every crossing).
    pub fn set_now(&mut self, now: f64) {
        if now.is_finite() {
            self.now = now;
        }
    }

    /// What the synchronous API reads.
    pub fn status(&self) -> Status {
        let mut consent = String::with_capacity(96);
        self.consent.effective().write_json(&mut consent, true);
        Status {
            anonymous_id: self.identity.anonymous_id.clone(),
            user_id: self.identity.user_id.clone(),
            queued: self.queue.len(),
            held: (self.held.len(), self.held_dropped),
            consent,
            accepting: gate::accepting(&self.consent),
            fits: self.fits(),
            debug: self.cfg.debug,
            topics: self.consent.get(Category::Personalization) == Choice::Granted,
            store_profile: self.consent.may_store(Category::Personalization),
            owner: self.store.owner.clone(),
            counts: [self.sent, self.queue.dropped, self.expired, self.rejected, self.damaged],
            listeners: self.cfg.auto.listeners(),
        }
    }

    /// The consent state now.
    pub fn consent(&self) -> &ConsentState {
        &self.consent
    }

    /// The identity now.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The queue, for inspection.
    pub fn queue(&self) -> &Queue {
        &self.queue
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
            self.pages.release(e.parts().page);
        }
    }

    /// The unload listeners follow whether anything may still be sent.
    fn follow_listeners(&mut self) {
        let needed = !self.queue.is_empty() || Category::CHOOSABLE.iter().any(|c| self.consent.get(*c) != Choice::Denied);
        if needed != self.listening {
            self.listening = needed;
            self.o.flag("A", needed);
        }
    }

    /// Properties of up to this many bytes surely make an event under the
    /// limit on the current page (its context with marketing, a long user
    /// id, and every fixed field counted at their largest).
    fn fits(&self) -> usize {
        let page = self.pages.peek(self.pages.current);
        let ctx = page.map_or(2048, |p| 3 * (p.url.len() + p.referrer.len() + p.utm.len()) + p.title.len() + 600)
            + self.env.user_agent.len()
            + self.env.locale.len()
            + self.env.timezone.len();
        self.cfg.batch.max_event_bytes.saturating_sub(ctx + self.identity.user_literal.len() + 700)
    }
}

/// The consent record's storage key (tests and the edge read it too).
pub const CONSENT_STORAGE_KEY: &str = CONSENT_KEY;
