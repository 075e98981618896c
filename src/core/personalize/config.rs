//! The `slots` and `profile` parts of the config.

use crate::prelude::*;

use super::profile::{topic_name, Segment};
use super::rules::{Device, Rules, Visitor};
use super::slots::{SlotSettings, VariantSettings, DEFAULT_PRIOR};
use crate::core::config::ConfigError;
use crate::core::input::Input;

/// `profile: { halfLifeDays }`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileConfig {
    /// Days for a topic weight to halve. Default 14.
    pub half_life_days: f64,
}

impl Default for ProfileConfig {
    fn default() -> Self {
        ProfileConfig { half_life_days: 14.0 }
    }
}

fn field<'a>(fields: &'a [(String, Input)], key: &str) -> Option<&'a Input> {
    fields.iter().find(|(k, _)| k == key).map(|(_, v)| v).filter(|v| !v.is_nullish())
}

fn path(parts: &[&str]) -> String {
    parts.join(".")
}

/// Reads `profile`.
pub fn parse_profile(input: &Input) -> Result<ProfileConfig, ConfigError> {
    let Input::Object(fields) = input else { return Err(ConfigError::new("profile", "an object", input.type_name())) };
    let mut c = ProfileConfig::default();
    if let Some(v) = field(fields, "halfLifeDays") {
        match v {
            Input::Number(n) if *n >= 0.1 && *n <= 3650.0 => c.half_life_days = *n,
            other => return Err(ConfigError::new("profile.halfLifeDays", "a number of days from 0.1 to 3650", other.type_name())),
        }
    }
    Ok(c)
}

/// Reads `slots: { <slot>: { holdout, variants: { <id>: { prior, rules } } } }`.
pub fn parse_slots(input: &Input) -> Result<Vec<SlotSettings>, ConfigError> {
    let Input::Object(slots) = input else { return Err(ConfigError::new("slots", "an object", input.type_name())) };
    let mut out = Vec::new();
    for (name, slot) in slots {
        let Input::Object(fields) = slot else { return Err(ConfigError::new(&path(&["slots", name]), "an object", slot.type_name())) };
        let holdout = match field(fields, "holdout") {
            None => 0.0,
            Some(Input::Number(n)) if (0.0..=1.0).contains(n) => *n,
            Some(other) => return Err(ConfigError::new(&path(&["slots", name, "holdout"]), "a share from 0 to 1", other.type_name())),
        };
        let mut variants = Vec::new();
        match field(fields, "variants") {
            None => {}
            Some(Input::Object(vs)) => {
                for (id, v) in vs {
                    variants.push(parse_variant(name, id, v)?);
                }
            }
            Some(other) => return Err(ConfigError::new(&path(&["slots", name, "variants"]), "an object", other.type_name())),
        }
        out.push(SlotSettings { name: name.clone(), holdout, variants });
    }
    Ok(out)
}

fn parse_variant(slot: &str, id: &str, v: &Input) -> Result<VariantSettings, ConfigError> {
    let at = |k: &str| path(&["slots", slot, "variants", id, k]);
    let Input::Object(fields) = v else { return Err(ConfigError::new(&path(&["slots", slot, "variants", id]), "an object", v.type_name())) };
    let prior = match field(fields, "prior") {
        None => DEFAULT_PRIOR,
        Some(Input::Number(n)) if *n > 0.0 && *n < 1.0 => *n,
        Some(other) => return Err(ConfigError::new(&at("prior"), "a click rate between 0 and 1", other.type_name())),
    };
    let rules = match field(fields, "rules") {
        None => Rules::default(),
        Some(Input::Object(r)) => parse_rules(r, &at("rules"))?,
        Some(other) => return Err(ConfigError::new(&at("rules"), "an object", other.type_name())),
    };
    let tags = match field(fields, "tags") {
        None => Vec::new(),
        Some(t @ (Input::String(_) | Input::Array(_))) => one_or_many(t, &at("tags"), "topic names", topic_name)?,
        Some(other) => return Err(ConfigError::new(&at("tags"), "a string or an array of strings", other.type_name())),
    };
    Ok(VariantSettings { id: id.to_string(), prior, rules, tags })
}

/// Strings of a `'a'` or `['a', 'b']` value, each checked by `read`.
fn one_or_many<T>(v: &Input, at: &str, expected: &str, read: impl Fn(&str) -> Option<T>) -> Result<Vec<T>, ConfigError> {
    let items: Vec<&Input> = match v {
        Input::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    items
        .into_iter()
        .map(|i| i.as_str().and_then(&read).ok_or_else(|| ConfigError::new(at, expected, i.type_name())))
        .collect()
}

fn parse_rules(fields: &[(String, Input)], at: &str) -> Result<Rules, ConfigError> {
    let mut r = Rules::default();
    for (k, v) in fields {
        let here = path(&[at, k]);
        match k.as_str() {
            "segment" => r.segments = one_or_many(v, &here, "new, returning, engaged, loyal or dormant", Segment::parse)?,
            "device" => r.devices = one_or_many(v, &here, "mobile, tablet or desktop", Device::parse)?,
            "visitor" => {
                r.visitor = Some(match v.as_str() {
                    Some("new") => Visitor::New,
                    Some("returning") => Visitor::Returning,
                    _ => return Err(ConfigError::new(&here, "'new' or 'returning'", v.type_name())),
                })
            }
            "pathPrefix" | "utmSource" | "utmCampaign" => {
                let s = v.as_str().filter(|s| !s.is_empty()).ok_or_else(|| ConfigError::new(&here, "a non-empty string", v.type_name()))?;
                let slot = match k.as_str() {
                    "pathPrefix" => &mut r.path_prefix,
                    "utmSource" => &mut r.utm_source,
                    _ => &mut r.utm_campaign,
                };
                *slot = Some(s.to_string());
            }
            "minAffinity" => {
                let Input::Object(m) = v else { return Err(ConfigError::new(&here, "an object like { shoes: 0.3 }", v.type_name())) };
                for (topic, min) in m {
                    let name = topic_name(topic).ok_or_else(|| ConfigError::new(&here, "topic names of 1 to 40 characters", "an empty name"))?;
                    match min {
                        Input::Number(n) if (0.0..=1.0).contains(n) => r.min_affinity.push((name, *n)),
                        other => return Err(ConfigError::new(&path(&[&here, topic]), "a share from 0 to 1", other.type_name())),
                    }
                }
            }
            _ => return Err(ConfigError::new(&here, "a known rule (segment, minAffinity, pathPrefix, utmSource, utmCampaign, visitor, device)", "an unknown rule")),
        }
    }
    Ok(r)
}
