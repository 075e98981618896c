//! Host tests of the tracker: calls → events → batches, with a fake clock.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use kizuna::core::config::{parse_config, Config};
use kizuna::core::context::{EnvContext, PageContext};
use kizuna::core::input::Input;
use kizuna::core::platform::Level;
use kizuna::core::retry::Outcome;
use kizuna::core::tracker::Tracker;
use serde_json::Value as J;
use support::fakes::World;

fn s(v: &str) -> Input {
    Input::String(v.to_string())
}

fn obj(fields: Vec<(&str, Input)>) -> Input {
    Input::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// A config in opt-out mode, so these tests see batching without consent
/// gating (tests/consent.rs covers the gate).
fn config(extra: Vec<(&str, Input)>) -> Config {
    let mut fields = vec![("endpoint", s("/collect")), ("writeKey", s("demo")), ("consent", obj(vec![("mode", s("opt-out"))]))];
    fields.extend(extra);
    parse_config(&obj(fields)).unwrap().0
}

fn env() -> EnvContext {
    EnvContext {
        locale: "en-US".into(),
        user_agent: "Mozilla/5.0 Test".into(),
        screen_width: 1280.0,
        screen_height: 720.0,
        timezone: "Europe/Paris".into(),
    }
}

fn page() -> PageContext {
    PageContext::new("http://127.0.0.1:8080/shop?utm_source=news&utm_campaign=fall", "Shop", "http://ref.example/")
}

fn tracker(world: &World, cfg: Config) -> Tracker {
    Tracker::new(cfg, world.platform(7), env(), page())
}

/// Sends the next batch (which must exist) and returns its parsed body.
fn send_next(t: &mut Tracker, status: u16) -> J {
    let b = t.next_batch().expect("a batch is due");
    assert_eq!(t.complete(b.id, status, None), kizuna::core::retry::classify(status));
    serde_json::from_str(&b.body).expect("batch body is JSON")
}

fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
        && s.chars().filter(|c| *c != '-').all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

#[test]
fn a_track_call_becomes_a_segment_spec_event() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![]));
    assert!(t.track(s("Product Viewed"), obj(vec![("sku", s("A1")), ("price", Input::Number(19.9))]), Input::Undefined));
    w.clock.advance(1000.0);
    let body = send_next(&mut t, 200);
    assert_eq!(body["writeKey"], "demo");
    assert_eq!(body["sentAt"], "2026-11-22T16:13:01.000Z");
    let e = &body["batch"][0];
    assert_eq!(e["type"], "track");
    assert_eq!(e["event"], "Product Viewed");
    assert_eq!(e["properties"], serde_json::json!({"sku": "A1", "price": 19.9}));
    assert!(is_uuid_v4(e["anonymousId"].as_str().unwrap()));
    assert!(is_uuid_v4(e["messageId"].as_str().unwrap()));
    assert!(e.get("userId").is_none());
    assert_eq!(e["timestamp"], "2026-11-22T16:13:00.000Z", "call time, not send time");
    let c = &e["context"];
    assert_eq!(c["page"]["url"], "http://127.0.0.1:8080/shop?utm_source=news&utm_campaign=fall");
    assert_eq!(c["page"]["path"], "/shop");
    assert_eq!(c["page"]["search"], "?utm_source=news&utm_campaign=fall");
    assert_eq!(c["page"]["title"], "Shop");
    assert_eq!(c["page"]["referrer"], "http://ref.example/");
    assert_eq!(c["locale"], "en-US");
    assert_eq!(c["userAgent"], "Mozilla/5.0 Test");
    assert_eq!(c["screen"], serde_json::json!({"width": 1280, "height": 720}));
    assert_eq!(c["timezone"], "Europe/Paris");
    assert_eq!(c["campaign"], serde_json::json!({"source": "news", "name": "fall"}));
    assert_eq!(c["library"]["name"], "kizuna");
    assert_eq!(c["library"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(w.log.0.borrow().is_empty(), "silent without debug: {:?}", w.log.0.borrow());
}

#[test]
fn ids_are_kept_and_message_ids_are_unique() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![]));
    for i in 0..3 {
        t.track(s("E"), obj(vec![("i", Input::Number(i as f64))]), Input::Undefined);
    }
    t.begin_flush();
    let body = send_next(&mut t, 200);
    let events = body["batch"].as_array().unwrap();
    let anon: Vec<&str> = events.iter().map(|e| e["anonymousId"].as_str().unwrap()).collect();
    let msg: Vec<&str> = events.iter().map(|e| e["messageId"].as_str().unwrap()).collect();
    assert!(anon.iter().all(|a| *a == anon[0]));
    assert!(msg[0] != msg[1] && msg[1] != msg[2] && msg[0] != msg[2]);
    assert_eq!(w.store.get("kizuna:anonymousId").as_deref(), Some(anon[0]));

    // A later page view (a new tracker on the same storage) keeps the visitor.
    let mut t2 = Tracker::new(config(vec![]), w.platform(99), env(), page());
    t2.track(s("E"), Input::Undefined, Input::Undefined);
    t2.begin_flush();
    let body = send_next(&mut t2, 200);
    assert_eq!(body["batch"][0]["anonymousId"], anon[0]);

    // A site may set the message id itself (for its own deduplication).
    t2.track(s("E"), Input::Undefined, obj(vec![("messageId", s("order-42"))]));
    t2.begin_flush();
    assert_eq!(send_next(&mut t2, 200)["batch"][0]["messageId"], "order-42");
}

