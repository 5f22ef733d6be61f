#!/usr/bin/env bash
# Build msstun.so for several Wireshark versions from one source and run the tshark
# integration suite (tests/*.rs) against each; package each build; print one table.
#
#   scripts/multi-version.sh [--versions 4.0,4.4,4.6] [--no-tests] [--no-package] [--no-wine]
#                            [--fresh-chroots] [--stop-on-failure] [--chroot-all]
#
# Version -> where it is built and tested:
#   4.0  Debian 12 bookworm  (natively when the host's Wireshark is 4.0, else — or with
#        --chroot-all — in a bookworm chroot)
#   4.4  Debian 13 trixie    (chroot)
#   4.6  Debian sid          (chroot)
# Chroots are cached outside the clone in $MSSTUN_CHROOTS (default /var/cache/msstun-chroots)
# and made again when missing (scripts/chroot-setup.sh). Each version builds into its own
# target/ws-<version>; artifacts go to target/multi-version/<version>/, logs and timings to
# target/multi-version/logs/. The plugin is built in release (the packaged file is the
# tested file). In each chroot the .deb is installed and removed again, and the tarball's
# install.sh must install it and refuse another version's plugin (scripts/chroot-pkgcheck.sh).
# Then (unless --no-wine) scripts/wine-check.sh cross-builds msstun.dll and its zip per version
# (packaging/build-windows.sh) and loads it under Wine; its checks count in the total.
# Needs root. Exit status 0 only when every selected version built and passed.
# The last line is "N passed, N failed" summed over all versions.
set -uo pipefail
# The whole script is one { } block: bash reads it entirely before running, so editing
# this file during a run does not derail the run.
{

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VERSIONS=4.0,4.4,4.6
RUN_TESTS=1
RUN_PACKAGE=1
RUN_WINE=1
FRESH=0
KEEP_GOING=1
CHROOT_ALL=0
while [ $# -gt 0 ]; do
    case "$1" in
        --versions) VERSIONS=${2:?}; shift ;;
        --versions=*) VERSIONS=${1#*=} ;;
        --no-tests) RUN_TESTS=0 ;;
        --no-package) RUN_PACKAGE=0 ;;
        --no-wine) RUN_WINE=0 ;;
        --fresh-chroots) FRESH=1 ;;
        --stop-on-failure) KEEP_GOING=0 ;;
        --keep-going) KEEP_GOING=1 ;;
        --chroot-all) CHROOT_ALL=1 ;;
        -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "multi-version.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

OUT="$SRC/target/multi-version"
LOGS="$OUT/logs"
mkdir -p "$LOGS"
export MSSTUN_CHROOTS=${MSSTUN_CHROOTS:-/var/cache/msstun-chroots}

suite_of() {
    case "$1" in
        4.0) echo bookworm ;;
        4.4) echo trixie ;;
        4.6) echo sid ;;
        *) echo "" ;;
    esac
}
host_ws=$(pkg-config --modversion wireshark 2>/dev/null | cut -d. -f1,2 || true)
[ "$CHROOT_ALL" = 1 ] && host_ws=none

now() { date +%s; }
# bad VERSION WHAT: record a failure of that version.
bad() {
    if [ "${R_STATUS[$1]}" = ok ]; then R_STATUS[$1]=$2; else R_STATUS[$1]="${R_STATUS[$1]}, $2"; fi
    ANY_BAD=1
}
note() { echo "[multi-version $(date +%H:%M:%S)] $*" >&2; }

# run VERSION COMMAND...: natively for the host's version, else in that version's chroot.
run_in() {
    local v=$1; shift
    if [ "$v" = "$host_ws" ]; then
        (cd "$SRC" && "$@")
    else
        "$SRC/scripts/chroot-run.sh" "$(suite_of "$v")" "$@"
    fi
}

# Crates are fetched once on the host (which has the network set up); the chroots build
# offline from the shared $CARGO_HOME (see scripts/chroot-run.sh).
note "cargo fetch (host)"
(cd "$SRC" && cargo fetch >"$LOGS/fetch.log" 2>&1) || { note "cargo fetch failed, see $LOGS/fetch.log"; }

declare -A R_PKG R_TSHARK R_PASS R_FAIL R_STATUS R_TIME R_ART R_T_SETUP R_T_BUILD R_T_TEST R_T_PKG
TOTAL_PASS=0 TOTAL_FAIL=0 ANY_BAD=0
T0=$(now)

