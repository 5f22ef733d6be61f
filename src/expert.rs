//! Expert items: the one list of them ([`TABLE`]), registered by [`crate::epan::expert`].

/// Expert group (Wireshark's `PI_*` groups).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// `PI_CHECKSUM`.
    Checksum,
    /// `PI_SEQUENCE`.
    Sequence,
    /// `PI_RESPONSE_CODE`.
    ResponseCode,
    /// `PI_UNDECODED`.
    Undecoded,
    /// `PI_MALFORMED`.
    Malformed,
    /// `PI_PROTOCOL`.
    Protocol,
}

/// Expert severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// `PI_CHAT`.
    Chat,
    /// `PI_NOTE`.
    Note,
    /// `PI_WARN`.
    Warn,
    /// `PI_ERROR`.
    Error,
}

/// One expert item: filter name, group, severity, summary.
#[derive(Debug, Clone, Copy)]
pub struct ExpertDesc {
    /// Which one (its index in [`TABLE`]).
    pub which: Expert,
    /// Filter name (`msstun.expert.malformed`).
    pub abbrev: &'static str,
    /// Group.
    pub group: Group,
    /// Severity.
    pub severity: Severity,
    /// Summary shown in the Expert Information dialog.
    pub summary: &'static str,
}

/// The expert items msstun raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Expert {
    /// Truncated, overrunning or badly padded attribute.
    Malformed,
    /// Attribute value does not fit its layout.
    BadValue,
    /// Bad FINGERPRINT.
    FingerprintBad,
    /// Bad MESSAGE-INTEGRITY.
    IntegrityBad,
    /// MESSAGE-INTEGRITY not verified.
    IntegrityUnverified,
    /// Unknown comprehension-required attribute.
    UnknownRequired,
    /// Request never answered.
    Unanswered,
    /// Error response explained.
    ErrorResponse,
    /// ConnectionBind with no matching ConnectionAttempt or Connect success response.
    BindNoAttempt,
    /// A panic in the plugin.
    Panic,
    /// Retransmitted request.
    Retransmission,
    /// RFC 6062 data connection.
    DataConnection,
    /// A payload on an msstun port or flow that is not STUN (handed on).
    NotStun,
    /// FINGERPRINT good with the WLM2009 CRC-32 table variant.
    FingerprintWlm2009,
    /// [MS-TURN] TCP framing header without its length (type and reserved byte only).
    MsTcpNoLength,
    /// A deviation from the dialect's rules that is tolerated (length not a multiple of 4,
    /// unpadded attributes in a padded dialect): decoded anyway.
    Deviation,
    /// In a message of a method no table knows (WhatsApp's 0x0800–0x0805), an attribute
    /// value that does not fit the registered layout of its code: the vendor's own use.
    ProprietaryValue,
}

const fn e(
    which: Expert,
    abbrev: &'static str,
    group: Group,
    severity: Severity,
    summary: &'static str,
) -> ExpertDesc {
    ExpertDesc {
        which,
        abbrev,
        group,
        severity,
        summary,
    }
}

/// Every expert item, in [`Expert`] order.
pub const TABLE: &[ExpertDesc] = {
    use Expert::*;
    use Group::*;
    use Severity::*;
    &[
        e(Expert::Malformed, "msstun.expert.malformed", Group::Malformed, Error,
            "Malformed message: truncated, overrunning or badly padded attribute"),
        e(BadValue, "msstun.expert.bad_value", Group::Malformed, Warn,
            "Attribute value does not fit its layout"),
        e(FingerprintBad, "msstun.expert.fingerprint_bad", Checksum, Error, "Bad FINGERPRINT"),
        e(IntegrityBad, "msstun.expert.integrity_bad", Checksum, Warn, "Bad MESSAGE-INTEGRITY"),
        e(IntegrityUnverified, "msstun.expert.integrity_unverified", Checksum, Chat,
            "MESSAGE-INTEGRITY not verified (no matching credentials in msstun_credentials)"),
        e(UnknownRequired, "msstun.expert.unknown_required", Undecoded, Warn,
            "Unknown comprehension-required attribute"),
        e(Unanswered, "msstun.expert.unanswered", Sequence, Warn, "Request never answered"),
        e(Expert::ErrorResponse, "msstun.expert.error_response", Group::ResponseCode, Note, "Error response"),
        e(BindNoAttempt, "msstun.expert.bind_no_attempt", Sequence, Warn,
            "ConnectionBind with no matching ConnectionAttempt or Connect response"),
        e(Expert::Panic, "msstun.expert.internal_error", Group::Malformed, Error,
            "msstun internal error (please report)"),
        e(Retransmission, "msstun.expert.retransmission", Sequence, Note, "Retransmitted request"),
        e(DataConnection, "msstun.expert.data_connection", Sequence, Chat, "RFC 6062 data connection"),
        e(NotStun, "msstun.expert.not_stun", Undecoded, Note,
            "Payload on a STUN/TURN port or flow that is not STUN, ChannelData or a known framing: handed on"),
        e(FingerprintWlm2009, "msstun.expert.fingerprint_wlm2009", Checksum, Note,
            "FINGERPRINT computed with the WLM2009 / OCS 2007 R2 CRC-32 table variant"),
        e(MsTcpNoLength, "msstun.expert.ms_tcp_no_length", Protocol, Note,
            "MS-TURN TCP framing without its length field"),
        e(Deviation, "msstun.expert.deviation", Protocol, Warn,
            "Tolerated deviation from the dialect"),
        e(ProprietaryValue, "msstun.expert.proprietary_value", Undecoded, Note,
            "Attribute value in a proprietary method, not in its registered layout"),
    ]
};

/// The expert item of a session-analysis event (registered after [`TABLE`], in
/// `Event::ALL` order): `msstun.expert.<key>`, the event's own summary and severity.
pub fn event_desc(e: msstun_analysis::Event) -> (String, Group, Severity, &'static str) {
    use msstun_analysis::Severity as S;
    let severity = match e.severity() {
        S::Chat => Severity::Chat,
        S::Note => Severity::Note,
        S::Warn => Severity::Warn,
    };
    (
        format!("msstun.expert.{}", e.key()),
        Group::Sequence,
        severity,
        e.summary(),
    )
}

/// The note that replaces a finding's warning when the finding depends on what came before
/// the capture (an allocation, a permission) and the capture does not show it.
pub fn boundary_desc() -> (String, Group, Severity, &'static str) {
    (
        "msstun.expert.capture_boundary".to_string(),
        Group::Sequence,
        Severity::Note,
        "Finding that depends on what came before the capture, which does not show it",
    )
}

/// What an error code means and what usually follows it.
pub fn explain_error(code: u16) -> &'static str {
    match code {
        300 => "Try Alternate: the client should retry with the server in ALTERNATE-SERVER",
        400 => "Bad Request: the server could not parse the request",
        401 => "Unauthenticated (RFC 8489; \"Unauthorized\" in RFC 5389): credentials missing or wrong; normal first answer of a long-term-credential server, the client retries with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_enum_order_with_unique_names() {
        for (i, d) in TABLE.iter().enumerate() {
            assert_eq!(d.which as usize, i, "{}", d.abbrev);
            assert!(d.abbrev.starts_with("msstun.expert."));
            assert_eq!(TABLE.iter().filter(|x| x.abbrev == d.abbrev).count(), 1);
        }
        assert_eq!(TABLE.len(), Expert::ProprietaryValue as usize + 1);
    }
}
