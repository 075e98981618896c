//! The tracking engine's exports: `start`, `run`, `stop`.

use wasm_bindgen::prelude::*;

use super::Table;
use crate::engine::edge;
use crate::engine::io::Out;
use crate::engine::tracker::Tracker;
use crate::prelude::*;

static ENGINES: Table<Tracker> = Table::new();

/// Starts an engine from the edge's first crossing. Returns an `N` record
/// with its handle and its first actions, or an `X` record with the
/// message `init` rejects with.
#[wasm_bindgen]
pub fn start(init: &[u8]) -> Vec<u8> {
    let mut o = Out::default();
    match edge::start(init) {
        Ok(mut t) => {
            let actions = edge::actions(&mut t);
            o.begin(b'N').num(f64::from(ENGINES.put(t))).end();
            let mut out = o.take();
            out.extend_from_slice(&actions);
            out
        }
        Err(msg) => {
            o.begin(b'X').field(&msg).end();
            o.take()
        }
    }
}

/// One crossing: the edge's records in, the engine's actions out.
#[wasm_bindgen]
pub fn run(handle: u32, input: &[u8]) -> Vec<u8> {
    ENGINES.with(handle, |t| edge::run(t, input)).unwrap_or_default()
}

/// Drops an engine (a rejected `init`, a test tearing down).
#[wasm_bindgen]
pub fn stop(handle: u32) {
    ENGINES.remove(handle);
}
