//! Reads the golden fixtures in `tests/fixtures/` with Kizuna's own JSON
//! parser, so the same code runs on the host and in the browser.

#![allow(dead_code)]

use std::rc::Rc;

use kizuna::core::consent::record::Record;
use kizuna::core::consent::state::{ConsentConfig, ConsentState, Mode, Signal};
use kizuna::core::consent::{gcm, tcf, Categories, Category, Choice};
use kizuna::core::context::{EnvContext, PageContext};
use kizuna::core::event::{Event, EventType};
use kizuna::core::json::{parse, Value};

/// The encoder fixture file.
pub const ENCODE_KIZUNA: &str = include_str!("../fixtures/encode-kizuna.json");

fn str_of(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or_else(|| panic!("fixture field {k}")).to_string()
}

fn num_of(v: &Value, k: &str) -> f64 {
    v.get(k).and_then(Value::as_f64).unwrap_or_else(|| panic!("fixture field {k}"))
}

/// One event case: its name, the event, whether marketing is granted, and
/// the exact JSON expected.
pub struct EventCase {
    pub name: String,
    pub event: Event,
    pub marketing: bool,
    pub expected: String,
}

/// Consent categories from a fixture object like `{"analytics": "granted"}`.
pub fn categories(v: &Value) -> Categories {
    let mut c = Categories::all(Choice::Unknown);
    for cat in Category::CHOOSABLE {
        if let Some(choice) = v.get(cat.name()).and_then(Value::as_str).and_then(Choice::parse) {
            c.set(cat, choice);
        }
    }
    c
}

/// One batch case: the encoded events, sentAt, write key, expected body.
pub struct BatchCase {
    pub name: String,
    pub events: Vec<String>,
    pub sent_at_ms: f64,
    pub write_key: Option<String>,
    pub expected: String,
}

/// Every case of `encode-kizuna.json`.
pub fn kizuna_cases() -> (Vec<EventCase>, Vec<BatchCase>) {
    let root = parse(ENCODE_KIZUNA).expect("fixture parses");
    let e = root.get("env").unwrap();
    let env = Rc::new(EnvContext {
        locale: str_of(e, "locale"),
        user_agent: str_of(e, "userAgent"),
        screen_width: num_of(e, "screenWidth"),
        screen_height: num_of(e, "screenHeight"),
        timezone: str_of(e, "timezone"),
    });
    let events = root
        .get("events")
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .map(|case| {
            let ev = case.get("event").unwrap();
            let page = ev.get("page").unwrap();
            let kind = match str_of(ev, "type").as_str() {
                "track" => EventType::Track,
                "page" => EventType::Page,
                _ => EventType::Identify,
            };
            EventCase {
                name: str_of(case, "name"),
                event: Event {
                    kind,
                    name: ev.get("name").and_then(Value::as_str).map(str::to_string),
                    properties: ev.get("properties").unwrap().clone(),
                    anonymous_id: str_of(ev, "anonymousId"),
                    user_id: ev.get("userId").and_then(Value::as_str).map(str::to_string),
                    message_id: str_of(ev, "messageId"),
                    timestamp_ms: num_of(ev, "timestampMs"),
                    page: Rc::new(PageContext::new(&str_of(page, "url"), &str_of(page, "title"), &str_of(page, "referrer"))),
                    env: env.clone(),
                    category: Category::parse(&str_of(ev, "category")).expect("a category"),
                    consent: categories(ev.get("consent").unwrap()),
                },
                marketing: ev.get("marketing").and_then(Value::as_bool).expect("marketing flag"),
                expected: case.get("expected").unwrap().to_json(),
            }
        })
        .collect();
    let batches = root
        .get("batches")
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .map(|case| BatchCase {
            name: str_of(case, "name"),
            events: case.get("events").and_then(Value::as_array).unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect(),
            sent_at_ms: num_of(case, "sentAtMs"),
            write_key: case.get("writeKey").and_then(Value::as_str).map(str::to_string),
            expected: str_of(case, "expected"),
        })
        .collect();
    (events, batches)
}

/// The consent decision fixture file.
pub const CONSENT: &str = include_str!("../fixtures/consent.json");

/// One consent case of `consent.json`.
pub struct ConsentCase {
    pub name: String,
    pub config: ConsentConfig,
    /// The raw signals, turned into [`Signal`]s by [`signal`].
    pub signals: Vec<Value>,
    pub expect: Categories,
    pub may_store: bool,
    pub record: Option<String>,
}

/// Every case of `consent.json`.
pub fn consent_cases() -> Vec<ConsentCase> {
    let root = parse(CONSENT).expect("fixture parses");
    root.get("cases")
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .map(|case| {
            let c = case.get("config").unwrap();
            let d = ConsentConfig::default();
            let flag = |k: &str, default: bool| c.get(k).and_then(Value::as_bool).unwrap_or(default);
            let config = ConsentConfig {
                mode: if c.get("mode").and_then(Value::as_str) == Some("opt-out") { Mode::OptOut } else { Mode::OptIn },
                pending: d.pending,
                buffer_limit: d.buffer_limit,
                gpc: flag("gpc", true),
                tcf: flag("tcf", true),
                google_consent_mode: flag("googleConsentMode", true),
            };
            ConsentCase {
                name: str_of(case, "name"),
                config,
                signals: case.get("signals").and_then(Value::as_array).unwrap().to_vec(),
                expect: categories(case.get("expect").unwrap()),
                may_store: case.get("mayStore").and_then(Value::as_bool).unwrap(),
                record: case.get("record").and_then(Value::as_str).map(str::to_string),
            }
        })
        .collect()
}

