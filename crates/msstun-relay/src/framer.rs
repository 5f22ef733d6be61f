//! Sans-IO framing of one direction of a relayed connection.
//!
//! TODO(msstun::stream): this is the relay's own minimal stream decoder, written while
//! `msstun::stream`/`msstun::framing` were still placeholders. Switch to the shared
//! decoder once it lands; the [`Item`] shape here is what the relay consumes.
//!
//! It never copies more than one STUN message (≤ 65 555 bytes plus a 4-byte frame
//! header): ChannelData payloads and RFC 6062 data are skipped, not buffered.

/// How a message was delimited in the byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// One UDP datagram.
    Datagram,
    /// STUN over TCP, self-delimiting by its length field (RFC 8489 §6.2.2).
    Stream,
    /// RFC 4571 2-byte length prefix (ICE-TCP inside an RFC 6062 data connection).
    Rfc4571,
    /// Legacy [MS-TURN] TCP framing: type byte (2 = control, 3 = data), reserved byte, 16-bit length.
    MsTurnTcp,
}

impl Framing {
    /// Stable key used in JSON output.
    pub const fn key(self) -> &'static str {
        match self {
            Framing::Datagram => "datagram",
            Framing::Stream => "stream",
            Framing::Rfc4571 => "rfc4571",
            Framing::MsTurnTcp => "ms-turn-tcp",
        }
    }
}

/// What the framer found.
#[derive(Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// A complete STUN message (header + declared length).
    Stun {
        /// How it was framed.
        framing: Framing,
        /// The message bytes.
        msg: &'a [u8],
    },
    /// A ChannelData message (RFC 8656 §12.4); only its header is looked at.
    ChannelData {
        /// Channel number.
        channel: u16,
        /// Application data length.
        len: usize,
    },
    /// Application data: an RFC 6062 data connection, an RFC 4571 frame that is not STUN,
    /// or an MS-TURN data frame.
    Data {
        /// Bytes.
        len: usize,
    },
    /// Bytes that fit no framing. After this the direction is passed through uninspected.
    Undecodable {
        /// Offset in the direction's byte stream.
        offset: u64,
        /// Why.
        reason: &'static str,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Start of a TCP stream: detect MS-TURN framing vs plain STUN/ChannelData.
    Detect,
    /// STUN and ChannelData (RFC 8656 over TCP).
    Turn,
    /// Legacy MS-TURN TCP framing.
    MsTurn,
    /// RFC 6062 data connection, first bytes: RFC 4571-framed STUN or raw data?
    DataProbe,
    /// RFC 4571 frames.
    Rfc4571,
    /// Raw data, counted only.
    Raw,
    /// Gave up after undecodable bytes.
    Opaque,
}

/// Decoder for one direction of one TCP connection.
#[derive(Debug)]
pub struct StreamFramer {
    mode: Mode,
    buf: Vec<u8>,
    /// Bytes of the current frame still to skip (not buffered).
    skip: usize,
    /// Total bytes fed.
    offset: u64,
}

/// Frame header decision.
enum Head {
    /// Need this many bytes before deciding.
    Need(usize),
    /// A frame of `total` bytes; `stun_at` is where a STUN message starts inside it
    /// (None = data to count and skip), `channel` for ChannelData.
    Frame {
        total: usize,
        kind: Kind,
    },
    Bad(&'static str),
    /// The stream is raw data from here on.
    Raw,
}

#[derive(Clone, Copy)]
enum Kind {
    Stun(Framing, usize),
    Channel(u16, usize),
    Data(usize),
}

impl Default for StreamFramer {
    fn default() -> Self {
        Self::new()
    }
}

impl StreamFramer {
    /// A framer at the start of a TCP stream.
    pub fn new() -> Self {
        StreamFramer {
            mode: Mode::Detect,
            buf: Vec::new(),
            skip: 0,
            offset: 0,
        }
    }

    /// Switch to RFC 6062 data-connection mode (after ConnectionBind success). Bytes
    /// already fed stay as they were decoded.
    pub fn enter_data_mode(&mut self) {
        if self.mode != Mode::Opaque {
            self.mode = Mode::DataProbe;
        }
    }

