//! A small JSON value with a writer and a parser.
//!
//! Hand-written instead of `serde_json` because the whole SDK must stay under
//! its gzip budget: this module is a few KB of wasm, `serde_json` with its
//! generic machinery costs several times that. Objects keep insertion order
//! (like JavaScript objects), so encoded events read the way they were built.

use crate::prelude::*;

/// A JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A finite number (non-finite numbers are written as `null`).
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object; keys keep their insertion order.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// An empty object.
    pub fn object() -> Value {
        Value::Object(Vec::new())
    }

    /// The member `key` of an object, if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number inside, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The boolean inside, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Object(fields) => Some(fields),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Sets `key` on an object, replacing an existing member in place so the
    /// order stays stable. Does nothing on non-objects.
    pub fn set(&mut self, key: &str, value: Value) {
        if let Value::Object(fields) = self {
            match fields.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = value,
                None => fields.push((key.to_string(), value)),
            }
        }
    }

    /// Removes `key` from an object and returns its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        if let Value::Object(fields) = self {
            if let Some(i) = fields.iter().position(|(k, _)| k == key) {
                return Some(fields.remove(i).1);
            }
        }
        None
    }

    /// The value as compact JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_value(&mut out, self);
        out
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::Number(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

/// Appends `value` as compact JSON to `out`.
pub fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(out, *n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(fields) => {
            out.push('{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, v);
            }
            out.push('}');
        }
    }
}

/// Appends a JSON number. Integers (the common case: counts, ids, cents) take
/// a short path; other values get the shortest text that reads back as the
/// same number (see [`super::native::write_float`]), whose exponent form
/// (`1e21`, `1e-7`) is valid JSON.
pub fn write_number(out: &mut String, n: f64) {
    if !n.is_finite() {
        out.push_str("null");
    } else if libm::trunc(n) == n && n.abs() < 1e15 {
        write_int(out, n as i64);
    } else {
        super::native::write_float(out, n);
    }
}

/// Appends a signed integer in decimal.
pub fn write_int(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    let mut v = n.unsigned_abs();
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(b as char);
    }
}

/// Appends `s` as a quoted JSON string.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    // Most strings need no escaping at all: copy them in one go.
    if !bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(s);
        out.push('"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        // Always a char boundary (the escaped bytes are ASCII); `get` keeps
        // panic formatting out of the wasm.
        out.push_str(s.get(start..i).unwrap_or_default());
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0xf) as usize] as char);
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

/// Why a text is not JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// Byte offset where parsing stopped.
    pub at: usize,
    /// What was expected there.
    pub what: &'static str,
}

/// Nesting deeper than this is refused, so a hostile stored record cannot
/// exhaust the stack.
const MAX_DEPTH: usize = 64;

