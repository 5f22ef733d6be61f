//! Safe views of the protocol tree and its items. Before any `proto_tree_add_*` call, the
//! safe layer checks what epan would throw for (see the table in [`crate::epan`]): the
//! range against the tvb's captured length, the field's registered type against the call,
//! and the tree's room (`gui.max_tree_items`, `gui.max_tree_depth`, through the shim's
//! `msstun_tree_room`). When a check fails, nothing is added ([`Item::NONE`]).

use std::ffi::{c_int, CStr};
use std::marker::PhantomData;
use std::net::IpAddr;

use super::ffi;
use super::fields::{Ett, Hf, Kind};
use super::packet::{cint, Encoding, PStr, Tvb};

/// A protocol tree (or none: Wireshark passes NULL when it builds no tree).
#[derive(Clone, Copy)]
pub struct Tree<'p>(pub(super) *mut ffi::proto_tree, PhantomData<&'p ()>);

/// An item of the tree (or none: nothing was added).
#[derive(Clone, Copy)]
pub struct Item<'p>(pub(super) *mut ffi::proto_item, PhantomData<&'p ()>);

impl<'p> Item<'p> {
    /// No item.
    pub const NONE: Item<'static> = Item(std::ptr::null_mut(), PhantomData);

    /// Whether nothing was added.
    #[inline]
    pub fn is_none(&self) -> bool {
        self.0.is_null()
    }

    /// This item, or `fallback` when none was added (the nearest enclosing item, which then
    /// carries expert items, as it does when Wireshark fakes an item).
    #[inline]
    pub fn or(self, fallback: Item<'p>) -> Item<'p> {
        if self.is_none() {
            fallback
        } else {
            self
        }
    }

    /// The item's subtree (none for no item).
    #[inline]
    pub fn subtree(self, ett: Ett) -> Tree<'p> {
        if self.is_none() || ett.id() < 0 {
            return Tree(std::ptr::null_mut(), PhantomData);
        }
        // SAFETY: the item is in the tree of this packet; the ett is registered (epan
        // asserts, i.e. throws, for an unregistered one).
        Tree(
            unsafe { ffi::proto_item_add_subtree(self.0, ett.id()) },
            PhantomData,
        )
    }

    /// Append `text` to the item's label.
    #[inline]
    pub fn append_text(self, text: PStr<'p>) {
        if !self.is_none() {
            // SAFETY: "%s" with one string argument.
            unsafe { ffi::proto_item_append_text(self.0, c", %s".as_ptr(), text.0) };
        }
    }

    /// Mark the item generated (a value msstun worked out, not a wire field).
    #[inline]
    pub fn set_generated(self) -> Item<'p> {
        if !self.is_none() {
            // SAFETY: item is valid.
            unsafe { ffi::msstun_set_generated(self.0) };
        }
        self
    }
}

/// Whether `hf` is registered and of a type `ok` accepts (epan reports a dissector bug, a
/// throw, for a field of another type).
#[inline]
fn typed(hf: Hf, ok: fn(Kind) -> bool) -> bool {
    hf.id() >= 0 && ok(hf.kind())
}

/// Unsigned integer fields up to 32 bits (`proto_tree_add_uint`).
fn uint32(k: Kind) -> bool {
    matches!(k, Kind::U8 | Kind::U16 | Kind::U32 | Kind::Frame)
}

/// Whether `proto_tree_add_item` reads a field of kind `k` over `len` bytes without
/// complaining by a throw (integers, booleans and addresses need their own lengths).
fn item_len_ok(k: Kind, len: usize) -> bool {
    match k {
        Kind::Unregistered | Kind::RelTime => false,
        Kind::U8 | Kind::U16 | Kind::U32 | Kind::Frame => (1..=4).contains(&len),
        Kind::U64 | Kind::Bool => (1..=8).contains(&len),
        Kind::Ipv4 => len == 4,
        Kind::Ipv6 => len == 16,
        Kind::None | Kind::Str | Kind::Bytes => true,
    }
}

impl<'p> Tree<'p> {
    /// Whether `items` more items fit `levels` deep below this tree (see the module docs).
    #[inline]
    fn room(self, items: u32, levels: u32) -> bool {
        // SAFETY: the shim reads the tree's counters and Wireshark's preferences only.
        self.0.is_null() || unsafe { ffi::msstun_tree_room(self.0, items, levels) != 0 }
    }

