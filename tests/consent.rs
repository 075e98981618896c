//! Host tests of the consent rules as the tracker applies them: what is
//! sent, buffered, purged and stored (issue #3, rules 1–8).

#![cfg(not(target_arch = "wasm32"))]

mod support;

use kizuna::core::config::{parse_config, Config};
use kizuna::core::consent::state::Signal;
use kizuna::core::consent::{tcf, Category, Choice};
use kizuna::core::context::{EnvContext, PageContext};
use kizuna::core::input::Input;
use kizuna::core::json::parse;
use kizuna::core::platform::Level;
use kizuna::core::tracker::Tracker;
use serde_json::Value as J;
use support::fakes::World;

fn s(v: &str) -> Input {
    Input::String(v.to_string())
}

fn obj(fields: Vec<(&str, Input)>) -> Input {
    Input::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn config(consent: Vec<(&str, Input)>) -> Config {
    parse_config(&obj(vec![("endpoint", s("/collect")), ("consent", obj(consent))])).unwrap().0
}

fn page() -> PageContext {
    PageContext::new("https://shop.example/land?utm_source=ads&utm_campaign=fall&gclid=Cj0KCQ&x=1", "Land", "https://www.google.com/")
}

fn tracker(w: &World, cfg: Config) -> Tracker {
    Tracker::new(cfg, w.platform(11), EnvContext::default(), page())
}

fn grant(t: &mut Tracker, choices: Vec<(&str, bool)>) {
    let c = choices.into_iter().map(|(k, v)| (k, Input::Bool(v))).collect();
    t.set_consent(obj(c), obj(vec![("source", s("banner"))]));
}

fn track(t: &mut Tracker, name: &str, category: Option<&str>) -> bool {
    let options = match category {
        Some(c) => obj(vec![("category", s(c))]),
        None => Input::Undefined,
    };
    t.track(s(name), obj(vec![("n", s(name))]), options)
}

/// Everything the tracker would send now, as parsed events (flushes).
fn drain(t: &mut Tracker) -> Vec<J> {
    t.begin_flush();
    let mut out = Vec::new();
    while let Some(b) = t.next_batch() {
        let v: J = serde_json::from_str(&b.body).unwrap();
        out.extend(v["batch"].as_array().unwrap().iter().cloned());
        t.complete(b.id, 200, None);
    }
    out
}

fn names(events: &[J]) -> Vec<String> {
    events.iter().map(|e| e["event"].as_str().unwrap_or("").to_string()).collect()
}

#[test]
fn rule1_opt_in_without_a_choice_sends_and_stores_nothing_and_buffers_in_memory() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![("bufferLimit", Input::Number(3.0))]));
    for i in 0..5 {
        assert!(track(&mut t, &format!("E{i}"), None), "accepted into the buffer");
    }
    t.identify(s("u1"), obj(vec![("plan", s("pro"))]), Input::Undefined);
    w.clock.advance(10_000.0);
    assert!(t.next_batch().is_none(), "no request");
    assert!(drain(&mut t).is_empty(), "not even on flush");
    assert!(w.store.keys().is_empty(), "no storage write: {:?}", w.store.keys());
    assert!(w.cookies.names().is_empty(), "no cookie");
    assert_eq!(t.buffered(), (3, 3), "oldest dropped and counted");
    assert_eq!(w.log.lines(Level::Warn).iter().filter(|l| l.contains("buffer is full")).count(), 1);
    assert!(!t.identity().anonymous_id.is_empty(), "the anonymous id lives in memory");

    // pending: 'drop' keeps nothing.
    let w = World::new();
    let mut t = tracker(&w, config(vec![("pending", s("drop"))]));
    assert!(!track(&mut t, "Dropped", None));
    assert_eq!(t.buffered(), (0, 0));
    grant(&mut t, vec![("analytics", true)]);
    assert_eq!(names(&drain(&mut t)), vec!["Consent Updated"]);
}

