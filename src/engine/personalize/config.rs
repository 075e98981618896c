//! The `slots` and `profile` parts of the config, read with the same
//! convention as the rest ([`crate::engine::config::Section`]): a wrong
//! value is an error naming the field, an unknown key a warning.

use crate::prelude::*;

use super::profile::{topic_name, Segment};
use super::rules::{Device, Rules, Visitor};
use super::slots::{SlotSettings, VariantSettings};
use crate::engine::config::{ConfigError, Section};
use crate::engine::text::cat;
use crate::engine::text::json::{self, Kind};

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
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PersonalizeConfig {
    /// `slots`.
    pub slots: Vec<SlotSettings>,
    /// `profile`.
    pub profile: ProfileConfig,
    /// `debug`.
    pub debug: bool,
    /// `journeys` (read by the engage build only).
    pub journeys: Vec<super::journeys::Journey>,
    /// `journeyCaps.perSession`: journeys shown a session, all together. Default 2.
    pub journeys_per_session: u32,
    /// `insights` (the engage build only): audience reports with local
    /// differential privacy; `None`: off.
    pub insights: Option<super::insights::InsightsConfig>,
    /// `model`: the learned model's URL, which the edge fetches
    /// (www/schemas/dev.kizuna/model/jsonschema/1-0-0).
    pub model: Option<String>,
}

const SLOT_KEYS: &[&str] = &["holdout", "explore", "variants"];
const VARIANT_KEYS: &[&str] = &["prior", "rules", "tags"];
const RULE_KEYS: &[&str] = &["segment", "minAffinity", "pathPrefix", "utmSource", "utmCampaign", "visitor", "device"];

/// Reads `slots` and `profile` (and `debug`) of the described config;
/// warnings about what it ignored go to `warnings`.
pub fn parse(text: &str, warnings: &mut Vec<String>) -> Result<PersonalizeConfig, ConfigError> {
    // The tracker checks the top level; here only these sections count.
    let mut quiet = Vec::new();
    let top = Section::open(text, "", &["slots", "profile", "debug", "journeys", "journeyCaps", "insights", "model"], &mut quiet)?;
    let mut c = PersonalizeConfig {
        debug: json::field(text, "debug").and_then(json::boolean).unwrap_or(false),
        journeys_per_session: 2,
        ..Default::default()
    };
    // The learned model's URL (the edge fetches it; the tracker knows the key).
    if let Some(v) = top.get("model") {
        let url = json::string(v).filter(|s| s.len() <= 2000 && safe_link(s));
        c.model = Some(url.ok_or_else(|| top.error("model", "a collector's model URL: a path on this site ('/…') or an http(s) URL", v))?);
    }
    #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
    journeys(&top, &mut c, warnings)?;
    if let Some(p) = top.get("profile") {
        let p = Section::open(p, "profile", &["halfLifeDays", "sensitive"], warnings)?;
        c.profile.half_life_days = p.number("halfLifeDays", 0.1, 3650.0, false, 14.0)?;
        if let Some(v) = p.get("sensitive") {
            c.profile.sensitive = one_or_many(&p, "sensitive", v, "topic names", topic_name)?;
        }
    }
    if let Some(slots) = top.get("slots") {
        let slots = Section::open(slots, "slots", &[], &mut quiet)?;
        for (k, v) in json::members(slots.text) {
            let name = json::string(k).unwrap_or_default();
            let slot = Section::open(v, &slots.path(&name), SLOT_KEYS, warnings)?;
            let holdout = slot.number("holdout", 0.0, 1.0, false, 0.0)?;
            let explore = slot.number("explore", 0.0, 1.0, false, super::slots::DEFAULT_EXPLORE)?;
            let mut variants = Vec::new();
            if let Some(vs) = slot.get("variants") {
                let vs = Section::open(vs, &slot.path("variants"), &[], &mut quiet)?;
                for (k, v) in json::members(vs.text) {
                    let id = json::string(k).unwrap_or_default();
                    variants.push(variant(v, &vs.path(&id), id, warnings)?);
                }
            }
            c.slots.push(SlotSettings { name, holdout, explore, variants });
        }
    }
    Ok(c)
}

