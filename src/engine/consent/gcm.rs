//! Google Consent Mode v2: what `gtag('consent', 'default' | 'update', {…})`
//! commands in the page's `dataLayer` say (the edge reads each command into
//! numbers: `js/edge/signals.js`).
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

/// A key's state as the edge writes it: 1 granted, 2 denied, else not set.
pub fn choice(code: u32) -> Option<bool> {
    match code {
        1 => Some(true),
        2 => Some(false),
        _ => None,
    }
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
