//! How a value is named in messages (`a string`, `a function`, `a Map`…),
//! the describer's markers included.

use crate::prelude::*;

use super::scan::first;
use super::{kind, string, Kind};

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
