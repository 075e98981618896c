//! Times the engine on the host: 10,000 `track` calls through the edge
//! protocol (src/engine/protocol.json) in crossings of 200, then every
//! batch answered. Medians of 9 runs, each on a fresh engine.
//! `cargo run --release --example crossing`
use std::collections::HashMap;
use std::time::Instant;

use kizuna::engine::edge;
use kizuna::engine::io::Out;
use kizuna::engine::protocol::records;

// The tests' codec: the K record as the edge writes it from a config.
#[path = "../tests/codec/mod.rs"]
mod codec;

/// Carries out the answers the timing needs (requests, segments kept and
/// given back); returns the records to hand back at once.
fn act(out: &[u8], posts: &mut Vec<u32>, segments: &mut HashMap<u32, String>) -> Vec<u8> {
    let mut follow = Out::default();
    for mut r in records(out) {
        match r.kind {
            b'P' => posts.push(r.u()),
            b'k' => {
                let id = r.u();
                segments.insert(id, r.s().to_string());
            }
            b'r' => {
                let id = r.u();
                follow.begin(b's').num(f64::from(id)).field(&segments.remove(&id).unwrap_or_default()).end();
            }
            _ => {}
        }
    }
    follow.take()
}

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
    let mut w = Out::default();
    w.begin(b'n').num(1_795_363_980_000.0).end();
    w.begin(b'p').num(1.0).num(1.0).field("https://shop.example/p?utm_source=news").field("").field("\"P\"");
    w.field("{\"utm_source\":\"news\"}").field("\"shoes\"").end();
    let mut start = codec::from_text("tracker.in", &codec::config_text(r#"{"endpoint":"/collect","consent":{"mode":"opt-out"}}"#));
    start.extend(w.take());
    w.begin(b'S').field("\"en\"");
    w.field("\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36\"");
    w.num(1280.0).num(720.0).field("00112233445566778899aabbccddeeff");
    for _ in 0..6 {
        w.field("");
    }
    w.end();
    start.extend(w.take());
    let mut t = edge::start(&start).unwrap();
    edge::actions(&mut t);
    let t0 = Instant::now();
    let mut posts = Vec::new();
    let mut segments = HashMap::new();
    let mut follow = Vec::new();
    for chunk in 0..50 {
        let mut w = Out::default();
        w.begin(b'n').num(1_795_363_980_002.0).end();
        for i in chunk * 200..(chunk + 1) * 200 {
            let props = format!("{{\"bench_seq\":{i},\"plan\":\"pro\",\"price\":9.99,\"sku\":\"SKU-1234\",\"ok\":true}}");
            w.begin(b't').num(1.0).num(1_795_363_980_001.0).field("\"bench_evt\"").field(&props).end();
        }
        let mut input = std::mem::take(&mut follow);
        input.extend(w.take());
        follow = act(&edge::run(&mut t, &input), &mut posts, &mut segments);
    }
    while !follow.is_empty() {
        follow = act(&edge::run(&mut t, &follow), &mut posts, &mut segments);
    }
    let ingest = t0.elapsed();
    let mut answered = 0;
    while let Some(id) = posts.pop() {
        let mut w = Out::default();
        w.begin(b'n').num(1_795_363_980_003.0).end();
        w.begin(b'a').num(f64::from(id)).num(200.0).field("").end();
        answered += 1;
        let mut follow = act(&edge::run(&mut t, &w.take()), &mut posts, &mut segments);
        while !follow.is_empty() {
            follow = act(&edge::run(&mut t, &follow), &mut posts, &mut segments);
        }
    }
    assert_eq!(answered, 256, "10,000 events in batches of 100 and at most 32 KiB");
    (ingest.as_secs_f64() * 1e3, t0.elapsed().as_secs_f64() * 1e3)
}
