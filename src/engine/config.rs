//! The configuration a site passes to `init`, validated field by field from
//! the edge's description of it.
//!
//! One convention for every section, the personalization module's included
//! ([`Section`]): a wrong value is an error that names the field (`init`
//! rejects with it); an unknown key is a warning, with a suggestion when it
//! looks like a typo, so a config written for a newer version still starts.

use crate::prelude::*;

use super::consent::state::{ConsentConfig, Mode, Pending};
use super::text::json::{self, Kind};
use super::text::num::write_fixed;
use super::text::url::is_valid_endpoint;

/// Limits that decide when queued events are sent.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchPolicy {
    /// Send when this many events are queued. Default 50.
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
        BatchPolicy { max_events: 50, max_bytes: 60 * 1024, flush_interval_ms: 1000.0, max_event_bytes: 32 * 1024 }
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
            q.extend(s.chars().take(80));
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
        let prefix = if path.is_empty() { String::new() } else { [path, "."].concat() };
        for (k, _) in json::members(text) {
            let key = json::string(k).unwrap_or_default();
            if known.contains(&key.as_str()) {
                continue;
            }
            let mut w = String::from("unknown config key ");
            w.push_str(&prefix);
            w.push_str(&key);
            w.push_str(" ignored");
            if let Some(s) = known.iter().find(|c| close_enough(&key, c)) {
                for part in [" (did you mean ", &prefix, s, "?)"] {
                    w.push_str(part);
                }
            }
            warnings.push(w);
        }
        Ok(Section { prefix, text })
    }

    /// The dotted path of `key`.
    pub fn path(&self, key: &str) -> String {
        [self.prefix.as_str(), key].concat()
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
        match json::number(v) {
            Some(n) if n >= min && n <= max && (!integer || super::text::num::floor(n) == n) => Ok(n),
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
        options.iter().position(|o| *o == s).ok_or_else(|| {
            let mut expected = String::new();
            for (i, o) in options.iter().enumerate() {
                expected.push_str(if i == 0 { "'" } else if i + 1 == options.len() { " or '" } else { ", '" });
                expected.push_str(o);
                expected.push('\'');
            }
            self.error(key, &expected, v)
        })
    }
}

const TOP_KEYS: &[&str] = &["endpoint", "writeKey", "debug", "batch", "consent", "slots", "profile"];
const BATCH_KEYS: &[&str] = &["maxEvents", "maxBytes", "flushInterval", "maxEventBytes"];
const CONSENT_KEYS: &[&str] = &["mode", "pending", "bufferLimit", "gpc", "tcf", "googleConsentMode"];

/// Validates the (described) object given to `init`. Returns the config
/// and the warnings about keys it ignored.
pub fn parse_config(text: &str) -> Result<(Config, Vec<String>), ConfigError> {
    let mut warnings = Vec::new();
    let top = Section::open(text, "", TOP_KEYS, &mut warnings)?;
    let endpoint = match top.get("endpoint") {
        None => return Err(ConfigError::new("endpoint", "set to the collector's URL", "nothing")),
        Some(v) => match json::string(v) {
            Some(s) if is_valid_endpoint(&s) => s,
            Some(_) => return Err(top.error("endpoint", "an http(s) URL or a path starting with '/'", v)),
            None => return Err(top.error("endpoint", "a URL string", v)),
        },
    };
    let write_key = match top.get("writeKey") {
        None => None,
        Some(v) => match json::string(v) {
            Some(s) if !s.is_empty() && s.len() <= 256 => Some(s),
            _ => return Err(top.error("writeKey", "a non-empty string of at most 256 characters", v)),
        },
    };
    let debug = top.boolean("debug", false)?;
    let d = BatchPolicy::default();
    let batch = match top.get("batch") {
        None => d,
        Some(v) => {
            let b = Section::open(v, "batch", BATCH_KEYS, &mut warnings)?;
            let max_bytes = b.number("maxBytes", 1024.0, 500_000.0, true, d.max_bytes as f64)? as usize;
            BatchPolicy {
                max_events: b.number("maxEvents", 1.0, 1000.0, true, d.max_events as f64)? as usize,
                max_bytes,
                flush_interval_ms: b.number("flushInterval", 0.0, 60_000.0, true, d.flush_interval_ms)?,
                // An event must fit in a batch with its envelope, so the
                // event limit follows a smaller batch limit down.
                max_event_bytes: b.number(
                    "maxEventBytes",
                    256.0,
                    (max_bytes - 512) as f64,
                    true,
                    d.max_event_bytes.min(max_bytes - 512) as f64,
                )? as usize,
            }
        }
    };
    let dc = ConsentConfig::default();
    let consent = match top.get("consent") {
        None => dc,
        Some(v) => {
            let c = Section::open(v, "consent", CONSENT_KEYS, &mut warnings)?;
            ConsentConfig {
                mode: [Mode::OptIn, Mode::OptOut][c.one_of("mode", &["opt-in", "opt-out"], 0)?],
                pending: [Pending::Buffer, Pending::Drop][c.one_of("pending", &["buffer", "drop"], 0)?],
                buffer_limit: c.number("bufferLimit", 0.0, 10_000.0, true, dc.buffer_limit as f64)? as usize,
                gpc: c.boolean("gpc", dc.gpc)?,
                tcf: c.boolean("tcf", dc.tcf)?,
                google_consent_mode: c.boolean("googleConsentMode", dc.google_consent_mode)?,
            }
        }
    };
    Ok((Config { endpoint, write_key, debug, batch, consent }, warnings))
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
        assert_eq!(c.batch, BatchPolicy { max_events: 50, max_bytes: 61_440, flush_interval_ms: 1000.0, max_event_bytes: 32_768 });
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
        assert_eq!(c.consent, ConsentConfig { mode: Mode::OptOut, pending: Pending::Drop, buffer_limit: 5, gpc: false, tcf: false, google_consent_mode: false });
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
