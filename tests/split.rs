//! TCP reassembly: one message over several segments, several messages in one segment,
//! a segment that ends one message and starts the next, an RFC 4571 prefix cut in two; on a
//! port found by the heuristics and on the TCP port msstun owns.

mod common;
use common::*;
use msstun::build::MessageBuilder;
use msstun::{Class, Dialect};
use msstun_fixtures::capture::{sa, Capture, Dir};

#[test]
fn messages_split_and_coalesced() {
    let fx = fixture("split");
    let run = Run::new(&fx, &[]);
    let rows = run.fields(
        None,
        &[
            "msstun.method",
            "msstun.class",
            "msstun.response_in",
            "msstun.framing",
            "_ws.col.Protocol",
            "_ws.col.Info",
        ],
    );
    // Several messages in one frame, in one call or in two (the end of a reassembled
    // message, then the rest of the segment): one Info line, in order.
    let info = |f: u32| (rows[&f][4].join(""), rows[&f][5].join(""));
    assert_eq!(
        info(fx.frame("three-in-one")),
        (
            "MSSTUN".into(),
            "Binding Request, Binding Request, Refresh Request lifetime: 300".into()
        )
    );
    assert_eq!(
        info(fx.frame("straddle-end")),
        (
            "MSSTUN".into(),
            "Binding Success Response XOR-MAPPED-ADDRESS: 10.0.5.1:50400, Refresh Success Response lifetime: 300"
                .into()
        )
    );
    let three = fx.frame("three-segments");
    // The first two segments only carry parts of the message.
    assert!(rows[&(three - 2)][0].is_empty());
    assert!(rows[&(three - 1)][0].is_empty());
    assert_eq!(nums(&rows[&three][0]), vec![3]);
    assert_eq!(
        run.get(three, "msstun.att.software"),
        vec!["a client with a long software name"]
    );
    assert_eq!(nums(&run.get(three, "msstun.att.lifetime")), vec![300]);
    assert_eq!(
        nums(&run.get(three, "msstun.att.fingerprint.status")),
        vec![GOOD]
    );
    assert_eq!(
        nums(&rows[&three][2]),
        vec![u64::from(fx.frame("alloc-ok"))]
    );

    let one = fx.frame("three-in-one");
    assert_eq!(nums(&rows[&one][0]), vec![1, 1, 4]);
    assert_eq!(nums(&rows[&one][1]), vec![REQUEST, REQUEST, REQUEST]);
    assert_eq!(run.get(one, "msstun.transaction_id").len(), 3);
    assert_eq!(
        nums(&rows[&one][3]),
        vec![FR_PLAIN_TCP, FR_PLAIN_TCP, FR_PLAIN_TCP]
    );

    let last = fx.frame("straddle-end");
    assert!(
        rows[&(last - 2)][0].is_empty(),
        "first part of the straddling run holds no whole message"
    );
    assert_eq!(nums(&rows[&(last - 1)][0]), vec![1]);
    assert_eq!(nums(&rows[&(last - 1)][1]), vec![SUCCESS]);
    assert_eq!(nums(&rows[&last][0]), vec![1, 4]);
    assert_eq!(nums(&rows[&last][1]), vec![SUCCESS, SUCCESS]);
    // Responses link back to the three requests of one segment.
    assert_eq!(
        nums(&rows[&one][2]),
        vec![u64::from(last - 1), u64::from(last), u64::from(last)]
    );

    let f = fx.frame("rfc4571-split");
    assert!(rows[&(f - 1)][0].is_empty());
    assert_eq!(nums(&rows[&f][0]), vec![1]);
    assert_eq!(nums(&rows[&f][3]), vec![FR_RFC4571]);
    assert_eq!(nums(&run.get(f, "msstun.att.priority")), vec![7]);
}

/// On TCP 3478, the port msstun owns by default, a message split across segments at the start
/// of a connection is reassembled as on a port found by the heuristics: msstun sits on the
/// port itself, so TCP's offer to desegment reaches it (behind a hop it did not, and each
/// piece was decoded alone). Cut after 1 and 30 bytes, and right after the header.
#[test]
fn a_split_message_on_the_owned_tcp_port_is_reassembled() {
    let server = sa([10, 0, 6, 2], 3478);
    let m = MessageBuilder::new(Dialect::Rfc5389, 0x003, Class::Request, &[0x61; 12])
        .attr(0x0019, &[17, 0, 0, 0])
        .attr(0x8022, b"a client with a long software name")
        .attr(0x000D, &300u32.to_be_bytes())
        .fingerprint()
        .finish();
    let mut cap = Capture::new();
    for (n, cuts) in [&[1usize, 30][..], &[20][..]].into_iter().enumerate() {
        let mut c = cap.tcp_open(sa([10, 0, 6, 1], 50500 + n as u16), server);
        cap.tcp_send_split(&mut c, Dir::C2S, &m, cuts);
        cap.label(&format!("whole-{n}"));
        cap.tcp_close(&mut c);
    }
    let sb = Sandbox::new(true);
    let pcap = sb.write("split-3478.pcapng", &cap.to_pcapng());
    let run = Run {
        sb,
        pcap,
        opts: Vec::new(),
    };
    let whole = [cap.labels()["whole-0"], cap.labels()["whole-1"]];
    assert_eq!(run.frames("msstun"), whole);
    for f in whole {
        assert_eq!(nums(&run.get(f, "msstun.method")), vec![3]);
        assert_eq!(
            run.get(f, "msstun.att.software"),
            vec!["a client with a long software name"]
        );
        assert_eq!(
            nums(&run.get(f, "msstun.att.fingerprint.status")),
            vec![GOOD]
        );
    }
}
