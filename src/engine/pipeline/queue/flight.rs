//! The batch in flight: always a prefix of the front, so it leaves the
//! queue when the collector takes it and stays in order when it fails;
//! and what an unload takes and puts back.

use crate::prelude::*;

use super::Queue;
use crate::engine::pipeline::event::Event;

/// The batch in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InFlight {
    /// Identifies it when its answer comes.
    pub id: u32,
    /// How many front events it holds.
    pub count: usize,
    /// It went as a keepalive request.
    pub keepalive: bool,
}

impl Queue {
    /// Marks the first `count` events in flight, as batch `id`.
    pub fn send(&mut self, count: usize, keepalive: bool) -> InFlight {
        let f = InFlight { id: self.next_batch, count: count.min(self.front.len()), keepalive };
        self.next_batch += 1;
        self.in_flight = Some(f);
        f
    }

    /// The events of batch `id`, if it is the one in flight.
    pub fn batch(&self, id: u32) -> Option<&[Event]> {
        match self.in_flight {
            Some(f) if f.id == id => self.front.get(..f.count),
            _ => None,
        }
    }

    /// The collector took batch `id` (or refused it for good): its events
    /// leave the queue, and are returned.
    pub fn remove_batch(&mut self, id: u32) -> Vec<Event> {
        match self.in_flight {
            Some(f) if f.id == id => {
                self.in_flight = None;
                self.retry_at = 0.0;
                let rest = self.front.split_off(f.count.min(self.front.len()));
                let gone = core::mem::replace(&mut self.front, rest);
                self.front_bytes -= gone.iter().map(|e| e.rec.len()).sum::<usize>();
                gone
            }
            _ => Vec::new(),
        }
    }

    /// Batch `id` failed in a way worth retrying: its events stay in front,
    /// in order, and nothing goes before `retry_at`.
    pub fn return_batch(&mut self, id: u32, retry_at: f64) {
        if self.in_flight.is_some_and(|f| f.id == id) {
            self.in_flight = None;
            self.retry_at = retry_at;
        }
    }

    /// Takes every waiting event in memory for the unload beacons (a batch
    /// that failed without an answer too: it is not known to have
    /// arrived); with `in_flight`, the batch in flight as well (it would be
    /// cancelled by the unload), which then no longer is.
    pub fn take_for_unload(&mut self, in_flight: bool) -> Vec<Event> {
        let keep = if in_flight {
            self.in_flight = None;
            0
        } else {
            self.in_flight.map_or(0, |f| f.count).min(self.front.len())
        };
        let taken = self.front.split_off(keep);
        self.front_bytes -= taken.iter().map(|e| e.rec.len()).sum::<usize>();
        taken
    }

    /// Puts back, at the front of the waiting events, what an unload could
    /// not send.
    pub fn restore(&mut self, events: Vec<Event>) {
        let at = self.in_flight.map_or(0, |f| f.count).min(self.front.len());
        let rest = self.front.split_off(at);
        for e in events {
            self.front_bytes += e.rec.len();
            self.front.push(e);
        }
        self.front.extend(rest);
    }
}