/// Parses JSON text into a [`Value`].
pub fn parse(text: &str) -> Result<Value, ParseError> {
    let mut p = Parser { s: text.as_bytes(), i: 0 };
    let v = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.err("end of input"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn err(&self, what: &'static str) -> ParseError {
        ParseError { at: self.i, what }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.err("less nesting"));
        }
        self.ws();
        match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut fields = Vec::new();
                self.ws();
                if self.eat("}") {
                    return Ok(Value::Object(fields));
                }
                loop {
                    self.ws();
                    if self.s.get(self.i) != Some(&b'"') {
                        return Err(self.err("a string key"));
                    }
                    let k = self.string()?;
                    self.ws();
                    if !self.eat(":") {
                        return Err(self.err("':'"));
                    }
                    let v = self.value(depth + 1)?;
                    fields.push((k, v));
                    self.ws();
                    if self.eat(",") {
                        continue;
                    }
                    if self.eat("}") {
                        return Ok(Value::Object(fields));
                    }
                    return Err(self.err("',' or '}'"));
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.eat("]") {
                    return Ok(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    if self.eat(",") {
                        continue;
                    }
                    if self.eat("]") {
                        return Ok(Value::Array(items));
                    }
                    return Err(self.err("',' or ']'"));
                }
            }
            Some(b'"') => self.string().map(Value::String),
            Some(b't') if self.eat("true") => Ok(Value::Bool(true)),
            Some(b'f') if self.eat("false") => Ok(Value::Bool(false)),
            Some(b'n') if self.eat("null") => Ok(Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.err("a value")),
        }
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.i;
        while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.s.get(self.i) {
            self.i += 1;
        }
        match parse_number(&self.s[start..self.i]) {
            Some(n) => Ok(Value::Number(n)),
            None => Err(ParseError { at: start, what: "a number" }),
        }
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.s.get(self.i) {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return Err(self.err("four hex digits")),
            };
            v = v * 16 + d as u32;
            self.i += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.i += 1; // opening quote
        let mut out = String::new();
        let mut start = self.i;
        loop {
            match self.s.get(self.i) {
                None => return Err(self.err("a closing '\"'")),
                Some(b'"') => {
                    out.push_str(self.slice(start)?);
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(self.slice(start)?);
                    self.i += 1;
                    let c = match self.s.get(self.i) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.i += 1;
                            let hi = self.hex4()?;
                            let code = if (0xd800..0xdc00).contains(&hi) && self.eat("\\u") {
                                let lo = self.hex4()?;
                                if (0xdc00..0xe000).contains(&lo) {
                                    0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                                } else {
                                    0xfffd
                                }
                            } else {
                                hi
                            };
                            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                            start = self.i;
                            continue;
                        }
                        _ => return Err(self.err("an escape")),
                    };
                    out.push(c);
                    self.i += 1;
                    start = self.i;
                }
                Some(0..=0x1f) => return Err(self.err("no control character")),
                Some(_) => self.i += 1,
            }
        }
    }

    fn slice(&self, start: usize) -> Result<&str, ParseError> {
        core::str::from_utf8(&self.s[start..self.i]).map_err(|_| self.err("UTF-8"))
    }
}

/// Parses a JSON number (`-?int(.frac)?([eE][+-]?exp)?`).
///
/// Hand-written because `str::parse::<f64>` links ~20 KB of tables into the
/// wasm. Exact (correctly rounded) when the significand has at most 15
/// digits and the decimal exponent is within ±22, which covers every number
/// Kizuna itself stores (prices, counts, timestamps, scores); beyond that
/// the result may be off by a few units in the last place.
pub fn parse_number(b: &[u8]) -> Option<f64> {
    let mut i = 0;
    let neg = b.first() == Some(&b'-');
    if neg {
        i += 1;
    }
    let mut mantissa: u64 = 0;
    let mut digits = 0u32;
    let mut exp10: i32 = 0;
    let int_start = i;
    while let Some(d @ b'0'..=b'9') = b.get(i).copied() {
        if digits < 19 {
            mantissa = mantissa * 10 + u64::from(d - b'0');
            if mantissa > 0 {
                digits += 1;
            }
        } else {
            exp10 += 1;
        }
        i += 1;
    }
    let int_len = i - int_start;
    if int_len == 0 || (int_len > 1 && b[int_start] == b'0') {
        return None;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while let Some(d @ b'0'..=b'9') = b.get(i).copied() {
            if digits < 19 {
                mantissa = mantissa * 10 + u64::from(d - b'0');
                if mantissa > 0 {
                    digits += 1;
                }
                exp10 -= 1;
            }
            i += 1;
        }
        if i == frac_start {
            return None;
        }
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        let exp_neg = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let exp_start = i;
        let mut e: i32 = 0;
        while let Some(d @ b'0'..=b'9') = b.get(i).copied() {
            e = e.saturating_mul(10).saturating_add(i32::from(d - b'0'));
            i += 1;
        }
        if i == exp_start {
            return None;
        }
        exp10 = exp10.saturating_add(if exp_neg { -e } else { e });
    }
    if i != b.len() {
        return None;
    }
    let value = scale(mantissa, exp10);
    if !value.is_finite() {
        return None;
    }
    Some(if neg { -value } else { value })
}

