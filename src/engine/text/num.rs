//! Numbers as text, both ways, with no float formatting library: integers
//! are written digit by digit, fractions to a fixed number of decimals, and
//! numbers are read exactly where Kizuna reads them (config values).
//!
//! Numbers a site sends in its properties never pass through here: the
//! edge's `JSON.stringify` wrote them, and they are copied as text.

use crate::prelude::*;

/// Appends `n` in decimal.
pub fn write_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    super::push_ascii(out, buf.get(i..).unwrap_or(&[]));
}

/// Appends `n` in decimal, with a minus sign when negative.
pub fn write_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    write_u64(out, n.unsigned_abs());
}

/// Appends `x` rounded to `decimals` places (at most 9), without trailing
/// zeros, as JavaScript prints `Math.round(x * 10 ** decimals) / 10 **
/// decimals` (`0.25`, `3`, `-1.5`; halves go up: `-0.5` at 0 places is
/// `0`). Where JavaScript would print otherwise: a result under 1e-6
/// (JavaScript switches to `1e-7`: only with more than 6 places); 16
/// significant digits, where JavaScript may print a shorter decimal of the
/// same double (`544495264.62179` for `544495264.6217901`); and from
/// `x * 10 ** decimals` ≥ 9e15 on, where only the integer part is
/// printed, every digit of it (up to 2^64).
pub fn write_fixed(out: &mut String, x: f64, decimals: u32) {
    if !x.is_finite() {
        out.push('0');
        return;
    }
    let scale = 10u64.pow(decimals.min(9));
    let scaled = round(x * scale as f64);
    if scaled.abs() >= 9.0e15 {
        let whole = round(x);
        if whole < 0.0 {
            out.push('-');
        }
        write_u64(out, whole.abs() as u64);
        return;
    }
    // A negative zero prints as `0`, as in JavaScript.
    if scaled < 0.0 {
        out.push('-');
    }
    let scaled = scaled.abs() as u64;
    write_u64(out, scaled / scale);
    let mut frac = scaled % scale;
    if frac == 0 {
        return;
    }
    out.push('.');
    let mut digits = decimals.min(9);
    while frac.is_multiple_of(10) {
        frac /= 10;
        digits -= 1;
    }
    let mut buf = String::new();
    write_u64(&mut buf, frac);
    for _ in buf.len()..digits as usize {
        out.push('0');
    }
    out.push_str(&buf);
}

/// From 2^52 on every `f64` is a whole number.
const WHOLE: f64 = 4_503_599_627_370_496.0;

/// `x` rounded to a whole number as JavaScript's `Math.round` does: to the
/// nearest, halves up (toward +∞: `2.5` → 3, `-2.5` → −2), −0 for
/// `-0.5 ≤ x < 0`. Not `x + 0.5` rounded down: that sum is itself rounded
/// (0.49999999999999994 + 0.5 is 1).
pub fn round(x: f64) -> f64 {
    if !x.is_finite() || x.abs() >= WHOLE {
        return x;
    }
    let t = floor(x);
    // Exact: x and t are within 1 of each other and t is whole.
    let r = if x - t >= 0.5 { t + 1.0 } else { t };
    if r == 0.0 && x.is_sign_negative() {
        -0.0
    } else {
        r
    }
}

