//! Offline evaluation of Kizuna's recommendations on real behaviour:
//! MovieLens-100K (943 users, 1,682 movies, 100,000 ratings, GroupLens;
//! the copy inside the `recbole` 1.2.1 wheel, fetched by
//! `tools/movielens.sh`, never committed).
//!
//! Every rating, in time order, is a page view of that movie by that user
//! (its genres are the page's topics); a rating of 4 or 5 is also a
//! purchase. Before each view of a user who has viewed something already,
//! three rankers list 10 movies for them, and we score whether the movie
//! they view next is among them (hit rate @ 10) and how high (NDCG @ 10):
//!
//! - Kizuna: the shipped ranker (`personalize::recs::rank`) over a profile
//!   fed only what the SDK would see on the device (the views and
//!   purchases, with their times), with the site's popularity prior;
//! - popularity: the same prior alone, every movie the user has seen left
//!   out (the strong baseline: it knows the user's whole history);
//! - random: 10 unseen movies.
//!
//! The popularity prior is what the site knows when the view happens: how
//! many views each movie had before it (no look-ahead).
//!
//! Run: `tools/movielens.sh` (or `cargo run --release --example movielens --
//! --data DIR [--every K] [--sweep]`).

use std::collections::HashSet;

use kizuna::engine::personalize::profile::Profile;
use kizuna::engine::personalize::recs::{rank_with, Candidate, Interests, Weights, WEIGHTS};

fn half_life_days() -> f64 {
    std::env::var("ML_HALF_LIFE").ok().and_then(|s| s.parse().ok()).unwrap_or(14.0)
}
const N: usize = 10;

struct Rating {
    user: usize,
    item: usize,
    rating: f64,
    time: f64,
}

fn read(path: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e} (run tools/movielens.sh, which fetches the data)"));
    text.lines().skip(1).map(|l| l.split('\t').map(str::to_string).collect()).collect()
}

#[derive(Default, Clone, Copy)]
struct Score {
    hits: f64,
    ndcg: f64,
}

impl Score {
    fn add(&mut self, list: &[usize], next: usize) {
        if let Some(r) = list.iter().position(|&i| i == next) {
            self.hits += 1.0;
            self.ndcg += 1.0 / (r as f64 + 2.0).log2();
        }
    }
}

struct Data {
    items: Vec<Candidate>,
    ratings: Vec<Rating>,
    users: usize,
}

fn load(dir: &str) -> Data {
    let mut items = Vec::new();
    let mut index = std::collections::HashMap::new();
    for row in read(&format!("{dir}/ml-100k.item")) {
        let mut topics: Vec<String> =
            row.get(3).map(|g| g.split(' ').filter(|t| !t.is_empty()).map(|t| t.to_ascii_lowercase()).collect()).unwrap_or_default();
        if std::env::var("ML_YEAR").is_ok() {
            if let Some(y) = row.get(2).filter(|y| !y.is_empty()) {
                topics.push(format!("year {y}"));
            }
        }
        index.insert(row[0].clone(), items.len());
        items.push(Candidate { id: row[0].clone(), topics, popularity: 0.0, repeats: false });
    }
    let mut users = std::collections::HashMap::new();
    let mut ratings: Vec<Rating> = read(&format!("{dir}/ml-100k.inter"))
        .into_iter()
        .map(|r| {
            let n = users.len();
            let user = *users.entry(r[0].clone()).or_insert(n);
            Rating { user, item: index[&r[1]], rating: r[2].parse().unwrap(), time: r[3].parse::<f64>().unwrap() * 1000.0 }
        })
        .collect();
    // Time order; ties keep the file's order (a stable sort).
    ratings.sort_by(|a, b| a.time.total_cmp(&b.time));
    Data { items, ratings, users: users.len() }
}

