//! `text::num` against oracles, on seeded random inputs: the JSON number
//! grammar against `serde_json`, values against Rust's correctly rounded
//! `str::parse::<f64>`, `round` against JavaScript's `Math.round` (built
//! from `std`'s rounding), `write_fixed` against what JavaScript prints
//! for `Math.round(x * 10 ** d) / 10 ** d`, `parse_u64` against
//! `str::parse::<u64>`. Kept inputs: `tests/fixtures/fuzz/num.json`.

#![cfg(not(target_arch = "wasm32"))]

mod fuzzing;

use fuzzing::{corpus, report, rfc8259_number, scale, Rng};
use kizuna::engine::text::num::{is_number, parse_f64, parse_u64, round, write_fixed};

/// Whether `s` is a JSON number, by `serde_json`; it refuses numbers out
/// of `f64`'s range (that `JSON.parse` reads as ±Infinity or 0), which are
/// checked against the grammar of RFC 8259 spelled out below instead.
fn json_number(s: &str) -> bool {
    if s.trim_matches([' ', '\t', '\n', '\r']) != s {
        return false;
    }
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(v) => v.is_number(),
        Err(e) => e.to_string().starts_with("number out of range") && rfc8259_number(s),
    }
}

/// Whether `parse_f64` promises the correctly rounded value for `s` (a
/// JSON number): its significant digits make an integer under 2^53 and
/// the power of ten that scales it is within ±22.
fn exact_claim(s: &str) -> bool {
    let s = s.trim_start_matches('-');
    let (mantissa, e) = s.split_once(['e', 'E']).unwrap_or((s, "0"));
    let Ok(e) = e.trim_start_matches('+').parse::<i64>() else { return false };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int}{frac}");
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return true;
    }
    // The reader keeps 19 significant digits; the integer part's beyond
    // them move the exponent.
    let kept = &significant[..significant.len().min(19)];
    let cut = &significant[kept.len()..];
    // Cut digits are the last ones: each shifts the point one place.
    let exp = e - frac.len() as i64 + cut.len() as i64;
    let m: u64 = kept.parse().unwrap();
    cut.bytes().all(|b| b == b'0') && m < 1 << 53 && (-22..=22).contains(&exp)
}

/// How many `f64`s apart `a` and `b` are (same sign, both finite).
fn ulps(a: f64, b: f64) -> u64 {
    (a.abs().to_bits() as i64 - b.abs().to_bits() as i64).unsigned_abs()
}

/// Checks one input against the oracles; the worst ulp distance seen where
/// no exact value is promised is kept in `worst`.
fn check_parse(s: &str, worst: &mut u64) {
    let got = parse_f64(s);
    assert_eq!(got.is_some(), json_number(s), "grammar: {s:?}");
    assert_eq!(is_number(s), got.is_some(), "is_number: {s:?}");
    let Some(got) = got else { return };
    let want: f64 = s.parse().unwrap();
    if exact_claim(s) {
        assert_eq!(got.to_bits(), want.to_bits(), "not correctly rounded: {s:?} read {got:e}, want {want:e}");
    } else if want.is_infinite() || got.is_infinite() {
        // Rounded steps near f64::MAX may land on either side of it.
        assert!(got.abs() >= f64::MAX * (1.0 - 1e-15) && got.signum() == want.signum(), "{s:?}: {got:e} for {want:e}");
    } else {
        assert_eq!(got.is_sign_negative(), want.is_sign_negative(), "{s:?}");
        let d = ulps(got, want);
        *worst = (*worst).max(d);
        assert!(d <= 8, "{s:?}: {got:e} is {d} ulps from {want:e}");
    }
}

/// A random string of number-ish characters (mostly not JSON numbers).
fn numberish(r: &mut Rng) -> String {
    const CHARS: &[u8] = b"0123456789000-+.eE .x";
    (0..r.below(12)).map(|_| *r.pick(CHARS) as char).collect()
}

