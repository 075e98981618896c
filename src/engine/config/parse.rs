//! Reading the tracker's part of the config: unknown keys warned about,
//! `endpoint` and `writeKey` on their own, every other field through the
//! [`FIELDS`] table, then the values gathered into a [`Config`].

use crate::prelude::*;

use super::fields::{expected, Rule, FIELDS};
use super::{found, warn_unknown, AutoPolicy, BatchPolicy, Config, ConfigError, Privacy, QueuePolicy, StorePolicy};
use crate::engine::consent::state::{ConsentConfig, Mode, Pending};
use crate::engine::text::cat;
use crate::engine::text::json::{self, Kind};
use crate::engine::text::url::is_valid_endpoint;

/// `profile.sensitive`: a topic or a list of topics (the personalization
/// module checks the rest of `profile`).
fn sensitive_topics(text: &str) -> Result<Vec<String>, ConfigError> {
    let Some(v) = json::field(text, "profile").and_then(|p| json::field(p, "sensitive")) else { return Ok(Vec::new()) };
    let mut topics = Vec::new();
    let mut read = |t: &str| match json::string(t).filter(|s| !s.trim_ascii().is_empty()) {
        Some(s) => {
            topics.push(s);
            Ok(())
        }
        None => Err(ConfigError::new("profile.sensitive", "topic names", &found(t))),
    };
    if json::kind(v) == Kind::Array {
        for t in json::items(v) {
            read(t)?;
        }
    } else {
        read(v)?;
    }
    Ok(topics)
}

/// Top-level keys that are not in [`FIELDS`].
const OTHER_TOP: [&str; 8] = ["endpoint", "writeKey", "profile", "recommendations", "model", "journeys", "journeyCaps", "insights"];

