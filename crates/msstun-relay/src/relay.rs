//! Shared relay state: configuration, counters, and the per-connection decoder.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::creds::Credentials;
use msstun::framing::Transport;
use msstun::stream::{ConnectionDecoder, Decoded, DecodedKind, Direction};
use msstun_analysis::session::{At, State};
use msstun_analysis::{render, Analysis, Observation};

use crate::inspect::{inspect, TxKeys};
use crate::limits::{PerSource, RateLog};
use crate::media::{MediaCache, MediaFlows};
use crate::output::{data_line, message_line, Conn, Dir, Format, Out};
use crate::pcap::{PcapEvent, PcapSink};
use msstun::classify::{Carried, Carrier};
use msstun::registry::{method_role, MethodRole, Role};

/// Counters printed in the final summary.
#[derive(Debug, Default)]
pub struct Stats {
    /// TCP connections accepted and connected upstream.
    pub tcp_conns: AtomicU64,
    /// UDP bindings created.
    pub udp_bindings: AtomicU64,
    /// Connections/bindings refused by `--max-connections`.
    pub refused: AtomicU64,
    /// TCP connections and UDP bindings refused by the per-source caps.
    pub refused_per_source: AtomicU64,
    /// TCP connections closed for sending no complete message in time.
    pub first_message_timeouts: AtomicU64,
    /// Upstream connect failures.
    pub upstream_failures: AtomicU64,
    /// Bytes client → upstream.
    pub bytes_c2s: AtomicU64,
    /// Bytes upstream → client.
    pub bytes_s2c: AtomicU64,
    /// STUN messages decoded.
    pub stun_messages: AtomicU64,
    /// ChannelData messages.
    pub channel_data: AtomicU64,
    /// RFC 6062 / MS-TURN data frames or chunks.
    pub data_frames: AtomicU64,
    /// Directions that carried undecodable bytes.
    pub undecodable: AtomicU64,
    /// Undecodable bytes in all.
    pub undecodable_bytes: AtomicU64,
    /// Messages with attribute errors.
    pub malformed: AtomicU64,
    /// MESSAGE-INTEGRITY checks that failed.
    pub integrity_bad: AtomicU64,
    /// Forwarding I/O errors.
    pub io_errors: AtomicU64,
    /// Output lines dropped because stdout was blocked.
    pub dropped_lines: AtomicU64,
    /// Messages by "Method Class".
    pub by_type: Mutex<BTreeMap<String, u64>>,
}

/// Process-wide relay context.
pub struct Ctx {
    /// Output format.
    pub format: Format,
    /// Print ChannelData/data lines too.
    pub show_data: bool,
    /// Decoding switched off (benchmark baseline).
    pub no_decode: bool,
    /// Credentials for MESSAGE-INTEGRITY.
    pub creds: Option<Credentials>,
    /// Upstream address.
    pub upstream: SocketAddr,
    /// Idle timeout of UDP bindings (and idle TCP connections).
    pub idle_timeout: Duration,
    /// Upstream TCP connect timeout.
    pub connect_timeout: Duration,
    /// Line output.
    pub out: Out,
    /// Capture output.
    pub pcap: Option<PcapSink>,
    /// Counters.
    pub stats: Stats,
    /// Log connection open/close on stderr.
    pub log_conns: bool,
    /// Per-source caps and deadlines.
    pub limits: Limits,
    /// The capture state of everything decoded, with its allocation and ICE analysis
    /// (None: `--tables off`).
    pub analysis: Option<Mutex<State>>,
    /// Format of the tables.
    pub tables: Format,
    /// "Frame" numbers for the analysis: one per decoded item, in decoding order.
    frames: AtomicU32,
    /// Findings of the analysis printed so far (they are printed when they happen).
    findings_printed: AtomicUsize,
    /// Relayed media by connection and flow.
    pub media: MediaFlows,
    next_id: AtomicU64,
}

/// What one client may hold ([`crate::limits`]).
#[derive(Debug)]
pub struct Limits {
    /// Live TCP connections per client address.
    pub tcp_per_source: Arc<PerSource>,
    /// Live UDP bindings per client address.
    pub udp_per_source: Arc<PerSource>,
    /// Time a TCP connection has to send its first complete message (None: no deadline).
    pub first_message: Option<Duration>,
    /// Rate limit of the "per-source cap reached" lines (TCP).
    pub tcp_log: RateLog,
    /// Rate limit of the "per-source cap reached" lines (UDP).
    pub udp_log: RateLog,
    /// Rate limit of the "no complete message in time" lines.
    pub first_message_log: RateLog,
}