#[test]
fn identify_page_and_reset() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![]));
    t.identify(s("user-42"), obj(vec![("plan", s("pro"))]), Input::Undefined);
    t.identify(Input::Undefined, obj(vec![("seats", Input::Number(3.0))]), Input::Undefined);
    t.track(s("After"), Input::Undefined, Input::Undefined);
    t.page(s("Home"), obj(vec![("title", s("Custom title")), ("extra", Input::Bool(true))]), Input::Undefined);
    t.page(obj(vec![("section", s("a"))]), Input::Undefined, Input::Undefined);
    t.begin_flush();
    let body = send_next(&mut t, 200);
    let b = body["batch"].as_array().unwrap();
    assert_eq!(b[0]["type"], "identify");
    assert_eq!(b[0]["userId"], "user-42");
    assert_eq!(b[0]["traits"], serde_json::json!({"plan": "pro"}));
    assert_eq!(b[1]["traits"], serde_json::json!({"plan": "pro", "seats": 3}), "traits merge for the same user");
    assert_eq!(b[2]["userId"], "user-42", "later events carry the user id");
    assert_eq!(b[3]["type"], "page");
    assert_eq!(b[3]["name"], "Home");
    assert_eq!(b[3]["properties"]["path"], "/shop");
    assert_eq!(b[3]["properties"]["title"], "Custom title", "the site's properties win");
    assert_eq!(b[3]["properties"]["extra"], true);
    assert!(b[4].get("name").is_none());
    assert_eq!(b[4]["properties"]["section"], "a");
    assert_eq!(w.store.get("kizuna:userId").as_deref(), Some("user-42"));
    assert_eq!(w.store.get("kizuna:traits").as_deref(), Some(r#"{"plan":"pro","seats":3}"#));

    let before = t.identity().anonymous_id.clone();
    t.reset();
    assert_ne!(t.identity().anonymous_id, before);
    assert_eq!(w.store.get("kizuna:userId"), None);
    assert_eq!(w.store.get("kizuna:traits"), None);
    t.track(s("After reset"), Input::Undefined, Input::Undefined);
    t.begin_flush();
    let body = send_next(&mut t, 200);
    assert!(body["batch"][0].get("userId").is_none());
    assert_eq!(body["batch"][0]["anonymousId"], t.identity().anonymous_id.as_str());

    // A new user id replaces the traits instead of merging into the old user's.
    t.identify(s("user-7"), obj(vec![("a", Input::Number(1.0))]), Input::Undefined);
    assert_eq!(w.store.get("kizuna:traits").as_deref(), Some(r#"{"a":1}"#));
    t.identify(Input::Number(8.0), Input::Undefined, Input::Undefined);
    assert_eq!(t.identity().user_id.as_deref(), Some("8"));
}

#[test]
fn every_bad_input_gets_one_clear_message_and_the_next_call_works() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![]));
    let drops: Vec<(Input, Input, &str)> = vec![
        (Input::Undefined, Input::Undefined, "track(): the event name is missing; event dropped"),
        (Input::Number(3.0), Input::Undefined, "track(): the event name must be a string, got a number; event dropped"),
        (s("   "), Input::Undefined, "track('   '): the event name is empty; event dropped"),
        (Input::Function, Input::Undefined, "track(): the event name must be a string, got a function; event dropped"),
        (Input::Object(vec![]), Input::Undefined, "track(): the event name must be a string, got an object; event dropped"),
    ];
    for (name, props, want) in drops {
        w.log.clear();
        assert!(!t.track(name, props, Input::Undefined));
        assert_eq!(w.log.lines(Level::Error), vec![want.to_string()]);
    }
    assert_eq!(t.queue().len(), 0);

    let omitted: Vec<(Input, &str)> = vec![
        (s("a string"), "track('X'): properties must be a plain object, got a string (sent without them); those values were left out and the event was sent"),
        (Input::Array(vec![]), "track('X'): properties must be a plain object, got an array (sent without them); those values were left out and the event was sent"),
        (Input::Other("Map".into()), "track('X'): properties must be a plain object, got Map (sent without them); those values were left out and the event was sent"),
        (
            obj(vec![("self", Input::Cycle), ("fn", Input::Function), ("sym", Input::Symbol), ("big", Input::BigInt), ("ok", Input::Number(1.0))]),
            "track('X'): properties.self is a circular reference, properties.fn is a function, properties.sym is a symbol, properties.big is a BigInt; those values were left out and the event was sent",
        ),
    ];
    for (props, want) in omitted {
        w.log.clear();
        assert!(t.track(s("X"), props, Input::Undefined));
        assert_eq!(w.log.lines(Level::Warn), vec![want.to_string()]);
        assert!(w.log.lines(Level::Error).is_empty());
    }
    w.log.clear();
    t.track(s("X"), Input::Undefined, obj(vec![("categry", s("x"))]));
    assert_eq!(w.log.lines(Level::Warn), vec!["track('X'): options.categry is not a known option; those values were left out and the event was sent"]);

    w.log.clear();
    assert!(!t.identify(Input::Bool(true), Input::Undefined, Input::Undefined));
    assert!(!t.identify(s("u"), s("traits?"), Input::Undefined));
    assert!(!t.page(Input::Number(1.0), Input::Undefined, Input::Undefined));
    assert_eq!(w.log.lines(Level::Error).len(), 3);

    assert!(t.track(s("Valid"), obj(vec![("ok", Input::Bool(true))]), Input::Undefined));
    t.begin_flush();
    let body = send_next(&mut t, 200);
    let last = body["batch"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["event"], "Valid");
    assert_eq!(body["batch"][3]["properties"], serde_json::json!({"ok": 1}));
}

