# shellcheck shell=bash
# Sourced by scripts/setup.sh and scripts/test.sh: install what a fresh Debian 12 lacks.
#
#   MSSTUN_NO_APT=1   never call apt-get (report what is missing and go on)
#
# Debian packages: tshark (+ wireshark-common: dumpcap), libwireshark-dev, libglib2.0-dev,
# libclang-dev (bindgen), pkg-config, gcc/libc6-dev (cc), coturn (live tests),
# util-linux (setpriv), dpkg-dev/fakeroot (packaging), curl + ca-certificates (rustup),
# g++ (libfuzzer-sys builds libFuzzer), valgrind (scripts/fuzz-tshark.sh's memcheck sample),
# time (/usr/bin/time -v: packaging/memory-tshark.sh).

MSSTUN_PACKAGES=(tshark wireshark-common libwireshark-dev libglib2.0-dev libclang-dev pkg-config
    gcc libc6-dev make coturn util-linux dpkg-dev fakeroot xz-utils curl ca-certificates procps
    g++ valgrind time)

msstun_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

msstun_missing_packages() {
    local p missing=()
    for p in "${MSSTUN_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    echo "${missing[@]}"
}

msstun_install_deps() {
    local missing
    missing=$(msstun_missing_packages)
    if [ -n "$missing" ]; then
        if [ -n "${MSSTUN_NO_APT:-}" ]; then
            msstun_log "missing packages (MSSTUN_NO_APT set, not installing): $missing"
        else
            local sudo=""
            [ "$(id -u)" = 0 ] || sudo="sudo"
            msstun_log "installing: $missing"
            # tshark asks whether non-root users may capture: answer "no", never block.
            echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections || true
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
            # shellcheck disable=SC2086
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
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
        if ! curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs -o /tmp/rustup-init.sh; then
            msstun_log "cannot download rustup from https://sh.rustup.rs: install Rust (stable, with rustfmt and clippy) and re-run"
            return 1
        fi
        sh /tmp/rustup-init.sh -y --profile minimal --component rustfmt,clippy && rm -f /tmp/rustup-init.sh
        . "$HOME/.cargo/env"
    fi
    if command -v rustup >/dev/null 2>&1; then
        rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt || true
        rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy || true
    fi
}

# Wireshark major.minor of the tshark in use (TSHARK overrides the binary).
msstun_ws_version() {
    "${TSHARK:-tshark}" --version 2>/dev/null | head -1 | sed -nE 's/.* ([0-9]+)\.([0-9]+)\.[0-9]+.*/\1.\2/p'
}
