//! Audience insight with local differential privacy: what the site learns
//! about its audience (lifecycle segments, top topics) without any
//! visitor's true values leaving the device.
//!
//! Each report carries two values, each randomized on the device by k-ary
//! randomized response with ε/2: the visitor's segment (one of 5) and
//! their strongest topic (one of the configured `insights.topics`, or
//! `other`). The true value is reported with probability
//! p = e^(ε/2) / (e^(ε/2) + k − 1), each other value with
//! q = 1 / (e^(ε/2) + k − 1). So for any two visitors, and any report,
//! the probabilities differ by at most e^(ε/2) per value and e^ε for the
//! report: ε-local differential privacy.
//!
//! The collector de-biases the counts ([`estimate`], and its twin in
//! `www/collector/kpis.mjs`, both checked against
//! `tests/fixtures/ldp-estimates.json`): for n reports of which c said v,
//! n̂_v = (c − n·q) / (p − q), with the variance
//! n·q(1 − q)/(p − q)² + n̂_v(1 − p − q)/(p − q).

use crate::prelude::*;

use crate::engine::text::rng::Rng;

/// The lifecycle segments, in the order reports use.
pub const SEGMENTS: [&str; 5] = ["new", "returning", "engaged", "loyal", "dormant"];

/// `insights`: off unless configured.
#[derive(Clone, Debug, PartialEq)]
pub struct InsightsConfig {
    /// ε of each report (0.1–10). Default 2.
    pub epsilon: f64,
    /// Days between two reports of one visitor (≥ 1). Default 7.
    pub every_days: f64,
    /// The topics a report may name (its domain; anything else is `other`).
    pub topics: Vec<String>,
}

/// The probabilities of k-ary randomized response with `epsilon`: (p, q).
pub fn probabilities(k: usize, epsilon: f64) -> (f64, f64) {
    let e = libm::exp(epsilon);
    let d = e + k as f64 - 1.0;
    (e / d, 1.0 / d)
}

/// Reports `truth` (an index below `k`) through randomized response.
pub fn randomize(truth: usize, k: usize, epsilon: f64, rng: &mut Rng) -> usize {
    let (p, _) = probabilities(k, epsilon);
    if k < 2 || rng.unit() < p {
        return truth;
    }
    // One of the k − 1 others, uniformly.
    let other = ((rng.unit() * (k - 1) as f64) as usize).min(k - 2);
    if other >= truth {
        other + 1
    } else {
        other
    }
}

/// The de-biased count of each value from `counts` of `n` reports, with
/// the half-width of its 95% interval.
pub fn estimate(counts: &[f64], epsilon: f64) -> Vec<(f64, f64)> {
    let k = counts.len();
    let n: f64 = counts.iter().sum();
    let (p, q) = probabilities(k, epsilon);
    counts
        .iter()
        .map(|c| {
            let est = (c - n * q) / (p - q);
            let var = n * q * (1.0 - q) / ((p - q) * (p - q)) + est.max(0.0) * (1.0 - p - q) / (p - q);
            (est, 1.96 * libm::sqrt(var.max(0.0)))
        })
        .collect()
}
