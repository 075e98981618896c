//! The host tests' codec of the edge protocol, read from its one
//! description (`src/engine/protocol.json`) at run time: what the tests
//! write into an engine and read out of it is held to that description,
//! independently of the tables generated for the engines.

#![allow(dead_code)]

use std::sync::OnceLock;

use serde_json::Value as J;

mod personal;
#[allow(unused_imports)]
pub use personal::{personal_records, personal_text};

/// A field to write.
#[derive(Clone, Debug)]
pub enum V<'a> {
    /// A number.
    N(f64),
    /// Text.
    S(&'a str),
}

/// A field read.
#[derive(Clone, Debug, PartialEq)]
pub enum F {
    /// A number.
    N(f64),
    /// Text.
    S(String),
}

impl F {
    /// The text (panics on a number).
    pub fn s(&self) -> &str {
        match self {
            F::S(s) => s,
            F::N(n) => panic!("a number ({n}) where text was expected"),
        }
    }

    /// The number (panics on text).
    pub fn n(&self) -> f64 {
        match self {
            F::N(n) => *n,
            F::S(s) => panic!("text ({s:?}) where a number was expected"),
        }
    }

    /// As the text notation shows it: text as is, a number in decimal.
    pub fn show(&self) -> String {
        match self {
            F::S(s) => s.clone(),
            F::N(n) if n.fract() == 0.0 => format!("{}", *n as i64),
            F::N(n) => format!("{n}"),
        }
    }
}

fn spec() -> &'static J {
    static SPEC: OnceLock<J> = OnceLock::new();
    SPEC.get_or_init(|| serde_json::from_str(include_str!("../../src/engine/protocol.json")).unwrap())
}

/// The layout of `kind` in `table` (`"tracker.in"`, `"personalizer.out"`…),
/// one type letter a field; `None` when the description has no such kind.
pub fn layout(table: &str, kind: u8) -> Option<String> {
    let (engine, way) = table.split_once('.').unwrap();
    spec()[engine][way]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"].as_str().unwrap().as_bytes()[0] == kind)
        .map(|r| r["fields"].as_array().unwrap().iter().map(|f| f[1].as_str().unwrap()).collect::<String>())
}

/// Every kind of `table`.
pub fn kinds(table: &str) -> Vec<u8> {
    let (engine, way) = table.split_once('.').unwrap();
    spec()[engine][way].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap().as_bytes()[0]).collect()
}

