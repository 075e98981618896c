//! A simulated edge for host tests of the engine: it plays the JavaScript
//! driver's part (storage, requests, beacons, the timer, segments) against
//! a clock the test moves, so whole sequences run under `cargo test`.

#![allow(dead_code)]

use std::collections::BTreeMap;

use kizuna::engine::consent::tcf::TcfConsent;
use kizuna::engine::consent::Category;
use kizuna::engine::edge;
use kizuna::engine::flush::Summary;
use kizuna::engine::io::Input;
use kizuna::engine::page::{Env, Page};
use kizuna::engine::pipeline::call::Call;
use kizuna::engine::pipeline::event::Kind;
use kizuna::engine::tracker::{Start, Stored, Tracker};
use serde_json::Value as J;

#[path = "../codec/mod.rs"]
pub mod codec;
use codec::V;

/// A call's arguments (JSON text, `!v` for undefined) as the edge checks
/// them into its record (js/edge/call.js): name, id, properties, message
/// id, category. Valid calls only: what the edge does with the others is
/// tests/call.test.mjs's.
pub fn checked(kind: Kind, a: &str, b: &str, c: &str) -> (String, String, String, String, Category) {
    let arg =
        |s: &str| (s != "!v").then(|| serde_json::from_str::<J>(s).unwrap_or_else(|e| panic!("{s}: not JSON ({e}): the edge checks it")));
    let id_of = |v: &Option<J>| match v {
        Some(J::String(s)) => s.clone(),
        Some(J::Number(n)) => n.to_string(),
        None | Some(J::Null) => String::new(),
        Some(other) => panic!("{other} is not an id: the edge drops the call"),
    };
    let quoted = |s: &str| if s.is_empty() { String::new() } else { serde_json::to_string(s).unwrap() };
    let (va, vb, vc) = (arg(a), arg(b), arg(c));
    let (mut name, mut id, mut props, mut options) = (String::new(), String::new(), b, vc);
    match kind {
        Kind::Track | Kind::Page => match &va {
            Some(J::String(s)) => name = quoted(s),
            Some(J::Object(_)) if kind == Kind::Page => (props, options) = (a, vb),
            None | Some(J::Null) if kind == Kind::Page => {}
            Some(other) => panic!("{other} is not a name: the edge drops the call"),
            None => panic!("no name: the edge drops the call"),
        },
        Kind::Identify | Kind::Group => {
            if matches!(va, Some(J::Object(_))) {
                (props, options) = (a, vb);
            } else {
                id = id_of(&va);
            }
            if kind == Kind::Group {
                name = quoted(&id);
                id.clear();
            }
        }
        Kind::Alias => {
            id = id_of(&va);
            props = "{}";
            if matches!(vb, Some(J::Object(_))) {
                options = vb;
            } else {
                name = quoted(&id_of(&vb));
            }
        }
    }
    let props = if props == "!v" || props == "null" { "{}".to_string() } else { props.to_string() };
    let text = |k: &str| options.as_ref().and_then(|o| o.get(k)).and_then(J::as_str).unwrap_or("").to_string();
    let category = Category::parse(&text("category")).unwrap_or(Category::Analytics);
    (name, id, props, text("messageId"), category)
}

/// `consent.set`'s choices (a JSON object of categories to booleans) as
/// the edge writes them: analytics, personalization, marketing, each 0
/// left as it is, 1 granted, 2 denied. Valid choices only: the edge's
/// checks are tests/consent-input.test.mjs's.
pub fn choices_of(choices: &str) -> [u8; 3] {
    let v: J = serde_json::from_str(choices).unwrap();
    let mut out = [0; 3];
    for (k, v) in v.as_object().expect("choices are an object") {
        let i = ["analytics", "personalization", "marketing"].iter().position(|c| c == k).unwrap_or_else(|| panic!("{k}: the edge's"));
        out[i] = if v.as_bool().expect("a boolean") { 1 } else { 2 };
    }
    out
}

/// A TCF reading as the edge writes it: whether GDPR applies, whether the
/// choice is made, the purposes consented (bit n: purpose n).
pub fn tcf_fields(t: &TcfConsent) -> (bool, bool, u32) {
    match t {
        TcfConsent::NotApplicable => (false, true, 0),
        TcfConsent::Pending => (true, false, 0),
        TcfConsent::Decided { storage, granted } => {
            let bits = |on: bool, ns: &[u32]| if on { ns.iter().map(|n| 1u32 << n).sum() } else { 0 };
            (true, true, bits(*storage, &[1]) | bits(granted[0], &[7, 8, 9, 10]) | bits(granted[1], &[5, 6]) | bits(granted[2], &[2, 3, 4]))
        }
    }
}

