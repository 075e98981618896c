//! The simulated visitors: hidden topic preferences, what they read, what
//! they click, and the site's topics.

use super::arg;

pub const TOPICS: [&str; 8] = ["shoes", "outerwear", "accessories", "running", "hiking", "kids", "luxury", "sale"];
pub const DAY: f64 = 86_400_000.0;

/// Seeded: the whole run is reproducible.
pub type Rng = kizuna::engine::text::rng::Rng;

/// A uniform index below `n`.
pub trait Below {
    fn below(&mut self, n: usize) -> usize;
}

impl Below for Rng {
    fn below(&mut self, n: usize) -> usize {
        ((self.unit() * n as f64) as usize).min(n - 1)
    }
}

/// The mean of a mild interest (uniform 0–0.15).
pub const MILD: f64 = 0.075;
/// Chance that a visitor has a second favourite.
pub const SECOND: f64 = 0.5;

pub struct Visitor {
    /// Liking of each topic, 0–1.
    pub pref: [f64; TOPICS.len()],
}

pub fn topic_index(t: &str) -> usize {
    TOPICS.iter().position(|x| *x == t).unwrap()
}

/// The mean liking of `tags` under `pref`.
pub fn liking(pref: &[f64; TOPICS.len()], tags: &[String]) -> f64 {
    tags.iter().map(|t| pref[topic_index(t)]).sum::<f64>() / tags.len() as f64
}

pub fn favourite_of(pref: &[f64; TOPICS.len()]) -> usize {
    (0..pref.len()).fold(0, |best, i| if pref[i] > pref[best] { i } else { best })
}

/// The landing page's chance of being about the favourite topic.
pub fn landing() -> f64 {
    arg("--landing-percent", 50) as f64 / 100.0
}

/// The chance that a page read is about each topic: liked topics are read more.
pub fn reading_weight(p: f64) -> f64 {
    p + 0.1
}

/// The chance of a product click on a page about a topic liked `p`.
pub fn product_click(p: f64) -> f64 {
    0.5 * p
}

impl Visitor {
    /// One or two favourite topics, a mild interest in a few others.
    pub fn new(rng: &mut Rng) -> Visitor {
        let mut pref = [0.0; TOPICS.len()];
        for p in pref.iter_mut() {
            *p = 2.0 * MILD * rng.unit();
        }
        pref[rng.below(TOPICS.len())] = 1.0;
        if rng.unit() < SECOND {
            pref[rng.below(TOPICS.len())] = 0.7;
        }
        Visitor { pref }
    }

    /// The true click rate of a variant: 2% when indifferent, up to 20%.
    pub fn click_rate(&self, tags: &[String]) -> f64 {
        0.02 + 0.18 * liking(&self.pref, tags)
    }

    /// The favourite topic (the first of the strongest).
    pub fn favourite(&self) -> usize {
        favourite_of(&self.pref)
    }

    /// The topic of the landing page: with `--landing-percent` (default
    /// 50) chance the visitor's favourite (a campaign or search about what
    /// they want brought them), else a page like any other.
    pub fn landing_topic(&self, rng: &mut Rng) -> &'static str {
        if rng.unit() < landing() {
            TOPICS[self.favourite()]
        } else {
            self.next_topic(rng)
        }
    }

    /// The topic of the next page read: liked topics are read more.
    pub fn next_topic(&self, rng: &mut Rng) -> &'static str {
        let weights: Vec<f64> = self.pref.iter().map(|p| reading_weight(*p)).collect();
        let total: f64 = weights.iter().sum();
        let mut x = rng.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return TOPICS[i];
            }
            x -= w;
        }
        TOPICS[TOPICS.len() - 1]
    }
}
