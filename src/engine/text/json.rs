//! Reading JSON without building trees: values are slices of the text, and
//! each accessor reads only what it is asked for.
//!
//! The same reader takes the edge's *described* values: JSON whose value
//! positions may also hold a marker for something JSON cannot say, written
//! by the edge's describer (`js/edge/capture.js`) when a site hands over a
//! function, a circular reference, a `Map`… A marker is `!` and one letter,
//! `!o` followed by the constructor's name as a JSON string:
//!
//! | marker | the value was |
//! |---|---|
//! | `!v` | `undefined` (or missing) |
//! | `!f` `!s` `!b` | a function, a symbol, a BigInt |
//! | `!n` `!i` | `NaN`, an infinite number |
//! | `!c` `!d` | a circular reference, nested too deeply |
//! | `!u` | unreadable: reading it threw (a getter, a revoked proxy) |
//! | `!t` | an invalid `Date` |
//! | `!l` | too large: more than an event may hold |
//! | `!o"Map"` | an object that is not plain, with its constructor's name |
//!
//! Nothing here allocates unless it decodes a string with escapes.

use crate::prelude::*;

/// What kind of value a slice holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `null`
    Null,
    /// `true` / `false`
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
    /// A describer's marker (`!x`), with its letter.
    Marker(u8),
    /// Nothing, or text that is not a value.
    Invalid,
}

fn ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// The kind of the value `v` starts with.
pub fn kind(v: &str) -> Kind {
    let b = v.as_bytes();
    match b.get(ws(b, 0)) {
        Some(b'n') => Kind::Null,
        Some(b't' | b'f') => Kind::Bool,
        Some(b'"') => Kind::String,
        Some(b'[') => Kind::Array,
        Some(b'{') => Kind::Object,
        Some(b'-' | b'0'..=b'9') => Kind::Number,
        Some(b'!') => Kind::Marker(b.get(ws(b, 0) + 1).copied().unwrap_or(b'?')),
        _ => Kind::Invalid,
    }
}

/// The end of the string literal whose opening quote is at `i`.
fn end_of_string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

