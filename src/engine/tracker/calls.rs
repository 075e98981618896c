//! The calls a site makes, through the pipeline: checked (stage 1), made
//! into events (2), past the gate (3) into the queue (4).

use crate::prelude::*;

use super::Tracker;
use crate::engine::consent::Category;
use crate::engine::encode::segment::{event_size, write_event};
use crate::engine::identity::KEYS as IDENTITY_KEYS;
use crate::engine::io::{Action, Level};
use crate::engine::pipeline::call::{check, dropped, Call, Checked};
use crate::engine::pipeline::event::{Event, Kind, Parts};
use crate::engine::pipeline::gate::{self, Admit};
use crate::engine::text::num::write_u64;

/// Storage keys of the personalization module, deleted with the profile.
pub const PROFILE_KEYS: [&str; 2] = ["kizuna:profile", "kizuna:signals"];

impl Tracker {
    /// A call made at `time` on page `page`.
    pub(super) fn record(&mut self, call: &Call, time: f64, page: u32, sync: bool) {
        let accepted = match check(call) {
            Err(msg) => {
                self.log(Level::Error, msg);
                false
            }
            Ok(c) => {
                if let Some(w) = &c.warning {
                    self.log(Level::Warn, w.clone());
                }
                if c.kind == Kind::Identify {
                    self.identity.identify(c.user_id.clone(), &c.props);
                    self.save_identity();
                }
                self.observe(&c, time, page);
                self.admit(&c, time, page)
            }
        };
        if sync {
            self.act(Action::Accepted(accepted));
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
        let traits;
        let props = if c.kind == Kind::Identify {
            traits = self.identity.traits.clone();
            traits.as_str()
        } else {
            c.props.as_str()
        };
        let parts = Parts {
            kind: c.kind,
            category: c.category,
            stamp: self.consent.effective(),
            time,
            page,
            message_id: &message_id,
            anonymous_id: &self.identity.anonymous_id,
            user_id: &self.identity.user_literal,
            name: &c.name,
            props,
        };
        let marketing = gate::with_marketing(&self.consent);
        let env = &self.env;
        let mut shown = String::new();
        let size = match self.pages.get(page) {
            Some(p) => {
                let (fields, context) = p.encoded(env, marketing);
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
        let event = Event::new(self.queue.next_seq(), &parts, size);
        if size > self.cfg.batch.max_event_bytes {
            let mut why = String::from("the event is ");
            write_u64(&mut why, size as u64);
            why.push_str(" bytes of JSON, over the limit of ");
            write_u64(&mut why, self.cfg.batch.max_event_bytes as u64);
            let msg = dropped(&c.label, &why);
            self.log(Level::Error, msg);
            return false;
        }
        if self.cfg.debug {
            self.log(Level::Debug, [c.label.as_str(), " queued: ", &shown].concat());
        }
        match gate::admit(c.category, &self.consent) {
            Admit::Queue => {
                self.pages.retain(page);
                let gone = self.queue.push(event, self.now);
                self.release_pages(&gone);
                if !gone.is_empty() && self.queue.dropped == gone.len() as u64 {
                    self.log(Level::Warn, String::from("the queue is full: the oldest events are dropped until the collector takes them"));
                }
                true
            }
            Admit::Hold => {
                self.hold(event, page, &c.label);
                true
            }
            denied => {
                self.debug(|| {
                    let why = if denied == Admit::Denied { " is denied" } else { " is unknown" };
                    [c.label.as_str(), if denied == Admit::Denied { " not sent: " } else { " not sent (no choice yet, pending: drop): " }, c.category.name(), why].concat()
                });
                false
            }
        }
    }

    /// Keeps `event` in memory until its category is decided; the oldest
    /// goes when the buffer is full (and is counted).
    fn hold(&mut self, event: Event, page: u32, label: &str) {
        let limit = self.consent.config().buffer_limit;
        if limit == 0 {
            self.held_dropped += 1;
            return;
        }
        if self.held.len() >= limit {
            let old = self.held.remove(0);
            self.pages.release(old.parts().page);
            self.held_dropped += 1;
            if self.held_dropped == 1 {
                let mut msg = String::from("waiting for consent, the buffer is full (");
                write_u64(&mut msg, limit as u64);
                msg.push_str(" events): the oldest are dropped until the visitor chooses");
                self.log(Level::Warn, msg);
            }
        }
        self.debug(|| [label, " waits for a choice on ", event.category().name()].concat());
        self.pages.retain(page);
        self.held.push(event);
    }

    /// Queues the held events whose category is granted now, in the order
    /// they were made.
    pub(super) fn release_held(&mut self) {
        let (ready, waiting): (Vec<Event>, Vec<Event>) = core::mem::take(&mut self.held).into_iter().partition(|e| gate::may_send(e.category(), &self.consent));
        self.held = waiting;
        for e in ready {
            let gone = self.queue.push(e, self.now);
            self.release_pages(&gone);
        }
    }

    /// Removes every held and queued event of `category` (not the batch on
    /// the wire).
    pub(super) fn purge(&mut self, category: Category) {
        let (gone, kept): (Vec<Event>, Vec<Event>) = core::mem::take(&mut self.held).into_iter().partition(|e| e.category() == category);
        self.held = kept;
        self.release_pages(&gone);
        let gone = self.queue.purge(category);
        self.release_pages(&gone);
    }

    /// `reset()`: forget the user, start a new anonymous visitor.
    pub(super) fn reset(&mut self) {
        self.identity.reset(&mut self.rng);
        self.save_identity();
        self.debug(|| String::from("reset: new anonymous id"));
    }

    /// `forget()`: the profile and the ids go (the consent record stays);
    /// the visitor starts anew.
    pub(super) fn forget(&mut self) {
        self.drop_profile();
        for key in IDENTITY_KEYS {
            self.act(Action::Store(key, None));
        }
        self.identity.reset(&mut self.rng);
        self.save_identity();
        self.debug(|| String::from("forget(): profile and ids deleted"));
    }

    /// Deletes what the profile learned, here and in storage.
    pub(super) fn drop_profile(&mut self) {
        self.signals.clear();
        for key in PROFILE_KEYS {
            self.act(Action::Store(key, None));
        }
    }
}
