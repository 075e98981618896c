//! The tracker's side of personalization: the profile (kept, learned and
//! stored only with `personalization` consent), decisions for slots, and
//! the exposure events that measure them.

use crate::prelude::*;

use super::Tracker;
use crate::core::consent::{Category, Choice};
use crate::core::input::Input;
use crate::core::json::Value;
use crate::core::personalize::decide::{decide, Decision, Reason};
use crate::core::personalize::profile::{topics_in, Profile, Signal, STORAGE_KEY};
use crate::core::personalize::rules::{Context, Device};
use crate::core::personalize::slots::{MarkupVariant, Slot};
use crate::core::platform::Level;

impl Tracker {
    fn personalizing(&self) -> bool {
        self.consent.get(Category::Personalization) == Choice::Granted
    }

    /// Reads the stored profile; one that cannot be read is discarded, with
    /// a warning.
    pub(super) fn load_profile(&mut self) {
        let Some(stored) = self.platform.store.get_json(STORAGE_KEY) else { return };
        match stored.map_err(|()| "it is not JSON").and_then(|v| Profile::from_value(&v)) {
            Ok(p) => self.profile = Some(p),
            Err(why) => {
                let mut msg = String::from("the stored profile was discarded because ");
                msg.push_str(why);
                self.log(Level::Warn, &msg);
                self.platform.store.remove(STORAGE_KEY);
            }
        }
    }

    /// The profile, made when personalization is granted and there is none.
    fn profile_mut(&mut self) -> Option<&mut Profile> {
        if !self.personalizing() {
            return None;
        }
        if self.profile.is_none() {
            let now = self.platform.clock.now_ms();
            self.profile = Some(Profile::new(&self.identity.anonymous_id, now));
        }
        self.profile.as_mut()
    }

    /// Notes that the profile changed; [`Tracker::persist_profile`] writes
    /// it (at most once a second, and when the page is hidden), so a burst
    /// of events does not rewrite localStorage for each one.
    pub(super) fn save_profile(&mut self) {
        if self.profile.is_some() {
            self.profile_dirty = true;
        }
    }

    /// Whether the profile has changes not yet written.
    pub fn profile_dirty(&self) -> bool {
        self.profile_dirty
    }

    /// Writes the profile if it changed and storage is allowed.
    pub fn persist_profile(&mut self) {
        if !self.profile_dirty {
            return;
        }
        self.profile_dirty = false;
        if !self.consent.may_store(Category::Personalization) {
            return;
        }
        if let Some(p) = &self.profile {
            let json = p.to_json();
            let _ = self.platform.store.set(STORAGE_KEY, &json);
        }
    }

    /// Deletes the profile (memory and storage): personalization denied, or
    /// `forget()`.
    pub(super) fn drop_profile(&mut self) {
        self.profile = None;
        self.profile_dirty = false;
        self.platform.store.remove(STORAGE_KEY);
    }

    /// Learns from an event the visitor's call made (its `category` / `tags`,
    /// and orders).
    pub(super) fn observe_event(&mut self, name: &str, properties: &Value) {
        let now = self.platform.clock.now_ms();
        let half_life = self.config.profile.half_life_days;
        if let Some(p) = self.profile_mut() {
            p.event(name, properties, now, half_life);
            self.save_profile();
        }
    }

    /// A page view on a page about `topics` (its `data-kz-topic`).
    pub fn observe_page(&mut self, topics: &str) {
        let now = self.platform.clock.now_ms();
        let half_life = self.config.profile.half_life_days;
        let topics = topics_in(&Value::from(topics));
        if let Some(p) = self.profile_mut() {
            p.page_view(&topics, now, half_life);
            self.save_profile();
        }
    }

    /// A click inside an element about `topics`.
    pub fn observe_click(&mut self, topics: &str) {
        let now = self.platform.clock.now_ms();
        let half_life = self.config.profile.half_life_days;
        let topics = topics_in(&Value::from(topics));
        if let Some(p) = self.profile_mut() {
            p.touch(now);
            p.add_topics(&topics, Signal::Click, now, half_life);
            self.save_profile();
        }
    }

    /// Decides what slot `name` shows, given the variants its markup offers.
    pub fn decide(&mut self, name: &str, markup: &[MarkupVariant]) -> Decision {
        if !self.personalizing() {
            return Decision::default_for(name, Reason::NoConsent, false, "personalization is not granted, so the default".into());
        }
        let settings = self.config.slots.iter().find(|s| s.name == name).cloned();
        let slot = Slot::new(name, markup, settings.as_ref());
        let now = self.platform.clock.now_ms();
        let page = self.page.clone();
        let width = self.env.screen_width;
        let utm = |k: &str| page.campaign.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let ctx = Context {
            now,
            path: &page.path,
            utm_source: utm("source"),
            utm_campaign: utm("name"),
            device: Device::from_width(width),
            half_life_days: self.config.profile.half_life_days,
        };
        if self.profile_mut().is_none() {
            return Decision::default_for(name, Reason::NoConsent, false, "personalization is not granted, so the default".into());
        }
        let Some(profile) = self.profile.as_mut() else { unreachable!() };
        let decision = decide(&slot, profile, &ctx, self.platform.random.as_mut());
        self.save_profile();
        if self.config.debug {
            let mut msg = String::from("slot '");
            msg.push_str(name);
            msg.push_str("': ");
            msg.push_str(&decision.explanation);
            self.log(Level::Debug, &msg);
        }
        decision
    }

    /// Records that `decision` was seen (viewable) or clicked: counted in
    /// the profile, and sent as `Slot Viewed` / `Slot Clicked`.
    pub fn exposure(&mut self, decision: &Decision, clicked: bool) -> bool {
        if let (Some(v), Some(p)) = (&decision.variant, self.profile_mut()) {
            p.count(&decision.slot, v, clicked);
            self.save_profile();
        }
        let props = Input::Object(vec![
            ("slot".into(), Input::String(decision.slot.clone())),
            ("variant".into(), Input::String(decision.variant.clone().unwrap_or_else(|| "default".into()))),
            ("holdout".into(), Input::Bool(decision.holdout)),
            ("reason".into(), Input::String(decision.reason.code().into())),
            ("propensity".into(), Input::Number(decision.propensity)),
        ]);
        let name = if clicked { "Slot Clicked" } else { "Slot Viewed" };
        self.track(Input::String(name.into()), props, Input::Undefined)
    }

    /// What `kz.profile()` shows (`null` without a profile).
    pub fn profile_value(&self) -> Value {
        let now = self.platform.clock.now_ms();
        self.profile.as_ref().map_or(Value::Null, |p| p.to_value(now, self.config.profile.half_life_days))
    }

    /// `forget()`: the profile and the ids go (the consent record stays);
    /// the visitor starts anew.
    pub fn forget(&mut self) {
        self.drop_profile();
        crate::core::identity::Identity::erase(self.platform.store.as_mut());
        self.identity.reset(self.platform.random.as_mut());
        self.save_identity();
        if self.config.debug {
            self.log(Level::Debug, "forget(): profile and ids deleted");
        }
    }
}