    /// Whether the framer has given up on this stream.
    #[cfg(test)]
    pub fn is_opaque(&self) -> bool {
        self.mode == Mode::Opaque
    }

    fn head(&mut self, b: &[u8]) -> Head {
        loop {
            match self.mode {
                Mode::Detect => {
                    if b.len() < 2 {
                        return Head::Need(2);
                    }
                    self.mode = if (b[0] == 2 || b[0] == 3) && b[1] == 0 {
                        Mode::MsTurn
                    } else {
                        Mode::Turn
                    };
                }
                Mode::DataProbe => {
                    if b.len() < 2 + 20 {
                        return Head::Need(22);
                    }
                    let l = u16::from_be_bytes([b[0], b[1]]) as usize;
                    let inner = u16::from_be_bytes([b[4], b[5]]) as usize;
                    self.mode = if b[2] & 0xC0 == 0 && l == 20 + inner {
                        Mode::Rfc4571
                    } else {
                        Mode::Raw
                    };
                }
                Mode::Raw | Mode::Opaque => return Head::Raw,
                Mode::Turn => {
                    if b.len() < 4 {
                        return Head::Need(4);
                    }
                    let len = u16::from_be_bytes([b[2], b[3]]) as usize;
                    return match b[0] >> 6 {
                        0 if len % 4 == 0 => Head::Frame {
                            total: 20 + len,
                            kind: Kind::Stun(Framing::Stream, 0),
                        },
                        0 => Head::Bad("STUN length not a multiple of 4"),
                        1 => {
                            let ch = u16::from_be_bytes([b[0], b[1]]);
                            // Over TCP ChannelData is padded to a multiple of 4 (RFC 8656 §12.5).
                            Head::Frame {
                                total: 4 + len.div_ceil(4) * 4,
                                kind: Kind::Channel(ch, len),
                            }
                        }
                        _ => Head::Bad("neither STUN nor ChannelData"),
                    };
                }
                Mode::MsTurn => {
                    if b.len() < 4 {
                        return Head::Need(4);
                    }
                    let len = u16::from_be_bytes([b[2], b[3]]) as usize;
                    return match (b[0], b[1]) {
                        (2, 0) => Head::Frame {
                            total: 4 + len,
                            kind: Kind::Stun(Framing::MsTurnTcp, 4),
                        },
                        (3, 0) => Head::Frame {
                            total: 4 + len,
                            kind: Kind::Data(len),
                        },
                        _ => Head::Bad("bad MS-TURN TCP frame header"),
                    };
                }
                Mode::Rfc4571 => {
                    if b.len() < 3 {
                        return Head::Need(3);
                    }
                    let len = u16::from_be_bytes([b[0], b[1]]) as usize;
                    let kind = if len >= 20 && b[2] & 0xC0 == 0 {
                        Kind::Stun(Framing::Rfc4571, 2)
                    } else {
                        Kind::Data(len)
                    };
                    return Head::Frame {
                        total: 2 + len,
                        kind,
                    };
                }
            }
        }
    }

