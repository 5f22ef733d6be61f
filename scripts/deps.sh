# shellcheck shell=bash
# Sourced by scripts/setup.sh and scripts/test.sh: install what a fresh Debian 12 lacks.
#
#   MSSTUN_NO_APT=1   never call apt-get (report what is missing and go on)
#
# Debian packages: tshark (+ wireshark-common: dumpcap), libwireshark-dev, libglib2.0-dev,
# libclang-dev (bindgen), pkg-config, gcc/libc6-dev (cc), g++ (c++: libfuzzer-sys builds
# libFuzzer for the fuzz targets), coturn (live tests), util-linux (setpriv),
# dpkg-dev/fakeroot (packaging), curl + ca-certificates (rustup, crates.io),
# libnice-dev (scripts/capture-msmode.sh: libnice agents in Microsoft ICE modes),
# valgrind (scripts/fuzz-tshark.sh's memcheck sample), time (/usr/bin/time -v:
# packaging/memory-tshark.sh), gstreamer1.0-tools + gstreamer1.0-plugins-base/-good
# (scripts/capture-turn-media.sh: a real RTP stack, rtppcmupay → udpsink, through coturn).
#
# Rust: rustup's stable toolchain (with rustfmt and clippy) when `cargo` is missing. When
# https://sh.rustup.rs cannot be reached, Debian 12's own toolchain instead: cargo-web,
# rustc-web, rustfmt-web, rust-web-clippy (kept current for Firefox: 1.85 in bookworm,
# 1.96 in bookworm-security in 2026), if apt offers at least MSSTUN_RUST_MIN.

MSSTUN_PACKAGES=(tshark wireshark-common libwireshark-dev libglib2.0-dev libclang-dev pkg-config
    gcc g++ libc6-dev make coturn util-linux dpkg-dev fakeroot xz-utils curl ca-certificates procps
    libnice-dev valgrind time gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good)
# The newest rust-version among the locked dependencies (icu_* 2.4, proptest 1.12: 1.88;
# `cargo +1.88 check --workspace --all-targets` passes, 1.87 refuses those crates).
MSSTUN_RUST_MIN=1.88
MSSTUN_DEBIAN_RUST=(cargo-web rustc-web rustfmt-web rust-web-clippy)

msstun_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

msstun_missing_packages() {
    local p missing=()
    for p in "${MSSTUN_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    echo "${missing[@]}"
}

msstun_sudo() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

msstun_install_deps() {
    local missing
    missing=$(msstun_missing_packages)
    if [ -n "$missing" ]; then
        if [ -n "${MSSTUN_NO_APT:-}" ]; then
            msstun_log "missing packages (MSSTUN_NO_APT set, not installing): $missing"
        else
            msstun_log "installing: $missing"
            # tshark asks whether non-root users may capture: answer "no", never block.
            echo "wireshark-common wireshark-common/install-setuid boolean false" | msstun_sudo debconf-set-selections || true
            msstun_sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
            # shellcheck disable=SC2086
            msstun_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
        fi
    fi
    # A packaged coturn starts a system turnserver on 3478; the tests bring their own.
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet coturn 2>/dev/null; then
        msstun_log "note: a system coturn service is running (the tests use their own ports)"
    fi
    msstun_install_rust
}

msstun_install_rust() {
    [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
    if ! command -v cargo >/dev/null 2>&1; then
        if [ -n "${MSSTUN_NO_APT:-}" ]; then
            msstun_log "cargo not found and MSSTUN_NO_APT set"; return 1
        fi
        msstun_log "installing the Rust toolchain with rustup"
        if curl --proto '=https' --tlsv1.2 -sSf --connect-timeout 20 https://sh.rustup.rs -o /tmp/rustup-init.sh; then
            sh /tmp/rustup-init.sh -y --profile minimal --component rustfmt,clippy && rm -f /tmp/rustup-init.sh
            . "$HOME/.cargo/env"
        else
            msstun_log "cannot download rustup from https://sh.rustup.rs: trying Debian's Rust (${MSSTUN_DEBIAN_RUST[*]})"
            msstun_install_debian_rust || {
                msstun_log "no Rust >= $MSSTUN_RUST_MIN: install Rust (stable, with rustfmt and clippy) and re-run"
                return 1
            }
        fi
    fi
    if command -v rustup >/dev/null 2>&1; then
        rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt || true
        rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy || true
    elif ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
        msstun_log "note: scripts/test.sh needs cargo fmt and cargo clippy (Debian: apt-get install rustfmt-web rust-web-clippy)"
    fi
}

# Debian's cargo-web/rustc-web (+ rustfmt, clippy), when apt's candidate is new enough.
msstun_install_debian_rust() {
    local cand
    cand=$(apt-cache policy rustc-web 2>/dev/null | sed -n 's/^ *Candidate: *//p')
    case "$cand" in ""|"(none)") msstun_log "apt offers no rustc-web"; return 1 ;; esac
    if ! dpkg --compare-versions "$cand" ge "$MSSTUN_RUST_MIN"; then
        msstun_log "apt's rustc-web is $cand, older than $MSSTUN_RUST_MIN (is bookworm-security in the apt sources?)"
        return 1
    fi
    msstun_log "installing Debian's Rust $cand: ${MSSTUN_DEBIAN_RUST[*]}"
    msstun_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${MSSTUN_DEBIAN_RUST[@]}" && command -v cargo >/dev/null
}

# msstun_ws_version, msstun_plugin_home, msstun_as_nobody: finding Wireshark, the plugin in
# a throwaway HOME.
. "$(dirname "${BASH_SOURCE[0]}")/wireshark-lib.sh"
