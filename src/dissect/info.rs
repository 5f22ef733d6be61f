//! The Info column (a message's summary, written in place into packet-scoped memory) and
//! the short texts of attribute values in the tree.

use msstun::summary::fitting_len;

use super::Ctx;
use crate::epan::{PStr, TextBuf};

/// Longest Info text of one message (Wireshark's Info column holds 4096 bytes in all).
const INFO_MAX: usize = 320;

/// A message's Info text, written straight into packet-scoped memory (Wireshark keeps
/// the pointer until the columns are written): at most [`INFO_MAX`] bytes, cut at a
/// character boundary, NUL-terminated; one line, so control characters (a USERNAME or a
/// reason phrase may carry them) become spaces.
pub(super) struct InfoText<'p>(TextBuf<'p>);

impl<'p> InfoText<'p> {
    /// An empty text in the packet's memory.
    #[inline]
    pub(super) fn new(ctx: &Ctx<'p>) -> InfoText<'p> {
        InfoText(ctx.pinfo.text_buf(INFO_MAX))
    }

    /// The NUL-terminated text.
    pub(super) fn finish(mut self) -> PStr<'p> {
        let text = self.0.written();
        // Branch-free test first: control characters are rare.
        if has_control(text) {
            for b in text.iter_mut().filter(|b| **b < 0x20 || **b == 0x7f) {
                *b = b' ';
            }
        }
        self.0.finish()
    }
}

/// Whether `text` holds a control character (below 0x20, or DEL), eight bytes at a time:
/// a byte below 0x20 borrows into its top bit in `w - 0x20…` where its own top bit is clear,
/// and DEL is the zero byte of `w ^ 0x7f…` (exact for "is there one": a borrow only starts at
/// a byte that is one).
#[inline]
fn has_control(text: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = text.chunks_exact(8);
    let mut acc = 0u64;
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        let del = w ^ (0x7f * ONES);
        acc |= (w.wrapping_sub(0x20 * ONES) & !w) | (del.wrapping_sub(ONES) & !del);
    }
    acc & HIGH != 0 || chunks.remainder().iter().any(|&b| b < 0x20 || b == 0x7f)
}

impl std::fmt::Write for InfoText<'_> {
    #[inline]
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let n = fitting_len(s, self.0.room());
        self.0.push(&s.as_bytes()[..n]);
        if n < s.len() {
            Err(std::fmt::Error)
        } else {
            Ok(())
        }
    }
}

/// Set the Protocol column and add `text` (packet-scoped: the first one is kept by
/// pointer, not copied) to the Info column.
pub(super) fn set_columns<'p>(ctx: &Ctx<'p>, text: PStr<'p>) {
    // The first PDU of the first msstun call in this frame replaces the columns; later
    // ones (same call, or a later call: the rest of a TCP segment after a reassembled
    // message, which Wireshark counts in curr_proto_layer_num) append.
    let first = ctx.pdus.replace(ctx.pdus.get() + 1) == 0 && ctx.pinfo.first_layer();
    if first {
        ctx.pinfo.set_protocol_column();
        // Replaces what lower layers wrote (after any fence, as col_clear would).
        ctx.pinfo.set_info(text);
    } else {
        ctx.pinfo.append_info(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_in_every_position() {
        for len in 0..40usize {
            let clean: Vec<u8> = (0..len).map(|i| b' ' + (i % 95) as u8).collect();
            assert!(!has_control(&clean), "{clean:?}");
            for at in 0..len {
                for bad in [0u8, 1, 0x0a, 0x1f, 0x7f] {
                    let mut v = clean.clone();
                    v[at] = bad;
                    assert!(has_control(&v), "{v:?}");
                }
                // Neighbours of the ranges, and bytes above DEL (UTF-8), are not.
                for ok in [0x20u8, 0x7e, 0x80, 0xc3, 0xff] {
                    let mut v = clean.clone();
                    v[at] = ok;
                    assert!(!has_control(&v), "{v:?}");
                }
            }
        }
    }
}
