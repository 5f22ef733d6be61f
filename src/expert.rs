//! Expert items (registered by the shim, in `enum msstun_ei`).

use std::ffi::c_int;

/// Truncated, overrunning or badly padded attribute.
pub const MALFORMED: c_int = 0;
/// Attribute value does not fit its layout.
pub const BAD_VALUE: c_int = 1;
/// Bad FINGERPRINT.
pub const FINGERPRINT_BAD: c_int = 2;
/// Bad MESSAGE-INTEGRITY.
pub const INTEGRITY_BAD: c_int = 3;
/// MESSAGE-INTEGRITY not verified.
pub const INTEGRITY_UNVERIFIED: c_int = 4;
/// Unknown comprehension-required attribute.
pub const UNKNOWN_REQUIRED: c_int = 5;
/// Request never answered.
pub const UNANSWERED: c_int = 6;
/// Error response explained.
pub const ERROR_RESPONSE: c_int = 7;
/// ConnectionBind with no matching ConnectionAttempt or Connect success response.
pub const BIND_NO_ATTEMPT: c_int = 8;
/// A panic in the plugin.
pub const PANIC: c_int = 9;
/// Retransmitted request.
pub const RETRANSMISSION: c_int = 10;
/// RFC 6062 data connection.
pub const DATA_CONNECTION: c_int = 11;
/// A payload on an msstun port or flow that is not STUN (handed on).
pub const NOT_STUN: c_int = 12;
/// FINGERPRINT good with the WLM2009 CRC-32 table variant.
pub const FINGERPRINT_WLM2009: c_int = 13;
/// [MS-TURN] TCP framing header without its length (type and reserved byte only).
pub const MS_TCP_NO_LENGTH: c_int = 14;
/// A deviation from the dialect's rules that is tolerated (length not a multiple of 4,
/// unpadded attributes in a padded dialect): decoded anyway.
pub const DEVIATION: c_int = 15;

/// What an error code means and what usually follows it.
pub fn explain_error(code: u16) -> &'static str {
    match code {
        300 => "Try Alternate: the client should retry with the server in ALTERNATE-SERVER",
        400 => "Bad Request: the server could not parse the request",
        401 => "Unauthorized: credentials missing or wrong; normal first answer of a long-term-credential server, the client retries with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY",
        403 => "Forbidden: the request is valid but the server refuses it (policy)",
        420 => "Unknown Attribute: the request carried a comprehension-required attribute the server does not know (see UNKNOWN-ATTRIBUTES)",
        437 => "Allocation Mismatch: an Allocate on a 5-tuple that already has an allocation, or a request for an allocation that does not exist",
        438 => "Stale Nonce: the client must retry with the NONCE of this response",
        440 => "Address Family not Supported",
        441 => "Wrong Credentials: the credentials differ from those used to create the allocation",
        442 => "Unsupported Transport Protocol: the server does not relay the REQUESTED-TRANSPORT",
        443 => "Peer Address Family Mismatch",
        446 => "Connection Already Exists: a Connect request for a peer that already has a TCP connection on this allocation",
        447 => "Connection Timeout or Failure: the server could not connect to the peer, or the ConnectionBind came too late",
        486 => "Allocation Quota Reached: too many allocations for this user",
        487 => "Role Conflict: both ICE agents claim the same role",
        500 => "Server Error: temporary, the client may retry",
        508 => "Insufficient Capacity: the server has no more relayed transport addresses",
        _ => "error response",
    }
}
