//! Relayed media at a glance: an RTP header view and per-SSRC sequence tracking.
//!
//! [`RtpHeader::parse`] reads the fixed RTP header (RFC 3550 §5.1) of a payload that
//! [`crate::classify`] called RTP; [`SeqTracker`] follows one SSRC's sequence numbers the way
//! RFC 3550 Appendix A.1 does (16-bit numbers extended across wrap-arounds) and counts what
//! an engineer asks about first: packets, lost packets (expected minus received, as
//! Wireshark's RTP stream statistics count them) and sequence jumps (a packet whose number
//! is not one more than the previous packet's: a gap, a reordering or a duplicate).
//! [`SsrcTable`] keeps a small fixed number of SSRCs and [`MediaCounters`] packets and bytes
//! by [`PayloadKind`]. Nothing here allocates.

use crate::classify::PayloadKind;

/// The fixed part of an RTP header (RFC 3550 §5.1), read in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpHeader {
    /// Payload type (7 bits).
    pub payload_type: u8,
    /// Marker bit.
    pub marker: bool,
    /// Sequence number.
    pub seq: u16,
    /// Timestamp.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
    /// Length of the header: 12 bytes, the CSRC list and the extension, if any.
    pub header_len: usize,
    /// Padding bit.
    pub padding: bool,
}

impl RtpHeader {
    /// Whether `p` (the packet this header was parsed from) can be plain RTP: with the
    /// padding bit set, its last byte counts the padding (RFC 3550 §5.1), at least 1 and
    /// within what follows the header. Encrypted media (SRTP, or a proprietary cipher in
    /// RTP's first-byte range) fails this often; Wireshark's RTP would read past the data.
    pub fn fits_plain(&self, p: &[u8]) -> bool {
        if !self.padding {
            return true;
        }
        let n = usize::from(p.last().copied().unwrap_or(0));
        n >= 1 && self.header_len + n <= p.len()
    }

    /// The header of `p`, if `p` starts with a version-2 RTP header whose CSRC list and
    /// extension fit in it.
    pub fn parse(p: &[u8]) -> Option<RtpHeader> {
        if p.len() < 12 || p[0] >> 6 != 2 {
            return None;
        }
        let cc = usize::from(p[0] & 0x0f);
        let mut header_len = 12 + 4 * cc;
        if p[0] & 0x10 != 0 {
            let ext = p.get(header_len + 2..header_len + 4)?;
            header_len += 4 + 4 * usize::from(u16::from_be_bytes([ext[0], ext[1]]));
        }
        if header_len > p.len() {
            return None;
        }
        Some(RtpHeader {
            payload_type: p[1] & 0x7f,
            marker: p[1] & 0x80 != 0,
            seq: u16::from_be_bytes([p[2], p[3]]),
            timestamp: u32::from_be_bytes([p[4], p[5], p[6], p[7]]),
            ssrc: u32::from_be_bytes([p[8], p[9], p[10], p[11]]),
            header_len,
            padding: p[0] & 0x20 != 0,
        })
    }
}

/// What a payload in DTLS's first-byte range (RFC 7983: 20–63) shows itself to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtlsRecord {
    /// A DTLSPlaintext-style header (RFC 6347 §4.1, RFC 9147 §4): content type 20–26, a
    /// DTLS version (1.0 0xFEFF, 1.2 0xFEFD, 1.3's 0xFEFC) and, but for `tls12_cid` (whose
    /// connection id comes first), a record length within the data. A handshake shows DTLS
    /// (and DTLS-SRTP) on the flow.
    Plain,
    /// A DTLS 1.3 unified header (RFC 9147 §4: 0b001CSLEE) that can be checked alone: no
    /// connection id, and its length, if present, within the data. DTLS 1.3 begins with
    /// [`DtlsRecord::Plain`] records: DTLS only on a flow that carried those before.
    Unified,
    /// A unified header with a connection id (its length was negotiated: nothing to check it
    /// by): as [`DtlsRecord::Unified`], DTLS only after [`DtlsRecord::Plain`] records.
    UnifiedCid,
    /// Not a DTLS record (a proprietary cipher in DTLS's first-byte range).
    No,
}

