//! Topic interest: the signals that feed it, the half-life decay of each
//! weight, and each topic's share of the visitor's interest.

use crate::prelude::*;

use super::{Profile, DAY_MS, MAX_TOPICS};
use crate::engine::text::json::{self, Kind};

/// Where a topic signal came from, and so what it weighs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// A viewed page's `data-kz-topic`: +1.
    PageView,
    /// A click inside an element with `data-kz-topic`: +2.
    Click,
    /// An event's `category` or `tags`: +1.
    Event,
}

impl Signal {
    fn weight(self) -> f64 {
        match self {
            Signal::Click => 2.0,
            Signal::PageView | Signal::Event => 1.0,
        }
    }
}

/// A topic and its decaying weight.
#[derive(Clone, Debug, PartialEq)]
pub struct Topic {
    /// Lowercase topic name.
    pub name: String,
    /// Weight at `at`.
    pub weight: f64,
    /// When the weight was last updated (epoch ms).
    pub at: f64,
}

/// Normalizes a topic name: trimmed, lowercase ASCII, at most 40 bytes.
pub fn topic_name(raw: &str) -> Option<String> {
    let t = raw.trim_ascii();
    if t.is_empty() || t.len() > 40 {
        return None;
    }
    Some(t.to_ascii_lowercase())
}

/// Topics in a `category` / `tags` / `data-kz-topic` value (JSON): a string
/// (comma-separated) or an array of strings.
pub fn topics_in(value: &str) -> Vec<String> {
    match json::kind(value) {
        Kind::String => json::string(value).map(|s| topics_of(&s)).unwrap_or_default(),
        Kind::Array => json::items(value).filter_map(json::string).filter_map(|s| topic_name(&s)).collect(),
        _ => Vec::new(),
    }
}

/// Topics in a comma-separated list.
pub fn topics_of(list: &str) -> Vec<String> {
    list.split(',').filter_map(topic_name).collect()
}

impl Profile {
    /// Adds topic signals at `now`, then keeps the strongest topics.
    pub fn add_topics(&mut self, topics: &[String], signal: Signal, now: f64, half_life_days: f64) {
        for name in topics {
            let add = signal.weight();
            match self.topics.iter_mut().find(|t| &t.name == name) {
                Some(t) => {
                    t.weight = decayed(t.weight, t.at, now, half_life_days) + add;
                    t.at = now;
                }
                None => self.topics.push(Topic { name: name.clone(), weight: add, at: now }),
            }
        }
        if !topics.is_empty() {
            // Strongest first. Insertion sort: at most 21 topics, nearly in
            // order already, and `sort_by` costs 3 KB of wasm.
            let w = |t: &Topic| decayed(t.weight, t.at, now, half_life_days);
            for i in 1..self.topics.len() {
                let mut j = i;
                while j > 0 && w(&self.topics[j - 1]) < w(&self.topics[j]) {
                    self.topics.swap(j - 1, j);
                    j -= 1;
                }
            }
            self.topics.truncate(MAX_TOPICS);
        }
    }

    /// Each topic's share of the visitor's (decayed) interest now, strongest first.
    pub fn affinities(&self, now: f64, half_life_days: f64) -> Vec<(String, f64)> {
        self.affinities_with(&[], now, half_life_days)
    }

    /// [`Profile::affinities`] with one more page view about `page`
    /// counted (a decision on a page whose view the profile lacks yet).
    pub fn affinities_with(&self, page: &[String], now: f64, half_life_days: f64) -> Vec<(String, f64)> {
        let mut weights: Vec<(String, f64)> =
            self.topics.iter().map(|t| (t.name.clone(), decayed(t.weight, t.at, now, half_life_days))).collect();
        for t in page {
            match weights.iter_mut().find(|(n, _)| n == t) {
                Some(w) => w.1 += 1.0,
                None => weights.push((t.clone(), 1.0)),
            }
        }
        let total: f64 = weights.iter().map(|(_, w)| w).sum();
        if total <= 0.0 {
            return Vec::new();
        }
        weights.into_iter().map(|(n, w)| (n, w / total)).collect()
    }

    /// The total topic weight now: how much the profile knows.
    pub fn evidence(&self, now: f64, half_life_days: f64) -> f64 {
        self.topics.iter().map(|t| decayed(t.weight, t.at, now, half_life_days)).sum()
    }

    /// The share of interest in `topic` now (0 when unknown).
    pub fn affinity(&self, topic: &str, now: f64, half_life_days: f64) -> f64 {
        self.affinities(now, half_life_days).into_iter().find(|(n, _)| n == topic).map_or(0.0, |(_, a)| a)
    }
}

/// `weight` set at `at`, as it stands at `now` after halving every `half_life_days`.
pub fn decayed(weight: f64, at: f64, now: f64, half_life_days: f64) -> f64 {
    let days = ((now - at) / DAY_MS).max(0.0);
    weight * halving(days / half_life_days.max(0.001))
}

/// 0.5^`halvings` (through `exp`: `pow` would add 2 KB to the wasm).
pub(super) fn halving(halvings: f64) -> f64 {
    libm::exp(-core::f64::consts::LN_2 * halvings)
}
