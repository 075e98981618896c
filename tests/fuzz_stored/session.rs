//! The session, `kizuna:session`: `id US index US last-activity US
//! campaign`, written as events are tracked and read by the next page (or
//! another tab) through `Input::Stored`, which continues it or counts on.

use kizuna::engine::session::{Session, KEY};
use serde_json::Value as J;

use crate::fuzzing::{report, scale, Rng};
use crate::mutate::{mutate, truncations};
use crate::oracle::{self, Given, OWN};
use crate::sim::{open, Sim};

/// What a page left: the stored session and the id its events carried.
fn left_behind() -> (String, String) {
    let mut a = Sim::new(&open());
    a.track("First", "{}");
    a.advance(1_000.0);
    let sent = a.deliver_all();
    let id = sent[0]["context"]["session"]["id"].as_str().unwrap().to_string();
    (a.store[KEY].clone(), id)
}

/// The page's own events' sessions: each `{id, index}`, an id Kizuna
/// could have made and an index from 1.
fn own_sessions(events: &[J]) -> Result<Vec<(String, u64)>, String> {
    events
        .iter()
        .filter(|e| e["event"] == OWN)
        .map(|e| {
            let s = &e["context"]["session"];
            let (id, index) = (s["id"].as_str().unwrap_or(""), s["index"].as_u64().unwrap_or(0));
            let plausible = !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| (0x21..0x7f).contains(&b));
            if plausible && index >= 1 && s.as_object().is_some_and(|o| o.len() == 2) {
                Ok((id.to_string(), index))
            } else {
                Err(format!("an own event's session {s}"))
            }
        })
        .collect()
}

/// One case: the next page is handed `text` as the stored session.
pub fn check(what: &str, text: &str) -> oracle::Ran {
    let given = Given { stored: vec![(KEY.to_string(), text.to_string())], ..Given::default() };
    let ran = oracle::check(what, text, &given);
    if let Err(e) = own_sessions(&ran.events) {
        panic!("{what}: {e}\ninput: {text:?}");
    }
    ran
}

#[test]
fn a_valid_session_round_trips_and_the_next_page_continues_it() {
    let (text, id) = left_behind();
    let s = Session::read(&text).expect("readable");
    assert_eq!((s.id.as_str(), s.index), (id.as_str(), 1));
    assert_eq!(s.write(), text, "read and written back, the same text");
    let ran = check("valid session", &text);
    let sessions = own_sessions(&ran.events).unwrap();
    assert_eq!(sessions, vec![(id, 1); 3], "the same session, not a second one");
}

#[test]
fn every_cut_of_a_stored_session_is_read_totally() {
    let started = std::time::Instant::now();
    let (text, _) = left_behind();
    let mut n = 0;
    for cut in truncations(&text) {
        check("cut session", cut);
        n += 1;
    }
    report("session: cuts", n, started);
}

#[test]
fn mutated_sessions_are_read_totally() {
    let started = std::time::Instant::now();
    let (text, _) = left_behind();
    let mut r = Rng::new(0x7365_7373);
    let n = 400 * scale();
    for case in 0..n {
        check(&format!("session case {case}"), &mutate(&mut r, &text));
    }
    report("session: mutations", n, started);
}
