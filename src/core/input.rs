//! What a site handed to the SDK, described faithfully, and the rules that
//! turn it into JSON we are willing to send.
//!
//! The browser edge only *describes* JavaScript values (a function is
//! `Input::Function`, a repeated ancestor is `Input::Cycle`); every decision
//! about what is allowed, and every message about it, is made here so host
//! tests can cover each bad input without a browser.

use crate::prelude::*;

use super::json::Value;
use super::time::iso8601;

/// A JavaScript value as the site passed it.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// `undefined` (or a missing argument).
    Undefined,
    /// `null`
    Null,
    /// A boolean.
    Bool(bool),
    /// A number, possibly `NaN` or infinite.
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Input>),
    /// A plain object (prototype `Object.prototype` or `null`), own
    /// enumerable string keys in order.
    Object(Vec<(String, Input)>),
    /// A `Date`, as epoch milliseconds (`NaN` when invalid).
    Date(f64),
    /// A function.
    Function,
    /// A symbol.
    Symbol,
    /// A BigInt.
    BigInt,
    /// An object that is one of its own ancestors.
    Cycle,
    /// Nested deeper than the edge walks.
    TooDeep,
    /// Reading it threw (a getter or a revoked proxy).
    Unreadable,
    /// An object that is not plain (`Map`, `Set`, a DOM element, a class
    /// instance…), with its constructor's name.
    Other(String),
}

impl Input {
    /// A short name of the value's type, for messages.
    pub fn type_name(&self) -> &str {
        match self {
            Input::Undefined => "undefined",
            Input::Null => "null",
            Input::Bool(_) => "a boolean",
            Input::Number(_) => "a number",
            Input::String(_) => "a string",
            Input::Array(_) => "an array",
            Input::Object(_) => "an object",
            Input::Date(_) => "a Date",
            Input::Function => "a function",
            Input::Symbol => "a symbol",
            Input::BigInt => "a BigInt",
            Input::Cycle => "a circular reference",
            Input::TooDeep => "nested too deeply",
            Input::Unreadable => "unreadable (reading it threw)",
            Input::Other(name) => name,
        }
    }

    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Input::String(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this is `undefined` or `null`.
    pub fn is_nullish(&self) -> bool {
        matches!(self, Input::Undefined | Input::Null)
    }
}

/// Deepest nesting the edge describes; below it values become `TooDeep`.
pub const MAX_DEPTH: usize = 16;

/// The problems found while cleaning a value, each as a path and a reason
/// (`properties.cb is a function`).
#[derive(Default, Debug, Clone, PartialEq)]
pub struct Problems(pub Vec<String>);

impl Problems {
    /// Whether nothing was wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn push(&mut self, path: &str, what: &str) {
        let mut s = String::with_capacity(path.len() + what.len() + 4);
        s.push_str(path);
        s.push_str(" is ");
        s.push_str(what);
        self.0.push(s);
    }

    /// All problems joined into one sentence fragment.
    pub fn joined(&self) -> String {
        self.0.join(", ")
    }
}

/// Cleans a properties/traits argument. `undefined`/`null` mean "none"; a
/// plain object is cleaned member by member; anything else is refused as a
/// whole (`Err` carries the type found) so the caller can say so.
pub fn clean_object(input: Input, path: &str, problems: &mut Problems) -> Result<Value, String> {
    match input {
        Input::Undefined | Input::Null => Ok(Value::object()),
        Input::Object(fields) => Ok(clean_fields(fields, path, problems)),
        other => Err(other.type_name().to_string()),
    }
}

/// Converts a value that is known to be JSON (what `JSON.parse` returns)
/// into a [`Value`]; anything else in it is dropped silently.
pub fn json_value(input: Input) -> Value {
    clean_value(input, &String::new, &mut Problems::default()).unwrap_or(Value::Null)
}

fn clean_fields(fields: Vec<(String, Input)>, path: &str, problems: &mut Problems) -> Value {
    let mut out = Vec::with_capacity(fields.len());
    for (k, v) in fields {
        // Member paths are only built when something is wrong, keeping the
        // happy path free of string work.
        if let Some(clean) = clean_value(v, &|| member_path(path, &k), problems) {
            out.push((k, clean));
        }
    }
    Value::Object(out)
}

fn member_path(path: &str, key: &str) -> String {
    let mut s = String::with_capacity(path.len() + key.len() + 1);
    s.push_str(path);
    s.push('.');
    s.push_str(key);
    s
}

