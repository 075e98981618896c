//! The configuration a site passes to `init`, validated field by field from
//! the edge's description of it.
//!
//! One convention for every section, the personalization module's included
//! ([`Section`]): a wrong value is an error that names the field (`init`
//! rejects with it); an unknown key is a warning, with a suggestion when it
//! looks like a typo, so a config written for a newer version still starts.

use crate::prelude::*;

use super::consent::state::{ConsentConfig, Mode, Pending};
use super::text::cat;
use super::text::json::{self, Kind};
use super::text::num::{write_fixed, write_u64};
use super::text::url::is_valid_endpoint;

/// Limits that decide when queued events are sent.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchPolicy {
    /// Send when this many events are queued. Default 100.
    pub max_events: usize,
    /// Send when a batch body would pass this many bytes. Default 60 KiB.
    pub max_bytes: usize,
    /// Send this many milliseconds after the first event was queued. Default 1000.
    pub flush_interval_ms: f64,
    /// Events whose JSON is larger than this are refused. Default 32 KiB.
    pub max_event_bytes: usize,
}

impl Default for BatchPolicy {
    fn default() -> Self {
        BatchPolicy { max_events: 100, max_bytes: 32 * 1024, flush_interval_ms: 1000.0, max_event_bytes: 32 * 1024 - 512 }
    }
}

/// How much the queue holds while the collector cannot take it (memory
/// never holds more, whatever the visitor does).
#[derive(Clone, Debug, PartialEq)]
pub struct QueuePolicy {
    /// Most events queued. Default 50,000.
    pub max_events: usize,
    /// Most bytes of queued records. Default 8 MiB.
    pub max_bytes: usize,
    /// When full, new events are refused (`drop-newest`) instead of the
    /// oldest going (`drop-oldest`, the default).
    pub drop_newest: bool,
}

impl Default for QueuePolicy {
    fn default() -> Self {
        QueuePolicy { max_events: 50_000, max_bytes: 8 << 20, drop_newest: false }
    }
}

/// The queue's copy in storage, which the next page of the site sends.
#[derive(Clone, Debug, PartialEq)]
pub struct StorePolicy {
    /// Keep one at all (when analytics storage is allowed). Default true.
    pub persist: bool,
    /// Most events kept (the newest). Default 5,000.
    pub max_events: usize,
    /// Most characters of records kept. Default (and most) 2 MiB: under
    /// half of the 5 MiB browsers give a site's localStorage, and room for
    /// a 2,000-event burst cut off by a navigation.
    pub max_bytes: usize,
    /// Events older than this are not sent any more. Default 7 days.
    pub max_age_ms: f64,
}

impl Default for StorePolicy {
    fn default() -> Self {
        StorePolicy { persist: true, max_events: 5000, max_bytes: 2 << 20, max_age_ms: 7.0 * 86_400_000.0 }
    }
}

/// A validated configuration (the tracker's part; `slots` and `profile`
/// are the personalization module's).
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Where batches are POSTed: an absolute http(s) URL or a path on the page's origin.
    pub endpoint: String,
    /// Sent in each batch body as `writeKey` when set.
    pub write_key: Option<String>,
    /// Log every event and batch to the console.
    pub debug: bool,
    /// Batching limits.
    pub batch: BatchPolicy,
    /// Consent rules.
    pub consent: ConsentConfig,
    /// The queue's bounds.
    pub queue: QueuePolicy,
    /// The stored copy.
    pub store: StorePolicy,
    /// What is tracked without code.
    pub auto: AutoPolicy,
    /// The wire format: Snowplow's tracker protocol instead of Segment's batch.
    pub snowplow: bool,
    /// The data-minimization switches (`privacy.*`).
    pub privacy: Privacy,
    /// `profile.sensitive`: topics the profile must never learn, so the
    /// signal log never holds them either (compared ignoring ASCII case
    /// and surrounding spaces).
    pub sensitive: Vec<String>,
}

/// What leaves the page about the device and the person (`privacy.*`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Privacy {
    /// `userAgent`: 0 full, 1 browser and major version only, 2 none.
    pub user_agent: u8,
    /// `referrer`: 0 full, 1 without its query and fragment, 2 its origin only, 3 none.
    pub referrer: u8,
    /// `userId`: 0 sent as given, 1 SHA-256 of salt + id, 2 never kept nor sent.
    pub user_id: u8,
    /// `userIdSalt`: prepended before hashing (the site's secret).
    pub salt: String,
}

