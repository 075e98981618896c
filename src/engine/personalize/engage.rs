//! The personalizer's recommendation records: rank a row of items, count
//! their exposures, explain them. Compiled into the `engage` build of the
//! personalization module only (and always on the host, for the tests),
//! so pages without recommendations do not download it.
//!
//! | record | input |
//! |---|---|
//! | `j` id, topics, popularity, repeats | an item of the next `m`'s row (topics comma-separated) |
//! | `y` id, name / `z` id, weight | for the next `m`: the published neighbours of one of the visitor's recent items (`y`), each neighbour a `z` after it |
//! | `m` slot, n, same | rank the row of the `j` records since the last `m` and answer the best `n`; `same`: the items of this slot's last ranking, which the engine kept (no `j` records come) |
//! | `V` slot, id / `K` slot, id | a recommended item was seen / clicked |
//!
//! Answers: `M` slot, JSON `[{"id","position","reason","explanation"}…]`;
//! `A` slot when `same` finds no kept catalog (a config change dropped
//! it): the edge hands that row over again with its items; and `T`
//! exposure events (`Recommendation Viewed` / `Recommendation Clicked`
//! with slot, item, position and reason). After a crossing that changed
//! them, `I`: the visitor's latest items (`["id",…]`, newest first; empty
//! without consent), whose neighbours the edge hands back with the next
//! `m`.

use crate::prelude::*;

use super::catalog::Catalog;
use super::journeys::{due, record_shown, Facts, Journey};
use super::near::{List, RECENT};
use super::profile::topics_of;
use super::recs::{rank, Interests, Why};
use super::Personalizer;
use crate::engine::io::Rec;
use crate::engine::text::cat;
use crate::engine::text::json::{self, quoted, write_string};
use crate::engine::text::num::write_u64;

/// Items a row may rank (the rest of a longer list is ignored).
pub const MAX_ITEMS: usize = 2000;
/// Neighbours read per item of the model (a published list has 20).
pub const MAX_NEAR: usize = 50;
/// Items a row may show.
pub const MAX_SHOWN: usize = 50;
/// Rows whose catalogs are kept (one more, and they start again).
pub const MAX_CATALOGS: usize = 8;
/// Kept catalogs: (slot, the catalog of its last ranking).
pub type Kept = (String, Catalog);

/// The next `m`'s row as its records come: its items and neighbour lists.
#[derive(Default)]
pub struct NextRow {
    items: Option<Catalog>,
    lists: Vec<List>,
}

