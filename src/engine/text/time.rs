//! ISO 8601 timestamps from epoch milliseconds, as `Date.prototype.toISOString`
//! writes them, without a date library.

use crate::prelude::*;

/// Appends `ms` (milliseconds since the Unix epoch, UTC) as
/// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn write_iso8601(out: &mut String, ms: f64) {
    let ms = if ms.is_finite() { super::num::floor(ms) as i64 } else { 0 };
    let (y, m, d) = civil_from_days(ms.div_euclid(86_400_000));
    let rem = ms.rem_euclid(86_400_000);
    if y < 0 {
        out.push('-');
    }
    // Fixed widths, written into one buffer: no allocation per field.
    let mut b = *b"0000-00-00T00:00:00.000Z";
    for (at, width, v) in [
        (0, 4, y.unsigned_abs()),
        (5, 2, m as u64),
        (8, 2, d as u64),
        (11, 2, (rem / 3_600_000) as u64),
        (14, 2, (rem / 60_000 % 60) as u64),
        (17, 2, (rem / 1000 % 60) as u64),
        (20, 3, (rem % 1000) as u64),
    ] {
        let mut v = v;
        for i in (at..at + width).rev() {
            if let Some(c) = b.get_mut(i) {
                *c = b'0' + (v % 10) as u8;
            }
            v /= 10;
        }
    }
    super::push_ascii(out, &b);
}

/// Year, month (1–12) and day of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`, proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(ms: f64) -> String {
        let mut s = String::new();
        write_iso8601(&mut s, ms);
        s
    }

    #[test]
    fn formats_like_to_iso_string() {
        assert_eq!(iso(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(951_782_400_000.0), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso(1_795_363_980_123.0), "2026-11-22T16:13:00.123Z");
        assert_eq!(iso(4_102_444_799_999.0), "2099-12-31T23:59:59.999Z");
        assert_eq!(iso(-1.0), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso(1_795_363_980_123.9), "2026-11-22T16:13:00.123Z");
    }
}
