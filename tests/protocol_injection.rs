//! No text from outside can become an engine record or a field of one.
//!
//! Property test over both engines, driven through the binary codec of
//! `src/engine/protocol.json` (`edge::start`/`edge::run`, `Personalizer::run`):
//! event names, properties, user ids, traits, page titles and topics,
//! consent options, stored values and keys, slot names and variant ids are
//! drawn from fragments that spell records (`U+001E P9 U+001F 1 U+001F
//! https://evil.example/…`), every control character, lone surrogates and
//! very long strings. Every record the engines answer must be one the
//! description has, with its layout, and carry only the effects expected: requests to the
//! configured collector only, storage keys of Kizuna's own, events named
//! as called, console lines of one level and one message.

#[path = "codec/mod.rs"]
mod codec;

use kizuna::engine::edge;
const RS: char = '\u{1e}';
const US: char = '\u{1f}';
use kizuna::engine::personalize::Personalizer;
use serde_json::Value as J;
use std::collections::BTreeSet;

/// SplitMix64: a fixed seed gives the same cases on every run.
struct Rand(u64);

impl Rand {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Pieces hostile text is made of: separators, forged records, every
/// control character, quotes, backslashes, multi-byte characters.
const PIECES: &[&str] = &[
    "\u{1e}",
    "\u{1f}",
    "\u{1d}",
    "\u{1e}P9\u{1f}1\u{1f}https://evil.example/c\u{1f}x",
    "\u{1e}Skizuna:consent\u{1f}{\"analytics\":true}",
    "\u{1e}K1",
    "\u{1e}Hx",
    "\u{1e}T\"Forged\"\u{1f}{}",
    "\u{1e}Dkizuna:anonymousId",
    "\u{1e}B/evil\u{1f}{}",
    "\u{0}",
    "\n",
    "\r",
    "\t",
    "\"",
    "\\",
    "é",
    "😀",
    "\u{7f}",
    "\u{2028}",
    "x",
    "name",
    " ",
    "<script>",
    "!v",
    "!o\"Map\"",
];

/// Hostile text (sometimes very long).
fn text(r: &mut Rand) -> String {
    if r.below(40) == 0 {
        return "\u{1e}P1\u{1f}0\u{1f}https://evil.example/\u{1f}".repeat(1 + r.below(3000));
    }
    let mut s = String::new();
    for _ in 0..1 + r.below(12) {
        s.push_str(PIECES[r.below(PIECES.len())]);
    }
    for _ in 0..r.below(3) {
        s.push(char::from_u32(r.below(0x20) as u32).unwrap());
    }
    s
}

/// `s` as the driver writes it: `JSON.stringify`, sometimes with a lone
/// surrogate (which `JSON.stringify` writes as an escape).
fn lit(r: &mut Rand, s: &str) -> String {
    let mut l = serde_json::to_string(s).unwrap();
    if r.below(8) == 0 {
        l.insert_str(1, ["\\ud800", "\\udfff", "\\ud83d"][r.below(3)]);
    }
    l
}

/// Hostile text as a literal.
fn hlit(r: &mut Rand) -> String {
    let s = text(r);
    lit(r, &s)
}

fn props(r: &mut Rand) -> String {
    let mut o = String::from("{");
    for i in 0..r.below(4) {
        if i > 0 {
            o.push(',');
        }
        let (k, v) = (text(r), text(r));
        o.push_str(&lit(r, &k));
        o.push(':');
        o.push_str(&lit(r, &v));
    }
    o.push('}');
    o
}

fn rec(kind: &str, fields: &[&str]) -> Vec<u8> {
    codec::rec("tracker.in", kind.as_bytes()[0], fields)
}

fn prec(kind: &str, fields: &[&str]) -> Vec<u8> {
    codec::rec("personalizer.in", kind.as_bytes()[0], fields)
}

/// Every record of `out` (each held to its layout), its fields as text.
fn records(table: &str, out: &[u8]) -> Vec<(String, Vec<String>)> {
    codec::read(table, out).into_iter().map(|(k, f)| ((k as char).to_string(), f.iter().map(codec::F::show).collect())).collect()
}

const ENDPOINT: &str = "https://collect.example/v1/batch";
const OWN_KEYS: &[&str] = &[
    "kizuna:anonymousId",
    "kizuna:userId",
    "kizuna:traits",
    "kizuna:consent",
    "kizuna:signals",
    "kizuna:session",
    "kizuna:profile",
    "kizuna:remote",
];

/// One of Kizuna's keys; a stored queue's of `owner` (another's may be
/// removed once taken over: `owner` empty).
fn own_key(key: &str, owner: &str) -> bool {
    if OWN_KEYS.contains(&key) {
        return true;
    }
    let rest = key.strip_prefix("kizuna:q.").unwrap_or("");
    let owner = if owner.is_empty() && rest.len() >= 12 { &rest[..12] } else { owner };
    if !owner.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    match rest.strip_prefix(owner) {
        Some("") => true,
        Some(seg) => seg.strip_prefix('.').is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())),
        None => false,
    }
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A request body: JSON, where a lone surrogate escape (which
/// `JSON.stringify` writes and `JSON.parse` reads) stands for U+FFFD, as
/// serde_json would otherwise refuse it.
fn parse(body: &str) -> J {
    let b = body.as_bytes();
    let mut text = String::with_capacity(body.len());
    let mut i = 0;
    let surrogate = |at: usize| -> Option<u32> {
        let hex = body.get(at + 2..at + 6)?;
        (b.get(at) == Some(&b'\\') && b.get(at + 1) == Some(&b'u'))
            .then(|| u32::from_str_radix(hex, 16).ok())
            .flatten()
            .filter(|n| (0xd800..0xe000).contains(n))
    };
    while i < b.len() {
        if b[i] == b'\\' {
            match (surrogate(i), surrogate(i + 6)) {
                (Some(hi), Some(lo)) if hi < 0xdc00 && lo >= 0xdc00 => {
                    text.push_str(&body[i..i + 12]);
                    i += 12;
                }
                (Some(_), _) => {
                    text.push_str("\\ufffd");
                    i += 6;
                }
                _ => {
                    text.push_str(&body[i..i + 2]);
                    i += 2;
                }
            }
        } else {
            let n = body[i..].chars().next().unwrap().len_utf8();
            text.push_str(&body[i..i + n]);
            i += n;
        }
    }
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {:.300}", &text[e.column().saturating_sub(100).min(text.len())..]))
}

/// Checks every record of a tracker answer; returns the requests' bodies.
fn check_tracker(out: &[u8], owner: &str, names: &BTreeSet<String>, bodies: &mut Vec<(u32, J)>) {
    for (kind, f) in records("tracker.out", out) {
        let r = format!("{kind}{}", f.join("\u{1f}"));
        let body = f.first().map_or("", String::as_str);
        let f: Vec<&str> = f.iter().map(String::as_str).collect();
        match kind.as_str() {
            "P" => {
                assert_eq!(f.len(), 4, "a request has four fields: {r:.200}");
                assert!(digits(f[0]) && matches!(f[1], "0" | "1"), "{r:.200}");
                assert_eq!(f[2], ENDPOINT, "requests go to the collector only");
                bodies.push((f[0].parse().unwrap(), parse(f[3])));
            }
            "B" => {
                assert_eq!((f.len(), f[0]), (2, ENDPOINT), "beacons go to the collector only");
                bodies.push((0, parse(f[1])));
            }
            "W" => assert!(digits(body), "{r}"),
            "S" => {
                let key = f[0];
                assert!(own_key(key, owner), "a storage write of Kizuna's own keys only, not {key:?}");
            }
            "D" => assert!(own_key(body, ""), "a storage removal of Kizuna's own keys only, not {body:?}"),
            "K" => assert!(body.bytes().all(|b| b.is_ascii_alphanumeric() || b"%-_.~".contains(&b)), "the cookie is encoded: {body}"),
            "L" => {
                // Whatever the message quotes stays inside it: the framing says where it ends.
                assert!(matches!(f[0], "d" | "i" | "w" | "e") && f.len() == 2, "a console line is a level and one message: {r:.300}");
            }
            "F" => assert!(f.len() == 5 && f.iter().all(|x| digits(x)), "{r}"),
            "C" => {
                serde_json::from_str::<J>(body).unwrap();
            }
            "k" | "r" | "d" | "f" => assert!(digits(f[0]), "{r:.200}"),
            "s" => assert!(digits(f[0]) && own_key(f[1], owner), "{r}"),
            "x" => assert!(f.is_empty()),
            "A" | "Y" => assert!(matches!(body, "0" | "1"), "{r}"),
            "G" => assert!(matches!(body.as_bytes().first(), Some(b'p' | b'e' | b'c' | b'a')), "{r:.200}"),
            "Z" => assert_eq!(f.len(), 18, "the status has its fields: {r:.300}"),
            _ => panic!("a record the edge does not know: {r:.300}"),
        }
    }
    for (_, b) in bodies.iter() {
        for e in b["batch"].as_array().unwrap() {
            if let Some(name) = e["event"].as_str() {
                assert!(names.contains(&name.replace('\u{fffd}', "")), "an event named as a call named it, not {name:?}");
            }
        }
    }
}

fn owner_of(out: &[u8]) -> String {
    let (_, z) = records("tracker.out", out).into_iter().find(|r| r.0 == "Z").expect("a status");
    z[11].clone()
}

#[test]
fn no_text_from_a_site_or_from_storage_becomes_a_tracker_record() {
    let mut r = Rand(0x6b69_7a75_6e61);
    let mut total = 0;
    for case in 0..60 {
        let debug = case % 2 == 0;
        let small = if case % 3 == 0 { ",\"batch\":{\"maxEventBytes\":600}" } else { "" };
        let config = format!("{{\"endpoint\":\"{ENDPOINT}\",\"writeKey\":\"k\",\"debug\":{debug},\"consent\":{{\"mode\":\"opt-out\"}},\"sessions\":true{small}}}");
        let (title, topics) = (text(&mut r), text(&mut r));
        let stored = [text(&mut r), text(&mut r), props(&mut r), text(&mut r), text(&mut r)].map(|s| lit(&mut r, &s));
        let init = [
            rec("n", &["1795363980000"]),
            rec("p", &["1", "1", "https://shop.example/p?utm_source=x", "", &lit(&mut r, &title), "{}", &lit(&mut r, &topics)]),
            codec::from_text("tracker.in", &codec::config_text(&config)),
            rec(
                "S",
                &[
                    "\"ja\"",
                    "\"UA\"",
                    "1440",
                    "900",
                    "0123456789abcdef0123456789abcdef",
                    &stored[0],
                    &stored[1],
                    &stored[2],
                    &stored[3],
                    &stored[4],
                ],
            ),
        ]
        .concat();
        let mut t = edge::start(&init).unwrap_or_else(|e| panic!("starts: {e}"));
        let first = edge::actions(&mut t);
        let owner = owner_of(&first);
        let mut names: BTreeSet<String> = [
            "Form Started",
            "Form Submitted",
            "Form Abandoned",
            "Link Clicked",
            "Button Clicked",
            "Consent Updated",
            "Page Engagement",
            "Scroll Depth",
        ]
        .map(String::from)
        .into();
        let mut bodies = Vec::new();
        check_tracker(&first, &owner, &names, &mut bodies);
        let mut now = 1_795_363_980_000u64;
        for step in 0..40 {
            now += 1 + r.below(3000) as u64;
            let name = text(&mut r);
            names.insert(name.replace('\u{fffd}', ""));
            let n = lit(&mut r, &name);
            let p = props(&mut r);
            let t_ = now.to_string();
            let record = match r.below(12) {
                0..=3 => rec("t", &["1", &t_, &n, &p]),
                4 => rec("T", &["1", &t_, "1", &n, "", &p, &text(&mut r), "1"]),
                5 => rec("I", &["1", &t_, "1", "", &name, &p, "", "1"]),
                6 => rec("V", &["1", &t_, "1", &n, "", &p, &hlit(&mut r), "1"]),
                7 => rec("c", &[["0", "1"][r.below(2)], ["0", "1", "2", "7"][r.below(4)], "1", &name]),
                8 => {
                    let key = ["kizuna:q.", &text(&mut r)].concat().replace(RS, "");
                    rec("e", &[&key, &text(&mut r).replace(RS, "")])
                }
                9 => rec("R", &[&hlit(&mut r)]),
                10 => rec("a", &[&(step % 4).to_string(), ["200", "503", "0", "429"][r.below(4)], &text(&mut r).replace([RS, US], "")]),
                _ => {
                    let (k, f) = [("w", ""), ("h", ""), ("x", ""), ("f", "7"), ("k", "\"shoes\""), ("y", "1"), ("l", "0")][r.below(7)];
                    rec(k, &[f])
                }
            };
            let out = edge::run(&mut t, &[rec("n", &[&now.to_string()]), record].concat());
            check_tracker(&out, &owner, &names, &mut bodies);
        }
        total += bodies.iter().map(|(_, b)| b["batch"].as_array().map_or(0, Vec::len)).sum::<usize>();
    }
    assert!(total > 500, "the cases send events ({total})");
}

fn check_personalizer(out: &[u8]) {
    for (kind, f) in records("personalizer.out", out) {
        let r = format!("{kind}{}", f.join("\u{1f}"));
        let body = f.first().map_or("", String::as_str);
        let f: Vec<&str> = f.iter().map(String::as_str).collect();
        match kind.as_str() {
            "R" => {
                assert_eq!(f.len(), 3, "a decision is slot, variant, JSON: {r:.300}");
                for x in &f {
                    serde_json::from_str::<J>(x).unwrap_or_else(|e| panic!("{e}: {x:.300}"));
                }
            }
            "T" => {
                assert_eq!(f.len(), 2, "{r:.300}");
                let name: String = serde_json::from_str(f[0]).unwrap();
                assert!(
                    [
                        "Slot Viewed",
                        "Slot Clicked",
                        "Recommendation Viewed",
                        "Recommendation Clicked",
                        "Journey Shown",
                        "Journey Dismissed",
                        "Survey Shown",
                        "Survey Dismissed",
                        "Survey Responded",
                        "Audience Report"
                    ]
                    .contains(&name.as_str()),
                    "the personalizer makes its own events only, not {name:?}"
                );
                assert!(serde_json::from_str::<J>(f[1]).unwrap().is_object());
            }
            "S" => assert_eq!(f[0], "kizuna:profile", "{r:.200}"),
            "D" => assert_eq!(body, "kizuna:profile"),
            "W" => assert!(digits(body), "{r}"),
            "L" => assert!(matches!(f[0], "d" | "w" | "e") && f.len() == 2, "{r:.300}"),
            "E" => assert_eq!(f.len(), 1, "an explanation is one field: {r:.300}"),
            "Q" | "M" | "J" => {
                for x in &f {
                    serde_json::from_str::<J>(x).unwrap_or_else(|e| panic!("{e}: {x:.300}"));
                }
            }
            _ => panic!("a record the personalization edge does not know: {r:.300}"),
        }
    }
}

#[test]
fn no_slot_name_variant_or_stored_profile_becomes_a_personalizer_record() {
    let mut r = Rand(0x736c_6f74);
    for case in 0..60 {
        let slot = text(&mut r);
        let variants: Vec<String> = (0..1 + r.below(3)).map(|_| text(&mut r)).collect();
        // Half the cases configure the slot and its variants by name (as
        // the edge writes a valid config's records); half only in markup
        // (which the engine takes as it comes).
        let mut init = vec![prec("n", &["1000"]), prec("P", &["14", "1", "2", "0", "2", "7"])];
        if case % 2 == 0 {
            init.push(prec("Y", &[&slot, "0", "0.1"]));
            for v in &variants {
                init.push(prec("Z", &[v, "0", "0", "0", "0", "", "", ""]));
            }
        }
        let stored = hlit(&mut r);
        init.push(prec("S", &[&stored, "vid", "00112233", "1", "1", "1200"]));
        let mut p = Personalizer::start(&init.concat());
        check_personalizer(&p.take_output());
        let markup =
            format!("[{}]", variants.iter().map(|v| format!("[{},{}]", lit(&mut r, v), hlit(&mut r))).collect::<Vec<_>>().join(","));
        let s = lit(&mut r, &slot);
        let page = prec("p", &[&text(&mut r), &text(&mut r), &text(&mut r), &text(&mut r), &text(&mut r), &text(&mut r)]);
        for input in [
            page,
            prec("d", &["0", &s, &markup, &lit(&mut r, &variants[0])]),
            prec("a", &[&s]),
            prec("v", &[&s]),
            prec("k", &[&s]),
            prec("e", &[&s]),
            prec("q", &[]),
            prec("h", &[]),
        ] {
            check_personalizer(&p.run(&[prec("n", &["2000"]), input].concat()));
        }
        let other = hlit(&mut r);
        check_personalizer(&p.run(&[prec("n", &["3000"]), prec("e", &[&other])].concat()));
    }
}