#[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
const JOURNEY_KEYS: &[&str] =
    &["on", "message", "link", "survey", "windowMinutes", "dormantDays", "sessions", "perSession", "perVisitor", "everyDays", "quietDays"];

/// `journeys`, `journeyCaps` and `insights`: what only the engage build reads.
#[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
fn journeys(top: &Section, c: &mut PersonalizeConfig, warnings: &mut Vec<String>) -> Result<(), ConfigError> {
    use super::journeys::{Journey, Trigger};
    if let Some(caps) = top.get("journeyCaps") {
        let caps = Section::open(caps, "journeyCaps", &["perSession"], warnings)?;
        c.journeys_per_session = caps.number("perSession", 0.0, 100.0, true, 2.0)? as u32;
    }
    if let Some(i) = top.get("insights") {
        let i = Section::open(i, "insights", &["epsilon", "everyDays", "topics"], warnings)?;
        let topics = match i.get("topics") {
            None => Vec::new(),
            Some(t) => one_or_many(&i, "topics", t, "topic names", topic_name)?,
        };
        c.insights = Some(super::insights::InsightsConfig {
            epsilon: i.number("epsilon", 0.1, 10.0, false, 2.0)?,
            every_days: i.number("everyDays", 1.0, 3650.0, false, 7.0)?,
            topics,
        });
    }
    let Some(js) = top.get("journeys") else { return Ok(()) };
    let mut quiet = Vec::new();
    let js = Section::open(js, "journeys", &[], &mut quiet)?;
    for (k, v) in json::members(js.text) {
        let name = json::string(k).unwrap_or_default();
        let j = Section::open(v, &js.path(&name), JOURNEY_KEYS, warnings)?;
        let on = j.get("on").and_then(json::string).and_then(|t| Trigger::parse(&t));
        let on = on.ok_or_else(|| {
            j.error(
                "on",
                "cart-abandoned, dormant-return, first-purchase, order, nth-session or exit-intent",
                j.get("on").unwrap_or("nothing"),
            )
        })?;
        let text = |key: &str, max: usize| -> Result<Option<String>, ConfigError> {
            match j.get(key) {
                None => Ok(None),
                Some(v) => json::string(v)
                    .filter(|s| !s.is_empty() && s.len() <= max)
                    .map(Some)
                    .ok_or_else(|| j.error(key, "a non-empty string", v)),
            }
        };
        let survey = j.boolean("survey", false)?;
        let message = match text("message", 300)? {
            Some(m) => m,
            None if survey => "How likely are you to recommend us to a friend or colleague?".into(),
            None => return Err(j.error("message", "the text to show", "nothing")),
        };
        let link = match text("link", 2000)? {
            Some(l) if !safe_link(&l) => {
                return Err(j.error("link", "a path on this site ('/…') or an http(s) URL", j.get("link").unwrap_or("")))
            }
            l => l,
        };
        c.journeys.push(Journey {
            name,
            on,
            message,
            link,
            survey,
            window_minutes: j.number("windowMinutes", 1.0, 10_080.0, false, 30.0)?,
            dormant_days: j.number("dormantDays", 1.0, 3650.0, false, 30.0)?,
            sessions: j.number("sessions", 1.0, 1000.0, true, 3.0)? as u32,
            per_session: j.number("perSession", 1.0, 100.0, true, 1.0)? as u32,
            per_visitor: j.number("perVisitor", 1.0, 1000.0, true, 3.0)? as u32,
            every_days: j.number("everyDays", 0.0, 3650.0, false, 1.0)?,
            quiet_days: j.number("quietDays", 0.0, 3650.0, false, 14.0)?,
        });
    }
    Ok(())
}

