//! The profile as stored in localStorage: written as JSON, and read back
//! with everything that cannot be trusted discarded or capped.

use crate::prelude::*;

use super::{topic_name, Assignment, Profile, Topic, MAX_COUNT, MAX_ITEMS, MAX_OUTCOMES, MAX_TOPICS, VERSION};
use crate::engine::personalize::journeys::Shown;
use crate::engine::text::json::{self, write_string, Kind};
use crate::engine::text::num::{write_fixed, write_i64};

impl Profile {
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
                    journeys.push(Shown { name, count: cap(count), last, session: cap(session), in_session: cap(in_session), dismissed })
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
}