#[test]
fn rule2_a_grant_releases_its_buffered_events_with_their_call_time_stamp() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![]));
    track(&mut t, "Before", None);
    track(&mut t, "Ad Click", Some("marketing"));
    track(&mut t, "Essential", Some("necessary"));
    let sent = drain(&mut t);
    assert_eq!(names(&sent), vec!["Essential"], "necessary is always granted");
    grant(&mut t, vec![("analytics", true)]);
    let sent = drain(&mut t);
    assert_eq!(names(&sent), vec!["Before", "Consent Updated"]);
    let stamp = &sent[0]["context"]["consent"];
    assert_eq!(stamp["analytics"], "unknown", "stamped as it was when tracked");
    assert_eq!(stamp["necessary"], "granted");
    assert_eq!(sent[1]["context"]["consent"]["analytics"], "granted");
    assert_eq!(sent[1]["properties"], serde_json::json!({"analytics": "granted", "personalization": "unknown", "marketing": "unknown", "source": "banner"}));
    assert_eq!(t.buffered().0, 1, "the marketing event still waits");
    // Without marketing, no campaign and no ad click id anywhere.
    assert!(sent[0]["context"].get("campaign").is_none());
    assert_eq!(sent[0]["context"]["page"]["url"], "https://shop.example/land?utm_source=ads&utm_campaign=fall&x=1");
    // The ids are stored now, with the record (localStorage and cookie).
    assert_eq!(w.store.get("kizuna:anonymousId").as_deref(), Some(t.identity().anonymous_id.as_str()));
    let record: J = serde_json::from_str(&w.store.get("kizuna:consent").unwrap()).unwrap();
    assert_eq!(record["v"], 1);
    assert_eq!(record["source"], "banner");
    assert_eq!(record["categories"]["analytics"], "granted");
    let cookie = w.cookies.get("kz_consent").unwrap();
    assert_eq!(kizuna::core::native::percent_decode(&cookie), w.store.get("kizuna:consent").unwrap());

    grant(&mut t, vec![("marketing", true)]);
    let sent = drain(&mut t);
    assert_eq!(names(&sent), vec!["Ad Click", "Consent Updated"]);
    assert_eq!(sent[0]["context"]["campaign"], serde_json::json!({"source": "ads", "name": "fall"}), "marketing data once granted");
    assert!(sent[0]["context"]["page"]["url"].as_str().unwrap().contains("gclid=Cj0KCQ"));
}

#[test]
fn rule3_withdrawal_purges_deletes_and_never_sends_again() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![]));
    grant(&mut t, vec![("analytics", true), ("marketing", true)]);
    drain(&mut t);
    t.identify(s("u1"), obj(vec![("plan", s("pro"))]), Input::Undefined);
    for i in 0..60 {
        track(&mut t, &format!("A{i}"), None);
    }
    track(&mut t, "M", Some("marketing"));
    let in_flight = t.next_batch().expect("50 events: a batch goes");
    assert_eq!(w.store.keys().len(), 4, "ids, traits and the record: {:?}", w.store.keys());
    let old_id = t.identity().anonymous_id.clone();

    t.set_consent(obj(vec![("analytics", Input::Bool(false))]), Input::Undefined);
    assert_eq!(t.queue().len(), in_flight.count + 1, "only the batch on the wire and the marketing event remain");
    assert_eq!(w.store.keys(), vec!["kizuna:consent"], "everything but the record is deleted");
    assert_ne!(t.identity().anonymous_id, old_id, "a new visitor if analytics comes back");
    // The request on the wire fails: its analytics events are not retried.
    t.complete(in_flight.id, 503, None);
    assert_eq!(t.queue().len(), 1);
    assert!(!track(&mut t, "After", None), "denied: dropped");
    let sent = drain(&mut t);
    assert_eq!(names(&sent), vec!["M"], "no Consent Updated either: analytics is denied");
    w.clock.advance(120_000.0);
    assert!(t.next_batch().is_none());
    let record: J = serde_json::from_str(&w.store.get("kizuna:consent").unwrap()).unwrap();
    assert_eq!(record["categories"]["analytics"], "denied");
}