impl DtlsRecord {
    /// Read the first record header of `p` (a payload whose first byte is 20–63).
    pub fn of(p: &[u8]) -> DtlsRecord {
        let Some(&b0) = p.first() else {
            return DtlsRecord::No;
        };
        match b0 {
            20..=26 => {
                let version_ok = matches!(p.get(1..3), Some([0xfe, 0xff | 0xfd | 0xfc]));
                let fits = b0 == 25
                    || p.get(11..13).is_some_and(|l| {
                        13 + usize::from(u16::from_be_bytes([l[0], l[1]])) <= p.len()
                    });
                if version_ok && fits && p.len() >= 13 {
                    DtlsRecord::Plain
                } else {
                    DtlsRecord::No
                }
            }
            0x20..=0x3f if b0 & 0x10 != 0 => DtlsRecord::UnifiedCid,
            0x20..=0x3f => {
                // Sequence number of 16 (S) or 8 bits, then the length if L is set.
                let seq = if b0 & 0x08 != 0 { 2 } else { 1 };
                if b0 & 0x04 == 0 {
                    return if p.len() > 1 + seq {
                        DtlsRecord::Unified
                    } else {
                        DtlsRecord::No
                    };
                }
                let fits = p.get(1 + seq..3 + seq).is_some_and(|l| {
                    let n = usize::from(u16::from_be_bytes([l[0], l[1]]));
                    n > 0 && 3 + seq + n <= p.len()
                });
                if fits {
                    DtlsRecord::Unified
                } else {
                    DtlsRecord::No
                }
            }
            _ => DtlsRecord::No,
        }
    }
}

/// Whether `p` (a payload whose first byte is 16–19, ZRTP's range in RFC 7983) is a ZRTP
/// packet: its header (RFC 6189 §5) carries the magic cookie "ZRTP" at offset 4, and a
/// message (preamble 0x505A, a length) and the CRC follow.
pub fn is_zrtp(p: &[u8]) -> bool {
    p.len() >= 12 + 4 + 4 && &p[4..8] == b"ZRTP"
}

/// Sequence tracking of one SSRC.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeqTracker {
    /// Packets seen.
    pub packets: u64,
    /// Packets whose sequence number was not one more than the previous packet's.
    pub jumps: u64,
    /// The payload type of the last packet.
    pub payload_type: u8,
    base: u64,
    max: u64,
    last: u16,
}

/// A jump larger than this (either way) restarts the extended numbering (RFC 3550 A.1's
/// MAX_DROPOUT, in both directions): a sender that restarted, not 3000 lost packets.
const MAX_DROPOUT: u16 = 3000;

impl SeqTracker {
    /// Account one packet.
    pub fn update(&mut self, h: &RtpHeader) {
        self.payload_type = h.payload_type;
        if self.packets == 0 {
            self.packets = 1;
            // Extended numbers start one cycle up so that reordering before the first
            // packet never goes below zero.
            self.base = 0x1_0000 + u64::from(h.seq);
            self.max = self.base;
            self.last = h.seq;
            return;
        }
        self.packets += 1;
        if h.seq != self.last.wrapping_add(1) {
            self.jumps += 1;
        }
        self.last = h.seq;
        let max16 = self.max as u16;
        let ahead = h.seq.wrapping_sub(max16);
        if ahead != 0 && ahead < 0x8000 {
            if ahead > MAX_DROPOUT {
                self.restart(h.seq);
            } else {
                self.max += u64::from(ahead);
            }
        } else if ahead != 0 {
            let behind = max16.wrapping_sub(h.seq);
            if behind > MAX_DROPOUT {
                self.restart(h.seq);
            } else if self.max - u64::from(behind) < self.base {
                // A late packet from before the first one seen.
                self.base = self.max - u64::from(behind);
            }
        }
    }

    fn restart(&mut self, seq: u16) {
        let received = self.received_since_base();
        self.base = 0x1_0000 + u64::from(seq) - received.min(u64::from(seq));
        self.max = 0x1_0000 + u64::from(seq);
    }

    fn received_since_base(&self) -> u64 {
        self.packets.saturating_sub(1)
    }

    /// Packets expected from the lowest to the highest sequence number seen.
    pub fn expected(&self) -> u64 {
        if self.packets == 0 {
            0
        } else {
            self.max - self.base + 1
        }
    }

