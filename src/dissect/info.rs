//! The Info column (a message's summary, written in place into packet-scoped memory) and
//! the short texts of attribute values in the tree.

use msstun::summary::{fitting_len, write_attribute, write_head};

use super::Ctx;
use crate::epan::{Item, PStr, TextBuf};

/// Longest Info text of one message (Wireshark's Info column holds 4096 bytes in all).
const INFO_MAX: usize = 320;

/// A message's Info text, written straight into packet-scoped memory (Wireshark keeps
/// the pointer until the columns are written): at most [`INFO_MAX`] bytes, cut at a
/// character boundary, NUL-terminated; one line, so control characters (a reason phrase
/// may carry them) become spaces.
///
/// Only what went through formatting (`write!`: numbers, a reason phrase, an error) is
/// scanned for them: what [`msstun::summary`] writes with `write_str` is a name of its
/// tables, an address or text it escaped itself (USERNAME, REALM), all free of them.
pub(super) struct InfoText<'p> {
    buf: TextBuf<'p>,
    /// Something was written through `write_fmt` with arguments.
    formatted: bool,
}

impl<'p> InfoText<'p> {
    /// An empty text in the packet's memory.
    #[inline]
    pub(super) fn new(ctx: &Ctx<'p>) -> InfoText<'p> {
        InfoText {
            buf: ctx.pinfo.text_buf(INFO_MAX),
            formatted: false,
        }
    }

    /// The NUL-terminated text.
    pub(super) fn finish(mut self) -> PStr<'p> {
        let text = self.buf.written();
        // Branch-free test first: control characters are rare.
        if self.formatted && has_control(text) {
            for b in text.iter_mut().filter(|b| **b < 0x20 || **b == 0x7f) {
                *b = b' ';
            }
        }
        self.buf.finish()
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
        // Nearly always fits: the cut at a character boundary only when it does not.
        let room = self.buf.room();
        let n = if s.len() <= room {
            s.len()
        } else {
            fitting_len(s, room)
        };
        self.buf.push(&s.as_bytes()[..n]);
        if n < s.len() {
            Err(std::fmt::Error)
        } else {
            Ok(())
        }
    }

    /// Formatted text (anything but a plain string) is scanned by [`InfoText::finish`].
    #[inline]
    fn write_fmt(&mut self, args: std::fmt::Arguments<'_>) -> std::fmt::Result {
        match args.as_str() {
            Some(s) => self.write_str(s),
            None => {
                self.formatted = true;
                std::fmt::write(self, args)
            }
        }
    }
}

/// A message's Info text written during the dissector's own walk of its attributes (one
/// walk for the text and the tree: [`msstun::summary::write_head`], then
/// [`Summary::attribute`] per attribute), and set ([`Summary::set`]) once they are all
/// written: after the walk, or before an attribute that hands data on (whose dissectors
/// write the columns after msstun), the rest then written from a copy of the walk.
pub(super) struct Summary<'p> {
    /// The text, until set; `None` when neither the tree nor the columns show it.
    text: Option<InfoText<'p>>,
    /// The summary is still being written (no item ended it).
    open: bool,
}

impl<'p> Summary<'p> {
    /// The summary of `msg`, its head written.
    #[inline]
    pub(super) fn start<T: AsRef<[u8]>>(ctx: &Ctx<'p>, msg: &msstun::Message<T>) -> Self {
        if !(ctx.visible || ctx.pinfo.has_columns()) {
            return Summary {
                text: None,
                open: false,
            };
        }
        let mut text = InfoText::new(ctx);
        let open = write_head(msg, &mut text).is_ok();
        Summary {
            text: Some(text),
            open,
        }
    }

    /// Write the part of one item of the attribute walk.
    #[inline]
    pub(super) fn attribute(&mut self, a: &Result<msstun::Attribute<'_>, msstun::Error>) {
        if let (true, Some(text)) = (self.open, self.text.as_mut()) {
            self.open = write_attribute(a, text).is_ok();
        }
    }

    /// Write the parts of the walk's `rest`, then set the columns and the protocol item's
    /// (`ti`) text, once.
    pub(super) fn set<'a>(
        &mut self,
        ctx: &Ctx<'p>,
        ti: Item<'p>,
        rest: impl Iterator<Item = Result<msstun::Attribute<'a>, msstun::Error>>,
    ) {
        let Some(text) = self.text.take() else {
            return;
        };
        let mut text = text;
        if self.open {
            for a in rest {
                if write_attribute(&a, &mut text).is_err() {
                    break;
                }
            }
        }
        let text = text.finish();
        set_columns(ctx, text);
        if ctx.visible {
            ti.append_text(text);
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

    /// A writer that notes control characters written outside `write!` with arguments
    /// (what [`InfoText::finish`] does not scan).
    #[derive(Default)]
    struct Probe {
        in_fmt: bool,
        unscanned_control: bool,
        text: String,
    }

    impl std::fmt::Write for Probe {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            if !self.in_fmt && has_control(s.as_bytes()) {
                self.unscanned_control = true;
            }
            self.text.push_str(s);
            Ok(())
        }
        fn write_fmt(&mut self, args: std::fmt::Arguments<'_>) -> std::fmt::Result {
            match args.as_str() {
                Some(s) => self.write_str(s),
                None => {
                    let outer = std::mem::replace(&mut self.in_fmt, true);
                    let r = std::fmt::write(self, args);
                    self.in_fmt = outer;
                    r
                }
            }
        }
    }

    /// A message of type `t` with one attribute `code` = `value` (padded).
    fn message(t: u16, code: u16, value: &[u8]) -> Vec<u8> {
        let pad = (4 - value.len() % 4) % 4;
        let len = (4 + value.len() + pad) as u16;
        let mut b = t.to_be_bytes().to_vec();
        b.extend_from_slice(&len.to_be_bytes());
        b.extend_from_slice(&[0x21, 0x12, 0xa4, 0x42]);
        b.extend_from_slice(&[9; 12]);
        b.extend_from_slice(&code.to_be_bytes());
        b.extend_from_slice(&(value.len() as u16).to_be_bytes());
        b.extend_from_slice(value);
        b.extend(std::iter::repeat_n(0, pad));
        b
    }

    /// The summary writes text from the wire with control characters only through
    /// formatting, which the Info text scans: a reason phrase, a USERNAME, a REALM with
    /// a newline, a tab, DEL.
    #[test]
    fn wire_text_reaches_the_info_text_through_formatting_or_escaped() {
        let cases = [
            message(0x0111, 0x0009, b"\0\0\x04\x5fbad\nreason\x7f"),
            message(0x0111, 0x0009, b"\0\0\x06\x63odd\treason"),
            message(0x0001, 0x0006, b"user\nname\x01"),
            message(0x0003, 0x0014, b"realm\x7f\r"),
        ];
        for m in cases {
            let msg = msstun::Message::new_checked(&m[..]).expect("a valid message");
            let mut p = Probe::default();
            msstun::summary::write_summary(&msg, &mut p).expect("written");
            assert!(!p.unscanned_control, "{:?}", p.text);
            assert!(
                ["reason", "user", "realm"]
                    .iter()
                    .any(|w| p.text.contains(w)),
                "{:?}",
                p.text
            );
        }
        // The probe sees a control character written plainly.
        let mut p = Probe::default();
        let _ = std::fmt::Write::write_str(&mut p, "a\nb");
        assert!(p.unscanned_control);
    }

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
