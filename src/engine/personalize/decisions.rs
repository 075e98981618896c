//! This page view's slot decisions: each slot decided in the page's
//! context (late and pre-painted variants kept as shown), announced to the
//! edge, and its views and clicks counted and reported as exposures.

use crate::prelude::*;

use super::decide::{decide, Decision, Reason};
use super::rules::{Context, Device};
use super::slots::{MarkupVariant, Slot};
use super::Personalizer;
use crate::engine::text::cat;
use crate::engine::text::json::{quoted, write_string};
use crate::engine::text::num::write_fixed;

impl Personalizer {
    /// Decides slot `name` with the variants its markup offers; `late`: the
    /// page already showed the default (Kizuna came after the 300 ms hold),
    /// which then stays for this page view, the choice kept for the next;
    /// `painted`: the variant the pre-paint script already rendered, which
    /// likewise stays for this page view when the choice switches.
    pub(super) fn decide_slot(&mut self, name: &str, markup: &[MarkupVariant], late: bool, painted: Option<String>) -> Decision {
        let settings = self.cfg.slots.iter().find(|s| s.name == name).cloned();
        let slot = Slot::new(name, markup, settings.as_ref(), &self.learned);
        let page = self.page.clone();
        // This page's topics until its page view is in the profile, and the
        // campaign's or search's words that name one of this slot's topics.
        let mut page_topics = if page.folded { Vec::new() } else { page.topics.clone() };
        for w in &page.words {
            if !page_topics.contains(w) && slot.variants.iter().any(|v| v.tags.contains(w)) {
                page_topics.push(w.clone());
            }
        }
        let ctx = Context {
            now: self.now,
            path: &page.path,
            utm_source: page.utm_source.as_deref(),
            utm_campaign: page.utm_campaign.as_deref(),
            device: Device::from_width(self.width),
            half_life_days: self.cfg.profile.half_life_days,
            page_topics: &page_topics,
        };
        // Read before deciding: a switch overwrites the kept assignment.
        let kept = self.profile.as_ref().and_then(|p| p.assignment(name)).map(|a| a.propensity);
        let mut rng = self.rng.clone();
        let d = match self.profile_mut() {
            None => Decision::default_for(name, Reason::NoConsent, false, "personalization is not granted, so the default".into()),
            Some(p) => decide(&slot, p, &ctx, &mut rng),
        };
        self.rng = rng;
        let d = if late && d.variant.is_some() {
            let why = cat(&["Kizuna loaded after the page showed the default; kept for the next page: ", &d.explanation]);
            Decision { variant: None, reason: Reason::Late, propensity: 1.0, explanation: why, topic: None, ..d }
        } else {
            match painted {
                Some(v) if d.variant.as_deref() != Some(v.as_str()) && d.reason == Reason::Thompson && markup.iter().any(|m| m.id == v) => {
                    let why = cat(&["'", &v, "' was already shown on this page and stays until the next one: ", &d.explanation]);
                    Decision {
                        variant: Some(v),
                        reason: Reason::Late,
                        propensity: kept.unwrap_or(d.propensity),
                        explanation: why,
                        topic: None,
                        ..d
                    }
                }
                _ => d,
            }
        };
        if self.cfg.debug {
            let msg = cat(&["slot '", name, "': ", &d.explanation]);
            self.log("d", &msg);
        }
        self.decisions.retain(|x| x.slot != name);
        self.decisions.push(d.clone());
        d
    }

    /// Writes a decision for the edge (render it, tell `onDecision`).
    pub(super) fn announce(&mut self, d: &Decision) {
        let variant = d.variant.as_deref().map_or_else(|| "null".into(), quoted);
        let mut json = String::from("{\"slot\":");
        let o = &mut json;
        write_string(o, &d.slot);
        o.push_str(",\"variant\":");
        match &d.variant {
            Some(v) => write_string(o, v),
            None => o.push_str("null"),
        }
        o.push_str(",\"reason\":\"");
        o.push_str(d.reason.code());
        o.push_str("\",\"propensity\":");
        write_fixed(o, d.propensity, 6);
        o.push_str(if d.holdout { ",\"holdout\":true" } else { ",\"holdout\":false" });
        o.push_str(",\"explanation\":");
        write_string(o, &d.explanation);
        if let Some(t) = &d.topic {
            o.push_str(",\"topic\":");
            write_string(o, t);
        }
        o.push('}');
        self.out.record(b'R', &[&quoted(&d.slot), &variant, &json]);
    }

    /// The slot was seen (half of it for a second) or clicked: counted in
    /// the profile, and an exposure event for the tracker.
    pub(super) fn exposure(&mut self, name: &str, clicked: bool) {
        let Some(d) = self.decisions.iter().find(|d| d.slot == name).cloned() else { return };
        if let (Some(v), Some(p)) = (&d.variant, self.profile_mut()) {
            p.count(&d.slot, v, clicked);
        }
        let mut props = String::from("{\"slot\":");
        let o = &mut props;
        write_string(o, &d.slot);
        o.push_str(",\"variant\":");
        write_string(o, d.variant.as_deref().unwrap_or("default"));
        o.push_str(if d.holdout { ",\"holdout\":true" } else { ",\"holdout\":false" });
        o.push_str(",\"reason\":\"");
        o.push_str(d.reason.code());
        o.push_str("\",\"propensity\":");
        write_fixed(o, d.propensity, 6);
        o.push('}');
        self.out.record(b'T', &[if clicked { "\"Slot Clicked\"" } else { "\"Slot Viewed\"" }, &props]);
    }
}
