//! Host tests of the tracking engine through the simulated edge: events,
//! ids, bad input, batching, retries, flush, unload, replayed calls.

#![cfg(not(target_arch = "wasm32"))]

mod sim;

use kizuna::engine::io::Input;
use kizuna::engine::pipeline::event::Kind;
use serde_json::{json, Value as J};
use sim::Level;
use sim::{names, open, Sim, T0, URL};

fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
        && s.chars().filter(|c| *c != '-').all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

/// Opt-out with `batch` settings and no stored copy (its writes have
/// wake-ups of their own; tests/engine_store.rs tests them).
fn batch_config(batch: &str) -> String {
    format!("{{\"endpoint\":\"/collect\",\"writeKey\":\"k\",\"consent\":{{\"mode\":\"opt-out\"}},\"store\":{{\"persist\":false}},\"batch\":{batch}}}")
}

#[test]
fn a_track_call_becomes_a_segment_spec_event() {
    let mut s = Sim::new(&open());
    s.track("Product Viewed", r#"{"sku":"A1","price":19.9}"#);
    assert!(s.posts.is_empty(), "not before the 1 s timer");
    s.advance(1000.0);
    let post = s.posts[0].clone();
    assert_eq!(post.url, "https://shop.example/collect");
    assert!(post.keepalive);
    let body: J = serde_json::from_str(&post.body).unwrap();
    assert_eq!(body["writeKey"], "k");
    assert_eq!(body["sentAt"], "2026-11-22T16:13:01.000Z");
    let e = &body["batch"][0];
    assert_eq!(e["type"], "track");
    assert_eq!(e["event"], "Product Viewed");
    assert_eq!(e["properties"], json!({"sku": "A1", "price": 19.9}));
    assert!(is_uuid_v4(e["anonymousId"].as_str().unwrap()));
    assert!(is_uuid_v4(e["messageId"].as_str().unwrap()));
    assert!(e.get("userId").is_none());
    assert_eq!(e["timestamp"], "2026-11-22T16:13:00.000Z", "call time, not send time");
    let c = &e["context"];
    assert_eq!(
        c["page"],
        json!({"path": "/land", "referrer": "https://www.google.com/", "search": "?utm_source=ads&utm_campaign=fall&gclid=Cj0KCQ&x=1", "title": "Land", "url": URL})
    );
    assert_eq!(c["locale"], "ja-JP");
    assert_eq!(c["userAgent"], "Mozilla/5.0 Test");
    assert_eq!(c["screen"], json!({"width": 1440, "height": 900}));
    assert_eq!(c["timezone"], "Asia/Tokyo");
    assert_eq!(c["campaign"], json!({"source": "ads", "name": "fall"}));
    assert_eq!(c["library"], json!({"name": "kizuna", "version": env!("CARGO_PKG_VERSION")}));
    assert_eq!(c["consent"], json!({"necessary": "granted", "analytics": "granted", "personalization": "granted", "marketing": "granted"}));
    assert!(s.logs.is_empty(), "silent without debug: {:?}", s.logs);
}

#[test]
fn ids_are_kept_and_message_ids_are_unique() {
    let mut s = Sim::new(&open());
    for i in 0..3 {
        s.track("E", &format!("{{\"i\":{i}}}"));
    }
    s.flush();
    let events = s.deliver_all();
    let anon: Vec<&str> = events.iter().map(|e| e["anonymousId"].as_str().unwrap()).collect();
    let msg: Vec<&str> = events.iter().map(|e| e["messageId"].as_str().unwrap()).collect();
    assert!(anon.iter().all(|a| *a == anon[0]));
    assert!(msg[0] != msg[1] && msg[1] != msg[2] && msg[0] != msg[2]);
    assert_eq!(s.store.get("kizuna:anonymousId").map(String::as_str), Some(anon[0]));

    // The next page of the site keeps the visitor.
    let mut next = Sim::with_store(&open(), s.store.clone());
    next.track("E", "{}");
    next.flush();
    assert_eq!(next.deliver_all()[0]["anonymousId"], anon[0]);

    // A site may set the message id itself (for its own deduplication).
    assert!(next.call(Kind::Track, "\"E\"", "!v", r#"{"messageId":"order-42"}"#));
    next.flush();
    assert_eq!(next.deliver_all()[0]["messageId"], "order-42");
}

#[test]
fn identify_page_and_reset() {
    let mut s = Sim::new(&open());
    assert!(s.call(Kind::Identify, "\"user-42\"", r#"{"plan":"pro"}"#, "!v"));
    assert!(s.call(Kind::Identify, r#"{"seats":3}"#, "!v", "!v"));
    s.track("After", "{}");
    assert!(s.call(Kind::Page, "\"Home\"", r#"{"title":"Custom title","extra":true}"#, "!v"));
    assert!(s.call(Kind::Page, r#"{"section":"a"}"#, "!v", "!v"));
    s.flush();
    let b = s.deliver_all();
    assert_eq!(b[0]["type"], "identify");
    assert_eq!(b[0]["userId"], "user-42");
    assert_eq!(b[0]["traits"], json!({"plan": "pro"}));
    assert_eq!(b[1]["traits"], json!({"plan": "pro", "seats": 3}), "traits merge for the same user");
    assert_eq!(b[2]["userId"], "user-42", "later events carry the user id");
    assert_eq!(b[3]["type"], "page");
    assert_eq!(b[3]["name"], "Home");
    assert_eq!(b[3]["properties"]["path"], "/land");
    assert_eq!(b[3]["properties"]["title"], "Custom title", "the site's properties win");
    assert_eq!(b[3]["properties"]["extra"], true);
    assert!(b[4].get("name").is_none());
    assert_eq!(b[4]["properties"]["section"], "a");
    assert_eq!(b[4]["properties"]["url"], URL);
    assert_eq!(s.store.get("kizuna:userId").map(String::as_str), Some("user-42"));
    assert_eq!(s.store.get("kizuna:traits").map(String::as_str), Some(r#"{"plan":"pro","seats":3}"#));

    let before = s.t.identity().anonymous_id.clone();
    s.input(Input::Reset);
    assert_ne!(s.t.identity().anonymous_id, before);
    assert_eq!(s.store.get("kizuna:userId"), None);
    assert_eq!(s.store.get("kizuna:traits"), None);
    s.track("After reset", "{}");
    s.flush();
    let b = s.deliver_all();
    assert!(b[0].get("userId").is_none());
    assert_eq!(b[0]["anonymousId"], s.t.identity().anonymous_id.as_str());

    // A new user id replaces the traits instead of merging into the old user's.
    s.call(Kind::Identify, "\"user-7\"", r#"{"a":1}"#, "!v");
    assert_eq!(s.store.get("kizuna:traits").map(String::as_str), Some(r#"{"a":1}"#));
    s.call(Kind::Identify, "8", "!v", "!v");
    assert_eq!(s.t.identity().user_id.as_deref(), Some("8"));
}

#[test]
fn oversized_events_are_refused_without_blocking_the_queue() {
    let mut s = Sim::new(&open());
    let big = format!("{{\"blob\":\"{}\"}}", "x".repeat(40_000));
    assert!(!s.call(Kind::Track, "\"Huge\"", &big, "!v"));
    let err = s.lines(Level::Error);
    assert_eq!(err.len(), 1);
    assert!(err[0].starts_with("track('Huge'): the event is 40"), "{}", err[0]);
    assert!(err[0].ends_with("bytes of JSON, over the limit of 32256; event dropped"), "{}", err[0]);
    assert!(s.call(Kind::Track, "\"Small\"", "!v", "!v"));
    assert_eq!(s.t.queue().len(), 1);
}

#[test]
fn batches_go_out_on_count_bytes_or_time() {
    let mut s = Sim::new(&batch_config("{}"));
    s.track("A", "{}");
    s.advance(400.0);
    s.track("B", "{}");
    assert_eq!(s.wake, Some(T0 + 1000.0), "1 s after the first queued event");
    s.advance(599.0);
    assert!(s.posts.is_empty());
    s.advance(1.0);
    assert_eq!(s.answer(200).events().len(), 2);
    assert_eq!(s.wake, None);

    // (The default, 100 events, passes 32 KiB first with this page context.)
    let mut s = Sim::new(&batch_config(r#"{"maxEvents":30}"#));
    for i in 0..29 {
        s.track("E", &format!("{{\"i\":{i}}}"));
    }
    assert!(s.posts.is_empty());
    s.track("E", "{}");
    assert_eq!(s.answer(200).events().len(), 30, "the 30th event makes a batch due at once");

    let mut s = Sim::new(&open());
    let pad = format!("{{\"pad\":\"{}\"}}", "p".repeat(12_000));
    s.call(Kind::Track, "\"Big1\"", &pad, "!v");
    s.call(Kind::Track, "\"Big2\"", &pad, "!v");
    assert!(s.posts.is_empty(), "two ~13 KB events fit in 32 KiB");
    s.call(Kind::Track, "\"Big3\"", &pad, "!v");
    let p = s.answer(200);
    assert_eq!(p.events().len(), 2, "three would pass 32 KiB");
    assert!(p.body.len() <= 32 * 1024 && p.keepalive, "{}", p.body.len());
}

#[test]
fn one_request_in_flight_failures_stay_queued_and_retry_after_a_backoff() {
    let mut s = Sim::new(&batch_config(r#"{"maxEvents":2}"#));
    for _ in 0..4 {
        s.track("E", "{}");
    }
    assert_eq!(s.posts.len(), 1, "one request in flight at a time");
    let first = s.answer(503);
    assert_eq!(first.events().len(), 2);
    assert_eq!(s.t.queue().len(), 4, "failed events stay queued");
    let warn = s.lines(Level::Warn);
    assert!(warn[0].starts_with("sending 2 events failed (HTTP 503); they stay queued"), "{warn:?}");
    assert!(s.posts.is_empty(), "backing off");
    let wake = s.wake.unwrap();
    assert!(wake > s.now && wake <= s.now + 1000.0);
    s.advance(wake - s.now);
    let again = s.answer_with(0, "5");
    assert_eq!(
        again.events(),
        first
            .events()
            .into_iter()
            .map(|mut e| {
                e["x"] = J::Null;
                e
            })
            .map(|mut e| {
                e.as_object_mut().unwrap().remove("x");
                e
            })
            .collect::<Vec<_>>(),
        "the same events, same ids"
    );
    assert_eq!(s.wake, Some(s.now + 5000.0), "Retry-After honoured");
    s.advance(5000.0);
    assert_eq!(s.answer(200).events(), first.events());
    assert_eq!(s.t.queue().len(), 2);
    s.logs.clear();
    s.answer(400);
    assert_eq!(s.t.queue().len(), 0, "a refusal drops the batch instead of blocking the queue");
    assert_eq!(
        s.lines(Level::Error),
        vec!["the collector refused 2 events (HTTP 400); they were dropped, as resending them would fail the same way"]
    );
}

#[test]
fn flush_sends_everything_and_summarises() {
    let mut s = Sim::new(&batch_config(r#"{"maxEvents":2}"#));
    let empty = s.flush();
    assert_eq!(s.flushed[&empty], Default::default(), "nothing to wait for");
    for _ in 0..5 {
        s.track("E", "{}");
    }
    let token = s.flush();
    let mut batches = 0;
    while !s.posts.is_empty() {
        assert!(!s.flushed.contains_key(&token));
        s.answer(200);
        batches += 1;
    }
    assert_eq!(batches, 3, "no waiting for the timer during a flush");
    let d = s.flushed[&token];
    assert_eq!((d.sent, d.failed, d.pending), (5, 0, 0));

    for _ in 0..3 {
        s.track("E", "{}");
    }
    let token = s.flush();
    s.answer(200);
    s.answer(500);
    assert!(s.posts.is_empty(), "the flush stops pushing after a failure");
    let d = s.flushed[&token];
    assert_eq!((d.sent, d.failed, d.pending), (2, 1, 1));
}

fn seq_of(events: &[J]) -> Vec<i64> {
    events.iter().map(|e| e["properties"]["i"].as_i64().unwrap()).collect()
}

#[test]
fn unload_hands_everything_to_the_beacon_in_chunks() {
    let mut s = Sim::new(&batch_config(r#"{"maxBytes":61440}"#));
    s.beacon_quota = usize::MAX;
    for i in 0..20 {
        s.call(Kind::Track, "\"Leaving\"", &format!("{{\"i\":{i},\"pad\":\"{}\"}}", "z".repeat(6000)), "!v");
    }
    let in_flight = s.posts[0].clone();
    assert!(!in_flight.keepalive, "a batch over 32 KiB goes without keepalive");
    s.input(Input::Leaving);
    assert!(s.beacons.len() >= 2);
    assert!(s.beacons.iter().all(|b| b.len() <= 60 * 1024));
    assert_eq!(
        seq_of(&s.beaconed_events()),
        (0..20).collect::<Vec<_>>(),
        "the cancelled request's events, then every other event, once, in order"
    );
    s.answer(200);
    assert!(s.t.queue().is_empty());

    // What the browser refuses stays queued for later.
    let mut s = Sim::new(&batch_config(r#"{"maxEvents":1000,"maxBytes":500000,"flushInterval":60000}"#));
    s.beacon_quota = 60 * 1024;
    for i in 0..60 {
        s.call(Kind::Track, "\"Again\"", &format!("{{\"i\":{i},\"pad\":\"{}\"}}", "z".repeat(2000)), "!v");
    }
    assert!(s.posts.is_empty());
    s.input(Input::Hidden);
    let handed = s.beaconed_events().len();
    assert!(handed > 0 && handed < 60, "{handed} of 60");
    assert_eq!(s.t.queue().len(), 60 - handed);
    assert!(s.lines(Level::Warn).iter().any(|w| w.contains("refused to send")), "{:?}", s.logs);
    s.flush();
    let rest = s.deliver_all();
    assert_eq!(seq_of(&rest), (handed as i64..60).collect::<Vec<_>>(), "the refused ones go later, in order");
}

#[test]
fn a_batch_too_big_for_keepalive_rides_the_beacon_when_leaving() {
    let mut s = Sim::new(&batch_config(r#"{"maxBytes":200000}"#));
    s.beacon_quota = usize::MAX;
    for i in 0..20 {
        s.call(Kind::Track, "\"Leaving\"", &format!("{{\"i\":{i},\"pad\":\"{}\"}}", "z".repeat(6000)), "!v");
    }
    s.flush();
    let in_flight = s.posts[0].clone();
    assert!(!in_flight.keepalive && in_flight.body.len() > 60 * 1024);
    s.input(Input::Hidden);
    assert!(s.beacons.is_empty(), "only hidden: the request may still finish, nothing else waits");
    s.input(Input::Leaving);
    assert_eq!(seq_of(&s.beaconed_events()), (0..20).collect::<Vec<_>>(), "leaving: the cancelled request's events ride along");
    s.answer(200);
    assert!(s.t.queue().is_empty(), "its late answer changes nothing");
}

#[test]
fn debug_logs_every_event_and_batch() {
    let mut s = Sim::new(r#"{"endpoint":"/collect","debug":true,"consent":{"mode":"opt-out"}}"#);
    s.track("Seen", "{}");
    s.flush();
    s.deliver_all();
    let debug = s.lines(Level::Debug);
    assert!(debug[0].starts_with("track('Seen') queued: {\"type\":\"track\""), "{debug:?}");
    assert!(debug.contains(&"batch of 1 events delivered (HTTP 200)"), "{debug:?}");
}

#[test]
fn calls_queued_before_load_keep_their_own_time_and_page() {
    let mut s = Sim::new(&open());
    s.input(Input::Page {
        id: 9,
        url: "http://127.0.0.1:8080/landing?utm_source=mail",
        referrer: "http://ref.example/",
        title: "\"Landing\"",
        utm: r#"{"utm_source":"mail"}"#,
        topics: "\"\"",
        current: false,
    });
    let early = Kind::Track;
    s.input(Input::Call {
        call: kizuna::engine::pipeline::call::Call::plain(early, "\"Queued Early\"", "{}"),
        time: 1_795_363_900_000.0,
        page: 9,
        sync: false,
    });
    s.input(Input::Call {
        call: kizuna::engine::pipeline::call::Call::plain(Kind::Page, "", "{}"),
        time: 1_795_363_900_001.0,
        page: 9,
        sync: false,
    });
    s.track("Live", "{}");
    s.flush();
    let b = s.deliver_all();
    assert_eq!(b[0]["timestamp"], "2026-11-22T16:11:40.000Z", "the time of the call, not of the replay");
    assert_eq!(b[0]["context"]["page"]["url"], "http://127.0.0.1:8080/landing?utm_source=mail");
    assert_eq!(b[0]["context"]["page"]["title"], "Landing");
    assert_eq!(b[0]["context"]["page"]["referrer"], "http://ref.example/");
    assert_eq!(b[0]["context"]["campaign"], json!({"source": "mail"}));
    assert_eq!(b[1]["properties"]["path"], "/landing", "a replayed page view describes its own page");
    assert_eq!(b[2]["context"]["page"]["path"], "/land", "then the current page again");
    assert_eq!(b[2]["timestamp"], "2026-11-22T16:13:00.000Z");
    assert_eq!(names(&b), ["Queued Early", "page", "Live"]);
}

#[test]
fn spa_routes_get_their_own_context_and_old_pages_are_let_go() {
    let mut s = Sim::new(&open());
    s.track("On landing", "{}");
    s.goto("https://shop.example/p/a1", "A1");
    s.track("On product", "{}");
    s.flush();
    let b = s.deliver_all();
    assert_eq!(b[0]["context"]["page"]["path"], "/land");
    assert_eq!(b[1]["context"]["page"]["path"], "/p/a1");
    assert_eq!(b[1]["context"]["page"]["title"], "A1");
    assert!(b[1]["context"].get("campaign").is_none(), "the new route has no utm");
}

#[test]
fn a_collector_answering_without_cors_takes_each_batch_once_and_is_named_once() {
    // The edge answers 1 when a collector on another origin answered but the
    // browser hid the answer (no Access-Control-Allow-Origin).
    let mut s = Sim::new(r#"{"endpoint":"https://collect.example/v1/batch","writeKey":"k","consent":{"mode":"opt-out"}}"#);
    for i in 0..3 {
        s.track("E", &format!("{{\"i\":{i}}}"));
        s.advance(1_500.0);
        s.answer(1);
    }
    s.advance(120_000.0);
    assert!(s.posts.is_empty(), "nothing is sent again");
    assert_eq!(s.sent.len(), 3, "one request per batch");
    assert_eq!(s.t.status().counts[0], 3, "counted as taken");
    let told: Vec<&str> = s.lines(Level::Warn).into_iter().filter(|l| l.contains("Access-Control-Allow-Origin")).collect();
    assert_eq!(told.len(), 1, "said once: {told:?}");
    assert!(told[0].contains("origin (https://shop.example)") && told[0].contains("https://collect.example/v1/batch"), "{}", told[0]);
}
