//! The engines' config against the one config schema
//! (tests/fixtures/config-schema.json): every field it lists is read back
//! as given, an unset field takes the schema's default, and the `Default`
//! impls agree.
//!
//! The edge validates the config (js/edge/config.js the tracker's part,
//! js/edge/personal.js the personalization module's, held to the same
//! schema by tests/config.test.mjs and tests/personal-config.test.mjs:
//! wrong values, bounds, unknown keys, required fields) and it crosses as
//! records: here they are written by the test codec (tests/codec) and read
//! by the engines' readers. tests/fixtures/config-records.json holds the
//! codec and the edge to the same records. tests/types.test.mjs holds
//! js/index.d.ts and the README to the same schema.

#![cfg(not(target_arch = "wasm32"))]

#[path = "codec/mod.rs"]
mod codec;

use kizuna::engine::config::{BatchPolicy, Config, Privacy, QueuePolicy, StorePolicy};
use kizuna::engine::consent::state::{ConsentConfig, Mode, Pending};
use kizuna::engine::personalize::config::{PersonalizeConfig, ProfileConfig};
use kizuna::engine::personalize::rules::Visitor;
use serde_json::{json, Map, Value};

/// The schema's fields, in its order.
fn schema() -> Vec<(String, Value)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/config-schema.json")).expect("the schema");
    let v: Value = serde_json::from_str(&text).expect("the schema is JSON");
    v["fields"].as_object().expect("fields").iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// A path with its placeholders replaced by the names these tests use.
fn concrete(path: &str) -> String {
    path.replace("<slot>", "hero").replace("<id>", "a").replace("<name>", "j")
}

/// What a field's own value looks like: sections and maps are objects.
fn is_leaf(f: &Value) -> bool {
    !matches!(f["type"].as_str(), Some("object" | "map"))
}

/// A config holding `value` at `path` (or only its parents, when `None`),
/// with `endpoint` and the fields required beside it.
fn build(fields: &[(String, Value)], path: &str, value: Option<Value>) -> Value {
    let mut root = json!({});
    for (p, f) in fields {
        let parent = p.rsplit_once('.').map_or("", |(a, _)| a);
        let beside = parent.is_empty() || path == parent || path.starts_with(&format!("{parent}."));
        if (f["required"] == true || f["requiredUnless"].is_string()) && beside && p != path {
            put(&mut root, &concrete(p), Some(f["example"].clone()));
        }
    }
    put(&mut root, &concrete(path), value);
    root
}

/// Sets `path` in `root` (`None`: only makes the objects on the way).
fn put(root: &mut Value, path: &str, value: Option<Value>) {
    let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
    let holder = parent
        .split('.')
        .filter(|k| !k.is_empty())
        .fold(root, |at, k| at.as_object_mut().expect("an object on the way").entry(k).or_insert_with(|| json!({})));
    if let Some(v) = value {
        holder.as_object_mut().expect("an object to hold it").insert(key.into(), v);
    }
}

/// `config` (a valid one) as the engines read it: its records as the edge
/// writes them, read by each engine's reader.
fn parse(config: &Value) -> (Config, PersonalizeConfig) {
    let text = config.to_string();
    (codec::config(&text), codec::personal_config(&text))
}

