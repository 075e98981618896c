//! ISO 8601 timestamps from epoch milliseconds, without a date library.

use crate::prelude::*;

/// Appends `ms` (milliseconds since the Unix epoch, UTC) as
/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, the form `Date.prototype.toISOString` gives.
pub fn write_iso8601(out: &mut String, ms: f64) {
    let ms = if ms.is_finite() { libm::floor(ms) as i64 } else { 0 };
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    push_digits(out, y, 4);
    out.push('-');
    push_digits(out, m as i64, 2);
    out.push('-');
    push_digits(out, d as i64, 2);
    out.push('T');
    push_digits(out, rem / 3_600_000, 2);
    out.push(':');
    push_digits(out, rem / 60_000 % 60, 2);
    out.push(':');
    push_digits(out, rem / 1000 % 60, 2);
    out.push('.');
    push_digits(out, rem % 1000, 3);
    out.push('Z');
}

/// `ms` as an ISO 8601 string.
pub fn iso8601(ms: f64) -> String {
    let mut s = String::with_capacity(24);
    write_iso8601(&mut s, ms);
    s
}

fn push_digits(out: &mut String, v: i64, width: usize) {
    let mut buf = [b'0'; 12];
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    while n > 0 || buf.len() - i < width {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    if v < 0 {
        out.push('-');
    }
    for &b in &buf[i..] {
        out.push(b as char);
    }
}

/// Year, month (1–12) and day (1–31) of a day count since 1970-01-01, from
/// Howard Hinnant's `civil_from_days` (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_to_iso_string() {
        assert_eq!(iso8601(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_000.0), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601(1_795_363_980_123.0), "2026-11-22T16:13:00.123Z");
        assert_eq!(iso8601(4_102_444_799_999.0), "2099-12-31T23:59:59.999Z");
        assert_eq!(iso8601(-1.0), "1969-12-31T23:59:59.999Z");
    }
}
