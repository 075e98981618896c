//! The queue's copy in storage, on the host with a fake clock: when it is
//! written, what the next page (or another tab) takes over, its bounds, and
//! that withdrawal wins.

mod sim;

use kizuna::engine::io::Input;
use serde_json::Value as J;
use sim::codec::V;
use sim::{open, Sim, STORED_QUEUE};

fn stored(s: &Sim) -> Vec<(String, String)> {
    s.store.iter().filter(|(k, _)| k.starts_with(STORED_QUEUE)).map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn front_key(s: &Sim) -> String {
    format!("{STORED_QUEUE}{}", s.t.status().owner)
}

fn seqs(events: &[J]) -> Vec<i64> {
    events.iter().map(|e| e["properties"]["bench_seq"].as_i64().unwrap_or(-1)).collect()
}

/// A page of the site opened later with what `before` left in storage, the
/// edge handing it every stored key of other owners (fronts first).
fn next_page(config: &str, before: &Sim, ms_later: f64) -> Sim {
    let mut s = Sim::with_store(config, before.store.clone());
    s.now = before.now + ms_later;
    let mut keys: Vec<(String, String)> = stored(before);
    keys.sort_by_key(|(k, _)| k.matches('.').count());
    for (k, v) in keys {
        s.input(Input::Stored(&k, &v));
    }
    s
}

#[test]
fn events_are_stored_soon_after_they_are_tracked_coalesced() {
    let mut s = Sim::new(&open());
    s.track("E", "{\"bench_seq\":0}");
    let first = s.store.get(&front_key(&s)).cloned().expect("the first change is written at once");
    assert!(first.starts_with("kzq2\u{1f}"), "{first:?}");
    s.track("E", "{\"bench_seq\":1}");
    assert_eq!(s.store[&front_key(&s)], first, "the next change waits for the coalescing window");
    assert!(s.wake.unwrap() <= s.now + 250.0);
    s.advance(250.0);
    assert!(s.store[&front_key(&s)].contains("bench_seq\":1"), "written within 250 ms");
    s.advance(750.0);
    s.deliver_all();
    assert!(stored(&s).is_empty(), "delivered: the key is gone");
}

#[test]
fn the_next_page_sends_what_the_last_one_left_with_its_ids_times_and_context() {
    let mut a = Sim::new(&open());
    a.input(Input::Online(false));
    for i in 0..30 {
        a.track("Offline", &format!("{{\"bench_seq\":{i}}}"));
        a.advance(10.0);
    }
    a.input(Input::Leaving);
    // navigator.onLine false is reliable (only true can be wrong): no
    // beacon could leave, the stored copy carries everything.
    assert!(a.beacons.is_empty(), "no beacons offline");
    let front = a.store[&front_key(&a)].clone();
    let header = front.split('\u{1d}').next().unwrap();
    assert_eq!(header.split('\u{1f}').nth(2), Some("0"), "leaving gives the lease up");

    let mut b = next_page(&open(), &a, 5_000.0);
    assert!(!b.store.contains_key(&front_key(&a)), "the old page's key is gone once taken over");
    assert!(b.store.contains_key(&front_key(&b)), "and kept as the new page's");
    b.advance(1_000.0);
    let got = b.deliver_all();
    let mine: Vec<&J> = got.iter().filter(|e| e["event"] == "Offline").collect();
    assert_eq!(mine.len(), 30);
    assert_eq!(seqs(&got.iter().filter(|e| e["event"] == "Offline").cloned().collect::<Vec<_>>()), (0..30).collect::<Vec<i64>>());
    assert_eq!(mine[0]["timestamp"], "2026-11-22T16:13:00.000Z", "the time it was tracked");
    assert_eq!(mine[0]["context"]["page"]["url"], sim::URL, "the page it was tracked on");
    assert_eq!(mine[0]["anonymousId"].as_str(), Some(a.t.identity().anonymous_id.as_str()));
    assert!(stored(&b).is_empty());
}

#[test]
fn a_batch_in_flight_as_keepalive_at_pagehide_is_not_stored_again() {
    let mut a = Sim::new(&open());
    for i in 0..10 {
        a.track("E", &format!("{{\"bench_seq\":{i}}}"));
    }
    a.advance(1000.0);
    assert!(a.posts[0].keepalive);
    a.track("E", "{\"bench_seq\":10}");
    a.beacon_quota = 0; // the browser refuses the beacon
    a.input(Input::Leaving);
    let b = next_page(&open(), &a, 100.0);
    let taken: Vec<i64> =
        b.t.queue()
            .front()
            .iter()
            .map(|e| {
                let p = e.parts();
                serde_json::from_str::<J>(p.props).unwrap()["bench_seq"].as_i64().unwrap()
            })
            .collect();
    assert_eq!(taken, [10], "the keepalive request completes on its own; only the refused event is taken over");
}

#[test]
fn events_older_than_max_age_are_not_sent_and_are_counted() {
    let cfg = r#"{"endpoint":"/collect","consent":{"mode":"opt-out"},"store":{"maxAgeDays":1}}"#;
    let mut a = Sim::new(cfg);
    a.input(Input::Online(false));
    a.track("Old", "{}");
    a.input(Input::Leaving);
    let mut b = next_page(cfg, &a, 2.0 * 86_400_000.0);
    assert_eq!(b.t.queue().len(), 0);
    assert_eq!(b.t.status().counts[2], 1, "expired");
    b.advance(1000.0);
    assert!(b.deliver_all().is_empty());
}

#[test]
fn the_store_keeps_the_newest_segments_within_its_bounds() {
    let cfg = r#"{"endpoint":"/collect","consent":{"mode":"opt-out"},"store":{"maxBytes":200000}}"#;
    let mut s = Sim::new(cfg);
    s.input(Input::Online(false));
    let pad = "x".repeat(300);
    for i in 0..3000 {
        s.track("E", &format!("{{\"bench_seq\":{i},\"pad\":\"{pad}\"}}"));
    }
    s.advance(250.0);
    let bytes: usize = stored(&s).iter().map(|(_, v)| v.len()).sum();
    assert!(bytes <= 200_000 + 70_000, "within the bound (the front aside): {bytes}");
    assert!(stored(&s).len() >= 3, "the front and some segments");
    // The newest are the ones kept: the last segment is stored.
    let last = *s.segments.keys().last().unwrap();
    assert!(s.segment_keys.contains_key(&last));
    let first = *s.segments.keys().next().unwrap();
    assert!(!s.segment_keys.contains_key(&first), "the oldest segment is in memory only");
}

#[test]
fn a_413_splits_the_batch_and_a_single_refused_event_is_counted() {
    let mut s = Sim::new(&open());
    for i in 0..40 {
        s.track("E", &format!("{{\"bench_seq\":{i}}}"));
    }
    s.advance(1000.0);
    assert_eq!(s.posts[0].events().len(), 40);
    s.answer(413);
    assert_eq!(s.posts[0].events().len(), 20, "halves, at once");
    s.answer(413);
    assert_eq!(s.posts[0].events().len(), 10);
    let mut got = s.answer(200).events();
    got.extend(s.deliver_all());
    assert_eq!(seqs(&got), (0..40).collect::<Vec<i64>>());
    s.track("Huge", "{}");
    s.advance(1000.0);
    s.answer(413);
    assert_eq!(s.t.status().counts[3], 1, "refused for good, counted");
    assert_eq!(s.t.queue().len(), 0, "and not blocking the queue");
}

#[test]
fn withdrawing_analytics_deletes_every_stored_queue_and_another_tabs_record_counts() {
    let mut s = Sim::new(&sim::config("{\"mode\":\"opt-in\"}"));
    s.consent(r#"{"analytics":true}"#, "banner");
    s.store.insert("kizuna:q.othertab".into(), "kzq2\u{1f}othertab\u{1f}99999999999999".into());
    s.input(Input::Online(false));
    s.track("E", "{}");
    assert!(stored(&s).len() == 2);
    // Another tab withdrew: its record reaches this one through storage.
    let record =
        r#"{"v":1,"categories":{"analytics":"denied","personalization":"unknown","marketing":"unknown"},"updatedAt":1,"source":"banner"}"#;
    let lit = serde_json::to_string(record).unwrap();
    s.input(Input::ConsentRecord(&lit));
    assert!(stored(&s).is_empty(), "every stored queue is gone, the other tab's too");
    assert_eq!(s.t.queue().len(), 0);
    s.input(Input::Online(true));
    s.advance(60_000.0);
    assert!(s.posts.is_empty());
}

#[test]
fn back_from_the_bfcache_after_another_tab_took_the_queue_over() {
    let mut s = Sim::new(&open());
    s.input(Input::Online(false));
    s.track("E", "{}");
    s.input(Input::Leaving);
    s.store.clear();
    s.input(Input::Resumed(false));
    assert_eq!(s.t.queue().len(), 0, "the other tab sends them");
    s.input(Input::Online(true));
    s.track("Back", "{}");
    s.advance(1000.0);
    assert_eq!(sim::names(&s.deliver_all()), ["Back"]);
}

#[test]
fn coming_back_online_sends_at_once_not_after_the_backoff() {
    let mut s = Sim::new(&open());
    s.input(Input::Online(false));
    s.track("E", "{}");
    s.advance(1000.0);
    for _ in 0..5 {
        s.answer(0);
        for _ in 0..100 {
            if !s.posts.is_empty() {
                break;
            }
            s.advance(s.wake.unwrap() - s.now);
        }
    }
    s.answer(0);
    assert!(s.posts.is_empty());
    s.input(Input::Online(true));
    assert_eq!(s.posts.len(), 1);
}

#[test]
fn with_the_network_in_doubt_everything_stays_stored_the_batch_in_flight_too() {
    let mut a = Sim::new(&open());
    for i in 0..100 {
        a.track("E", &format!("{{\"bench_seq\":{i}}}"));
    }
    a.advance(1000.0);
    a.answer(0);
    while a.posts.is_empty() {
        a.advance(a.wake.unwrap() - a.now);
    }
    a.beacon_quota = usize::MAX;
    a.input(Input::Hidden);
    a.input(Input::Leaving);
    assert!(!a.beacons.is_empty(), "the beacons still try");
    let mut b = next_page(&open(), &a, 100.0);
    b.advance(1000.0);
    assert_eq!(seqs(&b.deliver_all()), (0..100).collect::<Vec<i64>>(), "and the next page has every event");
}

#[test]
fn forget_leaves_nothing_of_the_old_visitor_queued_or_stored() {
    let mut s = Sim::new(&open());
    for i in 0..30 {
        s.track("E", &format!("{{\"bench_seq\":{i}}}"));
    }
    s.advance(300.0);
    assert!(s.store.keys().any(|k| k.starts_with(sim::STORED_QUEUE)), "stored first");
    let old = s.t.status().anonymous_id.clone();
    s.input(Input::Forget);
    s.advance(300.0);
    assert!(s.t.queue().is_empty());
    assert!(s.store.values().all(|v| !v.contains(&old)), "{:?}", s.store.keys().collect::<Vec<_>>());
    assert_eq!(s.t.status().counts[1], 30, "counted as dropped");
    s.track("After", "{}");
    s.advance(1000.0);
    assert_eq!(sim::names(&s.deliver_all()), ["After"]);
}

#[test]
fn a_burst_cut_off_by_a_navigation_is_beaconed_or_stored_every_event() {
    let mut a = Sim::new(&open());
    a.beacon_quota = 130_000;
    let pad = "x".repeat(200);
    for i in 0..2000 {
        a.track("E", &format!("{{\"bench_seq\":{i},\"pad\":\"{pad}\"}}"));
    }
    a.input(Input::Leaving);
    let mut got: Vec<i64> = a.posts.iter().flat_map(|p| seqs(&p.events())).collect();
    got.extend(seqs(&a.beaconed_events()));
    let mut b = next_page(&open(), &a, 100.0);
    b.advance(1000.0);
    got.extend(seqs(&b.deliver_all()));
    got.sort_unstable();
    got.dedup();
    assert_eq!(got.len(), 2000, "missing: {:?}", (0..2000).filter(|i| !got.contains(i)).collect::<Vec<i64>>());
}

#[test]
fn a_crash_after_a_burst_loses_nothing_once_the_coalescing_window_passed() {
    let mut a = Sim::new(&open());
    let pad = "x".repeat(200);
    for i in 0..2000 {
        a.track("E", &format!("{{\"bench_seq\":{i},\"pad\":\"{pad}\"}}"));
    }
    a.advance(300.0);
    // The renderer dies: no pagehide, the request in flight never answers.
    let mut b = next_page(&open(), &a, 1000.0);
    b.advance(1000.0);
    let mut got = seqs(&b.deliver_all());
    got.sort_unstable();
    assert_eq!(got, (0..2000).collect::<Vec<i64>>());
}

#[test]
fn bursts_with_slow_answers_deliver_every_event_exactly_once() {
    // A fixed pseudo-random schedule: bursts, time passing, answers arriving
    // late; every answer a 200. Nothing is in doubt, so nothing twice.
    for seed in 1..=6u64 {
        let mut x = seed;
        let mut rnd = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let mut s = Sim::new(&open());
        let pad = "x".repeat(200);
        let mut got = Vec::new();
        let mut n = 0;
        for _ in 0..200 {
            for _ in 0..rnd(60) {
                s.track("E", &format!("{{\"bench_seq\":{n},\"pad\":\"{pad}\"}}"));
                n += 1;
            }
            s.advance(rnd(400) as f64);
            if !s.posts.is_empty() && rnd(3) == 0 {
                got.extend(seqs(&s.answer(200).events()));
            }
        }
        for _ in 0..10_000 {
            got.extend(seqs(&s.deliver_all()));
            if s.t.queue().is_empty() {
                break;
            }
            s.advance(1000.0);
        }
        let mut sorted = got.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), n as usize, "seed {seed}: all arrive");
        assert_eq!(got.len(), n as usize, "seed {seed}: each once");
    }
}

