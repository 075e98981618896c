//! The profile, `kizuna:profile` (JSON: counters, topics, slots,
//! outcomes, items, journeys), read by `Personalizer::start` and written
//! by `Profile::to_json`. Beyond the answers' checks: a profile Kizuna
//! accepts is JSON serde_json reads too, one it refuses is removed (and a
//! new one made), and whatever it read, what it writes reads back.

use kizuna::engine::personalize::profile::{Profile, STORAGE_KEY};

use crate::fuzzing::{report, scale, Rng};
use crate::mutate::{mutate, truncations};
use crate::oracle::{self, parse, Given};
use crate::personalizer::{check_answer, made, profile_ok, start, visit, T0};

/// When the cases' page view happens: three days after the profile's.
const LATER: f64 = T0 + 3.0 * 86_400_000.0;

/// One case: a page starts the personalizer on `text` as the stored
/// profile, and folds `signals` (lines of the tracker's log); its answers
/// are checked, its exposure events go to a tracker. `Err` names the
/// defect.
pub fn run(text: Option<&str>, signals: &[String]) -> Result<(), String> {
    let parsed = text.map(Profile::parse);
    if let (Some(text), Some(Ok(p))) = (text, &parsed) {
        match parse(text) {
            Ok(_) => {}
            Err(e) if e.contains("out of range") => {}
            Err(e) => return Err(format!("accepted what serde_json refuses: {e}")),
        }
        profile_ok(&p.to_json())?;
    }
    let (mut p, first) = start(text, LATER);
    let removed = first.contains(&format!("D{STORAGE_KEY}\u{1e}"));
    if removed != matches!(parsed, Some(Err(_))) {
        return Err(format!("read as {:?}, yet removed: {removed}", parsed.map(|r| r.map(|_| ()))));
    }
    let (mut events, mut stored) = (Vec::new(), None);
    for out in std::iter::once(first).chain(visit(&mut p, LATER, signals)) {
        check_answer(&out, &mut events, &mut stored)?;
    }
    if stored.is_none() {
        return Err("the page's profile was not stored".into());
    }
    let given = Given { inject: events, ..Given::default() };
    oracle::run(&given).map(drop)
}

/// [`run`], a panic or an `Err` reported with `what` and the input.
pub fn check(what: &str, text: &str) {
    match std::panic::catch_unwind(|| run(Some(text), &[])) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("{what}: {e}\ninput: {text:?}"),
        Err(_) => panic!("{what}: the engine panicked\ninput: {text:?}"),
    }
}

/// Whether `a` and `b` hold the same profile, floats to the 6 decimals
/// the stored form keeps.
fn same(a: &Profile, b: &Profile) -> bool {
    let near = |x: f64, y: f64| (x - y).abs() <= 5e-7 * x.abs().max(1.0);
    let topics = a.topics.len() == b.topics.len()
        && a.topics.iter().zip(&b.topics).all(|(x, y)| x.name == y.name && near(x.weight, y.weight) && x.at == y.at);
    let slots = a.slots.len() == b.slots.len()
        && a.slots
            .iter()
            .zip(&b.slots)
            .all(|((s, x), (t, y))| s == t && x.variant == y.variant && x.config == y.config && near(x.propensity, y.propensity));
    topics
        && slots
        && (a.vid.as_str(), a.first_seen, a.last_seen, a.sessions, a.page_views, a.events, a.orders, a.last_order)
            == (b.vid.as_str(), b.first_seen, b.last_seen, b.sessions, b.page_views, b.events, b.orders, b.last_order)
        && near(a.gap_days, b.gap_days)
        && near(a.revenue, b.revenue)
        && (&a.outcomes, &a.items, &a.journeys, a.session_start, a.cart_at, a.cart_session, a.last_report)
            == (&b.outcomes, &b.items, &b.journeys, b.session_start, b.cart_at, b.cart_session, b.last_report)
}

#[test]
fn a_valid_profile_round_trips() {
    let (text, memory) = made(4);
    let read = profile_ok(&text).unwrap();
    assert_eq!(read.to_json(), text, "read and written again, the same text");
    assert!(same(&read, &memory), "what is read is what was in memory:\n{read:?}\n{memory:?}");
    assert!(memory.sessions >= 2 && memory.page_views >= 4 && !memory.topics.is_empty() && !memory.slots.is_empty(), "{memory:?}");
    assert!(!memory.outcomes.is_empty() && !memory.items.is_empty() && !memory.journeys.is_empty(), "{memory:?}");
    check("valid profile", &text);
}

#[test]
fn every_cut_of_a_profile_is_read_totally() {
    let started = std::time::Instant::now();
    let (text, _) = made(3);
    let mut n = 0;
    for (i, cut) in truncations(&text).enumerate() {
        if i % 8 == 0 {
            check("cut profile", cut);
            n += 1;
        }
    }
    report("profile: cuts", n, started);
}

#[test]
fn mutated_profiles_are_read_totally() {
    let started = std::time::Instant::now();
    let (text, _) = made(3);
    let mut r = Rng::new(0x7072_6f66);
    let n = 150 * scale();
    for case in 0..n {
        check(&format!("profile case {case}"), &mutate(&mut r, &text));
    }
    report("profile: mutations", n, started);
}

/// Damage aimed at what the engine computes with: weights that overflow a
/// sum, times past any date, counters at their caps, duplicates, a null
/// variant, negative and fractional counts.
#[test]
fn hand_made_damage_is_read_totally() {
    let (text, _) = made(3);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let edits = [
        ("topics", r#"[["a",1e308,0],["b",1e308,0],["shoes",1.7e308,1795623180000]]"#),
        ("topics", r#"[["a",0,-1e300],["b",0,1e300]]"#),
        ("slots", r#"[["hero","shoes",-1,0],["hero","nope",4294967296,1]]"#),
        ("slots", r#"[["hero",null,2387258174,0]]"#),
        (
            "journeys",
            r#"[["cart",10000000,1e300,10000000,10000000,1e300],["exit",1e9,0,1e9,1e9,0],["back",1e9,0,1e9,1e9,0],["nps",1e9,0,1e9,1e9,0]]"#,
        ),
        ("outcomes", r#"[["hero","shoes",1e300,-5],["hero","shoes",0.5,1]]"#),
        ("items", r#"[["boot",1],["boot",0],["boot",7]]"#),
        ("sessions", "0"),
        ("sessions", "1e300"),
        ("orders", "4294967295"),
        ("revenue", "1.7976931348623157e308"),
        ("gapDays", "1e300"),
        ("firstSeen", "1e300"),
        ("lastSeen", "1e300"),
        ("lastOrder", "1e300"),
        ("cartAt", "1e300"),
        ("sessionStart", "1e300"),
        ("lastReport", "1e300"),
    ];
    for (key, value) in edits {
        let mut v = v.clone();
        v[key] = serde_json::Value::Null;
        let damaged = v.to_string().replace(&format!("\"{key}\":null"), &format!("\"{key}\":{value}"));
        check(&format!("{key} = {value}"), &damaged);
    }
}
