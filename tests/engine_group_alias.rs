//! Host tests of `group()` and `alias()` (Segment's spec): the events they
//! send in either wire format, the group kept like the user, bad input,
//! consent gating (as for `identify`), `reset()`/`forget()`, and
//! `privacy.userId` on alias's ids.

#![cfg(not(target_arch = "wasm32"))]

mod sim;

use std::collections::BTreeMap;

use kizuna::engine::io::Input;
use kizuna::engine::pipeline::event::Kind;
use serde_json::{json, Value as J};
use sim::{config, open, Level, Sim, URL};

fn drain(s: &mut Sim) -> Vec<J> {
    s.flush();
    s.deliver_all()
}

fn keys(s: &Sim) -> Vec<&str> {
    s.store.keys().map(String::as_str).collect()
}

fn group_keys(s: &Sim) -> (Option<&str>, Option<&str>) {
    (s.store.get("kizuna:groupId").map(String::as_str), s.store.get("kizuna:groupTraits").map(String::as_str))
}

#[test]
fn group_sends_segments_shape_and_keeps_the_group_like_the_user() {
    let mut s = Sim::new(&open());
    assert!(s.call(Kind::Identify, "\"user-42\"", "!v", "!v"));
    assert!(s.call(Kind::Group, "\"acme\"", r#"{"name":"Acme Inc","plan":"team"}"#, r#"{"messageId":"g-1"}"#));
    assert!(s.call(Kind::Group, r#"{"seats":5}"#, "!v", "!v"), "traits only: the kept group");
    s.track("After", "{}");
    let b = drain(&mut s);
    let g = &b[1];
    let members: Vec<&str> = g.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(members, ["type", "groupId", "traits", "anonymousId", "userId", "messageId", "timestamp", "context"], "{g}");
    assert_eq!(
        (g["type"].as_str(), g["groupId"].as_str(), g["userId"].as_str(), g["messageId"].as_str()),
        (Some("group"), Some("acme"), Some("user-42"), Some("g-1"))
    );
    assert_eq!(g["traits"], json!({"name": "Acme Inc", "plan": "team"}));
    assert_eq!(g["anonymousId"], s.t.identity().anonymous_id.as_str());
    assert_eq!(g["timestamp"], "2026-11-22T16:13:00.000Z");
    assert_eq!(g["context"]["page"]["url"], URL);
    assert_eq!(g["context"]["consent"]["analytics"], "granted");
    assert_eq!(
        (b[2]["groupId"].as_str(), &b[2]["traits"]),
        (Some("acme"), &json!({"name": "Acme Inc", "plan": "team", "seats": 5})),
        "merged, as analytics.js does"
    );
    assert!(b[3].get("groupId").is_none(), "other events do not carry the group");
    assert_eq!(group_keys(&s), (Some("acme"), Some(r#"{"name":"Acme Inc","plan":"team","seats":5}"#)));

    // The next page of the site keeps the group.
    let mut next = Sim::with_store(&open(), s.store.clone());
    assert!(next.call(Kind::Group, "!v", r#"{"seats":6}"#, "!v"));
    assert!(next.call(Kind::Group, "7", r#"{"a":1}"#, "!v"), "a whole number is an id, as identify's");
    let b = drain(&mut next);
    assert_eq!(
        (b[0]["groupId"].as_str(), b[0]["traits"]["seats"].as_u64(), b[0]["traits"]["plan"].as_str()),
        (Some("acme"), Some(6), Some("team"))
    );
    assert_eq!((b[1]["groupId"].as_str(), &b[1]["traits"]), (Some("7"), &json!({"a": 1})), "a new group starts fresh traits");
    assert_eq!(group_keys(&next), (Some("7"), Some(r#"{"a":1}"#)));
}

#[test]
fn alias_sends_the_new_user_id_and_the_previous_one() {
    let mut s = Sim::new(&open());
    let anon = s.t.identity().anonymous_id.clone();
    assert!(s.call(Kind::Alias, "\"user-9\"", "!v", "!v"));
    s.track("Still Anonymous", "{}");
    assert!(s.call(Kind::Identify, "\"user-9\"", "!v", "!v"));
    assert!(s.call(Kind::Alias, "\"user-10\"", "!v", r#"{"messageId":"a-1"}"#));
    assert!(s.call(Kind::Alias, "\"new\"", "\"old\"", "!v"));
    assert!(s.call(Kind::Alias, "12", r#"{"messageId":"a-2"}"#, "!v"), "alias(userId, options)");
    let b = drain(&mut s);
    let a = &b[0];
    let members: Vec<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        members,
        ["type", "previousId", "anonymousId", "userId", "messageId", "timestamp", "context"],
        "no properties, no traits: {a}"
    );
    assert_eq!(
        (a["type"].as_str(), a["userId"].as_str(), a["previousId"].as_str()),
        (Some("alias"), Some("user-9"), Some(anon.as_str())),
        "no user yet: the anonymous id"
    );
    assert!(b[1].get("userId").is_none(), "an alias does not identify");
    assert_eq!(
        (b[3]["userId"].as_str(), b[3]["previousId"].as_str(), b[3]["messageId"].as_str()),
        (Some("user-10"), Some("user-9"), Some("a-1")),
        "the current user id"
    );
    assert_eq!((b[4]["userId"].as_str(), b[4]["previousId"].as_str()), (Some("new"), Some("old")));
    assert_eq!(
        (b[5]["userId"].as_str(), b[5]["previousId"].as_str(), b[5]["messageId"].as_str()),
        (Some("12"), Some("user-9"), Some("a-2"))
    );
    assert_eq!(s.t.identity().user_id.as_deref(), Some("user-9"), "the current user stays");
}

#[test]
fn a_group_without_an_id_to_keep_gets_one_message_and_the_next_call_works() {
    // The checks of the arguments themselves are the edge's (tests/call.test.mjs).
    let mut s = Sim::new(&open());
    for (kind, a, b, want) in [
        (Kind::Group, "!v", "!v", "group(): the group id is missing (none given, and no earlier group() to keep it from); event dropped"),
        (
            Kind::Group,
            r#"{"plan":"x"}"#,
            "!v",
            "group(): the group id is missing (none given, and no earlier group() to keep it from); event dropped",
        ),
    ] {
        s.logs.clear();
        assert!(!s.call(kind, a, b, "!v"), "{a} {b}");
        assert_eq!(s.lines(Level::Error), [want]);
    }
    assert_eq!(group_keys(&s), (None, None), "nothing kept");
    // What the edge leaves out of traits (js/edge/call.js, tests/call.test.mjs).
    s.logs.clear();
    assert!(s.call(Kind::Group, "\"acme\"", r#"{"ok":1}"#, "!v"));
    let big = format!("{{\"blob\":\"{}\"}}", "x".repeat(40_000));
    assert!(!s.call(Kind::Group, "\"acme\"", &big, "!v"));
    assert!(s.lines(Level::Error).last().unwrap().starts_with("group(): the event is "), "{:?}", s.logs);
    assert!(s.call(Kind::Alias, "\"ok\"", "!v", "!v"));
    let b = drain(&mut s);
    assert_eq!(b.iter().map(|e| e["type"].as_str().unwrap()).collect::<Vec<_>>(), ["group", "alias"]);
    assert_eq!(b[0]["traits"], json!({"ok": 1}));
}

#[test]
fn consent_gates_them_like_identify() {
    // Opt-in, no choice yet: accepted into the buffer, nothing sent or stored.
    let mut s = Sim::new(&config("{}"));
    assert!(s.call(Kind::Group, "\"acme\"", r#"{"plan":"team"}"#, "!v"));
    assert!(s.call(Kind::Alias, "\"user-1\"", "!v", "!v"));
    assert!(drain(&mut s).is_empty());
    assert!(keys(&s).is_empty(), "no storage write: {:?}", keys(&s));
    assert_eq!(s.t.status().held.0, 2);
    s.consent(r#"{"analytics":true}"#, "banner");
    let b = drain(&mut s);
    assert_eq!(b.iter().map(|e| e["type"].as_str().unwrap()).collect::<Vec<_>>(), ["group", "alias", "track"]);
    assert_eq!(b[0]["context"]["consent"]["analytics"], "unknown", "stamped when called");
    assert_eq!(group_keys(&s), (Some("acme"), Some(r#"{"plan":"team"}"#)), "stored once analytics storage is allowed");

    // A category of their own, as any call.
    assert!(s.call(Kind::Group, "\"acme\"", "!v", r#"{"category":"marketing"}"#));
    assert!(drain(&mut s).is_empty(), "waits for marketing");

    // Withdrawal deletes the group with the ids, and forgets it.
    s.consent(r#"{"analytics":false}"#, "banner");
    assert_eq!(keys(&s), ["kizuna:consent"]);
    assert_eq!(s.t.identity().group_id, None);
    assert!(!s.call(Kind::Alias, "\"user-2\"", "!v", "!v"), "denied: dropped");
    assert!(!s.call(Kind::Group, "\"acme\"", "!v", "!v"));

    // Pending drop: refused until a choice.
    let mut s = Sim::new(&config(r#"{"pending":"drop"}"#));
    assert!(!s.call(Kind::Group, "\"acme\"", "!v", "!v"));
    assert!(!s.call(Kind::Alias, "\"u\"", "!v", "!v"));
    assert!(s.call(Kind::Alias, "\"u\"", "!v", r#"{"category":"necessary"}"#), "necessary is always granted");
}

#[test]
fn reset_and_forget_drop_the_group() {
    for input in [Input::Reset, Input::Forget] {
        let mut s = Sim::new(&open());
        assert!(s.call(Kind::Group, "\"acme\"", r#"{"plan":"team"}"#, "!v"));
        assert_eq!(group_keys(&s).0, Some("acme"));
        s.input(input.clone());
        assert_eq!(group_keys(&s), (None, None), "{input:?}");
        assert_eq!(s.t.identity().group_id, None);
        s.logs.clear();
        assert!(!s.call(Kind::Group, r#"{"plan":"x"}"#, "!v", "!v"), "no group kept");
        assert!(s.lines(Level::Error)[0].contains("the group id is missing"));
        let next = Sim::with_store(&open(), s.store.clone());
        assert_eq!(next.t.identity().group_id, None, "{input:?}: not on the next page either");
    }
}

#[test]
fn privacy_user_id_applies_to_both_ids_of_an_alias() {
    let hash = |s: &str| kizuna::engine::text::sha256::hex(format!("salt{s}").as_bytes());
    let cfg = r#"{"endpoint":"/collect","consent":{"mode":"opt-out"},"privacy":{"userId":"hash","userIdSalt":"salt"}}"#;
    let mut s = Sim::new(cfg);
    let anon = s.t.identity().anonymous_id.clone();
    assert!(s.call(Kind::Alias, "\"new\"", "\"old\"", "!v"));
    assert!(s.call(Kind::Alias, "\"new\"", &format!("\"{anon}\""), "!v"), "the anonymous id as it is");
    assert!(s.call(Kind::Identify, "\"u-1\"", "!v", "!v"));
    assert!(s.call(Kind::Alias, "\"u-2\"", "!v", "!v"), "the current (hashed) user id as it is");
    let current = s.t.identity().user_id.clone().unwrap();
    assert!(s.call(Kind::Alias, "\"u-3\"", &format!("\"{current}\""), "!v"), "and kz.userId() given back");
    assert!(s.call(Kind::Group, "\"acme\"", "!v", "!v"));
    let b = drain(&mut s);
    assert_eq!((b[0]["userId"].as_str(), b[0]["previousId"].as_str()), (Some(hash("new").as_str()), Some(hash("old").as_str())));
    assert_eq!(b[1]["previousId"], anon.as_str());
    assert_eq!((b[3]["userId"].as_str(), b[3]["previousId"].as_str()), (Some(hash("u-2").as_str()), Some(hash("u-1").as_str())));
    assert_eq!(b[4]["previousId"], hash("u-1").as_str());
    assert_eq!(b[5]["groupId"], "acme", "a group id is not a person's: sent as it is");

    let cfg = r#"{"endpoint":"/collect","consent":{"mode":"opt-out"},"privacy":{"userId":"drop"}}"#;
    let mut s = Sim::new(cfg);
    assert!(!s.call(Kind::Alias, "\"new\"", "\"old\"", "!v"));
    assert_eq!(s.lines(Level::Error), ["alias(): privacy.userId is 'drop', so no user id leaves the page; event dropped"]);
    assert!(drain(&mut s).is_empty());
}

#[test]
fn snowplow_form_is_self_describing_under_kizunas_schemas() {
    let cfg = r#"{"endpoint":"https://collector.example","format":"snowplow","consent":{"mode":"opt-out"}}"#;
    let mut s = Sim::with_store(cfg, BTreeMap::new());
    assert!(s.call(Kind::Identify, "\"user-42\"", "!v", "!v"));
    assert!(s.call(Kind::Group, "\"acme\"", r#"{"plan":"team"}"#, r#"{"messageId":"g-1"}"#));
    assert!(s.call(Kind::Alias, "\"user-43\"", "!v", r#"{"messageId":"a-1"}"#));
    s.flush();
    let mut events = Vec::new();
    while !s.posts.is_empty() {
        let p = s.answer(200);
        assert_eq!(p.url, "https://collector.example/com.snowplowanalytics.snowplow/tp2");
        let body: J = serde_json::from_str(&p.body).unwrap();
        events.extend(body["data"].as_array().unwrap().clone());
    }
    let ue = |e: &J| serde_json::from_str::<J>(e["ue_pr"].as_str().unwrap()).unwrap()["data"].clone();
    let g = events.iter().find(|e| e["eid"] == "g-1").unwrap();
    assert_eq!((g["e"].as_str(), g["uid"].as_str()), (Some("ue"), Some("user-42")));
    assert_eq!(ue(g), json!({"schema": "iglu:dev.kizuna/group/jsonschema/1-0-0", "data": {"groupId": "acme", "traits": {"plan": "team"}}}));
    let a = events.iter().find(|e| e["eid"] == "a-1").unwrap();
    assert_eq!((a["e"].as_str(), a["uid"].as_str()), (Some("ue"), Some("user-43")), "uid: the new user id");
    assert_eq!(ue(a), json!({"schema": "iglu:dev.kizuna/alias/jsonschema/1-0-0", "data": {"userId": "user-43", "previousId": "user-42"}}));
    for e in [g, a] {
        let co: J = serde_json::from_str(e["co"].as_str().unwrap()).unwrap();
        assert_eq!(co["data"][1]["schema"], "iglu:dev.kizuna/consent/jsonschema/1-0-0");
    }
}
