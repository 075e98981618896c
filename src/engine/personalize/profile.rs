//! The visitor profile: kept on the device (localStorage `kizuna:profile`,
//! only with `personalization` consent), never sent anywhere.
//!
//! - counters: first and last seen, sessions (30 minutes apart), page views,
//!   events; orders, revenue and the last order (recency, frequency,
//!   monetary value) from `Order Completed` events (`revenue`)
//! - topic affinities: +1 per viewed page with `data-kz-topic`, +2 per
//!   click inside an element with one, +1 per `category` / `tags` value of an
//!   event; each weight decays by half every `halfLifeDays` (default 14);
//!   only the 20 strongest topics are kept
//! - per slot: the sticky assignment, and this visitor's views and clicks
//!   of each variant
//!
//! The lifecycle segment and engagement score are computed from it (see
//! [`Profile::score`] and [`Profile::segment`]).

use crate::prelude::*;

use crate::engine::text::json::{self, write_string, Kind};
use crate::engine::text::num::{write_fixed, write_i64};

/// Storage key of the profile.
pub const STORAGE_KEY: &str = "kizuna:profile";
/// The profile format this version reads and writes.
pub const VERSION: f64 = 1.0;
/// Topics kept (the strongest).
pub const MAX_TOPICS: usize = 20;
/// Variant outcomes kept (the most recent).
pub const MAX_OUTCOMES: usize = 100;
/// Items remembered (viewed or bought; the most recent).
pub const MAX_ITEMS: usize = 200;
/// Most a stored counter is read as: far beyond any visitor's, and room
/// for every increment and sum the engine makes in a `u32` (50 journeys'
/// counts summed stay under 2^32).
pub const MAX_COUNT: f64 = 10_000_000.0;
/// Inactivity that ends a session.
pub const SESSION_GAP_MS: f64 = 30.0 * 60_000.0;
const DAY_MS: f64 = 86_400_000.0;

/// Where a topic signal came from, and so what it weighs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// A viewed page's `data-kz-topic`: +1.
    PageView,
    /// A click inside an element with `data-kz-topic`: +2.
    Click,
    /// An event's `category` or `tags`: +1.
    Event,
}

impl Signal {
    fn weight(self) -> f64 {
        match self {
            Signal::Click => 2.0,
            Signal::PageView | Signal::Event => 1.0,
        }
    }
}

/// The lifecycle segment (see [`Profile::segment`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    /// First session.
    New,
    /// Came back, not (yet) engaged.
    Returning,
    /// Engagement score ≥ 40.
    Engaged,
    /// Two orders or more, or engagement score ≥ 70.
    Loyal,
    /// Came back after more than 30 days away.
    Dormant,
}

impl Segment {
    /// `new`, `returning`, `engaged`, `loyal`, `dormant`.
    pub fn name(self) -> &'static str {
        match self {
            Segment::New => "new",
            Segment::Returning => "returning",
            Segment::Engaged => "engaged",
            Segment::Loyal => "loyal",
            Segment::Dormant => "dormant",
        }
    }

    /// The segment called `name`.
    pub fn parse(name: &str) -> Option<Segment> {
        [Segment::New, Segment::Returning, Segment::Engaged, Segment::Loyal, Segment::Dormant].into_iter().find(|s| s.name() == name)
    }
}

/// A slot's sticky assignment.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    /// The variant shown (`None`: the default).
    pub variant: Option<String>,
    /// Hash of the slot's config when decided: a new config decides again.
    pub config: u32,
    /// The probability the policy had of making this choice.
    pub propensity: f64,
}

/// A topic and its decaying weight.
#[derive(Clone, Debug, PartialEq)]
pub struct Topic {
    /// Lowercase topic name.
    pub name: String,
    /// Weight at `at`.
    pub weight: f64,
    /// When the weight was last updated (epoch ms).
    pub at: f64,
}

