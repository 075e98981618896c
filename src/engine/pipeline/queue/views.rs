//! What is queued, read without changing anything: counts and bytes, the
//! waiting events, the oldest one, and whether older ones remain.

use super::{InFlight, Queue, Segment};
use crate::engine::pipeline::event::Event;

impl Queue {
    /// Events queued, in memory or kept by the edge (in flight included).
    pub fn len(&self) -> usize {
        debug_assert_eq!(self.in_segments.0, self.segments.iter().map(Segment::len).sum::<usize>());
        self.front.len() + self.gathering.as_ref().map_or(0, |g| g.1.len()) + self.in_segments.0
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Record bytes queued, in memory or kept by the edge.
    pub fn bytes(&self) -> usize {
        debug_assert_eq!(self.in_segments.1, self.segments.iter().map(|s| s.bytes).sum::<usize>());
        self.front_bytes + self.gathering.as_ref().map_or(0, |g| g.1.bytes) + self.in_segments.1
    }

    /// The events in memory, oldest first (the batch in flight first).
    pub fn front(&self) -> &[Event] {
        &self.front
    }

    /// Whether a segment was asked back and has not come yet.
    pub fn awaiting(&self) -> bool {
        self.asked.is_some()
    }

    /// Record bytes of the waiting events in memory.
    pub fn waiting_bytes(&self) -> usize {
        self.waiting().iter().map(|e| e.rec.len()).sum()
    }

    /// Whether segments are out with the edge (or being gathered).
    pub fn has_segments(&self) -> bool {
        !self.segments.is_empty() || self.gathering.is_some()
    }

    /// The batch in flight.
    pub fn in_flight(&self) -> Option<InFlight> {
        self.in_flight
    }

    /// Events waiting (not in flight), in memory.
    pub fn waiting(&self) -> &[Event] {
        self.front.get(self.in_flight.map_or(0, |f| f.count)..).unwrap_or(&[])
    }

    /// When the oldest waiting event was queued.
    pub fn oldest_waiting(&self) -> Option<f64> {
        let skip = self.in_flight.map_or(0, |f| f.count);
        self.front
            .get(skip)
            .map(|e| e.queued)
            .or_else(|| self.segments.first().map(|s| s.first_time))
            .or_else(|| self.gathering.as_ref().map(|g| g.1.first_time))
    }

    /// Whether any event with a sequence number below `seq` is still queued
    /// (waiting only, or in flight too).
    pub fn has_before(&self, seq: u64, in_flight_too: bool) -> bool {
        let skip = if in_flight_too { 0 } else { self.in_flight.map_or(0, |f| f.count) };
        self.front.iter().skip(skip).any(|e| e.seq() < seq)
            || self.segments.iter().any(|s| !s.is_empty() && s.seqs.0 < seq)
            || self.gathering.as_ref().is_some_and(|g| g.1.seqs.0 < seq)
    }
}