/// Every stored queue's key starts so.
pub const STORED_QUEUE: &str = "kizuna:q.";

/// The page most tests run on.
pub const URL: &str = "https://shop.example/land?utm_source=ads&utm_campaign=fall&gclid=Cj0KCQ&x=1";
/// Its decoded utm parameters.
pub const UTM: &str = r#"{"utm_source":"ads","utm_campaign":"fall"}"#;
/// Epoch ms the clock starts at (2026-11-22T16:13:00.000Z).
pub const T0: f64 = 1_795_363_980_000.0;

/// A request the engine asked for.
#[derive(Clone, Debug)]
pub struct Post {
    pub id: u32,
    pub url: String,
    pub body: String,
    pub keepalive: bool,
}

impl Post {
    /// The batch's events, parsed.
    pub fn events(&self) -> Vec<J> {
        let v: J = serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body));
        v["batch"].as_array().unwrap().clone()
    }
}

/// The simulated page.
pub struct Sim {
    pub t: Tracker,
    pub now: f64,
    pub store: BTreeMap<String, String>,
    pub cookie: Option<String>,
    pub logs: Vec<(Level, String)>,
    /// Requests waiting for an answer.
    pub posts: Vec<Post>,
    /// Every request body ever sent, with its events.
    pub sent: Vec<Post>,
    pub beacons: Vec<String>,
    /// The deferred request armed now (`fetchLater`), and how many were armed.
    pub deferred: Option<String>,
    pub armed: usize,
    /// Bytes of beacons the browser accepts per unload.
    pub beacon_quota: usize,
    pub wake: Option<f64>,
    pub segments: BTreeMap<u32, String>,
    /// The storage key each stored segment is kept under.
    pub segment_keys: BTreeMap<u32, String>,
    pub listening: bool,
    pub accepted: Vec<bool>,
    pub signals: Vec<String>,
    pub changes: Vec<J>,
    pub flushed: BTreeMap<u32, Summary>,
    next_page: u32,
    pub page: u32,
    next_token: u32,
}

/// The device facts of every test.
pub fn env() -> Env {
    Env { locale: "\"ja-JP\"".into(), user_agent: "\"Mozilla/5.0 Test\"".into(), screen: (1440, 900), timezone: "\"Asia/Tokyo\"".into() }
}

impl Sim {
    /// Starts on [`URL`] with `config` and nothing stored.
    pub fn new(config: &str) -> Sim {
        Sim::with_store(config, BTreeMap::new())
    }

    /// Starts with `store` as what localStorage held.
    pub fn with_store(config: &str, store: BTreeMap<String, String>) -> Sim {
        Sim::try_start(config, store).unwrap_or_else(|e| panic!("start: {e}"))
    }

    /// Starts, or the message `init` would reject with.
    pub fn try_start(config: &str, store: BTreeMap<String, String>) -> Result<Sim, String> {
        let get = |k: &str| store.get(k).map(String::as_str);
        let t = Tracker::start(Start {
            config: codec::config(config),
            env: env(),
            page: Page::new(1, URL, "https://www.google.com/", "\"Land\"", UTM, "shoes"),
            stored: Stored {
                anonymous_id: get("kizuna:anonymousId"),
                user_id: get("kizuna:userId"),
                traits: get("kizuna:traits"),
                consent: get("kizuna:consent"),
                signals: get("kizuna:signals"),
                group_id: get("kizuna:groupId"),
                group_traits: get("kizuna:groupTraits"),
            },
            seed: "0123456789abcdef0123456789abcdef",
            now: T0,
        })?;
        let mut sim = Sim {
            t,
            now: T0,
            store: store.clone(),
            cookie: None,
            logs: Vec::new(),
            posts: Vec::new(),
            sent: Vec::new(),
            beacons: Vec::new(),
            deferred: None,
            armed: 0,
            beacon_quota: 64 * 1024,
            wake: None,
            segments: BTreeMap::new(),
            segment_keys: BTreeMap::new(),
            listening: false,
            accepted: Vec::new(),
            signals: Vec::new(),
            changes: Vec::new(),
            flushed: BTreeMap::new(),
            next_page: 2,
            page: 1,
            next_token: 0,
        };
        let first = edge::actions(&mut sim.t);
        sim.act(&first);
        Ok(sim)
    }