/// The profile.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// The visitor id the holdout hash uses (the anonymous id when the
    /// profile was made), kept with the profile so holdouts are stable.
    pub vid: String,
    /// First activity (epoch ms).
    pub first_seen: f64,
    /// Latest activity.
    pub last_seen: f64,
    /// Sessions so far (this one included).
    pub sessions: u32,
    /// Days between the previous session's last activity and this session.
    pub gap_days: f64,
    /// Page views.
    pub page_views: u32,
    /// Events of any kind.
    pub events: u32,
    /// `Order Completed` events.
    pub orders: u32,
    /// Sum of their `revenue`.
    pub revenue: f64,
    /// The latest order (0 when none).
    pub last_order: f64,
    /// Topic weights, strongest first after each update.
    pub topics: Vec<Topic>,
    /// Sticky assignments by slot.
    pub slots: Vec<(String, Assignment)>,
    /// `(slot, variant, views, clicks)` of this visitor.
    pub outcomes: Vec<(String, String, u32, u32)>,
    /// Items viewed (`false`) or bought (`true`), the most recent last:
    /// what recommendations leave out or push down.
    pub items: Vec<(String, bool)>,
    /// When this session started (epoch ms).
    pub session_start: f64,
    /// The last `Product Added` (0: none) and the session it was in.
    pub cart_at: f64,
    /// The session of `cart_at`.
    pub cart_session: u32,
    /// What each journey was shown and dismissed ([`super::journeys`]).
    pub journeys: Vec<super::journeys::Shown>,
    /// The last audience report (epoch ms; 0: none), see [`super::insights`].
    pub last_report: f64,
}

/// Normalizes a topic name: trimmed, lowercase ASCII, at most 40 bytes.
pub fn topic_name(raw: &str) -> Option<String> {
    let t = raw.trim_ascii();
    if t.is_empty() || t.len() > 40 {
        return None;
    }
    Some(t.to_ascii_lowercase())
}

/// Topics in a `category` / `tags` / `data-kz-topic` value (JSON): a string
/// (comma-separated) or an array of strings.
pub fn topics_in(value: &str) -> Vec<String> {
    match json::kind(value) {
        Kind::String => json::string(value).map(|s| topics_of(&s)).unwrap_or_default(),
        Kind::Array => json::items(value).filter_map(json::string).filter_map(|s| topic_name(&s)).collect(),
        _ => Vec::new(),
    }
}

/// Topics in a comma-separated list.
pub fn topics_of(list: &str) -> Vec<String> {
    list.split(',').filter_map(topic_name).collect()
}

impl Profile {
    /// A profile starting now.
    pub fn new(vid: &str, now: f64) -> Profile {
        Profile {
            vid: vid.to_string(),
            first_seen: now,
            last_seen: now,
            sessions: 1,
            gap_days: 0.0,
            page_views: 0,
            events: 0,
            orders: 0,
            revenue: 0.0,
            last_order: 0.0,
            topics: Vec::new(),
            slots: Vec::new(),
            outcomes: Vec::new(),
            items: Vec::new(),
            session_start: now,
            cart_at: 0.0,
            cart_session: 0,
            journeys: Vec::new(),
            last_report: 0.0,
        }
    }

    /// Notes that the visitor viewed (`bought: false`) or bought item `id`;
    /// a purchase stays a purchase.
    pub fn item(&mut self, id: &str, bought: bool) {
        if id.is_empty() || id.len() > 128 {
            return;
        }
        let was = match self.items.iter().position(|(i, _)| i == id) {
            Some(at) => self.items.remove(at).1,
            None => false,
        };
        if self.items.len() >= MAX_ITEMS {
            self.items.remove(0);
        }
        self.items.push((id.to_string(), was || bought));
    }

    /// Whether item `id` was viewed, and whether it was bought.
    pub fn seen(&self, id: &str) -> (bool, bool) {
        self.items.iter().find(|(i, _)| i == id).map_or((false, false), |(_, b)| (true, *b))
    }

    /// Notes activity at `now`: a gap of 30 minutes starts a new session.
    pub fn touch(&mut self, now: f64) {
        if now - self.last_seen > SESSION_GAP_MS {
            self.sessions += 1;
            self.gap_days = (now - self.last_seen) / DAY_MS;
            self.session_start = now;
        }
        self.last_seen = self.last_seen.max(now);
    }

