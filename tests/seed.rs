//! The seed walkthrough end to end: TCP TURN control connection (401 → Allocate success →
//! Refresh → ConnectionAttempt) and the RFC 6062 data connection (ConnectionBind, then
//! RFC 4571-framed ICE checks and media), decoded by msstun with Decode As on port 3478.

mod common;
use common::*;
use msstun_fixtures::scenarios::seed_consts::*;

fn seed_run() -> (Fixture, Run) {
    let fx = fixture("seed");
    let run = Run::new(
        &fx,
        &[
            "-d",
            "tcp.port==3478,msstun",
            "-o",
            &cred(USER, REALM, PASSWORD),
            "-o",
            &cred(ICE_USER_IN, "", ICE_PWD_CMS),
            "-o",
            &cred(ICE_USER_OUT, "", ICE_PWD_PEER),
        ],
    );
    (fx, run)
}

const STUN_LABELS: &[&str] = &[
    "alloc-req",
    "alloc-401",
    "alloc-auth",
    "alloc-ok",
    "refresh",
    "refresh-ok",
    "connection-attempt",
    "connection-bind",
    "connection-bind-ok",
    "ice-req-in",
    "ice-resp-out",
    "ice-req-out",
    "ice-resp-in",
    "keepalive",
];

#[test]
fn seed_every_stun_message_and_nothing_else() {
    let (fx, run) = seed_run();
    let mut expected: Vec<u32> = STUN_LABELS.iter().map(|l| fx.frame(l)).collect();
    expected.sort();
    assert_eq!(run.frames("msstun.type"), expected);
}

#[test]
fn seed_header_fields() {
    let (fx, run) = seed_run();
    let rows = run.fields(
        Some("msstun.type"),
        &[
            "msstun.method",
            "msstun.class",
            "msstun.dialect",
            "msstun.framing",
            "_ws.col.Protocol",
        ],
    );
    // (label, method, class, framing)
    let want: &[(&str, u64, u64, u64)] = &[
        ("alloc-req", 0x003, REQUEST, FR_PLAIN_TCP),
        ("alloc-401", 0x003, ERROR, FR_PLAIN_TCP),
        ("alloc-auth", 0x003, REQUEST, FR_PLAIN_TCP),
        ("alloc-ok", 0x003, SUCCESS, FR_PLAIN_TCP),
        ("refresh", 0x004, REQUEST, FR_PLAIN_TCP),
        ("refresh-ok", 0x004, SUCCESS, FR_PLAIN_TCP),
        ("connection-attempt", 0x00c, INDICATION, FR_PLAIN_TCP),
        ("connection-bind", 0x00b, REQUEST, FR_PLAIN_TCP),
        ("connection-bind-ok", 0x00b, SUCCESS, FR_PLAIN_TCP),
        ("ice-req-in", 0x001, REQUEST, FR_RFC4571),
        ("ice-resp-out", 0x001, SUCCESS, FR_RFC4571),
        ("ice-req-out", 0x001, REQUEST, FR_RFC4571),
        ("ice-resp-in", 0x001, SUCCESS, FR_RFC4571),
        ("keepalive", 0x001, INDICATION, FR_PLAIN_TCP),
    ];
    for &(label, method, class, framing) in want {
        let r = &rows[&fx.frame(label)];
        assert_eq!(nums(&r[0]), vec![method], "{label}: msstun.method");
        assert_eq!(nums(&r[1]), vec![class], "{label}: msstun.class");
        assert_eq!(nums(&r[2]), vec![RFC5389], "{label}: msstun.dialect");
        assert_eq!(nums(&r[3]), vec![framing], "{label}: msstun.framing");
        assert_eq!(r[4], vec!["MSSTUN".to_string()], "{label}: Protocol column");
    }
}

