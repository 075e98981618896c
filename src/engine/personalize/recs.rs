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
//! its items as written. The weights were chosen on the MovieLens replay
//! (`cargo run --release --example movielens`, README).

use crate::prelude::*;

use super::near::{self, Index, List};
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

/// Ranks `items` for the visitor and returns the best `n`, best first;
/// `lists` are the published neighbours of the visitor's recent items
/// (none without a model).
pub fn rank(items: &[Candidate], profile: Option<&Profile>, interests: &Interests, lists: &[List], n: usize) -> Vec<Pick> {
    rank_with(WEIGHTS, items, profile, interests, lists, n)
}

/// [`rank`] with other weights (the offline evaluation tries them).
pub fn rank_with(w: Weights, items: &[Candidate], profile: Option<&Profile>, interests: &Interests, lists: &[List], n: usize) -> Vec<Pick> {
    let top = items.iter().map(|c| sanitize(c.popularity)).fold(0.0, f64::max);
    // By id, for lookups among thousands: the visitor's items and the candidates.
    let mut ids = Vec::new();
    for (id, _) in profile.map_or(&[][..], |p| &p.items[..]) {
        ids.push(id.as_str());
    }
    let seen_items = Index::new(ids);
    let near = match profile {
        Some(p) if !lists.is_empty() => {
            let mut ids = Vec::new();
            for c in items {
                ids.push(c.id.as_str());
            }
            near::scores(lists, &p.items, &Index::new(ids), w.decay)
        }
        _ => Vec::new(),
    };
    let best_near = near.iter().map(|s| s.0).fold(0.0, f64::max);
    let mut picks: Vec<Pick> = Vec::new();
    for (index, c) in items.iter().enumerate() {
        let (viewed, bought) = match (profile, seen_items.find(&c.id)) {
            (Some(p), Some(i)) => (true, p.items[i].1),
            _ => (false, false),
        };
        if bought && !c.repeats {
            continue;
        }
        let mut best: Option<(&str, f64)> = None;
        let mut matched = 0.0;
        for t in &c.topics {
            let s = interests.share(&w, t);
            matched += s;
            if s > 0.0 && best.is_none_or(|(_, b)| s > b) {
                best = Some((t, s));
            }
        }
        let prior = (sanitize(c.popularity) + 1.0) / (top + 1.0);
        let seen = if viewed && !bought { w.viewed } else { 1.0 };
        // Only for what the visitor has not viewed: items viewed together
        // are each other's neighbours, and seen ones keep today's rule.
        let (close, from, _) = near.get(index).copied().filter(|_| !viewed).unwrap_or((0.0, usize::MAX, 0.0));
        let boost = if best_near > 0.0 { 1.0 + w.near * close / best_near } else { 1.0 };
        // exp(ln): `pow` would add 2 KB to the wasm; and neither for the
        // shipped weight of 1 (they cost more than the rest of a candidate).
        let weighed = if w.pop == 1.0 { prior } else { libm::exp(w.pop * libm::log(prior)) };
        let score = weighed * (w.floor + matched) * seen * boost;
        // Insertion into the kept best `n`: n is small (a row of products),
        // and this keeps the site's order on ties without a sort. The
        // reason is written only for what is kept.
        // A full row and nothing better: the common case, decided at once.
        if picks.len() >= n && picks.last().is_none_or(|p| p.score >= score) {
            continue;
        }
        let at = picks.iter().position(|p| p.score < score).unwrap_or(picks.len());
        if at < n {
            let why = match best {
                _ if close > 0.0 && from < lists.len() => Why::Near(from),
                Some((t, _)) => Why::Topic(t.to_string()),
                None => Why::Popular,
            };
            picks.insert(at, Pick { index, score, why });
            picks.truncate(n);
        }
    }
    picks
}

fn sanitize(x: f64) -> f64 {
    if x.is_finite() && x > 0.0 {
        x
    } else {
        0.0
    }
}
