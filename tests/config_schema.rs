//! The engines' config against the one config schema
//! (tests/fixtures/config-schema.json): every field it lists is read back
//! as given, an unset field takes the schema's default, and the `Default`
//! impls agree; for the personalization module's sections, which its
//! engine validates, a wrong value is also an error naming the field and an
//! unknown key a warning.
//!
//! The tracker's part is validated by the edge (js/edge/config.js, held to
//! the same schema by tests/config.test.mjs) and crosses as the `K` record:
//! here it is written by the test codec and read by the engine's reader
//! (`read_config`), the personalization module's part parsed as `init`
//! does. tests/types.test.mjs holds js/index.d.ts and the README to the
//! same file.

#![cfg(not(target_arch = "wasm32"))]

#[path = "codec/mod.rs"]
mod codec;

use kizuna::engine::config::{BatchPolicy, Config, ConfigError, Privacy, QueuePolicy, StorePolicy};
use kizuna::engine::consent::state::{ConsentConfig, Mode, Pending};
use kizuna::engine::personalize::config::{parse as parse_personalize, PersonalizeConfig, ProfileConfig};
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

/// `config` as `init` reads it: the personalization module's parser, and
/// the tracker's part as it crosses (the edge has validated it); the
/// personalization module's warnings.
fn parse(config: &Value) -> Result<(Config, PersonalizeConfig, Vec<String>), ConfigError> {
    let text = config.to_string();
    let mut warnings = Vec::new();
    let p = parse_personalize(&text, &mut warnings)?;
    Ok((codec::config(&text), p, warnings))
}

