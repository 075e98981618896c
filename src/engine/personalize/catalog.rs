//! A row's candidates, prepared once for every ranking the row gets.
//!
//! Ranking compares each candidate with the visitor's interests, purchases
//! and the model's neighbours. Done on text, that is a string comparison
//! per topic and a hash per id for every candidate of every ranking: for
//! 2,000 candidates, most of the 230–330 µs a ranking took. A catalog
//! turns the topics into numbers (each distinct topic once), hashes the ids
//! into a table once, and divides the popularity out once, so a ranking
//! looks up the visitor's few hundred items among the candidates instead
//! of the other way round, and its loop over the candidates is arithmetic.
//! The personalizer keeps each row's catalog for as long as the row's
//! items are the same (`engage.rs`).

use crate::prelude::*;

use super::hash::fnv1a32;
use super::recs::Candidate;

/// A free slot of a hash table.
const FREE: u32 = u32::MAX;

/// One candidate, prepared.
#[derive(Clone, Copy, Debug)]
pub(super) struct Item {
    /// Its popularity (≥ 0): the ranker's prior is this plus one over
    /// the most popular candidate's plus one, so that an item without one
    /// is not ruled out.
    pub popularity: f64,
    /// Where its topics end in [`Catalog::of`] (they start where the
    /// previous item's end).
    pub end: u32,
    /// Bought again and again: not left out once bought.
    pub repeats: bool,
    /// An id listed again: ranked once, at its first place.
    pub again: bool,
}

/// A row's candidates, their topics as numbers and their ids in a table.
pub struct Catalog {
    ids: Vec<String>,
    /// The ids' table: index in `ids` of the first of each id, by hash.
    table: Vec<u32>,
    /// The distinct topics, each once.
    pub(super) topics: Vec<String>,
    /// Their table, as `table` is for the ids.
    topic_table: Vec<u32>,
    /// The candidates' topics, as indices in `topics`, one item after the other.
    pub(super) of: Vec<u32>,
    pub(super) items: Vec<Item>,
    /// A ranking's marks on each candidate (what the visitor did with it,
    /// its place among the neighbour scores: `recs.rs`), kept here so that
    /// a ranking allocates nothing the size of the row.
    pub(super) marks: Vec<u32>,
    /// The most popular candidate's popularity.
    pub(super) top: f64,
}

impl Catalog {
    /// Prepares `items` (in the site's order: ties keep it).
    pub fn new(items: Vec<Candidate>) -> Catalog {
        let mut c = Catalog::with_room(items.len());
        for item in items {
            c.push(item.id, item.topics, item.popularity, item.repeats);
        }
        c
    }

    /// An empty catalog with room for `n` candidates.
    pub fn with_room(n: usize) -> Catalog {
        Catalog {
            ids: Vec::new(),
            table: filled((n * 2).next_power_of_two(), FREE),
            topics: Vec::new(),
            topic_table: filled(8, FREE),
            of: Vec::new(),
            items: Vec::new(),
            marks: Vec::new(),
            top: 0.0,
        }
    }

    /// Adds a candidate (past the room it was made with, it is left out).
    pub fn push(&mut self, id: String, topics: Vec<String>, popularity: f64, repeats: bool) {
        // At most half the table: a lookup always ends at a free slot.
        if (self.items.len() + 1) * 2 > self.table.len() {
            return;
        }
        for t in topics {
            // Kept at most half full: the table doubles, its topics placed again.
            if self.topics.len() * 2 >= self.topic_table.len() {
                self.topic_table = filled(self.topic_table.len() * 2, FREE);
                for (i, name) in self.topics.iter().enumerate() {
                    let at = slot(&self.topics, &self.topic_table, name);
                    self.topic_table[at] = i as u32;
                }
            }
            let at = slot(&self.topics, &self.topic_table, &t);
            if self.topic_table[at] == FREE {
                self.topic_table[at] = self.topics.len() as u32;
                self.topics.push(t);
            }
            self.of.push(self.topic_table[at]);
        }
        let at = slot(&self.ids, &self.table, &id);
        let again = self.table[at] != FREE;
        if !again {
            self.table[at] = self.ids.len() as u32;
        }
        self.ids.push(id);
        let popularity = if popularity.is_finite() && popularity > 0.0 { popularity } else { 0.0 };
        self.top = self.top.max(popularity);
        self.marks.push(0);
        self.items.push(Item { popularity, end: self.of.len() as u32, repeats, again });
    }

