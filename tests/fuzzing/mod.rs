//! What the fuzz tests (`tests/fuzz_*.rs`) share: a seeded generator, so
//! every run sees the same inputs, and the kept corpus of inputs that once
//! crashed or disagreed (`tests/fixtures/fuzz/*.json`), re-run first.

#![allow(dead_code)]

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, and every seed is good.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0; the modulo bias is irrelevant here).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True one time in `n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The kept inputs of `tests/fixtures/fuzz/<name>.json` (a JSON list of
/// strings): each once crashed a reader or disagreed with its oracle.
pub fn corpus(name: &str) -> Vec<String> {
    let path = format!("{}/tests/fixtures/fuzz/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Prints how many cases a fuzz test ran, and how long it took
/// (`cargo test -- --nocapture` shows it).
pub fn report(name: &str, cases: usize, started: std::time::Instant) {
    eprintln!("{name}: {cases} cases in {:.2} s", started.elapsed().as_secs_f64());
}

/// How many times the usual number of cases to run: `FUZZ_SCALE=20 cargo
/// test --test fuzz_json` digs deeper locally (same seeds, more cases).
pub fn scale() -> usize {
    std::env::var("FUZZ_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1)
}

/// `number = [ minus ] int [ frac ] [ exp ]`, `int = zero / ( digit1-9
/// *DIGIT )`, `frac = decimal-point 1*DIGIT`, `exp = e [ minus / plus ]
/// 1*DIGIT`.
pub fn rfc8259_number(s: &str) -> bool {
    let digits = |t: &str| t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let t = s.strip_prefix('-').unwrap_or(s);
    let n = digits(t);
    if n == 0 || (n > 1 && t.starts_with('0')) {
        return false;
    }
    let mut t = &t[n..];
    if let Some(f) = t.strip_prefix('.') {
        let n = digits(f);
        if n == 0 {
            return false;
        }
        t = &f[n..];
    }
    if let Some(e) = t.strip_prefix(['e', 'E']) {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        let n = digits(e);
        return n > 0 && n == e.len();
    }
    t.is_empty()
}
