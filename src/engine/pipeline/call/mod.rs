//! Stage 1: a call as the site made it (`track`, `page`, `identify`,
//! `group`, `alias`),
//! checked and cleaned. Every decision about what is allowed, and every
//! message about it, is made here, so host tests cover each bad input
//! without a browser.
//!
//! The edge hands over each argument either as clean JSON (its fast path:
//! a name it checked, properties `JSON.stringify` wrote without anything
//! to report) or *described* (see [`crate::engine::text::json`]), with
//! markers for what JSON cannot hold.
//!
//! - here: [`check`], the decision on each call and its arguments
//! - `clean`: properties and traits cleaned, each left-out value named
//! - `options`: the per-call options (`messageId`, `category`)
//! - `messages`: how messages name a call, and a dropped call's message

mod clean;
mod messages;
mod options;

use crate::prelude::*;

use self::clean::clean_props;
use self::options::read_options;
use super::event::Kind;
use crate::engine::consent::Category;
use crate::engine::text::json::{self, Kind as J};
use crate::engine::text::num::{floor, write_i64};
use crate::engine::text::url::char_count;
use crate::engine::text::{cat, join};

pub use self::clean::clean_object;
pub use self::messages::{dropped, label};

/// Longest accepted event or page name, and user or group id.
pub const MAX_NAME_CHARS: usize = 255;

/// A call as the edge passed it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Call<'a> {
    /// Which call.
    pub kind: Kind,
    /// The arguments are clean: a checked name literal, properties JSON
    /// that needs no cleaning, no options.
    pub fast: bool,
    /// The three arguments (`undefined` as `!v`).
    pub args: [&'a str; 3],
}

/// A checked call.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    /// Which call.
    pub kind: Kind,
    /// The name as a JSON literal (empty when none).
    pub name: String,
    /// The user id `identify` sets, or `alias` sends (decoded), if any.
    pub user_id: Option<String>,
    /// Properties or traits, clean JSON.
    pub props: String,
    /// `options.messageId`.
    pub message_id: Option<String>,
    /// `options.category` (analytics by default).
    pub category: Category,
    /// What was wrong but did not stop the call, as one message.
    pub warning: Option<String>,
}