    /// The item `add` makes when `off..off + len` lies in the captured bytes of `tvb`, the
    /// field fits the call (`typed`) and the tree has room; no item otherwise (so epan never
    /// throws for it: see the module docs).
    #[inline]
    fn checked(
        self,
        tvb: Tvb<'p>,
        (off, len): (usize, usize),
        typed: bool,
        add: impl FnOnce() -> *mut ffi::proto_item,
    ) -> Item<'p> {
        if self.0.is_null() || !typed || !tvb.fits(off, len) || !self.room(1, 1) {
            return Item(std::ptr::null_mut(), PhantomData);
        }
        Item(add(), PhantomData)
    }

    /// # Safety
    /// `raw` is NULL or the tree Wireshark handed to the dissector.
    pub(super) unsafe fn from_raw(raw: *mut ffi::proto_tree) -> Tree<'p> {
        Tree(raw, PhantomData)
    }

    /// Whether the tree is shown to a user (not only built for filters).
    #[inline]
    pub fn visible(&self) -> bool {
        // SAFETY: the shim checks for NULL.
        unsafe { ffi::msstun_tree_visible(self.0) != 0 }
    }

    /// The protocol item of `proto` over `len` bytes at `off` (`None`: to the end).
    #[inline]
    pub fn add_protocol(
        self,
        proto: c_int,
        tvb: Tvb<'p>,
        off: usize,
        len: Option<usize>,
    ) -> Item<'p> {
        let n = len.unwrap_or(tvb.len().saturating_sub(off));
        let l = len.map_or(-1, cint);
        // SAFETY: range checked against the captured bytes; a registered protocol id.
        self.checked(tvb, (off, n), proto >= 0, || unsafe {
            ffi::proto_tree_add_item(self.0, proto, tvb.raw, cint(off), l, ffi::ENC_NA)
        })
    }

    /// `hf` over `len` bytes at `off`, read with `enc`.
    #[inline]
    pub fn add_item(self, hf: Hf, tvb: Tvb<'p>, off: usize, len: usize, enc: Encoding) -> Item<'p> {
        let ok = hf.id() >= 0 && item_len_ok(hf.kind(), len);
        // SAFETY: range, type and room checked. (`checked` checks them first)
        self.checked(tvb, (off, len), ok, || unsafe {
            ffi::proto_tree_add_item(self.0, hf.id(), tvb.raw, cint(off), cint(len), enc.raw())
        })
    }

    /// Unsigned field `hf` = `v` over `len` bytes at `off`.
    #[inline]
    pub fn add_uint(self, hf: Hf, tvb: Tvb<'p>, off: usize, len: usize, v: u32) -> Item<'p> {
        // SAFETY: range, type and room checked. (`checked` checks them first)
        self.checked(tvb, (off, len), typed(hf, uint32), || unsafe {
            ffi::proto_tree_add_uint(self.0, hf.id(), tvb.raw, cint(off), cint(len), v)
        })
    }

    /// As [`Tree::add_uint`] with the value shown as `name (0x…)`, `digits` hex digits.
    #[inline]
    pub fn add_uint_named(
        self,
        hf: Hf,
        tvb: Tvb<'p>,
        (off, len): (usize, usize),
        v: u32,
        name: PStr<'p>,
        digits: u8,
    ) -> Item<'p> {
        let fmt = if digits == 3 {
            c"%s (0x%03x)"
        } else {
            c"%s (0x%04x)"
        };
        // SAFETY: range, type and room checked; the format takes one string and one
        // unsigned int.
        self.checked(tvb, (off, len), typed(hf, uint32), || unsafe {
            ffi::proto_tree_add_uint_format_value(
                self.0,
                hf.id(),
                tvb.raw,
                cint(off),
                cint(len),
                v,
                fmt.as_ptr(),
                name.0,
                v,
            )
        })
    }

    /// 64-bit unsigned field.
    #[inline]
    pub fn add_uint64(self, hf: Hf, tvb: Tvb<'p>, off: usize, len: usize, v: u64) -> Item<'p> {
        // SAFETY: range, type and room checked. (`checked` checks them first)
        self.checked(tvb, (off, len), typed(hf, |k| k == Kind::U64), || unsafe {
            ffi::proto_tree_add_uint64(self.0, hf.id(), tvb.raw, cint(off), cint(len), v)
        })
    }

    /// Boolean field.
    #[inline]
    pub fn add_bool(self, hf: Hf, tvb: Tvb<'p>, off: usize, len: usize, v: bool) -> Item<'p> {
        // SAFETY: range, type and room checked. (`checked` checks them first)
        self.checked(tvb, (off, len), typed(hf, |k| k == Kind::Bool), || unsafe {
            ffi::proto_tree_add_boolean(self.0, hf.id(), tvb.raw, cint(off), cint(len), v.into())
        })
    }

    /// IPv4 or IPv6 address field (`v4` or `v6` by the address's family).
    #[inline]
    pub fn add_ip(
        self,
        v4: Hf,
        v6: Hf,
        tvb: Tvb<'p>,
        off: usize,
        len: usize,
        ip: IpAddr,
    ) -> Item<'p> {
        let ok = match ip {
            IpAddr::V4(_) => typed(v4, |k| k == Kind::Ipv4),
            IpAddr::V6(_) => typed(v6, |k| k == Kind::Ipv6),
        };
        // SAFETY: range, type and room checked; the IPv4 value is in network order as
        // Wireshark wants it.
        self.checked(tvb, (off, len), ok, || unsafe {
            match ip {
                IpAddr::V4(a) => ffi::proto_tree_add_ipv4(
                    self.0,
                    v4.id(),
                    tvb.raw,
                    cint(off),
                    cint(len),
                    u32::from_ne_bytes(a.octets()),
                ),
                IpAddr::V6(a) => {
                    let x = ffi::ws_in6_addr { bytes: a.octets() };
                    ffi::proto_tree_add_ipv6(self.0, v6.id(), tvb.raw, cint(off), cint(len), &x)
                }
            }
        })
    }

    /// String field with the value `text` (over the bytes at `off`).
    #[inline]
    pub fn add_string(
        self,
        hf: Hf,
        tvb: Tvb<'p>,
        off: usize,
        len: usize,
        text: PStr<'p>,
    ) -> Item<'p> {
        // SAFETY: range, type and room checked; text is NUL-terminated.
        self.checked(tvb, (off, len), typed(hf, |k| k == Kind::Str), || unsafe {
            ffi::proto_tree_add_string(self.0, hf.id(), tvb.raw, cint(off), cint(len), text.0)
        })
    }

    /// An `FT_NONE` item `hf` labelled `text`.
    #[inline]
    pub fn add_text(
        self,
        hf: Hf,
        tvb: Tvb<'p>,
        off: usize,
        len: usize,
        text: PStr<'p>,
    ) -> Item<'p> {
        // SAFETY: range, type and room checked; "%s" with one string.
        self.checked(tvb, (off, len), typed(hf, |k| k == Kind::None), || unsafe {
            ffi::proto_tree_add_none_format(
                self.0,
                hf.id(),
                tvb.raw,
                cint(off),
                cint(len),
                c"%s".as_ptr(),
                text.0,
            )
        })
    }

    /// A text-only subtree `label` over `len` bytes at `off`; its item comes back too.
    #[inline]
    pub fn add_subtree(
        self,
        ett: Ett,
        tvb: Tvb<'p>,
        off: usize,
        len: usize,
        label: &'static CStr,
    ) -> (Tree<'p>, Item<'p>) {
        if self.0.is_null() || ett.id() < 0 || !tvb.fits(off, len) || !self.room(1, 1) {
            return (self, Item(std::ptr::null_mut(), PhantomData));
        }
        let mut item: *mut ffi::proto_item = std::ptr::null_mut();
        // SAFETY: range, ett and room checked; the label is static and has no format
        // directives.
        let t = unsafe {
            ffi::proto_tree_add_subtree_format(
                self.0,
                tvb.raw,
                cint(off),
                cint(len),
                ett.id(),
                &mut item,
                c"%s".as_ptr(),
                label.as_ptr(),
            )
        };
        (Tree(t, PhantomData), Item(item, PhantomData))
    }

    /// A generated `FT_RELATIVE_TIME` item of `ns` nanoseconds.
    #[inline]
    pub fn add_reltime(self, hf: Hf, tvb: Tvb<'p>, ns: i64) -> Item<'p> {
        // SAFETY: zero-length item at offset 0, always in range; type and room checked.
        self.checked(tvb, (0, 0), typed(hf, |k| k == Kind::RelTime), || unsafe {
            ffi::msstun_add_reltime(
                self.0,
                hf.id(),
                tvb.raw,
                ns / 1_000_000_000,
                (ns % 1_000_000_000) as c_int,
            )
        })
    }
}
