//! `text::json` against `serde_json`, on seeded random inputs: random JSON
//! (escapes, surrogate pairs, multi-byte characters, whitespace, repeated
//! keys, deep nesting), then mutated (cut, bytes replaced, quotes,
//! backslashes, control and multi-byte characters, markers inserted).
//! Every reader must agree with the oracle and none may panic. Documented
//! differences: a lone surrogate escape is JSON (as for `JSON.parse`;
//! `serde_json` refuses it), read as U+FFFD; `valid` refuses nesting deeper
//! than 64. Kept inputs: `tests/fixtures/fuzz/json.json`.

#![cfg(not(target_arch = "wasm32"))]

mod fuzzing;

use fuzzing::{corpus, report, rfc8259_number, scale, Rng};
use kizuna::engine::text::json;
use serde_json::Value;

/// `s` with every lone surrogate escape replaced by `\uFFFD`: what
/// `serde_json` reads as `JSON.parse` would, up to the one character a
/// Rust string cannot hold.
fn without_lone_surrogates(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |i: usize| b.get(i..i + 4).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u32::from_str_radix(h, 16).ok());
    let escape_at = |i: usize| (b.get(i..i + 2) == Some(b"\\u")).then(|| hex(i + 2)).flatten();
    let (mut out, mut i) = (String::new(), 0);
    while i < b.len() {
        match escape_at(i) {
            Some(hi @ 0xd800..=0xdbff) if matches!(escape_at(i + 6), Some(0xdc00..=0xdfff)) => {
                out.push_str(&s[i..i + 12]);
                i += 12;
                let _ = hi;
            }
            Some(0xd800..=0xdfff) => {
                out.push_str("\\uFFFD");
                i += 6;
            }
            _ if b[i] == b'\\' => {
                // Any other escape, whole: `\\` must not start a new one.
                let len = s[i + 1..].chars().next().map_or(0, char::len_utf8);
                out.push_str(&s[i..i + 1 + len]);
                i += 1 + len;
            }
            _ => {
                let c = s[i..].chars().next().unwrap();
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

/// `s` with every JSON number `serde_json` refuses as out of range (which
/// `JSON.parse` reads as ±Infinity, or 0) replaced: ±1e308 for infinite
/// ones (see [`number_agrees`]), the value written out for the others.
fn tame_numbers(s: &str) -> String {
    let (mut out, mut rest, mut in_string) = (String::new(), s, false);
    while let Some(c) = rest.chars().next() {
        let mut len = c.len_utf8();
        if in_string {
            in_string = c != '"';
            if c == '\\' {
                len += rest[1..].chars().next().map_or(0, char::len_utf8);
            }
        } else if c == '"' {
            in_string = true;
        } else if c == '-' || c.is_ascii_digit() {
            len = rest.find(|c: char| !matches!(c, '-' | '+' | '.' | 'e' | 'E' | '0'..='9')).unwrap_or(rest.len());
            let token = &rest[..len];
            if rfc8259_number(token) && serde_json::from_str::<Value>(token).is_err() {
                let v: f64 = token.parse().unwrap();
                out.push_str(&if v.is_infinite() { format!("{}1e308", if v < 0.0 { "-" } else { "" }) } else { format!("{v:e}") });
                rest = &rest[len..];
                continue;
            }
        }
        out.push_str(&rest[..len]);
        rest = &rest[len..];
    }
    out
}

/// Whether `got` (Kizuna's reading) is `want` (the oracle's), given that
/// the oracle read an infinite number as ±1e308.
fn number_agrees(got: f64, want: f64) -> bool {
    got == want || (got - want).abs() <= want.abs() * 1e-15 || (got.is_infinite() && want.abs() == 1e308 && got.signum() == want.signum())
}

/// What `JSON.parse` makes of `s`, by `serde_json` (on `s` itself first:
/// when that reads, there is nothing to replace).
fn oracle(s: &str) -> Result<Value, String> {
    serde_json::from_str(s).or_else(|_| serde_json::from_str(&tame_numbers(&without_lone_surrogates(s)))).map_err(|e| e.to_string())
}

/// How deep `v`'s arrays and objects nest (a scalar: 0).
fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

const JSON_WS: [char; 4] = [' ', '\t', '\n', '\r'];

/// Checks every reader on `s`; the oracle's reading of valid values is
/// checked again on each member and item (they are valid JSON too).
fn check(s: &str, r: &mut Rng) {
    let want = oracle(s);
    let ok = want.as_ref().is_ok_and(|v| depth(v) <= 64);
    assert_eq!(json::valid(s), ok, "valid({s:?}); serde_json: {want:?}");
    // The first value's readers, on any text: agree with serde_json on the
    // slice `first` cuts out.
    let first = json::first(s);
    let slice = if ok && first == s { want.clone() } else { oracle(first) };
    let text = json::string(s);
    if let Some(t) = &text {
        assert!(std::str::from_utf8(t.as_bytes()).is_ok());
    }
    match &slice {
        Ok(Value::String(want)) => assert_eq!(text.as_ref(), Some(want), "string({s:?})"),
        _ => assert_eq!(text, None, "string({s:?}); serde_json on {first:?}: {slice:?}"),
    }
    match (&slice, json::number(s)) {
        (Ok(Value::Number(n)), got) => {
            let want = n.as_f64().unwrap();
            let got = got.unwrap_or_else(|| panic!("number({s:?})"));
            assert!(number_agrees(got, want), "number({s:?}): {got} for {want}");
        }
        (_, got) => assert_eq!(got, None, "number({s:?})"),
    }
    // Nothing may panic on any text, and iteration ends.
    let _ = json::members(s).count();
    let _ = json::items(s).count();
    let _ = json::get(s, "a");
    let _ = json::field(s, "\u{e9}");
    let _ = json::boolean(s);
    let _ = json::integer(s);
    let _ = json::type_name(s);
    let _ = json::kind(s);
    for _ in 0..3 {
        let _ = json::skip(s.as_bytes(), r.below(s.len() + 2));
    }
    let Ok(want) = want else { return };
    if !ok {
        return;
    }
    assert_eq!(first, s.trim_matches(JSON_WS), "first({s:?})");
    assert_eq!(json::skip(s.as_bytes(), 0), Some(s.trim_end_matches(JSON_WS).len()), "skip({s:?})");
    check_valid(s, &want);
}

/// The structure readers on a valid value, recursively.
fn check_valid(s: &str, want: &Value) {
    match want {
        Value::Object(o) => {
            let mut got = serde_json::Map::new();
            let mut last = std::collections::HashMap::new();
            for (k, v) in json::members(s) {
                let key = json::string(k).unwrap_or_else(|| panic!("key {k:?} of {s:?}"));
                assert!(json::key_is(k, &key), "key_is({k:?}, {key:?})");
                let value = oracle(v).unwrap_or_else(|e| panic!("member {v:?} of {s:?}: {e}"));
                check_valid(v, &value);
                last.insert(key.clone(), v);
                got.insert(key, value);
            }
            // In order, the last of a repeated key's values, as JSON.parse.
            assert_eq!(got.iter().collect::<Vec<_>>(), o.iter().collect::<Vec<_>>(), "members({s:?})");
            for k in o.keys() {
                assert_eq!(json::get(s, k), Some(last[k]), "get({s:?}, {k:?})");
            }
            assert_eq!(json::items(s).count(), 0);
        }
        Value::Array(a) => {
            let items: Vec<&str> = json::items(s).collect();
            assert_eq!(items.len(), a.len(), "items({s:?})");
            for (item, v) in items.iter().zip(a) {
                assert_eq!(&oracle(item).unwrap(), v, "item {item:?} of {s:?}");
                check_valid(item, v);
            }
            assert_eq!(json::members(s).count(), 0);
        }
        Value::Bool(b) => assert_eq!(json::boolean(s), Some(*b)),
        _ => {}
    }
}

/// Random JSON whitespace (mostly none).
fn ws(r: &mut Rng, out: &mut String) {
    if r.one_in(4) {
        for _ in 0..1 + r.below(3) {
            out.push(*r.pick(&JSON_WS));
        }
    }
}

/// A random character, written raw or as any escape that means it.
fn string_char(r: &mut Rng, out: &mut String) {
    const RAW: &[char] =
        &['a', 'b', 'Z', '0', ' ', '~', '\u{7f}', 'é', 'ß', '日', '本', '😀', '\u{fffd}', '\u{2028}', ':', ',', '{', ']', '!', '/', '\''];
    match r.below(12) {
        0 => out.push_str(r.pick::<&str>(&["\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"])),
        1 => {
            let c = *r.pick(&['\u{0}', '\u{1f}', 'A', 'é', '\u{ffff}', '"', '\\', '\u{d7ff}', '\u{e000}']);
            let hex = format!("{:04x}", c as u32);
            out.push_str("\\u");
            out.push_str(&if r.one_in(2) { hex.to_uppercase() } else { hex });
        }
        2 => {
            // A surrogate pair (rarely a lone half: JSON.parse keeps it).
            let c = char::from_u32(0x10000 + r.below(0x100000) as u32).unwrap();
            let mut units = [0u16; 2];
            let units = c.encode_utf16(&mut units);
            let lone = r.one_in(20);
            for (i, u) in units.iter().enumerate() {
                if !(lone && i == 1) {
                    out.push_str(&format!("\\u{u:04X}"));
                }
            }
        }
        _ => out.push(*r.pick(RAW)),
    }
}

/// A random JSON number, as JSON.stringify or a person might write it.
fn number(r: &mut Rng, out: &mut String) {
    out.push_str(r.pick::<&str>(&["", "", "-"]));
    match r.below(5) {
        0 => out.push('0'),
        1 => out.push_str(&r.below(1_000_000).max(1).to_string()),
        2 => {
            // As JSON.stringify writes it: plain from 1e-7 to 1e21.
            let x = f64::from_bits(r.next() >> 2).abs().min(1e300);
            out.push_str(&if (1e-7..1e21).contains(&x) { format!("{x}") } else { format!("{x:e}") });
        }
        3 => out.push_str(&format!("{:e}", (r.next() >> 11) as f64 / 9e15)),
        _ => out.push_str(&format!("{}.{}e{}{}", 1 + r.below(9), r.below(1000), r.pick(&["", "+", "-"]), r.below(30))),
    }
}

/// A random JSON value, `depth` levels from the top.
fn value(r: &mut Rng, depth: usize, out: &mut String) {
    ws(r, out);
    let kinds = if depth > 6 { 5 } else { 8 };
    match r.below(kinds) {
        0 => out.push_str(r.pick::<&str>(&["null", "true", "false"])),
        1 | 2 => number(r, out),
        3 | 4 => {
            out.push('"');
            for _ in 0..r.below(8) {
                string_char(r, out);
            }
            out.push('"');
        }
        5 => {
            out.push('[');
            let n = r.below(5);
            for i in 0..n {
                if i > 0 {
                    out.push(',');
                }
                value(r, depth + 1, out);
            }
            ws(r, out);
            out.push(']');
        }
        _ => {
            out.push('{');
            let n = r.below(5);
            for i in 0..n {
                if i > 0 {
                    out.push(',');
                }
                ws(r, out);
                out.push('"');
                // Few distinct keys: repeats happen.
                out.push_str(r.pick::<&str>(&["a", "b", "\\u0061", "é", "k\\\"", ""]));
                out.push('"');
                ws(r, out);
                out.push(':');
                value(r, depth + 1, out);
            }
            ws(r, out);
            out.push('}');
        }
    }
    ws(r, out);
}

/// Nesting `n` levels deep, balanced or not.
fn nested(r: &mut Rng) -> String {
    let n = r.below(160);
    let (open, close) = if r.one_in(2) { ("[", "]") } else { ("{\"a\":", "}") };
    let mut s = open.repeat(n) + "1" + &close.repeat(n);
    if r.one_in(4) {
        s.truncate(s.len() - r.below(n + 1).min(s.len()));
    }
    s
}

/// What mutations insert.
const NASTY: &[&str] = &[
    "\"",
    "\\",
    "\\\u{e9}",
    "\\u",
    "\\ud800",
    "\\udc00",
    "\\x",
    "\u{1}",
    "\n",
    "\t",
    "\u{e9}",
    "\u{1f600}",
    "!f",
    "!o\"Map\"",
    "!",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "0",
    "-",
    ".",
    "e",
    "+",
    "01",
    "null",
    "\"\\\"",
    "[[[[[[[[",
];

/// `s` with one to three random changes.
fn mutate(r: &mut Rng, s: &str) -> String {
    let mut b = s.as_bytes().to_vec();
    for _ in 0..1 + r.below(3) {
        let at = r.below(b.len() + 1);
        match r.below(5) {
            0 => b.truncate(at),
            1 if at < b.len() => b[at] = *r.pick(b"\"\\{}[],:0-.eE u/!\x01\x7f"),
            2 => {
                let end = (at + 1 + r.below(4)).min(b.len());
                b.drain(at.min(end)..end);
            }
            _ => {
                let n = r.pick(NASTY).as_bytes();
                b.splice(at..at, n.iter().copied());
            }
        }
    }
    // Cut multi-byte characters become U+FFFD: the readers take a `str`.
    String::from_utf8_lossy(&b).into_owned()
}

#[test]
fn every_reader_agrees_with_serde_json_and_nothing_panics() {
    let started = std::time::Instant::now();
    let mut r = Rng::new(0x6a73_6f6e_2166_757a);
    let kept = corpus("json");
    for s in &kept {
        check(s, &mut r);
    }
    let n = 30_000 * scale();
    let (mut valid, mut cases) = (0, kept.len());
    for i in 0..n {
        let mut s = String::new();
        if i % 50 == 0 {
            s = nested(&mut r);
        } else {
            value(&mut r, 0, &mut s);
        }
        check(&s, &mut r);
        valid += usize::from(json::valid(&s));
        for _ in 0..2 {
            let m = mutate(&mut r, &s);
            check(&m, &mut r);
            valid += usize::from(json::valid(&m));
        }
        cases += 3;
    }
    report("json", cases, started);
    eprintln!("json: {valid} of them valid JSON");
}
