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

use crate::prelude::*;

use super::event::Kind;
use crate::engine::consent::Category;
use crate::engine::text::json::{self, Kind as J};
use crate::engine::text::num::{floor, write_i64};
use crate::engine::text::rng::is_plausible_id;
use crate::engine::text::url::char_count;
use crate::engine::text::{cat, chars_prefix, join};

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

/// Properties: a plain object, cleaned; anything else is sent as `{}`,
/// with a problem saying so.
fn clean_props(v: &str, problems: &mut Vec<String>) -> String {
    match clean_object(v, "properties", problems) {
        Ok(p) => p,
        Err(t) => {
            problems.push(cat(&["properties must be a plain object, got ", &t, " (sent without them)"]));
            String::from("{}")
        }
    }
}

fn is_blank(s: &str) -> bool {
    s.trim_ascii().is_empty()
}

/// `track('Signed Up')`, `page()`: how messages name a call (60 characters
/// of the name at most).
pub fn label(call: &str, name: Option<&str>) -> String {
    let mut s = String::from(call);
    s.push('(');
    if let Some(n) = name {
        s.push('\'');
        s.push_str(chars_prefix(n, 60));
        s.push('\'');
    }
    s.push(')');
    s
}

/// The message of a call that records nothing.
pub fn dropped(label: &str, why: &str) -> String {
    cat(&[label, ": ", why, "; event dropped"])
}

/// Reads the per-call options (`messageId`, `category`); complains about the rest.
fn read_options(options: &str, problems: &mut Vec<String>) -> (Option<String>, Category) {
    let mut out = (None, Category::Analytics);
    match json::kind(options) {
        J::Null | J::Marker(b'v') | J::Invalid => return out,
        J::Object => {}
        _ => {
            problems.push(cat(&["options must be a plain object, got ", &json::type_name(options)]));
            return out;
        }
    }
    for (k, v) in json::members(options) {
        let key = json::string(k).unwrap_or_default();
        if json::kind(v) == J::Marker(b'v') {
            continue;
        }
        match key.as_str() {
            "messageId" => match json::string(v).filter(|id| is_plausible_id(id)) {
                Some(id) => out.0 = Some(id),
                None => problems.push("options.messageId must be 1-128 printable characters without spaces".into()),
            },
            "category" => match json::string(v).as_deref().and_then(Category::parse) {
                Some(c) => out.1 = c,
                None => problems
                    .push("options.category must be 'necessary', 'analytics', 'personalization' or 'marketing' (analytics used)".into()),
            },
            other => problems.push(cat(&["options.", other, " is not a known option"])),
        }
    }
    out
}

/// Cleans a properties or traits argument into a JSON object: nothing
/// (`undefined`, `null`) is `{}`; anything but a plain object is refused
/// as a whole (`Err` names what it was).
pub fn clean_object(v: &str, path: &str, problems: &mut Vec<String>) -> Result<String, String> {
    match json::kind(v) {
        J::Null | J::Marker(b'v') | J::Invalid => Ok(String::from("{}")),
        J::Object => {
            let mut out = String::with_capacity(v.len());
            let mut p = String::from(path);
            clean(v, &mut p, &mut out, problems);
            Ok(out)
        }
        _ => Err(json::type_name(v)),
    }
}