impl Limits {
    /// Caps per source address and the first-message deadline (zero: none).
    pub fn new(tcp_per_source: usize, udp_per_source: usize, first_message: Duration) -> Self {
        Limits {
            tcp_per_source: PerSource::new(tcp_per_source),
            udp_per_source: PerSource::new(udp_per_source),
            first_message: (!first_message.is_zero()).then_some(first_message),
            tcp_log: RateLog::new(Duration::from_secs(1)),
            udp_log: RateLog::new(Duration::from_secs(1)),
            first_message_log: RateLog::new(Duration::from_secs(1)),
        }
    }
}

impl Default for Limits {
    /// The command line's defaults.
    fn default() -> Self {
        Limits::new(
            DEFAULT_PER_SOURCE,
            DEFAULT_PER_SOURCE,
            Duration::from_secs(DEFAULT_FIRST_MESSAGE_SECS),
        )
    }
}

/// Default of `--max-tcp-per-source` and `--max-udp-per-source`.
pub const DEFAULT_PER_SOURCE: usize = 256;
/// Default of `--first-message-timeout` (seconds).
pub const DEFAULT_FIRST_MESSAGE_SECS: u64 = 10;

impl Ctx {
    /// Build a context.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        format: Format,
        show_data: bool,
        no_decode: bool,
        creds: Option<Credentials>,
        upstream: SocketAddr,
        idle_timeout: Duration,
        out: Out,
        pcap: Option<PcapSink>,
        log_conns: bool,
    ) -> Self {
        Ctx {
            format,
            show_data,
            no_decode,
            creds,
            upstream,
            idle_timeout,
            connect_timeout: Duration::from_secs(5),
            out,
            pcap,
            stats: Stats::default(),
            log_conns,
            limits: Limits::default(),
            analysis: Some(Mutex::new(State::live())),
            tables: format,
            frames: AtomicU32::new(0),
            findings_printed: AtomicUsize::new(0),
            media: MediaFlows::default(),
            next_id: AtomicU64::new(1),
        }
    }

    /// The same context with other table settings (`None`: no analysis).
    pub fn with_tables(mut self, tables: Option<Format>) -> Self {
        match tables {
            Some(f) => self.tables = f,
            None => self.analysis = None,
        }
        self
    }

    /// Feed one decoded item to the analysis (`data_connection`: before the item;
    /// `verdict`: its MESSAGE-INTEGRITY checked with the relay's credentials).
    fn analyse(
        &self,
        pass: &mut Pass<'_>,
        item: &Decoded<'_>,
        data_connection: bool,
        verdict: Option<bool>,
    ) {
        let Some(an) = pass.analysis.as_mut() else {
            return;
        };
        let conn = pass.conn;
        let frame = self.frames.fetch_add(1, Relaxed).wrapping_add(1);
        let obs = observation(pass.conn, pass.dir, pass.time, frame).with_integrity(verdict);
        let at = At {
            flow: conn.id,
            frame,
            visited: false,
            ends: Some((obs.src, obs.dst)),
        };
        an.feed_decoded(at, &obs, item, data_connection, false, |_, _, _| {});
        self.emit_findings(&an.analysis, pass.ts);
    }

    /// One decoded item printed, counted and fed to the analysis; returns how many of its
    /// bytes were undecodable.
    #[inline]
    fn decoded(
        &self,
        pass: &mut Pass<'_>,
        keys: &mut TxKeys,
        item: &Decoded<'_>,
        data_connection: bool,
    ) -> usize {
        if let (true, DecodedKind::ChannelData { channel, data }) = (pass.runs, item.kind) {
            // The bulk of a media leg, straight: counted, accounted, held back (a payload
            // that may be STUN takes the general path below).
            if !maybe_stun(data) {
                pass.channel_data += 1;
                let conn = pass.conn;
                pass.media
                    .account(&self.media, conn, Carrier::ChannelData, channel, data);
                self.hold_relayed(pass, Carrier::ChannelData, Some(channel), data.len());
                return 0;
            }
        }
        // The findings of the payloads held back first; then the message line, then the
        // analysis (its findings follow the line), given the MESSAGE-INTEGRITY verdict of
        // the relay's credentials.
        let alone = relayed_alone(item, data_connection).filter(|_| pass.runs);
        if alone.is_none() {
            self.flush_run(pass);
        }
        let (undecodable, verdict) = self.handle_item(pass, keys, item, data_connection);
        match alone {
            Some((carried, len)) => self.hold_relayed(pass, carried.carrier, carried.channel, len),
            None => self.analyse(pass, item, data_connection, verdict),
        }
        undecodable
    }

    /// Hold a relayed payload back for the analysis (`len` bytes by `carrier`, `channel`: see
    /// [`relayed_alone`]), in a run with those before it on the same carrier.
    fn hold_relayed(
        &self,
        pass: &mut Pass<'_>,
        carrier: Carrier,
        channel: Option<u16>,
        len: usize,
    ) {
        let run = &mut pass.run;
        if run.packets > 0 && (run.carrier != carrier || run.channel != channel) {
            self.flush_run(pass);
        }
        let run = &mut pass.run;
        run.carrier = carrier;
        run.channel = channel;
        run.packets += 1;
        run.bytes += len as u64;
    }

    /// Feed the relayed payloads held back to the analysis in one call (one frame each, as
    /// one by one: [`State::feed_relayed_run`]), and print what it
    /// found.
    fn flush_run(&self, pass: &mut Pass<'_>) {
        let run = std::mem::take(&mut pass.run);
        let Some(an) = pass.analysis.as_mut().filter(|_| run.packets > 0) else {
            return;
        };
        let frame = self.frames.fetch_add(run.packets, Relaxed).wrapping_add(1);
        let carried = Carried {
            channel: run.channel,
            ..Carried::new(run.carrier)
        };
        let obs = observation(pass.conn, pass.dir, pass.time, frame).with_carrier(carried);
        let at = At {
            flow: pass.conn.id,
            frame,
            visited: false,
            ends: Some((obs.src, obs.dst)),
        };
        an.feed_relayed_run(at, &obs, run.packets, run.bytes);
        self.emit_findings(&an.analysis, pass.ts);
    }

    /// Print the findings the analysis raised since the last call (a line each, or a JSON
    /// object with `"record": "finding"`).
    fn emit_findings(&self, an: &Analysis, ts: SystemTime) {
        let done = self.findings_printed.load(Relaxed);
        let new = an.findings_since(done);
        if new.is_empty() {
            return;
        }
        self.findings_printed.store(done + new.len(), Relaxed);
        for f in new {
            self.emit(crate::output::finding_line(self.format, ts, f));
        }
    }

    /// A TCP connection ended: a TCP allocation on it ends (`closed`).
    pub fn analyse_closed(&self, conn: &Conn) {
        let Some(an) = &self.analysis else { return };
        let time = SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let frame = self.frames.fetch_add(1, Relaxed).wrapping_add(1);
        let mut an = an.lock().expect("analysis lock");
        an.analysis
            .tcp_closed(frame, time, conn.client, conn.upstream);
        self.emit_findings(&an.analysis, SystemTime::now());
    }

    /// The allocation and ICE tables as of now (text, or one JSON line), or None with
    /// `--tables off`. `why`: `shutdown` or `SIGUSR1`.
    pub fn tables(&self, why: &str) -> Option<String> {
        let an = self.analysis.as_ref()?;
        let mut an = an.lock().expect("analysis lock");
        let now = SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        an.analysis.finish(Some(now));
        self.emit_findings(&an.analysis, SystemTime::now());
        let r = an.analysis.report();
        Some(match self.tables {
            Format::Text => format!("=== msstun-relay tables ({why}) ===\n{}", render::text(&r)),
            Format::Json => msstun_event::tables_line(why, &render::json(&r)),
        })
    }

    /// Queue the tables on stdout (SIGUSR1, shutdown).
    pub fn emit_tables(&self, why: &str) {
        if let Some(t) = self.tables(why) {
            self.emit(t.trim_end().to_string());
        }
    }

    /// The same context with other limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// A fresh connection id.
    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Relaxed)
    }

    /// Log to stderr (diagnostics, never message lines).
    pub fn log(&self, msg: std::fmt::Arguments<'_>) {
        eprintln!("msstun-relay: {msg}");
    }

    /// Queue an output line.
    pub fn emit(&self, line: String) {
        if !self.out.send(line) {
            self.stats.dropped_lines.fetch_add(1, Relaxed);
        }
    }

    /// Record capture data.
    pub fn capture(&self, ev: PcapEvent) {
        if let Some(p) = &self.pcap {
            p.send(ev);
        }
    }

    /// Count forwarded bytes.
    pub fn count_bytes(&self, dir: Dir, n: usize) {
        match dir {
            Dir::C2S => self.stats.bytes_c2s.fetch_add(n as u64, Relaxed),
            Dir::S2C => self.stats.bytes_s2c.fetch_add(n as u64, Relaxed),
        };
    }

    /// Print and count one decoded item; returns how many of its bytes were undecodable
    /// (0 for a decoded item) and, for a STUN message, its MESSAGE-INTEGRITY verdict.
    fn handle_item(
        &self,
        pass: &mut Pass<'_>,
        keys: &mut TxKeys,
        item: &Decoded<'_>,
        data_connection: bool,
    ) -> (usize, Option<bool>) {
        let conn = pass.conn;
        let (carrier, channel, d) = match item.kind {
            DecodedKind::Stun { message, dialect } => {
                // The decoder always works the dialect out.
                let dialect = dialect.unwrap_or_else(|| msstun::message::detect_dialect(message));
                return (
                    0,
                    self.handle_stun(pass, keys, item.framing, message, dialect),
                );
            }
            DecodedKind::ChannelData { channel, data } => {
                pass.channel_data += 1;
                (Some(Carrier::ChannelData), channel, data)
            }
            DecodedKind::MultiplexedTurn { data, .. } => {
                pass.channel_data += 1;
                let mux = msstun::framing::MULTIPLEXED_TURN_CHANNEL;
                (Some(Carrier::MultiplexedTurn), mux, data)
            }
            DecodedKind::MsTurnData { data } => {
                self.stats.data_frames.fetch_add(1, Relaxed);
                (Some(Carrier::MsTurnData), 0, data)
            }
            DecodedKind::TlsHello(_) => {
                self.stats.data_frames.fetch_add(1, Relaxed);
                (None, 0, &[][..])
            }
            // A data connection's bytes (each RFC 4571 frame, or a chunk of an unframed
            // stream), or the content of a frame beside STUN (ICE-TCP media).
            DecodedKind::Data { data, .. } => {
                self.stats.data_frames.fetch_add(1, Relaxed);
                let carrier = if data_connection {
                    Carrier::DataConnection
                } else {
                    Carrier::Flow
                };
                (Some(carrier), 0, data)
            }
            DecodedKind::Undecodable { data } => {
                // Over UDP a whole datagram beside the STUN of a 5-tuple (media beside ICE
                // checks).
                if conn.transport == Transport::Udp {
                    pass.media
                        .account(&self.media, conn, Carrier::Flow, 0, data);
                }
                self.undecodable(pass, item.offset, data.len());
                return (data.len(), None);
            }
        };
        if let Some(carrier) = carrier {
            pass.media.account(&self.media, conn, carrier, channel, d);
        }
        if self.show_data {
            let framing = item.framing.map_or(
                if matches!(item.kind, DecodedKind::Data { framed: false, .. }) {
                    "none"
                } else {
                    "unknown"
                },
                |f| f.key(),
            );
            let what = data_text(item);
            self.emit(data_line(
                self.format,
                pass.ts,
                conn,
                pass.dir,
                framing,
                &what,
            ));
        }
        (0, None)
    }

    /// Print and count one STUN message; its MESSAGE-INTEGRITY verdict with the relay's
    /// credentials.
    fn handle_stun(
        &self,
        pass: &Pass<'_>,
        keys: &mut TxKeys,
        framing: Option<msstun::framing::Framing>,
        message: &[u8],
        dialect: msstun::Dialect,
    ) -> Option<bool> {
        self.stats.stun_messages.fetch_add(1, Relaxed);
        let (conn, dir) = (pass.conn, pass.dir);
        let rec = match msstun::Message::with_dialect(message, dialect) {
            Ok(msg) => {
                self.account_data_attribute(conn, &msg);
                inspect(&msg, framing, self.creds.as_ref(), keys)
            }
            Err(e) => {
                self.stats.malformed.fetch_add(1, Relaxed);
                let id = conn.id;
                self.log(format_args!(
                    "conn #{id} {}: bad STUN message: {e}",
                    dir.key()
                ));
                return None;
            }
        };
        if rec.error.is_some() {
            self.stats.malformed.fetch_add(1, Relaxed);
        }
        let verdict = match rec.integrity {
            Some(crate::creds::Status::Good) => Some(true),
            Some(crate::creds::Status::Bad) => {
                self.stats.integrity_bad.fetch_add(1, Relaxed);
                Some(false)
            }
            _ => None,
        };
        {
            let mut m = self.stats.by_type.lock().expect("stats lock");
            let k = format!("{} {}", rec.method, rec.class.map_or("", |c| c.name()));
            *m.entry(k).or_insert(0) += 1;
        }
        self.emit(message_line(self.format, pass.ts, conn, dir, &rec));
        verdict
    }

    /// Count undecodable bytes; the first time in a direction, say so on stderr.
    fn undecodable(&self, pass: &mut Pass<'_>, offset: u64, len: usize) {
        self.stats.undecodable_bytes.fetch_add(len as u64, Relaxed);
        if std::mem::replace(pass.reported, true) {
            return;
        }
        self.stats.undecodable.fetch_add(1, Relaxed);
        let conn = pass.conn;
        self.log(format_args!(
            "conn #{} {} {} {} {}: {} undecodable bytes at offset {}; forwarded untouched (reported once per direction, see summary)",
            conn.id,
            conn.transport,
            conn.client,
            pass.dir.arrow(),
            conn.upstream,
            len,
            offset,
        ));
    }

    /// Decode bytes already forwarded (a TCP chunk or one UDP datagram); empty `data`: the
    /// direction ended (TCP FIN).
    pub fn decode(
        &self,
        state: &Mutex<DecodeState>,
        conn: &Conn,
        dir: Dir,
        ts: SystemTime,
        data: &[u8],
    ) {
        if self.no_decode {
            return;
        }
        let mut guard = state.lock().expect("decode lock");
        let st = &mut *guard;
        let i = dir.idx();
        if st.gave_up[i] {
            self.stats
                .undecodable_bytes
                .fetch_add(data.len() as u64, Relaxed);
            return;
        }
        let transport = conn.transport;
        let dec = st
            .dec
            .get_or_insert_with(|| ConnectionDecoder::with_capacity(transport, DECODE_CAPACITY));
        let direction = match dir {
            Dir::C2S => Direction::ClientToServer,
            Dir::S2C => Direction::ServerToClient,
        };
        if data.is_empty() && transport == Transport::Tcp {
            // End of this direction (TCP FIN): what the decoder held back is complete now.
            match direction {
                Direction::ClientToServer => dec.client_to_server.finish(),
                Direction::ServerToClient => dec.server_to_client.finish(),
            }
        }
        // One lock of the analysis and one clock reading per chunk, not per item.
        let mut pass = Pass {
            conn,
            dir,
            ts,
            time: ts
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64()),
            analysis: self
                .analysis
                .as_ref()
                .map(|a| a.lock().expect("analysis lock")),
            reported: &mut st.reported_undecodable[i],
            run: Run::default(),
            media: &mut st.media,
            channel_data: 0,
            // Relayed payloads go to the analysis in runs, unless each has its own line.
            runs: !self.show_data,
        };
        let lost = &mut st.lost[i];
        let (keys, first_message) = (&mut st.keys, &mut st.first_message);
        let mut gave_up = false;
        let mut skipped = 0;
        // Items wholly inside `data` are cut from it in place (no copy).
        dec.feed(direction, data, |item, was_data_connection| {
            if gave_up {
                skipped += item.bytes.len();
                return;
            }
            match self.decoded(&mut pass, keys, &item, was_data_connection) {
                0 => {
                    *lost = 0;
                    *first_message |= dir == Dir::C2S;
                }
                n => *lost += n,
            }
            // Resynchronising costs CPU per byte: stop decoding this direction rather
            // than let a non-STUN stream slow the relay down.
            gave_up = *lost > GIVE_UP_AFTER;
        });
        self.end_pass(pass);
        if gave_up {
            st.gave_up[i] = true;
            self.stats
                .undecodable_bytes
                .fetch_add(skipped as u64, Relaxed);
            self.log(format_args!(
                "conn #{} {}: {} bytes in a row did not decode; not decoding this direction any more (forwarding continues)",
                conn.id,
                dir.key(),
                st.lost[i]
            ));
        }
        if !st.data_connection && dec.is_data_connection() {
            st.data_connection = true;
            self.log_conn(format_args!(
                "conn #{} is now an RFC 6062 data connection",
                conn.id
            ));
        }
    }

    /// The end of a [`Ctx::decode`] call: the payloads held back fed, the media counters
    /// published, the ChannelData counted, the analysis unlocked.
    fn end_pass(&self, mut pass: Pass<'_>) {
        self.flush_run(&mut pass);
        pass.media.publish();
        self.stats
            .channel_data
            .fetch_add(pass.channel_data, Relaxed);
    }

    /// Account the DATA attribute of a Send/Data indication (or [MS-TURN] Send request /
    /// Data Indication) as relayed media.
    fn account_data_attribute(&self, conn: &Conn, msg: &msstun::Message<&[u8]>) {
        let role = method_role(msg.dialect(), msg.method().code);
        if !matches!(role, MethodRole::Send | MethodRole::Data) {
            return;
        }
        for a in msg.attributes().flatten() {
            if a.role() == Role::Data {
                self.media.account(conn, Carrier::DataAttribute, 0, a.value);
            }
        }
    }

    /// Log a connection-level event unless `--quiet`.
    pub fn log_conn(&self, msg: std::fmt::Arguments<'_>) {
        if self.log_conns {
            self.log(msg);
        }
    }

    /// Final summary text.
    pub fn summary(&self, elapsed: Duration) -> String {
        let s = &self.stats;
        let g = |a: &AtomicU64| a.load(Relaxed);
        let mut t = format!(
            "summary after {:.1} s\n  connections: tcp {}, udp bindings {}, refused {}, refused per source {}, no first message {}, upstream failures {}\n  \
             bytes: client→upstream {}, upstream→client {}\n  \
             messages: {} STUN, {} ChannelData, {} data frames\n",
            elapsed.as_secs_f64(),
            g(&s.tcp_conns),
            g(&s.udp_bindings),
            g(&s.refused),
            g(&s.refused_per_source),
            g(&s.first_message_timeouts),
            g(&s.upstream_failures),
            g(&s.bytes_c2s),
            g(&s.bytes_s2c),
            g(&s.stun_messages),
            g(&s.channel_data),
            g(&s.data_frames),
        );

        for (k, v) in s.by_type.lock().expect("stats lock").iter() {
            t.push_str(&format!("    {k}: {v}\n"));
        }
        t.push_str(&format!(
            "  errors: undecodable streams {} ({} bytes), malformed messages {}, integrity failures {}, I/O errors {}, dropped output lines {}, dropped capture packets {}",
            g(&s.undecodable),
            g(&s.undecodable_bytes),
            g(&s.malformed),
            g(&s.integrity_bad),
            g(&s.io_errors),
            g(&s.dropped_lines),
            self.pcap.as_ref().map_or(0, |p| p.dropped()),
        ));
        t.push_str(&format!("\n  media: {} flows", self.media.len()));
        for line in self.media.report(Format::Text, SystemTime::now(), true) {
            t.push_str("\n    ");
            t.push_str(&line);
        }
        t
    }
}

