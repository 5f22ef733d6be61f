//! TCP forwarding: one upstream connection per accepted client connection.

use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use crate::limits::{more, SourcePermit};
use crate::output::{Conn, Dir};
use crate::pcap::PcapEvent;
use crate::relay::{Ctx, SharedDecode};
use msstun::framing::Transport;

/// Read buffer per direction: also the most bytes in flight inside the relay per direction.
pub const BUF_SIZE: usize = 16 * 1024;

/// Accept loop.
pub async fn serve(
    listener: TcpListener,
    ctx: Arc<Ctx>,
    limit: Arc<Semaphore>,
    mut stop: watch::Receiver<bool>,
) {
    let mut refused_logged = Instant::now() - std::time::Duration::from_secs(60);
    loop {
        tokio::select! {
            r = listener.accept() => {
                let (sock, peer) = match r {
                    Ok(x) => x,
                    Err(e) => {
                        // EMFILE and friends: wait a little instead of spinning.
                        ctx.log(format_args!("tcp accept failed: {e}"));
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Some(source) = ctx.limits.tcp_per_source.try_acquire(peer.ip()) else {
                    ctx.stats.refused_per_source.fetch_add(1, Relaxed);
                    if let Some(n) = ctx.limits.tcp_log.allow() {
                        ctx.log(format_args!(
                            "refusing tcp connection from {peer}: {} already holds {} connections (--max-tcp-per-source){}",
                            peer.ip(),
                            ctx.limits.tcp_per_source.max(),
                            more(n)
                        ));
                    }
                    drop(sock);
                    continue;
                };
                let Ok(permit) = limit.clone().try_acquire_owned() else {
                    ctx.stats.refused.fetch_add(1, Relaxed);
                    if refused_logged.elapsed().as_secs() >= 1 {
                        refused_logged = Instant::now();
                        ctx.log(format_args!("refusing tcp connection from {peer}: --max-connections reached"));
                    }
                    drop(sock);
                    continue;
                };
                let ctx = ctx.clone();
                let stop = stop.clone();
                tokio::spawn(async move { handle(ctx, sock, peer, (permit, source), stop).await });
            }
            _ = stop.changed() => return,
        }
    }
}

async fn handle(
    ctx: Arc<Ctx>,
    client: TcpStream,
    peer: SocketAddr,
    _permits: (OwnedSemaphorePermit, SourcePermit),
    mut stop: watch::Receiver<bool>,
) {
    let id = ctx.next_id();
    let Some(upstream) = connect_upstream(&ctx, id, peer).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    ctx.stats.tcp_conns.fetch_add(1, Relaxed);
    let conn = Conn {
        id,
        transport: Transport::Tcp,
        client: peer,
        upstream: ctx.upstream,
    };
    ctx.log_conn(format_args!(
        "conn #{id} tcp {peer} → {} open",
        ctx.upstream
    ));
    ctx.capture(PcapEvent::TcpOpen {
        id,
        client: peer,
        server: ctx.upstream,
        ts: SystemTime::now(),
    });
    let decode = SharedDecode::default();
    let (cr, cw) = client.into_split();
    let (ur, uw) = upstream.into_split();
    let last = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let start = Instant::now();
    let counts = [
        std::sync::atomic::AtomicU64::new(0),
        std::sync::atomic::AtomicU64::new(0),
    ];
    let a = pump(
        &ctx,
        &conn,
        &decode,
        Dir::C2S,
        cr,
        uw,
        &last,
        start,
        &counts[0],
    );
    let b = pump(
        &ctx,
        &conn,
        &decode,
        Dir::S2C,
        ur,
        cw,
        &last,
        start,
        &counts[1],
    );
    tokio::pin!(a, b);
    let (mut ra, mut rb) = (None, None);
    let idle = ctx.idle_timeout;
    // Until the client has sent one complete message, it has `first_message` to do so.
    let mut first_deadline = ctx.limits.first_message.map(|d| start + d);
    let reason = loop {
        let idle_at = start + std::time::Duration::from_millis(last.load(Relaxed)) + idle;
        tokio::select! {
            r = &mut a, if ra.is_none() => {
                let failed = r.is_err();
                ra = Some(r);
                if failed { break "error"; }
            }
            r = &mut b, if rb.is_none() => {
                let failed = r.is_err();
                rb = Some(r);
                if failed { break "error"; }
            }
            _ = tokio::time::sleep_until(idle_at.into()) => {
                if start.elapsed() >= std::time::Duration::from_millis(last.load(Relaxed)) + idle {
                    break "idle timeout";
                }
            }
            _ = tokio::time::sleep_until(first_deadline.unwrap_or(start).into()), if first_deadline.is_some() => {
                first_deadline = None;
                if no_first_message(&ctx, &decode, &counts[0], id, peer) {
                    break "no complete message in time";
                }
            }
            _ = stop.changed() => break "relay stopping",
        }
        if ra.is_some() && rb.is_some() {
            break "closed";
        }
    };
    closed(&ctx, &conn, &decode, reason, [&ra, &rb], &counts);
}

/// What a pump ended with: the bytes it forwarded, or those and the error.
type PumpEnd = Option<Result<u64, (u64, std::io::Error)>>;

/// Connect to the upstream within the connect timeout; on failure count and log it.
async fn connect_upstream(ctx: &Ctx, id: u64, peer: SocketAddr) -> Option<TcpStream> {
    match tokio::time::timeout(ctx.connect_timeout, TcpStream::connect(ctx.upstream)).await {
        Ok(Ok(s)) => Some(s),
        Ok(Err(e)) => {
            ctx.stats.upstream_failures.fetch_add(1, Relaxed);
            ctx.log(format_args!("conn #{id} tcp {peer}: upstream {} unreachable ({e}); closing the client connection", ctx.upstream));
            None
        }
        Err(_) => {
            ctx.stats.upstream_failures.fetch_add(1, Relaxed);
            ctx.log(format_args!(
                "conn #{id} tcp {peer}: upstream {} did not answer within {:?}; closing the client connection",
                ctx.upstream, ctx.connect_timeout
            ));
            None
        }
    }
}

/// At the first-message deadline: whether the client has sent no complete message (then
/// counted and logged, rate-limited).
fn no_first_message(
    ctx: &Ctx,
    decode: &SharedDecode,
    c2s: &std::sync::atomic::AtomicU64,
    id: u64,
    peer: SocketAddr,
) -> bool {
    let sent = if ctx.no_decode {
        c2s.load(Relaxed) > 0
    } else {
        decode.lock().map(|d| d.first_message()).unwrap_or(true)
    };
    if sent {
        return false;
    }
    ctx.stats.first_message_timeouts.fetch_add(1, Relaxed);
    if let Some(n) = ctx.limits.first_message_log.allow() {
        ctx.log(format_args!(
            "conn #{id} tcp {peer}: no complete message within {:?} (--first-message-timeout); closing{}",
            ctx.limits.first_message.unwrap_or_default(),
            more(n)
        ));
    }
    true
}

/// The connection ended (`reason`; `ends`: how each direction's pump ended): capture,
/// decoder and analysis told, the close logged with the bytes each way.
fn closed(
    ctx: &Ctx,
    conn: &Conn,
    decode: &SharedDecode,
    reason: &str,
    [ra, rb]: [&PumpEnd; 2],
    counts: &[std::sync::atomic::AtomicU64; 2],
) {
    let show = |r: &PumpEnd, n: &std::sync::atomic::AtomicU64| {
        let n = n.load(Relaxed);
        match r {
            Some(Err((_, e))) => format!("{n} ({e})"),
            _ => n.to_string(),
        }
    };
    let up = show(ra, &counts[0]);
    let down = show(rb, &counts[1]);
    let is_reset = |r: &PumpEnd| matches!(r, Some(Err((_, e))) if matches!(e.kind(), std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe));
    let reason = if reason == "error" && (is_reset(ra) || is_reset(rb)) {
        "reset"
    } else {
        if reason == "error" {
            ctx.stats.io_errors.fetch_add(1, Relaxed);
        }
        reason
    };
    let (id, peer) = (conn.id, conn.client);
    ctx.capture(PcapEvent::TcpClose {
        id,
        ts: SystemTime::now(),
    });
    // A reset (or the relay stopping) ends both directions without a FIN: the decoder's
    // held-back bytes are complete now (a repeated end is harmless).
    ctx.decode(decode, conn, Dir::C2S, SystemTime::now(), &[]);
    ctx.decode(decode, conn, Dir::S2C, SystemTime::now(), &[]);
    ctx.analyse_closed(conn);
    ctx.log_conn(format_args!(
        "conn #{id} tcp {peer} → {} {reason}: bytes client→upstream {up}, upstream→client {down}",
        ctx.upstream
    ));
}

#[allow(clippy::too_many_arguments)]
async fn pump(
    ctx: &Ctx,
    conn: &Conn,
    decode: &SharedDecode,
    dir: Dir,
    mut r: OwnedReadHalf,
    mut w: OwnedWriteHalf,
    last: &std::sync::atomic::AtomicU64,
    start: Instant,
    count: &std::sync::atomic::AtomicU64,
) -> Result<u64, (u64, std::io::Error)> {
    let mut buf = vec![0u8; BUF_SIZE];
    let mut total = 0u64;
    loop {
        let n = match r.read(&mut buf).await {
            Ok(n) => n,
            Err(e) => return Err((total, e)),
        };
        let ts = SystemTime::now();
        if n == 0 {
            // Half-close: pass the FIN on, keep the other direction running.
            let _ = w.shutdown().await;
            ctx.decode(decode, conn, dir, ts, &[]);
            ctx.capture(PcapEvent::TcpFin {
                id: conn.id,
                dir,
                ts,
            });
            return Ok(total);
        }
        if let Err(e) = w.write_all(&buf[..n]).await {
            return Err((total, e));
        }
        total += n as u64;
        count.fetch_add(n as u64, Relaxed);
        last.store(start.elapsed().as_millis() as u64, Relaxed);
        ctx.count_bytes(dir, n);
        if ctx.pcap.is_some() {
            ctx.capture(PcapEvent::TcpData {
                id: conn.id,
                dir,
                data: buf[..n].to_vec(),
                ts,
            });
        }
        ctx.decode(decode, conn, dir, ts, &buf[..n]);
    }
}
