#!/usr/bin/env bash
# tshark with msstun.so on mutated captures, for a time budget: crashes, time-outs, caught
# panics and (on a sample under valgrind) memcheck errors in msstun's frames.
#
#   scripts/fuzz-tshark.sh [--seconds N] [--valgrind N] [--timeout S] [--seeded-defect]
#
# Inputs: every msstun-fixtures scenario (except the bench/nostun/scale/mutants generators), the
# captures kept in the repository (examples/*.pcapng), and — when run as root with coturn
# and dumpcap installed — a real coturn capture made on loopback at start (UDP with
# channels, a TCP control connection and the RFC 6062 TCP relay, turnutils_uclient).
# Each round makes, for every input, a copy with random byte errors (editcap -E, a new
# seed each round), and one structure-aware capture (`msstun-fixtures mutants`: lengths off
# by one and by a lot, attributes cut at every offset, duplicated/reordered attributes,
# framings mixed mid-stream, RFC 6062 binds without attempts, relayed look-alikes of
# RTP/DTLS/STUN), and runs `tshark -2 -V` with msstun on the standard ports
# (-d udp.port==3478,msstun -d tcp.port==3478,msstun, and the coturn port) and credentials
# set, as `nobody` with a private HOME. Counted per run:
#   crash    tshark killed by a signal (exit ≥ 128) or any exit other than 0
#   timeout  no result within --timeout seconds (default 60; ten times that under valgrind)
#   panic    "msstun internal error" expert items (a panic the plugin caught)
#   memcheck the first N runs (--valgrind, default 2) also run under valgrind memcheck:
#            errors with a frame in msstun.so; one-time leaks of the plugin's field
#            registration (arrays Wireshark copies at start-up) are reported, not failed
# Every failing input is kept, with tshark's output, in target/fuzz-tshark/failures/.
# Budget: --seconds (default FUZZ_TSHARK_SECONDS or 180) for the whole run, valgrind
# included. Exit 1 on any finding.
#
# --seeded-defect builds the plugin with `--cfg msstun_seeded_defect` (a deliberate panic
# on a 3-byte u32 attribute value, crates/msstun/src/attr.rs) into its own target
# directory and inverts the verdict: exit 0 only if the panic is found within the budget.
#
# Hours instead of minutes: scripts/fuzz-tshark.sh --seconds 14400 --valgrind 20
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BUDGET=${FUZZ_TSHARK_SECONDS:-180}
VALGRIND_RUNS=2
TIMEOUT=60
SEEDED=""
while [ $# -gt 0 ]; do
    case $1 in
        --seconds) BUDGET=$2; shift 2 ;;
        --valgrind) VALGRIND_RUNS=$2; shift 2 ;;
        --timeout) TIMEOUT=$2; shift 2 ;;
        --seeded-defect) SEEDED=1; shift ;;
        *) echo "usage: $0 [--seconds N] [--valgrind N] [--timeout S] [--seeded-defect]" >&2; exit 2 ;;
    esac
done
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
TSHARK=${TSHARK:-tshark}
. "$root/scripts/wireshark-lib.sh"
ver=$(msstun_ws_version)
log() { printf '==> fuzz-tshark: %s\n' "$*" >&2; }

out=$root/target/fuzz-tshark
if [ -n "$SEEDED" ]; then
    log "building the plugin with --cfg msstun_seeded_defect (own target directory)"
    RUSTFLAGS="--cfg msstun_seeded_defect" cargo build -q --release -p msstun-plugin \
        --target-dir "$root/target/fuzz-tshark/build-seeded" || exit 1
    plugin=$root/target/fuzz-tshark/build-seeded/release/libmsstun_plugin.so
    out=$root/target/fuzz-tshark/seeded
    VALGRIND_RUNS=0
else
    plugin=${MSSTUN_PLUGIN:-$root/target/release/libmsstun_plugin.so}
    [ -n "${MSSTUN_PLUGIN:-}" ] || cargo build -q --release -p msstun-plugin || exit 1
