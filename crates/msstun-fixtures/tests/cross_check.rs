//! The fixtures' hand-written encoder and the parser crate's `msstun::build` must agree
//! byte for byte, and the parser must accept what the fixtures write.

use msstun::build::MessageBuilder;
use msstun::check::{self, Status};
use msstun::{Class, Dialect, Message};
use msstun_fixtures::wire::{attr, long_term_key, ty, Msg};

#[test]
fn allocate_with_integrity_matches_msstun_build() {
    let tid = [9u8; 12];
    let key = long_term_key("turn", "TANDBERG", "expressway");
    assert_eq!(
        key,
        check::long_term_key("turn", "TANDBERG", "expressway").to_vec()
    );
    let ours = Msg::new(ty::ALLOCATE_REQUEST, tid)
        .transport(6)
        .u32(attr::LIFETIME, 600)
        .text(attr::USERNAME, "turn")
        .text(attr::REALM, "TANDBERG")
        .text(attr::NONCE, "abc")
        .xor_addr(
            attr::XOR_PEER_ADDRESS,
            "192.168.1.252:53577".parse().unwrap(),
        )
        .integrity(&key)
        .fingerprint()
        .encode();
    let theirs = MessageBuilder::new(Dialect::Rfc5389, 0x003, Class::Request, &tid)
        .attr(attr::REQUESTED_TRANSPORT, &[6, 0, 0, 0])
        .attr_u32(attr::LIFETIME, 600)
        .string(attr::USERNAME, "turn")
        .string(attr::REALM, "TANDBERG")
        .string(attr::NONCE, "abc")
        .xor_address(
            attr::XOR_PEER_ADDRESS,
            "192.168.1.252:53577".parse().unwrap(),
        )
        .message_integrity(&key)
        .fingerprint()
        .finish();
    assert_eq!(ours, theirs);
    let msg = Message::new_checked(&ours[..]).unwrap();
    let report = check::verify(&msg, &[("turn", "TANDBERG", "expressway")][..]);
    assert_eq!(report.integrity, Some(Status::Good));
    assert_eq!(report.fingerprint, Some(Status::Good));
}

#[test]
fn every_scenario_parses_where_it_should() {
    for (name, _) in msstun_fixtures::SCENARIOS {
        let fx = msstun_fixtures::build(name, 0).unwrap();
        assert!(fx.frames > 0, "{name}");
        assert!(!fx.labels.is_empty(), "{name}");
    }
    let m = Msg::ms_turn(ty::ALLOCATE_REQUEST, [3; 16])
        .u32(attr::MS_VERSION, 1)
        .encode();
    let msg = Message::new_checked(&m[..]).unwrap();
    assert_eq!(msg.dialect(), Dialect::MsTurn);
    assert_eq!(msg.method().name, "Allocate");
}
