//! MESSAGE-INTEGRITY and FINGERPRINT status with and without credentials (UAT
//! `msstun_credentials`), long-term and ICE short-term.

mod common;
use common::*;
use msstun_fixtures::scenarios::integrity_consts::*;

const WARN: u64 = 0x0060_0000;

fn statuses(run: &Run) -> std::collections::BTreeMap<u32, (Vec<u64>, Vec<u64>)> {
    run.fields(
        None,
        &[
            "msstun.att.message_integrity.status",
            "msstun.att.fingerprint.status",
        ],
    )
    .into_iter()
    .map(|(f, r)| (f, (nums(&r[0]), nums(&r[1]))))
    .collect()
}

#[test]
fn integrity_good_and_bad_with_credentials() {
    let fx = fixture("integrity");
    let run = Run::new(
        &fx,
        &[
            "-o",
            &cred(USER, REALM, PASSWORD),
            "-o",
            &cred(ICE_USER, "", ICE_PWD),
        ],
    );
    let s = statuses(&run);
    let at = |l: &str| s[&fx.frame(l)].clone();
    assert_eq!(at("lt-good-req"), (vec![GOOD], vec![GOOD]));
    assert_eq!(at("lt-good-resp"), (vec![GOOD], vec![GOOD]));
    assert_eq!(at("lt-bad-req"), (vec![BAD], vec![GOOD]));
    assert_eq!(at("lt-bad-resp"), (vec![BAD], vec![]));
    assert_eq!(at("st-good-req"), (vec![GOOD], vec![GOOD]));
    assert_eq!(at("st-good-resp"), (vec![GOOD], vec![GOOD]));
    assert_eq!(at("st-bad-req"), (vec![BAD], vec![GOOD]));
    assert_eq!(at("fp-bad"), (vec![], vec![BAD]));

    // Bad ones raise expert items of at least warning severity; good ones do not.
    let sev = run.fields(Some("_ws.expert"), &["_ws.expert.severity"]);
    let worst = |l: &str| {
        sev.get(&fx.frame(l))
            .map(|r| nums(&r[0]).into_iter().max().unwrap_or(0))
            .unwrap_or(0)
    };
    for l in ["lt-bad-req", "lt-bad-resp", "st-bad-req", "fp-bad"] {
        assert!(worst(l) >= WARN, "{l}: no warning-level expert item");
    }
    for l in ["lt-good-req", "lt-good-resp", "st-good-req", "st-good-resp"] {
        assert!(worst(l) < WARN, "{l}: unexpected warning-level expert item");
    }
}

#[test]
fn integrity_unverified_without_credentials_and_bad_with_wrong_password() {
    let fx = fixture("integrity");
    let run = Run::new(&fx, &[]);
    let s = statuses(&run);
    for l in [
        "lt-good-req",
        "lt-good-resp",
        "lt-bad-req",
        "st-good-req",
        "st-bad-req",
    ] {
        assert_eq!(s[&fx.frame(l)].0, vec![UNVERIFIED], "{l}");
    }
    assert_eq!(s[&fx.frame("fp-bad")].1, vec![BAD]);
    assert_eq!(s[&fx.frame("lt-good-req")].1, vec![GOOD]);

    let run = Run::new(&fx, &["-o", &cred(USER, REALM, "not-the-password")]);
    let s = statuses(&run);
    assert_eq!(s[&fx.frame("lt-good-req")].0, vec![BAD]);
    assert_eq!(s[&fx.frame("lt-good-resp")].0, vec![BAD]);
}

#[test]
fn passwords_never_appear_in_the_tree() {
    let fx = fixture("integrity");
    let run = Run::new(
        &fx,
        &[
            "-o",
            &cred(USER, REALM, PASSWORD),
            "-o",
            &cred(ICE_USER, "", ICE_PWD),
        ],
    );
    let tree = run.raw(&["-V"]);
    assert!(
        tree.contains("MESSAGE-INTEGRITY"),
        "no MESSAGE-INTEGRITY in the tree"
    );
    assert!(!tree.contains(PASSWORD));
    assert!(!tree.contains(ICE_PWD));
}
