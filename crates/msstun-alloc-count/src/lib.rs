//! The one counting global allocator of msstun's tests, examples and fuzz targets: the
//! system allocator, plus the live Rust heap bytes of the process ([`live_bytes`]: memory
//! held, leaks) and the allocation calls of the current thread ([`allocations`]: "the
//! parse path allocates nothing").
//!
//! ```ignore
//! #[global_allocator]
//! static A: msstun_alloc_count::Counting = msstun_alloc_count::Counting;
//! assert_eq!(msstun_alloc_count::allocations_in(|| { /* parse */ }), 0);
//! ```
#![deny(missing_docs)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};

/// The system allocator, counting.
pub struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    // Const-initialised and without a destructor, so touching it never allocates.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // `try_with` so allocations during thread teardown do not panic.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every call is forwarded unchanged to `System`; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count();
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            LIVE.fetch_add(l.size() as isize, Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        count();
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            LIVE.fetch_add(l.size() as isize, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size() as isize, Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        count();
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            LIVE.fetch_add(new as isize - l.size() as isize, Relaxed);
        }
        q
    }
}

/// Live Rust heap bytes of the process now (when [`Counting`] is the global allocator).
pub fn live_bytes() -> isize {
    LIVE.load(Relaxed)
}

/// Allocation calls (alloc, alloc_zeroed, realloc) this thread has made so far.
pub fn allocations() -> usize {
    ALLOCATIONS.with(|c| c.get())
}

/// Allocation calls this thread makes while running `f`.
pub fn allocations_in(f: impl FnOnce()) -> usize {
    let before = allocations();
    f();
    allocations() - before
}

#[cfg(test)]
mod tests {
    #[global_allocator]
    static A: super::Counting = super::Counting;

    #[test]
    fn counts() {
        let v = std::hint::black_box(vec![0u8; 1000]);
        assert!(super::live_bytes() >= 1000);
        assert_eq!(
            super::allocations_in(|| drop(std::hint::black_box(Vec::<u8>::with_capacity(8)))),
            1
        );
        assert_eq!(super::allocations_in(|| ()), 0);
        drop(v);
    }
}
