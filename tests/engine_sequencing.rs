//! The engine's sequencing on the host with a fake clock: timers, answers
//! arriving late or never, bursts larger than memory, unload during a
//! request, a clock that jumps, inputs arriving between actions, and the
//! text protocol the browser uses, end to end.

#![cfg(not(target_arch = "wasm32"))]

mod sim;

use std::collections::BTreeSet;

use kizuna::engine::edge;
use kizuna::engine::io::Input;
use kizuna::engine::pipeline::queue::HOT_BYTES;
use serde_json::Value as J;
use sim::{codec, open, Sim, T0};

fn seqs(events: &[J]) -> Vec<i64> {
    events.iter().map(|e| e["properties"]["bench_seq"].as_i64().unwrap()).collect()
}

fn burst(s: &mut Sim, n: usize) {
    for i in 0..n {
        s.track("bench_evt", &format!("{{\"bench_seq\":{i},\"plan\":\"pro\",\"price\":9.99,\"sku\":\"SKU-1234\",\"ok\":true}}"));
    }
}

/// Opt-out, and batches that may grow to 256 KiB (`batch.maxRequestBytes`).
fn growing() -> String {
    r#"{"endpoint":"/collect","writeKey":"k","consent":{"mode":"opt-out"},"batch":{"maxRequestBytes":262144}}"#.to_string()
}

