#!/usr/bin/env bash
# Instruction counts behind packaging/bench-tshark.sh (valgrind's callgrind: no noise from
# other load). For a UDP and a TCP (one message per segment) capture of MESSAGES messages:
# stock `tshark -Y stun` (no plugin installed) and `tshark -Y msstun` with msstun.so (msstun
# owns port 3478 by default), each once under callgrind, printing
# instructions per frame for the whole run, for the transport dissector's subtree (the
# STUN dissector and what the transport does to reach it), and for msstun's own dissector.
# Then media through TURN: RTP in ChannelData over UDP and in RFC 4571 frames on an RFC 6062
# data connection, `-Y rtp` with msstun against the built-in stun with its payload
# heuristics turned on (`--enable-heuristic rtp_stun --enable-heuristic dtls_stun`: RTP and
# DTLS inside ChannelData/DATA, shipped disabled), with the ratio msstun / built-in.
#
#   packaging/callgrind-tshark.sh [MESSAGES]        (default 20000; needs valgrind)
#
# MSSTUN_ARGS: extra tshark options for the msstun runs (e.g. "-o msstun.analyze_sessions:FALSE"
# for the dissector without the session analysis). After each case: msstun's dissector against
# the built-in stun's estimated cost (its transport subtree less what msstun's subtree spends
# outside msstun's dissector).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
N=${1:-20000}
TSHARK=${TSHARK:-tshark}
command -v valgrind >/dev/null || { echo "callgrind-tshark: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
. "$root/scripts/wireshark-lib.sh"
ver=$(msstun_ws_version)
plugin=${MSSTUN_PLUGIN:-target/release/libmsstun_plugin.so}
[ -f "$plugin" ] || cargo build --release -p msstun-plugin
cargo build -q --release -p msstun-fixtures

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir -p "$work/stock"
msstun_plugin_home "$work/home" "$plugin" "$ver"
# The generator says "<file>: <frames> frames (<scenario>)".
frames_udp=$(target/release/msstun-fixtures bench "$work/udp.pcapng" "$N" 2>&1 | awk '{ print $2 }')
frames_tcp=$(target/release/msstun-fixtures bench-tcp "$work/tcp.pcapng" "$N" 2>&1 | awk '{ print $2 }')
frames_rtpchan=$(target/release/msstun-fixtures bench-rtp-chan "$work/rtpchan.pcapng" "$N" 2>&1 | awk '{ print $2 }')
frames_rtp6062=$(target/release/msstun-fixtures bench-rtp-6062 "$work/rtp6062.pcapng" "$N" 2>&1 | awk '{ print $2 }')
chmod -R a+rwX "$work"

run() { # out-file home tshark-args...
    local out=$1 home=$2; shift 2
    local cmd=(valgrind --tool=callgrind --callgrind-out-file="$out" "$TSHARK" "$@")
    msstun_as_nobody "$home" "${cmd[@]}" >/dev/null 2>&1
}
# inclusive OUT-FILE SYMBOL-REGEX → instructions (the largest matching line; 0 when absent)
inclusive() {
    callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null \
        | awk -v re="$2" '$0 ~ re { gsub(",", "", $1); if ($1 + 0 > n) n = $1 + 0 } END { print n + 0 }'
}
total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }'; }

echo "Wireshark $ver, $N messages, instructions per frame (callgrind)"
printf '%-20s %10s %10s %18s\n' "case" "whole run" "transport" "msstun dissector"
for case in udp tcp; do
    frames=frames_$case
    frames=${!frames}
    run "$work/cg.stun" "$work/stock" -n -r "$work/$case.pcapng" -Y stun
    # shellcheck disable=SC2086
    run "$work/cg.msstun" "$work/home" -n -r "$work/$case.pcapng" ${MSSTUN_ARGS:-} -Y msstun
    for side in stun msstun; do
        f="$work/cg.$side"
        t=$(( $(inclusive "$f" "decode_${case}_ports") / frames ))
        d=$(( $(inclusive "$f" "msstun_plugin::(dissect|epan::plugin)::dissect_msstun") / N ))
        printf '%-20s %10d %10d %18d\n' "$case: -Y $side" $(( $(total "$f") / frames )) "$t" "$d"
        eval "t_$side=$t d_$side=$d"
    done
    awk -v ts="$t_stun" -v tm="$t_msstun" -v dm="$d_msstun" \
        'BEGIN { s = ts - (tm - dm); printf "  %s: built-in stun ~%d, msstun %d: ratio %.3f\n", "'"$case"'", s, dm, dm / s }'
done
echo "(the whole run includes tshark's start-up, the same on both sides: ~870M instructions on 4.0)"
echo
echo "Media through TURN, $N RTP packets, -Y rtp, instructions per frame (callgrind)"
printf '%-44s %10s %10s\n' "case" "whole run" "transport"
heur=(--enable-heuristic rtp_stun --enable-heuristic dtls_stun)
for case in rtpchan:udp rtp6062:tcp; do
    name=${case%%:*} tr=${case##*:}
    frames=frames_$name
    frames=${!frames}
    run "$work/cg.stun" "$work/stock" -n -r "$work/$name.pcapng" "${heur[@]}" -Y rtp
    run "$work/cg.msstun" "$work/home" -n -r "$work/$name.pcapng" -Y rtp
    w_stun=$(( $(total "$work/cg.stun") / frames )) t_stun=$(( $(inclusive "$work/cg.stun" "decode_${tr}_ports") / frames ))
    w_ms=$(( $(total "$work/cg.msstun") / frames )) t_ms=$(( $(inclusive "$work/cg.msstun" "decode_${tr}_ports") / frames ))
    rtp_stun=$(env HOME="$work/stock" "$TSHARK" -n -r "$work/$name.pcapng" "${heur[@]}" -Y rtp 2>/dev/null | wc -l)
    printf '%-44s %10d %10d   (%d RTP frames)\n' "$name: built-in stun, heuristics on" "$w_stun" "$t_stun" "$rtp_stun"
    printf '%-44s %10d %10d\n' "$name: msstun" "$w_ms" "$t_ms"
    awk -v a="$w_ms" -v b="$w_stun" -v c="$t_ms" -v d="$t_stun" \
        'BEGIN { printf "%-44s %10.2f %10.2f\n", "  ratio msstun / built-in", a / b, c / d }'
done
echo "(on the RFC 6062 data connection the built-in stun finds no RTP: it cannot follow the data connection)"
