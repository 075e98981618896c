//! The pure core: everything that decides, with no browser API in sight.
//!
//! Nothing under `core` may use the browser crates (web-sys, js-sys,
//! wasm-bindgen): time, randomness, storage and the console come in through
//! [`platform`]'s traits, so all of it runs under plain `cargo test` on the
//! host. The one seam the other way is [`native`] (two text conversions the
//! browser supplies to the wasm build).

pub mod config;
pub mod consent;
pub mod context;
pub mod encode;
pub mod event;
pub mod flush;
pub mod identity;
pub mod ids;
pub mod input;
pub mod json;
pub mod native;
pub mod personalize;
pub mod platform;
pub mod queue;
pub mod retry;
pub mod time;
pub mod tracker;
