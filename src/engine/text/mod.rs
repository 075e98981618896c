//! Text tools every part of the engine shares: reading JSON and the edge's
//! described values without trees, writing JSON string literals, numbers,
//! timestamps, URLs, and seeded randomness for ids.

pub mod json;
pub mod num;
pub mod rng;
pub mod sha256;
pub mod time;
pub mod url;

use crate::prelude::*;

/// The parts joined: one out-of-line function for every concatenation
/// (slices' own `concat` is generic, so each use would be code of its own).
#[inline(never)]
pub fn cat(parts: &[&str]) -> String {
    let mut s = String::new();
    for p in parts {
        s.push_str(p);
    }
    s
}

/// Appends `bytes` in one copy when they are ASCII (digits, hex digits,
/// fixed punctuation: what the number, time and id writers make), which a
/// push per character, checked as a `char`, made a tenth of the engine's
/// instructions per event; anything else is not appended.
pub fn push_ascii(out: &mut String, bytes: &[u8]) {
    if bytes.is_ascii() {
        // SAFETY: ASCII bytes are UTF-8 on their own, so `out` stays UTF-8.
        unsafe { out.as_mut_vec() }.extend_from_slice(bytes);
    }
}

/// `items` joined with `sep`.
#[inline(never)]
pub fn join(items: &[String], sep: &str) -> String {
    let mut s = String::new();
    for (i, p) in items.iter().enumerate() {
        if i > 0 {
            s.push_str(sep);
        }
        s.push_str(p);
    }
    s
}

/// `s` cut at the first `sep` byte (an ASCII separator): before it, and
/// after it (empty when it is not there). `str::split_once` with a byte
/// scan, for the same reason as [`fields`].
pub fn cut(s: &str, sep: u8) -> (&str, &str) {
    match s.bytes().position(|b| b == sep) {
        Some(i) => (s.get(..i).unwrap_or(s), s.get(i + 1..).unwrap_or("")),
        None => (s, ""),
    }
}

/// The pieces of `s` between the `sep` bytes (an ASCII separator), like
/// `str::split` but a plain byte scan: one small function for every
/// splitter in the engine, instead of the standard pattern machinery.
pub fn fields(s: &str, sep: u8) -> Fields<'_> {
    Fields { s, at: 0, done: false, sep }
}

/// See [`fields`].
pub struct Fields<'a> {
    s: &'a str,
    at: usize,
    done: bool,
    sep: u8,
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.done {
            return None;
        }
        let rest = self.s.get(self.at..).unwrap_or("");
        match rest.bytes().position(|b| b == self.sep) {
            Some(i) => {
                self.at += i + 1;
                rest.get(..i)
            }
            None => {
                self.done = true;
                Some(rest)
            }
        }
    }
}

impl<'a> Fields<'a> {
    /// Everything not yet split off (the rest of the string; nothing once
    /// the last field was read).
    pub fn rest(&mut self) -> &'a str {
        if self.done {
            return "";
        }
        self.done = true;
        self.s.get(self.at..).unwrap_or("")
    }
}

/// The first `n` characters of `s` (whole UTF-8 sequences).
pub fn chars_prefix(s: &str, n: usize) -> &str {
    let mut count = 0;
    for (i, b) in s.bytes().enumerate() {
        if b & 0xc0 != 0x80 {
            if count == n {
                return s.get(..i).unwrap_or(s);
            }
            count += 1;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_is_what_was_not_split_off_and_nothing_past_the_last_field() {
        let mut f = fields("a\u{1f}b\u{1f}c\u{1f}d", 0x1f);
        assert_eq!((f.next(), f.rest()), (Some("a"), "b\u{1f}c\u{1f}d"));
        let mut f = fields("a\u{1f}b", 0x1f);
        assert_eq!((f.next(), f.next(), f.rest()), (Some("a"), Some("b"), ""), "a record cut after its last field has no rest");
        assert_eq!(f.next(), None);
    }
}
