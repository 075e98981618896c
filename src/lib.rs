//! Kizuna (絆): an in-browser engagement SDK in Rust, compiled to WebAssembly.
//!
//! - [`core`]: the pure logic (event model, validation, batching, encoders),
//!   tested on the host.
//! - `web` (wasm only): every browser API, behind small types that never panic.
//! - `api` (wasm only): the `#[wasm_bindgen]` surface the JavaScript package wraps.

#![deny(missing_docs)]
// No `std` in the shipped wasm: its panic and formatting machinery alone
// would cost ~4 KB. Host builds of the tests keep `std`.
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

/// What `std`'s prelude would bring, for the `no_std` build.
pub(crate) mod prelude {
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

/// A panic in the wasm is a bug; it stops the module (the JavaScript
/// wrapper turns the trap into a console error) without the formatting
/// machinery of `std`'s handler. The `std` feature leaves panics to `std`
/// (for the browser tests, whose harness brings its own handler).
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo) -> ! {
    ::core::arch::wasm32::unreachable()
}

pub mod core;
pub mod engine;

#[cfg(any(test, target_arch = "wasm32"))]
mod heap;

#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(target_arch = "wasm32")]
mod api;
