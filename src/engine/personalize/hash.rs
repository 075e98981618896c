//! The holdout hash: which visitors of a slot see only the default.
//!
//! Specification (version `kz1`), published with test vectors in
//! `tests/fixtures/holdout-hash.json` so any port can check itself:
//!
//! 1. key = UTF-8 bytes of `"kz1|" + slot + "|" + visitorId`
//! 2. h = FNV-1a 32-bit of key (offset basis 0x811C9DC5, prime 0x01000193)
//! 3. bucket = h / 2^32, a number in [0, 1)
//! 4. the visitor is in the slot's holdout when bucket < holdout share
//!
//! The slot name is part of the key, so holdouts of different slots are
//! independent; the version prefix lets a future hash coexist.

/// The hash version, part of every key.
pub const VERSION: &str = "kz1";

/// FNV-1a, 32 bits.
pub fn fnv1a32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The visitor's bucket for `slot`, in [0, 1).
pub fn bucket(slot: &str, visitor_id: &str) -> f64 {
    let mut h: u32 = 0x811c_9dc5;
    for part in [VERSION.as_bytes(), b"|", slot.as_bytes(), b"|", visitor_id.as_bytes()] {
        for &b in part {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    f64::from(h) / 4_294_967_296.0
}

/// Whether the visitor is in the holdout of `slot` with share `holdout`.
pub fn in_holdout(slot: &str, visitor_id: &str, holdout: f64) -> bool {
    bucket(slot, visitor_id) < holdout
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_the_published_vectors() {
        assert_eq!(fnv1a32(b""), 0x811c_9dc5);
        assert_eq!(fnv1a32(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a32(b"foobar"), 0xbf9c_f968);
    }

    #[test]
    fn buckets_spread_evenly() {
        let n = 20_000;
        let inside = (0..n).filter(|i| in_holdout("hero", &i.to_string(), 0.1)).count();
        let share = inside as f64 / n as f64;
        assert!((share - 0.1).abs() < 0.01, "{share}");
    }
}
