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