/// What one [`Ctx::decode`] call works with: the connection and direction, the time of
/// the bytes, the analysis (locked once for the call) and whether undecodable bytes were
/// reported in this direction.
struct Pass<'a> {
    conn: &'a Conn,
    dir: Dir,
    ts: SystemTime,
    /// `ts` in seconds since the epoch, for the analysis.
    time: f64,
    analysis: Option<std::sync::MutexGuard<'a, State>>,
    reported: &'a mut bool,
    /// Relayed payloads held back for the analysis.
    run: Run,
    /// The connection's handles on its media flows.
    media: &'a mut MediaCache,
    /// ChannelData (and multiplexed TURN) messages, added to the stats once per call.
    channel_data: u64,
    /// Relayed payloads are fed to the analysis in runs ([`Ctx::flush_run`]).
    runs: bool,
}

/// Relayed payloads in a row on one carrier (and channel), not yet fed to the analysis
/// (none while `packets` is 0).
#[derive(Debug)]
struct Run {
    carrier: Carrier,
    channel: Option<u16>,
    packets: u32,
    bytes: u64,
}

impl Default for Run {
    fn default() -> Self {
        Run {
            carrier: Carrier::Flow,
            channel: None,
            packets: 0,
            bytes: 0,
        }
    }
}

/// Whether a relayed payload may be a STUN message (RFC 7983: first byte 0–3), which the
/// analysis then reads.
#[inline]
fn maybe_stun(data: &[u8]) -> bool {
    data.first().is_some_and(|&b| b < 4)
}

