//! Times the engine on the host: 10,000 `track` calls through the edge
//! protocol (src/engine/protocol.json) in crossings of 200, then every
//! batch answered. Medians of 9 runs, each on a fresh engine.
//! `cargo run --release --example crossing`
use std::time::Instant;

use kizuna::engine::edge;
use kizuna::engine::io::Out;

mod scenario;

fn main() {
    let mut runs: Vec<(f64, f64)> = (0..9).map(|_| once()).collect();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let ingest = runs[4].0;
    runs.sort_by(|a, b| a.1.total_cmp(&b.1));
    let all = runs[4].1;
    println!(
        "ingest 10,000: {ingest:.2} ms ({:.2} µs an event); then every batch answered: {all:.2} ms in all ({:.2} µs an event)",
        ingest / 10.0,
        all / 10.0
    );
}

/// One run: ms to ingest, ms until every batch is answered.
fn once() -> (f64, f64) {
    let start = scenario::start_input();
    let mut t = edge::start(&start).unwrap();
    edge::actions(&mut t);
    let t0 = Instant::now();
    let mut e = scenario::Edge::default();
    let mut follow = Vec::new();
    for chunk in 0..50 {
        let mut input = std::mem::take(&mut follow);
        input.extend(scenario::tracks(chunk * 200, (chunk + 1) * 200));
        follow = e.act(&edge::run(&mut t, &input));
    }
    e.settle(|b| edge::run(&mut t, b), follow);
    let ingest = t0.elapsed();
    let mut answered = 0;
    while let Some(id) = e.posts.pop() {
        let mut w = Out::default();
        w.begin(b'n').num(1_795_363_980_003.0).end();
        w.begin(b'a').num(f64::from(id)).num(200.0).field("").end();
        answered += 1;
        e.settle(|b| edge::run(&mut t, b), w.take());
    }
    assert_eq!(answered, 256, "10,000 events in batches of 100 and at most 32 KiB");
    (ingest.as_secs_f64() * 1e3, t0.elapsed().as_secs_f64() * 1e3)
}
