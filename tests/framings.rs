//! Every framing and both dialects, found by the heuristics on non-standard ports
//! (plain TCP + ChannelData, RFC 4571, [MS-TURN] TCP framing, pseudo-TLS, UDP), and
//! Decode As / --disable-heuristic behaviour.

mod common;
use common::*;

fn heuristic_run(name: &str) -> (Fixture, Run) {
    let fx = fixture(name);
    let run = Run::new(&fx, &[]);
    (fx, run)
}

#[test]
fn plugin_is_loaded_and_registered() {
    let sb = Sandbox::new(true);
    let plugins = sb.tshark_ok(&["-G", "plugins"]);
    assert!(
        plugins.lines().any(|l| l.starts_with("msstun.so")),
        "msstun.so not in tshark -G plugins:\n{plugins}"
    );
    let protos = sb.tshark_ok(&["-G", "protocols"]);
    assert!(
        protos
            .lines()
            .any(|l| l.split('\t').take(3).collect::<Vec<_>>() == ["MS-STUN", "MSSTUN", "msstun"]),
        "protocol MS-STUN/MSSTUN/msstun not registered"
    );
    let heur = sb.tshark_ok(&["-G", "heuristic-decodes"]);
    // `-G heuristic-decodes` lists parent, protocol filter name and enabled flag (4.2+ adds
    // more columns after those).
    for parent in ["tcp", "udp"] {
        assert!(
            heur.lines()
                .any(|l| l.split('\t').take(3).collect::<Vec<_>>() == [parent, "msstun", "T"]),
            "heuristic on {parent} missing or disabled:\n{heur}"
        );
    }
}

#[test]
fn plain_tcp_turn_with_channel_data() {
    let (fx, run) = heuristic_run("plain-tcp");
    let rows = run.fields(
        None,
        &[
            "msstun.method",
            "msstun.class",
            "msstun.framing",
            "msstun.dialect",
            "msstun.channel",
            "msstun.channel.length",
        ],
    );
    let r = |l: &str| &rows[&fx.frame(l)];
    assert_eq!(nums(&r("alloc-req")[0]), vec![3]);
    assert_eq!(nums(&r("alloc-req")[2]), vec![FR_PLAIN_TCP]);
    assert_eq!(nums(&r("alloc-req")[3]), vec![RFC5389]);
    assert_eq!(nums(&r("alloc-ok")[1]), vec![SUCCESS]);
    assert_eq!(nums(&r("chbind-req")[0]), vec![9]);
    assert_eq!(nums(&r("chbind-ok")[1]), vec![SUCCESS]);
    // ChannelData only.
    assert!(r("chdata-out")[0].is_empty());
    assert_eq!(nums(&r("chdata-out")[4]), vec![0x4000]);
    assert_eq!(nums(&r("chdata-out")[5]), vec![5]);
    assert_eq!(nums(&r("chdata-in")[4]), vec![0x4000]);
    assert_eq!(nums(&r("chdata-in")[5]), vec![8]);
    // ChannelData then a Refresh request in one segment.
    assert_eq!(nums(&r("chdata-refresh")[4]), vec![0x4000]);
    assert_eq!(nums(&r("chdata-refresh")[5]), vec![3]);
    assert_eq!(nums(&r("chdata-refresh")[0]), vec![4]);
    assert_eq!(nums(&r("chdata-refresh")[1]), vec![REQUEST]);
    assert_eq!(
        run.get(fx.frame("chdata-out"), "msstun.channel.data"),
        vec!["68656c6c6f"]
    );
    assert_eq!(
        run.get(fx.frame("alloc-req"), "msstun.att.software"),
        vec!["fixture client"]
    );
    assert_eq!(
        nums(&run.get(fx.frame("alloc-req"), "msstun.att.requested_transport")),
        vec![17]
    );
    assert_eq!(
        nums(&run.get(fx.frame("chbind-req"), "msstun.att.channel_number")),
        vec![0x4000]
    );
    assert_eq!(
        run.get(fx.frame("chbind-req"), "msstun.att.xor_peer_address.ipv4"),
        vec!["10.0.0.3"]
    );
    assert_eq!(
        nums(&run.get(fx.frame("chbind-req"), "msstun.att.xor_peer_address.port")),
        vec![6000]
    );
    assert_eq!(
        nums(&run.get(fx.frame("refresh-ok"), "msstun.response_to")),
        vec![u64::from(fx.frame("chdata-refresh"))]
    );
}

