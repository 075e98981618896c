//! Reads the golden fixtures in `tests/fixtures/` with Kizuna's own JSON
//! parser, so the same code runs on the host and in the browser.

#![allow(dead_code)]

use std::rc::Rc;

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

/// One event case: its name, the event, and the exact JSON expected.
pub struct EventCase {
    pub name: String,
    pub event: Event,
    pub expected: String,
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
                },
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