    /// Lost packets: expected minus received (0 when duplicates outnumber the gaps).
    pub fn lost(&self) -> u64 {
        self.expected().saturating_sub(self.packets)
    }
}

/// One SSRC in an [`SsrcTable`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SsrcEntry {
    /// The SSRC.
    pub ssrc: u32,
    /// Its sequence tracking.
    pub seq: SeqTracker,
}

/// Sequence tracking for up to `N` SSRCs; further SSRCs are counted, not tracked.
#[derive(Debug, Clone, Copy)]
pub struct SsrcTable<const N: usize> {
    entries: [SsrcEntry; N],
    len: usize,
    /// RTP packets of SSRCs that did not fit in the table.
    pub untracked: u64,
}

impl<const N: usize> Default for SsrcTable<N> {
    fn default() -> Self {
        SsrcTable {
            entries: [SsrcEntry::default(); N],
            len: 0,
            untracked: 0,
        }
    }
}

impl<const N: usize> SsrcTable<N> {
    /// Account one RTP packet.
    pub fn update(&mut self, h: &RtpHeader) {
        let n = self.len;
        if let Some(e) = self.entries[..n].iter_mut().find(|e| e.ssrc == h.ssrc) {
            e.seq.update(h);
        } else if n < N {
            self.entries[n].ssrc = h.ssrc;
            self.entries[n].seq.update(h);
            self.len += 1;
        } else {
            self.untracked += 1;
        }
    }

    /// The tracked SSRCs, in the order first seen.
    pub fn entries(&self) -> &[SsrcEntry] {
        &self.entries[..self.len]
    }
}

/// Packets and bytes of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindCount {
    /// Payloads.
    pub packets: u64,
    /// Payload bytes.
    pub bytes: u64,
}

/// Packets and bytes by [`PayloadKind`] plus per-SSRC tracking of the RTP, for one flow
/// (a channel, a data connection, the DATA attributes of an allocation…).
#[derive(Debug, Clone, Copy, Default)]
pub struct MediaCounters {
    by_kind: [KindCount; PayloadKind::ALL.len()],
    /// The RTP streams.
    pub rtp: SsrcTable<8>,
}

impl MediaCounters {
    /// Classify `payload` (RFC 7983) and account it; returns its kind.
    pub fn account(&mut self, payload: &[u8]) -> PayloadKind {
        let kind = crate::classify::classify(payload);
        self.account_as(kind, payload);
        kind
    }

    /// Account `payload` as `kind` (when the caller already knows it is, say, STUN).
    pub fn account_as(&mut self, kind: PayloadKind, payload: &[u8]) {
        let c = &mut self.by_kind[usize::from(kind.code())];
        c.packets += 1;
        c.bytes += payload.len() as u64;
        if kind == PayloadKind::Rtp {
            if let Some(h) = RtpHeader::parse(payload) {
                self.rtp.update(&h);
            }
        }
    }

    /// Packets and bytes of `kind`.
    pub fn kind(&self, kind: PayloadKind) -> KindCount {
        self.by_kind[usize::from(kind.code())]
    }

    /// Every kind with at least one payload.
    pub fn kinds(&self) -> impl Iterator<Item = (PayloadKind, KindCount)> + '_ {
        PayloadKind::ALL
            .iter()
            .map(|&k| (k, self.kind(k)))
            .filter(|(_, c)| c.packets > 0)
    }

    /// Whether anything was accounted.
    pub fn is_empty(&self) -> bool {
        self.by_kind.iter().all(|c| c.packets == 0)
    }
}

/// The SRTCP trailer (RFC 3711 §3.4) found after an RTCP compound: the E flag and 31-bit
/// SRTCP index, an optional MKI and the authentication tag — or, with an AEAD cipher
/// (AES-GCM, RFC 7714 §9), the 16-byte tag at the end of the ciphertext, then E‖index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SrtcpTrailer {
    /// Length of the compound (its first 8 bytes in the clear, the rest possibly encrypted),
    /// without any tag.
    pub compound_len: usize,
    /// The E flag: the compound after its first 8 bytes is encrypted.
    pub encrypted: bool,
    /// The 31-bit SRTCP index.
    pub index: u32,
    /// Offset of E‖index.
    pub index_at: usize,
    /// Length of the MKI (0 or 4), right after E‖index.
    pub mki_len: usize,
    /// Offset of the authentication tag: after E‖index and the MKI, or (AEAD) right after
    /// the compound.
    pub tag_at: usize,
    /// Length of the authentication tag: 10 (HMAC-SHA1-80, the SRTCP tag even of the `_32`
    /// suites), 4, or 16 (AEAD).
    pub tag_len: usize,
}

