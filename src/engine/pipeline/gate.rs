//! Stage 3: the consent gate. At call time an event is queued (its
//! category is granted), held in memory for a choice (undecided, `pending:
//! 'buffer'`) or dropped; at batch time it goes only if its category is
//! still granted (a withdrawal in between wins), and with marketing data
//! only if marketing is granted then.
//!
//! The gate knows the rules; the queue only carries each event's category
//! and stamp.

use crate::engine::consent::state::{ConsentState, Pending};
use crate::engine::consent::{Category, Choice};

/// What happens to an event at call time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admit {
    /// Into the queue.
    Queue,
    /// Held until its category is decided.
    Hold,
    /// Dropped: its category is denied…
    Denied,
    /// … or undecided, with `pending: 'drop'`.
    Undecided,
}

/// The gate at call time.
pub fn admit(category: Category, consent: &ConsentState) -> Admit {
    match consent.get(category) {
        Choice::Granted => Admit::Queue,
        Choice::Unknown if consent.config().pending == Pending::Buffer => Admit::Hold,
        Choice::Unknown => Admit::Undecided,
        Choice::Denied => Admit::Denied,
    }
}

/// Whether a queued event of `category` may still be sent.
pub fn may_send(category: Category, consent: &ConsentState) -> bool {
    consent.get(category) == Choice::Granted
}

/// Whether events are encoded with their marketing data (campaign, ad
/// click ids) now.
pub fn with_marketing(consent: &ConsentState) -> bool {
    consent.get(Category::Marketing) == Choice::Granted
}

/// The categories a call may be accepted for now, as a bit mask (bit `n`
/// for category code `n`): what the edge's fast path returns from
/// `track()` without asking.
pub fn accepting(consent: &ConsentState) -> u8 {
    let mut mask = 0;
    for c in crate::engine::consent::ALL {
        if matches!(admit(c, consent), Admit::Queue | Admit::Hold) {
            mask |= 1 << c.code();
        }
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::consent::state::{ConsentConfig, Mode, Signal};

    #[test]
    fn call_time_and_batch_time() {
        let mut c = ConsentState::new(ConsentConfig::default());
        assert_eq!(admit(Category::Necessary, &c), Admit::Queue);
        assert_eq!(admit(Category::Analytics, &c), Admit::Hold);
        assert_eq!(accepting(&c), 0b1111);
        c.apply(Signal::Api { choices: vec![(Category::Analytics, true), (Category::Marketing, false)], source: "b".into() }, 1.0);
        assert_eq!(admit(Category::Analytics, &c), Admit::Queue);
        assert_eq!(admit(Category::Marketing, &c), Admit::Denied);
        assert_eq!(accepting(&c), 0b0111);
        assert!(may_send(Category::Analytics, &c));
        assert!(!with_marketing(&c));
        let drop = ConsentState::new(ConsentConfig { pending: Pending::Drop, ..ConsentConfig::default() });
        assert_eq!(admit(Category::Analytics, &drop), Admit::Undecided);
        let out = ConsentState::new(ConsentConfig { mode: Mode::OptOut, ..ConsentConfig::default() });
        assert!(with_marketing(&out));
    }
}
