//! The deferred request (`fetchLater`) on the host with a fake clock: armed
//! from a timer with what storage does not hold yet, never inside a call,
//! aborted once storage holds it, before the beacons, on a consent change,
//! when a keepalive batch goes and after a delivered batch
//! (src/engine/tracker/deferred.rs).

mod sim;

use kizuna::engine::io::Input;
use serde_json::Value as J;
use sim::{config, open, Sim};

/// The `bench_seq` of each event a body carries.
fn seqs(body: &str) -> Vec<i64> {
    let j: J = serde_json::from_str(body).expect("a batch");
    j["batch"].as_array().unwrap().iter().map(|e| e["properties"]["bench_seq"].as_i64().unwrap_or(-1)).collect()
}

/// Started, told the browser has `fetchLater`, past the first storage
/// write (which is made at once: `tracker/persist.rs`).
fn able(config: &str) -> Sim {
    let mut s = Sim::new(config);
    s.input(Input::DeferAble);
    s.track("Start", "{}");
    s.advance(300.0);
    s.armed = 0;
    s
}

fn track(s: &mut Sim, from: i64, n: i64) {
    for i in from..from + n {
        s.track("E", &format!("{{\"bench_seq\":{i}}}"));
    }
}

#[test]
fn what_storage_does_not_hold_rides_a_deferred_request_armed_from_a_timer() {
    let mut s = able(&open());
    track(&mut s, 0, 3);
    assert_eq!(s.armed, 0, "never inside a call: arming costs the page a tenth of a millisecond");
    s.advance(0.0);
    assert_eq!(seqs(s.deferred.as_deref().expect("armed at the next timer")), [0, 1, 2]);
    // More within the gap: armed again once it has passed, with all of them.
    track(&mut s, 3, 2);
    s.advance(1.0);
    assert_eq!(s.armed, 1, "not again before the gap");
    s.advance(49.0);
    assert_eq!((s.armed, seqs(s.deferred.as_deref().unwrap())), (2, vec![0, 1, 2, 3, 4]));
    // Storage holds them: the deferred request goes, and none is armed
    // again for what is stored.
    s.advance(250.0);
    assert!(s.store.keys().any(|k| k.starts_with(sim::STORED_QUEUE)), "written");
    assert_eq!(s.deferred, None);
    s.advance(100.0);
    assert_eq!(s.armed, 2);
    // After the write, only what came since.
    track(&mut s, 5, 1);
    s.advance(0.0);
    assert_eq!(seqs(s.deferred.as_deref().unwrap()), [5]);
}

#[test]
fn without_fetch_later_nothing_is_armed() {
    let mut s = Sim::new(&open());
    track(&mut s, 0, 3);
    for _ in 0..10 {
        s.advance(30.0);
    }
    assert_eq!((s.armed, s.deferred.is_none()), (0, true));
}

#[test]
fn the_beacons_of_a_leaving_page_go_without_it() {
    let mut s = able(&open());
    track(&mut s, 0, 3);
    s.advance(0.0);
    assert!(s.deferred.is_some());
    s.input(Input::Leaving);
    assert_eq!(s.deferred, None, "aborted before the beacons carry the same events");
    assert_eq!(seqs(&s.beacons.concat()), [-1, 0, 1, 2]);
    s.advance(100.0);
    assert_eq!(s.armed, 1, "a leaving page arms nothing");
}

#[test]
fn a_consent_change_and_a_delivered_batch_take_it_back() {
    let mut s = able(&config(r#"{"mode":"opt-in"}"#));
    s.consent(r#"{"analytics":true}"#, "");
    track(&mut s, 0, 2);
    s.advance(0.0);
    assert!(s.deferred.is_some());
    // Withdrawn: it goes, and the purged events are never armed again.
    s.consent(r#"{"analytics":false}"#, "");
    assert_eq!(s.deferred, None);
    s.advance(100.0);
    assert_eq!(s.armed, 1);
    // Without storage, what waits is covered until it is delivered.
    let mut s = able(r#"{"endpoint":"/collect","writeKey":"k","consent":{"mode":"opt-out"},"store":{"persist":false}}"#);
    track(&mut s, 0, 2);
    s.advance(50.0);
    assert_eq!(seqs(s.deferred.as_deref().unwrap()), [-1, 0, 1], "what waits, all of it");
    s.advance(1000.0);
    assert_eq!(seqs(&s.posts[0].body), [-1, 0, 1], "the batch goes as usual");
    track(&mut s, 2, 1);
    s.answer(200);
    assert_eq!(s.deferred, None, "delivered: the deferred request carried them too");
    s.advance(50.0);
    assert_eq!(seqs(s.deferred.as_deref().unwrap()), [2], "armed again for what still waits");
}

#[test]
fn a_keepalive_batch_takes_its_events_out_of_it() {
    let mut s = able(r#"{"endpoint":"/collect","writeKey":"k","consent":{"mode":"opt-out"},"store":{"persist":false}}"#);
    track(&mut s, 0, 2);
    s.advance(50.0);
    assert_eq!(seqs(s.deferred.as_deref().unwrap()), [-1, 0, 1]);
    s.advance(1000.0);
    assert!(s.posts[0].keepalive);
    assert_eq!(s.deferred, None, "the request in flight survives a crash on its own");
    track(&mut s, 2, 1);
    s.advance(50.0);
    assert_eq!(seqs(s.deferred.as_deref().unwrap()), [2], "what still waits, not what is in flight");
}
