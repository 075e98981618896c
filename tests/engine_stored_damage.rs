//! Stored queues are untrusted input: whatever another page, another
//! Kizuna, an extension or a full disk left under `kizuna:q.`, a damaged
//! record is dropped and counted (`stats().damaged`) with one warning
//! naming its key, and never reaches a batch, so the new page's own events
//! still arrive (on 795e15f a damaged record made the whole batch invalid
//! JSON, the collector answered 400, and the page's events were dropped).

mod sim;

use kizuna::engine::io::Input;
use serde_json::Value as J;
use sim::{open, Level, Sim, STORED_QUEUE};

const GS: char = '\u{1d}';
const US: char = '\u{1f}';

/// What a page that went offline with five events left: its front key and
/// text.
fn left_behind() -> (String, String) {
    let mut a = Sim::new(&open());
    a.input(Input::Online(false));
    for i in 0..5 {
        a.track("Offline", &format!("{{\"bench_seq\":{i}}}"));
        a.advance(10.0);
    }
    a.input(Input::Leaving);
    let key = format!("{STORED_QUEUE}{}", a.t.status().owner);
    let text = a.store[&key].clone();
    (key, text)
}

/// The front with record `i` (0-based, after the header and pages) changed
/// by `f`, which gets the record's fields.
fn with_record(front: &str, i: usize, f: impl Fn(&mut Vec<String>)) -> String {
    let mut lines: Vec<String> = front.split(GS).map(String::from).collect();
    let first = lines.iter().position(|l| l.as_bytes()[0].is_ascii_digit()).expect("records");
    let mut fields: Vec<String> = lines[first + i].split(US).map(String::from).collect();
    f(&mut fields);
    lines[first + i] = fields.join(&US.to_string());
    lines.join(&GS.to_string())
}

/// The next page takes `text` over from `key`, tracks 20 events of its own
/// and delivers everything: what arrived (every batch valid JSON), and the
/// page.
fn next_page(key: &str, text: &str) -> (Vec<J>, Sim) {
    let mut b = other_tab();
    b.now += 5_000.0;
    b.input(Input::Stored(key, text));
    for i in 0..20 {
        b.track("Mine", &format!("{{\"n\":{i}}}"));
    }
    b.advance(1_000.0);
    let got = b.deliver_all();
    (got, b)
}

/// Another engine (its own owner id: the same seed with an anonymous id
/// stored draws another).
fn other_tab() -> Sim {
    Sim::with_store(&open(), [("kizuna:anonymousId".to_string(), "visitor-b".to_string())].into())
}

fn count(events: &[J], name: &str) -> usize {
    events.iter().filter(|e| e["event"] == name).count()
}

fn warned_about(s: &Sim, key: &str) -> usize {
    s.lines(Level::Warn).iter().filter(|l| l.contains(key) && l.contains("damaged")).count()
}

#[test]
fn a_damaged_record_is_dropped_counted_and_named_and_the_page_s_own_events_arrive() {
    let (key, front) = left_behind();
    let cases: Vec<(&str, String)> = vec![
        ("an event name that is not a JSON literal", with_record(&front, 1, |f| f[9] = "Offline".into())),
        ("truncated properties", with_record(&front, 1, |f| f[11] = "{\"bench_seq\":1".into())),
        ("a user id that is not JSON", with_record(&front, 1, |f| f[8] = "\"abc".into())),
        ("a session that is not JSON", with_record(&front, 1, |f| f[10] = "{\"id\":".into())),
        ("properties that are an array", with_record(&front, 1, |f| f[11] = "[1,2]".into())),
        ("properties that are a number", with_record(&front, 1, |f| f[11] = "7".into())),
        ("properties that are a string", with_record(&front, 1, |f| f[11] = "\"x\"".into())),
        ("properties that are null", with_record(&front, 1, |f| f[11] = "null".into())),
        ("an invalid escape in the properties", with_record(&front, 1, |f| f[11] = "{\"a\":\"\\é\"}".into())),
        ("a raw control character in a string", with_record(&front, 1, |f| f[11] = "{\"a\":\"x\u{1}y\"}".into())),
        ("a message id with a space", with_record(&front, 1, |f| f[6] = "m 1".into())),
        ("an unknown kind", with_record(&front, 1, |f| f[1] = "z".into())),
        ("a record cut short", with_record(&front, 1, |f| f.truncate(7))),
        ("an event over the per-event limit", with_record(&front, 1, |f| f[11] = format!("{{\"big\":\"{}\"}}", "x".repeat(100_000)))),
    ];
    for (what, text) in cases {
        let (got, b) = next_page(&key, &text);
        assert_eq!(count(&got, "Mine"), 20, "{what}: the page's own events arrive");
        assert_eq!(count(&got, "Offline"), 4, "{what}: the four whole stored events arrive");
        assert_eq!(b.t.status().counts[4], 1, "{what}: counted");
        assert_eq!(warned_about(&b, &key), 1, "{what}: one warning naming the key");
        assert!(!b.store.contains_key(&key), "{what}: the key is gone once taken over");
        for p in &b.sent {
            assert!(p.body.len() <= 64 * 1024, "{what}: no request over the batch limit");
        }
    }
}