/// A random JSON number: up to 25 digits, a point anywhere (or after
/// `0.` and leading zeros), an exponent.
fn json_number_text(r: &mut Rng) -> String {
    let mut s = String::new();
    if r.one_in(3) {
        s.push('-');
    }
    let most = if r.one_in(4) { 25 } else { 19 };
    let n = 1 + r.below(most);
    let digits: String = (0..n).map(|i| char::from(if i == 0 { b'1' + r.below(9) as u8 } else { b'0' + r.below(10) as u8 })).collect();
    match r.below(6) {
        0 => s.push('0'),
        1 => {
            s.push_str("0.");
            s.push_str(&"0".repeat(r.below(30)));
            s.push_str(&digits);
        }
        _ => {
            let point = 1 + r.below(n);
            s.push_str(&digits[..point]);
            if point < n {
                s.push('.');
                s.push_str(&digits[point..]);
            }
        }
    }
    if r.one_in(2) {
        s.push(*r.pick(&['e', 'E']));
        match r.below(3) {
            0 => s.push('+'),
            1 => s.push('-'),
            _ => {}
        }
        let e = match r.below(4) {
            0 => r.below(30),
            1 => r.below(400),
            2 => r.below(30) + 280,
            _ => r.below(100_000),
        };
        s.push_str(&e.to_string());
    }
    s
}

/// A double halfway between two neighbours, or next to such a tie,
/// written with at most 19 significant digits (an exact decimal).
fn tie_text(r: &mut Rng) -> String {
    let f = (1u64 << 52) | (r.next() >> 12);
    let shift = 1 + r.below(11) as u32;
    let near = [0i64, 0, 1, -1][r.below(4)];
    let n = ((f << shift) | (1 << (shift - 1))).wrapping_add_signed(near);
    if n >= 10_000_000_000_000_000_000 {
        return n.to_string();
    }
    let digits = n.to_string();
    // The same integer with its point moved and the exponent to match.
    let point = 1 + r.below(digits.len());
    let exp = digits.len() - point;
    let frac = digits[point..].trim_end_matches('0');
    match r.below(3) {
        0 => digits,
        1 if frac.is_empty() => format!("{}e{exp}", &digits[..point]),
        _ => format!("{}.{}e+{exp}", &digits[..point], if frac.is_empty() { "0" } else { frac }),
    }
}

