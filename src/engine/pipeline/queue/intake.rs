//! Events coming into the queue: into memory while there is room, else
//! gathered for a segment; and the bound, which refuses the new event
//! (`drop-newest`) or drops the oldest waiting ones.

use crate::prelude::*;

use super::{Handoff, Queue, Segment, RECORD_SEP, SEGMENT_BYTES};
use crate::engine::pipeline::event::Event;

impl Queue {
    /// Appends `e`. Returns the events dropped to keep the bound (oldest
    /// first, never the batch in flight).
    pub fn push(&mut self, e: Event) -> Vec<Event> {
        if self.drop_newest && (self.len() >= self.max_events || self.bytes() + e.rec.len() > self.max_bytes) {
            self.dropped += 1;
            return vec![e];
        }
        let now = e.queued;
        let room = self.segments.is_empty() && self.gathering.is_none() && self.front_bytes + e.rec.len() <= self.hot;
        if room {
            self.front_bytes += e.rec.len();
            self.front.push(e);
        } else {
            let seq = e.seq();
            let cat = e.category().code() as usize;
            let (text, seg) = self.gathering.get_or_insert_with(|| {
                (
                    String::with_capacity(SEGMENT_BYTES + 1024),
                    Segment { id: 0, counts: [0; 4], bytes: 0, seqs: (seq, seq), first_time: now, purged: 0, stored: false },
                )
            });
            if !text.is_empty() {
                text.push(RECORD_SEP);
            }
            text.push_str(&e.rec);
            seg.counts[cat] += 1;
            seg.bytes = text.len();
            seg.seqs.1 = seq;
            if text.len() >= SEGMENT_BYTES {
                self.seal();
            }
        }
        self.bound()
    }

    /// Keeps the queue within its bounds: the oldest waiting events go
    /// first.
    fn bound(&mut self) -> Vec<Event> {
        let mut gone = Vec::new();
        while self.len() > self.max_events || self.bytes() > self.max_bytes {
            let keep = self.in_flight.map_or(0, |f| f.count);
            if self.front.len() > keep {
                let e = self.front.remove(keep);
                self.front_bytes -= e.rec.len();
                self.dropped += 1;
                gone.push(e);
            } else if !self.segments.is_empty() && self.asked != Some(self.segments[0].id) {
                let seg = self.segments.remove(0);
                self.count_segments();
                self.dropped += seg.len() as u64;
                self.handoffs.push(Handoff::Forget(seg.id));
            } else {
                break;
            }
        }
        gone
    }
}
