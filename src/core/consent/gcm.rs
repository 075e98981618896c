//! Google Consent Mode v2: reading `gtag('consent', 'default' | 'update', {…})`
//! commands from the page's `dataLayer`.
//!
//! | Consent Mode key | Kizuna category |
//! |---|---|
//! | `analytics_storage` | analytics |
//! | `personalization_storage` | personalization |
//! | `ad_storage` + `ad_user_data` + `ad_personalization` | marketing (all three granted; any one denied denies) |
//!
//! Region-scoped defaults (`region: [...]`) are skipped: the page cannot
//! know which region Google would apply, and guessing could grant.

use crate::prelude::*;

use super::{Category, Choice};
use crate::core::json::Value;

/// The Consent Mode keys Kizuna reads.
pub const KEYS: [&str; 5] = ["ad_storage", "ad_user_data", "ad_personalization", "analytics_storage", "personalization_storage"];

/// One `gtag('consent', …)` command: the keys it sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GcmCommand {
    /// `update` (true) or `default` (false).
    pub update: bool,
    /// `(key index in KEYS, granted)` for every known key it sets.
    pub fields: Vec<(usize, bool)>,
}

impl GcmCommand {
    /// Whether the command sets a key that decides `category`.
    pub fn touches(&self, category: Category) -> bool {
        self.fields.iter().any(|(i, _)| match category {
            Category::Analytics => *i == 3,
            Category::Personalization => *i == 4,
            Category::Marketing => *i <= 2,
            Category::Necessary => false,
        })
    }
}

/// Reads a dataLayer entry; `None` when it is not a consent command.
/// gtag pushes its `arguments` object, which reads as `{"0": …, "1": …}`;
/// a plain array is accepted too.
pub fn read(entry: &Value) -> Option<GcmCommand> {
    let arg = |i: usize| -> Option<&Value> {
        match entry {
            Value::Array(items) => items.get(i),
            Value::Object(_) => entry.get(["0", "1", "2"][i]),
            _ => None,
        }
    };
    if arg(0)?.as_str()? != "consent" {
        return None;
    }
    let update = match arg(1)?.as_str()? {
        "update" => true,
        "default" => false,
        _ => return None,
    };
    let params = arg(2)?;
    if params.get("region").is_some() {
        return None;
    }
    let fields = KEYS
        .iter()
        .enumerate()
        .filter_map(|(i, k)| match params.get(k).and_then(Value::as_str) {
            Some("granted") => Some((i, true)),
            Some("denied") => Some((i, false)),
            _ => None,
        })
        .collect();
    Some(GcmCommand { update, fields })
}

/// The Consent Mode keys as merged from every command so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcmState {
    keys: [Option<bool>; 5],
}

impl GcmState {
    /// Applies a command (defaults and updates alike: later wins).
    pub fn apply(&mut self, cmd: &GcmCommand) {
        for &(i, granted) in &cmd.fields {
            self.keys[i] = Some(granted);
        }
    }

    /// What the keys say about `category`, if anything.
    pub fn choice(&self, category: Category) -> Option<Choice> {
        let k = |i: usize| self.keys[i];
        match category {
            Category::Analytics => k(3).map(Choice::from_bool),
            Category::Personalization => k(4).map(Choice::from_bool),
            Category::Marketing => {
                let ads = [k(0), k(1), k(2)];
                if ads.contains(&Some(false)) {
                    Some(Choice::Denied)
                } else if ads.iter().all(|a| *a == Some(true)) {
                    Some(Choice::Granted)
                } else {
                    None
                }
            }
            Category::Necessary => None,
        }
    }
}