#[test]
fn seed_info_column_reads_like_the_walkthrough() {
    let (fx, run) = seed_run();
    let rows = run.fields(Some("msstun.type"), &["_ws.col.Info"]);
    let info = |l: &str| rows[&fx.frame(l)][0].join(",");
    assert_eq!(info("alloc-req"), "Allocate Request TCP lifetime: 600");
    assert_eq!(info("alloc-401"), "Allocate Error Response error-code: 401 (Unauthenticated) with nonce realm: TANDBERG lifetime: 600");
    assert_eq!(
        info("alloc-auth"),
        "Allocate Request TCP lifetime: 600 user: turn realm: TANDBERG with nonce"
    );
    assert_eq!(
        info("alloc-ok"),
        "Allocate Success Response lifetime: 600 XOR-RELAYED-ADDRESS: 10.48.54.229:24000 XOR-MAPPED-ADDRESS: 10.48.54.230:44340"
    );
    assert_eq!(
        info("refresh"),
        "Refresh Request user: turn realm: TANDBERG with nonce lifetime: 600"
    );
    assert_eq!(info("refresh-ok"), "Refresh Success Response lifetime: 600");
    assert_eq!(
        info("connection-attempt"),
        "ConnectionAttempt Indication XOR-PEER-ADDRESS: 192.168.1.252:53577"
    );
    assert_eq!(
        info("connection-bind"),
        "ConnectionBind Request user: turn realm: TANDBERG with nonce"
    );
    assert_eq!(
        info("connection-bind-ok"),
        "ConnectionBind Success Response"
    );
    assert_eq!(info("ice-req-in"), "Binding Request user: MRAv:a9Xy");
    assert_eq!(
        info("ice-resp-in"),
        "Binding Success Response XOR-MAPPED-ADDRESS: 10.48.54.229:24000"
    );
    assert_eq!(info("keepalive"), "Binding Indication");
}

#[test]
fn seed_control_connection_attributes() {
    let (fx, run) = seed_run();
    let f = |l: &str, field: &str| run.get(fx.frame(l), field);
    assert_eq!(
        nums(&f("alloc-req", "msstun.att.requested_transport")),
        vec![6]
    );
    assert_eq!(nums(&f("alloc-req", "msstun.att.lifetime")), vec![600]);
    assert_eq!(
        nums(&f("alloc-401", "msstun.att.error_code.code")),
        vec![401]
    );
    assert_eq!(
        f("alloc-401", "msstun.att.error_code.reason"),
        vec!["Unauthorized"]
    );
    assert_eq!(f("alloc-401", "msstun.att.realm"), vec![REALM]);
    assert_eq!(f("alloc-401", "msstun.att.nonce"), vec![NONCE]);
    assert_eq!(f("alloc-auth", "msstun.att.username"), vec![USER]);
    assert_eq!(
        f("alloc-ok", "msstun.att.xor_relayed_address.ipv4"),
        vec!["10.48.54.229"]
    );
    assert_eq!(
        nums(&f("alloc-ok", "msstun.att.xor_relayed_address.port")),
        vec![u64::from(RELAY_PORT)]
    );
    assert_eq!(
        f("alloc-ok", "msstun.att.xor_mapped_address.ipv4"),
        vec!["10.48.54.230"]
    );
    assert_eq!(
        nums(&f("alloc-ok", "msstun.att.xor_mapped_address.port")),
        vec![u64::from(CONTROL_PORT)]
    );
    assert_eq!(
        nums(&f("alloc-ok", "msstun.att.xor_mapped_address.family")),
        vec![1]
    );
    assert_eq!(
        f("connection-attempt", "msstun.att.xor_peer_address.ipv4"),
        vec!["192.168.1.252"]
    );
    assert_eq!(
        nums(&f("connection-attempt", "msstun.att.xor_peer_address.port")),
        vec![u64::from(PEER_PORT)]
    );
    assert_eq!(
        nums(&f("connection-attempt", "msstun.att.connection_id")),
        vec![u64::from(CONNECTION_ID)]
    );
    assert_eq!(
        nums(&f("connection-bind", "msstun.att.connection_id")),
        vec![u64::from(CONNECTION_ID)]
    );
}

