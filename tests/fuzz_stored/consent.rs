//! The consent record, `kizuna:consent` (`{v, categories, updatedAt,
//! source}`), and the cookie `kz_consent` (the same JSON, percent-encoded):
//! read at start (the edge passes the cookie, decoded, when localStorage
//! has no record) and from another tab (`Input::ConsentRecord`). Beyond
//! the page's oracles, a record Kizuna accepts must be one serde_json
//! reads the same way, and the engine must then hold exactly its choice;
//! one it refuses counts as no choice.

use std::collections::BTreeMap;

use kizuna::engine::consent::record::{cookie_encode, Record, COOKIE_NAME, STORAGE_KEY};
use kizuna::engine::consent::{Category, Choice};
use kizuna::engine::text::json::quoted;
use serde_json::Value as J;

use crate::fuzzing::{report, scale, Rng};
use crate::mutate::{mutate, truncations};
use crate::oracle::{self, parse, Given};
use crate::sim::{open, Sim};

/// Records as banners leave them: every category set, some, a source
/// with what JSON escapes.
fn left_behind() -> Vec<(String, String)> {
    [
        (r#"{"analytics":true,"personalization":false,"marketing":true}"#, "banner \\\"é\\\" \\u001f\\u001e 😀"),
        (r#"{"analytics":false}"#, "api"),
        (r#"{"personalization":true,"marketing":false}"#, "cmp"),
    ]
    .iter()
    .map(|(choices, source)| {
        let mut a = Sim::new(&open());
        a.consent(choices, source);
        (a.store[STORAGE_KEY].clone(), a.cookie.clone().expect("a cookie"))
    })
    .collect()
}

/// What `decodeURIComponent` makes of a cookie's value as `readCookie`
/// finds it (`document.cookie` split at `;`, trimmed); `None` where it
/// throws (then nothing is passed).
pub fn decode_cookie(value: &str) -> Option<String> {
    let v = value.split(';').next().unwrap_or("").trim();
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = v.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok().filter(|_| hex.bytes().all(|c| c.is_ascii_hexdigit()))?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The choice serde_json reads in `text`, where `Record::parse` accepted
/// it: `Err` says where they disagree.
fn agrees(text: &str, r: &Record) -> Result<(), String> {
    let v = match parse(text) {
        Ok(v) => v,
        // JSON.parse reads a number past the double range as Infinity,
        // serde_json refuses it: nothing to compare.
        Err(e) if e.contains("out of range") => return Ok(()),
        Err(e) => return Err(format!("accepted what serde_json refuses: {e}")),
    };
    let whole = |x: &J| x.as_f64().is_some_and(|n| n.fract() == 0.0);
    if v["v"].as_f64() != Some(1.0) || !v["categories"].is_object() || !whole(&v["updatedAt"]) {
        return Err(format!("accepted a record without v 1, categories or updatedAt: {v}"));
    }
    for c in Category::CHOOSABLE {
        let want = match &v["categories"][c.name()] {
            J::Null => Choice::Unknown,
            x => x.as_str().and_then(Choice::parse).ok_or_else(|| format!("accepted {} = {x}", c.name()))?,
        };
        if r.categories.get(c) != want {
            return Err(format!("{} read as {:?}, serde_json reads {want:?}", c.name(), r.categories.get(c)));
        }
    }
    Ok(())
}

/// The consent a page holds after starting on `stored` (effective, as
/// `consent.get()` gives it); kept per record, most cases read the same.
fn held(stored: Option<&str>) -> String {
    thread_local! {
        static HELD: std::cell::RefCell<BTreeMap<Option<String>, String>> = const { std::cell::RefCell::new(BTreeMap::new()) };
    }
    let key = stored.map(String::from);
    if let Some(known) = HELD.with(|h| h.borrow().get(&key).cloned()) {
        return known;
    }
    let store = stored.map(|t| BTreeMap::from([(STORAGE_KEY.to_string(), t.to_string())])).unwrap_or_default();
    let consent = Sim::with_store(&open(), store).t.status().consent;
    HELD.with(|h| h.borrow_mut().insert(key, consent.clone()));
    consent
}

/// One case: a page starts on `text` as its stored record (or, `other_tab`,
/// is handed it as another tab's). The engine must hold what
/// `Record::parse` reads (checked against serde_json), or no choice.
pub fn check(what: &str, text: &str, other_tab: bool) {
    let parsed = Record::parse(text);
    if let Ok(r) = &parsed {
        if let Err(e) = agrees(text, r) {
            panic!("{what}: {e}\ninput: {text:?}");
        }
    }
    let given = if other_tab {
        Given { consent_record: Some(quoted(text)), ..Given::default() }
    } else {
        Given { store: BTreeMap::from([(STORAGE_KEY.to_string(), text.to_string())]), ..Given::default() }
    };
    let ran = oracle::check(what, text, &given);
    let want = held(parsed.as_ref().ok().map(|r| r.to_json()).as_deref());
    assert_eq!(ran.sim.t.status().consent, want, "{what}: the choice held\ninput: {text:?}");
}

/// A corpus entry (`consent:` is the stored record, `cookie:` the
/// cookie's value, `consent-tab:` another tab's record).
pub fn check_kept(format: &str, value: &str) {
    match format {
        "cookie" => {
            if let Some(text) = decode_cookie(value) {
                check("kept cookie", &text, false);
            }
        }
        "consent-tab" => check("kept record from another tab", value, true),
        _ => check("kept record", value, false),
    }
}

#[test]
fn valid_records_and_cookies_round_trip() {
    for (text, cookie) in left_behind() {
        let r = Record::parse(&text).expect("readable");
        assert_eq!(r.to_json(), text, "read and written back, the same text");
        let cookie = cookie.strip_prefix(&format!("{COOKIE_NAME}=")).unwrap_or(&cookie);
        assert_eq!(cookie, cookie_encode(&text));
        assert_eq!(decode_cookie(cookie).as_deref(), Some(text.as_str()), "the cookie holds the record");
        check("valid record", &text, false);
        check("valid record from another tab", &text, true);
        let s = Sim::with_store(&open(), BTreeMap::from([(STORAGE_KEY.to_string(), text.clone())]));
        for c in Category::CHOOSABLE {
            assert_eq!(s.t.consent().get(c) == Choice::Denied, r.categories.get(c) == Choice::Denied, "{}: {text}", c.name());
        }
    }
}

#[test]
fn every_cut_of_a_record_and_a_cookie_is_read_totally() {
    let started = std::time::Instant::now();
    let mut n = 0;
    let (text, cookie) = &left_behind()[0];
    // Every other position of the record (from storage and from another
    // tab in turn), every position of the cookie.
    for (i, cut) in truncations(text).enumerate().filter(|(i, _)| i % 2 == 0) {
        check("cut record", cut, i % 4 == 0);
        n += 1;
    }
    for cut in truncations(cookie).filter_map(decode_cookie) {
        check("cut cookie", &cut, false);
        n += 1;
    }
    report("consent: cuts", n, started);
}

#[test]
fn mutated_records_and_cookies_are_read_totally() {
    let started = std::time::Instant::now();
    let valid = left_behind();
    let mut r = Rng::new(0x636f_6e73);
    let n = 300 * scale();
    for case in 0..n {
        let (text, cookie) = r.pick(&valid);
        match case % 3 {
            0 => check(&format!("record case {case}"), &mutate(&mut r, text), false),
            1 => check(&format!("record from another tab, case {case}"), &mutate(&mut r, text), true),
            _ => {
                if let Some(text) = decode_cookie(&mutate(&mut r, cookie)) {
                    check(&format!("cookie case {case}"), &text, false);
                }
            }
        }
    }
    report("consent: mutations", n, started);
}