#[test]
fn a_front_handed_over_twice_counts_its_over_limit_record_once() {
    // Its owner wrote it once more as it went: the second hand-over adds
    // nothing, and the record dropped the first time is not counted again.
    let (key, front) = left_behind();
    let text = with_record(&front, 1, |f| f[11] = format!("{{\"big\":\"{}\"}}", "x".repeat(100_000)));
    let mut b = other_tab();
    b.now += 5_000.0;
    b.input(Input::Stored(&key, &text));
    b.input(Input::Stored(&key, &text));
    b.advance(1_000.0);
    let got = b.deliver_all();
    assert_eq!(count(&got, "Offline"), 4, "the four whole stored events, once each");
    assert_eq!(b.t.status().counts[4], 1, "counted once");
    assert_eq!(warned_about(&b, &key), 1, "one warning naming the key");
}

#[test]
fn a_truncated_front_keeps_its_whole_records_and_loses_the_page_s_own_events_never() {
    let (key, front) = left_behind();
    let cut = &front[..front.len() - 20];
    let (got, b) = next_page(&key, cut);
    assert_eq!(count(&got, "Mine"), 20);
    assert_eq!(count(&got, "Offline"), 4, "the last record was cut: the others arrive");
    assert_eq!(b.t.status().counts[4], 1);
}

#[test]
fn what_is_not_a_stored_queue_is_removed_and_another_version_is_left_alone() {
    let (key, _) = left_behind();
    let (got, b) = next_page(&key, "hello, not a queue");
    assert_eq!(count(&got, "Mine"), 20);
    assert!(!b.store.contains_key(&key) && b.lines(Level::Warn).iter().any(|l| l.contains(&key)), "garbage goes, said once");
    assert_eq!(b.t.status().counts[4], 1);

    let mut c = other_tab();
    let newer = "kzq3\u{1f}0123456789ab\u{1f}0\u{1d}whatever a newer Kizuna writes";
    c.store.insert(key.clone(), newer.into());
    c.input(Input::Stored(&key, newer));
    assert_eq!(c.store.get(&key).map(String::as_str), Some(newer), "another version is the Kizuna's that wrote it");
    assert_eq!(c.t.status().counts[4], 0);
}

#[test]
fn a_key_no_engine_writes_is_never_read() {
    let (_, front) = left_behind();
    for key in ["kizuna:q.", "kizuna:q.x", "kizuna:q.0123456789ab.x", "kizuna:q.0123456789AB"] {
        let (got, b) = next_page(key, &front);
        assert_eq!((count(&got, "Offline"), count(&got, "Mine")), (0, 20), "{key}");
        assert!(!b.sent.iter().any(|p| p.body.contains("bench_seq")), "{key}");
    }
}

#[test]
fn a_stored_event_is_measured_with_the_page_it_was_made_on() {
    // A stored page with a 40 KB URL makes each of its events larger than
    // an event may be: they are dropped, not sent alone.
    let (key, front) = left_behind();
    let mut lines: Vec<String> = front.split(GS).map(String::from).collect();
    let page = lines.iter().position(|l| l.starts_with('p')).expect("a page");
    let mut f: Vec<String> = lines[page].split(US).map(String::from).collect();
    f[1] = format!("https://shop.example/?q={}", "x".repeat(40_000));
    lines[page] = f.join(&US.to_string());
    let (got, b) = next_page(&key, &lines.join(&GS.to_string()));
    assert_eq!((count(&got, "Offline"), count(&got, "Mine")), (0, 20));
    assert_eq!(b.t.status().counts[4], 5, "each counted");
    assert!(b.sent.iter().all(|p| p.body.len() <= 32 * 1024), "no request over the batch limit");
}