/// What the engines read for `path`, in the schema's units (`None`: no
/// engine reads it). Every leaf of the schema needs a line here.
fn read(path: &str, c: &Config, p: &PersonalizeConfig) -> Option<Value> {
    let pick = |names: &[Value], i: u8| names[usize::from(i)].clone();
    let slot = || p.slots.first().expect("slot hero");
    let variant = || slot().variants.first().expect("variant a");
    let rules = || &variant().rules;
    let journey = || p.journeys.first().expect("journey j");
    let insights = || p.insights.as_ref().expect("insights on");
    Some(match path {
        "endpoint" => json!(c.endpoint),
        "writeKey" => json!(c.write_key),
        "format" => json!(if c.snowplow { "snowplow" } else { "segment" }),
        "debug" => {
            assert_eq!(c.debug, p.debug, "both engines read debug alike");
            json!(c.debug)
        }
        "batch.maxEvents" => json!(c.batch.max_events),
        "batch.maxBytes" => json!(c.batch.max_bytes),
        "batch.flushInterval" => json!(c.batch.flush_interval_ms),
        "batch.maxEventBytes" => json!(c.batch.max_event_bytes),
        "batch.maxRequestBytes" => json!(c.batch.max_request_bytes),
        "queue.maxEvents" => json!(c.queue.max_events),
        "queue.maxBytes" => json!(c.queue.max_bytes),
        "queue.whenFull" => json!(if c.queue.drop_newest { "drop-newest" } else { "drop-oldest" }),
        "store.persist" => json!(c.store.persist),
        "store.maxEvents" => json!(c.store.max_events),
        "store.maxBytes" => json!(c.store.max_bytes),
        "store.maxAgeDays" => json!(c.store.max_age_ms / 86_400_000.0),
        "autotrack.pageviews" => pick(&[json!("history"), json!("load"), json!(false)], c.auto.pageviews),
        "autotrack.hashChanges" => json!(c.auto.hash_changes),
        "autotrack.sessions" => json!(c.auto.sessions),
        "autotrack.sessionMinutes" => json!(c.auto.session_ms / 60_000.0),
        "autotrack.clicks" => json!(c.auto.clicks),
        "autotrack.scroll" => json!(c.auto.scroll),
        "autotrack.engagement" => json!(c.auto.engagement),
        "autotrack.heartbeatSeconds" => json!(c.auto.heartbeat_ms / 1000.0),
        "autotrack.forms" => json!(c.auto.forms),
        "consent.mode" => json!(if c.consent.mode == Mode::OptOut { "opt-out" } else { "opt-in" }),
        "consent.pending" => json!(if c.consent.pending == Pending::Drop { "drop" } else { "buffer" }),
        "consent.bufferLimit" => json!(c.consent.buffer_limit),
        "consent.gpc" => json!(c.consent.gpc),
        "consent.tcf" => json!(c.consent.tcf),
        "consent.googleConsentMode" => json!(c.consent.google_consent_mode),
        "consent.gpp" => json!(c.consent.gpp),
        "privacy.userAgent" => pick(&[json!("full"), json!("browser"), json!("none")], c.privacy.user_agent),
        "privacy.referrer" => pick(&[json!("full"), json!("no-query"), json!("origin"), json!("none")], c.privacy.referrer),
        "privacy.userId" => pick(&[json!("send"), json!("hash"), json!("drop")], c.privacy.user_id),
        "privacy.userIdSalt" => json!(c.privacy.salt),
        "profile.halfLifeDays" => json!(p.profile.half_life_days),
        "profile.sensitive" => {
            assert_eq!(c.sensitive, p.profile.sensitive, "both engines read profile.sensitive alike");
            json!(p.profile.sensitive)
        }
        "slots.<slot>.holdout" => json!(slot().holdout),
        "slots.<slot>.explore" => json!(slot().explore),
        // Unset, the model's learned prior or else the default.
        "slots.<slot>.variants.<id>.prior" => json!(variant().prior.unwrap_or(kizuna::engine::personalize::slots::DEFAULT_PRIOR)),
        "slots.<slot>.variants.<id>.tags" => json!(variant().tags),
        "slots.<slot>.variants.<id>.rules.segment" => json!(rules().segments.iter().map(|s| s.name()).collect::<Vec<_>>()),
        "slots.<slot>.variants.<id>.rules.minAffinity" => {
            Value::Object(rules().min_affinity.iter().map(|(t, n)| (t.clone(), json!(n))).collect::<Map<_, _>>())
        }
        "slots.<slot>.variants.<id>.rules.pathPrefix" => json!(rules().path_prefix),
        "slots.<slot>.variants.<id>.rules.utmSource" => json!(rules().utm_source),
        "slots.<slot>.variants.<id>.rules.utmCampaign" => json!(rules().utm_campaign),
        "slots.<slot>.variants.<id>.rules.visitor" => json!(rules().visitor.map(|v| if v == Visitor::New { "new" } else { "returning" })),
        "slots.<slot>.variants.<id>.rules.device" => json!(rules().devices.iter().map(|d| d.name()).collect::<Vec<_>>()),
        "journeys.<name>.on" => json!(journey().on.name()),
        "journeys.<name>.message" => json!(journey().message),
        "journeys.<name>.link" => json!(journey().link),
        "journeys.<name>.survey" => json!(journey().survey),
        "journeys.<name>.windowMinutes" => json!(journey().window_minutes),
        "journeys.<name>.dormantDays" => json!(journey().dormant_days),
        "journeys.<name>.sessions" => json!(journey().sessions),
        "journeys.<name>.perSession" => json!(journey().per_session),
        "journeys.<name>.perVisitor" => json!(journey().per_visitor),
        "journeys.<name>.everyDays" => json!(journey().every_days),
        "journeys.<name>.quietDays" => json!(journey().quiet_days),
        "journeyCaps.perSession" => json!(p.journeys_per_session),
        "insights.epsilon" => json!(insights().epsilon),
        "insights.everyDays" => json!(insights().every_days),
        "insights.topics" => json!(insights().topics),
        "recommendations" => return None,
        "model" => return None,
        other => panic!("no reader for schema field {other}: add one to read()"),
    })
}