/// The analysis's observation of what travels on `conn` in `dir` at `time` (`frame`).
fn observation(conn: &Conn, dir: Dir, time: f64, frame: u32) -> Observation {
    let (src, dst) = match dir {
        Dir::C2S => (conn.client, conn.upstream),
        Dir::S2C => (conn.upstream, conn.client),
    };
    let mut obs = Observation::direct(frame, time, conn.transport, src, dst);
    if conn.transport == Transport::Tcp {
        obs.tcp_stream = u32::try_from(conn.id).ok();
    }
    obs
}

/// When all an item brings the analysis is one relayed payload (no STUN message, inside
/// or around it; the rules of [`msstun_analysis::feed::walk`]): how it was carried and its
/// length. Such payloads are fed in runs ([`Ctx::flush_run`]).
fn relayed_alone(item: &Decoded<'_>, data_connection: bool) -> Option<(Carried, usize)> {
    match item.kind {
        DecodedKind::ChannelData { channel, data } if !maybe_stun(data) => {
            Some((Carried::channel_data(channel), data.len()))
        }
        DecodedKind::MsTurnData { data } | DecodedKind::MultiplexedTurn { data, .. }
            if !maybe_stun(data) =>
        {
            Some((Carrier::MsTurnData.into(), data.len()))
        }
        DecodedKind::Data { data, .. } if data_connection => {
            Some((Carrier::DataConnection.into(), data.len()))
        }
        _ => None,
    }
}