/// Whether a journey's link goes where the site means: a path of this
/// site (`/` and a character that is neither `/` nor `\`: `//host` and
/// `/\host` lead off-site), or an `http(s)` URL with a host. No space or
/// control character anywhere: the URL parser drops tabs and newlines, so
/// `/<TAB>/host` would become `//host`.
pub fn safe_link(l: &str) -> bool {
    // On bytes: str's pattern machinery would add its char decoding to the module.
    let b = l.as_bytes();
    let host_or_path_at = |n: usize| b.len() > n && b[n] != b'/' && b[n] != b'\\';
    let path = b == b"/" || (b.first() == Some(&b'/') && host_or_path_at(1));
    let url = (b.starts_with(b"https://") && host_or_path_at(8)) || (b.starts_with(b"http://") && host_or_path_at(7));
    b.iter().all(|&c| c > 0x20 && c != 0x7f) && (path || url)
}

fn variant(v: &str, path: &str, id: String, warnings: &mut Vec<String>) -> Result<VariantSettings, ConfigError> {
    let s = Section::open(v, path, VARIANT_KEYS, warnings)?;
    let prior = match s.get("prior") {
        None => None,
        Some(p) => match json::number(p) {
            Some(n) if n > 0.0 && n < 1.0 => Some(n),
            _ => return Err(s.error("prior", "a click rate between 0 and 1", p)),
        },
    };
    let rules = match s.get("rules") {
        None => Rules::default(),
        Some(r) => rules(&Section::open(r, &s.path("rules"), RULE_KEYS, warnings)?)?,
    };
    let tags = match s.get("tags") {
        None => Vec::new(),
        Some(t) => one_or_many(&s, "tags", t, "topic names", topic_name)?,
    };
    Ok(VariantSettings { id, prior, rules, tags })
}

/// Strings of a `'a'` or `['a', 'b']` value, each checked by `read`.
fn one_or_many<T>(s: &Section, key: &str, v: &str, expected: &str, read: impl Fn(&str) -> Option<T>) -> Result<Vec<T>, ConfigError> {
    let items: Vec<&str> = if json::kind(v) == Kind::Array { json::items(v).collect() } else { vec![v] };
    items.into_iter().map(|i| json::string(i).as_deref().and_then(&read).ok_or_else(|| s.error(key, expected, i))).collect()
}

