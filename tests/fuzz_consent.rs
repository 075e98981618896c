//! The consent decoders on seeded random inputs. GPP (`consent::gpp`):
//! random cases built by the IAB's encoder must decode to the decision
//! their fields make (`tests/fixtures/gpp-random.json`, built by
//! `tools/gpp-fuzz-fixtures.mjs`), and mutations of every fixture string
//! (cut, characters replaced within and outside base64url, sections
//! added, runs of one character, huge lengths) must decode without a
//! panic. (A CMP's `TCData` objects are read by the edge: their fuzz test is
//! tests/consent-input.test.mjs's.)
//! Kept inputs: `tests/fixtures/fuzz/gpp.json`.

#![cfg(not(target_arch = "wasm32"))]

mod fuzzing;

use fuzzing::{corpus, report, scale, Rng};
use kizuna::engine::consent::gpp::{self, GppConsent};
use kizuna::engine::consent::tcf::TcfConsent;
use serde_json::Value;

/// The cases of a GPP fixture (`tests/fixtures/gpp.json`'s shape).
fn cases(file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let fixture: Value = serde_json::from_str(&text).unwrap();
    fixture["cases"].as_array().unwrap().clone()
}

/// A case's applicable section ids (`-1` stands for "none").
fn applicable(c: &Value) -> Vec<u32> {
    c["applicable"].as_array().unwrap().iter().filter_map(Value::as_i64).filter(|v| *v >= 0).map(|v| v as u32).collect()
}

/// A case's expected decision, as `tests/engine_gpp.rs` reads it.
fn expected(c: &Value) -> GppConsent {
    let e = &c["expect"];
    let tcf = e["tcf"].as_object().map(|t| TcfConsent::Decided {
        storage: t["storage"].as_bool().unwrap(),
        granted: [t["analytics"].as_bool().unwrap(), t["personalization"].as_bool().unwrap(), t["marketing"].as_bool().unwrap()],
    });
    GppConsent {
        tcf,
        marketing: e["marketing"].as_bool(),
        sensitive_opt_out: e["sensitiveOptOut"].as_bool().unwrap(),
        gpc: e["gpc"].as_bool().unwrap(),
    }
}

#[test]
fn random_strings_from_the_iab_encoder_decode_to_their_decision() {
    let started = std::time::Instant::now();
    let cases = cases("gpp-random.json");
    assert!(cases.len() >= 200);
    for c in &cases {
        let name = c["name"].as_str().unwrap();
        let got = gpp::read(c["gpp"].as_str().unwrap(), &applicable(c)).unwrap_or_else(|| panic!("{name}: unreadable"));
        assert_eq!(got, expected(c), "{name}: {}", c["gpp"]);
    }
    report("gpp oracle corpus", cases.len(), started);
}

#[test]
fn a_sensitive_data_segment_is_no_gpc_segment() {
    // Found by the random corpus: Rhode Island (the IAB's encoder, SaleOptOut
    // and TargetedAdvertisingOptOut 2, SensitiveDataProcessing [1, 2, 0…]).
    // Its second segment has no type bits: "01" + "1" once read as GPC.
    let got = gpp::read("DBABSYA~BQCg.YAA", &[27]).unwrap();
    assert_eq!(got, GppConsent { tcf: None, marketing: Some(true), sensitive_opt_out: true, gpc: false });
}

const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const OTHER: &[&str] = &["~", ".", "=", "+", "/", " ", "%", "!", "\u{e9}", "\u{1f600}", "\0", "~~", ".."];

/// `s` with one to three random changes.
fn mutate(r: &mut Rng, s: &str) -> String {
    let mut chars: Vec<String> = s.chars().map(String::from).collect();
    for _ in 0..1 + r.below(3) {
        let at = r.below(chars.len() + 1);
        match r.below(7) {
            0 => chars.truncate(at),
            1 if at < chars.len() => chars[at] = char::from(*r.pick(BASE64URL)).to_string(),
            2 if at < chars.len() => chars[at] = r.pick(OTHER).to_string(),
            3 => {
                // A section more (or several), of random base64url.
                let extra: String = (0..r.below(40)).map(|_| char::from(*r.pick(BASE64URL))).collect();
                chars.push(format!("~{extra}"));
            }
            4 => {
                // A run of one character: long Fibonacci codes, counts, ranges.
                let c = char::from(*r.pick(BASE64URL)).to_string();
                chars.truncate(at);
                chars.extend(std::iter::repeat_n(c, 1 + r.below(64)));
            }
            5 => chars.insert(at.min(chars.len()), r.pick(OTHER).to_string()),
            _ => {
                let end = (at + 1 + r.below(6)).min(chars.len());
                chars.drain(at.min(end)..end);
            }
        }
    }
    chars.concat()
}

/// A random set of section ids to apply (mostly US and TCF ones).
fn random_applicable(r: &mut Rng) -> Vec<u32> {
    (0..r.below(5)).map(|_| if r.one_in(8) { r.below(300) as u32 } else { 2 + r.below(26) as u32 }).collect()
}

#[test]
fn mutated_gpp_strings_never_panic() {
    let started = std::time::Instant::now();
    let kept = corpus("gpp");
    let every: Vec<u32> = (0..=300).collect();
    for s in &kept {
        let _ = gpp::read(s, &every);
    }
    let fixtures: Vec<String> =
        cases("gpp.json").iter().chain(&cases("gpp-random.json")).map(|c| c["gpp"].as_str().unwrap().to_string()).collect();
    let mut r = Rng::new(0x6770_7021);
    let rounds = 150 * scale();
    let mut n = kept.len();
    for _ in 0..rounds {
        for s in &fixtures {
            let m = mutate(&mut r, s);
            let header_kept = m.split('~').next() == s.split('~').next();
            let got = gpp::read(&m, &random_applicable(&mut r));
            // Decoding is total: what comes after a whole header never
            // makes the string unreadable (an unreadable section says nothing).
            if header_kept {
                assert!(got.is_some(), "{m:?} (from {s:?}) unreadable");
            }
            let _ = gpp::read(&m, &every);
            n += 1;
        }
    }
    // Huge: a header that announces 4095 sections, and long strings.
    for s in
        ["DBgAAAAAAAAAAAAAAAAA", "DBg_____________", &"_".repeat(100_000), &format!("DBABLA~{}", "A".repeat(100_000)), &"~".repeat(100_000)]
    {
        let _ = gpp::read(s, &every);
        n += 1;
    }
    report("gpp mutations", n, started);
}
