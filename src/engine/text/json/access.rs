//! Walking into containers: an object's members and an array's items as
//! slices of the text, and a member by its key.

use super::scan::{end_of_string, skip};
use super::{kind, string, ws, Kind};

/// The members of an object, as `(key literal, value)` slices, in order.
/// Anything but an object has none.
pub struct Members<'a> {
    s: &'a str,
    i: usize,
}

/// The members of the object `v`.
pub fn members(v: &str) -> Members<'_> {
    let b = v.as_bytes();
    let i = ws(b, 0);
    Members { s: v, i: if b.get(i) == Some(&b'{') { i + 1 } else { usize::MAX } }
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        let b = self.s.as_bytes();
        let mut i = ws(b, self.i.min(b.len()));
        if b.get(i) == Some(&b',') {
            i = ws(b, i + 1);
        }
        if b.get(i) != Some(&b'"') {
            self.i = usize::MAX;
            return None;
        }
        let key_end = end_of_string(b, i)?;
        let colon = ws(b, key_end);
        if b.get(colon) != Some(&b':') {
            self.i = usize::MAX;
            return None;
        }
        let vstart = ws(b, colon + 1);
        let vend = skip(b, vstart)?;
        self.i = vend;
        Some((self.s.get(i..key_end)?, self.s.get(vstart..vend)?))
    }
}

/// The items of an array, as slices, in order.
pub struct Items<'a> {
    s: &'a str,
    i: usize,
}

/// The items of the array `v`.
pub fn items(v: &str) -> Items<'_> {
    let b = v.as_bytes();
    let i = ws(b, 0);
    Items { s: v, i: if b.get(i) == Some(&b'[') { i + 1 } else { usize::MAX } }
}

impl<'a> Iterator for Items<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let b = self.s.as_bytes();
        let mut i = ws(b, self.i.min(b.len()));
        if b.get(i) == Some(&b',') {
            i = ws(b, i + 1);
        }
        if i >= b.len() || b[i] == b']' {
            self.i = usize::MAX;
            return None;
        }
        let end = skip(b, i)?;
        self.i = end;
        self.s.get(i..end)
    }
}

/// Whether the string literal `lit` (quotes included) spells `key`.
pub fn key_is(lit: &str, key: &str) -> bool {
    let inner = lit.get(1..lit.len().saturating_sub(1)).unwrap_or("");
    if !inner.bytes().any(|b| b == b'\\') {
        return inner == key;
    }
    string(lit).as_deref() == Some(key)
}

/// The value of member `key` of the object `v`: the last one when the key
/// is there twice, as `JSON.parse` (and every JavaScript reader of the
/// same text) has it.
pub fn get<'a>(v: &'a str, key: &str) -> Option<&'a str> {
    members(v).filter(|(k, _)| key_is(k, key)).last().map(|(_, v)| v)
}

/// The value of member `key`, unless it is missing, `null` or `undefined`
/// (config fields treat all three as "not set").
pub fn field<'a>(v: &'a str, key: &str) -> Option<&'a str> {
    get(v, key).filter(|v| !matches!(kind(v), Kind::Null | Kind::Marker(b'v')))
}
