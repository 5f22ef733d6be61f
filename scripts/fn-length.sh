#!/usr/bin/env bash
# No function over 100 lines (issue 20): every Rust function in the repository (src/, crates/,
# fuzz/, tests/, build.rs; tests, benches and examples included), counted from its `fn` line to
# the closing brace at the `fn` line's indentation (rustfmt's layout), is at most MAX lines.
# Prints the ones over and fails. Cheap (awk over the tracked files, well under a second);
# part of scripts/test.sh's lint step.
#
# Usage: scripts/fn-length.sh [--max N] [FILE.rs…]   (default: every tracked .rs file)
# A long table is data: make it a const/static (or one function per entry), not an exception.
set -uo pipefail
cd "$(dirname "$0")/.."
MAX=100
# Functions another change is rewriting (file:fn), reported but not failed. Keep this empty:
# an entry is a debt with a name beside it.
ALLOW=""
if [ "${1:-}" = --max ]; then MAX=$2; shift 2; fi
if [ $# -gt 0 ]; then
    FILES=("$@")
else
    mapfile -t FILES < <(git ls-files -- 'src/*.rs' 'crates/*.rs' 'fuzz/*.rs' 'tests/*.rs' build.rs 2>/dev/null)
    # Without git (a fresh system, a source tarball): the same files from the tree itself.
    [ ${#FILES[@]} -gt 0 ] || mapfile -t FILES < <(find src crates fuzz tests build.rs -name '*.rs' \
        -not -path '*/target/*' 2>/dev/null | sort)
fi
# No files would pass vacuously: that is a broken check, not a clean tree.
[ ${#FILES[@]} -gt 0 ] || { echo "fn-length: no Rust files found" >&2; exit 2; }
# shellcheck disable=SC2016
awk -v max="$MAX" -v allow=" $ALLOW " '
function over(end_line) {
    if (end_line - start + 1 > max) {
        allowed = index(allow, " " FILENAME ":" name " ") > 0
        printf "%s:%d: fn %s is %d lines (most: %d)%s\n", FILENAME, start, name, end_line - start + 1, max, allowed ? " [allowed for now]" : ""
        if (!allowed) bad++
    }
}
FNR == 1 { name = "" }
name != "" {
    # The body ends at a brace on the fn line'"'"'s indentation.
    if (index($0, ind "}") == 1 && substr($0, length(ind) + 2) ~ /^[ ;,)]*$/) { over(FNR); name = ""; next }
    # A declaration without a body (trait or extern item) whose signature spans lines.
    if (index($0, ind ")") == 1 && $0 ~ /;[ \t]*$/) { name = ""; next }
    next
}
/^[ \t]*(pub(\([a-z:_ ]+\))? +)?(default +)?(const +)?(async +)?(unsafe +)?(extern +"[A-Za-z-]+" +)?fn +[A-Za-z_][A-Za-z0-9_]*/ {
    match($0, /^[ \t]*/); ind = substr($0, 1, RLENGTH)
    n = $0; sub(/^.*fn +/, "", n); sub(/[^A-Za-z0-9_].*$/, "", n)
    if ($0 !~ /\{/ && $0 ~ /;[ \t]*(\/\/.*)?$/) next   # declaration on one line
    if ($0 ~ /\{/ && $0 ~ /\}[ \t]*$/) next            # one-line body
    name = n; start = FNR
}
END { if (bad) { printf "%d function(s) over %d lines\n", bad, max; exit 1 } }
' "${FILES[@]}"