    /// Adds topic signals at `now`, then keeps the strongest topics.
    pub fn add_topics(&mut self, topics: &[String], signal: Signal, now: f64, half_life_days: f64) {
        for name in topics {
            let add = signal.weight();
            match self.topics.iter_mut().find(|t| &t.name == name) {
                Some(t) => {
                    t.weight = decayed(t.weight, t.at, now, half_life_days) + add;
                    t.at = now;
                }
                None => self.topics.push(Topic { name: name.clone(), weight: add, at: now }),
            }
        }
        if !topics.is_empty() {
            // Strongest first. Insertion sort: at most 21 topics, nearly in
            // order already, and `sort_by` costs 3 KB of wasm.
            let w = |t: &Topic| decayed(t.weight, t.at, now, half_life_days);
            for i in 1..self.topics.len() {
                let mut j = i;
                while j > 0 && w(&self.topics[j - 1]) < w(&self.topics[j]) {
                    self.topics.swap(j - 1, j);
                    j -= 1;
                }
            }
            self.topics.truncate(MAX_TOPICS);
        }
    }

    /// A page view at `now` of a page about `topics`.
    pub fn page_view(&mut self, topics: &[String], now: f64, half_life_days: f64) {
        self.touch(now);
        self.page_views += 1;
        self.add_topics(topics, Signal::PageView, now, half_life_days);
    }

    /// An event at `now`: counts it, takes the topics of its `category` and
    /// `tags` (JSON values, empty when absent), and for `Order Completed`
    /// the order and its `revenue`.
    pub fn event(&mut self, name: &str, category: &str, tags: &str, revenue: &str, now: f64, half_life_days: f64) {
        self.touch(now);
        self.events += 1;
        if name == "Product Added" {
            self.cart_at = now;
            self.cart_session = self.sessions;
        }
        if name == "Order Completed" {
            self.orders += 1;
            self.last_order = now;
            if let Some(r) = json::number(revenue).filter(|r| r.is_finite() && *r > 0.0) {
                self.revenue += r;
            }
        }
        let mut topics = topics_in(category);
        topics.extend(topics_in(tags));
        self.add_topics(&topics, Signal::Event, now, half_life_days);
    }

    /// Each topic's share of the visitor's (decayed) interest now, strongest first.
    pub fn affinities(&self, now: f64, half_life_days: f64) -> Vec<(String, f64)> {
        self.affinities_with(&[], now, half_life_days)
    }

    /// [`Profile::affinities`] with one more page view about `page`
    /// counted (a decision on a page whose view the profile lacks yet).
    pub fn affinities_with(&self, page: &[String], now: f64, half_life_days: f64) -> Vec<(String, f64)> {
        let mut weights: Vec<(String, f64)> =
            self.topics.iter().map(|t| (t.name.clone(), decayed(t.weight, t.at, now, half_life_days))).collect();
        for t in page {
            match weights.iter_mut().find(|(n, _)| n == t) {
                Some(w) => w.1 += 1.0,
                None => weights.push((t.clone(), 1.0)),
            }
        }
        let total: f64 = weights.iter().map(|(_, w)| w).sum();
        if total <= 0.0 {
            return Vec::new();
        }
        weights.into_iter().map(|(n, w)| (n, w / total)).collect()
    }

    /// The total topic weight now: how much the profile knows.
    pub fn evidence(&self, now: f64, half_life_days: f64) -> f64 {
        self.topics.iter().map(|t| decayed(t.weight, t.at, now, half_life_days)).sum()
    }

    /// The share of interest in `topic` now (0 when unknown).
    pub fn affinity(&self, topic: &str, now: f64, half_life_days: f64) -> f64 {
        self.affinities(now, half_life_days).into_iter().find(|(n, _)| n == topic).map_or(0.0, |(_, a)| a)
    }

