//! The browser edge: every browser API Kizuna touches lives under this module.
//!
//! Rules here: nothing panics and nothing throws into the host page. Every
//! browser call that can fail is handled (storage falls back to memory, a
//! failed request is a status 0), and JavaScript values are only *described*
//! ([`convert`]) for the core to judge.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub mod console;
pub mod consent;
pub mod cookies;
pub mod convert;
pub mod listener;
pub mod native;
pub mod page;
pub mod platform;
pub mod runtime;
pub mod slots;
pub mod storage;
pub mod timer;
pub mod transport;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    static GLOBAL_THIS: JsValue;
}

/// The page's `window`, or `None` in a worker or on a server. Read from
/// `globalThis` directly (`web_sys::window()` probes four globals, which
/// costs wasm and glue for nothing on the web).
pub fn window() -> Option<web_sys::Window> {
    GLOBAL_THIS.with(|g| g.clone().dyn_into::<web_sys::Window>().ok())
}
