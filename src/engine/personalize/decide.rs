//! The decision for one slot, in the order the spec gives:
//!
//! 1. holdout: the visitor's hash bucket (see [`super::hash`]) below the
//!    slot's holdout share → the default, always;
//! 2. eligibility: each variant's rules filter it;
//! 3. stickiness: an assignment made under the same slot config is kept
//!    while its variant is still eligible, until the profile holds
//!    [`CONFIDENT_EVIDENCE`] and the kept variant's chance of being the best
//!    falls under 1% (then the choice switches);
//! 4. choice: Thompson sampling over the eligible variants (see
//!    [`super::bandit`]), with the choice's propensity.

use crate::prelude::*;

use super::bandit::{choose, win_probabilities, Arm};
use super::hash::in_holdout;
use super::profile::{Assignment, Profile};
use super::rules::Context;
use super::slots::Slot;
use crate::engine::text::num::{round, write_fixed, write_i64};
use crate::engine::text::rng::Rng;
use crate::engine::text::{cat, join};

/// Topic signals (decayed weight) a profile needs before its decisions stick.
pub const CONFIDENT_EVIDENCE: f64 = 5.0;

/// Why a slot shows what it shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// `personalization` is not granted: the default.
    NoConsent,
    /// The visitor is in the slot's holdout: the default.
    Holdout,
    /// No variant's rules allow it: the default.
    NoEligible,
    /// Only one variant is eligible.
    OnlyEligible,
    /// The visitor's earlier assignment, kept.
    Sticky,
    /// Chosen now by Thompson sampling.
    Thompson,
    /// Decided after the pre-paint script had already shown the default
    /// (Kizuna loaded more than 300 ms late): the default stays for this
    /// page view, the decision is kept for the next.
    Late,
}

impl Reason {
    /// The code sent with exposure events.
    pub fn code(self) -> &'static str {
        match self {
            Reason::NoConsent => "no-consent",
            Reason::Holdout => "holdout",
            Reason::NoEligible => "no-eligible-variant",
            Reason::OnlyEligible => "only-eligible",
            Reason::Sticky => "sticky",
            Reason::Thompson => "thompson",
            Reason::Late => "late",
        }
    }
}

/// A slot's decision.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The slot.
    pub slot: String,
    /// The variant to show; `None` for the default content.
    pub variant: Option<String>,
    /// Whether the visitor is in the slot's holdout.
    pub holdout: bool,
    /// Why.
    pub reason: Reason,
    /// The probability of this outcome under the policy (1 when it was
    /// certain: holdout, default, single variant).
    pub propensity: f64,
    /// A sentence a developer can read (`kz.explain()`).
    pub explanation: String,
    /// The visitor's interest the variant is about, if any: what the edge
    /// tells the visitor ("Because you looked at outerwear").
    pub topic: Option<String>,
}

impl Decision {
    /// The default content, for `reason`.
    pub fn default_for(slot: &str, reason: Reason, holdout: bool, explanation: String) -> Decision {
        Decision { slot: slot.to_string(), variant: None, holdout, reason, propensity: 1.0, explanation, topic: None }
    }
}

/// Of `tags`, the one the visitor is most interested in (none when the
/// visitor shows no interest in any).
fn top_topic(tags: &[String], affinities: &[(String, f64)]) -> Option<String> {
    let mut best: Option<(&String, f64)> = None;
    for t in tags {
        let a = affinities.iter().find(|(n, _)| n == t).map_or(0.0, |(_, a)| *a);
        if a > 0.0 && best.is_none_or(|(_, b)| a > b) {
            best = Some((t, a));
        }
    }
    best.map(|(t, _)| t.clone())
}

fn percent(out: &mut String, share: f64) {
    write_i64(out, round(share * 100.0) as i64);
    out.push('%');
}