#[test]
fn rfc4571_ice_tcp() {
    let (fx, run) = heuristic_run("rfc4571");
    let req = fx.frame("req");
    let resp = fx.frame("resp");
    assert_eq!(run.frames("msstun.type"), vec![req, resp]);
    assert_eq!(nums(&run.get(req, "msstun.framing")), vec![FR_RFC4571]);
    assert_eq!(
        nums(&run.get(req, "msstun.framing.length")),
        vec![20 + 16 + 8 + 12 + 4 + 8]
    );
    assert_eq!(
        nums(&run.get(req, "msstun.att.priority")),
        vec![1_845_501_695]
    );
    assert_eq!(nums(&run.get(req, "msstun.att.ice_controlling")), vec![42]);
    assert_eq!(
        nums(&run.get(req, "msstun.att.fingerprint.status")),
        vec![GOOD]
    );
    assert_eq!(
        nums(&run.get(req, "msstun.response_in")),
        vec![u64::from(resp)]
    );
    assert_eq!(
        run.get(resp, "msstun.att.xor_mapped_address.ipv4"),
        vec!["10.0.2.1"]
    );
    assert_eq!(
        nums(&run.get(resp, "msstun.att.xor_mapped_address.port")),
        vec![50100]
    );
}

fn check_ms_turn_allocate(fx: &Fixture, run: &Run, framing: u64) {
    let (req, ok) = (fx.frame("alloc-req"), fx.frame("alloc-ok"));
    let rows = run.fields(
        Some("msstun.type"),
        &[
            "msstun.dialect",
            "msstun.framing",
            "msstun.method",
            "msstun.class",
            "msstun.transaction_id",
            "msstun.ms_tcp.type",
        ],
    );
    for f in [req, ok] {
        assert_eq!(nums(&rows[&f][0]), vec![MS_TURN], "frame {f}: dialect");
        assert_eq!(nums(&rows[&f][1]), vec![framing], "frame {f}: framing");
        assert_eq!(nums(&rows[&f][2]), vec![3], "frame {f}: method");
        assert_eq!(rows[&f][4].len(), 1);
        assert_eq!(
            rows[&f][4][0].len(),
            32,
            "frame {f}: 128-bit transaction id"
        );
        assert_eq!(
            nums(&rows[&f][5]),
            vec![2],
            "frame {f}: MS-TURN frame type control"
        );
    }
    assert!(rows[&req][4][0].starts_with(&format!(
        "4d53{:04x}",
        if framing == FR_MS_TCP { 300 } else { 400 }
    )));
    assert_eq!(nums(&rows[&req][3]), vec![REQUEST]);
    assert_eq!(nums(&rows[&ok][3]), vec![SUCCESS]);
    assert_eq!(
        nums(&run.get(req, "msstun.att.magic_cookie")),
        vec![0x72c6_4bc6]
    );
    assert_eq!(nums(&run.get(req, "msstun.att.ms_version")), vec![1]);
    assert_eq!(nums(&run.get(req, "msstun.att.lifetime")), vec![480]);
    assert_eq!(
        run.get(ok, "msstun.att.mapped_address.ipv4"),
        vec!["10.0.3.2"]
    );
    assert_eq!(
        nums(&run.get(ok, "msstun.att.mapped_address.port")),
        vec![50000]
    );
    assert_eq!(
        nums(&run.get(ok, "msstun.response_to")),
        vec![u64::from(req)]
    );
}

#[test]
fn ms_turn_dialect_with_ms_tcp_framing() {
    let (fx, run) = heuristic_run("ms-turn-tcp");
    check_ms_turn_allocate(&fx, &run, FR_MS_TCP);
    let send = fx.frame("send");
    assert_eq!(nums(&run.get(send, "msstun.method")), vec![4]);
    assert_eq!(nums(&run.get(send, "msstun.dialect")), vec![MS_TURN]);
    assert_eq!(run.get(send, "msstun.att.data"), vec!["7061796c6f6164"]);
    let e2e = fx.frame("e2e-data");
    assert!(run.get(e2e, "msstun.type").is_empty());
    assert_eq!(nums(&run.get(e2e, "msstun.ms_tcp.type")), vec![3]);
    assert_eq!(nums(&run.get(e2e, "msstun.framing.length")), vec![17]);
}

#[test]
fn pseudo_tls_then_ms_turn() {
    let (fx, run) = heuristic_run("pseudo-tls");
    assert_eq!(
        run.frames("msstun.pseudo_tls"),
        vec![fx.frame("client-hello"), fx.frame("server-hello")]
    );
    check_ms_turn_allocate(&fx, &run, FR_PSEUDO_TLS);
    assert!(
        run.frames("tls").is_empty(),
        "pseudo-TLS records must not be left to the TLS dissector"
    );
}