impl Privacy {
    /// `navigator.userAgent` (a JSON literal) as it may leave the page.
    pub fn user_agent(&self, ua: &str) -> String {
        match self.user_agent {
            0 => ua.into(),
            1 => {
                // The first known browser token, with its major version.
                for name in ["Edg/", "OPR/", "Firefox/", "Chrome/", "Version/"] {
                    if let Some(at) = crate::engine::text::url::find(ua, name) {
                        let rest = ua.get(at + name.len()..).unwrap_or("");
                        let digits = rest.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(rest.len());
                        let label = if name == "Version/" { "Safari/" } else { name };
                        return cat(&["\"", label, rest.get(..digits).unwrap_or(""), "\""]);
                    }
                }
                "\"\"".into()
            }
            _ => "\"\"".into(),
        }
    }

    /// `document.referrer` as it may leave the page.
    pub fn referrer(&self, r: &str) -> String {
        match self.referrer {
            0 => r.into(),
            1 => r.get(..r.bytes().position(|b| b == b'?' || b == b'#').unwrap_or(r.len())).unwrap_or("").into(),
            2 => {
                use crate::engine::text::url::{find, origin};
                if find(r, "://").is_none() {
                    String::new()
                } else {
                    cat(&[origin(r), "/"])
                }
            }
            _ => String::new(),
        }
    }

    /// A user id as it may be kept and sent (`None`: dropped).
    pub fn user_id(&self, id: String) -> Option<String> {
        match self.user_id {
            0 => Some(id),
            1 => Some(crate::engine::text::sha256::hex(cat(&[&self.salt, &id]).as_bytes())),
            _ => None,
        }
    }
}

/// What Kizuna tracks on its own (`autotrack.*`).
#[derive(Clone, Debug, PartialEq)]
pub struct AutoPolicy {
    /// Page views: 0 on load and history changes, 1 on load only, 2 none.
    pub pageviews: u8,
    /// A `hashchange` (or a history change of the fragment only) is a page view.
    pub hash_changes: bool,
    /// Sessions on every event's context.
    pub sessions: bool,
    /// Inactivity that ends a session, ms.
    pub session_ms: f64,
    /// Link, button and `data-kz-track` clicks.
    pub clicks: bool,
    /// Scroll depth milestones.
    pub scroll: bool,
    /// `Page Engagement` when the page is hidden or left.
    pub engagement: bool,
    /// While engaged, a `Page Engagement` this often (ms; 0: never).
    pub heartbeat_ms: f64,
    /// Form started, submitted, abandoned.
    pub forms: bool,
}

impl AutoPolicy {
    /// The listeners the edge installs, as bits: 1 history, 2 hash, 4
    /// clicks, 8 scroll, 16 activity, 32 forms, 64 the load's page view.
    pub fn listeners(&self) -> u32 {
        u32::from(self.pageviews != 2) << 6
            | u32::from(self.pageviews == 0)
            | u32::from(self.pageviews == 0 && self.hash_changes) << 1
            | u32::from(self.clicks) << 2
            | u32::from(self.scroll || self.engagement) << 3
            | u32::from(self.engagement) << 4
            | u32::from(self.forms) << 5
    }
}

/// A config field that is wrong, and how.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    /// Dotted path of the field, e.g. `batch.maxEvents`.
    pub field: String,
    /// What a valid value looks like.
    pub expected: String,
    /// What was found instead.
    pub found: String,
}

impl ConfigError {
    /// `field` must be `expected` but is `found`.
    pub fn new(field: &str, expected: &str, found: &str) -> ConfigError {
        ConfigError { field: field.into(), expected: expected.into(), found: found.into() }
    }

    /// The message `init` rejects with: names the field, says what it needs.
    pub fn message(&self) -> String {
        let mut s = String::from("invalid config: ");
        for part in [&self.field, " must be ", &self.expected, " (got ", &self.found, ")"] {
            s.push_str(part);
        }
        s
    }
}

/// A value found where another was expected, for messages: strings quoted
/// (first 80 characters), numbers as written, others by type.
pub fn found(v: &str) -> String {
    match json::kind(v) {
        Kind::String => {
            let s = json::string(v).unwrap_or_default();
            let mut q = String::from("\"");
            q.push_str(crate::engine::text::chars_prefix(&s, 80));
            q.push('"');
            q
        }
        Kind::Number => json::first(v).into(),
        _ => json::type_name(v),
    }
}

/// One object of the config, read with the shared convention.
pub struct Section<'a> {
    /// Its dotted path with a trailing dot (`batch.`), empty at the top.
    pub prefix: String,
    /// Its text.
    pub text: &'a str,
}