/// Appends the clean form of `v`; `false` (nothing written) when it is
/// left out, with a problem recorded when the site should know.
fn clean(v: &str, path: &mut String, out: &mut String, problems: &mut Vec<String>) -> bool {
    let v = json::first(v);
    match json::kind(v) {
        J::Marker(b'v') | J::Invalid => false,
        J::Marker(b'o') => {
            problems.push(cat(&[path.as_str(), " is a ", &json::type_name(v), ", not a plain object"]));
            false
        }
        J::Marker(m) => {
            problems.push(cat(&[path.as_str(), " is ", json::marker_name(m)]));
            false
        }
        J::Object => {
            out.push('{');
            let mut first = true;
            for (k, item) in json::members(v) {
                let mark = out.len();
                if !first {
                    out.push(',');
                }
                out.push_str(k);
                out.push(':');
                let at = path.len();
                path.push('.');
                path.push_str(&json::string(k).unwrap_or_default());
                if clean(item, path, out, problems) {
                    first = false;
                } else {
                    out.truncate(mark);
                }
                path.truncate(at);
            }
            out.push('}');
            true
        }
        J::Array => {
            out.push('[');
            for (i, item) in json::items(v).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let at = path.len();
                path.push('[');
                write_i64(path, i as i64);
                path.push(']');
                // Arrays keep their length: a left-out element becomes
                // null, as JSON.stringify does.
                if !clean(item, path, out, problems) {
                    out.push_str("null");
                }
                path.truncate(at);
            }
            out.push(']');
            true
        }
        _ => {
            out.push_str(v);
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slow(kind: Kind, a: &str, b: &str, c: &str) -> Result<Checked, String> {
        check(&Call { kind, fast: false, args: [a, b, c] })
    }

    #[test]
    fn keeps_plain_values_and_their_order() {
        let c = slow(Kind::Track, "\"Viewed\"", r#"{"sku":"A1","price":19.9,"ok":true,"none":null,"tags":["x"]}"#, "!v").unwrap();
        assert_eq!(c.props, r#"{"sku":"A1","price":19.9,"ok":true,"none":null,"tags":["x"]}"#);
        assert_eq!(c.name, "\"Viewed\"");
        assert_eq!(c.label(), "track('Viewed')");
        assert_eq!(c.warning, None);
    }

    #[test]
    fn leaves_out_every_kind_of_bad_value_and_names_its_path() {
        let c = slow(
            Kind::Track,
            "\"Bad\"",
            r#"{"f":!f,"s":!s,"b":!b,"u":!v,"n":!n,"i":!i,"m":!o"Map","nested":{"self":!c,"deep":!d,"ok":1},"list":[1,!f,!v],"bad":!t,"get":!u}"#,
            "!v",
        )
        .unwrap();
        assert_eq!(c.props, r#"{"nested":{"ok":1},"list":[1,null,null]}"#);
        assert_eq!(
            c.warning.as_deref(),
            Some(
                "track('Bad'): properties.f is a function, properties.s is a symbol, properties.b is a BigInt, properties.n is NaN, \
properties.i is an infinite number, properties.m is a Map, not a plain object, properties.nested.self is a circular reference, \
properties.nested.deep is nested too deeply, properties.list[1] is a function, properties.bad is an invalid Date, \
properties.get is unreadable (reading it threw); those values were left out and the event was sent"
            )
        );
    }

    #[test]
    fn bad_names_drop_the_call() {
        for (a, why) in [
            ("!v", "track(): the event name is missing; event dropped"),
            ("42", "track(): the event name must be a string, got a number; event dropped"),
            ("\"  \"", "track('  '): the event name is empty; event dropped"),
            ("!f", "track(): the event name must be a string, got a function; event dropped"),
        ] {
            assert_eq!(slow(Kind::Track, a, "!v", "!v").unwrap_err(), why);
        }
        let long = json::quoted(&"é".repeat(256));
        assert!(slow(Kind::Track, &long, "!v", "!v").unwrap_err().contains("longer than 255"));
        assert!(slow(Kind::Track, &json::quoted(&"é".repeat(255)), "!v", "!v").is_ok());
    }

    #[test]
    fn non_object_properties_are_sent_without_them() {
        let c = slow(Kind::Track, "\"X\"", "\"text\"", "!v").unwrap();
        assert_eq!(c.props, "{}");
        assert!(c.warning.unwrap().contains("properties must be a plain object, got a string (sent without them)"));
        let c = slow(Kind::Track, "\"X\"", "!o\"Map\"", "!v").unwrap();
        assert!(c.warning.unwrap().contains("got Map"));
        let c = slow(Kind::Track, "\"X\"", "!u", "!v").unwrap();
        assert!(c.warning.unwrap().contains("got unreadable (reading it threw)"));
    }

    #[test]
    fn options_set_the_message_id_and_category() {
        let c = slow(Kind::Track, "\"X\"", "{}", r#"{"messageId":"m-1","category":"marketing"}"#).unwrap();
        assert_eq!((c.message_id.as_deref(), c.category), (Some("m-1"), Category::Marketing));
        let c = slow(Kind::Track, "\"X\"", "{}", r#"{"messageId":"has space","category":"ads","colour":1}"#).unwrap();
        assert_eq!((c.message_id, c.category), (None, Category::Analytics));
        let w = c.warning.unwrap();
        assert!(
            w.contains("options.messageId must be")
                && w.contains("options.category must be")
                && w.contains("options.colour is not a known option"),
            "{w}"
        );
    }

    #[test]
    fn page_and_identify_take_their_arguments_either_way() {
        let c = slow(Kind::Page, r#"{"a":1}"#, r#"{"category":"x"}"#, "!v").unwrap();
        assert_eq!((c.name.as_str(), c.props.as_str(), c.category), ("", r#"{"a":1}"#, Category::Analytics));
        let c = slow(Kind::Page, "\"Home\"", "!v", "!v").unwrap();
        assert_eq!((c.name.as_str(), c.label().as_str()), ("\"Home\"", "page('Home')"));
        let c = slow(Kind::Identify, "\"user-42\"", r#"{"plan":"pro","f":!f}"#, "!v").unwrap();
        assert_eq!((c.user_id.as_deref(), c.props.as_str()), (Some("user-42"), r#"{"plan":"pro"}"#));
        assert!(c.warning.unwrap().contains("traits.f is a function"));
        let c = slow(Kind::Identify, "42", "!v", "!v").unwrap();
        assert_eq!(c.user_id.as_deref(), Some("42"));
        let c = slow(Kind::Identify, r#"{"plan":"x"}"#, "!v", "!v").unwrap();
        assert_eq!((c.user_id, c.props.as_str()), (None, r#"{"plan":"x"}"#));
        assert!(slow(Kind::Identify, "true", "!v", "!v").unwrap_err().contains("the user id must be a string, got a boolean"));
        assert!(slow(Kind::Identify, "\"\"", "!v", "!v").unwrap_err().contains("non-empty string of at most 255"));
        assert!(slow(Kind::Identify, "\"u\"", "[1]", "!v").unwrap_err().contains("traits must be a plain object, got an array"));
    }

    #[test]
    fn group_takes_an_id_like_identify_and_traits() {
        let c = slow(Kind::Group, "\"acme\"", r#"{"plan":"team","f":!f}"#, r#"{"messageId":"g-1"}"#).unwrap();
        assert_eq!(
            (c.name.as_str(), c.user_id.as_deref(), c.props.as_str(), c.message_id.as_deref()),
            ("\"acme\"", None, r#"{"plan":"team"}"#, Some("g-1"))
        );
        assert_eq!(c.label(), "group()");
        assert_eq!(c.warning.as_deref(), Some("group(): traits.f is a function; those values were left out and the event was sent"));
        assert_eq!(slow(Kind::Group, "42", "!v", "!v").unwrap().name, "\"42\"");
        // The id written as JSON, whatever escapes the edge chose.
        assert_eq!(slow(Kind::Group, "\"\\u0061cme\"", "!v", "!v").unwrap().name, "\"acme\"");
        let c = slow(Kind::Group, r#"{"seats":5}"#, r#"{"category":"marketing"}"#, "!v").unwrap();
        assert_eq!(
            (c.name.as_str(), c.props.as_str(), c.category),
            ("", r#"{"seats":5}"#, Category::Marketing),
            "traits only: the kept group"
        );
        assert_eq!(slow(Kind::Group, "!v", "!v", "!v").unwrap().name, "");
        assert!(slow(Kind::Group, &json::quoted(&"é".repeat(255)), "!v", "!v").is_ok());
    }

    #[test]
    fn group_bad_input_drops_the_call() {
        for (a, b, why) in [
            ("true", "!v", "group(): the group id must be a string, got a boolean; event dropped"),
            ("[1]", "!v", "group(): the group id must be a string, got an array; event dropped"),
            ("!f", "!v", "group(): the group id must be a string, got a function; event dropped"),
            ("1.5", "!v", "group(): the group id must be a string, got a number that is not a whole number; event dropped"),
            ("\"\"", "!v", "group(): the group id must be a non-empty string of at most 255 characters; event dropped"),
            ("\" \"", "!v", "group(): the group id must be a non-empty string of at most 255 characters; event dropped"),
            (
                &json::quoted(&"é".repeat(256)),
                "!v",
                "group(): the group id must be a non-empty string of at most 255 characters; event dropped",
            ),
            ("!l", "!v", "group(): the group id is longer than 255 characters; event dropped"),
            ("\"acme\"", "[1]", "group(): traits must be a plain object, got an array; event dropped"),
            ("\"acme\"", "\"t\"", "group(): traits must be a plain object, got a string; event dropped"),
            ("\"acme\"", "!o\"Map\"", "group(): traits must be a plain object, got Map; event dropped"),
            ("\"acme\"", "!l", "group(): the properties are too large: the event would be over the limit of its size; event dropped"),
        ] {
            assert_eq!(slow(Kind::Group, a, b, "!v").unwrap_err(), why, "{a} {b}");
        }
    }

    #[test]
    fn alias_takes_the_new_user_id_and_a_previous_id() {
        let c = slow(Kind::Alias, "\"new\"", "\"old\"", r#"{"messageId":"a-1"}"#).unwrap();
        assert_eq!(
            (c.user_id.as_deref(), c.name.as_str(), c.props.as_str(), c.message_id.as_deref()),
            (Some("new"), "\"old\"", "{}", Some("a-1"))
        );
        assert_eq!(c.label(), "alias()");
        let c = slow(Kind::Alias, "7", "!v", "!v").unwrap();
        assert_eq!((c.user_id.as_deref(), c.name.as_str()), (Some("7"), ""), "no previous id: the tracker's default");
        let c = slow(Kind::Alias, "\"new\"", "null", r#"{"category":"necessary"}"#).unwrap();
        assert_eq!((c.name.as_str(), c.category), ("", Category::Necessary));
        let c = slow(Kind::Alias, "\"new\"", r#"{"messageId":"a-2"}"#, "!v").unwrap();
        assert_eq!((c.name.as_str(), c.message_id.as_deref()), ("", Some("a-2")), "alias(userId, options)");
        let c = slow(Kind::Alias, "\"new\"", "\"old\"", r#"{"colour":1}"#).unwrap();
        assert_eq!(
            c.warning.as_deref(),
            Some("alias(): options.colour is not a known option; those values were left out and the event was sent")
        );
    }

    #[test]
    fn alias_bad_input_drops_the_call() {
        for (a, b, why) in [
            ("!v", "!v", "alias(): the user id is missing; event dropped"),
            ("null", "\"old\"", "alias(): the user id is missing; event dropped"),
            ("{}", "!v", "alias(): the user id must be a string, got an object; event dropped"),
            ("true", "!v", "alias(): the user id must be a string, got a boolean; event dropped"),
            ("1e300", "!v", "alias(): the user id must be a string, got a number that is not a whole number; event dropped"),
            ("\"\"", "!v", "alias(): the user id must be a non-empty string of at most 255 characters; event dropped"),
            (
                &json::quoted(&"x".repeat(256)),
                "!v",
                "alias(): the user id must be a non-empty string of at most 255 characters; event dropped",
            ),
            ("!l", "!v", "alias(): the user id is longer than 255 characters; event dropped"),
            ("\"new\"", "false", "alias(): the previous id must be a string, got a boolean; event dropped"),
            ("\"new\"", "[]", "alias(): the previous id must be a string, got an array; event dropped"),
            ("\"new\"", "\"  \"", "alias(): the previous id must be a non-empty string of at most 255 characters; event dropped"),
            (
                "\"new\"",
                &json::quoted(&"x".repeat(256)),
                "alias(): the previous id must be a non-empty string of at most 255 characters; event dropped",
            ),
            ("\"new\"", "!l", "alias(): the previous id is longer than 255 characters; event dropped"),
        ] {
            assert_eq!(slow(Kind::Alias, a, b, "!v").unwrap_err(), why, "{a} {b}");
        }
    }
}