/// Numbers compared as numbers (`7` and `7.0` are the same default), one
/// topic as a list of one.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(_), Value::Array(l)) | (Value::Array(l), Value::String(_)) => {
            l.len() == 1 && same(&l[0], if a.is_array() { b } else { a })
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w))),
        _ => a == b,
    }
}

#[test]
fn every_field_takes_its_example_and_the_engines_read_it() {
    let fields = schema();
    for (path, f) in &fields {
        let config = build(&fields, path, Some(f["example"].clone()));
        let (c, p) = parse(&config);
        if is_leaf(f) {
            if let Some(got) = read(path, &c, &p) {
                // An enums field is a set: it crosses as a bitmask.
                let want = if f["type"] == "enums" { in_schema_order(&f["example"], &f["values"]) } else { f["example"].clone() };
                assert!(same(&got, &want), "{path}: gave {} read {got}", f["example"]);
            }
        }
    }
}

/// The values of `list` (one or a list) in the order of `values`.
fn in_schema_order(list: &Value, values: &Value) -> Value {
    let given = if list.is_array() { list.as_array().unwrap().clone() } else { vec![list.clone()] };
    Value::Array(values.as_array().unwrap().iter().filter(|v| given.contains(v)).cloned().collect())
}

#[test]
fn an_unset_field_takes_the_schema_default() {
    let fields = schema();
    for (path, f) in fields.iter().filter(|(_, f)| is_leaf(f) && f.get("default").is_some()) {
        let config = build(&fields, path, None);
        let (c, p) = parse(&config);
        if let Some(got) = read(path, &c, &p) {
            assert!(same(&got, &f["default"]), "{path}: schema default {} but the engine took {got}", f["default"]);
        }
    }
}

#[test]
fn the_default_impls_are_what_an_empty_config_gets() {
    let (c, p) = parse(&json!({ "endpoint": "/c" }));
    assert_eq!(c.batch, BatchPolicy::default());
    assert_eq!(c.queue, QueuePolicy::default());
    assert_eq!(c.store, StorePolicy::default());
    assert_eq!(c.consent, ConsentConfig::default());
    assert_eq!(c.privacy, Privacy::default());
    assert_eq!(p.profile, ProfileConfig::default());
}

#[test]
fn autotrack_false_switches_every_part_off() {
    let fields = schema();
    let (c, p) = parse(&json!({ "endpoint": "/c", "autotrack": false }));
    for (path, _) in fields.iter().filter(|(p, f)| p.starts_with("autotrack.") && f["type"] != "integer") {
        assert_eq!(read(path, &c, &p), Some(json!(false)), "{path}");
    }
}

#[test]
fn the_test_codec_writes_the_records_the_edge_writes() {
    let doc: Value = serde_json::from_str(include_str!("fixtures/config-records.json")).unwrap();
    let spec: Value = serde_json::from_str(include_str!("../src/engine/protocol.json")).unwrap();
    let k = spec["tracker"]["in"].as_array().unwrap().iter().find(|r| r["kind"] == "K").unwrap().clone();
    let names: Vec<&str> = k["fields"].as_array().unwrap().iter().map(|f| f[0].as_str().unwrap()).collect();
    let show = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    for case in doc["cases"].as_array().unwrap() {
        let mut want: Vec<String> = doc["unset"].as_array().unwrap().iter().map(show).collect();
        for (name, v) in case["set"].as_object().unwrap() {
            let i = names.iter().position(|n| n == name).unwrap_or_else(|| panic!("{name} is not a field of K"));
            want[i] = show(v);
        }
        let mut text = format!("K{}", want.join("\u{1f}"));
        for t in case["sensitive"].as_array().into_iter().flatten() {
            text.push_str(&format!("\u{1e}H{}", t.as_str().unwrap()));
        }
        assert_eq!(codec::config_text(&case["config"].to_string()), text, "{}", case["config"]);
    }
}

#[test]
fn the_test_codec_writes_the_personalization_records_the_edge_writes() {
    let doc: Value = serde_json::from_str(include_str!("fixtures/config-records.json")).unwrap();
    for case in doc["personal"].as_array().unwrap() {
        let want: Vec<(u8, Vec<codec::F>)> = case["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let r = r.as_array().unwrap();
                let fields =
                    r[1..].iter().map(|v| v.as_f64().map_or_else(|| codec::F::S(v.as_str().unwrap().into()), codec::F::N)).collect();
                (r[0].as_str().unwrap().as_bytes()[0], fields)
            })
            .collect();
        assert_eq!(codec::personal_records(&case["config"]), want, "{}", case["config"]);
    }
}
