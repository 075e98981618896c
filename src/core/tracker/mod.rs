//! The tracker: turns calls into events and events into batches.
//!
//! Data flows one way: call → validated event → consent gate → queue →
//! batch → transport. The tracker never does I/O itself; the browser edge
//! asks it for the next batch, sends it, and reports the answer back
//! ([`Tracker::next_batch`], [`Tracker::complete`]), which keeps every
//! decision testable on the host with a fake clock.
//!
//! - `calls`: `track`, `page`, `identify`, `reset` → events
//! - `gate`: the consent gate: an event is queued, buffered or dropped
//! - `consent`: the consent API and what a change of choice sets off
//! - `personalize`: the profile, slot decisions and exposure events
//! - `send`: batches, answers, flushes and the unload hand-off

mod calls;
mod consent;
mod gate;
mod personalize;
mod send;

pub use calls::char_count;

use crate::prelude::*;

use alloc::rc::Rc;

use super::config::{resolve_endpoint, Config};
use super::consent::state::ConsentState;
use super::consent::{Category, Choice};
use super::context::{EnvContext, PageContext};
use super::encode::kizuna;
use super::event::Event;
use super::flush::Flushes;
use super::identity::Identity;
use super::personalize::profile::Profile;
use super::platform::{Clock, Cookies, Level, Log, Random, Store};
use super::queue::Queue;

/// The outside world as the tracker sees it.
pub struct Platform {
    /// Time.
    pub clock: Box<dyn Clock>,
    /// Randomness for ids and jitter.
    pub random: Box<dyn Random>,
    /// Persistent storage.
    pub store: Box<dyn Store>,
    /// First-party cookies (only the consent record goes there).
    pub cookies: Box<dyn Cookies>,
    /// The console.
    pub log: Box<dyn Log>,
}

/// A batch ready to send.
#[derive(Clone, Debug, PartialEq)]
pub struct OutgoingBatch {
    /// Pass back to [`Tracker::complete`].
    pub id: u64,
    /// Absolute collector URL.
    pub url: String,
    /// The request body.
    pub body: String,
    /// Events in it.
    pub count: usize,
    /// Send it as a keepalive request, so it survives the page going away
    /// (true when the body fits the browser's keepalive quota).
    pub keepalive: bool,
}

/// Largest body sent with `keepalive`: browsers refuse keepalive requests
/// once 64 KiB are in flight for the page, so a bigger one must go without.
pub const KEEPALIVE_MAX_BYTES: usize = 60 * 1024;

/// The tracker.
pub struct Tracker {
    config: Config,
    url: String,
    envelope: usize,
    platform: Platform,
    identity: Identity,
    env: Rc<EnvContext>,
    page: Rc<PageContext>,
    queue: Queue,
    flushes: Flushes,
    /// Consecutive failed attempts, for the backoff.
    failures: u32,
    /// Whether the batch in flight went as a keepalive request.
    in_flight_keepalive: bool,
    /// The encoded start of the `context` of events on the current page,
    /// and whether it was encoded with marketing data.
    context_json: String,
    context_marketing: bool,
    /// Whether the current page has marketing data (campaign, ad click ids).
    page_marketing: bool,
    consent: ConsentState,
    /// Events waiting for a choice on their category (opt-in, `pending: buffer`).
    buffer: Vec<Event>,
    /// Events dropped from a full buffer.
    buffer_dropped: usize,
    /// The time and page of a call made before the SDK loaded, while it is
    /// being replayed (see [`Tracker::replaying`]).
    replay: Option<(f64, Rc<PageContext>)>,
    /// The visitor profile (only with personalization consent).
    profile: Option<Profile>,
    /// The profile changed since it was last written.
    profile_dirty: bool,
}

