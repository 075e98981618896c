//! The visitor profile: kept on the device (localStorage `kizuna:profile`,
//! only with `personalization` consent), never sent anywhere.
//!
//! - counters: first and last seen, sessions (30 minutes apart), page views,
//!   events; orders, revenue and the last order (recency, frequency,
//!   monetary value) from `Order Completed` events (`revenue`)
//! - topic affinities: +1 per viewed page with `data-kz-topic`, +2 per
//!   click inside an element with one, +1 per `category` / `tags` value of an
//!   event; each weight decays by half every `halfLifeDays` (default 14);
//!   only the 20 strongest topics are kept
//! - per slot: the sticky assignment, and this visitor's views and clicks
//!   of each variant
//!
//! The lifecycle segment and engagement score are computed from it (see
//! [`Profile::score`] and [`Profile::segment`]).
//!
//! - `topics`: topic signals, their decay and the affinities
//! - `activity`: sessions, page views, events, orders and items
//! - `assignments`: sticky assignments and per-variant outcomes
//! - `lifecycle`: the engagement score and the lifecycle segment
//! - `stored`: the stored JSON (`kizuna:profile`)
//! - `api`: what `kz.profile()` shows

mod activity;
mod api;
mod assignments;
mod lifecycle;
mod stored;
mod topics;

use crate::prelude::*;

pub use self::assignments::Assignment;
pub use self::lifecycle::Segment;
pub use self::topics::{decayed, topic_name, topics_in, topics_of, Signal, Topic};

/// Storage key of the profile.
pub const STORAGE_KEY: &str = "kizuna:profile";
/// The profile format this version reads and writes.
pub const VERSION: f64 = 1.0;
/// Topics kept (the strongest).
pub const MAX_TOPICS: usize = 20;
/// Variant outcomes kept (the most recent).
pub const MAX_OUTCOMES: usize = 100;
/// Items remembered (viewed or bought; the most recent).
pub const MAX_ITEMS: usize = 200;
/// Most a stored counter is read as: far beyond any visitor's, and room
/// for every increment and sum the engine makes in a `u32` (50 journeys'
/// counts summed stay under 2^32).
pub const MAX_COUNT: f64 = 10_000_000.0;
/// Inactivity that ends a session.
pub const SESSION_GAP_MS: f64 = 30.0 * 60_000.0;
const DAY_MS: f64 = 86_400_000.0;

/// The profile.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// The visitor id the holdout hash uses (the anonymous id when the
    /// profile was made), kept with the profile so holdouts are stable.
    pub vid: String,
    /// First activity (epoch ms).
    pub first_seen: f64,
    /// Latest activity.
    pub last_seen: f64,
    /// Sessions so far (this one included).
    pub sessions: u32,
    /// Days between the previous session's last activity and this session.
    pub gap_days: f64,
    /// Page views.
    pub page_views: u32,
    /// Events of any kind.
    pub events: u32,
    /// `Order Completed` events.
    pub orders: u32,
    /// Sum of their `revenue`.
    pub revenue: f64,
    /// The latest order (0 when none).
    pub last_order: f64,
    /// Topic weights, strongest first after each update.
    pub topics: Vec<Topic>,
    /// Sticky assignments by slot.
    pub slots: Vec<(String, Assignment)>,
    /// `(slot, variant, views, clicks)` of this visitor.
    pub outcomes: Vec<(String, String, u32, u32)>,
    /// Items viewed (`false`) or bought (`true`), the most recent last:
    /// what recommendations leave out or push down.
    pub items: Vec<(String, bool)>,
    /// When this session started (epoch ms).
    pub session_start: f64,
    /// The last `Product Added` (0: none) and the session it was in.
    pub cart_at: f64,
    /// The session of `cart_at`.
    pub cart_session: u32,
    /// What each journey was shown and dismissed ([`super::journeys`]).
    pub journeys: Vec<super::journeys::Shown>,
    /// The last audience report (epoch ms; 0: none), see [`super::insights`].
    pub last_report: f64,
}

impl Profile {
    /// A profile starting now.
    pub fn new(vid: &str, now: f64) -> Profile {
        Profile {
            vid: vid.to_string(),
            first_seen: now,
            last_seen: now,
            sessions: 1,
            gap_days: 0.0,
            page_views: 0,
            events: 0,
            orders: 0,
            revenue: 0.0,
            last_order: 0.0,
            topics: Vec::new(),
            slots: Vec::new(),
            outcomes: Vec::new(),
            items: Vec::new(),
            session_start: now,
            cart_at: 0.0,
            cart_session: 0,
            journeys: Vec::new(),
            last_report: 0.0,
        }
    }
}

#[cfg(test)]
mod tests;