/// Replays the ratings; scores every `every`-th eligible view. Returns
/// (Kizuna, popularity, random, views scored).
fn replay(d: &Data, w: Weights, every: usize) -> (Score, Score, Score, usize) {
    let mut items = d.items.clone();
    let mut profiles: Vec<Option<Profile>> = (0..d.users).map(|_| None).collect();
    let mut seen: Vec<HashSet<usize>> = vec![HashSet::new(); d.users];
    let (mut kz, mut pop, mut rnd) = (Score::default(), Score::default(), Score::default());
    let mut by_pop: Vec<usize> = (0..items.len()).collect();
    let mut rng = kizuna::engine::text::rng::Rng::from_hex("6d6f7669656c656e73");
    let mut last = vec![0usize; d.users];
    let mut eligible = 0;
    let mut scored = 0;
    for r in &d.ratings {
        if let Some(p) = &profiles[r.user] {
            eligible += 1;
            if eligible % every == 0 {
                scored += 1;
                let interests = Interests::of(Some(p), r.time, half_life_days(), &items[last[r.user]].topics);
                let list: Vec<usize> = rank_with(w, &items, Some(p), &interests, N).into_iter().map(|p| p.index).collect();
                kz.add(&list, r.item);
                // Popularity: most viewed first, ties by id, unseen only.
                by_pop.sort_by(|&a, &b| items[b].popularity.total_cmp(&items[a].popularity).then(a.cmp(&b)));
                let list: Vec<usize> = by_pop.iter().copied().filter(|i| !seen[r.user].contains(i)).take(N).collect();
                pop.add(&list, r.item);
                let mut list = Vec::new();
                while list.len() < N {
                    let i = ((rng.unit() * items.len() as f64) as usize).min(items.len() - 1);
                    if !seen[r.user].contains(&i) && !list.contains(&i) {
                        list.push(i);
                    }
                }
                rnd.add(&list, r.item);
            }
        }
        let p = profiles[r.user].get_or_insert_with(|| Profile::new(&r.user.to_string(), r.time));
        p.page_view(&items[r.item].topics, r.time, half_life_days());
        p.item(&items[r.item].id, r.rating >= 4.0);
        seen[r.user].insert(r.item);
        last[r.user] = r.item;
        items[r.item].popularity += 1.0;
    }
    (kz, pop, rnd, scored)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let dir = arg("--data").unwrap_or_else(|| "target/ml-100k".into());
    let every: usize = arg("--every").and_then(|s| s.parse().ok()).unwrap_or(10);
    let d = load(&dir);
    if args.iter().any(|a| a == "--sweep") {
        let list = |name: &str, default: &str| -> Vec<f64> {
            arg(name).unwrap_or(default.into()).split(',').map(|x| x.parse().unwrap()).collect()
        };
        for pop in list("--pop", "0.5,1,1.5") {
            for floor in list("--floor", "0.05") {
                for viewed in list("--viewed", "0.25") {
                    for page in list("--page", "0,0.5,2") {
                        let w = Weights { pop, floor, viewed, page };
                        let (k, p, _, n) = replay(&d, w, every * 4);
                        println!(
                            "pop {pop:4} floor {floor:4} viewed {viewed:4} page {page:4}: HR {:.4} ({:.2}×)  NDCG {:.4} ({:.2}×)",
                            k.hits / n as f64,
                            k.hits / p.hits,
                            k.ndcg / n as f64,
                            k.ndcg / p.ndcg
                        );
                    }
                }
            }
        }
        return;
    }
    let (k, p, r, n) = replay(&d, WEIGHTS, every);
    let n = n as f64;
    println!(
        "MovieLens-100K: {} users, {} movies, {} ratings; {} next views scored (every {every})",
        d.users,
        d.items.len(),
        d.ratings.len(),
        n
    );
    println!("| ranker | HR@10 | NDCG@10 |");
    println!("|---|---|---|");
    for (name, s) in [("Kizuna", k), ("popularity", p), ("random", r)] {
        println!("| {name} | {:.4} | {:.4} |", s.hits / n, s.ndcg / n);
    }
    println!("Kizuna ÷ popularity: HR@10 {:.2}×, NDCG@10 {:.2}×", k.hits / p.hits, k.ndcg / p.ndcg);
}
