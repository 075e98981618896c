//! The rules of what is tracked without code, apart from the events they
//! make (`tracker/auto.rs`): which URL change is a page view, when clicks
//! are rage clicks, which scroll milestones a page view passed, how long
//! the visitor was engaged, and which form fields may even be named.

use crate::prelude::*;

use super::text::cut;

/// Two page views of one URL this close together are one.
pub const SAME_VIEW_MS: f64 = 1000.0;
/// Input within this long keeps the visitor engaged.
pub const ACTIVE_MS: f64 = 5000.0;
/// Clicks this many, this close in time and space, are rage clicks.
const RAGE_CLICKS: usize = 3;
const RAGE_MS: f64 = 1000.0;
const RAGE_PX: i32 = 30;
/// Scroll depth milestones, percent.
pub const MILESTONES: [u8; 5] = [25, 50, 75, 90, 100];

/// The URL without its fragment, unless fragments count.
pub fn view_key(url: &str, hash_changes: bool) -> &str {
    if hash_changes {
        url
    } else {
        cut(url, b'#').0
    }
}

/// Recent page views, to tell a new one from the same one again.
#[derive(Clone, Debug, Default)]
pub struct Views {
    last: String,
    recent: Vec<(String, f64)>,
}

impl Views {
    /// Whether a page view of `key` at `now` is a new one; remembers it.
    /// The URL it was already on is never a new view; one seen within
    /// [`SAME_VIEW_MS`] (a redirect bounce, a router that pushes then
    /// replaces) is not either.
    pub fn is_new(&mut self, key: &str, now: f64) -> bool {
        self.recent.retain(|(_, t)| now - *t < SAME_VIEW_MS && *t <= now);
        let new = key != self.last && !self.recent.iter().any(|(k, _)| k == key);
        if new {
            self.last = key.into();
            self.recent.push((key.into(), now));
        }
        new
    }

    /// The page came back from the back/forward cache: shown again, it is
    /// a view again, whatever URL it was on.
    pub fn forget(&mut self) {
        self.last.clear();
        self.recent.clear();
    }

    /// A page view the site made itself (`page()`): an automatic one of the
    /// same URL right after it is the same view.
    pub fn manual(&mut self, key: &str, now: f64) {
        self.last = key.into();
        self.recent.push((key.into(), now));
    }
}

/// The last clicks, for rage clicks.
#[derive(Clone, Debug, Default)]
pub struct Clicks(Vec<(f64, i32, i32)>);

impl Clicks {
    /// A click at `now`, at `(x, y)`: whether it is one of a rage burst.
    pub fn rage(&mut self, now: f64, x: i32, y: i32) -> bool {
        self.0.retain(|(t, cx, cy)| now - *t < RAGE_MS && *t <= now && (cx - x).abs() <= RAGE_PX && (cy - y).abs() <= RAGE_PX);
        self.0.push((now, x, y));
        self.0.len() >= RAGE_CLICKS
    }
}

/// The deepest share of a page view seen, and the milestones sent.
#[derive(Clone, Copy, Debug, Default)]
pub struct Depth {
    /// Deepest percent seen.
    pub max: u8,
    passed: usize,
}

impl Depth {
    /// The visitor saw `percent` of the page: the milestones newly passed.
    pub fn saw(&mut self, percent: u8) -> &'static [u8] {
        self.max = self.max.max(percent.min(100));
        let before = self.passed;
        // `get`, never indexing: a panic path would link core::fmt (~8 KB).
        while MILESTONES.get(self.passed).is_some_and(|m| *m <= self.max) {
            self.passed += 1;
        }
        MILESTONES.get(before..self.passed).unwrap_or(&[])
    }
}

/// Engaged time: visible, with input within [`ACTIVE_MS`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Engaged {
    /// Engaged ms not yet reported.
    pub ms: f64,
    /// The last input (none while hidden).
    last: Option<f64>,
    /// Time is counted up to here.
    counted: f64,
}

impl Engaged {
    /// Input at `now` (or the page became visible).
    pub fn active(&mut self, now: f64) {
        self.settle(now);
        if now >= self.counted {
            self.counted = now;
            self.last = Some(now);
        }
    }

