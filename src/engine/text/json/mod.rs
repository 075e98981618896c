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
//!
//! - here: [`Kind`], what a value is
//! - `scan`: where a value ends, and the value text starts with
//! - `strict`: whether text is strict JSON, as `JSON.parse` takes it
//! - `access`: an object's members and an array's items, a member by key
//! - `scalars`: strings, numbers and booleans decoded
//! - `names`: how a value is named in messages
//! - `write`: JSON string literals written

mod access;
mod names;
mod scalars;
mod scan;
mod strict;
mod write;

pub use self::access::{field, get, items, key_is, members, Items, Members};
pub use self::names::{marker_name, type_name};
pub use self::scalars::{boolean, integer, number, string};
pub use self::scan::{first, skip};
pub use self::strict::valid;
pub use self::write::{literal_len, quoted, write_string, HEX};

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

#[cfg(test)]
mod tests;
