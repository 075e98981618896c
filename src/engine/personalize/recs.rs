//! Recommendations: ranks a site's items for this visitor, on the device.
//!
//! Each candidate is an item the site already has on the page (or hands to
//! `kz.recommend`): an id, its topics, a popularity prior from the site
//! (any non-negative number: sales, views, a rank turned into a weight) and
//! whether it is bought repeatedly. The score is
//!
//! `prior(item)^POP × (FLOOR + match(item)) × seen(item) × (1 + NEAR × near(item))`
//!
//! - `prior` is the item's popularity over the most popular candidate's,
//!   plus one so that unknown items are not ruled out;
//! - `match` is the sum of the visitor's interest shares (decayed, see
//!   [`Profile::affinities`]) of the item's topics: a visitor reading about
//!   outerwear sees outerwear first, a new visitor sees what sells;
//! - `seen`: an item bought before is never recommended again unless it
//!   repeats; an item already viewed (not bought) goes down by
//!   `VIEWED`, since a list of what the visitor just saw tells them nothing;
//! - `near`: with a published model, how often everyone's visitors viewed
//!   the item near the ones this visitor interacted with last, over the best
//!   candidate's ([`super::near`]); 0 without one, which leaves the rest,
//!   and 0 for an item already viewed.
//!
//! Ties keep the site's order, so a page with no prior and no profile shows
//! its items as written; an id listed twice is ranked once, at its first
//! place. The candidates come prepared ([`Catalog`]): a row ranked again
//! with the same items costs the ranking alone. The weights were chosen on
//! the MovieLens replay (`cargo run --release --example movielens`, README).

use crate::prelude::*;

use super::catalog::Catalog;
use super::near::{self, List, HIT_SHIFT};
use super::profile::Profile;

/// The ranker's weights.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    /// How much the popularity prior counts against the profile's match (`POP`).
    pub pop: f64,
    /// What an item no topic of the visitor matches still gets (`FLOOR`).
    pub floor: f64,
    /// The factor for an item the visitor viewed and did not buy (`VIEWED`).
    pub viewed: f64,
    /// What the page being viewed adds to each of its topics' share (`PAGE`).
    pub page: f64,
    /// How much the neighbour score counts against the rest (`NEAR`).
    pub near: f64,
    /// How much each older recent item counts less than the next ([`near`]).
    pub decay: f64,
}

/// The weights Kizuna ships.
pub const WEIGHTS: Weights = Weights { pop: 1.0, floor: 0.05, viewed: 0.25, page: 0.5, near: 1000.0, decay: 0.6 };

/// An item that may be recommended.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The site's id of the item.
    pub id: String,
    /// Its topics (normalized, see [`super::profile::topic_name`]).
    pub topics: Vec<String>,
    /// The site's popularity prior (≥ 0; 0 when unknown).
    pub popularity: f64,
    /// Bought again and again (groceries, consumables): not excluded once bought.
    pub repeats: bool,
}

/// Why an item was picked: what `kz.explain()` says about it.
#[derive(Clone, Debug, PartialEq)]
pub enum Why {
    /// It is about the visitor's strongest matching topic.
    Topic(String),
    /// Nothing in the profile matches it: it is what sells.
    Popular,
    /// Visitors who viewed this recent item of the visitor's viewed it
    /// too: the index of its list among those the ranking was given.
    Near(usize),
}

/// A recommended item.
#[derive(Clone, Debug, PartialEq)]
pub struct Pick {
    /// Its index in the candidates.
    pub index: usize,
    /// Its score (comparable within one ranking only).
    pub score: f64,
    /// Why.
    pub why: Why,
}

/// The visitor's interest shares, read once per ranking, and the topics of
/// the page the ranking is for (what the visitor is looking at now says
/// more about the next item than their whole history).
pub struct Interests {
    shares: Vec<(String, f64)>,
    page: Vec<String>,
}

impl Interests {
    /// The shares in `profile` now (none without a profile), on a page about `page`.
    pub fn of(profile: Option<&Profile>, now: f64, half_life_days: f64, page: &[String]) -> Interests {
        Interests { shares: profile.map(|p| p.affinities(now, half_life_days)).unwrap_or_default(), page: page.to_vec() }
    }

    fn share(&self, w: &Weights, topic: &str) -> f64 {
        let on_page = if self.page.iter().any(|t| t == topic) { w.page / self.page.len() as f64 } else { 0.0 };
        self.shares.iter().find(|(t, _)| t == topic).map_or(0.0, |(_, s)| *s) + on_page
    }
}