impl<'a> Section<'a> {
    /// The object at `text`, its unknown keys reported in `warnings`; an
    /// error when it is not an object.
    pub fn open(text: &'a str, path: &str, known: &[&str], warnings: &mut Vec<String>) -> Result<Section<'a>, ConfigError> {
        if json::kind(text) != Kind::Object {
            return Err(ConfigError::new(if path.is_empty() { "config" } else { path }, "an object", &found(text)));
        }
        let prefix = if path.is_empty() { String::new() } else { cat(&[path, "."]) };
        warn_unknown(text, &prefix, known, warnings);
        Ok(Section { prefix, text })
    }

    /// The dotted path of `key`.
    pub fn path(&self, key: &str) -> String {
        crate::engine::text::cat(&[&self.prefix, key])
    }

    /// The value of `key`, unless unset (missing, `null` or `undefined`).
    pub fn get(&self, key: &str) -> Option<&'a str> {
        json::field(self.text, key)
    }

    /// An error for `key`: it must be `expected`.
    pub fn error(&self, key: &str, expected: &str, v: &str) -> ConfigError {
        ConfigError::new(&self.path(key), expected, &found(v))
    }

    /// A boolean field.
    pub fn boolean(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => json::boolean(v).ok_or_else(|| self.error(key, "true or false", v)),
        }
    }

    /// A number field within `[min, max]` (`integer`: whole numbers only).
    pub fn number(&self, key: &str, min: f64, max: f64, integer: bool, default: f64) -> Result<f64, ConfigError> {
        let Some(v) = self.get(key) else { return Ok(default) };
        match if integer { json::integer(v) } else { json::number(v) } {
            Some(n) if n >= min && n <= max => Ok(n),
            _ => {
                let mut expected = String::from(if integer { "an integer from " } else { "a number from " });
                write_fixed(&mut expected, min, 6);
                expected.push_str(" to ");
                write_fixed(&mut expected, max, 6);
                Err(self.error(key, &expected, v))
            }
        }
    }

    /// A string field that must be one of `options`; the index chosen.
    pub fn one_of(&self, key: &str, options: &[&str], default: usize) -> Result<usize, ConfigError> {
        let Some(v) = self.get(key) else { return Ok(default) };
        let s = json::string(v).unwrap_or_default();
        options.iter().position(|o| *o == s).ok_or_else(|| self.error(key, &one_of_text(options), v))
    }
}

/// How a field of the tracker's config is checked.
#[derive(Clone, Copy)]
enum Rule {
    /// `true` or `false`.
    Bool,
    /// A whole number in a range.
    Int(u32, u32),
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// An object (a section).
    Section,
}

/// Every field of the tracker's part of the config, with its default:
/// one table, one loop (a hand-written check per field would be code for
/// each). `endpoint` and `writeKey` are read on their own.
const FIELDS: [(&str, Rule, u32); 39] = [
    ("batch", Rule::Section, 0),
    ("batch.maxEvents", Rule::Int(1, 1000), 100),
    // 32 KiB: what Firefox lets a keepalive request carry, so every batch
    // can go as one and still arrives when the page is left meanwhile.
    ("batch.maxBytes", Rule::Int(1024, 500_000), 32_768),
    ("batch.flushInterval", Rule::Int(0, 60_000), 1000),
    // Its upper bound follows the batch's: an event must fit in a batch.
    ("batch.maxEventBytes", Rule::Int(256, 0), 32_768),
    ("consent", Rule::Section, 0),
    ("consent.mode", Rule::OneOf(&["opt-in", "opt-out"]), 0),
    ("consent.pending", Rule::OneOf(&["buffer", "drop"]), 0),
    ("consent.bufferLimit", Rule::Int(0, 10_000), 100),
    ("consent.gpc", Rule::Bool, 1),
    ("consent.tcf", Rule::Bool, 1),
    ("consent.googleConsentMode", Rule::Bool, 1),
    ("debug", Rule::Bool, 0),
    // Read by the personalization module; known here.
    ("slots", Rule::Section, 0),
    ("queue", Rule::Section, 0),
    ("queue.maxEvents", Rule::Int(100, 1_000_000), 50_000),
    ("queue.maxBytes", Rule::Int(65_536, 64 << 20), 8 << 20),
    ("queue.whenFull", Rule::OneOf(&["drop-oldest", "drop-newest"]), 0),
    ("store", Rule::Section, 0),
    ("store.persist", Rule::Bool, 1),
    ("store.maxEvents", Rule::Int(0, 100_000), 5000),
    // At most 2 MiB: a stored queue must never fill the site's storage.
    ("store.maxBytes", Rule::Int(0, 2 << 20), 2 << 20),
    ("store.maxAgeDays", Rule::Int(1, 365), 7),
    ("autotrack", Rule::Section, 0),
    // `false` switches page views off (read as the option "false").
    ("autotrack.pageviews", Rule::OneOf(&["history", "load", "false"]), 0),
    ("autotrack.hashChanges", Rule::Bool, 0),
    ("autotrack.sessions", Rule::Bool, 1),
    ("autotrack.sessionMinutes", Rule::Int(1, 1440), 30),
    ("autotrack.clicks", Rule::Bool, 1),
    ("autotrack.scroll", Rule::Bool, 1),
    ("autotrack.engagement", Rule::Bool, 1),
    ("autotrack.heartbeatSeconds", Rule::Int(0, 3600), 0),
    ("autotrack.forms", Rule::Bool, 1),
    ("format", Rule::OneOf(&["segment", "snowplow"]), 0),
    ("consent.gpp", Rule::Bool, 1),
    ("privacy.userAgent", Rule::OneOf(&["full", "browser", "none"]), 0),
    ("privacy.referrer", Rule::OneOf(&["full", "no-query", "origin", "none"]), 0),
    ("privacy.userId", Rule::OneOf(&["send", "hash", "drop"]), 0),
    // Last, so the indices above stay; a section like the others.
    ("privacy", Rule::Section, 0),
];

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
const OTHER_TOP: [&str; 7] = ["endpoint", "writeKey", "profile", "recommendations", "journeys", "journeyCaps", "insights"];

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

