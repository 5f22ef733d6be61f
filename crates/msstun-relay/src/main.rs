//! `msstun-relay`: a TCP/UDP forwarding relay that prints every STUN/TURN/MS-TURN message
//! it forwards, decoded with the shared `msstun` parser. See the crate README.

mod creds;
mod inspect;
mod limits;
mod media;
mod output;
mod pcap;
mod relay;
mod tcp;
mod udp;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;

use crate::output::Format;
use crate::relay::Ctx;

/// Exit status: stopped by SIGINT/SIGTERM after a clean run.
const EXIT_OK: u8 = 0;
/// Exit status: runtime failure.
const EXIT_RUNTIME: u8 = 1;
/// Exit status: cannot bind the listening address.
const EXIT_LISTEN: u8 = 3;
/// Exit status: cannot resolve the upstream.
const EXIT_UPSTREAM: u8 = 4;
/// Exit status: credentials file unreadable or malformed.
const EXIT_CREDENTIALS: u8 = 5;
/// Exit status: cannot create the capture file.
const EXIT_PCAP: u8 = 6;

const AFTER_HELP: &str = "\
Each message line goes to stdout; connection events, errors and the final summary go to stderr.
The relay prints `msstun-relay: listening on tcp ADDR, udp ADDR` to stderr once it is ready
(useful with --listen 127.0.0.1:0).

Exit codes:
  0  stopped by SIGINT or SIGTERM (summary printed)
  1  runtime failure
  2  invalid command line
  3  cannot listen on --listen (address in use, permission)
  4  cannot resolve --upstream
  5  cannot read or parse --credentials
  6  cannot create --pcap file";

/// Forward TCP and UDP to a TURN server unchanged, printing every STUN/TURN/MS-TURN message.
///
/// Placed in front of a TURN server (coturn, Expressway-E, a Skype/Teams edge), it relays
/// every byte as received in both directions and shows each message as it passes -- the
/// same text the msstun Wireshark plugin puts in the Info column -- and can keep a pcapng
/// of what it relayed.
#[derive(Debug, Parser)]
#[command(name = "msstun-relay", version, about, long_about, after_help = AFTER_HELP)]
struct Args {
    /// Address and port to listen on; TCP and UDP both bind it unless --tcp or --udp narrows that.
    /// Port 0 picks a free port (the same for TCP and UDP).
    #[arg(long, value_name = "ADDR:PORT")]
    listen: SocketAddr,
    /// The TURN server to forward to. Resolved once at start.
    #[arg(long, value_name = "HOST:PORT")]
    upstream: String,
    /// Relay TCP (only TCP unless --udp is given too).
    #[arg(long)]
    tcp: bool,
    /// Relay UDP (only UDP unless --tcp is given too).
    #[arg(long)]
    udp: bool,
    /// Output format of message lines: `text` (one readable line per message) or `json` (JSON Lines).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Also write what was relayed to this pcapng file (synthetic Ethernet/IP/TCP|UDP headers,
    /// real endpoints and timestamps) for Wireshark.
    #[arg(long, value_name = "FILE")]
    pcap: Option<PathBuf>,
    /// Verify MESSAGE-INTEGRITY with these credentials: one `username:realm:password` per line,
    /// empty realm for a short-term (ICE) password, `\:` for a colon inside a username or
    /// realm. Secrets are never printed.
    #[arg(long, value_name = "FILE")]
    credentials: Option<PathBuf>,
    /// Most simultaneous TCP connections plus UDP bindings; more are refused (TCP closed, UDP dropped).
    #[arg(long, value_name = "N", default_value_t = 4096)]
    max_connections: usize,
    /// Most simultaneous TCP connections from one client address; more are closed at once.
    #[arg(long, value_name = "N", default_value_t = relay::DEFAULT_PER_SOURCE)]
    max_tcp_per_source: usize,
    /// Most simultaneous UDP bindings (client ports) of one client address; datagrams from
    /// further ports of that address are dropped.
    #[arg(long, value_name = "N", default_value_t = relay::DEFAULT_PER_SOURCE)]
    max_udp_per_source: usize,
    /// Close a TCP connection that has not sent one complete message (STUN, ChannelData,
    /// framed PDU, pseudo-TLS hello) this many seconds after it opened; 0 = no deadline.
    #[arg(long, value_name = "SECS", default_value_t = relay::DEFAULT_FIRST_MESSAGE_SECS)]
    first_message_timeout: u64,
    /// Close a UDP binding (or TCP connection) after this many seconds without traffic.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    idle_timeout: u64,
    /// Print the allocation and ICE tables (msstun-analysis) on stdout at shutdown and on
    /// SIGUSR1: `text`, `json` (one JSON line `{"tables": WHY, "report": {...}}`) or `off`.
    /// Default: the --format.
    #[arg(long, value_enum, value_name = "FORMAT")]
    tables: Option<Tables>,
    /// Also print one line per ChannelData message and RFC 6062 data chunk.
    #[arg(long)]
    show_data: bool,
    /// Print media lines on stdout (in --format): every SECS seconds one per flow
    /// (connection and channel, DATA attributes, data connection) that relayed something
    /// new — packets and bytes by kind, per RTP SSRC packets, lost and sequence jumps — and
    /// one per flow at shutdown. 0 = only at shutdown. Without it the media appear in the
    /// summary on stderr only.
    #[arg(long, value_name = "SECS")]
    media_interval: Option<u64>,
    /// Do not log connection open/close on stderr.
    #[arg(long, short)]
    quiet: bool,
    /// Forward only, decode nothing (benchmark baseline).
    #[arg(long, hide = true)]
    no_decode: bool,
}

