#!/usr/bin/env bash
# Run Suricata 8 with the msstun plugin on a capture; leave OUTDIR/eve.json.
#
#   scripts/suricata-check.sh CAPTURE OUTDIR [RULES]
#
# Uses the host's Suricata when it is 8.x; otherwise Debian's, in the trixie chroot
# (trixie-backports, scripts/suricata-setup.sh; MSSTUN_SURICATA_SUITE=sid for sid's).
# Builds crates/msstun-suricata (release) against the suricata crate version pinned in its
# Cargo.toml, which must equal the Suricata it loads into (checked here), in the same place
# Suricata runs, then runs `suricata -r CAPTURE` with crates/msstun-suricata/msstun.yaml
# (plugin path filled in) and RULES (or none), checksums ignored. OUTDIR also gets
# suricata.log and the config used. Exit status: Suricata's (1 when the build fails).
# Environment: MSSTUN_SURICATA_ARGS: more suricata arguments (e.g. "--runmode workers
# --set threading.cpu-affinity…").
set -euo pipefail

CAPTURE=${1:?usage: suricata-check.sh CAPTURE OUTDIR [RULES]}
OUTDIR=${2:?usage: suricata-check.sh CAPTURE OUTDIR [RULES]}
RULES=${3:-}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CRATE="$SRC/crates/msstun-suricata"
log() { echo "suricata-check: $*" >&2; }

pinned=$(awk '/^name = "suricata"$/ {getline; gsub(/"/, "", $3); print $3}' "$CRATE/Cargo.lock")
if command -v suricata >/dev/null && suricata -V 2>/dev/null | grep -q 'version 8\.'; then
    RUN=()
    where=host
else
    SUITE=${MSSTUN_SURICATA_SUITE:-trixie}
    "$SRC/scripts/suricata-setup.sh" "$SUITE" >/dev/null
    RUN=("$SRC/scripts/chroot-run.sh" "$SUITE")
    where="$SUITE chroot"
fi
have=$("${RUN[@]}" suricata -V | sed -n 's/.*version \([0-9.]*\).*/\1/p')
if [ "$have" != "$pinned" ]; then
    log "Suricata $have ($where) but crates/msstun-suricata pins the suricata crate $pinned:"
    log "a plugin loads only into the Suricata it was built for. Set both \"=$have\" pins in"
    log "crates/msstun-suricata/Cargo.toml (suricata, suricata-sys) and run cargo update there."
    exit 1
fi

# The chroot builds offline from the shared registry cache: fetch on the host first.
cargo fetch --manifest-path "$CRATE/Cargo.toml" >/dev/null 2>&1 || true
if [ ${#RUN[@]} = 0 ]; then
    export CARGO_TARGET_DIR="$CRATE/target"
    SO="$CARGO_TARGET_DIR/release/libmsstun_suricata.so"
else
    # Inside the chroot, kept with it (like the chroot, outside the clone): a clean clone
    # rebuilds only msstun's crates, not the suricata crate (minutes on 2 cores).
    export CARGO_TARGET_DIR=/var/cache/msstun-suricata-target
    SO="$CARGO_TARGET_DIR/release/libmsstun_suricata.so"
fi
t0=$SECONDS
"${RUN[@]}" cargo build --release --manifest-path "$CRATE/Cargo.toml" >&2 ||
    { log "plugin build failed"; exit 1; }
log "plugin for Suricata $have ($where) built in $((SECONDS - t0)) s: $SO"

# Suricata runs in the chroot: work under the source tree (bind-mounted there).
WORK="$SRC/target/suricata-check/$$"
rm -rf "$WORK"
mkdir -p "$WORK" "$OUTDIR"
cp "$CAPTURE" "$WORK/capture.pcapng"
if [ -n "$RULES" ]; then cp "$RULES" "$WORK/rules"; else : > "$WORK/rules"; fi
sed "s#/usr/local/lib/suricata/msstun.so#$SO#" "$CRATE/msstun.yaml" > "$WORK/msstun.yaml"
rc=0
# shellcheck disable=SC2086
"${RUN[@]}" suricata -c /etc/suricata/suricata.yaml --include "$WORK/msstun.yaml" \
    -r "$WORK/capture.pcapng" -l "$WORK" -S "$WORK/rules" -k none \
    ${MSSTUN_SURICATA_ARGS:-} > "$WORK/suricata.out" 2>&1 || rc=$?
for f in eve.json suricata.log msstun.yaml suricata.out; do
    [ -f "$WORK/$f" ] && cp "$WORK/$f" "$OUTDIR/"
done
touch "$OUTDIR/eve.json"
rm -rf "$WORK"
n=$(grep -c '"event_type":"msstun"' "$OUTDIR/eve.json" || true)
a=$(grep -c '"event_type":"alert"' "$OUTDIR/eve.json" || true)
log "suricata exit $rc; $n msstun events, $a alerts in $OUTDIR/eve.json"
[ "$rc" = 0 ] || tail -20 "$OUTDIR/suricata.out" >&2
exit "$rc"
