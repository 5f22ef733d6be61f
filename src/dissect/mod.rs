//! The dissector, in safe Rust over [`crate::epan`]: `msstun` (ports, Decode As, claimed
//! conversations) and the `msstun_tcp`/`msstun_udp` heuristics, on top of the parser's
//! `framing`, `detect`, `check`, `classify` and `summary`.
//!
//! A payload flows through the submodules of this module in this order:
//! * here, [`dissect`]: is it ours (heuristics), which flow and framing, a data connection?
//! * [`segment`]: the PDUs of a TCP segment or UDP datagram, and TCP desegmentation;
//! * [`pdu`]: one PDU's framing header and what it carries (STUN, ChannelData, MS-TURN data,
//!   pseudo-TLS, opaque data);
//! * [`message`]: one STUN message (header, Info column, checks), then [`attribute`] for each
//!   attribute and [`links`] for what the capture-wide [`crate::session`] state knows;
//! * [`relayed`]: relayed payloads, classified (RFC 7983) and handed on;
//! * [`data_conn`]: the byte stream of an RFC 6062 data connection.

mod analysis;
mod attribute;
mod data_conn;
mod flow;
mod info;
mod links;
mod message;
mod pdu;
mod relayed;
mod segment;

pub use message::prime_refs;

use std::cell::Cell;

use msstun::detect::{detect_framing, detect_verdict, Verdict};
use msstun::framing::{Framing, Transport};

use crate::epan::{Encoding, Hf, Item, PStr, Packet, Tree, Tvb};
use crate::expert::Expert;
use crate::plugin::flow::KNOWN;
use crate::session::{self, At, DataConn};

/// One dissection call (or one layer of STUN found inside relayed data).
struct Ctx<'p> {
    /// The registered fields.
    f: &'static crate::fields::Fields,
    tvb: Tvb<'p>,
    pinfo: Packet<'p>,
    tree: Tree<'p>,
    transport: Transport,
    /// Flow key (see [`crate::plugin::flow::flow_id`]).
    conv: u64,
    /// The packet's source and destination (see [`Packet::endpoints`]), read once.
    ends: Option<(std::net::SocketAddr, std::net::SocketAddr)>,
    num: u32,
    visited: bool,
    /// The tree is shown (texts are worth formatting).
    visible: bool,
    /// PDUs of this call that wrote the columns so far.
    pdus: Cell<u32>,
    /// 0 for the packet's own payload; 1 and more for STUN found in what it relays.
    depth: u8,
    /// What carried this context's bytes, with its data ([`msstun::classify::Carried::FLOW`]: the packet's
    /// own payload); the session analysis follows it when it names what it needs
    /// ([`msstun_analysis::follows`]).
    carried: msstun::classify::Carried,
    /// XOR-PEER-ADDRESS of the Send/Data indication being dissected (the peer of its DATA).
    data_peer: Cell<Option<std::net::SocketAddr>>,
}

impl<'p> Ctx<'p> {
    /// Whether an item of `hf` is worth adding: the tree is shown, or something references
    /// the field (see [`Hf::referenced`]). Otherwise Wireshark would fake the item anyway.
    #[inline(always)]
    fn want(&self, hf: Hf) -> bool {
        self.visible || hf.referenced()
    }

    /// Where the session state records this message.
    #[inline]
    fn at(&self) -> At {
        At {
            flow: self.conv,
            frame: self.num,
            visited: self.visited,
            ends: self.ends,
        }
    }