#[test]
fn seed_transactions_link_requests_and_responses() {
    let (fx, run) = seed_run();
    let rows = run.fields(
        Some("msstun.type"),
        &["msstun.response_in", "msstun.response_to"],
    );
    let pairs = [
        ("alloc-req", "alloc-401"),
        ("alloc-auth", "alloc-ok"),
        ("refresh", "refresh-ok"),
        ("connection-bind", "connection-bind-ok"),
        ("ice-req-in", "ice-resp-out"),
        ("ice-req-out", "ice-resp-in"),
    ];
    for (req, resp) in pairs {
        let (q, p) = (fx.frame(req), fx.frame(resp));
        assert_eq!(
            nums(&rows[&q][0]),
            vec![u64::from(p)],
            "{req}: msstun.response_in"
        );
        assert_eq!(
            nums(&rows[&p][1]),
            vec![u64::from(q)],
            "{resp}: msstun.response_to"
        );
    }
    let times = run.fields(Some("msstun.time"), &["msstun.time"]);
    // alloc-auth → alloc-ok: 115 ms wait + one 0.5 ms frame step.
    assert_eq!(times[&fx.frame("alloc-ok")][0], vec!["0.115500000"]);
    // Indications are not transactions.
    assert!(rows[&fx.frame("connection-attempt")][0].is_empty());
    assert!(rows[&fx.frame("keepalive")][0].is_empty());
}

#[test]
fn seed_allocation_is_tracked_on_the_control_connection() {
    let (fx, run) = seed_run();
    let ok = u64::from(fx.frame("alloc-ok"));
    for l in ["refresh", "refresh-ok", "connection-attempt", "keepalive"] {
        assert_eq!(
            nums(&run.get(fx.frame(l), "msstun.allocation")),
            vec![ok],
            "{l}: msstun.allocation"
        );
        assert_eq!(
            run.get(fx.frame(l), "msstun.allocation.relayed.ipv4"),
            vec!["10.48.54.229"],
            "{l}"
        );
        assert_eq!(
            nums(&run.get(fx.frame(l), "msstun.allocation.relayed.port")),
            vec![u64::from(RELAY_PORT)],
            "{l}"
        );
    }
}

#[test]
fn seed_message_integrity_good_with_credentials() {
    let (fx, run) = seed_run();
    let rows = run.fields(
        Some("msstun.att.message_integrity.status"),
        &["msstun.att.message_integrity.status"],
    );
    let with_mi = [
        "alloc-auth",
        "alloc-ok",
        "refresh",
        "refresh-ok",
        "connection-bind",
        "connection-bind-ok",
        "ice-req-in",
        "ice-resp-out",
        "ice-req-out",
        "ice-resp-in",
    ];
    let mut frames: Vec<u32> = with_mi.iter().map(|l| fx.frame(l)).collect();
    frames.sort();
    assert_eq!(rows.keys().copied().collect::<Vec<_>>(), frames);
    for l in with_mi {
        assert_eq!(
            nums(&rows[&fx.frame(l)][0]),
            vec![GOOD],
            "{l}: MESSAGE-INTEGRITY status"
        );
    }
    let fp = run.fields(
        Some("msstun.att.fingerprint.status"),
        &["msstun.att.fingerprint.status"],
    );
    for l in [
        "ice-req-in",
        "ice-resp-out",
        "ice-req-out",
        "ice-resp-in",
        "keepalive",
    ] {
        assert_eq!(
            nums(&fp[&fx.frame(l)][0]),
            vec![GOOD],
            "{l}: FINGERPRINT status"
        );
    }
}

#[test]
fn seed_message_integrity_unverified_without_credentials() {
    let fx = fixture("seed");
    let run = Run::new(&fx, &["-d", "tcp.port==3478,msstun"]);
    let rows = run.fields(
        Some("msstun.att.message_integrity.status"),
        &["msstun.att.message_integrity.status"],
    );
    assert_eq!(rows.len(), 10);
    for (f, r) in rows {
        assert_eq!(nums(&r[0]), vec![UNVERIFIED], "frame {f}");
    }
}

