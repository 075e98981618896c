//! Browser tests of the `web` edge, run by wasm-bindgen-test in headless
//! Chromium (`tools/test.sh` starts a local collector and passes its URL in
//! `KIZUNA_TEST_COLLECTOR` at build time).

#![cfg(target_arch = "wasm32")]

#[path = "support/fixtures.rs"]
mod fixtures;

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use kizuna::core::config::parse_config;
use kizuna::core::encode::kizuna::{write_batch, write_event};
use kizuna::core::input::Input;
use kizuna::core::platform::Store;
use kizuna::web::convert::{to_input, to_js};
use kizuna::web::runtime::{Call, Runtime};
use kizuna::web::storage::LocalStore;
use kizuna::web::transport;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A tag unique to this run, so counts at a long-running collector are exact.
fn tag(name: &str) -> String {
    format!("{name}-{}", js_sys::Date::now() as u64 + (js_sys::Math::random() * 1e6) as u64)
}

fn collector() -> &'static str {
    option_env!("KIZUNA_TEST_COLLECTOR").expect("build with KIZUNA_TEST_COLLECTOR set to a running www/collector.mjs (tools/test.sh does)")
}

fn local_storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

/// Every batch the collector holds, as parsed JSON bodies.
async fn collected() -> Vec<JsValue> {
    let window = web_sys::window().unwrap();
    let url = format!("{}/collector/batches", collector());
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str(&url)).await.unwrap().unchecked_into();
    let json = JsFuture::from(resp.json().unwrap()).await.unwrap();
    Array::from(&json).iter().map(|r| Reflect::get(&r, &"body".into()).unwrap()).collect()
}

/// Waits until some collected batch holds an event with `properties.tag == tag`;
/// returns how many such events arrived.
async fn wait_for_tag(tag: &str, want: usize) -> usize {
    let mut found = 0;
    for _ in 0..50 {
        found = 0;
        for body in collected().await {
            for e in Array::from(&Reflect::get(&body, &"batch".into()).unwrap()).iter() {
                let props = Reflect::get(&e, &"properties".into()).unwrap();
                if Reflect::get(&props, &"tag".into()).ok().and_then(|t| t.as_string()).as_deref() == Some(tag) {
                    found += 1;
                }
            }
        }
        if found >= want {
            return found;
        }
        sleep(100).await;
    }
    found
}

#[wasm_bindgen_test]
fn storage_round_trips_through_local_storage() {
    let mut store = LocalStore::open();
    assert!(store.is_persistent());
    store.set("kizuna:test", "v1").unwrap();
    assert_eq!(local_storage().get_item("kizuna:test").unwrap().as_deref(), Some("v1"));
    assert_eq!(store.get("kizuna:test").as_deref(), Some("v1"));
    store.remove("kizuna:test");
    assert_eq!(local_storage().get_item("kizuna:test").unwrap(), None);
    assert_eq!(store.get("kizuna:test"), None);
}

#[wasm_bindgen_test]
fn full_storage_falls_back_to_memory() {
    let ls = local_storage();
    // Fill localStorage to its quota (a few MB in Chromium).
    let chunk = "x".repeat(512 * 1024);
    let mut i = 0;
    while ls.set_item(&format!("kizuna:fill{i}"), &chunk).is_ok() && i < 64 {
        i += 1;
    }
    let mut store = LocalStore::open();
    let result = store.set("kizuna:big", &"y".repeat(1024 * 1024));
    for j in 0..=i {
        let _ = ls.remove_item(&format!("kizuna:fill{j}"));
    }
    assert!(result.is_err(), "the browser refused the write");
    assert_eq!(store.get("kizuna:big").map(|v| v.len()), Some(1024 * 1024), "kept in memory");
    assert_eq!(ls.get_item("kizuna:big").unwrap(), None);
    let mut memory = LocalStore::memory_only();
    memory.set("k", "v").ok();
    assert_eq!(memory.get("k").as_deref(), Some("v"));
    assert_eq!(ls.get_item("k").unwrap(), None, "memory-only never writes");
}

