//! Segment's batch format. Event: `{type, event|name|groupId|previousId,
//! properties|traits, anonymousId, userId?, messageId, timestamp,
//! context}` (an alias has neither properties nor traits); batch:
//! `{"batch":[…],"sentAt":…,"writeKey"?}`.
//!
//! Events are written from their queued record and their page's context,
//! already encoded once per page (see [`crate::engine::page`]): the
//! properties a site gave are spliced in as they came from the edge's
//! `JSON.stringify`, never parsed again.

use crate::prelude::*;

use crate::engine::pipeline::event::{Kind, Parts};
use crate::engine::text::json::{self, literal_len, write_string};
use crate::engine::text::time::write_iso8601;

/// The member the record's name is written as, by kind: track's event
/// name, page's name, group's id, alias's previous id.
const NAME_KEY: [&str; 5] = [",\"event\":", ",\"name\":", ",\"name\":", ",\"groupId\":", ",\"previousId\":"];
/// The member its properties are written as (an alias has none).
const BODY_KEY: [&str; 5] = [",\"properties\":", ",\"properties\":", ",\"traits\":", ",\"traits\":", ""];

/// Appends the event of `p`. `fields` is its page's `{path, referrer,
/// search, title, url}` object (what a page event's properties start
/// from) and `context` the open `context` object of its page (without the
/// closing brace: the consent stamp follows), both with or without
/// marketing data as consent allows at encode time.
pub fn write_event(out: &mut String, p: &Parts, fields: &str, context: &str) {
    out.push_str("{\"type\":\"");
    out.push_str(p.kind.name());
    out.push('"');
    if !p.name.is_empty() {
        out.push_str(NAME_KEY[p.kind as usize]);
        out.push_str(p.name);
    }
    out.push_str(BODY_KEY[p.kind as usize]);
    if p.kind == Kind::Page {
        merge(out, fields, p.props);
    } else if p.kind != Kind::Alias {
        out.push_str(p.props);
    }
    out.push_str(",\"anonymousId\":");
    write_string(out, p.anonymous_id);
    if !p.user_id.is_empty() {
        out.push_str(",\"userId\":");
        out.push_str(p.user_id);
    }
    out.push_str(",\"messageId\":");
    write_string(out, p.message_id);
    out.push_str(",\"timestamp\":\"");
    write_iso8601(out, p.time);
    out.push_str("\",\"context\":");
    out.push_str(context);
    if !p.session.is_empty() {
        out.push_str(",\"session\":");
        out.push_str(p.session);
    }
    out.push_str(",\"consent\":");
    p.stamp.write_json(out, true);
    out.push_str("}}");
}

/// Appends the object `base` with the members of `overlay` in it: a
/// member of both takes the overlay's value in the base's place, the
/// overlay's others follow in their order.
pub fn merge(out: &mut String, base: &str, overlay: &str) {
    out.push('{');
    let mut first = true;
    let mut sep = |out: &mut String| {
        if !first {
            out.push(',');
        }
        first = false;
    };
    for (k, v) in json::members(base) {
        sep(out);
        out.push_str(k);
        out.push(':');
        let key = json::string(k).unwrap_or_default();
        out.push_str(json::get(overlay, &key).unwrap_or(v));
    }
    for (k, v) in json::members(overlay) {
        let key = json::string(k).unwrap_or_default();
        if json::get(base, &key).is_none() {
            sep(out);
            out.push_str(k);
            out.push(':');
            out.push_str(v);
        }
    }
    out.push('}');
}

/// The exact size of [`write_event`]'s output for an event that is not a
/// page view, with a context of `context_len` bytes.
pub fn event_size(p: &Parts, context_len: usize) -> usize {
    let k = p.kind as usize;
    let name = if p.name.is_empty() { 0 } else { p.name.len() + NAME_KEY[k].len() };
    let body = if p.kind == Kind::Alias { 0 } else { BODY_KEY[k].len() + p.props.len() };
    let user = if p.user_id.is_empty() { 0 } else { p.user_id.len() + 10 };
    // {"necessary":"granted","analytics":"…","personalization":"…","marketing":"…"}
    let stamp = 74 + p.stamp.0.iter().map(|c| c.name().len()).sum::<usize>();
    // {"type":"…" + name + body + ,"anonymousId": + ,"messageId":
    // + ,"timestamp":"…24…" + ,"context": + ,"consent": + }}
    10 + p.kind.name().len()
        + name
        + body
        + 15
        + literal_len(p.anonymous_id)
        + user
        + 13
        + literal_len(p.message_id)
        + 14
        + 24
        + 12
        + context_len
        + 11
        + stamp
        + 2
        + if p.session.is_empty() { 0 } else { p.session.len() + 11 }
}