/// Ranks the `catalog`'s candidates for the visitor and returns the best
/// `n`, best first; `lists` are the published neighbours of the visitor's
/// recent items (none without a model).
pub fn rank(catalog: &mut Catalog, profile: Option<&Profile>, interests: &Interests, lists: &[List], n: usize) -> Vec<Pick> {
    rank_with(WEIGHTS, catalog, profile, interests, lists, n)
}

/// [`rank`] with other weights (the offline evaluation tries them).
pub fn rank_with(
    w: Weights,
    catalog: &mut Catalog,
    profile: Option<&Profile>,
    interests: &Interests,
    lists: &[List],
    n: usize,
) -> Vec<Pick> {
    let c = catalog;
    // Each topic's share once, not once per candidate that has it.
    let mut shares = Vec::new();
    for t in &c.topics {
        shares.push(interests.share(&w, t));
    }
    // What the visitor did with each candidate: their few hundred items
    // looked up among the candidates, not the other way round.
    for m in c.marks.iter_mut() {
        *m = NOTHING;
    }
    let mut near = Vec::new();
    if let Some(p) = profile {
        for (id, bought) in &p.items {
            if let Some((_, m)) = c.mark(id) {
                *m = if *bought { BOUGHT } else { VIEWED };
            }
        }
        if !lists.is_empty() {
            near = near::scores(lists, &p.items, c, w.decay);
        }
    }
    // Slices, not vectors, from here on: at `opt-level = "z"` a vector's
    // index is a call, a slice's is inlined.
    let (shares, near) = (shares.as_slice(), near.as_slice());
    let mut best_near = 0.0;
    for &(_, score, _, _) in near {
        best_near = if score > best_near { score } else { best_near };
    }
    let mut picks: Vec<Pick> = Vec::new();
    // The priors' denominator, as a factor: a multiplication a candidate.
    let scale = 1.0 / (c.top + 1.0);
    // The score to beat once the row is full.
    let mut bar = f64::NEG_INFINITY;
    let mut start = 0;
    // Zipped, not indexed: at `opt-level = "z"` an index is a call.
    for (index, (it, &m)) in c.items.iter().zip(&c.marks).enumerate() {
        // `get`: no bounds-check panic in the wasm (the ends only grow).
        let topics = c.of.get(start..it.end as usize).unwrap_or(&[]);
        start = it.end as usize;
        let (d, hit) = (m & DID, (m >> HIT_SHIFT) as usize);
        if it.again || (d == BOUGHT && !it.repeats) {
            continue;
        }
        let mut matched = 0.0;
        for &t in topics {
            matched += shares[t as usize];
        }
        // exp(ln): `pow` would add 2 KB to the wasm; and neither for the
        // shipped weight of 1 (they cost more than the rest of a candidate).
        let prior = (it.popularity + 1.0) * scale;
        let weighed = if w.pop == 1.0 { prior } else { libm::exp(w.pop * libm::log(prior)) };
        let mut score = weighed * (w.floor + matched);
        if d == VIEWED {
            score *= w.viewed;
        } else if d == NOTHING && hit > 0 {
            // Only for what the visitor has not viewed: items viewed together
            // are each other's neighbours, and seen ones keep today's rule.
            score *= 1.0 + w.near * near[hit - 1].1 / best_near;
        }
        // A full row and nothing better: the common case, decided at once.
        if score <= bar {
            continue;
        }
        // Insertion into the kept best `n`: n is small (a row of products),
        // and this keeps the site's order on ties without a sort. The
        // reason is found only for what is kept.
        let at = picks.iter().position(|p| p.score < score).unwrap_or(picks.len());
        if at < n {
            let mut best: Option<(u32, f64)> = None;
            for &t in topics {
                let s = shares[t as usize];
                if s > 0.0 && best.is_none_or(|(_, b)| s > b) {
                    best = Some((t, s));
                }
            }
            let why = match best {
                _ if d == NOTHING && hit > 0 => Why::Near(near[hit - 1].2),
                Some((t, _)) => Why::Topic(c.topics[t as usize].clone()),
                None => Why::Popular,
            };
            picks.insert(at, Pick { index, score, why });
            picks.truncate(n);
            if picks.len() == n {
                bar = picks[n - 1].score;
            }
        }
    }
    picks
}

/// What the visitor did with a candidate: the low bits of its mark (the
/// high ones are its place among the neighbour scores, [`near::scores`]).
const DID: u32 = (1 << HIT_SHIFT) - 1;
const NOTHING: u32 = 0;
const VIEWED: u32 = 1;
const BOUGHT: u32 = 2;
