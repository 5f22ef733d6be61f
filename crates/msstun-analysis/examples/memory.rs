//! `cargo run --release -p msstun-analysis --example memory [MESSAGES]`: heap held by an
//! [`Analysis`] per allocation, per candidate pair and in all after a generated capture of
//! MESSAGES (default 1,000,000) STUN messages (`msstun-fixtures scale`), measured with a
//! counting global allocator. The numbers in the crate README come from here.

use std::net::SocketAddr;

use msstun::build::MessageBuilder;
use msstun::framing::Transport;
use msstun::{Class, Dialect, Message};
use msstun_analysis::replay::Replayer;
use msstun_analysis::{Analysis, Observation};

#[global_allocator]
static A: msstun_alloc_count::Counting = msstun_alloc_count::Counting;

fn live() -> isize {
    msstun_alloc_count::live_bytes()
}

fn tid(n: u32) -> [u8; 12] {
    let mut t = [0x77; 12];
    t[8..].copy_from_slice(&n.to_be_bytes());
    t
}

fn addr(i: u32, port: u16) -> SocketAddr {
    SocketAddr::from(((0x0a00_0000 | i).to_be_bytes(), port))
}

fn feed(an: &mut Analysis, frame: &mut u32, t: f64, src: SocketAddr, dst: SocketAddr, b: Vec<u8>) {
    *frame += 1;
    let o = Observation::direct(*frame, t, Transport::Udp, src, dst);
    an.observe(&o, &Message::new_checked(&b[..]).unwrap());
}

/// `n` UDP allocations, each: 401, Allocate, success, CreatePermission, ChannelBind,
/// Refresh (each answered) — as the scale generator's allocation unit.
fn allocations(n: u32) -> (Analysis, u32) {
    let mut an = Analysis::new();
    let mut f = 0;
    let server = SocketAddr::from(([10, 255, 0, 1], 3478));
    let mb = |m, c, k| MessageBuilder::new(Dialect::Rfc5389, m, c, &tid(k));
    for i in 0..n {
        let c = addr(i, 40000);
        let peer = addr(i, 50000);
        let k = i * 8;
        let t = i as f64 * 0.001;
        let mut send = |up: bool, b: Vec<u8>| {
            let (src, dst) = if up { (c, server) } else { (server, c) };
            feed(&mut an, &mut f, t, src, dst, b)
        };
        send(true, mb(3, Class::Request, k).finish());
        send(
            false,
            mb(3, Class::ErrorResponse, k)
                .error_code(401, "Unauthorized")
                .finish(),
        );
        send(
            true,
            mb(3, Class::Request, k + 1)
                .string(6, "alice")
                .string(0x14, "example.org")
                .attr_u32(0x0d, 600)
                .finish(),
        );
        send(
            false,
            mb(3, Class::SuccessResponse, k + 1)
                .xor_address(0x16, addr(i, 60000))
                .xor_address(0x20, c)
                .attr_u32(0x0d, 600)
                .finish(),
        );
        send(
            true,
            mb(8, Class::Request, k + 2)
                .xor_address(0x12, peer)
                .finish(),
        );
        send(false, mb(8, Class::SuccessResponse, k + 2).finish());
        send(
            true,
            mb(9, Class::Request, k + 3)
                .attr_u32(0x0c, 0x4000_0000)
                .xor_address(0x12, peer)
                .finish(),
        );
        send(false, mb(9, Class::SuccessResponse, k + 3).finish());
        send(
            true,
            mb(4, Class::Request, k + 4).attr_u32(0x0d, 600).finish(),
        );
        send(
            false,
            mb(4, Class::SuccessResponse, k + 4)
                .attr_u32(0x0d, 600)
                .finish(),
        );
    }
    (an, f)
}

/// `n` candidate pairs of one session, each one check answered.
fn pairs(n: u32) -> Analysis {
    let mut an = Analysis::new();
    let mut f = 0;
    let r = SocketAddr::from(([10, 255, 0, 2], 3478));
    for i in 0..n {
        let l = addr(i, 5000);
        let t = i as f64 * 0.001;
        feed(
            &mut an,
            &mut f,
            t,
            l,
            r,
            MessageBuilder::new(Dialect::Rfc5389, 1, Class::Request, &tid(i))
                .string(6, "MRAv:a9Xy")
                .attr_u32(0x24, 1)
                .finish(),
        );
        feed(
            &mut an,
            &mut f,
            t,
            r,
            l,
            MessageBuilder::new(Dialect::Rfc5389, 1, Class::SuccessResponse, &tid(i)).finish(),
        );
    }
    an
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    const N: u32 = 100_000;

    let before = live();
    let (an, msgs) = allocations(N);
    let per_alloc = (live() - before) as f64 / N as f64;
    println!(
        "allocations: {N} (10 messages each, {msgs} messages): {per_alloc:.0} bytes per allocation"
    );
    drop(an);

    let before = live();
    let an = pairs(N);
    let per_pair = (live() - before) as f64 / N as f64;
    println!(
        "candidate pairs: {N} (one session, one answered check each): {per_pair:.0} bytes per pair"
    );
    drop(an);

    // One pair, 1,000,000 answered checks: nothing grows.
    let before = live();
    let mut an = Analysis::new();
    let (a, b) = (addr(1, 5000), addr(2, 6000));
    let mut f = 0;
    for i in 0..500_000u32 {
        let t = i as f64 * 0.02;
        feed(
            &mut an,
            &mut f,
            t,
            a,
            b,
            MessageBuilder::new(Dialect::Rfc5389, 1, Class::Request, &tid(i))
                .string(6, "R:L")
                .attr_u32(0x24, 1)
                .finish(),
        );
        feed(
            &mut an,
            &mut f,
            t,
            b,
            a,
            MessageBuilder::new(Dialect::Rfc5389, 1, Class::SuccessResponse, &tid(i)).finish(),
        );
    }
    println!("one pair, {f} messages: {} bytes in all", live() - before);
    drop(an);

    let fixture = msstun_fixtures::scale::scale(n);
    let before = live();
    let mut st = msstun_analysis::session::State::live();
    let stats = Replayer::new().replay(&fixture.pcapng, &mut st).unwrap();
    let held = live() - before;
    let an = &st.analysis;
    let r = an.report();
    let events = an.all_events().len();
    println!(
        "scale capture: {} packets, {} messages observed, {} relayed payloads -> {} allocations, {} sessions, {} pairs, {} frames with events; the state (core and analysis) holds {} bytes ({:.1} bytes per message)",
        stats.packets,
        stats.messages,
        stats.relayed,
        r.allocations.len(),
        r.ice_sessions.len(),
        an.pair_count(),
        events,
        held,
        held as f64 / stats.messages as f64
    );
}
