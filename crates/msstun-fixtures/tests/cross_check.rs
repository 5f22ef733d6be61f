//! The fixtures write their STUN bytes with `msstun::build`; the parser must read back
//! what each scenario means to show.

use msstun::check::{self, Status};
use msstun::registry;
use msstun::Role;
use msstun::{Class, Dialect, Message};
use msstun_fixtures::scenarios::{integrity_consts, UNKNOWN_REQUIRED_ATTR};
use msstun_fixtures::stun::{attr, ms_attr, ms_msg, msg};

#[test]
fn every_scenario_builds_with_labels() {
    for (name, _) in msstun_fixtures::SCENARIOS
        .iter()
        .chain(msstun_fixtures::followups::SCENARIOS)
        .chain(msstun_fixtures::clients::SCENARIOS)
    {
        let fx = msstun_fixtures::build(name, 10).unwrap();
        assert!(fx.frames > 0, "{name}");
        if !name.starts_with("bench") {
            assert!(!fx.labels.is_empty(), "{name}");
        }
    }
}

#[test]
fn long_term_integrity_verifies_with_the_scenario_credentials() {
    use integrity_consts::*;
    let key = check::long_term_key(USER, REALM, PASSWORD);
    let m = msg("Allocate", Class::Request, [9; 12])
        .attr_u8_padded(attr(Role::RequestedTransport), 17)
        .string(attr(Role::Username), USER)
        .string(attr(Role::Realm), REALM)
        .string(attr(Role::Nonce), NONCE)
        .message_integrity(&key)
        .fingerprint()
        .finish();
    let msg = Message::new_checked(&m[..]).unwrap();
    assert_eq!(msg.method().name, "Allocate");
    let report = check::verify(&msg, &[(USER, REALM, PASSWORD)][..]);
    assert_eq!(report.integrity, Some(Status::Good));
    assert_eq!(report.fingerprint, Some(Status::Good));
}

#[test]
fn ms_turn_messages_parse_as_ms_turn() {
    let m = ms_msg("Allocate", Class::Request, [3; 16])
        .attr_u32(ms_attr(Role::MsVersion), 1)
        .finish();
    let msg = Message::new_checked(&m[..]).unwrap();
    assert_eq!(msg.dialect(), Dialect::MsTurn);
    assert_eq!(msg.method().name, "Allocate");
    let names: Vec<&str> = msg
        .attributes()
        .map(|a| a.unwrap().desc.unwrap().key)
        .collect();
    assert_eq!(names, ["magic_cookie", "ms_version"]);
}

#[test]
fn unknown_required_attribute_is_unknown() {
    for d in [Dialect::Rfc5389, Dialect::Rfc3489, Dialect::MsTurn] {
        assert!(registry::attribute(d, UNKNOWN_REQUIRED_ATTR).is_none());
    }
    const { assert!(UNKNOWN_REQUIRED_ATTR < 0x8000) };
}