/// `--tables`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Tables {
    /// Text tables.
    Text,
    /// One JSON line.
    Json,
    /// No tables (and no analysis).
    Off,
}

fn main() -> ExitCode {
    let args = Args::parse();
    raise_fd_limit();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("msstun-relay: cannot start the runtime: {e}");
            return ExitCode::from(EXIT_RUNTIME);
        }
    };
    ExitCode::from(rt.block_on(run(args)))
}

async fn run(args: Args) -> u8 {
    let upstream = match tokio::net::lookup_host(&args.upstream)
        .await
        .map(|mut it| it.next())
    {
        Ok(Some(a)) => a,
        Ok(None) => {
            eprintln!("msstun-relay: --upstream {}: no address", args.upstream);
            return EXIT_UPSTREAM;
        }
        Err(e) => {
            eprintln!("msstun-relay: --upstream {}: {e}", args.upstream);
            return EXIT_UPSTREAM;
        }
    };
    let creds = match &args.credentials {
        None => None,
        Some(p) => match std::fs::read_to_string(p)
            .map_err(|e| e.to_string())
            .and_then(|t| creds::Credentials::parse(&t))
        {
            Ok(c) => {
                eprintln!(
                    "msstun-relay: {} credentials loaded from {}",
                    c.len(),
                    p.display()
                );
                Some(c)
            }
            Err(e) => {
                eprintln!("msstun-relay: --credentials {}: {e}", p.display());
                return EXIT_CREDENTIALS;
            }
        },
    };
    let (pcap, pcap_thread) = match &args.pcap {
        None => (None, None),
        Some(p) => match pcap::start(p, 16 * 1024) {
            Ok((s, h)) => (Some(s), Some(h)),
            Err(e) => {
                eprintln!("msstun-relay: --pcap {}: {e}", p.display());
                return EXIT_PCAP;
            }
        },
    };
    let (want_tcp, want_udp) = match (args.tcp, args.udp) {
        (false, false) => (true, true),
        x => x,
    };
    let (tcp, udp) = match bind(args.listen, want_tcp, want_udp).await {
        Ok(x) => x,
        Err(e) => {
            eprintln!("msstun-relay: cannot listen on {}: {e}", args.listen);
            return EXIT_LISTEN;
        }
    };
    let (out, out_writer) = output::spawn_writer(std::io::stdout(), 64 * 1024);
    let ctx = Arc::new(context(&args, upstream, creds, out, pcap));
    let limit = Arc::new(Semaphore::new(args.max_connections.max(1)));
    let (stop_tx, stop_rx) = watch::channel(false);
    let (what, mut tasks) = serve(tcp, udp, &ctx, &limit, &stop_rx);
    ctx.log(format_args!(
        "listening on {}, forwarding to {upstream}",
        what.join(", ")
    ));
    let started = Instant::now();
    if let Some(secs @ 1..) = args.media_interval {
        tasks.push(media_reports(&ctx, stop_rx, Duration::from_secs(secs)));
    }
    let sig = wait_for_signal(&ctx).await;
    ctx.log(format_args!("{sig}: stopping"));
    let _ = stop_tx.send(true);
    for t in tasks {
        let _ = t.await;
    }
    shutdown(
        ctx,
        started,
        args.media_interval.is_some(),
        out_writer,
        pcap_thread,
    )
    .await;
    EXIT_OK
}