    /// The engagement score, 0–100:
    ///
    /// `100 × (0.35·frequency + 0.25·depth + 0.25·recency + 0.15·buying)`
    /// with frequency = min(1, sessions / 10), depth = min(1, page views /
    /// (5 × sessions)), recency = 0.5^(days since last seen / 7), buying =
    /// min(1, orders / 3), rounded.
    pub fn score(&self, now: f64) -> u32 {
        let frequency = (f64::from(self.sessions) / 10.0).min(1.0);
        let depth = (f64::from(self.page_views) / (5.0 * f64::from(self.sessions.max(1)))).min(1.0);
        let recency = halving(((now - self.last_seen) / DAY_MS).max(0.0) / 7.0);
        let buying = (f64::from(self.orders) / 3.0).min(1.0);
        libm::round(100.0 * (0.35 * frequency + 0.25 * depth + 0.25 * recency + 0.15 * buying)) as u32
    }

    /// The lifecycle segment, the first that applies: `dormant` (this
    /// session came after more than 30 days away), `new` (first session),
    /// `loyal` (2+ orders, or score ≥ 70), `engaged` (score ≥ 40),
    /// `returning`.
    pub fn segment(&self, now: f64) -> Segment {
        if self.sessions > 1 && self.gap_days > 30.0 {
            Segment::Dormant
        } else if self.sessions <= 1 {
            Segment::New
        } else if self.orders >= 2 || self.score(now) >= 70 {
            Segment::Loyal
        } else if self.score(now) >= 40 {
            Segment::Engaged
        } else {
            Segment::Returning
        }
    }

    /// The sticky assignment of `slot`.
    pub fn assignment(&self, slot: &str) -> Option<&Assignment> {
        self.slots.iter().find(|(s, _)| s == slot).map(|(_, a)| a)
    }

    /// Keeps `assignment` for `slot`.
    pub fn assign(&mut self, slot: &str, assignment: Assignment) {
        match self.slots.iter_mut().find(|(s, _)| s == slot) {
            Some(entry) => entry.1 = assignment,
            None => self.slots.push((slot.to_string(), assignment)),
        }
    }

    /// This visitor's views and clicks of `variant` in `slot`.
    pub fn outcome(&self, slot: &str, variant: &str) -> (u32, u32) {
        self.outcomes.iter().find(|(s, v, _, _)| s == slot && v == variant).map_or((0, 0), |o| (o.2, o.3))
    }

    /// Counts a view (`clicked: false`) or a click of `variant` in `slot`.
    pub fn count(&mut self, slot: &str, variant: &str, clicked: bool) {
        let i = match self.outcomes.iter().position(|(s, v, _, _)| s == slot && v == variant) {
            Some(i) => i,
            None => {
                if self.outcomes.len() >= MAX_OUTCOMES {
                    self.outcomes.remove(0);
                }
                self.outcomes.push((slot.to_string(), variant.to_string(), 0, 0));
                self.outcomes.len() - 1
            }
        };
        if clicked {
            self.outcomes[i].3 += 1;
        } else {
            self.outcomes[i].2 += 1;
        }
    }