/// Writes records, each checked against its layout in `table`.
pub fn write(table: &str, recs: &[(u8, Vec<V>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (kind, fields) in recs {
        let l = layout(table, *kind).unwrap_or_else(|| panic!("{table} has no record {}", *kind as char));
        assert_eq!(l.len(), fields.len(), "{table} {}: {l} fields, got {fields:?}", *kind as char);
        let mut body = Vec::new();
        for (t, f) in l.bytes().zip(fields) {
            match (t, f) {
                (b'n', V::N(n)) => body.extend_from_slice(&n.to_le_bytes()),
                (b's' | b'b', V::S(s)) => {
                    body.extend_from_slice(&(s.len() as u32).to_le_bytes());
                    body.extend_from_slice(s.as_bytes());
                }
                _ => panic!("{table} {}: field {f:?} is not a {}", *kind as char, t as char),
            }
        }
        out.push(*kind);
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
    }
    out
}

/// Records in the text notation the tests write them in (records after
/// U+001E, fields after U+001F, the kind first: `t3␟100␟"X"␟{}`), each
/// field as its layout says (a number field in decimal).
pub fn from_text(table: &str, text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for r in text.split('\u{1e}').filter(|r| !r.is_empty()) {
        let kind = r.as_bytes()[0];
        let n = layout(table, kind).unwrap_or_else(|| panic!("{table} has no record {}", kind as char)).len();
        let body = &r[1..];
        let parts: Vec<&str> = match n {
            0 => vec![],
            1 => vec![body],
            _ => body.splitn(n, '\u{1f}').collect(),
        };
        out.extend(rec(table, kind, &parts));
    }
    out
}

/// Every record of `bytes`, each held to its layout in `table` (a record
/// the description does not have, or one that does not match, fails).
pub fn read(table: &str, bytes: &[u8]) -> Vec<(u8, Vec<F>)> {
    let mut at = 0;
    let mut recs = Vec::new();
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap()) as usize;
    while at < bytes.len() {
        let kind = bytes[at];
        let len = u32_at(at + 1);
        let end = at + 5 + len;
        assert!(end <= bytes.len(), "{table} {}: cut short", kind as char);
        let l = layout(table, kind).unwrap_or_else(|| panic!("{table} has no record {}", kind as char));
        let mut p = at + 5;
        let mut fields = Vec::new();
        for t in l.bytes() {
            if t == b'n' {
                fields.push(F::N(f64::from_le_bytes(bytes[p..p + 8].try_into().unwrap())));
                p += 8;
            } else {
                let n = u32_at(p);
                fields.push(F::S(String::from_utf8(bytes[p + 4..p + 4 + n].to_vec()).expect("text is UTF-8")));
                p += 4 + n;
            }
        }
        assert_eq!(p, end, "{table} {}: the body does not match its layout {l}", kind as char);
        recs.push((kind, fields));
        at = end;
    }
    recs
}

/// The records of `bytes` in the text notation (see [`from_text`]), each
/// ended by U+001E, a separator inside a field shown as U+FFFD: for
/// assertions that read like the records.
pub fn to_text(table: &str, bytes: &[u8]) -> String {
    read(table, bytes)
        .iter()
        .map(|(k, f)| {
            let mut s = String::from(*k as char);
            // A separator inside a field shows as U+FFFD: the notation stays readable.
            let shown: Vec<String> = f.iter().map(|x| x.show().replace(['\u{1e}', '\u{1f}'], "\u{fffd}")).collect();
            s.push_str(&shown.join("\u{1f}"));
            s.push('\u{1e}');
            s
        })
        .collect()
}

/// Starts a personalizer from records in the text notation.
pub fn pz_start(text: &str) -> kizuna::engine::personalize::Personalizer {
    kizuna::engine::personalize::Personalizer::start(&from_text("personalizer.in", text))
}

/// A personalizer's start records in the text notation: those of `config`
/// (a JSON object, [`personal_text`]), then `S` with `fields` (stored
/// profile, visitor, seed, granted, may store, width).
pub fn pz_init(config: &str, fields: &[&str]) -> String {
    format!("{}\u{1e}S{}", personal_text(config), fields.join("\u{1f}"))
}

/// A personalizer driven in the text notation.
pub trait Text {
    /// One crossing, records in and answers out in the text notation.
    fn run_text(&mut self, text: &str) -> String;
    /// The answers since the last crossing, in the text notation.
    fn out_text(&mut self) -> String;
}

impl Text for kizuna::engine::personalize::Personalizer {
    fn run_text(&mut self, text: &str) -> String {
        to_text("personalizer.out", &self.run(&from_text("personalizer.in", text)))
    }

    fn out_text(&mut self) -> String {
        to_text("personalizer.out", &self.take_output())
    }
}

/// One record of `table` from its fields as text, held verbatim (a
/// number field in decimal): hostile text stays one field, whatever it
/// holds.
pub fn rec(table: &str, kind: u8, fields: &[&str]) -> Vec<u8> {
    let l = layout(table, kind).unwrap_or_else(|| panic!("{table} has no record {}", kind as char));
    let v = l
        .bytes()
        .zip(fields.iter().chain(std::iter::repeat(&"")))
        .map(|(t, f)| if t == b'n' { V::N(f.parse().unwrap_or(0.0)) } else { V::S(f) })
        .collect();
    write(table, &[(kind, v)])
}

fn schema() -> &'static J {
    static SCHEMA: OnceLock<J> = OnceLock::new();
    SCHEMA.get_or_init(|| serde_json::from_str(include_str!("../fixtures/config-schema.json")).unwrap())
}

