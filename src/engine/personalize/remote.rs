//! The remote document: the `slots`, `journeys`, `journeyCaps` and
//! `insights` a collector's model may carry (the edge lays the inline
//! config over them, field by field, and validates the result as `init`
//! validates, before they come here as config records), and what every
//! visitor's views and clicks say of each slot variant. A document that
//! fails keeps the last good one. The
//! last good one is stored (with personalization consent and storage), so
//! the next page decides with it before anything is fetched.

use super::slots::Learned;
use super::Personalizer;
use crate::engine::io::Rec;

/// Where the last good remote document is kept (the edge's text, read back
/// by the edge: tests/fixtures/stored-formats.json `remote`).
pub const STORAGE_KEY: &str = "kizuna:remote";
/// Variants a document may speak for: more are left out.
const MAX_LEARNED: usize = 500;

impl Personalizer {
    /// A `C` record: `ok` (the edge validated the inline config over the
    /// document's sections, and its records came before: [`Self::next`])
    /// and `keep` (the text to store; empty when it came from storage).
    /// Its `l` records follow ([`Self::learned`]). A document that failed
    /// keeps the last good one (the edge has said why); one that failed
    /// from storage is removed from it.
    pub(super) fn remote(&mut self, mut r: Rec<'_>) {
        let (ok, keep) = (r.flag(), r.s());
        match self.next.take().filter(|_| ok) {
            Some(cfg) => {
                self.cfg = cfg;
                // A catalog holds the topics the old config allowed.
                #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
                self.catalogs.clear();
                self.learned.clear();
                self.taking = true;
                if !keep.is_empty() && self.granted && self.may_store {
                    self.out.store(STORAGE_KEY, Some(keep));
                }
            }
            None => {
                self.taking = false;
                if keep.is_empty() {
                    self.remove(STORAGE_KEY);
                }
            }
        }
    }

    /// An `l` record: slot, variant, views, clicks of the document the
    /// last `C` accepted.
    pub(super) fn learned(&mut self, mut r: Rec<'_>) {
        if self.taking && self.learned.len() < MAX_LEARNED {
            let (slot, variant) = (r.s().into(), r.s().into());
            self.learned.push(Learned::new(slot, variant, r.n(), r.n()));
        }
    }
}
