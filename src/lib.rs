//! Kizuna (絆): an in-browser engagement SDK in Rust, compiled to WebAssembly.
//!
//! - [`engine`]: everything that decides (tracking, consent, batching, the
//!   wire encoders, personalization), as sans-IO state machines tested on
//!   the host. No browser crate in sight.
//! - `wasm` (wasm only): the `#[wasm_bindgen]` exports, one module per
//!   engine (the `tracker` and `personalize` features pick them), through
//!   which the JavaScript edge (`js/edge/`) drives the engines.
//! - `heap` (wasm only): the allocator.

#![deny(missing_docs)]
// No `std` in the shipped wasm: its panic and formatting machinery alone
// would cost ~4 KB. Host builds of the tests keep `std`.
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

/// What `std`'s prelude would bring, for the `no_std` build.
pub(crate) mod prelude {
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

/// A panic in the wasm is a bug; it stops the module (the edge turns the
/// trap into a console error) without the formatting machinery of `std`'s
/// handler. The `std` feature leaves panics to `std` (for the browser
/// tests, whose harness brings its own handler).
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo) -> ! {
    ::core::arch::wasm32::unreachable()
}

pub mod engine;

/// The wasm build's allocator; public on the host only for
/// `examples/memory.rs`, which runs the engine on it to count the wasm
/// memory a scenario grows.
#[cfg(any(test, target_arch = "wasm32", feature = "std"))]
#[doc(hidden)]
pub mod heap;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
