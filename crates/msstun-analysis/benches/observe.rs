//! Cost of `Analysis::observe` per message (what the plugin adds per dissected message):
//! an ICE check and its response on a known pair, a TURN Refresh transaction on a known
//! allocation, a ChannelData payload, and a re-dissection `answer`.

use std::hint::black_box;
use std::net::SocketAddr;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use msstun::build::MessageBuilder;
use msstun::framing::Transport;
use msstun::{Class, Dialect, Message};
use msstun_analysis::{Analysis, Carried, Observation};

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn tid(n: u32) -> [u8; 12] {
    let mut t = [9; 12];
    t[8..].copy_from_slice(&n.to_be_bytes());
    t
}

/// A TURN allocation with a channel; then Refresh transactions and ChannelData.
fn turn(g: &mut BenchmarkGroup<'_, WallTime>) {
    let (cl, sv) = (sa("10.0.0.1:40000"), sa("10.0.0.9:3478"));
    let mut an = Analysis::new();
    let mut f = 0;
    let mut feed = |an: &mut Analysis, src, dst, bytes: Vec<u8>| {
        f += 1;
        an.observe(
            &Observation::direct(f, 0.0, Transport::Udp, src, dst),
            &Message::new_checked(&bytes[..]).unwrap(),
        );
    };
    let mb =
        |m: u16, cl: Class, n: u32| MessageBuilder::new(Dialect::Rfc5389, m, cl, &tid(100_000 + n));
    feed(&mut an, cl, sv, mb(3, Class::Request, 0).finish());
    feed(
        &mut an,
        sv,
        cl,
        mb(3, Class::SuccessResponse, 0)
            .xor_address(0x16, sa("10.0.0.9:50000"))
            .attr_u32(0x0d, 600)
            .finish(),
    );
    feed(
        &mut an,
        cl,
        sv,
        mb(9, Class::Request, 1)
            .attr_u32(0x0c, 0x4000_0000)
            .xor_address(0x12, sa("192.0.2.1:7000"))
            .finish(),
    );
    feed(&mut an, sv, cl, mb(9, Class::SuccessResponse, 1).finish());
    let refresh: Vec<(Vec<u8>, Vec<u8>)> = (0..1024)
        .map(|i| {
            (
                mb(4, Class::Request, 10 + i)
                    .attr_u32(0x0d, 600)
                    .string(6, "alice")
                    .string(0x14, "example.org")
                    .string(0x15, "nonce")
                    .message_integrity(b"0123456789abcdef")
                    .finish(),
                mb(4, Class::SuccessResponse, 10 + i)
                    .attr_u32(0x0d, 600)
                    .message_integrity(b"0123456789abcdef")
                    .finish(),
            )
        })
        .collect();
    let mut i = 0usize;
    let mut frame = 100u32;
    g.bench_function("turn refresh + response", |b| {
        b.iter(|| {
            let (q, s) = &refresh[i % 1024];
            i += 1;
            frame += 2;
            let o = Observation::direct(frame, 1.0, Transport::Udp, cl, sv);
            black_box(an.observe(&o, &Message::new_checked(&q[..]).unwrap()));
            let o = Observation::direct(frame + 1, 1.0, Transport::Udp, sv, cl);
            black_box(an.observe(&o, &Message::new_checked(&s[..]).unwrap()));
        })
    });
    let o = Observation::direct(7, 2.0, Transport::Udp, cl, sv)
        .with_carrier(Carried::channel_data(0x4000));
    g.bench_function("channel data", |b| {
        b.iter(|| black_box(an.observe_relayed(black_box(&o), 172)))
    });
}

fn bench(c: &mut Criterion) {
    let (l, r) = (sa("10.0.0.1:5000"), sa("10.0.0.2:6000"));
    let mut g = c.benchmark_group("observe");
    // Pre-built messages with a rotating transaction id (1024 of each).
    let reqs: Vec<Vec<u8>> = (0..1024)
        .map(|i| {
            MessageBuilder::new(Dialect::Rfc5389, 1, Class::Request, &tid(i))
                .string(6, "R:L")
                .attr_u32(0x24, 0x6eff_ffff)
                .attr_u64(0x802A, 1)
                .message_integrity(b"pw")
                .fingerprint()
                .finish()
        })
        .collect();
    let oks: Vec<Vec<u8>> = (0..1024)
        .map(|i| {
            MessageBuilder::new(Dialect::Rfc5389, 1, Class::SuccessResponse, &tid(i))
                .xor_address(0x20, l)
                .message_integrity(b"pw")
                .fingerprint()
                .finish()
        })
        .collect();
    let mut an = Analysis::new();
    let mut frame = 0u32;
    let mut t = 0.0;
    let mut i = 0usize;
    g.bench_function("ice check + response", |b| {
        b.iter(|| {
            frame += 2;
            t += 0.001;
            let k = i % 1024;
            i += 1;
            let o = Observation::direct(frame, t, Transport::Udp, l, r);
            black_box(an.observe(&o, &Message::new_checked(&reqs[k][..]).unwrap()));
            let o = Observation::direct(frame + 1, t, Transport::Udp, r, l);
            black_box(an.observe(&o, &Message::new_checked(&oks[k][..]).unwrap()));
        })
    });
    let o = Observation::direct(3, 0.0, Transport::Udp, l, r);
    let m = Message::new_checked(&reqs[3][..]).unwrap();
    g.bench_function("answer (re-dissection)", |b| {
        b.iter(|| black_box(an.answer(black_box(&o), &m)))
    });

    turn(&mut g);
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
