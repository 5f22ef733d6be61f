#!/usr/bin/env bash
# The Suricata step of CI (.ci/run): msstun inside Suricata 8 on real captures.
#
#   scripts/suricata-ci.sh [OUTDIR]        (default target/suricata-ci)
#
# For the bundled example and captures of the suite, scripts/suricata-check.sh runs
# Suricata 8 (Debian's, in the trixie chroot when the host has none) with the plugin and
# the rules below, and scripts/suricata-compare.py checks that its msstun events hold
# exactly the STUN messages tshark+msstun decodes in the same capture (message type and
# transaction id, each as often). Then: `msstun.error_code:403` alerts on coturn's 403
# (tests/captures/coturn-403.pcapng) and only there, `msstun.dialect:microsoft` on the
# libnice Microsoft-mode captures and only there, `msstun.username` finds coturn's user.
# tshark is the host's, with the plugin CI built for it ($MSSTUN_PLUGIN, else
# target/ws-<version>/release, target/release or target/debug; built when none is there). Exit 0 only when everything holds; prints one line per check and the
# time taken.
set -uo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$SRC/target/suricata-ci}
cd "$SRC"
. scripts/wireshark-lib.sh
t0=$SECONDS
fail=0
say() { echo "[suricata-ci] $*" >&2; }
rm -rf "$OUT"
mkdir -p "$OUT"

cat > "$OUT/msstun.rules" <<'RULES'
alert msstun any any -> any any (msg:"msstun 403 Forbidden"; msstun.error_code:403; sid:2260001; rev:1;)
alert msstun any any -> any any (msg:"msstun Microsoft dialect"; msstun.dialect:microsoft; sid:2260002; rev:1;)
alert msstun any any -> any any (msg:"msstun USERNAME alice"; msstun.username; content:"alice"; sid:2260003; rev:1;)
alert msstun any any -> any any (msg:"msstun Allocate error"; msstun.method:Allocate; msstun.class:error; sid:2260004; rev:1;)
RULES

# The host tshark's plugin: what CI built before this step (multi-version.sh's native
# build, test.sh's), else a release build now.
PLUGIN=${MSSTUN_PLUGIN:-}
ws=$(msstun_ws_version)
for cand in "$SRC/target/ws-$ws/release" "$SRC/target/release" "$SRC/target/debug"; do
    [ -z "$PLUGIN" ] && [ -f "$cand/libmsstun_plugin.so" ] && PLUGIN="$cand/libmsstun_plugin.so"
done
if [ -z "$PLUGIN" ]; then
    cargo build --release -p msstun-plugin >&2 || { say "cannot build the Wireshark plugin"; exit 1; }
    PLUGIN="$SRC/target/release/libmsstun_plugin.so"
fi
say "tshark $ws with $PLUGIN"
TSHOME="$OUT/tshark-home"
msstun_plugin_home "$TSHOME" "$PLUGIN" "$ws"
chmod -R a+rX "$OUT"
tshark_fields() { # capture → fields (as nobody: Wireshark ignores personal plugins as root)
    msstun_as_nobody "$TSHOME" tshark -r "$1" -Y msstun.type -T fields -E occurrence=a \
        -e frame.number -e msstun.type -e msstun.transaction_id
}
alerts() { # eve sid → count
    python3 - "$1" "$2" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    if e.get("event_type") == "alert" and e["alert"]["signature_id"] == int(sys.argv[2]):
        n += 1
print(n)
PY
}
check() { # name condition-text
    if eval "$2"; then say "ok   $1"; else say "FAIL $1"; fail=1; fi
}

for cap in examples/seed-tcp-turn.pcapng tests/captures/coturn-403.pcapng \
           tests/captures/msmode-oc2007.pcapng tests/captures/msmode-oc2007r2.pcapng \
           tests/captures/turn-media.pcapng tests/captures/webrtc-aioice.pcapng; do
    name=$(basename "$cap" .pcapng)
    d="$OUT/$name"
    if ! scripts/suricata-check.sh "$cap" "$d" "$OUT/msstun.rules"; then
        say "FAIL $name: suricata-check.sh"; fail=1; continue
    fi
    cp "$cap" "$d/capture.pcapng"; chmod a+r "$d" "$d/capture.pcapng"
    tshark_fields "$d/capture.pcapng" > "$d/tshark.tsv"
    if python3 scripts/suricata-compare.py "$d/eve.json" "$d/tshark.tsv" > "$d/compare.txt"; then
        say "ok   $name: $(head -1 "$d/compare.txt")"
    else
        say "FAIL $name: $(cat "$d/compare.txt")"; fail=1
    fi
    v=${name//-/_}
    printf -v "a403_$v" %s "$(alerts "$d/eve.json" 2260001)"
    printf -v "ams_$v" %s "$(alerts "$d/eve.json" 2260002)"
    printf -v "auser_$v" %s "$(alerts "$d/eve.json" 2260003)"
done
check "msstun.error_code:403 alerts on coturn's 403 (${a403_coturn_403:-0}) and not on the example (${a403_seed_tcp_turn:-0})" \
    '[ "${a403_coturn_403:-0}" -ge 1 ] && [ "${a403_seed_tcp_turn:-0}" = 0 ]'
check "msstun.dialect:microsoft alerts on the Microsoft-mode captures (${ams_msmode_oc2007:-0}, ${ams_msmode_oc2007r2:-0}) and not on coturn's (${ams_coturn_403:-0})" \
    '[ "${ams_msmode_oc2007:-0}" -ge 1 ] && [ "${ams_msmode_oc2007r2:-0}" -ge 1 ] && [ "${ams_coturn_403:-0}" = 0 ]'
check "msstun.username; content:\"alice\" alerts on coturn's (${auser_coturn_403:-0})" \
    '[ "${auser_coturn_403:-0}" -ge 1 ]'
# The README's pipelines (packaging/suricata): rsyslog's own config check, in the chroot
# where Debian's rsyslog and rsyslog-kafka are; Vector is not in Debian: its TOML parses and
# names the ClickHouse table of clickhouse.sql.
# (rsyslog.conf's part: a work directory, then the drop-in.)
printf 'global(workDirectory="/tmp")\ninclude(file="%s")\n' "$SRC/packaging/suricata/rsyslog-msstun.conf" > "$OUT/rsyslog.conf"
check "packaging/suricata/rsyslog-msstun.conf passes rsyslogd -N1" \
    'scripts/chroot-run.sh "${MSSTUN_SURICATA_SUITE:-trixie}" rsyslogd -N1 -f "$OUT/rsyslog.conf" > "$OUT/rsyslog.txt" 2>&1'
check "packaging/suricata/vector.toml parses, its sink is clickhouse.sql's table" \
    'python3 -c "import sys, tomllib; d = tomllib.load(open(sys.argv[1], \"rb\")); t = d[\"sinks\"][\"clickhouse\"]; assert t[\"type\"] == \"clickhouse\" and (t[\"database\"] + \".\" + t[\"table\"]) in open(sys.argv[2]).read()" packaging/suricata/vector.toml packaging/suricata/clickhouse.sql'
say "done in $((SECONDS - t0)) s, $([ $fail = 0 ] && echo all passed || echo FAILED)"
exit $fail