/// A fixture signal as the core sees it; `None` when the adapter says the
/// entry is not a signal at all (a non-consent dataLayer entry, say).
pub fn signal(raw: &Value) -> Option<Signal> {
    if let Some(r) = raw.get("stored") {
        return Some(Signal::Stored(Record::from_value(r).expect("a valid stored record")));
    }
    if let Some(api) = raw.get("api") {
        let choices = api
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (Category::parse(k).unwrap(), v.as_bool().unwrap()))
            .collect();
        let source = raw.get("source").and_then(Value::as_str).unwrap_or("api").to_string();
        return Some(Signal::Api { choices, source });
    }
    if raw.get("gpc").is_some() {
        return Some(Signal::Gpc);
    }
    if let Some(tc) = raw.get("tcf") {
        return tcf::read(tc).map(Signal::Tcf);
    }
    if let Some(cmd) = raw.get("gcm") {
        return gcm::read(cmd).map(Signal::Gcm);
    }
    panic!("unknown fixture signal {}", raw.to_json());
}

/// Runs one case through [`ConsentState`]; `Err` says what differed.
pub fn check_consent_case(case: &ConsentCase, signal_of: &dyn Fn(&Value) -> Option<Signal>) -> Result<(), String> {
    let mut state = ConsentState::new(case.config.clone());
    for (i, raw) in case.signals.iter().enumerate() {
        if let Some(s) = signal_of(raw) {
            state.apply(s, 1000.0 + i as f64);
        }
    }
    let got = state.effective();
    if got != case.expect {
        return Err(format!("{}: categories {:?}, expected {:?}", case.name, got, case.expect));
    }
    if state.may_store(Category::Analytics) != case.may_store {
        return Err(format!("{}: mayStore {}, expected {}", case.name, state.may_store(Category::Analytics), case.may_store));
    }
    let record = state.record().map(|r| r.source);
    if record != case.record {
        return Err(format!("{}: record {:?}, expected {:?}", case.name, record, case.record));
    }
    Ok(())
}

/// The holdout hash vectors.
pub const HOLDOUT_HASH: &str = include_str!("../fixtures/holdout-hash.json");

/// Checks every vector of `holdout-hash.json`; `Err` lists what differed.
pub fn check_holdout_vectors() -> Result<usize, String> {
    use kizuna::core::personalize::hash::{bucket, fnv1a32, in_holdout};
    let root = parse(HOLDOUT_HASH).expect("fixture parses");
    let cases = root.get("cases").and_then(Value::as_array).unwrap();
    let mut errors = Vec::new();
    for c in cases {
        let (slot, vid, key) = (str_of(c, "slot"), str_of(c, "visitorId"), str_of(c, "key"));
        let want_h = num_of(c, "fnv1a32") as u32;
        if fnv1a32(key.as_bytes()) != want_h {
            errors.push(format!("fnv1a32({key}) != {want_h}"));
        }
        if (bucket(&slot, &vid) - num_of(c, "bucket")).abs() > 1e-12 {
            errors.push(format!("bucket({slot}, {vid})"));
        }
        if in_holdout(&slot, &vid, num_of(c, "holdout")) != c.get("inHoldout").and_then(Value::as_bool).unwrap() {
            errors.push(format!("inHoldout({slot}, {vid})"));
        }
    }
    if errors.is_empty() { Ok(cases.len()) } else { Err(errors.join("\n")) }
}

/// The sanitizer cases.
pub const SANITIZE: &str = include_str!("../fixtures/sanitize.json");

/// Checks the core's sanitizing rules against `sanitize.json`.
pub fn check_sanitize_cases() -> Result<usize, String> {
    use kizuna::core::personalize::sanitize::{is_unsafe_attribute, is_unsafe_element};
    let root = parse(SANITIZE).expect("fixture parses");
    let mut n = 0;
    let mut errors = Vec::new();
    for c in root.get("elements").and_then(Value::as_array).unwrap() {
        let c = c.as_array().unwrap();
        let (tag, unsafe_) = (c[0].as_str().unwrap(), c[1].as_bool().unwrap());
        if is_unsafe_element(tag) != unsafe_ {
            errors.push(format!("element {tag}"));
        }
        n += 1;
    }
    for c in root.get("attributes").and_then(Value::as_array).unwrap() {
        let c = c.as_array().unwrap();
        let (name, value, unsafe_) = (c[0].as_str().unwrap(), c[1].as_str().unwrap(), c[2].as_bool().unwrap());
        if is_unsafe_attribute(name, value) != unsafe_ {
            errors.push(format!("attribute {name}={value:?}"));
        }
        n += 1;
    }
    if errors.is_empty() { Ok(n) } else { Err(errors.join("\n")) }
}
