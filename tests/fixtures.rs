//! The engine against the golden fixtures in `tests/fixtures/` (the same
//! checks run compiled to wasm in Chromium: `tests/web.rs`).

#![cfg(not(target_arch = "wasm32"))]

mod golden;

#[test]
fn segment_events_and_batches_match_the_golden_fixtures() {
    assert_eq!(golden::check_encode_cases(), Ok(4));
}

#[test]
fn consent_decisions_match_the_golden_fixtures() {
    let n = golden::check_consent_cases().unwrap();
    assert!(n >= 20, "{n}");
}

#[test]
fn the_holdout_hash_matches_its_published_vectors() {
    assert_eq!(golden::check_holdout_vectors(), Ok(7));
}

#[test]
fn form_field_privacy_matches_the_golden_fixtures() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/form-fields.json")).unwrap();
    let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
    for c in cases["cases"].as_array().unwrap() {
        let s = |i: usize| c[i].as_str().unwrap();
        assert_eq!(kizuna::engine::autotrack::may_name(s(0), s(1), s(2)), c[3].as_bool().unwrap(), "{c}");
    }
}
