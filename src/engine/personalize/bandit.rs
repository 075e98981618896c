//! Thompson sampling over a slot's eligible variants, with the propensity
//! of each choice.
//!
//! Each variant's click rate for this visitor is a Beta belief:
//!
//! - its mean μ = prior × (1 + 4 × match), where `match` is the visitor's
//!   share of interest in the variant's tags (0–1): a variant entirely on
//!   the visitor's topics is believed up to 5× its prior;
//! - its weight, in pseudo-observations, grows with what the profile knows:
//!   n = 20 + 40 × evidence (the profile's total topic weight), so a thin
//!   profile gives wide beliefs (the policy explores) and a rich one narrow
//!   beliefs (it exploits); the visitor's own views and clicks of the
//!   variant add to it: α = nμ + clicks, β = n(1 − μ) + views − clicks.
//!
//! One draw per variant, the largest wins (so the policy keeps exploring in
//! proportion to its doubt). The propensity, the probability of the choice
//! under this policy, is computed exactly enough by integrating the Beta
//! densities on a grid: P(v) = Σ pdf_v(x) × Π_{u≠v} cdf_u(x).

use crate::prelude::*;

use crate::engine::text::rng::Rng;

/// The weight of a belief with no profile evidence, in pseudo-observations.
pub const BASE_PSEUDO_COUNT: f64 = 20.0;
/// What each unit of profile evidence adds to it.
pub const PSEUDO_COUNT_PER_EVIDENCE: f64 = 40.0;
/// How much more likely a click is on a variant wholly about the visitor's topics.
pub const AFFINITY_LIFT: f64 = 9.0;
/// Grid points of the propensity integral, over the range where the beliefs
/// are (the tests hold it to observed frequencies within 1%).
const GRID: usize = 128;

/// One arm: Beta(alpha, beta).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Arm {
    /// α
    pub alpha: f64,
    /// β
    pub beta: f64,
}

impl Arm {
    /// The belief for a variant with `prior`, affinity `matched` (0–1),
    /// from a profile with `evidence`, and this visitor's `views` and
    /// `clicks` of it.
    pub fn new(prior: f64, matched: f64, evidence: f64, views: u32, clicks: u32) -> Arm {
        let mean = (prior * (1.0 + AFFINITY_LIFT * matched.clamp(0.0, 1.0))).clamp(1e-4, 0.95);
        let n = BASE_PSEUDO_COUNT + PSEUDO_COUNT_PER_EVIDENCE * evidence.max(0.0);
        let clicks = f64::from(clicks.min(views));
        let misses = f64::from(views) - clicks;
        Arm { alpha: n * mean + clicks, beta: n * (1.0 - mean) + misses }
    }

    /// The mean of the belief.
    pub fn mean(&self) -> f64 {
        self.alpha / (self.alpha + self.beta)
    }
}

/// A standard normal draw (Marsaglia's polar method).
fn normal(rng: &mut Rng) -> f64 {
    loop {
        let u = 2.0 * rng.unit() - 1.0;
        let v = 2.0 * rng.unit() - 1.0;
        let s = u * u + v * v;
        if s > 0.0 && s < 1.0 {
            return u * libm::sqrt(-2.0 * libm::log(s) / s);
        }
    }
}

