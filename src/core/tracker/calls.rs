//! The calls a site makes (`track`, `page`, `identify`, `reset`): checked,
//! turned into events stamped with the call's context, and handed to the
//! consent gate.

use crate::prelude::*;

use super::Tracker;
use crate::core::consent::{Category, Choice};
use crate::core::event::{Event, EventType};
use crate::core::identity::is_plausible_user_id;
use crate::core::ids::{is_plausible_id, uuid_v4};
use crate::core::input::{clean_object, Input, Problems};
use crate::core::json::{write_int, Value};
use crate::core::platform::Level;

/// Longest accepted event or page name.
const MAX_NAME_CHARS: usize = 255;

/// What a call's `options` say.
struct Options {
    message_id: Option<String>,
    category: Category,
}

impl Tracker {
    /// `track(name, properties, options)`. Returns whether the event was
    /// accepted (sent, or waiting for consent).
    pub fn track(&mut self, name: Input, properties: Input, options: Input) -> bool {
        let label = call_label("track", name.as_str());
        let name = match name {
            Input::String(s) if valid_name(&s) => s,
            Input::String(s) if s.trim_ascii().is_empty() => return self.drop_call(&label, "the event name is empty"),
            Input::String(_) => return self.drop_call(&label, "the event name is longer than 255 characters"),
            Input::Undefined => return self.drop_call(&label, "the event name is missing"),
            other => {
                let mut why = String::from("the event name must be a string, got ");
                why.push_str(other.type_name());
                return self.drop_call(&label, &why);
            }
        };
        self.record(EventType::Track, Some(name), properties, options, &label)
    }

    /// `page(name?, properties?, options?)`: the first argument may be the
    /// properties when there is no name.
    pub fn page(&mut self, a: Input, b: Input, options: Input) -> bool {
        let (name, props, options) = match a {
            Input::String(s) if valid_name(&s) => (Some(s), b, options),
            Input::Undefined | Input::Null => (None, b, options),
            obj @ Input::Object(_) => (None, obj, b),
            other => {
                let mut why = String::from("the page name must be a string, got ");
                why.push_str(other.type_name());
                return self.drop_call("page()", &why);
            }
        };
        let label = call_label("page", name.as_deref());
        self.record(EventType::Page, name, props, options, &label)
    }

    /// `identify(userId?, traits?, options?)`: the first argument may be the
    /// traits when there is no user id.
    pub fn identify(&mut self, a: Input, b: Input, options: Input) -> bool {
        let (user_id, traits, options) = match a {
            Input::String(s) if is_plausible_user_id(&s) => (Some(s), b, options),
            Input::Number(n) if n.is_finite() && libm::trunc(n) == n => {
                let mut s = String::new();
                write_int(&mut s, n as i64);
                (Some(s), b, options)
            }
            Input::Undefined | Input::Null => (None, b, options),
            obj @ Input::Object(_) => (None, obj, b),
            other => {
                let why = match other {
                    Input::String(_) => "the user id must be a non-empty string of at most 255 characters".to_string(),
                    o => {
                        let mut w = String::from("the user id must be a string, got ");
                        w.push_str(o.type_name());
                        w
                    }
                };
                return self.drop_call("identify()", &why);
            }
        };
        let mut problems = Problems::default();
        let traits = match clean_object(traits, "traits", &mut problems) {
            Ok(t) => t,
            Err(found) => {
                let mut why = String::from("traits must be a plain object, got ");
                why.push_str(&found);
                return self.drop_call("identify()", &why);
            }
        };
        self.identity.identify(user_id, traits);
        self.save_identity();
        let merged = self.identity.traits.clone();
        let event = self.make_event(EventType::Identify, None, merged, options, "identify()", problems);
        self.admit(event, "identify()")
    }

    /// `reset()`: forget the user, start a new anonymous visitor.
    pub fn reset(&mut self) {
        self.identity.reset(self.platform.random.as_mut());
        self.save_identity();
        if self.config.debug {
            self.log(Level::Debug, "reset: new anonymous id");
        }
    }