/// `mantissa × 10^exp10`. With both factors exact in an f64 (mantissa below
/// 2^53, |exp10| ≤ 22), one multiplication or division rounds correctly
/// (Clinger's fast path); otherwise the powers are applied in steps.
fn scale(mantissa: u64, exp10: i32) -> f64 {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ];
    let mut v = mantissa as f64;
    if mantissa == 0 {
        return 0.0;
    }
    let mut e = exp10;
    while e > 22 {
        v *= 1e22;
        e -= 22;
    }
    while e < -22 {
        v /= 1e22;
        e += 22;
    }
    if e >= 0 {
        v * POW10[e as usize]
    } else {
        v / POW10[(-e) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_numbers_like_javascript_would_read_them() {
        let cases = [
            (0.0, "0"),
            (-0.0, "0"),
            (42.0, "42"),
            (-7.0, "-7"),
            (19.9, "19.9"),
            (0.1, "0.1"),
            (1e21, "1e21"),
            (1e300, "1e300"),
            (-2.5e-300, "-2.5e-300"),
            (1.5e-7, "1.5e-7"),
            (123456789012345.0, "123456789012345"),
            (f64::NAN, "null"),
        ];
        for (n, want) in cases {
            let mut s = String::new();
            write_number(&mut s, n);
            assert_eq!(s, want, "{n}");
            if n.is_finite() {
                assert_eq!(s.parse::<f64>().unwrap(), n);
            }
        }
    }

    #[test]
    fn parses_numbers_exactly_where_kizuna_needs_it() {
        for text in ["0", "-0", "19.9", "0.1", "1e21", "1.5e-7", "123456789012345", "-2.5E+3", "0.000001", "1795363980123", "3.141592653589793"] {
            let want: f64 = text.parse().unwrap();
            assert_eq!(parse_number(text.as_bytes()), Some(want), "{text}");
        }
        for bad in ["", "-", "01", "1.", ".5", "1e", "1e+", "+1", "1.2.3", "0x10", "1e400"] {
            assert_eq!(parse_number(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn parsed_numbers_are_close_everywhere_else() {
        // xorshift over bit patterns: every finite double the writer can emit
        // must read back within a few units in the last place.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let n = f64::from_bits(x);
            if !n.is_finite() || n.abs() < 1e-300 || n.abs() > 1e300 {
                continue;
            }
            let mut s = String::new();
            write_number(&mut s, n);
            let back = parse_number(s.as_bytes()).unwrap();
            let ulps = (back.to_bits() as i64 - n.to_bits() as i64).abs();
            assert!(ulps <= 4, "{s}: {n} read back as {back} ({ulps} ulps)");
        }
    }

    #[test]
    fn escapes_strings() {
        let mut s = String::new();
        write_string(&mut s, "a\"b\\c\nd\u{1}é😀");
        assert_eq!(s, "\"a\\\"b\\\\c\\nd\\u0001é😀\"");
    }

    #[test]
    fn round_trips_through_the_parser() {
        let text = r#"{"a":[1,2.5,-3e-2,true,false,null],"b":{"c":"x\"y\u00e9\ud83d\ude00"},"d":""}"#;
        let v = parse(text).unwrap();
        assert_eq!(v.get("b").unwrap().get("c").unwrap().as_str(), Some("x\"yé😀"));
        let again = parse(&v.to_json()).unwrap();
        assert_eq!(v, again);
    }

    #[test]
    fn rejects_broken_text() {
        for bad in ["", "{", "{\"a\"}", "[1,]", "tru", "\"abc", "{\"a\":1}x", "01x", "\"\u{1}\""] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn set_replaces_in_place() {
        let mut v = Value::object();
        v.set("a", 1.0.into());
        v.set("b", 2.0.into());
        v.set("a", 3.0.into());
        assert_eq!(v.to_json(), r#"{"a":3,"b":2}"#);
        assert_eq!(v.remove("a"), Some(Value::Number(3.0)));
        assert_eq!(v.to_json(), r#"{"b":2}"#);
    }
}
