//! Counts the wasm memory the tracking engine grows, on the host: the
//! engine runs on the wasm build's own allocator (`src/heap.rs`) over an
//! arena that stands in for wasm memory, so the pages it takes are the
//! pages `memory.grow` would take (the module's data and its 64 KiB stack
//! come on top). The scenario is the peer harness's: 10,000 `track` calls
//! in crossings of 100 (the driver's chunk), every batch answered, and
//! optionally a `flush()` right after the burst.
//! `cargo run --release --example memory --features std,tracker [-- flush]`
use std::alloc::{GlobalAlloc, Layout};
use std::cell::UnsafeCell;

use kizuna::engine::edge;
use kizuna::engine::io::Out;
use kizuna::heap::{Grow, Heap, PAGE};

mod scenario;

/// Room for 4,096 pages of 64 KiB (256 MiB, untouched until used).
const PAGES: usize = 4096;
static mut ARENA: [u8; (PAGES + 1) * PAGE] = [0; (PAGES + 1) * PAGE];

struct Arena {
    used: usize,
}

impl Grow for Arena {
    fn grow(&mut self, pages: usize) -> Option<usize> {
        let base = core::ptr::addr_of_mut!(ARENA) as usize;
        let start = base.next_multiple_of(PAGE) + self.used;
        if self.used + pages * PAGE > PAGES * PAGE {
            return None;
        }
        self.used += pages * PAGE;
        Some(start)
    }
}

/// The engine's heap, and whether the engine is running: what it allocates
/// comes from the arena, what the example (the edge's part) allocates from
/// the system, and a block goes back to where its address says it came from.
struct Global(UnsafeCell<Heap<Arena>>, UnsafeCell<bool>);

// The example has one thread, as the wasm build does.
unsafe impl Sync for Global {}

fn in_arena(ptr: *mut u8) -> bool {
    let base = core::ptr::addr_of_mut!(ARENA) as usize;
    (base..base + (PAGES + 1) * PAGE).contains(&(ptr as usize))
}

unsafe impl GlobalAlloc for Global {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if *self.1.get() {
            (*self.0.get()).alloc(layout)
        } else {
            std::alloc::System.alloc(layout)
        }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if in_arena(ptr) {
            (*self.0.get()).dealloc(ptr, layout)
        } else {
            std::alloc::System.dealloc(ptr, layout)
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if in_arena(ptr) {
            (*self.0.get()).realloc(ptr, layout, new_size)
        } else {
            std::alloc::System.realloc(ptr, layout, new_size)
        }
    }
}

/// Runs `f` as the engine: its allocations come from the arena.
fn engine<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: one thread.
    unsafe { *HEAP.1.get() = true };
    let r = f();
    unsafe { *HEAP.1.get() = false };
    r
}

/// One crossing: the engine's answer, copied out and freed as the glue
/// does.
fn run(t: &mut kizuna::engine::tracker::Tracker, input: &[u8]) -> Vec<u8> {
    let out = engine(|| edge::run(t, input));
    let copy = out.to_vec();
    drop(out);
    copy
}

#[global_allocator]
static HEAP: Global = Global(UnsafeCell::new(Heap::new(Arena { used: 0 })), UnsafeCell::new(false));

fn pages() -> usize {
    // SAFETY: one thread; read between allocations.
    unsafe { (*HEAP.0.get()).source().used / PAGE }
}

fn main() {
    let flush = std::env::args().any(|a| a == "flush");
    let start = scenario::start_input();
    let base = pages();
    let mut t = engine(|| edge::start(&start).unwrap());
    drop(engine(|| edge::actions(&mut t)));
    let ready = pages();
    let mut e = scenario::Edge::default();
    let mut follow = Vec::new();
    for chunk in 0..100 {
        let mut input = std::mem::take(&mut follow);
        input.extend(scenario::tracks(chunk * 100, (chunk + 1) * 100));
        follow = e.act(&run(&mut t, &input));
    }
    if flush {
        let mut w = Out::default();
        w.begin(b'f').num(1.0).end();
        follow.extend(w.take());
    }
    e.settle(|b| run(&mut t, b), follow);
    let burst = pages();
    let mut answered = 0;
    while !e.posts.is_empty() {
        let id = e.posts.remove(0);
        let mut w = Out::default();
        w.begin(b'n').num(1_795_363_980_003.0 + f64::from(answered)).end();
        w.begin(b'a').num(f64::from(id)).num(200.0).field("").end();
        answered += 1;
        e.settle(|b| run(&mut t, b), w.take());
        // The timer the engine asked for (the flush interval).
        let mut w = Out::default();
        w.begin(b'n').num(1_795_363_990_000.0 + f64::from(answered) * 2000.0).end();
        w.begin(b'w').end();
        e.settle(|b| run(&mut t, b), w.take());
    }
    let kib = |p: usize| p * PAGE / 1024;
    println!(
        "wasm memory the engine grew (KiB): {} at ready, {} after the burst{}, {} once {} batches were delivered",
        kib(ready - base),
        kib(burst - base),
        if flush { " and flush()" } else { "" },
        kib(pages() - base),
        answered
    );
}
