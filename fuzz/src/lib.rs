//! Shared pieces of the fuzz targets.
//!
//! Leak check on the stable toolchain: LeakSanitizer needs `-Zsanitizer` (nightly), so
//! every target runs under [`Counting`], a global allocator that keeps the number of live
//! Rust heap bytes, and wraps its body in [`no_leak`]: an input that returns with more
//! live bytes than it started with is a leak and aborts the run like a crash (libFuzzer
//! keeps the input as `crash-…`).
#![deny(missing_docs)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};

/// The system allocator, counting live bytes.
pub struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = System.alloc(l);
        if !p.is_null() {
            LIVE.fetch_add(l.size() as isize, Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(l);
        if !p.is_null() {
            LIVE.fetch_add(l.size() as isize, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l);
        LIVE.fetch_sub(l.size() as isize, Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = System.realloc(p, l, new);
        if !q.is_null() {
            LIVE.fetch_add(new as isize - l.size() as isize, Relaxed);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Live Rust heap bytes now.
pub fn live_bytes() -> isize {
    LIVE.load(Relaxed)
}

/// Runs `f` and panics (a libFuzzer crash) when it leaves Rust heap memory behind.
pub fn no_leak(f: impl FnOnce()) {
    let before = live_bytes();
    f();
    let after = live_bytes();
    assert!(
        after <= before,
        "leak: {} bytes still allocated after the input",
        after - before
    );
}
