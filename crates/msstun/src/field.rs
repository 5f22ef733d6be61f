//! Named byte ranges of every header msstun reads, one module per header (in the style
//! of smoltcp's `wire/`), the big-endian readers over them, and the one attribute TLV
//! walker ([`split_tlv`]) that the detector, [`crate::Message`] and
//! [`crate::Attributes`] share.
//!
//! ```
//! use msstun::field::{self, stun};
//! let b = [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
//! assert_eq!(field::be16(&b, stun::TYPE), 0x0001);
//! assert_eq!(field::be32(&b, stun::COOKIE), msstun::MAGIC_COOKIE);
//! assert_eq!(&b[stun::TRANSACTION_ID], &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
//! ```

use core::ops::Range;

/// A field: the bytes it spans from the start of its header.
pub type Field = Range<usize>;

/// The STUN message header (RFC 8489 §5, RFC 3489 §11.1, [MS-TURN] §2.2.1).
pub mod stun {
    use super::Field;
    /// Message Type (the top two bits zero).
    pub const TYPE: Field = 0..2;
    /// Message Length: the bytes after the header.
    pub const LENGTH: Field = 2..4;
    /// Magic cookie (RFC 5389+).
    pub const COOKIE: Field = 4..8;
    /// The 96-bit transaction id after the cookie (RFC 5389+).
    pub const TRANSACTION_ID: Field = 8..20;
    /// The 128-bit transaction id of RFC 3489 and legacy [MS-TURN] (no cookie).
    pub const LEGACY_TRANSACTION_ID: Field = 4..20;
    /// The header: 20 bytes; the attributes follow.
    pub const ATTRIBUTES: usize = 20;
}

/// An attribute TLV (RFC 8489 §14): type, length, value (padded to 4 bytes except in
/// the [MS-TURN] dialects).
pub mod tlv {
    use super::Field;
    /// Attribute type.
    pub const TYPE: Field = 0..2;
    /// Length of the value (padding excluded).
    pub const LENGTH: Field = 2..4;
    /// Where the value starts.
    pub const VALUE: usize = 4;
}

/// ChannelData (RFC 8656 §12.4) and [MS-TURN] Multiplexed TURN (channel 0xFF10).
pub mod channel_data {
    use super::Field;
    /// Channel number.
    pub const NUMBER: Field = 0..2;
    /// Length of the data.
    pub const LENGTH: Field = 2..4;
    /// Where the data starts.
    pub const DATA: usize = 4;
    /// [MS-TURN] Multiplexed TURN: the 8-byte MTURN session id after the length.
    pub const SESSION_ID: Field = 4..12;
}

/// [MS-TURN] §2.1.4 TCP framing header.
pub mod ms_tcp {
    use super::Field;
    /// Frame type (0x02 control, 0x03 data).
    pub const TYPE: usize = 0;
    /// Reserved (zero).
    pub const RESERVED: usize = 1;
    /// Length of what follows the header.
    pub const LENGTH: Field = 2..4;
    /// Where the payload starts.
    pub const PAYLOAD: usize = 4;
}

/// The 16-bit big-endian number in `f` of `b`.
///
/// # Panics
/// When `b` is shorter than `f.end` (callers check lengths first).
#[inline(always)]
pub fn be16(b: &[u8], f: Field) -> u16 {
    u16::from_be_bytes([b[f.start], b[f.start + 1]])
}

/// The 32-bit big-endian number in `f` of `b`.
///
/// # Panics
/// When `b` is shorter than `f.end` (callers check lengths first).
#[inline(always)]
pub fn be32(b: &[u8], f: Field) -> u32 {
    u32::from_be_bytes([b[f.start], b[f.start + 1], b[f.start + 2], b[f.start + 3]])
}

/// The 16-bit big-endian number at byte `at` of `b` (for offsets computed while
/// walking).
#[inline(always)]
pub fn be16_at(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// The 32-bit big-endian number at byte `at` of `b`.
#[inline(always)]
pub fn be32_at(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// One attribute as walked: its type, declared length and value (padding excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// Attribute type.
    pub code: u16,
    /// Declared length.
    pub length: u16,
    /// The value.
    pub value: &'a [u8],
}

/// Why [`split_tlv`] found no attribute at the start of its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlvError {
    /// Fewer than the 4 bytes of an attribute header.
    Truncated,
    /// The declared length runs past the bytes.
    Overrun {
        /// Attribute type.
        code: u16,
        /// Declared length.
        declared: u16,
    },
    /// The value fits but its padding does not.
    BadPadding {
        /// Attribute type.
        code: u16,
    },
}

