//! IAB TCF v2.2: reading the `TCData` a CMP passes to `__tcfapi`
//! `addEventListener` callbacks.
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
use crate::core::json::Value;

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
        /// Purposes 7–10.
        analytics: bool,
        /// Purposes 5–6.
        personalization: bool,
        /// Purposes 2–4.
        marketing: bool,
    },
}

impl TcfConsent {
    /// The choice for `category`, when decided.
    pub fn get(&self, category: Category) -> Option<bool> {
        match (self, category) {
            (TcfConsent::Decided { analytics, .. }, Category::Analytics) => Some(*analytics),
            (TcfConsent::Decided { personalization, .. }, Category::Personalization) => Some(*personalization),
            (TcfConsent::Decided { marketing, .. }, Category::Marketing) => Some(*marketing),
            _ => None,
        }
    }
}

/// Reads a `TCData` object; `None` when it is not one (or reports a CMP error).
pub fn read(tc: &Value) -> Option<TcfConsent> {
    tc.as_object()?;
    if tc.get("cmpStatus").and_then(Value::as_str) == Some("error") {
        return None;
    }
    if tc.get("gdprApplies").and_then(Value::as_bool) == Some(false) {
        return Some(TcfConsent::NotApplicable);
    }
    match tc.get("eventStatus").and_then(Value::as_str) {
        Some("tcloaded") | Some("useractioncomplete") | None => {}
        Some(_) => return Some(TcfConsent::Pending),
    }
    let consents = tc.get("purpose").and_then(|p| p.get("consents"));
    let has = |n: &str| consents.and_then(|c| c.get(n)).and_then(Value::as_bool).unwrap_or(false);
    let all = |ns: &[&str]| ns.iter().all(|n| has(n));
    Some(TcfConsent::Decided {
        storage: has("1"),
        analytics: all(&["7", "8", "9", "10"]),
        personalization: all(&["5", "6"]),
        marketing: all(&["2", "3", "4"]),
    })
}
