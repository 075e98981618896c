//! The personalization config as the edge validated it (`js/edge/personal.js`
//! by the one config schema): a `P` record with its single fields, then a
//! record for each topic, slot, variant, tag, minimum affinity and journey
//! (their layouts are in `src/engine/protocol.json`). The engine reads
//! numbers, flags and names, never the site's object.

use crate::prelude::*;

use super::journeys::{Journey, Trigger};
use super::profile::Segment;
use super::rules::{Device, Rules, Visitor};
use super::slots::{SlotSettings, VariantSettings};
use crate::engine::io::Rec;

/// `profile: { halfLifeDays, sensitive }`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileConfig {
    /// Days for a topic weight to halve. Default 14.
    pub half_life_days: f64,
    /// Topics the profile never learns nor uses (health, religion… as the
    /// site defines them). Default none.
    pub sensitive: Vec<String>,
}

impl Default for ProfileConfig {
    fn default() -> Self {
        ProfileConfig { half_life_days: 14.0, sensitive: Vec::new() }
    }
}

/// What personalization reads of the config.
#[derive(Clone, Debug, PartialEq)]
pub struct PersonalizeConfig {
    /// `slots`.
    pub slots: Vec<SlotSettings>,
    /// `profile`.
    pub profile: ProfileConfig,
    /// `debug`.
    pub debug: bool,
    /// `journeys` (read by the engage build only).
    pub journeys: Vec<Journey>,
    /// `journeyCaps.perSession`: journeys shown a session, all together. Default 2.
    pub journeys_per_session: u32,
    /// `insights` (the engage build only): audience reports with local
    /// differential privacy; `None`: off.
    pub insights: Option<super::insights::InsightsConfig>,
}

impl Default for PersonalizeConfig {
    fn default() -> Self {
        PersonalizeConfig {
            slots: Vec::new(),
            profile: ProfileConfig::default(),
            debug: false,
            journeys: Vec::new(),
            journeys_per_session: 2,
            insights: None,
        }
    }
}

// The schema's values of the enums that cross as indexes, in its order.
const SEGMENTS: [Segment; 5] = [Segment::New, Segment::Returning, Segment::Engaged, Segment::Loyal, Segment::Dormant];
const DEVICES: [Device; 3] = [Device::Mobile, Device::Tablet, Device::Desktop];
const TRIGGERS: [Trigger; 6] =
    [Trigger::CartAbandoned, Trigger::DormantReturn, Trigger::FirstPurchase, Trigger::Order, Trigger::NthSession, Trigger::ExitIntent];

/// The values of `all` whose bits `mask` sets.
fn of_mask<T: Copy>(all: &[T], mask: u32) -> Vec<T> {
    all.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, v)| *v).collect()
}

/// Text, `None` when empty (the edge's unset).
fn text(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.into())
}

impl PersonalizeConfig {
    /// Whether `kind` is one of a config's records after its `P`.
    pub fn is_part(kind: u8) -> bool {
        matches!(kind, b'H' | b'I' | b'Y' | b'Z' | b't' | b'f' | b'J')
    }

    /// A config from its `P` record.
    pub fn from_p(r: &mut Rec<'_>) -> PersonalizeConfig {
        let half_life_days = r.n();
        let debug = r.flag();
        let journeys_per_session = r.u();
        let on = r.flag();
        let (epsilon, every_days) = (r.n(), r.n());
        PersonalizeConfig {
            profile: ProfileConfig { half_life_days, sensitive: Vec::new() },
            debug,
            journeys_per_session,
            insights: on.then(|| super::insights::InsightsConfig { epsilon, every_days, topics: Vec::new() }),
            ..Default::default()
        }
    }

    /// Reads one of the records after `P` (see [`Self::is_part`]) into it;
    /// a tag or a rule before any variant has nothing to join and is left out.
    pub fn read(&mut self, r: &mut Rec<'_>) {
        let variant = self.slots.last_mut().and_then(|s| s.variants.last_mut());
        match (r.kind, variant) {
            (b'H', _) => self.profile.sensitive.push(r.s().into()),
            (b'I', _) => {
                if let Some(i) = &mut self.insights {
                    i.topics.push(r.s().into())
                }
            }
            (b'Y', _) => {
                let name = r.s().into();
                let (holdout, explore) = (r.n(), r.n());
                self.slots.push(SlotSettings { name, holdout, explore, variants: Vec::new() });
            }
            (b'Z', _) => self.variant(r),
            (b't', Some(v)) => v.tags.push(r.s().into()),
            (b'f', Some(v)) => v.rules.min_affinity.push((r.s().into(), r.n())),
            (b'J', _) => self.journey(r),
            _ => {}
        }
    }

