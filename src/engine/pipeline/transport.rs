//! Stage 6: what a collector's answer means for a batch, how long to wait
//! before trying again, and the limits of the browser's ways of sending.
//! Pure functions, so every status has a test.

use crate::prelude::*;

use crate::engine::text::num::{parse_u64, write_u64};

/// Largest body sent with `keepalive`: Firefox refuses a keepalive fetch
/// whose body is over 32 KiB (ESR 153: 10 of 10 at 32,768 bytes taken, 0
/// of 10 at 32,769), Chromium and WebKit once 64 KiB are in flight for the
/// page. A larger batch goes without it while the page lives.
pub const KEEPALIVE_MAX_BYTES: usize = 32 * 1024;
/// Largest body of one beacon as the page goes: the 64 KiB the browsers
/// allow in flight, less a margin (Firefox takes more).
pub const BEACON_MAX_BYTES: usize = 60 * 1024;

/// What to do with a batch after the collector answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted (2xx): the events leave the queue.
    Delivered,
    /// Worth trying again later: no answer (status 0), 408, 429, 5xx.
    Retry,
    /// Refused for good (other 4xx, odd statuses): resending the same body
    /// would fail the same way and block everything behind it.
    Rejected,
}

/// The edge's status for "the collector answered, and the browser hid the
/// answer": a collector on another origin that sends no CORS headers. It
/// took the batch; what it said cannot be known, so nothing is retried.
pub const OPAQUE: u16 = 1;

/// The edge's status for "the request was in flight when the page went
/// into the back/forward cache, and the restored page will never hear of
/// it" (WebKit and Firefox never settle it, `abort()` included): a
/// keepalive request went on without the page, as leaving assumed; another
/// was cancelled, and its events rode the beacons.
pub const CROSSED: u16 = 2;

/// Classifies an HTTP status; 0 stands for "no response" (network error,
/// blocked request, timeout), [`OPAQUE`] for an answer the browser hid.
pub fn classify(status: u16) -> Outcome {
    match status {
        200..=299 | OPAQUE => Outcome::Delivered,
        0 | 408 | 429 | 500..=599 => Outcome::Retry,
        _ => Outcome::Rejected,
    }
}

/// Longest delay between attempts (ms).
pub const MAX_DELAY_MS: f64 = 60_000.0;
/// Longest `Retry-After` honoured (ms): a misconfigured header cannot stall
/// the queue for hours.
pub const MAX_RETRY_AFTER_MS: f64 = 300_000.0;

/// Delay before the next attempt after `failures` consecutive failures (1
/// for the first): exponential from 1 s, capped at 60 s, with "equal
/// jitter" (between half and all of it, `unit` in `[0, 1)`) so tabs
/// recovering from one outage do not retry in step. A `Retry-After` wins.
pub fn backoff_ms(failures: u32, unit: f64, retry_after_ms: Option<f64>) -> f64 {
    if let Some(ra) = retry_after_ms.filter(|ms| ms.is_finite() && *ms >= 0.0) {
        return ra.min(MAX_RETRY_AFTER_MS);
    }
    let full = (1000.0 * f64::from(1u32 << failures.saturating_sub(1).min(16))).min(MAX_DELAY_MS);
    full / 2.0 + full / 2.0 * unit.clamp(0.0, 1.0)
}

/// Reads a `Retry-After` header given in seconds (the HTTP-date form is
/// ignored: clocks of tabs and servers disagree too often to trust it).
pub fn parse_retry_after(header: &str) -> Option<f64> {
    let s = header.trim_ascii();
    if s.len() > 9 {
        return None;
    }
    parse_u64(s).map(|secs| secs as f64 * 1000.0)
}

/// `HTTP 503`, or `no response`.
pub fn status_text(status: u16) -> String {
    if status == 0 {
        return "no response".into();
    }
    if status == OPAQUE {
        return "answered without CORS headers".into();
    }
    let mut s = String::from("HTTP ");
    write_u64(&mut s, u64::from(status));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_statuses() {
        for s in [OPAQUE, 200, 202, 204, 299] {
            assert_eq!(classify(s), Outcome::Delivered, "{s}");
        }
        for s in [0, 408, 429, 500, 502, 503, 599] {
            assert_eq!(classify(s), Outcome::Retry, "{s}");
        }
        for s in [100, 301, 400, 401, 403, 404, 410, 413, 422, 600] {
            assert_eq!(classify(s), Outcome::Rejected, "{s}");
        }
    }

    #[test]
    fn backs_off_exponentially_with_jitter_and_a_cap() {
        assert_eq!(backoff_ms(1, 0.0, None), 500.0);
        assert_eq!(backoff_ms(1, 0.999_999, None).round(), 1000.0);
        assert_eq!(backoff_ms(3, 0.0, None), 2000.0);
        assert_eq!(backoff_ms(30, 1.0, None), 60_000.0);
        assert_eq!(backoff_ms(2, 0.5, Some(7000.0)), 7000.0);
        assert_eq!(backoff_ms(2, 0.5, Some(1e9)), MAX_RETRY_AFTER_MS);
    }

    #[test]
    fn parses_retry_after_seconds() {
        assert_eq!(parse_retry_after("3"), Some(3000.0));
        assert_eq!(parse_retry_after(" 120 "), Some(120_000.0));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after(""), None);
        assert_eq!(status_text(0), "no response");
        assert_eq!(status_text(503), "HTTP 503");
    }
}