#[test]
fn seed_ice_checks_on_the_data_connection() {
    let (fx, run) = seed_run();
    let req = fx.frame("ice-req-in");
    assert_eq!(run.get(req, "msstun.att.username"), vec![ICE_USER_IN]);
    assert_eq!(
        nums(&run.get(req, "msstun.att.priority")),
        vec![u64::from(PRIORITY)]
    );
    assert_eq!(
        nums(&run.get(req, "msstun.att.ice_controlling")),
        vec![0x1c3d_5e7f_9a0b_2c4d]
    );
    assert_eq!(
        nums(&run.get(req, "msstun.att.ms_implementation_version")),
        vec![2]
    );
    assert_eq!(
        run.get(req, "msstun.att.ms_candidate_identifier"),
        vec!["2a7f"]
    );
    // USERNAME 16 + PRIORITY 8 + ICE-CONTROLLING 12 + 0x8054 8 + 0x8070 8 + MI 24 + FP 8
    assert_eq!(nums(&run.get(req, "msstun.length")), vec![84]);
    assert_eq!(nums(&run.get(req, "msstun.framing.length")), vec![104]);
    let resp = fx.frame("ice-resp-out");
    assert_eq!(
        run.get(resp, "msstun.att.xor_mapped_address.ipv4"),
        vec!["192.168.1.252"]
    );
    assert_eq!(
        nums(&run.get(resp, "msstun.att.xor_mapped_address.port")),
        vec![u64::from(PEER_PORT)]
    );
}

#[test]
fn seed_data_connection_is_linked_to_the_connection_attempt() {
    let (fx, run) = seed_run();
    let attempt = u64::from(fx.frame("connection-attempt"));
    let bind = u64::from(fx.frame("connection-bind"));
    let bound = u64::from(fx.frame("connection-bind-ok"));
    let fields = [
        "msstun.tcp_data.connection_id",
        "msstun.tcp_data.peer.ipv4",
        "msstun.tcp_data.peer.port",
        "msstun.tcp_data.attempt_in",
        "msstun.tcp_data.bind_in",
    ];
    let rows = run.fields(None, &fields);
    for l in [
        "ice-req-in",
        "ice-resp-out",
        "ice-req-out",
        "ice-resp-in",
        "media-in",
        "media-out",
    ] {
        let r = &rows[&fx.frame(l)];
        assert_eq!(
            nums(&r[0]),
            vec![u64::from(CONNECTION_ID)],
            "{l}: connection_id"
        );
        assert_eq!(r[1], vec!["192.168.1.252"], "{l}: peer.ipv4");
        assert_eq!(nums(&r[2]), vec![u64::from(PEER_PORT)], "{l}: peer.port");
        assert_eq!(nums(&r[3]), vec![attempt], "{l}: attempt_in");
        assert_eq!(nums(&r[4]), vec![bind], "{l}: bind_in");
    }
    // The control connection's frames are not data-connection frames.
    for l in ["alloc-req", "alloc-ok", "refresh"] {
        assert!(
            rows[&fx.frame(l)][0].is_empty(),
            "{l} must not carry msstun.tcp_data"
        );
    }
    assert_eq!(
        nums(&run.get(attempt as u32, "msstun.tcp_data.bound_in")),
        vec![bound]
    );
}

#[test]
fn seed_media_is_relayed_data_not_stun() {
    let (fx, run) = seed_run();
    for l in ["media-in", "media-out"] {
        let f = fx.frame(l);
        assert!(
            run.get(f, "msstun.type").is_empty(),
            "{l}: media decoded as STUN"
        );
        assert_eq!(
            nums(&run.get(f, "msstun.tcp_data.connection_id")),
            vec![u64::from(CONNECTION_ID)],
            "{l}"
        );
    }
}

#[test]
fn seed_same_tree_in_one_pass_and_two_passes() {
    let (_fx, run) = seed_run();
    let fields = [
        "msstun.type",
        "msstun.tcp_data.connection_id",
        "msstun.tcp_data.attempt_in",
        "msstun.tcp_data.bind_in",
        "msstun.allocation",
        "msstun.att.message_integrity.status",
    ];
    let two = run.fields(None, &fields);
    let mut args = vec!["-T", "fields", "-E", "occurrence=a", "-e", "frame.number"];
    for f in &fields {
        args.push("-e");
        args.push(f);
    }
    let one = run.raw(&args);
    let one: Vec<String> = one.lines().map(|l| l.replace(',', "\u{1f}")).collect();
    let two: Vec<String> = two
        .iter()
        .map(|(n, r)| {
            let mut s = n.to_string();
            for c in r {
                s.push('\t');
                s.push_str(&c.join("\u{1f}"));
            }
            s
        })
        .collect();
    assert_eq!(one, two);
}
