//! What ranking costs on the host: 2,000 candidates (three topics each),
//! a profile of 200 items, and the model's lists of the 15 latest (20
//! neighbours each), ranked for 10 picks from a kept catalog; then what
//! preparing the catalog costs; the median of 201 runs of 100 each.
//! The browser's figure, through the protocol, is in docs/personalization.md.
//!
//! Run: `cargo run --release --example rank`.

use std::time::Instant;

use kizuna::engine::io::Out;
use kizuna::engine::personalize::catalog::Catalog;
use kizuna::engine::personalize::near::List;
use kizuna::engine::personalize::profile::Profile;
use kizuna::engine::personalize::recs::{rank, Candidate, Interests};
use kizuna::engine::personalize::Personalizer;

fn main() {
    let topics = ["shoes", "outerwear", "accessories", "kids", "running", "sale"];
    let items: Vec<Candidate> = (0..2000)
        .map(|i| Candidate {
            id: format!("sku-{i}"),
            topics: (0..3).map(|t| topics[(i + t * 2) % topics.len()].to_string()).collect(),
            popularity: ((i * 7919) % 1000) as f64,
            repeats: false,
        })
        .collect();
    let now = 1_765_000_000_000.0;
    let mut p = Profile::new("v", now);
    for i in 0..200 {
        p.page_view(&[topics[i % topics.len()].to_string()], now, 14.0);
        p.item(&format!("sku-{}", (i * 37) % 2000), i % 10 == 0);
    }
    let lists: Vec<List> = p
        .items
        .iter()
        .rev()
        .take(15)
        .map(|(id, _)| List {
            id: id.clone(),
            name: "A product".into(),
            near: (0..20).map(|k| (format!("sku-{}", (k * 97 + id.len() * 13) % 2000), 20.0 - k as f64)).collect(),
        })
        .collect();
    let interests = Interests::of(Some(&p), now, 14.0, &["shoes".to_string()]);
    let mut catalog = Catalog::new(items.clone());
    let mut sink = 0;
    let mut median = |what: &str, f: &mut dyn FnMut() -> usize| {
        let mut runs = Vec::new();
        for _ in 0..201 {
            let t = Instant::now();
            for _ in 0..100 {
                sink += f();
            }
            runs.push(t.elapsed().as_secs_f64() * 1e6 / 100.0);
        }
        runs.sort_by(f64::total_cmp);
        println!("{what}: {:.1} µs median", runs[100]);
    };
    median("rank 2,000 candidates of a kept catalog, 15 neighbour lists, 10 picks", &mut || {
        rank(&mut catalog, Some(&p), &interests, &lists, 10).len()
    });
    median("the same without a model", &mut || rank(&mut catalog, Some(&p), &interests, &[], 10).len());
    median("prepare the catalog (a row's first ranking, or new items)", &mut || Catalog::new(items.clone()).len());
    median("the items cloned, which that figure includes", &mut || items.clone().len());
    std::hint::black_box(sink);
    through_the_protocol(&items);
}

/// The same 2,000 items as the edge hands them over (`j` records, then
/// `m`: src/engine/protocol.json), to a personalizer that has none of them
/// yet (the first ranking of a row: read and prepared) and to one that
/// ranked them before (`m` alone, `same`: the kept catalog). No profile,
/// no model.
fn through_the_protocol(items: &[Candidate]) {
    let mut w = Out::default();
    w.begin(b'n').num(1_765_000_000_000.0).end();
    // No config records: the defaults.
    w.begin(b'S').field("").field("v").field("00112233").num(1.0).num(1.0).num(1200.0).end();
    let mut p = Personalizer::start(&w.take());
    let record = |slot: &str, same: bool| {
        let mut w = Out::default();
        for c in items.iter().filter(|_| !same) {
            w.begin(b'j').field(&c.id).field(&c.topics.join(",")).num(c.popularity).num(0.0).end();
        }
        w.begin(b'm').field(slot).num(10.0).num(f64::from(u8::from(same))).end();
        w.take()
    };
    // Each row read once, then ranked again from its kept catalog.
    p.run(&record("a", false));
    p.run(&record("b", false));
    let (a, b) = (record("a", true), record("b", true));
    let time = |what: &str, f: &mut dyn FnMut(usize)| {
        let mut runs = Vec::new();
        for run in 0..41 {
            let t = Instant::now();
            for i in 0..10 {
                f(run * 10 + i);
            }
            runs.push(t.elapsed().as_secs_f64() * 1e6 / 10.0);
        }
        runs.sort_by(f64::total_cmp);
        println!("{what}: {:.1} µs median", runs[20]);
    };
    // Two rows taking turns, with a kept catalog each.
    time("an `m` record of a row of 2,000 items ranked again (kept catalog)", &mut |i| {
        p.run(if i % 2 == 0 { &a } else { &b });
    });
    // More rows than the personalizer keeps: each is read again.
    let rows: Vec<Vec<u8>> = (0..9).map(|i| record(&format!("r{i}"), false)).collect();
    time("2,000 `j` records and their `m`, read and prepared first", &mut |i| {
        p.run(&rows[i % rows.len()]);
    });
}
