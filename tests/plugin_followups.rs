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

/// A connection that carries STUN before its ConnectionBind: the plugin keeps such a flow's
/// framing aside ("known, not a data connection", `plugin::flow::KNOWN`) after its second
/// message, and must forget it at the ConnectionBind, or what follows the bind would be
/// read as STUN rather than as the data connection's bytes.
#[test]
fn stun_before_the_connection_bind_still_makes_a_data_connection() {
    use msstun::{Class, Role};
    use msstun_fixtures::capture::{sa, Capture, Dir};
    use msstun_fixtures::stun::{attr, msg, tid_with};
    use msstun_fixtures::Fixture;
    let tid = |n| tid_with(0x6b6e_0000, n);

    let mut cap = Capture::new();
    let server = sa([10, 8, 0, 1], 3478);
    let mut c = cap.tcp_open(sa([10, 8, 0, 2], 42000), server);
    let m = msg("Connect", Class::Request, tid(1))
        .xor_address(attr(Role::PeerAddress), sa(CONNECT_PEER, CONNECT_PEER_PORT))
        .finish();
    cap.tcp_send(&mut c, Dir::C2S, &m);
    let m = msg("Connect", Class::SuccessResponse, tid(1))
        .attr_u32(attr(Role::ConnectionId), CONNECT_CID)
        .finish();
    cap.tcp_send(&mut c, Dir::S2C, &m);
    cap.label("connect-ok");
    // The data connection: two Binding messages (the flow is then known), the bind, data.
    let mut d = cap.tcp_open(sa([10, 8, 0, 2], 42001), server);
    cap.tcp_send(
        &mut d,
        Dir::C2S,
        &msg("Binding", Class::Request, tid(2)).finish(),
    );
    let m = msg("Binding", Class::SuccessResponse, tid(2)).finish();
    cap.tcp_send(&mut d, Dir::S2C, &m);
    let m = msg("ConnectionBind", Class::Request, tid(3))
        .attr_u32(attr(Role::ConnectionId), CONNECT_CID)
        .finish();
    cap.tcp_send(&mut d, Dir::C2S, &m);
    cap.label("bind");
    let m = msg("ConnectionBind", Class::SuccessResponse, tid(3)).finish();
    cap.tcp_send(&mut d, Dir::S2C, &m);
    cap.label("bind-ok");
    cap.tcp_send(&mut d, Dir::C2S, b"GET / HTTP/1.0\r\n\r\n");
    cap.label("data-out");
    cap.tcp_send(&mut d, Dir::S2C, b"HTTP/1.0 204 No Content\r\n\r\n");
    cap.label("data-in");
    let fx = Fixture {
        name: "stun-before-bind",
        pcapng: cap.to_pcapng(),
        labels: cap.labels().clone(),
        frames: cap.len(),
    };
    // One pass and two: the bind and the data connection's bytes link to the Connect
    // response (with two passes, so do the messages before the bind), nothing is malformed.
    for two in [false, true] {
        let run = Run::new(&fx, &["-d", "tcp.port==3478,msstun"]);
        let mut args = vec![
            "-Y",
            "msstun.tcp_data.connect_in || _ws.malformed || _ws.expert.severity >= warning",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "msstun.tcp_data.connect_in",
        ];
        if two {
            args.push("-2");
        }
        let out = run.raw(&args);
        let rows: Vec<&str> = out.lines().collect();
        let linked = |l: &str| format!("{}\t{}", fx.frame(l), fx.frame("connect-ok"));
        let want: Vec<String> = ["bind", "bind-ok", "data-out", "data-in"]
            .iter()
            .map(|l| linked(l))
            .collect();
        assert!(rows.len() >= 4, "two passes: {two}: {out}");
        assert_eq!(rows[rows.len() - 4..], want, "two passes: {two}: {out}");
        assert!(
            rows.iter()
                .all(|r| r.ends_with(&format!("\t{}", fx.frame("connect-ok")))),
            "two passes: {two}: {out}"
        );
    }
}
