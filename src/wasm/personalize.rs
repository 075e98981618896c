//! The personalization engine's exports: `personalize_start`,
//! `personalize_run`, `personalize_stop` (named apart from the tracker's, so
//! both can live in one test binary).

use wasm_bindgen::prelude::*;

use super::Table;
use crate::engine::io::RS;
use crate::engine::personalize::Personalizer;
use crate::prelude::*;

static ENGINES: Table<Personalizer> = Table::new();

/// Starts an engine from the edge's first records. Returns its handle and
/// its first answers (`<handle>` U+001E answers), or `X` and the message
/// `init` rejects with.
#[wasm_bindgen]
pub fn personalize_start(init: &str) -> String {
    match Personalizer::start(init) {
        Ok(mut p) => {
            let first = p.take_output();
            let mut out = String::with_capacity(first.len() + 8);
            crate::engine::text::num::write_u64(&mut out, u64::from(ENGINES.put(p)));
            out.push(RS);
            out.push_str(&first);
            out
        }
        Err(msg) => ["X", &msg].concat(),
    }
}

/// One crossing: records in, answers out.
#[wasm_bindgen]
pub fn personalize_run(handle: u32, input: &str) -> String {
    ENGINES.with(handle, |p| p.run(input)).unwrap_or_default()
}

/// Drops an engine.
#[wasm_bindgen]
pub fn personalize_stop(handle: u32) {
    ENGINES.remove(handle);
}
