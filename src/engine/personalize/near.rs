//! Item neighbours: what the visitors of a site viewed near each other,
//! learned by the collector from everyone's events and published as
//! aggregates (`www/schemas/dev.kizuna/model/jsonschema/1-0-0`); the device scores its candidates
//! with the lists of the items *this* visitor interacted with last, so
//! the history itself never leaves the device.
//!
//! A candidate's neighbour score is `Σ DECAY^r × w(j → c)` over the
//! visitor's `RECENT` latest items `j` (`r` = 0 for the latest), where
//! `w(j → c)` is the published weight of `c` in `j`'s list (how many
//! visitors viewed both within a few views). The ranker multiplies the
//! score of an item the visitor has not viewed by `1 + NEAR × score / best
//! score` ([`super::recs::Weights`]: `DECAY` and `NEAR` were chosen on the
//! MovieLens replay, `tools/movielens.sh --sweep`, on views other than
//! those it reports).

use crate::prelude::*;

use super::hash::fnv1a32;

/// How many of the visitor's latest items count.
pub const RECENT: usize = 15;

/// One item's published neighbours, as the edge hands them over.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct List {
    /// The item's id.
    pub id: String,
    /// Its name, for explanations ("Because you viewed …"); may be empty.
    pub name: String,
    /// Its neighbours and their weights (> 0), in any order.
    pub near: Vec<(String, f64)>,
}

/// Ids to the index of their first occurrence: an open-addressing table
/// over FNV-1a, so a lookup among thousands of ids costs a hash, not a
/// scan (a sort would add kilobytes of wasm).
pub struct Index<'a> {
    ids: Vec<&'a str>,
    slots: Vec<usize>,
}

impl<'a> Index<'a> {
    /// The index of `ids`.
    pub fn new(ids: Vec<&'a str>) -> Index<'a> {
        // Pushed, not `vec![x; n]`: one generic instantiation fewer in the wasm.
        let mut slots = Vec::new();
        for _ in 0..(ids.len() * 2).next_power_of_two() {
            slots.push(usize::MAX);
        }
        for (i, id) in ids.iter().enumerate() {
            let at = Self::slot(&ids, &slots, id);
            // Equal ids (a site listing one twice): the first keeps the slot.
            if slots[at] == usize::MAX {
                slots[at] = i;
            }
        }
        Index { ids, slots }
    }

    /// Where `id` is, or the free slot it would take.
    fn slot(ids: &[&str], slots: &[usize], id: &str) -> usize {
        let mask = slots.len() - 1;
        // FNV's low bits cluster for ids that differ in their last
        // characters (sku-1, sku-2…): Fibonacci hashing spreads them.
        let mut at = (u64::from(fnv1a32(id.as_bytes())).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize & mask;
        while slots[at] != usize::MAX && ids[slots[at]] != id {
            at = (at + 1) & mask;
        }
        at
    }

    /// The index of `id`'s first occurrence.
    pub fn find(&self, id: &str) -> Option<usize> {
        Some(self.slots[Self::slot(&self.ids, &self.slots, id)]).filter(|i| *i != usize::MAX)
    }
}

/// Each candidate's neighbour score (0 for none) and the index in
/// `lists` of the recent item that gave it the most.
///
/// `recent` is the visitor's items, oldest first (the profile's order);
/// `candidates` the candidates' ids; each older item counts `decay` times
/// the one after it. Lists of items that are not among the latest
/// [`RECENT`] count for nothing.
pub fn scores(lists: &[List], recent: &[(String, bool)], candidates: &Index, decay: f64) -> Vec<(f64, usize, f64)> {
    // (score, the list that gave the most, what it gave)
    let mut out = Vec::new();
    for _ in 0..candidates.ids.len() {
        out.push((0.0, usize::MAX, 0.0));
    }
    let mut weight = 1.0;
    for (j, _) in recent.iter().rev().take(RECENT) {
        if let Some(li) = lists.iter().position(|l| l.id == *j) {
            for (n, w) in &lists[li].near {
                if let Some(c) = candidates.find(n).filter(|_| w.is_finite() && *w > 0.0) {
                    let add = weight * w;
                    let o = &mut out[c];
                    o.0 += add;
                    if add > o.2 {
                        *o = (o.0, li, add);
                    }
                }
            }
        }
        // A multiplication a step: `pow` would add 2 KB to the wasm.
        weight *= decay;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(id: &str, near: &[(&str, f64)]) -> List {
        List { id: id.into(), name: String::new(), near: near.iter().map(|(n, w)| ((*n).into(), *w)).collect() }
    }

    fn recent(ids: &[&str]) -> Vec<(String, bool)> {
        ids.iter().map(|id| ((*id).to_string(), false)).collect()
    }

    fn run(lists: &[List], seen: &[&str], ids: &[&str], decay: f64) -> Vec<(f64, usize)> {
        scores(lists, &recent(seen), &Index::new(ids.to_vec()), decay).into_iter().map(|(s, l, _)| (s, l)).collect()
    }

    #[test]
    fn the_latest_items_count_most_and_name_what_gave_the_score() {
        let lists = [list("a", &[("x", 10.0), ("y", 4.0)]), list("b", &[("y", 10.0)])];
        // b is the latest, a the one before.
        let s = run(&lists, &["a", "b"], &["x", "y", "z"], 0.5);
        assert_eq!(s[0], (5.0, 0));
        assert_eq!(s[1].0, 12.0);
        assert_eq!(s[1].1, 1);
        assert_eq!(s[2], (0.0, usize::MAX));
    }

    #[test]
    fn every_candidate_is_found_among_thousands_and_a_repeated_id_counts_once() {
        let ids: Vec<String> = (0..3000).map(|i| format!("item-{i}")).collect();
        let mut refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        refs.push("item-7");
        let near: Vec<(&str, f64)> = refs.iter().map(|id| (*id, 1.0)).collect();
        let s = run(&[list("r", &near)], &["r"], &refs, 0.5);
        assert!(s[..3000].iter().all(|x| x.0 > 0.0), "each found");
        assert_eq!(s[7].0, 2.0, "listed twice in the model: counted twice for the first");
        assert_eq!(s[3000].0, 0.0, "the site's second item-7 is not another candidate");
        assert_eq!(run(&[list("r", &[("x", 1.0)])], &["r"], &[], 0.5), vec![]);
        let index = Index::new(refs.clone());
        assert_eq!(index.find("item-2999"), Some(2999));
        assert_eq!(index.find("item-3000"), None);
    }

    #[test]
    fn items_past_the_recent_window_and_bad_weights_count_for_nothing() {
        let mut recent: Vec<String> = vec!["old".into()];
        recent.extend((0..RECENT).map(|i| i.to_string()));
        let recent: Vec<&str> = recent.iter().map(String::as_str).collect();
        let lists = [list("old", &[("x", 5.0)]), list("3", &[("x", f64::NAN), ("x", -1.0), ("x", f64::INFINITY)])];
        assert_eq!(run(&lists, &recent, &["x"], 0.9), vec![(0.0, usize::MAX)]);
    }
}
