//! Identifiers: RFC 9562 version 4 UUIDs for anonymous ids and message ids.

use crate::prelude::*;

use super::platform::Random;

/// A random (version 4) UUID in its lowercase hyphenated form.
pub fn uuid_v4(rng: &mut dyn Random) -> String {
    let mut b = [0u8; 16];
    rng.fill(&mut b);
    uuid_from_bytes(b)
}

/// Formats 16 random bytes as a version 4, variant 1 UUID.
pub fn uuid_from_bytes(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(HEX[(byte >> 4) as usize] as char);
        s.push(HEX[(byte & 0xf) as usize] as char);
    }
    s
}

/// Whether `s` looks like an id Kizuna could have stored: 1–128 printable
/// ASCII characters. Anything else found in storage is replaced.
pub fn is_plausible_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| (0x21..0x7f).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_version_and_variant_bits() {
        assert_eq!(uuid_from_bytes([0xff; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(uuid_from_bytes([0; 16]), "00000000-0000-4000-8000-000000000000");
    }

    #[test]
    fn plausible_ids() {
        assert!(is_plausible_id("3f0c8d5e-1b2a-4c3d-9e8f-0a1b2c3d4e5f"));
        assert!(!is_plausible_id(""));
        assert!(!is_plausible_id("has space"));
        assert!(!is_plausible_id(&"x".repeat(129)));
    }
}
