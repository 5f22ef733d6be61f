//! Safe views of one dissection: the tvb, the packet, the tree and its items.

use std::ffi::{c_char, c_int, CStr};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};

use msstun::framing::Transport;

use super::ffi;
use super::tree::{Item, Tree};
use crate::expert::Expert;

pub(super) fn cint(v: usize) -> c_int {
    c_int::try_from(v).unwrap_or(c_int::MAX)
}

/// Slots of [`Packet::find_conversation`]'s kept conversations.
pub const CONV_SLOTS: usize = 1024;

/// The conversations kept for the root's flow cache, as opaque addresses (0: none). Written
/// only from `find_conversation`'s result and emptied with the capture file, so a kept
/// address is always a live conversation. Wireshark dissects on one thread; the atomics
/// only make the static sound.
static KEPT: [AtomicUsize; CONV_SLOTS] = [const { AtomicUsize::new(0) }; CONV_SLOTS];

/// Forget the kept conversations (the init and cleanup routines: they die with the file).
pub(super) fn forget_conversations() {
    for c in &KEPT {
        c.store(0, Ordering::Relaxed);
    }
}

/// The bytes of a packet (or of a part of one) being dissected.
#[derive(Clone, Copy)]
pub struct Tvb<'p> {
    pub(super) raw: *mut ffi::tvbuff_t,
    bytes: &'p [u8],
    reported: usize,
}

impl<'p> Tvb<'p> {
    /// # Safety
    /// `raw` is a tvb Wireshark handed to the dissector, valid for `'p`.
    pub(super) unsafe fn from_raw(raw: *mut ffi::tvbuff_t) -> Tvb<'p> {
        // SAFETY: (caller) raw is valid; the captured length bounds tvb_get_ptr, which
        // then cannot throw; the bytes live as long as the tvb.
        unsafe {
            let len = ffi::tvb_captured_length(raw) as usize;
            let reported = ffi::tvb_reported_length(raw) as usize;
            let bytes = if len == 0 {
                &[][..]
            } else {
                std::slice::from_raw_parts(ffi::tvb_get_ptr(raw, 0, cint(len)), len)
            };
            Tvb {
                raw,
                bytes,
                reported,
            }
        }
    }

    /// The captured bytes.
    #[inline]
    pub fn bytes(&self) -> &'p [u8] {
        self.bytes
    }

    /// Captured length.
    #[inline]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether nothing was captured.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Whether all of the packet's bytes were captured (no snapshot length cut).
    #[inline]
    pub fn whole(&self) -> bool {
        self.bytes.len() == self.reported
    }

    /// Whether `off..off + len` lies in the captured bytes.
    #[inline]
    pub(super) fn fits(&self, off: usize, len: usize) -> bool {
        off.checked_add(len)
            .is_some_and(|end| end <= self.bytes.len())
    }

    /// The `len` bytes at `off` as a tvb of their own (for another dissector); `None` when
    /// they are not all captured.
    #[inline]
    pub fn subset(&self, off: usize, len: usize) -> Option<Tvb<'p>> {
        if !self.fits(off, len) {
            return None;
        }
        // SAFETY: the range is inside the captured bytes, so this cannot throw; the subset
        // is freed with the parent tvb.
        let raw = unsafe { ffi::tvb_new_subset_length(self.raw, cint(off), cint(len)) };
        Some(Tvb {
            raw,
            bytes: &self.bytes[off..off + len],
            reported: len,
        })
    }
}

/// A NUL-terminated string that lives until the packet is done (packet-scoped memory), or
/// forever.
#[derive(Clone, Copy)]
pub struct PStr<'p>(pub(super) *const c_char, PhantomData<&'p ()>);

impl PStr<'static> {
    /// A static string.
    #[inline]
    pub const fn of(s: &'static CStr) -> PStr<'static> {
        PStr(s.as_ptr(), PhantomData)
    }
}

/// How `proto_tree_add_item` reads a field's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Not applicable (bytes, protocol items).
    Na,
    /// Big-endian numbers.
    BigEndian,
    /// UTF-8 text.
    Utf8,
}