    /// How many candidates (an id listed again counted again).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The id of candidate `index`.
    pub fn id(&self, index: usize) -> &str {
        &self.ids[index]
    }

    /// The index of `id`'s first listing and its mark, if it is a candidate.
    pub(super) fn mark(&mut self, id: &str) -> Option<(usize, &mut u32)> {
        let i = self.find(id)?;
        // A slice's index: inlined, where a vector's is a call at `opt-level = "z"`.
        Some((i, &mut self.marks.as_mut_slice()[i]))
    }

    /// The index of `id`'s first listing, if it is a candidate.
    pub fn find(&self, id: &str) -> Option<usize> {
        Some(self.table[slot(&self.ids, &self.table, id)]).filter(|i| *i != FREE).map(|i| i as usize)
    }
}

/// `n` times `x`. Pushed, not `vec![x; n]`: one generic instantiation
/// fewer in the wasm (tables are made with a catalog, not per ranking).
#[allow(clippy::same_item_push)]
fn filled(n: usize, x: u32) -> Vec<u32> {
    let mut v = Vec::new();
    for _ in 0..n {
        v.push(x);
    }
    v
}

/// Where `name` is in `table` (over `names`), or the free slot it would take.
fn slot(names: &[String], table: &[u32], name: &str) -> usize {
    let mask = table.len() - 1;
    // FNV's low bits cluster for ids that differ in their last characters
    // (sku-1, sku-2…): Fibonacci hashing spreads them.
    let mut at = (u64::from(fnv1a32(name.as_bytes())).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize & mask;
    while table[at] != FREE && names[table[at] as usize] != name {
        at = (at + 1) & mask;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(id: &str, topics: &[&str], popularity: f64) -> Candidate {
        Candidate { id: id.into(), topics: topics.iter().map(|t| (*t).into()).collect(), popularity, repeats: false }
    }

    #[test]
    fn topics_become_numbers_and_ids_are_found_among_thousands() {
        let mut items: Vec<Candidate> = (0..3000).map(|i| cand(&format!("item-{i}"), &[["a", "b", "c"][i % 3], "all"], i as f64)).collect();
        items.push(cand("item-7", &["z"], f64::NAN));
        let c = Catalog::new(items);
        assert_eq!(c.topics, ["a", "all", "b", "c", "z"]);
        assert_eq!(&c.of[..6], [0, 1, 2, 1, 3, 1]);
        assert_eq!(c.items[2].end, 6);
        assert_eq!(c.len(), 3001);
        assert!((0..3000).all(|i| c.find(&format!("item-{i}")) == Some(i)), "each found at its place");
        assert_eq!(c.find("item-3000"), None);
        assert_eq!(c.find(""), None);
        assert!(c.items[3000].again && !c.items[7].again, "the second item-7 is not another candidate");
        assert_eq!(c.id(3000), "item-7");
        assert_eq!((c.top, c.items[2999].popularity), (2999.0, 2999.0));
        assert_eq!(c.items[3000].popularity, 0.0, "a popularity that is not a number counts as none");
    }

    #[test]
    fn an_empty_row_is_a_catalog_too() {
        let c = Catalog::new(Vec::new());
        assert!(c.is_empty());
        assert_eq!(c.find("x"), None);
        // Made for two: a third is left out (the table stays half free).
        let mut c = Catalog::with_room(2);
        for id in ["a", "b", "c"] {
            c.push(id.into(), vec!["t".into()], 1.0, false);
        }
        assert_eq!((c.len(), c.find("b"), c.find("c")), (2, Some(1), None));
        // Many topics: the topic table grows.
        let mut c = Catalog::with_room(1);
        c.push("x".into(), (0..100).map(|i| i.to_string()).collect(), 1.0, false);
        assert_eq!(c.topics.len(), 100);
        assert!(c.of.iter().enumerate().all(|(i, t)| *t == i as u32));
    }
}
