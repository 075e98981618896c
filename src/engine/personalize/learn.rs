//! What the profile learns, and where it goes: the tracker's signals folded
//! in (sensitive topics kept out), the profile made when first needed once
//! personalization is granted, and written to storage at most once a second
//! (at once when the page is hidden).

use crate::prelude::*;

use super::profile::{topics_in, Profile, Signal, MAX_COUNT, STORAGE_KEY};
use super::Personalizer;
use crate::engine::text::cat;
/// Separates the fields of a signal line (the stored format of `tracker::signals`).
const US: char = '\u{1f}';
use crate::engine::text::json;
use crate::engine::text::num::parse_u64;

impl Personalizer {
    /// `topics` less the ones the site marked sensitive.
    pub(super) fn allowed(&self, mut topics: Vec<String>) -> Vec<String> {
        topics.retain(|t| !self.cfg.profile.sensitive.contains(t));
        topics
    }

    /// The profile, made when personalization is granted and there is none.
    pub(super) fn profile_mut(&mut self) -> Option<&mut Profile> {
        if !self.granted {
            return None;
        }
        if self.profile.is_none() {
            self.profile = Some(Profile::new(&self.visitor, self.now));
        }
        self.dirty = true;
        self.profile.as_mut()
    }

    /// Folds one signal line of the tracker's (see
    /// `crate::engine::tracker::signals`) into the profile.
    pub(super) fn fold(&mut self, line: &str) {
        let half_life = self.cfg.profile.half_life_days;
        let kind = line.bytes().next().unwrap_or(b'?');
        let f: Vec<&str> = line.get(1..).unwrap_or("").split(US).collect();
        let at = |i: usize| f.get(i).copied().unwrap_or("");
        let time = parse_u64(at(0)).map_or(self.now, |t| t as f64);
        let topics = self.allowed(topics_in(at(if kind == b'e' { 2 } else { 1 })));
        let tags = self.allowed(topics_in(at(3)));
        if kind == b'p' && time >= self.page.at - 5000.0 {
            self.page.folded = true;
        }
        let Some(p) = self.profile_mut() else { return };
        match kind {
            b'p' => p.page_view(&topics, time, half_life),
            b'e' => {
                let name = json::string(at(1)).unwrap_or_default();
                p.event(&name, "", "", at(4), time, half_life);
                let mut all = topics;
                all.extend(tags);
                p.add_topics(&all, Signal::Event, time, half_life);
                // Product ids (`"a","b"`): what was viewed, added or bought.
                let bought = name == "Order Completed";
                let list = cat(&["[", at(5), "]"]);
                for id in json::items(&list).filter_map(json::string) {
                    p.item(&id, bought);
                }
            }
            b'c' => {
                p.touch(time);
                p.add_topics(&topics, Signal::Click, time, half_life);
            }
            b'a' => {
                let last = parse_u64(at(1)).map_or(time, |t| t as f64);
                // Capped as a stored profile's counters are: events add up.
                let count = parse_u64(at(2)).unwrap_or(1).min(MAX_COUNT as u64) as u32;
                p.touch(time);
                p.touch(last);
                p.events = p.events.saturating_add(count);
            }
            _ => {}
        }
    }

    /// Writes the profile when it changed, storage is allowed, and a second
    /// passed since the last write (or `now` the page is hidden); else asks
    /// to be woken when the second is up.
    pub(super) fn persist(&mut self, force: bool) {
        if !self.dirty || !self.may_store {
            return;
        }
        if !force && self.now - self.last_write < 1000.0 {
            let at = self.last_write + 1000.0;
            if self.wake != Some(at) {
                self.wake = Some(at);
                self.out.wake(Some(at));
            }
            return;
        }
        let Some(p) = &self.profile else { return };
        let text = p.to_json();
        self.dirty = false;
        self.last_write = self.now;
        self.out.store(STORAGE_KEY, Some(&text));
    }
}
