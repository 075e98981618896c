//! Audience reports with local differential privacy: randomized response
//! on the device, de-biasing at the collector. Statistical host tests over
//! 100,000 simulated visitors, the e^ε bound, the golden estimates shared
//! with the collector, and the personalizer's once-per-period report.

#[path = "codec/mod.rs"]
mod codec;
use codec::Text;

use kizuna::engine::personalize::insights::{estimate, probabilities, randomize, SEGMENTS};
use kizuna::engine::personalize::Personalizer;
use kizuna::engine::text::rng::Rng;

const TRUE_SHARES: [f64; 5] = [0.40, 0.25, 0.20, 0.10, 0.05];
const EPSILON: f64 = 1.0; // per value (a report's ε is 2)

fn population(rng: &mut Rng, n: usize) -> (Vec<f64>, Vec<f64>) {
    let (mut truth, mut reported) = (vec![0.0; 5], vec![0.0; 5]);
    for _ in 0..n {
        let mut x = rng.unit();
        let mut v = 4;
        for (i, s) in TRUE_SHARES.iter().enumerate() {
            if x < *s {
                v = i;
                break;
            }
            x -= s;
        }
        truth[v] += 1.0;
        reported[randomize(v, 5, EPSILON, rng)] += 1.0;
    }
    (truth, reported)
}

#[test]
fn over_100000_visitors_the_debiased_estimate_is_within_its_stated_interval() {
    let mut rng = Rng::new(2026, 12);
    let (truth, reported) = population(&mut rng, 100_000);
    let est = estimate(&reported, EPSILON);
    for (i, (e, half)) in est.iter().enumerate() {
        // The raw (randomized) counts are far off: the estimate is not.
        assert!((e - truth[i]).abs() <= half * 3.29 / 1.96, "{}: estimate {e:.0} ± {half:.0} (95%), truth {}", SEGMENTS[i], truth[i]);
        assert!(*half < 2_000.0, "an interval of ±{half:.0} of 100,000 says little");
    }
    assert!((reported[4] - truth[4]).abs() > 5_000.0, "the randomized counts alone are biased");
    // Coverage: over 40 populations, about 95% of the stated intervals hold the truth.
    let (mut inside, mut all) = (0, 0);
    for _ in 0..40 {
        let (truth, reported) = population(&mut rng, 100_000);
        for (i, (e, half)) in estimate(&reported, EPSILON).iter().enumerate() {
            all += 1;
            inside += usize::from((e - truth[i]).abs() <= *half);
        }
    }
    let coverage = inside as f64 / all as f64;
    assert!((0.89..=0.995).contains(&coverage), "95% intervals held the truth {coverage:.3} of the time");
}

#[test]
fn one_visitors_report_changes_the_output_distribution_by_at_most_e_to_the_epsilon() {
    for k in [2, 5, 9] {
        for eps in [0.1, 0.5, 1.0, 3.0] {
            let (p, q) = probabilities(k, eps);
            assert!((p + (k - 1) as f64 * q - 1.0).abs() < 1e-12);
            // Any two true values a ≠ b, any output: P(o|a)/P(o|b) ∈ {p/q, q/p, 1}.
            assert!(p / q <= eps.exp() * (1.0 + 1e-12));
            // A report is two values with ε/2 each: at most e^ε together.
            let (p2, q2) = probabilities(k, eps / 2.0);
            assert!((p2 / q2).powi(2) <= eps.exp() * (1.0 + 1e-12));
        }
    }
    // The sampler matches the probabilities it claims.
    let mut rng = Rng::new(7, 7);
    let (p, q) = probabilities(5, EPSILON);
    let n = 200_000;
    let mut seen = [0.0; 5];
    for _ in 0..n {
        seen[randomize(2, 5, EPSILON, &mut rng)] += 1.0;
    }
    for (o, c) in seen.iter().enumerate() {
        let want = if o == 2 { p } else { q };
        assert!((c / n as f64 - want).abs() < 0.004, "output {o}: {} vs {want}", c / n as f64);
    }
    assert!((seen[2] / seen[0]) <= EPSILON.exp() * 1.05);
}

#[test]
fn the_golden_estimates_shared_with_the_collector() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ldp-estimates.json")).unwrap();
    let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
    for c in fixture["cases"].as_array().unwrap() {
        let counts: Vec<f64> = c["counts"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let got = estimate(&counts, c["epsilon"].as_f64().unwrap());
        for (g, e) in got.iter().zip(c["expect"].as_array().unwrap()) {
            assert!((g.0 - e[0].as_f64().unwrap()).abs() < 1e-6 && (g.1 - e[1].as_f64().unwrap()).abs() < 1e-6, "{counts:?}: {g:?} vs {e}");
        }
    }
}

#[test]
fn the_personalizer_reports_once_per_period_and_only_randomized_values() {
    const US: char = '\u{1f}';
    const RS: char = '\u{1e}';
    let t0 = 1_700_000_000_000.0f64;
    let cfg = r#"{"insights":{"epsilon":2,"everyDays":7,"topics":["outerwear","shoes"]}}"#;
    let init = [format!("n{t0}"), codec::pz_init(cfg, &["", "v", "0a0b", "1", "1", "1200"])].join(&RS.to_string());
    let mut p = codec::pz_start(&init);
    p.out_text();
    let page = |p: &mut Personalizer, t: f64| {
        p.run_text(&[format!("n{t}"), format!("p/{US}{US}{US}outerwear"), format!("gp{}{US}\"outerwear\"", t as u64)].join(&RS.to_string()))
    };
    let first = page(&mut p, t0);
    let report = first.split(RS).find(|r| r.starts_with("T\"Audience Report\"")).expect("a report");
    assert!(
        report.contains("\"mechanism\":\"k-rr\"")
            && report.contains("\"epsilon\":2,")
            && report.contains("\"topics\":[\"outerwear\",\"shoes\"]"),
        "{report}"
    );
    assert!(!page(&mut p, t0 + 3_600_000.0).contains("Audience Report"), "not again within 7 days");
    assert!(page(&mut p, t0 + 8.0 * 86_400_000.0).contains("Audience Report"), "again after 7 days");
    // No consent, no report.
    p.run_text(&format!("c0{US}0"));
    assert!(!page(&mut p, t0 + 20.0 * 86_400_000.0).contains("Audience Report"));
}
