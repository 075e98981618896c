//! Kizuna's own JSON, which is Segment's batch format: any
//! Segment-compatible collector (Segment, RudderStack, Jitsu…) accepts it.
//!
//! Event: `{type, event|name, properties|traits, anonymousId, userId?,
//! messageId, timestamp, context}`. Batch: `{"batch":[…],"sentAt":…,"writeKey"?}`.

use crate::prelude::*;

use super::{LIBRARY_NAME, LIBRARY_VERSION};
use crate::core::context::{EnvContext, PageContext};
use crate::core::event::{Event, EventType};
use crate::core::json::{write_number, write_string, write_value};
use crate::core::time::write_iso8601;

/// Appends `event` as one Segment-spec JSON object; `marketing` says
/// whether its page may carry campaign and ad click data.
pub fn write_event(out: &mut String, e: &Event, marketing: bool) {
    let mut context = String::with_capacity(512);
    if marketing {
        write_context(&mut context, &e.page, &e.env);
    } else {
        write_context(&mut context, &e.page.without_ad_ids(), &e.env);
    }
    write_event_with_context(out, e, &context);
}

/// Appends `event` with the start of its `context` object already encoded
/// (see [`write_context`]): that part is the same for every event of a page
/// view, so the tracker encodes it once per page instead of once per event.
pub fn write_event_with_context(out: &mut String, e: &Event, context: &str) {
    out.push_str("{\"type\":\"");
    out.push_str(e.kind.as_str());
    out.push('"');
    if let Some(name) = &e.name {
        out.push_str(if e.kind == EventType::Track { ",\"event\":" } else { ",\"name\":" });
        write_string(out, name);
    }
    out.push_str(if e.kind == EventType::Identify { ",\"traits\":" } else { ",\"properties\":" });
    write_value(out, &e.properties);
    out.push_str(",\"anonymousId\":");
    write_string(out, &e.anonymous_id);
    if let Some(uid) = &e.user_id {
        out.push_str(",\"userId\":");
        write_string(out, uid);
    }
    out.push_str(",\"messageId\":");
    write_string(out, &e.message_id);
    out.push_str(",\"timestamp\":\"");
    write_iso8601(out, e.timestamp_ms);
    out.push_str("\",\"context\":");
    out.push_str(context);
    out.push_str(",\"consent\":");
    e.consent.write_json(out);
    out.push_str("}}");
}

/// Appends the `context` object of events made on `page` with `env`, open
/// (without its closing brace): the per-event `consent` stamp follows.
pub fn write_context(out: &mut String, page: &PageContext, env: &EnvContext) {
    out.push_str("{\"page\":{\"path\":");
    write_string(out, &page.path);
    out.push_str(",\"referrer\":");
    write_string(out, &page.referrer);
    out.push_str(",\"search\":");
    write_string(out, &page.search);
    out.push_str(",\"title\":");
    write_string(out, &page.title);
    out.push_str(",\"url\":");
    write_string(out, &page.url);
    out.push_str("},\"locale\":");
    write_string(out, &env.locale);
    out.push_str(",\"userAgent\":");
    write_string(out, &env.user_agent);
    out.push_str(",\"screen\":{\"width\":");
    write_number(out, env.screen_width);
    out.push_str(",\"height\":");
    write_number(out, env.screen_height);
    out.push_str("},\"timezone\":");
    write_string(out, &env.timezone);
    if !page.campaign.is_empty() {
        out.push_str(",\"campaign\":{");
        for (i, (k, v)) in page.campaign.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_string(out, k);
            out.push(':');
            write_string(out, v);
        }
        out.push('}');
    }
    out.push_str(",\"library\":{\"name\":\"");
    out.push_str(LIBRARY_NAME);
    out.push_str("\",\"version\":\"");
    out.push_str(LIBRARY_VERSION);
    out.push_str("\"}");
}

/// Bytes a batch body adds around its events (with an empty write key);
/// the queue uses it to keep bodies under the size limit.
pub fn envelope_bytes(write_key: Option<&str>) -> usize {
    // {"batch":[],"sentAt":"2026-01-01T00:00:00.000Z","writeKey":""}
    let base = r#"{"batch":[],"sentAt":"2026-01-01T00:00:00.000Z"}"#.len();
    base + write_key.map(|k| r#","writeKey":"#.len() + 2 + k.len() * 6).unwrap_or(0)
}

/// A batch body: the already-encoded events inside the envelope.
pub fn write_batch<'a>(out: &mut String, events: impl Iterator<Item = &'a str>, sent_at_ms: f64, write_key: Option<&str>) {
    out.push_str("{\"batch\":[");
    for (i, e) in events.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(e);
    }
    out.push_str("],\"sentAt\":\"");
    write_iso8601(out, sent_at_ms);
    out.push('"');
    if let Some(k) = write_key {
        out.push_str(",\"writeKey\":");
        write_string(out, k);
    }
    out.push('}');
}
