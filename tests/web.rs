//! Browser tests, run by wasm-bindgen-test in headless Chromium: the engine
//! compiled to wasm, held to the same golden fixtures as on the host, its
//! numbers and times against the browser's own, the edge's real cleaner
//! of a call's properties (js/edge/capture.js) on real JavaScript values,
//! and both modules' exports end to end.

#![cfg(target_arch = "wasm32")]

mod golden;

#[path = "codec/mod.rs"]
mod codec;

use js_sys::{Array, Date, Object, Reflect, JSON};
use kizuna::engine::text::num::{write_fixed, write_i64};
use kizuna::engine::text::time::write_iso8601;
use kizuna::wasm::personalize::{personalize_run, personalize_start};
use kizuna::wasm::tracker::{run, start, stop};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/js/edge/capture.js")]
extern "C" {
    #[wasm_bindgen(js_name = cleanJson)]
    fn clean_json(v: &JsValue, budget: f64, problems: &Array, path: &str) -> JsValue;
    fn flat(v: &JsValue) -> JsValue;
}

#[wasm_bindgen(inline_js = "export function values() {
  const cyclic = { ok: true }; cyclic.self = cyclic;
  const { proxy, revoke } = Proxy.revocable({}, {}); revoke();
  return {
    bad: { fn() {}, sym: Symbol('s'), big: 10n, nan: NaN, inf: -Infinity, map: new Map(), cyclic, when: new Date(0), never: new Date(NaN),
      list: [1, () => 1, undefined], get boom() { throw new Error('no'); }, u: undefined },
    proxy,
    huge: { a: new Array(1e9) },
    flat: { sku: 'A1', price: 19.9, qty: 2, ok: true, none: null },
  };
}")]
extern "C" {
    fn values() -> JsValue;
}

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap()
}

#[wasm_bindgen_test]
fn the_golden_fixtures_hold_in_the_browser_build() {
    assert_eq!(golden::check_encode_cases(), Ok(4));
    assert!(golden::check_consent_cases().unwrap() >= 20);
    assert_eq!(golden::check_holdout_vectors(), Ok(7));
}

#[wasm_bindgen_test]
fn numbers_and_times_print_as_the_browser_prints_them() {
    for n in [0.0f64, 7.0, -3.0, 1e15, 123456789012345.0, 1795363980123.0, 9007199254740991.0, 2.5, 0.125, -1.5, 19.9, 0.05] {
        let mut ours = String::new();
        if n == n.trunc() {
            write_i64(&mut ours, n as i64);
        } else {
            write_fixed(&mut ours, n, 6);
        }
        let theirs = String::from(js_sys::Number::from(n).to_string_with_radix(10).unwrap());
        assert_eq!(ours, theirs, "{n}");
    }
    for ms in [0.0, 951782400000.0, 1795363980123.0, 4102444799999.0, -1.0, 253402300799999.0] {
        let mut ours = String::new();
        write_iso8601(&mut ours, ms);
        assert_eq!(ours, String::from(Date::new(&ms.into()).to_iso_string()), "{ms}");
    }
}