impl Encoding {
    #[inline]
    pub(super) fn raw(self) -> u32 {
        match self {
            Encoding::Na => ffi::ENC_NA,
            Encoding::BigEndian => ffi::ENC_BIG_ENDIAN,
            Encoding::Utf8 => ffi::ENC_UTF_8,
        }
    }
}

/// The packet being dissected.
/// One end of a flow as Wireshark holds it: the address type (`address_type`), the address
/// bytes and the port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawEnd<'p> {
    /// Wireshark's address type.
    pub kind: u32,
    /// The address bytes.
    pub bytes: &'p [u8],
    /// The port.
    pub port: u16,
}

#[derive(Clone, Copy)]
pub struct Packet<'p> {
    raw: *mut ffi::packet_info,
    _p: PhantomData<&'p ()>,
}

impl<'p> Packet<'p> {
    /// # Safety
    /// `raw` is the `packet_info` Wireshark handed to the dissector, valid for `'p`.
    pub(super) unsafe fn from_raw(raw: *mut ffi::packet_info) -> Packet<'p> {
        Packet {
            raw,
            _p: PhantomData,
        }
    }

    /// Frame number.
    #[inline]
    pub fn num(&self) -> u32 {
        // SAFETY: raw is valid for 'p (constructor); plain field read.
        unsafe { (*self.raw).num }
    }

    /// Whether the frame was dissected before (a later pass, or the GUI revisiting it).
    #[inline]
    pub fn visited(&self) -> bool {
        // SAFETY: PINFO_FD_VISITED through the shim; raw is valid.
        unsafe { ffi::msstun_visited(self.raw) != 0 }
    }

    /// Whether these are the bytes an ICMP error quotes (`pinfo->flags.in_error_pkt`): the
    /// start of a datagram, cut by the ICMP message, not by its sender.
    #[inline]
    pub fn in_error_pkt(&self) -> bool {
        // SAFETY: the bitfield is read in the shim (C's layout); raw is valid.
        unsafe { ffi::msstun_in_error_pkt(self.raw) != 0 }
    }

    /// The transport: UDP for UDP datagrams, TCP otherwise.
    #[inline]
    pub fn transport(&self) -> Transport {
        // SAFETY: plain field read.
        if unsafe { (*self.raw).ptype } == ffi::PT_UDP {
            Transport::Udp
        } else {
            Transport::Tcp
        }
    }

    /// Whether the packet's port type is TCP (`pinfo->ptype`).
    #[inline]
    pub fn over_tcp(&self) -> bool {
        // SAFETY: plain field read.
        unsafe { (*self.raw).ptype == ffi::PT_TCP }
    }

    /// Absolute time of the frame (seconds, nanoseconds).
    #[inline]
    pub fn abs_time(&self) -> (i64, i32) {
        let mut t = (0i64, 0i32);
        // SAFETY: the shim writes both out-parameters.
        unsafe { ffi::msstun_abs_ts(self.raw, &mut t.0, &mut t.1) };
        t
    }

    /// The raw `packet_info` (for the rest of [`crate::epan`]).
    #[inline]
    pub(super) fn raw(&self) -> *mut ffi::packet_info {
        self.raw
    }

    /// Source and destination transport addresses (IPv4 or IPv6 and ports), if the packet
    /// has them.
    pub fn endpoints(&self) -> Option<(std::net::SocketAddr, std::net::SocketAddr)> {
        // SAFETY: plain field reads; `data` points to `len` bytes owned by the packet.
        unsafe {
            let p = &*self.raw;
            let ip = |a: &ffi::address| -> Option<std::net::IpAddr> {
                let bytes = std::slice::from_raw_parts(a.data as *const u8, a.len.max(0) as usize);
                match (i64::from(a.type_), bytes.len()) {
                    (t, 4) if t == ffi::AT_IPv4 as i64 => {
                        Some(<[u8; 4]>::try_from(bytes).ok()?.into())
                    }
                    (t, 16) if t == ffi::AT_IPv6 as i64 => {
                        Some(<[u8; 16]>::try_from(bytes).ok()?.into())
                    }
                    _ => None,
                }
            };
            if p.src.data.is_null() || p.dst.data.is_null() {
                return None;
            }
            Some((
                std::net::SocketAddr::new(ip(&p.src)?, p.srcport as u16),
                std::net::SocketAddr::new(ip(&p.dst)?, p.destport as u16),
            ))
        }
    }

    /// Source and destination as Wireshark holds them, whatever their address type (for a
    /// flow without IPv4/IPv6 addresses).
    pub fn raw_endpoints(&self) -> (RawEnd<'p>, RawEnd<'p>) {
        // SAFETY: plain field reads; `data` points to `len` bytes owned by the packet (or
        // is NULL: no bytes).
        unsafe {
            let p = &*self.raw;
            let end = |a: &ffi::address, port: u32| RawEnd {
                kind: a.type_ as u32,
                bytes: if a.data.is_null() || a.len <= 0 {
                    &[]
                } else {
                    std::slice::from_raw_parts(a.data as *const u8, a.len as usize)
                },
                port: port as u16,
            };
            (end(&p.src, p.srcport), end(&p.dst, p.destport))
        }
    }

    /// Preference `msstun.analyze_sessions`.
    pub fn analyze_sessions() -> bool {
        // SAFETY: reads a preference of the shim.
        unsafe { ffi::msstun_pref_analyze_sessions() != 0 }
    }

    /// Whether TCP may be asked to desegment (more bytes for a PDU).
    #[inline]
    pub fn can_desegment(&self) -> bool {
        // SAFETY: plain field read.
        unsafe { (*self.raw).can_desegment > 0 }
    }

    /// Ask TCP for `more` bytes after what starts at `off` (`None`: one more segment).
    #[inline]
    pub fn desegment(&self, off: usize, more: Option<usize>) {
        let n = more.map_or(ffi::DESEGMENT_ONE_MORE_SEGMENT, |n| {
            u32::try_from(n).unwrap_or(ffi::DESEGMENT_ONE_MORE_SEGMENT)
        });
        // SAFETY: plain field writes, which TCP reads after the call.
        unsafe {
            (*self.raw).desegment_offset = cint(off);
            (*self.raw).desegment_len = n;
        }
    }

    /// Whether this is the first protocol layer in the frame after the transport
    /// (`curr_proto_layer_num` ≤ 1): its columns replace the lower layers'.
    #[inline]
    pub fn first_layer(&self) -> bool {
        // SAFETY: plain field read.
        unsafe { (*self.raw).curr_proto_layer_num <= 1 }
    }

    /// Whether the columns are being built.
    #[inline]
    pub fn has_columns(&self) -> bool {
        // SAFETY: plain field read.
        unsafe { !(*self.raw).cinfo.is_null() }
    }

    /// `s` copied into packet-scoped memory.
    #[inline]
    pub fn text(&self, s: &str) -> PStr<'p> {
        // SAFETY: wmem_strndup copies s.len() bytes (it stops at a NUL) into the packet pool.
        let p =
            unsafe { ffi::wmem_strndup((*self.raw).pool, s.as_ptr() as *const c_char, s.len()) };
        PStr(p, PhantomData)
    }

    /// A packet-scoped text of at most `cap` bytes, written in place (no copy when it
    /// becomes a column or label).
    #[inline]
    pub fn text_buf(&self, cap: usize) -> TextBuf<'p> {
        // SAFETY: wmem_alloc returns cap + 1 bytes that live until the packet is done and
        // are not shared; TextBuf only ever exposes the part it has written.
        let buf = unsafe { ffi::wmem_alloc((*self.raw).pool, cap + 1) as *mut u8 };
        TextBuf {
            buf,
            cap,
            len: 0,
            _p: PhantomData,
        }
    }

    /// Set the Protocol column to `MSSTUN`.
    #[inline]
    pub fn set_protocol_column(&self) {
        // SAFETY: cinfo may be NULL (col_set_str checks); the string is static.
        unsafe {
            ffi::col_set_str(
                (*self.raw).cinfo,
                ffi::COL_PROTOCOL as c_int,
                c"MSSTUN".as_ptr(),
            )
        };
    }

    /// Replace the Info column with `text` (kept by pointer: packet-scoped or static).
    #[inline]
    pub fn set_info(&self, text: PStr<'p>) {
        // SAFETY: as above; text lives until the packet is done.
        unsafe { ffi::col_set_str((*self.raw).cinfo, ffi::COL_INFO as c_int, text.0) };
    }

    /// Append `, text` to the Info column.
    #[inline]
    pub fn append_info(&self, text: PStr<'p>) {
        // SAFETY: as above.
        unsafe {
            ffi::col_append_sep_str(
                (*self.raw).cinfo,
                ffi::COL_INFO as c_int,
                c", ".as_ptr(),
                text.0,
            )
        };
    }

    /// Add expert item `which` with `text` to `item` (or to the packet when `item` is none).
    #[inline]
    pub fn expert(&self, item: Item<'p>, which: Expert, text: PStr<'p>) {
        super::expert::add(self.raw, item.0, which, text.0);
    }

    /// Add the expert item of session-analysis event `e` with `text` to `item`.
    pub fn event(&self, item: Item<'p>, e: msstun_analysis::Event, text: PStr<'p>) {
        super::expert::add_event(self.raw, item.0, e, text.0);
    }

    /// Add the capture-boundary note (a finding that depends on what came before the
    /// capture, which does not show it) with `text` to `item`.
    pub fn boundary_note(&self, item: Item<'p>, text: PStr<'p>) {
        super::expert::add_boundary(self.raw, item.0, text.0);
    }

    /// This packet's conversation (found or created: a TCP/UDP payload's packet always has
    /// addresses), kept in slot `keep` (modulo [`CONV_SLOTS`]) for
    /// [`Packet::kept_conversation`]; its index (a new one when a SYN with a new ISN reuses
    /// the 5-tuple). A conversation-table lookup: ~1,000 instructions in 4.0.
    pub fn find_conversation(&self, keep: Option<usize>) -> u32 {
        let mut index = 0;
        // SAFETY: the shim finds or creates the conversation and writes the index.
        let conv = unsafe { ffi::msstun_conv_find(self.raw, &mut index) };
        if let Some(slot) = keep {
            KEPT[slot % CONV_SLOTS].store(conv as usize, Ordering::Relaxed);
        }
        index
    }

    /// The index of the conversation kept in slot `slot` ([`Packet::find_conversation`])
    /// when it is still the one for this frame (set up at or before it, and seen at it or
    /// later: TCP looked it up for this very frame just before); `None` when the slot is
    /// empty or its conversation is not current. Whose 5-tuple the slot holds is the
    /// caller's bookkeeping.
    #[inline]
    pub fn kept_conversation(&self, slot: usize) -> Option<u32> {
        let conv = KEPT[slot % CONV_SLOTS].load(Ordering::Relaxed);
        if conv == 0 {
            return None;
        }
        let num = self.num();
        // SAFETY: conv came from msstun_conv_find in this capture file (the init and
        // cleanup routines empty KEPT, [`forget_conversations`]) and lives as long as it;
        // these are the conversation's documented public fields (conversation.h), read in
        // place rather than through a call into the shim on every TCP segment.
        let c = unsafe { &*(conv as *const ffi::conversation_t) };
        (c.setup_frame <= num && c.last_frame >= num).then_some(c.conv_index)
    }

    /// Make msstun the dissector of this packet's conversation (the flow is msstun's from
    /// now on, whoever else would take it).
    #[inline]
    pub fn claim_conversation(&self) {
        if super::plugin::inside_tls() {
            // The TCP/UDP conversation belongs to (D)TLS, which hands msstun its plaintext.
            return;
        }
        // SAFETY: the handle was registered at start-up (or is NULL, which the shim ignores).
        unsafe { ffi::msstun_claim_conversation(self.raw, super::plugin::handle()) };
    }

    /// Hand `tvb` on to another dissector (see the shim's `msstun_call_relayed`: by name,
    /// else the `msstun.data` and `udp` heuristics, else `data`). Exceptions the callee
    /// throws are caught in C and shown on the packet.
    #[inline]
    pub fn call_relayed(&self, tvb: Tvb<'p>, tree: Tree<'p>, dissector: Option<&'static CStr>) {
        let name = dissector.map_or(std::ptr::null(), CStr::as_ptr);
        // SAFETY: all pointers are valid for the call; the shim catches the callee's
        // exceptions, so no longjmp crosses this frame.
        unsafe { ffi::msstun_call_relayed(tvb.raw, self.raw, tree.0, name) };
    }

    /// Whether [`Packet::call_relayed`] is running (our heuristics then decline, so relayed
    /// data never re-enters msstun through them).
    #[inline]
    pub fn relaying() -> bool {
        // SAFETY: reads a counter of the shim.
        unsafe { ffi::msstun_relaying() != 0 }
    }
}

