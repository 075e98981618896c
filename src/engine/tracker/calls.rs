//! The calls a site makes, through the pipeline: checked (stage 1), made
//! into events (2), past the gate (3) into the queue (4).

use crate::prelude::*;

use super::Tracker;
use crate::engine::consent::Category;
use crate::engine::encode::segment::{event_size, write_event};
use crate::engine::identity::KEYS as IDENTITY_KEYS;
use crate::engine::pipeline::call::{Call, Checked};
use crate::engine::pipeline::event::{Event, Kind, Parts};
use crate::engine::pipeline::gate::{self, Admit};
use crate::engine::text::json;

/// Storage keys of the personalization module, deleted with the profile
/// (the last good remote document too: it was kept under the same consent).
pub const PROFILE_KEYS: [&str; 3] = ["kizuna:profile", "kizuna:signals", "kizuna:remote"];

impl Tracker {
    /// A call made at `time` on page `page`.
    pub(super) fn record(&mut self, call: &Call, time: f64, page: u32, sync: bool) {
        let mut c = Checked::of(call);
        match c.kind {
            Kind::Identify => {
                self.identity.identify(c.user_id.clone().and_then(|u| self.cfg.privacy.user_id(u)), &c.props);
                self.save_identity();
            }
            Kind::Group => {
                if c.name.is_empty() {
                    match &self.identity.group_id {
                        Some(g) => c.name = json::quoted(g),
                        None => {
                            return self.refuse(
                                "group(): the group id is missing (none given, and no earlier group() to keep it from); event dropped",
                                sync,
                            )
                        }
                    }
                }
                self.identity.group(json::string(&c.name), &c.props);
                self.save_identity();
            }
            Kind::Alias => {
                // Both ids are user ids: hashed or dropped as
                // `privacy.userId` says (the anonymous id and the
                // current user id, already done, as they are).
                let (anon, current) = (&self.identity.anonymous_id, &self.identity.user_id);
                let previous = match json::string(&c.name) {
                    Some(p) if p != *anon && Some(&p) != current.as_ref() => self.cfg.privacy.user_id(p),
                    Some(p) => Some(p),
                    None => Some(current.clone().unwrap_or_else(|| anon.clone())),
                };
                match (c.user_id.take().and_then(|u| self.cfg.privacy.user_id(u)), previous) {
                    (Some(u), Some(p)) => {
                        c.user_id = Some(u);
                        c.name = json::quoted(&p);
                    }
                    _ => return self.refuse("alias(): privacy.userId is 'drop', so no user id leaves the page; event dropped", sync),
                }
            }
            _ => {}
        }
        self.observe(&c, time, page);
        if c.kind == Kind::Page {
            self.page_seen(if self.pages.peek(page).is_some() { page } else { self.pages.current }, time);
        }
        let accepted = self.admit(&c, time, page);
        if sync {
            self.o.flag(b'Y', accepted);
        }
    }

    /// A call refused after its check, with its message.
    fn refuse(&mut self, msg: &str, sync: bool) {
        self.o.log("e", msg);
        if sync {
            self.o.flag(b'Y', false);
        }
    }

    /// Makes the event of a checked call, stamped with everything fixed at
    /// call time, and passes it through the gate. Whether it was accepted
    /// (queued, or held for a choice).
    pub(super) fn admit(&mut self, c: &Checked, time: f64, page: u32) -> bool {
        let page = if self.pages.peek(page).is_some() { page } else { self.pages.current };
        let message_id = match &c.message_id {
            Some(id) => id.clone(),
            None => self.rng.uuid(),
        };
        let session = self.session_for(time, page);
        let props = match c.kind {
            Kind::Identify => &self.identity.traits,
            Kind::Group => &self.identity.group_traits,
            _ => &c.props,
        };
        // An alias carries the new user id it names, not the current one.
        let alias_user = if c.kind == Kind::Alias { c.user_id.as_deref().map(json::quoted) } else { None };
        let parts = Parts {
            kind: c.kind,
            category: c.category,
            stamp: self.consent.effective(),
            time,
            page,
            message_id: &message_id,
            anonymous_id: &self.identity.anonymous_id,
            user_id: alias_user.as_deref().unwrap_or(&self.identity.user_literal),
            name: &c.name,
            session: &session,
            props,
        };
        let marketing = gate::with_marketing(&self.consent);
        let mut shown = String::new();
        let size = match self.pages.get(page) {
            Some(p) => {
                let (fields, context) = p.encoded(&self.env, marketing);
                if c.kind == Kind::Page || self.cfg.debug {
                    write_event(&mut shown, &parts, fields, context);
                }
                if c.kind == Kind::Page {
                    shown.len()
                } else {
                    event_size(&parts, context.len())
                }
            }
            None => 0,
        };
        let event = Event::new(self.queue.next_seq(), &parts, size, self.now);
        let limit = self.cfg.batch.max_event_bytes;
        if size > limit {
            self.o
                .msg("e")
                .put("")
                .put(&c.label())
                .put(": the event is ")
                .put_num(size as u64)
                .put(" bytes of JSON, over the limit of ")
                .put_num(limit as u64)
                .put("; event dropped")
                .end();
            return false;
        }
        if self.cfg.debug {
            self.o.msg("d").put("").put(&c.label()).put(" queued: ").put(&shown).end();
        }
        match gate::admit(c.category, &self.consent) {
            Admit::Queue => {
                self.pages.retain(page);
                let dropped = self.queue.dropped;
                let gone = self.queue.push(event);
                if dropped == 0 && !gone.is_empty() {
                    self.o.log("w", "the queue is full: the oldest events are dropped until the collector takes them");
                }
                self.release_pages(&gone);
                true
            }
            Admit::Hold => {
                self.hold(event, page, c);
                true
            }
            denied => {
                if self.cfg.debug {
                    let (what, why) = if denied == Admit::Denied {
                        (" not sent: ", " is denied")
                    } else {
                        (" not sent (no choice yet, pending: drop): ", " is unknown")
                    };
                    self.o.msg("d").put("").put(&c.label()).put(what).put(c.category.name()).put(why).end();
                }
                false
            }
        }
    }