#[wasm_bindgen_test]
fn the_edges_cleaner_on_real_values() {
    // What a call's properties become (js/edge/call.js, whose messages
    // tests/call.test.mjs checks in node and tests/e2e/bad-input.test.mjs
    // in every browser): plain JSON, what JSON cannot hold left out and
    // named by its path.
    let v = values();
    let problems = Array::new();
    let json = clean_json(&get(&v, "bad"), 65536.0, &problems, "properties").as_string().expect("JSON");
    let said: Vec<String> = problems.iter().filter_map(|p| p.as_string()).collect();
    for (path, what) in [
        ("fn", "a function"),
        ("sym", "a symbol"),
        ("big", "a BigInt"),
        ("nan", "NaN"),
        ("inf", "an infinite number"),
        ("map", "a Map, not a plain object"),
        ("cyclic.self", "a circular reference"),
        ("never", "an invalid Date"),
        ("boom", "unreadable (reading it threw)"),
        ("list[1]", "a function"),
    ] {
        let line = format!("properties.{path} is {what}");
        assert!(said.contains(&line), "{line}: {said:?}");
    }
    assert_eq!(said.len(), 10, "undefined is left out without a word: {said:?}");
    assert_eq!(json, r#"{"cyclic":{"ok":true},"when":"1970-01-01T00:00:00.000Z","list":[1,null,null]}"#);
    let unreadable = Array::new();
    assert!(clean_json(&get(&v, "proxy"), 65536.0, &unreadable, "p").is_undefined(), "a revoked proxy cannot be read");
    assert_eq!(unreadable.get(0).as_string().as_deref(), Some("p is unreadable (reading it threw)"));
    let t0 = Date::now();
    assert_eq!(
        clean_json(&get(&v, "huge"), 65536.0, &Array::new(), "h").as_string().as_deref(),
        Some("!l"),
        "a huge array is refused without walking it"
    );
    assert!(Date::now() - t0 < 1000.0);
    let flat_json = flat(&get(&v, "flat")).as_string().expect("a flat object takes the fast path");
    assert_eq!(flat_json, r#"{"sku":"A1","price":19.9,"qty":2,"ok":true,"none":null}"#);
    assert!(flat(&get(&v, "bad")).is_null(), "anything else is cleaned");
}

fn init_text(config: &str) -> String {
    let (rs, us) = ('\u{1e}', '\u{1f}');
    [
        format!("n{}", Date::now()),
        format!("p1{us}1{us}https://shop.example/p?utm_source=news{us}{us}\"P\"{us}{{\"utm_source\":\"news\"}}{us}\"shoes\""),
        codec::config_text(config),
        format!("S\"en\"{us}\"UA\"{us}1280{us}720{us}00112233445566778899aabbccddeeff{us}{us}{us}{us}{us}"),
    ]
    .join(&rs.to_string())
}

/// The records of a crossing (see tests/codec), by kind.
fn answers(table: &str, out: &[u8]) -> Vec<(u8, Vec<codec::F>)> {
    codec::read(table, out)
}

#[wasm_bindgen_test]
fn the_tracker_exports_run_a_whole_crossing() {
    let (rs, us) = ('\u{1e}', '\u{1f}');
    let out = answers(
        "tracker.out",
        &start(&codec::from_text("tracker.in", &init_text(r#"{"endpoint":"/collect","writeKey":"w","consent":{"mode":"opt-out"}}"#))),
    );
    assert_eq!(out[0].0, b'N', "the handle first");
    let handle = out[0].1[0].n() as u32;
    assert!(out.iter().any(|(k, f)| *k == b'S' && f[0].s() == "kizuna:anonymousId"));
    let text = format!("n{now}{rs}t1{us}{now}{us}\"Viewed\"{us}{{\"a\":1}}{rs}f0", now = Date::now());
    let out = answers("tracker.out", &run(handle, &codec::from_text("tracker.in", &text)));
    let (_, post) = out.iter().find(|r| r.0 == b'P').expect("the flush posts");
    let parsed = JSON::parse(post[3].s()).expect("the browser parses the body");
    let first_event = Array::from(&get(&parsed, "batch")).get(0);
    assert_eq!(get(&first_event, "event").as_string().as_deref(), Some("Viewed"));
    assert_eq!(get(&get(&get(&first_event, "context"), "campaign"), "source").as_string().as_deref(), Some("news"));
    let refused = answers("tracker.out", &start(&codec::from_text("tracker.in", "S")));
    assert_eq!(refused[0].0, b'X');
    assert!(refused[0].1[0].s().starts_with("invalid config"), "a start without a config is refused with a message");
    stop(handle);
    assert!(run(handle, &codec::from_text("tracker.in", "w")).is_empty(), "a stopped engine answers nothing");
}

#[wasm_bindgen_test]
fn the_personalization_exports_decide_and_keep_decisions_for_the_page_view() {
    let (rs, us) = ('\u{1e}', '\u{1f}');
    let config = r#"{"slots":{"hero":{"variants":{"a":{"tags":"shoes"},"b":{"tags":"hats"}}}}}"#;
    let init = format!(
        "n{}{rs}p/{us}{us}{us}{rs}{}",
        Date::now(),
        codec::pz_init(config, &["", "visitor-1", "0123456789abcdef0123456789abcdef", "1", "1", "1280"])
    );
    let out = answers("personalizer.out", &personalize_start(&codec::from_text("personalizer.in", &init)));
    assert_eq!(out[0].0, b'N');
    let handle = out[0].1[0].n() as u32;
    let crossing = |text: &str| answers("personalizer.out", &personalize_run(handle, &codec::from_text("personalizer.in", text)));
    let decide = || {
        let out = crossing("a\"hero\"");
        let (_, r) = out.into_iter().find(|r| r.0 == b'R').unwrap();
        JSON::parse(r[2].s()).unwrap()
    };
    let first = decide();
    let variant = get(&first, "variant").as_string().unwrap();
    assert!(variant == "a" || variant == "b");
    let p = get(&first, "propensity").as_f64().unwrap();
    assert!(p > 0.0 && p <= 1.0);
    for _ in 0..5 {
        assert_eq!(get(&decide(), "variant").as_string().unwrap(), variant, "one decision for the page view");
    }
    let viewed = crossing("v\"hero\"");
    let (_, t) = viewed.iter().find(|r| r.0 == b'T').expect("an exposure event");
    let props = JSON::parse(t[1].s()).unwrap();
    assert_eq!(get(&props, "variant").as_string().unwrap(), variant);
    let profile = crossing("q");
    assert_eq!(profile[0].0, b'Q');
    let _: Object = JSON::parse(profile[0].1[0].s()).unwrap().into();
}
