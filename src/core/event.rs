//! The event model: one call of `track`, `page` or `identify`, with
//! everything about it fixed at call time.

use crate::prelude::*;

use alloc::rc::Rc;

use super::consent::{Categories, Category};
use super::context::{strip_ad_ids, EnvContext, PageContext};
use super::json::Value;

/// Which call made the event (Segment's `type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    /// `track(name, properties)`
    Track,
    /// `page(name?, properties?)`
    Page,
    /// `identify(userId?, traits?)`
    Identify,
}

impl EventType {
    /// The wire name (`track`, `page`, `identify`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Track => "track",
            EventType::Page => "page",
            EventType::Identify => "identify",
        }
    }
}

/// One event, complete as it will be sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// The call that made it.
    pub kind: EventType,
    /// The event name (track) or page name (page).
    pub name: Option<String>,
    /// Properties (track, page) or traits (identify), already cleaned.
    pub properties: Value,
    /// The visitor's anonymous id at call time.
    pub anonymous_id: String,
    /// The known user id at call time.
    pub user_id: Option<String>,
    /// Unique id made at call time; collectors deduplicate on it.
    pub message_id: String,
    /// Call time, epoch milliseconds.
    pub timestamp_ms: f64,
    /// The page at call time.
    pub page: Rc<PageContext>,
    /// The device at call time.
    pub env: Rc<EnvContext>,
    /// What the event is for: `analytics` unless the call says otherwise.
    pub category: Category,
    /// The consent state when the event was made (`context.consent`).
    pub consent: Categories,
}

impl Event {
    /// The same event as it may be sent without `marketing`: a page event's
    /// properties (which carry the page's URLs, as Segment's do) lose their
    /// ad click ids; the context loses them with the campaign when encoded
    /// (see [`crate::core::encode::kizuna::write_event`]).
    pub fn without_marketing(&self) -> Event {
        let mut plain = self.clone();
        if self.kind == EventType::Page {
            for key in ["url", "referrer", "search"] {
                if let Some(s) = plain.properties.get(key).and_then(Value::as_str) {
                    let stripped = strip_ad_ids(s);
                    plain.properties.set(key, Value::from(stripped.as_str()));
                }
            }
        }
        plain
    }
}