    /// The profile as stored.
    pub fn to_json(&self) -> String {
        let mut o = String::from("{\"v\":1,\"vid\":");
        write_string(&mut o, &self.vid);
        for (k, v) in [
            ("firstSeen", self.first_seen),
            ("lastSeen", self.last_seen),
            ("sessions", f64::from(self.sessions)),
            ("gapDays", self.gap_days),
            ("pageViews", f64::from(self.page_views)),
            ("events", f64::from(self.events)),
            ("orders", f64::from(self.orders)),
            ("revenue", self.revenue),
            ("lastOrder", self.last_order),
            ("sessionStart", self.session_start),
            ("cartAt", self.cart_at),
            ("cartSession", f64::from(self.cart_session)),
            ("lastReport", self.last_report),
        ] {
            o.push_str(",\"");
            o.push_str(k);
            o.push_str("\":");
            write_fixed(&mut o, v, 6);
        }
        o.push_str(",\"topics\":[");
        for (i, t) in self.topics.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push('[');
            write_string(&mut o, &t.name);
            o.push(',');
            write_fixed(&mut o, t.weight, 6);
            o.push(',');
            write_fixed(&mut o, t.at, 0);
            o.push(']');
        }
        o.push_str("],\"slots\":[");
        for (i, (slot, a)) in self.slots.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push('[');
            write_string(&mut o, slot);
            o.push(',');
            match &a.variant {
                Some(v) => write_string(&mut o, v),
                None => o.push_str("null"),
            }
            o.push(',');
            write_i64(&mut o, i64::from(a.config));
            o.push(',');
            write_fixed(&mut o, a.propensity, 6);
            o.push(']');
        }
        o.push_str("],\"outcomes\":[");
        for (i, (s, v, views, clicks)) in self.outcomes.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push('[');
            write_string(&mut o, s);
            o.push(',');
            write_string(&mut o, v);
            o.push(',');
            write_i64(&mut o, i64::from(*views));
            o.push(',');
            write_i64(&mut o, i64::from(*clicks));
            o.push(']');
        }
        o.push_str("],\"items\":[");
        for (i, (id, bought)) in self.items.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push('[');
            write_string(&mut o, id);
            o.push_str(if *bought { ",1]" } else { ",0]" });
        }
        o.push_str("],\"journeys\":[");
        for (i, j) in self.journeys.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push('[');
            write_string(&mut o, &j.name);
            for n in [f64::from(j.count), j.last, f64::from(j.session), f64::from(j.in_session), j.dismissed] {
                o.push(',');
                write_fixed(&mut o, n, 0);
            }
            o.push(']');
        }
        o.push_str("]}");
        o
    }

    /// Reads a stored profile; `Err` says why it was discarded.
    pub fn parse(text: &str) -> Result<Profile, &'static str> {
        if !json::valid(text) {
            return Err("it is not JSON");
        }
        if json::kind(text) != Kind::Object {
            return Err("it has an unknown version");
        }
        if json::get(text, "v").and_then(json::number) != Some(VERSION) {
            return Err("it has an unknown version");
        }
        let num = |k: &str| {
            json::get(text, k).and_then(json::number).filter(|n| n.is_finite() && *n >= 0.0).ok_or("a counter is missing or invalid")
        };
        // Counters are capped where they are read: the engine adds to them
        // (and sums journeys' counts), which a stored u32::MAX overflowed.
        let cap = |n: f64| n.min(MAX_COUNT) as u32;
        let count = |k: &str| num(k).map(cap);
        let vid =
            json::get(text, "vid").and_then(json::string).filter(|s| !s.is_empty() && s.len() <= 128).ok_or("it has no visitor id")?;
        let array = |k: &str, why: &'static str| json::get(text, k).filter(|v| json::kind(v) == Kind::Array).ok_or(why);
        let mut topics = Vec::new();
        for t in json::items(array("topics", "it has no topics")?).take(MAX_TOPICS) {
            let a: Vec<&str> = json::items(t).collect();
            let (Some(name), Some(weight), Some(at)) = (
                a.first().and_then(|v| json::string(v)).and_then(|s| topic_name(&s)),
                a.get(1).and_then(|v| json::number(v)),
                a.get(2).and_then(|v| json::number(v)),
            ) else {
                return Err("a topic is malformed");
            };
            if a.len() != 3 || !weight.is_finite() || weight < 0.0 || !at.is_finite() {
                return Err("a topic is malformed");
            }
            topics.push(Topic { name, weight, at });
        }
        let mut slots = Vec::new();
        for s in json::items(array("slots", "it has no slots")?) {
            let a: Vec<&str> = json::items(s).collect();
            let bad = "a slot is malformed";
            // Profiles written before 0.2 carry a fifth item (an unused
            // flag), read past.
            if a.len() != 4 && !(a.len() == 5 && json::boolean(a[4]).is_some()) {
                return Err(bad);
            }
            let slot = json::string(a[0]).ok_or(bad)?;
            let variant = json::string(a[1]);
            let config = json::number(a[2]).ok_or(bad)? as u32;
            let propensity = json::number(a[3]).filter(|p| (0.0..=1.0).contains(p)).ok_or(bad)?;
            slots.push((slot, Assignment { variant, config, propensity }));
        }
        let mut outcomes = Vec::new();
        for o in json::items(array("outcomes", "it has no outcomes")?).take(MAX_OUTCOMES) {
            let a: Vec<&str> = json::items(o).collect();
            let (Some(s), Some(var), Some(views), Some(clicks)) = (
                a.first().and_then(|v| json::string(v)),
                a.get(1).and_then(|v| json::string(v)),
                a.get(2).and_then(|v| json::number(v)),
                a.get(3).and_then(|v| json::number(v)),
            ) else {
                return Err("an outcome is malformed");
            };
            outcomes.push((s, var, cap(views), cap(clicks)));
        }
        // Profiles written before recommendations have no items.
        let mut items = Vec::new();
        for it in json::get(text, "items").filter(|v| json::kind(v) == Kind::Array).map(json::items).into_iter().flatten().take(MAX_ITEMS) {
            let a: Vec<&str> = json::items(it).collect();
            match (a.first().and_then(|v| json::string(v)), a.get(1).and_then(|v| json::number(v))) {
                (Some(id), Some(b)) if a.len() == 2 && !id.is_empty() => items.push((id, b == 1.0)),
                _ => return Err("an item is malformed"),
            }
        }
        let mut journeys = Vec::new();
        for it in json::get(text, "journeys").filter(|v| json::kind(v) == Kind::Array).map(json::items).into_iter().flatten().take(50) {
            let a: Vec<&str> = json::items(it).collect();
            let n = |i: usize| a.get(i).and_then(|v| json::number(v)).filter(|n| n.is_finite() && *n >= 0.0);
            match (a.first().and_then(|v| json::string(v)), n(1), n(2), n(3), n(4), n(5)) {
                (Some(name), Some(count), Some(last), Some(session), Some(in_session), Some(dismissed)) if a.len() == 6 => {
                    journeys.push(super::journeys::Shown {
                        name,
                        count: cap(count),
                        last,
                        session: cap(session),
                        in_session: cap(in_session),
                        dismissed,
                    })
                }
                _ => return Err("a journey is malformed"),
            }
        }
        // Written before journeys: absent, so from the first activity on.
        let optional =
            |k: &str, default: f64| json::get(text, k).and_then(json::number).filter(|n| n.is_finite() && *n >= 0.0).unwrap_or(default);
        let first_seen = num("firstSeen")?;
        Ok(Profile {
            session_start: optional("sessionStart", first_seen),
            cart_at: optional("cartAt", 0.0),
            cart_session: cap(optional("cartSession", 0.0)),
            last_report: optional("lastReport", 0.0),
            journeys,
            vid,
            first_seen: num("firstSeen")?,
            last_seen: num("lastSeen")?,
            sessions: count("sessions")?.max(1),
            gap_days: num("gapDays")?,
            page_views: count("pageViews")?,
            events: count("events")?,
            orders: count("orders")?,
            revenue: num("revenue")?,
            last_order: num("lastOrder")?,
            topics,
            slots,
            outcomes,
            items,
        })
    }

    /// What `kz.profile()` shows, as JSON: everything stored, plus the
    /// derived segment, score and affinities.
    pub fn to_api_json(&self, now: f64, half_life_days: f64) -> String {
        let mut o = String::from("{");
        for (k, v) in [
            ("firstSeen", self.first_seen),
            ("lastSeen", self.last_seen),
            ("sessions", f64::from(self.sessions)),
            ("pageViews", f64::from(self.page_views)),
            ("events", f64::from(self.events)),
            ("orders", f64::from(self.orders)),
            ("revenue", self.revenue),
        ] {
            if o.len() > 1 {
                o.push(',');
            }
            write_string(&mut o, k);
            o.push(':');
            write_fixed(&mut o, v, 6);
        }
        o.push_str(",\"lastOrder\":");
        if self.last_order > 0.0 {
            write_fixed(&mut o, self.last_order, 0);
        } else {
            o.push_str("null");
        }
        o.push_str(",\"segment\":\"");
        o.push_str(self.segment(now).name());
        o.push_str("\",\"score\":");
        write_i64(&mut o, i64::from(self.score(now)));
        o.push_str(",\"affinities\":{");
        for (i, (n, a)) in self.affinities(now, half_life_days).iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            write_string(&mut o, n);
            o.push(':');
            write_fixed(&mut o, *a, 3);
        }
        o.push_str("},\"assignments\":{");
        for (i, (s, a)) in self.slots.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            write_string(&mut o, s);
            o.push(':');
            match &a.variant {
                Some(v) => write_string(&mut o, v),
                None => o.push_str("null"),
            }
        }
        o.push_str("}}");
        o
    }
}