#[test]
fn rule3_withdrawing_marketing_strips_its_data_from_queued_events() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![]));
    grant(&mut t, vec![("analytics", true), ("marketing", true)]);
    drain(&mut t);
    for i in 0..50 {
        track(&mut t, &format!("A{i}"), None);
    }
    let in_flight = t.next_batch().expect("50 events: a batch goes");
    track(&mut t, "Queued", None);
    t.page(Input::Undefined, Input::Undefined, Input::Undefined);
    // A call replayed from the snippet, made on another page with its own ad click id.
    t.replaying(w.clock.now(), PageContext::new("https://shop.example/p?fbclid=IwAR&utm_medium=cpc", "P", "https://t.co/?gclid=z"));
    track(&mut t, "Replayed", None);
    t.replayed();

    t.set_consent(obj(vec![("marketing", Input::Bool(false))]), Input::Undefined);
    // The batch on the wire went as it was; it is answered.
    let on_wire: J = serde_json::from_str(&in_flight.body).unwrap();
    assert_eq!(on_wire["batch"][0]["context"]["campaign"]["source"], "ads");
    t.complete(in_flight.id, 200, None);
    let sent = drain(&mut t);
    assert_eq!(names(&sent), vec!["Queued", "", "Replayed", "Consent Updated"]);
    for e in &sent {
        let text = e.to_string();
        assert!(e["context"].get("campaign").is_none(), "no campaign: {text}");
        for id in ["gclid", "fbclid"] {
            assert!(!text.contains(id), "no {id}: {text}");
        }
        assert_eq!(e["context"]["consent"]["analytics"], "granted");
    }
    assert_eq!(sent[0]["context"]["page"]["url"], "https://shop.example/land?utm_source=ads&utm_campaign=fall&x=1", "the rest of the URL is kept");
    assert_eq!(sent[0]["context"]["consent"]["marketing"], "granted", "the stamp still says what was granted when it was tracked");
    assert_eq!(sent[1]["properties"]["search"], "?utm_source=ads&utm_campaign=fall&x=1", "a page event's own URL fields too");
    assert_eq!(sent[2]["context"]["page"]["url"], "https://shop.example/p?utm_medium=cpc");
    assert_eq!(sent[2]["context"]["page"]["referrer"], "https://t.co/");
}

#[test]
fn rule4_opt_out_sends_until_denied() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![("mode", s("opt-out"))]));
    track(&mut t, "Free", None);
    assert_eq!(names(&drain(&mut t)), vec!["Free"]);
    t.persist_profile(); // what the page does a second later
    assert_eq!(w.store.keys(), vec!["kizuna:anonymousId", "kizuna:profile"], "ids and profile stored, no record without a choice");
    grant(&mut t, vec![("analytics", false)]);
    assert!(!track(&mut t, "Blocked", None));
    assert!(drain(&mut t).is_empty());
    assert_eq!(w.store.keys(), vec!["kizuna:profile", "kizuna:consent"], "personalization is still granted");
    grant(&mut t, vec![("personalization", false)]);
    assert_eq!(w.store.keys(), vec!["kizuna:consent"], "denying personalization deletes the profile");
}

#[test]
fn rule5_gpc_denies_marketing_until_an_explicit_grant() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![("mode", s("opt-out"))]));
    t.consent_signal(Signal::Gpc);
    assert_eq!(t.consent().marketing, Choice::Denied);
    assert!(!track(&mut t, "Ad", Some("marketing")));
    track(&mut t, "Plain", None);
    let sent = drain(&mut t);
    assert_eq!(names(&sent), vec!["Consent Updated", "Plain"], "GPC changed marketing: audited");
    assert_eq!(sent[0]["properties"]["source"], "gpc");
    assert!(sent[1]["context"].get("campaign").is_none());
    let record: J = serde_json::from_str(&w.store.get("kizuna:consent").unwrap()).unwrap();
    assert_eq!(record["source"], "gpc");
    grant(&mut t, vec![("marketing", true)]);
    assert_eq!(t.consent().marketing, Choice::Granted, "the visitor's explicit grant wins");

    // A page with gpc: false in its config ignores the signal.
    let w = World::new();
    let mut t = tracker(&w, config(vec![("mode", s("opt-out")), ("gpc", Input::Bool(false))]));
    assert!(t.consent_signal(Signal::Gpc).is_none());
    assert_eq!(t.consent().marketing, Choice::Granted);
}

#[test]
fn rule6_tcf_maps_purposes_and_purpose_one_rules_storage() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![]));
    track(&mut t, "Waiting", None);
    let tc = parse(r#"{"gdprApplies":true,"eventStatus":"useractioncomplete","purpose":{"consents":{"7":true,"8":true,"9":true,"10":true}}}"#).unwrap();
    t.consent_signal(Signal::Tcf(tcf::read(&tc).unwrap()));
    assert_eq!(t.consent().analytics, Choice::Granted);
    assert_eq!(names(&drain(&mut t)), vec!["Waiting", "Consent Updated"], "sent: analytics is granted");
    assert!(w.store.keys().is_empty(), "without purpose 1 nothing is written, not even the record");
    assert!(w.cookies.names().is_empty());
    let tc = parse(r#"{"gdprApplies":true,"eventStatus":"useractioncomplete","purpose":{"consents":{"1":true,"7":true,"8":true,"9":true,"10":true}}}"#).unwrap();
    t.consent_signal(Signal::Tcf(tcf::read(&tc).unwrap()));
    assert!(w.store.keys().contains(&"kizuna:anonymousId".to_string()), "purpose 1 given: ids stored");
    assert!(w.store.get("kizuna:consent").unwrap().contains("\"source\":\"tcf\""));
}

#[test]
fn rule8_every_change_is_audited_while_analytics_is_granted() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![]));
    grant(&mut t, vec![("analytics", true)]);
    grant(&mut t, vec![("personalization", true)]);
    grant(&mut t, vec![("personalization", true)]);
    let sent = drain(&mut t);
    assert_eq!(names(&sent), vec!["Consent Updated", "Consent Updated"], "a choice that changes nothing is not a change");
    assert_eq!(sent[1]["properties"]["personalization"], "granted");
}

