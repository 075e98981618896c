//! The encoders against the golden fixtures in `tests/fixtures/`.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use kizuna::core::encode::kizuna::{write_batch, write_event};
use support::fixtures::kizuna_cases;

#[test]
fn kizuna_events_match_the_golden_fixtures() {
    let (events, _) = kizuna_cases();
    assert!(events.len() >= 3);
    // The expected objects read by an independent parser, to check values
    // (numbers above all) without trusting Kizuna's own JSON code.
    let raw: serde_json::Value = serde_json::from_str(support::fixtures::ENCODE_KIZUNA).unwrap();
    for (i, case) in events.into_iter().enumerate() {
        let mut out = String::new();
        write_event(&mut out, &case.event, case.marketing);
        assert_eq!(out, case.expected, "case: {} (text and key order)", case.name);
        let ours: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(ours, raw["events"][i]["expected"], "case: {} (values)", case.name);
    }
}

#[test]
fn kizuna_batches_match_the_golden_fixtures() {
    let (_, batches) = kizuna_cases();
    assert!(batches.len() >= 2);
    for case in batches {
        let mut out = String::new();
        write_batch(&mut out, case.events.iter().map(String::as_str), case.sent_at_ms, case.write_key.as_deref());
        assert_eq!(out, case.expected, "case: {}", case.name);
    }
}

#[test]
fn consent_decisions_match_the_golden_fixtures() {
    let cases = support::fixtures::consent_cases();
    assert!(cases.len() >= 20);
    let failures: Vec<String> =
        cases.iter().filter_map(|c| support::fixtures::check_consent_case(c, &support::fixtures::signal).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_holdout_hash_matches_its_published_vectors() {
    assert_eq!(support::fixtures::check_holdout_vectors(), Ok(7));
}

#[test]
fn the_sanitizer_matches_the_golden_cases() {
    let n = support::fixtures::check_sanitize_cases().unwrap();
    assert!(n >= 30);
}