impl Tracker {
    /// A tracker for `config`, on the page and device described. Reads the
    /// stored consent record and identity; writes nothing unless the
    /// stored choice allows it.
    pub fn new(config: Config, platform: Platform, env: EnvContext, page: PageContext) -> Tracker {
        let url = resolve_endpoint(&config.endpoint, &page.url);
        let envelope = kizuna::envelope_bytes(config.write_key.as_deref());
        let consent = ConsentState::new(config.consent.clone());
        let mut platform = platform;
        let identity = Identity::load(platform.store.as_ref(), platform.random.as_mut());
        let mut t = Tracker {
            context_json: String::new(),
            context_marketing: false,
            page_marketing: false,
            config,
            url,
            envelope,
            platform,
            identity,
            env: Rc::new(env),
            page: Rc::new(page),
            queue: Queue::new(),
            flushes: Flushes::default(),
            failures: 0,
            in_flight_keepalive: false,
            consent,
            buffer: Vec::new(),
            buffer_dropped: 0,
            replay: None,
            profile: None,
            profile_dirty: false,
        };
        t.load_consent_record();
        t.load_profile();
        t.encode_context();
        t.save_identity();
        t
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The visitor's identity.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The page events are currently stamped with.
    pub fn page_context(&self) -> &PageContext {
        &self.page
    }

    /// Whether `url` and `title` still describe the current page context;
    /// lets the edge skip rebuilding it on every call.
    pub fn page_is(&self, url: &str, title: &str) -> bool {
        self.page.url == url && self.page.title == title
    }

    /// The page changed (navigation, SPA route, title change).
    pub fn set_page(&mut self, page: PageContext) {
        self.page = Rc::new(page);
        self.encode_context();
    }

    /// Fills in the time zone, which the browser is slow to tell (its first
    /// `Intl` call loads locale data), so the edge asks for it after start.
    pub fn set_timezone(&mut self, timezone: String) {
        let mut env = (*self.env).clone();
        env.timezone = timezone;
        self.env = Rc::new(env);
        self.encode_context();
    }

    /// Whether the time zone is still unknown.
    pub fn needs_timezone(&self) -> bool {
        self.env.timezone.is_empty()
    }

    /// Encodes the shared start of `context` for the current page, with or
    /// without marketing data as the consent allows now.
    fn encode_context(&mut self) {
        let marketing = self.consent.get(Category::Marketing) == Choice::Granted;
        self.context_json.clear();
        if marketing {
            kizuna::write_context(&mut self.context_json, &self.page, &self.env);
        } else {
            kizuna::write_context(&mut self.context_json, &self.page.without_ad_ids(), &self.env);
        }
        self.context_marketing = marketing;
        self.page_marketing = self.page.has_marketing_data();
    }

    /// Makes the calls until [`Tracker::replayed`] carry `time` and `page`:
    /// they were made (and queued by the snippet) before the SDK loaded.
    pub fn replaying(&mut self, time: f64, page: PageContext) {
        let time = if time.is_finite() && time > 0.0 { time } else { self.platform.clock.now_ms() };
        self.replay = Some((time, Rc::new(page)));
    }

    /// Back to stamping calls with the current time and page.
    pub fn replayed(&mut self) {
        self.replay = None;
    }

    /// The page a call is made on: the current one, or a replayed call's.
    fn call_page(&self) -> Rc<PageContext> {
        match &self.replay {
            Some((_, page)) => page.clone(),
            None => self.page.clone(),
        }
    }

    /// The queue, for inspection.
    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    fn log(&self, level: Level, msg: &str) {
        self.platform.log.log(level, msg);
    }

    /// Writes the identity when analytics storage is allowed.
    fn save_identity(&mut self) {
        if self.consent.may_store(Category::Analytics) {
            self.identity.save(self.platform.store.as_mut());
        }
    }

    /// Reports a call that recorded nothing; returns `false` for the caller.
    fn drop_call(&self, label: &str, why: &str) -> bool {
        let mut msg = String::from(label);
        msg.push_str(": ");
        msg.push_str(why);
        msg.push_str("; event dropped");
        self.log(Level::Error, &msg);
        false
    }
}