#[test]
fn oversized_events_are_refused_without_blocking_the_queue() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![]));
    assert!(!t.track(s("Huge"), obj(vec![("blob", s(&"x".repeat(40_000)))]), Input::Undefined));
    let err = w.log.lines(Level::Error);
    assert_eq!(err.len(), 1);
    assert!(err[0].starts_with("track('Huge'): the event is 40"), "{}", err[0]);
    assert!(err[0].ends_with("bytes of JSON, over the limit of 32768; event dropped"), "{}", err[0]);
    assert!(t.track(s("Small"), Input::Undefined, Input::Undefined));
    assert_eq!(t.queue().len(), 1);
}

#[test]
fn batches_go_out_on_count_bytes_or_time() {
    // Time: nothing before the interval, everything at it.
    let w = World::new();
    let mut t = tracker(&w, config(vec![]));
    t.track(s("A"), Input::Undefined, Input::Undefined);
    w.clock.advance(400.0);
    t.track(s("B"), Input::Undefined, Input::Undefined);
    assert_eq!(t.wake_at(), Some(w.clock.now() + 600.0), "1 s after the first queued event");
    w.clock.advance(599.0);
    assert!(t.next_batch().is_none());
    w.clock.advance(1.0);
    assert_eq!(send_next(&mut t, 200)["batch"].as_array().unwrap().len(), 2);
    assert_eq!(t.wake_at(), None);

    // Count: the 50th event makes a batch due at once.
    let mut t = tracker(&w, config(vec![]));
    for i in 0..49 {
        t.track(s("E"), obj(vec![("i", Input::Number(i as f64))]), Input::Undefined);
    }
    assert!(t.next_batch().is_none());
    t.track(s("E"), Input::Undefined, Input::Undefined);
    assert_eq!(send_next(&mut t, 200)["batch"].as_array().unwrap().len(), 50);

    // Bytes: a batch that would pass 60 KiB goes at once, cut under the limit.
    let mut t = tracker(&w, config(vec![]));
    let props = || obj(vec![("pad", s(&"p".repeat(20_000)))]);
    t.track(s("Big1"), props(), Input::Undefined);
    t.track(s("Big2"), props(), Input::Undefined);
    assert!(t.next_batch().is_none(), "two ~21 KB events fit in 60 KiB");
    t.track(s("Big3"), props(), Input::Undefined);
    let b = t.next_batch().expect("three would pass 60 KiB");
    assert_eq!(b.count, 2);
    assert!(b.body.len() <= 60 * 1024, "{}", b.body.len());
    t.complete(b.id, 200, None);
}

