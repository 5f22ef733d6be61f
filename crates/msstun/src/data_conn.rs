//! One segment of an RFC 6062 data connection, as a capture shows it: the RFC 4571-framed
//! STUN messages that start it (the ICE checks Skype for Business / Lync send there:
//! `00 6c 00 01 …`), then relayed data — split into its RFC 4571 frames when it is a whole
//! number of them (RTP over ICE-TCP), else one piece. Stateless and allocation-free; the
//! Wireshark plugin dissects data connections with it.
//!
//! ```
//! use msstun::data_conn::{scan, Segment};
//! use msstun::framing::Kind;
//! // A framed Binding request (20-byte header, no attributes), then a framed 4-byte packet.
//! let mut seg = vec![0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42];
//! seg.extend_from_slice(&[7; 12]);
//! seg.extend_from_slice(&[0x00, 0x04, 0x80, 0x7f, 0x00, 0x01]);
//! let items: Vec<Segment> = scan(&seg).collect();
//! assert!(matches!(items[0], Segment::Unit { offset: 0, len: 22, kind: Kind::Stun { .. } }));
//! assert!(matches!(items[1], Segment::Unit { offset: 22, len: 6, kind: Kind::Data { framed: false, .. } }));
//! ```

use crate::detect::{detect_framing, Verdict};
use crate::framing::{next_pdu, Framing, Kind, PduKind, PduResult, Span, Transport};

/// Most frames [`frames`] splits relayed data into (more: shown as one piece).
pub const MAX_FRAMES: usize = 16;

/// One part of a data-connection segment, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// A whole unit at `offset`, `len` bytes: an RFC 4571 frame holding a STUN message
    /// (`kind` is [`Kind::Stun`] with its dialect, spans from `offset`), or relayed data
    /// from `offset` to the end ([`Kind::Data`], not framed; always the last item).
    Unit {
        /// Where it starts.
        offset: usize,
        /// Its length (the frame's, with its length field).
        len: usize,
        /// What it is, spans from `offset`.
        kind: PduKind,
    },
    /// A framed STUN message starts at `offset` but needs `more` bytes (TCP may be asked for
    /// them; otherwise what starts here is relayed data). Always the last item.
    NeedMore {
        /// Where it starts.
        offset: usize,
        /// Bytes still missing.
        more: usize,
    },
}

/// Relayed data: the rest of the segment from `offset` (`rest` bytes).
const fn data(offset: usize, rest: usize) -> Segment {
    Segment::Unit {
        offset,
        len: rest,
        kind: Kind::Data {
            data: Span::new(0, rest),
            framed: false,
        },
    }
}

/// The parts of `segment`, in order (see [`Segment`]).
pub fn scan(segment: &[u8]) -> Scan<'_> {
    Scan {
        bytes: segment,
        off: 0,
        done: false,
    }
}

/// Iterator of [`scan`].
#[derive(Debug, Clone)]
pub struct Scan<'a> {
    bytes: &'a [u8],
    off: usize,
    done: bool,
}

impl Iterator for Scan<'_> {
    type Item = Segment;

    fn next(&mut self) -> Option<Segment> {
        if self.done || self.off >= self.bytes.len() {
            return None;
        }
        let rest = &self.bytes[self.off..];
        let offset = self.off;
        match detect_framing(Framing::Rfc4571, Transport::Tcp, rest) {
            Verdict::Found(d) if d.pdu_len <= rest.len() => {
                self.off += d.pdu_len;
                Some(Segment::Unit {
                    offset,
                    len: d.pdu_len,
                    kind: d.kind,
                })
            }
            Verdict::NeedMore => {
                self.done = true;
                Some(match next_pdu(Framing::Rfc4571, Transport::Tcp, rest) {
                    PduResult::NeedMore(more) => Segment::NeedMore { offset, more },
                    _ => data(offset, rest.len()),
                })
            }
            _ => {
                self.done = true;
                Some(data(offset, rest.len()))
            }
        }
    }
}

/// The RFC 4571 frames (offset, length with the 2-byte length field) of relayed data at
/// `offset` in `bytes` when it is a whole number of at most [`MAX_FRAMES`] non-empty frames;
/// `None` otherwise (the data is one piece).
pub fn frames(bytes: &[u8], offset: usize) -> Option<Frames<'_>> {
    let mut n = 0;
    let mut p = offset;
    while p < bytes.len() && n < MAX_FRAMES {
        match next_pdu(Framing::Rfc4571, Transport::Tcp, &bytes[p..]) {
            PduResult::Complete { len, .. } if len > 2 => {
                n += 1;
                p += len;
            }
            _ => break,
        }
    }
    (p == bytes.len() && n > 0).then_some(Frames { bytes, off: offset })
}

/// Iterator of [`frames`]: (offset, length) of each frame.
#[derive(Debug, Clone)]
pub struct Frames<'a> {
    bytes: &'a [u8],
    off: usize,
}

impl Iterator for Frames<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        match next_pdu(
            Framing::Rfc4571,
            Transport::Tcp,
            self.bytes.get(self.off..)?,
        ) {
            PduResult::Complete { len, .. } if len > 2 => {
                let item = (self.off, len);
                self.off += len;
                Some(item)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed_binding() -> Vec<u8> {
        let mut m = vec![0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42];
        m.extend_from_slice(&[9; 12]);
        m
    }

    fn rtp_frame(n: u8) -> Vec<u8> {
        let mut f = vec![0x00, 0x0c, 0x80, 0x00, 0x00, n];
        f.extend_from_slice(&[0; 8]);
        f
    }

    #[test]
    fn checks_then_media_frames() {
        let mut seg = framed_binding();
        seg.extend(framed_binding());
        let media_at = seg.len();
        seg.extend(rtp_frame(1));
        seg.extend(rtp_frame(2));
        let items: Vec<Segment> = scan(&seg).collect();
        assert_eq!(items.len(), 3);
        assert!(matches!(
            items[0],
            Segment::Unit {
                offset: 0,
                len: 22,
                kind: Kind::Stun { .. }
            }
        ));
        assert!(matches!(
            items[1],
            Segment::Unit {
                offset: 22,
                len: 22,
                kind: Kind::Stun { .. }
            }
        ));
        assert_eq!(items[2], data(media_at, 28));
        let fr: Vec<_> = frames(&seg, media_at).unwrap().collect();
        assert_eq!(fr, vec![(media_at, 14), (media_at + 14, 14)]);
    }

    #[test]
    fn a_cut_check_asks_for_more() {
        let seg = framed_binding();
        let items: Vec<Segment> = scan(&seg[..10]).collect();
        assert_eq!(
            items,
            vec![Segment::NeedMore {
                offset: 0,
                more: 12
            }]
        );
    }

    #[test]
    fn unframed_data_is_one_piece() {
        // An RFC 4571 length of 9 over 3 bytes that are not STUN.
        let seg = [0x00u8, 0x09, 0x80, 0x00, 0x01];
        assert_eq!(scan(&seg).collect::<Vec<_>>(), vec![data(0, 5)]);
        assert!(frames(&seg, 0).is_none());
        // Frames with a partial one at the end, or more than MAX_FRAMES: one piece.
        let mut cut = rtp_frame(1);
        cut.extend_from_slice(&rtp_frame(2)[..5]);
        assert!(frames(&cut, 0).is_none());
        let many: Vec<u8> = (0..=MAX_FRAMES as u8).flat_map(rtp_frame).collect();
        assert!(frames(&many, 0).is_none());
        assert!(scan(&[]).next().is_none());
    }
}
