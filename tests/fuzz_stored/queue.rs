//! The stored queue: a front `kizuna:q.<owner>` (header, pages, records)
//! and segments `kizuna:q.<owner>.<n>` (records), as a page that went
//! offline left them, taken over by the next page (`Input::Stored`).

use std::collections::BTreeMap;

use kizuna::engine::io::Input;
use kizuna::engine::pipeline::event::{Event, Kind};
use serde_json::Value as J;

use crate::fuzzing::Rng;
use crate::oracle::{self, parse, Given};
use crate::sim::{open, Sim, STORED_QUEUE};

/// What a page left: its queue keys (front first, then segments by
/// number) and the events it tracked, as `(event or page name, properties)`.
pub struct Left {
    pub keys: Vec<(String, String)>,
    pub events: Vec<(String, J)>,
}

/// Properties with what JSON escapes, multi-byte text and nesting.
const PROPS: &[&str] = &[
    r#"{"i":0,"s":"é日😀 \u001f\u001d\"\\ /","n":[1,2.5,-3e-7,1e21],"o":{"x":null,"t":true}}"#,
    r#"{"category":"shoes","tags":["sale","new"],"product_id":"p-1"}"#,
    r#"{"revenue":19.9,"products":[{"product_id":"a"},{"sku":"b"}],"\u0000k":"\ud83d\ude00"}"#,
    "{}",
];

/// A page that went offline: tracks, names pages, identifies, navigates,
/// then leaves; `pad` bytes of padding per event (enough of them and the
/// queue spills into stored segments).
pub fn left_behind(events: usize, pad: usize) -> Left {
    let mut a = Sim::new(&open());
    a.input(Input::Online(false));
    let pad = "x".repeat(pad);
    let mut tracked = Vec::new();
    // Traits merge across identify calls for the same user.
    let mut traits = serde_json::Map::new();
    for i in 0..events {
        let props = PROPS[i % PROPS.len()];
        let props = if pad.is_empty() { props.to_string() } else { format!("{{\"pad\":\"{pad}\",{}", &props[1..]).replace(",}", "}") };
        match i % 5 {
            3 => {
                assert!(a.call(Kind::Page, "\"Pricing \\\"é\\\"\"", &props, "!v"));
                tracked.push(("Pricing \"é\"".to_string(), props));
            }
            4 => {
                assert!(a.call(Kind::Identify, "\"user \\u001f 7\"", &props, "!v"));
                let J::Object(o) = serde_json::from_str(&props).unwrap() else { unreachable!() };
                traits.extend(o);
                tracked.push((String::new(), J::Object(traits.clone()).to_string()));
            }
            _ => {
                let name = format!("Stored {i} \u{1f}\"");
                a.track(&name, &props);
                tracked.push((name, props));
            }
        }
        if i == events / 2 {
            // A serialized URL (no raw control characters: the browser
            // percent-encodes them), a title with anything in it.
            a.goto("https://shop.example/p/%C3%A9?utm_source=x%1F#%1D", "Second \u{1e}\u{1f} \"page\"");
        }
        a.advance(10.0);
    }
    a.input(Input::Leaving);
    let mut keys: Vec<(String, String)> =
        a.store.iter().filter(|(k, _)| k.starts_with(STORED_QUEUE)).map(|(k, v)| (k.clone(), v.clone())).collect();
    keys.sort_by_key(|(k, _)| (k.matches('.').count(), k.rsplit('.').next().and_then(|n| n.parse::<u32>().ok())));
    Left { keys, events: tracked.into_iter().map(|(n, p)| (n, serde_json::from_str(&p).unwrap())).collect() }
}

/// The next page takes `keys` over.
fn given(keys: &[(String, String)]) -> Given {
    let store = BTreeMap::from([("kizuna:anonymousId".to_string(), "visitor-b".to_string())]);
    Given { store, stored: keys.to_vec(), ..Given::default() }
}

/// Checks `Event::well_formed` against serde_json on every record of
/// `text`: what it passes must splice into a batch as JSON (`Err` names
/// the record that would not).
pub fn records_agree(text: &str) -> Result<(), String> {
    for rec in text.split('\u{1d}').filter(|r| !r.starts_with('p') && !r.starts_with("kzq")) {
        if !Event::well_formed(rec) {
            continue;
        }
        let f: Vec<&str> = rec.splitn(12, '\u{1f}').collect();
        if f.len() < 12 {
            return Err(format!("well_formed passed a record cut short: {rec:.300}"));
        }
        let json = |i: usize, empty_ok: bool, want: fn(&J) -> bool| (empty_ok && f[i].is_empty()) || parse(f[i]).is_ok_and(|v| want(&v));
        let ok = json(8, true, J::is_string)
            && json(9, f[1] != "t", J::is_string)
            && json(10, true, J::is_object)
            && json(11, false, J::is_object);
        if !ok {
            return Err(format!("well_formed passed a record serde_json refuses: {rec:.300}"));
        }
    }
    Ok(())
}

/// One case: the next page takes `keys` over (their texts as stored).
pub fn check(what: &str, keys: &[(String, String)]) -> oracle::Ran {
    let input = keys.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("\n");
    for (_, text) in keys {
        if let Err(e) = records_agree(text) {
            panic!("{what}: {e}\ninput: {input:?}");
        }
    }
    oracle::check(what, &input, &given(keys))
}

