//! The profile as `kz.profile()` shows it to the page's own code.

use crate::prelude::*;

use super::Profile;
use crate::engine::text::json::write_string;
use crate::engine::text::num::{write_fixed, write_i64};

impl Profile {
    /// What `kz.profile()` shows, as JSON: everything stored, plus the
    /// derived segment, score and affinities.
    pub fn to_api_json(&self, now: f64, half_life_days: f64) -> String {
        let mut o = String::from("{");
        for (k, v) in [
            ("firstSeen", self.first_seen),
            ("lastSeen", self.last_seen),
            ("sessions", f64::from(self.sessions)),
            ("pageViews", f64::from(self.page_views)),
            ("events", f64::from(self.events)),
            ("orders", f64::from(self.orders)),
            ("revenue", self.revenue),
        ] {
            if o.len() > 1 {
                o.push(',');
            }
            write_string(&mut o, k);
            o.push(':');
            write_fixed(&mut o, v, 6);
        }
        o.push_str(",\"lastOrder\":");
        if self.last_order > 0.0 {
            write_fixed(&mut o, self.last_order, 0);
        } else {
            o.push_str("null");
        }
        o.push_str(",\"segment\":\"");
        o.push_str(self.segment(now).name());
        o.push_str("\",\"score\":");
        write_i64(&mut o, i64::from(self.score(now)));
        o.push_str(",\"affinities\":{");
        for (i, (n, a)) in self.affinities(now, half_life_days).iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            write_string(&mut o, n);
            o.push(':');
            write_fixed(&mut o, *a, 3);
        }
        o.push_str("},\"assignments\":{");
        for (i, (s, a)) in self.slots.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            write_string(&mut o, s);
            o.push(':');
            match &a.variant {
                Some(v) => write_string(&mut o, v),
                None => o.push_str("null"),
            }
        }
        o.push_str("}}");
        o
    }
}
