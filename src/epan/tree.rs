//! Safe views of the protocol tree and its items. Every call that reads the tvb checks
//! the range against its captured length first (so epan cannot throw for it).

use std::ffi::{c_int, CStr};
use std::marker::PhantomData;
use std::net::IpAddr;

use super::ffi;
use super::fields::{Ett, Hf};
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
        if self.is_none() {
            return Tree(std::ptr::null_mut(), PhantomData);
        }
        // SAFETY: the item is in the tree of this packet.
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

impl<'p> Tree<'p> {
    /// The item `add` makes when `off..off + len` lies in the captured bytes of `tvb`; no
    /// item otherwise (so epan never throws for our ranges: see the module docs).
    #[inline]
    fn checked(
        tvb: Tvb<'p>,
        off: usize,
        len: usize,
        add: impl FnOnce() -> *mut ffi::proto_item,
    ) -> Item<'p> {
        if !tvb.fits(off, len) {
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
        if !tvb.fits(off, n) {
            return Item(std::ptr::null_mut(), PhantomData);
        }
        let l = len.map_or(-1, cint);
        // SAFETY: range checked against the captured bytes.
        Item(
            unsafe { ffi::proto_tree_add_item(self.0, proto, tvb.raw, cint(off), l, ffi::ENC_NA) },
            PhantomData,
        )
    }

    /// `hf` over `len` bytes at `off`, read with `enc`.
    #[inline]
    pub fn add_item(self, hf: Hf, tvb: Tvb<'p>, off: usize, len: usize, enc: Encoding) -> Item<'p> {
        // SAFETY: range checked. (`checked` checks the range first)
        Self::checked(tvb, off, len, || unsafe {
            ffi::proto_tree_add_item(self.0, hf.id(), tvb.raw, cint(off), cint(len), enc.raw())
        })
    }

    /// Unsigned field `hf` = `v` over `len` bytes at `off`.
    #[inline]
    pub fn add_uint(self, hf: Hf, tvb: Tvb<'p>, off: usize, len: usize, v: u32) -> Item<'p> {
        // SAFETY: range checked. (`checked` checks the range first)
        Self::checked(tvb, off, len, || unsafe {
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
        if !tvb.fits(off, len) {
            return Item(std::ptr::null_mut(), PhantomData);
        }
        let fmt = if digits == 3 {
            c"%s (0x%03x)"
        } else {
            c"%s (0x%04x)"
        };
        // SAFETY: range checked; the format takes one string and one unsigned int.
        Item(
            unsafe {
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
            },
            PhantomData,
        )
    }

    /// 64-bit unsigned field.
    #[inline]
    pub fn add_uint64(self, hf: Hf, tvb: Tvb<'p>, off: usize, len: usize, v: u64) -> Item<'p> {
        // SAFETY: range checked. (`checked` checks the range first)
        Self::checked(tvb, off, len, || unsafe {
            ffi::proto_tree_add_uint64(self.0, hf.id(), tvb.raw, cint(off), cint(len), v)
        })
    }

    /// Boolean field.
    #[inline]
    pub fn add_bool(self, hf: Hf, tvb: Tvb<'p>, off: usize, len: usize, v: bool) -> Item<'p> {
        // SAFETY: range checked. (`checked` checks the range first)
        Self::checked(tvb, off, len, || unsafe {
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
        if !tvb.fits(off, len) {
            return Item(std::ptr::null_mut(), PhantomData);
        }
        // SAFETY: range checked; the IPv4 value is in network order as Wireshark wants it.
        let it = unsafe {
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
        };
        Item(it, PhantomData)
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
        // SAFETY: range checked; text is NUL-terminated. (`checked` checks the range first)
        Self::checked(tvb, off, len, || unsafe {
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
        // SAFETY: range checked; "%s" with one string. (`checked` checks the range first)
        Self::checked(tvb, off, len, || unsafe {
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
        if !tvb.fits(off, len) {
            return (self, Item(std::ptr::null_mut(), PhantomData));
        }
        let mut item: *mut ffi::proto_item = std::ptr::null_mut();
        // SAFETY: range checked; the label is static and has no format directives.
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
        // SAFETY: zero-length item at offset 0, always in range.
        Item(
            unsafe {
                ffi::msstun_add_reltime(
                    self.0,
                    hf.id(),
                    tvb.raw,
                    ns / 1_000_000_000,
                    (ns % 1_000_000_000) as c_int,
                )
            },
            PhantomData,
        )
    }
}
