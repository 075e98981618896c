//! Randomness for ids, jitter and sampling: xorshift128+ seeded by the edge
//! from `crypto.getRandomValues` (128 bits per page), so the engine needs
//! no entropy source of its own and host tests can fix the seed.

use crate::prelude::*;

/// A seeded generator.
#[derive(Clone, Debug)]
pub struct Rng {
    a: u64,
    b: u64,
}

impl Rng {
    /// A generator from two seed words (a zero state is nudged away from).
    pub fn new(a: u64, b: u64) -> Rng {
        let mut r = Rng { a: a | 1, b: b ^ 0x9e37_79b9_7f4a_7c15 };
        for _ in 0..8 {
            r.next_u64();
        }
        r
    }

    /// A generator from 32 hexadecimal digits (the edge's seed); any other
    /// text still seeds it, deterministically.
    pub fn from_hex(hex: &str) -> Rng {
        let mut words = [0u64; 2];
        for (i, c) in hex.bytes().enumerate() {
            let d = (c as char).to_digit(16).unwrap_or(u32::from(c) & 15);
            let w = &mut words[(i / 16) & 1];
            *w = w.rotate_left(4) ^ u64::from(d);
        }
        Rng::new(words[0], words[1])
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut s1 = self.a;
        let s0 = self.b;
        self.a = s0;
        s1 ^= s1 << 23;
        self.b = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
        self.b.wrapping_add(s0)
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / 9_007_199_254_740_992.0
    }

    /// A random (version 4, variant 1) UUID, lowercase and hyphenated.
    pub fn uuid(&mut self) -> String {
        let hi = (self.next_u64() & !0xf000) | 0x4000;
        let lo = (self.next_u64() & !(0xc << 60)) | (0x8 << 60);
        let mut b = [b'-'; 36];
        let mut at = 0;
        for i in 0..32 {
            if matches!(i, 8 | 12 | 16 | 20) {
                at += 1;
            }
            let nibble = if i < 16 { hi >> (60 - 4 * i) } else { lo >> (60 - 4 * (i - 16)) } & 15;
            if let Some(c) = b.get_mut(at) {
                *c = super::json::HEX[nibble as usize];
            }
            at += 1;
        }
        let mut s = String::with_capacity(36);
        super::push_ascii(&mut s, &b);
        s
    }
}

/// Whether `s` looks like an id Kizuna could have made or been given: 1–128
/// printable ASCII characters.
pub fn is_plausible_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| (0x21..0x7f).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4_and_distinct() {
        let mut r = Rng::from_hex("00112233445566778899aabbccddeeff");
        let a = r.uuid();
        let b = r.uuid();
        assert_ne!(a, b);
        for u in [&a, &b] {
            assert_eq!(u.len(), 36);
            let c: Vec<char> = u.chars().collect();
            assert_eq!((c[8], c[13], c[14], c[18], c[23]), ('-', '-', '4', '-', '-'));
            assert!("89ab".contains(c[19]), "{u}");
        }
        let mut same = Rng::from_hex("00112233445566778899aabbccddeeff");
        assert_eq!(same.uuid(), a, "a seed fixes the sequence");
    }

    #[test]
    fn units_are_in_range_and_spread() {
        let mut r = Rng::new(1, 2);
        let xs: Vec<f64> = (0..10_000).map(|_| r.unit()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
    }

    #[test]
    fn plausible_ids() {
        assert!(is_plausible_id("3f0c8d5e-1b2a-4c3d-9e8f-0a1b2c3d4e5f"));
        assert!(!is_plausible_id(""));
        assert!(!is_plausible_id("has space"));
        assert!(!is_plausible_id(&"x".repeat(129)));
    }
}