#[wasm_bindgen_test]
fn javascript_values_are_described_faithfully() {
    let obj = Object::new();
    let set = |k: &str, v: &JsValue| {
        Reflect::set(&obj, &k.into(), v).unwrap();
    };
    set("s", &"x".into());
    set("n", &JsValue::from_f64(1.5));
    set("b", &JsValue::TRUE);
    set("nul", &JsValue::NULL);
    set("u", &JsValue::UNDEFINED);
    set("arr", &Array::of2(&1.into(), &"a".into()));
    set("date", &js_sys::Date::new(&JsValue::from_f64(0.0)));
    let f = Closure::<dyn Fn()>::new(|| {});
    set("fn", f.as_ref());
    set("sym", &js_sys::Symbol::for_("s"));
    set("big", &js_sys::BigInt::from(10u32).into());
    set("map", &js_sys::Map::new());
    set("self", &obj);
    // A getter that throws.
    let getter = js_sys::Function::from(Closure::<dyn Fn() -> Result<JsValue, JsValue>>::new(|| Err(JsValue::from_str("boom"))).into_js_value());
    let desc = Object::new();
    Reflect::set(&desc, &"get".into(), &getter).unwrap();
    Reflect::set(&desc, &"enumerable".into(), &JsValue::TRUE).unwrap();
    Object::define_property(&obj, &"bad".into(), &desc);
    let input = to_input(&obj);
    let Input::Object(fields) = input else { panic!("an object") };
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap();
    assert_eq!(get("s"), Input::String("x".into()));
    assert_eq!(get("n"), Input::Number(1.5));
    assert_eq!(get("b"), Input::Bool(true));
    assert_eq!(get("nul"), Input::Null);
    assert_eq!(get("u"), Input::Undefined);
    assert_eq!(get("arr"), Input::Array(vec![Input::Number(1.0), Input::String("a".into())]));
    assert_eq!(get("date"), Input::Date(0.0));
    assert_eq!(get("fn"), Input::Function);
    assert_eq!(get("sym"), Input::Symbol);
    assert_eq!(get("big"), Input::BigInt);
    assert_eq!(get("map"), Input::Other("Map".into()));
    assert_eq!(get("self"), Input::Cycle);
    assert_eq!(get("bad"), Input::Unreadable);

    // A revoked proxy cannot even be listed; describing it must not throw.
    let revocable = js_sys::Proxy::revocable(&Object::new(), &Object::new());
    let proxy = Reflect::get(&revocable, &"proxy".into()).unwrap();
    let revoke: js_sys::Function = Reflect::get(&revocable, &"revoke".into()).unwrap().unchecked_into();
    revoke.call0(&JsValue::NULL).unwrap();
    assert_eq!(to_input(&proxy), Input::Unreadable);

    // Deep nesting stops at the limit instead of overflowing the stack.
    let mut deep: JsValue = Object::new().into();
    for _ in 0..100 {
        let o = Object::new();
        Reflect::set(&o, &"d".into(), &deep).unwrap();
        deep = o.into();
    }
    let mut node = to_input(&deep);
    let mut depth = 0;
    while let Input::Object(mut f) = node {
        node = f.pop().map(|(_, v)| v).unwrap_or(Input::Null);
        depth += 1;
    }
    assert_eq!(node, Input::TooDeep);
    assert!(depth <= kizuna::core::input::MAX_DEPTH + 1);
}

