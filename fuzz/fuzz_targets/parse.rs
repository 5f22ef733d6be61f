//! One input = one datagram/segment: parse it as a STUN message, walk every
//! attribute and sub-field, run every check and the summary, and try every framing
//! and the detector on it. Nothing may panic; the parse path must not loop.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msstun::check;
use msstun::framing::{next_pdu, Framing, Transport};
use msstun::Message;

const CREDS: &[(&str, &str, &str)] = &[
    ("evtj:h6vY", "", "VOkJxbRl1RmTxUk/WvJxBt"),
    (
        "\u{30DE}\u{30C8}\u{30EA}\u{30C3}\u{30AF}\u{30B9}",
        "example.org",
        "TheMatrIX",
    ),
    ("user", "*", "secret"),
];

fuzz_target!(|data: &[u8]| msstun_fuzz::no_leak(|| {
    if let Ok(msg) = Message::new_checked(data) {
        let _ = (
            msg.dialect(),
            msg.method_class(),
            msg.transaction_id(),
            msg.cookie(),
            msg.total_len(),
        );
        for attr in msg.attributes() {
            let Ok(a) = attr else { continue };
            let _ = (
                a.name(),
                a.layout(),
                a.address(),
                a.error_code(),
                a.as_u32(),
                a.as_str(),
                a.padding(),
            );
            // A list layout (UNKNOWN-ATTRIBUTES, …) has one field per entry: bound by the value.
            let bound = a.value.len() + 16;
            let n = a.fields().take(bound + 1).count();
            assert!(n <= bound, "fields iterator does not end");
            let _ = check::check_integrity(msg.bytes(), a.offset, b"secret");
            let _ = check::check_fingerprint(msg.bytes(), a.offset);
            let _ = check::integrity_status(msg.bytes(), msg.dialect(), a.offset, CREDS);
        }
        let _ = check::verify(&msg, CREDS);
        let mut buf = msstun::summary::SummaryBuf::<256>::default();
        let _ = buf.summarize(&msg);
    }
    for framing in Framing::ALL {
        for transport in [Transport::Tcp, Transport::Udp] {
            let _ = next_pdu(framing, transport, data);
            let _ = msstun::detect::detect_framing(framing, transport, data);
        }
    }
    // SRTCP trailer: when found, its parts lie inside the payload, after the first packet.
    if let Some(t) = msstun::media::srtcp_trailer(data) {
        assert_eq!(t.compound_len + 4 + t.mki_len + t.tag_len, data.len());
        assert!(t.compound_len >= 8 && t.compound_len % 4 == 0);
    }
    assert!(msstun::media::rtcp_walk(data) <= data.len());
    let _ = msstun::media::RtpHeader::parse(data);
    // DTLS and ZRTP record checks (the hand-off's): a DTLSPlaintext header is 13 bytes.
    if msstun::media::DtlsRecord::of(data) == msstun::media::DtlsRecord::Plain {
        assert!(data.len() >= 13 && (20..=26).contains(&data[0]));
    }
    if msstun::media::is_zrtp(data) {
        assert_eq!(&data[4..8], b"ZRTP");
    }
    let _ = msstun::detect::detect(Transport::Tcp, data);
    let _ = msstun::detect::detect(Transport::Udp, data);
}));
