//! Host tests of the consent rules as the engine applies them (README,
//! "Consent", rules 1–8): what is sent, held, purged and stored.

#![cfg(not(target_arch = "wasm32"))]

mod sim;

use std::collections::BTreeMap;

use kizuna::engine::consent::gcm::{GcmCommand, KEYS};
use kizuna::engine::consent::tcf::TcfConsent;
use kizuna::engine::consent::{Category, Choice};
use kizuna::engine::io::Input;
use kizuna::engine::pipeline::call::Call;
use kizuna::engine::pipeline::event::Kind;
use serde_json::{json, Value as J};
use sim::Level;
use sim::{config, names, Sim};

/// A TCData the edge read as GDPR applying, the choice made, these purposes consented.
fn tcf(purposes: &[u32]) -> Input<'static> {
    Input::Tcf(kizuna::engine::consent::tcf::of(true, true, purposes.iter().map(|n| 1 << n).sum()))
}

/// A Consent Mode command the edge read: `update` or a default, these keys granted (true) or denied.
fn gcm(update: bool, keys: &[(&str, bool)]) -> Input<'static> {
    let fields = KEYS.map(|k| keys.iter().find(|(name, _)| *name == k).map(|(_, on)| *on));
    Input::Gcm(GcmCommand { update, fields })
}

fn keys(s: &Sim) -> Vec<&str> {
    s.store.keys().map(String::as_str).collect()
}

/// Everything the engine would send now (a flush, every request answered).
fn drain(s: &mut Sim) -> Vec<J> {
    s.flush();
    s.deliver_all()
}

fn choice(s: &Sim, c: Category) -> Choice {
    s.t.consent().get(c)
}

