//! UDP forwarding: one upstream socket per client address (a NAT-like binding) that
//! expires after `--idle-timeout` without traffic in either direction.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};

use crate::limits::{more, SourcePermit};
use crate::output::{Conn, Dir};
use crate::pcap::PcapEvent;
use crate::relay::{Ctx, SharedDecode};
use msstun::framing::Transport;

struct Binding {
    conn: Conn,
    sock: UdpSocket,
    decode: SharedDecode,
    /// Milliseconds since `start` of the last datagram either way.
    last: AtomicU64,
    start: Instant,
    closed: AtomicBool,
    _permits: (OwnedSemaphorePermit, SourcePermit),
}

impl Binding {
    fn touch(&self) {
        self.last
            .store(self.start.elapsed().as_millis() as u64, Relaxed);
    }
}

/// Receive loop on the listening socket.
pub async fn serve(
    sock: UdpSocket,
    ctx: Arc<Ctx>,
    limit: Arc<Semaphore>,
    mut stop: watch::Receiver<bool>,
) {
    let sock = Arc::new(sock);
    let mut bindings: HashMap<SocketAddr, Arc<Binding>> = HashMap::new();
    let (expired_tx, mut expired_rx) = mpsc::unbounded_channel::<SocketAddr>();
    let mut buf = vec![0u8; 65536];
    let mut refused_logged = Instant::now() - Duration::from_secs(60);
    loop {
        tokio::select! {
            r = sock.recv_from(&mut buf) => {
                let (n, from) = match r {
                    Ok(x) => x,
                    Err(e) => {
                        // ICMP errors from earlier sends surface here on some systems; keep going.
                        ctx.log(format_args!("udp receive error: {e}"));
                        continue;
                    }
                };
                let ts = SystemTime::now();
                let b = match bindings.get(&from) {
                    Some(b) if !b.closed.load(Relaxed) => b.clone(),
                    _ => {
                        let Some(source) = ctx.limits.udp_per_source.try_acquire(from.ip()) else {
                            ctx.stats.refused_per_source.fetch_add(1, Relaxed);
                            if let Some(n) = ctx.limits.udp_log.allow() {
                                ctx.log(format_args!(
                                    "dropping udp datagram from new client {from}: {} already holds {} bindings (--max-udp-per-source){}",
                                    from.ip(),
                                    ctx.limits.udp_per_source.max(),
                                    more(n)
                                ));
                            }
                            continue;
                        };
                        let Ok(permit) = limit.clone().try_acquire_owned() else {
                            ctx.stats.refused.fetch_add(1, Relaxed);
                            if refused_logged.elapsed().as_secs() >= 1 {
                                refused_logged = Instant::now();
                                ctx.log(format_args!("dropping udp datagram from new client {from}: --max-connections reached"));
                            }
                            continue;
                        };
                        match new_binding(&ctx, from, (permit, source)).await {
                            Ok(b) => {
                                let b = Arc::new(b);
                                bindings.insert(from, b.clone());
                                tokio::spawn(downstream(ctx.clone(), sock.clone(), b.clone(), expired_tx.clone(), stop.clone()));
                                b
                            }
                            Err(e) => {
                                ctx.stats.upstream_failures.fetch_add(1, Relaxed);
                                ctx.log(format_args!("udp {from}: cannot open an upstream socket to {}: {e}; datagram dropped", ctx.upstream));
                                continue;
                            }
                        }
                    }
                };
                let d = &buf[..n];
                if let Err(e) = b.sock.send(d).await {
                    ctx.stats.io_errors.fetch_add(1, Relaxed);
                    ctx.log(format_args!("conn #{} udp {from} → {}: send failed: {e}", b.conn.id, ctx.upstream));
                    continue;
                }
                b.touch();
                ctx.count_bytes(Dir::C2S, n);
                if ctx.pcap.is_some() {
                    ctx.capture(PcapEvent::Udp { client: from, server: ctx.upstream, dir: Dir::C2S, data: d.to_vec(), ts });
                }
                ctx.decode(&b.decode, &b.conn, Dir::C2S, ts, d);
            }
            Some(addr) = expired_rx.recv() => {
                if bindings.get(&addr).is_some_and(|b| b.closed.load(Relaxed)) {
                    bindings.remove(&addr);
                }
            }
            _ = stop.changed() => return,
        }
    }
}

async fn new_binding(
    ctx: &Ctx,
    client: SocketAddr,
    permits: (OwnedSemaphorePermit, SourcePermit),
) -> std::io::Result<Binding> {
    let local: SocketAddr = match ctx.upstream.ip() {
        IpAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        IpAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let sock = UdpSocket::bind(local).await?;
    sock.connect(ctx.upstream).await?;
    let id = ctx.next_id();
    ctx.stats.udp_bindings.fetch_add(1, Relaxed);
    ctx.log_conn(format_args!(
        "conn #{id} udp {client} → {} new binding (local {})",
        ctx.upstream,
        sock.local_addr()?
    ));
    let start = Instant::now();
    Ok(Binding {
        conn: Conn {
            id,
            transport: Transport::Udp,
            client,
            upstream: ctx.upstream,
        },
        sock,
        decode: SharedDecode::default(),
        last: AtomicU64::new(0),
        start,
        closed: AtomicBool::new(false),
        _permits: permits,
    })
}

/// Upstream → client for one binding, and its expiry.
async fn downstream(
    ctx: Arc<Ctx>,
    listen: Arc<UdpSocket>,
    b: Arc<Binding>,
    expired: mpsc::UnboundedSender<SocketAddr>,
    mut stop: watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; 65536];
    let idle = ctx.idle_timeout;
    let mut unreachable_logged = false;
    loop {
        let deadline = b.start + Duration::from_millis(b.last.load(Relaxed)) + idle;
        tokio::select! {
            r = b.sock.recv(&mut buf) => {
                let n = match r {
                    Ok(n) => n,
                    Err(e) => {
                        if !unreachable_logged {
                            unreachable_logged = true;
                            ctx.log(format_args!("conn #{} udp {} → {}: upstream error: {e}", b.conn.id, b.conn.client, ctx.upstream));
                        }
                        continue;
                    }
                };
                let ts = SystemTime::now();
                let d = &buf[..n];
                if let Err(e) = listen.send_to(d, b.conn.client).await {
                    ctx.stats.io_errors.fetch_add(1, Relaxed);
                    ctx.log(format_args!("conn #{} udp {} ← {}: send failed: {e}", b.conn.id, b.conn.client, ctx.upstream));
                    continue;
                }
                b.touch();
                ctx.count_bytes(Dir::S2C, n);
                if ctx.pcap.is_some() {
                    ctx.capture(PcapEvent::Udp { client: b.conn.client, server: ctx.upstream, dir: Dir::S2C, data: d.to_vec(), ts });
                }
                ctx.decode(&b.decode, &b.conn, Dir::S2C, ts, d);
            }
            _ = tokio::time::sleep_until(deadline.into()) => {
                if b.start.elapsed() >= Duration::from_millis(b.last.load(Relaxed)) + idle {
                    b.closed.store(true, Relaxed);
                    ctx.log_conn(format_args!("conn #{} udp {} → {} binding expired after {}s idle", b.conn.id, b.conn.client, ctx.upstream, idle.as_secs()));
                    let _ = expired.send(b.conn.client);
                    return;
                }
            }
            _ = stop.changed() => return,
        }
    }
}
