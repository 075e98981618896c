//! The queue's copy in storage (`pipeline/store.rs` holds its format): when
//! it is written, which segments it keeps, taking over what another page or
//! a closed tab left, and giving it up when analytics storage goes.

use crate::prelude::*;

use super::Tracker;
use crate::engine::consent::Category;
use crate::engine::encode::segment::event_size;
use crate::engine::pipeline::event::Event;
use crate::engine::pipeline::store::{front_key, other_version, owner_of, read_front, segment_key, segment_records, write_front, LEASE_MS};

impl Tracker {
    /// Whether the queue is kept in storage now: the config wants it and
    /// the visitor allows analytics storage.
    pub(super) fn persisting(&self) -> bool {
        let s = &self.cfg.store;
        s.persist && s.max_events > 0 && s.max_bytes > 0 && self.consent.may_store(Category::Analytics)
    }

    /// Once per pump (and at once when `now`): the stored segments follow
    /// the budget, and the front is written when a change is due.
    pub(super) fn persist(&mut self, now: bool) {
        if !self.persisting() {
            if self.store.written || self.queue.segments().iter().any(|s| s.stored) {
                self.forget_stored();
            }
            return;
        }
        if self.store.leaving && !now {
            // Gone: the lock is released, another tab may own these keys.
            return;
        }
        if !self.store.on {
            // Just allowed (or starting): what is queued is written now.
            self.store.on = true;
            self.store.due = Some(self.now);
        }
        let f = self.queue.front();
        let front = (f.len(), f.first().map_or(0, Event::seq), f.last().map_or(0, Event::seq), self.queue.len());
        if front != self.store.front {
            self.store.front = front;
            self.store.touch(self.now);
        }
        let pages = self.pages.signature();
        let due = now
            || self.store.due.is_some_and(|t| self.now >= t)
            || (self.store.written && self.now >= self.store.refresh_at)
            || pages != self.store.pages;
        if !due {
            // Segments too are written when the front is: a burst's are
            // then written once, after it, and those sent meanwhile never.
            return;
        }
        // Records still gathering for a segment are in neither the front
        // nor a stored segment: sealed now, they can be stored.
        self.queue.seal();
        self.hand_off();
        self.store_segments(now);
        self.store.due = None;
        self.store.pages = pages;
        let key = front_key(&self.store.owner);
        let has_segments = self.queue.segments().iter().any(|s| s.stored);
        let skip = if self.store.leaving && !self.store.keep_all {
            self.queue.in_flight().filter(|f| f.keepalive).map_or(0, |f| f.count)
        } else {
            0
        };
        // Storage holds everything queued from here on: no deferred request.
        self.defer_stored();
        let front = self.queue.front().get(skip..).unwrap_or(&[]);
        if front.is_empty() && !has_segments {
            if self.store.written {
                self.o.store(&key, None);
                self.store.written = false;
            }
        } else {
            let until = if self.store.leaving { 0.0 } else { self.now + LEASE_MS };
            let mut text = String::with_capacity(front.iter().map(|e| e.rec.len() + 1).sum::<usize>() + 256);
            write_front(&mut text, &self.store.owner, until, &self.pages, front);
            self.o.store(&key, Some(&text));
            self.store.written = true;
            self.store.refresh_at = self.now + LEASE_MS / 2.0;
        }
        for k in core::mem::take(&mut self.store.stale) {
            self.o.store(&k, None);
        }
    }

    /// The newest segments the budget holds are stored, the rest are not
    /// (a segment a withdrawal purged waits to come back first: its stored
    /// text would still hold what was purged). With `again` (the page is
    /// going), each is asked for again: a task Firefox stopped midway as a
    /// tab closed may not have written (or removed) it, and the edge writes
    /// only those it has not.
    fn store_segments(&mut self, again: bool) {
        let (max_events, max_bytes) = (self.cfg.store.max_events, self.cfg.store.max_bytes);
        let mut events = self.queue.front().len();
        let mut bytes: usize = self.queue.front().iter().map(|e| e.rec.len()).sum();
        let mut full = false;
        let mut changes = Vec::new();
        for s in self.queue.segments().iter().rev() {
            full = full || s.purged != 0 || events + s.len() > max_events || bytes + s.bytes > max_bytes;
            if !full {
                events += s.len();
                bytes += s.bytes;
            }
            if s.stored == full || again {
                changes.push((s.id, !full));
            }
        }
        for (id, store) in changes {
            self.queue.set_stored(id, store);
            if store {
                self.o.begin(b's').num(f64::from(id)).field(&segment_key(&self.store.owner, id)).end();
            } else {
                self.o.begin(b'd').num(f64::from(id)).end();
            }
        }
    }