    /// Keeps `event` in memory until its category is decided; the oldest
    /// goes when the buffer is full (and is counted).
    fn hold(&mut self, event: Event, page: u32, c: &Checked) {
        let limit = self.consent.config().buffer_limit;
        if limit == 0 {
            self.held_dropped += 1;
            return;
        }
        if self.held.len() >= limit && !self.held.is_empty() {
            let old = self.held.remove(0);
            self.pages.release(old.parts().page);
            self.held_dropped += 1;
            if self.held_dropped == 1 {
                self.o
                    .msg("w")
                    .put("waiting for consent, the buffer is full (")
                    .put_num(limit as u64)
                    .put(" events): the oldest are dropped until the visitor chooses")
                    .end();
            }
        }
        if self.cfg.debug {
            self.o.msg("d").put("").put(&c.label()).put(" waits for a choice on ").put(event.category().name()).end();
        } else if self.held.is_empty() && self.held_dropped == 0 && !self.told_waiting {
            // Said once: an install that sends nothing should say why.
            self.told_waiting = true;
            self.o
                .msg("i")
                .put("events wait for the visitor's consent choice (")
                .put(event.category().name())
                .put(" is not granted yet) and are sent once it is: kz.consent.set({ ")
                .put(event.category().name())
                .put(": true }) from your banner, or a CMP's TCF, GPP or Consent Mode signal; kz.stats().waitingForConsent counts them")
                .end();
        }
        self.pages.retain(page);
        self.held.push(event);
    }

    /// Queues the held events whose category is granted now, in the order
    /// they were made.
    pub(super) fn release_held(&mut self) {
        for e in core::mem::take(&mut self.held) {
            if gate::may_send(e.category(), &self.consent) {
                let gone = self.queue.push(e);
                self.release_pages(&gone);
            } else {
                self.held.push(e);
            }
        }
    }

    /// Removes every held and queued event of `category` (not the batch on
    /// the wire).
    pub(super) fn purge(&mut self, category: Category) {
        for e in core::mem::take(&mut self.held) {
            if e.category() == category {
                self.pages.release(e.parts().page);
            } else {
                self.held.push(e);
            }
        }
        let gone = self.queue.purge(category);
        self.release_pages(&gone);
    }

    /// `reset()`: forget the user and the group, start a new anonymous
    /// visitor.
    pub(super) fn reset(&mut self) {
        self.identity.reset(&mut self.rng);
        self.save_identity();
        if self.cfg.debug {
            self.o.log("d", "reset: new anonymous id");
        }
    }

    /// `forget()`: the profile and the ids go (the consent record stays);
    /// the visitor starts anew. What is queued of the old visitor goes too,
    /// from memory and from every stored queue: it carries the old ids, and
    /// "forget me" leaves nothing of them on the device to send later.
    pub(super) fn forget(&mut self) {
        self.drop_profile();
        self.defer_abort();
        let gone = self.queue.clear();
        self.queue.dropped += gone.len() as u64;
        self.release_pages(&gone);
        self.forget_stored();
        for key in IDENTITY_KEYS {
            self.o.store(key, None);
        }
        self.identity.reset(&mut self.rng);
        self.save_identity();
        if self.cfg.debug {
            self.o.log("d", "forget(): profile and ids deleted");
        }
    }

    /// Deletes what the profile learned, here and in storage.
    pub(super) fn drop_profile(&mut self) {
        self.signals.clear();
        for key in PROFILE_KEYS {
            self.o.store(key, None);
        }
    }
}
