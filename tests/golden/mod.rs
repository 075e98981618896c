//! The golden fixtures of `tests/fixtures/`, checked against the engine.
//! Shared by the host tests (`tests/fixtures.rs`) and the browser tests
//! (`tests/web.rs`, the same code compiled to wasm and run in Chromium), so
//! both builds are held to one set of expectations. The fixtures are read
//! with serde_json, not with Kizuna's own reader.

#![allow(dead_code)]

use kizuna::engine::consent::record::Record;
use kizuna::engine::consent::state::{ConsentConfig, ConsentState, Mode, Signal};
use kizuna::engine::consent::{gcm, tcf, Categories, Category, Choice};
use kizuna::engine::encode::segment::{close_batch, open_batch, write_event};
use kizuna::engine::page::{Env, Page};
use kizuna::engine::pipeline::event::{Kind, Parts};
use serde_json::Value as J;

/// The encoder fixtures.
pub const ENCODE: &str = include_str!("../fixtures/encode-kizuna.json");
/// The consent decision fixtures.
pub const CONSENT: &str = include_str!("../fixtures/consent.json");
/// The holdout hash vectors.
pub const HOLDOUT_HASH: &str = include_str!("../fixtures/holdout-hash.json");

fn s(v: &J, k: &str) -> String {
    v[k].as_str().unwrap_or_else(|| panic!("fixture field {k}")).to_string()
}

fn categories(v: &J) -> Categories {
    let mut c = Categories::all(Choice::Unknown);
    for cat in Category::CHOOSABLE {
        if let Some(choice) = v[cat.name()].as_str().and_then(Choice::parse) {
            c.set(cat, choice);
        }
    }
    c
}

/// A JSON string of a URL's decoded `utm_*` parameters, as the edge gives them.
fn utm_of(url: &str) -> String {
    let query = url.split('#').next().unwrap_or("").split_once('?').map_or("", |(_, q)| q);
    let mut out = serde_json::Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k.starts_with("utm_") {
            out.insert(decode(k), J::String(decode(v)));
        }
    }
    J::Object(out).to_string()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// Every event case of `encode-kizuna.json`: `Err` lists what differed.
pub fn check_encode_cases() -> Result<usize, String> {
    let root: J = serde_json::from_str(ENCODE).unwrap();
    let e = &root["env"];
    let env = Env {
        locale: serde_json::to_string(&e["locale"]).unwrap(),
        user_agent: serde_json::to_string(&e["userAgent"]).unwrap(),
        screen: (e["screenWidth"].as_u64().unwrap() as u32, e["screenHeight"].as_u64().unwrap() as u32),
        timezone: serde_json::to_string(&e["timezone"]).unwrap(),
    };
    let mut errors = Vec::new();
    let cases = root["events"].as_array().unwrap();
    for case in cases {
        let ev = &case["event"];
        let page = &ev["page"];
        let url = s(page, "url");
        let mut p = Page::new(1, &url, &s(page, "referrer"), &serde_json::to_string(&page["title"]).unwrap(), &utm_of(&url), "");
        let kind = match ev["type"].as_str().unwrap() {
            "track" => Kind::Track,
            "page" => Kind::Page,
            _ => Kind::Identify,
        };
        let name = ev["name"].as_str().map(|n| serde_json::to_string(n).unwrap()).unwrap_or_default();
        let user = ev["userId"].as_str().map(|n| serde_json::to_string(n).unwrap()).unwrap_or_default();
        let props = serde_json::to_string(&ev["properties"]).unwrap();
        let session = ev.get("session").map(|v| serde_json::to_string(v).unwrap()).unwrap_or_default();
        let parts = Parts {
            kind,
            category: Category::parse(&s(ev, "category")).unwrap(),
            stamp: categories(&ev["consent"]),
            time: ev["timestampMs"].as_f64().unwrap(),
            page: 1,
            message_id: ev["messageId"].as_str().unwrap(),
            anonymous_id: ev["anonymousId"].as_str().unwrap(),
            user_id: &user,
            name: &name,
            session: &session,
            props: &props,
        };
        let (fields, context) = p.encoded(&env, ev["marketing"].as_bool().unwrap());
        let mut out = String::new();
        write_event(&mut out, &parts, fields, context);
        let expected = serde_json::to_string(&case["expected"]).unwrap();
        if out != expected {
            errors.push(format!("{}:\n  got  {out}\n  want {expected}", s(case, "name")));
        }
    }
    for case in root["batches"].as_array().unwrap() {
        let mut out = String::new();
        open_batch(&mut out);
        for (i, e) in case["events"].as_array().unwrap().iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(e.as_str().unwrap());
        }
        close_batch(&mut out, case["sentAtMs"].as_f64().unwrap(), case["writeKey"].as_str());
        if out != s(case, "expected") {
            errors.push(format!("{}: {out}", s(case, "name")));
        }
    }
    if errors.is_empty() {
        Ok(cases.len())
    } else {
        Err(errors.join("\n"))
    }
}