impl SrtcpTrailer {
    /// Whether the tag precedes E‖index (an AEAD cipher, RFC 7714).
    pub fn aead(&self) -> bool {
        self.tag_at < self.index_at
    }
}

/// How far the RTCP packets at the start of `p` reach, walking their own length fields
/// (RFC 3550 §6.4: length in 32-bit words minus one) while each header is version 2 with an
/// RTCP packet type (192–223, RFC 5761 §4) and fits in `p`.
pub fn rtcp_walk(p: &[u8]) -> usize {
    let mut off = 0;
    while let Some(h) = p.get(off..off + 4) {
        if h[0] >> 6 != 2 || !(192..=223).contains(&h[1]) {
            break;
        }
        let n = 4 * (usize::from(u16::from_be_bytes([h[2], h[3]])) + 1);
        if n > p.len() - off {
            break;
        }
        off += n;
    }
    off
}

/// The SRTCP layouts tried, in order: (AEAD, tag length, MKI length). The common ones first:
/// HMAC-SHA1-80 without MKI (SDES and DTLS-SRTP with the AES-CM suites), AES-GCM without MKI
/// (DTLS-SRTP in WebRTC), then with an MKI, then the rare 4-byte tag.
const SRTCP_LAYOUTS: [(bool, usize, usize); 5] = [
    (false, 10, 0),
    (true, 16, 0),
    (false, 10, 4),
    (false, 4, 0),
    (false, 4, 4),
];

/// The trailer of `p` when `p` is an SRTCP packet: an RTCP compound whose length fields do
/// not account for all of `p`, followed by its trailer in one of the layouts of RFC 3711
/// §3.4 (E‖index, optional 4-byte MKI, 10- or 4-byte tag) or RFC 7714 §9 (16-byte tag, then
/// E‖index), with the lengths consistent with the compound's own length fields: the compound
/// is a whole number of 32-bit words and holds at least its first packet; when the E flag is
/// clear the compound is in the clear and its packets must end exactly where the trailer
/// starts. Plain RTCP (its packets end exactly at the end of `p`) is `None`, so is anything
/// that does not start with an RTCP header.
///
/// Where several layouts fit, the first of `SRTCP_LAYOUTS` wins (lengths ≡ 2 mod 4 can only
/// be the 10-byte tag; ≡ 0 mod 4 is taken for AES-GCM before the 4-byte tag).
pub fn srtcp_trailer(p: &[u8]) -> Option<SrtcpTrailer> {
    let first = p.get(..4)?;
    if first[0] >> 6 != 2 || !(192..=223).contains(&first[1]) {
        return None;
    }
    if rtcp_walk(p) == p.len() {
        return None;
    }
    let first_len = 4 * (usize::from(u16::from_be_bytes([first[2], first[3]])) + 1);
    for (aead, tag_len, mki_len) in SRTCP_LAYOUTS {
        let Some(c) = p.len().checked_sub(4 + mki_len + tag_len) else {
            continue;
        };
        if c < 8 || c % 4 != 0 || first_len > c {
            continue;
        }
        let (index_at, tag_at) = if aead {
            (c + tag_len, c)
        } else {
            (c, c + 4 + mki_len)
        };
        let w = u32::from_be_bytes([
            p[index_at],
            p[index_at + 1],
            p[index_at + 2],
            p[index_at + 3],
        ]);
        let encrypted = w >> 31 == 1;
        if !encrypted && rtcp_walk(&p[..c]) != c {
            continue;
        }
        return Some(SrtcpTrailer {
            compound_len: c,
            encrypted,
            index: w & 0x7fff_ffff,
            index_at,
            mki_len,
            tag_at,
            tag_len,
        });
    }
    None
}

