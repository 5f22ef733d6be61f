//! Line formatting (text and JSON Lines) and the stdout writer thread.
//!
//! Forwarding tasks never write to stdout themselves: they append finished lines to a
//! bounded batch drained by one thread. If the batch is full (stdout blocked) lines are
//! dropped and counted rather than stalling the relay.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use msstun_event::{write_record, JsonText, JsonWriter, MessageRecord, Record};

use crate::inspect::Record as MessageLine;
use msstun::framing::Transport;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One human-readable line per message.
    Text,
    /// JSON Lines with the keys documented in the README.
    Json,
}

/// Direction of relayed bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Client to upstream.
    C2S,
    /// Upstream to client.
    S2C,
}

impl Dir {
    /// JSON key.
    pub const fn key(self) -> &'static str {
        match self {
            Dir::C2S => "c2s",
            Dir::S2C => "s2c",
        }
    }
    /// Arrow between client and upstream in text output.
    pub const fn arrow(self) -> &'static str {
        match self {
            Dir::C2S => "→",
            Dir::S2C => "←",
        }
    }
    /// Index 0/1.
    pub const fn idx(self) -> usize {
        match self {
            Dir::C2S => 0,
            Dir::S2C => 1,
        }
    }
}

/// The connection a line belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Conn {
    /// Connection id (TCP connection or UDP binding), counted from 1.
    pub id: u64,
    /// `"tcp"` or `"udp"`.
    pub transport: Transport,
    /// Client endpoint.
    pub client: SocketAddr,
    /// Upstream endpoint.
    pub upstream: SocketAddr,
}

/// Civil UTC time of a timestamp: (year, month, day, hour, min, sec, micros).
pub fn civil(ts: SystemTime) -> (i64, u32, u32, u32, u32, u32, u32) {
    let d = ts.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let dd = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        m,
        dd,
        sod / 3600,
        sod / 60 % 60,
        sod % 60,
        d.subsec_micros(),
    )
}

/// RFC 3339 UTC timestamp with microseconds.
pub fn rfc3339(ts: SystemTime) -> String {
    let (y, mo, d, h, mi, s, us) = civil(ts);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{us:06}Z")
}

fn hms(ts: SystemTime) -> String {
    let (_, _, _, h, mi, s, us) = civil(ts);
    format!("{h:02}:{mi:02}:{s:02}.{us:06}")
}

/// The record key and the relay's own keys (time, connection, direction) that start
/// every message object.
pub(crate) fn conn_keys(
    w: &mut JsonText,
    record: Record,
    ts: SystemTime,
    conn: &Conn,
    dir: Option<Dir>,
) {
    // JsonText never fails.
    let _ = write_record(w, record);
    let _ = w.set_str("ts", &rfc3339(ts));
    let _ = w.set_uint("conn", conn.id);
    if let Some(d) = dir {
        let _ = w.set_str("dir", d.key());
    }
    let _ = w.set_str("transport", conn.transport.key());
    let _ = w.set_str("client", &conn.client.to_string());
    let _ = w.set_str("upstream", &conn.upstream.to_string());
}

fn message_json(ts: SystemTime, conn: &Conn, dir: Dir, rec: &MessageLine) -> String {
    let mut w = JsonText::object();
    conn_keys(&mut w, Record::Message, ts, conn, Some(dir));
    let _ = rec.write_fields(&mut w);
    w.finish()
}

/// Format one STUN message.
pub fn message_line(
    fmt: Format,
    ts: SystemTime,
    conn: &Conn,
    dir: Dir,
    rec: &MessageLine,
) -> String {
    match fmt {
        Format::Text => {
            let mut s = format!(
                "{} #{} {} {} {} {} {}",
                hms(ts),
                conn.id,
                conn.transport,
                conn.client,
                dir.arrow(),
                conn.upstream,
                rec.summary
            );
            if let Some(i) = rec.integrity {
                s.push_str(" [MESSAGE-INTEGRITY ");
                s.push_str(i.name());
                s.push(']');
            }
            if let Some(f) = rec.fingerprint {
                if f != crate::creds::Status::Good {
                    s.push_str(" [FINGERPRINT ");
                    s.push_str(f.name());
                    s.push(']');
                }
            }
            s
        }
        Format::Json => message_json(ts, conn, dir, rec),
    }
}

/// Format one finding of the session analysis as it happens: a text line, or its JSON
/// object (`"record": "finding"`, the code, cause, next step, proving frames — the relay's
/// item numbers) with the time.
pub fn finding_line(fmt: Format, ts: SystemTime, f: &msstun_analysis::Finding) -> String {
    match fmt {
        Format::Text => format!("{} {}", hms(ts), msstun_analysis::render::finding_line(f)),
        Format::Json => {
            let mut v = serde_json::to_value(f).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("ts".into(), rfc3339(ts).into());
            }
            v.to_string()
        }
    }
}

/// Format one data frame (ChannelData, RFC 6062 data), printed only with `--show-data`.
pub fn data_line(
    fmt: Format,
    ts: SystemTime,
    conn: &Conn,
    dir: Dir,
    framing: &'static str,
    what: &str,
) -> String {
    match fmt {
        Format::Text => format!(
            "{} #{} {} {} {} {} {}",
            hms(ts),
            conn.id,
            conn.transport,
            conn.client,
            dir.arrow(),
            conn.upstream,
            what
        ),
        Format::Json => message_json(
            ts,
            conn,
            dir,
            &MessageRecord::data(framing, what.to_string()),
        ),
    }
}