for v in ${VERSIONS//,/ }; do
    log="$LOGS/ws-$v.log"; : > "$log"
    R_PASS[$v]=0; R_FAIL[$v]=0; R_PKG[$v]="-"; R_STATUS[$v]="ok"; R_ART[$v]=""; R_TSHARK[$v]="?"
    R_T_SETUP[$v]=0; R_T_BUILD[$v]=0; R_T_TEST[$v]=0; R_T_PKG[$v]=0
    tv=$(now)
    suite=$(suite_of "$v")
    if [ "$v" != "$host_ws" ] && [ -z "$suite" ]; then
        note "$v: no Debian suite known for this version"; R_STATUS[$v]="unsupported"; ANY_BAD=1; continue
    fi

    # 1. chroot (cached)
    if [ "$v" != "$host_ws" ]; then
        t=$(now)
        [ "$FRESH" = 1 ] && rm -rf "${MSSTUN_CHROOTS:?}/$suite"
        note "$v: chroot $suite"
        if ! "$SRC/scripts/chroot-setup.sh" "$suite" >>"$log" 2>&1; then
            R_STATUS[$v]="chroot failed"; ANY_BAD=1; R_TIME[$v]=$(( $(now) - tv ))
            tail -n 20 "$log" >&2; if [ "$KEEP_GOING" = 1 ]; then continue; else break; fi
        fi
        R_T_SETUP[$v]=$(( $(now) - t ))
    fi
    R_TSHARK[$v]=$(run_in "$v" tshark --version 2>/dev/null | head -n1 | awk '{print $3}' | sed "s/[.,]*$//")

    # 2. build (release: the tested file is the packaged file)
    # (a chroot build of the host's own version gets its own folder: its build scripts are
    # linked against the chroot's libc)
    if [ "$CHROOT_ALL" = 1 ] && [ "$v" = "$(pkg-config --modversion wireshark 2>/dev/null | cut -d. -f1,2)" ]; then
        export CARGO_TARGET_DIR="$SRC/target/ws-$v-$suite"
    else
        export CARGO_TARGET_DIR="$SRC/target/ws-$v"
    fi
    t=$(now)
    note "$v: build (CARGO_TARGET_DIR=${CARGO_TARGET_DIR#"$SRC"/})"
    if ! run_in "$v" cargo build --release -p msstun-plugin >>"$log" 2>&1; then
        R_STATUS[$v]="build failed"; ANY_BAD=1; R_T_BUILD[$v]=$(( $(now) - t )); R_TIME[$v]=$(( $(now) - tv ))
        grep -E "^(error|warning: unused)" -A6 "$log" | head -n 40 >&2
        if [ "$KEEP_GOING" = 1 ]; then continue; else break; fi
    fi
    R_T_BUILD[$v]=$(( $(now) - t ))
    so="$CARGO_TARGET_DIR/release/libmsstun_plugin.so"
    mkdir -p "$OUT/$v"
    cp "$so" "$OUT/$v/msstun.so"
    R_ART[$v]="$OUT/$v/msstun.so"

    # 3. the tshark integration suite (tests/*.rs), against that tshark (the test binaries in
    # the `itest` profile: release without fat LTO; the plugin they load is the release build)
    if [ "$RUN_TESTS" = 1 ]; then
        t=$(now)
        note "$v: tests"
        tlog="$LOGS/ws-$v.tests.log"
        MSSTUN_PLUGIN="$so" WS_VERSION="$v" MSSTUN_CHROOT_ENV="MSSTUN_PLUGIN WS_VERSION CI" \
            run_in "$v" cargo test --profile itest -p msstun-plugin --tests --no-fail-fast >"$tlog" 2>&1
        rc=$?
        cat "$tlog" >>"$log"
        R_T_TEST[$v]=$(( $(now) - t ))
        read -r p f < <(awk '/^test result:/{for(i=1;i<=NF;i++){if($(i+1)~/^passed/)p+=$i; if($(i+1)~/^failed/)f+=$i}} END{print p+0, f+0}' "$tlog")
        R_PASS[$v]=$p; R_FAIL[$v]=$f
        if [ "$rc" != 0 ] || [ "$f" != 0 ] || [ "$p" = 0 ]; then
            R_STATUS[$v]="tests failed"; ANY_BAD=1
            [ "$f" = 0 ] && [ "$rc" != 0 ] && { R_FAIL[$v]=1; R_STATUS[$v]="tests did not run"; }
            grep -E "^(---- |thread '|error)" -A4 "$tlog" | head -n 40 >&2
        fi
        TOTAL_PASS=$(( TOTAL_PASS + R_PASS[$v] )); TOTAL_FAIL=$(( TOTAL_FAIL + R_FAIL[$v] ))
    fi

    # 4. packages: .deb pinned to this chroot's libwireshark ABI, and a tarball
    if [ "$RUN_PACKAGE" = 1 ]; then
        t=$(now)
        note "$v: packages"
        pdir="$OUT/$v"
        for b in build-deb.sh build-tarball.sh; do
            if [ -x "$SRC/packaging/$b" ] || [ -f "$SRC/packaging/$b" ]; then
                if run_in "$v" bash "packaging/$b" "$so" "$pdir" >>"$log" 2>&1; then :
                else
                    bad "$v" "$b failed"
                fi
            else
                note "$v: packaging/$b missing, skipped"
            fi
        done
        # install/refuse checks, in the chroot only (dpkg -i touches the system)
        if [ "$v" != "$host_ws" ]; then
            other=""
            for o in "$OUT"/*/msstun.so; do
                [ -f "$o" ] && [ "$o" != "$OUT/$v/msstun.so" ] && { other=$o; break; }
            done
            run_in "$v" bash scripts/chroot-pkgcheck.sh "$v" "$pdir" "$other" >"$LOGS/ws-$v.pkgcheck.log" 2>&1
            prc=$?
            cat "$LOGS/ws-$v.pkgcheck.log" >>"$log"
            R_PKG[$v]=$(awk '/^pkgcheck: /{print $2 "/" $2+$4}' "$LOGS/ws-$v.pkgcheck.log")
            if [ "$prc" != 0 ]; then
                bad "$v" "pkgcheck failed"
                grep FAIL "$LOGS/ws-$v.pkgcheck.log" >&2
            fi
        else
            R_PKG[$v]="built"
        fi
        R_T_PKG[$v]=$(( $(now) - t ))
        R_ART[$v]=$(find "$pdir" -maxdepth 1 -type f \( -name '*.so' -o -name '*.deb' -o -name '*.tar.*' \) -printf '%f\n' | sort | tr '\n' ' ')
    fi
    R_TIME[$v]=$(( $(now) - tv ))
done

# ---- Windows: msstun.dll and its zip per version, loaded under Wine (scripts/wine-check.sh)
WINE_RESULT="skipped (--no-wine)"
if [ "$RUN_WINE" = 1 ]; then
    t=$(now)
    note "windows: scripts/wine-check.sh --versions $VERSIONS"
    bash "$SRC/scripts/wine-check.sh" --versions "$VERSIONS" --out "$OUT" >"$LOGS/wine-check.log" 2>&1
    wrc=$?
    read -r wp wf < <(awk '/ passed, .* failed$/ {p=$1; f=$3} END {print p+0, f+0}' "$LOGS/wine-check.log")
    [ "$wrc" != 0 ] && [ "$wf" = 0 ] && wf=1
    WINE_RESULT="$wp passed, $wf failed ($(( $(now) - t ))s; log: target/multi-version/logs/wine-check.log)"
    TOTAL_PASS=$(( TOTAL_PASS + wp )); TOTAL_FAIL=$(( TOTAL_FAIL + wf ))
    if [ "$wrc" != 0 ]; then ANY_BAD=1; grep '^FAIL' "$LOGS/wine-check.log" >&2; fi
    for v in ${VERSIONS//,/ }; do
        for z in "$OUT/$v"/*-windows-x86_64.zip; do
            [ -f "$z" ] && R_ART[$v]="${R_ART[$v]:+${R_ART[$v]} }$(basename "$z")"
        done
    done
fi

# ---- one table ----
{
    echo
    printf '%-8s %-9s %-16s %7s %7s %-9s %8s %s\n' "version" "tshark" "status" "passed" "failed" "pkgcheck" "time(s)" "setup/build/test/pkg (s)"
    for v in ${VERSIONS//,/ }; do
        printf '%-8s %-9s %-16s %7s %7s %-9s %8s %s\n' "$v" "${R_TSHARK[$v]:-?}" "${R_STATUS[$v]:-?}" \
            "${R_PASS[$v]:-0}" "${R_FAIL[$v]:-0}" "${R_PKG[$v]:--}" "${R_TIME[$v]:-0}" \
            "${R_T_SETUP[$v]:-0}/${R_T_BUILD[$v]:-0}/${R_T_TEST[$v]:-0}/${R_T_PKG[$v]:-0}"
    done
    echo
    echo "windows (msstun.dll under Wine, scripts/wine-check.sh): $WINE_RESULT"
    echo
    echo "artifacts (target/multi-version/<version>/):"
    for v in ${VERSIONS//,/ }; do echo "  $v: ${R_ART[$v]:-none}"; done
    echo "logs: target/multi-version/logs/   total time: $(( $(now) - T0 ))s"
} | tee "$OUT/summary.txt"
echo "$TOTAL_PASS passed, $TOTAL_FAIL failed"
exit "$ANY_BAD"
}
