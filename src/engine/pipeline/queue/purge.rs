//! Removing events before they are sent: every one of a category whose
//! consent was withdrawn, or all of them when another tab takes over.

use crate::prelude::*;

use super::{Handoff, Queue, Segment};
use crate::engine::consent::Category;
use crate::engine::pipeline::event::Event;

impl Queue {
    /// Empties the queue (another tab took over what was stored of it);
    /// returns the events that were in memory.
    pub fn clear(&mut self) -> Vec<Event> {
        for s in core::mem::take(&mut self.segments) {
            self.handoffs.push(Handoff::Forget(s.id));
        }
        self.in_segments = (0, 0);
        self.gathering = None;
        self.asked = None;
        self.in_flight = None;
        self.front_bytes = 0;
        core::mem::take(&mut self.front)
    }

    /// Removes every waiting event of `category` (not the batch in flight);
    /// returns those in memory. Segments out with the edge drop theirs when
    /// they come back.
    pub fn purge(&mut self, category: Category) -> Vec<Event> {
        let keep = self.in_flight.map_or(0, |f| f.count);
        let mut gone = Vec::new();
        let mut kept = Vec::new();
        for (i, e) in core::mem::take(&mut self.front).into_iter().enumerate() {
            if i >= keep && e.category() == category {
                self.front_bytes -= e.rec.len();
                gone.push(e);
            } else {
                kept.push(e);
            }
        }
        self.front = kept;
        let code = category.code();
        for seg in self.segments.iter_mut().chain(self.gathering.as_mut().map(|g| &mut g.1)) {
            seg.counts[code as usize] = 0;
            seg.purged |= 1 << code;
        }
        // A segment left with nothing worth sending is forgotten at once.
        let (empty, kept): (Vec<Segment>, Vec<Segment>) =
            core::mem::take(&mut self.segments).into_iter().partition(|s| s.is_empty() && self.asked != Some(s.id));
        self.segments = kept;
        self.count_segments();
        for s in empty {
            self.handoffs.push(Handoff::Forget(s.id));
        }
        gone
    }
}
