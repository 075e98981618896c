//! The tracker's config as it crosses: the `K` record the edge writes once
//! it has validated the site's object (`js/edge/config.js`, by the rules of
//! `tests/fixtures/config-schema.json`), read field by field in the order
//! `src/engine/protocol.json` lists them. Numbers and checked text only: no
//! config text is read here.

use crate::prelude::*;

use super::{AutoPolicy, BatchPolicy, Config, Privacy, QueuePolicy, StorePolicy};
use crate::engine::consent::state::{ConsentConfig, Mode, Pending};
use crate::engine::protocol::Rec;

/// The config of a `K` record (`sensitive` comes in `H` records after it).
pub fn read_config(r: &mut Rec) -> Config {
    let (endpoint, write_key, salt) = (r.s().to_string(), r.s(), r.s().to_string());
    let (snowplow, debug) = (r.u() == 1, r.flag());
    let (max_events, max_bytes, flush, max_event_bytes, grow) = (r.u(), r.u(), r.u(), r.u(), r.u());
    let batch = BatchPolicy {
        max_events: max_events as usize,
        max_bytes: max_bytes as usize,
        flush_interval_ms: f64::from(flush),
        max_event_bytes: max_event_bytes as usize,
        // Unset (0): no growth.
        max_request_bytes: grow.max(max_bytes) as usize,
    };
    let consent = ConsentConfig {
        mode: if r.u() == 1 { Mode::OptOut } else { Mode::OptIn },
        pending: if r.u() == 1 { Pending::Drop } else { Pending::Buffer },
        buffer_limit: r.u() as usize,
        gpc: r.flag(),
        tcf: r.flag(),
        google_consent_mode: r.flag(),
        gpp: r.flag(),
    };
    let queue = QueuePolicy { max_events: r.u() as usize, max_bytes: r.u() as usize, drop_newest: r.u() == 1 };
    let store = StorePolicy {
        persist: r.flag(),
        max_events: r.u() as usize,
        max_bytes: r.u() as usize,
        max_age_ms: f64::from(r.u()) * 86_400_000.0,
    };
    let auto = AutoPolicy {
        pageviews: r.u().min(2) as u8,
        hash_changes: r.flag(),
        sessions: r.flag(),
        session_ms: f64::from(r.u()) * 60_000.0,
        clicks: r.flag(),
        scroll: r.flag(),
        engagement: r.flag(),
        heartbeat_ms: f64::from(r.u()) * 1000.0,
        forms: r.flag(),
    };
    let privacy = Privacy { user_agent: r.u().min(2) as u8, referrer: r.u().min(3) as u8, user_id: r.u().min(2) as u8, salt };
    Config {
        endpoint,
        write_key: (!write_key.is_empty()).then(|| write_key.to_string()),
        debug,
        batch,
        consent,
        queue,
        store,
        auto,
        snowplow,
        privacy,
        sensitive: Vec::new(),
    }
}
