//! The engine: everything that decides, with no browser API in sight.
//!
//! Nothing under `engine` may use web-sys, js-sys or wasm-bindgen: it does
//! no I/O. The edge (JavaScript, `js/edge/`) hands it [`io::Input`]s and
//! carries out the [`io::Action`]s it returns, so all of it, sequencing
//! included, runs under plain `cargo test` with a fake clock.
//!
//! - [`tracker`]: the tracking engine (the state machine)
//! - [`pipeline`]: call → event → gate → queue → batch → transport
//! - [`consent`], [`identity`], [`flush`], [`page`]: what the stages consult
//! - [`encode`]: the wire formats
//! - [`personalize`]: the personalization engine (its own wasm module)
//! - [`config`]: the validated `init` config
//! - [`edge`]: the text both sides of the wasm boundary speak
//! - [`text`]: JSON reading and writing, numbers, time, URLs, randomness

pub mod autotrack;
pub mod config;
pub mod consent;
pub mod edge;
pub mod encode;
pub mod flush;
pub mod identity;
pub mod io;
pub mod page;
pub mod personalize;
pub mod pipeline;
pub mod protocol;
pub mod session;
pub mod text;
pub mod tracker;