/// Decides `slot` for the visitor of `profile`, keeping the assignment in it.
pub fn decide(slot: &Slot, profile: &mut Profile, ctx: &Context, rng: &mut Rng) -> Decision {
    if slot.holdout > 0.0 && in_holdout(&slot.name, &profile.vid, slot.holdout) {
        let mut why = String::from("in the holdout (");
        percent(&mut why, slot.holdout);
        why.push_str(" of visitors always see the default, to measure lift)");
        // Kept too, so a page that renders before Kizuna loads knows to
        // show the default at once.
        profile.assign(&slot.name, Assignment { variant: None, config: slot.config_hash, propensity: 1.0 });
        return Decision::default_for(&slot.name, Reason::Holdout, true, why);
    }
    let mut eligible = Vec::new();
    let mut refusals = Vec::new();
    for v in &slot.variants {
        match v.rules.check(profile, ctx) {
            Ok(()) => eligible.push(v),
            Err(why) => refusals.push(cat(&[v.id.as_str(), ": ", why.as_str()])),
        }
    }
    if eligible.is_empty() {
        let mut why = String::from("no variant is eligible, so the default");
        if !refusals.is_empty() {
            why.push_str(" (");
            why.push_str(&join(&refusals, "; "));
            why.push(')');
        }
        return Decision::default_for(&slot.name, Reason::NoEligible, false, why);
    }
    // With this page counted (see `Context::page_topics`).
    let affinities = profile.affinities_with(ctx.page_topics, ctx.now, ctx.half_life_days);
    // How much of the variant is about what the visitor likes: the mean
    // interest over its topics (a variant half about a topic the visitor
    // ignores is half as relevant).
    let matched = |tags: &[String]| -> f64 {
        if tags.is_empty() {
            return 0.0;
        }
        tags.iter().map(|t| affinities.iter().find(|(n, _)| n == t).map_or(0.0, |(_, a)| *a)).sum::<f64>() / tags.len() as f64
    };
    let evidence = profile.evidence(ctx.now, ctx.half_life_days) + ctx.page_topics.len() as f64;
    let arms: Vec<Arm> = eligible
        .iter()
        .map(|v| {
            let (views, clicks) = profile.outcome(&slot.name, &v.id);
            Arm::new(v.prior, matched(&v.tags), evidence, views, clicks)
        })
        .collect();
    let wins = win_probabilities(&arms);
    // What was shown stays, unless another variant is now clearly the
    // better one (its chance of being the best under 1%): no visible
    // flips on thin evidence, and no lock-in once the profile knows more.
    let mut switched = None;
    if let Some(a) = profile.assignment(&slot.name) {
        let kept = a.variant.as_ref().and_then(|id| eligible.iter().position(|v| &v.id == id));
        if let (Some(k), true) = (kept, a.config == slot.config_hash) {
            let win = wins.get(k).copied().unwrap_or(0.0);
            // Until the profile holds 5 units of topic evidence, no
            // reading of it is strong enough to change what the visitor saw.
            if win >= slot.switch_below || evidence < CONFIDENT_EVIDENCE {
                let variant = a.variant.clone();
                let propensity = a.propensity;
                let mut why = String::from("kept from an earlier page: '");
                why.push_str(variant.as_deref().unwrap_or(""));
                why.push_str("' (chosen with ");
                percent(&mut why, propensity);
                why.push_str(" probability; still the best with ");
                percent(&mut why, win);
                why.push_str(" probability)");
                let topic = eligible.get(k).and_then(|v| top_topic(&v.tags, &affinities));
                return Decision {
                    slot: slot.name.clone(),
                    variant,
                    holdout: false,
                    reason: Reason::Sticky,
                    propensity,
                    explanation: why,
                    topic,
                };
            }
            switched = a.variant.clone();
        }
    }
    let mut explored = false;
    let (index, propensity, reason) = if arms.len() == 1 {
        (0, 1.0, Reason::OnlyEligible)
    } else {
        // With the slot's floor, a uniform choice; else Thompson sampling.
        // The propensity is the whole policy's, so every logged one is at
        // least explore ÷ k and off-policy estimates stay usable.
        let k = arms.len();
        explored = rng.unit() < slot.explore;
        let i = if explored { ((rng.unit() * k as f64) as usize).min(k - 1) } else { choose(&arms, rng) };
        let win = wins.get(i).copied().unwrap_or(0.0);
        (i, slot.explore / k as f64 + (1.0 - slot.explore) * win, Reason::Thompson)
    };
    let chosen = eligible[index];
    let m = matched(&chosen.tags);
    let mut why = String::new();
    if let Some(old) = &switched {
        why.push_str("switched from '");
        why.push_str(old);
        why.push_str("', now clearly not the best for this visitor; ");
    }
    if reason == Reason::OnlyEligible {
        why.push_str("the only eligible variant: '");
        why.push_str(&chosen.id);
        why.push('\'');
    } else {
        why.push_str("chose '");
        why.push_str(&chosen.id);
        why.push_str(if explored { "' to explore (uniformly) among " } else { "' by Thompson sampling among " });
        write_i64(&mut why, arms.len() as i64);
        why.push_str(" eligible variants (");
        percent(&mut why, propensity);
        why.push_str(" probability)");
    }
    why.push_str(": its topics ");
    why.push_str(if chosen.tags.is_empty() { "(none)" } else { "" });
    why.push_str(&join(&chosen.tags, ", "));
    why.push_str(" match ");
    percent(&mut why, m);
    why.push_str(" of the visitor's interest; prior click rate ");
    write_fixed(&mut why, chosen.prior * 100.0, 1);
    why.push_str(if chosen.learned { "% (learned from every visitor)" } else { "%" });
    // Kept, explored or not: a pick the profile outgrows is switched away
    // from (above), so none is locked in.
    profile.assign(&slot.name, Assignment { variant: Some(chosen.id.clone()), config: slot.config_hash, propensity });
    let topic = top_topic(&chosen.tags, &affinities);
    Decision { slot: slot.name.clone(), variant: Some(chosen.id.clone()), holdout: false, reason, propensity, explanation: why, topic }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::personalize::rules::{Device, Rules};
    use crate::engine::personalize::slots::{MarkupVariant, SlotSettings, VariantSettings};

    #[test]
    fn the_exploration_floor_bounds_every_logged_propensity_and_matches_the_choices() {
        let variant =
            |id: &str, prior: f64| VariantSettings { id: id.into(), prior: Some(prior), rules: Rules::default(), tags: Vec::new() };
        let settings = SlotSettings {
            name: "hero".into(),
            holdout: 0.0,
            explore: 0.1,
            variants: vec![variant("default", 0.01), variant("a", 0.3), variant("b", 0.02)],
        };
        let markup: Vec<MarkupVariant> = settings.as_markup();
        let slot = Slot::new("hero", &markup, Some(&settings), &[]);
        let ctx = Context {
            now: 1.0e12,
            path: "/",
            utm_source: None,
            utm_campaign: None,
            device: Device::Desktop,
            half_life_days: 14.0,
            page_topics: &[],
        };
        let mut rng = Rng::new(7, 9);
        let mut chosen = [0usize; 3];
        let mut props = [0.0f64; 3];
        let n = 20_000;
        for i in 0..n {
            let mut profile = Profile::new(&format!("v{i}"), ctx.now);
            let d = decide(&slot, &mut profile, &ctx, &mut rng);
            let k = ["default", "a", "b"].iter().position(|v| Some(*v) == d.variant.as_deref()).unwrap();
            assert!(d.propensity >= 0.1 / 3.0 - 1e-12, "propensity {} under the floor", d.propensity);
            chosen[k] += 1;
            props[k] = d.propensity;
        }
        for k in 0..3 {
            let share = chosen[k] as f64 / n as f64;
            assert!((share - props[k]).abs() < 0.015, "variant {k}: chosen {share}, logged {}", props[k]);
        }
    }

    #[test]
    fn what_was_shown_stays_until_another_variant_is_clearly_better() {
        let variant = |id: &str, tag: &str| VariantSettings { id: id.into(), prior: None, rules: Rules::default(), tags: vec![tag.into()] };
        // Even interest at first: either pick, kept like any other.
        let settings = SlotSettings {
            name: "hero".into(),
            holdout: 0.0,
            explore: 0.0,
            variants: vec![variant("shoes", "shoes"), variant("outerwear", "outerwear")],
        };
        let slot = Slot::new("hero", &settings.as_markup(), Some(&settings), &[]);
        let ctx = Context {
            now: 1.0e12,
            path: "/",
            utm_source: None,
            utm_campaign: None,
            device: Device::Desktop,
            half_life_days: 14.0,
            page_topics: &[],
        };
        let mut flips_on_thin_evidence = 0;
        let mut locked_in = 0;
        for seed in 0..200u64 {
            let mut rng = Rng::new(seed, 5);
            let mut profile = Profile::new("v", ctx.now);
            profile.page_view(&["shoes".to_string()], ctx.now, 14.0);
            profile.page_view(&["outerwear".to_string()], ctx.now, 14.0);
            let first = decide(&slot, &mut profile, &ctx, &mut rng).variant;
            // One more page each way: thin evidence, no flip.
            profile.page_view(&["outerwear".to_string()], ctx.now, 14.0);
            let d = decide(&slot, &mut profile, &ctx, &mut rng);
            if d.variant != first {
                flips_on_thin_evidence += 1;
            } else {
                assert_eq!(d.reason, Reason::Sticky);
            }
            // An outerwear reader: a kept 'shoes' is switched away from.
            for _ in 0..12 {
                profile.page_view(&["outerwear".to_string()], ctx.now, 14.0);
            }
            if decide(&slot, &mut profile, &ctx, &mut rng).variant.as_deref() != Some("outerwear") {
                locked_in += 1;
            }
        }
        assert_eq!(flips_on_thin_evidence, 0);
        assert_eq!(locked_in, 0, "kept a variant the profile outgrew");
    }
}
