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
//! - Kizuna with the published model: the shipped ranker
//!   (`personalize::recs::rank`) over a profile fed only what the SDK
//!   would see on the device (the views and purchases, with their times),
//!   with the site's popularity prior and the item neighbours a collector
//!   would publish (`www/collector/model.mjs`: for each item, the items
//!   the same visitors viewed within `WINDOW` views of it, pairs at least
//!   `K` visitors share, the best `TOP`), rebuilt at the start of each day
//!   from the views before that day only, as a nightly build would;
//! - Kizuna without a model: the same ranker on topic affinity alone;
//! - popularity: the same prior alone, every movie the user has seen left
//!   out (the strong baseline: it knows the user's whole history);
//! - random: 10 unseen movies.
//!
//! The popularity prior is what the site knows when the view happens: how
//! many views each movie had before it (no look-ahead).
//!
//! Each figure has a 95 % interval (the views scored are a sample of
//! what could have been; a paired bootstrap of 1,000 resamples for the
//! ratios). Views are scored every `--every` (5); `--offset` picks which of
//! them (0 reports; the settings were chosen with `--sweep`, which scores
//! offset 1: other views). `--users F` keeps a fraction of the visitors
//! (the sparse variant: fewer viewers per item, fewer pairs published).
//!
//! Run: `tools/movielens.sh` (or `cargo run --release --example movielens --
//! --data DIR [--every K] [--offset O] [--users F] [--sweep]`).

use std::collections::{HashMap, HashSet};

use kizuna::engine::personalize::catalog::Catalog;
use kizuna::engine::personalize::near::List;
use kizuna::engine::personalize::profile::Profile;
use kizuna::engine::personalize::recs::{rank_with, Candidate, Interests, Weights, WEIGHTS};

/// The published model's settings (`www/collector/model.mjs` uses the same).
#[derive(Clone, Copy)]
struct Model {
    /// Views after one that count as viewed near it.
    window: usize,
    /// Distinct visitors a pair needs to be published (k-anonymity).
    k: u32,
    /// Neighbours kept per item.
    top: usize,
}
const MODEL: Model = Model { window: 5, k: 5, top: 20 };
const DAY_MS: f64 = 86_400_000.0;

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

/// Each scored view's hit (0 or 1) and NDCG contribution.
#[derive(Default, Clone)]
struct Score {
    views: Vec<(f64, f64)>,
}

impl Score {
    fn add(&mut self, list: &[usize], next: usize) {
        self.views.push(match list.iter().position(|&i| i == next) {
            Some(r) => (1.0, 1.0 / (r as f64 + 2.0).log2()),
            None => (0.0, 0.0),
        });
    }
    fn hr(&self) -> f64 {
        self.views.iter().map(|v| v.0).sum::<f64>() / self.views.len().max(1) as f64
    }
    fn ndcg(&self) -> f64 {
        self.views.iter().map(|v| v.1).sum::<f64>() / self.views.len().max(1) as f64
    }
    /// The mean's 95 % half-width (normal approximation).
    fn half_width(&self, f: fn(&(f64, f64)) -> f64) -> f64 {
        let n = self.views.len().max(2) as f64;
        let mean = self.views.iter().map(f).sum::<f64>() / n;
        let var = self.views.iter().map(|v| (f(v) - mean).powi(2)).sum::<f64>() / (n - 1.0);
        1.96 * (var / n).sqrt()
    }
}

/// The 95 % interval of `a ÷ b` (HR and NDCG), a paired bootstrap over the scored views.
fn ratio_interval(a: &Score, b: &Score) -> [(f64, f64); 2] {
    let mut rng = kizuna::engine::text::rng::Rng::from_hex("626f6f747374726170");
    let n = a.views.len();
    let (mut hr, mut nd) = (Vec::new(), Vec::new());
    for _ in 0..1000 {
        let (mut s, mut t) = ([0.0; 2], [0.0; 2]);
        for _ in 0..n {
            let i = ((rng.unit() * n as f64) as usize).min(n - 1);
            s[0] += a.views[i].0;
            s[1] += a.views[i].1;
            t[0] += b.views[i].0;
            t[1] += b.views[i].1;
        }
        hr.push(s[0] / t[0]);
        nd.push(s[1] / t[1]);
    }
    let q = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[25], v[974])
    };
    [q(&mut hr), q(&mut nd)]
}