#[test]
fn rule1_opt_in_without_a_choice_sends_and_stores_nothing_and_buffers_in_memory() {
    let mut s = Sim::new(&config(r#"{"bufferLimit":3}"#));
    for i in 0..5 {
        assert!(s.track_in(&format!("E{i}"), "analytics"), "accepted into the buffer");
    }
    assert!(s.call(Kind::Identify, "\"u1\"", r#"{"plan":"pro"}"#, "!v"));
    s.advance(10_000.0);
    assert!(s.posts.is_empty(), "no request");
    assert!(drain(&mut s).is_empty(), "not even on flush");
    assert!(keys(&s).is_empty(), "no storage write: {:?}", keys(&s));
    assert_eq!(s.cookie, None, "no cookie");
    assert_eq!(s.t.status().held, (3, 3), "oldest dropped and counted");
    assert_eq!(s.lines(Level::Warn).iter().filter(|l| l.contains("buffer is full")).count(), 1);
    assert!(!s.t.identity().anonymous_id.is_empty(), "the anonymous id lives in memory");

    let mut s = Sim::new(&config(r#"{"pending":"drop"}"#));
    assert!(!s.track_in("Dropped", "analytics"));
    assert_eq!(s.t.status().held, (0, 0));
    assert_eq!(s.t.status().accepting, 0b0001, "only necessary is accepted now");
    s.consent(r#"{"analytics":true}"#, "banner");
    assert_eq!(names(&drain(&mut s)), ["Consent Updated"]);
}

#[test]
fn rule2_a_grant_releases_its_buffered_events_with_their_call_time_stamp() {
    let mut s = Sim::new(&config("{}"));
    s.track_in("Before", "analytics");
    s.track_in("Ad Click", "marketing");
    s.track_in("Essential", "necessary");
    assert_eq!(names(&drain(&mut s)), ["Essential"], "necessary is always granted");
    s.consent(r#"{"analytics":true}"#, "banner");
    let sent = drain(&mut s);
    assert_eq!(names(&sent), ["Before", "Consent Updated"]);
    let stamp = &sent[0]["context"]["consent"];
    assert_eq!(stamp["analytics"], "unknown", "stamped as it was when tracked");
    assert_eq!(stamp["necessary"], "granted");
    assert_eq!(sent[1]["context"]["consent"]["analytics"], "granted");
    assert_eq!(
        sent[1]["properties"],
        json!({"analytics": "granted", "personalization": "unknown", "marketing": "unknown", "source": "banner"})
    );
    assert_eq!(s.t.status().held.0, 1, "the marketing event still waits");
    assert!(sent[0]["context"].get("campaign").is_none(), "without marketing, no campaign");
    assert_eq!(sent[0]["context"]["page"]["url"], "https://shop.example/land?utm_source=ads&utm_campaign=fall&x=1");
    assert_eq!(s.store.get("kizuna:anonymousId"), Some(&s.t.identity().anonymous_id));
    let record: J = serde_json::from_str(&s.store["kizuna:consent"]).unwrap();
    assert_eq!(
        (record["v"].clone(), record["source"].clone(), record["categories"]["analytics"].clone()),
        (json!(1), json!("banner"), json!("granted"))
    );
    let cookie = s.cookie.clone().unwrap();
    assert!(cookie.starts_with("%7B%22v%22%3A1"), "{cookie}");

    s.consent(r#"{"marketing":true}"#, "banner");
    let sent = drain(&mut s);
    assert_eq!(names(&sent), ["Ad Click", "Consent Updated"]);
    assert_eq!(sent[0]["context"]["campaign"], json!({"source": "ads", "name": "fall"}), "marketing data once granted");
    assert!(sent[0]["context"]["page"]["url"].as_str().unwrap().contains("gclid=Cj0KCQ"));
}

#[test]
fn rule3_withdrawal_purges_deletes_and_never_sends_again() {
    let mut s = Sim::new(&config("{}"));
    s.consent(r#"{"analytics":true,"marketing":true}"#, "banner");
    drain(&mut s);
    s.call(Kind::Identify, "\"u1\"", r#"{"plan":"pro"}"#, "!v");
    for i in 0..110 {
        s.track(&format!("A{i}"), "{}");
    }
    s.track_in("M", "marketing");
    assert_eq!(s.posts.len(), 1, "100 events: a batch goes");
    let in_flight = s.posts[0].events().len();
    let queue_key = format!("kizuna:q.{}", s.t.status().owner);
    assert_eq!(
        keys(&s),
        ["kizuna:anonymousId", "kizuna:consent", queue_key.as_str(), "kizuna:session", "kizuna:traits", "kizuna:userId"],
        "the queue and the session are stored too"
    );
    let old_id = s.t.identity().anonymous_id.clone();
    s.consent(r#"{"analytics":false}"#, "banner");
    assert_eq!(s.t.queue().len(), in_flight + 1, "only the batch on the wire and the marketing event remain");
    assert_eq!(keys(&s), ["kizuna:consent"], "everything but the record is deleted, the stored queue too");
    assert_ne!(s.t.identity().anonymous_id, old_id, "a new visitor if analytics comes back");
    s.answer(503);
    assert_eq!(s.t.queue().len(), 1, "the failed batch's analytics events are not retried");
    assert!(!s.track_in("After", "analytics"), "denied: dropped");
    assert_eq!(names(&drain(&mut s)), ["M"], "no Consent Updated either: analytics is denied");
    s.advance(120_000.0);
    assert!(s.posts.is_empty());
    let record: J = serde_json::from_str(&s.store["kizuna:consent"]).unwrap();
    assert_eq!(record["categories"]["analytics"], "denied");
}

#[test]
fn rule3_withdrawing_marketing_strips_its_data_from_queued_events() {
    let mut s = Sim::new(&config("{}"));
    s.consent(r#"{"analytics":true,"marketing":true}"#, "banner");
    drain(&mut s);
    // Until a batch is full (by count or by bytes) and goes.
    let mut i = 0;
    while s.posts.is_empty() {
        s.track(&format!("A{i}"), "{}");
        i += 1;
    }
    let on_wire = s.posts[0].clone();
    s.track("Queued", "{}");
    s.call(Kind::Page, "!v", "!v", "!v");
    // A call replayed from the snippet, made on another page with its own ad click id.
    s.input(Input::Page {
        id: 7,
        url: "https://shop.example/p?fbclid=IwAR&utm_medium=cpc",
        referrer: "https://t.co/?gclid=z",
        title: "\"P\"",
        utm: r#"{"utm_medium":"cpc"}"#,
        topics: "\"\"",
        current: false,
    });
    s.input(Input::Call { call: Call::plain(Kind::Track, "\"Replayed\"", "{}"), time: s.now, page: 7, sync: false });
    s.consent(r#"{"marketing":false}"#, "banner");
    assert_eq!(on_wire.events()[0]["context"]["campaign"]["source"], "ads", "the batch on the wire went as it was");
    s.answer(200);
    let sent = drain(&mut s);
    let mut expected: Vec<String> = (on_wire.events().len()..i).map(|k| format!("A{k}")).collect();
    expected.extend(["Queued", "page", "Replayed", "Consent Updated"].map(String::from));
    assert_eq!(names(&sent), expected, "what was not on the wire yet");
    for e in &sent {
        let text = e.to_string();
        assert!(e["context"].get("campaign").is_none(), "no campaign: {text}");
        for id in ["gclid", "fbclid"] {
            assert!(!text.contains(id), "no {id}: {text}");
        }
        assert_eq!(e["context"]["consent"]["analytics"], "granted");
    }
    let sent = &sent[sent.len() - 4..]; // "Queued" and after
    assert_eq!(
        sent[0]["context"]["page"]["url"], "https://shop.example/land?utm_source=ads&utm_campaign=fall&x=1",
        "the rest of the URL is kept"
    );
    assert_eq!(sent[0]["context"]["consent"]["marketing"], "granted", "the stamp still says what was granted when it was tracked");
    assert_eq!(sent[1]["properties"]["search"], "?utm_source=ads&utm_campaign=fall&x=1", "a page event's own URL fields too");
    assert_eq!(sent[2]["context"]["page"]["url"], "https://shop.example/p?utm_medium=cpc");
    assert_eq!(sent[2]["context"]["page"]["referrer"], "https://t.co/");
}

#[test]
fn rule4_opt_out_sends_until_denied() {
    let mut s = Sim::new(&config(r#"{"mode":"opt-out"}"#));
    s.track("Free", "{}");
    assert_eq!(names(&drain(&mut s)), ["Free"]);
    assert_eq!(
        keys(&s),
        ["kizuna:anonymousId", "kizuna:session", "kizuna:signals"],
        "ids, the session and what the profile learns, no record without a choice"
    );
    s.consent(r#"{"analytics":false}"#, "banner");
    assert!(!s.track_in("Blocked", "analytics"));
    assert!(drain(&mut s).is_empty());
    assert_eq!(keys(&s), ["kizuna:consent", "kizuna:signals"], "personalization is still granted");
    s.consent(r#"{"personalization":false}"#, "banner");
    assert_eq!(keys(&s), ["kizuna:consent"], "denying personalization deletes the profile");
}

#[test]
fn rule5_gpc_denies_marketing_until_an_explicit_grant() {
    let mut s = Sim::new(&config(r#"{"mode":"opt-out"}"#));
    s.input(Input::Gpc);
    assert_eq!(choice(&s, Category::Marketing), Choice::Denied);
    assert!(!s.track_in("Ad", "marketing"));
    s.track("Plain", "{}");
    let sent = drain(&mut s);
    assert_eq!(names(&sent), ["Consent Updated", "Plain"], "GPC changed marketing: audited");
    assert_eq!(sent[0]["properties"]["source"], "gpc");
    assert!(sent[1]["context"].get("campaign").is_none());
    let record: J = serde_json::from_str(&s.store["kizuna:consent"]).unwrap();
    assert_eq!(record["source"], "gpc");
    s.consent(r#"{"marketing":true}"#, "banner");
    assert_eq!(choice(&s, Category::Marketing), Choice::Granted, "the visitor's explicit grant wins");

    let mut s = Sim::new(&config(r#"{"mode":"opt-out","gpc":false}"#));
    s.input(Input::Gpc);
    assert_eq!(choice(&s, Category::Marketing), Choice::Granted, "gpc: false ignores the signal");
}

#[test]
fn rule6_tcf_maps_purposes_and_purpose_one_rules_storage() {
    let mut s = Sim::new(&config("{}"));
    s.track_in("Waiting", "analytics");
    s.input(tcf(&[7, 8, 9, 10]));
    assert_eq!(choice(&s, Category::Analytics), Choice::Granted);
    assert_eq!(names(&drain(&mut s)), ["Waiting", "Consent Updated"], "sent: analytics is granted");
    assert!(keys(&s).is_empty(), "without purpose 1 nothing is written, not even the record");
    assert_eq!(s.cookie, None);
    s.input(tcf(&[1, 7, 8, 9, 10]));
    assert!(s.store.contains_key("kizuna:anonymousId"), "purpose 1 given: ids stored");
    assert!(s.store["kizuna:consent"].contains("\"source\":\"tcf\""));
    s.input(Input::Tcf(TcfConsent::Pending));
    assert_eq!(choice(&s, Category::Analytics), Choice::Granted, "a CMP showing its UI again changes nothing");
}

#[test]
fn rule7_consent_mode_defaults_fill_in_and_updates_choose() {
    let mut s = Sim::new(&config("{}"));
    s.input(gcm(false, &[("analytics_storage", false), ("ad_storage", false)]));
    assert_eq!(choice(&s, Category::Analytics), Choice::Denied);
    assert!(keys(&s).is_empty(), "a default is not a choice: nothing stored");
    s.input(gcm(true, &[("analytics_storage", true)]));
    assert_eq!(choice(&s, Category::Analytics), Choice::Granted);
    assert_eq!(choice(&s, Category::Marketing), Choice::Denied);
    s.input(gcm(true, &[("ad_storage", true), ("ad_user_data", true), ("ad_personalization", true)]));
    assert_eq!(choice(&s, Category::Marketing), Choice::Granted, "marketing needs all three ad keys");
    assert!(s.store["kizuna:consent"].contains("\"source\":\"gcm\""));
}

#[test]
fn rule8_every_change_is_audited_while_analytics_is_granted() {
    let mut s = Sim::new(&config("{}"));
    s.consent(r#"{"analytics":true}"#, "banner");
    s.consent(r#"{"personalization":true}"#, "banner");
    s.consent(r#"{"personalization":true}"#, "banner");
    let sent = drain(&mut s);
    assert_eq!(names(&sent), ["Consent Updated", "Consent Updated"], "a choice that changes nothing is not a change");
    assert_eq!(sent[1]["properties"]["personalization"], "granted");
    assert_eq!(s.changes.len(), 2, "onChange heard each change once");
    assert_eq!(s.changes[1]["personalization"], "granted");
}

#[test]
fn a_stored_record_is_the_choice_and_a_broken_one_counts_as_none() {
    let mut s = Sim::new(&config("{}"));
    s.consent(r#"{"analytics":true}"#, "banner");
    let mut next = Sim::with_store(&config("{}"), s.store.clone());
    assert_eq!(choice(&next, Category::Analytics), Choice::Granted, "the next page reads the record");
    next.track("Second Page", "{}");
    assert_eq!(names(&drain(&mut next)), ["Second Page"]);
    for broken in ["{not json", r#"{"v":9,"categories":{"analytics":"granted"},"updatedAt":1}"#] {
        let store = BTreeMap::from([("kizuna:consent".to_string(), broken.to_string())]);
        let s = Sim::with_store(&config("{}"), store);
        assert_eq!(choice(&s, Category::Analytics), Choice::Unknown, "{broken}");
        assert!(s.lines(Level::Warn)[0].starts_with("the stored consent record was ignored because"), "{:?}", s.logs);
    }
}

#[test]
fn the_consent_api_takes_what_the_edge_checked() {
    // The checks of consent.set()'s arguments are the edge's (tests/consent-input.test.mjs).
    let mut s = Sim::new(&config("{}"));
    s.input(Input::Consent([0, 0, 2], ""));
    assert_eq!(choice(&s, Category::Marketing), Choice::Denied);
    assert_eq!(choice(&s, Category::Analytics), Choice::Unknown, "left as it is");
    assert_eq!(choice(&s, Category::Necessary), Choice::Granted);
    assert!(s.store.is_empty() || !s.store.contains_key("kizuna:anonymousId"));
    s.input(Input::Consent([0, 0, 0], "banner"));
    assert_eq!(choice(&s, Category::Marketing), Choice::Denied, "nothing to set changes nothing");
    s.input(Input::Consent([1, 0, 0], &"b".repeat(100)));
    assert!(s.store["kizuna:consent"].contains(&format!("\"source\":\"{}\"", "b".repeat(64))), "the source cut to 64 characters");
}

#[test]
fn withdrawing_analytics_forgets_the_user_too() {
    let mut s = Sim::new(&config("{}"));
    s.consent(r#"{"analytics":true}"#, "banner");
    s.call(Kind::Identify, "\"user-11\"", r#"{"plan":"pro"}"#, "!v");
    s.consent(r#"{"analytics":false}"#, "banner");
    assert_eq!(s.t.identity().user_id, None);
    s.consent(r#"{"analytics":true}"#, "banner");
    assert_eq!(s.store.get("kizuna:userId"), None, "the old user is not written back");
    drain(&mut s);
    s.track("Back Again", "{}");
    assert!(drain(&mut s)[0].get("userId").is_none());
}

#[test]
fn only_choices_are_stored_timestamped_and_audited() {
    let mut s = Sim::new(&config("{}"));
    s.input(Input::Tcf(TcfConsent::NotApplicable));
    assert_eq!(choice(&s, Category::Analytics), Choice::Granted);
    assert!(drain(&mut s).is_empty(), "gdprApplies: false is not a choice: no Consent Updated");
    assert_eq!(s.store.get("kizuna:consent"), None);

    let mut s = Sim::new(&config("{}"));
    s.consent(r#"{"analytics":true}"#, "banner");
    let before = s.store["kizuna:consent"].clone();
    let mut next = Sim::with_store(&config("{}"), s.store.clone());
    next.advance(60_000.0);
    next.input(gcm(false, &[("analytics_storage", false)]));
    assert_eq!(next.store["kizuna:consent"], before, "a default does not rewrite a stored choice, byte for byte");
}

#[test]
fn with_everything_denied_and_nothing_queued_the_unload_listeners_go() {
    let mut s = Sim::new(&config("{}"));
    assert!(s.listening);
    s.consent(r#"{"analytics":false,"personalization":false,"marketing":false}"#, "banner");
    assert!(!s.listening, "nothing can be sent");
    assert!(s.track_in("Essential", "necessary"));
    assert!(s.listening, "a necessary event came: back");
    drain(&mut s);
    s.consent(r#"{"marketing":false}"#, "banner");
    assert!(!s.listening);
}

#[test]
fn events_waiting_for_a_choice_are_said_once_and_counted_by_flush_and_stats() {
    let mut s = Sim::new(&config("{}"));
    for i in 0..3 {
        s.track(&format!("E{i}"), "{}");
    }
    let info = s.lines(Level::Info);
    assert_eq!(info.len(), 1, "one hint, not one a call: {info:?}");
    assert!(info[0].contains("kz.consent.set({ analytics: true })") && info[0].contains("waitingForConsent"), "{}", info[0]);
    let token = s.flush();
    let summary = s.flushed[&token];
    assert_eq!((summary.sent, summary.pending, summary.held), (0, 0, 3), "flush() says what waits for the choice");
    assert_eq!(s.t.status().held.0, 3);
    s.consent(r#"{"analytics":true}"#, "banner");
    assert_eq!(names(&drain(&mut s)), ["E0", "E1", "E2", "Consent Updated"].map(String::from));
    assert_eq!(s.lines(Level::Info).len(), 1, "nothing more to say");
}