/// Sender half of the stdout writer.
///
/// Lines are appended to a shared batch under a mutex (no syscall, no thread wake-up on
/// the forwarding path); the writer thread takes the batch every few milliseconds.
#[derive(Clone)]
pub struct Out {
    shared: Arc<Shared>,
}

struct Shared {
    batch: Mutex<Vec<String>>,
    capacity: usize,
    running: AtomicBool,
}

/// How often the writer thread looks for lines.
const WRITE_INTERVAL: Duration = Duration::from_millis(3);

impl Out {
    /// Queue a line; false if it had to be dropped because the writer lags `capacity` lines behind.
    pub fn send(&self, line: String) -> bool {
        let mut b = self.shared.batch.lock().expect("output lock");
        if b.len() >= self.shared.capacity {
            return false;
        }
        b.push(line);
        true
    }
}

/// Handle to stop the writer: dropping every [`Out`] is not required, [`Writer::finish`] drains and joins.
pub struct Writer {
    shared: Arc<Shared>,
    thread: JoinHandle<()>,
}

impl Writer {
    /// Write what is queued and stop the thread.
    pub fn finish(self) {
        self.shared.running.store(false, Ordering::SeqCst);
        let _ = self.thread.join();
    }
}

/// Start the writer thread.
pub fn spawn_writer<W: Write + Send + 'static>(w: W, capacity: usize) -> (Out, Writer) {
    let shared = Arc::new(Shared {
        batch: Mutex::new(Vec::new()),
        capacity,
        running: AtomicBool::new(true),
    });
    let s2 = shared.clone();
    let thread = std::thread::Builder::new()
        .name("msstun-output".into())
        .spawn(move || drain(&s2, w))
        .expect("spawn output thread");
    (
        Out {
            shared: shared.clone(),
        },
        Writer { shared, thread },
    )
}

fn drain<W: Write>(shared: &Shared, w: W) {
    let mut w = std::io::BufWriter::with_capacity(64 * 1024, w);
    let mut spare = Vec::new();
    loop {
        let last = !shared.running.load(Ordering::SeqCst);
        std::mem::swap(&mut *shared.batch.lock().expect("output lock"), &mut spare);
        for line in spare.drain(..) {
            if writeln!(w, "{line}").is_err() {
                return;
            }
        }
        if w.flush().is_err() || last {
            return;
        }
        std::thread::sleep(WRITE_INTERVAL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON line of a message is the object the relay printed before the event
    /// schema existed (its serde struct, kept here as the reference), plus `"record"`.
    #[test]
    fn message_json_is_the_documented_object_plus_record() {
        #[derive(serde::Serialize)]
        struct Attr<'a> {
            #[serde(rename = "type")]
            code: u16,
            name: &'a str,
            value: &'a str,
        }
        #[derive(serde::Serialize)]
        struct JsonLine<'a> {
            ts: String,
            conn: u64,
            dir: &'static str,
            transport: &'static str,
            client: String,
            upstream: String,
            framing: &'static str,
            dialect: Option<&'static str>,
            #[serde(rename = "type")]
            msg_type: Option<u16>,
            method: &'a str,
            class: Option<&'static str>,
            transaction_id: Option<&'a str>,
            summary: &'a str,
            attributes: Vec<Attr<'a>>,
            fingerprint: Option<&'static str>,
            integrity: Option<&'static str>,
        }
        // RFC 5769 §2.1 sample request: USERNAME, SOFTWARE, PRIORITY…, MI, FINGERPRINT.
        let m = msstun_fixtures_free_sample();
        let mut keys = crate::inspect::TxKeys::default();
        let rec = crate::inspect::inspect(
            &msstun::Message::new_checked(&m[..]).unwrap(),
            Some(msstun::framing::Framing::Plain),
            None,
            &mut keys,
        );
        let conn = Conn {
            id: 7,
            transport: Transport::Udp,
            client: "[::1]:5000".parse().unwrap(),
            upstream: "127.0.0.1:3478".parse().unwrap(),
        };
        let ts = UNIX_EPOCH + Duration::from_micros(1_764_068_123_456_789);
        let ours = message_line(Format::Json, ts, &conn, Dir::C2S, &rec);
        let old = serde_json::to_string(&JsonLine {
            ts: rfc3339(ts),
            conn: 7,
            dir: "c2s",
            transport: "udp",
            client: "[::1]:5000".into(),
            upstream: "127.0.0.1:3478".into(),
            framing: "plain",
            dialect: rec.dialect,
            msg_type: rec.msg_type,
            method: rec.method,
            class: rec.class.map(|c| c.key()),
            transaction_id: rec.transaction_id.as_deref(),
            summary: &rec.summary,
            attributes: rec
                .attributes
                .iter()
                .map(|a| Attr {
                    code: a.code,
                    name: a.name,
                    value: &a.value,
                })
                .collect(),
            fingerprint: Some("good"),
            integrity: Some("unverified"),
        })
        .unwrap();
        assert_eq!(ours, format!("{{\"record\":\"message\",{}", &old[1..]));
        assert!(rec.attributes.len() >= 4, "{ours}");
    }

    /// RFC 5769 §2.1: a Binding request with USERNAME, SOFTWARE (with spaces), PRIORITY,
    /// ICE-CONTROLLED, MESSAGE-INTEGRITY and FINGERPRINT.
    fn msstun_fixtures_free_sample() -> Vec<u8> {
        let hex =
            "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74\
                   002400046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020\
                   000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf";
        let hex: String = hex.split_whitespace().collect();
        (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn time_format() {
        let t = UNIX_EPOCH + Duration::from_micros(1_764_068_123_456_789);
        assert_eq!(rfc3339(t), "2025-11-25T10:55:23.456789Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00.000000Z"
        );
    }
}
