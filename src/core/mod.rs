//! The pure core: everything that decides, with no browser API in sight.
//!
//! Nothing under `core` may use `web_sys`, `js_sys` or `wasm_bindgen`; time,
//! randomness, storage and the console come in through [`platform`]'s traits,
//! so all of it runs under plain `cargo test` on the host.

pub mod config;
pub mod context;
pub mod encode;
pub mod event;
pub mod flush;
pub mod identity;
pub mod ids;
pub mod input;
pub mod json;
pub mod platform;
pub mod queue;
pub mod retry;
pub mod time;
pub mod tracker;