#[test]
fn one_request_in_flight_failures_stay_queued_and_retry_after_a_backoff() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![("batch", obj(vec![("maxEvents", Input::Number(2.0))]))]));
    for _ in 0..4 {
        t.track(s("E"), Input::Undefined, Input::Undefined);
    }
    let first = t.next_batch().unwrap();
    assert_eq!(first.count, 2);
    assert!(t.next_batch().is_none(), "one request in flight at a time");
    assert_eq!(t.complete(first.id, 503, None), Outcome::Retry);
    assert_eq!(t.queue().len(), 4, "failed events stay queued");
    let warn = w.log.lines(Level::Warn);
    assert!(warn[0].starts_with("sending 2 events failed (HTTP 503); they stay queued"), "{warn:?}");
    assert!(t.next_batch().is_none(), "backing off");
    let wake = t.wake_at().unwrap();
    assert!(wake > w.clock.now() && wake <= w.clock.now() + 1000.0);
    w.clock.0.set(wake);
    let again = t.next_batch().unwrap();
    assert_eq!(again.body.matches("\"messageId\"").count(), 2);
    assert_eq!(t.complete(again.id, 0, Some(5000.0)), Outcome::Retry, "network error");
    assert_eq!(t.wake_at(), Some(w.clock.now() + 5000.0), "Retry-After honoured");
    w.clock.advance(5000.0);
    let b = t.next_batch().unwrap();
    assert_eq!(b.body, again.body.replace(&sent_at(&again.body), &sent_at(&b.body)), "same events, same ids");
    t.complete(b.id, 200, None);
    assert_eq!(t.queue().len(), 2);

    // A refusal (4xx) drops the batch instead of blocking the queue forever.
    let b = t.next_batch().unwrap();
    w.log.clear();
    assert_eq!(t.complete(b.id, 400, None), Outcome::Rejected);
    assert_eq!(t.queue().len(), 0);
    assert_eq!(w.log.lines(Level::Error), vec!["the collector refused 2 events (HTTP 400); they were dropped, as resending them would fail the same way"]);
}

