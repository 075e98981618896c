//! Unit tests of the profile: counters, topic decay, bounds, segments and
//! the stored format.

use super::*;

const T0: f64 = 1_795_363_980_000.0;

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn sessions_counters_and_orders() {
    let mut p = Profile::new("v1", T0);
    p.page_view(&[], T0, 14.0);
    p.page_view(&[], T0 + 10.0 * 60_000.0, 14.0);
    assert_eq!((p.sessions, p.page_views), (1, 2));
    p.page_view(&[], T0 + 50.0 * 60_000.0, 14.0);
    assert_eq!(p.sessions, 2, "40 minutes apart: a new session");
    p.event("Order Completed", "", "", "19.9", T0 + 51.0 * 60_000.0, 14.0);
    p.event("Order Completed", "", "", "\"lots\"", T0 + 52.0 * 60_000.0, 14.0);
    assert_eq!((p.orders, p.revenue, p.events), (2, 19.9, 2));
    assert_eq!(p.last_order, T0 + 52.0 * 60_000.0);
}

#[test]
fn affinities_weigh_signals_and_decay() {
    let mut p = Profile::new("v1", T0);
    p.page_view(&names(&["shoes"]), T0, 14.0);
    p.add_topics(&names(&["hats"]), Signal::Click, T0, 14.0);
    p.event("Product Viewed", "\"Shoes\"", r#"["sale"," SALE "]"#, "", T0, 14.0);
    let a = p.affinities(T0, 14.0);
    let total: f64 = a.iter().map(|(_, s)| s).sum();
    assert!((total - 1.0).abs() < 1e-9);
    // shoes: page view 1 + category 1; hats: click 2; sale: two tags 1 + 1.
    for topic in ["shoes", "hats", "sale"] {
        assert!((p.affinity(topic, T0, 14.0) - 2.0 / 6.0).abs() < 1e-9, "{topic}");
    }
    // 14 days later the old weights are halved: a fresh view of hats dominates.
    let later = T0 + 14.0 * DAY_MS;
    assert!((decayed(2.0, T0, later, 14.0) - 1.0).abs() < 1e-9);
    p.page_view(&names(&["hats"]), later, 14.0);
    assert_eq!(p.affinities(later, 14.0)[0].0, "hats");
    assert!((p.affinity("hats", later, 14.0) - 2.0 / 4.0).abs() < 1e-9, "hats 1+1 of shoes 1, sale 1, hats 2");
}

#[test]
fn topics_are_bounded() {
    let mut p = Profile::new("v1", T0);
    for i in 0..50 {
        p.page_view(&[format!("t{i}")], T0 + f64::from(i), 14.0);
    }
    assert_eq!(p.topics.len(), MAX_TOPICS);
    for i in 0..150 {
        p.count("s", &format!("v{i}"), false);
    }
    assert_eq!(p.outcomes.len(), MAX_OUTCOMES);
}

#[test]
fn segments_and_score_follow_the_published_formulas() {
    let mut p = Profile::new("v1", T0);
    p.page_view(&[], T0, 14.0);
    assert_eq!(p.segment(T0), Segment::New);
    // 100 × (0.35 × 0.1 + 0.25 × 0.2 + 0.25 × 1 + 0) = 33.5 → 34
    assert_eq!(p.score(T0), 34);
    p.page_view(&[], T0 + DAY_MS, 14.0);
    assert_eq!(p.sessions, 2);
    // frequency 0.2, depth 2/10, recency 1: 100 × (0.07 + 0.05 + 0.25) = 37
    assert_eq!(p.score(T0 + DAY_MS), 37);
    assert_eq!(p.segment(T0 + DAY_MS), Segment::Returning);
    for d in 2..5 {
        for k in 0..5 {
            p.page_view(&[], T0 + f64::from(d) * DAY_MS + f64::from(k) * 1000.0, 14.0);
        }
    }
    let now = T0 + 4.0 * DAY_MS + 4000.0;
    // 5 sessions, 17 page views: 100 × (0.35 × 0.5 + 0.25 × 17/25 + 0.25 × 1) = 59.5 → 60
    assert_eq!((p.sessions, p.page_views, p.score(now)), (5, 17, 60));
    assert_eq!(p.segment(now), Segment::Engaged);
    // A week of absence halves recency: 100 × (0.175 + 0.17 + 0.125) = 47
    assert_eq!(p.score(now + 7.0 * DAY_MS), 47);
    p.event("Order Completed", "", "", "", now, 14.0);
    p.event("Order Completed", "", "", "", now, 14.0);
    assert_eq!(p.segment(now), Segment::Loyal);
    p.page_view(&[], T0 + 60.0 * DAY_MS, 14.0);
    assert_eq!(p.segment(T0 + 60.0 * DAY_MS), Segment::Dormant);
}

#[test]
fn round_trips_and_discards_what_it_cannot_read() {
    let mut p = Profile::new("v1", T0);
    p.page_view(&names(&["shoes"]), T0, 14.0);
    p.assign("hero", Assignment { variant: Some("sale".into()), config: 42, propensity: 0.25 });
    p.assign("cta", Assignment { variant: None, config: 7, propensity: 1.0 });
    p.count("hero", "sale", true);
    let back = Profile::parse(&p.to_json()).unwrap();
    assert_eq!(back, p);
    // A profile stored before 0.2 (each slot with a fifth, unused flag) reads the same.
    let old = p.to_json().replace("0.25]", "0.25,false]").replace(",1]", ",1,true]");
    assert_ne!(old, p.to_json());
    assert_eq!(Profile::parse(&old).unwrap(), p);
    for bad in [r#"{"v":2}"#, r#"{"v":1,"vid":"x"}"#, r#"[]"#, "{not json"] {
        assert!(Profile::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn stored_counters_are_capped_so_the_engine_can_add_to_them() {
    // Found by tests/fuzz_stored.rs: 9999999999999999 clicks were read
    // as u32::MAX, and the next click overflowed (a panic in a debug
    // build, a wrap to 0 in the wasm); so did sessions, page views and
    // the sum of the journeys' counts.
    let mut p = Profile::new("v1", T0);
    p.count("hero", "a", true);
    let text = p.to_json().replace(r#""a",0,1]"#, r#""a",0,9999999999999999]"#).replace(r#""pageViews":0"#, r#""pageViews":1e300"#);
    let mut back = Profile::parse(&text).unwrap();
    let cap = MAX_COUNT as u32;
    assert_eq!((back.outcome("hero", "a"), back.page_views), ((0, cap), cap));
    back.count("hero", "a", true);
    back.page_view(&[], T0, 14.0);
    assert_eq!((back.outcome("hero", "a"), back.page_views), ((0, cap + 1), cap + 1));
}