/// `weight` set at `at`, as it stands at `now` after halving every `half_life_days`.
pub fn decayed(weight: f64, at: f64, now: f64, half_life_days: f64) -> f64 {
    let days = ((now - at) / DAY_MS).max(0.0);
    weight * halving(days / half_life_days.max(0.001))
}

/// 0.5^`halvings` (through `exp`: `pow` would add 2 KB to the wasm).
fn halving(halvings: f64) -> f64 {
    libm::exp(-core::f64::consts::LN_2 * halvings)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: f64 = 1_795_363_980_000.0;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn sessions_counters_and_orders() {
        let mut p = Profile::new("v1", T0);
        p.page_view(&[], T0, 14.0);
        p.page_view(&[], T0 + 10.0 * 60_000.0, 14.0);
        assert_eq!((p.sessions, p.page_views), (1, 2));
        p.page_view(&[], T0 + 50.0 * 60_000.0, 14.0);
        assert_eq!(p.sessions, 2, "40 minutes apart: a new session");
        p.event("Order Completed", "", "", "19.9", T0 + 51.0 * 60_000.0, 14.0);
        p.event("Order Completed", "", "", "\"lots\"", T0 + 52.0 * 60_000.0, 14.0);
        assert_eq!((p.orders, p.revenue, p.events), (2, 19.9, 2));
        assert_eq!(p.last_order, T0 + 52.0 * 60_000.0);
    }

    #[test]
    fn affinities_weigh_signals_and_decay() {
        let mut p = Profile::new("v1", T0);
        p.page_view(&names(&["shoes"]), T0, 14.0);
        p.add_topics(&names(&["hats"]), Signal::Click, T0, 14.0);
        p.event("Product Viewed", "\"Shoes\"", r#"["sale"," SALE "]"#, "", T0, 14.0);
        let a = p.affinities(T0, 14.0);
        let total: f64 = a.iter().map(|(_, s)| s).sum();
        assert!((total - 1.0).abs() < 1e-9);
        // shoes: page view 1 + category 1; hats: click 2; sale: two tags 1 + 1.
        for topic in ["shoes", "hats", "sale"] {
            assert!((p.affinity(topic, T0, 14.0) - 2.0 / 6.0).abs() < 1e-9, "{topic}");
        }
        // 14 days later the old weights are halved: a fresh view of hats dominates.
        let later = T0 + 14.0 * DAY_MS;
        assert!((decayed(2.0, T0, later, 14.0) - 1.0).abs() < 1e-9);
        p.page_view(&names(&["hats"]), later, 14.0);
        assert_eq!(p.affinities(later, 14.0)[0].0, "hats");
        assert!((p.affinity("hats", later, 14.0) - 2.0 / 4.0).abs() < 1e-9, "hats 1+1 of shoes 1, sale 1, hats 2");
    }

    #[test]
    fn topics_are_bounded() {
        let mut p = Profile::new("v1", T0);
        for i in 0..50 {
            p.page_view(&[format!("t{i}")], T0 + f64::from(i), 14.0);
        }
        assert_eq!(p.topics.len(), MAX_TOPICS);
        for i in 0..150 {
            p.count("s", &format!("v{i}"), false);
        }
        assert_eq!(p.outcomes.len(), MAX_OUTCOMES);
    }

    #[test]
    fn segments_and_score_follow_the_published_formulas() {
        let mut p = Profile::new("v1", T0);
        p.page_view(&[], T0, 14.0);
        assert_eq!(p.segment(T0), Segment::New);
        // 100 × (0.35 × 0.1 + 0.25 × 0.2 + 0.25 × 1 + 0) = 33.5 → 34
        assert_eq!(p.score(T0), 34);
        p.page_view(&[], T0 + DAY_MS, 14.0);
        assert_eq!(p.sessions, 2);
        // frequency 0.2, depth 2/10, recency 1: 100 × (0.07 + 0.05 + 0.25) = 37
        assert_eq!(p.score(T0 + DAY_MS), 37);
        assert_eq!(p.segment(T0 + DAY_MS), Segment::Returning);
        for d in 2..5 {
            for k in 0..5 {
                p.page_view(&[], T0 + f64::from(d) * DAY_MS + f64::from(k) * 1000.0, 14.0);
            }
        }
        let now = T0 + 4.0 * DAY_MS + 4000.0;
        // 5 sessions, 17 page views: 100 × (0.35 × 0.5 + 0.25 × 17/25 + 0.25 × 1) = 59.5 → 60
        assert_eq!((p.sessions, p.page_views, p.score(now)), (5, 17, 60));
        assert_eq!(p.segment(now), Segment::Engaged);
        // A week of absence halves recency: 100 × (0.175 + 0.17 + 0.125) = 47
        assert_eq!(p.score(now + 7.0 * DAY_MS), 47);
        p.event("Order Completed", "", "", "", now, 14.0);
        p.event("Order Completed", "", "", "", now, 14.0);
        assert_eq!(p.segment(now), Segment::Loyal);
        p.page_view(&[], T0 + 60.0 * DAY_MS, 14.0);
        assert_eq!(p.segment(T0 + 60.0 * DAY_MS), Segment::Dormant);
    }

    #[test]
    fn round_trips_and_discards_what_it_cannot_read() {
        let mut p = Profile::new("v1", T0);
        p.page_view(&names(&["shoes"]), T0, 14.0);
        p.assign("hero", Assignment { variant: Some("sale".into()), config: 42, propensity: 0.25 });
        p.assign("cta", Assignment { variant: None, config: 7, propensity: 1.0 });
        p.count("hero", "sale", true);
        let back = Profile::parse(&p.to_json()).unwrap();
        assert_eq!(back, p);
        // A profile stored before 0.2 (each slot with a fifth, unused flag) reads the same.
        let old = p.to_json().replace("0.25]", "0.25,false]").replace(",1]", ",1,true]");
        assert_ne!(old, p.to_json());
        assert_eq!(Profile::parse(&old).unwrap(), p);
        for bad in [r#"{"v":2}"#, r#"{"v":1,"vid":"x"}"#, r#"[]"#, "{not json"] {
            assert!(Profile::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn stored_counters_are_capped_so_the_engine_can_add_to_them() {
        // Found by tests/fuzz_stored.rs: 9999999999999999 clicks were read
        // as u32::MAX, and the next click overflowed (a panic in a debug
        // build, a wrap to 0 in the wasm); so did sessions, page views and
        // the sum of the journeys' counts.
        let mut p = Profile::new("v1", T0);
        p.count("hero", "a", true);
        let text = p.to_json().replace(r#""a",0,1]"#, r#""a",0,9999999999999999]"#).replace(r#""pageViews":0"#, r#""pageViews":1e300"#);
        let mut back = Profile::parse(&text).unwrap();
        let cap = MAX_COUNT as u32;
        assert_eq!((back.outcome("hero", "a"), back.page_views), ((0, cap), cap));
        back.count("hero", "a", true);
        back.page_view(&[], T0, 14.0);
        assert_eq!((back.outcome("hero", "a"), back.page_views), ((0, cap + 1), cap + 1));
    }
}
