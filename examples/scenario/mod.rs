//! The scenario the host examples run the tracking engine through (the
//! peer harness's burst): the start crossing, crossings of `track` calls,
//! and the edge's part, kept to what the examples need: requests noted,
//! segments kept as the bytes the engine wrote and given back.
use std::collections::HashMap;

use kizuna::engine::io::Out;
use kizuna::engine::protocol::records;

// The tests' codec: the K record as the edge writes it from a config.
#[path = "../../tests/codec/mod.rs"]
mod codec;

/// The start crossing: a config that sends without a consent gate, the
/// first page, the device.
pub fn start_input() -> Vec<u8> {
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
    start
}

/// `track` calls `from..to` (5 properties each), after the time.
pub fn tracks(from: usize, to: usize) -> Vec<u8> {
    let mut w = Out::default();
    w.begin(b'n').num(1_795_363_980_002.0).end();
    for i in from..to {
        let props = format!("{{\"bench_seq\":{i},\"plan\":\"pro\",\"price\":9.99,\"sku\":\"SKU-1234\",\"ok\":true}}");
        w.begin(b't').num(1.0).num(1_795_363_980_001.0).field("\"bench_evt\"").field(&props).end();
    }
    w.take()
}

/// The edge's part.
#[derive(Default)]
pub struct Edge {
    /// Batches sent and not answered yet, oldest first.
    pub posts: Vec<u32>,
    segments: HashMap<u32, Vec<u8>>,
}

impl Edge {
    /// Carries out one crossing's answers; returns the records to hand back
    /// at once (segments given back).
    pub fn act(&mut self, out: &[u8]) -> Vec<u8> {
        let mut follow = Out::default();
        for mut r in records(out) {
            match r.kind {
                b'P' => self.posts.push(r.u()),
                b'k' => {
                    let id = r.u();
                    self.segments.insert(id, r.s().as_bytes().to_vec());
                }
                b'r' => {
                    let id = r.u();
                    let text = self.segments.remove(&id).unwrap_or_default();
                    follow.begin(b's').num(f64::from(id)).field(std::str::from_utf8(&text).unwrap_or("")).end();
                }
                _ => {}
            }
        }
        follow.take()
    }

    /// Hands `input` to the engine through `run`, then what it asks for
    /// back at once, until it asks for nothing.
    pub fn settle(&mut self, mut run: impl FnMut(&[u8]) -> Vec<u8>, input: Vec<u8>) {
        let mut next = input;
        while !next.is_empty() {
            next = self.act(&run(&next));
        }
    }
}
