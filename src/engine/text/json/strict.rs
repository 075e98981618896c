//! Whether text is strict JSON (RFC 8259), as `JSON.parse` takes it: the
//! describer's markers, which the reader accepts elsewhere, are not.

use super::scalars::hex4;
use super::scan::skip;
use super::ws;

/// Whether `v` is one JSON value and nothing else, as `JSON.parse` would
/// take it (RFC 8259): strings with JSON's escapes only and no raw control
/// characters, numbers in JSON's grammar (not `01`, `+1`, `1.`, `.5`).
/// Markers are not JSON. Two limits: a lone surrogate escape (`"\ud800"`)
/// is valid, as `JSON.parse` has it ([`string`](super::string) reads it as U+FFFD);
/// nesting deeper than 64 is not (the engines' stack is small, and the
/// edge's describer stops at 16).
pub fn valid(v: &str) -> bool {
    fn value(v: &str, i: usize, depth: usize) -> Option<usize> {
        let b = v.as_bytes();
        let i = ws(b, i);
        match *b.get(i)? {
            b'{' | b'[' if depth < 64 => {
                let close = if b[i] == b'{' { b'}' } else { b']' };
                let mut j = ws(b, i + 1);
                if b.get(j) == Some(&close) {
                    return Some(j + 1);
                }
                loop {
                    if close == b'}' {
                        if b.get(j) != Some(&b'"') {
                            return None;
                        }
                        j = ws(b, valid_string(b, j)?);
                        if b.get(j) != Some(&b':') {
                            return None;
                        }
                        j += 1;
                    }
                    j = ws(b, value(v, j, depth + 1)?);
                    match b.get(j) {
                        Some(b',') => j = ws(b, j + 1),
                        Some(c) if *c == close => return Some(j + 1),
                        _ => return None,
                    }
                }
            }
            b'"' => valid_string(b, i),
            b't' | b'f' | b'n' => {
                let lit: &[u8] = match b[i] {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                };
                (b.get(i..i + lit.len()) == Some(lit)).then_some(i + lit.len())
            }
            b'-' | b'0'..=b'9' => {
                let end = skip(b, i)?;
                crate::engine::text::num::is_number(v.get(i..end)?).then_some(end)
            }
            _ => None,
        }
    }
    value(v, 0, 0).is_some_and(|end| ws(v.as_bytes(), end) == v.len())
}

/// The end of the JSON string literal whose opening quote is at `i`, when
/// it is one: escapes among `\" \\ \/ \b \f \n \r \t \uXXXX` only, no
/// raw control character (the bytes are UTF-8: they come from a `str`).
fn valid_string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        match *b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => {
                i += match *b.get(i + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
                    b'u' => hex4(b, i + 2).map(|_| 6)?,
                    _ => return None,
                };
            }
            0..=0x1f => return None,
            _ => i += 1,
        }
    }
}
