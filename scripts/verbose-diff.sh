#!/usr/bin/env bash
# Behaviour check for refactoring: `tshark -2 -V` (two passes: forward links too) of every fixture, decoded by the plugin of a base
# revision and by the plugin of the working tree, must be identical.
#
#   scripts/verbose-diff.sh [BASE_REV]      (default BASE_REV: HEAD)
#
# Every generated scenario (`msstun-fixtures list`, except the large bench/scale ones), every
# capture in tests/captures/ and the bundled example are decoded twice per plugin: with default
# preferences, with the fixtures' credentials in the UAT (so integrity checks run) and as the
# `-z msstun,*` tables and the flow graph print them. The base
# plugin is built in a temporary git worktree under target/verbose-diff/. Exits 0 when all
# outputs are identical, 1 (printing the first differences) otherwise.
#
# Fields added on purpose change the output; a refactoring must not. Run as root: tshark runs as
# nobody with a private HOME, as the tests do (Wireshark ignores personal plugins for root).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
base=${1:-HEAD}
work=$root/target/verbose-diff
mkdir -p "$work"

echo "==> building the working tree's plugin and fixtures"
cargo build -q -p msstun-plugin -p msstun-fixtures
cur_so=$root/target/debug/libmsstun_plugin.so
fixtures=$root/target/debug/msstun-fixtures

echo "==> building the plugin of $base"
rm -rf "$work/base"
git worktree prune
git worktree add -q --detach "$work/base" "$base"
trap 'git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true' EXIT
(cd "$work/base" && CARGO_TARGET_DIR=$work/target cargo build -q -p msstun-plugin)
base_so=$work/target/debug/libmsstun_plugin.so

caps=$work/captures
rm -rf "$caps" && mkdir -p "$caps"
for name in $("$fixtures" list | awk '{print $1}'); do
    case $name in bench | nostun | scale* | mutants) continue ;; esac
    "$fixtures" "$name" "$caps/$name.pcapng" 50 2>/dev/null || echo "   (scenario $name not generated)"
done
cp tests/captures/*.pcapng examples/*.pcapng "$caps/"

. scripts/wireshark-lib.sh
run() { # run <plugin.so> <home> <out> <capture> [tshark args]
    local so=$1 home=$2 out=$3 cap=$4
    shift 4
    # (GLib's warnings carry the process id and the time: not compared.)
    msstun_as_nobody "$home" tshark -n -2 -r "$cap" -V "$@" 2>&1 |
        sed -E 's/\(tshark:[0-9]+\) [0-9:.]+ /(tshark) /' >"$out" || true
}
msstun_plugin_home "$work/home-base" "$base_so"
msstun_plugin_home "$work/home-cur" "$cur_so"
cred() { echo "uat:msstun_credentials:\"$1\",\"$2\",\"$3\""; }
creds=(-o "$(cred turn TANDBERG expressway)" -o "$(cred 'MRAv:a9Xy' '' cmsIcePasswordAbc123xyz)"
    -o "$(cred 'a9Xy:MRAv' '' skypeIcePassword789qrs)"
    -o "$(cred 'AgAAJCp9kQ8B2uwvzNh0F7a1l8ZQ4A==' rtcmedia teams-relay-password)")
# The tap tables and statistics (their own analyses, fed from tap records).
tables=()
for z in stat srt alloc ice diag table_alloc table_ice table_diag; do tables+=(-z "msstun,$z"); done
tables+=(-z flow,msstun,standard)
chmod -R a+rX "$caps"

status=0
n=0
for cap in "$caps"/*.pcapng; do
    b=$(basename "$cap" .pcapng)
    for mode in default creds tables; do
        args=()
        [ "$mode" = creds ] && args=("${creds[@]}")
        [ "$mode" = tables ] && args=("${tables[@]}")
        run "$base_so" "$work/home-base" "$work/$b.$mode.base" "$cap" "${args[@]}"
        run "$cur_so" "$work/home-cur" "$work/$b.$mode.cur" "$cap" "${args[@]}"
        n=$((n + 1))
        if ! cmp -s "$work/$b.$mode.base" "$work/$b.$mode.cur"; then
            echo "DIFFERENT: $b ($mode)"
            diff "$work/$b.$mode.base" "$work/$b.$mode.cur" | head -20 || true
            status=1
        fi
    done
done
grep -l "msstun" "$work"/*.default.cur >/dev/null || { echo "no msstun in any output: plugin not loaded?"; exit 1; }
echo "==> $n decodes compared against $base: $([ $status = 0 ] && echo identical || echo DIFFERENT)"
exit $status
