//! Malformed input: expert items, no crash, whatever decodes is still shown.

mod common;
use common::*;

const WARN: u64 = 0x0060_0000;

fn decode_as_run() -> (Fixture, Run) {
    let fx = fixture("malformed");
    let run = Run::new(
        &fx,
        &[
            "-d",
            "udp.port==13490,msstun",
            "-d",
            "tcp.port==13491,msstun",
        ],
    );
    (fx, run)
}

#[test]
fn malformed_messages_raise_expert_items() {
    let (fx, run) = decode_as_run();
    let sev = run.fields(
        Some("_ws.expert"),
        &["_ws.expert.severity", "_ws.expert.message"],
    );
    let worst = |l: &str| {
        sev.get(&fx.frame(l))
            .map(|r| nums(&r[0]).into_iter().max().unwrap_or(0))
            .unwrap_or(0)
    };
    for l in [
        "overrun",
        "attr-truncated",
        "bad-padding",
        "truncated",
        "bad-fingerprint",
        "unknown-required",
    ] {
        assert!(
            worst(l) >= WARN,
            "{l}: expected a warning/error expert item, got {:?}",
            sev.get(&fx.frame(l))
        );
    }
    for l in ["unanswered", "error-437", "orphan-bind"] {
        assert!(
            sev.contains_key(&fx.frame(l)),
            "{l}: expected an expert item"
        );
    }
    for (f, r) in &sev {
        for m in &r[1] {
            // The text the plugin's panic guard (src/epan/plugin.rs) writes.
            assert!(
                !m.contains("msstun internal error"),
                "frame {f}: plugin panicked: {m}"
            );
            assert!(!m.contains("Dissector bug"), "frame {f}: {m}");
        }
    }
}

#[test]
fn malformed_headers_and_readable_parts_still_decode() {
    let (fx, run) = decode_as_run();
    for (l, method) in [
        ("overrun", 1),
        ("attr-truncated", 1),
        ("bad-padding", 1),
        ("bad-fingerprint", 1),
        ("unknown-required", 1),
        ("unanswered", 3),
    ] {
        assert_eq!(
            nums(&run.get(fx.frame(l), "msstun.method")),
            vec![method],
            "{l}"
        );
    }
    assert_eq!(
        nums(&run.get(fx.frame("attr-truncated"), "msstun.att.priority")),
        vec![5]
    );
    assert_eq!(
        nums(&run.get(fx.frame("bad-fingerprint"), "msstun.att.fingerprint.status")),
        vec![BAD]
    );
    assert_eq!(
        run.get(fx.frame("bad-fingerprint"), "msstun.att.software"),
        vec!["fp"]
    );
    assert_eq!(
        nums(&run.get(fx.frame("unknown-required"), "msstun.att.type")),
        vec![0x7ffe, 0x8028]
    );
    assert_eq!(
        nums(&run.get(fx.frame("error-437"), "msstun.att.error_code.code")),
        vec![437]
    );
    assert_eq!(
        nums(&run.get(fx.frame("orphan-bind"), "msstun.att.connection_id")),
        vec![0xdead]
    );
}

#[test]
fn malformed_capture_survives_every_output_mode() {
    let fx = fixture("malformed");
    for opts in [
        vec![],
        vec![
            "-d",
            "udp.port==13490,msstun",
            "-d",
            "tcp.port==13491,msstun",
        ],
    ] {
        let run = Run::new(&fx, &opts);
        let v = run.raw(&["-2", "-V"]);
        assert!(v.contains("Frame 16"), "full tree output incomplete");
        let j = run.raw(&["-2", "-T", "json"]);
        let parsed: serde_json::Value =
            serde_json::from_str(&j).expect("tshark -T json output parses");
        assert_eq!(parsed.as_array().map(Vec::len), Some(fx.frames as usize));
        let _ = run.raw(&["-2", "-q", "-z", "expert"]);
    }
}
