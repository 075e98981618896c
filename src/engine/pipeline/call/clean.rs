//! Cleaning properties and traits into plain JSON objects: what JSON
//! cannot hold is left out (arrays keep their length with `null`), and
//! each left-out value is named by its path for the call's warning.

use crate::prelude::*;

use crate::engine::text::cat;
use crate::engine::text::json::{self, Kind as J};
use crate::engine::text::num::write_i64;

/// Properties: a plain object, cleaned; anything else is sent as `{}`,
/// with a problem saying so.
pub(super) fn clean_props(v: &str, problems: &mut Vec<String>) -> String {
    match clean_object(v, "properties", problems) {
        Ok(p) => p,
        Err(t) => {
            problems.push(cat(&["properties must be a plain object, got ", &t, " (sent without them)"]));
            String::from("{}")
        }
    }
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