fn sent_at(body: &str) -> String {
    let v: J = serde_json::from_str(body).unwrap();
    v["sentAt"].as_str().unwrap().to_string()
}

#[test]
fn flush_sends_everything_and_summarises() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![("batch", obj(vec![("maxEvents", Input::Number(2.0))]))]));
    let empty = t.begin_flush();
    assert_eq!(t.take_finished_flushes(), vec![(empty, Default::default())]);

    for _ in 0..5 {
        t.track(s("E"), Input::Undefined, Input::Undefined);
    }
    let token = t.begin_flush();
    let mut batches = 0;
    while let Some(b) = t.next_batch() {
        assert!(t.take_finished_flushes().is_empty());
        t.complete(b.id, 200, None);
        batches += 1;
    }
    assert_eq!(batches, 3, "no waiting for the timer during a flush");
    let done = t.take_finished_flushes();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].0, token);
    assert_eq!((done[0].1.sent, done[0].1.failed, done[0].1.pending), (5, 0, 0));

    // A failure ends the flush with the failed events still pending.
    for _ in 0..3 {
        t.track(s("E"), Input::Undefined, Input::Undefined);
    }
    t.begin_flush();
    let b = t.next_batch().unwrap();
    t.complete(b.id, 200, None);
    let b = t.next_batch().unwrap();
    t.complete(b.id, 500, None);
    assert!(t.next_batch().is_none(), "the flush stops pushing after a failure");
    let done = t.take_finished_flushes();
    assert_eq!((done[0].1.sent, done[0].1.failed, done[0].1.pending), (2, 1, 1));
}

fn beacon_ids(sent: &[(String, String)]) -> Vec<i64> {
    let mut ids = Vec::new();
    for (url, body) in sent {
        assert_eq!(url, "http://127.0.0.1:8080/collect");
        assert!(body.len() <= 60 * 1024, "chunk of {} bytes", body.len());
        let v: J = serde_json::from_str(body).unwrap();
        for e in v["batch"].as_array().unwrap() {
            ids.push(e["properties"]["i"].as_i64().unwrap());
        }
    }
    ids
}

#[test]
fn unload_hands_everything_to_the_beacon_in_chunks() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![]));
    for i in 0..20 {
        t.track(s("Leaving"), obj(vec![("i", Input::Number(i as f64)), ("pad", s(&"z".repeat(6000)))]), Input::Undefined);
    }
    let in_flight = t.next_batch().expect("bytes threshold passed");
    assert!(in_flight.keepalive, "a batch under 60 KiB goes as keepalive");
    let mut sent: Vec<(String, String)> = Vec::new();
    let handed = t.unload(true, &mut |url: &str, body: &str| {
        sent.push((url.to_string(), body.to_string()));
        true
    });
    assert_eq!(handed, 20 - in_flight.count, "the keepalive request survives the unload: not sent twice");
    assert!(sent.len() >= 2);
    assert_eq!(beacon_ids(&sent), (in_flight.count as i64..20).collect::<Vec<_>>(), "every other event once, in order");
    t.complete(in_flight.id, 200, None);
    assert!(t.queue().is_empty());

    // What the browser refuses stays queued for later.
    for _ in 0..20 {
        t.track(s("Again"), obj(vec![("pad", s(&"z".repeat(6000)))]), Input::Undefined);
    }
    let mut calls = 0;
    let handed = t.unload(false, &mut |_, _| {
        calls += 1;
        calls == 1
    });
    assert!(handed > 0 && handed < 20);
    assert_eq!(t.queue().len(), 20 - handed);
    assert_eq!(calls, 2, "after one refusal the rest are kept without asking again");
}