    /// Feed the next bytes of the stream; `sink` gets every item found.
    pub fn feed(&mut self, mut data: &[u8], sink: &mut dyn FnMut(Item<'_>)) {
        self.offset += data.len() as u64;
        while !data.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(data.len());
                self.skip -= n;
                data = &data[n..];
                continue;
            }
            if matches!(self.mode, Mode::Opaque | Mode::Raw) {
                if self.mode == Mode::Raw {
                    sink(Item::Data { len: data.len() });
                }
                return;
            }
            if self.buf.is_empty() {
                // Fast path: decide from `data` directly.
                match self.head(data) {
                    Head::Need(_) => {
                        self.buf.extend_from_slice(data);
                        return;
                    }
                    Head::Bad(reason) => {
                        self.fail(reason, data.len(), sink);
                        return;
                    }
                    Head::Raw => continue,
                    Head::Frame { total, kind } => {
                        if let Some(rest) = self.frame(data, total, kind, sink) {
                            data = rest;
                        } else {
                            return;
                        }
                    }
                }
            } else {
                // Slow path: top up the buffer.
                match self.head_of_buf() {
                    Head::Need(n) => {
                        let take = (n - self.buf.len()).min(data.len());
                        self.buf.extend_from_slice(&data[..take]);
                        data = &data[take..];
                    }
                    Head::Raw => {
                        sink(Item::Data {
                            len: self.buf.len(),
                        });
                        self.buf = Vec::new();
                    }
                    Head::Bad(reason) => {
                        let pending = self.buf.len() + data.len();
                        self.buf = Vec::new();
                        self.fail(reason, pending, sink);
                        return;
                    }
                    Head::Frame { total, kind } => {
                        match kind {
                            Kind::Stun(framing, at) => {
                                let take = (total - self.buf.len()).min(data.len());
                                self.buf.extend_from_slice(&data[..take]);
                                data = &data[take..];
                                if self.buf.len() == total {
                                    let buf = std::mem::take(&mut self.buf);
                                    self.emit_stun(framing, &buf[at..], sink);
                                    self.buf = buf;
                                    self.buf.clear();
                                    if self.buf.capacity() > 4096 {
                                        self.buf = Vec::new();
                                    }
                                }
                            }
                            Kind::Channel(..) | Kind::Data(_) => {
                                // Header known: emit and skip the rest without buffering.
                                let have = self.buf.len();
                                self.buf.clear();
                                self.emit_skip(kind, sink);
                                self.skip = total - have;
                            }
                        }
                    }
                }
            }
        }
    }

    fn head_of_buf(&mut self) -> Head {
        let buf = std::mem::take(&mut self.buf);
        let h = self.head(&buf);
        self.buf = buf;
        h
    }

    /// Handle a frame starting at `data[0]`; returns the rest of `data` if the frame was complete.
    fn frame<'d>(
        &mut self,
        data: &'d [u8],
        total: usize,
        kind: Kind,
        sink: &mut dyn FnMut(Item<'_>),
    ) -> Option<&'d [u8]> {
        match kind {
            Kind::Stun(framing, at) => {
                if data.len() >= total {
                    self.emit_stun(framing, &data[at..total], sink);
                    Some(&data[total..])
                } else {
                    self.buf.reserve_exact(total);
                    self.buf.extend_from_slice(data);
                    None
                }
            }
            Kind::Channel(..) | Kind::Data(_) => {
                self.emit_skip(kind, sink);
                if data.len() >= total {
                    Some(&data[total..])
                } else {
                    self.skip = total - data.len();
                    None
                }
            }
        }
    }

    fn emit_skip(&mut self, kind: Kind, sink: &mut dyn FnMut(Item<'_>)) {
        match kind {
            Kind::Channel(channel, len) => sink(Item::ChannelData { channel, len }),
            Kind::Data(len) => sink(Item::Data { len }),
            Kind::Stun(..) => {}
        }
    }

    fn emit_stun(&mut self, framing: Framing, msg: &[u8], sink: &mut dyn FnMut(Item<'_>)) {
        if msg.len() >= 20
            && msg[0] & 0xC0 == 0
            && 20 + u16::from_be_bytes([msg[2], msg[3]]) as usize <= msg.len()
        {
            sink(Item::Stun { framing, msg });
            // ConnectionBind success response (RFC 6062 §6.2.3): the connection carries data from now on.
            if msg[..2] == [0x01, 0x0B]
                && msg[4..8] == [0x21, 0x12, 0xA4, 0x42]
                && framing == Framing::Stream
            {
                self.mode = Mode::DataProbe;
            }
        } else if framing == Framing::Rfc4571 {
            sink(Item::Data { len: msg.len() });
        } else {
            let at = self.offset;
            self.mode = Mode::Opaque;
            sink(Item::Undecodable {
                offset: at,
                reason: "frame does not hold a STUN message",
            });
        }
    }

    fn fail(&mut self, reason: &'static str, pending: usize, sink: &mut dyn FnMut(Item<'_>)) {
        self.mode = Mode::Opaque;
        self.buf = Vec::new();
        self.skip = 0;
        sink(Item::Undecodable {
            offset: self.offset - pending as u64,
            reason,
        });
    }
}

