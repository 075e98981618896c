//! The per-call options (`messageId`, `category`): read when valid, a
//! problem recorded for each one that is not.

use crate::prelude::*;

use crate::engine::consent::Category;
use crate::engine::text::cat;
use crate::engine::text::json::{self, Kind as J};
use crate::engine::text::rng::is_plausible_id;

/// Reads the per-call options (`messageId`, `category`); complains about the rest.
pub(super) fn read_options(options: &str, problems: &mut Vec<String>) -> (Option<String>, Category) {
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