#[test]
fn udp_stun_turn_channel_data_and_ms_turn() {
    let (fx, run) = heuristic_run("udp");
    let rows = run.fields(
        None,
        &[
            "msstun.method",
            "msstun.class",
            "msstun.dialect",
            "msstun.framing",
            "msstun.channel",
        ],
    );
    let r = |l: &str| &rows[&fx.frame(l)];
    for (l, m, c, d) in [
        ("binding-req", 1, REQUEST, RFC5389),
        ("binding-ok", 1, SUCCESS, RFC5389),
        ("ms-alloc-req", 3, REQUEST, MS_TURN),
        ("ms-alloc-ok", 3, SUCCESS, MS_TURN),
        ("alloc-req", 3, REQUEST, RFC5389),
        ("alloc-ok", 3, SUCCESS, RFC5389),
        ("chbind-req", 9, REQUEST, RFC5389),
        ("chbind-ok", 9, SUCCESS, RFC5389),
    ] {
        assert_eq!(nums(&r(l)[0]), vec![m], "{l}: method");
        assert_eq!(nums(&r(l)[1]), vec![c], "{l}: class");
        assert_eq!(nums(&r(l)[2]), vec![d], "{l}: dialect");
        assert_eq!(nums(&r(l)[3]), vec![FR_UDP], "{l}: framing");
    }
    assert!(r("chdata")[0].is_empty());
    assert_eq!(nums(&r("chdata")[4]), vec![0x4001]);
    assert_eq!(
        nums(&run.get(fx.frame("chdata"), "msstun.channel.length")),
        vec![16]
    );
    let ok = fx.frame("binding-ok");
    assert_eq!(
        run.get(ok, "msstun.att.xor_mapped_address.ipv4"),
        vec!["203.0.113.7"]
    );
    assert_eq!(
        nums(&run.get(ok, "msstun.att.xor_mapped_address.port")),
        vec![61000]
    );
    assert_eq!(
        nums(&run.get(ok, "msstun.att.fingerprint.status")),
        vec![GOOD]
    );
    assert_eq!(
        run.get(fx.frame("binding-req"), "msstun.att.software"),
        vec!["fixture"]
    );
}

#[test]
fn udp_retransmitted_request_and_response_time() {
    let (fx, run) = heuristic_run("udp");
    let (req, retx, ok) = (
        fx.frame("binding-req"),
        fx.frame("binding-retx"),
        fx.frame("binding-ok"),
    );
    let rows = run.fields(
        Some("msstun"),
        &[
            "msstun.response_in",
            "msstun.response_to",
            "msstun.retransmission_of",
            "msstun.time",
        ],
    );
    assert_eq!(run.frames("msstun.retransmission"), vec![retx]);
    assert_eq!(nums(&rows[&retx][2]), vec![u64::from(req)]);
    assert_eq!(nums(&rows[&req][0]), vec![u64::from(ok)]);
    assert_eq!(nums(&rows[&ok][1]), vec![u64::from(req)]);
    // Response time is measured from the first request: 100 ms + 2 × 0.5 ms frame steps.
    assert_eq!(rows[&ok][3], vec!["0.101000000"]);
}

#[test]
fn port_preference_claims_3478_without_decode_as() {
    let fx = fixture("seed");
    // By default msstun owns 3478, and the data connection's ICE checks are msstun's too.
    let run = Run::new(&fx, &[]);
    assert!(run.frames("msstun.type").contains(&fx.frame("alloc-req")));
    assert!(run.frames("msstun.type").contains(&fx.frame("ice-req-in")));
    assert!(run.frames("stun").is_empty());
    // Given back, the port is the built-in stun's; listed again, msstun's.
    let run = Run::new(&fx, &["-o", "msstun.tcp_ports:"]);
    assert!(run.frames("stun.type").contains(&fx.frame("alloc-req")));
    let run = Run::new(
        &fx,
        &[
            "-o",
            "msstun.take_ports:FALSE",
            "-o",
            "msstun.take_ports:TRUE",
        ],
    );
    assert!(run.frames("msstun.type").contains(&fx.frame("alloc-req")));
}

#[test]
fn decode_as_claims_port_3478_and_heuristics_can_be_disabled() {
    let fx = fixture("seed");
    // With the ports given back the built-in stun owns 3478 (it runs first, by port).
    let run = Run::new(&fx, &["-o", "msstun.take_ports:FALSE"]);
    let stun = run.frames("stun.type");
    assert!(stun.contains(&fx.frame("alloc-req")));
    assert!(!run.frames("msstun.type").contains(&fx.frame("alloc-req")));
    // With Decode As msstun takes it.
    let run = Run::new(
        &fx,
        &[
            "-o",
            "msstun.take_ports:FALSE",
            "-d",
            "tcp.port==3478,msstun",
        ],
    );
    assert!(run.frames("msstun.type").contains(&fx.frame("alloc-req")));
    assert!(!run.frames("stun").contains(&fx.frame("alloc-req")));
    // And Decode As gives it to stun while msstun owns it.
    let run = Run::new(&fx, &["-d", "tcp.port==3478,stun"]);
    assert!(run.frames("stun.type").contains(&fx.frame("alloc-req")));

    let fx = fixture("plain-tcp");
    let run = Run::new(&fx, &["--disable-heuristic", "msstun_tcp"]);
    assert!(run.frames("msstun").is_empty());
    let fx = fixture("udp");
    let run = Run::new(&fx, &["--disable-heuristic", "msstun_udp"]);
    // 19302 is not a stun port for Wireshark 4.0 either: nothing decodes it as msstun.
    assert!(run.frames("msstun").is_empty());
}
