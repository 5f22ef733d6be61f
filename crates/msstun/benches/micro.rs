//! Micro-benchmarks behind two choices in the parser (issue 10), each measured against
//! its alternative in the same run:
//!
//! * FINGERPRINT's CRC-32: [`msstun::check::fingerprint_value`] (the crate's path)
//!   against one `crc32fast::hash` call and against a fresh `crc32fast::Hasher` per
//!   message, on STUN-sized messages.
//! * Text values: `core::str::from_utf8` against an ASCII check then
//!   `from_utf8_unchecked` (what `msstun`'s one `unsafe` block does), on STUN texts.
//! * The summary's numbers: `core::fmt` (`write!(w, "{n}")`, `Ipv4Addr`'s `Display`)
//!   against hand-written decimal digits, and the whole [`SummaryBuf::summarize`].
//!
//! Run: `cargo bench -p msstun --bench micro` (plain timing loops, best of 7 rounds).

use std::fmt::Write;
use std::hint::black_box;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use msstun::build::MessageBuilder;
use msstun::check::{fingerprint_value, FINGERPRINT_XOR};
use msstun::summary::SummaryBuf;
use msstun::{Class, Dialect, Message};

/// Nanoseconds per call of `f` over `n` items, best of 7 rounds of at least 200 ms.
fn ns_per_item(n: usize, mut f: impl FnMut() -> u64) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..7 {
        let start = Instant::now();
        let mut calls = 0u64;
        let mut acc = 0u64;
        while start.elapsed() < Duration::from_millis(200) {
            acc = acc.wrapping_add(f());
            calls += 1;
        }
        black_box(acc);
        best = best.min(start.elapsed().as_nanos() as f64 / (calls as f64 * n as f64));
    }
    best
}

fn corpus() -> Vec<Vec<u8>> {
    (0..300u32)
        .map(|i| {
            let tid = [(i % 251) as u8; 12];
            let peer: SocketAddr = format!("10.48.{}.{}:{}", i % 200, i % 250, 1024 + i)
                .parse()
                .unwrap();
            let b = MessageBuilder::new(Dialect::Rfc5389, 0x003, Class::SuccessResponse, &tid)
                .xor_address(0x0016, peer)
                .xor_address(0x0020, peer)
                .attr_u32(0x000D, 600 + i);
            let b = if i % 3 == 0 {
                b.string(0x0006, "user:frag")
                    .string(0x8022, "msstun bench client")
            } else {
                b
            };
            b.fingerprint().finish()
        })
        .collect()
}

fn main() {
    let msgs = corpus();
    fingerprint(&msgs);
    text_values();
    summary_pieces(&msgs);
}

/// FINGERPRINT's CRC-32: the crate's path against crc32fast called two ways.
fn fingerprint(msgs: &[Vec<u8>]) {
    let n = msgs.len();
    let offs: Vec<usize> = msgs.iter().map(|m| m.len() - 8).collect();
    let crate_path = ns_per_item(n, || {
        msgs.iter()
            .zip(&offs)
            .map(|(m, &o)| u64::from(fingerprint_value(black_box(m), o).unwrap()))
            .sum()
    });
    let one_call = ns_per_item(n, || {
        msgs.iter()
            .zip(&offs)
            .map(|(m, &o)| u64::from(crc32fast::hash(black_box(&m[..o])) ^ FINGERPRINT_XOR))
            .sum()
    });
    let fresh_hasher = ns_per_item(n, || {
        msgs.iter()
            .zip(&offs)
            .map(|(m, &o)| {
                let mut h = crc32fast::Hasher::new();
                h.update(black_box(&m[..o]));
                u64::from(h.finalize() ^ FINGERPRINT_XOR)
            })
            .sum()
    });
    let avg = msgs.iter().map(Vec::len).sum::<usize>() / n;
    println!("FINGERPRINT CRC-32, {n} messages of {avg} bytes on average, ns per message:");
    println!("  msstun::check::fingerprint_value  {crate_path:7.1}");
    println!("  crc32fast::hash                   {one_call:7.1}");
    println!("  crc32fast::Hasher::new per call   {fresh_hasher:7.1}");
}

