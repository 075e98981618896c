//! Unit tests of the queue: bursts through segments in order, the bound,
//! failed batches, purges.

use super::*;
use crate::engine::consent::Category;
use crate::engine::consent::{Categories, Choice};
use crate::engine::pipeline::event::{estimated_size, Kind, Parts};
use crate::engine::pipeline::transport::BEACON_MAX_BYTES;

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

/// A queue with `n` analytics events of ~230 bytes pushed, what is
/// gathering sealed.
fn burst(n: usize) -> Queue {
    let mut q = Queue::new(0, &QueuePolicy::default());
    for _ in 0..n {
        let e = ev(&mut q, Category::Analytics, 200);
        q.push(e);
    }
    q.seal();
    q
}

/// The segments the queue handed over since it was last asked.
fn handed_over(q: &mut Queue) -> Vec<(u32, String)> {
    q.handoffs().into_iter().filter_map(|h| if let Handoff::Keep(id, t) = h { Some((id, t)) } else { None }).collect()
}

#[test]
fn a_burst_goes_to_segments_and_comes_back_in_order() {
    let mut q = burst(1000);
    assert_eq!(q.len(), 1000);
    assert!(q.front_bytes <= HOT_BYTES);
    assert_eq!(q.hot, HOT_BYTES);
    let kept = handed_over(&mut q);
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
fn a_segment_given_back_as_it_went_is_split_not_read_and_another_text_is_read_again() {
    let mut q = burst(400);
    let kept = handed_over(&mut q);
    let ((a, same), (b, other)) = (&kept[0], &kept[1]);
    let f = q.send(q.front().len(), true);
    q.remove_batch(f.id);
    q.returned(*a, same);
    let back: Vec<&str> = q.front().iter().map(|e| e.rec.as_str()).collect();
    assert_eq!(back.join("\u{1d}"), *same, "every record, in order");
    assert!(q.front().iter().all(|e| e.size == estimated_size(e.rec.len())), "sized without reading them");
    let f = q.send(q.front().len(), true);
    q.remove_batch(f.id);
    // Not the text handed over: every record is read again, and what is
    // not one (the last, cut in its first fields) is left out.
    let cut = &other[..other.rfind(RECORD_SEP).unwrap() + 4];
    q.returned(*b, cut);
    assert_eq!(q.front().len(), other.matches(RECORD_SEP).count(), "all but the cut one");
    assert!(q.front().iter().all(|e| Some(e.clone()) == Event::from_record(&e.rec, e.queued)));
}

#[test]
fn a_flush_takes_back_what_the_next_batches_need_not_the_whole_burst() {
    let mut q = burst(2000);
    let mut kept = handed_over(&mut q);
    assert!(kept.len() > 10);
    // What the pump does while a flush waits: ask, take back, send a batch.
    let (mut sent, mut most) = (0, 0);
    while !q.is_empty() {
        q.refill(true);
        for h in q.handoffs() {
            if let Handoff::Return(id) = h {
                let i = kept.iter().position(|(k, _)| *k == id).unwrap();
                let (id, text) = kept.remove(i);
                q.returned(id, &text);
            }
        }
        most = most.max(q.front_bytes);
        let n = q.waiting().len().min(100);
        let f = q.send(n, true);
        sent += q.remove_batch(f.id).len();
    }
    assert_eq!(sent, 2000);
    assert!(most <= BEACON_MAX_BYTES + SEGMENT_BYTES + 1024, "{most} bytes in memory at most");
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
    let kept = handed_over(&mut q);
    let (id, text) = &kept[0];
    let dropped = q.returned(*id, text);
    assert!(!dropped.is_empty() && dropped.iter().all(|e| e.category() == Category::Marketing));
    assert!(q.waiting().iter().all(|e| e.category() == Category::Analytics));
}