/// The config records the edge writes for `config` (a JSON object), in the
/// text notation: `K` with each field by its rule in
/// `tests/fixtures/config-schema.json`, then an `H` for each sensitive
/// topic. The configs the host tests give are valid ones: checking them is
/// the edge's (`js/edge/config.js`, tests/config.test.mjs), and what both
/// write for the same configs is held to tests/fixtures/config-records.json.
pub fn config_text(config: &str) -> String {
    let c: J = serde_json::from_str(config).unwrap_or_else(|e| panic!("{config}: {e}"));
    let at = |path: &str| path.split('.').try_fold(&c, |v, k| v.get(k)).filter(|v| !v.is_null());
    let fields = &schema()["fields"];
    let k = spec()["tracker"]["in"].as_array().unwrap().iter().find(|r| r["kind"] == "K").unwrap();
    let off = c.get("autotrack") == Some(&J::Bool(false));
    let mut values: Vec<String> = Vec::new();
    let mut max_bytes = 0.0;
    for f in k["fields"].as_array().unwrap() {
        let (path, t) = (f[0].as_str().unwrap(), f[1].as_str().unwrap());
        let rule = &fields[path];
        let v = at(path);
        if t == "s" {
            values.push(v.and_then(J::as_str).unwrap_or("").to_string());
            continue;
        }
        let auto_off = off && path.starts_with("autotrack.");
        let n = match rule["type"].as_str().unwrap() {
            "boolean" if auto_off => 0.0,
            "boolean" => f64::from(u8::from(v.unwrap_or(&rule["default"]).as_bool().unwrap())),
            "enum" => {
                let values = rule["values"].as_array().unwrap();
                let want = if auto_off { &J::Bool(false) } else { v.unwrap_or(&rule["default"]) };
                values.iter().position(|x| x == want).unwrap_or_else(|| panic!("{path}: {want} is not one of {values:?}")) as f64
            }
            _ => match v {
                Some(v) => v.as_f64().unwrap(),
                None if path == "batch.maxRequestBytes" => 0.0,
                None if path == "batch.maxEventBytes" => rule["default"].as_f64().unwrap().min(max_bytes - 512.0),
                None => rule["default"].as_f64().unwrap(),
            },
        };
        if path == "batch.maxBytes" {
            max_bytes = n;
        }
        values.push(F::N(n).show());
    }
    let mut text = format!("K{}", values.join("\u{1f}"));
    let topics = match at("profile.sensitive") {
        Some(J::Array(list)) => list.iter().map(|t| t.as_str().unwrap().to_string()).collect(),
        Some(J::String(t)) => vec![t.clone()],
        _ => vec![],
    };
    for t in topics {
        text.push_str(&format!("\u{1e}H{t}"));
    }
    text
}

/// The personalization config of `config` (a valid one, a JSON object): its
/// records written as the edge writes them ([`personal_text`]), read by the
/// engine's reader.
pub fn personal_config(config: &str) -> kizuna::engine::personalize::config::PersonalizeConfig {
    let bytes = from_text("personalizer.in", &personal_text(config));
    kizuna::engine::personalize::config::PersonalizeConfig::of(kizuna::engine::protocol::records(&bytes))
}

/// The tracker's config of `config` (a JSON object): its records written
/// as the edge writes them ([`config_text`]), read by the engine's reader.
pub fn config(config: &str) -> kizuna::engine::config::Config {
    let bytes = from_text("tracker.in", &config_text(config));
    let mut c = None;
    let mut sensitive = Vec::new();
    for mut r in kizuna::engine::protocol::records(&bytes) {
        match r.kind {
            b'K' => c = Some(kizuna::engine::config::read_config(&mut r)),
            _ => sensitive.push(r.s().to_string()),
        }
    }
    let mut c = c.unwrap();
    c.sensitive = sensitive;
    c
}