/// STUN text values: checked UTF-8 against the ASCII fast path.
fn text_values() {
    let texts: Vec<Vec<u8>> = (0..300u32)
        .map(|i| match i % 4 {
            0 => format!("user{i}:frag{}", i * 7).into_bytes(),
            1 => b"example.org".to_vec(),
            2 => format!("{:032x}", i.wrapping_mul(0x9e37_79b9)).into_bytes(),
            _ => b"msstun bench client 2.3".to_vec(),
        })
        .collect();
    let safe = ns_per_item(texts.len(), || {
        texts
            .iter()
            .map(|t| std::str::from_utf8(black_box(t)).map_or(0, str::len) as u64)
            .sum()
    });
    let unchecked = ns_per_item(texts.len(), || {
        texts
            .iter()
            .map(|t| {
                let t = black_box(t);
                if t.is_ascii() {
                    // SAFETY: ASCII is UTF-8 (the bench's copy of msstun's fast path).
                    unsafe { std::str::from_utf8_unchecked(t) }.len() as u64
                } else {
                    std::str::from_utf8(t).map_or(0, str::len) as u64
                }
            })
            .sum()
    });
    println!("STUN text values (9..32 bytes), ns per value:");
    println!("  core::str::from_utf8               {safe:6.1}");
    println!("  is_ascii + from_utf8_unchecked     {unchecked:6.1}");
}

/// Summary pieces: core::fmt against hand-written digits, and a whole summary.
fn summary_pieces(msgs: &[Vec<u8>]) {
    let n = msgs.len();
    let numbers: Vec<u32> = (0..1000u32).map(|i| i * 7919 % 70_000).collect();
    let ips: Vec<(Ipv4Addr, u16)> = (0..1000u32)
        .map(|i| {
            (
                Ipv4Addr::from(i.wrapping_mul(2_654_435_761)),
                (i * 31) as u16,
            )
        })
        .collect();
    let mut buf = SummaryBuf::<256>::new();
    let fmt_num = ns_per_item(numbers.len(), || {
        buf.clear();
        for &x in &numbers {
            if buf.as_str().len() > 200 {
                buf.clear();
            }
            let _ = write!(buf, " lifetime: {x}");
        }
        buf.as_str().len() as u64
    });
    let digits_num = ns_per_item(numbers.len(), || {
        buf.clear();
        for &x in &numbers {
            if buf.as_str().len() > 200 {
                buf.clear();
            }
            let _ = buf.write_str(" lifetime: ");
            let mut d = [0u8; 10];
            let i = digits(&mut d, x);
            let _ = buf.write_str(std::str::from_utf8(&d[i..]).unwrap_or(""));
        }
        buf.as_str().len() as u64
    });
    let fmt_ip = ns_per_item(ips.len(), || {
        buf.clear();
        for &(ip, port) in &ips {
            if buf.as_str().len() > 200 {
                buf.clear();
            }
            let _ = write!(buf, " XOR-MAPPED-ADDRESS: {ip}:{port}");
        }
        buf.as_str().len() as u64
    });
    let digits_ip = ns_per_item(ips.len(), || {
        buf.clear();
        for &(ip, port) in &ips {
            if buf.as_str().len() > 200 {
                buf.clear();
            }
            let _ = buf.write_str(" XOR-MAPPED-ADDRESS: ");
            let mut out = [0u8; 21];
            let k = addr_digits(&mut out, ip, port);
            let _ = buf.write_str(std::str::from_utf8(&out[..k]).unwrap_or(""));
        }
        buf.as_str().len() as u64
    });
    let parsed: Vec<Message<&[u8]>> = msgs
        .iter()
        .map(|m| Message::new_checked(&m[..]).unwrap())
        .collect();
    let summary = ns_per_item(n, || {
        parsed
            .iter()
            .map(|m| buf.summarize(black_box(m)).len() as u64)
            .sum()
    });
    println!("Summary pieces, ns per item:");
    println!("  \" lifetime: N\"  core::fmt {fmt_num:6.1}   hand-written digits {digits_num:6.1}");
    println!("  \" ADDR: a.b.c.d:p\" core::fmt {fmt_ip:6.1}   hand-written digits {digits_ip:6.1}");
    println!("  SummaryBuf::summarize (3 attributes + FINGERPRINT) {summary:6.1}");
}

/// `a.b.c.d:port` in hand-written digits into `out`; returns its length.
fn addr_digits(out: &mut [u8; 21], ip: Ipv4Addr, port: u16) -> usize {
    let mut k = 0;
    let mut d = [0u8; 10];
    for (j, part) in ip
        .octets()
        .iter()
        .map(|&o| u32::from(o))
        .chain([u32::from(port)])
        .enumerate()
    {
        if j > 0 {
            out[k] = if j == 4 { b':' } else { b'.' };
            k += 1;
        }
        let i = digits(&mut d, part);
        out[k..k + 10 - i].copy_from_slice(&d[i..]);
        k += 10 - i;
    }
    k
}

/// Decimal digits of `n` at the end of `buf`; returns where they start.
fn digits(buf: &mut [u8; 10], mut n: u32) -> usize {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return i;
        }
    }
}