/// Cleans one value; `None` means "leave it out" (like `JSON.stringify` does
/// for `undefined`), with a problem recorded when the site should know.
fn clean_value(v: Input, path: &dyn Fn() -> String, problems: &mut Problems) -> Option<Value> {
    Some(match v {
        Input::Undefined => return None,
        Input::Null => Value::Null,
        Input::Bool(b) => Value::Bool(b),
        Input::Number(n) if n.is_finite() => Value::Number(n),
        Input::Number(n) => {
            let what = if n.is_nan() { "NaN" } else { "an infinite number" };
            problems.push(&path(), what);
            return None;
        }
        Input::String(s) => Value::String(s),
        Input::Date(ms) if ms.is_finite() => Value::String(iso8601(ms)),
        Input::Date(_) => {
            problems.push(&path(), "an invalid Date");
            return None;
        }
        Input::Array(items) => {
            let p = path();
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let item_path = || index_path(&p, i);
                // Arrays keep their length: a bad element becomes null, as
                // JSON.stringify does.
                out.push(clean_value(item, &item_path, problems).unwrap_or(Value::Null));
            }
            Value::Array(out)
        }
        Input::Object(fields) => clean_fields(fields, &path(), problems),
        Input::Other(name) => {
            let mut what = String::from("a ");
            what.push_str(&name);
            what.push_str(", not a plain object");
            problems.push(&path(), &what);
            return None;
        }
        bad @ (Input::Function | Input::Symbol | Input::BigInt | Input::Cycle | Input::TooDeep | Input::Unreadable) => {
            problems.push(&path(), bad.type_name());
            return None;
        }
    })
}

fn index_path(path: &str, i: usize) -> String {
    let mut s = String::with_capacity(path.len() + 6);
    s.push_str(path);
    s.push('[');
    super::json::write_int(&mut s, i as i64);
    s.push(']');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(fields: Vec<(&str, Input)>) -> Input {
        Input::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    #[test]
    fn keeps_plain_values_and_orders() {
        let mut p = Problems::default();
        let v = clean_object(
            obj(vec![
                ("sku", Input::String("A1".into())),
                ("price", Input::Number(19.9)),
                ("ok", Input::Bool(true)),
                ("none", Input::Null),
                ("tags", Input::Array(vec![Input::String("x".into())])),
            ]),
            "properties",
            &mut p,
        )
        .unwrap();
        assert!(p.is_empty());
        assert_eq!(v.to_json(), r#"{"sku":"A1","price":19.9,"ok":true,"none":null,"tags":["x"]}"#);
    }

    #[test]
    fn omits_every_kind_of_bad_value_and_names_its_path() {
        let mut p = Problems::default();
        let v = clean_object(
            obj(vec![
                ("f", Input::Function),
                ("s", Input::Symbol),
                ("b", Input::BigInt),
                ("u", Input::Undefined),
                ("n", Input::Number(f64::NAN)),
                ("i", Input::Number(f64::INFINITY)),
                ("m", Input::Other("Map".into())),
                ("nested", obj(vec![("self", Input::Cycle), ("deep", Input::TooDeep), ("ok", Input::Number(1.0))])),
                ("list", Input::Array(vec![Input::Number(1.0), Input::Function, Input::Undefined])),
                ("when", Input::Date(0.0)),
                ("bad", Input::Date(f64::NAN)),
            ]),
            "properties",
            &mut p,
        )
        .unwrap();
        assert_eq!(
            v.to_json(),
            r#"{"nested":{"ok":1},"list":[1,null,null],"when":"1970-01-01T00:00:00.000Z"}"#
        );
        assert_eq!(
            p.0,
            vec![
                "properties.f is a function",
                "properties.s is a symbol",
                "properties.b is a BigInt",
                "properties.n is NaN",
                "properties.i is an infinite number",
                "properties.m is a Map, not a plain object",
                "properties.nested.self is a circular reference",
                "properties.nested.deep is nested too deeply",
                "properties.list[1] is a function",
                "properties.bad is an invalid Date",
            ]
        );
    }

    #[test]
    fn refuses_non_objects_as_a_whole() {
        let mut p = Problems::default();
        assert_eq!(clean_object(Input::String("x".into()), "properties", &mut p), Err("a string".into()));
        assert_eq!(clean_object(Input::Array(vec![]), "properties", &mut p), Err("an array".into()));
        assert_eq!(clean_object(Input::Other("Map".into()), "properties", &mut p), Err("Map".into()));
        assert_eq!(clean_object(Input::Undefined, "properties", &mut p), Ok(Value::object()));
        assert_eq!(clean_object(Input::Null, "properties", &mut p), Ok(Value::object()));
    }
}
