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
        if text
            .iter()
            .fold(false, |c, &b| c | (b < 0x20) | (b == 0x7f))
        {
            for b in text.iter_mut().filter(|b| **b < 0x20 || **b == 0x7f) {
                *b = b' ';
            }
        }
        self.0.finish()
    }
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
