//! Relayed media, live: what each connection's channels, DATA attributes and data
//! connections carry, by RFC 7983 kind, and per RTP SSRC the packets, lost packets and
//! sequence jumps — classified and tracked by the shared `msstun` crate
//! ([`msstun::classify`], [`msstun::media`]), reported as text or JSON every
//! `--media-interval` seconds and at shutdown.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use msstun::classify::Carrier;
use msstun::media::MediaCounters;
use msstun_event::{JsonText, JsonWriter, Record};

use crate::output::{Conn, Format};

/// Which flow of a connection: its carrier and, for ChannelData, the channel number
/// (0xFF10 for [MS-TURN] multiplexed TURN, 0 otherwise).
pub type FlowKey = (u64, u8, u16);

/// One flow's counters and the connection it belongs to.
#[derive(Debug)]
struct Flow {
    conn: Conn,
    carrier: Carrier,
    channel: u16,
    counters: MediaCounters,
    /// Payloads at the last periodic report (a flow with nothing new is not reported again).
    reported: u64,
}

/// One flow, shared by the table of flows and the connection that feeds it.
type SharedFlow = Arc<Mutex<Flow>>;

/// Every flow with relayed payloads, by connection.
#[derive(Debug, Default)]
pub struct MediaFlows {
    flows: Mutex<BTreeMap<FlowKey, SharedFlow>>,
}

impl MediaFlows {
    /// Classify and account one relayed payload of `conn`.
    pub fn account(&self, conn: &Conn, carrier: Carrier, channel: u16, payload: &[u8]) {
        if payload.is_empty() {
            return;
        }
        let flow = self.flow(conn, carrier, channel);
        let mut f = flow.lock().expect("media lock");
        f.counters.account(payload);
    }

    /// The flow of `conn` by `carrier` and `channel`, made when new.
    fn flow(&self, conn: &Conn, carrier: Carrier, channel: u16) -> SharedFlow {
        let mut flows = self.flows.lock().expect("media lock");
        flows
            .entry((conn.id, carrier.code(), channel))
            .or_insert_with(|| {
                Arc::new(Mutex::new(Flow {
                    conn: *conn,
                    carrier,
                    channel,
                    counters: MediaCounters::default(),
                    reported: 0,
                }))
            })
            .clone()
    }

    /// Report lines: every flow at shutdown (`last`), else those with new payloads since
    /// the last periodic report.
    pub fn report(&self, fmt: Format, ts: SystemTime, last: bool) -> Vec<String> {
        let flows = self.flows.lock().expect("media lock");
        let mut out = Vec::new();
        for f in flows.values() {
            let mut f = f.lock().expect("media lock");
            let f = &mut *f;
            let total: u64 = f.counters.kinds().map(|(_, c)| c.packets).sum();
            if !last {
                if total == f.reported {
                    continue;
                }
                f.reported = total;
            }
            out.push(line(fmt, ts, f, last));
        }
        out
    }

    /// Number of flows seen.
    pub fn len(&self) -> usize {
        self.flows.lock().expect("media lock").len()
    }
}

/// A connection's own copies of its flows' counters (kept with its decoder, under its
/// lock): a payload is accounted without another lock or a look-up in the table of all;
/// [`MediaCache::publish`] copies what changed into the table. Only the connection accounts
/// these flows (every carrier but the DATA attribute, which [`MediaFlows::account`] takes).
#[derive(Debug, Default)]
pub struct MediaCache {
    flows: Vec<Cached>,
    /// The flow of the last payload.
    last: usize,
}

/// One flow of a connection: its counters and whether they changed since published.
#[derive(Debug)]
struct Cached {
    carrier: Carrier,
    channel: u16,
    counters: MediaCounters,
    changed: bool,
    shared: SharedFlow,
}

impl MediaCache {
    /// As [`MediaFlows::account`], into the connection's copy.
    #[inline]
    pub fn account(
        &mut self,
        all: &MediaFlows,
        conn: &Conn,
        carrier: Carrier,
        channel: u16,
        payload: &[u8],
    ) {
        if payload.is_empty() {
            return;
        }
        let same = |c: &Cached| c.carrier == carrier && c.channel == channel;
        if !self.flows.get(self.last).is_some_and(same) {
            self.last = match self.flows.iter().position(same) {
                Some(i) => i,
                None => {
                    let shared = all.flow(conn, carrier, channel);
                    let counters = shared.lock().expect("media lock").counters;
                    self.flows.push(Cached {
                        carrier,
                        channel,
                        counters,
                        changed: false,
                        shared,
                    });
                    self.flows.len() - 1
                }
            };
        }
        let c = &mut self.flows[self.last];
        c.counters.account(payload);
        c.changed = true;
    }

    /// Copy the counters that changed into the table of all flows.
    pub fn publish(&mut self) {
        for c in self.flows.iter_mut().filter(|c| c.changed) {
            c.shared.lock().expect("media lock").counters = c.counters;
            c.changed = false;
        }
    }
}