#[test]
fn a_batch_too_big_for_keepalive_rides_the_beacon_when_leaving() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![("batch", obj(vec![("maxBytes", Input::Number(200_000.0))]))]));
    for i in 0..20 {
        t.track(s("Leaving"), obj(vec![("i", Input::Number(i as f64)), ("pad", s(&"z".repeat(6000)))]), Input::Undefined);
    }
    t.begin_flush();
    let in_flight = t.next_batch().unwrap();
    assert!(!in_flight.keepalive && in_flight.body.len() > 60 * 1024);
    let mut sent: Vec<(String, String)> = Vec::new();
    let hidden = t.unload(false, &mut |u: &str, b: &str| {
        sent.push((u.to_string(), b.to_string()));
        true
    });
    assert_eq!(hidden, 0, "only hidden: the request may still finish, nothing else waits");
    let handed = t.unload(true, &mut |u: &str, b: &str| {
        sent.push((u.to_string(), b.to_string()));
        true
    });
    assert_eq!(handed, 20, "leaving: the cancelled request's events ride along");
    assert_eq!(beacon_ids(&sent), (0..20).collect::<Vec<_>>());
    assert_eq!(t.complete(in_flight.id, 200, None), Outcome::Delivered);
    assert!(t.queue().is_empty(), "its late answer changes nothing");
}

#[test]
fn full_storage_does_not_stop_tracking() {
    let w = World::new();
    w.store.fill_up();
    let mut t = tracker(&w, config(vec![]));
    t.identify(s("u1"), obj(vec![("a", Input::Number(1.0))]), Input::Undefined);
    assert!(t.track(s("E"), Input::Undefined, Input::Undefined));
    t.begin_flush();
    let body = send_next(&mut t, 200);
    assert_eq!(body["batch"][1]["userId"], "u1");
    assert!(w.store.keys().is_empty());
}

#[test]
fn debug_logs_every_event_and_batch() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![("debug", Input::Bool(true))]));
    t.track(s("Seen"), Input::Undefined, Input::Undefined);
    t.begin_flush();
    send_next(&mut t, 200);
    let debug = w.log.lines(Level::Debug);
    assert!(debug[0].starts_with("track('Seen') queued: {\"type\":\"track\""), "{debug:?}");
    assert_eq!(debug[1], "batch of 1 events delivered (HTTP 200)");
}

#[test]
fn calls_queued_before_load_keep_their_own_time_and_page() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![]));
    let earlier = PageContext::new("http://127.0.0.1:8080/landing?utm_source=mail", "Landing", "http://ref.example/");
    t.replaying(1_795_363_900_000.0, earlier);
    t.track(s("Queued Early"), Input::Undefined, Input::Undefined);
    t.page(Input::Undefined, Input::Undefined, Input::Undefined);
    t.replayed();
    t.track(s("Live"), Input::Undefined, Input::Undefined);
    t.begin_flush();
    let body = send_next(&mut t, 200);
    let b = body["batch"].as_array().unwrap();
    assert_eq!(b[0]["timestamp"], "2026-11-22T16:11:40.000Z", "the time of the call, not of the replay");
    assert_eq!(b[0]["context"]["page"]["url"], "http://127.0.0.1:8080/landing?utm_source=mail");
    assert_eq!(b[0]["context"]["page"]["title"], "Landing");
    assert_eq!(b[0]["context"]["page"]["referrer"], "http://ref.example/");
    assert_eq!(b[0]["context"]["campaign"], serde_json::json!({"source": "mail"}));
    assert_eq!(b[1]["properties"]["path"], "/landing", "a replayed page view describes its own page");
    assert_eq!(b[2]["context"]["page"]["path"], "/shop", "after the replay, the current page again");
    assert_eq!(b[2]["timestamp"], "2026-11-22T16:13:00.000Z");
}