    /// Hands `input` to the engine, through the codec the edge uses (the
    /// record written as `src/engine/protocol.json` describes it), and
    /// carries out what it asks.
    pub fn input(&mut self, input: Input) {
        let mut recs = vec![(b'n', vec![V::N(self.now)])];
        recs.push(record_of(&input));
        self.cross(&codec::write("tracker.in", &recs));
    }

    /// A record in the codec's text notation ([`codec::from_text`]), after
    /// the time now.
    pub fn record(&mut self, text: &str) {
        let mut bytes = codec::write("tracker.in", &[(b'n', vec![V::N(self.now)])]);
        bytes.extend(codec::from_text("tracker.in", text));
        self.cross(&bytes);
    }

    /// One crossing of records already written (see [`codec`]); carries
    /// out what the engine asks.
    pub fn cross(&mut self, bytes: &[u8]) {
        let out = edge::run(&mut self.t, bytes);
        self.act(&out);
    }

    fn act(&mut self, out: &[u8]) {
        let mut returned = Vec::new();
        let mut beaconed = None;
        let (mut beacon_bytes, mut refused) = (0, false);
        for (kind, f) in codec::read("tracker.out", out) {
            let id = || f[0].n() as u32;
            match kind {
                b'P' => {
                    let p = Post { id: id(), keepalive: f[1].n() == 1.0, url: f[2].s().into(), body: f[3].s().into() };
                    self.sent.push(p.clone());
                    self.posts.push(p);
                }
                b'B' => {
                    // The browser takes beacons until its quota is used up;
                    // the edge stops at the first one refused.
                    let n = beaconed.get_or_insert(0);
                    if !refused && beacon_bytes + f[1].s().len() <= self.beacon_quota {
                        beacon_bytes += f[1].s().len();
                        *n += 1;
                        self.beacons.push(f[1].s().to_string());
                    } else {
                        refused = true;
                    }
                }
                b'W' => self.wake = if f[0].n() == 0.0 { None } else { Some(f[0].n()) },
                b'S' => {
                    self.store.insert(f[0].s().to_string(), f[1].s().to_string());
                }
                b'D' => {
                    self.store.remove(f[0].s());
                }
                b'K' => self.cookie = if f[0].s().is_empty() { None } else { Some(f[0].s().to_string()) },
                b'L' => self.logs.push((level(f[0].s()), f[1].s().to_string())),
                b'F' => {
                    let n: Vec<usize> = f.iter().map(|x| x.n() as usize).collect();
                    self.flushed.insert(n[0] as u32, Summary { sent: n[1], failed: n[2], pending: n[3], held: n[4] });
                }
                b'C' => self.changes.push(serde_json::from_str(f[0].s()).unwrap()),
                b'k' => {
                    self.segments.insert(id(), f[1].s().to_string());
                }
                b'r' => returned.push(id()),
                b's' => self.store_segment(id(), f[1].s()),
                b'd' => {
                    if let Some(key) = self.segment_keys.remove(&id()) {
                        self.store.remove(&key);
                    }
                }
                b'x' => {
                    self.store.retain(|k, _| !k.starts_with(STORED_QUEUE));
                    self.segment_keys.clear();
                }
                b'f' => {
                    self.segments.remove(&id());
                    if let Some(key) = self.segment_keys.remove(&id()) {
                        self.store.remove(&key);
                    }
                }
                b'A' => self.listening = f[0].n() == 1.0,
                b'Y' => self.accepted.push(f[0].n() == 1.0),
                b'G' => self.signals.push(f[0].s().to_string()),
                b'Z' => {}
                b'Q' => {
                    self.deferred = Some(f[1].s().to_string());
                    self.armed += 1;
                }
                b'q' => self.deferred = None,
                other => panic!("unknown answer {}", other as char),
            }
        }
        // What the engine asked for at once goes back in one crossing, in
        // the driver's order (js/edge/driver.js `act`): the segments given
        // back as they were asked for, then how many beacons were taken.
        let mut texts = Vec::new();
        for id in returned {
            // The stored copy stays until the engine deletes its key.
            texts.push((id, self.segments.remove(&id).unwrap_or_default()));
        }
        if texts.is_empty() && beaconed.is_none() {
            return;
        }
        let mut follow = vec![(b'n', vec![V::N(self.now)])];
        follow.extend(texts.iter().map(|(id, text)| (b's', vec![V::N(f64::from(*id)), V::S(text)])));
        if let Some(n) = beaconed {
            follow.push((b'b', vec![V::N(n as f64)]));
        }
        self.cross(&codec::write("tracker.in", &follow));
    }
}