/// A random finite double written the way JSON.stringify would (shortest
/// round trip), in plain or exponent notation.
fn shortest_text(r: &mut Rng) -> String {
    let x = loop {
        let x = f64::from_bits(r.next());
        if x.is_finite() {
            break x;
        }
    };
    let x = if r.one_in(2) { x } else { x * 10f64.powi(r.below(40) as i32 - 20) / x.abs().max(f64::MIN_POSITIVE) };
    if r.one_in(2) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

#[test]
fn parse_f64_reads_the_json_grammar_correctly_rounded() {
    let started = std::time::Instant::now();
    let mut worst = 0;
    let kept = corpus("num");
    for s in &kept {
        check_parse(s, &mut worst);
    }
    let mut r = Rng::new(0x6e75_6d62_6572_7321);
    let n = 60_000 * scale();
    for i in 0..n {
        let s = match i % 4 {
            0 => numberish(&mut r),
            1 => json_number_text(&mut r),
            2 => tie_text(&mut r),
            _ => shortest_text(&mut r),
        };
        check_parse(&s, &mut worst);
        if json_number(&s) && s.len() > 1 {
            // One byte off: mostly not a number any more.
            let mut b = s.clone().into_bytes();
            let at = r.below(b.len());
            b[at] = *r.pick(b"0-+.eE x9");
            check_parse(&String::from_utf8(b).unwrap(), &mut worst);
        }
    }
    eprintln!("parse_f64: worst distance where no exact value is promised: {worst} ulps");
    report("parse_f64", kept.len() + n * 7 / 4, started);
}

/// JavaScript's `Math.round`, from `std`'s rounding: halves up.
fn js_round(x: f64) -> f64 {
    if x.fract().abs() == 0.5 {
        x.ceil()
    } else {
        x.round()
    }
}

/// A random double: any bits, one near a half, or a small fraction.
fn any_double(r: &mut Rng) -> f64 {
    match r.below(4) {
        0 => f64::from_bits(r.next()),
        1 => {
            let half = (r.below(1 << 20) as f64 - (1 << 19) as f64) + 0.5;
            f64::from_bits(half.to_bits().wrapping_add_signed(r.below(5) as i64 - 2))
        }
        2 => (r.next() >> 11) as f64 / (1u64 << 53) as f64 * 10f64.powi(r.below(20) as i32 - 4) * if r.one_in(2) { -1.0 } else { 1.0 },
        _ => 4_503_599_627_370_496.0 + (r.below(64) as f64 - 32.0) * 0.5,
    }
}

#[test]
fn round_is_math_round() {
    let started = std::time::Instant::now();
    let mut r = Rng::new(0x726f_756e_6421);
    let fixed = [
        0.5,
        -0.5,
        1.5,
        -1.5,
        2.5,
        -2.5,
        0.49999999999999994,
        -0.49999999999999994,
        -0.0,
        4_503_599_627_370_495.5,
        f64::MAX,
        f64::MIN_POSITIVE,
    ];
    let n = 200_000 * scale();
    for i in 0..n + fixed.len() {
        let x = if i < fixed.len() { fixed[i] } else { any_double(&mut r) };
        if !x.is_finite() {
            assert_eq!(round(x).to_bits(), x.to_bits());
            continue;
        }
        assert_eq!(round(x).to_bits(), js_round(x).to_bits(), "round({x:e})");
    }
    report("round", n + fixed.len(), started);
}

/// What JavaScript prints for `Math.round(x * 10 ** d) / 10 ** d`
/// (Rust's `{}` is the same shortest round trip, never in exponent form).
fn js_fixed(x: f64, d: u32) -> String {
    let scale = 10u64.pow(d) as f64;
    let v = js_round(x * scale) / scale;
    if v == 0.0 {
        "0".into()
    } else {
        format!("{v}")
    }
}

#[test]
fn write_fixed_prints_what_javascript_prints() {
    let started = std::time::Instant::now();
    let mut r = Rng::new(0x6669_7865_6421);
    let n = 200_000 * scale();
    let mut beyond = 0;
    let mut shorter = 0;
    for _ in 0..n {
        let d = r.below(10) as u32;
        let x = any_double(&mut r);
        let mut got = String::new();
        write_fixed(&mut got, x, d);
        if !x.is_finite() {
            assert_eq!(got, "0");
            continue;
        }
        let scaled = js_round(x * 10u64.pow(d) as f64);
        if scaled.abs() >= 9.0e15 {
            // Documented: the integer part only, every digit (up to 2^64).
            beyond += 1;
            let whole = js_round(x);
            if whole.abs() < 18_446_744_073_709_551_615.0 {
                let want = if whole == 0.0 { "0".to_string() } else { (whole as i128).to_string() };
                assert_eq!(got, want, "write_fixed({x:e}, {d})");
            }
            continue;
        }
        let js = js_fixed(x, d);
        if d > 6 && scaled != 0.0 && scaled.abs() < 10f64.powi(d as i32 - 6) {
            // Documented: JavaScript writes 1e-7 and smaller in exponent form.
            continue;
        }
        if got != js && got.chars().filter(char::is_ascii_digit).collect::<String>().trim_start_matches('0').len() == 16 {
            // Documented: JavaScript's shortest form of the same double.
            shorter += 1;
            assert_eq!(got.parse::<f64>().unwrap(), js.parse::<f64>().unwrap(), "write_fixed({x:e}, {d})");
            continue;
        }
        assert_eq!(got, js, "write_fixed({x:e}, {d})");
    }
    report("write_fixed", n, started);
    eprintln!("write_fixed: {beyond} cases beyond 9e15 (integer part only), {shorter} with 16 digits JavaScript shortens");
}

#[test]
fn parse_u64_is_str_parse_for_15_digits() {
    let started = std::time::Instant::now();
    let mut r = Rng::new(0x0075_3634);
    let n = 100_000 * scale();
    for _ in 0..n {
        let len = r.below(18);
        let s: String = (0..len).map(|_| *r.pick(b"0123456789012345678901234567890-+ .e") as char).collect();
        let want = s.parse::<u64>().ok().filter(|_| s.len() <= 15 && s.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(parse_u64(&s), want, "{s:?}");
    }
    report("parse_u64", n, started);
}
