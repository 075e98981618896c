//! Stage 4: the events waiting to be sent, oldest first, bounded.
//!
//! Only the front of the queue lives in the engine's memory (wasm memory
//! never shrinks, so a burst must never be held there all at once): past
//! [`HOT_BYTES`] of records, new events are gathered into *segments* the
//! edge keeps for the engine and hands back, oldest first, as the front
//! drains. The batch in flight is always a prefix of the front, so a
//! failed batch stays where it was, in order, and the queue itself never
//! sends anything twice.
//!
//! - here: the [`Queue`], its bounds and sequence numbers
//! - `intake`: events coming in, and the bound
//! - `segments`: segments handed to the edge and asked back
//! - `flight`: the batch in flight, its answer, the unload's take
//! - `purge`: events removed for a withdrawal or another tab's takeover
//! - `views`: what is queued, read without changing it

mod flight;
mod intake;
mod purge;
mod segments;
mod views;

use crate::prelude::*;

use super::event::Event;
use crate::engine::config::QueuePolicy;

pub use self::flight::InFlight;
pub use self::segments::{Handoff, Segment};

/// Records kept in memory before new ones go to segments.
pub const HOT_BYTES: usize = 48 * 1024;
/// Size at which a segment is handed to the edge.
pub const SEGMENT_BYTES: usize = 32 * 1024;
/// Separates the records of a segment.
pub const RECORD_SEP: char = '\u{1d}';

/// The queue.
#[derive(Debug, Default)]
pub struct Queue {
    /// Record bytes kept in memory before segments (at least a full batch).
    hot: usize,
    front: Vec<Event>,
    front_bytes: usize,
    in_flight: Option<InFlight>,
    /// Records gathered for the next segment, and what they hold.
    gathering: Option<(String, Segment)>,
    segments: Vec<Segment>,
    /// Events and bytes in `segments`, summed when they change (every push
    /// reads them; summing there cost a pass over every segment).
    in_segments: (usize, usize),
    /// A segment asked back and not returned yet.
    asked: Option<u32>,
    handoffs: Vec<Handoff>,
    next_seq: u64,
    next_segment: u32,
    next_batch: u32,
    /// No retry before this time (epoch ms) after a failure.
    pub retry_at: f64,
    /// Events dropped to keep the bound.
    pub dropped: u64,
    max_events: usize,
    max_bytes: usize,
    drop_newest: bool,
}

impl Queue {
    /// An empty queue that keeps at least [`HOT_BYTES`] in memory, or
    /// `batch_bytes` when a batch may be larger, and holds at most what
    /// `bounds` says.
    pub fn new(batch_bytes: usize, bounds: &QueuePolicy) -> Queue {
        Queue {
            hot: HOT_BYTES.max(batch_bytes),
            max_events: bounds.max_events,
            max_bytes: bounds.max_bytes,
            drop_newest: bounds.drop_newest,
            ..Queue::default()
        }
    }

    /// Sums `in_segments` again: after every change to `segments`.
    fn count_segments(&mut self) {
        self.in_segments = self.segments.iter().fold((0, 0), |(n, b), s| (n + s.len(), b + s.bytes));
    }

    /// The sequence number the next event gets.
    pub fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq - 1
    }

    /// The next sequence number, without taking it.
    pub fn peek_seq(&self) -> u64 {
        self.next_seq
    }
}

#[cfg(test)]
mod tests;
