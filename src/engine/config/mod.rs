//! The configuration a site passes to `init`, as the tracker reads it. The
//! edge validates the whole object by the one config schema
//! (`js/edge/config.js` the tracker's part, `js/edge/personal.js` the
//! personalization module's, when it loads) and both cross as numbers and
//! checked text: the tracker's part in a `K` record ([`read_config`]), the
//! personalization module's in its own records
//! ([`crate::engine::personalize::config`]).
//!
//! - `policies`: the batch, queue, store and autotrack settings
//! - `privacy`: the data-minimization switches and what they do to a value
//! - `record`: [`read_config`], the tracker's config from its `K` record

mod policies;
mod privacy;
mod record;

use crate::prelude::*;

use super::consent::state::ConsentConfig;

pub use self::policies::{AutoPolicy, BatchPolicy, QueuePolicy, StorePolicy};
pub use self::privacy::Privacy;
pub use self::record::read_config;

/// A validated configuration (the tracker's part; `slots` and `profile`
/// are the personalization module's).
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Where batches are POSTed: an absolute http(s) URL or a path on the page's origin.
    pub endpoint: String,
    /// Sent in each batch body as `writeKey` when set.
    pub write_key: Option<String>,
    /// Log every event and batch to the console.
    pub debug: bool,
    /// Batching limits.
    pub batch: BatchPolicy,
    /// Consent rules.
    pub consent: ConsentConfig,
    /// The queue's bounds.
    pub queue: QueuePolicy,
    /// The stored copy.
    pub store: StorePolicy,
    /// What is tracked without code.
    pub auto: AutoPolicy,
    /// The wire format: Snowplow's tracker protocol instead of Segment's batch.
    pub snowplow: bool,
    /// The data-minimization switches (`privacy.*`).
    pub privacy: Privacy,
    /// `profile.sensitive`: topics the profile must never learn, so the
    /// signal log never holds them either (compared ignoring ASCII case
    /// and surrounding spaces).
    pub sensitive: Vec<String>,
}
