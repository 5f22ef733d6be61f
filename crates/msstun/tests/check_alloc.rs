//! The checks allocate nothing: FINGERPRINT, MESSAGE-INTEGRITY(-SHA256) with
//! short-term and long-term keys (MD5 and SHA-256), the credential lookup and the
//! whole-message `verify`, counted with a global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use msstun::build::MessageBuilder;
use msstun::check::{self, PasswordAlgorithm, Status};
use msstun::{Class, Dialect, Message};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `f` (the test harness runs this binary's tests one at a
/// time because there is only one test).
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCS.load(Ordering::SeqCst);
    f();
    ALLOCS.load(Ordering::SeqCst) - before
}

#[test]
fn checks_do_not_allocate() {
    let md5 = check::long_term_key("user", "example.org", "secret");
    let sha = check::long_term_key_sha256("user", "example.org", "secret");
    let msgs: Vec<(Dialect, Vec<u8>)> = vec![
        (
            Dialect::Rfc5389,
            MessageBuilder::new(Dialect::Rfc5389, 3, Class::Request, &[1; 12])
                .string(0x0006, "user")
                .string(0x0014, "example.org")
                .attr_u32(0x000D, 600)
                .message_integrity(&md5)
                .fingerprint()
                .finish(),
        ),
        (
            Dialect::Rfc5389,
            MessageBuilder::new(Dialect::Rfc5389, 3, Class::Request, &[2; 12])
                .string(0x0006, "user")
                .string(0x0014, "example.org")
                .password_algorithm(PasswordAlgorithm::Sha256)
                .message_integrity_sha256_truncated(&sha, 20)
                .fingerprint()
                .finish(),
        ),
        (
            Dialect::MsTurn,
            MessageBuilder::new(Dialect::MsTurn, 3, Class::Request, &[3; 16])
                .string(0x0006, "user")
                .string(0x0015, "example.org")
                .message_integrity(&md5)
                .finish(),
        ),
    ];
    let creds = [("user", "example.org", "secret")];
    let mut goods = 0;
    let n = allocations(|| {
        for (d, b) in &msgs {
            let msg = Message::new_checked(&b[..]).unwrap();
            let r = check::verify(&msg, &creds[..]);
            goods += [r.fingerprint, r.integrity, r.integrity_sha256]
                .iter()
                .filter(|s| **s == Some(Status::Good))
                .count();
            let auth = check::auth_info(b, *d);
            if let Some(o) = auth.integrity {
                goods += usize::from(check::check_integrity(b, o, &md5) == Status::Good);
                goods += usize::from(
                    check::check_integrity(b, o, b"short-term password") == Status::Bad,
                );
            }
            if let Some(o) = auth.fingerprint {
                goods += usize::from(check::check_fingerprint(b, o) == Status::Good);
            }
        }
    });
    assert_eq!(n, 0, "checks allocated {n} times");
    assert_eq!(goods, 11);
}