/// The record the edge writes for `input` (src/engine/protocol.json).
pub fn record_of<'a>(input: &'a Input<'a>) -> (u8, Vec<V<'a>>) {
    use V::{N, S};
    let flag = |b: bool| N(if b { 1.0 } else { 0.0 });
    match input {
        Input::Page { id, url, referrer, title, utm, topics, current } => {
            (b'p', vec![N(f64::from(*id)), flag(*current), S(url), S(referrer), S(title), S(utm), S(topics)])
        }
        Input::Call { call, time, page, sync } => {
            // The edge's fast path: track or page, a name and properties only.
            let fast = !*sync && *call == Call::plain(call.kind, call.name, call.props);
            let kind = match (call.kind, fast) {
                (Kind::Track, true) => b't',
                (Kind::Page, true) => b'v',
                (Kind::Track, false) => b'T',
                (Kind::Page, false) => b'V',
                (Kind::Identify, _) => b'I',
                (Kind::Group, _) => b'U',
                (Kind::Alias, _) => b'A',
            };
            let mut f = vec![N(f64::from(*page)), N(*time)];
            if fast {
                f.extend([S(call.name), S(call.props)]);
            } else {
                f.extend([flag(*sync), S(call.name), S(call.id), S(call.props), S(call.message_id), N(f64::from(call.category.code()))]);
            }
            (kind, f)
        }
        Input::Reset => (b'r', vec![]),
        Input::Forget => (b'o', vec![]),
        Input::Consent(c, source) => (b'c', vec![N(f64::from(c[0])), N(f64::from(c[1])), N(f64::from(c[2])), S(source)]),
        Input::Gpc => (b'g', vec![]),
        Input::Tcf(t) => {
            let (applies, ready, purposes) = tcf_fields(t);
            (b'q', vec![flag(applies), flag(ready), N(f64::from(purposes))])
        }
        Input::Gpp(ids, gpp) => (b'G', vec![S(ids), S(gpp)]),
        Input::Gcm(cmd) => {
            let code = |f: Option<bool>| {
                N(match f {
                    Some(true) => 1.0,
                    Some(false) => 2.0,
                    None => 0.0,
                })
            };
            (b'm', [flag(cmd.update)].into_iter().chain(cmd.fields.map(code)).collect())
        }
        Input::Answer(id, status, retry) => (b'a', vec![N(f64::from(*id)), N(f64::from(*status)), S(retry)]),
        Input::Timer => (b'w', vec![]),
        Input::Hidden => (b'h', vec![]),
        Input::Leaving => (b'x', vec![]),
        Input::LeavingSoon => (b'j', vec![]),
        Input::Beaconed(n) => (b'b', vec![N(*n as f64)]),
        Input::Flush(t) => (b'f', vec![N(f64::from(*t))]),
        Input::Segment(id, text) => (b's', vec![N(f64::from(*id)), S(text)]),
        Input::Timezone(t) => (b'z', vec![S(t)]),
        Input::TopicClick(t) => (b'k', vec![S(t)]),
        Input::Consumer(on) => (b'u', vec![flag(*on)]),
        Input::Stored(k, v) => (b'e', vec![S(k), S(v)]),
        Input::Online(on) => (b'l', vec![flag(*on)]),
        Input::Resumed(on) => (b'y', vec![flag(*on)]),
        Input::ConsentRecord(r) => (b'R', vec![S(r)]),
        Input::DeferAble => (b'L', vec![]),
        Input::Auto(_) => panic!("autotrack records are written with codec::from_text"),
    }
}

/// Console levels, as the engine writes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// `d`
    Debug,
    /// `i`
    Info,
    /// `w`
    Warn,
    /// `e`
    Error,
}

fn level(code: &str) -> Level {
    match code {
        "d" => Level::Debug,
        "i" => Level::Info,
        "w" => Level::Warn,
        _ => Level::Error,
    }
}

impl Sim {
    /// Moves the clock; fires the timer if it is due.
    pub fn advance(&mut self, ms: f64) {
        self.now += ms;
        if self.wake.is_some_and(|w| w <= self.now) {
            self.wake = None;
            self.input(Input::Timer);
        }
    }

