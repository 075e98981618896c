//! The identity: `kizuna:anonymousId`, `kizuna:userId` (as given, not a
//! JSON literal), `kizuna:traits` (a JSON object), `kizuna:groupId` (as
//! given) and `kizuna:groupTraits` (a JSON object), read at start. Beyond
//! the page's oracles: every event carries the ids the engine holds, the
//! identify and group events' traits are the stored ones merged, and a
//! damaged anonymous id is replaced, not sent.

use std::collections::BTreeMap;

use kizuna::engine::identity::{ANONYMOUS_ID_KEY, GROUP_ID_KEY, KEYS, TRAITS_KEY, USER_ID_KEY};
use kizuna::engine::pipeline::event::Kind;
use serde_json::Value as J;

use crate::fuzzing::{report, scale, Rng};
use crate::mutate::{mutate, truncations};
use crate::oracle::{self, Given};
use crate::sim::{open, Sim};

/// What a page that identified its visitor and their group left: the
/// five keys.
fn left_behind() -> BTreeMap<String, String> {
    let mut a = Sim::new(&open());
    assert!(a.call(Kind::Identify, "\"user \\\"é\\\" \\u001f 7\"", r#"{"plan":"pro","n":[1,2.5e-3],"o":{"é":"\u001e\"\\"}}"#, "!v"));
    assert!(a.call(Kind::Identify, r#"{"seats":3}"#, "!v", "!v"));
    assert!(a.call(Kind::Group, "\"acme \\\"é\\\" \\u001f\"", r#"{"plan":"team","n":[1e-3],"o":{"é":"\u001e"}}"#, "!v"));
    KEYS.iter().map(|k| (k.to_string(), a.store[*k].clone())).collect()
}

/// One case: a page starts on `store` as its stored identity.
pub fn check(what: &str, store: &BTreeMap<String, String>) -> oracle::Ran {
    let input = format!("{store:?}");
    let given = Given { store: store.clone(), identify: true, ..Given::default() };
    let ran = oracle::check(what, &input, &given);
    let status = ran.sim.t.status();
    let plausible = |s: &str| !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| (0x21..0x7f).contains(&b));
    assert!(plausible(&status.anonymous_id), "{what}: anonymous id {:?}\ninput: {input}", status.anonymous_id);
    for e in &ran.events {
        assert_eq!(e["anonymousId"].as_str(), Some(status.anonymous_id.as_str()), "{what}: {e}\ninput: {input}");
        assert_eq!(e["userId"].as_str(), status.user_id.as_deref(), "{what}: {e}\ninput: {input}");
    }
    ran
}

/// A corpus entry: the values, one a line in the order of `KEYS` (`-` for
/// none; the group keys may be left out).
pub fn check_kept(value: &str) {
    let store = KEYS.iter().zip(value.split('\n')).filter(|(_, v)| *v != "-").map(|(k, v)| (k.to_string(), v.to_string())).collect();
    check("kept identity", &store);
}

#[test]
fn a_valid_identity_round_trips() {
    let stored = left_behind();
    let ran = check("valid identity", &stored);
    let status = ran.sim.t.status();
    assert_eq!(status.anonymous_id, stored[ANONYMOUS_ID_KEY]);
    assert_eq!(status.user_id.as_deref(), Some(stored[USER_ID_KEY].as_str()));
    let traits: J = serde_json::from_str(&stored[TRAITS_KEY]).unwrap();
    assert_eq!(traits, serde_json::json!({"plan": "pro", "n": [1, 2.5e-3], "o": {"é": "\u{1e}\"\\"}, "seats": 3}));
    let identify = ran.events.iter().find(|e| e["type"] == "identify").expect("the identify event");
    let mut want = traits.as_object().unwrap().clone();
    want.insert("fuzz".into(), 1.into());
    assert_eq!(identify["traits"], J::Object(want), "the stored traits, merged");
    assert_eq!(ran.sim.t.identity().group_id.as_deref(), Some(stored[GROUP_ID_KEY].as_str()));
    let group = ran.events.iter().find(|e| e["type"] == "group").expect("the group event");
    assert_eq!(group["groupId"], "acme \"é\" \u{1f}");
    assert_eq!(
        group["traits"],
        serde_json::json!({"plan": "team", "n": [1e-3], "o": {"é": "\u{1e}"}, "fuzz": 1}),
        "the stored group traits, merged"
    );
}

#[test]
fn every_cut_of_each_identity_key_is_read_totally() {
    let started = std::time::Instant::now();
    let stored = left_behind();
    let mut n = 0;
    for key in KEYS {
        for cut in truncations(&stored[key]) {
            let mut s = stored.clone();
            s.insert(key.to_string(), cut.to_string());
            check(&format!("cut {key}"), &s);
            n += 1;
        }
    }
    report("identity: cuts", n, started);
}

#[test]
fn mutated_identities_are_read_totally() {
    let started = std::time::Instant::now();
    let stored = left_behind();
    let mut r = Rng::new(0x6964_656e);
    let n = 250 * scale();
    for case in 0..n {
        let mut s = stored.clone();
        for key in KEYS {
            match r.below(4) {
                0 => drop(s.remove(key)),
                1 | 2 => {
                    let v = mutate(&mut r, &s[key]);
                    s.insert(key.to_string(), v);
                }
                _ => {}
            }
        }
        check(&format!("identity case {case}"), &s);
    }
    report("identity: mutations", n, started);
}