/// A [`PStr`] of a string that lives forever (see [`super::fields::CName`]).
pub(super) fn pstr_from_static_ptr(p: *const c_char) -> PStr<'static> {
    PStr(p, PhantomData)
}

/// A text being written into packet-scoped memory (see [`Packet::text_buf`]).
pub struct TextBuf<'p> {
    buf: *mut u8,
    cap: usize,
    len: usize,
    _p: PhantomData<&'p ()>,
}

impl<'p> TextBuf<'p> {
    /// Append as much of `bytes` as fits; returns how much that was.
    #[inline]
    pub fn push(&mut self, bytes: &[u8]) -> usize {
        let n = bytes.len().min(self.cap - self.len);
        // SAFETY: buf holds cap + 1 bytes and len + n <= cap.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.buf.add(self.len), n) };
        self.len += n;
        n
    }

    /// Room left.
    #[inline]
    pub fn room(&self) -> usize {
        self.cap - self.len
    }

    /// What was written so far.
    #[inline]
    pub fn written(&mut self) -> &mut [u8] {
        // SAFETY: the first len bytes were written by push.
        unsafe { std::slice::from_raw_parts_mut(self.buf, self.len) }
    }

    /// The NUL-terminated text.
    #[inline]
    pub fn finish(self) -> PStr<'p> {
        // SAFETY: len <= cap, and buf holds cap + 1 bytes.
        unsafe { *self.buf.add(self.len) = 0 };
        PStr(self.buf as *const c_char, PhantomData)
    }
}

