//! State grows with allocations and pairs, not with messages: heap held, measured with a
//! counting global allocator (the README's figures come from `examples/memory.rs`).

use std::net::SocketAddr;

use msstun::build::MessageBuilder;
use msstun::framing::Transport;
use msstun::{Class, Dialect, Message};
use msstun_analysis::{Analysis, Observation};

#[global_allocator]
static A: msstun_alloc_count::Counting = msstun_alloc_count::Counting;

fn tid(n: u32) -> [u8; 12] {
    let mut t = [0x77; 12];
    t[8..].copy_from_slice(&n.to_be_bytes());
    t
}

fn addr(i: u32, port: u16) -> SocketAddr {
    SocketAddr::from(((0x0a00_0000 | i).to_be_bytes(), port))
}

fn check(an: &mut Analysis, f: &mut u32, t: f64, l: SocketAddr, r: SocketAddr, k: u32) {
    let req = MessageBuilder::new(Dialect::Rfc5389, 1, Class::Request, &tid(k))
        .string(6, "R:L")
        .attr_u32(0x24, 1)
        .finish();
    let ok = MessageBuilder::new(Dialect::Rfc5389, 1, Class::SuccessResponse, &tid(k)).finish();
    *f += 1;
    an.observe(
        &Observation::direct(*f, t, Transport::Udp, l, r),
        &Message::new_checked(&req[..]).unwrap(),
    );
    *f += 1;
    an.observe(
        &Observation::direct(*f, t, Transport::Udp, r, l),
        &Message::new_checked(&ok[..]).unwrap(),
    );
}

// One test function: the counter is process-wide, tests in parallel would disturb it.
#[test]
fn heap_grows_with_pairs_not_messages() {
    // 200,000 answered checks on one pair (50 a second): a few KB, not per message.
    let before = msstun_alloc_count::live_bytes();
    let mut an = Analysis::new();
    let mut f = 0;
    for k in 0..100_000 {
        check(
            &mut an,
            &mut f,
            k as f64 * 0.02,
            addr(1, 5000),
            addr(2, 6000),
            k,
        );
    }
    let one_pair = msstun_alloc_count::live_bytes() - before;
    assert!(
        one_pair < 128 * 1024,
        "one pair, {f} messages: {one_pair} bytes"
    );
    drop(an);

    // 20,000 pairs: bounded bytes per pair.
    let before = msstun_alloc_count::live_bytes();
    let mut an = Analysis::new();
    let mut f = 0;
    for k in 0..20_000 {
        check(
            &mut an,
            &mut f,
            k as f64 * 0.001,
            addr(k, 5000),
            addr(1 << 20, 6000),
            k,
        );
    }
    let per_pair = (msstun_alloc_count::live_bytes() - before) / 20_000;
    assert_eq!(an.pair_count(), 20_000);
    assert!(per_pair < 1024, "{per_pair} bytes per pair");
    // Ten times the messages on the same pairs: the same heap, give or take the
    // open-transaction table.
    let mid = msstun_alloc_count::live_bytes();
    for round in 1..10u32 {
        for k in 0..20_000 {
            let t = 20.0 + round as f64 * 40.0 + k as f64 * 0.001;
            check(
                &mut an,
                &mut f,
                t,
                addr(k, 5000),
                addr(1 << 20, 6000),
                round * 20_000 + k,
            );
        }
    }
    let growth = msstun_alloc_count::live_bytes() - mid;
    assert_eq!(an.pair_count(), 20_000);
    assert!(
        growth < 1024 * 1024,
        "{growth} bytes more after {f} messages"
    );
}
