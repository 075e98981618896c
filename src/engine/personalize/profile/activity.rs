//! What the visitor does: activity that starts sessions, page views,
//! events (orders, cart additions, their topics) and the items seen.

use crate::prelude::*;

use super::{topics_in, Profile, Signal, DAY_MS, MAX_ITEMS, SESSION_GAP_MS};
use crate::engine::text::json;

impl Profile {
    /// Notes that the visitor viewed (`bought: false`) or bought item `id`;
    /// a purchase stays a purchase.
    pub fn item(&mut self, id: &str, bought: bool) {
        if id.is_empty() || id.len() > 128 {
            return;
        }
        let was = match self.items.iter().position(|(i, _)| i == id) {
            Some(at) => self.items.remove(at).1,
            None => false,
        };
        if self.items.len() >= MAX_ITEMS {
            self.items.remove(0);
        }
        self.items.push((id.to_string(), was || bought));
    }

    /// Whether item `id` was viewed, and whether it was bought.
    pub fn seen(&self, id: &str) -> (bool, bool) {
        self.items.iter().find(|(i, _)| i == id).map_or((false, false), |(_, b)| (true, *b))
    }

    /// Notes activity at `now`: a gap of 30 minutes starts a new session.
    pub fn touch(&mut self, now: f64) {
        if now - self.last_seen > SESSION_GAP_MS {
            self.sessions += 1;
            self.gap_days = (now - self.last_seen) / DAY_MS;
            self.session_start = now;
        }
        self.last_seen = self.last_seen.max(now);
    }

    /// A page view at `now` of a page about `topics`.
    pub fn page_view(&mut self, topics: &[String], now: f64, half_life_days: f64) {
        self.touch(now);
        self.page_views += 1;
        self.add_topics(topics, Signal::PageView, now, half_life_days);
    }

    /// An event at `now`: counts it, takes the topics of its `category` and
    /// `tags` (JSON values, empty when absent), and for `Order Completed`
    /// the order and its `revenue`.
    pub fn event(&mut self, name: &str, category: &str, tags: &str, revenue: &str, now: f64, half_life_days: f64) {
        self.touch(now);
        self.events += 1;
        if name == "Product Added" {
            self.cart_at = now;
            self.cart_session = self.sessions;
        }
        if name == "Order Completed" {
            self.orders += 1;
            self.last_order = now;
            if let Some(r) = json::number(revenue).filter(|r| r.is_finite() && *r > 0.0) {
                self.revenue += r;
            }
        }
        let mut topics = topics_in(category);
        topics.extend(topics_in(tags));
        self.add_topics(&topics, Signal::Event, now, half_life_days);
    }
}