/// The padded length of a value of `len` bytes: `len` rounded up to 4 when `pad`.
#[inline(always)]
pub const fn padded(len: usize, pad: bool) -> usize {
    // Branch-free: a mask of 3 or 0.
    let m = (pad as usize) * 3;
    (len + m) & !m
}

/// Split the first attribute TLV off `rest`: `(what follows it, the attribute)`, its
/// padding skipped when `pad`. The one walker of attribute lists in msstun.
#[inline(always)]
pub fn split_tlv(rest: &[u8], pad: bool) -> Result<(&[u8], Tlv<'_>), TlvError> {
    let Some((&[c0, c1, l0, l1], body)) = rest.split_first_chunk::<4>() else {
        return Err(TlvError::Truncated);
    };
    let code = u16::from_be_bytes([c0, c1]);
    let length = u16::from_be_bytes([l0, l1]);
    let len = length as usize;
    // The value and its 0-3 bytes of padding: written as `len` plus the padding (not as
    // `padded`'s rounding) so that the value's bound follows from the step's, and the
    // value needs no check of its own.
    let step = len + (len.wrapping_neg() & (pad as usize * 3));
    let Some((spanned, after)) = body.split_at_checked(step) else {
        return Err(if len > body.len() {
            TlvError::Overrun {
                code,
                declared: length,
            }
        } else {
            TlvError::BadPadding { code }
        });
    };
    Ok((
        after,
        Tlv {
            code,
            length,
            value: &spanned[..len],
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlv_walk() {
        let b = [0, 1, 0, 2, 9, 9, 0, 0, 0, 2, 0, 0];
        let (rest, a) = split_tlv(&b, true).unwrap();
        assert_eq!((a.code, a.length, a.value), (1, 2, &[9, 9][..]));
        let (rest, a) = split_tlv(rest, true).unwrap();
        assert_eq!((a.code, a.value.len(), rest.len()), (2, 0, 0));
        assert_eq!(split_tlv(&b[..3], true), Err(TlvError::Truncated));
        assert_eq!(
            split_tlv(&b[..5], true),
            Err(TlvError::Overrun {
                code: 1,
                declared: 2
            })
        );
        assert_eq!(
            split_tlv(&b[..6], true),
            Err(TlvError::BadPadding { code: 1 })
        );
        let (rest, _) = split_tlv(&b[..6], false).unwrap();
        assert!(rest.is_empty());
    }

    /// The walker steps over exactly the padded length, and a step one byte short is an
    /// overrun (value cut) or bad padding (padding cut), for every padding remainder.
    #[test]
    fn tlv_step_is_the_padded_length() {
        for pad in [false, true] {
            for len in 0..=9usize {
                let step = padded(len, pad);
                let mut b = std::vec![0, 7, 0, len as u8];
                b.resize(4 + step + 2, 0xAA);
                let (rest, a) = split_tlv(&b, pad).unwrap();
                assert_eq!((a.value.len(), rest.len()), (len, 2), "len {len} pad {pad}");
                if step > 0 {
                    let cut = split_tlv(&b[..3 + step], pad).unwrap_err();
                    let want = if step == len {
                        TlvError::Overrun {
                            code: 7,
                            declared: len as u16,
                        }
                    } else {
                        TlvError::BadPadding { code: 7 }
                    };
                    assert_eq!(cut, want, "len {len} pad {pad}");
                }
            }
        }
    }

    #[test]
    fn named_ranges() {
        let b = [
            0x40, 0x01, 0x00, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 0x21, 0x12, 0xA4, 0x42,
        ];
        assert_eq!(be16(&b, channel_data::NUMBER), 0x4001);
        assert_eq!(be16(&b, channel_data::LENGTH), 0x10);
        assert_eq!(&b[channel_data::SESSION_ID], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(be32_at(&b, 12), crate::MAGIC_COOKIE);
        assert_eq!(be16_at(&b, 2), 0x10);
    }
}
