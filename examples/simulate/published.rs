//! What published posteriors do to the first views (issue 21).
//!
//! The site above, but its variants now differ in appeal to everyone (each
//! variant's click rate times 1 ± `--spread-percent`, default 60). A first
//! cohort of visitors meets it with the hand-set priors (every variant 5%);
//! the collector counts each variant's views and clicks, as its model does
//! (www/collector/model.mjs), and publishes them. A second cohort of new
//! visitors then meets the same site twice: once with the hand-set priors,
//! once with the published counts as priors (`Learned::new`, what the
//! device does with a model's `slots`). The table compares their views.

use super::{arg, run_with, share, Policy, Setting};
use kizuna::engine::personalize::slots::Learned;

/// Runs the experiment and prints its table.
pub fn report(visitors: usize, views: usize, seed: u64) {
    let spread = arg("--spread-percent", 60) as f64 / 100.0;
    let first = Setting { spread, ..Setting::default() };
    let (_, _, _, counts) = run_with(Policy::Kizuna, visitors, views, seed, &first);
    let names = ["hero", "recommended", "cta"];
    let learned: Vec<Learned> = counts
        .iter()
        .zip(names)
        .flat_map(|(variants, slot)| {
            variants
                .iter()
                .enumerate()
                .map(move |(i, (n, c))| Learned::new(slot.into(), format!("{slot}-{i}"), f64::from(*n), f64::from(*c)))
        })
        .collect();
    let cohort = |policy, learned: &[Learned]| run_with(policy, visitors, views, seed, &Setting { spread, learned, cohort: 1 });
    let random = cohort(Policy::Random, &[]);
    let oracle = cohort(Policy::Oracle, &[]);
    let rows = [
        ("hand-set priors (every variant 5%)", cohort(Policy::Kizuna, &[])),
        ("the first cohort's published counts", cohort(Policy::Kizuna, &learned)),
    ];
    // Views 1..=n, as a click rate.
    let first_views = |per_view: &[f64], n: usize| per_view[..n.min(views)].iter().sum::<f64>() / n.min(views) as f64;
    println!();
    println!(
        "Published posteriors: a second cohort of {visitors} new visitors, variants' appeal to everyone ×(1 ± {:.0}%); \
         the first cohort's {} views counted per variant and published (click rate, and share of the oracle's lift over random):",
        spread * 100.0,
        visitors * views
    );
    println!();
    println!("| priors | view 1 | views 1–3 | all {views} views |");
    println!("|---|---|---|---|");
    for (name, r) in &rows {
        let (v1, v3) = (first_views(&r.2, 1), first_views(&r.2, 3));
        println!(
            "| {name} | {:.2}% ({:.0}%) | {:.2}% ({:.0}%) | {:.2}% ({:.0}%) |",
            v1 * 100.0,
            share(v1, first_views(&random.2, 1), first_views(&oracle.2, 1)) * 100.0,
            v3 * 100.0,
            share(v3, first_views(&random.2, 3), first_views(&oracle.2, 3)) * 100.0,
            r.0 * 100.0,
            share(r.0, random.0, oracle.0) * 100.0
        );
    }
}
