#!/usr/bin/env bash
# Quick start, command 2 (and CI, via .ci/run): install what is missing, then
#   cargo fmt --check · cargo clippy -D warnings · function length · cargo doc -D warnings ·
#   build · the whole test suite
# (unit, property, relay/coturn and the plugin's tshark integration tests, which include the
# docs/FIELDS.md check against `tshark -G fields`), and print the runner's summary.
#
# Knobs (environment), also used by the Wireshark 4.4/4.6 chroot runs:
#   TSHARK=/path/tshark     tshark to test with        WS_VERSION=4.4   plugin folder version
#   MSSTUN_PLUGIN=file.so   plugin to test (default: the one cargo builds)
#   MSSTUN_NO_APT=1         do not apt-get anything     MSSTUN_SKIP_LINT=1  no fmt/clippy
#   MSSTUN_TEST_ARGS="..."  replaces "--workspace" as the package selection (e.g. "-p msstun-plugin")
#   MSSTUN_SKIP_COTURN=1    skip the live coturn capture test
#   MSSTUN_RUNNER=cargo     force `cargo test` even when cargo-nextest is installed
#   MSSTUN_SKIP_FUZZ=1      do not build the cargo-fuzz targets / replay their seeds / fuzz
#   MSSTUN_FUZZ_SECONDS=60  coverage-guided fuzzing time per target (scripts/fuzz-cov.sh)
#   MSSTUN_FUZZ_TSHARK_SECONDS=180  budget of scripts/fuzz-tshark.sh (mutated captures)
#   MSSTUN_REQUIRE_ALL=0    let tests skip (with a message) when coturn/tshark/plugin are missing
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
msstun_install_deps || exit 1
export TSHARK="${TSHARK:-tshark}"
# Tests that would skip for a missing tool (coturn, tshark, the built plugin) fail instead.
export MSSTUN_REQUIRE_ALL="${MSSTUN_REQUIRE_ALL:-1}"
[ -n "${WS_VERSION:-}" ] && export WS_VERSION
msstun_log "Wireshark $(msstun_ws_version) ($("$TSHARK" --version 2>/dev/null | head -1)); $(cargo --version)"

declare -a STEPS=() RESULTS=()
step() {
    local name=$1; shift
    msstun_log "$name: $*"
    local t0=$SECONDS
    "$@"
    local rc=$?
    STEPS+=("$name"); RESULTS+=("$([ $rc = 0 ] && echo PASS || echo "FAIL (exit $rc)") $((SECONDS - t0))s")
    return $rc
}

SEL=(${MSSTUN_TEST_ARGS:---workspace})
if [ -z "${MSSTUN_SKIP_LINT:-}" ]; then
    step fmt cargo fmt --all -- --check
    step clippy cargo clippy "${SEL[@]}" --all-targets -- -D warnings
    # No function over 100 lines anywhere (awk, under a second), and the API docs build
    # without a warning (broken or private intra-doc links).
    step fn-length scripts/fn-length.sh
    # (rustdoc is part of rustup's rustc component; Debian's fallback toolchain may lack it.)
    if command -v rustdoc >/dev/null 2>&1; then
        step doc env RUSTDOCFLAGS="-D warnings" cargo doc "${SEL[@]}" --no-deps
    else
        msstun_log "rustdoc not found: the doc step is skipped"
    fi
fi
step build cargo build "${SEL[@]}" --all-targets

LOG=$(mktemp)
if [ "${MSSTUN_RUNNER:-}" != cargo ] && cargo nextest --version >/dev/null 2>&1; then
    step tests cargo nextest run "${SEL[@]}" --no-fail-fast --failure-output final
    step doctests cargo test "${SEL[@]}" --doc
else
    step tests bash -o pipefail -c "cargo test ${SEL[*]} --no-fail-fast 2>&1 | tee '$LOG'"
    # cargo test prints one result per test binary: add them up.
    awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) g += $i } }
         END { printf "\n==> cargo test summary: %d passed, %d failed, %d ignored\n", p, f, g }' "$LOG"
    grep -E '^    [a-z0-9_:]+$' "$LOG" | sort -u | sed 's/^ */    failed: /' || true
fi
rm -f "$LOG"

# The cargo-fuzz targets (own workspace under fuzz/) must build with the stable toolchain;
# replaying the encoder-generated seeds through them is a quick no-crash check.
if [ -z "${MSSTUN_SKIP_FUZZ:-}" ]; then
    step fuzz-build cargo build --manifest-path fuzz/Cargo.toml
    step fuzz-seeds bash -c 'cargo run -q -p msstun --example fuzz_seeds >/dev/null &&
        fuzz/target/debug/parse -runs=0 fuzz/corpus/parse >/dev/null 2>&1 &&
        fuzz/target/debug/stream -runs=0 fuzz/corpus/stream >/dev/null 2>&1 &&
        fuzz/target/debug/session -runs=0 fuzz/corpus/session >/dev/null 2>&1'
    # Coverage-guided fuzzing (stable, SanitizerCoverage) of every target for a fixed time,
    # then tshark with msstun on mutated captures; both print their counts and fail on a
    # crash, leak, time-out, caught panic or memcheck error in msstun.
    step fuzz-cov scripts/fuzz-cov.sh --seconds "${MSSTUN_FUZZ_SECONDS:-60}"
    step fuzz-tshark scripts/fuzz-tshark.sh --seconds "${MSSTUN_FUZZ_TSHARK_SECONDS:-180}"
fi

echo
echo "==> msstun test suite summary"
rc=0
for i in "${!STEPS[@]}"; do
    printf '    %-11s %s\n' "${STEPS[$i]}" "${RESULTS[$i]}"
    case "${RESULTS[$i]}" in PASS*) ;; *) rc=1 ;; esac
done
[ $rc = 0 ] && echo "==> ALL PASSED" || echo "==> FAILURES (see above)"
exit $rc
