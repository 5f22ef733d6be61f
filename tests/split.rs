//! TCP reassembly: one message over several segments, several messages in one segment,
//! a segment that ends one message and starts the next, an RFC 4571 prefix cut in two.

mod common;
use common::*;

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
