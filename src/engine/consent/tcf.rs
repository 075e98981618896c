//! IAB TCF v2.2: reading the `TCData` a CMP passes to `__tcfapi`
//! `addEventListener` callbacks (described by the edge).
//!
//! | TCF purpose | Kizuna category |
//! |---|---|
//! | 1 store and access information on a device | required for any storage write |
//! | 7, 8, 9, 10 (measurement, audiences, product development) | analytics (all four) |
//! | 5, 6 (personalised content profile and selection) | personalization (both) |
//! | 2, 3, 4 (ads: basic, profile, selection) | marketing (all three) |
//!
//! Only consents count, not legitimate interests, and a category needs all
//! of its purposes: when in doubt, Kizuna does less.

use super::Category;
use crate::engine::text::json;

/// What one `TCData` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcfConsent {
    /// `gdprApplies: false`: no TCF consent needed here (opt-out rules).
    NotApplicable,
    /// The CMP has not got a choice yet (its UI is showing).
    Pending,
    /// The visitor's choice.
    Decided {
        /// Purpose 1: storage on the device.
        storage: bool,
        /// Purposes 7–10, 5–6 and 2–4, in the order of `Category::CHOOSABLE`.
        granted: [bool; 3],
    },
}

impl TcfConsent {
    /// The choice for `category`, when decided.
    pub fn get(&self, category: Category) -> Option<bool> {
        match (self, category) {
            (_, Category::Necessary) => None,
            (TcfConsent::Decided { granted, .. }, c) => Some(granted[c as usize - 1]),
            _ => None,
        }
    }
}

/// Reads a `TCData` object; `None` when it is not one (or reports a CMP error).
pub fn read(tc: &str) -> Option<TcfConsent> {
    if json::kind(tc) != json::Kind::Object {
        return None;
    }
    let text = |k: &str| json::get(tc, k).and_then(json::string);
    if text("cmpStatus").as_deref() == Some("error") {
        return None;
    }
    if json::get(tc, "gdprApplies").and_then(json::boolean) == Some(false) {
        return Some(TcfConsent::NotApplicable);
    }
    match text("eventStatus").as_deref() {
        Some("tcloaded") | Some("useractioncomplete") | None => {}
        Some(_) => return Some(TcfConsent::Pending),
    }
    let consents = json::get(tc, "purpose").and_then(|p| json::get(p, "consents"));
    let has = |n: &str| consents.and_then(|c| json::get(c, n)).and_then(json::boolean).unwrap_or(false);
    let all = |ns: &[&str]| ns.iter().all(|n| has(n));
    Some(TcfConsent::Decided { storage: has("1"), granted: [all(&["7", "8", "9", "10"]), all(&["5", "6"]), all(&["2", "3", "4"])] })
}
