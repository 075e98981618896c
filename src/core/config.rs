//! The configuration a site passes to `init`, validated field by field.
//!
//! A wrong value is an error that names the field (`init` rejects with it);
//! an unknown key is only a warning, with a suggestion when it looks like a
//! typo, so a config written for a newer version still starts.

use crate::prelude::*;

use super::consent::state::{ConsentConfig, Mode, Pending};
use super::context::find_bytes;
use super::personalize::config::{parse_profile, parse_slots, ProfileConfig};
use super::personalize::slots::SlotSettings;
use super::input::Input;

/// Limits that decide when queued events are sent.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchPolicy {
    /// Send when this many events are queued. Default 50.
    pub max_events: usize,
    /// Send when a batch body would pass this many bytes; also the size of
    /// each unload chunk (kept under the browser's 64 KiB keepalive quota).
    /// Default 60 KiB.
    pub max_bytes: usize,
    /// Send this many milliseconds after the first event was queued. Default 1000.
    pub flush_interval_ms: f64,
    /// Events whose JSON is larger than this are refused. Default 32 KiB
    /// (Segment's per-event limit).
    pub max_event_bytes: usize,
}

impl Default for BatchPolicy {
    fn default() -> Self {
        BatchPolicy { max_events: 50, max_bytes: 60 * 1024, flush_interval_ms: 1000.0, max_event_bytes: 32 * 1024 }
    }
}

/// A validated configuration.
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
    /// Slot settings (`slots`).
    pub slots: Vec<SlotSettings>,
    /// Profile settings (`profile`).
    pub profile: ProfileConfig,
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
        ConfigError { field: field.to_string(), expected: expected.to_string(), found: found.to_string() }
    }

    /// The message `init` rejects with: names the field, says what it needs.
    pub fn message(&self) -> String {
        let mut s = String::from("invalid config: ");
        s.push_str(&self.field);
        s.push_str(" must be ");
        s.push_str(&self.expected);
        s.push_str(" (got ");
        s.push_str(&self.found);
        s.push(')');
        s
    }
}

const TOP_KEYS: &[&str] = &["endpoint", "writeKey", "debug", "batch", "consent", "slots", "profile"];
const CONSENT_KEYS: &[&str] = &["mode", "pending", "bufferLimit", "gpc", "tcf", "googleConsentMode"];
const BATCH_KEYS: &[&str] = &["maxEvents", "maxBytes", "flushInterval", "maxEventBytes"];

/// Validates the object given to `init`. Returns the config and the warnings
/// about keys it ignored.
pub fn parse_config(input: &Input) -> Result<(Config, Vec<String>), ConfigError> {
    let fields = match input {
        Input::Object(fields) => fields,
        other => return Err(ConfigError::new("config", "an object", other.type_name())),
    };
    let mut warnings = Vec::new();
    warn_unknown(fields, TOP_KEYS, "", &mut warnings);

    let endpoint = match find(fields, "endpoint") {
        Some(Input::String(s)) if is_valid_endpoint(s) => s.clone(),
        Some(Input::String(s)) => {
            return Err(ConfigError::new("endpoint", "an http(s) URL or a path starting with '/'", &quote(s)))
        }
        Some(other) => return Err(ConfigError::new("endpoint", "a URL string", other.type_name())),
        None => return Err(ConfigError::new("endpoint", "set to the collector's URL", "nothing")),
    };
    let write_key = match find(fields, "writeKey") {
        None | Some(Input::Undefined | Input::Null) => None,
        Some(Input::String(s)) if !s.is_empty() && s.len() <= 256 => Some(s.clone()),
        Some(other) => return Err(ConfigError::new("writeKey", "a non-empty string of at most 256 characters", other.type_name())),
    };
    let debug = bool_field(fields, "debug", "debug", false)?;
    let batch = match find(fields, "batch") {
        None | Some(Input::Undefined | Input::Null) => BatchPolicy::default(),
        Some(Input::Object(b)) => parse_batch(b, &mut warnings)?,
        Some(other) => return Err(ConfigError::new("batch", "an object", other.type_name())),
    };
    let consent = match find(fields, "consent") {
        None | Some(Input::Undefined | Input::Null) => ConsentConfig::default(),
        Some(Input::Object(c)) => parse_consent(c, &mut warnings)?,
        Some(other) => return Err(ConfigError::new("consent", "an object", other.type_name())),
    };
    let slots = match find(fields, "slots") {
        None | Some(Input::Undefined | Input::Null) => Vec::new(),
        Some(s) => parse_slots(s)?,
    };
    let profile = match find(fields, "profile") {
        None | Some(Input::Undefined | Input::Null) => ProfileConfig::default(),
        Some(p) => parse_profile(p)?,
    };
    Ok((Config { endpoint, write_key, debug, batch, consent, slots, profile }, warnings))
}

