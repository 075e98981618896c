//! A small memory allocator for the wasm build.
//!
//! Hand-written because the size budget demands it: the standard allocator
//! (dlmalloc) is ~8 KB of wasm, this one under 1 KB. It suits Kizuna's use:
//! one thread, many short-lived small strings, a few batch bodies of up to
//! ~64 KB.
//!
//! Design: segregated free lists of power-of-two size classes (16 B … 64 KiB).
//! A freed block goes on its class's list and is reused by the next
//! allocation of that class; `realloc` within a class is free, which makes a
//! growing `String` cheap. New blocks are carved from a bump region that
//! grows the wasm memory as needed. Larger blocks (rare: oversized bodies)
//! are whole 64 KiB pages kept on one first-fit list in address order,
//! where free neighbours merge again. Memory is never returned to the
//! browser (wasm cannot shrink memory anyway); the worst case is twice the
//! live bytes per class.

use core::alloc::Layout;
use core::ptr::null_mut;

/// Smallest block: room for the free-list link and typical small strings.
const MIN_SHIFT: usize = 4;
/// Largest class: 64 KiB; bigger requests take whole pages.
const MAX_SHIFT: usize = 16;
const CLASSES: usize = MAX_SHIFT - MIN_SHIFT + 1;
/// A wasm page.
pub const PAGE: usize = 65_536;

/// Where new memory comes from: the wasm `memory.grow` in the browser, an
/// arena in host tests.
pub trait Grow {
    /// Adds `pages` pages of 64 KiB; returns the address of the first new
    /// byte, or `None` when the memory cannot grow.
    fn grow(&mut self, pages: usize) -> Option<usize>;
}

/// A free block of the large list: its size in bytes and the next block.
struct Large {
    size: usize,
    next: *mut Large,
}

/// The allocator state.
pub struct Heap<G: Grow> {
    grow: G,
    free: [*mut u8; CLASSES],
    large: *mut Large,
    bump: usize,
    end: usize,
}

impl<G: Grow> Heap<G> {
    /// An empty heap over `grow`.
    pub const fn new(grow: G) -> Heap<G> {
        Heap { grow, free: [null_mut(); CLASSES], large: null_mut(), bump: 0, end: 0 }
    }

    /// Where its memory comes from (`examples/memory.rs` reads how much
    /// it gave).
    pub fn source(&self) -> &G {
        &self.grow
    }

    /// The size class of a layout, or `None` for a large block.
    fn class(layout: Layout) -> Option<usize> {
        let size = layout.size().max(layout.align()).max(1 << MIN_SHIFT);
        let shift = usize::BITS as usize - (size - 1).leading_zeros() as usize;
        (shift <= MAX_SHIFT).then(|| shift - MIN_SHIFT)
    }

    /// Allocates a block for `layout`; null when out of memory.
    ///
    /// # Safety
    /// The caller must give the block back with the same layout.
    pub unsafe fn alloc(&mut self, layout: Layout) -> *mut u8 {
        match Self::class(layout) {
            Some(c) => {
                let head = self.free[c];
                if !head.is_null() {
                    self.free[c] = *(head as *mut *mut u8);
                    return head;
                }
                self.carve(1 << (c + MIN_SHIFT))
            }
            None => self.alloc_large(layout.size()),
        }
    }

    /// Takes a block of `size` (a power of two) from the bump region,
    /// aligned to its own size up to 4 KiB (any Rust layout needs less).
    unsafe fn carve(&mut self, size: usize) -> *mut u8 {
        let align = size.min(4096);
        let mut start = (self.bump + align - 1) & !(align - 1);
        if start + size > self.end || self.end == 0 {
            // `end` is page aligned, so an aligned start never passes it and
            // `size` rounded up to pages always fits after it.
            let pages = size.div_ceil(PAGE);
            let Some(base) = self.grow.grow(pages) else { return null_mut() };
            if base != self.end {
                // The memory grew elsewhere (a large block took the pages
                // after this region): what is left here is not abandoned.
                self.donate_rest();
                self.bump = base;
            }
            self.end = base + pages * PAGE;
            start = (self.bump + align - 1) & !(align - 1);
        }
        self.bump = start + size;
        start as *mut u8
    }

