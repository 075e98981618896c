//! The tracker: turns calls into events and events into batches.
//!
//! Data flows one way: call → validated event → queue → batch → transport.
//! The tracker never does I/O itself; the browser edge asks it for the next
//! batch, sends it, and reports the answer back ([`Tracker::next_batch`],
//! [`Tracker::complete`]), which keeps every decision testable on the host
//! with a fake clock.

use crate::prelude::*;

use alloc::rc::Rc;

use super::config::{resolve_endpoint, BatchPolicy, Config};
use super::context::{EnvContext, PageContext};
use super::encode::kizuna;
use super::event::{Event, EventType};
use super::flush::{FlushSummary, Flushes};
use super::identity::{is_plausible_user_id, Identity};
use super::ids::{is_plausible_id, uuid_v4};
use super::input::{clean_object, Input, Problems};
use super::json::{write_int, Value};
use super::platform::{Clock, Level, Log, Random, Store};
use super::queue::Queue;
use super::retry::{backoff_ms, classify, Outcome};

/// The outside world as the tracker sees it.
pub struct Platform {
    /// Time.
    pub clock: Box<dyn Clock>,
    /// Randomness for ids and jitter.
    pub random: Box<dyn Random>,
    /// Persistent storage.
    pub store: Box<dyn Store>,
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

/// Longest accepted event or page name.
const MAX_NAME_CHARS: usize = 255;

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
    /// The encoded `context` of events on the current page.
    context_json: String,
}