fn parse_consent(fields: &[(String, Input)], warnings: &mut Vec<String>) -> Result<ConsentConfig, ConfigError> {
    warn_unknown(fields, CONSENT_KEYS, "consent.", warnings);
    let d = ConsentConfig::default();
    let mode = match find(fields, "mode") {
        None | Some(Input::Undefined | Input::Null) => d.mode,
        Some(Input::String(s)) if s == "opt-in" => Mode::OptIn,
        Some(Input::String(s)) if s == "opt-out" => Mode::OptOut,
        Some(other) => return Err(ConfigError::new("consent.mode", "'opt-in' or 'opt-out'", &describe(other))),
    };
    let pending = match find(fields, "pending") {
        None | Some(Input::Undefined | Input::Null) => d.pending,
        Some(Input::String(s)) if s == "buffer" => Pending::Buffer,
        Some(Input::String(s)) if s == "drop" => Pending::Drop,
        Some(other) => return Err(ConfigError::new("consent.pending", "'buffer' or 'drop'", &describe(other))),
    };
    Ok(ConsentConfig {
        mode,
        pending,
        buffer_limit: int_field(fields, "consent.bufferLimit", "bufferLimit", 0.0, 10_000.0, d.buffer_limit as f64)? as usize,
        gpc: bool_field(fields, "consent.gpc", "gpc", d.gpc)?,
        tcf: bool_field(fields, "consent.tcf", "tcf", d.tcf)?,
        google_consent_mode: bool_field(fields, "consent.googleConsentMode", "googleConsentMode", d.google_consent_mode)?,
    })
}

fn bool_field(fields: &[(String, Input)], path: &str, key: &str, default: bool) -> Result<bool, ConfigError> {
    match find(fields, key) {
        None | Some(Input::Undefined | Input::Null) => Ok(default),
        Some(Input::Bool(b)) => Ok(*b),
        Some(other) => Err(ConfigError::new(path, "true or false", other.type_name())),
    }
}

/// A found value for a message: strings quoted, others by type.
fn describe(v: &Input) -> String {
    match v {
        Input::String(s) => quote(s),
        o => o.type_name().to_string(),
    }
}

fn parse_batch(fields: &[(String, Input)], warnings: &mut Vec<String>) -> Result<BatchPolicy, ConfigError> {
    warn_unknown(fields, BATCH_KEYS, "batch.", warnings);
    let d = BatchPolicy::default();
    let max_bytes = int_field(fields, "batch.maxBytes", "maxBytes", 1024.0, 500_000.0, d.max_bytes as f64)? as usize;
    Ok(BatchPolicy {
        max_events: int_field(fields, "batch.maxEvents", "maxEvents", 1.0, 1000.0, d.max_events as f64)? as usize,
        max_bytes,
        flush_interval_ms: int_field(fields, "batch.flushInterval", "flushInterval", 0.0, 60_000.0, d.flush_interval_ms)?,
        // An event must fit in a batch with its envelope, so the event limit
        // follows a smaller batch limit down.
        max_event_bytes: int_field(
            fields,
            "batch.maxEventBytes",
            "maxEventBytes",
            256.0,
            max_bytes as f64 - 512.0,
            d.max_event_bytes.min(max_bytes - 512) as f64,
        )? as usize,
    })
}

fn int_field(fields: &[(String, Input)], path: &str, key: &str, min: f64, max: f64, default: f64) -> Result<f64, ConfigError> {
    match find(fields, key) {
        None | Some(Input::Undefined | Input::Null) => Ok(default),
        Some(Input::Number(n)) if libm::trunc(*n) == *n && *n >= min && *n <= max => Ok(*n),
        Some(other) => {
            let mut expected = String::from("an integer from ");
            super::json::write_number(&mut expected, min);
            expected.push_str(" to ");
            super::json::write_number(&mut expected, max);
            let found = match other {
                Input::Number(n) => {
                    let mut s = String::new();
                    super::json::write_number(&mut s, *n);
                    s
                }
                o => o.type_name().to_string(),
            };
            Err(ConfigError::new(path, &expected, &found))
        }
    }
}

