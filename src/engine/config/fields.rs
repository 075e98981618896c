//! The tracker's fields as one table: each field's rule and default, and
//! what a valid value of a rule looks like for messages.

use crate::prelude::*;

use super::one_of_text;
use crate::engine::text::num::write_u64;

/// How a field of the tracker's config is checked.
#[derive(Clone, Copy)]
pub(super) enum Rule {
    /// `true` or `false`.
    Bool,
    /// A whole number in a range.
    Int(u32, u32),
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// An object (a section).
    Section,
}

/// Every field of the tracker's part of the config, with its default:
/// one table, one loop (a hand-written check per field would be code for
/// each). `endpoint` and `writeKey` are read on their own.
pub(super) const FIELDS: [(&str, Rule, u32); 40] = [
    ("batch", Rule::Section, 0),
    ("batch.maxEvents", Rule::Int(1, 1000), 100),
    // 32 KiB: what Firefox lets a keepalive request carry, so every batch
    // can go as one and still arrives when the page is left meanwhile.
    ("batch.maxBytes", Rule::Int(1024, 500_000), 32_768),
    ("batch.flushInterval", Rule::Int(0, 60_000), 1000),
    // Its upper bound follows the batch's: an event must fit in a batch.
    ("batch.maxEventBytes", Rule::Int(256, 0), 32_768),
    ("consent", Rule::Section, 0),
    ("consent.mode", Rule::OneOf(&["opt-in", "opt-out"]), 0),
    ("consent.pending", Rule::OneOf(&["buffer", "drop"]), 0),
    ("consent.bufferLimit", Rule::Int(0, 10_000), 100),
    ("consent.gpc", Rule::Bool, 1),
    ("consent.tcf", Rule::Bool, 1),
    ("consent.googleConsentMode", Rule::Bool, 1),
    ("debug", Rule::Bool, 0),
    // Read by the personalization module; known here.
    ("slots", Rule::Section, 0),
    ("queue", Rule::Section, 0),
    ("queue.maxEvents", Rule::Int(100, 1_000_000), 50_000),
    ("queue.maxBytes", Rule::Int(65_536, 64 << 20), 8 << 20),
    ("queue.whenFull", Rule::OneOf(&["drop-oldest", "drop-newest"]), 0),
    ("store", Rule::Section, 0),
    ("store.persist", Rule::Bool, 1),
    ("store.maxEvents", Rule::Int(0, 100_000), 5000),
    // At most 2 MiB: a stored queue must never fill the site's storage.
    ("store.maxBytes", Rule::Int(0, 2 << 20), 2 << 20),
    ("store.maxAgeDays", Rule::Int(1, 365), 7),
    ("autotrack", Rule::Section, 0),
    // `false` switches page views off (read as the option "false").
    ("autotrack.pageviews", Rule::OneOf(&["history", "load", "false"]), 0),
    ("autotrack.hashChanges", Rule::Bool, 0),
    ("autotrack.sessions", Rule::Bool, 1),
    ("autotrack.sessionMinutes", Rule::Int(1, 1440), 30),
    ("autotrack.clicks", Rule::Bool, 1),
    ("autotrack.scroll", Rule::Bool, 1),
    ("autotrack.engagement", Rule::Bool, 1),
    ("autotrack.heartbeatSeconds", Rule::Int(0, 3600), 0),
    ("autotrack.forms", Rule::Bool, 1),
    ("format", Rule::OneOf(&["segment", "snowplow"]), 0),
    ("consent.gpp", Rule::Bool, 1),
    ("privacy.userAgent", Rule::OneOf(&["full", "browser", "none"]), 0),
    ("privacy.referrer", Rule::OneOf(&["full", "no-query", "origin", "none"]), 0),
    ("privacy.userId", Rule::OneOf(&["send", "hash", "drop"]), 0),
    // Last, so the indices above stay; a section like the others.
    ("privacy", Rule::Section, 0),
    // Unset (0): `batch.maxBytes`, no growth. A grown request goes
    // without keepalive, and WebKit fires `beforeunload` late enough that
    // one can be in flight, cancelled after it arrived, as the page goes:
    // its events then arrive twice (docs/benchmarks.md). Opt-in.
    ("batch.maxRequestBytes", Rule::Int(1024, 500_000), 0),
];

/// What a valid value of `rule` looks like, for messages.
pub(super) fn expected(rule: Rule, values: &[u32]) -> String {
    match rule {
        Rule::Bool => "true or false".into(),
        Rule::Section => "an object".into(),
        Rule::Int(min, max) => {
            let max = if max == 0 { values.get(2).copied().unwrap_or(0).saturating_sub(512) } else { max };
            let mut s = String::from("an integer from ");
            write_u64(&mut s, u64::from(min));
            s.push_str(" to ");
            write_u64(&mut s, u64::from(max));
            s
        }
        Rule::OneOf(options) => one_of_text(options),
    }
}