    unsafe fn alloc_large(&mut self, size: usize) -> *mut u8 {
        let size = size.div_ceil(PAGE) * PAGE;
        let mut link: *mut *mut Large = &mut self.large;
        while !(*link).is_null() {
            let block = *link;
            if (*block).size >= size {
                // Take the front pages; the rest stays free as its own block,
                // so the block given back later is exactly the pages taken.
                if (*block).size > size {
                    let rest = (block as *mut u8).add(size) as *mut Large;
                    (*rest).size = (*block).size - size;
                    (*rest).next = (*block).next;
                    *link = rest;
                } else {
                    *link = (*block).next;
                }
                return block as *mut u8;
            }
            link = &mut (*block).next;
        }
        match self.grow.grow(size / PAGE) {
            Some(base) => base as *mut u8,
            None => null_mut(),
        }
    }

    /// Puts a large block back on the list, which is kept in address order
    /// so that a block meets its free neighbours again: merged with them,
    /// what was split off a block is whole again. Without it, the pages a
    /// 2-page block left when it was cut from a 3-page one served nothing
    /// larger, and a page asking for blocks of both sizes (a flush after a
    /// burst) grew its memory by 42 MiB (`examples/memory.rs`).
    unsafe fn free_large(&mut self, block: *mut Large, size: usize) {
        let mut prev: *mut Large = null_mut();
        let mut link: *mut *mut Large = &mut self.large;
        while !(*link).is_null() && (*link as usize) < block as usize {
            prev = *link;
            link = &mut (**link).next;
        }
        let next = *link;
        (*block).size = size;
        (*block).next = next;
        *link = block;
        if !next.is_null() && block as usize + size == next as usize {
            (*block).size += (*next).size;
            (*block).next = (*next).next;
        }
        if !prev.is_null() && prev as usize + (*prev).size == block as usize {
            (*prev).size += (*block).size;
            (*prev).next = (*block).next;
        }
    }

    /// Gives what is left of the bump region to the free lists (the memory
    /// grew somewhere else), in the largest aligned blocks that fit.
    unsafe fn donate_rest(&mut self) {
        let mut p = self.bump;
        while self.end > p && self.end - p >= 1 << MIN_SHIFT && p.is_multiple_of(1 << MIN_SHIFT) {
            let mut c = CLASSES - 1;
            loop {
                let size = 1usize << (c + MIN_SHIFT);
                if size <= self.end - p && p.is_multiple_of(size.min(4096)) {
                    break;
                }
                if c == 0 {
                    return;
                }
                c -= 1;
            }
            *(p as *mut *mut u8) = self.free[c];
            self.free[c] = p as *mut u8;
            p += 1 << (c + MIN_SHIFT);
        }
        self.bump = p;
    }

