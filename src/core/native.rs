//! Two text conversions every browser already has natively: printing a
//! non-integer number in its shortest round-trip form, and decoding a
//! percent-encoded URL component.
//!
//! The host build (and so every host test) uses the Rust implementations
//! below. In the wasm they would cost ~4 KB the size budget does not have,
//! so there the browser edge supplies them: `web::native` defines the two
//! `kizuna_*` functions declared here, on JavaScript's `Number.prototype.toString`
//! and `decodeURIComponent`. The browser tests run the golden fixtures through
//! that path, so both must give the same text.

use crate::prelude::*;

/// Appends a finite, non-integer `n` in its shortest round-trip form, with
/// an exponent written as `1e21` / `1e-7` (no `+`).
#[cfg(not(target_arch = "wasm32"))]
pub fn write_float(out: &mut String, n: f64) {
    out.push_str(ryu::Buffer::new().format_finite(n));
}

/// Decodes a URL query component: `+` is a space, `%XX` a byte of UTF-8.
/// A malformed escape, or bytes that are not UTF-8, leave the whole text
/// as it came (what `decodeURIComponent` refusing it amounts to).
#[cfg(not(target_arch = "wasm32"))]
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => match (b.get(i + 1).and_then(|&c| hex(c)), b.get(i + 2).and_then(|&c| hex(c))) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => return s.to_string(),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(not(target_arch = "wasm32"))]
fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(target_arch = "wasm32")]
extern "Rust" {
    fn kizuna_write_float(out: &mut String, n: f64);
    fn kizuna_percent_decode(s: &str) -> String;
}

/// See the host version.
#[cfg(target_arch = "wasm32")]
pub fn write_float(out: &mut String, n: f64) {
    // SAFETY: defined (safely, with this signature) in `web::native`.
    unsafe { kizuna_write_float(out, n) }
}

/// See the host version.
#[cfg(target_arch = "wasm32")]
pub fn percent_decode(s: &str) -> String {
    // SAFETY: defined (safely, with this signature) in `web::native`.
    unsafe { kizuna_percent_decode(s) }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn floats_are_shortest_and_exponents_have_no_plus() {
        let cases = [(19.9, "19.9"), (0.1, "0.1"), (1e21, "1e21"), (1.5e-7, "1.5e-7"), (-2.5e-300, "-2.5e-300"), (0.30000000000000004, "0.30000000000000004")];
        for (n, want) in cases {
            let mut s = String::new();
            write_float(&mut s, n);
            assert_eq!(s, want);
        }
    }

    #[test]
    fn percent_decoding_is_all_or_nothing() {
        assert_eq!(percent_decode("fall+sale%20%C3%A9"), "fall sale é");
        assert_eq!(percent_decode("plain"), "plain");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("a%20b%zz"), "a%20b%zz");
        assert_eq!(percent_decode("%ff"), "%ff");
    }
}