/// The index just after the value that starts at (or after whitespace
/// from) `i`; `None` when the text is not a value there.
pub fn skip(b: &[u8], i: usize) -> Option<usize> {
    let i = ws(b, i);
    match *b.get(i)? {
        b'"' => end_of_string(b, i),
        b'{' | b'[' => {
            // Brackets are matched by depth only; strings are jumped over.
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = end_of_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        b'!' => {
            let letter = *b.get(i + 1)?;
            if letter == b'o' && b.get(i + 2) == Some(&b'"') {
                end_of_string(b, i + 2)
            } else {
                Some(i + 2)
            }
        }
        _ => {
            let mut j = i;
            while j < b.len() && matches!(b[j], b'-' | b'+' | b'.' | b'0'..=b'9' | b'a'..=b'z' | b'E') {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// Whether `v` is one JSON value and nothing else, as `JSON.parse` would
/// take it (RFC 8259): strings with JSON's escapes only and no raw control
/// characters, numbers in JSON's grammar (not `01`, `+1`, `1.`, `.5`).
/// Markers are not JSON. Two limits: a lone surrogate escape (`"\ud800"`)
/// is valid, as `JSON.parse` has it ([`string`] reads it as U+FFFD);
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
                super::num::is_number(v.get(i..end)?).then_some(end)
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

/// The value `v` starts with, trimmed (what follows it is cut off).
pub fn first(v: &str) -> &str {
    let b = v.as_bytes();
    let start = ws(b, 0);
    match skip(b, start) {
        Some(end) => v.get(start..end).unwrap_or(""),
        None => "",
    }
}

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

fn hex4(b: &[u8], i: usize) -> Option<u32> {
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
    super::num::parse_f64(v)
}

/// The whole number `v` holds (an integer of at most 15 digits, as the
/// edge writes them): what the tracker reads, with no float parsing.
pub fn integer(v: &str) -> Option<f64> {
    let v = first(v);
    let (neg, digits) = match v.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, v),
    };
    let n = super::num::parse_u64(digits)? as f64;
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

/// How a value is named in messages: `a string`, `a function`, `a Map`…
pub fn type_name(v: &str) -> String {
    let v = first(v);
    String::from(match kind(v) {
        Kind::Null => "null",
        Kind::Bool => "a boolean",
        Kind::Number => "a number",
        Kind::String => "a string",
        Kind::Array => "an array",
        Kind::Object => "an object",
        Kind::Marker(b'o') => {
            let name = v.get(2..).and_then(string).filter(|n| !n.is_empty()).unwrap_or_else(|| "class instance".into());
            return name;
        }
        Kind::Marker(m) => marker_name(m),
        Kind::Invalid => "nothing",
    })
}

/// What a marker letter stands for, in messages.
pub fn marker_name(m: u8) -> &'static str {
    match m {
        b'v' => "undefined",
        b'f' => "a function",
        b's' => "a symbol",
        b'b' => "a BigInt",
        b'n' => "NaN",
        b'i' => "an infinite number",
        b'c' => "a circular reference",
        b'd' => "nested too deeply",
        b'u' => "unreadable (reading it threw)",
        b't' => "an invalid Date",
        b'l' => "too large",
        _ => "a value of an unknown type",
    }
}

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
    let mut n = 2;
    for &c in s.as_bytes() {
        n += match c {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' => 2,
            0..=0x1f => 6,
            _ => 1,
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_members_items_and_scalars() {
        let v = r#" {"a":1, "b" : [true,null,"x\"y"], "c":{"d":-2.5e3}, "e":"caf\u00e9 \ud83d\ude00"} "#;
        let keys: Vec<&str> = members(v).map(|(k, _)| k).collect();
        assert_eq!(keys, [r#""a""#, r#""b""#, r#""c""#, r#""e""#]);
        assert_eq!(number(get(v, "a").unwrap()), Some(1.0));
        let b: Vec<&str> = items(get(v, "b").unwrap()).collect();
        assert_eq!(b, ["true", "null", r#""x\"y""#]);
        assert_eq!(string(b[2]).as_deref(), Some("x\"y"));
        assert_eq!(number(get(get(v, "c").unwrap(), "d").unwrap()), Some(-2500.0));
        assert_eq!(string(get(v, "e").unwrap()).as_deref(), Some("café 😀"));
        assert_eq!(get(v, "zz"), None);
        assert_eq!(members("[1]").count(), 0);
        assert_eq!(items("{}").count(), 0);
        assert_eq!(items("[]").count(), 0);
        assert_eq!(boolean(" true"), Some(true));
    }

    #[test]
    fn reads_the_describers_markers() {
        let v = r#"{"f":!f,"m":!o"Map","x":[!c,1],"u":!v,"n":null}"#;
        assert_eq!(kind(get(v, "f").unwrap()), Kind::Marker(b'f'));
        assert_eq!(type_name(get(v, "m").unwrap()), "Map");
        assert_eq!(type_name(get(v, "f").unwrap()), "a function");
        let x: Vec<&str> = items(get(v, "x").unwrap()).collect();
        assert_eq!(x, ["!c", "1"]);
        assert_eq!(field(v, "u"), None);
        assert_eq!(field(v, "n"), None);
        assert_eq!(type_name(r#"!o"""#), "class instance");
    }

    #[test]
    fn broken_text_reads_as_nothing() {
        for bad in ["", "{", "{\"a\"", "{\"a\":", "[1,", "\"abc", "!"] {
            let _ = members(bad).count();
            let _ = items(bad).count();
            assert!(string(bad).is_none() || bad.starts_with('"'));
        }
        assert_eq!(get("{\"a\" 1}", "a"), None);
    }

    #[test]
    fn tells_json_from_what_is_not() {
        for ok in ["{}", " [1, 2.5e3, \"x\", true, false, null, {\"a\":[]}] ", "\"s\"", "-0"] {
            assert!(valid(ok), "{ok}");
        }
        for bad in ["{not json", "{not json}", "[1,]", "{\"a\" 1}", "tru", "1 2", "!f", "", "{\"a\":1,}"] {
            assert!(!valid(bad), "{bad}");
        }
    }

    #[test]
    fn only_jsons_escapes_decode() {
        // A backslash before a multi-byte character once copied half of it
        // into a String unchecked (undefined behaviour); now it is no string.
        assert_eq!(string("\"\\é\""), None);
        assert!(!valid("\"\\é\""));
        for bad in [r#""\a""#, r#""\x41""#, r#""\u12""#, r#""\u12G4""#, r#""\'""#, "\"tab\there\"", "\"\u{1}\""] {
            assert_eq!(string(bad), None, "{bad}");
            assert!(!valid(bad), "{bad}");
        }
        assert_eq!(string(r#""\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00""#).as_deref(), Some("\"\\/\u{8}\u{c}\n\r\té😀"));
        // A lone surrogate is JSON (JSON.parse keeps it); Rust reads U+FFFD.
        assert!(valid(r#""\ud800""#));
        assert_eq!(string(r#""a\ud800b\udc00\ud800\u0041""#).as_deref(), Some("a\u{fffd}b\u{fffd}\u{fffd}A"));
    }

    #[test]
    fn numbers_in_jsons_grammar_only() {
        for bad in ["01", "+1", "1.", ".5", "-", "1e", "-01", "[01]", "{\"a\":.5}", "1.e3", "0x1"] {
            assert!(!valid(bad), "{bad}");
        }
        for ok in ["0", "-0", "0.5", "-1.5e-3", "1E+2", "[1e400]"] {
            assert!(valid(ok), "{ok}");
        }
    }

    #[test]
    fn a_repeated_key_reads_as_json_parse_reads_it() {
        assert_eq!(get(r#"{"a":1,"b":2,"a":3}"#, "a"), Some("3"));
    }

    #[test]
    fn writes_string_literals() {
        assert_eq!(quoted("a\"b\\c\nd\u{1}é"), r#""a\"b\\c\nd\u0001é""#);
        assert_eq!(string(&quoted("x\u{1f}y\ttab")).as_deref(), Some("x\u{1f}y\ttab"));
    }
}
