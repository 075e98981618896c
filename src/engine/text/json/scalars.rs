//! Scalars decoded from their slices: strings (escapes and surrogate pairs),
//! numbers, whole numbers and booleans.

use crate::prelude::*;

use super::scan::first;
use super::{kind, Kind};
use crate::engine::text::num::{parse_f64, parse_u64};

/// The text of a string literal, decoded: `None` when `v` is not a JSON
/// string (an escape JSON does not have, bad `\u` digits, a raw control
/// character). A lone surrogate escape, which `JSON.parse` keeps and a
/// Rust string cannot hold, reads as U+FFFD.
pub fn string(v: &str) -> Option<String> {
    let v = first(v);
    if kind(v) != Kind::String {
        return None;
    }
    let mut rest = v.get(1..v.len() - 1)?;
    let mut out = String::with_capacity(rest.len());
    loop {
        // Copied a run at a time, up to an escape or a control character
        // (both ASCII, so the run ends on a character boundary).
        let Some(at) = rest.bytes().position(|b| b == b'\\' || b < 0x20) else {
            out.push_str(rest);
            return Some(out);
        };
        out.push_str(rest.get(..at)?);
        let b = rest.as_bytes();
        if b[at] != b'\\' {
            return None;
        }
        let mut len = 2;
        out.push(match *b.get(at + 1)? {
            c @ (b'"' | b'\\' | b'/') => char::from(c),
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = hex4(b, at + 2)?;
                len = 6;
                let lo = (b.get(at + 6..at + 8) == Some(&b"\\u"[..])).then(|| hex4(b, at + 8)).flatten();
                match lo {
                    Some(lo) if (0xd800..0xdc00).contains(&hi) && (0xdc00..0xe000).contains(&lo) => {
                        len = 12;
                        char::from_u32(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)).unwrap_or('\u{fffd}')
                    }
                    _ => char::from_u32(hi).unwrap_or('\u{fffd}'),
                }
            }
            _ => return None,
        });
        rest = rest.get(at + len..)?;
    }
}

/// The four hex digits at `i` (of a `\u` escape), as a number.
pub(super) fn hex4(b: &[u8], i: usize) -> Option<u32> {
    let mut n = 0u32;
    for k in 0..4 {
        let d = (*b.get(i + k)? as char).to_digit(16)?;
        n = n * 16 + d;
    }
    Some(n)
}

/// The number `v` holds.
pub fn number(v: &str) -> Option<f64> {
    let v = first(v);
    if kind(v) != Kind::Number {
        return None;
    }
    parse_f64(v)
}

/// The whole number `v` holds (an integer of at most 15 digits, as the
/// edge writes them): what the tracker reads, with no float parsing.
pub fn integer(v: &str) -> Option<f64> {
    let v = first(v);
    let (neg, digits) = match v.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, v),
    };
    let n = parse_u64(digits)? as f64;
    Some(if neg { -n } else { n })
}

/// The boolean `v` holds.
pub fn boolean(v: &str) -> Option<bool> {
    match first(v) {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}