/// Bytes a batch body adds around its events (with `write_key`).
pub fn envelope_size(write_key: Option<&str>) -> usize {
    // {"batch":[],"sentAt":"2026-01-01T00:00:00.000Z"} + ,"writeKey":"…"
    48 + write_key.map_or(0, |k| 12 + json::quoted(k).len())
}

/// Starts a batch body: `{"batch":[`.
pub fn open_batch(out: &mut String) {
    out.push_str("{\"batch\":[");
}

/// Ends a batch body: `],"sentAt":…,"writeKey":…}`.
pub fn close_batch(out: &mut String, sent_at_ms: f64, write_key: Option<&str>) {
    out.push_str("],\"sentAt\":\"");
    write_iso8601(out, sent_at_ms);
    out.push('"');
    if let Some(k) = write_key {
        out.push_str(",\"writeKey\":");
        write_string(out, k);
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::consent::{Categories, Category, Choice};

    fn parts<'a>(kind: Kind, name: &'a str, user: &'a str, props: &'a str) -> Parts<'a> {
        Parts {
            kind,
            category: Category::Analytics,
            stamp: Categories([Choice::Granted, Choice::Unknown, Choice::Denied]),
            time: 1_795_363_980_123.0,
            page: 1,
            message_id: "7d3c2b1a-0f9e-4d8c-b7a6-958473625140",
            anonymous_id: "0f8e2d5c-9b1a-4c3e-8d7f-6a5b4c3d2e1f",
            user_id: user,
            name,
            session: "{\"id\":\"s\",\"index\":2}",
            props,
        }
    }

    #[test]
    fn the_size_formula_matches_what_is_written() {
        let ctx = "{\"page\":{},\"library\":{}";
        for p in [
            parts(Kind::Track, "\"Product Viewed\"", "", "{\"a\":1}"),
            parts(Kind::Track, "\"x\"", "\"user-42\"", "{}"),
            parts(Kind::Identify, "", "\"u\"", "{\"plan\":\"pro\"}"),
            parts(Kind::Identify, "", "", "{}"),
            parts(Kind::Group, "\"acme\"", "\"u\"", "{\"plan\":\"team\"}"),
            parts(Kind::Alias, "\"old\"", "\"new\"", "{}"),
        ] {
            let mut out = String::new();
            write_event(&mut out, &p, "{}", ctx);
            assert_eq!(event_size(&p, ctx.len()), out.len(), "{out}");
            serde_json::from_str::<serde_json::Value>(&out).unwrap();
        }
    }

    #[test]
    fn page_properties_start_from_the_page_and_the_site_wins() {
        let mut out = String::new();
        merge(&mut out, r#"{"path":"/a","title":"T","url":"u"}"#, r#"{"title":"Mine","extra":1}"#);
        assert_eq!(out, r#"{"path":"/a","title":"Mine","url":"u","extra":1}"#);
        let mut out = String::new();
        merge(&mut out, "{}", "{}");
        assert_eq!(out, "{}");
    }

    #[test]
    fn batches_have_their_envelope() {
        let mut out = String::new();
        open_batch(&mut out);
        out.push_str("{\"a\":1}");
        close_batch(&mut out, 1_795_363_981_000.0, Some("demo"));
        assert_eq!(out, r#"{"batch":[{"a":1}],"sentAt":"2026-11-22T16:13:01.000Z","writeKey":"demo"}"#);
        assert_eq!(envelope_size(Some("demo")) + 7, out.len());
        assert_eq!(envelope_size(None), r#"{"batch":[],"sentAt":"2026-11-22T16:13:01.000Z"}"#.len());
    }
}
