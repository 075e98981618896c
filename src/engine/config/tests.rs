//! Unit tests of the tracker's config: defaults, every field, errors that
//! name the field, unset values, unknown-key warnings.

use super::*;
use crate::engine::consent::state::{ConsentConfig, Mode, Pending};

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
    assert_eq!(
        c.batch,
        BatchPolicy { max_events: 100, max_bytes: 32_768, max_request_bytes: 32_768, flush_interval_ms: 1000.0, max_event_bytes: 32_256 }
    );
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
    assert_eq!(
        c.batch,
        BatchPolicy { max_events: 10, max_bytes: 8192, max_request_bytes: 8192, flush_interval_ms: 250.0, max_event_bytes: 8192 - 512 }
    );
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