    /// `s` as packet-scoped text.
    #[inline]
    fn text(&self, s: &str) -> PStr<'p> {
        self.pinfo.text(s)
    }

    /// Expert item `which` with `text` on `item`.
    #[inline]
    fn expert(&self, item: Item<'p>, which: Expert, text: PStr<'p>) {
        self.pinfo.expert(item, which, text);
    }

    /// Unsigned field `hf` = `v` over `len` bytes at `off`, when wanted.
    #[inline(always)]
    fn add_uint(&self, tree: Tree<'p>, hf: Hf, off: usize, len: usize, v: u32) -> Item<'p> {
        if !self.want(hf) {
            return Item::NONE;
        }
        self.add_uint_wanted(tree, hf, off, len, v)
    }

    /// [`Ctx::add_uint`] once wanted (out of line: the check above is the common path).
    #[inline(never)]
    fn add_uint_wanted(&self, tree: Tree<'p>, hf: Hf, off: usize, len: usize, v: u32) -> Item<'p> {
        tree.add_uint(hf, self.tvb, off, len, v)
    }

    /// As [`Ctx::add_uint`], marked generated.
    #[inline(always)]
    fn add_generated(&self, tree: Tree<'p>, hf: Hf, off: usize, len: usize, v: u32) -> Item<'p> {
        self.add_uint(tree, hf, off, len, v).set_generated()
    }

    /// `hf` over `len` bytes at `off` read with `enc`, when wanted.
    #[inline]
    fn add_item(&self, tree: Tree<'p>, hf: Hf, off: usize, len: usize, enc: Encoding) -> Item<'p> {
        if !self.want(hf) {
            return Item::NONE;
        }
        tree.add_item(hf, self.tvb, off, len, enc)
    }

    /// A generated frame-number item.
    #[inline]
    fn add_frame(&self, tree: Tree<'p>, hf: Hf, frame: u32) -> Item<'p> {
        self.add_generated(tree, hf, 0, 0, frame)
    }

    /// The msstun protocol item over `len` bytes at `off` (`None`: to the end) and its subtree.
    #[inline]
    fn add_layer(&self, off: usize, len: Option<usize>) -> (Tree<'p>, Item<'p>) {
        let ti = self
            .tree
            .add_protocol(crate::epan::plugin::proto(), self.tvb, off, len);
        (ti.subtree(self.f.ett_msstun), ti)
    }
}

/// Dissect a TCP segment or UDP datagram. `None`: not ours (heuristics only).
pub fn dissect(
    tvb: Tvb<'_>,
    pinfo: Packet<'_>,
    tree: Tree<'_>,
    transport: Transport,
    heuristic: bool,
) -> Option<usize> {
    let bytes = tvb.bytes();
    let len = bytes.len();
    if len == 0 {
        return if heuristic { None } else { Some(0) };
    }
    // Heuristics: reject what cannot be ours before any conversation lookup, and never
    // re-enter through the heuristics we hand relayed data to. The detector's verdict is
    // carried on to the framing and the first PDU: each packet is detected once.
    let mut verdict = None;
    if heuristic {
        if Packet::relaying() {
            return None;
        }
        verdict = Some(plausible(transport, bytes)?);
    }
    let ends = pinfo.endpoints();
    let ctx = Ctx {
        f: crate::fields::fields(),
        tvb,
        pinfo,
        tree,
        transport,
        conv: crate::plugin::flow::flow_id(pinfo, transport, ends.as_ref()),
        ends,
        num: pinfo.num(),
        visited: pinfo.visited(),
        visible: tree.visible(),
        pdus: Cell::new(0),
        depth: 0,
        carried: msstun::classify::Carried::FLOW,
        data_peer: Cell::new(None),
    };
    // UDP knows one framing (plain STUN and ChannelData) and no data connections: the
    // flow's state is only needed to accept ChannelData heuristically (looked up then).
    let udp = transport == Transport::Udp;
    // The dialect of an owned datagram's STUN message, as the known-flow policy found it.
    let mut dialect = None;
    if udp && !heuristic {
        match udp_stun_like(bytes, tvb.whole()) {
            Some(d) => dialect = d,
            None => {
                // A port or flow msstun owns also carries other things (media beside ICE
                // checks, Teams' relay protocols): classified and handed on, not
                // "malformed STUN".
                relayed::not_stun(&ctx, bytes);
                return Some(len);
            }
        }
    }
    let (known, data) = if udp {
        (Some(Framing::Plain), None)
    } else {
        tcp_state(&ctx)
    };
    if let Some(dc) = data {
        if dc.bound_frame.is_some_and(|b| ctx.num > b) {
            data_conn::dissect_data_conn(&ctx, bytes, tvb.whole(), dc);
            return Some(len);
        }
    }
    let framing = match known {
        Some(f) => f,
        None => {
            let v = *verdict.get_or_insert_with(|| detect_verdict(transport, bytes));
            match segment::first_framing(&ctx, bytes, heuristic, v)? {
                segment::First::Framing(f) => f,
                segment::First::Done => return Some(len),
            }
        }
    };
    let first = match verdict.and_then(Verdict::found) {
        Some(d) => segment::Seen::Detection(d),
        None => dialect.map_or(segment::Seen::Nothing, segment::Seen::Dialect),
    };
    segment::pdus(&ctx, bytes, framing, heuristic, first)?;
    Some(len)
}

/// A TCP segment's flow state: the framing its connection already told and its RFC 6062 data
/// connection. An established connection answers from `KNOWN`, without the session lock.
#[inline]
fn tcp_state(ctx: &Ctx<'_>) -> (Option<Framing>, Option<DataConn>) {
    if let Some(f) = KNOWN.get(ctx.conv) {
        return (Some(f), None);
    }
    let (known, data) = session::with(|s| {
        let data = s
            .convs
            .get(&ctx.conv)
            .and_then(|c| c.data.as_deref().copied());
        // A bound data connection's bytes are not framed by its STUN framing.
        let known = if data.is_some_and(|d| d.bound_frame.is_some_and(|b| ctx.num > b)) {
            None
        } else {
            s.framings.get(&ctx.conv).copied()
        };
        (known, data)
    });
    if let (Some(f), None) = (known, data) {
        KNOWN.keep(ctx.conv, f);
    }
    (known, data)
}

/// The verdict on a connection of a TCP port shared with TLS (443).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    /// msstun's: [MS-TURN] §2.1.1 pseudo-TLS hellos, [MS-TURN] TCP framing, STUN in a
    /// framing msstun knows.
    Msstun,
    /// The port's own dissector's (TLS).
    Other,
    /// Not yet known: TCP was asked for more bytes.
    NeedMore,
}

/// Decide a connection of a TCP port shared with TLS on its first payload.
pub fn shared_verdict(tvb: Tvb<'_>, pinfo: Packet<'_>) -> Shared {
    if tvb.is_empty() {
        return Shared::Other;
    }
    match msstun::detect::shared_port_verdict(tvb.bytes()) {
        Verdict::Found(_) => Shared::Msstun,
        Verdict::NeedMore if pinfo.can_desegment() && tvb.whole() => {
            pinfo.desegment(0, None);
            Shared::NeedMore
        }
        _ => Shared::Other,
    }
}

/// Inside TLS: whether msstun already found STUN in this connection's decrypted data (then
/// what follows — ChannelData, the rest of a message — is msstun's too).
/// A flow in [`KNOWN`] is (its framing is known): no session lock for it.
pub fn tls_flow_known(pinfo: Packet<'_>) -> bool {
    let conv = crate::plugin::flow::flow_id(pinfo, Transport::Tcp, pinfo.endpoints().as_ref());
    KNOWN.get(conv).is_some() || session::with(|s| s.framings.contains_key(&conv))
}

/// Cheap first look of the heuristics: a whole STUN message (or pseudo-TLS hello) in a
/// known framing, a consistent start of one (TCP), or ChannelData whose length fits the
/// datagram or the OC2007 keepalive (UDP; accepted later only on a flow already known to
/// carry STUN). `None`: not ours; else the detector's verdict, carried on so that the
/// packet is detected once (over UDP [`Verdict::No`] for ChannelData and the keepalive,
/// plausible without a detection).
fn plausible(transport: Transport, bytes: &[u8]) -> Option<Verdict> {
    match transport {
        Transport::Tcp => Some(detect_verdict(transport, bytes)).filter(|v| *v != Verdict::No),
        Transport::Udp => {
            if bytes.len() >= 4 && bytes[0] >> 6 == 1 {
                return msstun::framing::channel_data_datagram(bytes).map(|_| Verdict::No);
            }
            match detect_framing(Framing::Plain, transport, bytes) {
                Verdict::No if !msstun::detect::is_classic_keepalive(bytes) => None,
                v => Some(v),
            }
        }
    }
}

/// Whether a datagram on a port or flow msstun owns is to be decoded as STUN or ChannelData
/// (possibly malformed) rather than handed on (`None`): ChannelData whose length fills it on
/// any channel 0x4000–0x7FFF ([`msstun::framing::channel_data_datagram`]), an [MS-TURN]
/// multiplexed-TURN message filling it, or STUN by the parser's policy for a known flow
/// ([`msstun::detect::stun_on_known_flow`], the relay's too), then with its dialect.
fn udp_stun_like(bytes: &[u8], whole: bool) -> Option<Option<msstun::Dialect>> {
    use msstun::classify::{classify, PayloadKind};
    let other = || {
        msstun::framing::channel_data_datagram(bytes).is_some()
            || msstun::framing::is_multiplexed_turn_datagram(bytes)
    };
    match classify(bytes) {
        PayloadKind::Stun => msstun::detect::stun_on_known_flow(bytes, whole).map(Some),
        PayloadKind::TurnChannel => other().then_some(None),
        // RFC 5766's channels 0x5000–0x7FFF, beyond RFC 7983's ChannelData range; WhatsApp's
        // proprietary methods (0x0800–0x0805) start outside RFC 7983's STUN range: STUN when
        // the parser's detector says so (cookie, exact walk).
        PayloadKind::Other if other() => Some(None),
        PayloadKind::Other => detect_framing(Framing::Plain, Transport::Udp, bytes)
            .found()
            .map(|d| d.dialect()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding_request() -> Vec<u8> {
        let mut b = vec![0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xA4, 0x42];
        b.extend_from_slice(&[7; 12]);
        b.extend_from_slice(&[0x80, 0x22, 0x00, 0x04, b'a', b'b', b'c', b'd']);
        b
    }

    #[test]
    fn heuristic_precheck() {
        let m = binding_request();
        assert!(plausible(Transport::Udp, &m).is_some());
        assert!(plausible(Transport::Tcp, &m).is_some());
        // A consistent start of a message over TCP is worth waiting for.
        assert!(plausible(Transport::Tcp, &m[..10]).is_some());
        assert!(plausible(Transport::Udp, &m[..10]).is_none());
        assert!(plausible(Transport::Udp, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").is_none());
        assert!(plausible(Transport::Tcp, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").is_none());
        // RTP (version 2) is never ours.
        assert!(plausible(
            Transport::Udp,
            &[0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]
        )
        .is_none());
        // ChannelData whose length fits the datagram is a candidate (with or without padding).
        assert!(plausible(Transport::Udp, &[0x40, 0x00, 0x00, 0x03, 1, 2, 3]).is_some());
        assert!(plausible(Transport::Udp, &[0x40, 0x00, 0x00, 0x03, 1, 2, 3, 0]).is_some());
        assert!(plausible(Transport::Udp, &[0x40, 0x00, 0x00, 0x09, 1, 2, 3]).is_none());
    }

    fn udp_stun_like_(bytes: &[u8], whole: bool) -> bool {
        udp_stun_like(bytes, whole).is_some()
    }

    #[test]
    fn owned_udp_flows_decode_stun_and_channel_data_only() {
        assert!(udp_stun_like_(&binding_request(), true));
        assert!(udp_stun_like_(&[0x40, 0x00, 0x00, 0x03, 1, 2, 3, 0], true));
        assert!(!udp_stun_like_(&[0x40, 0x00, 0x00, 0x09, 1, 2, 3], true));
        // RFC 5766's wider channel range (coturn's turnutils_uclient binds 0x594c).
        assert!(udp_stun_like_(&[0x59, 0x4c, 0x00, 0x03, 1, 2, 3, 0], true));
        assert!(!udp_stun_like_(&[0x59, 0x4c, 0x00, 0x09, 1, 2, 3], true));
        assert!(!udp_stun_like_(
            &[0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0],
            true
        ));
    }
}
