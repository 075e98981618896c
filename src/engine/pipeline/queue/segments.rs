//! The queue's overflow kept by the edge: segments sealed and handed over,
//! asked back when the front runs low, and read back into memory.

use crate::prelude::*;

use super::{Queue, RECORD_SEP};
use crate::engine::pipeline::event::{estimated_size, Event};
use crate::engine::pipeline::transport::BEACON_MAX_BYTES;

/// A segment the edge keeps.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// Its id.
    pub id: u32,
    /// Events in it, by category code (what a withdrawal took out no
    /// longer counts; it is dropped when the segment comes back).
    pub counts: [u32; 4],
    /// Its bytes.
    pub bytes: usize,
    /// Its first and last sequence numbers.
    pub seqs: (u64, u64),
    /// When its oldest event was queued (epoch ms).
    pub first_time: f64,
    /// Categories purged since it left (bit per code).
    pub purged: u8,
    /// The edge keeps a copy in storage too.
    pub stored: bool,
}

impl Segment {
    /// Events in it.
    pub fn len(&self) -> usize {
        self.counts.iter().sum::<u32>() as usize
    }

    /// Whether it holds no event.
    pub fn is_empty(&self) -> bool {
        self.counts.iter().all(|&c| c == 0)
    }
}

/// What the queue asks of the edge.
#[derive(Clone, Debug, PartialEq)]
pub enum Handoff {
    /// Keep this segment (its id, its records).
    Keep(u32, String),
    /// Give segment `id` back.
    Return(u32),
    /// Forget segment `id` (dropped for the bound, or all of it purged).
    Forget(u32),
}

impl Queue {
    /// Hands the records gathered so far to the edge as a segment.
    pub fn seal(&mut self) {
        if let Some((text, mut seg)) = self.gathering.take() {
            seg.id = self.next_segment;
            self.next_segment += 1;
            self.handoffs.push(Handoff::Keep(seg.id, text));
            self.segments.push(seg);
            self.count_segments();
        }
    }

    /// What the queue asks of the edge now (segments to keep, return or
    /// forget), in order.
    pub fn handoffs(&mut self) -> Vec<Handoff> {
        core::mem::take(&mut self.handoffs)
    }

    /// Asks for the oldest segment back when the front runs low, or, when a
    /// flush or an unload wants more now (`urgent`), until what waits in
    /// memory fills the unload's beacons; gathered records move to the front
    /// directly. Never the whole queue at once: a flush after a burst of
    /// 10,000 events took every segment back, and wasm memory, which never
    /// shrinks, held the burst (and its stored copy was written whole, 2 MB
    /// each time).
    pub fn refill(&mut self, urgent: bool) {
        let waiting = self.front_bytes - self.front.iter().take(self.in_flight.map_or(0, |f| f.count)).map(|e| e.rec.len()).sum::<usize>();
        if waiting > if urgent { self.hot.max(BEACON_MAX_BYTES) } else { self.hot / 2 } {
            return;
        }
        if let Some(seg) = self.segments.first() {
            if self.asked.is_none() {
                self.asked = Some(seg.id);
                self.handoffs.push(Handoff::Return(seg.id));
            }
        } else if let Some((text, seg)) = self.gathering.take() {
            self.take_back(&text, &seg);
        }
    }

    /// The edge returned segment `id`. Events of categories purged since it
    /// left are dropped now; returns them (so their pages can be released).
    pub fn returned(&mut self, id: u32, text: &str) -> Vec<Event> {
        let Some(i) = self.segments.iter().position(|s| s.id == id) else { return Vec::new() };
        if self.asked == Some(id) {
            self.asked = None;
        }
        let seg = self.segments.remove(i);
        self.count_segments();
        self.take_back(text, &seg)
    }

    fn take_back(&mut self, text: &str, seg: &Segment) -> Vec<Event> {
        let mut gone = Vec::new();
        // The text handed over comes back as it went: its records are the
        // engine's own, split, not read and sized again. Anything else is
        // read record by record.
        let same = text.len() == seg.bytes;
        for rec in crate::engine::text::fields(text, RECORD_SEP as u8) {
            let e = if same {
                Event { rec: rec.into(), size: estimated_size(rec.len()), queued: seg.first_time }
            } else {
                match Event::from_record(rec, seg.first_time) {
                    Some(e) => e,
                    None => continue,
                }
            };
            if seg.purged & (1 << e.category().code()) != 0 {
                gone.push(e);
                continue;
            }
            self.front_bytes += e.rec.len();
            self.front.push(e);
        }
        gone
    }

    /// Marks segment `id` as kept in storage too, or not; whether it is
    /// still out with the edge.
    pub fn set_stored(&mut self, id: u32, stored: bool) -> bool {
        self.segments.iter_mut().find(|s| s.id == id).map(|s| s.stored = stored).is_some()
    }

    /// The segments out with the edge, oldest first.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }
}
