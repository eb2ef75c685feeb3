#!/usr/bin/env bash
# Makes the release tarball esfcheck-VERSION-linux-ARCH.tar.gz (and its .sha256 file) in OUTDIR
# (default: .build/dist/). The tarball holds one folder, esfcheck-VERSION-linux-ARCH/, laid out as an install
# prefix (Scripts/install.sh): bin/esfcheck, share/esfcheck/ (packs, model, profiles, sample),
# completions, the man page, README.md and LICENSE. Unpack it anywhere and run bin/esfcheck.
# Usage: Scripts/package.sh [OUTDIR]
set -euo pipefail

[ $# -le 1 ] || { echo "usage: Scripts/package.sh [OUTDIR]" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
outdir="${1:-$root/.build/dist}"
mkdir -p "$outdir"
outdir="$(cd "$outdir" && pwd)"
cd "$root"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
"$root/Scripts/install.sh" "$stage/prefix"
version="$("$stage/prefix/bin/esfcheck" --version | awk 'NR == 1 {print $2}')"
[ -n "$version" ] || { echo "package: no version from esfcheck --version" >&2; exit 1; }
os="$(uname -s | tr '[:upper:]' '[:lower:]')"
name="esfcheck-$version-$os-$(uname -m)"
mv "$stage/prefix" "$stage/$name"
cp README.md LICENSE "$stage/$name/"

tarball="$outdir/$name.tar.gz"
# stable archive metadata: sorted names, no owner, the last commit's time
mtime="$(git log -1 --format=%ct 2>/dev/null || date +%s)"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" -C "$stage" -cf - "$name" | gzip -n -9 > "$tarball.tmp"
mv "$tarball.tmp" "$tarball"
(cd "$outdir" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
echo "$tarball"
echo "$tarball.sha256"