/// A Gamma(shape, 1) draw (Marsaglia and Tsang; shape < 1 boosted).
pub fn gamma(shape: f64, rng: &mut Rng) -> f64 {
    if shape < 1.0 {
        let u = rng.unit().max(1e-300);
        return gamma(shape + 1.0, rng) * libm::exp(libm::log(u) / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / libm::sqrt(9.0 * d);
    loop {
        let x = normal(rng);
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = rng.unit();
        if u < 1.0 - 0.0331 * x * x * x * x || libm::log(u.max(1e-300)) < 0.5 * x * x + d * (1.0 - v + libm::log(v)) {
            return d * v;
        }
    }
}

/// A Beta(alpha, beta) draw.
pub fn beta(arm: Arm, rng: &mut Rng) -> f64 {
    let x = gamma(arm.alpha, rng);
    let y = gamma(arm.beta, rng);
    x / (x + y)
}

/// Thompson sampling: the index of the arm with the largest draw.
pub fn choose(arms: &[Arm], rng: &mut Rng) -> usize {
    let mut best = 0;
    let mut best_draw = f64::MIN;
    for (i, arm) in arms.iter().enumerate() {
        let d = beta(*arm, rng);
        if d > best_draw {
            best_draw = d;
            best = i;
        }
    }
    best
}

/// The probability that each arm wins a Thompson draw.
pub fn win_probabilities(arms: &[Arm]) -> Vec<f64> {
    if arms.len() <= 1 {
        return vec![1.0; arms.len()];
    }
    // Each density on a midpoint grid, normalized to a pmf. The grid spans
    // only where the densities are not negligible (every mean ± 8 standard
    // deviations), and its logarithms are shared by every arm.
    let sd = |a: &Arm| libm::sqrt(a.alpha * a.beta / ((a.alpha + a.beta) * (a.alpha + a.beta) * (a.alpha + a.beta + 1.0)));
    let lo = arms.iter().map(|a| a.mean() - 8.0 * sd(a)).fold(1.0, f64::min).max(0.0);
    let hi = arms.iter().map(|a| a.mean() + 8.0 * sd(a)).fold(0.0, f64::max).min(1.0);
    let step = (hi - lo) / GRID as f64;
    let ln_x: Vec<(f64, f64)> = (0..GRID)
        .map(|i| {
            let x = lo + (i as f64 + 0.5) * step;
            (libm::log(x), libm::log(1.0 - x))
        })
        .collect();
    let pmfs: Vec<Vec<f64>> = arms
        .iter()
        .map(|a| {
            let logs: Vec<f64> = ln_x.iter().map(|(lx, l1x)| (a.alpha - 1.0) * lx + (a.beta - 1.0) * l1x).collect();
            let max = logs.iter().cloned().fold(f64::MIN, f64::max);
            let dens: Vec<f64> = logs.iter().map(|l| libm::exp(l - max)).collect();
            let total: f64 = dens.iter().sum();
            dens.into_iter().map(|d| d / total).collect()
        })
        .collect();
    // cdf at a grid point counts half of its own mass (ties split evenly).
    let cdfs: Vec<Vec<f64>> = pmfs
        .iter()
        .map(|p| {
            let mut acc = 0.0;
            p.iter()
                .map(|m| {
                    let c = acc + m / 2.0;
                    acc += m;
                    c
                })
                .collect()
        })
        .collect();
    let mut wins: Vec<f64> = (0..arms.len())
        .map(|v| (0..GRID).map(|i| pmfs[v][i] * (0..arms.len()).filter(|u| *u != v).map(|u| cdfs[u][i]).product::<f64>()).sum())
        .collect();
    let total: f64 = wins.iter().sum();
    if total > 0.0 {
        for w in &mut wins {
            *w /= total;
        }
    }
    wins
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::text::rng::Rng;

    #[test]
    fn beta_draws_have_the_right_mean_and_spread() {
        let mut rng = Rng::new(7, 7);
        for arm in [Arm { alpha: 2.0, beta: 38.0 }, Arm { alpha: 0.5, beta: 0.5 }, Arm { alpha: 30.0, beta: 10.0 }] {
            let n = 20_000;
            let draws: Vec<f64> = (0..n).map(|_| beta(arm, &mut rng)).collect();
            let mean = draws.iter().sum::<f64>() / n as f64;
            let var = draws.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / n as f64;
            let (a, b) = (arm.alpha, arm.beta);
            let want_var = a * b / ((a + b) * (a + b) * (a + b + 1.0));
            assert!((mean - arm.mean()).abs() < 0.01, "{arm:?}: mean {mean}");
            assert!((var - want_var).abs() / want_var < 0.08, "{arm:?}: var {var} vs {want_var}");
            assert!(draws.iter().all(|d| (0.0..=1.0).contains(d)));
        }
    }

    #[test]
    fn propensities_match_the_observed_choice_frequencies() {
        let arms = [
            Arm::new(0.05, 0.0, 1.0, 0, 0),
            Arm::new(0.05, 0.5, 1.0, 0, 0),
            Arm::new(0.04, 0.9, 1.0, 3, 1),
            Arm::new(0.08, 0.1, 1.0, 0, 0),
        ];
        let p = win_probabilities(&arms);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        let mut rng = Rng::new(42, 42);
        let n = 40_000;
        let mut counts = [0usize; 4];
        for _ in 0..n {
            counts[choose(&arms, &mut rng)] += 1;
        }
        for i in 0..4 {
            let observed = counts[i] as f64 / n as f64;
            // Binomial standard error at n = 40,000 is under 0.0025.
            assert!((observed - p[i]).abs() < 0.01, "arm {i}: chosen {observed}, propensity {}", p[i]);
        }
        assert!(p[2] > p[1] && p[1] > p[0], "affinity raises the odds: {p:?}");
    }

    #[test]
    fn a_single_arm_is_certain_and_evidence_moves_beliefs() {
        assert_eq!(win_probabilities(&[Arm::new(0.05, 0.0, 0.0, 0, 0)]), vec![1.0]);
        let cold = Arm::new(0.05, 0.0, 0.0, 0, 0);
        let clicked = Arm::new(0.05, 0.0, 0.0, 10, 5);
        assert!(clicked.mean() > cold.mean());
        let ignored = Arm::new(0.05, 0.0, 0.0, 40, 0);
        assert!(ignored.mean() < cold.mean());
        // More profile evidence, narrower beliefs: the better match wins more often.
        let thin = win_probabilities(&[Arm::new(0.05, 0.6, 1.0, 0, 0), Arm::new(0.05, 0.3, 1.0, 0, 0)]);
        let rich = win_probabilities(&[Arm::new(0.05, 0.6, 10.0, 0, 0), Arm::new(0.05, 0.3, 10.0, 0, 0)]);
        assert!(rich[0] > thin[0] && thin[0] > 0.5, "{thin:?} {rich:?}");
    }
}
