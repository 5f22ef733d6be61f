#!/usr/bin/env bash
# `tshark -2 -V` of every generated fixture and every bundled capture, decoded by two
# builds of msstun.so, compared byte for byte (issue 10: "behaviour unchanged").
#
#   scripts/tshark-v-diff.sh BASE.so NEW.so [OUTDIR]
#
# BASE.so/NEW.so: e.g. a build of the last commit before a refactoring and the fresh one
# (target/debug/libmsstun_plugin.so). Fixtures come from this tree's msstun-fixtures (all
# scenarios but the 200000-message `bench`/`nostun`), captures from tests/captures and
# examples. Runs tshark unprivileged with a private HOME per build (as tests/common does),
# with one long-term credential so MESSAGE-INTEGRITY is verified. Prints DIFF lines and a
# count; exit 1 if any output differs (outputs kept in OUTDIR as <name>.base/.new.txt).
set -eu
[ $# -ge 2 ] || { sed -n 2,12p "$0"; exit 2; }
BASE=$(readlink -f "$1") NEW=$(readlink -f "$2")
OUT=${3:-$(mktemp -d /tmp/msstun-tv.XXXXXX)}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VER=$(tshark --version | sed -n '1s/.* \([0-9]*\.[0-9]*\)\..*/\1/p')
cargo build -q --manifest-path "$ROOT/Cargo.toml" -p msstun-fixtures
FX=$ROOT/target/debug/msstun-fixtures
mkdir -p "$OUT/caps"
for who in base new; do
  d=$OUT/home-$who/.local/lib/wireshark/plugins/$VER/epan
  mkdir -p "$d"
  if [ $who = base ]; then cp "$BASE" "$d/msstun.so"; else cp "$NEW" "$d/msstun.so"; fi
done
for s in $("$FX" list | awk '{print $1}' | grep -v '^bench$\|^nostun$'); do
  "$FX" "$s" "$OUT/caps/$s.pcapng" 2>/dev/null
done
cp "$ROOT"/tests/captures/*.pcapng "$ROOT"/examples/*.pcapng "$OUT/caps/"
chmod -R a+rX "$OUT"
same=0 differ=0
for c in "$OUT"/caps/*.pcapng; do
  n=$(basename "$c" .pcapng)
  for who in base new; do
    setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$OUT/home-$who" \
      tshark -r "$c" -2 -V -o 'uat:msstun_credentials:"alice","example.org","wonderland"' \
      > "$OUT/$n.$who.txt" 2>&1 || true
  done
  if cmp -s "$OUT/$n.base.txt" "$OUT/$n.new.txt"; then
    same=$((same + 1))
  else
    differ=$((differ + 1)); echo "DIFF $n ($OUT/$n.base.txt $OUT/$n.new.txt)"
  fi
done
echo "tshark -V: $same identical, $differ different (outputs in $OUT)"
[ "$differ" -eq 0 ]
