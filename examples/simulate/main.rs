//! The personalization simulation (issue #5): how much of the possible
//! lift Kizuna's on-device decisions capture.
//!
//! A population of visitors, each with hidden topic preferences, visits a
//! shop with 3 slots of 3–8 variants (each variant about one or two
//! topics). Every page view is a page about some topic (visitors read more
//! about what they like, but a third of their reading is elsewhere), where
//! they may click a product (more often when they like the topic: half the
//! time on a favourite page, rarely otherwise); then one slot is shown and
//! clicked or not, with a click rate from 2% (indifferent) to 20% (all
//! about a favourite topic). Four policies pick the variant:
//!
//! - random: uniform over the variants;
//! - global bandit: Thompson sampling on each variant's clicks over all
//!   visitors, ignoring who is looking (what the peers' bandits do);
//! - Kizuna: the real decision code (`core::personalize::decide`), fed only
//!   what the SDK sees on the device (page topics, its own views and clicks);
//! - oracle: knows the preferences and picks the best variant.
//!
//! Two reference rows show what the device's observations allow at best:
//! the same profile signal always exploited and never kept, and a Bayesian
//! reading of the observations under this simulation's own visitor model
//! (the posterior over each visitor's favourite topics, given the topics
//! of the pages read and which of them got a product click, then the
//! variant with the highest expected click rate). Neither is something the
//! SDK could ship (the second knows how visitors were generated); they
//! measure how much of the oracle's lift the observations carry.
//!
//! A last table (`published.rs`, issue 21) shows what a collector's
//! published posteriors do to a new cohort's first views when variants
//! differ in appeal to everyone.
//!
//! Run: `cargo run --release --example simulate [-- --visitors 20000 --views 10 --seed 7]`

mod published;
mod visitors;

use kizuna::engine::personalize::bandit::{beta, Arm};
use kizuna::engine::personalize::decide::decide;
use kizuna::engine::personalize::profile::{Profile, Signal};
use kizuna::engine::personalize::rules::{Context, Device};
use kizuna::engine::personalize::slots::{Learned, MarkupVariant, Slot};

use visitors::*;

fn site(rng: &mut Rng, learned: &[Learned]) -> Vec<Slot> {
    ["hero", "recommended", "cta"]
        .iter()
        .enumerate()
        .map(|(s, name)| {
            let n = [3, 5, 8][s];
            let markup: Vec<MarkupVariant> = (0..n)
                .map(|i| {
                    let mut tags = vec![TOPICS[(i + s * 3) % TOPICS.len()].to_string()];
                    if rng.unit() < 0.4 {
                        let other = TOPICS[rng.below(TOPICS.len())].to_string();
                        if !tags.contains(&other) {
                            tags.push(other);
                        }
                    }
                    MarkupVariant { id: format!("{name}-{i}"), tags }
                })
                .collect();
            let mut slot = Slot::new(name, &markup, None, learned);
            // `--explore-percent N`: the slots' exploration floor (default 10).
            slot.explore = arg("--explore-percent", 10) as f64 / 100.0;
            // `--switch-percent N`: keep what was shown unless its chance of
            // being the best is under N% (default 1).
            slot.switch_below = arg("--switch-percent", 1) as f64 / 100.0;
            slot
        })
        .collect()
}

#[derive(Clone, Copy)]
enum Policy {
    Random,
    GlobalBandit,
    Kizuna,
    ProfileGreedy,
    Bayes,
    Oracle,
}