/// A row's picks on this page view: (slot, [(id, reason code, sentence)]).
pub type Row = (String, Vec<(String, &'static str, String)>);

fn reason(why: &Why, lists: &[List]) -> (&'static str, String) {
    match why {
        Why::Topic(t) => ("topic", cat(&["you have been looking at ", t])),
        Why::Near(i) => {
            let l = &lists[*i];
            ("viewed-together", cat(&["because you viewed ", if l.name.is_empty() { &l.id } else { &l.name }]))
        }
        Why::Popular => ("popular", "popular on this site".into()),
    }
}

impl Personalizer {
    /// `I`: the visitor's latest items, when they changed since the last
    /// `I` (none without consent or a profile).
    pub(super) fn announce_recent(&mut self) {
        let mut list = String::from("[");
        if let Some(p) = self.profile.as_ref().filter(|_| self.granted) {
            for (i, (id, _)) in p.items.iter().rev().take(RECENT).enumerate() {
                if i > 0 {
                    list.push(',');
                }
                write_string(&mut list, id);
            }
        }
        list.push(']');
        if list != self.recent_sent {
            self.out.record(b'I', &[&list]);
            self.recent_sent = list;
        }
    }

    /// `j`, `y`, `z`: the next `m`'s items and neighbour lists (more than
    /// a row ranks, or a neighbour before any list, are left out).
    pub(super) fn row_part(&mut self, mut r: Rec<'_>) {
        match r.kind {
            b'j' => {
                let id = r.s();
                let topics = self.allowed(topics_of(r.s()));
                let (popularity, repeats) = (r.n(), r.flag());
                let items = self.next_row.items.get_or_insert_with(|| Catalog::with_room(MAX_ITEMS));
                if !id.is_empty() && items.len() < MAX_ITEMS {
                    items.push(id.into(), topics, popularity, repeats);
                }
            }
            b'y' if self.next_row.lists.len() < RECENT => {
                let id = r.s();
                if !id.is_empty() {
                    self.next_row.lists.push(List { id: id.into(), name: r.s().into(), near: Vec::new() });
                }
            }
            b'z' => {
                let (id, weight) = (r.s(), r.n());
                if let Some(l) = self.next_row.lists.last_mut().filter(|l| l.near.len() < MAX_NEAR && weight > 0.0) {
                    l.near.push((id.into(), weight));
                }
            }
            _ => {}
        }
    }

    /// `m`: ranks a row.
    pub(super) fn recommend(&mut self, mut r: Rec<'_>) {
        let slot: String = r.s().into();
        let n = r.n();
        let n = if n.is_finite() && n > 0.0 { (n.max(1.0) as usize).min(MAX_SHOWN) } else { 4 };
        let same = r.flag();
        let NextRow { items, lists } = core::mem::take(&mut self.next_row);
        let found = self.catalogs.iter().position(|(s, _)| *s == slot);
        let at = match (found, same) {
            // The same items as the row's last ranking (a row ranked again
            // when the model comes, an app rendering again): its catalog.
            (Some(at), true) => at,
            (None, true) => {
                self.out.record(b'A', &[&slot]);
                return;
            }
            (found, false) => {
                let kept = (slot.clone(), items.unwrap_or_else(|| Catalog::with_room(0)));
                match found {
                    // The row's items changed: its catalog is replaced.
                    Some(at) => {
                        self.catalogs[at] = kept;
                        at
                    }
                    None => {
                        // More rows than that on a page: they start again.
                        if self.catalogs.len() == MAX_CATALOGS {
                            self.catalogs.clear();
                        }
                        self.catalogs.push(kept);
                        self.catalogs.len() - 1
                    }
                }
            }
        };
        let half_life = self.cfg.profile.half_life_days;
        // Without consent the profile is not read: what sells, in the site's order.
        let profile = if self.granted { self.profile.as_ref() } else { None };
        let interests = Interests::of(profile, self.now, half_life, &self.page.topics);
        let catalog = &mut self.catalogs[at].1;
        let picks = rank(catalog, profile, &interests, &lists, n);
        let mut row = Vec::new();
        let mut list = String::from("[");
        let o = &mut list;
        for (position, p) in picks.iter().enumerate() {
            let (code, sentence) = reason(&p.why, &lists);
            let id = catalog.id(p.index).to_string();
            if position > 0 {
                o.push(',');
            }
            o.push_str("{\"id\":");
            write_string(o, &id);
            o.push_str(",\"position\":");
            write_u64(o, position as u64 + 1);
            o.push_str(",\"reason\":\"");
            o.push_str(code);
            o.push_str("\",\"explanation\":");
            write_string(o, &sentence);
            o.push('}');
            row.push((id, code, sentence));
        }
        o.push(']');
        self.out.record(b'M', &[&quoted(&slot), &list]);
        self.rows.retain(|(s, _)| *s != slot);
        self.rows.push((slot, row));
    }

    /// `V` / `K`: a recommended item was seen or clicked.
    pub(super) fn rec_exposure(&mut self, mut r: Rec<'_>, clicked: bool) {
        let slot = json::string(r.s()).unwrap_or_default();
        let id = json::string(r.s()).unwrap_or_default();
        let Some((position, (_, code, _))) =
            self.rows.iter().find(|(s, _)| *s == slot).and_then(|(_, r)| r.iter().enumerate().find(|(_, (i, _, _))| *i == id))
        else {
            return;
        };
        let mut props = String::from("{\"slot\":");
        let o = &mut props;
        write_string(o, &slot);
        o.push_str(",\"item\":");
        write_string(o, &id);
        o.push_str(",\"position\":");
        write_u64(o, position as u64 + 1);
        o.push_str(",\"reason\":\"");
        o.push_str(code);
        o.push_str("\"}");
        self.out.record(b'T', &[if clicked { "\"Recommendation Clicked\"" } else { "\"Recommendation Viewed\"" }, &props]);
    }

    /// What `kz.explain(slot)` says about a row, if `slot` is one.
    pub(super) fn explain_row(&self, slot: &str) -> Option<String> {
        let (_, row) = self.rows.iter().find(|(s, _)| s == slot)?;
        let mut text = String::from("recommended for you, ranked on this device: ");
        for (i, (id, _, sentence)) in row.iter().enumerate() {
            if i > 0 {
                text.push_str("; ");
            }
            text.push_str(id);
            text.push_str(" (");
            text.push_str(sentence);
            text.push(')');
        }
        Some(text)
    }
}

impl Personalizer {
    /// After a crossing that changed what journeys read (a page view, a
    /// signal, exit intent): shows the journey that is due, if any, at most
    /// one a page view.
    pub(super) fn check_journeys(&mut self) {
        let exit = core::mem::take(&mut self.exit_intent);
        if self.cfg.journeys.is_empty() || !self.granted || !self.fired.is_empty() {
            return;
        }
        let now = self.now;
        let Some(p) = self.profile.as_ref() else { return };
        let facts = Facts {
            now,
            session: p.sessions,
            session_start: p.session_start,
            gap_days: p.gap_days,
            orders: p.orders,
            last_order: p.last_order,
            cart_at: p.cart_at,
            cart_session: p.cart_session,
            exit_intent: exit,
            session_total: p.journeys.iter().filter(|s| s.session == p.sessions).map(|s| s.in_session).sum(),
        };
        let Some((j, why)) = due(&self.cfg.journeys, &p.journeys, &facts, self.cfg.journeys_per_session) else { return };
        let j = j.clone();
        let sentence = cat(&[
            "shown because ",
            &why,
            " (",
            j.on.name(),
            "); at most ",
            &count(j.per_session),
            " a session and ",
            &count(j.per_visitor),
            " in all, and not again for a while if you close it",
        ]);
        if let Some(p) = self.profile_mut() {
            record_shown(&mut p.journeys, &j.name, &facts);
        }
        let mut shown = String::from("{\"journey\":");
        let o = &mut shown;
        write_string(o, &j.name);
        o.push_str(",\"trigger\":\"");
        o.push_str(j.on.name());
        o.push_str("\",\"message\":");
        write_string(o, &j.message);
        if let Some(link) = &j.link {
            o.push_str(",\"link\":");
            write_string(o, link);
        }
        o.push_str(if j.survey { ",\"survey\":true" } else { ",\"survey\":false" });
        o.push_str(",\"explanation\":");
        write_string(o, &sentence);
        o.push('}');
        self.out.record(b'J', &[&quoted(&j.name), &shown]);
        self.event(if j.survey { "Survey Shown" } else { "Journey Shown" }, &j, "");
        self.fired.push((j.name, sentence));
    }

    /// `u` name: the visitor closed a journey's message or survey.
    /// `U` name, score, comment: they answered a survey.
    pub(super) fn journey_answer(&mut self, mut r: Rec<'_>, answered: bool) {
        let name = json::string(r.s()).unwrap_or_default();
        let Some(j) = self.cfg.journeys.iter().find(|j| j.name == name).cloned() else { return };
        if !self.fired.iter().any(|(n, _)| *n == name) {
            return;
        }
        if !answered {
            let now = self.now;
            if let Some(s) = self.profile_mut().and_then(|p| p.journeys.iter_mut().find(|s| s.name == name)) {
                s.dismissed = now;
            }
            self.event(if j.survey { "Survey Dismissed" } else { "Journey Dismissed" }, &j, "");
            return;
        }
        let score = Some(r.n()).filter(|s| (0.0..=10.0).contains(s) && *s == libm::floor(*s));
        let Some(score) = score.filter(|_| j.survey) else { return };
        let mut extra = String::from(",\"score\":");
        write_u64(&mut extra, score as u64);
        if let Some(c) = json::string(r.s()).map(|c| c.trim().chars().take(1000).collect::<String>()).filter(|c| !c.is_empty()) {
            extra.push_str(",\"comment\":");
            write_string(&mut extra, &c);
        }
        self.event("Survey Responded", &j, &extra);
        // Answered: the same quiet period as a dismissal before it asks again.
        let now = self.now;
        if let Some(s) = self.profile_mut().and_then(|p| p.journeys.iter_mut().find(|s| s.name == name)) {
            s.dismissed = now;
        }
    }

    fn event(&mut self, name: &str, j: &Journey, extra: &str) {
        let mut props = String::from(if j.survey { "{\"survey\":" } else { "{\"journey\":" });
        let o = &mut props;
        write_string(o, &j.name);
        o.push_str(",\"trigger\":\"");
        o.push_str(j.on.name());
        o.push('"');
        o.push_str(extra);
        o.push('}');
        self.out.record(b'T', &[&quoted(name), &props]);
    }

    /// What `kz.explain(name)` says about a journey shown on this page.
    pub(super) fn explain_journey(&self, name: &str) -> Option<String> {
        self.fired.iter().find(|(n, _)| n == name).map(|(_, s)| s.clone())
    }
}

fn count(n: u32) -> String {
    let mut s = String::new();
    write_u64(&mut s, u64::from(n));
    s.push_str(if n == 1 { " time" } else { " times" });
    s
}

impl Personalizer {
    /// With `insights` configured and personalization granted, at most
    /// once every `everyDays`: an `Audience Report` whose segment and top
    /// topic went through randomized response here, on the device.
    pub(super) fn audience_report(&mut self) {
        use super::insights::{randomize, SEGMENTS};
        let Some(cfg) = self.cfg.insights.clone() else { return };
        let now = self.now;
        let Some(p) = self.profile.as_ref().filter(|_| self.granted) else { return };
        if p.last_report > 0.0 && now - p.last_report < cfg.every_days * 86_400_000.0 {
            return;
        }
        let segment = p.segment(now).name();
        let seg = SEGMENTS.iter().position(|s| *s == segment).unwrap_or(0);
        let k = cfg.topics.len() + 1;
        let top = p.topics.first().and_then(|t| cfg.topics.iter().position(|c| *c == t.name)).unwrap_or(k - 1);
        let mut rng = self.rng.clone();
        let (seg, top) = (randomize(seg, SEGMENTS.len(), cfg.epsilon / 2.0, &mut rng), randomize(top, k, cfg.epsilon / 2.0, &mut rng));
        self.rng = rng;
        if let Some(p) = self.profile_mut() {
            p.last_report = now;
        }
        let mut props = String::from("{\"segment\":\"");
        let o = &mut props;
        o.push_str(SEGMENTS.get(seg).copied().unwrap_or("new"));
        o.push_str("\",\"topic\":");
        write_string(o, cfg.topics.get(top).map_or("other", |s| s.as_str()));
        o.push_str(",\"epsilon\":");
        crate::engine::text::num::write_fixed(o, cfg.epsilon, 3);
        o.push_str(",\"mechanism\":\"k-rr\",\"topics\":[");
        for (i, t) in cfg.topics.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            write_string(o, t);
        }
        o.push_str("]}");
        self.out.record(b'T', &["\"Audience Report\"", &props]);
    }
}