#[wasm_bindgen_test]
fn json_values_come_back_as_plain_javascript() {
    let v = kizuna::core::json::parse(r#"{"a":[1,"x",null,true],"b":{"c":2.5}}"#).unwrap();
    let js = to_js(&v);
    let text = js_sys::JSON::stringify(&js).unwrap().as_string().unwrap();
    assert_eq!(text, r#"{"a":[1,"x",null,true],"b":{"c":2.5}}"#);
}

#[wasm_bindgen_test]
fn encoders_match_the_golden_fixtures_in_the_browser() {
    let (events, batches) = fixtures::kizuna_cases();
    for case in events {
        let mut out = String::new();
        write_event(&mut out, &case.event, case.marketing);
        assert_eq!(out, case.expected, "{}", case.name);
        // The browser's own JSON parser agrees it is JSON, with the same values.
        let ours = js_sys::JSON::parse(&out).unwrap();
        let again = js_sys::JSON::stringify(&ours).unwrap().as_string().unwrap();
        let theirs = js_sys::JSON::stringify(&js_sys::JSON::parse(&case.expected).unwrap()).unwrap().as_string().unwrap();
        assert_eq!(again, theirs, "{}", case.name);
    }
    for case in batches {
        let mut out = String::new();
        write_batch(&mut out, case.events.iter().map(String::as_str), case.sent_at_ms, case.write_key.as_deref());
        assert_eq!(out, case.expected, "{}", case.name);
    }
}

#[wasm_bindgen_test]
async fn fetch_transport_reports_the_collectors_status() {
    let answers: Rc<RefCell<Vec<transport::Answer>>> = Rc::default();
    let (a1, a2) = (answers.clone(), answers.clone());
    let ok = Closure::<dyn FnMut(JsValue)>::new(move |r: JsValue| a1.borrow_mut().push(transport::read_answer(&r)));
    let err = Closure::<dyn FnMut(JsValue)>::new(move |_| a2.borrow_mut().push(transport::NO_ANSWER));
    let t = tag("fetch-ok");
    let body = format!(r#"{{"batch":[{{"type":"track","event":"Transport","properties":{{"tag":"{t}"}}}}],"sentAt":"2026-01-01T00:00:00.000Z"}}"#);
    let body = body.as_str();
    assert!(transport::start_post(&format!("{}/collect", collector()), body, true, &ok, &err).is_some());
    // A bad body: the collector answers 400.
    transport::start_post(&format!("{}/collect", collector()), "not json", false, &ok, &err).unwrap();
    // Nobody listens on port 9: a network error, status 0.
    transport::start_post("http://127.0.0.1:9/collect", body, false, &ok, &err).unwrap();
    for _ in 0..50 {
        if answers.borrow().len() == 3 {
            break;
        }
        sleep(50).await;
    }
    let mut statuses: Vec<u16> = answers.borrow().iter().map(|a| a.status).collect();
    statuses.sort();
    assert_eq!(statuses, vec![0, 200, 400]);
    assert_eq!(wait_for_tag(&t, 1).await, 1);
}

#[wasm_bindgen_test]
async fn beacons_reach_the_collector() {
    let t = tag("beacon-ok");
    let body = format!(r#"{{"batch":[{{"type":"track","event":"Beacon","properties":{{"tag":"{t}"}}}}],"sentAt":"2026-01-01T00:00:00.000Z"}}"#);
    assert!(transport::beacon(&format!("{}/collect", collector()), &body));
    assert_eq!(wait_for_tag(&t, 1).await, 1);
}

/// A runtime on the test collector, in consent opt-out mode (most tests
/// here are about sending, not the consent gate) unless `extra` sets
/// `consent`.
fn start_runtime(extra: Vec<(&str, Input)>) -> Rc<Runtime> {
    let mut fields = vec![("endpoint".to_string(), Input::String(format!("{}/collect", collector())))];
    if !extra.iter().any(|(k, _)| *k == "consent") {
        fields.push(("consent".into(), Input::Object(vec![("mode".into(), Input::String("opt-out".into()))])));
    }
    fields.extend(extra.into_iter().map(|(k, v)| (k.to_string(), v)));
    let (config, _) = parse_config(&Input::Object(fields)).unwrap();
    Runtime::start(config)
}

fn tagged(tag: &str, i: usize) -> Input {
    Input::Object(vec![("tag".into(), Input::String(tag.into())), ("i".into(), Input::Number(i as f64))])
}

#[wasm_bindgen_test]
async fn pagehide_hands_the_queue_to_a_beacon() {
    let rt = start_runtime(vec![]);
    let t = tag("pagehide");
    for i in 0..20 {
        assert!(rt.record(Call::Track, Input::String("Leaving".into()), tagged(&t, i), Input::Undefined));
    }
    assert_eq!(rt.queued(), 20);
    let event = web_sys::Event::new("pagehide").unwrap();
    web_sys::window().unwrap().dispatch_event(&event).unwrap();
    assert_eq!(rt.queued(), 0, "handed to sendBeacon synchronously");
    assert_eq!(wait_for_tag(&t, 20).await, 20);
}

#[wasm_bindgen_test]
async fn the_timer_sends_a_batch_and_flush_reports_it() {
    let rt = start_runtime(vec![("batch", Input::Object(vec![("flushInterval".into(), Input::Number(200.0))]))]);
    let (t1, t2) = (tag("timer"), tag("flush"));
    rt.record(Call::Track, Input::String("Timed".into()), tagged(&t1, 0), Input::Undefined);
    assert_eq!(wait_for_tag(&t1, 1).await, 1, "sent by the timer, without a flush");
    for i in 0..3 {
        rt.record(Call::Track, Input::String("Flushed".into()), tagged(&t2, i), Input::Undefined);
    }
    let summary = JsFuture::from(rt.flush()).await.unwrap();
    let get = |k: &str| Reflect::get(&summary, &k.into()).unwrap().as_f64().unwrap();
    assert_eq!((get("sent"), get("failed"), get("pending")), (3.0, 0.0, 0.0));
    assert_eq!(wait_for_tag(&t2, 3).await, 3);
}

#[wasm_bindgen_test]
async fn hiding_the_page_flushes_by_beacon_but_showing_it_does_not() {
    let rt = start_runtime(vec![]);
    let t = tag("hidden");
    for i in 0..5 {
        rt.record(Call::Track, Input::String("Backgrounded".into()), tagged(&t, i), Input::Undefined);
    }
    let document = web_sys::window().unwrap().document().unwrap();
    let fire = || document.dispatch_event(&web_sys::Event::new("visibilitychange").unwrap()).unwrap();
    fire();
    assert_eq!(rt.queued(), 5, "still visible: nothing to do");
    // Headless pages stay visible; stand in for the browser hiding the tab.
    let desc = Object::new();
    Reflect::set(&desc, &"value".into(), &"hidden".into()).unwrap();
    Reflect::set(&desc, &"configurable".into(), &JsValue::TRUE).unwrap();
    Object::define_property(&document, &"visibilityState".into(), &desc);
    fire();
    Reflect::delete_property(&document, &"visibilityState".into()).unwrap();
    assert_eq!(rt.queued(), 0, "hidden: everything handed to sendBeacon");
    assert_eq!(wait_for_tag(&t, 5).await, 5);
}

#[wasm_bindgen_test]
fn the_browsers_number_printing_and_url_decoding_match_the_host_versions() {
    use kizuna::core::native::{percent_decode, write_float};
    // The same expectations as the host tests of core::native.
    let cases = [(19.9, "19.9"), (0.1, "0.1"), (1e21, "1e21"), (1.5e-7, "1.5e-7"), (-2.5e-300, "-2.5e-300"), (0.30000000000000004, "0.30000000000000004")];
    for (n, want) in cases {
        let mut s = String::new();
        write_float(&mut s, n);
        assert_eq!(s, want);
    }
    assert_eq!(percent_decode("fall+sale%20%C3%A9"), "fall sale é");
    assert_eq!(percent_decode("plain"), "plain");
    assert_eq!(percent_decode("100%"), "100%");
    assert_eq!(percent_decode("a%20b%zz"), "a%20b%zz");
    assert_eq!(percent_decode("%ff"), "%ff");
}

#[wasm_bindgen_test]
fn consent_decisions_match_the_golden_fixtures_in_the_browser() {
    let cases = fixtures::consent_cases();
    // TCF data and dataLayer entries take the browser's path here: a real
    // JavaScript object, described by the web edge, read by the core.
    let through_the_browser = |raw: &kizuna::core::json::Value| -> Option<kizuna::core::consent::state::Signal> {
        let js = |v: &kizuna::core::json::Value| js_sys::JSON::parse(&v.to_json()).unwrap();
        if let Some(tc) = raw.get("tcf") {
            return kizuna::web::consent::tcf_signal(&js(tc));
        }
        if let Some(cmd) = raw.get("gcm") {
            return kizuna::web::consent::gcm_signal(&js(cmd));
        }
        fixtures::signal(raw)
    };
    let failures: Vec<String> = cases.iter().filter_map(|c| fixtures::check_consent_case(c, &through_the_browser).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[wasm_bindgen_test]
fn the_consent_cookie_is_written_read_and_removed() {
    use kizuna::core::platform::Cookies;
    let mut jar = kizuna::web::cookies::DocumentCookies::open();
    jar.set("kz_test", "%7B%22v%22%3A1%7D", 1);
    let document = web_sys::window().unwrap().document().unwrap();
    let all = Reflect::get(&document, &"cookie".into()).unwrap().as_string().unwrap();
    assert!(all.contains("kz_test=%7B%22v%22%3A1%7D"), "{all}");
    assert_eq!(jar.get("kz_test").as_deref(), Some("%7B%22v%22%3A1%7D"));
    let parsed = jar.get_json("kz_test").unwrap().unwrap();
    assert_eq!(parsed.get("v").and_then(|v| v.as_f64()), Some(1.0));
    jar.remove("kz_test");
    assert_eq!(jar.get("kz_test"), None);
}

#[wasm_bindgen_test]
fn gpc_tcf_and_consent_mode_are_read_from_the_page() {
    use kizuna::core::consent::state::Signal;
    let window = web_sys::window().unwrap();
    // GPC: Chromium has no such property; stand in for a browser that does.
    let nav = window.navigator();
    assert!(!kizuna::web::consent::gpc());
    let desc = Object::new();
    Reflect::set(&desc, &"value".into(), &JsValue::TRUE).unwrap();
    Reflect::set(&desc, &"configurable".into(), &JsValue::TRUE).unwrap();
    Object::define_property(&nav, &"globalPrivacyControl".into(), &desc);
    assert!(kizuna::web::consent::gpc());
    Reflect::delete_property(&nav, &"globalPrivacyControl".into()).unwrap();

    // TCF: a stub __tcfapi that answers addEventListener at once.
    let tc = js_sys::JSON::parse(r#"{"gdprApplies":true,"eventStatus":"tcloaded","purpose":{"consents":{"1":true,"7":true,"8":true,"9":true,"10":true}}}"#).unwrap();
    let tc2 = tc.clone();
    let api = Closure::<dyn FnMut(JsValue, JsValue, JsValue)>::new(move |cmd: JsValue, version: JsValue, cb: JsValue| {
        assert_eq!(cmd.as_string().as_deref(), Some("addEventListener"));
        assert_eq!(version.as_f64(), Some(2.0));
        cb.unchecked_ref::<js_sys::Function>().call2(&JsValue::NULL, &tc2, &JsValue::TRUE).unwrap();
    });
    Reflect::set(&window, &"__tcfapi".into(), api.as_ref()).unwrap();
    let seen: Rc<RefCell<Vec<Signal>>> = Rc::default();
    let seen2 = seen.clone();
    let callback = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |data: JsValue, _ok: JsValue| {
        seen2.borrow_mut().extend(kizuna::web::consent::tcf_signal(&data));
    });
    assert!(kizuna::web::consent::listen_tcf(&callback));
    assert_eq!(seen.borrow().len(), 1);
    assert!(matches!(seen.borrow()[0], Signal::Tcf(kizuna::core::consent::tcf::TcfConsent::Decided { storage: true, analytics: true, .. })));
    Reflect::delete_property(&window, &"__tcfapi".into()).unwrap();

    // Consent Mode: commands already in dataLayer, and later pushes of
    // gtag's `arguments` objects (with every argument still pushed).
    let layer = Array::new();
    let gtag_args = js_sys::JSON::parse(r#"{"0":"consent","1":"default","2":{"analytics_storage":"denied"}}"#).unwrap();
    layer.push(&gtag_args);
    layer.push(&js_sys::JSON::parse(r#"{"event":"gtm.js"}"#).unwrap());
    Reflect::set(&window, &"dataLayer".into(), &layer).unwrap();
    let pushed: Rc<RefCell<Vec<Signal>>> = Rc::default();
    let pushed2 = pushed.clone();
    let notify = Closure::<dyn FnMut(JsValue)>::new(move |entry: JsValue| pushed2.borrow_mut().extend(kizuna::web::consent::gcm_signal(&entry)));
    let existing = kizuna::web::consent::listen_gcm(&notify);
    assert_eq!(existing.len(), 1, "the default already there");
    let push: js_sys::Function = Reflect::get(&layer, &"push".into()).unwrap().unchecked_into();
    let update = js_sys::JSON::parse(r#"["consent","update",{"analytics_storage":"granted"}]"#).unwrap();
    let n = push.call2(&layer, &update, &js_sys::JSON::parse(r#"{"event":"x"}"#).unwrap()).unwrap();
    assert_eq!(n.as_f64(), Some(4.0), "the original push ran with both arguments");
    assert_eq!(pushed.borrow().len(), 1);
    Reflect::delete_property(&window, &"dataLayer".into()).unwrap();
    // No dataLayer: one is created, as gtag's snippet would.
    assert!(kizuna::web::consent::listen_gcm(&notify).is_empty());
    assert!(Array::is_array(&Reflect::get(&window, &"dataLayer".into()).unwrap()));
    Reflect::delete_property(&window, &"dataLayer".into()).unwrap();
}

#[wasm_bindgen_test]
async fn opt_in_without_a_choice_writes_nothing_and_a_grant_sends() {
    let ls = local_storage();
    ls.clear().unwrap();
    let rt = start_runtime(vec![("consent", Input::Object(vec![("mode".into(), Input::String("opt-in".into()))]))]);
    let t = tag("optin");
    rt.record(Call::Track, Input::String("Waiting".into()), tagged(&t, 0), Input::Undefined);
    assert_eq!(ls.length().unwrap(), 0, "nothing stored before a choice");
    assert_eq!(rt.queued(), 0, "nothing queued: buffered in memory");
    let grant = Input::Object(vec![("analytics".into(), Input::Bool(true))]);
    rt.set_consent(grant, Input::Undefined);
    assert_eq!(wait_for_tag(&t, 1).await, 1, "the buffered event went out on the grant");
    assert!(ls.get_item("kizuna:consent").unwrap().is_some());
    assert!(ls.get_item("kizuna:anonymousId").unwrap().is_some());
    ls.clear().unwrap();
    let mut jar = kizuna::web::cookies::DocumentCookies::open();
    kizuna::core::platform::Cookies::remove(&mut jar, "kz_consent");
}

#[wasm_bindgen_test]
fn the_holdout_hash_matches_its_published_vectors_in_the_browser() {
    assert_eq!(fixtures::check_holdout_vectors(), Ok(7));
}

#[wasm_bindgen_test]
fn the_sanitizer_matches_the_golden_cases_in_the_browser() {
    assert!(fixtures::check_sanitize_cases().unwrap() >= 30);
}
