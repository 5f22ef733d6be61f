//! Parity with Wireshark's own dissectors (issue 14, item 4): over every capture the
//! project keeps (every generated scenario, the real-client-shaped ones included, the
//! bundled example and the real-client captures under `tests/captures/`, e.g. a WebRTC
//! stack's ICE and TURN from `scripts/capture-webrtc-ice.sh`), every frame that the built-in `stun` or `classicstun` decodes
//! (tshark run without the plugin) is decoded by msstun (run with it, default
//! settings) — in the `mutants` scenario unless TCP holds it for a PDU msstun asked for
//! that the capture never completes; the Teams messages additionally decode without a Malformed item, in
//! dialect 4, with their 32-byte MESSAGE-INTEGRITY verified from the credentials UAT.
//!
//! msstun runs with default settings — no Decode As, the built-in `stun` and
//! `classicstun` loaded and enabled — so this also proves that msstun owns the STUN ports
//! and keeps the flows it decodes.

mod common;
use common::*;
use msstun_fixtures::clients::teams_consts;

/// msstun runs use default settings: no Decode As, the built-in `stun` loaded and enabled.
fn msstun_opts() -> Vec<&'static str> {
    vec![]
}

/// Every scenario name (the benchmark ones small).
fn scenarios() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = msstun_fixtures::SCENARIOS
        .iter()
        .chain(msstun_fixtures::followups::SCENARIOS)
        .chain(msstun_fixtures::clients::SCENARIOS)
        .chain(msstun_fixtures::media::SCENARIOS)
        .map(|(n, _)| *n)
        .collect();
    v.extend(["bench", "nostun"]);
    v
}

/// Frames the built-in dissectors decode, frames msstun decodes, and (with `mutants`) frames
/// TCP holds for a PDU msstun asked for that the capture never completes (see
/// [`never_completed`]).
fn both(path: &std::path::Path, extra: &[&str], mutants: bool) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let builtin = Run::from_file_with(path, &[], false).frames("stun || classicstun");
    let mut opts = msstun_opts();
    opts.extend_from_slice(extra);
    let run = Run::from_file(path, &opts);
    let held = if mutants {
        never_completed(&run)
    } else {
        Vec::new()
    };
    (builtin, run.frames("msstun"), held)
}

/// Frames whose bytes TCP holds, at msstun's request, for a PDU that the connection never
/// completes: segments kept for reassembly (`tcp.segment_data`) never reassembled. No
/// dissector that reassembles can show such a PDU. The built-in `stun` decodes one only when
/// its framing has drifted off the message boundaries: in the `mutants` scenario (broken
/// lengths on purpose) a message with a broken length desynchronises it, and it reads a
/// frame whose own header announces more bytes than the connection still carries as
/// ChannelData from the garbage before it. Asked of that scenario only.
fn never_completed(run: &Run) -> Vec<u32> {
    run.frames("tcp.segment_data && !tcp.reassembled_in && !msstun")
}

#[test]
fn msstun_decodes_every_frame_stun_or_classicstun_decodes() {
    let dir = tempdir();
    let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
    for name in scenarios() {
        let fx = msstun_fixtures::build(name, 40).expect("scenario");
        let p = dir.join(format!("{name}.pcapng"));
        std::fs::write(&p, &fx.pcapng).unwrap();
        files.push((name.to_string(), p));
    }
    // Every capture file kept in the repository (the bundled example, captures of real
    // clients kept under tests/).
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut kept = Vec::new();
    for d in ["examples", "tests"] {
        captures_under(&root.join(d), &mut kept);
    }
    for want in [
        "examples/seed-tcp-turn.pcapng",
        // A WebRTC stack's ICE + TURN (aioice against coturn on 3478, ChannelData):
        // scripts/capture-webrtc-ice.sh.
        "tests/captures/webrtc-aioice.pcapng",
    ] {
        assert!(kept.iter().any(|p| p.ends_with(want)), "{want} missing");
    }
    for p in kept {
        let name = p.strip_prefix(root).unwrap_or(&p).display().to_string();
        files.push((name, p));
    }
    let mut missing = Vec::new();
    let mut total = 0;
    for (name, p) in &files {
        let (builtin, ours, held) = both(p, &[], name == "mutants");
        total += builtin.len();
        let lost: Vec<u32> = builtin
            .iter()
            .copied()
            .filter(|f| ours.binary_search(f).is_err() && held.binary_search(f).is_err())
            .collect();
        if !lost.is_empty() {
            missing.push(format!("{name}: frames {lost:?}"));
        }
    }
    assert!(
        total > 100,
        "only {total} built-in frames: the baseline is broken"
    );
    assert!(
        missing.is_empty(),
        "built-in stun/classicstun decodes frames msstun does not:\n{}",
        missing.join("\n")
    );
}