/// What a valid value of `rule` looks like, for messages.
fn expected(rule: Rule, values: &[u32]) -> String {
    match rule {
        Rule::Bool => "true or false".into(),
        Rule::Section => "an object".into(),
        Rule::Int(min, max) => {
            let max = if max == 0 { values.get(2).copied().unwrap_or(0).saturating_sub(512) } else { max };
            let mut s = String::from("an integer from ");
            write_u64(&mut s, u64::from(min));
            s.push_str(" to ");
            write_u64(&mut s, u64::from(max));
            s
        }
        Rule::OneOf(options) => one_of_text(options),
    }
}

/// `'a' or 'b'`, `'a', 'b' or 'c'`.
pub fn one_of_text(options: &[&str]) -> String {
    let mut expected = String::new();
    for (i, o) in options.iter().enumerate() {
        expected.push_str(if i == 0 {
            "'"
        } else if i + 1 == options.len() {
            " or '"
        } else {
            ", '"
        });
        expected.push_str(o);
        expected.push('\'');
    }
    expected
}

/// Warns about the keys of the object `v` that are not `known`, with a
/// suggestion when one looks like a typo of a known key.
pub fn warn_unknown(v: &str, prefix: &str, known: &[&str], warnings: &mut Vec<String>) {
    for (k, _) in json::members(v) {
        let key = json::string(k).unwrap_or_default();
        if known.contains(&key.as_str()) {
            continue;
        }
        let mut w = cat(&["unknown config key ", prefix, &key, " ignored"]);
        if let Some(s) = known.iter().find(|c| close_enough(&key, c)) {
            w.push_str(&cat(&[" (did you mean ", prefix, s, "?)"]));
        }
        warnings.push(w);
    }
}

