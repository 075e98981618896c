//! Kizuna (絆): an in-browser engagement SDK in Rust, compiled to WebAssembly.
//!
//! - [`core`]: the pure logic (event model, validation, batching, encoders),
//!   tested on the host.
//! - `web` (wasm only): every browser API, behind small types that never panic.
//! - `api` (wasm only): the `#[wasm_bindgen]` surface the JavaScript package wraps.

#![deny(missing_docs)]

pub mod core;

#[cfg(any(test, target_arch = "wasm32"))]
mod heap;

#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(target_arch = "wasm32")]
mod api;
