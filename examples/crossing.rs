//! Times the engine on the host: 10,000 `track` calls through the text
//! protocol in crossings of 200, then every batch answered.
//! `cargo run --release --example crossing`
use std::time::Instant;

use kizuna::engine::edge;

fn main() {
    let (rs, us) = ('\u{1e}', '\u{1f}');
    let init = [
        "n1795363980000".to_string(),
        format!("p1{us}1{us}https://shop.example/p?utm_source=news{us}{us}\"P\"{us}{{\"utm_source\":\"news\"}}{us}\"shoes\""),
        format!("S{{\"endpoint\":\"/collect\",\"consent\":{{\"mode\":\"opt-out\"}}}}{us}\"en\"{us}\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36\"{us}1280{us}720{us}00112233445566778899aabbccddeeff{us}{us}{us}{us}{us}"),
    ]
    .join(&rs.to_string());
    let mut t = edge::start(&init).unwrap();
    edge::actions(&mut t);
    let t0 = Instant::now();
    let mut posts = Vec::new();
    let mut segments = std::collections::HashMap::new();
    let handle = |out: String, posts: &mut Vec<String>, segments: &mut std::collections::HashMap<String, String>| -> Vec<String> {
        let mut follow = Vec::new();
        for r in out.split(rs) {
            if let Some(b) = r.strip_prefix('P') {
                posts.push(b.split(us).next().unwrap().to_string());
            } else if let Some(b) = r.strip_prefix("Hk") {
                let (id, text) = b.split_once(us).unwrap();
                segments.insert(id.to_string(), text.to_string());
            } else if let Some(id) = r.strip_prefix("Hr") {
                follow.push(format!("s{id}{us}{}", segments.remove(id).unwrap_or_default()));
            }
        }
        follow
    };
    let mut records: Vec<String> = (0..10_000)
        .map(|i| format!("t1{us}1795363980001{us}\"bench_evt\"{us}{{\"bench_seq\":{i},\"plan\":\"pro\",\"price\":9.99,\"sku\":\"SKU-1234\",\"ok\":true}}"))
        .collect();
    while !records.is_empty() {
        let chunk: Vec<String> = records.drain(..records.len().min(200)).collect();
        let out = edge::run(&mut t, &format!("n1795363980002{rs}{}", chunk.join(&rs.to_string())));
        let follow = handle(out, &mut posts, &mut segments);
        records.splice(0..0, follow);
    }
    let ingest = t0.elapsed();
    let mut answered = 0;
    while let Some(id) = posts.pop() {
        let out = edge::run(&mut t, &format!("n1795363980003{rs}a{id}{us}200{us}"));
        answered += 1;
        let follow = handle(out, &mut posts, &mut segments);
        for f in follow {
            let out = edge::run(&mut t, &f);
            let more = handle(out, &mut posts, &mut segments);
            assert!(more.is_empty());
        }
    }
    println!("ingest 10,000: {:?}; then {} batches answered: {:?} in all", ingest, answered, t0.elapsed());
}
