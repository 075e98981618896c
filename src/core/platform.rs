//! The small traits through which the core reaches the outside world: time,
//! randomness, storage and the console. The browser edge implements them with
//! real browser APIs; host tests implement them with fakes.

use crate::prelude::*;

use super::json::{parse, Value};

/// Wall-clock time.
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> f64;
}

/// A source of random bytes (cryptographic where the platform has one).
pub trait Random {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]);

    /// A uniform random number in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        let mut b = [0u8; 8];
        self.fill(&mut b);
        // 53 random bits → the full precision of an f64 mantissa.
        (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Why a storage write did not happen.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreError {
    /// The storage exists but refused the write (quota exceeded, private mode).
    Full,
    /// There is no storage (disabled, sandboxed iframe, server side).
    Unavailable,
}

/// A seeded pseudo-random source (xorshift64*): reproducible runs for
/// tests and the simulation. Not for ids in a browser (that is
/// `crypto.getRandomValues`).
#[derive(Clone, Debug)]
pub struct SeededRandom(pub u64);

impl Random for SeededRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            *b = (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8;
        }
    }
}

/// A string key/value store (localStorage in the browser). Every call is
/// fallible or optional: storage can vanish or fill up at any time.
pub trait Store {
    /// The value stored under `key`, if any.
    fn get(&self, key: &str) -> Option<String>;
    /// The value under `key` read as JSON: `None` when the key is missing,
    /// `Some(Err(()))` when it holds something that is not JSON.
    /// The browser overrides this with its native `JSON.parse` (exact and
    /// already there, so the wasm does not carry a parser of its own).
    fn get_json(&self, key: &str) -> Option<Result<Value, ()>> {
        self.get(key).map(|text| parse(&text).map_err(|_| ()))
    }
    /// Stores `value` under `key`.
    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError>;
    /// Deletes `key`; missing keys are fine.
    fn remove(&mut self, key: &str);
}

/// The page's first-party cookies (`document.cookie` in the browser). Only
/// the consent record goes there, so a server can read the choice too.
pub trait Cookies {
    /// The value of cookie `name`, as stored (still encoded).
    fn get(&self, name: &str) -> Option<String>;
    /// Cookie `name` percent-decoded and read as JSON (`Some(Err)` when it
    /// is not JSON). The browser overrides it with `JSON.parse`, as for
    /// [`Store::get_json`].
    fn get_json(&self, name: &str) -> Option<Result<Value, ()>> {
        self.get(name).map(|c| parse(&super::native::percent_decode(&c)).map_err(|_| ()))
    }
    /// Sets cookie `name` for the whole site, for `max_age_days`.
    fn set(&mut self, name: &str, value: &str, max_age_days: u32);
    /// Deletes cookie `name`.
    fn remove(&mut self, name: &str);
}

/// Cookies kept in memory: for host tests and where there is no document.
#[derive(Default, Debug, Clone)]
pub struct MemoryCookies {
    /// `(name, value, max_age_days)` of every cookie set.
    pub jar: Vec<(String, String, u32)>,
}

impl Cookies for MemoryCookies {
    fn get(&self, name: &str) -> Option<String> {
        self.jar.iter().find(|(n, _, _)| n == name).map(|(_, v, _)| v.clone())
    }

    fn set(&mut self, name: &str, value: &str, max_age_days: u32) {
        self.remove(name);
        self.jar.push((name.to_string(), value.to_string(), max_age_days));
    }

    fn remove(&mut self, name: &str) {
        self.jar.retain(|(n, _, _)| n != name);
    }
}

/// How loud a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Something the site did wrong or that failed; always shown.
    Error,
    /// Something odd that Kizuna worked around; always shown.
    Warn,
    /// A trace of normal work; shown only with `debug: true`.
    Debug,
}

/// Where diagnostics go (the console, with a `[kizuna]` prefix, in the browser).
pub trait Log {
    /// Writes one message.
    fn log(&self, level: Level, message: &str);
}

/// A store that keeps everything in memory: the fallback when the browser has
/// no usable storage, and the store of host tests.
#[derive(Default, Debug, Clone)]
pub struct MemoryStore {
    entries: Vec<(String, String)>,
}

impl MemoryStore {
    /// Every key currently stored, in insertion order.
    pub fn keys(&self) -> Vec<String> {
        self.entries.iter().map(|(k, _)| k.clone()).collect()
    }
}

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Option<String> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        match self.entries.iter_mut().find(|(k, _)| k == key) {
            Some(e) => e.1 = value.to_string(),
            None => self.entries.push((key.to_string(), value.to_string())),
        }
        Ok(())
    }

    fn remove(&mut self, key: &str) {
        self.entries.retain(|(k, _)| k != key);
    }
}