#[test]
fn a_tab_closed_with_its_beacons_refused_leaves_every_event_stored() {
    // 30 events a batch: under the 32 KiB a keepalive request may carry;
    // then the same with batches that grow (`batch.maxRequestBytes`).
    for grow in [false, true] {
        let batch = if grow { r#"{"maxEvents":30,"maxRequestBytes":262144}"# } else { r#"{"maxEvents":30}"# };
        let mut a = Sim::new(&format!(r#"{{"endpoint":"/collect","writeKey":"k","consent":{{"mode":"opt-out"}},"batch":{batch}}}"#));
        for i in 0..5000 {
            a.track("E", &format!("{{\"bench_seq\":{i},\"run\":\"two-tabs-1764601234567-abcdef\"}}"));
        }
        let mut got = Vec::new();
        for _ in 0..3 {
            a.advance(100.0);
            if !a.posts.is_empty() {
                got.extend(seqs(&a.answer(200).events()));
            }
        }
        // Three full batches delivered. A keepalive request in flight goes
        // on without the page; one grown past what keepalive carries is
        // cancelled, so its events must be stored with the rest.
        assert!(!a.posts.is_empty() && a.posts[0].keepalive != grow, "one request in flight, grown: {grow}");
        let in_flight = seqs(&a.posts[0].events());
        a.beacon_quota = 0;
        a.input(Input::Hidden);
        a.input(Input::Leaving);
        if !grow {
            got.extend(in_flight);
        }
        let mut b = next_page(&open(), &a, 100.0);
        b.advance(1000.0);
        got.extend(seqs(&b.deliver_all()));
        got.sort_unstable();
        got.dedup();
        assert_eq!(got.len(), 5000, "grown: {grow}, missing: {:?}", (0..5000).filter(|i| !got.contains(i)).take(5).collect::<Vec<i64>>());
    }
}

/// The `bench_seq` of each event of a request or beacon body.
fn body_seqs(body: &str) -> Vec<i64> {
    seqs(serde_json::from_str::<J>(body).unwrap()["batch"].as_array().unwrap())
}

/// Runs `input` as js/edge/driver.js does in one task (each record carried
/// out as it is read, the beacons after them, what the engine asked for at
/// once given back in a next crossing), stopping after `budget` writes,
/// deletions, requests or beacons, as Firefox stops a closing tab's script
/// mid-task. (Segments handed over, `k`, are always taken: they come first,
/// and the edge only keeps them in memory.) The events that left (beacons,
/// keepalive requests) go to `gone`; whether the task ran to its end.
fn cut_after(s: &mut Sim, input: Input, mut budget: usize, gone: &mut Vec<i64>) -> bool {
    let mut bytes = sim::codec::write("tracker.in", &[(b'n', vec![V::N(s.now)]), sim::record_of(&input)]);
    let mut act = || {
        budget = budget.checked_sub(1)?;
        Some(())
    };
    loop {
        let out = kizuna::engine::edge::run(&mut s.t, &bytes);
        let (mut beacons, mut returned) = (Vec::new(), Vec::new());
        for (kind, f) in sim::codec::read("tracker.out", &out) {
            let id = || f[0].n() as u32;
            if matches!(kind, b'S' | b'D' | b's' | b'd' | b'f' | b'r' | b'P') && act().is_none() {
                return false;
            }
            match kind {
                b'S' => drop(s.store.insert(f[0].s().into(), f[1].s().into())),
                b'D' => drop(s.store.remove(f[0].s())),
                b'k' => drop(s.segments.insert(id(), f[1].s().into())),
                b's' => s.store_segment(id(), f[1].s()),
                b'd' | b'f' => drop(s.segment_keys.remove(&id()).map(|k| s.store.remove(&k))),
                b'r' => returned.push((id(), s.segments.remove(&id()).unwrap_or_default())),
                b'P' if f[1].n() == 1.0 => gone.extend(body_seqs(f[3].s())),
                b'B' => beacons.push(f[1].s().to_string()),
                _ => {}
            }
        }
        for b in &beacons {
            if act().is_none() {
                return false;
            }
            gone.extend(body_seqs(b));
        }
        if beacons.is_empty() && returned.is_empty() {
            return true;
        }
        let mut follow = vec![(b'n', vec![V::N(s.now)])];
        follow.extend(returned.iter().map(|(id, text)| (b's', vec![V::N(f64::from(*id)), V::S(text)])));
        if !beacons.is_empty() {
            follow.push((b'b', vec![V::N(beacons.len() as f64)]));
        }
        bytes = sim::codec::write("tracker.in", &follow);
    }
}

/// The e2e two-tabs case, smaller: a burst of 600 events (a dozen
/// segments), one keepalive request in flight (taken as delivered, as the
/// engine assumes of one as the page goes), `ms` later the tab closes. What
/// left, and the tab.
fn burst_then(ms: f64) -> (Sim, Vec<i64>) {
    let mut a = Sim::new(&open());
    let pad = "x".repeat(500);
    for i in 0..600 {
        a.track("E", &format!("{{\"bench_seq\":{i},\"pad\":\"{pad}\"}}"));
    }
    let mut gone = Vec::new();
    a.advance(ms);
    if a.posts.is_empty() {
        a.advance(1000.0);
    }
    assert!(a.posts[0].keepalive, "one keepalive request in flight");
    gone.extend(a.posts.iter().flat_map(|p| seqs(&p.events())));
    a.beacon_quota = usize::MAX;
    (a, gone)
}

/// What the tab left, taken over by another; every event left or is taken.
fn taken_over(a: &Sim, mut gone: Vec<i64>, what: &str) -> Vec<i64> {
    gone.extend(seqs(&a.beaconed_events()));
    let mut b = next_page(&open(), a, 100.0);
    b.advance(1000.0);
    let adopted = seqs(&b.deliver_all());
    gone.extend(&adopted);
    gone.sort_unstable();
    gone.dedup();
    let missing: Vec<i64> = (0..600).filter(|i| gone.binary_search(i).is_err()).collect();
    assert!(missing.is_empty(), "{what}: {} missing, from {:?}", missing.len(), missing.first());
    adopted
}

#[test]
fn a_closing_tab_stopped_at_any_point_of_pagehide_loses_nothing() {
    // Firefox stops a closing tab's script mid-task. The pagehide task is
    // the last: whatever part of it ran, every event left or is stored.
    for cut in 0.. {
        let (mut a, mut gone) = burst_then(300.0);
        a.input(Input::Hidden);
        let done = cut_after(&mut a, Input::Leaving, cut, &mut gone);
        taken_over(&a, gone, &format!("pagehide stopped after {cut} actions"));
        if done {
            break;
        }
    }
}

#[test]
fn a_closing_tab_stopped_in_its_hidden_task_writes_at_pagehide_what_it_did_not() {
    // Closed 50 ms after a burst, before the coalesced write: the burst's
    // segments are written as the page is hidden, and that task may stop
    // anywhere; pagehide comes after it and writes what it did not.
    for cut in 0.. {
        let (mut a, mut gone) = burst_then(50.0);
        let done = cut_after(&mut a, Input::Hidden, cut, &mut gone);
        a.input(Input::Leaving);
        taken_over(&a, gone, &format!("hidden stopped after {cut} actions"));
        if done {
            break;
        }
    }
}

#[test]
fn a_coalesced_write_stopped_midway_is_completed_as_the_page_goes() {
    // The write a quarter second after a burst (its segments' first) stops
    // midway as the tab closes: hidden and pagehide write what it did not.
    for cut in 0.. {
        let (mut a, mut gone) = burst_then(50.0);
        a.now = a.wake.expect("the coalesced write is due");
        a.wake = None;
        let done = cut_after(&mut a, Input::Timer, cut, &mut gone);
        a.input(Input::Hidden);
        a.input(Input::Leaving);
        taken_over(&a, gone, &format!("the write stopped after {cut} actions"));
        if done {
            break;
        }
    }
}

#[test]
fn what_the_beacons_took_is_not_stored_as_well() {
    // The stored copy keeps the beacons' events until their answer, and
    // loses them with it: taken over later, nothing arrives twice.
    let mut a = Sim::new(&open());
    for i in 0..200 {
        a.track("E", &format!("{{\"bench_seq\":{i}}}"));
    }
    a.advance(300.0);
    let mut got = seqs(&a.answer(200).events());
    a.beacon_quota = usize::MAX;
    a.input(Input::Hidden);
    a.input(Input::Leaving);
    got.extend(a.posts.iter().flat_map(|p| seqs(&p.events())));
    got.extend(seqs(&a.beaconed_events()));
    let mut b = next_page(&open(), &a, 100.0);
    b.advance(1000.0);
    let adopted = seqs(&b.deliver_all());
    assert!(adopted.is_empty(), "{} beaconed events were stored as well", adopted.len());
    got.sort_unstable();
    got.dedup();
    assert_eq!(got, (0..200).collect::<Vec<i64>>());
}

#[test]
fn nothing_is_written_after_pagehide_not_even_for_a_later_hidden() {
    // Chromium fires pagehide, then visibilitychange, when a tab closes;
    // another tab takes the queue over as soon as pagehide is done.
    let mut a = Sim::new(&open());
    for i in 0..500 {
        a.track("E", &format!("{{\"bench_seq\":{i}}}"));
    }
    a.advance(300.0);
    a.beacon_quota = 0;
    a.input(Input::Leaving);
    let after_pagehide = a.store.clone();
    a.input(Input::Hidden);
    a.advance(1000.0);
    if !a.posts.is_empty() {
        a.answer(200);
    }
    assert_eq!(a.store, after_pagehide, "the stored queue is as pagehide left it");
}

#[test]
fn a_queue_handed_over_again_after_its_owner_wrote_it_once_more_adds_only_what_is_new() {
    // A closing tab writes its queue once more as it goes (the beacons it
    // was refused); the tab that took it over is handed it again.
    let mut a = Sim::new(&open());
    a.input(Input::Online(false));
    for i in 0..5 {
        a.track("E", &format!("{{\"bench_seq\":{i}}}"));
    }
    a.advance(300.0);
    let key = front_key(&a);
    let first = a.store[&key].clone();
    for i in 5..8 {
        a.track("E", &format!("{{\"bench_seq\":{i}}}"));
    }
    a.input(Input::Leaving);
    let again = a.store[&key].clone();
    assert_ne!(first, again);
    let mut b = Sim::with_store(&open(), [("kizuna:anonymousId".to_string(), "visitor-b".to_string())].into());
    b.input(Input::Stored(&key, &first));
    b.input(Input::Stored(&key, &again));
    b.advance(1_000.0);
    let got = seqs(&b.deliver_all().into_iter().filter(|e| e["event"] == "E").collect::<Vec<_>>());
    assert_eq!(got, (0..8).collect::<Vec<i64>>(), "every event once");
}