/// Validates the (described) object given to `init`. Returns the config
/// and the warnings about keys it ignored.
pub fn parse_config(text: &str) -> Result<(Config, Vec<String>), ConfigError> {
    if json::kind(text) != Kind::Object {
        return Err(ConfigError::new("config", "an object", &found(text)));
    }
    let mut warnings = Vec::new();
    // Unknown keys, at the top and in each section.
    let mut known: Vec<&str> = OTHER_TOP.to_vec();
    for (path, _, _) in FIELDS {
        if !path.contains('.') {
            known.push(path);
        }
    }
    warn_unknown(text, "", &known, &mut warnings);
    for section in ["batch", "consent", "queue", "store", "autotrack", "privacy"] {
        if let Some(v) = json::field(text, section).filter(|v| json::kind(v) == Kind::Object) {
            let prefix = cat(&[section, "."]);
            let mut keys: Vec<&str> = FIELDS.iter().filter_map(|(p, _, _)| p.strip_prefix(prefix.as_str())).collect();
            keys.extend((section == "privacy").then_some("userIdSalt"));
            warn_unknown(v, &prefix, &keys, &mut warnings);
        }
    }
    let endpoint = match json::field(text, "endpoint") {
        None => return Err(ConfigError::new("endpoint", "set to the collector's URL", "nothing")),
        Some(v) => match json::string(v) {
            Some(s) if is_valid_endpoint(&s) => s,
            Some(_) => return Err(ConfigError::new("endpoint", "an http(s) URL or a path starting with '/'", &found(v))),
            None => return Err(ConfigError::new("endpoint", "a URL string", &found(v))),
        },
    };
    let write_key = match json::field(text, "writeKey") {
        None => None,
        Some(v) => match json::string(v) {
            Some(s) if !s.is_empty() && s.len() <= 256 => Some(s),
            _ => return Err(ConfigError::new("writeKey", "a non-empty string of at most 256 characters", &found(v))),
        },
    };
    let mut values = [0u32; FIELDS.len()];
    for (i, (path, rule, default)) in FIELDS.iter().enumerate() {
        let (section, key) = path.split_once('.').unwrap_or(("", path));
        let holder = if section.is_empty() { Some(text) } else { json::field(text, section) };
        let v = holder.and_then(|h| json::field(h, key));
        let mut value = *default;
        if let Some(v) = v {
            let ok = match *rule {
                Rule::Bool => json::boolean(v).map(u32::from),
                Rule::Int(min, max) => {
                    // maxEventBytes: at most the batch size less its envelope.
                    let max = if max == 0 { values[2].saturating_sub(512) } else { max };
                    json::integer(v).filter(|n| *n >= f64::from(min) && *n <= f64::from(max)).map(|n| n as u32)
                }
                Rule::OneOf(options) => match json::boolean(v) {
                    Some(false) => options.iter().position(|o| *o == "false").map(|i| i as u32),
                    _ => json::string(v).filter(|s| s != "false").and_then(|s| options.iter().position(|o| *o == s)).map(|i| i as u32),
                },
                // `autotrack: false` switches all of it off.
                Rule::Section => (json::kind(v) == Kind::Object || (*path == "autotrack" && json::boolean(v) == Some(false))).then_some(0),
            };
            value = match ok {
                Some(x) => x,
                None => return Err(ConfigError::new(path, &expected(*rule, &values), &found(v))),
            };
        } else if path.ends_with("maxEventBytes") {
            value = value.min(values[2].saturating_sub(512));
        }
        if let Some(slot) = values.get_mut(i) {
            *slot = value;
        }
    }
    if json::field(text, "autotrack").and_then(json::boolean) == Some(false) {
        for (i, (path, _, _)) in FIELDS.iter().enumerate() {
            if let Some(v) =
                values.get_mut(i).filter(|_| path.starts_with("autotrack.") && !path.ends_with("Minutes") && !path.ends_with("Seconds"))
            {
                *v = u32::from(*path == "autotrack.pageviews") * 2;
            }
        }
    }
    let v = |i: usize| values.get(i).copied().unwrap_or(0);
    let config = Config {
        endpoint,
        write_key,
        debug: v(12) == 1,
        batch: BatchPolicy {
            max_events: v(1) as usize,
            max_bytes: v(2) as usize,
            flush_interval_ms: f64::from(v(3)),
            max_event_bytes: v(4) as usize,
            max_request_bytes: v(39).max(v(2)) as usize,
        },
        consent: ConsentConfig {
            mode: if v(6) == 1 { Mode::OptOut } else { Mode::OptIn },
            pending: if v(7) == 1 { Pending::Drop } else { Pending::Buffer },
            buffer_limit: v(8) as usize,
            gpc: v(9) == 1,
            tcf: v(10) == 1,
            google_consent_mode: v(11) == 1,
            gpp: v(34) == 1,
        },
        queue: QueuePolicy { max_events: v(15) as usize, max_bytes: v(16) as usize, drop_newest: v(17) == 1 },
        store: StorePolicy {
            persist: v(19) == 1,
            max_events: v(20) as usize,
            max_bytes: v(21) as usize,
            max_age_ms: f64::from(v(22)) * 86_400_000.0,
        },
        auto: AutoPolicy {
            pageviews: v(24) as u8,
            hash_changes: v(25) == 1,
            sessions: v(26) == 1,
            session_ms: f64::from(v(27)) * 60_000.0,
            clicks: v(28) == 1,
            scroll: v(29) == 1,
            engagement: v(30) == 1,
            heartbeat_ms: f64::from(v(31)) * 1000.0,
            forms: v(32) == 1,
        },
        snowplow: v(33) == 1,
        sensitive: sensitive_topics(text)?,
        privacy: Privacy {
            user_agent: v(35) as u8,
            referrer: v(36) as u8,
            user_id: v(37) as u8,
            salt: match json::field(text, "privacy").and_then(|p| json::field(p, "userIdSalt")) {
                None => String::new(),
                Some(s) => json::string(s)
                    .filter(|s| s.len() <= 256)
                    .ok_or_else(|| ConfigError::new("privacy.userIdSalt", "a string of at most 256 characters", &found(s)))?,
            },
        },
    };
    Ok((config, warnings))
}