/// Frame one UDP datagram.
pub fn datagram(d: &[u8]) -> Item<'_> {
    if d.len() >= 20 && d[0] & 0xC0 == 0 {
        let len = u16::from_be_bytes([d[2], d[3]]) as usize;
        if 20 + len <= d.len() {
            return Item::Stun {
                framing: Framing::Datagram,
                msg: &d[..20 + len],
            };
        }
        return Item::Undecodable {
            offset: 0,
            reason: "STUN length runs past the datagram",
        };
    }
    if d.len() >= 4 && d[0] >> 6 == 1 {
        let len = u16::from_be_bytes([d[2], d[3]]) as usize;
        if 4 + len <= d.len() {
            return Item::ChannelData {
                channel: u16::from_be_bytes([d[0], d[1]]),
                len,
            };
        }
    }
    Item::Undecodable {
        offset: 0,
        reason: "neither STUN nor ChannelData",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stun(len: u16) -> Vec<u8> {
        let mut v = vec![
            0x00,
            0x01,
            (len >> 8) as u8,
            len as u8,
            0x21,
            0x12,
            0xA4,
            0x42,
        ];
        v.extend_from_slice(&[7; 12]);
        v.extend(std::iter::repeat_n(0u8, len as usize));
        v
    }

    fn collect(f: &mut StreamFramer, chunks: &[&[u8]]) -> Vec<String> {
        let mut out = Vec::new();
        for c in chunks {
            f.feed(c, &mut |i| {
                out.push(match i {
                    Item::Stun { framing, msg } => format!("stun {} {}", framing.key(), msg.len()),
                    Item::ChannelData { channel, len } => format!("cd {channel:#x} {len}"),
                    Item::Data { len } => format!("data {len}"),
                    Item::Undecodable { offset, reason } => format!("bad {offset} {reason}"),
                })
            });
        }
        out
    }

    #[test]
    fn stun_and_channel_data_any_split() {
        let mut s = stun(8);
        s.extend_from_slice(&[0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0]);
        s.extend(stun(0));
        for cut in 0..s.len() {
            for cut2 in cut..s.len() {
                let mut f = StreamFramer::new();
                let out = collect(&mut f, &[&s[..cut], &s[cut..cut2], &s[cut2..]]);
                assert_eq!(
                    out,
                    ["stun stream 28", "cd 0x4000 5", "stun stream 20"],
                    "cut {cut} {cut2}"
                );
            }
        }
    }

    #[test]
    fn garbage_reported_once() {
        let mut f = StreamFramer::new();
        let mut s = stun(0);
        s.extend_from_slice(b"\xffgarbage");
        let out = collect(&mut f, &[&s, b"more garbage"]);
        assert_eq!(
            out,
            ["stun stream 20", "bad 20 neither STUN nor ChannelData"]
        );
        assert!(f.is_opaque());
    }

    #[test]
    fn data_connection_raw_and_4571() {
        let mut f = StreamFramer::new();
        f.enter_data_mode();
        assert_eq!(
            collect(&mut f, &[&[9u8; 30], &[1u8; 5]]),
            ["data 30", "data 5"]
        );
        let mut f = StreamFramer::new();
        f.enter_data_mode();
        let mut s = vec![0, 20];
        s.extend(stun(0));
        s.extend_from_slice(&[0, 3, 0x80, 1, 2]);
        assert_eq!(
            collect(&mut f, &[&s[..10], &s[10..]]),
            ["stun rfc4571 20", "data 3"]
        );
    }

    #[test]
    fn ms_turn_tcp() {
        let mut f = StreamFramer::new();
        let m = stun(4);
        let mut s = vec![2, 0, 0, m.len() as u8];
        s.extend(&m);
        s.extend_from_slice(&[3, 0, 0, 2, 0xaa, 0xbb]);
        assert_eq!(collect(&mut f, &[&s]), ["stun ms-turn-tcp 24", "data 2"]);
    }

    #[test]
    fn datagrams() {
        assert!(matches!(datagram(&stun(4)), Item::Stun { .. }));
        assert_eq!(
            datagram(&[0x40, 1, 0, 2, 9, 9]),
            Item::ChannelData {
                channel: 0x4001,
                len: 2
            }
        );
        assert!(matches!(datagram(b"\xffhello"), Item::Undecodable { .. }));
    }
}
