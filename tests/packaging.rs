//! packaging/install.sh and uninstall.sh: install into a given folder, refuse a plugin built
//! for another Wireshark version with a clear message, remove again.

mod common;
use common::*;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

fn script(name: &str) -> String {
    format!("{}/packaging/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn install_refuses_other_versions_and_uninstalls() {
    let sb = Sandbox::new(false);
    let dest = sb.dir.join("plugins");
    let plugin = plugin_path();
    let out = Command::new(script("install.sh"))
        .arg("--dest")
        .arg(&dest)
        .arg(&plugin)
        .env("TSHARK", tshark_bin())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "install.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let installed = std::fs::read(dest.join("msstun.so")).expect("installed msstun.so");
    assert_eq!(installed, std::fs::read(&plugin).unwrap());
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains(&format!("built for Wireshark {}", ws_version())));

    // A tshark claiming another version: refused, saying which versions.
    let fake = sb.dir.join("fake-tshark");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'TShark (Wireshark) 9.8.1 (fake).'\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new(script("install.sh"))
        .arg("--dest")
        .arg(sb.dir.join("other"))
        .arg(&plugin)
        .env("TSHARK", &fake)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "install.sh accepted a plugin for another version"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("built for Wireshark {}", ws_version()))
            && err.contains("Wireshark 9.8"),
        "unclear refusal: {err}"
    );
    assert!(!sb.dir.join("other/msstun.so").exists());

    let out = Command::new(script("uninstall.sh"))
        .arg("--dest")
        .arg(&dest)
        .env("TSHARK", tshark_bin())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!dest.join("msstun.so").exists());
}