/// Typos worth a suggestion: the same letters ignoring ASCII case, at most
/// two single-character edits apart, or the start of the key (4 letters at
/// least: `halfLife` for `halfLifeDays`).
fn close_enough(a: &str, b: &str) -> bool {
    let a: Vec<u8> = a.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<u8> = b.bytes().map(|c| c.to_ascii_lowercase()).collect();
    if a.len() >= 4 && b.starts_with(&a) {
        return true;
    }
    if a.len().abs_diff(b.len()) > 2 {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()] <= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: &str) -> Result<(Config, Vec<String>), ConfigError> {
        parse_config(v)
    }

    #[test]
    fn minimal_config_gets_the_defaults() {
        let (c, w) = parse(r#"{"endpoint":"http://127.0.0.1:8080/collect"}"#).unwrap();
        assert!(w.is_empty());
        assert_eq!(c.endpoint, "http://127.0.0.1:8080/collect");
        assert_eq!(c.write_key, None);
        assert!(!c.debug);
        assert_eq!(c.batch, BatchPolicy { max_events: 100, max_bytes: 32_768, flush_interval_ms: 1000.0, max_event_bytes: 32_256 });
        assert_eq!(c.consent, ConsentConfig::default());
    }

    #[test]
    fn every_field_is_read() {
        let (c, _) = parse(
            r#"{"endpoint":"/collect","writeKey":"demo","debug":true,"batch":{"maxEvents":10,"maxBytes":8192,"flushInterval":250},
               "consent":{"mode":"opt-out","pending":"drop","bufferLimit":5,"gpc":false,"tcf":false,"googleConsentMode":false},
               "slots":{"x":{}},"profile":{}}"#,
        )
        .unwrap();
        assert_eq!(c.write_key.as_deref(), Some("demo"));
        assert!(c.debug);
        assert_eq!(c.batch, BatchPolicy { max_events: 10, max_bytes: 8192, flush_interval_ms: 250.0, max_event_bytes: 8192 - 512 });
        assert_eq!(
            c.consent,
            ConsentConfig {
                mode: Mode::OptOut,
                pending: Pending::Drop,
                buffer_limit: 5,
                gpc: false,
                tcf: false,
                gpp: true,
                google_consent_mode: false
            }
        );
    }

    #[test]
    fn bad_values_name_the_field() {
        for (input, field) in [
            (r#""nope""#, "config"),
            (r#"{}"#, "endpoint"),
            (r#"{"endpoint":1}"#, "endpoint"),
            (r#"{"endpoint":!f}"#, "endpoint"),
            (r#"{"endpoint":"ftp://x"}"#, "endpoint"),
            (r#"{"endpoint":"//evil.example/c"}"#, "endpoint"),
            (r#"{"endpoint":"/c","writeKey":3}"#, "writeKey"),
            (r#"{"endpoint":"/c","debug":"yes"}"#, "debug"),
            (r#"{"endpoint":"/c","batch":true}"#, "batch"),
            (r#"{"endpoint":"/c","batch":{"maxEvents":0}}"#, "batch.maxEvents"),
            (r#"{"endpoint":"/c","batch":{"maxEvents":2.5}}"#, "batch.maxEvents"),
            (r#"{"endpoint":"/c","batch":{"maxBytes":10000000}}"#, "batch.maxBytes"),
            (r#"{"endpoint":"/c","batch":{"flushInterval":"1s"}}"#, "batch.flushInterval"),
            (r#"{"endpoint":"/c","consent":{"mode":"optin"}}"#, "consent.mode"),
            (r#"{"endpoint":"/c","consent":{"pending":true}}"#, "consent.pending"),
            (r#"{"endpoint":"/c","consent":{"bufferLimit":-1}}"#, "consent.bufferLimit"),
            (r#"{"endpoint":"/c","consent":{"gpc":"yes"}}"#, "consent.gpc"),
            (r#"{"endpoint":"/c","consent":"all"}"#, "consent"),
        ] {
            let err = parse(input).unwrap_err();
            assert_eq!(err.field, field, "{input}");
            assert!(err.message().contains(field), "{}", err.message());
        }
        assert_eq!(
            parse(r#"{"endpoint":"ftp://x"}"#).unwrap_err().message(),
            "invalid config: endpoint must be an http(s) URL or a path starting with '/' (got \"ftp://x\")"
        );
        assert_eq!(
            parse(r#"{"endpoint":"/c","consent":{"mode":"optin"}}"#).unwrap_err().message(),
            "invalid config: consent.mode must be 'opt-in' or 'opt-out' (got \"optin\")"
        );
        assert_eq!(
            parse(r#"{"endpoint":"/c","batch":{"maxEvents":0}}"#).unwrap_err().message(),
            "invalid config: batch.maxEvents must be an integer from 1 to 1000 (got 0)"
        );
        assert_eq!(parse(r#"{"endpoint":!f}"#).unwrap_err().message(), "invalid config: endpoint must be a URL string (got a function)");
    }

    #[test]
    fn unset_means_the_default() {
        let (c, w) = parse(r#"{"endpoint":"/c","writeKey":null,"debug":!v,"batch":null}"#).unwrap();
        assert!(w.is_empty());
        assert_eq!(c.write_key, None);
        assert_eq!(c.batch, BatchPolicy::default());
    }

    #[test]
    fn unknown_keys_warn_with_a_suggestion() {
        let (_, w) = parse(r#"{"endpoint":"/c","writekey":"k","colour":"red","batch":{"maxEvent":3}}"#).unwrap();
        assert_eq!(
            w,
            [
                "unknown config key writekey ignored (did you mean writeKey?)",
                "unknown config key colour ignored",
                "unknown config key batch.maxEvent ignored (did you mean batch.maxEvents?)",
            ]
        );
    }
}