    /// Analytics storage is no longer allowed: every stored queue goes,
    /// this owner's and any other's (`Hx`), so no tab sends them.
    pub(super) fn forget_stored(&mut self) {
        let ids: Vec<u32> = self.queue.segments().iter().filter(|s| s.stored).map(|s| s.id).collect();
        for id in ids {
            self.queue.set_stored(id, false);
        }
        self.o.begin(b'x').end();
        self.store.on = false;
        self.store.written = false;
        self.store.due = None;
        self.store.stale.clear();
    }

    /// A stored key of another owner (a page that went away, a closed or
    /// crashed tab), given by the edge once it may take it over: its events
    /// join this queue, are stored as this owner's, and then its key goes.
    /// The owner's front comes before its segments (it holds their pages).
    pub(super) fn adopt(&mut self, key: &str, text: &str) {
        let Some((owner, is_front)) = owner_of(key) else { return };
        if owner == self.store.owner || !self.persisting() {
            return;
        }
        let records: Vec<&str> = if is_front {
            let Some(front) = read_front(text) else {
                // Another version is left for the Kizuna that wrote it;
                // what is not a queue at all goes.
                if !other_version(text) {
                    self.damaged(key, 1);
                    self.store.stale.push(key.into());
                    self.store.due = Some(self.now);
                }
                return;
            };
            self.store.adopting = (owner.into(), Vec::new());
            for mut p in front.pages {
                let id = self.store.next_page;
                self.store.next_page += 1;
                self.store.adopting.1.push((p.id, id));
                p.id = id;
                self.pages.put(p);
            }
            front.records
        } else {
            if self.store.adopting.0 != owner {
                self.store.adopting = (owner.into(), Vec::new());
            }
            segment_records(text).collect()
        };
        let oldest = self.now - self.cfg.store.max_age_ms;
        let current = self.pages.current;
        let mut bad = 0;
        for rec in records.into_iter().filter(|r| !r.is_empty()) {
            let seq = self.queue.next_seq();
            let map = &self.store.adopting.1;
            let page = |old: u32| map.iter().find(|(o, _)| *o == old).map_or(current, |(_, new)| *new);
            // Storage is untrusted: only a whole record within the
            // per-event limit may reach a batch.
            let Some(mut e) = Event::well_formed(rec).then(|| Event::rebase(rec, seq, page, self.now)).flatten() else {
                bad += 1;
                continue;
            };
            // Handed over again (written once more by its owner as it
            // went): what was taken the first time is not taken, measured
            // or counted again.
            if self.store.adopted_before(e.parts().message_id) {
                continue;
            }
            // Its size with the page it was made on (a stored page may be
            // large too), against the per-event limit.
            let marketing = crate::engine::pipeline::gate::with_marketing(&self.consent);
            let context = self.pages.get(e.parts().page).map_or(480, |p| p.encoded(&self.env, marketing).1.len());
            e.size = event_size(&e.parts(), context) as u32;
            if e.size as usize > self.cfg.batch.max_event_bytes {
                bad += 1;
                continue;
            }
            if e.parts().time < oldest {
                self.expired += 1;
                continue;
            }
            self.pages.retain(e.parts().page);
            let gone = self.queue.push(e);
            self.release_pages(&gone);
        }
        self.pages.prune();
        self.damaged(key, bad);
        self.store.stale.push(key.into());
        self.store.due = Some(self.now);
    }

    /// `n` records stored under `key` were damaged: dropped, counted, and
    /// said once for the key.
    fn damaged(&mut self, key: &str, n: u64) {
        if n > 0 {
            self.damaged += n;
            self.o.msg("w").put("").put_num(n).put(" stored events under ").put(key).put(" were damaged and dropped (not sent)").end();
        }
    }

    /// The page came back from the back/forward cache; `ours`: its stored
    /// front is still there. When another tab took it over meanwhile, the
    /// events it held are that tab's to send now.
    pub(super) fn resumed(&mut self, ours: bool) {
        self.store.leaving = false;
        self.store.keep_all = false;
        if !ours && self.store.written {
            self.store.written = false;
            self.defer_abort();
            let gone = self.queue.clear();
            self.release_pages(&gone);
        }
        self.store.due = Some(self.now);
    }
}