/// Whether the edge validates `path` (a field of the tracker's part, or
/// the top level): the parts the `K` record's fields are in.
fn edge_checks(path: &str) -> bool {
    let spec: Value = serde_json::from_str(include_str!("../src/engine/protocol.json")).unwrap();
    let k = spec["tracker"]["in"].as_array().unwrap().iter().find(|r| r["kind"] == "K").unwrap().clone();
    let top = path.split('.').next().unwrap_or(path);
    path.is_empty() || k["fields"].as_array().unwrap().iter().any(|f| f[0].as_str().unwrap().split('.').next() == Some(top))
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
        "model" => json!(p.model),
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

/// The number a bound names: a number, or `other.field - n` (another
/// field's default less `n`).
fn bound(fields: &[(String, Value)], b: &Value) -> Option<f64> {
    if let Some(n) = b.as_f64() {
        return Some(n);
    }
    let (field, less) = b.as_str()?.split_once(" - ")?;
    let of = fields.iter().find(|(p, _)| p == field).expect("the bound's field");
    Some(of.1["default"].as_f64()? - less.parse::<f64>().ok()?)
}

/// A number as the edge writes it: whole numbers without `.0`.
fn num(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

#[test]
fn every_field_takes_its_example_without_a_warning_and_the_engines_read_it() {
    let fields = schema();
    for (path, f) in &fields {
        let config = build(&fields, path, Some(f["example"].clone()));
        let (c, p, warnings) = parse(&config).unwrap_or_else(|e| panic!("{path}: {config} rejected: {}", e.message()));
        assert!(warnings.is_empty(), "{path}: {config} warned {warnings:?}");
        if is_leaf(f) {
            if let Some(got) = read(path, &c, &p) {
                assert!(same(&got, &f["example"]), "{path}: gave {} read {got}", f["example"]);
            }
        }
    }
}

#[test]
fn an_unset_field_takes_the_schema_default() {
    let fields = schema();
    for (path, f) in fields.iter().filter(|(_, f)| is_leaf(f) && f.get("default").is_some()) {
        let config = build(&fields, path, None);
        let (c, p, _) = parse(&config).unwrap_or_else(|e| panic!("{path}: {config}: {}", e.message()));
        if let Some(got) = read(path, &c, &p) {
            assert!(same(&got, &f["default"]), "{path}: schema default {} but the engine took {got}", f["default"]);
        }
    }
}

#[test]
fn the_default_impls_are_what_an_empty_config_gets() {
    let (c, p, _) = parse(&json!({ "endpoint": "/c" })).unwrap();
    assert_eq!(c.batch, BatchPolicy::default());
    assert_eq!(c.queue, QueuePolicy::default());
    assert_eq!(c.store, StorePolicy::default());
    assert_eq!(c.consent, ConsentConfig::default());
    assert_eq!(c.privacy, Privacy::default());
    assert_eq!(p.profile, ProfileConfig::default());
}

/// Values `f` must refuse, from its type and bounds.
fn wrong_values(fields: &[(String, Value)], f: &Value) -> Vec<Value> {
    let (min, max) = (f.get("min").and_then(|b| bound(fields, b)), f.get("max").and_then(|b| bound(fields, b)));
    let exclusive = f["exclusive"] == true;
    let mut wrong = match f["type"].as_str().expect("type") {
        "boolean" => vec![json!("yes"), json!(1)],
        "integer" => vec![json!("1s"), num(min.unwrap_or(0.0) + 1.5)],
        "number" => vec![json!("1"), json!(true)],
        "enum" => vec![json!("nope"), json!(true)],
        "enums" => vec![json!("nope"), json!(["nope"]), json!(3)],
        "string" => vec![json!(1), json!(["a"])],
        "topics" => vec![json!(5), json!([5]), json!("")],
        "object" if f["orFalse"] == true => vec![json!(5), json!(true), json!("x")],
        "object" | "map" => vec![json!(5), json!(false), json!("x")],
        "shares" => vec![json!(5), json!({ "shoes": 2 }), json!({ "shoes": "x" })],
        other => panic!("unknown schema type {other}"),
    };
    let step = if f["type"] == "integer" { 1.0 } else { 0.01 };
    wrong.extend(min.map(|m| num(if exclusive { m } else { m - step })));
    wrong.extend(max.map(|m| num(if exclusive { m } else { m + step })));
    if f["nonEmpty"] == true {
        wrong.push(json!(""));
    }
    wrong.extend(f["maxLength"].as_u64().map(|n| json!("x".repeat(n as usize + 1))));
    wrong
}

#[test]
fn a_wrong_value_is_an_error_naming_the_field() {
    let fields = schema();
    for (path, f) in fields.iter().filter(|(p, f)| f["readBy"] != "edge" && !edge_checks(p)) {
        let name = concrete(path);
        for v in wrong_values(&fields, f) {
            let config = build(&fields, path, Some(v.clone()));
            let err = match parse(&config) {
                Ok(_) => panic!("{path}: {v} accepted"),
                Err(e) => e,
            };
            // A value inside a shares map is named by its own path.
            assert!(
                err.field == name || err.field.starts_with(&format!("{name}.")),
                "{path}: {v} rejected naming {} ({})",
                err.field,
                err.message()
            );
            assert!(err.message().contains(&err.field), "{}", err.message());
        }
    }
}

#[test]
fn the_bounds_themselves_are_accepted() {
    let fields = schema();
    for (path, f) in fields.iter().filter(|(p, f)| f.get("min").is_some() && !edge_checks(p)) {
        let (min, max) = (bound(&fields, &f["min"]).unwrap(), bound(&fields, &f["max"]).unwrap());
        let inside = if f["exclusive"] == true { vec![min + 0.01, max - 0.01] } else { vec![min, max] };
        let mut values: Vec<Value> = inside.into_iter().map(num).collect();
        if f["type"] == "number" {
            // A share or a number of days may be fractional (x.25 or x.75).
            values.push(num((min + max) / 2.0 + 0.25));
        }
        for v in values {
            let v = if f["type"] == "shares" { json!({ "shoes": v }) } else { v };
            let config = build(&fields, path, Some(v.clone()));
            if let Err(e) = parse(&config) {
                panic!("{path}: {v} rejected: {}", e.message());
            }
        }
    }
}

#[test]
fn an_unknown_key_warns_in_every_section() {
    let fields = schema();
    let sections = fields.iter().filter(|(p, f)| f["type"] == "object" && !edge_checks(p)).map(|(p, _)| p.clone());
    for path in sections {
        let typo = if path.is_empty() { "zzUnknown".to_string() } else { format!("{path}.zzUnknown") };
        let config = build(&fields, &typo, Some(json!(1)));
        let (_, _, warnings) = parse(&config).unwrap_or_else(|e| panic!("{typo}: {}", e.message()));
        let want = format!("unknown config key {} ignored", concrete(&typo));
        assert_eq!(warnings, [want], "{config}");
    }
}

#[test]
fn a_key_of_another_section_is_unknown_here() {
    let fields = schema();
    let key = |p: &str| p.rsplit('.').next().unwrap_or(p).to_string();
    for (section, _) in fields.iter().filter(|(p, f)| f["type"] == "object" && !edge_checks(p)) {
        let own: Vec<String> = fields
            .iter()
            .filter(|(p, _)| p.strip_prefix(section.as_str()).is_some_and(|r| r.starts_with('.') && !r[1..].contains('.')))
            .map(|(p, _)| key(p))
            .collect();
        for (other, f) in fields.iter().filter(|(p, f)| p.contains('.') && is_leaf(f) && !own.contains(&key(p))) {
            let stray = format!("{section}.{}", key(other));
            let config = build(&fields, &stray, Some(f["example"].clone()));
            let (_, _, warnings) = parse(&config).unwrap_or_else(|e| panic!("{stray}: {}", e.message()));
            // A suggestion may follow (`batch.userId` looks like a typo of another key).
            let want = format!("unknown config key {} ignored", concrete(&stray));
            assert!(warnings.len() == 1 && warnings[0].starts_with(&want), "{config} warned {warnings:?}");
        }
    }
}

#[test]
fn a_missing_required_field_is_an_error_naming_it() {
    let fields = schema();
    for (path, f) in fields.iter().filter(|(p, f)| (f["required"] == true || f["requiredUnless"].is_string()) && !edge_checks(p)) {
        let mut config = build(&fields, path, None);
        let (parent, key) = concrete(path).rsplit_once('.').map_or((String::new(), concrete(path)), |(a, b)| (a.into(), b.into()));
        let holder = parent.split('.').filter(|k| !k.is_empty()).fold(&mut config, |at, k| &mut at[k]);
        holder.as_object_mut().unwrap().remove(&key);
        match parse(&config) {
            Ok(_) => panic!("{path}: {config} accepted without it"),
            Err(e) => assert_eq!(e.field, concrete(path), "{}", e.message()),
        }
        if let Some(unless) = f["requiredUnless"].as_str() {
            holder_set(&mut config, &parent, unless);
            assert!(parse(&config).is_ok(), "{path} is not needed with {unless}: {config}");
        }
    }
}

/// Sets `parent.key` to `true`.
fn holder_set(config: &mut Value, parent: &str, key: &str) {
    let holder = parent.split('.').fold(config, |at, k| &mut at[k]);
    holder[key] = json!(true);
}

#[test]
fn autotrack_false_switches_every_part_off() {
    let fields = schema();
    let (c, p, _) = parse(&json!({ "endpoint": "/c", "autotrack": false })).unwrap();
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
