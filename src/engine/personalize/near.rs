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

use super::catalog::Catalog;

/// How many of the visitor's latest items count.
pub const RECENT: usize = 15;

/// Candidates the lists may name (far more than the edge hands over:
/// [`RECENT`] lists of at most 50).
pub const MAX_HITS: usize = 60_000;

/// Where a candidate's place among the scores starts in its mark (the
/// bits below are the ranker's).
pub const HIT_SHIFT: u32 = 2;

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

/// The candidates the lists name, each once, in the order first named:
/// (its index among the candidates, its neighbour score, the index in
/// `lists` of the recent item that gave it the most, what that item
/// gave). Sparse: a few hundred at most where a row has thousands of
/// candidates. Each one's place in the result, plus one, goes into the
/// high bits of its mark (from [`HIT_SHIFT`] on); the marks must be clear
/// of them before.
///
/// `recent` is the visitor's items, oldest first (the profile's order);
/// each older item counts `decay` times the one after it. Lists of items
/// that are not among the latest [`RECENT`] count for nothing.
pub fn scores(lists: &[List], recent: &[(String, bool)], candidates: &mut Catalog, decay: f64) -> Vec<(usize, f64, usize, f64)> {
    // (candidate, score, the list that gave the most, what it gave)
    let mut hits: Vec<(usize, f64, usize, f64)> = Vec::new();
    let mut weight = 1.0;
    for (j, _) in recent.iter().rev().take(RECENT) {
        if let Some(li) = lists.iter().position(|l| l.id == *j) {
            for (n, w) in &lists[li].near {
                if let Some((c, mark)) = candidates.mark(n).filter(|_| w.is_finite() && *w > 0.0) {
                    let add = weight * w;
                    // The candidate's place in `hits`, plus one, in its mark's high bits.
                    let mut at = *mark >> HIT_SHIFT;
                    if at == 0 {
                        if hits.len() == MAX_HITS {
                            continue;
                        }
                        hits.push((c, 0.0, li, 0.0));
                        at = hits.len() as u32;
                        *mark |= at << HIT_SHIFT;
                    }
                    let h = &mut hits.as_mut_slice()[at as usize - 1];
                    h.1 += add;
                    if add > h.3 {
                        (h.2, h.3) = (li, add);
                    }
                }
            }
        }
        // A multiplication a step: `pow` would add 2 KB to the wasm.
        weight *= decay;
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::personalize::recs::Candidate;

    fn list(id: &str, near: &[(&str, f64)]) -> List {
        List { id: id.into(), name: String::new(), near: near.iter().map(|(n, w)| ((*n).into(), *w)).collect() }
    }

    fn recent(ids: &[&str]) -> Vec<(String, bool)> {
        ids.iter().map(|id| ((*id).to_string(), false)).collect()
    }

    fn catalog(ids: &[&str]) -> Catalog {
        Catalog::new(ids.iter().map(|id| Candidate { id: (*id).into(), topics: Vec::new(), popularity: 0.0, repeats: false }).collect())
    }

    /// Each candidate's (score, list), (0, MAX) for those not named.
    fn run(lists: &[List], seen: &[&str], ids: &[&str], decay: f64) -> Vec<(f64, usize)> {
        let mut all = vec![(0.0, usize::MAX); ids.len()];
        for (c, s, l, _) in scores(lists, &recent(seen), &mut catalog(ids), decay) {
            assert_eq!(all[c], (0.0, usize::MAX), "each candidate named once");
            all[c] = (s, l);
        }
        all
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
