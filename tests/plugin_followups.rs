//! Plugin follow-ups: RFC 6062 client-initiated connections (Connect → ConnectionBind),
//! and flow identity by Wireshark conversation (reused TCP 5-tuples). The same links on a
//! real coturn `turnutils_uclient -T` capture are checked in tests/coturn.rs.

mod common;
use common::*;
use msstun_fixtures::followups::connect_consts::*;

fn ip(a: [u8; 4]) -> String {
    std::net::Ipv4Addr::from(a).to_string()
}

#[test]
fn connect_response_links_the_data_connection() {
    let fx = fixture("connect");
    let run = Run::new(&fx, &["-d", "tcp.port==3478,msstun"]);
    let rows = run.fields(None, TD);
    let f = |l: &str| fx.frame(l);
    let cell = |l: &str, i: usize| rows[&f(l)][i].clone();

    // The Connect success response: CONNECTION-ID, the Connect request's peer, bound in.
    assert_eq!(nums(&cell("connect-ok", 0)), vec![0x010a]);
    assert_eq!(nums(&cell("connect-ok", 1)), vec![u64::from(CONNECT_CID)]);
    assert_eq!(cell("connect-ok", 2), vec![ip(CONNECT_PEER)]);
    assert_eq!(
        nums(&cell("connect-ok", 3)),
        vec![u64::from(CONNECT_PEER_PORT)]
    );
    assert_eq!(
        nums(&cell("connect-ok", 7)),
        vec![u64::from(f("connect-bind-ok"))]
    );
    // Every frame of the client-initiated data connection links to the Connect response.
    for l in [
        "connect-bind",
        "connect-bind-ok",
        "connect-data-out",
        "connect-data-in",
    ] {
        assert_eq!(nums(&cell(l, 1)), vec![u64::from(CONNECT_CID)], "{l}");
        assert_eq!(cell(l, 2), vec![ip(CONNECT_PEER)], "{l}");
        assert!(cell(l, 4).is_empty(), "{l}: no ConnectionAttempt");
        assert_eq!(
            nums(&cell(l, 5)),
            vec![u64::from(f("connect-ok"))],
            "{l}: connect_in"
        );
        assert_eq!(
            nums(&cell(l, 6)),
            vec![u64::from(f("connect-bind"))],
            "{l}: bind_in"
        );
    }
    // The peer-initiated one still links to its ConnectionAttempt.
    assert_eq!(
        nums(&cell("attempt", 7)),
        vec![u64::from(f("attempt-bind-ok"))]
    );
    for l in ["attempt-bind", "attempt-bind-ok", "attempt-data-in"] {
        assert_eq!(nums(&cell(l, 1)), vec![u64::from(ATTEMPT_CID)], "{l}");
        assert_eq!(cell(l, 2), vec![ip(ATTEMPT_PEER)], "{l}");
        assert_eq!(nums(&cell(l, 4)), vec![u64::from(f("attempt"))], "{l}");
        assert!(cell(l, 5).is_empty(), "{l}: no Connect");
    }
    // Only the ConnectionBind nobody announced is flagged.
    assert_eq!(
        run.frames("msstun.expert.bind_no_attempt"),
        vec![f("stray-bind")]
    );

    // One pass (frames in order, as tshark without -2): the data connection's links are
    // the same.
    let one = run.raw(&[
        "-Y",
        "msstun.tcp_data.connect_in",
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "msstun.tcp_data.connect_in",
    ]);
    let want: Vec<String> = [
        "connect-bind",
        "connect-bind-ok",
        "connect-data-out",
        "connect-data-in",
    ]
    .iter()
    .map(|l| format!("{}\t{}", f(l), f("connect-ok")))
    .collect();
    assert_eq!(one.lines().collect::<Vec<_>>(), want);
}

#[test]
fn reused_five_tuple_gets_fresh_state() {
    let fx = fixture("reuse");
    let run = Run::new(&fx, &["-d", "tcp.port==3478,msstun"]);
    let rows = run.fields(
        Some("tcp.len > 0"),
        &["tcp.stream", "msstun.type", "msstun.tcp_data.connection_id"],
    );
    let first = fx.frame("first-data");
    assert_eq!(nums(&rows[&first][2]), vec![0x4444_0004]);
    for l in ["second-req", "second-resp"] {
        let r = &rows[&fx.frame(l)];
        assert_ne!(r[0], rows[&first][0], "{l}: a new TCP stream");
        assert_eq!(r[1].len(), 1, "{l}: one msstun message, not relayed data");
        assert!(
            r[2].is_empty(),
            "{l}: not part of the earlier data connection"
        );
    }
    assert_eq!(nums(&rows[&fx.frame("second-req")][1]), vec![0x0001]);
    assert_eq!(nums(&rows[&fx.frame("second-resp")][1]), vec![0x0101]);
}