impl Tracker {
    /// A tracker for `config`, on the page and device described.
    pub fn new(config: Config, mut platform: Platform, env: EnvContext, page: PageContext) -> Tracker {
        let identity = Identity::load(platform.store.as_mut(), platform.random.as_mut());
        let url = resolve_endpoint(&config.endpoint, &page.url);
        let envelope = kizuna::envelope_bytes(config.write_key.as_deref());
        let mut context_json = String::new();
        kizuna::write_context(&mut context_json, &page, &env);
        Tracker {
            context_json,
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
        }
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

    fn encode_context(&mut self) {
        self.context_json.clear();
        kizuna::write_context(&mut self.context_json, &self.page, &self.env);
    }

    /// The queue, for inspection.
    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    fn log(&self, level: Level, msg: &str) {
        self.platform.log.log(level, msg);
    }

    /// `track(name, properties, options)`. Returns whether an event was queued.
    pub fn track(&mut self, name: Input, properties: Input, options: Input) -> bool {
        let label = call_label("track", name.as_str());
        let name = match name {
            Input::String(s) if valid_name(&s) => s,
            Input::String(s) if s.trim_ascii().is_empty() => return self.drop_call(&label, "the event name is empty"),
            Input::String(_) => return self.drop_call(&label, "the event name is longer than 255 characters"),
            Input::Undefined => return self.drop_call(&label, "the event name is missing"),
            other => {
                let mut why = String::from("the event name must be a string, got ");
                why.push_str(other.type_name());
                return self.drop_call(&label, &why);
            }
        };
        self.record(EventType::Track, Some(name), properties, options, &label)
    }

    /// `page(name?, properties?, options?)`: the first argument may be the
    /// properties when there is no name.
    pub fn page(&mut self, a: Input, b: Input, options: Input) -> bool {
        let (name, props, options) = match a {
            Input::String(s) if valid_name(&s) => (Some(s), b, options),
            Input::Undefined | Input::Null => (None, b, options),
            obj @ Input::Object(_) => (None, obj, b),
            other => {
                let mut why = String::from("the page name must be a string, got ");
                why.push_str(other.type_name());
                return self.drop_call("page()", &why);
            }
        };
        let label = call_label("page", name.as_deref());
        self.record(EventType::Page, name, props, options, &label)
    }

    /// `identify(userId?, traits?, options?)`: the first argument may be the
    /// traits when there is no user id.
    pub fn identify(&mut self, a: Input, b: Input, options: Input) -> bool {
        let (user_id, traits, options) = match a {
            Input::String(s) if is_plausible_user_id(&s) => (Some(s), b, options),
            Input::Number(n) if n.is_finite() && libm::trunc(n) == n => {
                let mut s = String::new();
                write_int(&mut s, n as i64);
                (Some(s), b, options)
            }
            Input::Undefined | Input::Null => (None, b, options),
            obj @ Input::Object(_) => (None, obj, b),
            other => {
                let why = match other {
                    Input::String(_) => "the user id must be a non-empty string of at most 255 characters".to_string(),
                    o => {
                        let mut w = String::from("the user id must be a string, got ");
                        w.push_str(o.type_name());
                        w
                    }
                };
                return self.drop_call("identify()", &why);
            }
        };
        let mut problems = Problems::default();
        let traits = match clean_object(traits, "traits", &mut problems) {
            Ok(t) => t,
            Err(found) => {
                let mut why = String::from("traits must be a plain object, got ");
                why.push_str(&found);
                return self.drop_call("identify()", &why);
            }
        };
        self.identity.identify(self.platform.store.as_mut(), user_id, traits);
        // The event carries the merged traits; lend them instead of cloning.
        let merged = core::mem::replace(&mut self.identity.traits, Value::Null);
        let (queued, merged) = self.enqueue_returning(EventType::Identify, None, merged, options, "identify()", problems);
        self.identity.traits = merged;
        queued
    }

    /// `reset()`: forget the user, start a new anonymous visitor.
    pub fn reset(&mut self) {
        self.identity.reset(self.platform.store.as_mut(), self.platform.random.as_mut());
        if self.config.debug {
            self.log(Level::Debug, "reset: new anonymous id");
        }
    }

    fn record(&mut self, kind: EventType, name: Option<String>, properties: Input, options: Input, label: &str) -> bool {
        let mut problems = Problems::default();
        let props = match clean_object(properties, "properties", &mut problems) {
            Ok(p) => p,
            Err(found) => {
                let mut p = String::from("properties must be a plain object, got ");
                p.push_str(&found);
                p.push_str(" (sent without them)");
                problems.0.push(p);
                Value::object()
            }
        };
        let props = if kind == EventType::Page {
            // A page event carries the page, as Segment's does; the site's
            // own properties win over the captured ones.
            let mut base = self.page.to_value();
            if let Value::Object(fields) = props {
                for (k, v) in fields {
                    base.set(&k, v);
                }
            }
            base
        } else {
            props
        };
        self.enqueue(kind, name, props, options, label, problems)
    }

    fn enqueue(&mut self, kind: EventType, name: Option<String>, properties: Value, options: Input, label: &str, problems: Problems) -> bool {
        self.enqueue_returning(kind, name, properties, options, label, problems).0
    }

    /// [`Tracker::enqueue`], giving the properties back.
    fn enqueue_returning(&mut self, kind: EventType, name: Option<String>, properties: Value, options: Input, label: &str, mut problems: Problems) -> (bool, Value) {
        let message_id = self.read_options(options, &mut problems);
        let now = self.platform.clock.now_ms();
        let event = Event {
            kind,
            name,
            properties,
            anonymous_id: self.identity.anonymous_id.clone(),
            user_id: self.identity.user_id.clone(),
            message_id: message_id.unwrap_or_else(|| uuid_v4(self.platform.random.as_mut())),
            timestamp_ms: now,
            page: self.page.clone(),
            env: self.env.clone(),
        };
        // Sized for the usual event, so the body is not regrown as it is written.
        let mut body = String::with_capacity(self.context_json.len() + 512);
        kizuna::write_event_with_context(&mut body, &event, &self.context_json);
        if body.len() > self.config.batch.max_event_bytes {
            let mut why = String::from("the event is ");
            write_int(&mut why, body.len() as i64);
            why.push_str(" bytes of JSON, over the limit of ");
            write_int(&mut why, self.config.batch.max_event_bytes as i64);
            return (self.drop_call(label, &why), event.properties);
        }
        if !problems.is_empty() {
            let mut msg = String::from(label);
            msg.push_str(": ");
            msg.push_str(&problems.joined());
            msg.push_str("; those values were left out and the event was sent");
            self.log(Level::Warn, &msg);
        }
        if self.config.debug {
            let mut msg = String::from(label);
            msg.push_str(" queued: ");
            msg.push_str(&body);
            self.log(Level::Debug, &msg);
        }
        self.queue.push(body, now);
        (true, event.properties)
    }

    /// Reads the per-call options (`messageId`); complains about the rest.
    fn read_options(&self, options: Input, problems: &mut Problems) -> Option<String> {
        let fields = match options {
            Input::Undefined | Input::Null => return None,
            Input::Object(fields) => fields,
            other => {
                let mut p = String::from("options must be a plain object, got ");
                p.push_str(other.type_name());
                problems.0.push(p);
                return None;
            }
        };
        let mut message_id = None;
        for (k, v) in fields {
            match (k.as_str(), v) {
                ("messageId", Input::String(id)) if is_plausible_id(&id) => message_id = Some(id),
                ("messageId", Input::Undefined) => {}
                ("messageId", _) => problems.0.push("options.messageId must be 1-128 printable characters without spaces".into()),
                (other, _) => {
                    let mut p = String::from("options.");
                    p.push_str(other);
                    p.push_str(" is not a known option");
                    problems.0.push(p);
                }
            }
        }
        message_id
    }

    fn drop_call(&self, label: &str, why: &str) -> bool {
        let mut msg = String::from(label);
        msg.push_str(": ");
        msg.push_str(why);
        msg.push_str("; event dropped");
        self.log(Level::Error, &msg);
        false
    }

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

fn valid_name(s: &str) -> bool {
    !s.trim_ascii().is_empty() && char_count(s) <= MAX_NAME_CHARS
}

/// Characters in `s`, counted from its UTF-8 lead bytes (`chars().count()`
/// links a vectorised counter several times this size into the wasm).
pub fn char_count(s: &str) -> usize {
    s.bytes().filter(|b| (b & 0xc0) != 0x80).count()
}

/// `track('Signed Up')`, `page()`: how messages name the call.
fn call_label(call: &str, name: Option<&str>) -> String {
    let mut s = String::from(call);
    s.push('(');
    if let Some(n) = name {
        s.push('\'');
        s.extend(n.chars().take(60));
        s.push('\'');
    }
    s.push(')');
    s
}

fn status_text(status: u16) -> String {
    if status == 0 {
        return "no response".to_string();
    }
    let mut s = String::from("HTTP ");
    write_int(&mut s, i64::from(status));
    s
}
