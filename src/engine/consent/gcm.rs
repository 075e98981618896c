//! Google Consent Mode v2: reading `gtag('consent', 'default' | 'update', {…})`
//! commands from the page's `dataLayer` (described by the edge).
//!
//! | Consent Mode key | Kizuna category |
//! |---|---|
//! | `analytics_storage` | analytics |
//! | `personalization_storage` | personalization |
//! | `ad_storage` + `ad_user_data` + `ad_personalization` | marketing (all three granted; any one denied denies) |
//!
//! Region-scoped defaults (`region: [...]`) are skipped: the page cannot
//! know which region Google would apply, and guessing could grant.

use super::{Category, Choice};
use crate::engine::text::json;

/// The Consent Mode keys Kizuna reads.
pub const KEYS: [&str; 5] = ["ad_storage", "ad_user_data", "ad_personalization", "analytics_storage", "personalization_storage"];

/// One `gtag('consent', …)` command: the keys it sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GcmCommand {
    /// `update` (true) or `default` (false).
    pub update: bool,
    /// For each of [`KEYS`]: granted, denied, or not set.
    pub fields: [Option<bool>; 5],
}

impl GcmCommand {
    /// Whether the command sets a key that decides `category`.
    pub fn touches(&self, category: Category) -> bool {
        let f = &self.fields;
        match category {
            Category::Analytics => f[3].is_some(),
            Category::Personalization => f[4].is_some(),
            Category::Marketing => f[..3].iter().any(Option::is_some),
            Category::Necessary => false,
        }
    }
}

/// Reads a dataLayer entry; `None` when it is not a consent command.
/// gtag pushes its `arguments` object, which describes as `{"0": …, "1": …}`;
/// a plain array is accepted too.
pub fn read(entry: &str) -> Option<GcmCommand> {
    let arg = |i: usize| -> Option<&str> {
        match json::kind(entry) {
            json::Kind::Array => json::items(entry).nth(i),
            json::Kind::Object => json::get(entry, ["0", "1", "2"][i]),
            _ => None,
        }
    };
    if json::string(arg(0)?)? != "consent" {
        return None;
    }
    let update = match json::string(arg(1)?)?.as_str() {
        "update" => true,
        "default" => false,
        _ => return None,
    };
    let params = arg(2)?;
    if json::field(params, "region").is_some() {
        return None;
    }
    let mut fields = [None; 5];
    for (i, k) in KEYS.iter().enumerate() {
        fields[i] = match json::get(params, k).and_then(json::string).as_deref() {
            Some("granted") => Some(true),
            Some("denied") => Some(false),
            _ => None,
        };
    }
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
        for (k, f) in self.keys.iter_mut().zip(cmd.fields) {
            if f.is_some() {
                *k = f;
            }
        }
    }

    /// What the keys say about `category`, if anything.
    pub fn choice(&self, category: Category) -> Option<Choice> {
        let k = &self.keys;
        match category {
            Category::Analytics => k[3].map(Choice::from_bool),
            Category::Personalization => k[4].map(Choice::from_bool),
            Category::Marketing => {
                if k[..3].contains(&Some(false)) {
                    Some(Choice::Denied)
                } else if k[..3].iter().all(|a| *a == Some(true)) {
                    Some(Choice::Granted)
                } else {
                    None
                }
            }
            Category::Necessary => None,
        }
    }
}