/// A corpus entry: keys and values, one `key=value` a line.
pub fn check_kept(entry: &str) {
    let keys: Vec<(String, String)> =
        entry.split('\n').map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())).unwrap_or_default()).collect();
    check("kept queue", &keys);
}

/// The events that arrived that were not the page's own (nor what
/// autotrack added as the page went), as `(name, properties)`.
fn taken(events: &[J]) -> Vec<(String, J)> {
    events
        .iter()
        .filter(|e| e["event"] != oracle::OWN && e["event"] != "Page Engagement")
        .map(|e| {
            (
                e["event"].as_str().or(e["name"].as_str()).unwrap_or("").to_string(),
                e["properties"].as_object().or(e["traits"].as_object()).map(|o| J::Object(o.clone())).unwrap(),
            )
        })
        .collect()
}

/// A page's properties as sent: the page's own fields under the site's.
fn strip_page_fields(mut v: (String, J)) -> (String, J) {
    if let J::Object(o) = &mut v.1 {
        for k in ["path", "referrer", "search", "title", "url"] {
            o.remove(k);
        }
    }
    v
}

#[test]
fn a_valid_stored_queue_round_trips() {
    for (events, pad) in [(12, 0), (10, 8_000)] {
        let left = left_behind(events, pad);
        assert!(
            left.keys.len() >= if pad > 0 { 2 } else { 1 },
            "segments stored: {:?}",
            left.keys.iter().map(|(k, _)| k).collect::<Vec<_>>()
        );
        let ran = check("valid queue", &left.keys);
        let got: Vec<(String, J)> = taken(&ran.events).into_iter().map(strip_page_fields).collect();
        let want: Vec<(String, J)> = left.events.into_iter().map(strip_page_fields).collect();
        assert_eq!(got, want, "every stored event arrives once, as it was tracked");
        assert_eq!(ran.sim.t.status().counts[4], 0, "nothing damaged");
    }
}

#[test]
fn every_cut_of_a_stored_front_is_read_totally() {
    let started = std::time::Instant::now();
    let left = left_behind(6, 0);
    let (key, front) = &left.keys[0];
    let mut n = 0;
    for (i, cut) in crate::mutate::truncations(front).enumerate() {
        // Every position near the header, every nineteenth after it.
        if i < 48 || i % 19 == 0 {
            check("cut front", &[(key.clone(), cut.to_string())]);
            n += 1;
        }
    }
    crate::fuzzing::report("queue: cuts", n, started);
}

#[test]
fn mutated_stored_queues_are_read_totally() {
    let started = std::time::Instant::now();
    let mut r = Rng::new(0x7175_6575);
    let small = left_behind(8, 0);
    let big = left_behind(10, 6_000);
    let n = 120 * crate::fuzzing::scale();
    for case in 0..n {
        let left = if case % 15 == 0 { &big } else { &small };
        let mut keys = left.keys.clone();
        let i = r.below(keys.len());
        keys[i].1 = crate::mutate::mutate(&mut r, &keys[i].1);
        match r.below(20) {
            // A front under a segment's key, or the other way round.
            0 if keys.len() > 1 => {
                let (a, b) = (keys[0].1.clone(), keys[1].1.clone());
                keys[0].1 = b;
                keys[1].1 = a;
            }
            // Segments before their front.
            1 => keys.reverse(),
            // A key damaged too.
            2 => keys[i].0 = crate::mutate::mutate(&mut r, &keys[i].0),
            _ => {}
        }
        check(&format!("queue case {case}"), &keys);
    }
    crate::fuzzing::report("queue: mutations", n, started);
}

#[test]
fn a_front_with_many_pages_is_read_in_linear_time() {
    // Each page taken over was looked up among the others: 40,000 copies
    // of one page line (1.3 MB) held the page for 6 s in a debug build.
    // read_front keeps at most MAX_PAGES of them (store.rs's unit test
    // counts them; a timed assertion here would fail on a busy machine).
    let left = left_behind(6, 0);
    let (key, front) = &left.keys[0];
    let mut lines: Vec<&str> = front.split('\u{1d}').collect();
    let page = lines.iter().copied().find(|l| l.starts_with('p')).unwrap();
    lines.splice(1..1, std::iter::repeat_n(page, 40_000));
    let ran = check("40,000 pages", &[(key.clone(), lines.join("\u{1d}"))]);
    assert_eq!(taken(&ran.events).len(), left.events.len(), "the records still arrive");
}
#[test]
fn a_stored_page_with_a_huge_url_holds_no_other_event_back() {
    // Its events are measured with that page when taken over: each is over
    // the per-event limit and dropped (it went alone, 80 KB, before); the
    // new page's own events arrive (check()).
    let left = left_behind(6, 0);
    let (key, front) = &left.keys[0];
    let long = front.replacen("https://shop.example/land?", &format!("https://shop.example/{}?", "x".repeat(40_000)), 1);
    let ran = check("a 40 KB URL", &[(key.clone(), long)]);
    assert!(taken(&ran.events).len() < left.events.len(), "those made on that page are dropped");
    for e in &ran.events {
        assert!(e.to_string().len() < 32 * 1024, "no event over the per-event limit");
    }
}
