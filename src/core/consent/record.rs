//! The stored consent record: `{ v, categories, updatedAt, source }`, kept in
//! localStorage (`kizuna:consent`) and in a first-party cookie (`kz_consent`)
//! a server can read.

use crate::prelude::*;

use super::{Categories, Category, Choice};
use crate::core::json::{write_int, write_string, Value};

/// localStorage key of the record.
pub const STORAGE_KEY: &str = "kizuna:consent";
/// Cookie holding the same record, percent-encoded JSON.
pub const COOKIE_NAME: &str = "kz_consent";
/// The record format this version writes and reads.
pub const VERSION: f64 = 1.0;
/// How long the cookie lives: the 13 months European regulators accept.
pub const COOKIE_MAX_AGE_DAYS: u32 = 395;

/// A stored choice.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The choice per category.
    pub categories: Categories,
    /// When it was made (epoch ms).
    pub updated_at: f64,
    /// Who made it: the banner's name, `api`, `gpc`, `tcf`, `gcm`.
    pub source: String,
}

impl Record {
    /// The record as JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"v\":1,\"categories\":{");
        for (i, c) in Category::CHOOSABLE.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('"');
            out.push_str(c.name());
            out.push_str("\":\"");
            out.push_str(self.categories.get(*c).name());
            out.push('"');
        }
        out.push_str("},\"updatedAt\":");
        write_int(&mut out, self.updated_at as i64);
        out.push_str(",\"source\":");
        write_string(&mut out, &self.source);
        out.push('}');
        out
    }

    /// Reads a stored record. `Err` says why it does not count (it then
    /// counts as no choice, never as consent).
    pub fn from_value(v: &Value) -> Result<Record, &'static str> {
        match v.get("v").and_then(Value::as_f64) {
            Some(n) if n == VERSION => {}
            Some(_) => return Err("it has an unknown version"),
            None => return Err("it has no version"),
        }
        let cats = v.get("categories").ok_or("it has no categories")?;
        let mut categories = Categories::all(Choice::Unknown);
        for c in Category::CHOOSABLE {
            let choice = match cats.get(c.name()) {
                None => Choice::Unknown,
                Some(x) => x.as_str().and_then(Choice::parse).ok_or("a category has an unknown state")?,
            };
            categories.set(c, choice);
        }
        let updated_at = v.get("updatedAt").and_then(Value::as_f64).ok_or("it has no updatedAt")?;
        let source = v.get("source").and_then(Value::as_str).unwrap_or("stored").to_string();
        Ok(Record { categories, updated_at, source })
    }
}

/// Percent-encodes `s` for a cookie value (everything but `A-Za-z0-9-_.~`).
pub fn cookie_encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len() * 2);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::parse;

    #[test]
    fn round_trips_and_refuses_what_it_does_not_know() {
        let r = Record {
            categories: Categories { analytics: Choice::Granted, personalization: Choice::Denied, marketing: Choice::Unknown },
            updated_at: 1_795_363_980_123.0,
            source: "banner".into(),
        };
        let json = r.to_json();
        assert_eq!(
            json,
            r#"{"v":1,"categories":{"analytics":"granted","personalization":"denied","marketing":"unknown"},"updatedAt":1795363980123,"source":"banner"}"#
        );
        assert_eq!(Record::from_value(&parse(&json).unwrap()), Ok(r));
        for (bad, why) in [
            (r#"{"v":2,"categories":{},"updatedAt":1}"#, "it has an unknown version"),
            (r#"{"categories":{},"updatedAt":1}"#, "it has no version"),
            (r#"{"v":1,"updatedAt":1}"#, "it has no categories"),
            (r#"{"v":1,"categories":{"analytics":"yes"},"updatedAt":1}"#, "a category has an unknown state"),
            (r#"{"v":1,"categories":{}}"#, "it has no updatedAt"),
        ] {
            assert_eq!(Record::from_value(&parse(bad).unwrap()), Err(why), "{bad}");
        }
    }

    #[test]
    fn cookie_values_are_safe() {
        assert_eq!(cookie_encode(r#"{"v":1}"#), "%7B%22v%22%3A1%7D");
        assert_eq!(crate::core::native::percent_decode(&cookie_encode("a b+c;é")), "a b+c;é");
    }
}
