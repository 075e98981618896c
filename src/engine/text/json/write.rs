//! Writing JSON string literals: escaped as `JSON.parse` reads them back,
//! and their length known before writing.

use crate::prelude::*;

/// Appends `s` as a JSON string literal.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let mut from = 0;
    for (i, &c) in s.as_bytes().iter().enumerate() {
        if c >= 0x20 && c != b'"' && c != b'\\' {
            continue;
        }
        out.push_str(s.get(from..i).unwrap_or(""));
        out.push('\\');
        match c {
            b'"' | b'\\' => out.push(c as char),
            b'\n' => out.push('n'),
            b'\r' => out.push('r'),
            b'\t' => out.push('t'),
            _ => {
                out.push_str("u00");
                out.push(HEX[usize::from(c >> 4)] as char);
                out.push(HEX[usize::from(c & 15)] as char);
            }
        }
        from = i + 1;
    }
    out.push_str(s.get(from..).unwrap_or(""));
    out.push('"');
}

/// The length of `s` written by [`write_string`].
pub fn literal_len(s: &str) -> usize {
    let mut n = s.len() + 2;
    for &c in s.as_bytes() {
        // One test for the common byte; the escapes are rare.
        if c < 0x20 || c == b'"' || c == b'\\' {
            n += if matches!(c, b'"' | b'\\' | b'\n' | b'\r' | b'\t') { 1 } else { 5 };
        }
    }
    n
}

/// Lowercase hexadecimal digits.
pub const HEX: &[u8; 16] = b"0123456789abcdef";

/// `s` as a JSON string literal.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_string(&mut out, s);
    out
}