/// The `--show-data` text of a decoded item that is not STUN.
fn data_text(item: &Decoded<'_>) -> String {
    match item.kind {
        DecodedKind::ChannelData { channel, data } => {
            format!("ChannelData channel: 0x{channel:04x} len: {}", data.len())
        }
        DecodedKind::MultiplexedTurn { session_id, data } => format!(
            "MS-TURN multiplexed session: {} len: {}",
            crate::inspect::hex(&session_id),
            data.len()
        ),
        DecodedKind::MsTurnData { data } => format!("MS-TURN data len: {}", data.len()),
        DecodedKind::TlsHello(h) => h.name().to_string(),
        DecodedKind::Data { data, framed } => format!(
            "Data{} len: {}",
            if framed { " (framed)" } else { "" },
            data.len()
        ),
        DecodedKind::Stun { .. } | DecodedKind::Undecodable { .. } => String::new(),
    }
}

/// Decoder buffer per direction: the largest PDU any framing carries (4 + 65535 + 3)
/// plus margin. Allocated on a connection's first bytes.
const DECODE_CAPACITY: usize = 72 * 1024;

/// Decoder state of one connection (both directions).
#[derive(Debug, Default)]
pub struct DecodeState {
    dec: Option<ConnectionDecoder>,
    keys: TxKeys,
    reported_undecodable: [bool; 2],
    data_connection: bool,
    /// Undecodable bytes since the last decoded item, per direction.
    lost: [usize; 2],
    /// Direction no longer decoded.
    gave_up: [bool; 2],
    /// The client has sent a complete message (anything the decoder delimited).
    first_message: bool,
    /// Handles on the connection's media flows.
    media: MediaCache,
}