fn line(fmt: Format, ts: SystemTime, f: &Flow, last: bool) -> String {
    let c = &f.counters;
    let channel = (f.carrier == Carrier::ChannelData).then_some(f.channel);
    match fmt {
        Format::Text => {
            let (_, _, _, h, mi, s, us) = crate::output::civil(ts);
            let mut t = format!(
                "{h:02}:{mi:02}:{s:02}.{us:06} #{} {} {} ⇄ {} media{} {}",
                f.conn.id,
                f.conn.transport,
                f.conn.client,
                f.conn.upstream,
                if last { " (final)" } else { "" },
                f.carrier.name(),
            );
            if let Some(ch) = channel {
                let _ = write!(t, " 0x{ch:04x}");
            }
            t.push(':');
            for (i, (k, n)) in c.kinds().enumerate() {
                let sep = if i == 0 { " " } else { ", " };
                let _ = write!(t, "{sep}{} {} pkts {} B", k.name(), n.packets, n.bytes);
            }
            for e in c.rtp.entries() {
                let _ = write!(
                    t,
                    "; SSRC 0x{:08x} PT {}: {} pkts, {} lost, {} jumps",
                    e.ssrc,
                    e.seq.payload_type,
                    e.seq.packets,
                    e.seq.lost(),
                    e.seq.jumps
                );
            }
            if c.rtp.untracked > 0 {
                let _ = write!(t, "; {} RTP pkts of further SSRCs", c.rtp.untracked);
            }
            t
        }
        Format::Json => {
            let mut w = JsonText::object();
            crate::output::conn_keys(&mut w, Record::Media, ts, &f.conn, None);
            // JsonText never fails.
            let _ = w.set_str("report", "media");
            let _ = w.set_bool("last", last);
            let _ = msstun_event::write_media(&mut w, f.carrier, f.channel, c);
            w.finish()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use msstun::framing::Transport;

    fn conn() -> Conn {
        Conn {
            id: 3,
            transport: Transport::Udp,
            client: "127.0.0.1:40000".parse().unwrap(),
            upstream: "127.0.0.1:3478".parse().unwrap(),
        }
    }

    fn rtp(seq: u16) -> Vec<u8> {
        let mut p = vec![0x80, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78];
        p[2..4].copy_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&[0xaa; 20]);
        p
    }

    /// A connection's copies, published, report what the table accounts directly.
    #[test]
    fn cached_counters_report_as_the_table() {
        let (direct, cached) = (MediaFlows::default(), MediaFlows::default());
        let mut cache = MediaCache::default();
        let c = conn();
        let payloads: Vec<(Carrier, u16, Vec<u8>)> = vec![
            (Carrier::ChannelData, 0x4001, rtp(1)),
            (Carrier::ChannelData, 0x4002, rtp(7)),
            (Carrier::ChannelData, 0x4001, rtp(3)),
            (Carrier::ChannelData, 0x4001, vec![22, 0xfe, 0xfd, 0, 0]),
            (Carrier::Flow, 0, rtp(9)),
            (Carrier::ChannelData, 0x4001, vec![]),
            (Carrier::ChannelData, 0x4002, rtp(8)),
        ];
        for (i, (carrier, ch, p)) in payloads.iter().enumerate() {
            direct.account(&c, *carrier, *ch, p);
            cache.account(&cached, &c, *carrier, *ch, p);
            if i == 2 {
                cache.publish();
            }
        }
        // Unpublished changes are not seen yet.
        assert_ne!(
            cached.report(Format::Json, SystemTime::UNIX_EPOCH, true),
            direct.report(Format::Json, SystemTime::UNIX_EPOCH, true)
        );
        cache.publish();
        assert_eq!(
            cached.report(Format::Json, SystemTime::UNIX_EPOCH, true),
            direct.report(Format::Json, SystemTime::UNIX_EPOCH, true)
        );
        assert_eq!(cached.len(), 3);
    }

    #[test]
    fn text_and_json_reports() {
        let m = MediaFlows::default();
        let c = conn();
        for s in [1u16, 2, 4, 3] {
            m.account(&c, Carrier::ChannelData, 0x4001, &rtp(s));
        }
        m.account(
            &c,
            Carrier::ChannelData,
            0x4001,
            &[0x81, 200, 0, 1, 0, 0, 0, 1],
        );
        let t = m.report(Format::Text, SystemTime::UNIX_EPOCH, false);
        assert_eq!(t.len(), 1);
        assert!(
            t[0].ends_with(
                "#3 udp 127.0.0.1:40000 ⇄ 127.0.0.1:3478 media ChannelData 0x4001: RTP 4 pkts 128 B, \
                 RTCP 1 pkts 8 B; SSRC 0x12345678 PT 0: 4 pkts, 0 lost, 2 jumps"
            ),
            "{}",
            t[0]
        );
        // Nothing new: no periodic line; at shutdown every flow.
        assert!(m
            .report(Format::Text, SystemTime::UNIX_EPOCH, false)
            .is_empty());
        let j = m.report(Format::Json, SystemTime::UNIX_EPOCH, true);
        let v: serde_json::Value = serde_json::from_str(&j[0]).unwrap();
        assert_eq!(v["report"], "media");
        assert_eq!(v["last"], true);
        assert_eq!(v["carrier"], "channel-data");
        assert_eq!(v["channel"], 0x4001);
        assert_eq!(v["kinds"]["rtp"]["packets"], 4);
        assert_eq!(v["kinds"]["rtcp"]["bytes"], 8);
        assert_eq!(v["rtp"][0]["ssrc"], 0x1234_5678);
        assert_eq!(v["rtp"][0]["lost"], 0);
        assert_eq!(v["rtp"][0]["jumps"], 2);
    }
}
