//! Slots: what the page's markup offers (`data-kz-slot`, `<template
//! data-kz-variant data-kz-tags>`) merged with what the config says about
//! each variant (prior, rules) and the slot (holdout).

use crate::prelude::*;

use super::hash::fnv1a32;
use super::rules::Rules;
use crate::engine::text::json::write_string;
use crate::engine::text::num::write_fixed;

/// Default prior click rate of a variant without one in the config.
pub const DEFAULT_PRIOR: f64 = 0.05;

/// Config of one variant (`slots.<slot>.variants.<id>`).
#[derive(Clone, Debug, PartialEq)]
pub struct VariantSettings {
    /// The variant id (its template's `data-kz-variant`).
    pub id: String,
    /// `prior`: the click rate the site measured for it. `None`: the
    /// learned one ([`Learned`]), else [`DEFAULT_PRIOR`].
    pub prior: Option<f64>,
    /// `rules`: who may see it.
    pub rules: Rules,
    /// `tags`: its topics, for slots an app renders itself (for slots in the
    /// page, the template's `data-kz-tags` say it).
    pub tags: Vec<String>,
}

/// The default exploration floor of a slot.
pub const DEFAULT_EXPLORE: f64 = 0.1;
/// Keep what was shown unless another variant is the better one with at
/// least 99% probability: a new visitor does not see the hero change
/// between pages on thin evidence, and a choice the profile has since
/// outgrown is still corrected (README, the simulation's table).
pub const DEFAULT_SWITCH_BELOW: f64 = 0.01;

/// Config of one slot (`slots.<slot>`).
#[derive(Clone, Debug, PartialEq)]
pub struct SlotSettings {
    /// The slot name (`data-kz-slot`).
    pub name: String,
    /// `holdout`: share of visitors who always see the default (default 0).
    pub holdout: f64,
    /// `explore`: share of choices made uniformly among the eligible
    /// variants (default 0.1), so no propensity falls below explore ÷ k.
    pub explore: f64,
    /// Settings of the variants it names.
    pub variants: Vec<VariantSettings>,
}

/// A variant as the page's markup offers it.
#[derive(Clone, Debug, PartialEq)]
pub struct MarkupVariant {
    /// `data-kz-variant`.
    pub id: String,
    /// `data-kz-tags`, normalized.
    pub tags: Vec<String>,
}

/// A variant ready for a decision.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    /// Its id.
    pub id: String,
    /// Its topics.
    pub tags: Vec<String>,
    /// Its prior click rate.
    pub prior: f64,
    /// The prior is what every visitor's views and clicks say ([`Learned`]).
    pub learned: bool,
    /// Its rules.
    pub rules: Rules,
}

/// Pseudo-views of the default prior that a variant's published counts
/// add to: a variant a handful of visitors saw stays near 5%, one seen
/// ten thousand times is believed at its measured rate.
pub const LEARNED_PSEUDO_VIEWS: f64 = 20.0;

/// What a collector's model says about one variant: its views and clicks
/// by every visitor (holdout apart), as a prior click rate.
#[derive(Clone, Debug, PartialEq)]
pub struct Learned {
    /// The slot.
    pub slot: String,
    /// The variant.
    pub variant: String,
    /// The click rate it starts from.
    pub prior: f64,
}

impl Learned {
    /// From published `views` and `clicks` (the counts behind the model's
    /// Beta posterior): the default prior with their evidence added.
    pub fn new(slot: String, variant: String, views: f64, clicks: f64) -> Learned {
        // Not `clamp`: its panic message would bring float formatting into the module (+3.9 KB).
        let views = views.max(0.0);
        let prior = (DEFAULT_PRIOR * LEARNED_PSEUDO_VIEWS + clicks.max(0.0).min(views)) / (LEARNED_PSEUDO_VIEWS + views);
        Learned { slot, variant, prior }
    }
}

/// A slot ready for a decision.
#[derive(Clone, Debug, PartialEq)]
pub struct Slot {
    /// Its name.
    pub name: String,
    /// Its holdout share.
    pub holdout: f64,
    /// Its exploration floor.
    pub explore: f64,
    /// A variant shown before is kept unless its chance of being the best
    /// falls under this ([`DEFAULT_SWITCH_BELOW`]; the simulation varies it).
    pub switch_below: f64,
    /// Its variants, in markup order.
    pub variants: Vec<Variant>,
    /// Hash of everything above: an assignment made under another hash is
    /// made again (the slot's config changed).
    pub config_hash: u32,
}

impl SlotSettings {
    /// The variants as markup would offer them: for `kz.decide()` on slots
    /// the app renders itself.
    pub fn as_markup(&self) -> Vec<MarkupVariant> {
        self.variants.iter().map(|v| MarkupVariant { id: v.id.clone(), tags: v.tags.clone() }).collect()
    }
}

impl Slot {
    /// The markup's variants with the config's settings (a variant only in
    /// the config cannot be shown, so it is left out); a variant without a
    /// `prior` of the site's starts from what the model `learned`.
    pub fn new(name: &str, markup: &[MarkupVariant], settings: Option<&SlotSettings>, learned: &[Learned]) -> Slot {
        let variants: Vec<Variant> = markup
            .iter()
            .map(|m| {
                let s = settings.and_then(|s| s.variants.iter().find(|v| v.id == m.id));
                let set = s.and_then(|s| s.prior);
                let model = learned.iter().find(|l| set.is_none() && l.slot == name && l.variant == m.id);
                Variant {
                    id: m.id.clone(),
                    tags: m.tags.clone(),
                    prior: set.or(model.map(|l| l.prior)).unwrap_or(DEFAULT_PRIOR),
                    learned: model.is_some(),
                    rules: s.map(|s| s.rules.clone()).unwrap_or_default(),
                }
            })
            .collect();
        let holdout = settings.map_or(0.0, |s| s.holdout);
        let explore = settings.map_or(DEFAULT_EXPLORE, |s| s.explore);
        let mut canonical = String::new();
        write_fixed(&mut canonical, holdout, 6);
        for v in &variants {
            canonical.push('|');
            write_string(&mut canonical, &v.id);
            for t in &v.tags {
                canonical.push(',');
                canonical.push_str(t);
            }
            canonical.push(';');
            // A learned prior moves with every rebuild of the model (and is
            // absent until the first one arrives): the hash has the site's
            // prior or the default, so a model never undoes the visitors'
            // kept assignments, and hashes made before models stay.
            write_fixed(&mut canonical, if v.learned { DEFAULT_PRIOR } else { v.prior }, 6);
            // The rules are part of the config too.
            canonical.push_str(&rules_key(&v.rules));
        }
        Slot {
            name: name.to_string(),
            holdout,
            explore,
            switch_below: DEFAULT_SWITCH_BELOW,
            variants,
            config_hash: fnv1a32(canonical.as_bytes()),
        }
    }
}

fn rules_key(r: &Rules) -> String {
    let mut s = String::new();
    for seg in &r.segments {
        s.push_str(seg.name());
        s.push(',');
    }
    for (t, m) in &r.min_affinity {
        s.push_str(t);
        s.push('>');
        write_fixed(&mut s, *m, 6);
        s.push(',');
    }
    for part in [&r.path_prefix, &r.utm_source, &r.utm_campaign] {
        s.push('|');
        s.push_str(part.as_deref().unwrap_or(""));
    }
    s.push_str(match r.visitor {
        Some(super::rules::Visitor::New) => "|new",
        Some(super::rules::Visitor::Returning) => "|returning",
        None => "|",
    });
    for d in &r.devices {
        s.push_str(d.name());
    }
    s
}
