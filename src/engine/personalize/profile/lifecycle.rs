//! The lifecycle segment and the engagement score, both derived from the
//! profile's counters.

use super::topics::halving;
use super::{Profile, DAY_MS};

/// The lifecycle segment (see [`Profile::segment`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    /// First session.
    New,
    /// Came back, not (yet) engaged.
    Returning,
    /// Engagement score ≥ 40.
    Engaged,
    /// Two orders or more, or engagement score ≥ 70.
    Loyal,
    /// Came back after more than 30 days away.
    Dormant,
}

impl Segment {
    /// `new`, `returning`, `engaged`, `loyal`, `dormant`.
    pub fn name(self) -> &'static str {
        match self {
            Segment::New => "new",
            Segment::Returning => "returning",
            Segment::Engaged => "engaged",
            Segment::Loyal => "loyal",
            Segment::Dormant => "dormant",
        }
    }
}

impl Profile {
    /// The engagement score, 0–100:
    ///
    /// `100 × (0.35·frequency + 0.25·depth + 0.25·recency + 0.15·buying)`
    /// with frequency = min(1, sessions / 10), depth = min(1, page views /
    /// (5 × sessions)), recency = 0.5^(days since last seen / 7), buying =
    /// min(1, orders / 3), rounded.
    pub fn score(&self, now: f64) -> u32 {
        let frequency = (f64::from(self.sessions) / 10.0).min(1.0);
        let depth = (f64::from(self.page_views) / (5.0 * f64::from(self.sessions.max(1)))).min(1.0);
        let recency = halving(((now - self.last_seen) / DAY_MS).max(0.0) / 7.0);
        let buying = (f64::from(self.orders) / 3.0).min(1.0);
        libm::round(100.0 * (0.35 * frequency + 0.25 * depth + 0.25 * recency + 0.15 * buying)) as u32
    }

    /// The lifecycle segment, the first that applies: `dormant` (this
    /// session came after more than 30 days away), `new` (first session),
    /// `loyal` (2+ orders, or score ≥ 70), `engaged` (score ≥ 40),
    /// `returning`.
    pub fn segment(&self, now: f64) -> Segment {
        if self.sessions > 1 && self.gap_days > 30.0 {
            Segment::Dormant
        } else if self.sessions <= 1 {
            Segment::New
        } else if self.orders >= 2 || self.score(now) >= 70 {
            Segment::Loyal
        } else if self.score(now) >= 40 {
            Segment::Engaged
        } else {
            Segment::Returning
        }
    }
}
