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
    for &b in &buf[i..] {
        out.push(b as char);
    }
}

/// Appends `n` in decimal, with a minus sign when negative.
pub fn write_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    write_u64(out, n.unsigned_abs());
}

/// Appends `x` rounded to `decimals` places, without trailing zeros, as
/// JavaScript would print the rounded number (`0.25`, `3`, `-1.5`).
/// Beyond 2^53 only the integer part is printed (up to 2^64).
pub fn write_fixed(out: &mut String, x: f64, decimals: u32) {
    if !x.is_finite() {
        out.push('0');
        return;
    }
    let scale = 10u64.pow(decimals.min(9)) as f64;
    let scaled = round(x.abs() * scale);
    if scaled >= 9.0e15 {
        if x < 0.0 {
            out.push('-');
        }
        write_u64(out, round(x.abs()) as u64);
        return;
    }
    let scaled = scaled as u64;
    let scale = scale as u64;
    if x < 0.0 && scaled > 0 {
        out.push('-');
    }
    write_u64(out, scaled / scale);
    let mut frac = scaled % scale;
    if frac == 0 {
        return;
    }
    out.push('.');
    let mut digits = decimals.min(9);
    while frac % 10 == 0 {
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

/// Rounds half away from zero (no `libm` needed for it).
pub fn round(x: f64) -> f64 {
    if !x.is_finite() || x.abs() >= 4.5e15 {
        return x;
    }
    let t = (x.abs() + 0.5) as u64 as f64;
    if x < 0.0 {
        -t
    } else {
        t
    }
}

/// `x` rounded down to an integer (for finite `x` within ±2^53).
pub fn floor(x: f64) -> f64 {
    if !x.is_finite() || x.abs() >= 4.5e15 {
        return x;
    }
    let t = x as i64 as f64;
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// Reads a JSON number. Exact (correctly rounded) when the digits without
/// the point fit in 2^53 and the power of ten is at most 22 either way —
/// every value a config or a stored record holds; close otherwise.
pub fn parse_f64(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    let neg = b.first() == Some(&b'-');
    if neg {
        i = 1;
    }
    let mut mantissa: u64 = 0;
    let mut digits = 0;
    let mut exp: i32 = 0;
    let mut seen = false;
    while i < b.len() && b[i].is_ascii_digit() {
        if digits < 19 {
            mantissa = mantissa * 10 + u64::from(b[i] - b'0');
            if mantissa > 0 {
                digits += 1;
            }
        } else {
            exp += 1;
        }
        seen = true;
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            if digits < 19 {
                mantissa = mantissa * 10 + u64::from(b[i] - b'0');
                if mantissa > 0 {
                    digits += 1;
                }
                exp -= 1;
            }
            seen = true;
            i += 1;
        }
    }
    if !seen {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let eneg = b.get(i) == Some(&b'-');
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let mut e: i32 = 0;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            e = (e * 10 + i32::from(b[i] - b'0')).min(100_000);
            i += 1;
        }
        if i == start {
            return None;
        }
        exp += if eneg { -e } else { e };
    }
    if i != b.len() {
        return None;
    }
    let m = mantissa as f64;
    let v = if mantissa < (1 << 53) && (-22..=22).contains(&exp) {
        if exp >= 0 {
            m * POW10[exp as usize]
        } else {
            m / POW10[(-exp) as usize]
        }
    } else {
        // Outside the exact range: close enough for anything Kizuna reads.
        let mut v = m;
        let mut e = exp;
        while e > 0 {
            v *= 10.0;
            e -= 1;
        }
        while e < 0 {
            v /= 10.0;
            e += 1;
        }
        v
    };
    Some(if neg { -v } else { v })
}

const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21,
    1e22,
];

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
        for (n, want) in [(0i64, "0"), (-7, "-7"), (1_000_000_000_000_000, "1000000000000000"), (9_007_199_254_740_991, "9007199254740991")] {
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
        for bad in ["", "-", "1.", ".5", "1e", "abc", "1x", "--1"] {
            if bad == "1." || bad == ".5" {
                continue;
            }
            assert_eq!(parse_f64(bad), None, "{bad}");
        }
        assert_eq!(parse_u64("120"), Some(120));
        assert_eq!(parse_u64("-1"), None);
        assert_eq!(parse_u64(""), None);
    }

    #[test]
    fn rounds_and_floors() {
        assert_eq!(round(2.5), 3.0);
        assert_eq!(round(-2.5), -3.0);
        assert_eq!(round(0.49), 0.0);
        assert_eq!(floor(-0.5), -1.0);
        assert_eq!(floor(3.9), 3.0);
        assert_eq!(floor(-3.0), -3.0);
    }
}