fn rules(s: &Section) -> Result<Rules, ConfigError> {
    let mut r = Rules::default();
    if let Some(v) = s.get("segment") {
        r.segments = one_or_many(s, "segment", v, "new, returning, engaged, loyal or dormant", Segment::parse)?;
    }
    if let Some(v) = s.get("device") {
        r.devices = one_or_many(s, "device", v, "mobile, tablet or desktop", Device::parse)?;
    }
    if let Some(v) = s.get("visitor") {
        r.visitor = Some(match json::string(v).as_deref() {
            Some("new") => Visitor::New,
            Some("returning") => Visitor::Returning,
            _ => return Err(s.error("visitor", "'new' or 'returning'", v)),
        });
    }
    for key in ["pathPrefix", "utmSource", "utmCampaign"] {
        if let Some(v) = s.get(key) {
            let text = json::string(v).filter(|t| !t.is_empty()).ok_or_else(|| s.error(key, "a non-empty string", v))?;
            *match key {
                "pathPrefix" => &mut r.path_prefix,
                "utmSource" => &mut r.utm_source,
                _ => &mut r.utm_campaign,
            } = Some(text);
        }
    }
    if let Some(m) = s.get("minAffinity") {
        if json::kind(m) != Kind::Object {
            return Err(s.error("minAffinity", "an object like { shoes: 0.3 }", m));
        }
        for (k, v) in json::members(m) {
            let topic = json::string(k).unwrap_or_default();
            let name = topic_name(&topic)
                .ok_or_else(|| ConfigError::new(&s.path("minAffinity"), "topic names of 1 to 40 characters", "an empty name"))?;
            match json::number(v) {
                Some(n) if (0.0..=1.0).contains(&n) => r.min_affinity.push((name, n)),
                _ => {
                    return Err(ConfigError::new(
                        &cat(&[&s.path("minAffinity"), ".", &topic]),
                        "a share from 0 to 1",
                        &crate::engine::config::found(v),
                    ))
                }
            }
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_slots_variants_rules_and_the_profile() {
        let mut w = Vec::new();
        let c = parse(
            r#"{"endpoint":"/c","profile":{"halfLifeDays":7},"slots":{"hero":{"holdout":0.1,"variants":{"shoes":{"prior":0.08,"tags":"shoes"},
               "loyal":{"rules":{"segment":["loyal","engaged"],"minAffinity":{"shoes":0.3},"device":"mobile","visitor":"returning","pathPrefix":"/p"}}}}}}"#,
            &mut w,
        )
        .unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(c.profile.half_life_days, 7.0);
        let hero = &c.slots[0];
        assert_eq!((hero.name.as_str(), hero.holdout), ("hero", 0.1));
        assert_eq!(hero.variants[0].tags, ["shoes"]);
        assert_eq!(hero.variants[0].prior, Some(0.08));
        let r = &hero.variants[1].rules;
        assert_eq!(r.segments, [Segment::Loyal, Segment::Engaged]);
        assert_eq!(r.min_affinity, [("shoes".to_string(), 0.3)]);
        assert_eq!(
            (r.devices.as_slice(), r.visitor, r.path_prefix.as_deref()),
            ([Device::Mobile].as_slice(), Some(Visitor::Returning), Some("/p"))
        );
    }

    #[test]
    fn errors_name_the_field_and_unknown_keys_warn_everywhere() {
        for (cfg, field) in [
            (r#"{"slots":[]}"#, "slots"),
            (r#"{"slots":{"hero":{"holdout":2}}}"#, "slots.hero.holdout"),
            (r#"{"slots":{"hero":{"variants":{"a":{"prior":0}}}}}"#, "slots.hero.variants.a.prior"),
            (r#"{"slots":{"hero":{"variants":{"a":{"rules":{"segment":"vip"}}}}}}"#, "slots.hero.variants.a.rules.segment"),
            (r#"{"slots":{"hero":{"variants":{"a":{"rules":{"minAffinity":{"x":3}}}}}}}"#, "slots.hero.variants.a.rules.minAffinity.x"),
            (r#"{"profile":{"halfLifeDays":0}}"#, "profile.halfLifeDays"),
        ] {
            let err = parse(cfg, &mut Vec::new()).unwrap_err();
            assert_eq!(err.field, field, "{cfg}");
        }
        for bad in [
            "//evil.example/phish",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "javascript:alert(1)",
            "data:text/html,x",
            "evil.example",
            "https://",
            "https:///evil",
            "/ x",
            "ftp://x",
        ] {
            let cfg = format!(r#"{{"journeys":{{"j":{{"on":"order","message":"m","link":{}}}}}}}"#, crate::engine::text::json::quoted(bad));
            let err = parse(&cfg, &mut Vec::new()).err().unwrap_or_else(|| panic!("{bad:?} is refused"));
            assert_eq!(err.field, "journeys.j.link", "{bad:?}");
        }
        for good in ["/", "/cart", "/p?x=1#y", "https://shop.example/sale", "http://localhost:8080/x"] {
            assert!(safe_link(good), "{good}");
        }
        let mut w = Vec::new();
        parse(
            r#"{"slots":{"hero":{"holdot":0.1,"variants":{"a":{"prio":0.1,"rules":{"segmnet":"new"}}}}},"profile":{"halfLife":3}}"#,
            &mut w,
        )
        .unwrap();
        assert_eq!(
            w,
            [
                "unknown config key profile.halfLife ignored (did you mean profile.halfLifeDays?)",
                "unknown config key slots.hero.holdot ignored (did you mean slots.hero.holdout?)",
                "unknown config key slots.hero.variants.a.prio ignored (did you mean slots.hero.variants.a.prior?)",
                "unknown config key slots.hero.variants.a.rules.segmnet ignored (did you mean slots.hero.variants.a.rules.segment?)",
            ]
        );
    }
}