/// Checks a call. `Err` is the message of a call that records nothing.
///
/// `group` leaves the group id in `name` (a JSON string, empty when not
/// given: the tracker uses the kept one); `alias` its user id in
/// `user_id` and the previous id in `name` (empty when not given: the
/// tracker uses the current user id, else the anonymous id).
pub fn check(call: &Call) -> Result<Checked, String> {
    let [a, b, c] = call.args;
    let kind = call.kind;
    // Calls about ids never quote them in messages (user ids are personal).
    let named = matches!(kind, Kind::Track | Kind::Page);
    // The edge stops describing past what an event may hold.
    if !call.fast && json::kind(a) == J::Marker(b'l') {
        return Err(dropped(
            &label(kind.name(), None),
            match kind {
                Kind::Identify | Kind::Alias => "the user id is longer than 255 characters",
                Kind::Group => "the group id is longer than 255 characters",
                _ => "the name is longer than 255 characters",
            },
        ));
    }
    if !call.fast && json::kind(b) == J::Marker(b'l') {
        let name = if named && json::kind(a) == J::String { json::string(a) } else { None };
        let why = if kind == Kind::Alias {
            "the previous id is longer than 255 characters"
        } else {
            "the properties are too large: the event would be over the limit of its size"
        };
        return Err(dropped(&label(kind.name(), name.as_deref()), why));
    }
    if call.fast {
        return Ok(Checked {
            kind,
            name: a.into(),
            user_id: None,
            props: b.into(),
            message_id: None,
            category: Category::Analytics,
            warning: None,
        });
    }
    let mut problems = Vec::new();
    let (name, user_id, props, options, label) = match kind {
        Kind::Track => {
            let name = json::string(a);
            let label = label("track", name.as_deref());
            let why = match (json::kind(a), &name) {
                (J::String, Some(s)) if is_blank(s) => Some(String::from("the event name is empty")),
                (J::String, Some(s)) if char_count(s) > MAX_NAME_CHARS => {
                    Some(String::from("the event name is longer than 255 characters"))
                }
                (J::String, Some(_)) => None,
                (J::Marker(b'v'), _) => Some(String::from("the event name is missing")),
                _ => Some(cat(&["the event name must be a string, got ", &json::type_name(a)])),
            };
            if let Some(why) = why {
                return Err(dropped(&label, &why));
            }
            (json::first(a).to_string(), None, clean_props(b, &mut problems), c, label)
        }
        Kind::Page => {
            let (name, props, options) = match json::kind(a) {
                J::String => (json::string(a), b, c),
                J::Null | J::Marker(b'v') => (None, b, c),
                J::Object => (None, a, b),
                _ => return Err(dropped("page()", &cat(&["the page name must be a string, got ", &json::type_name(a)]))),
            };
            let label = label("page", name.as_deref());
            match &name {
                Some(s) if is_blank(s) => return Err(dropped(&label, "the page name is empty")),
                Some(s) if char_count(s) > MAX_NAME_CHARS => return Err(dropped(&label, "the page name is longer than 255 characters")),
                _ => {}
            }
            let name = name.map(|_| json::first(a).to_string()).unwrap_or_default();
            (name, None, clean_props(props, &mut problems), options, label)
        }
        Kind::Identify | Kind::Group => {
            let label = label(kind.name(), None);
            let what = if kind == Kind::Group { "group id" } else { "user id" };
            // `identify(traits, options)`, `group(traits, options)`.
            let (id, traits, options) = if json::kind(a) == J::Object { (None, a, b) } else { (id_of(a, &label, what)?, b, c) };
            let props = match clean_object(traits, "traits", &mut problems) {
                Ok(p) => p,
                Err(t) => return Err(dropped(&label, &cat(&["traits must be a plain object, got ", &t]))),
            };
            if kind == Kind::Group {
                (id.as_deref().map(json::quoted).unwrap_or_default(), None, props, options, label)
            } else {
                (String::new(), id, props, options, label)
            }
        }
        Kind::Alias => {
            let label = String::from("alias()");
            let Some(user) = id_of(a, &label, "user id")? else {
                return Err(dropped(&label, "the user id is missing"));
            };
            // `alias(userId, options)`.
            let (previous, options) = if json::kind(b) == J::Object { (None, b) } else { (id_of(b, &label, "previous id")?, c) };
            (previous.as_deref().map(json::quoted).unwrap_or_default(), Some(user), String::from("{}"), options, label)
        }
    };
    let (message_id, category) = read_options(options, &mut problems);
    let warning =
        (!problems.is_empty()).then(|| cat(&[&label, ": ", &join(&problems, ", "), "; those values were left out and the event was sent"]));
    Ok(Checked { kind, name, user_id, props, message_id, category, warning })
}

/// A user or group id argument: a string, or a whole number written as
/// one; `None` when it is not given (`undefined`, `null`). `Err` is the
/// message of the call (`label`), naming the id as `what`.
fn id_of(v: &str, label: &str, what: &str) -> Result<Option<String>, String> {
    let id = match json::kind(v) {
        J::String => json::string(v),
        J::Number => {
            let n = json::number(v).unwrap_or(f64::NAN);
            if !(n.is_finite() && floor(n) == n && n.abs() < 9.0e15) {
                return Err(dropped(label, &cat(&["the ", what, " must be a string, got a number that is not a whole number"])));
            }
            let mut s = String::new();
            write_i64(&mut s, n as i64);
            Some(s)
        }
        J::Null | J::Marker(b'v') => None,
        _ => return Err(dropped(label, &cat(&["the ", what, " must be a string, got ", &json::type_name(v)]))),
    };
    if id.as_deref().is_some_and(|u| is_blank(u) || char_count(u) > MAX_NAME_CHARS) {
        return Err(dropped(label, &cat(&["the ", what, " must be a non-empty string of at most 255 characters"])));
    }
    Ok(id)
}

impl Checked {
    /// How messages name the call: `track('Signed Up')`, `group()`.
    pub fn label(&self) -> String {
        let name = json::string(&self.name).filter(|_| matches!(self.kind, Kind::Track | Kind::Page));
        label(self.kind.name(), name.as_deref())
    }
}

fn is_blank(s: &str) -> bool {
    s.trim_ascii().is_empty()
}

#[cfg(test)]
mod tests;
