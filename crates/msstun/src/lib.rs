//! # msstun — STUN/TURN/MS-TURN parsing without allocation
//!
//! Zero-copy views over `&[u8]` for STUN as written by RFC 5389/8489, RFC 3489
//! "classic" STUN and Microsoft's legacy [MS-TURN], with the attributes of TURN
//! (RFC 8656/5766), TCP TURN (RFC 6062), ICE (RFC 8445), [MS-ICE2] and [MS-TURNBWM].
//!
//! ```
//! use msstun::{Message, Class};
//! // A Binding request with no attributes (RFC 5389 header).
//! let bytes = [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
//! let msg = Message::new_checked(&bytes[..]).unwrap();
//! assert_eq!(msg.method().name, "Binding");
//! assert_eq!(msg.class(), Class::Request);
//! assert_eq!(msg.attributes().count(), 0);
//! ```
//!
//! The parse path performs no heap allocation; the builder in [`build`] (used by
//! tests, fixtures and fuzz seeds) does.
#![cfg_attr(not(test), no_std)]
// One `unsafe` block, worth 12 % of a full decode: attr::utf8 (see there and the README).
#![deny(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(any(test, feature = "std"))]
extern crate std;

pub mod attr;
pub mod build;
pub mod check;
pub mod classify;
pub mod data_conn;
pub mod detect;
pub mod field;
pub mod framing;
pub mod media;
pub mod message;
pub mod registry;
pub mod stream;
pub mod summary;

pub use attr::{Address, Attribute, Attributes, Field, FieldValue, Fields};
pub use message::{Class, Deviations, Dialect, Message, HEADER_LEN, MAGIC_COOKIE};
pub use registry::{AttrDesc, FieldDesc, FieldKind, FieldRole, Layout, MethodDesc, Role};

/// Everything that can be wrong with bytes handed to the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// Fewer bytes than the header or the declared length need.
    Truncated {
        /// Bytes needed.
        needed: usize,
        /// Bytes present.
        available: usize,
    },
    /// The first two bits are not zero: not a STUN message.
    NotStun,
    /// Fewer than 4 bytes left where an attribute header should be.
    AttributeTruncated {
        /// Offset of the attribute from the start of the message.
        offset: usize,
        /// Bytes left.
        available: usize,
    },
    /// An attribute's declared length runs past the end of the message.
    AttributeOverrun {
        /// Offset of the attribute.
        offset: usize,
        /// Attribute type.
        code: u16,
        /// Declared length.
        declared: u16,
        /// Bytes actually left for the value.
        available: usize,
    },
    /// The last attribute is not followed by the padding its dialect requires.
    BadPadding {
        /// Offset of the attribute.
        offset: usize,
        /// Attribute type.
        code: u16,
    },
    /// A value does not fit its attribute's layout.
    BadValue {
        /// Offset of the attribute.
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Error::Truncated { needed, available } => write!(f, "truncated: {needed} bytes needed, {available} present"),
            Error::NotStun => f.write_str("not a STUN message (first two bits not zero)"),
            Error::AttributeTruncated { offset, available } => {
                write!(f, "attribute header truncated at offset {offset} ({available} bytes left)")
            }
            Error::AttributeOverrun { offset, code, declared, available } => write!(
                f,
                "attribute 0x{code:04x} at offset {offset} declares {declared} bytes, only {available} left"
            ),
            Error::BadPadding { offset, code } => write!(f, "attribute 0x{code:04x} at offset {offset} lacks its padding"),
            Error::BadValue { offset, reason } => write!(f, "attribute at offset {offset}: {reason}"),
        }
    }
}

/// With the `std` feature, [`Error`] is a `std::error::Error` (for `?` into
/// `Box<dyn Error>`, `anyhow` and the like).
#[cfg(feature = "std")]
impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    /// The `std` feature's promise (Cargo.toml): `Error` is a `std::error::Error`.
    #[cfg(feature = "std")]
    #[test]
    fn error_is_std_error() {
        fn boxed(e: super::Error) -> std::boxed::Box<dyn std::error::Error> {
            std::boxed::Box::new(e)
        }
        let e = boxed(super::Error::NotStun);
        assert_eq!(
            std::string::ToString::to_string(&e),
            "not a STUN message (first two bits not zero)"
        );
    }
}