    /// `track(name, props)` the fast way (clean JSON).
    pub fn track(&mut self, name: &str, props: &str) {
        let lit = serde_json::to_string(name).unwrap();
        let page = self.page;
        self.input(Input::Call { call: Call::plain(Kind::Track, &lit, props), time: self.now, page, sync: false });
    }

    /// A call with its arguments as JSON text (`!v` for undefined), as the
    /// edge checks them into its record ([`checked`]); whether it was accepted.
    pub fn call(&mut self, kind: Kind, a: &str, b: &str, c: &str) -> bool {
        let page = self.page;
        let (name, id, props, message_id, category) = checked(kind, a, b, c);
        let call = Call { kind, name: &name, id: &id, props: &props, message_id: &message_id, category };
        self.input(Input::Call { call, time: self.now, page, sync: true });
        self.accepted.pop().expect("an answer")
    }

    /// `track(name, props, { category })`.
    pub fn track_in(&mut self, name: &str, category: &str) -> bool {
        let lit = serde_json::to_string(name).unwrap();
        let props = format!("{{\"n\":{lit}}}");
        let opts = format!("{{\"category\":\"{category}\"}}");
        self.call(Kind::Track, &lit, &props, &opts)
    }

    /// `consent.set({…}, { source })`.
    pub fn consent(&mut self, choices: &str, source: &str) {
        self.input(Input::Consent(choices_of(choices), source));
    }

    /// Navigates (an SPA route): a new page context, current from now on.
    pub fn goto(&mut self, url: &str, title: &str) {
        let id = self.next_page;
        self.next_page += 1;
        self.page = id;
        let title = serde_json::to_string(title).unwrap();
        self.input(Input::Page { id, url, referrer: URL, title: &title, utm: "{}", topics: "\"\"", current: true });
    }

    /// Answers the oldest waiting request with `status`.
    pub fn answer(&mut self, status: u16) -> Post {
        self.answer_with(status, "")
    }

    /// Answers the oldest waiting request with `status` and `Retry-After`.
    pub fn answer_with(&mut self, status: u16, retry_after: &str) -> Post {
        assert!(!self.posts.is_empty(), "no request is waiting");
        let p = self.posts.remove(0);
        self.input(Input::Answer(p.id, status, retry_after));
        p
    }

    /// Answers every request with 200 until none is waiting; the events
    /// delivered, in order.
    pub fn deliver_all(&mut self) -> Vec<J> {
        let mut out = Vec::new();
        for _ in 0..100_000 {
            if self.posts.is_empty() {
                break;
            }
            out.extend(self.answer(200).events());
        }
        out
    }

    /// `flush()`: its token.
    pub fn flush(&mut self) -> u32 {
        let token = self.next_token;
        self.next_token += 1;
        self.input(Input::Flush(token));
        token
    }

    /// Log lines of `level`.
    pub fn lines(&self, level: Level) -> Vec<&str> {
        self.logs.iter().filter(|(l, _)| *l == level).map(|(_, m)| m.as_str()).collect()
    }

    /// Writes segment `id` under `key`, as the edge does (a segment it
    /// wrote there already is not written again).
    pub fn store_segment(&mut self, id: u32, key: &str) {
        if self.segment_keys.get(&id).map(String::as_str) != Some(key) {
            self.store.insert(key.to_string(), self.segments.get(&id).cloned().unwrap_or_default());
            self.segment_keys.insert(id, key.to_string());
        }
    }

    /// Every event delivered by beacon, in order.
    pub fn beaconed_events(&self) -> Vec<J> {
        self.beacons.iter().flat_map(|b| serde_json::from_str::<J>(b).unwrap()["batch"].as_array().unwrap().clone()).collect()
    }
}

/// The event names of `events`.
pub fn names(events: &[J]) -> Vec<String> {
    events.iter().map(|e| e["event"].as_str().or(e["type"].as_str()).unwrap_or("").to_string()).collect()
}

/// A config with the given `consent` section (and `/collect`).
pub fn config(consent: &str) -> String {
    format!("{{\"endpoint\":\"/collect\",\"writeKey\":\"k\",\"consent\":{consent}}}")
}

/// Opt-out: everything granted.
pub fn open() -> String {
    config("{\"mode\":\"opt-out\"}")
}