fn find<'a>(fields: &'a [(String, Input)], key: &str) -> Option<&'a Input> {
    fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    q.extend(s.chars().take(80));
    q.push('"');
    q
}

/// An endpoint is an absolute `http://` or `https://` URL with a host, or a
/// path on the page's own origin (`/collect`).
pub fn is_valid_endpoint(s: &str) -> bool {
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    if let Some(path) = s.strip_prefix('/') {
        return !path.starts_with('/');
    }
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    matches!(rest, Some(r) if !r.is_empty() && !r.starts_with('/'))
}

/// Makes an endpoint absolute against the page URL (`/collect` on
/// `https://shop.example/a` → `https://shop.example/collect`).
pub fn resolve_endpoint(endpoint: &str, page_url: &str) -> String {
    if !endpoint.starts_with('/') {
        return endpoint.to_string();
    }
    let host_start = find_bytes(page_url, "://").map_or(0, |i| i + 3);
    let origin_end = page_url.get(host_start..).and_then(|rest| rest.find('/')).map_or(page_url.len(), |j| host_start + j);
    let mut s = page_url.get(..origin_end).unwrap_or_default().to_string();
    s.push_str(endpoint);
    s
}

fn warn_unknown(fields: &[(String, Input)], known: &[&str], prefix: &str, warnings: &mut Vec<String>) {
    for (k, _) in fields {
        if known.contains(&k.as_str()) {
            continue;
        }
        let mut w = String::from("unknown config key ");
        w.push_str(prefix);
        w.push_str(k);
        w.push_str(" ignored");
        if let Some(s) = known.iter().find(|c| close_enough(k, c)) {
            w.push_str(" (did you mean ");
            w.push_str(prefix);
            w.push_str(s);
            w.push_str("?)");
        }
        warnings.push(w);
    }
}