    /// Counts engaged time up to `now`: at most [`ACTIVE_MS`] after the
    /// last input, never twice, never backwards.
    pub fn settle(&mut self, now: f64) {
        if let Some(t) = self.last {
            let end = now.min(t + ACTIVE_MS);
            if end > self.counted {
                self.ms += end - self.counted;
                self.counted = end;
            }
        }
    }

    /// The page was hidden: nothing counts until the next input.
    pub fn hidden(&mut self, now: f64) {
        self.settle(now);
        self.last = None;
    }

    /// Whether input came within [`ACTIVE_MS`] of `now`.
    pub fn engaged_at(&self, now: f64) -> bool {
        self.last.is_some_and(|t| now - t < ACTIVE_MS)
    }

    /// The engaged ms to report now (whole ms), and starts counting anew.
    pub fn take(&mut self) -> u64 {
        let ms = self.ms as u64;
        self.ms -= ms as f64;
        ms
    }
}

/// Whether a form field may be named in an event: never a password, a
/// hidden field, or one that holds card or security data, judged by its
/// `type`, `autocomplete` and `name` (any one is enough).
pub fn may_name(kind: &str, name: &str, autocomplete: &str) -> bool {
    let kind = kind.to_ascii_lowercase();
    if matches!(kind.as_str(), "password" | "hidden") {
        return false;
    }
    let auto = autocomplete.to_ascii_lowercase();
    if auto.split_whitespace().any(|t| t.starts_with("cc-") || t == "current-password" || t == "new-password" || t == "one-time-code") {
        return false;
    }
    // Names as sites write them: cardNumber, card_number, cc-num, cvv2…
    let squeezed: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    const SECRET: [&str; 14] = [
        "card",
        "ccnum",
        "ccnumber",
        "creditcard",
        "cvv",
        "cvc",
        "csc",
        "cardverification",
        "securitycode",
        "expiry",
        "password",
        "passwd",
        "pwd",
        "pin",
    ];
    let has = |s: &str| squeezed.as_bytes().windows(s.len()).any(|w| w == s.as_bytes());
    !(SECRET.iter().any(|s| if *s == "pin" || *s == "pwd" { squeezed == *s } else { has(s) })
        || squeezed.starts_with("cc") && squeezed.len() <= 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_url_is_one_page_view() {
        let mut v = Views::default();
        assert!(v.is_new("/a", 0.0));
        assert!(!v.is_new("/a", 5000.0), "replaceState to the URL it is on");
        assert!(v.is_new("/b", 6000.0));
        assert!(v.is_new("/a", 6300.0), "back to /a: a view");
        assert!(!v.is_new("/b", 6600.0), "bounced to /b again within a second");
        assert!(v.is_new("/b", 8000.0), "later: a view");
        v.manual("/c", 9000.0);
        assert!(!v.is_new("/c", 9010.0), "the site's own page() of it");
        assert_eq!(view_key("/p#top", false), "/p");
        assert_eq!(view_key("/p#top", true), "/p#top");
    }

    #[test]
    fn three_clicks_on_one_spot_within_a_second_are_rage_clicks() {
        let mut c = Clicks::default();
        assert!(!c.rage(0.0, 100, 100));
        assert!(!c.rage(200.0, 105, 98));
        assert!(c.rage(400.0, 101, 103));
        assert!(!c.rage(3000.0, 100, 100), "a second later: calm again");
        assert!(!c.rage(3100.0, 400, 100), "elsewhere");
        assert!(!c.rage(3200.0, 100, 100));
    }

    #[test]
    fn milestones_are_passed_once_each() {
        let mut d = Depth::default();
        assert_eq!(d.saw(10), &[] as &[u8]);
        assert_eq!(d.saw(60), &[25, 50]);
        assert_eq!(d.saw(40), &[] as &[u8]);
        assert_eq!(d.saw(100), &[75, 90, 100]);
        assert_eq!(d.max, 100);
    }

    #[test]
    fn engaged_time_needs_input_and_a_visible_page() {
        let mut e = Engaged::default();
        e.active(0.0);
        e.active(2000.0);
        e.settle(60_000.0);
        e.settle(90_000.0);
        assert_eq!(e.take(), 7000, "2 s between inputs, then 5 s after the last, once");
        e.hidden(61_000.0);
        e.settle(200_000.0);
        assert_eq!(e.take(), 0, "a background tab adds nothing");
        e.active(300_000.0);
        e.active(299_000.0);
        assert_eq!(e.take(), 0, "a clock going back adds nothing");
    }
}
