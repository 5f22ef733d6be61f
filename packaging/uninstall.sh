#!/usr/bin/env bash
# Remove msstun.so installed by install.sh.
#   packaging/uninstall.sh [--personal | --global | --dest DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
scope=auto dest=""
while [ $# -gt 0 ]; do
    case $1 in
        --personal) scope=personal ;;
        --global) scope=global ;;
        --dest) dest=$2; shift ;;
        -h|--help) sed -n '2,3p' "$0"; exit 0 ;;
        *) die "unknown argument $1" ;;
    esac
    shift
done
[ -n "$dest" ] || dest=$(plugin_dir "$scope")
if [ -f "$dest/msstun.so" ]; then
    rm -f "$dest/msstun.so"
    echo "msstun: removed $dest/msstun.so"
else
    echo "msstun: nothing to remove in $dest"
fi