#[test]
fn a_stored_record_is_the_choice_and_a_broken_one_counts_as_none() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![]));
    grant(&mut t, vec![("analytics", true)]);
    drop(t);
    let mut t = tracker(&w, config(vec![]));
    assert_eq!(t.consent().analytics, Choice::Granted, "the next page reads the record");
    track(&mut t, "Second Page", None);
    assert_eq!(names(&drain(&mut t)), vec!["Second Page"]);

    // Only the cookie (a server set it, or localStorage was cleared).
    let w2 = World::new();
    w2.cookies.0.borrow_mut().jar.push(("kz_consent".into(), w.cookies.get("kz_consent").unwrap(), 395));
    let t = tracker(&w2, config(vec![]));
    assert_eq!(t.consent().analytics, Choice::Granted);

    for broken in ["{not json", r#"{"v":9,"categories":{"analytics":"granted"},"updatedAt":1}"#] {
        let w = World::new();
        kizuna::core::platform::Store::set(&mut w.store.clone(), "kizuna:consent", broken).unwrap();
        let t = tracker(&w, config(vec![]));
        assert_eq!(t.consent().analytics, Choice::Unknown, "{broken}");
        let warn = w.log.lines(Level::Warn);
        assert!(warn[0].starts_with("the stored consent record was ignored because"), "{warn:?}");
    }
}

#[test]
fn the_consent_api_reports_bad_input() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![]));
    assert!(t.set_consent(s("yes"), Input::Undefined).is_none());
    assert!(t.set_consent(obj(vec![("analytic", Input::Bool(true))]), Input::Undefined).is_none());
    assert!(w.log.lines(Level::Warn)[0].contains("analytic is not a category"));
    assert!(t.set_consent(obj(vec![("analytics", s("yes")), ("marketing", Input::Bool(false))]), Input::Undefined).is_some());
    assert_eq!(t.consent().marketing, Choice::Denied);
    assert_eq!(t.consent().analytics, Choice::Unknown, "the bad value changed nothing");
    assert!(t.consent().get(Category::Necessary) == Choice::Granted);
}

#[test]
fn withdrawing_analytics_forgets_the_user_too() {
    let w = World::new();
    let mut t = tracker(&w, config(vec![]));
    grant(&mut t, vec![("analytics", true)]);
    t.identify(s("user-11"), obj(vec![("plan", s("pro"))]), Input::Undefined);
    grant(&mut t, vec![("analytics", false)]);
    assert_eq!(t.identity().user_id, None);
    grant(&mut t, vec![("analytics", true)]);
    assert_eq!(w.store.get("kizuna:userId"), None, "the old user is not written back");
    drain(&mut t);
    track(&mut t, "Back Again", None);
    let sent = drain(&mut t);
    assert!(sent[0].get("userId").is_none());
}

#[test]
fn only_choices_are_stored_timestamped_and_audited() {
    // gdprApplies: false is not a choice: no audit event, no record.
    let w = World::new();
    let mut t = tracker(&w, config(vec![]));
    let tc = parse(r#"{"gdprApplies":false,"eventStatus":"tcloaded"}"#).unwrap();
    t.consent_signal(Signal::Tcf(tcf::read(&tc).unwrap()));
    assert_eq!(t.consent().analytics, Choice::Granted);
    assert!(drain(&mut t).is_empty(), "no Consent Updated");
    assert_eq!(w.store.get("kizuna:consent"), None);
    // A Consent Mode default does not rewrite a stored choice's time.
    let w = World::new();
    let mut t = tracker(&w, config(vec![]));
    grant(&mut t, vec![("analytics", true)]);
    let before = w.store.get("kizuna:consent").unwrap();
    drop(t);
    w.clock.advance(60_000.0);
    let mut t = tracker(&w, config(vec![]));
    let default = parse(r#"["consent","default",{"analytics_storage":"denied"}]"#).unwrap();
    t.consent_signal(Signal::Gcm(kizuna::core::consent::gcm::read(&default).unwrap()));
    assert_eq!(w.store.get("kizuna:consent").unwrap(), before, "byte for byte");
}
