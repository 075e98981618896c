//! What the edge's synchronous API reads ([`Status`]), and the engine's
//! state for inspection.

use crate::prelude::*;

use super::Tracker;
use crate::engine::consent::state::ConsentState;
use crate::engine::consent::{Category, Choice};
use crate::engine::identity::Identity;
use crate::engine::pipeline::gate;
use crate::engine::pipeline::queue::Queue;

/// What the edge's synchronous API reads.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    /// The anonymous id.
    pub anonymous_id: String,
    /// The user id.
    pub user_id: Option<String>,
    /// Events queued (in flight included).
    pub queued: usize,
    /// Events waiting for a consent choice, and dropped from a full buffer.
    pub held: (usize, usize),
    /// `consent.get()`, as JSON.
    pub consent: String,
    /// The categories a call is accepted for now, a bit per code.
    pub accepting: u8,
    /// Properties up to this many bytes surely fit an event on the current
    /// page (the edge's fast path may skip asking).
    pub fits: usize,
    /// Log every event (`debug: true`).
    pub debug: bool,
    /// Topic clicks are worth reporting (personalization is granted).
    pub topics: bool,
    /// The profile may be written to storage.
    pub store_profile: bool,
    /// This engine's owner id for stored queues.
    pub owner: String,
    /// Events the collector took (requests and beacons), dropped from a
    /// full queue, too old to send, refused by the collector for good, and
    /// found damaged in storage.
    pub counts: [u64; 5],
    /// The autotrack listeners the edge installs ([`crate::engine::config::AutoPolicy::listeners`]).
    pub listeners: u32,
}

impl Tracker {
    /// What the synchronous API reads.
    pub fn status(&self) -> Status {
        let mut consent = String::with_capacity(96);
        self.consent.effective().write_json(&mut consent, true);
        Status {
            anonymous_id: self.identity.anonymous_id.clone(),
            user_id: self.identity.user_id.clone(),
            queued: self.queue.len(),
            held: (self.held.len(), self.held_dropped),
            consent,
            accepting: gate::accepting(&self.consent),
            fits: self.fits(),
            debug: self.cfg.debug,
            topics: self.consent.get(Category::Personalization) == Choice::Granted,
            store_profile: self.consent.may_store(Category::Personalization),
            owner: self.store.owner.clone(),
            counts: [self.sent, self.queue.dropped, self.expired, self.rejected, self.damaged],
            listeners: self.cfg.auto.listeners(),
        }
    }

    /// The consent state now.
    pub fn consent(&self) -> &ConsentState {
        &self.consent
    }

    /// The identity now.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The queue, for inspection.
    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    /// Properties of up to this many bytes surely make an event under the
    /// limit on the current page (its context with marketing, a long user
    /// id, and every fixed field counted at their largest).
    fn fits(&self) -> usize {
        let page = self.pages.peek(self.pages.current);
        let ctx = page.map_or(2048, |p| 3 * (p.url.len() + p.referrer.len() + p.utm.len()) + p.title.len() + 600)
            + self.env.user_agent.len()
            + self.env.locale.len()
            + self.env.timezone.len();
        self.cfg.batch.max_event_bytes.saturating_sub(ctx + self.identity.user_literal.len() + 700)
    }
}
