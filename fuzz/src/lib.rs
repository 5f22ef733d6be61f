//! Shared pieces of the fuzz targets.
//!
//! Leak check on the stable toolchain: LeakSanitizer needs `-Zsanitizer` (nightly), so
//! every target runs under [`Counting`] (the shared `msstun-alloc-count`), a global
//! allocator that keeps the number of live Rust heap bytes, and wraps its body in [`no_leak`]: an input that returns with more
//! live bytes than it started with is a leak and aborts the run like a crash (libFuzzer
//! keeps the input as `crash-…`).
#![deny(missing_docs)]

pub use msstun_alloc_count::{live_bytes, Counting};

#[global_allocator]
static ALLOC: Counting = Counting;

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