fi
cargo build -q --release -p msstun-fixtures || exit 1
fixtures=$root/target/release/msstun-fixtures
rm -rf "$out/failures"
mkdir -p "$out/failures"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
home=$work/home
mkdir -p "$work/in" "$work/run"
msstun_plugin_home "$home" "$plugin" "$ver"

# 1. Inputs.
while read -r name _; do
    case $name in bench*|nostun|mutants|scale) continue ;; esac
    "$fixtures" "$name" "$work/in/fixture-$name.pcapng" 2>/dev/null || { log "fixture $name failed"; exit 1; }
done < <("$fixtures" list)
for f in examples/*.pcapng; do cp "$f" "$work/in/kept-$(basename "$f")"; done
extra_ports=()
coturn_capture() {
    command -v turnserver >/dev/null && command -v turnutils_uclient >/dev/null &&
        command -v dumpcap >/dev/null && [ "$(id -u)" = 0 ] || { log "no real coturn capture (needs root, coturn, dumpcap)"; return; }
    local port=$((34000 + RANDOM % 1000)) d=$work/coturn
    mkdir -p "$d"
    turnserver -n --no-cli --no-tls --no-dtls --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 \
        --listening-port=$port --lt-cred-mech --user=alice:wonderland --realm=example.org \
        --allow-loopback-peers --min-port=41000 --max-port=41999 --pidfile="$d/pid" \
        --db="$d/db" --log-file=stdout >/dev/null 2>&1 &
    local srv=$!
    turnutils_peer -L 127.0.0.1 -p $((port + 1)) >/dev/null 2>&1 &
    local peer=$!
    dumpcap -q -i lo -f "port $port or port $((port + 1))" -w "$d/real.pcapng" >/dev/null 2>&1 &
    local cap=$!
    sleep 1.5
    for flags in "" "-t" "-T"; do
        # shellcheck disable=SC2086
        timeout 30 turnutils_uclient $flags -u alice -w wonderland -n 5 -p $port -e 127.0.0.1 \
            -r $((port + 1)) 127.0.0.1 >/dev/null 2>&1 || log "turnutils_uclient $flags failed"
    done
    sleep 0.5
    kill -INT $cap; wait $cap 2>/dev/null
    kill $srv $peer; wait $srv $peer 2>/dev/null
    if [ -s "$d/real.pcapng" ]; then
        cp "$d/real.pcapng" "$work/in/real-coturn.pcapng"
        extra_ports=(-d "udp.port==$port,msstun" -d "tcp.port==$port,msstun")
        log "real coturn capture: $("$TSHARK" -r "$d/real.pcapng" 2>/dev/null | wc -l) frames on port $port"
    fi
}
coturn_capture
inputs=("$work"/in/*.pcapng)
chmod -R a+rX "$work"
log "${#inputs[@]} inputs, budget ${BUDGET}s, valgrind on the first $VALGRIND_RUNS runs, plugin $plugin"

ARGS=(-n -2 -V -d udp.port==3478,msstun -d tcp.port==3478,msstun
    -o 'uat:msstun_credentials:"alice","example.org","wonderland"'
    -o 'uat:msstun_credentials:"turn","TANDBERG","expressway"'
    -o 'uat:msstun_credentials:"MRAv:a9Xy","","the-ice-password"'
    -o 'uat:msstun_credentials:"MRAv:a9Xy","","cmsIcePasswordAbc123xyz"')
as_nobody() { msstun_as_nobody "$home" "$@"; }

runs=0 crashes=0 timeouts=0 panics=0 vg_runs=0 vg_errors=0 vg_reg_leaks=0 failures=0
keep() { # file why run-dir
    failures=$((failures + 1))
    local dst=$out/failures/$(printf '%04d' $failures)-$2-$(basename "$1")
    cp "$1" "$dst"
    cp "$3/out" "$dst.tshark.txt" 2>/dev/null
    cp "$3/err" "$dst.stderr.txt" 2>/dev/null
    [ -f "$3/vg.xml" ] && cp "$3/vg.xml" "$dst.valgrind.xml"
}
run_one() { # file
    local f=$1 r=$work/run rc n
    rm -rf "$r"; mkdir -p "$r"; chown 65534:65534 "$r" 2>/dev/null || chmod 777 "$r"
    runs=$((runs + 1))
    local pre=() limit=$TIMEOUT
    if [ $vg_runs -lt "$VALGRIND_RUNS" ] && command -v valgrind >/dev/null; then
        vg_runs=$((vg_runs + 1))
        pre=(valgrind --keep-debuginfo=yes --xml=yes --xml-file="$r/vg.xml")
        limit=$((TIMEOUT * 10))   # memcheck runs 30–50 times slower
    fi
    as_nobody timeout "$limit" "${pre[@]}" "$TSHARK" -r "$f" "${ARGS[@]}" "${extra_ports[@]}" > "$r/out" 2> "$r/err"
    rc=$?
    if [ $rc = 124 ]; then
        timeouts=$((timeouts + 1)); keep "$f" timeout "$r"
    elif [ $rc != 0 ]; then
        crashes=$((crashes + 1)); keep "$f" "crash$rc" "$r"
    fi
    n=$(grep -c "msstun internal error" "$r/out")
    if [ "$n" -gt 0 ]; then
        panics=$((panics + n)); keep "$f" panic "$r"
        [ -n "$SEEDED" ] && log "panic: $(grep -m1 -o 'msstun internal error.*' "$r/out" | cut -c1-120)"
    fi
    if [ -f "$r/vg.xml" ]; then
        # One record per <error>; in msstun's frames when a frame's object is msstun.so.
        read -r e l < <(awk 'BEGIN { RS = "</error>"; e = 0; l = 0 }
            /<error>/ { sub(/.*<error>/, "")
                if ($0 !~ /<obj>[^<]*msstun[^<]*<\/obj>/) next
                if ($0 ~ /<kind>Leak_/ && $0 ~ /msstun_plugin::[a-z_:]*register/) l++; else e++ }
            END { print e, l }' "$r/vg.xml")
        vg_reg_leaks=$((vg_reg_leaks + l))
        if [ "$e" -gt 0 ]; then vg_errors=$((vg_errors + e)); keep "$f" memcheck "$r"; fi
    fi
}

start=$SECONDS round=0
deadline() { [ $((SECONDS - start)) -ge "$BUDGET" ]; }
while ! deadline; do
    round=$((round + 1))
    # Structure-aware mutants first in each round (a new seed each round), then the
    # random byte errors of every input.
    m=$work/mutants-$round.pcapng
    "$fixtures" mutants "$m" "$round" 2>/dev/null && chmod a+r "$m" && run_one "$m"
    rm -f "$m"
    for f in "${inputs[@]}"; do
        deadline && break
        [ -n "$SEEDED" ] && [ $panics -gt 0 ] && break
        e=$work/editcap-$round-$(basename "$f")
        rate=$(awk -v r=$round 'BEGIN { printf "%.3f", 0.005 * (1 + r % 8) }')
        editcap -E "$rate" --seed "$((round * 7919 + ${#f}))" "$f" "$e" 2>/dev/null || continue
        chmod a+r "$e"
        run_one "$e"
        rm -f "$e"
    done
    if [ -n "$SEEDED" ] && [ $panics -gt 0 ]; then break; fi
done
elapsed=$((SECONDS - start))
echo "fuzz-tshark: $runs tshark runs in ${elapsed}s ($round rounds over ${#inputs[@]} inputs + structure-aware mutants):" \
    "crashes $crashes, timeouts $timeouts, caught panics $panics;" \
    "valgrind runs $vg_runs, memcheck errors in msstun $vg_errors (one-time registration leaks $vg_reg_leaks, not counted)"
if [ -n "$SEEDED" ]; then
    if [ $panics -gt 0 ]; then echo "fuzz-tshark: seeded defect found after ${elapsed}s"; exit 0; fi
    echo "fuzz-tshark: seeded defect NOT found within ${BUDGET}s"; exit 1
fi
if [ $((crashes + timeouts + panics + vg_errors)) -gt 0 ]; then
    echo "fuzz-tshark: failing inputs kept in $out/failures/"
    exit 1
fi