/// Whether media is taken for SRTP (the `msstun.media_encryption` preference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encryption {
    /// By the evidence: SRTCP by its trailer; RTP as SRTP on flows where SRTP is the rule
    /// (see [`MediaKind::of`]).
    #[default]
    Auto,
    /// Every RTP payload is SRTP, every RTCP payload SRTCP.
    Srtp,
    /// Every RTP/RTCP payload is plain.
    Rtp,
}

/// What an RTP/RTCP-range payload is shown as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// Plain RTP.
    Rtp,
    /// SRTP: the header in the clear, the rest (payload, padding, tag) not interpreted.
    Srtp,
    /// Plain RTCP.
    Rtcp,
    /// SRTCP (with its trailer when one was found).
    Srtcp(Option<SrtcpTrailer>),
}

impl MediaKind {
    /// How to show a payload that [`crate::classify::classify`] called `kind` (`None` for
    /// anything but RTP and RTCP), under the preference `enc`, on a flow where SRTP is the
    /// rule (`srtp_flow`: ICE checks with MESSAGE-INTEGRITY, a DTLS-SRTP handshake or a
    /// Microsoft dialect were seen on it).
    ///
    /// RTCP is SRTCP when its trailer parses ([`srtcp_trailer`]) — whatever the flow —, on
    /// SRTP flows (trailer unknown: `Srtcp(None)`), or always under [`Encryption::Srtp`]; RTP is SRTP on SRTP flows or under
    /// [`Encryption::Srtp`]. [`Encryption::Rtp`] keeps everything plain.
    pub fn of(kind: PayloadKind, p: &[u8], enc: Encryption, srtp_flow: bool) -> Option<MediaKind> {
        Some(match (kind, enc) {
            (PayloadKind::Rtp, Encryption::Rtp) => MediaKind::Rtp,
            (PayloadKind::Rtcp, Encryption::Rtp) => MediaKind::Rtcp,
            (PayloadKind::Rtp, Encryption::Srtp) => MediaKind::Srtp,
            (PayloadKind::Rtp, Encryption::Auto) if srtp_flow => MediaKind::Srtp,
            (PayloadKind::Rtp, Encryption::Auto) => MediaKind::Rtp,
            (PayloadKind::Rtcp, Encryption::Srtp) => MediaKind::Srtcp(srtcp_trailer(p)),
            (PayloadKind::Rtcp, Encryption::Auto) => match srtcp_trailer(p) {
                Some(t) => MediaKind::Srtcp(Some(t)),
                // An SRTP flow's RTCP is SRTCP even when its trailer's layout is not one
                // msstun knows (Skype's, Teams'): never read it as plain reports.
                None if srtp_flow => MediaKind::Srtcp(None),
                None => MediaKind::Rtcp,
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rtp(seq: u16, ssrc: u32) -> [u8; 16] {
        let mut p = [0u8; 16];
        p[0] = 0x80;
        p[1] = 0x80 | 111;
        p[2..4].copy_from_slice(&seq.to_be_bytes());
        p[4..8].copy_from_slice(&1234u32.to_be_bytes());
        p[8..12].copy_from_slice(&ssrc.to_be_bytes());
        p
    }

    fn track(seqs: &[u16]) -> SeqTracker {
        let mut t = SeqTracker::default();
        for &s in seqs {
            t.update(&RtpHeader::parse(&rtp(s, 7)).unwrap());
        }
        t
    }

    #[test]
    fn dtls_records_by_their_headers() {
        // A ClientHello's record header: handshake, DTLS 1.0, epoch 0, seq 0, 4 bytes.
        let mut hello = vec![22, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0];
        assert_eq!(DtlsRecord::of(&hello), DtlsRecord::Plain);
        hello[12] = 5; // one byte longer than there is
        assert_eq!(DtlsRecord::of(&hello), DtlsRecord::No);
        hello[12] = 4;
        hello[2] = 0x00; // no DTLS version
        assert_eq!(DtlsRecord::of(&hello), DtlsRecord::No);
        assert_eq!(DtlsRecord::of(&hello[..10]), DtlsRecord::No);
        // Content type 28 is none of DTLS's.
        assert_eq!(DtlsRecord::of(&[28; 40]), DtlsRecord::No);
        // Unified header 0b0010_1100: 16-bit sequence, length 3, 3 bytes: fits.
        assert_eq!(
            DtlsRecord::of(&[0x2c, 0, 1, 0, 3, 9, 9, 9]),
            DtlsRecord::Unified
        );
        // Telegram's 0x24 with a length of 0x2832 in 55 bytes: not DTLS.
        let mut tg = vec![0x24, 0xc8, 0x28, 0x32];
        tg.resize(55, 0x11);
        assert_eq!(DtlsRecord::of(&tg), DtlsRecord::No);
        // Without a length the record runs to the end of the datagram.
        assert_eq!(DtlsRecord::of(&[0x20, 1, 2, 3]), DtlsRecord::Unified);
        // With a connection id (C): nothing to check it by.
        assert_eq!(DtlsRecord::of(&[0x36, 1, 2, 3]), DtlsRecord::UnifiedCid);
    }

    #[test]
    fn zrtp_by_its_magic_cookie() {
        let mut p = vec![0x10, 0, 0, 1, b'Z', b'R', b'T', b'P', 1, 2, 3, 4];
        p.extend_from_slice(&[0x50, 0x5a, 0, 3, 0, 0, 0, 0]);
        assert!(is_zrtp(&p));
        p[4] = b'z';
        assert!(!is_zrtp(&p));
        assert!(!is_zrtp(&p[..12]));
    }

    #[test]
    fn padding_count_must_fit_plain_rtp() {
        let mut p = rtp(1, 7).to_vec(); // 12-byte header, 4 bytes after it
        assert!(RtpHeader::parse(&p).unwrap().fits_plain(&p));
        p[0] |= 0x20; // padding bit
        p[15] = 4; // the 4 bytes after the header are padding: fits
        assert!(RtpHeader::parse(&p).unwrap().fits_plain(&p));
        p[15] = 5; // one more than there is
        assert!(!RtpHeader::parse(&p).unwrap().fits_plain(&p));
        p[15] = 0; // a count of 0 is not padding
        assert!(!RtpHeader::parse(&p).unwrap().fits_plain(&p));
    }

    #[test]
    fn header_fields() {
        let h = RtpHeader::parse(&rtp(0xbeef, 0x1234_5678)).unwrap();
        assert_eq!(
            (
                h.payload_type,
                h.marker,
                h.seq,
                h.timestamp,
                h.ssrc,
                h.header_len
            ),
            (111, true, 0xbeef, 1234, 0x1234_5678, 12)
        );
        // Two CSRCs and a one-word extension: 12 + 8 + 4 + 4.
        let mut p = vec![0x92, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1];
        p.extend_from_slice(&[0; 8]);
        p.extend_from_slice(&[0xbe, 0xde, 0, 1, 0, 0, 0, 0, 0xaa]);
        assert_eq!(RtpHeader::parse(&p).unwrap().header_len, 28);
        assert_eq!(RtpHeader::parse(&p[..27]), None);
        assert_eq!(RtpHeader::parse(&[0x80; 11]), None);
        assert_eq!(RtpHeader::parse(&[0x40; 12]), None, "version 1");
    }

    #[test]
    fn in_order_lossless() {
        let t = track(&[10, 11, 12, 13]);
        assert_eq!((t.packets, t.lost(), t.jumps), (4, 0, 0));
    }

    #[test]
    fn loss_and_reordering_as_wireshark_counts_them() {
        // The fixtures' stream A: 0..20 without 5, 10 and 11 swapped.
        let mut s: Vec<u16> = (1000..1020).filter(|&x| x != 1005).collect();
        s.swap(9, 10);
        let t = track(&s);
        assert_eq!(t.packets, 19);
        assert_eq!(t.lost(), 1);
        // 4 → 6, 9 → 11, 11 → 10, 10 → 12.
        assert_eq!(t.jumps, 4);
    }

    #[test]
    fn wraps_around() {
        let t = track(&[65534, 65535, 0, 2]);
        assert_eq!((t.packets, t.expected(), t.lost(), t.jumps), (4, 5, 1, 1));
    }

    #[test]
    fn a_late_packet_from_before_the_first() {
        let t = track(&[100, 99, 101]);
        assert_eq!((t.packets, t.expected(), t.lost()), (3, 3, 0));
    }

    #[test]
    fn duplicates_never_make_loss_negative() {
        let t = track(&[5, 5, 6, 6]);
        assert_eq!((t.packets, t.lost(), t.jumps), (4, 0, 2));
    }

    #[test]
    fn a_restarted_sender_is_not_thousands_lost() {
        let t = track(&[1, 2, 3, 40000, 40001]);
        assert_eq!(t.packets, 5);
        assert!(t.lost() < 10, "{t:?}");
    }

    #[test]
    fn table_keeps_n_ssrcs_and_counts_the_rest() {
        let mut tab = SsrcTable::<2>::default();
        for ssrc in [1, 2, 1, 3, 3] {
            tab.update(&RtpHeader::parse(&rtp(1, ssrc)).unwrap());
        }
        let e = tab.entries();
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].ssrc, e[0].seq.packets), (1, 2));
        assert_eq!(tab.untracked, 2);
    }

    #[test]
    fn counters_by_kind() {
        let mut m = MediaCounters::default();
        assert!(m.is_empty());
        assert_eq!(m.account(&rtp(1, 9)), PayloadKind::Rtp);
        assert_eq!(m.account(&[0x81, 200, 0, 1, 0, 0, 0, 9]), PayloadKind::Rtcp);
        assert_eq!(m.account(&[22, 0xfe, 0xfd]), PayloadKind::Dtls);
        assert_eq!(
            m.kind(PayloadKind::Rtp),
            KindCount {
                packets: 1,
                bytes: 16
            }
        );
        assert_eq!(m.kind(PayloadKind::Rtcp).bytes, 8);
        assert_eq!(m.kinds().count(), 3);
        assert_eq!(m.rtp.entries()[0].ssrc, 9);
    }

    /// An RTCP packet of type `pt` with `words` 32-bit words after its header word.
    fn rtcp(pt: u8, words: u16) -> Vec<u8> {
        let mut p = vec![0x80, pt];
        p.extend_from_slice(&words.to_be_bytes());
        p.extend(std::iter::repeat_n(0x5a, 4 * usize::from(words)));
        p
    }

    fn srtcp(compound: &[u8], e: bool, index: u32, mki: usize, tag: usize) -> Vec<u8> {
        let mut p = compound.to_vec();
        p.extend_from_slice(&(index | if e { 1 << 31 } else { 0 }).to_be_bytes());
        p.extend(std::iter::repeat_n(0x01, mki));
        p.extend(std::iter::repeat_n(0xa5, tag));
        p
    }

    #[test]
    fn plain_rtcp_has_no_trailer() {
        let mut c = rtcp(200, 6);
        c.extend(rtcp(202, 3));
        assert_eq!(rtcp_walk(&c), c.len());
        assert_eq!(srtcp_trailer(&c), None);
        assert_eq!(srtcp_trailer(&rtcp(201, 1)), None);
        // Not RTCP at all.
        assert_eq!(srtcp_trailer(&[0x80, 0x6f, 0, 1, 0, 0, 0, 0]), None);
        assert_eq!(srtcp_trailer(&[]), None);
        assert_eq!(srtcp_trailer(&[0x80, 200]), None);
    }

    #[test]
    fn srtcp_with_80_bit_tag() {
        // SR (28 bytes) + SDES, encrypted after the first 8 bytes: the SDES header is noise.
        let mut c = rtcp(200, 6);
        c.extend([0x13, 0x37, 0xde, 0xad, 1, 2, 3, 4]);
        let p = srtcp(&c, true, 7, 0, 10);
        let t = srtcp_trailer(&p).unwrap();
        assert_eq!(
            t,
            SrtcpTrailer {
                compound_len: c.len(),
                encrypted: true,
                index: 7,
                index_at: c.len(),
                mki_len: 0,
                tag_at: c.len() + 4,
                tag_len: 10
            }
        );
        assert!(!t.aead());
        // A lone reduced-size PLI (RFC 5506), 12 bytes.
        let c = rtcp(206, 2);
        let t = srtcp_trailer(&srtcp(&c, true, 0x7fff_ffff, 0, 10)).unwrap();
        assert_eq!((t.compound_len, t.index, t.tag_len), (12, 0x7fff_ffff, 10));
    }

    #[test]
    fn srtcp_with_32_bit_tag_mki_and_unencrypted() {
        let c = rtcp(201, 1);
        let t = srtcp_trailer(&srtcp(&c, true, 3, 0, 4)).unwrap();
        assert_eq!((t.compound_len, t.tag_len, t.mki_len), (8, 4, 0));
        // MKI and a 10-byte tag: the length is ≡ 2 (mod 4) as without MKI; read without MKI,
        // the "E‖index" word is the MKI (E clear here), and a clear compound must end
        // exactly at the trailer, which it does not: the MKI reading is taken. (An MKI with
        // its top bit set reads as E set without MKI: the ambiguity is decided for the
        // common case, no MKI.)
        let mut c2 = rtcp(200, 6);
        c2.extend(rtcp(202, 1));
        let t = srtcp_trailer(&srtcp(&c2, false, 9, 4, 10)).unwrap();
        assert_eq!(
            (t.compound_len, t.encrypted, t.index, t.mki_len, t.tag_len),
            (c2.len(), false, 9, 4, 10)
        );
        // Unencrypted SRTCP: the clear compound must end exactly at the trailer.
        let t = srtcp_trailer(&srtcp(&c2, false, 1, 0, 10)).unwrap();
        assert_eq!((t.compound_len, t.encrypted), (c2.len(), false));
    }

    #[test]
    fn srtcp_with_aes_gcm() {
        // RFC 7714 §9: SR + encrypted SDES, the 16-byte tag, then E‖index — as aiortc sends.
        let mut p = rtcp(200, 6);
        p.extend([0x13u8; 12]);
        let c = p.len();
        p.extend([0xeeu8; 16]);
        p.extend(0x8000_0001u32.to_be_bytes());
        let t = srtcp_trailer(&p).unwrap();
        assert!(t.aead());
        assert_eq!(
            (
                t.compound_len,
                t.tag_at,
                t.tag_len,
                t.index_at,
                t.index,
                t.encrypted
            ),
            (c, c, 16, c + 16, 1, true)
        );
    }

    #[test]
    fn inconsistent_lengths_are_not_srtcp() {
        // The first packet claims more than the bytes before any trailer could hold.
        let mut p = vec![0x80, 200, 0, 20];
        p.extend([0u8; 18]);
        assert_eq!(srtcp_trailer(&p), None);
        // Too short for a header, an index and a tag.
        assert_eq!(srtcp_trailer(&[0x80, 200, 0, 0, 0, 0]), None);
    }

    #[test]
    fn media_kind_by_preference_and_flow() {
        let rtp = [0x80u8, 111, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2];
        let c = rtcp(201, 1);
        let s = srtcp(&c, true, 1, 0, 10);
        use Encryption::*;
        assert_eq!(
            MediaKind::of(PayloadKind::Rtp, &rtp, Auto, false),
            Some(MediaKind::Rtp)
        );
        assert_eq!(
            MediaKind::of(PayloadKind::Rtp, &rtp, Auto, true),
            Some(MediaKind::Srtp)
        );
        assert_eq!(
            MediaKind::of(PayloadKind::Rtp, &rtp, Srtp, false),
            Some(MediaKind::Srtp)
        );
        assert_eq!(
            MediaKind::of(PayloadKind::Rtp, &rtp, Rtp, true),
            Some(MediaKind::Rtp)
        );
        // Plain RTCP (no trailer) is RTCP on a plain flow, SRTCP of unknown layout on an
        // SRTP flow.
        assert_eq!(
            MediaKind::of(PayloadKind::Rtcp, &c, Auto, false),
            Some(MediaKind::Rtcp)
        );
        assert_eq!(
            MediaKind::of(PayloadKind::Rtcp, &c, Auto, true),
            Some(MediaKind::Srtcp(None))
        );
        assert!(matches!(
            MediaKind::of(PayloadKind::Rtcp, &s, Auto, false),
            Some(MediaKind::Srtcp(Some(_)))
        ));
        assert_eq!(
            MediaKind::of(PayloadKind::Rtcp, &c, Srtp, false),
            Some(MediaKind::Srtcp(None))
        );
        assert_eq!(
            MediaKind::of(PayloadKind::Rtcp, &s, Rtp, true),
            Some(MediaKind::Rtcp)
        );
        assert_eq!(MediaKind::of(PayloadKind::Dtls, &s, Auto, true), None);
    }
}
