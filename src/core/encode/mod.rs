//! Wire encoders: how events and batches look to a collector.
//!
//! Each event is encoded once, when it is queued, so the queue knows its
//! exact byte size; a batch body is the encoded events joined inside an
//! envelope.

pub mod kizuna;

/// The library name and version stamped on every event.
pub const LIBRARY_NAME: &str = "kizuna";
/// The version stamped on every event (the crate version).
pub const LIBRARY_VERSION: &str = env!("CARGO_PKG_VERSION");
