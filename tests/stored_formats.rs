//! The golden stored values (`tests/fixtures/stored-formats.json`): one
//! known-good value of every format Kizuna keeps in storage or the consent
//! cookie, as earlier pages wrote it. The current code must read each as
//! the fixture says, and where it writes the format it must write the same
//! text again, so a change of format cannot slip through unnoticed. The
//! fixture is read with serde_json, not with Kizuna's own reader.

#![cfg(not(target_arch = "wasm32"))]

mod sim;
use sim::codec;
use sim::codec::Text;

use std::collections::BTreeMap;

use kizuna::engine::consent::record::Record;
use kizuna::engine::consent::{Category, Choice};
use kizuna::engine::io::Input;
const RS: char = '\u{1e}';
use kizuna::engine::personalize::profile::Profile;
use kizuna::engine::session::{Session, KEY as SESSION_KEY};
use serde_json::Value as J;
use sim::{open, Sim, T0};

fn fixture() -> J {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/stored-formats.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `v` with every number as a double: `1` and `1.0` compare equal.
fn num(v: J) -> J {
    match v {
        J::Number(n) => serde_json::json!(n.as_f64().unwrap()),
        J::Array(a) => J::Array(a.into_iter().map(num).collect()),
        J::Object(o) => J::Object(o.into_iter().map(|(k, v)| (k, num(v))).collect()),
        other => other,
    }
}

fn s(v: &J) -> &str {
    v.as_str().unwrap_or_else(|| panic!("a string in the fixture, not {v}"))
}

/// A page of the site with `store` as localStorage (its own anonymous id
/// unless the store has one: another owner than the queue's).
fn page(mut store: BTreeMap<String, String>) -> Sim {
    store.entry("kizuna:anonymousId".into()).or_insert_with(|| "visitor-b".into());
    let mut p = Sim::with_store(&open(), store);
    p.now += 5_000.0;
    p
}

#[test]
fn a_stored_queue_front_and_segment_are_taken_over_as_they_were_tracked() {
    let f = &fixture()["queue"];
    let mut b = page(BTreeMap::new());
    for part in ["front", "segment"] {
        b.input(Input::Stored(s(&f[part]["key"]), s(&f[part]["value"])));
    }
    assert_eq!(b.t.status().counts[4], 0, "nothing damaged: {:?}", b.logs);
    b.advance(1_000.0);
    let got = b.deliver_all();
    let want = f["events"].as_array().unwrap();
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for (e, w) in got.iter().zip(want) {
        for (k, v) in w.as_object().unwrap() {
            let have = if k == "page" { &e["context"]["page"] } else { &e[k] };
            match v {
                J::Object(o) if k == "page" => o.iter().for_each(|(pk, pv)| assert_eq!(&have[pk], pv, "{k}.{pk} of {e}")),
                _ => assert_eq!(have, v, "{k} of {e}"),
            }
        }
        assert_eq!(e["anonymousId"], f["anonymousId"]);
        assert_eq!(e["context"]["session"], f["session"]);
    }
    assert!(!b.store.contains_key(s(&f["front"]["key"])) && !b.store.contains_key(s(&f["segment"]["key"])), "taken over: the keys go");
}

#[test]
fn the_consent_record_and_its_cookie_read_as_the_choice_and_write_the_same() {
    let f = &fixture()["consent"];
    let text = s(&f["value"]);
    let r = Record::parse(text).expect("the record reads");
    for c in Category::CHOOSABLE {
        assert_eq!(Some(r.categories.get(c)), Choice::parse(s(&f["categories"][c.name()])), "{}", c.name());
    }
    assert_eq!((r.updated_at, r.source.as_str()), (f["updatedAt"].as_f64().unwrap(), s(&f["source"])));
    assert_eq!(r.to_json(), text, "written as it was");
    assert_eq!(kizuna::engine::consent::record::cookie_encode(text), s(&f["cookie"]), "the cookie holds the same record");
    let p = page(BTreeMap::from([("kizuna:consent".to_string(), text.to_string())]));
    assert_eq!(p.t.consent().get(Category::Personalization), Choice::Denied, "the stored denial holds");
}

#[test]
fn the_session_reads_writes_the_same_and_continues_on_the_next_page() {
    let f = &fixture()["session"];
    let text = s(&f["value"]);
    let r = Session::read(text).expect("the session reads");
    assert_eq!(
        (r.id.as_str(), u64::from(r.index), r.last, r.campaign.as_str()),
        (s(&f["id"]), f["index"].as_u64().unwrap(), f["last"].as_f64().unwrap(), s(&f["campaign"]))
    );
    assert_eq!(r.write(), text, "written as it was");
    let mut b = page(BTreeMap::new());
    b.input(Input::Stored(SESSION_KEY, text));
    b.track("Next", "{}");
    b.advance(1_000.0);
    let got = b.deliver_all();
    assert_eq!(got[0]["context"]["session"], serde_json::json!({"id": f["id"], "index": f["index"]}), "the same visit");
}

#[test]
fn the_identity_is_read_and_carried() {
    let f = &fixture()["identity"];
    let store: BTreeMap<String, String> = [("kizuna:anonymousId", "anonymousId"), ("kizuna:userId", "userId"), ("kizuna:traits", "traits")]
        .iter()
        .map(|(k, n)| (k.to_string(), s(&f[*n]).to_string()))
        .collect();
    let mut p = page(store.clone());
    assert_eq!(p.t.status().anonymous_id, s(&f["anonymousId"]));
    assert_eq!(p.t.status().user_id.as_deref(), Some(s(&f["userId"])));
    assert_eq!(p.t.identity().traits, s(&f["traits"]));
    for (k, v) in &store {
        assert_eq!(p.store.get(k), Some(v), "{k} written as it was");
    }
    assert!(p.call(kizuna::engine::pipeline::event::Kind::Identify, "{\"plan\":\"team\"}", "!v", "!v"));
    p.advance(1_000.0);
    let got = p.deliver_all();
    assert_eq!(got[0]["userId"], f["userId"]);
    assert_eq!(got[0]["traits"], serde_json::json!({"plan": "team", "seats": 3, "o": {"é": "\u{1f}"}}), "the stored traits, merged");
}

#[test]
fn the_kept_group_is_read_and_carried_and_queued_group_and_alias_records_are_sent_as_they_were() {
    use kizuna::engine::pipeline::event::Kind;
    let f = &fixture()["group"];
    let store: BTreeMap<String, String> = [("kizuna:groupId", "groupId"), ("kizuna:groupTraits", "groupTraits")]
        .iter()
        .map(|(k, n)| (k.to_string(), s(&f[*n]).to_string()))
        .collect();
    let mut p = page(store.clone());
    assert_eq!(p.t.identity().group_id.as_deref(), Some(s(&f["groupId"])));
    assert_eq!(p.t.identity().group_traits, s(&f["groupTraits"]));
    for (k, v) in &store {
        assert_eq!(p.store.get(k), Some(v), "{k} written as it was");
    }
    assert!(p.call(Kind::Group, "{\"plan\":\"pro\"}", "!v", "!v"));
    p.advance(1_000.0);
    let got = p.deliver_all();
    assert_eq!(got[0]["groupId"], f["groupId"], "the kept group");
    assert_eq!(got[0]["traits"], serde_json::json!({"plan": "pro", "seats": 12, "o": {"é": "\u{1f}"}}), "the stored traits, merged");

    // A queue another page left with a group and an alias in it.
    let mut b = page(BTreeMap::new());
    b.input(Input::Stored(s(&f["queue"]["key"]), s(&f["queue"]["value"])));
    assert_eq!(b.t.status().counts[4], 0, "nothing damaged: {:?}", b.logs);
    b.advance(1_000.0);
    let got = b.deliver_all();
    let want = f["events"].as_array().unwrap();
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for (e, w) in got.iter().zip(want) {
        for (k, v) in w.as_object().unwrap() {
            assert_eq!(&e[k], v, "{k} of {e}");
        }
        assert_eq!(e["anonymousId"], f["anonymousId"]);
        assert_eq!(e["context"]["page"]["url"], "https://app.example/settings");
    }
    assert!(got[1].get("properties").is_none() && got[1].get("traits").is_none(), "an alias has neither");
}

#[test]
fn the_signal_log_is_read_line_by_line_and_folds_into_the_profile() {
    let f = &fixture()["signals"];
    let text = s(&f["value"]);
    let p = page(BTreeMap::from([("kizuna:signals".to_string(), text.to_string())]));
    let lines: Vec<&str> = text.split('\n').skip(1).collect();
    assert_eq!(p.t.signal_log(), lines);
    let init = [format!("n{T0}"), codec::pz_init("{}", &["", "vid-1", "0011", "1", "1", "1280"])].join(&RS.to_string());
    let mut z = codec::pz_start(&init);
    z.run_text(&lines.iter().map(|l| format!("g{l}")).collect::<Vec<_>>().join(&RS.to_string()));
    let got = z.profile().expect("a profile");
    let w = &f["profile"];
    assert_eq!(
        (u64::from(got.page_views), u64::from(got.events), u64::from(got.orders), got.revenue),
        (w["pageViews"].as_u64().unwrap(), w["events"].as_u64().unwrap(), w["orders"].as_u64().unwrap(), w["revenue"].as_f64().unwrap())
    );
    let mut topics: Vec<&str> = got.topics.iter().map(|t| t.name.as_str()).collect();
    topics.sort();
    assert_eq!(serde_json::json!(topics), w["topics"]);
    assert_eq!(serde_json::json!(got.items), w["items"]);
}

#[test]
fn the_profile_reads_as_stored_and_writes_the_same() {
    let f = &fixture()["profile"];
    let text = s(&f["value"]);
    let p = Profile::parse(text).expect("the profile reads");
    assert_eq!(p.to_json(), text, "written as it was");
    assert_eq!(
        (u64::from(p.sessions), u64::from(p.page_views), u64::from(p.orders), p.revenue),
        (f["sessions"].as_u64().unwrap(), f["pageViews"].as_u64().unwrap(), f["orders"].as_u64().unwrap(), f["revenue"].as_f64().unwrap())
    );
    let same = |got: J, want: &J| assert_eq!(num(got), num(want.clone()));
    same(serde_json::json!(p.topics.iter().map(|t| (t.name.as_str(), t.weight)).collect::<Vec<_>>()), &f["topics"]);
    same(J::Array(p.slots.iter().map(|(s, a)| serde_json::json!([s, a.variant, a.config, a.propensity])).collect()), &f["slots"]);
    same(serde_json::json!(p.outcomes), &f["outcomes"]);
    same(serde_json::json!(p.items), &f["items"]);
    same(
        J::Array(p.journeys.iter().map(|j| serde_json::json!([j.name, j.count, j.last, j.session, j.in_session, j.dismissed])).collect()),
        &f["journeys"],
    );
}
