//! The personalization engine's exports: `personalize_start`,
//! `personalize_run`, `personalize_stop` (named apart from the tracker's, so
//! both can live in one test binary).

use wasm_bindgen::prelude::*;

use super::Table;
use crate::engine::io::Out;
use crate::engine::personalize::Personalizer;
use crate::prelude::*;

static ENGINES: Table<Personalizer> = Table::new();

/// Starts an engine from the edge's first records. Returns an `N` record
/// with its handle and its first answers.
#[wasm_bindgen]
pub fn personalize_start(init: &[u8]) -> Vec<u8> {
    let mut p = Personalizer::start(init);
    let first = p.take_output();
    let mut o = Out::default();
    o.begin(b'N').num(f64::from(ENGINES.put(p))).end();
    let mut out = o.take();
    out.extend_from_slice(&first);
    out
}

/// One crossing: records in, answers out.
#[wasm_bindgen]
pub fn personalize_run(handle: u32, input: &[u8]) -> Vec<u8> {
    ENGINES.with(handle, |p| p.run(input)).unwrap_or_default()
}

/// Drops an engine.
#[wasm_bindgen]
pub fn personalize_stop(handle: u32) {
    ENGINES.remove(handle);
}
