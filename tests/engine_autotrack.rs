//! Autotrack's sequencing in the engine, with a fake clock: page views
//! from URL changes (deduplicated), sessions on every event (inactivity,
//! campaigns, a clock going back), engaged time reported when the page is
//! hidden, forms abandoned when it is left.

mod sim;

use kizuna::engine::io::Input;
use sim::{names, Sim};

fn open() -> String {
    sim::config("{\"mode\":\"opt-out\"}")
}

fn view(s: &mut Sim, fragment: bool) {
    let rec = format!("P{}\u{1f}{}\u{1f}{}", s.page, s.now as u64, if fragment { "#" } else { "" });
    s.record(&rec);
}

fn deliver(s: &mut Sim) -> Vec<serde_json::Value> {
    s.flush();
    s.deliver_all()
}

#[test]
fn page_views_follow_url_changes_once_each() {
    let mut s = Sim::new(&open());
    view(&mut s, false);
    s.advance(2000.0);
    view(&mut s, false);
    s.goto("https://shop.example/p/1", "P1");
    view(&mut s, false);
    s.goto("https://shop.example/p/1#reviews", "P1");
    view(&mut s, true);
    s.advance(2000.0);
    s.goto("https://shop.example/p/2", "P2");
    view(&mut s, false);
    let got = deliver(&mut s);
    let paths: Vec<&str> = got.iter().filter(|e| e["type"] == "page").map(|e| e["properties"]["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["/land", "/p/1", "/p/2"]);
}

#[test]
fn sessions_end_after_inactivity_and_with_a_new_campaign_and_survive_a_clock_going_back() {
    let mut s = Sim::new(&open());
    s.goto("https://shop.example/a", "A");
    s.track("One", "{}");
    s.advance(29.0 * 60_000.0);
    s.track("Two", "{}");
    s.now -= 10.0 * 60_000.0; // the clock goes back ten minutes
    s.track("Three", "{}");
    s.now += 10.0 * 60_000.0;
    s.advance(31.0 * 60_000.0);
    s.track("Four", "{}");
    s.goto("https://shop.example/b?gclid=Spring42", "B");
    s.track("Five", "{}");
    let got = deliver(&mut s);
    let session = |n: &str| got.iter().find(|e| e["event"] == n).unwrap()["context"]["session"].clone();
    assert_eq!(session("One"), session("Two"));
    assert_eq!(session("Two"), session("Three"), "a clock going back keeps the session");
    assert_eq!(session("Four")["index"], 2, "31 minutes idle");
    assert_ne!(session("Four")["id"], session("One")["id"]);
    assert_eq!(session("Five")["index"], 3, "an ad click: a new visit");
    let stored = kizuna::engine::session::Session::read(&s.store["kizuna:session"]).unwrap();
    assert_eq!(stored.index, 3, "stored, so the next page and other tabs continue it");
}

#[test]
fn engaged_time_goes_when_hidden_and_forms_started_are_abandoned_when_left() {
    let mut s = Sim::new(&open());
    view(&mut s, false);
    for _ in 0..4 {
        s.record(&format!("E{}", s.now as u64));
        s.advance(1000.0);
    }
    let form = format!(
        "F{}\u{1f}{}\u{1f}0\u{1f}{{\"formId\":\"f\"}}\u{1f}[[\"email\",\"email\",\"\"],[\"password\",\"pw\",\"\"]]",
        s.page, s.now as u64
    );
    s.record(&form);
    s.record(&format!("D{}\u{1f}60\u{1f}0", s.page));
    s.advance(60_000.0);
    s.beacon_quota = usize::MAX;
    s.input(Input::Leaving);
    let mut got = s.deliver_all();
    got.extend(s.beaconed_events());
    let n = names(&got);
    assert!(n.contains(&"Scroll Depth".to_string()));
    let e = got.iter().find(|e| e["event"] == "Page Engagement").expect("engagement sent");
    assert_eq!(e["properties"]["scrollDepth"], 60);
    let ms = e["properties"]["engagedMs"].as_u64().unwrap();
    assert!((8000..=10_000).contains(&ms), "4 s of input then 5 s: {ms}");
    let f = got.iter().find(|e| e["event"] == "Form Abandoned").expect("abandoned");
    assert_eq!(f["properties"]["fields"], serde_json::json!([{"name": "email", "type": "email"}]));
    assert_eq!(f["properties"]["unnamedFields"], 1);
}

#[test]
fn a_page_back_from_the_back_forward_cache_is_a_view_again() {
    let mut s = Sim::new(&open());
    view(&mut s, false);
    s.advance(60_000.0);
    view(&mut s, false);
    let restored = format!("P{}\u{1f}{}\u{1f}r", s.page, s.now as u64);
    s.record(&restored);
    let views = deliver(&mut s).into_iter().filter(|e| e["type"] == "page").count();
    assert_eq!(views, 2, "the load's view, and the restored page's; the same URL again without a restore is no view");
}

#[test]
fn input_after_the_page_was_left_is_no_views_engaged_time() {
    let mut s = Sim::new(&open());
    view(&mut s, false);
    s.record(&format!("E{}", s.now as u64));
    s.record(&format!("D{}\u{1f}100\u{1f}0", s.page));
    s.advance(3000.0);
    s.beacon_quota = usize::MAX;
    s.input(Input::Leaving);
    // Input, then a second pagehide: nothing more to report.
    s.record(&format!("E{}", s.now as u64));
    s.advance(340.0);
    s.input(Input::Leaving);
    let mut got = s.deliver_all();
    got.extend(s.beaconed_events());
    let engaged: Vec<&serde_json::Value> = got.iter().filter(|e| e["event"] == "Page Engagement").map(|e| &e["properties"]).collect();
    assert_eq!(engaged, [&serde_json::json!({ "engagedMs": 3000, "scrollDepth": 100 })]);
}

#[test]
fn a_page_back_from_the_back_forward_cache_has_engaged_time_again() {
    let mut s = Sim::new(&open());
    view(&mut s, false);
    s.record(&format!("E{}", s.now as u64));
    s.advance(3000.0);
    s.beacon_quota = usize::MAX;
    s.input(Input::Leaving);
    s.advance(60_000.0);
    // Back: the store's front is still this tab's, and autotrack's view.
    s.input(Input::Resumed(true));
    let restored = format!("P{}\u{1f}{}\u{1f}r", s.page, s.now as u64);
    s.record(&restored);
    s.record(&format!("E{}", s.now as u64));
    s.advance(2000.0);
    s.input(Input::Hidden);
    let mut got = s.deliver_all();
    got.extend(s.beaconed_events());
    let ms: Vec<u64> =
        got.iter().filter(|e| e["event"] == "Page Engagement").map(|e| e["properties"]["engagedMs"].as_u64().unwrap()).collect();
    assert_eq!(ms, [3000, 2000], "the view left, then the restored one");
}
