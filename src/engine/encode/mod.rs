//! The wire encoders: how a queued event looks to a collector.
//!
//! - [`segment`]: Segment's batch format (Kizuna's own), which Segment,
//!   RudderStack, Jitsu and other Segment-compatible collectors accept.
//! - [`snowplow`]: Snowplow's tracker protocol (`format: 'snowplow'`), for
//!   Snowplow pipelines.

pub mod segment;
pub mod snowplow;

/// `context.library.name`.
pub const LIBRARY_NAME: &str = "kizuna";
/// `context.library.version`.
pub const LIBRARY_VERSION: &str = env!("CARGO_PKG_VERSION");
