//! `localStorage` as the core's [`Store`], falling back to memory when the
//! browser has none (disabled, sandboxed, private mode) or it is full.

use crate::prelude::*;

use crate::core::input::json_value;
use crate::core::json::Value;
use crate::core::platform::{Level, MemoryStore, Store, StoreError};

use super::console;

/// localStorage with a memory fallback. A key written to memory (because
/// the browser refused it) is read back from memory, so callers see one
/// consistent store either way.
pub struct LocalStore {
    storage: Option<web_sys::Storage>,
    memory: MemoryStore,
    warned: bool,
}

impl LocalStore {
    /// Opens `window.localStorage`, or memory only when it is unavailable.
    pub fn open() -> LocalStore {
        // Reading the property itself throws in sandboxed frames.
        let storage = super::window().and_then(|w| w.local_storage().ok().flatten());
        LocalStore { storage, memory: MemoryStore::default(), warned: false }
    }

    /// A store that never touches the browser's storage.
    pub fn memory_only() -> LocalStore {
        LocalStore { storage: None, memory: MemoryStore::default(), warned: false }
    }

    /// Whether writes reach the browser's storage.
    pub fn is_persistent(&self) -> bool {
        self.storage.is_some()
    }
}

impl Store for LocalStore {
    fn get(&self, key: &str) -> Option<String> {
        if let Some(v) = self.memory.get(key) {
            return Some(v);
        }
        self.storage.as_ref()?.get_item(key).ok().flatten()
    }

    fn get_json(&self, key: &str) -> Option<Result<Value, ()>> {
        let text = self.get(key)?;
        Some(js_sys::JSON::parse(&text).map(|v| json_value(super::convert::to_input(&v))).map_err(|_| ()))
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        let result = match &self.storage {
            Some(s) => s.set_item(key, value).map_err(|_| StoreError::Full),
            None => Err(StoreError::Unavailable),
        };
        if result.is_err() {
            if self.storage.is_some() && !self.warned {
                self.warned = true;
                console::write(Level::Warn, "localStorage refused a write (full or blocked); keeping Kizuna's data in memory for this page");
            }
            let _ = self.memory.set(key, value);
        } else {
            self.memory.remove(key);
        }
        result
    }

    fn remove(&mut self, key: &str) {
        self.memory.remove(key);
        if let Some(s) = &self.storage {
            let _ = s.remove_item(key);
        }
    }
}
