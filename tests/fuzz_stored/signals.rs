//! The signal log, `kizuna:signals` (`v1`, then one line a signal: `p`
//! page view, `e` event, `c` topic click, `a` activity), kept by the
//! tracker on pages without the personalization module: read at start,
//! added to (an activity line merges into the last one), handed over when
//! the module listens, and folded into the profile (`fold`). Both engines
//! run on each case: the tracker's page oracles, then the personalizer's.

use crate::sim::codec::Text;
use std::collections::BTreeMap;

use kizuna::engine::io::Input;
use kizuna::engine::pipeline::event::Kind;

use crate::fuzzing::{report, scale, Rng};
use crate::mutate::{mutate, truncations};
use crate::oracle::{self, Given};
use crate::personalizer::{check_answer, start, visit, T0};
use crate::sim::{open, Sim};

const KEY: &str = "kizuna:signals";
/// Lines the log keeps (`tracker/signals.rs`'s `MAX_LINES`, private).
const MAX_LINES: usize = 200;

/// A log as a page without the module leaves it: page views with topics,
/// e-commerce events, tags, a topic click, activity.
fn left_behind() -> String {
    let mut a = Sim::new(&open());
    assert!(a.call(Kind::Page, "\"Home\"", "{}", "!v"));
    a.track("Product Viewed", r#"{"product_id":"p-1","category":"Shoes"}"#);
    a.track("Product Added", r#"{"product_id":"p-1"}"#);
    a.track("Clicked", "{}");
    assert!(a.call(Kind::Identify, "\"u-1\"", "{}", "!v"));
    a.input(Input::TopicClick("\"outerwear,Hats\""));
    a.advance(2_000.0);
    a.track("Article Read", r#"{"tags":["sale","new \u001f \"q\" é"]}"#);
    a.track("Order Completed", r#"{"revenue":19.9,"products":[{"product_id":"a"},{"sku":"b \"q\""}]}"#);
    a.goto("https://shop.example/p/2", "Two");
    assert!(a.call(Kind::Page, "!v", "!v", "!v"));
    a.advance(2_000.0);
    a.input(Input::Hidden);
    a.store[KEY].clone()
}

/// The tracker's lines after starting on `text` (what it read of it).
fn read(text: &str) -> Vec<String> {
    let store = BTreeMap::from([(KEY.to_string(), text.to_string())]);
    let s = Sim::with_store(&open(), store);
    s.t.signal_log().to_vec()
}

/// One case: a page starts on `text` as the stored log, tracks and
/// delivers (the page oracles); the module then listens, and what it is
/// handed is folded by a personalizer (its oracles). `Err` names the
/// defect.
pub fn run(text: &str) -> Result<(), String> {
    let given = Given { store: BTreeMap::from([(KEY.to_string(), text.to_string())]), ..Given::default() };
    let mut ran = oracle::run(&given)?;
    if let Some(log) = ran.sim.store.get(KEY) {
        if !log.starts_with("v1") || log.split('\n').count() > MAX_LINES + 1 {
            return Err(format!("the log written back: {log:.300}"));
        }
    }
    ran.sim.input(Input::Consumer(true));
    let lines = std::mem::take(&mut ran.sim.signals);
    crate::profile::run(None, &lines)
}

/// [`run`], a panic or an `Err` reported with `what` and the input.
pub fn check(what: &str, text: &str) {
    match std::panic::catch_unwind(|| run(text)) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("{what}: {e}\ninput: {text:?}"),
        Err(_) => panic!("{what}: the engine panicked\ninput: {text:?}"),
    }
}

#[test]
fn a_valid_log_round_trips_and_folds_into_the_profile() {
    let text = left_behind();
    let lines: Vec<String> = text.strip_prefix("v1\n").expect("a v1 log").split('\n').map(String::from).collect();
    assert_eq!(read(&text), lines, "read as written");
    check("valid log", &text);
    let (mut p, _) = start(None, T0);
    let (mut events, mut stored) = (Vec::new(), None);
    for out in visit(&mut p, T0, &lines) {
        check_answer(&out, &mut events, &mut stored).unwrap();
    }
    let profile = p.profile().expect("a profile");
    let topics: Vec<&str> = profile.topics.iter().map(|t| t.name.as_str()).collect();
    for t in ["shoes", "outerwear", "hats", "sale"] {
        assert!(topics.contains(&t), "{t} in {topics:?}");
    }
    assert_eq!(profile.orders, 1);
    for item in ["p-1", "a", "b \"q\""] {
        assert!(profile.seen(item).0, "{item} in {:?}", profile.items);
    }
}

#[test]
fn every_cut_of_a_log_is_read_totally() {
    let started = std::time::Instant::now();
    let text = left_behind();
    let mut n = 0;
    for (i, cut) in truncations(&text).enumerate() {
        if i % 5 == 0 {
            check("cut log", cut);
            n += 1;
        }
    }
    report("signals: cuts", n, started);
}

#[test]
fn mutated_logs_are_read_totally() {
    let started = std::time::Instant::now();
    let text = left_behind();
    let mut r = Rng::new(0x7369_676e);
    let n = 150 * scale();
    for case in 0..n {
        check(&format!("log case {case}"), &mutate(&mut r, &text));
    }
    report("signals: mutations", n, started);
}
#[test]
fn a_log_longer_than_the_tracker_keeps_is_cut_to_its_newest_lines() {
    // A log of 10,000 lines was kept whole, written back whole each time,
    // and handed to the personalizer whole.
    let line = "\na1795363980000\u{1f}1795363980000\u{1f}1";
    let big = ["v1", &line.repeat(10_000), "\np1795363980000\u{1f}\"last\""].concat();
    check("10,000 lines", &big);
    let lines = read(&big);
    assert_eq!(lines.len(), MAX_LINES);
    assert_eq!(lines.last().map(String::as_str), Some("p1795363980000\u{1f}\"last\""), "the newest kept");
}

#[test]
fn an_activity_line_of_u32_max_events_then_an_event_does_not_overflow() {
    // Found by tests/fuzz_stored.rs (FUZZ_SCALE=10): `fold` read the count
    // as u32::MAX, and the next event overflowed the profile's counter (a
    // panic in a debug build, a wrap to 0 in the wasm).
    let (mut p, _) = start(None, T0);
    let t = T0 as u64;
    p.run_text(&format!("n{T0}\u{1e}ga{t}\u{1f}{t}\u{1f}4294967295\u{1e}ge{t}\u{1f}\"Clicked\"\u{1f}\u{1f}\u{1f}\u{1f}"));
    let events = p.profile().expect("a profile").events;
    assert!(events > 10_000_000 && events < u32::MAX / 2, "{events}");
}
