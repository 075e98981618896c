//! Stage 4: the events waiting to be sent, oldest first, bounded.
//!
//! Only the front of the queue lives in the engine's memory (wasm memory
//! never shrinks, so a burst must never be held there all at once): past
//! [`HOT_BYTES`] of records, new events are gathered into *segments* the
//! edge keeps for the engine and hands back, oldest first, as the front
//! drains. The batch in flight is always a prefix of the front, so a
//! failed batch stays where it was, in order, and the queue itself never
//! sends anything twice.

use crate::prelude::*;

use super::event::Event;
use crate::engine::config::QueuePolicy;
use crate::engine::consent::Category;

/// Records kept in memory before new ones go to segments.
pub const HOT_BYTES: usize = 48 * 1024;
/// Size at which a segment is handed to the edge.
pub const SEGMENT_BYTES: usize = 32 * 1024;
/// Separates the records of a segment.
pub const RECORD_SEP: char = '\u{1d}';

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

    /// The sequence number the next event gets.
    pub fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq - 1
    }

    /// The next sequence number, without taking it.
    pub fn peek_seq(&self) -> u64 {
        self.next_seq
    }

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

    /// Hands the records gathered so far to the edge as a segment.
    pub fn seal(&mut self) {
        if let Some((text, mut seg)) = self.gathering.take() {
            seg.id = self.next_segment;
            self.next_segment += 1;
            self.handoffs.push(Handoff::Keep(seg.id, text));
            self.segments.push(seg);
        }
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
                self.dropped += seg.len() as u64;
                self.handoffs.push(Handoff::Forget(seg.id));
            } else {
                break;
            }
        }
        gone
    }

    /// What the queue asks of the edge now (segments to keep, return or
    /// forget), in order.
    pub fn handoffs(&mut self) -> Vec<Handoff> {
        core::mem::take(&mut self.handoffs)
    }

    /// Asks for the oldest segment back when the front runs low (or a flush
    /// or an unload wants it now: `urgent`); gathered records move to the
    /// front directly.
    pub fn refill(&mut self, urgent: bool) {
        let waiting = self.front_bytes - self.front.iter().take(self.in_flight.map_or(0, |f| f.count)).map(|e| e.rec.len()).sum::<usize>();
        if !urgent && waiting > self.hot / 2 {
            return;
        }
        if let Some(seg) = self.segments.first() {
            if self.asked.is_none() {
                self.asked = Some(seg.id);
                self.handoffs.push(Handoff::Return(seg.id));
            }
        } else if let Some((text, seg)) = self.gathering.take() {
            self.take_back(&text, seg.first_time, seg.purged);
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
        self.take_back(text, seg.first_time, seg.purged)
    }

    fn take_back(&mut self, text: &str, time: f64, purged: u8) -> Vec<Event> {
        let mut gone = Vec::new();
        for rec in crate::engine::text::fields(text, RECORD_SEP as u8) {
            let Some(e) = Event::from_record(rec, time) else { continue };
            if purged & (1 << e.category().code()) != 0 {
                gone.push(e);
                continue;
            }
            self.front_bytes += e.rec.len();
            self.front.push(e);
        }
        gone
    }

    /// Events queued, in memory or kept by the edge (in flight included).
    pub fn len(&self) -> usize {
        self.front.len() + self.gathering.as_ref().map_or(0, |g| g.1.len()) + self.segments.iter().map(Segment::len).sum::<usize>()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Record bytes queued, in memory or kept by the edge.
    pub fn bytes(&self) -> usize {
        self.front_bytes + self.gathering.as_ref().map_or(0, |g| g.1.bytes) + self.segments.iter().map(|s| s.bytes).sum::<usize>()
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

    /// Marks segment `id` as kept in storage too, or not; whether it is
    /// still out with the edge.
    pub fn set_stored(&mut self, id: u32, stored: bool) -> bool {
        self.segments.iter_mut().find(|s| s.id == id).map(|s| s.stored = stored).is_some()
    }

    /// The segments out with the edge, oldest first.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Empties the queue (another tab took over what was stored of it);
    /// returns the events that were in memory.
    pub fn clear(&mut self) -> Vec<Event> {
        for s in core::mem::take(&mut self.segments) {
            self.handoffs.push(Handoff::Forget(s.id));
        }
        self.gathering = None;
        self.asked = None;
        self.in_flight = None;
        self.front_bytes = 0;
        core::mem::take(&mut self.front)
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
        for s in empty {
            self.handoffs.push(Handoff::Forget(s.id));
        }
        gone
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::consent::{Categories, Choice};
    use crate::engine::pipeline::event::{Kind, Parts};

    fn ev(q: &mut Queue, cat: Category, pad: usize) -> Event {
        let props = ["{\"p\":\"", &"x".repeat(pad), "\"}"].concat();
        let p = Parts {
            kind: Kind::Track,
            category: cat,
            stamp: Categories::all(Choice::Granted),
            time: 1.0,
            page: 1,
            message_id: "m",
            anonymous_id: "a",
            user_id: "",
            name: "\"E\"",
            session: "",
            props: &props,
        };
        Event::new(q.next_seq(), &p, 100, 1.0)
    }

    fn bounds() -> QueuePolicy {
        QueuePolicy { max_events: MAX_EVENTS, ..QueuePolicy::default() }
    }

    const MAX_EVENTS: usize = 20_000;

    #[test]
    fn a_burst_goes_to_segments_and_comes_back_in_order() {
        let mut q = Queue::new(0, &QueuePolicy::default());
        for _ in 0..1000 {
            let e = ev(&mut q, Category::Analytics, 200);
            q.push(e);
        }
        q.seal();
        assert_eq!(q.len(), 1000);
        assert!(q.front_bytes <= HOT_BYTES);
        assert_eq!(q.hot, HOT_BYTES);
        let kept: Vec<(u32, String)> =
            q.handoffs().into_iter().filter_map(|h| if let Handoff::Keep(id, t) = h { Some((id, t)) } else { None }).collect();
        assert!(kept.len() >= 3 && kept.iter().all(|(_, t)| t.len() < SEGMENT_BYTES + 300));
        let mut seqs: Vec<u64> = q.front().iter().map(Event::seq).collect();
        // Drain the front, then ask for the segments back one by one.
        let n = q.front().len();
        let f = q.send(n, true);
        assert_eq!(q.remove_batch(f.id).len(), n);
        for (id, text) in &kept {
            q.refill(false);
            assert_eq!(q.handoffs(), vec![Handoff::Return(*id)]);
            q.returned(*id, text);
            let n = q.front().len();
            seqs.extend(q.front().iter().map(Event::seq));
            let f = q.send(n, true);
            q.remove_batch(f.id);
        }
        assert_eq!(seqs, (0..1000).collect::<Vec<u64>>(), "every event once, in order");
        assert!(q.is_empty());
    }

    #[test]
    fn the_bound_drops_the_oldest_waiting_never_in_flight() {
        let mut q = Queue::new(0, &bounds());
        for _ in 0..10 {
            let e = ev(&mut q, Category::Analytics, 10);
            q.push(e);
        }
        q.send(2, true);
        for _ in 0..MAX_EVENTS {
            let e = ev(&mut q, Category::Analytics, 10);
            q.push(e);
        }
        assert_eq!(q.len(), MAX_EVENTS);
        assert_eq!(q.dropped, 10);
        let seqs: Vec<u64> = q.front().iter().take(3).map(Event::seq).collect();
        assert_eq!(seqs, [0, 1, 12], "the batch in flight stays; the oldest waiting went");
        // With nothing waiting in memory, whole segments go.
        let n = q.front().len();
        let f = q.send(n, true);
        for _ in 0..5000 {
            let e = ev(&mut q, Category::Analytics, 10);
            q.push(e);
        }
        assert!(q.len() <= MAX_EVENTS);
        assert!(q.handoffs().iter().any(|h| matches!(h, Handoff::Forget(_))));
        assert_eq!(q.batch(f.id).map(<[Event]>::len), Some(n));
    }

    #[test]
    fn a_failed_batch_stays_in_order_and_waits() {
        let mut q = Queue::new(0, &bounds());
        for _ in 0..3 {
            let e = ev(&mut q, Category::Analytics, 1);
            q.push(e);
        }
        let f = q.send(2, true);
        q.return_batch(f.id, 5000.0);
        assert_eq!(q.retry_at, 5000.0);
        assert!(q.in_flight().is_none());
        assert_eq!(q.front().iter().map(Event::seq).collect::<Vec<_>>(), [0, 1, 2]);
        let taken = q.take_for_unload(false);
        assert_eq!(taken.len(), 3, "a failed batch is not known to have arrived: it rides the beacons too");
        q.restore(taken);
        assert_eq!(q.len(), 3);
        assert!(q.remove_batch(999).is_empty(), "an unknown batch changes nothing");
    }

    #[test]
    fn purge_spares_the_batch_in_flight_and_reaches_segments() {
        let mut q = Queue::new(0, &bounds());
        for i in 0..600 {
            let e = ev(&mut q, if i % 2 == 0 { Category::Analytics } else { Category::Marketing }, 200);
            q.push(e);
        }
        q.seal();
        q.send(1, true);
        let before = q.len();
        let gone = q.purge(Category::Marketing);
        assert!(gone.iter().all(|e| e.category() == Category::Marketing));
        assert_eq!(q.len(), before - 300, "every marketing event is gone, the one in flight was analytics");
        let kept: Vec<(u32, String)> =
            q.handoffs().into_iter().filter_map(|h| if let Handoff::Keep(id, t) = h { Some((id, t)) } else { None }).collect();
        let (id, text) = &kept[0];
        let dropped = q.returned(*id, text);
        assert!(!dropped.is_empty() && dropped.iter().all(|e| e.category() == Category::Marketing));
        assert!(q.waiting().iter().all(|e| e.category() == Category::Analytics));
    }
}