/// Delivers every request, answering each 200; the requests sent.
fn drain(s: &mut Sim, hot: usize) -> Vec<J> {
    let mut delivered = Vec::new();
    let mut max_front = 0;
    while !s.posts.is_empty() {
        let p = s.answer(200);
        delivered.extend(p.events());
        max_front = max_front.max(s.t.queue().front().iter().map(|e| e.rec.len()).sum::<usize>());
        if s.posts.is_empty() && !s.t.queue().is_empty() {
            s.advance(1000.0);
        }
    }
    assert_eq!(seqs(&delivered), (0..10_000).collect::<Vec<i64>>(), "every event once, in order");
    let ids: BTreeSet<&str> = delivered.iter().map(|e| e["messageId"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 10_000);
    assert!(max_front <= hot + 33 * 1024, "a returned segment at most on top: {max_front}");
    assert!(s.segments.is_empty() && s.t.queue().is_empty());
    delivered
}

#[test]
fn a_burst_bigger_than_memory_arrives_whole_in_order_once() {
    let mut s = Sim::new(&open());
    burst(&mut s, 10_000);
    assert!(!s.segments.is_empty(), "the overflow went to the edge");
    let front: usize = s.t.queue().front().iter().map(|e| e.rec.len()).sum();
    let hot = HOT_BYTES.max(60 * 1024);
    assert!(front <= hot, "memory holds at most the hot window: {front}");
    assert_eq!(s.t.queue().len(), 10_000);
    drain(&mut s, hot);
    // By default every request is a keepalive one, full: 100 events, or
    // the next would pass 32 KiB.
    for p in &s.sent {
        assert!(p.body.len() <= 32 * 1024 && p.keepalive, "every batch within what keepalive may carry");
    }
    for w in s.sent.windows(2) {
        let (n, next) = (w[0].events().len(), w[1].events()[0].to_string().len());
        assert!(n == 100 || w[0].body.len() + next + 1 > 32 * 1024, "{n} events in {} bytes", w[0].body.len());
    }
}

#[test]
fn without_growth_no_batch_passes_max_events() {
    // Ten events are far under 32 KiB, so `maxEvents` is what cuts every
    // batch, however many were delivered full before.
    let mut s = Sim::new(r#"{"endpoint":"/collect","writeKey":"k","consent":{"mode":"opt-out"},"batch":{"maxEvents":10}}"#);
    for i in 0..2_000 {
        s.track("e", &format!("{{\"i\":{i}}}"));
    }
    while !s.posts.is_empty() {
        s.answer(200);
    }
    assert!(s.sent.iter().all(|p| p.events().len() <= 10), "{:?}", s.sent.iter().map(|p| p.events().len()).collect::<Vec<_>>());
}

#[test]
fn with_max_request_bytes_a_burst_grows_its_requests() {
    let mut s = Sim::new(&growing());
    burst(&mut s, 10_000);
    // The front holds a quarter of the largest request (256 KiB) in records.
    let hot = HOT_BYTES.max(64 * 1024);
    let front: usize = s.t.queue().front().iter().map(|e| e.rec.len()).sum();
    assert!(front <= hot, "memory holds at most the hot window: {front}");
    drain(&mut s, hot);
    // The first request is a keepalive one within 32 KiB (it survives the
    // page being left); each full one delivered doubles the next, up to
    // 256 KiB, sent without keepalive.
    let sizes: Vec<usize> = s.sent.iter().map(|p| p.body.len()).collect();
    assert!(s.sent[0].keepalive && sizes[0] <= 32 * 1024, "{sizes:?}");
    for (i, p) in s.sent.iter().enumerate() {
        let limit = ((32 * 1024usize) << i.min(3)).min(256 * 1024);
        assert!(p.body.len() <= limit, "request {i}: {} bytes over {limit}: {sizes:?}", p.body.len());
        assert_eq!(p.keepalive, p.body.len() <= 32 * 1024, "request {i}");
    }
    // 271 requests when every batch stays within 32 KiB; here the front
    // (64 KiB of records, ~117 KB of these small events on the wire)
    // bounds each request once it has grown.
    assert!(s.sent.len() <= 80, "{} requests for 10,000 events: {sizes:?}", s.sent.len());
    assert!(sizes[3..sizes.len() - 1].iter().all(|&b| b > 100_000), "grown requests stay large: {sizes:?}");
}

#[test]
fn a_page_about_to_go_sends_only_what_keepalive_carries() {
    // A burst, then a navigation begins (beforeunload) before the first
    // answer: no request grows, so none in flight is ever sent twice by
    // the beacons when the page goes.
    let mut s = Sim::new(&growing());
    burst(&mut s, 2_000);
    s.input(Input::LeavingSoon);
    for _ in 0..10 {
        let p = s.answer(200);
        assert!(p.keepalive && p.body.len() <= 32 * 1024, "{} bytes", p.body.len());
    }
}

#[test]
fn a_trickle_stays_in_keepalive_batches() {
    // Events that never build a backlog never grow a request.
    let mut s = Sim::new(&growing());
    for round in 0..20 {
        for i in 0..30 {
            s.track("bench_evt", &format!("{{\"round\":{round},\"i\":{i}}}"));
        }
        s.advance(1000.0);
        while !s.posts.is_empty() {
            let p = s.answer(200);
            assert!(p.keepalive && p.body.len() <= 32 * 1024, "round {round}: {} bytes", p.body.len());
        }
    }
    assert!(s.t.queue().is_empty());
}

#[test]
fn timers_fire_late_and_everything_still_goes() {
    let mut s = Sim::new(&open());
    s.track("Before sleep", "{}");
    assert_eq!(s.wake, Some(T0 + 1000.0));
    // A laptop sleeps: the timer fires 31 minutes late.
    s.advance(31.0 * 60_000.0);
    assert_eq!(s.posts.len(), 1);
    s.answer(200);
    s.track("After sleep", "{}");
    s.advance(1000.0);
    assert_eq!(sim::names(&s.answer(200).events()), ["After sleep"]);
    assert_eq!(s.wake, None);
}

#[test]
fn an_answer_for_a_batch_no_longer_in_flight_changes_nothing() {
    let mut s = Sim::new(&open());
    s.track("A", "{}");
    s.advance(1000.0);
    let p = s.posts.remove(0);
    s.input(Input::Answer(p.id, 200, ""));
    s.input(Input::Answer(p.id, 200, ""));
    s.input(Input::Answer(p.id + 7, 503, "1"));
    assert!(s.t.queue().is_empty());
    assert!(s.logs.is_empty(), "{:?}", s.logs);
}

#[test]
fn leaving_while_a_keepalive_batch_is_in_flight_sends_nothing_twice() {
    // 40 events a batch: under the 32 KiB a keepalive request may carry.
    let mut s = Sim::new(r#"{"endpoint":"/collect","writeKey":"k","consent":{"mode":"opt-out"},"batch":{"maxEvents":40}}"#);
    s.beacon_quota = usize::MAX;
    for i in 0..110 {
        s.track("E", &format!("{{\"bench_seq\":{i}}}"));
    }
    let in_flight = s.posts[0].clone();
    assert!(in_flight.keepalive);
    let on_wire = in_flight.events().len() as i64;
    s.input(Input::Leaving);
    let beaconed = seqs(&s.beaconed_events());
    assert_eq!(beaconed, (on_wire..110).collect::<Vec<i64>>(), "only what was not on the wire");
    // The navigation cut the page off: no answer ever comes for it. The
    // next page is another engine; this one is gone.
    assert_eq!(s.t.queue().len(), on_wire as usize);
}

#[test]
fn a_batch_over_what_keepalive_may_carry_goes_without_it_and_rides_the_beacons_when_the_page_goes() {
    // Firefox refuses keepalive requests over 32 KiB: a bigger batch goes
    // as a plain request while the page lives; leaving cancels it, so the
    // beacons carry it again (a collector deduplicates on messageId).
    let mut s = Sim::new(r#"{"endpoint":"/collect","writeKey":"k","consent":{"mode":"opt-out"},"batch":{"maxBytes":61440}}"#);
    s.beacon_quota = usize::MAX;
    for i in 0..110 {
        s.track("E", &format!("{{\"bench_seq\":{i}}}"));
    }
    let in_flight = s.posts[0].clone();
    assert!(in_flight.body.len() > 32 * 1024 && !in_flight.keepalive, "{} bytes", in_flight.body.len());
    s.input(Input::Leaving);
    assert_eq!(seqs(&s.beaconed_events()), (0..110).collect::<Vec<i64>>(), "the cancelled batch and the rest");
    assert!(s.beacons.iter().all(|b| b.len() <= 60 * 1024));
}

#[test]
fn a_batch_that_failed_without_an_answer_rides_the_unload_beacons() {
    // Not known to have arrived (a reset, a timeout): sending it again is
    // the only way it is not lost; a collector deduplicates on messageId.
    let mut s = Sim::new(&open());
    s.beacon_quota = usize::MAX;
    s.track("A", "{\"bench_seq\":1}");
    s.advance(1000.0);
    s.answer(0);
    s.track("B", "{\"bench_seq\":2}");
    s.input(Input::Hidden);
    assert_eq!(seqs(&s.beaconed_events()), [1, 2]);
    // The network is in doubt, so the beacons carry a copy and the queue
    // keeps both, persisted: the next page sends whatever did not arrive.
    assert_eq!(s.t.queue().len(), 2);
    assert!(s.store.keys().any(|k| k.starts_with(sim::STORED_QUEUE)), "persisted before the page can go");
}

#[test]
fn withdrawal_while_a_batch_is_in_flight_then_the_batch_fails() {
    let mut s = Sim::new(&sim::config("{}"));
    s.consent(r#"{"analytics":true,"personalization":true}"#, "banner");
    s.flush();
    s.deliver_all();
    for _ in 0..5 {
        s.track("A", "{}");
    }
    s.advance(1000.0);
    assert_eq!(s.posts.len(), 1);
    s.consent(r#"{"analytics":false}"#, "banner");
    s.answer(503);
    s.advance(120_000.0);
    assert!(s.posts.is_empty(), "nothing of a withdrawn category goes out again");
    assert!(s.t.queue().is_empty());
}

#[test]
fn inputs_in_one_crossing_are_answered_in_their_order() {
    // The edge runs callbacks (onChange, flush promises) after a crossing;
    // what a callback calls back into Kizuna is the next crossing, and
    // within a crossing the answers follow the inputs' order.
    let mut t = sim::Sim::new(&sim::config("{}")).t;
    t.handle(Input::Consent([1, 0, 0], ""));
    t.handle(Input::Call {
        call: kizuna::engine::pipeline::call::Call::plain(kizuna::engine::pipeline::event::Kind::Track, "\"From callback\"", "{}"),
        time: T0,
        page: 1,
        sync: true,
    });
    let out = t.output();
    let kinds: Vec<u8> = codec::read("tracker.out", &out).iter().map(|r| r.0).collect();
    let changed = kinds.iter().position(|k| *k == b'C').expect("the change");
    let accepted = kinds.iter().position(|k| *k == b'Y').expect("the call was answered");
    assert!(changed < accepted, "{kinds:?}");
    assert!(t.output().is_empty(), "nothing twice");
}

#[test]
fn the_protocol_end_to_end() {
    let us = '\u{1f}';
    let rs = '\u{1e}';
    let init = [
        "n1795363980000".to_string(),
        format!("p1{us}1{us}https://shop.example/?utm_source=x{us}{us}\"Shop\"{us}{{\"utm_source\":\"x\"}}{us}\"shoes\""),
        codec::config_text(r#"{"endpoint":"/collect","consent":{"mode":"opt-out"}}"#),
        format!("S\"en-US\"{us}\"UA\"{us}1280{us}720{us}00112233445566778899aabbccddeeff{us}{us}{us}{us}{us}"),
    ]
    .join(&rs.to_string());
    let mut t = edge::start(&codec::from_text("tracker.in", &init)).unwrap();
    let out = codec::read("tracker.out", &edge::actions(&mut t));
    assert!(out.iter().any(|(k, f)| *k == b'S' && f[0].s() == "kizuna:anonymousId"), "{out:?}");
    let (kind, z) = out.last().unwrap();
    assert_eq!(*kind, b'Z', "the status comes last");
    assert_eq!(z[0].s().len(), 36);
    assert_eq!(z[6].n(), 15.0, "every category accepted (opt-out)");
    let text =
        ["n1795363980001".to_string(), format!("t1{us}1795363980001{us}\"Viewed\"{us}{{\"a\":1}}"), "f0".to_string()].join(&rs.to_string());
    let out = codec::read("tracker.out", &edge::run(&mut t, &codec::from_text("tracker.in", &text)));
    let (_, post) = out.iter().find(|r| r.0 == b'P').expect("a POST");
    assert_eq!((post[1].n(), post[2].s()), (1.0, "https://shop.example/collect"));
    let body: J = serde_json::from_str(post[3].s()).unwrap();
    assert_eq!(body["batch"][0]["event"], "Viewed");
    assert_eq!(body["batch"][0]["context"]["campaign"]["source"], "x");
    let answer = format!("n1795363980050{rs}a{}{us}200{us}", post[0].show());
    let out = codec::to_text("tracker.out", &edge::run(&mut t, &codec::from_text("tracker.in", &answer)));
    assert!(out.contains(&format!("F0{us}1{us}0{us}0")), "the flush resolved: {out}");
    assert!(edge::start(&codec::from_text("tracker.in", "S")).err().unwrap().starts_with("invalid config"), "no start without a config");
}

#[test]
fn a_request_that_crossed_the_back_forward_cache_frees_its_slot() {
    // WebKit and Firefox never settle a fetch that was in flight when the
    // page went into the cache; the edge answers 2 when it comes back.
    use kizuna::engine::pipeline::transport::CROSSED;
    let mut s = Sim::new(&open());
    s.beacon_quota = usize::MAX;
    s.track("Before", "{\"bench_seq\":0}");
    s.advance(1000.0);
    let kept = s.posts.remove(0);
    assert!(kept.keepalive);
    s.input(Input::Leaving);
    s.input(Input::Resumed(true));
    s.input(Input::Answer(kept.id, CROSSED, ""));
    assert_eq!(s.t.status().counts[0], 1, "a keepalive request went on without the page: taken");
    s.track("After", "{\"bench_seq\":1}");
    s.advance(1000.0);
    let after = s.deliver_all();
    assert_eq!(seqs(&after), [1], "the restored page sends again, and not the crossed batch twice");
}