    /// Returns a block.
    ///
    /// # Safety
    /// `ptr` must come from [`Heap::alloc`] with this `layout`.
    pub unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout) {
        match Self::class(layout) {
            Some(c) => {
                *(ptr as *mut *mut u8) = self.free[c];
                self.free[c] = ptr;
            }
            None => self.free_large(ptr as *mut Large, layout.size().div_ceil(PAGE) * PAGE),
        }
    }

    /// Resizes a block, in place when the new size stays in its class.
    ///
    /// # Safety
    /// As for [`Heap::dealloc`]; `new_size` must not be zero.
    pub unsafe fn realloc(&mut self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        let same = match (Self::class(layout), Self::class(new_layout)) {
            (Some(a), Some(b)) => a == b,
            (None, None) => layout.size().div_ceil(PAGE) == new_size.div_ceil(PAGE),
            _ => false,
        };
        if same {
            return ptr;
        }
        let new = self.alloc(new_layout);
        if !new.is_null() {
            core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}

#[cfg(target_arch = "wasm32")]
mod global {
    use super::{Grow, Heap, PAGE};
    use core::alloc::{GlobalAlloc, Layout};
    use core::cell::UnsafeCell;

    struct WasmMemory;

    impl Grow for WasmMemory {
        fn grow(&mut self, pages: usize) -> Option<usize> {
            let prev = core::arch::wasm32::memory_grow(0, pages);
            (prev != usize::MAX).then(|| prev * PAGE)
        }
    }

    struct Global(UnsafeCell<Heap<WasmMemory>>);

    // The wasm build has one thread; nothing else ever touches the heap.
    // A build with threads (the `atomics` target feature) would need a lock.
    #[cfg(target_feature = "atomics")]
    compile_error!("Kizuna's allocator is single-threaded: build without the atomics target feature");
    unsafe impl Sync for Global {}

    unsafe impl GlobalAlloc for Global {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            (*self.0.get()).alloc(layout)
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            (*self.0.get()).dealloc(ptr, layout)
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            (*self.0.get()).realloc(ptr, layout, new_size)
        }
    }

    #[global_allocator]
    static HEAP: Global = Global(UnsafeCell::new(Heap::new(WasmMemory)));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An arena standing in for wasm memory.
    struct Arena {
        mem: Vec<u8>,
        /// First page-aligned byte of `mem`.
        start: usize,
        used: usize,
        grows: usize,
    }

    impl Grow for &mut Arena {
        fn grow(&mut self, pages: usize) -> Option<usize> {
            if self.start + self.used + pages * PAGE > self.mem.len() {
                return None;
            }
            let base = self.mem.as_ptr() as usize + self.start + self.used;
            self.used += pages * PAGE;
            self.grows += 1;
            Some(base)
        }
    }

    fn arena(pages: usize) -> Arena {
        // Page-aligned like wasm memory.
        let mem = vec![0u8; (pages + 1) * PAGE];
        let start = mem.as_ptr().align_offset(PAGE);
        Arena { mem, start, used: 0, grows: 0 }
    }

    fn layout(size: usize) -> Layout {
        Layout::from_size_align(size, 8).unwrap()
    }

    #[test]
    fn blocks_are_reused_and_disjoint() {
        let mut a = arena(8);
        let mut h = Heap::new(&mut a);
        unsafe {
            let p1 = h.alloc(layout(10));
            let p2 = h.alloc(layout(10));
            assert!(!p1.is_null() && !p2.is_null() && p1 != p2);
            assert_eq!(p1 as usize % 16, 0);
            p1.write_bytes(0xaa, 10);
            p2.write_bytes(0xbb, 10);
            assert_eq!(*p1.add(9), 0xaa);
            h.dealloc(p1, layout(10));
            let p3 = h.alloc(layout(16));
            assert_eq!(p3, p1, "same class reuses the freed block");
            let big = h.alloc(layout(40_000));
            assert_eq!(big as usize % 4096, 0);
            big.write_bytes(1, 40_000);
            assert_eq!(*p2.add(9), 0xbb, "no overlap");
        }
    }

    #[test]
    fn large_blocks_split_for_a_smaller_one_are_whole_again_once_freed() {
        let mut a = arena(64);
        let mut h = Heap::new(&mut a);
        let (two, three) = (layout(2 * PAGE), layout(3 * PAGE));
        unsafe {
            // What a flush after a burst asks for: blocks of 2 and 3 pages,
            // each freed before the next, over and over.
            for _ in 0..200 {
                let p = h.alloc(three);
                assert!(!p.is_null());
                h.dealloc(p, three);
                let q = h.alloc(two);
                let r = h.alloc(three);
                assert!(!q.is_null() && !r.is_null());
                h.dealloc(q, two);
                h.dealloc(r, three);
            }
            // Three pages split into two and one, and the one is back.
            let big = h.alloc(layout(6 * PAGE));
            assert!(!big.is_null());
            h.dealloc(big, layout(6 * PAGE));
        }
        assert!(a.used <= 6 * PAGE, "{} pages grown", a.used / PAGE);
    }

    #[test]
    fn realloc_stays_in_place_within_a_class_and_copies_across() {
        let mut a = arena(8);
        let mut h = Heap::new(&mut a);
        unsafe {
            let p = h.alloc(layout(20));
            p.copy_from(b"hello world, kizuna".as_ptr(), 19);
            assert_eq!(h.realloc(p, layout(20), 32), p);
            let q = h.realloc(p, layout(32), 100);
            assert_ne!(q, p);
            assert_eq!(core::slice::from_raw_parts(q, 19), b"hello world, kizuna");
            assert_eq!(h.alloc(layout(30)), p, "the old block went back to its list");
        }
    }

    #[test]
    fn large_blocks_take_pages_and_come_back() {
        let mut a = arena(16);
        let mut h = Heap::new(&mut a);
        unsafe {
            let l1 = h.alloc(layout(100_000));
            assert_eq!(l1 as usize % PAGE, 0);
            l1.write_bytes(7, 100_000);
            h.dealloc(l1, layout(100_000));
            let l2 = h.alloc(layout(70_000));
            assert_eq!(l2, l1, "first fit reuses the freed pages");
        }
    }

    #[test]
    fn a_large_block_reused_for_less_keeps_its_tail_free() {
        let mut a = arena(16);
        let mut h = Heap::new(&mut a);
        unsafe {
            let four = h.alloc(layout(4 * PAGE));
            h.dealloc(four, layout(4 * PAGE));
            // Over 64 KiB: two pages each.
            let first = h.alloc(layout(PAGE + 1));
            assert_eq!(first, four, "front pages reused");
            let second = h.alloc(layout(PAGE + 1));
            assert_eq!(second as usize, four as usize + 2 * PAGE, "the tail pages were not leaked");
            h.dealloc(second, layout(PAGE + 1));
            h.dealloc(first, layout(PAGE + 1));
            assert_eq!(h.alloc(layout(4 * PAGE)), four, "both halves are one block again");
        }
        assert_eq!(a.grows, 1, "no growth for what was freed");
    }

    #[test]
    fn the_rest_of_the_region_is_used_after_the_memory_grows_elsewhere() {
        let mut a = arena(16);
        let mut h = Heap::new(&mut a);
        unsafe {
            let small = h.alloc(layout(100));
            // A large block takes pages after the bump region; the next
            // region starts after it.
            let big = h.alloc(layout(3 * PAGE));
            assert!(big as usize > small as usize);
            let mut got = Vec::new();
            for _ in 0..1000 {
                got.push(h.alloc(layout(100)));
            }
            let before_big = got.iter().filter(|p| (**p as usize) < big as usize).count();
            assert!(before_big >= 500, "blocks came from what was left before the large block: {before_big}");
        }
    }

    #[test]
    fn out_of_memory_is_null_not_a_crash() {
        let mut a = arena(2);
        let mut h = Heap::new(&mut a);
        unsafe {
            assert!(!h.alloc(layout(1000)).is_null());
            assert!(h.alloc(layout(10 * PAGE)).is_null());
        }
    }

    #[test]
    fn many_strings_grow_and_shrink_without_leaking_pages() {
        let mut a = arena(64);
        {
            let mut h = Heap::new(&mut a);
            let mut live: Vec<(*mut u8, usize)> = Vec::new();
            let mut x: u32 = 12345;
            for round in 0..20_000 {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let size = 1 + (x as usize % 3000);
                unsafe {
                    let p = h.alloc(layout(size));
                    assert!(!p.is_null(), "round {round}");
                    p.write_bytes(round as u8, size);
                    live.push((p, size));
                    if live.len() > 50 {
                        let (q, s) = live.remove((x as usize / 7) % live.len());
                        h.dealloc(q, layout(s));
                    }
                }
            }
        }
        let grows_after = a.grows;
        assert!(grows_after < 10, "steady state reuses memory ({grows_after} grows)");
    }
}