/// The collector's item neighbours, built as the views arrive and
/// published at each day's start (the lists then hold only earlier days).
struct Neighbours {
    /// (a, b) with a < b: the visitors who viewed both within `window` views.
    pairs: HashMap<(u32, u32), u32>,
    /// (visitor, a, b): a visitor counts once per pair.
    counted: HashSet<(u32, u32, u32)>,
    /// Each visitor's latest views (at most `window`).
    last: Vec<Vec<u32>>,
    /// The published lists, by item.
    lists: Vec<List>,
}

impl Neighbours {
    fn new(users: usize, items: &[Candidate]) -> Neighbours {
        let lists = items.iter().map(|c| List { id: c.id.clone(), name: String::new(), near: Vec::new() }).collect();
        Neighbours { pairs: HashMap::new(), counted: HashSet::new(), last: vec![Vec::new(); users], lists }
    }
    fn view(&mut self, m: Model, user: usize, item: usize) {
        let item = item as u32;
        let last = &mut self.last[user];
        for &j in last.iter() {
            if j != item {
                let (a, b) = (j.min(item), j.max(item));
                if self.counted.insert((user as u32, a, b)) {
                    *self.pairs.entry((a, b)).or_default() += 1;
                }
            }
        }
        last.push(item);
        if last.len() > m.window {
            last.remove(0);
        }
    }
    fn publish(&mut self, m: Model, items: &[Candidate]) {
        let mut by: Vec<Vec<(u32, u32)>> = vec![Vec::new(); items.len()];
        for (&(a, b), &n) in &self.pairs {
            if n >= m.k {
                by[a as usize].push((n, b));
                by[b as usize].push((n, a));
            }
        }
        for (i, mut l) in by.into_iter().enumerate() {
            l.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
            l.truncate(m.top);
            self.lists[i].near = l.into_iter().map(|(n, j)| (items[j as usize].id.clone(), f64::from(n))).collect();
        }
    }
}

struct Data {
    items: Vec<Candidate>,
    index: HashMap<String, usize>,
    ratings: Vec<Rating>,
    users: usize,
}

fn load(dir: &str) -> Data {
    let mut items = Vec::new();
    let mut index = HashMap::new();
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
    let mut users = HashMap::new();
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
    Data { items, index, ratings, users: users.len() }
}

