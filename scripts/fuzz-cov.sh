#!/usr/bin/env bash
# Coverage-guided fuzzing of the cargo-fuzz targets on the STABLE toolchain.
#
#   scripts/fuzz-cov.sh [--seconds N] [--runs N] [--targets "parse stream session"] [--seeded-defect]
#
# The targets are built with SanitizerCoverage (inline 8-bit counters, PC table, compare
# tracing: what `cargo fuzz` passes, minus the sanitizer, which needs nightly), so libFuzzer
# gets coverage feedback and grows its corpus. Each target runs for N seconds (default
# FUZZ_SECONDS or 60) — or until N executions with --runs, whichever comes first — from the encoder seeds
# (`cargo run -p msstun --example fuzz_seeds`) plus the corpus kept from earlier runs
# (target/fuzz-cov/corpus/<target>, outside git). Every target aborts on a panic, on an
# out-of-memory input (-rss_limit_mb / -malloc_limit_mb) and on a leak (the targets count
# live Rust heap bytes per input, fuzz/src/lib.rs), and slow inputs (-timeout) count too.
# Prints per target: executions, exec/s, coverage edges (cov), features (ft), corpus size,
# findings; failing inputs are kept in target/fuzz-cov/artifacts/<target>/. Exit 1 on any
# finding.
#
# --seeded-defect: build with `--cfg msstun_seeded_defect` (a deliberate panic on a 3-byte
# u32 attribute value, crates/msstun/src/attr.rs) into a separate target directory and
# INVERT the verdict: exit 0 only if every target that reaches the attribute code (parse,
# session) finds the defect within its budget.
#
# Long run (the figures in crates/msstun/README.md):
#   scripts/fuzz-cov.sh --runs 10000000 --seconds 3600   (or one target per core: --targets parse)
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${FUZZ_SECONDS:-60}
RUNS=""
TARGETS="parse stream session suricata"
SEEDED=""
while [ $# -gt 0 ]; do
    case $1 in
        --seconds) SECONDS_PER=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --targets) TARGETS=$2; shift 2 ;;
        --seeded-defect) SEEDED=1; shift ;;
        *) echo "usage: $0 [--seconds N] [--runs N] [--targets LIST] [--seeded-defect]" >&2; exit 2 ;;
    esac
done
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
triple=$(rustc -vV | sed -n 's/^host: //p')
flags="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4"
flags+=" -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table"
flags+=" -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
tdir=$PWD/target/fuzz-cov/build
out=$PWD/target/fuzz-cov
if [ -n "$SEEDED" ]; then
    flags+=" --cfg msstun_seeded_defect"
    tdir=$PWD/target/fuzz-cov/build-seeded
    out=$PWD/target/fuzz-cov/seeded
    TARGETS=${TARGETS/stream/}   # the stream target never reads attribute values
    TARGETS=${TARGETS/suricata/} # nor, in its budget, reliably the Suricata plugin's flow parser
fi
# --target keeps RUSTFLAGS off build scripts and proc macros (as cargo-fuzz does).
if ! RUSTFLAGS="$flags" cargo build -q --release --manifest-path fuzz/Cargo.toml \
        --target "$triple" --target-dir "$tdir"; then
    echo "fuzz-cov: build failed" >&2; exit 1
fi
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
cargo run -q -p msstun --example fuzz_seeds -- "$seeds" 2>/dev/null || { echo "fuzz-cov: seeds failed" >&2; exit 1; }
# The Suricata plugin's flow target reads its input as the stream target does (a control
# byte, then a flow's bytes): it starts from the stream seeds.
[ -d "$seeds/suricata" ] || cp -r "$seeds/stream" "$seeds/suricata"

rc=0
printf '%-8s %10s %8s %6s %7s %7s %s\n' target execs exec/s cov ft corpus findings
for t in $TARGETS; do
    corpus=$out/corpus/$t art=$out/artifacts/$t
    [ -n "$SEEDED" ] && rm -rf "$corpus" "$art"   # the self-test starts from the seeds only
    mkdir -p "$corpus" "$art"
    log=$out/$t.$$.log   # one log per invocation: runs may overlap
    limit=(-max_total_time="$SECONDS_PER")
    [ -n "$RUNS" ] && limit+=(-runs="$RUNS")   # whichever comes first
    bin=$tdir/$triple/release/$t
    "$bin" "${limit[@]}" -print_final_stats=1 -timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=512 \
        -artifact_prefix="$art/" "$corpus" "$seeds/$t" > "$log" 2>&1
    status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    covl=$(grep -E '^#[0-9]+' "$log" | grep ' cov: ' | tail -1)
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$covl")
    ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$covl")
    # libFuzzer also writes slow-unit-* for inputs that took over 10 s: replay them, as a
    # stalled (shared) machine makes any input look slow; only a slow replay counts.
    for su in "$art"/slow-unit-*; do
        [ -f "$su" ] || continue
        if timeout 10 "$bin" "$su" >/dev/null 2>&1; then
            echo "    $t: $(basename "$su") replays at once (machine stall, not counted)"; rm -f "$su"
        fi
    done
    found=$(find "$art" -type f | wc -l)
    what=""
    [ "$found" -gt 0 ] && what=$(grep -m1 -E "panicked at|leak:|out-of-memory|timeout|deadly signal" "$log" | cut -c1-120)
    printf '%-8s %10s %8s %6s %7s %7s %s %s\n' "$t" "${execs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" \
        "$(find "$corpus" -type f | wc -l)" "$found" "$what"
    if [ -n "$SEEDED" ]; then
        if [ "$found" -gt 0 ] && grep -q "panicked at" "$log"; then
            echo "    seeded defect found by $t: $(grep -m1 'panicked at' -A1 "$log" | tail -1 | cut -c1-100)"
        else
            echo "    seeded defect NOT found by $t within its budget (log: $log)"; rc=1
        fi
    elif [ "$found" -gt 0 ] || [ "$status" != 0 ]; then
        echo "    $t: exit $status, inputs kept in $art (log: $log)"; rc=1
    fi
done
exit $rc