/// The Bayes reference: the variant with the highest expected liking under
/// the posterior over (favourite, second favourite or none), mild
/// interests taken at their mean, given the pages read (`topic index`,
/// `product clicked`).
fn bayes_choice(slot: &Slot, seen: &[(usize, bool)]) -> usize {
    let n = TOPICS.len();
    let mut expected = vec![0.0; slot.variants.len()];
    for fav in 0..n {
        // `n` stands for "no second favourite".
        for second in 0..=n {
            let mut pref = [MILD; TOPICS.len()];
            pref[fav] = 1.0;
            let mut weight = if second == n { 1.0 - SECOND } else { SECOND / n as f64 };
            if second < n {
                pref[second] = 0.7;
            }
            let total: f64 = pref.iter().map(|p| reading_weight(*p)).sum();
            let fav_of = favourite_of(&pref);
            for (k, &(t, clicked)) in seen.iter().enumerate() {
                let q = product_click(pref[t]);
                let read = reading_weight(pref[t]) / total;
                // The landing page follows the landing model.
                let p_topic = if k == 0 { landing() * f64::from(u8::from(t == fav_of)) + (1.0 - landing()) * read } else { read };
                weight *= p_topic * if clicked { q } else { 1.0 - q };
            }
            for (e, v) in expected.iter_mut().zip(&slot.variants) {
                *e += weight * liking(&pref, &v.tags);
            }
        }
    }
    (0..expected.len()).max_by(|a, b| expected[*a].total_cmp(&expected[*b])).unwrap()
}

/// Visible flips: a slot showing another variant than the last time the visitor saw it.
static FLIPS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
/// Of them, in the visitor's first 6 views.
static EARLY_FLIPS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// (click rate over all views, over the later half, per view).
fn run(policy: Policy, visitors: usize, views: usize, seed: u64) -> (f64, f64, Vec<f64>) {
    let (all, late, per_view, _) = run_with(policy, visitors, views, seed, &Setting::default());
    (all, late, per_view)
}

/// Each slot variant's (views, clicks).
type Counts = Vec<Vec<(u32, u32)>>;

/// What `published.rs` varies; the default is the site of the tables above.
#[derive(Default)]
struct Setting<'a> {
    /// Each variant's appeal to everyone: its click rate times 1 ± this
    /// (uniform, from a generator of its own: the rest of the run is unchanged).
    spread: f64,
    /// The priors a collector published.
    learned: &'a [Learned],
    /// Another cohort of visitors on the same site (0: the first).
    cohort: u64,
}