fn signal(raw: &J) -> Option<Signal> {
    if let Some(r) = raw.get("stored") {
        return Some(Signal::Stored(Record::parse(&r.to_string()).expect("a valid stored record")));
    }
    if let Some(api) = raw.get("api") {
        let choices = api.as_object().unwrap().iter().map(|(k, v)| (Category::parse(k).unwrap(), v.as_bool().unwrap())).collect();
        let source = raw["source"].as_str().unwrap_or("api").to_string();
        return Some(Signal::Api { choices, source });
    }
    if raw.get("gpc").is_some() {
        return Some(Signal::Gpc);
    }
    // A CMP's TCData and a Consent Mode command as the edge reads them (null: nothing crosses).
    let n = |v: &J, i: usize| v[i].as_f64().unwrap() as u32;
    if raw.get("tcf").is_some() {
        let q = &raw["q"];
        return (!q.is_null()).then(|| Signal::Tcf(tcf::of(n(q, 0) == 1, n(q, 1) == 1, n(q, 2))));
    }
    if raw.get("gcm").is_some() {
        let m = &raw["m"];
        return (!m.is_null())
            .then(|| Signal::Gcm(gcm::GcmCommand { update: n(m, 0) == 1, fields: [1, 2, 3, 4, 5].map(|i| gcm::choice(n(m, i))) }));
    }
    panic!("unknown fixture signal {raw}");
}

/// Every case of `consent.json`: `Err` lists what differed.
pub fn check_consent_cases() -> Result<usize, String> {
    let root: J = serde_json::from_str(CONSENT).unwrap();
    let cases = root["cases"].as_array().unwrap();
    let mut errors = Vec::new();
    for case in cases {
        let c = &case["config"];
        let flag = |k: &str| c[k].as_bool().unwrap_or(true);
        let config = ConsentConfig {
            mode: if c["mode"].as_str() == Some("opt-out") { Mode::OptOut } else { Mode::OptIn },
            gpc: flag("gpc"),
            tcf: flag("tcf"),
            google_consent_mode: flag("googleConsentMode"),
            ..ConsentConfig::default()
        };
        let mut state = ConsentState::new(config);
        for (i, raw) in case["signals"].as_array().unwrap().iter().enumerate() {
            if let Some(sig) = signal(raw) {
                state.apply(sig, 1000.0 + i as f64);
            }
        }
        let name = s(case, "name");
        if state.effective() != categories(&case["expect"]) {
            errors.push(format!("{name}: categories {:?}", state.effective()));
        }
        if state.may_store(Category::Analytics) != case["mayStore"].as_bool().unwrap() {
            errors.push(format!("{name}: mayStore"));
        }
        if state.record().map(|r| r.source) != case["record"].as_str().map(String::from) {
            errors.push(format!("{name}: record"));
        }
    }
    if errors.is_empty() {
        Ok(cases.len())
    } else {
        Err(errors.join("\n"))
    }
}

/// Every vector of `holdout-hash.json`: `Err` lists what differed.
pub fn check_holdout_vectors() -> Result<usize, String> {
    use kizuna::engine::personalize::hash::{bucket, fnv1a32, in_holdout};
    let root: J = serde_json::from_str(HOLDOUT_HASH).unwrap();
    let cases = root["cases"].as_array().unwrap();
    let mut errors = Vec::new();
    for c in cases {
        let (slot, vid, key) = (s(c, "slot"), s(c, "visitorId"), s(c, "key"));
        if fnv1a32(key.as_bytes()) != c["fnv1a32"].as_u64().unwrap() as u32 {
            errors.push(format!("fnv1a32({key})"));
        }
        if (bucket(&slot, &vid) - c["bucket"].as_f64().unwrap()).abs() > 1e-12 {
            errors.push(format!("bucket({slot}, {vid})"));
        }
        if in_holdout(&slot, &vid, c["holdout"].as_f64().unwrap()) != c["inHoldout"].as_bool().unwrap() {
            errors.push(format!("inHoldout({slot}, {vid})"));
        }
    }
    if errors.is_empty() {
        Ok(cases.len())
    } else {
        Err(errors.join("\n"))
    }
}