#[test]
fn teams_decodes_as_its_own_dialect_without_malformed() {
    use teams_consts::*;
    let fx = fixture("teams");
    let dir = tempdir();
    let p = dir.join("teams.pcapng");
    std::fs::write(&p, &fx.pcapng).unwrap();
    // The built-in stun shows Malformed on some of these: the yardstick for "real".
    let builtin = Run::from_file_with(&p, &[], false);
    assert!(!builtin.frames("_ws.malformed").is_empty());

    let mut opts = msstun_opts();
    let c = cred(USER, REALM, PASSWORD);
    opts.extend(["-o", c.as_str()]);
    let run = Run::from_file(&p, &opts);
    let all: Vec<u32> = (1..=fx.frames).collect();
    assert_eq!(run.frames("msstun"), all);
    assert_eq!(run.frames("msstun.dialect == 4"), all);
    assert_eq!(
        run.frames("_ws.malformed || msstun.expert.malformed || msstun.expert.bad_value || msstun.expert.unknown_required"),
        Vec::<u32>::new()
    );
    let rows = run.fields(
        None,
        &[
            "_ws.col.Info",
            "msstun.att.realm",
            "msstun.att.nonce",
            "msstun.att.message_integrity.status",
            "msstun.att.type",
        ],
    );
    let row = |l: &str| &rows[&fx.frame(l)];
    for (f, r) in &rows {
        assert!(r[0][0].contains("[MS-TURN/5389]"), "frame {f}: {:?}", r[0]);
    }
    assert_eq!(row("alloc-401")[1], [REALM]);
    assert_eq!(row("alloc-401")[2], [NONCE]);
    // 32-byte MESSAGE-INTEGRITY (HMAC-SHA256): Good on the request and its response.
    for l in ["alloc-auth", "alloc-ok", "send"] {
        assert_eq!(nums(&row(l)[3])[0], 1, "{l}");
    }
    // The Send's DATA holds an ICE check, decoded by msstun too (its short-term integrity
    // unverified: no ICE password given).
    assert_eq!(nums(&row("send")[3]), [1, 2]);
    // 0x8006 shown raw under its code.
    assert!(row("alloc-auth")[4].iter().any(|t| num(t) == 0x8006));
    // With a wrong password the same HMACs are Bad.
    let mut opts = msstun_opts();
    let c = cred(USER, REALM, "wrong");
    opts.extend(["-o", c.as_str()]);
    let bad = Run::from_file(&p, &opts);
    assert_eq!(
        bad.frames("msstun.att.message_integrity.status == 0"),
        vec![
            fx.frame("alloc-auth"),
            fx.frame("alloc-ok"),
            fx.frame("send")
        ]
    );
}

#[test]
fn whatsapp_and_zoom_deviations_are_decoded() {
    let wa = fixture("whatsapp");
    let run = Run::new(&wa, &msstun_opts());
    assert_eq!(run.frames("msstun"), vec![1, 2, 3]);
    assert_eq!(
        run.frames("msstun.expert.deviation"),
        vec![wa.frame("wa-alloc-1"), wa.frame("wa-alloc-2")]
    );
    assert_eq!(run.frames("msstun.expert.malformed"), Vec::<u32>::new());
    // Its proprietary comprehension-required 0x4000 is noted once per flow (issue 18), on
    // the first message that carries it, not on every one.
    assert_eq!(
        run.frames("msstun.expert.unknown_required"),
        vec![wa.frame("wa-alloc-1")]
    );
    let info = run.fields(None, &["_ws.col.Info"]);
    assert!(
        info[&1][0][0].starts_with("Allocate Request"),
        "{:?}",
        info[&1]
    );

    let zoom = fixture("zoom");
    let run = Run::new(&zoom, &msstun_opts());
    assert_eq!(
        run.frames("msstun.dialect == 2"),
        vec![
            zoom.frame("zoom-req"),
            zoom.frame("zoom-resp"),
            zoom.frame("zoom-icmp")
        ]
    );
    assert_eq!(run.frames("icmp && msstun"), vec![zoom.frame("zoom-icmp")]);
}

/// `.pcap`/`.pcapng` files under `dir`, recursively.
fn captures_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            captures_under(&p, out);
        } else if p.extension().is_some_and(|x| x == "pcap" || x == "pcapng") {
            out.push(p);
        }
    }
    out.sort();
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "msstun-parity-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}
