//! The tracking engine's exports: `start`, `run`, `stop`.

use wasm_bindgen::prelude::*;

use super::Table;
use crate::engine::edge;
use crate::engine::tracker::Tracker;
use crate::prelude::*;

static ENGINES: Table<Tracker> = Table::new();

/// Starts an engine from the edge's first crossing. Returns its handle and
/// its first actions (`<handle>` U+001E actions), or `X` and the message
/// `init` rejects with.
#[wasm_bindgen]
pub fn start(init: &str) -> String {
    match edge::start(init) {
        Ok(mut t) => {
            let actions = edge::actions(&mut t);
            let mut out = String::with_capacity(actions.len() + 8);
            crate::engine::text::num::write_u64(&mut out, u64::from(ENGINES.put(t)));
            out.push(edge::RS);
            out.push_str(&actions);
            out
        }
        Err(msg) => ["X", &msg].concat(),
    }
}

/// One crossing: the edge's records in, the engine's actions out.
#[wasm_bindgen]
pub fn run(handle: u32, input: &str) -> String {
    ENGINES.with(handle, |t| edge::run(t, input)).unwrap_or_default()
}

/// Drops an engine (a rejected `init`, a test tearing down).
#[wasm_bindgen]
pub fn stop(handle: u32) {
    ENGINES.remove(handle);
}
