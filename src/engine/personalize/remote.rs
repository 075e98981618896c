//! The remote document: the `slots`, `journeys`, `journeyCaps` and
//! `insights` a collector's model may carry (the edge lays the inline
//! config over them, field by field, before they come here), and what
//! every visitor's views and clicks say of each slot variant. Validated as
//! `init` validates; a document that fails keeps the last good one. The
//! last good one is stored (with personalization consent and storage), so
//! the next page decides with it before anything is fetched.

use crate::prelude::*;

use super::config;
use super::slots::Learned;
use super::Personalizer;
use crate::engine::io::Rec;
use crate::engine::text::cat;

/// Where the last good remote document is kept (the edge's text, read back
/// by the edge: tests/fixtures/stored-formats.json `remote`).
pub const STORAGE_KEY: &str = "kizuna:remote";
/// Variants a document may speak for: more are left out.
const MAX_LEARNED: usize = 500;

impl Personalizer {
    /// A `C` record: `config` (the inline config over the document's
    /// sections, described) and `keep` (the text to store; empty when it
    /// came from storage). Its `l` records follow ([`Self::learned`]).
    pub(super) fn remote(&mut self, mut r: Rec<'_>) {
        let (text, keep) = (r.s(), r.s());
        let mut warnings = Vec::new();
        match config::parse(text, &mut warnings) {
            Ok(cfg) => {
                self.cfg = cfg;
                // A catalog holds the topics the old config allowed.
                #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
                self.catalogs.clear();
                self.learned.clear();
                self.taking = true;
                for w in warnings {
                    self.log("w", &cat(&["the remote config: ", &w]));
                }
                if !keep.is_empty() && self.granted && self.may_store {
                    self.out.store(STORAGE_KEY, Some(keep));
                }
            }
            Err(e) => {
                self.taking = false;
                let (from, stays) = if keep.is_empty() { ("stored", "the page's own") } else { ("fetched", "the last good one") };
                self.log("w", &cat(&["the ", from, " remote config was not used (", &e.message(), "); ", stays, " stays"]));
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
