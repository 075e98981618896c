//! Item neighbours: what the visitors of a site viewed near each other,
//! learned by the collector from everyone's events and published as
//! aggregates (`www/schemas/model.json`); the device scores its candidates
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

/// Each candidate's neighbour score (0 for none) and the index in
/// `lists` of the recent item that gave it the most.
///
/// `recent` is the visitor's items, oldest first (the profile's order);
/// `ids` the candidates' ids; each older item counts `decay` times the one
/// after it. Lists of items that are not among the
/// latest [`RECENT`] count for nothing.
pub fn scores(lists: &[List], recent: &[&str], ids: &[&str], decay: f64) -> Vec<(f64, usize)> {
    let mut out = vec![(0.0, usize::MAX); ids.len()];
    if lists.is_empty() || recent.is_empty() {
        return out;
    }
    // Candidates by id, for the lists' lookups: sorted once, then binary
    // searched (a row holds tens of items; an app's list a few thousand).
    let mut index: Vec<(&str, usize)> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    index.sort_unstable();
    let mut best = vec![0.0f64; ids.len()];
    let mut next = 1.0;
    for j in recent.iter().rev().take(RECENT) {
        // A multiplication a step: `pow` would add 2 KB to the wasm.
        let weight = next;
        next *= decay;
        let Some(li) = lists.iter().position(|l| l.id == *j) else { continue };
        for (n, w) in &lists[li].near {
            if !(w.is_finite() && *w > 0.0) {
                continue;
            }
            if let Ok(at) = index.binary_search_by(|(id, _)| (*id).cmp(n.as_str())) {
                // Equal ids: the first of them (the site listed it twice).
                let mut at = at;
                while at > 0 && index[at - 1].0 == n.as_str() {
                    at -= 1;
                }
                let c = index[at].1;
                let add = weight * w;
                out[c].0 += add;
                if add > best[c] {
                    best[c] = add;
                    out[c].1 = li;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(id: &str, near: &[(&str, f64)]) -> List {
        List { id: id.into(), name: String::new(), near: near.iter().map(|(n, w)| ((*n).into(), *w)).collect() }
    }

    #[test]
    fn the_latest_items_count_most_and_name_what_gave_the_score() {
        let lists = [list("a", &[("x", 10.0), ("y", 4.0)]), list("b", &[("y", 10.0)])];
        // b is the latest, a the one before.
        let s = scores(&lists, &["a", "b"], &["x", "y", "z"], 0.5);
        assert_eq!(s[0], (5.0, 0));
        assert_eq!(s[1].0, 12.0);
        assert_eq!(s[1].1, 1);
        assert_eq!(s[2], (0.0, usize::MAX));
    }

    #[test]
    fn items_past_the_recent_window_and_bad_weights_count_for_nothing() {
        let mut recent: Vec<String> = vec!["old".into()];
        recent.extend((0..RECENT).map(|i| i.to_string()));
        let recent: Vec<&str> = recent.iter().map(String::as_str).collect();
        let lists = [list("old", &[("x", 5.0)]), list("3", &[("x", f64::NAN), ("x", -1.0), ("x", f64::INFINITY)])];
        assert_eq!(scores(&lists, &recent, &["x"], 0.9), vec![(0.0, usize::MAX)]);
    }
}