/// `x` rounded down to a whole number.
pub fn floor(x: f64) -> f64 {
    if !x.is_finite() || x.abs() >= WHOLE {
        return x;
    }
    let t = x as i64 as f64;
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// A JSON number's value as decimal digits: `m × 10^exp`, and its sign.
struct Decimal {
    neg: bool,
    m: u64,
    exp: i32,
}

/// Reads the JSON number grammar (RFC 8259): an optional `-`, `0` or a
/// digit 1–9 and more digits, then optionally `.` and digits, then
/// optionally `e` or `E`, a sign and digits. Nothing else (`01`, `+1`,
/// `1.`, `.5`, `-`, `1e`, spaces) is a JSON number.
fn scan(s: &str) -> Option<Decimal> {
    let b = s.as_bytes();
    let neg = b.first() == Some(&b'-');
    let mut i = usize::from(neg);
    let (mut m, mut sig, mut exp) = (0u64, 0u32, 0i32);
    // Up to 19 significant digits (they fit in a u64); the ones after them
    // only move the exponent (within an ulp: they are under 1e-18 of it).
    let mut digit = |d: u8, fraction: bool| {
        if sig < 19 {
            m = m * 10 + u64::from(d - b'0');
            sig += u32::from(m > 0);
            exp -= i32::from(fraction);
        } else if !fraction {
            exp = exp.saturating_add(1);
        }
    };
    let start = i;
    while let Some(&d @ b'0'..=b'9') = b.get(i) {
        digit(d, false);
        i += 1;
    }
    if i == start || (b.get(start) == Some(&b'0') && i > start + 1) {
        return None;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while let Some(&d @ b'0'..=b'9') = b.get(i) {
            digit(d, true);
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        let eneg = b.get(i) == Some(&b'-');
        if let Some(b'-' | b'+') = b.get(i) {
            i += 1;
        }
        let start = i;
        let mut e: i32 = 0;
        while let Some(&d @ b'0'..=b'9') = b.get(i) {
            // Capped: anything past it is 0 or infinite anyway.
            e = (e * 10 + i32::from(d - b'0')).min(100_000);
            i += 1;
        }
        if i == start {
            return None;
        }
        exp = exp.saturating_add(if eneg { -e } else { e });
    }
    (i == b.len()).then_some(Decimal { neg, m, exp })
}

/// Whether `s` is a JSON number (see [`parse_f64`] for the grammar).
pub fn is_number(s: &str) -> bool {
    scan(s).is_some()
}

/// Reads a JSON number (nothing but the JSON grammar: not `01`, `+1`,
/// `1.`, `.5`). Exact — correctly rounded, as `JSON.parse` reads it — when
/// its digits without the point make an integer under 2^53 and the power
/// of ten that scales them is within ±22 (one rounding of exact operands):
/// every value a config or a stored record holds. Otherwise within a few
/// ulps (`0.30000000000000004`, 17 digits, may read one ulp off): correct
/// rounding everywhere would take 128-bit comparisons, 0.6 KB of the
/// tracking wasm.
pub fn parse_f64(s: &str) -> Option<f64> {
    let d = scan(s)?;
    let mut v = d.m as f64;
    let mut e = d.exp;
    while e > 0 && v.is_finite() && v != 0.0 {
        let k = e.min(22);
        v *= POW10[k as usize];
        e -= k;
    }
    while e < 0 && v != 0.0 {
        let k = (-e).min(22);
        v /= POW10[k as usize];
        e += k;
    }
    Some(if d.neg { -v } else { v })
}

const POW10: [f64; 23] =
    [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/// Reads a non-negative decimal integer (all digits, at most 15 of them).
pub fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 15 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(x: f64, d: u32) -> String {
        let mut s = String::new();
        write_fixed(&mut s, x, d);
        s
    }

    #[test]
    fn integers_print_like_javascript_in_every_range() {
        for (n, want) in [(0i64, "0"), (-7, "-7"), (1_000_000_000_000_000, "1000000000000000"), (9_007_199_254_740_991, "9007199254740991")]
        {
            let mut s = String::new();
            write_i64(&mut s, n);
            assert_eq!(s, want);
        }
        assert_eq!(fixed(1e15, 3), "1000000000000000");
        assert_eq!(fixed(1e18, 3), "1000000000000000000");
        assert_eq!(fixed(1_795_363_980_123_456.0, 0), "1795363980123456");
    }

    #[test]
    fn fractions_print_rounded_without_trailing_zeros() {
        assert_eq!(fixed(0.25, 6), "0.25");
        assert_eq!(fixed(1.0 / 3.0, 6), "0.333333");
        assert_eq!(fixed(0.0000004, 6), "0");
        assert_eq!(fixed(-1.5, 2), "-1.5");
        assert_eq!(fixed(2.0, 4), "2");
        assert_eq!(fixed(0.05, 6), "0.05");
        assert_eq!(fixed(0.1 + 0.2, 6), "0.3");
        assert_eq!(fixed(-0.0000001, 3), "0");
        assert_eq!(fixed(f64::NAN, 3), "0");
    }

    #[test]
    fn parses_exactly_what_configs_hold() {
        for (s, want) in [
            ("0", 0.0),
            ("-0", -0.0),
            ("1000", 1000.0),
            ("0.05", 0.05),
            ("0.1", 0.1),
            ("19.9", 19.9),
            ("61440", 61440.0),
            ("1e3", 1000.0),
            ("2.5E-3", 0.0025),
            ("1795363980123", 1_795_363_980_123.0),
            ("123456789012345678901234", 1.2345678901234568e23),
        ] {
            let got = parse_f64(s).unwrap();
            if s == "123456789012345678901234" {
                assert!((got - want).abs() / want < 1e-12, "{s}");
            } else {
                assert_eq!(got, want, "{s}");
            }
        }
        // What JSON.parse rejects: no leading zeros, no `+`, digits on both
        // sides of the point, and nothing around the number.
        for bad in [
            "", "-", "1.", ".5", "-.5", "1e", "1e+", "abc", "1x", "--1", "01", "-01", "00", "+1", " 1", "1 ", "0x10", "1.e3", "Infinity",
            "NaN",
        ] {
            assert_eq!(parse_f64(bad), None, "{bad}");
        }
        // Exact at the edges of the exact range: 2^53 − 1, 10^±22.
        for (s, want) in [
            ("9007199254740991", 9_007_199_254_740_991.0),
            ("9007199254740991e22", 9_007_199_254_740_991.0 * 1e22),
            ("1e-22", 1e-22),
            ("1e400", f64::INFINITY),
            ("1e-400", 0.0),
        ] {
            assert_eq!(parse_f64(s), Some(want), "{s}");
        }
        assert_eq!(parse_u64("120"), Some(120));
        assert_eq!(parse_u64("-1"), None);
        assert_eq!(parse_u64(""), None);
    }

    #[test]
    fn rounds_and_floors() {
        // Math.round: halves go up, and x + 0.5 is not rounded first.
        assert_eq!(round(2.5), 3.0);
        assert_eq!(round(-2.5), -2.0);
        assert_eq!(round(0.49), 0.0);
        assert_eq!(round(0.49999999999999994), 0.0);
        assert_eq!(round(-0.49999999999999994), 0.0);
        assert!(round(-0.4).is_sign_negative(), "-0, as Math.round(-0.4)");
        assert_eq!(round(4_503_599_627_370_495.5), 4_503_599_627_370_496.0);
        assert_eq!(fixed(-0.5, 0), "0");
        assert_eq!(fixed(-2.5, 0), "-2");
        assert_eq!(floor(-0.5), -1.0);
        assert_eq!(floor(3.9), 3.0);
        assert_eq!(floor(-3.0), -3.0);
        assert_eq!(floor(4_500_000_000_000_000.5), 4_500_000_000_000_000.0);
    }
}