/// Replays the ratings; scores every `every`-th eligible view (those at
/// `offset`). Returns (Kizuna with the model, Kizuna without, popularity,
/// random); without `all`, only the first and popularity (a sweep).
fn replay(d: &Data, w: Weights, m: Model, every: usize, offset: usize, users: f64, all: bool) -> [Score; 4] {
    let mut items = d.items.clone();
    let mut profiles: Vec<Option<Profile>> = (0..d.users).map(|_| None).collect();
    let mut seen: Vec<HashSet<usize>> = vec![HashSet::new(); d.users];
    let (mut kz, mut topic, mut pop, mut rnd) = (Score::default(), Score::default(), Score::default(), Score::default());
    let mut by_pop: Vec<usize> = (0..items.len()).collect();
    let mut rng = kizuna::engine::text::rng::Rng::from_hex("6d6f7669656c656e73");
    let mut last = vec![0usize; d.users];
    let mut model = Neighbours::new(d.users, &items);
    let mut day = f64::NAN;
    let mut eligible = 0;
    for r in &d.ratings {
        // The sparse variant: a fixed share of the visitors, by id.
        if users < 1.0 && ((r.user as u64).wrapping_mul(2654435761) % 1000) as f64 >= users * 1000.0 {
            continue;
        }
        let today = (r.time / DAY_MS).floor();
        if today != day {
            day = today;
            model.publish(m, &items);
        }
        if let Some(p) = &profiles[r.user] {
            eligible += 1;
            if eligible % every == offset {
                let interests = Interests::of(Some(p), r.time, half_life_days(), &items[last[r.user]].topics);
                // The lists of the visitor's recent items, as the edge would hand them over.
                let recent: Vec<List> = p
                    .items
                    .iter()
                    .rev()
                    .take(kizuna::engine::personalize::near::RECENT)
                    .filter_map(|(id, _)| d.index.get(id).map(|&i| model.lists[i].clone()))
                    .collect();
                // The popularity prior moves with every view: a catalog of now.
                let mut catalog = Catalog::new(items.clone());
                let list: Vec<usize> = rank_with(w, &mut catalog, Some(p), &interests, &recent, N).into_iter().map(|p| p.index).collect();
                kz.add(&list, r.item);
                if all {
                    let list: Vec<usize> = rank_with(w, &mut catalog, Some(p), &interests, &[], N).into_iter().map(|p| p.index).collect();
                    topic.add(&list, r.item);
                }
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
        model.view(m, r.user, r.item);
    }
    [kz, topic, pop, rnd]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let dir = arg("--data").unwrap_or_else(|| "target/ml-100k".into());
    let every: usize = arg("--every").and_then(|s| s.parse().ok()).unwrap_or(5);
    let offset: usize = arg("--offset").and_then(|s| s.parse().ok()).unwrap_or(0) % every;
    let users: f64 = arg("--users").and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let d = load(&dir);
    let list =
        |name: &str, default: &str| -> Vec<f64> { arg(name).unwrap_or(default.into()).split(',').map(|x| x.parse().unwrap()).collect() };
    if args.iter().any(|a| a == "--sweep") {
        // Other views than those reported (offset 1), every `every`.
        for window in list("--window", "5") {
            for k in list("--k", "5") {
                for near in list("--near", "1000") {
                    for decay in list("--decay", "0.6") {
                        let w = Weights { near, decay, ..WEIGHTS };
                        let m = Model { window: window as usize, k: k as u32, ..MODEL };
                        let [k_, _, p, _] = replay(&d, w, m, every, (offset + 1) % every, users, false);
                        println!(
                            "window {window} k {k} near {near} decay {decay}: HR {:.4} ({:.2}×)  NDCG {:.4} ({:.2}×)",
                            k_.hr(),
                            k_.hr() / p.hr(),
                            k_.ndcg(),
                            k_.ndcg() / p.ndcg()
                        );
                    }
                }
            }
        }
        return;
    }
    let [k, t, p, r] = replay(&d, WEIGHTS, MODEL, every, offset, users, true);
    println!(
        "MovieLens-100K: {} users{}, {} movies, {} ratings; {} next views scored (every {every}, offset {offset}); model: window {}, k {}, top {}, rebuilt daily from earlier days",
        d.users,
        if users < 1.0 { format!(" (kept {:.0} %)", users * 100.0) } else { String::new() },
        d.items.len(),
        d.ratings.len(),
        k.views.len(),
        MODEL.window,
        MODEL.k,
        MODEL.top
    );
    println!("| ranker | HR@10 (95 % interval) | NDCG@10 (95 % interval) |");
    println!("|---|---|---|");
    for (name, s) in [("Kizuna, published model", &k), ("Kizuna, topic affinity (no model)", &t), ("popularity", &p), ("random", &r)] {
        let (h, n) = (s.half_width(|v| v.0), s.half_width(|v| v.1));
        println!(
            "| {name} | {:.4} ({:.4}–{:.4}) | {:.4} ({:.4}–{:.4}) |",
            s.hr(),
            s.hr() - h,
            s.hr() + h,
            s.ndcg(),
            s.ndcg() - n,
            s.ndcg() + n
        );
    }
    for (name, s) in [("with the model", &k), ("topic affinity", &t)] {
        let [hr, nd] = ratio_interval(s, &p);
        println!(
            "Kizuna {name} ÷ popularity: HR@10 {:.2}× ({:.2}–{:.2}), NDCG@10 {:.2}× ({:.2}–{:.2})",
            s.hr() / p.hr(),
            hr.0,
            hr.1,
            s.ndcg() / p.ndcg(),
            nd.0,
            nd.1
        );
    }
}