    fn record(&mut self, kind: EventType, name: Option<String>, properties: Input, options: Input, label: &str) -> bool {
        let mut problems = Problems::default();
        let props = match clean_object(properties, "properties", &mut problems) {
            Ok(p) => p,
            Err(found) => {
                let mut p = String::from("properties must be a plain object, got ");
                p.push_str(&found);
                p.push_str(" (sent without them)");
                problems.0.push(p);
                Value::object()
            }
        };
        if let (EventType::Track, Some(n)) = (kind, name.as_deref()) {
            self.observe_event(n, &props);
        }
        let props = if kind == EventType::Page {
            // A page event carries the page, as Segment's does (its ad click
            // ids only with marketing consent); the site's own properties
            // win over the captured ones.
            let page = self.call_page();
            let mut base = if self.consent.get(Category::Marketing) == Choice::Granted { page.to_value() } else { page.without_ad_ids().to_value() };
            if let Value::Object(fields) = props {
                for (k, v) in fields {
                    base.set(&k, v);
                }
            }
            base
        } else {
            props
        };
        let event = self.make_event(kind, name, props, options, label, problems);
        self.admit(event, label)
    }

    /// Builds the event with everything fixed at call time, and reports what
    /// was wrong with the call's values (once, as one message).
    pub(super) fn make_event(&mut self, kind: EventType, name: Option<String>, properties: Value, options: Input, label: &str, mut problems: Problems) -> Event {
        let options = self.read_options(options, &mut problems);
        if !problems.is_empty() {
            let mut msg = String::from(label);
            msg.push_str(": ");
            msg.push_str(&problems.joined());
            msg.push_str("; those values were left out and the event was sent");
            self.log(Level::Warn, &msg);
        }
        Event {
            kind,
            name,
            properties,
            anonymous_id: self.identity.anonymous_id.clone(),
            user_id: self.identity.user_id.clone(),
            message_id: options.message_id.unwrap_or_else(|| uuid_v4(self.platform.random.as_mut())),
            timestamp_ms: match &self.replay {
                Some((time, _)) => *time,
                None => self.platform.clock.now_ms(),
            },
            page: self.call_page(),
            env: self.env.clone(),
            category: options.category,
            consent: self.consent.effective(),
        }
    }

    /// Reads the per-call options (`messageId`, `category`); complains about the rest.
    fn read_options(&self, options: Input, problems: &mut Problems) -> Options {
        let mut out = Options { message_id: None, category: Category::Analytics };
        let fields = match options {
            Input::Undefined | Input::Null => return out,
            Input::Object(fields) => fields,
            other => {
                let mut p = String::from("options must be a plain object, got ");
                p.push_str(other.type_name());
                problems.0.push(p);
                return out;
            }
        };
        for (k, v) in fields {
            match (k.as_str(), v) {
                ("messageId", Input::String(id)) if is_plausible_id(&id) => out.message_id = Some(id),
                ("category", Input::String(c)) if Category::parse(&c).is_some() => {
                    out.category = Category::parse(&c).unwrap_or(Category::Analytics);
                }
                (_, Input::Undefined) => {}
                ("messageId", _) => problems.0.push("options.messageId must be 1-128 printable characters without spaces".into()),
                ("category", _) => problems
                    .0
                    .push("options.category must be 'necessary', 'analytics', 'personalization' or 'marketing' (analytics used)".into()),
                (other, _) => {
                    let mut p = String::from("options.");
                    p.push_str(other);
                    p.push_str(" is not a known option");
                    problems.0.push(p);
                }
            }
        }
        out
    }
}

fn valid_name(s: &str) -> bool {
    !s.trim_ascii().is_empty() && char_count(s) <= MAX_NAME_CHARS
}

/// Characters in `s`, counted from its UTF-8 lead bytes (`chars().count()`
/// links a vectorised counter several times this size into the wasm).
pub fn char_count(s: &str) -> usize {
    s.bytes().filter(|b| (b & 0xc0) != 0x80).count()
}

/// `track('Signed Up')`, `page()`: how messages name the call.
pub(super) fn call_label(call: &str, name: Option<&str>) -> String {
    let mut s = String::from(call);
    s.push('(');
    if let Some(n) = name {
        s.push('\'');
        s.extend(n.chars().take(60));
        s.push('\'');
    }
    s.push(')');
    s
}