impl DecodeState {
    /// Whether the client has sent a complete message yet.
    pub fn first_message(&self) -> bool {
        self.first_message
    }
}

/// Consecutive undecodable bytes after which a direction is no longer decoded.
const GIVE_UP_AFTER: usize = 64 * 1024;

/// Shared handle to a connection's decoder state.
pub type SharedDecode = Arc<Mutex<DecodeState>>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::spawn_writer;
    use std::time::Instant;

    /// A `Write` into a buffer shared with the test.
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A TCP TURN session, per direction in chunks: an allocation and a channel to a peer,
    /// then ChannelData on the bound channel both ways, on unbound ones (findings), one
    /// carrying a STUN message, one only STUN-looking, and STUN messages right after
    /// relayed payloads in the same chunk.
    fn turn_session() -> Vec<(Dir, Vec<u8>)> {
        use msstun::build::{channel_data, MessageBuilder};
        use msstun::{Class, Dialect};
        let msg = |method, class, tid: u8| {
            MessageBuilder::new(Dialect::Rfc5389, method, class, &[tid; 12])
        };
        let peer: SocketAddr = "192.0.2.7:5000".parse().unwrap();
        let rtp = |n: u8| {
            let mut p = vec![0x80, 96, 0, n, 0, 0, 0, n, 0x12, 0x34, 0x56, 0x78];
            p.extend_from_slice(&[n; 20]);
            p
        };
        let cd = |ch, n| channel_data(ch, &rtp(n), true);
        let mut up1 = Vec::new();
        for n in 0..5 {
            up1.extend(cd(0x4000, n));
        }
        for n in 5..8 {
            up1.extend(cd(0x4001, n));
        }
        let binding = msg(0x001, Class::Request, 9).finish();
        up1.extend(channel_data(0x4000, &binding, true));
        up1.extend(channel_data(0x4000, &[0x01, 2, 3, 4, 5, 6, 7, 8], true));
        up1.extend(cd(0x4000, 8));
        up1.extend(cd(0x4002, 9));
        up1.extend(msg(0x004, Class::Request, 4).attr_u32(0x000D, 600).finish());
        up1.extend(cd(0x4002, 10));
        let mut down1 = Vec::new();
        for n in 20..24 {
            down1.extend(cd(0x4000, n));
        }
        down1.extend(channel_data(0x4000, &[0x55; 7], true));
        vec![
            (
                Dir::C2S,
                msg(0x003, Class::Request, 1)
                    .attr(0x0019, &[17, 0, 0, 0])
                    .finish(),
            ),
            (
                Dir::S2C,
                msg(0x003, Class::SuccessResponse, 1)
                    .xor_address(0x0016, "198.51.100.1:49152".parse().unwrap())
                    .xor_address(0x0020, "127.0.0.1:40000".parse().unwrap())
                    .attr_u32(0x000D, 600)
                    .finish(),
            ),
            (
                Dir::C2S,
                msg(0x009, Class::Request, 2)
                    .attr(0x000C, &[0x40, 0, 0, 0])
                    .xor_address(0x0012, peer)
                    .finish(),
            ),
            (Dir::S2C, msg(0x009, Class::SuccessResponse, 2).finish()),
            (Dir::C2S, up1),
            (Dir::S2C, down1),
        ]
    }

    /// What the relay says about `chunks` (each fed in two pieces, cut mid-frame): its
    /// output lines, the analysis's report and findings, the media report.
    fn relay_says(
        show_data: bool,
        chunks: &[(Dir, Vec<u8>)],
    ) -> (
        Vec<String>,
        msstun_analysis::Report,
        Vec<msstun_analysis::Finding>,
        Vec<String>,
    ) {
        let buf = Buf::default();
        let (out, writer) = spawn_writer(buf.clone(), 1 << 16);
        let (ctx, conn) = tcp_test_ctx(Format::Json, show_data, out);
        let state = Mutex::new(DecodeState::default());
        let ts = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        for (dir, c) in chunks {
            let cut = c.len() / 2 + 3;
            ctx.decode(&state, &conn, *dir, ts, &c[..cut.min(c.len())]);
            ctx.decode(&state, &conn, *dir, ts, &c[cut.min(c.len())..]);
        }
        let media = ctx.media.report(Format::Json, ts, true);
        let (report, findings) = {
            let an = ctx.analysis.as_ref().unwrap().lock().unwrap();
            (an.analysis.report(), an.analysis.findings().to_vec())
        };
        writer.finish();
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let lines = text.lines().map(String::from).collect();
        (lines, report, findings, media)
    }

    /// Relayed payloads fed to the analysis in runs say exactly what they say fed one by
    /// one (as with `--show-data`, whose data lines aside): the same message and finding
    /// lines in the same order, the same tables and findings, the same media report.
    #[test]
    fn runs_of_relayed_payloads_change_nothing_reported() {
        let chunks = turn_session();
        let (lines, report, findings, media) = relay_says(false, &chunks);
        let (one_by_one, report1, findings1, media1) = relay_says(true, &chunks);
        let data_lines = one_by_one
            .iter()
            .filter(|l| l.contains("\"method\":\"Data\",\"class\":null"))
            .count();
        assert_eq!(data_lines, 18, "{one_by_one:#?}");
        let without_data: Vec<String> = one_by_one
            .into_iter()
            .filter(|l| !l.contains("\"method\":\"Data\",\"class\":null"))
            .collect();
        assert_eq!(lines, without_data);
        assert_eq!(report, report1);
        assert_eq!(findings, findings1);
        assert_eq!(media, media1);
        // What the session shows: unbound channels found before the Refresh line, the
        // bound channel's traffic counted both ways, STUN inside ChannelData read.
        let codes: Vec<&str> = findings.iter().map(|f| f.code).collect();
        assert!(codes.contains(&"no_permission"), "{codes:?}");
        let refresh = lines
            .iter()
            .position(|l| l.contains("\"method\":\"Refresh\""))
            .unwrap();
        assert!(
            lines[..refresh]
                .iter()
                .filter(|l| l.contains("\"record\":\"finding\""))
                .count()
                >= 2,
            "{lines:#?}"
        );
        let t = &report.allocations[0].traffic[0];
        assert_eq!((t.to_peer_packets, t.from_peer_packets), (8, 5), "{t:?}");
    }

    /// A relay context (`format`, `show_data`, output to `out`) and one TCP connection
    /// from 127.0.0.1:40000 to a TURN server at 127.0.0.1:3478, for the tests.
    fn tcp_test_ctx(format: Format, show_data: bool, out: Out) -> (Ctx, Conn) {
        let up: SocketAddr = "127.0.0.1:3478".parse().unwrap();
        let ctx = Ctx::new(
            format,
            show_data,
            false,
            None,
            up,
            Duration::from_secs(60),
            out,
            None,
            false,
        );
        let conn = Conn {
            id: 1,
            transport: Transport::Tcp,
            client: "127.0.0.1:40000".parse().unwrap(),
            upstream: up,
        };
        (ctx, conn)
    }

    /// What decoding costs per byte of a TCP ChannelData stream (the load of
    /// `scripts/bench-relay.sh`: an Allocate request, then 1,204-byte ChannelData frames),
    /// fed in 64 KiB chunks as the relay reads them. Not a pass/fail test:
    /// `cargo test --release -p msstun-relay decode_cost -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn decode_cost() {
        let (out, writer) = spawn_writer(std::io::sink(), 1 << 16);
        let (ctx, conn) = tcp_test_ctx(Format::Text, false, out);
        let mut stream = vec![0x00, 0x03, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42];
        stream.extend_from_slice(&[7; 12]);
        stream.extend_from_slice(&[0x00, 0x19, 0x00, 0x04, 0x11, 0, 0, 0]);
        let mut frame = vec![0x40, 0x00, 0x04, 0xB0];
        frame.extend((0..1200u32).map(|i| (i * 7 + 0x80) as u8));
        while stream.len() < 8 << 20 {
            stream.extend_from_slice(&frame);
        }
        let frames = (stream.len() - 28) / frame.len();
        stream.truncate(28 + frames * frame.len());
        let state = Mutex::new(DecodeState::default());
        let ts = SystemTime::now();
        let rounds = std::env::var("ROUNDS").map_or(32, |r| r.parse().unwrap());
        let t = Instant::now();
        for _ in 0..rounds {
            for chunk in stream.chunks(64 << 10) {
                ctx.decode(&state, &conn, Dir::C2S, ts, chunk);
            }
            // The next round starts with the Allocate request again.
            *state.lock().unwrap() = DecodeState::default();
        }
        let s = t.elapsed().as_secs_f64();
        eprintln!(
            "decode: {:.0} MB/s ({:.1} ns per frame)",
            (stream.len() * rounds) as f64 / s / 1e6,
            s * 1e9 / (frames * rounds) as f64
        );
        assert_eq!(
            ctx.stats.channel_data.load(Relaxed) as usize,
            frames * rounds
        );
        writer.finish();
    }
}
