//! The convention every section of the config is read with, the
//! personalization module's included: a wrong value is a [`ConfigError`]
//! naming the field; an unknown key is a warning, with a suggestion when it
//! looks like a typo.

use crate::prelude::*;

use crate::engine::text::cat;
use crate::engine::text::json::{self, Kind};
use crate::engine::text::num::write_fixed;

/// A config field that is wrong, and how.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    /// Dotted path of the field, e.g. `batch.maxEvents`.
    pub field: String,
    /// What a valid value looks like.
    pub expected: String,
    /// What was found instead.
    pub found: String,
}

impl ConfigError {
    /// `field` must be `expected` but is `found`.
    pub fn new(field: &str, expected: &str, found: &str) -> ConfigError {
        ConfigError { field: field.into(), expected: expected.into(), found: found.into() }
    }

    /// The message `init` rejects with: names the field, says what it needs.
    pub fn message(&self) -> String {
        let mut s = String::from("invalid config: ");
        for part in [&self.field, " must be ", &self.expected, " (got ", &self.found, ")"] {
            s.push_str(part);
        }
        s
    }
}

/// A value found where another was expected, for messages: strings quoted
/// (first 80 characters), numbers as written, others by type.
pub fn found(v: &str) -> String {
    match json::kind(v) {
        Kind::String => {
            let s = json::string(v).unwrap_or_default();
            let mut q = String::from("\"");
            q.push_str(crate::engine::text::chars_prefix(&s, 80));
            q.push('"');
            q
        }
        Kind::Number => json::first(v).into(),
        _ => json::type_name(v),
    }
}

/// One object of the config, read with the shared convention.
pub struct Section<'a> {
    /// Its dotted path with a trailing dot (`batch.`), empty at the top.
    pub prefix: String,
    /// Its text.
    pub text: &'a str,
}

impl<'a> Section<'a> {
    /// The object at `text`, its unknown keys reported in `warnings`; an
    /// error when it is not an object.
    pub fn open(text: &'a str, path: &str, known: &[&str], warnings: &mut Vec<String>) -> Result<Section<'a>, ConfigError> {
        if json::kind(text) != Kind::Object {
            return Err(ConfigError::new(if path.is_empty() { "config" } else { path }, "an object", &found(text)));
        }
        let prefix = if path.is_empty() { String::new() } else { cat(&[path, "."]) };
        warn_unknown(text, &prefix, known, warnings);
        Ok(Section { prefix, text })
    }

    /// The dotted path of `key`.
    pub fn path(&self, key: &str) -> String {
        crate::engine::text::cat(&[&self.prefix, key])
    }

    /// The value of `key`, unless unset (missing, `null` or `undefined`).
    pub fn get(&self, key: &str) -> Option<&'a str> {
        json::field(self.text, key)
    }

    /// An error for `key`: it must be `expected`.
    pub fn error(&self, key: &str, expected: &str, v: &str) -> ConfigError {
        ConfigError::new(&self.path(key), expected, &found(v))
    }

    /// A boolean field.
    pub fn boolean(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => json::boolean(v).ok_or_else(|| self.error(key, "true or false", v)),
        }
    }

    /// A number field within `[min, max]` (`integer`: whole numbers only).
    pub fn number(&self, key: &str, min: f64, max: f64, integer: bool, default: f64) -> Result<f64, ConfigError> {
        let Some(v) = self.get(key) else { return Ok(default) };
        match if integer { json::integer(v) } else { json::number(v) } {
            Some(n) if n >= min && n <= max => Ok(n),
            _ => {
                let mut expected = String::from(if integer { "an integer from " } else { "a number from " });
                write_fixed(&mut expected, min, 6);
                expected.push_str(" to ");
                write_fixed(&mut expected, max, 6);
                Err(self.error(key, &expected, v))
            }
        }
    }

    /// A string field that must be one of `options`; the index chosen.
    pub fn one_of(&self, key: &str, options: &[&str], default: usize) -> Result<usize, ConfigError> {
        let Some(v) = self.get(key) else { return Ok(default) };
        let s = json::string(v).unwrap_or_default();
        options.iter().position(|o| *o == s).ok_or_else(|| self.error(key, &one_of_text(options), v))
    }
}

/// `'a' or 'b'`, `'a', 'b' or 'c'`.
pub fn one_of_text(options: &[&str]) -> String {
    let mut expected = String::new();
    for (i, o) in options.iter().enumerate() {
        expected.push_str(if i == 0 {
            "'"
        } else if i + 1 == options.len() {
            " or '"
        } else {
            ", '"
        });
        expected.push_str(o);
        expected.push('\'');
    }
    expected
}

/// Warns about the keys of the object `v` that are not `known`, with a
/// suggestion when one looks like a typo of a known key.
pub fn warn_unknown(v: &str, prefix: &str, known: &[&str], warnings: &mut Vec<String>) {
    for (k, _) in json::members(v) {
        let key = json::string(k).unwrap_or_default();
        if known.contains(&key.as_str()) {
            continue;
        }
        let mut w = cat(&["unknown config key ", prefix, &key, " ignored"]);
        if let Some(s) = known.iter().find(|c| close_enough(&key, c)) {
            w.push_str(&cat(&[" (did you mean ", prefix, s, "?)"]));
        }
        warnings.push(w);
    }
}

/// Typos worth a suggestion: the same letters ignoring ASCII case, at most
/// two single-character edits apart, or the start of the key (4 letters at
/// least: `halfLife` for `halfLifeDays`).
fn close_enough(a: &str, b: &str) -> bool {
    let a: Vec<u8> = a.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<u8> = b.bytes().map(|c| c.to_ascii_lowercase()).collect();
    if a.len() >= 4 && b.starts_with(&a) {
        return true;
    }
    if a.len().abs_diff(b.len()) > 2 {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()] <= 2
}