/// (click rate over all views, over the later half, per view, each slot
/// variant's (views, clicks)).
// `k` is the view number as well as an index: the loop reads better by it.
#[allow(clippy::needless_range_loop)]
fn run_with(policy: Policy, visitors: usize, views: usize, seed: u64, setting: &Setting) -> (f64, f64, Vec<f64>, Counts) {
    let mut rng = Rng::new(seed, seed.rotate_left(32) ^ 0x5eed);
    let slots = site(&mut rng, setting.learned);
    let mut draw = Rng::new(seed ^ 0x00a9_9ea1, 17);
    let appeal: Vec<Vec<f64>> =
        slots.iter().map(|s| s.variants.iter().map(|_| 1.0 + setting.spread * (2.0 * draw.unit() - 1.0)).collect()).collect();
    if setting.cohort > 0 {
        rng = Rng::new(seed ^ setting.cohort.wrapping_mul(0x9e37_79b9_7f4a_7c15), 0xc0de);
    }
    // The global bandit's shared (views, clicks) per slot and variant.
    let mut global: Vec<Vec<(u32, u32)>> = slots.iter().map(|s| vec![(0, 0); s.variants.len()]).collect();
    let (mut shown, mut clicked) = (0u64, 0u64);
    let (mut late_shown, mut late_clicked) = (0u64, 0u64);
    let mut per_view = vec![0u64; views];
    for v in 0..visitors {
        let visitor = Visitor::new(&mut rng);
        let mut profile = Profile::new(&format!("visitor-{v}"), 0.0);
        let mut seen: Vec<(usize, bool)> = Vec::new();
        let mut last: Vec<Option<usize>> = vec![None; slots.len()];
        for k in 0..views {
            let now = k as f64 * 60_000.0 + (v as f64) * DAY;
            let topic = if k == 0 { visitor.landing_topic(&mut rng) } else { visitor.next_topic(&mut rng) };
            profile.page_view(&[topic.to_string()], now, 14.0);
            // A product click on the page (the SDK sees it through the
            // product's data-kz-topic).
            let product_clicked = rng.unit() < product_click(visitor.pref[topic_index(topic)]);
            if product_clicked {
                profile.add_topics(&[topic.to_string()], Signal::Click, now, 14.0);
            }
            seen.push((topic_index(topic), product_clicked));
            let si = k % slots.len();
            let slot = &slots[si];
            let choice = match policy {
                Policy::Random => rng.below(slot.variants.len()),
                Policy::Oracle => (0..slot.variants.len())
                    .max_by(|a, b| {
                        let rate = |i: usize| visitor.click_rate(&slot.variants[i].tags) * appeal[si][i];
                        rate(*a).total_cmp(&rate(*b))
                    })
                    .unwrap(),
                Policy::GlobalBandit => {
                    let draws: Vec<f64> = global[si]
                        .iter()
                        .map(|(n, c)| beta(Arm { alpha: 1.0 + f64::from(*c), beta: 1.0 + f64::from(n - c) }, &mut rng))
                        .collect();
                    (0..draws.len()).max_by(|a, b| draws[*a].total_cmp(&draws[*b])).unwrap()
                }
                Policy::ProfileGreedy => {
                    // The same profile signal, always exploited, never kept:
                    // what the page views and clicks can tell at best.
                    let aff = profile.affinities(now, 14.0);
                    let score = |i: usize| {
                        let tags = &slot.variants[i].tags;
                        tags.iter().map(|t| aff.iter().find(|(n, _)| n == t).map_or(0.0, |(_, a)| *a)).sum::<f64>() / tags.len() as f64
                    };
                    (0..slot.variants.len()).max_by(|a, b| score(*a).total_cmp(&score(*b))).unwrap()
                }
                Policy::Bayes => bayes_choice(slot, &seen),
                Policy::Kizuna => {
                    let ctx = Context {
                        now,
                        path: "/",
                        utm_source: None,
                        utm_campaign: None,
                        device: Device::Desktop,
                        half_life_days: 14.0,
                        page_topics: &[],
                    };
                    let d = decide(slot, &mut profile, &ctx, &mut rng);
                    let id = d.variant.expect("no holdout in the simulation");
                    slot.variants.iter().position(|x| x.id == id).unwrap()
                }
            };
            let variant = &slot.variants[choice];
            if matches!(policy, Policy::Kizuna) && last[si].is_some_and(|l| l != choice) {
                FLIPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if k < 6 {
                    EARLY_FLIPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
            last[si] = Some(choice);
            let click = rng.unit() < visitor.click_rate(&variant.tags) * appeal[si][choice];
            shown += 1;
            clicked += u64::from(click);
            per_view[k] += u64::from(click);
            if k >= views / 2 {
                late_shown += 1;
                late_clicked += u64::from(click);
            }
            global[si][choice].0 += 1;
            global[si][choice].1 += u32::from(click);
            profile.count(&slot.name, &variant.id, false);
            if click {
                profile.count(&slot.name, &variant.id, true);
            }
        }
    }
    (
        clicked as f64 / shown as f64,
        late_clicked as f64 / late_shown.max(1) as f64,
        per_view.iter().map(|c| *c as f64 / visitors as f64).collect(),
        global,
    )
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The share of the oracle's lift over random that `rate` captures.
fn share(rate: f64, random: f64, oracle: f64) -> f64 {
    (rate - random) / (oracle - random)
}

fn main() {
    let visitors = arg("--visitors", 20_000) as usize;
    let views = arg("--views", 10) as usize;
    let seed = arg("--seed", 7);
    let seeds = arg("--seeds", 1);
    println!("Personalization simulation: {visitors} visitors × {views} page views, 3 slots of 3/5/8 variants, seed {seed}");
    println!();
    let late = format!("views {}–{views}", views / 2 + 1);
    println!("| policy | click rate, all {views} views | share of the oracle's lift | click rate, {late} | share, {late} |");
    println!("|---|---|---|---|---|");
    let policies = [
        ("random", Policy::Random),
        ("global Thompson bandit (ignores the profile)", Policy::GlobalBandit),
        ("Kizuna (on-device profile)", Policy::Kizuna),
        ("reference: the profile, greedily, no exploration, no stickiness", Policy::ProfileGreedy),
        ("reference: Bayes posterior under the true visitor model", Policy::Bayes),
        ("oracle (knows the preferences)", Policy::Oracle),
    ];
    let results: Vec<(f64, f64, Vec<f64>)> = policies.iter().map(|(_, p)| run(*p, visitors, views, seed)).collect();
    let (random, oracle) = (results[0].clone(), results[5].clone());
    for ((name, _), (all, late, _)) in policies.iter().zip(&results) {
        println!(
            "| {name} | {:.2}% | {:.0}% | {:.2}% | {:.0}% |",
            all * 100.0,
            share(*all, random.0, oracle.0) * 100.0,
            late * 100.0,
            share(*late, random.1, oracle.1) * 100.0
        );
    }
    println!();
    println!("View by view (click rate, and share of the oracle's lift over random):");
    println!();
    println!("| view | random | Kizuna | Bayes reference | oracle | Kizuna share | Bayes share |");
    println!("|---|---|---|---|---|---|---|");
    for k in 0..views {
        let [r, kz, b, o] = [0, 2, 4, 5].map(|i| results[i].2[k]);
        println!(
            "| {} | {:.2}% | {:.2}% | {:.2}% | {:.2}% | {:.0}% | {:.0}% |",
            k + 1,
            r * 100.0,
            kz * 100.0,
            b * 100.0,
            o * 100.0,
            share(kz, r, o) * 100.0,
            share(b, r, o) * 100.0
        );
    }
    let per100 = |n: u64| n as f64 * 100.0 / visitors as f64;
    println!();
    println!(
        "Kizuna's visible flips (a slot showing another variant than the visitor saw there last): {:.1} per 100 visitors over {views} views, {:.1} in their first 6 views (--switch-percent {}).",
        per100(FLIPS.load(std::sync::atomic::Ordering::Relaxed)),
        per100(EARLY_FLIPS.load(std::sync::atomic::Ordering::Relaxed)),
        arg("--switch-percent", 1)
    );
    let (kizuna, global, bayes) = (results[2].clone(), results[1].clone(), results[4].clone());
    println!();
    println!(
        "Kizuna captures {:.0}% of the oracle's lift over random over all {views} views, {:.0}% over {late} (target ≥ 80%); \
         the Bayes reference, the most the observations tell, {:.0}%. Kizuna {} the global bandit ({:.2}% vs {:.2}%).",
        share(kizuna.0, random.0, oracle.0) * 100.0,
        share(kizuna.1, random.1, oracle.1) * 100.0,
        share(bayes.0, random.0, oracle.0) * 100.0,
        if kizuna.0 > global.0 { "beats" } else { "does NOT beat" },
        kizuna.0 * 100.0,
        global.0 * 100.0
    );
    if seeds > 1 {
        println!();
        println!("| seed | Kizuna, all views | Kizuna, {late} | Bayes reference, all views | Bayes reference, {late} |");
        println!("|---|---|---|---|---|");
        for s in (0..seeds).map(|i| seed + 1000 * i) {
            let [r, k, b, o] = [Policy::Random, Policy::Kizuna, Policy::Bayes, Policy::Oracle].map(|p| run(p, visitors, views, s));
            let (r, k, b, o) = ((r.0, r.1), (k.0, k.1), (b.0, b.1), (o.0, o.1));
            println!(
                "| {s} | {:.0}% | {:.0}% | {:.0}% | {:.0}% |",
                share(k.0, r.0, o.0) * 100.0,
                share(k.1, r.1, o.1) * 100.0,
                share(b.0, r.0, o.0) * 100.0,
                share(b.1, r.1, o.1) * 100.0
            );
        }
    }
    published::report(visitors, views, seed);
}
