#!/usr/bin/env bash
# Memory at scale: max RSS of tshark with msstun against the built-in stun on the same
# generated captures, printed side by side in one run.
#
#   packaging/memory-tshark.sh [MESSAGES...]          (default: 1000000 5000000)
#
# For each size, `msstun-fixtures scale N` writes a capture shaped like a busy TURN server
# (many UDP allocations, many ICE pairs, long RFC 6062 data connections; all on port 3478;
# cached in target/memory-tshark/), then /usr/bin/time -v measures:
#   stun    tshark -r F -Y stun                      (built-in stun owns 3478; msstun.so not loaded)
#   msstun  tshark -r F -d udp.port==3478,msstun -d tcp.port==3478,msstun -Y msstun
#   msstun -2  the same with two passes (what -2 -V users pay; forward links)
# and prints frames shown, wall seconds and max RSS (MB) for each, and msstun/stun.
# Both sides run unprivileged with private HOMEs (as root: setpriv to nobody).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000000 5000000)
TSHARK=${TSHARK:-tshark}
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
. "$root/scripts/wireshark-lib.sh"
ver=$(msstun_ws_version)
plugin=${MSSTUN_PLUGIN:-target/release/libmsstun_plugin.so}
[ -f "$plugin" ] || cargo build --release -p msstun-plugin
cargo build -q --release -p msstun-fixtures
cache=$root/target/memory-tshark
mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir -p "$work/without"
msstun_plugin_home "$work/with" "$plugin" "$ver"
chmod -R a+rX "$work"
chmod a+rx "$root/target" "$cache" 2>/dev/null || true

ts() { # HOME, tshark args... → prints "shown wall_s maxrss_mb"
    local home=$1; shift
    local pre=()
    [ "$(id -u)" = 0 ] && pre=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    # time(1) outside setpriv: setpriv and env exec into tshark, so the RSS is tshark's.
    /usr/bin/time -v -o "$work/time" "${pre[@]}" env HOME="$home" "$TSHARK" "$@" 2>/dev/null | wc -l > "$work/n"
    awk -v n="$(cat "$work/n")" '
        /Maximum resident set size/ { rss = $NF }
        /Elapsed \(wall clock\)/ { split($NF, t, ":"); w = (length(t) == 3) ? t[1]*3600 + t[2]*60 + t[3] : t[1]*60 + t[2] }
        END { printf "%s %.1f %.1f\n", n, w, rss / 1024 }' "$work/time"
}

echo "Wireshark $ver ($("$TSHARK" --version 2>/dev/null | head -1 | sed -nE 's/.* ([0-9]+\.[0-9]+\.[0-9]+).*/\1/p')), $(nproc) cores; max RSS from /usr/bin/time -v"
printf '%-9s %-10s %10s %8s %10s %8s\n' messages side shown wall_s maxrss_MB vs_stun
for n in "${SIZES[@]}"; do
    f=$cache/scale-$n.pcapng
    if [ ! -s "$f" ]; then
        nice target/release/msstun-fixtures scale "$f.tmp" "$n" >&2 && mv "$f.tmp" "$f"
    fi
    chmod a+r "$f"
    read -r s_n s_w s_r < <(ts "$work/without" -r "$f" -Y stun)
    read -r m_n m_w m_r < <(ts "$work/with" -r "$f" -d udp.port==3478,msstun -d tcp.port==3478,msstun -Y msstun)
    read -r m2_n m2_w m2_r < <(ts "$work/with" -r "$f" -2 -d udp.port==3478,msstun -d tcp.port==3478,msstun -Y msstun)
    printf '%-9s %-10s %10s %8s %10s %8s\n' "$n" stun "$s_n" "$s_w" "$s_r" 1.00
    printf '%-9s %-10s %10s %8s %10s %8s\n' "$n" msstun "$m_n" "$m_w" "$m_r" "$(awk -v a="$m_r" -v b="$s_r" 'BEGIN { printf "%.2f", a / b }')"
    printf '%-9s %-10s %10s %8s %10s %8s\n' "$n" "msstun -2" "$m2_n" "$m2_w" "$m2_r" "$(awk -v a="$m2_r" -v b="$s_r" 'BEGIN { printf "%.2f", a / b }')"
done
