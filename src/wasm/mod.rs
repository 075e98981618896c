//! The `#[wasm_bindgen]` surface: a few functions that take and return one
//! byte array each (the records of `src/engine/protocol.json`), so a page crosses into
//! wasm once per drain of its calls, not once per call, and the glue stays
//! small. Engines live in a table here; the edge holds their numbers.

#[cfg(feature = "personalize")]
pub mod personalize;
#[cfg(feature = "tracker")]
pub mod tracker;

use core::cell::UnsafeCell;

use crate::prelude::*;

/// Engines by handle. The wasm build has one thread, and the edge never
/// calls in while a call is running (the engine calls nothing out), so a
/// borrow here can never overlap another.
pub struct Table<T>(UnsafeCell<Vec<Option<T>>>);

// Single-threaded wasm: see above.
unsafe impl<T> Sync for Table<T> {}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Table<T> {
    /// An empty table.
    pub const fn new() -> Table<T> {
        Table(UnsafeCell::new(Vec::new()))
    }

    /// Keeps `value`; its handle.
    pub fn put(&self, value: T) -> u32 {
        // SAFETY: single-threaded, and no other borrow of the table is live.
        let v = unsafe { &mut *self.0.get() };
        match v.iter().position(Option::is_none) {
            Some(i) => {
                v[i] = Some(value);
                i as u32
            }
            None => {
                v.push(Some(value));
                (v.len() - 1) as u32
            }
        }
    }

    /// Runs `f` on the value of `handle` (`None` for an unknown one).
    pub fn with<R>(&self, handle: u32, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        // SAFETY: as in `put`; `f` cannot reach the table (the engine does
        // no I/O and calls no JavaScript).
        let v = unsafe { &mut *self.0.get() };
        v.get_mut(handle as usize).and_then(Option::as_mut).map(f)
    }

    /// Drops the value of `handle`.
    pub fn remove(&self, handle: u32) {
        // SAFETY: as in `put`.
        let v = unsafe { &mut *self.0.get() };
        if let Some(slot) = v.get_mut(handle as usize) {
            *slot = None;
        }
    }
}