/// Media: SRTP shown by msstun, the protocol column, the media preferences.
impl<'p> Packet<'p> {
    /// The `msstun.media_encryption` preference: 0 auto, 1 srtp, 2 rtp.
    #[inline]
    pub fn media_encryption() -> u8 {
        // SAFETY: reads a preference variable of the shim.
        u8::try_from(unsafe { ffi::msstun_pref_media_encryption() }).unwrap_or(0)
    }

    /// Whether relayed payloads go to dissectors by their class (decoding payloads on, no
    /// dissector forced for all of them).
    #[inline]
    pub fn payloads_by_class() -> bool {
        // SAFETY: reads preference variables of the shim.
        unsafe { ffi::msstun_payloads_by_class() != 0 }
    }

    /// Set the Protocol column to `name`.
    #[inline]
    pub fn set_protocol_name(&self, name: &'static CStr) {
        // SAFETY: cinfo may be NULL (col_set_str checks); the string is static.
        unsafe { ffi::col_set_str((*self.raw).cinfo, ffi::COL_PROTOCOL as c_int, name.as_ptr()) };
    }

    /// Queue an RTP tap record, marked SRTP, for the SRTP packet `tvb` whose RTP header is
    /// `header_len` bytes (Telephony > RTP and `-z rtp,streams` then list its stream).
    #[inline]
    /// `flow`: the plugin's key of the packet's flow (the root's `plugin::flow::flow_id`), where the RTP
    /// dissector's extended sequence numbers and timestamps are kept per SSRC.
    pub fn rtp_tap(&self, tvb: Tvb<'p>, header_len: usize, flow: u64) {
        let h = u32::try_from(header_len).unwrap_or(u32::MAX);
        // SAFETY: the shim checks the lengths against the tvb's captured length before
        // reading it (no exception) and allocates the record in packet scope.
        unsafe { ffi::msstun_rtp_tap(tvb.raw, self.raw, h, flow) };
    }
}