/// Typos worth a suggestion: same letters ignoring case, or at most two
/// single-character edits apart. ASCII case folding only: config keys are
/// ASCII, and Unicode case tables would cost ~10 KB of wasm.
fn close_enough(a: &str, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    let a: Vec<u8> = a.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<u8> = b.bytes().map(|c| c.to_ascii_lowercase()).collect();
    if a.len().abs_diff(b.len()) > 2 {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = if ca == cb { 0 } else { 1 };
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()] <= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(fields: Vec<(&str, Input)>) -> Input {
        Input::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    fn s(v: &str) -> Input {
        Input::String(v.to_string())
    }

    #[test]
    fn minimal_config_gets_the_defaults() {
        let (c, w) = parse_config(&obj(vec![("endpoint", s("http://127.0.0.1:8080/collect"))])).unwrap();
        assert!(w.is_empty());
        assert_eq!(c.endpoint, "http://127.0.0.1:8080/collect");
        assert_eq!(c.write_key, None);
        assert!(!c.debug);
        assert_eq!(c.batch, BatchPolicy { max_events: 50, max_bytes: 61_440, flush_interval_ms: 1000.0, max_event_bytes: 32_768 });
    }

    #[test]
    fn every_field_is_read() {
        let (c, _) = parse_config(&obj(vec![
            ("endpoint", s("/collect")),
            ("writeKey", s("demo")),
            ("debug", Input::Bool(true)),
            (
                "batch",
                obj(vec![
                    ("maxEvents", Input::Number(10.0)),
                    ("maxBytes", Input::Number(8192.0)),
                    ("flushInterval", Input::Number(250.0)),
                ]),
            ),
        ]))
        .unwrap();
        assert_eq!(c.write_key.as_deref(), Some("demo"));
        assert!(c.debug);
        assert_eq!(c.batch.max_events, 10);
        assert_eq!(c.batch.max_bytes, 8192);
        assert_eq!(c.batch.flush_interval_ms, 250.0);
        assert_eq!(c.batch.max_event_bytes, 8192 - 512);
    }

    #[test]
    fn bad_values_name_the_field() {
        let cases: Vec<(Input, &str)> = vec![
            (s("nope"), "config"),
            (obj(vec![]), "endpoint"),
            (obj(vec![("endpoint", Input::Number(1.0))]), "endpoint"),
            (obj(vec![("endpoint", s("ftp://x"))]), "endpoint"),
            (obj(vec![("endpoint", s("//evil.example/c"))]), "endpoint"),
            (obj(vec![("endpoint", s("http://"))]), "endpoint"),
            (obj(vec![("endpoint", s("/c")), ("writeKey", Input::Number(3.0))]), "writeKey"),
            (obj(vec![("endpoint", s("/c")), ("debug", s("yes"))]), "debug"),
            (obj(vec![("endpoint", s("/c")), ("batch", Input::Bool(true))]), "batch"),
            (obj(vec![("endpoint", s("/c")), ("batch", obj(vec![("maxEvents", Input::Number(0.0))]))]), "batch.maxEvents"),
            (obj(vec![("endpoint", s("/c")), ("batch", obj(vec![("maxEvents", Input::Number(2.5))]))]), "batch.maxEvents"),
            (obj(vec![("endpoint", s("/c")), ("batch", obj(vec![("maxBytes", Input::Number(10e6))]))]), "batch.maxBytes"),
            (obj(vec![("endpoint", s("/c")), ("batch", obj(vec![("flushInterval", s("1s"))]))]), "batch.flushInterval"),
        ];
        for (input, field) in cases {
            let err = parse_config(&input).unwrap_err();
            assert_eq!(err.field, field, "{input:?}");
            assert!(err.message().contains(field), "{}", err.message());
        }
        let msg = parse_config(&obj(vec![("endpoint", s("ftp://x"))])).unwrap_err().message();
        assert_eq!(msg, "invalid config: endpoint must be an http(s) URL or a path starting with '/' (got \"ftp://x\")");
    }

    #[test]
    fn consent_settings_have_defaults_and_are_checked() {
        let (c, _) = parse_config(&obj(vec![("endpoint", s("/c"))])).unwrap();
        assert_eq!(c.consent, ConsentConfig { mode: Mode::OptIn, pending: Pending::Buffer, buffer_limit: 100, gpc: true, tcf: true, google_consent_mode: true });
        let (c, _) = parse_config(&obj(vec![
            ("endpoint", s("/c")),
            (
                "consent",
                obj(vec![
                    ("mode", s("opt-out")),
                    ("pending", s("drop")),
                    ("bufferLimit", Input::Number(5.0)),
                    ("gpc", Input::Bool(false)),
                    ("tcf", Input::Bool(false)),
                    ("googleConsentMode", Input::Bool(false)),
                ]),
            ),
        ]))
        .unwrap();
        assert_eq!(c.consent, ConsentConfig { mode: Mode::OptOut, pending: Pending::Drop, buffer_limit: 5, gpc: false, tcf: false, google_consent_mode: false });
        for (consent, field) in [
            (obj(vec![("mode", s("optin"))]), "consent.mode"),
            (obj(vec![("pending", Input::Bool(true))]), "consent.pending"),
            (obj(vec![("bufferLimit", Input::Number(-1.0))]), "consent.bufferLimit"),
            (obj(vec![("gpc", s("yes"))]), "consent.gpc"),
            (s("all"), "consent"),
        ] {
            let err = parse_config(&obj(vec![("endpoint", s("/c")), ("consent", consent)])).unwrap_err();
            assert_eq!(err.field, field);
        }
        let msg = parse_config(&obj(vec![("endpoint", s("/c")), ("consent", obj(vec![("mode", s("optin"))]))])).unwrap_err().message();
        assert_eq!(msg, "invalid config: consent.mode must be 'opt-in' or 'opt-out' (got \"optin\")");
    }

    #[test]
    fn unknown_keys_warn_with_a_suggestion() {
        let (_, w) = parse_config(&obj(vec![
            ("endpoint", s("/c")),
            ("writekey", s("k")),
            ("colour", s("red")),
            ("batch", obj(vec![("maxEvent", Input::Number(3.0))])),
        ]))
        .unwrap();
        assert_eq!(
            w,
            vec![
                "unknown config key writekey ignored (did you mean writeKey?)",
                "unknown config key colour ignored",
                "unknown config key batch.maxEvent ignored (did you mean batch.maxEvents?)",
            ]
        );
    }

    #[test]
    fn resolves_paths_against_the_page_origin() {
        assert_eq!(resolve_endpoint("/collect", "https://shop.example/a/b?x=1"), "https://shop.example/collect");
        assert_eq!(resolve_endpoint("/collect", "http://127.0.0.1:8080"), "http://127.0.0.1:8080/collect");
        assert_eq!(resolve_endpoint("https://c.example/x", "https://shop.example/"), "https://c.example/x");
    }
}
