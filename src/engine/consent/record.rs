//! The stored consent record: `{ v, categories, updatedAt, source }`, kept in
//! localStorage (`kizuna:consent`) and in a first-party cookie (`kz_consent`)
//! a server can read. `slots.js` reads the same record before first paint
//! (golden cases in `tests/fixtures/consent.json` hold both to it).

use crate::prelude::*;

use super::{Categories, Category, Choice};
use crate::engine::text::json::{self, write_string};
use crate::engine::text::num::write_i64;

/// localStorage key of the record.
pub const STORAGE_KEY: &str = "kizuna:consent";
/// Cookie holding the same record, percent-encoded JSON.
pub const COOKIE_NAME: &str = "kz_consent";
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
        let mut out = String::from("{\"v\":1,\"categories\":");
        self.categories.write_json(&mut out, false);
        out.push_str(",\"updatedAt\":");
        write_i64(&mut out, self.updated_at as i64);
        out.push_str(",\"source\":");
        write_string(&mut out, &self.source);
        out.push('}');
        out
    }

    /// Reads a stored record. `Err` says why it does not count (it then
    /// counts as no choice, never as consent).
    pub fn parse(text: &str) -> Result<Record, &'static str> {
        if !json::valid(text) {
            return Err("it is not JSON");
        }
        if json::kind(text) != json::Kind::Object {
            return Err("it has no version");
        }
        match json::get(text, "v").and_then(json::integer) {
            Some(1.0) => {}
            Some(_) => return Err("it has an unknown version"),
            None => return Err("it has no version"),
        }
        let cats = json::get(text, "categories").filter(|c| json::kind(c) == json::Kind::Object).ok_or("it has no categories")?;
        let mut categories = Categories::all(Choice::Unknown);
        for c in Category::CHOOSABLE {
            if let Some(v) = json::get(cats, c.name()) {
                let choice = json::string(v).as_deref().and_then(Choice::parse).ok_or("a category has an unknown state")?;
                categories.set(c, choice);
            }
        }
        let updated_at = json::get(text, "updatedAt").and_then(json::integer).ok_or("it has no updatedAt")?;
        let source = json::get(text, "source").and_then(json::string).unwrap_or_else(|| "stored".into());
        Ok(Record { categories, updated_at, source })
    }
}

/// Percent-encodes `s` for a cookie value (everything but `A-Za-z0-9-_.~`).
pub fn cookie_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(json::HEX[(b >> 4) as usize].to_ascii_uppercase() as char);
            out.push(json::HEX[(b & 15) as usize].to_ascii_uppercase() as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_what_it_does_not_know() {
        let r = Record {
            categories: Categories([Choice::Granted, Choice::Denied, Choice::Unknown]),
            updated_at: 1_795_363_980_123.0,
            source: "banner".into(),
        };
        let text = r.to_json();
        assert_eq!(
            text,
            r#"{"v":1,"categories":{"analytics":"granted","personalization":"denied","marketing":"unknown"},"updatedAt":1795363980123,"source":"banner"}"#
        );
        assert_eq!(Record::parse(&text), Ok(r));
        for (bad, why) in [
            (r#"{"v":2,"categories":{},"updatedAt":1}"#, "it has an unknown version"),
            (r#"{"categories":{},"updatedAt":1}"#, "it has no version"),
            (r#"{"v":1,"updatedAt":1}"#, "it has no categories"),
            (r#"{"v":1,"categories":{"analytics":"yes"},"updatedAt":1}"#, "a category has an unknown state"),
            (r#"{"v":1,"categories":{}}"#, "it has no updatedAt"),
            ("not json", "it is not JSON"),
        ] {
            assert_eq!(Record::parse(bad), Err(why), "{bad}");
        }
    }

    #[test]
    fn cookie_values_are_safe() {
        assert_eq!(cookie_encode(r#"{"v":1}"#), "%7B%22v%22%3A1%7D");
        assert_eq!(cookie_encode("a b+c;é"), "a%20b%2Bc%3B%C3%A9");
    }
}