/// The relay's context from the command line.
fn context(
    args: &Args,
    upstream: SocketAddr,
    creds: Option<creds::Credentials>,
    out: output::Out,
    pcap: Option<pcap::PcapSink>,
) -> Ctx {
    Ctx::new(
        args.format,
        args.show_data,
        args.no_decode,
        creds,
        upstream,
        Duration::from_secs(args.idle_timeout.max(1)),
        out,
        pcap,
        !args.quiet,
    )
    .with_limits(relay::Limits::new(
        args.max_tcp_per_source,
        args.max_udp_per_source,
        Duration::from_secs(args.first_message_timeout),
    ))
    .with_tables(match args.tables {
        _ if args.no_decode => None,
        None => Some(args.format),
        Some(Tables::Text) => Some(Format::Text),
        Some(Tables::Json) => Some(Format::Json),
        Some(Tables::Off) => None,
    })
}

/// Start the TCP and UDP servers: what listens where, and their tasks.
fn serve(
    tcp: Option<TcpListener>,
    udp: Option<UdpSocket>,
    ctx: &Arc<Ctx>,
    limit: &Arc<Semaphore>,
    stop_rx: &watch::Receiver<bool>,
) -> (Vec<String>, Vec<JoinHandle<()>>) {
    let mut what = Vec::new();
    let mut tasks = Vec::new();
    let local = |a: std::io::Result<SocketAddr>| a.map_or("?".into(), |a| a.to_string());
    if let Some(l) = tcp {
        what.push(format!("tcp {}", local(l.local_addr())));
        tasks.push(tokio::spawn(tcp::serve(
            l,
            ctx.clone(),
            limit.clone(),
            stop_rx.clone(),
        )));
    }
    if let Some(s) = udp {
        what.push(format!("udp {}", local(s.local_addr())));
        tasks.push(tokio::spawn(udp::serve(
            s,
            ctx.clone(),
            limit.clone(),
            stop_rx.clone(),
        )));
    }
    (what, tasks)
}

/// The periodic media report (`--media-interval`), until stopped.
fn media_reports(
    ctx: &Arc<Ctx>,
    mut stop: watch::Receiver<bool>,
    every: Duration,
) -> JoinHandle<()> {
    let ctx = ctx.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    for line in ctx.media.report(ctx.format, std::time::SystemTime::now(), false) {
                        ctx.emit(line);
                    }
                }
                _ = stop.changed() => break,
            }
        }
    })
}

/// After the servers stopped: the summary, the tables, the last media report; flush the
/// output and the capture.
async fn shutdown(
    ctx: Arc<Ctx>,
    started: Instant,
    media: bool,
    out_writer: output::Writer,
    pcap_thread: Option<std::thread::JoinHandle<()>>,
) {
    // Let connection tasks log their close and queue their last capture events.
    let deadline = Instant::now() + Duration::from_secs(2);
    while Arc::strong_count(&ctx) > 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let summary = ctx.summary(started.elapsed());
    ctx.emit_tables("shutdown");
    if media {
        for line in ctx
            .media
            .report(ctx.format, std::time::SystemTime::now(), true)
        {
            ctx.emit(line);
        }
    }
    out_writer.finish();
    if Arc::strong_count(&ctx) == 1 {
        // Last owner: dropping the capture sender ends its thread after it flushes.
        drop(ctx);
        if let Some(h) = pcap_thread {
            let _ = h.join();
        }
    }
    for line in summary.lines() {
        eprintln!("msstun-relay: {line}");
    }
}

/// Each TCP connection takes two descriptors: raise the soft limit to the hard one.
fn raise_fd_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read/write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

/// Bind TCP and/or UDP on one address; with port 0, retry until both get the same port.
async fn bind(
    addr: SocketAddr,
    tcp: bool,
    udp: bool,
) -> std::io::Result<(Option<TcpListener>, Option<UdpSocket>)> {
    let mut last_err = None;
    for _ in 0..20 {
        let t = if tcp {
            Some(TcpListener::bind(addr).await?)
        } else {
            None
        };
        let port = match &t {
            Some(l) => l.local_addr()?.port(),
            None => addr.port(),
        };
        if !udp {
            return Ok((t, None));
        }
        match UdpSocket::bind(SocketAddr::new(addr.ip(), port)).await {
            Ok(u) => return Ok((t, Some(u))),
            Err(e) if addr.port() == 0 => last_err = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_err.unwrap_or_else(|| std::io::Error::other("no common free port")))
}

/// Wait for SIGINT or SIGTERM; on SIGUSR1 print the tables and keep going.
async fn wait_for_signal(ctx: &Ctx) -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return "SIGINT";
        }
    };
    let mut usr1 = signal(SignalKind::user_defined1()).ok();
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return "SIGINT",
            _ = term.recv() => return "SIGTERM",
            Some(()) = async {
                match usr1.as_mut() {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            } => ctx.emit_tables("SIGUSR1"),
        }
    }
}