    fn variant(&mut self, r: &mut Rec<'_>) {
        let id = r.s().into();
        let prior = Some(r.n()).filter(|p| *p > 0.0 && *p < 1.0);
        let (segments, devices) = (of_mask(&SEGMENTS, r.u()), of_mask(&DEVICES, r.u()));
        let visitor = [None, Some(Visitor::New), Some(Visitor::Returning)].get(r.u() as usize).copied().flatten();
        let rules = Rules {
            segments,
            devices,
            visitor,
            path_prefix: text(r.s()),
            utm_source: text(r.s()),
            utm_campaign: text(r.s()),
            min_affinity: Vec::new(),
        };
        if let Some(slot) = self.slots.last_mut() {
            slot.variants.push(VariantSettings { id, prior, rules, tags: Vec::new() });
        }
    }

    fn journey(&mut self, r: &mut Rec<'_>) {
        let name = r.s().into();
        let Some(&on) = (r.u() as usize).checked_sub(1).and_then(|i| TRIGGERS.get(i)) else { return };
        self.journeys.push(Journey {
            name,
            on,
            message: r.s().into(),
            link: text(r.s()),
            survey: r.flag(),
            window_minutes: r.n(),
            dormant_days: r.n(),
            sessions: r.u(),
            per_session: r.u(),
            per_visitor: r.u(),
            every_days: r.n(),
            quiet_days: r.n(),
        });
    }

    /// The config of `records`: the first `P` and the parts after it (the
    /// defaults without one).
    pub fn of<'a>(records: impl IntoIterator<Item = Rec<'a>>) -> PersonalizeConfig {
        let mut c = None::<PersonalizeConfig>;
        for mut r in records {
            match (&mut c, r.kind) {
                (None, b'P') => c = Some(Self::from_p(&mut r)),
                (Some(c), k) if Self::is_part(k) => c.read(&mut r),
                _ => {}
            }
        }
        c.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::protocol::{records, Writer};

    #[test]
    fn reads_slots_variants_rules_the_profile_and_journeys() {
        let mut w = Writer::default();
        w.begin(b'P').num(7.0).num(1.0).num(3.0).num(1.0).num(1.5).num(14.0).end();
        w.begin(b'H').field("health").end();
        w.begin(b'I').field("shoes").end();
        // A tag before any variant has nothing to join.
        w.begin(b't').field("stray").end();
        w.begin(b'Y').field("hero").num(0.1).num(0.2).end();
        w.begin(b'Z').field("shoes").num(0.08).num(0.0).num(0.0).num(0.0).field("").field("").field("").end();
        w.begin(b't').field("shoes").end();
        w.begin(b'Z').field("loyal").num(0.0).num(24.0).num(1.0).num(2.0).field("/p").field("").field("spring").end();
        w.begin(b'f').field("shoes").num(0.3).end();
        w.begin(b'J').field("thanks").num(4.0).field("Thanks!").field("/cart").num(0.0);
        for n in [30.0, 30.0, 3.0, 1.0, 3.0, 1.0, 14.0] {
            w.num(n);
        }
        w.end();
        let bytes = w.take();
        let c = PersonalizeConfig::of(records(&bytes));
        assert_eq!((c.profile.half_life_days, c.debug, c.journeys_per_session), (7.0, true, 3));
        assert_eq!(c.profile.sensitive, ["health"]);
        let i = c.insights.as_ref().unwrap();
        assert_eq!((i.epsilon, i.every_days, i.topics.as_slice()), (1.5, 14.0, ["shoes".to_string()].as_slice()));
        let hero = &c.slots[0];
        assert_eq!((hero.name.as_str(), hero.holdout, hero.explore), ("hero", 0.1, 0.2));
        assert_eq!((hero.variants[0].prior, hero.variants[0].tags.as_slice()), (Some(0.08), ["shoes".to_string()].as_slice()));
        let r = &hero.variants[1].rules;
        assert_eq!(hero.variants[1].prior, None);
        assert_eq!(r.segments, [Segment::Loyal, Segment::Dormant]);
        assert_eq!(r.min_affinity, [("shoes".to_string(), 0.3)]);
        assert_eq!(
            (r.devices.as_slice(), r.visitor, r.path_prefix.as_deref(), r.utm_source.as_deref(), r.utm_campaign.as_deref()),
            ([Device::Mobile].as_slice(), Some(Visitor::Returning), Some("/p"), None, Some("spring"))
        );
        let j = &c.journeys[0];
        assert_eq!(
            (j.on, j.message.as_str(), j.link.as_deref(), j.survey, j.sessions),
            (Trigger::Order, "Thanks!", Some("/cart"), false, 3)
        );
    }

    #[test]
    fn no_config_is_the_defaults_and_a_journey_without_a_trigger_is_left_out() {
        assert_eq!(PersonalizeConfig::of(records(&[])), PersonalizeConfig::default());
        let mut w = Writer::default();
        w.begin(b'P').num(14.0).num(0.0).num(2.0).num(0.0).num(2.0).num(7.0).end();
        w.begin(b'I').field("ignored: insights are off").end();
        w.begin(b'J').field("j").num(0.0).field("m").end();
        w.begin(b'J').field("k").num(7.0).field("m").end();
        let bytes = w.take();
        assert_eq!(PersonalizeConfig::of(records(&bytes)), PersonalizeConfig::default());
    }
}
