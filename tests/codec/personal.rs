//! The host tests' writer of the personalization config records (`P` and
//! the records after it), driven by the one config schema and the field
//! names of `src/engine/protocol.json`, as `js/edge/personal.js` writes
//! them for a valid config. What both write for the same configs is held
//! to `tests/fixtures/config-records.json` (`personal`).

use serde_json::Value as J;

use super::{schema, spec, F};

// As the edge's: a survey without a message asks the NPS question.
const SURVEY: &str = "How likely are you to recommend us to a friend or colleague?";
const PRIOR: &str = "slots.<slot>.variants.<id>.prior";

/// The field names of a personalizer record.
fn names(kind: &str) -> Vec<String> {
    let r = spec()["personalizer"]["in"].as_array().unwrap().iter().find(|r| r["kind"] == kind).unwrap();
    r["fields"].as_array().unwrap().iter().map(|f| f[0].as_str().unwrap().to_string()).collect()
}

/// A topic name as the engines keep it.
fn topic(t: &J) -> String {
    t.as_str().unwrap().trim_ascii().to_ascii_lowercase()
}

/// The strings of a `'a'` or `['a', 'b']` value (none when unset).
fn many(v: Option<&J>) -> Vec<&J> {
    match v {
        None => Vec::new(),
        Some(J::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
    }
}

/// `o`'s value at the dotted `path`, null as unset.
fn at<'a>(o: &'a J, path: &str) -> Option<&'a J> {
    path.split('.').try_fold(o, |v, k| v.get(k)).filter(|v| !v.is_null())
}

/// How the field at schema path `rule` crosses, given its value `v`.
fn cross(rule: &str, v: Option<&J>) -> F {
    let r = &schema()["fields"][rule];
    let no_default = r["default"].is_null();
    let index = |x: &J| r["values"].as_array().unwrap().iter().position(|y| y == x).unwrap_or_else(|| panic!("{rule}: {x}"));
    match (r["type"].as_str().unwrap(), v) {
        ("object", v) => F::N(f64::from(u8::from(v.is_some()))),
        ("string", None) if rule.ends_with(".message") => F::S(SURVEY.into()),
        ("string", v) => F::S(v.and_then(J::as_str).unwrap_or("").into()),
        ("enums", v) => F::N(many(v).into_iter().map(|x| 1u32 << index(x)).sum::<u32>().into()),
        ("enum", Some(x)) => F::N((index(x) + usize::from(no_default)) as f64),
        ("enum", None) => F::N(if no_default { 0.0 } else { index(&r["default"]) as f64 }),
        ("boolean", v) => F::N(f64::from(u8::from(v.unwrap_or(&r["default"]).as_bool().unwrap()))),
        (_, None) if rule == PRIOR => F::N(0.0),
        (_, v) => F::N(v.unwrap_or(&r["default"]).as_f64().unwrap()),
    }
}

/// The record `kind` of the object `o` at schema path `base` (named
/// `name`): its first field the name where the record names one.
fn record(kind: &str, base: &str, name: &str, o: &J) -> (u8, Vec<F>) {
    let fields = names(kind)
        .iter()
        .map(|f| match f.strip_prefix(base).filter(|_| !base.is_empty()) {
            Some("") => F::S(name.into()),
            Some(rest) => cross(f, at(o, &rest[1..])),
            None => cross(f, at(o, f)),
        })
        .collect();
    (kind.as_bytes()[0], fields)
}

/// The entries of the map at `path` of `o`, in their order.
fn entries<'a>(o: &'a J, path: &str) -> Vec<(&'a String, &'a J)> {
    at(o, path).and_then(J::as_object).map(|m| m.iter().collect()).unwrap_or_default()
}

/// The personalization config records the edge writes for `config` (a
/// valid config, a JSON object): `P`, an `H` for each sensitive topic, an
/// `I` for each insights topic, then each slot (`Y`) with its variants
/// (`Z`, their tags `t` and minimum affinities `f`), then each journey (`J`).
pub fn personal_records(config: &J) -> Vec<(u8, Vec<F>)> {
    let mut out = vec![record("P", "", "", config)];
    for t in many(at(config, "profile.sensitive")) {
        out.push((b'H', vec![F::S(topic(t))]));
    }
    if at(config, "insights").is_some() {
        for t in many(at(config, "insights.topics")) {
            out.push((b'I', vec![F::S(topic(t))]));
        }
    }
    for (name, slot) in entries(config, "slots") {
        out.push(record("Y", "slots.<slot>", name, slot));
        for (id, v) in entries(slot, "variants") {
            out.push(record("Z", "slots.<slot>.variants.<id>", id, v));
            for t in many(at(v, "tags")) {
                out.push((b't', vec![F::S(topic(t))]));
            }
            for (t, share) in entries(v, "rules.minAffinity") {
                out.push((b'f', vec![F::S(topic(&J::String(t.clone()))), F::N(share.as_f64().unwrap())]));
            }
        }
    }
    for (name, j) in entries(config, "journeys") {
        out.push(record("J", "journeys.<name>", name, j));
    }
    out
}

/// [`personal_records`] of `config` (JSON text) in the text notation.
pub fn personal_text(config: &str) -> String {
    let c: J = serde_json::from_str(config).unwrap_or_else(|e| panic!("{config}: {e}"));
    let recs: Vec<String> = personal_records(&c)
        .iter()
        .map(|(k, f)| {
            let fields: Vec<String> = f.iter().map(F::show).collect();
            format!("{}{}", *k as char, fields.join("\u{1f}"))
        })
        .collect();
    recs.join("\u{1e}")
}
