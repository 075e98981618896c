//! IAB TCF v2.2: what the `TCData` a CMP passes to `__tcfapi`
//! `addEventListener` callbacks says (the edge reads the object into
//! numbers: `js/edge/signals.js`).
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

/// What a `TCData` says, from what the edge read of it: whether GDPR
/// applies, whether the CMP has the visitor's choice, and the purposes
/// consented (bit n: purpose n).
pub fn of(applies: bool, ready: bool, purposes: u32) -> TcfConsent {
    if !applies {
        return TcfConsent::NotApplicable;
    }
    if !ready {
        return TcfConsent::Pending;
    }
    let all = |ns: &[u32]| ns.iter().all(|n| purposes >> n & 1 == 1);
    TcfConsent::Decided { storage: all(&[1]), granted: [all(&[7, 8, 9, 10]), all(&[5, 6]), all(&[2, 3, 4])] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_category_needs_every_one_of_its_purposes() {
        let bits = |ns: &[u32]| ns.iter().map(|n| 1 << n).sum::<u32>();
        assert_eq!(of(false, true, u32::MAX), TcfConsent::NotApplicable);
        assert_eq!(of(true, false, u32::MAX), TcfConsent::Pending);
        assert_eq!(of(true, true, 0), TcfConsent::Decided { storage: false, granted: [false; 3] });
        assert_eq!(of(true, true, bits(&[1, 7, 8, 9, 10, 5])), TcfConsent::Decided { storage: true, granted: [true, false, false] });
        assert_eq!(of(true, true, bits(&[2, 3, 4, 5, 6])), TcfConsent::Decided { storage: false, granted: [false, true, true] });
        assert_eq!(
            of(true, true, bits(&[0, 11, 12])),
            TcfConsent::Decided { storage: false, granted: [false; 3] },
            "no purpose 0 or past 10"
        );
    }
}
